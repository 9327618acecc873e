//! Frequency rasters: the NR-ARFCN channel raster (TS 38.104 §5.4.2.1) and the
//! synchronization raster of GSCN numbers (TS 38.104 §5.4.3.1, Table 5.4.3.1-1), and the SSB
//! position from Point A (TS 38.211 §4.4.4.2, TS 38.213 §4.1).
//!
//! Frequencies are in Hz. The three frequency ranges of both rasters:
//!
//! | range (MHz) | NR-ARFCN: ΔF_Global, F_REF-Offs, N_REF-Offs | GSCN: SS_REF |
//! |---|---|---|
//! | 0 – 3000 | 5 kHz, 0, 0 | N·1200 kHz + M·50 kHz, N = 1…2499, M ∈ {1,3,5}; GSCN = 3N + (M−3)/2 |
//! | 3000 – 24250 | 15 kHz, 3000 MHz, 600000 | 3000 MHz + N·1.44 MHz, N = 0…14756; GSCN = 7499 + N |
//! | 24250 – 100000 | 60 kHz, 24250.08 MHz, 2016667 | 24250.08 MHz + N·17.28 MHz, N = 0…4383; GSCN = 22256 + N |

use nrkit_core::Error;

/// Lowest and highest GSCN (TS 38.104 Table 5.4.3.1-1).
pub const GSCN_RANGE: (u32, u32) = (2, 26639);
/// Highest NR-ARFCN (TS 38.104 Table 5.4.2.1-1).
pub const ARFCN_MAX: u32 = 3_279_165;

/// SS_REF of a GSCN (TS 38.104 §5.4.3.1).
pub fn gscn_to_freq(gscn: u32) -> Result<f64, Error> {
    match gscn {
        2..=7498 => {
            // GSCN = 3N + (M − 3)/2 with M ∈ {1, 3, 5}.
            let n = (gscn + 1) / 3;
            let m = 2 * (gscn as i64 - 3 * n as i64) + 3;
            Ok(n as f64 * 1.2e6 + m as f64 * 50e3)
        }
        7499..=22255 => Ok(3000e6 + (gscn - 7499) as f64 * 1.44e6),
        22256..=26639 => Ok(24250.08e6 + (gscn - 22256) as f64 * 17.28e6),
        _ => Err(Error::invalid("GSCN", "2..=26639", gscn)),
    }
}

/// The GSCN whose SS_REF is `freq_hz` (within 1 Hz), if any.
pub fn freq_to_gscn(freq_hz: f64) -> Option<u32> {
    gscns_between(freq_hz - 1.0, freq_hz + 1.0)
        .first()
        .map(|&(g, _)| g)
}

/// Every GSCN with SS_REF in `[lo_hz, hi_hz]`, ascending, with its SS_REF.
pub fn gscns_between(lo_hz: f64, hi_hz: f64) -> Vec<(u32, f64)> {
    let mut out = Vec::new();
    if !(lo_hz.is_finite() && hi_hz.is_finite()) || hi_hz < lo_hz {
        return out;
    }
    // Start just below the first candidate of each range and walk up.
    let first = |f: f64| -> u32 {
        // Clamped so that absurd inputs cannot overflow the arithmetic below (the GSCN
        // clamp follows anyway).
        let f = f.clamp(0.0, 1e12);
        let g = if f < 3000e6 {
            (f / 1.2e6 * 3.0).floor() as i64 - 3
        } else if f < 24250e6 {
            7499 + ((f - 3000e6) / 1.44e6).floor() as i64 - 1
        } else {
            22256 + ((f - 24250.08e6) / 17.28e6).floor() as i64 - 1
        };
        g.clamp(GSCN_RANGE.0 as i64, GSCN_RANGE.1 as i64) as u32
    };
    let mut g = first(lo_hz);
    while g <= GSCN_RANGE.1 {
        let f = gscn_to_freq(g).expect("in range");
        if f > hi_hz {
            break;
        }
        if f >= lo_hz {
            out.push((g, f));
        }
        g += 1;
    }
    out
}

/// F_REF of an NR-ARFCN (TS 38.104 §5.4.2.1).
pub fn arfcn_to_freq(n: u32) -> Result<f64, Error> {
    match n {
        0..=599_999 => Ok(n as f64 * 5e3),
        600_000..=2_016_666 => Ok(3000e6 + (n - 600_000) as f64 * 15e3),
        2_016_667..=ARFCN_MAX => Ok(24250.08e6 + (n - 2_016_667) as f64 * 60e3),
        _ => Err(Error::invalid("NR-ARFCN", "0..=3279165", n)),
    }
}

/// The NR-ARFCN of `freq_hz` when it lies on the channel raster (within 1 Hz).
pub fn freq_to_arfcn(freq_hz: f64) -> Option<u32> {
    let (n, back) = if freq_hz < 3000e6 {
        let n = (freq_hz / 5e3).round();
        (n, n * 5e3)
    } else if freq_hz < 24250.08e6 {
        let k = ((freq_hz - 3000e6) / 15e3).round();
        (600_000.0 + k, 3000e6 + k * 15e3)
    } else {
        let k = ((freq_hz - 24250.08e6) / 60e3).round();
        (2_016_667.0 + k, 24250.08e6 + k * 60e3)
    };
    (n >= 0.0 && n <= ARFCN_MAX as f64 && (back - freq_hz).abs() <= 1.0).then_some(n as u32)
}

