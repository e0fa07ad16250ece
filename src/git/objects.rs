//! Reading objects: commits (parents, dates, message, tree), tree entries,
//! blobs, the files two trees differ in, and patch-ids. Plain data out; what
//! it means for a deploy is decided in `truth/`.
//!
//! An object that cannot be read is never taken for an absent file or an
//! unchanged folder: every read names the object, what it was read for
//! (commit X's tree, path P at commit X) and, for a missing object, the fix
//! ([`missing`]). A partial clone is refused when the repository is opened;
//! these errors catch any other incomplete object store.

use anyhow::{anyhow, Context, Result};
use git2::{Blob, Commit, DiffOptions, ErrorCode, ObjectType, Oid, Tree};

use super::Repo;

/// The error for an object libgit2 could not read while reading `what`
/// ("the tree of commit X", "services/auth/VERSION at commit X").
pub(super) fn unreadable(e: &git2::Error, object: Oid, what: &str) -> anyhow::Error {
    if e.code() == ErrorCode::NotFound {
        missing(object, what)
    } else {
        anyhow!("cannot read {what} (object {object}): {}; the repository may be corrupt (run `git fsck`)", e.message())
    }
}

/// The error for an object that is not in the repository.
pub(super) fn missing(object: Oid, what: &str) -> anyhow::Error {
    anyhow!(
        "cannot read {what}: object {object} is missing from the repository (a partial clone, or an incomplete \
         object store), so shipcheck cannot tell what it holds. {FETCH_EVERY_OBJECT}"
    )
}

/// The fix for a missing object.
pub(super) const FETCH_EVERY_OBJECT: &str =
    "Fetch every object (`git fetch --refetch`, without a partial-clone filter) or use a full clone, then retry";

/// The error for a diff or patch-id that libgit2 could not compute (it
/// names the object it missed in its own message).
fn undiffable(e: &git2::Error, what: &str) -> anyhow::Error {
    if e.code() == ErrorCode::NotFound {
        anyhow!(
            "cannot compute {what}: {} (an object is missing from the repository: a partial clone, or an \
             incomplete object store). {FETCH_EVERY_OBJECT}",
            e.message()
        )
    } else {
        anyhow!("cannot compute {what}: {}; the repository may be corrupt (run `git fsck`)", e.message())
    }
}

/// A commit's root tree, with the commit (which errors name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Root {
    /// The commit.
    pub commit: Oid,
    /// Its root tree.
    pub tree: Oid,
}

/// What a tree entry is, by its mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A folder (a tree).
    Folder,
    /// A regular or executable file (a blob).
    File,
    /// A symbolic link (a blob holding the target).
    Link,
    /// A submodule (a commit of another repository, never read here).
    Submodule,
}

/// One entry of a tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// The object it names.
    pub id: Oid,
    /// What it is.
    pub kind: EntryKind,
}

impl Entry {
    fn of(e: &git2::TreeEntry<'_>) -> Entry {
        let kind = match e.filemode() {
            0o040000 => EntryKind::Folder,
            0o120000 => EntryKind::Link,
            0o160000 => EntryKind::Submodule,
            _ => match e.kind() {
                Some(ObjectType::Tree) => EntryKind::Folder,
                Some(ObjectType::Commit) => EntryKind::Submodule,
                _ => EntryKind::File,
            },
        };
        Entry { id: e.id(), kind }
    }
}

/// One commit, as the history walk needs it.
pub struct RawCommit {
    /// Parent commits, first parent first.
    pub parents: Vec<Oid>,
    /// Committer time (seconds since the epoch).
    pub time: i64,
    /// Author time (kept by cherry-picks).
    pub author_time: i64,
    /// The whole message, lossily decoded (raw: escape before printing).
    pub message: String,
    /// The root tree.
    pub tree: Oid,
}

