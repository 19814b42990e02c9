//! 审核: the inbox of values and task updates submitted within the reviewer's scope (the whole
//! city for the creation office), each with the previous period's value and its evidence;
//! approve, or return with a reason the reporter sees.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use ecociv_core::ValueKind;
use ecociv_store::{Actor, EvidenceTarget, TaskUpdateFilter, User, ValueFilter, WorkflowStatus};

use super::indicators::{EvidenceRow, evidence_rows};
use super::{Ctx, Layout, PageError, Section, fmt_stored, fmt_time, non_empty, render, see_other};
use crate::error::ApiError;
use crate::policy::{self, Action};
use crate::state::AppState;

#[derive(Debug, Default, serde::Deserialize)]
pub struct InboxQuery {
    done: Option<String>,
}

#[derive(Debug)]
struct ValueItem {
    id: i64,
    version: i64,
    name: String,
    href: String,
    region: String,
    period: String,
    value: String,
    previous: String,
    comment: String,
    correction: String,
    by: String,
    at: String,
    evidence: Vec<EvidenceRow>,
    problem: Option<String>,
}

#[derive(Debug)]
struct TaskItem {
    id: i64,
    version: i64,
    task: i64,
    title: String,
    unit: String,
    period: String,
    progress: String,
    narrative: String,
    by: String,
    at: String,
    evidence: Vec<EvidenceRow>,
    problem: Option<String>,
}

#[derive(Template)]
#[template(path = "review.html")]
struct InboxPage {
    page: Layout,
    values: Vec<ValueItem>,
    tasks: Vec<TaskItem>,
    can_values: bool,
    can_tasks: bool,
}

pub async fn inbox(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<InboxQuery>,
) -> Result<Response, PageError> {
    let user = ctx
        .require_any(&[Action::ReviewValue, Action::ReviewTask])?
        .clone();
    let notice = match non_empty(&q.done) {
        Some("approved") => Some(ctx.t().rev_approved.to_owned()),
        Some("returned") => Some(ctx.t().rev_returned.to_owned()),
        _ => None,
    };
    show(&state, &ctx, &user, None, notice, StatusCode::OK).await
}

/// `problem`: (kind, id, message) of a refused decision, shown at its row.
async fn show(
    state: &AppState,
    ctx: &Ctx,
    user: &User,
    problem: Option<(&str, i64, String)>,
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let model = state.store.current_model().await?;
    let plan = &model.plan;
    let lang = ctx.lang;
    let can_values = policy::role_allows(user.role, Action::ReviewValue);
    let can_tasks = policy::role_allows(user.role, Action::ReviewTask);
    let problem_for = |kind: &str, id: i64| {
        problem
            .as_ref()
            .filter(|(k, i, _)| *k == kind && *i == id)
            .map(|(_, _, m)| m.clone())
    };

    let mut values = Vec::new();
    if can_values {
        let submitted: Vec<_> = state
            .store
            .values(&ValueFilter {
                status: Some(WorkflowStatus::Submitted),
                ..Default::default()
            })
            .await?
            .into_iter()
            .filter(|v| policy::covers_value(user, &model, &v.indicator, &v.region))
            .collect();
        // The previous year's approved values, for comparison.
        let mut previous = Vec::new();
        let mut prev_periods: Vec<String> = submitted
            .iter()
            .filter_map(|v| v.period.parse::<i32>().ok())
            .map(|y| (y - 1).to_string())
            .collect();
        prev_periods.sort();
        prev_periods.dedup();
        for p in prev_periods {
            previous.extend(
                state
                    .store
                    .values(&ValueFilter {
                        period: Some(p),
                        status: Some(WorkflowStatus::Approved),
                        ..Default::default()
                    })
                    .await?,
            );
        }
        for v in submitted {
            let ind = plan.indicator(&v.indicator);
            let unit = ind.map(|i| i.unit.as_str()).unwrap_or("");
            let yes_no = ind.is_some_and(|i| i.kind == ValueKind::YesNo);
            let prev_period = v
                .period
                .parse::<i32>()
                .map(|y| (y - 1).to_string())
                .unwrap_or_default();
            let previous = previous
                .iter()
                .find(|p| {
                    p.indicator == v.indicator && p.region == v.region && p.period == prev_period
                })
                .map(|p| format!("{}：{}", p.period, fmt_stored(&p.value, unit, yes_no)))
                .unwrap_or_else(|| "—".into());
            let evidence = evidence_rows(state, EvidenceTarget::Value(v.id)).await?;
            values.push(ValueItem {
                id: v.id,
                version: v.version,
                name: ind
                    .map(|i| i.name.clone())
                    .unwrap_or_else(|| v.indicator.clone()),
                href: format!(
                    "/indicators/{}?region={}&year={}",
                    v.indicator, v.region, v.period
                ),
                region: plan
                    .region(&v.region)
                    .map(|r| r.name.clone())
                    .unwrap_or_else(|| v.region.clone()),
                period: v.period.clone(),
                value: fmt_stored(&v.value, unit, yes_no),
                previous,
                comment: v.comment.clone(),
                correction: if v.correction > 0 {
                    v.correction_reason.clone()
                } else {
                    String::new()
                },
                by: v.updated_by.clone(),
                at: fmt_time(&v.updated_at),
                evidence,
                problem: problem_for("value", v.id),
            });
        }
    }

    let mut tasks = Vec::new();
    if can_tasks {
        let submitted = state
            .store
            .task_updates(&TaskUpdateFilter {
                status: Some(WorkflowStatus::Submitted),
                ..Default::default()
            })
            .await?;
        for u in submitted
            .into_iter()
            .filter(|u| policy::covers_unit(user, &u.unit))
        {
            let evidence = evidence_rows(state, EvidenceTarget::TaskUpdate(u.id)).await?;
            tasks.push(TaskItem {
                id: u.id,
                version: u.version,
                task: u.task,
                title: plan
                    .task(u32::try_from(u.task).unwrap_or(0))
                    .map(|t| t.title.clone())
                    .unwrap_or_default(),
                unit: model
                    .unit(&u.unit)
                    .map(|x| x.name.clone())
                    .unwrap_or_else(|| u.unit.clone()),
                period: u.period.clone(),
                progress: format!("{}，{}%", lang.progress(u.progress), u.percent),
                narrative: u.narrative.clone(),
                by: u.updated_by.clone(),
                at: fmt_time(&u.updated_at),
                evidence,
                problem: problem_for("task", u.id),
            });
        }
    }
    let page = Layout::new(state, ctx, Section::Review, ctx.t().rev_title)
        .await?
        .with_notice(notice);
    Ok(render(
        status,
        &InboxPage {
            page,
            values,
            tasks,
            can_values,
            can_tasks,
        },
    ))
}

