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
//! each fork the L paths of smallest metric survive. At the end the paths are offered,
//! best first, to the caller's CRC check; the first that passes wins.
//!
//! Layout: the paths are the lanes of every array (W = 1, 8, 16 or 32 lanes, the list size
//! rounded up), so one vector operation runs f, g or the β combination of all paths at a
//! position. A fork does not copy path state: surviving path j continues the old path
//! s(j), which only composes s into a lane permutation kept per depth; the two kinds of
//! array still read after a fork (a node's LLRs until its g step, the left half of its
//! decisions until they are combined) are read through their permutation once, fused into
//! that step. Rate-1 and SPC rounds run on (path, flip mask, metric) descriptors whose
//! metrics only grow, so each round's best L is a merge of the kept descriptors (sorted)
//! with the flipped ones. The decoding schedule (the node kinds in tree order) is built once
//! per decoder.
// Lane loops index several per-lane arrays in step.
#![allow(clippy::needless_range_loop)]

use nrkit_core::Error;
use nrkit_dsp::Isa;

use super::PolarCode;

#[cfg(target_arch = "x86_64")]
mod avx2;

/// Most paths.
pub const MAX_LIST: usize = 32;

/// Deepest level of the code tree (N ≤ 1024).
const MAX_DEPTH: usize = 10;

/// A decision bit as the sign mask g applies to an LLR.
const ONE: u32 = 0x8000_0000;

/// sign(a)·sign(b)·min(|a|, |b|) (bit operations, so that the loops vectorize).
#[inline(always)]
fn f(a: f32, b: f32) -> f32 {
    // Magnitudes compare like their bit patterns (integer min: no NaN rule to honour).
    let m = (a.to_bits() & !ONE).min(b.to_bits() & !ONE);
    f32::from_bits(((a.to_bits() ^ b.to_bits()) & ONE) | m)
}

/// b + (1 − 2β)·a, β given as the sign mask 0 or [`ONE`].
#[inline(always)]
fn g(a: f32, b: f32, beta: u32) -> f32 {
    b + f32::from_bits(a.to_bits() ^ beta)
}

/// One step of the decoding schedule at depth d (node size N >> d); u is the node's first
/// bit index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    /// LLRs of the left child.
    F(u8),
    /// Keep the left child's decisions, LLRs of the right child.
    G(u8),
    /// β of the node from its children's.
    Combine(u8),
    Rate0(u8),
    Rep(u8),
    Rate1(u8, u16),
    Spc(u8),
    /// A parity-check bit (leaf).
    Pc(u8, u16),
}

/// The lane kernels that need a permuted read or per-lane accumulators, one
/// implementation per ISA (the others are flat loops that vectorize anywhere).
trait Lanes {
    /// out[j] = v[p[j]] (p[j] < W), for 32-bit lanes.
    fn gather<T: Copy + Default, const W: usize>(v: &[T; W], p: &[u32; W]) -> [T; W];

    /// out[i] = g(a[i]∘p, b[i]∘p, beta[i]) lane by lane (∘p: read through the permutation).
    fn g_perm<const W: usize>(
        a: &[[f32; W]],
        b: &[[f32; W]],
        beta: &[[u32; W]],
        p: &[u32; W],
        out: &mut [[f32; W]],
    ) {
        for (((c, x), y), bl) in out.iter_mut().zip(a).zip(b).zip(beta) {
            let (x, y) = (Self::gather(x, p), Self::gather(y, p));
            for j in 0..W {
                c[j] = g(x[j], y[j], bl[j]);
            }
        }
    }

    /// out[i] = g(a[i], b[i], beta[i]) in every lane (a, b: one value per position).
    fn g_splat<const W: usize>(a: &[f32], b: &[f32], beta: &[[u32; W]], out: &mut [[f32; W]]) {
        for (((c, &x), &y), bl) in out.iter_mut().zip(a).zip(b).zip(beta) {
            for j in 0..W {
                c[j] = g(x, y, bl[j]);
            }
        }
    }

    /// l[i] = (l[i]∘p) ⊕ r[i].
    fn xor_perm<const W: usize>(l: &mut [[u32; W]], r: &[[u32; W]], p: &[u32; W]) {
        for (bl, c) in l.iter_mut().zip(r) {
            let x = Self::gather(bl, p);
            for j in 0..W {
                bl[j] = x[j] ^ c[j];
            }
        }
    }

    /// Sorts every lane of `rows` (a power of two ≤ 32 long) ascending.
    fn sort_rows<const W: usize>(rows: &mut [[u32; W]]) {
        for &(a, b) in network(rows.len()) {
            let (x, y) = (rows[a as usize], rows[b as usize]);
            for j in 0..W {
                rows[a as usize][j] = x[j].min(y[j]);
                rows[b as usize][j] = x[j].max(y[j]);
            }
        }
    }

