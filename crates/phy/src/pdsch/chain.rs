//! The PDSCH transmit and receive chains of one slot, on the carrier resource grid.
//!
//! Transmit (TS 38.211 §7.3.1, §7.4.1.1): DL-SCH coding (`nrkit_coding::dlsch`, TS 38.212
//! §7.2) → scrambling (§7.3.1.1) → modulation (§7.3.1.2) → layer mapping (§7.3.1.3) →
//! layer v on DMRS port `ports[v]`, which is grid port v (no precoding: §7.3.1.4 with the
//! identity) → mapping to VRBs/PRBs around the DMRS (§7.3.1.5–6), DMRS at β (§7.4.1.1.2).
//!
//! Receive, per slot, on a grid of N_rx receive ports:
//! 1. DMRS least squares per CDM group, with the FD-OCC (and TD-OCC for double-symbol DMRS)
//!    undone by averaging each k' pair (and l' pair) with the port's w_f, w_t. With DMRS
//!    type 1 and every layer alone in its CDM group no FD-OCC needs undoing, and each DMRS
//!    RE (every second subcarrier) is its own estimate: half the spacing of the pairs,
//!    which on a channel with a long delay spread (TDL-C 300 ns) removes most of the
//!    error of averaging and interpolating across 4 subcarriers. (A co-scheduled user on
//!    the other port of the group would interfere with these estimates; within this
//!    PDSCH none is.)
//! 2. Timing refinement: the phase slope over frequency (a timing error of τ samples is a
//!    slope of −2πτ/N_FFT per subcarrier) is measured per DMRS symbol and removed before
//!    smoothing, then restored. Smoothing: a moving average over 1 to 27 DMRS pairs (1 to
//!    53 single REs), the window chosen per slot by leave-one-out cross-validation (wide
//!    on a flat channel, narrow on a frequency-selective one); estimates between the
//!    estimate positions are linear.
//! 3. Noise variance per RE from the residual of the DMRS REs after the fit, corrected for
//!    the fitted degrees of freedom.
//! 4. Residual CFO: with two or more DMRS positions the common phase advance between them
//!    (rad per symbol) is estimated, removed before linear interpolation in time and
//!    restored per symbol.
//! 5. Equalization: MRC for one layer, MMSE (H^H H + σ²I)^−1 H^H with the bias removed for
//!    more layers; per-RE post-equalization noise for the soft demapper.
//! 6. Layer demapping, max-log soft demapping (positive LLR ⇒ 0), descrambling, rate
//!    recovery with HARQ combining and LDPC decoding (early stop), TB CRC.
//! 7. EVM against the re-encoded TB when its CRC holds (else hard decisions), SNR per RE.

use nrkit_coding::dlsch::{dlsch_encode, DlschConfig, DlschDecoder};
use nrkit_coding::ldpc::DecoderConfig;
use nrkit_core::{Error, C32, N_SC_RB};

use super::config::{Carrier, PdschConfig, PdschMapping};
use super::dmrs;
use super::mcs::McsEntry;
use super::scrambling::{c_init, descramble_llrs, scramble_bits};
use super::tbs::{tbs, TbsParams};
use crate::grid::ResourceGrid;
use crate::modulation::{map, Demapper, Modulation};

/// The transport-block side of one PDSCH transmission.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transport {
    /// Transport block size A in bits.
    pub tbs: usize,
    /// Target code rate R (base-graph selection and TBS).
    pub rate: f64,
    /// Redundancy version 0…3.
    pub rv: u8,
    /// TBS_LBRM for limited-buffer rate matching, if configured.
    pub tbs_lbrm: Option<usize>,
}

/// One slot's PDSCH: carrier, configuration and the resource mapping derived from them.
#[derive(Debug, Clone)]
pub struct Pdsch {
    carrier: Carrier,
    cfg: PdschConfig,
    map: PdschMapping,
}

/// The DMRS of one layer in one DMRS symbol: grid subcarriers and values (β included).
#[derive(Debug, Clone, PartialEq)]
pub struct DmrsRes {
    /// Slot symbol.
    pub l: usize,
    /// Carrier-grid subcarriers, ascending (PRB by PRB, sequence order within each).
    pub k: Vec<u32>,
    /// Values a(k, l) = β·w_f·w_t·r.
    pub value: Vec<C32>,
}

impl Pdsch {
    /// Validates `cfg` against `carrier` and computes the mapping.
    pub fn new(carrier: Carrier, cfg: PdschConfig) -> Result<Self, Error> {
        let map = cfg.mapping(&carrier)?;
        Ok(Pdsch { carrier, cfg, map })
    }

    /// The carrier.
    pub fn carrier(&self) -> &Carrier {
        &self.carrier
    }

    /// The configuration.
    pub fn config(&self) -> &PdschConfig {
        &self.cfg
    }

    /// The resource mapping.
    pub fn mapping(&self) -> &PdschMapping {
        &self.map
    }

    /// Moves to slot `n_slot` (the mapping is recomputed when reserved PRB patterns make
    /// it slot-dependent).
    pub fn set_slot(&mut self, n_slot: usize) -> Result<(), Error> {
        let carrier = Carrier {
            n_slot,
            ..self.carrier
        };
        carrier.validate()?;
        if !self.cfg.reserved_prb.is_empty() {
            self.map = self.cfg.mapping(&carrier)?;
        }
        self.carrier = carrier;
        Ok(())
    }

