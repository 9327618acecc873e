//! The PDCCH (TS 38.211 §7.3.2, §7.4.1.3; TS 38.213 §10.1, §13).
//!
//! * [`coreset`]: CORESETs, REG bundles and the CCE-to-REG mapping (§7.3.2.2).
//! * [`search_space`]: search-space sets, monitored slots and candidates with the hashing
//!   function (TS 38.213 §10.1).
//! * [`mod@coreset0`]: CORESET#0 and the Type0-PDCCH occasions from the MIB (TS 38.213
//!   Tables 13-1…13-6, 13-11).
//! * This module: scrambling (§7.3.2.3), QPSK (§7.3.2.4), mapping to the REs of a
//!   candidate's REGs without the DMRS (§7.3.2.5), the PDCCH DMRS (§7.4.1.3), and the
//!   receiver: per REG bundle and symbol least-squares estimation with a common phase slope
//!   (timing), noise variance from the DMRS residual, max-log QPSK LLRs, descrambling, and
//!   blind decoding over a search space ([`PdcchBlindDecoder`]).
//!
//! Mapping order: the data REs of all REGs of the candidate, frequency first within a
//! symbol, then symbol (§7.3.2.5). DMRS on subcarriers 1, 5, 9 of every REG, r(3n + k')
//! with n counted from CRB 0, or from CORESET#0's first RB. LLRs positive ⇒ bit 0. The
//! PDCCH and its DMRS have unit power per RE (β = 1).

pub mod coreset;
pub mod coreset0;
pub mod search_space;
pub mod slot;

use nrkit_coding::dci::{dci_encode, DciDecoded, DciDecoder};
use nrkit_core::gold::gold_bits;
use nrkit_core::{Error, C32, C64};

use crate::grid::ResourceGrid;
use crate::modulation::{map, Modulation};
use crate::pdsch::dmrs;

pub use coreset::{CceRegMapping, Coreset, PrecoderGranularity};
pub use coreset0::{coreset0, coreset0_row, type0_monitoring, Coreset0Row, Type0Monitoring};
pub use search_space::{SearchSpace, SearchSpaceType, AGGREGATION_LEVELS};
pub use slot::{coreset_timing, receive_pdcch_slot, PdcchSlotOutcome};

/// Coded bits per CCE: 6 REGs × 9 data REs × 2 (QPSK).
pub const BITS_PER_CCE: usize = 108;
/// The DMRS subcarriers of a REG.
const DMRS_SC: [usize; 3] = [1, 5, 9];

/// The scrambling identities of one PDCCH.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PdcchIds {
    /// n_ID of the data scrambling (§7.3.2.3): pdcch-DMRS-ScramblingID, else N_ID^cell.
    pub n_id: u16,
    /// n_RNTI of the data scrambling: the C-RNTI in a UE-specific search space with
    /// pdcch-DMRS-ScramblingID configured, else 0.
    pub n_rnti: u16,
    /// N_ID of the DMRS (§7.4.1.3.1): pdcch-DMRS-ScramblingID, else N_ID^cell.
    pub dmrs_n_id: u16,
}

impl PdcchIds {
    /// The identities of a common search space (CORESET#0, Type0/1/2 CSS): N_ID^cell, 0.
    pub fn cell(n_cell_id: u16) -> Self {
        PdcchIds {
            n_id: n_cell_id,
            n_rnti: 0,
            dmrs_n_id: n_cell_id,
        }
    }
}

/// One PDCCH candidate: aggregation level and first CCE, in a CORESET starting at a symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    /// Aggregation level L (1, 2, 4, 8, 16).
    pub level: usize,
    /// The first CCE.
    pub first_cce: usize,
    /// The CORESET's first symbol in the slot.
    pub start_symbol: usize,
}

impl Candidate {
    /// Rate-matched bits E = 108·L.
    pub fn e(&self) -> usize {
        BITS_PER_CCE * self.level
    }
}

