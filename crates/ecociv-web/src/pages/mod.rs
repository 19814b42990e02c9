//! The HTML pages: server-rendered with askama templates (`templates/`), the pages' own CSS and
//! JS (`assets/`, embedded), Simplified Chinese by default with an English switch.
//!
//! Every page is a handler that calls the application layer's use cases with the caller, exactly
//! like the JSON API, and renders their typed results: the pages decide nothing themselves (who
//! may, what a reader sees, what a status is, who is late). The core flows (log in, report,
//! submit, approve or return, read the dashboard, the indicators and the public portal) are plain
//! links and HTML forms; the script only enhances (filter without reload, inline range checks).
//!
//! Forms post `application/x-www-form-urlencoded` (or `multipart/form-data` for files) with the
//! session's CSRF token in the hidden field `csrf_token`, which [`crate::auth::session_layer`]
//! checks. After a successful change a handler redirects (303) back to the page it came from with
//! a short notice in the query string; a refused change (422, 409) re-renders the form page with
//! the message in place, including the current value on a stale edit.
//!
//! Errors: handlers return [`PageError`] (the web's one error type); `error::render_errors` turns
//! it into a redirect to the login page (nobody signed in) or an error page inside the normal
//! layout. A refused form is shown again beside its fields, from the typed `AppError`.

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::{FromRequestParts, Request};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY as CONTENT_SECURITY_POLICY_HEADER, COOKIE, LOCATION,
    SET_COOKIE,
};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use chrono::FixedOffset;
use ecociv_app::policy::{self, Action};
use ecociv_app::{Caller, SessionInfo, User};
use ecociv_core::Status;
use ecociv_core::explain::num;
use ecociv_i18n::{Msg, Words};

use crate::auth::{CurrentUser, session_token};
use crate::error::ApiError;
use crate::state::AppState;

pub mod account;
pub mod admin;
pub mod assets;
pub mod audit;
pub mod dashboard;
pub mod i18n;
pub mod indicators;
pub mod login;
pub mod public;
pub mod report;
pub mod review;
pub mod tasks;

pub use i18n::{Lang, Texts, texts};

/// Every page route.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard::page))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/indicators", get(indicators::list))
        .route("/indicators/{code}", get(indicators::detail))
        .route("/tasks", get(tasks::board))
        .route("/tasks/{number}", get(tasks::detail))
        .route("/report", get(report::page))
        .route("/report/value", post(report::save_value))
        .route("/report/value/{id}/correct", post(report::correct_value))
        .route("/report/value/{id}/evidence", post(report::value_evidence))
        .route("/report/import", post(report::import_csv))
        .route("/report/task", post(report::save_task))
        .route("/report/task/{id}/evidence", post(report::task_evidence))
        .route("/review", get(review::inbox))
        .route("/review/value/{id}", post(review::decide_value))
        .route("/review/task/{id}", post(review::decide_task))
        .route("/audit", get(audit::log))
        .route("/admin", get(admin::index))
        .route("/admin/users", get(admin::users).post(admin::create_user))
        .route("/admin/users/{id}", post(admin::update_user))
        .route("/admin/users/{id}/password", post(admin::reset_password))
        .route("/admin/plan", get(admin::plan))
        .route("/admin/plan/catalogue-version", post(admin::set_version))
        .route("/admin/plan/versions", post(admin::load_plan))
        .route(
            "/admin/targets",
            get(admin::targets).post(admin::put_target),
        )
        .route("/admin/periods", get(admin::periods))
        .route("/admin/periods/{id}", post(admin::change_period))
        .route("/public", get(public::index))
        .route("/public/indicators/{code}", get(public::indicator))
        .route("/public/data.csv", get(public::csv))
        .route("/assets/{file}", get(assets::serve))
        .route("/report/value/{id}/comment", post(report::comment_value))
        .route(
            account::PASSWORD_PATH,
            get(account::form).post(account::change),
        )
        .layer(middleware::from_fn(remember_lang))
}

// ---------------------------------------------------------------------------------------------
// Request context

