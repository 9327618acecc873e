//! Resource grids (TS 38.211 §4.4.4).

use ndarray::{Array2, ShapeBuilder};
use nrkit_core::{Error, C32, N_SC_RB};

/// A resource grid: one `[subcarrier, symbol]` array per antenna port. Subcarrier 0 is the
/// lowest frequency; arrays are column-major so each symbol's subcarriers are contiguous.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceGrid {
    ports: Vec<Array2<C32>>,
}

impl ResourceGrid {
    /// A zero grid of `n_rb` resource blocks × `n_symbols` for `n_ports` ports.
    pub fn new(n_rb: usize, n_symbols: usize, n_ports: usize) -> Result<Self, Error> {
        if n_rb == 0 || n_rb > 275 {
            return Err(Error::invalid("grid size N_RB", "1..=275", n_rb));
        }
        if n_ports == 0 {
            return Err(Error::invalid("antenna ports", ">= 1", 0));
        }
        Ok(ResourceGrid {
            ports: (0..n_ports)
                .map(|_| Array2::zeros((n_rb * N_SC_RB, n_symbols).f()))
                .collect(),
        })
    }

    /// Subcarriers K = 12·N_RB.
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

    /// The array of one port.
    pub fn port(&self, p: usize) -> &Array2<C32> {
        &self.ports[p]
    }

    /// The array of one port, mutable.
    pub fn port_mut(&mut self, p: usize) -> &mut Array2<C32> {
        &mut self.ports[p]
    }
}
