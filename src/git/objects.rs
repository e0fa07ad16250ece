//! Reading objects: commits (parents, dates, message, tree), tree entries,
//! blobs, the files two trees differ in, and patch-ids. Plain data out; what
//! it means for a deploy is decided in `truth/`.

use std::path::Path;

use anyhow::{Context, Result};
use git2::{DiffOptions, ObjectType, Oid};

use super::Repo;

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
    /// Reads one commit; the error is libgit2's own sentence, for the caller
    /// to place (which commit needed it, and why).
    pub fn read_commit(&self, oid: Oid) -> std::result::Result<RawCommit, String> {
        let commit = self.git.find_commit(oid).map_err(|e| e.message().to_string())?;
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
    pub fn commit_tree(&self, commit: Oid) -> Result<Oid> {
        Ok(self.git.find_commit(commit)?.tree_id())
    }

    /// A commit's committer time.
    pub fn commit_time(&self, commit: Oid) -> Option<i64> {
        self.git.find_commit(commit).ok().map(|c| c.time().seconds())
    }

    /// The root tree of a commit's first parent (`None` for a root commit).
    pub fn first_parent_tree(&self, commit: Oid) -> Result<Option<Oid>> {
        match self.git.find_commit(commit)?.parent_ids().next() {
            Some(p) => Ok(Some(self.commit_tree(p)?)),
            None => Ok(None),
        }
    }

    /// The names of the folders at the top of a commit's tree (valid UTF-8
    /// names only, dot-folders excluded).
    pub fn top_level_folders(&self, commit: Oid) -> Result<Vec<String>> {
        let tree = self.git.find_commit(commit)?.tree()?;
        let mut out = Vec::new();
        for e in tree.iter() {
            if e.kind() == Some(ObjectType::Tree) {
                if let Ok(name) = std::str::from_utf8(e.name_bytes()) {
                    if !name.starts_with('.') {
                        out.push(name.to_string());
                    }
                }
            }
        }
        Ok(out)
    }

    /// The entry `name` directly under tree `tree`, if `tree` is a tree.
    pub fn tree_child(&self, tree: Oid, name: &str) -> Option<Oid> {
        self.git.find_tree(tree).ok()?.get_name(name).map(|e| e.id())
    }

    /// The entry at `path` under a root tree ("" is the root itself).
    pub fn tree_entry(&self, root: Oid, path: &str) -> Result<Option<Oid>> {
        if path.is_empty() {
            return Ok(Some(root));
        }
        let tree = self.git.find_tree(root)?;
        Ok(tree.get_path(Path::new(path)).ok().map(|e| e.id()))
    }

    /// A blob's content as text (lossily decoded), if `blob` is a readable blob.
    pub fn blob_text(&self, blob: Oid) -> Option<String> {
        self.git.find_blob(blob).ok().map(|b| String::from_utf8_lossy(b.content()).into_owned())
    }

    /// Files that differ between two root trees under `base` ("" for everything).
    pub fn changed_files(&self, old: Option<Oid>, new: Oid, base: &str) -> Result<Vec<String>> {
        let old = old.map(|t| self.git.find_tree(t)).transpose()?;
        let new = self.git.find_tree(new)?;
        let mut opts = DiffOptions::new();
        opts.skip_binary_check(true).ignore_submodules(false);
        if !base.is_empty() {
            opts.pathspec(base).disable_pathspec_match(false);
        }
        let diff = self.git.diff_tree_to_tree(old.as_ref(), Some(&new), Some(&mut opts))?;
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
        let commit = self.git.find_commit(oid)?;
        if commit.parent_count() > 1 {
            return Ok(None);
        }
        let tree = commit.tree()?;
        let parent = match commit.parent(0) {
            Ok(p) => Some(p.tree()?),
            Err(_) => None,
        };
        let diff = self.git.diff_tree_to_tree(parent.as_ref(), Some(&tree), None)?;
        if diff.deltas().len() == 0 {
            return Ok(None);
        }
        Ok(Some(diff.patchid(None)?))
    }

    /// Whether a commit changes nothing but `file` (against its first parent).
    pub fn only_touches(&self, oid: Oid, file: &str) -> Result<bool> {
        let commit = self.git.find_commit(oid)?;
        if commit.parent_count() > 1 {
            return Ok(false);
        }
        let parent_tree = match commit.parent(0) {
            Ok(p) => Some(p.tree()?),
            Err(_) => None,
        };
        let diff = self.git.diff_tree_to_tree(parent_tree.as_ref(), Some(&commit.tree()?), None)?;
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
    /// head commit's time. `None` when the ref is absent or the diff empty.
    pub fn pull_request_patch(&self, number: &str, tip: Oid) -> Result<Option<(Oid, i64)>> {
        let Ok(head_ref) = self.git.find_reference(&format!("refs/pull/{number}/head")) else {
            return Ok(None);
        };
        let Ok(head) = head_ref.peel_to_commit() else {
            return Ok(None);
        };
        let Ok(base) = self.git.merge_base(tip, head.id()) else {
            return Ok(None);
        };
        let base_tree = self.git.find_commit(base)?.tree()?;
        let diff = self.git.diff_tree_to_tree(Some(&base_tree), Some(&head.tree()?), None)?;
        if diff.deltas().len() == 0 {
            return Ok(None);
        }
        Ok(Some((diff.patchid(None)?, head.time().seconds())))
    }

    /// Whether commit `ancestor` is `descendant` or one of its ancestors
    /// (both full SHAs, as [`super::Resolved::Commit`] gives them). Used by
    /// `show` to find the deploy an undeployed commit builds on.
    pub fn is_ancestor(&self, ancestor: &str, descendant: &str) -> Result<bool> {
        let a = Oid::from_str(ancestor).with_context(|| format!("{ancestor:?} is not a commit SHA"))?;
        let d = Oid::from_str(descendant).with_context(|| format!("{descendant:?} is not a commit SHA"))?;
        Ok(a == d || self.git.graph_descendant_of(d, a)?)
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
