//! Errors as HTTP answers: the application's [`AppError`] or one of the web layers' own (a
//! missing CSRF token, a cross-site request, too many logins, a body that is not JSON).
//!
//! A handler or layer returns an [`ApiError`]; its response carries the error itself in its
//! extensions, beside a JSON body in Chinese. The outer layer [`render_errors`] then renders it
//! for whoever asked, in their language: the JSON `{"code", "message", "details"}` for the API
//! and programs, an error page (or the login page) for browsers on pages. Nothing parses a
//! rendered error back.

use axum::extract::{Request, State};
use axum::http::header::{ACCEPT, ACCEPT_LANGUAGE, CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ecociv_app::AppError;
use ecociv_i18n::{Lang, Msg};
use serde_json::{Value, json};

use crate::state::AppState;

/// The JSON body of every error response.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code: `unauthorized`, `forbidden`, `not_found`, `invalid`,
    /// `conflict`, `workflow`, `too_large`, `import_rejected`, `csrf`, `rate_limited`, `locked`,
    /// `fonts_missing`, `busy` (503 with `Retry-After`: the database is busy with another write;
    /// nothing changed, send the request again), `method_not_allowed`, `internal`;
    /// `password_expired` (403) while the session's password must be changed first.
    pub code: String,
    /// What went wrong, naming the field, in the language asked for (`?lang=en`, the `lang`
    /// cookie or `Accept-Language`; Chinese by default).
    pub message: String,
    /// More: the field (`{"field": "value"}`), the current state on a conflict
    /// (`{"current": {...}}`), the per-row report of a refused import.
    #[schema(value_type = Object)]
    pub details: Value,
}

/// An error answer.
#[derive(Debug, Clone)]
pub enum ApiError {
    App(AppError),
    /// The session's CSRF token is missing or wrong.
    Csrf,
    /// A state-changing request from another site.
    CrossSite,
    /// Too many login attempts from one address.
    RateLimited {
        seconds: u64,
    },
    /// Too many requests without sign-in from one address (the public rate limit).
    TooManyPublicRequests {
        seconds: u64,
    },
    /// The body is not JSON (400), not declared as JSON (415), or lacks or mistypes a field
    /// (422).
    Body {
        status: StatusCode,
        field: String,
        message: Msg,
    },
    NoSuchPath {
        path: String,
    },
    MethodNotAllowed {
        method: String,
        path: String,
    },
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> ApiError {
        ApiError::App(e)
    }
}

impl From<ecociv_app::Rejection> for ApiError {
    fn from(r: ecociv_app::Rejection) -> ApiError {
        ApiError::App(AppError::Rejected(r))
    }
}

impl ApiError {
    pub fn unauthorized() -> ApiError {
        ApiError::App(AppError::Unauthenticated)
    }

    pub fn too_large(limit: usize) -> ApiError {
        ApiError::App(AppError::TooLarge { limit })
    }

    pub fn invalid(field: &str, message: Msg) -> ApiError {
        ApiError::App(AppError::invalid(field, message))
    }

    pub fn not_found(message: Msg) -> ApiError {
        ApiError::App(AppError::NotFound(message))
    }

    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        ApiError::App(AppError::internal(cause))
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::App(e) => match e {
                AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
                AppError::Forbidden(_) => StatusCode::FORBIDDEN,
                AppError::NotFound(_) => StatusCode::NOT_FOUND,
                AppError::Invalid { .. } | AppError::Rejected(_) => {
                    StatusCode::UNPROCESSABLE_ENTITY
                }
                AppError::Conflict { .. } | AppError::Workflow(_) => StatusCode::CONFLICT,
                AppError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                AppError::Login { locked: false, .. } => StatusCode::UNAUTHORIZED,
                AppError::Login { locked: true, .. } => StatusCode::TOO_MANY_REQUESTS,
                AppError::Unavailable(_) | AppError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
                AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            },
            ApiError::Csrf | ApiError::CrossSite => StatusCode::FORBIDDEN,
            ApiError::RateLimited { .. } | ApiError::TooManyPublicRequests { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            ApiError::Body { status, .. } => *status,
            ApiError::NoSuchPath { .. } => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::App(e) => e.code(),
            ApiError::Csrf | ApiError::CrossSite => "csrf",
            ApiError::RateLimited { .. } | ApiError::TooManyPublicRequests { .. } => "rate_limited",
            ApiError::Body { .. } => "invalid",
            ApiError::NoSuchPath { .. } => "not_found",
            ApiError::MethodNotAllowed { .. } => "method_not_allowed",
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        match self {
            ApiError::App(e) => e.message(lang),
            ApiError::Csrf => Msg::CsrfMissing.text(lang),
            ApiError::CrossSite => Msg::CrossSite.text(lang),
            ApiError::RateLimited { seconds } => Msg::RateLimited { seconds: *seconds }.text(lang),
            ApiError::TooManyPublicRequests { seconds } => {
                Msg::TooManyPublicRequests { seconds: *seconds }.text(lang)
            }
            ApiError::Body { message, .. } => message.text(lang),
            ApiError::NoSuchPath { path } => Msg::NoSuchPath { path: path.clone() }.text(lang),
            ApiError::MethodNotAllowed { method, path } => Msg::MethodNotAllowed {
                method: method.clone(),
                path: path.clone(),
            }
            .text(lang),
        }
    }

    pub fn details(&self) -> Value {
        match self {
            ApiError::App(e) => e.details(),
            ApiError::Body { field, .. } => json!({ "field": field }),
            _ => Value::Null,
        }
    }

