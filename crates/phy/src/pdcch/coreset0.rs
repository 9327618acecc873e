//! CORESET#0 and the Type0-PDCCH CSS set from the MIB (TS 38.213 §13): the CORESET of
//! `controlResourceSetZero` (Tables 13-1…13-6, FR1 without shared spectrum access) and the
//! monitoring occasions of `searchSpaceZero` for multiplexing pattern 1 (Table 13-11).
//!
//! The offset of a table row is in RBs of the CORESET's SCS, from the CORESET's first RB to
//! the common RB overlapping the SS/PBCH block's first RB. Tables 13-0 (3 MHz channels), the
//! shared-spectrum Tables 13-1A/13-4A and FR2 (Tables 13-7…13-10, patterns 2 and 3) are not
//! implemented: asking for them is an error that says so.

use nrkit_core::Error;

use super::coreset::Coreset;
use super::search_space::SearchSpace;

/// One row of Tables 13-1…13-6.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coreset0Row {
    /// SS/PBCH block and CORESET multiplexing pattern (1 in these tables).
    pub pattern: u8,
    /// N_RB^CORESET.
    pub n_rb: usize,
    /// N_symb^CORESET.
    pub n_symb: usize,
    /// Offset in RBs (CORESET SCS).
    pub offset: usize,
}

type Row = Option<(u8, u16, u8, u8)>;
const R: Row = None;

const fn r(p: u8, n: u16, s: u8, o: u8) -> Row {
    Some((p, n, s, o))
}

/// Table 13-1: {15, 15} kHz, minimum channel bandwidth 5 or 10 MHz.
const T13_1: [Row; 16] = [
    r(1, 24, 2, 0),
    r(1, 24, 2, 2),
    r(1, 24, 2, 4),
    r(1, 24, 3, 0),
    r(1, 24, 3, 2),
    r(1, 24, 3, 4),
    r(1, 48, 1, 12),
    r(1, 48, 1, 16),
    r(1, 48, 2, 12),
    r(1, 48, 2, 16),
    r(1, 48, 3, 12),
    r(1, 48, 3, 16),
    r(1, 96, 1, 38),
    r(1, 96, 2, 38),
    r(1, 96, 3, 38),
    R,
];
/// Table 13-2: {15, 30} kHz, minimum channel bandwidth 5 or 10 MHz.
const T13_2: [Row; 16] = [
    r(1, 24, 2, 5),
    r(1, 24, 2, 6),
    r(1, 24, 2, 7),
    r(1, 24, 2, 8),
    r(1, 24, 3, 5),
    r(1, 24, 3, 6),
    r(1, 24, 3, 7),
    r(1, 24, 3, 8),
    r(1, 48, 1, 18),
    r(1, 48, 1, 20),
    r(1, 48, 2, 18),
    r(1, 48, 2, 20),
    r(1, 48, 3, 18),
    r(1, 48, 3, 20),
    R,
    R,
];
/// Table 13-3: {30, 15} kHz, minimum channel bandwidth 5 or 10 MHz.
const T13_3: [Row; 16] = [
    r(1, 48, 1, 2),
    r(1, 48, 1, 6),
    r(1, 48, 2, 2),
    r(1, 48, 2, 6),
    r(1, 48, 3, 2),
    r(1, 48, 3, 6),
    r(1, 96, 1, 28),
    r(1, 96, 2, 28),
    r(1, 96, 3, 28),
    R,
    R,
    R,
    R,
    R,
    R,
    R,
];
/// Table 13-4: {30, 30} kHz, minimum channel bandwidth 5 or 10 MHz.
const T13_4: [Row; 16] = [
    r(1, 24, 2, 0),
    r(1, 24, 2, 1),
    r(1, 24, 2, 2),
    r(1, 24, 2, 3),
    r(1, 24, 2, 4),
    r(1, 24, 3, 0),
    r(1, 24, 3, 1),
    r(1, 24, 3, 2),
    r(1, 24, 3, 3),
    r(1, 24, 3, 4),
    r(1, 48, 1, 12),
    r(1, 48, 1, 14),
    r(1, 48, 1, 16),
    r(1, 48, 2, 12),
    r(1, 48, 2, 14),
    r(1, 48, 2, 16),
];
/// Table 13-5: {30, 15} kHz, minimum channel bandwidth 40 MHz.
const T13_5: [Row; 16] = [
    r(1, 48, 1, 4),
    r(1, 48, 2, 4),
    r(1, 48, 3, 4),
    r(1, 96, 1, 0),
    r(1, 96, 1, 56),
    r(1, 96, 2, 0),
    r(1, 96, 2, 56),
    r(1, 96, 3, 0),
    r(1, 96, 3, 56),
    R,
    R,
    R,
    R,
    R,
    R,
    R,
];
/// Table 13-6: {30, 30} kHz, minimum channel bandwidth 40 MHz.
const T13_6: [Row; 16] = [
    r(1, 24, 2, 0),
    r(1, 24, 2, 4),
    r(1, 24, 3, 0),
    r(1, 24, 3, 4),
    r(1, 48, 1, 0),
    r(1, 48, 1, 28),
    r(1, 48, 2, 0),
    r(1, 48, 2, 28),
    r(1, 48, 3, 0),
    r(1, 48, 3, 28),
    R,
    R,
    R,
    R,
    R,
    R,
];

