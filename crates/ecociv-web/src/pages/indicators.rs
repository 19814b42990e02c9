//! 指标: the list (filter by area, status, unit, region, attribute) and the detail page (history
//! chart with the values table beside it, the reported values with provenance, version, review
//! state and evidence, the explanation, and the methodology with the standard's version).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use ecociv_app::policy::Action;
use ecociv_app::{
    Caller, DataValue, EvidenceKind, EvidenceLink, EvidenceTarget, IndicatorFilter, WorkflowStatus,
};
use ecociv_core::indicator::Method;
use ecociv_core::{IndicatorResult, Plan, Status, ValueKind};
use ecociv_i18n::{Msg, Words};
use ecociv_report::chart::{HistoryChart, history_svg};

use super::{
    Choice, Ctx, Lang, Layout, PageError, Section, StatusView, fmt_result, fmt_stored, fmt_time,
    fmt_value, non_empty, render, status_key, year_choices, year_param,
};
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Default, serde::Deserialize)]
pub struct ListQuery {
    year: Option<String>,
    area: Option<String>,
    status: Option<String>,
    unit: Option<String>,
    region: Option<String>,
    attribute: Option<String>,
    q: Option<String>,
}

/// One row of the list.
#[derive(Debug)]
struct Row {
    name: String,
    href: String,
    area: String,
    region: String,
    value: String,
    target: String,
    national: String,
    unverified: bool,
    binding: Option<bool>,
    status: StatusView,
    /// The plan and the national status, each where it applies (the overall status is the worse).
    plan_status: Option<StatusView>,
    national_status: Option<StatusView>,
    /// The plan target asks less than the national threshold.
    laxer: bool,
    units: String,
    explanation: String,
}

#[derive(Template)]
#[template(path = "indicators.html")]
struct ListPage {
    page: Layout,
    year: i32,
    years: Vec<Choice>,
    areas: Vec<Choice>,
    statuses: Vec<Choice>,
    units: Vec<Choice>,
    regions: Vec<Choice>,
    attributes: Vec<Choice>,
    q: String,
    rows: Vec<Row>,
}

use ecociv_app::units_of;

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    ctx.require(Action::ReadInternal)?;
    let model = state.app.model().await?;
    let plan = &model.plan;
    let year = year_param(&state, plan, non_empty(&q.year))?;
    let lang = ctx.lang;
    let t = ctx.t();
    let filter = IndicatorFilter::parse(
        plan,
        non_empty(&q.region),
        non_empty(&q.area),
        non_empty(&q.status),
        non_empty(&q.attribute),
        non_empty(&q.unit),
        non_empty(&q.q),
    )?;
    let list = state
        .app
        .indicator_list(&ctx.caller(), year, &filter)
        .await?;
    let results = &list.snapshot.evaluation.results;
    let rows: Vec<Row> = list
        .rows
        .iter()
        .map(|&i| row(plan, &results[i], year, lang))
        .collect();
    let area = filter.results.area;
    let status = filter.results.status;
    let unit = filter.unit.as_deref().and_then(|c| model.unit(c));
    let region = filter.results.region.clone();
    let attribute = non_empty(&q.attribute);
    let text = filter.text.clone();

    let sel = |v: &Option<String>, x: &str| non_empty(v) == Some(x);
    let mut areas = vec![Choice::new("", t.all, area.is_none())];
    areas.extend(
        ecociv_core::Area::ALL
            .iter()
            .map(|a| Choice::new(a.name_zh(), a.word(lang), area == Some(*a))),
    );
    let mut statuses = vec![Choice::new("", t.all, status.is_none())];
    statuses.extend(Status::ALL.iter().map(|s| {
        Choice::new(
            status_key(*s),
            format!("{} {}", s.symbol(), s.word(lang)),
            status == Some(*s),
        )
    }));
    let mut units = vec![Choice::new("", t.all, unit.is_none())];
    units.extend(
        plan.units
            .iter()
            .map(|u| Choice::new(&u.code, &u.name, sel(&q.unit, &u.code))),
    );
    let mut regions = vec![Choice::new("all", t.all, region.is_none())];
    regions.extend(
        plan.regions
            .iter()
            .map(|g| Choice::new(&g.code, &g.name, region.as_deref() == Some(g.code.as_str()))),
    );
    let attributes = vec![
        Choice::new("", t.all, attribute.is_none()),
        Choice::new("binding", t.binding, attribute == Some("binding")),
        Choice::new("reference", t.reference, attribute == Some("reference")),
    ];
    let page = Layout::new(&state, &ctx, Section::Indicators, t.ind_title).await?;
    Ok(render(
        StatusCode::OK,
        &ListPage {
            page,
            year,
            years: year_choices(&state, plan, plan.base_year - 1, year),
            areas,
            statuses,
            units,
            regions,
            attributes,
            q: text,
            rows,
        },
    ))
}

