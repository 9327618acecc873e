//! MCS index tables for the PDSCH: TS 38.214 Tables 5.1.3.1-1 (`qam64`), 5.1.3.1-2
//! (`qam256`), 5.1.3.1-3 (`qam64LowSE`) and 5.1.3.1-4 (`qam1024`) — the names are those of
//! the RRC `mcs-Table` and of MATLAB's `nrPDSCHMCSTables`.
//!
//! Each row gives the modulation order Q_m and the target code rate R × 1024 (two rows of
//! Tables 2 and 4 have half values, 682.5, 916.5, 805.5, 900.5). The last rows of every table
//! are "reserved": they carry a modulation order (used for retransmissions, with the code
//! rate of the initial transmission) and no code rate.

use nrkit_core::Error;

use crate::modulation::Modulation;

/// Which MCS table (TS 38.214 §5.1.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum McsTable {
    /// Table 5.1.3.1-1, up to 64QAM (`qam64`, the default).
    Qam64,
    /// Table 5.1.3.1-2, up to 256QAM (`qam256`).
    Qam256,
    /// Table 5.1.3.1-3, low spectral efficiency up to 64QAM (`qam64LowSE`).
    Qam64LowSe,
    /// Table 5.1.3.1-4, up to 1024QAM (`qam1024`).
    Qam1024,
}

/// One row of an MCS table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct McsEntry {
    /// Modulation order Q_m (bits per symbol).
    pub qm: u8,
    /// Target code rate R × 1024; `None` for the reserved rows.
    pub r_x1024: Option<f64>,
}

impl McsEntry {
    /// The modulation of Q_m.
    pub fn modulation(&self) -> Modulation {
        match self.qm {
            2 => Modulation::Qpsk,
            4 => Modulation::Qam16,
            6 => Modulation::Qam64,
            8 => Modulation::Qam256,
            _ => Modulation::Qam1024,
        }
    }

    /// The target code rate R (`None` for reserved rows).
    pub fn rate(&self) -> Option<f64> {
        self.r_x1024.map(|r| r / 1024.0)
    }

    /// Spectral efficiency Q_m · R, bits per RE per layer (`None` for reserved rows).
    pub fn spectral_efficiency(&self) -> Option<f64> {
        self.rate().map(|r| r * f64::from(self.qm))
    }
}

