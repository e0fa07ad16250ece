//! The command line: argument definitions and the glue from arguments to
//! the library's stages. Each subcommand has its own file.

mod audit;
mod check_config;
mod completions;
mod demo;
mod gate;
mod init;
mod man;
mod progress;
mod record;
mod show;
mod trace;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::{Parser, Subcommand, ValueEnum};

use crate::config::{ChangePatterns, Config, SourceConfig, FILE_NAME};
use crate::git::Repo;
use crate::records::{self, Record};
use crate::report::Style;

/// shipcheck tells what truly shipped: it compares the deployment records
/// that people and pipelines wrote with what git says each deploy carried,
/// and reports every disagreement.
#[derive(Debug, Parser)]
#[command(name = "shipcheck", version, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// Options every command takes.
#[derive(Debug, clap::Args)]
pub struct Global {
    /// The repository (default: the one containing the current folder).
    #[arg(long, global = true, value_name = "PATH")]
    pub repo: Option<PathBuf>,
    /// Configuration file (default: shipcheck.toml at the repository root).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// No progress bar (it is only drawn on a terminal, never in CI or for --format json).
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people: grouped by record, one sentence a finding.
    Text,
    /// One JSON document with schema_version, findings and summary.
    Json,
    /// A summary table and a section per finding ($GITHUB_STEP_SUMMARY, PR comments).
    Markdown,
    /// GitHub workflow-command annotations (::error file=…,line=…::…).
    Github,
    /// One self-contained HTML page: summary, record x component matrix,
    /// timeline and findings (audit only).
    Html,
}

#[derive(Debug, Subcommand)]
enum Command {
    Audit(audit::Args),
    Gate(gate::Args),
    Show(show::Args),
    Trace(trace::Args),
    Record(record::Args),
    Demo(demo::Args),
    Init(init::Args),
    CheckConfig(check_config::Args),
    Completions(completions::Args),
    Man(man::Args),
}

/// Parses the process arguments, runs, and maps the outcome to an exit
/// code: 0 clean, 1 findings at or above --fail-on, 2 unusable input.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let msg = crate::text::escape(&format!("{e:#}")).into_owned();
            let _ = writeln!(std::io::stderr(), "error: {msg}");
            ExitCode::from(2)
        }
    }
}

/// Runs a parsed command line; returns the exit code for findings.
pub fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Audit(args) => audit::run(&cli.global, args),
        Command::Gate(args) => gate::run(&cli.global, args),
        Command::Show(args) => show::run(&cli.global, args),
        Command::Trace(args) => trace::run(&cli.global, args),
        Command::Record(args) => record::run(&cli.global, args),
        Command::Demo(args) => demo::run(&cli.global, args),
        Command::Init(args) => init::run(&cli.global, args),
        Command::CheckConfig(args) => check_config::run(&cli.global, args),
        Command::Completions(args) => completions::run(&cli.global, args),
        Command::Man(args) => man::run(&cli.global, args),
    }
}

/// Writes a report in any format but `github` to stdout, with no line that
/// GitHub could take for a workflow command (untrusted text may start one).
pub fn emit_report(bytes: &[u8], format: Format) -> Result<()> {
    if format == Format::Github {
        return emit(bytes);
    }
    let text = String::from_utf8_lossy(bytes);
    emit(crate::text::defuse_workflow_commands(&text).as_bytes())
}

/// Writes output to stdout; a closed pipe (`| head`) is not an error.
pub fn emit(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to standard output"),
    }
}

impl Format {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Markdown => "markdown",
            Format::Github => "github",
            Format::Html => "html",
        }
    }
}

/// Text in a Markdown code block whose fence no backtick run inside can close.
pub fn fenced(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}text\n{}\n{fence}\n", text.trim_end())
}

