//! Scale fixtures (规模测试数据, issue 13): deterministic, seeded values files large enough to load
//! a server the way a decade of monthly reporting, or a province, would.
//!
//! * The city decade: every region of the plan × every indicator × 10 years, each year as an
//!   annual value and 12 monthly values (`2024`, `2024-01` … `2024-12`), plus a second file that
//!   corrects 5 % of those values. Corrections go through the real import path: the first file is
//!   imported as drafts, the second updates the drafts it names (an import may update a draft; it
//!   refuses to touch a value in review or an approved one).
//! * The province: the built-in plan with synthetic counties added ([`province_plan`]) up to
//!   about 180 regions, and for it 10 years of annual values for every indicator plus monthly
//!   values for the air and water indicators ([`is_air_or_water`]) and quarterly values for the
//!   others: about 1,000,000 rows.
//!
//! Values stay inside each indicator's `min`/`max`, near the level its targets or the national
//! catalogue ask for. Randomness is a hash of (seed, indicator, region, period), so the files are
//! the same on every machine for the same seed and sizes. Every row carries the source
//! [`SOURCE`] so it can never be mistaken for real data.

use std::ops::RangeInclusive;

use crate::catalogue::Catalogue;
use crate::indicator::{Indicator, ValueKind};
use crate::period::Period;
use crate::plan::Plan;

/// The label every fixture value carries as its source.
pub const SOURCE: &str = "规模测试数据（非真实数据）";

/// The decade the fixtures cover by default (inside the built-in plan's accepted range, which
/// reaches ten years before the base year).
pub const DEFAULT_YEARS: RangeInclusive<i32> = 2016..=2025;

/// The share of values the corrections file changes, in percent.
pub const CORRECTED_PERCENT: u64 = 5;

/// Which indicators get values below the year besides the annual one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Monthly {
    /// Every indicator monthly (the city decade).
    All,
    /// The air and water indicators monthly, no others.
    AirAndWater,
    /// The air and water indicators monthly, every other one quarterly (the province: counties
    /// report most indicators by quarter).
    AirAndWaterThenQuarterly,
}

