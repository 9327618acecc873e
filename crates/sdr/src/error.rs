//! Device and stream errors.

use nrkit_iq::IqError;

/// What went wrong with a device, a stream or a capture. Driver errors keep the driver's
/// own text in `text`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SdrError {
    /// No samples (or no room to write) within the timeout.
    #[error("device timeout: {text}")]
    Timeout {
        /// The driver's or our description.
        text: String,
    },
    /// The receiver overflowed: samples were lost before we read them.
    #[error("receive overflow, samples lost: {text}")]
    Overflow {
        /// Device time of the first sample after the loss, when known.
        time_ns: Option<i64>,
        /// The driver's text.
        text: String,
    },
    /// The transmitter ran out of samples inside a burst.
    #[error("transmit underflow: {text}")]
    Underflow {
        /// Device time of the underflow, when known.
        time_ns: Option<i64>,
        /// The driver's text.
        text: String,
    },
    /// A timed burst or command arrived after its time.
    #[error("late: {text}")]
    Late {
        /// Device time reported, when known.
        time_ns: Option<i64>,
        /// The driver's text.
        text: String,
    },
    /// The device went away or its stream failed for good.
    #[error("device disconnected or stream failed: {text}")]
    Disconnected {
        /// The driver's text.
        text: String,
    },
    /// The device cannot do what was asked.
    #[error("not supported by the device: {text}")]
    Unsupported {
        /// What and the driver's text.
        text: String,
    },
    /// Data corruption reported by the driver (malformed packet).
    #[error("corrupted data from the device: {text}")]
    Corruption {
        /// The driver's text.
        text: String,
    },
    /// Any other driver error.
    #[error("device error: {text}")]
    Driver {
        /// The driver's text.
        text: String,
    },
    /// No device answered the args.
    #[error("no SDR device matches \"{args}\"{hint}")]
    NotFound {
        /// The args string.
        args: String,
        /// What is installed, to help the user.
        hint: String,
    },
    /// Opening the device failed.
    #[error("cannot open SDR device \"{args}\": {text}")]
    Open {
        /// The args string.
        args: String,
        /// The driver's text.
        text: String,
    },
    /// Setting up the device failed (rate, frequency, gain, …).
    #[error("setting {what}: {text}")]
    Config {
        /// The setting, e.g. `rx sample rate 30.72 MHz`.
        what: String,
        /// The driver's text.
        text: String,
    },
    /// A parameter is out of range.
    #[error("invalid {what}: {problem}")]
    Invalid {
        /// The parameter.
        what: String,
        /// What is wrong and what is accepted.
        problem: String,
    },
    /// Loading a SoapySDR module failed (not found, or its ABI check failed).
    #[error("loading SoapySDR module {path}: {text}")]
    Module {
        /// The module file.
        path: String,
        /// The loader's text.
        text: String,
    },
    /// Writing the recording failed.
    #[error(transparent)]
    Iq(#[from] IqError),
    /// This build has no SDR backend.
    #[error(
        "this nrkit was built without SDR support: rebuild with the `sdr` feature (on by \
         default: `cargo build --release`; or `--features sdr`), which needs libSoapySDR \
         (Debian: apt-get install libsoapysdr-dev)"
    )]
    NoBackend,
}

impl SdrError {
    /// Whether the error is about what was asked (a parameter out of range, no device
    /// matching the args, a setting or feature the device refuses) rather than a failure
    /// of the device or the stream while working (exit code 2 rather than 1 in the CLI).
    pub fn is_bad_request(&self) -> bool {
        matches!(
            self,
            SdrError::Invalid { .. }
                | SdrError::NotFound { .. }
                | SdrError::Config { .. }
                | SdrError::Unsupported { .. }
                | SdrError::NoBackend
        )
    }

    /// Whether the error ends a stream for good (as opposed to a timeout, an overflow or an
    /// underflow, after which streaming goes on).
    pub fn is_fatal(&self) -> bool {
        !matches!(
            self,
            SdrError::Timeout { .. }
                | SdrError::Overflow { .. }
                | SdrError::Underflow { .. }
                | SdrError::Late { .. }
                | SdrError::Corruption { .. }
        )
    }
}