/// Renders a finished report in the chosen format.
pub fn render(report: &crate::report::Report, format: Format, title: &str) -> Result<Vec<u8>> {
    use crate::report::{render_github, render_html, render_json, render_markdown, render_text};
    let mut out = Vec::new();
    match format {
        Format::Text => render_text(report, title, stdout_style(), &mut out)?,
        Format::Json => render_json(report, &mut out)?,
        Format::Markdown => render_markdown(report, title, &mut out)?,
        Format::Html => render_html(report, &mut out)?,
        Format::Github => match std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
            Some(path) => {
                let mut file =
                    std::fs::OpenOptions::new().append(true).create(true).open(&path).with_context(|| {
                        format!("cannot open $GITHUB_STEP_SUMMARY ({})", PathBuf::from(&path).display())
                    })?;
                render_github(report, &mut out, Some(&mut file))?
            }
            None => render_github(report, &mut out, None)?,
        },
    }
    Ok(out)
}

/// Text style for standard output.
pub fn stdout_style() -> Style {
    Style::detect(std::io::stdout().is_terminal())
}

/// The repository and its configuration.
pub struct Context {
    /// The repository, opened read-only.
    pub repo: Repo,
    /// The configuration.
    pub config: Config,
    /// Whether long work may draw a progress bar on standard error.
    pub progress: bool,
}

impl Context {
    /// Opens the repository and reads the configuration.
    pub fn open(global: &Global) -> Result<Context> {
        let start = match &global.repo {
            Some(p) => p.clone(),
            None => std::env::current_dir().context("cannot read the current folder")?,
        };
        let repo = Repo::open(&start)?;
        let head_file = if repo.workdir().is_none() { repo.head_file(FILE_NAME) } else { None };
        let config = Config::load(global.config.as_deref(), repo.workdir(), head_file)?;
        Ok(Context { repo, config, progress: progress::enabled_here(global.quiet, global.format) })
    }

    /// Loads records from `--records` sources, or else from the
    /// configuration's `[[records]]`.
    pub fn records(&self, cli_sources: &[String]) -> Result<Vec<Record>> {
        let mut out = Vec::new();
        if !cli_sources.is_empty() {
            for s in cli_sources {
                let source = SourceConfig { source: s.clone(), ..SourceConfig::default() };
                out.extend(load_source(&source, Path::new("."), Some(&self.repo), &self.config.changes)?);
            }
            return Ok(out);
        }
        if self.config.sources.is_empty() {
            anyhow::bail!(
                "no record sources: pass --records FILE (a JSON or JSON Lines deploy log), or add a [[records]] table to {FILE_NAME}"
            );
        }
        let base = match &self.config.path {
            Some(p) => p.parent().map(Path::to_path_buf).unwrap_or_default(),
            None => self.repo.path().to_path_buf(),
        };
        for s in &self.config.sources {
            out.extend(load_source(s, &base, Some(&self.repo), &self.config.changes)?);
        }
        Ok(out)
    }
}

impl Context {
    /// The histories of the record sources, for one environment or all of
    /// them; none is an error that says which environments there are.
    pub fn histories(&self, cli_sources: &[String], env: Option<&str>) -> Result<Vec<records::History>> {
        let all = self.records(cli_sources)?;
        let mut envs: Vec<String> = all.iter().map(|r| r.environment.clone()).collect();
        envs.sort();
        envs.dedup();
        let histories = records::histories(all, env)?;
        if histories.is_empty() {
            let named: Vec<&str> = if cli_sources.is_empty() {
                self.config.sources.iter().map(|s| s.source.as_str()).collect()
            } else {
                cli_sources.iter().map(String::as_str).collect()
            };
            let named = named.join(", ");
            match env {
                Some(env) if envs.is_empty() => {
                    anyhow::bail!("no records for environment {env:?}: the record sources ({named}) hold no records")
                }
                Some(env) => anyhow::bail!(
                    "no records for environment {env:?}; the records are for {}",
                    envs.iter().map(|e| format!("{e:?}")).collect::<Vec<_>>().join(", ")
                ),
                None => anyhow::bail!("the record sources ({named}) hold no records"),
            }
        }
        Ok(histories)
    }
}

