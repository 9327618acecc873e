//! The PDSCH of one slot as time samples: OFDM modulation of the transmit grid, and the
//! sample-level receiver that refines timing and frequency before the grid receiver.
//!
//! Receive steps on the samples of one slot (nominally starting at its first CP):
//! 1. OFDM demodulation with the FFT window at half the CP, so a timing error up to half a
//!    CP either way causes no inter-symbol interference; the DMRS phase slope measures the
//!    error τ, and when |τ| exceeds an eighth of the CP the slot is taken again shifted by
//!    round(τ) (samples before the start of the buffer count as zero). This covers errors
//!    up to about one CP either way.
//! 2. CFO from the cyclic prefixes of the aligned slot: Σ r(n)·r*(n + N_FFT) over the last
//!    three quarters of every CP gives e^(−j2πf·N_FFT/f_s), so f = −arg/(2π)·Δf,
//!    unambiguous within ±Δf/2; the slot is derotated by it and demodulated.
//! 3. The grid receiver ([`PdschReceiver`]) with its DMRS-based residual timing and CFO.

use nrkit_core::{Error, C32};

use super::chain::{Pdsch, PdschReceiver, PdschRxOutcome, Transport};
use crate::grid::ResourceGrid;
use crate::ofdm::Ofdm;

/// The transmit samples of one slot of `grid` (all ports, each appended to `out[p]`).
pub fn modulate_slot(
    ofdm: &mut Ofdm,
    grid: &ResourceGrid,
    n_slot: usize,
    out: &mut [Vec<C32>],
) -> Result<(), Error> {
    Error::check_len("output ports", grid.n_ports(), out.len())?;
    let slot_in_subframe = n_slot % grid.numerology().slots_per_subframe();
    for (p, o) in out.iter_mut().enumerate() {
        ofdm.modulate(grid.port(p), slot_in_subframe, o)?;
    }
    Ok(())
}

/// What the sample-level receiver measured on top of the grid receiver's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct SlotOutcome {
    /// The grid receiver's outcome (after the refinements).
    pub pdsch: PdschRxOutcome,
    /// CFO estimated from the CPs and removed, Hz.
    pub cfo_hz: f64,
    /// Whole samples the FFT windows were moved by (positive: later).
    pub shift: i64,
}

/// The CFO in Hz from the CP correlation of the `n_symbols` symbols in `samples` (which
/// start at the first CP), over the last three quarters of every CP.
pub fn cp_cfo(ofdm: &Ofdm, samples: &[C32], first_symbol: usize, n_symbols: usize) -> f64 {
    let n = ofdm.config().fft_size;
    let per_sf = ofdm.config().numerology.symbols_per_subframe();
    let mut acc = nrkit_core::C64::default();
    let mut pos = 0;
    for s in 0..n_symbols {
        let cp = ofdm.cp_len((first_symbol + s) % per_sf);
        if pos + cp + n > samples.len() {
            break;
        }
        // The first quarter of each CP may hold the previous symbol (timing error, delay
        // spread): only the rest is used.
        for i in cp / 4..cp {
            let z = samples[pos + i] * samples[pos + i + n].conj();
            acc += nrkit_core::C64::new(f64::from(z.re), f64::from(z.im));
        }
        pos += cp + n;
    }
    -acc.arg() / std::f64::consts::TAU * ofdm.config().numerology.scs_hz()
}

/// `need` samples of each of `ports` from sample `shift` on (zeros outside the buffers).
pub fn shifted_slot(ports: &[&[C32]], need: usize, shift: i64) -> Vec<Vec<C32>> {
    ports
        .iter()
        .map(|x| {
            (0..need as i64)
                .map(|i| {
                    let j = i + shift;
                    if j >= 0 && (j as usize) < x.len() {
                        x[j as usize]
                    } else {
                        C32::default()
                    }
                })
                .collect()
        })
        .collect()
}

