//! A malformed or inconsistent plan or catalogue is rejected with file, line and field.

use ecociv_core::{Catalogue, Diagnostic, Plan, builtin};

const GOOD: &str = r#"[plan]
id = "t"
name = "测试方案"
city = "c"
base_year = 2020
end_year = 2030
milestones = [2022, 2025]
catalogue_version = "2021"

[[region]]
code = "c"
name = "甲市"
level = "city"

[[unit]]
name = "市生态环境局"
code = "sthjj"

[[task]]
number = 1
area = "生态生活"
title = "提高城镇污水处理率"
text = "到2022年,城镇污水处理率达到95%。"
lead = ["市生态环境局"]

[[task.target]]
indicator = "urban_sewage_treatment_rate"
threshold = ">= 95"
year = 2022
unit = "%"
quote = "城镇污水处理率达到95%"
"#;

fn catalogue() -> Catalogue {
    builtin::catalogue().unwrap()
}

fn problems(text: &str) -> Vec<Diagnostic> {
    match Plan::load("plan.toml", text, &catalogue()) {
        Ok(_) => panic!("expected the plan to be rejected"),
        Err(d) => d.0,
    }
}

/// The 1-based line of the first occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    text[..text.find(needle).expect("needle")]
        .matches('\n')
        .count()
        + 1
}

fn only(text: &str) -> Diagnostic {
    let p = problems(text);
    assert_eq!(p.len(), 1, "{p:#?}");
    p.into_iter().next().unwrap()
}

#[test]
fn the_fixture_itself_is_valid() {
    let plan = Plan::load("plan.toml", GOOD, &catalogue()).unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(plan.tasks.len(), 1);
}

#[test]
fn unknown_indicator_names_line_and_field() {
    let text = GOOD.replace("\"urban_sewage_treatment_rate\"", "\"sewage_rate\"");
    let d = only(&text);
    assert_eq!(d.file, "plan.toml");
    assert_eq!(d.line, line_of(&text, "sewage_rate"));
    assert_eq!(d.field, "task[1].target[0].indicator");
    assert!(d.message.contains("未知的指标代码“sewage_rate”"), "{d}");
}

#[test]
fn duplicate_task_number() {
    let text = format!(
        "{GOOD}\n[[task]]\nnumber = 1\narea = \"生态生活\"\ntitle = \"重复\"\ntext = \"重复\"\nlead = [\"市生态环境局\"]\n"
    );
    let d = only(&text);
    assert_eq!(d.field, "task[1].number");
    assert_eq!(
        d.line,
        text.lines()
            .position(|l| l == "number = 1")
            .map(|_| text
                .lines()
                .enumerate()
                .filter(|(_, l)| *l == "number = 1")
                .nth(1)
                .unwrap()
                .0
                + 1)
            .unwrap()
    );
    assert!(d.message.contains("重复"));
}

#[test]
fn target_without_year() {
    let text = GOOD.replace("year = 2022\n", "");
    let d = only(&text);
    assert_eq!(d.field, "task[1].target[0].year");
    assert!(d.message.contains("缺少年份"), "{d}");
    assert!(d.line >= line_of(&text, "[[task.target]]"), "{d}");
}

#[test]
fn unit_that_does_not_match_the_indicator() {
    let text = GOOD.replace("unit = \"%\"", "unit = \"万亩\"");
    let d = only(&text);
    assert_eq!(d.field, "task[1].target[0].unit");
    assert_eq!(d.line, line_of(&text, "unit = \"万亩\""));
    assert!(
        d.message.contains("不一致") && d.message.contains("城镇污水处理率"),
        "{d}"
    );
}

#[test]
fn unknown_measurement_unit() {
    let text = GOOD.replace("unit = \"%\"", "unit = \"furlong\"");
    let d = only(&text);
    assert!(d.message.contains("未知的计量单位"), "{d}");
}

