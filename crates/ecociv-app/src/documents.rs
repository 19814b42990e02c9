//! Documents from and into the store: the Excel reporting template and its import, the
//! self-assessment report, the completion table and the open data package.
//!
//! This is the glue between `ecociv-store` (which reads and writes data) and `ecociv-report`
//! (which turns given data into bytes and bytes into checked rows). It has no SQL and no HTTP:
//! the web routes and the command line (`ecociv report`, `ecociv export`, `ecociv template`,
//! `ecociv import xlsx`) call the same use cases, so a document made at the command line from
//! the database is the one the web serves. Each use case asks the policy who may.
//!
//! What goes in:
//! * **report and completion table**: the evaluation of the year from approved values, submitted
//!   ones counted as pending (待审核), exactly as signed-in users see it; the history charts from
//!   the same snapshot of values; task progress from approved and submitted task updates (the
//!   submitted ones marked 待审核), with their evidence file names.
//! * **open data**: only what the public may see: approved values of published indicators in
//!   published periods, for a published year, and only the published indicators.
//! * **template**: what the reporter owes under the active plan, with last period's approved
//!   values as 上期值.
//! * **workbook import**: the file is checked cell by cell (`xlsx_import::read`), converted into
//!   the store's rows (task progress needs a percentage there, see [`workbook_rows`]), and written
//!   in one transaction by `Store::import_workbook`. Every refusal, from the file check or the
//!   workflow rules, comes back as one [`Rejected`] naming sheet, cell and reason.

use std::collections::{BTreeMap, BTreeSet};

use ecociv_core::{Catalogue, Evaluation, Period, Plan};
use ecociv_i18n::Msg;
use ecociv_report::chart::PngRenderer;
use ecociv_report::completion::{self, UnknownVersion};
use ecociv_report::docx::{self, ReportError, ReportInput, ReportMeta};
use ecociv_report::open_data::{self, License, OpenDataError, OpenDataFile, OpenDataRequest};
use ecociv_report::xlsx_import::{self, Blank, CellError, ImportBatch, Rejected};
use ecociv_report::xlsx_template::{
    self, FIRST_DATA_ROW, Reporter, SHEET_INDICATORS, SHEET_TASKS, Template, TemplateError,
    TemplateRequest, previous_period, task_col,
};
use ecociv_report::{Date, History, TaskProgress, TaskState};
use ecociv_store::{
    EvaluationInputs, EvidenceTarget, Model, Selection, Store, StoreError, TaskUpdateFilter,
    ValueFilter, WorkbookImport, WorkbookOptions, WorkbookSummary, WorkbookTask, WorkbookValue,
    WorkflowStatus,
};

use crate::error::{AppError, AppResult, Rejection};
use crate::policy::{self, Action};
use crate::visibility::public_selection;
use crate::{App, Caller};

/// Why a document could not be made or a workbook not imported.
#[derive(Debug, thiserror::Error)]
enum DocumentError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The workbook was refused: every problem with sheet, cell and reason; nothing imported.
    #[error("{0}")]
    Rejected(Rejected),
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error(transparent)]
    Version(#[from] UnknownVersion),
    #[error(transparent)]
    OpenData(#[from] OpenDataError),
    #[error("生成 Excel 文件失败：{0}")]
    Xlsx(String),
    /// Open data of a year that is not published.
    #[error("{0}")]
    NotPublished(Msg),
}

impl From<DocumentError> for AppError {
    fn from(e: DocumentError) -> AppError {
        match e {
            DocumentError::Store(s) => s.into(),
            DocumentError::Rejected(r) => AppError::Rejected(rejection(&r)),
            DocumentError::Template(t) => AppError::invalid(
                "unit",
                Msg::TemplateProblem {
                    detail: t.to_string(),
                },
            ),
            DocumentError::Version(v) => AppError::invalid(
                "catalogue_version",
                Msg::UnknownCatalogueVersion {
                    version: v.0,
                    available: String::new(),
                },
            ),
            DocumentError::NotPublished(m) => AppError::NotFound(m),
            DocumentError::Report(_) | DocumentError::OpenData(_) | DocumentError::Xlsx(_) => {
                AppError::internal(e)
            }
        }
    }
}

/// A refused workbook as the application's rejection: every cell located.
pub fn rejection(r: &Rejected) -> Rejection {
    Rejection {
        file: r.file.clone(),
        problems: r
            .errors
            .iter()
            .map(|e| format!("{}!{}：{}", e.sheet, e.cell, e.message))
            .collect(),
        details: serde_json::to_value(r).unwrap_or_default(),
        workbook: true,
        report: r.report(),
    }
}

/// Runs CPU work (evaluation, rendering) off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, DocumentError> + Send + 'static,
) -> Result<T, DocumentError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Io(format!("生成文件的任务异常终止：{e}")))?
}

