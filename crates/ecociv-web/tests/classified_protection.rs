//! 等级保护 (GB/T 22239-2019, issue 12 item 13), in-process over a real socket, on both backends:
//! the auditor (审计管理员) reads and verifies the audit log and nothing else; nobody alters or
//! deletes audit events through the service; an expired password must be changed before
//! anything else; the management allow-list refuses the administrator's and the auditor's
//! sessions from other addresses.

mod common;

use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderValue, Method};
use common::{PASSWORD, TestApp};
use ecociv_store::testing::TestDb;
use ecociv_store::{ManualClock, StoreConfig, both_backends_owned};
use ecociv_web::WebConfig;
use serde_json::{Value, json};

fn location(r: &axum_test::TestResponse) -> String {
    r.header("location").to_str().unwrap().to_owned()
}

async fn the_auditor_reads_and_verifies_the_audit_log_and_nothing_else(db: TestDb) {
    let app = TestApp::start(db).await;
    // Something to read: a draft by the reporter.
    app.draft(
        "reporter",
        "urban_sewage_treatment_rate",
        "411700",
        "2024",
        "95",
    )
    .await;

    let events: Vec<Value> = app.get(Some("auditor"), "/api/v1/audit").await.json();
    assert!(events.iter().any(|e| e["action"] == "value.create"));
    let r = app.get(Some("auditor"), "/api/v1/audit/verify").await;
    assert_eq!(r.status_code(), 200, "{}", r.text());
    assert!(r.json::<Value>()["broken"].is_null());

    // The pages: the start page is the audit log, which can verify the chain.
    let r = app.get(Some("auditor"), "/").await;
    assert_eq!(r.status_code(), 303);
    assert_eq!(location(&r), "/audit");
    let r = app.get(Some("auditor"), "/audit?verify=1").await;
    assert_eq!(r.status_code(), 200);
    let html = r.text();
    assert!(html.contains("审计链完整"), "{html}");
    assert!(html.contains("value.create"));
    assert!(
        !html.contains("href=\"/indicators\""),
        "no internal navigation"
    );
    assert!(html.contains("审计管理员"));

    // Nothing else: no internal data, no values, no administration (the API side is in the
    // authorization matrix).
    for page in [
        "/indicators",
        "/tasks",
        "/report",
        "/review",
        "/admin",
        "/admin/users",
        "/admin/periods",
    ] {
        let r = app.get(Some("auditor"), page).await;
        assert_eq!(r.status_code(), 403, "{page}");
    }
    for (method, path, body) in [
        (Method::GET, "/api/v1/values", None),
        (Method::GET, "/api/v1/evaluation/2024", None),
        (Method::GET, "/api/v1/users", None),
        (
            Method::POST,
            "/api/v1/values",
            Some(
                json!({"indicator": "forest_coverage", "region": "411700", "period": "2024", "value": 20}),
            ),
        ),
        (
            Method::POST,
            "/api/v1/users",
            Some(json!({"username": "crony", "display_name": "x", "role": "admin"})),
        ),
    ] {
        let mut req = app.request(Some("auditor"), method.clone(), path);
        if let Some(b) = &body {
            req = req.json(b);
        }
        let r = req.await;
        assert_eq!(r.status_code(), 403, "{method} {path}: {}", r.text());
    }
    // Its own password it may change.
    let me = app.clients["auditor"].user_id;
    let r = app
        .post(
            Some("auditor"),
            &format!("/api/v1/users/{me}/password"),
            json!({"current_password": PASSWORD, "new_password": "quiet-harbor-1729"}),
        )
        .await;
    assert_eq!(r.status_code(), 204, "{}", r.text());
}

