//! The Monte-Carlo runner: SNR points × trials, one RNG stream per (point, trial), stop
//! rules on whole batches, shards by trial index and their merge.
//!
//! Determinism: trial `t` of the point at `snr_db` draws only from
//! `rng::stream(point_seed(seed, snr_db), t)`, and results are integer counts summed per
//! batch of [`BATCH`] consecutive trial indices, so the outcome does not depend on the
//! number of threads or on the order in which trials finish.
//!
//! Stop rule: after each batch, a point stops when its block errors so far reach
//! `min_errors` (0: never) or its trials reach `max_trials`.
//!
//! Shards: shard `i/n` runs the trials with `t mod n = i` of every batch and keeps its
//! per-batch counts. It stops a point when its *own* errors reach `min_errors`: the whole
//! run's errors up to that batch are at least as many, so the unsharded run has stopped
//! by then too, and every batch it used is present in every shard. [`merge`] adds the
//! shards batch by batch and applies the stop rule again, which gives the unsharded
//! result exactly.

use std::collections::BTreeMap;
use std::str::FromStr;

use nrkit_core::{rng, Error};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::stats::{wilson, Z95};

/// Trials per batch: the stop rule is checked after each batch.
pub const BATCH: u64 = 32;

/// The outcome of one trial.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Trial {
    /// Whether the block (code block, transport block, MIB) was lost.
    pub block_error: bool,
    /// Information bits in error.
    pub bit_errors: u64,
    /// Information bits sent.
    pub bits: u64,
    /// Decoder iterations (or transmissions), summed into the mean.
    pub iterations: u64,
}

/// A link under test: one trial at an SNR from its own random stream.
pub trait Link: Sync {
    /// The link's name (`ldpc`, `pdsch`, …).
    fn name(&self) -> &str;
    /// Its configuration as key/value pairs (written into the results; shards must agree).
    fn params(&self) -> BTreeMap<String, String>;
    /// What the SNR means for this link.
    fn snr_definition(&self) -> String;
    /// Runs one trial at `snr_db` drawing only from `rng`.
    fn trial(&self, snr_db: f64, rng: &mut ChaCha8Rng) -> Result<Trial, Error>;
}

/// Shard `index` of `count` (`i/n`, 0 ≤ i < n).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// i, from 0.
    pub index: u64,
    /// n ≥ 1.
    pub count: u64,
}

impl Shard {
    /// Whether trial `t` belongs to this shard.
    pub fn owns(self, t: u64) -> bool {
        t % self.count == self.index
    }
}

impl FromStr for Shard {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let bad = || Error::invalid("shard", "i/n with 0 <= i < n, for example 0/4", s);
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u64 = i.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count || count > 1_000_000 {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// What to run.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// SNR points, dB.
    pub snr_db: Vec<f64>,
    /// Trials per point at most (≥ 1).
    pub max_trials: u64,
    /// Stop a point once this many block errors are seen (0: run `max_trials`).
    pub min_errors: u64,
    /// Base seed.
    pub seed: u64,
    /// Run only this shard's trials (`None`: all).
    pub shard: Option<Shard>,
}

/// Counts of one batch (of one shard, or of all).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Batch {
    /// Trials run.
    pub trials: u64,
    /// Block errors.
    pub block_errors: u64,
    /// Bit errors.
    pub bit_errors: u64,
    /// Bits.
    pub bits: u64,
    /// Iterations summed.
    pub iterations: u64,
}

impl Batch {
    fn add(&mut self, o: &Batch) {
        self.trials += o.trials;
        self.block_errors += o.block_errors;
        self.bit_errors += o.bit_errors;
        self.bits += o.bits;
        self.iterations += o.iterations;
    }
}

/// The result at one SNR point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// SNR, dB (as [`SimResult::snr_definition`] says).
    pub snr_db: f64,
    /// Trials run.
    pub trials: u64,
    /// Blocks lost.
    pub block_errors: u64,
    /// block_errors / trials.
    pub bler: f64,
    /// Wilson 95 % interval of the BLER.
    pub bler_ci95: [f64; 2],
    /// Bit errors.
    pub bit_errors: u64,
    /// Bits.
    pub bits: u64,
    /// bit_errors / bits.
    pub ber: f64,
    /// Mean iterations per trial.
    pub mean_iterations: f64,
    /// The per-batch counts (what [`merge`] needs).
    pub batches: Vec<Batch>,
}