/// The resource elements of one candidate in a grid.
#[derive(Debug, Clone, Default)]
struct Resources {
    /// (grid subcarrier, slot symbol, estimation group) of each data RE in mapping order.
    data: Vec<(usize, usize, usize)>,
    /// (grid subcarrier, slot symbol, estimation group, value) of each DMRS RE of the PDCCH.
    dmrs: Vec<(usize, usize, usize, C32)>,
    /// DMRS REs outside the PDCCH's REGs (allContiguousRBs), transmit only.
    extra_dmrs: Vec<(usize, usize, C32)>,
    groups: usize,
}

fn resources(
    grid: &ResourceGrid,
    coreset: &Coreset,
    cand: &Candidate,
    n_slot: usize,
    ids: &PdcchIds,
) -> Result<Resources, Error> {
    if !AGGREGATION_LEVELS.contains(&cand.level) {
        return Err(Error::invalid(
            "aggregation level",
            "1, 2, 4, 8 or 16",
            cand.level,
        ));
    }
    if cand.first_cce + cand.level > coreset.n_cce() {
        return Err(Error::invalid(
            "PDCCH candidate CCEs",
            format!("within the CORESET's {} CCEs", coreset.n_cce()),
            format!("{}..{}", cand.first_cce, cand.first_cce + cand.level),
        ));
    }
    let n_symb = grid.numerology().symbols_per_slot();
    if cand.start_symbol + coreset.duration() > n_symb.min(grid.n_symbols()) {
        return Err(Error::invalid(
            "CORESET symbols",
            format!("within the slot's {n_symb} symbols"),
            format!(
                "{}..{}",
                cand.start_symbol,
                cand.start_symbol + coreset.duration()
            ),
        ));
    }
    let l_bundle = coreset.reg_bundle_size();
    let dur = coreset.duration();
    // REGs of the candidate with their bundle number (0.. within the candidate).
    let mut regs: Vec<(usize, usize)> = Vec::with_capacity(6 * cand.level);
    for j in cand.first_cce..cand.first_cce + cand.level {
        for (i, &r) in coreset.cce_regs(j).into_iter().flatten().enumerate() {
            regs.push((
                usize::from(r),
                (j - cand.first_cce) * (6 / l_bundle) + i / l_bundle,
            ));
        }
    }
    let ref_crb = coreset.dmrs_reference_crb();
    let k_of = |crb: usize, sc: usize| {
        grid.k_of_crb(crb, sc).ok_or_else(|| {
            Error::invalid(
                "CORESET RBs",
                format!(
                    "inside the grid (CRBs {}..{})",
                    grid.n_start_grid(),
                    grid.n_start_grid() + grid.n_size_grid()
                ),
                format!("CRB {crb}"),
            )
        })
    };
    let max_crb = coreset.crbs().last().copied().unwrap_or(0);
    let n_rb_seq = max_crb + 1 - ref_crb;
    let seqs: Vec<Vec<C32>> = (0..dur)
        .map(|s| {
            let l = cand.start_symbol + s;
            let ci = dmrs::c_init(n_symb, n_slot, l, ids.dmrs_n_id, 0);
            dmrs_sequence(ci, n_rb_seq)
        })
        .collect();
    let mut out = Resources {
        groups: (6 * cand.level / l_bundle) * dur,
        ..Default::default()
    };
    let mut data = Vec::with_capacity(54 * cand.level);
    for &(reg, bundle) in &regs {
        let (crb, s) = coreset.reg_location(reg);
        let l = cand.start_symbol + s;
        let g = bundle * dur + s;
        for sc in 0..12 {
            let k = k_of(crb, sc)?;
            if let Some(kp) = DMRS_SC.iter().position(|&d| d == sc) {
                out.dmrs.push((k, l, g, seqs[s][3 * (crb - ref_crb) + kp]));
            } else {
                data.push((l, k, g));
            }
        }
    }
    data.sort_unstable();
    out.data = data.into_iter().map(|(l, k, g)| (k, l, g)).collect();
    if coreset.precoder() == PrecoderGranularity::AllContiguousRbs {
        // Every RB of each contiguous run of CORESET RBs that holds a REG of the PDCCH.
        let used: std::collections::BTreeSet<usize> = regs
            .iter()
            .map(|&(r, _)| coreset.reg_location(r).0)
            .collect();
        let crbs = coreset.crbs();
        let mut start = 0;
        while start < crbs.len() {
            let mut end = start + 1;
            while end < crbs.len() && crbs[end] == crbs[end - 1] + 1 {
                end += 1;
            }
            if crbs[start..end].iter().any(|c| used.contains(c)) {
                for &crb in &crbs[start..end] {
                    if used.contains(&crb) {
                        continue;
                    }
                    for (s, seq) in seqs.iter().enumerate() {
                        for (kp, &sc) in DMRS_SC.iter().enumerate() {
                            out.extra_dmrs.push((
                                k_of(crb, sc)?,
                                cand.start_symbol + s,
                                seq[3 * (crb - ref_crb) + kp],
                            ));
                        }
                    }
                }
            }
            start = end;
        }
    }
    Ok(out)
}

