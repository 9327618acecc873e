//! The candidates of a search: which SS_REF frequencies and SSB spacings to try
//! (TS 38.104 §5.4.3: the sync raster, Table 5.4.3.3-1 for the spacings per range).

use nrkit_core::Error;

use super::{check_cfo_range, check_scs, MAX_SAMPLE_RATE, N_W};

/// Most candidates one search builds (each holds its own correlator state).
pub const MAX_CANDIDATES: usize = 4096;

/// A frequency and SSB spacing a search tries (see [`scan_candidates`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SearchCandidate {
    /// SS_REF in Hz (absolute when the centre is known, else relative to it).
    pub freq_hz: f64,
    /// SS_REF minus the recording's centre, in Hz.
    pub offset_hz: f64,
    /// SSB subcarrier spacing in kHz.
    pub scs_khz: u32,
    /// On the sync raster (or given by the user): a cell found here is reported at
    /// `freq_hz`; otherwise at `freq_hz` plus its measured CFO.
    pub on_raster: bool,
}

/// The default SSB spacings of a frequency range: 30 and 15 kHz in FR1, 120 and 240 kHz in
/// FR2 (from 24.25 GHz; TS 38.104 Table 5.4.3.3-1).
pub fn default_spacings(freq_hz: Option<f64>) -> Vec<u32> {
    if freq_hz.is_some_and(|f| f >= 24.25e9) {
        vec![120, 240]
    } else {
        vec![30, 15]
    }
}

/// The default spacings of [`default_spacings`] that a recording at `sample_rate` can
/// hold (the SSB's 240 subcarriers within the band); when it is too narrow for all of
/// them, all of them (the search then says why it cannot run).
pub fn spacings_for_rate(sample_rate: f64, freq_hz: Option<f64>) -> Vec<u32> {
    let all = default_spacings(freq_hz);
    let fit: Vec<u32> = all
        .iter()
        .copied()
        .filter(|&s| 240.0 * f64::from(s) * 1e3 <= sample_rate)
        .collect();
    if fit.is_empty() {
        all
    } else {
        fit
    }
}

/// The candidates of a search of a recording at `sample_rate` for each of `spacings`: with
/// `ssb_freq`, that frequency; else, with a known `center`, the centre and every GSCN
/// (TS 38.104 §5.4.3.1) whose SSB (240 subcarriers) plus the CFO range fits in the band;
/// without a centre, a grid of offsets `2 × cfo_range` apart across the band. `cfo_range`
/// defaults to one subcarrier spacing, as in [`super::SearchConfig::new`].
///
/// Errors name the parameter: a sample rate that is not finite and positive (or above
/// [`MAX_SAMPLE_RATE`]), a centre or SSB frequency that is not finite, a spacing other
/// than 15/30/120/240 kHz, a CFO range outside 0…4 spacings (or 0 for a grid scan, whose
/// step it sets), or more than [`MAX_CANDIDATES`] candidates.
pub fn scan_candidates(
    sample_rate: f64,
    center: Option<f64>,
    ssb_freq: Option<f64>,
    spacings: &[u32],
    cfo_range: Option<f64>,
) -> Result<Vec<SearchCandidate>, Error> {
    if !(sample_rate.is_finite() && sample_rate > 0.0 && sample_rate <= MAX_SAMPLE_RATE) {
        return Err(Error::invalid(
            "sample rate",
            format!("> 0 and <= {MAX_SAMPLE_RATE} Hz"),
            sample_rate,
        ));
    }
    if let Some(f) = center.filter(|f| !f.is_finite()) {
        return Err(Error::invalid("centre frequency", "finite Hz", f));
    }
    if let Some(f) = ssb_freq.filter(|f| !f.is_finite()) {
        return Err(Error::invalid("SSB frequency", "finite Hz", f));
    }
    let fc = center.unwrap_or(0.0);
    let mut out = Vec::new();
    for &scs_khz in spacings {
        check_scs(scs_khz)?;
        if let Some(r) = cfo_range {
            check_cfo_range(r, scs_khz)?;
        }
        let at = |freq_hz: f64, on_raster: bool| SearchCandidate {
            freq_hz,
            offset_hz: freq_hz - fc,
            scs_khz,
            on_raster,
        };
        if let Some(f) = ssb_freq {
            out.push(at(f, true));
            continue;
        }
        let scs_hz = f64::from(scs_khz) * 1e3;
        let cfo = cfo_range.unwrap_or(scs_hz);
        let half = (0.5 * sample_rate - 120.0 * scs_hz - cfo).max(0.0);
        match center {
            Some(fc) => {
                out.push(at(fc, false));
                for (_, f) in crate::ssb::raster::gscns_between(fc - half, fc + half) {
                    if (f - fc).abs() > 1.0 {
                        out.push(at(f, true));
                    }
                }
            }
            None => {
                if cfo <= 0.0 {
                    return Err(Error::invalid(
                        "CFO range",
                        "> 0 Hz for a scan without a centre frequency (it sets the grid step)",
                        cfo,
                    ));
                }
                let step = 2.0 * cfo;
                let k = (half / step).floor();
                if 2.0 * k + 1.0 + out.len() as f64 > MAX_CANDIDATES as f64 {
                    return Err(too_many(2.0 * k + 1.0 + out.len() as f64));
                }
                let k = k as i64;
                out.extend((-k..=k).map(|i| at(i as f64 * step, false)));
            }
        }
        if out.len() > MAX_CANDIDATES {
            return Err(too_many(out.len() as f64));
        }
    }
    Ok(out)
}

