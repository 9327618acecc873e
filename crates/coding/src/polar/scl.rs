//! CRC-aided successive-cancellation list (CA-SCL) decoding of the codes of [`super`].
//!
//! LLR-domain SC on the code tree of d = u·G_N (all-frozen and all-information subtrees are
//! decided in one step, as in fast SSCL): a node of size n passes
//! f(a, b) = sign(a)·sign(b)·min(|a|, |b|) of its two halves to its left child and
//! g(a, b, β) = b + (1 − 2β)·a to its right child, and returns β = (β_L ⊕ β_R, β_R). Each
//! information bit forks every path; the L paths of smallest metric survive, with the
//! metric growing by |LLR| whenever a decision disagrees with its LLR. At the end the
//! paths are offered, best first, to the caller's CRC check; the first that passes wins.
//! List size 1 is plain SC decoding.

use nrkit_core::Error;

use super::PolarCode;

/// Most paths.
pub const MAX_LIST: usize = 32;

#[derive(Clone)]
struct Path {
    llr: Vec<f32>,
    beta: Vec<u8>,
    u: Vec<u8>,
    pm: f32,
}

#[inline]
fn f(a: f32, b: f32) -> f32 {
    let m = a.abs().min(b.abs());
    if (a < 0.0) != (b < 0.0) {
        -m
    } else {
        m
    }
}

#[inline]
fn g(a: f32, b: f32, beta: u8) -> f32 {
    if beta == 0 {
        b + a
    } else {
        b - a
    }
}

/// A CA-SCL decoder for one code and list size.
#[derive(Debug, Clone)]
pub struct SclDecoder {
    code: PolarCode,
    list: usize,
    m: usize,
    /// frozen_prefix[i] = number of frozen bits among u_0 … u_{i−1}.
    frozen_prefix: Vec<usize>,
}

impl SclDecoder {
    /// A decoder for `code` with list size `list` (1..=32; 8 is the usual choice).
    pub fn new(code: PolarCode, list: usize) -> Result<Self, Error> {
        if list == 0 || list > MAX_LIST {
            return Err(Error::invalid("polar list size", "1..=32", list));
        }
        let m = code.n().trailing_zeros() as usize;
        let mut frozen_prefix = vec![0usize; code.n() + 1];
        for (i, &f) in code.frozen().iter().enumerate() {
            frozen_prefix[i + 1] = frozen_prefix[i] + usize::from(f);
        }
        Ok(SclDecoder {
            code,
            list,
            m,
            frozen_prefix,
        })
    }

    /// The code.
    pub fn code(&self) -> &PolarCode {
        &self.code
    }

    fn off(&self, depth: usize) -> usize {
        let n = self.code.n();
        2 * n - 2 * (n >> depth)
    }

    /// Decodes the N LLRs of d (from [`PolarCode::rate_recover`]); `crc_ok` receives the K
    /// bits of each surviving path, best first. Returns the K bits of the first path that
    /// passes and `true`, or of the best path and `false`.
    pub fn decode(
        &self,
        d_llr: &[f32],
        crc_ok: impl Fn(&[u8]) -> bool,
    ) -> Result<(Vec<u8>, bool), Error> {
        let n = self.code.n();
        Error::check_len("polar LLRs (N)", n, d_llr.len())?;
        let mut llr = vec![0f32; 2 * n];
        llr[..n].copy_from_slice(d_llr);
        let mut paths = vec![Path {
            llr,
            beta: vec![0u8; 2 * n],
            u: vec![0u8; n],
            pm: 0.0,
        }];
        self.node(&mut paths, 0, 0);
        paths.sort_by(|a, b| a.pm.total_cmp(&b.pm));
        let mut c = vec![0u8; self.code.k()];
        for p in &paths {
            self.code.extract(&p.u, &mut c);
            if crc_ok(&c) {
                return Ok((c, true));
            }
        }
        self.code.extract(&paths[0].u, &mut c);
        Ok((c, false))
    }

