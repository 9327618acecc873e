//! The PDSCH configuration and its resource mapping: TS 38.211 §7.3.1.5 (mapping to virtual
//! resource blocks, around DMRS, reserved PRBs and REs) and §7.3.1.6 (VRB-to-PRB mapping,
//! non-interleaved or interleaved with bundle size L = 2 or 4), TS 38.214 §5.1.2 (time and
//! frequency allocation, rate matching around reserved resources §5.1.4).
//!
//! Names follow MATLAB's nrCarrierConfig / nrPDSCHConfig. Conventions:
//! * `prb_set` holds VRB indices relative to the BWP (0-based); with interleaving off VRB n
//!   is PRB n.
//! * Data symbols are mapped first over subcarriers of the allocated VRBs in ascending VRB
//!   order, then over OFDM symbols (§7.3.1.5), so with interleaving the data order follows
//!   the VRBs, not the PRBs.
//! * `reserved_re` indexes the BWP grid of one slot column-major (subcarrier first):
//!   index = l·12·N_size_BWP + k, as MATLAB's `ReservedRE`.
//! * Reserved resources remove data REs only; the DMRS is sent where configured.

use nrkit_core::{CyclicPrefix, Error, Numerology, N_SC_RB};

use super::dmrs::{DmrsConfig, MappingType};
use crate::grid::{MAX_N_RB, MAX_N_START};
use crate::modulation::Modulation;

/// The carrier (MATLAB nrCarrierConfig).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Carrier {
    /// Numerology μ and cyclic prefix (extended only at 60 kHz).
    pub numerology: Numerology,
    /// N_size_grid: carrier RBs (1…275).
    pub n_size_grid: usize,
    /// N_start_grid: first CRB of the carrier (0…2199).
    pub n_start_grid: usize,
    /// N_ID^cell (0…1007).
    pub n_cell_id: u16,
    /// Slot number; within the frame it is `n_slot mod slots_per_frame`.
    pub n_slot: usize,
    /// System frame number (0…1023).
    pub n_frame: usize,
}

impl Carrier {
    /// Checks the ranges of every field.
    pub fn validate(&self) -> Result<(), Error> {
        if !(1..=MAX_N_RB).contains(&self.n_size_grid) {
            return Err(Error::invalid(
                "n_size_grid",
                format!("1..={MAX_N_RB}"),
                self.n_size_grid,
            ));
        }
        if self.n_start_grid > MAX_N_START {
            return Err(Error::invalid(
                "n_start_grid",
                format!("0..={MAX_N_START}"),
                self.n_start_grid,
            ));
        }
        if self.n_cell_id > 1007 {
            return Err(Error::invalid("n_cell_id", "0..=1007", self.n_cell_id));
        }
        if self.n_frame > 1023 {
            return Err(Error::invalid("n_frame", "0..=1023", self.n_frame));
        }
        if self.n_slot > 1 << 20 {
            return Err(Error::invalid("n_slot", "0..=1048576", self.n_slot));
        }
        Ok(())
    }

    /// The slot number within its frame, n_s,f^μ.
    pub fn slot_in_frame(&self) -> usize {
        self.n_slot % self.numerology.slots_per_frame()
    }

    /// Symbols per slot (14, or 12 with the extended CP).
    pub fn symbols_per_slot(&self) -> usize {
        self.numerology.symbols_per_slot()
    }

    /// Whether the CP is extended.
    pub fn extended_cp(&self) -> bool {
        self.numerology.cp() == CyclicPrefix::Extended
    }
}

/// Reserved PRBs and symbols (MATLAB nrPDSCHReservedConfig): PDSCH data is not mapped
/// there (TS 38.214 §5.1.4.1).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReservedPrb {
    /// PRB indices within the BWP (0-based).
    pub prb_set: Vec<usize>,
    /// Symbol indices (0-based; may reach into later slots of the period).
    pub symbol_set: Vec<usize>,
    /// Period in slots; `None`: the symbols count from slot 0 and are not repeated.
    pub period: Option<usize>,
}

