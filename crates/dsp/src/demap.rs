//! Piecewise-linear LLR tables for Gray PAM, the data of the soft-demapping kernels
//! ([`crate::VectorKernels::pam_llr`]).
//!
//! For square QAM whose I and Q are Gray PAMs (TS 38.211 §5.1.3–§5.1.7), the max-log LLR of
//! each per-dimension bit is a piecewise-linear function of the amplitude u (in units where
//! the constellation points are the odd integers), with breakpoints at the integers. The
//! sign bit is odd in u and the other bits are even, so one table over |u| serves both
//! signs: interval `j = min(⌊|u|⌋, M−1)` for M levels per sign. The table holder (the phy
//! demapper) fills it from the constellation; the kernels only evaluate it.

use nrkit_core::Error;

/// Most bits per dimension (1024QAM).
pub const MAX_BITS_PER_DIM: usize = 5;
/// Most intervals (levels per sign, 2^MAX_BITS_PER_DIM).
pub const MAX_INTERVALS: usize = 1 << MAX_BITS_PER_DIM;

/// Slope/intercept tables of one Gray PAM (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct PamTable {
    bits_per_dim: usize,
    /// `slope[b][j]`, padded to 32 by repeating the last interval.
    pub(crate) slope: [[f32; MAX_INTERVALS]; MAX_BITS_PER_DIM],
    /// `icpt[b][j]`, likewise.
    pub(crate) icpt: [[f32; MAX_INTERVALS]; MAX_BITS_PER_DIM],
}

impl PamTable {
    /// Builds the table for `bits_per_dim` bits from `f(bit, interval) = (slope, intercept)`
    /// for intervals `0..2^bits_per_dim`.
    pub fn new(
        bits_per_dim: usize,
        mut f: impl FnMut(usize, usize) -> (f32, f32),
    ) -> Result<Self, Error> {
        if !(1..=MAX_BITS_PER_DIM).contains(&bits_per_dim) {
            return Err(Error::invalid(
                "PAM bits per dimension",
                "1..=5",
                bits_per_dim,
            ));
        }
        let n = 1usize << bits_per_dim;
        let mut slope = [[0f32; MAX_INTERVALS]; MAX_BITS_PER_DIM];
        let mut icpt = [[0f32; MAX_INTERVALS]; MAX_BITS_PER_DIM];
        for b in 0..bits_per_dim {
            for j in 0..MAX_INTERVALS {
                let (s, c) = f(b, j.min(n - 1));
                slope[b][j] = s;
                icpt[b][j] = c;
            }
        }
        Ok(PamTable {
            bits_per_dim,
            slope,
            icpt,
        })
    }

    /// Bits per dimension m (the modulation carries 2m bits per symbol).
    pub fn bits_per_dim(&self) -> usize {
        self.bits_per_dim
    }

    /// Intervals per sign, 2^m.
    pub fn intervals(&self) -> usize {
        1 << self.bits_per_dim
    }

    /// The scalar evaluation for one amplitude `u` (integer units) and bit `b`: the oracle
    /// of every ISA, in their operation order.
    #[inline]
    pub fn eval(&self, u: f32, b: usize) -> f32 {
        let a = u.abs();
        let j = (a.min((self.intervals() - 1) as f32)) as usize;
        let f = self.slope[b][j] * a + self.icpt[b][j];
        if b == 0 {
            f.copysign(u)
        } else {
            f
        }
    }
}
