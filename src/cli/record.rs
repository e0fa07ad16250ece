//! `shipcheck record`: a deploy record derived from git, so it cannot lie.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context as _, Result};
use serde::Serialize;
use serde_json::{json, Value};

use super::{emit, Context, Global};
use crate::config::SourceConfig;
use crate::git::{self, Resolved};
use crate::records::{self, History, Origin, Record, RecordKind};
use crate::report::to_safe_json_line;
use crate::time::Timestamp;
use crate::truth::{self, Deploy, Previous, Reader};

/// Write a deploy record derived from git, so it cannot lie
///
/// Derives the record from git and prints it as one JSON line; with
/// `--append FILE`, also adds it to that JSON Lines deploy log.
///
/// The record's `changes` are the change IDs the commit introduces and its
/// `components` the components whose files changed (with the versions of
/// their version files), both against the environment's latest record in
/// FILE. Without FILE, or when FILE holds no record of the environment, the
/// record is a baseline: it lists every component with its version and has
/// no `changes` field (a baseline makes no change claims).
///
/// Appending takes an exclusive lock on FILE, re-reads and validates it
/// under the lock (a malformed file, or a last line cut short by a crash,
/// is refused and left untouched), computes the record against what the
/// file says is live, and writes exactly one line. Existing lines are never
/// rewritten. Nothing is written to the repository, except with `--notes`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  shipcheck record --env production --commit HEAD --release v2023.03.28 --append deploys/production.jsonl\n  shipcheck record --env staging --commit 3f2c1ab --id stg-7 --at 2023-03-28T09:00:00Z"
)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The environment deployed to.
    #[arg(long, value_name = "ENV")]
    pub env: String,
    /// The commit deployed (any revision: SHA, tag, branch, HEAD).
    #[arg(long, value_name = "REV")]
    pub commit: String,
    /// The release (tag) deployed; it must point at --commit.
    #[arg(long, value_name = "NAME")]
    pub release: Option<String>,
    /// The record id (default: the release name, else ENV-SHORTSHA).
    #[arg(long, value_name = "ID")]
    pub id: Option<String>,
    /// When it was deployed (RFC 3339; default: now).
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// What kind of deploy (default: `rollback` when the deploy only
    /// removes commits, else `deploy`).
    #[arg(long, value_enum)]
    pub kind: Option<Kind>,
    /// The JSON Lines deploy log to compare with and append to (created if missing).
    #[arg(long, value_name = "FILE", conflicts_with = "notes")]
    pub append: Option<PathBuf>,
    /// Compare with the records in the git notes REF (`deploys`:
    /// refs/notes/deploys) and append the record to the note on its commit.
    /// The only write shipcheck makes into a repository.
    #[arg(long, value_name = "REF")]
    pub notes: Option<String>,
}

/// `--kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// An ordinary deploy.
    Deploy,
    /// A deploy back to an earlier commit.
    Rollback,
    /// An out-of-schedule fix.
    Hotfix,
}

impl From<Kind> for RecordKind {
    fn from(k: Kind) -> RecordKind {
        match k {
            Kind::Deploy => RecordKind::Deploy,
            Kind::Rollback => RecordKind::Rollback,
            Kind::Hotfix => RecordKind::Hotfix,
        }
    }
}

fn now() -> Timestamp {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    Timestamp(secs)
}

/// One line of a deploy log, fields in the README's order.
#[derive(Serialize)]
struct Line<'r> {
    id: &'r str,
    environment: &'r str,
    #[serde(skip_serializing_if = "Option::is_none")]
    release: Option<&'r str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<&'r str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deployed_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<RecordKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    components: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    changes: Option<&'r [String]>,
}

/// The record as one JSON line (with its newline). Components without a
/// version are written as plain names.
fn to_line(r: &Record) -> Result<String> {
    let line = Line {
        id: &r.id,
        environment: &r.environment,
        release: r.release.as_deref(),
        commit: r.commit.as_deref(),
        deployed_at: r.deployed_at.map(|t| t.to_string()),
        kind: (r.kind != RecordKind::Deploy).then_some(r.kind),
        components: r.components.as_ref().map(|cs| {
            cs.iter()
                .map(|c| match &c.version {
                    Some(v) => json!({"name": c.name, "version": v}),
                    None => json!(c.name),
                })
                .collect()
        }),
        changes: r.changes.as_deref(),
    };
    Ok(to_safe_json_line(&line)? + "\n")
}

