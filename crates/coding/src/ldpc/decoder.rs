//! LDPC decoders for the codes of TS 38.212 §5.3.2.
//!
//! * [`LdpcDecoder`]: layered normalized min-sum in 16-bit fixed point (α = 3/4, or 5/8 when
//!   fewer than half the received columns are systematic (R < 1/2), both exact shifts;
//!   saturating arithmetic, values kept within ±16000). Messages are stored per
//!   edge over the lifting dimension and every loop runs over contiguous Z ranges (the
//!   rotation as two slices); the layer update is one body compiled for scalar, AVX2 and
//!   AVX-512BW (module `layer`), so every ISA gives bit-identical results.
//! * [`sum_product_reference`]: layered sum-product (tanh rule) in f64, the accuracy
//!   reference for quality tests.
//!
//! Input: the soft buffer of N = 66·Z or 50·Z LLRs (positive ⇒ bit 0) as produced by
//! [`super::RateMatch::rate_recover`]; the 2·Z punctured systematic bits are added as
//! erasures. Only the rows whose extension parity was received (plus the four core rows)
//! are processed: an unreceived extension column carries no information. Early termination
//! when every processed parity check holds. A failure to converge is an outcome, not an
//! error.

use nrkit_core::Error;

use nrkit_dsp::Isa;

use super::layer;
use super::{BaseGraph, LiftingSize};

/// Largest magnitude of a quantized input LLR (a quarter of the internal saturation bound,
/// leaving room for the check-node messages).
pub const INPUT_LIMIT: f32 = 4000.0;

/// Result of one decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeOutcome {
    /// Iterations run.
    pub iterations: usize,
    /// Whether all processed parity checks hold on the final hard decisions.
    pub success: bool,
}

/// Decoder settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DecoderConfig {
    /// Maximum iterations (≥ 1).
    pub max_iterations: usize,
    /// Stop as soon as the syndrome is zero.
    pub early_stop: bool,
    /// LLR → fixed-point scale (input LLRs are multiplied by this, rounded and saturated to
    /// ±[`INPUT_LIMIT`] before decoding); 8 gives 1/8-LLR resolution.
    pub llr_scale: f32,
}

impl Default for DecoderConfig {
    fn default() -> Self {
        DecoderConfig {
            max_iterations: 10,
            early_stop: true,
            llr_scale: 8.0,
        }
    }
}

/// Layered normalized min-sum decoder for one base graph and lifting size.
#[derive(Debug, Clone)]
pub struct LdpcDecoder {
    isa: Isa,
    bg: BaseGraph,
    z: usize,
    kb: usize,
    /// Per row: (column, shift).
    rows: Vec<Vec<(usize, usize)>>,
}

impl LdpcDecoder {
    /// Builds the decoder for the best ISA of this CPU.
    pub fn new(bg: BaseGraph, z_c: LiftingSize) -> Result<Self, Error> {
        Self::with_isa(bg, z_c, Isa::detect())
    }

    /// Builds the decoder for `isa` (fails if this CPU lacks it). Every ISA gives the same
    /// bits and iteration counts.
    pub fn with_isa(bg: BaseGraph, z_c: LiftingSize, isa: Isa) -> Result<Self, Error> {
        let isa = isa.require()?;
        let z = z_c.value();
        let ils = z_c.set_index();
        let mut rows = vec![Vec::new(); bg.rows()];
        for &(r, c, v) in bg.table() {
            rows[usize::from(r)].push((usize::from(c), usize::from(v[ils]) % z));
        }
        Ok(LdpcDecoder {
            isa,
            bg,
            z,
            kb: bg.info_columns(),
            rows,
        })
    }

    /// Code block size K.
    pub fn k(&self) -> usize {
        self.kb * self.z
    }

    /// The ISA the layer updates run on.
    pub fn isa(&self) -> Isa {
        self.isa
    }

    /// Coded length N.
    pub fn n(&self) -> usize {
        self.bg.n_over_z() * self.z
    }

    /// Rows to process for a soft buffer: the four core rows plus every extension row whose
    /// parity column holds a non-zero LLR.
    fn rows_used(&self, soft: &[f32]) -> usize {
        let z = self.z;
        let last = soft
            .iter()
            .rposition(|&v| v != 0.0)
            .map_or(0, |p| p + 2 * z);
        let cols = last / z + 1;
        cols.saturating_sub(self.kb).clamp(4, self.bg.rows())
    }

