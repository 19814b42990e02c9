//! HJ 663: from station hourly values to the city's annual evaluation.
//!
//! ```text
//! station hourly ──► StationDay (hours of one station and day, in any order)
//!                      └─► StationDayStats: daily means (≥20 h), O3 MDA8 (windows ≥6 h, ≥14
//!                          windows or an exceedance), O3 daily max 1 h (2012 daily AQI only)
//! valid stations ──► city daily value = arithmetic mean of the stations' statistics (exact)
//!                      └─► daily AQI (HJ 633, rounded concentrations), valid day, category
//! city daily series ──► annual mean (GB 3095 表4 validity), percentile (附录A), compliance,
//!                       good-day ratio, days per category, change on the previous year
//! ```
//!
//! All of it is exact: station statistics are integer sums over integer counts, a city value is
//! a [`Ratio`] with denominator `k × STAT_DENOMINATOR`, annual means are exact [`RatioSum`]s, and
//! each reported statistic is rounded once, at the end, per GB/T 8170 (rounding intermediate
//! values is what GB/T 8170 §3.3 forbids: 不得连续修约).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use ecociv_i18n::{AirMsg, Lang};
use serde::Serialize;

use super::exact::{Ratio, RatioSum, STAT_DENOMINATOR, round_half_even};
use super::gb3095::{self, LimitPeriod, LimitSet, VALIDITY, ZoneClass};
use super::hj633::{self, AqiResult, Averaging, Item, Report};
use super::{Cited, Confidence, Edition, EditionChoice, Pollutant};

/// The hourly values of one station on one day, collected in any order.
///
/// Compact on purpose (160 bytes): a national run keeps one per station and day in memory. The
/// five pollutants with daily means keep only a sum and a bit per hour; O3 keeps its 24 values
/// for the 8-hour windows.
#[derive(Debug, Clone, Default)]
pub struct StationDay {
    sums: [u64; 5],
    masks: [u32; 6],
    o3: [u32; 24],
}

/// The same station, day, hour and pollutant was given twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DuplicateHour;

impl StationDay {
    /// Add the hourly value of `pollutant` for the hour starting at `hour` (0–23), in internal
    /// units. O3 values must be below 2³² units (429,496 µg/m³; readers reject far less).
    pub fn add(&mut self, pollutant: Pollutant, hour: u8, value: u64) -> Result<(), DuplicateHour> {
        debug_assert!(hour < 24);
        let i = pollutant.index();
        let bit = 1u32 << hour;
        if self.masks[i] & bit != 0 {
            return Err(DuplicateHour);
        }
        self.masks[i] |= bit;
        if pollutant == Pollutant::O3 {
            self.o3[usize::from(hour)] = u32::try_from(value).expect("O3 value within range");
        } else {
            self.sums[i] += value;
        }
        Ok(())
    }

    /// Merge another partial record of the same station and day.
    pub fn merge(&mut self, other: &StationDay) -> Result<(), DuplicateHour> {
        for i in 0..6 {
            if self.masks[i] & other.masks[i] != 0 {
                return Err(DuplicateHour);
            }
        }
        for i in 0..5 {
            self.sums[i] += other.sums[i];
        }
        for h in 0..24 {
            if other.masks[5] & (1 << h) != 0 {
                self.o3[h] = other.o3[h];
            }
        }
        for i in 0..6 {
            self.masks[i] |= other.masks[i];
        }
        Ok(())
    }

    pub fn hours(&self, pollutant: Pollutant) -> u32 {
        self.masks[pollutant.index()].count_ones()
    }

    pub fn is_empty(&self) -> bool {
        self.masks.iter().all(|&m| m == 0)
    }

    /// The station's daily statistics. `mda8_limit` (internal units) decides the HJ 663
    /// exceedance exception for an O3 day with fewer than 14 valid 8-hour windows.
    pub fn stats(&self, mda8_limit: u64) -> StationDayStats {
        let min_hours = u32::from(VALIDITY.min_hours_per_day.value);
        let mut means = [None; 5];
        for (i, m) in means.iter_mut().enumerate() {
            let n = self.masks[i].count_ones();
            if n >= min_hours {
                *m = Some(Mean {
                    sum: self.sums[i],
                    n: n as u8,
                });
            }
        }
        let (mda8, o3_max_1h) = self.mda8(mda8_limit);
        StationDayStats {
            means,
            mda8,
            o3_max_1h,
        }
    }

    /// O3 daily maximum 8-hour mean: the largest of the 17 windows that end at 08:00 … 24:00 of
    /// the day (hours 0–7 … 16–23 by start hour), each valid with ≥6 hourly values; the day's
    /// value is valid with ≥14 valid windows, or with fewer if it exceeds the limit.
    fn mda8(&self, limit: u64) -> (Option<Mean>, Option<u32>) {
        let mask = self.masks[5];
        if mask == 0 {
            return (None, None);
        }
        let min_in_window = VALIDITY.min_hours_per_8h_window.value as u32;
        let mut best: Option<Mean> = None;
        let mut valid_windows = 0u8;
        for start in 0..=16usize {
            let wmask = (mask >> start) & 0xFF;
            let n = wmask.count_ones();
            if n < min_in_window {
                continue;
            }
            valid_windows += 1;
            let sum: u64 = (0..8)
                .filter(|h| wmask & (1 << h) != 0)
                .map(|h| u64::from(self.o3[start + h]))
                .sum();
            let m = Mean { sum, n: n as u8 };
            if best.is_none_or(|b| m.greater_than(&b)) {
                best = Some(m);
            }
        }
        let Some(best) = best else {
            return (None, None);
        };
        let enough = valid_windows >= VALIDITY.min_windows_per_mda8.value;
        // The exception compares the value as it would be reported (GB/T 8170, whole µg/m³).
        let rounded = round_half_even(best.ratio(), super::exact::UNITS_PER_UG)
            * u128::from(super::exact::UNITS_PER_UG);
        let exceeds = VALIDITY.mda8_exceedance_counts.value && rounded > u128::from(limit);
        if !(enough || exceeds) {
            return (None, None);
        }
        let max_1h = (0..24)
            .filter(|h| mask & (1 << h) != 0)
            .map(|h| self.o3[h])
            .max();
        (Some(best), max_1h)
    }
}

