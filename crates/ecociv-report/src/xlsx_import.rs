//! Reading a filled template back (导入): every cell is checked, and the result is either all the
//! rows to import or the complete list of problems, each naming sheet, cell and reason in
//! Chinese. Never a partial result: a workbook with one bad cell imports nothing, so a
//! department never has half its report in the system without knowing which half.
//!
//! What is checked, in order:
//! 1. it is an .xlsx workbook of a sane size unpacked (see [`MAX_UNPACKED_BYTES`]), with our
//!    metadata sheet (else: not ours);
//! 2. the template's identity against what the caller expects (unit or county, period) and
//!    against the plan: the layout is recomputed from the plan and its checksum compared, so a
//!    template made before the plan changed is refused rather than misread;
//! 3. the sheets: both present, no others, no merged cells, no formulas anywhere;
//! 4. the header row, cell by cell (a shifted, inserted or deleted column shows up here);
//! 5. each row's key cells (indicator and region code, task number): a row inserted, deleted or
//!    sorted is reported once, at the first row out of place;
//! 6. each value: a number (not text, not a date, not an error value) within the indicator's
//!    range, or 是/否; task states from the list, percentages 0–100;
//! 7. nothing below the last row or right of the last column.
//!
//! The importer only reads. Writing the rows into the workflow (as drafts or submissions, in one
//! transaction) is the store's job: `ecociv-web`'s `documents` module calls [`read`], turns the
//! returned [`ImportBatch`] into the store's rows and has `Store::import_workbook` write them.

use std::collections::HashMap;
use std::fmt;
use std::io::Cursor;

use calamine::{Data, Dimensions, Range, Reader, Xlsx};
use ecociv_core::{Catalogue, Observation, Period, Plan, ValueKind, ValueState, explain};

use crate::excel::cell_ref;
use crate::progress::{TaskProgress, TaskState};
use crate::xlsx_template::{
    self, FIRST_DATA_ROW, FORMAT_ID, FORMAT_VERSION, HEADER_ROW, Layout, MAX_EVIDENCE,
    MAX_NARRATIVE, Reporter, SHEET_INDICATORS, SHEET_META, SHEET_TASKS, col, period_zh, task_col,
};

/// One problem, located.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CellError {
    /// The worksheet, or empty for a problem with the whole file.
    pub sheet: String,
    /// `G7`, `A5:C6` for a merged range, or empty for a whole sheet.
    pub cell: String,
    /// A stable identifier for programs (`not_a_number`, `out_of_range` …).
    pub code: &'static str,
    /// The reason, in Chinese, saying what was found and what is expected.
    pub message: String,
}

impl CellError {
    /// A problem with the whole file, not one sheet or cell.
    fn whole(code: &'static str, message: String) -> CellError {
        CellError {
            sheet: String::new(),
            cell: String::new(),
            code,
            message,
        }
    }

    fn not_a_workbook() -> CellError {
        CellError::whole(
            "not_a_workbook",
            "文件不是 .xlsx 格式的 Excel 工作簿；若为 .xls、.et 或 .csv，请用 Excel 或 WPS 另存为 .xlsx 后再上传"
                .to_owned(),
        )
    }
}

impl fmt::Display for CellError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.sheet.is_empty(), self.cell.is_empty()) {
            (true, _) => write!(f, "{}", self.message),
            (false, true) => write!(f, "工作表“{}”：{}", self.sheet, self.message),
            (false, false) => write!(f, "工作表“{}” {}：{}", self.sheet, self.cell, self.message),
        }
    }
}

/// A refused workbook: every problem found, nothing imported.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, thiserror::Error)]
#[error("{file} 有{}处错误，未导入任何数据", errors.len())]
pub struct Rejected {
    pub file: String,
    pub errors: Vec<CellError>,
}

impl Rejected {
    /// The report as people read it: a summary line, then one line per problem.
    pub fn report(&self) -> String {
        let mut s = format!("{self}：\n");
        for e in &self.errors {
            s.push_str(&format!("  {e}\n"));
        }
        s
    }
}

