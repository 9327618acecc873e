//! Complex vector kernels with per-ISA implementations.
//!
//! [`VectorKernels`] is built for one [`Isa`]; construction checks the CPU, so every call
//! afterwards dispatches without further checks. Element-wise kernels (multiply, conjugate
//! multiply, MAC, scale, add, |x|², conversions) give **bit-identical** results on every ISA:
//! the SIMD versions perform the same IEEE operations in the same order as the scalar twin
//! (no FMA contraction). Reductions (energy, dot) sum in a different order per ISA and agree
//! with the scalar twin to float rounding (relative 1e-5 on well-conditioned data).
//!
//! Integer sample formats (SigMF `ci16`, `ci8`, `cu8`) are interleaved I, Q:
//! `ci16` ↔ value/32768, `ci8` ↔ value/128, `cu8` ↔ (value − 127.5)/128. Float → integer
//! conversion scales, saturates to the type's range (NaN ↦ the minimum) and rounds to nearest,
//! ties to even.

use nrkit_core::{Error, C32};

use crate::Isa;

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;
pub mod scalar;

/// Complex vector kernels bound to one ISA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VectorKernels {
    isa: Isa,
}

macro_rules! dispatch {
    ($self:ident, $name:ident ( $($arg:expr),* )) => {
        match $self.isa {
            Isa::Scalar => scalar::$name($($arg),*),
            // SAFETY: `VectorKernels::new` verified that the CPU supports this ISA.
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => unsafe { avx2::$name($($arg),*) },
            // SAFETY: as above.
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => unsafe { avx512::$name($($arg),*) },
            #[cfg(not(target_arch = "x86_64"))]
            _ => scalar::$name($($arg),*),
        }
    };
}

impl Default for VectorKernels {
    fn default() -> Self {
        Self::detect()
    }
}

// The dispatch! arms call the ISA kernels; see the SAFETY line in the macro.
#[allow(unsafe_code)]
impl VectorKernels {
    /// Kernels for `isa`; fails with [`Error::UnsupportedIsa`] if this CPU lacks it.
    pub fn new(isa: Isa) -> Result<Self, Error> {
        Ok(VectorKernels {
            isa: isa.require()?,
        })
    }

    /// Kernels for the best ISA of this CPU.
    pub fn detect() -> Self {
        VectorKernels { isa: Isa::detect() }
    }

    /// The ISA these kernels run.
    pub fn isa(&self) -> Isa {
        self.isa
    }

    /// `out[i] = a[i] · b[i]`.
    pub fn mul(&self, a: &[C32], b: &[C32], out: &mut [C32]) -> Result<(), Error> {
        Error::check_len("mul b", a.len(), b.len())?;
        Error::check_len("mul out", a.len(), out.len())?;
        dispatch!(self, mul(a, b, out));
        Ok(())
    }

    /// `out[i] = a[i] · conj(b[i])`.
    pub fn conj_mul(&self, a: &[C32], b: &[C32], out: &mut [C32]) -> Result<(), Error> {
        Error::check_len("conj_mul b", a.len(), b.len())?;
        Error::check_len("conj_mul out", a.len(), out.len())?;
        dispatch!(self, conj_mul(a, b, out));
        Ok(())
    }

    /// `acc[i] += a[i] · b[i]`.
    pub fn mac(&self, acc: &mut [C32], a: &[C32], b: &[C32]) -> Result<(), Error> {
        Error::check_len("mac a", acc.len(), a.len())?;
        Error::check_len("mac b", acc.len(), b.len())?;
        dispatch!(self, mac(acc, a, b));
        Ok(())
    }

    /// `out[i] = x[i] · s` for a complex scalar `s`.
    pub fn scale(&self, x: &[C32], s: C32, out: &mut [C32]) -> Result<(), Error> {
        Error::check_len("scale out", x.len(), out.len())?;
        dispatch!(self, scale(x, s, out));
        Ok(())
    }

    /// `x[i] *= s` in place.
    pub fn scale_in_place(&self, x: &mut [C32], s: C32) {
        dispatch!(self, scale_in_place(x, s))
    }

    /// `out[i] = a[i] + b[i]`.
    pub fn add(&self, a: &[C32], b: &[C32], out: &mut [C32]) -> Result<(), Error> {
        Error::check_len("add b", a.len(), b.len())?;
        Error::check_len("add out", a.len(), out.len())?;
        dispatch!(self, add(a, b, out));
        Ok(())
    }