    /// Coded bits G = data REs · Q_m · υ.
    pub fn g(&self) -> usize {
        self.map.n_data_re * self.cfg.modulation.bits_per_symbol() * self.cfg.num_layers
    }

    /// N_DMRS^PRB: DMRS REs per PRB of the allocation, CDM groups without data included.
    pub fn n_dmrs_per_prb(&self) -> usize {
        self.map.dmrs_symbols.len()
            * self.cfg.dmrs.res_per_group()
            * usize::from(self.cfg.dmrs.num_cdm_groups_without_data)
    }

    /// The TBS inputs of TS 38.214 §5.1.3.2 for an MCS row and xOverhead (0, 6, 12, 18).
    pub fn tbs_params(&self, entry: McsEntry, x_overhead: u32) -> Result<TbsParams, Error> {
        let rate = entry.rate().ok_or_else(|| {
            Error::invalid(
                "mcs",
                "an MCS row with a code rate (not reserved)",
                "reserved",
            )
        })?;
        Ok(TbsParams {
            n_prb: self.cfg.prb_set.len() as u32,
            n_symbols: self.cfg.symbol_allocation[1] as u32,
            n_dmrs_per_prb: self.n_dmrs_per_prb() as u32,
            x_overhead,
            num_layers: self.cfg.num_layers as u32,
            qm: entry.qm,
            rate,
            scaling: 1.0,
        })
    }

    /// The transport for an MCS row (TBS of §5.1.3.2) at redundancy version `rv`.
    pub fn transport(&self, entry: McsEntry, x_overhead: u32, rv: u8) -> Result<Transport, Error> {
        let p = self.tbs_params(entry, x_overhead)?;
        if entry.modulation() != self.cfg.modulation {
            return Err(Error::invalid(
                "mcs",
                format!("an MCS whose modulation is {}", self.cfg.modulation.name()),
                entry.modulation().name(),
            ));
        }
        let t = tbs(&p)? as usize;
        if t == 0 {
            return Err(Error::invalid(
                "allocation",
                "room for a transport block",
                0,
            ));
        }
        Ok(Transport {
            tbs: t,
            rate: p.rate,
            rv,
            tbs_lbrm: None,
        })
    }

    fn dlsch(&self, t: &Transport) -> Result<DlschConfig, Error> {
        if t.rv > 3 {
            return Err(Error::invalid("rv", "0..=3", t.rv));
        }
        Ok(DlschConfig {
            tbs: t.tbs,
            rate: t.rate,
            qm: self.cfg.modulation.bits_per_symbol(),
            n_layers: self.cfg.num_layers,
            g: self.g(),
            rv: t.rv,
            tbs_lbrm: t.tbs_lbrm,
        })
    }

    fn scrambling_c_init(&self) -> Result<u32, Error> {
        c_init(
            self.cfg.rnti,
            0,
            self.cfg.nid.unwrap_or(self.carrier.n_cell_id),
        )
    }

    /// The DMRS of layer `v` in every DMRS symbol of the current slot.
    pub fn dmrs(&self, v: usize) -> Result<Vec<DmrsRes>, Error> {
        let d = &self.cfg.dmrs;
        let port =
            *self.map.ports.get(v).ok_or_else(|| {
                Error::invalid("layer", format!("0..{}", self.map.ports.len()), v)
            })?;
        let pp = d.port_params(port);
        let sc = d.group_subcarriers(pp.cdm_group);
        let per = d.res_per_group();
        let n_id = d.n_id.unwrap_or(self.carrier.n_cell_id);
        let beta = d.beta();
        let first = self.map.n_start_bwp + self.map.prbs[0];
        let last = self.map.n_start_bwp + self.map.prbs[self.map.prbs.len() - 1];
        let mut out = Vec::with_capacity(self.map.dmrs_symbols.len());
        for (j, &l) in self.map.dmrs_symbols.iter().enumerate() {
            let l_prime = if d.length == 2 { j % 2 } else { 0 };
            let ci = dmrs::c_init(
                self.carrier.symbols_per_slot(),
                self.carrier.slot_in_frame(),
                l,
                n_id,
                d.nscid,
            );
            let r = dmrs::sequence(ci, first, last - first + 1, per);
            let wt = if l_prime == 1 { f32::from(pp.wt1) } else { 1.0 };
            let mut k = Vec::with_capacity(self.map.prbs.len() * per);
            let mut value = Vec::with_capacity(self.map.prbs.len() * per);
            for &prb in &self.map.prbs {
                let crb = self.map.n_start_bwp + prb;
                let k0 = (crb - self.map.n_start_grid) * N_SC_RB;
                for (i, &s) in sc.iter().enumerate() {
                    let wf = if i % 2 == 1 { f32::from(pp.wf1) } else { 1.0 };
                    k.push((k0 + s) as u32);
                    value.push(r[(crb - first) * per + i] * (beta * wf * wt));
                }
            }
            out.push(DmrsRes { l, k, value });
        }
        Ok(out)
    }