    fn node(&self, paths: &mut Vec<Path>, depth: usize, u_off: usize) {
        let n = self.code.n() >> depth;
        let frozen = self.frozen_prefix[u_off + n] - self.frozen_prefix[u_off];
        if frozen == n {
            self.rate0(paths, depth, u_off);
            return;
        }
        if n == 1 {
            self.leaf(paths, depth, u_off);
            return;
        }
        if frozen == 0 {
            self.rate1(paths, depth, u_off);
            return;
        }
        let half = n / 2;
        let (po, co) = (self.off(depth), self.off(depth + 1));
        for p in paths.iter_mut() {
            for i in 0..half {
                p.llr[co + i] = f(p.llr[po + i], p.llr[po + half + i]);
            }
        }
        self.node(paths, depth + 1, u_off);
        for p in paths.iter_mut() {
            for i in 0..half {
                let bl = p.beta[co + i];
                p.beta[po + i] = bl;
                p.llr[co + i] = g(p.llr[po + i], p.llr[po + half + i], bl);
            }
        }
        self.node(paths, depth + 1, u_off + half);
        for p in paths.iter_mut() {
            for i in 0..half {
                let (bl, br) = (p.beta[po + i], p.beta[co + i]);
                p.beta[po + i] = bl ^ br;
                p.beta[po + half + i] = br;
            }
        }
    }

    /// All-frozen subtree: x = 0; each negative LLR costs its magnitude (the max-log path
    /// metric of the subtree's SC decisions, computed from the node's LLRs directly).
    fn rate0(&self, paths: &mut [Path], depth: usize, u_off: usize) {
        let n = self.code.n() >> depth;
        let at = self.off(depth);
        for p in paths.iter_mut() {
            let pen: f32 = p.llr[at..at + n]
                .iter()
                .filter(|&&l| l < 0.0)
                .map(|l| -l)
                .sum();
            p.pm += pen;
            p.beta[at..at + n].fill(0);
            p.u[u_off..u_off + n].fill(0);
        }
    }

    /// All-information subtree: hard decisions, then forks that flip the min(L − 1, n) least
    /// reliable positions one at a time (each flip costs |LLR|).
    fn rate1(&self, paths: &mut Vec<Path>, depth: usize, u_off: usize) {
        let n = self.code.n() >> depth;
        let at = self.off(depth);
        // Per path: hard decisions into beta and the reliability order of its positions.
        let mut orders: Vec<Vec<usize>> = Vec::with_capacity(paths.len());
        for p in paths.iter_mut() {
            for i in 0..n {
                p.beta[at + i] = u8::from(p.llr[at + i] < 0.0);
            }
            let mut idx: Vec<usize> = (0..n).collect();
            idx.sort_by(|&a, &b| p.llr[at + a].abs().total_cmp(&p.llr[at + b].abs()));
            idx.truncate((self.list - 1).min(n));
            orders.push(idx);
        }
        let flips = (self.list - 1).min(n);
        for step in 0..flips {
            // Candidates: keep (no cost) or flip the step-th least reliable position.
            let mut cand: Vec<(usize, bool, f32)> = Vec::with_capacity(2 * paths.len());
            for (i, p) in paths.iter().enumerate() {
                let pos = orders[i][step];
                cand.push((i, false, p.pm));
                cand.push((i, true, p.pm + p.llr[at + pos].abs()));
            }
            if cand.len() > self.list {
                cand.sort_by(|a, b| a.2.total_cmp(&b.2));
                cand.truncate(self.list);
            }
            let mut counts = vec![0usize; paths.len()];
            for &(pi, _, _) in &cand {
                counts[pi] += 1;
            }
            let mut taken: Vec<Option<Path>> = paths.drain(..).map(Some).collect();
            let mut next = Vec::with_capacity(cand.len());
            let mut next_orders = Vec::with_capacity(cand.len());
            cand.sort_by_key(|c| (c.0, c.1));
            for (pi, flip, pm) in cand {
                counts[pi] -= 1;
                let mut p = if counts[pi] == 0 {
                    taken[pi].take().expect("moved once")
                } else {
                    taken[pi].as_ref().expect("present").clone()
                };
                if flip {
                    p.beta[at + orders[pi][step]] ^= 1;
                }
                p.pm = pm;
                next.push(p);
                next_orders.push(orders[pi].clone());
            }
            *paths = next;
            orders = next_orders;
        }
        // u of the subtree = β·G_n (G_n is its own inverse).
        for p in paths.iter_mut() {
            let (beta, u) = (&p.beta[at..at + n], &mut p.u[u_off..u_off + n]);
            u.copy_from_slice(beta);
            PolarCode::transform(u);
        }
    }

