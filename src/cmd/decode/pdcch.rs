//! `nrkit decode pdcch`: blind decoding of the configured search space in every monitored
//! slot of a recording whose first sample starts slot `carrier.n_slot` (timing refined
//! from the CORESET's DMRS within about ± one CP, CFO from the CORESET symbols' CPs).

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args as ClapArgs;
use nrkit::coding::dci::format::{identify, P_RNTI, SI_RNTI};
use nrkit::core::C32;
use nrkit::dsp::FftEngine;
use nrkit::phy::pdcch::{receive_pdcch_slot, PdcchBlindDecoder, PdcchSearch, SearchSpaceType};
use nrkit::phy::Ofdm;
use serde_json::{json, Map, Value};

use crate::cmd::common::config::read_pdcch;
use crate::cmd::common::input::{check_config_rate, open, InputArgs};
use crate::cmd::common::output::print_json;
use crate::cmd::common::Ctx;

/// Options of `nrkit decode pdcch`.
#[derive(ClapArgs)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,
    /// The PDCCH configuration (TOML: [carrier], [pdcch], [pdcch.coreset],
    /// [pdcch.search_space]), as for `generate pdcch`.
    #[arg(long)]
    pub config: PathBuf,
    /// RNTIs whose CRC mask is accepted (repeatable; decimal or 0x hex). Default:
    /// pdcch.rnti, plus SI-RNTI 0xFFFF and P-RNTI 0xFFFE in a common search space.
    #[arg(long, value_parser = parse_rnti)]
    pub rnti: Vec<u16>,
    /// Polar list size (1..=32).
    #[arg(long, default_value_t = 8)]
    pub list: usize,
    /// JSON output: {"dci":[{"slot","rnti","aggregation_level","cce_index","payload",
    /// "format","fields","snr_db","cfo_hz","timing_offset"}]}.
    #[arg(long)]
    pub json: bool,
}

fn parse_rnti(s: &str) -> std::result::Result<u16, String> {
    let v = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => u16::from_str_radix(h, 16),
        None => s.parse::<u16>(),
    };
    v.map_err(|_| format!("expected an RNTI 0..=65535 (decimal or 0x hex), got {s:?}"))
}

/// Runs `nrkit decode pdcch`.
pub fn run(a: Args, ctx: &Ctx) -> Result<()> {
    let setup = read_pdcch(&a.config)?;
    let rec = open(&a.input)?;
    let path = check_config_rate(&rec, setup.sample_rate)?;
    let ofdm_cfg = setup
        .ofdm_config(Some(rec.meta.sample_rate))
        .with_context(|| path.display().to_string())?;
    if a.list == 0 || a.list > 32 {
        bail!("--list must be 1..=32, got {}", a.list);
    }
    let mut engine = FftEngine::new(ctx.isa)?;
    let mut ofdm = Ofdm::new(ofdm_cfg, &mut engine).context("OFDM parameters")?;
    let c = setup.carrier;
    let n_symb = c.numerology.symbols_per_slot();
    let per_sf = c.numerology.slots_per_subframe();
    let spf = c.numerology.slots_per_frame();
    let lens: Vec<u64> = (0..per_sf)
        .map(|k| ofdm.samples_for_at(k * n_symb, n_symb) as u64)
        .collect();
    let slot_len = |n: usize| lens[n % per_sf];
    if rec.samples < slot_len(c.n_slot) {
        bail!(
            "{}: {} samples, less than one slot ({} samples at {} Hz)",
            path.display(),
            rec.samples,
            slot_len(c.n_slot),
            rec.meta.sample_rate
        );
    }
    let mut rntis = a.rnti.clone();
    if rntis.is_empty() {
        rntis.push(setup.rnti);
        if setup.search_space.kind == SearchSpaceType::Common {
            rntis.extend([SI_RNTI, P_RNTI]);
        }
    }
    rntis.sort_unstable();
    rntis.dedup();
    let mut dec = PdcchBlindDecoder::new(a.list)?;
    let q = PdcchSearch {
        coreset: &setup.coreset,
        search_space: &setup.search_space,
        ids: &setup.ids,
        payload_sizes: &[setup.dci_size],
        rntis: &rntis,
        hash_rnti: setup.rnti,
    };
    let mut reader = rec.reader()?;
    reader.set_kernels(nrkit::dsp::VectorKernels::new(ctx.isa)?);
    let margin = ofdm.cp_len(1) as u64;
    let mut rows = Vec::new();
    let (mut pos, mut n_slot, mut searched) = (0u64, c.n_slot, 0usize);
    while pos + slot_len(n_slot) <= rec.samples {
        let len = slot_len(n_slot);
        let (frame, in_frame) = (c.n_frame + n_slot / spf, n_slot % spf);
        if setup.search_space.is_monitored(frame, in_frame, spf) {
            let mut buf = vec![C32::default(); (len + margin) as usize];
            reader.seek(pos)?;
            let got = reader.read(&mut buf)?;
            buf.truncate(got.max(len as usize));
            let o = receive_pdcch_slot(
                &mut ofdm,
                &mut dec,
                c.numerology,
                c.n_start_grid,
                c.n_size_grid,
                n_slot,
                &q,
                &buf,
            )
            .with_context(|| format!("slot {n_slot}"))?;
            searched += 1;
            for f in &o.found {
                let payload: String = f
                    .dci
                    .payload
                    .iter()
                    .map(|&b| if b == 1 { '1' } else { '0' })
                    .collect();
                let fmt = identify(&f.dci.payload, f.dci.rnti, setup.dci_bandwidth());
                let fields: Value = match &fmt {
                    Some(fm) => {
                        let mut m = Map::new();
                        for (k, v) in fm.unpack(&f.dci.payload)? {
                            m.insert(k.to_string(), json!(v));
                        }
                        Value::Object(m)
                    }
                    None => json!({}),
                };
                let row = json!({
                    "slot": n_slot,
                    "rnti": f.dci.rnti,
                    "aggregation_level": f.candidate.level,
                    "cce_index": f.candidate.first_cce,
                    "payload": payload,
                    "format": fmt.as_ref().map(|f| f.name),
                    "fields": fields,
                    "snr_db": round3(f.snr_db),
                    "cfo_hz": round3(o.cfo_hz),
                    "timing_offset": o.shift,
                });
                if !a.json {
                    outln!(
                        "slot {n_slot}: DCI {} RNTI 0x{:04X}, aggregation level {}, CCE {}, {} bits {payload}, SNR {:.1} dB, CFO {:.1} Hz{}",
                        fmt.as_ref().map_or("(size not of 1_0)", |f| f.name),
                        f.dci.rnti,
                        f.candidate.level,
                        f.candidate.first_cce,
                        f.dci.payload.len(),
                        f.snr_db,
                        o.cfo_hz,
                        match &fields {
                            Value::Object(m) if !m.is_empty() => format!(
                                "\n    {}",
                                m.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ")
                            ),
                            _ => String::new(),
                        }
                    );
                }
                rows.push(row);
            }
        }
        pos += len;
        n_slot += 1;
    }
    if a.json {
        print_json(&json!({ "dci": rows }))?;
    } else {
        outln!(
            "{} DCI(s) in {searched} monitored slot(s); RNTIs {}",
            rows.len(),
            rntis
                .iter()
                .map(|r| format!("0x{r:04X}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(())
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
