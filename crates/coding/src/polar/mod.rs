//! Polar coding, TS 38.212 §5.3.1 and rate matching §5.4.1, with a CRC-aided successive-
//! cancellation list decoder ([`scl`]).
//!
//! Covered: mother-code length N (§5.3.1: n = max(min(n1, n2, n_max), 5)), the polar sequence
//! (Table 5.3.1.2-1), frozen set including the bits frozen by puncturing or shortening
//! (§5.4.1.1), the input interleaver I_IL (Table 5.3.1.1-1, K ≤ 164), the encoder d = u·G_N,
//! sub-block interleaving (Table 5.4.1.1-1), bit selection by repetition, puncturing or
//! shortening (§5.4.1.2), the coded-bit interleaver I_BIL (§5.4.1.3) and the inverse of all
//! of it for LLRs; parity-check bits (§5.3.1.2: n_PC bits at the least reliable information
//! positions, n_PC^wm of them at the minimum row weight, valued by the 5-bit cyclic shift
//! register), which the UCI uses for 18 ≤ K ≤ 25 (§6.3.1.3.1, [`PolarCode::uci`]).
//!
//! Configurations: BCH (K = 56, E = 864, n_max = 9, I_IL on, I_BIL off), DCI (n_max = 9,
//! I_IL on, I_BIL off), UCI (n_max = 10, I_IL off, I_BIL on, PC bits for 18 ≤ K ≤ 25).

pub mod scl;
mod sequence;

use nrkit_core::Error;

/// Π_IL^max of TS 38.212 Table 5.3.1.1-1 (K_IL^max = 164).
const PI_IL_MAX: [u8; 164] = [
    0, 2, 4, 7, 9, 14, 19, 20, 24, 25, 26, 28, 31, 34, 42, 45, 49, 50, 51, 53, 54, 56, 58, 59, 61,
    62, 65, 66, 67, 69, 70, 71, 72, 76, 77, 81, 82, 83, 87, 88, 89, 91, 93, 95, 98, 101, 104, 106,
    108, 110, 111, 113, 115, 118, 119, 120, 122, 123, 126, 127, 129, 132, 134, 138, 139, 140, 1, 3,
    5, 8, 10, 15, 21, 27, 29, 32, 35, 43, 46, 52, 55, 57, 60, 63, 68, 73, 78, 84, 90, 92, 94, 96,
    99, 102, 105, 107, 109, 112, 114, 116, 121, 124, 128, 130, 133, 135, 141, 6, 11, 16, 22, 30,
    33, 36, 44, 47, 64, 74, 79, 85, 97, 100, 103, 117, 125, 131, 136, 142, 12, 17, 23, 37, 48, 75,
    80, 86, 137, 143, 13, 18, 38, 144, 39, 145, 40, 146, 41, 147, 148, 149, 150, 151, 152, 153,
    154, 155, 156, 157, 158, 159, 160, 161, 162, 163,
];

/// Sub-block interleaver pattern P(i) of TS 38.212 Table 5.4.1.1-1.
const P_SUBBLOCK: [usize; 32] = [
    0, 1, 2, 4, 3, 5, 6, 7, 8, 16, 9, 17, 10, 18, 11, 19, 12, 20, 13, 21, 14, 22, 15, 23, 24, 25,
    26, 28, 27, 29, 30, 31,
];

/// How E relates to N (§5.4.1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    /// E ≥ N: the buffer is repeated.
    Repetition,
    /// E < N and K/E ≤ 7/16: the first N − E bits are not sent.
    Puncturing,
    /// E < N and K/E > 7/16: the last N − E bits are not sent (known zeros).
    Shortening,
}

/// A polar code configuration (tables built once).
#[derive(Debug, Clone)]
pub struct PolarCode {
    k: usize,
    e: usize,
    n: usize,
    i_il: bool,
    i_bil: bool,
    selection: Selection,
    /// Positions in u of the K bits c', ascending.
    info: Vec<usize>,
    /// pc[i]: u_i is a parity-check bit (§5.3.1.2).
    pc: Vec<bool>,
    /// Whether any `pc` is set.
    has_pc: bool,
    /// frozen[i] for i in 0..N.
    frozen: Vec<bool>,
    /// c'_k = c_{il[k]} (identity without I_IL).
    il: Vec<usize>,
    /// y_n = d_{j[n]} (sub-block interleaver).
    j: Vec<usize>,
    /// I_BIL: transmitted position of e_k (identity without I_BIL).
    bil: Vec<usize>,
}

