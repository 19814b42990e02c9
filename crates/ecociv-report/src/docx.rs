//! The annual self-assessment report (年度自评估报告) as a Word document.
//!
//! Two steps. [`outline`] turns a [`ReportInput`] into an [`Outline`]: the report's parts,
//! headings, paragraphs, tables and figures (charts as SVG), with every number already worded.
//! It is pure and cheap, which makes the report's structure snapshot-testable. [`render`] lays
//! the outline out with docx-rs: A4 with the margins of GB/T 9704, 宋体/黑体 declared as East
//! Asian fonts (SimSun/SimHei with their Chinese names and GB2312 charset in the font table, so
//! Word, WPS and LibreOffice all pick a Chinese face of the right kind), the charts rasterised to PNG with alt text, header
//! rows repeated on every page, page numbers from the first page after the cover, and the
//! completion table as a landscape annex.
//!
//! Contents: cover (with a warning when the data are 示例数据); 一、总体情况 (readiness, status
//! counts, status-by-area chart); 二、分领域指标完成情况 (one section per area: table and history
//! charts); 三、未达标及有风险指标 (each with its explanation and the annual change still needed);
//! 四、重点任务推进情况 (progress by department); 附件 (指标完成情况表).

use std::collections::BTreeMap;

use docx_rs::{
    AlignmentType, BreakType, Docx, Footer, LineSpacing, LineSpacingType, PageMargin, PageNum,
    PageNumType, PageOrientationType, Paragraph, Pic, Run, RunFonts, Section, Shading, ShdType,
    Style, StyleType, Table, TableCell, TableLayoutType, TableRow, VAlignType, VMergeType,
    WidthType,
};
use ecociv_core::evaluate::{Counts, IndicatorResult};
use ecociv_core::{Area, Catalogue, Evaluation, Plan, Responsibility, Status, ValueKind, explain};
use ecociv_i18n::Lang;

use crate::chart::{self, ChartError, HistoryChart, PngRenderer, StatusChart, StatusGroup};
use crate::completion::{
    self, CompletionTable, UnknownVersion, status_legend, target_text, value_text,
};
use crate::date::Date;
use crate::history::History;
use crate::progress::{TaskProgress, TaskState};
use crate::xlsx_template::period_zh;

/// Who and when, as printed on the cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportMeta {
    /// 编制单位, e.g. 「驻马店市生态文明建设示范市创建工作领导小组办公室」.
    pub organisation: String,
    /// The date printed on the cover and stamped into the document properties.
    pub date: Date,
    /// The head of the audit chain the data was read at (`SEQ:HASH`), printed small on the cover
    /// so the database can later be checked against it (`ecociv audit verify --expect`).
    pub audit_head: Option<String>,
}

/// Everything the report is made from. The store fills it from the database; the CLI from CSV.
#[derive(Debug, Clone)]
pub struct ReportInput<'a> {
    pub plan: &'a Plan,
    pub catalogue: &'a Catalogue,
    /// The evaluation of the report's year (its catalogue version is the one reported on).
    pub evaluation: &'a Evaluation,
    /// Annual values per indicator and region, for the charts.
    pub history: &'a History,
    /// Task progress reports; the latest of each task and department up to the year is used.
    pub progress: &'a [TaskProgress],
    pub meta: ReportMeta,
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Version(#[from] UnknownVersion),
    #[error(transparent)]
    Chart(#[from] ChartError),
    #[error("生成 Word 文件失败：{0}")]
    Docx(String),
}

/// How a paragraph is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ParaKind {
    /// Body text, first line indented two characters.
    Body,
    /// A conclusion in bold body text.
    Strong,
    /// Small text under a table or figure.
    Note,
    /// A red, bold warning (demo data).
    Warning,
    /// Caption of a table (above it) or figure (below it), centred.
    Caption,
    /// The big lines of the cover.
    CoverTitle,
    /// Other centred lines of the cover.
    CoverLine,
}

/// A table cell.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Cell {
    pub text: String,
    /// Shaded by status; the text carries the symbol and word as well.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub centre: bool,
}

impl Cell {
    fn text(s: impl Into<String>) -> Cell {
        Cell {
            text: s.into(),
            status: None,
            centre: false,
        }
    }
    fn centre(s: impl Into<String>) -> Cell {
        Cell {
            text: s.into(),
            status: None,
            centre: true,
        }
    }
    fn status(s: Option<Status>) -> Cell {
        Cell {
            text: s.map_or_else(
                || "—".to_owned(),
                |s| format!("{} {}", s.symbol(), s.name_zh()),
            ),
            status: s,
            centre: true,
        }
    }
}

/// A table: column titles and widths (twentieths of a point), rows of cells.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TableBlock {
    pub caption: String,
    pub columns: Vec<(String, usize)>,
    pub rows: Vec<Vec<Cell>>,
    /// Columns whose equal consecutive cells are merged vertically (领域, 单位).
    pub merge: Vec<usize>,
    /// Font size in half-points.
    pub size: usize,
}

/// A chart.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Figure {
    pub caption: String,
    /// The chart's text alternative, also written as the image's alt text.
    pub alt: String,
    #[serde(skip)]
    pub svg: String,
}

