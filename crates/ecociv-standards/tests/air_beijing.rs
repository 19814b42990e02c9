//! Checks against the project's shared reference material: the HJ 633 breakpoint CSV and the
//! complete Beijing years 2014, 2015 and 2016 (12 national stations).
//!
//! The material lives outside the repository, in `../shared` beside the repository root (or
//! wherever `ECOCIV_SHARED` points). A clone without it skips these tests with a message.

use std::path::PathBuf;
use std::sync::OnceLock;

use ecociv_standards::air::gb3095::ZoneClass;
use ecociv_standards::air::hj633::{self, Averaging, BREAKPOINTS, IAQI_NODES, Item};
use ecociv_standards::air::hj663::{self, Evaluation, Options, Station};
use ecociv_standards::air::reader::{self, ReadOptions, Source};
use ecociv_standards::air::{Edition, EditionChoice, Pollutant};

fn shared() -> Option<PathBuf> {
    let dir = std::env::var_os("ECOCIV_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    if dir.join("reference/hj633_breakpoints.csv").is_file() {
        Some(dir)
    } else {
        eprintln!(
            "SKIP: shared reference data not found at {} (set ECOCIV_SHARED to the shared/ folder to run this test)",
            dir.display()
        );
        None
    }
}

#[test]
fn breakpoint_table_matches_the_reference_csv_row_for_row() {
    let Some(dir) = shared() else { return };
    let mut rdr = csv::Reader::from_path(dir.join("reference/hj633_breakpoints.csv")).unwrap();
    let mut segments = 0;
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let edition = match &rec[0] {
            "HJ 633-2012" => Edition::E2012,
            "HJ 633-2026" => Edition::E2026,
            other => panic!("unknown edition {other}"),
        };
        let pollutant = Pollutant::from_code(&rec[1]).unwrap();
        let averaging = match &rec[2] {
            "1h" => Averaging::H1,
            "8h" => Averaging::H8,
            "24h" => Averaging::H24,
            other => panic!("unknown averaging {other}"),
        };
        let (bp_lo, bp_hi): (u32, u32) = (rec[4].parse().unwrap(), rec[5].parse().unwrap());
        let (i_lo, i_hi): (u16, u16) = (rec[6].parse().unwrap(), rec[7].parse().unwrap());
        let row = hj633::breakpoints(edition, Item::new(pollutant, averaging))
            .unwrap_or_else(|| panic!("no row for {rec:?}"));
        let k = IAQI_NODES.iter().position(|&n| n == i_hi).unwrap();
        assert_eq!(IAQI_NODES[k - 1], i_lo);
        assert_eq!(row.conc[k - 1], Some(bp_lo), "{rec:?}");
        assert_eq!(row.conc[k], Some(bp_hi), "{rec:?}");
        segments += 1;
    }
    // Every segment of our table appears in the CSV, and no other.
    let ours: usize = BREAKPOINTS
        .iter()
        .map(|r| r.conc.iter().filter(|c| c.is_some()).count() - 1)
        .sum();
    assert_eq!(segments, ours);
}

fn beijing() -> Option<&'static [Station]> {
    static DATA: OnceLock<Option<Vec<Station>>> = OnceLock::new();
    DATA.get_or_init(|| {
        let dir = shared()?.join("data/beijing-multisite");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "csv"))
            .collect();
        files.sort();
        assert_eq!(files.len(), 12, "the 12 Beijing station files");
        let sources = files
            .iter()
            .map(|p| Source {
                name: p.display().to_string(),
                reader: Box::new(std::fs::File::open(p).unwrap()),
            })
            .collect();
        let opts = ReadOptions {
            years: 2013..=2016,
            threads: 2,
            ..ReadOptions::default()
        };
        let ds = reader::read(sources, &opts, &|_| {}).expect("the Beijing files read cleanly");
        assert_eq!(ds.rows, 420_768);
        assert_eq!(ds.stations.len(), 12);
        Some(ds.stations)
    })
    .as_deref()
}

fn eval(stations: &[Station], year: i32, edition: Edition) -> Evaluation {
    hj663::evaluate(
        stations,
        &Options {
            year,
            choice: EditionChoice::Forced(edition),
            zone: ZoneClass::II,
            limits: None,
            threads: 2,
        },
    )
}

