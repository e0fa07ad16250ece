//! The gate: a pending record checked against what is live, reading only
//! the part of the history its answer needs.

use std::collections::HashSet;
use std::path::Path;

use anyhow::{bail, Result};

use super::{read_text, Session};
use crate::audit::{self, Summary};
use crate::config::SourceConfig;
use crate::records::{self, History, Origin, SourceSpec};
use crate::report::{Report, SCHEMA_VERSION};
use crate::truth::{self, ClaimState, Target};

/// What the gate is asked.
pub struct Request<'a> {
    /// The pending record's file: one JSON object.
    pub pending: &'a Path,
    /// The deploy history's sources (none: the configuration's).
    pub sources: &'a [SourceSpec],
    /// The environment, for a pending record that names none.
    pub env: Option<&'a str>,
    /// Compare with this commit instead of the latest record.
    pub base: Option<&'a str>,
    /// `--allow-baseline`: accept what cannot be compared with a history (an
    /// environment's first deploy, checked as a baseline) and a pending
    /// record that makes no claims. Without it both are refused (exit 2).
    pub allow_baseline: bool,
}

/// Checks the pending record; the report holds its findings only.
pub fn report(session: &Session, req: &Request<'_>) -> Result<Report> {
    let (mut history, notes, no_history) = history_with_pending(session, req)?;
    let name = req.pending.display().to_string();
    let line = history.records.last().map_or(0, |r| r.origin.line);
    let env = history.environment.clone();
    session.check_components(&history)?;
    // What cannot be resolved, compared or checked is refused before
    // anything is read: the gate fails closed.
    let n = history.records.len();
    let reader = session.reader();
    if let Some(reason) = reader.resolve(&history.records[n - 1]).missing {
        bail!("{name}:{line}: the pending record cannot be checked: {reason}");
    }
    if req.base.is_none() && n >= 2 {
        let live = &history.records[n - 2];
        if let Some(reason) = reader.resolve(live).missing {
            bail!(
                "{}: the latest record of {env:?}, {}, is what the pending deploy is compared with, but it cannot be resolved: {reason}",
                live.origin,
                live.id
            );
        }
    }
    if let (Some(why), false) = (no_history, req.allow_baseline) {
        bail!(
            "{name}:{line}: nothing to compare the pending deploy with: {why}. Pass --records SRC (the deploy history) or --base REV (the commit that is live); for an environment's first deploy, pass --allow-baseline to check the record as a baseline"
        );
    }
    let pending = &history.records[n - 1];
    if pending.changes.is_none() && pending.components.is_none() && !req.allow_baseline {
        bail!(
            "{name}:{line}: the pending record {:?} makes no claims (it has neither `changes` nor `components`), so the gate cannot tell whether it describes what the deploy ships; write what it ships into the record, or pass --allow-baseline to check it only for what needs no claim",
            pending.id
        );
    }
    let opts = truth::Options { last_against: req.base.map(str::to_string), ..truth::Options::default() };
    let audit_opts = audit::Options::from_config(&session.config);
    let truth;
    (history, truth) = read_for_gate(session, history, &opts, &audit_opts)?;
    let n = history.records.len();
    let (findings, skipped) = audit::audit_one(&history, &truth, n - 1, &audit_opts);
    let lines = Report::lines(&history, &truth);
    let mut report = Report {
        schema_version: SCHEMA_VERSION,
        repository: session.repository_name(),
        records: lines.into_iter().skip(n - 1).collect(),
        findings,
        summary: Summary { records: 1, environments: vec![env], skipped, ..Summary::default() },
        notes,
        matrix: None,
    };
    let findings = report.findings.clone();
    report.summary.count(&findings);
    Ok(report)
}

/// The environment's history with the pending record last, the notes to
/// print (a pending record with nothing before it is a baseline), and, when
/// there is nothing to compare it with, why.
fn history_with_pending(session: &Session, req: &Request<'_>) -> Result<(History, Vec<String>, Option<String>)> {
    let name = req.pending.display().to_string();
    let text = read_text(req.pending, "the pending record", crate::input::MAX_PENDING_BYTES)?;
    let (raw, line) = records::parse_single(&name, &text)?;
    let source = SourceConfig {
        source: SourceSpec::Path(name.clone()),
        environment: req.env.map(str::to_string),
        ..SourceConfig::default()
    };
    let pending = records::finish(raw, Origin { file: name.clone(), line }, &source)?;
    if let Some(env) = req.env {
        if pending.environment != env {
            bail!("{name}:{line}: the pending record is for environment {:?}, not {env:?}", pending.environment);
        }
    }
    let env = pending.environment.clone();
    let mut earlier = Vec::new();
    if session.has_sources(req.sources) {
        earlier = session.records(req.sources)?;
    }
    let mut history = records::histories(earlier, Some(&env))?
        .pop()
        .unwrap_or(History { environment: env.clone(), records: Vec::new() });
    if let Some(same) = history.records.iter().find(|r| r.id == pending.id) {
        bail!(
            "{name}:{line}: the pending record's id {:?} is already in the history ({}); a pending deploy needs a new id",
            pending.id,
            same.origin
        );
    }
    let mut notes = Vec::new();
    let mut no_history = None;
    if history.records.is_empty() && req.base.is_none() {
        no_history = Some(if session.has_sources(req.sources) {
            format!("the record sources hold no record of environment {env:?}")
        } else {
            format!("no --records was given and {} configures no [[records]]", crate::config::FILE_NAME)
        });
        notes.push(format!(
            "no earlier record of environment {env:?}: the pending record is checked as a baseline (containment, refs and versions only); pass --records or --base REV to compare it with what is live"
        ));
    }
    history.records.push(pending);
    Ok((history, notes, no_history))
}

