//! Which components a deploy changed (net effect between two trees), which
//! files, and the versions their version files hold.

use anyhow::Result;

use crate::config::{Component, ComponentPath, VersionFile};
use crate::git::{Oid, Repo};

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
#[derive(Default)]
pub struct TreeIndex;

impl TreeIndex {
    fn child(&self, repo: &Repo, tree: Oid, name: &str) -> Option<Oid> {
        repo.tree_child(tree, name)
    }

    /// The id of the entry at `path` under a root tree ("" is the root).
    pub fn entry(&self, repo: &Repo, root: Oid, path: &str) -> Option<Oid> {
        let mut at = root;
        for seg in path.split('/').filter(|s| !s.is_empty()) {
            at = self.child(repo, at, seg)?;
        }
        Some(at)
    }

    /// Whether `path` holds the same content under both roots, walking both
    /// trees together and stopping at the first level whose ids agree.
    pub fn same(&self, repo: &Repo, old: Option<Oid>, new: Oid, path: &str) -> bool {
        let Some(mut a) = old else { return self.entry(repo, new, path).is_none() };
        let mut b = new;
        for seg in path.split('/').filter(|s| !s.is_empty()) {
            if a == b {
                return true;
            }
            match (self.child(repo, a, seg), self.child(repo, b, seg)) {
                (Some(x), Some(y)) => (a, b) = (x, y),
                (None, None) => return true,
                _ => return false,
            }
        }
        a == b
    }
}

/// What changed in one component between two trees (by root tree id): the
/// component's paths (as written) whose content differs. Empty when nothing
/// changed. Folder paths are compared by tree-entry id, without a diff;
/// globs diff only under their literal base folder, and only when it differs.
pub fn component_change(
    repo: &Repo,
    trees: &TreeIndex,
    old: Option<Oid>,
    new: Oid,
    comp: &Component,
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for p in &comp.paths {
        match p {
            ComponentPath::Prefix(prefix) => {
                if !trees.same(repo, old, new, prefix) {
                    out.push(p.display());
                }
            }
            ComponentPath::Glob { base, matcher, pattern } => {
                if trees.same(repo, old, new, base) {
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

/// Files changed in a component between two root trees (for `show`).
pub fn component_files(repo: &Repo, old: Option<Oid>, new: Oid, comp: &Component) -> Result<Vec<String>> {
    let mut files = Vec::new();
    for p in &comp.paths {
        let base = match p {
            ComponentPath::Prefix(prefix) => prefix.as_str(),
            ComponentPath::Glob { base, .. } => base.as_str(),
        };
        let old_entry = match old {
            Some(t) => repo.tree_entry(t, base)?,
            None => None,
        };
        if old_entry == repo.tree_entry(new, base)? {
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
    /// A component's version in a tree (`index` identifies the component).
    pub fn at(
        &mut self,
        repo: &Repo,
        trees: &TreeIndex,
        root: Oid,
        index: usize,
        comp: &Component,
    ) -> Result<Option<VersionAt>> {
        match &comp.version_file {
            VersionFile::None => Ok(None),
            VersionFile::Path(p) => {
                let Some(blob) = trees.entry(repo, root, p) else {
                    return Ok(Some(VersionAt { file: p.clone(), value: None }));
                };
                if let Some(v) = self.cache.get(&(index, blob)) {
                    return Ok(v.clone());
                }
                let value = repo.blob_text(blob).and_then(|text| parse_version(p, &text));
                let v = Some(VersionAt { file: p.clone(), value });
                self.cache.insert((index, blob), v.clone());
                Ok(v)
            }
            VersionFile::Detect(folder) => {
                let Some(folder_id) = trees.entry(repo, root, folder) else { return Ok(None) };
                if let Some(v) = self.cache.get(&(index, folder_id)) {
                    return Ok(v.clone());
                }
                let mut found = None;
                for name in VERSION_FILES {
                    let Some(blob) = repo.tree_child(folder_id, name) else { continue };
                    let Some(text) = repo.blob_text(blob) else { continue };
                    let file = format!("{folder}/{name}");
                    let value = parse_version(&file, &text);
                    found = Some(VersionAt { file, value });
                    break;
                }
                self.cache.insert((index, folder_id), found.clone());
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
