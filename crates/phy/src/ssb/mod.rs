//! SS/PBCH blocks: PSS, SSS, PBCH DMRS, the BCH and PBCH, SSB mapping, burst sets and
//! waveform generation.
//!
//! * [`sequences`]: PSS, SSS and PBCH DMRS (TS 38.211 §7.4.2, §7.4.1.4).
//! * [`pbch`]: MIB, BCH coding (TS 38.212 §7.1) and PBCH (TS 38.211 §7.3.3).
//! * [`mapping`]: the 240 × 4 block (TS 38.211 §7.4.3.1).
//! * [`burst`]: Cases A–E candidate positions (TS 38.213 §4.1).
//! * [`generate`]: SSB burst waveforms at any sample rate and frequency offset.
//! * [`raster`]: GSCN sync raster and NR-ARFCN channel raster (TS 38.104 §5.4).

pub mod burst;
pub mod generate;
pub mod mapping;
pub mod pbch;
pub mod raster;
pub mod sequences;

pub use burst::SsbCase;
pub use generate::{SsbGenerator, SsbPlacement, SsbTxConfig};
pub use pbch::{BchDecoded, BchDecoder, BchPayload, Mib};

use ndarray::Array2;
use nrkit_core::{Error, Pci, C32};

/// The complete 240 × 4 resource grid of one SSB: PSS, SSS, PBCH DMRS for ī_SSB and the
/// PBCH carrying `payload`.
pub fn ssb_block(pci: Pci, payload: &BchPayload) -> Result<Array2<C32>, Error> {
    let coded = pbch::bch_encode(payload, pci)?;
    let nu = pbch::pbch_nu(payload.ssb_index, payload.l_max);
    let pbch_syms = pbch::pbch_symbols(&coded, pci, nu)?;
    let ibar = sequences::i_bar_ssb(payload.ssb_index, payload.half_frame, payload.l_max);
    let dmrs = sequences::pbch_dmrs(pci, ibar)?;
    let pss = sequences::pss(pci.n_id_2())?;
    let sss = sequences::sss(pci);
    mapping::ssb_grid(&pss, &sss, &dmrs, &pbch_syms, usize::from(pci.value() % 4))
}
