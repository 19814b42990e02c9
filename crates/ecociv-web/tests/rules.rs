//! Rules that hold on every surface because the application layer holds them once: the public
//! sees exactly the open-data set whatever it asks; a value shared by several units is reported
//! and approved by its lead; every unit, county and district of the plan can be managed and is
//! chased; nobody signed in gets 401 before a request body is read; the plan-check finding is
//! shown to the coordinator. On SQLite and PostgreSQL.

mod common;

use std::collections::BTreeSet;

use axum::http::{HeaderValue, Method};
use common::TestApp;
use ecociv_core::calendar::Reporter;
use ecociv_core::obligation::Responsibilities;
use ecociv_store::testing::TestDb;
use ecociv_store::{Actor, NewUser, Role, ValueFilter, both_backends_owned};
use serde_json::{Value, json};

/// A value as a set member: indicator, region, period, value (yes/no as 1 and 0).
type Key = (String, String, String, String);

fn number(text: &str) -> String {
    match text {
        "是" => "1".into(),
        "否" => "0".into(),
        t => t
            .parse::<f64>()
            .map(|v| format!("{v}"))
            .unwrap_or_else(|_| t.to_owned()),
    }
}

fn csv_set(text: &str, period_col: &str) -> BTreeSet<Key> {
    let text = text.trim_start_matches('\u{feff}');
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let headers = rd.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (i, r, p, v) = (
        col("indicator"),
        col("region"),
        col(period_col),
        col("value"),
    );
    rd.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (
                rec[i].to_owned(),
                rec[r].to_owned(),
                rec[p].to_owned(),
                number(&rec[v]),
            )
        })
        .collect()
}

fn json_set(values: &[Value]) -> BTreeSet<Key> {
    values
        .iter()
        .map(|v| {
            (
                v["indicator"].as_str().unwrap().to_owned(),
                v["region"].as_str().unwrap().to_owned(),
                v["period"].as_str().unwrap().to_owned(),
                number(v["value"].as_str().unwrap()),
            )
        })
        .collect()
}

async fn anonymous_reads_return_exactly_the_open_data_set(db: TestDb) {
    db.store.load_demo().await.unwrap();
    let store = db.store.clone();
    let app = TestApp::start(db).await;
    // A correction approved in a published year leaves a superseded row behind (the history
    // the public must not see), and an unpublished indicator takes its values off the portal.
    let old = store
        .values(&ValueFilter {
            indicator: Some("forest_grass_coverage".into()),
            region: Some("411700".into()),
            period: Some("2023".into()),
            ..ValueFilter::default()
        })
        .await
        .unwrap()
        .into_iter()
        .find(|v| v.is_live())
        .unwrap();
    let old = json!({"id": old.id, "version": old.version});
    let r = app
        .post(
            Some("coordinator"),
            &format!("/api/v1/values/{}/correct", old["id"]),
            json!({"version": old["version"], "value": "21.0", "reason": "统计口径更正"}),
        )
        .await;
    assert_eq!(r.status_code(), 201, "{}", r.text());
    let c: Value = r.json();
    // Nobody approves their own submission: a second member of the creation office does.
    store
        .create_user(
            &Actor::cli("test"),
            NewUser {
                username: "office2".into(),
                display_name: "创建办二".into(),
                role: Role::Coordinator,
                unit: None,
                region: None,
                password: common::PASSWORD.into(),
            },
        )
        .await
        .unwrap();
    let office2 = app.login("office2", common::PASSWORD).await.unwrap();
    let r = app
        .server
        .post(&format!("/api/v1/values/{}/approve", c["id"]))
        .add_header("cookie", HeaderValue::from_str(&office2.cookie).unwrap())
        .add_header(
            "x-csrf-token",
            HeaderValue::from_str(&office2.csrf).unwrap(),
        )
        .json(&json!({"version": c["version"]}))
        .await;
    assert_eq!(r.status_code(), 200, "{}", r.text());
    let r = app
        .request(
            Some("coordinator"),
            Method::PUT,
            "/api/v1/indicators/urban_sewage_treatment_rate/published",
        )
        .json(&json!({"published": false}))
        .await;
    assert_eq!(r.status_code(), 204, "{}", r.text());

    // The open-data set: the latest published year's values.csv holds every published value up
    // to that year.
    let index: Value = app.get(None, "/open-data").await.json();
    let latest = index["latest"].as_i64().unwrap();
    let open = csv_set(
        &app.get(None, &format!("/open-data/{latest}/values.csv"))
            .await
            .text(),
        "year",
    );
    assert!(open.len() > 100, "{} open values", open.len());
    assert!(
        !open.iter().any(|k| k.0 == "urban_sewage_treatment_rate"),
        "an unpublished indicator"
    );
    assert!(
        open.contains(&(
            "forest_grass_coverage".into(),
            "411700".into(),
            "2023".into(),
            "21".into()
        )),
        "the approved correction is in force"
    );

    for path in [
        "/api/v1/values",
        "/api/v1/values?history=true",
        "/api/v1/values?status=approved&history=true",
    ] {
        let got: Vec<Value> = app.all_values(None, path).await;
        assert_eq!(json_set(&got), open, "{path}");
    }
    for path in [
        "/api/v1/values?status=draft",
        "/api/v1/values?status=submitted",
    ] {
        let got: Vec<Value> = app.all_values(None, path).await;
        assert!(got.is_empty(), "{path}: {got:?}");
    }
    assert_eq!(
        csv_set(&app.get(None, "/public/data.csv").await.text(), "period"),
        open,
        "/public/data.csv"
    );
    // Every stored value, asked for by id: the public gets exactly the open ones.
    let mut by_id = BTreeSet::new();
    for v in store
        .values(&ValueFilter {
            include_superseded: true,
            ..ValueFilter::default()
        })
        .await
        .unwrap()
    {
        let r = app.get(None, &format!("/api/v1/values/{}", v.id)).await;
        match r.status_code().as_u16() {
            200 => {
                let d: Value = r.json();
                assert!(d["reviews"].as_array().unwrap().is_empty());
                by_id.extend(json_set(&[d["value"].clone()]));
            }
            401 => {}
            other => panic!("value {}: {other}", v.id),
        }
    }
    assert_eq!(by_id, open, "/api/v1/values/{{id}}");
}