/// The table of TS 38.213 §13 for SS/PBCH block SCS `ssb_scs_khz`, PDCCH SCS
/// `pdcch_scs_khz` and the band's minimum channel bandwidth (MHz: 5, 10 or 40), by name.
pub fn coreset0_table(
    ssb_scs_khz: u32,
    pdcch_scs_khz: u32,
    min_bw_mhz: u32,
) -> Result<&'static str, Error> {
    let narrow = match min_bw_mhz {
        5 | 10 => true,
        40 => false,
        _ => {
            return Err(Error::invalid(
                "minimum channel bandwidth of the band",
                "5, 10 or 40 MHz (FR1; the 3 MHz Table 13-0 is not implemented)",
                format!("{min_bw_mhz} MHz"),
            ))
        }
    };
    Ok(match (ssb_scs_khz, pdcch_scs_khz, narrow) {
        (15, 15, true) => "13-1",
        (15, 30, true) => "13-2",
        (30, 15, true) => "13-3",
        (30, 30, true) => "13-4",
        (30, 15, false) => "13-5",
        (30, 30, false) => "13-6",
        _ => {
            return Err(Error::invalid(
                "{SS/PBCH block, PDCCH} SCS",
                "{15,15} or {15,30} kHz with a 5/10 MHz minimum bandwidth, {30,15} or {30,30} kHz (FR1)",
                format!("{{{ssb_scs_khz}, {pdcch_scs_khz}}} kHz, minimum bandwidth {min_bw_mhz} MHz"),
            ))
        }
    })
}

/// The CORESET#0 row `index` (controlResourceSetZero, 0…15) of the table for these SCSs
/// and minimum bandwidth (see [`coreset0_table`]); a reserved index is an error naming the
/// table.
pub fn coreset0_row(
    ssb_scs_khz: u32,
    pdcch_scs_khz: u32,
    min_bw_mhz: u32,
    index: u8,
) -> Result<Coreset0Row, Error> {
    let name = coreset0_table(ssb_scs_khz, pdcch_scs_khz, min_bw_mhz)?;
    let t = match name {
        "13-1" => &T13_1,
        "13-2" => &T13_2,
        "13-3" => &T13_3,
        "13-4" => &T13_4,
        "13-5" => &T13_5,
        _ => &T13_6,
    };
    if index > 15 {
        return Err(Error::invalid("controlResourceSetZero", "0..=15", index));
    }
    match t[usize::from(index)] {
        Some((pattern, n_rb, n_symb, offset)) => Ok(Coreset0Row {
            pattern,
            n_rb: usize::from(n_rb),
            n_symb: usize::from(n_symb),
            offset: usize::from(offset),
        }),
        None => Err(Error::invalid(
            "controlResourceSetZero",
            format!("an index that TS 38.213 Table {name} defines"),
            format!("{index} (reserved in Table {name})"),
        )),
    }
}

