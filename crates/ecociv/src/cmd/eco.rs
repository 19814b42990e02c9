//! Placeholder: filled in by its issue.

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum EcoCommand {
    /// Not yet available.
    Placeholder,
}

pub fn run(_cmd: EcoCommand) -> anyhow::Result<()> {
    anyhow::bail!("not yet available")
}
