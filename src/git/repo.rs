//! Opening the repository read-only, once checked (shallow clones and
//! damaged objects are refused before anything is read).

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Result};
use git2::{ErrorCode, ObjectType, Repository, RepositoryOpenFlags};

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
        super::check::check_loose_objects(git.path())?;
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

    /// Reads a file from HEAD's tree (for a changelog in a bare repository).
    pub fn head_text(&self, path: &str) -> Option<Vec<u8>> {
        let tree = self.git.head().ok()?.peel_to_tree().ok()?;
        let entry = tree.get_path(std::path::Path::new(path)).ok()?;
        if entry.kind() != Some(ObjectType::Blob) {
            return None;
        }
        Some(self.git.find_blob(entry.id()).ok()?.content().to_vec())
    }
}