/// The common RB (in units of `pdcch_scs_khz`) overlapping the first RB of the SS/PBCH
/// block, for FR1: the SSB's first subcarrier is 12·`offset_to_point_a` + `k_ssb`
/// subcarriers of 15 kHz above Point A (TS 38.211 §7.4.3.1, TS 38.213 §4.1).
pub fn ssb_crb(offset_to_point_a: usize, k_ssb: usize, pdcch_scs_khz: u32) -> usize {
    (12 * offset_to_point_a + k_ssb) * 15 / (12 * pdcch_scs_khz as usize)
}

/// CORESET#0 as a [`Coreset`]: the row's RBs from CRB [`ssb_crb`] − offset; an error if
/// the CORESET would start below Point A.
pub fn coreset0(
    row: &Coreset0Row,
    offset_to_point_a: usize,
    k_ssb: usize,
    pdcch_scs_khz: u32,
    n_cell_id: u16,
) -> Result<Coreset, Error> {
    let crb = ssb_crb(offset_to_point_a, k_ssb, pdcch_scs_khz);
    let first = crb.checked_sub(row.offset).ok_or_else(|| {
        Error::invalid(
            "CORESET#0 offset",
            format!("<= the SSB's CRB {crb}"),
            format!("{} RBs (CORESET#0 would start below Point A)", row.offset),
        )
    })?;
    Coreset::zero(first, row.n_rb, row.n_symb, n_cell_id)
}

/// One row of Table 13-11 (multiplexing pattern 1, FR1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Type0Monitoring {
    /// O (the table's value; O·2^μ slots).
    pub o: usize,
    /// Search-space sets per slot (1 or 2).
    pub sets_per_slot: usize,
    /// 2·M (M ∈ {1/2, 1, 2}).
    pub m_times_2: usize,
    /// The first symbol for even SS/PBCH block indices.
    pub first_symbol_even: usize,
    /// Whether odd SS/PBCH block indices start at symbol N_symb^CORESET instead.
    pub odd_after_coreset: bool,
}

/// Table 13-11 row `index` (searchSpaceZero 0…15).
pub fn type0_monitoring(index: u8) -> Result<Type0Monitoring, Error> {
    // (O, sets per slot, 2M, first symbol; 99 = "0 if i even, N_symb^CORESET if i odd")
    const T: [(u8, u8, u8, u8); 16] = [
        (0, 1, 2, 0),
        (0, 2, 1, 99),
        (2, 1, 2, 0),
        (2, 2, 1, 99),
        (5, 1, 2, 0),
        (5, 2, 1, 99),
        (7, 1, 2, 0),
        (7, 2, 1, 99),
        (0, 1, 4, 0),
        (5, 1, 4, 0),
        (0, 1, 2, 1),
        (0, 1, 2, 2),
        (2, 1, 2, 1),
        (2, 1, 2, 2),
        (5, 1, 2, 1),
        (5, 1, 2, 2),
    ];
    let &(o, s, m2, f) = T
        .get(usize::from(index))
        .ok_or_else(|| Error::invalid("searchSpaceZero", "0..=15", index))?;
    Ok(Type0Monitoring {
        o: usize::from(o),
        sets_per_slot: usize::from(s),
        m_times_2: usize::from(m2),
        first_symbol_even: if f == 99 { 0 } else { usize::from(f) },
        odd_after_coreset: f == 99,
    })
}

/// Where the Type0-PDCCH of SS/PBCH block `ssb_index` is monitored (TS 38.213 §13,
/// pattern 1, μ ≤ 3): slots `n0` and `n0 + 1` of frames whose SFN has parity
/// `sfn_parity`, first symbol `first_symbol`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Type0Occasion {
    /// n_0 (slot in the frame, PDCCH numerology).
    pub n0: usize,
    /// SFN mod 2 of the frame holding n_0.
    pub sfn_parity: usize,
    /// The first symbol of CORESET#0 in the slot.
    pub first_symbol: usize,
}

