//! Writing a filled reporting workbook (填报模板) into the workflow: its indicator values as drafts
//! or submissions, its task progress rows as task updates, all in one write transaction.
//!
//! The workbook itself is read and checked cell by cell by ecociv-report (`xlsx_import::read`);
//! the caller converts the result into a [`WorkbookImport`], whose rows still carry their sheet
//! and cell. This module applies the rules every single write obeys (codes and ranges against
//! the active plan, the caller's scope, closed periods, locked approvals, values waiting for
//! review, versions) and names the cell of every row it refuses. All or nothing: one refused row
//! and nothing is written, no audit event, no generation bump.
//!
//! As for CSV imports (`import.rs`), the values are planned before the write lock is taken and
//! written with multi-row statements; the task rows (at most one per task and unit of the plan)
//! are written one by one.
//!
//! Keeping the store independent of the report crate is deliberate: the store stays free of
//! spreadsheet and document dependencies, and these plain rows are easy to build in tests.

use crate::import::{self, Scope, ValueRow};
use crate::task::{self, TaskState, TaskUpdateInput};
use crate::value::{Provenance, WorkflowStatus, check_input};
use crate::{Actor, Result, Store, StoreError};

/// The rows of a checked workbook.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkbookImport {
    /// The file name as uploaded; part of every value's provenance.
    pub file: String,
    /// Who the workbook is for, as people read it (市水利局, 汝南县): into the audit event.
    pub reporter: String,
    /// The reporting period of the workbook (`2025`, `2025Q3`).
    pub period: String,
    pub values: Vec<WorkbookValue>,
    pub tasks: Vec<WorkbookTask>,
}

/// One indicator value of a workbook.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkbookValue {
    /// Indicator code.
    pub indicator: String,
    /// Region code.
    pub region: String,
    pub period: String,
    /// yes/no indicators: 1 (是) or 0 (否).
    pub value: f64,
    /// 数据来源及说明, empty when not given.
    pub comment: String,
    pub sheet: String,
    /// The value's cell, e.g. `G7`.
    pub cell: String,
}

/// One task progress row of a workbook.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkbookTask {
    pub task: i64,
    /// Unit code.
    pub unit: String,
    pub period: String,
    pub progress: TaskState,
    /// 0–100.
    pub percent: i64,
    pub narrative: String,
    pub sheet: String,
    /// The row's state cell, e.g. `F5`.
    pub cell: String,
}

/// How to write a workbook.
pub struct WorkbookOptions {
    /// Submit every row for review at once instead of leaving drafts.
    pub submit: bool,
    /// Whether this actor may write values of (indicator code, region code).
    pub values: Box<Scope>,
    /// Whether this actor may report progress for a unit (code).
    pub units: Box<dyn Fn(&str) -> bool + Send + Sync>,
}

impl std::fmt::Debug for WorkbookOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkbookOptions")
            .field("submit", &self.submit)
            .finish_non_exhaustive()
    }
}

impl WorkbookOptions {
    /// Drafts, no scope restriction (the command line, a coordinator).
    pub fn unrestricted() -> WorkbookOptions {
        WorkbookOptions {
            submit: false,
            values: Box::new(|_, _| true),
            units: Box::new(|_| true),
        }
    }
}

/// One refused row, located.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkbookError {
    pub sheet: String,
    pub cell: String,
    /// `forbidden` (outside the caller's scope), `invalid` (against the plan), `workflow`
    /// (closed period, locked approval, waiting for review), `conflict`.
    pub code: &'static str,
    /// The reason in Chinese, naming the indicator and region or the task.
    pub message: String,
}

impl std::fmt::Display for WorkbookError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "工作表“{}” {}：{}", self.sheet, self.cell, self.message)
    }
}

/// A refused workbook: every refused row; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkbookReport {
    pub file: String,
    pub errors: Vec<WorkbookError>,
}

/// What an accepted workbook did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkbookSummary {
    pub file: String,
    pub reporter: String,
    pub period: String,
    /// `draft` or `submitted`: the state every written row is in.
    pub status: WorkflowStatus,
    pub values_created: usize,
    pub values_updated: usize,
    pub tasks_created: usize,
    pub tasks_updated: usize,
}

fn code_of(e: &StoreError) -> &'static str {
    match e {
        StoreError::State(_) => "workflow",
        StoreError::Conflict { .. } => "conflict",
        StoreError::NotFound { .. } => "not_found",
        _ => "invalid",
    }
}

impl Store {
    /// Writes a workbook's values and task progress in one transaction, all rows or none, with
    /// one audit event per row plus one for the import. Values keep their comment, and
    /// 「file sheet!cell」 as provenance.
    pub async fn import_workbook(
        &self,
        actor: &Actor,
        book: &WorkbookImport,
        opts: &WorkbookOptions,
    ) -> Result<WorkbookSummary> {
        let model = self.current_model().await?;
        let plan = &model.plan;
        let mut errors: Vec<WorkbookError> = Vec::new();
        let located =
            |sheet: &str, cell: &str, code: &'static str, message: String| WorkbookError {
                sheet: sheet.to_owned(),
                cell: cell.to_owned(),
                code,
                message,
            };

