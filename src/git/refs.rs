//! Resolving what records name: tags (releases), commits and SHA prefixes;
//! listing tags.

use anyhow::{bail, Context, Result};
use git2::{ErrorCode, ObjectType, Oid};

use super::objects::FETCH_EVERY_OBJECT;
use super::Repo;
use crate::text::short_sha;
use crate::time::Timestamp;

/// The message for a commit that is not in the repository.
fn does_not_exist(spec: &str) -> String {
    format!(
        "commit {spec} does not exist in the repository (fetch the full history: `git fetch --unshallow --tags`, or `fetch-depth: 0`)"
    )
}

/// A commit's short SHA.
fn short(oid: Oid) -> String {
    short_sha(&oid.to_string()).to_string()
}

/// A tag as the tags: source sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagInfo {
    /// Tag name (without `refs/tags/`).
    pub name: String,
    /// The annotated tag's date, else its commit's date.
    pub time: Option<Timestamp>,
}

/// What a record's `commit` or `release` resolved to.
#[derive(Debug, Clone)]
pub enum Resolved {
    /// A commit, and for a release, the time the tag was made (annotated
    /// tags) or `None` for a lightweight tag.
    Commit {
        /// The commit.
        oid: Oid,
        /// The annotated tag's time, if a tag was peeled.
        tag_time: Option<i64>,
    },
    /// Not usable, and why (one sentence).
    Missing(String),
    /// The text names both a ref and an object id prefix that mean other
    /// commits (git warns "refname is ambiguous" and takes the ref): an
    /// input error, never a guess. Why, in one sentence.
    Ambiguous(String),
}

