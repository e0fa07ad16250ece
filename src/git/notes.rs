//! Records that live in the repository itself as JSON in git notes on the
//! deployed commits (`notes:REF`). This file reads them as plain data; the
//! records layer builds records from it.
//! Writing a note (`record --notes`) is the only write into a repository
//! shipcheck ever makes, and only when asked.

use anyhow::{anyhow, bail, Context, Result};
use git2::{ErrorCode, Oid, Signature};

use super::Repo;

/// The full ref of a notes source: `deploys` → `refs/notes/deploys`.
pub fn notes_ref(spec: &str) -> Result<String> {
    let spec = spec.trim();
    if spec.is_empty() {
        bail!("notes: needs a notes ref, such as notes:deploys (refs/notes/deploys)");
    }
    let full = if spec.starts_with("refs/") { spec.to_string() } else { format!("refs/notes/{spec}") };
    if !git2::Reference::is_valid_name(&full) {
        bail!("notes:{spec}: {full:?} is not a valid ref name");
    }
    Ok(full)
}

/// One note: the commit it annotates and its text.
#[derive(Debug, Clone)]
pub struct Note {
    /// The annotated commit (full SHA).
    pub commit: String,
    /// The annotated commit's committer time, to order notes.
    pub time: i64,
    /// The note's text.
    pub text: String,
}

impl Repo {
    /// Every note under a notes ref, ordered by the annotated commit's date
    /// (then SHA). A missing ref holds no notes.
    pub fn read_notes(&self, full_ref: &str) -> Result<Vec<Note>> {
        let iter = match self.git.notes(Some(full_ref)) {
            Ok(i) => i,
            Err(e) if e.code() == ErrorCode::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(anyhow!("cannot read notes {full_ref}: {}", e.message())),
        };
        let mut out = Vec::new();
        for item in iter {
            let (blob, annotated) = item.with_context(|| format!("cannot read notes {full_ref}"))?;
            let what = || format!("notes:{full_ref}: the note on {annotated}");
            let size = self.blob_size(blob, &what)? as u64;
            if size > crate::input::MAX_LOG_BYTES {
                bail!(
                    "{}: the note is {}, more than the {} shipcheck reads",
                    what(),
                    crate::input::size(size),
                    crate::input::size(crate::input::MAX_LOG_BYTES)
                );
            }
            let b = self.blob_of(blob, &what)?;
            let text = String::from_utf8(b.content().to_vec())
                .map_err(|_| anyhow!("notes:{full_ref}: the note on {annotated} is not valid UTF-8"))?;
            let time = self.git.find_commit(annotated).map(|c| c.time().seconds()).unwrap_or(i64::MIN);
            out.push(Note { commit: annotated.to_string(), time, text });
        }
        out.sort_by(|a, b| (a.time, &a.commit).cmp(&(b.time, &b.commit)));
        Ok(out)
    }

    /// Appends one line to the note on `commit` under `full_ref` (creating
    /// the note, or the ref, when absent). The existing note is kept: the
    /// line is added after it. Signed as the repository's configured user,
    /// else as `shipcheck <shipcheck@localhost>`.
    pub fn append_note(&self, full_ref: &str, commit: &str, line: &str) -> Result<()> {
        let oid = Oid::from_str(commit).with_context(|| format!("{commit:?} is not a commit SHA"))?;
        let existing = match self.git.find_note(Some(full_ref), oid) {
            Ok(n) => n.message().map(str::to_string).unwrap_or_default(),
            Err(e) if e.code() == ErrorCode::NotFound => String::new(),
            Err(e) => bail!("cannot read the note on {commit} in {full_ref}: {}", e.message()),
        };
        let mut text = existing;
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(line.trim_end_matches('\n'));
        text.push('\n');
        let sig = match self.git.signature() {
            Ok(s) => s,
            Err(_) => Signature::now("shipcheck", "shipcheck@localhost")?,
        };
        self.git
            .note(&sig, &sig, Some(full_ref), oid, &text, true)
            .map_err(|e| anyhow!("cannot write the note on {commit} in {full_ref}: {}", e.message()))?;
        Ok(())
    }
}