/// One block of the report.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    Heading { level: usize, text: String },
    Paragraph { kind: ParaKind, text: String },
    Table(TableBlock),
    Figure(Figure),
    PageBreak,
}

/// A part of the report with its own page setup.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Part {
    /// `cover` (no page number), `body` (numbered from 1), `annex` (landscape).
    pub name: &'static str,
    pub blocks: Vec<Block>,
}

/// The report before layout.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Outline {
    pub title: String,
    pub demo: bool,
    pub parts: Vec<Part>,
}

impl Outline {
    /// The structure as text, for snapshots and quick review: headings indented by level,
    /// tables with their columns and row count, figures by caption; paragraphs are counted.
    pub fn structure(&self) -> String {
        let mut out = format!("# {}\n", self.title);
        for part in &self.parts {
            out.push_str(&format!("\n[{}]\n", part.name));
            let mut paragraphs = 0;
            let flush = |n: &mut usize, out: &mut String| {
                if *n > 0 {
                    out.push_str(&format!("  ({n} 段)\n"));
                    *n = 0;
                }
            };
            for b in &part.blocks {
                match b {
                    Block::Heading { level, text } => {
                        flush(&mut paragraphs, &mut out);
                        out.push_str(&format!("{}{text}\n", "  ".repeat(level - 1)));
                    }
                    Block::Paragraph { .. } => paragraphs += 1,
                    Block::Table(t) => {
                        flush(&mut paragraphs, &mut out);
                        out.push_str(&format!(
                            "  {} [{}] {}行\n",
                            t.caption,
                            t.columns
                                .iter()
                                .map(|(c, _)| c.as_str())
                                .collect::<Vec<_>>()
                                .join("|"),
                            t.rows.len()
                        ));
                    }
                    Block::Figure(f) => {
                        flush(&mut paragraphs, &mut out);
                        out.push_str(&format!("  {}\n", f.caption));
                    }
                    Block::PageBreak => {
                        flush(&mut paragraphs, &mut out);
                        out.push_str("  ----\n");
                    }
                }
            }
            flush(&mut paragraphs, &mut out);
        }
        out
    }
}

/// Usable width of an A4 portrait page with the GB/T 9704 margins, in twips.
const PORTRAIT_WIDTH: usize = 11906 - 1588 - 1474;
/// The same for landscape.
const LANDSCAPE_WIDTH: usize = 16838 - 1440 - 1440;
/// Charts are placed this wide (EMU; 15 cm).
const FIGURE_WIDTH_EMU: u32 = 15 * 360_000;

const ZH_NUMBERS: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