// (Q_m, R × 1024) per MCS index; R = 0 marks a reserved row.
const T1: [(u8, f64); 32] = [
    (2, 120.0),
    (2, 157.0),
    (2, 193.0),
    (2, 251.0),
    (2, 308.0),
    (2, 379.0),
    (2, 449.0),
    (2, 526.0),
    (2, 602.0),
    (2, 679.0),
    (4, 340.0),
    (4, 378.0),
    (4, 434.0),
    (4, 490.0),
    (4, 553.0),
    (4, 616.0),
    (4, 658.0),
    (6, 438.0),
    (6, 466.0),
    (6, 517.0),
    (6, 567.0),
    (6, 616.0),
    (6, 666.0),
    (6, 719.0),
    (6, 772.0),
    (6, 822.0),
    (6, 873.0),
    (6, 910.0),
    (6, 948.0),
    (2, 0.0),
    (4, 0.0),
    (6, 0.0),
];
const T2: [(u8, f64); 32] = [
    (2, 120.0),
    (2, 193.0),
    (2, 308.0),
    (2, 449.0),
    (2, 602.0),
    (4, 378.0),
    (4, 434.0),
    (4, 490.0),
    (4, 553.0),
    (4, 616.0),
    (4, 658.0),
    (6, 466.0),
    (6, 517.0),
    (6, 567.0),
    (6, 616.0),
    (6, 666.0),
    (6, 719.0),
    (6, 772.0),
    (6, 822.0),
    (6, 873.0),
    (8, 682.5),
    (8, 711.0),
    (8, 754.0),
    (8, 797.0),
    (8, 841.0),
    (8, 885.0),
    (8, 916.5),
    (8, 948.0),
    (2, 0.0),
    (4, 0.0),
    (6, 0.0),
    (8, 0.0),
];
const T3: [(u8, f64); 32] = [
    (2, 30.0),
    (2, 40.0),
    (2, 50.0),
    (2, 64.0),
    (2, 78.0),
    (2, 99.0),
    (2, 120.0),
    (2, 157.0),
    (2, 193.0),
    (2, 251.0),
    (2, 308.0),
    (2, 379.0),
    (2, 449.0),
    (2, 526.0),
    (2, 602.0),
    (4, 340.0),
    (4, 378.0),
    (4, 434.0),
    (4, 490.0),
    (4, 553.0),
    (4, 616.0),
    (6, 438.0),
    (6, 466.0),
    (6, 517.0),
    (6, 567.0),
    (6, 616.0),
    (6, 666.0),
    (6, 719.0),
    (6, 772.0),
    (2, 0.0),
    (4, 0.0),
    (6, 0.0),
];
const T4: [(u8, f64); 32] = [
    (2, 120.0),
    (2, 193.0),
    (2, 449.0),
    (4, 378.0),
    (4, 490.0),
    (4, 616.0),
    (6, 466.0),
    (6, 517.0),
    (6, 567.0),
    (6, 616.0),
    (6, 666.0),
    (6, 719.0),
    (6, 772.0),
    (6, 822.0),
    (6, 873.0),
    (8, 682.5),
    (8, 711.0),
    (8, 754.0),
    (8, 797.0),
    (8, 841.0),
    (8, 885.0),
    (8, 916.5),
    (8, 948.0),
    (10, 805.5),
    (10, 853.0),
    (10, 900.5),
    (10, 948.0),
    (2, 0.0),
    (4, 0.0),
    (6, 0.0),
    (8, 0.0),
    (10, 0.0),
];

impl McsTable {
    /// All four tables.
    pub const ALL: [McsTable; 4] = [
        McsTable::Qam64,
        McsTable::Qam256,
        McsTable::Qam64LowSe,
        McsTable::Qam1024,
    ];

