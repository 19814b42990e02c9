//! The reporting template (填报模板): an .xlsx a department or a county fills in for one period.
//!
//! The template holds exactly what the reporter owes under the plan ([`ecociv_core::obligation`]):
//! one row per indicator and region on the sheet 「指标填报」, one row per task on 「任务进展」.
//! Each row shows the indicator's unit, the allowed values and last period's value; the cells to
//! fill are yellow, unlocked and carry Excel data validation (number ranges, 是/否 lists, 0–100
//! for percentages). Everything else is locked (sheet protection without a password: it guards
//! against slips, not against intent; the importer re-checks every cell anyway).
//!
//! A very hidden sheet `ecociv` identifies the template: format and version, plan, catalogue
//! version, reporter, period and a checksum of the layout. The importer uses it to recognise a
//! template of another unit or period, one made before the plan changed, or a workbook that is
//! not ours at all. The layout itself ([`Layout`]) is recomputed from the plan on import rather
//! than trusted from the file.

use std::collections::BTreeMap;

use ecociv_core::obligation::{self, IndicatorDue};
use ecociv_core::{
    Area, CatalogueVersion, Indicator, Period, Plan, Responsibility, ValueKind, explain,
};
use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, DataValidationRule, DocProperties,
    FormatAlign, Formula, ProtectionOptions, Workbook, Worksheet, XlsxError,
};

use crate::date::Date;
use crate::excel::{self, cell_ref};
use crate::progress::TaskState;

/// The value of the `format` key in the metadata sheet.
pub const FORMAT_ID: &str = "ecociv-template";
/// Bumped whenever the layout of the sheets changes; the importer refuses other versions.
pub const FORMAT_VERSION: u32 = 1;

pub const SHEET_INDICATORS: &str = "指标填报";
pub const SHEET_TASKS: &str = "任务进展";
/// The very hidden metadata sheet.
pub const SHEET_META: &str = "ecociv";

/// Row index (0-based) of the column headers: row 4 as Excel counts.
pub const HEADER_ROW: u32 = 3;
/// Row index of the first data row: row 5 as Excel counts.
pub const FIRST_DATA_ROW: u32 = 4;

/// Columns of 「指标填报」 (0-based). The keys the importer relies on, indicator and region
/// codes, are at the right so the columns people read come first.
pub mod col {
    pub const NO: u16 = 0;
    pub const NAME: u16 = 1;
    pub const REGION: u16 = 2;
    pub const UNIT: u16 = 3;
    pub const ALLOWED: u16 = 4;
    pub const PREVIOUS: u16 = 5;
    pub const VALUE: u16 = 6;
    pub const COMMENT: u16 = 7;
    pub const RESPONSIBILITY: u16 = 8;
    pub const TASKS: u16 = 9;
    pub const CODE: u16 = 10;
    pub const REGION_CODE: u16 = 11;
    pub const COUNT: u16 = 12;
}

/// Columns of 「任务进展」 (0-based).
pub mod task_col {
    pub const NUMBER: u16 = 0;
    pub const TITLE: u16 = 1;
    pub const AREA: u16 = 2;
    pub const RESPONSIBILITY: u16 = 3;
    pub const DEADLINE: u16 = 4;
    pub const STATE: u16 = 5;
    pub const PERCENT: u16 = 6;
    pub const NARRATIVE: u16 = 7;
    pub const EVIDENCE: u16 = 8;
    pub const COUNT: u16 = 9;
}

/// Column widths (Excel units) of the two sheets.
const INDICATOR_WIDTHS: [f64; 12] = [
    6.0, 30.0, 12.0, 8.0, 10.0, 14.0, 14.0, 28.0, 10.0, 12.0, 24.0, 13.0,
];
const TASK_WIDTHS: [f64; 9] = [8.0, 36.0, 10.0, 10.0, 12.0, 12.0, 12.0, 48.0, 30.0];

/// Longest narrative and evidence text accepted (characters).
pub const MAX_NARRATIVE: usize = 2000;
pub const MAX_EVIDENCE: usize = 1000;

/// The column headers of 「指标填报」 for a period.
pub fn indicator_headers(period: Period) -> Vec<String> {
    vec![
        "序号".into(),
        "指标名称".into(),
        "地区".into(),
        "单位".into(),
        "填报要求".into(),
        format!("上期值（{}）", period_zh(previous_period(period))),
        format!("本期值（{}）", period_zh(period)),
        "数据来源及说明".into(),
        "责任".into(),
        "相关任务".into(),
        "指标代码（请勿修改）".into(),
        "地区代码（请勿修改）".into(),
    ]
}

