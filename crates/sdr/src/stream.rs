//! The stream interface the capture and playback pipelines run on.

use nrkit_core::C32;
use nrkit_iq::{Datatype, IqError, Writer};
use num_complex::Complex;

use crate::SdrError;

/// A sample type on the wire that a capture can write without conversion loss.
pub trait WireSample: Copy + Default + Send + Sync + 'static {
    /// The SigMF datatype it is written as.
    const DATATYPE: Datatype;
    /// Appends samples to a recording of [`Self::DATATYPE`].
    fn write(w: &mut Writer, s: &[Self]) -> Result<(), IqError>;
}

impl WireSample for C32 {
    const DATATYPE: Datatype = Datatype::Cf32Le;
    fn write(w: &mut Writer, s: &[Self]) -> Result<(), IqError> {
        w.write(s)
    }
}

impl WireSample for Complex<i16> {
    const DATATYPE: Datatype = Datatype::Ci16Le;
    fn write(w: &mut Writer, s: &[Self]) -> Result<(), IqError> {
        w.write_ci16(s)
    }
}

/// One successful read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RxRead {
    /// Samples read.
    pub len: usize,
    /// Device time of the first of them (ns), when the device keeps time.
    pub time_ns: Option<i64>,
}

/// A receive stream.
pub trait RxSource: Send {
    /// The sample type delivered.
    type Sample: WireSample;
    /// Samples per second.
    fn sample_rate(&self) -> f64;
    /// The preferred read size.
    fn mtu(&self) -> usize;
    /// Reads up to `buf.len()` samples. An overflow is `Err(SdrError::Overflow)`, after which
    /// reading goes on; `Err` with [`SdrError::is_fatal`] ends the stream.
    fn read(&mut self, buf: &mut [Self::Sample], timeout_us: i64) -> Result<RxRead, SdrError>;
}

/// Asynchronous reports of a transmit stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxEvent {
    /// The transmitter ran dry inside a burst.
    Underflow {
        /// Device time, when known.
        time_ns: Option<i64>,
    },
    /// A timed burst arrived too late.
    Late {
        /// Device time, when known.
        time_ns: Option<i64>,
    },
    /// A burst ended (acknowledged by the device).
    BurstEnd {
        /// Device time, when known.
        time_ns: Option<i64>,
    },
    /// Another error the device reported.
    Error(String),
}

/// A transmit stream (CF32).
pub trait TxSink: Send {
    /// Samples per second.
    fn sample_rate(&self) -> f64;
    /// The preferred write size.
    fn mtu(&self) -> usize;
    /// The device time now (ns), or `None` when the device keeps no time.
    fn time_ns(&self) -> Option<i64>;
    /// Writes up to `buf.len()` samples; `at_ns` times the start of a burst; `end_burst`
    /// marks its last samples. Returns how many were taken.
    fn write(
        &mut self,
        buf: &[C32],
        at_ns: Option<i64>,
        end_burst: bool,
        timeout_us: i64,
    ) -> Result<usize, SdrError>;
    /// The next status report, waiting at most `timeout_us`; `None` when there is none.
    fn poll_status(&mut self, timeout_us: i64) -> Option<TxEvent>;
}
