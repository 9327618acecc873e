//! Recording metadata written and read by several commands: datatypes, SSB annotations,
//! the MIB's JSON form, the OFDM test waveform's `nrkit:` fields.

use clap::ValueEnum;
use nrkit::core::Numerology;
use nrkit::iq::{Annotation, Datatype};
use nrkit::phy::modulation::Modulation;
use nrkit::phy::testwave::TestWave;
use serde_json::{json, Map, Value};

/// `core:generator` of the recordings nrkit writes.
pub fn generator() -> Value {
    json!(format!("nrkit {}", env!("CARGO_PKG_VERSION")))
}

#[derive(Clone, Copy, ValueEnum)]
pub enum OutDatatype {
    #[value(name = "cf32_le")]
    Cf32Le,
    #[value(name = "ci16_le")]
    Ci16Le,
    #[value(name = "ci8")]
    Ci8,
    #[value(name = "cu8")]
    Cu8,
    #[value(name = "cf64_le")]
    Cf64Le,
}

impl From<OutDatatype> for Datatype {
    fn from(d: OutDatatype) -> Self {
        match d {
            OutDatatype::Cf32Le => Datatype::Cf32Le,
            OutDatatype::Ci16Le => Datatype::Ci16Le,
            OutDatatype::Ci8 => Datatype::Ci8,
            OutDatatype::Cu8 => Datatype::Cu8,
            OutDatatype::Cf64Le => Datatype::Cf64Le,
        }
    }
}

/// The MIB as JSON (the `search` contract's field names); `with_sfn` adds the SFN.
pub fn mib_json(m: &nrkit::phy::ssb::Mib, with_sfn: bool) -> serde_json::Value {
    let mut v = json!({
        "subcarrier_spacing_common": m.scs_common_khz,
        "ssb_subcarrier_offset": m.k_ssb,
        "dmrs_type_a_position": m.dmrs_type_a_position,
        "pdcch_config_sib1": m.pdcch_config_sib1,
        "cell_barred": m.cell_barred,
        "intra_freq_reselection_allowed": m.intra_freq_reselection_allowed,
    });
    if with_sfn {
        v["sfn"] = json!(m.sfn);
    }
    v
}

/// The annotation of one SSB (`generate ssb` and `search --annotate`): its samples, the
/// 240 subcarriers around SS_REF `ssb_freq`, a label and the `nrkit:` identity fields.
pub fn ssb_annotation(
    start: u64,
    count: u64,
    pci: u16,
    (ssb_index, sfn, half_frame): (u8, u16, u8),
    ssb_freq: f64,
    scs_khz: u32,
) -> Annotation {
    let half_bw = 120.0 * f64::from(scs_khz) * 1e3;
    let mut an = Annotation::new(start, count, format!("SSB {ssb_index} PCI {pci} SFN {sfn}"));
    an.freq_lower_edge = Some(ssb_freq - half_bw);
    an.freq_upper_edge = Some(ssb_freq + half_bw);
    an.extra.insert("nrkit:pci".into(), json!(pci));
    an.extra.insert("nrkit:ssb_index".into(), json!(ssb_index));
    an.extra.insert("nrkit:sfn".into(), json!(sfn));
    an.extra
        .insert("nrkit:half_frame".into(), json!(half_frame));
    an
}

/// `nrkit:` global metadata fields describing an OFDM test waveform.
pub fn testwave_to_meta(t: &TestWave) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("nrkit:waveform".into(), json!("ofdm_test"));
    m.insert("nrkit:scs_khz".into(), json!(t.numerology.scs_khz()));
    m.insert("nrkit:n_rb".into(), json!(t.n_rb));
    m.insert("nrkit:fft_size".into(), json!(t.fft_size));
    m.insert("nrkit:slots".into(), json!(t.slots));
    m.insert("nrkit:modulation".into(), json!(t.modulation.name()));
    m.insert("nrkit:seed".into(), json!(t.seed));
    if let Some(f) = t.center_freq {
        m.insert("nrkit:phase_comp_f0".into(), json!(f));
    }
    m
}

/// Reads an OFDM test waveform's parameters back from `nrkit:` fields; `None` if the
/// recording is not one, an error naming the field if one is malformed or out of range.
pub fn testwave_from_meta(m: &Map<String, Value>) -> Result<Option<TestWave>, String> {
    if m.get("nrkit:waveform").and_then(Value::as_str) != Some("ofdm_test") {
        return Ok(None);
    }
    let num = |k: &str| -> Result<u64, String> {
        m.get(k)
            .and_then(Value::as_u64)
            .ok_or_else(|| format!("field global.{k} missing or not a non-negative integer"))
    };
    let scs = u32::try_from(num("nrkit:scs_khz")?)
        .map_err(|_| "field global.nrkit:scs_khz: too large".to_string())?;
    let numerology =
        Numerology::from_scs_khz(scs).map_err(|e| format!("field global.nrkit:scs_khz: {e}"))?;
    let modulation = m
        .get("nrkit:modulation")
        .and_then(Value::as_str)
        .ok_or("field global.nrkit:modulation missing")?;
    let size = |k: &str| -> Result<usize, String> {
        usize::try_from(num(k)?).map_err(|_| format!("field global.{k}: too large"))
    };
    let center_freq = match m.get("nrkit:phase_comp_f0") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_f64()
                .filter(|f| f.is_finite())
                .ok_or("field global.nrkit:phase_comp_f0: not a finite number")?,
        ),
    };
    let t = TestWave {
        numerology,
        n_rb: size("nrkit:n_rb")?,
        fft_size: size("nrkit:fft_size")?,
        slots: size("nrkit:slots")?,
        modulation: Modulation::from_name(modulation)
            .map_err(|e| format!("field global.nrkit:modulation: {e}"))?,
        seed: num("nrkit:seed")?,
        center_freq,
    };
    t.validate().map_err(|e| format!("nrkit: fields: {e}"))?;
    Ok(Some(t))
}

/// The global fields every configured waveform carries: generator, first slot, SCS, RBs
/// and the configuration file under `config_key` (e.g. `nrkit:pdsch_config`).
pub fn carrier_extra(
    meta: &mut nrkit::iq::Meta,
    carrier: &nrkit::phy::pdsch::Carrier,
    config_key: &str,
    config: &std::path::Path,
) {
    let g = &mut meta.global_extra;
    g.insert("core:generator".into(), generator());
    g.insert("nrkit:n_slot".into(), json!(carrier.n_slot));
    g.insert("nrkit:scs_khz".into(), json!(carrier.numerology.scs_khz()));
    g.insert("nrkit:n_rb".into(), json!(carrier.n_size_grid));
    g.insert(config_key.into(), json!(config.display().to_string()));
}
