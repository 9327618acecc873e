//! The parameter paths of `search`, `generate` and `evm`: arbitrary values (NaN, inf,
//! huge, negative) into the validated constructors the commands build — search
//! candidates and searchers, the OFDM test carrier and its modulator, the SSB generator,
//! the resource grid. Each builds or returns an error; nothing panics or allocates by an
//! unchecked value.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| nrkit_fuzz::cli_params(data));
