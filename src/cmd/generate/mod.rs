//! `nrkit generate`: test waveforms as SigMF.

use anyhow::Result;
use clap::Subcommand;

use super::common::Ctx;

mod ofdm;
mod pdcch;
mod pdsch;
mod ssb;

/// The waveforms `generate` makes.
#[derive(Subcommand)]
pub enum Command {
    /// An OFDM carrier with random QAM on every resource element (reproducible by seed).
    Ofdm(ofdm::Args),
    /// SS/PBCH bursts (PSS, SSS, PBCH with a MIB) with one annotation per SSB.
    Ssb(ssb::Args),
    /// One PDSCH per slot from a TOML configuration (MATLAB names), annotated per slot.
    Pdsch(pdsch::Args),
    /// One PDCCH (DCI) per monitored slot of the configured search space, annotated.
    Pdcch(pdcch::Args),
}

/// Runs `nrkit generate …`.
pub fn run(c: Command, ctx: &Ctx) -> Result<()> {
    match c {
        Command::Ofdm(a) => ofdm::run(a, ctx),
        Command::Ssb(a) => ssb::run(a, ctx),
        Command::Pdsch(a) => pdsch::run(a, ctx),
        Command::Pdcch(a) => pdcch::run(a, ctx),
    }
}
