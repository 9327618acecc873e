//! The `nrkit` command line.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use nrkit::bench::{self, BenchOptions};
use nrkit::core::{Numerology, C32};
use nrkit::dsp::{FftEngine, Isa};
use nrkit::iq::{Annotation, Datatype, Meta, Recording, Writer};
use nrkit::phy::modulation::Modulation;
use nrkit::phy::search::SearchBank;
use nrkit::phy::Ofdm;
use nrkit::testwave::{evm, TestWave};
use serde_json::json;

mod sdr_cmd;

#[derive(Parser)]
#[command(
    name = "nrkit",
    version,
    about = "5G NR baseband toolkit: OFDM, SigMF recordings, DSP benchmarks"
)]
struct Cli {
    /// Instruction set for the DSP kernels: auto, scalar, avx2 or avx512 (`bench` with auto
    /// runs every ISA this CPU has).
    #[arg(long, global = true, default_value = "auto")]
    isa: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Describe a recording: rate, length, power, peak and DC offset.
    Info(InfoArgs),
    /// Time the DSP kernels per ISA.
    Bench(BenchArgs),
    /// Generate test waveforms as SigMF.
    #[command(subcommand)]
    Generate(GenerateCmd),
    /// Find cells in a recording: PSS/SSS, PBCH DMRS, MIB (SSB at a known frequency).
    Search(SearchArgs),
    /// Demodulate an nrkit OFDM test waveform and report its EVM against the reference.
    Evm(EvmArgs),
    /// List SDR devices (SoapySDR).
    Devices(sdr_cmd::DevicesArgs),
    /// Transmit a recording through an SDR (gapless, repeated or looping).
    Tx(sdr_cmd::TxArgs),
    /// Capture from an SDR to SigMF without losing a sample silently.
    Capture(sdr_cmd::CaptureArgs),
    /// Measure the cell search's MIB success rate against SNR (CSV + PNG report).
    Sensitivity(SensitivityArgs),
}

#[derive(Args)]
struct SensitivityArgs {
    /// Lowest SNR per RE, dB.
    #[arg(long, default_value_t = -10.0, allow_negative_numbers = true)]
    snr_min: f64,
    /// Highest SNR per RE, dB.
    #[arg(long, default_value_t = 5.0, allow_negative_numbers = true)]
    snr_max: f64,
    /// SNR step, dB.
    #[arg(long, default_value_t = 1.0)]
    snr_step: f64,
    /// Recordings per SNR point.
    #[arg(long, default_value_t = 200)]
    trials: usize,
    /// Noise-only recordings (false-alarm check).
    #[arg(long, default_value_t = 1000)]
    noise_trials: usize,
    /// Sample rate of the recordings, Hz.
    #[arg(long, default_value_t = 30.72e6)]
    sample_rate: f64,
    /// Seed of the random PCIs, MIBs, offsets and noise.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Directory for sensitivity.csv and sensitivity.png.
    #[arg(long, default_value = "docs")]
    out_dir: PathBuf,
    /// TrueType font for the chart's text.
    #[arg(
        long,
        default_value = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    )]
    font: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// Options shared by commands that read a recording.
#[derive(Args, Clone)]
struct InputArgs {
    /// A SigMF recording (.sigmf-meta, .sigmf-data or base name) or a raw file with --format.
    input: PathBuf,
    /// Raw file sample format (GNU Radio .cfile = cf32).
    #[arg(long, value_parser = ["cf32", "ci16", "ci8", "cu8"])]
    format: Option<String>,
    /// Raw file sample rate in Hz.
    #[arg(long)]
    sample_rate: Option<f64>,
    /// Raw file centre frequency in Hz.
    #[arg(long)]
    center_freq: Option<f64>,
}

#[derive(Args)]
struct InfoArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct BenchArgs {
    /// Kernels to run (default: all): fft, fft_rustfft, ofdm_mod, ofdm_demod, map, demap,
    /// prbs, cmul, energy, ci16_to_cf32.
    kernels: Vec<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// Milliseconds per measurement.
    #[arg(long, default_value_t = 300)]
    time_ms: u64,
}

