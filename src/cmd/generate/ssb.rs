//! `nrkit generate ssb`: SS/PBCH bursts with one annotation per SSB.

use anyhow::{bail, Context, Result};
use clap::Args as ClapArgs;
use nrkit::dsp::FftEngine;
use nrkit::iq::{Meta, Writer};
use serde_json::json;

use crate::cmd::common::meta::{generator, ssb_annotation, OutDatatype};
use crate::cmd::common::output::{create_parent, OutputArgs};
use crate::cmd::common::Ctx;

/// Options of `nrkit generate ssb`.
#[derive(ClapArgs)]
pub struct Args {
    /// Physical cell identity 0..=1007.
    #[arg(long)]
    pub pci: u16,
    /// Burst pattern (TS 38.213 §4.1): A (15 kHz), B, C (30 kHz), D (120 kHz), E (240 kHz).
    #[arg(long = "case")]
    pub case: String,
    /// L_max: 4 or 8 (Cases A-C), 64 (D, E).
    #[arg(long)]
    pub lmax: u8,
    /// Transmitted SSB indices, comma separated (default: all L_max).
    #[arg(long, value_delimiter = ',')]
    pub ssb_indices: Option<Vec<u8>>,
    /// SFN of the first frame (0..=1023).
    #[arg(long, default_value_t = 0)]
    pub sfn: u16,
    /// Frames (10 ms each) to generate.
    #[arg(long, default_value_t = 2)]
    pub frames: usize,
    /// Output sample rate in Hz (any whole number of Hz; resampled when it is not N·SCS
    /// with N a multiple of 128).
    #[arg(long)]
    pub sample_rate: f64,
    /// MIB subCarrierSpacingCommon in kHz (15|30 in FR1, 60|120 in FR2; default 30 or 120).
    #[arg(long)]
    pub scs_common: Option<u32>,
    /// k_SSB (0..=31 in FR1, 0..=15 in FR2).
    #[arg(long, default_value_t = 0)]
    pub kssb: u8,
    /// MIB dmrs-TypeA-Position (2|3).
    #[arg(long, default_value_t = 2)]
    pub dmrs_type_a_position: u8,
    /// MIB pdcch-ConfigSIB1 (0..=255).
    #[arg(long, default_value_t = 0)]
    pdcch_config_sib1: u8,
    /// MIB cellBarred = barred.
    #[arg(long)]
    pub cell_barred: bool,
    /// MIB intraFreqReselection = notAllowed.
    #[arg(long)]
    pub intra_freq_reselection_not_allowed: bool,
    /// Burst periodicity in ms (5, 10, 20, 40, 80, 160).
    #[arg(long, default_value_t = 20)]
    pub period_ms: u32,
    /// Carrier frequency: written to core:frequency and used as f0 of the §5.4 phase
    /// compensation.
    #[arg(long)]
    pub center_freq: Option<f64>,
    /// SS_REF frequency (SSB subcarrier 120) in Hz; relative to 0 Hz of the recording when
    /// there is no --center-freq (default: at the recording's centre).
    #[arg(long)]
    pub ssb_freq: Option<f64>,
    /// Place SS_REF on this GSCN of the sync raster (TS 38.104 §5.4.3.1); without
    /// --center-freq the carrier is centred on it.
    #[arg(long, conflicts_with_all = ["ssb_freq", "point_a_arfcn"])]
    pub gscn: Option<u32>,
    /// Point A as an NR-ARFCN (TS 38.104 §5.4.2.1): SS_REF is then Point A +
    /// --offset-to-point-a RBs + --kssb subcarriers + 120 SSB subcarriers (TS 38.211
    /// §7.4.3.1); without --center-freq the carrier is centred on SS_REF.
    #[arg(long, requires = "offset_to_point_a", conflicts_with = "ssb_freq")]
    pub point_a_arfcn: Option<u32>,
    /// offsetToPointA in RBs (15 kHz RBs in FR1, 60 kHz in FR2), with --point-a-arfcn.
    #[arg(long, requires = "point_a_arfcn")]
    pub offset_to_point_a: Option<u32>,
    /// Output datatype.
    #[arg(long, value_enum, default_value = "cf32_le")]
    pub datatype: OutDatatype,
    #[command(flatten)]
    pub out: OutputArgs,
}

