//! Water samples as read from a monitoring file: sections and dated samples with exact values.

use chrono::NaiveDate;

use super::decimal::Dec;
use super::gb3838::{PARAMS, WaterBodyType};

/// Number of parameters a sample can carry (GB 3838 Table 1 and 2, chla, SD).
pub const PARAM_COUNT: usize = PARAMS.len();

/// A monitoring section (断面) or lake/reservoir point (点位).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    pub code: String,
    /// River, lake or reservoir the section belongs to, for the river/basin grade.
    pub water_body: Option<String>,
    pub body_type: WaterBodyType,
    /// Whether this is a centralized drinking-water source.
    pub drinking_source: bool,
    /// Administrative region code, for per-region shares.
    pub region: Option<String>,
}

/// One sample: a section, a date and the measured values in canonical units, indexed by
/// `Param as usize`.
#[derive(Clone, Debug)]
pub struct Sample {
    pub section: usize,
    pub date: NaiveDate,
    pub values: [Option<Dec>; PARAM_COUNT],
}

/// The samples of one year.
#[derive(Clone, Debug, Default)]
pub struct SampleSet {
    pub year: i32,
    pub sections: Vec<Section>,
    pub samples: Vec<Sample>,
    /// Notes from reading that do not stop the evaluation (values below detection limit).
    pub warnings: Vec<String>,
    /// Number of values written as below the detection limit (`<DL`).
    pub below_detection_limit: u64,
}
