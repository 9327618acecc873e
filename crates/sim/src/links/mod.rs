//! The links [`crate::runner::run`] can simulate.

pub mod ldpc;
pub mod pdsch;
pub mod polar;

pub use ldpc::LdpcLink;
pub use pdsch::PdschLink;
pub use polar::{PbchLink, PolarLink};