/// Reads one source. Paths are relative to `base`. `notes:`, `tags:` and
/// `changelog:` sources need the repository.
pub fn load_source(
    source: &SourceConfig,
    base: &Path,
    repo: Option<&Repo>,
    patterns: &ChangePatterns,
) -> Result<Vec<Record>> {
    let spec = source.source.as_str();
    for scheme in ["notes:", "tags:", "changelog:"] {
        if let Some(rest) = spec.strip_prefix(scheme) {
            let Some(repo) = repo else {
                anyhow::bail!("record source {spec:?}: {scheme} sources need a repository");
            };
            return match scheme {
                "notes:" => load_notes(source, rest, repo),
                "tags:" => load_tags(source, rest, repo),
                _ => load_changelog(source, rest, base, repo, patterns),
            };
        }
    }
    let path = if Path::new(spec).is_absolute() { PathBuf::from(spec) } else { base.join(spec) };
    records::load_path(&path, spec, source)
}

/// `notes:REF`: JSON records (one object, or JSON Lines) in the notes on
/// deployed commits; a record that names no commit is about the annotated one.
fn load_notes(source: &SourceConfig, spec: &str, repo: &Repo) -> Result<Vec<Record>> {
    let full = crate::git::notes_ref(spec)?;
    let mut out = Vec::new();
    for note in repo.read_notes(&full)? {
        let name = format!("notes:{spec}@{}", &note.commit[..note.commit.len().min(12)]);
        for (mut raw, line) in records::parse_records(&name, &note.text)? {
            if raw.commit.is_none() {
                raw.commit = Some(note.commit.clone());
            }
            out.push(records::finish(raw, records::Origin { file: name.clone(), line }, source)?);
        }
    }
    Ok(out)
}

/// `tags:PATTERN`: one record per matching tag, a release history.
fn load_tags(source: &SourceConfig, pattern: &str, repo: &Repo) -> Result<Vec<Record>> {
    if pattern.trim().is_empty() {
        anyhow::bail!("tags: needs a pattern, such as tags:v* (every tag: tags:*)");
    }
    let tags = repo.tags_matching(pattern)?;
    if tags.is_empty() {
        anyhow::bail!("tags:{pattern}: no tag matches {pattern:?}");
    }
    Ok(records::from_tags(&tags, pattern, source))
}

/// `changelog:PATH`: a Markdown changelog, read from the file system
/// (relative to `base`) or else from the repository's HEAD.
fn load_changelog(
    source: &SourceConfig,
    spec: &str,
    base: &Path,
    repo: &Repo,
    patterns: &ChangePatterns,
) -> Result<Vec<Record>> {
    let display = spec.to_string();
    let path = if Path::new(spec).is_absolute() { PathBuf::from(spec) } else { base.join(spec) };
    let (bytes, repo_file) = if path.is_file() {
        let bytes = std::fs::read(&path).with_context(|| format!("cannot read changelog {display}"))?;
        let in_repo = repo
            .workdir()
            .and_then(|w| {
                let abs = std::fs::canonicalize(&path).ok()?;
                let w = std::fs::canonicalize(w).ok()?;
                abs.strip_prefix(w).ok().map(|p| p.to_string_lossy().into_owned())
            })
            .unwrap_or_else(|| spec.trim_start_matches("./").to_string());
        (bytes, in_repo)
    } else {
        let rel = spec.trim_start_matches("./");
        match repo.head_text(rel) {
            Some(b) => (b, rel.to_string()),
            None => anyhow::bail!(
                "changelog {display}: no such file (looked for {} and for {rel} in the repository's HEAD)",
                path.display()
            ),
        }
    };
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        let (line, col) = crate::text::line_col(&String::from_utf8_lossy(&bytes[..e.valid_up_to()]), e.valid_up_to());
        anyhow::anyhow!("{display}:{line}:{col}: the changelog is not valid UTF-8")
    })?;
    let sections = records::changelog::parse(text, patterns)
        .map_err(|e| anyhow::anyhow!("{display}:{}: {}", e.line, e.message))?;
    let (recs, _unreleased) =
        records::from_changelog(&sections, &display, Some(repo_file), source, &|name| repo.tag_exists(name));
    Ok(recs)
}
