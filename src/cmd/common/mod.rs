//! What the commands share: the context (the ISA chosen once), exit codes, input opening,
//! output helpers, progress, device options and recording metadata helpers.

pub mod config;
pub mod device;
pub mod input;
pub mod meta;
pub mod output;
pub mod progress;

use std::process::ExitCode;

use anyhow::{Context as _, Result};
use nrkit::dsp::Isa;

/// What every command gets: the ISA parsed once from `--isa` (checked against this CPU).
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The ISA every processor of the command is built with.
    pub isa: Isa,
    /// `--isa auto` (the default): `bench` then runs every ISA this CPU has.
    pub auto: bool,
}

impl Ctx {
    /// Parses `--isa` (`auto`, `scalar`, `avx2`, `avx512`).
    pub fn new(isa: &str) -> Result<Self> {
        let auto = isa.eq_ignore_ascii_case("auto");
        let parsed: Isa = isa.parse()?;
        let isa = parsed.require().with_context(|| format!("--isa {isa}"))?;
        Ok(Ctx { isa, auto })
    }

    /// The ISAs `bench` runs: every one this CPU has with `auto`, else the one asked for.
    pub fn bench_isas(&self) -> Vec<Isa> {
        if self.auto {
            Isa::available()
        } else {
            vec![self.isa]
        }
    }
}

/// Marks an error as a runtime failure (exit code 1: I/O, disk full, device) rather than
/// bad input (exit code 2).
#[derive(Debug)]
pub struct Runtime(pub String);

impl std::fmt::Display for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Runtime {}

/// A runtime failure (exit 1) with this message.
pub fn runtime(msg: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Runtime(msg.into()))
}

/// The exit code of a failed command (DESIGN.md): 1 for a runtime failure — an error
/// marked [`Runtime`], a device or stream failure, or an I/O error other than a missing or
/// unreadable input (disk full, file too large, write errors) — else 2 (bad input or
/// usage, including device parameters the device refuses and args no device matches).
pub fn exit_code(e: &anyhow::Error) -> ExitCode {
    use std::io::ErrorKind as K;
    for c in e.chain() {
        if c.is::<Runtime>() {
            return ExitCode::from(1);
        }
        if let Some(s) = c.downcast_ref::<nrkit::sdr::SdrError>() {
            if !matches!(s, nrkit::sdr::SdrError::Iq(_)) {
                return ExitCode::from(if s.is_bad_request() { 2 } else { 1 });
            }
        }
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            let input = matches!(
                io.kind(),
                K::NotFound
                    | K::PermissionDenied
                    | K::InvalidInput
                    | K::InvalidData
                    | K::IsADirectory
                    | K::NotADirectory
                    | K::UnexpectedEof
            );
            return ExitCode::from(if input { 2 } else { 1 });
        }
    }
    ExitCode::from(2)
}

/// Turns a panic (a bug) into one line on stderr and exit code 70, instead of a
/// backtrace.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".into());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "nrkit: internal error: {msg}{at} (a bug: please report it with the command line)"
        );
        std::process::exit(70);
    }));
}
