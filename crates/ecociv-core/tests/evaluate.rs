//! Evaluation of every threshold kind, status rule and forecast method on a small, hand-made
//! plan and catalogue, so that each expectation can be checked by hand.

use ecociv_core::evaluate::{IndicatorResult, Options};
use ecociv_core::{
    AssignedSet, AssignedTarget, Catalogue, Observation, Period, Plan, Status, Threshold, ValueSet,
    ValueState, evaluate,
};

const DICT: &str = r#"
[[indicator]]
code = "rate"
name = "处理率"
unit = "%"

[[indicator]]
code = "conc"
name = "浓度"
unit = "μg/m³"
direction = "lower"

[[indicator]]
code = "cover"
name = "覆盖率"
unit = "%"

[[indicator]]
code = "index"
name = "指数"
unit = ""

[[indicator]]
code = "done"
name = "制度"
unit = ""
kind = "yes_no"

[[indicator]]
code = "coast"
name = "海岸"
unit = "%"
"#;

const VERSION: &str = r#"
[version]
id = "t"
title = "测试标准"
domains = ["甲"]
has_attribute = true

[[row]]
id = "1"
number = "1"
domain = "甲"
name = "处理率"
indicator = "rate"
unit = "%"
threshold = "by level { city: >= 95, county: >= 85 }"
printed = "市≥95；县≥85"
attribute = "约束性"
scope = "市县"
confidence = "A"
source = "test"

[[row]]
id = "2"
number = "2"
domain = "甲"
name = "浓度"
indicator = "conc"
unit = "μg/m³"
threshold = "superior & (<= 25 | improving)"
printed = "完成上级规定的考核任务，且≤25或持续下降"
attribute = "约束性"
scope = "市"
confidence = "B"
source = "test"

[[row]]
id = "3"
number = "3"
domain = "甲"
name = "覆盖率"
indicator = "cover"
unit = "%"
threshold = "by terrain { mountain: >= 60, plain: >= 18 }"
printed = "山区≥60；平原≥18"
attribute = "参考性"
scope = "市县"
confidence = "C"
source = "test"

[[row]]
id = "4"
number = "4"
domain = "甲"
name = "海岸"
indicator = "coast"
unit = "%"
threshold = "superior"
printed = "完成上级管控目标"
attribute = "约束性"
scope = "市"
applies_if = "coastal"
confidence = "C"
source = "test"

[[row]]
id = "5"
number = "5"
domain = "甲"
name = "制度"
indicator = "done"
unit = ""
threshold = "achieved(建立)"
printed = "建立"
attribute = "约束性"
scope = "县"
confidence = "C"
source = "test"
"#;

const PLAN: &str = r#"
[plan]
id = "t"
name = "测试方案"
city = "c"
base_year = 2020
end_year = 2030
milestones = [2022, 2025]
catalogue_version = "t"

[[region]]
code = "c"
name = "甲市"
level = "city"
terrain = "plain"

[[region]]
code = "k"
name = "乙县"
level = "county"
parent = "c"

[[unit]]
name = "市局"
code = "sj"

[[task]]
number = 1
area = "生态生活"
title = "任务"
text = "到2025年处理率达到95%。浓度不增加。指数不降低。下降率不低于4.5%。保持稳定。持续提高。2022年底前建立制度。"
lead = ["市局"]

[[task.target]]
indicator = "rate"
threshold = ">= 95"
year = 2025
quote = "到2025年处理率达到95%"

[[task.target]]
indicator = "conc"
threshold = "not_worse"
year = 2025
quote = "浓度不增加"

[[task.target]]
indicator = "index"
threshold = "change >= 4.5%"
year = 2025
quote = "下降率不低于4.5%"

[[task.target]]
indicator = "done"
threshold = "achieved(建立)"
year = 2022
deadline = "2022-12-31"
quote = "2022年底前建立制度"

[[task.target]]
indicator = "cover"
threshold = "stable(1)"
year = 2025
quote = "保持稳定"
"#;

struct Fixture {
    cat: Catalogue,
    plan: Plan,
}

fn fixture() -> Fixture {
    let cat = Catalogue::load(("dict.toml", DICT), &[("t.toml", VERSION)])
        .unwrap_or_else(|d| panic!("{d}"));
    let plan = Plan::load("plan.toml", PLAN, &cat).unwrap_or_else(|d| panic!("{d}"));
    Fixture { cat, plan }
}

impl Fixture {
    fn obs(&self, code: &str, region: &str, points: &[(i32, f64)]) -> Vec<Observation> {
        let i = self.plan.indicator_position(code).unwrap();
        let r = self.plan.region_position(region).unwrap();
        points
            .iter()
            .map(|&(y, v)| Observation {
                indicator: i,
                region: r,
                period: Period::Year(y),
                value: v,
                source: None,
                state: ValueState::Approved,
            })
            .collect()
    }

