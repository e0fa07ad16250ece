//! `show`: which record (or commit) a question names, and what its deploy
//! truly changed beside what it claimed. The findings are the audit's own
//! for that record.

use anyhow::{anyhow, bail, Result};

use super::{one_history, Session};
use crate::audit;
use crate::git::Resolved;
use crate::records::{History, Origin, Record, RecordKind};
use crate::report::{Report, ShowChanges, ShowCommits, ShowComponents, ShowReport, ShownAs, SCHEMA_VERSION};
use crate::text::short_sha;
use crate::time::Timestamp;
use crate::truth::{self, Previous};

/// What `show` is asked about.
pub enum Target<'a> {
    /// The record live at this time (RFC 3339).
    At(&'a str),
    /// A record id, or else a git revision.
    Named(&'a str),
}

/// The history to read and the record to show in it.
pub struct Selection {
    /// The history, ending at or containing the record.
    pub history: History,
    /// The record's index in it.
    pub index: usize,
    /// A record (`true`), or a commit no record deployed.
    pub is_record: bool,
}

/// Finds the record a target names.
pub fn select(session: &Session, histories: &[History], target: Target<'_>) -> Result<Selection> {
    let target = match target {
        Target::At(at) => return live_at(histories, at),
        Target::Named(t) => t,
    };
    // A record id first.
    let by_id: Vec<&History> = histories.iter().filter(|h| h.position(target).is_some()).collect();
    match by_id.as_slice() {
        [h] => {
            let index = h.position(target).unwrap_or_default();
            return Ok(Selection { history: (*h).clone(), index, is_record: true });
        }
        [_, _, ..] => {
            let envs: Vec<&str> = by_id.iter().map(|h| h.environment.as_str()).collect();
            bail!("record id {target:?} exists in environments {}; pass --env ENV", envs.join(", "))
        }
        [] => {}
    }
    // Else a revision.
    let sha = match session.repo.resolve_commit(target) {
        Resolved::Commit { oid, .. } => oid.to_string(),
        Resolved::Missing(why) => bail!("{target:?} is neither a record id nor a revision of the repository ({why})"),
        Resolved::Ambiguous(why) => bail!("{target:?} is not a record id, and as a revision: {why}"),
    };
    let reader = session.reader();
    let commit_of = |r: &Record| reader.resolve(r).checked.map(|c| c.oid.to_string());
    let deployed: Vec<(&History, usize)> = histories
        .iter()
        .filter_map(|h| h.records.iter().rposition(|r| commit_of(r).as_deref() == Some(sha.as_str())).map(|i| (h, i)))
        .collect();
    match deployed.as_slice() {
        [(h, i)] => return Ok(Selection { history: (*h).clone(), index: *i, is_record: true }),
        [_, _, ..] => {
            let envs: Vec<&str> = deployed.iter().map(|(h, _)| h.environment.as_str()).collect();
            bail!("commit {} was deployed in environments {}; pass --env ENV", short_sha(&sha), envs.join(", "))
        }
        [] => {}
    }
    let h = one_history(histories, &format!("{target} is not a deployed commit"))?;
    let mut base = None;
    for (i, r) in h.records.iter().enumerate().rev() {
        if let Some(c) = commit_of(r) {
            if session.repo.is_ancestor(&c, &sha)? {
                base = Some(i);
                break;
            }
        }
    }
    undeployed(h, base, sha)
}

/// The record that was live at `at`: the last one deployed at or before it.
fn live_at(histories: &[History], at: &str) -> Result<Selection> {
    let time = Timestamp::parse(at).map_err(|e| anyhow!("--at: {e}"))?;
    let h = one_history(histories, "--at")?;
    match h.records.iter().rposition(|r| r.deployed_at.is_some_and(|t| t <= time)) {
        Some(index) => Ok(Selection { history: h.clone(), index, is_record: true }),
        None => bail!(
            "--at {at}: no record of {:?} was deployed at or before {} (the first is dated {})",
            h.environment,
            time.human(),
            h.records.iter().find_map(|r| r.deployed_at).map_or("nothing".to_string(), |t| t.human())
        ),
    }
}

/// A commit no record deployed, compared with the latest record whose
/// commit is its ancestor (`base`: what it builds on), or as a baseline.
fn undeployed(h: &History, base: Option<usize>, sha: String) -> Result<Selection> {
    let mut records: Vec<Record> = match base {
        Some(i) => h.records[..=i].to_vec(),
        None => Vec::new(),
    };
    records.push(Record {
        id: short_sha(&sha).to_string(),
        environment: h.environment.clone(),
        release: None,
        commit: Some(sha),
        deployed_at: None,
        components: None,
        changes: None,
        kind: RecordKind::Deploy,
        origin: Origin::default(),
        complete: true,
        about: None,
        source: Default::default(),
    });
    let index = records.len() - 1;
    Ok(Selection { history: History { environment: h.environment.clone(), records }, index, is_record: false })
}

/// What the selected deploy changed, its claims, and the audit's findings
/// for its record (only `component`'s, when given).
pub fn report(session: &Session, sel: &Selection, component: Option<&str>) -> Result<ShowReport> {
    let (history, k) = (&sel.history, sel.index);
    session.check_components(history)?;
    let truth = session.reader().read(history, &truth::Options { files_for: vec![k], ..truth::Options::default() })?;
    if let Some(c) = component {
        if !truth.components.iter().any(|n| n == c) {
            bail!("--component {c}: no such component (known: {})", truth.components.join(", "));
        }
    }
    let opts = audit::Options::from_config(&session.config);
    let (findings, _) = audit::audit(history, &truth, &opts);
    let lines = Report::lines(history, &truth);
    let record = &history.records[k];
    let deploy = &truth.deploys[k];
    let keep = |name: &str| component.is_none_or(|c| c == name);
    let (changed, unchanged): (Vec<_>, Vec<_>) =
        deploy.components.iter().filter(|c| keep(&c.name)).cloned().partition(|c| c.changed());
    let findings =
        findings.into_iter().filter(|f| f.record == record.id && f.component.as_deref().is_none_or(keep)).collect();
    Ok(ShowReport {
        schema_version: SCHEMA_VERSION,
        repository: session.repository_name(),
        resolved_as: if sel.is_record { ShownAs::Record } else { ShownAs::Commit },
        record: lines[k].clone(),
        previous: match &deploy.previous {
            Previous::Record { index } => Some(lines[*index].clone()),
            _ => None,
        },
        commit: deploy.commit().cloned(),
        commits: ShowCommits { added: deploy.added.clone(), removed: deploy.removed.clone() },
        changes: ShowChanges {
            shipped: deploy.introduced.clone(),
            claimed: record.changes.as_ref().map(|_| deploy.claims.clone()),
            unshipped: deploy.unshipped.clone(),
        },
        components: ShowComponents {
            changed,
            unchanged,
            claimed: record.components.as_ref().map(|cs| cs.iter().filter(|c| keep(&c.name)).cloned().collect()),
        },
        component_filter: component.map(str::to_string),
        findings,
    })
}