/// Removes a CFO of `cfo_hz` from every buffer (sample rate `fs`), phase 0 at sample 0.
pub fn derotate(bufs: &mut [Vec<C32>], cfo_hz: f64, fs: f64) {
    let w = -std::f64::consts::TAU * cfo_hz / fs;
    for b in bufs {
        for (i, x) in b.iter_mut().enumerate() {
            let ph = w * i as f64;
            *x *= C32::new(ph.cos() as f32, ph.sin() as f32);
        }
    }
}

/// The slot grid (one port per buffer, `n_size_grid` RBs from CRB `n_start_grid`, centred
/// in the FFT) of the symbols from `first_symbol` (in the subframe) of `bufs`, each
/// starting at the slot's first CP; FFT windows at half the CP.
pub fn demodulate_grid(
    ofdm: &mut Ofdm,
    numerology: nrkit_core::Numerology,
    n_start_grid: usize,
    n_size_grid: usize,
    first_symbol: usize,
    bufs: &[Vec<C32>],
) -> Result<ResourceGrid, Error> {
    let n_symb = numerology.symbols_per_slot();
    let mut g = ResourceGrid::slot(numerology, n_start_grid, n_size_grid, bufs.len())?;
    let k0 = (ofdm.n_subcarriers() - g.n_subcarriers()) / 2;
    for (p, buf) in bufs.iter().enumerate() {
        let a = ofdm.demodulate_at(buf, first_symbol, n_symb)?;
        for l in 0..n_symb {
            let col = a.column(l);
            let sym = g.symbol_mut(p, l);
            for (k, s) in sym.iter_mut().enumerate() {
                *s = col[k0 + k];
            }
        }
    }
    Ok(g)
}

/// Receives the PDSCH of one slot from `ports` (one sample buffer per receive antenna,
/// each starting at the slot's first sample as expected, with at least one slot of
/// samples), refining CFO and timing as in the module notes.
pub fn receive_slot(
    ofdm: &mut Ofdm,
    rx: &mut PdschReceiver,
    pdsch: &Pdsch,
    t: &Transport,
    ports: &[&[C32]],
) -> Result<SlotOutcome, Error> {
    let carrier = *pdsch.carrier();
    let n_symb = carrier.symbols_per_slot();
    let first_symbol = (carrier.n_slot % carrier.numerology.slots_per_subframe()) * n_symb;
    let need = ofdm.samples_for_at(first_symbol, n_symb);
    if ports.is_empty() {
        return Err(Error::invalid("receive ports", ">= 1", 0));
    }
    for p in ports {
        if p.len() < need {
            return Err(Error::LengthMismatch {
                what: "slot samples",
                expected: need,
                got: p.len(),
            });
        }
    }
    let fs = ofdm.sample_rate();
    let shifted = |shift: i64| shifted_slot(ports, need, shift);
    let demod = |ofdm: &mut Ofdm, bufs: &[Vec<C32>]| {
        demodulate_grid(
            ofdm,
            carrier.numerology,
            carrier.n_start_grid,
            carrier.n_size_grid,
            first_symbol,
            bufs,
        )
    };
    let n_fft = ofdm.config().fft_size;
    // Timing first (the DMRS slope tolerates the CFO), then the CFO on aligned CPs.
    let raw = shifted(0);
    let tau = rx.timing(pdsch, &demod(ofdm, &raw)?, n_fft)?;
    let cp = ofdm.cp_len(first_symbol + 1) as f64;
    let shift = if tau.abs() > cp / 8.0 {
        tau.round() as i64
    } else {
        0
    };
    let mut bufs = if shift == 0 { raw } else { shifted(shift) };
    let cfo: f64 = bufs
        .iter()
        .map(|b| cp_cfo(ofdm, b, first_symbol, n_symb))
        .sum::<f64>()
        / bufs.len() as f64;
    derotate(&mut bufs, cfo, fs);
    let grid = demod(ofdm, &bufs)?;
    let out = rx.receive(pdsch, &grid, t, n_fft)?;
    Ok(SlotOutcome {
        pdsch: out,
        cfo_hz: cfo,
        shift,
    })
}