/// A year's evaluation and the history behind it, from one snapshot of the values.
#[derive(Debug)]
pub struct YearData {
    pub inputs: EvaluationInputs,
    pub evaluation: Evaluation,
    pub history: History,
}

/// Loads and evaluates a year over the values `selection` keeps.
async fn year_data(
    store: &Store,
    year: i32,
    catalogue_version: Option<&str>,
    selection: &Selection,
) -> Result<YearData, DocumentError> {
    let inputs = store.evaluation_inputs(selection).await?;
    let version = catalogue_version.map(str::to_owned);
    blocking(move || {
        let evaluation = inputs.evaluate(year, version.as_deref())?;
        let history = History::from_values(&inputs.model.plan, &inputs.values);
        Ok(YearData {
            inputs,
            evaluation,
            history,
        })
    })
    .await
}

/// Task progress for the report: approved and submitted task updates (submitted ones marked
/// 待审核), with the names of their evidence files. Drafts and returned updates are not reported.
async fn task_progress(store: &Store, model: &Model) -> Result<Vec<TaskProgress>, StoreError> {
    let mut out = Vec::new();
    for u in store.task_updates(&TaskUpdateFilter::default()).await? {
        if !matches!(
            u.status,
            WorkflowStatus::Approved | WorkflowStatus::Submitted
        ) {
            continue;
        }
        let (Some(unit), Ok(period), Ok(task)) = (
            model.unit(&u.unit),
            u.period.parse::<Period>(),
            u32::try_from(u.task),
        ) else {
            continue;
        };
        let evidence = store
            .evidence_links(EvidenceTarget::TaskUpdate(u.id))
            .await?
            .into_iter()
            .map(|l| l.filename)
            .collect();
        let narrative = if u.status == WorkflowStatus::Submitted {
            format!("（待审核）{}", u.narrative)
        } else {
            u.narrative
        };
        out.push(TaskProgress {
            task,
            unit: unit.name.clone(),
            period,
            state: u.progress,
            percent: Some(u.percent as f64),
            narrative,
            evidence,
        });
    }
    Ok(out)
}

/// The default organisation on the report's cover.
pub fn default_organisation(plan: &ecociv_core::Plan) -> String {
    format!(
        "{}生态文明建设示范市创建工作领导小组办公室",
        plan.city_region().name
    )
}

/// The default publisher of open data.
pub fn default_publisher(model: &Model) -> String {
    format!("{}生态环境局", model.plan.city_region().name)
}

/// The self-assessment report as made.
#[derive(Debug, Clone)]
pub struct SelfAssessment {
    pub bytes: Vec<u8>,
    /// 「驻马店市国家生态文明建设示范市创建2025年度自评估报告」.
    pub title: String,
    /// Made from demo data (示例数据), which the cover says.
    pub demo: bool,
    pub tables: usize,
    pub figures: usize,
}

impl SelfAssessment {
    /// Lays the report out and renders it: the one way from report input to document, for the
    /// download and for `ecociv report`.
    pub fn make(input: &ReportInput<'_>, renderer: &PngRenderer) -> Result<Self, ReportError> {
        let outline = docx::outline(input)?;
        let bytes = docx::render(&outline, &input.meta, renderer)?;
        let (tables, figures) =
            outline
                .parts
                .iter()
                .flat_map(|p| &p.blocks)
                .fold((0, 0), |(t, f), b| match b {
                    docx::Block::Table(_) => (t + 1, f),
                    docx::Block::Figure(_) => (t, f + 1),
                    _ => (t, f),
                });
        Ok(SelfAssessment {
            bytes,
            title: outline.title,
            demo: outline.demo,
            tables,
            figures,
        })
    }
}

/// The annual self-assessment report (年度自评估报告) from the database.
/// The report rendered, or only laid out.
enum Made {
    Document(SelfAssessment),
    Outline(docx::Outline),
}

