//! Which components a deploy changed (net effect between two trees), which
//! files, and the versions their version files hold.

use anyhow::Result;

use crate::config::{Component, ComponentPath, VersionFile};
use crate::git::{Entry, EntryKind, Oid, Repo, Root};

/// Files whose version shipcheck can read, in the order they are looked for.
pub const VERSION_FILES: &[&str] = &["VERSION", "package.json", "Cargo.toml", "pyproject.toml"];

/// Default components: one per top-level folder (dot-folders excluded) of
/// any of these commits' trees, with a version file detected in each.
pub fn default_components(repo: &Repo, commits: &[Oid]) -> Result<Vec<Component>> {
    let mut names = std::collections::BTreeSet::new();
    for c in commits {
        names.extend(repo.top_level_folders(*c)?);
    }
    Ok(names
        .into_iter()
        .map(|n| Component {
            paths: vec![ComponentPath::Prefix(n.clone())],
            version_file: VersionFile::Detect(n.clone()),
            name: n,
        })
        .collect())
}

/// Finds entries of trees by id, one path segment at a time, comparing two
/// trees level by level: a component's folder is compared without a diff,
/// and a deploy that left a top-level folder alone costs one lookup per
/// component. Parsed trees stay in the object cache that git/ configures.
/// A folder that cannot be read is an error (naming the commit and the
/// path), never an absent or unchanged one.
#[derive(Default)]
pub struct TreeIndex;

impl TreeIndex {
    /// The entry at `path` under a commit's root tree ("" is the root).
    pub fn entry(&self, repo: &Repo, root: Root, path: &str) -> Result<Option<Entry>> {
        repo.entry_at(root, path)
    }

    /// Whether `path` holds the same content under both roots, walking both
    /// trees together and stopping at the first level whose ids agree.
    pub fn same(&self, repo: &Repo, old: Option<Root>, new: Root, path: &str) -> Result<bool> {
        let Some(old) = old else { return Ok(self.entry(repo, new, path)?.is_none()) };
        let folder = |id| Entry { id, kind: EntryKind::Folder };
        let (mut a, mut b) = (folder(old.tree), folder(new.tree));
        let mut dir = String::new();
        for seg in path.split('/').filter(|s| !s.is_empty()) {
            if a.id == b.id {
                return Ok(true);
            }
            // Below a file or a submodule there is nothing.
            let child = |root: Root, e: Entry| match e.kind {
                EntryKind::Folder => repo.tree_child(root, e.id, &dir, seg),
                _ => Ok(None),
            };
            match (child(old, a)?, child(new, b)?) {
                (Some(x), Some(y)) => (a, b) = (x, y),
                (None, None) => return Ok(true),
                _ => return Ok(false),
            }
            if !dir.is_empty() {
                dir.push('/');
            }
            dir.push_str(seg);
        }
        Ok(a.id == b.id)
    }
}

/// What changed in one component between two trees: the component's paths
/// (as written) whose content differs. Empty when nothing changed. Folder
/// paths are compared by tree-entry id, without a diff; globs diff only
/// under their literal base folder, and only when it differs.
pub fn component_change(
    repo: &Repo,
    trees: &TreeIndex,
    old: Option<Root>,
    new: Root,
    comp: &Component,
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for p in &comp.paths {
        match p {
            ComponentPath::Prefix(prefix) => {
                if !trees.same(repo, old, new, prefix)? {
                    out.push(p.display());
                }
            }
            ComponentPath::Glob { base, matcher, pattern } => {
                if trees.same(repo, old, new, base)? {
                    continue;
                }
                if repo.changed_files(old, new, base)?.iter().any(|f| matcher.is_match(f)) {
                    out.push(pattern.clone());
                }
            }
        }
    }
    Ok(out)
}