/// ⌈log2 x⌉ for x ≥ 1.
fn ceil_log2(x: usize) -> u32 {
    usize::BITS - (x - 1).leading_zeros()
}

impl PolarCode {
    /// A code for K bits (payload plus CRC) in E coded bits. `n_max` is 9 (downlink) or 10
    /// (uplink); `i_il` enables the input interleaver (downlink, K ≤ 164); `i_bil` the
    /// coded-bit interleaver (uplink).
    pub fn new(k: usize, e: usize, n_max: u32, i_il: bool, i_bil: bool) -> Result<Self, Error> {
        Self::with_pc(k, e, n_max, i_il, i_bil, 0, 0)
    }

    /// The UCI configuration of §6.3.1.3.1 for K bits (payload plus CRC6 or CRC11) in E
    /// bits: n_max = 10, no I_IL, I_BIL on; for 18 ≤ K ≤ 25 (payload 12…19 bits) n_PC = 3
    /// parity-check bits, one of them at the minimum row weight when E − K + 3 > 192.
    pub fn uci(k: usize, e: usize) -> Result<Self, Error> {
        let (n_pc, n_pc_wm) = if (18..=25).contains(&k) {
            (3, usize::from(e + 3 > 192 + k))
        } else {
            (0, 0)
        };
        Self::with_pc(k, e, 10, false, true, n_pc, n_pc_wm)
    }

    /// As [`new`](Self::new) with `n_pc` parity-check bits of which `n_pc_wm` (0 or 1) sit at
    /// the minimum-row-weight position (§5.3.1.2).
    pub fn with_pc(
        k: usize,
        e: usize,
        n_max: u32,
        i_il: bool,
        i_bil: bool,
        n_pc: usize,
        n_pc_wm: usize,
    ) -> Result<Self, Error> {
        if n_pc > 3 || n_pc_wm > n_pc.min(1) {
            return Err(Error::invalid(
                "polar parity-check bits (n_PC, n_PC^wm)",
                "n_PC <= 3, n_PC^wm <= min(n_PC, 1)",
                format!("({n_pc}, {n_pc_wm})"),
            ));
        }
        if !(9..=10).contains(&n_max) {
            return Err(Error::invalid("polar n_max", "9 or 10", n_max));
        }
        if k == 0 || k > 1 << n_max {
            return Err(Error::invalid("polar K", format!("1..={}", 1 << n_max), k));
        }
        if i_il && k > 164 {
            return Err(Error::invalid("polar K with I_IL", "<= 164", k));
        }
        if e < k || e > 8192 {
            return Err(Error::invalid("polar E", format!("{k}..=8192"), e));
        }
        // §5.3.1: mother code length.
        let cl = ceil_log2(e);
        let n1 = if e * 8 <= 9 * (1 << (cl - 1)) && k * 16 < 9 * e {
            cl - 1
        } else {
            cl
        };
        let n2 = ceil_log2(k * 8); // R_min = 1/8
        let n_exp = n1.min(n2).min(n_max).max(5);
        let n = 1usize << n_exp;
        if k > n {
            return Err(Error::invalid("polar K", format!("<= N = {n}"), k));
        }
        // Sub-block interleaver J(n).
        let j: Vec<usize> = (0..n)
            .map(|m| {
                let i = 32 * m / n;
                P_SUBBLOCK[i] * (n / 32) + m % (n / 32)
            })
            .collect();
        let selection = if e >= n {
            Selection::Repetition
        } else if 16 * k <= 7 * e {
            Selection::Puncturing
        } else {
            Selection::Shortening
        };
        // §5.4.1.1 Q_F,tmp.
        let mut pre_frozen = vec![false; n];
        match selection {
            Selection::Repetition => {}
            Selection::Puncturing => {
                for &jj in &j[..n - e] {
                    pre_frozen[jj] = true;
                }
                // ⌈3N/4 − E/2⌉ = ⌈(3N − 2E)/4⌉ if E ≥ 3N/4, else ⌈9N/16 − E/4⌉ = ⌈(9N − 4E)/16⌉.
                let t = if 4 * e >= 3 * n {
                    (3 * n).saturating_sub(2 * e).div_ceil(4)
                } else {
                    (9 * n).saturating_sub(4 * e).div_ceil(16)
                };
                for f in pre_frozen.iter_mut().take(t) {
                    *f = true;
                }
            }
            Selection::Shortening => {
                for &jj in &j[e..] {
                    pre_frozen[jj] = true;
                }
            }
        }
        // Q_I: the K + n_PC most reliable positions of Q_0^{N-1} not pre-frozen (most
        // reliable first).
        let q_i: Vec<usize> = sequence::Q
            .iter()
            .rev()
            .map(|&q| usize::from(q))
            .filter(|&q| q < n && !pre_frozen[q])
            .take(k + n_pc)
            .collect();
        if q_i.len() < k + n_pc {
            return Err(Error::invalid(
                "polar K",
                "fewer than the unfrozen positions",
                k,
            ));
        }
        // Q_PC (§5.3.1.2): the n_PC − n_PC^wm least reliable of Q_I, and for n_PC^wm the
        // position of minimum row weight (2^popcount) in Q̃_I, the |Q_I| − n_PC = K most
        // reliable of Q_I, the most reliable of those on a tie.
        let mut pc = vec![false; n];
        for &q in &q_i[k + n_pc_wm..] {
            pc[q] = true;
        }
        if n_pc_wm == 1 {
            let best = q_i[..k]
                .iter()
                .copied()
                .min_by_key(|&q| q.count_ones())
                .expect("K >= 1");
            pc[best] = true;
        }
        let mut frozen = vec![true; n];
        for &i in &q_i {
            frozen[i] = false;
        }
        let info: Vec<usize> = (0..n).filter(|&i| !frozen[i] && !pc[i]).collect();
        let il: Vec<usize> = if i_il {
            PI_IL_MAX
                .iter()
                .map(|&p| usize::from(p))
                .filter(|&p| p >= 164 - k)
                .map(|p| p - (164 - k))
                .collect()
        } else {
            (0..k).collect()
        };
        let bil = if i_bil {
            Self::bil_pattern(e)
        } else {
            (0..e).collect()
        };
        Ok(PolarCode {
            k,
            e,
            n,
            i_il,
            i_bil,
            selection,
            info,
            has_pc: n_pc > 0,
            pc,
            frozen,
            il,
            j,
            bil,
        })
    }

