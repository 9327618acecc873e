//! `nrkit simulate`: link-level Monte Carlo (BLER/BER against SNR) on nrkit-sim, sharded
//! across processes or cluster nodes with `--shard i/n` and joined by `simulate merge`.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::{Args as ClapArgs, Subcommand};
use nrkit::channel::tdl::TdlModel;
use nrkit::phy::modulation::Modulation;
use nrkit::phy::pdsch::McsTable;
use nrkit::sim::links::{LdpcLink, PbchLink, PdschLink, PolarLink};
use nrkit::sim::output::{from_csv, from_json, to_csv, to_json};
use nrkit::sim::runner::parse_snr_range;
use nrkit::sim::{Link, Plan, Point, Shard, SimResult};

use super::common::config::read_pdsch;
use super::common::output::{check_overwrite, create_parent};
use super::common::{runtime, Ctx};

/// The links and `merge`.
#[derive(Subcommand)]
pub enum Command {
    /// One LDPC code block over AWGN (any base graph, lifting size, rate, modulation).
    Ldpc(LdpcArgs),
    /// The PDSCH of one slot over AWGN per RE (or TDL fading), configured by TOML, with
    /// optional HARQ.
    Pdsch(PdschArgs),
    /// The downlink CA-polar code of a DCI (A payload bits + CRC24C in E bits) over AWGN,
    /// QPSK, CA-SCL with a list size.
    Polar(PolarArgs),
    /// The BCH of the SS/PBCH block (MIB payload, K = 56, E = 864) over AWGN, QPSK, CA-SCL
    /// with a list size.
    Pbch(PbchArgs),
    /// Join the --json outputs of shards 0/n … (n−1)/n into the unsharded result.
    Merge(MergeArgs),
    /// Draw results (--json or --csv outputs) as BLER curves, one line per file, into a
    /// PNG or SVG (by the extension of -o).
    Plot(PlotArgs),
}

/// `simulate plot`.
#[derive(ClapArgs)]
pub struct PlotArgs {
    /// The results (--json or --csv outputs of `nrkit simulate`).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The picture: a .png or .svg file.
    #[arg(short = 'o', long)]
    pub output: PathBuf,
    /// The title (default: the links, "BLER vs SNR").
    #[arg(long)]
    pub title: Option<String>,
    /// Overwrite an existing output.
    #[arg(long)]
    pub force: bool,
}

/// What every link takes.
#[derive(ClapArgs)]
pub struct RunArgs {
    /// SNR points in dB: A:STEP:B (A, A+STEP, … ≤ B) or one value.
    #[arg(long, allow_hyphen_values = true)]
    pub snr_db: String,
    /// Trials per SNR point at most.
    #[arg(long, default_value_t = 1000)]
    pub trials: u64,
    /// Stop a point after this many block errors (checked every 32 trials; 0: never).
    #[arg(long, default_value_t = 100)]
    pub min_errors: u64,
    /// Worker threads (default: one per core).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Run only shard i of n (0 <= i < n): the trials t with t mod n = i.
    #[arg(long)]
    pub shard: Option<String>,
    /// Base seed; trial t of the point at SNR s uses the stream (seed, s, t).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[command(flatten)]
    pub out: OutArgs,
}

/// Output format and file.
#[derive(ClapArgs)]
pub struct OutArgs {
    /// Write JSON (with the per-batch counts `merge` needs).
    #[arg(long, conflicts_with = "csv", required_unless_present = "csv")]
    pub json: bool,
    /// Write CSV (one row per SNR point).
    #[arg(long)]
    pub csv: bool,
    /// Output file.
    #[arg(short = 'o', long)]
    pub output: PathBuf,
    /// Overwrite an existing output.
    #[arg(long)]
    pub force: bool,
    /// Also draw the BLER curve into this PNG (or SVG, by its extension), with the
    /// Wilson intervals as error bars.
    #[arg(long)]
    pub plot: Option<PathBuf>,
    /// Also draw the BLER curve into this SVG.
    #[arg(long)]
    pub svg: Option<PathBuf>,
}

