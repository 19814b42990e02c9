//! 管理: users (administrator); units and regions; plan and catalogue versions, assigned targets
//! with their source documents (creation office); reporting periods and publication.
//!
//! Each page asks the policy for its own action; reporters, reviewers and viewers are refused
//! everywhere here.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Extension, Form};
use ecociv_app::policy::Action;
use ecociv_app::{
    AppError, AssignedInput, AssignedVersion, NewAccount, PeriodAction, PlanModel, Role, UserChange,
};
use ecociv_core::obligation;
use ecociv_i18n::{Msg, Words};

use super::{
    Choice, Ctx, Layout, PageError, Section, fmt_time, non_empty, render, see_other, with_done,
};
use crate::auth::CsrfPending;
use crate::multipart;
use crate::state::AppState;

const ADMIN: [Action; 3] = [
    Action::ManageUsers,
    Action::ManagePlan,
    Action::ManagePeriods,
];

#[derive(Debug, Default, serde::Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

fn notice(ctx: &Ctx, q: &DoneQuery) -> Option<String> {
    non_empty(&q.done).map(|_| ctx.t().adm_done.to_owned())
}

/// Turns a refused change into a message for the page; refusals of who may and server
/// failures stay error pages.
fn refusal(e: AppError, ctx: &Ctx) -> Result<String, PageError> {
    match e {
        AppError::Unauthenticated
        | AppError::Forbidden(_)
        | AppError::Internal(_)
        | AppError::Busy { .. } => Err(e.into()),
        e => Ok(e.message(ctx.lang)),
    }
}

// ---------------------------------------------------------------------------------------------
// Index: units and regions

#[derive(Debug)]
struct Link {
    href: &'static str,
    label: &'static str,
}

#[derive(Debug)]
struct UnitRow {
    code: String,
    name: String,
    leads: usize,
    indicators: usize,
}

#[derive(Debug)]
struct RegionRow {
    code: String,
    name: String,
    level: String,
    parent: String,
}

#[derive(Template)]
#[template(path = "admin.html")]
struct IndexPage {
    page: Layout,
    links: Vec<Link>,
    units: Vec<UnitRow>,
    regions: Vec<RegionRow>,
}

pub async fn index(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    ctx.require_any(&ADMIN)?;
    let model = state.app.model().await?;
    let plan = &model.plan;
    let t = ctx.t();
    let can = |a| ctx.can(a);
    let mut links = Vec::new();
    if can(Action::ManageUsers) {
        links.push(Link {
            href: "/admin/users",
            label: t.adm_users,
        });
    }
    if can(Action::ManagePlan) {
        links.push(Link {
            href: "/admin/plan",
            label: t.adm_plan,
        });
        links.push(Link {
            href: "/admin/targets",
            label: t.adm_targets,
        });
    }
    if can(Action::ManagePeriods) {
        links.push(Link {
            href: "/admin/periods",
            label: t.adm_periods,
        });
    }
    let version = model.catalogue.version(&model.catalogue_version);
    let units = plan
        .units
        .iter()
        .map(|u| {
            let owed = obligation::for_unit(plan, version, &u.name);
            UnitRow {
                code: u.code.clone(),
                name: u.name.clone(),
                leads: plan
                    .tasks
                    .iter()
                    .filter(|k| k.lead.contains(&u.name))
                    .count(),
                indicators: owed.indicators.len(),
            }
        })
        .collect();
    let regions = plan
        .regions
        .iter()
        .map(|r| RegionRow {
            code: r.code.clone(),
            name: r.name.clone(),
            level: r.level.word(ctx.lang).to_owned(),
            parent: r
                .parent
                .as_deref()
                .and_then(|p| plan.region(p))
                .map(|p| p.name.clone())
                .unwrap_or_default(),
        })
        .collect();
    let page = Layout::new(&state, &ctx, Section::Admin, t.adm_title).await?;
    Ok(render(
        StatusCode::OK,
        &IndexPage {
            page,
            links,
            units,
            regions,
        },
    ))
}