/// (year, edition, valid days, good days, ratio, days by category, PM2.5 mean, PM2.5 P95,
/// O3 P90, NO2 mean)
type Expected = (
    i32,
    Edition,
    u32,
    u32,
    &'static str,
    [u32; 6],
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

/// Pinned results. For comparison, the official Beijing figures (all 35 stations) were PM2.5
/// 85.9 / 80.6 / 73 μg/m³ and 172 / 186 / 198 good days in 2014 / 2015 / 2016.
const EXPECTED: [Expected; 6] = [
    (
        2014,
        Edition::E2012,
        360,
        169,
        "46.9",
        [35, 134, 80, 63, 35, 13],
        "84",
        "223",
        "200",
        "55",
    ),
    (
        2015,
        Edition::E2012,
        363,
        187,
        "51.5",
        [53, 134, 70, 59, 33, 14],
        "79",
        "230",
        "200",
        "48",
    ),
    (
        2016,
        Edition::E2012,
        363,
        197,
        "54.3",
        [72, 125, 80, 47, 30, 9],
        "72",
        "192",
        "199",
        "46",
    ),
    (
        2014,
        Edition::E2026,
        362,
        126,
        "34.8",
        [35, 91, 125, 63, 35, 13],
        "84",
        "223",
        "200",
        "55",
    ),
    (
        2015,
        Edition::E2026,
        363,
        162,
        "44.6",
        [53, 109, 95, 59, 33, 14],
        "79",
        "230",
        "200",
        "48",
    ),
    (
        2016,
        Edition::E2026,
        365,
        172,
        "47.1",
        [72, 100, 106, 48, 30, 9],
        "72",
        "192",
        "199",
        "46",
    ),
];

#[test]
fn beijing_2014_to_2016_under_both_editions_match_the_pinned_results() {
    let Some(stations) = beijing() else { return };
    for (year, edition, valid, good, ratio, cats, pm_mean, pm_p95, o3_p90, no2_mean) in EXPECTED {
        let e = eval(stations, year, edition);
        let pm = &e.pollutants[Pollutant::Pm25.index()];
        let o3 = &e.pollutants[Pollutant::O3.index()];
        let no2 = &e.pollutants[Pollutant::No2.index()];
        let got = (
            e.valid_days,
            e.good_days,
            e.good_days_ratio.unwrap().to_string(),
            e.days_by_category,
            pm.annual_mean.unwrap().to_string(),
            pm.percentile_value.unwrap().to_string(),
            o3.percentile_value.unwrap().to_string(),
            no2.annual_mean.unwrap().to_string(),
        );
        let want = (
            valid,
            good,
            ratio.to_string(),
            cats,
            pm_mean.to_string(),
            pm_p95.to_string(),
            o3_p90.to_string(),
            no2_mean.to_string(),
        );
        assert_eq!(got, want, "{year} {edition:?}");
        // Complete years: every pollutant meets GB 3095 表4, and Beijing exceeds the PM2.5 limit.
        assert!(e.pollutants.iter().all(|p| p.meets_validity != Some(false)));
        assert_eq!(pm.compliant, Some(false));
        // Good days are days with AQI ≤ 100: category 1 + 2.
        assert_eq!(e.good_days, cats[0] + cats[1]);
        assert_eq!(cats.iter().sum::<u32>(), valid);
    }
}

#[test]
fn the_2026_editions_raise_the_daily_aqi_except_through_the_dropped_o3_one_hour_item() {
    let Some(stations) = beijing() else { return };
    let o3_1h = Item::new(Pollutant::O3, Averaging::H1);
    for year in [2014, 2015, 2016] {
        let a = eval(stations, year, Edition::E2012);
        let b = eval(stations, year, Edition::E2026);
        for (x, y) in a.days.iter().zip(&b.days) {
            // Same concentrations, PM breakpoints stricter at IAQI 100, every other segment equal:
            // the 2026 AQI is at least the 2012 AQI of the items both editions share.
            let shared_2012 = x
                .aqi
                .items
                .iter()
                .filter(|i| i.item != o3_1h)
                .filter_map(|i| i.contributes)
                .max();
            if let (Some(p), Some(q)) = (shared_2012, y.aqi.aqi) {
                assert!(q >= p, "{}: {p} → {q}", x.date);
            }
            // A day good in 2026 but not in 2012 owes it to the O3 1-hour item of 2012.
            if x.valid && y.valid && y.aqi.aqi <= Some(100) && x.aqi.aqi > Some(100) {
                let o3 = x
                    .aqi
                    .items
                    .iter()
                    .find(|i| i.item == o3_1h)
                    .and_then(|i| i.contributes);
                assert!(o3 > Some(100), "{}", x.date);
            }
        }
    }
}

#[test]
fn year_on_year_changes_of_the_complete_years() {
    let Some(stations) = beijing() else { return };
    let e = eval(stations, 2016, Edition::E2012);
    let y = e.year_on_year.expect("2015 is in the data");
    assert_eq!(y.previous_year, 2015);
    // (79 − 72) / 79 = 8.86 % → 8.9
    assert_eq!(y.pm25_decline_rate.unwrap().to_string(), "8.9");
    assert_eq!(y.good_days_ratio_change.unwrap().to_string(), "2.8");
    // 2013 starts in March: its PM2.5 mean is not valid, so no decline rate for 2014.
    let e = eval(stations, 2014, Edition::E2012);
    assert!(e.year_on_year.unwrap().pm25_decline_rate.is_none());
    assert!(e.notes.iter().any(|n| n.code == "yoy-partial-previous"));
}