impl Repo {
    /// Any object, by id; `what` says what it was read for.
    fn object_of(&self, oid: Oid, kind: ObjectType, what: &dyn Fn() -> String) -> Result<git2::Object<'_>> {
        let obj = self.git.find_object(oid, None).map_err(|e| unreadable(&e, oid, &what()))?;
        match obj.kind() {
            Some(k) if k == kind => Ok(obj),
            other => Err(anyhow!(
                "cannot read {}: object {oid} is a {}, not a {kind}; the repository is corrupt (run `git fsck`)",
                what(),
                other.map_or("object of unknown type".to_string(), |k| k.to_string())
            )),
        }
    }

    /// A commit, by id.
    pub(super) fn commit_of(&self, oid: Oid, what: &dyn Fn() -> String) -> Result<Commit<'_>> {
        Ok(self.object_of(oid, ObjectType::Commit, what)?.into_commit().expect("checked to be a commit"))
    }

    /// A tree, by id.
    pub(super) fn tree_of(&self, oid: Oid, what: &dyn Fn() -> String) -> Result<Tree<'_>> {
        Ok(self.object_of(oid, ObjectType::Tree, what)?.into_tree().expect("checked to be a tree"))
    }

    /// A blob, by id.
    pub(super) fn blob_of(&self, oid: Oid, what: &dyn Fn() -> String) -> Result<Blob<'_>> {
        Ok(self.object_of(oid, ObjectType::Blob, what)?.into_blob().expect("checked to be a blob"))
    }

    /// The size of a blob, without reading it; `what` names it in errors.
    pub(super) fn blob_size(&self, oid: Oid, what: &dyn Fn() -> String) -> Result<usize> {
        let odb = self.git.odb().map_err(|e| anyhow!("cannot read the object database: {}", e.message()))?;
        let (size, kind) = odb.read_header(oid).map_err(|e| unreadable(&e, oid, &what()))?;
        if kind != ObjectType::Blob {
            return Err(anyhow!("cannot read {}: object {oid} is a {kind}, not a file", what()));
        }
        Ok(size)
    }

    /// A commit's root tree, the commit read as `what`.
    fn root_tree(&self, commit: &Commit<'_>) -> Result<Tree<'_>> {
        let id = commit.id();
        self.tree_of(commit.tree_id(), &|| format!("the tree of commit {id}"))
    }

    /// The first parent of a commit, if it has one (read, never assumed
    /// absent when its object is missing).
    fn first_parent(&self, commit: &Commit<'_>) -> Result<Option<Commit<'_>>> {
        let child = commit.id();
        match commit.parent_ids().next() {
            Some(p) => Ok(Some(self.commit_of(p, &|| format!("commit {p}, the first parent of commit {child}"))?)),
            None => Ok(None),
        }
    }

    /// Reads one commit; the error is one sentence for the caller to place
    /// (which commit needed it, and why). A missing object says so.
    pub fn read_commit(&self, oid: Oid) -> std::result::Result<RawCommit, String> {
        let commit = self.git.find_commit(oid).map_err(|e| match e.code() {
            ErrorCode::NotFound => format!("the object is missing from the repository: {}", e.message()),
            _ => e.message().to_string(),
        })?;
        let author_time = commit.author().when().seconds();
        Ok(RawCommit {
            parents: commit.parent_ids().collect(),
            time: commit.time().seconds(),
            author_time,
            message: String::from_utf8_lossy(commit.message_raw_bytes()).into_owned(),
            tree: commit.tree_id(),
        })
    }

    /// A commit's root tree.
    pub fn commit_root(&self, commit: Oid) -> Result<Root> {
        let c = self.commit_of(commit, &|| format!("commit {commit}"))?;
        Ok(Root { commit, tree: c.tree_id() })
    }

    /// The root tree of a commit's first parent (`None` for a root commit).
    pub fn first_parent_root(&self, commit: Oid) -> Result<Option<Root>> {
        let c = self.commit_of(commit, &|| format!("commit {commit}"))?;
        Ok(self.first_parent(&c)?.map(|p| Root { commit: p.id(), tree: p.tree_id() }))
    }

    /// The names of the folders at the top of a commit's tree (valid UTF-8
    /// names only, dot-folders excluded).
    pub fn top_level_folders(&self, commit: Oid) -> Result<Vec<String>> {
        let c = self.commit_of(commit, &|| format!("commit {commit}"))?;
        let tree = self.root_tree(&c)?;
        let mut out = Vec::new();
        for e in tree.iter() {
            if Entry::of(&e).kind == EntryKind::Folder {
                if let Ok(name) = std::str::from_utf8(e.name_bytes()) {
                    if !name.starts_with('.') {
                        out.push(name.to_string());
                    }
                }
            }
        }
        Ok(out)
    }

    /// The entry `name` in folder `tree` (at path `dir`, "" for the root) of
    /// commit `at`. `None` when the folder has no such entry; an error when
    /// the folder cannot be read.
    pub fn tree_child(&self, at: Root, tree: Oid, dir: &str, name: &str) -> Result<Option<Entry>> {
        let tree = self.tree_of(tree, &|| match dir {
            "" => format!("the tree of commit {}", at.commit),
            dir => format!("folder {dir} at commit {}", at.commit),
        })?;
        Ok(tree.get_name(name).map(|e| Entry::of(&e)))
    }

    /// The entry at `path` (segments separated by `/`; "" is the root
    /// folder) of commit `at`: `None` when there is none (below a file or a
    /// submodule there is nothing); an error when a folder on the way
    /// cannot be read.
    pub fn entry_at(&self, at: Root, path: &str) -> Result<Option<Entry>> {
        let mut entry = Entry { id: at.tree, kind: EntryKind::Folder };
        let mut dir = String::new();
        for seg in path.split('/').filter(|s| !s.is_empty()) {
            if entry.kind != EntryKind::Folder {
                return Ok(None);
            }
            match self.tree_child(at, entry.id, &dir, seg)? {
                Some(e) => entry = e,
                None => return Ok(None),
            }
            if !dir.is_empty() {
                dir.push('/');
            }
            dir.push_str(seg);
        }
        Ok(Some(entry))
    }

    /// The text of file `path` (blob `blob`) at commit `at`, lossily decoded.
    pub fn blob_text(&self, at: Root, blob: Oid, path: &str) -> Result<String> {
        let b = self.blob_of(blob, &|| format!("{path} at commit {}", at.commit))?;
        Ok(String::from_utf8_lossy(b.content()).into_owned())
    }

    /// Files that differ between two commits' trees under `base` ("" for everything).
    pub fn changed_files(&self, old: Option<Root>, new: Root, base: &str) -> Result<Vec<String>> {
        let old_tree = old.map(|r| self.tree_of(r.tree, &|| format!("the tree of commit {}", r.commit))).transpose()?;
        let new_tree = self.tree_of(new.tree, &|| format!("the tree of commit {}", new.commit))?;
        let mut opts = DiffOptions::new();
        opts.skip_binary_check(true).ignore_submodules(false);
        if !base.is_empty() {
            opts.pathspec(base).disable_pathspec_match(false);
        }
        let diff = self.git.diff_tree_to_tree(old_tree.as_ref(), Some(&new_tree), Some(&mut opts)).map_err(|e| {
            let under = if base.is_empty() { String::new() } else { format!(" under {base}") };
            let what = match old {
                Some(o) => format!("the files changed{under} between commit {} and commit {}", o.commit, new.commit),
                None => format!("the files{under} of commit {}", new.commit),
            };
            undiffable(&e, &what)
        })?;
        let mut files = Vec::new();
        for d in diff.deltas() {
            for f in [d.old_file(), d.new_file()] {
                if let Some(p) = f.path_bytes() {
                    let p = String::from_utf8_lossy(p).into_owned();
                    let inside = base.is_empty() || p == base || p.starts_with(&format!("{base}/"));
                    if inside && !files.contains(&p) {
                        files.push(p);
                    }
                }
            }
        }
        Ok(files)
    }

    /// The patch-id of a commit against its first parent (`None` for merges
    /// and empty commits).
    pub fn patch_id(&self, oid: Oid) -> Result<Option<Oid>> {
        let commit = self.commit_of(oid, &|| format!("commit {oid}"))?;
        if commit.parent_count() > 1 {
            return Ok(None);
        }
        let tree = self.root_tree(&commit)?;
        let parent = self.first_parent(&commit)?.map(|p| self.root_tree(&p)).transpose()?;
        let what = || format!("the patch-id of commit {oid} (its diff against its first parent)");
        let diff =
            self.git.diff_tree_to_tree(parent.as_ref(), Some(&tree), None).map_err(|e| undiffable(&e, &what()))?;
        if diff.deltas().len() == 0 {
            return Ok(None);
        }
        Ok(Some(diff.patchid(None).map_err(|e| undiffable(&e, &what()))?))
    }

    /// Whether a commit changes nothing but `file` (against its first parent).
    pub fn only_touches(&self, oid: Oid, file: &str) -> Result<bool> {
        let commit = self.commit_of(oid, &|| format!("commit {oid}"))?;
        if commit.parent_count() > 1 {
            return Ok(false);
        }
        let tree = self.root_tree(&commit)?;
        let parent_tree = self.first_parent(&commit)?.map(|p| self.root_tree(&p)).transpose()?;
        let diff = self
            .git
            .diff_tree_to_tree(parent_tree.as_ref(), Some(&tree), None)
            .map_err(|e| undiffable(&e, &format!("the files commit {oid} changes")))?;
        let mut any = false;
        for d in diff.deltas() {
            any = true;
            let path = d.new_file().path().or(d.old_file().path()).map(|p| p.to_string_lossy().into_owned());
            if path.as_deref() != Some(file) {
                return Ok(false);
            }
        }
        Ok(any)
    }

    /// For pull request `number` with `refs/pull/N/head` fetched: the
    /// patch-id of its combined diff (merge-base with `tip` .. head) and the
    /// head commit's time. `None` when the ref is absent, shares no history
    /// with `tip`, or the diff is empty; an error when its objects are missing.
    pub fn pull_request_patch(&self, number: &str, tip: Oid) -> Result<Option<(Oid, i64)>> {
        let name = format!("refs/pull/{number}/head");
        let Ok(head_ref) = self.git.find_reference(&name) else {
            return Ok(None);
        };
        let Some(target) = head_ref.resolve().ok().and_then(|r| r.target()) else {
            return Ok(None);
        };
        let head = match self.git.find_object(target, None) {
            Err(e) => return Err(unreadable(&e, target, &name)),
            Ok(obj) => match obj.into_commit() {
                Ok(c) => c,
                Err(_) => return Ok(None),
            },
        };
        let Ok(base) = self.git.merge_base(tip, head.id()) else {
            return Ok(None);
        };
        let base_commit = self.commit_of(base, &|| format!("commit {base}, the merge base of {name} and {tip}"))?;
        let base_tree = self.root_tree(&base_commit)?;
        let head_tree = self.root_tree(&head)?;
        let what = || format!("the patch-id of pull request {number} ({name})");
        let diff = self
            .git
            .diff_tree_to_tree(Some(&base_tree), Some(&head_tree), None)
            .map_err(|e| undiffable(&e, &what()))?;
        if diff.deltas().len() == 0 {
            return Ok(None);
        }
        Ok(Some((diff.patchid(None).map_err(|e| undiffable(&e, &what()))?, head.time().seconds())))
    }

    /// Whether commit `ancestor` is `descendant` or one of its ancestors
    /// (both full SHAs, as [`super::Resolved::Commit`] gives them). Used by
    /// `show` to find the deploy an undeployed commit builds on.
    pub fn is_ancestor(&self, ancestor: &str, descendant: &str) -> Result<bool> {
        let a = Oid::from_str(ancestor).with_context(|| format!("{ancestor:?} is not a commit SHA"))?;
        let d = Oid::from_str(descendant).with_context(|| format!("{descendant:?} is not a commit SHA"))?;
        if a == d {
            return Ok(true);
        }
        self.git
            .graph_descendant_of(d, a)
            .map_err(|e| undiffable(&e, &format!("whether commit {ancestor} is an ancestor of commit {descendant}")))
    }

    /// The commit a hex SHA names (full, or abbreviated as revert messages
    /// write it), read as an object id only, never as a ref name; `None`
    /// when no commit has it, or when an abbreviation is ambiguous.
    pub fn commit_by_hex(&self, hex: &str) -> Option<Oid> {
        if !(4..=40).contains(&hex.len()) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        if hex.len() == 40 {
            let oid = Oid::from_str(hex).ok()?;
            return self.git.find_commit(oid).ok().map(|c| c.id());
        }
        self.git.find_commit_by_prefix(hex).ok().map(|c| c.id())
    }

    /// Whether commit `ancestor` is `descendant` or one of its ancestors.
    pub fn descends_from(&self, descendant: Oid, ancestor: Oid) -> Result<bool> {
        Ok(descendant == ancestor || self.git.graph_descendant_of(descendant, ancestor)?)
    }
}