impl Monthly {
    /// The periods of `year` below the year that `ind` gets.
    pub fn sub_periods(self, ind: &Indicator, year: i32) -> Vec<Period> {
        let months = || (1..=12).map(|m| Period::Month(year, m)).collect();
        match self {
            Monthly::All => months(),
            Monthly::AirAndWater if is_air_or_water(ind) => months(),
            Monthly::AirAndWater => Vec::new(),
            Monthly::AirAndWaterThenQuarterly if is_air_or_water(ind) => months(),
            Monthly::AirAndWaterThenQuarterly => {
                (1..=4).map(|q| Period::Quarter(year, q)).collect()
            }
        }
    }
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct Spec {
    pub seed: u64,
    /// The first `regions` regions of the plan, in plan order (the city first); `None` = all.
    pub regions: Option<usize>,
    pub years: RangeInclusive<i32>,
    pub monthly: Monthly,
    /// Whether to write the corrections file (5 % of the values, changed).
    pub corrections: bool,
}

/// A generated fixture: values CSV files in the format `ecociv import values` reads.
#[derive(Debug, Clone, Default)]
pub struct Fixture {
    pub values: String,
    pub rows: usize,
    /// Empty (header only) when the spec asks for no corrections.
    pub corrections: String,
    pub corrected: usize,
}

/// The air and water indicators of the province fixture: the ones the monitoring engines compute
/// or that are measured at stations and outfalls (air quality, surface/ground/drinking water,
/// black-odorous water bodies, sewage).
pub fn is_air_or_water(ind: &Indicator) -> bool {
    ["air", "pm25", "water", "black_odorous", "sewage"]
        .iter()
        .any(|k| ind.code.contains(k))
}

/// Generates the values (and corrections) for `spec` against `plan`.
pub fn generate(plan: &Plan, catalogue: &Catalogue, spec: &Spec) -> Fixture {
    let header = "indicator,region,period,value,source\n";
    let mut f = Fixture {
        values: String::from(header),
        corrections: String::from(header),
        ..Fixture::default()
    };
    let regions = spec
        .regions
        .map_or(plan.regions.len(), |n| n.min(plan.regions.len()));
    let levels: Vec<f64> = plan
        .indicators
        .iter()
        .map(|ind| level(plan, catalogue, ind))
        .collect();
    for region in &plan.regions[..regions] {
        for (i, ind) in plan.indicators.iter().enumerate() {
            for year in spec.years.clone() {
                let mut periods = vec![Period::Year(year)];
                periods.extend(spec.monthly.sub_periods(ind, year));
                for period in periods {
                    let key = Key {
                        seed: spec.seed,
                        indicator: &ind.code,
                        region: &region.code,
                        period,
                    };
                    let value = value(ind, levels[i], key.noise(0));
                    push(&mut f.values, ind, &region.code, period, value);
                    f.rows += 1;
                    if spec.corrections
                        && key.unit(1) < CORRECTED_PERCENT as f64 / 100.0
                        && let Some(v) = corrected(ind, value, key.noise(2))
                    {
                        push(&mut f.corrections, ind, &region.code, period, v);
                        f.corrected += 1;
                    }
                }
            }
        }
    }
    f
}

/// The built-in plan's text with synthetic counties (示例县001 …, codes `49xxxx`) added until it
/// has `regions` regions. The counties are plain counties of the city with farmland and rural
/// areas, so the catalogue's county requirements apply to them as to the real ones.
pub fn province_plan(base: &str, existing: usize, regions: usize) -> String {
    let mut s = String::with_capacity(base.len() + regions * 160);
    s.push_str(base);
    s.push_str(
        "\n# Synthetic counties added by `ecociv fixture province` (规模测试数据，非真实行政区).\n",
    );
    for n in 1..=regions.saturating_sub(existing) {
        s.push_str(&format!(
            "\n[[region]]\ncode = \"49{n:04}\"\nname = \"示例县{n:03}\"\nlevel = \"county\"\nparent = \"411700\"\nterrain = \"{}\"\nfeatures = [\"farmland\", \"rural\"]\n",
            if n % 4 == 0 { "hill" } else { "plain" }
        ));
    }
    s
}

struct Key<'a> {
    seed: u64,
    indicator: &'a str,
    region: &'a str,
    period: Period,
}

impl Key<'_> {
    /// A deterministic number in [0, 1) for this key and a salt (FNV-1a, then splitmix64).
    fn unit(&self, salt: u8) -> f64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let period = self.period.to_string();
        let bytes = self
            .seed
            .to_le_bytes()
            .into_iter()
            .chain(self.indicator.bytes())
            .chain([0])
            .chain(self.region.bytes())
            .chain([0])
            .chain(period.bytes())
            .chain([salt]);
        for b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        let mut z = h.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A deterministic number in [-1, 1).
    fn noise(&self, salt: u8) -> f64 {
        self.unit(salt) * 2.0 - 1.0
    }
}

/// The level values scatter around: the first simple level of the indicator's targets in the
/// plan, else of the catalogue's requirement, else the middle of its range, inside its range.
fn level(plan: &Plan, catalogue: &Catalogue, ind: &Indicator) -> f64 {
    let from_rules = plan
        .targets()
        .filter(|(_, t)| t.indicator == ind.code)
        .find_map(|(_, t)| crate::demo::simple_level(&t.threshold))
        .or_else(|| {
            catalogue
                .versions
                .iter()
                .flat_map(|v| &v.rows)
                .filter(|r| r.indicator == ind.code)
                .find_map(|r| crate::demo::simple_level(&r.threshold))
        });
    let level = match (from_rules, ind.min, ind.max) {
        (Some(l), _, _) => l,
        (None, Some(lo), Some(hi)) => (lo + hi) / 2.0,
        (None, _, _) => 50.0,
    };
    clamp(ind, level)
}

