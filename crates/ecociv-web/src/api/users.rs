//! Accounts (administrator), and changing one's own password.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use ecociv_app::{NewAccount, User, UserChange};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::ApiJson;
use crate::auth::{ClientAddr, CurrentUser};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(update_user))
        .routes(routes!(set_password))
}

/// 用户列表（管理员）。
#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    responses((status = 200, body = Vec<User>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_users(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<axum::Json<Vec<User>>, ApiError> {
    Ok(axum::Json(state.app.users(&user.caller()).await?))
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserBody {
    pub username: String,
    pub display_name: String,
    /// admin | coordinator | reporter | reviewer | viewer | auditor
    pub role: String,
    /// 单位代码（填报员、审核员二选一）
    pub unit: Option<String>,
    /// 行政区代码（填报员、审核员二选一）
    pub region: Option<String>,
    /// 初始密码（至少10个字符）；省略时生成并在响应中返回一次
    pub password: Option<String>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CreatedUser {
    pub user: User,
    /// 生成的初始密码，只出现这一次
    pub generated_password: Option<String>,
}

/// 新建用户（管理员）。
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUserBody,
    responses((status = 201, body = CreatedUser), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_user(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<NewUserBody>,
) -> Result<(StatusCode, axum::Json<CreatedUser>), ApiError> {
    let (created, generated) = state
        .app
        .create_user(
            &user.caller(),
            NewAccount {
                username: body.username,
                display_name: body.display_name,
                role: body.role,
                unit: body.unit,
                region: body.region,
                password: body.password,
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(CreatedUser {
            user: created,
            generated_password: generated,
        }),
    ))
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserBody {
    pub version: i64,
    pub display_name: Option<String>,
    pub role: Option<String>,
    /// 绑定单位（null 解除）
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub unit: Option<Option<String>>,
    /// 绑定行政区（null 解除）
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub region: Option<Option<String>>,
    pub disabled: Option<bool>,
}

fn double_option<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<String>>, D::Error> {
    use serde::Deserialize;
    Ok(Some(Option::<String>::deserialize(d)?))
}

/// 修改用户（角色、绑定、停用；管理员）。停用立即结束其会话。
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)),
    request_body = UpdateUserBody,
    responses((status = 200, body = User), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_user(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<UpdateUserBody>,
) -> Result<axum::Json<User>, ApiError> {
    let change = UserChange {
        version: body.version,
        display_name: body.display_name,
        role: body.role,
        unit: body.unit,
        region: body.region,
        disabled: body.disabled,
    };
    Ok(axum::Json(
        state.app.update_user(&user.caller(), id, change).await?,
    ))
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordBody {
    /// 修改自己的密码时须提供当前密码
    pub current_password: Option<String>,
    pub new_password: String,
}

/// 设置密码：管理员可为任何用户重设；用户可修改自己的密码（须提供当前密码）。
/// 新密码须符合密码规则（长度、不含用户名、非常见密码等）。当前密码输错与登录失败合并计数、
/// 记入审计日志：同一地址连续输错多次后暂停尝试（429）；同一地址的请求有频率限制。
/// 设置后该用户的所有会话结束。
#[utoipa::path(post, path = "/api/v1/users/{id}/password", tag = "users", params(("id" = i64, Path)),
    request_body = PasswordBody,
    responses((status = 204, description = "已设置"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, description = "输错次数过多或请求过于频繁", body = ErrorBody)))]
pub async fn set_password(
    State(state): State<AppState>,
    user: CurrentUser,
    client: ClientAddr,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<PasswordBody>,
) -> Result<StatusCode, ApiError> {
    if user.user().is_none() {
        return Err(ApiError::unauthorized());
    }
    state
        .app
        .set_password(
            &user.caller(),
            id,
            body.current_password.as_deref(),
            &body.new_password,
            &client.text(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
