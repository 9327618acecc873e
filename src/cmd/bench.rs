//! `nrkit bench`: time the kernels per ISA, from the one case table of `nrkit-bench`.

use std::io::IsTerminal;
use std::time::Duration;

use anyhow::{bail, Result};
use clap::Args as ClapArgs;
use indicatif::ProgressBar;
use nrkit::bench::{self, BenchOptions};
use serde_json::json;

use super::common::output::print_json;
use super::common::{runtime, Ctx};

/// Options of `nrkit bench`.
#[derive(ClapArgs)]
pub struct Args {
    /// Kernels to run (default: every one not marked "only when named"; see --list).
    #[arg(help = kernels_help())]
    pub kernels: Vec<String>,
    /// Print JSON: {"machine": {...}, "kernels": [...], "results": [...]}.
    #[arg(long)]
    pub json: bool,
    /// Milliseconds per measurement (10..=600000).
    #[arg(long, default_value_t = 300)]
    pub time_ms: u64,
    /// Print the kernel table (Markdown, as in the README) and exit.
    #[arg(long)]
    pub list: bool,
}

/// The help of the kernel argument: every name of the case table.
fn kernels_help() -> String {
    format!(
        "Kernels to run (default: every one not marked \"only when named\"; see --list): {}",
        bench::names().join(", ")
    )
}

/// Runs `nrkit bench`.
pub fn run(a: Args, ctx: &Ctx) -> Result<()> {
    if a.list {
        outln!("{}", bench::markdown_table().trim_end());
        return Ok(());
    }
    if let Some(k) = bench::unknown_kernel(&a.kernels) {
        bail!("unknown kernel {k:?}; known: {}", bench::names().join(", "));
    }
    if !(10..=600_000).contains(&a.time_ms) {
        bail!("--time-ms {}: must be 10..=600000", a.time_ms);
    }
    let opts = BenchOptions {
        kernels: a.kernels.clone(),
        isas: ctx.bench_isas(),
        time_per_result: Duration::from_millis(a.time_ms),
    };
    let spinner = if std::io::stderr().is_terminal() {
        ProgressBar::new_spinner()
    } else {
        ProgressBar::hidden()
    };
    let results = bench::run(&opts, |m| spinner.set_message(m.to_string()))
        .map_err(|e| runtime(e.to_string()))?;
    spinner.finish_and_clear();
    if a.json {
        print_json(
            &json!({"machine": bench::machine_info(), "kernels": bench::names(), "results": results}),
        )?;
    } else {
        outln!(
            "{:<14} {:<8} {:<52} {:>14} {:>12}",
            "kernel",
            "isa",
            "params",
            "ns/op",
            "throughput"
        );
        for r in &results {
            outln!(
                "{:<14} {:<8} {:<52} {:>14.1} {:>8.1} {}",
                r.kernel,
                r.isa,
                r.params.to_string(),
                r.ns_per_op,
                r.throughput,
                r.unit
            );
        }
    }
    Ok(())
}