    /// Coded-bit interleaver (§5.4.1.3): triangular write by rows, read by columns;
    /// returns the output position of each e_k.
    fn bil_pattern(e: usize) -> Vec<usize> {
        let mut t = 0;
        while t * (t + 1) / 2 < e {
            t += 1;
        }
        // v[i][j] for i + j < t, filled row by row with k < E.
        let mut cell = vec![vec![usize::MAX; t]; t];
        let mut k = 0;
        for (i, row) in cell.iter_mut().enumerate() {
            for v in row.iter_mut().take(t - i) {
                if k < e {
                    *v = k;
                }
                k += 1;
            }
        }
        let mut pos = vec![0usize; e];
        let mut out = 0;
        for jcol in 0..t {
            for row in cell.iter().take(t - jcol) {
                let v = row[jcol];
                if v != usize::MAX {
                    pos[v] = out;
                    out += 1;
                }
            }
        }
        pos
    }

    /// K.
    pub fn k(&self) -> usize {
        self.k
    }

    /// E.
    pub fn e(&self) -> usize {
        self.e
    }

    /// Mother code length N.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Repetition, puncturing or shortening.
    pub fn selection(&self) -> Selection {
        self.selection
    }

    /// Positions in u of the K bits c' (parity-check bits excluded), ascending.
    pub fn info_positions(&self) -> &[usize] {
        &self.info
    }

    /// Parity-check flags of u (all false without PC bits).
    pub fn pc(&self) -> &[bool] {
        &self.pc
    }

    /// Whether the code has parity-check bits.
    pub fn has_pc(&self) -> bool {
        self.has_pc
    }

    /// Frozen flags of u (parity-check bits are not frozen).
    pub fn frozen(&self) -> &[bool] {
        &self.frozen
    }

    /// Whether I_IL is on.
    pub fn input_interleaved(&self) -> bool {
        self.i_il
    }

    /// Whether I_BIL is on.
    pub fn bit_interleaved(&self) -> bool {
        self.i_bil
    }

