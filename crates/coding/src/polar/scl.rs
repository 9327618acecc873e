//! CRC-aided successive-cancellation list (CA-SCL) decoding of the codes of [`super`].
//!
//! LLR-domain SC on the code tree of d = u·G_N, as a fast simplified SCL (Hashemi, Sarkis
//! et al.): a node of size n passes f(a, b) = sign(a)·sign(b)·min(|a|, |b|) of its two
//! halves to its left child and g(a, b, β) = b + (1 − 2β)·a to its right child, and
//! returns β = (β_L ⊕ β_R, β_R). Four kinds of subtree are decided in one step from the
//! node's LLRs instead of bit by bit:
//! * rate 0 (all frozen): β = 0, the metric grows by the magnitudes of the negative LLRs;
//! * repetition (all frozen but the last bit): β all 0 or all 1, each path forks into both;
//! * rate 1 (no frozen bit): hard decisions, then min(L − 1, n) steps that fork each path
//!   into keeping or flipping its next least reliable position (cost |LLR|);
//! * single parity check (only the first bit frozen): hard decisions with the least
//!   reliable bit fixing the parity (cost |LLR_min| when it must flip), then
//!   min(L, n) − 1 steps that fork into flipping the next least reliable bit together with
//!   the least reliable one.
//!
//! The metric of a path grows by |LLR| whenever a decision disagrees with its LLR; after
//! each fork the L paths of smallest metric survive. Paths live in L fixed slots; a fork
//! copies only the state the rest of the decoding still reads (the LLRs of ancestors
//! whose right child is still to come, the left-child decisions of ancestors being
//! finished). At the end the paths are offered, best first, to the caller's CRC check; the
//! first that passes wins. List size 1 is (fast) SC decoding.

use nrkit_core::Error;

use super::PolarCode;

/// Most paths.
pub const MAX_LIST: usize = 32;

/// (Σ max(−l, 0), Σ max(l, 0)) over `llr`: the costs of deciding all 0 or all 1, in 8
/// independent accumulators so that the sums vectorize.
#[inline]
fn costs(llr: &[f32]) -> (f32, f32) {
    let (mut c0, mut c1) = ([0f32; 8], [0f32; 8]);
    let mut it = llr.chunks_exact(8);
    for ch in &mut it {
        for ((a, b), &l) in c0.iter_mut().zip(c1.iter_mut()).zip(ch) {
            *a += (-l).max(0.0);
            *b += l.max(0.0);
        }
    }
    for (i, &l) in it.remainder().iter().enumerate() {
        c0[i] += (-l).max(0.0);
        c1[i] += l.max(0.0);
    }
    (c0.iter().sum(), c1.iter().sum())
}

/// sign(a)·sign(b)·min(|a|, |b|) (bit operations, so that the loops vectorize).
#[inline(always)]
fn f(a: f32, b: f32) -> f32 {
    let m = a.abs().min(b.abs());
    f32::from_bits(((a.to_bits() ^ b.to_bits()) & 0x8000_0000) | m.to_bits())
}

/// b + (1 − 2β)·a.
#[inline(always)]
fn g(a: f32, b: f32, beta: u8) -> f32 {
    b + f32::from_bits(a.to_bits() ^ (u32::from(beta & 1) << 31))
}

/// Kind of a subtree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A parity-check bit (leaf).
    Pc,
    Rate0,
    Rate1,
    Rep,
    Spc,
    Split,
}

/// A decision applied to a path's slot after a fork.
#[derive(Debug, Clone, Copy, Default)]
enum Choice {
    /// Keep the current decisions.
    #[default]
    Keep,
    /// Set all n decisions of the node to this bit (repetition).
    All(u8),
    /// Flip β at the node positions `order[b]` of the path for every bit b set.
    Mask(u32),
}

