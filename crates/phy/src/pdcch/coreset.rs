//! Control-resource sets (TS 38.211 §7.3.2.2): the RBs and symbols of a CORESET, its REGs
//! and REG bundles, and the CCE-to-REG mapping, non-interleaved or interleaved.
//!
//! Conventions (as the specification):
//! * REGs are numbered time first: REG r is symbol `r mod duration` of the CORESET's RB
//!   `r / duration`, RBs counted in increasing frequency over the CORESET's RBs only.
//! * REG bundle i is REGs iL … iL + L − 1; CCE j is the bundles f(6j/L) … f(6j/L + 6/L − 1).
//! * Non-interleaved: L = 6, f(x) = x. Interleaved: f(x) = (rC + c + n_shift) mod (N_REG/L)
//!   with x = cR + r, C = N_REG/(LR).
//! * A CORESET given by `frequencyDomainResources` (TS 38.331) starts its 6-RB groups at
//!   CRB 6·⌈N_BWP^start/6⌉; CORESET#0 (from the MIB) is N_RB contiguous RBs from its first
//!   CRB, interleaved with L = 6, R = 2, n_shift = N_ID^cell, and its DMRS counts RBs from
//!   the CORESET's first RB instead of CRB 0 (§7.4.1.3.2).

use nrkit_core::Error;

/// RBs per frequency-resource group and REGs per CCE.
pub const REGS_PER_CCE: usize = 6;
/// Bits of `frequencyDomainResources` (TS 38.331 ControlResourceSet).
pub const MAX_FREQUENCY_GROUPS: usize = 45;

/// The CCE-to-REG mapping of a CORESET (TS 38.211 §7.3.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CceRegMapping {
    /// L = 6, f(x) = x.
    NonInterleaved,
    /// The block interleaver.
    Interleaved {
        /// L: 2 or 6 for a one-symbol CORESET, the duration or 6 otherwise.
        reg_bundle_size: usize,
        /// R: 2, 3 or 6.
        interleaver_size: usize,
        /// n_shift: 0…274 as configured, or N_ID^cell (0…1007).
        shift_index: usize,
    },
}

/// The precoder granularity of a CORESET (TS 38.211 §7.4.1.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrecoderGranularity {
    /// DMRS only in the REGs of the PDCCH; one precoder per REG bundle.
    SameAsRegBundle,
    /// DMRS in every REG of the contiguous RB runs of the CORESET holding the PDCCH.
    AllContiguousRbs,
}

impl PrecoderGranularity {
    /// MATLAB's name: "sameAsREG-bundle" | "allContiguousRBs".
    pub fn from_name(s: &str) -> Result<Self, Error> {
        match s {
            "sameAsREG-bundle" => Ok(Self::SameAsRegBundle),
            "allContiguousRBs" => Ok(Self::AllContiguousRbs),
            _ => Err(Error::invalid(
                "precoder granularity",
                "\"sameAsREG-bundle\" | \"allContiguousRBs\"",
                s,
            )),
        }
    }
}

/// A control-resource set: its RBs (as CRBs), duration and CCE-to-REG mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coreset {
    id: u8,
    crbs: Vec<usize>,
    duration: usize,
    mapping: CceRegMapping,
    precoder: PrecoderGranularity,
    dmrs_reference_crb: usize,
    /// The 6 REG indices of every CCE.
    cce_regs: Vec<[u16; REGS_PER_CCE]>,
}

impl Coreset {
    /// A CORESET configured by `frequencyDomainResources`: group i of `frequency_resources`
    /// (at most 45, at least one set) is CRBs 6·⌈`n_start_bwp`/6⌉ + 6i … + 5, which must lie
    /// in the BWP of `n_size_bwp` RBs; `duration` 1…3 symbols; `id` 1…11 (CORESET 0 is
    /// [`Coreset::zero`]). Errors name the inconsistent parameter.
    pub fn new(
        id: u8,
        n_start_bwp: usize,
        n_size_bwp: usize,
        frequency_resources: &[bool],
        duration: usize,
        mapping: CceRegMapping,
        precoder: PrecoderGranularity,
    ) -> Result<Self, Error> {
        if frequency_resources.is_empty() || frequency_resources.len() > MAX_FREQUENCY_GROUPS {
            return Err(Error::invalid(
                "CORESET frequency_resources",
                "1..=45 groups of 6 RBs",
                frequency_resources.len(),
            ));
        }
        if !frequency_resources.iter().any(|&b| b) {
            return Err(Error::invalid(
                "CORESET frequency_resources",
                "at least one group set",
                "all zero",
            ));
        }
        let first = n_start_bwp.div_ceil(6) * 6;
        let mut crbs = Vec::new();
        for (g, _) in frequency_resources.iter().enumerate().filter(|(_, &b)| b) {
            let top = first + 6 * g + 6;
            if top > n_start_bwp + n_size_bwp {
                return Err(Error::invalid(
                    "CORESET frequency_resources",
                    format!(
                        "groups inside the BWP (CRBs {n_start_bwp}..{})",
                        n_start_bwp + n_size_bwp
                    ),
                    format!("group {g} ends at CRB {}", top - 1),
                ));
            }
            crbs.extend(first + 6 * g..top);
        }
        Self::build(id, crbs, duration, mapping, precoder, 0)
    }