#[derive(Clone, Copy, ValueEnum)]
enum OutDatatype {
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

#[derive(Subcommand)]
enum GenerateCmd {
    /// An OFDM carrier with random QAM on every resource element (reproducible by seed).
    Ofdm(GenOfdmArgs),
    /// SS/PBCH bursts (PSS, SSS, PBCH with a MIB) with one annotation per SSB.
    Ssb(GenSsbArgs),
}

#[derive(Args)]
struct GenSsbArgs {
    /// Physical cell identity 0..=1007.
    #[arg(long)]
    pci: u16,
    /// Burst pattern (TS 38.213 §4.1): A (15 kHz), B, C (30 kHz), D (120 kHz), E (240 kHz).
    #[arg(long = "case")]
    case: String,
    /// L_max: 4 or 8 (Cases A-C), 64 (D, E).
    #[arg(long)]
    lmax: u8,
    /// Transmitted SSB indices, comma separated (default: all L_max).
    #[arg(long, value_delimiter = ',')]
    ssb_indices: Option<Vec<u8>>,
    /// SFN of the first frame (0..=1023).
    #[arg(long, default_value_t = 0)]
    sfn: u16,
    /// Frames (10 ms each) to generate.
    #[arg(long, default_value_t = 2)]
    frames: usize,
    /// Output sample rate in Hz (any whole number of Hz; resampled when it is not N·SCS
    /// with N a multiple of 128).
    #[arg(long)]
    sample_rate: f64,
    /// MIB subCarrierSpacingCommon in kHz (15|30 in FR1, 60|120 in FR2; default 30 or 120).
    #[arg(long)]
    scs_common: Option<u32>,
    /// k_SSB (0..=31 in FR1, 0..=15 in FR2).
    #[arg(long, default_value_t = 0)]
    kssb: u8,
    /// MIB dmrs-TypeA-Position (2|3).
    #[arg(long, default_value_t = 2)]
    dmrs_type_a_position: u8,
    /// MIB pdcch-ConfigSIB1 (0..=255).
    #[arg(long, default_value_t = 0)]
    pdcch_config_sib1: u8,
    /// MIB cellBarred = barred.
    #[arg(long)]
    cell_barred: bool,
    /// MIB intraFreqReselection = notAllowed.
    #[arg(long)]
    intra_freq_reselection_not_allowed: bool,
    /// Burst periodicity in ms (5, 10, 20, 40, 80, 160).
    #[arg(long, default_value_t = 20)]
    period_ms: u32,
    /// Carrier frequency: written to core:frequency and used as f0 of the §5.4 phase
    /// compensation.
    #[arg(long)]
    center_freq: Option<f64>,
    /// SS_REF frequency (SSB subcarrier 120) in Hz; relative to 0 Hz of the recording when
    /// there is no --center-freq (default: at the recording's centre).
    #[arg(long)]
    ssb_freq: Option<f64>,
    /// Place SS_REF on this GSCN of the sync raster (TS 38.104 §5.4.3.1); without
    /// --center-freq the carrier is centred on it.
    #[arg(long, conflicts_with_all = ["ssb_freq", "point_a_arfcn"])]
    gscn: Option<u32>,
    /// Point A as an NR-ARFCN (TS 38.104 §5.4.2.1): SS_REF is then Point A +
    /// --offset-to-point-a RBs + --kssb subcarriers + 120 SSB subcarriers (TS 38.211
    /// §7.4.3.1); without --center-freq the carrier is centred on SS_REF.
    #[arg(long, requires = "offset_to_point_a", conflicts_with = "ssb_freq")]
    point_a_arfcn: Option<u32>,
    /// offsetToPointA in RBs (15 kHz RBs in FR1, 60 kHz in FR2), with --point-a-arfcn.
    #[arg(long, requires = "point_a_arfcn")]
    offset_to_point_a: Option<u32>,
    /// Output datatype.
    #[arg(long, value_enum, default_value = "cf32_le")]
    datatype: OutDatatype,
    /// Output .sigmf-meta (the .sigmf-data goes beside it).
    #[arg(short, long)]
    output: PathBuf,
}

#[derive(Args)]
struct GenOfdmArgs {
    /// Subcarrier spacing in kHz (15, 30, 60, 120, 240).
    #[arg(long, default_value_t = 30)]
    scs: u32,
    /// Grid size in resource blocks (1..=275).
    #[arg(long, default_value_t = 273)]
    nrb: usize,
    /// FFT size (default: smallest power of two with ≤ 85 % occupancy).
    #[arg(long)]
    fft_size: Option<usize>,
    /// Slots to generate.
    #[arg(long, default_value_t = 2)]
    slots: usize,
    /// Modulation: pi/2-bpsk, bpsk, qpsk, 16qam, 64qam, 256qam, 1024qam.
    #[arg(long, default_value = "256qam")]
    modulation: String,
    /// RNG seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Carrier frequency: enables §5.4 phase compensation and sets core:frequency.
    #[arg(long)]
    center_freq: Option<f64>,
    /// Output datatype.
    #[arg(long, value_enum, default_value = "cf32_le")]
    datatype: OutDatatype,
    /// Digital gain in dB applied before writing (integer formats need some: IFFT output
    /// is scaled by 1/N_FFT).
    #[arg(long, default_value_t = 0.0)]
    gain_db: f64,
    /// Output .sigmf-meta (the .sigmf-data goes beside it).
    #[arg(short, long)]
    output: PathBuf,
}

#[derive(Args)]
struct SearchArgs {
    /// A SigMF recording (.sigmf-meta, .sigmf-data or base name) or a raw file with
    /// --format; or none with --device for a live search.
    #[arg(required_unless_present = "device")]
    input: Option<PathBuf>,
    /// Raw file sample format (GNU Radio .cfile = cf32).
    #[arg(long, value_parser = ["cf32", "ci16", "ci8", "cu8"])]
    format: Option<String>,
    /// Raw file sample rate in Hz.
    #[arg(long)]
    sample_rate: Option<f64>,
    /// Raw file centre frequency in Hz.
    #[arg(long)]
    center_freq: Option<f64>,
    /// SS_REF frequency in Hz (absolute when the recording has core:frequency, else
    /// relative to its centre). Default: the recording's centre.
    #[arg(long)]
    ssb_freq: Option<f64>,
    /// SSB subcarrier spacing in kHz (default: try 15 and 30).
    #[arg(long, value_parser = ["15", "30", "120", "240"])]
    scs_ssb: Option<String>,
    /// CFO search range in ± Hz (default: one SSB subcarrier spacing).
    #[arg(long)]
    cfo_range: Option<f64>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// Write the recording's metadata plus one annotation per detected SSB to this
    /// .sigmf-meta (the data file is hard-linked or copied beside it).
    #[arg(long, conflicts_with = "device")]
    annotate: Option<PathBuf>,
    #[command(flatten)]
    live: sdr_cmd::LiveArgs,
}

#[derive(Args)]
struct EvmArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// An error caused by the user's input (exit code 2).
fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("nrkit: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let auto = cli.isa.eq_ignore_ascii_case("auto");
    let isa: Isa = cli.isa.parse()?;
    let isa = isa
        .require()
        .with_context(|| format!("--isa {}", cli.isa))?;
    match cli.command {
        Command::Info(a) => info(a, isa),
        Command::Bench(a) => bench_cmd(a, if auto { Isa::available() } else { vec![isa] }),
        Command::Generate(GenerateCmd::Ofdm(a)) => generate_ofdm(a, isa),
        Command::Generate(GenerateCmd::Ssb(a)) => generate_ssb(a, isa),
        Command::Evm(a) => evm_cmd(a, isa),
        Command::Search(a) => search_cmd(a, isa),
        Command::Devices(a) => sdr_cmd::devices(a),
        Command::Tx(a) => sdr_cmd::tx(a),
        Command::Capture(a) => sdr_cmd::capture(a),
        Command::Sensitivity(a) => sensitivity_cmd(a, isa),
    }
}

fn sensitivity_cmd(a: SensitivityArgs, isa: Isa) -> Result<()> {
    use nrkit::sensitivity::{plot_png, run, write_csv, SensitivityOptions};
    if !(a.snr_step.is_finite() && a.snr_step > 0.0) {
        bail!("--snr-step {}: must be > 0 dB", a.snr_step);
    }
    if !(a.snr_min.is_finite() && a.snr_max.is_finite() && a.snr_max >= a.snr_min) {
        bail!(
            "--snr-min {} --snr-max {}: need finite values with min <= max",
            a.snr_min,
            a.snr_max
        );
    }
    let n = ((a.snr_max - a.snr_min) / a.snr_step + 1e-9).floor() as usize + 1;
    if n > 1000 {
        bail!("{n} SNR points: use a larger --snr-step");
    }
    // The font first: a bad one should not wait for minutes of trials to be reported.
    let font = nrkit::sensitivity::load_font(&a.font)?;
    std::fs::create_dir_all(&a.out_dir)
        .with_context(|| format!("creating {}", a.out_dir.display()))?;
    let o = SensitivityOptions {
        snrs_db: (0..n).map(|i| a.snr_min + i as f64 * a.snr_step).collect(),
        trials: a.trials,
        noise_trials: a.noise_trials,
        sample_rate: a.sample_rate,
        seed: a.seed,
        isa,
    };
    let quiet = a.json;
    let rep = run(&o, &|line: &str| {
        if !quiet {
            println!("{line}");
        }
    })?;
    let csv = a.out_dir.join("sensitivity.csv");
    let png = a.out_dir.join("sensitivity.png");
    write_csv(&rep, &csv)?;
    plot_png(&rep, &png, font)?;
    if a.json {
        println!("{}", serde_json::to_string(&rep)?);
    } else {
        println!("wrote {} and {}", csv.display(), png.display());
    }
    Ok(())
}

fn open(a: &InputArgs) -> Result<Recording> {
    if let Some(fmt) = &a.format {
        let dt = Datatype::parse(fmt).ok_or_else(|| anyhow!("unknown --format {fmt}"))?;
        let rate = a.sample_rate.ok_or_else(|| {
            anyhow!(
                "{}: raw input needs --sample-rate HZ (and --format)",
                a.input.display()
            )
        })?;
        return Ok(Recording::open_raw(&a.input, dt, rate, a.center_freq)?);
    }
    if a.sample_rate.is_some() || a.center_freq.is_some() {
        bail!(
            "{}: --sample-rate/--center-freq are for raw files; give --format too, or use the SigMF metadata",
            a.input.display()
        );
    }
    let s = a.input.to_string_lossy();
    if !(s.ends_with(".sigmf-meta") || s.ends_with(".sigmf-data") || s.ends_with(".sigmf")) {
        let (m, _) = nrkit::iq::sigmf_paths(&a.input);
        if !m.exists() {
            bail!(
                "{}: not a SigMF recording (no {}); for a raw file give --format cf32|ci16|ci8|cu8 --sample-rate HZ",
                a.input.display(),
                m.display()
            );
        }
    }
    Ok(Recording::open_sigmf(&a.input)?)
}

/// A progress bar on stderr that appears only on a terminal and after one second.
struct Progress {
    bar: ProgressBar,
    start: Instant,
    shown: bool,
}

impl Progress {
    fn new(total: u64, msg: &str) -> Self {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template("{msg} [{bar:40}] {percent}% ({eta})")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.set_message(msg.to_string());
        Progress {
            bar,
            start: Instant::now(),
            shown: false,
        }
    }

