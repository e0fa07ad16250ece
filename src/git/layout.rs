//! The repository as `init` and `check-config` see it: the files of HEAD's
//! tree, the text of the manifests among them, the tag names and the
//! latest commit messages. Plain data; the decisions are made elsewhere.

use std::collections::BTreeMap;

use anyhow::{anyhow, bail, Result};
use git2::{ErrorCode, ObjectType, Sort, TreeWalkMode, TreeWalkResult};

use super::objects::FETCH_EVERY_OBJECT;
use super::repo::Repo;

/// File names whose text is read into [`Layout::manifests`]: they tell the
/// layout (workspaces, modules) and the versions.
pub const MANIFESTS: &[&str] = &["Cargo.toml", "package.json", "go.mod", "pyproject.toml", "VERSION"];

/// Folders whose manifests belong to vendored or generated code.
const SKIPPED: &[&str] = &["node_modules", "vendor", "third_party", "target", "dist", "build"];

/// Manifest texts larger than this are not read (a generated file, not a manifest).
const MAX_MANIFEST_BYTES: usize = 1 << 20;

/// What HEAD's tree, the tags and the latest commits hold.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// HEAD's commit, full SHA.
    pub head: String,
    /// Every file (blob, link or submodule) in HEAD's tree, sorted.
    pub files: Vec<String>,
    /// Path → text of every file named in [`MANIFESTS`] outside vendored folders.
    pub manifests: BTreeMap<String, String>,
    /// Tag names, sorted.
    pub tags: Vec<String>,
    /// The messages of the latest commits reachable from HEAD, newest first (raw: escape before printing).
    pub messages: Vec<String>,
}

impl Layout {
    /// Whether a file exists at HEAD.
    pub fn has_file(&self, path: &str) -> bool {
        self.files.binary_search_by(|f| f.as_str().cmp(path)).is_ok()
    }
}

impl Repo {
    /// Reads HEAD's layout and up to `max_messages` commit messages (newest
    /// first, by commit time). Never looks at the work tree.
    pub fn layout(&self, max_messages: usize) -> Result<Layout> {
        let Some(root) = self.head_root()? else {
            bail!("the repository at {} has no commit at HEAD yet", self.path().display())
        };
        let head_id = root.commit;
        let tree = self.tree_of(root.tree, &|| format!("the tree of HEAD (commit {head_id})"))?;
        let mut files = Vec::new();
        let mut wanted = Vec::new();
        let walked = tree.walk(TreeWalkMode::PreOrder, |dir, entry| {
            if entry.kind() == Some(ObjectType::Tree) {
                return TreeWalkResult::Ok;
            }
            let Ok(name) = std::str::from_utf8(entry.name_bytes()) else {
                return TreeWalkResult::Ok;
            };
            let path = format!("{dir}{name}");
            if MANIFESTS.contains(&name)
                && entry.kind() == Some(ObjectType::Blob)
                && !dir.split('/').any(|d| SKIPPED.contains(&d))
            {
                wanted.push((path.clone(), entry.id()));
            }
            files.push(path);
            TreeWalkResult::Ok
        });
        walked.map_err(|e| match e.code() {
            ErrorCode::NotFound => anyhow!(
                "cannot list the files of HEAD (commit {head_id}): {} (a folder is missing from the repository: a \
                 partial clone, or an incomplete object store). {FETCH_EVERY_OBJECT}",
                e.message()
            ),
            _ => anyhow!("cannot list the files of HEAD (commit {head_id}): {}", e.message()),
        })?;
        files.sort();
        let mut manifests = BTreeMap::new();
        for (path, id) in wanted {
            let what = || format!("{path} at HEAD (commit {head_id})");
            if self.blob_size(id, &what)? > MAX_MANIFEST_BYTES {
                continue;
            }
            let blob = self.blob_of(id, &what)?;
            manifests.insert(path, String::from_utf8_lossy(blob.content()).into_owned());
        }

        let mut tags: Vec<String> =
            self.git.tag_names(None)?.iter_bytes().map(|t| String::from_utf8_lossy(t).into_owned()).collect();
        tags.sort();

        let mut walk = self.git.revwalk()?;
        walk.set_sorting(Sort::TIME)?;
        walk.push(head_id)?;
        let mut messages = Vec::new();
        for oid in walk.take(max_messages) {
            let oid =
                oid.map_err(|e| anyhow!("cannot walk the history of HEAD (commit {head_id}): {}", e.message()))?;
            let commit = self.commit_of(oid, &|| format!("commit {oid}, in the history of HEAD"))?;
            messages.push(String::from_utf8_lossy(commit.message_raw_bytes()).into_owned());
        }
        Ok(Layout { head: head_id.to_string(), files, manifests, tags, messages })
    }
}
