//! The ecociv web service: the HTML pages and the JSON API under `/api/v1`, as two adapters of
//! the application layer (`ecociv-app`), with sessions, CSRF protection and login rate limits.
//!
//! What belongs here: HTTP. A handler turns a request into a call of one use case with the
//! caller ([`auth::CurrentUser::caller`]) and typed input, and the result into JSON or HTML;
//! errors are typed ([`error::ApiError`]) and rendered once, for whoever asked, by
//! [`error::render_errors`]. What does not: SQL, the store (this crate does not depend on it),
//! and every decision (who may, what a reader sees, what a status is, who is late): the
//! application layer makes them.
//!
//! Layout: `api/` holds the JSON API, one module per resource; [`pages`] holds the HTML pages
//! (templates in `templates/`, CSS and JS in `assets/`, both compiled in). [`app`] assembles the
//! router; [`serve`] runs it.
//!
//! Request path, outside in: error rendering → security headers → tower-http `CsrfLayer`
//! (refuses cross-site requests by `Sec-Fetch-Site`/`Origin`) → body limits (413) → login rate
//! limit per client address (logins and own password changes) → session lookup and per-session
//! CSRF token check → error rendering with the session → access rules (the access log's user,
//! the management address allow-list) → rate limit and document cache for requests without
//! sign-in ([`public_reads`]) → routing → sign-in before writes (401 before a body is read) →
//! handler.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::header::CONTENT_LENGTH;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tower_governor::governor::{GovernorConfig, GovernorConfigBuilder};
use tower_governor::key_extractor::PeerIpKeyExtractor;
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa_swagger_ui::SwaggerUi;

pub mod access;
pub mod api;
pub mod auth;
pub mod error;
pub mod health;
pub mod metrics;
pub mod multipart;
pub mod pages;
pub mod public_reads;
pub mod state;

pub use auth::CurrentUser;
pub use error::ApiError;
pub use state::{AppState, WebConfig};

/// The OpenAPI document of the API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api::routes().split_for_parts().1
}

/// The whole application: the pages, the API, the OpenAPI document and Swagger UI.
pub fn app(state: AppState) -> Router {
    let (api_router, doc) = api::routes().split_for_parts();
    let login_limit = Arc::new(LoginLimiter::new(&state.config));
    let public_reads = Arc::new(public_reads::PublicReads::new(state.clone()));
    let upload_max = state.app.limits().max_evidence_bytes + 64 * 1024;
    let log_config = state.config.clone();
    let request_metrics = Arc::new(metrics::Metrics::default());

    let mut csrf = tower_http::csrf::CsrfLayer::new();
    for origin in &state.config.trusted_origins {
        match csrf.clone().add_trusted_origin(origin) {
            Ok(c) => csrf = c,
            Err(e) => tracing::warn!("ignoring trusted origin {origin}: {e}"),
        }
    }
    let csrf = csrf.with_rejection_response(|_| ApiError::CrossSite.into_response());

    Router::new()
        .merge(pages::routes())
        .merge(health::routes())
        .route("/metrics", axum::routing::get(metrics::metrics))
        .merge(api_router)
        .merge(SwaggerUi::new("/api/docs").url("/api/v1/openapi.json", doc))
        .route_layer(middleware::from_fn(auth::sign_in_before_writes))
        .route_layer(middleware::from_fn_with_state(
            request_metrics.clone(),
            metrics::record,
        ))
        .fallback(|uri: axum::http::Uri| async move {
            ApiError::NoSuchPath {
                path: uri.path().to_owned(),
            }
        })
        .method_not_allowed_fallback(|method: Method, uri: axum::http::Uri| async move {
            ApiError::MethodNotAllowed {
                method: method.to_string(),
                path: uri.path().to_owned(),
            }
        })
        .layer(middleware::from_fn_with_state(
            public_reads,
            public_reads::public_reads,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            access::access_rules,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            error::render_errors,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::session_layer,
        ))
        .layer(middleware::from_fn_with_state(
            login_limit,
            login_rate_limit,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), body_limits))
        .layer(DefaultBodyLimit::max(upload_max))
        .layer(csrf)
        .layer(SetResponseHeaderLayer::if_not_present(
            axum::http::header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            axum::http::header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            axum::http::header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            error::render_errors,
        ))
        .layer(middleware::from_fn(public_reads::retry_after))
        .layer(axum::Extension(request_metrics))
        .layer(
            tower_http::trace::TraceLayer::new_for_http()
                .make_span_with(move |req: &Request| access::request_span(req, &log_config))
                .on_response(
                    tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO),
                ),
        )
        .with_state(state)
}

