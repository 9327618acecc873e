//! The DL-SCH / UL-SCH LDPC coding chain, TS 38.212 §7.2 (and §6.2): transport-block CRC
//! (§7.2.1: CRC24A when A > 3824, else CRC16), base-graph selection (§7.2.2), code-block
//! segmentation (§5.2.2), LDPC encoding (§5.3.2), rate matching with the per-block E split
//! (§5.4.2) and code-block concatenation (§5.5); and the receive chain back to a
//! CRC-checked transport block with HARQ soft combining across redundancy versions.

use nrkit_core::Error;

use crate::crc::{Crc, CrcPoly};
use crate::ldpc::{
    e_for_block, segment, BaseGraph, DecodeOutcome, DecoderConfig, DecoderWorkspace, LdpcDecoder,
    LdpcEncoder, RateMatch, Segmentation,
};

/// Parameters of one transmission of a transport block.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DlschConfig {
    /// Transport block size A in bits.
    pub tbs: usize,
    /// Target code rate R (for base-graph selection, §7.2.2).
    pub rate: f64,
    /// Modulation order Q_m (1, 2, 4, 6, 8, 10).
    pub qm: usize,
    /// Transmission layers N_L.
    pub n_layers: usize,
    /// Coded bits available, G.
    pub g: usize,
    /// Redundancy version (0..=3).
    pub rv: u8,
    /// TBS_LBRM for limited-buffer rate matching, if configured.
    pub tbs_lbrm: Option<usize>,
}

impl DlschConfig {
    fn tb_crc(&self) -> CrcPoly {
        if self.tbs > 3824 {
            CrcPoly::Crc24A
        } else {
            CrcPoly::Crc16
        }
    }

    /// The base graph of §7.2.2.
    pub fn base_graph(&self) -> BaseGraph {
        BaseGraph::select(self.tbs, self.rate)
    }

    /// The segmentation of A + L_TB bits.
    pub fn segmentation(&self) -> Result<Segmentation, Error> {
        self.validate()?;
        Segmentation::new(self.tbs + self.tb_crc().len(), self.base_graph())
    }

    fn validate(&self) -> Result<(), Error> {
        if self.tbs == 0 {
            return Err(Error::invalid("transport block size", ">= 1 bit", 0));
        }
        if !(self.rate > 0.0 && self.rate <= 1.0) {
            return Err(Error::invalid("target code rate", "0 < R <= 1", self.rate));
        }
        if self.n_layers == 0 || self.n_layers > 8 {
            return Err(Error::invalid("layers", "1..=8", self.n_layers));
        }
        if self.g < self.qm * self.n_layers {
            return Err(Error::invalid("G", "at least one symbol per layer", self.g));
        }
        Ok(())
    }
}

/// Encodes a transport block (A bits) into G' coded bits (G rounded down to whole symbols).
pub fn dlsch_encode(tb: &[u8], cfg: &DlschConfig) -> Result<Vec<u8>, Error> {
    Error::check_len("transport block", cfg.tbs, tb.len())?;
    let s = cfg.segmentation()?;
    let mut b = tb.to_vec();
    Crc::new(cfg.tb_crc()).attach_bits(&mut b);
    let (s2, blocks) = segment(&b, s.bg)?;
    debug_assert_eq!(s, s2);
    let enc = LdpcEncoder::new(s.bg, s.z_c)?;
    let rm = RateMatch::new(&s, cfg.tbs_lbrm)?;
    let mut out = Vec::with_capacity(cfg.g);
    let mut d = vec![0u8; enc.n()];
    for (r, c) in blocks.iter().enumerate() {
        enc.encode(c, &mut d)?;
        let e = e_for_block(cfg.g, s.c, r, cfg.qm, cfg.n_layers);
        let start = out.len();
        out.resize(start + e, 0);
        rm.rate_match(&d, cfg.rv, cfg.qm, &mut out[start..])?;
    }
    Ok(out)
}

/// Result of decoding one transmission.
#[derive(Debug, Clone, PartialEq)]
pub struct DlschOutcome {
    /// The transport block's A bits (valid when `tb_crc_ok`).
    pub tb: Vec<u8>,
    /// Whether the transport-block CRC checks.
    pub tb_crc_ok: bool,
    /// Per code block: LDPC outcome and CB CRC (true when C = 1).
    pub blocks: Vec<(DecodeOutcome, bool)>,
}

/// Receive side with HARQ soft buffers (one per code block), kept across retransmissions
/// of the same transport block.
#[derive(Debug, Clone, Default)]
pub struct DlschDecoder {
    soft: Vec<Vec<f32>>,
    key: Option<(usize, u8, usize)>,
}

impl DlschDecoder {
    /// A decoder with empty HARQ buffers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Clears the HARQ buffers (new transport block).
    pub fn reset(&mut self) {
        self.soft.clear();
        self.key = None;
    }

