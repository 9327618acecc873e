//! SigMF sample datatypes.

use std::fmt;

/// Complex sample formats nrkit reads and writes (SigMF `core:datatype`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Datatype {
    /// Complex float32, little endian (GNU Radio `.cfile`).
    Cf32Le,
    /// Complex float64, little endian.
    Cf64Le,
    /// Complex int16, little endian (full scale 32768).
    Ci16Le,
    /// Complex int8 (full scale 128).
    Ci8,
    /// Complex uint8 offset binary ((v − 127.5)/128, RTL-SDR).
    Cu8,
}

impl Datatype {
    /// Parses a SigMF datatype string (`cf32_le`, …) or a raw `--format` name (`cf32`, …).
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "cf32_le" | "cf32" => Some(Datatype::Cf32Le),
            "cf64_le" | "cf64" => Some(Datatype::Cf64Le),
            "ci16_le" | "ci16" => Some(Datatype::Ci16Le),
            "ci8" | "ci8_le" => Some(Datatype::Ci8),
            "cu8" | "cu8_le" => Some(Datatype::Cu8),
            _ => None,
        }
    }

    /// SigMF name.
    pub fn sigmf_name(self) -> &'static str {
        match self {
            Datatype::Cf32Le => "cf32_le",
            Datatype::Cf64Le => "cf64_le",
            Datatype::Ci16Le => "ci16_le",
            Datatype::Ci8 => "ci8",
            Datatype::Cu8 => "cu8",
        }
    }

    /// Bytes per complex sample.
    pub fn sample_size(self) -> usize {
        match self {
            Datatype::Cf32Le => 8,
            Datatype::Cf64Le => 16,
            Datatype::Ci16Le => 4,
            Datatype::Ci8 | Datatype::Cu8 => 2,
        }
    }

    /// Whether samples are floating point (and so can be NaN/Inf).
    pub fn is_float(self) -> bool {
        matches!(self, Datatype::Cf32Le | Datatype::Cf64Le)
    }
}

impl fmt::Display for Datatype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.sigmf_name())
    }
}
