//! The encoder body compiled for AVX2.

use super::{encode_body, LdpcEncoder};

/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn encode(enc: &LdpcEncoder, c: &[u8], d: &mut [u8], ext: &mut Vec<u8>) {
    encode_body(enc, c, d, ext)
}
