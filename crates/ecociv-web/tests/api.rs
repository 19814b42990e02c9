//! Black-box API tests over a real socket: the workflow, stale writes, bad input, sessions, CSRF,
//! rate limits, the OpenAPI document, on both backends.

mod common;

use axum::http::{HeaderValue, Method};
use axum_test::multipart::{MultipartForm, Part};
use common::TestApp;
use ecociv_store::both_backends_owned;
use ecociv_store::testing::TestDb;
use ecociv_web::WebConfig;
use serde_json::{Value, json};

async fn the_reporting_workflow_runs_through_the_api(db: TestDb) {
    let app = TestApp::start(db).await;
    let v = app
        .draft(
            "reporter",
            "urban_sewage_treatment_rate",
            "411700",
            "2024",
            "95.1%",
        )
        .await;
    assert_eq!(
        (v["status"].as_str(), v["value"].as_str()),
        (Some("draft"), Some("95.1"))
    );
    let v = app.step("reporter", &v, "submit", json!({})).await;
    let v = app
        .step("reviewer", &v, "return", json!({"reason": "请附统计报表"}))
        .await;
    assert_eq!(v["return_reason"], "请附统计报表");
    let r = app
        .post(
            Some("reporter"),
            "/api/v1/values",
            json!({"indicator": "urban_sewage_treatment_rate", "region": "411700", "period": "2024",
                   "value": 95.4, "comment": "已附报表", "version": v["version"]}),
        )
        .await;
    assert_eq!(r.status_code(), 200, "{}", r.text());
    let v: Value = r.json();
    let v = app.step("reporter", &v, "submit", json!({})).await;
    let v = app.step("reviewer", &v, "approve", json!({})).await;
    assert_eq!(v["status"], "approved");

    // Locked: a new draft is refused with 409 (workflow), a correction is a new version.
    let r = app
        .post(
            Some("reporter"),
            "/api/v1/values",
            json!({"indicator": "urban_sewage_treatment_rate", "region": "411700", "period": "2024", "value": 96}),
        )
        .await;
    assert_eq!(r.status_code(), 409);
    assert_eq!(r.json::<Value>()["code"], "workflow");
    let r = app
        .post(
            Some("reporter"),
            &format!("/api/v1/values/{}/correct", v["id"]),
            json!({"version": v["version"], "value": "95.6", "reason": "统计局复核更正"}),
        )
        .await;
    assert_eq!(r.status_code(), 201, "{}", r.text());
    let fix: Value = r.json();
    assert_eq!(
        (fix["supersedes"].clone(), fix["correction"].clone()),
        (v["id"].clone(), json!(1))
    );
    let fix = app.step("coordinator", &fix, "approve", json!({})).await;
    let detail: Value = app
        .get(Some("viewer"), &format!("/api/v1/values/{}", v["id"]))
        .await
        .json();
    assert_eq!(detail["value"]["superseded_by"], fix["id"]);
    let actions: Vec<&str> = detail["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["submit", "return", "submit", "approve"]);

    // Closed periods refuse writes; reopening needs the coordinator and a reason.
    let r = app
        .post(
            Some("coordinator"),
            "/api/v1/periods/2024/close",
            json!({"version": 0, "reason": "已报省厅"}),
        )
        .await;
    assert_eq!(r.status_code(), 200, "{}", r.text());
    let r = app
        .post(
            Some("reporter"),
            "/api/v1/values",
            json!({"indicator": "urban_sewage_treatment_rate", "region": "411700", "period": "2024-06", "value": 90}),
        )
        .await;
    assert_eq!(r.status_code(), 409);
    assert!(
        r.json::<Value>()["message"]
            .as_str()
            .unwrap()
            .contains("已关闭")
    );
    let r = app
        .post(
            Some("coordinator"),
            "/api/v1/periods/2024/reopen",
            json!({"version": 1, "reason": " "}),
        )
        .await;
    assert_eq!(r.status_code(), 422);
    assert_eq!(r.json::<Value>()["details"]["field"], "reason");
    let r = app
        .post(
            Some("reporter"),
            "/api/v1/periods/2024/reopen",
            json!({"version": 1, "reason": "补报"}),
        )
        .await;
    assert_eq!(r.status_code(), 403);
    let r = app
        .post(
            Some("coordinator"),
            "/api/v1/periods/2024/reopen",
            json!({"version": 1, "reason": "补报"}),
        )
        .await;
    assert_eq!(r.status_code(), 200);

    // What the unit owes shows the state of each item.
    let owed: Value = app
        .get(Some("reporter"), "/api/v1/obligations?period=2024")
        .await
        .json();
    let item = owed["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["indicator"] == "urban_sewage_treatment_rate" && d["region"] == "411700")
        .expect("owed");
    assert_eq!(item["status"], "approved");
    assert!(
        owed["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["task"] == 24)
    );

    // The evaluation sees the corrected value; the ETag answers 304 while nothing changes.
    let r = app
        .get(Some("viewer"), "/api/v1/evaluation/2024?region=411700")
        .await;
    assert_eq!(r.status_code(), 200);
    let etag = r.header("etag");
    let e: Value = r.json();
    let res = e["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["indicator"] == "urban_sewage_treatment_rate")
        .unwrap();
    assert_eq!(res["value"], 95.6);
    let r = app
        .get(Some("viewer"), "/api/v1/evaluation/2024?region=411700")
        .add_header("if-none-match", etag)
        .await;
    assert_eq!(r.status_code(), 304);

    // Every write above is in the audit log, and the chain holds.
    let report: Value = app.get(Some("admin"), "/api/v1/audit/verify").await.json();
    assert!(report["broken"].is_null(), "{report}");
}

async fn stale_writes_get_409_with_the_current_state(db: TestDb) {
    let app = TestApp::start(db).await;
    let v = app
        .draft(
            "reporter",
            "urban_sewage_treatment_rate",
            "411700",
            "2024",
            "95",
        )
        .await;
    let body = |value: f64| {
        json!({"indicator": "urban_sewage_treatment_rate", "region": "411700", "period": "2024",
               "value": value, "version": 1})
    };
    let first = app
        .post(Some("reporter"), "/api/v1/values", body(95.5))
        .await;
    assert_eq!(first.status_code(), 200);
    let second = app
        .post(Some("coordinator"), "/api/v1/values", body(96.0))
        .await;
    assert_eq!(second.status_code(), 409);
    let err: Value = second.json();
    assert_eq!(err["code"], "conflict");
    assert_eq!(err["details"]["current"]["version"], 2);
    assert_eq!(err["details"]["current"]["value"], "95.5");
    let r = app
        .post(
            Some("reviewer"),
            &format!("/api/v1/values/{}/approve", v["id"]),
            json!({"version": 1}),
        )
        .await;
    assert_eq!(r.status_code(), 409);
    let now: Value = app
        .get(Some("reporter"), &format!("/api/v1/values/{}", v["id"]))
        .await
        .json();
    assert_eq!(
        now["value"]["value"], "95.5",
        "the stale write changed nothing"
    );
}

async fn bad_input_gets_a_clear_4xx_and_changes_nothing(db: TestDb) {
    let app = TestApp::start_with(
        db,
        WebConfig {
            login_burst: 1000,
            max_body_bytes: 4096,
            ..WebConfig::default()
        },
    )
    .await;
    let v = app
        .draft(
            "reporter",
            "urban_sewage_treatment_rate",
            "411700",
            "2024",
            "95",
        )
        .await;
    let generation = app.db.store.generation().await.unwrap();
    let post = |body: Value| app.post(Some("reporter"), "/api/v1/values", body);
    let base = json!({"indicator": "urban_sewage_treatment_rate", "region": "411700", "period": "2023", "value": 95});
    let with = |k: &str, x: Value| {
        let mut b = base.clone();
        b[k] = x;
        b
    };
    let cases: Vec<(Value, u16, &str)> = vec![
        (
            with("indicator", json!("no_such_indicator")),
            422,
            "indicator",
        ),
        (with("region", json!("000000")), 422, "region"),
        (with("period", json!("2040")), 422, "period"),
        (with("period", json!("1990")), 422, "period"),
        (with("period", json!("2024Q7")), 422, "period"),
        (with("value", json!(120)), 422, "value"),
        (with("value", json!("很多")), 422, "value"),
        (with("version", json!("one")), 422, "version"),
        (with("surprise", json!(1)), 422, "surprise"),
        (
            json!({"indicator": "urban_sewage_treatment_rate", "region": "411700", "value": 95}),
            422,
            "period",
        ),
    ];
    for (body, status, field) in cases {
        let r = post(body.clone()).await;
        assert_eq!(r.status_code().as_u16(), status, "{body}: {}", r.text());
        let e: Value = r.json();
        assert_eq!(e["details"]["field"], field, "{body}: {e}");
        let msg = e["message"].as_str().unwrap();
        assert!(
            msg.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "Chinese message: {msg}"
        );
    }
    // A negative count.
    let r = post(json!({"indicator": "contaminated_sites_assessed", "region": "411700", "period": "2023", "value": -1}))
        .await;
    assert_eq!(
        r.status_code(),
        403,
        "not this unit's indicator: {}",
        r.text()
    );
    let r = app
        .post(
            Some("coordinator"),
            "/api/v1/values",
            json!({"indicator": "contaminated_sites_assessed", "region": "411700", "period": "2023", "value": -1}),
        )
        .await;
    assert_eq!(r.status_code(), 422, "{}", r.text());
    assert_eq!(r.json::<Value>()["details"]["field"], "value");
    // A percentage above 100 on a task update.
    let r = app
        .post(
            Some("reporter"),
            "/api/v1/task-updates",
            json!({"task": 24, "period": "2024", "progress": "in_progress", "percent": 150}),
        )
        .await;
    assert_eq!(r.status_code(), 422);
    assert_eq!(r.json::<Value>()["details"]["field"], "percent");

    // Malformed JSON, wrong content type, oversized body.
    let r = app
        .request(Some("reporter"), Method::POST, "/api/v1/values")
        .text("{\"indicator\": ")
        .content_type("application/json")
        .await;
    assert_eq!(r.status_code(), 400);
    assert_eq!(r.json::<Value>()["code"], "invalid");
    let r = app
        .request(Some("reporter"), Method::POST, "/api/v1/values")
        .text("x=1")
        .await;
    assert_eq!(r.status_code(), 415);
    let big = json!({"indicator": "urban_sewage_treatment_rate", "region": "411700", "period": "2023",
                     "value": 95, "comment": "长".repeat(5000)});
    let r = post(big).await;
    assert_eq!(r.status_code(), 413);
    let e: Value = r.json();
    assert_eq!(e["code"], "too_large");
    assert!(e["message"].as_str().unwrap().contains("4096"));

    // Malformed and invalid CSV: a per-row report, nothing imported.
    let r = app
        .request(Some("coordinator"), Method::POST, "/api/v1/import/values?file=县报.csv")
        .text("indicator,region,period,value\nforest_coverage,411700,2023,17\nforest_coverage,411700,20x3,17\nforest_coverage,411700\n")
        .content_type("text/csv")
        .await;
    assert_eq!(r.status_code(), 422, "{}", r.text());
    let e: Value = r.json();
    assert_eq!(e["code"], "import_rejected");
    let rows: Vec<i64> = e["details"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["row"].as_i64().unwrap())
        .collect();
    assert_eq!(rows, [3, 4]);
    let r = app
        .request(Some("coordinator"), Method::POST, "/api/v1/import/values")
        .bytes(vec![0xffu8, 0xfe, 0x00].into())
        .content_type("text/csv")
        .await;
    assert_eq!(r.status_code(), 422);
    assert_eq!(r.json::<Value>()["details"]["field"], "file");

    // An oversized evidence file.
    let limit = app.db.store.config().max_evidence_bytes;
    let r = app
        .request(
            Some("reporter"),
            Method::POST,
            &format!("/api/v1/values/{}/evidence", v["id"]),
        )
        .multipart(MultipartForm::new().add_part(
            "file",
            Part::bytes(vec![7u8; limit + 100_000]).file_name("大文件.bin"),
        ))
        .await;
    assert_eq!(r.status_code(), 413, "{}", r.text());
    assert_eq!(r.json::<Value>()["code"], "too_large");
    let r = app
        .request(
            Some("reporter"),
            Method::POST,
            &format!("/api/v1/values/{}/evidence", v["id"]),
        )
        .multipart(MultipartForm::new().add_text("note", "no file"))
        .await;
    assert_eq!(r.status_code(), 422);

    assert_eq!(
        app.db.store.generation().await.unwrap(),
        generation,
        "nothing changed"
    );
}

async fn sessions_cookies_csrf_and_rate_limits_protect_the_api(db: TestDb) {
    let app = TestApp::start_with(
        db,
        WebConfig {
            // One login per test account at start, then the seven below.
            login_burst: common::ACCOUNTS.len() as u32 + 7,
            login_refill_seconds: 3600,
            ..WebConfig::default()
        },
    )
    .await;
    // The cookie is HttpOnly and SameSite=Lax; the token is not the CSRF token.
    let r = app
        .server
        .post("/api/v1/session")
        .json(&json!({"username": "viewer", "password": common::PASSWORD}))
        .await;
    let cookie = r.header("set-cookie").to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"));

    // A change with the session cookie but without the CSRF token is refused.
    let c = app.clients["reporter"].clone();
    let body = json!({"indicator": "urban_sewage_treatment_rate", "region": "411700", "period": "2024", "value": 95});
    let r = app
        .server
        .post("/api/v1/values")
        .add_header("cookie", HeaderValue::from_str(&c.cookie).unwrap())
        .json(&body)
        .await;
    assert_eq!(r.status_code(), 403);
    assert_eq!(r.json::<Value>()["code"], "csrf");
    let r = app
        .server
        .post("/api/v1/values")
        .add_header("cookie", HeaderValue::from_str(&c.cookie).unwrap())
        .add_header("x-csrf-token", "0".repeat(64))
        .json(&body)
        .await;
    assert_eq!(r.status_code(), 403);
    // A form field is accepted in place of the header (the HTML forms send it).
    let r = app
        .server
        .post("/api/v1/values")
        .add_header("cookie", HeaderValue::from_str(&c.cookie).unwrap())
        .text(format!("csrf_token={}&x=1", c.csrf))
        .content_type("application/x-www-form-urlencoded")
        .await;
    assert_eq!(r.status_code(), 415, "past the CSRF check: {}", r.text());
    // An upload form may carry the token as a field; a wrong one is refused, and other routes
    // take multipart only with the header.
    let v = app
        .draft("coordinator", "forest_coverage", "411700", "2024", "17")
        .await;
    let upload = |token: &str| {
        app.server
            .post(&format!("/api/v1/values/{}/evidence", v["id"]))
            .add_header(
                "cookie",
                HeaderValue::from_str(&app.clients["coordinator"].cookie).unwrap(),
            )
            .multipart(
                MultipartForm::new()
                    .add_text("csrf_token", token.to_owned())
                    .add_part("file", Part::bytes(b"scan".to_vec()).file_name("a.pdf")),
            )
    };
    assert_eq!(
        upload(&app.clients["coordinator"].csrf).await.status_code(),
        201
    );
    let r = upload("bad").await;
    assert_eq!(r.status_code(), 403);
    assert_eq!(r.json::<Value>()["code"], "csrf");
    let r = app
        .server
        .post("/api/v1/values")
        .add_header("cookie", HeaderValue::from_str(&c.cookie).unwrap())
        .multipart(MultipartForm::new().add_text("csrf_token", c.csrf.clone()))
        .await;
    assert_eq!(r.status_code(), 403);
    // A cross-site request is refused by origin, token or not.
    let r = app
        .post(Some("reporter"), "/api/v1/values", body.clone())
        .add_header("origin", "https://evil.example")
        .add_header("sec-fetch-site", "cross-site")
        .await;
    assert_eq!(r.status_code(), 403);
    assert_eq!(r.json::<Value>()["code"], "csrf");

    // Logout ends the session.
    let r = app
        .request(Some("reporter"), Method::DELETE, "/api/v1/session")
        .await;
    assert_eq!(r.status_code(), 204);
    assert!(
        r.header("set-cookie")
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(
        app.get(Some("reporter"), "/api/v1/session")
            .await
            .status_code(),
        401
    );
    assert_eq!(
        app.post(Some("reporter"), "/api/v1/values", body)
            .await
            .status_code(),
        401
    );

    // Five wrong passwords lock this address out of the account (audited), and the refusal is
    // the same as for a wrong password (issue 12; tests/auth_hardening.rs has the rest); the
    // per-address limit then answers 429.
    for _ in 0..5 {
        let r = app.login("victim", "wrong-password").await.unwrap_err();
        assert_eq!(r.status_code(), 401);
        assert!(
            r.json::<Value>()["message"]
                .as_str()
                .unwrap()
                .contains("用户名或密码错误")
        );
    }
    let r = app.login("victim", common::PASSWORD).await.unwrap_err();
    assert_eq!(r.status_code(), 401);
    assert_eq!(r.json::<Value>()["code"], "unauthorized");
    let events: Vec<Value> = app
        .get(Some("admin"), "/api/v1/audit?entity=login:victim&limit=2")
        .await
        .json();
    assert_eq!(events[0]["action"], "login.locked");
    assert_eq!(events[1]["action"], "account.locked");
    // The logins at start, 1 above, 6 here: the next attempt from this address is over the burst.
    let mut limited = None;
    for _ in 0..3 {
        let r = app.login("viewer", "wrong-password").await.unwrap_err();
        if r.status_code() == 429 {
            limited = Some(r);
            break;
        }
    }
    let r = limited.expect("rate limited");
    assert_eq!(r.json::<Value>()["code"], "rate_limited");
}

async fn the_service_documents_itself(db: TestDb) {
    let app = TestApp::start(db).await;
    let doc: Value = app.get(None, "/api/v1/openapi.json").await.json();
    assert!(doc["paths"]["/api/v1/values"]["post"].is_object());
    assert!(doc["components"]["schemas"]["DataValue"].is_object());
    let r = app.get(None, "/api/docs/").await;
    assert_eq!(r.status_code(), 200);
    assert!(r.text().contains("swagger"), "Swagger UI is bundled");
    // The pages (issue 6) replaced the landing page: anonymous visitors go to the login page.
    let r = app.get(None, "/").await;
    assert_eq!(r.status_code(), 303);
    assert_eq!(r.header("location"), "/login?next=%2F");
    let r = app.get(None, "/login").await;
    assert_eq!(r.status_code(), 200);
    assert!(r.text().contains("国家生态文明建设示范市"));
    assert_eq!(r.header("x-content-type-options"), "nosniff");
    let r = app.get(None, "/api/v1/nothing-here").await;
    assert_eq!(r.status_code(), 404);
    assert_eq!(r.json::<Value>()["code"], "not_found");
    let r = app.request(None, Method::PATCH, "/api/v1/plan").await;
    assert_eq!(r.status_code(), 405);
    assert_eq!(r.json::<Value>()["code"], "method_not_allowed");
    // Evidence downloads are attachments, never rendered in the app's origin.
    let v = app
        .draft(
            "reporter",
            "urban_sewage_treatment_rate",
            "411700",
            "2024",
            "95",
        )
        .await;
    let r = app
        .request(
            Some("reporter"),
            Method::POST,
            &format!("/api/v1/values/{}/evidence", v["id"]),
        )
        .multipart(
            MultipartForm::new().add_part(
                "file",
                Part::bytes(b"<script>alert(1)</script>".to_vec())
                    .file_name("x.html")
                    .mime_type("text/html"),
            ),
        )
        .await;
    let sha = r.json::<Value>()["sha256"].as_str().unwrap().to_owned();
    let r = app
        .get(Some("reviewer"), &format!("/api/v1/evidence/{sha}"))
        .await;
    assert_eq!(r.status_code(), 200);
    assert!(
        r.header("content-disposition")
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(r.header("content-security-policy"), "sandbox");
    assert_eq!(
        app.get(Some("forestry"), &format!("/api/v1/evidence/{sha}"))
            .await
            .status_code(),
        403
    );
}

/// Evidence follows the lock of its record: attaching to an approved value, a value of a closed
/// period or an approved task update is refused with 409 and says why.
async fn evidence_is_refused_once_its_record_is_locked(db: TestDb) {
    let app = TestApp::start(db).await;
    let upload = |path: String| {
        app.request(Some("reporter"), Method::POST, &path)
            .multipart(
                MultipartForm::new().add_part(
                    "file",
                    Part::bytes(b"%PDF-1.4 late".to_vec())
                        .file_name("补充材料.pdf")
                        .mime_type("application/pdf"),
                ),
            )
    };
    let refused = |r: &axum_test::TestResponse, says: &str| {
        assert_eq!(r.status_code(), 409, "{}", r.text());
        let e: Value = r.json();
        assert_eq!(e["code"], "workflow");
        let m = e["message"].as_str().unwrap();
        assert!(m.contains("佐证材料") && m.contains(says), "{m}");
    };
    let v = app
        .draft(
            "reporter",
            "urban_sewage_treatment_rate",
            "411700",
            "2023",
            "94",
        )
        .await;
    let r = upload(format!("/api/v1/values/{}/evidence", v["id"])).await;
    assert_eq!(r.status_code(), 201, "{}", r.text());
    let v = app.step("reporter", &v, "submit", json!({})).await;
    let v = app.step("reviewer", &v, "approve", json!({})).await;
    let generation = app.db.store.generation().await.unwrap();
    let r = upload(format!("/api/v1/values/{}/evidence", v["id"])).await;
    refused(&r, "锁定");

    let d = app
        .draft(
            "reporter",
            "urban_sewage_treatment_rate",
            "411700",
            "2022",
            "93",
        )
        .await;
    let r = app
        .post(
            Some("coordinator"),
            "/api/v1/periods/2022/close",
            json!({"version": 0, "reason": "已报省厅"}),
        )
        .await;
    assert_eq!(r.status_code(), 200, "{}", r.text());
    let generation_closed = app.db.store.generation().await.unwrap();
    assert!(generation_closed > generation);
    let r = upload(format!("/api/v1/values/{}/evidence", d["id"])).await;
    refused(&r, "已关闭");

    let t = app
        .post(
            Some("reporter"),
            "/api/v1/task-updates",
            json!({"task": 24, "period": "2024", "progress": "in_progress", "percent": 40, "narrative": "推进中"}),
        )
        .await;
    assert_eq!(t.status_code(), 200, "{}", t.text());
    let t: Value = t.json();
    let t = app
        .post(
            Some("reporter"),
            &format!("/api/v1/task-updates/{}/submit", t["id"]),
            json!({"version": t["version"]}),
        )
        .await;
    assert_eq!(t.status_code(), 200, "{}", t.text());
    let t: Value = t.json();
    let t = app
        .post(
            Some("reviewer"),
            &format!("/api/v1/task-updates/{}/approve", t["id"]),
            json!({"version": t["version"]}),
        )
        .await;
    assert_eq!(t.status_code(), 200, "{}", t.text());
    let t: Value = t.json();
    let generation_task = app.db.store.generation().await.unwrap();
    let r = upload(format!("/api/v1/task-updates/{}/evidence", t["id"])).await;
    refused(&r, "锁定");
    assert_eq!(
        app.db.store.generation().await.unwrap(),
        generation_task,
        "refused uploads change nothing"
    );
}

both_backends_owned! {
    evidence_refused_on_locked_records => evidence_is_refused_once_its_record_is_locked;
    workflow_over_http => the_reporting_workflow_runs_through_the_api;
    stale_write_409_with_current_state => stale_writes_get_409_with_the_current_state;
    bad_input_4xx_nothing_changed => bad_input_gets_a_clear_4xx_and_changes_nothing;
    sessions_csrf_rate_limits => sessions_cookies_csrf_and_rate_limits_protect_the_api;
    openapi_swagger_landing => the_service_documents_itself;
}