fn too_many(n: f64) -> Error {
    Error::invalid(
        "search candidates",
        format!(
            "at most {MAX_CANDIDATES} (give the SSB frequency, the centre frequency or a wider CFO range)"
        ),
        n,
    )
}

/// The working sample rate of a search for SSB spacing `scs_khz`: 384 · Δf.
pub fn working_rate(scs_khz: u32) -> f64 {
    N_W as f64 * f64::from(scs_khz) * 1e3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_candidates_cover_the_raster_and_the_grid() {
        // 30.72 Msps around 3.5 GHz, 30 kHz: the SSB (±3.6 MHz) and the CFO range (30 kHz)
        // leave ±11.73 MHz for SS_REF: GSCN N = 340…355 (1.44 MHz apart) plus the centre.
        let c = scan_candidates(30.72e6, Some(3.5e9), None, &[30], None).unwrap();
        assert_eq!(c.len(), 1 + 16);
        assert_eq!((c[0].offset_hz, c[0].on_raster), (0.0, false));
        assert!(c[1..]
            .iter()
            .all(|x| x.on_raster && x.offset_hz.abs() <= 11.73e6));
        assert_eq!(
            crate::ssb::raster::freq_to_gscn(c[1].freq_hz),
            Some(7499 + 340)
        );
        // A given frequency is the only candidate per spacing.
        let c = scan_candidates(30.72e6, Some(3.5e9), Some(3.51e9), &[30, 15], None).unwrap();
        assert_eq!(c.len(), 2);
        assert!(c.iter().all(|x| x.offset_hz == 10e6 && x.on_raster));
        // No centre: offsets 2 × 30 kHz apart, symmetric around 0.
        let c = scan_candidates(15.36e6, None, None, &[30], None).unwrap();
        assert_eq!(c.len() % 2, 1);
        assert!(c
            .windows(2)
            .all(|w| (w[1].offset_hz - w[0].offset_hz - 60e3).abs() < 1e-6));
        assert_eq!(c[c.len() / 2].offset_hz, 0.0);
        assert_eq!(default_spacings(Some(28e9)), vec![120, 240]);
        assert_eq!(default_spacings(None), vec![30, 15]);
        // 3.84 Msps holds a 15 kHz SSB (3.6 MHz) but not a 30 kHz one.
        assert_eq!(spacings_for_rate(3.84e6, None), vec![15]);
        assert_eq!(spacings_for_rate(30.72e6, Some(3.5e9)), vec![30, 15]);
        assert_eq!(spacings_for_rate(1e6, None), vec![30, 15]);
    }

    #[test]
    fn scan_candidates_reject_bad_parameters() {
        let bad = [
            scan_candidates(15.36e6, None, None, &[30], Some(0.0)),
            scan_candidates(15.36e6, None, None, &[30], Some(1e-9)),
            scan_candidates(15.36e6, None, None, &[30], Some(-5.0)),
            scan_candidates(15.36e6, None, None, &[30], Some(f64::NAN)),
            scan_candidates(1e300, None, None, &[30], None),
            scan_candidates(f64::INFINITY, None, None, &[30], None),
            scan_candidates(0.0, None, None, &[30], None),
            scan_candidates(15.36e6, Some(f64::NAN), None, &[30], None),
            scan_candidates(15.36e6, None, Some(f64::INFINITY), &[30], None),
            scan_candidates(15.36e6, None, None, &[45], None),
            scan_candidates(3.9e9, None, None, &[15], Some(1.0)),
        ];
        for (i, b) in bad.iter().enumerate() {
            assert!(b.is_err(), "case {i}: {b:?}");
        }
        // A CFO range of 0 is fine when the frequency is given or the raster is scanned.
        assert!(scan_candidates(15.36e6, None, Some(0.0), &[30], Some(0.0)).is_ok());
        assert!(scan_candidates(15.36e6, Some(3.5e9), None, &[30], Some(0.0)).is_ok());
    }
}