/// Whether `s` is all hex digits (either case) and long enough to be an
/// abbreviated object id (git's minimum is 4).
fn is_hex_id(s: &str) -> bool {
    (4..=40).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

impl Repo {
    /// Resolves a release name: the tag `refs/tags/NAME`, peeled to its commit.
    pub fn resolve_release(&self, name: &str) -> Resolved {
        let refname = format!("refs/tags/{name}");
        let reference = match self.git.find_reference(&refname) {
            Ok(r) => r,
            Err(_) => {
                return Resolved::Missing(format!(
                    "release {name} has no tag in the repository (fetch the tags: `git fetch --tags`)"
                ))
            }
        };
        let Some(target) = reference.target() else {
            return Resolved::Missing(format!("tag {name} is a symbolic reference"));
        };
        let mut tag_time = None;
        let mut oid = target;
        // Peel annotated tags (possibly nested) by hand so the error can say
        // what the tag really points to.
        for _ in 0..16 {
            let obj = match self.git.find_object(oid, None) {
                Ok(o) => o,
                Err(e) if e.code() == ErrorCode::NotFound => {
                    return Resolved::Missing(format!(
                        "tag {name} points to {oid}, which is missing from the repository (a partial clone, or an \
                         incomplete object store). {FETCH_EVERY_OBJECT}"
                    ))
                }
                Err(e) => {
                    return Resolved::Missing(format!(
                        "tag {name} points to {oid}, which cannot be read: {}",
                        e.message()
                    ))
                }
            };
            match obj.kind() {
                Some(ObjectType::Tag) => {
                    let tag = match obj.into_tag() {
                        Ok(t) => t,
                        Err(_) => return Resolved::Missing(format!("tag {name} cannot be read")),
                    };
                    if tag_time.is_none() {
                        tag_time = tag.tagger().map(|s| s.when().seconds());
                    }
                    oid = tag.target_id();
                }
                Some(ObjectType::Commit) => return Resolved::Commit { oid, tag_time },
                Some(other) => {
                    return Resolved::Missing(format!(
                        "tag {name} points to a {other}, not a commit, so it names no deploy"
                    ))
                }
                None => return Resolved::Missing(format!("tag {name} points to an object of unknown type")),
            }
        }
        Resolved::Missing(format!("tag {name} is nested too deeply"))
    }

    /// Resolves a commit as a record writes it: a full or abbreviated SHA,
    /// or any revision (`HEAD`, a branch, a tag), peeled to a commit. Hex
    /// text is an object id as git reads one: a full SHA is always that
    /// object; an abbreviated one that also names a ref meaning another
    /// commit is [`Resolved::Ambiguous`] (libgit2 would silently take the
    /// ref, as git does with a warning).
    pub fn resolve_commit(&self, spec: &str) -> Resolved {
        if spec.starts_with('-') || spec.contains("..") || spec.contains(':') {
            return Resolved::Missing(format!("{spec:?} is not a commit"));
        }
        // The name a revision starts from, before `~N`, `^N` or `@{...}`.
        let name = &spec[..spec.find(['~', '^', '@']).unwrap_or(spec.len())];
        if is_hex_id(name) {
            if name.len() == 40 && name.len() == spec.len() {
                return self.resolve_full_sha(spec);
            }
            if name.len() < 40 {
                if let Some(why) = self.hex_ambiguity(name) {
                    return Resolved::Ambiguous(format!("commit {spec} is ambiguous: {why}"));
                }
            }
        }
        let obj = match self.git.revparse_single(spec) {
            Ok(o) => o,
            Err(e) if e.code() == ErrorCode::Ambiguous => {
                return Resolved::Missing(format!(
                    "commit {spec} is ambiguous: several objects start with it; write more of the SHA"
                ))
            }
            Err(_)
                if spec.starts_with("HEAD") && self.git.head().is_err_and(|e| e.code() == ErrorCode::UnbornBranch) =>
            {
                return Resolved::Missing(format!(
                    "{spec} names no commit: the repository's HEAD is unborn (its branch has no commits yet)"
                ))
            }
            Err(_) => return Resolved::Missing(does_not_exist(spec)),
        };
        match obj.peel(ObjectType::Commit) {
            Ok(c) => Resolved::Commit { oid: c.id(), tag_time: None },
            Err(_) => Resolved::Missing(format!(
                "{spec} names a {}, not a commit",
                obj.kind().map_or("object of unknown type".to_string(), |k| k.to_string())
            )),
        }
    }

    /// A full SHA: that object, never a ref of the same name.
    fn resolve_full_sha(&self, spec: &str) -> Resolved {
        let Ok(oid) = Oid::from_str(spec) else { return Resolved::Missing(does_not_exist(spec)) };
        match self.git.find_object(oid, None) {
            Ok(obj) => match obj.peel(ObjectType::Commit) {
                Ok(c) => Resolved::Commit { oid: c.id(), tag_time: None },
                Err(_) => Resolved::Missing(format!(
                    "{spec} names a {}, not a commit",
                    obj.kind().map_or("object of unknown type".to_string(), |k| k.to_string())
                )),
            },
            Err(e) if e.code() == ErrorCode::NotFound => Resolved::Missing(does_not_exist(spec)),
            Err(e) => Resolved::Missing(format!("commit {spec} cannot be read: {}", e.message())),
        }
    }

    /// Why abbreviated hex `name` is ambiguous, if it is (a clause to
    /// follow "NAME is ambiguous: "): it starts the id
    /// of an object (or several) and is also the short name of a ref
    /// (`refs/tags/NAME`, `refs/heads/NAME`, ...) that means another commit.
    fn hex_ambiguity(&self, name: &str) -> Option<String> {
        let reference = self.git.resolve_reference_from_short_name(name).ok()?;
        let refname = String::from_utf8_lossy(reference.name_bytes()).into_owned();
        let by_ref = reference.peel_to_commit().ok().map(|c| c.id());
        let target = by_ref.map_or("no commit".to_string(), |c| format!("commit {}", short(c)));
        let object = match self.git.find_object_by_prefix(name, None) {
            Ok(o) => o,
            Err(e) if e.code() == ErrorCode::Ambiguous => {
                return Some(format!(
                    "several objects start with {name}, and it is also the name of {refname} \
                     (pointing to {target}); write the full SHA, or the ref's full name ({refname})"
                ))
            }
            Err(_) => return None,
        };
        let by_id = object.peel(ObjectType::Commit).ok().map(|c| c.id());
        if by_ref.is_some() && by_ref == by_id {
            return None;
        }
        let kind = object.kind().map_or("object".to_string(), |k| k.to_string());
        Some(format!(
            "{name} is the start of {kind} {} and also the name of {refname} (pointing to {target}), \
             and git warns \"refname '{name}' is ambiguous\" and takes the ref, so shipcheck cannot tell which the \
             record means. Write the full SHA, or the ref's full name ({refname})",
            object.id()
        ))
    }

    /// Whether a string that looks like a SHA names a commit: `Ok(None)` when
    /// nothing matches, an error when the prefix is ambiguous (several
    /// objects start with it, or it is also the name of a ref meaning
    /// another commit).
    pub fn lookup_sha(&self, sha: &str) -> Result<Option<Oid>> {
        if sha.len() < 40 {
            if let Some(why) = self.hex_ambiguity(sha) {
                bail!("{sha} is ambiguous: {why}");
            }
        }
        self.commit_by_id(sha)
    }

    /// The commit a full or abbreviated object id names, as object ids only
    /// (refs named like it are not looked at: a revert line names an
    /// object). `Ok(None)` when no object, or no commit, has that id; an
    /// error when several objects start with it.
    pub fn commit_by_id(&self, sha: &str) -> Result<Option<Oid>> {
        let found = if sha.len() == 40 {
            let Ok(oid) = Oid::from_str(sha) else { return Ok(None) };
            self.git.find_object(oid, None)
        } else if is_hex_id(sha) {
            self.git.find_object_by_prefix(sha, None)
        } else {
            return Ok(None);
        };
        match found {
            Ok(obj) => Ok(obj.peel(ObjectType::Commit).ok().map(|c| c.id())),
            Err(e) if e.code() == ErrorCode::Ambiguous => {
                bail!("{sha} is an ambiguous commit SHA prefix: several objects start with it; write more of the SHA")
            }
            Err(_) => Ok(None),
        }
    }

    /// Tags matching a glob (`v*`, matched as `git tag -l` does, in linear
    /// time: see `wildmatch.rs`), with the annotated tag's date or else the
    /// commit's date, in name order.
    pub fn tags_matching(&self, pattern: &str) -> Result<Vec<TagInfo>> {
        let matcher = super::wildmatch::Pattern::new(pattern)?;
        let names = self.git.tag_names(None).with_context(|| format!("cannot list tags {pattern:?}"))?;
        let mut names: Vec<&str> = names.iter().flatten().flatten().filter(|n| matcher.matches(n.as_bytes())).collect();
        names.sort_unstable();
        let mut out = Vec::new();
        for name in names {
            let time = match self.resolve_release(name) {
                Resolved::Commit { tag_time: Some(t), .. } => Some(Timestamp(t)),
                Resolved::Commit { oid, .. } => self.git.find_commit(oid).ok().map(|c| Timestamp(c.time().seconds())),
                Resolved::Missing(_) | Resolved::Ambiguous(_) => None,
            };
            out.push(TagInfo { name: name.to_string(), time });
        }
        Ok(out)
    }

    /// Whether `refs/tags/NAME` exists.
    pub fn tag_exists(&self, name: &str) -> bool {
        self.git.find_reference(&format!("refs/tags/{name}")).is_ok()
    }
}
