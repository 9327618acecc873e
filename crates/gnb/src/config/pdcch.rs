//! The PDCCH configuration file of `nrkit decode pdcch` / `generate pdcch`: `[carrier]` as
//! for the PDSCH, and MATLAB 5G Toolbox names in snake_case for nrPDCCHConfig,
//! nrCORESETConfig and nrSearchSpaceConfig.
//!
//! ```toml
//! [carrier]
//! subcarrier_spacing = 30
//! n_size_grid = 52
//! n_cell_id = 1
//!
//! [pdcch]                          # nrPDCCHConfig
//! n_size_bwp = 52                  # default: the carrier
//! n_start_bwp = 0                  # CRB; default: the carrier's first
//! rnti = 17921                     # 0…65535 (C-RNTI; 65535 SI-RNTI, 65534 P-RNTI)
//! dmrs_scrambling_id = 10          # 0…65535; default: none (N_ID^cell, n_RNTI = 0)
//! aggregation_level = 8            # 1 | 2 | 4 | 8 | 16
//! allocated_candidate = 1          # 1-based, as in MATLAB
//! dci_size = 39                    # payload bits A; default: DCI 1_0 for the BWP/CORESET#0
//! [pdcch.coreset]                  # nrCORESETConfig
//! coreset_id = 1                   # 0…11; 0 = CORESET#0 (RBs from the BWP start)
//! frequency_resources = [1, 1, 1, 1, 1, 1]   # one 0/1 per 6 RBs
//! duration = 2                     # 1…3 symbols
//! cce_reg_mapping = "interleaved"  # "interleaved" | "noninterleaved"
//! reg_bundle_size = 6
//! interleaver_size = 2
//! shift_index = 1                  # default: n_cell_id
//! precoder_granularity = "sameAsREG-bundle"   # | "allContiguousRBs"
//! [pdcch.search_space]             # nrSearchSpaceConfig
//! search_space_id = 1
//! search_space_type = "ue"         # "common" | "ue"
//! start_symbol_within_slot = 0
//! slot_period_and_offset = [1, 0]
//! duration = 1
//! num_candidates = [8, 8, 4, 2, 1] # aggregation levels 1, 2, 4, 8, 16
//! ```

use nrkit_coding::dci::format::{DciFormat, RntiType};
use nrkit_phy::ofdm::OfdmConfig;
use nrkit_phy::pdcch::{
    Candidate, CceRegMapping, Coreset, PdcchIds, PrecoderGranularity, SearchSpace, SearchSpaceType,
    AGGREGATION_LEVELS,
};
use nrkit_phy::pdsch::Carrier;
use toml::Table;

use super::{invalid, ofdm_config_for, parse_carrier, parse_root, ConfigError, View};

const TOP: &[&str] = &["carrier", "pdcch"];
const PDCCH: &[&str] = &[
    "n_size_bwp",
    "n_start_bwp",
    "rnti",
    "dmrs_scrambling_id",
    "aggregation_level",
    "allocated_candidate",
    "dci_size",
    "coreset",
    "search_space",
];
const CORESET: &[&str] = &[
    "coreset_id",
    "frequency_resources",
    "duration",
    "cce_reg_mapping",
    "reg_bundle_size",
    "interleaver_size",
    "shift_index",
    "precoder_granularity",
];
const SEARCH_SPACE: &[&str] = &[
    "search_space_id",
    "search_space_type",
    "start_symbol_within_slot",
    "slot_period_and_offset",
    "duration",
    "num_candidates",
];

/// A validated PDCCH configuration file.
#[derive(Debug, Clone)]
pub struct PdcchSetup {
    /// The carrier.
    pub carrier: Carrier,
    /// `carrier.sample_rate`, Hz.
    pub sample_rate: Option<f64>,
    /// `carrier.center_frequency`, Hz.
    pub center_frequency: Option<f64>,
    /// BWP size in RBs.
    pub n_size_bwp: usize,
    /// BWP start CRB.
    pub n_start_bwp: usize,
    /// The RNTI of `pdcch.rnti`.
    pub rnti: u16,
    /// Scrambling identities (from `dmrs_scrambling_id`, the search-space type and the cell).
    pub ids: PdcchIds,
    /// The CORESET.
    pub coreset: Coreset,
    /// The search space.
    pub search_space: SearchSpace,
    /// Aggregation level of the transmitted PDCCH.
    pub aggregation_level: usize,
    /// 0-based candidate index of the transmitted PDCCH (`allocated_candidate` − 1).
    pub candidate_index: usize,
    /// The payload size A: `dci_size`, or DCI 1_0 for [`PdcchSetup::dci_bandwidth`].
    pub dci_size: usize,
}