/// What the caller expects the workbook to be (for example the logged-in user's unit and the
/// open reporting period); `None` accepts any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expect {
    pub reporter: Option<Reporter>,
    pub period: Option<Period>,
}

/// An indicator value to import.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ValueRow {
    pub indicator: String,
    pub region: String,
    pub period: Period,
    pub value: f64,
    /// 数据来源及说明, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Where it came from, e.g. `G7`, for provenance (import file + cell).
    pub cell: String,
}

/// A row left empty: owed but not reported in this file.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Blank {
    pub sheet: String,
    pub cell: String,
    pub what: String,
    /// The reporter's explanation, when the value is blank but a comment is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A valid workbook's content.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ImportBatch {
    pub file: String,
    pub layout: Layout,
    pub checksum: String,
    pub values: Vec<ValueRow>,
    pub tasks: Vec<TaskProgress>,
    pub blank: Vec<Blank>,
    /// Things done to cells that are worth telling (a 95% cell read as 95).
    pub notices: Vec<CellError>,
}

impl ImportBatch {
    /// The values as observations for evaluation, pending approval, with the file and cell as
    /// their source.
    pub fn observations(&self, plan: &Plan) -> Vec<Observation> {
        self.values
            .iter()
            .filter_map(|v| {
                Some(Observation {
                    indicator: plan.indicator_position(&v.indicator)?,
                    region: plan.region_position(&v.region)?,
                    period: v.period,
                    value: v.value,
                    source: Some(format!(
                        "{}（{} {}!{}）",
                        self.layout.reporter_name, self.file, SHEET_INDICATORS, v.cell
                    )),
                    state: ValueState::Pending,
                })
            })
            .collect()
    }
}

/// The most a workbook may unpack to. A unit's template is well under 1 MB unpacked; the limit
/// stops a small upload that inflates to gigabytes (a "zip bomb") before any XML is parsed.
/// The sizes are those the archive declares, and the zip reader refuses to inflate an entry past
/// its declared size, so a lying archive fails too.
pub const MAX_UNPACKED_BYTES: u64 = 64 * 1024 * 1024;
/// The most parts (files inside the .xlsx) a workbook may have; ours has about a dozen.
pub const MAX_PARTS: usize = 1_000;

/// Checks the container before it is parsed: the number of parts and their unpacked size.
fn check_container(bytes: &[u8]) -> Result<(), CellError> {
    let mut zip =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| CellError::not_a_workbook())?;
    if zip.len() > MAX_PARTS {
        return Err(CellError::whole(
            "workbook_too_large",
            format!(
                "工作簿包含 {} 个内部部件，超过上限 {MAX_PARTS} 个，不是本系统生成的填报模板；请使用下载的模板填写",
                zip.len()
            ),
        ));
    }
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let part = zip
            .by_index_raw(i)
            .map_err(|_| CellError::not_a_workbook())?;
        total = total.saturating_add(part.size());
    }
    if total > MAX_UNPACKED_BYTES {
        return Err(CellError::whole(
            "workbook_too_large",
            format!(
                "工作簿解压后共 {:.1} MB，超过上限 {} MB，不是本系统生成的填报模板；请使用下载的模板填写",
                total as f64 / 1_048_576.0,
                MAX_UNPACKED_BYTES / 1_048_576
            ),
        ));
    }
    Ok(())
}

