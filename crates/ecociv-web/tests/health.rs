//! The load balancer's probes: `/healthz` answers while the process serves, `/readyz` only while
//! the database answers with this build's schema; the metrics answer only on the host itself.
//! On SQLite and PostgreSQL.

mod common;

use common::TestApp;
use ecociv_store::both_backends_owned;
use ecociv_store::testing::TestDb;
use serde_json::Value;

async fn the_probes_say_whether_the_service_can_serve(db: TestDb) {
    let app = TestApp::start(db).await;
    let r = app.get(None, "/healthz").await;
    assert_eq!(r.status_code(), 200);
    assert_eq!(r.json::<Value>()["status"], "ok");

    let r = app.get(None, "/readyz").await;
    assert_eq!(r.status_code(), 200, "{}", r.text());
    let ready: Value = r.json();
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["database"], true);
    assert_eq!(ready["schema"], ready["expected_schema"]);
    assert!(ready["expected_schema"].as_i64().unwrap() > 1);

    // A database whose schema is behind this build (the newest migration not applied) is not
    // ready, and the body says which schema it has.
    let newest = ready["expected_schema"].as_i64().unwrap();
    app.db
        .raw(&format!(
            "DELETE FROM _sqlx_migrations WHERE version = {newest}"
        ))
        .await;
    let r = app.get(None, "/readyz").await;
    assert_eq!(r.status_code(), 503, "{}", r.text());
    let not: Value = r.json();
    assert_eq!(not["status"], "not_ready");
    assert_ne!(not["schema"], not["expected_schema"]);
    // The process still serves.
    assert_eq!(app.get(None, "/healthz").await.status_code(), 200);

    // A database that does not answer: not ready.
    app.db.store.close().await;
    let r = app.get(None, "/readyz").await;
    assert_eq!(r.status_code(), 503, "{}", r.text());
    assert_eq!(r.json::<Value>()["database"], false);
}

async fn metrics_count_routes_and_are_not_for_the_public(db: TestDb) {
    let app = TestApp::start(db).await;
    for _ in 0..3 {
        assert_eq!(
            app.get(Some("viewer"), "/indicators/ei")
                .await
                .status_code(),
            200
        );
    }
    assert_eq!(
        app.get(Some("viewer"), "/api/v1/evaluation/2024")
            .await
            .status_code(),
        200
    );
    assert_eq!(
        app.get(Some("viewer"), "/api/v1/evaluation/2024")
            .await
            .status_code(),
        200
    );

    // The test server is on 127.0.0.1: a direct request from this host is answered.
    let r = app.get(None, "/metrics").await;
    assert_eq!(r.status_code(), 200, "{}", r.text());
    let text = r.text();
    assert!(
        text.contains(
            "ecociv_http_requests_total{method=\"GET\",route=\"/indicators/{code}\",status=\"200\"} 3"
        ),
        "{text}"
    );
    assert!(text.contains(
        "ecociv_http_request_duration_seconds_count{method=\"GET\",route=\"/indicators/{code}\"} 3"
    ));
    assert!(text.contains("ecociv_db_pool_connections{state=\"open\"}"));
    let number = |name: &str| -> u64 {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .unwrap_or_else(|| panic!("{name} missing"))
            .parse()
            .unwrap()
    };
    assert!(number("ecociv_evaluation_cache_hits_total") >= 1);
    assert!(number("ecociv_evaluations_computed_total") >= 1);
    // No person and no value is in it.
    assert!(!text.contains("viewer"));

    // Through a proxy (forwarded) it does not exist.
    let r = app
        .get(None, "/metrics")
        .add_header("x-forwarded-for", "203.0.113.9")
        .await;
    assert_eq!(r.status_code(), 404);
}

both_backends_owned! {
    probes => the_probes_say_whether_the_service_can_serve;
    metrics => metrics_count_routes_and_are_not_for_the_public;
}
