//! Classification throughput on a national-scale file: 3,600 sections × 12 months × 24
//! parameters (1,036,800 values). Run with `cargo bench -p ecociv-standards --bench
//! water_classification`; kept out of CI.

use ecociv_standards::water::decimal::Dec;
use ecociv_standards::water::evaluation;
use ecociv_standards::water::gb3838::{Param, WaterBodyType, classify};
use ecociv_standards::water::reader::read_samples;

#[path = "water_gen/mod.rs"]
mod water_gen;

fn main() {
    divan::main();
}

const YEAR: i32 = 2024;

fn file() -> &'static str {
    use std::sync::OnceLock;
    static FILE: OnceLock<String> = OnceLock::new();
    FILE.get_or_init(|| water_gen::national_csv(YEAR))
}

/// Parse and check the whole file (CSV, units, exact decimals, dates).
#[divan::bench(sample_count = 10)]
fn read_national(b: divan::Bencher) {
    let text = file();
    b.counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| read_samples(divan::black_box(text.as_bytes()), "national.csv", YEAR).unwrap());
}

/// Evaluate an already-read year: every section for 12 months, 4 quarters and the year, main
/// pollutants, regional shares, basin grades.
#[divan::bench(sample_count = 10)]
fn evaluate_national(b: divan::Bencher) {
    let set = read_samples(file().as_bytes(), "national.csv", YEAR).unwrap();
    b.counter(divan::counter::ItemsCount::new(
        water_gen::SECTIONS * water_gen::MONTHS * 24,
    ))
    .bench(|| evaluation::evaluate(divan::black_box(&set), None).unwrap());
}

/// Read and evaluate, the work of `ecociv water evaluate` minus printing.
#[divan::bench(sample_count = 10)]
fn read_and_evaluate_national(b: divan::Bencher) {
    let text = file();
    b.counter(divan::counter::ItemsCount::new(
        water_gen::SECTIONS * water_gen::MONTHS * 24,
    ))
    .bench(|| {
        let set = read_samples(divan::black_box(text.as_bytes()), "national.csv", YEAR).unwrap();
        evaluation::evaluate(&set, None).unwrap()
    });
}

/// The bare kernel: the class of one value, for every value of the file.
#[divan::bench(sample_count = 10)]
fn classify_values(b: divan::Bencher) {
    let set = read_samples(file().as_bytes(), "national.csv", YEAR).unwrap();
    let values: Vec<(Param, WaterBodyType, Dec)> = set
        .samples
        .iter()
        .flat_map(|s| {
            let t = set.sections[s.section].body_type;
            ecociv_standards::water::gb3838::PARAMS
                .iter()
                .zip(s.values)
                .filter_map(move |(i, v)| v.map(|v| (i.param, t, v)))
        })
        .collect();
    b.counter(divan::counter::ItemsCount::new(values.len()))
        .bench(|| {
            values
                .iter()
                .filter_map(|(p, t, v)| classify(*p, *t, *v))
                .filter(|c| c.is_good())
                .count()
        });
}