/// Builds the outline. Pure: no fonts or files needed.
pub fn outline(input: &ReportInput<'_>) -> Result<Outline, ReportError> {
    let plan = input.plan;
    let eval = input.evaluation;
    let city = plan.city_region();
    let table = completion::completion_table(plan, input.catalogue, eval)?;
    let version = input
        .catalogue
        .version(&eval.readiness.catalogue_version)
        .ok_or_else(|| UnknownVersion(eval.readiness.catalogue_version.clone()))?;
    let demo = table.demo;
    let title = format!(
        "{}国家生态文明建设示范市创建{}年度自评估报告",
        city.name, eval.year
    );
    let mut b = Builder::default();

    // Cover.
    let mut cover = vec![
        Block::Paragraph {
            kind: ParaKind::CoverLine,
            text: String::new(),
        };
        3
    ];
    for line in [
        city.name.clone(),
        "国家生态文明建设示范市创建".to_owned(),
        format!("{}年度自评估报告", eval.year),
    ] {
        cover.push(Block::Paragraph {
            kind: ParaKind::CoverTitle,
            text: line,
        });
    }
    cover.push(Block::Paragraph {
        kind: ParaKind::CoverLine,
        text: String::new(),
    });
    if demo {
        cover.push(Block::Paragraph {
            kind: ParaKind::Warning,
            text: "示例数据（非真实数据）：本报告由 ecociv 根据示例数据生成，仅供演示，不得用于申报或公开。".into(),
        });
    }
    for _ in 0..4 {
        cover.push(Block::Paragraph {
            kind: ParaKind::CoverLine,
            text: String::new(),
        });
    }
    cover.push(Block::Paragraph {
        kind: ParaKind::CoverLine,
        text: input.meta.organisation.clone(),
    });
    cover.push(Block::Paragraph {
        kind: ParaKind::CoverLine,
        text: input.meta.date.zh_month(),
    });
    if let Some(head) = &input.meta.audit_head {
        cover.push(Block::Paragraph {
            kind: ParaKind::Note,
            text: format!(
                "审计链头 {head}：据此可核对本报告所用数据此后未被回滚或改写（ecociv audit verify --expect）。"
            ),
        });
    }

    // 一、总体情况
    b.heading(1, "一、总体情况");
    b.body(format!(
        "对照《{}》和《{}》（{}），根据各责任单位报送并经审核的{}年度数据，对{}国家生态文明建设示范市创建情况进行自评估。{}",
        plan.name,
        version.title,
        version.document,
        eval.year,
        city.name,
        if demo {
            "本报告所用数据为示例数据（非真实数据）。"
        } else {
            ""
        }
    ));
    b.strong(eval.readiness.summary.clone());
    let r = &eval.readiness;
    b.table(
        "国家标准指标达标情况",
        status_columns("类别", 1700),
        vec![
            count_row("约束性指标", &r.binding),
            count_row("参考性指标", &r.reference),
        ],
        vec![],
        21,
    );
    b.note(
        "“达标”不含“有风险”；“有风险”指目前达标但按趋势预测可能不达标，或尚未达标但趋势可望达标。"
            .into(),
    );
    let mut area_rows: Vec<Vec<Cell>> = r
        .by_area
        .iter()
        .map(|a| count_row(a.name, &a.counts))
        .collect();
    area_rows.push(count_row("合计", &r.plan));
    b.table(
        "实施方案目标完成情况（按领域）",
        status_columns("领域", 1700),
        area_rows,
        vec![],
        21,
    );
    let status_chart = StatusChart {
        id: "status-by-area".into(),
        title: format!("{}年各领域方案目标完成情况", eval.year),
        groups: r
            .by_area
            .iter()
            .map(|a| StatusGroup {
                label: a.name.to_owned(),
                counts: Status::ALL.iter().map(|&s| (s, a.counts.get(s))).collect(),
            })
            .collect(),
        lang: Lang::Zh,
    };
    b.figure(
        status_chart.title.clone(),
        chart::status_description(&status_chart),
        chart::status_svg(&status_chart)?,
    );
    if r.unverified_rows > 0 {
        b.note(format!(
            "注：有{}项国家标准指标值尚未与官方文本核实，表中以“*”标注，核实后结论可能变化。",
            r.unverified_rows
        ));
    }

    // 二、分领域指标完成情况
    b.heading(1, "二、分领域指标完成情况");
    let area_of = |res: &IndicatorResult| -> Option<Area> {
        res.target
            .as_ref()
            .and_then(|t| plan.task(t.task))
            .map(|t| t.area)
            .or(res.area)
    };
    for (i, area) in Area::ALL.iter().enumerate() {
        b.heading(2, format!("（{}）{}", ZH_NUMBERS[i], area.name_zh()));
        let results: Vec<&IndicatorResult> = eval
            .results
            .iter()
            .filter(|res| area_of(res) == Some(*area))
            .filter(|res| {
                res.target.is_some()
                    || (res.region == city.code
                        && res
                            .national
                            .as_ref()
                            .is_some_and(|n| n.status != Status::NotApplicable))
            })
            .collect();
        let counts = r
            .by_area
            .iter()
            .find(|a| a.area == *area)
            .map(|a| a.counts.clone())
            .unwrap_or_default();
        b.body(area_sentence(area.name_zh(), &counts, results.len()));
        if results.is_empty() {
            continue;
        }
        let rows: Vec<Vec<Cell>> = results
            .iter()
            .enumerate()
            .map(|(k, res)| {
                vec![
                    Cell::centre((k + 1).to_string()),
                    Cell::text(&res.name),
                    Cell::centre(&res.region_name),
                    Cell::centre(value_text(plan, res)),
                    Cell::text(target_text(res)),
                    Cell::text(res.national.as_ref().map_or_else(
                        || "—".to_owned(),
                        |n| format!("{}{}", n.text, if n.verified { "" } else { "*" }),
                    )),
                    Cell::status(Some(res.status)),
                ]
            })
            .collect();
        b.table(
            format!("{}领域指标完成情况", area.name_zh()),
            vec![
                ("序号".into(), 600),
                ("指标".into(), 2200),
                ("地区".into(), 1100),
                ("现状值".into(), 1000),
                ("方案目标".into(), 1600),
                ("国家标准".into(), 1300),
                (
                    "状态".into(),
                    PORTRAIT_WIDTH - 600 - 2200 - 1100 - 1000 - 1600 - 1300,
                ),
            ],
            rows,
            vec![],
            20,
        );
        for (res, chart) in charts_for_area(plan, input.history, &results, eval.year) {
            b.figure(
                format!("{}（{}）", res.name, res.region_name),
                chart::history_description(&chart),
                chart::history_svg(&chart)?,
            );
        }
    }

    // 三、未达标及有风险指标
    b.heading(1, "三、未达标及有风险指标");
    let flagged: Vec<&IndicatorResult> = eval
        .results
        .iter()
        .filter(|res| {
            matches!(res.status, Status::NotMet | Status::AtRisk)
                || res
                    .national
                    .as_ref()
                    .is_some_and(|n| matches!(n.status, Status::NotMet | Status::AtRisk))
        })
        .collect();
    if flagged.is_empty() {
        b.body(format!(
            "{}年所有有数据的指标均达到方案目标和国家标准。",
            eval.year
        ));
    } else {
        b.body(format!(
            "以下{}项指标（含县区和统计范围）未达到方案目标或国家标准，或按趋势有不达标风险，逐项说明现状、差距、仍需的年均变化和责任单位。",
            flagged.len()
        ));
    }
    for (k, res) in flagged.iter().enumerate() {
        let verdict = match (&res.target, &res.national) {
            (Some(t), Some(n)) if t.status != n.status => format!(
                "方案目标{}，国家标准{}",
                t.status.name_zh(),
                n.status.name_zh()
            ),
            _ => res.status.name_zh().to_owned(),
        };
        b.heading(
            3,
            format!("{}. {}（{}）：{verdict}", k + 1, res.name, res.region_name),
        );
        b.body(format!("现状：{}", res.explanation));
        if let Some(n) = &res.national
            && res.target.is_some()
            && n.status != res.status
        {
            b.body(format!("对照国家标准：{}", n.explanation));
        }
        if let Some(need) = still_needed(plan, res) {
            b.body(need);
        }
        b.body(format!(
            "责任单位：{}。",
            completion::lead_unit(plan, &res.indicator)
        ));
    }
    let missing: Vec<&IndicatorResult> = eval
        .results
        .iter()
        .filter(|res| matches!(res.status, Status::NoData | Status::Pending))
        .collect();
    if !missing.is_empty() {
        b.body(format!(
            "另有{}项指标缺少{}年数据或数据尚未审核，无法判断是否达标：",
            missing.len(),
            eval.year
        ));
        b.table(
            "缺少数据或待审核的指标",
            vec![
                ("指标".into(), 2700),
                ("地区".into(), 1100),
                ("状态".into(), 1000),
                ("说明".into(), PORTRAIT_WIDTH - 2700 - 1100 - 1000),
            ],
            missing
                .iter()
                .map(|res| {
                    vec![
                        Cell::text(&res.name),
                        Cell::centre(&res.region_name),
                        Cell::status(Some(res.status)),
                        Cell::text(&res.explanation),
                    ]
                })
                .collect(),
            vec![],
            20,
        );
    }

    // 四、重点任务推进情况
    b.heading(1, "四、重点任务推进情况");
    let (summary, rows) = progress_rows(plan, input.progress, eval.year);
    b.body(summary);
    b.table(
        "重点任务推进情况（按牵头单位）",
        vec![
            ("牵头单位".into(), 1300),
            ("任务".into(), 2600),
            ("进展状态".into(), 1100),
            ("完成比例".into(), 1100),
            (
                "进展情况".into(),
                PORTRAIT_WIDTH - 1300 - 2600 - 1100 - 1100,
            ),
        ],
        rows,
        vec![0],
        20,
    );
    let body = b.blocks;

    // Annex.
    let mut annex = Builder {
        table_prefix: Some("附表"),
        ..Builder::default()
    };
    annex.heading(1, "附件　指标完成情况表");
    annex_table(&mut annex, &table);

    Ok(Outline {
        title,
        demo,
        parts: vec![
            Part {
                name: "cover",
                blocks: cover,
            },
            Part {
                name: "body",
                blocks: body,
            },
            Part {
                name: "annex",
                blocks: annex.blocks,
            },
        ],
    })
}