async fn self_assessment(
    store: &Store,
    selection: &Selection,
    year: i32,
    catalogue_version: Option<&str>,
    organisation: Option<String>,
    date: Date,
    renderer: Option<PngRenderer>,
) -> Result<Made, DocumentError> {
    // The head first: the data read after it holds at least the events up to it.
    let head = store.audit_head().await?;
    let data = year_data(store, year, catalogue_version, selection).await?;
    let progress = task_progress(store, &data.inputs.model).await?;
    blocking(move || {
        let model = &data.inputs.model;
        let input = ReportInput {
            plan: &model.plan,
            catalogue: &model.catalogue,
            evaluation: &data.evaluation,
            history: &data.history,
            progress: &progress,
            meta: ReportMeta {
                organisation: organisation.unwrap_or_else(|| default_organisation(&model.plan)),
                date,
                audit_head: Some(head.to_string()),
            },
        };
        Ok(match &renderer {
            Some(r) => Made::Document(SelfAssessment::make(&input, r)?),
            None => Made::Outline(docx::outline(&input)?),
        })
    })
    .await
}

/// The completion table as made.
#[derive(Debug, Clone)]
pub struct Completion {
    pub bytes: Vec<u8>,
    pub title: String,
    pub rows: usize,
    pub demo: bool,
}

/// The indicator completion table (指标完成情况表) from the database.
async fn completion(
    store: &Store,
    selection: &Selection,
    year: i32,
    catalogue_version: Option<&str>,
    date: Date,
) -> Result<Completion, DocumentError> {
    let data = year_data(store, year, catalogue_version, selection).await?;
    blocking(move || {
        let model = &data.inputs.model;
        let table = completion::completion_table(&model.plan, &model.catalogue, &data.evaluation)?;
        let bytes = ecociv_report::xlsx_completion::write(&table, date)
            .map_err(|e| DocumentError::Xlsx(e.to_string()))?;
        Ok(Completion {
            bytes,
            title: table.title,
            rows: table.rows.len(),
            demo: table.demo,
        })
    })
    .await
}

/// The open data package of a published year: what the public may see, nothing else.
async fn open_data(
    store: &Store,
    years: &[i32],
    year: i32,
    publisher: Option<String>,
    date: Date,
) -> Result<Vec<OpenDataFile>, DocumentError> {
    if !years.contains(&year) {
        return Err(DocumentError::NotPublished(Msg::NotPublished {
            year,
            range: years.first().copied().zip(years.last().copied()),
        }));
    }
    let data = year_data(store, year, None, &public_selection()).await?;
    let published: BTreeSet<String> = data.inputs.publication.indicators.clone();
    blocking(move || {
        let model = &data.inputs.model;
        Ok(open_data::package(&OpenDataRequest {
            plan: &model.plan,
            catalogue: &model.catalogue,
            evaluation: &data.evaluation,
            history: &data.history,
            only: Some(&published),
            publisher: publisher.unwrap_or_else(|| default_publisher(model)),
            license: License::cc_by_4(),
            date,
        })?)
    })
    .await
}

/// The reporting template of a unit or county for a period, from the active plan, with last
/// period's approved values as 上期值.
async fn template(
    store: &Store,
    reporter: Reporter,
    period: Period,
    date: Date,
) -> Result<Template, DocumentError> {
    let model = store.current_model().await?;
    ecociv_store::period::check_period(&model.plan, "period", &period.to_string())?;
    let approved = store
        .values(&ValueFilter {
            period: Some(previous_period(period).to_string()),
            status: Some(WorkflowStatus::Approved),
            ..ValueFilter::default()
        })
        .await?;
    let previous: BTreeMap<(String, String), f64> = approved
        .iter()
        .filter_map(|v| Some(((v.indicator.clone(), v.region.clone()), v.number()?)))
        .collect();
    Ok(xlsx_template::generate(&TemplateRequest {
        plan: &model.plan,
        catalogue_version: model.catalogue.version(&model.catalogue_version),
        reporter,
        period,
        previous: &previous,
        date,
    })?)
}

/// An A1 reference of a column (< 26) and 0-based row.
fn cell_ref(row: u32, col: u16) -> String {
    format!("{}{}", char::from(b'A' + col as u8), row + 1)
}

