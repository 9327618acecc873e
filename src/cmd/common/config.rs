//! Configuration files the commands read.

use std::path::Path;

use anyhow::{bail, Context, Result};
use nrkit::gnb::{parse_pdsch, PdschSetup};

/// Reads and validates the PDSCH configuration `path` (any number of layers).
pub fn read_pdsch(path: &Path) -> Result<PdschSetup> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading --config {}", path.display()))?;
    parse_pdsch(&text).with_context(|| path.display().to_string())
}

/// Reads and validates the PDSCH configuration `path` for `nrkit <command>`, which
/// handles one layer (one antenna port; the library, nrkit-phy, does up to 4).
pub fn load_pdsch(path: &Path, command: &str) -> Result<PdschSetup> {
    let setup = read_pdsch(path)?;
    if setup.pdsch.num_layers != 1 {
        bail!(
            "{}: pdsch.num_layers = {}: `nrkit {command}` handles one layer (one antenna \
             port); the library (nrkit-phy) does up to 4",
            path.display(),
            setup.pdsch.num_layers
        );
    }
    Ok(setup)
}

/// Reads and validates the PDCCH configuration `path`.
pub fn read_pdcch(path: &Path) -> Result<nrkit::gnb::PdcchSetup> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading --config {}", path.display()))?;
    nrkit::gnb::parse_pdcch(&text).with_context(|| path.display().to_string())
}