fn row(plan: &Plan, r: &IndicatorResult, year: i32, lang: Lang) -> Row {
    Row {
        name: r.name.clone(),
        href: format!(
            "/indicators/{}?region={}&year={year}",
            r.indicator, r.region
        ),
        area: r.area.map(|a| a.word(lang)).unwrap_or("").to_owned(),
        region: r.region_name.clone(),
        value: fmt_result(plan, r, lang),
        target: r
            .target
            .as_ref()
            .map(|t| {
                Msg::AtYear {
                    year: t.year,
                    text: t.text.clone(),
                }
                .text(lang)
            })
            .unwrap_or_default(),
        national: r
            .national
            .as_ref()
            .map(|n| n.text.clone())
            .unwrap_or_default(),
        unverified: r.national.as_ref().is_some_and(|n| !n.verified),
        binding: r.national.as_ref().map(|n| n.binding),
        status: StatusView::new(r.status, lang),
        plan_status: r.target.as_ref().map(|t| StatusView::new(t.status, lang)),
        national_status: r.national.as_ref().map(|n| StatusView::new(n.status, lang)),
        laxer: r.target_laxer_than_national,
        units: short_list(&units_of(plan, &r.indicator), lang),
        explanation: r.explanation.clone(),
    }
}

/// At most three names, then how many more: a list cell stays readable.
fn short_list(names: &[String], lang: Lang) -> String {
    if names.len() <= 3 {
        names.join("、")
    } else {
        Msg::AndMore {
            names: names[..3].join("、"),
            count: names.len(),
        }
        .text(lang)
    }
}

// ---------------------------------------------------------------------------------------------
// Detail

#[derive(Debug, Default, serde::Deserialize)]
pub struct DetailQuery {
    year: Option<String>,
    region: Option<String>,
}

/// A year of the chart's data table.
#[derive(Debug)]
pub(crate) struct HistoryRow {
    pub year: i32,
    pub value: String,
    pub state: String,
}

/// A stored version of a value.
#[derive(Debug)]
struct ValueRow {
    id: i64,
    period: String,
    value: String,
    state: &'static str,
    state_class: &'static str,
    version: i64,
    correction: String,
    provenance: String,
    by: String,
    at: String,
    return_reason: String,
    superseded: bool,
    evidence: Vec<EvidenceRow>,
}

#[derive(Debug)]
pub(crate) struct EvidenceRow {
    pub name: String,
    pub href: String,
}

/// The files attached to a value or a task update, as links.
pub(crate) async fn evidence_rows(
    state: &AppState,
    caller: &Caller,
    target: EvidenceTarget,
) -> Result<Vec<EvidenceRow>, PageError> {
    Ok(state
        .app
        .evidence_of(caller, target)
        .await?
        .into_iter()
        .map(evidence_row)
        .collect())
}

/// How a file attached to a record is listed.
pub(crate) fn evidence_row(l: EvidenceLink) -> EvidenceRow {
    EvidenceRow {
        href: format!("/api/v1/evidence/{}", l.sha256),
        name: l.filename,
    }
}

/// A row of the national catalogue that maps to the indicator.
#[derive(Debug)]
pub(crate) struct NationalRowView {
    pub version: String,
    pub document: String,
    pub number: String,
    pub name: String,
    pub printed: String,
    pub attribute: String,
    pub scope: String,
    pub confidence: String,
    pub verified: bool,
    pub source: String,
    pub note: String,
}

/// What explains a status: the sentence, the target and national checks, the forecast.
#[derive(Debug, Default)]
pub(crate) struct Assessment {
    pub status: Option<StatusView>,
    pub value: String,
    pub explanation: String,
    pub target: Option<(String, StatusView, String)>,
    pub national: Option<(String, StatusView, String, bool, bool)>,
    pub forecast: Vec<(String, String)>,
}

