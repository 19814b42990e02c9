//! Values and their review: list, read, save a draft, submit, approve, return, correct.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use ecociv_store::{
    Actor, DataValue, EvidenceLink, EvidenceTarget, Provenance, ReviewEntry, ValueFilter,
    ValueInput, WorkflowStatus,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::{ApiJson, ReasonBody, VersionBody};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ErrorBody};
use crate::policy::{self, Action};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_values, save_value))
        .routes(routes!(get_value))
        .routes(routes!(submit_value))
        .routes(routes!(approve_value))
        .routes(routes!(return_value))
        .routes(routes!(correct_value))
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
    /// At most this many rows (default 10000).
    pub limit: Option<i64>,
}

/// 数据列表。未登录时只有已公开指标、已公开报告期的已审核数据；
/// 填报员和审核员只能看到本单位（地区）范围内的草稿、待审核和退回数据。
#[utoipa::path(get, path = "/api/v1/values", tag = "values", params(ValueQuery),
    responses((status = 200, description = "数据", body = Vec<DataValue>), (status = 422, body = ErrorBody)))]
pub async fn list_values(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ValueQuery>,
) -> Result<axum::Json<Vec<DataValue>>, ApiError> {
    let status = match q.status.as_deref() {
        None | Some("") => None,
        Some(s) => Some(WorkflowStatus::parse(s).ok_or_else(|| {
            ApiError::invalid(
                "status",
                format!("状态“{s}”无效，可用: draft、submitted、approved、returned"),
            )
        })?),
    };
    let mut filter = ValueFilter {
        indicator: q.indicator.clone(),
        region: q.region.clone(),
        period: q.period.clone(),
        status,
        include_superseded: q.history,
        limit: Some(q.limit.unwrap_or(10_000)),
    };
    let model = state.store.current_model().await?;
    let rows = match user.user() {
        None => {
            filter.status = Some(WorkflowStatus::Approved);
            let published = state.store.published_indicators().await?;
            let periods: Vec<String> = state
                .store
                .periods()
                .await?
                .into_iter()
                .filter(|p| p.published)
                .map(|p| p.id)
                .collect();
            state
                .store
                .values(&filter)
                .await?
                .into_iter()
                .filter(|v| {
                    published.binary_search(&v.indicator).is_ok() && periods.contains(&v.period)
                })
                .collect()
        }
        Some(u) => {
            let scope = policy::ValueScope::of(u, &model);
            state
                .store
                .values(&filter)
                .await?
                .into_iter()
                .filter(|v| scope.can_see(v))
                .collect()
        }
    };
    Ok(axum::Json(rows))
}

/// A value with its review history and evidence.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ValueDetail {
    pub value: DataValue,
    pub reviews: Vec<ReviewEntry>,
    pub evidence: Vec<EvidenceLink>,
}

async fn visible(state: &AppState, user: &CurrentUser, id: i64) -> Result<DataValue, ApiError> {
    let v = state.store.value(id).await?;
    let model = state.store.current_model().await?;
    let ok = match user.user() {
        Some(u) => policy::can_see_value(u, &model, &v),
        None => {
            v.status == WorkflowStatus::Approved
                && state
                    .store
                    .published_indicators()
                    .await?
                    .binary_search(&v.indicator)
                    .is_ok()
                && state.store.period(&v.period).await?.published
        }
    };
    if ok {
        Ok(v)
    } else if user.user().is_none() {
        Err(ApiError::unauthorized())
    } else {
        Err(ApiError::forbidden(
            "该数据不在本单位（地区）范围内，且尚未审核通过",
        ))
    }
}

/// 一条数据及其审核记录和佐证材料。
#[utoipa::path(get, path = "/api/v1/values/{id}", tag = "values", params(("id" = i64, Path)),
    responses((status = 200, body = ValueDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_value(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<axum::Json<ValueDetail>, ApiError> {
    let value = visible(&state, &user, id).await?;
    let (reviews, evidence) = if user.user().is_some() {
        (
            state.store.reviews("value", id).await?,
            state
                .store
                .evidence_links(EvidenceTarget::Value(id))
                .await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(axum::Json(ValueDetail {
        value,
        reviews,
        evidence,
    }))
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
    let model = state.store.current_model().await?;
    // Resolve names to codes first so the scope check sees codes.
    let indicator = model
        .plan
        .find_indicator(&body.indicator)
        .map(|i| model.plan.indicators[i].code.clone())
        .ok_or_else(|| ApiError::invalid("indicator", format!("未知的指标“{}”", body.indicator)))?;
    let region = model
        .plan
        .find_region(&body.region)
        .map(|i| model.plan.regions[i].code.clone())
        .ok_or_else(|| ApiError::invalid("region", format!("未知的行政区“{}”", body.region)))?;
    let u = policy::require_value(user.user(), Action::WriteValue, &model, &indicator, &region)?;
    if body.comment.chars().count() > 2000 {
        return Err(ApiError::invalid("comment", "说明不能超过2000字"));
    }
    let input = ValueInput {
        indicator,
        region,
        period: body.period,
        value: body.value.into_text(),
        comment: body.comment,
        provenance: Provenance::Form,
        provenance_detail: String::new(),
    };
    Ok(axum::Json(
        state
            .store
            .save_value(&Actor::user(u), &input, body.version)
            .await?,
    ))
}

async fn scoped(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    action: Action,
) -> Result<(DataValue, Actor), ApiError> {
    let model = state.store.current_model().await?;
    let actor_user = policy::require(user.user(), action)?;
    let v = state.store.value(id).await?;
    let u = policy::require_value(Some(actor_user), action, &model, &v.indicator, &v.region)?;
    Ok((v, Actor::user(u)))
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
    let (_, actor) = scoped(&state, &user, id, Action::WriteValue).await?;
    Ok(axum::Json(
        state.store.submit_value(&actor, id, body.version).await?,
    ))
}

/// 审核通过（审核员在本单位范围内，或创建办）。审核通过后数据锁定。
#[utoipa::path(post, path = "/api/v1/values/{id}/approve", tag = "values", params(("id" = i64, Path)),
    request_body = VersionBody,
    responses((status = 200, body = DataValue), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn approve_value(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<VersionBody>,
) -> Result<axum::Json<DataValue>, ApiError> {
    let (_, actor) = scoped(&state, &user, id, Action::ReviewValue).await?;
    Ok(axum::Json(
        state.store.approve_value(&actor, id, body.version).await?,
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
    let (_, actor) = scoped(&state, &user, id, Action::ReviewValue).await?;
    Ok(axum::Json(
        state
            .store
            .return_value(&actor, id, body.version, &body.reason)
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
    let (_, actor) = scoped(&state, &user, id, Action::CorrectValue).await?;
    let v = state
        .store
        .correct_value(
            &actor,
            id,
            body.version,
            &body.value.into_text(),
            &body.comment,
            &body.reason,
        )
        .await?;
    Ok((StatusCode::CREATED, axum::Json(v)))
}