/// Keeps the `list` candidates of smallest metric (ties: earlier candidate first), in
/// ascending order of (metric, index). Metrics are ≥ 0, so their bit patterns order like
/// the values; integer keys sort much faster than a comparator.
fn keep_best<T: Copy + Default>(list: usize, cand: &mut Vec<T>, pm: impl Fn(&T) -> f32) {
    if cand.len() <= list {
        return;
    }
    let mut keys = [0u64; 2 * MAX_LIST];
    let keys = &mut keys[..cand.len()];
    for (i, (k, c)) in keys.iter_mut().zip(cand.iter()).enumerate() {
        *k = (u64::from(pm(c).to_bits()) << 32) | i as u64;
    }
    keys.sort_unstable();
    let mut picked = [T::default(); MAX_LIST];
    for (d, &k) in picked.iter_mut().zip(keys.iter()) {
        *d = cand[(k & 0xffff_ffff) as usize];
    }
    cand.clear();
    cand.extend_from_slice(&picked[..list]);
}

/// The buffers of a decode, kept per thread between decodes: L slots of per-path LLRs
/// (depths 1…m, N − 1 values) and decisions (depths 0…m, 2N − 1 values), the path metrics
/// and the active slots.
#[derive(Default)]
struct Scratch {
    llr: Vec<f32>,
    beta: Vec<u8>,
    pm: Vec<f32>,
    active: Vec<usize>,
    /// Per slot: the node's positions by reliability (rate 1, SPC).
    order: Vec<Vec<usize>>,
    /// Reused candidate buffer of `fork`.
    cand: Vec<(usize, Choice, f32)>,
    /// Reused sort keys of `hard`.
    keys: Vec<u64>,
    /// Per slot, codes with parity-check bits: XOR of the decided information bits u_i by
    /// i mod 5 (a PC bit at position n takes entry n mod 5: the value the shift register of
    /// §5.3.1.2 holds in y0 there).
    pc_state: Vec<[u8; 5]>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// Per-decode state: the mother code length, the channel LLRs and the buffers.
struct State<'a> {
    n: usize,
    channel: &'a [f32],
    b: Scratch,
}

/// Offset of depth `d`'s LLR array (d ≥ 1) in a slot, for mother code length `n`.
#[inline]
fn loff(n: usize, d: usize) -> usize {
    n - (n >> (d - 1))
}

/// Offset of depth `d`'s decision array in a slot, for mother code length `n`.
#[inline]
fn boff(n: usize, d: usize) -> usize {
    2 * n - 2 * (n >> d)
}

impl State<'_> {
    /// The LLRs of the node at depth `d` of slot `l`.
    fn llr_at(&self, l: usize, d: usize, len: usize) -> &[f32] {
        if d == 0 {
            &self.channel[..len]
        } else {
            let o = l * self.n + loff(self.n, d);
            &self.b.llr[o..o + len]
        }
    }

    /// Runs `k` on slot `l`'s node of size `n` at depth `d`: its LLRs, its left child's
    /// LLR array (n/2), its decision array (n) and its child's decision array (n/2).
    fn with_parent_child(
        &mut self,
        l: usize,
        d: usize,
        n: usize,
        k: impl FnOnce(&[f32], &mut [f32], &mut [u8], &mut [u8]),
    ) {
        let half = n / 2;
        let big = self.n;
        let co = loff(big, d + 1);
        let slot = &mut self.b.llr[l * big..(l + 1) * big];
        let (lo, hi) = slot.split_at_mut(co);
        let child = &mut hi[..half];
        let par: &[f32] = if d == 0 {
            &self.channel[..n]
        } else {
            let po = loff(big, d);
            &lo[po..po + n]
        };
        let bo = boff(big, d);
        let cbo = boff(big, d + 1);
        let bslot = &mut self.b.beta[l * 2 * big..(l + 1) * 2 * big];
        let (blo, bhi) = bslot.split_at_mut(cbo);
        k(par, child, &mut blo[bo..bo + n], &mut bhi[..half]);
    }

    fn beta_at(&mut self, l: usize, d: usize, len: usize) -> &mut [u8] {
        let o = l * 2 * self.n + boff(self.n, d);
        &mut self.b.beta[o..o + len]
    }

    /// Copies into slot `dst` what decoding still reads of slot `src` at the node
    /// (`depth`, `u_off`).
    fn copy_slot(&mut self, src: usize, dst: usize, depth: usize, u_off: usize) {
        let n = self.n;
        for d in 0..=depth {
            let size = n >> d;
            let right = d < depth && u_off & (size >> 1) != 0;
            if (d == depth || !right) && d > 0 {
                let o = loff(self.n, d);
                self.b
                    .llr
                    .copy_within(src * n + o..src * n + o + size, dst * n + o);
            }
            if d == depth || right {
                let o = boff(self.n, d);
                self.b
                    .beta
                    .copy_within(src * 2 * n + o..src * 2 * n + o + size, dst * 2 * n + o);
            }
        }
        self.b.pm[dst] = self.b.pm[src];
        let (a, b) = if src < dst {
            let (lo, hi) = self.b.order.split_at_mut(dst);
            (&lo[src], &mut hi[0])
        } else {
            let (lo, hi) = self.b.order.split_at_mut(src);
            (&hi[0], &mut lo[dst])
        };
        b.clear();
        b.extend_from_slice(a);
        self.b.pc_state[dst] = self.b.pc_state[src];
    }
}