/// Methodology facts of an indicator.
#[derive(Debug)]
pub(crate) struct MethodView {
    pub definition: String,
    pub direction: String,
    pub method: String,
    /// How a year is made from monthly or quarterly values (汇总方式).
    pub aggregate: String,
    pub range: String,
    pub unit: String,
    pub rows: Vec<NationalRowView>,
    pub evaluated_with: String,
}

#[derive(Template)]
#[template(path = "indicator.html")]
struct DetailPage {
    page: Layout,
    name: String,
    code: String,
    year: i32,
    years: Vec<Choice>,
    region: String,
    regions: Vec<Choice>,
    area: String,
    units: String,
    assessment: Assessment,
    chart: String,
    chart_desc: String,
    history: Vec<HistoryRow>,
    target_label: String,
    national_label: String,
    values: Vec<ValueRow>,
    method: MethodView,
}

pub async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Result<Response, PageError> {
    ctx.require(Action::ReadInternal)?;
    let caller = ctx.caller();
    let model = state.app.model().await?;
    let plan = &model.plan;
    let ind = plan
        .indicator(&code)
        .ok_or_else(|| ApiError::not_found(Msg::IndicatorNotInPlan { code: code.clone() }))?;
    let region = match non_empty(&q.region) {
        Some(r) => plan.region(r).ok_or_else(|| {
            ApiError::invalid("region", Msg::UnknownRegion { code: r.to_owned() })
        })?,
        None => plan.city_region(),
    };
    let year = year_param(&state, plan, non_empty(&q.year))?;
    let snap = state
        .app
        .evaluation(&caller, year, None, Some(&region.code))
        .await?;
    let lang = ctx.lang;
    let t = ctx.t();
    let result = snap
        .evaluation
        .results
        .iter()
        .find(|r| r.indicator == ind.code && r.region == region.code);

    // This region's annual values (the history) and its values of the year (with its months),
    // and which regions have values the caller may see.
    let shown = state
        .app
        .indicator_values(&caller, &ind.code, &region.code, year)
        .await?;
    let visible: Vec<&DataValue> = shown.rows.iter().collect();

    let series = annual_series(&visible, year);
    let (chart, chart_desc, target_label, national_label) =
        chart_of(plan, ind, result, &series, lang);
    let yes_no = ind.kind == ValueKind::YesNo;
    let history = series
        .iter()
        .map(|(y, v, approved)| HistoryRow {
            year: *y,
            value: fmt_value(Some(*v), ind.unit.as_str(), yes_no, lang),
            state: if *approved {
                WorkflowStatus::Approved
            } else {
                WorkflowStatus::Submitted
            }
            .word(lang)
            .to_owned(),
        })
        .collect();

    let ids: Vec<i64> = visible.iter().map(|v| v.id).collect();
    let mut evidence = state
        .app
        .evidence_of_many(&caller, EvidenceKind::Value, &ids)
        .await?;
    let values = visible
        .iter()
        .rev()
        .map(|v| {
            let files = evidence
                .remove(&v.id)
                .unwrap_or_default()
                .into_iter()
                .map(evidence_row)
                .collect();
            value_row(v, ind, lang, files)
        })
        .collect();

    let regions = regions_with_values(plan, shown.regions.iter().map(String::as_str), &region.code);

    let page = Layout::new(&state, &ctx, Section::Indicators, ind.name.clone()).await?;
    Ok(render(
        StatusCode::OK,
        &DetailPage {
            page,
            name: ind.name.clone(),
            code: ind.code.clone(),
            year,
            years: year_choices(&state, plan, plan.base_year - 1, year),
            region: region.name.clone(),
            regions,
            area: ind.area.map(|a| a.word(lang)).unwrap_or("").to_owned(),
            units: units_of(plan, &ind.code).join("、"),
            assessment: assessment(plan, result, lang),
            chart,
            chart_desc,
            history,
            target_label,
            national_label,
            values,
            method: methodology(&model, ind, lang, t),
        },
    ))
}

/// The regions with values of an indicator (`with`, by code), the city and the one shown, in
/// the plan's order.
pub(crate) fn regions_with_values<'a>(
    plan: &Plan,
    with: impl IntoIterator<Item = &'a str>,
    shown: &str,
) -> Vec<Choice> {
    let with: std::collections::HashSet<&str> = with.into_iter().collect();
    plan.regions
        .iter()
        .filter(|g| g.code == shown || g.code == plan.city || with.contains(g.code.as_str()))
        .map(|g| Choice::new(&g.code, &g.name, g.code == shown))
        .collect()
}