/// Reads and validates a filled template. `file` names the upload in messages.
pub fn read(
    bytes: &[u8],
    file: &str,
    plan: &Plan,
    catalogue: &Catalogue,
    expect: &Expect,
) -> Result<ImportBatch, Rejected> {
    let reject = |errors: Vec<CellError>| Rejected {
        file: file.to_owned(),
        errors,
    };
    check_container(bytes).map_err(|e| reject(vec![e]))?;
    let mut wb =
        Xlsx::new(Cursor::new(bytes)).map_err(|_| reject(vec![CellError::not_a_workbook()]))?;

    // 1–2. Identity.
    let (layout, checksum) = match identify(&mut wb, plan, catalogue, expect) {
        Ok(x) => x,
        Err(errors) => return Err(reject(errors)),
    };

    // 3. Sheets.
    let mut errors: Vec<CellError> = Vec::new();
    let names = wb.sheet_names();
    for extra in names
        .iter()
        .filter(|n| ![SHEET_INDICATORS, SHEET_TASKS, SHEET_META].contains(&n.as_str()))
    {
        errors.push(CellError {
            sheet: extra.clone(),
            cell: String::new(),
            code: "unexpected_sheet",
            message: format!(
                "模板中没有这个工作表：请只在“{SHEET_INDICATORS}”和“{SHEET_TASKS}”中填写，删除其他工作表后再上传"
            ),
        });
    }
    let mut sheets: HashMap<&str, Sheet> = HashMap::new();
    for name in [SHEET_INDICATORS, SHEET_TASKS] {
        if !names.iter().any(|n| n == name) {
            errors.push(CellError::whole(
                "missing_sheet",
                format!(
                    "找不到工作表“{name}”（工作簿中有：{}）；请勿重命名或删除模板中的工作表",
                    names
                        .iter()
                        .filter(|n| n.as_str() != SHEET_META)
                        .map(String::as_str)
                        .collect::<Vec<_>>()
                        .join("、")
                ),
            ));
            continue;
        }
        match Sheet::load(&mut wb, name) {
            Ok(s) => {
                sheets.insert(name, s);
            }
            Err(message) => errors.push(CellError {
                sheet: name.to_owned(),
                cell: String::new(),
                code: "unreadable_sheet",
                message,
            }),
        }
    }

    let mut batch = ImportBatch {
        file: file.to_owned(),
        layout,
        checksum,
        values: Vec::new(),
        tasks: Vec::new(),
        blank: Vec::new(),
        notices: Vec::new(),
    };
    if let Some(s) = sheets.get(SHEET_INDICATORS) {
        read_indicators(s, plan, &mut batch, &mut errors);
    }
    if let Some(s) = sheets.get(SHEET_TASKS) {
        read_tasks(s, &mut batch, &mut errors);
    }
    if errors.is_empty() {
        Ok(batch)
    } else {
        Err(reject(errors))
    }
}

