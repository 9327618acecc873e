//! # nrkit-coding — TS 38.212 channel coding
//!
//! * [`crc`]: the CRCs of §5.1 (6, 11, 16, 24A, 24B, 24C) on bit slices and byte buffers.
//! * [`ldpc`]: LDPC base graphs and lifting sizes (§5.3.2), base-graph selection (§7.2.2),
//!   code-block segmentation (§5.2.2), the quasi-cyclic encoder (§5.3.2), rate matching and
//!   recovery with HARQ combining (§5.4.2), a layered min-sum decoder and a sum-product
//!   reference.
//! * [`polar`]: polar coding (§5.3.1) and rate matching (§5.4.1) for BCH, DCI and UCI, and a
//!   CRC-aided SC-list decoder.
//! * [`bch`]: the MIB and the BCH chain (§7.1): payload with timing bits, interleaving,
//!   scrambling, CRC24C, polar K = 56 / N = 512, rate matching to E = 864, CA-SCL decoding.
//! * [`dci`]: the DCI chain (§7.3): padding, CRC24C with RNTI mask, polar, rate matching
//!   and CA-SCL decoding against a set of RNTIs.
//! * [`dlsch`]: the DL-SCH/UL-SCH chain (§7.2, §6.2) from transport block to coded bits and
//!   back to a CRC-checked transport block.
//!
//! Bits are `u8` 0/1, transmitted order first. Filler bits (the `<NULL>` of the spec) are
//! not stored as a third value: a code block records how many it carries (always at the end
//! of its systematic part), and the encoder treats them as 0.
#![deny(missing_docs)]
#![deny(unsafe_code)]

pub mod bch;
pub mod bits;
pub mod crc;
pub mod dci;
pub mod dlsch;
pub mod ldpc;
pub mod polar;
