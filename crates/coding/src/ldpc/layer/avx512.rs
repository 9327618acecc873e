//! The layer update compiled for AVX-512 (BW for 16-bit lanes).

use super::{body, Work};

/// # Safety
/// The CPU must support AVX-512 F/BW/DQ/VL.
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
pub(crate) unsafe fn update(
    row: &[(usize, usize)],
    z: usize,
    low_rate: bool,
    app: &mut [i16],
    msg: &mut [i16],
    w: &mut Work,
) {
    body(row, z, low_rate, app, msg, w)
}