/// Collects blocks and numbers tables and figures.
#[derive(Default)]
struct Builder {
    blocks: Vec<Block>,
    tables: usize,
    figures: usize,
    /// 「附表」 in the annex, 「表」 otherwise.
    table_prefix: Option<&'static str>,
}

impl Builder {
    fn heading(&mut self, level: usize, text: impl Into<String>) {
        self.blocks.push(Block::Heading {
            level,
            text: text.into(),
        });
    }

    fn para(&mut self, kind: ParaKind, text: String) {
        self.blocks.push(Block::Paragraph { kind, text });
    }

    fn body(&mut self, text: String) {
        self.para(ParaKind::Body, text);
    }

    fn strong(&mut self, text: String) {
        self.para(ParaKind::Strong, text);
    }

    fn note(&mut self, text: String) {
        self.para(ParaKind::Note, text);
    }

    fn table(
        &mut self,
        caption: impl Into<String>,
        columns: Vec<(String, usize)>,
        rows: Vec<Vec<Cell>>,
        merge: Vec<usize>,
        size: usize,
    ) {
        self.tables += 1;
        self.blocks.push(Block::Table(TableBlock {
            caption: format!(
                "{}{}　{}",
                self.table_prefix.unwrap_or("表"),
                self.tables,
                caption.into()
            ),
            columns,
            rows,
            merge,
            size,
        }));
    }

    fn figure(&mut self, caption: String, alt: String, svg: String) {
        self.figures += 1;
        self.blocks.push(Block::Figure(Figure {
            caption: format!("图{}　{caption}", self.figures),
            alt,
            svg,
        }));
    }
}

fn status_columns(first: &str, first_width: usize) -> Vec<(String, usize)> {
    let rest = (PORTRAIT_WIDTH - first_width) / 7;
    let mut cols = vec![(first.to_owned(), first_width), ("合计".to_owned(), rest)];
    cols.extend(Status::ALL.iter().map(|s| (s.name_zh().to_owned(), rest)));
    cols
}

fn count_row(label: &str, c: &Counts) -> Vec<Cell> {
    let mut row = vec![Cell::centre(label), Cell::centre(c.total().to_string())];
    row.extend(
        Status::ALL
            .iter()
            .map(|&s| Cell::centre(c.get(s).to_string())),
    );
    row
}

