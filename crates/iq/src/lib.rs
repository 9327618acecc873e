//! # nrkit-iq — IQ recordings
//!
//! SigMF recordings (`.sigmf-meta` + `.sigmf-data`, core:version 1.x) with datatypes
//! `cf32_le`, `ci16_le`, `ci8`, `cu8`, `cf64_le`, several capture segments and annotations;
//! raw interleaved files (`cf32` = GNU Radio `.cfile`, `ci16`, `ci8`, `cu8`).
//!
//! [`Reader`] streams samples in chunks with bounded memory and rejects NaN/Inf samples with
//! their index; [`Writer`] writes a valid metadata file at creation and rewrites it
//! atomically on [`Writer::finish`] (and on drop), so a recording is never left without one.
//! Integer formats are scaled as in [`nrkit_dsp::vector`].
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod datatype;
mod error;
mod meta;
mod reader;
mod writer;

pub use datatype::Datatype;
pub use error::IqError;
pub use meta::{Annotation, Capture, Meta, INCOMPLETE_KEY, MAX_SAMPLE_RATE, SIGMF_VERSION};
pub use reader::{Reader, Recording};
pub use writer::{write_meta, Writer};

use std::path::{Path, PathBuf};

/// The `.sigmf-meta` and `.sigmf-data` paths for a path naming either file or their base.
pub fn sigmf_paths(path: &Path) -> (PathBuf, PathBuf) {
    let s = path.to_string_lossy();
    let base = s
        .strip_suffix(".sigmf-meta")
        .or_else(|| s.strip_suffix(".sigmf-data"))
        .or_else(|| s.strip_suffix(".sigmf"))
        .unwrap_or(&s)
        .to_string();
    (
        PathBuf::from(format!("{base}.sigmf-meta")),
        PathBuf::from(format!("{base}.sigmf-data")),
    )
}
