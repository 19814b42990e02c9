//! GB 3095: concentration limits (2012; 2026 transition and final phases) and the data-validity
//! minimums of 表4, which are the same in both editions.

use chrono::NaiveDate;
use serde::Serialize;

use super::{Cited, Confidence, Edition, Pollutant};

/// Which set of limits applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum LimitSet {
    /// GB 3095-2012 表1 (with the 2018 amendment).
    #[serde(rename = "GB 3095-2012")]
    Gb2012,
    /// GB 3095-2026 表1, transition limits (2026-03-01 to 2030-12-31, §4.4).
    #[serde(rename = "GB 3095-2026 过渡阶段")]
    Gb2026Transition,
    /// GB 3095-2026 表1 limits in force from 2031-01-01.
    #[serde(rename = "GB 3095-2026")]
    Gb2026Final,
}

impl LimitSet {
    /// The first day of the final 2026 limits (GB 3095-2026 §4.4).
    pub fn final_2026_from() -> NaiveDate {
        NaiveDate::from_ymd_opt(2031, 1, 1).expect("valid date")
    }

    /// The limits in force on a date.
    pub fn in_force_on(date: NaiveDate) -> LimitSet {
        if date >= LimitSet::final_2026_from() {
            LimitSet::Gb2026Final
        } else if date >= Edition::effective_2026() {
            LimitSet::Gb2026Transition
        } else {
            LimitSet::Gb2012
        }
    }

    /// The limits of an edition for a date: 2012 has one set; for 2026 the phase follows the date,
    /// and a date before 2026 (a forced re-evaluation of old data) gets the transition limits,
    /// which are the ones that pair with HJ 633-2026's IAQI 100.
    pub fn for_edition(edition: Edition, date: NaiveDate) -> LimitSet {
        match edition {
            Edition::E2012 => LimitSet::Gb2012,
            Edition::E2026 if date >= LimitSet::final_2026_from() => LimitSet::Gb2026Final,
            Edition::E2026 => LimitSet::Gb2026Transition,
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            LimitSet::Gb2012 => "GB 3095-2012",
            LimitSet::Gb2026Transition => {
                "GB 3095-2026 (transition limits, 2026-03-01 to 2030-12-31)"
            }
            LimitSet::Gb2026Final => "GB 3095-2026 (limits from 2031-01-01)",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            LimitSet::Gb2012 => "GB 3095-2012",
            LimitSet::Gb2026Transition => "GB 3095-2026（过渡阶段限值，2026-03-01至2030-12-31）",
            LimitSet::Gb2026Final => "GB 3095-2026（2031-01-01起限值）",
        }
    }
}

/// Zone classes (GB 3095 §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ZoneClass {
    /// 一类区: national parks, nature reserves and other specially protected areas.
    #[serde(rename = "一类区")]
    I,
    /// 二类区: residential, commercial, cultural, industrial and rural areas (cities).
    #[serde(rename = "二类区")]
    II,
}

/// Averaging times of the limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum LimitPeriod {
    #[serde(rename = "年平均")]
    Annual,
    #[serde(rename = "24小时平均")]
    Daily,
    /// 日最大8小时平均 (O3).
    #[serde(rename = "日最大8小时平均")]
    Mda8,
    #[serde(rename = "1小时平均")]
    Hour,
}

/// One limit: class I and class II values in the pollutant's unit (µg/m³, CO mg/m³).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Limit {
    pub set: LimitSet,
    pub pollutant: Pollutant,
    pub period: LimitPeriod,
    pub class_i: u32,
    pub class_ii: u32,
    pub clause: &'static str,
    pub confidence: Confidence,
}

use LimitPeriod::{Annual, Daily, Hour, Mda8};
use LimitSet::{Gb2012, Gb2026Final, Gb2026Transition};
use Pollutant::{Co, No2, O3, Pm10, Pm25, So2};

