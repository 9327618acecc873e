//! The layer update compiled for AVX2.

use super::{body, Work};

/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
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