/// The PDSCH configuration of one slot (MATLAB nrPDSCHConfig).
#[derive(Debug, Clone, PartialEq)]
pub struct PdschConfig {
    /// N_size_BWP (1…275).
    pub n_size_bwp: usize,
    /// N_start_BWP: the BWP's first CRB (0…2473), within the carrier.
    pub n_start_bwp: usize,
    /// Modulation of the codeword.
    pub modulation: Modulation,
    /// Layers υ (1…4: one codeword).
    pub num_layers: usize,
    /// Mapping type A or B.
    pub mapping_type: MappingType,
    /// First symbol S and length L of the allocation.
    pub symbol_allocation: [usize; 2],
    /// Allocated VRBs (BWP-relative, distinct, each < N_size_BWP).
    pub prb_set: Vec<usize>,
    /// VRB-to-PRB interleaving (§7.3.1.6).
    pub vrb_to_prb_interleaving: bool,
    /// Interleaving bundle size L_i: 2 or 4.
    pub vrb_bundle_size: usize,
    /// Data scrambling identity n_ID (0…1023); `None` uses N_ID^cell.
    pub nid: Option<u16>,
    /// n_RNTI (0…65535).
    pub rnti: u16,
    /// Reserved PRB patterns.
    pub reserved_prb: Vec<ReservedPrb>,
    /// Reserved REs of the BWP grid (see the module notes for the index).
    pub reserved_re: Vec<usize>,
    /// The DMRS.
    pub dmrs: DmrsConfig,
}

impl Default for PdschConfig {
    /// MATLAB's defaults on a 52-RB BWP: QPSK, 1 layer, type A, symbols 0…13, all PRBs,
    /// no interleaving, RNTI 1.
    fn default() -> Self {
        PdschConfig {
            n_size_bwp: 52,
            n_start_bwp: 0,
            modulation: Modulation::Qpsk,
            num_layers: 1,
            mapping_type: MappingType::A,
            symbol_allocation: [0, 14],
            prb_set: (0..52).collect(),
            vrb_to_prb_interleaving: false,
            vrb_bundle_size: 2,
            nid: None,
            rnti: 1,
            reserved_prb: Vec::new(),
            reserved_re: Vec::new(),
            dmrs: DmrsConfig::default(),
        }
    }
}

/// Where the PDSCH of one slot lives in the carrier grid, computed once per configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct PdschMapping {
    /// Per slot symbol: the carrier-grid subcarriers of the data REs in mapping order.
    pub data: Vec<Vec<u32>>,
    /// The DMRS symbols of the slot (both symbols of a double-symbol DMRS).
    pub dmrs_symbols: Vec<usize>,
    /// Allocated PRBs (BWP-relative), ascending, after VRB-to-PRB mapping.
    pub prbs: Vec<usize>,
    /// The DMRS ports (0-based) of layers 0…υ−1.
    pub ports: Vec<u8>,
    /// Data REs per layer (G = this · Q_m · υ).
    pub n_data_re: usize,
    /// First CRB of the carrier grid (to convert between grid subcarriers and CRBs).
    pub n_start_grid: usize,
    /// First CRB of the BWP.
    pub n_start_bwp: usize,
}

