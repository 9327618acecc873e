//! The carrier resource grid (TS 38.211 §4.4.4): one `[subcarrier, symbol]` array per
//! antenna port over the N^size,μ_grid resource blocks of a carrier, which start at common
//! resource block N^start,μ_grid (counted from Point A, §4.4.4.1–4.4.4.3).
//!
//! Subcarrier k = 0 is the lowest subcarrier of the grid's first RB (CRB N^start,μ_grid);
//! the arrays are column-major, so each OFDM symbol's subcarriers are contiguous, the
//! layout the OFDM modulator takes. The downlink channels map into it by CRB (or by BWP
//! offsets converted to CRBs) and the receivers read their REs from it.

use ndarray::{Array2, ArrayView2, ArrayViewMut2, ShapeBuilder};
use nrkit_core::{Error, Numerology, C32, N_SC_RB};

/// Largest N^size,μ_grid (TS 38.101-1 Table 5.3.2-1: 273 RB at 100 MHz/30 kHz; 275 is
/// the limit of TS 38.211 §4.4.2).
pub const MAX_N_RB: usize = 275;
/// Largest N^start,μ_grid (offsetToCarrier, TS 38.331 SCS-SpecificCarrier: 0…2199).
pub const MAX_N_START: usize = 2199;
/// Most antenna ports a grid holds (the PDSCH has up to 8 layers on DMRS ports 1000…1011).
pub const MAX_PORTS: usize = 12;
/// Most OFDM symbols a grid holds (one frame at μ = 4: 160 slots × 14).
pub const MAX_SYMBOLS: usize = 2240;

/// A carrier resource grid: per antenna port an array `[subcarrier, symbol]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceGrid {
    numerology: Numerology,
    n_start_grid: usize,
    ports: Vec<Array2<C32>>,
}

impl ResourceGrid {
    /// A zero grid of one slot (`numerology.symbols_per_slot()` symbols) for `n_ports`
    /// ports, `n_size_grid` RBs from CRB `n_start_grid`.
    pub fn slot(
        numerology: Numerology,
        n_start_grid: usize,
        n_size_grid: usize,
        n_ports: usize,
    ) -> Result<Self, Error> {
        Self::new(
            numerology,
            n_start_grid,
            n_size_grid,
            numerology.symbols_per_slot(),
            n_ports,
        )
    }

    /// A zero grid of `n_symbols` symbols (1…[`MAX_SYMBOLS`]) for `n_ports` ports
    /// (1…[`MAX_PORTS`]), `n_size_grid` RBs (1…[`MAX_N_RB`]) from CRB `n_start_grid`
    /// (0…[`MAX_N_START`]).
    pub fn new(
        numerology: Numerology,
        n_start_grid: usize,
        n_size_grid: usize,
        n_symbols: usize,
        n_ports: usize,
    ) -> Result<Self, Error> {
        if n_size_grid == 0 || n_size_grid > MAX_N_RB {
            return Err(Error::invalid(
                "grid size N_size_grid",
                format!("1..={MAX_N_RB} RBs"),
                n_size_grid,
            ));
        }
        if n_start_grid > MAX_N_START {
            return Err(Error::invalid(
                "grid start N_start_grid",
                format!("0..={MAX_N_START} CRBs"),
                n_start_grid,
            ));
        }
        if n_symbols == 0 || n_symbols > MAX_SYMBOLS {
            return Err(Error::invalid(
                "grid symbols",
                format!("1..={MAX_SYMBOLS}"),
                n_symbols,
            ));
        }
        if n_ports == 0 || n_ports > MAX_PORTS {
            return Err(Error::invalid(
                "antenna ports",
                format!("1..={MAX_PORTS}"),
                n_ports,
            ));
        }
        Ok(ResourceGrid {
            numerology,
            n_start_grid,
            ports: (0..n_ports)
                .map(|_| Array2::zeros((n_size_grid * N_SC_RB, n_symbols).f()))
                .collect(),
        })
    }

