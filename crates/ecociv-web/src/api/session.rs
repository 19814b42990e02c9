//! `POST /session` (login), `GET /session` (who am I, and the CSRF token), `DELETE /session`.

use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use ecociv_app::User;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::ApiJson;
use crate::auth::{ClientAddr, CurrentUser, clear_cookie, session_cookie, session_token};
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

/// 登录：用户名和密码正确时设置会话 Cookie（HttpOnly、SameSite=Lax）。
/// 同一地址对同一账户连续失败多次后，该地址暂时不能登录该账户；同一地址的登录请求有频率限制。
/// 登录失败（用户名不存在、密码错误、暂被锁定、账户停用）一律答 401，信息相同。
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = LoginBody,
    responses(
        (status = 200, description = "已登录", body = SessionBody),
        (status = 401, description = "登录失败（原因不予区分）", body = ErrorBody),
        (status = 429, description = "该地址请求过于频繁", body = ErrorBody),
    ))]
pub async fn login(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiJson(body): ApiJson<LoginBody>,
) -> Result<Response, ApiError> {
    let s = state
        .app
        .login(&body.username, &body.password, &client.text())
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