thread_local! {
    /// The last DMRS sequences made (c_init, RBs) → r(0…3·RBs − 1): a blind search asks
    /// for the same ones once per candidate.
    static DMRS_CACHE: std::cell::RefCell<Vec<(u32, usize, Vec<C32>)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// The PDCCH DMRS r(m), m = 0…3·`n_rb` − 1, for `c_init` (TS 38.211 §7.4.1.3.1), cached.
fn dmrs_sequence(c_init: u32, n_rb: usize) -> Vec<C32> {
    DMRS_CACHE.with_borrow_mut(|c| {
        if let Some((_, _, v)) = c.iter().find(|e| e.0 == c_init && e.1 == n_rb) {
            return v.clone();
        }
        let v = dmrs::sequence(c_init, 0, n_rb, 3);
        if c.len() >= 8 {
            c.remove(0);
        }
        c.push((c_init, n_rb, v.clone()));
        v
    })
}

thread_local! {
    static SCRAMBLING_CACHE: std::cell::RefCell<Option<(u32, Vec<u8>)>> =
        const { std::cell::RefCell::new(None) };
}

/// c(0…e − 1) of the data scrambling for `c_init`, from a cached 16-CCE sequence.
fn scrambling_bits(c_init: u32, e: usize) -> Vec<u8> {
    let max = 16 * BITS_PER_CCE;
    if e > max {
        return gold_bits(c_init, 0, e);
    }
    SCRAMBLING_CACHE.with_borrow_mut(|c| {
        if !matches!(c, Some((ci, _)) if *ci == c_init) {
            *c = Some((c_init, gold_bits(c_init, 0, max)));
        }
        c.as_ref().map_or_else(Vec::new, |(_, v)| v[..e].to_vec())
    })
}

/// c_init of the PDCCH data scrambling (§7.3.2.3): (n_RNTI·2^16 + n_ID) mod 2^31.
pub fn scrambling_c_init(ids: &PdcchIds) -> u32 {
    ((u32::from(ids.n_rnti) << 16) + u32::from(ids.n_id)) & 0x7fff_ffff
}

/// Writes one PDCCH into `grid` port `port`: the E = 108·L coded bits `bits` (from
/// [`nrkit_coding::dci::dci_encode`]) scrambled, QPSK-modulated and mapped, and its DMRS.
/// An error if the candidate or the CORESET does not fit the grid or `bits` is not E long.
#[allow(clippy::too_many_arguments)]
pub fn map_pdcch(
    grid: &mut ResourceGrid,
    port: usize,
    coreset: &Coreset,
    cand: &Candidate,
    ids: &PdcchIds,
    n_slot: usize,
    bits: &[u8],
) -> Result<(), Error> {
    Error::check_len("PDCCH coded bits (108 per CCE)", cand.e(), bits.len())?;
    if port >= grid.n_ports() {
        return Err(Error::invalid(
            "antenna port",
            format!("0..{}", grid.n_ports()),
            port,
        ));
    }
    let res = resources(grid, coreset, cand, n_slot, ids)?;
    let c = gold_bits(scrambling_c_init(ids), 0, bits.len());
    let scr: Vec<u8> = bits.iter().zip(&c).map(|(b, c)| b ^ c).collect();
    let mut sym = vec![C32::default(); bits.len() / 2];
    map(Modulation::Qpsk, &scr, &mut sym)?;
    let mut g = grid.port_mut(port);
    for (&(k, l, _), &x) in res.data.iter().zip(&sym) {
        g[[k, l]] = x;
    }
    for &(k, l, _, v) in &res.dmrs {
        g[[k, l]] = v;
    }
    for &(k, l, v) in &res.extra_dmrs {
        g[[k, l]] = v;
    }
    Ok(())
}

/// Encodes DCI payload `payload` for `rnti` (TS 38.212 §7.3) and maps it as
/// [`map_pdcch`] does.
#[allow(clippy::too_many_arguments)]
pub fn transmit_dci(
    grid: &mut ResourceGrid,
    port: usize,
    coreset: &Coreset,
    cand: &Candidate,
    ids: &PdcchIds,
    n_slot: usize,
    payload: &[u8],
    rnti: u16,
) -> Result<(), Error> {
    let bits = dci_encode(payload, rnti, cand.e())?;
    map_pdcch(grid, port, coreset, cand, ids, n_slot, &bits)
}

/// The soft bits of one candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct PdcchSoft {
    /// E descrambled LLRs (positive ⇒ 0).
    pub llrs: Vec<f32>,
    /// Noise variance per RE estimated from the DMRS residual.
    pub noise_var: f64,
    /// SNR per RE in dB (channel power over noise at the DMRS).
    pub snr_db: f64,
}

