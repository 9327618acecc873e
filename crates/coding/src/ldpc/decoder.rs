//! LDPC decoders for the codes of TS 38.212 §5.3.2.
//!
//! * [`LdpcDecoder`]: layered normalized min-sum in 8-bit fixed point (α = 3/4, or 5/8 when
//!   fewer than half the received columns are systematic (R < 1/2), both exact shifts;
//!   saturating i8 arithmetic). Messages are stored per edge over the lifting dimension;
//!   the layer update (module `layer`) runs one vector of lifted checks at a time through
//!   both min-sum passes, 64 lanes on AVX-512BW, 32 on AVX2, with a scalar twin, and every
//!   ISA gives bit-identical results and iteration counts.
//! * [`sum_product_reference`]: layered sum-product (tanh rule) in f64, the accuracy
//!   reference for quality tests.
//!
//! Input: the soft buffer of N = 66·Z or 50·Z LLRs (positive ⇒ bit 0) as produced by
//! [`super::RateMatch::rate_recover`]; the 2·Z punctured systematic bits are added as
//! erasures. Only the rows whose extension parity was received (plus the four core rows)
//! are processed: an unreceived extension column carries no information. Early termination
//! when every processed parity check holds, or (optionally, [`LdpcDecoder::decode_with_check`])
//! when a check of the hard decisions such as the code-block CRC passes. A failure to
//! converge is an outcome, not an error.

use nrkit_core::Error;

use nrkit_dsp::Isa;

use super::layer::{self, Edge};
use super::{BaseGraph, LiftingSize};

/// Largest magnitude of a quantized input LLR (about half the i8 range, leaving the APP
/// values room to grow before they saturate at ±127).
pub const INPUT_LIMIT: f32 = 63.0;

/// A check of the K hard-decided bits (for example the code-block CRC).
pub type HardCheck<'a> = dyn FnMut(&[u8]) -> bool + 'a;

/// Target of the automatic scale for codes of rate ≥ 1/2 (plain min-sum): the mean
/// |quantized LLR| of the magnitudes below [`AUTO_TRUNCATION`] times their plain mean.
///
/// With the decoder's rescaling (`layer::RESCALE_SHARE`) saturation no longer diverges,
/// and what is left is input clipping against the resolution of weak bits. Measured at
/// BG1 Z = 384 (QPSK R = 0.64 at 20 iterations, 64QAM and 256QAM R = 0.67, 256QAM
/// R = 0.9, BG2 QPSK R = 0.6): 28 with truncation 1.5 was best or within noise of the
/// best everywhere; the former plain mean of 48 lost 0.25 dB at QPSK R = 0.64 and 0.15 dB
/// at 256QAM R = 0.9 against it.
pub const AUTO_MEAN: f32 = 28.0;

/// The automatic scale of plain min-sum averages only magnitudes below this multiple of
/// the plain mean, so that the strong bits of 256QAM or 1024QAM (several times the weak
/// ones) do not coarsen the weak bits' quantization: a plain mean reaches the same weak-bit
/// resolution only by clipping QPSK's LLRs.
pub const AUTO_TRUNCATION: f32 = 1.5;

/// Target mean |quantized LLR| of the automatic scale below rate 1/2 (self-corrected
/// min-sum, which saturation destabilizes): measured best of 7, 10, 12, 14, 18, 24 over
/// BG1 R = 1/3 and BG2 R = 1/5.
pub const AUTO_MEAN_SELF_CORRECTING: f32 = 12.0;

/// LLR magnitudes from this up count as certain (filler bits) and are left out of the
/// automatic scale.
pub const CERTAIN_LLR: f32 = 1000.0;

/// Result of one decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeOutcome {
    /// Iterations run.
    pub iterations: usize,
    /// Whether all processed parity checks hold on the final hard decisions (and, with
    /// [`LdpcDecoder::decode_with_check`], the check passed).
    pub success: bool,
}

