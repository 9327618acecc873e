//! A result as JSON (everything, including the per-batch counts [`crate::merge`] needs) or
//! as CSV (one row per SNR point, `#` comment lines with the configuration).

use std::fmt::Write as _;

use nrkit_core::Error;

use std::collections::BTreeMap;

use crate::runner::{Point, SimResult};

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

/// Parses what [`to_csv`] wrote (the points carry no per-batch counts, so such a result
/// can be plotted but not merged).
pub fn from_csv(text: &str) -> Result<SimResult, Error> {
    let bad = |why: String| {
        Error::invalid(
            "simulation CSV",
            "the CSV `nrkit simulate --csv` writes",
            why,
        )
    };
    let mut lines = text.lines();
    let link = lines
        .next()
        .and_then(|l| l.strip_prefix("# nrkit simulate "))
        .ok_or_else(|| bad("no '# nrkit simulate LINK' first line".into()))?
        .trim()
        .to_string();
    let mut params = BTreeMap::new();
    let (mut snr_definition, mut confidence) = (String::new(), String::new());
    let (mut seed, mut max_trials, mut min_errors, mut batch) = (0, 0, 0, 0);
    let mut points = Vec::new();
    let mut header = false;
    for (n, l) in lines.enumerate() {
        let at = n + 2;
        if let Some(c) = l.strip_prefix("# ") {
            if let Some(d) = c.strip_prefix("snr: ") {
                snr_definition = d.to_string();
            } else if c.starts_with("seed = ") {
                let (counts, conf) = c.split_once("; ").unwrap_or((c, ""));
                confidence = conf.to_string();
                for kv in counts.split(", ") {
                    let (k, v) = kv.split_once(" = ").unwrap_or((kv, ""));
                    let v: u64 = v.parse().map_err(|_| bad(format!("line {at}: {kv}")))?;
                    match k {
                        "seed" => seed = v,
                        "max_trials" => max_trials = v,
                        "min_errors" => min_errors = v,
                        "batch" => batch = v,
                        _ => {}
                    }
                }
            } else if let Some((k, v)) = c.split_once(" = ") {
                params.insert(k.to_string(), v.to_string());
            }
            continue;
        }
        if l == CSV_HEADER {
            header = true;
            continue;
        }
        if l.trim().is_empty() {
            continue;
        }
        if !header {
            return Err(bad(format!("line {at}: a row before the header")));
        }
        let f: Vec<&str> = l.split(',').collect();
        if f.len() != 10 {
            return Err(bad(format!("line {at}: {} fields, not 10", f.len())));
        }
        let num = |i: usize| -> Result<f64, Error> {
            f[i].parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| bad(format!("line {at}: field {} is {:?}", i + 1, f[i])))
        };
        let int = |i: usize| -> Result<u64, Error> {
            f[i].parse::<u64>()
                .map_err(|_| bad(format!("line {at}: field {} is {:?}", i + 1, f[i])))
        };
        points.push(Point {
            snr_db: num(0)?,
            trials: int(1)?,
            block_errors: int(2)?,
            bler: num(3)?,
            bler_ci95: [num(4)?, num(5)?],
            bit_errors: int(6)?,
            bits: int(7)?,
            ber: num(8)?,
            mean_iterations: num(9)?,
            batches: Vec::new(),
        });
    }
    if !header {
        return Err(bad("no header row".into()));
    }
    Ok(SimResult {
        link,
        params,
        snr_definition,
        seed,
        max_trials,
        min_errors,
        batch,
        confidence,
        shard: None,
        points,
    })
}
