//! In-process tests of the HTML pages: every page's status code and key content for the roles
//! that use it, the login redirect for anonymous visitors (the public portal excepted), the
//! refusal of the 管理 and 审核 areas to reporters, the reporting and review forms end to end
//! (CSRF, stale edits, returns, CSV import, evidence), the language switch, the public portal's
//! publication rule, the assets, and basic accessibility of every page (labels, captions,
//! landmarks, the skip link, status words).

use axum::Router;
use axum::body::Body;
use axum::http::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, Request, StatusCode};
use ecociv_store::testing::TestDb;
use ecociv_store::{Actor, NewUser, Role, Store, ValueFilter, WorkflowStatus};
use ecociv_web::{AppState, WebConfig};
use tower::ServiceExt;

#[path = "../../ecociv-report/tests/support/xlsx_edit.rs"]
mod xlsx_edit;

const PASSWORD: &str = "correct-horse-battery";
/// The demo data's last year, where values wait for review or were returned.
const YEAR: &str = "2025";
/// A city value the demo data returned to 市生态环境局 (`sthjj`).
const RETURNED: &str = "rural_sewage_treatment_rate";
const CITY: &str = "411700";

struct App {
    router: Router,
    store: Store,
}

/// A signed-in browser: its session cookie and the CSRF token its forms carry.
#[derive(Clone)]
struct Session {
    cookie: String,
    csrf: String,
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
    body_bytes: Vec<u8>,
}

impl Reply {
    fn location(&self) -> &str {
        self.headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    #[track_caller]
    fn has(&self, needle: &str) -> &Reply {
        assert!(
            self.body.contains(needle),
            "expected {needle:?} in the page ({}):\n{}",
            self.status,
            &self.body[..self.body.len().min(3000)]
        );
        self
    }
}

async fn app(db: &TestDb, demo: bool) -> App {
    if demo {
        db.store.load_demo().await.expect("demo data");
    }
    let system = Actor::system();
    for (name, role, unit, region) in [
        ("admin", Role::Admin, None, None),
        ("coord", Role::Coordinator, None, None),
        ("rep", Role::Reporter, Some("sthjj"), None),
        ("county", Role::Reporter, None, Some("411721")),
        ("reviewer", Role::Reviewer, Some("sthjj"), None),
        ("viewer", Role::Viewer, None, None),
    ] {
        db.store
            .create_user(
                &system,
                NewUser {
                    username: name.into(),
                    display_name: format!("{name} 用户"),
                    role,
                    unit: unit.map(str::to_owned),
                    region: region.map(str::to_owned),
                    password: PASSWORD.into(),
                },
            )
            .await
            .expect("user");
    }
    App {
        router: ecociv_web::app(AppState::new(db.store.clone(), WebConfig::default())),
        store: db.store.clone(),
    }
}

impl App {
    async fn send(&self, req: Request<Body>) -> Reply {
        let resp = self.router.clone().oneshot(req).await.expect("response");
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .expect("body");
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            body_bytes: bytes.to_vec(),
        }
    }