/// Converts a checked workbook into the store's rows.
///
/// The store keeps a task update's share done as a whole percentage, always: a row without one
/// is taken as 0 % when 未启动 and 100 % when 已完成, and refused at its cell when 推进中 or 滞后
/// (a guess would put a number into the report that nobody reported). Evidence named in the
/// template is kept at the end of the narrative (「佐证材料：…」); files are attached separately.
/// A fractional percentage is rounded, with a notice.
fn workbook_rows(
    batch: &ImportBatch,
    plan: &Plan,
) -> Result<(WorkbookImport, Vec<CellError>), Rejected> {
    let mut errors = Vec::new();
    let mut notices = Vec::new();
    let values = batch
        .values
        .iter()
        .map(|v| WorkbookValue {
            indicator: v.indicator.clone(),
            region: v.region.clone(),
            period: v.period.to_string(),
            value: v.value,
            comment: v.comment.clone().unwrap_or_default(),
            sheet: SHEET_INDICATORS.to_owned(),
            cell: v.cell.clone(),
        })
        .collect();
    let mut tasks = Vec::new();
    for t in &batch.tasks {
        let row = FIRST_DATA_ROW
            + batch
                .layout
                .tasks
                .iter()
                .position(|l| l.task == t.task)
                .unwrap_or(0) as u32;
        let located = |col: u16, code: &'static str, message: String| CellError {
            sheet: SHEET_TASKS.to_owned(),
            cell: cell_ref(row, col),
            code,
            message,
        };
        let Some(unit) = plan.units.iter().find(|u| u.name == t.unit) else {
            errors.push(located(
                task_col::NUMBER,
                "unknown_unit",
                format!("单位“{}”不在实施方案中", t.unit),
            ));
            continue;
        };
        let percent = match (t.percent, t.state) {
            (Some(p), _) => {
                let whole = p.round();
                if whole != p {
                    notices.push(located(
                        task_col::PERCENT,
                        "percent_rounded",
                        format!(
                            "任务{}的完成比例{}%按整数{}%记录",
                            t.task,
                            ecociv_core::explain::num(p),
                            whole
                        ),
                    ));
                }
                whole as i64
            }
            (None, TaskState::NotStarted) => 0,
            (None, TaskState::Completed) => 100,
            (None, state) => {
                errors.push(located(
                    task_col::PERCENT,
                    "missing_percent",
                    format!(
                        "任务{}的进展状态为“{}”，请填写完成比例（0–100）",
                        t.task,
                        state.name_zh()
                    ),
                ));
                continue;
            }
        };
        let mut narrative = t.narrative.clone();
        if !t.evidence.is_empty() {
            if !narrative.is_empty() {
                narrative.push('\n');
            }
            narrative.push_str(&format!("佐证材料：{}", t.evidence.join("；")));
        }
        tasks.push(WorkbookTask {
            task: i64::from(t.task),
            unit: unit.code.clone(),
            period: t.period.to_string(),
            progress: t.state,
            percent,
            narrative,
            sheet: SHEET_TASKS.to_owned(),
            cell: cell_ref(row, task_col::STATE),
        });
    }
    if !errors.is_empty() {
        return Err(Rejected {
            file: batch.file.clone(),
            errors,
        });
    }
    Ok((
        WorkbookImport {
            file: batch.file.clone(),
            reporter: batch.layout.reporter_name.clone(),
            period: batch.layout.period.to_string(),
            values,
            tasks,
        },
        notices,
    ))
}

/// What an accepted workbook did and what it left out.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Imported {
    #[serde(flatten)]
    pub summary: WorkbookSummary,
    /// Values and task rows written.
    pub values: usize,
    pub tasks: usize,
    /// Owed but left empty in this file (not written; a later upload may fill them).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub blank: Vec<Blank>,
    /// Things done to cells worth telling (a 95% cell read as 95, a rounded percentage).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub notices: Vec<CellError>,
}

/// What an upload expects the workbook to be: a period, for the command line also a reporter.
pub use ecociv_report::xlsx_import::Expect;

/// Checks a workbook cell by cell and converts it, without writing anything (`--check`).
pub fn check_workbook(
    bytes: &[u8],
    file: &str,
    plan: &Plan,
    catalogue: &Catalogue,
    expect: &Expect,
) -> Result<(ImportBatch, WorkbookImport, Vec<CellError>), Rejected> {
    let batch = xlsx_import::read(bytes, file, plan, catalogue, expect)?;
    let (rows, mut notices) = workbook_rows(&batch, plan)?;
    let mut all = batch.notices.clone();
    all.append(&mut notices);
    Ok((batch, rows, all))
}

