//! Opening recordings and streaming their samples.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use nrkit_core::C32;
use nrkit_dsp::VectorKernels;

use crate::{sigmf_paths, Datatype, IqError, Meta};

/// An opened, validated recording: metadata plus the data file's path and length.
#[derive(Debug, Clone)]
pub struct Recording {
    /// Metadata (for raw files: built from the given format and rates).
    pub meta: Meta,
    /// The metadata file (`None` for raw files).
    pub meta_path: Option<PathBuf>,
    /// The data file.
    pub data_path: PathBuf,
    /// Number of complex samples.
    pub samples: u64,
}

fn data_len(path: &Path, dt: Datatype) -> Result<u64, IqError> {
    let size = std::fs::metadata(path)
        .map_err(|e| IqError::io(path, e))?
        .len();
    let ss = dt.sample_size() as u64;
    if size % ss != 0 {
        return Err(IqError::PartialSample {
            path: path.to_path_buf(),
            size,
            sample_size: dt.sample_size(),
            datatype: dt.sigmf_name().to_string(),
        });
    }
    Ok(size / ss)
}

impl Recording {
    /// Opens a SigMF recording named by its `.sigmf-meta`, `.sigmf-data` or base path.
    pub fn open_sigmf(path: &Path) -> Result<Self, IqError> {
        let (meta_path, data_path) = sigmf_paths(path);
        let text = std::fs::read_to_string(&meta_path).map_err(|e| IqError::io(&meta_path, e))?;
        let meta = Meta::parse(&text, &meta_path)?;
        if !data_path.exists() {
            return Err(IqError::io(
                &data_path,
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "data file missing (expected beside the .sigmf-meta)",
                ),
            ));
        }
        let samples = data_len(&data_path, meta.datatype)?;
        Ok(Recording {
            meta,
            meta_path: Some(meta_path),
            data_path,
            samples,
        })
    }

    /// Opens a raw interleaved file of `datatype` at `sample_rate` Hz.
    pub fn open_raw(
        path: &Path,
        datatype: Datatype,
        sample_rate: f64,
        center_freq: Option<f64>,
    ) -> Result<Self, IqError> {
        if !(sample_rate.is_finite() && sample_rate > 0.0 && sample_rate <= crate::MAX_SAMPLE_RATE)
        {
            return Err(IqError::BadField {
                path: path.to_path_buf(),
                field: "--sample-rate".into(),
                problem: format!(
                    "must be a positive number of Hz up to {:e}, got {sample_rate}",
                    crate::MAX_SAMPLE_RATE
                ),
            });
        }
        let samples = data_len(path, datatype)?;
        Ok(Recording {
            meta: Meta::new(datatype, sample_rate, center_freq),
            meta_path: None,
            data_path: path.to_path_buf(),
            samples,
        })
    }

    /// A streaming reader positioned at sample 0.
    pub fn reader(&self) -> Result<Reader, IqError> {
        let f = File::open(&self.data_path).map_err(|e| IqError::io(&self.data_path, e))?;
        Ok(Reader {
            path: self.data_path.clone(),
            datatype: self.meta.datatype,
            file: BufReader::with_capacity(1 << 20, f),
            pos: 0,
            total: self.samples,
            bytes: Vec::new(),
            kernels: VectorKernels::detect(),
            check_finite: true,
        })
    }
}

/// Streams samples of a recording as C32 in caller-sized chunks (bounded memory).
#[derive(Debug)]
pub struct Reader {
    path: PathBuf,
    datatype: Datatype,
    file: BufReader<File>,
    pos: u64,
    total: u64,
    bytes: Vec<u8>,
    kernels: VectorKernels,
    check_finite: bool,
}

impl Reader {
    /// Index of the next sample.
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// Samples left.
    pub fn remaining(&self) -> u64 {
        self.total - self.pos
    }

    /// The ISA of its sample conversion.
    pub fn isa(&self) -> nrkit_dsp::Isa {
        self.kernels.isa()
    }

    /// Uses `kernels` (and so their ISA) for sample conversion.
    pub fn set_kernels(&mut self, kernels: VectorKernels) {
        self.kernels = kernels;
    }

    /// Disables the NaN/Inf check (on by default).
    pub fn allow_non_finite(&mut self, allow: bool) {
        self.check_finite = !allow;
    }

    /// Moves to sample `index` (clamped to the end).
    pub fn seek(&mut self, index: u64) -> Result<(), IqError> {
        let index = index.min(self.total);
        self.file
            .seek(SeekFrom::Start(index * self.datatype.sample_size() as u64))
            .map_err(|e| IqError::io(&self.path, e))?;
        self.pos = index;
        Ok(())
    }

    /// Reads up to `out.len()` samples; returns how many (0 at the end).
    pub fn read(&mut self, out: &mut [C32]) -> Result<usize, IqError> {
        let n = (out.len() as u64).min(self.remaining()) as usize;
        if n == 0 {
            return Ok(0);
        }
        let ss = self.datatype.sample_size();
        self.bytes.resize(n * ss, 0);
        self.file
            .read_exact(&mut self.bytes)
            .map_err(|e| IqError::io(&self.path, e))?;
        let out = &mut out[..n];
        let b = &self.bytes;
        match self.datatype {
            Datatype::Cf32Le => {
                for (o, c) in out.iter_mut().zip(b.chunks_exact(8)) {
                    *o = C32::new(
                        f32::from_le_bytes([c[0], c[1], c[2], c[3]]),
                        f32::from_le_bytes([c[4], c[5], c[6], c[7]]),
                    );
                }
            }
            Datatype::Cf64Le => {
                for (o, c) in out.iter_mut().zip(b.chunks_exact(16)) {
                    let re = f64::from_le_bytes(c[..8].try_into().expect("8 bytes"));
                    let im = f64::from_le_bytes(c[8..].try_into().expect("8 bytes"));
                    *o = C32::new(re as f32, im as f32);
                }
            }
            Datatype::Ci16Le => {
                let v: Vec<i16> = b
                    .chunks_exact(2)
                    .map(|c| i16::from_le_bytes([c[0], c[1]]))
                    .collect();
                self.kernels
                    .ci16_to_cf32(&v, out)
                    .expect("lengths match by construction");
            }
            Datatype::Ci8 => {
                let v: Vec<i8> = b.iter().map(|&x| x as i8).collect();
                self.kernels
                    .ci8_to_cf32(&v, out)
                    .expect("lengths match by construction");
            }
            Datatype::Cu8 => self
                .kernels
                .cu8_to_cf32(b, out)
                .expect("lengths match by construction"),
        }
        if self.check_finite && self.datatype.is_float() {
            if let Some(i) = out
                .iter()
                .position(|z| !(z.re.is_finite() && z.im.is_finite()))
            {
                return Err(IqError::NonFinite {
                    path: self.path.clone(),
                    index: self.pos + i as u64,
                    value: out[i].to_string(),
                });
            }
        }
        self.pos += n as u64;
        Ok(n)
    }

    /// Reads every remaining sample (for small recordings).
    pub fn read_all(&mut self) -> Result<Vec<C32>, IqError> {
        let mut v = vec![C32::default(); self.remaining() as usize];
        let n = self.read(&mut v)?;
        v.truncate(n);
        Ok(v)
    }
}