    fn check_grid(&self, grid: &ResourceGrid, ports: usize) -> Result<(), Error> {
        if grid.n_size_grid() != self.carrier.n_size_grid
            || grid.n_start_grid() != self.carrier.n_start_grid
            || grid.n_symbols() != self.carrier.symbols_per_slot()
        {
            return Err(Error::invalid(
                "resource grid",
                format!(
                    "one slot of {} RBs from CRB {}",
                    self.carrier.n_size_grid, self.carrier.n_start_grid
                ),
                format!(
                    "{} symbols of {} RBs from CRB {}",
                    grid.n_symbols(),
                    grid.n_size_grid(),
                    grid.n_start_grid()
                ),
            ));
        }
        if grid.n_ports() < ports {
            return Err(Error::invalid(
                "grid ports",
                format!(">= {ports}"),
                grid.n_ports(),
            ));
        }
        Ok(())
    }

    /// The modulation symbols of `tb` (A bits 0/1) after coding, scrambling, modulation
    /// and layer mapping: `[layer][i]` in mapping order.
    pub fn layer_symbols(&self, tb: &[u8], t: &Transport) -> Result<Vec<Vec<C32>>, Error> {
        let cfg = self.dlsch(t)?;
        let mut bits = dlsch_encode(tb, &cfg)?;
        scramble_bits(&mut bits, self.scrambling_c_init()?);
        let q = self.cfg.modulation.bits_per_symbol();
        let mut d = vec![C32::default(); bits.len() / q];
        map(self.cfg.modulation, &bits, &mut d)?;
        super::scrambling::layer_map(&d, self.cfg.num_layers)
    }

    /// Writes the PDSCH of transport block `tb` (A bits, 0/1) and its DMRS into `grid`
    /// (one slot of this carrier, at least υ ports; port v carries layer v). Other REs are
    /// left as they are.
    pub fn transmit(&self, tb: &[u8], t: &Transport, grid: &mut ResourceGrid) -> Result<(), Error> {
        self.check_grid(grid, self.cfg.num_layers)?;
        let x = self.layer_symbols(tb, t)?;
        for (v, xv) in x.iter().enumerate() {
            let mut i = 0;
            for (l, ks) in self.map.data.iter().enumerate() {
                if ks.is_empty() {
                    continue;
                }
                let sym = grid.symbol_mut(v, l);
                for (&k, &s) in ks.iter().zip(&xv[i..]) {
                    sym[k as usize] = s;
                }
                i += ks.len();
            }
            for d in self.dmrs(v)? {
                let sym = grid.symbol_mut(v, d.l);
                for (&k, &a) in d.k.iter().zip(&d.value) {
                    sym[k as usize] = a;
                }
            }
        }
        Ok(())
    }
}

/// What the receiver measured and decoded in one slot.
#[derive(Debug, Clone, PartialEq)]
pub struct PdschRxOutcome {
    /// The transport block (A bits; valid when `crc_ok`).
    pub tb: Vec<u8>,
    /// Whether the TB CRC holds.
    pub crc_ok: bool,
    /// The most LDPC iterations any code block took.
    pub iterations: usize,
    /// EVM of the equalized data symbols, percent RMS.
    pub evm_percent: f64,
    /// SNR per RE from the DMRS (channel power over noise variance), dB.
    pub snr_db: f64,
    /// Noise variance per RE (DMRS residual).
    pub noise_var: f64,
    /// Timing error measured from the DMRS phase slope, in samples at FFT size `n_fft`
    /// given to [`PdschReceiver::receive`] (positive: the signal arrives late).
    pub timing_offset: f64,
    /// Residual CFO from the DMRS phase advance, rad per OFDM symbol (0 with one DMRS
    /// position).
    pub cfo_rad_per_symbol: f64,
}

/// Receiver state: HARQ buffers and decoder settings, kept across slots of the same TB.
#[derive(Debug, Clone)]
pub struct PdschReceiver {
    harq: DlschDecoder,
    /// LDPC decoder settings (10 iterations, early stop by default).
    pub decoder: DecoderConfig,
}

impl Default for PdschReceiver {
    fn default() -> Self {
        Self::new()
    }
}

/// Per (rx port, layer): the channel at every subcarrier of the allocation span, per
/// DMRS position (a double-symbol pair counts once).
struct Estimates {
    /// `[r][v][position]` → estimate over subcarriers `k_lo..=k_hi`.
    h: Vec<Vec<Vec<Vec<C32>>>>,
    /// Centre symbol of each position.
    pos_l: Vec<f64>,
    k_lo: usize,
    noise: f64,
    alpha: f64,
}

impl PdschReceiver {
    /// A receiver with empty HARQ buffers.
    pub fn new() -> Self {
        PdschReceiver {
            harq: DlschDecoder::new(),
            decoder: DecoderConfig::default(),
        }
    }

    /// Clears the HARQ buffers (a new transport block follows).
    pub fn reset(&mut self) {
        self.harq.reset();
    }

    /// The timing error in samples at FFT size `n_fft` measured from the DMRS phase slope of
    /// `grid` (positive: the signal arrives late), without decoding.
    pub fn timing(&self, pdsch: &Pdsch, grid: &ResourceGrid, n_fft: usize) -> Result<f64, Error> {
        pdsch.check_grid(grid, pdsch.cfg.num_layers)?;
        let est = estimate(pdsch, grid)?;
        Ok(-est.alpha * n_fft as f64 / std::f64::consts::TAU)
    }

