//! `shipcheck check-config`.

use anyhow::{bail, Result};

use super::{emit, emit_json, eprint_line, open_session, Format, Global};
use crate::config::FILE_NAME;
use crate::config_check::{check, MESSAGES};
use crate::git::EntryKind;
use crate::text::escape;

/// Check the configuration against the repository at HEAD.
///
/// Reports every problem, not only the first: component paths that match
/// no file, components that claim the same file, change-ID patterns that
/// match none of the last 1000 commit messages, and version files that do
/// not exist or hold no version. Exits 0 with a one-line summary when all
/// is well, 2 with one line per problem otherwise.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Example:
  shipcheck check-config
  shipcheck --config ci/shipcheck.toml check-config")]
pub struct Args {}

/// Runs `check-config`.
pub fn run(global: &Global, _args: Args) -> Result<u8> {
    let ctx = open_session(global)?;
    let Some(path) = ctx.config.path.clone() else {
        bail!(
            "no configuration to check: there is no {FILE_NAME} at the repository root; \
             run `shipcheck init` to write one, or pass --config FILE"
        );
    };
    let shown = escape(&path.display().to_string()).into_owned();
    let layout = ctx.repo.layout(MESSAGES)?;
    // A version file is read as the audit reads it (a file or a link; a
    // folder or a submodule holds none); one whose object cannot be read
    // stops the check rather than read as missing.
    let failed = std::cell::RefCell::new(None);
    let read = |p: &str| -> Option<String> {
        let read = || -> Result<Option<String>> {
            let Some((root, entry)) = ctx.repo.head_entry(p)? else { return Ok(None) };
            match entry.kind {
                EntryKind::File | EntryKind::Link => Ok(Some(ctx.repo.blob_text(root, entry.id, p)?)),
                EntryKind::Folder | EntryKind::Submodule => Ok(None),
            }
        };
        read().unwrap_or_else(|e| {
            failed.borrow_mut().get_or_insert(e);
            None
        })
    };
    let checked = check(&ctx.config, &layout, &read);
    if let Some(e) = failed.into_inner() {
        return Err(e);
    }
    if global.format == Format::Json {
        let doc = serde_json::json!({
            "config": path.display().to_string(),
            "ok": checked.problems.is_empty(),
            "problems": checked.problems,
            "summary": checked.summary,
        });
        emit_json(&format!("{}\n", serde_json::to_string_pretty(&doc)?))?;
    } else if checked.problems.is_empty() {
        emit(format!("{}\n", crate::text::safe_line(&format!("ok: {shown}: {}", checked.summary))).as_bytes())?;
    } else {
        for p in &checked.problems {
            eprint_line(&format!("error: {shown}: {p}"));
        }
        eprint_line(&format!(
            "{shown}: {} found against HEAD",
            crate::text::plural(checked.problems.len(), "problem", "problems")
        ));
    }
    Ok(if checked.problems.is_empty() { 0 } else { 2 })
}