impl PdcchSetup {
    /// The OFDM parameters (as [`super::PdschSetup::ofdm_config`]).
    pub fn ofdm_config(&self, rate: Option<f64>) -> Result<OfdmConfig, ConfigError> {
        ofdm_config_for(&self.carrier, self.sample_rate, self.center_frequency, rate)
    }

    /// N_RB of the DCI's frequency-domain assignment: CORESET#0's size in CORESET#0,
    /// else the BWP's (TS 38.212 §7.3.1.2.1).
    pub fn dci_bandwidth(&self) -> usize {
        if self.coreset.id() == 0 {
            self.coreset.crbs().len()
        } else {
            self.n_size_bwp
        }
    }

    /// The DCI format 1_0 for `rnti` in this BWP, when its size is the configured one.
    pub fn format_1_0(&self, rnti: u16) -> Option<DciFormat> {
        DciFormat::f1_0(RntiType::of(rnti), self.dci_bandwidth())
            .ok()
            .filter(|f| f.size() == self.dci_size)
    }

    /// The transmitted candidate in slot `n_slot` of the frame: the allocated candidate of
    /// the aggregation level; an error if the search space has fewer candidates there.
    pub fn candidate(&self, n_slot: usize) -> Result<Candidate, ConfigError> {
        let c =
            self.search_space
                .candidates(&self.coreset, self.aggregation_level, n_slot, self.rnti);
        let first_cce = *c.get(self.candidate_index).ok_or_else(|| {
            invalid(
                "pdcch.allocated_candidate".into(),
                format!(
                    "expected 1..={} (the candidates of aggregation level {} in this CORESET of {} CCEs), got {}",
                    c.len(),
                    self.aggregation_level,
                    self.coreset.n_cce(),
                    self.candidate_index + 1
                ),
            )
        })?;
        Ok(Candidate {
            level: self.aggregation_level,
            first_cce,
            start_symbol: self.search_space.start_symbol,
        })
    }
}

fn or_empty<'a>(v: Option<View<'a>>, empty: &'a Table, name: &str) -> View<'a> {
    v.unwrap_or(View {
        t: empty,
        prefix: name.into(),
    })
}