    fn assigned(&self, code: &str, region: &str, year: i32, t: &str) -> AssignedTarget {
        AssignedTarget {
            indicator: self.plan.indicator_position(code).unwrap(),
            region: self.plan.region_position(region).unwrap(),
            year,
            threshold: t.parse::<Threshold>().unwrap(),
            document: "豫环〔2024〕1号".into(),
        }
    }

    fn eval(
        &self,
        obs: Vec<Observation>,
        assigned: Vec<AssignedTarget>,
        year: i32,
    ) -> Vec<IndicatorResult> {
        let opts = Options {
            year,
            ..Options::default()
        };
        evaluate(
            &self.plan,
            &self.cat,
            &ValueSet::new(obs),
            &AssignedSet::new(assigned),
            &opts,
        )
        .unwrap()
        .results
    }

    fn one(
        &self,
        obs: Vec<Observation>,
        assigned: Vec<AssignedTarget>,
        year: i32,
        code: &str,
        region: &str,
    ) -> IndicatorResult {
        self.eval(obs, assigned, year)
            .into_iter()
            .find(|r| r.indicator == code && r.region == region)
            .unwrap_or_else(|| panic!("no result for {code}/{region}"))
    }
}

fn target_status(r: &IndicatorResult) -> Status {
    r.target.as_ref().expect("plan target").status
}

fn national_status(r: &IndicatorResult) -> Status {
    r.national.as_ref().expect("national row").status
}

#[test]
fn comparator_met_at_the_milestone_boundary_and_not_below() {
    let f = fixture();
    let r = f.one(
        f.obs("rate", "c", &[(2025, 95.0)]),
        vec![],
        2025,
        "rate",
        "c",
    );
    assert_eq!(target_status(&r), Status::Met);
    assert_eq!(r.explanation, "2025年处理率95%，达到2025年目标（≥95%）。");
    let r = f.one(
        f.obs("rate", "c", &[(2025, 94.9)]),
        vec![],
        2025,
        "rate",
        "c",
    );
    assert_eq!(target_status(&r), Status::NotMet);
    assert_eq!(
        r.explanation,
        "2025年处理率94.9%，未达到2025年目标（≥95%），差0.1个百分点。"
    );
}

#[test]
fn before_the_milestone_a_met_value_whose_trend_falls_short_is_at_risk() {
    let f = fixture();
    let r = f.one(
        f.obs("rate", "c", &[(2021, 99.0), (2022, 97.5), (2023, 96.0)]),
        vec![],
        2023,
        "rate",
        "c",
    );
    assert_eq!(target_status(&r), Status::AtRisk);
    let fc = r.forecast.as_ref().unwrap();
    assert_eq!(fc.decided_by, Some("linear"));
    assert!((fc.value.unwrap() - 93.0).abs() < 1e-9, "{fc:?}");
    assert_eq!(
        r.explanation,
        "2023年处理率96%，目前达到2025年目标（≥95%），但按近3年趋势预计2025年为93%，有未达标风险。"
    );
}

#[test]
fn before_the_milestone_an_unmet_value_on_track_is_at_risk_and_off_track_is_not_met() {
    let f = fixture();
    // 90 → 92 → 94: the trend reaches 98 in 2025, but the target is not secured yet.
    let r = f.one(
        f.obs("rate", "c", &[(2021, 90.0), (2022, 92.0), (2023, 94.0)]),
        vec![],
        2023,
        "rate",
        "c",
    );
    assert_eq!(target_status(&r), Status::AtRisk);
    assert!(
        r.explanation.contains("可望达标但尚未确保"),
        "{}",
        r.explanation
    );
    assert!(
        r.explanation.contains("需年均提高0.5个百分点"),
        "{}",
        r.explanation
    );
    // 90 → 90.5 → 91: the trend reaches 92 in 2025, short of 95.
    let r = f.one(
        f.obs("rate", "c", &[(2021, 90.0), (2022, 90.5), (2023, 91.0)]),
        vec![],
        2023,
        "rate",
        "c",
    );
    assert_eq!(target_status(&r), Status::NotMet);
    assert_eq!(
        r.explanation,
        "2023年处理率91%，未达到2025年目标（≥95%），按近3年趋势预计2025年为92%，需年均提高2个百分点。"
    );
    // One point only: no trend, still the required change.
    let r = f.one(
        f.obs("rate", "c", &[(2023, 91.0)]),
        vec![],
        2023,
        "rate",
        "c",
    );
    assert_eq!(target_status(&r), Status::NotMet);
    assert_eq!(
        r.forecast.as_ref().unwrap().unavailable,
        Some(ecociv_core::forecast::NoForecast::TooFewPoints)
    );
    assert!(r.explanation.contains("数据不足两年"), "{}", r.explanation);
}