impl Type0Monitoring {
    /// The occasion of SS/PBCH block `ssb_index` for PDCCH numerology `mu` (0…3) and a
    /// CORESET of `n_symb_coreset` symbols: n_0 = (O·2^μ + ⌊i·M⌋) mod N_slot^frame.
    pub fn occasion(&self, ssb_index: usize, mu: u8, n_symb_coreset: usize) -> Type0Occasion {
        let slots = 10usize << mu;
        let v = (self.o << mu) + ssb_index * self.m_times_2 / 2;
        Type0Occasion {
            n0: v % slots,
            sfn_parity: (v / slots) % 2,
            first_symbol: if self.odd_after_coreset && ssb_index % 2 == 1 {
                n_symb_coreset
            } else {
                self.first_symbol_even
            },
        }
    }

    /// Whether slot `n_slot` of frame `sfn` holds the Type0-PDCCH occasion of SS/PBCH block
    /// `ssb_index` (slot n_0 or n_0 + 1, which may fall into the next frame).
    pub fn is_occasion(&self, ssb_index: usize, mu: u8, sfn: usize, n_slot: usize) -> bool {
        let slots = 10usize << mu;
        let occ = self.occasion(ssb_index, mu, 1);
        let abs = (sfn % 2) * slots + n_slot;
        let first = occ.sfn_parity * slots + occ.n0;
        abs == first || abs == (first + 1) % (2 * slots)
    }

    /// The Type0-PDCCH CSS set in the occasion of SS/PBCH block `ssb_index`.
    pub fn search_space(
        &self,
        ssb_index: usize,
        n_symb_coreset: usize,
    ) -> Result<SearchSpace, Error> {
        SearchSpace::type0(self.occasion(ssb_index, 0, n_symb_coreset).first_symbol)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_and_errors() {
        let r = coreset0_row(30, 30, 10, 12).unwrap();
        assert_eq!((r.n_rb, r.n_symb, r.offset), (48, 1, 16));
        assert!(coreset0_row(15, 15, 5, 15)
            .unwrap_err()
            .to_string()
            .contains("13-1"));
        assert!(coreset0_row(15, 15, 40, 0).is_err());
        assert!(coreset0_row(30, 30, 3, 0).is_err());
        assert!(coreset0_row(30, 30, 40, 16).is_err());
        // n78 20 MHz example: offsetToPointA 0 → CRB 0; offset 16 is impossible.
        assert!(coreset0(&r, 0, 0, 30, 1).is_err());
        let c = coreset0(&r, 36, 6, 30, 1).unwrap();
        assert_eq!(c.crbs()[0], (36 * 12 + 6) * 15 / 360 - 16);
    }

    #[test]
    fn monitoring_occasions_follow_table_13_11() {
        let m = type0_monitoring(0).unwrap();
        assert_eq!(
            m.occasion(0, 1, 2),
            Type0Occasion {
                n0: 0,
                sfn_parity: 0,
                first_symbol: 0
            }
        );
        assert_eq!(m.occasion(3, 1, 2).n0, 3);
        let m = type0_monitoring(7).unwrap(); // O = 7, M = 1/2, odd after the CORESET
        let o = m.occasion(3, 1, 2);
        assert_eq!((o.n0, o.sfn_parity, o.first_symbol), (15, 0, 2));
        let m = type0_monitoring(9).unwrap(); // O = 5, M = 2
        let o = m.occasion(4, 0, 1);
        assert_eq!((o.n0, o.sfn_parity), (3, 1));
        assert!(m.is_occasion(4, 0, 1, 3) && m.is_occasion(4, 0, 3, 4));
        assert!(!m.is_occasion(4, 0, 0, 3));
        assert!(type0_monitoring(16).is_err());
    }
}
