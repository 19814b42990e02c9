//! Evaluation at national scale: the built-in plan extended to N county-level regions (China has
//! 2,844), every indicator of the dictionary with ten years of values in every region, evaluated
//! for the last year. Run with `cargo bench -p ecociv-core --bench evaluate`.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use ecociv_core::evaluate::Options;
use ecociv_core::{Observation, Period, ValueSet, evaluate};

#[path = "support/fixture.rs"]
mod fixture;
use fixture::{Fixture, YEARS, build};

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
