//! Configuration: `shipcheck.toml` (components, change-ID patterns, record
//! sources), or the defaults when there is no file (one component per top-level
//! folder, ticket keys and pull-request numbers as change IDs).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use globset::{Glob, GlobMatcher};
use regex::Regex;
use serde::Deserialize;

use crate::records::SourceSpec;
use crate::text::line_col;

/// The file name looked for at the repository root.
pub const FILE_NAME: &str = "shipcheck.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    components: BTreeMap<String, RawComponent>,
    #[serde(default)]
    changes: Option<RawChanges>,
    #[serde(default)]
    records: Vec<SourceConfig>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawComponent {
    paths: Vec<String>,
    #[serde(default)]
    version_file: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChanges {
    #[serde(default)]
    patterns: Option<Vec<String>>,
    #[serde(default)]
    require: bool,
    #[serde(default)]
    unverified: Option<UnverifiedSeverity>,
}

/// `changes.unverified`: how serious a claim with no evidence either way is.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum UnverifiedSeverity {
    Warning,
    Error,
}

/// One `[[records]]` table: where records come from and what they are about.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// Any SRC form: a file, a folder, `notes:REF`, `tags:PATTERN`, `changelog:PATH`.
    pub source: SourceSpec,
    /// Environment for records that do not name one.
    #[serde(default)]
    pub environment: Option<String>,
    /// Changelog sources: version -> release name templates, tried in order.
    #[serde(default)]
    pub release: Option<Templates>,
    /// The components this source's records are about.
    #[serde(default)]
    pub components: Option<Vec<String>>,
    /// Whether every change that ships must be claimed (deploy logs).
    #[serde(default)]
    pub complete: Option<bool>,
}

impl SourceConfig {
    /// The `release` templates, `v{version}` when none is configured.
    pub fn release_templates(&self) -> Vec<String> {
        match &self.release {
            Some(Templates::One(t)) => vec![t.clone()],
            Some(Templates::Many(v)) if !v.is_empty() => v.clone(),
            _ => vec!["v{version}".to_string()],
        }
    }
}

/// One template or a list of them.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Templates {
    /// `release = "v{version}"`
    One(String),
    /// `release = ["v{version}", "{version}"]`
    Many(Vec<String>),
}

/// A named set of paths, optionally with a version file.
#[derive(Debug, Clone)]
pub struct Component {
    /// The name records use.
    pub name: String,
    /// Folders, files or globs, relative to the repository root.
    pub paths: Vec<ComponentPath>,
    /// Where the version lives, if anywhere.
    pub version_file: VersionFile,
}

/// Where a component's version is read.
#[derive(Debug, Clone)]
pub enum VersionFile {
    /// No version is kept.
    None,
    /// This file, at the deploy's commit.
    Path(String),
    /// The first of VERSION, package.json, Cargo.toml, pyproject.toml that
    /// exists in this folder (default components).
    Detect(String),
}

/// One entry of a component's `paths`.
#[derive(Debug, Clone)]
pub enum ComponentPath {
    /// A folder or a single file (`services/auth/`, `Dockerfile`): compared
    /// by the object ID of its tree entry.
    Prefix(String),
    /// A glob (`libs/authn/**/*.rs`): files under `base` are listed and matched.
    Glob {
        /// The pattern as written.
        pattern: String,
        /// The literal folder before the first wildcard ("" for the root).
        base: String,
        /// The compiled matcher.
        matcher: GlobMatcher,
    },
}

impl ComponentPath {
    /// Parses a path as written in the configuration.
    pub fn parse(raw: &str) -> Result<ComponentPath> {
        let trimmed = raw.trim_start_matches("./");
        if trimmed.is_empty() || trimmed.starts_with('/') {
            bail!("path {raw:?} must be relative to the repository root");
        }
        if trimmed.contains(['*', '?', '[', '{']) {
            let glob = Glob::new(trimmed).with_context(|| format!("invalid glob {raw:?}"))?;
            let first_wild = trimmed.find(['*', '?', '[', '{']).unwrap_or(trimmed.len());
            let base = match trimmed[..first_wild].rfind('/') {
                Some(i) => trimmed[..i].to_string(),
                None => String::new(),
            };
            Ok(ComponentPath::Glob { pattern: trimmed.to_string(), base, matcher: glob.compile_matcher() })
        } else {
            Ok(ComponentPath::Prefix(trimmed.trim_end_matches('/').to_string()))
        }
    }