// ---------------------------------------------------------------------------------------------
// Users

#[derive(Debug)]
struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    binding: String,
    disabled: bool,
    version: i64,
    roles: Vec<Choice>,
    bindings: Vec<Choice>,
    locked: String,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    page: Layout,
    users: Vec<UserRow>,
    roles: Vec<Choice>,
    bindings: Vec<Choice>,
    problem: Option<String>,
    password: Option<(String, String)>,
}

/// Binding choices: none, every unit, every county and district (the plan's reporters).
fn binding_choices(
    model: &PlanModel,
    t: &super::Texts,
    unit: Option<&str>,
    region: Option<&str>,
) -> Vec<Choice> {
    let mut out = vec![Choice::new("", "—", unit.is_none() && region.is_none())];
    out.extend(model.plan.units.iter().map(|u| {
        Choice::new(
            format!("unit:{}", u.code),
            format!("{}{}{}", t.unit, t.colon, u.name),
            unit == Some(u.code.as_str()),
        )
    }));
    out.extend(model.plan.reporting_regions().map(|r| {
        Choice::new(
            format!("region:{}", r.code),
            format!("{}{}{}", t.region, t.colon, r.name),
            region == Some(r.code.as_str()),
        )
    }));
    out
}

fn role_choices(lang: super::Lang, selected: Option<Role>) -> Vec<Choice> {
    Role::ALL
        .iter()
        .map(|r| Choice::new(r.as_str(), r.word(lang), Some(*r) == selected))
        .collect()
}

async fn users_page(
    state: &AppState,
    ctx: &Ctx,
    problem: Option<String>,
    password: Option<(String, String)>,
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let model = state.app.model().await?;
    let lang = ctx.lang;
    let t = ctx.t();
    let users = state
        .app
        .users(&ctx.caller())
        .await?
        .into_iter()
        .map(|u| UserRow {
            binding: match (&u.unit, &u.region) {
                (Some(c), _) => model
                    .unit(c)
                    .map(|x| x.name.clone())
                    .unwrap_or_else(|| c.clone()),
                (None, Some(r)) => model
                    .plan
                    .region(r)
                    .map(|x| x.name.clone())
                    .unwrap_or_else(|| r.clone()),
                _ => String::new(),
            },
            roles: role_choices(lang, Some(u.role)),
            bindings: binding_choices(&model, t, u.unit.as_deref(), u.region.as_deref()),
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role.word(lang).to_owned(),
            disabled: u.disabled,
            version: u.version,
            locked: u.locked_until.as_deref().map(fmt_time).unwrap_or_default(),
        })
        .collect();
    let page = Layout::new(state, ctx, Section::Admin, ctx.t().adm_users)
        .await?
        .with_notice(notice);
    Ok(render(
        status,
        &UsersPage {
            page,
            users,
            roles: role_choices(lang, Some(Role::Reporter)),
            bindings: binding_choices(&model, t, None, None),
            problem,
            password,
        },
    ))
}

