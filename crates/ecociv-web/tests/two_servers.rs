//! Two app servers on one database, as behind a load balancer (issue 13, the scale-out path):
//! each server is its own process state (its own store handle, pool, evaluation and page
//! caches, rate limits), and everything a user sees through one is what the other shows at
//! once, because what is shared lives in the database: sessions, the data and its generation
//! (which keys every cache), failed sign-ins and lockouts. On SQLite (two handles on one file)
//! and PostgreSQL.

mod common;

use std::net::SocketAddr;

use axum::http::{HeaderValue, Method};
use axum_test::{TestRequest, TestServer};
use common::{Client, PASSWORD, TestApp};
use ecociv_store::both_backends_owned;
use ecociv_store::testing::TestDb;
use ecociv_web::{AppState, WebConfig};
use serde_json::{Value, json};

/// The second server: another store on the same database, another router.
async fn second_server(app: &TestApp) -> TestServer {
    let store = ecociv_store::Store::open(&app.db.url, ecociv_store::StoreConfig::default())
        .await
        .expect("a second store on the same database");
    let state = AppState::new(
        store,
        WebConfig {
            login_burst: 1000,
            public_burst: 1_000_000,
            ..WebConfig::default()
        },
    );
    let router = ecociv_web::app(state).into_make_service_with_connect_info::<SocketAddr>();
    TestServer::builder().http_transport().build(router)
}

fn on(server: &TestServer, who: &Client, method: Method, path: &str) -> TestRequest {
    server
        .method(method, path)
        .add_header("cookie", HeaderValue::from_str(&who.cookie).unwrap())
        .add_header("x-csrf-token", HeaderValue::from_str(&who.csrf).unwrap())
}

fn result_of(evaluation: &Value, indicator: &str, region: &str) -> Value {
    evaluation["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["indicator"] == indicator && r["region"] == region)
        .cloned()
        .unwrap_or_else(|| panic!("no result for {indicator} {region}"))
}

async fn what_one_server_does_the_other_shows(db: TestDb) {
    let a = TestApp::start(db).await;
    let b = second_server(&a).await;
    let coordinator = a.clients["coordinator"].clone();

    // A session made on one server is good on the other.
    let r = on(&b, &coordinator, Method::GET, "/api/v1/session").await;
    assert_eq!(r.status_code(), 200, "{}", r.text());
    assert_eq!(r.json::<Value>()["user"]["username"], "coordinator");

    // B evaluates (and caches) the year; a value submitted through A is in B's next answer.
    let before: Value = on(&b, &coordinator, Method::GET, "/api/v1/evaluation/2025")
        .await
        .json();
    let sewage = "urban_sewage_treatment_rate";
    assert_ne!(result_of(&before, sewage, "411700")["value"], json!(97.7));
    let v = a.draft("reporter", sewage, "411700", "2025", "97.7").await;
    let submitted = a.step("reporter", &v, "submit", json!({})).await;
    let after: Value = on(&b, &coordinator, Method::GET, "/api/v1/evaluation/2025")
        .await
        .json();
    let r = result_of(&after, sewage, "411700");
    assert_eq!(r["value"], json!(97.7), "{r}");
    assert_eq!(r["value_state"], "pending");
    // The page on B says so too, and B's reviewer may approve what A's reporter submitted.
    let page = on(
        &b,
        &coordinator,
        Method::GET,
        &format!("/indicators/{sewage}?year=2025"),
    )
    .await;
    assert_eq!(page.status_code(), 200);
    assert!(
        page.text().contains("97.7"),
        "the page on B shows A's value"
    );
    let r = on(
        &b,
        &a.clients["reviewer"],
        Method::POST,
        &format!("/api/v1/values/{}/approve", v["id"]),
    )
    .json(&json!({"version": submitted["version"]}))
    .await;
    assert_eq!(r.status_code(), 200, "{}", r.text());
    // …and A answers with the approval at once.
    let now: Value = a
        .get(Some("viewer"), &format!("/api/v1/values/{}", v["id"]))
        .await
        .json();
    assert_eq!(now["value"]["status"], "approved", "{now}");

    // Failed sign-ins count across servers: five wrong passwords, alternating, lock the account
    // for this source on both.
    for i in 0..5 {
        let server = if i % 2 == 0 { &a.server } else { &b };
        let r = server
            .post("/api/v1/session")
            .json(&json!({"username": "victim", "password": "wrong-password"}))
            .await;
        assert_eq!(r.status_code(), 401);
    }
    for server in [&a.server, &b] {
        let r = server
            .post("/api/v1/session")
            .json(&json!({"username": "victim", "password": PASSWORD}))
            .await;
        assert_eq!(r.status_code(), 401, "locked on every server");
    }

    // Signing out on A ends the session on B.
    let viewer = a.clients["viewer"].clone();
    assert_eq!(
        on(&b, &viewer, Method::GET, "/api/v1/session")
            .await
            .status_code(),
        200
    );
    let r = a
        .request(Some("viewer"), Method::DELETE, "/api/v1/session")
        .await;
    assert!(r.status_code().is_success(), "{}", r.text());
    assert_eq!(
        on(&b, &viewer, Method::GET, "/api/v1/session")
            .await
            .status_code(),
        401
    );
}

both_backends_owned! {
    two_servers => what_one_server_does_the_other_shows;
}