    /// CORESET#0 (TS 38.213 §13): `n_rb` contiguous RBs from CRB `first_crb`, `duration`
    /// symbols, interleaved with L = 6, R = 2 and n_shift = `n_cell_id`; DMRS referenced
    /// to its first RB.
    pub fn zero(
        first_crb: usize,
        n_rb: usize,
        duration: usize,
        n_cell_id: u16,
    ) -> Result<Self, Error> {
        if n_rb == 0 || !n_rb.is_multiple_of(6) || n_rb > 6 * MAX_FREQUENCY_GROUPS {
            return Err(Error::invalid(
                "CORESET#0 RBs",
                "a multiple of 6, 6..=270",
                n_rb,
            ));
        }
        Self::build(
            0,
            (first_crb..first_crb + n_rb).collect(),
            duration,
            CceRegMapping::Interleaved {
                reg_bundle_size: 6,
                interleaver_size: 2,
                shift_index: usize::from(n_cell_id),
            },
            PrecoderGranularity::SameAsRegBundle,
            first_crb,
        )
    }

    fn build(
        id: u8,
        crbs: Vec<usize>,
        duration: usize,
        mapping: CceRegMapping,
        precoder: PrecoderGranularity,
        dmrs_reference_crb: usize,
    ) -> Result<Self, Error> {
        if id > 15 {
            return Err(Error::invalid("CORESET id", "0..=15", id));
        }
        if !(1..=3).contains(&duration) {
            return Err(Error::invalid(
                "CORESET duration",
                "1..=3 symbols",
                duration,
            ));
        }
        let n_reg = crbs.len() * duration;
        let (l, f): (usize, Vec<usize>) = match mapping {
            CceRegMapping::NonInterleaved => (6, (0..n_reg / 6).collect()),
            CceRegMapping::Interleaved {
                reg_bundle_size: l,
                interleaver_size: r,
                shift_index,
            } => {
                let allowed = if duration == 1 { [2, 6] } else { [duration, 6] };
                if !allowed.contains(&l) {
                    return Err(Error::invalid(
                        "REG bundle size L",
                        format!("{} or 6 for a {duration}-symbol CORESET", allowed[0]),
                        l,
                    ));
                }
                if ![2, 3, 6].contains(&r) {
                    return Err(Error::invalid("interleaver size R", "2, 3 or 6", r));
                }
                // shiftIndex is 0…274 when configured, N_ID^cell (0…1007) when absent and
                // for CORESET#0 (TS 38.331 ControlResourceSet).
                if shift_index > 1007 {
                    return Err(Error::invalid(
                        "shift index n_shift",
                        "0..=1007",
                        shift_index,
                    ));
                }
                if !n_reg.is_multiple_of(l * r) {
                    return Err(Error::invalid(
                        "interleaver size R",
                        format!("a divisor of N_REG/L = {}", n_reg / l),
                        r,
                    ));
                }
                let bundles = n_reg / l;
                let c = bundles / r;
                let f = (0..bundles)
                    .map(|x| ((x % r) * c + x / r + shift_index) % bundles)
                    .collect();
                (l, f)
            }
        };
        let per_cce = REGS_PER_CCE / l;
        let cce_regs = (0..n_reg / REGS_PER_CCE)
            .map(|j| {
                let mut regs = [0u16; REGS_PER_CCE];
                for t in 0..per_cce {
                    let b = f[per_cce * j + t];
                    for i in 0..l {
                        regs[t * l + i] = (b * l + i) as u16;
                    }
                }
                regs
            })
            .collect();
        Ok(Coreset {
            id,
            crbs,
            duration,
            mapping,
            precoder,
            dmrs_reference_crb,
            cce_regs,
        })
    }

    /// The CORESET id (0 for CORESET#0).
    pub fn id(&self) -> u8 {
        self.id
    }

