//! Placeholder: filled in by its issue.

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum WaterCommand {
    /// Not yet available.
    Placeholder,
}

pub fn run(_cmd: WaterCommand) -> anyhow::Result<()> {
    anyhow::bail!("not yet available")
}
