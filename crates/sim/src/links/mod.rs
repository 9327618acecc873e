//! The links [`crate::runner::run`] can simulate.

pub mod ldpc;
pub mod pdsch;

pub use ldpc::LdpcLink;
pub use pdsch::PdschLink;
