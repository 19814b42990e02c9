//! Ecological status: the HJ 192-2015 ecological status index (EI, 生态环境状况指数) and its reader.
//!
//! * [`hj192`]: coefficients, sub-indices, EI, the environment-restriction adjustment, grade and
//!   change class.
//! * [`reader`]: the CSV of land cover, water network and pollutant loads per region and year.

pub mod hj192;
pub mod reader;
