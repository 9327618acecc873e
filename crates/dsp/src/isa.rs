//! Instruction-set detection and selection.

use std::fmt;
use std::str::FromStr;

use nrkit_core::Error;

/// An instruction set a kernel can be built for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Isa {
    /// Portable Rust, always available; the oracle of every SIMD kernel.
    Scalar,
    /// x86-64 AVX2 with FMA.
    Avx2,
    /// x86-64 AVX-512 (F, BW, DQ, VL).
    Avx512,
}

impl Isa {
    /// All ISAs, slowest first.
    pub const ALL: [Isa; 3] = [Isa::Scalar, Isa::Avx2, Isa::Avx512];

    /// The best ISA this CPU supports.
    pub fn detect() -> Isa {
        *Self::available().last().unwrap_or(&Isa::Scalar)
    }

    /// Every ISA this CPU supports, slowest first (always starts with `Scalar`).
    pub fn available() -> Vec<Isa> {
        Self::ALL.into_iter().filter(|i| i.is_supported()).collect()
    }

    /// Whether this CPU can run kernels of this ISA.
    pub fn is_supported(self) -> bool {
        match self {
            Isa::Scalar => true,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma"),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => {
                is_x86_feature_detected!("avx512f")
                    && is_x86_feature_detected!("avx512bw")
                    && is_x86_feature_detected!("avx512dq")
                    && is_x86_feature_detected!("avx512vl")
                    && Isa::Avx2.is_supported()
            }
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// Returns `self` if supported, else [`Error::UnsupportedIsa`].
    pub fn require(self) -> Result<Isa, Error> {
        if self.is_supported() {
            Ok(self)
        } else {
            Err(Error::UnsupportedIsa { isa: self.name() })
        }
    }

    /// Lower-case name, as used by `--isa` and in bench ids.
    pub fn name(self) -> &'static str {
        match self {
            Isa::Scalar => "scalar",
            Isa::Avx2 => "avx2",
            Isa::Avx512 => "avx512",
        }
    }

    /// Complex (C32) lanes per vector register.
    pub fn complex_lanes(self) -> usize {
        match self {
            Isa::Scalar => 1,
            Isa::Avx2 => 4,
            Isa::Avx512 => 8,
        }
    }
}

impl fmt::Display for Isa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Isa {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.to_ascii_lowercase().as_str() {
            "scalar" => Ok(Isa::Scalar),
            "avx2" => Ok(Isa::Avx2),
            "avx512" | "avx-512" => Ok(Isa::Avx512),
            "auto" => Ok(Isa::detect()),
            _ => Err(Error::invalid("ISA", "auto, scalar, avx2 or avx512", s)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detect_is_supported_and_parse() {
        assert!(Isa::detect().is_supported());
        assert_eq!(Isa::available()[0], Isa::Scalar);
        assert_eq!("AVX2".parse::<Isa>().unwrap(), Isa::Avx2);
        assert!("sse".parse::<Isa>().is_err());
    }
}
