//! The audit log and its verification.

use axum::extract::{Query, State};
use ecociv_app::{AuditEvent, AuditFilter, VerifyReport};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_events))
        .routes(routes!(verify))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// 只列出序号小于此值的事件（向前翻页）
    pub before_seq: Option<i64>,
    /// 对象（value:17）或对象类型（value）
    pub entity: Option<String>,
    pub actor: Option<String>,
    /// 条数（默认100，最多1000）
    pub limit: Option<i64>,
}

/// 审计日志，最新的在前（系统管理员、创建办、审计管理员）。审计日志只增不减，没有修改或删除事件的接口。
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Vec<AuditEvent>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_events(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<AuditQuery>,
) -> Result<axum::Json<Vec<AuditEvent>>, ApiError> {
    Ok(axum::Json(
        state
            .app
            .audit_events(
                &user.caller(),
                &AuditFilter {
                    before_seq: q.before_seq,
                    entity: q.entity,
                    actor: q.actor,
                    limit: q.limit,
                },
            )
            .await?,
    ))
}

/// 校验整条审计链及数据与日志是否一致，指出第一个断点（系统管理员、审计管理员）。
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit",
    responses((status = 200, body = VerifyReport), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn verify(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<axum::Json<VerifyReport>, ApiError> {
    Ok(axum::Json(state.app.verify_audit(&user.caller()).await?))
}
