//! Charts rendered on the server as SVG, shared by the web pages and the Word report.
//!
//! Two charts, each described by a plain struct so the web UI can build one without knowing
//! about evaluations:
//!
//! - [`HistoryChart`]: an indicator's values by year, with the plan target and the national
//!   threshold as horizontal reference lines and the trend forecast;
//! - [`StatusChart`]: status counts per group (领域), as horizontal stacked bars.
//!
//! [`history_svg`] and [`status_svg`] return a standalone SVG document with `role="img"`, a
//! `<title>` and a `<desc>` that states every number in words, so a screen reader gets the
//! whole chart. Meaning never rests on colour alone: lines differ by dash pattern and marker,
//! each legend entry repeats its line's style and states the reference value, bar segments
//! carry their status word or count. Element ids are prefixed with the chart's `id`, so
//! several charts can be inlined in one page; give each a distinct `id`.
//!
//! The SVG names its font as a CSS list (`Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei,
//! PingFang SC, sans-serif`), so browsers on any desktop find a Chinese font. For the report the
//! same SVG is rasterised by [`PngRenderer`] with resvg, which must be given a directory with a
//! CJK font: without one every label would silently vanish, so it fails instead.

use std::path::Path;
use std::sync::Arc;

use ecociv_core::Status;
use ecociv_core::explain::num;
use ecociv_i18n::chart::labels;
use ecociv_i18n::{ChartMsg, Lang, Phrase, Words};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use resvg::usvg;

/// The font list written into every SVG.
pub const FONT_FAMILY: &str =
    "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif";

/// Where Debian's `fonts-noto-cjk` installs its fonts.
pub const DEFAULT_FONT_DIR: &str = "/usr/share/fonts/opentype/noto";

/// CJK families the PNG renderer looks for, best first.
const CJK_FAMILIES: &[&str] = &[
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Serif CJK SC",
    "Source Han Serif SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "SimHei",
    "SimSun",
    "AR PL UMing CN",
];

/// A horizontal reference line: a plan target or a national threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferenceLine {
    /// Shown in the legend after 「方案目标」 or 「国家标准」, e.g. 「2025年≥95%」.
    pub label: String,
    pub value: f64,
}

/// An indicator's history.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryChart {
    /// ASCII, unique within a page; prefixes the SVG element ids.
    pub id: String,
    /// The indicator name, e.g. 「城镇污水处理率」.
    pub title: String,
    /// The unit as printed after numbers (`%`, `μg/m³`); empty for an index.
    pub unit: String,
    /// Actual values (year, value), any order; at least one is needed.
    pub values: Vec<(i32, f64)>,
    /// Values of the year not yet approved, drawn hollow and labelled 待审核 (may be empty).
    pub pending_years: Vec<i32>,
    pub target: Option<ReferenceLine>,
    pub national: Option<ReferenceLine>,
    /// Projected values after the last actual year (year, value); may be empty.
    pub forecast: Vec<(i32, f64)>,
    /// The language of the chart's own words (legend, description, labels); the title, the
    /// unit and the reference-line labels come from the caller, already in that language.
    pub lang: Lang,
}

/// The reference lines of an indicator's history chart, from its evaluation result: the one
/// place that turns a result into chart lines, for the web pages and the Word report alike.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResultLines {
    pub target: Option<ReferenceLine>,
    pub national: Option<ReferenceLine>,
    /// The forecast point after `last_year`, if evaluation made one.
    pub forecast: Vec<(i32, f64)>,
}

/// The plan target line (the forecast's level where evaluation computed one, since it resolves
/// changes against their base year and assigned targets, else a plain comparison of the task
/// target), the national threshold line and the forecast after `last_year`, the last year with a
/// value in the chart.
pub fn result_lines(
    plan: &ecociv_core::Plan,
    ind: &ecociv_core::Indicator,
    res: &ecociv_core::IndicatorResult,
    last_year: i32,
    lang: Lang,
) -> ResultLines {
    let unit = ind.unit.as_str();
    let target = res.target.as_ref().and_then(|t| {
        let level = res
            .forecast
            .as_ref()
            .filter(|f| f.year == t.year)
            .and_then(|f| f.level)
            .or_else(|| {
                plan.task(t.task)?
                    .targets
                    .iter()
                    .find(|g| {
                        g.indicator == res.indicator && g.region == res.region && g.year == t.year
                    })
                    .and_then(|g| level_of(plan, &res.region, &g.threshold))
            })?;
        Some(ReferenceLine {
            label: ChartMsg::AtYear {
                year: t.year,
                what: short_level(&t.text, level, unit, ind.direction),
            }
            .text(lang),
            value: level,
        })
    });
    let national = res.national.as_ref().and_then(|n| {
        let t: ecociv_core::Threshold = n.threshold.parse().ok()?;
        let level = level_of(plan, &res.region, &t)?;
        Some(ReferenceLine {
            label: short_level(&n.text, level, unit, ind.direction),
            value: level,
        })
    });
    let forecast = res
        .forecast
        .as_ref()
        .and_then(|f| Some((f.year, f.value?)))
        .filter(|(y, _)| *y > last_year)
        .map(|p| vec![p])
        .unwrap_or_default();
    ResultLines {
        target,
        national,
        forecast,
    }
}

