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

/// Refuses a repository with a damaged loose object. libgit2 (1.9) loops
/// forever inflating a truncated loose object (libgit2 issues #7342 and
/// #7177), which would hang a CI gate; so every loose object file is
/// inflated once here, before libgit2 reads any. Clones and fetched
/// repositories keep their objects in packs, so this is usually a few
/// files; packs are read by code that fails cleanly.
fn check_loose_objects(git_dir: &Path) -> Result<()> {
    let objects = git_dir.join("objects");
    let Ok(dirs) = std::fs::read_dir(&objects) else { return Ok(()) };
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    for dir in dirs.flatten() {
        let prefix = dir.file_name().to_string_lossy().into_owned();
        if !hex(&prefix, 2) {
            continue;
        }
        let Ok(files) = std::fs::read_dir(dir.path()) else { continue };
        for file in files.flatten() {
            let rest = file.file_name().to_string_lossy().into_owned();
            if !hex(&rest, 38) && !hex(&rest, 62) {
                continue;
            }
            if let Err(why) = check_loose_object(&file.path()) {
                bail!(
                    "object {prefix}{rest} is damaged ({why}; file {}): the repository is corrupt, so nothing read from it could be trusted. \
                     Run `git fsck` and restore the object (for example by fetching again)",
                    file.path().display()
                );
            }
        }
    }
    Ok(())
}

/// Whether a loose object file is one whole zlib stream holding a
/// `TYPE SIZE\0` header and exactly SIZE bytes.
fn check_loose_object(path: &Path) -> std::result::Result<(), String> {
    use flate2::{Decompress, FlushDecompress, Status};
    let data = std::fs::read(path).map_err(|e| format!("cannot read it: {e}"))?;
    let mut z = Decompress::new(true);
    let mut buf = vec![0u8; 64 * 1024];
    let mut header = Vec::new();
    loop {
        let (in_before, out_before) = (z.total_in(), z.total_out());
        let input = data.get(z.total_in() as usize..).unwrap_or_default();
        let status =
            z.decompress(input, &mut buf, FlushDecompress::None).map_err(|e| format!("not a zlib stream: {e}"))?;
        let produced = (z.total_out() - out_before) as usize;
        if header.len() < 64 {
            header.extend_from_slice(&buf[..produced.min(64 - header.len())]);
        }
        match status {
            Status::StreamEnd => break,
            _ if z.total_in() == in_before && produced == 0 => return Err("truncated".into()),
            _ => {}
        }
    }
    let nul = header.iter().position(|b| *b == 0).ok_or("no object header")?;
    let text = std::str::from_utf8(&header[..nul]).map_err(|_| "bad object header")?;
    let size: u64 = text
        .split_once(' ')
        .filter(|(kind, _)| matches!(*kind, "commit" | "tree" | "blob" | "tag"))
        .and_then(|(_, size)| size.parse().ok())
        .ok_or("bad object header")?;
    if z.total_out() != nul as u64 + 1 + size {
        return Err(format!("its header says {size} bytes, it holds {}", z.total_out() - nul as u64 - 1));
    }
    Ok(())
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
        check_loose_objects(git.path())?;
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

    /// Whether commit `ancestor` is `descendant` or one of its ancestors
    /// (both full SHAs, as [`Resolved::Commit`] gives them). Used by `show`
    /// to find the deploy an undeployed commit builds on.
    pub fn is_ancestor(&self, ancestor: &str, descendant: &str) -> Result<bool> {
        let a = Oid::from_str(ancestor).with_context(|| format!("{ancestor:?} is not a commit SHA"))?;
        let d = Oid::from_str(descendant).with_context(|| format!("{descendant:?} is not a commit SHA"))?;
        Ok(a == d || self.git.graph_descendant_of(d, a)?)
    }
}
