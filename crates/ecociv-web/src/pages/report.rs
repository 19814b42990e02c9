//! 填报: what my unit or county owes this period (ecociv-core's obligations), one form per owed
//! indicator with its unit, allowed range and last value; save a draft or submit; evidence
//! upload; CSV import; corrections of approved values; task progress updates.
//!
//! A refused change (422) or a stale edit (409) re-renders this page with the message beside the
//! form it came from, keeping what was typed, and on a stale edit the current value and who
//! changed it.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Extension, Form};
use ecociv_app::policy::{Action, is_citywide};
use ecociv_app::{
    AppError, Caller, Correction, EvidenceTarget, OwedTask, OwedValue, Provenance, Reporter,
    SaveTask, SaveValue, Share, TaskState, WorkflowStatus, parse_percent,
};
use ecociv_core::{Plan, ValueKind};
use ecociv_i18n::{Msg, Phrase, Words};

use super::indicators::{EvidenceRow, evidence_rows, range_text, workflow_class};
use super::{
    Choice, Ctx, Layout, PageError, Section, fmt_stored, fmt_time, local_path, non_empty, render,
    see_other, with_done, year_param,
};
use crate::auth::CsrfPending;
use crate::error::ApiError;
use crate::multipart;
use crate::state::AppState;

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct ReportQuery {
    period: Option<String>,
    unit: Option<String>,
    region: Option<String>,
    done: Option<String>,
}

/// The query string that names a reporter.
fn reporter_query(r: &Reporter) -> String {
    match r {
        Reporter::Unit { code, .. } => format!("unit={code}"),
        Reporter::Region { code, .. } => format!("region={code}"),
    }
}

/// A refused change, shown beside the form it came from.
#[derive(Debug, Clone, Default)]
struct Problem {
    /// `v-<indicator>-<region>`, `t-<task>`, or `import`.
    key: String,
    message: String,
    /// On a stale edit: the value now stored, its state, who changed it and when.
    current: Option<String>,
    /// What the user typed, to put back in the field.
    typed: String,
    /// The per-row report of a refused import.
    rows: Vec<String>,
}

#[derive(Debug)]
struct ValueForm {
    key: String,
    name: String,
    code: String,
    region: String,
    region_code: String,
    unit: String,
    range: String,
    min: String,
    max: String,
    yes_no: bool,
    computed: bool,
    tasks: String,
    last: String,
    approved: Option<(i64, i64, String)>,
    work: Option<WorkView>,
    /// Show the entry form (nothing in review, not locked).
    editable: bool,
    input: String,
    comment: String,
    version: String,
    state_class: &'static str,
    evidence: Vec<EvidenceRow>,
    evidence_target: Option<i64>,
    /// Offer the upload: the value is in work (an approved one takes no more evidence).
    evidence_upload: bool,
    problem: Option<Problem>,
    /// The lead unit, when the page's unit only takes part in the value.
    lead: String,
    /// The value to comment on (participants).
    comment_target: Option<i64>,
}

#[derive(Debug)]
struct WorkView {
    value: String,
    state: &'static str,
    state_class: &'static str,
    return_reason: String,
    by: String,
    at: String,
}

