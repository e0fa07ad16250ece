//! `shipcheck audit`.

use anyhow::{bail, Result};

use super::{emit_report, render, Context, Global};
use crate::audit::{self, exit_code, FailOn, Summary};
use crate::records::History;
use crate::report::{Matrix, Report, SCHEMA_VERSION};
use crate::truth::{self, Reader};

/// Audit a deployment history: every record against what git says its
/// deploy carried.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Example:
  shipcheck audit --records deploys/production.jsonl
  shipcheck --format json audit --env production --fail-on warning")]
pub struct Args {
    /// Record source: a JSON file, a JSON Lines file or a folder of *.json
    /// (repeatable; default: the [[records]] of shipcheck.toml).
    #[arg(long = "records", value_name = "SRC")]
    pub records: Vec<String>,
    /// Only this environment.
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
    /// Report findings from this record on (earlier records still give context).
    #[arg(long, value_name = "ID")]
    pub since: Option<String>,
    /// Report findings up to this record.
    #[arg(long, value_name = "ID")]
    pub until: Option<String>,
    /// Exit 1 when a finding at or above this severity exists.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
}

/// Audits histories and builds the report.
/// The record-by-component matrix is only built for the HTML page.
pub fn build(
    ctx: &Context,
    histories: &[History],
    since: Option<&str>,
    until: Option<&str>,
    with_matrix: bool,
) -> Result<Report> {
    let opts = audit::Options { require_change: ctx.config.require_change };
    let mut report = Report {
        schema_version: SCHEMA_VERSION,
        repository: ctx.repo.path().display().to_string().trim_end_matches('/').to_string(),
        records: Vec::new(),
        findings: Vec::new(),
        summary: Summary::default(),
        notes: Vec::new(),
        matrix: None,
    };
    let mut matrix = Matrix::default();
    for h in histories {
        check_components(ctx, h)?;
        let bar = ctx.progress.then(|| super::progress::Bar::new(&h.environment));
        let reader = match &bar {
            Some(bar) => Reader::new(&ctx.repo, &ctx.config).with_progress(bar),
            None => Reader::new(&ctx.repo, &ctx.config),
        };
        let truth = reader.read(h, &truth::Options::default())?;
        drop(bar);
        let (findings, skipped) = audit::audit(h, &truth, &opts);
        let from = since.and_then(|id| h.position(id)).unwrap_or(if since.is_some() { usize::MAX } else { 0 });
        let to = until.and_then(|id| h.position(id)).unwrap_or(usize::MAX);
        let in_window = |k: usize| k >= from && k <= to;
        let mut shown_at: Vec<Option<usize>> = vec![None; h.records.len()];
        for (k, line) in Report::lines(h, &truth).into_iter().enumerate() {
            if in_window(k) {
                shown_at[k] = Some(report.records.len());
                report.records.push(line);
            }
        }
        let window: std::collections::HashMap<&str, usize> =
            h.records.iter().enumerate().map(|(k, r)| (r.id.as_str(), k)).collect();
        report
            .findings
            .extend(findings.into_iter().filter(|f| window.get(f.record.as_str()).is_some_and(|&k| in_window(k))));
        if with_matrix {
            let shown = |k: usize| shown_at.get(k).copied().flatten();
            matrix.add_history(h, &truth, &shown, &report.findings);
        }
        report.summary.environments.push(h.environment.clone());
        let s = &mut report.summary.skipped;
        s.records_without_changes += skipped.records_without_changes;
        s.records_without_components += skipped.records_without_components;
        s.unclaimed_in_partial_sources += skipped.unclaimed_in_partial_sources;
        s.versions_unchecked += skipped.versions_unchecked;
    }
    report.matrix = with_matrix.then_some(matrix);
    report.summary.records = report.records.len();
    let findings = report.findings.clone();
    report.summary.count(&findings);
    Ok(report)
}

/// Refuses records that name components the configuration does not know.
pub fn check_components(ctx: &Context, h: &History) -> Result<()> {
    if ctx.config.default_components {
        return Ok(());
    }
    for r in &h.records {
        for c in r.components.iter().flatten() {
            if ctx.config.component(&c.name).is_none() {
                let known: Vec<&str> = ctx.config.components.iter().map(|c| c.name.as_str()).collect();
                bail!(
                    "{}: record {} lists component {:?}, which the configuration does not define (known: {})",
                    r.origin,
                    r.id,
                    c.name,
                    known.join(", ")
                );
            }
        }
    }
    Ok(())
}

/// Runs `audit`.
pub fn run(global: &Global, args: Args) -> Result<u8> {
    let ctx = Context::open(global)?;
    let histories = ctx.histories(&args.records, args.env.as_deref())?;
    for (flag, id) in [("--since", &args.since), ("--until", &args.until)] {
        if let Some(id) = id {
            if !histories.iter().any(|h| h.position(id).is_some()) {
                bail!("{flag} {id}: no record has this id");
            }
        }
    }
    let report =
        build(&ctx, &histories, args.since.as_deref(), args.until.as_deref(), global.format == super::Format::Html)?;
    emit_report(&render(&report, global.format, "shipcheck audit")?, global.format)?;
    Ok(exit_code(&report.findings, args.fail_on))
}