/// Reads the truth the gate needs, and no more. The pending deploy is
/// compared with the live record, so only the commits between the two are
/// read (like `git log live..pending`), plus, when the deploy ships changes
/// that earlier records claimed, the history since the first of those
/// records (to tell whether they contained them: the incident's signature).
/// When the pending record claims a change that shipped before the live
/// record, and this deploy adds none of its commits, where it first shipped
/// is only known from the whole history, which is then read.
///
/// Whichever records are read, the pending record's findings must not
/// depend on the history below them: the reader decides on those findings
/// (see [`truth::Reader::read_for`]), so the gate's answer is the audit's.
fn read_for_gate(
    session: &Session,
    history: History,
    opts: &truth::Options,
    audit_opts: &audit::Options,
) -> Result<(History, truth::Truth)> {
    let reader = session.reader();
    let decide = |h: &History| {
        let k = h.records.len() - 1;
        let same = |a: &truth::Truth, b: &truth::Truth| {
            audit::audit_one(h, a, k, audit_opts) == audit::audit_one(h, b, k, audit_opts)
        };
        reader.read_for(h, opts, &same)
    };
    let n = history.records.len();
    let pending = &history.records[n - 1];
    if n < 2 || opts.last_against.is_some() || !pending.complete {
        let truth = decide(&history)?;
        return Ok((history, truth));
    }
    // What the deploy ships, from the live record's range alone: the
    // changes it may introduce (a superset of those it does, when the
    // history below carries some), to choose the records that matter, and
    // whether where a claim first shipped is needed. That much must not
    // depend on the history below the live record.
    let mini = subset(&history, &[n - 2, n - 1], &[]);
    let read = reader.read_decided(&mini, opts, &|a, b| shipped_before(a) == shipped_before(b))?;
    let truth = read.truth;
    if shipped_before(&truth) || matches!(truth.deploys[0].target, Target::Missing { .. }) {
        let truth = decide(&history)?;
        return Ok((history, truth));
    }
    let introduced: HashSet<&str> = truth.deploys[1].introduced.iter().map(|s| s.change.as_str()).collect();
    let claimants: Vec<usize> = (0..n - 1)
        .filter(|&j| history.records[j].changes.iter().flatten().any(|c| introduced.contains(&c.as_str())))
        .collect();
    if claimants.is_empty() {
        let truth = if read.complete { truth } else { decide(&mini)? };
        return Ok((mini, truth));
    }
    let mut idx: Vec<usize> = claimants.into_iter().filter(|&j| j < n - 2).collect();
    idx.extend([n - 2, n - 1]);
    let keep: Vec<&str> = introduced.iter().copied().collect();
    let context = subset(&history, &idx, &keep);
    let truth = decide(&context)?;
    Ok((context, truth))
}

/// Whether the pending record (the last of `truth`) claims a change that
/// was live before it and whose commits it does not add: a shipped-earlier
/// finding, naming where the change first shipped, which only the whole
/// history knows.
fn shipped_before(truth: &truth::Truth) -> bool {
    let Some(last) = truth.deploys.last() else { return false };
    let introduced: HashSet<&str> = last.introduced.iter().map(|s| s.change.as_str()).collect();
    let added: HashSet<&str> = last.added.iter().map(|c| c.sha.as_str()).collect();
    last.claims.iter().any(|c| {
        matches!(c.state, ClaimState::Contained { .. })
            && !introduced.contains(&c.change.as_str())
            && !c.carriers.iter().any(|x| added.contains(x.as_str()))
    })
}

/// The records at `idx`, the earlier ones keeping only their claims among
/// `keep` (their other claims do not bear on the pending record, and
/// checking them would need the history below the live record).
fn subset(history: &History, idx: &[usize], keep: &[&str]) -> History {
    let n = history.records.len();
    History {
        environment: history.environment.clone(),
        records: idx
            .iter()
            .map(|&i| {
                let mut r = history.records[i].clone();
                if i + 1 < n {
                    r.changes = r.changes.map(|c| c.into_iter().filter(|x| keep.contains(&x.as_str())).collect());
                    if r.changes.as_ref().is_some_and(|c| c.is_empty()) {
                        r.changes = None;
                    }
                }
                r
            })
            .collect(),
    }
}