    async fn get(&self, path: &str, who: Option<&Session>) -> Reply {
        let mut req = Request::get(uri(path));
        if let Some(s) = who {
            req = req.header(COOKIE, &s.cookie);
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }

    async fn post(&self, path: &str, who: Option<&Session>, fields: &[(&str, &str)]) -> Reply {
        let mut form = form_urlencoded::Serializer::new(String::new());
        if let Some(s) = who {
            form.append_pair("csrf_token", &s.csrf);
        }
        for (k, v) in fields {
            form.append_pair(k, v);
        }
        let mut req = Request::post(path).header(CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(s) = who {
            req = req.header(COOKIE, &s.cookie);
        }
        self.send(req.body(Body::from(form.finish())).unwrap())
            .await
    }

    /// A multipart form with one file field and text fields.
    async fn upload(
        &self,
        path: &str,
        who: &Session,
        file: (&str, &[u8]),
        fields: &[(&str, &str)],
    ) -> Reply {
        let boundary = "ecocivtestboundary";
        let mut body = Vec::new();
        for (k, v) in std::iter::once(&("csrf_token", who.csrf.as_str())).chain(fields) {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
                file.0
            )
            .as_bytes(),
        );
        body.extend_from_slice(file.1);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let req = Request::post(path)
            .header(
                CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header(COOKIE, &who.cookie)
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    /// Logs in through the login form and reads the CSRF token from the next page.
    async fn login(&self, username: &str) -> Session {
        let r = self
            .post(
                "/login",
                None,
                &[
                    ("username", username),
                    ("password", PASSWORD),
                    ("next", "/public"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.location(), "/public");
        let cookie = r
            .headers
            .get(SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .expect("session cookie")
            .to_owned();
        let mut s = Session {
            cookie,
            csrf: String::new(),
        };
        let page = self.get("/public", Some(&s)).await;
        s.csrf = csrf_of(&page.body).expect("a CSRF token in the logout form");
        s
    }
}

/// A path with its non-ASCII characters percent-encoded, as a browser sends it.
fn uri(path: &str) -> String {
    let mut out = String::new();
    for c in path.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

fn csrf_of(html: &str) -> Option<String> {
    let i = html.find("name=\"csrf_token\" value=\"")? + "name=\"csrf_token\" value=\"".len();
    let j = html[i..].find('"')?;
    Some(html[i..i + j].to_owned()).filter(|s| !s.is_empty())
}

/// The id of the first live value of (indicator, region, period) in a state.
async fn value_id(store: &Store, indicator: &str, status: WorkflowStatus) -> (i64, i64) {
    let v = store
        .values(&ValueFilter {
            indicator: Some(indicator.into()),
            region: Some(CITY.into()),
            period: Some(YEAR.into()),
            status: Some(status),
            ..Default::default()
        })
        .await
        .expect("values")
        .into_iter()
        .next()
        .expect("a value");
    (v.id, v.version)
}

/// Every page an internal user can open, and a word it must show.
fn internal_pages() -> Vec<(String, &'static str)> {
    vec![
        (format!("/?year={YEAR}"), "约束性国家指标"),
        (format!("/indicators?year={YEAR}"), "城镇污水处理率"),
        (
            format!("/indicators?year={YEAR}&area=生态生活&status=met&region=all"),
            "达标",
        ),
        (
            format!("/indicators/urban_sewage_treatment_rate?region={CITY}&year={YEAR}"),
            "计算方法与标准",
        ),
        ("/tasks".into(), "重点任务"),
        ("/tasks?by=unit".into(), "市生态环境局"),
        ("/tasks/1".into(), "任务原文"),
    ]
}

fn public_pages() -> Vec<(String, &'static str)> {
    vec![
        ("/public".into(), "公开数据"),
        (
            "/public/indicators/urban_sewage_treatment_rate".into(),
            "计算方法与标准",
        ),
        ("/public/data.csv".into(), "indicator,indicator_name,region"),
        ("/login".into(), "用户名"),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_answers_the_roles_that_use_it_with_its_key_content() {
    let db = TestDb::sqlite().await;
    let app = app(&db, true).await;
    let coord = app.login("coord").await;
    let admin = app.login("admin").await;
    let rep = app.login("rep").await;
    let reviewer = app.login("reviewer").await;
    let viewer = app.login("viewer").await;

    for who in [&coord, &viewer, &rep, &reviewer] {
        for (path, needle) in internal_pages().iter().chain(&public_pages()) {
            let r = app.get(path, Some(who)).await;
            assert_eq!(r.status, StatusCode::OK, "{path}");
            r.has(needle);
        }
    }
    let pages: Vec<(&Session, String, &str)> = vec![
        (
            &coord,
            format!("/report?period={YEAR}&unit=sthjj"),
            "应报指标",
        ),
        (
            &coord,
            format!("/report?period={YEAR}&region=411721"),
            "应报指标",
        ),
        (&coord, "/report".into(), "选择单位或地区"),
        (&rep, format!("/report?period={YEAR}"), "农村生活污水治理率"),
        (&rep, format!("/report?period={YEAR}"), "应报任务进展"),
        (&coord, "/review".into(), "待审核数据"),
        (&reviewer, "/review".into(), "待审核数据"),
        (&coord, "/audit".into(), "审计日志"),
        (
            &coord,
            "/audit?entity=value&actor=示例数据".into(),
            "value.create",
        ),
        (&admin, "/audit".into(), "审计日志"),
        (&coord, "/admin".into(), "市生态环境局"),
        (&admin, "/admin".into(), "驻马店市"),
        (&admin, "/admin/users".into(), "新建用户"),
        (&coord, "/admin/plan".into(), "实施方案版本"),
        (&coord, "/admin/targets".into(), "下达文件"),
        (&coord, "/admin/periods".into(), "报告期与公开"),
    ];
    for (who, path, needle) in pages {
        let r = app.get(&path, Some(who)).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        r.has(needle);
    }
    // The reporter's page lists what the demo data returned, with the reason.
    app.get(&format!("/report?period={YEAR}"), Some(&rep))
        .await
        .has("请补充统计部门出具的佐证材料后重新提交");
    // The review inbox shows the values the demo data left in review.
    let (id, _) = value_id(
        &app.store,
        "eco_performance_weight",
        WorkflowStatus::Submitted,
    )
    .await;
    app.get("/review", Some(&coord))
        .await
        .has(&format!("/review/value/{id}"));
    // An unknown indicator, task or page is a 404 page in the site's frame.
    for path in [
        "/indicators/nope",
        "/tasks/6",
        "/public/indicators/nope",
        "/nope",
    ] {
        let r = app.get(path, Some(&coord)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        r.has("<main");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_visitors_are_sent_to_login_except_on_the_public_portal() {
    let db = TestDb::sqlite().await;
    let app = app(&db, true).await;
    let internal: Vec<String> = internal_pages()
        .into_iter()
        .map(|(p, _)| p)
        .chain(
            [
                "/report",
                "/review",
                "/audit",
                "/admin",
                "/admin/users",
                "/admin/plan",
                "/admin/targets",
                "/admin/periods",
            ]
            .map(String::from),
        )
        .collect();
    for path in &internal {
        let r = app.get(path, None).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
        let next: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("next", &uri(path))
            .finish();
        assert_eq!(r.location(), format!("/login?{next}"), "{path}");
    }
    for (path, needle) in public_pages() {
        let r = app.get(&path, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        r.has(needle);
    }
    // Forms posted without a session go to the login page too, and change nothing.
    let (id, version) = value_id(
        &app.store,
        "eco_performance_weight",
        WorkflowStatus::Submitted,
    )
    .await;
    let r = app
        .post(
            &format!("/review/value/{id}"),
            None,
            &[("action", "approve"), ("version", &version.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login?next=%2F");
    // Unknown API paths keep answering JSON.
    let api = app.get("/api/v1/nope", None).await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert!(
        api.headers[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(
        app.store.value(id).await.unwrap().status,
        WorkflowStatus::Submitted
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_and_review_areas_refuse_reporters() {
    let db = TestDb::sqlite().await;
    let app = app(&db, true).await;
    let (id, version) = value_id(
        &app.store,
        "eco_performance_weight",
        WorkflowStatus::Submitted,
    )
    .await;
    let version = version.to_string();
    for name in ["rep", "county"] {
        let rep = app.login(name).await;
        for path in [
            "/review",
            "/admin",
            "/admin/users",
            "/admin/plan",
            "/admin/targets",
            "/admin/periods",
            "/audit",
        ] {
            let r = app.get(path, Some(&rep)).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{name} {path}");
            r.has("无权");
        }
        for (path, fields) in [
            (
                format!("/review/value/{id}"),
                vec![("action", "approve"), ("version", version.as_str())],
            ),
            (
                "/admin/periods/2025".to_owned(),
                vec![("action", "publish"), ("version", "0")],
            ),
            (
                "/admin/targets".to_owned(),
                vec![
                    ("indicator", "air_good_days_ratio"),
                    ("region", CITY),
                    ("year", "2025"),
                    ("threshold", ">= 80"),
                    ("document", "x"),
                ],
            ),
            (
                "/admin/users".to_owned(),
                vec![
                    ("username", "mallory"),
                    ("display_name", "m"),
                    ("role", "admin"),
                ],
            ),
            (
                "/admin/plan/catalogue-version".to_owned(),
                vec![("catalogue_version", "2024")],
            ),
        ] {
            let r = app.post(&path, Some(&rep), &fields).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{name} POST {path}");
        }
        // The navigation offers neither area.
        let page = app.get("/report", Some(&rep)).await;
        assert!(!page.body.contains("href=\"/review\""));
        assert!(!page.body.contains("href=\"/admin\""));
    }
    assert_eq!(
        app.store.value(id).await.unwrap().status,
        WorkflowStatus::Submitted
    );
    assert!(app.store.user_by_name("mallory").await.is_err());
    // A viewer reads but neither reports nor reviews; the administrator manages accounts but
    // reviews no data; a reviewer reviews but does not administer.
    let viewer = app.login("viewer").await;
    for path in ["/report", "/review", "/admin"] {
        assert_eq!(
            app.get(path, Some(&viewer)).await.status,
            StatusCode::FORBIDDEN,
            "viewer {path}"
        );
    }
    let admin = app.login("admin").await;
    assert_eq!(
        app.get("/review", Some(&admin)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/admin/plan", Some(&admin)).await.status,
        StatusCode::FORBIDDEN
    );
    let reviewer = app.login("reviewer").await;
    assert_eq!(
        app.get("/admin", Some(&reviewer)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/review", Some(&reviewer)).await.status,
        StatusCode::OK
    );
    let coord = app.login("coord").await;
    assert_eq!(
        app.get("/admin/users", Some(&coord)).await.status,
        StatusCode::FORBIDDEN
    );
}

/// Report → submit → approve through the forms, on both backends.
async fn reporting_and_review_through_forms(db: &TestDb) {
    let app = app(db, true).await;
    let rep = app.login("rep").await;
    let coord = app.login("coord").await;
    let (returned, returned_version) =
        value_id(&app.store, RETURNED, WorkflowStatus::Returned).await;

    // Save a draft of the returned value: back to the page with a notice, the row now a draft.
    let r = app
        .post(
            "/report/value",
            Some(&rep),
            &[
                ("indicator", RETURNED),
                ("region", CITY),
                ("period", YEAR),
                ("value", "68.4"),
                ("comment", "补充台账"),
                ("version", &returned_version.to_string()),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        r.location(),
        format!("/report?period={YEAR}&done=saved#v-{RETURNED}-{CITY}")
    );
    let page = app.get(r.location(), Some(&rep)).await;
    page.has("已保存草稿").has("68.4");
    let v = app.store.value(returned).await.unwrap();
    assert_eq!(
        (v.status, v.value.as_str()),
        (WorkflowStatus::Draft, "68.4")
    );

    // Submit it.
    let r = app
        .post(
            "/report/value",
            Some(&rep),
            &[
                ("indicator", RETURNED),
                ("region", CITY),
                ("period", YEAR),
                ("value", "68.4"),
                ("version", &v.version.to_string()),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let v = app.store.value(returned).await.unwrap();
    assert_eq!(v.status, WorkflowStatus::Submitted);

    // The coordinator sees it in the inbox and approves it.
    app.get("/review", Some(&coord))
        .await
        .has(&format!("/review/value/{returned}"))
        .has("68.4%");
    let r = app
        .post(
            &format!("/review/value/{returned}"),
            Some(&coord),
            &[("action", "approve"), ("version", &v.version.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/review?done=approved");
    assert_eq!(
        app.store.value(returned).await.unwrap().status,
        WorkflowStatus::Approved
    );
    // The dashboard lists the approval; the reporter's row is locked.
    app.get(&format!("/?year={YEAR}"), Some(&coord))
        .await
        .has("最近审核通过")
        .has("农村生活污水治理率（驻马店市，2025）");
    app.get(&format!("/report?period={YEAR}"), Some(&rep))
        .await
        .has("已审核通过，已锁定");

    // A value out of range is refused with the allowed range, beside its form (422). (The value
    // is one 市生态环境局 reports: of 城镇污水处理率 it only takes part, see below.)
    let r = app
        .post(
            "/report/value",
            Some(&rep),
            &[
                ("indicator", "rural_sewage_treatment_rate"),
                ("region", CITY),
                ("period", "2026"),
                ("value", "130"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    r.has("未保存");

    // Task progress: save and submit through the form, then the reviewer-less coordinator
    // returns it with a reason the reporter sees.
    let r = app
        .post(
            "/report/task",
            Some(&rep),
            &[
                ("task", "2"),
                ("unit", "sthjj"),
                ("period", YEAR),
                ("progress", "in_progress"),
                ("percent", "70"),
                ("narrative", "已完成考核办法修订"),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let update = app
        .store
        .task_updates(&ecociv_store::TaskUpdateFilter {
            task: Some(2),
            unit: Some("sthjj".into()),
            period: Some(YEAR.into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .pop()
        .expect("the update");
    assert_eq!(update.status, WorkflowStatus::Submitted);
    let r = app
        .post(
            &format!("/review/task/{}", update.id),
            Some(&coord),
            &[
                ("action", "return"),
                ("version", &update.version.to_string()),
                ("reason", "请附会议纪要"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    app.get(&format!("/report?period={YEAR}"), Some(&rep))
        .await
        .has("请附会议纪要");
    app.get("/tasks/2", Some(&coord))
        .await
        .has("请附会议纪要")
        .has("已完成考核办法修订");
    // The reporter attaches the minutes the coordinator asked for; the task page lists them.
    let r = app
        .upload(
            &format!("/report/task/{}/evidence", update.id),
            &rep,
            ("考核办法修订会议纪要.pdf", b"%PDF-1.4 minutes"),
            &[("back", &format!("/report?period={YEAR}"))],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location().contains("done=uploaded") && r.location().ends_with("#t-2"));
    app.get("/tasks/2", Some(&coord))
        .await
        .has("考核办法修订会议纪要.pdf");
}

ecociv_store::both_backends! {
    reporting_and_review_work_through_forms => reporting_and_review_through_forms;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_edit_shows_the_conflict_in_chinese_with_the_current_value() {
    let db = TestDb::sqlite().await;
    let app = app(&db, true).await;
    let rep = app.login("rep").await;
    let (_, version) = value_id(&app.store, RETURNED, WorkflowStatus::Returned).await;
    let version = version.to_string();
    let save = |value: &'static str| {
        let version = version.clone();
        let app = &app;
        let rep = &rep;
        async move {
            app.post(
                "/report/value",
                Some(rep),
                &[
                    ("indicator", RETURNED),
                    ("region", CITY),
                    ("period", YEAR),
                    ("value", value),
                    ("version", &version),
                    ("action", "save"),
                ],
            )
            .await
        }
    };
    // Two tabs read the same version; the first save wins, the second gets 409.
    assert_eq!(save("61.5").await.status, StatusCode::SEE_OTHER);
    let r = save("62.5").await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    r.has("数据已被他人修改，未保存您的输入")
        .has("当前数值")
        .has("61.5%（草稿")
        // What was typed is kept in the field.
        .has("value=\"62.5\"");
    // The same for a review decision on a stale version.
    let coord = app.login("coord").await;
    let (id, version) = value_id(
        &app.store,
        "eco_performance_weight",
        WorkflowStatus::Submitted,
    )
    .await;
    let r = app
        .post(
            &format!("/review/value/{id}"),
            Some(&coord),
            &[
                ("action", "approve"),
                ("version", &(version - 1).to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    r.has("已被他人修改").has("当前");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_without_the_session_csrf_token_are_refused_with_a_page() {
    let db = TestDb::sqlite().await;
    let app = app(&db, true).await;
    let rep = app.login("rep").await;
    let forged = Session {
        cookie: rep.cookie.clone(),
        csrf: "0".repeat(64),
    };
    let r = app
        .post(
            "/report/value",
            Some(&forged),
            &[
                ("indicator", RETURNED),
                ("region", CITY),
                ("period", YEAR),
                ("value", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        r.headers[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    r.has("CSRF").has("<main");
    // Every form of the reporting page carries the token.
    let page = app.get(&format!("/report?period={YEAR}"), Some(&rep)).await;
    let forms = page.body.matches("<form method=\"post\"").count();
    let tokens = page
        .body
        .matches(&format!("name=\"csrf_token\" value=\"{}\"", rep.csrf))
        .count();
    assert!(forms > 10);
    assert_eq!(
        forms, tokens,
        "every POST form carries the session's CSRF token"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_return_needs_a_reason() {
    let db = TestDb::sqlite().await;
    let app = app(&db, true).await;
    let coord = app.login("coord").await;
    let (id, version) = value_id(
        &app.store,
        "eco_performance_weight",
        WorkflowStatus::Submitted,
    )
    .await;
    let r = app
        .post(
            &format!("/review/value/{id}"),
            Some(&coord),
            &[
                ("action", "return"),
                ("version", &version.to_string()),
                ("reason", " "),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    r.has("原因");
    let r = app
        .post(
            &format!("/review/value/{id}"),
            Some(&coord),
            &[
                ("action", "return"),
                ("version", &version.to_string()),
                ("reason", "口径与上年不一致"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let rep = app.login("rep").await;
    app.get(&format!("/report?period={YEAR}"), Some(&rep))
        .await
        .has("口径与上年不一致");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_import_and_evidence_upload_work_from_the_reporting_page() {
    let db = TestDb::sqlite().await;
    let app = app(&db, true).await;
    let rep = app.login("rep").await;
    // A bad file: every bad row is reported, nothing is imported.
    let bad = "indicator,region,period,value\npublic_satisfaction,411700,2025,85\nurban_sewage_treatment_rate,411700,2026,130\nnope,411700,2026,1\n";
    let r = app
        .upload(
            "/report/import",
            &rep,
            ("bad.csv", bad.as_bytes()),
            &[("period", YEAR)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    r.has("未导入任何数据").has("第3行").has("第4行");
    // Outside the reporter's scope: refused too.
    let foreign = "indicator,region,period,value\nforest_coverage,411721,2026,30\n";
    let r = app
        .upload(
            "/report/import",
            &rep,
            ("x.csv", foreign.as_bytes()),
            &[("period", YEAR)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    // A good file: imported (and submitted), back to the page.
    let good = "indicator,region,period,value\npublic_satisfaction,411700,2025,86.5\n";
    let r = app
        .upload(
            "/report/import",
            &rep,
            ("good.csv", good.as_bytes()),
            &[("period", YEAR), ("submit", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location().contains("done=imported"));
    let (id, _) = value_id(&app.store, "public_satisfaction", WorkflowStatus::Submitted).await;
    // Evidence on it.
    let r = app
        .upload(
            &format!("/report/value/{id}/evidence"),
            &rep,
            ("满意度调查报告.pdf", b"%PDF-1.4 test"),
            &[("back", &format!("/report?period={YEAR}"))],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    app.get(&format!("/report?period={YEAR}"), Some(&rep))
        .await
        .has("满意度调查报告.pdf");
    let coord = app.login("coord").await;
    app.get("/review", Some(&coord))
        .await
        .has("满意度调查报告.pdf");
    // A multipart form without the token is refused.
    let forged = Session {
        cookie: rep.cookie.clone(),
        csrf: "x".into(),
    };
    let r = app
        .upload(
            "/report/import",
            &forged,
            ("good.csv", good.as_bytes()),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_excel_template_downloads_and_imports_from_the_reporting_page() {
    use ecociv_core::{Period, ValueKind};
    use ecociv_report::xlsx_template::{FIRST_DATA_ROW, Layout, Reporter, SHEET_INDICATORS, col};

    let db = TestDb::sqlite().await;
    let app = app(&db, true).await;
    let rep = app.login("rep").await;
    let page = app.get("/report?period=2026", Some(&rep)).await;
    page.has("/api/v1/templates/2026")
        .has("下载本期 Excel 填报模板");
    let r = app.get("/api/v1/templates/2026", Some(&rep)).await;
    assert_eq!(r.status, StatusCode::OK);
    let template = r.body_bytes.clone();
    assert!(template.starts_with(b"PK"), "an xlsx workbook");

    let model = app.store.model();
    let layout = Layout::new(
        &model.plan,
        model.catalogue.version(&model.catalogue_version),
        &Reporter::Unit("市生态环境局".into()),
        "2026".parse::<Period>().unwrap(),
    )
    .unwrap();
    let cell = |i: usize| {
        format!(
            "{}{}",
            char::from(b'A' + col::VALUE as u8),
            FIRST_DATA_ROW as usize + 1 + i
        )
    };
    let mut x = xlsx_edit::Xlsx::open(&template);
    for (i, l) in layout.indicators.iter().enumerate() {
        let v = match (l.kind, l.min, l.max) {
            (ValueKind::YesNo, _, _) => xlsx_edit::Value::Text("是"),
            (_, Some(lo), Some(hi)) => xlsx_edit::Value::Number((lo + hi) / 2.0),
            (_, Some(lo), None) => xlsx_edit::Value::Number(lo + 1.0),
            _ => xlsx_edit::Value::Number(1.0),
        };
        x.set(SHEET_INDICATORS, &cell(i), v);
    }
    let good = x.save();
    // One cell of text where a number belongs: the whole workbook is refused, cell named.
    let number_row = layout
        .indicators
        .iter()
        .position(|l| l.kind == ValueKind::Number)
        .unwrap();
    let mut bad = xlsx_edit::Xlsx::open(&good);
    bad.set(
        SHEET_INDICATORS,
        &cell(number_row),
        xlsx_edit::Value::Text("约九十"),
    );
    let r = app
        .upload(
            "/report/import",
            &rep,
            ("模板.xlsx", &bad.save()),
            &[("period", "2026")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    r.has("工作簿有")
        .has("未导入任何数据")
        .has(&cell(number_row));
    let drafts = |store: Store| async move {
        store
            .values(&ValueFilter {
                period: Some("2026".into()),
                ..ValueFilter::default()
            })
            .await
            .unwrap()
            .len()
    };
    assert_eq!(
        drafts(app.store.clone()).await,
        0,
        "nothing imported from the bad workbook"
    );
    let r = app
        .upload(
            "/report/import",
            &rep,
            ("模板.xlsx", &good),
            &[("period", "2026")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location().contains("done=imported"), "{}", r.location());
    assert_eq!(drafts(app.store.clone()).await, layout.indicators.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_portal_shows_only_approved_values_of_published_years() {
    let db = TestDb::sqlite().await;
    let app = app(&db, true).await;
    // The demo publishes 2019–2024; 2025 has approved values but is not published.
    let csv = app.get("/public/data.csv", None).await;
    assert!(csv.body.starts_with('\u{feff}'));
    assert!(csv.body.contains(",2024,"));
    assert!(!csv.body.contains(",2025,"), "an unpublished year leaks");
    let r = app.get("/public?year=2025", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    app.get("/public", None).await.has("2024年");
    // Publish 2025 through the admin page; now it is there, without values still in review.
    let coord = app.login("coord").await;
    let r = app
        .post(
            "/admin/periods/2025",
            Some(&coord),
            &[("action", "publish"), ("version", "0")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let csv = app.get("/public/data.csv", None).await;
    assert!(csv.body.contains(",2025,"));
    let (submitted, _) = value_id(
        &app.store,
        "eco_performance_weight",
        WorkflowStatus::Submitted,
    )
    .await;
    let v = app.store.value(submitted).await.unwrap();
    assert!(
        !csv.body.contains(&format!(
            "eco_performance_weight,生态文明建设工作占党政实绩考核的比例,411700,驻马店市,2025,{}",
            v.value
        )),
        "a value in review is public"
    );
    app.get("/public?year=2025", None).await.has("2025年");
    // An unpublished indicator disappears from the portal.
    app.store
        .set_indicator_published(&Actor::system(), "urban_sewage_treatment_rate", false)
        .await
        .unwrap();
    assert_eq!(
        app.get("/public/indicators/urban_sewage_treatment_rate", None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert!(
        !app.get("/public/data.csv", None)
            .await
            .body
            .contains("urban_sewage_treatment_rate")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_logout_and_the_language_switch() {
    let db = TestDb::sqlite().await;
    let app = app(&db, true).await;
    let r = app
        .post(
            "/login",
            None,
            &[("username", "coord"), ("password", "wrong"), ("next", "/")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    r.has("用户名或密码错误").has("value=\"coord\"");
    // Never back to another site after login.
    let r = app
        .post(
            "/login",
            None,
            &[
                ("username", "coord"),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(r.location(), "/");
    let coord = app.login("coord").await;
    let r = app.get("/?lang=en", Some(&coord)).await;
    r.has("Dashboard")
        .has("lang=\"en\"")
        .has("Binding national indicators");
    let cookie = r
        .headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("lang="))
        .expect("lang cookie")
        .to_owned();
    assert!(cookie.starts_with("lang=en"));
    let with_lang = Session {
        cookie: format!("{}; lang=en", coord.cookie),
        csrf: coord.csrf.clone(),
    };
    app.get("/indicators", Some(&with_lang))
        .await
        .has("Indicators")
        .has("中文");
    // The charts speak the page's language too: legend and description words, area labels.
    let en = app.get("/?year=2025", Some(&with_lang)).await;
    en.has("Institutions: 12 in all, Met ");
    let zh = app.get("/?year=2025", Some(&coord)).await;
    zh.has("生态制度：共12项，达标");
    let en = app
        .get(
            "/indicators/urban_sewage_treatment_rate?region=411700&year=2025",
            Some(&with_lang),
        )
        .await;
    en.has("values by year").has("plan target line: ");
    let svg = &en.body[en.body.find("<svg").expect("a chart")..];
    let svg = &svg[..svg.find("</svg>").expect("the chart's end")];
    assert!(
        svg.contains("Actual") && svg.contains("Plan target "),
        "{svg}"
    );
    for word in ["实际值", "历年数值", "方案目标", "国家标准", "趋势预测"] {
        assert!(!svg.contains(word), "{word} in the English chart");
    }
    app.get("/indicators", Some(&coord))
        .await
        .has("指标")
        .has("English");
    // Logout ends the session.
    let r = app.post("/logout", Some(&coord), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login");
    assert_eq!(
        app.get("/", Some(&coord)).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_pages_change_users_targets_and_periods() {
    let db = TestDb::sqlite().await;
    let app = app(&db, true).await;
    let admin = app.login("admin").await;
    // A new account with a generated password, shown once.
    let r = app
        .post(
            "/admin/users",
            Some(&admin),
            &[
                ("username", "slj-rep"),
                ("display_name", "市水利局填报员"),
                ("role", "reporter"),
                ("binding", "unit:slj"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.has("只显示这一次").has("slj-rep");
    let u = app.store.user_by_name("slj-rep").await.unwrap();
    assert_eq!((u.role, u.unit.as_deref()), (Role::Reporter, Some("slj")));
    // A reporter without a binding is refused with the store's message.
    let r = app
        .post(
            "/admin/users",
            Some(&admin),
            &[
                ("username", "x1"),
                ("display_name", "x"),
                ("role", "reporter"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Disable with a stale version: 409 page.
    let r = app
        .post(
            &format!("/admin/users/{}", u.id),
            Some(&admin),
            &[
                ("version", &(u.version + 5).to_string()),
                ("role", "reporter"),
                ("binding", "unit:slj"),
                ("disabled", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = app
        .post(
            &format!("/admin/users/{}", u.id),
            Some(&admin),
            &[
                ("version", &u.version.to_string()),
                ("role", "reporter"),
                ("binding", "unit:slj"),
                ("disabled", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(app.store.user_by_name("slj-rep").await.unwrap().disabled);

    let coord = app.login("coord").await;
    let r = app
        .post(
            "/admin/targets",
            Some(&coord),
            &[
                ("indicator", "air_good_days_ratio"),
                ("region", CITY),
                ("year", "2026"),
                ("threshold", ">= 78"),
                ("document", "豫环攻坚办〔2026〕3号"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    app.get("/admin/targets", Some(&coord))
        .await
        .has("豫环攻坚办〔2026〕3号");
    let r = app
        .post(
            "/admin/targets",
            Some(&coord),
            &[
                ("indicator", "air_good_days_ratio"),
                ("region", CITY),
                ("year", "2026"),
                ("threshold", ">= lots"),
                ("document", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Close a period with a reason: reporting into it is refused.
    let r = app
        .post(
            "/admin/periods/2025",
            Some(&coord),
            &[
                ("action", "close"),
                ("version", "0"),
                ("reason", "年度数据已定稿"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let rep = app.login("rep").await;
    let r = app
        .post(
            "/report/value",
            Some(&rep),
            &[
                ("indicator", "public_satisfaction"),
                ("region", CITY),
                ("period", YEAR),
                ("value", "80"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    r.has("年度数据已定稿");
    let r = app
        .post(
            "/admin/plan/catalogue-version",
            Some(&coord),
            &[("catalogue_version", "2024")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    app.get("/admin/plan", Some(&coord))
        .await
        .has("评估采用的国家指标版本：2024");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assets_are_embedded_and_cached_for_a_year() {
    let db = TestDb::sqlite().await;
    let app = app(&db, false).await;
    let page = app.get("/login", None).await;
    for ext in [".css", ".js", ".svg"] {
        let start = page
            .body
            .find("/assets/app.")
            .or_else(|| page.body.find("/assets/icon."));
        assert!(start.is_some());
        let url = page
            .body
            .split('"')
            .find(|s| s.starts_with("/assets/") && s.ends_with(ext))
            .unwrap_or_else(|| panic!("an asset {ext} in the page"));
        let r = app.get(url, None).await;
        assert_eq!(r.status, StatusCode::OK, "{url}");
        assert_eq!(
            r.headers["cache-control"],
            "public, max-age=31536000, immutable"
        );
    }
    let css = page
        .body
        .split('"')
        .find(|s| s.starts_with("/assets/app.") && s.ends_with(".css"))
        .unwrap();
    let css = app.get(css, None).await.body;
    assert!(css.contains("@media print"), "a print stylesheet");
    assert!(css.contains("Noto Sans CJK SC") && css.contains("Microsoft YaHei"));
    assert!(
        !page.body.contains("http://") && !page.body.contains("https://"),
        "nothing loaded from elsewhere"
    );
    assert_eq!(
        app.get("/assets/app.0.css", None).await.status,
        StatusCode::NOT_FOUND
    );
}

/// Every input of every page has a label, every table a caption and header cells with scope,
/// each page has the landmarks and the skip link, and statuses carry words.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_has_labels_captions_landmarks_and_status_words() {
    let db = TestDb::sqlite().await;
    let app = app(&db, true).await;
    let coord = app.login("coord").await;
    let admin = app.login("admin").await;
    let rep = app.login("rep").await;
    let mut pages: Vec<(&Session, String)> = internal_pages()
        .into_iter()
        .map(|(p, _)| (&coord, p))
        .collect();
    pages.extend(
        [
            format!("/report?period={YEAR}&unit=sthjj"),
            "/review".into(),
            "/audit".into(),
            "/admin".into(),
            "/admin/plan".into(),
            "/admin/targets".into(),
            "/admin/periods".into(),
            "/public".into(),
            "/public/indicators/urban_sewage_treatment_rate".into(),
            "/login".into(),
        ]
        .into_iter()
        .map(|p| (&coord, p)),
    );
    pages.push((&admin, "/admin/users".into()));
    pages.push((&rep, format!("/report?period={YEAR}")));
    for (who, path) in pages {
        let html = app.get(&path, Some(who)).await.body;
        assert!(html.starts_with("<!doctype html>"), "{path}");
        for landmark in [
            "<header",
            "<nav",
            "<main id=\"main\"",
            "<footer",
            "class=\"skip\" href=\"#main\"",
            "<h1",
        ] {
            assert!(html.contains(landmark), "{path}: no {landmark}");
        }
        // Labels: every visible control's id has a <label for=…>.
        for tag in ["<input", "<select", "<textarea"] {
            for part in html.split(tag).skip(1) {
                let el = &part[..part.find('>').unwrap_or(part.len())];
                if el.contains("type=\"hidden\"") {
                    continue;
                }
                let id = el
                    .split("id=\"")
                    .nth(1)
                    .and_then(|s| s.split('"').next())
                    .unwrap_or_else(|| panic!("{path}: a {tag} without id: {el}"));
                assert!(
                    html.contains(&format!("for=\"{id}\"")),
                    "{path}: {tag} #{id} has no label"
                );
            }
        }
        // Tables: a caption and scoped header cells.
        let tables = html.matches("<table").count();
        assert_eq!(
            tables,
            html.matches("<caption").count(),
            "{path}: a table without caption"
        );
        assert_eq!(
            html.matches("<th").count(),
            html.matches("<th scope=\"").count() + html.matches("<thead").count(),
            "{path}: a header cell without scope"
        );
        // Statuses: a word after every symbol badge.
        for part in html.split("<span class=\"status status-").skip(1) {
            let body = &part[part.find('>').map_or(0, |i| i + 1)..];
            let body = match body.strip_prefix("<span aria-hidden=\"true\">") {
                Some(rest) => rest.replacen("</span>", "", 1),
                None => body.to_owned(),
            };
            let text = &body[..body.find("</span>").unwrap_or(body.len())];
            assert!(
                text.chars().any(|c| c.is_alphabetic()),
                "{path}: a status without a word: {part:.80}"
            );
        }
        // Charts come with a data table.
        if html.contains("<svg") {
            assert!(html.contains("role=\"img\""), "{path}: chart without role");
            assert!(html.contains("数据表"), "{path}: chart without data table");
        }
    }
}
