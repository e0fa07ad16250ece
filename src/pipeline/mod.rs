//! What the commands share, between parsing arguments and printing: the
//! opened repository with its configuration ([`Session`]), loading the
//! histories, and one module per question a command asks: the audit
//! report, the gate's read strategy, the selection for `show`, the trace,
//! and the record `record` derives. Tests call these without a command
//! line; `cli/` only parses, calls and prints. See ARCHITECTURE.md.

pub mod audit;
pub mod gate;
pub mod record;
pub mod show;
pub mod trace;

use std::path::Path;

use anyhow::{bail, Result};

use crate::config::{Config, SourceConfig, FILE_NAME};
use crate::error::{Kind, ResultExt};
use crate::git::Repo;
use crate::records::{self, load_source, History, Record, SourceSpec};
use crate::truth::{self, Progress, Reader, Truth};

/// Makes a progress display for the history of one environment.
pub type ProgressFactory = Box<dyn Fn(&str) -> Box<dyn Progress>>;

/// The repository (opened read-only and checked) and its configuration.
pub struct Session {
    /// The repository.
    pub repo: Repo,
    /// The configuration.
    pub config: Config,
    progress: Option<ProgressFactory>,
}

impl Session {
    /// Opens the repository at or above `start` and reads the configuration
    /// (`config_file`, else `shipcheck.toml` at the root, or in HEAD's tree
    /// for a bare repository).
    pub fn open(start: &Path, config_file: Option<&Path>) -> Result<Session> {
        let repo = Repo::open(start).typed(Kind::Repository)?;
        let head_file = match repo.workdir() {
            Some(_) => None,
            None => repo
                .head_file(FILE_NAME, crate::input::MAX_CONFIG_BYTES, &format!("configuration {FILE_NAME}"))
                .typed(Kind::Configuration)?
                .map(|bytes| {
                    String::from_utf8(bytes)
                        .map_err(|_| anyhow::anyhow!("HEAD:{FILE_NAME}: the configuration is not valid UTF-8"))
                })
                .transpose()
                .typed(Kind::Configuration)?,
        };
        let config = Config::load(config_file, repo.workdir(), head_file).typed(Kind::Configuration)?;
        Ok(Session { repo, config, progress: None })
    }

    /// Long reads report their progress through displays made by `make`.
    pub fn with_progress(mut self, make: ProgressFactory) -> Session {
        self.progress = Some(make);
        self
    }

    /// The repository's path as reports name it.
    pub fn repository_name(&self) -> String {
        self.repo.path().display().to_string().trim_end_matches('/').to_string()
    }

    /// Loads records from `cli_sources`, or else from the configuration's
    /// `[[records]]` (paths relative to the configuration file).
    pub fn records(&self, cli_sources: &[SourceSpec]) -> Result<Vec<Record>> {
        let mut out = Vec::new();
        if !cli_sources.is_empty() {
            for s in cli_sources {
                let source = SourceConfig { source: s.clone(), ..SourceConfig::default() };
                out.extend(load_source(&source, Path::new("."), &self.repo, &self.config.changes).typed(Kind::Source)?);
            }
            return Ok(out);
        }
        if self.config.sources.is_empty() {
            bail!(
                "no record sources: pass --records FILE (a JSON or JSON Lines deploy log), or add a [[records]] table to {FILE_NAME}"
            );
        }
        let base = match &self.config.path {
            Some(p) => p.parent().map(Path::to_path_buf).unwrap_or_default(),
            None => self.repo.path().to_path_buf(),
        };
        for s in &self.config.sources {
            out.extend(load_source(s, &base, &self.repo, &self.config.changes).typed(Kind::Source)?);
        }
        Ok(out)
    }

    /// Whether any record source is given or configured.
    pub fn has_sources(&self, cli_sources: &[SourceSpec]) -> bool {
        !cli_sources.is_empty() || !self.config.sources.is_empty()
    }

    /// The histories of the record sources, for one environment or all of
    /// them; none is an error that says which environments there are.
    pub fn histories(&self, cli_sources: &[SourceSpec], env: Option<&str>) -> Result<Vec<History>> {
        let all = self.records(cli_sources)?;
        let mut envs: Vec<String> = all.iter().map(|r| r.environment.clone()).collect();
        envs.sort();
        envs.dedup();
        let histories = records::histories(all, env).typed(Kind::Source)?;
        if histories.is_empty() {
            let named: Vec<String> = if cli_sources.is_empty() {
                self.config.sources.iter().map(|s| s.source.to_string()).collect()
            } else {
                cli_sources.iter().map(SourceSpec::to_string).collect()
            };
            let named = named.join(", ");
            match env {
                Some(env) if envs.is_empty() => {
                    bail!("no records for environment {env:?}: the record sources ({named}) hold no records")
                }
                Some(env) => bail!(
                    "no records for environment {env:?}; the records are for {}",
                    envs.iter().map(|e| format!("{e:?}")).collect::<Vec<_>>().join(", ")
                ),
                None => bail!("the record sources ({named}) hold no records"),
            }
        }
        Ok(histories)
    }

    /// Refuses records that name components the configuration does not know.
    pub fn check_components(&self, h: &History) -> Result<()> {
        if self.config.default_components {
            return Ok(());
        }
        for r in &h.records {
            for c in r.components.iter().flatten() {
                if self.config.component(&c.name).is_none() {
                    let known: Vec<&str> = self.config.components.iter().map(|c| c.name.as_str()).collect();
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

    /// A reader of the truth, without progress display.
    pub fn reader(&self) -> Reader<'_> {
        Reader::new(&self.repo, &self.config)
    }

    /// Reads a history's truth for an answer that is the same from truths
    /// `a` and `b` when `same(a, b)` (see [`Reader::read_for`]), showing
    /// progress when a display was given.
    pub fn read_for(&self, h: &History, opts: &truth::Options, same: &dyn Fn(&Truth, &Truth) -> bool) -> Result<Truth> {
        let bar = self.progress.as_ref().map(|make| make(&h.environment));
        let reader = match &bar {
            Some(bar) => self.reader().with_progress(bar.as_ref()),
            None => self.reader(),
        };
        reader.read_for(h, opts, same)
    }
}

/// The only history among `histories`, or an error saying that they span
/// several environments (`why` says what needed one).
pub fn one_history<'h>(histories: &'h [History], why: &str) -> Result<&'h History> {
    match histories {
        [one] => Ok(one),
        many => {
            let envs: Vec<&str> = many.iter().map(|h| h.environment.as_str()).collect();
            bail!("{why}: the records span environments {}; pass --env ENV", envs.join(", "))
        }
    }
}

/// Reads a file the user named, as UTF-8 text: a regular file of at most
/// `max` bytes (see `input.rs`).
pub fn read_text(path: &Path, what: &str, max: u64) -> Result<String> {
    crate::input::read_text(path, &format!("{what} {}", path.display()), max)
}
