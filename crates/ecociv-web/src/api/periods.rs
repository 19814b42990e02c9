//! Reporting periods: list, close, reopen (coordinator, with a reason), publish.

use axum::extract::{Path, State};
use ecociv_app::{PeriodAction, PeriodState};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::{ApiJson, ReasonBody};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_periods))
        .routes(routes!(close_period))
        .routes(routes!(reopen_period))
        .routes(routes!(publish_period))
}

/// 报告期状态（曾关闭或公开过的报告期；未列出的报告期为开放、未公开）。
/// 未登录时不含操作人（updated_by 为 null）和关闭、重新开放的原因（reason 为空）。
#[utoipa::path(get, path = "/api/v1/periods", tag = "periods",
    responses((status = 200, body = Vec<PeriodState>)))]
pub async fn list_periods(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<axum::Json<Vec<PeriodState>>, ApiError> {
    Ok(axum::Json(state.app.periods(&user.caller()).await?))
}

/// 关闭报告期（创建办，须填写原因）：关闭后该期（及其季度、月份）的数据不能再修改。
/// 从未改动过的报告期 version 为 0。
#[utoipa::path(post, path = "/api/v1/periods/{id}/close", tag = "periods", params(("id" = String, Path, description = "2024、2024Q3、2024-07")),
    request_body = ReasonBody,
    responses((status = 200, body = PeriodState), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn close_period(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ReasonBody>,
) -> Result<axum::Json<PeriodState>, ApiError> {
    let action = PeriodAction::Close {
        reason: body.reason,
    };
    Ok(axum::Json(
        state
            .app
            .change_period(&user.caller(), &id, &action, body.version)
            .await?,
    ))
}

/// 重新开放报告期（创建办，须填写原因）。
#[utoipa::path(post, path = "/api/v1/periods/{id}/reopen", tag = "periods", params(("id" = String, Path)),
    request_body = ReasonBody,
    responses((status = 200, body = PeriodState), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reopen_period(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ReasonBody>,
) -> Result<axum::Json<PeriodState>, ApiError> {
    let action = PeriodAction::Reopen {
        reason: body.reason,
    };
    Ok(axum::Json(
        state
            .app
            .change_period(&user.caller(), &id, &action, body.version)
            .await?,
    ))
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishPeriodBody {
    pub published: bool,
    pub version: i64,
}

/// 公开或撤回一个报告期的已审核数据（创建办）。
#[utoipa::path(put, path = "/api/v1/periods/{id}/published", tag = "periods", params(("id" = String, Path)),
    request_body = PublishPeriodBody,
    responses((status = 200, body = PeriodState), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn publish_period(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PublishPeriodBody>,
) -> Result<axum::Json<PeriodState>, ApiError> {
    let action = PeriodAction::Publish(body.published);
    Ok(axum::Json(
        state
            .app
            .change_period(&user.caller(), &id, &action, body.version)
            .await?,
    ))
}