/// Decoder settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DecoderConfig {
    /// Maximum iterations (≥ 1).
    pub max_iterations: usize,
    /// Stop as soon as the syndrome is zero.
    pub early_stop: bool,
    /// LLR → fixed-point scale: input LLRs are multiplied by this, rounded and saturated to
    /// ±[`INPUT_LIMIT`](crate::ldpc::INPUT_LIMIT) before decoding. `None` (the default) picks it per block so that the
    /// mean magnitude of the received LLRs (those below [`CERTAIN_LLR`](crate::ldpc::CERTAIN_LLR)) becomes
    /// [`AUTO_MEAN`](crate::ldpc::AUTO_MEAN) (over the magnitudes below [`AUTO_TRUNCATION`](crate::ldpc::AUTO_TRUNCATION) times that mean), or [`AUTO_MEAN_SELF_CORRECTING`](crate::ldpc::AUTO_MEAN_SELF_CORRECTING) below rate 1/2: min-sum does not depend on the scale of its input, but 8-bit
    /// arithmetic does, and a fixed scale either quantizes weak signals coarsely or
    /// saturates strong ones.
    pub llr_scale: Option<f32>,
}

impl Default for DecoderConfig {
    fn default() -> Self {
        DecoderConfig {
            max_iterations: 10,
            early_stop: true,
            llr_scale: None,
        }
    }
}

