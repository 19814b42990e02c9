//! A write that cannot get the database's write lock in time (another process's long write holds
//! it) is answered 503 with `Retry-After` and the catalogue's message, on the API and on the
//! pages, never 500; the same request goes through once the lock is free. Both backends.

mod common;

use std::sync::Arc;
use std::time::Duration;

use axum::http::Method;
use common::TestApp;
use ecociv_i18n::{Lang, Msg};
use ecociv_store::testing::TestDb;
use ecociv_store::{BUSY_RETRY_AFTER_SECS, StoreConfig, SystemClock};
use serde_json::{Value, json};

/// Writers give up after 300 ms (the default is seconds).
fn quick() -> StoreConfig {
    StoreConfig {
        busy_timeout: Duration::from_millis(300),
        ..StoreConfig::default()
    }
}

fn busy_text(lang: Lang) -> String {
    Msg::DatabaseBusy {
        seconds: BUSY_RETRY_AFTER_SECS,
    }
    .text(lang)
}

fn draft() -> Value {
    json!({"indicator": "urban_sewage_treatment_rate", "region": "411700", "period": "2024",
           "value": "95"})
}

async fn a_busy_database_answers_503_with_retry_after(db: TestDb) {
    let app = TestApp::start(db).await;
    let lock = app.db.hold_write_lock().await;
    let retry_after = BUSY_RETRY_AFTER_SECS.to_string();

    let r = app.post(Some("reporter"), "/api/v1/values", draft()).await;
    assert_eq!(r.status_code(), 503, "{}", r.text());
    assert_eq!(r.header("retry-after").to_str().unwrap(), retry_after);
    let body: Value = r.json();
    assert_eq!(body["code"], "busy");
    assert_eq!(body["message"], busy_text(Lang::Zh));
    assert_eq!(body["details"]["retry_after"], BUSY_RETRY_AFTER_SECS);

    let r = app
        .post(Some("reporter"), "/api/v1/values?lang=en", draft())
        .await;
    assert_eq!(r.status_code(), 503, "{}", r.text());
    assert_eq!(r.header("retry-after").to_str().unwrap(), retry_after);
    assert_eq!(r.json::<Value>()["message"], busy_text(Lang::En));

    // A CSV import over the API.
    let r = app
        .request(
            Some("reporter"),
            Method::POST,
            "/api/v1/import/values?file=a.csv",
        )
        .text("indicator,region,period,value\nurban_sewage_treatment_rate,411700,2024,95\n")
        .await;
    assert_eq!(r.status_code(), 503, "{}", r.text());
    assert_eq!(r.header("retry-after").to_str().unwrap(), retry_after);
    assert_eq!(r.json::<Value>()["code"], "busy");

    // The reporting form: an error page saying so, with the same header.
    let r = app
        .request(Some("reporter"), Method::POST, "/report/value")
        .form(&[
            ("indicator", "urban_sewage_treatment_rate"),
            ("region", "411700"),
            ("period", "2024"),
            ("value", "95"),
            ("action", "save"),
        ])
        .await;
    assert_eq!(r.status_code(), 503, "{}", r.text());
    assert_eq!(r.header("retry-after").to_str().unwrap(), retry_after);
    assert!(r.text().contains(&busy_text(Lang::Zh)), "{}", r.text());

    lock.release().await;
    let r = app.post(Some("reporter"), "/api/v1/values", draft()).await;
    assert_eq!(r.status_code(), 200, "{}", r.text());
}

mod busy_503_retry_after {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let db = TestDb::sqlite_with(quick(), Arc::new(SystemClock)).await;
        a_busy_database_answers_503_with_retry_after(db).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(db) = TestDb::postgres_with(quick(), Arc::new(SystemClock)).await {
            a_busy_database_answers_503_with_retry_after(db).await;
        }
    }
}
