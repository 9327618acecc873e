//! Search-space sets (TS 38.213 §10.1): monitored slots and the CCEs of the PDCCH
//! candidates, with the hashing function of the UE-specific search space.

use nrkit_core::Error;

use super::coreset::Coreset;

/// The aggregation levels 1, 2, 4, 8, 16 in the order of `num_candidates`.
pub const AGGREGATION_LEVELS: [usize; 5] = [1, 2, 4, 8, 16];

/// Common or UE-specific.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchSpaceType {
    /// Common search space: Y = 0.
    Common,
    /// UE-specific search space: Y from the hashing function with the C-RNTI.
    Ue,
}

impl SearchSpaceType {
    /// MATLAB's name: "common" | "ue".
    pub fn from_name(s: &str) -> Result<Self, Error> {
        match s {
            "common" => Ok(Self::Common),
            "ue" => Ok(Self::Ue),
            _ => Err(Error::invalid(
                "search space type",
                "\"common\" | \"ue\"",
                s,
            )),
        }
    }
}

/// A search-space set (nrSearchSpaceConfig).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchSpace {
    /// searchSpaceId 0…39.
    pub id: u8,
    /// Common or UE-specific.
    pub kind: SearchSpaceType,
    /// The first symbol of the CORESET in a monitored slot, 0…13.
    pub start_symbol: usize,
    /// Monitoring periodicity k_s in slots.
    pub period: usize,
    /// Monitoring offset o_s in slots (< period).
    pub offset: usize,
    /// Consecutive monitored slots T_s (1…period).
    pub duration: usize,
    /// Candidates per aggregation level 1, 2, 4, 8, 16 (each 0…8).
    pub num_candidates: [usize; 5],
}

/// The periodicities TS 38.331 allows for a search space (slots).
pub const PERIODS: [usize; 13] = [1, 2, 4, 5, 8, 10, 16, 20, 40, 80, 160, 320, 640];

impl SearchSpace {
    /// A validated search space.
    pub fn new(
        id: u8,
        kind: SearchSpaceType,
        start_symbol: usize,
        period: usize,
        offset: usize,
        duration: usize,
        num_candidates: [usize; 5],
    ) -> Result<Self, Error> {
        if id > 39 {
            return Err(Error::invalid("search space id", "0..=39", id));
        }
        if start_symbol > 13 {
            return Err(Error::invalid(
                "start symbol within slot",
                "0..=13",
                start_symbol,
            ));
        }
        if !PERIODS.contains(&period) {
            return Err(Error::invalid(
                "search space period",
                format!("{PERIODS:?}"),
                period,
            ));
        }
        if offset >= period {
            return Err(Error::invalid(
                "search space offset",
                format!("0..{period}"),
                offset,
            ));
        }
        if duration == 0 || duration > period {
            return Err(Error::invalid(
                "search space duration",
                format!("1..={period}"),
                duration,
            ));
        }
        if let Some(n) = num_candidates.iter().find(|&&n| n > 8) {
            return Err(Error::invalid(
                "candidates per aggregation level",
                "0..=8",
                n,
            ));
        }
        Ok(SearchSpace {
            id,
            kind,
            start_symbol,
            period,
            offset,
            duration,
            num_candidates,
        })
    }

    /// The Type0-PDCCH CSS set of TS 38.213 §10.1 / Table 10.1-1: 4, 2, 1 candidates at
    /// aggregation levels 4, 8, 16, first symbol `start_symbol`, every slot.
    pub fn type0(start_symbol: usize) -> Result<Self, Error> {
        Self::new(
            0,
            SearchSpaceType::Common,
            start_symbol,
            1,
            0,
            1,
            [0, 0, 4, 2, 1],
        )
    }

    /// Whether slot `n_slot` (of `slots_per_frame`) of frame `n_frame` is monitored:
    /// (n_f·N_slot + n_s − o_s) mod k_s < T_s (TS 38.213 §10.1).
    pub fn is_monitored(&self, n_frame: usize, n_slot: usize, slots_per_frame: usize) -> bool {
        let abs = n_frame * slots_per_frame + n_slot;
        (abs + self.period - self.offset) % self.period < self.duration
    }