    /// Per lane (Σ max(−l, 0), Σ max(l, 0)): the costs of deciding all 0 or all 1.
    fn costs<const W: usize>(llr: &[[f32; W]]) -> ([f32; W], [f32; W]) {
        let (mut c0, mut c1) = ([0f32; W], [0f32; W]);
        for l in llr {
            for j in 0..W {
                // Integer masks instead of f32::max (whose NaN rule costs a blend).
                let neg = ((l[j].to_bits() as i32) >> 31) as u32;
                c0[j] += f32::from_bits(l[j].abs().to_bits() & neg);
                c1[j] += f32::from_bits(l[j].to_bits() & !neg);
            }
        }
        (c0, c1)
    }
}

/// Portable lane kernels.
struct Portable;

impl Lanes for Portable {
    #[inline(always)]
    fn gather<T: Copy + Default, const W: usize>(v: &[T; W], p: &[u32; W]) -> [T; W] {
        let mut out = [T::default(); W];
        for (o, &i) in out.iter_mut().zip(p) {
            *o = v[i as usize % W];
        }
        out
    }
}

/// The compare-exchanges (a < b) of Batcher's odd–even merge sort of N (a power of two)
/// elements, in order; C is their number.
const fn batcher<const N: usize, const C: usize>() -> [(u8, u8); C] {
    let mut out = [(0u8, 0u8); C];
    let mut c = 0;
    let mut p = 1;
    while p < N {
        let mut k = p;
        while k >= 1 {
            let mut j = k % p;
            while j + k < N {
                let mut i = 0;
                while i < k && i < N - j - k {
                    if (i + j) / (2 * p) == (i + j + k) / (2 * p) {
                        out[c] = ((i + j) as u8, (i + j + k) as u8);
                        c += 1;
                    }
                    i += 1;
                }
                j += 2 * k;
            }
            k /= 2;
        }
        p *= 2;
    }
    assert!(c == C, "compare-exchange count");
    out
}

const NET2: [(u8, u8); 1] = batcher::<2, 1>();
const NET4: [(u8, u8); 5] = batcher::<4, 5>();
const NET8: [(u8, u8); 19] = batcher::<8, 19>();
const NET16: [(u8, u8); 63] = batcher::<16, 63>();
const NET32: [(u8, u8); 191] = batcher::<32, 191>();

/// The sorting network of `n` (a power of two ≤ 32) elements.
#[inline(always)]
fn network(n: usize) -> &'static [(u8, u8)] {
    match n {
        0 | 1 => &[],
        2 => &NET2,
        4 => &NET4,
        8 => &NET8,
        16 => &NET16,
        _ => &NET32,
    }
}

/// The identity permutation.
const fn ident<const W: usize>() -> [u32; W] {
    let mut p = [0u32; W];
    let mut i = 0;
    while i < W {
        p[i] = i as u32;
        i += 1;
    }
    p
}

/// A path descriptor of rate-1 and SPC rounds: source lane, flip mask, metric.
#[derive(Debug, Clone, Copy, Default)]
struct Desc {
    src: u32,
    mask: u32,
    pm: f32,
}

/// A candidate path as a sort key: its metric's bits (metrics are ≥ 0, so the bits order
/// like the values) above an index into the descriptor pool (so equal metrics keep the
/// older candidate first).
#[inline(always)]
fn cand_key(pm: f32, idx: usize) -> u64 {
    (u64::from(pm.to_bits()) << 32) | idx as u64
}

/// Sorts `v` (a power of two long) ascending with Batcher's network (no branches).
#[inline(always)]
fn sort_keys(v: &mut [u64]) {
    for &(a, b) in network(v.len()) {
        let (x, y) = (v[a as usize], v[b as usize]);
        v[a as usize] = x.min(y);
        v[b as usize] = x.max(y);
    }
}

/// The a.len() smallest of the sorted a and b (equally long, a power of two) into a,
/// sorted: a half-cleaner (a[i] vs b[p − 1 − i] leaves a bitonic sequence of the smallest)
/// and a bitonic merge.
#[inline(always)]
fn merge_keys(a: &mut [u64], b: &[u64]) {
    let p = a.len();
    for (i, x) in a.iter_mut().enumerate() {
        *x = (*x).min(b[p - 1 - i]);
    }
    let mut s = p / 2;
    while s >= 1 {
        for i in 0..p {
            if i & s == 0 {
                let (x, y) = (a[i], a[i + s]);
                a[i] = x.min(y);
                a[i + s] = x.max(y);
            }
        }
        s /= 2;
    }
}