const fn lim(
    set: LimitSet,
    pollutant: Pollutant,
    period: LimitPeriod,
    class_i: u32,
    class_ii: u32,
) -> Limit {
    let (clause, confidence) = match set {
        // standards.md §3.1 marks the 2012 values [B]: well established and consistent with
        // HJ 633-2012's IAQI-100 points.
        Gb2012 => ("GB 3095-2012 表1", Confidence::B),
        Gb2026Transition => ("GB 3095-2026 表1（过渡阶段）", Confidence::A),
        Gb2026Final => ("GB 3095-2026 表1", Confidence::A),
    };
    Limit {
        set,
        pollutant,
        period,
        class_i,
        class_ii,
        clause,
        confidence,
    }
}

/// Basic-item limits of both editions and both 2026 phases.
pub static LIMITS: [Limit; 42] = [
    // GB 3095-2012 表1
    lim(Gb2012, So2, Annual, 20, 60),
    lim(Gb2012, So2, Daily, 50, 150),
    lim(Gb2012, So2, Hour, 150, 500),
    lim(Gb2012, No2, Annual, 40, 40),
    lim(Gb2012, No2, Daily, 80, 80),
    lim(Gb2012, No2, Hour, 200, 200),
    lim(Gb2012, Co, Daily, 4, 4),
    lim(Gb2012, Co, Hour, 10, 10),
    lim(Gb2012, O3, Mda8, 100, 160),
    lim(Gb2012, O3, Hour, 160, 200),
    lim(Gb2012, Pm10, Annual, 40, 70),
    lim(Gb2012, Pm10, Daily, 50, 150),
    lim(Gb2012, Pm25, Annual, 15, 35),
    lim(Gb2012, Pm25, Daily, 35, 75),
    // GB 3095-2026 表1, transition phase (to 2030-12-31)
    lim(Gb2026Transition, So2, Annual, 20, 60),
    lim(Gb2026Transition, So2, Daily, 50, 150),
    lim(Gb2026Transition, So2, Hour, 150, 500),
    lim(Gb2026Transition, No2, Annual, 40, 40),
    lim(Gb2026Transition, No2, Daily, 80, 80),
    lim(Gb2026Transition, No2, Hour, 200, 200),
    lim(Gb2026Transition, Co, Daily, 4, 4),
    lim(Gb2026Transition, Co, Hour, 10, 10),
    lim(Gb2026Transition, O3, Mda8, 100, 160),
    lim(Gb2026Transition, O3, Hour, 160, 200),
    lim(Gb2026Transition, Pm10, Annual, 40, 60),
    lim(Gb2026Transition, Pm10, Daily, 50, 120),
    lim(Gb2026Transition, Pm25, Annual, 15, 30),
    lim(Gb2026Transition, Pm25, Daily, 35, 60),
    // GB 3095-2026 表1, from 2031-01-01
    lim(Gb2026Final, So2, Annual, 20, 20),
    lim(Gb2026Final, So2, Daily, 50, 50),
    lim(Gb2026Final, So2, Hour, 150, 150),
    lim(Gb2026Final, No2, Annual, 30, 30),
    lim(Gb2026Final, No2, Daily, 50, 50),
    lim(Gb2026Final, No2, Hour, 200, 200),
    lim(Gb2026Final, Co, Daily, 4, 4),
    lim(Gb2026Final, Co, Hour, 10, 10),
    lim(Gb2026Final, O3, Mda8, 100, 160),
    lim(Gb2026Final, O3, Hour, 160, 200),
    lim(Gb2026Final, Pm10, Annual, 20, 50),
    lim(Gb2026Final, Pm10, Daily, 50, 100),
    lim(Gb2026Final, Pm25, Annual, 10, 25),
    lim(Gb2026Final, Pm25, Daily, 25, 50),
];

/// The limit for a pollutant and averaging time, if the standard sets one.
pub fn limit(set: LimitSet, pollutant: Pollutant, period: LimitPeriod) -> Option<&'static Limit> {
    LIMITS
        .iter()
        .find(|l| l.set == set && l.pollutant == pollutant && l.period == period)
}

impl Limit {
    pub fn value(&self, class: ZoneClass) -> u32 {
        match class {
            ZoneClass::I => self.class_i,
            ZoneClass::II => self.class_ii,
        }
    }