impl Point {
    /// The point's totals and statistics from its batches.
    pub fn from_batches(snr_db: f64, batches: Vec<Batch>) -> Point {
        let mut t = Batch::default();
        for b in &batches {
            t.add(b);
        }
        let (lo, hi) = wilson(t.block_errors, t.trials, Z95);
        let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        Point {
            snr_db,
            trials: t.trials,
            block_errors: t.block_errors,
            bler: ratio(t.block_errors, t.trials),
            bler_ci95: [lo, hi],
            bit_errors: t.bit_errors,
            bits: t.bits,
            ber: ratio(t.bit_errors, t.bits),
            mean_iterations: ratio(t.iterations, t.trials),
            batches,
        }
    }
}

/// A whole run (or one shard of it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimResult {
    /// The link's name.
    pub link: String,
    /// The link's configuration.
    pub params: BTreeMap<String, String>,
    /// What the SNR means.
    pub snr_definition: String,
    /// Base seed.
    pub seed: u64,
    /// Trials per point at most.
    pub max_trials: u64,
    /// The stop rule's error count (0: none).
    pub min_errors: u64,
    /// Trials per batch.
    pub batch: u64,
    /// The interval given per point.
    pub confidence: String,
    /// The shard this file holds (`null` for a whole or merged run).
    pub shard: Option<Shard>,
    /// The points, in the order asked for.
    pub points: Vec<Point>,
}

/// The interval every point carries.
pub const CONFIDENCE: &str = "Wilson score interval, two-sided 95 %";

/// The seed of the point at `snr_db` (its value in milli-dB, so a point keeps its trials
/// when the sweep around it changes).
pub fn point_seed(seed: u64, snr_db: f64) -> u64 {
    let key = (snr_db * 1000.0).round() as i64 as u64;
    splitmix(seed ^ splitmix(key))
}

fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn check_plan(p: &Plan) -> Result<(), Error> {
    if p.snr_db.is_empty() {
        return Err(Error::invalid("SNR points", "at least one", 0));
    }
    if let Some(s) = p
        .snr_db
        .iter()
        .find(|s| !(s.is_finite() && s.abs() <= 300.0))
    {
        return Err(Error::invalid("SNR point", "finite, within ±300 dB", s));
    }
    if p.max_trials == 0 || p.max_trials > 1u64 << 40 {
        return Err(Error::invalid("trials", "1..=2^40", p.max_trials));
    }
    Ok(())
}

/// Runs `plan` on `link` in `pool`; `progress` sees each point when it is done.
pub fn run(
    link: &dyn Link,
    plan: &Plan,
    pool: &rayon::ThreadPool,
    progress: &(dyn Fn(&Point) + Sync),
) -> Result<SimResult, Error> {
    check_plan(plan)?;
    let shard = plan.shard.unwrap_or(Shard { index: 0, count: 1 });
    let mut points = Vec::with_capacity(plan.snr_db.len());
    for &snr in &plan.snr_db {
        let seed = point_seed(plan.seed, snr);
        let mut batches = Vec::new();
        let mut errors = 0u64;
        let mut lo = 0u64;
        while lo < plan.max_trials {
            let hi = (lo + BATCH).min(plan.max_trials);
            let idx: Vec<u64> = (lo..hi).filter(|&t| shard.owns(t)).collect();
            let outs: Vec<Result<Trial, Error>> = pool.install(|| {
                idx.par_iter()
                    .map(|&t| link.trial(snr, &mut rng::stream(seed, t)))
                    .collect()
            });
            let mut b = Batch::default();
            for o in outs {
                let o = o?;
                b.trials += 1;
                b.block_errors += u64::from(o.block_error);
                b.bit_errors += o.bit_errors;
                b.bits += o.bits;
                b.iterations += o.iterations;
            }
            errors += b.block_errors;
            batches.push(b);
            lo = hi;
            if plan.min_errors > 0 && errors >= plan.min_errors {
                break;
            }
        }
        let p = Point::from_batches(snr, batches);
        progress(&p);
        points.push(p);
    }
    Ok(SimResult {
        link: link.name().to_string(),
        params: link.params(),
        snr_definition: link.snr_definition(),
        seed: plan.seed,
        max_trials: plan.max_trials,
        min_errors: plan.min_errors,
        batch: BATCH,
        confidence: CONFIDENCE.to_string(),
        shard: plan.shard.filter(|s| s.count > 1),
        points,
    })
}

