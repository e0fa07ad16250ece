//! `shipcheck init`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{anyhow, bail, Context as _, Result};

use super::Global;
use crate::config::{Config, FILE_NAME};
use crate::git::Repo;
use crate::suggest::suggest;
use crate::text::{escape, plural};

/// How many of the latest commit messages tell the change-ID styles.
pub const MESSAGES: usize = 300;

/// Write a starting shipcheck.toml from what the repository holds.
///
/// Reads HEAD's tree, the tags and the latest 300 commit messages (never
/// the work tree) and writes a commented configuration: components from
/// Cargo workspace members, package.json workspaces, Go modules or
/// services/*, apps/*, packages/* folders (else the top-level folders),
/// the version file beside each, the release tag naming as a commented
/// [[records]] example, and the change-ID patterns the messages use. Each
/// decision is printed on standard error with its reason. Nothing but the
/// configuration file is written, and an existing one only with --force.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Example:
  shipcheck init                          # writes shipcheck.toml at the work tree's root
  shipcheck init --output ci/shipcheck.toml
  shipcheck init --force && shipcheck check-config")]
pub struct Args {
    /// Replace the file if it exists.
    #[arg(long)]
    pub force: bool,
    /// Where to write (default: --config, else shipcheck.toml at the root
    /// of the work tree).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Runs `init`.
pub fn run(global: &Global, args: Args) -> Result<u8> {
    let start = match &global.repo {
        Some(p) => p.clone(),
        None => std::env::current_dir().context("cannot read the current folder")?,
    };
    let repo = Repo::open(&start)?;
    let target = match args.output.as_ref().or(global.config.as_ref()) {
        Some(p) => p.clone(),
        None => repo
            .workdir()
            .ok_or_else(|| {
                anyhow!(
                    "the repository at {} is bare: there is no work tree to write {FILE_NAME} into; pass --output FILE",
                    repo.path().display()
                )
            })?
            .join(FILE_NAME),
    };
    let shown = escape(&target.display().to_string()).into_owned();
    if target.exists() && !args.force {
        bail!("{shown} exists already; pass --force to replace it, or --output FILE to write elsewhere");
    }
    let layout = repo.layout(MESSAGES)?;
    let suggestion = suggest(&layout);
    // What init writes must be what shipcheck reads.
    Config::parse(&shown, &suggestion.text).context("the suggested configuration does not parse (a bug in init)")?;

    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if args.force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let mut file = options.open(&target).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => {
            anyhow!("{shown} exists already; pass --force to replace it, or --output FILE to write elsewhere")
        }
        _ => anyhow!("cannot write {shown}: {e}"),
    })?;
    file.write_all(suggestion.text.as_bytes()).with_context(|| format!("cannot write {shown}"))?;

    for d in &suggestion.decisions {
        super::eprint_lines(d);
    }
    super::eprint_lines(&format!(
        "wrote {shown}: {}, {}\nnext: `shipcheck check-config`, then `shipcheck audit --records deploys/production.jsonl`",
        plural(suggestion.components.len(), "component", "components"),
        match &suggestion.patterns {
            Some(p) => plural(p.len(), "change-ID pattern", "change-ID patterns"),
            None => "the default change-ID patterns".to_string(),
        }
    ));
    Ok(0)
}