/// Checks a workbook and writes it into the workflow, all or nothing.
async fn import_workbook(
    store: &Store,
    actor: &ecociv_store::Actor,
    bytes: &[u8],
    file: &str,
    expect: &Expect,
    opts: &WorkbookOptions,
) -> Result<Imported, DocumentError> {
    let model = store.current_model().await?;
    let (batch, rows, notices) = check_workbook(bytes, file, &model.plan, &model.catalogue, expect)
        .map_err(DocumentError::Rejected)?;
    match store.import_workbook(actor, &rows, opts).await {
        Ok(summary) => Ok(Imported {
            summary,
            values: rows.values.len(),
            tasks: rows.tasks.len(),
            blank: batch.blank,
            notices,
        }),
        Err(StoreError::Workbook(report)) => Err(DocumentError::Rejected(Rejected {
            file: report.file,
            errors: report
                .errors
                .into_iter()
                .map(|e| CellError {
                    sheet: e.sheet,
                    cell: e.cell,
                    code: e.code,
                    message: e.message,
                })
                .collect(),
        })),
        Err(e) => Err(e.into()),
    }
}

/// Whose Excel template a caller may download or upload. A reporter bound to a unit or county
/// gets its own (asking for another is refused); a citywide user (the coordinator, the operator)
/// gets the one it names by unit or region code, or `None` when it names none (any, on upload).
fn workbook_reporter(
    caller: &Caller,
    model: &Model,
    unit: Option<&str>,
    region: Option<&str>,
) -> AppResult<Option<Reporter>> {
    let unit = unit.map(str::trim).filter(|s| !s.is_empty());
    let region = region.map(str::trim).filter(|s| !s.is_empty());
    let who = caller
        .user()
        .map(|u| u.display_name.clone())
        .unwrap_or_default();
    let refuse = |asked: &str| {
        AppError::Forbidden(Msg::TemplateOfOtherReporter {
            who: who.clone(),
            asked: asked.to_owned(),
        })
    };
    let (own_unit, own_region) = match caller.user() {
        Some(u) => (u.unit.clone(), u.region.clone()),
        None => (None, None),
    };
    match (own_unit, own_region) {
        (Some(own), _) => {
            let Some(u) = model.unit(&own) else {
                return Err(refuse(&own));
            };
            if let Some(asked) = unit.filter(|a| *a != own.as_str()).or(region) {
                return Err(refuse(asked));
            }
            Ok(Some(Reporter::Unit(u.name.clone())))
        }
        (None, Some(own)) => {
            let same = |asked: &str| {
                model
                    .plan
                    .find_region(asked)
                    .is_some_and(|i| model.plan.regions[i].code == own)
            };
            if let Some(asked) = unit.or(region.filter(|r| !same(r))) {
                return Err(refuse(asked));
            }
            Ok(Some(Reporter::Region(own)))
        }
        (None, None) => match (unit, region) {
            (Some(code), _) => {
                let u = model.unit(code).ok_or_else(|| {
                    AppError::invalid(
                        "unit",
                        Msg::UnknownUnit {
                            code: code.to_owned(),
                        },
                    )
                })?;
                Ok(Some(Reporter::Unit(u.name.clone())))
            }
            (None, Some(r)) => Ok(Some(Reporter::Region(r.to_owned()))),
            (None, None) => Ok(None),
        },
    }
}

/// A period from its text, or the refusal naming the field.
pub fn parse_period(text: &str) -> AppResult<Period> {
    text.trim()
        .parse()
        .map_err(|e: ecociv_core::period::PeriodError| {
            AppError::invalid(
                "period",
                Msg::InvalidPeriod {
                    text: text.to_owned(),
                    reason: e.to_string(),
                },
            )
        })
}

impl App {
    /// The Excel reporting template of the caller's unit or county (a citywide caller names one)
    /// for a period, with last period's approved values.
    pub async fn template(
        &self,
        caller: &Caller,
        period: Period,
        unit: Option<&str>,
        region: Option<&str>,
        date: Date,
    ) -> AppResult<Template> {
        policy::require(caller, Action::UseTemplates)?;
        let model = self.model().await?;
        let reporter = workbook_reporter(caller, &model, unit, region)?
            .ok_or_else(|| AppError::invalid("unit", Msg::NameUnitOrRegion))?;
        Ok(template(self.store(), reporter, period, date).await?)
    }