    /// How the path is written for people.
    pub fn display(&self) -> String {
        match self {
            ComponentPath::Prefix(p) => format!("{p}/"),
            ComponentPath::Glob { pattern, .. } => pattern.clone(),
        }
    }

    /// Whether a file path (relative to the root) belongs to this entry.
    pub fn matches(&self, file: &str) -> bool {
        match self {
            ComponentPath::Prefix(p) => {
                file == p || (file.len() > p.len() && file.starts_with(p.as_str()) && file.as_bytes()[p.len()] == b'/')
            }
            ComponentPath::Glob { matcher, .. } => matcher.is_match(file),
        }
    }
}

/// How change IDs are found in commit messages and records.
#[derive(Debug, Clone)]
pub struct ChangePatterns {
    patterns: Vec<Regex>,
    /// Built-in patterns skip tokens that look like tickets but are not.
    defaults: bool,
}

/// Jira-style keys. Single letters (`X-11`) never match: a project key has
/// two or more characters.
pub const DEFAULT_TICKET: &str = r"(?-u:\b)(?P<id>[A-Z][A-Z0-9]{1,9}-[1-9][0-9]{0,6})(?-u:\b)";
/// Pull-request numbers the way GitHub writes them into history.
pub const DEFAULT_MERGE_PR: &str = r"Merge pull request (?P<id>#[0-9]+)";
/// Squash-merge subjects that end in "(#4411)".
pub const DEFAULT_SQUASH_PR: &str = r"\((?P<id>#[0-9]+)\)";
/// Gerrit's trailer.
pub const DEFAULT_CHANGE_ID: &str = r"(?m)^Change-Id: (?P<id>I[0-9a-f]{8,40})[ \t\r]*$";

/// Standards, algorithms and encodings spelled like ticket keys.
const NOT_TICKETS: &[&str] = &[
    "UTF", "UCS", "SHA", "MD", "ISO", "IEC", "CVE", "CWE", "GHSA", "RFC", "BCP", "STD", "PEP", "ECMA", "GPL", "LGPL",
    "AGPL", "MPL", "CC", "BSD", "APACHE", "X86", "AMD", "ARM", "WIN", "POSIX", "IEEE", "HTTP", "TLS", "SSL", "AES",
    "RSA", "DES", "CRC", "ANSI", "ASCII", "WCAG", "EN", "DIN", "JIS", "IPV", "H", "MPEG", "P", "PKCS", "X", "ES",
    "UNI", "CP", "KOI", "TIS", "WINDOWS", "LATIN", "PY", "GO",
];

impl ChangePatterns {
    /// The defaults: ticket keys, pull-request numbers, Change-Id trailers.
    pub fn defaults() -> ChangePatterns {
        let patterns = [DEFAULT_TICKET, DEFAULT_MERGE_PR, DEFAULT_SQUASH_PR, DEFAULT_CHANGE_ID]
            .iter()
            .map(|p| Regex::new(p).expect("built-in pattern compiles"))
            .collect();
        ChangePatterns { patterns, defaults: true }
    }

    /// Patterns from configuration. The ID is the group named `id` when the
    /// pattern has one, else the whole match.
    pub fn custom(raw: &[String]) -> Result<ChangePatterns> {
        let mut patterns = Vec::new();
        for p in raw {
            patterns.push(Regex::new(p).with_context(|| format!("invalid change-ID pattern {p:?}"))?);
        }
        Ok(ChangePatterns { patterns, defaults: false })
    }

    /// Whether these are the built-in defaults (no `[changes] patterns`).
    pub fn is_default(&self) -> bool {
        self.defaults
    }

    /// The regular expressions, for diagnostics.
    pub fn patterns(&self) -> impl Iterator<Item = &Regex> {
        self.patterns.iter()
    }

    /// Change IDs in a text, in order of appearance, without duplicates.
    pub fn extract(&self, text: &str) -> Vec<String> {
        self.extract_at(text).into_iter().map(|(_, id)| id).collect()
    }

