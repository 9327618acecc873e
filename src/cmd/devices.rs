//! `nrkit devices`: list SoapySDR devices.

use anyhow::Result;
use clap::Args as ClapArgs;
use nrkit::sdr;
use serde_json::json;

use super::common::output::print_json;
use super::common::Ctx;

/// Options of `nrkit devices`.
#[derive(ClapArgs)]
pub struct Args {
    /// Only devices matching these SoapySDR args (e.g. `driver=uhd`).
    #[arg(long, default_value = "")]
    pub filter: String,
    /// Print JSON: `[{"args": {...}, "open_args": "..."}]`.
    #[arg(long)]
    pub json: bool,
}

/// Runs `nrkit devices`.
pub fn run(a: Args, _ctx: &Ctx) -> Result<()> {
    let list = sdr::enumerate(&a.filter)?;
    if a.json {
        let v: Vec<_> = list
            .iter()
            .map(|d| json!({"args": d.args, "open_args": d.args_string()}))
            .collect();
        print_json(&v)?;
    } else if list.is_empty() {
        outln!(
            "no SoapySDR device found{} (drivers are SoapySDR modules, e.g. Debian's \
             soapysdr-module-uhd, -lms7, -rtlsdr; SOAPY_SDR_PLUGIN_PATH adds module folders)",
            if a.filter.is_empty() {
                String::new()
            } else {
                format!(" matching \"{}\"", a.filter)
            }
        );
    } else {
        for d in &list {
            let label = d.args.get("label").cloned().unwrap_or_default();
            outln!("{label}\n  --device \"{}\"", d.args_string());
        }
    }
    Ok(())
}
