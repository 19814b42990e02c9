//! 任务: the board of key tasks (重点任务) by area or by lead unit, with the latest progress and
//! overdue flags, and the task page with its text, targets and the timeline of updates with their
//! review steps and evidence.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use ecociv_core::{Area, Plan, Task};
use ecociv_store::{
    EvidenceTarget, TaskProgress, TaskUpdate, TaskUpdateFilter, User, WorkflowStatus,
};

use super::indicators::{EvidenceRow, evidence_rows, workflow_class};
use super::{
    Choice, Ctx, Lang, Layout, PageError, Section, due_date, fmt_time, non_empty, render, today,
    year_choices, year_param,
};
use crate::policy::{self, Action};
use crate::state::AppState;

#[derive(Debug, Default, serde::Deserialize)]
pub struct BoardQuery {
    by: Option<String>,
    period: Option<String>,
}

#[derive(Debug)]
struct TaskRow {
    number: u32,
    title: String,
    area: String,
    lead: String,
    deadline: String,
    latest: Option<Latest>,
    overdue: Vec<String>,
}

#[derive(Debug)]
struct Latest {
    period: String,
    progress: String,
    percent: i64,
    state: &'static str,
    state_class: &'static str,
    unit: String,
}

#[derive(Debug)]
struct Group {
    id: String,
    name: String,
    rows: Vec<TaskRow>,
    overdue: usize,
}

#[derive(Template)]
#[template(path = "tasks.html")]
struct BoardPage {
    page: Layout,
    by_unit: bool,
    period: i32,
    periods: Vec<Choice>,
    due: String,
    groups: Vec<Group>,
    total: usize,
    overdue: usize,
}

/// Why a task is flagged overdue: its deadline passed without completion, or a lead unit has not
/// reported progress for the period after its due date.
fn overdue_reasons(
    plan: &Plan,
    task: &Task,
    updates: &[&TaskUpdate],
    period: i32,
    today: NaiveDate,
) -> Vec<String> {
    let mut out = Vec::new();
    let completed = updates
        .iter()
        .any(|u| u.progress == TaskProgress::Completed && u.status == WorkflowStatus::Approved);
    if let Some(d) = task
        .deadline
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        && d < today
        && !completed
    {
        out.push(format!("期限{d}已过，尚未完成"));
    }
    if today > due_date(period) {
        let p = period.to_string();
        for lead in &task.lead {
            let Some(unit) = plan.units.iter().find(|u| &u.name == lead) else {
                continue;
            };
            let reported = updates.iter().any(|u| {
                u.unit == unit.code
                    && u.period == p
                    && matches!(
                        u.status,
                        WorkflowStatus::Submitted | WorkflowStatus::Approved
                    )
            });
            if !reported {
                out.push(format!("{lead}未报送{p}年进展"));
            }
        }
    }
    out
}

fn latest_of(model: &ecociv_store::Model, updates: &[&TaskUpdate], lang: Lang) -> Option<Latest> {
    updates
        .iter()
        .max_by(|a, b| a.period.cmp(&b.period).then(a.id.cmp(&b.id)))
        .map(|u| Latest {
            period: u.period.clone(),
            progress: lang.progress(u.progress).to_owned(),
            percent: u.percent,
            state: lang.workflow(u.status),
            state_class: workflow_class(u.status),
            unit: model
                .unit(&u.unit)
                .map(|x| x.name.clone())
                .unwrap_or_else(|| u.unit.clone()),
        })
}

async fn visible_updates(
    state: &AppState,
    user: &User,
    task: Option<i64>,
) -> Result<Vec<TaskUpdate>, PageError> {
    Ok(state
        .store
        .task_updates(&TaskUpdateFilter {
            task,
            ..Default::default()
        })
        .await?
        .into_iter()
        .filter(|t| policy::can_see_task_update(user, t))
        .collect())
}

pub async fn board(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<BoardQuery>,
) -> Result<Response, PageError> {
    let user = ctx.require(Action::ReadInternal)?.clone();
    let model = state.store.current_model().await?;
    let plan = &model.plan;
    let lang = ctx.lang;
    let t = ctx.t();
    let today = today(&state);
    let period = year_param(plan, today, non_empty(&q.period))?;
    let updates = visible_updates(&state, &user, None).await?;
    let by_unit = non_empty(&q.by) == Some("unit");

    let row = |task: &Task| {
        let mine: Vec<&TaskUpdate> = updates
            .iter()
            .filter(|u| u.task == i64::from(task.number))
            .collect();
        TaskRow {
            number: task.number,
            title: task.title.clone(),
            area: lang.area(task.area).to_owned(),
            lead: task.lead.join("、"),
            deadline: task.deadline.clone().unwrap_or_default(),
            latest: latest_of(&model, &mine, lang),
            overdue: overdue_reasons(plan, task, &mine, period, today),
        }
    };
    let group = |id: String, name: String, rows: Vec<TaskRow>| Group {
        overdue: rows.iter().filter(|r| !r.overdue.is_empty()).count(),
        id,
        name,
        rows,
    };
    let groups: Vec<Group> = if by_unit {
        plan.units
            .iter()
            .map(|u| {
                let rows: Vec<TaskRow> = plan
                    .tasks
                    .iter()
                    .filter(|task| task.lead.contains(&u.name))
                    .map(row)
                    .collect();
                group(format!("unit-{}", u.code), u.name.clone(), rows)
            })
            .filter(|g| !g.rows.is_empty())
            .collect()
    } else {
        Area::ALL
            .iter()
            .map(|a| {
                let rows: Vec<TaskRow> = plan
                    .tasks
                    .iter()
                    .filter(|task| task.area == *a)
                    .map(row)
                    .collect();
                group(
                    format!("area-{}", ecociv_i18n::Words::word(a, ecociv_i18n::Lang::En).to_lowercase().replace(' ', "-")),
                    lang.area(*a).to_owned(),
                    rows,
                )
            })
            .filter(|g| !g.rows.is_empty())
            .collect()
    };
    let page = Layout::new(&state, &ctx, Section::Tasks, t.task_title).await?;
    Ok(render(
        StatusCode::OK,
        &BoardPage {
            page,
            by_unit,
            period,
            periods: year_choices(plan, plan.base_year, today, period),
            due: due_date(period).to_string(),
            total: plan.tasks.len(),
            overdue: plan
                .tasks
                .iter()
                .filter(|task| {
                    let mine: Vec<&TaskUpdate> = updates
                        .iter()
                        .filter(|u| u.task == i64::from(task.number))
                        .collect();
                    !overdue_reasons(plan, task, &mine, period, today).is_empty()
                })
                .count(),
            groups,
        },
    ))
}

