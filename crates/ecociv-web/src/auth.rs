//! Sessions and CSRF, as middleware plus the [`CurrentUser`] extractor.
//!
//! The session cookie (`ecociv_session`, HttpOnly, SameSite=Lax, Secure when configured) holds a
//! random token; the store keeps its hash. Every request with the cookie is resolved to its user
//! once, here. Every state-changing request that carries a valid session must also carry the
//! session's CSRF token: the `X-CSRF-Token` header (API clients, scripts) or a `csrf_token` form
//! field (HTML forms, URL-encoded or multipart). This is on top of tower-http's `CsrfLayer`,
//! which refuses cross-site requests by `Sec-Fetch-Site` / `Origin`.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{CONTENT_TYPE, COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ecociv_app::{Caller, SessionInfo, User};

use crate::error::ApiError;
use crate::state::AppState;

/// The session cookie's name.
pub const COOKIE_NAME: &str = "ecociv_session";
/// The CSRF header.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The CSRF form field.
pub const CSRF_FIELD: &str = "csrf_token";

/// Path endings of the multipart routes whose handlers check the `csrf_token` form field
/// ([`CsrfPending::check`]). Add a route here only together with that check.
pub const MULTIPART_ROUTES_CHECKING_CSRF: &[&str] = &[
    "/evidence",
    "/report/import",
    "/admin/plan/versions",
    "/api/v1/import/xlsx",
];

/// The signed-in user of a request, if any.
#[derive(Debug, Clone, Default)]
pub struct CurrentUser(pub Option<Arc<SessionInfo>>);

impl CurrentUser {
    pub fn user(&self) -> Option<&User> {
        self.0.as_deref().map(|s| &s.user)
    }

    /// The caller of the application's use cases.
    pub fn caller(&self) -> Caller {
        match self.0.as_deref() {
            Some(s) => Caller::session(s),
            None => Caller::anonymous(),
        }
    }
}

/// The state-changing requests that need nobody signed in: logging in and out. Every other
/// POST, PUT, PATCH or DELETE without a session is answered 401 before its body is read.
pub const ANONYMOUS_WRITES: &[(&str, &str)] = &[
    ("POST", "/api/v1/session"),
    ("DELETE", "/api/v1/session"),
    ("POST", "/login"),
    ("POST", "/logout"),
];

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<CurrentUser>()
            .cloned()
            .unwrap_or_default())
    }
}

/// A multipart request whose CSRF token is expected in a form field: the handler reading the
/// form checks it with [`CsrfPending::check`].
#[derive(Debug, Clone)]
pub struct CsrfPending(pub String);

impl CsrfPending {
    pub fn check(&self, field: Option<&str>) -> Result<(), ApiError> {
        if field.is_some_and(|f| constant_time_eq(f.as_bytes(), self.0.as_bytes())) {
            Ok(())
        } else {
            Err(csrf_error())
        }
    }
}

/// The session token in a request's cookies.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE_NAME)
        .map(|(_, v)| v.to_owned())
}

/// The `Set-Cookie` value for a new session.
pub fn session_cookie(token: &str, secure: bool, max_age_secs: i64) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE_NAME}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("ecociv_session=; Path=/"))
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(secure: bool) -> HeaderValue {
    HeaderValue::from_static(if secure {
        "ecociv_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure"
    } else {
        "ecociv_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"
    })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn csrf_error() -> ApiError {
    ApiError::Csrf
}

/// Authentication before parsing, on every route (a route layer, so unknown paths still answer
/// 404 and unsupported methods 405): a state-changing request without a session gets 401 (on
/// pages: the login page) before a byte of its body is read or a field is checked.
pub async fn sign_in_before_writes(req: Request, next: Next) -> Response {
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let signed_in = req
        .extensions()
        .get::<CurrentUser>()
        .is_some_and(|u| u.0.is_some());
    if unsafe_method
        && !signed_in
        && !ANONYMOUS_WRITES
            .iter()
            .any(|(m, p)| req.method().as_str() == *m && req.uri().path() == *p)
    {
        return ApiError::unauthorized().into_response();
    }
    next.run(req).await
}

/// Resolves the session once per request and enforces the CSRF token on state-changing requests.
pub async fn session_layer(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let session = match session_token(req.headers()) {
        Some(token) => match state.app.session(&token).await {
            Ok(s) => s.map(Arc::new),
            Err(e) => return ApiError::from(e).into_response(),
        },
        None => None,
    };
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);

    if let (true, Some(s)) = (unsafe_method, &session) {
        let header = req
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let content_type = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        match header {
            Some(h) if constant_time_eq(h.as_bytes(), s.csrf_token.as_bytes()) => {}
            Some(_) => return csrf_error().into_response(),
            None if content_type.starts_with("application/x-www-form-urlencoded") => {
                // Read the form (bounded), find the token, and hand the body on unchanged.
                let (parts, body) = req.into_parts();
                let limit = state.config.max_body_bytes;
                let bytes = match axum::body::to_bytes(body, limit).await {
                    Ok(b) => b,
                    Err(_) => return ApiError::too_large(limit).into_response(),
                };
                let ok = form_urlencoded::parse(&bytes).any(|(k, v)| {
                    k == CSRF_FIELD && constant_time_eq(v.as_bytes(), s.csrf_token.as_bytes())
                });
                if !ok {
                    return csrf_error().into_response();
                }
                req = Request::from_parts(parts, Body::from(bytes));
            }
            // Multipart bodies are too large to read here; the upload handlers check the
            // `csrf_token` field while reading the form. Only routes that do so are let through
            // this way, so a new multipart route cannot skip the check by accident.
            None if content_type.starts_with("multipart/form-data")
                && MULTIPART_ROUTES_CHECKING_CSRF
                    .iter()
                    .any(|suffix| req.uri().path().ends_with(suffix)) =>
            {
                req.extensions_mut()
                    .insert(CsrfPending(s.csrf_token.clone()));
            }
            None => return csrf_error().into_response(),
        }
    }
    req.extensions_mut().insert(CurrentUser(session));
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_token_is_found_among_other_cookies() {
        let mut h = HeaderMap::new();
        h.insert(
            COOKIE,
            HeaderValue::from_static("a=1; ecociv_session=abc; b=2"),
        );
        assert_eq!(session_token(&h).as_deref(), Some("abc"));
        let c = session_cookie("abc", true, 60);
        let c = c.to_str().unwrap();
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.contains("Secure"));
    }
}