/// Per year, the value evaluation counts: the live approved one, else the live submitted one.
/// Years after `until` are left out. Returns (year, value, approved).
pub(crate) fn annual_series(values: &[&DataValue], until: i32) -> Vec<(i32, f64, bool)> {
    let mut out: Vec<(i32, f64, bool)> = Vec::new();
    for v in values {
        if !v.is_live()
            || !matches!(
                v.status,
                WorkflowStatus::Approved | WorkflowStatus::Submitted
            )
        {
            continue;
        }
        let Ok(year) = v.period.parse::<i32>() else {
            continue;
        };
        let Some(n) = v.number() else { continue };
        if year > until {
            continue;
        }
        let approved = v.status == WorkflowStatus::Approved;
        match out.iter_mut().find(|(y, _, _)| *y == year) {
            Some(slot) if approved && !slot.2 => *slot = (year, n, true),
            Some(_) => {}
            None => out.push((year, n, approved)),
        }
    }
    out.sort_by_key(|(y, _, _)| *y);
    out
}

/// The history chart (ecociv-report's renderer) and its description, with the labels of its
/// reference lines for the table.
pub(crate) fn chart_of(
    plan: &Plan,
    ind: &ecociv_core::Indicator,
    result: Option<&IndicatorResult>,
    series: &[(i32, f64, bool)],
    lang: Lang,
) -> (String, String, String, String) {
    if series.is_empty() || ind.kind == ValueKind::YesNo {
        return Default::default();
    }
    let last = series.last().map(|s| s.0).unwrap_or(0);
    let lines = result
        .map(|r| ecociv_report::chart::result_lines(plan, ind, r, last, lang))
        .unwrap_or_default();
    let (target, national) = (lines.target, lines.national);
    let chart = HistoryChart {
        id: format!("h-{}", ind.code),
        title: ind.name.clone(),
        unit: ind.unit.as_str().to_owned(),
        values: series.iter().map(|(y, v, _)| (*y, *v)).collect(),
        pending_years: series
            .iter()
            .filter(|(_, _, a)| !a)
            .map(|(y, _, _)| *y)
            .collect(),
        target: target.clone(),
        national: national.clone(),
        forecast: lines.forecast,
        lang,
    };
    (
        history_svg(&chart).unwrap_or_default(),
        ecociv_report::chart::history_description(&chart),
        target.map(|t| t.label).unwrap_or_default(),
        national.map(|n| n.label).unwrap_or_default(),
    )
}

fn value_row(
    v: &DataValue,
    ind: &ecociv_core::Indicator,
    lang: Lang,
    evidence: Vec<EvidenceRow>,
) -> ValueRow {
    let provenance = v.provenance.word(lang);
    let provenance_zh = v.provenance.zh();
    ValueRow {
        id: v.id,
        period: v.period.clone(),
        value: fmt_stored(
            &v.value,
            ind.unit.as_str(),
            ind.kind == ValueKind::YesNo,
            lang,
        ),
        state: v.status.word(lang),
        state_class: workflow_class(v.status),
        version: v.version,
        correction: if v.correction > 0 {
            format!("#{} {}", v.correction, v.correction_reason)
        } else {
            String::new()
        },
        provenance: if v.provenance_detail.is_empty() {
            provenance.to_owned()
        } else if v.provenance_detail.starts_with(provenance_zh) {
            v.provenance_detail.clone()
        } else {
            format!("{provenance}：{}", v.provenance_detail)
        },
        by: v.updated_by.clone(),
        at: fmt_time(&v.updated_at),
        return_reason: v.return_reason.clone(),
        superseded: !v.is_live(),
        evidence,
    }
}

/// The CSS class of a review state (the word is always shown too).
pub fn workflow_class(w: WorkflowStatus) -> &'static str {
    match w {
        WorkflowStatus::Draft => "no-data",
        WorkflowStatus::Submitted => "pending",
        WorkflowStatus::Approved => "met",
        WorkflowStatus::Returned => "not-met",
    }
}