        // Against the plan and the caller's scope, before anything is written.
        let mut values = Vec::with_capacity(book.values.len());
        for v in &book.values {
            let what = value_name(plan, &v.indicator, &v.region);
            let text = crate::value::format_number(v.value);
            match check_input(plan, &v.indicator, &v.region, &v.period, &text) {
                Ok(c) if !(opts.values)(&c.indicator, &c.region) => errors.push(located(
                    &v.sheet,
                    &v.cell,
                    "forbidden",
                    format!("{what}不在本单位（地区）的填报范围内"),
                )),
                Ok(c) => values.push((v, c)),
                Err(e) => errors.push(located(
                    &v.sheet,
                    &v.cell,
                    code_of(&e),
                    format!("{what}：{e}"),
                )),
            }
        }
        let mut tasks = Vec::with_capacity(book.tasks.len());
        for t in &book.tasks {
            let input = TaskUpdateInput {
                task: t.task,
                unit: t.unit.clone(),
                period: t.period.clone(),
                progress: t.progress,
                percent: t.percent,
                narrative: t.narrative.clone(),
            };
            match task::check_task_input(&model, &input) {
                Ok(_) if !(opts.units)(&t.unit) => errors.push(located(
                    &t.sheet,
                    &t.cell,
                    "forbidden",
                    format!("任务{}：单位“{}”的任务不在本单位范围内", t.task, t.unit),
                )),
                Ok(period) => tasks.push((t, input, period)),
                Err(e) => errors.push(located(
                    &t.sheet,
                    &t.cell,
                    code_of(&e),
                    format!("任务{}：{e}", t.task),
                )),
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Workbook(WorkbookReport {
                file: book.file.clone(),
                errors,
            }));
        }

        // The workflow rules of the values (closed periods, locked approvals, values in review),
        // planned on a snapshot before the write lock is taken, and again under it only when
        // something was written in between.
        let status = if opts.submit {
            WorkflowStatus::Submitted
        } else {
            WorkflowStatus::Draft
        };
        let rows: Vec<ValueRow> = values
            .iter()
            .map(|(v, c)| ValueRow {
                checked: c.clone(),
                comment: v.comment.trim().to_owned(),
                detail: format!("{} {}!{}", book.file, v.sheet, v.cell),
            })
            .collect();
        let rows: Vec<&ValueRow> = rows.iter().collect();
        let (generation, held) = self.holdings_now(&rows).await?;
        let planned = import::plan(&rows, &held);
        let mut w = self.begin_write().await?;
        let planned = if w.prior_generation == generation {
            planned
        } else {
            import::plan(
                &rows,
                &import::read_holdings(&mut w.tx, w.backend, &rows).await?,
            )
        };
        let (mut values_created, mut values_updated) = (0, 0);
        match planned {
            Ok(steps) => {
                (values_created, values_updated) =
                    import::write_values(&mut w, actor, &rows, steps, Provenance::Import, status)
                        .await?;
            }
            Err(refused) => {
                for (i, e) in refused {
                    let (v, c) = &values[i];
                    errors.push(located(
                        &v.sheet,
                        &v.cell,
                        code_of(&e),
                        format!("{}：{e}", value_name(plan, &c.indicator, &c.region)),
                    ));
                }
            }
        }
        // The task rows, one by one inside the transaction; a client error is a refused row.
        let (mut tasks_created, mut tasks_updated) = (0, 0);
        for (t, input, period) in &tasks {
            let expected =
                task::current_version(&mut w.tx, input.task, &input.unit, &input.period).await?;
            match task::save_task_in(&mut w, actor, input, *period, expected, status).await {
                Ok(_) if expected.is_some() => tasks_updated += 1,
                Ok(_) => tasks_created += 1,
                Err(e) if e.is_client_error() => errors.push(located(
                    &t.sheet,
                    &t.cell,
                    code_of(&e),
                    format!("任务{}：{e}", t.task),
                )),
                Err(e) => return Err(e),
            }
        }
        if !errors.is_empty() {
            // Dropping the transaction rolls back every row already written.
            drop(w);
            return Err(StoreError::Workbook(WorkbookReport {
                file: book.file.clone(),
                errors,
            }));
        }
        let summary = WorkbookSummary {
            file: book.file.clone(),
            reporter: book.reporter.clone(),
            period: book.period.clone(),
            status,
            values_created,
            values_updated,
            tasks_created,
            tasks_updated,
        };
        w.audit(
            actor,
            "import.workbook",
            &format!("import:{}", book.file),
            None,
            Some(&serde_json::to_value(&summary).unwrap_or_default()),
        )
        .await?;
        w.commit().await?;
        Ok(summary)
    }
}

/// 「“城镇污水处理率”（驻马店市）」, or the codes when the plan does not know them.
fn value_name(plan: &ecociv_core::Plan, indicator: &str, region: &str) -> String {
    let ind = plan
        .find_indicator(indicator)
        .map_or(indicator, |i| plan.indicators[i].name.as_str());
    let reg = plan
        .find_region(region)
        .map_or(region, |i| plan.regions[i].name.as_str());
    format!("“{ind}”（{reg}）")
}