/// A mean of `n` hourly values whose sum is `sum` (internal units).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mean {
    pub sum: u64,
    pub n: u8,
}

impl Mean {
    pub fn ratio(&self) -> Ratio {
        Ratio::new(u128::from(self.sum), u128::from(self.n))
    }

    /// The mean as an integer count of `1 / STAT_DENOMINATOR` units.
    fn scaled(&self) -> u128 {
        u128::from(self.sum) * u128::from(STAT_DENOMINATOR / u64::from(self.n))
    }

    fn greater_than(&self, other: &Mean) -> bool {
        u128::from(self.sum) * u128::from(other.n) > u128::from(other.sum) * u128::from(self.n)
    }
}

/// One station's valid daily statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StationDayStats {
    /// Daily means of SO2, NO2, PM10, PM2.5, CO (indexed like [`Pollutant::ALL`]).
    pub means: [Option<Mean>; 5],
    pub mda8: Option<Mean>,
    pub o3_max_1h: Option<u32>,
}

/// The seven city daily statistics: five daily means, O3 MDA8 and (for 2012) O3 daily max 1 h.
pub const CITY_STATS: [Item; 7] = [
    Item::new(Pollutant::So2, Averaging::H24),
    Item::new(Pollutant::No2, Averaging::H24),
    Item::new(Pollutant::Pm10, Averaging::H24),
    Item::new(Pollutant::Pm25, Averaging::H24),
    Item::new(Pollutant::Co, Averaging::H24),
    Item::new(Pollutant::O3, Averaging::H8),
    Item::new(Pollutant::O3, Averaging::H1),
];

/// Method rules of HJ 663 this module implements, with their sources.
pub static METHOD: Method = Method {
    city_mean: Cited {
        value: "城市日均值为各有效点位日均值（O3 为日最大8小时平均）的算术平均",
        clause: "HJ 663-2013 城市尺度评价（参与评价点位的算术平均）",
        confidence: Confidence::C,
    },
    percentile: Cited {
        value: "k = 1 + (n − 1)·p，s 取整数部分，m = X(s) + (X(s+1) − X(s))·(k − s)",
        clause: "HJ 663-2013 附录A 百分位数计算方法",
        confidence: Confidence::C,
    },
    statistic_rounding: Cited {
        value: "统计结果按 GB/T 8170 一次修约：μg/m³ 取整，CO 保留1位小数",
        clause: "HJ 663-2013 数据修约；HJ 633-2026 §4.2.2",
        confidence: Confidence::B,
    },
    valid_day_2012: Cited {
        value: "2012 版：六项污染物日评价值均有效的日期为有效天",
        clause: "HJ 663-2013 / HJ 633-2012（未规定缺项时的日 AQI，按本平台解读）",
        confidence: Confidence::C,
    },
};

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Method {
    pub city_mean: Cited<&'static str>,
    pub percentile: Cited<&'static str>,
    pub statistic_rounding: Cited<&'static str>,
    pub valid_day_2012: Cited<&'static str>,
}

/// The percentile each pollutant's daily values are evaluated at (HJ 663-2013 表, annual
/// evaluation items) [B].
pub static PERCENTILES: [(Pollutant, u32, &str); 6] = [
    (
        Pollutant::So2,
        98,
        "HJ 663-2013：SO2 24小时平均第98百分位数",
    ),
    (
        Pollutant::No2,
        98,
        "HJ 663-2013：NO2 24小时平均第98百分位数",
    ),
    (
        Pollutant::Pm10,
        95,
        "HJ 663-2013：PM10 24小时平均第95百分位数",
    ),
    (
        Pollutant::Pm25,
        95,
        "HJ 663-2013：PM2.5 24小时平均第95百分位数",
    ),
    (Pollutant::Co, 95, "HJ 663-2013：CO 24小时平均第95百分位数"),
    (
        Pollutant::O3,
        90,
        "HJ 663-2013：O3 日最大8小时滑动平均第90百分位数",
    ),
];

pub fn percentile_of(p: Pollutant) -> u32 {
    PERCENTILES
        .iter()
        .find(|(q, _, _)| *q == p)
        .map(|(_, v, _)| *v)
        .expect("every pollutant has a percentile")
}

/// The p-th percentile of ascending values by HJ 663 附录A: `k = 1 + (n − 1)·p/100`,
/// `s = ⌊k⌋`, `X(s) + (X(s+1) − X(s))·(k − s)`, and `X(n)` when `s = n`. Exact.
pub fn percentile(sorted: &[Ratio], p: u32) -> Option<Ratio> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    assert!(p <= 100);
    let scaled = (n as u64 - 1) * u64::from(p); // (k − 1) · 100
    let s = 1 + (scaled / 100) as usize;
    let frac = (scaled % 100) as u32;
    if s >= n {
        return Some(sorted[n - 1]);
    }
    Some(Ratio::lerp_percent(sorted[s - 1], sorted[s], frac))
}

/// One station's records, one array of [`StationDay`] per calendar year (index = day of year − 1).
#[derive(Debug, Clone)]
pub struct Station {
    pub name: String,
    pub years: BTreeMap<i32, Box<[StationDay]>>,
}

impl Station {
    pub fn new(name: impl Into<String>) -> Station {
        Station {
            name: name.into(),
            years: BTreeMap::new(),
        }
    }

    pub fn day(&self, date: NaiveDate) -> Option<&StationDay> {
        self.years
            .get(&date.year())
            .map(|d| &d[date.ordinal0() as usize])
    }

    /// The record of a day, allocating the year on first use.
    pub fn day_mut(&mut self, date: NaiveDate) -> &mut StationDay {
        self.day_mut_at(date.year(), date.ordinal0() as u16)
    }

