//! `shipcheck record`: a deploy record derived from git, so it cannot lie.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

use super::{open_session, Global};
use crate::config::SourceConfig;
use crate::git;
use crate::pipeline::record::{derive, new_record, Request};
use crate::records::{load_source, log, RecordKind, SourceSpec};
use crate::text::short_sha;

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

/// Runs `record`.
pub fn run(global: &Global, args: Args) -> Result<u8> {
    if args.env.trim().is_empty() {
        bail!("--env is empty");
    }
    let ctx = open_session(global)?;
    let kind = args.kind.map(RecordKind::from);
    let req = Request {
        env: &args.env,
        commit: &args.commit,
        release: args.release.as_deref(),
        id: args.id.as_deref(),
        at: args.at.as_deref(),
    };
    let record = new_record(&ctx, &req)?;
    let line = match (&args.notes, &args.append) {
        (Some(spec), _) => {
            let full = git::notes_ref(spec)?;
            let source = SourceConfig { source: SourceSpec::Notes(spec.clone()), ..SourceConfig::default() };
            let existing = load_source(&source, Path::new("."), &ctx.repo, &ctx.config.changes)?;
            let record = derive(&ctx, existing, record, kind)?;
            let line = log::to_line(&record)?;
            let sha = record.commit.as_deref().unwrap_or_default();
            ctx.repo.append_note(&full, sha, &line)?;
            let id = &record.id;
            super::eprint_line(&format!("shipcheck: added record {id} to the note on {} in {full}", short_sha(sha)));
            line
        }
        (None, Some(path)) => {
            let (record, line) = log::append(path, record, |existing, record| derive(&ctx, existing, record, kind))?;
            super::eprint_line(&format!("shipcheck: appended record {} to {}", record.id, path.display()));
            line
        }
        (None, None) => log::to_line(&derive(&ctx, Vec::new(), record, kind)?)?,
    };
    super::emit_json(&line)?;
    Ok(0)
}
