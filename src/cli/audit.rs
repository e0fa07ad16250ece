//! `shipcheck audit`.

use anyhow::Result;

use super::{emit_report, open_session, render, Global};
use crate::audit::{exit_code, FailOn};
use crate::pipeline::{self, audit::Window};
use crate::records::SourceSpec;

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
    pub records: Vec<SourceSpec>,
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

/// Runs `audit`.
pub fn run(global: &Global, args: Args) -> Result<u8> {
    let session = open_session(global)?;
    let histories = session.histories(&args.records, args.env.as_deref())?;
    let window = Window { since: args.since.as_deref(), until: args.until.as_deref() };
    window.check(&histories)?;
    let report = pipeline::audit::report(&session, &histories, window, global.format == super::Format::Html)?;
    emit_report(&render(&report, global.format, "shipcheck audit")?, global.format)?;
    Ok(exit_code(&report.findings, args.fail_on))
}
