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

use nrkit_core::Error;

use super::{BaseGraph, LiftingSize};

/// An encoder for one base graph and lifting size (shift tables built once).
#[derive(Debug, Clone)]
pub struct LdpcEncoder {
    bg: BaseGraph,
    z: usize,
    kb: usize,
    /// Per row block: (column block, shift P_ij).
    rows: Vec<Vec<(usize, usize)>>,
    /// Shift of p_0 left after summing the core rows.
    p0_shift: usize,
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

impl LdpcEncoder {
    /// Builds the encoder for base graph `bg` and lifting size `z_c`.
    pub fn new(bg: BaseGraph, z_c: LiftingSize) -> Result<Self, Error> {
        let z = z_c.value();
        let ils = z_c.set_index();
        let kb = bg.info_columns();
        let mut rows = vec![Vec::new(); bg.rows()];
        for &(r, c, v) in bg.table() {
            rows[usize::from(r)].push((usize::from(c), usize::from(v[ils]) % z));
        }
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
        Ok(LdpcEncoder {
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
        let z = self.z;
        let kb = self.kb;
        let sys = (kb - 2) * z;
        d[..sys].copy_from_slice(&c[2 * z..]);
        let (_, parity) = d.split_at_mut(sys);
        parity.fill(0);
        // λ_i for every row, accumulated straight into the parity block it determines.
        let lambda = |i: usize, acc: &mut [u8]| {
            for &(col, s) in &self.rows[i] {
                if col < kb {
                    xor_rot(acc, &c[col * z..(col + 1) * z], s);
                }
            }
        };
        // p_0: unshift Σ_{i<4} λ_i by p0_shift.
        let mut sum = vec![0u8; z];
        for i in 0..4 {
            lambda(i, &mut sum);
        }
        let s0 = self.p0_shift;
        {
            let p0 = &mut parity[..z];
            // P_{s0}(p0) = sum  ⇒  p0[m] = sum[(m − s0) mod Z] = rot(sum, Z − s0).
            xor_rot(p0, &sum, (z - s0) % z);
        }
        // Core rows 0..=2 give p_1..p_3; extension rows give their own block.
        for i in 0..self.rows.len() {
            if i == 3 {
                continue;
            }
            let target = if i < 3 { i + 1 } else { i };
            let (known, rest) = parity.split_at_mut(target * z);
            let acc = &mut rest[..z];
            lambda(i, acc);
            for &(col, s) in &self.rows[i] {
                if col >= kb && col - kb != target {
                    let j = col - kb;
                    xor_rot(acc, &known[j * z..(j + 1) * z], s);
                }
            }
        }
        Ok(())
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
                let enc = LdpcEncoder::new(bg, z).unwrap();
                let mut c = vec![0u8; enc.k()];
                nrkit_core::rng::fill_bits(&mut r, &mut c);
                let mut d = vec![0u8; enc.n()];
                enc.encode(&c, &mut d).unwrap();
                let mut full = c[..2 * enc.z()].to_vec();
                full.extend_from_slice(&d);
                assert!(enc.is_codeword(&full), "{bg:?} Z={}", z.value());
                full[5] ^= 1;
                assert!(!enc.is_codeword(&full));
            }
        }
    }
}