/// Why shards cannot be merged.
fn mismatch(what: &str) -> Error {
    Error::invalid(
        "shards to merge",
        "outputs of one run's shards 0..n-1",
        what,
    )
}

/// Merges the outputs of shards `0/n … (n−1)/n` of one run (any order) into the result the
/// unsharded run gives.
pub fn merge(parts: &[SimResult]) -> Result<SimResult, Error> {
    let first = parts.first().ok_or_else(|| mismatch("no files"))?;
    let n = match first.shard {
        Some(s) => s.count,
        None if parts.len() == 1 => return Ok(first.clone()),
        None => return Err(mismatch("a file that is not a shard (no \"shard\")")),
    };
    let mut seen = vec![false; n as usize];
    for p in parts {
        let s = p
            .shard
            .ok_or_else(|| mismatch("a file that is not a shard"))?;
        if s.count != n {
            return Err(mismatch(&format!(
                "shards of {} and of {} parts",
                n, s.count
            )));
        }
        if std::mem::replace(&mut seen[s.index as usize], true) {
            return Err(mismatch(&format!("shard {s} given twice")));
        }
        let same = p.link == first.link
            && p.params == first.params
            && p.snr_definition == first.snr_definition
            && p.seed == first.seed
            && p.max_trials == first.max_trials
            && p.min_errors == first.min_errors
            && p.batch == first.batch
            && p.points.len() == first.points.len()
            && p.points
                .iter()
                .zip(&first.points)
                .all(|(a, b)| a.snr_db == b.snr_db);
        if !same {
            return Err(mismatch(&format!(
                "shard {s} was run with another link, configuration, seed, SNR list or stop rule"
            )));
        }
    }
    if let Some(i) = seen.iter().position(|&x| !x) {
        return Err(mismatch(&format!("shard {i}/{n} is missing")));
    }
    let mut points = Vec::with_capacity(first.points.len());
    for (pi, p0) in first.points.iter().enumerate() {
        let lens: Vec<usize> = parts.iter().map(|p| p.points[pi].batches.len()).collect();
        let common = *lens.iter().min().unwrap_or(&0);
        let mut merged = Vec::with_capacity(common);
        let mut errors = 0u64;
        let mut stopped = false;
        for b in 0..common {
            let mut m = Batch::default();
            for p in parts {
                m.add(&p.points[pi].batches[b]);
            }
            errors += m.block_errors;
            merged.push(m);
            if first.min_errors > 0 && errors >= first.min_errors {
                stopped = true;
                break;
            }
        }
        let full = first.max_trials.div_ceil(first.batch) as usize;
        if !stopped && (common != full || lens.iter().any(|&l| l != full)) {
            return Err(mismatch(&format!(
                "the batches of the point at {} dB do not add up to a run (a shard stopped early without enough errors)",
                p0.snr_db
            )));
        }
        points.push(Point::from_batches(p0.snr_db, merged));
    }
    Ok(SimResult {
        shard: None,
        points,
        ..first.clone()
    })
}