/// Fills the record's claims from its deploy's truth: what it introduced
/// and the components it changed, or for a baseline every component.
fn derive(record: &mut Record, deploy: &Deploy, kind: Option<Kind>) {
    let version = |s: &truth::ComponentState| s.version.as_ref().and_then(|v| v.value.clone());
    let claimed = |s: &truth::ComponentState| records::ClaimedComponent { name: s.name.clone(), version: version(s) };
    match deploy.previous {
        Previous::Baseline => {
            record.components = Some(deploy.components.iter().map(claimed).collect());
            record.changes = None;
        }
        _ => {
            record.components = Some(deploy.components.iter().filter(|s| s.changed()).map(claimed).collect());
            record.changes = Some(deploy.introduced.iter().map(|s| s.change.clone()).collect());
        }
    }
    record.kind = match kind {
        Some(k) => k.into(),
        None if deploy.added.is_empty() && !deploy.removed.is_empty() => RecordKind::Rollback,
        None => RecordKind::Deploy,
    };
}

/// The existing log, read and validated: its records, and the number of lines.
fn read_log(file: &mut File, name: &str) -> Result<(Vec<Record>, usize)> {
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).with_context(|| format!("cannot read {name}"))?;
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        let (line, col) = crate::text::line_col(&String::from_utf8_lossy(&bytes[..e.valid_up_to()]), e.valid_up_to());
        anyhow!("{name}:{line}:{col}: the file is not valid UTF-8; it was left untouched")
    })?;
    let lines = text.matches('\n').count();
    if !text.is_empty() && !text.ends_with('\n') {
        let last = lines + 1;
        let col = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        bail!(
            "{name}:{last}:{col}: the last line has no newline at its end, so it was cut short (a crash while writing?); \
             repair or remove line {last}, then retry. The file was left untouched"
        );
    }
    let body = text.trim_start_matches('\u{feff}').trim_start();
    if body.starts_with('[') {
        bail!("{name}:1:1: this is a JSON array, not JSON Lines; --append needs one record per line");
    }
    let parsed = records::parse_records(name, text).map_err(|e| anyhow!("{e:#}; the file was left untouched"))?;
    let non_empty = text.lines().filter(|l| !l.trim().is_empty()).count();
    if parsed.len() != non_empty {
        bail!("{name}: this is one pretty-printed record, not JSON Lines; --append needs one record per line");
    }
    let source = SourceConfig::default();
    let records = parsed
        .into_iter()
        .map(|(raw, line)| records::finish(raw, Origin { file: name.to_string(), line }, &source))
        .collect::<Result<Vec<_>>>()?;
    Ok((records, lines))
}

/// Computes the record against the latest record of its environment in `existing`.
fn compute(ctx: &Context, existing: Vec<Record>, mut record: Record, kind: Option<Kind>) -> Result<Record> {
    let mut history = records::histories(existing, Some(&record.environment))?
        .pop()
        .unwrap_or_else(|| History { environment: record.environment.clone(), records: Vec::new() });
    if let Some(pos) = history.position(&record.id) {
        let other = &history.records[pos];
        bail!(
            "{}: record id {:?} is already used in environment {:?}; pass another --id",
            other.origin,
            record.id,
            record.environment
        );
    }
    if let (Some(at), Some((latest, t))) =
        (record.deployed_at, history.records.iter().filter_map(|r| r.deployed_at.map(|t| (r, t))).max_by_key(|x| x.1))
    {
        if at < t {
            bail!(
                "the new record is dated {}, before the latest record of {:?} ({}, {}): it would not be the latest deploy",
                at.human(),
                record.environment,
                latest.id,
                t.human()
            );
        }
    }
    super::audit::check_components(ctx, &history)?;
    history.records.push(record.clone());
    let truth = Reader::new(&ctx.repo, &ctx.config).read(&history, &truth::Options::default())?;
    let deploy = truth.deploys.last().ok_or_else(|| anyhow!("no deploy computed"))?;
    // A record dated before its commit existed would be a date-mismatch.
    if let (Some(at), Some(c)) = (record.deployed_at, deploy.commit()) {
        if at < c.time {
            bail!(
                "--at {} is before commit {} was made ({}): a deploy cannot precede its commit",
                at.human(),
                c.short(),
                c.time.human()
            );
        }
    }
    derive(&mut record, deploy, kind);
    Ok(record)
}