/// Serves the application until `shutdown` completes. The peer address is passed to handlers
/// (the client address of rate limits and the audit log: [`auth::client_addr`]).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Whether a request uploads evidence (the larger limit applies).
fn is_upload(req: &Request) -> bool {
    req.method() == Method::POST && req.uri().path().ends_with("/evidence")
}

/// 413 with a JSON message for bodies over the configured limit, by `Content-Length` at once and
/// for streamed bodies as they are read.
async fn body_limits(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limit = if is_upload(&req) {
        state.app.limits().max_evidence_bytes + 64 * 1024
    } else {
        state.config.max_body_bytes
    };
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return ApiError::too_large(limit).into_response();
    }
    let (parts, body) = req.into_parts();
    let body = axum::body::Body::new(http_body_util::Limited::new(body, limit));
    let resp = next.run(Request::from_parts(parts, body)).await;
    // Extractors outside our control answer an exceeded limit with a plain-text 413.
    let plain = !error::is_json(&resp);
    if resp.status() == StatusCode::PAYLOAD_TOO_LARGE && plain {
        return ApiError::too_large(limit).into_response();
    }
    resp
}

/// Password attempts (logins, changes of one's own password) per client address
/// ([`auth::client_addr`], IPv6 by its /64), with tower_governor's limiter.
#[derive(Debug)]
struct LoginLimiter {
    by_addr: GovernorConfig<PeerIpKeyExtractor, governor_mw::NoOpMiddleware>,
    config: Arc<WebConfig>,
}

mod governor_mw {
    pub use governor::middleware::NoOpMiddleware;
}

impl LoginLimiter {
    fn new(config: &Arc<WebConfig>) -> LoginLimiter {
        let period = Duration::from_secs(config.login_refill_seconds.max(1));
        let burst = config.login_burst.max(1);
        LoginLimiter {
            by_addr: GovernorConfigBuilder::default()
                .period(period)
                .burst_size(burst)
                .finish()
                .expect("valid rate limit"),
            config: config.clone(),
        }
    }

    /// `Err(seconds to wait)` when the address is over its quota. A request without a known
    /// address (an app served without connect info) is not limited.
    fn check(&self, req: &Request) -> Result<(), u64> {
        // Forget addresses whose quota has refilled, so the table stays small.
        if self.by_addr.limiter().len() > 10_000 {
            self.by_addr.limiter().retain_recent();
        }
        let wait = |n: governor::NotUntil<governor::clock::QuantaInstant>| {
            use governor::clock::{Clock, DefaultClock};
            n.wait_time_from(DefaultClock::default().now()).as_secs() + 1
        };
        match auth::client_addr_of(req, &self.config) {
            Some(ip) => self
                .by_addr
                .limiter()
                .check_key(&auth::rate_limit_key(ip))
                .map_err(wait),
            None => Ok(()),
        }
    }
}

/// Whether a request tries a password: a login (API or page) or a change of one's own password.
fn tries_a_password(req: &Request) -> bool {
    let path = req.uri().path();
    req.method() == Method::POST
        && (matches!(path, "/api/v1/session" | "/login")
            || (path.starts_with("/api/v1/users/") && path.ends_with("/password")))
}

async fn login_rate_limit(
    State(limiter): State<Arc<LoginLimiter>>,
    req: Request,
    next: Next,
) -> Response {
    if tries_a_password(&req)
        && let Err(wait) = limiter.check(&req)
    {
        return ApiError::RateLimited { seconds: wait }.into_response();
    }
    next.run(req).await
}