#[test]
fn missing_values_give_no_data_with_the_last_known_value() {
    let f = fixture();
    let r = f.one(
        f.obs("rate", "c", &[(2023, 93.1)]),
        vec![],
        2024,
        "rate",
        "c",
    );
    assert_eq!(r.status, Status::NoData);
    assert_eq!(
        r.explanation,
        "2024年处理率无数据（最近一次：2023年93.1%），无法判断是否达到2025年目标（≥95%）。"
    );
}

#[test]
fn pending_values_do_not_decide_a_status() {
    let f = fixture();
    let mut obs = f.obs("rate", "c", &[(2025, 96.0)]);
    obs[0].state = ValueState::Pending;
    let r = f.one(obs, vec![], 2025, "rate", "c");
    assert_eq!(r.status, Status::Pending);
    assert!(
        r.explanation.contains("尚未审核通过，按此值可达到"),
        "{}",
        r.explanation
    );
}

#[test]
fn not_worse_than_the_base_year_follows_the_direction() {
    let f = fixture();
    // Lower is better: 30 in 2020, 29 in 2025 is not worse.
    let r = f.one(
        f.obs("conc", "c", &[(2020, 30.0), (2025, 29.0)]),
        vec![],
        2025,
        "conc",
        "c",
    );
    assert_eq!(target_status(&r), Status::Met);
    assert!(
        r.explanation.contains("较2020年（30μg/m³）下降1μg/m³"),
        "{}",
        r.explanation
    );
    let r = f.one(
        f.obs("conc", "c", &[(2020, 30.0), (2025, 30.5)]),
        vec![],
        2025,
        "conc",
        "c",
    );
    assert_eq!(target_status(&r), Status::NotMet);
    // Without the base year there is nothing to compare with.
    let r = f.one(
        f.obs("conc", "c", &[(2025, 30.5)]),
        vec![],
        2025,
        "conc",
        "c",
    );
    assert_eq!(target_status(&r), Status::NoData);
    assert!(
        r.explanation.contains("缺少2020年基准值"),
        "{}",
        r.explanation
    );
}

#[test]
fn change_relative_to_the_base_year_and_the_zero_base() {
    let f = fixture();
    // index is higher-is-better: 100 → 104.5 is +4.5%, exactly enough.
    let r = f.one(
        f.obs("index", "c", &[(2020, 100.0), (2025, 104.5)]),
        vec![],
        2025,
        "index",
        "c",
    );
    assert_eq!(target_status(&r), Status::Met);
    let r = f.one(
        f.obs("index", "c", &[(2020, 100.0), (2025, 104.4)]),
        vec![],
        2025,
        "index",
        "c",
    );
    assert_eq!(target_status(&r), Status::NotMet);
    assert!(r.explanation.contains("提高4.4%"), "{}", r.explanation);
    let r = f.one(
        f.obs("index", "c", &[(2020, 0.0), (2025, 5.0)]),
        vec![],
        2025,
        "index",
        "c",
    );
    assert_eq!(target_status(&r), Status::NoData);
    assert!(r.explanation.contains("基准值为0"), "{}", r.explanation);
}

#[test]
fn stable_allows_the_stated_tolerance_against_the_previous_year() {
    let f = fixture();
    let r = f.one(
        f.obs("cover", "c", &[(2024, 40.0), (2025, 39.0)]),
        vec![],
        2025,
        "cover",
        "c",
    );
    assert_eq!(
        target_status(&r),
        Status::Met,
        "a fall of 1 point is within stable(1)"
    );
    let r = f.one(
        f.obs("cover", "c", &[(2024, 40.0), (2025, 38.9)]),
        vec![],
        2025,
        "cover",
        "c",
    );
    assert_eq!(target_status(&r), Status::NotMet);
    let r = f.one(
        f.obs("cover", "c", &[(2025, 38.9)]),
        vec![],
        2025,
        "cover",
        "c",
    );
    assert_eq!(target_status(&r), Status::NoData);
}