    /// The JSON answer in `lang`.
    pub fn json(&self, lang: Lang) -> Response {
        let body = ErrorBody {
            code: self.code().to_owned(),
            message: self.message(lang),
            details: self.details(),
        };
        self.with_headers((self.status(), axum::Json(body)).into_response())
    }

    /// Adds the headers the error calls for: `Retry-After` when the database was busy.
    pub(crate) fn with_headers(&self, mut resp: Response) -> Response {
        if let ApiError::App(AppError::Busy { retry_after }) = self {
            resp.headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(*retry_after));
        }
        resp
    }
}

/// The error behind a response, for [`render_errors`].
#[derive(Debug, Clone)]
pub(crate) struct Failed(pub ApiError);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = self.json(Lang::Zh);
        resp.extensions_mut().insert(Failed(self));
        resp
    }
}

/// The language of a JSON error: `?lang=`, the `lang` cookie, `Accept-Language`, else Chinese.
fn api_lang(uri: &axum::http::Uri, headers: &HeaderMap) -> Lang {
    crate::pages::lang_from(uri.query(), headers)
        .or_else(|| {
            headers
                .get(ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or_default()
}

/// Whether an answer to this request should be a page: not the API, and for downloads and open
/// data only when a browser asks (it accepts HTML).
fn wants_page(uri: &axum::http::Uri, headers: &HeaderMap) -> bool {
    let path = uri.path();
    let browser = headers
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    !path.starts_with("/api")
        && (browser || !(path.starts_with("/reports/") || path.starts_with("/open-data")))
}

/// Renders the error a handler or a layer answered with, for whoever asked: JSON in the
/// caller's language for the API and programs; for browsers on pages the login page (nobody
/// signed in) or an error page inside the site's frame. Runs twice: inside the session layer,
/// where the page knows who is signed in, and outermost, for the layers' own errors.
pub async fn render_errors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let uri = req.uri().clone();
    let headers = req.headers().clone();
    let is_get = req.method() == axum::http::Method::GET;
    let user = req.extensions().get::<crate::auth::CurrentUser>().cloned();
    let mut resp = next.run(req).await;
    let Some(Failed(err)) = resp.extensions_mut().remove::<Failed>() else {
        return resp;
    };
    if !wants_page(&uri, &headers) {
        let lang = api_lang(&uri, &headers);
        return if lang == Lang::Zh {
            resp
        } else {
            err.json(lang)
        };
    }
    let lang = crate::pages::lang_from(uri.query(), &headers).unwrap_or_default();
    if matches!(err, ApiError::App(AppError::Unauthenticated)) {
        // After login, come back to the page; a form posted without a session cannot be
        // replayed, so it comes back to the start page.
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        let back = if is_get { path } else { "/" };
        let next_path: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("next", back)
            .finish();
        return crate::pages::see_other(&format!("/login?{next_path}"));
    }
    if matches!(
        err,
        ApiError::App(AppError::Forbidden(Msg::PasswordChangeRequired))
    ) {
        // Nothing but the password change works: go there.
        return crate::pages::see_other(crate::pages::account::PASSWORD_PATH);
    }
    // After an internal error the database is likely what failed: asking it again would log a
    // second error number the user never sees beside the one the page quotes.
    let demo = match &err {
        ApiError::App(AppError::Internal(_)) => false,
        _ => state.app.has_demo().await.unwrap_or(false),
    };
    let ctx = crate::pages::Ctx {
        lang,
        session: user.and_then(|u| u.0),
        path: uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/".into()),
    };
    err.with_headers(crate::pages::error_page(
        &ctx,
        err.status(),
        err.message(lang),
        demo,
    ))
}

/// Explains a JSON body error, naming the field where serde says which.
pub(crate) fn json_error(text: &str) -> ApiError {
    // axum: "Failed to deserialize the JSON body into the target type: <path>: <serde message>"
    let detail = text
        .split_once("target type: ")
        .map(|(_, d)| d)
        .unwrap_or(text);
    let (path, msg) = match detail.split_once(": ") {
        Some((p, m)) if !p.contains(' ') => (p.to_owned(), m.to_owned()),
        _ => (String::new(), detail.to_owned()),
    };
    let quoted = |m: &str, prefix: &str| {
        m.strip_prefix(prefix)
            .and_then(|r| r.split('`').nth(1))
            .map(str::to_owned)
    };
    let (field, message) = if let Some(f) = quoted(&msg, "missing field") {
        (f.clone(), Msg::JsonMissingField { field: f })
    } else if let Some(f) = quoted(&msg, "unknown field") {
        (f.clone(), Msg::JsonUnknownField { field: f })
    } else if msg.starts_with("invalid type") || msg.starts_with("invalid value") {
        (
            path.clone(),
            Msg::JsonWrongType {
                field: path,
                detail: msg,
            },
        )
    } else {
        (path, Msg::JsonOther { detail: msg })
    };
    ApiError::Body {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        field,
        message,
    }
}

/// The content type of a response, for tests and layers.
pub(crate) fn is_json(resp: &Response) -> bool {
    resp.headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_errors_name_the_field_in_both_languages() {
        let e = json_error(
            "Failed to deserialize the JSON body into the target type: missing field `version` at line 1 column 2",
        );
        assert_eq!(e.details()["field"], "version");
        assert!(
            e.message(Lang::Zh).contains("缺少字段“version”"),
            "{}",
            e.message(Lang::Zh)
        );
        assert!(e.message(Lang::En).contains("lacks the field “version”"));
        let e = json_error(
            "Failed to deserialize the JSON body into the target type: version: invalid type: string \"x\", expected i64 at line 1 column 15",
        );
        assert_eq!(e.details()["field"], "version");
    }
}
