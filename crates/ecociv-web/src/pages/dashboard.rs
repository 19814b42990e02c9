//! 总览: readiness at a glance for leaders and the creation office.
//!
//! The binding national indicators met / not met / at risk / no data; plan indicators by area
//! (chart and table); the indicators most at risk with their explanation; the units and counties
//! whose reports for the period are missing; the latest approvals; the report downloads.

use std::collections::HashSet;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use ecociv_core::evaluate::AreaSummary;
use ecociv_core::obligation::{self, Obligations};
use ecociv_core::{Evaluation, IndicatorResult, Status};
use ecociv_report::chart::{StatusChart, StatusGroup, status_svg};
use ecociv_store::{Audience, DataValue, ValueFilter, WorkflowStatus};

use super::{
    Choice, Ctx, Lang, Layout, PageError, Section, StatusView, due_date, fmt_result, fmt_stored,
    fmt_time, non_empty, render, status_key, today, year_choices, year_param,
};
use crate::policy::{self, Action};
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
    let t = lang.texts();
    status_svg(&StatusChart {
        id: id.into(),
        title: format!("{year}{}{}", t.year_suffix, t.dash_by_area),
        groups: by_area
            .iter()
            .map(|a| StatusGroup {
                label: lang.area(a.area).to_owned(),
                counts: shown.iter().map(|s| (*s, a.counts.get(*s))).collect(),
            })
            .collect(),
        lang: lang.chart(),
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
    let user = ctx.require(Action::ReadInternal)?.clone();
    let model = state.store.current_model().await?;
    let plan = &model.plan;
    let today = today(&state);
    let year = year_param(plan, today, non_empty(&q.year))?;
    // Readiness, areas and risks are the city's: evaluating the city alone is a fraction of the
    // work of every region, which matters for the first request after a write.
    let snap = state
        .store
        .evaluation(year, None, Some(&plan.city), Audience::Internal)
        .await?;
    let e: &Evaluation = &snap.evaluation;
    let r = &e.readiness;
    let lang = ctx.lang;
    let t = ctx.t();

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
            name: lang.area(a.area).to_owned(),
            href: format!("/indicators?year={year}&area={}", a.area.name_zh()),
            counts: SHOWN.iter().map(|s| a.counts.get(*s)).collect(),
            total: a.counts.total(),
        })
        .collect();
    let chart = area_chart("areas", year, &r.by_area, &SHOWN, lang);

    let at_risk = most_at_risk(plan, e, year, lang);

    // Reports owed for the year: every unit and county, against what is submitted or approved.
    let values = state
        .store
        .values(&ValueFilter {
            period: Some(year.to_string()),
            ..Default::default()
        })
        .await?;
    let reported: HashSet<(&str, &str)> = values
        .iter()
        .filter(|v| {
            matches!(
                v.status,
                WorkflowStatus::Submitted | WorkflowStatus::Approved
            )
        })
        .map(|v| (v.indicator.as_str(), v.region.as_str()))
        .collect();
    let version = model.catalogue.version(&model.catalogue_version);
    let mut overdue = Vec::new();
    for unit in &plan.units {
        let owed = obligation::for_unit(plan, version, &unit.name);
        let missing = missing(&owed, &reported);
        if missing > 0 {
            overdue.push(OverdueRow {
                name: unit.name.clone(),
                kind: t.unit,
                owed: owed.indicators.len(),
                missing,
                href: format!("/report?period={year}&unit={}", unit.code),
            });
        }
    }
    for region in plan.regions.iter().filter(|r| r.level.is_county()) {
        let owed = obligation::for_region(plan, version, &region.code);
        let missing = missing(&owed, &reported);
        if missing > 0 {
            overdue.push(OverdueRow {
                name: region.name.clone(),
                kind: t.region,
                owed: owed.indicators.len(),
                missing,
                href: format!("/report?period={year}&region={}", region.code),
            });
        }
    }
    overdue.sort_by(|a, b| b.missing.cmp(&a.missing).then(a.name.cmp(&b.name)));

    let mut approvals = Vec::new();
    for rev in state
        .store
        .recent_reviews("approve", APPROVALS_SHOWN)
        .await?
    {
        let row = match rev.entity_kind.as_str() {
            "value" => {
                let v = state.store.value(rev.entity_id).await?;
                if !policy::can_see_value(&user, &model, &v) {
                    continue;
                }
                approval_of_value(plan, &v, &rev.actor, &rev.at)
            }
            _ => {
                let u = state.store.task_update(rev.entity_id).await?;
                let title = plan
                    .task(u32::try_from(u.task).unwrap_or(0))
                    .map(|t| t.title.clone())
                    .unwrap_or_default();
                ApprovalRow {
                    what: format!("任务{} {title}（{}）", u.task, u.period),
                    href: format!("/tasks/{}", u.task),
                    value: format!("{}，{}%", lang.progress(u.progress), u.percent),
                    actor: rev.actor.clone(),
                    at: fmt_time(&rev.at),
                }
            }
        };
        approvals.push(row);
    }

    let due = due_date(year);
    let title = format!("{} {year}{}", t.dash_title, t.year_suffix);
    let page = Layout::new(&state, &ctx, Section::Dashboard, title).await?;
    Ok(render(
        StatusCode::OK,
        &DashboardPage {
            page,
            year,
            years: year_choices(plan, plan.base_year - 1, today, year),
            catalogue_note: match lang {
                super::Lang::Zh => format!(
                    "国家标准：{}；适用的约束性指标共{}项",
                    r.catalogue_title,
                    r.binding.total() - r.binding.not_applicable
                ),
                super::Lang::En => format!(
                    "National standard: {}; {} binding indicators apply",
                    r.catalogue_title,
                    r.binding.total() - r.binding.not_applicable
                ),
            },
            ready: r.ready,
            summary: r.summary.clone(),
            tiles,
            statuses: SHOWN.iter().map(|s| StatusView::new(*s, lang)).collect(),
            areas,
            chart,
            at_risk,
            due: due.to_string(),
            past_due: today > due,
            overdue,
            approvals,
            can_report_links: policy::role_allows(user.role, Action::WriteValue)
                && policy::is_citywide(&user),
            reports: policy::role_allows(user.role, Action::ReadReports),
        },
    ))
}

/// Indicators owed with no value submitted or approved.
fn missing(owed: &Obligations, reported: &HashSet<(&str, &str)>) -> usize {
    owed.indicators
        .iter()
        .filter(|d| !reported.contains(&(d.indicator.as_str(), d.region.as_str())))
        .count()
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
            value: fmt_result(plan, r),
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
        ),
        actor: actor.to_owned(),
        at: fmt_time(at),
    }
}
