//! Channel estimation on reference signals, shared by every downlink receiver (the PBCH
//! DMRS of TS 38.211 §7.4.1.4 today; the PDCCH and PDSCH DMRS of §7.4.1.3 and §7.4.1.1 use
//! the same pieces).
//!
//! * [`ls`], [`ls_unit`]: least-squares estimates z = y·r*/|r|² at the reference REs.
//! * [`SlopeSet`], [`fit_gain_slope`]: a channel flat per OFDM symbol with a common timing
//!   slope, h(k, l) = g_l·e^(jαk), fitted to the LS estimates over a set of slope hypotheses;
//!   the noise variance comes from the residual.
//! * [`timing_slope`]: the phase slope α (rad per subcarrier) measured directly from the
//!   LS estimates of one symbol (a timing error of τ samples at FFT size N is α = −2πτ/N).
//! * [`interpolate_freq`], [`interpolate_time`]: linear interpolation of estimates from the
//!   reference subcarriers to every subcarrier (constant beyond the outermost ones), and
//!   from the reference symbols to every symbol.
//! * [`noise_from_pairs`]: the noise variance from differences of neighbouring estimates of
//!   a channel that is flat over the pair.
//!
//! Conventions: subcarrier k counts from the lowest of the band the caller indexes; a
//! reference position is `(k, l)`; noise variances are per complex RE (E|n|²).

use nrkit_core::{Error, C32};

/// Least-squares estimates at reference REs: `out[i] = y[i]·conj(r[i]) / |r[i]|²`
/// (`0` where r is 0).
pub fn ls(y: &[C32], r: &[C32], out: &mut [C32]) -> Result<(), Error> {
    Error::check_len("reference symbols", y.len(), r.len())?;
    Error::check_len("LS output", y.len(), out.len())?;
    for ((o, a), b) in out.iter_mut().zip(y).zip(r) {
        let p = b.norm_sqr();
        *o = if p > 0.0 {
            a * b.conj() / p
        } else {
            C32::default()
        };
    }
    Ok(())
}

/// [`ls`] for unit-modulus reference symbols (every NR DMRS before its amplitude
/// scaling): `out[i] = y[i]·conj(r[i])`.
pub fn ls_unit(y: &[C32], r: &[C32], out: &mut [C32]) -> Result<(), Error> {
    Error::check_len("reference symbols", y.len(), r.len())?;
    Error::check_len("LS output", y.len(), out.len())?;
    for ((o, a), b) in out.iter_mut().zip(y).zip(r) {
        *o = a * b.conj();
    }
    Ok(())
}

/// Timing-slope hypotheses α_i (rad per subcarrier), each as its derotation table
/// e^(−jα_i·k) for k = 0…n_sc−1.
#[derive(Debug, Clone)]
pub struct SlopeSet {
    alphas: Vec<f64>,
    tables: Vec<Vec<C32>>,
}

impl SlopeSet {
    /// Tables for `alphas` over `n_sc` subcarriers.
    pub fn new(alphas: &[f64], n_sc: usize) -> Self {
        let tables = alphas
            .iter()
            .map(|&a| rotations(0.0, -a, n_sc).collect())
            .collect();
        SlopeSet {
            alphas: alphas.to_vec(),
            tables,
        }
    }

    /// Number of hypotheses.
    pub fn len(&self) -> usize {
        self.alphas.len()
    }

    /// Whether there is no hypothesis.
    pub fn is_empty(&self) -> bool {
        self.alphas.is_empty()
    }

    /// α of hypothesis `i`, rad per subcarrier.
    pub fn alpha(&self, i: usize) -> f64 {
        self.alphas[i]
    }

    /// e^(−jα_i·k), k = 0…n_sc−1.
    pub fn derotation(&self, i: usize) -> &[C32] {
        &self.tables[i]
    }
}