    /// The record of day `ordinal0` (0-based day of the year) of `year`.
    pub fn day_mut_at(&mut self, year: i32, ordinal0: u16) -> &mut StationDay {
        let days = self
            .years
            .entry(year)
            .or_insert_with(|| vec![StationDay::default(); 366].into_boxed_slice());
        &mut days[usize::from(ordinal0)]
    }
}

/// What the evaluation should do.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub year: i32,
    pub choice: EditionChoice,
    pub zone: ZoneClass,
    /// Force a set of limits (e.g. the 2031 limits on today's data); by default the set in force
    /// at the end of the year for the chosen edition.
    pub limits: Option<LimitSet>,
    /// Worker threads for the daily statistics (the caller knows the machine).
    pub threads: usize,
}

/// The city's value of one day.
#[derive(Debug, Clone)]
pub struct CityDay {
    pub date: NaiveDate,
    pub edition: Edition,
    /// The seven [`CITY_STATS`], exact and unrounded.
    pub values: [Option<Ratio>; 7],
    /// Valid stations behind each value.
    pub stations: [u32; 7],
    pub aqi: AqiResult,
    /// Counts towards 优良天数比例.
    pub valid: bool,
}

/// A rounded statistic: `scaled / 10^digits` in the pollutant's unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Fixed {
    pub scaled: u128,
    pub digits: u32,
}

impl Fixed {
    pub fn to_f64(self) -> f64 {
        self.scaled as f64 / 10f64.powi(self.digits as i32)
    }

    /// Whether this value is at most `limit` (an integer in the same unit).
    pub fn at_most(self, limit: u32) -> bool {
        self.scaled <= u128::from(limit) * 10u128.pow(self.digits)
    }
}

impl std::fmt::Display for Fixed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&super::exact::format_fixed(self.scaled, self.digits))
    }
}

/// Round an exact concentration (internal units) as a reported statistic of `pollutant`.
pub fn round_statistic(edition: Edition, pollutant: Pollutant, c: Ratio) -> Fixed {
    let step = hj633::rounding_step(edition, pollutant);
    let digits = digits_of_step(pollutant, step);
    Fixed {
        scaled: round_half_even(c, step),
        digits,
    }
}

fn digits_of_step(pollutant: Pollutant, step: u64) -> u32 {
    let per_unit = pollutant.unit().units();
    let mut digits = 0;
    let mut s = step;
    while s < per_unit {
        s *= 10;
        digits += 1;
    }
    digits
}

/// Annual statistics of one pollutant.
#[derive(Debug, Clone, Serialize)]
pub struct PollutantYear {
    pub pollutant: Pollutant,
    pub valid_days: u32,
    pub days_per_month: [u16; 12],
    /// GB 3095 表4 met (SO2, NO2, PM10, PM2.5); `None` where 表4 sets no annual minimum.
    pub meets_validity: Option<bool>,
    pub annual_mean: Option<Fixed>,
    pub percentile: u32,
    pub percentile_value: Option<Fixed>,
    pub annual_limit: Option<u32>,
    pub percentile_limit: Option<u32>,
    /// `None` when it cannot be judged (no data, or annual validity not met).
    pub compliant: Option<bool>,
    /// Days whose city value exceeds the daily (O3: MDA8) limit.
    pub days_over_limit: u32,
}

/// Change on the previous year, computed from the reported (rounded) figures as published
/// statistics are compared.
#[derive(Debug, Clone, Serialize)]
pub struct YearOnYear {
    pub previous_year: i32,
    pub previous_valid_days: u32,
    pub previous_good_days_ratio: Option<Fixed>,
    /// Percentage points, one decimal.
    pub good_days_ratio_change: Option<SignedFixed>,
    pub previous_pm25_annual_mean: Option<Fixed>,
    /// PM2.5 下降率 = (previous − current) / previous × 100 %, one decimal; positive = improved.
    pub pm25_decline_rate: Option<SignedFixed>,
    /// Per pollutant: previous annual mean (O3, CO: previous percentile value).
    pub previous: Vec<(Pollutant, Option<Fixed>, Option<Fixed>)>,
}

/// A signed fixed-point value (changes can be negative).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SignedFixed {
    pub negative: bool,
    pub magnitude: Fixed,
}

impl SignedFixed {
    pub fn to_f64(self) -> f64 {
        let v = self.magnitude.to_f64();
        if self.negative { -v } else { v }
    }
}

impl std::fmt::Display for SignedFixed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.negative && self.magnitude.scaled != 0 {
            f.write_str("-")?;
        }
        write!(f, "{}", self.magnitude)
    }
}

/// A remark for the reader of an evaluation: a stable code and its message, which renders in
/// either language. Serialized as `code`, `zh` and `en` (the message in both languages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub code: &'static str,
    pub message: AirMsg,
}

impl Note {
    /// The note in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        self.message.text(lang)
    }
}

impl Serialize for Note {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Note", 3)?;
        s.serialize_field("code", self.code)?;
        s.serialize_field("zh", &self.text(Lang::Zh))?;
        s.serialize_field("en", &self.text(Lang::En))?;
        s.end()
    }
}

fn note(code: &'static str, message: AirMsg) -> Note {
    Note { code, message }
}

/// The annual evaluation of one city.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub year: i32,
    pub choice: EditionChoice,
    pub editions: Vec<Edition>,
    pub limits: LimitSet,
    pub zone: ZoneClass,
    pub stations: usize,
    pub days: Vec<CityDay>,
    pub valid_days: u32,
    pub good_days: u32,
    /// Percent, one decimal.
    pub good_days_ratio: Option<Fixed>,
    pub days_by_category: [u32; 6],
    pub pollutants: Vec<PollutantYear>,
    pub year_on_year: Option<YearOnYear>,
    pub notes: Vec<Note>,
}

fn ratio_percent(good: u32, valid: u32) -> Option<Fixed> {
    if valid == 0 {
        return None;
    }
    // good / valid × 100 to one decimal: round (good × 1000 / valid) to an integer.
    Some(Fixed {
        scaled: round_half_even(Ratio::new(u128::from(good) * 1000, u128::from(valid)), 1),
        digits: 1,
    })
}

