//! The demo data tells a story, and evaluating it gives every plan indicator and every national
//! row a status and an explanation, in every catalogue version.

use std::collections::HashSet;

use ecociv_core::evaluate::Options;
use ecociv_core::{AssignedSet, Evaluation, Status, ValueSet, builtin, demo, evaluate};

fn eval(year: i32, version: &str) -> Evaluation {
    let cat = builtin::catalogue().unwrap();
    let plan = builtin::plan(&cat).unwrap();
    let d = demo::generate(&plan, &cat);
    let opts = Options {
        year,
        catalogue_version: Some(version.into()),
        region: None,
    };
    evaluate(
        &plan,
        &cat,
        &ValueSet::new(d.observations),
        &AssignedSet::new(d.assigned),
        &opts,
    )
    .unwrap()
}

#[test]
fn every_plan_indicator_and_national_row_gets_a_status_and_an_explanation() {
    let cat = builtin::catalogue().unwrap();
    let plan = builtin::plan(&cat).unwrap();
    for version in ["2019", "2021", "2024"] {
        let e = eval(2025, version);
        for (_, target) in plan.targets() {
            let r = e
                .results
                .iter()
                .find(|r| r.indicator == target.indicator && r.region == target.region)
                .unwrap_or_else(|| {
                    panic!(
                        "{version}: no result for {} in {}",
                        target.indicator, target.region
                    )
                });
            let t = r.target.as_ref().expect("plan target evaluated");
            assert!(!t.explanation.is_empty() && !r.explanation.is_empty());
        }
        let v = cat.version(version).unwrap();
        let seen: HashSet<&str> = e
            .results
            .iter()
            .filter(|r| r.region == plan.city)
            .filter_map(|r| r.national.as_ref().map(|n| n.row.as_str()))
            .collect();
        for row in &v.rows {
            assert!(
                seen.contains(row.id.as_str()),
                "{version}: national row {} has no result",
                row.id
            );
        }
        for r in &e.results {
            assert!(
                r.explanation.ends_with('。'),
                "{}: {}",
                r.indicator,
                r.explanation
            );
            if let Some(n) = &r.national {
                assert!(!n.explanation.is_empty());
            }
        }
    }
}

#[test]
fn the_demo_has_misses_gaps_and_risks_but_mostly_progress() {
    let e = eval(2025, "2021");
    let city: Vec<_> = e.results.iter().filter(|r| r.region == "411700").collect();
    let count = |s: Status| city.iter().filter(|r| r.status == s).count();
    assert!(count(Status::Met) > city.len() / 2, "mostly met");
    assert!(count(Status::NotMet) >= 3, "a few misses");
    assert!(count(Status::NoData) >= 1, "a gap");
    assert!(!e.readiness.ready, "the story: not ready yet");
    let e23 = eval(2023, "2021");
    assert!(
        e23.results.iter().any(|r| r.status == Status::AtRisk),
        "risks before the milestone"
    );
}

#[test]
fn demo_generation_is_deterministic() {
    let cat = builtin::catalogue().unwrap();
    let plan = builtin::plan(&cat).unwrap();
    let a = demo::generate(&plan, &cat);
    let b = demo::generate(&plan, &cat);
    assert_eq!(
        demo::values_csv(&plan, &a.observations),
        demo::values_csv(&plan, &b.observations)
    );
    assert!(
        a.observations
            .iter()
            .all(|o| o.source.as_deref() == Some(demo::DEMO_SOURCE))
    );
    assert!(a.assigned.iter().all(|t| t.document.contains("示例")));
}

#[test]
fn demo_csv_round_trips_through_the_values_parser() {
    let cat = builtin::catalogue().unwrap();
    let plan = builtin::plan(&cat).unwrap();
    let d = demo::generate(&plan, &cat);
    let csv = demo::values_csv(&plan, &d.observations);
    let parsed = ecociv_core::observation::parse_values_csv("values.csv", &csv, &plan);
    assert!(
        parsed.errors.is_empty(),
        "{:?}",
        &parsed.errors[..parsed.errors.len().min(3)]
    );
    assert_eq!(parsed.rows, d.observations);
    let csv = demo::assigned_csv(&plan, &d.assigned);
    let parsed = ecociv_core::observation::parse_assigned_csv("assigned.csv", &csv, &plan);
    assert!(
        parsed.errors.is_empty(),
        "{:?}",
        &parsed.errors[..parsed.errors.len().min(3)]
    );
    assert_eq!(parsed.rows, d.assigned);
}

/// A reviewable snapshot of the city's 2025 evaluation: one line per indicator.
fn city_lines(e: &Evaluation) -> String {
    let mut s = format!("{}\n\n", e.readiness.summary);
    for r in e.results.iter().filter(|r| r.region == "411700") {
        s.push_str(&format!(
            "{} {} | {}\n",
            r.status.symbol(),
            r.indicator,
            r.explanation
        ));
        if let Some(n) = &r.national
            && r.target.is_some()
        {
            s.push_str(&format!(
                "    国家: {} {}\n",
                n.status.symbol(),
                n.explanation
            ));
        }
    }
    s
}

#[test]
fn snapshot_of_the_city_in_2025_under_the_2021_catalogue() {
    insta::assert_snapshot!(city_lines(&eval(2025, "2021")));
}

#[test]
fn snapshot_of_the_city_in_2023_under_the_2024_catalogue() {
    insta::assert_snapshot!(city_lines(&eval(2023, "2024")));
}