/// e^(j(start + step·n)) for n = 0…len−1, by a rotation recurrence in f64 (accurate to
/// ~1e-13 rad over a few thousand steps).
pub fn rotations(start: f64, step: f64, len: usize) -> impl Iterator<Item = C32> {
    let (ss, cs) = step.sin_cos();
    let mut cur = (start.cos(), start.sin());
    (0..len).map(move |_| {
        let v = C32::new(cur.0 as f32, cur.1 as f32);
        cur = (cur.0 * cs - cur.1 * ss, cur.0 * ss + cur.1 * cs);
        v
    })
}

/// A channel flat per symbol with a common timing slope: h(k, l) = g_l·e^(jαk).
#[derive(Debug, Clone, PartialEq)]
pub struct GainSlope {
    /// Index of the chosen hypothesis in the [`SlopeSet`].
    pub slope: usize,
    /// g_l per symbol (0 for symbols without reference REs).
    pub gains: Vec<C32>,
    /// Reference REs per symbol.
    pub counts: Vec<usize>,
    /// Σ_l |Σ_k z·e^(−jαk)| over the symbols with reference REs: the fit's score.
    pub score: f32,
    /// Coherent energy fraction Σ_l |acc_l|²/n_l / Σ|z|² (≈ symbols/REs for noise, → 1
    /// for a clean flat channel).
    pub coherent_fraction: f32,
}

impl GainSlope {
    /// h(k, l) under `slopes` (the set the fit was made with).
    pub fn at(&self, slopes: &SlopeSet, k: usize, l: usize) -> C32 {
        self.gains[l] * slopes.derotation(self.slope)[k].conj()
    }

    /// Mean |g_l|² over the symbols with reference REs.
    pub fn signal_power(&self) -> f64 {
        let (mut s, mut n) = (0f64, 0usize);
        for (g, &c) in self.gains.iter().zip(&self.counts) {
            if c > 0 {
                s += f64::from(g.norm_sqr());
                n += 1;
            }
        }
        if n == 0 {
            0.0
        } else {
            s / n as f64
        }
    }

    /// Noise variance per RE from the residual of the LS estimates `z` at `pos`, with one
    /// degree of freedom per fitted gain; floored at 1e-30.
    pub fn noise_var(&self, slopes: &SlopeSet, pos: &[(usize, usize)], z: &[C32]) -> f64 {
        let mut noise = 0f64;
        for (&(k, l), zz) in pos.iter().zip(z) {
            noise += f64::from((zz - self.at(slopes, k, l)).norm_sqr());
        }
        let fitted = self.counts.iter().filter(|&&c| c > 0).count();
        let dof = pos.len().saturating_sub(fitted).max(1);
        (noise / dof as f64).max(1e-30)
    }
}

/// Fits h(k, l) = g_l·e^(jαk) to the LS estimates `z` at `pos` (symbols `0..n_symbols`):
/// per hypothesis α the per-symbol coherent sums acc_l = Σ z·e^(−jαk); the hypothesis with
/// the largest Σ_l |acc_l| wins (the first on a tie) and g_l = acc_l / n_l.
pub fn fit_gain_slope(
    pos: &[(usize, usize)],
    z: &[C32],
    n_symbols: usize,
    slopes: &SlopeSet,
) -> Result<GainSlope, Error> {
    Error::check_len("LS estimates", pos.len(), z.len())?;
    if slopes.is_empty() {
        return Err(Error::invalid("slope hypotheses", ">= 1", 0));
    }
    let mut counts = vec![0usize; n_symbols];
    for &(_, l) in pos {
        if l >= n_symbols {
            return Err(Error::invalid(
                "reference symbol",
                format!("< {n_symbols}"),
                l,
            ));
        }
        counts[l] += 1;
    }
    let mut best = (f32::MIN, 0usize, vec![C32::default(); n_symbols]);
    let mut acc = vec![C32::default(); n_symbols];
    for si in 0..slopes.len() {
        let tab = slopes.derotation(si);
        acc.iter_mut().for_each(|a| *a = C32::default());
        for (&(k, l), zz) in pos.iter().zip(z) {
            acc[l] += zz * tab[k];
        }
        let score: f32 = acc
            .iter()
            .zip(&counts)
            .filter(|(_, &c)| c > 0)
            .map(|(a, _)| a.norm())
            .sum();
        if score > best.0 {
            best = (score, si, acc.clone());
        }
    }
    let (score, slope, acc) = best;
    let tot: f32 = z.iter().map(|v| v.norm_sqr()).sum();
    let coh: f32 = acc
        .iter()
        .zip(&counts)
        .filter(|(_, &c)| c > 0)
        .map(|(a, &c)| a.norm_sqr() / c as f32)
        .sum();
    let gains = acc
        .iter()
        .zip(&counts)
        .map(|(a, &c)| if c > 0 { a / c as f32 } else { C32::default() })
        .collect();
    Ok(GainSlope {
        slope,
        gains,
        counts,
        score,
        coherent_fraction: if tot > 0.0 { coh / tot } else { 0.0 },
    })
}