fn area_sentence(area: &str, c: &Counts, rows: usize) -> String {
    if c.total() == 0 {
        return if rows == 0 {
            format!("{area}领域本年度无设定目标或适用的国家标准指标。")
        } else {
            format!("{area}领域未设方案目标，以下为适用的国家标准指标。")
        };
    }
    let parts: Vec<String> = Status::ALL
        .iter()
        .filter(|&&s| c.get(s) > 0)
        .map(|&s| format!("{}{}项", s.name_zh(), c.get(s)))
        .collect();
    format!(
        "{area}领域共有方案目标{}项（含县区和统计范围），其中{}。",
        c.total(),
        parts.join("、")
    )
}

/// How many history charts an area section carries. Every value is in the area's table; the
/// charts show where the story is, so that the report stays readable (the web pages chart every
/// indicator).
pub const CHARTS_PER_AREA: usize = 3;

/// The charts of an area: city indicators with a history, those not met or at risk first, then
/// those whose values moved (a flat line at 100% says nothing a table does not), then those with
/// a binding national row; at most [`CHARTS_PER_AREA`], in table order.
fn charts_for_area<'a>(
    plan: &Plan,
    history: &History,
    results: &[&'a IndicatorResult],
    year: i32,
) -> Vec<(&'a IndicatorResult, HistoryChart)> {
    let mut candidates: Vec<(usize, usize, &IndicatorResult, HistoryChart)> = results
        .iter()
        .enumerate()
        .filter(|(_, r)| r.region == plan.city)
        .filter_map(|(i, r)| {
            let chart = history_chart(plan, history, r, year)?;
            let flagged = [Some(r.status), r.national.as_ref().map(|n| n.status)]
                .iter()
                .any(|s| matches!(s, Some(Status::NotMet | Status::AtRisk)));
            let moved = chart
                .values
                .windows(2)
                .any(|w| (w[0].1 - w[1].1).abs() > 1e-9);
            let binding = r.national.as_ref().is_some_and(|n| n.binding);
            let rank = match (flagged, moved, binding) {
                (true, _, _) => 0,
                (false, true, true) => 1,
                (false, true, false) => 2,
                (false, false, _) => 3,
            };
            Some((rank, i, *r, chart))
        })
        .collect();
    candidates.sort_by_key(|(rank, i, _, _)| (*rank, *i));
    candidates.truncate(CHARTS_PER_AREA);
    candidates.sort_by_key(|(_, i, _, _)| *i);
    candidates.into_iter().map(|(_, _, r, c)| (r, c)).collect()
}

/// The history chart of a city indicator up to `year`, when it has at least two numeric values.
fn history_chart(
    plan: &Plan,
    history: &History,
    res: &IndicatorResult,
    year: i32,
) -> Option<HistoryChart> {
    let ind = plan.indicator(&res.indicator)?;
    if ind.kind == ValueKind::YesNo {
        return None;
    }
    // Values after the reported year are not part of this year's report.
    let series: Vec<&crate::history::HistoryPoint> = history
        .series(&res.indicator, &res.region)
        .iter()
        .filter(|p| p.year <= year)
        .collect();
    let values: Vec<(i32, f64)> = series.iter().map(|p| (p.year, p.value)).collect();
    if values.len() < 2 {
        return None;
    }
    let lines = crate::chart::result_lines(plan, ind, res, values.last()?.0, Lang::Zh);
    Some(HistoryChart {
        id: format!("history-{}-{}", res.indicator, res.region),
        title: res.name.clone(),
        unit: ind.unit.as_str().to_owned(),
        pending_years: series
            .iter()
            .filter(|p| !p.approved)
            .map(|p| p.year)
            .collect(),
        values,
        target: lines.target,
        national: lines.national,
        forecast: lines.forecast,
        lang: Lang::Zh,
    })
}

/// 「至2025年目标（≥95%）仍需年均提高1.9个百分点」, from the forecast.
fn still_needed(plan: &Plan, res: &IndicatorResult) -> Option<String> {
    let ind = plan.indicator(&res.indicator)?;
    let f = res.forecast.as_ref()?;
    let level = f.level?;
    let mut s = match f.required_annual_change {
        Some(r) if r > 0.0 => format!(
            "仍需：至{}年达到{}，{}。",
            f.year,
            explain::value(ind, level),
            explain::required(ind, r)
        ),
        _ => return None,
    };
    if let (Some(v), Some(l)) = (f.value, &f.linear) {
        s.push_str(&format!(
            "按近{}年趋势（年均{}）预计{}年为{}。",
            l.points,
            explain::change(ind, l.slope * ind.direction.sign()),
            f.year,
            explain::value(ind, v)
        ));
    }
    if let Some(c) = &f.cagr {
        s.push_str(&format!(
            "按年均增长率比值法（Open SDG）评估：{}。",
            c.progress.text_zh()
        ));
    }
    Some(s)
}