/// Parses and validates a PDCCH configuration file's text.
pub fn parse_pdcch(text: &str) -> Result<PdcchSetup, ConfigError> {
    let root = parse_root(text, TOP)?;
    let top = View {
        t: &root,
        prefix: String::new(),
    };
    let (carrier, sample_rate, center_frequency) = parse_carrier(&top)?;
    let empty = Table::new();
    let p = top.table("pdcch", PDCCH)?;
    let p = or_empty(p, &empty, "pdcch");
    let n_start_bwp = p
        .int("n_start_bwp", 0, 2474)?
        .map_or(carrier.n_start_grid, |v| v as usize);
    let n_size_bwp = p
        .int("n_size_bwp", 1, 275)?
        .map_or(carrier.n_size_grid, |v| v as usize);
    if n_start_bwp < carrier.n_start_grid
        || n_start_bwp + n_size_bwp > carrier.n_start_grid + carrier.n_size_grid
    {
        return Err(invalid(
            "pdcch.n_start_bwp".into(),
            format!(
                "the BWP (CRBs {n_start_bwp}..{}) must lie in the carrier grid (CRBs {}..{})",
                n_start_bwp + n_size_bwp,
                carrier.n_start_grid,
                carrier.n_start_grid + carrier.n_size_grid
            ),
        ));
    }
    let rnti = p.int("rnti", 0, 65535)?.unwrap_or(1) as u16;
    let dmrs_id = p.int("dmrs_scrambling_id", 0, 65535)?.map(|v| v as u16);
    let level = p.int("aggregation_level", 1, 16)?.unwrap_or(8) as usize;
    if !AGGREGATION_LEVELS.contains(&level) {
        return Err(invalid(
            "pdcch.aggregation_level".into(),
            format!("expected 1, 2, 4, 8 or 16, got {level}"),
        ));
    }
    let candidate = p.int("allocated_candidate", 1, 8)?.unwrap_or(1) as usize;

    let c = or_empty(p.table("coreset", CORESET)?, &empty, "pdcch.coreset");
    let id = c.int("coreset_id", 0, 11)?.unwrap_or(1) as u8;
    let groups: Vec<bool> = c
        .ints("frequency_resources", 0, 1, false)?
        .unwrap_or_else(|| vec![1; 6])
        .into_iter()
        .map(|b| b == 1)
        .collect();
    let duration = c.int("duration", 1, 3)?.unwrap_or(2) as usize;
    let interleaved =
        c.string("cce_reg_mapping", &["interleaved", "noninterleaved"])? != Some("noninterleaved");
    let l = c.int("reg_bundle_size", 2, 6)?.unwrap_or(6) as usize;
    let r = c.int("interleaver_size", 2, 6)?.unwrap_or(2) as usize;
    let shift = c
        .int("shift_index", 0, 274)?
        .map_or(usize::from(carrier.n_cell_id), |v| v as usize);
    let precoder = match c.string(
        "precoder_granularity",
        &["sameAsREG-bundle", "allContiguousRBs"],
    )? {
        Some("allContiguousRBs") => PrecoderGranularity::AllContiguousRbs,
        _ => PrecoderGranularity::SameAsRegBundle,
    };
    let key_err =
        |key: &str, e: nrkit_core::Error| invalid(format!("pdcch.coreset.{key}"), e.to_string());
    let coreset = if id == 0 {
        // CORESET#0: contiguous RBs from the BWP start, L = 6, R = 2 (TS 38.211 §7.3.2.2).
        let first = groups.iter().position(|&b| b).ok_or_else(|| {
            invalid(
                "pdcch.coreset.frequency_resources".into(),
                "expected at least one 1",
            )
        })?;
        let n = groups.iter().filter(|&&b| b).count();
        if groups[first..first + n].iter().any(|&b| !b) {
            return Err(invalid(
                "pdcch.coreset.frequency_resources".into(),
                "CORESET#0 (coreset_id = 0) is contiguous: expected one run of 1s",
            ));
        }
        if !interleaved || l != 6 || r != 2 {
            return Err(invalid(
                "pdcch.coreset.cce_reg_mapping".into(),
                "CORESET#0 is interleaved with reg_bundle_size = 6 and interleaver_size = 2 (TS 38.211 §7.3.2.2)",
            ));
        }
        if n_start_bwp + 6 * (first + n) > n_start_bwp + n_size_bwp {
            return Err(invalid(
                "pdcch.coreset.frequency_resources".into(),
                format!(
                    "CORESET#0 ends at RB {} of a {n_size_bwp}-RB BWP",
                    6 * (first + n)
                ),
            ));
        }
        Coreset::zero(n_start_bwp + 6 * first, 6 * n, duration, shift as u16)
            .map_err(|e| key_err("frequency_resources", e))?
    } else {
        let mapping = if interleaved {
            CceRegMapping::Interleaved {
                reg_bundle_size: l,
                interleaver_size: r,
                shift_index: shift,
            }
        } else {
            CceRegMapping::NonInterleaved
        };
        Coreset::new(
            id,
            n_start_bwp,
            n_size_bwp,
            &groups,
            duration,
            mapping,
            precoder,
        )
        .map_err(|e| {
            key_err(
                if interleaved {
                    "reg_bundle_size"
                } else {
                    "frequency_resources"
                },
                e,
            )
        })?
    };

    let s = or_empty(
        p.table("search_space", SEARCH_SPACE)?,
        &empty,
        "pdcch.search_space",
    );
    let ss_id = s.int("search_space_id", 0, 39)?.unwrap_or(1) as u8;
    let kind = match s.string("search_space_type", &["common", "ue"])? {
        Some("common") => SearchSpaceType::Common,
        _ => SearchSpaceType::Ue,
    };
    let start_symbol = s.int("start_symbol_within_slot", 0, 13)?.unwrap_or(0) as usize;
    let po = s
        .ints("slot_period_and_offset", 0, 2559, false)?
        .unwrap_or_else(|| vec![1, 0]);
    if po.len() != 2 {
        return Err(invalid(
            "pdcch.search_space.slot_period_and_offset".into(),
            format!("expected [period, offset], got {} values", po.len()),
        ));
    }
    let ss_duration = s.int("duration", 1, 2559)?.unwrap_or(1) as usize;
    let nc = s
        .ints("num_candidates", 0, 8, false)?
        .unwrap_or_else(|| vec![8, 8, 4, 2, 1]);
    let num_candidates: [usize; 5] = nc.as_slice().try_into().map_err(|_| {
        invalid(
            "pdcch.search_space.num_candidates".into(),
            format!(
                "expected 5 counts (aggregation levels 1, 2, 4, 8, 16), got {}",
                nc.len()
            ),
        )
    })?;
    let search_space = SearchSpace::new(
        ss_id,
        kind,
        start_symbol,
        po[0],
        po[1],
        ss_duration,
        num_candidates,
    )
    .map_err(|e| invalid("pdcch.search_space".into(), e.to_string()))?;
    if start_symbol + coreset.duration() > carrier.numerology.symbols_per_slot() {
        return Err(invalid(
            "pdcch.search_space.start_symbol_within_slot".into(),
            format!(
                "the CORESET's {} symbols from symbol {start_symbol} leave the slot",
                coreset.duration()
            ),
        ));
    }
    let ids = match dmrs_id {
        Some(n) => PdcchIds {
            n_id: n,
            n_rnti: if kind == SearchSpaceType::Ue { rnti } else { 0 },
            dmrs_n_id: n,
        },
        None => PdcchIds::cell(carrier.n_cell_id),
    };
    let mut setup = PdcchSetup {
        carrier,
        sample_rate,
        center_frequency,
        n_size_bwp,
        n_start_bwp,
        rnti,
        ids,
        coreset,
        search_space,
        aggregation_level: level,
        candidate_index: candidate - 1,
        dci_size: 0,
    };
    let default_size = DciFormat::f1_0(RntiType::of(rnti), setup.dci_bandwidth())
        .map_err(|e| invalid("pdcch.n_size_bwp".into(), e.to_string()))?
        .size();
    setup.dci_size = p
        .int("dci_size", 1, 140)?
        .map_or(default_size, |v| v as usize);
    Ok(setup)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_coreset0() {
        let s = parse_pdcch("[carrier]\nsubcarrier_spacing = 30\nn_size_grid = 52\n").unwrap();
        assert_eq!(s.coreset.n_cce(), 12);
        assert_eq!(s.dci_size, DciFormat::f1_0(RntiType::C, 52).unwrap().size());
        assert!(s.candidate(0).is_ok());
        let s = parse_pdcch(
            "[carrier]\nn_size_grid = 60\nn_cell_id = 3\n[pdcch]\nrnti = 65535\naggregation_level = 4\n\
             [pdcch.coreset]\ncoreset_id = 0\nfrequency_resources = [0, 1, 1, 1, 1, 1, 1, 1, 1]\nduration = 1\n\
             [pdcch.search_space]\nsearch_space_type = \"common\"\nnum_candidates = [0, 0, 4, 2, 1]\n",
        )
        .unwrap();
        assert_eq!(s.coreset.crbs()[0], 6);
        assert_eq!(s.dci_size, 39);
        assert_eq!(s.ids, PdcchIds::cell(3));
    }

    #[test]
    fn errors_name_the_key() {
        let e = |t: &str| parse_pdcch(t).unwrap_err().to_string();
        assert!(
            e("[pdcch.coreset]\nduraton = 2\n").contains("did you mean `pdcch.coreset.duration`")
        );
        assert!(e("[pdcch]\naggregation_level = 3\n").contains("aggregation_level"));
        assert!(
            e("[pdcch.coreset]\ncoreset_id = 0\nfrequency_resources = [1, 0, 1]\n")
                .contains("contiguous")
        );
        assert!(e("[pdcch.search_space]\nnum_candidates = [1, 2]\n").contains("5 counts"));
        assert!(
            e("[pdcch.coreset]\nfrequency_resources = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n")
                .contains("frequency_resources")
        );
        let s = parse_pdcch("[pdcch]\naggregation_level = 16\nallocated_candidate = 2\n").unwrap();
        assert!(s
            .candidate(0)
            .unwrap_err()
            .to_string()
            .contains("allocated_candidate"));
    }
}