/// The phase slope α (rad per subcarrier) of LS estimates `z` at ascending subcarriers
/// `k` of one symbol: arg Σ z_{i+1}·z_i* / (k_{i+1} − k_i), the pairs weighted by their
/// product's magnitude. Valid for |α|·max(Δk) < π.
pub fn timing_slope(k: &[usize], z: &[C32]) -> Result<f64, Error> {
    Error::check_len("LS estimates", k.len(), z.len())?;
    if k.len() < 2 {
        return Err(Error::invalid("reference subcarriers", ">= 2", k.len()));
    }
    let mut acc = nrkit_core::C64::new(0.0, 0.0);
    for i in 0..k.len() - 1 {
        let dk = k[i + 1]
            .checked_sub(k[i])
            .filter(|&d| d > 0)
            .ok_or_else(|| {
                Error::invalid("reference subcarriers", "strictly ascending", k[i + 1])
            })?;
        let p = z[i + 1] * z[i].conj();
        // Unwrap to one subcarrier: the pair's phase divided by its spacing, weighted.
        let ph = f64::from(p.arg()) / dk as f64;
        let m = f64::from(p.norm());
        acc += nrkit_core::C64::from_polar(m, ph);
    }
    Ok(acc.arg())
}

/// Linear interpolation in frequency: from estimates `h` at ascending subcarriers `k` to
/// every subcarrier `0..out.len()`; below the first and above the last reference the
/// outermost estimate is held.
pub fn interpolate_freq(k: &[usize], h: &[C32], out: &mut [C32]) -> Result<(), Error> {
    Error::check_len("estimates", k.len(), h.len())?;
    if k.is_empty() {
        return Err(Error::invalid("reference subcarriers", ">= 1", 0));
    }
    if k.windows(2).any(|w| w[1] <= w[0]) {
        return Err(Error::invalid(
            "reference subcarriers",
            "strictly ascending",
            "unordered",
        ));
    }
    let mut seg = 0;
    for (i, o) in out.iter_mut().enumerate() {
        while seg + 1 < k.len() && k[seg + 1] <= i {
            seg += 1;
        }
        *o = if i <= k[0] {
            h[0]
        } else if seg + 1 >= k.len() {
            h[k.len() - 1]
        } else {
            let t = (i - k[seg]) as f32 / (k[seg + 1] - k[seg]) as f32;
            h[seg] * (1.0 - t) + h[seg + 1] * t
        };
    }
    Ok(())
}