/// SS_REF (the centre of SSB subcarrier 120) from Point A: the SSB's subcarrier 0 lies
/// `offset_to_point_a` common resource blocks plus `k_ssb` subcarriers above Point A
/// (TS 38.211 §7.4.3.1, TS 38.213 §4.1). In FR1 both are in 15 kHz units; in FR2
/// offsetToPointA is in 60 kHz RBs and k_SSB in units of the common SCS (`scs_common_khz`).
pub fn ssb_freq_from_point_a(
    point_a_hz: f64,
    offset_to_point_a: u32,
    k_ssb: u32,
    scs_ssb_khz: u32,
    scs_common_khz: u32,
    fr2: bool,
) -> f64 {
    let (rb_scs, k_unit) = if fr2 {
        (60e3, f64::from(scs_common_khz) * 1e3)
    } else {
        (15e3, 15e3)
    };
    point_a_hz
        + f64::from(offset_to_point_a) * 12.0 * rb_scs
        + f64::from(k_ssb) * k_unit
        + 120.0 * f64::from(scs_ssb_khz) * 1e3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gscn_table_values() {
        // TS 38.104 Table 5.4.3.1-1 and its ends.
        assert_eq!(gscn_to_freq(2).unwrap(), 1.2e6 + 50e3); // N=1, M=1
        assert_eq!(gscn_to_freq(3).unwrap(), 1.2e6 + 150e3); // N=1, M=3
        assert_eq!(gscn_to_freq(4).unwrap(), 1.2e6 + 250e3); // N=1, M=5
        assert_eq!(gscn_to_freq(5279).unwrap(), 1760.0 * 1.2e6 + 50e3); // 2112.05 MHz
        assert_eq!(gscn_to_freq(7498).unwrap(), 2499.0 * 1.2e6 + 250e3);
        assert_eq!(gscn_to_freq(7499).unwrap(), 3000e6);
        assert!((gscn_to_freq(7711).unwrap() - 3305.28e6).abs() < 1e-3);
        assert!((gscn_to_freq(22255).unwrap() - (3000e6 + 14756.0 * 1.44e6)).abs() < 1e-3);
        assert_eq!(gscn_to_freq(22256).unwrap(), 24250.08e6);
        assert!((gscn_to_freq(26639).unwrap() - (24250.08e6 + 4383.0 * 17.28e6)).abs() < 1e-3);
        assert!(gscn_to_freq(1).is_err() && gscn_to_freq(26640).is_err());
    }

    #[test]
    fn absurd_band_edges_list_nothing_without_overflow() {
        // Found by the validation proptest: 1e300 Hz overflowed the GSCN arithmetic.
        assert!(gscns_between(1e300, 2e300).is_empty());
        assert!(gscns_between(-1e300, -1e299).is_empty());
        assert!(!gscns_between(0.0, 1e300).is_empty());
    }

    #[test]
    fn gscn_round_trip_and_band_listing() {
        for g in GSCN_RANGE.0..=GSCN_RANGE.1 {
            let f = gscn_to_freq(g).unwrap();
            assert_eq!(freq_to_gscn(f), Some(g), "GSCN {g} at {f}");
        }
        // n78 around 3.5 GHz: 3.45..3.55 GHz holds N = 313..382 (1.44 MHz apart).
        let v = gscns_between(3450e6, 3550e6);
        assert_eq!(v.first().unwrap().0, 7499 + 313);
        assert_eq!(v.last().unwrap().0, 7499 + 381);
        assert!(v
            .windows(2)
            .all(|w| (w[1].1 - w[0].1 - 1.44e6).abs() < 1e-3));
        // Below 3 GHz three candidates per 1.2 MHz.
        let v = gscns_between(2110e6, 2113.2e6);
        let khz: Vec<i64> = v.iter().map(|x| (x.1 / 1e3).round() as i64).collect();
        assert_eq!(
            khz,
            vec![2_110_850, 2_110_950, 2_111_050, 2_112_050, 2_112_150, 2_112_250]
        );
        assert!(v.iter().all(|&(g, fr)| gscn_to_freq(g).unwrap() == fr));
        assert!(gscns_between(5.0, 1.0).is_empty());
        assert_eq!(freq_to_gscn(3500.1e6), None);
    }

    #[test]
    fn arfcn_table_values() {
        // TS 38.104 Table 5.4.2.1-1.
        assert_eq!(arfcn_to_freq(0).unwrap(), 0.0);
        assert_eq!(arfcn_to_freq(599_999).unwrap(), 2999.995e6);
        assert_eq!(arfcn_to_freq(600_000).unwrap(), 3000e6);
        assert_eq!(arfcn_to_freq(636_666).unwrap(), 3000e6 + 36_666.0 * 15e3); // n78 3549.99 MHz
        assert_eq!(arfcn_to_freq(2_016_667).unwrap(), 24250.08e6);
        assert!(arfcn_to_freq(ARFCN_MAX + 1).is_err());
        for n in [
            0, 1, 422_000, 599_999, 600_000, 620_000, 2_016_666, 2_016_667, ARFCN_MAX,
        ] {
            assert_eq!(freq_to_arfcn(arfcn_to_freq(n).unwrap()), Some(n), "{n}");
        }
        assert_eq!(freq_to_arfcn(3000e6 + 7e3), None);
    }

    #[test]
    fn ssb_from_point_a() {
        // FR1, 30 kHz SSB: subcarrier 0 at Point A + 10 RBs + 3 × 15 kHz; SS_REF 120 SCS up.
        let f = ssb_freq_from_point_a(3400e6, 10, 3, 30, 30, false);
        assert_eq!(f, 3400e6 + 10.0 * 180e3 + 45e3 + 3.6e6);
        // FR2: RBs of 60 kHz, k_SSB in common-SCS units.
        let f = ssb_freq_from_point_a(28000e6, 2, 5, 120, 120, true);
        assert_eq!(f, 28000e6 + 2.0 * 720e3 + 5.0 * 120e3 + 120.0 * 120e3);
    }
}