/// A CA-SCL decoder for one code and list size.
#[derive(Debug, Clone)]
pub struct SclDecoder {
    code: PolarCode,
    list: usize,
    /// frozen_prefix[i] = number of frozen bits among u_0 … u_{i−1}.
    frozen_prefix: Vec<usize>,
}

impl SclDecoder {
    /// A decoder for `code` with list size `list` (1..=32; 8 is the usual choice).
    pub fn new(code: PolarCode, list: usize) -> Result<Self, Error> {
        if list == 0 || list > MAX_LIST {
            return Err(Error::invalid("polar list size", "1..=32", list));
        }
        let mut frozen_prefix = vec![0usize; code.n() + 1];
        for (i, &f) in code.frozen().iter().enumerate() {
            frozen_prefix[i + 1] = frozen_prefix[i] + usize::from(f);
        }
        Ok(SclDecoder {
            code,
            list,
            frozen_prefix,
        })
    }

    /// The code.
    pub fn code(&self) -> &PolarCode {
        &self.code
    }

    fn kind(&self, n: usize, u_off: usize) -> Kind {
        let fz = self.frozen_prefix[u_off + n] - self.frozen_prefix[u_off];
        let frozen = self.code.frozen();
        if self.code.has_pc() {
            // Parity-check bits need every information bit u_i in order: bit by bit below
            // the all-frozen subtrees.
            return match (fz == n, n == 1) {
                (true, _) => Kind::Rate0,
                (false, true) if self.code.pc()[u_off] => Kind::Pc,
                (false, true) => Kind::Rate1,
                (false, false) => Kind::Split,
            };
        }
        if fz == n {
            Kind::Rate0
        } else if fz == 0 {
            Kind::Rate1
        } else if fz == n - 1 && !frozen[u_off + n - 1] {
            Kind::Rep
        } else if n >= 4 && fz == 1 && frozen[u_off] {
            Kind::Spc
        } else {
            Kind::Split
        }
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
        let l = self.list;
        // The per-thread buffers of the last decode: every array is written before it is
        // read, so they are only grown, never cleared; the first path starts from a zero
        // metric and an empty parity-check register.
        let mut b = SCRATCH.with_borrow_mut(std::mem::take);
        if b.llr.len() < l * n {
            b.llr.resize(l * n, 0.0);
            b.beta.resize(l * 2 * n, 0);
        }
        b.pm.clear();
        b.pm.resize(l, 0.0);
        b.order.resize_with(l, Vec::new);
        b.pc_state.clear();
        b.pc_state.resize(l, [0u8; 5]);
        b.active.clear();
        b.active.push(0);
        let mut st = State {
            n,
            channel: d_llr,
            b,
        };
        self.node(&mut st, 0, 0);
        let mut paths = st.b.active.clone();
        paths.sort_by(|&a, &b| st.b.pm[a].total_cmp(&st.b.pm[b]).then(a.cmp(&b)));
        let mut c = vec![0u8; self.code.k()];
        let mut u = vec![0u8; n];
        let mut pass = false;
        for &p in &paths {
            // u = x·G_N (G_N is its own inverse).
            u.copy_from_slice(st.beta_at(p, 0, n));
            PolarCode::transform(&mut u);
            self.code.extract(&u, &mut c);
            if crc_ok(&c) {
                pass = true;
                break;
            }
        }
        if !pass {
            u.copy_from_slice(st.beta_at(paths[0], 0, n));
            PolarCode::transform(&mut u);
            self.code.extract(&u, &mut c);
        }
        SCRATCH.set(st.b);
        Ok((c, pass))
    }

