//! Output helpers: stdout that survives a closed pipe, output paths, frequencies.

use std::io::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use clap::Args;

/// Writes one line to stdout; a closed pipe (`nrkit … | head`) ends the process with exit
/// code 0 instead of a panic, since the reader has all it wanted. Used through `outln!`.
pub fn write_line(args: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    let r = out.write_fmt(args).and_then(|()| out.write_all(b"\n"));
    if let Err(e) = r.and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("nrkit: error: writing to stdout: {e}");
        std::process::exit(1);
    }
}

/// Prints `v` as pretty JSON on stdout.
pub fn print_json(v: &impl serde::Serialize) -> Result<()> {
    let s = serde_json::to_string_pretty(v)?;
    write_line(format_args!("{s}"));
    Ok(())
}

/// A frequency for people: MHz with 6 decimals from 1 MHz, else whole Hz.
pub fn fmt_hz(f: f64) -> String {
    if f.abs() >= 1e6 {
        format!("{:.6} MHz", f / 1e6)
    } else {
        format!("{f:.0} Hz")
    }
}

/// Creates the folder an output file goes into.
pub fn create_parent(path: &Path) -> Result<()> {
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
    }
    Ok(())
}

/// The ISA of each processor a command built, as JSON: `[{"processor": …, "isa": …}]`.
pub fn processors_json(list: &[(&'static str, nrkit::dsp::Isa)]) -> serde_json::Value {
    serde_json::Value::Array(
        list.iter()
            .map(|(p, i)| serde_json::json!({"processor": p, "isa": i.name()}))
            .collect(),
    )
}

/// Refuses to replace an existing output without `--force`: the SigMF pair of `path`
/// (both `.sigmf-meta` and `.sigmf-data`) when `sigmf`, else the file itself.
pub fn check_overwrite(path: &Path, sigmf: bool, force: bool) -> Result<()> {
    if force {
        return Ok(());
    }
    let paths = if sigmf {
        let (m, d) = nrkit::iq::sigmf_paths(path);
        vec![m, d]
    } else {
        vec![path.to_path_buf()]
    };
    for p in paths {
        if p.exists() {
            anyhow::bail!("{}: exists; not overwriting it (use --force)", p.display());
        }
    }
    Ok(())
}

/// The output recording of a command that writes one.
#[derive(Args, Clone)]
pub struct OutputArgs {
    /// Output .sigmf-meta (the .sigmf-data goes beside it).
    #[arg(short = 'o', long)]
    pub output: std::path::PathBuf,
    /// Overwrite an existing recording.
    #[arg(long)]
    pub force: bool,
}

impl OutputArgs {
    /// Refuses an existing recording without `--force` ([`check_overwrite`]).
    pub fn check(&self) -> Result<()> {
        check_overwrite(&self.output, true, self.force)
    }
}
