//! # nrkit-bench — the benchmark cases
//!
//! One table, [`CASES`], from which `nrkit bench` (its kernel list, `--help`, `--list`
//! and `--json`), the README's kernel table and the criterion benches under `benches/`
//! are all produced, so they cannot drift. A case builds its [`Item`]s — the inputs,
//! plans and buffers made outside the timed loop, plus the operation to time — for the
//! ISAs asked for; [`run`] times each (median of 5 batches after a warm-up, or the mean of
//! whole runs for the long ones) and reports ns per operation and throughput.
//!
//! Inputs are realistic: noisy, distinct and bounded (never inf/NaN).
#![deny(missing_docs)]
#![forbid(unsafe_code)]

use std::time::{Duration, Instant};

use nrkit_dsp::Isa;
use serde::Serialize;
use serde_json::{json, Value};

mod cases;

pub use cases::{FFT_SIZES, OFDM_CARRIERS};

/// Errors of building or running a case (a library error, or a failed operation).
pub type BenchError = Box<dyn std::error::Error + Send + Sync>;

/// The operation of an item: one call is one unit of `work`.
pub type Op = Box<dyn FnMut() -> Result<(), BenchError>>;

/// How an item is timed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Timing {
    /// Median of 5 batches sized to fill the budget, after a warm-up call.
    Batches,
    /// Mean over whole calls until the budget is spent, at least `min_runs` (for calls of
    /// about a second).
    Runs {
        /// Fewest calls timed.
        min_runs: u32,
    },
}

/// One timed operation with what it reports.
pub struct Item {
    /// Its case's name.
    pub kernel: &'static str,
    /// Parameters (size, bandwidth, modulation, …; `threads` when it uses more than the
    /// calling thread).
    pub params: Value,
    /// The ISA it runs.
    pub isa: Isa,
    /// Work per call in `unit`s (samples, bits).
    pub work: f64,
    /// Unit of the throughput: work per µs = M units per second.
    pub unit: &'static str,
    /// A real-time budget per call in ns, and the parameter name under which the result
    /// reports ns / budget (for example `fraction_of_air_time`).
    pub budget: Option<(&'static str, f64)>,
    /// How it is timed.
    pub timing: Timing,
    /// The operation.
    pub op: Op,
}

impl Item {
    /// The criterion id: `<isa>/<params as key=value…>`.
    pub fn id(&self) -> String {
        let p = match &self.params {
            Value::Object(m) => m
                .iter()
                .map(|(k, v)| format!("{k}={}", v.to_string().trim_matches('"')))
                .collect::<Vec<_>>()
                .join(","),
            v => v.to_string(),
        };
        format!("{}/{}", self.isa.name(), p)
    }
}

/// What a case builds its items for.
#[derive(Debug, Clone)]
pub struct Setup {
    /// ISAs to run (each case runs on the ones it has).
    pub isas: Vec<Isa>,
    /// Whether the case was named explicitly (a case that needs something the machine may
    /// lack — a loopback device — fails instead of being skipped).
    pub named: bool,
}

/// A benchmark case: a row of the table.
pub struct Case {
    /// Kernel name (`nrkit bench NAME`).
    pub name: &'static str,
    /// What it measures, one line (the README table and `--list`).
    pub about: &'static str,
    /// Run only when named (a long or reference case).
    pub only_when_named: bool,
    /// Builds its items.
    pub build: fn(&Setup) -> Result<Vec<Item>, BenchError>,
}

/// The table of every benchmark case.
pub const CASES: &[Case] = cases::CASES;

/// The case names in table order.
pub fn names() -> Vec<&'static str> {
    CASES.iter().map(|c| c.name).collect()
}

/// The kernel table as Markdown (`| kernel | what it measures |`), as in the README.
pub fn markdown_table() -> String {
    let mut s = String::from("| kernel | what it measures |\n|---|---|\n");
    for c in CASES {
        let note = if c.only_when_named {
            " (only when named)"
        } else {
            ""
        };
        s.push_str(&format!("| `{}` | {}{note} |\n", c.name, c.about));
    }
    s
}

/// One measurement.
#[derive(Debug, Clone, Serialize)]
pub struct BenchResult {
    /// Kernel name.
    pub kernel: String,
    /// Parameters (size, bandwidth, modulation, …).
    pub params: Value,
    /// ISA that ran.
    pub isa: String,
    /// Nanoseconds per operation (median of the batches, or mean of the runs).
    pub ns_per_op: f64,
    /// Process CPU time per operation, ns (all threads; 10 ms resolution over the whole
    /// measurement, so coarse for short budgets); `null` where it cannot be read.
    pub cpu_ns_per_op: Option<f64>,
    /// Work per second in `unit`.
    pub throughput: f64,
    /// Unit of `throughput`.
    pub unit: String,
}