pub async fn users(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PageError> {
    ctx.require(Action::ManageUsers)?;
    users_page(&state, &ctx, None, None, notice(&ctx, &q), StatusCode::OK).await
}

fn split_binding(b: &str) -> (Option<String>, Option<String>) {
    match b.split_once(':') {
        Some(("unit", c)) => (Some(c.to_owned()), None),
        Some(("region", c)) => (None, Some(c.to_owned())),
        _ => (None, None),
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct NewUserForm {
    username: String,
    display_name: String,
    role: String,
    #[serde(default)]
    binding: String,
    #[serde(default)]
    password: String,
}

pub async fn create_user(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<NewUserForm>,
) -> Result<Response, PageError> {
    ctx.require(Action::ManageUsers)?;
    let (unit, region) = split_binding(&f.binding);
    let new = NewAccount {
        username: f.username,
        display_name: f.display_name,
        role: f.role,
        unit,
        region,
        password: Some(f.password).filter(|p| !p.is_empty()),
    };
    match state.app.create_user(&ctx.caller(), new).await {
        Ok((u, Some(pw))) => {
            users_page(
                &state,
                &ctx,
                None,
                Some((u.username, pw)),
                None,
                StatusCode::OK,
            )
            .await
        }
        Ok((_, None)) => Ok(see_other("/admin/users?done=created")),
        Err(e) => {
            let m = refusal(e, &ctx)?;
            users_page(
                &state,
                &ctx,
                Some(m),
                None,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct UpdateUserForm {
    version: i64,
    role: String,
    #[serde(default)]
    binding: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    disabled: Option<String>,
}

pub async fn update_user(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<UpdateUserForm>,
) -> Result<Response, PageError> {
    ctx.require(Action::ManageUsers)?;
    let (unit, region) = split_binding(&f.binding);
    let change = UserChange {
        version: f.version,
        display_name: non_empty(&Some(f.display_name.clone())).map(str::to_owned),
        role: Some(f.role.clone()),
        unit: Some(unit),
        region: Some(region),
        disabled: Some(f.disabled.is_some()),
    };
    match state.app.update_user(&ctx.caller(), id, change).await {
        Ok(_) => Ok(see_other("/admin/users?done=updated")),
        Err(e) => {
            let status = match &e {
                AppError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
                _ => StatusCode::CONFLICT,
            };
            let m = refusal(e, &ctx)?;
            users_page(&state, &ctx, Some(m), None, None, status).await
        }
    }
}

pub async fn reset_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let (u, password) = state.app.reset_password(&ctx.caller(), id).await?;
    users_page(
        &state,
        &ctx,
        None,
        Some((u.username, password)),
        None,
        StatusCode::OK,
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// Plan and catalogue versions

#[derive(Debug)]
struct PlanRow {
    id: i64,
    name: String,
    source: String,
    sha: String,
    active: bool,
    loaded: String,
    activated: String,
}

#[derive(Debug)]
struct CatalogueRow {
    name: String,
    kind: String,
    title: String,
    sha: String,
    updated: String,
    version: i64,
}

#[derive(Template)]
#[template(path = "admin_plan.html")]
struct PlanPage {
    page: Layout,
    plans: Vec<PlanRow>,
    files: Vec<CatalogueRow>,
    versions: Vec<Choice>,
    current: String,
    problem: Option<String>,
    /// Plan-check findings (targets laxer than the national threshold).
    findings: Vec<String>,
}

async fn plan_page(
    state: &AppState,
    ctx: &Ctx,
    problem: Option<String>,
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let caller = ctx.caller();
    let model = state.app.model().await?;
    let plans = state
        .app
        .plan_versions(&caller)
        .await?
        .into_iter()
        .map(|p| PlanRow {
            id: p.id,
            name: p.name,
            source: p.source_name,
            sha: p.sha256.chars().take(12).collect(),
            active: p.active,
            loaded: format!("{} · {}", p.loaded_by, fmt_time(&p.loaded_at)),
            activated: match (p.activated_by, p.activated_at) {
                (Some(b), Some(a)) => format!("{b} · {}", fmt_time(&a)),
                _ => String::new(),
            },
        })
        .collect();
    let files = state
        .app
        .catalogue_files(&caller)
        .await?
        .into_iter()
        .map(|f| CatalogueRow {
            title: model
                .catalogue
                .version(&f.name)
                .map(|v| format!("{}（{}）", v.title, v.document))
                .unwrap_or_else(|| ctx.t().adm_dictionary.into()),
            name: f.name,
            kind: f.kind,
            sha: f.sha256.chars().take(12).collect(),
            updated: format!("{} · {}", f.updated_by, fmt_time(&f.updated_at)),
            version: f.version,
        })
        .collect();
    let versions = model
        .catalogue
        .versions
        .iter()
        .map(|v| {
            Choice::new(
                &v.id,
                format!("{} {}", v.id, v.title),
                v.id == model.catalogue_version,
            )
        })
        .collect();
    let page = Layout::new(state, ctx, Section::Admin, ctx.t().adm_plan)
        .await?
        .with_notice(notice);
    Ok(render(
        status,
        &PlanPage {
            page,
            plans,
            files,
            versions,
            current: model.catalogue_version.clone(),
            problem,
            findings: state
                .app
                .plan_findings()
                .await?
                .iter()
                .map(|f| f.text(ctx.lang))
                .collect(),
        },
    ))
}

pub async fn plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PageError> {
    ctx.require(Action::ManagePlan)?;
    plan_page(&state, &ctx, None, notice(&ctx, &q), StatusCode::OK).await
}

#[derive(Debug, serde::Deserialize)]
pub struct VersionForm {
    catalogue_version: String,
}

pub async fn set_version(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<VersionForm>,
) -> Result<Response, PageError> {
    match state
        .app
        .set_catalogue_version(&ctx.caller(), &f.catalogue_version)
        .await
    {
        Ok(()) => Ok(see_other("/admin/plan?done=version")),
        Err(e) => {
            let m = refusal(e, &ctx)?;
            plan_page(
                &state,
                &ctx,
                Some(m),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

pub async fn load_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    pending: Option<Extension<CsrfPending>>,
    form: Multipart,
) -> Result<Response, PageError> {
    let caller = ctx.caller();
    state.app.require(&caller, Action::ManagePlan)?;
    let up = multipart::read(form, pending.as_deref(), state.config.max_body_bytes).await?;
    let Some(file) = up.file.as_ref().filter(|f| !f.bytes.is_empty()) else {
        return plan_page(
            &state,
            &ctx,
            Some(Msg::ChoosePlanFile.text(ctx.lang)),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    match state
        .app
        .load_plan(
            &caller,
            &file.filename,
            &file.bytes,
            up.field("activate").is_some(),
        )
        .await
    {
        Ok(_) => Ok(see_other("/admin/plan?done=loaded")),
        Err(e) => {
            let m = refusal(e, &ctx)?;
            plan_page(
                &state,
                &ctx,
                Some(m),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Assigned targets

#[derive(Debug)]
struct TargetRow {
    indicator: String,
    region: String,
    year: i64,
    threshold: String,
    document: String,
    updated: String,
    version: i64,
}

#[derive(Template)]
#[template(path = "admin_targets.html")]
struct TargetsPage {
    page: Layout,
    rows: Vec<TargetRow>,
    indicators: Vec<Choice>,
    regions: Vec<Choice>,
    problem: Option<String>,
}

async fn targets_page(
    state: &AppState,
    ctx: &Ctx,
    problem: Option<String>,
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let model = state.app.model().await?;
    let plan = &model.plan;
    let rows = state
        .app
        .assigned_targets(&ctx.caller())
        .await?
        .into_iter()
        .map(|a| TargetRow {
            indicator: plan
                .indicator(&a.indicator)
                .map(|i| i.name.clone())
                .unwrap_or_else(|| a.indicator.clone()),
            region: plan
                .region(&a.region)
                .map(|r| r.name.clone())
                .unwrap_or_else(|| a.region.clone()),
            year: a.year,
            threshold: a.threshold,
            document: a.document,
            updated: format!("{} · {}", a.updated_by, fmt_time(&a.updated_at)),
            version: a.version,
        })
        .collect();
    let indicators = plan
        .indicators
        .iter()
        .map(|i| Choice::new(&i.code, &i.name, false))
        .collect();
    let regions = plan
        .regions
        .iter()
        .map(|r| Choice::new(&r.code, &r.name, r.code == plan.city))
        .collect();
    let page = Layout::new(state, ctx, Section::Admin, ctx.t().adm_targets)
        .await?
        .with_notice(notice);
    Ok(render(
        status,
        &TargetsPage {
            page,
            rows,
            indicators,
            regions,
            problem,
        },
    ))
}

pub async fn targets(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PageError> {
    ctx.require(Action::ManagePlan)?;
    targets_page(&state, &ctx, None, notice(&ctx, &q), StatusCode::OK).await
}

#[derive(Debug, serde::Deserialize)]
pub struct TargetForm {
    indicator: String,
    region: String,
    year: i64,
    threshold: String,
    document: String,
}

pub async fn put_target(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<TargetForm>,
) -> Result<Response, PageError> {
    let input = AssignedInput {
        indicator: f.indicator,
        region: f.region,
        year: f.year,
        threshold: f.threshold,
        document: f.document,
    };
    // A form edits whatever is stored now: the version read is the current one.
    match state
        .app
        .put_assigned(&ctx.caller(), input, AssignedVersion::Latest)
        .await
    {
        Ok(_) => Ok(see_other("/admin/targets?done=saved")),
        Err(e) => {
            let m = refusal(e, &ctx)?;
            targets_page(
                &state,
                &ctx,
                Some(m),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Periods

#[derive(Debug)]
struct PeriodRow {
    id: String,
    closed: bool,
    published: bool,
    reason: String,
    updated: String,
    version: i64,
}

#[derive(Template)]
#[template(path = "admin_periods.html")]
struct PeriodsPage {
    page: Layout,
    rows: Vec<PeriodRow>,
    problem: Option<String>,
}

async fn periods_page(
    state: &AppState,
    ctx: &Ctx,
    problem: Option<String>,
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let model = state.app.model().await?;
    let plan = &model.plan;
    let stored = state.app.periods(&ctx.caller()).await?;
    let last = state.app.reporting_year(plan);
    let mut ids: Vec<String> = (plan.base_year - 1..=last)
        .rev()
        .map(|y| y.to_string())
        .collect();
    for p in &stored {
        if !ids.contains(&p.id) {
            ids.push(p.id.clone());
        }
    }
    let rows = ids
        .into_iter()
        .map(|id| match stored.iter().find(|p| p.id == id) {
            Some(p) => PeriodRow {
                id: p.id.clone(),
                closed: p.closed,
                published: p.published,
                reason: p.reason.clone(),
                updated: match (&p.updated_by, &p.updated_at) {
                    (Some(b), Some(a)) => format!("{b} · {}", fmt_time(a)),
                    _ => String::new(),
                },
                version: p.version,
            },
            None => PeriodRow {
                id,
                closed: false,
                published: false,
                reason: String::new(),
                updated: String::new(),
                version: 0,
            },
        })
        .collect();
    let page = Layout::new(state, ctx, Section::Admin, ctx.t().adm_periods)
        .await?
        .with_notice(notice);
    Ok(render(
        status,
        &PeriodsPage {
            page,
            rows,
            problem,
        },
    ))
}

pub async fn periods(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PageError> {
    ctx.require(Action::ManagePeriods)?;
    periods_page(&state, &ctx, None, notice(&ctx, &q), StatusCode::OK).await
}

#[derive(Debug, serde::Deserialize)]
pub struct PeriodForm {
    action: String,
    version: i64,
    #[serde(default)]
    reason: String,
}

pub async fn change_period(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<PeriodForm>,
) -> Result<Response, PageError> {
    let action = PeriodAction::parse(&f.action, &f.reason)?;
    match state
        .app
        .change_period(&ctx.caller(), &id, &action, f.version)
        .await
    {
        Ok(_) => Ok(see_other(&with_done("/admin/periods", &f.action))),
        Err(e) => {
            let m = refusal(e, &ctx)?;
            periods_page(
                &state,
                &ctx,
                Some(format!("{id}{}{m}", ctx.t().colon)),
                None,
                StatusCode::CONFLICT,
            )
            .await
        }
    }
}
