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
use ecociv_core::obligation::{self, Obligations};
use ecociv_core::{Plan, ValueKind};
use ecociv_store::{
    Actor, DataValue, EvidenceTarget, ImportOptions, Provenance, StoreError, TaskProgress,
    TaskUpdateFilter, TaskUpdateInput, User, ValueFilter, ValueInput, WorkbookOptions,
    WorkflowStatus,
};

use super::indicators::{EvidenceRow, evidence_rows, range_text, workflow_class};
use super::{
    Choice, Ctx, Layout, PageError, Section, due_date, fmt_stored, fmt_time, local_path, non_empty,
    render, see_other, today, with_done, year_param,
};
use crate::auth::{CSRF_FIELD, CsrfPending};
use crate::documents::{self, DocumentError};
use crate::error::ApiError;
use crate::policy::{self, Action};
use crate::state::AppState;
use ecociv_report::xlsx_import::Expect;

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct ReportQuery {
    period: Option<String>,
    unit: Option<String>,
    region: Option<String>,
    done: Option<String>,
}

/// Whom the page reports for.
#[derive(Debug, Clone)]
enum Target {
    Unit { code: String, name: String },
    Region { code: String, name: String },
}

impl Target {
    fn query(&self) -> String {
        match self {
            Target::Unit { code, .. } => format!("unit={code}"),
            Target::Region { code, .. } => format!("region={code}"),
        }
    }