/// What every page handler needs from the request: the language, the session and the path.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub lang: Lang,
    pub session: Option<Arc<SessionInfo>>,
    /// Path and query as requested (for `next=` and the language switch).
    pub path: String,
}

impl Ctx {
    pub fn user(&self) -> Option<&User> {
        self.session.as_deref().map(|s| &s.user)
    }

    pub fn t(&self) -> &'static Texts {
        texts(self.lang)
    }

    /// The caller of the application's use cases.
    pub fn caller(&self) -> Caller {
        match self.session.as_deref() {
            Some(s) => Caller::session(s),
            None => Caller::anonymous(),
        }
    }

    /// Whether the caller may do `action` at all (to show or hide what it could use).
    pub fn can(&self, action: Action) -> bool {
        policy::allows(&self.caller(), action)
    }

    /// The signed-in user allowed to do `action`, else the login redirect or a 403 page.
    pub fn require(&self, action: Action) -> Result<User, PageError> {
        self.require_any(&[action])
    }

    /// The signed-in user allowed to do any of `actions` (a page that serves several), else the
    /// login redirect or a 403 page.
    pub fn require_any(&self, actions: &[Action]) -> Result<User, PageError> {
        let caller = self.caller();
        let mut last = None;
        for a in actions {
            match policy::require(&caller, *a) {
                Ok(()) => return self.user().cloned().ok_or_else(ApiError::unauthorized),
                Err(e) => last = Some(e),
            }
        }
        Err(last.map_or_else(ApiError::unauthorized, ApiError::from))
    }

    pub fn csrf(&self) -> String {
        self.session
            .as_deref()
            .map(|s| s.csrf_token.clone())
            .unwrap_or_default()
    }
}

/// The language of a request: `?lang=` first, then the cookie, else Chinese.
pub fn lang_of(parts: &Parts) -> Lang {
    lang_from(parts.uri.query(), &parts.headers).unwrap_or_default()
}

/// The language a request names: `?lang=`, then the `lang` cookie.
pub fn lang_from(query: Option<&str>, headers: &axum::http::HeaderMap) -> Option<Lang> {
    query_param(query, "lang")
        .and_then(|l| Lang::parse(&l))
        .or_else(|| cookie(headers, i18n::LANG_COOKIE).and_then(|l| Lang::parse(&l)))
}

fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let user = CurrentUser::from_request_parts(parts, state).await?;
        Ok(Ctx {
            lang: lang_of(parts),
            session: user.0,
            path: parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_else(|| "/".into()),
        })
    }
}

/// `?lang=en` also sets the cookie, so the choice sticks.
async fn remember_lang(req: Request, next: Next) -> Response {
    let chosen = query_param(req.uri().query(), "lang").and_then(|l| Lang::parse(&l));
    let mut resp = next.run(req).await;
    if let Some(lang) = chosen
        && let Ok(v) = HeaderValue::from_str(&format!(
            "{}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            i18n::LANG_COOKIE,
            lang.code()
        ))
    {
        resp.headers_mut().append(SET_COOKIE, v);
    }
    resp
}

// ---------------------------------------------------------------------------------------------
// Layout

/// A link of the main navigation.
#[derive(Debug, Clone)]
pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// Which navigation entry a page belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Dashboard,
    Indicators,
    Tasks,
    Report,
    Review,
    Audit,
    Admin,
    Public,
    None,
}

/// What the frame of every page shows: the header, navigation, user, language switch, the
/// demo-data banner, and the assets.
#[derive(Debug, Clone)]
pub struct Layout {
    pub lang: Lang,
    pub t: &'static Texts,
    pub title: String,
    pub user_name: Option<String>,
    pub user_role: String,
    pub csrf: String,
    pub nav: Vec<NavLink>,
    pub lang_href: String,
    pub demo: bool,
    pub notice: Option<String>,
    pub css: &'static str,
    pub js: &'static str,
    pub icon: &'static str,
}

