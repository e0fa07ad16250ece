//! `shipcheck trace`: where a change really went out.

use anyhow::Result;

use super::{emit_report, open_session, stdout_style, Format, Global};
use crate::pipeline::trace;
use crate::records::SourceSpec;
use crate::report::{render_trace_json, render_trace_text};

/// Trace a change: which commits carry it, which records claimed and contained it
///
/// Every commit that carries the change (for a commit SHA, its cherry-picks
/// too, by trailer and patch-id), and for every record of the history
/// whether it claimed the change and whether its commit contained it. The
/// first line answers "when did it really go out?". Exits 0 when it could
/// answer.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  shipcheck trace AUTH-77 --records deploys/production.jsonl\n  shipcheck --format json trace 3f2c1ab --env production"
)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// A change ID (AUTH-77, #4411) or a commit SHA.
    #[arg(value_name = "CHANGE-ID | SHA")]
    pub change: String,
    /// Record source: a JSON file, a JSON Lines file or a folder of *.json
    /// (repeatable; default: the [[records]] of shipcheck.toml).
    #[arg(long = "records", value_name = "SRC")]
    pub records: Vec<SourceSpec>,
    /// The environment (needed when the records span several).
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
}

/// Runs `trace`.
pub fn run(global: &Global, args: Args) -> Result<u8> {
    let change = trace::normalize(&args.change)?;
    let session = open_session(global)?;
    let h = trace::history(session.histories(&args.records, args.env.as_deref())?)?;
    let report = trace::report(&session, &h, change)?;
    let mut out = Vec::new();
    match global.format {
        Format::Text => render_trace_text(&report, stdout_style(), &mut out)?,
        Format::Json => render_trace_json(&report, &mut out)?,
        Format::Markdown => {
            let mut text = Vec::new();
            render_trace_text(&report, crate::report::Style { color: false }, &mut text)?;
            out = super::fenced(&String::from_utf8_lossy(&text)).into_bytes();
        }
        other => anyhow::bail!("--format {} is not available for `trace`; use text, json or markdown", other.name()),
    }
    emit_report(&out, global.format)?;
    Ok(0)
}
