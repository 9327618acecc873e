//! The polar CA-SCL decoder on arbitrary code parameters (K, E, n_max, interleaving) and
//! arbitrary LLRs: a code builds or errors; decoding decodes or errors, never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| nrkit_fuzz::polar_decode(data));