    fn name(&self) -> &str {
        match self {
            Target::Unit { name, .. } | Target::Region { name, .. } => name,
        }
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
    problem: Option<Problem>,
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
    let user = ctx
        .require_any(&[Action::WriteValue, Action::WriteTask])?
        .clone();
    show(&state, &ctx, &user, &q, None, StatusCode::OK).await
}

/// The target of the page: the user's own unit or region, or for city-wide users the one chosen.
fn target_of(
    model: &ecociv_store::Model,
    user: &User,
    unit: Option<&str>,
    region: Option<&str>,
) -> Result<Option<Target>, PageError> {
    let plan = &model.plan;
    let (unit, region) = if policy::is_citywide(user) {
        (unit.map(str::to_owned), region.map(str::to_owned))
    } else {
        (user.unit.clone(), user.region.clone())
    };
    if let Some(code) = unit {
        let u = model
            .unit(&code)
            .ok_or_else(|| PageError::invalid(format!("单位代码“{code}”不在实施方案中")))?;
        return Ok(Some(Target::Unit {
            code: u.code.clone(),
            name: u.name.clone(),
        }));
    }
    if let Some(code) = region {
        let r = plan
            .region(&code)
            .ok_or_else(|| PageError::invalid(format!("行政区代码“{code}”不在实施方案中")))?;
        return Ok(Some(Target::Region {
            code: r.code.clone(),
            name: r.name.clone(),
        }));
    }
    Ok(None)
}

fn owed(model: &ecociv_store::Model, target: &Target) -> Obligations {
    let version = model.catalogue.version(&model.catalogue_version);
    match target {
        Target::Unit { name, .. } => obligation::for_unit(&model.plan, version, name),
        Target::Region { code, .. } => obligation::for_region(&model.plan, version, code),
    }
}

fn value_key(indicator: &str, region: &str) -> String {
    format!("v-{indicator}-{region}")
}

/// Renders the page, with `problem` beside its form.
async fn show(
    state: &AppState,
    ctx: &Ctx,
    user: &User,
    q: &ReportQuery,
    problem: Option<Problem>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let model = state.store.current_model().await?;
    let plan = &model.plan;
    let t = ctx.t();
    let lang = ctx.lang;
    let today = today(state);
    let year = year_param(plan, today, non_empty(&q.period))?;
    let period = year.to_string();
    let target = target_of(&model, user, non_empty(&q.unit), non_empty(&q.region))?;
    let citywide = policy::is_citywide(user);
    let can_values = policy::role_allows(user.role, Action::WriteValue);
    let can_tasks = policy::role_allows(user.role, Action::WriteTask);

    let mut targets = vec![Choice::new("", t.rep_pick_unit, target.is_none())];
    if citywide {
        targets.extend(plan.units.iter().map(|u| {
            Choice::new(
                format!("unit={}", u.code),
                &u.name,
                matches!(&target, Some(Target::Unit { code, .. }) if *code == u.code),
            )
        }));
        targets.extend(
            plan.regions
                .iter()
                .filter(|r| r.level.is_county())
                .map(|r| {
                    Choice::new(
                        format!("region={}", r.code),
                        &r.name,
                        matches!(&target, Some(Target::Region { code, .. }) if *code == r.code),
                    )
                }),
        );
    }

    let mut values = Vec::new();
    let mut tasks = Vec::new();
    if let Some(target) = &target {
        let owed = owed(&model, target);
        let rows = state
            .store
            .values(&ValueFilter {
                period: Some(period.clone()),
                ..Default::default()
            })
            .await?;
        let previous = state
            .store
            .values(&ValueFilter {
                period: Some((year - 1).to_string()),
                status: Some(WorkflowStatus::Approved),
                ..Default::default()
            })
            .await?;
        if can_values {
            for d in &owed.indicators {
                let key = value_key(&d.indicator, &d.region);
                let p = problem.as_ref().filter(|p| p.key == key).cloned();
                let form = value_form(state, plan, lang, d, &rows, &previous, p).await?;
                values.push(form);
            }
        }
        if let (true, Target::Unit { code, .. }) = (can_tasks, target) {
            let updates = state
                .store
                .task_updates(&TaskUpdateFilter {
                    unit: Some(code.clone()),
                    period: Some(period.clone()),
                    ..Default::default()
                })
                .await?;
            for d in &owed.tasks {
                let key = format!("t-{}", d.task);
                let p = problem.as_ref().filter(|p| p.key == key).cloned();
                let u = updates
                    .iter()
                    .filter(|u| u.task == i64::from(d.task))
                    .max_by_key(|u| u.id);
                let mut evidence = Vec::new();
                if let Some(u) = u {
                    evidence = evidence_rows(state, EvidenceTarget::TaskUpdate(u.id)).await?;
                }
                tasks.push(task_form(plan, lang, d, u, evidence, p));
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
    let count = |c: &str| values.iter().filter(|v| v.state_class == c).count();
    let counts = vec![
        (t.rep_returned.to_owned(), count("returned"), "not-met"),
        (t.rep_missing.to_owned(), count("none"), "no-data"),
        (
            lang.workflow(WorkflowStatus::Draft).to_owned(),
            count("draft"),
            "at-risk",
        ),
        (
            lang.workflow(WorkflowStatus::Submitted).to_owned(),
            count("submitted"),
            "pending",
        ),
        (
            lang.workflow(WorkflowStatus::Approved).to_owned(),
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
        Some(tg) => format!("/report?period={period}&{}", tg.query()),
        None => format!("/report?period={period}"),
    };
    let notice = non_empty(&q.done).map(|d| {
        match d {
            "saved" => t.rep_saved,
            "submitted" => t.rep_submitted,
            "imported" => t.rep_imported,
            "uploaded" => t.rep_uploaded,
            "corrected" => t.rep_corrected,
            _ => t.adm_done,
        }
        .to_owned()
    });
    let due = due_date(year);
    let page = Layout::new(
        state,
        ctx,
        Section::Report,
        format!("{}（{period}）", t.rep_title),
    )
    .await?
    .with_notice(notice);
    let periods = super::year_choices(plan, plan.base_year - 1, today, year);
    Ok(render(
        status,
        &ReportPage {
            page,
            period,
            periods,
            due: due.to_string(),
            past_due: today > due,
            citywide,
            targets,
            target_name: target
                .as_ref()
                .map(|t| t.name().to_owned())
                .unwrap_or_default(),
            target_unit: match &target {
                Some(Target::Unit { code, .. }) if citywide => code.clone(),
                _ => String::new(),
            },
            target_region: match &target {
                Some(Target::Region { code, .. }) if citywide => code.clone(),
                _ => String::new(),
            },
            unit_code: match &target {
                Some(Target::Unit { code, .. }) => code.clone(),
                _ => String::new(),
            },
            back,
            counts,
            todo,
            done,
            tasks,
            import_problem,
            can_values,
            can_tasks,
        },
    ))
}

#[allow(clippy::too_many_arguments)]
async fn value_form(
    state: &AppState,
    plan: &Plan,
    lang: super::Lang,
    d: &obligation::IndicatorDue,
    rows: &[DataValue],
    previous: &[DataValue],
    problem: Option<Problem>,
) -> Result<ValueForm, PageError> {
    let ind = plan.indicator(&d.indicator);
    let unit = ind.map(|i| i.unit.as_str().to_owned()).unwrap_or_default();
    let yes_no = ind.is_some_and(|i| i.kind == ValueKind::YesNo);
    let mine = |v: &&DataValue| v.indicator == d.indicator && v.region == d.region && v.is_live();
    let approved = rows
        .iter()
        .filter(mine)
        .find(|v| v.status == WorkflowStatus::Approved);
    let work = rows
        .iter()
        .filter(mine)
        .find(|v| v.status != WorkflowStatus::Approved);
    let last = previous
        .iter()
        .rfind(mine)
        .map(|v| format!("{}：{}", v.period, fmt_stored(&v.value, &unit, yes_no)))
        .unwrap_or_else(|| "—".into());
    let evidence_target = work.or(approved).map(|v| v.id);
    let evidence = match evidence_target {
        Some(id) => evidence_rows(state, EvidenceTarget::Value(id)).await?,
        None => Vec::new(),
    };
    let editable = match work {
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
        range: ind.map(range_text).unwrap_or_default(),
        min: ind
            .and_then(|i| i.min)
            .map(|v| v.to_string())
            .unwrap_or_default(),
        max: ind
            .and_then(|i| i.max)
            .map(|v| v.to_string())
            .unwrap_or_default(),
        unit,
        yes_no,
        computed: d.computed,
        tasks: d
            .tasks
            .iter()
            .map(|n| format!("任务{n}"))
            .collect::<Vec<_>>()
            .join("、"),
        last,
        approved: approved.map(|v| {
            (
                v.id,
                v.version,
                fmt_stored(&v.value, ind.map(|i| i.unit.as_str()).unwrap_or(""), yes_no),
            )
        }),
        work: work.map(|w| WorkView {
            value: fmt_stored(&w.value, ind.map(|i| i.unit.as_str()).unwrap_or(""), yes_no),
            state: lang.workflow(w.status),
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
        evidence_target,
        problem,
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
    d: &obligation::TaskDue,
    u: Option<&ecociv_store::TaskUpdate>,
    evidence: Vec<EvidenceRow>,
    problem: Option<Problem>,
) -> TaskForm {
    let current = u.map(|u| u.progress).unwrap_or(TaskProgress::InProgress);
    let progress = [
        TaskProgress::NotStarted,
        TaskProgress::InProgress,
        TaskProgress::Completed,
        TaskProgress::Delayed,
    ]
    .iter()
    .map(|p| Choice::new(p.as_str(), lang.progress(*p), *p == current))
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
        responsibility: d.responsibility.name_zh(),
        progress,
        percent: match (&problem, u) {
            (Some(p), _) if !p.typed.is_empty() => p.typed.clone(),
            (_, Some(u)) => u.percent.to_string(),
            _ => String::new(),
        },
        narrative: u.map(|u| u.narrative.clone()).unwrap_or_default(),
        version: u.map(|u| u.version.to_string()).unwrap_or_default(),
        state: u.map(|u| (lang.workflow(u.status), workflow_class(u.status))),
        return_reason: u.map(|u| u.return_reason.clone()).unwrap_or_default(),
        editable,
        update_id: u.map(|u| u.id),
        evidence,
        problem,
    }
}

// ---------------------------------------------------------------------------------------------
// Changes

/// Turns a refused change into the message shown beside the form. Conflicts carry the current
/// state of the row.
fn problem_of(key: String, typed: String, e: ApiError, unit: &str, yes_no: bool) -> Problem {
    let current = e.details.get("current").filter(|c| c.is_object()).map(|c| {
        let s = |k: &str| c.get(k).and_then(|v| v.as_str()).unwrap_or("").to_owned();
        let value = c
            .get("value")
            .and_then(|v| v.as_str())
            .map(|v| fmt_stored(v, unit, yes_no));
        let status = WorkflowStatus::parse(&s("status"))
            .map(|w| w.name_zh())
            .unwrap_or("");
        let who = s("updated_by");
        let when = fmt_time(&s("updated_at"));
        match value {
            Some(v) => format!(
                "{v}（{status}，版本 {}，{who} 于 {when} 修改）",
                c["version"]
            ),
            None => format!("{status}（版本 {}，{who} 于 {when} 修改）", c["version"]),
        }
    });
    Problem {
        key,
        message: e.message,
        current,
        typed,
        rows: Vec::new(),
    }
}

fn parse_version(s: &Option<String>) -> Result<Option<i64>, PageError> {
    match non_empty(s) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| PageError::invalid(format!("版本号“{v}”无效"))),
    }
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
    let model = state.store.current_model().await?;
    let user = ctx.require(Action::WriteValue)?.clone();
    let u = policy::require_value(
        Some(&user),
        Action::WriteValue,
        &model,
        &f.indicator,
        &f.region,
    )?;
    let actor = Actor::user(u);
    let q = ReportQuery {
        period: Some(f.period.clone()),
        unit: f.ctx_unit.clone(),
        region: f.ctx_region.clone(),
        done: None,
    };
    let key = value_key(&f.indicator, &f.region);
    let ind = model.plan.indicator(&f.indicator);
    let unit = ind.map(|i| i.unit.as_str()).unwrap_or("");
    let yes_no = ind.is_some_and(|i| i.kind == ValueKind::YesNo);
    if f.comment.chars().count() > 2000 {
        let p = Problem {
            key,
            message: "说明不能超过2000字".into(),
            typed: f.value.clone(),
            ..Default::default()
        };
        return show(
            &state,
            &ctx,
            &user,
            &q,
            Some(p),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let input = ValueInput {
        indicator: f.indicator.clone(),
        region: f.region.clone(),
        period: f.period.clone(),
        value: f.value.trim().to_owned(),
        comment: f.comment.clone(),
        provenance: Provenance::Form,
        provenance_detail: String::new(),
    };
    let version = parse_version(&f.version)?;
    let submit = f.action.as_deref() == Some("submit");
    let result = async {
        let v = state.store.save_value(&actor, &input, version).await?;
        if submit {
            state.store.submit_value(&actor, v.id, v.version).await
        } else {
            Ok(v)
        }
    }
    .await;
    match result {
        Ok(_) => {
            let back = local_path(Some(&back_path(&q)));
            let done = if submit { "submitted" } else { "saved" };
            Ok(see_other(&format!("{}#{key}", with_done(&back, done))))
        }
        Err(e) => refused(&state, &ctx, &user, &q, key, f.value, e, unit, yes_no).await,
    }
}

/// Re-renders the page with a refused change; server failures stay errors.
#[allow(clippy::too_many_arguments)]
async fn refused(
    state: &AppState,
    ctx: &Ctx,
    user: &User,
    q: &ReportQuery,
    key: String,
    typed: String,
    e: StoreError,
    unit: &str,
    yes_no: bool,
) -> Result<Response, PageError> {
    if !e.is_client_error() {
        return Err(e.into());
    }
    let e = ApiError::from(e);
    let status = e.status;
    let p = problem_of(key, typed, e, unit, yes_no);
    show(state, ctx, user, q, Some(p), status).await
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
    let model = state.store.current_model().await?;
    let user = ctx.require(Action::CorrectValue)?.clone();
    let v = state.store.value(id).await?;
    let u = policy::require_value(
        Some(&user),
        Action::CorrectValue,
        &model,
        &v.indicator,
        &v.region,
    )?;
    let q = ReportQuery {
        period: Some(f.period.clone()),
        unit: f.ctx_unit.clone(),
        region: f.ctx_region.clone(),
        done: None,
    };
    let key = value_key(&v.indicator, &v.region);
    let ind = model.plan.indicator(&v.indicator);
    let unit = ind.map(|i| i.unit.as_str()).unwrap_or("");
    let yes_no = ind.is_some_and(|i| i.kind == ValueKind::YesNo);
    let version: i64 = f
        .version
        .trim()
        .parse()
        .map_err(|_| PageError::invalid("版本号无效"))?;
    match state
        .store
        .correct_value(
            &Actor::user(u),
            id,
            version,
            f.value.trim(),
            &f.comment,
            &f.reason,
        )
        .await
    {
        Ok(_) => Ok(see_other(&format!(
            "{}#{key}",
            with_done(&back_path(&q), "corrected")
        ))),
        Err(e) => refused(&state, &ctx, &user, &q, key, f.value, e, unit, yes_no).await,
    }
}

/// The fields of a multipart form: the file (name, type, bytes) and the text fields.
struct Upload {
    file: Option<(String, String, bytes::Bytes)>,
    fields: Vec<(String, String)>,
}

impl Upload {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

async fn read_form(
    mut form: Multipart,
    pending: Option<&CsrfPending>,
    limit: usize,
) -> Result<Upload, PageError> {
    let mut up = Upload {
        file: None,
        fields: Vec::new(),
    };
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(ApiError::too_large(limit).into());
            }
            Err(e) => {
                return Err(PageError::invalid(format!(
                    "上传格式有误：{}",
                    e.body_text()
                )));
            }
        };
        let name = field.name().unwrap_or("").to_owned();
        if name == "file" {
            let filename = field.file_name().unwrap_or("").to_owned();
            let media = field.content_type().unwrap_or("").to_owned();
            let bytes = field.bytes().await.map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    PageError::from(ApiError::too_large(limit))
                } else {
                    PageError::invalid(format!("读取上传文件失败：{}", e.body_text()))
                }
            })?;
            if !filename.is_empty() || !bytes.is_empty() {
                up.file = Some((filename, media, bytes));
            }
        } else {
            let text = field.text().await.unwrap_or_default();
            up.fields.push((name, text));
        }
    }
    if let Some(p) = pending {
        p.check(up.field(CSRF_FIELD))?;
    }
    Ok(up)
}

/// Reads an evidence upload (CSRF-checked, within the evidence size limit), attaches the file
/// to `target` as `user`, and returns the page to go back to, marked as uploaded.
async fn attach_upload(
    state: &AppState,
    form: Multipart,
    pending: Option<&CsrfPending>,
    user: &User,
    target: EvidenceTarget,
) -> Result<String, PageError> {
    let limit = state.store.config().max_evidence_bytes;
    let up = read_form(form, pending, limit).await?;
    let (name, media, bytes) = up
        .file
        .as_ref()
        .ok_or_else(|| PageError::invalid("请选择要上传的文件"))?;
    state
        .store
        .attach_evidence(&Actor::user(user), target, name, media, bytes)
        .await?;
    Ok(with_done(&local_path(up.field("back")), "uploaded"))
}

pub async fn value_evidence(
    State(state): State<AppState>,
    ctx: Ctx,
    pending: Option<Extension<CsrfPending>>,
    Path(id): Path<i64>,
    form: Multipart,
) -> Result<Response, PageError> {
    let model = state.store.current_model().await?;
    let user = ctx.require(Action::WriteValue)?.clone();
    let v = state.store.value(id).await?;
    let u = policy::require_value(
        Some(&user),
        Action::WriteValue,
        &model,
        &v.indicator,
        &v.region,
    )?;
    let back = attach_upload(
        &state,
        form,
        pending.as_deref(),
        u,
        EvidenceTarget::Value(id),
    )
    .await?;
    Ok(see_other(&format!(
        "{back}#{}",
        value_key(&v.indicator, &v.region)
    )))
}

pub async fn import_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    pending: Option<Extension<CsrfPending>>,
    form: Multipart,
) -> Result<Response, PageError> {
    let model = state.store.current_model().await?;
    let user = ctx.require(Action::WriteValue)?.clone();
    let limit = state.config.max_body_bytes;
    let up = read_form(form, pending.as_deref(), limit).await?;
    let q = ReportQuery {
        period: up.field("period").map(str::to_owned),
        unit: up.field("ctx_unit").map(str::to_owned),
        region: up.field("ctx_region").map(str::to_owned),
        done: None,
    };
    let fail = |message: String, rows: Vec<String>| Problem {
        key: "import".into(),
        message,
        rows,
        ..Default::default()
    };
    let Some((name, _, bytes)) = up.file.clone() else {
        let p = fail("请选择要导入的 CSV 文件".into(), Vec::new());
        return show(
            &state,
            &ctx,
            &user,
            &q,
            Some(p),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    // An Excel reporting template goes through the workbook import (checked cell by cell, then
    // written in one transaction); anything else is read as the values CSV.
    if name.to_ascii_lowercase().ends_with(".xlsx") || bytes.starts_with(b"PK\x03\x04") {
        return import_workbook(
            &state,
            &ctx,
            &user,
            &q,
            &name,
            &bytes,
            up.field("submit") == Some("1"),
        )
        .await;
    }
    let text = match std::str::from_utf8(&bytes) {
        Ok(t) => t,
        Err(e) => {
            let p = fail(
                format!(
                    "文件不是 UTF-8 编码（第{}字节处无效）；若为 Excel 导出的 GBK 文件，请另存为“CSV UTF-8”",
                    e.valid_up_to() + 1
                ),
                Vec::new(),
            );
            return show(
                &state,
                &ctx,
                &user,
                &q,
                Some(p),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let scope_user = user.clone();
    let scope_model = model.clone();
    let opts = ImportOptions {
        provenance: Provenance::Import,
        submit: up.field("submit").is_some_and(|v| v == "1"),
        allowed: Box::new(move |ind, reg| {
            policy::covers_value(&scope_user, &scope_model, ind, reg)
        }),
    };
    let file = if name.is_empty() {
        "上传文件.csv".to_owned()
    } else {
        name
    };
    match state
        .store
        .import_values_csv(&Actor::user(&user), &file, text, &opts)
        .await
    {
        Ok(summary) => Ok(see_other(&format!(
            "{}&rows={}#import",
            with_done(&back_path(&q), "imported"),
            summary.rows
        ))),
        Err(StoreError::Import(report)) => {
            let rows = report.errors.iter().map(ToString::to_string).collect();
            let p = fail(
                format!(
                    "导入文件有 {} 处错误，未导入任何数据：",
                    report.errors.len()
                ),
                rows,
            );
            show(
                &state,
                &ctx,
                &user,
                &q,
                Some(p),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) if e.is_client_error() => {
            let p = fail(ApiError::from(e).message, Vec::new());
            show(
                &state,
                &ctx,
                &user,
                &q,
                Some(p),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// The workbook half of the import form: the same checks and workflow as
/// `POST /api/v1/import/xlsx`, shown on the page (every refused cell listed, nothing imported).
async fn import_workbook(
    state: &AppState,
    ctx: &Ctx,
    user: &User,
    q: &ReportQuery,
    name: &str,
    bytes: &[u8],
    submit: bool,
) -> Result<Response, PageError> {
    let model = state.store.current_model().await?;
    let problem = |message: String, rows: Vec<String>| Problem {
        key: "import".into(),
        message,
        rows,
        ..Default::default()
    };
    let refuse = |p: Problem| async move {
        show(
            state,
            ctx,
            user,
            q,
            Some(p),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await
    };
    let reporter = match policy::workbook_reporter(user, &model, None, None) {
        Ok(r) => r,
        Err(e) => return refuse(problem(e.message, Vec::new())).await,
    };
    let period = match q
        .period
        .as_deref()
        .map(str::parse::<ecociv_core::Period>)
        .transpose()
    {
        Ok(p) => p,
        Err(e) => return refuse(problem(e.to_string(), Vec::new())).await,
    };
    let expect = Expect { reporter, period };
    let scope = policy::ValueScope::of(user, &model);
    let unit_user = user.clone();
    let opts = WorkbookOptions {
        submit,
        values: Box::new(move |ind, reg| scope.covers(ind, reg)),
        units: Box::new(move |unit| policy::covers_unit(&unit_user, unit)),
    };
    let file = if name.trim().is_empty() {
        "上传的填报模板.xlsx"
    } else {
        name
    };
    match documents::import_workbook(
        &state.store,
        &Actor::user(user),
        bytes,
        file,
        &expect,
        &opts,
    )
    .await
    {
        Ok(done) => Ok(see_other(&format!(
            "{}&rows={}#import",
            with_done(&back_path(q), "imported"),
            done.values + done.tasks
        ))),
        Err(DocumentError::Rejected(r)) => {
            let rows = r
                .errors
                .iter()
                .map(|e| format!("{}!{}：{}", e.sheet, e.cell, e.message))
                .collect();
            refuse(problem(
                format!("工作簿有 {} 处错误，未导入任何数据：", r.errors.len()),
                rows,
            ))
            .await
        }
        Err(e) => {
            let e = ApiError::from(e);
            if e.status.is_client_error() {
                refuse(problem(e.message, Vec::new())).await
            } else {
                Err(PageError::from(e))
            }
        }
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
    let user = ctx.require(Action::WriteTask)?.clone();
    let u = policy::require_unit(Some(&user), Action::WriteTask, &f.unit)?;
    let actor = Actor::user(u);
    let citywide = policy::is_citywide(&user);
    let q = ReportQuery {
        period: Some(f.period.clone()),
        unit: citywide.then(|| f.unit.clone()),
        region: None,
        done: None,
    };
    let key = format!("t-{}", f.task);
    let refuse = |message: String| Problem {
        key: key.clone(),
        message,
        typed: f.percent.clone(),
        ..Default::default()
    };
    let Some(progress) = TaskProgress::parse(&f.progress) else {
        let p = refuse(format!("进展状态“{}”无效", f.progress));
        return show(
            &state,
            &ctx,
            &user,
            &q,
            Some(p),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let Ok(percent) = f.percent.trim().trim_end_matches('%').parse::<i64>() else {
        let p = refuse("完成百分比须为0–100的整数".into());
        return show(
            &state,
            &ctx,
            &user,
            &q,
            Some(p),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let input = TaskUpdateInput {
        task: f.task,
        unit: f.unit.clone(),
        period: f.period.clone(),
        progress,
        percent,
        narrative: f.narrative.clone(),
    };
    let version = parse_version(&f.version)?;
    let submit = f.action.as_deref() == Some("submit");
    let result = async {
        let t = state
            .store
            .save_task_update(&actor, &input, version)
            .await?;
        if submit {
            state
                .store
                .submit_task_update(&actor, t.id, t.version)
                .await
        } else {
            Ok(t)
        }
    }
    .await;
    match result {
        Ok(_) => Ok(see_other(&format!(
            "{}#{key}",
            with_done(&back_path(&q), if submit { "submitted" } else { "saved" })
        ))),
        Err(e) if e.is_client_error() => {
            let e = ApiError::from(e);
            let status = e.status;
            let p = problem_of(key, f.percent.clone(), e, "%", false);
            show(&state, &ctx, &user, &q, Some(p), status).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn task_evidence(
    State(state): State<AppState>,
    ctx: Ctx,
    pending: Option<Extension<CsrfPending>>,
    Path(id): Path<i64>,
    form: Multipart,
) -> Result<Response, PageError> {
    let user = ctx.require(Action::WriteTask)?.clone();
    let t = state.store.task_update(id).await?;
    let u = policy::require_unit(Some(&user), Action::WriteTask, &t.unit)?;
    let back = attach_upload(
        &state,
        form,
        pending.as_deref(),
        u,
        EvidenceTarget::TaskUpdate(id),
    )
    .await?;
    Ok(see_other(&format!("{back}#t-{}", t.task)))
}
