//! Records: the claims people and pipelines wrote about deploys, read from
//! their sources and ordered into one history per environment.

pub mod changelog;
mod parse;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Serialize;

use crate::config::SourceConfig;
use crate::time::Timestamp;

pub use parse::{parse_records, parse_single, RawRecord};

/// What a record says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordKind {
    /// An ordinary deploy.
    #[default]
    Deploy,
    /// A deploy back to an earlier commit.
    Rollback,
    /// An out-of-schedule fix.
    Hotfix,
}

/// A component a record lists, with the version it claims.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClaimedComponent {
    /// Component name from the configuration.
    pub name: String,
    /// Claimed version, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// Where a record was read: a file and the line its object starts on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Origin {
    /// The file (or source) as the user named it.
    pub file: String,
    /// 1-based line, 0 when unknown.
    pub line: usize,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}", self.file, self.line)
        } else {
            write!(f, "{}", self.file)
        }
    }
}

/// One claim that a deploy happened.
#[derive(Debug, Clone)]
pub struct Record {
    /// Unique in its history.
    pub id: String,
    /// The environment deployed to.
    pub environment: String,
    /// Release (tag) name, if given.
    pub release: Option<String>,
    /// Commit (any revision git understands), if given.
    pub commit: Option<String>,
    /// When it was deployed.
    pub deployed_at: Option<Timestamp>,
    /// Claimed components; `None` makes no component claims.
    pub components: Option<Vec<ClaimedComponent>>,
    /// Claimed changes (change IDs or commit SHAs); `None` makes no claims.
    pub changes: Option<Vec<String>>,
    /// deploy, rollback or hotfix.
    pub kind: RecordKind,
    /// Where it was read.
    pub origin: Origin,
    /// Whether its source lists every change that ships (deploy logs).
    pub complete: bool,
    /// Components its source is about (`components = [...]` of the source).
    pub about: Option<Vec<String>>,
    /// What its source adds: release-history order, the changelog file, mentions.
    pub source: SourceFacts,
}

/// Facts a record owes to its source rather than to its own fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceFacts {
    /// Read from a release history (a changelog or a tag list): the
    /// previous record is the newest earlier release whose commit is an
    /// ancestor, and what it added excludes every earlier release.
    pub release_history: bool,
    /// The version the record is about (changelog header, tag name), for ordering.
    pub version: Option<String>,
    /// The source's own file in the repository (a changelog): commits that
    /// touch only it do not count as touching a component.
    pub file: Option<String>,
    /// Change IDs the source mentions for this record without claiming them
    /// ("reverted in #5601", "see #12").
    pub mentions: Vec<String>,
    /// The date is a day, not a time (a changelog header).
    pub date_only: bool,
}

impl Record {
    /// Components the record is about: its own list, else its source's.
    pub fn about_components(&self) -> Option<Vec<String>> {
        match &self.components {
            Some(c) if !c.is_empty() => Some(c.iter().map(|c| c.name.clone()).collect()),
            _ => self.about.clone(),
        }
    }
}

/// The records of one environment, in deploy order.
#[derive(Debug, Clone)]
pub struct History {
    /// The environment.
    pub environment: String,
    /// Ordered by `deployed_at`, then file order.
    pub records: Vec<Record>,
}

impl History {
    /// Index of the record with this id.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.records.iter().position(|r| r.id == id)
    }
}

/// The environment used for records that name none and whose source names none.
pub const DEFAULT_ENVIRONMENT: &str = "default";

/// Turns a raw record into a record, filling defaults.
pub fn finish(raw: RawRecord, origin: Origin, source: &SourceConfig) -> Result<Record> {
    let complete = source.complete.unwrap_or(true);
    let deployed_at = match &raw.deployed_at {
        Some(t) => Some(Timestamp::parse(t).map_err(|e| anyhow::anyhow!("{origin}: deployed_at: {e}"))?),
        None => None,
    };
    let non_empty = |v: &Option<String>, field: &str| -> Result<Option<String>> {
        match v {
            Some(s) if s.trim().is_empty() => bail!("{origin}: {field} is empty"),
            Some(s) => Ok(Some(s.trim().to_string())),
            None => Ok(None),
        }
    };
    let release = non_empty(&raw.release, "release")?;
    let commit = non_empty(&raw.commit, "commit")?;
    let id = match (non_empty(&raw.id, "id")?, &release, &commit) {
        (Some(id), _, _) => id,
        (None, Some(r), _) => r.clone(),
        (None, None, Some(c)) => c.chars().take(12).collect(),
        (None, None, None) => {
            bail!("{origin}: the record names neither a commit nor a release, so there is nothing to check it against")
        }
    };
    if release.is_none() && commit.is_none() {
        bail!("{origin}: record {id:?} names neither a commit nor a release, so there is nothing to check it against");
    }
    let environment = non_empty(&raw.environment, "environment")?
        .or_else(|| source.environment.clone())
        .unwrap_or_else(|| DEFAULT_ENVIRONMENT.to_string());
    if let Some(changes) = &raw.changes {
        if let Some(bad) = changes.iter().find(|c| c.trim().is_empty()) {
            bail!("{origin}: record {id:?} has an empty change {bad:?}");
        }
    }
    Ok(Record {
        id,
        environment,
        release,
        commit,
        deployed_at,
        components: raw.components,
        changes: raw.changes.map(|v| v.into_iter().map(|c| c.trim().to_string()).collect()),
        kind: raw.kind.unwrap_or_default(),
        origin,
        complete,
        about: source.components.clone(),
        source: SourceFacts::default(),
    })
}

