//! The PDSCH (TS 38.211 §7.3.1, §7.4.1.1; TS 38.214 §5.1): what is built so far.
//!
//! * [`mcs`]: the MCS index tables 1–4 for the PDSCH (TS 38.214 Tables 5.1.3.1-1…4):
//!   modulation order and target code rate per MCS index.
//! * [`scrambling`]: scrambling (TS 38.211 §7.3.1.1) and layer mapping (§7.3.1.3).
//! * [`mod@tbs`]: transport block size determination (TS 38.214 §5.1.3.2), with the small-TBS
//!   table (Table 5.1.3.2-1), xOverhead, the number of layers and TB scaling.
//!
//! The DMRS, the resource mapping and the receiver come next (see the PDSCH issue).

pub mod mcs;
pub mod scrambling;
pub mod tbs;

pub use mcs::{McsEntry, McsTable};
pub use tbs::{tbs, TbsParams};