/// Linear interpolation in time: `grid[l]` holds the estimate of every subcarrier for the
/// reference symbols `ref_symbols` (ascending) and is filled for all other symbols
/// (`grid.len()` symbols in all); before the first and after the last reference symbol the
/// nearest one is held.
pub fn interpolate_time(ref_symbols: &[usize], grid: &mut [Vec<C32>]) -> Result<(), Error> {
    if ref_symbols.is_empty() {
        return Err(Error::invalid("reference symbols", ">= 1", 0));
    }
    if ref_symbols.windows(2).any(|w| w[1] <= w[0])
        || *ref_symbols.last().expect("not empty") >= grid.len()
    {
        return Err(Error::invalid(
            "reference symbols",
            format!("strictly ascending, < {}", grid.len()),
            format!("{ref_symbols:?}"),
        ));
    }
    let n_sc = grid[ref_symbols[0]].len();
    for &l in ref_symbols {
        Error::check_len("reference symbol estimates", n_sc, grid[l].len())?;
    }
    for l in 0..grid.len() {
        if ref_symbols.contains(&l) {
            continue;
        }
        let after = ref_symbols.iter().position(|&r| r > l);
        let row: Vec<C32> = match after {
            Some(0) => grid[ref_symbols[0]].clone(),
            None => grid[*ref_symbols.last().expect("not empty")].clone(),
            Some(j) => {
                let (a, b) = (ref_symbols[j - 1], ref_symbols[j]);
                let t = (l - a) as f32 / (b - a) as f32;
                grid[a]
                    .iter()
                    .zip(&grid[b])
                    .map(|(x, y)| x * (1.0 - t) + y * t)
                    .collect()
            }
        };
        grid[l] = row;
    }
    Ok(())
}

