//! The plan, evaluation and demo commands, run as a user would run them.

use std::path::Path;
use std::process::{Command, Output};

fn ecociv(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecociv"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run ecociv")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn plan_show_json_lists_all_31_tasks_with_units_and_every_target() {
    let dir = tempfile::tempdir().unwrap();
    let o = ecociv(dir.path(), &["plan", "show", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let tasks = v["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 31);
    let numbers: Vec<u64> = tasks
        .iter()
        .map(|t| t["number"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, (1..=5).chain(7..=32).collect::<Vec<u64>>());
    for t in tasks {
        assert!(
            !t["lead"].as_array().unwrap().is_empty(),
            "task {} has lead units",
            t["number"]
        );
        for g in t["targets"].as_array().unwrap() {
            for key in [
                "indicator",
                "name",
                "threshold",
                "text",
                "year",
                "region",
                "quote",
            ] {
                assert!(
                    !g[key].is_null(),
                    "task {} target lacks {key}: {g}",
                    t["number"]
                );
            }
        }
    }
    let targets: usize = tasks
        .iter()
        .map(|t| t["targets"].as_array().unwrap().len())
        .sum();
    assert!(targets >= 80, "{targets} targets");
    let t24 = tasks.iter().find(|t| t["number"] == 24).unwrap();
    assert_eq!(t24["lead"][0], "市城市管理局");
    assert_eq!(t24["participants"].as_array().unwrap().len(), 3);
    let indicators = v["indicators"].as_array().unwrap();
    assert!(
        indicators
            .iter()
            .all(|i| i["code"].is_string() && i["name"].is_string() && !i["unit"].is_null())
    );
    assert!(
        v["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["truncated"] == true)
    );
}

#[test]
fn plan_show_table_is_readable_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let o = ecociv(dir.path(), &["plan", "show"]);
    assert!(o.status.success());
    let s = stdout(&o);
    assert!(s.contains("24. 提高城镇污水处理率"), "{s}");
    assert!(s.contains("按职责分工负责: 市委组织部、市发展和改革委员会、市生态环境局"));
    assert!(s.contains("2025年 生活污水集中处理率［中心城区］ ≥99.95%"));
}

#[test]
fn plan_check_reports_targets_laxer_than_the_binding_national_threshold() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("plan.toml"),
        include_str!("../../../data/plans/zhumadian-2021.toml"),
    )
    .unwrap();
    let o = ecociv(dir.path(), &["plan", "check", "plan.toml"]);
    assert!(o.status.success(), "a finding is no error: {}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains(
            "任务12 生态环境状况指数（EI）≥55（2025年）低于国家约束性指标 平原地区≥60（2021版第10项）"
        ),
        "{out}"
    );
    let o = ecociv(
        dir.path(),
        &["plan", "check", "plan.toml", "--format", "json"],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let ei = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["indicator"] == "ei")
        .expect("the EI finding");
    assert_eq!(ei["task"], 12);
    assert_eq!(ei["binding"], true);
    assert_eq!(ei["national"], "平原地区≥60");
    // A plan whose target asks as much as the national row has no such finding.
    let strict = include_str!("../../../data/plans/zhumadian-2021.toml").replacen(
        "indicator = \"ei\"\nthreshold = \">= 55\"",
        "indicator = \"ei\"\nthreshold = \">= 60\"",
        1,
    );
    assert_ne!(
        strict,
        include_str!("../../../data/plans/zhumadian-2021.toml")
    );
    std::fs::write(dir.path().join("strict.toml"), strict).unwrap();
    let o = ecociv(dir.path(), &["plan", "check", "strict.toml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        !stdout(&o).contains("生态环境状况指数（EI）≥"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn plan_check_accepts_the_builtin_plan_and_rejects_a_broken_one_with_locations() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("plan.toml");
    std::fs::write(
        &good,
        include_str!("../../../data/plans/zhumadian-2021.toml"),
    )
    .unwrap();
    let o = ecociv(dir.path(), &["plan", "check", "plan.toml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("31 项任务"));

    let broken = include_str!("../../../data/plans/zhumadian-2021.toml")
        .replacen(
            "indicator = \"urban_sewage_treatment_rate\"",
            "indicator = \"urban_sewage_rate\"",
            1,
        )
        .replacen(
            "number = 24\narea = \"生态生活\"",
            "number = 24\narea = \"生态环境\"",
            1,
        );
    std::fs::write(dir.path().join("broken.toml"), &broken).unwrap();
    let o = ecociv(dir.path(), &["plan", "check", "broken.toml"]);
    assert!(!o.status.success());
    let err = stderr(&o);
    let line = broken[..broken.find("urban_sewage_rate").unwrap()]
        .matches('\n')
        .count()
        + 1;
    assert!(err.contains(&format!("broken.toml:{line}:")), "{err}");
    assert!(err.contains("task[24].target[0].indicator"), "{err}");
    assert!(err.contains("未知的领域“生态环境”"), "{err}");
    assert!(err.contains("有 2 处错误"), "{err}");

    // JSON output for tools.
    let o = ecociv(
        dir.path(),
        &["plan", "check", "broken.toml", "--format", "json"],
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["problems"].as_array().unwrap().len(), 2);
    let p = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["field"] == "task[24].target[0].indicator")
        .unwrap();
    assert_eq!(p["line"], line);
    assert_eq!(p["file"], "broken.toml");
}

#[test]
fn plan_check_also_checks_catalogue_versions() {
    let dir = tempfile::tempdir().unwrap();
    let text = include_str!("../../../data/catalogue/2024.toml");
    std::fs::write(dir.path().join("2024.toml"), text).unwrap();
    let o = ecociv(dir.path(), &["plan", "check", "2024.toml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("国家指标版本 2024：26 行"));
    std::fs::write(
        dir.path().join("bad.toml"),
        text.replacen("threshold = \">= 20\"", "threshold = \">= \"", 1),
    )
    .unwrap();
    let o = ecociv(dir.path(), &["plan", "check", "bad.toml"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("row[0].threshold"), "{}", stderr(&o));
}

#[test]
fn demo_then_evaluate_gives_every_result_a_status_and_explanation() {
    let dir = tempfile::tempdir().unwrap();
    let o = ecociv(dir.path(), &["demo"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(dir.path().join("ecociv-demo/values.csv").exists());
    assert!(
        std::fs::read_to_string(dir.path().join("ecociv-demo/README.txt"))
            .unwrap()
            .contains("示例数据")
    );
    let o = ecociv(
        dir.path(),
        &["evaluate", "--year", "2025", "--format", "json"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("示例数据"), "says it uses demo data");
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["year"], 2025);
    assert!(
        v["readiness"]["summary"]
            .as_str()
            .unwrap()
            .contains("约束性指标")
    );
    let results = v["results"].as_array().unwrap();
    assert!(results.len() > 100);
    for r in results {
        for key in ["indicator", "name", "region", "status", "explanation"] {
            assert!(!r[key].is_null(), "{key} missing in {r}");
        }
        assert!(
            r.get("value").is_some()
                && r.get("target").is_some()
                && r.get("national").is_some()
                && r.get("forecast").is_some()
        );
    }
}

#[test]
fn evaluate_filters_by_region_and_writes_csv() {
    let dir = tempfile::tempdir().unwrap();
    assert!(ecociv(dir.path(), &["demo", "--out", "d"]).status.success());
    let o = ecociv(
        dir.path(),
        &[
            "evaluate",
            "--values",
            "d/values.csv",
            "--year",
            "2024",
            "--region",
            "汝南县",
            "--format",
            "csv",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let s = stdout(&o);
    let mut lines = s.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("indicator,name,region,region_name,value")
    );
    assert!(lines.all(|l| l.contains(",411727,汝南县,")), "{s}");
    let o = ecociv(
        dir.path(),
        &["evaluate", "--values", "d/values.csv", "--year", "2024"],
    );
    assert!(stdout(&o).contains("【驻马店市】"));
}

#[test]
fn a_values_file_with_errors_evaluates_nothing_unless_told_to_skip() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("v.csv"),
        "indicator,region,period,value,source\nurban_sewage_treatment_rate,411700,2024,96,\nurban_sewage_treatment_rate,411700,2023,120,\nnope,411700,2024,1,\n",
    )
    .unwrap();
    let o = ecociv(
        dir.path(),
        &["evaluate", "--values", "v.csv", "--year", "2024"],
    );
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("v.csv 第3行 value"), "{err}");
    assert!(err.contains("v.csv 第4行 indicator"), "{err}");
    assert!(err.contains("有 2 处错误，未进行评估"), "{err}");
    assert!(stdout(&o).is_empty());
    let o = ecociv(
        dir.path(),
        &[
            "evaluate",
            "--values",
            "v.csv",
            "--year",
            "2024",
            "--skip-invalid",
            "--format",
            "json",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let r = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["indicator"] == "urban_sewage_treatment_rate" && r["region"] == "411700")
        .unwrap();
    assert_eq!(r["value"], 96.0);
}

#[test]
fn non_utf8_input_gets_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    // "城镇" in GBK.
    std::fs::write(
        dir.path().join("gbk.csv"),
        b"indicator,region,period,value\n\xb3\xc7\xd5\xf2,411700,2024,1\n",
    )
    .unwrap();
    let o = ecociv(
        dir.path(),
        &["evaluate", "--values", "gbk.csv", "--year", "2024"],
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("不是 UTF-8 编码"), "{}", stderr(&o));
}

#[test]
fn a_city_can_use_its_own_plan_and_another_catalogue_version() {
    let dir = tempfile::tempdir().unwrap();
    let plan = include_str!("../../../data/plans/zhumadian-2021.toml")
        .replace("name = \"驻马店市\"", "name = \"示例市\"");
    std::fs::write(dir.path().join("my.toml"), plan).unwrap();
    let o = ecociv(dir.path(), &["--plan", "my.toml", "plan", "show"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("城市: 示例市"));
    assert!(
        ecociv(dir.path(), &["--plan", "my.toml", "demo", "--out", "d"])
            .status
            .success()
    );
    let o = ecociv(
        dir.path(),
        &[
            "--plan",
            "my.toml",
            "--catalogue-version",
            "2024",
            "evaluate",
            "--values",
            "d/values.csv",
            "--year",
            "2025",
            "--format",
            "json",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["readiness"]["catalogue_version"], "2024");
    let o = ecociv(dir.path(), &["--catalogue-version", "1999", "plan", "show"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("1999"));
}
