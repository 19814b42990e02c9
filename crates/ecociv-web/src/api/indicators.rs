//! Indicators (with publication flags), the plan at a glance, and what a reporter owes.

use axum::extract::{Path, Query, State};
use ecociv_core::obligation;
use ecociv_store::{Actor, TaskUpdateFilter, ValueFilter, WorkflowStatus};
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::ApiJson;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ErrorBody};
use crate::policy::{self, Action};
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_indicators))
        .routes(routes!(set_published))
        .routes(routes!(plan))
        .routes(routes!(obligations))
}

/// An indicator as the API lists it.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct IndicatorBody {
    pub code: String,
    pub name: String,
    pub unit: String,
    /// `number` or `yes_no` (是/否).
    pub kind: String,
    pub area: Option<String>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub owner: Option<String>,
    /// Visible to the public.
    pub published: bool,
}

/// 指标列表。未登录时只列出已公开的指标。
#[utoipa::path(get, path = "/api/v1/indicators", tag = "indicators",
    responses((status = 200, description = "指标", body = Vec<IndicatorBody>)))]
pub async fn list_indicators(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<axum::Json<Vec<IndicatorBody>>, ApiError> {
    let model = state.store.current_model().await?;
    let published = state.store.published_indicators().await?;
    let out = model
        .plan
        .indicators
        .iter()
        .map(|i| IndicatorBody {
            code: i.code.clone(),
            name: i.name.clone(),
            unit: i.unit.as_str().to_owned(),
            kind: match i.kind {
                ecociv_core::ValueKind::Number => "number".into(),
                ecociv_core::ValueKind::YesNo => "yes_no".into(),
            },
            area: i.area.map(|a| a.name_zh().to_owned()),
            min: i.min,
            max: i.max,
            owner: i.owner.clone(),
            published: published.binary_search(&i.code).is_ok(),
        })
        .filter(|i| user.user().is_some() || i.published)
        .collect();
    Ok(axum::Json(out))
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
    let u = policy::require(user.user(), Action::ManagePeriods)?;
    state
        .store
        .set_indicator_published(&Actor::user(u), &code, body.published)
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// 当前实施方案概要：行政区、单位、重点任务（公开文件，无需登录）。
#[utoipa::path(get, path = "/api/v1/plan", tag = "indicators",
    responses((status = 200, description = "方案概要", body = Object)))]
pub async fn plan(State(state): State<AppState>) -> Result<axum::Json<Value>, ApiError> {
    let model = state.store.current_model().await?;
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
    let u = policy::require(user.user(), Action::ReadInternal)?;
    let model = state.store.current_model().await?;
    let period = ecociv_store::period::check_period(&model.plan, "period", &q.period)?.to_string();
    let (unit, region) = if policy::is_citywide(u) {
        (q.unit.clone(), q.region.clone())
    } else {
        (u.unit.clone(), u.region.clone())
    };
    let version = model.catalogue.version(&model.catalogue_version);
    let owed = match (&unit, &region) {
        (Some(code), _) => {
            let unit = model.unit(code).ok_or_else(|| {
                ApiError::invalid("unit", format!("单位代码“{code}”不在实施方案中"))
            })?;
            obligation::for_unit(&model.plan, version, &unit.name)
        }
        (None, Some(r)) => {
            if model.plan.region(r).is_none() {
                return Err(ApiError::invalid(
                    "region",
                    format!("行政区代码“{r}”不在实施方案中"),
                ));
            }
            obligation::for_region(&model.plan, version, r)
        }
        (None, None) => {
            return Err(ApiError::invalid(
                "unit",
                "请指定单位（unit）或行政区（region）",
            ));
        }
    };
    let values = state
        .store
        .values(&ValueFilter {
            period: Some(period.clone()),
            ..Default::default()
        })
        .await?;
    let updates = match &unit {
        Some(code) => {
            state
                .store
                .task_updates(&TaskUpdateFilter {
                    unit: Some(code.clone()),
                    period: Some(period.clone()),
                    ..Default::default()
                })
                .await?
        }
        None => Vec::new(),
    };
    let indicators: Vec<Value> = owed
        .indicators
        .iter()
        .map(|d| {
            let rows: Vec<_> = values
                .iter()
                .filter(|v| v.indicator == d.indicator && v.region == d.region)
                .collect();
            let work = rows.iter().find(|v| v.status != WorkflowStatus::Approved);
            let approved = rows.iter().find(|v| v.status == WorkflowStatus::Approved);
            json!({
                "indicator": d.indicator,
                "name": model.plan.indicator(&d.indicator).map(|i| i.name.clone()),
                "region": d.region,
                "responsibility": d.responsibility,
                "tasks": d.tasks,
                "computed": d.computed,
                "approved": approved,
                "in_work": work,
                "status": work.map(|v| v.status).or(approved.map(|v| v.status)),
            })
        })
        .collect();
    let tasks: Vec<Value> = owed
        .tasks
        .iter()
        .map(|t| {
            json!({
                "task": t.task,
                "title": model.plan.task(t.task).map(|x| x.title.clone()),
                "responsibility": t.responsibility,
                "update": updates.iter().find(|u| u.task == i64::from(t.task)),
            })
        })
        .collect();
    Ok(axum::Json(json!({
        "period": period, "unit": unit, "region": region,
        "indicators": indicators, "tasks": tasks,
    })))
}