/// Noise variance per RE from pairs of LS estimates of the same channel value (for example
/// the two REs of one CDM pair, or neighbouring reference subcarriers of a flat channel):
/// E|z_a − z_b|² / 2. Floored at 1e-30.
pub fn noise_from_pairs(pairs: impl IntoIterator<Item = (C32, C32)>) -> f64 {
    let (mut s, mut n) = (0f64, 0usize);
    for (a, b) in pairs {
        s += f64::from((a - b).norm_sqr());
        n += 1;
    }
    if n == 0 {
        return 1e-30;
    }
    (s / (2.0 * n as f64)).max(1e-30)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nrkit_core::rng;

    fn close(a: C32, b: C32, tol: f32) -> bool {
        (a - b).norm() <= tol
    }

    #[test]
    fn ls_divides_out_the_reference() {
        let r = [C32::new(0.0, 2.0), C32::new(1.0, -1.0), C32::default()];
        let h = C32::new(0.3, -0.4);
        let y: Vec<C32> = r.iter().map(|v| v * h).collect();
        let mut z = [C32::default(); 3];
        ls(&y, &r, &mut z).unwrap();
        assert!(close(z[0], h, 1e-6) && close(z[1], h, 1e-6));
        assert_eq!(z[2], C32::default());
        assert!(ls(&y, &r[..2], &mut z).is_err());
        let u = [C32::new(0.6, 0.8); 3];
        let y: Vec<C32> = u.iter().map(|v| v * h).collect();
        ls_unit(&y, &u, &mut z).unwrap();
        assert!(z.iter().all(|v| close(*v, h, 1e-6)));
    }

    #[test]
    fn gain_slope_fit_recovers_gains_slope_and_noise() {
        // Three symbols of 48 REs every 4th subcarrier, gains per symbol, slope α = 0.05.
        let alphas: Vec<f64> = (-4..=4).map(|q| f64::from(q) * 0.025).collect();
        let slopes = SlopeSet::new(&alphas, 240);
        let g = [
            C32::default(),
            C32::new(1.0, 0.5),
            C32::new(-0.2, 0.9),
            C32::new(0.7, -0.7),
        ];
        let mut pos = Vec::new();
        for l in 1..4 {
            for k in (0..192).step_by(4) {
                pos.push((k, l));
            }
        }
        let mut r = rng::stream(5, 0);
        let nv = 1e-3;
        let z: Vec<C32> = pos
            .iter()
            .map(|&(k, l)| {
                let ph = 0.05 * k as f64;
                g[l] * C32::new(ph.cos() as f32, ph.sin() as f32) + rng::complex_normal(&mut r, nv)
            })
            .collect();
        let fit = fit_gain_slope(&pos, &z, 4, &slopes).unwrap();
        assert_eq!(slopes.alpha(fit.slope), 0.05);
        for (l, (got, want)) in fit.gains.iter().zip(&g).enumerate().skip(1) {
            assert!(close(*got, *want, 0.02), "{l}: {got:?}");
        }
        assert_eq!(fit.counts, vec![0, 48, 48, 48]);
        let est = fit.noise_var(&slopes, &pos, &z);
        assert!((est / nv - 1.0).abs() < 0.2, "{est}");
        assert!(fit.coherent_fraction > 0.9);
        assert!((fit.signal_power() - (1.25 + 0.85 + 0.98) / 3.0).abs() < 0.03);
        // Noise alone: a small coherent fraction.
        let noise: Vec<C32> = pos
            .iter()
            .map(|_| rng::complex_normal(&mut r, 1.0))
            .collect();
        let f = fit_gain_slope(&pos, &noise, 4, &slopes).unwrap();
        assert!(f.coherent_fraction < 0.15, "{}", f.coherent_fraction);
        assert!(fit_gain_slope(&pos, &z, 3, &slopes).is_err());
    }

    #[test]
    fn timing_slope_measures_the_phase_ramp() {
        let k: Vec<usize> = (0..100).map(|i| 2 * i + 1).collect();
        for alpha in [-0.3, -0.01, 0.0, 0.02, 0.5] {
            let z: Vec<C32> = k
                .iter()
                .map(|&kk| {
                    let ph = alpha * kk as f64 + 0.4;
                    C32::new(ph.cos() as f32, ph.sin() as f32)
                })
                .collect();
            let a = timing_slope(&k, &z).unwrap();
            assert!((a - alpha).abs() < 1e-5, "{a} vs {alpha}");
        }
        assert!(timing_slope(&[3, 3], &[C32::default(); 2]).is_err());
        assert!(timing_slope(&[3], &[C32::default()]).is_err());
    }

    #[test]
    fn interpolation_in_frequency_and_time() {
        let k = [2usize, 6, 10];
        let h = [C32::new(1.0, 0.0), C32::new(3.0, 1.0), C32::new(-1.0, 1.0)];
        let mut out = vec![C32::default(); 13];
        interpolate_freq(&k, &h, &mut out).unwrap();
        assert_eq!(out[0], h[0]);
        assert_eq!(out[2], h[0]);
        assert!(close(out[4], C32::new(2.0, 0.5), 1e-6));
        assert_eq!(out[6], h[1]);
        assert!(close(out[9], C32::new(0.0, 1.0), 1e-6));
        assert_eq!(out[12], h[2]);
        assert!(interpolate_freq(&[3, 2], &h[..2], &mut out).is_err());
        // Time: references at symbols 2 and 11 of 14.
        let mut grid = vec![vec![C32::default(); 2]; 14];
        grid[2] = vec![C32::new(1.0, 0.0), C32::new(0.0, 1.0)];
        grid[11] = vec![C32::new(4.0, 0.0), C32::new(0.0, -2.0)];
        interpolate_time(&[2, 11], &mut grid).unwrap();
        assert_eq!(grid[0], grid[2]);
        assert!(close(grid[5][0], C32::new(2.0, 0.0), 1e-6));
        assert!(close(grid[8][1], C32::new(0.0, -1.0), 1e-6));
        assert_eq!(grid[13], grid[11]);
        assert!(interpolate_time(&[14], &mut grid).is_err());
    }

    #[test]
    fn noise_from_pairs_is_unbiased() {
        let mut r = rng::stream(9, 1);
        let h = C32::new(0.5, 0.5);
        let nv = 0.01;
        let pairs: Vec<(C32, C32)> = (0..20000)
            .map(|_| {
                (
                    h + rng::complex_normal(&mut r, nv),
                    h + rng::complex_normal(&mut r, nv),
                )
            })
            .collect();
        let est = noise_from_pairs(pairs);
        assert!((est / nv - 1.0).abs() < 0.05, "{est}");
        assert_eq!(noise_from_pairs(std::iter::empty()), 1e-30);
    }
}