/// The descriptor rounds of rate-1 and SPC nodes: the live paths start as `init` (mask,
/// metric) and, per step, every descriptor forks into itself and its flip (`flip(src, mask,
/// step)` gives the new mask and the metric increase, ≥ 0); the best `list` survive. Returns
/// the survivors best first and how many. The rounds stop early once a step keeps no
/// flip (exact: see the loop).
#[inline(always)]
fn rounds(
    pool: &mut [(u32, u32)],
    list: usize,
    init: &[(u32, f32)],
    steps: std::ops::Range<usize>,
    flip: impl Fn(usize, u32, usize) -> (u32, f32),
) -> ([Desc; MAX_LIST], usize) {
    let p = list.next_power_of_two();
    let mut keys = [u64::MAX; MAX_LIST];
    let mut top = 0;
    for (j, &(mask, pm)) in init.iter().enumerate() {
        pool[top] = (j as u32, mask);
        keys[j] = cand_key(pm, top);
        top += 1;
    }
    let keys = &mut keys[..p];
    sort_keys(keys);
    let mut len = init.len();
    for step in steps {
        let mut fk = [u64::MAX; MAX_LIST];
        for (fl, &k) in fk.iter_mut().zip(&keys[..len]) {
            let (src, mask) = pool[(k & 0xffff_ffff) as usize];
            let (m2, delta) = flip(src as usize, mask, step);
            pool[top] = (src, m2);
            *fl = cand_key(f32::from_bits((k >> 32) as u32) + delta, top);
            top += 1;
        }
        if len == list && fk[..len].iter().min() > Some(&keys[len - 1]) {
            // No flip beats the worst kept path, and later steps only cost more: δ is
            // non-decreasing in the step for a fixed descriptor (reliability order), and
            // the descriptors no longer change.
            break;
        }
        sort_keys(&mut fk[..p]);
        merge_keys(keys, &fk[..p]);
        len = (2 * len).min(list);
        keys[len..].fill(u64::MAX);
    }
    let mut out = [Desc::default(); MAX_LIST];
    for (o, &k) in out.iter_mut().zip(&keys[..len]) {
        let (src, mask) = pool[(k & 0xffff_ffff) as usize];
        *o = Desc {
            src,
            mask,
            pm: f32::from_bits((k >> 32) as u32),
        };
    }
    (out, len)
}

/// The buffers of a decode, kept per thread between decodes (grown, never cleared: every
/// value is written before it is read): per depth d the node's LLRs and decisions at
/// offset 2N − 2(N >> d), W lanes per position.
#[derive(Default)]
struct Scratch {
    llr: Vec<f32>,
    beta: Vec<u32>,
    /// Descriptors (source path, flip mask) of the rounds of one node.
    pool: Vec<(u32, u32)>,
    /// `Core::order` and `Core::mag` (written before they are read, so never cleared).
    order: Vec<u32>,
    mag: Vec<f32>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// Offset of depth `d`'s arrays, for mother code length `n`.
#[inline(always)]
fn off(n: usize, d: usize) -> usize {
    2 * n - 2 * (n >> d)
}

/// A decoder for one code and list size.
#[derive(Debug, Clone)]
pub struct SclDecoder {
    code: PolarCode,
    list: usize,
    isa: Isa,
    ops: Vec<Op>,
}

impl SclDecoder {
    /// A decoder for `code` with list size `list` (1..=32; 8 is the usual choice), on the
    /// best ISA of this CPU.
    pub fn new(code: PolarCode, list: usize) -> Result<Self, Error> {
        Self::with_isa(code, list, Isa::detect())
    }

    /// As [`SclDecoder::new`] on the given ISA (every ISA decodes the same bits); an error
    /// if this CPU lacks it. There is no AVX-512 build: AVX-512 runs the AVX2 one (8 paths
    /// of f32 fill an AVX2 vector), and [`SclDecoder::isa`] says so.
    pub fn with_isa(code: PolarCode, list: usize, isa: Isa) -> Result<Self, Error> {
        if list == 0 || list > MAX_LIST {
            return Err(Error::invalid("polar list size", "1..=32", list));
        }
        let isa = Self::build_for(isa.require()?);
        let mut frozen_prefix = vec![0usize; code.n() + 1];
        for (i, &f) in code.frozen().iter().enumerate() {
            frozen_prefix[i + 1] = frozen_prefix[i] + usize::from(f);
        }
        let mut ops = Vec::new();
        schedule(&code, &frozen_prefix, 0, 0, &mut ops);
        Ok(SclDecoder {
            code,
            list,
            isa,
            ops,
        })
    }

    /// The code.
    pub fn code(&self) -> &PolarCode {
        &self.code
    }

    /// The list size.
    pub fn list(&self) -> usize {
        self.list
    }

    /// The ISA it runs on (scalar or AVX2).
    pub fn isa(&self) -> Isa {
        self.isa
    }

    /// The build that runs for `isa` (AVX-512 runs the AVX2 build).
    pub fn build_for(isa: Isa) -> Isa {
        match isa {
            Isa::Avx512 => Isa::Avx2,
            other => other,
        }
    }

    /// The builds of the decoder this CPU can run, one per distinct ISA (scalar, and AVX2
    /// where present; AVX-512 would run the AVX2 build again).
    pub fn isas() -> Vec<Isa> {
        let mut builds: Vec<Isa> = Isa::available().into_iter().map(Self::build_for).collect();
        builds.dedup();
        builds
    }