#[derive(Debug, serde::Deserialize)]
pub struct Decision {
    action: String,
    version: i64,
    #[serde(default)]
    reason: String,
}

pub async fn decide_value(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(d): Form<Decision>,
) -> Result<Response, PageError> {
    let model = state.store.current_model().await?;
    let user = ctx.require(Action::ReviewValue)?.clone();
    let v = state.store.value(id).await?;
    let u = policy::require_value(
        Some(&user),
        Action::ReviewValue,
        &model,
        &v.indicator,
        &v.region,
    )?;
    let actor = Actor::user(u);
    let result = match d.action.as_str() {
        "approve" => state.store.approve_value(&actor, id, d.version).await,
        "return" => {
            state
                .store
                .return_value(&actor, id, d.version, &d.reason)
                .await
        }
        other => return Err(PageError::invalid(format!("未知的操作“{other}”"))),
    };
    finish(
        &state,
        &ctx,
        &user,
        "value",
        id,
        &d.action,
        result.map(|_| ()),
    )
    .await
}

pub async fn decide_task(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(d): Form<Decision>,
) -> Result<Response, PageError> {
    let user = ctx.require(Action::ReviewTask)?.clone();
    let t = state.store.task_update(id).await?;
    let u = policy::require_unit(Some(&user), Action::ReviewTask, &t.unit)?;
    let actor = Actor::user(u);
    let result = match d.action.as_str() {
        "approve" => state.store.approve_task_update(&actor, id, d.version).await,
        "return" => {
            state
                .store
                .return_task_update(&actor, id, d.version, &d.reason)
                .await
        }
        other => return Err(PageError::invalid(format!("未知的操作“{other}”"))),
    };
    finish(
        &state,
        &ctx,
        &user,
        "task",
        id,
        &d.action,
        result.map(|_| ()),
    )
    .await
}

async fn finish(
    state: &AppState,
    ctx: &Ctx,
    user: &User,
    kind: &str,
    id: i64,
    action: &str,
    result: Result<(), ecociv_store::StoreError>,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(see_other(if action == "approve" {
            "/review?done=approved"
        } else {
            "/review?done=returned"
        })),
        Err(e) if e.is_client_error() => {
            let e = ApiError::from(e);
            let status = e.status;
            let mut message = e.message.clone();
            if let Some(c) = e.details.get("current").filter(|c| c.is_object()) {
                let status_zh = c
                    .get("status")
                    .and_then(|s| s.as_str())
                    .and_then(WorkflowStatus::parse)
                    .map(|w| w.name_zh())
                    .unwrap_or("");
                message.push_str(&format!(
                    "。当前：{}（{status_zh}，版本 {}）",
                    c.get("value").and_then(|v| v.as_str()).unwrap_or(""),
                    c["version"]
                ));
            }
            show(state, ctx, user, Some((kind, id, message)), None, status).await
        }
        Err(e) => Err(e.into()),
    }
}
