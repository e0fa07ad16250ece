//! `shipcheck gate`: check a pending deploy's record before it ships.

use std::path::PathBuf;

use anyhow::Result;

use super::{emit_report, open_session, render, Global};
use crate::audit::{exit_code, FailOn};
use crate::pipeline::{self, gate::Request};
use crate::records::SourceSpec;

/// Check a pending deploy's record against what is live, before it ships
///
/// The pending record is compared with the latest record of its
/// environment (or --base), with the same truth and findings as the audit.
/// Exits 1 when the record does not match what the deploy ships; only
/// findings about the pending record count. It fails closed: with no
/// history to compare with, or a pending record that makes no claims, it
/// exits 2 unless --allow-baseline is given.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  shipcheck gate --record pending.json --records deploys/production.jsonl\n  shipcheck --format github gate --record pending.json --records deploys/ --env production\n  shipcheck gate --record pending.json --base v2023.03.14\n  shipcheck gate --record first.json --allow-baseline   # an environment's first deploy"
)]
pub struct Args {
    /// The pending record: one JSON object (its commit is usually HEAD).
    #[arg(long, value_name = "FILE")]
    pub record: PathBuf,
    /// The deploy history (repeatable; default: the [[records]] of shipcheck.toml).
    #[arg(long = "records", value_name = "SRC")]
    pub records: Vec<SourceSpec>,
    /// The environment, for a pending record that names none.
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
    /// Compare with this commit instead of the latest record.
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,
    /// Accept an environment's first deploy (no earlier record and no --base:
    /// the record is checked as a baseline) and a record that makes no claims
    /// (neither `changes` nor `components`); without it both exit 2.
    #[arg(long)]
    pub allow_baseline: bool,
    /// Exit 1 when a finding at or above this severity exists.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
}

/// Runs `gate`.
pub fn run(global: &Global, args: Args) -> Result<u8> {
    let session = open_session(global)?;
    let req = Request {
        pending: &args.record,
        sources: &args.records,
        env: args.env.as_deref(),
        base: args.base.as_deref(),
        allow_baseline: args.allow_baseline,
    };
    let report = pipeline::gate::report(&session, &req)?;
    let pending = report.records.last().map_or("", |r| r.id.as_str());
    emit_report(&render(&report, global.format, &format!("shipcheck gate {pending}"))?, global.format)?;
    Ok(exit_code(&report.findings, args.fail_on))
}
