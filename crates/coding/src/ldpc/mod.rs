//! LDPC coding of TS 38.212: base graphs and lifting sizes (§5.3.2), base-graph selection
//! (§7.2.2), code-block segmentation (§5.2.2), encoding (§5.3.2), rate matching and recovery
//! with HARQ combining (§5.4.2).

mod decoder;
mod encoder;
mod layer;
mod ratematch;
mod segmentation;
mod tables;

pub use decoder::{
    sum_product_reference, DecodeOutcome, DecoderConfig, DecoderWorkspace, HardCheck, LdpcDecoder,
    AUTO_MEAN, AUTO_MEAN_SELF_CORRECTING, AUTO_TRUNCATION, CERTAIN_LLR, INPUT_LIMIT,
};
pub use encoder::LdpcEncoder;
pub use ratematch::{e_for_block, RateMatch, FILLER_LLR};
pub use segmentation::{segment, Segmentation};

use nrkit_core::Error;

/// LDPC base graph (TS 38.212 §5.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BaseGraph {
    /// Base graph 1: 46 × 68, 22 systematic columns, N = 66·Z_c.
    Bg1,
    /// Base graph 2: 42 × 52, 10 systematic columns, N = 50·Z_c.
    Bg2,
}

impl BaseGraph {
    /// From 1 or 2.
    pub fn from_number(n: u8) -> Result<Self, Error> {
        match n {
            1 => Ok(BaseGraph::Bg1),
            2 => Ok(BaseGraph::Bg2),
            _ => Err(Error::invalid("LDPC base graph", "1 or 2", n)),
        }
    }

    /// 1 or 2.
    pub fn number(self) -> u8 {
        match self {
            BaseGraph::Bg1 => 1,
            BaseGraph::Bg2 => 2,
        }
    }

    /// Systematic columns of the base graph (22 or 10): K = this · Z_c.
    pub fn info_columns(self) -> usize {
        match self {
            BaseGraph::Bg1 => 22,
            BaseGraph::Bg2 => 10,
        }
    }

    /// Rows (check-node groups): 46 or 42.
    pub fn rows(self) -> usize {
        match self {
            BaseGraph::Bg1 => 46,
            BaseGraph::Bg2 => 42,
        }
    }

    /// Columns: 68 or 52.
    pub fn columns(self) -> usize {
        self.info_columns() + self.rows()
    }

    /// Coded bits per Z_c after puncturing the first 2·Z_c systematic bits: 66 or 50.
    pub fn n_over_z(self) -> usize {
        self.columns() - 2
    }

    /// Maximum code block size K_cb: 8448 or 3840 (§5.2.2).
    pub fn k_cb(self) -> usize {
        match self {
            BaseGraph::Bg1 => 8448,
            BaseGraph::Bg2 => 3840,
        }
    }

    /// Base-graph selection for DL-SCH/UL-SCH (TS 38.212 §7.2.2, §6.2.2): BG2 if A ≤ 292,
    /// or A ≤ 3824 and R ≤ 0.67, or R ≤ 0.25; otherwise BG1. `a` is the transport block
    /// size in bits and `rate` the target code rate.
    pub fn select(a: usize, rate: f64) -> Self {
        if a <= 292 || (a <= 3824 && rate <= 0.67) || rate <= 0.25 {
            BaseGraph::Bg2
        } else {
            BaseGraph::Bg1
        }
    }

    pub(crate) fn table(self) -> &'static [(u8, u8, [u16; 8])] {
        match self {
            BaseGraph::Bg1 => &tables::BG1,
            BaseGraph::Bg2 => &tables::BG2,
        }
    }

    /// Per row block of H lifted by `z_c`: (column block, shift P_ij = V_ij mod Z_c) of
    /// each non-zero entry, columns ascending (§5.3.2).
    pub(crate) fn lifted_rows(self, z_c: LiftingSize) -> Vec<Vec<(usize, usize)>> {
        let (z, ils) = (z_c.value(), z_c.set_index());
        let mut rows = vec![Vec::new(); self.rows()];
        for &(r, c, v) in self.table() {
            rows[usize::from(r)].push((usize::from(c), usize::from(v[ils]) % z));
        }
        rows
    }
}

/// The lifting-size sets of TS 38.212 Table 5.3.2-1: Z = a·2^j for a in
/// {2, 3, 5, 7, 9, 11, 13, 15} (set index i_LS = 0..=7), Z ≤ 384.
const SET_BASES: [usize; 8] = [2, 3, 5, 7, 9, 11, 13, 15];

/// A valid lifting size Z_c (one of the 51 of Table 5.3.2-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LiftingSize(u16);

impl LiftingSize {
    /// Validates `z`.
    pub fn new(z: usize) -> Result<Self, Error> {
        if Self::set_index_of(z).is_some() {
            Ok(LiftingSize(z as u16))
        } else {
            Err(Error::invalid(
                "LDPC lifting size Z_c",
                "a value of TS 38.212 Table 5.3.2-1",
                z,
            ))
        }
    }

    fn set_index_of(z: usize) -> Option<usize> {
        if z == 0 || z > 384 {
            return None;
        }
        SET_BASES.iter().position(|&a| {
            let mut v = a;
            while v < z {
                v *= 2;
            }
            v == z
        })
    }

    /// All 51 lifting sizes, ascending.
    pub fn all() -> Vec<LiftingSize> {
        let mut v: Vec<LiftingSize> = (1..=384).filter_map(|z| LiftingSize::new(z).ok()).collect();
        v.sort();
        v
    }

    /// The smallest lifting size with `k_b · Z ≥ k_prime`, if any.
    pub fn min_for(k_b: usize, k_prime: usize) -> Option<LiftingSize> {
        Self::all().into_iter().find(|z| k_b * z.value() >= k_prime)
    }

    /// Z_c.
    pub fn value(self) -> usize {
        usize::from(self.0)
    }

    /// The set index i_LS containing Z_c.
    pub fn set_index(self) -> usize {
        Self::set_index_of(self.value()).expect("validated")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifty_one_lifting_sizes() {
        let all = LiftingSize::all();
        assert_eq!(all.len(), 51);
        assert_eq!(all[0].value(), 2);
        assert_eq!(all[50].value(), 384);
        assert_eq!(LiftingSize::new(384).unwrap().set_index(), 1);
        assert_eq!(LiftingSize::new(208).unwrap().set_index(), 6);
        assert!(LiftingSize::new(17).is_err());
        assert_eq!(BaseGraph::Bg1.table().len(), 316);
        assert_eq!(BaseGraph::Bg2.table().len(), 197);
    }

    #[test]
    fn base_graph_selection() {
        assert_eq!(BaseGraph::select(292, 0.9), BaseGraph::Bg2);
        assert_eq!(BaseGraph::select(3824, 0.67), BaseGraph::Bg2);
        assert_eq!(BaseGraph::select(3825, 0.5), BaseGraph::Bg1);
        assert_eq!(BaseGraph::select(100_000, 0.2), BaseGraph::Bg2);
        assert_eq!(BaseGraph::select(100_000, 0.5), BaseGraph::Bg1);
    }
}