    fn set(&mut self, pos: u64) {
        if !self.shown
            && self.start.elapsed() > Duration::from_secs(1)
            && std::io::stderr().is_terminal()
        {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.shown = true;
        }
        self.bar.set_position(pos);
    }

    fn finish(self) {
        self.bar.finish_and_clear();
    }
}

fn db(x: f64) -> Option<f64> {
    (x > 0.0).then(|| 10.0 * x.log10())
}

fn info(a: InfoArgs, isa: Isa) -> Result<()> {
    let rec = open(&a.input)?;
    let k = nrkit::dsp::VectorKernels::new(isa)?;
    let mut reader = rec.reader()?;
    reader.set_kernels(k);
    let mut buf = vec![C32::default(); 1 << 16];
    let (mut energy, mut peak) = (0f64, 0f64);
    let mut sum = nrkit::core::C64::new(0.0, 0.0);
    let mut progress = Progress::new(rec.samples, "reading");
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        let chunk = &buf[..n];
        energy += f64::from(k.energy(chunk));
        if let Some((_, p)) = k.argmax_mag_sq(chunk) {
            peak = peak.max(f64::from(p));
        }
        for z in chunk {
            sum += nrkit::core::C64::new(f64::from(z.re), f64::from(z.im));
        }
        progress.set(reader.position());
    }
    progress.finish();
    let n = rec.samples as f64;
    let power = if n > 0.0 { energy / n } else { 0.0 };
    let dc = if n > 0.0 { (sum / n).norm_sqr() } else { 0.0 };
    let fs = rec.meta.sample_rate;
    let center = rec.meta.frequency_at(0);
    let v = json!({
        "path": rec.data_path.display().to_string(),
        "sample_rate": fs,
        "samples": rec.samples,
        "duration_s": n / fs,
        "center_freq": center,
        "datatype": rec.meta.datatype.sigmf_name(),
        "power_dbfs": db(power),
        "peak_dbfs": db(peak),
        "dc_offset_dbfs": db(dc),
        "captures": rec.meta.captures.len(),
        "annotations": rec.meta.annotations.len(),
    });
    if a.json {
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        let f = |x: Option<f64>| x.map_or("-inf".to_string(), |v| format!("{v:.2}"));
        println!("recording    {}", rec.data_path.display());
        println!("datatype     {}", rec.meta.datatype);
        println!("sample rate  {:.6} Msps", fs / 1e6);
        println!("samples      {} ({:.6} s)", rec.samples, n / fs);
        println!(
            "centre freq  {}",
            center.map_or("unknown".into(), |c| format!("{:.6} MHz", c / 1e6))
        );
        println!("power        {} dBFS", f(db(power)));
        println!("peak         {} dBFS", f(db(peak)));
        println!("DC offset    {} dBFS", f(db(dc)));
        println!(
            "segments     {} capture(s), {} annotation(s)",
            rec.meta.captures.len(),
            rec.meta.annotations.len()
        );
    }
    Ok(())
}

