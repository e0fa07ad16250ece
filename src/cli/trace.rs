//! `shipcheck trace`: where a change really went out.

use anyhow::{bail, Result};

use super::{emit_report, stdout_style, Context, Format, Global};
use crate::records::History;
use crate::report::{
    render_trace_json, render_trace_text, Report, TraceCommit, TraceRecord, TraceReport, SCHEMA_VERSION,
};
use crate::truth::{self, Reader};

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
    pub records: Vec<String>,
    /// The environment (needed when the records span several).
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
}

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

fn history(histories: Vec<History>) -> Result<History> {
    let envs: Vec<String> = histories.iter().map(|h| h.environment.clone()).collect();
    let mut it = histories.into_iter();
    match (it.next(), it.next()) {
        (Some(h), None) => Ok(h),
        (None, _) => bail!("the record sources hold no records"),
        (Some(_), Some(_)) => bail!("the records span environments {}; pass --env ENV", envs.join(", ")),
    }
}

/// Runs `trace`.
pub fn run(global: &Global, args: Args) -> Result<u8> {
    let mut change = args.change.trim().to_string();
    // Commit SHAs are matched in lowercase, as git writes them.
    if (7..=40).contains(&change.len()) && is_hex(&change) {
        change = change.to_ascii_lowercase();
    }
    if change.is_empty() {
        bail!("the change to trace is empty");
    }
    let ctx = Context::open(global)?;
    let histories = ctx.histories(&args.records, args.env.as_deref())?;
    let h = history(histories)?;
    super::audit::check_components(&ctx, &h)?;
    let reader = Reader::new(&ctx.repo, &ctx.config);
    let truth =
        reader.read(&h, &truth::Options { extra_changes: vec![change.clone()], ..truth::Options::default() })?;
    let lines = Report::lines(&h, &truth);
    let across = truth.changes.get(&change);
    let is_sha = across.is_some_and(|t| t.carriers.iter().any(|c| same_claim(&c.sha, &change)));
    let mut commits: Vec<TraceCommit> = across
        .map(|t| t.carriers.clone())
        .unwrap_or_default()
        .into_iter()
        .map(|c| {
            let relation = match (is_sha, same_claim(&c.sha, &change)) {
                (false, _) => "carrier",
                (true, true) => "original",
                (true, false) => "equivalent",
            };
            TraceCommit { commit: c, relation: relation.to_string() }
        })
        .collect();
    commits.sort_by_key(|c| std::cmp::Reverse(c.commit.time));
    let recs: Vec<TraceRecord> = h
        .records
        .iter()
        .enumerate()
        .map(|(k, r)| TraceRecord {
            record: r.id.clone(),
            deployed_at: lines[k].deployed_at.clone(),
            commit: lines[k].commit.clone(),
            claimed: r.changes.iter().flatten().any(|c| same_claim(c, &change)),
            contained: across.and_then(|t| t.contained.get(k)),
        })
        .collect();
    let report = TraceReport {
        schema_version: SCHEMA_VERSION,
        repository: ctx.repo.path().display().to_string().trim_end_matches('/').to_string(),
        change,
        environment: h.environment.clone(),
        commits,
        claimed_in: recs.iter().filter(|r| r.claimed).map(|r| r.record.clone()).collect(),
        first_shipped_in: recs.iter().find(|r| r.contained == Some(true)).map(|r| r.record.clone()),
        records: recs,
    };
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
