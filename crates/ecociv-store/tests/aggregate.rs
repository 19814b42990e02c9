//! A year made from its months (汇总方式, issue 13) on both backends: for an indicator whose
//! plan says how (the cumulative 人工造林新造面积 takes its last month), twelve monthly values
//! make the year when no annual value is reported; an annual value wins as soon as it is there;
//! an annual-only indicator's months are never evaluated.

use ecociv_store::testing::TestDb;
use ecociv_store::{Actor, ImportOptions, Provenance, Selection, both_backends};

async fn import(db: &TestDb, csv: &str) {
    db.store
        .import_values_csv(
            &Actor::cli("test"),
            "months.csv",
            csv,
            &ImportOptions {
                submit: true,
                ..ImportOptions::unrestricted(Provenance::Import)
            },
        )
        .await
        .unwrap();
}

async fn city(db: &TestDb, indicator: &str) -> ecociv_core::IndicatorResult {
    db.store
        .evaluation(2024, None, Some("411700"), &Selection::everything())
        .await
        .unwrap()
        .evaluation
        .results
        .iter()
        .find(|r| r.indicator == indicator)
        .cloned()
        .unwrap_or_else(|| panic!("no result for {indicator}"))
}

fn months(indicator: &str, value: impl Fn(u32) -> f64) -> String {
    let mut csv = String::from("indicator,region,period,value\n");
    for m in 1..=12 {
        csv.push_str(&format!("{indicator},411700,2024-{m:02},{}\n", value(m)));
    }
    csv
}

async fn a_year_is_made_from_its_months_where_the_plan_says_how(db: &TestDb) {
    // Cumulative since 2021: each month reports the running total; the year is December's.
    import(
        db,
        &months("afforestation_area", |m| 10.0 + f64::from(m) / 4.0),
    )
    .await;
    let r = city(db, "afforestation_area").await;
    assert_eq!(r.value, Some(13.0), "{r:?}");
    assert_eq!(r.value_state, Some(ecociv_core::ValueState::Pending));
    assert_eq!(r.source.as_deref(), Some("由12个月度值中的末期值得出"));

    // An annual-only indicator: twelve months make no year.
    import(db, &months("enterprise_env_info_disclosure_rate", |_| 90.0)).await;
    let r = city(db, "enterprise_env_info_disclosure_rate").await;
    assert_eq!(r.value, None, "{r:?}");

    // The annual value, once reported, is the year.
    import(
        db,
        "indicator,region,period,value\nafforestation_area,411700,2024,14.5\n",
    )
    .await;
    let r = city(db, "afforestation_area").await;
    assert_eq!(r.value, Some(14.5), "{r:?}");
    assert_ne!(r.source.as_deref(), Some("由12个月度值中的末期值得出"));
}

both_backends! {
    months_make_a_year => a_year_is_made_from_its_months_where_the_plan_says_how;
}
