//! A calendar date given by the caller: this crate reads no clock, so the date printed on a
//! report or stamped into a workbook is an input. The type is ecociv-core's.

pub use ecociv_core::date::{Date, DateError};