/// The column headers of 「任务进展」.
pub fn task_headers() -> Vec<String> {
    [
        "任务编号",
        "任务名称",
        "领域",
        "责任",
        "完成期限",
        "进展状态",
        "完成比例（%）",
        "进展情况",
        "佐证材料（每行一项）",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

/// 「2025年」, 「2025年第3季度」, 「2025年7月」.
pub fn period_zh(p: Period) -> String {
    match p {
        Period::Year(y) => format!("{y}年"),
        Period::Quarter(y, q) => format!("{y}年第{q}季度"),
        Period::Month(y, m) => format!("{y}年{m}月"),
    }
}

/// The period before: last year, last quarter, last month.
pub fn previous_period(p: Period) -> Period {
    match p {
        Period::Year(y) => Period::Year(y - 1),
        Period::Quarter(y, 1) => Period::Quarter(y - 1, 4),
        Period::Quarter(y, q) => Period::Quarter(y, q - 1),
        Period::Month(y, 1) => Period::Month(y - 1, 12),
        Period::Month(y, m) => Period::Month(y, m - 1),
    }
}

/// Who fills the template in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(tag = "kind", content = "key", rename_all = "snake_case")]
pub enum Reporter {
    /// A department, by its name in the plan (市水利局).
    Unit(String),
    /// A county or district, by region code (411727).
    Region(String),
}

impl Reporter {
    pub fn kind(&self) -> &'static str {
        match self {
            Reporter::Unit(_) => "unit",
            Reporter::Region(_) => "region",
        }
    }

    pub fn key(&self) -> &str {
        match self {
            Reporter::Unit(k) | Reporter::Region(k) => k,
        }
    }

    pub fn from_parts(kind: &str, key: &str) -> Option<Reporter> {
        match kind {
            "unit" => Some(Reporter::Unit(key.to_owned())),
            "region" => Some(Reporter::Region(key.to_owned())),
            _ => None,
        }
    }

    /// The name people read: the unit name, or the region name for a region code.
    pub fn name(&self, plan: &Plan) -> String {
        match self {
            Reporter::Unit(u) => u.clone(),
            Reporter::Region(r) => plan.region(r).map_or_else(|| r.clone(), |g| g.name.clone()),
        }
    }
}

/// One indicator row of the template.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct IndicatorLine {
    pub indicator: String,
    pub name: String,
    pub unit: String,
    pub region: String,
    pub region_name: String,
    pub kind: ValueKind,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// How a department is responsible; `None` for a region's own rows.
    pub responsibility: Option<Responsibility>,
    pub tasks: Vec<u32>,
    /// Computed by a standards engine from monitoring data where that is wired in.
    pub computed: bool,
}

impl IndicatorLine {
    fn new(plan: &Plan, ind: &Indicator, due: &IndicatorDue, unit_reporter: bool) -> Self {
        IndicatorLine {
            indicator: ind.code.clone(),
            name: ind.name.clone(),
            unit: ind.unit.as_str().to_owned(),
            region: due.region.clone(),
            region_name: plan
                .region(&due.region)
                .map_or_else(|| due.region.clone(), |r| r.name.clone()),
            kind: ind.kind,
            min: ind.min,
            max: ind.max,
            responsibility: unit_reporter.then_some(due.responsibility),
            tasks: due.tasks.clone(),
            computed: due.computed,
        }
    }

    /// The allowed values in words: 「是/否」, 「0–100」, 「≥0」, 「任意数值」.
    pub fn allowed_text(&self) -> String {
        match (self.kind, self.min, self.max) {
            (ValueKind::YesNo, _, _) => "是/否".to_owned(),
            (_, Some(lo), Some(hi)) => format!("{}–{}", explain::num(lo), explain::num(hi)),
            (_, Some(lo), None) => format!("≥{}", explain::num(lo)),
            (_, None, Some(hi)) => format!("≤{}", explain::num(hi)),
            (_, None, None) => "任意数值".to_owned(),
        }
    }
}

/// One task row of the template.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TaskLine {
    pub task: u32,
    pub title: String,
    pub area: Area,
    pub responsibility: Responsibility,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
}