/// `simulate ldpc`.
#[derive(ClapArgs)]
pub struct LdpcArgs {
    /// Base graph, 1 or 2.
    #[arg(long, default_value_t = 1)]
    pub bg: u8,
    /// Lifting size Z (TS 38.212 Table 5.3.2-1).
    #[arg(long, default_value_t = 384)]
    pub z: usize,
    /// Code rate K/E (E rounded to whole symbols).
    #[arg(long)]
    pub rate: f64,
    /// Modulation: bpsk, qpsk, 16qam, 64qam, 256qam, 1024qam.
    #[arg(long, default_value = "qpsk")]
    pub modulation: String,
    /// Maximum decoder iterations.
    #[arg(long, default_value_t = 10)]
    pub iterations: usize,
    /// Decoder: min-sum (the product's 8-bit layered decoder) or sum-product (the f64
    /// reference).
    #[arg(long, default_value = "min-sum", value_parser = ["min-sum", "sum-product"])]
    pub decoder: String,
    #[command(flatten)]
    pub run: RunArgs,
}

/// `simulate pdsch`.
#[derive(ClapArgs)]
pub struct PdschArgs {
    /// PDSCH configuration (TOML, as `generate pdsch`).
    #[arg(long)]
    pub config: PathBuf,
    /// MCS table replacing the configuration's: qam64, qam256, qam64LowSE, qam1024.
    #[arg(long, requires = "mcs")]
    pub mcs_table: Option<String>,
    /// MCS index replacing the configuration's (the modulation follows the row).
    #[arg(long)]
    pub mcs: Option<u8>,
    /// Transmissions per TB at most (HARQ over rv 0, 2, 3, 1; 1: none).
    #[arg(long, default_value_t = 1)]
    pub harq: usize,
    /// A TDL fading channel of TR 38.901 §7.7.2 (A, B, C, D or E) instead of AWGN on the
    /// grid: the slot goes through OFDM, the channel, noise and the sample receiver.
    #[arg(long, requires = "delay_spread_ns")]
    pub tdl: Option<String>,
    /// RMS delay spread of the TDL channel in ns.
    #[arg(long, requires = "tdl", allow_hyphen_values = true)]
    pub delay_spread_ns: Option<f64>,
    /// Maximum Doppler frequency of the TDL channel in Hz.
    #[arg(
        long,
        default_value_t = 0.0,
        requires = "tdl",
        allow_hyphen_values = true
    )]
    pub doppler_hz: f64,
    /// Receive antennas over the TDL channel (1…8), combined by the receiver.
    #[arg(long, default_value_t = 1, requires = "tdl")]
    pub rx_antennas: usize,
    /// Their correlation (TS 38.101-4 §B.2.3.1): low (β = 0), medium-a (0.3874), medium or
    /// high (0.9), or β itself.
    #[arg(long, default_value = "low", requires = "tdl")]
    pub rx_correlation: String,
    #[command(flatten)]
    pub run: RunArgs,
}

/// `simulate polar`.
#[derive(ClapArgs)]
pub struct PolarArgs {
    /// Payload bits A (12…140, the DCI sizes; 24 CRC bits are added).
    #[arg(long, default_value_t = 40)]
    pub payload: usize,
    /// Rate-matched bits E (even; 108 · aggregation level for a PDCCH, e.g. 216 at AL 2).
    #[arg(long, default_value_t = 216)]
    pub e: usize,
    /// CA-SCL list size (1…32).
    #[arg(long, default_value_t = 8)]
    pub list: usize,
    #[command(flatten)]
    pub run: RunArgs,
}

/// `simulate pbch`.
#[derive(ClapArgs)]
pub struct PbchArgs {
    /// CA-SCL list size (1…32).
    #[arg(long, default_value_t = 8)]
    pub list: usize,
    #[command(flatten)]
    pub run: RunArgs,
}

/// `simulate merge`.
#[derive(ClapArgs)]
pub struct MergeArgs {
    /// The shards' --json outputs.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub out: OutArgs,
}

