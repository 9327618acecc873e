//! The raw and SigMF sample readers on arbitrary bytes of every datatype: read or error
//! (partial sample, non-finite value), never panic; seeking anywhere is safe.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| nrkit_fuzz::sample_reader(data));
