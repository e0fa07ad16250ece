//! `shipcheck gate`: check a pending deploy's record before it ships.

use std::path::PathBuf;

use anyhow::{bail, Context as _, Result};

use super::{emit_report, render, Context, Global};
use crate::audit::{self, exit_code, FailOn, Summary};
use crate::config::SourceConfig;
use crate::records::{self, History, Origin};
use crate::report::{Report, SCHEMA_VERSION};
use crate::truth::{self, Reader, Target};

/// Check a pending deploy's record against what is live, before it ships
///
/// The pending record is compared with the latest record of its
/// environment (or --base), with the same truth and findings as the audit.
/// Exits 1 when the record does not match what the deploy ships; only
/// findings about the pending record count.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  shipcheck gate --record pending.json --records deploys/production.jsonl\n  shipcheck --format github gate --record pending.json --records deploys/ --env production\n  shipcheck gate --record pending.json --base v2023.03.14"
)]
pub struct Args {
    /// The pending record: one JSON object (its commit is usually HEAD).
    #[arg(long, value_name = "FILE")]
    pub record: PathBuf,
    /// The deploy history (repeatable; default: the [[records]] of shipcheck.toml).
    #[arg(long = "records", value_name = "SRC")]
    pub records: Vec<String>,
    /// The environment, for a pending record that names none.
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
    /// Compare with this commit instead of the latest record.
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,
    /// Exit 1 when a finding at or above this severity exists.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
}

/// Reads the truth the gate needs, and no more. The pending deploy is
/// compared with the live record, so only the commits between the two are
/// read (like `git log live..pending`), plus, when the deploy ships changes
/// that earlier records claimed, the history since the first of those
/// records (to tell whether they contained them: the incident's signature).
/// When the pending record claims a change that shipped before the live
/// record, where it first shipped is only known from the whole history,
/// which is then read.
fn read_for_gate(ctx: &Context, history: History, opts: &truth::Options) -> Result<(History, truth::Truth)> {
    let reader = Reader::new(&ctx.repo, &ctx.config);
    let n = history.records.len();
    let pending = &history.records[n - 1];
    if n < 2 || opts.last_against.is_some() || !pending.complete {
        let truth = reader.read(&history, opts)?;
        return Ok((history, truth));
    }
    // Earlier records, keeping only their claims among `keep` (their other
    // claims do not bear on the pending record, and checking them would
    // need the history below the live record).
    let sub = |idx: &[usize], keep: &[&str]| History {
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
    };
    let mini = sub(&[n - 2, n - 1], &[]);
    let truth = reader.read(&mini, opts)?;
    let last = &truth.deploys[1];
    let introduced: std::collections::HashSet<&str> = last.introduced.iter().map(|s| s.change.as_str()).collect();
    let shipped_before = last
        .claims
        .iter()
        .any(|c| matches!(c.state, truth::ClaimState::Contained { .. }) && !introduced.contains(&c.change.as_str()));
    if shipped_before || matches!(truth.deploys[0].target, Target::Missing { .. }) {
        let truth = reader.read(&history, opts)?;
        return Ok((history, truth));
    }
    let claimants: Vec<usize> = (0..n - 1)
        .filter(|&j| history.records[j].changes.iter().flatten().any(|c| introduced.contains(&c.as_str())))
        .collect();
    if claimants.is_empty() {
        return Ok((mini, truth));
    }
    let mut idx: Vec<usize> = claimants.into_iter().filter(|&j| j < n - 2).collect();
    idx.extend([n - 2, n - 1]);
    let keep: Vec<&str> = introduced.iter().copied().collect();
    let context = sub(&idx, &keep);
    let truth = reader.read(&context, opts)?;
    Ok((context, truth))
}

/// Runs `gate`.
pub fn run(global: &Global, args: Args) -> Result<u8> {
    let ctx = Context::open(global)?;
    let name = args.record.display().to_string();
    let text =
        std::fs::read_to_string(&args.record).with_context(|| format!("cannot read the pending record {name}"))?;
    let (raw, line) = records::parse_single(&name, &text)?;
    let source = SourceConfig { source: name.clone(), environment: args.env.clone(), ..SourceConfig::default() };
    let pending = records::finish(raw, Origin { file: name.clone(), line }, &source)?;
    if let Some(env) = &args.env {
        if &pending.environment != env {
            bail!("{name}:{line}: the pending record is for environment {:?}, not {env:?}", pending.environment);
        }
    }
    let env = pending.environment.clone();

    let mut earlier = Vec::new();
    if !args.records.is_empty() || !ctx.config.sources.is_empty() {
        earlier = ctx.records(&args.records)?;
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
    if history.records.is_empty() && args.base.is_none() {
        notes.push(format!(
            "no earlier record of environment {env:?}: the pending record is checked as a baseline (containment, refs and versions only); pass --records or --base REV to compare it with what is live"
        ));
    }
    history.records.push(pending);
    super::audit::check_components(&ctx, &history)?;

    let opts = truth::Options { last_against: args.base.clone(), ..truth::Options::default() };
    let (history, truth) = read_for_gate(&ctx, history, &opts)?;
    let n = history.records.len();
    let pending = &history.records[n - 1];
    if let Target::Missing { reason } = &truth.deploys[n - 1].target {
        bail!("{name}:{line}: the pending record cannot be checked: {reason}");
    }
    if args.base.is_none() && n >= 2 {
        if let Target::Missing { reason } = &truth.deploys[n - 2].target {
            let live = &history.records[n - 2];
            bail!(
                "{}: the latest record of {env:?}, {}, is what the pending deploy is compared with, but it cannot be resolved: {reason}",
                live.origin,
                live.id
            );
        }
    }
    let (findings, skipped) =
        audit::audit_one(&history, &truth, n - 1, &audit::Options { require_change: ctx.config.require_change });
    let lines = Report::lines(&history, &truth);
    let mut report = Report {
        schema_version: SCHEMA_VERSION,
        repository: ctx.repo.path().display().to_string().trim_end_matches('/').to_string(),
        records: lines.into_iter().skip(n - 1).collect(),
        findings,
        summary: Summary { records: 1, environments: vec![env.clone()], skipped, ..Summary::default() },
        notes,
        matrix: None,
    };
    let findings = report.findings.clone();
    report.summary.count(&findings);
    emit_report(&render(&report, global.format, &format!("shipcheck gate {}", pending.id))?, global.format)?;
    Ok(exit_code(&report.findings, args.fail_on))
}
