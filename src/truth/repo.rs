//! Opening the repository read-only and resolving what records name.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use git2::{ErrorCode, ObjectType, Oid, Repository, RepositoryOpenFlags};

/// Process-wide libgit2 settings for reading history, measured on git/git
/// (see the README's performance section):
/// - no hash verification of every object read (git does not verify on
///   ordinary reads either): halves tree-heavy work;
/// - commits are not cached: each is read exactly once, and caching them
///   only cost inserts and evictions; trees stay cached (versions and
///   component folders are looked up again at the next deploy);
/// - at most 64 MiB of pack files mapped at once and 16 MiB of cached
///   objects, so peak memory stays bounded on large histories instead of
///   growing with every window and tree touched.
fn tune_libgit2() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        git2::opts::strict_hash_verification(false);
        // SAFETY: these only set libgit2's global options; they run once,
        // before any repository is opened by this process.
        #[allow(unsafe_code)]
        unsafe {
            let _ = git2::opts::set_cache_object_limit(ObjectType::Commit, 0);
            let _ = git2::opts::set_mwindow_mapped_limit(64 * 1024 * 1024);
            let _ = git2::opts::set_cache_max_size(16 * 1024 * 1024);
        }
    });
}

/// A repository opened for reading. shipcheck never writes through it
/// (`record --notes` uses its own handle, and only when asked).
pub struct Repo {
    pub(crate) git: Repository,
    path: PathBuf,
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
    /// Opens the repository at or above `path` (like git, searching upward).
    /// Refuses shallow clones: their history ends early, so every answer
    /// about what a deploy added could be wrong.
    pub fn open(path: &Path) -> Result<Repo> {
        // Reading is what we do; verifying every object's hash doubles the
        // cost of tree-heavy work and git itself does not do it on reads.
        // SAFETY-free: a process-wide libgit2 option.
        tune_libgit2();
        let git = Repository::open_ext(path, RepositoryOpenFlags::empty(), std::iter::empty::<&Path>()).map_err(
            |e| match e.code() {
                ErrorCode::NotFound => anyhow!(
                    "{} is not in a git repository (no .git found here or in any parent folder); pass --repo PATH",
                    path.display()
                ),
                _ => anyhow!("cannot open the repository at {}: {}", path.display(), e.message()),
            },
        )?;
        if git.is_shallow() {
            bail!(
                "the repository at {} is a shallow clone: its history is cut off, so shipcheck cannot tell what a deploy added. \
                 Fetch the full history (`git fetch --unshallow --tags`, or `fetch-depth: 0` with actions/checkout)",
                path.display()
            );
        }
        let path = git.workdir().unwrap_or_else(|| git.path()).to_path_buf();
        Ok(Repo { git, path })
    }

    /// The work tree, or the git folder of a bare repository.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The work tree root, if the repository has one.
    pub fn workdir(&self) -> Option<&Path> {
        self.git.workdir()
    }

    /// A file at HEAD, as text (used for `shipcheck.toml` in bare repositories).
    pub fn head_file(&self, path: &str) -> Option<String> {
        let tree = self.git.head().ok()?.peel_to_tree().ok()?;
        let entry = tree.get_path(Path::new(path)).ok()?;
        let blob = self.git.find_blob(entry.id()).ok()?;
        String::from_utf8(blob.content().to_vec()).ok()
    }

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

    /// Whether commit `ancestor` is `descendant` or one of its ancestors
    /// (both full SHAs, as [`Resolved::Commit`] gives them). Used by `show`
    /// to find the deploy an undeployed commit builds on.
    pub fn is_ancestor(&self, ancestor: &str, descendant: &str) -> Result<bool> {
        let a = Oid::from_str(ancestor).with_context(|| format!("{ancestor:?} is not a commit SHA"))?;
        let d = Oid::from_str(descendant).with_context(|| format!("{descendant:?} is not a commit SHA"))?;
        Ok(a == d || self.git.graph_descendant_of(d, a)?)
    }
}