    /// The limit in internal units (10⁻⁴ µg/m³).
    pub fn units(&self, class: ZoneClass) -> u64 {
        u64::from(self.value(class)) * self.pollutant.unit().units()
    }
}

/// The data-validity minimums (GB 3095-2012 表4, GB 3095-2026 表4: no change between them [A]),
/// and the O3 daily-maximum rule of HJ 663.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Validity {
    /// A daily mean of SO2, NO2, CO, PM10, PM2.5 needs at least this many hourly values.
    pub min_hours_per_day: Cited<u8>,
    /// An 8-hour O3 mean needs at least this many hourly values in its window.
    pub min_hours_per_8h_window: Cited<u8>,
    /// An O3 daily maximum 8-hour mean needs at least this many valid 8-hour means of the day …
    pub min_windows_per_mda8: Cited<u8>,
    /// … unless, with fewer, it exceeds the limit: an exceedance cannot be hidden by missing data.
    pub mda8_exceedance_counts: Cited<bool>,
    /// An annual mean of SO2, NO2, PM10, PM2.5 needs this many valid daily means in the year …
    pub min_days_per_year: Cited<u16>,
    /// … and this many in each month …
    pub min_days_per_month: Cited<u8>,
    /// … except February.
    pub min_days_february: Cited<u8>,
}

pub static VALIDITY: Validity = Validity {
    min_hours_per_day: Cited {
        value: 20,
        clause: "GB 3095-2012 表4 / GB 3095-2026 表4：24小时平均至少有20个小时平均浓度值",
        confidence: Confidence::A,
    },
    min_hours_per_8h_window: Cited {
        value: 6,
        clause: "GB 3095-2012 表4 / GB 3095-2026 表4：8小时平均每8小时至少有6小时平均浓度值",
        confidence: Confidence::A,
    },
    min_windows_per_mda8: Cited {
        value: 14,
        clause: "HJ 663-2013（日最大8小时平均：当日8时至24时至少有14个有效8小时平均浓度值）；HJ 663-2026 §6.1.2 据称未变",
        confidence: Confidence::C,
    },
    mda8_exceedance_counts: Cited {
        value: true,
        clause: "HJ 663-2013：有效8小时平均不足14个时，若日最大8小时平均超过浓度限值，仍统计为有效",
        confidence: Confidence::C,
    },
    min_days_per_year: Cited {
        value: 324,
        clause: "GB 3095-2012 表4 / GB 3095-2026 表4：年平均每年至少有324个日平均浓度值",
        confidence: Confidence::A,
    },
    min_days_per_month: Cited {
        value: 27,
        clause: "GB 3095-2012 表4 / GB 3095-2026 表4：每月至少有27个日平均浓度值",
        confidence: Confidence::A,
    },
    min_days_february: Cited {
        value: 25,
        clause: "GB 3095-2012 表4 / GB 3095-2026 表4：二月至少有25个日平均浓度值",
        confidence: Confidence::A,
    },
};

/// The pollutants whose annual mean GB 3095 表4 governs (SO2, NO2, PM10, PM2.5).
pub fn has_annual_mean(p: Pollutant) -> bool {
    matches!(p, So2 | No2 | Pm10 | Pm25)
}

