//! `record`: a deploy record derived from git, so it cannot lie. Its claims
//! are what the deploy truly introduced and changed against the latest
//! record of its environment.

use anyhow::{anyhow, bail, Result};

use super::Session;
use crate::git::Resolved;
use crate::records::{self, ClaimedComponent, History, Origin, Record, RecordKind};
use crate::text::short_sha;
use crate::time::Timestamp;
use crate::truth::{self, ComponentState, Deploy, Previous};

/// What `record` was asked to write, before git fills in its claims.
pub struct Request<'a> {
    /// The environment deployed to.
    pub env: &'a str,
    /// The commit deployed (any revision).
    pub commit: &'a str,
    /// The release (tag) deployed; it must point at the commit.
    pub release: Option<&'a str>,
    /// The record id (default: the release name, else ENV-SHORTSHA).
    pub id: Option<&'a str>,
    /// When it was deployed (RFC 3339; default: now).
    pub at: Option<&'a str>,
}

fn now() -> Timestamp {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    Timestamp(secs)
}

/// The record asked for, its commit and release resolved and checked
/// (a release that points elsewhere is refused), with no claims yet.
pub fn new_record(session: &Session, req: &Request<'_>) -> Result<Record> {
    let env = req.env.trim();
    let sha = match session.repo.resolve_commit(req.commit) {
        Resolved::Commit { oid, .. } => oid.to_string(),
        Resolved::Missing(why) | Resolved::Ambiguous(why) => bail!("--commit {}: {why}", req.commit),
    };
    let release = match req.release.map(str::trim) {
        Some("") => bail!("--release is empty"),
        Some(rel) => match session.repo.resolve_release(rel) {
            Resolved::Commit { oid, .. } if oid.to_string() == sha => Some(rel.to_string()),
            Resolved::Commit { oid, .. } => bail!(
                "--release {rel} points at {}, not at --commit {} ({}); a record naming both would be a ref-mismatch",
                short_sha(&oid.to_string()),
                req.commit,
                short_sha(&sha)
            ),
            Resolved::Missing(why) => bail!("--release {rel}: {why}; tag the release before recording it"),
            Resolved::Ambiguous(why) => bail!("--release {rel}: {why}"),
        },
        None => None,
    };
    let deployed_at = match req.at {
        Some(t) => Timestamp::parse(t).map_err(|e| anyhow!("--at: {e}"))?,
        None => now(),
    };
    let id = match req.id.map(str::trim) {
        Some("") => bail!("--id is empty"),
        Some(id) => id.to_string(),
        None => release.clone().unwrap_or_else(|| format!("{env}-{}", short_sha(&sha))),
    };
    Ok(Record {
        id,
        environment: env.to_string(),
        release,
        commit: Some(sha),
        deployed_at: Some(deployed_at),
        components: None,
        changes: None,
        kind: RecordKind::Deploy,
        origin: Origin { file: "(new record)".into(), line: 0 },
        complete: true,
        about: None,
        source: Default::default(),
    })
}

/// Computes the record against the latest record of its environment in
/// `existing`, filling its claims from git. `kind` overrides the kind
/// derived (a deploy that only removes commits is a rollback).
pub fn derive(
    session: &Session,
    existing: Vec<Record>,
    mut record: Record,
    kind: Option<RecordKind>,
) -> Result<Record> {
    let mut history = records::histories(existing, Some(&record.environment))?
        .pop()
        .unwrap_or_else(|| History { environment: record.environment.clone(), records: Vec::new() });
    if let Some(pos) = history.position(&record.id) {
        let other = &history.records[pos];
        bail!(
            "{}: record id {:?} is already used in environment {:?}; pass another --id",
            other.origin,
            record.id,
            record.environment
        );
    }
    if let (Some(at), Some((latest, t))) =
        (record.deployed_at, history.records.iter().filter_map(|r| r.deployed_at.map(|t| (r, t))).max_by_key(|x| x.1))
    {
        if at < t {
            bail!(
                "the new record is dated {}, before the latest record of {:?} ({}, {}): it would not be the latest deploy",
                at.human(),
                record.environment,
                latest.id,
                t.human()
            );
        }
    }
    session.check_components(&history)?;
    history.records.push(record.clone());
    let truth = session.reader().read(&history, &truth::Options::default())?;
    let deploy = truth.deploys.last().ok_or_else(|| anyhow!("no deploy computed"))?;
    // A record dated before its commit existed would be a date-mismatch.
    if let (Some(at), Some(c)) = (record.deployed_at, deploy.commit()) {
        if at < c.time {
            bail!(
                "--at {} is before commit {} was made ({}): a deploy cannot precede its commit",
                at.human(),
                c.short(),
                c.time.human()
            );
        }
    }
    fill_claims(&mut record, deploy, kind);
    Ok(record)
}

/// Fills the record's claims from its deploy's truth: what it introduced
/// and the components it changed, or for a baseline every component.
fn fill_claims(record: &mut Record, deploy: &Deploy, kind: Option<RecordKind>) {
    let version = |s: &ComponentState| s.version.as_ref().and_then(|v| v.value.clone());
    let claimed = |s: &ComponentState| ClaimedComponent { name: s.name.clone(), version: version(s) };
    match deploy.previous {
        Previous::Baseline => {
            record.components = Some(deploy.components.iter().map(claimed).collect());
            record.changes = None;
        }
        _ => {
            record.components = Some(deploy.components.iter().filter(|s| s.changed()).map(claimed).collect());
            record.changes = Some(deploy.introduced.iter().map(|s| s.change.clone()).collect());
        }
    }
    record.kind = match kind {
        Some(k) => k,
        None if deploy.added.is_empty() && !deploy.removed.is_empty() => RecordKind::Rollback,
        None => RecordKind::Deploy,
    };
}
