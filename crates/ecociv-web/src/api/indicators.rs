//! Indicators (with publication flags), the plan at a glance, and what a reporter owes.

use axum::extract::{Path, Query, State};
use ecociv_app::{IndicatorInfo, Missing, Share};
use ecociv_i18n::Msg;
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::ApiJson;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_indicators))
        .routes(routes!(set_published))
        .routes(routes!(plan))
        .routes(routes!(obligations))
        .routes(routes!(overdue))
        .routes(routes!(findings))
}

/// 指标列表。未登录时只列出已公开的指标。
#[utoipa::path(get, path = "/api/v1/indicators", tag = "indicators",
    responses((status = 200, description = "指标", body = Vec<IndicatorInfo>)))]
pub async fn list_indicators(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<axum::Json<Vec<IndicatorInfo>>, ApiError> {
    Ok(axum::Json(state.app.indicators(&user.caller()).await?))
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishBody {
    pub published: bool,
}

/// 公开或撤回一个指标（创建办）。
#[utoipa::path(put, path = "/api/v1/indicators/{code}/published", tag = "indicators",
    params(("code" = String, Path, description = "指标代码")), request_body = PublishBody,
    responses((status = 204, description = "已更新"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_published(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<PublishBody>,
) -> Result<axum::http::StatusCode, ApiError> {
    state
        .app
        .set_indicator_published(&user.caller(), &code, body.published)
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// 当前实施方案概要：行政区、单位、重点任务（公开文件，无需登录）。
#[utoipa::path(get, path = "/api/v1/plan", tag = "indicators",
    responses((status = 200, description = "方案概要", body = Object)))]
pub async fn plan(State(state): State<AppState>) -> Result<axum::Json<Value>, ApiError> {
    let model = state.app.model().await?;
    let p = &model.plan;
    Ok(axum::Json(json!({
        "id": p.id, "name": p.name, "city": p.city,
        "base_year": p.base_year, "end_year": p.end_year, "milestones": p.milestones,
        "plan_version": model.plan_version,
        "catalogue_version": model.catalogue_version,
        "catalogue_versions": model.catalogue.version_ids(),
        "regions": p.regions,
        "units": p.units,
        "tasks": p.tasks.iter().map(|t| json!({
            "number": t.number, "title": t.title, "area": t.area.name_zh(),
            "lead": t.lead, "participants": t.participants, "deadline": t.deadline,
        })).collect::<Vec<_>>(),
    })))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ObligationQuery {
    /// 报告期，如 2024、2024Q3
    pub period: String,
    /// 单位代码（创建办、查看者、管理员查看其他单位时）
    pub unit: Option<String>,
    /// 行政区代码（同上）
    pub region: Option<String>,
}

/// 应报事项：本单位（或本县区）在某报告期应报的指标与任务，以及各自当前的填报状态。
#[utoipa::path(get, path = "/api/v1/obligations", tag = "indicators", params(ObligationQuery),
    responses((status = 200, description = "应报事项", body = Object), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn obligations(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ObligationQuery>,
) -> Result<axum::Json<Value>, ApiError> {
    let caller = user.caller();
    let reporter = state
        .app
        .reporter_for(&caller, q.unit.as_deref(), q.region.as_deref())
        .await?
        .ok_or_else(|| ApiError::invalid("unit", Msg::NameUnitOrRegionParam))?;
    let owed = state.app.owed(&caller, &q.period, &reporter).await?;
    let model = state.app.model().await?;
    let (unit, region) = match &owed.reporter {
        ecociv_app::Reporter::Unit { code, .. } => (Some(code.clone()), None),
        ecociv_app::Reporter::Region { code, .. } => (None, Some(code.clone())),
    };
    let indicators: Vec<Value> = owed
        .values
        .iter()
        .map(|v| {
            json!({
                "indicator": v.due.indicator,
                "name": model.plan.indicator(&v.due.indicator).map(|i| i.name.clone()),
                "region": v.due.region,
                "responsibility": v.due.responsibility,
                "reports": v.share == Share::Reports,
                "lead": match &v.share { Share::TakesPart { lead } => Some(lead), Share::Reports => None },
                "tasks": v.due.tasks,
                "computed": v.due.computed,
                "approved": v.approved,
                "in_work": v.work,
                "status": v.status(),
            })
        })
        .collect();
    let tasks: Vec<Value> = owed
        .tasks
        .iter()
        .map(|t| {
            json!({
                "task": t.due.task,
                "title": model.plan.task(t.due.task).map(|x| x.title.clone()),
                "responsibility": t.due.responsibility,
                "update": t.update,
            })
        })
        .collect();
    Ok(axum::Json(json!({
        "period": owed.period, "unit": unit, "region": region,
        "indicators": indicators, "tasks": tasks,
    })))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OverdueQuery {
    /// 报告年份，默认为当前报告年度（上一年）
    pub year: Option<i32>,
}

/// 未报送：各单位和县区在某年应填报而尚无已提交或已审核数据的指标，以及是否已过报送期限（次年3月31日）。
#[utoipa::path(get, path = "/api/v1/overdue", tag = "indicators", params(OverdueQuery),
    responses((status = 200, description = "未报送的单位和县区，缺报最多的在前", body = Vec<Object>), (status = 401, body = ErrorBody)))]
pub async fn overdue(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<OverdueQuery>,
) -> Result<axum::Json<Vec<Missing>>, ApiError> {
    let model = state.app.model().await?;
    let year = q
        .year
        .unwrap_or_else(|| state.app.reporting_year(&model.plan));
    Ok(axum::Json(
        state.app.missing_reports(&user.caller(), year).await?,
    ))
}

/// 方案检查发现：低于国家标准的方案目标等（公开文件，无需登录）。
#[utoipa::path(get, path = "/api/v1/plan/findings", tag = "indicators",
    responses((status = 200, description = "发现（含 message 中文说明）", body = Vec<Object>)))]
pub async fn findings(State(state): State<AppState>) -> Result<axum::Json<Value>, ApiError> {
    let findings = state.app.plan_findings().await?;
    Ok(axum::Json(json!(
        findings
            .iter()
            .map(|f| {
                let mut v = serde_json::to_value(f).unwrap_or_default();
                v["message"] = json!(f.text(ecociv_i18n::Lang::Zh));
                v["message_en"] = json!(f.text(ecociv_i18n::Lang::En));
                v
            })
            .collect::<Vec<_>>()
    )))
}
