//! Resolving what records name: tags (releases), commits and SHA prefixes;
//! listing tags.

use anyhow::{bail, Context, Result};
use git2::{ErrorCode, ObjectType, Oid};

use super::Repo;
use crate::time::Timestamp;

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
    /// or any revision (`HEAD`, a branch, a tag), peeled to a commit.
    pub fn resolve_commit(&self, spec: &str) -> Resolved {
        if spec.starts_with('-') || spec.contains("..") || spec.contains(':') {
            return Resolved::Missing(format!("{spec:?} is not a commit"));
        }
        let obj = match self.git.revparse_single(spec) {
            Ok(o) => o,
            Err(e) if e.code() == ErrorCode::Ambiguous => {
                return Resolved::Missing(format!(
                    "commit {spec} is ambiguous: several objects start with it; write more of the SHA"
                ))
            }
            Err(_) if spec.starts_with("HEAD") && self.git.head().is_err_and(|e| e.code() == ErrorCode::UnbornBranch) => {
                return Resolved::Missing(format!(
                    "{spec} names no commit: the repository's HEAD is unborn (its branch has no commits yet)"
                ))
            }
            Err(_) => {
                return Resolved::Missing(format!(
                    "commit {spec} does not exist in the repository (fetch the full history: `git fetch --unshallow --tags`, or `fetch-depth: 0`)"
                ))
            }
        };
        match obj.peel(ObjectType::Commit) {
            Ok(c) => Resolved::Commit { oid: c.id(), tag_time: None },
            Err(_) => Resolved::Missing(format!(
                "{spec} names a {}, not a commit",
                obj.kind().map_or("object of unknown type".to_string(), |k| k.to_string())
            )),
        }
    }

    /// Whether a string that looks like a SHA names a commit: `Ok(None)` when
    /// nothing matches, an error when the prefix is ambiguous.
    pub fn lookup_sha(&self, sha: &str) -> Result<Option<Oid>> {
        match self.git.revparse_single(sha) {
            Ok(obj) => Ok(obj.peel(ObjectType::Commit).ok().map(|c| c.id())),
            Err(e) if e.code() == ErrorCode::Ambiguous => {
                bail!("{sha} is an ambiguous commit SHA prefix: several objects start with it; write more of the SHA")
            }
            Err(_) => Ok(None),
        }
    }

    /// Tags matching a glob (`v*`), with the annotated tag's date or else
    /// the commit's date, in name order.
    pub fn tags_matching(&self, pattern: &str) -> Result<Vec<TagInfo>> {
        let names = self.git.tag_names(Some(pattern)).with_context(|| format!("cannot list tags {pattern:?}"))?;
        let mut out = Vec::new();
        for name in names.iter().flatten().flatten() {
            let time = match self.resolve_release(name) {
                Resolved::Commit { tag_time: Some(t), .. } => Some(Timestamp(t)),
                Resolved::Commit { oid, .. } => self.git.find_commit(oid).ok().map(|c| Timestamp(c.time().seconds())),
                Resolved::Missing(_) => None,
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