/// Evaluate a year, and the previous year for the change where the data cover it.
pub fn evaluate(stations: &[Station], opts: &Options) -> Evaluation {
    let mut current = evaluate_year(stations, opts);
    let prev_opts = Options {
        year: opts.year - 1,
        ..*opts
    };
    let has_prev = stations
        .iter()
        .any(|s| s.years.contains_key(&prev_opts.year));
    if has_prev {
        let previous = evaluate_year(stations, &prev_opts);
        if previous.valid_days > 0 {
            current.year_on_year = Some(year_on_year(&current, &previous));
            if previous.valid_days < u32::from(VALIDITY.min_days_per_year.value) {
                current.notes.push(note(
                    "yoy-partial-previous",
                    AirMsg::YoyPartialPrevious {
                        previous_year: previous.year,
                        valid_days: previous.valid_days,
                    },
                ));
            }
            if previous.editions != current.editions {
                current
                    .notes
                    .push(note("yoy-mixed-editions", AirMsg::YoyMixedEditions));
            }
        }
    }
    current
}

fn signed_change(cur: Fixed, prev: Fixed) -> SignedFixed {
    debug_assert_eq!(cur.digits, prev.digits);
    let (negative, mag) = if cur.scaled >= prev.scaled {
        (false, cur.scaled - prev.scaled)
    } else {
        (true, prev.scaled - cur.scaled)
    };
    SignedFixed {
        negative,
        magnitude: Fixed {
            scaled: mag,
            digits: cur.digits,
        },
    }
}

fn year_on_year(cur: &Evaluation, prev: &Evaluation) -> YearOnYear {
    let good_days_ratio_change = match (cur.good_days_ratio, prev.good_days_ratio) {
        (Some(c), Some(p)) => Some(signed_change(c, p)),
        _ => None,
    };
    let pm = |e: &Evaluation| {
        e.pollutants
            .iter()
            .find(|p| p.pollutant == Pollutant::Pm25)
            .and_then(|p| p.annual_mean)
    };
    let pm_valid = |e: &Evaluation| {
        e.pollutants
            .iter()
            .any(|p| p.pollutant == Pollutant::Pm25 && p.meets_validity == Some(true))
    };
    let pm25_decline_rate = match (pm(cur), pm(prev)) {
        (Some(c), Some(p)) if p.scaled > 0 && pm_valid(cur) && pm_valid(prev) => {
            // (p − c) / p × 100, one decimal, exact.
            let (negative, diff) = if p.scaled >= c.scaled {
                (false, p.scaled - c.scaled)
            } else {
                (true, c.scaled - p.scaled)
            };
            let tenths = round_half_even(Ratio::new(diff * 1000, p.scaled), 1);
            Some(SignedFixed {
                negative,
                magnitude: Fixed {
                    scaled: tenths,
                    digits: 1,
                },
            })
        }
        _ => None,
    };
    YearOnYear {
        previous_year: prev.year,
        previous_valid_days: prev.valid_days,
        previous_good_days_ratio: prev.good_days_ratio,
        good_days_ratio_change,
        previous_pm25_annual_mean: pm(prev),
        pm25_decline_rate,
        previous: prev
            .pollutants
            .iter()
            .map(|p| (p.pollutant, p.annual_mean, p.percentile_value))
            .collect(),
    }
}

/// Accumulated city sums of one day: Σ scaled station values and the number of stations.
type DaySums = [(u128, u32); 7];

fn city_sums(stations: &[Station], date: NaiveDate, mda8_limit: u64) -> DaySums {
    let mut acc: DaySums = [(0, 0); 7];
    for s in stations {
        let Some(day) = s.day(date) else { continue };
        if day.is_empty() {
            continue;
        }
        let st = day.stats(mda8_limit);
        for (i, m) in st.means.iter().enumerate() {
            if let Some(m) = m {
                acc[i].0 += m.scaled();
                acc[i].1 += 1;
            }
        }
        if let (Some(m), Some(max)) = (st.mda8, st.o3_max_1h) {
            acc[5].0 += m.scaled();
            acc[5].1 += 1;
            acc[6].0 += u128::from(max) * u128::from(STAT_DENOMINATOR);
            acc[6].1 += 1;
        }
    }
    acc
}

fn year_days(year: i32) -> Vec<NaiveDate> {
    let first = NaiveDate::from_ymd_opt(year, 1, 1).expect("valid year");
    first.iter_days().take_while(|d| d.year() == year).collect()
}

/// The limits used for the annual judgement.
fn limits_for_year(opts: &Options) -> LimitSet {
    if let Some(l) = opts.limits {
        return l;
    }
    let last = NaiveDate::from_ymd_opt(opts.year, 12, 31).expect("valid date");
    LimitSet::for_edition(opts.choice.for_date(last), last)
}

fn limits_for_day(opts: &Options, date: NaiveDate) -> LimitSet {
    opts.limits
        .unwrap_or_else(|| LimitSet::for_edition(opts.choice.for_date(date), date))
}

fn mda8_limit_units(set: LimitSet, zone: ZoneClass) -> u64 {
    gb3095::limit(set, Pollutant::O3, LimitPeriod::Mda8)
        .expect("O3 MDA8 limit exists")
        .units(zone)
}