/// The level a threshold reduces to, for a reference line (`>= 95` → 95; a variant by the
/// region's profile; the first comparison of an "all of"); none for the other kinds.
fn level_of(plan: &ecociv_core::Plan, region: &str, t: &ecociv_core::Threshold) -> Option<f64> {
    use ecociv_core::Threshold as T;
    match t {
        T::Compare { value, .. } => Some(*value),
        T::Variant { by, cases } => {
            let r = plan.region(region)?;
            let key = by.key_of(r)?;
            cases
                .iter()
                .find(|(k, _)| k == key)
                .and_then(|(_, t)| level_of(plan, region, t))
        }
        T::AllOf(items) => items.iter().find_map(|t| level_of(plan, region, t)),
        _ => None,
    }
}

/// A short label for a level: the threshold text when it is a plain comparison, else the level
/// with the comparison the indicator's direction implies.
fn short_level(text: &str, level: f64, unit: &str, dir: ecociv_core::Direction) -> String {
    if text.starts_with(['≥', '≤', '>', '<']) && text.chars().count() <= 12 {
        text.to_owned()
    } else {
        let op = match dir {
            ecociv_core::Direction::HigherIsBetter => '≥',
            ecociv_core::Direction::LowerIsBetter => '≤',
        };
        format!("{op}{}{unit}", num(level))
    }
}

/// Status counts of one group (a 领域, a department).
#[derive(Debug, Clone, PartialEq)]
pub struct StatusGroup {
    pub label: String,
    pub counts: Vec<(Status, usize)>,
}

/// Status counts per group.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusChart {
    pub id: String,
    pub title: String,
    pub groups: Vec<StatusGroup>,
    /// The language of the chart's own words (legend, description, labels); the title and the
    /// group labels come from the caller, already in that language.
    pub lang: Lang,
}

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("图表“{0}”没有数据")]
    Empty(String),
    #[error("绘制图表失败：{0}")]
    Draw(String),
    #[error(
        "字体目录 {dir} 中没有可用的中文字体（需要 Noto Sans CJK SC 等）：请安装 fonts-noto-cjk，或指定含中文字体的目录"
    )]
    NoCjkFont { dir: String },
    #[error("图表 SVG 无法解析：{0}")]
    Svg(String),
    #[error("图表 PNG 编码失败：{0}")]
    Png(String),
}

fn draw_err<E: std::fmt::Debug>(e: E) -> ChartError {
    ChartError::Draw(format!("{e:?}"))
}

// Colours chosen for contrast on white (WCAG AA for the text colours) and to stay apart for the
// common colour-vision deficiencies; shape and dash carry the same meaning.
const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
const MUTED: RGBColor = RGBColor(0x59, 0x59, 0x59);
const GRID: RGBColor = RGBColor(0xe3, 0xe3, 0xe3);
const VALUE: RGBColor = RGBColor(0x1f, 0x4e, 0x79);
const FORECAST: RGBColor = RGBColor(0x59, 0x59, 0x59);
const TARGET: RGBColor = RGBColor(0x1b, 0x7a, 0x3d);
const NATIONAL: RGBColor = RGBColor(0xb3, 0x46, 0x00);

/// Fill colour and whether text on it should be white.
fn status_fill(s: Status) -> (RGBColor, bool) {
    match s {
        Status::Met => (RGBColor(0x2e, 0x7d, 0x32), true),
        Status::AtRisk => (RGBColor(0xf2, 0xb1, 0x34), false),
        Status::NotMet => (RGBColor(0xc6, 0x28, 0x28), true),
        Status::NoData => (RGBColor(0x9e, 0x9e, 0x9e), false),
        Status::Pending => (RGBColor(0x15, 0x65, 0xc0), true),
        Status::NotApplicable => (RGBColor(0xe0, 0xe0, 0xe0), false),
    }
}

fn font(size: f64) -> TextStyle<'static> {
    TextStyle::from((FONT_FAMILY, size).into_font()).color(&INK)
}

fn font_bold(size: f64) -> TextStyle<'static> {
    TextStyle::from((FONT_FAMILY, size, FontStyle::Bold).into_font()).color(&INK)
}

/// Estimated width of a label in pixels: CJK characters are one em, the rest about half.
fn text_width(s: &str, size: f64) -> f64 {
    s.chars()
        .map(|c| if (c as u32) < 0x2E80 { 0.55 } else { 1.0 })
        .sum::<f64>()
        * size
}

/// A value with its unit, as the labels print it.
fn with_unit(v: f64, unit: &str) -> String {
    format!("{}{unit}", num(v))
}

fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
    out
}

/// Adds `role="img"`, `aria-labelledby`, `<title>` and `<desc>` to the SVG plotters wrote.
fn accessible(svg: String, id: &str, title: &str, desc: &str) -> Result<String, ChartError> {
    let open_end = svg
        .find("<svg")
        .and_then(|start| svg[start..].find('>').map(|e| start + e))
        .ok_or_else(|| ChartError::Draw("绘图结果不是 SVG".into()))?;
    let id = escape_xml(id);
    let mut out = String::with_capacity(svg.len() + title.len() + desc.len() + 200);
    out.push_str(&svg[..open_end]);
    out.push_str(&format!(
        r#" role="img" aria-labelledby="{id}-title {id}-desc" font-family="{FONT_FAMILY}">"#
    ));
    out.push_str(&format!(
        "\n<title id=\"{id}-title\">{}</title>\n<desc id=\"{id}-desc\">{}</desc>",
        escape_xml(title),
        escape_xml(desc)
    ));
    out.push_str(&svg[open_end + 1..]);
    Ok(out)
}

/// The description a screen reader gets: every number of the chart in one paragraph.
pub fn history_description(c: &HistoryChart) -> String {
    let mut values = c.values.clone();
    values.sort_by_key(|v| v.0);
    let unit = &c.unit;
    let lang = c.lang;
    let l = labels(lang);
    let at_year = |year: i32, what: String| ChartMsg::AtYear { year, what }.text(lang);
    let listed = values
        .iter()
        .map(|(y, v)| {
            let value = with_unit(*v, unit);
            let what = if c.pending_years.contains(y) {
                ChartMsg::Pending { value }.text(lang)
            } else {
                value
            };
            at_year(*y, what)
        })
        .collect::<Vec<_>>()
        .join(l.item_separator);
    let mut parts = vec![
        ChartMsg::HistoryValues {
            title: c.title.clone(),
            listed,
        }
        .text(lang),
    ];
    if let Some(t) = &c.target {
        parts.push(
            ChartMsg::TargetLine {
                label: t.label.clone(),
            }
            .text(lang),
        );
    }
    if let Some(n) = &c.national {
        parts.push(
            ChartMsg::NationalLine {
                label: n.label.clone(),
            }
            .text(lang),
        );
    }
    if !c.forecast.is_empty() {
        let listed = c
            .forecast
            .iter()
            .map(|(y, v)| at_year(*y, with_unit(*v, unit)))
            .collect::<Vec<_>>()
            .join(l.item_separator);
        parts.push(ChartMsg::ForecastValues { listed }.text(lang));
    }
    format!("{}{}", parts.join(l.clause_separator), l.full_stop)
}

/// Width and height of a history chart in pixels (the SVG's viewBox).
pub const HISTORY_SIZE: (u32, u32) = (640, 300);

