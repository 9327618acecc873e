//! Transport block size determination for the PDSCH (TS 38.214 §5.1.3.2).
//!
//! 1. N'_RE = 12 · N_symb^sh − N_DMRS^PRB − N_oh^PRB (REs per PRB in the allocation,
//!    without DMRS and the xOverhead), N_RE = min(156, N'_RE) · n_PRB.
//! 2. N_info = S · N_RE · R · Q_m · υ (S the TB scaling of P-/RA-RNTI, 1 otherwise).
//! 3. N_info ≤ 3824: n = max(3, ⌊log2 N_info⌋ − 6), N'_info = max(24, 2^n ⌊N_info / 2^n⌋),
//!    TBS = the smallest entry of Table 5.1.3.2-1 not below N'_info.
//! 4. N_info > 3824: n = ⌊log2(N_info − 24)⌋ − 5,
//!    N'_info = max(3840, 2^n · round((N_info − 24) / 2^n)) (round half away from zero),
//!    then with C code blocks of at most 3816 (R ≤ 1/4) or 8424 bits:
//!    TBS = 8·C·⌈(N'_info + 24) / (8·C)⌉ − 24.

use nrkit_core::Error;

/// TS 38.214 Table 5.1.3.2-1: TBS for N_info ≤ 3824.
pub const SMALL_TBS: [u32; 93] = [
    24, 32, 40, 48, 56, 64, 72, 80, 88, 96, 104, 112, 120, 128, 136, 144, 152, 160, 168, 176, 184,
    192, 208, 224, 240, 256, 272, 288, 304, 320, 336, 352, 368, 384, 408, 432, 456, 480, 504, 528,
    552, 576, 608, 640, 672, 704, 736, 768, 808, 848, 888, 928, 984, 1032, 1064, 1128, 1160, 1192,
    1224, 1256, 1288, 1320, 1352, 1416, 1480, 1544, 1608, 1672, 1736, 1800, 1864, 1928, 2024, 2088,
    2152, 2216, 2280, 2408, 2472, 2536, 2600, 2664, 2728, 2792, 2856, 2976, 3104, 3240, 3368, 3496,
    3624, 3752, 3824,
];

/// What the TBS depends on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TbsParams {
    /// PRBs allocated, n_PRB (1…275).
    pub n_prb: u32,
    /// OFDM symbols of the allocation, N_symb^sh (1…14).
    pub n_symbols: u32,
    /// DMRS REs per PRB in the allocation, N_DMRS^PRB (including CDM groups without data).
    pub n_dmrs_per_prb: u32,
    /// xOverhead, N_oh^PRB: 0, 6, 12 or 18.
    pub x_overhead: u32,
    /// Layers υ (1…4 for one codeword).
    pub num_layers: u32,
    /// Modulation order Q_m (1, 2, 4, 6, 8, 10).
    pub qm: u8,
    /// Target code rate R (0 < R < 1).
    pub rate: f64,
    /// TB scaling S (TS 38.214 Table 5.1.3.2-2: 1, 0.5 or 0.25; 1 unless P-/RA-RNTI).
    pub scaling: f64,
}

impl TbsParams {
    /// Checks every field's range.
    pub fn validate(&self) -> Result<(), Error> {
        if !(1..=275).contains(&self.n_prb) {
            return Err(Error::invalid("PRBs n_PRB", "1..=275", self.n_prb));
        }
        if !(1..=14).contains(&self.n_symbols) {
            return Err(Error::invalid("PDSCH symbols", "1..=14", self.n_symbols));
        }
        if self.n_dmrs_per_prb > 12 * self.n_symbols {
            return Err(Error::invalid(
                "DMRS REs per PRB",
                format!("0..={} (12 per symbol)", 12 * self.n_symbols),
                self.n_dmrs_per_prb,
            ));
        }
        if ![0, 6, 12, 18].contains(&self.x_overhead) {
            return Err(Error::invalid(
                "xOverhead",
                "0, 6, 12 or 18",
                self.x_overhead,
            ));
        }
        if !(1..=4).contains(&self.num_layers) {
            return Err(Error::invalid(
                "layers (one codeword)",
                "1..=4",
                self.num_layers,
            ));
        }
        if ![1, 2, 4, 6, 8, 10].contains(&self.qm) {
            return Err(Error::invalid(
                "modulation order Q_m",
                "1, 2, 4, 6, 8 or 10",
                self.qm,
            ));
        }
        if !(self.rate > 0.0 && self.rate < 1.0) {
            return Err(Error::invalid("target code rate", "0 < R < 1", self.rate));
        }
        if ![1.0, 0.5, 0.25].contains(&self.scaling) {
            return Err(Error::invalid("TB scaling", "1, 0.5 or 0.25", self.scaling));
        }
        Ok(())
    }