#[derive(Debug)]
struct TaskForm {
    key: String,
    number: i64,
    title: String,
    responsibility: &'static str,
    progress: Vec<Choice>,
    percent: String,
    narrative: String,
    version: String,
    state: Option<(&'static str, &'static str)>,
    return_reason: String,
    editable: bool,
    update_id: Option<i64>,
    evidence: Vec<EvidenceRow>,
    /// Offer the upload: the update is not approved.
    evidence_upload: bool,
    problem: Option<Problem>,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    page: Layout,
    period: String,
    periods: Vec<Choice>,
    due: String,
    past_due: bool,
    citywide: bool,
    targets: Vec<Choice>,
    target_name: String,
    target_unit: String,
    target_region: String,
    /// The unit whose task progress the page reports.
    unit_code: String,
    back: String,
    /// Owed values still to enter or fix, returned ones first.
    todo: Vec<ValueForm>,
    /// Submitted or approved values.
    done: Vec<ValueForm>,
    /// Values the unit takes part in while another unit reports them.
    shared: Vec<ValueForm>,
    counts: Vec<(String, usize, &'static str)>,
    tasks: Vec<TaskForm>,
    import_problem: Option<Problem>,
    can_values: bool,
    can_tasks: bool,
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ReportQuery>,
) -> Result<Response, PageError> {
    ctx.require_any(&[Action::WriteValue, Action::WriteTask])?;
    show(&state, &ctx, &q, None, StatusCode::OK).await
}

fn value_key(indicator: &str, region: &str) -> String {
    format!("v-{indicator}-{region}")
}

/// The year the page reports for. Reporting is annual (a year's values, due by 31 March of the
/// next year), so a quarter or a month (`2026Q1`, `2026-03`) is refused with a message naming
/// it, its year and the years there are, rather than silently shown as its year.
fn report_year(state: &AppState, plan: &Plan, text: Option<&str>) -> Result<i32, PageError> {
    if let Some(t) = text.map(str::trim)
        && let Ok(p) = t.parse::<ecociv_core::Period>()
        && !matches!(p, ecociv_core::Period::Year(_))
    {
        return Err(ApiError::invalid(
            "period",
            Msg::ReportingIsAnnual {
                period: t.to_owned(),
                year: p.year(),
                from: plan.base_year - 9,
                to: plan.end_year,
            },
        ));
    }
    year_param(state, plan, text)
}

/// Renders the page, with `problem` beside its form.
async fn show(
    state: &AppState,
    ctx: &Ctx,
    q: &ReportQuery,
    problem: Option<Problem>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let caller = ctx.caller();
    let user = ctx.require_any(&[Action::WriteValue, Action::WriteTask])?;
    let model = state.app.model().await?;
    let plan = &model.plan;
    let t = ctx.t();
    let lang = ctx.lang;
    let year = report_year(state, plan, non_empty(&q.period))?;
    let period = year.to_string();
    let target = state
        .app
        .reporter_for(&caller, non_empty(&q.unit), non_empty(&q.region))
        .await?;
    let citywide = is_citywide(&user);
    let can_values = ctx.can(Action::WriteValue);
    let can_tasks = ctx.can(Action::WriteTask);

    let mut targets = vec![Choice::new("", t.rep_pick_unit, target.is_none())];
    if citywide {
        for r in ecociv_app::Reporter::all(plan) {
            let selected = target.as_ref() == Some(&r);
            targets.push(Choice::new(reporter_query(&r), r.name(), selected));
        }
    }

    let mut values = Vec::new();
    let mut tasks = Vec::new();
    if let Some(target) = &target {
        let owed = state.app.owed(&caller, &period, target).await?;
        if can_values {
            for v in &owed.values {
                let key = value_key(&v.due.indicator, &v.due.region);
                let p = problem.as_ref().filter(|p| p.key == key).cloned();
                values.push(value_form(state, &caller, plan, lang, v, p).await?);
            }
        }
        if let (true, Reporter::Unit { .. }) = (can_tasks, target) {
            for k in &owed.tasks {
                let key = format!("t-{}", k.due.task);
                let p = problem.as_ref().filter(|p| p.key == key).cloned();
                let evidence = match &k.update {
                    Some(u) => {
                        evidence_rows(state, &caller, EvidenceTarget::TaskUpdate(u.id)).await?
                    }
                    None => Vec::new(),
                };
                tasks.push(task_form(plan, lang, k, evidence, p));
            }
        }
    }
    let import_problem = problem.filter(|p| p.key == "import");
    // What still needs doing comes first: returned values, then missing ones, then drafts.
    let rank = |v: &ValueForm| match v.state_class {
        "returned" => 0,
        "none" => 1,
        "draft" => 2,
        "submitted" => 3,
        _ => 4,
    };
    let (shared, values): (Vec<ValueForm>, Vec<ValueForm>) =
        values.into_iter().partition(|v| !v.lead.is_empty());
    let count = |c: &str| values.iter().filter(|v| v.state_class == c).count();
    let counts = vec![
        (t.rep_returned.to_owned(), count("returned"), "not-met"),
        (t.rep_missing.to_owned(), count("none"), "no-data"),
        (
            WorkflowStatus::Draft.word(lang).to_owned(),
            count("draft"),
            "at-risk",
        ),
        (
            WorkflowStatus::Submitted.word(lang).to_owned(),
            count("submitted"),
            "pending",
        ),
        (
            WorkflowStatus::Approved.word(lang).to_owned(),
            count("approved"),
            "met",
        ),
    ];
    let (mut todo, mut done): (Vec<ValueForm>, Vec<ValueForm>) = values
        .into_iter()
        .partition(|v| v.editable || v.problem.is_some());
    todo.sort_by_key(rank);
    done.sort_by_key(rank);
    let back = match &target {
        Some(tg) => format!("/report?period={period}&{}", reporter_query(tg)),
        None => format!("/report?period={period}"),
    };
    let notice = non_empty(&q.done).map(|d| {
        match d {
            "saved" => t.rep_saved,
            "submitted" => t.rep_submitted,
            "imported" => t.rep_imported,
            "uploaded" => t.rep_uploaded,
            "corrected" => t.rep_corrected,
            "commented" => t.rep_commented,
            _ => t.adm_done,
        }
        .to_owned()
    });
    let calendar = state.app.calendar();
    let due = calendar.due_date(year);
    let page = Layout::new(
        state,
        ctx,
        Section::Report,
        format!("{}（{period}）", t.rep_title),
    )
    .await?
    .with_notice(notice);
    let periods = super::year_choices(state, plan, plan.base_year - 1, year);
    Ok(render(
        status,
        &ReportPage {
            page,
            period,
            periods,
            due: due.to_string(),
            past_due: calendar.past_due(year, state.app.today()),
            citywide,
            targets,
            target_name: target
                .as_ref()
                .map(|t| t.name().to_owned())
                .unwrap_or_default(),
            target_unit: match &target {
                Some(Reporter::Unit { code, .. }) if citywide => code.clone(),
                _ => String::new(),
            },
            target_region: match &target {
                Some(Reporter::Region { code, .. }) if citywide => code.clone(),
                _ => String::new(),
            },
            unit_code: match &target {
                Some(Reporter::Unit { code, .. }) => code.clone(),
                _ => String::new(),
            },
            back,
            counts,
            todo,
            done,
            shared,
            tasks,
            import_problem,
            can_values,
            can_tasks,
        },
    ))
}

async fn value_form(
    state: &AppState,
    caller: &Caller,
    plan: &Plan,
    lang: super::Lang,
    owed: &OwedValue,
    problem: Option<Problem>,
) -> Result<ValueForm, PageError> {
    let d = &owed.due;
    let ind = plan.indicator(&d.indicator);
    let unit = ind.map(|i| i.unit.as_str().to_owned()).unwrap_or_default();
    let yes_no = ind.is_some_and(|i| i.kind == ValueKind::YesNo);
    let approved = owed.approved.as_ref();
    let work = owed.work.as_ref();
    let last = owed
        .previous
        .as_ref()
        .map(|v| {
            format!(
                "{}：{}",
                v.period,
                fmt_stored(&v.value, &unit, yes_no, lang)
            )
        })
        .unwrap_or_else(|| "—".into());
    let lead = match &owed.share {
        Share::TakesPart { lead } => lead.clone(),
        Share::Reports => String::new(),
    };
    let reports = lead.is_empty();
    let evidence_target = work.or(approved).map(|v| v.id);
    let evidence = match evidence_target {
        Some(id) => evidence_rows(state, caller, EvidenceTarget::Value(id)).await?,
        None => Vec::new(),
    };
    let editable = reports
        && match work {
            Some(w) => w.status != WorkflowStatus::Submitted,
            None => approved.is_none(),
        };
    let input = match (&problem, work) {
        (Some(p), _) if !p.typed.is_empty() => p.typed.clone(),
        (_, Some(w)) => display_input(&w.value, yes_no),
        _ => String::new(),
    };
    let state_class = work
        .map(|w| w.status.as_str())
        .or(approved.map(|_| "approved"))
        .unwrap_or("none");
    Ok(ValueForm {
        key: value_key(&d.indicator, &d.region),
        name: ind
            .map(|i| i.name.clone())
            .unwrap_or_else(|| d.indicator.clone()),
        code: d.indicator.clone(),
        region: plan
            .region(&d.region)
            .map(|r| r.name.clone())
            .unwrap_or_else(|| d.region.clone()),
        region_code: d.region.clone(),
        range: ind.map(|i| range_text(i, lang)).unwrap_or_default(),
        min: ind
            .and_then(|i| i.min)
            .map(|v| v.to_string())
            .unwrap_or_default(),
        max: ind
            .and_then(|i| i.max)
            .map(|v| v.to_string())
            .unwrap_or_default(),
        unit: unit.clone(),
        yes_no,
        computed: d.computed,
        tasks: d
            .tasks
            .iter()
            .map(|n| format!("{}{n}", super::texts(lang).task_no))
            .collect::<Vec<_>>()
            .join("、"),
        last,
        approved: approved.map(|v| (v.id, v.version, fmt_stored(&v.value, &unit, yes_no, lang))),
        work: work.map(|w| WorkView {
            value: fmt_stored(&w.value, &unit, yes_no, lang),
            state: w.status.word(lang),
            state_class: workflow_class(w.status),
            return_reason: w.return_reason.clone(),
            by: w.updated_by.clone(),
            at: fmt_time(&w.updated_at),
        }),
        editable,
        input,
        comment: work.map(|w| w.comment.clone()).unwrap_or_default(),
        version: work.map(|w| w.version.to_string()).unwrap_or_default(),
        state_class,
        evidence,
        evidence_target: evidence_target.filter(|_| reports),
        evidence_upload: work.is_some(),
        problem,
        comment_target: if reports {
            None
        } else {
            work.or(approved).map(|v| v.id)
        },
        lead,
    })
}

/// A stored value as it goes back into the field (是/否 for yes/no).
fn display_input(stored: &str, yes_no: bool) -> String {
    if yes_no {
        match stored {
            "1" => "是".into(),
            "0" => "否".into(),
            other => other.into(),
        }
    } else {
        stored.into()
    }
}

fn task_form(
    plan: &Plan,
    lang: super::Lang,
    k: &OwedTask,
    evidence: Vec<EvidenceRow>,
    problem: Option<Problem>,
) -> TaskForm {
    let d = &k.due;
    let u = k.update.as_ref();
    let current = u.map(|u| u.progress).unwrap_or(TaskState::InProgress);
    let progress = TaskState::ALL
        .iter()
        .map(|p| Choice::new(p.as_str(), p.word(lang), *p == current))
        .collect();
    let editable =
        u.is_none_or(|u| matches!(u.status, WorkflowStatus::Draft | WorkflowStatus::Returned));
    TaskForm {
        key: format!("t-{}", d.task),
        number: i64::from(d.task),
        title: plan
            .task(d.task)
            .map(|t| t.title.clone())
            .unwrap_or_default(),
        responsibility: d.responsibility.word(lang),
        progress,
        percent: match (&problem, u) {
            (Some(p), _) if !p.typed.is_empty() => p.typed.clone(),
            (_, Some(u)) => u.percent.to_string(),
            _ => String::new(),
        },
        narrative: u.map(|u| u.narrative.clone()).unwrap_or_default(),
        version: u.map(|u| u.version.to_string()).unwrap_or_default(),
        state: u.map(|u| (u.status.word(lang), workflow_class(u.status))),
        return_reason: u.map(|u| u.return_reason.clone()).unwrap_or_default(),
        editable,
        update_id: u.map(|u| u.id),
        evidence,
        evidence_upload: u.is_some_and(|u| u.status != WorkflowStatus::Approved),
        problem,
    }
}

// ---------------------------------------------------------------------------------------------
// Changes

/// Turns a refused change into the message shown beside the form. Conflicts carry the current
/// state of the record.
fn problem_of(
    key: String,
    typed: String,
    e: &AppError,
    lang: super::Lang,
    unit: &str,
    yes_no: bool,
) -> Problem {
    let current = match e {
        AppError::Conflict { current, .. } if current.is_object() => {
            let s = |k: &str| {
                current
                    .get(k)
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_owned()
            };
            let value = current
                .get("value")
                .and_then(|v| v.as_str())
                .map(|v| fmt_stored(v, unit, yes_no, lang))
                .unwrap_or_default();
            Some(
                Msg::CurrentRecord(Box::new(ecociv_i18n::CurrentRecord {
                    value,
                    state: WorkflowStatus::parse(&s("status")).map(|w| Phrase::of(&w)),
                    version: current["version"].as_i64().unwrap_or(0),
                    by: Some((s("updated_by"), fmt_time(&s("updated_at")))),
                }))
                .text(lang),
            )
        }
        _ => None,
    };
    Problem {
        key,
        message: match e {
            AppError::Rejected(r) => r.summary().text(lang),
            e => e.message(lang),
        },
        current,
        typed,
        rows: match e {
            AppError::Rejected(r) => r.problems.clone(),
            _ => Vec::new(),
        },
    }
}

/// Shows the page again with a refused change beside its form; refusals of who may (and server
/// failures) stay error pages.
async fn refused(
    state: &AppState,
    ctx: &Ctx,
    q: &ReportQuery,
    problem: impl FnOnce(&AppError) -> Problem,
    e: AppError,
) -> Result<Response, PageError> {
    match e {
        AppError::Unauthenticated
        | AppError::Forbidden(_)
        | AppError::Internal(_)
        | AppError::Busy { .. } => Err(e.into()),
        e => {
            let status = ApiError::from(e.clone()).status();
            show(state, ctx, q, Some(problem(&e)), status).await
        }
    }
}

fn parse_version(s: &Option<String>) -> Result<Option<i64>, PageError> {
    match non_empty(s) {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| {
            ApiError::invalid("version", Msg::InvalidVersionNumber { text: v.to_owned() })
        }),
    }
}