    /// Decodes the soft buffer `soft` (N LLRs) into `c` (K bits, fillers included).
    pub fn decode(
        &self,
        soft: &[f32],
        cfg: &DecoderConfig,
        c: &mut [u8],
    ) -> Result<DecodeOutcome, Error> {
        Error::check_len("LDPC soft buffer (N LLRs)", self.n(), soft.len())?;
        Error::check_len("LDPC output (K bits)", self.k(), c.len())?;
        if cfg.max_iterations == 0 {
            return Err(Error::invalid("max_iterations", ">= 1", 0));
        }
        if !(cfg.llr_scale.is_finite() && cfg.llr_scale > 0.0) {
            return Err(Error::invalid("llr_scale", "finite and > 0", cfg.llr_scale));
        }
        let z = self.z;
        let n_rows = self.rows_used(soft);
        let n_cols = self.kb + n_rows;
        // APP LLRs for the used columns, punctured 2Z first.
        let mut app = vec![0i16; n_cols * z];
        for (a, &v) in app[2 * z..].iter_mut().zip(soft) {
            *a = (v * cfg.llr_scale).round().clamp(-INPUT_LIMIT, INPUT_LIMIT) as i16;
        }
        let rows = &self.rows[..n_rows];
        let offsets: Vec<usize> = rows
            .iter()
            .scan(0, |acc, r| {
                let o = *acc;
                *acc += r.len() * z;
                Some(o)
            })
            .collect();
        let n_edges: usize = rows.iter().map(|r| r.len()).sum();
        let mut msg = vec![0i16; n_edges * z];
        let max_deg = rows.iter().map(|r| r.len()).max().unwrap_or(0);
        let mut work = layer::Work::new(max_deg, z);
        // Code rate seen by the decoder: systematic over transmitted columns.
        let low_rate = 2 * self.kb < self.kb - 2 + n_rows;
        let mut iterations = 0;
        let mut success = false;
        for _ in 0..cfg.max_iterations {
            iterations += 1;
            for (row, &off) in rows.iter().zip(&offsets) {
                layer::update(
                    self.isa,
                    row,
                    z,
                    low_rate,
                    &mut app,
                    &mut msg[off..off + row.len() * z],
                    &mut work,
                );
            }
            if cfg.early_stop && self.syndrome_ok(&app, n_rows) {
                success = true;
                break;
            }
        }
        if !success {
            success = self.syndrome_ok(&app, n_rows);
        }
        for (b, &a) in c.iter_mut().zip(&app[..self.k()]) {
            *b = u8::from(a < 0);
        }
        Ok(DecodeOutcome {
            iterations,
            success,
        })
    }

    fn syndrome_ok(&self, app: &[i16], n_rows: usize) -> bool {
        let z = self.z;
        let mut acc = vec![0u8; z];
        self.rows[..n_rows].iter().all(|row| {
            acc.fill(0);
            for &(col, s) in row {
                for (k, a) in acc.iter_mut().enumerate() {
                    *a ^= u8::from(app[col * z + (k + s) % z] < 0);
                }
            }
            acc.iter().all(|&b| b == 0)
        })
    }
}