/// Channel estimation, equalization and demapping of one candidate in a received grid.
///
/// Estimation per (REG bundle, symbol): a phase slope common to the candidate (timing
/// offset, from the products of neighbouring DMRS 4 subcarriers apart) is removed, the LS
/// estimates averaged, and the slope restored per subcarrier; the noise variance is the
/// residual of the DMRS around that fit (corrected for the fitted degrees of freedom).
pub fn pdcch_soft(
    grid: &ResourceGrid,
    port: usize,
    coreset: &Coreset,
    cand: &Candidate,
    ids: &PdcchIds,
    n_slot: usize,
) -> Result<PdcchSoft, Error> {
    if port >= grid.n_ports() {
        return Err(Error::invalid(
            "antenna port",
            format!("0..{}", grid.n_ports()),
            port,
        ));
    }
    let res = resources(grid, coreset, cand, n_slot, ids)?;
    let g = grid.port(port);
    // LS at the DMRS.
    let z: Vec<C32> = res
        .dmrs
        .iter()
        .map(|&(k, l, _, r)| g[[k, l]] * r.conj())
        .collect();
    // Common slope: pairs 4 subcarriers apart in the same group and symbol.
    let mut acc = C64::new(0.0, 0.0);
    for i in 1..z.len() {
        let (k0, l0, g0, _) = res.dmrs[i - 1];
        let (k1, l1, g1, _) = res.dmrs[i];
        if g0 == g1 && l0 == l1 && k1 == k0 + 4 {
            let p = z[i] * z[i - 1].conj();
            acc += C64::new(f64::from(p.re), f64::from(p.im));
        }
    }
    let coarse = if acc.norm() > 0.0 {
        acc.arg() / 4.0
    } else {
        0.0
    };
    // Refinement: per (group, RB) averages after the coarse slope, products of RBs 12
    // subcarriers apart (three pilots averaged and three times the spacing: about five
    // times less slope noise at low SNR).
    let mut rb_cache: Vec<(usize, C64)> = Vec::new();
    let mut rb_phase = |rb: usize| match rb_cache.iter().find(|e| e.0 == rb) {
        Some(e) => e.1,
        None => {
            let v = C64::from_polar(1.0, -coarse * (12 * rb + 5) as f64);
            rb_cache.push((rb, v));
            v
        }
    };
    let mut rb_avg = std::collections::BTreeMap::<(usize, usize), C64>::new();
    for (&(k, _, grp, _), &zi) in res.dmrs.iter().zip(&z) {
        // Within one RB the coarse slope's phase is taken at the RB's centre (the pilots
        // are at most 4 subcarriers from it).
        let v = C64::new(f64::from(zi.re), f64::from(zi.im)) * rb_phase(k / 12);
        *rb_avg.entry((grp, k / 12)).or_default() += v;
    }
    let rb_avg: Vec<((usize, usize), C64)> = rb_avg.into_iter().collect();
    let mut fine = C64::new(0.0, 0.0);
    for w in rb_avg.windows(2) {
        if w[0].0 .0 == w[1].0 .0 && w[1].0 .1 == w[0].0 .1 + 1 {
            fine += w[1].1 * w[0].1.conj();
        }
    }
    let alpha = coarse
        + if fine.norm() > 0.0 {
            fine.arg() / 12.0
        } else {
            0.0
        };
    // e^{jαk} for the candidate's subcarriers, by recurrence from its lowest one.
    let k_lo = res
        .dmrs
        .iter()
        .map(|d| d.0)
        .chain(res.data.iter().map(|d| d.0))
        .min()
        .unwrap_or(0);
    let k_hi = res
        .dmrs
        .iter()
        .map(|d| d.0)
        .chain(res.data.iter().map(|d| d.0))
        .max()
        .unwrap_or(0);
    let step = C64::from_polar(1.0, alpha);
    let mut cur = C64::from_polar(1.0, alpha * k_lo as f64);
    let table: Vec<C32> = (k_lo..=k_hi)
        .map(|_| {
            let v = C32::new(cur.re as f32, cur.im as f32);
            cur *= step;
            v
        })
        .collect();
    let rot = |k: usize| table[k - k_lo];
    let mut h = vec![C32::default(); res.groups];
    let mut n = vec![0usize; res.groups];
    for (&(k, _, grp, _), &zi) in res.dmrs.iter().zip(&z) {
        h[grp] += zi * rot(k).conj();
        n[grp] += 1;
    }
    for (hg, &c) in h.iter_mut().zip(&n) {
        if c > 0 {
            *hg /= c as f32;
        }
    }
    let mut resid = 0f64;
    let mut sig = 0f64;
    for (&(k, _, grp, _), &zi) in res.dmrs.iter().zip(&z) {
        let fit = h[grp] * rot(k);
        resid += f64::from((zi - fit).norm_sqr());
        sig += f64::from(fit.norm_sqr());
    }
    let groups_used = n.iter().filter(|&&c| c > 0).count();
    let dof = res.dmrs.len().saturating_sub(groups_used).max(1);
    let noise_var = (resid / dof as f64).max(1e-12);
    // |ĥ|² holds the noise of the group average: σ²·G/N on average.
    let sig = sig / res.dmrs.len().max(1) as f64;
    let bias = noise_var * groups_used as f64 / res.dmrs.len().max(1) as f64;
    let snr_db = 10.0 * ((sig - bias).max(1e-12) / noise_var).log10();
    // Max-log QPSK: LLR(b0) = 2√2·Re(h*·y)/σ², LLR(b1) = 2√2·Im(h*·y)/σ².
    let s = (2.0 * std::f64::consts::SQRT_2 / noise_var) as f32;
    let e = cand.e();
    let c = scrambling_bits(scrambling_c_init(ids), e);
    let mut llrs = Vec::with_capacity(e);
    for &(k, l, grp) in &res.data {
        let v = (h[grp] * rot(k)).conj() * g[[k, l]] * s;
        llrs.push(v.re);
        llrs.push(v.im);
    }
    for (x, &ci) in llrs.iter_mut().zip(&c) {
        if ci == 1 {
            *x = -*x;
        }
    }
    Ok(PdcchSoft {
        llrs,
        noise_var,
        snr_db,
    })
}