/// The progress summary and table rows: for each department, the tasks it leads or shares.
fn progress_rows(plan: &Plan, progress: &[TaskProgress], year: i32) -> (String, Vec<Vec<Cell>>) {
    // The latest report of each (task, unit) up to the year.
    let mut latest: BTreeMap<(u32, &str), &TaskProgress> = BTreeMap::new();
    for p in progress.iter().filter(|p| p.period.year() <= year) {
        let key = (p.task, p.unit.as_str());
        if latest.get(&key).is_none_or(|q| q.period < p.period) {
            latest.insert(key, p);
        }
    }
    let mut rows = Vec::new();
    let mut counts: BTreeMap<Option<TaskState>, usize> = BTreeMap::new();
    let mut reporting_units = 0;
    let mut lead_units = 0;
    for unit in &plan.units {
        let tasks: Vec<_> = plan
            .tasks
            .iter()
            .filter(|t| {
                matches!(
                    t.responsibility_of(&unit.name),
                    Some(Responsibility::Lead | Responsibility::Shared)
                )
            })
            .collect();
        if tasks.is_empty() {
            continue;
        }
        lead_units += 1;
        let mut reported = false;
        for t in tasks {
            let p = latest.get(&(t.number, unit.name.as_str()));
            reported |= p.is_some();
            *counts.entry(p.map(|p| p.state)).or_default() += 1;
            let deadline = t
                .deadline
                .as_ref()
                .map(|d| format!("（期限{d}）"))
                .unwrap_or_default();
            rows.push(vec![
                Cell::centre(&unit.name),
                Cell::text(format!("任务{} {}{deadline}", t.number, t.title)),
                Cell::centre(p.map_or("未报送", |p| p.state.name_zh())),
                Cell::centre(
                    p.and_then(|p| p.percent)
                        .map(|v| format!("{}%", explain::num(v)))
                        .unwrap_or_else(|| "—".into()),
                ),
                Cell::text(p.map_or_else(String::new, |p| {
                    let mut s = p.narrative.clone();
                    if !p.evidence.is_empty() {
                        s.push_str(&format!("（佐证：{}）", p.evidence.join("、")));
                    }
                    format!("{}：{s}", period_zh(p.period))
                })),
            ]);
        }
        if reported {
            reporting_units += 1;
        }
    }
    let total: usize = counts.values().sum();
    let parts: Vec<String> = TaskState::ALL
        .iter()
        .map(|s| (s.name_zh(), counts.get(&Some(*s)).copied().unwrap_or(0)))
        .chain(std::iter::once((
            "未报送",
            counts.get(&None).copied().unwrap_or(0),
        )))
        .filter(|(_, n)| *n > 0)
        .map(|(w, n)| format!("{w}{n}项"))
        .collect();
    let summary = format!(
        "实施方案共有重点任务{}项，由{}家单位牵头（或按职责分工负责），按单位计共{}项次；{}家单位报送了{}年进展。按单位计：{}。",
        plan.tasks.len(),
        lead_units,
        total,
        reporting_units,
        year,
        parts.join("、")
    );
    (summary, rows)
}

fn annex_table(b: &mut Builder, t: &CompletionTable) {
    b.note(format!("{}　　达标情况：{}", t.basis, status_legend()));
    if t.demo {
        b.para(
            ParaKind::Warning,
            "本表使用示例数据（非真实数据），仅供演示，不得用于申报或公开。".into(),
        );
    }
    let widths = [900, 500, 2600, 700, 2000, 1900, 1100, 1000, 800, 1500];
    let used: usize = widths.iter().sum();
    let headers = [
        "领域",
        "序号",
        "指标",
        "单位",
        "国家标准",
        "方案目标",
        "现状值",
        "达标情况",
        "指标属性",
        "牵头单位",
    ];
    let mut columns: Vec<(String, usize)> = headers
        .iter()
        .zip(widths)
        .map(|(h, w)| ((*h).to_owned(), w))
        .collect();
    columns[6].0 = format!("现状值（{}年）", t.year);
    columns.push(("备注".into(), LANDSCAPE_WIDTH - used));
    let rows = t
        .rows
        .iter()
        .map(|r| {
            vec![
                Cell::centre(&r.area),
                // Merged only within an area: the number repeats across areas in some versions.
                Cell::centre(&r.number),
                Cell::text(&r.name),
                Cell::centre(&r.unit),
                Cell::text(&r.national),
                Cell::text(&r.target),
                Cell::centre(&r.value),
                Cell::status(r.status),
                Cell::centre(&r.attribute),
                Cell::text(&r.lead),
                Cell::text(&r.note),
            ]
        })
        .collect();
    b.note(format!("评估结论：{}", t.summary));
    b.table(t.title.clone(), columns, rows, vec![0, 1], 18);
}

// ---------------------------------------------------------------------------------------------
// Layout with docx-rs.

/// 宋体 (SimSun) for body text, 黑体 (SimHei) for headings: the East Asian faces of Chinese
/// official documents, named in English so that LibreOffice's substitution finds a serif and a
/// sans CJK face respectively (see `docx_parts`).
const SONG: &str = "SimSun";
const HEI: &str = "SimHei";
const LATIN: &str = "Times New Roman";

fn fonts(east_asia: &str) -> RunFonts {
    RunFonts::new()
        .east_asia(east_asia)
        .ascii(LATIN)
        .hi_ansi(LATIN)
        .cs(LATIN)
}

