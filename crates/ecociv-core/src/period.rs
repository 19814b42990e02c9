//! Reporting periods (报告期): a year, a quarter or a month, written `2024`, `2024Q3`, `2024-07`.

use std::fmt;
use std::str::FromStr;

/// A reporting period. Years are the unit of evaluation; quarters and months are reporting periods
/// for values that are collected more often.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    Year(i32),
    Quarter(i32, u8),
    Month(i32, u8),
}

/// Years outside this range are typing mistakes, not plans.
pub const YEAR_RANGE: std::ops::RangeInclusive<i32> = 1949..=2100;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "无效的报告期“{0}”：应为年份（2024）、季度（2024Q3）或月份（2024-07），年份在1949–2100之间"
)]
pub struct PeriodError(pub String);

impl Period {
    pub fn year(&self) -> i32 {
        match *self {
            Period::Year(y) | Period::Quarter(y, _) | Period::Month(y, _) => y,
        }
    }

    pub fn is_year(&self) -> bool {
        matches!(self, Period::Year(_))
    }
}

impl FromStr for Period {
    type Err = PeriodError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let err = || PeriodError(s.to_owned());
        let year = |y: &str| -> Result<i32, PeriodError> {
            if y.len() != 4 || !y.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err());
            }
            let y: i32 = y.parse().map_err(|_| err())?;
            if YEAR_RANGE.contains(&y) {
                Ok(y)
            } else {
                Err(err())
            }
        };
        if let Some((y, q)) = t.split_once(['Q', 'q']) {
            let q: u8 = q.parse().map_err(|_| err())?;
            if !(1..=4).contains(&q) {
                return Err(err());
            }
            return Ok(Period::Quarter(year(y)?, q));
        }
        if let Some((y, m)) = t.split_once('-') {
            if m.len() != 2 {
                return Err(err());
            }
            let m: u8 = m.parse().map_err(|_| err())?;
            if !(1..=12).contains(&m) {
                return Err(err());
            }
            return Ok(Period::Month(year(y)?, m));
        }
        Ok(Period::Year(year(t)?))
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Period::Year(y) => write!(f, "{y}"),
            Period::Quarter(y, q) => write!(f, "{y}Q{q}"),
            Period::Month(y, m) => write!(f, "{y}-{m:02}"),
        }
    }
}

impl serde::Serialize for Period {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Period {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse_and_print_round_trip() {
        for s in ["2024", "2024Q3", "2024-07", "1949", "2100-12"] {
            assert_eq!(s.parse::<Period>().unwrap().to_string(), s);
        }
        assert_eq!(
            "2024q1".parse::<Period>().unwrap(),
            Period::Quarter(2024, 1)
        );
    }

    #[test]
    fn malformed_periods_are_rejected() {
        for s in [
            "", "24", "2024Q5", "2024-13", "2024-7", "20245", "abcd", "1800", "2024Q0", "2101",
        ] {
            assert!(s.parse::<Period>().is_err(), "{s} should be rejected");
        }
    }
}