    /// Receives the PDSCH of `pdsch` from `grid` (one slot, N_rx ≥ υ ports) carrying
    /// transport `t`; a retransmission (another rv) of the same TB is combined with what
    /// the HARQ buffers hold. `n_fft` only scales the reported timing offset.
    pub fn receive(
        &mut self,
        pdsch: &Pdsch,
        grid: &ResourceGrid,
        t: &Transport,
        n_fft: usize,
    ) -> Result<PdschRxOutcome, Error> {
        let n_layers = pdsch.cfg.num_layers;
        pdsch.check_grid(grid, n_layers)?;
        let n_rx = grid.n_ports();
        let est = estimate(pdsch, grid)?;
        let noise = est.noise.max(1e-12);
        // Residual CFO from the phase advance between DMRS positions.
        let phi = cfo_per_symbol(&est);
        let n_symb = pdsch.carrier.symbols_per_slot();
        let modulation = pdsch.cfg.modulation;
        let q = modulation.bits_per_symbol();
        let n_re = pdsch.map.n_data_re;
        let mut xhat = vec![vec![C32::default(); n_re]; n_layers];
        let mut nv = vec![vec![0f32; n_re]; n_layers];
        let mut sig = 0f64;
        let mut sig_n = 0usize;
        let mut i0 = 0;
        let mut h_l = vec![vec![Vec::new(); n_layers]; n_rx];
        for l in 0..n_symb {
            let ks = &pdsch.map.data[l];
            if ks.is_empty() {
                continue;
            }
            for (r, hr) in h_l.iter_mut().enumerate() {
                for (v, hv) in hr.iter_mut().enumerate() {
                    *hv = channel_at(&est, r, v, l as f64, phi);
                }
            }
            let ys: Vec<&[C32]> = (0..n_rx).map(|r| grid.symbol(r, l)).collect();
            let mut hm = vec![C32::default(); n_rx * n_layers];
            let mut y = vec![C32::default(); n_rx];
            for (j, &k) in ks.iter().enumerate() {
                let kk = k as usize - est.k_lo;
                for r in 0..n_rx {
                    y[r] = ys[r][k as usize];
                    for v in 0..n_layers {
                        hm[r * n_layers + v] = h_l[r][v][kk];
                    }
                }
                let i = i0 + j;
                if n_layers == 1 {
                    let (mut num, mut den) = (C32::default(), 0f32);
                    for r in 0..n_rx {
                        num += hm[r].conj() * y[r];
                        den += hm[r].norm_sqr();
                    }
                    let den = den.max(1e-20);
                    xhat[0][i] = num / den;
                    nv[0][i] = noise as f32 / den;
                    sig += f64::from(den);
                    sig_n += n_rx;
                } else {
                    let (x, n) = mmse(&hm, &y, n_rx, n_layers, noise as f32);
                    for v in 0..n_layers {
                        xhat[v][i] = x[v];
                        nv[v][i] = n[v];
                    }
                    sig += hm.iter().map(|h| f64::from(h.norm_sqr())).sum::<f64>();
                    sig_n += n_rx * n_layers;
                }
            }
            i0 += ks.len();
        }
        // Layer demapping and soft demapping with per-RE noise.
        let d = super::scrambling::layer_demap(&xhat)?;
        let dn = super::scrambling::layer_demap(&nv)?;
        let demapper = Demapper::new(modulation);
        let mut llr = vec![0f32; d.len() * q];
        demapper.demap(&d, 1.0, &mut llr)?;
        for (chunk, &n) in llr.chunks_exact_mut(q).zip(&dn) {
            let s = 1.0 / n.max(1e-20);
            for x in chunk {
                *x *= s;
            }
        }
        let ci = pdsch.scrambling_c_init()?;
        descramble_llrs(&mut llr, ci);
        let cfg = pdsch.dlsch(t)?;
        let out = self.harq.decode(&llr, &cfg, &self.decoder)?;
        let iterations = out
            .blocks
            .iter()
            .map(|(o, _)| o.iterations)
            .max()
            .unwrap_or(0);
        // EVM against the re-encoded TB, or the hard decisions.
        let reference: Vec<C32> = if out.tb_crc_ok {
            let x = pdsch.layer_symbols(&out.tb, t)?;
            super::scrambling::layer_demap(&x)?
        } else {
            hard_symbols(modulation, &llr_signs(&d, &demapper)?)?
        };
        let evm = 100.0 * crate::testwave::evm(&d, &reference);
        let snr = if sig_n > 0 {
            sig / sig_n as f64 / noise
        } else {
            0.0
        };
        Ok(PdschRxOutcome {
            tb: out.tb,
            crc_ok: out.tb_crc_ok,
            iterations,
            evm_percent: evm,
            snr_db: 10.0 * snr.max(1e-30).log10(),
            noise_var: noise,
            timing_offset: -est.alpha * n_fft as f64 / std::f64::consts::TAU,
            cfo_rad_per_symbol: phi,
        })
    }
}

