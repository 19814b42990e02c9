//! Evaluation at national scale: the built-in plan extended to N county-level regions (China has
//! 2,844), every indicator of the dictionary with ten years of values in every region, evaluated
//! for the last year. Run with `cargo bench -p ecociv-core --bench evaluate`.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use ecociv_core::evaluate::Options;
use ecociv_core::{
    AssignedSet, AssignedTarget, Catalogue, Observation, Period, Plan, ValueSet, ValueState,
    builtin, evaluate,
};

struct Fixture {
    catalogue: Catalogue,
    plan: Plan,
    values: ValueSet,
    assigned: AssignedSet,
    count: usize,
}

const YEARS: std::ops::RangeInclusive<i32> = 2016..=2025;

fn build(regions: usize) -> Fixture {
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

fn fixture(regions: usize) -> &'static Fixture {
    static CACHE: OnceLock<Mutex<HashMap<usize, &'static Fixture>>> = OnceLock::new();
    let mut map = CACHE.get_or_init(Default::default).lock().unwrap();
    map.entry(regions).or_insert_with(|| {
        let f: &'static Fixture = Box::leak(Box::new(build(regions)));
        eprintln!(
            "{regions} regions × {} indicators × {} years = {} values",
            f.plan.indicators.len(),
            YEARS.count(),
            f.count
        );
        f
    })
}

#[divan::bench(args = [711, 1422, 2844], sample_count = 10, sample_size = 1)]
fn evaluate_year(bencher: divan::Bencher, regions: usize) {
    let f = fixture(regions);
    let opts = Options {
        year: 2025,
        ..Options::default()
    };
    bencher.bench(|| {
        let e = evaluate(&f.plan, &f.catalogue, &f.values, &f.assigned, &opts).unwrap();
        divan::black_box(e.results.len())
    });
}

#[divan::bench(args = [2844], sample_count = 5, sample_size = 1)]
fn index_values(bencher: divan::Bencher, regions: usize) {
    let f = fixture(regions);
    let obs: Vec<Observation> = (0..f.plan.indicators.len())
        .flat_map(|i| (0..f.plan.regions.len()).map(move |r| (i, r)))
        .flat_map(|(i, r)| f.values.series(i, r).iter().map(move |p| (i, r, p)))
        .map(|(i, r, p)| Observation {
            indicator: i,
            region: r,
            period: Period::Year(p.year),
            value: p.value,
            source: None,
            state: p.state,
        })
        .collect();
    bencher.bench(|| ValueSet::new(obs.iter().cloned()).len());
}

fn main() {
    divan::main();
}