/// The navigation a user sees: one entry per area they may use (the policy decides).
fn nav_for(user: Option<&User>, t: &'static Texts, section: Section) -> Vec<NavLink> {
    let can = |a: Action| user.is_some_and(|u| policy::role_allows(u.role, a));
    let mut out = Vec::new();
    let mut push = |href, label, s: Section, show: bool| {
        if show {
            out.push(NavLink {
                href,
                label,
                current: s == section,
            });
        }
    };
    let internal = can(Action::ReadInternal);
    push("/", t.nav_dashboard, Section::Dashboard, internal);
    push(
        "/indicators",
        t.nav_indicators,
        Section::Indicators,
        internal,
    );
    push("/tasks", t.nav_tasks, Section::Tasks, internal);
    push(
        "/report",
        t.nav_report,
        Section::Report,
        can(Action::WriteValue) || can(Action::WriteTask),
    );
    push(
        "/review",
        t.nav_review,
        Section::Review,
        can(Action::ReviewValue) || can(Action::ReviewTask),
    );
    push(
        "/audit",
        t.nav_audit,
        Section::Audit,
        can(Action::ReadAudit),
    );
    push(
        "/admin",
        t.nav_admin,
        Section::Admin,
        can(Action::ManageUsers) || can(Action::ManagePlan) || can(Action::ManagePeriods),
    );
    push("/public", t.nav_public, Section::Public, true);
    out
}

/// The same path with `lang=` set to the other language.
fn lang_switch(path: &str, lang: Lang) -> String {
    let (p, q) = path.split_once('?').unwrap_or((path, ""));
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(q.as_bytes())
        .filter(|(k, _)| k != "lang" && k != "done")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.push(("lang".into(), lang.other().code().into()));
    let query: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    format!("{p}?{query}")
}

impl Layout {
    pub async fn new(
        state: &AppState,
        ctx: &Ctx,
        section: Section,
        title: impl Into<String>,
    ) -> Result<Layout, PageError> {
        let demo = state.app.has_demo().await?;
        Ok(Layout::build(ctx, section, title.into(), demo))
    }

    fn build(ctx: &Ctx, section: Section, title: String, demo: bool) -> Layout {
        let t = ctx.t();
        let user = ctx.user();
        Layout {
            lang: ctx.lang,
            t,
            title,
            user_name: user.map(|u| u.display_name.clone()),
            user_role: user.map(|u| u.role.word(ctx.lang)).unwrap_or("").into(),
            csrf: ctx.csrf(),
            nav: nav_for(user, t, section),
            lang_href: lang_switch(&ctx.path, ctx.lang),
            demo,
            notice: None,
            css: assets::url("app.css"),
            js: assets::url("app.js"),
            icon: assets::url("icon.svg"),
        }
    }

    /// Sets the notice shown at the top of the page (after a successful change).
    pub fn with_notice(mut self, notice: Option<String>) -> Layout {
        self.notice = notice;
        self
    }
}

/// What a page may load: only this site's own files; no inline script, no frames, forms only
/// to this site. (Inline styles stay allowed: the server-rendered SVG charts use them.)
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// Renders a template into a response with `status`. Pages are never stored by browsers or
/// proxies: they may show internal data, on shared office computers.
pub fn render(status: StatusCode, tpl: &impl Template) -> Response {
    match tpl.render() {
        Ok(html) => (
            status,
            [
                (CACHE_CONTROL, HeaderValue::from_static("private, no-store")),
                (
                    CONTENT_SECURITY_POLICY_HEADER,
                    HeaderValue::from_static(CONTENT_SECURITY_POLICY),
                ),
            ],
            Html(html),
        )
            .into_response(),
        Err(e) => ApiError::internal(format!("template: {e}")).into_response(),
    }
}