async fn nobody_alters_or_deletes_audit_events(db: TestDb) {
    let app = TestApp::start(db).await;
    // The API documents reading the log only.
    let doc = ecociv_web::openapi();
    for (path, item) in doc.paths.paths.iter() {
        if path.contains("audit") {
            assert!(
                item.post.is_none()
                    && item.put.is_none()
                    && item.patch.is_none()
                    && item.delete.is_none(),
                "{path} must be read-only"
            );
        }
    }
    let before: Value = app.get(Some("admin"), "/api/v1/audit/verify").await.json();
    assert!(before["broken"].is_null());
    // Whatever the administrator (or anyone) sends, no route changes the log.
    for who in ["admin", "auditor", "coordinator"] {
        for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            for path in [
                "/api/v1/audit",
                "/api/v1/audit/1",
                "/api/v1/audit/verify",
                "/audit",
                "/audit/1",
            ] {
                let r = app
                    .request(Some(who), method.clone(), path)
                    .json(&json!({"seq": 1}))
                    .await;
                let status = r.status_code().as_u16();
                assert!(
                    status == 404 || status == 405,
                    "{who} {method} {path}: {status}"
                );
            }
        }
    }
    let after: Value = app.get(Some("admin"), "/api/v1/audit/verify").await.json();
    assert!(after["broken"].is_null());
    assert_eq!(after["events"], before["events"], "nothing was written");
    // The administrator reads the log (and is audited like everybody).
    let r = app.get(Some("admin"), "/api/v1/audit?limit=5").await;
    assert_eq!(r.status_code(), 200);
}

async fn management_accounts_are_refused_outside_the_allow_list(db: TestDb) {
    // The test client connects from 127.0.0.1, outside 10.0.0.0/8.
    let app = TestApp::start_with(
        db,
        WebConfig {
            login_burst: 1000,
            admin_allow: vec!["10.0.0.0/8".parse().unwrap()],
            ..WebConfig::default()
        },
    )
    .await;
    let r = app.get(Some("admin"), "/api/v1/users").await;
    assert_eq!(r.status_code(), 403, "{}", r.text());
    let body: Value = r.json();
    assert_eq!(body["code"], "forbidden");
    assert!(
        body["message"].as_str().unwrap().contains("127.0.0.1"),
        "{body}"
    );
    let r = app.get(Some("admin"), "/admin/users").await;
    assert_eq!(r.status_code(), 403);
    assert!(r.text().contains("管理地址"));
    let r = app
        .get(Some("admin"), "/api/v1/users?lang=en")
        .add_header("accept-language", HeaderValue::from_static("en"))
        .await;
    assert!(
        r.text().contains("allowed management addresses"),
        "{}",
        r.text()
    );
    let r = app.get(Some("auditor"), "/api/v1/audit").await;
    assert_eq!(r.status_code(), 403);
    // Business roles are not management: the creation office reads the log from anywhere.
    let r = app.get(Some("coordinator"), "/api/v1/audit").await;
    assert_eq!(r.status_code(), 200);
    let r = app.get(Some("viewer"), "/api/v1/values").await;
    assert_eq!(r.status_code(), 200);
    // Signing out still works.
    let r = app
        .request(Some("admin"), Method::DELETE, "/api/v1/session")
        .await;
    assert_eq!(r.status_code(), 204);
}

async fn management_accounts_work_from_the_allow_list(db: TestDb) {
    let app = TestApp::start_with(
        db,
        WebConfig {
            login_burst: 1000,
            admin_allow: vec![
                "192.168.0.0/16".parse().unwrap(),
                "127.0.0.1".parse().unwrap(),
            ],
            ..WebConfig::default()
        },
    )
    .await;
    let r = app.get(Some("admin"), "/api/v1/users").await;
    assert_eq!(r.status_code(), 200, "{}", r.text());
    let r = app.get(Some("auditor"), "/api/v1/audit").await;
    assert_eq!(r.status_code(), 200);
    let r = app.get(Some("admin"), "/admin/users").await;
    assert_eq!(r.status_code(), 200);
}

both_backends_owned! {
    auditor => the_auditor_reads_and_verifies_the_audit_log_and_nothing_else;
    audit_is_append_only => nobody_alters_or_deletes_audit_events;
    allow_list_refuses => management_accounts_are_refused_outside_the_allow_list;
    allow_list_admits => management_accounts_work_from_the_allow_list;
}

// ---- password expiry -------------------------------------------------------------------------

fn expiring() -> StoreConfig {
    StoreConfig {
        password_max_age: Some(Duration::from_secs(90 * 24 * 3600)),
        ..StoreConfig::default()
    }
}

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(chrono::Utc::now()))
}

