//! The indicator completion table (.xlsx, for printing) and the open data package.

mod support;

use std::collections::{BTreeSet, HashMap};
use std::io::{Cursor, Read};
use std::process::Command;

use calamine::{Data, Reader, Xlsx};
use ecociv_core::evaluate::Options;
use ecociv_core::{AssignedSet, Catalogue, Evaluation, Plan, Status, ValueSet, builtin, demo};
use ecociv_report::completion::{self, CompletionTable};
use ecociv_report::open_data::{self, License, OpenDataFile, OpenDataRequest};
use ecociv_report::{Date, History, HistoryPoint, xlsx_completion};
use serde_json::Value;

struct Demo {
    catalogue: Catalogue,
    plan: Plan,
    eval: Evaluation,
    history: History,
}

fn demo_inputs() -> Demo {
    let catalogue = builtin::catalogue().unwrap();
    let plan = builtin::plan(&catalogue).unwrap();
    let d = demo::generate(&plan, &catalogue);
    let values = ValueSet::new(d.observations);
    let eval = ecociv_core::evaluate(
        &plan,
        &catalogue,
        &values,
        &AssignedSet::new(d.assigned),
        &Options {
            year: 2025,
            ..Options::default()
        },
    )
    .unwrap();
    let history = History::from_values(&plan, &values);
    Demo {
        catalogue,
        plan,
        eval,
        history,
    }
}

fn table(d: &Demo) -> CompletionTable {
    completion::completion_table(&d.plan, &d.catalogue, &d.eval).unwrap()
}

#[test]
fn the_completion_table_has_one_row_per_national_indicator_with_plan_target_and_status() {
    let d = demo_inputs();
    let t = table(&d);
    let version = d.catalogue.version(&d.plan.catalogue_version).unwrap();
    assert_eq!(t.rows.len(), version.rows.len());
    assert!(t.demo);
    assert_eq!(
        t.title,
        "驻马店市国家生态文明建设示范市建设指标完成情况表（2025年）"
    );
    let good_days = t
        .rows
        .iter()
        .find(|r| r.indicator == "air_good_days_ratio")
        .unwrap();
    assert_eq!(good_days.name, "环境空气质量—优良天数比例");
    assert_eq!(good_days.value, "74.2%");
    assert_eq!(good_days.status, Some(Status::NotMet));
    assert_eq!(good_days.status_text(), "✗ 未达标");
    assert_eq!(good_days.attribute, "约束性");
    assert_eq!(good_days.lead, "市生态环境局");
    assert!(
        good_days.target.ends_with("（2025年）"),
        "{}",
        good_days.target
    );
    let coastal = t
        .rows
        .iter()
        .find(|r| r.indicator == "coastal_water_good_ratio")
        .unwrap();
    assert_eq!(coastal.status, Some(Status::NotApplicable));
    assert!(coastal.note.contains("沿海"), "{}", coastal.note);
}

