//! `shipcheck man`.

use anyhow::{bail, Result};
use clap::CommandFactory;

use super::{emit, Cli, Global};

/// Print the manual page, in roff.
///
/// The page is generated from the same definitions as the help; name a
/// subcommand to get its own page (shipcheck-audit(1), …).
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Example:
  shipcheck man | man -l -
  shipcheck man audit > shipcheck-audit.1")]
pub struct Args {
    /// A subcommand's page instead of shipcheck's own.
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

/// Runs `man`.
pub fn run(_global: &Global, args: Args) -> Result<u8> {
    let mut cmd = Cli::command();
    cmd.build();
    let page = match &args.command {
        None => cmd,
        Some(name) => {
            let names: Vec<String> = cmd.get_subcommands().map(|s| s.get_name().to_string()).collect();
            match cmd.find_subcommand(name) {
                // The page's name is `shipcheck-audit`; clap wants a static name, and this runs once.
                Some(sub) => sub
                    .clone()
                    .name(&*Box::leak(format!("shipcheck-{name}").into_boxed_str()))
                    .version(env!("CARGO_PKG_VERSION")),
                None => bail!("no command {:?} (known: {})", crate::text::escape(name), names.join(", ")),
            }
        }
    };
    let mut out = Vec::new();
    clap_mangen::Man::new(page).render(&mut out)?;
    emit(&out)?;
    Ok(0)
}