#[test]
fn qualitative_targets_are_at_risk_before_their_deadline_and_not_met_after() {
    let f = fixture();
    let r = f.one(
        f.obs("done", "c", &[(2021, 0.0)]),
        vec![],
        2021,
        "done",
        "c",
    );
    assert_eq!(target_status(&r), Status::AtRisk);
    assert_eq!(
        r.explanation,
        "2021年制度：尚未完成，期限为2022-12-31，须按期完成2022年目标（建立）。"
    );
    let r = f.one(
        f.obs("done", "c", &[(2023, 0.0)]),
        vec![],
        2023,
        "done",
        "c",
    );
    assert_eq!(target_status(&r), Status::NotMet);
    let r = f.one(
        f.obs("done", "c", &[(2022, 1.0)]),
        vec![],
        2022,
        "done",
        "c",
    );
    assert_eq!(target_status(&r), Status::Met);
}

#[test]
fn level_variants_choose_the_city_or_county_threshold() {
    let f = fixture();
    let obs = [
        f.obs("rate", "c", &[(2024, 90.0)]),
        f.obs("rate", "k", &[(2024, 90.0)]),
    ]
    .concat();
    let results = f.eval(obs, vec![], 2024);
    let city = results
        .iter()
        .find(|r| r.indicator == "rate" && r.region == "c")
        .unwrap();
    let county = results
        .iter()
        .find(|r| r.indicator == "rate" && r.region == "k")
        .unwrap();
    assert_eq!(national_status(city), Status::NotMet);
    assert_eq!(national_status(county), Status::Met);
    assert_eq!(county.national.as_ref().unwrap().text, "县≥85%");
    assert!(
        county.national.as_ref().unwrap().verified,
        "confidence A rows are verified"
    );
}

#[test]
fn terrain_variants_need_the_region_profile() {
    let f = fixture();
    let obs = [
        f.obs("cover", "c", &[(2024, 20.0)]),
        f.obs("cover", "k", &[(2024, 20.0)]),
    ]
    .concat();
    let results = f.eval(obs, vec![], 2024);
    let city = results
        .iter()
        .find(|r| r.indicator == "cover" && r.region == "c")
        .unwrap();
    assert_eq!(national_status(city), Status::Met, "plain ≥18");
    assert_eq!(city.national.as_ref().unwrap().text, "平原地区≥18%");
    assert!(
        city.national
            .as_ref()
            .unwrap()
            .explanation
            .contains("待核实")
    );
    let county = results
        .iter()
        .find(|r| r.indicator == "cover" && r.region == "k")
        .unwrap();
    assert_eq!(
        national_status(county),
        Status::NoData,
        "the county has no terrain set"
    );
    assert!(
        county
            .national
            .as_ref()
            .unwrap()
            .explanation
            .contains("未设置适用分类")
    );
}

#[test]
fn compound_superior_and_level_or_trend() {
    let f = fixture();
    // Assigned ≤ 40: 35 meets it, and 35 > 25 but falls from 38: met through the trend branch.
    let obs = f.obs("conc", "c", &[(2023, 38.0), (2024, 35.0)]);
    let r = f.one(
        obs.clone(),
        vec![f.assigned("conc", "c", 2024, "<= 40")],
        2024,
        "conc",
        "c",
    );
    assert_eq!(national_status(&r), Status::Met);
    let n = r.national.as_ref().unwrap();
    assert_eq!(n.text, "完成上级下达目标，且≤25μg/m³或持续下降");
    assert!(
        n.explanation
            .contains("完成上级下达的2024年目标≤40μg/m³（豫环〔2024〕1号）"),
        "{}",
        n.explanation
    );
    // Assigned ≤ 34: the superior part fails, so the whole fails whatever the trend.
    let r = f.one(
        obs.clone(),
        vec![f.assigned("conc", "c", 2024, "<= 34")],
        2024,
        "conc",
        "c",
    );
    assert_eq!(national_status(&r), Status::NotMet);
    // No assigned number: unknown, never guessed.
    let r = f.one(obs, vec![], 2024, "conc", "c");
    assert_eq!(national_status(&r), Status::NoData);
    assert!(
        r.national
            .as_ref()
            .unwrap()
            .explanation
            .contains("缺少上级下达的2024年目标值")
    );
    // Rising concentration above 25 fails both branches of the any-of.
    let r = f.one(
        f.obs("conc", "c", &[(2023, 30.0), (2024, 31.0)]),
        vec![f.assigned("conc", "c", 2024, "<= 40")],
        2024,
        "conc",
        "c",
    );
    assert_eq!(national_status(&r), Status::NotMet);
    // Falling below 25 passes even without last year's value (the level branch decides).
    let r = f.one(
        f.obs("conc", "c", &[(2024, 24.0)]),
        vec![f.assigned("conc", "c", 2024, "<= 40")],
        2024,
        "conc",
        "c",
    );
    assert_eq!(national_status(&r), Status::Met);
}