fn bench_cmd(a: BenchArgs, isas: Vec<Isa>) -> Result<()> {
    if let Some(k) = bench::unknown_kernel(&a.kernels) {
        bail!("unknown kernel {k:?}; known: {}", bench::KERNELS.join(", "));
    }
    let opts = BenchOptions {
        kernels: a.kernels.clone(),
        isas,
        time_per_result: Duration::from_millis(a.time_ms.max(10)),
    };
    let spinner = if std::io::stderr().is_terminal() {
        ProgressBar::new_spinner()
    } else {
        ProgressBar::hidden()
    };
    let results = bench::run(&opts, |m| spinner.set_message(m.to_string()))?;
    spinner.finish_and_clear();
    if a.json {
        let v = json!({"machine": bench::machine_info(), "results": results});
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        println!(
            "{:<14} {:<8} {:<52} {:>14} {:>12}",
            "kernel", "isa", "params", "ns/op", "throughput"
        );
        for r in &results {
            println!(
                "{:<14} {:<8} {:<52} {:>14.1} {:>8.1} {}",
                r.kernel,
                r.isa,
                r.params.to_string(),
                r.ns_per_op,
                r.throughput,
                r.unit
            );
        }
    }
    Ok(())
}

/// A cell: PCI, SSB subcarrier spacing (kHz), SS_REF (Hz), its SSBs in time order.
struct Cell {
    pci: u16,
    scs: u32,
    ssb_freq: f64,
    ssbs: Vec<nrkit::phy::search::SsbDetection>,
}