/// Reads the metadata sheet and checks the template's identity. Returns the layout recomputed
/// from the plan and the checksum.
fn identify(
    wb: &mut Xlsx<Cursor<&[u8]>>,
    plan: &Plan,
    catalogue: &Catalogue,
    expect: &Expect,
) -> Result<(Layout, String), Vec<CellError>> {
    let whole = |code: &'static str, message: String| vec![CellError::whole(code, message)];
    let not_ours = |why: &str| {
        whole(
            "not_a_template",
            format!(
                "该工作簿不是本系统生成的填报模板（{why}）；请下载本单位本期的模板，在其中填写后上传"
            ),
        )
    };
    if !wb.sheet_names().iter().any(|n| n == SHEET_META) {
        return Err(not_ours("缺少模板标识"));
    }
    let range = wb
        .worksheet_range(SHEET_META)
        .map_err(|e| not_ours(&format!("模板标识无法读取：{e}")))?;
    let mut meta: HashMap<String, String> = HashMap::new();
    for row in range.rows() {
        if let (Some(k), Some(v)) = (row.first(), row.get(1)) {
            meta.insert(text_of(k), text_of(v));
        }
    }
    let get = |k: &str| meta.get(k).map(String::as_str).unwrap_or("");
    if get("format") != FORMAT_ID {
        return Err(not_ours("模板标识无效"));
    }
    if get("version") != FORMAT_VERSION.to_string() {
        return Err(whole(
            "unsupported_version",
            format!(
                "模板格式版本为“{}”，本系统只接受版本{FORMAT_VERSION}；请重新下载模板",
                get("version")
            ),
        ));
    }
    if get("plan") != plan.id {
        return Err(whole(
            "wrong_plan",
            format!(
                "该模板属于实施方案“{}”，当前方案为“{}”；请重新下载模板",
                get("plan"),
                plan.id
            ),
        ));
    }
    let Some(reporter) = Reporter::from_parts(get("reporter_kind"), get("reporter")) else {
        return Err(not_ours("填报主体无效"));
    };
    let Ok(period) = get("period").parse::<Period>() else {
        return Err(not_ours("报告期无效"));
    };
    let mut errors = Vec::new();
    if let Some(want) = &expect.reporter
        && want != &reporter
    {
        errors.push(CellError::whole(
            "wrong_reporter",
            format!(
                "这是{}的模板，当前应上传{}的模板",
                reporter.name(plan),
                want.name(plan)
            ),
        ));
    }
    if let Some(want) = expect.period
        && want != period
    {
        errors.push(CellError::whole(
            "wrong_period",
            format!(
                "这是{}的模板，当前应上传{}的模板",
                period_zh(period),
                period_zh(want)
            ),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let version_id = get("catalogue_version");
    let version = if version_id.is_empty() {
        None
    } else {
        Some(catalogue.version(version_id).ok_or_else(|| {
            whole(
                "plan_changed",
                format!("模板采用的国家指标版本“{version_id}”已不存在；请重新下载模板"),
            )
        })?)
    };
    let layout = Layout::new(plan, version, &reporter, period).map_err(|e| {
        whole(
            "plan_changed",
            format!("按当前实施方案无法识别该模板（{e}）；请重新下载模板"),
        )
    })?;
    let checksum = layout.checksum();
    if get("checksum") != checksum {
        return Err(whole(
            "plan_changed",
            format!(
                "模板生成后实施方案或指标已修改（校验码 {} 与当前的 {checksum} 不符）；请重新下载模板",
                get("checksum")
            ),
        ));
    }
    Ok((layout, checksum))
}

/// A worksheet's values, formulas, merged ranges and number formats.
struct Sheet {
    name: String,
    values: Range<Data>,
    formulas: Range<String>,
    merged: Vec<Dimensions>,
    /// Number format codes of styled cells, by (row, col).
    formats: HashMap<(u32, u32), String>,
}

impl Sheet {
    fn load(wb: &mut Xlsx<Cursor<&[u8]>>, name: &str) -> Result<Sheet, String> {
        let err = |e: calamine::XlsxError| format!("工作表无法读取：{e}");
        let values = wb.worksheet_range(name).map_err(err)?;
        let formulas = wb.worksheet_formula(name).map_err(err)?;
        let merged = wb.merge_cells_by_sheet_name(name).map_err(err)?;
        let mut formats = HashMap::new();
        let styles = wb.worksheet_style(name).map_err(err)?;
        for (r, c, style) in styles.cells() {
            if let Some(nf) = &style.number_format
                && nf.format_code != "General"
            {
                formats.insert((r, c), nf.format_code.clone());
            }
        }
        Ok(Sheet {
            name: name.to_owned(),
            values,
            formulas,
            merged,
            formats,
        })
    }

    fn get(&self, row: u32, col: u16) -> &Data {
        self.values
            .get_value((row, u32::from(col)))
            .unwrap_or(&Data::Empty)
    }

    fn is_percent(&self, row: u32, col: u16) -> bool {
        self.formats
            .get(&(row, u32::from(col)))
            .is_some_and(|f| f.contains('%'))
    }

    fn error(&self, row: u32, col: u16, code: &'static str, message: String) -> CellError {
        CellError {
            sheet: self.name.clone(),
            cell: cell_ref(row, col),
            code,
            message,
        }
    }

    /// Non-empty cells as (row, col), absolute.
    fn used(&self) -> Vec<(u32, u32)> {
        let (r0, c0) = self.values.start().unwrap_or((0, 0));
        self.values
            .used_cells()
            .filter(|(_, _, v)| !is_blank(v))
            .map(|(r, c, _)| (r0 + r as u32, c0 + c as u32))
            .collect()
    }

    /// Merged ranges, formulas and headers. Returns false when the header is wrong, in which
    /// case the rows are not read (they would only add noise).
    fn check_structure(&self, headers: &[String], errors: &mut Vec<CellError>) -> bool {
        for m in &self.merged {
            errors.push(CellError {
                sheet: self.name.clone(),
                cell: format!(
                    "{}:{}",
                    cell_ref(m.start.0, m.start.1 as u16),
                    cell_ref(m.end.0, m.end.1 as u16)
                ),
                code: "merged_cells",
                message: "合并了单元格；模板中的单元格不能合并，请取消合并".into(),
            });
        }
        let (fr0, fc0) = self.formulas.start().unwrap_or((0, 0));
        for (r, c, f) in self.formulas.used_cells() {
            if f.trim().is_empty() {
                continue;
            }
            let (row, col) = (fr0 + r as u32, (fc0 + c as u32) as u16);
            errors.push(self.error(
                row,
                col,
                "formula",
                format!(
                    "不允许使用公式（={}）；请直接填写数值",
                    f.trim_start_matches('=')
                ),
            ));
        }
        let found: Vec<String> = (0..headers.len() as u16 + 8)
            .map(|c| text_of(self.get(HEADER_ROW, c)).trim().to_owned())
            .collect();
        let Some(first) = (0..headers.len()).find(|&c| found[c] != headers[c]) else {
            return true;
        };
        // A column inserted or deleted moves every later header by the same amount: say so once.
        let shift = (-3i32..=3).filter(|d| *d != 0).find(|&d| {
            (first..headers.len()).all(|c| {
                let k = c as i32 + d;
                k >= 0 && found.get(k as usize) == Some(&headers[c])
            })
        });
        if let Some(d) = shift {
            let moved = if d > 0 { "右移" } else { "左移" };
            errors.push(self.error(
                HEADER_ROW,
                first as u16,
                "columns_shifted",
                format!(
                    "表头应为“{}”，实为“{}”：从{}列起各列{moved}了{}列（插入或删除了列？）；请勿插入、删除或移动列",
                    headers[first],
                    found[first],
                    crate::excel::col_name(first as u16),
                    d.abs()
                ),
            ));
            return false;
        }
        for (c, want) in headers.iter().enumerate().skip(first) {
            if &found[c] == want {
                continue;
            }
            let elsewhere = found
                .iter()
                .position(|f| f == want)
                .map(|k| format!("，该列现在位于{}", cell_ref(HEADER_ROW, k as u16)))
                .unwrap_or_default();
            errors.push(self.error(
                HEADER_ROW,
                c as u16,
                "header",
                format!(
                    "表头应为“{want}”，实为“{}”{elsewhere}；请勿移动列或修改表头",
                    found[c]
                ),
            ));
        }
        false
    }

    /// Content below the last row or right of the last column.
    fn check_outside(&self, columns: usize, rows: usize, errors: &mut Vec<CellError>) {
        let last_row = FIRST_DATA_ROW + rows as u32; // exclusive
        let mut extra_rows: Vec<u32> = Vec::new();
        let mut extra_cols: Vec<(u32, u32)> = Vec::new();
        for (r, c) in self.used() {
            if r >= last_row && !extra_rows.contains(&r) {
                extra_rows.push(r);
            } else if r >= HEADER_ROW
                && r < last_row
                && c >= columns as u32
                && !extra_cols.iter().any(|&(_, k)| k == c)
            {
                extra_cols.push((r, c));
            }
        }
        extra_rows.sort_unstable();
        for r in extra_rows {
            let first_col = self
                .used()
                .into_iter()
                .filter(|&(rr, _)| rr == r)
                .map(|(_, c)| c)
                .min()
                .unwrap_or(0);
            errors.push(self.error(
                r,
                first_col as u16,
                "extra_row",
                format!(
                    "第{}行是多余的行：模板只有{rows}行数据（第{}–{}行）；请勿添加行，模板以外的内容请写在“数据来源及说明”中",
                    r + 1,
                    FIRST_DATA_ROW + 1,
                    last_row
                ),
            ));
        }
        extra_cols.sort_unstable_by_key(|&(_, c)| c);
        for (r, c) in extra_cols {
            errors.push(self.error(
                r,
                c as u16,
                "extra_column",
                format!(
                    "表格右侧有多余内容：模板只到{}列；请勿插入或添加列",
                    crate::excel::col_name(columns as u16 - 1)
                ),
            ));
        }
    }
}

/// A found key for a message: quoted, or 「空白」.
fn shown(s: &str) -> String {
    if s.trim().is_empty() {
        "空白".to_owned()
    } else {
        format!("“{}”", s.trim())
    }
}

fn is_blank(d: &Data) -> bool {
    match d {
        Data::Empty => true,
        Data::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// A cell as text, for keys, headers and comments.
fn text_of(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) => explain_float(*f),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => if *b { "是" } else { "否" }.to_owned(),
        other => other.to_string(),
    }
}

/// Whole numbers without a decimal point; others in full precision.
fn explain_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// Rounds away binary noise from a ×100 conversion (0.955 × 100 = 95.49999999999999).
fn tidy(v: f64) -> f64 {
    (v * 1e9).round() / 1e9
}

/// What a value cell holds, before range checks.
enum Cell {
    Blank,
    Number(f64),
}

/// Reads a number cell (or 是/否 for yes/no indicators).
#[allow(clippy::too_many_arguments)]
fn number_cell(
    sheet: &Sheet,
    row: u32,
    col: u16,
    yes_no: bool,
    percent_unit: bool,
    what: &str,
    notices: &mut Vec<CellError>,
    errors: &mut Vec<CellError>,
) -> Option<Cell> {
    let d = sheet.get(row, col);
    let mut err = |code: &'static str, message: String| {
        errors.push(sheet.error(row, col, code, message));
        None
    };
    let number = match d {
        Data::Float(f) => Some(*f),
        Data::Int(i) => Some(*i as f64),
        _ => None,
    };
    if let Some(v) = number {
        if yes_no {
            return err(
                "not_yes_no",
                format!("{what}应填“是”或“否”，实为数字{}", text_of(d)),
            );
        }
        if !sheet.is_percent(row, col) {
            return Some(Cell::Number(v));
        }
        if !percent_unit {
            return err(
                "percent_format",
                format!(
                    "单元格为百分比格式（存储值{}），但{what}的单位不是%；请将单元格格式改为“常规”后填写数值",
                    explain_float(v)
                ),
            );
        }
        // What the reporter sees is what they mean: a cell showing 95% holds 0.95.
        let shown = tidy(v * 100.0);
        notices.push(sheet.error(
            row,
            col,
            "percent_format",
            format!(
                "单元格为百分比格式，按显示值{}%读取为{}",
                explain::num(shown),
                explain::num(shown)
            ),
        ));
        return Some(Cell::Number(shown));
    }
    match d {
        d if is_blank(d) => Some(Cell::Blank),
        Data::String(s) if yes_no => match s.trim() {
            "是" => Some(Cell::Number(1.0)),
            "否" => Some(Cell::Number(0.0)),
            other => err("not_yes_no", format!("{what}应填“是”或“否”，实为“{other}”")),
        },
        Data::Bool(b) if yes_no => Some(Cell::Number(if *b { 1.0 } else { 0.0 })),
        Data::String(s) => {
            let hint = if s.trim().trim_end_matches('%').trim().parse::<f64>().is_ok() {
                "（单元格为文本格式？请改为数值格式后重新填写）"
            } else {
                ""
            };
            err(
                "not_a_number",
                format!("{what}应填数值，实为文本“{}”{hint}", s.trim()),
            )
        }
        Data::Bool(b) => err(
            "not_a_number",
            format!(
                "{what}应填数值，实为逻辑值{}",
                if *b { "TRUE" } else { "FALSE" }
            ),
        ),
        Data::Error(e) => err("cell_error", format!("{what}单元格为错误值{e}；请填写数值")),
        _ => err(
            "not_a_number",
            format!("{what}应填数值，实为日期或时间（单元格格式被设为日期？）"),
        ),
    }
}

fn read_indicators(
    sheet: &Sheet,
    plan: &Plan,
    batch: &mut ImportBatch,
    errors: &mut Vec<CellError>,
) {
    let lines = batch.layout.indicators.clone();
    let headers = xlsx_template::indicator_headers(batch.layout.period);
    if !sheet.check_structure(&headers, errors) {
        return;
    }
    if read_indicator_rows(sheet, plan, &lines, batch, errors) {
        sheet.check_outside(headers.len(), lines.len(), errors);
    }
}

/// Reads the rows; false when a row is out of place (then the rest is not checked).
fn read_indicator_rows(
    sheet: &Sheet,
    plan: &Plan,
    lines: &[xlsx_template::IndicatorLine],
    batch: &mut ImportBatch,
    errors: &mut Vec<CellError>,
) -> bool {
    for (i, l) in lines.iter().enumerate() {
        let row = FIRST_DATA_ROW + i as u32;
        let code = text_of(sheet.get(row, col::CODE));
        let region = text_of(sheet.get(row, col::REGION_CODE));
        if code.trim() != l.indicator || region.trim() != l.region {
            let (c, found, want) = if code.trim() != l.indicator {
                (col::CODE, code, &l.indicator)
            } else {
                (col::REGION_CODE, region, &l.region)
            };
            errors.push(sheet.error(
                row,
                c,
                "row_moved",
                format!(
                    "第{}行应为“{}”（{}，{}），实为{}：从这一行起行的顺序与模板不一致（行被插入、删除或排序？），其后各行未检查；请在新下载的模板中重新填写",
                    row + 1,
                    want,
                    l.name,
                    l.region_name,
                    shown(&found)
                ),
            ));
            return false;
        }
        let what = format!("“{}”（{}）", l.name, l.region_name);
        let Some(ind) = plan.indicator(&l.indicator) else {
            continue; // the checksum guarantees it exists
        };
        let comment = text_of(sheet.get(row, col::COMMENT)).trim().to_owned();
        let comment = (!comment.is_empty()).then_some(comment);
        if comment.as_ref().is_some_and(|c| c.chars().count() > 500) {
            errors.push(sheet.error(
                row,
                col::COMMENT,
                "too_long",
                "数据来源及说明超过500字".into(),
            ));
        }
        match number_cell(
            sheet,
            row,
            col::VALUE,
            l.kind == ValueKind::YesNo,
            ind.unit.is_percent(),
            &what,
            &mut batch.notices,
            errors,
        ) {
            None => {}
            Some(Cell::Blank) => batch.blank.push(Blank {
                sheet: sheet.name.clone(),
                cell: cell_ref(row, col::VALUE),
                what: what.clone(),
                comment,
            }),
            Some(Cell::Number(v)) => match ind.check_value(v) {
                Ok(()) => batch.values.push(ValueRow {
                    indicator: l.indicator.clone(),
                    region: l.region.clone(),
                    period: batch.layout.period,
                    value: v,
                    comment,
                    cell: cell_ref(row, col::VALUE),
                }),
                Err(e) => errors.push(sheet.error(
                    row,
                    col::VALUE,
                    "out_of_range",
                    format!("{what}：{e}（允许范围：{}）", l.allowed_text()),
                )),
            },
        }
    }
    true
}

fn read_tasks(sheet: &Sheet, batch: &mut ImportBatch, errors: &mut Vec<CellError>) {
    let lines = batch.layout.tasks.clone();
    let headers = xlsx_template::task_headers();
    if !sheet.check_structure(&headers, errors) {
        return;
    }
    if read_task_rows(sheet, &lines, batch, errors) {
        sheet.check_outside(headers.len(), lines.len(), errors);
    }
}

/// Reads the rows; false when a row is out of place (then the rest is not checked).
fn read_task_rows(
    sheet: &Sheet,
    lines: &[xlsx_template::TaskLine],
    batch: &mut ImportBatch,
    errors: &mut Vec<CellError>,
) -> bool {
    // Regions owe no tasks: their sheet has no rows, and check_outside refuses any content.
    let unit = batch.layout.reporter.key().to_owned();
    for (i, t) in lines.iter().enumerate() {
        let row = FIRST_DATA_ROW + i as u32;
        let number = sheet.get(row, task_col::NUMBER);
        let found = text_of(number);
        if found.trim() != t.task.to_string() {
            errors.push(sheet.error(
                row,
                task_col::NUMBER,
                "row_moved",
                format!(
                    "第{}行应为任务{}（{}），实为{}：从这一行起行的顺序与模板不一致（行被插入、删除或排序？），其后各行未检查",
                    row + 1,
                    t.task,
                    t.title,
                    shown(&found)
                ),
            ));
            return false;
        }
        let what = format!("任务{}", t.task);
        let state_cell = sheet.get(row, task_col::STATE);
        let narrative = text_of(sheet.get(row, task_col::NARRATIVE))
            .trim()
            .to_owned();
        let evidence_text = text_of(sheet.get(row, task_col::EVIDENCE));
        let percent = number_cell(
            sheet,
            row,
            task_col::PERCENT,
            false,
            true,
            &format!("{what}的完成比例"),
            &mut batch.notices,
            errors,
        );
        let percent = match percent {
            None => continue,
            Some(Cell::Blank) => None,
            Some(Cell::Number(p)) if (0.0..=100.0).contains(&p) => Some(p),
            Some(Cell::Number(p)) => {
                errors.push(sheet.error(
                    row,
                    task_col::PERCENT,
                    "out_of_range",
                    format!("{what}的完成比例{}超出0–100", explain::num(p)),
                ));
                continue;
            }
        };
        let state = match state_cell {
            d if is_blank(d) => None,
            Data::String(s) => match TaskState::parse(s) {
                Some(st) => Some(st),
                None => {
                    errors.push(sheet.error(
                        row,
                        task_col::STATE,
                        "invalid_state",
                        format!(
                            "{what}的进展状态“{}”无效，应为：{}",
                            s.trim(),
                            TaskState::ALL
                                .iter()
                                .map(|s| s.name_zh())
                                .collect::<Vec<_>>()
                                .join("、")
                        ),
                    ));
                    continue;
                }
            },
            other => {
                errors.push(sheet.error(
                    row,
                    task_col::STATE,
                    "invalid_state",
                    format!("{what}的进展状态应从列表选择，实为“{}”", text_of(other)),
                ));
                continue;
            }
        };
        let evidence: Vec<String> = evidence_text
            .lines()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        let Some(state) = state else {
            if percent.is_some() || !narrative.is_empty() || !evidence.is_empty() {
                errors.push(sheet.error(
                    row,
                    task_col::STATE,
                    "missing_state",
                    format!("{what}填写了进展但没有选择进展状态"),
                ));
            } else {
                batch.blank.push(Blank {
                    sheet: sheet.name.clone(),
                    cell: cell_ref(row, task_col::STATE),
                    what,
                    comment: None,
                });
            }
            continue;
        };
        if narrative.chars().count() > MAX_NARRATIVE {
            errors.push(sheet.error(
                row,
                task_col::NARRATIVE,
                "too_long",
                format!("进展情况超过{MAX_NARRATIVE}字"),
            ));
            continue;
        }
        if evidence_text.chars().count() > MAX_EVIDENCE {
            errors.push(sheet.error(
                row,
                task_col::EVIDENCE,
                "too_long",
                format!("佐证材料超过{MAX_EVIDENCE}字"),
            ));
            continue;
        }
        if state == TaskState::Completed && percent.is_some_and(|p| p < 100.0) {
            errors.push(sheet.error(
                row,
                task_col::PERCENT,
                "inconsistent",
                format!(
                    "{what}状态为“已完成”，但完成比例为{}%",
                    explain::num(percent.unwrap_or_default())
                ),
            ));
            continue;
        }
        batch.tasks.push(TaskProgress {
            task: t.task,
            unit: unit.clone(),
            period: batch.layout.period,
            state,
            percent,
            narrative,
            evidence,
        });
    }
    true
}
