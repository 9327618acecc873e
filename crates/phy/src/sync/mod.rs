//! Synchronization and cell search on IQ streams: PSS detection with CFO search,
//! SSS → N_ID^(1), PBCH DMRS → ī_SSB, channel estimation, PBCH/BCH decoding → MIB.
//!
//! The input (any sample rate) is shifted so that SS_REF sits at 0 Hz and resampled to a
//! working rate of 384·Δf_SSB (5.76 Msps for 15 kHz, 11.52 Msps for 30 kHz); everything
//! below runs there, streaming, in bounded memory:
//!
//! 1. **PSS** (TS 38.211 §7.4.2.2): normalized cross-correlation |c|²/(E_t·E_x) of the
//!    stream with the three time-domain PSS symbols, each under CFO hypotheses every
//!    Δf/2 over ±`cfo_range_hz` (FFT overlap-save, 2048-point blocks). Local maxima per
//!    N_ID^(2) above a threshold are candidates.
//! 2. **CFO**: coarse from the winning hypothesis, fine from the phase between the two
//!    halves of the PSS correlation; the SSB is mixed down by the estimate.
//! 3. **OFDM**: the four symbols are transformed at the PSS timing (the PSS symbol never has
//!    the longer CP in any Case A–E position, so the symbol spacing is N + N_CP).
//! 4. **SSS** (§7.4.2.3): the PSS REs give a per-subcarrier channel; the SSS REs,
//!    equalized by it, are matched against the 336 SSS of that N_ID^(2)
//!    (magnitude, so per-symbol phase offsets such as §5.4 compensation do not matter).
//! 5. **PBCH DMRS** (§7.4.1.4.1): the 8 ī_SSB hypotheses are scored by the per-symbol
//!    coherent DMRS sums after removing the timing slope measured on the PSS.
//! 6. **Channel estimate**: per symbol, a complex gain and a common timing slope (phase per
//!    subcarrier) fitted to the DMRS, noise variance from the residual.
//! 7. **PBCH/BCH**: equalization, QPSK max-log LLRs, PBCH descrambling (ν from ī_SSB for
//!    L_max = 8/64, its 2 LSBs for L_max = 4), CA-SCL-8 polar decoding, CRC24C, BCH
//!    descrambling → MIB, SFN, half frame, SSB index. A candidate is reported only when the
//!    CRC passes.
//! 8. **Soft combining**: SSBs that fail alone are kept; those of one cell whose ī_SSB rise
//!    within one burst (≤ 4 ms) carry the same BCH codeword, so their descrambled LLRs are
//!    summed and decoded together (≈ 10·log10(n) dB gain for n SSBs).

//!
//! The modules: [`candidates`] (which frequencies and spacings to try), `correlator` (the
//! PSS correlator), `detector` (SSS, DMRS, channel estimate, PBCH LLRs), `combining` (BCH
//! decoding alone and soft-combined), [`CellSearcher`] (one candidate, streaming),
//! [`SearchBank`] (many candidates over one shared front end) and [`cells`] (detections
//! grouped into cells). Channel estimation and equalization are the shared
//! [`crate::estimation`] and [`crate::equalization`].

use nrkit_core::{Error, Pci, C32};
use nrkit_dsp::FftEngine;

use crate::ssb::pbch::Mib;

mod bank;
pub mod candidates;
pub mod cells;
mod combining;
mod correlator;
mod detector;
mod searcher;

pub use bank::SearchBank;
pub use candidates::{
    default_spacings, scan_candidates, spacings_for_rate, working_rate, SearchCandidate,
};
pub use cells::{group_cells, Cell};
pub use searcher::CellSearcher;

/// Working FFT size (samples per useful symbol at the working rate).
pub(crate) const N_W: usize = 384;

/// Highest input sample rate a search accepts, Hz (an FR2 400 MHz carrier is sampled at
/// 491.52 Msps; this leaves room for oversampled recordings).
pub const MAX_SAMPLE_RATE: f64 = 4.0e9;

/// Widest CFO search range, in SSB subcarrier spacings (±4·Δf; a wider offset is a
/// different frequency candidate, see [`scan_candidates`]).
pub const MAX_CFO_RANGE_SCS: f64 = 4.0;

/// Search parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchConfig {
    /// Input sample rate in Hz: finite, at least the SSB's 240 subcarriers, at most
    /// [`MAX_SAMPLE_RATE`].
    pub sample_rate: f64,
    /// SS_REF frequency minus the recording's centre, in Hz (the SSB inside ±fs/2).
    pub ssb_offset_hz: f64,
    /// SSB subcarrier spacing in kHz: 15, 30 (FR1), 120, 240 (FR2).
    pub scs_ssb_khz: u32,
    /// CFO search range ± Hz: 0 … [`MAX_CFO_RANGE_SCS`]·Δf (default one subcarrier
    /// spacing).
    pub cfo_range_hz: f64,
    /// Normalized PSS correlation threshold (0…1).
    pub pss_threshold: f32,
    /// Polar list size (1…32).
    pub list: usize,
    /// Soft-combine the PBCH of SSBs of one burst that fail alone (default on).
    pub soft_combining: bool,
}

