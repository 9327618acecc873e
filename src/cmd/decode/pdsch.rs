//! `nrkit decode pdsch`: the PDSCH of each slot of a recording whose first sample starts
//! slot `carrier.n_slot` (timing refined within about ± one CP, CFO from the CPs).

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args as ClapArgs;
use nrkit::coding::bits::bits_to_hex;
use nrkit::core::C32;
use nrkit::dsp::FftEngine;
use nrkit::phy::pdsch::{receive_slot, PdschReceiver};
use nrkit::phy::Ofdm;
use serde_json::json;

use crate::cmd::common::config::load_pdsch;
use crate::cmd::common::input::{check_config_rate, open, InputArgs};
use crate::cmd::common::output::print_json;
use crate::cmd::common::Ctx;

/// Options of `nrkit decode pdsch`.
#[derive(ClapArgs)]
pub struct Args {
    #[command(flatten)]
    pub input: InputArgs,
    /// The PDSCH configuration (TOML), as for `generate pdsch`.
    #[arg(long)]
    pub config: PathBuf,
    /// Slots A:B (inclusive, numbered like carrier.n_slot, which the recording starts
    /// with); default: every complete slot.
    #[arg(long)]
    pub slots: Option<String>,
    /// JSON output: {"pdsch":[{"slot","crc_ok","tbs","hex","iterations","evm_percent",
    /// "snr_db","cfo_hz","timing_offset"}]}.
    #[arg(long)]
    pub json: bool,
}

fn parse_slots(s: &str) -> Result<(usize, usize)> {
    let bad = || anyhow::anyhow!("--slots {s}: expected A:B with 0 <= A <= B (slot numbers)");
    let (a, b) = s.split_once(':').ok_or_else(bad)?;
    let a: usize = a.trim().parse().map_err(|_| bad())?;
    let b: usize = b.trim().parse().map_err(|_| bad())?;
    if b < a {
        return Err(bad());
    }
    Ok((a, b))
}

/// Runs `nrkit decode pdsch`.
pub fn run(a: Args, ctx: &Ctx) -> Result<()> {
    let setup = load_pdsch(&a.config, "decode pdsch")?;
    let rec = open(&a.input)?;
    let path = check_config_rate(&rec, setup.sample_rate)?;
    let ofdm_cfg = setup
        .ofdm_config(Some(rec.meta.sample_rate))
        .with_context(|| path.display().to_string())?;
    let mut engine = FftEngine::new(ctx.isa)?;
    let mut ofdm = Ofdm::new(ofdm_cfg, &mut engine).context("OFDM parameters")?;
    let c = setup.carrier;
    let n_symb = c.numerology.symbols_per_slot();
    let per_sf = c.numerology.slots_per_subframe();
    let lens: Vec<u64> = (0..per_sf)
        .map(|k| ofdm.samples_for_at(k * n_symb, n_symb) as u64)
        .collect();
    let slot_len = |n: usize| lens[n % per_sf];
    // Complete slots in the recording.
    let mut starts = Vec::new();
    let mut pos = 0u64;
    let mut n = c.n_slot;
    while pos + slot_len(n) <= rec.samples {
        starts.push((n, pos));
        pos += slot_len(n);
        n += 1;
        if starts.len() > 10_000_000 {
            break;
        }
    }
    if starts.is_empty() {
        bail!(
            "{}: {} samples, less than one slot ({} samples at {} Hz)",
            path.display(),
            rec.samples,
            slot_len(c.n_slot),
            rec.meta.sample_rate
        );
    }
    let last = starts.last().expect("not empty").0;
    let (first, end) = match &a.slots {
        None => (c.n_slot, last),
        Some(s) => {
            let (x, y) = parse_slots(s)?;
            if x < c.n_slot || y > last {
                bail!(
                    "--slots {s}: the recording holds slots {}:{} (carrier.n_slot = {})",
                    c.n_slot,
                    last,
                    c.n_slot
                );
            }
            (x, y)
        }
    };
    let mut pdsch = setup.build()?;
    let t = setup.transport(&pdsch).context("transport block size")?;
    let mut reader = rec.reader()?;
    reader.set_kernels(nrkit::dsp::VectorKernels::new(ctx.isa)?);
    let margin = ofdm.cp_len(1) as u64;
    let mut rx = PdschReceiver::new();
    let mut rows = Vec::new();
    for &(slot, start) in starts.iter().filter(|(s, _)| (first..=end).contains(s)) {
        pdsch.set_slot(slot)?;
        let want = slot_len(slot) + margin;
        let mut buf = vec![C32::default(); want as usize];
        reader.seek(start)?;
        let got = reader.read(&mut buf)?;
        buf.truncate(got.max(slot_len(slot) as usize));
        rx.reset();
        let o = receive_slot(&mut ofdm, &mut rx, &pdsch, &t, &[&buf])
            .with_context(|| format!("slot {slot}"))?;
        let p = &o.pdsch;
        rows.push(json!({
            "slot": slot,
            "crc_ok": p.crc_ok,
            "tbs": t.tbs,
            "hex": if p.crc_ok { bits_to_hex(&p.tb) } else { String::new() },
            "iterations": p.iterations,
            "evm_percent": round3(p.evm_percent),
            "snr_db": round3(p.snr_db),
            "cfo_hz": round3(o.cfo_hz),
            "timing_offset": round3(o.shift as f64 + p.timing_offset),
        }));
        if !a.json {
            outln!(
                "slot {slot}: CRC {}, TBS {}, {} iterations, EVM {:.2} %, SNR {:.1} dB, CFO {:.1} Hz, timing {:+.1} samples{}",
                if p.crc_ok { "ok" } else { "FAILED" },
                t.tbs,
                p.iterations,
                p.evm_percent,
                p.snr_db,
                o.cfo_hz,
                o.shift as f64 + p.timing_offset,
                if p.crc_ok {
                    let h = bits_to_hex(&p.tb);
                    match h.get(..32) {
                        Some(head) if h.len() > 32 => format!(", TB {head}… (--json: all)"),
                        _ => format!(", TB {h}"),
                    }
                } else {
                    String::new()
                }
            );
        }
    }
    if a.json {
        print_json(&json!({ "pdsch": rows }))?;
    } else {
        let ok = rows.iter().filter(|r| r["crc_ok"] == true).count();
        outln!("{ok} of {} slots decoded (CRC ok)", rows.len());
    }
    Ok(())
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
