//! Authorization as a matrix: every route × every role and anonymous → allowed, 401 or 403,
//! written as one table the test walks; plus the unit scope and what the public sees, on both
//! backends.

mod common;

use std::collections::BTreeSet;

use axum::http::Method;
use axum_test::multipart::{MultipartForm, Part};
use common::TestApp;
use ecociv_store::both_backends_owned;
use ecociv_store::testing::TestDb;
use serde_json::{Value, json};

/// The columns of the matrix, in order.
const WHO: [Option<&str>; 7] = [
    Some("admin"),
    Some("coordinator"),
    Some("reporter"),
    Some("reviewer"),
    Some("viewer"),
    Some("auditor"),
    None,
];

enum Body {
    None,
    Json(Value),
    Csv(&'static str),
    File,
}

struct Row {
    method: Method,
    /// The route as the OpenAPI document names it.
    template: &'static str,
    path: String,
    body: Body,
    /// admin, coordinator, reporter, reviewer, viewer, auditor, anonymous: `A` allowed (neither
    /// 401 nor 403), `3` forbidden (403), `1` unauthenticated (401).
    expect: &'static str,
}

struct Fixture {
    draft: i64,
    submitted: i64,
    approved: i64,
    task_update: i64,
    evidence: String,
    victim: i64,
}

async fn fixture(app: &TestApp) -> Fixture {
    let d = app
        .draft(
            "reporter",
            "urban_sewage_treatment_rate",
            "411700",
            "2024",
            "95",
        )
        .await;
    let s = app
        .draft(
            "reporter",
            "urban_sewage_treatment_rate",
            "411700",
            "2023",
            "94",
        )
        .await;
    let s = app.step("reporter", &s, "submit", json!({})).await;
    let a = app
        .draft(
            "reporter",
            "urban_sewage_treatment_rate",
            "411700",
            "2022",
            "93",
        )
        .await;
    let a = app.step("reporter", &a, "submit", json!({})).await;
    let a = app.step("reviewer", &a, "approve", json!({})).await;
    let r = app
        .request(
            Some("reporter"),
            Method::POST,
            &format!("/api/v1/values/{}/evidence", d["id"]),
        )
        .multipart(
            MultipartForm::new().add_part(
                "file",
                Part::bytes(b"%PDF-1.4 evidence".to_vec())
                    .file_name("台账.pdf")
                    .mime_type("application/pdf"),
            ),
        )
        .await;
    assert_eq!(r.status_code(), 201, "{}", r.text());
    let evidence = r.json::<Value>()["sha256"].as_str().unwrap().to_owned();
    let t = app
        .post(
            Some("reporter"),
            "/api/v1/task-updates",
            json!({"task": 24, "period": "2024", "progress": "in_progress", "percent": 40, "narrative": "推进中"}),
        )
        .await;
    assert_eq!(t.status_code(), 200, "{}", t.text());
    Fixture {
        draft: d["id"].as_i64().unwrap(),
        submitted: s["id"].as_i64().unwrap(),
        approved: a["id"].as_i64().unwrap(),
        task_update: t.json::<Value>()["id"].as_i64().unwrap(),
        evidence,
        victim: app.clients["victim"].user_id,
    }
}

#[rustfmt::skip]
fn table(f: &Fixture) -> Vec<Row> {
    use Body::*;
    use Method as M;
    let row = |method: Method, template: &'static str, path: String, body: Body, expect: &'static str| Row {
        method, template, path, body, expect,
    };
    let v = json!({"version": 1});
    let (d, s, a, t) = (f.draft, f.submitted, f.approved, f.task_update);
    //                                                                                                   admin coord rep rev view audit anon
    vec![
        row(M::POST,  "/api/v1/session", "/api/v1/session".into(), Json(json!({"username": "victim", "password": common::PASSWORD})), "AAAAAAA"),
        row(M::GET,   "/api/v1/session", "/api/v1/session".into(), None, "AAAAAA1"),
        row(M::GET,   "/api/v1/indicators", "/api/v1/indicators".into(), None, "AAAAAAA"),
        row(M::PUT,   "/api/v1/indicators/{code}/published", "/api/v1/indicators/forest_coverage/published".into(), Json(json!({"published": true})), "3A33331"),
        row(M::GET,   "/api/v1/plan", "/api/v1/plan".into(), None, "AAAAAAA"),
        row(M::GET,   "/api/v1/obligations", "/api/v1/obligations?period=2024&unit=cgj".into(), None, "AAAAA31"),
        row(M::GET,   "/api/v1/overdue", "/api/v1/overdue?year=2024".into(), None, "AAAAA31"),
        row(M::GET,   "/api/v1/plan/findings", "/api/v1/plan/findings".into(), None, "AAAAAAA"),
        row(M::GET,   "/api/v1/values", "/api/v1/values".into(), None, "AAAAA3A"),
        row(M::POST,  "/api/v1/values", "/api/v1/values".into(), Json(json!({"indicator": "urban_sewage_treatment_rate", "region": "411700", "period": "2021", "value": 92})), "3AA3331"),
        row(M::GET,   "/api/v1/values/{id}", format!("/api/v1/values/{d}"), None, "AAAAA31"),
        row(M::POST,  "/api/v1/values/{id}/submit", format!("/api/v1/values/{d}/submit"), Json(v.clone()), "3AA3331"),
        row(M::POST,  "/api/v1/values/{id}/approve", format!("/api/v1/values/{s}/approve"), Json(json!({"version": 2})), "3A3A331"),
        row(M::POST,  "/api/v1/values/{id}/return", format!("/api/v1/values/{s}/return"), Json(json!({"version": 2, "reason": "请补充"})), "3A3A331"),
        row(M::POST,  "/api/v1/values/{id}/correct", format!("/api/v1/values/{a}/correct"), Json(json!({"version": 3, "value": "93.5", "reason": "口径更正"})), "3AA3331"),
        row(M::POST,  "/api/v1/values/{id}/comments", format!("/api/v1/values/{d}/comments"), Json(json!({"text": "请核对口径"})), "3AAA331"),
        row(M::POST,  "/api/v1/values/{id}/evidence", format!("/api/v1/values/{d}/evidence"), File, "3AA3331"),
        row(M::GET,   "/api/v1/evidence/{sha256}", format!("/api/v1/evidence/{}", f.evidence), None, "AAAAA31"),
        row(M::POST,  "/api/v1/import/values", "/api/v1/import/values".into(), Csv("indicator,region,period,value\nurban_sewage_treatment_rate,411700,2020,91\n"), "3AA3331"),
        row(M::GET,   "/api/v1/templates/{period}", "/api/v1/templates/2024?unit=cgj".into(), None, "3AA3331"),
        row(M::POST,  "/api/v1/import/xlsx", "/api/v1/import/xlsx".into(), File, "3AA3331"),
        row(M::GET,   "/reports/{year}/self-assessment.docx", "/reports/2024/self-assessment.docx".into(), None, "AA3AA31"),
        row(M::GET,   "/reports/{year}/completion.xlsx", "/reports/2024/completion.xlsx".into(), None, "AA3AA31"),
        row(M::GET,   "/open-data", "/open-data".into(), None, "AAAAAAA"),
        row(M::GET,   "/open-data/{year}/{file}", "/open-data/latest/datapackage.json".into(), None, "AAAAAAA"),
        row(M::GET,   "/api/v1/periods", "/api/v1/periods".into(), None, "AAAAAAA"),
        row(M::POST,  "/api/v1/periods/{id}/close", "/api/v1/periods/2019/close".into(), Json(json!({"version": 0, "reason": "已上报"})), "3A33331"),
        row(M::POST,  "/api/v1/periods/{id}/reopen", "/api/v1/periods/2019/reopen".into(), Json(json!({"version": 1, "reason": "补报"})), "3A33331"),
        row(M::PUT,   "/api/v1/periods/{id}/published", "/api/v1/periods/2019/published".into(), Json(json!({"version": 2, "published": true})), "3A33331"),
        row(M::GET,   "/api/v1/evaluation/{year}", "/api/v1/evaluation/2024".into(), None, "AAAAA3A"),
        row(M::GET,   "/api/v1/tasks", "/api/v1/tasks".into(), None, "AAAAAAA"),
        row(M::GET,   "/api/v1/task-updates", "/api/v1/task-updates".into(), None, "AAAAA31"),
        row(M::POST,  "/api/v1/task-updates", "/api/v1/task-updates".into(), Json(json!({"task": 24, "unit": "cgj", "period": "2023", "progress": "completed", "percent": 100})), "3AA3331"),
        row(M::POST,  "/api/v1/task-updates/{id}/submit", format!("/api/v1/task-updates/{t}/submit"), Json(v.clone()), "3AA3331"),
        row(M::POST,  "/api/v1/task-updates/{id}/approve", format!("/api/v1/task-updates/{t}/approve"), Json(json!({"version": 2})), "3A3A331"),
        row(M::POST,  "/api/v1/task-updates/{id}/return", format!("/api/v1/task-updates/{t}/return"), Json(json!({"version": 2, "reason": "请补充"})), "3A3A331"),
        row(M::POST,  "/api/v1/task-updates/{id}/evidence", format!("/api/v1/task-updates/{t}/evidence"), File, "3AA3331"),
        row(M::GET,   "/api/v1/catalogue", "/api/v1/catalogue".into(), None, "AAAAA31"),
        row(M::GET,   "/api/v1/catalogue/{name}", "/api/v1/catalogue/2021".into(), None, "AAAAA31"),
        row(M::PUT,   "/api/v1/catalogue/{name}", "/api/v1/catalogue/2021".into(), Json(json!({"toml": "not toml", "version": 1})), "3A33331"),
        row(M::PUT,   "/api/v1/settings/catalogue-version", "/api/v1/settings/catalogue-version".into(), Json(json!({"catalogue_version": "2021"})), "3A33331"),
        row(M::GET,   "/api/v1/plan/versions", "/api/v1/plan/versions".into(), None, "AAAAA31"),
        row(M::POST,  "/api/v1/plan/versions", "/api/v1/plan/versions".into(), Json(json!({"name": "x.toml", "toml": "[plan]"})), "3A33331"),
        row(M::GET,   "/api/v1/assigned-targets", "/api/v1/assigned-targets".into(), None, "AAAAA31"),
        row(M::PUT,   "/api/v1/assigned-targets", "/api/v1/assigned-targets".into(), Json(json!({"indicator": "air_good_days_ratio", "region": "411700", "year": 2024, "threshold": ">= 70", "document": "豫环文〔2024〕1号"})), "3A33331"),
        row(M::GET,   "/api/v1/audit", "/api/v1/audit".into(), None, "AA333A1"),
        row(M::GET,   "/api/v1/audit/verify", "/api/v1/audit/verify".into(), None, "A3333A1"),
        row(M::GET,   "/api/v1/users", "/api/v1/users".into(), None, "A333331"),
        row(M::POST,  "/api/v1/users", "/api/v1/users".into(), Json(json!({"username": "new.user", "display_name": "新用户", "role": "viewer"})), "A333331"),
        row(M::PATCH, "/api/v1/users/{id}", format!("/api/v1/users/{}", f.victim), Json(json!({"version": 1, "display_name": "改名"})), "A333331"),
        row(M::POST,  "/api/v1/users/{id}/password", format!("/api/v1/users/{}/password", f.victim), Json(json!({"new_password": "another-password-2"})), "A333331"),
        // Last: it ends each caller's session.
        row(M::DELETE, "/api/v1/session", "/api/v1/session".into(), None, "AAAAAAA"),
    ]
}

async fn every_route_times_every_role_is_allowed_or_refused_as_the_table_says(db: TestDb) {
    let app = TestApp::start(db).await;
    let f = fixture(&app).await;
    let rows = table(&f);

    // The table covers every route of the API.
    let doc = ecociv_web::openapi();
    let mut documented = BTreeSet::new();
    for (path, item) in doc.paths.paths.iter() {
        for (m, op) in [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("PATCH", &item.patch),
            ("DELETE", &item.delete),
        ] {
            if op.is_some() {
                documented.insert(format!("{m} {path}"));
            }
        }
    }
    let tested: BTreeSet<String> = rows
        .iter()
        .map(|r| format!("{} {}", r.method, r.template))
        .collect();
    assert_eq!(
        documented, tested,
        "the matrix must list every documented route"
    );

    let mut failures = Vec::new();
    for row in &rows {
        assert_eq!(
            row.expect.chars().count(),
            WHO.len(),
            "{} {}: one expectation per column",
            row.method,
            row.template
        );
        for (who, expect) in WHO.iter().zip(row.expect.chars()) {
            let mut req = app.request(*who, row.method.clone(), &row.path);
            req = match &row.body {
                Body::None => req,
                Body::Json(v) => req.json(v),
                Body::Csv(t) => req.text(*t).content_type("text/csv"),
                Body::File => req.multipart(MultipartForm::new().add_part(
                    "file",
                    Part::bytes(format!("file for {who:?}").into_bytes()).file_name("证明.txt"),
                )),
            };
            let status = req.await.status_code().as_u16();
            let ok = match expect {
                'A' => status != 401 && status != 403,
                '3' => status == 403,
                '1' => status == 401,
                _ => unreachable!(),
            };
            if !ok {
                failures.push(format!(
                    "{} {} as {}: expected {expect}, got {status}",
                    row.method,
                    row.path,
                    who.unwrap_or("anonymous")
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

async fn a_reporter_cannot_read_drafts_of_or_write_another_units_values(db: TestDb) {
    let app = TestApp::start(db).await;
    let draft = app
        .draft(
            "reporter",
            "urban_sewage_treatment_rate",
            "411700",
            "2024",
            "95",
        )
        .await;
    let approved = app
        .draft(
            "reporter",
            "urban_sewage_treatment_rate",
            "411700",
            "2022",
            "93",
        )
        .await;
    let approved = app.step("reporter", &approved, "submit", json!({})).await;
    let approved = app.step("reviewer", &approved, "approve", json!({})).await;

    // 市林业局's reporter: no access to 市城市管理局's draft, sees its approved value.
    let r = app
        .get(Some("forestry"), &format!("/api/v1/values/{}", draft["id"]))
        .await;
    assert_eq!(r.status_code(), 403, "{}", r.text());
    let r = app
        .get(
            Some("forestry"),
            &format!("/api/v1/values/{}", approved["id"]),
        )
        .await;
    assert_eq!(r.status_code(), 200);
    let listed: Vec<Value> = app.all_values(Some("forestry"), "/api/v1/values").await;
    assert!(
        listed.iter().all(|v| v["status"] == "approved"),
        "{listed:?}"
    );
    assert!(listed.iter().any(|v| v["id"] == approved["id"]));
    let listed: Vec<Value> = app.all_values(Some("reporter"), "/api/v1/values").await;
    assert!(listed.iter().any(|v| v["id"] == draft["id"]));

    // Writing, submitting, correcting or attaching to another unit's values: 403, nothing changes.
    let generation = app.db.store.generation().await.unwrap();
    let r = app
        .post(
            Some("forestry"),
            "/api/v1/values",
            json!({"indicator": "urban_sewage_treatment_rate", "region": "411700", "period": "2024", "value": 99, "version": 1}),
        )
        .await;
    assert_eq!(r.status_code(), 403, "{}", r.text());
    assert_eq!(r.json::<Value>()["code"], "forbidden");
    let r = app
        .post(
            Some("forestry"),
            &format!("/api/v1/values/{}/submit", draft["id"]),
            json!({"version": 1}),
        )
        .await;
    assert_eq!(r.status_code(), 403);
    let r = app
        .post(
            Some("forestry"),
            &format!("/api/v1/values/{}/correct", approved["id"]),
            json!({"version": approved["version"], "value": 1, "reason": "x"}),
        )
        .await;
    assert_eq!(r.status_code(), 403);
    let r = app
        .request(Some("forestry"), Method::POST, "/api/v1/import/values")
        .text("indicator,region,period,value\nurban_sewage_treatment_rate,411700,2019,90\n")
        .content_type("text/csv")
        .await;
    assert_eq!(r.status_code(), 422, "{}", r.text());
    assert_eq!(r.json::<Value>()["code"], "import_rejected");
    // The county reporter writes its own county's values only.
    let r = app
        .post(
            Some("county"),
            "/api/v1/values",
            json!({"indicator": "forest_coverage", "region": "411727", "period": "2024", "value": 20}),
        )
        .await;
    assert_eq!(r.status_code(), 200, "{}", r.text());
    let r = app
        .post(
            Some("county"),
            "/api/v1/values",
            json!({"indicator": "forest_coverage", "region": "411728", "period": "2024", "value": 20}),
        )
        .await;
    assert_eq!(r.status_code(), 403);
    assert_eq!(app.db.store.generation().await.unwrap(), generation + 1);

    // A reviewer of another unit cannot approve.
    let s = app
        .draft(
            "reporter",
            "urban_sewage_treatment_rate",
            "411700",
            "2021",
            "92",
        )
        .await;
    let s = app.step("reporter", &s, "submit", json!({})).await;
    let r = app
        .post(
            Some("forestry"),
            &format!("/api/v1/values/{}/approve", s["id"]),
            json!({"version": s["version"]}),
        )
        .await;
    assert_eq!(r.status_code(), 403);
}

async fn anonymous_callers_see_only_published_data(db: TestDb) {
    let app = TestApp::start(db).await;
    let approved = app
        .draft(
            "reporter",
            "urban_sewage_treatment_rate",
            "411700",
            "2022",
            "93",
        )
        .await;
    let approved = app.step("reporter", &approved, "submit", json!({})).await;
    let approved = app.step("reviewer", &approved, "approve", json!({})).await;
    let draft = app
        .draft(
            "reporter",
            "urban_sewage_treatment_rate",
            "411700",
            "2023",
            "94",
        )
        .await;

    assert!(
        app.all_values(None, "/api/v1/values").await.is_empty(),
        "nothing is published yet"
    );
    assert!(
        app.get(None, "/api/v1/indicators")
            .await
            .json::<Vec<Value>>()
            .is_empty()
    );
    assert_eq!(
        app.get(None, &format!("/api/v1/values/{}", approved["id"]))
            .await
            .status_code(),
        401
    );

    // Publish the indicator: still nothing until the period is published too.
    let r = app
        .request(
            Some("coordinator"),
            Method::PUT,
            "/api/v1/indicators/urban_sewage_treatment_rate/published",
        )
        .json(&json!({"published": true}))
        .await;
    assert_eq!(r.status_code(), 204, "{}", r.text());
    assert!(app.all_values(None, "/api/v1/values").await.is_empty());
    let r = app
        .request(
            Some("coordinator"),
            Method::PUT,
            "/api/v1/periods/2022/published",
        )
        .json(&json!({"published": true, "version": 0}))
        .await;
    assert_eq!(r.status_code(), 200, "{}", r.text());
    let public = app.all_values(None, "/api/v1/values").await;
    assert_eq!(public.len(), 1);
    assert_eq!(public[0]["id"], approved["id"]);
    assert_eq!(
        app.get(None, &format!("/api/v1/values/{}", approved["id"]))
            .await
            .status_code(),
        200
    );
    assert_eq!(
        app.get(None, &format!("/api/v1/values/{}", draft["id"]))
            .await
            .status_code(),
        401
    );

    // The public evaluation uses published values only.
    let e: Value = app.get(None, "/api/v1/evaluation/2023").await.json();
    let r = e["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["indicator"] == "urban_sewage_treatment_rate" && r["region"] == "411700")
        .unwrap();
    assert!(r["value"].is_null(), "the 2023 draft is not public: {r}");
    let e: Value = app.get(None, "/api/v1/evaluation/2022").await.json();
    let r = e["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["indicator"] == "urban_sewage_treatment_rate" && r["region"] == "411700")
        .unwrap();
    assert_eq!(r["value"], 93.0);
}

both_backends_owned! {
    matrix => every_route_times_every_role_is_allowed_or_refused_as_the_table_says;
    unit_scope => a_reporter_cannot_read_drafts_of_or_write_another_units_values;
    public_data => anonymous_callers_see_only_published_data;
}