fn clamp(ind: &Indicator, v: f64) -> f64 {
    let v = ind.max.map_or(v, |m| v.min(m));
    ind.min.map_or(v, |m| v.max(m))
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// A value near `level` (±10 %), rounded to two decimals, inside the range; yes/no: 1 for about
/// 80 % of the keys.
fn value(ind: &Indicator, level: f64, noise: f64) -> f64 {
    if ind.kind == ValueKind::YesNo {
        return if noise < 0.6 { 1.0 } else { 0.0 };
    }
    let spread = if level == 0.0 { 1.0 } else { level.abs() * 0.1 };
    clamp(ind, round2(level + noise * spread))
}

/// A corrected value: different from `value` and inside the range, or `None` when the range
/// leaves no other value.
fn corrected(ind: &Indicator, value: f64, noise: f64) -> Option<f64> {
    if ind.kind == ValueKind::YesNo {
        return Some(1.0 - value);
    }
    let step = (value.abs() * 0.02).max(0.01) * if noise < 0.0 { -1.0 } else { 1.0 };
    [value + step, value - step]
        .into_iter()
        .map(|v| clamp(ind, round2(v)))
        .find(|&v| v != value)
}

fn push(s: &mut String, ind: &Indicator, region: &str, period: Period, value: f64) {
    use std::fmt::Write as _;
    let value = match ind.kind {
        ValueKind::YesNo if value >= 0.5 => "是".to_owned(),
        ValueKind::YesNo => "否".to_owned(),
        ValueKind::Number => format!("{value}"),
    };
    let _ = writeln!(s, "{},{region},{period},{value},{SOURCE}", ind.code);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtin;
    use crate::observation::parse_values_csv;

    fn spec(seed: u64) -> Spec {
        Spec {
            seed,
            regions: Some(3),
            years: 2024..=2025,
            monthly: Monthly::All,
            corrections: true,
        }
    }

    #[test]
    fn the_city_decade_parses_is_deterministic_and_corrects_some_values() {
        let catalogue = builtin::catalogue().unwrap();
        let plan = builtin::plan(&catalogue).unwrap();
        let f = generate(&plan, &catalogue, &spec(7));
        assert_eq!(f.rows, 3 * plan.indicators.len() * 2 * 13);
        let parsed = parse_values_csv("v.csv", &f.values, &plan);
        assert!(parsed.errors.is_empty(), "{:?}", &parsed.errors[..1]);
        assert_eq!(parsed.rows.len(), f.rows);
        let fixes = parse_values_csv("c.csv", &f.corrections, &plan);
        assert!(fixes.errors.is_empty(), "{:?}", &fixes.errors[..1]);
        assert_eq!(fixes.rows.len(), f.corrected);
        // About 5 %, and each one changes its value.
        assert!(f.corrected * 100 > f.rows * 3 && f.corrected * 100 < f.rows * 7);
        for c in &fixes.rows {
            let o = parsed
                .rows
                .iter()
                .find(|o| (o.indicator, o.region, o.period) == (c.indicator, c.region, c.period))
                .unwrap();
            assert_ne!(o.value, c.value);
        }
        assert_eq!(generate(&plan, &catalogue, &spec(7)).values, f.values);
        assert_ne!(generate(&plan, &catalogue, &spec(8)).values, f.values);
    }

    #[test]
    fn the_province_plan_loads_with_its_synthetic_counties() {
        let catalogue = builtin::catalogue().unwrap();
        let base = builtin::plan(&catalogue).unwrap();
        let text = province_plan(builtin::PLAN.1, base.regions.len(), 180);
        let plan = Plan::load("province.toml", &text, &catalogue).unwrap();
        assert_eq!(plan.regions.len(), 180);
        let f = generate(
            &plan,
            &catalogue,
            &Spec {
                seed: 1,
                regions: None,
                years: 2025..=2025,
                monthly: Monthly::AirAndWaterThenQuarterly,
                corrections: false,
            },
        );
        let monthly = plan
            .indicators
            .iter()
            .filter(|i| is_air_or_water(i))
            .count();
        let quarterly = plan.indicators.len() - monthly;
        assert!(monthly >= 5, "{monthly}");
        assert_eq!(
            f.rows,
            180 * (plan.indicators.len() + monthly * 12 + quarterly * 4)
        );
        assert!(f.values.contains(",2025Q3,"));
        assert!(f.values.contains(",2025-07,"));
        let parsed = parse_values_csv("p.csv", &f.values, &plan);
        assert!(parsed.errors.is_empty(), "{:?}", &parsed.errors[..1]);
    }
}
