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
//! systematic bits are punctured. Filler bits are given as 0 in c and stay 0 in d.
//!
//! Speed: every column block that is read rotated is first laid out twice in a row
//! (x ‖ x), so that a rotation is one contiguous slice and every XOR runs over Z
//! contiguous bytes; the body is compiled for scalar, AVX2 and AVX-512 (XOR is exact, so
//! all give the same bits).
#![allow(unsafe_code)]

use nrkit_core::Error;
use nrkit_dsp::Isa;

use super::{BaseGraph, LiftingSize};

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;

/// An encoder for one base graph and lifting size (shift tables built once).
#[derive(Debug, Clone)]
pub struct LdpcEncoder {
    isa: Isa,
    bg: BaseGraph,
    z: usize,
    kb: usize,
    /// Per row block: (column block, shift P_ij).
    rows: Vec<Vec<(usize, usize)>>,
    /// Shift of p_0 left after summing the core rows.
    p0_shift: usize,
    /// Per row: offsets into the doubled-column scratch of its systematic columns (for the
    /// extension rows, also of its core parity columns).
    info_offs: Vec<Vec<usize>>,
    /// Core rows 0..=2: offsets of the core parity columns before the one they determine.
    core_offs: Vec<Vec<usize>>,
}

/// `acc[k] ^= x[(k + s) mod Z]`.
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
    /// Per-thread scratch of [`encode_body`] (a few tens of kB at most, reused).
    static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Bytes per block of the row XOR (one AVX-512 vector, two AVX2 ones).
const BLOCK: usize = 64;

/// `out = init ⊕ (⊕_o ext[o..o + Z])` over the offsets `offs`, one block of [`BLOCK`] bytes
/// at a time so that the running XOR stays in registers (the last block may read up to
/// `BLOCK` − 1 bytes past Z: `ext` is padded).
#[inline(always)]
fn xor_rows(ext: &[u8], offs: &[usize], init: Option<&[u8]>, out: &mut [u8]) {
    let z = out.len();
    let block = |j: usize, r: &mut [u8; BLOCK]| {
        for &o in offs {
            let src: &[u8; BLOCK] = ext[o + j..o + j + BLOCK].try_into().expect("padded");
            for (a, b) in r.iter_mut().zip(src) {
                *a ^= b;
            }
        }
    };
    // Whole blocks: fixed-size moves only (a variable length would become a memcpy call).
    let mut outs = out.chunks_exact_mut(BLOCK);
    for (bi, o) in (&mut outs).enumerate() {
        let j = bi * BLOCK;
        let mut r = match init {
            Some(i) => *<&[u8; BLOCK]>::try_from(&i[j..j + BLOCK]).expect("block"),
            None => [0u8; BLOCK],
        };
        block(j, &mut r);
        o.copy_from_slice(&r);
    }
    let tail = outs.into_remainder();
    if !tail.is_empty() {
        let j = z - tail.len();
        let mut r = [0u8; BLOCK];
        if let Some(i) = init {
            r[..tail.len()].copy_from_slice(&i[j..]);
        }
        block(j, &mut r);
        tail.copy_from_slice(&r[..tail.len()]);
    }
}

/// `dst = src` (equal lengths) in whole blocks of fixed size (inlined vector moves rather
/// than a library call per column), then the remainder.
#[inline(always)]
fn copy_blocks(dst: &mut [u8], src: &[u8]) {
    let mut d = dst.chunks_exact_mut(BLOCK);
    let mut s = src.chunks_exact(BLOCK);
    for (a, b) in (&mut d).zip(&mut s) {
        let b: &[u8; BLOCK] = b.try_into().expect("block");
        a.copy_from_slice(b);
    }
    let rest = d.into_remainder();
    if !rest.is_empty() {
        rest.copy_from_slice(s.remainder());
    }
}

/// Writes x ‖ x as doubled column `col` of `ext`.
#[inline(always)]
fn put_doubled(ext: &mut [u8], col: usize, x: &[u8]) {
    let z = x.len();
    let dst = &mut ext[2 * col * z..2 * (col + 1) * z];
    let (a, b) = dst.split_at_mut(z);
    copy_blocks(a, x);
    copy_blocks(b, x);
}

/// The encoder body (see the module docs); `ext` is scratch. Inlined into each ISA's
/// compilation.
#[inline(always)]
fn encode_body(enc: &LdpcEncoder, c: &[u8], d: &mut [u8], scratch: &mut Vec<u8>) {
    let z = enc.z;
    let kb = enc.kb;
    // Doubled systematic columns, then the four doubled core parity columns, then padding
    // (never stored from), then λ of the core rows (4·Z) and their sum (Z). The scratch
    // only grows, so after the first block nothing is allocated or cleared.
    let ext_len = (kb + 4) * 2 * z + BLOCK;
    if scratch.len() < ext_len + 5 * z {
        scratch.resize(ext_len + 5 * z, 0);
    }
    let (ext, rest) = scratch.split_at_mut(ext_len);
    let (lam, rest) = rest.split_at_mut(4 * z);
    let sum = &mut rest[..z];
    let sys = (kb - 2) * z;
    let (systematic, parity) = d.split_at_mut(sys);
    // The systematic output (columns 2…) is copied while each column is at hand.
    for (col, x) in c.chunks_exact(z).enumerate() {
        put_doubled(ext, col, x);
        if col >= 2 {
            copy_blocks(&mut systematic[(col - 2) * z..(col - 1) * z], x);
        }
    }
    // λ of the core rows and their sum.
    for (i, l) in lam.chunks_exact_mut(z).enumerate() {
        xor_rows(ext, &enc.info_offs[i], None, l);
    }
    sum.copy_from_slice(&lam[..z]);
    for l in lam[z..].chunks_exact(z) {
        for (a, b) in sum.iter_mut().zip(l) {
            *a ^= b;
        }
    }
    // P_{s0}(p0) = sum  ⇒  p0[m] = sum[(m − s0) mod Z] = rot(sum, Z − s0).
    let s0 = (z - enc.p0_shift) % z;
    let (p0, rest) = parity.split_at_mut(z);
    p0[..z - s0].copy_from_slice(&sum[s0..]);
    p0[z - s0..].copy_from_slice(&sum[..s0]);
    put_doubled(ext, kb, p0);
    // Core rows 0..=2 give p_1..p_3 in turn (each from its λ and the parities before it).
    for i in 0..3 {
        let acc = &mut rest[i * z..(i + 1) * z];
        xor_rows(ext, &enc.core_offs[i], Some(&lam[i * z..(i + 1) * z]), acc);
        put_doubled(ext, kb + 1 + i, acc);
    }
    // Extension rows: their systematic and core parity columns.
    for i in 4..enc.rows.len() {
        xor_rows(
            ext,
            &enc.info_offs[i],
            None,
            &mut parity[i * z..(i + 1) * z],
        );
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
        let w = 2 * z;
        let info_offs = rows
            .iter()
            .enumerate()
            .map(|(i, row)| {
                row.iter()
                    .filter(|&&(c, _)| c < kb || (i >= 4 && c < kb + 4))
                    .map(|&(c, s)| c * w + s)
                    .collect()
            })
            .collect();
        let core_offs = (0..3)
            .map(|i| {
                rows[i]
                    .iter()
                    .filter(|&&(c, _)| c >= kb && c - kb < i + 1)
                    .map(|&(c, s)| c * w + s)
                    .collect()
            })
            .collect();
        Ok(LdpcEncoder {
            info_offs,
            core_offs,
            isa,
            bg,
            z,
            kb,
            rows,
            p0_shift,
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
            _ => encode_body(self, c, d, ext),
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
