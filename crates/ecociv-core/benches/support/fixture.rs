//! The national-scale synthetic data set shared by the evaluation benchmark and the `scale`
//! example: the built-in plan extended to N county-level regions, every indicator of the
//! dictionary with ten years of values in every region.

use ecociv_core::{
    AssignedSet, AssignedTarget, Catalogue, Observation, Period, Plan, ValueSet, ValueState,
    builtin,
};

#[derive(Debug)]
pub struct Fixture {
    pub catalogue: Catalogue,
    pub plan: Plan,
    pub values: ValueSet,
    pub assigned: AssignedSet,
    pub count: usize,
}

pub const YEARS: std::ops::RangeInclusive<i32> = 2016..=2025;

pub fn build(regions: usize) -> Fixture {
    let catalogue = builtin::catalogue().unwrap();
    let mut text = builtin::PLAN.1.to_owned();
    let existing = builtin::plan(&catalogue).unwrap().regions.len();
    for i in 0..regions.saturating_sub(existing) {
        let terrain = ["plain", "hill", "mountain"][i % 3];
        text.push_str(&format!(
            "\n[[region]]\ncode = \"9{i:05}\"\nname = \"合成县{i}\"\nlevel = \"county\"\nparent = \"411700\"\nterrain = \"{terrain}\"\nfeatures = [\"forest\", \"farmland\", \"rural\"]\n"
        ));
    }
    let plan = Plan::load("bench.toml", &text, &catalogue).unwrap();
    assert_eq!(plan.regions.len(), regions.max(existing));
    let mut obs = Vec::new();
    let mut assigned = Vec::new();
    for (i, ind) in plan.indicators.iter().enumerate() {
        for r in 0..plan.regions.len() {
            for y in YEARS {
                let t = f64::from(y - 2016);
                let v = match (ind.kind, ind.unit.is_percent()) {
                    (ecociv_core::ValueKind::YesNo, _) => f64::from(y >= 2020),
                    (_, true) => (60.0 + t * 3.0 + (r % 7) as f64).min(100.0),
                    _ => 50.0 + t * 0.5 + (i % 5) as f64,
                };
                obs.push(Observation {
                    indicator: i,
                    region: r,
                    period: Period::Year(y),
                    value: v,
                    source: None,
                    state: ValueState::Approved,
                });
            }
            if matches!(
                ind.code.as_str(),
                "air_good_days_ratio" | "pm25_annual_mean" | "surface_water_good_ratio"
            ) {
                let op = if ind.direction == ecociv_core::Direction::HigherIsBetter {
                    ">= 80"
                } else {
                    "<= 60"
                };
                assigned.push(AssignedTarget {
                    indicator: i,
                    region: r,
                    year: 2025,
                    threshold: op.parse().unwrap(),
                    document: "bench".into(),
                });
            }
        }
    }
    let count = obs.len();
    Fixture {
        catalogue,
        plan,
        values: ValueSet::new(obs),
        assigned: AssignedSet::new(assigned),
        count,
    }
}