/// 303 to `to`.
pub fn see_other(to: &str) -> Response {
    (
        StatusCode::SEE_OTHER,
        [(
            LOCATION,
            HeaderValue::from_str(to).unwrap_or(HeaderValue::from_static("/")),
        )],
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------------
// Errors

/// Why a page could not be shown: the web's one error type.
pub type PageError = ApiError;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    page: Layout,
    status: u16,
    heading: String,
    message: String,
}

/// An error page inside the site's frame.
pub(crate) fn error_page(ctx: &Ctx, status: StatusCode, message: String, demo: bool) -> Response {
    let t = ctx.t();
    let heading = match status {
        StatusCode::FORBIDDEN => t.err_forbidden,
        StatusCode::NOT_FOUND => t.err_not_found,
        _ => t.err_title,
    };
    let page = Layout::build(ctx, Section::None, heading.to_owned(), demo);
    render(
        status,
        &ErrorPage {
            page,
            status: status.as_u16(),
            heading: heading.to_owned(),
            message,
        },
    )
}

/// Whether a request has a session cookie at all (the login page shows a different hint).
pub fn has_session_cookie(headers: &axum::http::HeaderMap) -> bool {
    session_token(headers).is_some()
}

// ---------------------------------------------------------------------------------------------
// Shared view pieces

/// A status as pages show it: symbol and word, with a class for colour (never colour alone).
#[derive(Debug, Clone)]
pub struct StatusView {
    pub symbol: &'static str,
    pub word: &'static str,
    pub class: &'static str,
}

impl StatusView {
    pub fn new(s: Status, lang: Lang) -> StatusView {
        StatusView {
            symbol: s.symbol(),
            word: s.word(lang),
            class: status_class(s),
        }
    }
}

pub fn status_class(s: Status) -> &'static str {
    match s {
        Status::Met => "met",
        Status::AtRisk => "at-risk",
        Status::NotMet => "not-met",
        Status::NoData => "no-data",
        Status::Pending => "pending",
        Status::NotApplicable => "na",
    }
}

/// The status key used in URLs (`met`, `at_risk`, …).
pub fn status_key(s: Status) -> &'static str {
    match s {
        Status::Met => "met",
        Status::AtRisk => "at_risk",
        Status::NotMet => "not_met",
        Status::NoData => "no_data",
        Status::Pending => "pending",
        Status::NotApplicable => "not_applicable",
    }
}

/// A number with its unit, as the explanations print it; `—` for none.
pub fn fmt_value(v: Option<f64>, unit: &str, yes_no: bool, lang: Lang) -> String {
    let t = texts(lang);
    match v {
        None => "—".into(),
        Some(v) if yes_no => if v >= 0.5 { t.rep_yes } else { t.rep_no }.into(),
        Some(v) => format!("{}{}", num(v), unit),
    }
}

/// The value of an evaluation result with its unit (是/否 for qualitative indicators).
pub fn fmt_result(
    plan: &ecociv_core::Plan,
    r: &ecociv_core::IndicatorResult,
    lang: Lang,
) -> String {
    let yes_no = plan
        .indicator(&r.indicator)
        .is_some_and(|i| i.kind == ecociv_core::ValueKind::YesNo);
    fmt_value(r.value, &r.unit, yes_no, lang)
}

/// A stored value (decimal text) with its unit.
pub fn fmt_stored(text: &str, unit: &str, yes_no: bool, lang: Lang) -> String {
    fmt_value(text.parse().ok(), unit, yes_no, lang)
}

/// A stored RFC 3339 timestamp as Beijing time, to the minute.
pub fn fmt_time(ts: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(ts) {
        Ok(t) => t
            .with_timezone(&beijing())
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        Err(_) => ts.to_owned(),
    }
}

fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| FixedOffset::east_opt(0).expect("UTC"))
}

/// A year from the query, checked against the plan; the reporting year when absent.
pub fn year_param(
    state: &AppState,
    plan: &ecociv_core::Plan,
    text: Option<&str>,
) -> Result<i32, PageError> {
    match text.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(state.app.reporting_year(plan)),
        Some(s) => match s.parse::<i32>() {
            Ok(y) if y > plan.base_year - 10 && y <= plan.end_year => Ok(y),
            _ => Err(ApiError::invalid(
                "year",
                Msg::YearNotInRange {
                    text: s.to_owned(),
                    from: plan.base_year - 9,
                    to: plan.end_year,
                },
            )),
        },
    }
}

/// Years offered in selectors, newest first: from `first` (or the base year) to the reporting
/// year (or the selected one, if later).
pub fn year_choices(
    state: &AppState,
    plan: &ecociv_core::Plan,
    first: i32,
    selected: i32,
) -> Vec<Choice> {
    let last = state.app.reporting_year(plan).max(selected);
    (first.min(plan.base_year)..=last)
        .rev()
        .map(|y| Choice {
            value: y.to_string(),
            label: y.to_string(),
            selected: y == selected,
        })
        .collect()
}