/// Files changed in a component between two commits' trees (for `show`).
pub fn component_files(
    repo: &Repo,
    trees: &TreeIndex,
    old: Option<Root>,
    new: Root,
    comp: &Component,
) -> Result<Vec<String>> {
    let mut files = Vec::new();
    for p in &comp.paths {
        let base = match p {
            ComponentPath::Prefix(prefix) => prefix.as_str(),
            ComponentPath::Glob { base, .. } => base.as_str(),
        };
        let old_entry = match old {
            Some(t) => trees.entry(repo, t, base)?.map(|e| e.id),
            None => None,
        };
        if old_entry == trees.entry(repo, new, base)?.map(|e| e.id) {
            continue;
        }
        for f in repo.changed_files(old, new, base)? {
            if p.matches(&f) && !files.contains(&f) {
                files.push(f);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// A version read from a version file at a commit.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VersionAt {
    /// The file read.
    pub file: String,
    /// The version, or `None` when the file is missing or holds none.
    pub value: Option<String>,
}

/// Reads components' versions, remembering each by the object that decides
/// it (the version file's blob, or the folder's tree for detected files):
/// consecutive deploys mostly share them, so most lookups parse nothing.
#[derive(Default)]
pub struct Versions {
    cache: std::collections::HashMap<(usize, Oid), Option<VersionAt>>,
}

impl Versions {
    /// A component's version in a commit's tree (`index` identifies the
    /// component). A version file that is not a file (a folder, a
    /// submodule) holds no version; one that cannot be read is an error.
    pub fn at(
        &mut self,
        repo: &Repo,
        trees: &TreeIndex,
        root: Root,
        index: usize,
        comp: &Component,
    ) -> Result<Option<VersionAt>> {
        let is_file = |e: &Entry| matches!(e.kind, EntryKind::File | EntryKind::Link);
        match &comp.version_file {
            VersionFile::None => Ok(None),
            VersionFile::Path(p) => {
                let Some(entry) = trees.entry(repo, root, p)? else {
                    return Ok(Some(VersionAt { file: p.clone(), value: None }));
                };
                if let Some(v) = self.cache.get(&(index, entry.id)) {
                    return Ok(v.clone());
                }
                let value = match is_file(&entry) {
                    true => parse_version(p, &repo.blob_text(root, entry.id, p)?),
                    false => None,
                };
                let v = Some(VersionAt { file: p.clone(), value });
                self.cache.insert((index, entry.id), v.clone());
                Ok(v)
            }
            VersionFile::Detect(folder) => {
                let Some(folder_entry) = trees.entry(repo, root, folder)? else { return Ok(None) };
                if let Some(v) = self.cache.get(&(index, folder_entry.id)) {
                    return Ok(v.clone());
                }
                let mut found = None;
                if folder_entry.kind == EntryKind::Folder {
                    for name in VERSION_FILES {
                        let Some(entry) = repo.tree_child(root, folder_entry.id, folder, name)? else { continue };
                        if !is_file(&entry) {
                            continue;
                        }
                        let file = format!("{folder}/{name}");
                        let text = repo.blob_text(root, entry.id, &file)?;
                        let value = parse_version(&file, &text);
                        found = Some(VersionAt { file, value });
                        break;
                    }
                }
                self.cache.insert((index, folder_entry.id), found.clone());
                Ok(found)
            }
        }
    }
}

/// The version in a version file's text, by the file's name.
pub fn parse_version(file: &str, text: &str) -> Option<String> {
    let name = file.rsplit('/').next().unwrap_or(file);
    let clean = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    match name {
        "package.json" => {
            let v: serde_json::Value = serde_json::from_str(text).ok()?;
            clean(v.get("version")?.as_str()?)
        }
        "Cargo.toml" => {
            let v: toml::Table = toml::from_str(text).ok()?;
            let pkg = v.get("package").and_then(|p| p.get("version")).and_then(|v| v.as_str());
            let ws = v.get("workspace").and_then(|w| w.get("package")).and_then(|p| p.get("version"));
            clean(pkg.or_else(|| ws.and_then(|v| v.as_str()))?)
        }
        "pyproject.toml" => {
            let v: toml::Table = toml::from_str(text).ok()?;
            let project = v.get("project").and_then(|p| p.get("version"));
            let poetry = v.get("tool").and_then(|t| t.get("poetry")).and_then(|p| p.get("version"));
            clean(project.or(poetry)?.as_str()?)
        }
        _ => text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#')).and_then(clean),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_versions_by_file_kind() {
        assert_eq!(parse_version("a/VERSION", "\n2.4.0\n").as_deref(), Some("2.4.0"));
        assert_eq!(parse_version("package.json", r#"{"name":"x","version":"5.2.0"}"#).as_deref(), Some("5.2.0"));
        assert_eq!(
            parse_version("b/Cargo.toml", "[package]\nname='b'\nversion = \"1.9.0\"\n").as_deref(),
            Some("1.9.0")
        );
        assert_eq!(parse_version("Cargo.toml", "[workspace.package]\nversion = \"0.3.0\"\n").as_deref(), Some("0.3.0"));
        assert_eq!(parse_version("pyproject.toml", "[tool.poetry]\nversion = \"3.1\"\n").as_deref(), Some("3.1"));
        assert_eq!(parse_version("pyproject.toml", "[project]\nversion = \"3.2\"\n").as_deref(), Some("3.2"));
        assert_eq!(parse_version("package.json", "{ broken"), None);
    }
}