    fn node(&self, st: &mut State, depth: usize, u_off: usize) {
        let n = st.n >> depth;
        match self.kind(n, u_off) {
            Kind::Rate0 => return self.rate0(st, depth, n),
            Kind::Rate1 => return self.rate1(st, depth, u_off, n),
            Kind::Rep => return self.rep(st, depth, u_off, n),
            Kind::Spc => return self.spc(st, depth, u_off, n),
            Kind::Pc => return self.pc_leaf(st, depth, u_off),
            Kind::Split => {}
        }
        let half = n / 2;
        for i in 0..st.b.active.len() {
            let p = st.b.active[i];
            st.with_parent_child(p, depth, n, |par, child, _, _| {
                let (a, b) = par.split_at(half);
                for ((c, &x), &y) in child.iter_mut().zip(a).zip(b) {
                    *c = f(x, y);
                }
            });
        }
        self.node(st, depth + 1, u_off);
        for i in 0..st.b.active.len() {
            let p = st.b.active[i];
            st.with_parent_child(p, depth, n, |par, child, pbeta, cbeta| {
                let (a, b) = par.split_at(half);
                // The left child's decisions move to the parent's array (the right child
                // reuses the child array).
                pbeta[..half].copy_from_slice(&cbeta[..half]);
                for (((c, &x), &y), &bl) in child.iter_mut().zip(a).zip(b).zip(&pbeta[..half]) {
                    *c = g(x, y, bl);
                }
            });
        }
        self.node(st, depth + 1, u_off + half);
        for i in 0..st.b.active.len() {
            let p = st.b.active[i];
            st.with_parent_child(p, depth, n, |_, _, pbeta, cbeta| {
                let (l, r) = pbeta.split_at_mut(half);
                for ((bl, br), &c) in l.iter_mut().zip(r.iter_mut()).zip(&cbeta[..half]) {
                    *bl ^= c;
                    *br = c;
                }
            });
        }
    }

    /// Keeps the best `list` of `cand` (slot, choice, new metric), copying slots that
    /// survive more than once, then applies the choices. Returns the kept candidates in
    /// the order of the new active slots.
    fn fork(
        &self,
        st: &mut State,
        depth: usize,
        u_off: usize,
        mut cand: Vec<(usize, Choice, f32)>,
    ) -> Vec<(usize, Choice, f32)> {
        let n = st.n >> depth;
        keep_best(self.list, &mut cand, |c| c.2);
        let mut used = [false; MAX_LIST];
        let mut claimed = [false; MAX_LIST];
        for &(p, _, _) in &cand {
            used[p] = true;
        }
        let mut free = (0..self.list).filter(|&s| !used[s]);
        let mut targets = [0usize; MAX_LIST];
        for (i, &(p, _, _)) in cand.iter().enumerate() {
            if claimed[p] {
                let t = free.next().expect("at most L survivors");
                st.copy_slot(p, t, depth, u_off);
                targets[i] = t;
            } else {
                claimed[p] = true;
                targets[i] = p;
            }
        }
        st.b.active.clear();
        for (&t, &(_, choice, pm)) in targets.iter().zip(&cand) {
            st.b.pm[t] = pm;
            let b = st.beta_at(t, depth, n);
            match choice {
                Choice::Keep => {}
                Choice::All(bit) => b.fill(bit),
                Choice::Mask(m) => {
                    let order = &st.b.order[t];
                    let o = t * 2 * st.n + boff(st.n, depth);
                    let mut m = m;
                    while m != 0 {
                        let bit = m.trailing_zeros() as usize;
                        st.b.beta[o + order[bit]] ^= 1;
                        m &= m - 1;
                    }
                }
            }
            st.b.active.push(t);
        }
        cand
    }

    /// A parity-check bit: its value is fixed by the path's earlier information bits; a
    /// disagreeing LLR costs its magnitude.
    fn pc_leaf(&self, st: &mut State, depth: usize, u_off: usize) {
        for i in 0..st.b.active.len() {
            let p = st.b.active[i];
            let v = st.b.pc_state[p][u_off % 5];
            let l = st.llr_at(p, depth, 1)[0];
            st.b.pm[p] += if v == 0 { (-l).max(0.0) } else { l.max(0.0) };
            st.beta_at(p, depth, 1)[0] = v;
        }
    }

