//! Quasi-cyclic LDPC encoder, TS 38.212 §5.3.2.
//!
//! H is the base graph lifted by Z_c: entry V_ij becomes the Z×Z identity cyclically shifted
//! by P_ij = V_ij mod Z_c (the set index i_LS is the one containing Z_c), so row block i of
//! H·x is Σ_j x_j[(k + P_ij) mod Z]. Encoding never forms a matrix: with λ_i the
//! contribution of the systematic blocks to row i, the four core parity blocks follow from
//! the double-diagonal structure of rows 0..=3 (summing them leaves one shifted copy of
//! p_0, then rows 0, 1, 2 give p_1, p_2, p_3 in turn), and each extension parity block is
//! its row's λ plus the core parities it checks. The structure is verified when the
//! encoder is built.
//!
//! Output: d = (c_{2Z} … c_{K−1}, p …), N = 66·Z_c (BG1) or 50·Z_c (BG2): the first 2·Z_c
//! systematic bits are punctured. Filler bits are given as 0 in c and stay 0 in d. Each
//! byte of c is one bit (its least significant bit is read); d gets 0 or 1 per byte.
//!
//! Speed: the blocks are packed 64 bits to a word (Z ≤ 384 is at most 6 words), and every
//! column block that is read rotated is laid out twice in a row (x ‖ x), so that a rotation
//! by s is a read at bit offset s: per word, two loads, two shifts and an OR. A row block
//! is then a handful of word-vector XORs, whatever Z is. Packing is one instruction per 64
//! bits on AVX-512 (`vptestmb`) and unpacking a zero-masked move of ones; both run as
//! separate passes (all columns packed before any is doubled, all rows computed before any
//! is unpacked), because reading words of a block right after storing it in other widths
//! stalls on store forwarding. The body is compiled for scalar, AVX2 and AVX-512 (XOR is
//! exact, so all give the same bits).

use nrkit_core::Error;
use nrkit_dsp::Isa;

use crate::bits;

use super::{BaseGraph, LiftingSize};

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;

/// Most words of one packed block (Z ≤ 384 needs 6). The row XOR runs on L = 1, 2, 4 or 8
/// words, the first power of two ≥ ⌈Z/64⌉: the spare words carry don't-care bits and keep
/// the arithmetic a whole number of vectors wide.
const LANES: usize = 8;

/// One rotated read: the packed doubled column at word `word`, shifted right by `r` bits.
#[derive(Debug, Clone, Copy)]
struct Tap {
    word: u32,
    r: u32,
}

/// An encoder for one base graph and lifting size (shift tables built once).
#[derive(Debug, Clone)]
pub struct LdpcEncoder {
    isa: Isa,
    bg: BaseGraph,
    z: usize,
    kb: usize,
    /// Per row block: (column block, shift P_ij).
    rows: Vec<Vec<(usize, usize)>>,
    /// Words per packed block, ⌈Z/64⌉ (a doubled column takes twice that).
    nw: usize,
    /// The read of p_0 from the doubled sum of the core rows' λ.
    p0_tap: Tap,
    /// Per row: reads of its systematic columns (for the extension rows, also of its core
    /// parity columns).
    info_taps: Vec<Vec<Tap>>,
    /// Core rows 0..=2: reads of the core parity columns before the one they determine.
    core_taps: Vec<Vec<Tap>>,
}

/// `acc[k] ^= x[(k + s) mod Z]` (bytes, for the codeword check).
#[inline]
fn xor_rot(acc: &mut [u8], x: &[u8], s: usize) {
    let z = acc.len();
    let (a_lo, a_hi) = acc.split_at_mut(z - s);
    for (a, b) in a_lo.iter_mut().zip(&x[s..]) {
        *a ^= b;
    }
    for (a, b) in a_hi.iter_mut().zip(&x[..s]) {
        *a ^= b;
    }
}

