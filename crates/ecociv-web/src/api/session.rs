//! `POST /session` (login), `GET /session` (who am I, and the CSRF token), `DELETE /session`.

use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use ecociv_app::User;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::ApiJson;
use crate::auth::{CurrentUser, clear_cookie, session_cookie, session_token};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(login, current, logout))
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    pub username: String,
    pub password: String,
}

/// The signed-in user and the CSRF token to send with every change.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct SessionBody {
    pub user: User,
    /// Send as header `X-CSRF-Token` (or form field `csrf_token`) on POST, PUT, PATCH, DELETE.
    pub csrf_token: String,
    pub expires_at: String,
    /// The password must be changed (`POST /api/v1/users/{id}/password`) before anything else:
    /// until then every other request is refused with `password_expired` (403).
    pub password_expired: bool,
}

/// The client address for the audit log.
pub(crate) fn client_of(
    headers: &HeaderMap,
    peer: Option<std::net::SocketAddr>,
    behind_proxy: bool,
) -> String {
    if behind_proxy
        && let Some(f) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
    {
        return f.trim().to_owned();
    }
    peer.map(|p| p.ip().to_string()).unwrap_or_default()
}

/// 登录：用户名和密码正确时设置会话 Cookie（HttpOnly、SameSite=Lax）。
/// 连续失败多次后账户会被临时锁定；同一地址的登录请求有频率限制。
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = LoginBody,
    responses(
        (status = 200, description = "已登录", body = SessionBody),
        (status = 401, description = "用户名或密码错误", body = ErrorBody),
        (status = 429, description = "账户已锁定或请求过于频繁", body = ErrorBody),
    ))]
pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    peer: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    ApiJson(body): ApiJson<LoginBody>,
) -> Result<Response, ApiError> {
    let client = client_of(&headers, peer.map(|c| c.0.0), state.config.behind_proxy);
    let s = state
        .app
        .login(&body.username, &body.password, &client)
        .await?;
    let max_age = state.app.session_seconds();
    let cookie = session_cookie(&s.token, state.config.secure_cookies, max_age);
    let body = SessionBody {
        user: s.user,
        csrf_token: s.csrf_token,
        expires_at: s.expires_at,
        password_expired: s.password_expired,
    };
    Ok(([(SET_COOKIE, cookie)], axum::Json(body)).into_response())
}

/// 当前登录用户及其 CSRF 令牌。
#[utoipa::path(get, path = "/api/v1/session", tag = "session",
    responses(
        (status = 200, description = "当前会话", body = SessionBody),
        (status = 401, description = "未登录", body = ErrorBody),
    ))]
pub async fn current(user: CurrentUser) -> Result<axum::Json<SessionBody>, ApiError> {
    let s = user.0.ok_or_else(ApiError::unauthorized)?;
    Ok(axum::Json(SessionBody {
        user: s.user.clone(),
        csrf_token: s.csrf_token.clone(),
        expires_at: s.expires_at.clone(),
        password_expired: s.password_expired,
    }))
}

/// 退出登录。
#[utoipa::path(delete, path = "/api/v1/session", tag = "session",
    responses((status = 204, description = "已退出")))]
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(token) = session_token(&headers) {
        state.app.logout(&token).await?;
    }
    Ok((
        StatusCode::NO_CONTENT,
        [(SET_COOKIE, clear_cookie(state.config.secure_cookies))],
    )
        .into_response())
}