fn llr_signs(d: &[C32], demapper: &Demapper) -> Result<Vec<u8>, Error> {
    let q = demapper.modulation().bits_per_symbol();
    let mut l = vec![0f32; d.len() * q];
    demapper.demap(d, 1.0, &mut l)?;
    Ok(l.iter().map(|&x| u8::from(x < 0.0)).collect())
}

fn hard_symbols(m: Modulation, bits: &[u8]) -> Result<Vec<C32>, Error> {
    let mut s = vec![C32::default(); bits.len() / m.bits_per_symbol()];
    map(m, bits, &mut s)?;
    Ok(s)
}

/// MMSE for one RE: x = (H^H H + σ²I)^−1 H^H y, unbiased per layer, with post-equalization
/// noise (1 − μ)/μ where μ = (W H)_vv (unit-power symbols).
fn mmse(h: &[C32], y: &[C32], n_rx: usize, n_l: usize, noise: f32) -> (Vec<C32>, Vec<f32>) {
    // A = H^H H + σ² I (n_l × n_l), b = H^H y.
    let mut a = vec![C32::default(); n_l * n_l];
    let mut b = vec![C32::default(); n_l];
    for i in 0..n_l {
        for j in 0..n_l {
            let mut s = C32::default();
            for r in 0..n_rx {
                s += h[r * n_l + i].conj() * h[r * n_l + j];
            }
            a[i * n_l + j] = s;
        }
        a[i * n_l + i] += noise;
        for r in 0..n_rx {
            b[i] += h[r * n_l + i].conj() * y[r];
        }
    }
    let inv = invert(&a, n_l);
    let mut x = vec![C32::default(); n_l];
    let mut nv = vec![0f32; n_l];
    for v in 0..n_l {
        let mut s = C32::default();
        for j in 0..n_l {
            s += inv[v * n_l + j] * b[j];
        }
        // μ_v = (A^−1 H^H H)_vv = 1 − σ²(A^−1)_vv.
        let mu = (1.0 - noise * inv[v * n_l + v].re).clamp(1e-6, 1.0);
        x[v] = s / mu;
        nv[v] = ((1.0 - mu) / mu).max(1e-12);
    }
    (x, nv)
}

/// Inverse of a small Hermitian positive-definite matrix by Gauss–Jordan elimination.
fn invert(a: &[C32], n: usize) -> Vec<C32> {
    let mut m = a.to_vec();
    let mut inv = vec![C32::default(); n * n];
    for i in 0..n {
        inv[i * n + i] = C32::new(1.0, 0.0);
    }
    for c in 0..n {
        let p = m[c * n + c];
        let p = if p.norm_sqr() < 1e-30 {
            C32::new(1e-15, 0.0)
        } else {
            p
        };
        let pi = C32::new(1.0, 0.0) / p;
        for j in 0..n {
            m[c * n + j] *= pi;
            inv[c * n + j] *= pi;
        }
        for r in 0..n {
            if r == c {
                continue;
            }
            let f = m[r * n + c];
            if f == C32::default() {
                continue;
            }
            for j in 0..n {
                let (mc, ic) = (m[c * n + j], inv[c * n + j]);
                m[r * n + j] -= f * mc;
                inv[r * n + j] -= f * ic;
            }
        }
    }
    inv
}

/// The DMRS positions: groups of 1 or 2 consecutive DMRS symbols.
fn positions(pdsch: &Pdsch) -> Vec<Vec<usize>> {
    let len = usize::from(pdsch.cfg.dmrs.length);
    pdsch
        .map
        .dmrs_symbols
        .chunks(len)
        .map(<[usize]>::to_vec)
        .collect()
}