    /// The candidates at aggregation level `level` (1, 2, 4, 8, 16) in slot `n_slot` of the
    /// frame, as their first CCE (a candidate is CCEs first … first + level − 1), in
    /// candidate order m = 0, 1, …: L·((Y + ⌊m·N_CCE/(L·M)⌋) mod ⌊N_CCE/L⌋) with n_CI = 0,
    /// Y = 0 for a common search space and the hashing function Y_{p,n} =
    /// (A_p·Y_{p,n−1}) mod 65537, Y_{p,−1} = `rnti`, A_p = 39827, 39829, 39839 for
    /// p mod 3 = 0, 1, 2 (p the CORESET id) for a UE-specific one. Empty when the CORESET
    /// holds fewer than L CCEs.
    pub fn candidates(
        &self,
        coreset: &Coreset,
        level: usize,
        n_slot: usize,
        rnti: u16,
    ) -> Vec<usize> {
        let Some(li) = AGGREGATION_LEVELS.iter().position(|&l| l == level) else {
            return Vec::new();
        };
        let m_l = self.num_candidates[li];
        let n_cce = coreset.n_cce();
        if m_l == 0 || n_cce < level {
            return Vec::new();
        }
        let y = match self.kind {
            SearchSpaceType::Common => 0,
            SearchSpaceType::Ue => hash_y(coreset.id(), rnti, n_slot),
        };
        (0..m_l)
            .map(|m| level * ((y + m * n_cce / (level * m_l)) % (n_cce / level)))
            .collect()
    }
}

/// Y_{p,n} of TS 38.213 §10.1 for CORESET `p`, RNTI and slot n of the frame.
pub fn hash_y(p: u8, rnti: u16, n_slot: usize) -> usize {
    let a: u64 = [39827, 39829, 39839][usize::from(p) % 3];
    let mut y = u64::from(rnti);
    for _ in 0..=n_slot {
        y = (a * y) % 65537;
    }
    y as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type0_candidates_in_a_48_rb_coreset0() {
        let c = Coreset::zero(0, 48, 1, 1).unwrap();
        let s = SearchSpace::type0(0).unwrap();
        assert_eq!(c.n_cce(), 8);
        assert_eq!(s.candidates(&c, 4, 0, 0), vec![0, 0, 4, 4]);
        assert_eq!(s.candidates(&c, 8, 0, 0), vec![0, 0]);
        assert!(s.candidates(&c, 16, 0, 0).is_empty());
        let c = Coreset::zero(0, 48, 2, 1).unwrap();
        assert_eq!(s.candidates(&c, 4, 0, 0), vec![0, 4, 8, 12]);
        assert_eq!(s.candidates(&c, 8, 0, 0), vec![0, 8]);
        assert_eq!(s.candidates(&c, 16, 0, 0), vec![0]);
    }

    #[test]
    fn hashing_follows_the_recursion() {
        // Y_{0,0} = 39827·1 mod 65537 = 39827; Y_{0,1} = 39827² mod 65537.
        assert_eq!(hash_y(0, 1, 0), 39827);
        assert_eq!(hash_y(0, 1, 1), (39827u64 * 39827 % 65537) as usize);
        assert_eq!(hash_y(4, 1, 0), 39829);
        let s = SearchSpace::new(2, SearchSpaceType::Ue, 0, 1, 0, 1, [0, 0, 2, 0, 0]).unwrap();
        let c = Coreset::zero(0, 48, 2, 0).unwrap(); // 16 CCEs, p = 0
        let y = hash_y(0, 0x4601, 3);
        assert_eq!(
            s.candidates(&c, 4, 3, 0x4601),
            vec![4 * (y % 4), 4 * ((y + 2) % 4)]
        );
    }

    #[test]
    fn monitoring_and_validation() {
        let s = SearchSpace::new(1, SearchSpaceType::Common, 0, 10, 3, 2, [0, 0, 1, 1, 0]).unwrap();
        let mon: Vec<usize> = (0..20).filter(|&n| s.is_monitored(0, n, 20)).collect();
        assert_eq!(mon, vec![3, 4, 13, 14]);
        assert!(SearchSpace::new(1, SearchSpaceType::Common, 0, 3, 0, 1, [1; 5]).is_err());
        assert!(SearchSpace::new(1, SearchSpaceType::Common, 0, 4, 4, 1, [1; 5]).is_err());
        assert!(SearchSpace::new(1, SearchSpaceType::Common, 14, 4, 0, 1, [1; 5]).is_err());
        assert!(SearchSpace::new(1, SearchSpaceType::Common, 0, 4, 0, 1, [9, 0, 0, 0, 0]).is_err());
    }
}
