//! 任务: the board of key tasks (重点任务) by area or by lead unit, with the latest progress and
//! overdue flags, and the task page with its text, targets and the timeline of updates with their
//! review steps and evidence.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use ecociv_app::policy::Action;
use ecociv_app::{EvidenceTarget, PlanModel, TaskLate, TaskQuery, TaskUpdate, Transition};
use ecociv_core::{Area, Task};
use ecociv_i18n::{Lang as L, Msg, Words};

use super::indicators::{EvidenceRow, evidence_rows, workflow_class};
use super::{
    Choice, Ctx, Lang, Layout, PageError, Section, fmt_time, non_empty, render, year_choices,
    year_param,
};
use crate::error::ApiError;
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

/// Why a task is late, in the reader's language.
fn late_words(late: &[TaskLate], lang: L) -> Vec<String> {
    late.iter().map(|l| l.msg().text(lang)).collect()
}

fn latest_of(model: &PlanModel, u: Option<&TaskUpdate>, lang: Lang) -> Option<Latest> {
    u.map(|u| Latest {
        period: u.period.clone(),
        progress: u.progress.word(lang).to_owned(),
        percent: u.percent,
        state: u.status.word(lang),
        state_class: workflow_class(u.status),
        unit: model
            .unit(&u.unit)
            .map(|x| x.name.clone())
            .unwrap_or_else(|| u.unit.clone()),
    })
}

pub async fn board(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<BoardQuery>,
) -> Result<Response, PageError> {
    ctx.require(Action::ReadInternal)?;
    let model = state.app.model().await?;
    let plan = &model.plan;
    let lang = ctx.lang;
    let t = ctx.t();
    let period = year_param(&state, plan, non_empty(&q.period))?;
    let board = state.app.task_board(&ctx.caller(), period).await?;
    let by_unit = non_empty(&q.by) == Some("unit");

    let row = |task: &Task| {
        let b = board.rows.iter().find(|r| r.number == task.number);
        TaskRow {
            number: task.number,
            title: task.title.clone(),
            area: task.area.word(lang).to_owned(),
            lead: task.lead.join("、"),
            deadline: task.deadline.clone().unwrap_or_default(),
            latest: latest_of(&model, b.and_then(|b| b.latest.as_ref()), lang),
            overdue: b.map(|b| late_words(&b.late, lang)).unwrap_or_default(),
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
                    format!("area-{}", a.word(L::En).to_lowercase().replace(' ', "-")),
                    a.word(lang).to_owned(),
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
            periods: year_choices(&state, plan, plan.base_year, period),
            due: state.app.calendar().due_date(period).to_string(),
            total: plan.tasks.len(),
            overdue: board.rows.iter().filter(|r| !r.late.is_empty()).count(),
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

/// A review step in words; a comment (which is no step) as the comment label.
pub(crate) fn review_action(a: &str, lang: L) -> String {
    match Transition::parse(a) {
        Some(t) => t.word(lang).to_owned(),
        None => super::texts(lang).rep_comment.to_owned(),
    }
}

pub async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(number): Path<String>,
) -> Result<Response, PageError> {
    ctx.require(Action::ReadInternal)?;
    let caller = ctx.caller();
    let model = state.app.model().await?;
    let plan = &model.plan;
    let lang = ctx.lang;
    let task = number
        .parse::<u32>()
        .ok()
        .and_then(|n| plan.task(n))
        .ok_or_else(|| {
            ApiError::not_found(Msg::TaskNotInPlan {
                number: number.clone(),
            })
        })?;
    let updates = state
        .app
        .list_task_updates(
            &caller,
            &TaskQuery {
                task: Some(i64::from(task.number)),
                ..TaskQuery::default()
            },
        )
        .await?;
    let refs: Vec<&TaskUpdate> = updates.iter().collect();
    let year = state.app.reporting_year(plan);
    let overdue = late_words(&state.app.task_lateness(plan, task, &refs, year), lang);
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
            .app
            .task_update_reviews(&caller, u.id)
            .await?
            .into_iter()
            .map(|r| {
                (
                    review_action(&r.action, lang),
                    r.actor,
                    fmt_time(&r.at),
                    r.reason,
                )
            })
            .collect();
        let evidence = evidence_rows(&state, &caller, EvidenceTarget::TaskUpdate(u.id)).await?;
        rows.push(UpdateRow {
            id: u.id,
            unit: model
                .unit(&u.unit)
                .map(|x| x.name.clone())
                .unwrap_or_else(|| u.unit.clone()),
            period: u.period.clone(),
            progress: u.progress.word(lang).to_owned(),
            percent: u.percent,
            narrative: u.narrative.clone(),
            state: u.status.word(lang),
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
        Msg::TaskRef {
            number: i64::from(task.number),
            title: task.title.clone(),
            period: None,
        }
        .text(lang),
    )
    .await?;
    Ok(render(
        StatusCode::OK,
        &TaskPage {
            page,
            number: task.number,
            title: task.title.clone(),
            area: task.area.word(lang).to_owned(),
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