    /// A filled template into the workflow (drafts, or submitted), all cells or none. A bound
    /// reporter may upload only its own template and only values it reports.
    pub async fn import_workbook(
        &self,
        caller: &Caller,
        file: &str,
        bytes: &[u8],
        expect: Expect,
        submit: bool,
    ) -> AppResult<Imported> {
        policy::require(caller, Action::UseTemplates)?;
        let ctx = self.ctx(caller).await?;
        // A bound reporter's own template, whatever it names; others get what they expect.
        let expect = match workbook_reporter(caller, &ctx.model, None, None)? {
            Some(own) => Expect {
                reporter: Some(own),
                ..expect
            },
            None => expect,
        };
        let scope = ctx.scope.clone();
        let unit_caller = caller.clone();
        let opts = WorkbookOptions {
            submit,
            values: Box::new(move |ind, reg| scope.reports(ind, reg)),
            units: Box::new(move |unit| policy::covers_unit(&unit_caller, unit)),
        };
        let file = crate::evidence::clean_file_name(file, "上传的填报模板.xlsx");
        Ok(import_workbook(self.store(), &caller.actor(), bytes, &file, &expect, &opts).await?)
    }

    /// The annual self-assessment report (.docx) of a year.
    pub async fn self_assessment(
        &self,
        caller: &Caller,
        year: i32,
        catalogue_version: Option<&str>,
        organisation: Option<String>,
        date: Date,
        renderer: PngRenderer,
    ) -> AppResult<SelfAssessment> {
        policy::require(caller, Action::ReadReports)?;
        let selection = self.selection_for(caller).await?;
        match self_assessment(
            self.store(),
            &selection,
            year,
            catalogue_version,
            organisation,
            date,
            Some(renderer),
        )
        .await?
        {
            Made::Document(d) => Ok(d),
            Made::Outline(_) => Err(AppError::internal("the report was not rendered")),
        }
    }

    /// The self-assessment report's content before layout (headings, paragraphs, tables with
    /// their status cells, figures): what the Word document says, as data.
    pub async fn report_outline(
        &self,
        caller: &Caller,
        year: i32,
        catalogue_version: Option<&str>,
        date: Date,
    ) -> AppResult<docx::Outline> {
        policy::require(caller, Action::ReadReports)?;
        let selection = self.selection_for(caller).await?;
        match self_assessment(
            self.store(),
            &selection,
            year,
            catalogue_version,
            None,
            date,
            None,
        )
        .await?
        {
            Made::Outline(o) => Ok(o),
            Made::Document(_) => Err(AppError::internal("the report was rendered, not laid out")),
        }
    }

    /// The indicator completion table (.xlsx) of a year.
    pub async fn completion(
        &self,
        caller: &Caller,
        year: i32,
        catalogue_version: Option<&str>,
        date: Date,
    ) -> AppResult<Completion> {
        policy::require(caller, Action::ReadReports)?;
        let selection = self.selection_for(caller).await?;
        Ok(completion(self.store(), &selection, year, catalogue_version, date).await?)
    }

    /// The open data package of a published year; anyone may have it.
    pub async fn open_data(
        &self,
        year: i32,
        publisher: Option<String>,
        date: Date,
    ) -> AppResult<Vec<OpenDataFile>> {
        let years = self.published_years().await?;
        Ok(open_data(self.store(), &years, year, publisher, date).await?)
    }
}

/// Today's date as documents print it (the server's local date).
pub fn today() -> Date {
    use chrono::Datelike;
    let d = chrono::Local::now().date_naive();
    Date::new(d.year(), d.month() as u8, d.day() as u8).unwrap_or(Date {
        year: d.year(),
        month: 1,
        day: 1,
    })
}

#[cfg(test)]
mod tests {
    use ecociv_store::testing::TestDb;

    use super::*;

    /// The Word report prints the audit chain head it was made at, on its cover.
    async fn the_report_prints_the_audit_head(db: &TestDb) {
        let app = App::new(db.store.clone());
        let head = db.store.audit_head().await.unwrap();
        let outline = app
            .report_outline(
                &Caller::operator("test"),
                2024,
                None,
                Date::new(2026, 1, 15).unwrap(),
            )
            .await
            .unwrap();
        let cover = outline.parts.iter().find(|p| p.name == "cover").unwrap();
        let printed = cover.blocks.iter().any(|b| {
            matches!(b, docx::Block::Paragraph { text, .. } if text.contains(&format!("审计链头 {head}")))
        });
        assert!(printed, "{:?}", cover.blocks);
    }

    ecociv_store::both_backends! {
        report_prints_the_audit_head => the_report_prints_the_audit_head;
    }
}