    /// The RRC/MATLAB name: `qam64`, `qam256`, `qam64LowSE`, `qam1024`.
    pub fn name(self) -> &'static str {
        match self {
            McsTable::Qam64 => "qam64",
            McsTable::Qam256 => "qam256",
            McsTable::Qam64LowSe => "qam64LowSE",
            McsTable::Qam1024 => "qam1024",
        }
    }

    /// The table of a name (as [`McsTable::name`], exactly).
    pub fn from_name(s: &str) -> Result<Self, Error> {
        McsTable::ALL
            .into_iter()
            .find(|t| t.name() == s)
            .ok_or_else(|| Error::invalid("MCS table", "qam64, qam256, qam64LowSE or qam1024", s))
    }

    /// The table number of TS 38.214 (5.1.3.1-1 … -4).
    pub fn number(self) -> u8 {
        match self {
            McsTable::Qam64 => 1,
            McsTable::Qam256 => 2,
            McsTable::Qam64LowSe => 3,
            McsTable::Qam1024 => 4,
        }
    }

    fn rows(self) -> &'static [(u8, f64); 32] {
        match self {
            McsTable::Qam64 => &T1,
            McsTable::Qam256 => &T2,
            McsTable::Qam64LowSe => &T3,
            McsTable::Qam1024 => &T4,
        }
    }

    /// The highest MCS index with a code rate (28, 27, 28, 26).
    pub fn max_mcs(self) -> u8 {
        let n = self.rows().iter().filter(|r| r.1 > 0.0).count();
        (n - 1) as u8
    }

    /// Row `mcs` (0…31).
    pub fn entry(self, mcs: u8) -> Result<McsEntry, Error> {
        let &(qm, r) = self
            .rows()
            .get(usize::from(mcs))
            .ok_or_else(|| Error::invalid("MCS index", "0..=31", mcs))?;
        Ok(McsEntry {
            qm,
            r_x1024: (r > 0.0).then_some(r),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_shapes_and_names() {
        assert_eq!(McsTable::Qam64.max_mcs(), 28);
        assert_eq!(McsTable::Qam256.max_mcs(), 27);
        assert_eq!(McsTable::Qam64LowSe.max_mcs(), 28);
        assert_eq!(McsTable::Qam1024.max_mcs(), 26);
        for t in McsTable::ALL {
            assert_eq!(McsTable::from_name(t.name()).unwrap(), t);
            // Q_m never falls and the rate rises within each modulation order (the spectral
            // efficiency may dip at a change of order: Table 1, MCS 16 -> 17).
            let mut last = (0u8, 0.0);
            for m in 0..=t.max_mcs() {
                let e = t.entry(m).unwrap();
                let r = e.r_x1024.unwrap();
                assert!(
                    e.qm > last.0 || (e.qm == last.0 && r > last.1),
                    "{} mcs {m}",
                    t.name()
                );
                last = (e.qm, r);
            }
            for m in t.max_mcs() + 1..32 {
                assert!(t.entry(m).unwrap().r_x1024.is_none());
            }
            assert!(t.entry(32).is_err());
        }
        assert!(McsTable::from_name("qam64lowse").is_err());
        let e = McsTable::Qam256.entry(27).unwrap();
        assert_eq!(
            (e.qm, e.r_x1024, e.modulation()),
            (8, Some(948.0), Modulation::Qam256)
        );
    }

    /// The spectral-efficiency column of the tables (as printed, 4 decimals) against
    /// Q_m · R / 1024: catches a transcription error in either column.
    #[test]
    fn spectral_efficiency_column() {
        let se: [&[f64]; 4] = [
            &[
                0.2344, 0.3066, 0.3770, 0.4902, 0.6016, 0.7402, 0.8770, 1.0273, 1.1758, 1.3262,
                1.3281, 1.4766, 1.6953, 1.9141, 2.1602, 2.4063, 2.5703, 2.5664, 2.7305, 3.0293,
                3.3223, 3.6094, 3.9023, 4.2129, 4.5234, 4.8164, 5.1152, 5.3320, 5.5547,
            ],
            &[
                0.2344, 0.3770, 0.6016, 0.8770, 1.1758, 1.4766, 1.6953, 1.9141, 2.1602, 2.4063,
                2.5703, 2.7305, 3.0293, 3.3223, 3.6094, 3.9023, 4.2129, 4.5234, 4.8164, 5.1152,
                5.3320, 5.5547, 5.8906, 6.2266, 6.5703, 6.9141, 7.1602, 7.4063,
            ],
            &[
                0.0586, 0.0781, 0.0977, 0.1250, 0.1523, 0.1934, 0.2344, 0.3066, 0.3770, 0.4902,
                0.6016, 0.7402, 0.8770, 1.0273, 1.1758, 1.3281, 1.4766, 1.6953, 1.9141, 2.1602,
                2.4063, 2.5664, 2.7305, 3.0293, 3.3223, 3.6094, 3.9023, 4.2129, 4.5234,
            ],
            &[
                0.2344, 0.3770, 0.8770, 1.4766, 1.9141, 2.4063, 2.7305, 3.0293, 3.3223, 3.6094,
                3.9023, 4.2129, 4.5234, 4.8164, 5.1152, 5.3320, 5.5547, 5.8906, 6.2266, 6.5703,
                6.9141, 7.1602, 7.4063, 7.8662, 8.3301, 8.7939, 9.2578,
            ],
        ];
        for (t, col) in McsTable::ALL.into_iter().zip(se) {
            assert_eq!(col.len(), usize::from(t.max_mcs()) + 1);
            for (m, &want) in col.iter().enumerate() {
                let got = t.entry(m as u8).unwrap().spectral_efficiency().unwrap();
                assert!(
                    (got - want).abs() < 6e-5,
                    "{} mcs {m}: {got} vs {want}",
                    t.name()
                );
            }
        }
    }
}
