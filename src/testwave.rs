//! Reproducible OFDM test waveforms (random QAM on every resource element), used by
//! `nrkit generate ofdm`, `nrkit evm` and the demo. The grid is a pure function of the
//! parameters and the seed, so a receiver can regenerate the reference.

use ndarray::{Array2, ShapeBuilder};
use nrkit_core::{rng, Error, Numerology, C32};
use nrkit_phy::modulation::{map, Modulation};
use nrkit_phy::{Ofdm, OfdmConfig};
use serde_json::{json, Map, Value};

/// Parameters of a test waveform.
#[derive(Debug, Clone, PartialEq)]
pub struct TestWave {
    /// Numerology.
    pub numerology: Numerology,
    /// Grid size in resource blocks.
    pub n_rb: usize,
    /// FFT size.
    pub fft_size: usize,
    /// Slots to generate.
    pub slots: usize,
    /// Modulation on every RE.
    pub modulation: Modulation,
    /// RNG seed.
    pub seed: u64,
    /// §5.4 phase compensation carrier, if any.
    pub center_freq: Option<f64>,
}

impl TestWave {
    /// The OFDM configuration.
    pub fn ofdm_config(&self) -> OfdmConfig {
        let mut c = OfdmConfig::new(self.numerology, self.n_rb);
        c.fft_size = self.fft_size;
        c.phase_comp_f0 = self.center_freq;
        c
    }

    /// The reference grid `[K, slots·symbols_per_slot]`.
    pub fn grid(&self) -> Result<Array2<C32>, Error> {
        let k = self.n_rb * 12;
        let l = self.slots * self.numerology.symbols_per_slot();
        let q = self.modulation.bits_per_symbol();
        let mut r = rng::stream(self.seed, 0);
        let mut bits = vec![0u8; k * l * q];
        rng::fill_bits(&mut r, &mut bits);
        let mut syms = vec![C32::default(); k * l];
        map(self.modulation, &bits, &mut syms)?;
        Array2::from_shape_vec((k, l).f(), syms)
            .map_err(|_| Error::invalid("grid shape", "K x L", format!("{k} x {l}")))
    }

    /// The time-domain waveform.
    pub fn waveform(&self, ofdm: &mut Ofdm) -> Result<Vec<C32>, Error> {
        let g = self.grid()?;
        let mut out = Vec::new();
        ofdm.modulate(g.view(), 0, &mut out)?;
        Ok(out)
    }

    /// `nrkit:` global metadata fields describing the waveform.
    pub fn to_meta(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("nrkit:waveform".into(), json!("ofdm_test"));
        m.insert("nrkit:scs_khz".into(), json!(self.numerology.scs_khz()));
        m.insert("nrkit:n_rb".into(), json!(self.n_rb));
        m.insert("nrkit:fft_size".into(), json!(self.fft_size));
        m.insert("nrkit:slots".into(), json!(self.slots));
        m.insert("nrkit:modulation".into(), json!(self.modulation.name()));
        m.insert("nrkit:seed".into(), json!(self.seed));
        if let Some(f) = self.center_freq {
            m.insert("nrkit:phase_comp_f0".into(), json!(f));
        }
        m
    }

    /// Reads the parameters back from `nrkit:` fields; `None` if the recording is not an
    /// nrkit OFDM test waveform, an error naming the field if one is malformed.
    pub fn from_meta(m: &Map<String, Value>) -> Result<Option<Self>, String> {
        if m.get("nrkit:waveform").and_then(Value::as_str) != Some("ofdm_test") {
            return Ok(None);
        }
        let num = |k: &str| -> Result<u64, String> {
            m.get(k)
                .and_then(Value::as_u64)
                .ok_or_else(|| format!("field global.{k} missing or not a non-negative integer"))
        };
        let scs = num("nrkit:scs_khz")? as u32;
        let numerology = Numerology::from_scs_khz(scs).map_err(|e| e.to_string())?;
        let modulation = m
            .get("nrkit:modulation")
            .and_then(Value::as_str)
            .ok_or("field global.nrkit:modulation missing")?;
        Ok(Some(TestWave {
            numerology,
            n_rb: num("nrkit:n_rb")? as usize,
            fft_size: num("nrkit:fft_size")? as usize,
            slots: num("nrkit:slots")? as usize,
            modulation: Modulation::from_name(modulation).map_err(|e| e.to_string())?,
            seed: num("nrkit:seed")?,
            center_freq: m.get("nrkit:phase_comp_f0").and_then(Value::as_f64),
        }))
    }
}

/// EVM of `got` against `want` (RMS error over RMS reference), as a fraction.
pub fn evm(got: &[C32], want: &[C32]) -> f64 {
    let (mut e, mut p) = (0f64, 0f64);
    for (g, w) in got.iter().zip(want) {
        e += f64::from((g - w).norm_sqr());
        p += f64::from(w.norm_sqr());
    }
    if p == 0.0 {
        0.0
    } else {
        (e / p).sqrt()
    }
}
