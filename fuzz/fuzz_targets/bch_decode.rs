//! The BCH/PBCH decoder on arbitrary LLRs (any f32, NaN and inf included), any PCI, L_max
//! and range: decodes, fails or errors, never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| nrkit_fuzz::bch_decode(data));