    /// [`extract`](Self::extract) with the byte offset where each ID's first
    /// counted match starts.
    pub fn extract_at(&self, text: &str) -> Vec<(usize, String)> {
        let mut found: Vec<(usize, String)> = Vec::new();
        // A set beside the list: a long message can carry many thousands of IDs.
        let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
        for re in &self.patterns {
            for caps in re.captures_iter(text) {
                let m = caps.name("id").or_else(|| caps.get(0));
                let Some(m) = m else { continue };
                let id = m.as_str();
                if id.is_empty() || (self.defaults && !plausible_ticket(id, text, m.end())) {
                    continue;
                }
                if seen.insert(id) {
                    found.push((m.start(), id.to_string()));
                }
            }
        }
        found.sort_by_key(|(pos, _)| *pos);
        found
    }

    /// Whether a claim written in a record is itself a change ID these
    /// patterns recognise (so it is compared with commit messages).
    pub fn is_change_id(&self, claim: &str) -> bool {
        self.extract(claim).iter().any(|id| id == claim)
    }
}

/// Rejects standards and encodings that the default ticket pattern would
/// otherwise take for keys: `UTF-8`, `SHA-1`, `ISO-8601`, `CVE-2021-1234`.
fn plausible_ticket(id: &str, text: &str, end: usize) -> bool {
    let Some((key, _)) = id.split_once('-') else {
        return true;
    };
    if id.starts_with('#') || id.starts_with('I') && !id.contains('-') {
        return true;
    }
    if NOT_TICKETS.contains(&key) {
        return false;
    }
    // "ABC-2021-1234" and "X-1.2" are versions or identifiers, not keys.
    let rest = &text.as_bytes()[end.min(text.len())..];
    !(rest.len() >= 2 && (rest[0] == b'-' || rest[0] == b'.') && rest[1].is_ascii_digit())
}

/// The resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Components in name order. Empty when `default_components` is set:
    /// then the truth layer makes one per top-level folder.
    pub components: Vec<Component>,
    /// No `[components]` table: one component per top-level folder.
    pub default_components: bool,
    /// Change-ID patterns.
    pub changes: ChangePatterns,
    /// `changes.require`: report added commits that carry no change ID.
    pub require_change: bool,
    /// `changes.unverified = "error"`: a claim that no commit carries is an
    /// error, not a warning.
    pub unverified_error: bool,
    /// `[[records]]` sources.
    pub sources: Vec<SourceConfig>,
    /// Where the configuration was read from, if from a file.
    pub path: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            components: Vec::new(),
            default_components: true,
            changes: ChangePatterns::defaults(),
            require_change: false,
            unverified_error: false,
            sources: Vec::new(),
            path: None,
        }
    }
}

