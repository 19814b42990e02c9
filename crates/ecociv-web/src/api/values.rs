//! Values and their review: list, read, save a draft, submit, approve, return, correct.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use ecociv_app::{
    Correction, DataValue, ReviewEntry, SaveValue, ValueDetail, ValuePage, ValueQuery as AppQuery,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::{ApiJson, ReasonBody, VersionBody};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_values, save_value))
        .routes(routes!(get_value))
        .routes(routes!(submit_value))
        .routes(routes!(approve_value))
        .routes(routes!(return_value))
        .routes(routes!(correct_value))
        .routes(routes!(comment_value))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ValueQuery {
    pub indicator: Option<String>,
    pub region: Option<String>,
    pub period: Option<String>,
    /// draft | submitted | approved | returned
    pub status: Option<String>,
    /// Also versions replaced by an approved correction.
    #[serde(default)]
    pub history: bool,
    /// 每页条数，1–10000，默认 1000
    pub limit: Option<i64>,
    /// 翻页游标：上一页返回的 next_cursor；省略时从第一页开始
    pub cursor: Option<String>,
    /// 只列该年度各期（年度、季度、月度），如 2025
    pub year: Option<i32>,
    /// 只列年度值
    #[serde(default)]
    pub annual: bool,
}

/// 数据列表，分页返回：`values` 为本页数据（按指标、地区、报告期排序），`limit` 为每页条数，
/// `next_cursor` 不为 null 时表示还有下一页，将其作为 `cursor` 参数再次请求即可，直到为 null。
/// 先按可见范围筛选再分页，因此只有最后一页会少于 `limit` 条。
/// 未登录时只有已公开指标、已公开报告期的已审核数据，且不含填报人、修改人（created_by、updated_by 为空）
/// 和内部说明（comment、return_reason、correction_reason 为空）；
/// 填报员和审核员只能看到本单位（地区）范围内的草稿、待审核和退回数据。
#[utoipa::path(get, path = "/api/v1/values", tag = "values", params(ValueQuery),
    responses((status = 200, description = "一页数据", body = ValuePage), (status = 422, description = "参数无效（limit 超出范围、cursor 无效、未知的状态）", body = ErrorBody)))]
pub async fn list_values(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ValueQuery>,
) -> Result<axum::Json<ValuePage>, ApiError> {
    let q = AppQuery {
        indicator: q.indicator,
        region: q.region,
        period: q.period,
        status: q.status,
        history: q.history,
        limit: q.limit,
        cursor: q.cursor,
        year: q.year,
        annual_only: q.annual,
    };
    Ok(axum::Json(state.app.value_page(&user.caller(), &q).await?))
}

