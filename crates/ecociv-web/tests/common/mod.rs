//! Black-box test helper: the whole app on a real socket (127.0.0.1, port 0) over a fresh
//! database, with accounts for every role.

#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::http::{HeaderValue, Method};
use axum_test::{TestRequest, TestResponse, TestServer};
use ecociv_store::testing::TestDb;
use ecociv_store::{Actor, NewUser, Role};
use ecociv_web::{AppState, WebConfig};
use serde_json::Value;

pub const PASSWORD: &str = "test-password-1";

/// A signed-in client: its cookie and CSRF token.
#[derive(Debug, Clone)]
pub struct Client {
    pub cookie: String,
    pub csrf: String,
    pub user_id: i64,
}

pub struct TestApp {
    pub server: TestServer,
    pub db: TestDb,
    pub clients: HashMap<&'static str, Client>,
}

/// The accounts every test app has: (key, role, unit, region).
pub const ACCOUNTS: &[(&str, Role, Option<&str>, Option<&str>)] = &[
    ("admin", Role::Admin, None, None),
    ("coordinator", Role::Coordinator, None, None),
    // 市城市管理局 owes 城镇污水处理率 for the city.
    ("reporter", Role::Reporter, Some("cgj"), None),
    ("reviewer", Role::Reviewer, Some("cgj"), None),
    ("viewer", Role::Viewer, None, None),
    // Another department, and a county.
    ("forestry", Role::Reporter, Some("lyj"), None),
    ("county", Role::Reporter, None, Some("411727")),
    ("victim", Role::Viewer, None, None),
    // 审计管理员: the audit log, nothing else.
    ("auditor", Role::Auditor, None, None),
];

impl TestApp {
    pub async fn start(db: TestDb) -> TestApp {
        TestApp::start_with(
            db,
            WebConfig {
                login_burst: 1000,
                public_burst: 1_000_000,
                ..WebConfig::default()
            },
        )
        .await
    }

    pub async fn start_with(db: TestDb, config: WebConfig) -> TestApp {
        let state = AppState::new(db.store.clone(), config);
        TestApp::start_with_state(db, state).await
    }

    /// The app with a state made by the test (a chart renderer for the Word report, say).
    pub async fn start_with_state(db: TestDb, state: AppState) -> TestApp {
        for (name, role, unit, region) in ACCOUNTS {
            db.store
                .create_user(
                    &Actor::cli("test"),
                    NewUser {
                        username: (*name).into(),
                        display_name: format!("测试{name}"),
                        role: *role,
                        unit: unit.map(str::to_owned),
                        region: region.map(str::to_owned),
                        password: PASSWORD.into(),
                    },
                )
                .await
                .expect("create account");
        }
        let app = ecociv_web::app(state).into_make_service_with_connect_info::<SocketAddr>();
        let server = TestServer::builder().http_transport().build(app);
        let mut t = TestApp {
            server,
            db,
            clients: HashMap::new(),
        };
        for (name, ..) in ACCOUNTS {
            let c = t.login(name, PASSWORD).await.expect("login");
            t.clients.insert(name, c);
        }
        t
    }

    /// Logs in and returns the client, or the error response.
    pub async fn login(&self, username: &str, password: &str) -> Result<Client, TestResponse> {
        let r = self
            .server
            .post("/api/v1/session")
            .json(&serde_json::json!({"username": username, "password": password}))
            .await;
        if r.status_code() != 200 {
            return Err(r);
        }
        let cookie = r
            .header("set-cookie")
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let body: Value = r.json();
        Ok(Client {
            cookie,
            csrf: body["csrf_token"].as_str().unwrap().to_owned(),
            user_id: body["user"]["id"].as_i64().unwrap(),
        })
    }

    /// A request as `who` (`None`: anonymous), with the session cookie and CSRF token.
    pub fn request(&self, who: Option<&str>, method: Method, path: &str) -> TestRequest {
        let mut r = self.server.method(method, path);
        if let Some(w) = who {
            let c = &self.clients[w];
            r = r
                .add_header("cookie", HeaderValue::from_str(&c.cookie).unwrap())
                .add_header("x-csrf-token", HeaderValue::from_str(&c.csrf).unwrap());
        }
        r
    }

    pub fn get(&self, who: Option<&str>, path: &str) -> TestRequest {
        self.request(who, Method::GET, path)
    }

    pub fn post(&self, who: Option<&str>, path: &str, body: Value) -> TestRequest {
        self.request(who, Method::POST, path).json(&body)
    }

    /// Every value a `GET /api/v1/values…` list holds for `who`, following `next_cursor`
    /// page by page.
    pub async fn all_values(&self, who: Option<&str>, path: &str) -> Vec<Value> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let url = match &cursor {
                Some(c) => format!("{path}{sep}cursor={c}"),
                None => path.to_owned(),
            };
            let r = self.get(who, &url).await;
            assert_eq!(r.status_code(), 200, "{url}: {}", r.text());
            let page: Value = r.json();
            out.extend(
                page["values"]
                    .as_array()
                    .expect("a page of values")
                    .iter()
                    .cloned(),
            );
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return out,
            }
        }
    }

    /// Saves a draft as `who`; returns the value JSON.
    pub async fn draft(
        &self,
        who: &str,
        indicator: &str,
        region: &str,
        period: &str,
        value: &str,
    ) -> Value {
        let r = self
            .post(
                Some(who),
                "/api/v1/values",
                serde_json::json!({"indicator": indicator, "region": region, "period": period, "value": value}),
            )
            .await;
        assert_eq!(r.status_code(), 200, "{}", r.text());
        r.json()
    }

    /// Moves a value through a workflow step as `who`; returns the value JSON.
    pub async fn step(&self, who: &str, v: &Value, action: &str, extra: Value) -> Value {
        let mut body = serde_json::json!({"version": v["version"]});
        if let Value::Object(m) = extra {
            for (k, x) in m {
                body[k] = x;
            }
        }
        let r = self
            .post(
                Some(who),
                &format!("/api/v1/values/{}/{action}", v["id"]),
                body,
            )
            .await;
        assert!(r.status_code().is_success(), "{action}: {}", r.text());
        r.json()
    }
}
