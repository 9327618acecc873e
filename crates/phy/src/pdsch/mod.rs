//! The PDSCH (TS 38.211 §7.3.1, §7.4.1.1; TS 38.214 §5.1).
//!
//! * [`mcs`]: the MCS index tables 1–4 for the PDSCH (TS 38.214 Tables 5.1.3.1-1…4):
//!   modulation order and target code rate per MCS index.
//! * [`mod@tbs`]: transport block size determination (TS 38.214 §5.1.3.2), with the small-TBS
//!   table (Table 5.1.3.2-1), xOverhead, the number of layers and TB scaling.
//! * [`scrambling`]: scrambling (TS 38.211 §7.3.1.1) and layer mapping (§7.3.1.3).
//! * [`dmrs`]: the DMRS (§7.4.1.1): sequence, ports, positions, power.
//! * [`config`]: carrier and PDSCH configuration (MATLAB names), allocation, VRB-to-PRB
//!   interleaving, reserved resources and the resource mapping (§7.3.1.5–6).
//! * [`chain`]: the transmit chain into a slot grid and the receiver (DMRS estimation,
//!   timing and CFO refinement, MMSE, soft demapping, HARQ, LDPC, CRC, EVM).
//! * [`slot`]: OFDM modulation of a slot and the sample-level receiver (CFO from the CPs,
//!   timing within about ± one CP).
//!
//! PT-RS (§7.4.1.2) is not implemented yet.

pub mod chain;
pub mod config;
pub mod dmrs;
pub mod mcs;
pub mod scrambling;
pub mod slot;
pub mod tbs;

pub use chain::{Pdsch, PdschReceiver, PdschRxOutcome, Transport};
pub use config::{Carrier, PdschConfig, PdschMapping, ReservedPrb};
pub use dmrs::{DmrsConfig, MappingType};
pub use mcs::{McsEntry, McsTable};
pub use slot::{modulate_slot, receive_slot, SlotOutcome};
pub use tbs::{tbs, TbsParams};
