//! Micro-benchmarks of the air kernels: `cargo bench -p ecociv-standards --bench air`.
//! Whole-program runs on the real and the national-scale files are in BENCHMARKS.md.

use std::hint::black_box;

use ecociv_standards::air::exact::{Ratio, UNITS_PER_UG};
use ecociv_standards::air::gb3095::ZoneClass;
use ecociv_standards::air::hj633::{self, Averaging, Item, Report};
use ecociv_standards::air::hj663::{self, Options};
use ecociv_standards::air::reader::{self, ReadOptions, Source};
use ecociv_standards::air::{Edition, EditionChoice, Pollutant};

fn main() {
    divan::main();
}

#[divan::bench]
fn iaqi_one_value(b: divan::Bencher) {
    let item = Item::new(Pollutant::Pm25, Averaging::H24);
    let mut c = 0u64;
    b.bench_local(|| {
        c = (c + 7_919) % (500 * UNITS_PER_UG);
        black_box(hj633::iaqi(Edition::E2026, item, black_box(c)))
    });
}

#[divan::bench]
fn daily_aqi_six_items(b: divan::Bencher) {
    let items = hj633::report_items(Edition::E2026, Report::Daily).items;
    let input: Vec<(Item, Ratio)> = items
        .iter()
        .enumerate()
        .map(|(i, &it)| {
            (
                it,
                Ratio::new(u128::from(UNITS_PER_UG) * (40 + 17 * i as u128), 3),
            )
        })
        .collect();
    b.bench_local(|| black_box(hj633::aqi(Edition::E2026, Report::Daily, black_box(&input))));
}

/// A long-format file of `stations` stations × 1 year, in memory.
fn long_file(stations: u32) -> Vec<u8> {
    let mut s = String::from(
        "station,time,PM2.5 [ug/m3],PM10 [ug/m3],SO2 [ug/m3],NO2 [ug/m3],CO [mg/m3],O3 [ug/m3]\n",
    );
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let start = chrono::NaiveDate::from_ymd_opt(2023, 1, 1).unwrap();
    for st in 0..stations {
        for d in 0..365 {
            let date = start + chrono::Duration::days(d);
            for h in 0..24 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let v = x % 300;
                s.push_str(&format!(
                    "S{st},{date} {h:02}:00,{v},{},{},{},{}.{},{}\n",
                    v + 20,
                    v % 40,
                    v % 90,
                    v / 60,
                    v % 10,
                    (v * 3) % 250
                ));
            }
        }
    }
    s.into_bytes()
}

#[divan::bench(args = [1, 2])]
fn read_20_stations_one_year(b: divan::Bencher, threads: usize) {
    let data = long_file(20);
    b.counter(divan::counter::BytesCount::new(data.len()))
        .bench_local(|| {
            let src = vec![Source {
                name: "bench.csv".into(),
                reader: Box::new(std::io::Cursor::new(data.as_slice())),
            }];
            let opts = ReadOptions {
                years: 2023..=2023,
                threads,
                ..ReadOptions::default()
            };
            black_box(reader::read(src, &opts, &|_| {}).unwrap())
        });
}

#[divan::bench(args = [1, 2])]
fn evaluate_20_stations_one_year(b: divan::Bencher, threads: usize) {
    let data = long_file(20);
    let src = vec![Source {
        name: "bench.csv".into(),
        reader: Box::new(std::io::Cursor::new(data)),
    }];
    let ds = reader::read(src, &ReadOptions::default(), &|_| {}).unwrap();
    let opts = Options {
        year: 2023,
        choice: EditionChoice::Forced(Edition::E2026),
        zone: ZoneClass::II,
        limits: None,
        threads,
    };
    b.bench_local(|| black_box(hj663::evaluate(&ds.stations, &opts)));
}
