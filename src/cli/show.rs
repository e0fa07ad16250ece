//! `shipcheck show`: what one deploy truly changed, beside its record.

use anyhow::Result;

use super::{emit_report, open_session, stdout_style, Format, Global};
use crate::pipeline::show::{self, Target};
use crate::records::SourceSpec;
use crate::report::{render_show_json, render_show_text};

/// Show what a deploy truly changed, beside what its record claimed
///
/// Against the previous record: components changed (with files, and
/// versions before and after), change IDs shipped, commits added and
/// removed, and beside it what the record claimed, as a diff (`-` claimed
/// only, `+` shipped only).
///
/// The argument is a record id, or else any git revision: then the record
/// that deployed that commit is shown (the latest one, after a re-deploy),
/// or, when no record deployed it, the commit itself compared with the
/// latest record whose commit is its ancestor. Exits 0 when it could
/// answer, whatever the record's findings.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  shipcheck show prod-42 --records deploys/production.jsonl\n  shipcheck show --at 2023-03-28T10:00:00Z --env production --component auth\n  shipcheck --format json show v2023.03.28"
)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// A record id, or a git revision (SHA, tag, branch).
    #[arg(value_name = "RECORD-ID | REV", required_unless_present = "at", conflicts_with = "at")]
    pub target: Option<String>,
    /// Record source: a JSON file, a JSON Lines file or a folder of *.json
    /// (repeatable; default: the [[records]] of shipcheck.toml).
    #[arg(long = "records", value_name = "SRC")]
    pub records: Vec<SourceSpec>,
    /// Only this environment.
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
    /// Show the record that was live at this time (RFC 3339): the last one
    /// deployed at or before it.
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// Show only this component (the diff's component lines, the
    /// components table and the component findings).
    #[arg(long, value_name = "NAME")]
    pub component: Option<String>,
}

/// Runs `show`.
pub fn run(global: &Global, args: Args) -> Result<u8> {
    let session = open_session(global)?;
    let histories = session.histories(&args.records, args.env.as_deref())?;
    let target = match &args.at {
        Some(at) => Target::At(at),
        None => Target::Named(args.target.as_deref().unwrap_or_default()),
    };
    let selection = show::select(&session, &histories, target)?;
    let report = show::report(&session, &selection, args.component.as_deref())?;
    let mut out = Vec::new();
    match global.format {
        Format::Text => render_show_text(&report, stdout_style(), &mut out)?,
        Format::Json => render_show_json(&report, &mut out)?,
        Format::Markdown => {
            let mut text = Vec::new();
            render_show_text(&report, crate::report::Style { color: false }, &mut text)?;
            out = super::fenced(&String::from_utf8_lossy(&text)).into_bytes();
        }
        other => anyhow::bail!("--format {} is not available for `show`; use text, json or markdown", other.name()),
    }
    emit_report(&out, global.format)?;
    Ok(0)
}