/// What a template contains, derived from the plan: the same for the writer and the importer.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Layout {
    pub plan_id: String,
    /// The national catalogue version whose rows were included ("" for none).
    pub catalogue_version: String,
    pub reporter: Reporter,
    pub reporter_name: String,
    pub period: Period,
    pub indicators: Vec<IndicatorLine>,
    pub tasks: Vec<TaskLine>,
}

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("方案中没有单位“{0}”；可用的单位：{1}")]
    UnknownUnit(String, String),
    #[error("方案中没有行政区“{0}”；可用：{1}")]
    UnknownRegion(String, String),
    #[error("{0}的市级指标由各部门填报：请按单位（--unit）生成模板")]
    CityRegion(String),
    #[error("“{0}”在方案中没有需要填报的指标或任务")]
    NothingOwed(String),
    #[error("生成 Excel 文件失败：{0}")]
    Xlsx(#[from] XlsxError),
}

impl Layout {
    /// Computes what a reporter owes for a period under the plan and a catalogue version.
    pub fn new(
        plan: &Plan,
        version: Option<&CatalogueVersion>,
        reporter: &Reporter,
        period: Period,
    ) -> Result<Layout, TemplateError> {
        let (obligations, reporter) = match reporter {
            Reporter::Unit(name) => {
                let name = name.trim();
                if !plan.units.iter().any(|u| u.name == name) {
                    return Err(TemplateError::UnknownUnit(
                        name.to_owned(),
                        plan.units
                            .iter()
                            .map(|u| u.name.as_str())
                            .collect::<Vec<_>>()
                            .join("、"),
                    ));
                }
                (
                    obligation::reported_by_unit(plan, version, name),
                    Reporter::Unit(name.to_owned()),
                )
            }
            Reporter::Region(key) => {
                let Some(pos) = plan.find_region(key) else {
                    return Err(TemplateError::UnknownRegion(
                        key.clone(),
                        plan.regions
                            .iter()
                            .filter(|r| r.code != plan.city)
                            .map(|r| format!("{}（{}）", r.name, r.code))
                            .collect::<Vec<_>>()
                            .join("、"),
                    ));
                };
                let region = &plan.regions[pos];
                if region.code == plan.city {
                    return Err(TemplateError::CityRegion(region.name.clone()));
                }
                (
                    obligation::for_region(plan, version, &region.code),
                    Reporter::Region(region.code.clone()),
                )
            }
        };
        let unit_reporter = matches!(reporter, Reporter::Unit(_));
        let indicators: Vec<IndicatorLine> = obligations
            .indicators
            .iter()
            .filter_map(|due| {
                plan.indicator(&due.indicator)
                    .map(|ind| IndicatorLine::new(plan, ind, due, unit_reporter))
            })
            .collect();
        let tasks: Vec<TaskLine> = obligations
            .tasks
            .iter()
            .filter_map(|due| {
                plan.task(due.task).map(|t| TaskLine {
                    task: t.number,
                    title: t.title.clone(),
                    area: t.area,
                    responsibility: due.responsibility,
                    deadline: t.deadline.clone(),
                })
            })
            .collect();
        let reporter_name = reporter.name(plan);
        if indicators.is_empty() && tasks.is_empty() {
            return Err(TemplateError::NothingOwed(reporter_name));
        }
        Ok(Layout {
            plan_id: plan.id.clone(),
            catalogue_version: version.map(|v| v.id.clone()).unwrap_or_default(),
            reporter,
            reporter_name,
            period,
            indicators,
            tasks,
        })
    }

    /// A checksum of everything the importer relies on: identity, the rows and their bounds.
    pub fn checksum(&self) -> String {
        let mut s = format!(
            "{FORMAT_ID}/{FORMAT_VERSION}\n{}\n{}\n{}:{}\n{}\n",
            self.plan_id,
            self.catalogue_version,
            self.reporter.kind(),
            self.reporter.key(),
            self.period
        );
        for l in &self.indicators {
            s.push_str(&format!(
                "i {} {} {:?} {:?} {:?}\n",
                l.indicator, l.region, l.kind, l.min, l.max
            ));
        }
        for t in &self.tasks {
            s.push_str(&format!("t {}\n", t.task));
        }
        excel::fnv1a(&s)
    }

