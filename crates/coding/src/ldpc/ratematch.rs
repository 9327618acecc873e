//! LDPC rate matching and recovery, TS 38.212 §5.4.2, with HARQ soft combining.
//!
//! Bit selection (§5.4.2.1) reads the circular buffer d_0 … d_{N_cb−1} from k0 (Table
//! 5.4.2.1-2) skipping filler bits, until E bits are taken; bit interleaving (§5.4.2.2)
//! writes them row by row into Q_m rows and reads column by column, so each modulation
//! symbol's first bit comes from the first (systematic-heavy) part. N_cb = N, or with
//! limited-buffer rate matching min(N, ⌊TBS_LBRM / (C·R_LBRM)⌋), R_LBRM = 2/3.
//!
//! Recovery undoes both and **adds** the LLRs into a soft buffer of N values (positive ⇒
//! bit 0), so calling it for several redundancy versions combines them (HARQ); filler
//! positions are set to [`FILLER_LLR`] (known zeros), positions never sent stay as they
//! were (0 = erased for a fresh buffer).

use nrkit_core::Error;

use super::{BaseGraph, LiftingSize, Segmentation};

/// LLR written at filler positions: a certain 0.
pub const FILLER_LLR: f32 = 1.0e4;

/// Per-code-block rate matching parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateMatch {
    bg: BaseGraph,
    z: usize,
    n: usize,
    n_cb: usize,
    /// Filler positions in d: [filler_start, filler_end).
    filler_start: usize,
    filler_end: usize,
}

/// Modulation orders Q_m accepted by the bit interleaver.
const QM: [usize; 6] = [1, 2, 4, 6, 8, 10];

impl RateMatch {
    /// Rate matching for code blocks of segmentation `s`, with limited-buffer rate matching
    /// when `tbs_lbrm` is given (TBS_LBRM of TS 38.212 §5.4.2.1, in bits).
    pub fn new(s: &Segmentation, tbs_lbrm: Option<usize>) -> Result<Self, Error> {
        Self::with_fillers(s.bg, s.z_c, s.k_prime, tbs_lbrm, s.c)
    }

    /// Rate matching for base graph `bg`, lifting size `z`, `k_prime` bits per block before
    /// fillers, optional TBS_LBRM and `c` code blocks (C, for N_ref).
    pub fn with_fillers(
        bg: BaseGraph,
        z: LiftingSize,
        k_prime: usize,
        tbs_lbrm: Option<usize>,
        c: usize,
    ) -> Result<Self, Error> {
        let zc = z.value();
        let k = bg.info_columns() * zc;
        if k_prime > k || k_prime < 2 * zc {
            return Err(Error::invalid("K'", format!("{}..={k}", 2 * zc), k_prime));
        }
        let n = bg.n_over_z() * zc;
        let n_cb = match tbs_lbrm {
            None => n,
            Some(t) => {
                if c == 0 {
                    return Err(Error::invalid("code blocks C", ">= 1", 0));
                }
                // N_ref = ⌊TBS_LBRM / (C · 2/3)⌋ = ⌊3·TBS_LBRM / (2·C)⌋.
                n.min(3 * t / (2 * c))
            }
        };
        if n_cb == 0 {
            return Err(Error::invalid("N_cb", ">= 1", 0));
        }
        Ok(RateMatch {
            bg,
            z: zc,
            n,
            n_cb,
            filler_start: k_prime - 2 * zc,
            filler_end: k - 2 * zc,
        })
    }

    /// Circular buffer length N_cb.
    pub fn n_cb(&self) -> usize {
        self.n_cb
    }

    /// Coded block length N.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Starting position k0 for redundancy version `rv` (Table 5.4.2.1-2).
    pub fn k0(&self, rv: u8) -> Result<usize, Error> {
        let num = match (self.bg, rv) {
            (_, 0) => return Ok(0),
            (BaseGraph::Bg1, 1) => 17,
            (BaseGraph::Bg1, 2) => 33,
            (BaseGraph::Bg1, 3) => 56,
            (BaseGraph::Bg2, 1) => 13,
            (BaseGraph::Bg2, 2) => 25,
            (BaseGraph::Bg2, 3) => 43,
            _ => return Err(Error::invalid("redundancy version", "0..=3", rv)),
        };
        Ok(num * self.n_cb / (self.bg.n_over_z() * self.z) * self.z)
    }

    fn is_filler(&self, p: usize) -> bool {
        p >= self.filler_start && p < self.filler_end
    }