/// Renders an indicator's history as SVG.
pub fn history_svg(c: &HistoryChart) -> Result<String, ChartError> {
    if c.values.is_empty() {
        return Err(ChartError::Empty(c.title.clone()));
    }
    let mut values = c.values.clone();
    values.sort_by_key(|v| v.0);
    let mut forecast = c.forecast.clone();
    forecast.sort_by_key(|v| v.0);
    let (w, h) = HISTORY_SIZE;

    let years = values.iter().chain(&forecast).map(|v| v.0);
    let (x0, x1) = years.fold((i32::MAX, i32::MIN), |(a, b), y| (a.min(y), b.max(y)));
    let mut all: Vec<f64> = values.iter().chain(&forecast).map(|v| v.1).collect();
    all.extend(c.target.iter().chain(&c.national).map(|r| r.value));
    let mut lo = all.iter().copied().fold(f64::INFINITY, f64::min);
    let mut hi = all.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    // A percentage moving between 98.5 and 100 is stable, not a cliff: show at least ten points.
    if c.unit == "%" && hi - lo < 10.0 {
        let pad = (10.0 - (hi - lo)) / 2.0;
        let (mut l, mut h) = (lo - pad, hi + pad);
        if l < 0.0 {
            h -= l;
            l = 0.0;
        }
        if h > 100.0 {
            l = (l - (h - 100.0)).max(0.0);
            h = 100.0;
        }
        (lo, hi) = (l.min(lo), h.max(hi));
    }
    let span = if hi > lo {
        hi - lo
    } else {
        (hi.abs() * 0.1).max(1.0)
    };
    let mut y_lo = lo - span * 0.15;
    let mut y_hi = hi + span * 0.2;
    if lo >= 0.0 && y_lo < 0.0 {
        y_lo = 0.0;
    }
    if c.unit == "%" && hi <= 100.0 && y_hi > 100.0 {
        y_hi = 100.0;
    }
    if y_hi <= y_lo {
        y_hi = y_lo + 1.0;
    }

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let title = if c.unit.is_empty() {
            c.title.clone()
        } else {
            ChartMsg::TitleWithUnit {
                title: c.title.clone(),
                unit: c.unit.clone(),
            }
            .text(c.lang)
        };
        root.draw(&Text::new(
            title,
            (16, 10),
            font_bold(17.0).pos(Pos::new(HPos::Left, VPos::Top)),
        ))
        .map_err(draw_err)?;
        let legend_bottom = history_legend(&root, c, !forecast.is_empty(), w as i32)?;

        let (_, plot) = root.split_vertically(legend_bottom + 4);
        let mut chart = ChartBuilder::on(&plot)
            .margin_top(20)
            .margin_right(24)
            .margin_left(8)
            .margin_bottom(4)
            .x_label_area_size(26)
            .y_label_area_size(58)
            .build_cartesian_2d((f64::from(x0) - 0.5)..(f64::from(x1) + 0.5), y_lo..y_hi)
            .map_err(draw_err)?;
        let fmt = |v: &f64| num(*v);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_labels(6)
            .y_label_formatter(&fmt)
            .label_style(font(12.0).color(&MUTED))
            .axis_style(MUTED)
            .max_light_lines(0)
            .bold_line_style(GRID)
            .draw()
            .map_err(draw_err)?;
        for y in x0..=x1 {
            let (px, py) = chart.backend_coord(&(f64::from(y), y_lo));
            root.draw(&Text::new(
                y.to_string(),
                (px, py + 6),
                font(12.0)
                    .color(&MUTED)
                    .pos(Pos::new(HPos::Center, VPos::Top)),
            ))
            .map_err(draw_err)?;
        }

        // Reference lines across the plot; their values are in the legend, where they cannot
        // collide with the data labels.
        let xr = (f64::from(x0) - 0.5, f64::from(x1) + 0.5);
        for (line, colour, dash) in [
            (&c.target, TARGET, (10, 5)),
            (&c.national, NATIONAL, (3, 4)),
        ] {
            let Some(line) = line else { continue };
            chart
                .draw_series(DashedLineSeries::new(
                    [(xr.0, line.value), (xr.1, line.value)],
                    dash.0,
                    dash.1,
                    ShapeStyle::from(&colour).stroke_width(2),
                ))
                .map_err(draw_err)?;
        }

        // Forecast: dashed from the last actual value, hollow markers.
        if let Some(&last) = values.last()
            && !forecast.is_empty()
        {
            let pts: Vec<(f64, f64)> = std::iter::once(last)
                .chain(forecast.iter().copied())
                .map(|(y, v)| (f64::from(y), v))
                .collect();
            chart
                .draw_series(DashedLineSeries::new(
                    pts.clone(),
                    6,
                    4,
                    ShapeStyle::from(&FORECAST).stroke_width(2),
                ))
                .map_err(draw_err)?;
            chart
                .draw_series(pts.iter().skip(1).map(|&(x, y)| {
                    Circle::new((x, y), 4, ShapeStyle::from(&FORECAST).stroke_width(2))
                }))
                .map_err(draw_err)?;
            for &(x, y) in pts.iter().skip(1) {
                let (px, py) = chart.backend_coord(&(x, y));
                root.draw(&Text::new(
                    ChartMsg::ForecastPoint { value: num(y) }.text(c.lang),
                    (px, py - 8),
                    font(11.0)
                        .color(&FORECAST)
                        .pos(Pos::new(HPos::Center, VPos::Bottom)),
                ))
                .map_err(draw_err)?;
            }
        }

        // Actual values: solid line, filled markers (hollow while pending), labels above.
        let pts: Vec<(f64, f64)> = values.iter().map(|&(y, v)| (f64::from(y), v)).collect();
        chart
            .draw_series(LineSeries::new(
                pts.clone(),
                ShapeStyle::from(&VALUE).stroke_width(3),
            ))
            .map_err(draw_err)?;
        for &(x, y) in &pts {
            let pending = c.pending_years.contains(&(x as i32));
            let style = if pending {
                ShapeStyle::from(&WHITE).filled()
            } else {
                ShapeStyle::from(&VALUE).filled()
            };
            chart
                .draw_series([Circle::new((x, y), 5, style)])
                .map_err(draw_err)?;
            if pending {
                chart
                    .draw_series([Circle::new(
                        (x, y),
                        5,
                        ShapeStyle::from(&VALUE).stroke_width(2),
                    )])
                    .map_err(draw_err)?;
            }
            let (px, py) = chart.backend_coord(&(x, y));
            let label = if pending {
                ChartMsg::Pending { value: num(y) }.text(c.lang)
            } else {
                num(y)
            };
            root.draw(&Text::new(
                label,
                (px, py - 9),
                font(12.0)
                    .color(&VALUE)
                    .pos(Pos::new(HPos::Center, VPos::Bottom)),
            ))
            .map_err(draw_err)?;
        }
        root.present().map_err(draw_err)?;
    }
    let title = ChartMsg::HistoryTitle {
        title: c.title.clone(),
    }
    .text(c.lang);
    accessible(svg, &c.id, &title, &history_description(c))
}

