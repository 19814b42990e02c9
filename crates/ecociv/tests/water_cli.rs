//! Runs the `ecociv` binary on the synthetic example files shipped in `examples/` and checks the
//! results documented in `examples/README.md`, and that bad input fails with file, row and column.

use std::path::PathBuf;
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn ecociv(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecociv"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run ecociv")
}

fn ok(args: &[&str]) -> String {
    let out = ecociv(args);
    assert!(
        out.status.success(),
        "ecociv {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn json(args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&ok(args)).unwrap()
}

fn values_file(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("values.csv");
    let mut a: Vec<&str> = args.to_vec();
    let p = out.to_str().unwrap().to_owned();
    a.extend(["--values", &p]);
    ok(&a);
    std::fs::read_to_string(out).unwrap()
}

#[test]
fn water_evaluate_gives_the_documented_results() {
    let args = [
        "water",
        "evaluate",
        "examples/water/samples-2024.csv",
        "--year",
        "2024",
        "--baseline",
        "examples/water/samples-2023.csv",
        "--format",
        "json",
    ];
    let r = json(&args);
    assert_eq!(r["shares"]["sections"], 9);
    assert_eq!(r["shares"]["counts"], serde_json::json!([0, 2, 4, 1, 1, 1]));
    let class = |code: &str| {
        r["sections"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["section"] == code)
            .map(|s| s["annual"]["class"].as_str().unwrap().to_owned())
            .unwrap()
    };
    assert_eq!(class("板桥水库坝前"), "II");
    assert_eq!(class("薄山水库取水口"), "III");
    // TP 0.1/0.2/0.3 repeated: annual mean exactly 0.2 → class III, not IV.
    assert_eq!(class("汝河汝南段"), "III");
    assert_eq!(class("汝河宿鸭湖出口"), "IV");
    assert_eq!(class("汝河班台"), "V");
    assert_eq!(class("洪河杨庄"), "WorseThanV");
    let bodies = r["water_bodies"].as_array().unwrap();
    let ru = bodies.iter().find(|b| b["name"] == "汝河").unwrap();
    assert_eq!(ru["method"], "断面水质类别比例法");
    assert_eq!(ru["status"], "轻度污染");
    let hong = bodies.iter().find(|b| b["name"] == "洪河").unwrap();
    assert_eq!(hong["method"], "断面平均浓度法");
    assert_eq!(hong["status"], "中度污染");
    assert_eq!(r["drinking"]["ratio"], 100.0);
    assert_eq!(r["change"]["change"], "明显好转");

    let table = ok(&args[..7]);
    assert!(table.contains("参评断面 9 个，达到或好于Ⅲ类 6 个（66.7%），劣Ⅴ类 1 个（11.1%）"));
    assert!(table.contains("待核实的评价规则"));
    assert!(table.contains("洪河杨庄 | 洪河 | 河流 | 12 | 劣于Ⅴ类 | 重度污染 | 红色 | 氨氮（1.60）、总磷（1.60）、化学需氧量（1.25）"));

    let v = values_file(&args[..5]);
    let mut lines = v.lines();
    assert_eq!(lines.next(), Some("indicator,region,period,value,source"));
    assert!(v.contains("surface_water_good_ratio,411700,2024,66.67,\"ecociv water evaluate; GB 3838-2002, 环办〔2011〕22号; 9 sections; 含待核实规则（未检出按1/2检出限）\""));
    assert!(v.contains("surface_water_worse_v_ratio,411700,2024,11.11,"));
    assert!(v.contains("drinking_water_source_ratio,411700,2024,100,"));
    assert!(v.contains("surface_water_good_ratio,411727,2024,50,"));
}

#[test]
fn water_blackodor_gives_the_documented_results() {
    let args = [
        "water",
        "blackodor",
        "examples/blackodor/survey-2024.csv",
        "--registry",
        "examples/blackodor/registry.csv",
        "--year",
        "2024",
    ];
    let mut j = args.to_vec();
    j.extend(["--format", "json"]);
    let r = json(&j);
    let grade = |b: &str| {
        r["bodies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["body"] == b)
            .map(|x| x["grade_label"].as_str().unwrap().to_owned())
            .unwrap()
    };
    assert_eq!(grade("练江河"), "无黑臭");
    assert_eq!(grade("护城河"), "轻度黑臭");
    assert_eq!(grade("西湖沟"), "无黑臭");
    let hc = r["bodies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["body"] == "护城河")
        .unwrap();
    assert_eq!(hc["heavy_stretches"], serde_json::json!([["HC2", "HC4"]]));
    assert_eq!(r["elimination"]["registered"], 5);
    assert_eq!(r["elimination"]["eliminated"], 2);
    let v = values_file(&args);
    assert!(v.contains("black_odorous_elimination_ratio,411700,2024,40,"));
    assert!(ok(&args).contains("黑臭水体消除比例：2/5 = 40.0%"));
}

#[test]
fn eco_index_gives_the_documented_results() {
    let args = [
        "eco",
        "index",
        "examples/eco/ei-input.csv",
        "--year",
        "2024",
    ];
    let mut j = args.to_vec();
    j.extend(["--format", "json"]);
    let r = json(&j);
    let city = &r["regions"][0];
    assert_eq!(city["region"], "411700");
    assert_eq!(city["ei"], 55.15);
    assert_eq!(city["grade"], "良");
    assert_eq!(city["change"], "略微变好");
    let county = &r["regions"][1];
    assert_eq!(county["ei"], 54.18);
    assert_eq!(county["grade_before_restriction"], "一般");
    assert_eq!(county["grade"], "较差");
    let table = ok(&args);
    assert!(table.contains("A_veg"));
    assert!(table.contains("待核实"));
    let v = values_file(&args);
    assert!(v.contains("ei,411700,2024,55.15,"));
    assert!(v.contains("ei,411727,2024,54.18,"));
}

#[test]
fn bad_input_names_file_row_and_column_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "section,type,date,DO(mg/L)\nA,河流,2024-01-01,-3\n",
            "第2行, 列“DO(mg/L)”",
            "负数",
        ),
        (
            "section,type,date,pH\nA,河流,2024-01-01,15\n",
            "第2行, 列“pH”",
            "0～14",
        ),
        (
            "section,type,date,DO(mg/L)\nA,河流,2023-12-31,8\n",
            "第2行, 列“date”",
            "不在评价年份",
        ),
        (
            "section,type,date,DO\nA,河流,2024-01-01,8\n",
            "第1行, 列“DO”",
            "缺少单位",
        ),
        (
            "section,type,date,BOD7(mg/L)\nA,河流,2024-01-01,8\n",
            "第1行, 列“BOD7(mg/L)”",
            "未知监测项目",
        ),
        (
            "section,type,date,DO(mg/L)\nA,河流,2024-01-01,8\nA,河流,2024-02-01,8..1\n",
            "第3行, 列“DO(mg/L)”",
            "不是数值",
        ),
    ];
    for (i, (text, loc, msg)) in cases.iter().enumerate() {
        let f = dir.path().join(format!("bad{i}.csv"));
        std::fs::write(&f, text).unwrap();
        let values = dir.path().join(format!("v{i}.csv"));
        let out = ecociv(&[
            "water",
            "evaluate",
            f.to_str().unwrap(),
            "--year",
            "2024",
            "--values",
            values.to_str().unwrap(),
        ]);
        assert!(!out.status.success());
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(f.to_str().unwrap()), "{err}");
        assert!(err.contains(loc), "{err} should contain {loc}");
        assert!(err.contains(msg), "{err} should contain {msg}");
        assert!(out.stdout.is_empty());
        assert!(!values.exists(), "no values file after an error");
    }
}

#[test]
fn gb18030_files_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("gbk.csv");
    let text = "断面,水体类型,日期,溶解氧(mg/L)\n甲,河流,2024-01-01,8\n";
    let (bytes, _, _) = encoding_rs::GB18030.encode(text);
    std::fs::write(&f, &bytes).unwrap();
    let out = ok(&["water", "evaluate", f.to_str().unwrap(), "--year", "2024"]);
    assert!(out.contains("甲 | — | 河流 | 1 | 符合Ⅰ类"));
}
