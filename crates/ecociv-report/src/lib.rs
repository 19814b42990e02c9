//! Reports for ecociv: Excel templates in and out, the indicator completion table, the Word
//! self-assessment report (年度自评估报告), open data and the charts they share with the web UI.
//!
//! This crate is given data and returns bytes. It never opens a database, reads no clock and
//! no environment: the caller passes the plan, the evaluation, the history of values, task
//! progress and the date to print. That keeps every output reproducible (the same inputs give
//! the same workbook and document) and lets the CLI, the web service and tests share one code
//! path. The one exception is [`chart::PngRenderer::from_font_dir`], which reads font files from
//! the directory it is given, because a chart rasterised without a CJK font loses its labels.
//!
//! | module | produces / consumes |
//! |---|---|
//! | [`chart`] | SVG charts (history, status by area) and their PNG rendering |
//! | [`xlsx_template`] | the reporting template (.xlsx) a department or county fills in |
//! | [`xlsx_import`] | validates a filled template cell by cell: rows to import, or every error |
//! | [`completion`], [`xlsx_completion`] | the indicator completion table (指标完成情况表) and its workbook |
//! | [`docx`] | the annual self-assessment report (`ReportInput` → outline → .docx) |
//! | [`open_data`] | CSV, JSON and a Frictionless `datapackage.json` of published values |
//! | [`history`], [`progress`], [`date`] | the plain inputs: values by year, task progress, a date |

pub mod chart;
pub mod completion;
pub mod date;
pub mod docx;
mod docx_parts;
mod excel;
pub mod history;
pub mod open_data;
pub mod progress;
pub mod xlsx_completion;
pub mod xlsx_import;
pub mod xlsx_template;

pub use date::Date;
pub use history::{History, HistoryPoint};
pub use progress::{TaskProgress, TaskState};