/// Whether a year of daily counts per month (index 0 = January) meets 表4: at least 324 in the
/// year and at least 27 in each month (25 in February).
pub fn annual_valid(days_per_month: &[u16; 12]) -> bool {
    let total: u32 = days_per_month.iter().map(|&d| u32::from(d)).sum();
    total >= u32::from(VALIDITY.min_days_per_year.value)
        && days_per_month.iter().enumerate().all(|(m, &d)| {
            let min = if m == 1 {
                VALIDITY.min_days_february.value
            } else {
                VALIDITY.min_days_per_month.value
            };
            d >= u16::from(min)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_follow_the_dates_of_gb_3095_2026() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert_eq!(LimitSet::in_force_on(d(2026, 2, 28)), Gb2012);
        assert_eq!(LimitSet::in_force_on(d(2026, 3, 1)), Gb2026Transition);
        assert_eq!(LimitSet::in_force_on(d(2030, 12, 31)), Gb2026Transition);
        assert_eq!(LimitSet::in_force_on(d(2031, 1, 1)), Gb2026Final);
        assert_eq!(
            LimitSet::for_edition(Edition::E2026, d(2015, 6, 1)),
            Gb2026Transition
        );
        assert_eq!(
            LimitSet::for_edition(Edition::E2026, d(2031, 6, 1)),
            Gb2026Final
        );
        assert_eq!(LimitSet::for_edition(Edition::E2012, d(2031, 6, 1)), Gb2012);
    }

    #[test]
    fn class_i_and_ii_limits_of_every_phase() {
        let cases: &[(LimitSet, Pollutant, LimitPeriod, u32, u32)] = &[
            (Gb2012, Pm25, Annual, 15, 35),
            (Gb2012, Pm25, Daily, 35, 75),
            (Gb2012, Pm10, Annual, 40, 70),
            (Gb2012, Pm10, Daily, 50, 150),
            (Gb2012, So2, Annual, 20, 60),
            (Gb2012, O3, Mda8, 100, 160),
            (Gb2012, Co, Daily, 4, 4),
            (Gb2026Transition, Pm25, Annual, 15, 30),
            (Gb2026Transition, Pm25, Daily, 35, 60),
            (Gb2026Transition, Pm10, Annual, 40, 60),
            (Gb2026Transition, Pm10, Daily, 50, 120),
            (Gb2026Transition, So2, Daily, 50, 150),
            (Gb2026Transition, No2, Annual, 40, 40),
            (Gb2026Final, Pm25, Annual, 10, 25),
            (Gb2026Final, Pm25, Daily, 25, 50),
            (Gb2026Final, Pm10, Annual, 20, 50),
            (Gb2026Final, Pm10, Daily, 50, 100),
            (Gb2026Final, So2, Annual, 20, 20),
            (Gb2026Final, So2, Daily, 50, 50),
            (Gb2026Final, So2, Hour, 150, 150),
            (Gb2026Final, No2, Annual, 30, 30),
            (Gb2026Final, No2, Daily, 50, 50),
            (Gb2026Final, No2, Hour, 200, 200),
            (Gb2026Final, O3, Mda8, 100, 160),
            (Gb2026Final, Co, Hour, 10, 10),
        ];
        for &(set, p, period, i, ii) in cases {
            let l = limit(set, p, period).expect("limit exists");
            assert_eq!(
                (l.value(ZoneClass::I), l.value(ZoneClass::II)),
                (i, ii),
                "{set:?} {p:?} {period:?}"
            );
        }
        assert!(limit(Gb2012, Co, Annual).is_none());
        assert!(limit(Gb2026Final, O3, Annual).is_none());
        // Every set has the same 14 rows.
        for set in [Gb2012, Gb2026Transition, Gb2026Final] {
            assert_eq!(LIMITS.iter().filter(|l| l.set == set).count(), 14);
        }
    }

    #[test]
    fn annual_validity_needs_324_days_and_27_per_month_25_in_february() {
        let full = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        assert!(annual_valid(&full));
        // February with 25 is enough, with 24 not.
        let mut m = full;
        m[1] = 25;
        assert!(annual_valid(&m));
        m[1] = 24;
        assert!(!annual_valid(&m));
        // A month (not February) with 26 days fails, 27 passes.
        let mut m = full;
        m[3] = 26;
        assert!(!annual_valid(&m));
        m[3] = 27;
        assert!(annual_valid(&m));
        // Every month at its minimum: 27·11 + 25 = 322 < 324 → invalid although each month passes.
        let mut m = [27u16; 12];
        m[1] = 25;
        assert!(!annual_valid(&m));
        m[0] = 29;
        assert!(annual_valid(&m), "324 days");
        m[0] = 28;
        assert!(!annual_valid(&m), "323 days");
    }
}