#[test]
fn assigned_targets_may_be_a_decline_rate() {
    let f = fixture();
    let obs = f.obs("conc", "c", &[(2023, 40.0), (2024, 38.0)]);
    let r = f.one(
        obs.clone(),
        vec![f.assigned("conc", "c", 2024, "change(-1) >= 5%")],
        2024,
        "conc",
        "c",
    );
    assert_eq!(
        national_status(&r),
        Status::Met,
        "a 5% fall meets a 5% decline target"
    );
    let r = f.one(
        obs,
        vec![f.assigned("conc", "c", 2024, "change(-1) >= 6%")],
        2024,
        "conc",
        "c",
    );
    assert_eq!(national_status(&r), Status::NotMet);
}

#[test]
fn rows_outside_their_scope_or_feature_are_not_applicable() {
    let f = fixture();
    let results = f.eval(f.obs("done", "k", &[(2024, 1.0)]), vec![], 2024);
    let coast = results
        .iter()
        .find(|r| r.indicator == "coast" && r.region == "c")
        .unwrap();
    assert_eq!(national_status(coast), Status::NotApplicable);
    assert!(
        coast
            .national
            .as_ref()
            .unwrap()
            .explanation
            .contains("沿海")
    );
    let county_only = results
        .iter()
        .find(|r| r.indicator == "done" && r.region == "c")
        .unwrap();
    assert_eq!(national_status(county_only), Status::NotApplicable);
    let county = results
        .iter()
        .find(|r| r.indicator == "done" && r.region == "k")
        .unwrap();
    assert_eq!(national_status(county), Status::Met);
}

#[test]
fn national_status_is_at_risk_when_the_trend_fails_next_year() {
    let f = fixture();
    let r = f.one(
        f.obs("rate", "c", &[(2022, 99.0), (2023, 97.0), (2024, 95.5)]),
        vec![],
        2024,
        "rate",
        "c",
    );
    assert_eq!(national_status(&r), Status::AtRisk);
    assert!(
        r.national
            .as_ref()
            .unwrap()
            .explanation
            .contains("有不达标风险")
    );
}

#[test]
fn readiness_counts_binding_rows_of_the_city() {
    let f = fixture();
    let obs = [
        f.obs("rate", "c", &[(2024, 96.0)]),
        f.obs("conc", "c", &[(2023, 30.0), (2024, 29.0)]),
    ]
    .concat();
    let eval = evaluate(
        &f.plan,
        &f.cat,
        &ValueSet::new(obs),
        &AssignedSet::new(vec![f.assigned("conc", "c", 2024, "<= 30")]),
        &Options {
            year: 2024,
            ..Options::default()
        },
    )
    .unwrap();
    let r = &eval.readiness;
    // Binding rows for the city: rate (met), conc (met); coast and the county-only row do not apply.
    assert_eq!(r.binding.met, 2, "{r:?}");
    assert_eq!(r.binding.not_applicable, 2);
    assert!(r.ready);
    assert_eq!(
        r.unverified_rows, 2,
        "the conc row (B) and the cover row (C) apply and are unverified"
    );
    assert!(r.summary.contains("已具备申报条件"));
}

#[test]
fn evaluation_is_deterministic_and_independent_of_input_order() {
    let f = fixture();
    let mut obs = [
        f.obs("rate", "c", &[(2021, 90.0), (2022, 92.0), (2023, 94.0)]),
        f.obs("conc", "c", &[(2022, 40.0), (2023, 38.0)]),
    ]
    .concat();
    let a = f.eval(obs.clone(), vec![], 2023);
    obs.reverse();
    let b = f.eval(obs, vec![], 2023);
    assert_eq!(a, b);
}

#[test]
fn region_filter_limits_results() {
    let f = fixture();
    let obs = [
        f.obs("rate", "c", &[(2024, 96.0)]),
        f.obs("rate", "k", &[(2024, 90.0)]),
    ]
    .concat();
    let k = f.plan.region_position("k");
    let eval = evaluate(
        &f.plan,
        &f.cat,
        &ValueSet::new(obs),
        &AssignedSet::default(),
        &Options {
            year: 2024,
            region: k,
            ..Options::default()
        },
    )
    .unwrap();
    assert!(eval.results.iter().all(|r| r.region == "k"));
    assert!(!eval.results.is_empty());
}

#[test]
fn unknown_catalogue_version_is_an_error() {
    let f = fixture();
    let err = evaluate(
        &f.plan,
        &f.cat,
        &ValueSet::default(),
        &AssignedSet::default(),
        &Options {
            year: 2024,
            catalogue_version: Some("1999".into()),
            region: None,
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("1999"));
}
