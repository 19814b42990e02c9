//! Sessions and CSRF, as middleware plus the [`CurrentUser`] extractor.
//!
//! The session cookie (`ecociv_session`, HttpOnly, SameSite=Lax, Secure when configured) holds a
//! random token; the store keeps its hash. Every request with the cookie is resolved to its user
//! once, here. Every state-changing request that carries a valid session must also carry the
//! session's CSRF token: the `X-CSRF-Token` header (API clients, scripts) or a `csrf_token` form
//! field (HTML forms, URL-encoded or multipart). This is on top of tower-http's `CsrfLayer`,
//! which refuses cross-site requests by `Sec-Fetch-Site` / `Origin`.
//!
//! Also here: the client's address ([`client_addr`]), the one place it is derived, for the rate
//! limits and the audit log.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::header::{CONTENT_TYPE, COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ecociv_app::{Caller, SessionInfo, User};

use crate::error::ApiError;
use crate::state::{AppState, WebConfig};

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

/// The client's address, for rate limits and the audit log: the peer of the connection; behind a
/// reverse proxy ([`WebConfig::behind_proxy`]), the address the trusted proxy recorded in
/// `X-Forwarded-For`.
///
/// nginx's `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;` appends the address it
/// saw to whatever the client sent, so only the right-most entries can be trusted: with
/// [`WebConfig::trusted_proxy_hops`] = N proxies in a row, each appending, the client is the
/// N-th entry from the right (N = 1: the right-most). A header with fewer entries gives its
/// left-most (each of them was appended by a trusted proxy). No header, or an entry that is not
/// an address, gives the peer. `None` only without a peer (an app served without connect info)
/// and without a usable header. Several `X-Forwarded-For` lines count as one list, in order.
pub fn client_addr(
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
    config: &WebConfig,
) -> Option<IpAddr> {
    let peer = peer.map(|p| p.ip().to_canonical());
    if !config.behind_proxy {
        return peer;
    }
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    let hops = config.trusted_proxy_hops.max(1);
    entries
        .len()
        .checked_sub(1)
        .map(|last| entries[last.saturating_sub(hops - 1)])
        .and_then(parse_forwarded_addr)
        .or(peer)
}

/// An `X-Forwarded-For` entry as an address: `203.0.113.7`, `2001:db8::1`, `[2001:db8::1]`, or
/// either with a port.
fn parse_forwarded_addr(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim_matches('"');
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            entry
                .strip_prefix('[')
                .and_then(|e| e.strip_suffix(']'))
                .and_then(|e| e.parse::<IpAddr>().ok())
        })
        .map(|ip| ip.to_canonical())
}

/// [`client_addr`] of a request, its peer taken from the connection info.
pub fn client_addr_of(req: &Request, config: &WebConfig) -> Option<IpAddr> {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    client_addr(req.headers(), peer, config)
}

/// What a per-address rate limit counts under: the address, an IPv6 address by its /64 (one
/// subscriber's network: rotating addresses inside it gains nothing).
pub fn rate_limit_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

/// The client's address of a request ([`client_addr`]), as a handler argument.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClientAddr(pub Option<IpAddr>);

impl ClientAddr {
    /// The address as the audit log and the session row record it (empty when unknown).
    pub fn text(&self) -> String {
        self.0.map(|ip| ip.to_string()).unwrap_or_default()
    }
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0);
        Ok(ClientAddr(client_addr(&parts.headers, peer, &state.config)))
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

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn behind_a_proxy_the_client_is_what_the_trusted_proxy_appended() {
        let peer: Option<SocketAddr> = Some("10.0.0.2:40000".parse().unwrap());
        let config = |behind_proxy, trusted_proxy_hops| WebConfig {
            behind_proxy,
            trusted_proxy_hops,
            ..WebConfig::default()
        };
        let addr = |h: &HeaderMap, c: &WebConfig| client_addr(h, peer, c).map(|a| a.to_string());
        let one = config(true, 1);
        // What the client wrote is on the left; nginx appended the address it saw.
        let h = forwarded(&["1.1.1.1, 6.6.6.6", "203.0.113.7"]);
        assert_eq!(addr(&h, &one).as_deref(), Some("203.0.113.7"));
        let h = forwarded(&["1.1.1.1, 2.2.2.2, 203.0.113.7"]);
        assert_eq!(addr(&h, &one).as_deref(), Some("203.0.113.7"));
        // Two proxies (a gateway, then nginx): the second entry from the right.
        let two = config(true, 2);
        assert_eq!(addr(&h, &two).as_deref(), Some("2.2.2.2"));
        assert_eq!(
            addr(&forwarded(&["198.51.100.9"]), &two).as_deref(),
            Some("198.51.100.9"),
            "fewer entries than proxies: the left-most, appended by a trusted proxy"
        );
        // Ports, brackets, IPv4 in IPv6; garbage or no header gives the peer.
        for (h, want) in [
            ("[2001:db8::1]:443", "2001:db8::1"),
            ("x, 203.0.113.7:5555", "203.0.113.7"),
            ("::ffff:203.0.113.7", "203.0.113.7"),
            ("1.2.3.4, not-an-address", "10.0.0.2"),
            ("", "10.0.0.2"),
        ] {
            assert_eq!(addr(&forwarded(&[h]), &one).as_deref(), Some(want), "{h}");
        }
        assert_eq!(addr(&HeaderMap::new(), &one).as_deref(), Some("10.0.0.2"));
        // Not behind a proxy: the header is ignored.
        let h = forwarded(&["203.0.113.7"]);
        assert_eq!(addr(&h, &config(false, 1)).as_deref(), Some("10.0.0.2"));
        assert_eq!(client_addr(&h, None, &config(false, 1)), None);
    }

    #[test]
    fn rate_limits_count_ipv6_by_its_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(rate_limit_key(a), rate_limit_key(b));
        assert_ne!(rate_limit_key(a), rate_limit_key(c));
        let v4: IpAddr = "203.0.113.7".parse().unwrap();
        assert_eq!(rate_limit_key(v4), v4);
    }

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