impl Config {
    /// Parses configuration text; `name` is used in error messages.
    pub fn parse(name: &str, text: &str) -> Result<Config> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let (line, col) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
            anyhow::anyhow!("{name}:{line}:{col}: {}", e.message().trim_end())
        })?;
        let mut components = Vec::new();
        for (cname, c) in raw.components {
            if c.paths.is_empty() {
                bail!("{name}: component {cname:?} has no paths");
            }
            let paths = c
                .paths
                .iter()
                .map(|p| ComponentPath::parse(p))
                .collect::<Result<Vec<_>>>()
                .with_context(|| format!("{name}: component {cname:?}"))?;
            let version_file = match c.version_file {
                Some(v) => VersionFile::Path(v.trim_start_matches("./").to_string()),
                None => VersionFile::None,
            };
            components.push(Component { name: cname, paths, version_file });
        }
        let default_components = components.is_empty();
        let unverified_error = raw.changes.as_ref().and_then(|c| c.unverified) == Some(UnverifiedSeverity::Error);
        let (changes, require_change) = match raw.changes {
            Some(RawChanges { patterns: Some(p), require, .. }) => {
                (ChangePatterns::custom(&p).with_context(|| format!("{name}: [changes]"))?, require)
            }
            Some(RawChanges { patterns: None, require, .. }) => (ChangePatterns::defaults(), require),
            None => (ChangePatterns::defaults(), false),
        };
        for s in &raw.records {
            if s.source.to_string().trim().is_empty() {
                bail!("{name}: a [[records]] table has an empty source");
            }
        }
        Ok(Config {
            components,
            default_components,
            changes,
            require_change,
            unverified_error,
            sources: raw.records,
            path: Some(PathBuf::from(name)),
        })
    }

    /// Reads `path`, or `shipcheck.toml` at the repository root (from the
    /// work tree, else from HEAD's tree for a bare repository, via
    /// `head_file`). No file: the defaults.
    pub fn load(explicit: Option<&Path>, root: Option<&Path>, head_file: Option<String>) -> Result<Config> {
        if let Some(p) = explicit {
            let text =
                crate::input::read_text(p, &format!("configuration {}", p.display()), crate::input::MAX_CONFIG_BYTES)?;
            return Config::parse(&p.display().to_string(), &text);
        }
        if let Some(root) = root {
            let p = root.join(FILE_NAME);
            // Anything there is read (and refused unless a regular file):
            // a configuration is never silently skipped.
            if std::fs::symlink_metadata(&p).is_ok() {
                let text = crate::input::read_text(
                    &p,
                    &format!("configuration {}", p.display()),
                    crate::input::MAX_CONFIG_BYTES,
                )?;
                return Config::parse(&p.display().to_string(), &text);
            }
        }
        if let Some(text) = head_file {
            return Config::parse(&format!("HEAD:{FILE_NAME}"), &text);
        }
        Ok(Config::default())
    }

    /// The component with this name.
    pub fn component(&self, name: &str) -> Option<&Component> {
        self.components.iter().find(|c| c.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_patterns_find_team_ids_and_nothing_else() {
        let p = ChangePatterns::defaults();
        let msg = "AUTH-77: cache tokens (#4411)\n\nUses UTF-8 and SHA-1 per ISO-8601, fixes CVE-2021-1234 on X-11.\nRefs: BILL-31\nChange-Id: I0123456789abcdef0123456789abcdef01234567\n";
        assert_eq!(p.extract(msg), ["AUTH-77", "#4411", "BILL-31", "I0123456789abcdef0123456789abcdef01234567"]);
        assert_eq!(p.extract("Merge pull request #12 from org/branch"), ["#12"]);
        assert!(p.extract("step #1 of 3, see issue #7, x86-64, SHA-256, UTF-16").is_empty());
        assert!(p.is_change_id("AUTH-77"));
        assert!(!p.is_change_id("UTF-8"));
    }

    #[test]
    fn parses_the_design_example() {
        let c = Config::parse(
            "shipcheck.toml",
            r#"
[components.auth]
paths = ["services/auth/", "libs/authn/**/*.rs"]
version_file = "services/auth/VERSION"

[changes]
patterns = ['[A-Z][A-Z0-9]+-\d+', '#\d+']
require = true

[[records]]
source = "deploys/production.jsonl"
environment = "production"
release = ["v{version}", "{version}"]
components = ["auth"]
complete = true
"#,
        )
        .unwrap();
        let auth = c.component("auth").unwrap();
        assert!(auth.paths[0].matches("services/auth/x.py"));
        assert!(!auth.paths[0].matches("services/authz/x.py"));
        assert!(auth.paths[1].matches("libs/authn/src/a.rs"));
        assert!(!auth.paths[1].matches("libs/authn/README.md"));
        assert!(matches!(&auth.paths[1], ComponentPath::Glob { base, .. } if base == "libs/authn"));
        assert!(c.require_change);
        assert_eq!(c.changes.extract("X-1 AB-2 #3"), ["AB-2", "#3"]);
        assert_eq!(c.sources[0].environment.as_deref(), Some("production"));
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let e = Config::parse("cfg.toml", "[components.web]\npathz = [\"web/\"]\n").unwrap_err();
        let s = format!("{e:#}");
        assert!(s.starts_with("cfg.toml:2:1:"), "{s}");
        assert!(s.contains("pathz"), "{s}");
        let e = Config::parse("cfg.toml", "[changes]\npatterns = ['(']\n").unwrap_err();
        assert!(format!("{e:#}").contains("invalid change-ID pattern"));
    }
}