/// Channel estimates from the DMRS (steps 1–3 of the module notes).
#[allow(clippy::needless_range_loop)] // indices run over rx ports, layers and positions at once
fn estimate(pdsch: &Pdsch, grid: &ResourceGrid) -> Result<Estimates, Error> {
    let n_layers = pdsch.cfg.num_layers;
    let n_rx = grid.n_ports();
    let d = &pdsch.cfg.dmrs;
    let pos = positions(pdsch);
    let len = usize::from(d.length);
    let prbs = &pdsch.map.prbs;
    let k_lo = (pdsch.map.n_start_bwp + prbs[0] - pdsch.map.n_start_grid) * N_SC_RB;
    let k_hi = (pdsch.map.n_start_bwp + prbs[prbs.len() - 1] - pdsch.map.n_start_grid) * N_SC_RB
        + N_SC_RB
        - 1;
    let span = k_hi - k_lo + 1;
    let dm: Vec<Vec<DmrsRes>> = (0..n_layers)
        .map(|v| pdsch.dmrs(v))
        .collect::<Result<_, _>>()?;
    let params: Vec<_> = pdsch.map.ports.iter().map(|&p| d.port_params(p)).collect();
    let beta = d.beta();
    let mut h = vec![vec![vec![vec![C32::default(); span]; pos.len()]; n_layers]; n_rx];
    let mut res_sum = 0f64;
    let mut res_n = 0usize;
    let mut dof = 0usize;
    let (mut diff_sum, mut diff_n) = (0f64, 0usize);
    // The timing slope, pooled over rx ports, layers and positions.
    let mut slope_acc = nrkit_core::C64::default();
    // Estimate units: single DMRS REs when no FD-OCC needs undoing (type 1, every layer
    // alone in its CDM group), else k' pairs.
    // The CDM groups in use, ascending.
    let groups: Vec<u8> = {
        let mut g: Vec<u8> = params.iter().map(|p| p.cdm_group).collect();
        g.sort_unstable();
        g.dedup();
        g
    };
    let per_re = d.config_type == 1 && groups.len() == params.len();
    let unit = if per_re { 1 } else { 2 };
    // Unit spacing in subcarriers: 2 (type 1 REs), 4 (type 1 pairs) or 6 (type 2 pairs).
    let pair_spacing = match (per_re, d.config_type) {
        (true, _) => 2.0,
        (false, 1) => 4.0,
        _ => 6.0,
    };
    // First pass: per-unit despread estimates [r][v][pos][unit].
    let mut pair_est = vec![vec![vec![Vec::new(); pos.len()]; n_layers]; n_rx];
    let mut pair_k = vec![Vec::new(); n_layers];
    for v in 0..n_layers {
        let dv = &dm[v][0];
        pair_k[v] =
            dv.k.chunks_exact(unit)
                .map(|c| c.iter().map(|&k| f64::from(k)).sum::<f64>() / unit as f64)
                .collect::<Vec<f64>>();
    }
    for r in 0..n_rx {
        for v in 0..n_layers {
            for (pi, syms) in pos.iter().enumerate() {
                let n_pairs = dm[v][0].k.len() / unit;
                let mut acc = vec![C32::default(); n_pairs];
                for (lp, &l) in syms.iter().enumerate() {
                    let di = pi * len + lp;
                    let dref = &dm[v][di];
                    let y = grid.symbol(r, l);
                    for (j, a) in acc.iter_mut().enumerate() {
                        for kp in 0..unit {
                            let idx = unit * j + kp;
                            // value already holds β·w_f·w_t·r: LS with it undoes the OCC.
                            let rv = dref.value[idx];
                            *a += y[dref.k[idx] as usize] * rv.conj() / (beta * beta);
                        }
                    }
                }
                let norm = 1.0 / (unit * syms.len()) as f32;
                for a in &mut acc {
                    *a *= norm;
                }
                for (w, kw) in acc.windows(2).zip(pair_k[v].windows(2)) {
                    // Only neighbours at the regular spacing (not across allocation gaps).
                    if (kw[1] - kw[0] - pair_spacing).abs() < 0.5 {
                        let p = w[1] * w[0].conj();
                        slope_acc += nrkit_core::C64::new(f64::from(p.re), f64::from(p.im));
                    }
                }
                pair_est[r][v][pi] = acc;
            }
        }
    }
    let alpha = slope_acc.arg() / pair_spacing;
    // Second pass: the derotated pair estimates and the smoothing window.
    let derot: Vec<Vec<Vec<Vec<C32>>>> = pair_est
        .iter()
        .map(|per_v| {
            per_v
                .iter()
                .zip(&pair_k)
                .map(|(per_pos, ks)| {
                    per_pos
                        .iter()
                        .map(|zs| {
                            zs.iter()
                                .zip(ks)
                                .map(|(&z, &k)| z * cis(-alpha * k))
                                .collect()
                        })
                        .collect()
                })
                .collect()
        })
        .collect();
    let mut delay_noise = None;
    if per_re {
        // A per-RE fit that does not smooth has no residual to measure the noise by: it
        // comes from the delay domain of the estimates (beyond the CP nothing but noise),
        // else (short or broken allocations) from the two REs of each k' pair.
        let cp_share = match pdsch.carrier().numerology.cp() {
            nrkit_core::CyclicPrefix::Normal => 144.0 / 2048.0,
            nrkit_core::CyclicPrefix::Extended => 512.0 / 2048.0,
        };
        let mut engine = nrkit_dsp::FftEngine::detect();
        let (mut sum, mut n) = (0f64, 0usize);
        for (r_v, ks) in derot.iter().flat_map(|per_v| per_v.iter().zip(&pair_k)) {
            for z in r_v {
                match delay_domain_noise(z, ks, pair_spacing, cp_share, &mut engine) {
                    Some((s, m)) => {
                        sum += s;
                        n += m;
                    }
                    None => {
                        for c in z.chunks_exact(2) {
                            diff_sum += f64::from((c[0] - c[1]).norm_sqr()) / 2.0;
                            diff_n += 1;
                        }
                    }
                }
            }
        }
        if n > 0 && diff_n == 0 {
            delay_noise = Some(sum / n as f64);
        }
    }
    let halves: &[usize] = if per_re {
        &HALF_WIDTHS_RE
    } else {
        &HALF_WIDTHS
    };
    let half = smoothing_half_width(&derot, &pair_k, pair_spacing, halves);
    // Third pass: the chosen moving average over pairs, linear interpolation between the
    // pair centres, the timing slope restored.
    for r in 0..n_rx {
        for v in 0..n_layers {
            for pi in 0..pos.len() {
                let centres = &pair_k[v];
                let vals = smooth(&derot[r][v][pi], centres, pair_spacing, half);
                dof += centres.len().div_ceil(2 * half + 1);
                let out = &mut h[r][v][pi];
                interp_linear(centres, &vals, k_lo, out);
                for (i, o) in out.iter_mut().enumerate() {
                    *o *= cis(alpha * (k_lo + i) as f64);
                }
            }
        }
    }
    // Noise: the residual of every DMRS RE of the used CDM groups after removing all
    // layers' fitted contributions in that group.
    for r in 0..n_rx {
        for &g in &groups {
            let layers: Vec<usize> = (0..n_layers)
                .filter(|&v| params[v].cdm_group == g)
                .collect();
            let v0 = layers[0];
            for (pi, syms) in pos.iter().enumerate() {
                for (lp, &l) in syms.iter().enumerate() {
                    let di = pi * len + lp;
                    let y = grid.symbol(r, l);
                    for (idx, &k) in dm[v0][di].k.iter().enumerate() {
                        let mut model = C32::default();
                        for &v in &layers {
                            model += dm[v][di].value[idx] * h[r][v][pi][k as usize - k_lo];
                        }
                        res_sum += f64::from((y[k as usize] - model).norm_sqr());
                        res_n += 1;
                    }
                }
            }
        }
    }
    let free = res_n.saturating_sub(dof).max(1);
    Ok(Estimates {
        h,
        pos_l: pos
            .iter()
            .map(|s| s.iter().sum::<usize>() as f64 / s.len() as f64)
            .collect(),
        k_lo,
        noise: if per_re {
            // z = h + n/(β·√n_syms): σ² = β²·n_syms·σ_z².
            let sigma_z = delay_noise.unwrap_or(diff_sum / diff_n.max(1) as f64);
            f64::from(beta * beta) * len as f64 * sigma_z
        } else {
            res_sum / free as f64
        },
        alpha,
    })
}

