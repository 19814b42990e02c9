//! The evaluation a person sees is computed over exactly the values that person may see: every
//! approved value, and the submitted values of their own unit or county, never another unit's
//! (security review, finding 1). Over the API, the indicator list and the indicator page's status
//! header, on SQLite and PostgreSQL.

mod common;

use common::TestApp;
use ecociv_store::both_backends_owned;
use ecociv_store::testing::TestDb;
use serde_json::{Value, json};

const CITY: &str = "411700";

/// The city's afforestation result in the evaluation of 2026 as `who` sees it.
async fn afforestation(app: &TestApp, who: &str) -> Value {
    let r = app
        .get(Some(who), &format!("/api/v1/evaluation/2026?region={CITY}"))
        .await;
    assert_eq!(r.status_code(), 200, "{who}: {}", r.text());
    let e: Value = r.json();
    e["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["indicator"] == "afforestation_area" && r["region"] == CITY)
        .cloned()
        .expect("afforestation_area in the evaluation")
}

/// The row of the indicator list that links to the city's afforestation result.
fn list_row(html: &str) -> &str {
    let at = html
        .find(&format!("/indicators/afforestation_area?region={CITY}"))
        .expect("afforestation row");
    let start = html[..at].rfind("<tr>").expect("row start");
    let end = at + html[at..].find("</tr>").expect("row end");
    &html[start..end]
}

/// The status header of an indicator page.
fn status_header(html: &str) -> &str {
    let start = html.find("id=\"h-status\"").expect("status header");
    let end = start + html[start..].find("</h2>").expect("header end");
    &html[start..end]
}

async fn pending_values_of_other_units_stay_out_of_evaluations(db: TestDb) {
    let app = TestApp::start(db).await;
    // 市林业局 submits its afforestation figure for 2026; nobody has approved it.
    let v = app
        .draft("forestry", "afforestation_area", CITY, "2026", "7.7")
        .await;
    let v = app.step("forestry", &v, "submit", json!({})).await;
    assert_eq!(v["status"], "submitted");

    // Another unit's reporter may not read the value itself ...
    let r = app
        .get(Some("reporter"), &format!("/api/v1/values/{}", v["id"]))
        .await;
    assert_eq!(r.status_code(), 403);
    // ... so its evaluation does not count it.
    let other = afforestation(&app, "reporter").await;
    assert!(other["value"].is_null(), "leaked: {other}");
    assert_ne!(other["value_state"], "pending", "{other}");
    assert_ne!(other["status"], "pending", "{other}");

    // The unit that reported it, and the creation office, see it as pending.
    for who in ["forestry", "coordinator"] {
        let own = afforestation(&app, who).await;
        assert_eq!(own["value"], 7.7, "{who}: {own}");
        assert_eq!(own["value_state"], "pending", "{who}: {own}");
    }
    // A county reporter sees only its own county's work.
    let county = afforestation(&app, "county").await;
    assert!(county["value"].is_null(), "leaked to a county: {county}");

    // The indicator list and the indicator page say the same.
    let page = |who: &'static str, path: &'static str| {
        let app = &app;
        async move {
            let r = app.get(Some(who), path).await;
            assert_eq!(r.status_code(), 200, "{who} {path}");
            r.text()
        }
    };
    let list = page("reporter", "/indicators?year=2026&region=411700").await;
    let row = list_row(&list);
    assert!(!row.contains("7.7"), "{row}");
    assert!(!row.contains("status-pending"), "{row}");
    let list = page("forestry", "/indicators?year=2026&region=411700").await;
    let row = list_row(&list);
    assert!(row.contains("7.7"), "{row}");
    assert!(row.contains("status-pending"), "{row}");

    let detail = page(
        "reporter",
        "/indicators/afforestation_area?region=411700&year=2026",
    )
    .await;
    let header = status_header(&detail);
    assert!(!header.contains("status-pending"), "{header}");
    assert!(
        !detail.contains("7.7"),
        "the value shows on another unit's page"
    );
    let detail = page(
        "forestry",
        "/indicators/afforestation_area?region=411700&year=2026",
    )
    .await;
    assert!(status_header(&detail).contains("status-pending"));

    // Once approved, everyone signed in counts it; the public only once it is published.
    let v = app.step("coordinator", &v, "approve", json!({})).await;
    assert_eq!(v["status"], "approved");
    let other = afforestation(&app, "reporter").await;
    assert_eq!(other["value"], 7.7, "{other}");
    assert_eq!(other["value_state"], "approved", "{other}");

    // Two audiences never share a tag: a unit's cached copy is not the city's.
    let tag = |who: &'static str| {
        let app = &app;
        async move {
            app.get(Some(who), &format!("/api/v1/evaluation/2026?region={CITY}"))
                .await
                .header("etag")
                .to_str()
                .unwrap()
                .to_owned()
        }
    };
    let (unit, city) = (tag("reporter").await, tag("coordinator").await);
    assert_ne!(unit, city);
    assert_eq!(
        unit,
        tag("reviewer").await,
        "one audience, one cached evaluation"
    );
}

/// For every account: the submitted values its evaluation counts (as pending) are exactly the
/// submitted values it may read one by one.
async fn each_audience_counts_exactly_the_pending_values_it_may_read(db: TestDb) {
    let app = TestApp::start(db).await;
    let mut submitted = Vec::new();
    for (who, indicator, region, value) in [
        ("forestry", "afforestation_area", CITY, "7.7"),
        ("reporter", "urban_sewage_treatment_rate", CITY, "96"),
        ("county", "urban_sewage_treatment_rate", "411727", "93"),
    ] {
        let v = app.draft(who, indicator, region, "2026", value).await;
        let v = app.step(who, &v, "submit", json!({})).await;
        submitted.push(((indicator.to_owned(), region.to_owned()), v["id"].clone()));
    }
    for (who, ..) in common::ACCOUNTS {
        let readable: std::collections::BTreeSet<_> = {
            let mut out = std::collections::BTreeSet::new();
            for (key, id) in &submitted {
                let r = app.get(Some(who), &format!("/api/v1/values/{id}")).await;
                match r.status_code().as_u16() {
                    200 => {
                        out.insert(key.clone());
                    }
                    403 => {}
                    s => panic!("{who}: GET value {id} answered {s}"),
                }
            }
            out
        };
        let r = app.get(Some(who), "/api/v1/evaluation/2026").await;
        if r.status_code() == 403 {
            // A role that reads no internal data (the auditor) reads none of them either.
            assert!(readable.is_empty(), "{who}");
            continue;
        }
        assert_eq!(r.status_code(), 200, "{who}");
        let e: Value = r.json();
        let counted: std::collections::BTreeSet<_> = e["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["value_state"] == "pending")
            .map(|r| {
                (
                    r["indicator"].as_str().unwrap().to_owned(),
                    r["region"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(counted, readable, "{who}");
    }
}

both_backends_owned! {
    pending_values_of_other_units_stay_out_of_evaluations => pending_values_of_other_units_stay_out_of_evaluations;
    each_audience_counts_exactly_the_pending_values_it_may_read => each_audience_counts_exactly_the_pending_values_it_may_read;
}