    fn rate0(&self, st: &mut State, depth: usize, n: usize) {
        for i in 0..st.b.active.len() {
            let p = st.b.active[i];
            st.b.pm[p] += costs(st.llr_at(p, depth, n)).0;
            st.beta_at(p, depth, n).fill(0);
        }
    }

    fn rep(&self, st: &mut State, depth: usize, u_off: usize, n: usize) {
        let mut cand = std::mem::take(&mut st.b.cand);
        cand.clear();
        for &p in &st.b.active {
            let (c0, c1) = costs(st.llr_at(p, depth, n));
            cand.push((p, Choice::All(0), st.b.pm[p] + c0));
            cand.push((p, Choice::All(1), st.b.pm[p] + c1));
        }
        st.b.cand = self.fork(st, depth, u_off, cand);
    }

    /// Hard decisions of every active path into β and its positions by reliability
    /// (the `keep` least reliable, in order).
    fn hard(&self, st: &mut State, depth: usize, n: usize, keep: usize) {
        let big = st.n;
        for i in 0..st.b.active.len() {
            let p = st.b.active[i];
            let llr: &[f32] = if depth == 0 {
                &st.channel[..n]
            } else {
                let o = p * big + loff(big, depth);
                &st.b.llr[o..o + n]
            };
            let bo = p * 2 * big + boff(big, depth);
            for (b, &l) in st.b.beta[bo..bo + n].iter_mut().zip(llr) {
                *b = u8::from(l < 0.0);
            }
            // Positions by |LLR| (integer keys: magnitude bits, then position).
            let keys = &mut st.b.keys;
            keys.clear();
            keys.extend(
                llr.iter()
                    .enumerate()
                    .map(|(i, l)| (u64::from(l.abs().to_bits()) << 32) | i as u64),
            );
            if keep < n {
                keys.select_nth_unstable(keep);
                keys.truncate(keep);
            }
            keys.sort_unstable();
            let idx = &mut st.b.order[p];
            idx.clear();
            idx.extend(keys.iter().map(|&k| (k & 0xffff_ffff) as usize));
        }
    }

    /// Makes the surviving (path, flip mask, metric) descriptors of a rate-1 or SPC node the
    /// active paths.
    fn apply_masks(&self, st: &mut State, depth: usize, u_off: usize, desc: &[(usize, u32, f32)]) {
        let mut cand = std::mem::take(&mut st.b.cand);
        cand.clear();
        cand.extend(desc.iter().map(|&(p, m, pm)| (p, Choice::Mask(m), pm)));
        st.b.cand = self.fork(st, depth, u_off, cand);
    }

    /// The forks of a rate-1 node: `steps` rounds of keep-or-flip the next least reliable
    /// position, run on (path, flip mask, metric) descriptors; only the final survivors
    /// touch the path slots (one `fork`).
    fn rate1(&self, st: &mut State, depth: usize, u_off: usize, n: usize) {
        let steps = (self.list - 1).min(n);
        self.hard(st, depth, n, steps);
        let mut desc: Vec<(usize, u32, f32)> =
            st.b.active.iter().map(|&p| (p, 0, st.b.pm[p])).collect();
        let mut next = Vec::with_capacity(2 * self.list);
        for step in 0..steps {
            next.clear();
            for &(p, m, pm) in &desc {
                let l = st.llr_at(p, depth, n)[st.b.order[p][step]].abs();
                next.push((p, m, pm));
                next.push((p, m | 1 << step, pm + l));
            }
            keep_best(self.list, &mut next, |c| c.2);
            std::mem::swap(&mut desc, &mut next);
        }
        self.apply_masks(st, depth, u_off, &desc);
        if self.code.has_pc() {
            // A single information bit (see `kind`): u = β.
            for i in 0..st.b.active.len() {
                let p = st.b.active[i];
                let b = st.beta_at(p, depth, 1)[0];
                st.b.pc_state[p][u_off % 5] ^= b;
            }
        }
    }