    /// A file name people recognise: 「市水利局_2025年_指标填报模板.xlsx」.
    pub fn file_name(&self) -> String {
        format!(
            "{}_{}_填报模板.xlsx",
            self.reporter_name,
            period_zh(self.period)
        )
    }
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct TemplateRequest<'a> {
    pub plan: &'a Plan,
    /// The catalogue version whose national rows a department owes (usually the plan's).
    pub catalogue_version: Option<&'a CatalogueVersion>,
    pub reporter: Reporter,
    pub period: Period,
    /// Last period's values by (indicator code, region code), shown for reference.
    pub previous: &'a BTreeMap<(String, String), f64>,
    /// Stamped into the workbook properties.
    pub date: Date,
}

/// A generated template.
#[derive(Debug, Clone)]
pub struct Template {
    pub bytes: Vec<u8>,
    pub layout: Layout,
    pub checksum: String,
}

/// Generates the template.
pub fn generate(req: &TemplateRequest<'_>) -> Result<Template, TemplateError> {
    let layout = Layout::new(req.plan, req.catalogue_version, &req.reporter, req.period)?;
    let checksum = layout.checksum();
    let mut wb = Workbook::new();
    wb.set_default_format(&excel::base(), 20, 64)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(format!("{} 指标数据填报模板", layout.reporter_name))
            .set_subject(format!(
                "{}（{}）",
                req.plan.name,
                period_zh(layout.period)
            ))
            .set_author("ecociv")
            .set_company(&req.plan.name)
            .set_comment(format!(
                "ecociv 填报模板 v{FORMAT_VERSION}，校验码 {checksum}；请勿修改表头、代码列和隐藏的 ecociv 工作表"
            ))
            .set_creation_datetime(&excel::creation_time(req.date)),
    );

    let title_fmt = excel::base().set_bold().set_font_size(14);
    let note_fmt = excel::base().set_font_color(Color::RGB(0x59_59_59));
    let header_fmt = excel::bordered()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_background_color(Color::RGB(0xD9_E1_F2));
    let locked = excel::bordered();
    let locked_key = excel::bordered()
        .set_font_size(9)
        .set_font_color(Color::RGB(0x59_59_59))
        .set_background_color(Color::RGB(0xF2_F2_F2));
    let input = excel::bordered()
        .set_unlocked()
        .set_background_color(Color::RGB(0xFF_F2_CC));

    let subtitle = format!(
        "填报{}：{}　　报告期：{}　　实施方案：{}　　模板版本：{FORMAT_VERSION}（校验码 {checksum}）",
        if matches!(layout.reporter, Reporter::Unit(_)) {
            "单位"
        } else {
            "地区"
        },
        layout.reporter_name,
        period_zh(layout.period),
        req.plan.name,
    );

    // 指标填报
    {
        let ws = wb.add_worksheet();
        ws.set_name(SHEET_INDICATORS)?;
        ws.write_string_with_format(
            0,
            0,
            format!("{}·指标数据填报表", campaign(req.plan)),
            &title_fmt,
        )?;
        ws.write_string_with_format(1, 0, &subtitle, &note_fmt)?;
        ws.write_string_with_format(
            2,
            0,
            "填报说明：只在黄色单元格中填写。本期值填数值（百分比填0–100之间的数，如95.5），是否类填“是”或“否”；不要插入、删除、移动或合并行列，不要使用公式。",
            &note_fmt,
        )?;
        for (c, h) in indicator_headers(layout.period).iter().enumerate() {
            ws.write_string_with_format(HEADER_ROW, c as u16, h, &header_fmt)?;
        }
        for (i, l) in layout.indicators.iter().enumerate() {
            let row = FIRST_DATA_ROW + i as u32;
            ws.write_number_with_format(row, col::NO, (i + 1) as f64, &locked)?;
            let name = if l.computed {
                format!("{}（可由监测数据计算）", l.name)
            } else {
                l.name.clone()
            };
            ws.write_string_with_format(row, col::NAME, &name, &locked)?;
            ws.write_string_with_format(row, col::REGION, &l.region_name, &locked)?;
            ws.write_string_with_format(row, col::UNIT, &l.unit, &locked)?;
            ws.write_string_with_format(row, col::ALLOWED, l.allowed_text(), &locked)?;
            match req.previous.get(&(l.indicator.clone(), l.region.clone())) {
                Some(v) if l.kind == ValueKind::YesNo => {
                    ws.write_string_with_format(
                        row,
                        col::PREVIOUS,
                        if *v >= 0.5 { "是" } else { "否" },
                        &locked,
                    )?;
                }
                Some(v) => {
                    ws.write_number_with_format(row, col::PREVIOUS, *v, &locked)?;
                }
                None => {
                    ws.write_blank(row, col::PREVIOUS, &locked)?;
                }
            }
            ws.write_blank(row, col::VALUE, &input)?;
            ws.write_blank(row, col::COMMENT, &input)?;
            ws.write_string_with_format(
                row,
                col::RESPONSIBILITY,
                l.responsibility.map_or("本地区", |r| r.name_zh()),
                &locked,
            )?;
            ws.write_string_with_format(
                row,
                col::TASKS,
                l.tasks
                    .iter()
                    .map(|t| format!("任务{t}"))
                    .collect::<Vec<_>>()
                    .join("、"),
                &locked,
            )?;
            ws.write_string_with_format(row, col::CODE, &l.indicator, &locked_key)?;
            ws.write_string_with_format(row, col::REGION_CODE, &l.region, &locked_key)?;
            ws.set_row_height(
                row,
                excel::row_height(
                    &[
                        (&name, INDICATOR_WIDTHS[col::NAME as usize]),
                        (
                            l.responsibility.map_or("", |r| r.name_zh()),
                            INDICATOR_WIDTHS[col::RESPONSIBILITY as usize],
                        ),
                        // Codes are in a smaller font: about 0.8 units per character.
                        (
                            &"x".repeat(l.indicator.len() * 4 / 5),
                            INDICATOR_WIDTHS[col::CODE as usize],
                        ),
                    ],
                    1,
                ),
            )?;
            ws.add_data_validation(row, col::VALUE, row, col::VALUE, &value_validation(l, row)?)?;
            ws.add_data_validation(
                row,
                col::COMMENT,
                row,
                col::COMMENT,
                &DataValidation::new()
                    .allow_text_length(DataValidationRule::LessThanOrEqualTo(500))
                    .set_error_title("说明过长")?
                    .set_error_message("数据来源及说明不超过500字。")?,
            )?;
        }
        for (c, w) in INDICATOR_WIDTHS.iter().enumerate() {
            ws.set_column_width(c as u16, *w)?;
        }
        ws.set_row_height(HEADER_ROW, 30)?;
        ws.set_freeze_panes(FIRST_DATA_ROW, 2)?;
        print_setup(ws, col::COUNT - 1)?;
        protect(ws);
        ws.set_active(true);
    }

    // 任务进展
    {
        let ws = wb.add_worksheet();
        ws.set_name(SHEET_TASKS)?;
        ws.write_string_with_format(
            0,
            0,
            format!("{}·重点任务进展填报表", campaign(req.plan)),
            &title_fmt,
        )?;
        ws.write_string_with_format(1, 0, &subtitle, &note_fmt)?;
        let note = if layout.tasks.is_empty() {
            "本模板没有需要填报进展的任务（县区只填报指标）。".to_owned()
        } else {
            format!(
                "填报说明：只在黄色单元格中填写。进展状态从下拉列表选择（{}），完成比例填0–100的数；不要插入、删除、移动或合并行列。",
                TaskState::ALL
                    .iter()
                    .map(|s| s.name_zh())
                    .collect::<Vec<_>>()
                    .join("、")
            )
        };
        ws.write_string_with_format(2, 0, note, &note_fmt)?;
        for (c, h) in task_headers().iter().enumerate() {
            ws.write_string_with_format(HEADER_ROW, c as u16, h, &header_fmt)?;
        }
        let states: Vec<&str> = TaskState::ALL.iter().map(|s| s.name_zh()).collect();
        for (i, t) in layout.tasks.iter().enumerate() {
            let row = FIRST_DATA_ROW + i as u32;
            ws.write_number_with_format(row, task_col::NUMBER, f64::from(t.task), &locked)?;
            ws.write_string_with_format(row, task_col::TITLE, &t.title, &locked)?;
            ws.write_string_with_format(row, task_col::AREA, t.area.name_zh(), &locked)?;
            ws.write_string_with_format(
                row,
                task_col::RESPONSIBILITY,
                t.responsibility.name_zh(),
                &locked,
            )?;
            ws.write_string_with_format(
                row,
                task_col::DEADLINE,
                t.deadline.as_deref().unwrap_or(""),
                &locked,
            )?;
            ws.set_row_height(
                row,
                excel::row_height(
                    &[
                        (&t.title, TASK_WIDTHS[task_col::TITLE as usize]),
                        (
                            t.responsibility.name_zh(),
                            TASK_WIDTHS[task_col::RESPONSIBILITY as usize],
                        ),
                    ],
                    3,
                ),
            )?;
            for c in [
                task_col::STATE,
                task_col::PERCENT,
                task_col::NARRATIVE,
                task_col::EVIDENCE,
            ] {
                ws.write_blank(row, c, &input)?;
            }
            ws.add_data_validation(
                row,
                task_col::STATE,
                row,
                task_col::STATE,
                &DataValidation::new()
                    .allow_list_strings(&states)?
                    .set_input_title("进展状态")?
                    .set_input_message("从下拉列表选择")?
                    .set_error_title("进展状态无效")?
                    .set_error_message(format!("请从列表中选择：{}。", states.join("、")))?,
            )?;
            ws.add_data_validation(
                row,
                task_col::PERCENT,
                row,
                task_col::PERCENT,
                &DataValidation::new()
                    .allow_decimal_number(DataValidationRule::Between(0.0, 100.0))
                    .set_input_title("完成比例")?
                    .set_input_message("填0–100之间的数，如60")?
                    .set_error_title("完成比例无效")?
                    .set_error_message("完成比例应为0–100之间的数。")?,
            )?;
            for (c, max) in [
                (task_col::NARRATIVE, MAX_NARRATIVE),
                (task_col::EVIDENCE, MAX_EVIDENCE),
            ] {
                ws.add_data_validation(
                    row,
                    c,
                    row,
                    c,
                    &DataValidation::new()
                        .allow_text_length(DataValidationRule::LessThanOrEqualTo(max as u32))
                        .set_error_title("内容过长")?
                        .set_error_message(format!("不超过{max}字。"))?,
                )?;
            }
        }
        for (c, w) in TASK_WIDTHS.iter().enumerate() {
            ws.set_column_width(c as u16, *w)?;
        }
        ws.set_row_height(HEADER_ROW, 30)?;
        ws.set_freeze_panes(FIRST_DATA_ROW, 2)?;
        print_setup(ws, task_col::COUNT - 1)?;
        protect(ws);
    }

    // ecociv (very hidden): identity of the template.
    {
        let ws = wb.add_worksheet();
        ws.set_name(SHEET_META)?;
        let rows: [(&str, String); 10] = [
            ("format", FORMAT_ID.to_owned()),
            ("version", FORMAT_VERSION.to_string()),
            ("plan", layout.plan_id.clone()),
            ("catalogue_version", layout.catalogue_version.clone()),
            ("reporter_kind", layout.reporter.kind().to_owned()),
            ("reporter", layout.reporter.key().to_owned()),
            ("period", layout.period.to_string()),
            ("indicator_rows", layout.indicators.len().to_string()),
            ("task_rows", layout.tasks.len().to_string()),
            ("checksum", checksum.clone()),
        ];
        for (i, (k, v)) in rows.iter().enumerate() {
            ws.write_string(i as u32, 0, *k)?;
            ws.write_string(i as u32, 1, v)?;
        }
        ws.protect();
        ws.set_very_hidden(true);
    }

    let bytes = wb.save_to_buffer()?;
    Ok(Template {
        bytes,
        layout,
        checksum,
    })
}

