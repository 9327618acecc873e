//! The PDCCH of one slot as time samples: the sample-level front end before the blind
//! decoder, as for the PDSCH (`crate::pdsch::slot`): FFT windows at half the CP; the
//! timing error from the DMRS phase slope over the whole CORESET, the slot taken again
//! shifted by it when it exceeds an eighth of the CP (errors up to about one CP either way);
//! the CFO from the cyclic prefixes of the CORESET's symbols, removed; then [`PdcchBlindDecoder::search`].

use nrkit_core::{Error, Numerology, C32, C64};

use super::{Coreset, FoundDci, PdcchBlindDecoder, PdcchIds, PdcchSearch};
use crate::grid::ResourceGrid;
use crate::ofdm::Ofdm;
use crate::pdsch::dmrs;
use crate::pdsch::slot::{cp_cfo, demodulate_grid, derotate, shifted_slot};

/// The timing error in samples (positive: the signal is late) at FFT size `n_fft` from
/// the phase slope of the PDCCH DMRS over every RB and symbol of `coreset` from
/// `start_symbol` in slot `n_slot` (of the frame): REGs without a PDCCH add only noise.
pub fn coreset_timing(
    grid: &ResourceGrid,
    port: usize,
    coreset: &Coreset,
    start_symbol: usize,
    ids: &PdcchIds,
    n_slot: usize,
    n_fft: usize,
) -> Result<f64, Error> {
    if port >= grid.n_ports() {
        return Err(Error::invalid(
            "antenna port",
            format!("0..{}", grid.n_ports()),
            port,
        ));
    }
    let n_symb = grid.numerology().symbols_per_slot();
    if start_symbol + coreset.duration() > n_symb {
        return Err(Error::invalid(
            "CORESET first symbol",
            format!("<= {}", n_symb - coreset.duration()),
            start_symbol,
        ));
    }
    let g = grid.port(port);
    let ref_crb = coreset.dmrs_reference_crb();
    let n_rb = coreset.crbs().last().map_or(0, |c| c + 1 - ref_crb);
    let mut acc = C64::new(0.0, 0.0);
    for s in 0..coreset.duration() {
        let l = start_symbol + s;
        let r = dmrs::sequence(
            dmrs::c_init(n_symb, n_slot, l, ids.dmrs_n_id, 0),
            0,
            n_rb,
            3,
        );
        for &crb in coreset.crbs() {
            let mut z = [C32::default(); 3];
            for (kp, sc) in [1usize, 5, 9].into_iter().enumerate() {
                let Some(k) = grid.k_of_crb(crb, sc) else {
                    return Err(Error::invalid(
                        "CORESET RBs",
                        "inside the grid",
                        format!("CRB {crb}"),
                    ));
                };
                z[kp] = g[[k, l]] * r[3 * (crb - ref_crb) + kp].conj();
            }
            for p in [z[1] * z[0].conj(), z[2] * z[1].conj()] {
                acc += C64::new(f64::from(p.re), f64::from(p.im));
            }
        }
    }
    let alpha = acc.arg() / 4.0;
    Ok(-alpha * n_fft as f64 / std::f64::consts::TAU)
}

/// What the slot front end measured, and the DCIs found.
#[derive(Debug, Clone, PartialEq)]
pub struct PdcchSlotOutcome {
    /// The DCIs.
    pub found: Vec<FoundDci>,
    /// CFO from the CPs, removed, Hz.
    pub cfo_hz: f64,
    /// Whole samples the FFT windows were moved by (positive: later).
    pub shift: i64,
}

/// Blind PDCCH decoding of slot `n_slot` (absolute slot count; DMRS and hashing use it
/// modulo the slots of a frame) from `samples`, which start at the slot's first sample
/// as expected and hold at least the slot, for a carrier of `n_size_grid` RBs from CRB
/// `n_start_grid`.
#[allow(clippy::too_many_arguments)]
pub fn receive_pdcch_slot(
    ofdm: &mut Ofdm,
    dec: &mut PdcchBlindDecoder,
    numerology: Numerology,
    n_start_grid: usize,
    n_size_grid: usize,
    n_slot: usize,
    q: &PdcchSearch<'_>,
    samples: &[C32],
) -> Result<PdcchSlotOutcome, Error> {
    let n_symb = numerology.symbols_per_slot();
    let first_symbol = (n_slot % numerology.slots_per_subframe()) * n_symb;
    let need = ofdm.samples_for_at(first_symbol, n_symb);
    if samples.len() < need {
        return Err(Error::LengthMismatch {
            what: "slot samples",
            expected: need,
            got: samples.len(),
        });
    }
    let slot_in_frame = n_slot % numerology.slots_per_frame();
    let n_fft = ofdm.config().fft_size;
    let ports = [samples];
    let raw = shifted_slot(&ports, need, 0);
    let g0 = demodulate_grid(
        ofdm,
        numerology,
        n_start_grid,
        n_size_grid,
        first_symbol,
        &raw,
    )?;
    let tau = coreset_timing(
        &g0,
        0,
        q.coreset,
        q.search_space.start_symbol,
        q.ids,
        slot_in_frame,
        n_fft,
    )?;
    let cp = ofdm.cp_len(first_symbol + 1) as f64;
    let shift = if tau.abs() > cp / 8.0 {
        tau.round() as i64
    } else {
        0
    };
    let mut bufs = if shift == 0 {
        raw
    } else {
        shifted_slot(&ports, need, shift)
    };
    // The CFO from the CPs of the CORESET's symbols only: the rest of the slot may hold
    // nothing but noise.
    let s0 = q.search_space.start_symbol;
    let off = if s0 == 0 {
        0
    } else {
        ofdm.samples_for_at(first_symbol, s0)
    };
    let cfo = cp_cfo(
        ofdm,
        &bufs[0][off..],
        first_symbol + s0,
        q.coreset.duration(),
    );
    derotate(&mut bufs, cfo, ofdm.sample_rate());
    let grid = demodulate_grid(
        ofdm,
        numerology,
        n_start_grid,
        n_size_grid,
        first_symbol,
        &bufs,
    )?;
    let found = dec.search(&grid, 0, slot_in_frame, q)?;
    Ok(PdcchSlotOutcome {
        found,
        cfo_hz: cfo,
        shift,
    })
}
