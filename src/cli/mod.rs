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
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::{Parser, Subcommand, ValueEnum};

use crate::pipeline::Session;
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
    // A panic's message can quote input too: it is printed like every other line.
    std::panic::set_hook(Box::new(|info| eprint_lines(&format!("shipcheck panicked: {info}"))));
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) if e.use_stderr() => {
            // Usage errors quote the argument given (`--format '##[add-mask]x'`).
            eprint_lines(&e.render().to_string());
            return ExitCode::from(2);
        }
        Err(e) => {
            // --help and --version: shipcheck's own text, to standard output.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprint_line(&format!("error: {e:#}"));
            ExitCode::from(2)
        }
    }
}

/// Writes one line to standard error through [`crate::text::safe_line`]:
/// its control characters escaped (so it stays one line) and no workflow
/// command left in it. Every line shipcheck writes to standard error goes
/// through here or [`eprint_lines`].
pub fn eprint_line(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{}", crate::text::safe_line(line));
}

/// [`eprint_line`] for each line of a text (its own line breaks are kept).
pub fn eprint_lines(text: &str) {
    let mut err = std::io::stderr().lock();
    for line in text.trim_end_matches('\n').split('\n') {
        let _ = writeln!(err, "{}", crate::text::safe_line(line.strip_suffix('\r').unwrap_or(line)));
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
/// JSON stays JSON that decodes to the same values (see [`crate::text::defuse_json`]).
/// The `github` format defuses its own plain lines (`report::github`).
pub fn emit_report(bytes: &[u8], format: Format) -> Result<()> {
    let text = String::from_utf8_lossy(bytes);
    match format {
        Format::Github => emit(bytes),
        Format::Json => emit(crate::text::defuse_json(&text).as_bytes()),
        _ => emit(crate::text::defuse_workflow_commands(&text).as_bytes()),
    }
}

/// Writes JSON (a record line, a document) to stdout, defused like a JSON report.
pub fn emit_json(text: &str) -> Result<()> {
    emit(crate::text::defuse_json(text).as_bytes())
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

/// Opens the session a command works in: `--repo` (else the current
/// folder) and `--config`, with a progress bar where one may be drawn.
pub fn open_session(global: &Global) -> Result<Session> {
    let start = match &global.repo {
        Some(p) => p.clone(),
        None => std::env::current_dir().context("cannot read the current folder")?,
    };
    let session = Session::open(&start, global.config.as_deref())?;
    Ok(if progress::enabled_here(global.quiet, global.format) {
        session
            .with_progress(Box::new(|env: &str| Box::new(progress::Bar::new(env)) as Box<dyn crate::truth::Progress>))
    } else {
        session
    })
}
