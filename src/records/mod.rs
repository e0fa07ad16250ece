//! Records: the claims people and pipelines wrote about deploys, read from
//! their sources and ordered into one history per environment.

pub mod changelog;
pub mod log;
mod parse;
mod sources;

use std::collections::HashMap;

use anyhow::{bail, Result};
use serde::Serialize;

use crate::config::SourceConfig;
use crate::time::Timestamp;
use crate::version::Version;

pub use parse::{parse_records, parse_single, RawRecord};
pub use sources::{
    from_changelog, from_tags, load_path, load_source, records_from_note, release_name, version_of_tag, SourceSpec,
    RELEASES_ENVIRONMENT,
};

pub use crate::git::TagInfo;

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
    /// A tag named like the source's releases that the source does not
    /// record (no changelog section): a release all the same, with no claims.
    pub unrecorded: bool,
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
    // A bare date (`2023-03-18`) means that whole day, not its midnight.
    let date_only = raw.deployed_at.as_deref().is_some_and(|t| Timestamp::is_bare_date(t.trim()));
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
        source: SourceFacts { date_only, ..SourceFacts::default() },
    })
}

/// Groups records into histories, one per environment, each in deploy
/// order. Records of one file (a JSON array, a JSON Lines log) are in the
/// order the file lists them: the file order is the deploy order, and a
/// date that contradicts it is a finding, never a reordering. Records from
/// several files (a folder, several sources) are ordered by `deployed_at`,
/// then the order read (a record without a date keeps its place after the
/// one read before it). Release histories are ordered by version. Duplicate
/// ids within a history are refused.
pub fn histories(records: Vec<Record>, env: Option<&str>) -> Result<Vec<History>> {
    let mut by_env: Vec<History> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for r in records {
        if env.is_some_and(|e| e != r.environment) {
            continue;
        }
        match index.get(&r.environment) {
            Some(&i) => by_env[i].records.push(r),
            None => {
                index.insert(r.environment.clone(), by_env.len());
                by_env.push(History { environment: r.environment.clone(), records: vec![r] });
            }
        }
    }
    for h in &mut by_env {
        if h.records.iter().all(|r| r.source.release_history) && order_by_version(&mut h.records) {
            check_unique(h)?;
            continue;
        }
        let one_file = h.records.windows(2).all(|w| w[0].origin.file == w[1].origin.file);
        if !one_file {
            order_by_date(&mut h.records);
        }
        check_unique(h)?;
    }
    by_env.sort_by(|a, b| a.environment.cmp(&b.environment));
    Ok(by_env)
}

/// Orders records from several files by date, keeping the order read for
/// equal dates and placing an undated record after the one read before it.
fn order_by_date(records: &mut Vec<Record>) {
    let mut last = Timestamp(i64::MIN);
    let mut keyed: Vec<(Timestamp, usize, Record)> = Vec::new();
    for (i, r) in std::mem::take(records).into_iter().enumerate() {
        if let Some(t) = r.deployed_at {
            last = t;
        }
        keyed.push((last, i, r));
    }
    keyed.sort_by_key(|(t, i, _)| (*t, *i));
    *records = keyed.into_iter().map(|(_, _, r)| r).collect();
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

/// Orders a release history by version when every record has one
/// (semver-like: `1.20.5` before `1.25.0`, `1.0.0-rc.1` before `1.0.0`);
/// returns false (leaving the order alone) when some record has none, so
/// the history is ordered by date instead. Versions, not dates: a
/// maintenance release (1.20.5) made after 1.25.0 still belongs between
/// 1.20.4 and 1.21.0, and a changelog's dates are often missing.
fn order_by_version(records: &mut Vec<Record>) -> bool {
    let keys: Option<Vec<Version>> =
        records.iter().map(|r| r.source.version.as_deref().and_then(Version::parse)).collect();
    let Some(keys) = keys else {
        return false;
    };
    let mut keyed: Vec<_> = keys.into_iter().zip(std::mem::take(records)).enumerate().collect();
    keyed.sort_by(|(i, (a, _)), (j, (b, _))| a.cmp(b).then(i.cmp(j)));
    *records = keyed.into_iter().map(|(_, (_, r))| r).collect();
    true
}