/// Evaluate one calendar year without the change on the previous year.
pub fn evaluate_year(stations: &[Station], opts: &Options) -> Evaluation {
    let dates = year_days(opts.year);
    let limits = limits_for_year(opts);
    // Daily statistics, split across threads by date ranges.
    let threads = opts.threads.clamp(1, 16);
    let chunk = dates.len().div_ceil(threads);
    let sums: Vec<DaySums> = if threads == 1 {
        dates
            .iter()
            .map(|&d| {
                city_sums(
                    stations,
                    d,
                    mda8_limit_units(limits_for_day(opts, d), opts.zone),
                )
            })
            .collect()
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = dates
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter()
                            .map(|&d| {
                                city_sums(
                                    stations,
                                    d,
                                    mda8_limit_units(limits_for_day(opts, d), opts.zone),
                                )
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("daily statistics thread"))
                .collect()
        })
    };

    let mut days = Vec::with_capacity(dates.len());
    let mut editions: Vec<Edition> = Vec::new();
    let mut valid_days = 0;
    let mut good_days = 0;
    let mut by_cat = [0u32; 6];
    let mut incomplete_excluded = 0u32;
    let mut partial_published = 0u32;
    let mut partial_na = 0u32;
    let mut above_table_days = 0u32;
    for (&date, acc) in dates.iter().zip(&sums) {
        let edition = opts.choice.for_date(date);
        if !editions.contains(&edition) {
            editions.push(edition);
        }
        let mut values = [None; 7];
        let mut counts = [0u32; 7];
        for i in 0..7 {
            let (sum, k) = acc[i];
            counts[i] = k;
            if k > 0 {
                values[i] = Some(Ratio::new(
                    sum,
                    u128::from(k) * u128::from(STAT_DENOMINATOR),
                ));
            }
        }
        let inputs: Vec<(Item, Ratio)> = CITY_STATS
            .iter()
            .zip(values.iter())
            .filter_map(|(item, v)| v.map(|v| (*item, v)))
            .collect();
        let any = !inputs.is_empty();
        let aqi = hj633::aqi(edition, Report::Daily, &inputs);
        let valid = match edition {
            // HJ 633-2026 §5.3 is inside `aqi`: an incomplete day is published only above 100.
            Edition::E2026 => aqi.aqi.is_some(),
            Edition::E2012 => aqi.aqi.is_some() && !aqi.partial,
        };
        if any && aqi.partial {
            match (edition, aqi.aqi) {
                (Edition::E2012, _) => incomplete_excluded += 1,
                (Edition::E2026, Some(_)) => partial_published += 1,
                (Edition::E2026, None) => partial_na += 1,
            }
        }
        if valid {
            let a = aqi.aqi.expect("valid day has an AQI");
            valid_days += 1;
            if a <= hj633::GOOD_DAY_MAX_AQI.value {
                good_days += 1;
            }
            by_cat[usize::from(hj633::category(a).level - 1)] += 1;
            if !aqi.above_table.is_empty() {
                above_table_days += 1;
            }
        }
        days.push(CityDay {
            date,
            edition,
            values,
            stations: counts,
            aqi,
            valid,
        });
    }
    editions.sort();

    let last_edition = opts
        .choice
        .for_date(NaiveDate::from_ymd_opt(opts.year, 12, 31).expect("valid date"));
    let pollutants: Vec<PollutantYear> = Pollutant::ALL
        .iter()
        .map(|&p| pollutant_year(p, &days, last_edition, limits, opts.zone))
        .collect();

    let mut notes = method_notes(&editions, opts);
    if incomplete_excluded > 0 {
        notes.push(note(
            "incomplete-days-2012",
            AirMsg::IncompleteDays2012 {
                days: incomplete_excluded,
            },
        ));
    }
    if partial_published + partial_na > 0 {
        notes.push(note(
            "missing-rule-2026",
            AirMsg::MissingRule2026 {
                published: partial_published,
                na: partial_na,
            },
        ));
    }
    if above_table_days > 0 {
        notes.push(note(
            "above-table",
            AirMsg::AboveTable {
                days: above_table_days,
            },
        ));
    }
    for p in &pollutants {
        if p.meets_validity == Some(false) {
            notes.push(note(
                "annual-validity",
                AirMsg::AnnualValidity {
                    pollutant: p.pollutant.code().to_owned(),
                    valid_days: p.valid_days,
                },
            ));
        }
    }

    Evaluation {
        year: opts.year,
        choice: opts.choice,
        editions,
        limits,
        zone: opts.zone,
        stations: stations
            .iter()
            .filter(|s| s.years.contains_key(&opts.year))
            .count(),
        days,
        valid_days,
        good_days,
        good_days_ratio: ratio_percent(good_days, valid_days),
        days_by_category: by_cat,
        pollutants,
        year_on_year: None,
        notes,
    }
}

fn method_notes(editions: &[Edition], opts: &Options) -> Vec<Note> {
    let mut notes = vec![
        note(
            "method-city-mean",
            AirMsg::MethodCityMean {
                rule: METHOD.city_mean.value.to_owned(),
                clause: METHOD.city_mean.clause.to_owned(),
            },
        ),
        note("method-mda8", AirMsg::MethodMda8),
        note(
            "method-percentile",
            AirMsg::MethodPercentile {
                rule: METHOD.percentile.value.to_owned(),
                clause: METHOD.percentile.clause.to_owned(),
            },
        ),
        note("method-rounding", AirMsg::MethodRounding),
        note("exceptional-events", AirMsg::ExceptionalEvents),
    ];
    if editions.contains(&Edition::E2012) {
        notes.push(note(
            "valid-day-2012",
            AirMsg::ValidDay2012 {
                rule: METHOD.valid_day_2012.value.to_owned(),
            },
        ));
    }
    if editions.contains(&Edition::E2026) {
        notes.push(note("hj663-2026-unknown", AirMsg::Hj663_2026Unknown));
    }
    if editions.len() > 1 {
        notes.push(note("mixed-editions", AirMsg::MixedEditions));
    }
    if let EditionChoice::Forced(Edition::E2026) = opts.choice
        && opts.year < 2026
    {
        notes.push(note("forced-2026", AirMsg::Forced2026));
    }
    if let EditionChoice::Forced(Edition::E2012) = opts.choice
        && opts.year >= 2026
    {
        notes.push(note("forced-2012", AirMsg::Forced2012));
    }
    notes
}

