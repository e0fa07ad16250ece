//! Opening the repository read-only, once checked: shallow clones, partial
//! clones, damaged loose objects (in every object store the repository
//! uses) and replacement refs are refused before anything is read, since
//! each would make shipcheck answer from other objects than git's.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Result};
use git2::{ErrorCode, ObjectType, Repository, RepositoryOpenFlags};

use super::objects::{Entry, EntryKind, Root};

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
            // Older git marks partial clones with this extension, which
            // libgit2 would refuse with an unclear error; accept it so
            // that `open` refuses the partial clone saying why.
            let _ = git2::opts::set_extensions(&["partialclone"]);
        }
    });
}

/// Refuses a partial clone (`git clone --filter=...`): a promisor remote
/// (`remote.NAME.promisor`) or `extensions.partialclone`. Its trees and
/// files were left out on purpose and git fetches them when needed, but
/// libgit2 never does, so a missing tree would read as an unchanged folder
/// and a missing version file as one that holds no version.
fn refuse_partial_clone(git: &Repository, path: &Path) -> Result<()> {
    let config = git.config().and_then(|mut c| c.snapshot()).map_err(|e| {
        anyhow!("cannot read the configuration of the repository at {}: {}", path.display(), e.message())
    })?;
    let mut remotes: Vec<String> = Vec::new();
    let mut entries = config.entries(Some(r"^remote\..*\.promisor$")).map_err(|e| {
        anyhow!("cannot read the configuration of the repository at {}: {}", path.display(), e.message())
    })?;
    while let Some(entry) = entries.next() {
        let Ok(entry) = entry else { continue };
        let Ok(name) = entry.name() else { continue };
        // An unreadable value counts as true: git would refuse it too.
        let on = entry.value().ok().map(git2::Config::parse_bool).is_none_or(|v| v.unwrap_or(true));
        let remote = name.trim_start_matches("remote.").trim_end_matches(".promisor").to_string();
        remotes.retain(|r| *r != remote);
        if on {
            remotes.push(remote);
        }
    }
    let extension = config.get_string("extensions.partialclone").ok().filter(|r| !r.trim().is_empty());
    let mut all = remotes.clone();
    if let Some(r) = &extension {
        if !all.contains(r) {
            all.push(r.clone());
        }
    }
    let Some(first) = all.first() else { return Ok(()) };
    let which = if all.len() == 1 {
        format!("remote {first:?} is a promisor remote")
    } else {
        format!("remotes {} are promisor remotes", all.iter().map(|r| format!("{r:?}")).collect::<Vec<_>>().join(", "))
    };
    let mut fix: Vec<String> =
        all.iter().map(|r| format!("git -c remote.{r}.partialclonefilter= fetch --refetch {r}")).collect();
    fix.extend(remotes.iter().map(|r| format!("git config --unset-all remote.{r}.promisor")));
    if extension.is_some() {
        fix.push("git config --unset extensions.partialclone".into());
    }
    let fix = fix.join(" && ");
    bail!(
        "the repository at {} is a partial clone ({which}): objects were left out when it was cloned or fetched \
         (`--filter`), and shipcheck would read a missing tree or file as absent or unchanged, so it cannot tell \
         what a deploy carried. Use a full clone (`git clone` without `--filter`; with actions/checkout, no `filter` \
         input), or fetch every object and end the partial clone: `{fix}`",
        path.display()
    )
}