    fn leaf(&self, paths: &mut Vec<Path>, depth: usize, u: usize) {
        let at = self.off(depth);
        debug_assert_eq!(depth, self.m);
        if self.code.frozen()[u] {
            for p in paths.iter_mut() {
                let l = p.llr[at];
                if l < 0.0 {
                    p.pm -= l;
                }
                p.u[u] = 0;
                p.beta[at] = 0;
            }
            return;
        }
        // Candidates (path index, bit, metric).
        let mut cand: Vec<(usize, u8, f32)> = Vec::with_capacity(2 * paths.len());
        for (i, p) in paths.iter().enumerate() {
            let l = p.llr[at];
            cand.push((i, 0, p.pm + if l < 0.0 { -l } else { 0.0 }));
            cand.push((i, 1, p.pm + if l > 0.0 { l } else { 0.0 }));
        }
        if cand.len() > self.list {
            cand.sort_by(|a, b| a.2.total_cmp(&b.2));
            cand.truncate(self.list);
        }
        let mut next: Vec<Path> = Vec::with_capacity(cand.len());
        // Move each path into its first surviving candidate, clone for the second.
        let mut taken: Vec<Option<Path>> = paths.drain(..).map(Some).collect();
        let mut order: Vec<usize> = (0..cand.len()).collect();
        // Candidates of the same path: the later one clones (the source is still present).
        order.sort_by_key(|&c| (cand[c].0, cand[c].1));
        let mut counts = vec![0usize; taken.len()];
        for &(pi, _, _) in &cand {
            counts[pi] += 1;
        }
        for ci in order {
            let (pi, bit, pm) = cand[ci];
            counts[pi] -= 1;
            let mut p = if counts[pi] == 0 {
                taken[pi].take().expect("each path moved once")
            } else {
                taken[pi].as_ref().expect("present until moved").clone()
            };
            p.u[u] = bit;
            p.beta[at] = bit;
            p.pm = pm;
            next.push(p);
        }
        *paths = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crc::{Crc, CrcPoly};
    use nrkit_core::rng;

    fn payload_with_crc(a: usize, r: &mut impl rand::Rng) -> Vec<u8> {
        let mut b = vec![0u8; a];
        rng::fill_bits(r, &mut b);
        Crc::new(CrcPoly::Crc24C).attach_bits(&mut b);
        b
    }

    #[test]
    fn noiseless_round_trip_for_repetition_puncturing_and_shortening() {
        let mut r = rng::stream(41, 0);
        for (a, e, expect) in [
            (32usize, 864usize, super::super::Selection::Repetition),
            (16, 100, super::super::Selection::Puncturing),
            (40, 100, super::super::Selection::Shortening),
            (140, 300, super::super::Selection::Shortening),
            (140, 400, super::super::Selection::Puncturing),
        ] {
            let c = payload_with_crc(a, &mut r);
            let code = PolarCode::new(c.len(), e, 9, true, false).unwrap();
            assert_eq!(code.selection(), expect, "A={a} E={e}");
            let f = code.encode_rm(&c).unwrap();
            let llr: Vec<f32> = f.iter().map(|&b| if b == 0 { 4.0 } else { -4.0 }).collect();
            let mut d = vec![0f32; code.n()];
            code.rate_recover(&llr, &mut d).unwrap();
            let crc = Crc::new(CrcPoly::Crc24C);
            for list in [1, 8] {
                let dec = SclDecoder::new(code.clone(), list).unwrap();
                let (got, ok) = dec.decode(&d, |b| crc.check_bits(b)).unwrap();
                assert!(ok, "A={a} E={e} L={list}");
                assert_eq!(got, c);
            }
        }
    }

    #[test]
    fn bch_decodes_at_low_snr_with_list_8() {
        let mut r = rng::stream(42, 0);
        let crc = Crc::new(CrcPoly::Crc24C);
        let code = PolarCode::new(56, 864, 9, true, false).unwrap();
        let dec = SclDecoder::new(code.clone(), 8).unwrap();
        let sigma = 1.6f64; // Es/N0 ≈ −4 dB per coded bit
        let mut ok = 0;
        for _ in 0..20 {
            let c = payload_with_crc(32, &mut r);
            let f = code.encode_rm(&c).unwrap();
            let llr: Vec<f32> = f
                .iter()
                .map(|&b| {
                    let y = if b == 0 { 1.0 } else { -1.0 } + rng::normal(&mut r) * sigma;
                    (2.0 * y / (sigma * sigma)) as f32
                })
                .collect();
            let mut d = vec![0f32; code.n()];
            code.rate_recover(&llr, &mut d).unwrap();
            let (got, pass) = dec.decode(&d, |b| crc.check_bits(b)).unwrap();
            if pass && got == c {
                ok += 1;
            }
        }
        assert!(ok >= 18, "{ok}/20");
    }
}