    /// Polar transform in place: x = u·G_N (G_N = F^{⊗n}, F = [[1,0],[1,1]]); its own
    /// inverse. From N = 64 on the bits are packed into 64-bit words (see
    /// [`transform_words`](Self::transform_words)).
    pub(crate) fn transform(x: &mut [u8]) {
        let n = x.len();
        if n < 64 || !n.is_power_of_two() || n > 64 * 16 {
            let mut h = 1;
            while h < n {
                for blk in (0..n).step_by(2 * h) {
                    for i in blk..blk + h {
                        x[i] ^= x[i + h];
                    }
                }
                h *= 2;
            }
            return;
        }
        let nw = n / 64;
        let mut w = [0u64; 16];
        for (v, b) in w.iter_mut().zip(x.chunks_exact(64)) {
            *v = crate::bits::pack_lsb(b);
        }
        let w = &mut w[..nw];
        Self::transform_words(w);
        for (&v, b) in w.iter().zip(x.chunks_exact_mut(64)) {
            crate::bits::unpack_lsb(v, b);
        }
    }

    /// [`transform`](Self::transform) on bits packed 64 to a word (bit j of word i is
    /// position 64·i + j; a power-of-two number of words, or one word holding N < 64 bits
    /// with the bits above N clear, which the wider spans then leave clear): the butterflies
    /// of span h < 64 are one shift-mask-XOR per word, the wider ones XOR whole words.
    pub(crate) fn transform_words(w: &mut [u64]) {
        const MASKS: [(u32, u64); 6] = [
            (1, 0x5555_5555_5555_5555),
            (2, 0x3333_3333_3333_3333),
            (4, 0x0f0f_0f0f_0f0f_0f0f),
            (8, 0x00ff_00ff_00ff_00ff),
            (16, 0x0000_ffff_0000_ffff),
            (32, 0x0000_0000_ffff_ffff),
        ];
        for v in w.iter_mut() {
            for (h, m) in MASKS {
                *v ^= (*v >> h) & m;
            }
        }
        let nw = w.len();
        let mut hw = 1;
        while hw < nw {
            for blk in (0..nw).step_by(2 * hw) {
                for i in blk..blk + hw {
                    w[i] ^= w[i + hw];
                }
            }
            hw *= 2;
        }
    }

    /// Encodes K bits `c` into the N-bit codeword d (§5.3.1).
    pub fn encode(&self, c: &[u8], d: &mut [u8]) -> Result<(), Error> {
        Error::check_len("polar input (K bits)", self.k, c.len())?;
        Error::check_len("polar codeword (N bits)", self.n, d.len())?;
        d.fill(0);
        for (t, &pos) in self.info.iter().enumerate() {
            d[pos] = c[self.il[t]] & 1;
        }
        if self.has_pc() {
            // §5.3.1.2: the cyclic shift register y0…y4, rotated at every position; an
            // information bit is XORed into y0, a parity-check bit takes y0.
            let mut y = [0u8; 5];
            for (i, u) in d.iter_mut().enumerate() {
                y.rotate_left(1);
                if self.pc[i] {
                    *u = y[0];
                } else if !self.frozen[i] {
                    y[0] ^= *u;
                }
            }
        }
        Self::transform(d);
        Ok(())
    }

    /// Rate-matches the N-bit codeword `d` into E bits `f` (§5.4.1).
    pub fn rate_match(&self, d: &[u8], f: &mut [u8]) -> Result<(), Error> {
        Error::check_len("polar codeword (N bits)", self.n, d.len())?;
        Error::check_len("polar output (E bits)", self.e, f.len())?;
        let y = |m: usize| d[self.j[m]];
        for k in 0..self.e {
            let v = match self.selection {
                Selection::Repetition => y(k % self.n),
                Selection::Puncturing => y(k + self.n - self.e),
                Selection::Shortening => y(k),
            };
            f[self.bil[k]] = v;
        }
        Ok(())
    }

    /// Encodes and rate-matches: K bits → E bits.
    pub fn encode_rm(&self, c: &[u8]) -> Result<Vec<u8>, Error> {
        let mut d = vec![0u8; self.n];
        self.encode(c, &mut d)?;
        let mut f = vec![0u8; self.e];
        self.rate_match(&d, &mut f)?;
        Ok(f)
    }