/// The unit and yes/no-ness of an indicator, for showing a value again.
fn unit_of(plan: &Plan, code: &str) -> (String, bool) {
    let ind = plan.indicator(code);
    (
        ind.map(|i| i.unit.as_str().to_owned()).unwrap_or_default(),
        ind.is_some_and(|i| i.kind == ValueKind::YesNo),
    )
}

#[derive(Debug, serde::Deserialize)]
pub struct ValueFormData {
    indicator: String,
    region: String,
    period: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    comment: String,
    version: Option<String>,
    action: Option<String>,
    ctx_unit: Option<String>,
    ctx_region: Option<String>,
}

pub async fn save_value(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<ValueFormData>,
) -> Result<Response, PageError> {
    let q = ReportQuery {
        period: Some(f.period.clone()),
        unit: f.ctx_unit.clone(),
        region: f.ctx_region.clone(),
        done: None,
    };
    let key = value_key(&f.indicator, &f.region);
    let submit = f.action.as_deref() == Some("submit");
    let input = SaveValue {
        indicator: f.indicator.clone(),
        region: f.region.clone(),
        period: f.period.clone(),
        value: f.value.clone(),
        comment: f.comment.clone(),
        version: parse_version(&f.version)?,
        submit,
    };
    match state.app.save_value(&ctx.caller(), input).await {
        Ok(_) => {
            let back = local_path(Some(&back_path(&q)));
            let done = if submit { "submitted" } else { "saved" };
            Ok(see_other(&format!("{}#{key}", with_done(&back, done))))
        }
        Err(e) => {
            let plan = state.app.model().await?;
            let (unit, yes_no) = unit_of(&plan.plan, &f.indicator);
            let lang = ctx.lang;
            refused(
                &state,
                &ctx,
                &q,
                |e| problem_of(key, f.value, e, lang, &unit, yes_no),
                e,
            )
            .await
        }
    }
}