/// Layered sum-product decoding in f64 (the accuracy reference); returns the K decoded
/// bits and the outcome. `soft` as for [`LdpcDecoder::decode`].
pub fn sum_product_reference(
    bg: BaseGraph,
    z_c: LiftingSize,
    soft: &[f32],
    max_iterations: usize,
) -> Result<(Vec<u8>, DecodeOutcome), Error> {
    let dec = LdpcDecoder::new(bg, z_c)?;
    Error::check_len("LDPC soft buffer (N LLRs)", dec.n(), soft.len())?;
    let z = dec.z;
    let n_rows = dec.rows_used(soft);
    let n_cols = dec.kb + n_rows;
    let mut app = vec![0f64; n_cols * z];
    for (a, &v) in app[2 * z..].iter_mut().zip(soft) {
        *a = f64::from(v);
    }
    let rows = &dec.rows[..n_rows];
    let mut msg: Vec<Vec<f64>> = rows.iter().map(|r| vec![0.0; r.len() * z]).collect();
    const LIM: f64 = 1.0 - 1e-15;
    let mut iterations = 0;
    let mut success = false;
    let to_i16 =
        |app: &[f64]| -> Vec<i16> { app.iter().map(|&v| if v < 0.0 { -1 } else { 1 }).collect() };
    for _ in 0..max_iterations.max(1) {
        iterations += 1;
        for (row, m) in rows.iter().zip(msg.iter_mut()) {
            let deg = row.len();
            for k in 0..z {
                let mut th = [0f64; 32];
                let mut t = [0f64; 32];
                for (e, &(col, s)) in row.iter().enumerate() {
                    t[e] = app[col * z + (k + s) % z] - m[e * z + k];
                    th[e] = (t[e] / 2.0).tanh();
                }
                for (e, &(col, s)) in row.iter().enumerate().take(deg) {
                    // Leave-one-out product (exact also when an input is 0, e.g. punctured).
                    let x: f64 = (0..deg).filter(|&o| o != e).map(|o| th[o]).product();
                    let r = 2.0 * x.clamp(-LIM, LIM).atanh();
                    m[e * z + k] = r;
                    app[col * z + (k + s) % z] = t[e] + r;
                }
            }
        }
        if dec.syndrome_ok(&to_i16(&app), n_rows) {
            success = true;
            break;
        }
    }
    let bits = app[..dec.k()].iter().map(|&v| u8::from(v < 0.0)).collect();
    Ok((
        bits,
        DecodeOutcome {
            iterations,
            success,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::super::LdpcEncoder;
    use super::*;
    use nrkit_core::rng;

    /// The N coded bits of `c`.
    fn encode(enc: &LdpcEncoder, c: &[u8]) -> Vec<u8> {
        let mut d = vec![0u8; enc.n()];
        enc.encode(c, &mut d).unwrap();
        d
    }

    /// Channel LLRs 2y/σ² of BPSK (0 → +1) over AWGN with standard deviation `sigma`.
    fn awgn_llrs(d: &[u8], sigma: f64, r: &mut impl rand::Rng) -> Vec<f32> {
        d.iter()
            .map(|&b| {
                let y = if b == 0 { 1.0 } else { -1.0 } + rng::normal(r) * sigma;
                (2.0 * y / (sigma * sigma)) as f32
            })
            .collect()
    }

    #[test]
    fn decodes_noisy_codewords_for_every_lifting_size() {
        let mut r = rng::stream(21, 0);
        for bg in [BaseGraph::Bg1, BaseGraph::Bg2] {
            for z in LiftingSize::all() {
                let enc = LdpcEncoder::new(bg, z).unwrap();
                let dec = LdpcDecoder::new(bg, z).unwrap();
                let mut c = vec![0u8; enc.k()];
                rng::fill_bits(&mut r, &mut c);
                let d = encode(&enc, &c);
                // BPSK at 3 dB Es/N0 (rate 1/3 mother code): LLR = 4·y/N0·... σ² = 0.5.
                let soft = awgn_llrs(&d, 0.5f64.sqrt(), &mut r);
                let mut out = vec![0u8; enc.k()];
                let o = dec
                    .decode(&soft, &DecoderConfig::default(), &mut out)
                    .unwrap();
                assert!(o.success, "{bg:?} Z={} {o:?}", z.value());
                assert_eq!(out, c, "{bg:?} Z={}", z.value());
                assert!(o.iterations <= 10);
            }
        }
    }

    #[test]
    fn every_isa_gives_the_same_bits_and_iteration_counts() {
        let mut r = rng::stream(23, 0);
        for (bg, z) in [
            (BaseGraph::Bg1, 384usize),
            (BaseGraph::Bg1, 26),
            (BaseGraph::Bg2, 52),
            (BaseGraph::Bg2, 15),
        ] {
            let z = LiftingSize::new(z).unwrap();
            let enc = LdpcEncoder::new(bg, z).unwrap();
            for sigma in [0.6f64, 0.9, 1.3] {
                let mut c = vec![0u8; enc.k()];
                rng::fill_bits(&mut r, &mut c);
                let d = encode(&enc, &c);
                let soft = awgn_llrs(&d, sigma, &mut r);
                let cfg = DecoderConfig {
                    max_iterations: 8,
                    ..Default::default()
                };
                let want_dec = LdpcDecoder::with_isa(bg, z, Isa::Scalar).unwrap();
                let mut want = vec![0u8; enc.k()];
                let wo = want_dec.decode(&soft, &cfg, &mut want).unwrap();
                for isa in Isa::available() {
                    let dec = LdpcDecoder::with_isa(bg, z, isa).unwrap();
                    let mut got = vec![0u8; enc.k()];
                    let o = dec.decode(&soft, &cfg, &mut got).unwrap();
                    assert_eq!(
                        (o, &got),
                        (wo, &want),
                        "{bg:?} Z={} sigma={sigma} {isa}",
                        z.value()
                    );
                }
            }
        }
    }

    #[test]
    fn sum_product_reference_decodes_and_min_sum_reports_failure() {
        let bg = BaseGraph::Bg2;
        let z = LiftingSize::new(52).unwrap();
        let enc = LdpcEncoder::new(bg, z).unwrap();
        let mut r = rng::stream(22, 0);
        let mut c = vec![0u8; enc.k()];
        rng::fill_bits(&mut r, &mut c);
        let d = encode(&enc, &c);
        let soft = awgn_llrs(&d, 0.7, &mut r);
        let (bits, o) = sum_product_reference(bg, z, &soft, 20).unwrap();
        assert!(o.success);
        assert_eq!(bits, c);
        // Pure noise: the decoder must say it failed, not panic.
        let noise: Vec<f32> = (0..enc.n())
            .map(|_| (rng::normal(&mut r) * 2.0) as f32)
            .collect();
        let dec = LdpcDecoder::new(bg, z).unwrap();
        let mut out = vec![0u8; enc.k()];
        let o = dec
            .decode(
                &noise,
                &DecoderConfig {
                    max_iterations: 5,
                    ..Default::default()
                },
                &mut out,
            )
            .unwrap();
        assert!(!o.success);
        assert_eq!(o.iterations, 5);
    }
}