type Cells = Vec<Cell>;

use nrkit::phy::search::SearchCandidate as Candidate;

/// The spacings asked for (`--scs-ssb`), or the defaults of the frequency range.
fn spacings(scs_ssb: &Option<String>, freq: Option<f64>) -> Vec<u32> {
    match scs_ssb {
        Some(s) => vec![s.parse().expect("validated by clap")],
        None => nrkit::phy::search::default_spacings(freq),
    }
}

/// The candidates of `search` (see [`nrkit::phy::search::scan_candidates`]).
fn candidates(
    fs: f64,
    center: Option<f64>,
    ssb_freq: Option<f64>,
    scs_ssb: &Option<String>,
    cfo_range: Option<f64>,
) -> Vec<Candidate> {
    let spacings = spacings(scs_ssb, center.or(ssb_freq));
    nrkit::phy::search::scan_candidates(fs, center, ssb_freq, &spacings, cfo_range)
}

/// Pushes a chunk (or, with `None`, the end of the stream) to every searcher (in
/// parallel); detections are tagged with their candidate.
fn push_all(
    bank: &mut SearchBank,
    x: Option<&[C32]>,
    found: &mut Vec<(Candidate, nrkit::phy::search::SsbDetection)>,
) -> Result<()> {
    found.extend(match x {
        Some(x) => bank.push(x)?,
        None => bank.finish()?,
    });
    Ok(())
}

/// Groups detections into cells (PCI, spacing) in order of first appearance. A cell seen
/// at several candidate frequencies (neighbouring grid points) is reported at the one that
/// decoded the most SSBs (then the best mean SNR).
fn group_cells(found: Vec<(Candidate, nrkit::phy::search::SsbDetection)>) -> Cells {
    use std::collections::BTreeMap;
    // (pci, scs) → candidate frequency bits → detections
    type Seen = Vec<(Candidate, Vec<nrkit::phy::search::SsbDetection>)>;
    let mut by: BTreeMap<(u16, u32), Seen> = BTreeMap::new();
    for (c, d) in found {
        let e = by.entry((d.pci.value(), c.scs_khz)).or_default();
        match e.iter_mut().find(|x| x.0.freq_hz == c.freq_hz) {
            Some(x) => x.1.push(d),
            None => e.push((c, vec![d])),
        }
    }
    let mut cells: Cells = by
        .into_iter()
        .map(|((pci, scs), mut groups)| {
            let score = |g: &(Candidate, Vec<nrkit::phy::search::SsbDetection>)| {
                let snr = g.1.iter().map(|d| d.snr_db).sum::<f64>() / g.1.len() as f64;
                (g.1.len(), snr)
            };
            groups.sort_by(|a, b| {
                let (na, sa) = score(a);
                let (nb, sb) = score(b);
                nb.cmp(&na).then(sb.total_cmp(&sa))
            });
            let (c, mut ssbs) = groups.swap_remove(0);
            ssbs.sort_by_key(|d| d.sample_offset);
            let ssb_freq = if c.on_raster {
                c.freq_hz
            } else {
                let mut cfo: Vec<f64> = ssbs.iter().map(|d| d.cfo_hz).collect();
                cfo.sort_by(f64::total_cmp);
                c.freq_hz + (cfo[cfo.len() / 2] / 100.0).round() * 100.0
            };
            Cell {
                pci,
                scs,
                ssb_freq,
                ssbs,
            }
        })
        .collect();
    cells.sort_by_key(|c| c.ssbs[0].sample_offset);
    cells
}

