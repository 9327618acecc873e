//! `nrkit decode`: decode physical channels from a recording.

use anyhow::Result;
use clap::Subcommand;

use super::common::Ctx;

mod pdcch;
mod pdsch;

/// The channels `decode` reads.
#[derive(Subcommand)]
pub enum Command {
    /// The PDSCH of every slot, configured by a TOML file: TB CRC, TB hex, EVM, SNR.
    Pdsch(pdsch::Args),
    /// Blind PDCCH decoding over the configured search space: every DCI found, its fields.
    Pdcch(pdcch::Args),
}

/// Runs `nrkit decode …`.
pub fn run(c: Command, ctx: &Ctx) -> Result<()> {
    match c {
        Command::Pdsch(a) => pdsch::run(a, ctx),
        Command::Pdcch(a) => pdcch::run(a, ctx),
    }
}
