//! 总览: readiness at a glance for leaders and the creation office.
//!
//! The binding national indicators met / not met / at risk / no data; plan indicators by area
//! (chart and table); the indicators most at risk with their explanation; the units and counties
//! whose reports for the period are missing; the latest approvals; the report downloads.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use ecociv_app::policy::{Action, is_citywide};
use ecociv_app::{ApprovalOf, DataValue, Reporter};
use ecociv_core::evaluate::AreaSummary;
use ecociv_core::{Evaluation, IndicatorResult, Status};
use ecociv_i18n::{Msg, Words};
use ecociv_report::chart::{StatusChart, StatusGroup, status_svg};

use super::{
    Choice, Ctx, Lang, Layout, PageError, Section, StatusView, fmt_result, fmt_stored, fmt_time,
    non_empty, render, status_key, year_choices, year_param,
};
use crate::state::AppState;

/// How many at-risk indicators the dashboard lists.
const AT_RISK_SHOWN: usize = 8;
/// How many approvals it lists.
const APPROVALS_SHOWN: i64 = 8;

#[derive(Debug, serde::Deserialize)]
pub struct DashQuery {
    year: Option<String>,
}

/// A tile: one status and how many binding indicators have it.
#[derive(Debug)]
struct Tile {
    status: StatusView,
    count: usize,
    href: String,
}

#[derive(Debug)]
struct AreaRow {
    name: String,
    href: String,
    counts: Vec<usize>,
    total: usize,
}

#[derive(Debug)]
struct RiskRow {
    name: String,
    href: String,
    status: StatusView,
    value: String,
    binding: bool,
    explanation: String,
}

#[derive(Debug)]
struct OverdueRow {
    name: String,
    kind: &'static str,
    owed: usize,
    missing: usize,
    href: String,
}

#[derive(Debug)]
struct ApprovalRow {
    what: String,
    href: String,
    value: String,
    actor: String,
    at: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    page: Layout,
    year: i32,
    years: Vec<Choice>,
    catalogue_note: String,
    ready: bool,
    summary: String,
    tiles: Vec<Tile>,
    statuses: Vec<StatusView>,
    areas: Vec<AreaRow>,
    chart: String,
    at_risk: Vec<RiskRow>,
    due: String,
    past_due: bool,
    overdue: Vec<OverdueRow>,
    approvals: Vec<ApprovalRow>,
    can_report_links: bool,
    reports: bool,
}

/// Which statuses the tiles and area table show, in this order.
/// The plan indicators by area as a stacked-bar chart (SVG), counting `shown` statuses: the
/// dashboard's and the public portal's chart.
pub(super) fn area_chart(
    id: &str,
    year: i32,
    by_area: &[AreaSummary],
    shown: &[Status],
    lang: Lang,
) -> String {
    let t = super::texts(lang);
    status_svg(&StatusChart {
        id: id.into(),
        title: format!("{year}{}{}", t.year_suffix, t.dash_by_area),
        groups: by_area
            .iter()
            .map(|a| StatusGroup {
                label: a.area.word(lang).to_owned(),
                counts: shown.iter().map(|s| (*s, a.counts.get(*s))).collect(),
            })
            .collect(),
        lang,
    })
    .unwrap_or_default()
}

