//! The `nrkit` command line: the argument tree and the dispatch to the command modules of
//! `cmd/` (one per command, each with its `Args` and `run(args, &Ctx)`).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Prints a line on stdout; a closed pipe ends the process quietly with exit code 0.
macro_rules! outln {
    ($($t:tt)*) => {
        $crate::cmd::common::output::write_line(format_args!($($t)*))
    };
}

mod cmd;

use cmd::common::{exit_code, install_panic_hook, Ctx};

/// Exit codes: 0 success (also when nothing was found: the output says so), 1 runtime
/// failure (I/O, disk full, device), 2 bad input or usage, 70 internal error (a bug).
#[derive(Parser)]
#[command(
    name = "nrkit",
    version,
    about = "5G NR baseband toolkit: OFDM, SigMF recordings, cell search, SDR I/O, DSP benchmarks",
    after_help = "Exit codes: 0 success (also when nothing was found), 1 runtime failure \
                  (I/O, disk full, device), 2 bad input or usage, 70 internal error."
)]
struct Cli {
    /// Instruction set for the DSP kernels: auto, scalar, avx2 or avx512 (`bench` with auto
    /// runs every ISA this CPU has).
    #[arg(long, global = true, default_value = "auto")]
    isa: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Describe a recording: rate, length, power, peak and DC offset.
    Info(cmd::info::Args),
    /// Time the DSP kernels per ISA.
    Bench(cmd::bench::Args),
    /// Generate test waveforms as SigMF.
    #[command(subcommand)]
    Generate(cmd::generate::Command),
    /// Decode physical channels from a recording (the PDSCH, configured by TOML).
    #[command(subcommand)]
    Decode(cmd::decode::Command),
    /// Find cells in a recording: PSS/SSS, PBCH DMRS, MIB (SSB at a known frequency).
    Search(cmd::search::Args),
    /// Demodulate an nrkit OFDM test waveform and report its EVM against the reference.
    Evm(cmd::evm::Args),
    /// List SDR devices (SoapySDR).
    Devices(cmd::devices::Args),
    /// Transmit a recording through an SDR (gapless, repeated or looping).
    Tx(cmd::tx::Args),
    /// Capture from an SDR to SigMF without losing a sample silently.
    Capture(cmd::capture::Args),
    /// Measure the cell search's MIB success rate against SNR (CSV + PNG report).
    Sensitivity(cmd::sensitivity::Args),
    /// Pass a recording through impairments: delay, CFO, white noise at an SNR.
    Impair(cmd::impair::Args),
    /// Link-level Monte Carlo: BLER against SNR (LDPC, PDSCH), sharded and merged.
    #[command(subcommand)]
    Simulate(cmd::simulate::Command),
}

fn main() -> ExitCode {
    install_panic_hook();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = Ctx::new(&cli.isa).and_then(|ctx| match cli.command {
        Command::Info(a) => cmd::info::run(a, &ctx),
        Command::Bench(a) => cmd::bench::run(a, &ctx),
        Command::Generate(c) => cmd::generate::run(c, &ctx),
        Command::Decode(c) => cmd::decode::run(c, &ctx),
        Command::Search(a) => cmd::search::run(a, &ctx),
        Command::Evm(a) => cmd::evm::run(a, &ctx),
        Command::Devices(a) => cmd::devices::run(a, &ctx),
        Command::Tx(a) => cmd::tx::run(a, &ctx),
        Command::Capture(a) => cmd::capture::run(a, &ctx),
        Command::Sensitivity(a) => cmd::sensitivity::run(a, &ctx),
        Command::Impair(a) => cmd::impair::run(a, &ctx),
        Command::Simulate(c) => cmd::simulate::run(c, &ctx),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // The chain, without causes whose text the message before already holds.
            let mut msg = String::new();
            for c in e.chain().map(|c| c.to_string()) {
                if !msg.contains(&c) {
                    msg += if msg.is_empty() { "" } else { ": " };
                    msg += &c;
                }
            }
            eprintln!("nrkit: error: {msg}");
            exit_code(&e)
        }
    }
}
