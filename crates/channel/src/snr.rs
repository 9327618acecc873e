//! SNR definitions and the noise variance per complex sample each implies.
//!
//! * [`Snr::PerSample`]: signal power per sample over noise power per sample, measured over
//!   the whole sample rate.
//! * [`Snr::PerResourceElement`]: the SNR of a resource element after the receiver's FFT,
//!   for a waveform whose REs have unit power and went through an IFFT scaled by 1/N_FFT
//!   (the nrkit, py3gpp and MATLAB convention): N_FFT = f_s / Δf, and the noise variance per
//!   sample is 10^(−SNR/10) / N_FFT. This is what the cell-search sensitivity report uses.
//! * [`Snr::EsN0`]: energy per modulation symbol over N0, for symbols of power `es` (per
//!   complex sample); the noise variance is es · 10^(−Es/N0/10).
//! * [`Snr::EbN0`]: energy per information bit: Es/N0 = Eb/N0 · Q_m · R.

use nrkit_core::Error;

/// How an SNR in dB is meant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Snr {
    /// Signal power per sample (`signal_power`) over noise power per sample.
    PerSample {
        /// Mean power per complex sample of the signal.
        signal_power: f64,
    },
    /// SNR per resource element of a unit-power-RE waveform with 1/N_FFT IFFT scaling.
    PerResourceElement {
        /// Sample rate, Hz.
        sample_rate: f64,
        /// Subcarrier spacing, Hz.
        scs_hz: f64,
    },
    /// Es/N0 for symbols of power `es` per complex sample.
    EsN0 {
        /// Energy (power) per symbol.
        es: f64,
    },
    /// Eb/N0 for symbols of power `es` carrying `bits_per_symbol` coded bits at code
    /// rate `code_rate`.
    EbN0 {
        /// Energy (power) per symbol.
        es: f64,
        /// Q_m.
        bits_per_symbol: f64,
        /// R (0 < R ≤ 1).
        code_rate: f64,
    },
}

impl Snr {
    /// The noise variance per complex sample (E|n|²) for an SNR of `snr_db` dB.
    pub fn noise_variance(self, snr_db: f64) -> Result<f64, Error> {
        if !(snr_db.is_finite() && snr_db.abs() <= 300.0) {
            return Err(Error::invalid(
                "SNR",
                "a finite number of dB within ±300",
                snr_db,
            ));
        }
        let positive = |what: &'static str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(v)
            } else {
                Err(Error::invalid(what, "> 0 and finite", v))
            }
        };
        Ok(match self {
            Snr::PerSample { signal_power } => {
                positive("signal power", signal_power)? * 10f64.powf(-snr_db / 10.0)
            }
            Snr::PerResourceElement {
                sample_rate,
                scs_hz,
            } => {
                let n =
                    positive("sample rate", sample_rate)? / positive("subcarrier spacing", scs_hz)?;
                10f64.powf(-snr_db / 10.0) / n
            }
            Snr::EsN0 { es } => positive("symbol energy", es)? * 10f64.powf(-snr_db / 10.0),
            Snr::EbN0 {
                es,
                bits_per_symbol,
                code_rate,
            } => {
                let es = positive("symbol energy", es)?;
                let q = positive("bits per symbol", bits_per_symbol)?;
                if !(code_rate > 0.0 && code_rate <= 1.0) {
                    return Err(Error::invalid("code rate", "0 < R <= 1", code_rate));
                }
                // Es/N0 = Eb/N0 · Q_m · R.
                es * 10f64.powf(-snr_db / 10.0) / (q * code_rate)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variances_follow_the_definitions() {
        let v = Snr::PerSample { signal_power: 2.0 }
            .noise_variance(3.0)
            .unwrap();
        assert!((v - 2.0 / 10f64.powf(0.3)).abs() < 1e-12);
        // 30.72 Msps, 30 kHz: N_FFT = 1024; 0 dB per RE is 1/1024 per sample.
        let v = Snr::PerResourceElement {
            sample_rate: 30.72e6,
            scs_hz: 30e3,
        }
        .noise_variance(0.0)
        .unwrap();
        assert!((v - 1.0 / 1024.0).abs() < 1e-15);
        let es = Snr::EsN0 { es: 1.0 }.noise_variance(10.0).unwrap();
        assert!((es - 0.1).abs() < 1e-12);
        // QPSK at rate 1/2: Eb/N0 = Es/N0.
        let eb = Snr::EbN0 {
            es: 1.0,
            bits_per_symbol: 2.0,
            code_rate: 0.5,
        }
        .noise_variance(10.0)
        .unwrap();
        assert!((eb - 0.1).abs() < 1e-12);
        for bad in [
            Snr::PerSample { signal_power: 0.0 }.noise_variance(0.0),
            Snr::PerSample { signal_power: 1.0 }.noise_variance(f64::NAN),
            Snr::PerSample { signal_power: 1.0 }.noise_variance(1e9),
            Snr::PerResourceElement {
                sample_rate: f64::INFINITY,
                scs_hz: 30e3,
            }
            .noise_variance(0.0),
            Snr::EbN0 {
                es: 1.0,
                bits_per_symbol: 2.0,
                code_rate: 1.5,
            }
            .noise_variance(0.0),
        ] {
            assert!(bad.is_err());
        }
    }
}