/// The reporter and the reviewer of a unit.
async fn unit_accounts(app: &mut TestApp, unit: &str) {
    for (name, role) in [
        (format!("{unit}-rep"), Role::Reporter),
        (format!("{unit}-rev"), Role::Reviewer),
    ] {
        app.db
            .store
            .create_user(
                &Actor::cli("test"),
                NewUser {
                    username: name.clone(),
                    display_name: name.clone(),
                    role,
                    unit: Some(unit.into()),
                    region: None,
                    password: common::PASSWORD.into(),
                },
            )
            .await
            .unwrap();
        let c = app.login(&name, common::PASSWORD).await.unwrap();
        app.clients.insert(Box::leak(name.into_boxed_str()), c);
    }
}

async fn a_shared_value_is_reported_and_approved_by_its_lead(db: TestDb) {
    let mut app = TestApp::start(db).await;
    // 农村生活污水治理率: 市生态环境局 leads, 市水利局 takes part (task 28).
    unit_accounts(&mut app, "sthjj").await;
    unit_accounts(&mut app, "slj").await;
    let body = json!({"indicator": "rural_sewage_treatment_rate", "region": "411700", "period": "2024", "value": "48"});

    let r = app
        .post(Some("slj-rep"), "/api/v1/values", body.clone())
        .await;
    assert_eq!(r.status_code(), 403, "{}", r.text());
    let m: Value = r.json();
    assert!(
        m["message"].as_str().unwrap().contains("市生态环境局"),
        "the refusal names the lead: {m}"
    );
    let v = app
        .draft(
            "sthjj-rep",
            "rural_sewage_treatment_rate",
            "411700",
            "2024",
            "48",
        )
        .await;

    // The participant sees the lead's work and may comment, but neither resubmits nor approves.
    let r = app
        .get(Some("slj-rep"), &format!("/api/v1/values/{}", v["id"]))
        .await;
    assert_eq!(r.status_code(), 200, "{}", r.text());
    let r = app
        .post(
            Some("slj-rep"),
            &format!("/api/v1/values/{}/submit", v["id"]),
            json!({"version": v["version"]}),
        )
        .await;
    assert_eq!(r.status_code(), 403, "{}", r.text());
    let v = app.step("sthjj-rep", &v, "submit", json!({})).await;
    let r = app
        .post(
            Some("slj-rev"),
            &format!("/api/v1/values/{}/approve", v["id"]),
            json!({"version": v["version"]}),
        )
        .await;
    assert_eq!(
        r.status_code(),
        403,
        "the participant's reviewer: {}",
        r.text()
    );
    let r = app
        .post(
            Some("slj-rep"),
            &format!("/api/v1/values/{}/comments", v["id"]),
            json!({"text": "水利局统计的行政村数为1,842个，请核对分母"}),
        )
        .await;
    assert_eq!(r.status_code(), 201, "{}", r.text());
    // A unit with no part in the value may not comment.
    unit_accounts(&mut app, "lyj").await;
    let r = app
        .post(
            Some("lyj-rep"),
            &format!("/api/v1/values/{}/comments", v["id"]),
            json!({"text": "无关"}),
        )
        .await;
    assert_eq!(r.status_code(), 403, "{}", r.text());
    // The participant's reviewer does not see it in the inbox; the lead's does, and approves.
    let inbox = app.get(Some("slj-rev"), "/review").await.text();
    assert!(!inbox.contains("农村生活污水治理率"), "participant inbox");
    let inbox = app.get(Some("sthjj-rev"), "/review").await.text();
    assert!(inbox.contains("农村生活污水治理率"), "lead inbox");
    app.step("sthjj-rev", &v, "approve", json!({})).await;
    let d: Value = app
        .get(Some("sthjj-rep"), &format!("/api/v1/values/{}", v["id"]))
        .await
        .json();
    assert!(
        d["reviews"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["action"] == "comment" && r["actor"] == "slj-rep"),
        "the comment is kept with the value: {d}"
    );
    // The participant's reporting page shows the value under the lead, read-only, and its
    // template holds no row for it.
    let page = app.get(Some("slj-rep"), "/report?period=2024").await.text();
    let shared = &page[page.find("id=\"shared\"").expect("a 参与 section")..];
    assert!(shared.contains("农村生活污水治理率") && shared.contains("市生态环境局"));
    assert!(!page.contains("name=\"indicator\" value=\"rural_sewage_treatment_rate\""));
    // The audit chain holds the comment and verifies.
    let report: Value = app.get(Some("admin"), "/api/v1/audit/verify").await.json();
    assert!(report["broken"].is_null(), "{report}");
}

