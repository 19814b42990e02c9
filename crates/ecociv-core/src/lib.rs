//! The domain core of ecociv: the plan, the national indicator catalogue, thresholds,
//! evaluation, forecasts and explanations.
//!
//! Everything here is a pure function of its inputs. This crate does no IO beyond parsing strings
//! it is given, reads no clock or environment, and knows nothing of SQL, HTTP or async. That is
//! what lets the same evaluation run in the CLI, behind the web service, inside reports and in
//! snapshot tests, and give the same answer everywhere.
//!
//! Data flow: a plan TOML and the catalogue TOML files are loaded and validated ([`Plan::load`],
//! [`Catalogue::load`]) into domain types; values and assigned targets come from CSV
//! ([`observation`]) or from the store; [`evaluate::evaluate`] turns them into statuses with
//! forecasts and explanations.

pub mod area;
pub mod builtin;
pub mod calendar;
pub mod catalogue;
pub mod csv_cell;
pub mod date;
pub mod demo;
pub mod diag;
pub mod evaluate;
pub mod explain;
pub mod findings;
pub mod forecast;
pub mod indicator;
pub mod measure;
pub mod obligation;
pub mod observation;
pub mod period;
pub mod plan;
pub mod progress;
pub mod region;
pub mod scale;
pub mod threshold;

pub use area::Area;
pub use calendar::Calendar;
pub use catalogue::{Catalogue, CatalogueVersion, Confidence, NationalRow};
pub use date::Date;
pub use diag::{Diagnostic, Diagnostics};
pub use evaluate::{Evaluation, IndicatorResult, Status, evaluate};
pub use indicator::{Direction, Indicator, ValueKind};
pub use measure::MeasureUnit;
pub use observation::{AssignedSet, AssignedTarget, Observation, ValueSet, ValueState};
pub use period::Period;
pub use plan::{Plan, Responsibility, Target, Task};
pub use progress::TaskState;
pub use region::Region;
pub use threshold::Threshold;