#[test]
fn unknown_area() {
    let text = GOOD.replace("area = \"生态生活\"", "area = \"生态环境\"");
    let d = only(&text);
    assert_eq!(d.field, "task[1].area");
    assert_eq!(d.line, line_of(&text, "area = "));
    assert!(
        d.message.contains("生态制度"),
        "lists the allowed areas: {d}"
    );
}

#[test]
fn unknown_department() {
    let text = GOOD.replace("lead = [\"市生态环境局\"]", "lead = [\"市环保局\"]");
    let d = only(&text);
    assert_eq!(d.field, "task[1].lead[0]");
    assert_eq!(d.line, line_of(&text, "lead = "));
    assert!(d.message.contains("未知的单位“市环保局”"), "{d}");
}

#[test]
fn unknown_region_of_a_target() {
    let text = GOOD.replace("year = 2022\n", "year = 2022\nregion = \"中心城区\"\n");
    let d = only(&text);
    assert_eq!(d.field, "task[1].target[0].region");
}

#[test]
fn threshold_syntax_error_points_inside_the_string() {
    let text = GOOD.replace("threshold = \">= 95\"", "threshold = \">= 95 &\"");
    let d = only(&text);
    assert_eq!(d.field, "task[1].target[0].threshold");
    assert_eq!(d.line, line_of(&text, "threshold = "));
    assert_eq!(d.column, "threshold = \">= 95 &".chars().count() + 1, "{d}");
}

#[test]
fn qualitative_threshold_on_a_number_indicator_is_rejected() {
    let text = GOOD.replace("threshold = \">= 95\"", "threshold = \"achieved(建立)\"");
    let d = only(&text);
    assert!(d.message.contains("是否类指标"), "{d}");
}

#[test]
fn quote_must_be_words_of_the_task() {
    let text = GOOD.replace(
        "quote = \"城镇污水处理率达到95%\"",
        "quote = \"处理率达到96%\"",
    );
    let d = only(&text);
    assert_eq!(d.field, "task[1].target[0].quote");
}

#[test]
fn year_outside_the_plan_period() {
    let text = GOOD.replace("year = 2022", "year = 2035");
    let d = only(&text);
    assert!(d.message.contains("不在规划期"), "{d}");
}

#[test]
fn duplicate_target_for_the_same_indicator_region_and_year() {
    let text = format!(
        "{GOOD}\n[[task.target]]\nindicator = \"urban_sewage_treatment_rate\"\nthreshold = \">= 96\"\nyear = 2022\nquote = \"城镇污水处理率达到95%\"\n"
    );
    let d = only(&text);
    assert!(d.message.contains("已有目标"), "{d}");
}

#[test]
fn toml_syntax_errors_are_located() {
    let text = GOOD.replace(
        "title = \"提高城镇污水处理率\"",
        "title = \"提高城镇污水处理率",
    );
    let d = only(&text);
    assert_eq!(d.line, line_of(&text, "title = "));
    assert!(d.message.contains("TOML"), "{d}");
}

#[test]
fn unknown_fields_are_rejected_not_ignored() {
    let text = GOOD.replace("year = 2022\n", "year = 2022\nyaer = 2022\n");
    let d = only(&text);
    assert!(d.message.contains("yaer"), "{d}");
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = GOOD
        .replace("\"urban_sewage_treatment_rate\"", "\"x\"")
        .replace("area = \"生态生活\"", "area = \"y\"")
        .replace("lead = [\"市生态环境局\"]", "lead = [\"z\"]");
    assert_eq!(problems(&text).len(), 3);
}

#[test]
fn diagnostics_print_as_file_line_column_field_message() {
    let text = GOOD.replace("\"urban_sewage_treatment_rate\"", "\"sewage_rate\"");
    let d = only(&text);
    let line = line_of(&text, "sewage_rate");
    assert_eq!(
        d.to_string(),
        format!(
            "plan.toml:{line}:13: task[1].target[0].indicator: {}",
            d.message
        )
    );
}

const DICT: &str = "[[indicator]]\ncode = \"a\"\nname = \"甲\"\nunit = \"%\"\n";