    fn check(&self, e: usize, qm: usize) -> Result<(), Error> {
        if !QM.contains(&qm) {
            return Err(Error::invalid(
                "modulation order Q_m",
                "1, 2, 4, 6, 8 or 10",
                qm,
            ));
        }
        if e == 0 || !e.is_multiple_of(qm) {
            return Err(Error::invalid(
                "E",
                format!("a positive multiple of Q_m = {qm}"),
                e,
            ));
        }
        let fill_in_cb = self
            .filler_end
            .min(self.n_cb)
            .saturating_sub(self.filler_start.min(self.n_cb));
        if fill_in_cb >= self.n_cb {
            return Err(Error::invalid(
                "N_cb",
                "more positions than filler bits",
                self.n_cb,
            ));
        }
        Ok(())
    }

    /// The circular-buffer positions of the E selected bits, in selection order.
    /// Calls `visit(i, p)` for the E bits e_k in order (§5.4.2.1–2): p walks the circular
    /// buffer from k0, skipping the fillers; i = (k mod rows)·Q_m + ⌊k / rows⌋ is where the
    /// bit interleaver puts e_k (rows = E/Q_m). Counters instead of a division per bit.
    fn walk(&self, e: usize, qm: usize, k0: usize, mut visit: impl FnMut(usize, usize)) {
        let rows = e / qm;
        let (mut row, mut col, mut p, mut k) = (0usize, 0usize, k0 % self.n_cb, 0usize);
        while k < e {
            if p >= self.n_cb {
                p = 0;
                continue;
            }
            if self.is_filler(p) {
                p = self.filler_end;
                continue;
            }
            visit(row * qm + col, p);
            k += 1;
            p += 1;
            row += 1;
            if row == rows {
                row = 0;
                col += 1;
            }
        }
    }

    /// Rate-matches the N coded bits `d` into `f` (E bits) for `rv` and Q_m.
    pub fn rate_match(&self, d: &[u8], rv: u8, qm: usize, f: &mut [u8]) -> Result<(), Error> {
        Error::check_len("coded block d", self.n, d.len())?;
        let e = f.len();
        self.check(e, qm)?;
        self.walk(e, qm, self.k0(rv)?, |i, p| f[i] = d[p]);
        Ok(())
    }

    /// Adds the E received LLRs `f` (for `rv`, Q_m) into the soft buffer `soft` (N values).
    pub fn rate_recover(
        &self,
        f: &[f32],
        rv: u8,
        qm: usize,
        soft: &mut [f32],
    ) -> Result<(), Error> {
        Error::check_len("soft buffer", self.n, soft.len())?;
        let e = f.len();
        self.check(e, qm)?;
        self.walk(e, qm, self.k0(rv)?, |i, p| soft[p] += f[i]);
        for v in &mut soft[self.filler_start..self.filler_end] {
            *v = FILLER_LLR;
        }
        Ok(())
    }
}

/// E_r for code block r of C when G coded bits carry `n_layers` layers at Q_m (§5.4.2.1).
pub fn e_for_block(g: usize, c: usize, r: usize, qm: usize, n_layers: usize) -> usize {
    let unit = n_layers * qm;
    let symbols = g / unit;
    if r < c - symbols % c {
        unit * (symbols / c)
    } else {
        unit * symbols.div_ceil(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e_split_sums_to_g() {
        for (g, c, qm, nl) in [(10_000, 3, 2, 1), (123_456, 7, 6, 2), (64, 1, 8, 1)] {
            let total: usize = (0..c).map(|r| e_for_block(g, c, r, qm, nl)).sum();
            assert_eq!(total, g / (qm * nl) * qm * nl);
        }
    }

    #[test]
    fn recover_inverts_match_and_combines() {
        let s = Segmentation::new(3000, BaseGraph::Bg1).unwrap();
        let rm = RateMatch::new(&s, None).unwrap();
        let d: Vec<u8> = (0..rm.n()).map(|i| u8::from(i % 3 == 0)).collect();
        let mut soft = vec![0f32; rm.n()];
        for rv in [0u8, 2] {
            let mut f = vec![0u8; 4000];
            rm.rate_match(&d, rv, 4, &mut f).unwrap();
            let llr: Vec<f32> = f.iter().map(|&b| if b == 0 { 1.0 } else { -1.0 }).collect();
            rm.rate_recover(&llr, rv, 4, &mut soft).unwrap();
        }
        let mut seen = 0;
        for (p, (&v, &b)) in soft.iter().zip(&d).enumerate() {
            if rm.is_filler(p) {
                assert_eq!(v, FILLER_LLR);
            } else if v != 0.0 {
                seen += 1;
                assert_eq!(v < 0.0, b == 1, "position {p}");
            }
        }
        assert!(seen > 4000, "{seen}");
        assert!(rm.rate_match(&d, 4, 4, &mut [0u8; 8]).is_err());
        assert!(rm.rate_match(&d, 0, 3, &mut [0u8; 9]).is_err());
        assert!(rm.rate_match(&d, 0, 4, &mut [0u8; 10]).is_err());
    }
}