    /// The forks of a single-parity-check node (descriptor rounds as in `rate1`): even
    /// parity via the least reliable bit (order[0]), then rounds that flip the next least
    /// reliable bit together with order[0]; bit 0 of a mask says whether order[0] is flipped
    /// relative to its hard decision (then flipping it back earns its cost back).
    fn spc(&self, st: &mut State, depth: usize, u_off: usize, n: usize) {
        let steps = self.list.min(n);
        self.hard(st, depth, n, steps);
        let mut desc: Vec<(usize, u32, f32)> = Vec::with_capacity(2 * self.list);
        for i in 0..st.b.active.len() {
            let p = st.b.active[i];
            let parity = st.beta_at(p, depth, n).iter().fold(0u8, |a, &b| a ^ b);
            let l0 = st.llr_at(p, depth, n)[st.b.order[p][0]].abs();
            if parity == 1 {
                desc.push((p, 1, st.b.pm[p] + l0));
            } else {
                desc.push((p, 0, st.b.pm[p]));
            }
        }
        let mut next = Vec::with_capacity(2 * self.list);
        for step in 1..steps {
            next.clear();
            for &(p, m, pm) in &desc {
                let v = st.llr_at(p, depth, n);
                let (l0, lt) = (v[st.b.order[p][0]].abs(), v[st.b.order[p][step]].abs());
                let delta = lt + if m & 1 == 1 { -l0 } else { l0 };
                next.push((p, m, pm));
                next.push((p, (m ^ 1) | 1 << step, pm + delta));
            }
            keep_best(self.list, &mut next, |c| c.2);
            std::mem::swap(&mut desc, &mut next);
        }
        self.apply_masks(st, depth, u_off, &desc);
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

    /// UCI codes with parity-check bits decode noiselessly with lists 1 and 8 and, with
    /// list 8, mostly correctly at a moderate SNR.
    #[test]
    fn uci_with_parity_check_bits_round_trips() {
        let mut r = rng::stream(43, 0);
        let crc = Crc::new(CrcPoly::Crc6);
        for (a, e) in [(12usize, 60usize), (15, 120), (19, 250), (19, 400)] {
            let code = PolarCode::uci(a + 6, e).unwrap();
            assert!(code.has_pc());
            for trial in 0..20 {
                let mut c = vec![0u8; a];
                rng::fill_bits(&mut r, &mut c);
                crc.attach_bits(&mut c);
                let f = code.encode_rm(&c).unwrap();
                let sigma = if trial == 0 { 0.0 } else { 0.8 };
                let llr: Vec<f32> = f
                    .iter()
                    .map(|&b| {
                        let y = if b == 0 { 1.0 } else { -1.0 } + rng::normal(&mut r) * sigma;
                        (2.0 * y / 0.64) as f32
                    })
                    .collect();
                let mut d = vec![0f32; code.n()];
                code.rate_recover(&llr, &mut d).unwrap();
                for list in [1usize, 8] {
                    if trial > 0 && list == 1 {
                        continue;
                    }
                    let dec = SclDecoder::new(code.clone(), list).unwrap();
                    let (got, ok) = dec.decode(&d, |b| crc.check_bits(b)).unwrap();
                    if trial == 0 {
                        assert!(ok && got == c, "A={a} E={e} L={list} noiseless");
                    }
                }
            }
            // Statistics at σ = 0.8 (Es/N0 ≈ 1.9 dB) with list 8.
            let dec = SclDecoder::new(code.clone(), 8).unwrap();
            let mut good = 0;
            for _ in 0..50 {
                let mut c = vec![0u8; a];
                rng::fill_bits(&mut r, &mut c);
                crc.attach_bits(&mut c);
                let f = code.encode_rm(&c).unwrap();
                let llr: Vec<f32> = f
                    .iter()
                    .map(|&b| {
                        let y = if b == 0 { 1.0 } else { -1.0 } + rng::normal(&mut r) * 0.8;
                        (2.0 * y / 0.64) as f32
                    })
                    .collect();
                let mut d = vec![0f32; code.n()];
                code.rate_recover(&llr, &mut d).unwrap();
                let (got, ok) = dec.decode(&d, |b| crc.check_bits(b)).unwrap();
                good += usize::from(ok && got == c);
            }
            assert!(good >= 45, "A={a} E={e}: {good}/50");
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