/// Reads one record source (a file or a folder). `display` is how errors name it.
pub fn load_path(path: &Path, display: &str, source: &SourceConfig) -> Result<Vec<Record>> {
    let meta = std::fs::metadata(path).with_context(|| format!("cannot read record source {display}"))?;
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    if meta.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .with_context(|| format!("cannot list record folder {display}"))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "json") && p.is_file())
            .collect();
        entries.sort();
        for p in entries {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            files.push((p, format!("{}/{}", display.trim_end_matches('/'), name)));
        }
    } else {
        files.push((path.to_path_buf(), display.to_string()));
    }
    let mut out = Vec::new();
    for (p, name) in files {
        let bytes = std::fs::read(&p).with_context(|| format!("cannot read record file {name}"))?;
        let text = std::str::from_utf8(&bytes).map_err(|e| {
            let (line, col) =
                crate::text::line_col(&String::from_utf8_lossy(&bytes[..e.valid_up_to()]), e.valid_up_to());
            anyhow::anyhow!("{name}:{line}:{col}: the file is not valid UTF-8")
        })?;
        for (raw, line) in parse_records(&name, text)? {
            out.push(finish(raw, Origin { file: name.clone(), line }, source)?);
        }
    }
    Ok(out)
}

/// Groups records into histories, one per environment, each in deploy
/// order (`deployed_at`, then the order read; a record without a date keeps
/// its place after the one read before it). Duplicate ids within a history
/// are refused.
pub fn histories(records: Vec<Record>, env: Option<&str>) -> Result<Vec<History>> {
    let mut by_env: Vec<History> = Vec::new();
    for r in records {
        if env.is_some_and(|e| e != r.environment) {
            continue;
        }
        match by_env.iter_mut().find(|h| h.environment == r.environment) {
            Some(h) => h.records.push(r),
            None => by_env.push(History { environment: r.environment.clone(), records: vec![r] }),
        }
    }
    for h in &mut by_env {
        if h.records.iter().all(|r| r.source.release_history) && order_by_version(&mut h.records) {
            check_unique(h)?;
            continue;
        }
        let mut last = Timestamp(i64::MIN);
        let mut keyed: Vec<(Timestamp, usize, Record)> = Vec::new();
        for (i, r) in std::mem::take(&mut h.records).into_iter().enumerate() {
            if let Some(t) = r.deployed_at {
                last = t;
            }
            keyed.push((last, i, r));
        }
        keyed.sort_by_key(|(t, i, _)| (*t, *i));
        h.records = keyed.into_iter().map(|(_, _, r)| r).collect();
        check_unique(h)?;
    }
    by_env.sort_by(|a, b| a.environment.cmp(&b.environment));
    Ok(by_env)
}

fn check_unique(h: &History) -> Result<()> {
    let mut seen: HashMap<&str, &Origin> = HashMap::new();
    for r in &h.records {
        if let Some(first) = seen.insert(&r.id, &r.origin) {
            bail!(
                "{}: record id {:?} is used twice in environment {:?} (first at {first}); ids must be unique in a history",
                r.origin,
                r.id,
                h.environment
            );
        }
    }
    Ok(())
}

/// A version's order key: its numeric parts, then a pre-release (which
/// sorts before the release itself, as in semver), then the text.
pub fn version_key(v: &str) -> Option<(Vec<u64>, u8, Vec<PreKey>, String)> {
    let v = v.trim().trim_start_matches(['v', 'V']);
    let core_end = v.find(['-', '+']).unwrap_or(v.len());
    let (core, rest) = v.split_at(core_end);
    let nums: Vec<u64> = core.split('.').map(|p| p.parse::<u64>().ok()).collect::<Option<_>>()?;
    if nums.is_empty() {
        return None;
    }
    let pre = rest.strip_prefix('-').map(|p| p.split('+').next().unwrap_or(""));
    let pre_key: Vec<PreKey> = pre
        .unwrap_or("")
        .split('.')
        .filter(|p| !p.is_empty())
        .map(|p| match p.parse::<u64>() {
            Ok(n) => PreKey::Num(n),
            Err(_) => PreKey::Text(p.to_string()),
        })
        .collect();
    Some((nums, u8::from(pre.is_none()), pre_key, v.to_string()))
}

