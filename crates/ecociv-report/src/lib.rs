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
//! | [`xlsx_completion`] | the indicator completion table (指标完成情况表) |
//! | [`docx`] | the annual self-assessment report |
//! | [`open_data`] | CSV, JSON and a Frictionless `datapackage.json` of published values |

pub mod chart;
pub mod date;
mod excel;
pub mod history;
pub mod progress;
pub mod xlsx_import;
pub mod xlsx_template;

pub use date::Date;
pub use history::{History, HistoryPoint};
pub use progress::{TaskProgress, TaskState};
