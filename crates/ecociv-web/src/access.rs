//! Who asks from where, once per request, after the session is known: the access log's client
//! and user, and the management address allow-list (`--admin-allow`), which the application's
//! policy decides ([`policy::require_management_address`]).
//!
//! The access log is the `request` span of every request (method, path, client address, user)
//! with tower-http's response event (status, latency) at INFO: one line per request on stderr,
//! for the operator to keep (SECURITY.md: at least six months).

use std::net::IpAddr;

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ecociv_app::policy;

use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::state::{AppState, WebConfig};

/// The client address of a request as the rest of the service reads it (the peer, or behind a
/// proxy the forwarded address), if it is one.
pub fn client_ip(req: &Request, config: &WebConfig) -> Option<IpAddr> {
    crate::auth::client_addr_of(req, config)
}

/// The span every request runs in: the access log line's fields. `user` is filled in by
/// [`access_rules`] once the session is known.
pub fn request_span(req: &Request, config: &WebConfig) -> tracing::Span {
    let client = client_ip(req, config)
        .map(|c| c.to_string())
        .unwrap_or_default();
    tracing::info_span!(
        "request",
        method = %req.method(),
        path = %req.uri().path(),
        client = %client,
        user = tracing::field::Empty,
    )
}

/// The requests a refused management session may still make: signing out.
fn signs_out(req: &Request) -> bool {
    matches!(
        (req.method(), req.uri().path()),
        (&Method::DELETE, "/api/v1/session") | (&Method::POST, "/logout")
    )
}

/// Names the signed-in user in the access log, and refuses a management role's session from
/// outside the allow-list (403, the message naming the address) before any handler runs.
pub async fn access_rules(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let user = req
        .extensions()
        .get::<CurrentUser>()
        .and_then(|u| u.user().cloned());
    if let Some(user) = &user {
        tracing::Span::current().record("user", tracing::field::display(&user.username));
        if !signs_out(&req) {
            let client = client_ip(&req, &state.config);
            if let Err(e) =
                policy::require_management_address(user, client, &state.config.admin_allow)
            {
                tracing::warn!(
                    user = %user.username,
                    client = %client.map(|c| c.to_string()).unwrap_or_default(),
                    "management account refused outside the address allow-list"
                );
                return ApiError::from(e).into_response();
            }
        }
    }
    next.run(req).await
}
