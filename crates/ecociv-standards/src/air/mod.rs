//! Air quality: HJ 633 (AQI), GB 3095 (limits and data validity) and HJ 663 (annual evaluation),
//! each in its 2012/2013 and 2026 editions, plus streaming readers for hourly station files.
//!
//! The pipeline the standards prescribe, and the module that owns each step:
//!
//! ```text
//! station hourly ─► station daily (gb3095 validity) ─► city daily (hj663) ─► daily AQI (hj633)
//!                                                       └─► annual statistics, compliance (hj663, gb3095)
//! ```
//!
//! * [`hj633`]: IAQI breakpoints of both editions, the exact IAQI, AQI, categories, primary
//!   pollutants, the special cases above 800 µg/m³ and the 2026 missing-pollutant rule.
//! * [`gb3095`]: concentration limits (2012; 2026 transition and final phases) and the
//!   data-validity minimums.
//! * [`hj663`]: station-day statistics (daily means, O3 daily maximum 8-hour mean), city daily
//!   values, the annual means, percentiles and compliance, good-day ratio and year-on-year change.
//! * [`reader`]: the long CSV format and the Beijing layout, read in parallel chunks with bounded
//!   memory, every error naming file, row and column.
//! * [`exact`]: the scaled integers, rationals and GB/T 8170 rounding everything above relies on.
//!
//! Every constant taken from a standard lives in one table with its clause and, where the
//! reference marks it so, its confidence ([`Confidence`]).

pub mod exact;
pub mod gb3095;
pub mod hj633;
pub mod hj663;
pub mod reader;

use chrono::NaiveDate;
use serde::Serialize;

/// The six basic pollutants of GB 3095 that enter the AQI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Pollutant {
    #[serde(rename = "SO2")]
    So2,
    #[serde(rename = "NO2")]
    No2,
    #[serde(rename = "PM10")]
    Pm10,
    #[serde(rename = "PM2.5")]
    Pm25,
    #[serde(rename = "CO")]
    Co,
    #[serde(rename = "O3")]
    O3,
}

impl Pollutant {
    /// In the order HJ 663 reports lists them.
    pub const ALL: [Pollutant; 6] = [
        Pollutant::So2,
        Pollutant::No2,
        Pollutant::Pm10,
        Pollutant::Pm25,
        Pollutant::Co,
        Pollutant::O3,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    /// The name used in files, JSON and the standards' tables.
    pub fn code(self) -> &'static str {
        match self {
            Pollutant::So2 => "SO2",
            Pollutant::No2 => "NO2",
            Pollutant::Pm10 => "PM10",
            Pollutant::Pm25 => "PM2.5",
            Pollutant::Co => "CO",
            Pollutant::O3 => "O3",
        }
    }

    /// The name in Chinese reports.
    pub fn name_zh(self) -> &'static str {
        match self {
            Pollutant::So2 => "二氧化硫",
            Pollutant::No2 => "二氧化氮",
            Pollutant::Pm10 => "PM10",
            Pollutant::Pm25 => "PM2.5",
            Pollutant::Co => "一氧化碳",
            Pollutant::O3 => "臭氧",
        }
    }

    /// The unit the standards state this pollutant in.
    pub fn unit(self) -> Unit {
        match self {
            Pollutant::Co => Unit::MgM3,
            _ => Unit::UgM3,
        }
    }

    pub fn from_code(s: &str) -> Option<Pollutant> {
        let up = s.trim().to_ascii_uppercase().replace('_', "");
        Some(match up.as_str() {
            "SO2" => Pollutant::So2,
            "NO2" => Pollutant::No2,
            "PM10" => Pollutant::Pm10,
            "PM2.5" | "PM25" => Pollutant::Pm25,
            "CO" => Pollutant::Co,
            "O3" => Pollutant::O3,
            _ => return None,
        })
    }
}

/// Concentration units of the standards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Unit {
    #[serde(rename = "μg/m³")]
    UgM3,
    #[serde(rename = "mg/m³")]
    MgM3,
}

impl Unit {
    /// Internal units ([`exact::UNITS_PER_UG`]) per one of this unit.
    pub fn units(self) -> u64 {
        match self {
            Unit::UgM3 => exact::UNITS_PER_UG,
            Unit::MgM3 => exact::UNITS_PER_MG,
        }
    }

    /// Decimal digits needed to represent an internal value exactly in this unit.
    pub fn digits(self) -> u32 {
        match self {
            Unit::UgM3 => 4,
            Unit::MgM3 => 7,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Unit::UgM3 => "μg/m³",
            Unit::MgM3 => "mg/m³",
        }
    }

    /// Parse the unit written in a file header. Accepts the forms seen in practice.
    pub fn parse(s: &str) -> Option<Unit> {
        let norm: String = s
            .trim()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase()
            .replace(['μ', 'µ'], "u")
            .replace('³', "3");
        match norm.as_str() {
            "ug/m3" => Some(Unit::UgM3),
            "mg/m3" => Some(Unit::MgM3),
            _ => None,
        }
    }
}

/// How sure the reference is of a constant or rule; see `shared/reference/README.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Confidence {
    /// Read in the standard itself.
    A,
    /// Confirmed by a secondary source or an independent implementation.
    B,
    /// Reconstructed or inferred: 待核实 (to be verified) before it decides pass/fail.
    C,
}

/// A value from a standard with the clause it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Cited<T> {
    pub value: T,
    pub clause: &'static str,
    pub confidence: Confidence,
}

/// The set of air standards applied together: HJ 633 for the AQI, GB 3095 for limits and
/// validity, HJ 663 for the evaluation method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Edition {
    /// HJ 633-2012, GB 3095-2012 (with its 2018 amendment), HJ 663-2013.
    #[serde(rename = "2012")]
    E2012,
    /// HJ 633-2026, GB 3095-2026, HJ 663-2026 (in force from 2026-03-01).
    #[serde(rename = "2026")]
    E2026,
}

impl Edition {
    /// The first day on which the 2026 editions apply (HJ 633-2026 and GB 3095-2026, 实施日期).
    pub fn effective_2026() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 1).expect("valid date")
    }

    /// The edition in force on a date.
    pub fn in_force_on(date: NaiveDate) -> Edition {
        if date >= Edition::effective_2026() {
            Edition::E2026
        } else {
            Edition::E2012
        }
    }

    pub fn hj633(self) -> &'static str {
        match self {
            Edition::E2012 => "HJ 633-2012",
            Edition::E2026 => "HJ 633-2026",
        }
    }

    pub fn gb3095(self) -> &'static str {
        match self {
            Edition::E2012 => "GB 3095-2012",
            Edition::E2026 => "GB 3095-2026",
        }
    }

    pub fn hj663(self) -> &'static str {
        match self {
            Edition::E2012 => "HJ 663-2013",
            Edition::E2026 => "HJ 663-2026",
        }
    }

    /// "HJ 633-2012/GB 3095-2012/HJ 663-2013".
    pub fn label(self) -> String {
        format!("{}/{}/{}", self.hj633(), self.gb3095(), self.hj663())
    }
}

/// How the caller picks the edition: by the date of each day, or forced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditionChoice {
    Auto,
    Forced(Edition),
}

impl EditionChoice {
    pub fn for_date(self, date: NaiveDate) -> Edition {
        match self {
            EditionChoice::Auto => Edition::in_force_on(date),
            EditionChoice::Forced(e) => e,
        }
    }
}
