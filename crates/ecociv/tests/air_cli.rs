//! `ecociv air` end to end: the binary on committed fixtures and on broken files.

use std::path::PathBuf;
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ecociv"))
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../ecociv-standards/tests/fixtures/air")
        .join(name)
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("binary runs")
}

fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

#[test]
fn aqi_json_has_the_documented_shape() {
    let v = json(&run(&[
        "air",
        "aqi",
        "--pm25",
        "120",
        "--pm10",
        "180",
        "--so2",
        "65",
        "--no2",
        "150",
        "--co",
        "8",
        "--o3-8h",
        "200",
        "--standard",
        "2026",
        "--format",
        "json",
    ]));
    assert_eq!(v["standard"], "2026");
    assert_eq!(v["aqi"], 158);
    assert_eq!(v["iaqi"]["O3_8h"], 137);
    assert_eq!(v["iaqi"]["PM10_24h"], 124);
    assert_eq!(v["category"]["level"], 4);
    assert_eq!(v["category"]["name"], "中度污染");
    assert_eq!(v["primary_pollutants"], serde_json::json!(["PM2.5"]));
}

#[test]
fn aqi_hourly_and_the_edition_by_date() {
    // 2012 hourly SO2 above 800 with the 24-hour mean given.
    let v = json(&run(&[
        "air",
        "aqi",
        "--so2",
        "900",
        "--so2-24h",
        "150",
        "--hourly",
        "--date",
        "2025-06-01",
        "--format",
        "json",
    ]));
    assert_eq!(v["standard"], "2012");
    assert_eq!(v["aqi"], 100);
    let v = json(&run(&[
        "air",
        "aqi",
        "--so2",
        "900",
        "--hourly",
        "--date",
        "2026-03-01",
        "--format",
        "json",
    ]));
    assert_eq!(v["standard"], "2026");
    assert_eq!(v["aqi"], 200);
}

#[test]
fn aqi_batch_prints_one_json_line_per_row() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("b.csv");
    std::fs::write(
        &p,
        "id,standard,report,PM2.5_24h,CO_24h\na,2012,daily,75,\nb,2026,daily,75,2.5\n",
    )
    .unwrap();
    let out = run(&["air", "aqi", "--batch", p.to_str().unwrap()]);
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        (
            lines[0]["id"].as_str(),
            lines[0]["iaqi"]["PM2.5_24h"].as_u64()
        ),
        (Some("a"), Some(100))
    );
    assert_eq!(lines[1]["iaqi"]["PM2.5_24h"], 114);
    assert_eq!(lines[1]["iaqi"]["CO_24h"], 63);
    // A bad value names the file, row and column.
    std::fs::write(&p, "id,standard,report,PM2.5_24h\na,2012,daily,x\n").unwrap();
    let out = run(&["air", "aqi", "--batch", p.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("第2行") && err.contains("PM2.5_24h"), "{err}");
}

#[test]
fn evaluate_writes_json_daily_and_values() {
    let dir = tempfile::tempdir().unwrap();
    let daily = dir.path().join("daily.csv");
    let values = dir.path().join("values.csv");
    let out = run(&[
        "air",
        "evaluate",
        fixture("beijing_aotizhongxin_2015-01-01_07.csv")
            .to_str()
            .unwrap(),
        fixture("beijing_dongsi_2015-01-01_07.csv")
            .to_str()
            .unwrap(),
        "--year",
        "2015",
        "--standard",
        "2012",
        "--format",
        "json",
        "--region",
        "110000",
        "--daily",
        daily.to_str().unwrap(),
        "--values",
        values.to_str().unwrap(),
    ]);
    let v = json(&out);
    assert_eq!(v["year"], 2015);
    assert_eq!(v["standard"], "2012");
    for key in [
        "valid_days",
        "good_days",
        "good_days_ratio",
        "days_by_category",
        "pollutants",
        "notes",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    for p in ["SO2", "NO2", "PM10", "PM2.5", "CO", "O3"] {
        for k in ["annual_mean", "percentile", "percentile_value", "compliant"] {
            assert!(v["pollutants"][p].get(k).is_some(), "{p}.{k}");
        }
    }
    assert_eq!(v["pollutants"]["O3"]["percentile"], 90);
    assert_eq!(v["days_by_category"].as_object().unwrap().len(), 6);
    let daily = std::fs::read_to_string(daily).unwrap();
    assert!(daily.starts_with("date,standard,SO2_24h [μg/m³],"));
    assert_eq!(daily.lines().count(), 366, "header + 365 days");
    assert!(daily.contains("\n2015-01-01,HJ 633-2012,"));
    let values = std::fs::read_to_string(values).unwrap();
    let mut lines = values.lines();
    assert_eq!(lines.next(), Some("indicator,region,period,value,source"));
    let row = lines.next().unwrap();
    assert!(row.starts_with("air_good_days_ratio,110000,2015,"), "{row}");
    assert!(row.contains("ecociv air evaluate; HJ 633-2012/GB 3095-2012/HJ 663-2013; 2 files;"));
    // One week of data: the PM2.5 annual mean is invalid under GB 3095 表4 and not written.
    assert!(!values.contains("pm25_annual_mean"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pm25_annual_mean"));
}

#[test]
fn evaluate_errors_name_file_row_and_column_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    let values = dir.path().join("values.csv");
    std::fs::write(
        &bad,
        "station,time,PM2.5 [μg/m³],CO [mg/m³]\nA,2015-01-01 00:00,30,0.8\nA,2015-01-01 01:00,31,800\n",
    )
    .unwrap();
    let out = run(&[
        "air",
        "evaluate",
        bad.to_str().unwrap(),
        "--year",
        "2015",
        "--values",
        values.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.csv") && err.contains("第3行") && err.contains("CO [mg/m³]"),
        "{err}"
    );
    assert!(!values.exists(), "no output on error");
    // A file without units.
    std::fs::write(&bad, "station,time,PM2.5\nA,2015-01-01 00:00,30\n").unwrap();
    let out = run(&["air", "evaluate", bad.to_str().unwrap(), "--year", "2015"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("第1行") && err.contains("缺少单位"),
        "{err}"
    );
}