/// Buffers of one decode, reusable across decodes of any size
/// ([`LdpcDecoder::decode_in`]): keeping one per thread avoids an allocation per block.
#[derive(Debug, Clone, Default)]
pub struct DecoderWorkspace {
    app: Vec<i8>,
    msg: Vec<i8>,
    prev: Vec<i8>,
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
    /// Per row: the edges in the APP layout of `layer`.
    edges: Vec<Vec<Edge>>,
    /// Per row: offset of its messages (edges before it × padded Z); one more entry, the
    /// total, so that the messages of the first r rows take `msg_offsets[r]` values.
    msg_offsets: Vec<usize>,
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
        let rows = bg.lifted_rows(z_c);
        let st = layer::stride(z);
        let edges: Vec<Vec<Edge>> = rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|&(c, s)| Edge {
                        base: c * st + layer::PAD,
                        shift: s,
                    })
                    .collect()
            })
            .collect();
        let msg_offsets = std::iter::once(0)
            .chain(rows.iter().scan(0, |acc, r| {
                *acc += r.len() * layer::padded(z);
                Some(*acc)
            }))
            .collect();
        Ok(LdpcDecoder {
            isa,
            bg,
            z,
            kb: bg.info_columns(),
            rows,
            edges,
            msg_offsets,
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
        // Received columns (of N/Z, the punctured 2 excluded): up to the last one holding a
        // non-zero (or NaN) value.
        let received = soft
            .chunks(self.z)
            .rposition(|col| layer::any_nonzero(self.isa, col))
            .map_or(0, |p| p + 1);
        (received + 2)
            .saturating_sub(self.kb)
            .clamp(4, self.bg.rows())
    }

    /// Decodes the soft buffer `soft` (N LLRs) into `c` (K bits, fillers included).
    pub fn decode(
        &self,
        soft: &[f32],
        cfg: &DecoderConfig,
        c: &mut [u8],
    ) -> Result<DecodeOutcome, Error> {
        self.decode_in(&mut DecoderWorkspace::default(), soft, cfg, c)
    }

    /// As [`decode`](Self::decode), with the buffers of `ws`.
    pub fn decode_in(
        &self,
        ws: &mut DecoderWorkspace,
        soft: &[f32],
        cfg: &DecoderConfig,
        c: &mut [u8],
    ) -> Result<DecodeOutcome, Error> {
        self.run(ws, soft, cfg, c, None)
    }

    /// As [`decode_in`](Self::decode_in), also stopping after an iteration whose hard
    /// decisions pass `check` (for example the CB CRC24B over the first K' bits) even if
    /// some parity check still fails; `success` then says that the check passed. With
    /// `early_stop` the syndrome still ends decoding too, but `success` requires `check`.
    pub fn decode_with_check(
        &self,
        ws: &mut DecoderWorkspace,
        soft: &[f32],
        cfg: &DecoderConfig,
        c: &mut [u8],
        check: &mut HardCheck<'_>,
    ) -> Result<DecodeOutcome, Error> {
        self.run(ws, soft, cfg, c, Some(check))
    }

    fn run(
        &self,
        ws: &mut DecoderWorkspace,
        soft: &[f32],
        cfg: &DecoderConfig,
        c: &mut [u8],
        mut check: Option<&mut HardCheck<'_>>,
    ) -> Result<DecodeOutcome, Error> {
        Error::check_len("LDPC soft buffer (N LLRs)", self.n(), soft.len())?;
        Error::check_len("LDPC output (K bits)", self.k(), c.len())?;
        if cfg.max_iterations == 0 {
            return Err(Error::invalid("max_iterations", ">= 1", 0));
        }
        if let Some(sc) = cfg.llr_scale {
            if !(sc.is_finite() && sc > 0.0) {
                return Err(Error::invalid("llr_scale", "finite and > 0", sc));
            }
        }
        let z = self.z;
        let st = layer::stride(z);
        let n_rows = self.rows_used(soft);
        let n_cols = self.kb + n_rows;
        // APP LLRs for the used columns, the punctured 2Z first (erasures).
        // Only the punctured columns need clearing: quantization writes every received value,
        // and padding is never stored from.
        if ws.app.len() < n_cols * st {
            ws.app.resize(n_cols * st, 0);
        }
        for col in 0..2 {
            ws.app[col * st + layer::PAD..][..z].fill(0);
        }
        // Code rate seen by the decoder: systematic over transmitted columns. Below 1/2
        // the decoder self-corrects (see `layer`), which halves its loss to sum-product there.
        let self_correct = 2 * self.kb < self.kb - 2 + n_rows;
        let received = &soft[..((n_cols - 2) * z).min(soft.len())];
        let scale = cfg.llr_scale.unwrap_or_else(|| {
            if self_correct {
                auto_scale(self.isa, received, AUTO_MEAN_SELF_CORRECTING, None)
            } else {
                auto_scale(self.isa, received, AUTO_MEAN, Some(AUTO_TRUNCATION))
            }
        });
        for (col, chunk) in received.chunks(z).enumerate() {
            let a = &mut ws.app[(col + 2) * st + layer::PAD..][..z];
            if !layer::quantize(self.isa, chunk, scale, INPUT_LIMIT, a) {
                return Err(Error::invalid(
                    "LDPC soft buffer",
                    "LLRs that are not NaN",
                    format!("NaN in column {}", col + 2),
                ));
            }
        }
        let msg_len = self.msg_offsets[n_rows];
        // Messages need no clearing: the first iteration reads them as zero.
        if ws.msg.len() < msg_len {
            ws.msg.resize(msg_len, 0);
        }
        if self_correct && ws.prev.len() < msg_len {
            ws.prev.resize(msg_len, 0);
        }
        let mut iterations = 0;
        let mut success = false;
        for it in 0..cfg.max_iterations {
            iterations += 1;
            for (r, edges) in self.edges[..n_rows].iter().enumerate() {
                let (off, end) = (self.msg_offsets[r], self.msg_offsets[r + 1]);
                let msg = &mut ws.msg[off..end];
                let prev = self_correct.then(|| &mut ws.prev[off..end]);
                layer::update(self.isa, edges, z, &mut ws.app, msg, prev, it == 0);
            }
            // Headroom against saturation divergence (see `layer::RESCALE_SHARE`). The
            // self-corrected decoder's previous messages only lend their signs and stay.
            if layer::mostly_saturated(&ws.app, n_cols, z) {
                layer::halve(&mut ws.app[..n_cols * st]);
                layer::halve(&mut ws.msg[..msg_len]);
            }
            let syndrome = cfg.early_stop && self.syndrome_ok(&ws.app, n_rows);
            if let Some(f) = check.as_deref_mut() {
                self.hard_decisions(&ws.app, c);
                if f(c) {
                    success = true;
                    break;
                }
                if syndrome {
                    break;
                }
            } else if syndrome {
                success = true;
                break;
            }
        }
        // With a check, `c` already holds the last iteration's decisions.
        if check.is_none() {
            success = success || self.syndrome_ok(&ws.app, n_rows);
            self.hard_decisions(&ws.app, c);
        }
        Ok(DecodeOutcome {
            iterations,
            success,
        })
    }

    fn hard_decisions(&self, app: &[i8], c: &mut [u8]) {
        let st = layer::stride(self.z);
        for (col, out) in c.chunks_mut(self.z).enumerate() {
            let a = &app[col * st + layer::PAD..][..self.z];
            for (b, &v) in out.iter_mut().zip(a) {
                *b = u8::from(v < 0);
            }
        }
    }

    fn syndrome_ok(&self, app: &[i8], n_rows: usize) -> bool {
        self.edges[..n_rows]
            .iter()
            .all(|e| layer::syndrome_ok(self.isa, e, self.z, app))
    }

    /// Whether every parity check of the first `n_rows` rows holds on the signs of `app`
    /// (natural layout, column-major N·Z values).
    fn syndrome_plain(&self, negative: impl Fn(usize) -> bool, n_rows: usize) -> bool {
        let z = self.z;
        self.rows[..n_rows].iter().all(|row| {
            (0..z).all(|k| {
                row.iter()
                    .fold(false, |acc, &(col, s)| {
                        acc ^ negative(col * z + (k + s) % z)
                    })
                    .eq(&false)
            })
        })
    }
}