impl PdschConfig {
    /// Checks the configuration against the carrier.
    pub fn validate(&self, carrier: &Carrier) -> Result<(), Error> {
        carrier.validate()?;
        if !(1..=MAX_N_RB).contains(&self.n_size_bwp) {
            return Err(Error::invalid(
                "n_size_bwp",
                format!("1..={MAX_N_RB}"),
                self.n_size_bwp,
            ));
        }
        if self.n_start_bwp < carrier.n_start_grid
            || self.n_start_bwp + self.n_size_bwp > carrier.n_start_grid + carrier.n_size_grid
        {
            return Err(Error::invalid(
                "n_start_bwp/n_size_bwp",
                format!(
                    "a BWP inside the carrier's CRBs {}..{}",
                    carrier.n_start_grid,
                    carrier.n_start_grid + carrier.n_size_grid
                ),
                format!(
                    "CRBs {}..{}",
                    self.n_start_bwp,
                    self.n_start_bwp.saturating_add(self.n_size_bwp)
                ),
            ));
        }
        if matches!(self.modulation, Modulation::Bpsk | Modulation::Pi2Bpsk) {
            return Err(Error::invalid(
                "modulation",
                "QPSK, 16QAM, 64QAM, 256QAM or 1024QAM",
                self.modulation.name(),
            ));
        }
        if !(1..=4).contains(&self.num_layers) {
            return Err(Error::invalid(
                "num_layers",
                "1..=4 (one codeword)",
                self.num_layers,
            ));
        }
        let [s, l] = self.symbol_allocation;
        let n_symb = carrier.symbols_per_slot();
        if s >= n_symb || l == 0 || s + l > n_symb {
            return Err(Error::invalid(
                "symbol_allocation",
                format!("[start, length] with start + length <= {n_symb}"),
                format!("[{s}, {l}]"),
            ));
        }
        if self.prb_set.is_empty() {
            return Err(Error::invalid("prb_set", "at least one PRB", "[]"));
        }
        for (i, &p) in self.prb_set.iter().enumerate() {
            if p >= self.n_size_bwp {
                return Err(Error::invalid(
                    "prb_set",
                    format!("indices below n_size_bwp ({})", self.n_size_bwp),
                    p,
                ));
            }
            if self.prb_set[..i].contains(&p) {
                return Err(Error::invalid("prb_set", "distinct indices", p));
            }
        }
        if self.vrb_to_prb_interleaving && !matches!(self.vrb_bundle_size, 2 | 4) {
            return Err(Error::invalid(
                "vrb_bundle_size",
                "2 or 4",
                self.vrb_bundle_size,
            ));
        }
        if let Some(n) = self.nid {
            if n > 1023 {
                return Err(Error::invalid("nid", "0..=1023", n));
            }
        }
        for r in &self.reserved_prb {
            if let Some(&p) = r.prb_set.iter().find(|&&p| p >= self.n_size_bwp) {
                return Err(Error::invalid(
                    "reserved_prb.prb_set",
                    format!("indices below n_size_bwp ({})", self.n_size_bwp),
                    p,
                ));
            }
            if let Some(per) = r.period {
                if !(1..=640).contains(&per) {
                    return Err(Error::invalid("reserved_prb.period", "1..=640 slots", per));
                }
            }
            let limit = r.period.unwrap_or(1 << 12) * n_symb;
            if let Some(&x) = r.symbol_set.iter().find(|&&x| x >= limit) {
                return Err(Error::invalid(
                    "reserved_prb.symbol_set",
                    format!("indices below {limit} (period × symbols per slot)"),
                    x,
                ));
            }
        }
        let n_re = self.n_size_bwp * N_SC_RB * n_symb;
        if let Some(&x) = self.reserved_re.iter().find(|&&x| x >= n_re) {
            return Err(Error::invalid(
                "reserved_re",
                format!("indices below {n_re} (12 · n_size_bwp · symbols per slot)"),
                x,
            ));
        }
        self.dmrs.validate(self.num_layers)?;
        self.dmrs.symbols(self.mapping_type, s, l)?;
        Ok(())
    }

    /// The PRB of each allocated VRB (§7.3.1.6), in `prb_set` order.
    pub fn vrb_to_prb(&self) -> Vec<usize> {
        if !self.vrb_to_prb_interleaving {
            return self.prb_set.clone();
        }
        let map = interleaver(self.n_start_bwp, self.n_size_bwp, self.vrb_bundle_size);
        self.prb_set.iter().map(|&v| map[v]).collect()
    }

    /// Whether data may use PRB `prb` (BWP-relative) in symbol `l` of slot `n_slot`.
    fn prb_reserved(&self, prb: usize, l: usize, n_slot: usize, n_symb: usize) -> bool {
        self.reserved_prb.iter().any(|r| {
            r.prb_set.contains(&prb)
                && r.symbol_set.iter().any(|&s| {
                    let slot = s / n_symb;
                    let slot_now = match r.period {
                        Some(p) => n_slot % p,
                        None => n_slot,
                    };
                    slot == slot_now && s % n_symb == l
                })
        })
    }