impl SearchConfig {
    /// Defaults for a given input rate, SSB offset and spacing.
    pub fn new(sample_rate: f64, ssb_offset_hz: f64, scs_ssb_khz: u32) -> Self {
        SearchConfig {
            sample_rate,
            ssb_offset_hz,
            scs_ssb_khz,
            cfo_range_hz: f64::from(scs_ssb_khz) * 1e3,
            pss_threshold: 0.045,
            list: 8,
            soft_combining: true,
        }
    }

    /// Checks every field against its documented range.
    pub fn validate(&self) -> Result<(), Error> {
        check_scs(self.scs_ssb_khz)?;
        let scs = f64::from(self.scs_ssb_khz) * 1e3;
        check_sample_rate(self.sample_rate, self.scs_ssb_khz)?;
        if !self.ssb_offset_hz.is_finite()
            || self.ssb_offset_hz.abs() + 120.0 * scs > self.sample_rate / 2.0
        {
            return Err(Error::invalid(
                "SSB frequency offset",
                "the SSB's 240 subcarriers inside ±fs/2",
                self.ssb_offset_hz,
            ));
        }
        check_cfo_range(self.cfo_range_hz, self.scs_ssb_khz)?;
        if !(self.pss_threshold > 0.0 && self.pss_threshold < 1.0) {
            return Err(Error::invalid(
                "PSS threshold",
                "0 < threshold < 1",
                self.pss_threshold,
            ));
        }
        if !(1..=32).contains(&self.list) {
            return Err(Error::invalid("polar list size", "1..=32", self.list));
        }
        Ok(())
    }
}

/// The SSB spacing must be 15, 30, 120 or 240 kHz.
pub(crate) fn check_scs(scs_ssb_khz: u32) -> Result<(), Error> {
    if [15, 30, 120, 240].contains(&scs_ssb_khz) {
        Ok(())
    } else {
        Err(Error::invalid(
            "SSB subcarrier spacing",
            "15, 30, 120 or 240 kHz",
            scs_ssb_khz,
        ))
    }
}

/// The input rate must be finite, hold the 240 subcarriers of the SSB and be at most
/// [`MAX_SAMPLE_RATE`].
pub(crate) fn check_sample_rate(sample_rate: f64, scs_ssb_khz: u32) -> Result<(), Error> {
    let scs = f64::from(scs_ssb_khz) * 1e3;
    if !(sample_rate.is_finite() && sample_rate > 0.0 && sample_rate <= MAX_SAMPLE_RATE) {
        return Err(Error::invalid(
            "sample rate",
            format!("> 0 and <= {MAX_SAMPLE_RATE} Hz"),
            sample_rate,
        ));
    }
    if sample_rate < 240.0 * scs {
        return Err(Error::invalid(
            "sample rate",
            format!(
                ">= {} Hz (the 240 subcarriers of a {} kHz SSB)",
                240.0 * scs,
                scs_ssb_khz
            ),
            sample_rate,
        ));
    }
    Ok(())
}

/// The CFO range must be finite, ≥ 0 and at most [`MAX_CFO_RANGE_SCS`] spacings.
pub(crate) fn check_cfo_range(cfo_range_hz: f64, scs_ssb_khz: u32) -> Result<(), Error> {
    let max = MAX_CFO_RANGE_SCS * f64::from(scs_ssb_khz) * 1e3;
    if cfo_range_hz.is_finite() && (0.0..=max).contains(&cfo_range_hz) {
        Ok(())
    } else {
        Err(Error::invalid(
            "CFO range",
            format!("0..={max} Hz (±{MAX_CFO_RANGE_SCS} SSB subcarrier spacings)"),
            cfo_range_hz,
        ))
    }
}

/// One decoded SSB.
#[derive(Debug, Clone, PartialEq)]
pub struct SsbDetection {
    /// Physical cell identity.
    pub pci: Pci,
    /// SSB index (for L_max = 64 including the 3 MSBs from the BCH).
    pub ssb_index: u8,
    /// Half frame 0 or 1.
    pub half_frame: u8,
    /// The decoded MIB (full SFN of this SSB's frame, full k_SSB in FR1).
    pub mib: Mib,
    /// L_max the decoding settled on (4 or 8 are indistinguishable for ī_SSB < 4 with half
    /// frame 0; then 8 is reported).
    pub l_max: u8,
    /// First input sample of the CP of the SSB's first OFDM symbol.
    pub sample_offset: u64,
    /// Frequency offset of the SSB from the nominal SS_REF, Hz.
    pub cfo_hz: f64,
    /// SNR per RE on the DMRS, dB.
    pub snr_db: f64,
    /// Received power per RE as a tone relative to a full-scale (|x| = 1) tone, dBFS.
    pub rsrp_dbfs: f64,
}

/// Convenience: searches a whole buffer.
pub fn search_samples(
    cfg: SearchConfig,
    x: &[C32],
    engine: &mut FftEngine,
) -> Result<Vec<SsbDetection>, Error> {
    let mut s = CellSearcher::new(cfg, engine)?;
    let mut out = Vec::new();
    for chunk in x.chunks(1 << 16) {
        out.extend(s.push(chunk)?);
    }
    out.extend(s.finish()?);
    Ok(out)
}