    /// `Σ |x[i]|²`.
    pub fn energy(&self, x: &[C32]) -> f32 {
        dispatch!(self, energy(x))
    }

    /// `Σ a[i] · conj(b[i])` (the correlation of `a` against `b`).
    pub fn dot(&self, a: &[C32], b: &[C32]) -> Result<C32, Error> {
        Error::check_len("dot b", a.len(), b.len())?;
        Ok(dispatch!(self, dot(a, b)))
    }

    /// `out[i] = |x[i]|² = re² + im²`.
    pub fn mag_sq(&self, x: &[C32], out: &mut [f32]) -> Result<(), Error> {
        Error::check_len("mag_sq out", x.len(), out.len())?;
        dispatch!(self, mag_sq(x, out));
        Ok(())
    }

    /// Index and value of the largest `|x[i]|²` (the first on ties; NaN never wins).
    /// `None` for an empty slice; if every value is NaN, `(0, NaN)`.
    pub fn argmax_mag_sq(&self, x: &[C32]) -> Option<(usize, f32)> {
        if x.is_empty() {
            return None;
        }
        Some(dispatch!(self, argmax_mag_sq(x)))
    }

    /// Interleaved `ci16` → C32 (value / 32768); `src.len()` must be `2 · out.len()`.
    pub fn ci16_to_cf32(&self, src: &[i16], out: &mut [C32]) -> Result<(), Error> {
        Error::check_len("ci16 input", 2 * out.len(), src.len())?;
        dispatch!(self, ci16_to_cf32(src, out));
        Ok(())
    }

    /// Interleaved `ci8` → C32 (value / 128).
    pub fn ci8_to_cf32(&self, src: &[i8], out: &mut [C32]) -> Result<(), Error> {
        Error::check_len("ci8 input", 2 * out.len(), src.len())?;
        dispatch!(self, ci8_to_cf32(src, out));
        Ok(())
    }

    /// Interleaved `cu8` → C32 ((value − 127.5) / 128).
    pub fn cu8_to_cf32(&self, src: &[u8], out: &mut [C32]) -> Result<(), Error> {
        Error::check_len("cu8 input", 2 * out.len(), src.len())?;
        dispatch!(self, cu8_to_cf32(src, out));
        Ok(())
    }

    /// Square-QAM soft demapping through a Gray-PAM table: for each symbol, 2m LLRs
    /// `table.eval(component·to_int, b)·scale` in bit order (I and Q interleaved: b(0) from
    /// I, b(1) from Q, …). `llrs.len()` must be `2m · symbols.len()`.
    pub fn pam_llr(
        &self,
        table: &crate::PamTable,
        symbols: &[C32],
        to_int: f32,
        scale: f32,
        llrs: &mut [f32],
    ) -> Result<(), Error> {
        Error::check_len(
            "LLR output",
            2 * table.bits_per_dim() * symbols.len(),
            llrs.len(),
        )?;
        dispatch!(self, pam_llr(table, symbols, to_int, scale, llrs));
        Ok(())
    }

    /// LLRs → int8: round half to even, saturate to ±127 (NaN ↦ −127).
    pub fn llr_to_i8(&self, src: &[f32], out: &mut [i8]) -> Result<(), Error> {
        Error::check_len("int8 LLR output", src.len(), out.len())?;
        dispatch!(self, llr_to_i8(src, out));
        Ok(())
    }

    /// C32 → interleaved `ci16` (×32768, saturate, round half to even).
    pub fn cf32_to_ci16(&self, src: &[C32], out: &mut [i16]) -> Result<(), Error> {
        Error::check_len("ci16 output", 2 * src.len(), out.len())?;
        dispatch!(self, cf32_to_ci16(src, out));
        Ok(())
    }

    /// C32 → interleaved `ci8` (×128, saturate, round half to even).
    pub fn cf32_to_ci8(&self, src: &[C32], out: &mut [i8]) -> Result<(), Error> {
        Error::check_len("ci8 output", 2 * src.len(), out.len())?;
        dispatch!(self, cf32_to_ci8(src, out));
        Ok(())
    }

    /// C32 → interleaved `cu8` (×128 + 127.5, saturate to 0..=255, round half to even).
    pub fn cf32_to_cu8(&self, src: &[C32], out: &mut [u8]) -> Result<(), Error> {
        Error::check_len("cu8 output", 2 * src.len(), out.len())?;
        dispatch!(self, cf32_to_cu8(src, out));
        Ok(())
    }
}

#[cfg(test)]
mod tests;