    /// Decodes the N LLRs of d (from [`PolarCode::rate_recover`]); `crc_ok` receives the K
    /// bits of each surviving path, best first. Returns the K bits of the first path that
    /// passes and `true`, or of the best path and `false`. An error if the length is not
    /// N or an LLR is NaN.
    pub fn decode(
        &self,
        d_llr: &[f32],
        crc_ok: impl Fn(&[u8]) -> bool,
    ) -> Result<(Vec<u8>, bool), Error> {
        let n = self.code.n();
        Error::check_len("polar LLRs (N)", n, d_llr.len())?;
        // (A fold, not an early exit, so that the scan vectorizes.)
        if d_llr.iter().fold(false, |a, l| a | l.is_nan()) {
            let i = d_llr.iter().position(|l| l.is_nan()).unwrap_or(0);
            return Err(Error::invalid(
                "polar LLR",
                "a number",
                format!("NaN at d[{i}]"),
            ));
        }
        let mut b = SCRATCH.with_borrow_mut(std::mem::take);
        let out = match self.list {
            1 => self.run::<1>(&mut b, d_llr, &crc_ok),
            2..=8 => self.run::<8>(&mut b, d_llr, &crc_ok),
            9..=16 => self.run::<16>(&mut b, d_llr, &crc_ok),
            _ => self.run::<32>(&mut b, d_llr, &crc_ok),
        };
        SCRATCH.set(b);
        Ok(out)
    }

    #[allow(unsafe_code)]
    fn run<const W: usize>(
        &self,
        b: &mut Scratch,
        channel: &[f32],
        crc_ok: &impl Fn(&[u8]) -> bool,
    ) -> (Vec<u8>, bool) {
        let n = self.code.n();
        if b.llr.len() < 2 * n * W {
            b.llr.resize(2 * n * W, 0.0);
        }
        if b.beta.len() < 2 * n * W {
            b.beta.resize(2 * n * W, 0);
        }
        b.pool.resize(MAX_LIST * (MAX_LIST + 1), (0, 0));
        if b.order.len() < MAX_LIST * W {
            b.order.resize(MAX_LIST * W, 0);
            b.mag.resize(MAX_LIST * W, 0.0);
        }
        let mut core = Core::<W> {
            n,
            list: self.list,
            has_pc: self.code.has_pc(),
            channel,
            llr: b.llr[..2 * n * W].as_chunks_mut::<W>().0,
            beta: b.beta[..2 * n * W].as_chunks_mut::<W>().0,
            pool: &mut b.pool,
            pm: [0.0; W],
            act: 1,
            perm_llr: [ident::<W>(); MAX_DEPTH + 1],
            perm_beta: [ident::<W>(); MAX_DEPTH + 1],
            ident_llr: [true; MAX_DEPTH + 1],
            ident_beta: [true; MAX_DEPTH + 1],
            order: b.order[..MAX_LIST * W].as_chunks_mut::<W>().0,
            mag: b.mag[..MAX_LIST * W].as_chunks_mut::<W>().0,
            pc_state: [[0; 5]; W],
        };
        match self.isa {
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 | Isa::Avx512 => {
                // SAFETY: `with_isa` checked that this CPU has AVX2 (AVX-512 implies it).
                unsafe { avx2::run(&mut core, &self.ops) }
            }
            _ => core.run::<Portable>(&self.ops),
        }
        // The surviving paths best first; x of a path is β at depth 0.
        let mut paths = ident::<MAX_LIST>();
        let paths = &mut paths[..core.act];
        paths.sort_by(|&a, &b| {
            core.pm[a as usize]
                .total_cmp(&core.pm[b as usize])
                .then(a.cmp(&b))
        });
        let mut c = vec![0u8; self.code.k()];
        // u = x·G_N (G_N is its own inverse), on x packed 64 bits to a word (N ≤ 1024).
        let mut u = [0u64; 16];
        let u = &mut u[..n.div_ceil(64)];
        let x0 = &core.beta[..n];
        let mut decode_path = |p: usize, c: &mut [u8]| {
            // Bytes of 8 positions first: independent short chains rather than one of 64.
            for (w, xs) in u.iter_mut().zip(x0.chunks(64)) {
                *w = xs.chunks(8).enumerate().fold(0, |a, (k, e)| {
                    let byte = e
                        .iter()
                        .enumerate()
                        .fold(0u64, |b, (i, x)| b | (u64::from(x[p] >> 31) << i));
                    a | (byte << (8 * k))
                });
            }
            PolarCode::transform_words(u);
            self.code.extract(u, c);
        };
        for &p in paths.iter() {
            decode_path(p as usize, &mut c);
            if crc_ok(&c) {
                return (c, true);
            }
        }
        decode_path(paths[0] as usize, &mut c);
        (c, false)
    }
}

/// Appends the schedule of the subtree of size `code.n() >> depth` starting at bit `u`.
fn schedule(code: &PolarCode, fp: &[usize], depth: usize, u: usize, ops: &mut Vec<Op>) {
    let n = code.n() >> depth;
    let fz = fp[u + n] - fp[u];
    let frozen = code.frozen();
    let (d, uu) = (depth as u8, u as u16);
    let leaf = if code.has_pc() {
        // Parity-check bits need every information bit u_i in order: bit by bit below the
        // all-frozen subtrees.
        match (fz == n, n == 1) {
            (true, _) => Some(Op::Rate0(d)),
            (false, true) if code.pc()[u] => Some(Op::Pc(d, uu)),
            (false, true) => Some(Op::Rate1(d, uu)),
            (false, false) => None,
        }
    } else if fz == n {
        Some(Op::Rate0(d))
    } else if fz == 0 {
        Some(Op::Rate1(d, uu))
    } else if fz == n - 1 && !frozen[u + n - 1] {
        Some(Op::Rep(d))
    } else if n >= 4 && fz == 1 && frozen[u] {
        Some(Op::Spc(d))
    } else {
        None
    };
    if let Some(op) = leaf {
        ops.push(op);
        return;
    }
    ops.push(Op::F(d));
    schedule(code, fp, depth + 1, u, ops);
    ops.push(Op::G(d));
    schedule(code, fp, depth + 1, u + n / 2, ops);
    ops.push(Op::Combine(d));
}

/// The state of one decode with W lanes (paths 0..act are alive; the others hold garbage
/// that no result reads).
struct Core<'a, const W: usize> {
    n: usize,
    list: usize,
    has_pc: bool,
    channel: &'a [f32],
    llr: &'a mut [[f32; W]],
    beta: &'a mut [[u32; W]],
    pool: &'a mut [(u32, u32)],
    pm: [f32; W],
    act: usize,
    /// Per depth: path j's LLRs (decisions) of that depth's array are in lane perm[j].
    perm_llr: [[u32; W]; MAX_DEPTH + 1],
    perm_beta: [[u32; W]; MAX_DEPTH + 1],
    ident_llr: [bool; MAX_DEPTH + 1],
    ident_beta: [bool; MAX_DEPTH + 1],
    /// Per reliability rank k (rate 1, SPC): each lane's k-th least reliable position of
    /// the node and its |LLR| (as compared: see `hard`).
    order: &'a mut [[u32; W]],
    mag: &'a mut [[f32; W]],
    /// Per lane, codes with parity-check bits: XOR of the decided information bits u_i by
    /// i mod 5 (a PC bit at position n takes entry n mod 5: the value the shift register of
    /// §5.3.1.2 holds in y0 there).
    pc_state: [[u8; 5]; W],
}

