//! The evaluation cache recomputes only what a write touched (issue 13), on both backends: after
//! a county's value changes, the kept evaluation of every region is spliced with that county
//! evaluated again, and it is byte for byte what a fresh store computes; a region's kept result
//! stays when the write was elsewhere; anything else an evaluation reads (here: publishing a
//! period) makes it compute everything again.

use std::sync::Arc;

use ecociv_store::testing::TestDb;
use ecociv_store::{Actor, ImportOptions, Provenance, Selection, StoreConfig, both_backends};

const YEAR: i32 = 2024;
const CITY: &str = "411700";
const COUNTY: &str = "411721";

async fn all(s: &ecociv_store::Store) -> Arc<ecociv_store::EvaluationSnapshot> {
    s.evaluation(YEAR, None, None, &Selection::everything())
        .await
        .unwrap()
}

async fn one(s: &ecociv_store::Store, region: &str) -> Arc<ecociv_store::EvaluationSnapshot> {
    s.evaluation(YEAR, None, Some(region), &Selection::everything())
        .await
        .unwrap()
}

/// What a store that kept nothing computes now.
async fn fresh(db: &TestDb) -> Vec<u8> {
    let s = ecociv_store::Store::open(&db.url, StoreConfig::default())
        .await
        .unwrap();
    let json = all(&s).await.json.to_vec();
    s.close().await;
    json
}

async fn only_the_touched_regions_are_evaluated_again(db: &TestDb) {
    let s = &db.store;
    s.load_demo().await.unwrap();
    let before = all(s).await;
    let city = one(s, CITY).await;
    let counts = s.eval_cache_counts();

    // A county reports an indicator it had no value of: submitted, so it counts as pending.
    let model = s.current_model().await.unwrap();
    let held: std::collections::HashSet<String> = s
        .values(&ecociv_store::ValueFilter {
            region: Some(COUNTY.into()),
            period: Some(YEAR.to_string()),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.indicator)
        .collect();
    let ind = model
        .plan
        .indicators
        .iter()
        .find(|i| i.kind == ecociv_core::ValueKind::Number && !held.contains(&i.code))
        .expect("an indicator the county has no value of");
    let value = ind.min.unwrap_or(0.0).max(1.0);
    s.import_values_csv(
        &Actor::cli("test"),
        "one.csv",
        &format!(
            "indicator,region,period,value\n{},{COUNTY},{YEAR},{value}\n",
            ind.code
        ),
        &ImportOptions {
            submit: true,
            ..ImportOptions::unrestricted(Provenance::Import)
        },
    )
    .await
    .unwrap();

    let after = all(s).await;
    let c = s.eval_cache_counts();
    assert_eq!(
        c.spliced,
        counts.spliced + 1,
        "spliced, not computed: {c:?}"
    );
    assert_eq!(c.computed, counts.computed, "{c:?}");
    assert!(after.generation > before.generation);
    assert!(
        after
            .evaluation
            .results
            .iter()
            .any(|r| r.region == COUNTY && r.indicator == ind.code && r.value == Some(value)),
        "the county's new value is in the result"
    );
    assert_eq!(
        after.json.to_vec(),
        fresh(db).await,
        "the spliced result is what a fresh computation gives"
    );

    // The city's own result did not depend on the county: kept, relabelled.
    let city_after = one(s, CITY).await;
    assert!(Arc::ptr_eq(&city.evaluation, &city_after.evaluation));
    assert_eq!(s.eval_cache_counts().computed, counts.computed);
    // The county's own result is computed again.
    let county = one(s, COUNTY).await;
    assert!(
        county
            .evaluation
            .results
            .iter()
            .any(|r| r.indicator == ind.code && r.value == Some(value))
    );

    // Publishing a period is not a value change: everything is computed again.
    let computed = s.eval_cache_counts().computed;
    let period = s.period("2025").await.unwrap();
    s.set_period_published(
        &Actor::cli("test"),
        "2025",
        !period.published,
        period.version,
    )
    .await
    .unwrap();
    let _ = all(s).await;
    let c = s.eval_cache_counts();
    assert_eq!(c.computed, computed + 1, "{c:?}");
    assert_eq!(all(s).await.json.to_vec(), fresh(db).await);
}

both_backends! {
    incremental_evaluation => only_the_touched_regions_are_evaluated_again;
}
