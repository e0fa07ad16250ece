//! `trace`: every commit that carries a change, and for every record of
//! the history whether it claimed the change and whether it contained it.

use anyhow::{bail, Result};

use super::Session;
use crate::records::History;
use crate::report::{Relation, Report, TraceCommit, TraceRecord, TraceReport, SCHEMA_VERSION};
use crate::truth;

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether a record's claim names the traced change: the same text, or
/// for commit SHAs, one abbreviating the other.
fn same_claim(claim: &str, traced: &str) -> bool {
    if claim == traced {
        return true;
    }
    let (a, b) = (claim.to_ascii_lowercase(), traced.to_ascii_lowercase());
    a.len() >= 7 && b.len() >= 7 && is_hex(&a) && is_hex(&b) && (a.starts_with(&b) || b.starts_with(&a))
}

/// The change as traced: trimmed, and commit SHAs in lowercase, as git
/// writes them.
pub fn normalize(change: &str) -> Result<String> {
    let mut change = change.trim().to_string();
    if (7..=40).contains(&change.len()) && is_hex(&change) {
        change = change.to_ascii_lowercase();
    }
    if change.is_empty() {
        bail!("the change to trace is empty");
    }
    Ok(change)
}

/// The one history to trace in.
pub fn history(histories: Vec<History>) -> Result<History> {
    let envs: Vec<String> = histories.iter().map(|h| h.environment.clone()).collect();
    let mut it = histories.into_iter();
    match (it.next(), it.next()) {
        (Some(h), None) => Ok(h),
        (None, _) => bail!("the record sources hold no records"),
        (Some(_), Some(_)) => bail!("the records span environments {}; pass --env ENV", envs.join(", ")),
    }
}

/// Traces `change` (normalized) through history `h`.
pub fn report(session: &Session, h: &History, change: String) -> Result<TraceReport> {
    session.check_components(h)?;
    let opts = truth::Options { extra_changes: vec![change.clone()], ..truth::Options::default() };
    let truth = session.reader().read(h, &opts)?;
    let lines = Report::lines(h, &truth);
    let across = truth.changes.get(&change);
    let is_sha = across.is_some_and(|t| t.carriers.iter().any(|c| same_claim(&c.sha, &change)));
    let mut commits: Vec<TraceCommit> = across
        .map(|t| t.carriers.clone())
        .unwrap_or_default()
        .into_iter()
        .map(|c| {
            let relation = match (is_sha, same_claim(&c.sha, &change)) {
                (false, _) => Relation::Carrier,
                (true, true) => Relation::Original,
                (true, false) => Relation::Equivalent,
            };
            TraceCommit { commit: c, relation }
        })
        .collect();
    commits.sort_by_key(|c| std::cmp::Reverse(c.commit.time));
    let recs: Vec<TraceRecord> = h
        .records
        .iter()
        .enumerate()
        .map(|(k, r)| TraceRecord {
            record: r.id.clone(),
            deployed_at: lines[k].deployed_at,
            commit: lines[k].commit.clone(),
            claimed: r.changes.iter().flatten().any(|c| same_claim(c, &change)),
            contained: across.and_then(|t| t.contained.get(k)),
        })
        .collect();
    Ok(TraceReport {
        schema_version: SCHEMA_VERSION,
        repository: session.repository_name(),
        change,
        environment: h.environment.clone(),
        commits,
        claimed_in: recs.iter().filter(|r| r.claimed).map(|r| r.record.clone()).collect(),
        first_shipped_in: recs.iter().find(|r| r.contained == Some(true)).map(|r| r.record.clone()),
        records: recs,
    })
}