/// The noise variance of the unit estimates `z` at subcarriers `ks` (regularly `spacing`
/// apart, their timing slope removed) from their delay domain: the Hann-windowed,
/// zero-padded DFT of the estimates holds the channel within ±1.5 CP of zero delay (its
/// sidelobes fall 18 dB per octave) and only noise elsewhere, where E|X_j|² = σ_z²·Σw².
/// Returns (Σ over those bins of |X_j|²/Σw², their count), or `None` when the estimates
/// are fewer than 48, not regularly spaced, or the CP region leaves no bins free.
fn delay_domain_noise(
    z: &[C32],
    ks: &[f64],
    spacing: f64,
    cp_share: f64,
    engine: &mut nrkit_dsp::FftEngine,
) -> Option<(f64, usize)> {
    let n = z.len();
    if n < 48 || ks.windows(2).any(|w| (w[1] - w[0] - spacing).abs() > 0.5) {
        return None;
    }
    let big = n.next_power_of_two();
    let fft = engine.plan(big, nrkit_dsp::Direction::Forward).ok()?;
    let mut buf = vec![C32::default(); big];
    let mut w2 = 0f64;
    for (i, (b, &v)) in buf.iter_mut().zip(z).enumerate() {
        let w = (std::f64::consts::PI * (i as f64 + 0.5) / n as f64)
            .sin()
            .powi(2);
        w2 += w * w;
        *b = v * w as f32;
    }
    let mut scratch = fft.make_scratch();
    fft.process(&mut buf, &mut scratch).ok()?;
    // Bin j is a delay of j/(big·Δf) (negative above big/2); the CP is cp_share/Δf_sc, so
    // the channel spans 1.5·cp_share·spacing·big bins either side, plus the main lobe.
    let reach = (1.5 * cp_share * spacing * big as f64).ceil() as usize + 2 * big / n + 1;
    if 2 * reach + 8 > big {
        return None;
    }
    let noise: f64 = buf[reach..big - reach]
        .iter()
        .map(|x| f64::from(x.norm_sqr()))
        .sum();
    Some((noise / w2, big - 2 * reach))
}

/// Smoothing half-widths considered, in DMRS pairs (a pair is 4 subcarriers of DMRS
/// type 1, 6 of type 2): windows of 1, 5, 9, 15 or 27 pairs (up to 9 PRBs of type 1).
/// (Half-width 1 is not a candidate: its leave-one-out predictor is that of 0.)
const HALF_WIDTHS: [usize; 5] = [0, 2, 4, 7, 13];

/// The same in single DMRS REs (2 subcarriers apart): windows of 1 to 53 REs.
const HALF_WIDTHS_RE: [usize; 6] = [0, 2, 4, 8, 14, 26];

/// The moving average of the pair estimates `vals` (at subcarriers `centres`, regularly
/// `spacing` apart) over the pairs within `half` pairs (fewer at the edges and at
/// allocation gaps).
fn smooth(vals: &[C32], centres: &[f64], spacing: f64, half: usize) -> Vec<C32> {
    if half == 0 {
        return vals.to_vec();
    }
    let reach = half as f64 * spacing + 0.5;
    (0..vals.len())
        .map(|b| {
            let (lo, hi) = window(centres, b, half, reach);
            vals[lo..=hi].iter().sum::<C32>() / (hi - lo + 1) as f32
        })
        .collect()
}