/// Refuses replacement refs (`git replace`, under `refs/replace/` or
/// `GIT_REPLACE_REF_BASE`) unless git ignores them too
/// (`GIT_NO_REPLACE_OBJECTS` set, or `core.useReplaceRefs = false`). git
/// reads the replacement wherever the original is named, so the build saw
/// other commits, trees or files than the ones libgit2 reads (it does not
/// apply replacements). Refusing is chosen over honouring them: honouring
/// would mean re-implementing git's replacement of every object read, and a
/// mistake there would be a silent wrong answer.
fn refuse_replacements(git: &Repository, path: &Path) -> Result<()> {
    if std::env::var_os("GIT_NO_REPLACE_OBJECTS").is_some() {
        return Ok(());
    }
    if git.config().and_then(|c| c.get_bool("core.usereplacerefs")).is_ok_and(|on| !on) {
        return Ok(());
    }
    let mut base =
        std::env::var("GIT_REPLACE_REF_BASE").ok().filter(|b| !b.is_empty()).unwrap_or("refs/replace/".into());
    if !base.ends_with('/') {
        base.push('/');
    }
    let refs = git
        .references_glob(&format!("{base}*"))
        .map_err(|e| anyhow!("cannot list the replacement refs ({base}*) of {}: {}", path.display(), e.message()))?;
    let mut found: Vec<(String, Option<git2::Oid>)> = Vec::new();
    for r in refs {
        let r =
            r.map_err(|e| anyhow!("cannot read a replacement ref ({base}*) of {}: {}", path.display(), e.message()))?;
        let name = String::from_utf8_lossy(r.name_bytes()).into_owned();
        if name.starts_with(&base) {
            found.push((name, r.target()));
        }
    }
    let Some((name, target)) = found.first() else { return Ok(()) };
    let original = &name[base.len()..];
    let with = target.map_or("another object".to_string(), |t| format!("object {t}"));
    let count = match found.len() {
        1 => String::new(),
        n => format!("; {n} in all, `git replace -l` lists them"),
    };
    bail!(
        "the repository at {} has replacement refs ({name}: git reads object {original} as {with}{count}): git, and so \
         the build, sees the replacements, while shipcheck reads the original objects, so its answer would be about \
         other commits than the ones deployed. Remove them (`git replace -d {original}`), or, if the build ignores \
         them too, run shipcheck with GIT_NO_REPLACE_OBJECTS=1",
        path.display()
    )
}

/// A repository opened for reading. shipcheck never writes through it
/// (`record --notes` uses its own handle, and only when asked).
pub struct Repo {
    pub(crate) git: Repository,
    path: PathBuf,
}

impl Repo {
    /// Opens the repository at or above `path` (like git, searching upward).
    /// Refuses shallow clones (their history ends early, so every answer
    /// about what a deploy added could be wrong), partial clones (their
    /// missing trees and files would read as absent), damaged loose objects
    /// (libgit2 hangs on some) and replacement refs (git would see other
    /// commits than the ones shipcheck reads).
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
        refuse_partial_clone(&git, path)?;
        super::check::check_object_stores(&git)?;
        refuse_replacements(&git, path)?;
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

    /// HEAD's commit and tree, or `None` when HEAD is unborn (or names no commit).
    pub(super) fn head_root(&self) -> Result<Option<Root>> {
        let Ok(head) = self.git.head() else { return Ok(None) };
        let Some(target) = head.resolve().ok().and_then(|r| r.target()) else { return Ok(None) };
        let commit = self.commit_of(target, &|| format!("HEAD (commit {target})"))?;
        Ok(Some(Root { commit: target, tree: commit.tree_id() }))
    }

    /// The entry at `path` in HEAD's tree: `None` when HEAD is unborn or
    /// has no such entry; an error when a folder on the way cannot be read.
    pub fn head_entry(&self, path: &str) -> Result<Option<(Root, Entry)>> {
        let Some(root) = self.head_root()? else { return Ok(None) };
        Ok(self.entry_at(root, path)?.map(|e| (root, e)))
    }

    /// A regular file in HEAD's tree, as bytes (`shipcheck.toml` and
    /// changelogs of bare repositories): `None` when HEAD is unborn or has
    /// no entry at `path`. A folder, a symbolic link or a submodule there,
    /// a file larger than `max` bytes, or an object that cannot be read is
    /// an error naming `what` ("changelog CHANGELOG.md").
    pub fn head_file(&self, path: &str, max: u64, what: &str) -> Result<Option<Vec<u8>>> {
        let Some((root, entry)) = self.head_entry(path)? else { return Ok(None) };
        let at = || format!("{what} ({path} at HEAD, commit {})", root.commit);
        match entry.kind {
            EntryKind::File => {}
            EntryKind::Link => bail!(
                "{}: it is a symbolic link in HEAD's tree, not a regular file; shipcheck reads only regular files, \
                 so that a link cannot point it at a device or at a file outside the repository",
                at()
            ),
            EntryKind::Folder => bail!("{}: it is a folder in HEAD's tree, not a file", at()),
            EntryKind::Submodule => bail!("{}: it is a submodule in HEAD's tree, not a file", at()),
        }
        let size = self.blob_size(entry.id, &at)? as u64;
        if size > max {
            bail!(
                "{}: the file is {}, more than the {} shipcheck reads; is it the right file?",
                at(),
                crate::input::size(size),
                crate::input::size(max)
            );
        }
        Ok(Some(self.blob_of(entry.id, &at)?.content().to_vec()))
    }
}
