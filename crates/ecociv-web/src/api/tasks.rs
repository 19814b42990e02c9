//! Key tasks (重点任务) and their progress updates (督办), reviewed like values.

use axum::extract::{Path, Query, State};
use ecociv_app::{SaveTask, TaskQuery, TaskUpdate};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::{ApiJson, ReasonBody, VersionBody};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tasks))
        .routes(routes!(list_updates, save_update))
        .routes(routes!(submit_update))
        .routes(routes!(approve_update))
        .routes(routes!(return_update))
}

/// A key task of the plan with its responsible units and targets.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct TaskBody {
    pub number: u32,
    pub title: String,
    pub area: String,
    pub text: String,
    /// 牵头单位 (names as in the plan)
    pub lead: Vec<String>,
    /// 参与单位
    pub participants: Vec<String>,
    /// 按职责分工负责
    pub shared: bool,
    pub deadline: Option<String>,
    /// Targets as (indicator, region, year, threshold text)
    #[schema(value_type = Vec<Object>)]
    pub targets: Vec<serde_json::Value>,
}

/// 实施方案的重点任务（公开文件，无需登录）。
#[utoipa::path(get, path = "/api/v1/tasks", tag = "tasks",
    responses((status = 200, body = Vec<TaskBody>)))]
pub async fn list_tasks(
    State(state): State<AppState>,
) -> Result<axum::Json<Vec<TaskBody>>, ApiError> {
    let model = state.app.model().await?;
    Ok(axum::Json(
        model
            .plan
            .tasks
            .iter()
            .map(|t| TaskBody {
                number: t.number,
                title: t.title.clone(),
                area: t.area.name_zh().to_owned(),
                text: t.text.clone(),
                lead: t.lead.clone(),
                participants: t.participants.clone(),
                shared: t.shared,
                deadline: t.deadline.clone(),
                targets: t
                    .targets
                    .iter()
                    .map(|g| {
                        serde_json::json!({
                            "indicator": g.indicator, "region": g.region, "year": g.year,
                            "threshold": g.threshold.to_string(), "quote": g.quote,
                        })
                    })
                    .collect(),
            })
            .collect(),
    ))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UpdateQuery {
    pub task: Option<i64>,
    pub unit: Option<String>,
    pub period: Option<String>,
    pub status: Option<String>,
}

/// 任务进展列表（须登录；填报员、审核员只能看到本单位的未审核进展）。
#[utoipa::path(get, path = "/api/v1/task-updates", tag = "tasks", params(UpdateQuery),
    responses((status = 200, body = Vec<TaskUpdate>), (status = 401, body = ErrorBody)))]
pub async fn list_updates(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<UpdateQuery>,
) -> Result<axum::Json<Vec<TaskUpdate>>, ApiError> {
    let q = TaskQuery {
        task: q.task,
        unit: q.unit,
        period: q.period,
        status: q.status,
    };
    Ok(axum::Json(
        state.app.list_task_updates(&user.caller(), &q).await?,
    ))
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveUpdateBody {
    /// 任务编号
    pub task: i64,
    /// 单位代码；填报员可省略（取本单位）
    pub unit: Option<String>,
    /// 报告期
    pub period: String,
    /// not_started | in_progress | completed | delayed
    pub progress: String,
    /// 完成百分比 0–100
    pub percent: i64,
    #[serde(default)]
    pub narrative: String,
    /// 修改已有草稿时的 version
    pub version: Option<i64>,
}

/// 保存任务进展草稿。
#[utoipa::path(post, path = "/api/v1/task-updates", tag = "tasks", request_body = SaveUpdateBody,
    responses((status = 200, body = TaskUpdate), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn save_update(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<SaveUpdateBody>,
) -> Result<axum::Json<TaskUpdate>, ApiError> {
    let input = SaveTask {
        task: body.task,
        unit: body.unit,
        period: body.period,
        progress: body.progress,
        percent: body.percent,
        narrative: body.narrative,
        version: body.version,
        submit: false,
    };
    Ok(axum::Json(
        state.app.save_task_update(&user.caller(), input).await?,
    ))
}

/// 提交任务进展审核。
#[utoipa::path(post, path = "/api/v1/task-updates/{id}/submit", tag = "tasks", params(("id" = i64, Path)),
    request_body = VersionBody,
    responses((status = 200, body = TaskUpdate), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn submit_update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<VersionBody>,
) -> Result<axum::Json<TaskUpdate>, ApiError> {
    Ok(axum::Json(
        state
            .app
            .submit_task_update(&user.caller(), id, body.version)
            .await?,
    ))
}

/// 审核通过任务进展。
#[utoipa::path(post, path = "/api/v1/task-updates/{id}/approve", tag = "tasks", params(("id" = i64, Path)),
    request_body = VersionBody,
    responses((status = 200, body = TaskUpdate), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn approve_update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<VersionBody>,
) -> Result<axum::Json<TaskUpdate>, ApiError> {
    Ok(axum::Json(
        state
            .app
            .approve_task_update(&user.caller(), id, body.version)
            .await?,
    ))
}

/// 退回任务进展（须填写原因）。
#[utoipa::path(post, path = "/api/v1/task-updates/{id}/return", tag = "tasks", params(("id" = i64, Path)),
    request_body = ReasonBody,
    responses((status = 200, body = TaskUpdate), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn return_update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ReasonBody>,
) -> Result<axum::Json<TaskUpdate>, ApiError> {
    Ok(axum::Json(
        state
            .app
            .return_task_update(&user.caller(), id, body.version, &body.reason)
            .await?,
    ))
}
