//! Issue 12's findings on authentication, each a regression test over a real socket on both
//! backends: the client address behind a proxy (item 3), redirects after login (4), lockout
//! per account and source (6), guessing through the password change (10), one answer for every
//! refused login (11), weak passwords (12).

mod common;

use axum::http::{HeaderValue, Method};
use common::TestApp;
use ecociv_store::both_backends_owned;
use ecociv_store::testing::TestDb;
use ecociv_web::WebConfig;
use serde_json::{Value, json};

/// A login through the API from `addr` as the proxy appended it to `X-Forwarded-For`, after
/// what the client wrote there itself (`spoofed`).
async fn login_via_proxy(
    app: &TestApp,
    spoofed: &str,
    addr: &str,
    username: &str,
    password: &str,
) -> axum_test::TestResponse {
    app.server
        .post("/api/v1/session")
        .add_header(
            "x-forwarded-for",
            HeaderValue::from_str(&format!("{spoofed}, {addr}")).unwrap(),
        )
        .json(&json!({"username": username, "password": password}))
        .await
}

fn behind_proxy(burst: u32) -> WebConfig {
    WebConfig {
        behind_proxy: true,
        login_burst: burst,
        login_refill_seconds: 3600,
        ..WebConfig::default()
    }
}

/// The newest audit events of an entity, newest first.
async fn audit(app: &TestApp, entity: &str, limit: usize) -> Vec<Value> {
    app.get(
        Some("admin"),
        &format!("/api/v1/audit?entity={entity}&limit={limit}"),
    )
    .await
    .json()
}

// ---- item 3 ---------------------------------------------------------------------------------

async fn the_rate_limit_keys_on_the_address_the_proxy_appended(db: TestDb) {
    // The accounts' own logins at start come from 127.0.0.1 (no header): their own quota.
    let app = TestApp::start_with(db, behind_proxy(10)).await;
    // 40 rapid logins with a new left-most value each: the address nginx appended is the same.
    let mut statuses = Vec::new();
    for i in 0..40 {
        let r = login_via_proxy(
            &app,
            &format!("10.9.{}.{}", i / 200, i % 200 + 1),
            "203.0.113.7",
            "viewer",
            "wrong-password",
        )
        .await;
        statuses.push(r.status_code().as_u16());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        30,
        "the 11th and later are over the quota of 203.0.113.7: {statuses:?}"
    );
    let r = login_via_proxy(&app, "1.1.1.1", "203.0.113.7", "viewer", "wrong-password").await;
    assert_eq!(r.json::<Value>()["code"], "rate_limited");
    // Another client behind the same proxy is not held up.
    let r = login_via_proxy(&app, "10.9.0.1", "203.0.113.8", "viewer", common::PASSWORD).await;
    assert_eq!(r.status_code(), 200, "{}", r.text());
    // The audit log records the address the proxy saw, not what the client wrote.
    let events = audit(&app, "login:viewer", 50).await;
    assert!(!events.is_empty());
    for e in &events {
        assert_eq!(e["after"]["client"], "203.0.113.7", "{e}");
    }
}

// ---- item 4 ---------------------------------------------------------------------------------

/// Values of `next` that must never lead off the site: what browsers, proxies and servers have
/// been known to read as another host, or to split a header on (issue 12, item 4).
const OFF_SITE_PATHS: &[&str] = &[
    "//evil.example",
    "///evil.example",
    "////evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\\/evil.example",
    "/\t/evil.example",
    "/%09/evil.example",
    "/%2F/evil.example",
    "/%2f%2fevil.example",
    "/%252F/evil.example",
    "/%5Cevil.example",
    "/%5C%5Cevil.example",
    "/%255C/evil.example",
    "%2F%2Fevil.example",
    "https://evil.example",
    "http:evil.example",
    "HTTPS://evil.example/",
    "javascript:alert(1)",
    "evil.example",
    "/\r\n/evil.example",
    "/%0d%0a/evil.example",
    "/%0D%0ALocation:%20https://evil.example",
    "/%E2%80%A8/evil.example",
    "/\u{a0}/evil.example",
    "/ /evil.example",
    " //evil.example",
    "/.//evil.example",
    "/./evil.example",
    "/..//evil.example",
    "/%2e%2e//evil.example",
    "/%2e/%2fevil.example",
    "/foo/..//evil.example",
    "/%00/evil.example",
    "",
];