/// What to run.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Kernels to run (empty: every case not marked only-when-named).
    pub kernels: Vec<String>,
    /// ISAs to run (each kernel runs on the ones it has).
    pub isas: Vec<Isa>,
    /// Approximate time per measurement.
    pub time_per_result: Duration,
}

/// Validates kernel names; returns the unknown one, if any.
pub fn unknown_kernel(names: &[String]) -> Option<&String> {
    names
        .iter()
        .find(|n| !CASES.iter().any(|c| c.name == n.as_str()))
}

/// Facts about the machine for the report.
pub fn machine_info() -> Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|v| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    json!({
        "cpu": cpu,
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "arch": std::env::consts::ARCH,
        "os": std::env::consts::OS,
        "isa_available": Isa::available().iter().map(|i| i.name()).collect::<Vec<_>>(),
        "nrkit_version": env!("CARGO_PKG_VERSION"),
    })
}

/// Median ns per call of `f`, over 5 batches sized to fill `budget`, and the number of
/// calls made; the first error ends the timing.
pub fn time_op(budget: Duration, f: &mut Op) -> Result<(f64, u64), BenchError> {
    f()?;
    let t0 = Instant::now();
    f()?;
    let one = t0.elapsed().as_nanos().max(1) as f64;
    let per_batch = budget.as_nanos() as f64 / 5.0;
    let iters = ((per_batch / one) as u64).clamp(1, 1_000_000);
    let mut v = Vec::with_capacity(5);
    for _ in 0..5 {
        let t = Instant::now();
        for _ in 0..iters {
            f()?;
        }
        v.push(t.elapsed().as_nanos() as f64 / iters as f64);
    }
    v.sort_by(|a, b| a.total_cmp(b));
    Ok((v[2], 2 + 5 * iters))
}

/// Mean ns per call over whole calls until `budget` is spent (at least `min_runs`), and
/// the number of calls.
fn time_runs(budget: Duration, min_runs: u32, f: &mut Op) -> Result<(f64, u64), BenchError> {
    let t0 = Instant::now();
    let mut runs = 0u32;
    while runs < min_runs || t0.elapsed() < budget {
        f()?;
        runs += 1;
    }
    Ok((
        t0.elapsed().as_nanos() as f64 / f64::from(runs),
        u64::from(runs),
    ))
}

/// CPU time of the whole process so far (user + system, every thread), ns, from
/// `/proc/self/stat` (clock ticks of 10 ms: USER_HZ is 100 on Linux); `None` elsewhere.
fn process_cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name (which may hold spaces) close with ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let (utime, stime): (u64, u64) = (f.get(11)?.parse().ok()?, f.get(12)?.parse().ok()?);
    Some((utime + stime) * 10_000_000)
}

/// Times one item. Besides wall time it reports the process CPU time per call
/// (`cpu_ns_per_op`: all threads, 10 ms resolution over the whole measurement).
pub fn measure(mut item: Item, budget: Duration) -> Result<BenchResult, BenchError> {
    let cpu0 = process_cpu_ns();
    let (ns, calls) = match item.timing {
        Timing::Batches => time_op(budget, &mut item.op)?,
        Timing::Runs { min_runs } => time_runs(budget, min_runs, &mut item.op)?,
    };
    let cpu_ns_per_op = match (cpu0, process_cpu_ns()) {
        (Some(a), Some(b)) => Some(b.saturating_sub(a) as f64 / calls.max(1) as f64),
        _ => None,
    };
    let mut params = item.params;
    if let Value::Object(m) = &mut params {
        if let Some((key, b)) = item.budget {
            m.insert(key.into(), json!(ns / b));
        }
        // Items run on the calling thread unless they say otherwise (the blind scans).
        m.entry("threads").or_insert(json!(1));
    }
    Ok(BenchResult {
        kernel: item.kernel.into(),
        params,
        isa: item.isa.name().into(),
        ns_per_op: ns,
        cpu_ns_per_op,
        throughput: item.work / ns * 1e3,
        unit: item.unit.into(),
    })
}

/// Runs the selected cases; `progress` is told each item as it starts.
pub fn run(
    opts: &BenchOptions,
    mut progress: impl FnMut(&str),
) -> Result<Vec<BenchResult>, BenchError> {
    for &isa in &opts.isas {
        isa.require()?;
    }
    let mut out = Vec::new();
    for case in CASES {
        let named = opts.kernels.iter().any(|k| k == case.name);
        let wanted = named || (opts.kernels.is_empty() && !case.only_when_named);
        if !wanted {
            continue;
        }
        progress(case.name);
        let setup = Setup {
            isas: opts.isas.clone(),
            named,
        };
        let items = (case.build)(&setup).map_err(|e| format!("{}: {e}", case.name))?;
        for item in items {
            progress(&format!("{}/{}", case.name, item.id()));
            out.push(
                measure(item, opts.time_per_result).map_err(|e| format!("{}: {e}", case.name))?,
            );
        }
    }
    Ok(out)
}
