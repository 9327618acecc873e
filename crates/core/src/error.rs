//! The shared error type for numeric and parameter problems.

/// Errors raised by nrkit libraries for bad parameters or mismatched buffers.
///
/// A failed decode (for example a CRC failure) is an outcome, not an error, and is never
/// reported through this type.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter is outside its allowed range.
    #[error("invalid {what}: expected {expected}, got {got}")]
    InvalidParameter {
        /// The parameter's name, e.g. `"PCI"`.
        what: &'static str,
        /// What is allowed, e.g. `"0..=1007"`.
        expected: String,
        /// The value given.
        got: String,
    },
    /// A buffer has the wrong length for the call.
    #[error("length mismatch for {what}: expected {expected}, got {got}")]
    LengthMismatch {
        /// Which buffer.
        what: &'static str,
        /// The required length.
        expected: usize,
        /// The length given.
        got: usize,
    },
    /// The requested instruction set is not supported by this CPU.
    #[error("instruction set {isa} is not supported by this CPU")]
    UnsupportedIsa {
        /// The ISA name.
        isa: &'static str,
    },
}

impl Error {
    /// Shorthand for [`Error::InvalidParameter`].
    pub fn invalid(what: &'static str, expected: impl Into<String>, got: impl ToString) -> Self {
        Error::InvalidParameter {
            what,
            expected: expected.into(),
            got: got.to_string(),
        }
    }

    /// Returns `Ok(())` when `got == expected`, else [`Error::LengthMismatch`].
    pub fn check_len(what: &'static str, expected: usize, got: usize) -> Result<()> {
        if expected == got {
            Ok(())
        } else {
            Err(Error::LengthMismatch {
                what,
                expected,
                got,
            })
        }
    }
}

/// Result alias with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