    /// Rate recovery: E LLRs (positive ⇒ 0) → N LLRs of d. Repetitions are summed,
    /// punctured bits get 0 (unknown) and shortened bits a large positive LLR (known 0).
    pub fn rate_recover(&self, f: &[f32], d_llr: &mut [f32]) -> Result<(), Error> {
        Error::check_len("polar LLRs (E)", self.e, f.len())?;
        Error::check_len("polar LLR output (N)", self.n, d_llr.len())?;
        let mut y = vec![0f32; self.n];
        if self.selection == Selection::Shortening {
            for v in &mut y[self.e..] {
                *v = 1.0e4;
            }
        }
        for k in 0..self.e {
            let v = f[self.bil[k]];
            match self.selection {
                Selection::Repetition => y[k % self.n] += v,
                Selection::Puncturing => y[k + self.n - self.e] = v,
                Selection::Shortening => y[k] = v,
            }
        }
        for (m, &v) in y.iter().enumerate() {
            d_llr[self.j[m]] = v;
        }
        Ok(())
    }

    /// The K bits c from the decoded u, packed 64 bits to a word (undoing I_IL).
    pub(crate) fn extract(&self, u: &[u64], c: &mut [u8]) {
        for (t, &pos) in self.info.iter().enumerate() {
            c[self.il[t]] = ((u[pos / 64] >> (pos % 64)) & 1) as u8;
        }
    }
}

#[cfg(test)]
mod transform_tests {
    use super::PolarCode;

    /// The packed transform equals the butterfly definition, and is an involution.
    #[test]
    fn packed_transform_matches_the_definition() {
        let mut r = nrkit_core::rng::stream(3, 0);
        for n in [2usize, 8, 32, 64, 128, 512, 1024] {
            let mut x = vec![0u8; n];
            nrkit_core::rng::fill_bits(&mut r, &mut x);
            let mut want = x.clone();
            let mut h = 1;
            while h < n {
                for blk in (0..n).step_by(2 * h) {
                    for i in blk..blk + h {
                        want[i] ^= want[i + h];
                    }
                }
                h *= 2;
            }
            let mut got = x.clone();
            PolarCode::transform(&mut got);
            assert_eq!(got, want, "N={n}");
            PolarCode::transform(&mut got);
            assert_eq!(got, x, "N={n}");
        }
    }
}

#[cfg(test)]
mod pc_tests {
    use super::PolarCode;

    /// UCI codes with parity-check bits (§5.3.1.2, §6.3.1.3.1): three PC positions, one of
    /// them at a minimum-row-weight position exactly when E − K + 3 > 192, and every PC bit
    /// of an encoded u equal to the XOR of the earlier information bits u_i with i ≡ n
    /// (mod 5) — the closed form of the shift register.
    #[test]
    fn uci_parity_check_bits_follow_the_shift_register() {
        let mut r = nrkit_core::rng::stream(12, 0);
        for k in [18usize, 21, 25] {
            for e in [40usize, 100, 200, 250, 600] {
                let code = PolarCode::uci(k, e).unwrap();
                let n = code.n();
                let pcs: Vec<usize> = (0..n).filter(|&i| code.pc()[i]).collect();
                assert_eq!(pcs.len(), 3, "K={k} E={e}");
                assert_eq!(code.info_positions().len(), k);
                // The non-frozen positions by reliability (least reliable first).
                let by_rel: Vec<usize> = super::sequence::Q
                    .iter()
                    .map(|&q| usize::from(q))
                    .filter(|&q| q < n && !code.frozen()[q])
                    .collect();
                let wm = e + 3 > 192 + k;
                let low = if wm { 2 } else { 3 };
                for q in &by_rel[..low] {
                    assert!(code.pc()[*q], "K={k} E={e}: least reliable {q} not PC");
                }
                if wm {
                    // The remaining PC bit: minimum weight among the K most reliable.
                    let rest = &by_rel[3..];
                    let w = rest.iter().map(|q| q.count_ones()).min().unwrap();
                    let q = *rest.iter().rev().find(|q| q.count_ones() == w).unwrap();
                    assert!(code.pc()[q], "K={k} E={e}: weight position {q}");
                }
                let mut c = vec![0u8; k];
                nrkit_core::rng::fill_bits(&mut r, &mut c);
                let mut u = vec![0u8; n];
                code.encode(&c, &mut u).unwrap();
                PolarCode::transform(&mut u);
                for &p in &pcs {
                    let want = (0..p)
                        .filter(|&i| i % 5 == p % 5 && !code.frozen()[i] && !code.pc()[i])
                        .fold(0u8, |a, i| a ^ u[i]);
                    assert_eq!(u[p], want, "K={k} E={e} PC at {p}");
                }
                let mut back = vec![0u8; k];
                let words: Vec<u64> = u.chunks(64).map(crate::bits::pack_lsb).collect();
                code.extract(&words, &mut back);
                assert_eq!(back, c);
            }
        }
    }
}