fn zip_part(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut s = String::new();
    zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

#[test]
fn the_completion_workbook_is_set_up_for_printing() {
    let d = demo_inputs();
    let t = table(&d);
    let bytes = xlsx_completion::write(&t, Date::new(2026, 1, 15).unwrap()).unwrap();
    support::keep("completion.xlsx", &bytes);

    let mut wb = Xlsx::new(Cursor::new(bytes.as_slice())).unwrap();
    assert_eq!(wb.sheet_names(), [xlsx_completion::SHEET]);
    let range = wb.worksheet_range(xlsx_completion::SHEET).unwrap();
    let cell = |r: u32, c: u32| match range.get_value((r, c)) {
        Some(Data::String(s)) => s.clone(),
        other => format!("{other:?}"),
    };
    assert_eq!(cell(0, 0), t.title);
    assert!(cell(2, 0).contains("示例数据"), "demo warning row");
    let headers: Vec<String> = (0..11).map(|c| cell(3, c)).collect();
    assert_eq!(
        headers,
        [
            "领域",
            "序号",
            "指标",
            "单位",
            "国家标准",
            "方案目标",
            "现状值（2025年）",
            "达标情况",
            "指标属性",
            "牵头单位",
            "备注"
        ]
    );
    let first = &t.rows[0];
    assert_eq!(cell(4, 2), first.name);
    assert_eq!(cell(4, 7), first.status_text());
    assert!(cell(4 + t.rows.len() as u32, 0).starts_with("评估结论："));
    // 领域 spans its rows.
    let merges = wb
        .merge_cells_by_sheet_name(xlsx_completion::SHEET)
        .unwrap();
    assert!(
        merges
            .iter()
            .any(|m| m.start == (4, 0) && m.end.0 > 4 && m.end.1 == 0),
        "{merges:?}"
    );

    let sheet = zip_part(&bytes, "xl/worksheets/sheet1.xml");
    assert!(sheet.contains(r#"orientation="landscape""#), "landscape");
    assert!(sheet.contains(r#"paperSize="9""#), "A4");
    assert!(sheet.contains(r#"fitToHeight="0""#), "fit to width");
    assert!(
        sheet.contains(r#"<pageSetUpPr fitToPage="1"/>"#),
        "fit to page enabled"
    );
    let workbook = zip_part(&bytes, "xl/workbook.xml");
    assert!(
        workbook.contains("_xlnm.Print_Titles"),
        "repeated header row"
    );
    let styles = zip_part(&bytes, "xl/styles.xml");
    assert!(
        styles.contains(r#"<name val="SimSun"/>"#),
        "CJK font declared"
    );
    assert!(styles.contains(r#"<charset val="134"/>"#), "GB2312 charset");
}

#[test]
fn the_completion_workbook_prints_on_landscape_pages() {
    let Some(soffice) = support::which("soffice").or_else(|| support::which("libreoffice")) else {
        support::skip("LibreOffice is not installed: apt-get install libreoffice-calc-nogui");
        return;
    };
    let Some(pdfinfo) = support::which("pdfinfo") else {
        support::skip("pdfinfo is not installed: apt-get install poppler-utils");
        return;
    };
    let d = demo_inputs();
    let bytes = xlsx_completion::write(&table(&d), Date::new(2026, 1, 15).unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("completion.xlsx");
    std::fs::write(&path, &bytes).unwrap();
    let out = Command::new(&soffice)
        .arg(format!(
            "-env:UserInstallation=file://{}",
            dir.path().join("profile").display()
        ))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(dir.path())
        .arg(&path)
        .output()
        .unwrap();
    let pdf = dir.path().join("completion.pdf");
    if !pdf.exists() {
        let log = String::from_utf8_lossy(&out.stderr);
        if log.contains("source file could not be loaded") {
            support::skip(
                "LibreOffice Calc is not installed: apt-get install libreoffice-calc-nogui",
            );
            return;
        }
        panic!("conversion failed: {log}");
    }
    support::keep("completion.pdf", &std::fs::read(&pdf).unwrap());
    let info = Command::new(pdfinfo).arg(&pdf).output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    // "Page size:      841.89 x 595.276 pts (A4)": wider than high.
    let size = info
        .lines()
        .find_map(|l| l.strip_prefix("Page size:"))
        .expect("page size");
    let dims: Vec<f64> = size
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    assert!(dims.len() >= 2 && dims[0] > dims[1], "landscape: {size}");
    assert!(size.contains("A4"), "{size}");
}

fn package(d: &Demo, history: &History, only: Option<&BTreeSet<String>>) -> Vec<OpenDataFile> {
    open_data::package(&OpenDataRequest {
        plan: &d.plan,
        catalogue: &d.catalogue,
        evaluation: &d.eval,
        history,
        only,
        publisher: "驻马店市生态环境局".into(),
        license: License::cc_by_4(),
        date: Date::new(2026, 1, 15).unwrap(),
    })
    .unwrap()
}

fn file<'a>(files: &'a [OpenDataFile], path: &str) -> &'a OpenDataFile {
    files.iter().find(|f| f.path == path).unwrap()
}

/// Reads a CSV file of the package (BOM stripped) into a header and records.
fn csv_table(f: &OpenDataFile) -> (Vec<String>, Vec<Vec<String>>) {
    let body = f
        .bytes
        .strip_prefix(b"\xef\xbb\xbf")
        .expect("a UTF-8 BOM for spreadsheet programs");
    let mut r = csv::Reader::from_reader(body);
    let header = r.headers().unwrap().iter().map(str::to_owned).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

#[test]
fn the_data_package_descriptor_describes_every_csv_exactly() {
    let d = demo_inputs();
    let files = package(&d, &d.history, None);
    for f in &files {
        support::keep(&format!("open-data-{}", f.path), &f.bytes);
    }
    let desc: Value = serde_json::from_slice(&file(&files, "datapackage.json").bytes).unwrap();
    assert_eq!(desc["profile"], "data-package");
    let name = desc["name"].as_str().unwrap();
    assert!(
        name.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-._/".contains(c)),
        "{name}"
    );
    assert_eq!(desc["licenses"][0]["name"], "CC-BY-4.0");
    assert_eq!(desc["ecociv:demo"], true);
    assert!(desc["description"].as_str().unwrap().contains("示例数据"));

    let mut tables: HashMap<String, (Vec<String>, Vec<Vec<String>>)> = HashMap::new();
    for res in desc["resources"].as_array().unwrap() {
        let path = res["path"].as_str().unwrap();
        let f = file(&files, path);
        if res["format"] == "json" {
            serde_json::from_slice::<Value>(&f.bytes).expect("valid JSON");
            continue;
        }
        let (header, rows) = csv_table(f);
        let fields = res["schema"]["fields"].as_array().unwrap();
        let names: Vec<&str> = fields.iter().map(|x| x["name"].as_str().unwrap()).collect();
        assert_eq!(header, names, "{path}: header equals schema");
        for (i, row) in rows.iter().enumerate() {
            for (field, value) in fields.iter().zip(row) {
                let required = field["constraints"]["required"] == true;
                if value.is_empty() {
                    assert!(!required, "{path} row {i}: {} is required", field["name"]);
                    continue;
                }
                let ok = match field["type"].as_str().unwrap() {
                    "integer" => value.parse::<i64>().is_ok(),
                    "number" => value.parse::<f64>().is_ok(),
                    "boolean" => value == "true" || value == "false",
                    _ => true,
                };
                assert!(ok, "{path} row {i}: {} = {value}", field["name"]);
            }
        }
        // Primary keys are unique.
        let pk: Vec<usize> = res["schema"]["primaryKey"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| names.iter().position(|n| n == k).unwrap())
            .collect();
        let keys: BTreeSet<Vec<&String>> = rows
            .iter()
            .map(|r| pk.iter().map(|&i| &r[i]).collect())
            .collect();
        assert_eq!(keys.len(), rows.len(), "{path}: primary key unique");
        tables.insert(res["name"].as_str().unwrap().to_owned(), (header, rows));
    }
    // Foreign keys: every value's indicator is described.
    let indicators: BTreeSet<&String> = tables["indicators"].1.iter().map(|r| &r[0]).collect();
    assert!(
        tables["values"]
            .1
            .iter()
            .all(|r| indicators.contains(&r[0]))
    );
    assert!(
        tables["status"]
            .1
            .iter()
            .all(|r| indicators.contains(&r[1]))
    );
    // Metadata: unit, methodology, standard version.
    let (h, rows) = &tables["indicators"];
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let pm25 = rows.iter().find(|r| r[0] == "pm25_annual_mean").unwrap();
    assert_eq!(pm25[col("unit")], "μg/m³");
    assert_eq!(pm25[col("standard_version")], "2021");
    assert!(!pm25[col("methodology")].is_empty());
    let (h, rows) = &tables["values"];
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    assert!(
        rows.iter()
            .any(|r| r[col("indicator")] == "air_good_days_ratio"
                && r[col("region")] == "411700"
                && r[col("year")] == "2025"
                && r[col("value")] == "74.2"
                && r[col("source")] == demo::DEMO_SOURCE)
    );
}

#[test]
fn only_approved_values_of_published_indicators_are_open_data() {
    let d = demo_inputs();
    let mut history = d.history.clone();
    history.insert(
        "air_good_days_ratio",
        "411700",
        HistoryPoint {
            year: 2025,
            value: 80.0,
            approved: false,
            source: Some("待审核的更正".into()),
        },
    );
    let only: BTreeSet<String> = ["air_good_days_ratio".to_owned()].into();
    let files = package(&d, &history, Some(&only));
    let (_, values) = csv_table(file(&files, "values.csv"));
    assert!(values.iter().all(|r| r[0] == "air_good_days_ratio"));
    assert!(
        !values.iter().any(|r| r[2] == "411700" && r[4] == "2025"),
        "the pending 2025 value replaced the approved one and is not published"
    );
    assert!(values.iter().any(|r| r[2] == "411700" && r[4] == "2024"));
    let (_, indicators) = csv_table(file(&files, "indicators.csv"));
    assert_eq!(indicators.len(), 1);
    let json: Value = serde_json::from_slice(&file(&files, "data.json").bytes).unwrap();
    assert_eq!(json["indicators"].as_array().unwrap().len(), 1);
    assert_eq!(json["demo"], true);
}

#[test]
fn the_same_inputs_give_the_same_workbook_and_package() {
    let d = demo_inputs();
    let date = Date::new(2026, 1, 15).unwrap();
    let a = xlsx_completion::write(&table(&d), date).unwrap();
    let b = xlsx_completion::write(&table(&d), date).unwrap();
    assert!(a == b, "completion workbooks differ");
    assert_eq!(package(&d, &d.history, None), package(&d, &d.history, None));
}