fn back_path(q: &ReportQuery) -> String {
    let mut s = format!(
        "/report?period={}",
        non_empty(&q.period).unwrap_or_default()
    );
    if let Some(u) = non_empty(&q.unit) {
        s.push_str(&format!("&unit={u}"));
    }
    if let Some(r) = non_empty(&q.region) {
        s.push_str(&format!("&region={r}"));
    }
    s
}

#[derive(Debug, serde::Deserialize)]
pub struct CorrectForm {
    version: String,
    value: String,
    #[serde(default)]
    comment: String,
    reason: String,
    period: String,
    ctx_unit: Option<String>,
    ctx_region: Option<String>,
}

pub async fn correct_value(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<CorrectForm>,
) -> Result<Response, PageError> {
    let caller = ctx.caller();
    let v = state.app.visible_value(&caller, id).await?;
    let q = ReportQuery {
        period: Some(f.period.clone()),
        unit: f.ctx_unit.clone(),
        region: f.ctx_region.clone(),
        done: None,
    };
    let key = value_key(&v.indicator, &v.region);
    let version = parse_version(&Some(f.version.clone()))?.unwrap_or(0);
    let c = Correction {
        version,
        value: f.value.clone(),
        comment: f.comment.clone(),
        reason: f.reason.clone(),
    };
    match state.app.correct_value(&caller, id, c).await {
        Ok(_) => Ok(see_other(&format!(
            "{}#{key}",
            with_done(&back_path(&q), "corrected")
        ))),
        Err(e) => {
            let model = state.app.model().await?;
            let (unit, yes_no) = unit_of(&model.plan, &v.indicator);
            let lang = ctx.lang;
            refused(
                &state,
                &ctx,
                &q,
                |e| problem_of(key, f.value, e, lang, &unit, yes_no),
                e,
            )
            .await
        }
    }
}