/// 「驻马店市国家生态文明建设示范市创建」.
fn campaign(plan: &Plan) -> String {
    format!("{}国家生态文明建设示范市创建", plan.city_region().name)
}

/// The validation of a value cell: the indicator's range, or 是/否.
fn value_validation(l: &IndicatorLine, row: u32) -> Result<DataValidation, XlsxError> {
    let unit = if l.unit.is_empty() {
        String::new()
    } else {
        format!("（单位：{}）", l.unit)
    };
    let v =
        match (l.kind, l.min, l.max) {
            (ValueKind::YesNo, _, _) => DataValidation::new().allow_list_strings(&["是", "否"])?,
            (_, Some(lo), Some(hi)) => {
                DataValidation::new().allow_decimal_number(DataValidationRule::Between(lo, hi))
            }
            (_, Some(lo), None) => DataValidation::new()
                .allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(lo)),
            (_, None, Some(hi)) => DataValidation::new()
                .allow_decimal_number(DataValidationRule::LessThanOrEqualTo(hi)),
            (_, None, None) => DataValidation::new().allow_custom(Formula::new(format!(
                "=ISNUMBER({})",
                cell_ref(row, col::VALUE)
            ))),
        };
    let allowed = l.allowed_text();
    let name: String = l.name.chars().take(60).collect();
    v.set_error_style(DataValidationErrorStyle::Stop)
        .set_input_title("填报要求")?
        .set_input_message(format!("{name}{unit}：{allowed}"))?
        .set_error_title("数值不符合要求")?
        .set_error_message(format!("{name}应填{allowed}{unit}。"))
}