/// 一条数据及其审核记录和佐证材料。
#[utoipa::path(get, path = "/api/v1/values/{id}", tag = "values", params(("id" = i64, Path)),
    responses((status = 200, body = ValueDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_value(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<axum::Json<ValueDetail>, ApiError> {
    Ok(axum::Json(
        state.app.value_detail(&user.caller(), id).await?,
    ))
}

/// A number or 是/否 as JSON: `93.1`, `"93.1"`, `"是"`, `true`.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum ValueText {
    Number(f64),
    Text(String),
    Bool(bool),
}

impl ValueText {
    fn into_text(self) -> String {
        match self {
            ValueText::Number(n) => n.to_string(),
            ValueText::Text(s) => s,
            ValueText::Bool(b) => if b { "是" } else { "否" }.to_owned(),
        }
    }
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveValueBody {
    /// 指标代码
    pub indicator: String,
    /// 行政区代码
    pub region: String,
    /// 报告期：2024、2024Q3、2024-07
    pub period: String,
    /// 数值（93.1）或 是/否
    #[schema(value_type = String)]
    pub value: ValueText,
    #[serde(default)]
    pub comment: String,
    /// 修改已有草稿时须给出读取时的 version；新建时省略
    pub version: Option<i64>,
}

/// 保存草稿（新建或修改）。已审核的数据已锁定，请用更正；过期的 version 返回 409 及当前状态。
#[utoipa::path(post, path = "/api/v1/values", tag = "values", request_body = SaveValueBody,
    responses((status = 200, body = DataValue), (status = 403, body = ErrorBody),
        (status = 409, description = "version 过期或流程不允许", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn save_value(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<SaveValueBody>,
) -> Result<axum::Json<DataValue>, ApiError> {
    let input = SaveValue {
        indicator: body.indicator,
        region: body.region,
        period: body.period,
        value: body.value.into_text(),
        comment: body.comment,
        version: body.version,
        submit: false,
    };
    Ok(axum::Json(
        state.app.save_value(&user.caller(), input).await?,
    ))
}

/// 提交审核。
#[utoipa::path(post, path = "/api/v1/values/{id}/submit", tag = "values", params(("id" = i64, Path)),
    request_body = VersionBody,
    responses((status = 200, body = DataValue), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn submit_value(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<VersionBody>,
) -> Result<axum::Json<DataValue>, ApiError> {
    Ok(axum::Json(
        state
            .app
            .submit_value(&user.caller(), id, body.version)
            .await?,
    ))
}

/// 审核通过（牵头单位的审核员在本单位范围内，或创建办）。审核通过后数据锁定。
#[utoipa::path(post, path = "/api/v1/values/{id}/approve", tag = "values", params(("id" = i64, Path)),
    request_body = VersionBody,
    responses((status = 200, body = DataValue), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn approve_value(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<VersionBody>,
) -> Result<axum::Json<DataValue>, ApiError> {
    Ok(axum::Json(
        state
            .app
            .approve_value(&user.caller(), id, body.version)
            .await?,
    ))
}

/// 退回（须填写原因）。
#[utoipa::path(post, path = "/api/v1/values/{id}/return", tag = "values", params(("id" = i64, Path)),
    request_body = ReasonBody,
    responses((status = 200, body = DataValue), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn return_value(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ReasonBody>,
) -> Result<axum::Json<DataValue>, ApiError> {
    Ok(axum::Json(
        state
            .app
            .return_value(&user.caller(), id, body.version, &body.reason)
            .await?,
    ))
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectBody {
    /// 被更正的已审核数据的 version
    pub version: i64,
    #[schema(value_type = String)]
    pub value: ValueText,
    #[serde(default)]
    pub comment: String,
    /// 更正原因（必填）
    pub reason: String,
}

/// 更正已审核的数据：生成新版本（附原因）并提交审核；审核通过前原数据继续有效。
#[utoipa::path(post, path = "/api/v1/values/{id}/correct", tag = "values", params(("id" = i64, Path)),
    request_body = CorrectBody,
    responses((status = 201, body = DataValue), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn correct_value(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<CorrectBody>,
) -> Result<(StatusCode, axum::Json<DataValue>), ApiError> {
    let c = Correction {
        version: body.version,
        value: body.value.into_text(),
        comment: body.comment,
        reason: body.reason,
    };
    let v = state.app.correct_value(&user.caller(), id, c).await?;
    Ok((StatusCode::CREATED, axum::Json(v)))
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentBody {
    /// 留言（不超过2000字）
    pub text: String,
}

/// 对数据留言：参与单位（以及填报、审核该数据的单位）可对共同负责的数据留言；留言随审核记录保存，不改变数据。
#[utoipa::path(post, path = "/api/v1/values/{id}/comments", tag = "values", params(("id" = i64, Path)),
    request_body = CommentBody,
    responses((status = 201, body = ReviewEntry), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn comment_value(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<CommentBody>,
) -> Result<(StatusCode, axum::Json<ReviewEntry>), ApiError> {
    let c = state
        .app
        .comment_value(&user.caller(), id, &body.text)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(c)))
}
