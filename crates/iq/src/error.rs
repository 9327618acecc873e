//! Errors for recordings: every variant names the file and the problem.

use std::path::PathBuf;

/// Problems opening, reading or writing a recording.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IqError {
    /// The file could not be opened, read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The metadata is not valid JSON.
    #[error("{path}: malformed JSON at line {line}, column {column}: {msg}")]
    Json {
        /// The metadata file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        msg: String,
    },
    /// A required metadata field is missing.
    #[error("{path}: missing required field {field}")]
    MissingField {
        /// The metadata file.
        path: PathBuf,
        /// The field, e.g. `global.core:datatype`.
        field: String,
    },
    /// A metadata field has a wrong value or type.
    #[error("{path}: field {field} {problem}")]
    BadField {
        /// The metadata file.
        path: PathBuf,
        /// The field.
        field: String,
        /// What is wrong, including the expected form.
        problem: String,
    },
    /// The datatype is not one nrkit reads.
    #[error("{path}: unsupported datatype \"{datatype}\" (supported: cf32_le, ci16_le, ci8, cu8, cf64_le)")]
    UnsupportedDatatype {
        /// The file.
        path: PathBuf,
        /// The datatype string.
        datatype: String,
    },
    /// The data file's size is not a whole number of samples.
    #[error("{path}: size {size} bytes is not a multiple of the {sample_size}-byte {datatype} sample (truncated or wrong datatype?)")]
    PartialSample {
        /// The data file.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// Bytes per complex sample.
        sample_size: usize,
        /// The datatype.
        datatype: String,
    },
    /// Writing samples failed; the recording was cut to the whole samples on disk and its
    /// metadata marked incomplete (`nrkit:incomplete`, and an annotation where it stops).
    #[error("{path}: writing failed after {samples} samples ({source}); the recording holds those {samples} samples and is marked incomplete")]
    Incomplete {
        /// The data file.
        path: PathBuf,
        /// Samples safely on disk (the recording's length now).
        samples: u64,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A sample is NaN or infinite.
    #[error("{path}: sample {index} is not finite ({value})")]
    NonFinite {
        /// The data file.
        path: PathBuf,
        /// Index of the sample in the recording.
        index: u64,
        /// The value as text.
        value: String,
    },
}

impl IqError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        IqError::Io {
            path: path.into(),
            source,
        }
    }
}