fn styles(docx: Docx) -> Docx {
    let heading = |id: &str, name: &str, level: usize, size: usize, before: u32, after: u32| {
        Style::new(id, StyleType::Paragraph)
            .name(name)
            .based_on("Normal")
            .next("Normal")
            .q_format(true)
            .outline_lvl(level)
            .fonts(fonts(HEI))
            .size(size)
            .bold()
            .line_spacing(
                LineSpacing::new()
                    .before(before)
                    .after(after)
                    .line(360)
                    .line_rule(LineSpacingType::Auto),
            )
    };
    docx.add_style(heading("Heading1", "heading 1", 0, 32, 240, 120))
        .add_style(heading("Heading2", "heading 2", 1, 30, 180, 60))
        .add_style(heading("Heading3", "heading 3", 2, 24, 120, 0))
        .add_style(
            Style::new("Caption", StyleType::Paragraph)
                .name("caption")
                .based_on("Normal")
                .fonts(fonts(HEI))
                .size(21)
                .align(AlignmentType::Center)
                .line_spacing(LineSpacing::new().before(120).after(60)),
        )
}

fn run(text: &str, size: usize) -> Run {
    Run::new().add_text(text).size(size)
}

fn paragraph(kind: ParaKind, text: &str) -> Paragraph {
    let spacing = |line: i32| {
        LineSpacing::new()
            .line(line)
            .line_rule(LineSpacingType::Auto)
    };
    match kind {
        ParaKind::Body => Paragraph::new()
            .add_run(run(text, 24))
            .first_line_chars(200)
            .align(AlignmentType::Both)
            .line_spacing(spacing(360)),
        ParaKind::Strong => Paragraph::new()
            .add_run(run(text, 24).bold())
            .first_line_chars(200)
            .align(AlignmentType::Both)
            .line_spacing(spacing(360)),
        ParaKind::Note => Paragraph::new()
            .add_run(run(text, 18).color("404040"))
            .align(AlignmentType::Both)
            .line_spacing(spacing(260).after(120)),
        ParaKind::Warning => Paragraph::new()
            .add_run(run(text, 24).bold().color("C00000"))
            .align(AlignmentType::Center)
            .line_spacing(spacing(360).before(120).after(120)),
        ParaKind::Caption => Paragraph::new()
            .style("Caption")
            .add_run(Run::new().add_text(text))
            .keep_next(true),
        ParaKind::CoverTitle => Paragraph::new()
            .add_run(run(text, 52).bold().fonts(fonts(HEI)))
            .align(AlignmentType::Center)
            .line_spacing(spacing(480).after(240)),
        ParaKind::CoverLine => Paragraph::new()
            .add_run(run(text, 32).fonts(fonts(HEI)))
            .align(AlignmentType::Center)
            .line_spacing(spacing(480)),
    }
}

fn status_shade(s: Status) -> &'static str {
    match s {
        Status::Met => "E2EFDA",
        Status::AtRisk => "FFF2CC",
        Status::NotMet => "F8CBAD",
        Status::NoData => "EDEDED",
        Status::Pending => "DDEBF7",
        Status::NotApplicable => "F7F7F7",
    }
}

fn cell_paragraph(text: &str, size: usize, centre: bool, bold: bool) -> Paragraph {
    let mut r = run(text, size);
    if bold {
        r = r.bold().fonts(fonts(HEI));
    }
    Paragraph::new()
        .add_run(r)
        .align(if centre {
            AlignmentType::Center
        } else {
            AlignmentType::Left
        })
        .line_spacing(
            LineSpacing::new()
                .line(240)
                .line_rule(LineSpacingType::Auto),
        )
}

fn table(t: &TableBlock) -> Table {
    let header = TableRow::new(
        t.columns
            .iter()
            .map(|(title, w)| {
                TableCell::new()
                    .add_paragraph(cell_paragraph(title, t.size, true, true))
                    .width(*w, WidthType::Dxa)
                    .vertical_align(VAlignType::Center)
                    .shading(Shading::new().shd_type(ShdType::Clear).fill("D9E1F2"))
            })
            .collect(),
    )
    .cant_split();
    let mut rows = vec![header];
    for (i, r) in t.rows.iter().enumerate() {
        let cells =
            r.iter()
                .enumerate()
                .map(|(c, cell)| {
                    let w = t.columns.get(c).map_or(1000, |x| x.1);
                    let mut tc = TableCell::new()
                        .width(w, WidthType::Dxa)
                        .vertical_align(VAlignType::Center);
                    if t.merge.contains(&c) {
                        let same_as_above = i > 0
                            && t.rows[i - 1].get(c).map(|x| &x.text) == Some(&cell.text)
                            && t.merge.iter().filter(|&&m| m < c).all(|&m| {
                                t.rows[i - 1].get(m).map(|x| &x.text) == r.get(m).map(|x| &x.text)
                            });
                        let same_as_below = t.rows.get(i + 1).is_some_and(|next| {
                            next.get(c).map(|x| &x.text) == Some(&cell.text)
                                && t.merge.iter().filter(|&&m| m < c).all(|&m| {
                                    next.get(m).map(|x| &x.text) == r.get(m).map(|x| &x.text)
                                })
                        });
                        if same_as_above {
                            return tc
                                .vertical_merge(VMergeType::Continue)
                                .add_paragraph(Paragraph::new());
                        }
                        if same_as_below {
                            tc = tc.vertical_merge(VMergeType::Restart);
                        }
                    }
                    if let Some(s) = cell.status {
                        tc = tc.shading(
                            Shading::new()
                                .shd_type(ShdType::Clear)
                                .fill(status_shade(s)),
                        );
                    }
                    tc.add_paragraph(cell_paragraph(&cell.text, t.size, cell.centre, false))
                })
                .collect();
        rows.push(TableRow::new(cells).cant_split());
    }
    Table::new(rows)
        .set_grid(t.columns.iter().map(|c| c.1).collect())
        .layout(TableLayoutType::Fixed)
        .width(t.columns.iter().map(|c| c.1).sum(), WidthType::Dxa)
}