    /// The CRBs of the CORESET, ascending.
    pub fn crbs(&self) -> &[usize] {
        &self.crbs
    }

    /// Duration in symbols (1…3).
    pub fn duration(&self) -> usize {
        self.duration
    }

    /// The CCE-to-REG mapping.
    pub fn mapping(&self) -> CceRegMapping {
        self.mapping
    }

    /// The precoder granularity.
    pub fn precoder(&self) -> PrecoderGranularity {
        self.precoder
    }

    /// The REG bundle size L.
    pub fn reg_bundle_size(&self) -> usize {
        match self.mapping {
            CceRegMapping::NonInterleaved => 6,
            CceRegMapping::Interleaved {
                reg_bundle_size, ..
            } => reg_bundle_size,
        }
    }

    /// N_REG^CORESET.
    pub fn n_reg(&self) -> usize {
        self.crbs.len() * self.duration
    }

    /// N_CCE of the CORESET.
    pub fn n_cce(&self) -> usize {
        self.cce_regs.len()
    }

    /// The CRB whose subcarrier 0 is the DMRS reference point k = 0 (§7.4.1.3.2): CRB 0,
    /// or the first RB of CORESET#0.
    pub fn dmrs_reference_crb(&self) -> usize {
        self.dmrs_reference_crb
    }

    /// The 6 REGs of CCE `cce` (bundle by bundle), or `None` beyond the CORESET.
    pub fn cce_regs(&self, cce: usize) -> Option<&[u16; REGS_PER_CCE]> {
        self.cce_regs.get(cce)
    }

    /// (CRB, symbol within the CORESET) of REG `reg`.
    pub fn reg_location(&self, reg: usize) -> (usize, usize) {
        (self.crbs[reg / self.duration], reg % self.duration)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_interleaved_cce_is_six_consecutive_regs() {
        let c = Coreset::new(
            1,
            3,
            50,
            &[true, false, true, true],
            2,
            CceRegMapping::NonInterleaved,
            PrecoderGranularity::SameAsRegBundle,
        )
        .unwrap();
        // Groups start at CRB 6: groups 0, 2, 3 → CRBs 6..12, 18..30.
        assert_eq!(c.crbs()[0], 6);
        assert_eq!(c.crbs()[6], 18);
        assert_eq!(c.n_cce(), 6);
        assert_eq!(c.cce_regs(1).unwrap(), &[6, 7, 8, 9, 10, 11]);
        assert_eq!(c.reg_location(7), (9, 1));
    }

    #[test]
    fn coreset0_interleaver_spreads_cces() {
        // 48 RBs, 1 symbol: 48 REGs, 8 bundles of 6, C = 4, R = 2.
        let c = Coreset::zero(10, 48, 1, 0).unwrap();
        let b: Vec<u16> = (0..8).map(|j| c.cce_regs(j).unwrap()[0] / 6).collect();
        // f(x) = (x mod 2)·4 + x/2.
        assert_eq!(b, vec![0, 4, 1, 5, 2, 6, 3, 7]);
        let c = Coreset::zero(10, 48, 1, 3).unwrap();
        assert_eq!(c.cce_regs(0).unwrap()[0] / 6, 3);
    }

    #[test]
    fn bad_configurations_are_errors() {
        let m = CceRegMapping::Interleaved {
            reg_bundle_size: 3,
            interleaver_size: 2,
            shift_index: 0,
        };
        let p = PrecoderGranularity::SameAsRegBundle;
        assert!(Coreset::new(1, 0, 24, &[true; 5], 1, CceRegMapping::NonInterleaved, p).is_err());
        assert!(Coreset::new(1, 0, 24, &[false; 4], 1, CceRegMapping::NonInterleaved, p).is_err());
        assert!(Coreset::new(1, 0, 24, &[true; 4], 1, m, p).is_err());
        assert!(Coreset::new(1, 0, 24, &[true; 4], 3, m, p).is_ok());
        assert!(Coreset::new(1, 0, 24, &[true; 4], 4, CceRegMapping::NonInterleaved, p).is_err());
        // 18 RBs × 1 symbol / L = 6 → 3 bundles, R = 2 does not divide.
        let m2 = CceRegMapping::Interleaved {
            reg_bundle_size: 6,
            interleaver_size: 2,
            shift_index: 0,
        };
        assert!(Coreset::new(1, 0, 24, &[true; 3], 1, m2, p).is_err());
        assert!(Coreset::zero(0, 50, 1, 0).is_err());
    }
}