/// An option of a `<select>`.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    pub fn new(value: impl Into<String>, label: impl Into<String>, selected: bool) -> Choice {
        Choice {
            value: value.into(),
            label: label.into(),
            selected,
        }
    }
}

/// A query-string value, empty when absent.
pub fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A local path to go back to after login or a form: a path on this site, never another one;
/// anything else gives `/`. Accepted is an absolute path that stays on this origin however a
/// browser or a proxy in between reads it: it starts with `/`, and neither as given nor
/// percent-decoded (repeatedly) does it hold a control character, white space or a backslash,
/// nor, in its path part, `//` or a `.` or `..` segment. Characters outside ASCII are
/// percent-encoded, so the answer is a valid `Location`.
pub fn local_path(next: Option<&str>) -> String {
    match next {
        Some(p) if is_local_path(p) => p
            .chars()
            .map(|c| {
                if c.is_ascii() {
                    c.to_string()
                } else {
                    let mut buf = [0u8; 4];
                    c.encode_utf8(&mut buf)
                        .bytes()
                        .map(|b| format!("%{b:02X}"))
                        .collect()
                }
            })
            .collect(),
        _ => "/".to_owned(),
    }
}

fn is_local_path(p: &str) -> bool {
    if !p.starts_with('/') {
        return false;
    }
    // The value as given, then decoded again and again (a proxy or a server may decode once
    // more than the browser does), until nothing changes.
    let mut views = vec![p.to_owned()];
    for _ in 0..4 {
        let last = views.last().map(String::as_str).unwrap_or_default();
        let decoded = percent_decode(last);
        if decoded == last {
            break;
        }
        views.push(decoded);
    }
    views.iter().all(|v| {
        let path = v.split(['?', '#']).next().unwrap_or_default();
        !v.chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
            && !path.contains("//")
            && !path.split('/').any(|seg| seg == "." || seg == "..")
    })
}

/// `%XX` escapes decoded (invalid UTF-8 replaced); anything else kept.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Adds `done=…` to a local path.
pub fn with_done(path: &str, done: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    let (p, frag) = path.split_once('#').unwrap_or((path, ""));
    let q: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("done", done)
        .finish();
    if frag.is_empty() {
        format!("{p}{sep}{q}")
    } else {
        format!("{p}{sep}{q}#{frag}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_switch_keeps_the_query_and_flips_the_language() {
        assert_eq!(
            lang_switch("/indicators?area=生态空间&lang=zh", Lang::Zh),
            "/indicators?area=%E7%94%9F%E6%80%81%E7%A9%BA%E9%97%B4&lang=en"
        );
        assert_eq!(lang_switch("/", Lang::En), "/?lang=zh");
    }

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(
            local_path(Some("/report?period=2025")),
            "/report?period=2025"
        );
        assert_eq!(local_path(Some("//evil.example")), "/");
        assert_eq!(local_path(Some("https://evil.example")), "/");
        assert_eq!(local_path(None), "/");
        // The full list of known bypasses is tested through the login form (tests/auth_hardening.rs).
        for p in [
            "/\t/evil.example",
            "/%2F/evil.example",
            "/\\evil.example",
            "/.//evil.example",
        ] {
            assert_eq!(local_path(Some(p)), "/", "{p:?}");
        }
        // Local paths stay as they are; other scripts are percent-encoded.
        for p in [
            "/",
            "/public",
            "/values/12#comments",
            "/report?period=2025&done=saved",
        ] {
            assert_eq!(local_path(Some(p)), p);
        }
        assert_eq!(
            local_path(Some("/indicators?area=生态空间")),
            "/indicators?area=%E7%94%9F%E6%80%81%E7%A9%BA%E9%97%B4"
        );
    }

    #[test]
    fn done_notices_keep_the_fragment() {
        assert_eq!(
            with_done("/report?period=2025#v1", "saved"),
            "/report?period=2025&done=saved#v1"
        );
    }
}