    /// N_RE = min(156, N'_RE) · n_PRB (0 when the overhead takes every RE).
    pub fn n_re(&self) -> u32 {
        let per_prb = (12 * self.n_symbols).saturating_sub(self.n_dmrs_per_prb + self.x_overhead);
        per_prb.min(156) * self.n_prb
    }

    /// N_info = S · N_RE · R · Q_m · υ.
    pub fn n_info(&self) -> f64 {
        self.scaling
            * f64::from(self.n_re())
            * self.rate
            * f64::from(self.qm)
            * f64::from(self.num_layers)
    }
}

/// The transport block size in bits (TS 38.214 §5.1.3.2); 0 when no RE is left for data.
pub fn tbs(p: &TbsParams) -> Result<u32, Error> {
    p.validate()?;
    let n_info = p.n_info();
    if n_info <= 0.0 {
        return Ok(0);
    }
    if n_info <= 3824.0 {
        let n = (n_info.log2().floor() as i32 - 6).max(3);
        let step = f64::from(1u32 << n);
        let n_info_q = ((n_info / step).floor() * step).max(24.0);
        let t = SMALL_TBS
            .iter()
            .copied()
            .find(|&t| f64::from(t) >= n_info_q)
            .expect("N'_info <= 3824 is in the table");
        return Ok(t);
    }
    let n = (n_info - 24.0).log2().floor() as i32 - 5;
    let step = 2f64.powi(n);
    // f64::round rounds half away from zero, as the specification's round().
    let n_info_q = (step * ((n_info - 24.0) / step).round()).max(3840.0);
    let c = if p.rate <= 0.25 {
        ((n_info_q + 24.0) / 3816.0).ceil()
    } else if n_info_q > 8424.0 {
        ((n_info_q + 24.0) / 8424.0).ceil()
    } else {
        1.0
    };
    Ok((8.0 * c * ((n_info_q + 24.0) / (8.0 * c)).ceil() - 24.0) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(n_prb: u32, qm: u8, r_x1024: f64, layers: u32) -> TbsParams {
        TbsParams {
            n_prb,
            n_symbols: 12,
            n_dmrs_per_prb: 12,
            x_overhead: 0,
            num_layers: layers,
            qm,
            rate: r_x1024 / 1024.0,
            scaling: 1.0,
        }
    }

    #[test]
    fn known_sizes_and_bounds() {
        // 1 PRB, QPSK R=120/1024: N_RE = 132, N_info = 30.9, n = 3, N'_info = 24 -> 24.
        assert_eq!(tbs(&p(1, 2, 120.0, 1)).unwrap(), 24);
        // The largest single-layer case: 273 PRB, 256QAM 948/1024, 156 REs per PRB capped.
        let mut big = p(273, 8, 948.0, 1);
        big.n_symbols = 14;
        assert!(tbs(&big).unwrap() > 300_000);
        // Every result is a multiple of 8 and the small table is ascending.
        assert!(SMALL_TBS.windows(2).all(|w| w[0] < w[1]));
        for n_prb in [1, 5, 24, 51, 106, 273] {
            for (qm, r) in [(2, 120.0), (4, 490.0), (6, 948.0), (8, 682.5)] {
                for layers in 1..=4 {
                    assert_eq!(tbs(&p(n_prb, qm, r, layers)).unwrap() % 8, 0);
                }
            }
        }
        // Overhead that leaves nothing: TBS 0.
        let mut none = p(10, 2, 120.0, 1);
        none.n_symbols = 1;
        none.n_dmrs_per_prb = 6;
        none.x_overhead = 6;
        assert_eq!(tbs(&none).unwrap(), 0);
        for bad in [
            TbsParams {
                n_prb: 0,
                ..p(1, 2, 120.0, 1)
            },
            TbsParams {
                n_prb: 276,
                ..p(1, 2, 120.0, 1)
            },
            TbsParams {
                n_symbols: 15,
                ..p(1, 2, 120.0, 1)
            },
            TbsParams {
                x_overhead: 7,
                ..p(1, 2, 120.0, 1)
            },
            TbsParams {
                num_layers: 5,
                ..p(1, 2, 120.0, 1)
            },
            TbsParams {
                qm: 3,
                ..p(1, 2, 120.0, 1)
            },
            TbsParams {
                rate: f64::NAN,
                ..p(1, 2, 120.0, 1)
            },
            TbsParams {
                rate: 1.0,
                ..p(1, 2, 120.0, 1)
            },
            TbsParams {
                scaling: 0.3,
                ..p(1, 2, 120.0, 1)
            },
            TbsParams {
                n_dmrs_per_prb: 200,
                ..p(1, 2, 120.0, 1)
            },
        ] {
            assert!(tbs(&bad).is_err(), "{bad:?}");
        }
    }
}