    /// The resource mapping of this PDSCH in `carrier`'s grid (validates first).
    pub fn mapping(&self, carrier: &Carrier) -> Result<PdschMapping, Error> {
        self.validate(carrier)?;
        let n_symb = carrier.symbols_per_slot();
        let [s, len] = self.symbol_allocation;
        let dmrs_symbols = self.dmrs.symbols(self.mapping_type, s, len)?;
        let groups = self.dmrs.num_cdm_groups_without_data;
        let dmrs_sc: Vec<usize> = (0..groups)
            .flat_map(|g| self.dmrs.group_subcarriers(g))
            .collect();
        let mut dmrs_busy = [false; N_SC_RB];
        for &k in &dmrs_sc {
            dmrs_busy[k] = true;
        }
        let prb_of_vrb = self.vrb_to_prb();
        let mut vrbs: Vec<(usize, usize)> = self
            .prb_set
            .iter()
            .copied()
            .zip(prb_of_vrb.iter().copied())
            .collect();
        vrbs.sort_unstable();
        let bwp_k0 = (self.n_start_bwp - carrier.n_start_grid) * N_SC_RB;
        let n_sc_bwp = self.n_size_bwp * N_SC_RB;
        let mut reserved = vec![false; self.n_size_bwp * N_SC_RB * n_symb];
        for &x in &self.reserved_re {
            reserved[x] = true;
        }
        let mut data = vec![Vec::new(); n_symb];
        let mut n_data_re = 0;
        for (l, out) in data.iter_mut().enumerate().skip(s).take(len) {
            let is_dmrs = dmrs_symbols.contains(&l);
            for &(_, prb) in &vrbs {
                if self.prb_reserved(prb, l, carrier.n_slot, n_symb) {
                    continue;
                }
                for (sc, &busy) in dmrs_busy.iter().enumerate() {
                    if is_dmrs && busy {
                        continue;
                    }
                    let k_bwp = prb * N_SC_RB + sc;
                    if reserved[l * n_sc_bwp + k_bwp] {
                        continue;
                    }
                    out.push((bwp_k0 + k_bwp) as u32);
                }
            }
            n_data_re += out.len();
        }
        let mut prbs = prb_of_vrb;
        prbs.sort_unstable();
        Ok(PdschMapping {
            data,
            dmrs_symbols,
            prbs,
            ports: self.dmrs.ports_for(self.num_layers),
            n_data_re,
            n_start_grid: carrier.n_start_grid,
            n_start_bwp: self.n_start_bwp,
        })
    }
}

