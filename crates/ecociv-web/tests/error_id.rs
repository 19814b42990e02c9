//! A server error's number (错误编号) is the same on the page, in the JSON and in the log line
//! that holds its cause, so an administrator finds the line a user quotes. One test binary of
//! its own: it installs the process-wide log subscriber that captures the lines.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use axum::http::HeaderValue;
use common::TestApp;
use ecociv_store::both_backends_owned;
use ecociv_store::testing::TestDb;
use serde_json::Value;

/// Everything logged by this process.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn log() -> &'static Captured {
    static LOG: OnceLock<Captured> = OnceLock::new();
    LOG.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing::Level::ERROR)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("one subscriber");
        captured
    })
}

/// The error number a message quotes: the word after 错误编号 / "error number".
fn number_in(text: &str) -> String {
    let after = text
        .split_once("错误编号")
        .or_else(|| text.split_once("error number"))
        .map(|(_, rest)| rest)
        .unwrap_or_else(|| panic!("no error number in {text}"));
    after
        .trim_start()
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect()
}

/// How much has been logged so far.
fn logged_len() -> usize {
    log().0.lock().unwrap().len()
}

/// The `error_id=` values of the log lines written since `from`.
fn logged_ids(from: usize) -> Vec<String> {
    let text = String::from_utf8(log().0.lock().unwrap()[from..].to_vec()).unwrap();
    text.lines()
        .filter_map(|l| l.split_once("error_id=").map(|(_, r)| r))
        .map(|r| r.chars().take_while(char::is_ascii_alphanumeric).collect())
        .collect()
}

async fn the_error_number_is_the_same_on_the_page_in_the_json_and_in_the_log(db: TestDb) {
    // One backend at a time: the log is the whole process's.
    static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _turn = ONE_AT_A_TIME.lock().await;
    log();
    let app = TestApp::start(db).await;
    // Every database read fails from now on: an internal error, not the caller's.
    app.db.store.close().await;

    // Each failed request logs one error number, the one its answer quotes.
    let from = logged_len();
    let r = app.get(None, "/api/v1/values").await;
    assert_eq!(r.status_code(), 500, "{}", r.text());
    let body: Value = r.json();
    assert_eq!(body["code"], "internal");
    let json_id = number_in(body["message"].as_str().unwrap());
    assert_eq!(body["details"]["error_id"], json_id.as_str(), "{body}");
    assert_eq!(logged_ids(from), std::slice::from_ref(&json_id));

    let from = logged_len();
    let r = app
        .get(None, "/public")
        .add_header("accept", HeaderValue::from_static("text/html"))
        .await;
    assert_eq!(r.status_code(), 500);
    let page_id = number_in(&r.text());
    assert_eq!(logged_ids(from), std::slice::from_ref(&page_id));

    let from = logged_len();
    let r = app.get(None, "/api/v1/values?lang=en").await;
    let en_id = number_in(r.json::<Value>()["message"].as_str().unwrap());
    assert_eq!(logged_ids(from), std::slice::from_ref(&en_id));

    for id in [&json_id, &page_id, &en_id] {
        assert_eq!(id.len(), 8, "{id}");
    }
    assert_ne!(json_id, page_id, "each failure has its own number");
}

both_backends_owned! {
    error_id => the_error_number_is_the_same_on_the_page_in_the_json_and_in_the_log;
}