/// Runs `nrkit simulate …`.
pub fn run(c: Command, _ctx: &Ctx) -> Result<()> {
    match c {
        Command::Ldpc(a) => {
            let m = Modulation::from_name(&a.modulation).context("--modulation")?;
            if m == Modulation::Pi2Bpsk {
                bail!("--modulation pi/2-bpsk: use bpsk (the same over AWGN)");
            }
            let link = LdpcLink::new(a.bg, a.z, a.rate, m, a.iterations)
                .context("--bg/--z/--rate/--iterations")?;
            let link = if a.decoder == "sum-product" {
                link.with_sum_product()
            } else {
                link
            };
            simulate(&link, &a.run)
        }
        Command::Pdsch(a) => {
            let setup = read_pdsch(&a.config)?;
            let mcs = match (a.mcs_table.as_deref(), a.mcs) {
                (_, None) => None,
                (t, Some(i)) => {
                    let table = match t {
                        Some(name) => McsTable::from_name(name).context("--mcs-table")?,
                        None => setup.dlsch.mcs.map(|m| m.0).unwrap_or(McsTable::Qam64),
                    };
                    Some((table, i))
                }
            };
            let link = PdschLink::new(setup, mcs, a.harq)
                .with_context(|| format!("{} with --mcs/--harq", a.config.display()))?;
            let link = match (&a.tdl, a.delay_spread_ns) {
                (Some(m), Some(ds)) => {
                    let model = TdlModel::from_name(m).context("--tdl")?;
                    let beta = match a.rx_correlation.to_ascii_lowercase().as_str() {
                        "low" => 0.0,
                        "medium-a" => 0.3874,
                        "medium" | "high" => 0.9,
                        v => v.parse::<f64>().map_err(|_| {
                            anyhow::anyhow!(
                                "--rx-correlation {v}: low, medium-a, medium, high or a β in 0..0.99"
                            )
                        })?,
                    };
                    link.with_tdl(model, ds * 1e-9, a.doppler_hz)
                        .context("--tdl/--delay-spread-ns/--doppler-hz")?
                        .with_rx_antennas(a.rx_antennas, beta)
                        .context("--rx-antennas/--rx-correlation")?
                }
                _ => link,
            };
            simulate(&link, &a.run)
        }
        Command::Polar(a) => {
            let link = PolarLink::new(a.payload, a.e, a.list).context("--payload/--e/--list")?;
            simulate(&link, &a.run)
        }
        Command::Pbch(a) => {
            let link = PbchLink::new(a.list).context("--list")?;
            simulate(&link, &a.run)
        }
        Command::Merge(a) => {
            a.out.check()?;
            let mut parts = Vec::with_capacity(a.files.len());
            for f in &a.files {
                let text = std::fs::read_to_string(f)
                    .with_context(|| format!("reading {}", f.display()))?;
                if f.extension().is_some_and(|e| e == "csv") || text.starts_with("# nrkit simulate")
                {
                    bail!(
                        "{}: a CSV holds no per-batch counts; merge the shards' --json outputs",
                        f.display()
                    );
                }
                parts.push(from_json(&text).with_context(|| f.display().to_string())?);
            }
            let merged = nrkit::sim::merge(&parts)?;
            eprintln!(
                "merged {} files: {} SNR points",
                parts.len(),
                merged.points.len()
            );
            a.out.write(&merged)
        }
        Command::Plot(a) => {
            check_picture("-o", &a.output, &["png", "svg"])?;
            check_overwrite(&a.output, false, a.force)?;
            let mut results = Vec::with_capacity(a.files.len());
            for f in &a.files {
                let text = std::fs::read_to_string(f)
                    .with_context(|| format!("reading {}", f.display()))?;
                let r = if text.starts_with("# nrkit simulate") {
                    from_csv(&text)
                } else {
                    from_json(&text)
                };
                results.push(r.with_context(|| f.display().to_string())?);
            }
            draw_atomic(&results, &a.output, a.title.as_deref())?;
            outln!("wrote {}", a.output.display());
            Ok(())
        }
    }
}