thread_local! {
    /// Per-thread scratch of [`encode_body`] (a few kB, reused).
    static SCRATCH: std::cell::RefCell<Vec<u64>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Conversion between one bit per byte and 64 bits per word (bit i of a word is byte i).
pub(super) trait BitPack {
    /// Packs the least significant bits of 64 bytes.
    fn pack64(x: &[u8; 64]) -> u64;
    /// Writes bit i of `w` as byte i (0 or 1).
    fn unpack64(w: u64, out: &mut [u8; 64]);

    /// Packs the least significant bits of fewer than 64 bytes (the higher bits are 0).
    #[inline(always)]
    fn pack_tail(x: &[u8]) -> u64 {
        bits::pack_lsb(x)
    }

    /// Writes the first `out.len()` (< 64) bits of `w` to `out`, one per byte.
    #[inline(always)]
    fn unpack_tail(w: u64, out: &mut [u8]) {
        bits::unpack_lsb(w, out)
    }
}

/// Writes the first `out.len()` (≤ 64·L) bits of `w` to `out`, one per byte, a word at a
/// time.
#[inline(always)]
fn unpack<B: BitPack, const L: usize>(w: &[u64; L], out: &mut [u8]) {
    let full = out.len() / 64;
    let mut chunks = out.chunks_exact_mut(64);
    for (o, &v) in (&mut chunks).zip(w) {
        B::unpack64(v, o.try_into().expect("64 bytes"));
    }
    let tail = chunks.into_remainder();
    if !tail.is_empty() {
        B::unpack_tail(w[full], tail);
    }
}

/// Portable packing (multiply gather, table spread).
pub(super) struct Portable;

impl BitPack for Portable {
    #[inline(always)]
    fn pack64(x: &[u8; 64]) -> u64 {
        bits::pack_lsb(x)
    }

    #[inline(always)]
    fn unpack64(w: u64, out: &mut [u8; 64]) {
        bits::unpack_lsb(w, out)
    }
}

/// Packs `x` (one bit per byte, at most 64·L) into `w`; bits past `x.len()` are 0.
#[inline(always)]
fn pack<B: BitPack, const L: usize>(x: &[u8], w: &mut [u64; L]) {
    let mut chunks = x.chunks_exact(64);
    let mut words = w.iter_mut();
    // The chunks first: zip stops on them without taking a word.
    for (b, o) in (&mut chunks).zip(&mut words) {
        *o = B::pack64(b.try_into().expect("64 bytes"));
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        *words.next().expect("64·L bits at most") = B::pack_tail(tail);
    }
    for o in words {
        *o = 0;
    }
}

/// Clears the bits at positions ≥ Z.
#[inline(always)]
fn mask_to<const L: usize>(w: &mut [u64; L], z: usize) {
    for (i, v) in w.iter_mut().enumerate() {
        let lo = 64 * i;
        if lo >= z {
            *v = 0;
        } else if z - lo < 64 {
            *v &= (1u64 << (z - lo)) - 1;
        }
    }
}

/// `acc ^= ⊕_t (doubled column at t.word) >> t.r`, all lanes: lane i of a read is bits
/// 64·i + r … 64·i + r + 63 of the doubled column from `t.word`. `xx` is padded so that
/// every read is in bounds.
#[inline(always)]
fn xor_taps<const L: usize>(xx: &[u64], taps: &[Tap], acc: &mut [u64; L]) {
    for t in taps {
        let b = t.word as usize;
        let w = &xx[b..b + L + 1];
        let a: &[u64; L] = w[..L].try_into().expect("L words");
        let n: &[u64; L] = w[1..].try_into().expect("L words");
        let r = t.r;
        for i in 0..L {
            // (n << 1) << (63 − r) is n << (64 − r), and 0 for r = 0.
            acc[i] ^= (a[i] >> r) | ((n[i] << 1) << (63 - r));
        }
    }
}

/// Writes x ‖ x (x masked to Z bits, so zero from word ⌈Z/64⌉ on) as the doubled column at
/// word `base`, in whole blocks of L words that the compiler keeps in vectors. The write
/// runs up to L + 1 words past the column with zeros: columns are written in increasing
/// order and the scratch is padded, so that spill is always overwritten or unused.
#[inline(always)]
fn put_doubled<const L: usize>(xx: &mut [u64], base: usize, x: &[u64; L], z: usize) {
    let (q, r) = (z / 64, z % 64);
    let dst = &mut xx[base..base + q + L + 1];
    dst[..L].copy_from_slice(x);
    // The second copy starts at bit 64·q + r: word q + j holds x bits 64·j − r … 64·j − r + 63
    // ((w >> 1) >> (63 − r) is w >> (64 − r), and 0 for r = 0), and word q keeps the bits of
    // the first copy below r.
    let below = if q < L { x[q] } else { 0 };
    let mut second = [0u64; L];
    for (j, o) in second.iter_mut().enumerate() {
        let carry = if j == 0 {
            below
        } else {
            (x[j - 1] >> 1) >> (63 - r)
        };
        *o = carry | (x[j] << r);
    }
    dst[q..q + L].copy_from_slice(&second);
    dst[q + L] = (x[L - 1] >> 1) >> (63 - r);
}

/// The encoder body (see the module docs) for the block width of this Z; `scratch` holds
/// the doubled columns. Inlined into each ISA's compilation.
#[inline(always)]
fn encode_body<B: BitPack>(enc: &LdpcEncoder, c: &[u8], d: &mut [u8], scratch: &mut Vec<u64>) {
    match enc.nw {
        1 => encode_lanes::<B, 1>(enc, c, d, scratch),
        2 => encode_lanes::<B, 2>(enc, c, d, scratch),
        3 | 4 => encode_lanes::<B, 4>(enc, c, d, scratch),
        _ => encode_lanes::<B, LANES>(enc, c, d, scratch),
    }
}

/// [`encode_body`] on blocks of L words.
#[inline(always)]
fn encode_lanes<B: BitPack, const L: usize>(
    enc: &LdpcEncoder,
    c: &[u8],
    d: &mut [u8],
    scratch: &mut Vec<u64>,
) {
    let (z, kb, stride) = (enc.z, enc.kb, 2 * enc.nw);
    let rows = enc.info_taps.len();
    // Doubled systematic columns, then the four doubled core parity columns, then padding
    // for the last reads and writes, then the packed parity blocks (L words each). The
    // scratch only grows, so after the first block nothing is allocated.
    let len = (kb + 4) * stride + 2 * L + 2;
    let total = len + rows.max(kb) * L;
    if scratch.len() < total {
        scratch.resize(total, 0);
    }
    let (xx, par) = scratch.split_at_mut(len);
    // The systematic columns are packed first, all of them, into the parity blocks' space
    // (free until the rows are computed), and doubled in a second pass: a vector read of a
    // block right after its words were stored one by one would stall on forwarding.
    for (x, w) in c.chunks_exact(z).zip(par.chunks_exact_mut(L)) {
        pack::<B, L>(x, w.try_into().expect("L words"));
    }
    for (col, w) in par.chunks_exact(L).take(kb).enumerate() {
        put_doubled::<L>(xx, col * stride, w.try_into().expect("L words"), z);
    }
    let par = &mut par[..rows * L];
    // λ of the core rows; their sum is p_0 rotated.
    let mut lam = [[0u64; L]; 4];
    let mut sum = [0u64; L];
    for (l, taps) in lam.iter_mut().zip(&enc.info_taps) {
        xor_taps(xx, taps, l);
        for (s, v) in sum.iter_mut().zip(l.iter()) {
            *s ^= v;
        }
    }
    mask_to(&mut sum, z);
    let p0col = kb * stride;
    put_doubled(xx, p0col, &sum, z);
    let mut p = [0u64; L];
    xor_taps(xx, std::slice::from_ref(&enc.p0_tap), &mut p);
    mask_to(&mut p, z);
    put_doubled(xx, p0col, &p, z);
    let mut blocks = par.chunks_exact_mut(L);
    blocks.next().expect("row 0").copy_from_slice(&p);
    // Core rows 0..=2 give p_1..p_3 in turn (each from its λ and the parities before it).
    for ((i, taps), out) in enc.core_taps.iter().enumerate().zip(&mut blocks) {
        let mut acc = lam[i];
        xor_taps(xx, taps, &mut acc);
        mask_to(&mut acc, z);
        put_doubled(xx, (kb + 1 + i) * stride, &acc, z);
        out.copy_from_slice(&acc);
    }
    // Extension rows: their systematic and core parity columns.
    for (taps, out) in enc.info_taps[4..].iter().zip(blocks) {
        let mut acc = [0u64; L];
        xor_taps(xx, taps, &mut acc);
        out.copy_from_slice(&acc);
    }
    // The output, once every block is packed: unpacking reads words of blocks stored long
    // before (reading them back right after the vector store would stall on forwarding).
    let (systematic, parity) = d.split_at_mut((kb - 2) * z);
    systematic.copy_from_slice(&c[2 * z..]);
    for (w, out) in par.chunks_exact(L).zip(parity.chunks_exact_mut(z)) {
        unpack::<B, L>(w.try_into().expect("L words"), out);
    }
}

impl LdpcEncoder {
    /// Builds the encoder for base graph `bg` and lifting size `z_c`, for the best ISA of
    /// this CPU.
    pub fn new(bg: BaseGraph, z_c: LiftingSize) -> Result<Self, Error> {
        Self::with_isa(bg, z_c, Isa::detect())
    }

    /// Builds the encoder for `isa` (fails if this CPU lacks it); every ISA gives the same
    /// bits.
    pub fn with_isa(bg: BaseGraph, z_c: LiftingSize, isa: Isa) -> Result<Self, Error> {
        let isa = isa.require()?;
        let z = z_c.value();
        let kb = bg.info_columns();
        let rows = bg.lifted_rows(z_c);
        let broken = |what: &str| {
            Error::invalid(
                "LDPC base graph structure",
                "double-diagonal core",
                what.to_string(),
            )
        };
        // Core rows 0..=3: columns kb+1..kb+3 are identities appearing twice (they cancel in
        // the sum); column kb's shifts cancel in pairs but one.
        let mut col_kb: Vec<usize> = Vec::new();
        for row in &rows[..4] {
            for &(c, s) in row {
                if c == kb {
                    col_kb.push(s);
                } else if c > kb && s != 0 {
                    return Err(broken("non-identity core parity block"));
                }
            }
        }
        let mut left: Vec<usize> = Vec::new();
        for s in col_kb {
            if let Some(p) = left.iter().position(|&x| x == s) {
                left.remove(p);
            } else {
                left.push(s);
            }
        }
        let [p0_shift] = left[..] else {
            return Err(broken("p0 not determined by the core rows"));
        };
        for (r, row) in rows.iter().enumerate().take(3) {
            let unknown = kb + 1 + r;
            if !row.iter().any(|&(c, _)| c == unknown)
                || row.iter().any(|&(c, _)| c > unknown && c < kb + 4)
            {
                return Err(broken("core row does not determine its parity block"));
            }
        }
        for (i, row) in rows.iter().enumerate().skip(4) {
            let ext: Vec<_> = row.iter().filter(|&&(c, _)| c >= kb + 4).collect();
            if ext.len() != 1 || ext[0].0 != kb + i || ext[0].1 != 0 {
                return Err(broken(
                    "extension row is not identity on its own parity block",
                ));
            }
        }
        let nw = z.div_ceil(64);
        let stride = 2 * nw;
        let tap = |c: usize, s: usize| Tap {
            word: (c * stride + s / 64) as u32,
            r: (s % 64) as u32,
        };
        let info_taps = rows
            .iter()
            .enumerate()
            .map(|(i, row)| {
                row.iter()
                    .filter(|&&(c, _)| c < kb || (i >= 4 && c < kb + 4))
                    .map(|&(c, s)| tap(c, s))
                    .collect()
            })
            .collect();
        let core_taps = (0..3)
            .map(|i| {
                rows[i]
                    .iter()
                    .filter(|&&(c, _)| c >= kb && c - kb < i + 1)
                    .map(|&(c, s)| tap(c, s))
                    .collect()
            })
            .collect();
        // P_{s0}(p0) = sum  ⇒  p0[m] = sum[(m − s0) mod Z]: the sum read rotated by Z − s0.
        let p0_tap = tap(kb, (z - p0_shift) % z);
        Ok(LdpcEncoder {
            info_taps,
            core_taps,
            isa,
            bg,
            z,
            kb,
            rows,
            nw,
            p0_tap,
        })
    }

    /// Base graph.
    pub fn base_graph(&self) -> BaseGraph {
        self.bg
    }

    /// Z_c.
    pub fn z(&self) -> usize {
        self.z
    }

    /// Code block size K = 22·Z_c or 10·Z_c.
    pub fn k(&self) -> usize {
        self.kb * self.z
    }

    /// Coded length N = 66·Z_c or 50·Z_c.
    pub fn n(&self) -> usize {
        self.bg.n_over_z() * self.z
    }

    /// Encodes K bits `c` into `d` (N bits).
    #[allow(unsafe_code)]
    pub fn encode(&self, c: &[u8], d: &mut [u8]) -> Result<(), Error> {
        Error::check_len("LDPC input (K bits)", self.k(), c.len())?;
        Error::check_len("LDPC output (N bits)", self.n(), d.len())?;
        SCRATCH.with_borrow_mut(|ext| match self.isa {
            // SAFETY: the ISA was checked by `Isa::require` when the encoder was built.
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => unsafe { avx512::encode(self, c, d, ext) },
            // SAFETY: as above.
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => unsafe { avx2::encode(self, c, d, ext) },
            _ => encode_body::<Portable>(self, c, d, ext),
        });
        Ok(())
    }

    /// The ISA the encoder runs on.
    pub fn isa(&self) -> Isa {
        self.isa
    }

    /// Whether `x` (all `columns·Z` bits, systematic first, unpunctured) satisfies H·x = 0.
    pub fn is_codeword(&self, x: &[u8]) -> bool {
        let z = self.z;
        if x.len() != self.bg.columns() * z {
            return false;
        }
        let mut acc = vec![0u8; z];
        self.rows.iter().all(|row| {
            acc.fill(0);
            for &(col, s) in row {
                xor_rot(&mut acc, &x[col * z..(col + 1) * z], s);
            }
            acc.iter().all(|&b| b == 0)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_lifting_size_gives_codewords() {
        let mut r = nrkit_core::rng::stream(99, 0);
        for bg in [BaseGraph::Bg1, BaseGraph::Bg2] {
            for z in LiftingSize::all() {
                let enc = LdpcEncoder::with_isa(bg, z, Isa::Scalar).unwrap();
                let mut c = vec![0u8; enc.k()];
                nrkit_core::rng::fill_bits(&mut r, &mut c);
                let mut d = vec![0u8; enc.n()];
                enc.encode(&c, &mut d).unwrap();
                for isa in Isa::available() {
                    let mut got = vec![0u8; enc.n()];
                    let e = LdpcEncoder::with_isa(bg, z, isa).unwrap();
                    e.encode(&c, &mut got).unwrap();
                    assert_eq!(got, d, "{isa} {bg:?} Z={}", z.value());
                }
                let mut full = c[..2 * enc.z()].to_vec();
                full.extend_from_slice(&d);
                assert!(enc.is_codeword(&full), "{bg:?} Z={}", z.value());
                full[5] ^= 1;
                assert!(!enc.is_codeword(&full));
            }
        }
    }
}
