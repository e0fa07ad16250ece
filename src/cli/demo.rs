//! `shipcheck demo`: the incident, caught, in one command.

use std::path::PathBuf;

use anyhow::{Context as _, Result};

use super::{emit, open_session, stdout_style, Format, Global};
use crate::fixture::Scenario;
use crate::pipeline::{self, audit::Window};
use crate::records;
use crate::report::render_text;

/// The incident scenario, built into the binary.
pub const INCIDENT: &str = include_str!("../../fixtures/incident.toml");

/// Build the incident that started shipcheck as a small repository in a
/// temporary folder, audit its deploy log, and print the report.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Example:
  shipcheck demo
  shipcheck demo --keep /tmp/incident   # keep the repository to explore")]
pub struct Args {
    /// Write the scenario here (it must not exist yet) and keep it.
    #[arg(long, value_name = "DIR")]
    pub keep: Option<PathBuf>,
}

/// Runs `demo`. Exits 0 when the demo ran, whatever it found.
pub fn run(global: &Global, args: Args) -> Result<u8> {
    let scenario = Scenario::parse("fixtures/incident.toml", INCIDENT)?;
    let temp;
    let root = match &args.keep {
        Some(dir) => {
            if dir.exists() {
                anyhow::bail!("--keep {}: the folder exists already; name a new one", dir.display());
            }
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
            dir.clone()
        }
        None => {
            temp = tempfile::Builder::new().prefix("shipcheck-demo-").tempdir()?;
            temp.path().to_path_buf()
        }
    };
    let built = scenario.materialize(&root)?;
    let log = built.record_files[0].clone();
    let demo_global =
        super::Global { repo: Some(built.repo.clone()), config: None, format: global.format, quiet: global.quiet };
    let session = open_session(&demo_global)?;
    let records = records::load_path(&log, &log.display().to_string(), &Default::default())?;
    let histories = records::histories(records, None)?;
    let report = pipeline::audit::report(&session, &histories, Window::default(), global.format == Format::Html)?;
    let mut out = Vec::new();
    match global.format {
        Format::Text => {
            let style = stdout_style();
            out.extend(
                format!(
                    "{}\n\n{}\n\n",
                    style.paint("1", "The incident: an auth update was recorded as deployed on 2023-03-14, but that deploy did not contain it."),
                    "It shipped for the first time, unrecorded, in the 09:00 deploy of 2023-03-28 and took production down;\n\
                     responders trusted the record and excluded auth. shipcheck reads both the deploy log and git:"
                )
                .into_bytes(),
            );
            render_text(&report, "shipcheck audit", style, &mut out)?;
            let kept = match &args.keep {
                Some(_) => format!(
                    "\nThe scenario is kept in {}. Try:\n  shipcheck --repo {} audit --records {}\n",
                    root.display(),
                    built.repo.display(),
                    log.display()
                ),
                None => "\nRun `shipcheck demo --keep DIR` to keep the repository and records and explore them.\n"
                    .to_string(),
            };
            out.extend(kept.into_bytes());
        }
        other => out = super::render(&report, other, "shipcheck demo: the incident")?,
    }
    emit(&out)?;
    Ok(0)
}