fn append(ctx: &Context, path: &Path, record: Record, kind: Option<Kind>) -> Result<(Record, String)> {
    let name = path.display().to_string();
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
        .with_context(|| format!("cannot open {name} for appending"))?;
    // Every writer holds this lock from reading to fsync, so each record is
    // computed against the line written just before it.
    file.lock().with_context(|| format!("cannot lock {name}"))?;
    let (existing, lines) = read_log(&mut file, &name)?;
    let mut record = record;
    record.origin = Origin { file: name.clone(), line: lines + 1 };
    let record = compute(ctx, existing, record, kind)?;
    let line = to_line(&record)?;
    let original = file.metadata().with_context(|| format!("cannot read {name}"))?.len();
    // A write cut short (a full disk, a quota) must not leave half a line,
    // which would make the log unreadable: put the file back as it was.
    if let Err(e) = file.write_all(line.as_bytes()).and_then(|_| file.sync_all()) {
        let restored = file.set_len(original).and_then(|_| file.sync_all());
        let state = match restored {
            Ok(()) => "the file was left as it was".to_string(),
            Err(r) => format!("and it could not be put back to its {original} bytes ({r}): check its last line"),
        };
        bail!("cannot append to {name}: {e}; {state}");
    }
    file.unlock().with_context(|| format!("cannot unlock {name}"))?;
    Ok((record, line))
}

/// Runs `record`.
pub fn run(global: &Global, args: Args) -> Result<u8> {
    let env = args.env.trim();
    if env.is_empty() {
        bail!("--env is empty");
    }
    let ctx = Context::open(global)?;
    let sha = match ctx.repo.resolve_commit(&args.commit) {
        Resolved::Commit { oid, .. } => oid.to_string(),
        Resolved::Missing(why) => bail!("--commit {}: {why}", args.commit),
    };
    let release = match args.release.as_deref().map(str::trim) {
        Some("") => bail!("--release is empty"),
        Some(rel) => match ctx.repo.resolve_release(rel) {
            Resolved::Commit { oid, .. } if oid.to_string() == sha => Some(rel.to_string()),
            Resolved::Commit { oid, .. } => bail!(
                "--release {rel} points at {}, not at --commit {} ({}); a record naming both would be a ref-mismatch",
                &oid.to_string()[..7],
                args.commit,
                &sha[..7]
            ),
            Resolved::Missing(why) => bail!("--release {rel}: {why}; tag the release before recording it"),
        },
        None => None,
    };
    let deployed_at = match &args.at {
        Some(t) => Timestamp::parse(t).map_err(|e| anyhow!("--at: {e}"))?,
        None => now(),
    };
    let id = match args.id.as_deref().map(str::trim) {
        Some("") => bail!("--id is empty"),
        Some(id) => id.to_string(),
        None => release.clone().unwrap_or_else(|| format!("{env}-{}", &sha[..7])),
    };
    let record = Record {
        id,
        environment: env.to_string(),
        release,
        commit: Some(sha.clone()),
        deployed_at: Some(deployed_at),
        components: None,
        changes: None,
        kind: RecordKind::Deploy,
        origin: Origin { file: "(new record)".into(), line: 0 },
        complete: true,
        about: None,
        source: Default::default(),
    };
    if let Some(spec) = &args.notes {
        let full = git::notes_ref(spec)?;
        let source = SourceConfig { source: format!("notes:{spec}"), ..SourceConfig::default() };
        let existing = super::load_source(&source, Path::new("."), Some(&ctx.repo), &ctx.config.changes)?;
        let record = compute(&ctx, existing, record, args.kind)?;
        let line = to_line(&record)?;
        ctx.repo.append_note(&full, &sha, &line)?;
        let _ = writeln!(
            std::io::stderr(),
            "shipcheck: added record {} to the note on {} in {full}",
            crate::text::escape(&record.id),
            &sha[..7]
        );
        emit(line.as_bytes())?;
        return Ok(0);
    }
    let line = match &args.append {
        Some(path) => {
            let (record, line) = append(&ctx, path, record, args.kind)?;
            let _ = writeln!(
                std::io::stderr(),
                "shipcheck: appended record {} to {}",
                crate::text::escape(&record.id),
                crate::text::escape(&path.display().to_string())
            );
            line
        }
        None => {
            let record = compute(&ctx, Vec::new(), record, args.kind)?;
            to_line(&record)?
        }
    };
    emit(line.as_bytes())?;
    Ok(0)
}
