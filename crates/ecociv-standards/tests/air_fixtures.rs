//! Reading real station data (committed excerpts of the Beijing files) in both layouts, in any
//! row order, with any number of threads and chunk sizes: the results must not change.

use std::path::PathBuf;

use ecociv_standards::air::exact::Ratio;
use ecociv_standards::air::gb3095::ZoneClass;
use ecociv_standards::air::hj663::{self, Evaluation, Options, Station};
use ecociv_standards::air::reader::{self, LayoutKind, ReadOptions, Source};
use ecociv_standards::air::{Edition, EditionChoice};
use proptest::prelude::*;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/air")
        .join(name)
}

fn read_bytes(files: &[(String, Vec<u8>)], threads: usize, chunk: usize) -> Vec<Station> {
    let sources = files
        .iter()
        .map(|(n, b)| Source {
            name: n.clone(),
            reader: Box::new(std::io::Cursor::new(b.clone())),
        })
        .collect();
    let opts = ReadOptions {
        years: 2015..=2015,
        threads,
        chunk_bytes: chunk,
    };
    reader::read(sources, &opts, &|_| {})
        .expect("fixture reads")
        .stations
}

fn load(names: &[&str]) -> Vec<(String, Vec<u8>)> {
    names
        .iter()
        .map(|n| {
            (
                n.to_string(),
                std::fs::read(fixture(n)).expect("fixture exists"),
            )
        })
        .collect()
}

fn evaluate(stations: &[Station], edition: Edition) -> Evaluation {
    hj663::evaluate(
        stations,
        &Options {
            year: 2015,
            choice: EditionChoice::Forced(edition),
            zone: ZoneClass::II,
            limits: None,
            threads: 2,
        },
    )
}

/// The comparable content of an evaluation.
fn digest(e: &Evaluation) -> Vec<String> {
    let mut out = vec![format!(
        "{} {} {:?} {:?}",
        e.valid_days, e.good_days, e.good_days_ratio, e.days_by_category
    )];
    for d in &e.days {
        let vals: Vec<Option<Ratio>> = d.values.to_vec();
        out.push(format!(
            "{} {:?} {:?} {:?} {}",
            d.date, vals, d.aqi.aqi, d.aqi.primary_pollutants, d.valid
        ));
    }
    for p in &e.pollutants {
        out.push(format!(
            "{:?} {:?} {:?} {}",
            p.pollutant, p.annual_mean, p.percentile_value, p.valid_days
        ));
    }
    out
}

const BEIJING: [&str; 2] = [
    "beijing_aotizhongxin_2015-01-01_07.csv",
    "beijing_dongsi_2015-01-01_07.csv",
];

#[test]
fn both_layouts_of_the_same_data_give_the_same_evaluation() {
    let b = read_bytes(&load(&BEIJING), 2, 1 << 20);
    let l = read_bytes(&load(&["long_2015-01-01_07.csv"]), 2, 1 << 20);
    assert_eq!(b.len(), 2);
    for edition in [Edition::E2012, Edition::E2026] {
        assert_eq!(
            digest(&evaluate(&b, edition)),
            digest(&evaluate(&l, edition))
        );
    }
    let e = evaluate(&b, Edition::E2012);
    // Seven days of data in the year: valid days are at most 7, and the annual statistics
    // cannot meet GB 3095 表4.
    assert!(e.valid_days <= 7 && e.valid_days >= 6, "{}", e.valid_days);
    assert!(e.pollutants.iter().all(|p| p.meets_validity != Some(true)));
}

#[test]
fn the_layout_is_detected_from_the_header() {
    let sources = vec![Source {
        name: "b".into(),
        reader: Box::new(std::fs::File::open(fixture(BEIJING[0])).unwrap()),
    }];
    let ds = reader::read(sources, &ReadOptions::default(), &|_| {}).unwrap();
    assert_eq!(ds.files[0].layout, LayoutKind::Beijing);
    assert_eq!(ds.rows, 168);
}

/// A deterministic shuffle (xorshift), so a failure can be reproduced.
fn shuffle<T>(v: &mut [T], mut seed: u64) {
    for i in (1..v.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        v.swap(i, (seed % (i as u64 + 1)) as usize);
    }
}

fn shuffled_long(seed: u64) -> Vec<u8> {
    let text = std::fs::read_to_string(fixture("long_2015-01-01_07.csv")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let header = lines.remove(0);
    shuffle(&mut lines, seed);
    let mut out = String::from(header);
    out.push('\n');
    for l in lines {
        out.push_str(l);
        out.push('\n');
    }
    out.into_bytes()
}

#[test]
fn the_order_of_input_rows_and_files_does_not_matter() {
    let base = digest(&evaluate(
        &read_bytes(&load(&["long_2015-01-01_07.csv"]), 1, 1 << 20),
        Edition::E2026,
    ));
    for seed in [1u64, 42, 0x5eed] {
        let rows = shuffled_long(seed);
        let st = read_bytes(&[("shuffled.csv".into(), rows)], 2, 4096);
        assert_eq!(digest(&evaluate(&st, Edition::E2026)), base, "seed {seed}");
    }
    // Files in the other order.
    let mut files = load(&BEIJING);
    files.reverse();
    let b = digest(&evaluate(&read_bytes(&files, 2, 4096), Edition::E2026));
    assert_eq!(b, base);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn threads_and_chunk_sizes_do_not_change_anything(
        threads in 1usize..5,
        chunk in 4096usize..20_000,
        seed in any::<u64>(),
    ) {
        let base = digest(&evaluate(
            &read_bytes(&load(&["long_2015-01-01_07.csv"]), 1, 1 << 20),
            Edition::E2012,
        ));
        let rows = shuffled_long(seed | 1);
        let st = read_bytes(&[("s.csv".into(), rows)], threads, chunk);
        prop_assert_eq!(digest(&evaluate(&st, Edition::E2012)), base);
    }
}