/// Parses `A:STEP:B` (or one value `A`) into the SNR points A, A+STEP, … ≤ B (at most
/// 1000).
pub fn parse_snr_range(s: &str) -> Result<Vec<f64>, Error> {
    let bad = || {
        Error::invalid(
            "SNR range",
            "A:STEP:B in dB (for example -2:0.5:4) or one value",
            s,
        )
    };
    let v: Vec<f64> = s
        .split(':')
        .map(|x| x.trim().parse::<f64>().map_err(|_| bad()))
        .collect::<Result<_, _>>()?;
    let (a, step, b) = match v[..] {
        [a] => (a, 1.0, a),
        [a, step, b] => (a, step, b),
        _ => return Err(bad()),
    };
    if !(a.is_finite() && b.is_finite() && step.is_finite() && step > 0.0 && b >= a) {
        return Err(bad());
    }
    let n = ((b - a) / step + 1e-9).floor() + 1.0;
    if n > 1000.0 {
        return Err(Error::invalid(
            "SNR range",
            "at most 1000 points (use a larger STEP)",
            s,
        ));
    }
    // Rounded to the milli-dB that seeds each point.
    Ok((0..n as usize)
        .map(|i| ((a + step * i as f64) * 1000.0).round() / 1000.0)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    /// A link whose block errors are Bernoulli with a rate set by the SNR.
    struct Coin;
    impl Link for Coin {
        fn name(&self) -> &str {
            "coin"
        }
        fn params(&self) -> BTreeMap<String, String> {
            BTreeMap::new()
        }
        fn snr_definition(&self) -> String {
            "p = 10^(-snr/10)".into()
        }
        fn trial(&self, snr_db: f64, r: &mut ChaCha8Rng) -> Result<Trial, Error> {
            let p = 10f64.powf(-snr_db / 10.0);
            let e = r.random::<f64>() < p;
            Ok(Trial {
                block_error: e,
                bit_errors: u64::from(e) * r.random_range(1..5),
                bits: 8,
                iterations: r.random_range(1..10),
            })
        }
    }

    fn pool(n: usize) -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .unwrap()
    }

    fn plan(shard: Option<Shard>) -> Plan {
        Plan {
            snr_db: parse_snr_range("0:3:12").unwrap(),
            max_trials: 500,
            min_errors: 40,
            seed: 7,
            shard,
        }
    }

    #[test]
    fn threads_and_shards_give_the_same_result() {
        let one = run(&Coin, &plan(None), &pool(1), &|_| {}).unwrap();
        let two = run(&Coin, &plan(None), &pool(2), &|_| {}).unwrap();
        assert_eq!(one, two);
        // 0 dB: every trial fails, so the point stops after the first batch.
        assert_eq!(one.points[0].trials, BATCH * 2);
        assert_eq!(one.points[0].block_errors, BATCH * 2);
        // 12 dB: p ≈ 0.063, 40 errors need most of the 500 trials or all of them.
        assert!(one.points[4].trials > 300, "{:?}", one.points[4].trials);
        for n in [2u64, 3, 4] {
            let parts: Vec<SimResult> = (0..n)
                .rev()
                .map(|i| {
                    let s = Shard { index: i, count: n };
                    run(&Coin, &plan(Some(s)), &pool(1), &|_| {}).unwrap()
                })
                .collect();
            assert_eq!(merge(&parts).unwrap(), one, "{n} shards");
            // Not every shard, or one twice: refused.
            assert!(merge(&parts[1..]).is_err());
            let mut dup = parts.clone();
            dup[0] = parts[1].clone();
            assert!(merge(&dup).is_err());
        }
    }

    #[test]
    fn stop_rule_and_statistics() {
        let r = run(&Coin, &plan(None), &pool(2), &|_| {}).unwrap();
        for p in &r.points {
            let errors_before_last: u64 = p.batches[..p.batches.len() - 1]
                .iter()
                .map(|b| b.block_errors)
                .sum();
            assert!(errors_before_last < 40, "stopped late at {} dB", p.snr_db);
            assert!(p.block_errors >= 40 || p.trials == 500);
            assert!(p.bler_ci95[0] <= p.bler && p.bler <= p.bler_ci95[1]);
            let want = 10f64.powf(-p.snr_db / 10.0);
            assert!(
                p.bler_ci95[0] - 0.02 <= want && want <= p.bler_ci95[1] + 0.02,
                "{p:?}"
            );
        }
    }

    #[test]
    fn snr_ranges_and_shards_parse() {
        assert_eq!(
            parse_snr_range("-1:0.5:0.2").unwrap(),
            vec![-1.0, -0.5, 0.0]
        );
        assert_eq!(parse_snr_range("3").unwrap(), vec![3.0]);
        for bad in ["", "1:0:2", "2:1:1", "a:1:2", "0:1e-6:100", "1:2", "nan"] {
            assert!(parse_snr_range(bad).is_err(), "{bad}");
        }
        assert_eq!(
            "1/4".parse::<Shard>().unwrap(),
            Shard { index: 1, count: 4 }
        );
        for bad in ["4/4", "0/0", "1", "-1/2", "a/b"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }
}
