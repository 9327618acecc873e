//! The commands, one module each (`Args` + `run(args, &Ctx)`); they share only
//! [`common`] and the library crates, never each other.

pub mod bench;
pub mod capture;
pub mod common;
pub mod decode;
pub mod devices;
pub mod evm;
pub mod generate;
pub mod impair;
pub mod info;
pub mod search;
pub mod sensitivity;
pub mod simulate;
pub mod tx;