pub(crate) fn assessment(plan: &Plan, r: Option<&IndicatorResult>, lang: Lang) -> Assessment {
    let Some(r) = r else {
        return Assessment::default();
    };
    let ind = plan.indicator(&r.indicator);
    let t = super::texts(lang);
    let mut forecast = Vec::new();
    if let Some(f) = &r.forecast {
        if let Some(v) = f.value {
            forecast.push((
                Msg::Year { year: f.year }.text(lang),
                fmt_value(Some(v), &r.unit, false, lang),
            ));
        }
        if let (Some(l), Some(ind)) = (&f.linear, ind) {
            forecast.push((
                t.ind_linear.into(),
                Msg::Trend {
                    points: l.points,
                    from: l.from_year,
                    to: l.to_year,
                    change: ecociv_core::explain::change_in(
                        ind,
                        l.slope * ind.direction.sign(),
                        lang,
                    ),
                }
                .text(lang),
            ));
        }
        if let (Some(need), Some(ind)) = (f.required_annual_change, ind)
            && need > 0.0
        {
            forecast.push((
                t.ind_still_needed.into(),
                ecociv_core::explain::required_in(ind, need, lang),
            ));
        }
        if let Some(m) = f.decided_by {
            forecast.push((t.ind_method_used_word.into(), m.to_owned()));
        }
        if let Some(u) = f.unavailable {
            forecast.push((t.ind_no_forecast.into(), u.text_zh().to_owned()));
        }
    }
    Assessment {
        status: Some(StatusView::new(r.status, lang)),
        value: fmt_result(plan, r, lang),
        explanation: r.explanation.clone(),
        target: r.target.as_ref().map(|t| {
            (
                Msg::AtYear {
                    year: t.year,
                    text: t.text.clone(),
                }
                .text(lang),
                StatusView::new(t.status, lang),
                t.explanation.clone(),
            )
        }),
        national: r.national.as_ref().map(|n| {
            (
                Msg::NationalRowRef {
                    text: n.text.clone(),
                    version: n.version.clone(),
                    number: n.number.clone(),
                }
                .text(lang),
                StatusView::new(n.status, lang),
                n.explanation.clone(),
                n.binding,
                !n.verified,
            )
        }),
        forecast,
    }
}

pub(crate) fn methodology(
    model: &ecociv_app::PlanModel,
    ind: &ecociv_core::Indicator,
    lang: Lang,
    t: &super::Texts,
) -> MethodView {
    let mut rows = Vec::new();
    for v in &model.catalogue.versions {
        for row in v.rows.iter().filter(|r| r.indicator == ind.code) {
            rows.push(NationalRowView {
                version: v.id.clone(),
                document: format!("{}（{}）", v.title, v.document),
                number: row.number.clone(),
                name: row.name.clone(),
                printed: row.printed.clone(),
                attribute: row
                    .attribute
                    .map(|a| a.word(lang))
                    .unwrap_or("—")
                    .to_owned(),
                scope: row.scope.word(lang).to_owned(),
                confidence: format!("{:?}", row.confidence),
                verified: row.verified(),
                source: row.source.clone(),
                note: row.note.clone(),
            });
        }
    }
    let version = model.catalogue.version(&model.catalogue_version);
    MethodView {
        definition: ind.definition.clone(),
        direction: ind.direction.word(lang).to_owned(),
        method: match ind.method {
            Method::Reported => t.ind_method_reported,
            Method::Computed => t.ind_method_computed,
        }
        .to_owned(),
        aggregate: ind.aggregate.word(lang).to_owned(),
        range: range_text(ind, lang),
        unit: ind.unit.as_str().to_owned(),
        rows,
        evaluated_with: version
            .map(|v| format!("{} {}（{}）", v.id, v.title, v.document))
            .unwrap_or_default(),
    }
}

/// The allowed range of an indicator's values, as the forms state it.
pub fn range_text(ind: &ecociv_core::Indicator, lang: Lang) -> String {
    if ind.kind == ValueKind::YesNo {
        return super::texts(lang).rep_yes_no.into();
    }
    let unit = ind.unit.as_str();
    match (ind.min, ind.max) {
        (Some(a), Some(b)) => format!(
            "{}–{}{unit}",
            ecociv_core::explain::num(a),
            ecociv_core::explain::num(b)
        ),
        (Some(a), None) => format!("≥{}{unit}", ecociv_core::explain::num(a)),
        (None, Some(b)) => format!("≤{}{unit}", ecociv_core::explain::num(b)),
        (None, None) => "—".into(),
    }
}
