//! `shipcheck completions`.

use anyhow::Result;
use clap::CommandFactory;

use super::{emit, Cli, Global};

/// Print a shell completion script (bash, zsh, fish, elvish, powershell).
///
/// The script is generated from the same definitions as the help, so it
/// always knows every subcommand and option of this shipcheck.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Example:
  shipcheck completions bash > ~/.local/share/bash-completion/completions/shipcheck
  shipcheck completions zsh > ~/.zfunc/_shipcheck
  shipcheck completions fish > ~/.config/fish/completions/shipcheck.fish")]
pub struct Args {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Runs `completions`.
pub fn run(_global: &Global, args: Args) -> Result<u8> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "shipcheck", &mut out);
    emit(&out)?;
    Ok(0)
}