/// A laid-out block: a paragraph or a table.
enum Item {
    P(Box<Paragraph>),
    T(Box<Table>),
}

/// Lays out blocks, rasterising figures; collects the figures' alt texts in order.
fn items(
    blocks: &[Block],
    renderer: &PngRenderer,
    alts: &mut Vec<String>,
) -> Result<Vec<Item>, ReportError> {
    let mut out = Vec::new();
    let p = |p: Paragraph| Item::P(Box::new(p));
    for b in blocks {
        match b {
            Block::Heading { level, text } => out.push(p(Paragraph::new()
                .style(&format!("Heading{level}"))
                .add_run(Run::new().add_text(text))
                .keep_next(true))),
            Block::Paragraph { kind, text } => out.push(p(paragraph(*kind, text))),
            Block::Table(t) => {
                out.push(p(paragraph(ParaKind::Caption, &t.caption)));
                out.push(Item::T(Box::new(table(t))));
                // Air between a table and what follows.
                out.push(p(
                    Paragraph::new().line_spacing(LineSpacing::new().line(120))
                ));
            }
            Block::Figure(f) => {
                let png = renderer.png(&f.svg, 2.0)?;
                let height = (u64::from(FIGURE_WIDTH_EMU) * u64::from(png.height)
                    / u64::from(png.width.max(1))) as u32;
                alts.push(f.alt.clone());
                out.push(p(Paragraph::new()
                    .add_run(
                        Run::new().add_image(
                            Pic::new_with_dimensions(png.bytes, png.width, png.height)
                                .size(FIGURE_WIDTH_EMU, height),
                        ),
                    )
                    .align(AlignmentType::Center)
                    .keep_next(true)));
                out.push(p(paragraph(ParaKind::Caption, &f.caption).keep_next(false)));
            }
            Block::PageBreak => out.push(p(
                Paragraph::new().add_run(Run::new().add_break(BreakType::Page))
            )),
        }
    }
    Ok(out)
}

fn page_footer() -> Footer {
    Footer::new().add_paragraph(
        Paragraph::new()
            .add_run(Run::new().add_text("— ").size(21))
            .add_page_num(PageNum::new())
            .add_run(Run::new().add_text(" —").size(21))
            .align(AlignmentType::Center),
    )
}

/// Renders an outline to .docx bytes, rasterising the charts with `renderer`. Parts before the
/// last become sections of their own (A4 portrait; the body numbered from page 1); the last part
/// (the annex) takes the document's final section, in landscape.
pub fn render(
    outline: &Outline,
    meta: &ReportMeta,
    renderer: &PngRenderer,
) -> Result<Vec<u8>, ReportError> {
    let mut alts: Vec<String> = Vec::new();
    let portrait_margin = PageMargin::new()
        .top(2098)
        .bottom(1984)
        .left(1588)
        .right(1474)
        .header(851)
        .footer(992);
    let mut docx = styles(Docx::new())
        .default_fonts(fonts(SONG))
        .default_size(24)
        .created_at(&format!("{}T00:00:00Z", meta.date))
        .updated_at(&format!("{}T00:00:00Z", meta.date));
    let last = outline.parts.len().saturating_sub(1);
    for (k, part) in outline.parts.iter().enumerate() {
        let laid = items(&part.blocks, renderer, &mut alts)?;
        if k < last {
            let mut section = Section::new()
                .page_margin(portrait_margin.clone())
                .page_orient(PageOrientationType::Portrait);
            for item in laid {
                section = match item {
                    Item::P(p) => section.add_paragraph(*p),
                    Item::T(t) => section.add_table(*t),
                };
            }
            if part.name == "body" {
                section = section
                    .footer(page_footer())
                    .page_num_type(PageNumType::new().start(1));
            }
            docx = docx.add_section(section);
        } else {
            for item in laid {
                docx = match item {
                    Item::P(p) => docx.add_paragraph(*p),
                    Item::T(t) => docx.add_table(*t),
                };
            }
            docx = docx
                .page_size(16838, 11906)
                .page_orient(PageOrientationType::Landscape)
                .page_margin(
                    PageMargin::new()
                        .top(1440)
                        .bottom(1440)
                        .left(1440)
                        .right(1440)
                        .header(720)
                        .footer(720),
                )
                .footer(page_footer());
        }
    }
    let mut xml = docx.build();
    crate::docx_parts::finish(&mut xml, &alts, &outline.title);
    let mut out = std::io::Cursor::new(Vec::new());
    xml.pack(&mut out)
        .map_err(|e| ReportError::Docx(e.to_string()))?;
    Ok(out.into_inner())
}

/// Builds and renders the report.
pub fn report(input: &ReportInput<'_>, renderer: &PngRenderer) -> Result<Vec<u8>, ReportError> {
    let o = outline(input)?;
    render(&o, &input.meta, renderer)
}