impl<const W: usize> Core<'_, W> {
    #[inline(always)]
    fn run<K: Lanes>(&mut self, ops: &[Op]) {
        if let [op] = ops {
            // The whole code is one special node: its LLRs are the channel's, in every lane.
            let n = self.n;
            for (l, &c) in self.llr[..n].iter_mut().zip(self.channel) {
                *l = [c; W];
            }
            self.leaf::<K>(*op);
            return;
        }
        for &op in ops {
            match op {
                Op::F(d) => self.f_step(d as usize),
                Op::G(d) => self.g_step::<K>(d as usize),
                Op::Combine(d) => self.combine::<K>(d as usize),
                _ => self.leaf::<K>(op),
            }
        }
    }

    #[inline(always)]
    fn leaf<K: Lanes>(&mut self, op: Op) {
        match op {
            Op::Rate0(d) => self.rate0::<K>(d as usize),
            Op::Rep(d) => self.rep::<K>(d as usize),
            Op::Rate1(d, u) => self.rate1::<K>(d as usize, u as usize),
            Op::Spc(d) => self.spc::<K>(d as usize),
            Op::Pc(d, u) => self.pc_leaf(d as usize, u as usize),
            Op::F(_) | Op::G(_) | Op::Combine(_) => unreachable!("not a leaf"),
        }
    }

    /// Size of the nodes at depth `d`.
    #[inline(always)]
    fn size(&self, d: usize) -> usize {
        self.n >> d
    }

    /// The node's LLRs at depth d (only for a node whose LLRs were just computed: no
    /// pending permutation).
    #[inline(always)]
    fn node_llr(&self, d: usize) -> &[[f32; W]] {
        let o = off(self.n, d);
        &self.llr[o..o + self.size(d)]
    }

    #[inline(always)]
    fn f_step(&mut self, d: usize) {
        let n = self.size(d);
        let half = n / 2;
        let co = off(self.n, d + 1);
        let (lo, hi) = self.llr.split_at_mut(co);
        let child = &mut hi[..half];
        if d == 0 {
            let (a, b) = self.channel[..n].split_at(half);
            for ((c, &x), &y) in child.iter_mut().zip(a).zip(b) {
                *c = [f(x, y); W];
            }
        } else {
            debug_assert!(self.ident_llr[d]);
            let (a, b) = lo[off(self.n, d)..off(self.n, d) + n].split_at(half);
            let (a, b) = (a.as_flattened(), b.as_flattened());
            for ((c, &x), &y) in child.as_flattened_mut().iter_mut().zip(a).zip(b) {
                *c = f(x, y);
            }
        }
        self.ident_llr[d + 1] = true;
        self.perm_llr[d + 1] = ident::<W>();
    }

    #[inline(always)]
    fn g_step<K: Lanes>(&mut self, d: usize) {
        let n = self.size(d);
        let half = n / 2;
        let big = self.n;
        // The left child's decisions (just finished: no pending permutation) move to the
        // parent's array; the right child reuses the child array.
        let bo = off(big, d);
        self.beta.copy_within(bo + n..bo + n + half, bo);
        self.ident_beta[d] = true;
        self.perm_beta[d] = ident::<W>();
        let beta = &self.beta[bo..bo + half];
        let co = off(big, d + 1);
        let (lo, hi) = self.llr.split_at_mut(co);
        let child = &mut hi[..half];
        if d == 0 {
            let (a, b) = self.channel[..n].split_at(half);
            K::g_splat(a, b, beta, child);
        } else {
            let (a, b) = lo[off(big, d)..off(big, d) + n].split_at(half);
            if self.ident_llr[d] {
                let (a, b) = (a.as_flattened(), b.as_flattened());
                let out = child.as_flattened_mut().iter_mut();
                for (((c, &x), &y), &bl) in out.zip(a).zip(b).zip(beta.as_flattened()) {
                    *c = g(x, y, bl);
                }
            } else {
                K::g_perm(a, b, beta, &self.perm_llr[d], child);
            }
        }
        self.ident_llr[d + 1] = true;
        self.perm_llr[d + 1] = ident::<W>();
    }

    #[inline(always)]
    fn combine<K: Lanes>(&mut self, d: usize) {
        let n = self.size(d);
        let half = n / 2;
        let bo = off(self.n, d);
        let (par, child) = self.beta[bo..bo + n + half].split_at_mut(n);
        let (l, r) = par.split_at_mut(half);
        if self.ident_beta[d] {
            let c = child.as_flattened();
            for (bl, &x) in l.as_flattened_mut().iter_mut().zip(c) {
                *bl ^= x;
            }
        } else {
            K::xor_perm(l, child, &self.perm_beta[d]);
            self.ident_beta[d] = true;
            self.perm_beta[d] = ident::<W>();
        }
        r.copy_from_slice(child);
    }

    #[inline(always)]
    fn rate0<K: Lanes>(&mut self, d: usize) {
        let (c0, _) = K::costs(self.node_llr(d));
        for j in 0..W {
            self.pm[j] += c0[j];
        }
        let o = off(self.n, d);
        let n = self.size(d);
        self.beta[o..o + n].fill([0; W]);
    }

    /// A parity-check bit: its value is fixed by the path's earlier information bits; a
    /// disagreeing LLR costs its magnitude.
    #[inline(always)]
    fn pc_leaf(&mut self, d: usize, u: usize) {
        let o = off(self.n, d);
        let l = self.llr[o];
        for j in 0..self.act {
            let v = self.pc_state[j][u % 5];
            self.pm[j] += if v == 0 {
                (-l[j]).max(0.0)
            } else {
                l[j].max(0.0)
            };
            self.beta[o][j] = if v == 0 { 0 } else { ONE };
        }
    }

    /// Path j of the next step continues path src[j] (j < cnt), at a node of depth `d`:
    /// composes the permutations of the arrays still to be read (those of the ancestors,
    /// depths < d) and moves the per-path state.
    #[inline(always)]
    fn follow<K: Lanes>(&mut self, d: usize, src: &[u32; W], cnt: usize) {
        if (0..cnt).all(|j| src[j] == j as u32) {
            self.act = cnt;
            return;
        }
        let mut s = ident::<W>();
        s[..cnt].copy_from_slice(&src[..cnt]);
        for p in self.perm_llr[..d]
            .iter_mut()
            .chain(self.perm_beta[..d].iter_mut())
        {
            *p = K::gather(p, &s);
        }
        self.ident_llr[..d].fill(false);
        self.ident_beta[..d].fill(false);
        if self.has_pc {
            let old = self.pc_state;
            for j in 0..cnt {
                self.pc_state[j] = old[s[j] as usize];
            }
        }
        self.act = cnt;
    }

    #[inline(always)]
    fn rep<K: Lanes>(&mut self, d: usize) {
        let (c0, c1) = K::costs(self.node_llr(d));
        let act = self.act;
        let mut src = [0u32; W];
        let mut bits = [0u32; W];
        // Candidates j (path j, all 0) and act + j (all 1).
        let (mut a, mut b) = ([0f32; W], [0f32; W]);
        for j in 0..W {
            a[j] = self.pm[j] + c0[j];
            b[j] = self.pm[j] + c1[j];
        }
        let cnt = (2 * act).min(self.list);
        if cnt == 2 * act {
            // Every candidate survives.
            for j in 0..act {
                (src[j], src[act + j]) = (j as u32, j as u32);
                (bits[j], bits[act + j]) = (0, ONE);
                (self.pm[j], self.pm[act + j]) = (a[j], b[j]);
            }
        } else {
            // Each path's better and worse choice; when every better one beats every worse
            // one, the better ones are the survivors (the same set the selection keeps).
            let (mut best_max, mut worse_min) = (0f32, f32::INFINITY);
            for j in 0..act {
                best_max = best_max.max(a[j].min(b[j]));
                worse_min = worse_min.min(a[j].max(b[j]));
            }
            if act == cnt && best_max < worse_min {
                for j in 0..act {
                    src[j] = j as u32;
                    let one = b[j] < a[j];
                    bits[j] = if one { ONE } else { 0 };
                    self.pm[j] = if one { b[j] } else { a[j] };
                }
            } else {
                // Each set sorted, then merged.
                let p = self.list.next_power_of_two();
                let (mut k0, mut k1) = ([u64::MAX; MAX_LIST], [u64::MAX; MAX_LIST]);
                for j in 0..act {
                    k0[j] = cand_key(a[j], j);
                    k1[j] = cand_key(b[j], act + j);
                }
                sort_keys(&mut k0[..p]);
                sort_keys(&mut k1[..p]);
                merge_keys(&mut k0[..p], &k1[..p]);
                for (k, &key) in k0[..cnt].iter().enumerate() {
                    let c = (key & 0xffff_ffff) as usize;
                    src[k] = (c % act) as u32;
                    bits[k] = if c >= act { ONE } else { 0 };
                    self.pm[k] = f32::from_bits((key >> 32) as u32);
                }
            }
        }
        let o = off(self.n, d);
        let n = self.size(d);
        self.beta[o..o + n].fill(bits);
        self.follow::<K>(d, &src, cnt);
    }

    /// Hard decisions of every lane into β, and per live path the `keep` least reliable
    /// positions in order with their |LLR|.
    #[inline(always)]
    fn hard<K: Lanes>(&mut self, d: usize, keep: usize) {
        let o = off(self.n, d);
        let n = self.size(d);
        let (llr, beta) = (&self.llr[o..o + n], &mut self.beta[o..o + n]);
        for (b, l) in beta.as_flattened_mut().iter_mut().zip(llr.as_flattened()) {
            *b = l.to_bits() & ONE;
        }
        if keep == 0 {
            return;
        }
        // Keys: |LLR| with its low log2(n) bits replaced by the position (magnitudes are
        // compared, and charged, to a relative 2^-13 at worst; equal keys cannot occur).
        let mask = n as u32 - 1;
        let key = |l: f32, i: usize| (l.to_bits() & !(ONE | mask)) | i as u32;
        let mut rows = [[0u32; W]; 32];
        if n <= rows.len() {
            // Sorting network over all lanes at once.
            for (i, (r, l)) in rows.iter_mut().zip(llr).enumerate() {
                for (k, &x) in r.iter_mut().zip(l) {
                    *k = key(x, i);
                }
            }
            K::sort_rows(&mut rows[..n]);
        } else {
            // Per live path: insertion into the sorted `keep` smallest.
            for j in 0..self.act {
                let mut len = 0;
                for (i, l) in llr.iter().enumerate() {
                    let k = key(l[j], i);
                    if len == keep && k >= rows[keep - 1][j] {
                        continue;
                    }
                    let mut t = if len < keep {
                        len += 1;
                        len - 1
                    } else {
                        keep - 1
                    };
                    while t > 0 && rows[t - 1][j] > k {
                        rows[t][j] = rows[t - 1][j];
                        t -= 1;
                    }
                    rows[t][j] = k;
                }
            }
        }
        for ((o, m), r) in self
            .order
            .iter_mut()
            .zip(self.mag.iter_mut())
            .zip(&rows[..keep])
        {
            for j in 0..W {
                o[j] = r[j] & mask;
                m[j] = f32::from_bits(r[j] & !mask);
            }
        }
    }

    /// Makes the descriptors `desc` the live paths: their decisions are their source's hard
    /// decisions with the positions order[src][b] flipped for every bit b of the mask.
    #[inline(always)]
    fn apply<K: Lanes>(&mut self, d: usize, desc: &[Desc]) {
        let o = off(self.n, d);
        let n = self.size(d);
        let mut src = ident::<W>();
        for (s, x) in src.iter_mut().zip(desc) {
            *s = x.src;
        }
        let beta = &mut self.beta[o..o + n];
        if (0..desc.len()).any(|j| src[j] != j as u32) {
            for b in beta.iter_mut() {
                *b = K::gather(b, &src);
            }
        }
        for (j, x) in desc.iter().enumerate() {
            let mut m = x.mask;
            while m != 0 {
                let pos = self.order[m.trailing_zeros() as usize][x.src as usize];
                beta[pos as usize][j] ^= ONE;
                m &= m - 1;
            }
            self.pm[j] = x.pm;
        }
        self.follow::<K>(d, &src, desc.len());
    }

    /// The forks of a rate-1 node: `steps` rounds of keep-or-flip the next least reliable
    /// position on descriptors; only the final survivors touch the paths.
    #[inline(always)]
    fn rate1<K: Lanes>(&mut self, d: usize, u: usize) {
        let steps = (self.list - 1).min(self.size(d));
        self.hard::<K>(d, steps);
        let mut init = [(0u32, 0f32); MAX_LIST];
        for (x, &pm) in init.iter_mut().zip(&self.pm[..self.act]) {
            *x = (0, pm);
        }
        let mag = &*self.mag;
        let (desc, len) = rounds(
            self.pool,
            self.list,
            &init[..self.act],
            0..steps,
            |src, m, step| (m | 1 << step, mag[step][src]),
        );
        self.apply::<K>(d, &desc[..len]);
        if self.has_pc {
            // A single information bit (see `schedule`): u = β.
            let o = off(self.n, d);
            for j in 0..self.act {
                self.pc_state[j][u % 5] ^= (self.beta[o][j] >> 31) as u8;
            }
        }
    }

    /// The forks of a single-parity-check node (descriptor rounds as in `rate1`): even
    /// parity via the least reliable bit (order[0]), then rounds that flip the next least
    /// reliable bit together with order[0]; bit 0 of a mask says whether order[0] is flipped
    /// relative to its hard decision (then flipping it back earns its cost back).
    #[inline(always)]
    fn spc<K: Lanes>(&mut self, d: usize) {
        let steps = self.list.min(self.size(d));
        self.hard::<K>(d, steps);
        let o = off(self.n, d);
        let n = self.size(d);
        let mut parity = [0u32; W];
        for b in &self.beta[o..o + n] {
            for (p, &x) in parity.iter_mut().zip(b) {
                *p ^= x;
            }
        }
        let mut init = [(0u32, 0f32); MAX_LIST];
        for (j, x) in init[..self.act].iter_mut().enumerate() {
            *x = if parity[j] != 0 {
                (1, self.pm[j] + self.mag[0][j])
            } else {
                (0, self.pm[j])
            };
        }
        let mag = &*self.mag;
        let (desc, len) = rounds(
            self.pool,
            self.list,
            &init[..self.act],
            1..steps,
            |src, m, step| {
                let (m0, mt) = (mag[0][src], mag[step][src]);
                let delta = mt + if m & 1 == 1 { -m0 } else { m0 };
                ((m ^ 1) | 1 << step, delta)
            },
        );
        self.apply::<K>(d, &desc[..len]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crc::{Crc, CrcPoly};
    use nrkit_core::rng;
    use nrkit_dsp::Isa;

    fn payload_with_crc(a: usize, r: &mut impl rand::Rng) -> Vec<u8> {
        let mut b = vec![0u8; a];
        rng::fill_bits(r, &mut b);
        Crc::new(CrcPoly::Crc24C).attach_bits(&mut b);
        b
    }

    fn noisy_llrs(code: &PolarCode, bits: &[u8], sigma: f64, r: &mut impl rand::Rng) -> Vec<f32> {
        let f = code.encode_rm(bits).unwrap();
        let llr: Vec<f32> = f
            .iter()
            .map(|&b| {
                let y = if b == 0 { 1.0 } else { -1.0 } + rng::normal(r) * sigma;
                (2.0 * y / (sigma * sigma)) as f32
            })
            .collect();
        let mut d = vec![0f32; code.n()];
        code.rate_recover(&llr, &mut d).unwrap();
        d
    }

    /// Every ISA and lane width decodes the same bits (and CRC verdict) as the portable
    /// build, near the error floor where forks and ties matter, for every kind of node,
    /// parity-check bits included.
    #[test]
    fn every_isa_decodes_the_same_bits() {
        let mut r = rng::stream(77, 0);
        let crc24 = Crc::new(CrcPoly::Crc24C);
        let crc6 = Crc::new(CrcPoly::Crc6);
        let mut cases = Vec::new();
        for (a, e, sigma) in [(32usize, 864usize, 1.4f64), (40, 100, 0.8), (140, 400, 0.7)] {
            cases.push((
                PolarCode::new(a + 24, e, 9, true, false).unwrap(),
                a,
                sigma,
                &crc24,
            ));
        }
        for (a, e) in [(12usize, 60usize), (19, 250)] {
            cases.push((PolarCode::uci(a + 6, e).unwrap(), a, 0.9, &crc6));
        }
        let mut failures = 0;
        for (code, a, sigma, crc) in &cases {
            for list in [1usize, 3, 8, 16, 32] {
                let portable = SclDecoder::with_isa(code.clone(), list, Isa::Scalar).unwrap();
                let others: Vec<SclDecoder> = SclDecoder::isas()
                    .into_iter()
                    .filter(|&i| i != Isa::Scalar)
                    .map(|i| SclDecoder::with_isa(code.clone(), list, i).unwrap())
                    .collect();
                for _ in 0..30 {
                    let mut c = vec![0u8; *a];
                    rng::fill_bits(&mut r, &mut c);
                    crc.attach_bits(&mut c);
                    let d = noisy_llrs(code, &c, *sigma, &mut r);
                    let want = portable.decode(&d, |b| crc.check_bits(b)).unwrap();
                    failures += usize::from(!want.1);
                    for dec in &others {
                        let got = dec.decode(&d, |b| crc.check_bits(b)).unwrap();
                        assert_eq!(got, want, "{:?} A={a} E={} L={list}", dec.isa(), code.e());
                    }
                }
            }
        }
        // The noise is strong enough that some blocks fail.
        assert!(failures > 0);
    }

    #[test]
    fn nan_and_wrong_length_are_errors() {
        let code = PolarCode::new(56, 864, 9, true, false).unwrap();
        let dec = SclDecoder::new(code, 8).unwrap();
        let mut d = vec![1f32; 512];
        assert!(dec.decode(&d[..511], |_| true).is_err());
        d[77] = f32::NAN;
        let e = dec.decode(&d, |_| true).unwrap_err().to_string();
        assert!(e.contains("NaN at d[77]"), "{e}");
        assert!(SclDecoder::new(PolarCode::new(56, 864, 9, true, false).unwrap(), 33).is_err());
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