    /// Combines the G' LLRs `llrs` of one transmission into the HARQ buffers and decodes.
    pub fn decode(
        &mut self,
        llrs: &[f32],
        cfg: &DlschConfig,
        dec_cfg: &DecoderConfig,
    ) -> Result<DlschOutcome, Error> {
        let s = cfg.segmentation()?;
        let total: usize = (0..s.c)
            .map(|r| e_for_block(cfg.g, s.c, r, cfg.qm, cfg.n_layers))
            .sum();
        Error::check_len("DL-SCH LLRs", total, llrs.len())?;
        let rm = RateMatch::new(&s, cfg.tbs_lbrm)?;
        let key = (s.k, s.bg.number(), s.c);
        if self.key != Some(key) {
            self.soft = vec![vec![0f32; rm.n()]; s.c];
            self.key = Some(key);
        }
        let dec = LdpcDecoder::new(s.bg, s.z_c)?;
        let cb_crc = Crc::new(CrcPoly::Crc24B);
        let mut ws = DecoderWorkspace::default();
        let mut pos = 0;
        let mut b = Vec::with_capacity(s.c * s.k);
        let mut blocks = Vec::with_capacity(s.c);
        let mut c_bits = vec![0u8; s.k];
        for r in 0..s.c {
            let e = e_for_block(cfg.g, s.c, r, cfg.qm, cfg.n_layers);
            rm.rate_recover(&llrs[pos..pos + e], cfg.rv, cfg.qm, &mut self.soft[r])?;
            pos += e;
            // With several blocks each carries a CRC24B, which also ends decoding early.
            let (o, crc_ok) = if s.l == 0 {
                (
                    dec.decode_in(&mut ws, &self.soft[r], dec_cfg, &mut c_bits)?,
                    true,
                )
            } else {
                let k_prime = s.k_prime;
                let o = dec.decode_with_check(
                    &mut ws,
                    &self.soft[r],
                    dec_cfg,
                    &mut c_bits,
                    &mut |b| cb_crc.check_bits(&b[..k_prime]),
                )?;
                (o, o.success)
            };
            blocks.push((o, crc_ok));
            b.extend_from_slice(&c_bits[..s.data_per_block()]);
        }
        let l_tb = cfg.tb_crc().len();
        b.truncate(cfg.tbs + l_tb);
        let tb_crc_ok = b.len() == cfg.tbs + l_tb && Crc::new(cfg.tb_crc()).check_bits(&b);
        b.truncate(cfg.tbs);
        Ok(DlschOutcome {
            tb: b,
            tb_crc_ok,
            blocks,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nrkit_core::rng;

    fn channel<R: rand::Rng>(bits: &[u8], sigma: f64, r: &mut R) -> Vec<f32> {
        bits.iter()
            .map(|&b| {
                let y = if b == 0 { 1.0 } else { -1.0 } + rng::normal(r) * sigma;
                (2.0 * y / (sigma * sigma)) as f32
            })
            .collect()
    }

    #[test]
    fn round_trip_small_and_multi_block() {
        let mut r = rng::stream(31, 0);
        for (tbs, rate, qm, g) in [
            (100usize, 0.3, 2usize, 400usize),
            (20_000, 0.6, 6, 36_000),
            (50_000, 0.8, 8, 64_000),
        ] {
            let cfg = DlschConfig {
                tbs,
                rate,
                qm,
                n_layers: 1,
                g,
                rv: 0,
                tbs_lbrm: None,
            };
            let mut tb = vec![0u8; tbs];
            rng::fill_bits(&mut r, &mut tb);
            let f = dlsch_encode(&tb, &cfg).unwrap();
            assert_eq!(f.len(), g);
            let llr = channel(&f, 0.5, &mut r);
            let mut dec = DlschDecoder::new();
            let o = dec.decode(&llr, &cfg, &DecoderConfig::default()).unwrap();
            assert!(o.tb_crc_ok, "A={tbs}: {:?}", o.blocks);
            assert_eq!(o.tb, tb);
        }
    }

    #[test]
    fn harq_combining_recovers_what_one_transmission_cannot() {
        let mut r = rng::stream(32, 0);
        let tbs = 3000;
        let mut tb = vec![0u8; tbs];
        rng::fill_bits(&mut r, &mut tb);
        let base = DlschConfig {
            tbs,
            rate: 0.75,
            qm: 2,
            n_layers: 1,
            g: 4000,
            rv: 0,
            tbs_lbrm: None,
        };
        let sigma = 0.95;
        let mut dec = DlschDecoder::new();
        let cfg0 = base;
        let f0 = dlsch_encode(&tb, &cfg0).unwrap();
        let o0 = dec
            .decode(
                &channel(&f0, sigma, &mut r),
                &cfg0,
                &DecoderConfig::default(),
            )
            .unwrap();
        assert!(
            !o0.tb_crc_ok,
            "first transmission alone should fail at this SNR"
        );
        let cfg2 = DlschConfig { rv: 2, ..base };
        let f2 = dlsch_encode(&tb, &cfg2).unwrap();
        let o2 = dec
            .decode(
                &channel(&f2, sigma, &mut r),
                &cfg2,
                &DecoderConfig::default(),
            )
            .unwrap();
        assert!(o2.tb_crc_ok, "{:?}", o2.blocks);
        assert_eq!(o2.tb, tb);
    }
}