/// The automatic LLR scale: `target` over the mean magnitude of the LLRs below
/// [`CERTAIN_LLR`](crate::ldpc::CERTAIN_LLR) that are not zero or, with `truncation` t,
/// over the mean of those below t times that mean; 1 when there are none (or on NaN,
/// which the quantizer then reports).
fn auto_scale(isa: Isa, llrs: &[f32], target: f32, truncation: Option<f32>) -> f32 {
    let mean_below = |limit: f32| {
        let (sum, n) = layer::abs_sum(isa, llrs, limit);
        sum / n.max(1) as f32
    };
    let mut mean = mean_below(CERTAIN_LLR);
    if let Some(t) = truncation {
        if mean.is_finite() && mean > 0.0 {
            mean = mean_below(t * mean);
        }
    }
    if mean.is_finite() && mean > 0.0 {
        target / mean
    } else {
        1.0
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
        if dec.syndrome_plain(|i| app[i] < 0.0, n_rows) {
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

    /// The CB-CRC stop: the check ends decoding after the first passing iteration, and a
    /// check that never passes runs every iteration and reports failure.
    #[test]
    fn hard_decision_check_stops_decoding_and_decides_success() {
        use crate::crc::{Crc, CrcPoly};
        let bg = BaseGraph::Bg1;
        let z = LiftingSize::new(64).unwrap();
        let enc = LdpcEncoder::new(bg, z).unwrap();
        let dec = LdpcDecoder::new(bg, z).unwrap();
        let crc = Crc::new(CrcPoly::Crc24B);
        let mut r = rng::stream(24, 0);
        let mut c = vec![0u8; enc.k() - 24];
        rng::fill_bits(&mut r, &mut c);
        crc.attach_bits(&mut c);
        let soft = awgn_llrs(&encode(&enc, &c), 0.8, &mut r);
        let cfg = DecoderConfig {
            max_iterations: 20,
            early_stop: false,
            ..Default::default()
        };
        let mut ws = DecoderWorkspace::default();
        let mut out = vec![0u8; enc.k()];
        let mut calls = 0;
        let o = dec
            .decode_with_check(&mut ws, &soft, &cfg, &mut out, &mut |b| {
                calls += 1;
                crc.check_bits(b)
            })
            .unwrap();
        assert!(o.success && o.iterations < 20, "{o:?}");
        assert_eq!(calls, o.iterations);
        assert_eq!(out, c);
        let o = dec
            .decode_with_check(&mut ws, &soft, &cfg, &mut out, &mut |_| false)
            .unwrap();
        assert_eq!((o.iterations, o.success), (20, false));
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
        // A NaN is named, not decoded.
        let mut bad = noise.clone();
        bad[3 * 52 + 7] = f32::NAN;
        let e = dec
            .decode(&bad, &DecoderConfig::default(), &mut out)
            .unwrap_err();
        assert!(e.to_string().contains("NaN in column 5"), "{e}");
    }
}