async fn no_next_leads_off_the_site_after_login(db: TestDb) {
    let app = TestApp::start(db).await;
    for next in OFF_SITE_PATHS {
        // The form's hidden field, as the login page renders it from the query.
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("next", next)
            .finish();
        let page = app.get(None, &format!("/login?{query}")).await;
        assert_eq!(page.status_code(), 200, "{next:?}");
        assert!(
            page.text()
                .contains(r#"<input type="hidden" name="next" value="/">"#),
            "{next:?} kept in the form"
        );
        // The redirect after a successful login.
        let r = app
            .server
            .post("/login")
            .form(&[
                ("username", "viewer"),
                ("password", common::PASSWORD),
                ("next", next),
            ])
            .await;
        assert_eq!(r.status_code(), 303, "{next:?}");
        assert_eq!(r.header("location"), "/", "{next:?}");
    }
    // Paths on the site are followed.
    for (next, location) in [
        ("/report?period=2025", "/report?period=2025"),
        ("/values/12#comments", "/values/12#comments"),
        (
            "/indicators?area=生态空间",
            "/indicators?area=%E7%94%9F%E6%80%81%E7%A9%BA%E9%97%B4",
        ),
    ] {
        let r = app
            .server
            .post("/login")
            .form(&[
                ("username", "viewer"),
                ("password", common::PASSWORD),
                ("next", next),
            ])
            .await;
        assert_eq!(r.header("location"), location);
    }
}

// ---- item 6 ---------------------------------------------------------------------------------

async fn a_lockout_holds_for_the_source_not_for_the_account(db: TestDb) {
    let app = TestApp::start_with(db, behind_proxy(1000)).await;
    // Someone who knows the reviewer's name guesses five times from their address.
    for _ in 0..5 {
        let r = login_via_proxy(&app, "", "198.51.100.66", "reviewer", "wrong-password").await;
        assert_eq!(r.status_code(), 401);
    }
    // That address is locked out of the account, even with the right password…
    let r = login_via_proxy(&app, "", "198.51.100.66", "reviewer", common::PASSWORD).await;
    assert_eq!(r.status_code(), 401);
    // …and so is the /64 of an IPv6 address.
    for _ in 0..5 {
        login_via_proxy(&app, "", "2001:db8:66:1::1", "reviewer", "wrong-password").await;
    }
    let r = login_via_proxy(
        &app,
        "",
        "2001:db8:66:1::ffff",
        "reviewer",
        common::PASSWORD,
    )
    .await;
    assert_eq!(r.status_code(), 401);
    // The reviewer, from their own address, signs in as ever (and the attacker rotating the
    // left-most value of the header changes nothing).
    let r = login_via_proxy(
        &app,
        "198.51.100.66",
        "192.0.2.5",
        "reviewer",
        common::PASSWORD,
    )
    .await;
    assert_eq!(r.status_code(), 200, "{}", r.text());
    let r = login_via_proxy(&app, "", "2001:db8:66:2::1", "reviewer", common::PASSWORD).await;
    assert_eq!(r.status_code(), 200, "another /64");
    // The lockout is audited with the address it holds for.
    let events = audit(&app, "login:reviewer", 20).await;
    let locked: Vec<&Value> = events
        .iter()
        .filter(|e| e["action"] == "account.locked")
        .collect();
    assert_eq!(locked.len(), 2, "{events:?}");
    assert_eq!(locked[1]["after"]["client"], "198.51.100.66");
    assert_eq!(locked[0]["after"]["source"], "2001:db8:66:1::/64");
    assert!(events.iter().any(|e| e["action"] == "login.locked"));
}

// ---- item 10 --------------------------------------------------------------------------------

async fn guessing_the_current_password_is_limited_and_audited(db: TestDb) {
    let app = TestApp::start_with(db, behind_proxy(12)).await;
    let me = app.clients["viewer"].clone();
    let change = |addr: &'static str, current: &'static str| {
        app.post(
            Some("viewer"),
            &format!("/api/v1/users/{}/password", me.user_id),
            json!({"current_password": current, "new_password": "a-new-password-7"}),
        )
        .add_header("x-forwarded-for", addr)
    };
    // Wrong guesses are answered as before, and counted like failed logins.
    for _ in 0..5 {
        let r = change("192.0.2.10", "not-my-password").await;
        assert_eq!(r.status_code(), 422, "{}", r.text());
        assert_eq!(r.json::<Value>()["details"]["field"], "current_password");
    }
    // Then that address may not try again for a while, not even with the right password.
    let r = change("192.0.2.10", common::PASSWORD).await;
    assert_eq!(r.status_code(), 429);
    assert_eq!(r.json::<Value>()["code"], "locked");
    // It is one count with the login's.
    let r = login_via_proxy(&app, "", "192.0.2.10", "viewer", common::PASSWORD).await;
    assert_eq!(r.status_code(), 401);
    // And the per-address rate limit of logins holds here too: 12 attempts, then 429 at once.
    let mut codes = Vec::new();
    for _ in 0..30 {
        let r = change("192.0.2.10", "not-my-password").await;
        codes.push(r.json::<Value>()["code"].as_str().unwrap_or("").to_owned());
    }
    assert_eq!(
        codes.iter().filter(|c| *c == "rate_limited").count(),
        25,
        "{codes:?}"
    );
    // Every guess is in the audit log, with the address.
    let events = audit(&app, "login:viewer", 50).await;
    let failed: Vec<&Value> = events
        .iter()
        .filter(|e| e["action"] == "password.failed")
        .collect();
    assert_eq!(failed.len(), 4, "{events:?}");
    assert_eq!(failed[0]["after"]["client"], "192.0.2.10");
    assert_eq!(failed[0]["after"]["reason"], "wrong_current_password");
    assert!(events.iter().any(|e| e["action"] == "account.locked"));
    assert!(events.iter().any(|e| e["action"] == "password.locked"));
    // From elsewhere, the user changes the password.
    let r = change("192.0.2.11", common::PASSWORD).await;
    assert_eq!(r.status_code(), 204, "{}", r.text());
}

// ---- item 11 --------------------------------------------------------------------------------

async fn every_refused_login_gets_the_same_answer(db: TestDb) {
    let app = TestApp::start_with(db, behind_proxy(1000)).await;
    // A locked source (five wrong passwords from 198.51.100.7) and a disabled account.
    for _ in 0..5 {
        login_via_proxy(&app, "", "198.51.100.7", "forestry", "wrong-password").await;
    }
    let victim = app.clients["victim"].user_id;
    let r = app
        .request(
            Some("admin"),
            Method::PATCH,
            &format!("/api/v1/users/{victim}"),
        )
        .json(&json!({"version": 1, "disabled": true}))
        .await;
    assert_eq!(r.status_code(), 200, "{}", r.text());

    let cases = [
        ("nobody-by-this-name", "wrong-password", "unknown"),
        ("county", "wrong-password", "wrong password"),
        ("forestry", common::PASSWORD, "locked"),
        ("victim", common::PASSWORD, "disabled"),
    ];
    let mut api = Vec::new();
    let mut pages = Vec::new();
    for (username, password, what) in cases {
        let r = login_via_proxy(&app, "", "198.51.100.7", username, password).await;
        api.push((what, r.status_code().as_u16(), r.text()));
        let r = app
            .server
            .post("/login")
            .add_header("x-forwarded-for", "198.51.100.7")
            .form(&[
                ("username", username),
                ("password", password),
                ("next", "/"),
            ])
            .await;
        // The page repeats the name typed; the rest must not differ.
        let page = r
            .text()
            .replace(&format!("value=\"{username}\""), "value=\"\"");
        pages.push((what, r.status_code().as_u16(), page));
    }
    for (what, status, body) in &api {
        assert_eq!(*status, 401, "{what}: {body}");
        assert_eq!(body, &api[0].2, "{what}");
    }
    assert!(api[0].2.contains("用户名或密码错误"));
    for (what, status, page) in &pages {
        assert_eq!(*status, 401, "{what}");
        assert_eq!(page, &pages[0].2, "{what}");
    }
    // Each refusal is audited with its true reason.
    let reasons: Vec<String> = audit(&app, "login", 40)
        .await
        .iter()
        .filter_map(|e| e["after"]["reason"].as_str().map(str::to_owned))
        .collect();
    for reason in ["unknown_user", "wrong_password", "locked", "disabled"] {
        assert!(reasons.iter().any(|r| r == reason), "{reason}: {reasons:?}");
    }
}

// ---- item 12 --------------------------------------------------------------------------------

async fn weak_passwords_are_refused(db: TestDb) {
    let app = TestApp::start(db).await;
    let create = |username: &str, password: &str| {
        app.post(
            Some("admin"),
            "/api/v1/users",
            json!({"username": username, "display_name": "新用户", "role": "viewer", "password": password}),
        )
    };
    for (password, needle) in [
        ("aaaaaaaaaa", "不同的字符"),
        ("password123", "过于常见"),
        ("P@ssw0rd2024", "过于常见"),
        ("1234567890", "过于常见"),
        ("qwertyuiop", "过于常见"),
        ("woaini1314520", "过于常见"),
        ("new.user2024", "用户名"),
        ("short", "至少需要10个字符"),
    ] {
        let r = create("new.user", password).await;
        assert_eq!(r.status_code(), 422, "{password}: {}", r.text());
        let body: Value = r.json();
        assert_eq!(body["details"]["field"], "password", "{password}");
        assert!(
            body["message"].as_str().unwrap().contains(needle),
            "{password}: {body}"
        );
    }
    let r = create("new.user", "river-otter-lantern").await;
    assert_eq!(r.status_code(), 201, "{}", r.text());
    // The same rules when a user changes their own password.
    let me = app.clients["viewer"].user_id;
    let r = app
        .post(
            Some("viewer"),
            &format!("/api/v1/users/{me}/password"),
            json!({"current_password": common::PASSWORD, "new_password": "aaaaaaaaaa"}),
        )
        .await;
    assert_eq!(r.status_code(), 422);
    assert_eq!(r.json::<Value>()["details"]["field"], "new_password");
}

both_backends_owned! {
    item3_rate_limit_behind_proxy => the_rate_limit_keys_on_the_address_the_proxy_appended;
    item4_no_open_redirect => no_next_leads_off_the_site_after_login;
    item6_lockout_per_source => a_lockout_holds_for_the_source_not_for_the_account;
    item10_password_change_guessing => guessing_the_current_password_is_limited_and_audited;
    item11_one_answer => every_refused_login_gets_the_same_answer;
    item12_weak_passwords => weak_passwords_are_refused;
}
