//! A result as JSON (everything, including the per-batch counts [`crate::merge`] needs) or
//! as CSV (one row per SNR point, `#` comment lines with the configuration).

use std::fmt::Write as _;

use nrkit_core::Error;

use crate::runner::SimResult;

/// The CSV columns.
pub const CSV_HEADER: &str =
    "snr_db,trials,block_errors,bler,bler_ci_low,bler_ci_high,bit_errors,bits,ber,mean_iterations";

/// Pretty JSON with a final newline.
pub fn to_json(r: &SimResult) -> String {
    let mut s = serde_json::to_string_pretty(r).expect("a SimResult serializes");
    s.push('\n');
    s
}

/// Parses what [`to_json`] wrote.
pub fn from_json(text: &str) -> Result<SimResult, Error> {
    serde_json::from_str(text).map_err(|e| {
        Error::invalid(
            "simulation result",
            "the JSON `nrkit simulate --json` writes",
            e,
        )
    })
}

/// The CSV form.
pub fn to_csv(r: &SimResult) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# nrkit simulate {}", r.link);
    for (k, v) in &r.params {
        let _ = writeln!(s, "# {k} = {v}");
    }
    let _ = writeln!(s, "# snr: {}", r.snr_definition);
    let _ = writeln!(
        s,
        "# seed = {}, max_trials = {}, min_errors = {}, batch = {}; {}",
        r.seed, r.max_trials, r.min_errors, r.batch, r.confidence
    );
    if let Some(sh) = r.shard {
        let _ = writeln!(
            s,
            "# shard {sh} (partial: merge the JSON outputs of all shards)"
        );
    }
    s.push_str(CSV_HEADER);
    s.push('\n');
    for p in &r.points {
        let _ = writeln!(
            s,
            "{},{},{},{:.6e},{:.6e},{:.6e},{},{},{:.6e},{:.3}",
            p.snr_db,
            p.trials,
            p.block_errors,
            p.bler,
            p.bler_ci95[0],
            p.bler_ci95[1],
            p.bit_errors,
            p.bits,
            p.ber,
            p.mean_iterations
        );
    }
    s
}
