//! Placeholder: filled in by its issue.

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum AirCommand {
    /// Not yet available.
    Placeholder,
}

pub fn run(_cmd: AirCommand) -> anyhow::Result<()> {
    anyhow::bail!("not yet available")
}
