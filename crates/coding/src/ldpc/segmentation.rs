//! Code-block segmentation and code-block CRC attachment, TS 38.212 §5.2.2.

use nrkit_core::Error;

use super::{BaseGraph, LiftingSize};
use crate::crc::{Crc, CrcPoly};

/// The segmentation parameters of §5.2.2 for B input bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segmentation {
    /// Base graph.
    pub bg: BaseGraph,
    /// Input bits B (transport block plus its CRC).
    pub b: usize,
    /// Number of code blocks C.
    pub c: usize,
    /// CRC bits per code block L (0 or 24).
    pub l: usize,
    /// Bits per code block before fillers, K' = ⌈B'/C⌉ with B' = B + C·L.
    pub k_prime: usize,
    /// Systematic columns used to choose Z_c (K_b).
    pub k_b: usize,
    /// Lifting size Z_c.
    pub z_c: LiftingSize,
    /// Code block size K (22·Z_c or 10·Z_c).
    pub k: usize,
    /// Filler bits per block F = K − K'.
    pub filler: usize,
}

impl Segmentation {
    /// Computes the parameters for `b` input bits (1..) with base graph `bg`.
    ///
    /// Where B' is not a multiple of C, K' = ⌈B'/C⌉ and the last block's data is padded with
    /// zeros before its CRC (as MATLAB and py3gpp do; TBS values of TS 38.214 make B'
    /// divisible by C).
    pub fn new(b: usize, bg: BaseGraph) -> Result<Self, Error> {
        if b == 0 {
            return Err(Error::invalid("segmentation input size B", ">= 1 bit", 0));
        }
        let k_cb = bg.k_cb();
        let (l, c) = if b <= k_cb {
            (0, 1)
        } else {
            (24, b.div_ceil(k_cb - 24))
        };
        let b_prime = b + c * l;
        let k_prime = b_prime.div_ceil(c);
        let k_b = match bg {
            BaseGraph::Bg1 => 22,
            BaseGraph::Bg2 if b > 640 => 10,
            BaseGraph::Bg2 if b > 560 => 9,
            BaseGraph::Bg2 if b > 192 => 8,
            BaseGraph::Bg2 => 6,
        };
        let z_c = LiftingSize::min_for(k_b, k_prime).ok_or_else(|| {
            Error::invalid("segmentation input size B", "a size with a lifting size", b)
        })?;
        let k = bg.info_columns() * z_c.value();
        Ok(Segmentation {
            bg,
            b,
            c,
            l,
            k_prime,
            k_b,
            z_c,
            k,
            filler: k - k_prime,
        })
    }

    /// Data bits per code block (before the CB CRC): K' − L.
    pub fn data_per_block(&self) -> usize {
        self.k_prime - self.l
    }
}

/// Segments `bits` (B bits, transport block with its CRC) into C code blocks of K bits each:
/// data, CRC24B when C > 1, then F filler bits given as 0 (§5.2.2).
pub fn segment(bits: &[u8], bg: BaseGraph) -> Result<(Segmentation, Vec<Vec<u8>>), Error> {
    let s = Segmentation::new(bits.len(), bg)?;
    let crc = Crc::new(CrcPoly::Crc24B);
    let per = s.data_per_block();
    let mut blocks = Vec::with_capacity(s.c);
    for r in 0..s.c {
        let start = (r * per).min(bits.len());
        let end = ((r + 1) * per).min(bits.len());
        let mut blk = Vec::with_capacity(s.k);
        blk.extend_from_slice(&bits[start..end]);
        blk.resize(per, 0);
        if s.l > 0 {
            crc.attach_bits(&mut blk);
        }
        blk.resize(s.k, 0);
        blocks.push(blk);
    }
    Ok((s, blocks))
}
