//! National technical standards as pure kernels.
//!
//! This crate holds what the national standards prescribe, and nothing else: the IAQI breakpoints
//! of HJ 633, the limits and data-validity rules of GB 3095, the annual statistics of HJ 663, the
//! surface-water classes of GB 3838, the black-odorous water grading guideline and the HJ 192
//! ecological status index. Every constant taken from a standard lives in one table with the
//! clause cited, and every standard that was revised is kept in all its versions, chosen by the
//! date of the data, so that a 2015 year and a 2027 year are each judged by the rules of their time.
//!
//! The crate knows nothing about plans, users or storage, reads no clock, environment or files of
//! its own: readers take any `std::io::Read` the caller opens.

pub mod air;
pub mod eco;
pub mod input;
pub mod water;