fn catalogue_problem(version: &str) -> Diagnostic {
    match Catalogue::load(("dict.toml", DICT), &[("v.toml", version)]) {
        Ok(_) => panic!("expected rejection"),
        Err(d) => {
            assert_eq!(d.len(), 1, "{d}");
            d.0.into_iter().next().unwrap()
        }
    }
}

const VERSION: &str = "[version]\nid = \"v\"\ntitle = \"t\"\ndomains = [\"甲\"]\nhas_attribute = true\n\n[[row]]\nid = \"1\"\nnumber = \"1\"\ndomain = \"甲\"\nname = \"甲\"\nindicator = \"a\"\nunit = \"%\"\nthreshold = \">= 1\"\nprinted = \"≥1\"\nattribute = \"约束性\"\nscope = \"市\"\nconfidence = \"C\"\nsource = \"s\"\n";

#[test]
fn catalogue_fixture_is_valid() {
    let cat = Catalogue::load(("dict.toml", DICT), &[("v.toml", VERSION)])
        .unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(cat.version("v").unwrap().rows.len(), 1);
}

#[test]
fn catalogue_rows_are_checked_with_file_line_and_field() {
    let d = catalogue_problem(&VERSION.replace("indicator = \"a\"", "indicator = \"b\""));
    assert_eq!(
        (d.file.as_str(), d.field.as_str()),
        ("v.toml", "row[0].indicator")
    );
    assert_eq!(d.line, 12);
    let d = catalogue_problem(&VERSION.replace("domain = \"甲\"", "domain = \"乙\""));
    assert!(d.message.contains("未知的领域“乙”"), "{d}");
    let d = catalogue_problem(&VERSION.replace("attribute = \"约束性\"", "attribute = \"必须\""));
    assert_eq!(d.field, "row[0].attribute");
    let d = catalogue_problem(&VERSION.replace("unit = \"%\"", "unit = \"万亩\""));
    assert!(d.message.contains("不一致"), "{d}");
    let d = catalogue_problem(&VERSION.replace("scope = \"市\"", "scope = \"省\""));
    assert_eq!(d.field, "row[0].scope");
    let d = catalogue_problem(&VERSION.replace("confidence = \"C\"", "confidence = \"D\""));
    assert_eq!(d.field, "row[0].confidence");
}

#[test]
fn an_indicator_appears_once_per_version() {
    let second = VERSION
        .split("[[row]]")
        .nth(1)
        .unwrap()
        .replace("id = \"1\"", "id = \"2\"");
    let d = catalogue_problem(&format!("{VERSION}\n[[row]]{second}"));
    assert!(d.message.contains("出现两次"), "{d}");
}

#[test]
fn duplicate_indicator_codes_in_the_dictionary() {
    let dict = format!("{DICT}\n{DICT}");
    let err = Catalogue::load(("dict.toml", &dict), &[]).unwrap_err();
    assert!(err.to_string().contains("重复"), "{err}");
    assert_eq!(err.0[0].line, 7, "the line of the second code");
}

#[test]
fn an_unknown_aggregation_method_is_located_and_the_known_ones_named() {
    let indicator = "\n[[indicator]]\ncode = \"tree_count\"\nname = \"新增造林面积\"\nunit = \"亩\"\naggregate = \"weekly\"\n";
    let text = format!("{GOOD}{indicator}");
    let d = problems(&text)
        .into_iter()
        .find(|d| d.field.ends_with(".aggregate"))
        .unwrap_or_else(|| panic!("no diagnostic for aggregate: {:?}", problems(&text)));
    assert_eq!(d.line, line_of(&text, "aggregate = "));
    assert!(
        d.message.contains("weekly") && d.message.contains("sum、mean、last"),
        "{d}"
    );
    // A known one loads, and the plan says it.
    let text = text.replace("\"weekly\"", "\"sum\"");
    let plan = Plan::load("t.toml", &text, &catalogue()).unwrap_or_else(|d| panic!("{d}"));
    let ind = plan.indicator("tree_count").unwrap();
    assert_eq!(ind.aggregate, ecociv_core::indicator::Aggregate::Sum);
}