/// The index range of the window of `half` pairs around `b` whose centres lie within
/// `reach` subcarriers of b's (the centres ascend, so the range is contiguous).
fn window(centres: &[f64], b: usize, half: usize, reach: f64) -> (usize, usize) {
    let mut lo = b.saturating_sub(half);
    while centres[b] - centres[lo] > reach {
        lo += 1;
    }
    let mut hi = (b + half).min(centres.len() - 1);
    while centres[hi] - centres[b] > reach {
        hi -= 1;
    }
    (lo, hi)
}

/// The smoothing half-width (one of [`HALF_WIDTHS`]) that predicts each pair estimate best
/// from its neighbours (leave-one-out cross-validation), pooled over receive ports, layers
/// and DMRS positions; no noise estimate is needed.
///
/// A pair estimate z_b = h_b + n_b with noise σ². Half-width 0 (linear interpolation
/// between pairs) predicts z_b by the mean of z_{b−1} and z_{b+1}: error bias₀² + 1.5σ².
/// A window of n pairs predicts it by the mean of its other n − 1 members: error
/// bias_n² + σ² + σ²/(n − 1). On a flat channel (AWGN) the widest window wins; on a
/// frequency-selective one (delay spread beyond the window's coherence bandwidth) the
/// bias decides for a narrow one or none. Only pairs with both neighbours at the regular
/// spacing count, the same for every candidate.
fn smoothing_half_width(
    derot: &[Vec<Vec<Vec<C32>>>],
    centres: &[Vec<f64>],
    spacing: f64,
    halves: &[usize],
) -> usize {
    let mut best = (0usize, f64::INFINITY);
    for &half in halves {
        let reach = half.max(1) as f64 * spacing + 0.5;
        let mut err = 0f64;
        for per_v in derot {
            for (v, per_pos) in per_v.iter().enumerate() {
                let c = &centres[v];
                for z in per_pos {
                    for b in 1..z.len().saturating_sub(1) {
                        let regular =
                            c[b] - c[b - 1] < spacing + 0.5 && c[b + 1] - c[b] < spacing + 0.5;
                        if !regular {
                            continue;
                        }
                        let (lo, hi) = window(c, b, half.max(1), reach);
                        let others = z[lo..=hi].iter().sum::<C32>() - z[b];
                        let pred = others / (hi - lo) as f32;
                        err += f64::from((pred - z[b]).norm_sqr());
                    }
                }
            }
        }
        if err < best.1 {
            best = (half, err);
        }
    }
    best.0
}

fn cis(x: f64) -> C32 {
    C32::new(x.cos() as f32, x.sin() as f32)
}

/// Linear interpolation from values at ascending real positions `xs` to subcarriers
/// `k_lo + i`; held constant outside.
fn interp_linear(xs: &[f64], vals: &[C32], k_lo: usize, out: &mut [C32]) {
    let mut seg = 0;
    for (i, o) in out.iter_mut().enumerate() {
        let k = (k_lo + i) as f64;
        while seg + 1 < xs.len() && xs[seg + 1] <= k {
            seg += 1;
        }
        *o = if k <= xs[0] {
            vals[0]
        } else if seg + 1 >= xs.len() {
            vals[xs.len() - 1]
        } else {
            let t = ((k - xs[seg]) / (xs[seg + 1] - xs[seg])) as f32;
            vals[seg] * (1.0 - t) + vals[seg + 1] * t
        };
    }
}

/// The common phase advance per symbol between the DMRS positions (0 with one).
fn cfo_per_symbol(est: &Estimates) -> f64 {
    if est.pos_l.len() < 2 {
        return 0.0;
    }
    let mut acc = nrkit_core::C64::default();
    for hr in &est.h {
        for hv in hr {
            for p in 1..est.pos_l.len() {
                let dl = est.pos_l[p] - est.pos_l[p - 1];
                let mut s = nrkit_core::C64::default();
                for (a, b) in hv[p].iter().zip(&hv[p - 1]) {
                    let z = a * b.conj();
                    s += nrkit_core::C64::new(f64::from(z.re), f64::from(z.im));
                }
                // Weight by the span so that the phase per symbol averages correctly.
                acc += nrkit_core::C64::from_polar(s.norm(), s.arg() / dl);
            }
        }
    }
    acc.arg()
}

/// The channel of (rx `r`, layer `v`) at symbol `l`: positions derotated by the CFO phase,
/// linear in time between them (held outside), rotated back to `l`.
fn channel_at(est: &Estimates, r: usize, v: usize, l: f64, phi: f64) -> Vec<C32> {
    let hv = &est.h[r][v];
    let pl = &est.pos_l;
    let n = hv[0].len();
    let rot = |x: f64| cis(phi * x);
    if pl.len() == 1 {
        let c = rot(l - pl[0]);
        return hv[0].iter().map(|h| h * c).collect();
    }
    let after = pl.iter().position(|&p| p > l);
    let (a, b, t) = match after {
        Some(0) => (0, 0, 0.0),
        None => (pl.len() - 1, pl.len() - 1, 0.0),
        Some(j) => (j - 1, j, (l - pl[j - 1]) / (pl[j] - pl[j - 1])),
    };
    let ca = rot(l - pl[a]);
    let cb = rot(l - pl[b]);
    let t = t as f32;
    (0..n)
        .map(|i| hv[a][i] * ca * (1.0 - t) + hv[b][i] * cb * t)
        .collect()
}