pub async fn value_evidence(
    State(state): State<AppState>,
    ctx: Ctx,
    pending: Option<Extension<CsrfPending>>,
    Path(id): Path<i64>,
    form: Multipart,
) -> Result<Response, PageError> {
    let caller = ctx.caller();
    state.app.may_attach_value_evidence(&caller, id).await?;
    let limit = state.app.limits().max_evidence_bytes;
    let up = multipart::read(form, pending.as_deref(), limit).await?;
    let file = up
        .file
        .as_ref()
        .ok_or_else(|| ApiError::invalid("file", Msg::ChooseFile))?;
    state.app.attach_value_evidence(&caller, id, file).await?;
    let v = state.app.visible_value(&caller, id).await?;
    let back = with_done(&local_path(up.field("back")), "uploaded");
    Ok(see_other(&format!(
        "{back}#{}",
        value_key(&v.indicator, &v.region)
    )))
}

/// The import form: an Excel reporting template (checked cell by cell, then written in one
/// transaction) or a values CSV, all or nothing, every refused cell or row listed on the page.
pub async fn import_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    pending: Option<Extension<CsrfPending>>,
    form: Multipart,
) -> Result<Response, PageError> {
    let caller = ctx.caller();
    state.app.require(&caller, Action::WriteValue)?;
    let up = multipart::read(form, pending.as_deref(), state.config.max_body_bytes).await?;
    let q = ReportQuery {
        period: up.field("period").map(str::to_owned),
        unit: up.field("ctx_unit").map(str::to_owned),
        region: up.field("ctx_region").map(str::to_owned),
        done: None,
    };
    let lang = ctx.lang;
    let problem = |e: &AppError| Problem {
        key: "import".into(),
        ..problem_of(String::new(), String::new(), e, lang, "", false)
    };
    let Some(file) = up.file.as_ref() else {
        let e = AppError::invalid("file", Msg::ChooseCsvFile);
        return refused(&state, &ctx, &q, problem, e).await;
    };
    let submit = up.flag("submit");
    let workbook = file.filename.to_ascii_lowercase().ends_with(".xlsx")
        || file.bytes.starts_with(b"PK\x03\x04");
    let rows = if workbook {
        let period = match q
            .period
            .as_deref()
            .map(ecociv_app::parse_period)
            .transpose()
        {
            Ok(p) => p,
            Err(e) => return refused(&state, &ctx, &q, problem, e).await,
        };
        state
            .app
            .import_workbook(
                &caller,
                &file.filename,
                &file.bytes,
                ecociv_app::documents::Expect {
                    reporter: None,
                    period,
                },
                submit,
            )
            .await
            .map(|done| done.values + done.tasks)
    } else {
        state
            .app
            .import_values_csv(
                &caller,
                &file.filename,
                &file.bytes,
                submit,
                Provenance::Import,
            )
            .await
            .map(|s| s.rows)
    };
    match rows {
        Ok(rows) => Ok(see_other(&format!(
            "{}&rows={rows}#import",
            with_done(&back_path(&q), "imported")
        ))),
        Err(e) => refused(&state, &ctx, &q, problem, e).await,
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct TaskFormData {
    task: i64,
    unit: String,
    period: String,
    progress: String,
    #[serde(default)]
    percent: String,
    #[serde(default)]
    narrative: String,
    version: Option<String>,
    action: Option<String>,
}

pub async fn save_task(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<TaskFormData>,
) -> Result<Response, PageError> {
    let caller = ctx.caller();
    let user = ctx.require(Action::WriteTask)?;
    let q = ReportQuery {
        period: Some(f.period.clone()),
        unit: is_citywide(&user).then(|| f.unit.clone()),
        region: None,
        done: None,
    };
    let key = format!("t-{}", f.task);
    let submit = f.action.as_deref() == Some("submit");
    let lang = ctx.lang;
    let problem = |e: &AppError| problem_of(key.clone(), f.percent.clone(), e, lang, "%", false);
    let percent = match parse_percent(&f.percent) {
        Ok(p) => p,
        Err(e) => return refused(&state, &ctx, &q, problem, e).await,
    };
    let input = SaveTask {
        task: f.task,
        unit: Some(f.unit.clone()),
        period: f.period.clone(),
        progress: f.progress.clone(),
        percent,
        narrative: f.narrative.clone(),
        version: parse_version(&f.version)?,
        submit,
    };
    match state.app.save_task_update(&caller, input).await {
        Ok(_) => Ok(see_other(&format!(
            "{}#{key}",
            with_done(&back_path(&q), if submit { "submitted" } else { "saved" })
        ))),
        Err(e) => refused(&state, &ctx, &q, problem, e).await,
    }
}

pub async fn task_evidence(
    State(state): State<AppState>,
    ctx: Ctx,
    pending: Option<Extension<CsrfPending>>,
    Path(id): Path<i64>,
    form: Multipart,
) -> Result<Response, PageError> {
    let caller = ctx.caller();
    let t = state
        .app
        .task_update_for(&caller, id, Action::WriteTask)
        .await?;
    let limit = state.app.limits().max_evidence_bytes;
    let up = multipart::read(form, pending.as_deref(), limit).await?;
    let file = up
        .file
        .as_ref()
        .ok_or_else(|| ApiError::invalid("file", Msg::ChooseFile))?;
    state.app.attach_task_evidence(&caller, id, file).await?;
    let back = with_done(&local_path(up.field("back")), "uploaded");
    Ok(see_other(&format!("{back}#t-{}", t.task)))
}

#[derive(Debug, serde::Deserialize)]
pub struct CommentForm {
    text: String,
    period: String,
    ctx_unit: Option<String>,
    ctx_region: Option<String>,
}

/// A participating unit's comment on a value its lead reports.
pub async fn comment_value(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<CommentForm>,
) -> Result<Response, PageError> {
    let caller = ctx.caller();
    let v = state.app.visible_value(&caller, id).await?;
    let q = ReportQuery {
        period: Some(f.period.clone()),
        unit: f.ctx_unit.clone(),
        region: f.ctx_region.clone(),
        done: None,
    };
    let key = value_key(&v.indicator, &v.region);
    match state.app.comment_value(&caller, id, &f.text).await {
        Ok(_) => Ok(see_other(&format!(
            "{}#{key}",
            with_done(&back_path(&q), "commented")
        ))),
        Err(e) => {
            let lang = ctx.lang;
            refused(
                &state,
                &ctx,
                &q,
                |e| problem_of(key, f.text, e, lang, "", false),
                e,
            )
            .await
        }
    }
}
