//! The encoder body compiled for AVX-512BW.

use super::{encode_body, LdpcEncoder};

/// # Safety
/// The CPU must support AVX-512 F/BW/VL.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2")]
pub(super) unsafe fn encode(enc: &LdpcEncoder, c: &[u8], d: &mut [u8], ext: &mut Vec<u8>) {
    encode_body(enc, c, d, ext)
}