async fn every_unit_county_and_district_can_be_managed_and_is_chased(db: TestDb) {
    let app = TestApp::start(db).await;
    let model = app.db.store.current_model().await.unwrap();
    let plan = &model.plan;
    let version = model.catalogue.version(&model.catalogue_version);

    let users = app.get(Some("admin"), "/admin/users").await.text();
    for u in &plan.units {
        assert!(
            users.contains(&format!("value=\"unit:{}\"", u.code)),
            "{}",
            u.name
        );
    }
    let reporting: Vec<_> = plan.reporting_regions().collect();
    assert!(
        reporting.iter().any(|r| r.code == "411702"),
        "驿城区 reports"
    );
    for r in &reporting {
        assert!(
            users.contains(&format!("value=\"region:{}\"", r.code)),
            "{} in the binding drop-down",
            r.name
        );
    }
    let report_page = app
        .get(Some("coordinator"), "/report?period=2025")
        .await
        .text();
    for r in Reporter::all(plan) {
        let q = match &r {
            Reporter::Unit { code, .. } => format!("unit={code}"),
            Reporter::Region { code, .. } => format!("region={code}"),
        };
        let value = q.split_once('=').unwrap().1;
        assert!(
            report_page.contains(&format!("value=\"{value}\"")),
            "{} on the reporting page",
            r.name()
        );
    }
    // Nothing reported for 2025 yet: everyone who reports something is chased, 驿城区 too.
    let owners = Responsibilities::of(plan, version);
    let expected: BTreeSet<String> = Reporter::all(plan)
        .into_iter()
        .filter(|r| !r.reports(plan, version, &owners).is_empty())
        .map(|r| r.code().to_owned())
        .collect();
    let late: Vec<Value> = app
        .get(Some("viewer"), "/api/v1/overdue?year=2025")
        .await
        .json();
    let listed: BTreeSet<String> = late
        .iter()
        .map(|m| m["reporter"]["code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed, expected);
    let yicheng = late
        .iter()
        .find(|m| m["reporter"]["code"] == "411702")
        .unwrap();
    assert_eq!(
        yicheng["owed"].as_u64(),
        Some(42),
        "驿城区 owes 42 indicators"
    );
    let dash = app.get(Some("coordinator"), "/?year=2025").await.text();
    assert!(dash.contains("驿城区"), "the dashboard chases 驿城区");

    // The list is kept between requests, never past a write: a county that submits one of its
    // values is chased for one fewer at once.
    let missing_of = |late: &[Value], code: &str| -> Vec<String> {
        late.iter()
            .find(|m| m["reporter"]["code"] == code)
            .map(|m| {
                m["missing"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| d["indicator"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    let before = missing_of(&late, "411727");
    assert!(!before.is_empty(), "the test county owes something");
    let again: Vec<Value> = app
        .get(Some("viewer"), "/api/v1/overdue?year=2025")
        .await
        .json();
    assert_eq!(again, late, "the same list again");
    let ind = &before[0];
    let v = app.draft("county", ind, "411727", "2025", "1").await;
    app.step("county", &v, "submit", json!({})).await;
    let after: Vec<Value> = app
        .get(Some("viewer"), "/api/v1/overdue?year=2025")
        .await
        .json();
    let now = missing_of(&after, "411727");
    assert_eq!(now.len() + 1, before.len(), "{ind} still chased: {now:?}");
    assert!(!now.contains(ind));
}

async fn nobody_signed_in_gets_401_before_the_body_is_read(db: TestDb) {
    let app = TestApp::start(db).await;
    let r = app.post(None, "/api/v1/values", json!({})).await;
    assert_eq!(r.status_code(), 401, "{}", r.text());
    assert_eq!(r.json::<Value>()["code"], "unauthorized");
    // Every documented write, with a body that is not even JSON.
    let doc: Value = app.get(None, "/api/v1/openapi.json").await.json();
    let mut writes = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, _) in item.as_object().unwrap() {
            let m = match method.as_str() {
                "post" => Method::POST,
                "put" => Method::PUT,
                "patch" => Method::PATCH,
                "delete" => Method::DELETE,
                _ => continue,
            };
            if path == "/api/v1/session" {
                continue;
            }
            let concrete = path
                .replace("{id}", "1")
                .replace("{code}", "ei")
                .replace("{name}", "2021")
                .replace("{period}", "2024");
            let r = app
                .request(None, m.clone(), &concrete)
                .add_header("content-type", HeaderValue::from_static("application/json"))
                .bytes("{not json".into())
                .await;
            assert_eq!(r.status_code(), 401, "{m} {concrete}: {}", r.text());
            writes += 1;
        }
    }
    assert!(writes >= 25, "{writes} writes checked");
    // A page form: to the login page, nothing read.
    let r = app
        .request(None, Method::POST, "/report/value")
        .add_header(
            "content-type",
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        )
        .bytes("garbage=%ZZ".into())
        .await;
    assert_eq!(r.status_code(), 303, "{}", r.text());
    assert!(r.header("location").to_str().unwrap().starts_with("/login"));
    // Unknown paths and unsupported methods still say so.
    let r = app
        .request(None, Method::POST, "/api/v1/nothing-here")
        .await;
    assert_eq!(r.status_code(), 404);
    let r = app.request(None, Method::PATCH, "/api/v1/plan").await;
    assert_eq!(r.status_code(), 405);
}

async fn the_coordinator_sees_targets_laxer_than_the_national_threshold(db: TestDb) {
    let app = TestApp::start(db).await;
    let page = app.get(Some("coordinator"), "/admin/plan").await.text();
    assert!(
        page.contains(
            "任务12 生态环境状况指数（EI）≥55（2025年）低于国家约束性指标 平原地区≥60（2021版第10项）"
        ),
        "the 管理 page lists the finding"
    );
    let en = app
        .get(Some("coordinator"), "/admin/plan?lang=en")
        .await
        .text();
    assert!(
        en.contains("asks less than the national binding indicator"),
        "in English"
    );
    let findings: Vec<Value> = app.get(None, "/api/v1/plan/findings").await.json();
    assert!(
        findings
            .iter()
            .any(|f| f["indicator"] == "ei" && f["task"] == 12)
    );
}

both_backends_owned! {
    anonymous_reads_are_open_data => anonymous_reads_return_exactly_the_open_data_set;
    shared_values_have_one_owner => a_shared_value_is_reported_and_approved_by_its_lead;
    every_region_can_be_managed => every_unit_county_and_district_can_be_managed_and_is_chased;
    authentication_before_parsing => nobody_signed_in_gets_401_before_the_body_is_read;
    plan_findings_are_shown => the_coordinator_sees_targets_laxer_than_the_national_threshold;
}
