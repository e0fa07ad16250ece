//! `shipcheck show`: what one deploy truly changed, beside its record.

use anyhow::{bail, Result};

use super::{emit_report, stdout_style, Context, Format, Global};
use crate::audit;
use crate::git::Resolved;
use crate::records::{History, Origin, Record, RecordKind};
use crate::report::{
    render_show_json, render_show_text, Report, ShowChanges, ShowCommits, ShowComponents, ShowReport, SCHEMA_VERSION,
};
use crate::time::Timestamp;
use crate::truth::{self, Reader};

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
    pub records: Vec<String>,
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

/// The history to read, the index of the record to show in it, and whether
/// it is a record (`true`) or a commit no record deployed.
type Selection = (History, usize, bool);

fn one_history<'h>(histories: &'h [History], why: &str) -> Result<&'h History> {
    match histories {
        [one] => Ok(one),
        many => {
            let envs: Vec<&str> = many.iter().map(|h| h.environment.as_str()).collect();
            bail!("{why}: the records span environments {}; pass --env ENV", envs.join(", "))
        }
    }
}

fn select(ctx: &Context, histories: &[History], args: &Args) -> Result<Selection> {
    if let Some(at) = &args.at {
        let time = Timestamp::parse(at).map_err(|e| anyhow::anyhow!("--at: {e}"))?;
        let h = one_history(histories, "--at")?;
        let live = h.records.iter().enumerate().rfind(|(_, r)| r.deployed_at.is_some_and(|t| t <= time));
        return match live {
            Some((i, _)) => Ok((h.clone(), i, true)),
            None => bail!(
                "--at {at}: no record of {:?} was deployed at or before {} (the first is dated {})",
                h.environment,
                time.human(),
                h.records.iter().find_map(|r| r.deployed_at).map_or("nothing".to_string(), |t| t.human())
            ),
        };
    }
    let target = args.target.as_deref().unwrap_or_default();
    // A record id first.
    let by_id: Vec<&History> = histories.iter().filter(|h| h.position(target).is_some()).collect();
    match by_id.as_slice() {
        [h] => return Ok(((*h).clone(), h.position(target).unwrap_or_default(), true)),
        [_, _, ..] => {
            let envs: Vec<&str> = by_id.iter().map(|h| h.environment.as_str()).collect();
            bail!("record id {target:?} exists in environments {}; pass --env ENV", envs.join(", "))
        }
        [] => {}
    }
    // Else a revision.
    let sha = match ctx.repo.resolve_commit(target) {
        Resolved::Commit { oid, .. } => oid.to_string(),
        Resolved::Missing(why) => bail!("{target:?} is neither a record id nor a revision of the repository ({why})"),
    };
    let reader = Reader::new(&ctx.repo, &ctx.config);
    let commit_of = |r: &Record| reader.resolve(r).0.map(|(oid, _)| oid.to_string());
    let deployed: Vec<(&History, usize)> = histories
        .iter()
        .filter_map(|h| h.records.iter().rposition(|r| commit_of(r).as_deref() == Some(sha.as_str())).map(|i| (h, i)))
        .collect();
    match deployed.as_slice() {
        [(h, i)] => return Ok(((*h).clone(), *i, true)),
        [_, _, ..] => {
            let envs: Vec<&str> = deployed.iter().map(|(h, _)| h.environment.as_str()).collect();
            bail!("commit {} was deployed in environments {}; pass --env ENV", &sha[..7], envs.join(", "))
        }
        [] => {}
    }
    // A commit no record deployed: compare it with the latest record whose
    // commit is its ancestor (what it builds on), or show it as a baseline.
    let h = one_history(histories, &format!("{target} is not a deployed commit"))?;
    let mut base = None;
    for (i, r) in h.records.iter().enumerate().rev() {
        if let Some(c) = commit_of(r) {
            if ctx.repo.is_ancestor(&c, &sha)? {
                base = Some(i);
                break;
            }
        }
    }
    let mut records: Vec<Record> = match base {
        Some(i) => h.records[..=i].to_vec(),
        None => Vec::new(),
    };
    let short: String = sha.chars().take(7).collect();
    records.push(Record {
        id: short,
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
    let n = records.len();
    Ok((History { environment: h.environment.clone(), records }, n - 1, false))
}

/// Runs `show`.
pub fn run(global: &Global, args: Args) -> Result<u8> {
    let ctx = Context::open(global)?;
    let histories = ctx.histories(&args.records, args.env.as_deref())?;
    let (history, k, is_record) = select(&ctx, &histories, &args)?;
    super::audit::check_components(&ctx, &history)?;
    let reader = Reader::new(&ctx.repo, &ctx.config);
    let truth = reader.read(&history, &truth::Options { files_for: vec![k], ..truth::Options::default() })?;
    if let Some(c) = &args.component {
        if !truth.components.contains(c) {
            bail!("--component {c}: no such component (known: {})", truth.components.join(", "));
        }
    }
    let opts = audit::Options { require_change: ctx.config.require_change };
    let (findings, _) = audit::audit(&history, &truth, &opts);
    let lines = Report::lines(&history, &truth);
    let record = &history.records[k];
    let deploy = &truth.deploys[k];
    let keep = |name: &str| args.component.as_deref().is_none_or(|c| c == name);
    let (changed, unchanged): (Vec<_>, Vec<_>) =
        deploy.components.iter().filter(|c| keep(&c.name)).cloned().partition(|c| c.changed());
    let findings =
        findings.into_iter().filter(|f| f.record == record.id && f.component.as_deref().is_none_or(keep)).collect();
    let report = ShowReport {
        schema_version: SCHEMA_VERSION,
        repository: ctx.repo.path().display().to_string().trim_end_matches('/').to_string(),
        resolved_as: if is_record { "record" } else { "commit" }.to_string(),
        record: lines[k].clone(),
        previous: match &deploy.previous {
            truth::Previous::Record { index } => Some(lines[*index].clone()),
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
        component_filter: args.component.clone(),
        findings,
    };
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