/// Checks that `path` (given with `flag`) ends in one of `exts`.
fn check_picture(flag: &str, path: &Path, exts: &[&str]) -> Result<()> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if !ext.as_deref().is_some_and(|e| exts.contains(&e)) {
        bail!(
            "{flag} {}: the picture's name must end in .{}",
            path.display(),
            exts.join(" or .")
        );
    }
    Ok(())
}

/// Draws `results` beside `path`, then renames the picture over it.
fn draw_atomic(results: &[SimResult], path: &Path, title: Option<&str>) -> Result<()> {
    create_parent(path)?;
    let name = path
        .file_name()
        .with_context(|| format!("{}: not a file name", path.display()))?
        .to_string_lossy()
        .to_string();
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("png");
    let tmp = path.with_file_name(format!(".{name}.partial.{ext}"));
    match nrkit::sim::plot::plot(results, &tmp, title) {
        Ok(()) => {}
        Err(nrkit::sim::plot::PlotError::Input(e)) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e.into());
        }
        Err(nrkit::sim::plot::PlotError::Draw(m)) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(runtime(format!("{m} (for {})", path.display())));
        }
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        runtime(format!("writing {}: {e}", path.display()))
    })
}

impl OutArgs {
    fn check(&self) -> Result<()> {
        check_overwrite(&self.output, false, self.force)?;
        if let Some(p) = &self.plot {
            check_picture("--plot", p, &["png", "svg"])?;
            check_overwrite(p, false, self.force)?;
        }
        if let Some(p) = &self.svg {
            check_picture("--svg", p, &["svg"])?;
            check_overwrite(p, false, self.force)?;
        }
        Ok(())
    }

    /// Writes `r` beside the output, then renames it over it: a failed write never leaves
    /// a file that looks complete.
    fn write(&self, r: &SimResult) -> Result<()> {
        let text = if self.csv { to_csv(r) } else { to_json(r) };
        write_atomic(&self.output, text.as_bytes())?;
        for p in self.plot.iter().chain(&self.svg) {
            draw_atomic(std::slice::from_ref(r), p, None)?;
        }
        Ok(())
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    create_parent(path)?;
    let name = path
        .file_name()
        .with_context(|| format!("-o {}: not a file name", path.display()))?;
    let tmp = path.with_file_name(format!(".{}.partial", name.to_string_lossy()));
    let res = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = res {
        let _ = std::fs::remove_file(&tmp);
        return Err(runtime(format!("writing {}: {e}", path.display())));
    }
    Ok(())
}

fn simulate(link: &dyn Link, a: &RunArgs) -> Result<()> {
    a.out.check()?;
    let snr_db = parse_snr_range(&a.snr_db).context("--snr-db")?;
    if !(1..=1u64 << 40).contains(&a.trials) {
        bail!("--trials {}: must be 1..=2^40", a.trials);
    }
    let shard = match &a.shard {
        Some(s) => Some(s.parse::<Shard>().with_context(|| format!("--shard {s}"))?),
        None => None,
    };
    let threads = match a.threads {
        Some(0) | Some(1025..) => bail!("--threads {}: must be 1..=1024", a.threads.unwrap_or(0)),
        Some(t) => t,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| runtime(format!("starting {threads} threads: {e}")))?;
    let plan = Plan {
        snr_db,
        max_trials: a.trials,
        min_errors: a.min_errors,
        seed: a.seed,
        shard,
    };
    let started = std::time::Instant::now();
    let progress = |p: &Point| {
        eprintln!(
            "{} {:>8.3} dB: {:>7} trials, {:>6} block errors, BLER {:.3e} [{:.2e}, {:.2e}]",
            link.name(),
            p.snr_db,
            p.trials,
            p.block_errors,
            p.bler,
            p.bler_ci95[0],
            p.bler_ci95[1]
        );
    };
    let r = nrkit::sim::run(link, &plan, &pool, &progress)?;
    eprintln!(
        "{} points in {:.1} s on {threads} threads{}",
        r.points.len(),
        started.elapsed().as_secs_f64(),
        shard.map(|s| format!(", shard {s}")).unwrap_or_default()
    );
    a.out.write(&r)
}