const SHOWN: [Status; 5] = [
    Status::Met,
    Status::AtRisk,
    Status::NotMet,
    Status::NoData,
    Status::Pending,
];

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DashQuery>,
) -> Result<Response, PageError> {
    if !ctx.can(Action::ReadInternal) && ctx.can(Action::ReadAudit) {
        // The auditor's start page is the audit log.
        return Ok(super::see_other("/audit"));
    }
    let user = ctx.require(Action::ReadInternal)?;
    let caller = ctx.caller();
    let model = state.app.model().await?;
    let plan = &model.plan;
    let year = year_param(&state, plan, non_empty(&q.year))?;
    // Readiness, areas and risks are the city's: evaluating the city alone is a fraction of the
    // work of every region, which matters for the first request after a write.
    let snap = state
        .app
        .evaluation(&caller, year, None, Some(&plan.city))
        .await?;
    let e: &Evaluation = &snap.evaluation;
    let r = &e.readiness;
    let lang = ctx.lang;
    let t = ctx.t();

    // Each tile counts the binding national rows with a status; its link lists exactly those
    // (the indicator filter with attribute=binding compares the national status).
    let tiles: Vec<Tile> = SHOWN
        .iter()
        .map(|s| Tile {
            status: StatusView::new(*s, lang),
            count: r.binding.get(*s),
            href: format!(
                "/indicators?year={year}&status={}&attribute=binding",
                status_key(*s)
            ),
        })
        .collect();

    let areas: Vec<AreaRow> = r
        .by_area
        .iter()
        .map(|a| AreaRow {
            name: a.area.word(lang).to_owned(),
            href: format!("/indicators?year={year}&area={}", a.area.name_zh()),
            counts: SHOWN.iter().map(|s| a.counts.get(*s)).collect(),
            total: a.counts.total(),
        })
        .collect();
    let chart = area_chart("areas", year, &r.by_area, &SHOWN, lang);

    let at_risk = most_at_risk(plan, e, year, lang);

    // Reports owed for the year and not made: every unit, county and district (the calendar and
    // the rule are the application's).
    let overdue: Vec<OverdueRow> = state
        .app
        .missing_reports(&caller, year)
        .await?
        .into_iter()
        .map(|m| {
            let (kind, href) = match &m.reporter {
                Reporter::Unit { code, .. } => {
                    (t.unit, format!("/report?period={year}&unit={code}"))
                }
                Reporter::Region { code, .. } => {
                    (t.region, format!("/report?period={year}&region={code}"))
                }
            };
            OverdueRow {
                name: m.reporter.name().to_owned(),
                kind,
                owed: m.owed,
                missing: m.missing.len(),
                href,
            }
        })
        .collect();

    let mut approvals = Vec::new();
    for a in state.app.recent_approvals(&caller, APPROVALS_SHOWN).await? {
        approvals.push(match &a.of {
            ApprovalOf::Value(v) => approval_of_value(plan, v, &a.actor, &a.at, lang),
            ApprovalOf::Task(u) => {
                let title = plan
                    .task(u32::try_from(u.task).unwrap_or(0))
                    .map(|t| t.title.clone())
                    .unwrap_or_default();
                ApprovalRow {
                    what: Msg::TaskRef {
                        number: u.task,
                        title,
                        period: Some(u.period.clone()),
                    }
                    .text(lang),
                    href: format!("/tasks/{}", u.task),
                    value: format!("{}，{}%", u.progress.word(lang), u.percent),
                    actor: a.actor.clone(),
                    at: fmt_time(&a.at),
                }
            }
        });
    }

    let calendar = state.app.calendar();
    let due = calendar.due_date(year);
    let title = format!("{} {year}{}", t.dash_title, t.year_suffix);
    let page = Layout::new(&state, &ctx, Section::Dashboard, title).await?;
    Ok(render(
        StatusCode::OK,
        &DashboardPage {
            page,
            year,
            years: year_choices(&state, plan, plan.base_year - 1, year),
            catalogue_note: Msg::CatalogueNote {
                title: r.catalogue_title.clone(),
                applicable: r.binding.total() - r.binding.not_applicable,
            }
            .text(lang),
            ready: r.ready,
            summary: r.message().text(lang),
            tiles,
            statuses: SHOWN.iter().map(|s| StatusView::new(*s, lang)).collect(),
            areas,
            chart,
            at_risk,
            due: due.to_string(),
            past_due: calendar.past_due(year, state.app.today()),
            overdue,
            approvals,
            can_report_links: ctx.can(Action::WriteValue) && is_citywide(&user),
            reports: ctx.can(Action::ReadReports),
        },
    ))
}

/// The city's indicators not met or at risk: binding national ones first, then not met before
/// at risk, in catalogue order.
fn most_at_risk(
    plan: &ecociv_core::Plan,
    e: &Evaluation,
    year: i32,
    lang: super::Lang,
) -> Vec<RiskRow> {
    let city = &plan.city;
    let mut rows: Vec<(u8, &IndicatorResult)> = e
        .results
        .iter()
        .filter(|r| r.region == *city && matches!(r.status, Status::NotMet | Status::AtRisk))
        .map(|r| {
            let binding = r.national.as_ref().is_some_and(|n| n.binding);
            let rank = match (binding, r.status) {
                (true, Status::NotMet) => 0,
                (true, _) => 1,
                (false, Status::NotMet) => 2,
                _ => 3,
            };
            (rank, r)
        })
        .collect();
    rows.sort_by_key(|(rank, _)| *rank);
    rows.into_iter()
        .take(AT_RISK_SHOWN)
        .map(|(_, r)| RiskRow {
            name: r.name.clone(),
            href: format!(
                "/indicators/{}?region={}&year={year}",
                r.indicator, r.region
            ),
            status: StatusView::new(r.status, lang),
            value: fmt_result(plan, r, lang),
            binding: r.national.as_ref().is_some_and(|n| n.binding),
            explanation: r.explanation.clone(),
        })
        .collect()
}

fn approval_of_value(
    plan: &ecociv_core::Plan,
    v: &DataValue,
    actor: &str,
    at: &str,
    lang: Lang,
) -> ApprovalRow {
    let ind = plan.indicator(&v.indicator);
    let region = plan
        .region(&v.region)
        .map(|r| r.name.clone())
        .unwrap_or_else(|| v.region.clone());
    let name = ind
        .map(|i| i.name.clone())
        .unwrap_or_else(|| v.indicator.clone());
    ApprovalRow {
        what: format!("{name}（{region}，{}）", v.period),
        href: format!("/indicators/{}?region={}", v.indicator, v.region),
        value: fmt_stored(
            &v.value,
            ind.map(|i| i.unit.as_str()).unwrap_or(""),
            ind.is_some_and(|i| i.kind == ecociv_core::ValueKind::YesNo),
            lang,
        ),
        actor: actor.to_owned(),
        at: fmt_time(at),
    }
}