/// One dot-separated part of a pre-release: numbers sort before words.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum PreKey {
    /// `rc.2` → 2.
    Num(u64),
    /// `rc`.
    Text(String),
}

/// Orders a release history by version when every record has one
/// (semver-like: `1.20.5` before `1.25.0`, `1.0.0-rc.1` before `1.0.0`);
/// returns false (leaving the order alone) when some record has none, so
/// the history is ordered by date instead. Versions, not dates: a
/// maintenance release (1.20.5) made after 1.25.0 still belongs between
/// 1.20.4 and 1.21.0, and a changelog's dates are often missing.
fn order_by_version(records: &mut Vec<Record>) -> bool {
    let keys: Option<Vec<_>> = records.iter().map(|r| r.source.version.as_deref().and_then(version_key)).collect();
    let Some(keys) = keys else {
        return false;
    };
    let mut keyed: Vec<_> = keys.into_iter().zip(std::mem::take(records)).enumerate().collect();
    keyed.sort_by(|(i, (a, _)), (j, (b, _))| a.cmp(b).then(i.cmp(j)));
    *records = keyed.into_iter().map(|(_, (_, r))| r).collect();
    true
}

/// The environment of changelog and tag records whose source names none.
pub const RELEASES_ENVIRONMENT: &str = "releases";

/// The release name of a version: the first template whose tag exists
/// (`tag_exists`), else the first template (the record is then an
/// `unknown-ref`).
pub fn release_name(version: &str, templates: &[String], tag_exists: &dyn Fn(&str) -> bool) -> String {
    let names: Vec<String> = templates.iter().map(|t| t.replace("{version}", version)).collect();
    names.iter().find(|n| tag_exists(n)).cloned().unwrap_or_else(|| names.first().cloned().unwrap_or_default())
}

/// Records from a parsed changelog: one per released version section.
/// `display` names the file in origins; `repo_file` is its path in the
/// repository, if known. `Unreleased` sections are skipped and counted.
pub fn from_changelog(
    sections: &[changelog::Section],
    display: &str,
    repo_file: Option<String>,
    source: &SourceConfig,
    tag_exists: &dyn Fn(&str) -> bool,
) -> (Vec<Record>, usize) {
    let templates = source.release_templates();
    let mut out = Vec::new();
    let mut unreleased = 0;
    for s in sections {
        if s.unreleased {
            unreleased += 1;
            continue;
        }
        let release = release_name(&s.version, &templates, tag_exists);
        out.push(Record {
            id: release.clone(),
            environment: source.environment.clone().unwrap_or_else(|| RELEASES_ENVIRONMENT.to_string()),
            release: Some(release),
            commit: None,
            deployed_at: s.date,
            components: None,
            changes: Some(s.claims.clone()),
            kind: RecordKind::Deploy,
            origin: Origin { file: display.to_string(), line: s.line },
            complete: source.complete.unwrap_or(false),
            about: source.components.clone(),
            source: SourceFacts {
                release_history: true,
                version: Some(s.version.clone()),
                file: repo_file.clone(),
                mentions: s.mentions.clone(),
                date_only: true,
            },
        });
    }
    (out, unreleased)
}

pub use crate::git::TagInfo;

/// Records from tags: one per tag, no claims, a release history.
pub fn from_tags(tags: &[TagInfo], pattern: &str, source: &SourceConfig) -> Vec<Record> {
    tags.iter()
        .map(|t| Record {
            id: t.name.clone(),
            environment: source.environment.clone().unwrap_or_else(|| RELEASES_ENVIRONMENT.to_string()),
            release: Some(t.name.clone()),
            commit: None,
            deployed_at: t.time,
            components: None,
            changes: None,
            kind: RecordKind::Deploy,
            origin: Origin { file: format!("tags:{pattern}"), line: 0 },
            complete: source.complete.unwrap_or(false),
            about: source.components.clone(),
            source: SourceFacts { release_history: true, version: version_of_tag(&t.name), ..SourceFacts::default() },
        })
        .collect()
}

/// The version in a tag name (`v1.2.0`, `release-1.2.0`, `crate-v0.3.1`), if any.
pub fn version_of_tag(name: &str) -> Option<String> {
    let start = name
        .char_indices()
        .find(|(i, c)| c.is_ascii_digit() && (*i == 0 || name[..*i].ends_with(['v', 'V', '-', '_', '/', '@'])))?;
    let v = &name[start.0..];
    version_key(v).map(|_| v.to_string())
}
