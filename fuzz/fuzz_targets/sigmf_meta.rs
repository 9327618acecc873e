//! The SigMF metadata parser on arbitrary text: parses or errors, never panics; what it
//! accepts round-trips through `to_json`.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| nrkit_fuzz::sigmf_meta(data));
