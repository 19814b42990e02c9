//! 审核: the inbox of values and task updates submitted within the reviewer's scope (the whole
//! city for the creation office), each with the previous period's value and its evidence;
//! approve, or return with a reason the reporter sees.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use ecociv_app::policy::Action;
use std::collections::BTreeMap;

use ecociv_app::{AppError, EvidenceKind, EvidenceLink};
use ecociv_core::ValueKind;
use ecociv_i18n::{Msg, Words};

use super::indicators::{EvidenceRow, evidence_row};
use super::{Ctx, Layout, PageError, Section, fmt_stored, fmt_time, non_empty, render, see_other};
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Default, serde::Deserialize)]
pub struct InboxQuery {
    done: Option<String>,
    /// Where the page of values starts (the previous page's last value).
    after: Option<i64>,
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
    /// Not the first page of values.
    paged: bool,
    /// The next page of values.
    next: Option<String>,
}

pub async fn inbox(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<InboxQuery>,
) -> Result<Response, PageError> {
    ctx.require_any(&[Action::ReviewValue, Action::ReviewTask])?;
    let notice = match non_empty(&q.done) {
        Some("approved") => Some(ctx.t().rev_approved.to_owned()),
        Some("returned") => Some(ctx.t().rev_returned.to_owned()),
        _ => None,
    };
    show(&state, &ctx, None, notice, StatusCode::OK, q.after).await
}

/// `problem`: (kind, id, message) of a refused decision, shown at its row.
async fn show(
    state: &AppState,
    ctx: &Ctx,
    problem: Option<(&str, i64, String)>,
    notice: Option<String>,
    status: StatusCode,
    after: Option<i64>,
) -> Result<Response, PageError> {
    let caller = ctx.caller();
    let model = state.app.model().await?;
    let plan = &model.plan;
    let lang = ctx.lang;
    let can_values = ctx.can(Action::ReviewValue);
    let can_tasks = ctx.can(Action::ReviewTask);
    let problem_for = |kind: &str, id: i64| {
        problem
            .as_ref()
            .filter(|(k, i, _)| *k == kind && *i == id)
            .map(|(_, _, m)| m.clone())
    };
    let inbox = state.app.review_inbox(&caller, after).await?;
    let value_ids: Vec<i64> = inbox.values.iter().map(|i| i.value.id).collect();
    let mut value_files = state
        .app
        .evidence_of_many(&caller, EvidenceKind::Value, &value_ids)
        .await?;
    let task_ids: Vec<i64> = inbox.tasks.iter().map(|u| u.id).collect();
    let mut task_files = state
        .app
        .evidence_of_many(&caller, EvidenceKind::TaskUpdate, &task_ids)
        .await?;

    let mut values = Vec::new();
    for item in &inbox.values {
        let v = &item.value;
        let ind = plan.indicator(&v.indicator);
        let unit = ind.map(|i| i.unit.as_str()).unwrap_or("");
        let yes_no = ind.is_some_and(|i| i.kind == ValueKind::YesNo);
        let previous = item
            .previous
            .as_ref()
            .map(|p| format!("{}：{}", p.period, fmt_stored(&p.value, unit, yes_no, lang)))
            .unwrap_or_else(|| "—".into());
        let evidence = files(&mut value_files, v.id);
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
            value: fmt_stored(&v.value, unit, yes_no, lang),
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

    let mut tasks = Vec::new();
    for u in &inbox.tasks {
        let evidence = files(&mut task_files, u.id);
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
            progress: format!("{}，{}%", u.progress.word(lang), u.percent),
            narrative: u.narrative.clone(),
            by: u.updated_by.clone(),
            at: fmt_time(&u.updated_at),
            evidence,
            problem: problem_for("task", u.id),
        });
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
            paged: after.is_some(),
            next: inbox.next_cursor.map(|id| format!("/review?after={id}")),
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
    let caller = ctx.caller();
    let result = match d.action.as_str() {
        "approve" => state.app.approve_value(&caller, id, d.version).await,
        "return" => {
            state
                .app
                .return_value(&caller, id, d.version, &d.reason)
                .await
        }
        other => {
            return Err(ApiError::invalid(
                "action",
                Msg::UnknownAction {
                    action: other.to_owned(),
                },
            ));
        }
    };
    finish(&state, &ctx, "value", id, &d.action, result.map(|_| ())).await
}

pub async fn decide_task(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(d): Form<Decision>,
) -> Result<Response, PageError> {
    let caller = ctx.caller();
    let result = match d.action.as_str() {
        "approve" => state.app.approve_task_update(&caller, id, d.version).await,
        "return" => {
            state
                .app
                .return_task_update(&caller, id, d.version, &d.reason)
                .await
        }
        other => {
            return Err(ApiError::invalid(
                "action",
                Msg::UnknownAction {
                    action: other.to_owned(),
                },
            ));
        }
    };
    finish(&state, &ctx, "task", id, &d.action, result.map(|_| ())).await
}

/// The files of a record, taken from what was read for the page.
fn files(by_id: &mut BTreeMap<i64, Vec<EvidenceLink>>, id: i64) -> Vec<EvidenceRow> {
    by_id
        .remove(&id)
        .unwrap_or_default()
        .into_iter()
        .map(evidence_row)
        .collect()
}

/// After a decision: back to the inbox with a notice, or the inbox again with the refusal at
/// its row. Refusals of who may (401, 403) stay error pages.
async fn finish(
    state: &AppState,
    ctx: &Ctx,
    kind: &str,
    id: i64,
    action: &str,
    result: Result<(), AppError>,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(see_other(if action == "approve" {
            "/review?done=approved"
        } else {
            "/review?done=returned"
        })),
        Err(
            e @ (AppError::Unauthenticated
            | AppError::Forbidden(_)
            | AppError::Internal(_)
            | AppError::Busy { .. }),
        ) => Err(e.into()),
        Err(e) => {
            let status = ApiError::from(e.clone()).status();
            let lang = ctx.lang;
            let mut message = e.message(lang);
            if let AppError::Conflict { current, .. } = &e
                && current.is_object()
            {
                let state_word = current
                    .get("status")
                    .and_then(|s| s.as_str())
                    .and_then(ecociv_app::WorkflowStatus::parse);
                message.push_str(
                    &Msg::CurrentRecord(Box::new(ecociv_i18n::CurrentRecord {
                        value: current
                            .get("value")
                            .and_then(|v| v.as_str())
                            .unwrap_or("")
                            .to_owned(),
                        state: state_word.map(|w| ecociv_i18n::Phrase::of(&w)),
                        version: current["version"].as_i64().unwrap_or(0),
                        by: None,
                    }))
                    .text(lang),
                );
            }
            show(state, ctx, Some((kind, id, message)), None, status, None).await
        }
    }
}