/// A DCI found by [`PdcchBlindDecoder::search`].
#[derive(Debug, Clone, PartialEq)]
pub struct FoundDci {
    /// The candidate it was decoded from.
    pub candidate: Candidate,
    /// Payload and RNTI.
    pub dci: DciDecoded,
    /// Agreement of the re-encoded bits with the LLRs, Σ llr·(1 − 2b)/Σ|llr| (1 = perfect).
    pub agreement: f32,
    /// SNR per RE of the candidate's DMRS in dB.
    pub snr_db: f64,
}

/// What a blind search looks for: the candidates of `search_space` in `coreset` (hashed
/// with `hash_rnti` when UE-specific), DCIs of the sizes `payload_sizes` whose CRC matches
/// one of `rntis`.
#[derive(Debug, Clone, Copy)]
pub struct PdcchSearch<'a> {
    /// The CORESET.
    pub coreset: &'a Coreset,
    /// The search-space set.
    pub search_space: &'a SearchSpace,
    /// Scrambling identities.
    pub ids: &'a PdcchIds,
    /// Payload sizes A to try.
    pub payload_sizes: &'a [usize],
    /// RNTIs whose CRC mask is accepted.
    pub rntis: &'a [u16],
    /// The C-RNTI of the hashing function (UE-specific search spaces).
    pub hash_rnti: u16,
}