/// The interleaved VRB-to-PRB map of §7.3.1.6 for a BWP of `n_size` RBs starting at CRB
/// `n_start` with bundle size `l_i` (2 or 4): `map[vrb] = prb`, both BWP-relative.
///
/// Bundle 0 holds L_i − (N_start mod L_i) RBs, the last (N_start + N_size) mod L_i RBs (or
/// L_i), the others L_i. VRB bundle j < N_bundle − 1 goes to PRB bundle f(j) = r·C + c with
/// j = c·R + r, R = 2, C = ⌊N_bundle/R⌋; the last bundle stays in place.
pub fn interleaver(n_start: usize, n_size: usize, l_i: usize) -> Vec<usize> {
    let l_i = l_i.max(1);
    let first = l_i - n_start % l_i;
    let n_bundle = (n_size + n_start % l_i).div_ceil(l_i);
    let bundle_start = |b: usize| -> usize {
        if b == 0 {
            0
        } else {
            (first + (b - 1) * l_i).min(n_size)
        }
    };
    let bundle_len = |b: usize| -> usize {
        let end = if b + 1 == n_bundle {
            n_size
        } else {
            bundle_start(b + 1)
        };
        end - bundle_start(b)
    };
    let r = 2;
    let c = n_bundle / r;
    let mut map = vec![0; n_size];
    for j in 0..n_bundle {
        let f = if j + 1 == n_bundle {
            j
        } else {
            let (cc, rr) = (j / r, j % r);
            rr * c + cc
        };
        // Bundles of equal index have equal length except the first and last, which map
        // to themselves or (bundle 0) to bundle 0.
        let (vs, ps) = (bundle_start(j), bundle_start(f));
        for i in 0..bundle_len(j).min(bundle_len(f)) {
            map[vs + i] = ps + i;
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    fn carrier() -> Carrier {
        Carrier {
            numerology: Numerology::from_scs_khz(30).unwrap(),
            n_size_grid: 52,
            n_start_grid: 0,
            n_cell_id: 1,
            n_slot: 0,
            n_frame: 0,
        }
    }

    #[test]
    fn default_mapping_counts_res() {
        let c = carrier();
        let p = PdschConfig::default();
        let m = p.mapping(&c).unwrap();
        // 13 data symbols × 12 + one DMRS symbol without data (2 CDM groups): 156 per PRB.
        assert_eq!(m.dmrs_symbols, vec![2]);
        assert_eq!(m.n_data_re, 52 * 12 * 13);
        assert!(m.data[2].is_empty());
        let p1 = PdschConfig {
            dmrs: DmrsConfig {
                num_cdm_groups_without_data: 1,
                ..DmrsConfig::default()
            },
            ..PdschConfig::default()
        };
        let m1 = p1.mapping(&c).unwrap();
        assert_eq!(m1.n_data_re, 52 * (12 * 13 + 6));
        assert_eq!(&m1.data[2][..3], &[1, 3, 5]);
    }

    #[test]
    fn reserved_resources_remove_data_only() {
        let c = carrier();
        let p = PdschConfig {
            reserved_prb: vec![ReservedPrb {
                prb_set: vec![0, 1],
                symbol_set: vec![0, 1, 14 + 3],
                period: Some(2),
            }],
            reserved_re: vec![5 * 52 * 12 + 100],
            ..PdschConfig::default()
        };
        let m = p.mapping(&c).unwrap();
        assert_eq!(m.n_data_re, 52 * 12 * 13 - 2 * 24 - 1);
        assert_eq!(m.data[0][0], 24);
        assert!(!m.data[5].contains(&100));
        let c1 = Carrier { n_slot: 1, ..c };
        let m = p.mapping(&c1).unwrap();
        assert_eq!(m.n_data_re, 52 * 12 * 13 - 24 - 1);
        assert!(!m.data[3].contains(&0));
    }

    #[test]
    fn interleaver_is_a_permutation_with_bundles() {
        for (start, size, l) in [(0, 52, 2), (1, 51, 2), (3, 273, 4), (2, 5, 4), (0, 1, 2)] {
            let m = interleaver(start, size, l);
            let mut s = m.clone();
            s.sort_unstable();
            assert_eq!(s, (0..size).collect::<Vec<_>>(), "{start} {size} {l}");
        }
        // 8 RBs from CRB 0, L = 2: 4 bundles, C = 2: f = [0, 2, 1, 3].
        assert_eq!(interleaver(0, 8, 2), vec![0, 1, 4, 5, 2, 3, 6, 7]);
    }

    #[test]
    fn validation_rejects_bad_allocations() {
        let c = carrier();
        let bad = [
            PdschConfig {
                prb_set: vec![52],
                ..PdschConfig::default()
            },
            PdschConfig {
                prb_set: vec![],
                ..PdschConfig::default()
            },
            PdschConfig {
                n_size_bwp: 53,
                ..PdschConfig::default()
            },
            PdschConfig {
                num_layers: 5,
                ..PdschConfig::default()
            },
            PdschConfig {
                symbol_allocation: [4, 10],
                ..PdschConfig::default()
            },
            PdschConfig {
                reserved_re: vec![52 * 12 * 14],
                ..PdschConfig::default()
            },
            PdschConfig {
                vrb_to_prb_interleaving: true,
                vrb_bundle_size: 3,
                ..PdschConfig::default()
            },
        ];
        for p in bad {
            assert!(p.mapping(&c).is_err(), "{p:?}");
        }
    }
}