/// The `search --json` document (the contract).
fn cells_json(cells: &Cells) -> serde_json::Value {
    let cells: Vec<serde_json::Value> = cells
        .iter()
        .map(|c| {
            let (pci, scs, ssbs) = (c.pci, c.scs, &c.ssbs);
            let m = ssbs[0].mib;
            json!({
                "pci": pci,
                "ssb_freq_hz": c.ssb_freq,
                "scs_ssb_khz": scs,
                "mib": mib_json(&m, true),
                "ssbs": ssbs.iter().map(|d| json!({
                    "ssb_index": d.ssb_index,
                    "half_frame": d.half_frame,
                    "sfn": d.mib.sfn,
                    "sample_offset": d.sample_offset,
                    "cfo_hz": d.cfo_hz,
                    "snr_db": d.snr_db,
                    "rsrp_dbfs": d.rsrp_dbfs,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({ "cells": cells })
}

/// The readable table of `search`.
fn print_cells(cells: &Cells, source: &str) {
    if cells.is_empty() {
        println!("no cell found in {source}");
        return;
    }
    for c in cells {
        let (pci, scs, ssbs) = (c.pci, c.scs, &c.ssbs);
        let m = ssbs[0].mib;
        let gscn = nrkit::phy::ssb::raster::freq_to_gscn(c.ssb_freq)
            .map(|g| format!(" (GSCN {g})"))
            .unwrap_or_default();
        println!(
            "PCI {pci}  SSB {}{gscn} at {} kHz  MIB: SFN {} scs-common {} kHz k_SSB {} DMRS-A {} pdcch-ConfigSIB1 {} barred {} intra-freq-resel {}",
            fmt_hz(c.ssb_freq),
            scs,
            m.sfn,
            m.scs_common_khz,
            m.k_ssb,
            m.dmrs_type_a_position,
            m.pdcch_config_sib1,
            if m.cell_barred { "yes" } else { "no" },
            if m.intra_freq_reselection_allowed { "allowed" } else { "not allowed" },
        );
        println!(
            "  {:>5} {:>3} {:>5} {:>12} {:>10} {:>8} {:>10}",
            "index", "hf", "sfn", "sample", "cfo_hz", "snr_db", "rsrp_dBFS"
        );
        for d in ssbs {
            println!(
                "  {:>5} {:>3} {:>5} {:>12} {:>10.1} {:>8.1} {:>10.1}",
                d.ssb_index,
                d.half_frame,
                d.mib.sfn,
                d.sample_offset,
                d.cfo_hz,
                d.snr_db,
                d.rsrp_dbfs
            );
        }
    }
}

fn search_cmd(a: SearchArgs, isa: Isa) -> Result<()> {
    if a.live.device.is_some() {
        return sdr_cmd::live_search(&a, isa);
    }
    let input = InputArgs {
        input: a
            .input
            .clone()
            .expect("clap requires INPUT without --device"),
        format: a.format.clone(),
        sample_rate: a.sample_rate,
        center_freq: a.center_freq,
    };
    let rec = open(&input)?;
    let fs = rec.meta.sample_rate;
    let center = rec.meta.frequency_at(0);
    let fc = center.unwrap_or(0.0);
    if a.ssb_freq.is_some_and(|f| !f.is_finite()) {
        bail!("--ssb-freq must be finite");
    }
    let cands = candidates(fs, center, a.ssb_freq, &a.scs_ssb, a.cfo_range);
    if a.ssb_freq.is_none() && !a.json {
        let how = if center.is_some() {
            format!(
                "the sync raster (GSCN) within the band around {} and the centre",
                fmt_hz(fc)
            )
        } else {
            "a grid of offsets across the band (no centre frequency known)".to_string()
        };
        eprintln!(
            "nrkit: note: no --ssb-freq: scanning {} candidates over {how}",
            cands.len()
        );
    }
    let mut engine = FftEngine::new(isa)?;
    let mut searchers = SearchBank::new(fs, &cands, a.cfo_range, &mut engine)
        .with_context(|| format!("{}: search parameters", rec.data_path.display()))?;
    let mut reader = rec.reader()?;
    reader.set_kernels(nrkit::dsp::VectorKernels::new(isa)?);
    let mut buf = vec![C32::default(); 1 << 16];
    let mut found = Vec::new();
    let mut progress = Progress::new(rec.samples, "searching");
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        push_all(&mut searchers, Some(&buf[..n]), &mut found)?;
        progress.set(reader.position());
    }
    push_all(&mut searchers, None, &mut found)?;
    progress.finish();
    let cells = group_cells(found);
    if let Some(out) = &a.annotate {
        let mut meta = rec.meta.clone();
        for c in &cells {
            // 4 symbols of N + N_CP at the input rate.
            let count = (4.0 * (1.0 + 144.0 / 2048.0) * fs / (f64::from(c.scs) * 1e3)).round();
            for d in &c.ssbs {
                let mut an = ssb_annotation(
                    d.sample_offset,
                    count as u64,
                    c.pci,
                    (d.ssb_index, d.mib.sfn, d.half_frame),
                    c.ssb_freq,
                    c.scs,
                );
                an.extra.insert("nrkit:cfo_hz".into(), json!(d.cfo_hz));
                an.extra.insert("nrkit:snr_db".into(), json!(d.snr_db));
                an.extra.insert("nrkit:mib".into(), mib_json(&d.mib, false));
                meta.annotations.push(an);
            }
        }
        meta.annotations.sort_by_key(|x| x.sample_start);
        create_parent(out)?;
        let (meta_path, data_path) = nrkit::iq::sigmf_paths(out);
        let same = std::fs::canonicalize(&data_path).ok()
            == std::fs::canonicalize(&rec.data_path).ok()
            || same_file(&data_path, &rec.data_path);
        if !same {
            if data_path.exists() {
                bail!(
                    "{}: exists; not overwriting it with the recording's data",
                    data_path.display()
                );
            }
            if std::fs::hard_link(&rec.data_path, &data_path).is_err() {
                std::fs::copy(&rec.data_path, &data_path).with_context(|| {
                    format!(
                        "copying {} to {}",
                        rec.data_path.display(),
                        data_path.display()
                    )
                })?;
            }
        }
        nrkit::iq::write_meta(&meta_path, &meta)?;
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&cells_json(&cells))?);
    } else {
        print_cells(&cells, &rec.data_path.display().to_string());
    }
    Ok(())
}

/// Whether two paths name the same file (e.g. a hard link left by an earlier --annotate).
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return x.dev() == y.dev() && x.ino() == y.ino();
        }
    }
    let _ = (a, b);
    false
}

/// The MIB as JSON (the `search` contract's field names); `with_sfn` adds the SFN.
fn mib_json(m: &nrkit::phy::ssb::Mib, with_sfn: bool) -> serde_json::Value {
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
fn ssb_annotation(
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

fn fmt_hz(f: f64) -> String {
    if f.abs() >= 1e6 {
        format!("{:.6} MHz", f / 1e6)
    } else {
        format!("{f:.0} Hz")
    }
}

fn create_parent(path: &Path) -> Result<()> {
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
    }
    Ok(())
}

fn generate_ssb(a: GenSsbArgs, isa: Isa) -> Result<()> {
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
    g.insert(
        "core:generator".into(),
        json!(format!("nrkit {}", env!("CARGO_PKG_VERSION"))),
    );
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
    create_parent(&a.output)?;
    let mut w = Writer::create(&a.output, meta)?;
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
    let (m, d) = nrkit::iq::sigmf_paths(&a.output);
    println!(
        "wrote {n_ssb} SSBs in {n} samples ({:.3} ms at {:.6} Msps) to {} and {}",
        n as f64 / a.sample_rate * 1e3,
        a.sample_rate / 1e6,
        m.display(),
        d.display()
    );
    Ok(())
}

fn generate_ofdm(a: GenOfdmArgs, isa: Isa) -> Result<()> {
    let numerology = Numerology::from_scs_khz(a.scs).context("--scs")?;
    let modulation = Modulation::from_name(&a.modulation).context("--modulation")?;
    if a.slots == 0 || a.slots > 10_000 {
        bail!("--slots must be 1..=10000, got {}", a.slots);
    }
    if !a.gain_db.is_finite() {
        bail!("--gain-db must be finite");
    }
    let mut tw = TestWave {
        numerology,
        n_rb: a.nrb,
        fft_size: 0,
        slots: a.slots,
        modulation,
        seed: a.seed,
        center_freq: a.center_freq,
    };
    tw.fft_size = a
        .fft_size
        .unwrap_or_else(|| nrkit::phy::OfdmConfig::new(numerology, a.nrb).fft_size);
    let mut engine = FftEngine::new(isa)?;
    let mut ofdm = Ofdm::new(tw.ofdm_config(), &mut engine).context("OFDM parameters")?;
    let mut wave = tw.waveform(&mut ofdm)?;
    let g = 10f64.powf(a.gain_db / 20.0) as f32;
    if g != 1.0 {
        // The gain is recorded in nrkit:gain_db so `nrkit evm` can undo it.
        wave.iter_mut().for_each(|z| *z *= g);
    }
    let mut meta = Meta::new(a.datatype.into(), ofdm.sample_rate(), a.center_freq);
    meta.description = Some(format!(
        "nrkit OFDM test waveform: {} kHz, {} RB, {} slots, {}",
        a.scs,
        a.nrb,
        a.slots,
        modulation.name()
    ));
    meta.global_extra = tw.to_meta();
    meta.global_extra
        .insert("nrkit:gain_db".into(), json!(a.gain_db));
    meta.global_extra.insert(
        "core:generator".into(),
        json!(format!("nrkit {}", env!("CARGO_PKG_VERSION"))),
    );
    if let Some(dir) = a.output.parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
    }
    let mut w = Writer::create(&a.output, meta)?;
    w.set_kernels(nrkit::dsp::VectorKernels::new(isa)?);
    let per_slot = ofdm.samples_for(0, numerology.symbols_per_slot());
    let mut pos = 0u64;
    for (i, slot) in wave.chunks(per_slot).enumerate() {
        let mut an = Annotation::new(pos, slot.len() as u64, format!("slot {i}"));
        let bw = a.nrb as f64 * 12.0 * numerology.scs_hz();
        let fc = a.center_freq.unwrap_or(0.0);
        an.freq_lower_edge = Some(fc - bw / 2.0);
        an.freq_upper_edge = Some(fc + bw / 2.0);
        w.annotate(an);
        pos += slot.len() as u64;
    }
    w.write(&wave)?;
    let n = w.finish()?;
    let (m, d) = nrkit::iq::sigmf_paths(&a.output);
    println!(
        "wrote {} samples ({:.3} ms at {:.3} Msps) to {} and {}",
        n,
        n as f64 / ofdm.sample_rate() * 1e3,
        ofdm.sample_rate() / 1e6,
        m.display(),
        d.display()
    );
    Ok(())
}

fn evm_cmd(a: EvmArgs, isa: Isa) -> Result<()> {
    let rec = open(&a.input)?;
    let path: &Path = rec.meta_path.as_deref().unwrap_or(&rec.data_path);
    let tw = TestWave::from_meta(&rec.meta.global_extra)
        .map_err(|e| anyhow!("{}: {e}", path.display()))?
        .ok_or_else(|| {
            anyhow!(
                "{}: not an nrkit OFDM test waveform (no nrkit:waveform = \"ofdm_test\")",
                path.display()
            )
        })?;
    let gain_db = rec
        .meta
        .global_extra
        .get("nrkit:gain_db")
        .and_then(serde_json::Value::as_f64)
        .unwrap_or(0.0);
    let mut engine = FftEngine::detect();
    let mut ofdm =
        Ofdm::new(tw.ofdm_config(), &mut engine).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    let n_sym = tw.slots * tw.numerology.symbols_per_slot();
    let need = ofdm.samples_for(0, n_sym) as u64;
    if rec.samples < need {
        bail!(
            "{}: {} samples, but the waveform described needs {need}",
            rec.data_path.display(),
            rec.samples
        );
    }
    let mut x = vec![C32::default(); need as usize];
    let mut reader = rec.reader()?;
    reader.set_kernels(nrkit::dsp::VectorKernels::new(isa)?);
    let got = reader.read(&mut x)?;
    x.truncate(got);
    let g = 10f64.powf(-gain_db / 20.0) as f32;
    x.iter_mut().for_each(|z| *z *= g);
    let grid = ofdm.demodulate(&x, 0, n_sym)?;
    let reference = tw.grid()?;
    let e = evm(
        grid.as_slice_memory_order().expect("contiguous"),
        reference.as_slice_memory_order().expect("contiguous"),
    );
    let v = json!({
        "evm_rms_percent": e * 100.0,
        "evm_db": 20.0 * e.max(1e-12).log10(),
        "symbols": n_sym,
        "resource_elements": grid.len(),
        "modulation": tw.modulation.name(),
    });
    if a.json {
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        println!(
            "EVM {:.4} % ({:.1} dB) over {} REs in {} symbols ({})",
            e * 100.0,
            20.0 * e.max(1e-12).log10(),
            grid.len(),
            n_sym,
            tw.modulation.name()
        );
    }
    Ok(())
}