/// Blind decoding of DCIs over a search space: every candidate of every aggregation level,
/// every payload size, checked against a set of RNTIs.
#[derive(Debug, Clone)]
pub struct PdcchBlindDecoder {
    list: usize,
    decoders: Vec<DciDecoder>,
}

impl PdcchBlindDecoder {
    /// A decoder with polar list size `list` (1…32; 8 is the usual choice).
    pub fn new(list: usize) -> Result<Self, Error> {
        if list == 0 || list > 32 {
            return Err(Error::invalid("polar list size", "1..=32", list));
        }
        Ok(PdcchBlindDecoder {
            list,
            decoders: Vec::new(),
        })
    }

    fn decoder(&mut self, a: usize, e: usize) -> Result<&mut DciDecoder, Error> {
        let i = match self
            .decoders
            .iter()
            .position(|d| d.payload_bits() == a && d.e() == e)
        {
            Some(i) => i,
            None => {
                self.decoders.push(DciDecoder::new(a, e, self.list)?);
                self.decoders.len() - 1
            }
        };
        Ok(&mut self.decoders[i])
    }

    /// Every DCI of the search `q` in slot `n_slot` (of the frame) of `grid` port `port`. A DCI that decodes from overlapping
    /// candidates (a prefix of a longer repetition) is reported once, from the candidate
    /// that agrees best with it. The guard against false alarms is the CRC: with list L a
    /// noise-only candidate passes for a given RNTI with probability about L·2^−24 (measured
    /// 3.8·10^−7 per decode at L = 8, E = 432).
    pub fn search(
        &mut self,
        grid: &ResourceGrid,
        port: usize,
        n_slot: usize,
        q: &PdcchSearch<'_>,
    ) -> Result<Vec<FoundDci>, Error> {
        let PdcchSearch {
            coreset,
            search_space: ss,
            ids,
            payload_sizes,
            rntis,
            hash_rnti,
        } = *q;
        let mut found: Vec<FoundDci> = Vec::new();
        for &level in AGGREGATION_LEVELS.iter().rev() {
            let mut seen = Vec::new();
            for first_cce in ss.candidates(coreset, level, n_slot, hash_rnti) {
                if seen.contains(&first_cce) {
                    continue;
                }
                seen.push(first_cce);
                let cand = Candidate {
                    level,
                    first_cce,
                    start_symbol: ss.start_symbol,
                };
                let soft = pdcch_soft(grid, port, coreset, &cand, ids, n_slot)?;
                for &a in payload_sizes {
                    let dec = self.decoder(a, cand.e())?;
                    let Some(dci) = dec.decode(&soft.llrs, rntis)? else {
                        continue;
                    };
                    let bits = dci_encode(&dci.payload, dci.rnti, cand.e())?;
                    let (mut num, mut den) = (0f32, 0f32);
                    for (&l, &b) in soft.llrs.iter().zip(&bits) {
                        num += if b == 0 { l } else { -l };
                        den += l.abs();
                    }
                    let agreement = if den > 0.0 { num / den } else { 0.0 };
                    let new = FoundDci {
                        candidate: cand,
                        dci,
                        agreement,
                        snr_db: soft.snr_db,
                    };
                    let overlaps = |f: &FoundDci| {
                        f.dci == new.dci
                            && f.candidate.first_cce < first_cce + level
                            && first_cce < f.candidate.first_cce + f.candidate.level
                    };
                    match found.iter().position(overlaps) {
                        Some(i) if found[i].agreement >= new.agreement => {}
                        Some(i) => found[i] = new,
                        None => found.push(new),
                    }
                }
            }
        }
        Ok(found)
    }
}