fn print_setup(ws: &mut Worksheet, last_col: u16) -> Result<(), XlsxError> {
    ws.set_landscape();
    ws.set_paper_size(9); // A4
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(HEADER_ROW, HEADER_ROW)?;
    ws.set_print_area(0, 0, FIRST_DATA_ROW + 1000, last_col)?;
    ws.set_footer("&C第 &P 页，共 &N 页");
    Ok(())
}

fn protect(ws: &mut Worksheet) {
    // Resizing is allowed so long names can be read; structure changes are not.
    ws.protect_with_options(&ProtectionOptions {
        format_columns: true,
        format_rows: true,
        ..ProtectionOptions::new()
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecociv_core::builtin;

    #[test]
    fn periods_step_back_across_year_boundaries() {
        assert_eq!(previous_period(Period::Year(2025)), Period::Year(2024));
        assert_eq!(
            previous_period(Period::Quarter(2025, 1)),
            Period::Quarter(2024, 4)
        );
        assert_eq!(
            previous_period(Period::Month(2025, 1)),
            Period::Month(2024, 12)
        );
        assert_eq!(
            previous_period(Period::Month(2025, 7)),
            Period::Month(2025, 6)
        );
        assert_eq!(period_zh(Period::Quarter(2025, 3)), "2025年第3季度");
    }

    #[test]
    fn a_layout_holds_what_the_unit_owes_and_its_checksum_tracks_identity() {
        let cat = builtin::catalogue().unwrap();
        let plan = builtin::plan(&cat).unwrap();
        let v = cat.version(&plan.catalogue_version);
        let unit = Reporter::Unit("市城市管理局".into());
        let a = Layout::new(&plan, v, &unit, Period::Year(2025)).unwrap();
        assert!(
            a.indicators
                .iter()
                .any(|l| l.indicator == "urban_sewage_treatment_rate")
        );
        assert!(a.tasks.iter().any(|t| t.task == 24));
        let b = Layout::new(&plan, v, &unit, Period::Year(2024)).unwrap();
        assert_ne!(
            a.checksum(),
            b.checksum(),
            "the period is part of the identity"
        );
        assert_eq!(
            a.checksum(),
            Layout::new(&plan, v, &unit, Period::Year(2025))
                .unwrap()
                .checksum()
        );
    }

    #[test]
    fn unknown_reporters_and_the_city_itself_are_refused_with_the_choices() {
        let cat = builtin::catalogue().unwrap();
        let plan = builtin::plan(&cat).unwrap();
        let err = Layout::new(
            &plan,
            None,
            &Reporter::Unit("市不存在局".into()),
            Period::Year(2025),
        )
        .unwrap_err();
        assert!(err.to_string().contains("市水利局"), "{err}");
        let err = Layout::new(
            &plan,
            None,
            &Reporter::Region("999".into()),
            Period::Year(2025),
        )
        .unwrap_err();
        assert!(err.to_string().contains("汝南县（411727）"), "{err}");
        let err = Layout::new(
            &plan,
            None,
            &Reporter::Region("411700".into()),
            Period::Year(2025),
        )
        .unwrap_err();
        assert!(matches!(err, TemplateError::CityRegion(_)), "{err}");
        let by_name = Layout::new(
            &plan,
            None,
            &Reporter::Region("汝南县".into()),
            Period::Year(2025),
        )
        .unwrap();
        assert_eq!(by_name.reporter, Reporter::Region("411727".into()));
    }
}
