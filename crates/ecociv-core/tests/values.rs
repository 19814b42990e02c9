//! Values and assigned-target CSV files: good rows are read, bad rows are reported with row and
//! field, and nothing bad slips through.

use ecociv_core::observation::{parse_assigned_csv, parse_values_csv};
use ecociv_core::{Period, Plan, builtin};

fn plan() -> Plan {
    builtin::plan(&builtin::catalogue().unwrap()).unwrap()
}

#[test]
fn good_rows_are_read_by_code_or_chinese_name() {
    let p = plan();
    let csv = "indicator,region,period,value,source\n\
               urban_sewage_treatment_rate,411700,2024,96.2,住建局台账\n\
               城镇污水处理率,驻马店市,2023,95.1,\n\
               eco_plan,411700,2024,是,\n\
               pm25_annual_mean,411727,2024Q3,41,\n";
    let r = parse_values_csv("v.csv", csv, &p);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.rows.len(), 4);
    assert_eq!(r.rows[0].value, 96.2);
    assert_eq!(r.rows[0].source.as_deref(), Some("住建局台账"));
    assert_eq!(r.rows[1].indicator, r.rows[0].indicator);
    assert_eq!(r.rows[2].value, 1.0);
    assert_eq!(r.rows[3].period, Period::Quarter(2024, 3));
}

#[test]
fn source_column_is_optional_and_a_bom_is_tolerated() {
    let p = plan();
    let r = parse_values_csv(
        "v.csv",
        "\u{feff}indicator,region,period,value\nei,411700,2024,56\n",
        &p,
    );
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.rows.len(), 1);
}

#[test]
fn every_bad_row_is_reported_with_row_and_field() {
    let p = plan();
    let csv = "indicator,region,period,value,source\n\
               no_such_indicator,411700,2024,1,\n\
               urban_sewage_treatment_rate,火星,2024,1,\n\
               urban_sewage_treatment_rate,411700,24,1,\n\
               urban_sewage_treatment_rate,411700,2024,101,\n\
               urban_sewage_treatment_rate,411700,2024,abc,\n\
               eco_plan,411700,2024,也许,\n\
               park_green_area_per_capita,411700,2024,-3,\n\
               water_use_per_gdp,411700,2024,30%,\n\
               urban_sewage_treatment_rate,411700,2023,95,\n\
               urban_sewage_treatment_rate,411700,2023,96,\n\
               urban_sewage_treatment_rate,411700,2050,96,\n\
               too,few\n";
    let r = parse_values_csv("v.csv", csv, &p);
    let got: Vec<(u64, &str)> = r.errors.iter().map(|e| (e.row, e.field.as_str())).collect();
    assert_eq!(
        got,
        [
            (2, "indicator"),
            (3, "region"),
            (4, "period"),
            (5, "value"),
            (6, "value"),
            (7, "value"),
            (8, "value"),
            (9, "value"),
            (11, ""),
            (12, "period"),
            (13, ""),
        ],
        "{:#?}",
        r.errors
    );
    assert_eq!(r.rows.len(), 1, "only the first 2023 row is good");
    let msg = |row: u64| {
        r.errors
            .iter()
            .find(|e| e.row == row)
            .unwrap()
            .message
            .clone()
    };
    assert!(msg(5).contains("最大值100"), "{}", msg(5));
    assert!(msg(6).contains("不是数字"), "{}", msg(6));
    assert!(msg(7).contains("是”或“否"), "{}", msg(7));
    assert!(msg(8).contains("最小值"), "{}", msg(8));
    assert!(msg(9).contains("单位不符"), "{}", msg(9));
    assert!(msg(11).contains("第10行重复"), "{}", msg(11));
    assert!(
        r.errors[0]
            .to_string()
            .starts_with("v.csv 第2行 indicator:"),
        "{}",
        r.errors[0]
    );
}

#[test]
fn headers_must_be_exact() {
    let p = plan();
    let r = parse_values_csv("v.csv", "indicator,region,value,period,extra\n", &p);
    assert_eq!(r.errors.len(), 1);
    assert!(r.errors[0].message.contains("extra"), "{}", r.errors[0]);
    let r = parse_values_csv("v.csv", "indicator,region,value\n", &p);
    assert!(
        r.errors[0].message.contains("缺少列“period”"),
        "{}",
        r.errors[0]
    );
    let r = parse_values_csv("v.csv", "", &p);
    assert!(!r.errors.is_empty());
}

#[test]
fn assigned_targets_are_comparisons_or_changes_with_a_document() {
    let p = plan();
    let csv = "indicator,region,year,threshold,document\n\
               air_good_days_ratio,411700,2025,>= 75.5,豫环攻坚办〔2025〕12号\n\
               pm25_annual_mean,411700,2025,change(-1) >= 5%,豫环攻坚办〔2025〕12号\n\
               pm25_annual_mean,411700,2024,superior,文件\n\
               pm25_annual_mean,411700,2023,<= 45,\n\
               air_good_days_ratio,411700,2026,>= 120,文件\n\
               air_good_days_ratio,411700,2025,>= 76,重复\n";
    let r = parse_assigned_csv("a.csv", csv, &p);
    assert_eq!(r.rows.len(), 2);
    let got: Vec<(u64, &str)> = r.errors.iter().map(|e| (e.row, e.field.as_str())).collect();
    assert_eq!(
        got,
        [(4, "threshold"), (5, "document"), (6, "threshold"), (7, "")],
        "{:#?}",
        r.errors
    );
}