/// Runs `nrkit generate ssb`.
pub fn run(a: Args, ctx: &Ctx) -> Result<()> {
    let isa = ctx.isa;
    a.out.check()?;
    use nrkit::phy::ssb::{SsbCase, SsbGenerator, SsbTxConfig};
    let pci = nrkit::core::Pci::new(a.pci).context("--pci")?;
    let case: SsbCase = a.case.parse().context("--case")?;
    if a.frames == 0 || a.frames > 100_000 {
        bail!("--frames must be 1..=100000, got {}", a.frames);
    }
    let mut cfg = SsbTxConfig::new(pci, case, a.lmax, a.sample_rate);
    if let Some(ix) = a.ssb_indices {
        cfg.ssb_indices = ix;
    }
    cfg.mib.sfn = a.sfn;
    if let Some(s) = a.scs_common {
        cfg.mib.scs_common_khz = s;
    }
    cfg.mib.k_ssb = a.kssb;
    cfg.mib.dmrs_type_a_position = a.dmrs_type_a_position;
    cfg.mib.pdcch_config_sib1 = a.pdcch_config_sib1;
    cfg.mib.cell_barred = a.cell_barred;
    cfg.mib.intra_freq_reselection_allowed = !a.intra_freq_reselection_not_allowed;
    cfg.period_ms = a.period_ms;
    // Absolute placement from the rasters.
    let absolute = if let Some(g) = a.gscn {
        Some(nrkit::phy::ssb::raster::gscn_to_freq(g).context("--gscn")?)
    } else if let Some(n) = a.point_a_arfcn {
        let point_a = nrkit::phy::ssb::raster::arfcn_to_freq(n).context("--point-a-arfcn")?;
        Some(nrkit::phy::ssb::raster::ssb_freq_from_point_a(
            point_a,
            a.offset_to_point_a.expect("clap requires it"),
            u32::from(a.kssb),
            case.scs_khz(),
            cfg.mib.scs_common_khz,
            case.is_fr2(),
        ))
    } else {
        None
    };
    let center_freq = a.center_freq.or(absolute);
    cfg.center_freq = center_freq;
    let fc = center_freq.unwrap_or(0.0);
    cfg.ssb_offset_hz = absolute.or(a.ssb_freq).map_or(0.0, |f| f - fc);
    let mut engine = FftEngine::new(isa)?;
    let mut gen = SsbGenerator::new(cfg.clone(), &mut engine).context("SSB parameters")?;
    let mut meta = Meta::new(a.datatype.into(), a.sample_rate, center_freq);
    meta.description = Some(format!(
        "nrkit SS/PBCH bursts: PCI {}, Case {}, L_max {}, SSBs {:?}, {} ms period",
        a.pci, case, a.lmax, cfg.ssb_indices, a.period_ms
    ));
    let g = &mut meta.global_extra;
    g.insert("core:generator".into(), generator());
    g.insert("nrkit:waveform".into(), json!("ssb"));
    g.insert("nrkit:pci".into(), json!(a.pci));
    g.insert("nrkit:ssb_case".into(), json!(case.to_string()));
    g.insert("nrkit:l_max".into(), json!(a.lmax));
    g.insert("nrkit:scs_ssb_khz".into(), json!(case.scs_khz()));
    g.insert("nrkit:ssb_freq_hz".into(), json!(fc + cfg.ssb_offset_hz));
    g.insert("nrkit:period_ms".into(), json!(a.period_ms));
    if let Some(f) = center_freq {
        g.insert("nrkit:phase_comp_f0".into(), json!(f));
    }
    if let Some(gscn) = nrkit::phy::ssb::raster::freq_to_gscn(fc + cfg.ssb_offset_hz) {
        g.insert("nrkit:gscn".into(), json!(gscn));
    }
    create_parent(&a.out.output)?;
    let mut w = Writer::create(&a.out.output, meta)?;
    w.set_kernels(nrkit::dsp::VectorKernels::new(isa)?);
    let ssb_f = fc + cfg.ssb_offset_hz;
    let mut buf = Vec::new();
    let mut n_ssb = 0;
    for _ in 0..a.frames {
        buf.clear();
        let placed = gen.next_frame(&mut buf)?;
        for p in placed {
            w.annotate(ssb_annotation(
                p.start,
                p.count,
                a.pci,
                (p.ssb_index, p.sfn, p.half_frame),
                ssb_f,
                case.scs_khz(),
            ));
            n_ssb += 1;
        }
        w.write(&buf)?;
    }
    buf.clear();
    gen.finish(&mut buf)?;
    w.write(&buf)?;
    let n = w.finish()?;
    let (m, d) = nrkit::iq::sigmf_paths(&a.out.output);
    outln!(
        "wrote {n_ssb} SSBs in {n} samples ({:.3} ms at {:.6} Msps) to {} and {}",
        n as f64 / a.sample_rate * 1e3,
        a.sample_rate / 1e6,
        m.display(),
        d.display()
    );
    Ok(())
}