#[derive(Debug)]
struct TargetRow {
    indicator: String,
    href: String,
    region: String,
    year: i32,
    threshold: String,
    quote: String,
}

#[derive(Debug)]
struct UpdateRow {
    id: i64,
    unit: String,
    period: String,
    progress: String,
    percent: i64,
    narrative: String,
    state: &'static str,
    state_class: &'static str,
    return_reason: String,
    reviews: Vec<(String, String, String, String)>,
    evidence: Vec<EvidenceRow>,
}

#[derive(Template)]
#[template(path = "task.html")]
struct TaskPage {
    page: Layout,
    number: u32,
    title: String,
    area: String,
    text: String,
    lead: String,
    participants: String,
    shared: bool,
    truncated: bool,
    deadline: String,
    overdue: Vec<String>,
    targets: Vec<TargetRow>,
    updates: Vec<UpdateRow>,
}

fn review_action(a: &str) -> &'static str {
    match a {
        "submit" => "提交",
        "approve" => "审核通过",
        "return" => "退回",
        "correct" => "更正",
        _ => "其他",
    }
}

pub async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(number): Path<String>,
) -> Result<Response, PageError> {
    let user = ctx.require(Action::ReadInternal)?.clone();
    let model = state.store.current_model().await?;
    let plan = &model.plan;
    let lang = ctx.lang;
    let task = number
        .parse::<u32>()
        .ok()
        .and_then(|n| plan.task(n))
        .ok_or_else(|| PageError::not_found(format!("实施方案中没有第{number}号任务")))?;
    let updates = visible_updates(&state, &user, Some(i64::from(task.number))).await?;
    let today = today(&state);
    let refs: Vec<&TaskUpdate> = updates.iter().collect();
    let overdue = overdue_reasons(plan, task, &refs, super::reporting_year(plan, today), today);
    let targets = task
        .targets
        .iter()
        .map(|g| {
            let ind = plan.indicator(&g.indicator);
            TargetRow {
                indicator: ind
                    .map(|i| i.name.clone())
                    .unwrap_or_else(|| g.indicator.clone()),
                href: format!("/indicators/{}?region={}", g.indicator, g.region),
                region: plan
                    .region(&g.region)
                    .map(|r| r.name.clone())
                    .unwrap_or_else(|| g.region.clone()),
                year: g.year,
                threshold: ind
                    .map(|i| {
                        g.threshold
                            .text_zh(i.direction, i.unit.as_str(), plan.base_year)
                    })
                    .unwrap_or_else(|| g.threshold.to_string()),
                quote: g.quote.clone(),
            }
        })
        .collect();
    let mut rows = Vec::new();
    let mut sorted = updates.clone();
    sorted.sort_by(|a, b| b.period.cmp(&a.period).then(b.id.cmp(&a.id)));
    for u in &sorted {
        let reviews = state
            .store
            .reviews("task_update", u.id)
            .await?
            .into_iter()
            .map(|r| {
                (
                    review_action(&r.action).to_owned(),
                    r.actor,
                    fmt_time(&r.at),
                    r.reason,
                )
            })
            .collect();
        let evidence = evidence_rows(&state, EvidenceTarget::TaskUpdate(u.id)).await?;
        rows.push(UpdateRow {
            id: u.id,
            unit: model
                .unit(&u.unit)
                .map(|x| x.name.clone())
                .unwrap_or_else(|| u.unit.clone()),
            period: u.period.clone(),
            progress: lang.progress(u.progress).to_owned(),
            percent: u.percent,
            narrative: u.narrative.clone(),
            state: lang.workflow(u.status),
            state_class: workflow_class(u.status),
            return_reason: u.return_reason.clone(),
            reviews,
            evidence,
        });
    }
    let page = Layout::new(
        &state,
        &ctx,
        Section::Tasks,
        format!("任务{} {}", task.number, task.title),
    )
    .await?;
    Ok(render(
        StatusCode::OK,
        &TaskPage {
            page,
            number: task.number,
            title: task.title.clone(),
            area: lang.area(task.area).to_owned(),
            text: task.text.clone(),
            lead: task.lead.join("、"),
            participants: task.participants.join("、"),
            shared: task.shared,
            truncated: task.truncated,
            deadline: task.deadline.clone().unwrap_or_default(),
            overdue,
            targets,
            updates: rows,
        },
    ))
}