async fn an_expired_password_must_be_changed_before_anything_else(
    db: TestDb,
    clock: Arc<ManualClock>,
) {
    // The test accounts were given their passwords by the operator: not chosen by their users,
    // so with a maximum age they must be changed first.
    let mut app = TestApp::start(db).await;
    let r = app.get(Some("reporter"), "/api/v1/session").await;
    assert_eq!(r.json::<Value>()["password_expired"], true);
    let r = app.get(Some("reporter"), "/api/v1/values").await;
    assert_eq!(r.status_code(), 403, "{}", r.text());
    assert_eq!(r.json::<Value>()["code"], "password_expired");
    let r = app
        .post(
            Some("reporter"),
            "/api/v1/values",
            json!({"indicator": "urban_sewage_treatment_rate", "region": "411700", "period": "2024", "value": 95}),
        )
        .await;
    assert_eq!(r.status_code(), 403);
    // Pages send the user to the password form.
    let r = app.get(Some("coordinator"), "/").await;
    assert_eq!(r.status_code(), 303);
    assert_eq!(location(&r), "/account/password");
    let r = app.get(Some("coordinator"), "/account/password").await;
    assert_eq!(r.status_code(), 200);
    assert!(r.text().contains("请先修改密码"), "{}", r.text());

    // Changing it through the API: then everything works again after signing in.
    let me = app.clients["reporter"].user_id;
    let r = app
        .post(
            Some("reporter"),
            &format!("/api/v1/users/{me}/password"),
            json!({"current_password": PASSWORD, "new_password": "chosen-password-2"}),
        )
        .await;
    assert_eq!(r.status_code(), 204, "{}", r.text());
    let c = app.login("reporter", "chosen-password-2").await.unwrap();
    app.clients.insert("reporter", c);
    let r = app.get(Some("reporter"), "/api/v1/session").await;
    assert_eq!(r.json::<Value>()["password_expired"], false);
    let r = app.get(Some("reporter"), "/api/v1/values").await;
    assert_eq!(r.status_code(), 200, "{}", r.text());

    // Through the page: two different new passwords are refused, then the change signs out.
    let form = |new: &str, again: &str| {
        format!(
            "current_password={PASSWORD}&new_password={new}&confirm_password={again}&csrf_token={}",
            app.clients["coordinator"].csrf
        )
    };
    let r = app
        .request(Some("coordinator"), Method::POST, "/account/password")
        .text(form("chosen-password-3", "chosen-password-4"))
        .content_type("application/x-www-form-urlencoded")
        .await;
    assert_eq!(r.status_code(), 422);
    assert!(r.text().contains("两次输入的新密码不一致"));
    let r = app
        .request(Some("coordinator"), Method::POST, "/account/password")
        .text(form("chosen-password-3", "chosen-password-3"))
        .content_type("application/x-www-form-urlencoded")
        .await;
    assert_eq!(r.status_code(), 200, "{}", r.text());
    assert!(r.text().contains("密码已修改"));
    assert!(
        r.header("set-cookie")
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(
        app.get(Some("coordinator"), "/api/v1/session")
            .await
            .status_code(),
        401,
        "the change ended the session"
    );
    let c = app.login("coordinator", "chosen-password-3").await.unwrap();
    app.clients.insert("coordinator", c);
    let r = app.get(Some("coordinator"), "/").await;
    assert_eq!(r.status_code(), 200);

    // 91 days on, the chosen password has expired too.
    clock.advance(chrono::Duration::days(91));
    let c = app.login("reporter", "chosen-password-2").await.unwrap();
    app.clients.insert("reporter", c);
    let r = app.get(Some("reporter"), "/api/v1/values").await;
    assert_eq!(r.json::<Value>()["code"], "password_expired");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_password_must_be_changed_sqlite() {
    let c = clock();
    let db = TestDb::sqlite_with(expiring(), c.clone()).await;
    an_expired_password_must_be_changed_before_anything_else(db, c).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_password_must_be_changed_postgres() {
    let c = clock();
    if let Some(db) = TestDb::postgres_with(expiring(), c.clone()).await {
        an_expired_password_must_be_changed_before_anything_else(db, c).await;
    }
}
