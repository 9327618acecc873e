//! The layered LDPC decoder on arbitrary base graph, lifting size, iterations, LLR scale
//! and LLRs (any f32): decodes or errors, never panics; the result has K bits.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| nrkit_fuzz::ldpc_decode(data));
