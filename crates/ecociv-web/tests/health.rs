//! The load balancer's probes: `/healthz` answers while the process serves, `/readyz` only while
//! the database answers with this build's schema. On SQLite and PostgreSQL.

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

both_backends_owned! {
    probes => the_probes_say_whether_the_service_can_serve;
}