/// The legend: one entry per drawn element, each with its own line sample and marker.
fn history_legend(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    c: &HistoryChart,
    has_forecast: bool,
    width: i32,
) -> Result<i32, ChartError> {
    enum Sample {
        Solid,
        Dashed(u32, u32),
        Hollow,
    }
    let l = labels(c.lang);
    let mut items: Vec<(Sample, RGBColor, String)> =
        vec![(Sample::Solid, VALUE, l.actual.to_owned())];
    if has_forecast {
        items.push((Sample::Hollow, FORECAST, l.trend_forecast.to_owned()));
    }
    if let Some(t) = &c.target {
        items.push((
            Sample::Dashed(10, 5),
            TARGET,
            ChartMsg::TargetLegend {
                label: t.label.clone(),
            }
            .text(c.lang),
        ));
    }
    if let Some(n) = &c.national {
        items.push((
            Sample::Dashed(3, 4),
            NATIONAL,
            ChartMsg::NationalLegend {
                label: n.label.clone(),
            }
            .text(c.lang),
        ));
    }
    let mut y = 46;
    let mut x = 18;
    for (sample, colour, label) in items {
        let item_width = 34 + text_width(&label, 12.0) as i32 + 22;
        if x > 18 && x + item_width > width - 8 {
            x = 18;
            y += 20;
        }
        let style = ShapeStyle::from(&colour).stroke_width(2);
        match sample {
            Sample::Solid => {
                root.draw(&PathElement::new(
                    vec![(x, y), (x + 28, y)],
                    style.stroke_width(3),
                ))
                .map_err(draw_err)?;
                root.draw(&Circle::new(
                    (x + 14, y),
                    4,
                    ShapeStyle::from(&colour).filled(),
                ))
                .map_err(draw_err)?;
            }
            Sample::Hollow => {
                for seg in [(x, x + 6), (x + 10, x + 16), (x + 20, x + 28)] {
                    root.draw(&PathElement::new(vec![(seg.0, y), (seg.1, y)], style))
                        .map_err(draw_err)?;
                }
                root.draw(&Circle::new(
                    (x + 14, y),
                    4,
                    ShapeStyle::from(&WHITE).filled(),
                ))
                .map_err(draw_err)?;
                root.draw(&Circle::new((x + 14, y), 4, style))
                    .map_err(draw_err)?;
            }
            Sample::Dashed(dash, gap) => {
                let mut sx = x;
                while sx < x + 28 {
                    let ex = (sx + dash as i32).min(x + 28);
                    root.draw(&PathElement::new(vec![(sx, y), (ex, y)], style))
                        .map_err(draw_err)?;
                    sx += (dash + gap) as i32;
                }
            }
        }
        root.draw(&Text::new(
            label.clone(),
            (x + 34, y),
            font(12.0).pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(draw_err)?;
        x += item_width;
    }
    Ok(y + 10)
}

/// The description of a status chart: every count in words.
pub fn status_description(c: &StatusChart) -> String {
    let lang = c.lang;
    let l = labels(lang);
    let groups: Vec<String> = c
        .groups
        .iter()
        .map(|g| {
            let total: usize = g.counts.iter().map(|(_, n)| n).sum();
            let parts: Vec<String> = g
                .counts
                .iter()
                .filter(|(_, n)| *n > 0)
                .map(|(s, n)| {
                    ChartMsg::StatusCount {
                        status: Phrase::of(s),
                        count: *n,
                    }
                    .text(lang)
                })
                .collect();
            let label = g.label.clone();
            if parts.is_empty() {
                ChartMsg::GroupEmpty { label }.text(lang)
            } else {
                ChartMsg::GroupCounts {
                    label,
                    total,
                    counts: parts.join(l.count_separator),
                }
                .text(lang)
            }
        })
        .collect();
    ChartMsg::StatusDescription {
        title: c.title.clone(),
        groups: groups.join(l.clause_separator),
    }
    .text(lang)
}

/// Renders status counts per group as horizontal stacked bars.
pub fn status_svg(c: &StatusChart) -> Result<String, ChartError> {
    if c.groups.is_empty() {
        return Err(ChartError::Empty(c.title.clone()));
    }
    let label_w = c
        .groups
        .iter()
        .map(|g| text_width(&g.label, 13.0) as i32)
        .max()
        .unwrap_or(60)
        + 24;
    let bar_h = 24;
    let row_h = 36;
    let top = 72;
    let w: i32 = 720;
    let h = top + row_h * c.groups.len() as i32 + 12;
    let bar_w = w - label_w - 70;
    let max_total = c
        .groups
        .iter()
        .map(|g| g.counts.iter().map(|(_, n)| n).sum::<usize>())
        .max()
        .unwrap_or(0)
        .max(1);
    // Legend order = segment order, for every status that occurs.
    let mut present: Vec<Status> = Vec::new();
    for s in Status::ALL {
        if c.groups
            .iter()
            .any(|g| g.counts.iter().any(|(t, n)| *t == s && *n > 0))
        {
            present.push(s);
        }
    }

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w as u32, h as u32)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        root.draw(&Text::new(
            c.title.clone(),
            (16, 10),
            font_bold(17.0).pos(Pos::new(HPos::Left, VPos::Top)),
        ))
        .map_err(draw_err)?;
        let mut x = 18;
        for s in &present {
            let (fill, _) = status_fill(*s);
            root.draw(&Rectangle::new(
                [(x, 40), (x + 16, 54)],
                ShapeStyle::from(&fill).filled(),
            ))
            .map_err(draw_err)?;
            root.draw(&Rectangle::new(
                [(x, 40), (x + 16, 54)],
                ShapeStyle::from(&MUTED),
            ))
            .map_err(draw_err)?;
            let word = s.word(c.lang);
            root.draw(&Text::new(
                word,
                (x + 22, 47),
                font(12.0).pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(draw_err)?;
            x += 22 + text_width(word, 12.0) as i32 + 18;
        }

        for (i, g) in c.groups.iter().enumerate() {
            let y = top + row_h * i as i32;
            root.draw(&Text::new(
                g.label.clone(),
                (label_w - 12, y + bar_h / 2),
                font(13.0).pos(Pos::new(HPos::Right, VPos::Center)),
            ))
            .map_err(draw_err)?;
            let mut sx = label_w;
            let mut total = 0;
            for s in &present {
                let n: usize = g
                    .counts
                    .iter()
                    .filter(|(t, _)| t == s)
                    .map(|(_, n)| n)
                    .sum();
                if n == 0 {
                    continue;
                }
                total += n;
                let seg = ((n as f64 / max_total as f64) * f64::from(bar_w)).round() as i32;
                let seg = seg.max(3);
                let (fill, light_text) = status_fill(*s);
                root.draw(&Rectangle::new(
                    [(sx, y), (sx + seg, y + bar_h)],
                    ShapeStyle::from(&fill).filled(),
                ))
                .map_err(draw_err)?;
                // A white gap between segments so they stay apart without colour.
                root.draw(&Rectangle::new(
                    [(sx, y), (sx + seg, y + bar_h)],
                    ShapeStyle::from(&WHITE).stroke_width(1),
                ))
                .map_err(draw_err)?;
                // The status word where it fits, so the bar reads without the legend's colours.
                let worded = ChartMsg::SegmentLabel {
                    status: Phrase::of(s),
                    count: n,
                }
                .text(c.lang);
                let label = if f64::from(seg) >= text_width(&worded, 12.0) + 10.0 {
                    worded
                } else {
                    n.to_string()
                };
                if f64::from(seg) >= text_width(&label, 12.0) + 6.0 {
                    let colour = if light_text { WHITE } else { INK };
                    root.draw(&Text::new(
                        label,
                        (sx + seg / 2, y + bar_h / 2),
                        font(12.0)
                            .color(&colour)
                            .pos(Pos::new(HPos::Center, VPos::Center)),
                    ))
                    .map_err(draw_err)?;
                }
                sx += seg;
            }
            root.draw(&Text::new(
                ChartMsg::BarTotal { total }.text(c.lang),
                (sx + 8, y + bar_h / 2),
                font(12.0)
                    .color(&MUTED)
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(draw_err)?;
        }
        root.present().map_err(draw_err)?;
    }
    accessible(svg, &c.id, &c.title, &status_description(c))
}

/// Rasterises chart SVGs to PNG with a CJK font, for documents that cannot embed SVG.
#[derive(Debug, Clone)]
pub struct PngRenderer {
    options: Arc<usvg::Options<'static>>,
    family: String,
}

impl PngRenderer {
    /// Loads every font in `dir` (TTF, OTF, TTC) and checks that one of them is a known CJK
    /// family that really draws Chinese.
    pub fn from_font_dir(dir: &Path) -> Result<PngRenderer, ChartError> {
        let mut db = usvg::fontdb::Database::new();
        let mut files = Vec::new();
        font_files(dir, &mut files);
        files.sort();
        for f in files {
            // An unreadable or malformed file is skipped like fontconfig does; the check below
            // still fails when no usable CJK face remains.
            if let Ok(data) = std::fs::read(&f) {
                db.load_font_data(data);
            }
        }
        PngRenderer::from_database(db, &dir.display().to_string())
    }

    /// Uses fonts given as bytes (for callers that keep fonts elsewhere, and for tests).
    pub fn from_font_data(fonts: Vec<Vec<u8>>) -> Result<PngRenderer, ChartError> {
        let mut db = usvg::fontdb::Database::new();
        for f in fonts {
            db.load_font_data(f);
        }
        PngRenderer::from_database(db, "（内存字体）")
    }

    fn from_database(
        mut db: usvg::fontdb::Database,
        origin: &str,
    ) -> Result<PngRenderer, ChartError> {
        let family = CJK_FAMILIES
            .iter()
            .find(|name| {
                db.faces()
                    .any(|f| f.families.iter().any(|(fam, _)| fam == *name))
            })
            .ok_or_else(|| ChartError::NoCjkFont {
                dir: origin.to_owned(),
            })?
            .to_string();
        db.set_sans_serif_family(family.clone());
        let options = usvg::Options {
            font_family: family.clone(),
            languages: vec!["zh-CN".to_owned(), "en".to_owned()],
            fontdb: Arc::new(db),
            ..usvg::Options::default()
        };
        let renderer = PngRenderer {
            options: Arc::new(options),
            family,
        };
        // The family is there; make sure it draws a Chinese character (a broken or subset file
        // would otherwise give charts without labels).
        let probe = r#"<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><text x="2" y="32" font-size="32" font-family="sans-serif">中</text></svg>"#;
        let pixmap = renderer.rasterise(probe, 1.0)?;
        if pixmap.pixels().iter().all(|p| p.alpha() == 0) {
            return Err(ChartError::NoCjkFont {
                dir: origin.to_owned(),
            });
        }
        Ok(renderer)
    }

    /// The CJK family that labels are drawn with.
    pub fn family(&self) -> &str {
        &self.family
    }

    fn rasterise(&self, svg: &str, scale: f32) -> Result<resvg::tiny_skia::Pixmap, ChartError> {
        let tree =
            usvg::Tree::from_str(svg, &self.options).map_err(|e| ChartError::Svg(e.to_string()))?;
        let size = tree.size();
        let (w, h) = (
            (size.width() * scale).ceil() as u32,
            (size.height() * scale).ceil() as u32,
        );
        let mut pixmap = resvg::tiny_skia::Pixmap::new(w.max(1), h.max(1))
            .ok_or_else(|| ChartError::Png(format!("图像尺寸无效：{w}×{h}")))?;
        resvg::render(
            &tree,
            resvg::tiny_skia::Transform::from_scale(scale, scale),
            &mut pixmap.as_mut(),
        );
        Ok(pixmap)
    }

    /// Renders an SVG to PNG at `scale` times its size (2.0 gives print quality for a chart
    /// placed at about 16 cm wide).
    pub fn png(&self, svg: &str, scale: f32) -> Result<Png, ChartError> {
        let pixmap = self.rasterise(svg, scale)?;
        let (width, height) = (pixmap.width(), pixmap.height());
        let bytes = pixmap
            .encode_png()
            .map_err(|e| ChartError::Png(e.to_string()))?;
        Ok(Png {
            bytes,
            width,
            height,
        })
    }
}

/// Font files under `dir`, recursively.
fn font_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            font_files(&path, out);
        } else if path.extension().and_then(|x| x.to_str()).is_some_and(|x| {
            ["ttf", "otf", "ttc", "otc"]
                .iter()
                .any(|k| x.eq_ignore_ascii_case(k))
        }) {
            out.push(path);
        }
    }
}

/// An encoded PNG image with its pixel size.
#[derive(Debug, Clone, PartialEq)]
pub struct Png {
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text content of every `<text>` element.
    fn texts(svg: &str) -> Vec<String> {
        svg.split("<text")
            .skip(1)
            .filter_map(|t| {
                let body = &t[t.find('>')? + 1..];
                Some(body[..body.find("</text>")?].trim().to_owned())
            })
            .collect()
    }

    fn sample() -> HistoryChart {
        HistoryChart {
            id: "sewage".into(),
            title: "城镇污水处理率".into(),
            unit: "%".into(),
            values: vec![(2021, 93.1), (2019, 90.0), (2020, 91.5)],
            pending_years: vec![],
            target: Some(ReferenceLine {
                label: "2025年≥95%".into(),
                value: 95.0,
            }),
            national: Some(ReferenceLine {
                label: "≥95%".into(),
                value: 95.0,
            }),
            forecast: vec![(2025, 97.2)],
            lang: Lang::Zh,
        }
    }

    #[test]
    fn a_history_chart_is_an_accessible_svg_with_every_number_in_words() {
        let svg = history_svg(&sample()).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..80]);
        assert!(svg.contains(r#"role="img""#));
        assert!(svg.contains(r#"aria-labelledby="sewage-title sewage-desc""#));
        assert!(svg.contains("<title id=\"sewage-title\">城镇污水处理率历年变化</title>"));
        assert!(svg.contains(
            "城镇污水处理率历年数值：2019年90%，2020年91.5%，2021年93.1%；方案目标线：2025年≥95%；国家标准线：≥95%；按趋势预测：2025年97.2%。"
        ));
        // Labels in the plot: values, the two reference lines, the forecast, the legend.
        let texts = texts(&svg);
        for label in [
            "93.1",
            "预测97.2",
            "实际值",
            "方案目标 2025年≥95%",
            "国家标准 ≥95%",
            "趋势预测",
        ] {
            assert!(
                texts.iter().any(|t| t == label),
                "missing {label}: {texts:?}"
            );
        }
        assert!(svg.contains("Noto Sans CJK SC"));
    }

    #[test]
    fn chart_text_is_escaped() {
        let mut c = sample();
        c.title = "A<B & C".into();
        let svg = history_svg(&c).unwrap();
        assert!(svg.contains("A&lt;B &amp; C历年变化"));
        assert!(!svg.contains("A<B"));
    }

    #[test]
    fn an_empty_history_is_an_error_not_a_blank_chart() {
        let mut c = sample();
        c.values.clear();
        assert!(matches!(history_svg(&c), Err(ChartError::Empty(_))));
    }

    #[test]
    fn a_single_value_still_gives_a_chart() {
        let c = HistoryChart {
            values: vec![(2025, 0.0)],
            target: None,
            national: None,
            forecast: vec![],
            ..sample()
        };
        let svg = history_svg(&c).unwrap();
        assert!(svg.contains("2025年0%"));
    }

    #[test]
    fn a_status_chart_labels_each_segment_with_its_count() {
        let c = StatusChart {
            id: "areas".into(),
            title: "各领域方案目标完成情况".into(),
            groups: vec![
                StatusGroup {
                    label: "生态制度".into(),
                    counts: vec![(Status::Met, 9), (Status::NotMet, 1)],
                },
                StatusGroup {
                    label: "生态文化".into(),
                    counts: vec![],
                },
            ],
            lang: Lang::Zh,
        };
        let svg = status_svg(&c).unwrap();
        assert!(svg.contains("生态制度：共10项，达标9项、未达标1项；生态文化：无指标。"));
        let texts = texts(&svg);
        for label in [
            "达标9",
            "未达标1",
            "共10项",
            "共0项",
            "达标",
            "未达标",
            "生态制度",
        ] {
            assert!(
                texts.iter().any(|t| t == label),
                "missing {label}: {texts:?}"
            );
        }
    }

    #[test]
    fn english_charts_speak_english_in_their_own_words() {
        let c = HistoryChart {
            lang: Lang::En,
            pending_years: vec![2021],
            ..sample()
        };
        let svg = history_svg(&c).unwrap();
        assert!(svg.contains("<title id=\"sewage-title\">城镇污水处理率: history</title>"));
        assert!(
            svg.contains(
                "城镇污水处理率, values by year: 2019: 90%, 2020: 91.5%, 2021: 93.1% (pending); \
                 plan target line: 2025年≥95%; national standard line: ≥95%; \
                 trend forecast: 2025: 97.2%."
            ),
            "{svg}"
        );
        let drawn = texts(&svg);
        for label in [
            "Actual",
            "Trend forecast",
            "forecast 97.2",
            "93.1 (pending)",
        ] {
            assert!(
                drawn.iter().any(|t| t == label),
                "missing {label}: {drawn:?}"
            );
        }
        assert!(drawn.iter().any(|t| t.starts_with("Plan target ")));
        assert!(drawn.iter().any(|t| t.starts_with("National standard ")));
        for t in &drawn {
            for word in [
                "实际值",
                "趋势预测",
                "方案目标",
                "国家标准",
                "待审核",
                "预测",
            ] {
                assert!(!t.contains(word), "{word} in {t}");
            }
        }

        let c = StatusChart {
            id: "areas".into(),
            title: "2025 by area".into(),
            groups: vec![
                StatusGroup {
                    label: "Institutions".into(),
                    counts: vec![(Status::Met, 9), (Status::NotMet, 1)],
                },
                StatusGroup {
                    label: "Culture".into(),
                    counts: vec![],
                },
            ],
            lang: Lang::En,
        };
        let svg = status_svg(&c).unwrap();
        assert!(
            svg.contains(
                "2025 by area. Institutions: 10 in all, Met 9, Not met 1; Culture: no indicators."
            ),
            "{svg}"
        );
        let texts = texts(&svg);
        // The one-indicator segment is too narrow for "Not met 1": it shows the count alone.
        for label in ["Met 9", "1", "10 in all", "Met", "Not met"] {
            assert!(
                texts.iter().any(|t| t == label),
                "missing {label}: {texts:?}"
            );
        }
    }

    #[test]
    fn a_directory_without_a_cjk_font_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("broken.ttf"), b"not a font").unwrap();
        let err = PngRenderer::from_font_dir(dir.path()).unwrap_err();
        assert!(matches!(err, ChartError::NoCjkFont { .. }), "{err}");
        assert!(err.to_string().contains("fonts-noto-cjk"));
    }
}