fn pollutant_year(
    p: Pollutant,
    days: &[CityDay],
    edition: Edition,
    limits: LimitSet,
    zone: ZoneClass,
) -> PollutantYear {
    // The annual statistic of O3 is on MDA8 (index 5); the other pollutants on daily means.
    let idx = p.index();
    let mut sum = RatioSum::new();
    let mut values = Vec::new();
    let mut per_month = [0u16; 12];
    let (period, annual_period) = match p {
        Pollutant::O3 => (LimitPeriod::Mda8, None),
        Pollutant::Co => (LimitPeriod::Daily, None),
        _ => (LimitPeriod::Daily, Some(LimitPeriod::Annual)),
    };
    let daily_limit = gb3095::limit(limits, p, period).map(|l| l.value(zone));
    let annual_limit = annual_period
        .and_then(|ap| gb3095::limit(limits, p, ap))
        .map(|l| l.value(zone));
    let mut days_over = 0;
    for d in days {
        if let Some(v) = d.values[idx] {
            sum.add(v);
            values.push(v);
            per_month[d.date.month0() as usize] += 1;
            if let Some(lim) = daily_limit
                && !round_statistic(d.edition, p, v).at_most(lim)
            {
                days_over += 1;
            }
        }
    }
    values.sort();
    let pct = percentile_of(p);
    let step = hj633::rounding_step(edition, p);
    let digits = digits_of_step(p, step);
    let annual_mean = sum
        .mean_round_half_even(step)
        .map(|scaled| Fixed { scaled, digits });
    let percentile_value = percentile(&values, pct).map(|v| round_statistic(edition, p, v));
    let meets_validity = gb3095::has_annual_mean(p).then(|| gb3095::annual_valid(&per_month));
    let compliant = if values.is_empty() || meets_validity == Some(false) {
        None
    } else {
        let mean_ok = match (annual_limit, annual_mean) {
            (Some(l), Some(m)) => m.at_most(l),
            _ => true,
        };
        let pct_ok = match (daily_limit, percentile_value) {
            (Some(l), Some(v)) => v.at_most(l),
            _ => true,
        };
        Some(mean_ok && pct_ok)
    };
    PollutantYear {
        pollutant: p,
        valid_days: values.len() as u32,
        days_per_month: per_month,
        meets_validity,
        annual_mean,
        percentile: pct,
        percentile_value,
        annual_limit,
        percentile_limit: daily_limit,
        compliant,
        days_over_limit: days_over,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::air::exact::UNITS_PER_UG;
    use proptest::prelude::*;

    const UG: u64 = UNITS_PER_UG;

    fn day_with(p: Pollutant, hours: &[(u8, u64)]) -> StationDay {
        let mut d = StationDay::default();
        for &(h, v) in hours {
            d.add(p, h, v * UG).unwrap();
        }
        d
    }

    #[test]
    fn a_daily_mean_needs_20_hours_19_is_not_enough() {
        let hours19: Vec<(u8, u64)> = (0..19).map(|h| (h, 50)).collect();
        let d = day_with(Pollutant::Pm25, &hours19);
        assert_eq!(d.stats(160 * UG).means[Pollutant::Pm25.index()], None);
        let hours20: Vec<(u8, u64)> = (0..20).map(|h| (h, 50)).collect();
        let d = day_with(Pollutant::Pm25, &hours20);
        assert_eq!(
            d.stats(160 * UG).means[Pollutant::Pm25.index()],
            Some(Mean {
                sum: 1000 * UG,
                n: 20
            })
        );
    }

    #[test]
    fn the_same_hour_twice_is_rejected() {
        let mut d = StationDay::default();
        d.add(Pollutant::No2, 5, 10).unwrap();
        assert_eq!(d.add(Pollutant::No2, 5, 11), Err(DuplicateHour));
        let mut other = StationDay::default();
        other.add(Pollutant::No2, 5, 12).unwrap();
        assert_eq!(d.merge(&other), Err(DuplicateHour));
    }

    #[test]
    fn mda8_windows_need_6_hours_and_the_day_14_windows() {
        // All 24 hours: 17 windows; value = max window mean.
        let mut hours: Vec<(u8, u64)> = (0..24).map(|h| (h, 100)).collect();
        hours[12].1 = 180; // one high hour raises the windows that contain hour 12
        let d = day_with(Pollutant::O3, &hours);
        let st = d.stats(160 * UG);
        assert_eq!(
            st.mda8.unwrap().ratio(),
            Ratio::new(u128::from(880 * UG), 8)
        );
        assert_eq!(st.o3_max_1h, Some((180 * UG) as u32));

        // Hours 0..=19 present: windows starting 0..=12 are complete (13), start 13 has hours
        // 13..19 = 7, start 14 has 6 → 15 valid windows; start 15 has 5 → invalid.
        let d = day_with(
            Pollutant::O3,
            &(0..20).map(|h| (h, 100)).collect::<Vec<_>>(),
        );
        assert!(d.stats(160 * UG).mda8.is_some());
        // Hours 0..=18: windows 0..=13 valid (start 13 has 6) = 14 → valid.
        let d = day_with(
            Pollutant::O3,
            &(0..19).map(|h| (h, 100)).collect::<Vec<_>>(),
        );
        assert!(d.stats(160 * UG).mda8.is_some());
        // Hours 0..=17: 13 valid windows → invalid at 100 µg/m³ …
        let d = day_with(
            Pollutant::O3,
            &(0..18).map(|h| (h, 100)).collect::<Vec<_>>(),
        );
        assert!(d.stats(160 * UG).mda8.is_none());
        // … but valid when it exceeds the limit (161 > 160) …
        let d = day_with(
            Pollutant::O3,
            &(0..18).map(|h| (h, 161)).collect::<Vec<_>>(),
        );
        assert!(d.stats(160 * UG).mda8.is_some());
        // … and not when it only reaches it.
        let d = day_with(
            Pollutant::O3,
            &(0..18).map(|h| (h, 160)).collect::<Vec<_>>(),
        );
        assert!(d.stats(160 * UG).mda8.is_none());
        // A window with 5 hours is ignored: hours 0..=4 only → no valid window at all.
        let d = day_with(Pollutant::O3, &(0..5).map(|h| (h, 300)).collect::<Vec<_>>());
        assert!(d.stats(160 * UG).mda8.is_none());
    }

    #[test]
    fn mda8_uses_window_means_over_the_hours_present() {
        // Hours 6 and 7 missing, hours 0–5 at 120 µg/m³, the rest at 10: the window of hours
        // 0–7 has 6 values, all 120, so its mean is 120 (not 6·120/8 = 90) and it is the maximum.
        let mut hours: Vec<(u8, u64)> = (0..24).map(|h| (h, 10)).collect();
        hours.retain(|&(h, _)| h != 6 && h != 7); // window 0 has 6 hours: 0..=5
        for h in hours.iter_mut().take(6) {
            h.1 = 120;
        }
        let d = day_with(Pollutant::O3, &hours);
        let st = d.stats(160 * UG);
        // Window starting 0: hours 0-5 (6 values of 120) → mean 120, the maximum.
        assert_eq!(
            st.mda8.unwrap().ratio(),
            Ratio::from_int(u128::from(120 * UG))
        );
    }

    /// An independent oracle written the way numpy documents its default ("linear") method:
    /// h = (n − 1)·p, result x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]), in floats.
    fn numpy_linear(sorted: &[f64], p: f64) -> f64 {
        let h = (sorted.len() as f64 - 1.0) * p / 100.0;
        let lo = h.floor() as usize;
        let hi = (lo + 1).min(sorted.len() - 1);
        sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
    }

    #[test]
    fn percentile_examples() {
        let xs: Vec<Ratio> = (1..=10).map(Ratio::from_int).collect();
        // n = 10, p = 90: k = 1 + 9·0.9 = 9.1 → X(9) + 0.1·(X(10) − X(9)) = 9.1
        assert_eq!(percentile(&xs, 90), Some(Ratio::new(91, 10)));
        // p = 95: k = 9.55 → 9.55
        assert_eq!(percentile(&xs, 95), Some(Ratio::new(955, 100)));
        // p = 100 and n = 1: X(n)
        assert_eq!(percentile(&xs, 100), Some(Ratio::from_int(10)));
        assert_eq!(percentile(&xs[..1], 98), Some(Ratio::from_int(1)));
        assert_eq!(percentile(&[], 98), None);
        // 365 days, P98: k = 1 + 364·0.98 = 357.72
        let year: Vec<Ratio> = (1..=365).map(|v| Ratio::from_int(v * 2)).collect();
        assert_eq!(percentile(&year, 98), Some(Ratio::new(35772 * 2, 100)));
    }

    proptest! {
        #[test]
        fn percentile_agrees_with_an_independent_numpy_style_computation(
            mut xs in proptest::collection::vec(0u32..100_000, 1..400),
            p in prop_oneof![Just(90u32), Just(95), Just(98)],
        ) {
            xs.sort_unstable();
            let exact: Vec<Ratio> = xs.iter().map(|&v| Ratio::from_int(u128::from(v))).collect();
            let got = percentile(&exact, p).unwrap().to_f64();
            let floats: Vec<f64> = xs.iter().map(|&v| f64::from(v)).collect();
            let want = numpy_linear(&floats, f64::from(p));
            prop_assert!((got - want).abs() < 1e-6, "got {got} want {want}");
        }

        #[test]
        fn station_day_is_independent_of_the_order_of_hours(
            values in proptest::collection::vec(proptest::option::of(0u64..500_0000), 24),
            seed in any::<u64>(),
        ) {
            let mut order: Vec<u8> = (0..24).collect();
            let mut s = seed;
            for i in (1..24).rev() {
                order.swap(i, (s % (i as u64 + 1)) as usize);
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1);
            }
            let mut a = StationDay::default();
            let mut b = StationDay::default();
            for h in 0..24u8 {
                if let Some(v) = values[h as usize] {
                    a.add(Pollutant::O3, h, v).unwrap();
                    a.add(Pollutant::Pm25, h, v).unwrap();
                }
            }
            for &h in &order {
                if let Some(v) = values[h as usize] {
                    b.add(Pollutant::Pm25, h, v).unwrap();
                    b.add(Pollutant::O3, h, v).unwrap();
                }
            }
            prop_assert_eq!(a.stats(160 * UG), b.stats(160 * UG));
        }
    }

    fn full_station(
        name: &str,
        year: i32,
        f: impl Fn(NaiveDate, Pollutant, u8) -> Option<u64>,
    ) -> Station {
        let mut s = Station::new(name);
        for date in year_days(year) {
            for p in Pollutant::ALL {
                for h in 0..24u8 {
                    if let Some(v) = f(date, p, h) {
                        s.day_mut(date).add(p, h, v).unwrap();
                    }
                }
            }
        }
        s
    }

    fn opts(year: i32, edition: Edition) -> Options {
        Options {
            year,
            choice: EditionChoice::Forced(edition),
            zone: ZoneClass::II,
            limits: None,
            threads: 2,
        }
    }

    #[test]
    fn a_clean_year_of_one_station_evaluates_exactly() {
        // Constant concentrations: PM2.5 70, PM10 100, SO2 10, NO2 30, CO 1.0 mg, O3 100.
        let s = full_station("A", 2015, |_, p, _| {
            Some(match p {
                Pollutant::Pm25 => 70 * UG,
                Pollutant::Pm10 => 100 * UG,
                Pollutant::So2 => 10 * UG,
                Pollutant::No2 => 30 * UG,
                Pollutant::Co => 1000 * UG,
                Pollutant::O3 => 100 * UG,
            })
        });
        let e = evaluate(std::slice::from_ref(&s), &opts(2015, Edition::E2012));
        assert_eq!(e.valid_days, 365);
        // PM2.5 70 → 2012 IAQI 94 (良) → all good.
        assert_eq!(e.good_days, 365);
        assert_eq!(e.good_days_ratio.unwrap().to_string(), "100.0");
        assert_eq!(e.days_by_category, [0, 365, 0, 0, 0, 0]);
        let pm = &e.pollutants[Pollutant::Pm25.index()];
        assert_eq!(pm.annual_mean.unwrap().to_string(), "70");
        assert_eq!(pm.compliant, Some(false), "70 > 35");
        let co = &e.pollutants[Pollutant::Co.index()];
        assert_eq!(co.percentile_value.unwrap().to_string(), "1.0");
        assert_eq!(co.compliant, Some(true));
        // Under 2026, PM2.5 70 → IAQI 110: every day is 轻度污染.
        let e = evaluate(&[s], &opts(2015, Edition::E2026));
        assert_eq!(e.good_days, 0);
        assert_eq!(e.days_by_category, [0, 0, 365, 0, 0, 0]);
        assert!(e.notes.iter().any(|n| n.code == "hj663-2026-unknown"));
        assert!(e.notes.iter().any(|n| n.code == "forced-2026"));
    }

    #[test]
    fn city_values_are_means_of_station_values_and_station_order_does_not_matter() {
        let a = full_station("A", 2016, |_, _, _| Some(10 * UG));
        // Station B: 19 hours only on odd days (invalid), 24 hours of 21 µg/m³ otherwise.
        let b = full_station("B", 2016, |d, _, h| {
            if d.ordinal() % 2 == 1 && h >= 19 {
                None
            } else {
                Some(21 * UG)
            }
        });
        let e1 = evaluate(&[a.clone(), b.clone()], &opts(2016, Edition::E2012));
        let e2 = evaluate(&[b, a], &opts(2016, Edition::E2012));
        let d1 = &e1.days[0]; // 1 January: odd ordinal → B invalid → city = A = 10
        assert_eq!(
            d1.values[Pollutant::Pm25.index()],
            Some(Ratio::from_int(u128::from(10 * UG)))
        );
        assert_eq!(d1.stations[Pollutant::Pm25.index()], 1);
        let d2 = &e1.days[1]; // 2 January: both → 15.5
        assert_eq!(
            d2.values[Pollutant::Pm25.index()],
            Some(Ratio::new(u128::from(31 * UG), 2))
        );
        // 15.5 rounds to 16 (half to even) before the IAQI.
        assert_eq!(d2.aqi.items[3].concentration, 16 * UG);
        for (x, y) in e1.days.iter().zip(&e2.days) {
            assert_eq!(x.values, y.values);
            assert_eq!(x.aqi.aqi, y.aqi.aqi);
        }
        assert_eq!(
            e1.pollutants[3].annual_mean, e2.pollutants[3].annual_mean,
            "annual mean independent of station order"
        );
        // Annual mean: (183·10 + 183·15.5)/366 = 12.75 → 13.
        assert_eq!(e1.pollutants[3].annual_mean.unwrap().to_string(), "13");
    }

    #[test]
    fn annual_validity_february_and_a_26_day_month() {
        // Drop PM2.5 on days 1..=4 of April (26 valid days in April): PM2.5 invalid for the year.
        let s = full_station("A", 2015, |d, p, _| {
            if p == Pollutant::Pm25 && d.month() == 4 && d.day() <= 4 {
                None
            } else {
                Some(30 * UG)
            }
        });
        let e = evaluate(&[s], &opts(2015, Edition::E2012));
        let pm = &e.pollutants[Pollutant::Pm25.index()];
        assert_eq!(pm.days_per_month[3], 26);
        assert_eq!(pm.meets_validity, Some(false));
        assert_eq!(pm.compliant, None);
        assert!(e.notes.iter().any(|n| n.code == "annual-validity"));
        // February with 25 days (drop 3) is still valid.
        let s = full_station("A", 2015, |d, p, _| {
            if p == Pollutant::Pm25 && d.month() == 2 && d.day() <= 3 {
                None
            } else {
                Some(30 * UG)
            }
        });
        let e = evaluate(&[s], &opts(2015, Edition::E2012));
        let pm = &e.pollutants[Pollutant::Pm25.index()];
        assert_eq!(pm.days_per_month[1], 25);
        assert_eq!(pm.meets_validity, Some(true));
        assert_eq!(pm.compliant, Some(true));
        // The days without PM2.5 are not valid AQI days under 2012.
        assert_eq!(e.valid_days, 362);
    }

    #[test]
    fn year_on_year_change_uses_reported_figures() {
        let mut s = full_station("A", 2015, |_, p, _| {
            Some(if p == Pollutant::Pm25 {
                80 * UG
            } else {
                10 * UG
            })
        });
        let s16 = full_station("A", 2016, |_, p, _| {
            Some(if p == Pollutant::Pm25 {
                72 * UG
            } else {
                10 * UG
            })
        });
        s.years.extend(s16.years);
        let e = evaluate(&[s], &opts(2016, Edition::E2012));
        let yoy = e.year_on_year.expect("previous year present");
        assert_eq!(yoy.previous_year, 2015);
        // (80 − 72)/80 = 10.0 %
        assert_eq!(yoy.pm25_decline_rate.unwrap().to_string(), "10.0");
        // 80 → IAQI 107 (轻度污染) in 2015; 72 → 97 (良) in 2016: +100.0 points.
        assert_eq!(yoy.good_days_ratio_change.unwrap().to_string(), "100.0");
    }

    #[test]
    fn the_2026_missing_rule_decides_valid_days() {
        // No CO at all. Days with PM2.5 200 (AQI > 100) count; days with PM2.5 20 are NA.
        let s = full_station("A", 2027, |d, p, _| match p {
            Pollutant::Co => None,
            Pollutant::Pm25 => Some(if d.day() <= 10 { 200 * UG } else { 20 * UG }),
            _ => Some(10 * UG),
        });
        let e = evaluate(&[s], &opts(2027, Edition::E2026));
        assert_eq!(e.valid_days, 120);
        assert_eq!(e.good_days, 0);
        assert!(e.notes.iter().any(|n| n.code == "missing-rule-2026"));
        assert_eq!(e.limits, LimitSet::Gb2026Transition);
    }

    #[test]
    fn notes_keep_their_code_and_serialize_in_both_languages() {
        let n = note("above-table", AirMsg::AboveTable { days: 3 });
        assert!(n.text(Lang::Zh).starts_with("3 天有污染物浓度超出"));
        assert!(n.text(Lang::En).starts_with("On 3 days a concentration"));
        let v = serde_json::to_value(&n).unwrap();
        assert_eq!(v["code"], "above-table");
        assert_eq!(v["zh"], n.text(Lang::Zh));
        assert_eq!(v["en"], n.text(Lang::En));
        assert_eq!(v.as_object().unwrap().len(), 3);
    }
}