    /// The grid's numerology.
    pub fn numerology(&self) -> Numerology {
        self.numerology
    }

    /// N^start,μ_grid: the CRB of the grid's first RB.
    pub fn n_start_grid(&self) -> usize {
        self.n_start_grid
    }

    /// N^size,μ_grid in RBs.
    pub fn n_size_grid(&self) -> usize {
        self.n_subcarriers() / N_SC_RB
    }

    /// Subcarriers K = 12·N^size,μ_grid.
    pub fn n_subcarriers(&self) -> usize {
        self.ports[0].nrows()
    }

    /// OFDM symbols.
    pub fn n_symbols(&self) -> usize {
        self.ports[0].ncols()
    }

    /// Antenna ports.
    pub fn n_ports(&self) -> usize {
        self.ports.len()
    }

    /// Grid subcarrier k of subcarrier `sc` (0…11) of common resource block `crb`, if the
    /// RB is in the grid.
    pub fn k_of_crb(&self, crb: usize, sc: usize) -> Option<usize> {
        if sc >= N_SC_RB {
            return None;
        }
        let rb = crb.checked_sub(self.n_start_grid)?;
        (rb < self.n_size_grid()).then_some(rb * N_SC_RB + sc)
    }

    /// The CRB holding grid subcarrier `k`.
    pub fn crb_of_k(&self, k: usize) -> usize {
        self.n_start_grid + k / N_SC_RB
    }

    /// The array of one port.
    pub fn port(&self, p: usize) -> ArrayView2<'_, C32> {
        self.ports[p].view()
    }

    /// The array of one port, mutable.
    pub fn port_mut(&mut self, p: usize) -> ArrayViewMut2<'_, C32> {
        self.ports[p].view_mut()
    }

    /// Symbol `l` of port `p` (all subcarriers, contiguous).
    pub fn symbol(&self, p: usize, l: usize) -> &[C32] {
        let n = self.n_subcarriers();
        &self.ports[p].as_slice_memory_order().expect("column-major")[l * n..(l + 1) * n]
    }

    /// Symbol `l` of port `p`, mutable.
    pub fn symbol_mut(&mut self, p: usize, l: usize) -> &mut [C32] {
        let n = self.n_subcarriers();
        &mut self.ports[p]
            .as_slice_memory_order_mut()
            .expect("column-major")[l * n..(l + 1) * n]
    }

    /// Sets every RE of every port to zero.
    pub fn clear(&mut self) {
        for p in &mut self.ports {
            p.fill(C32::default());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_maps_crbs_and_checks_its_ranges() {
        let num = Numerology::from_scs_khz(30).unwrap();
        let mut g = ResourceGrid::slot(num, 10, 51, 2).unwrap();
        assert_eq!(
            (g.n_subcarriers(), g.n_symbols(), g.n_ports()),
            (612, 14, 2)
        );
        assert_eq!(g.n_size_grid(), 51);
        assert_eq!(g.k_of_crb(10, 0), Some(0));
        assert_eq!(g.k_of_crb(12, 5), Some(29));
        assert_eq!(g.k_of_crb(9, 0), None);
        assert_eq!(g.k_of_crb(61, 0), None);
        assert_eq!(g.k_of_crb(60, 12), None);
        assert_eq!(g.crb_of_k(29), 12);
        g.symbol_mut(1, 3)[7] = C32::new(1.0, -1.0);
        assert_eq!(g.port(1)[[7, 3]], C32::new(1.0, -1.0));
        assert_eq!(g.symbol(1, 3)[7], C32::new(1.0, -1.0));
        g.clear();
        assert_eq!(g.port(1)[[7, 3]], C32::default());
        for (start, size, sym, ports) in [
            (0, 0, 14, 1),
            (0, 276, 14, 1),
            (2200, 1, 14, 1),
            (0, 1, 0, 1),
            (0, 1, 14, 0),
            (0, 1, 14, 13),
            (0, 1, 2241, 1),
        ] {
            assert!(ResourceGrid::new(num, start, size, sym, ports).is_err());
        }
    }
}
