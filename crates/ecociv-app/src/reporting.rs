//! Reporting: whom a caller reports for and what it owes with the state of each item, who is
//! late (the reporting calendar of ecociv-core), the review inbox, and the task board.

use std::collections::{HashMap, HashSet};

use ecociv_core::calendar::{self, Missing, ProgressReport, Reporter, TaskLate};
use ecociv_core::obligation::{IndicatorDue, TaskDue};
use ecociv_core::{Period, Plan, Task};
use ecociv_i18n::Msg;
use ecociv_report::xlsx_template::previous_period;
use ecociv_store::{DataValue, Model, TaskUpdate, TaskUpdateFilter, ValueFilter, WorkflowStatus};

use crate::error::{AppError, AppResult};
use crate::policy::{self, Action, is_citywide};
use crate::{App, Caller, TaskQuery};

/// How a reporter stands to an owed value.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "share", rename_all = "snake_case")]
pub enum Share {
    /// It reports the value (and its reviewers approve it).
    Reports,
    /// It takes part while `lead` reports it: it sees the value and may comment.
    TakesPart { lead: String },
}

/// An owed value and where it stands.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OwedValue {
    #[serde(flatten)]
    pub due: IndicatorDue,
    #[serde(flatten)]
    pub share: Share,
    /// The approved value in force.
    pub approved: Option<DataValue>,
    /// The draft, submitted or returned value in work.
    pub work: Option<DataValue>,
    /// The previous period's approved value, for comparison (上期值).
    pub previous: Option<DataValue>,
}

impl OwedValue {
    /// The state shown for the item: the work's, else approved, else nothing yet.
    pub fn status(&self) -> Option<WorkflowStatus> {
        self.work
            .as_ref()
            .map(|w| w.status)
            .or(self.approved.as_ref().map(|a| a.status))
    }
}

/// An owed task and its update for the period.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OwedTask {
    #[serde(flatten)]
    pub due: TaskDue,
    pub update: Option<TaskUpdate>,
}

/// What a reporter owes for a period.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Owed {
    pub period: String,
    pub reporter: Reporter,
    pub values: Vec<OwedValue>,
    pub tasks: Vec<OwedTask>,
}

/// The review inbox's value, with the previous period's approved value.
#[derive(Debug, Clone)]
pub struct InboxValue {
    pub value: DataValue,
    pub previous: Option<DataValue>,
}

/// Submitted values per page of the review inbox.
pub const INBOX_PAGE: usize = 100;

/// What awaits the caller's review.
#[derive(Debug, Clone, Default)]
pub struct Inbox {
    /// At most [`INBOX_PAGE`] values.
    pub values: Vec<InboxValue>,
    /// Where the next page of values starts, when there are more.
    pub next_cursor: Option<i64>,
    pub tasks: Vec<TaskUpdate>,
}

/// A task with its latest visible update and why it is late.
#[derive(Debug, Clone)]
pub struct TaskBoardRow {
    pub number: u32,
    pub latest: Option<TaskUpdate>,
    pub late: Vec<TaskLate>,
}

/// The key tasks for a year.
#[derive(Debug, Clone)]
pub struct TaskBoard {
    pub year: i32,
    pub rows: Vec<TaskBoardRow>,
}

/// The reporter a unit or region code names.
fn reporter_of(
    model: &Model,
    unit: Option<&str>,
    region: Option<&str>,
) -> AppResult<Option<Reporter>> {
    if let Some(code) = unit {
        let u = model.unit(code).ok_or_else(|| {
            AppError::invalid(
                "unit",
                Msg::UnknownUnit {
                    code: code.to_owned(),
                },
            )
        })?;
        return Ok(Some(Reporter::Unit {
            code: u.code.clone(),
            name: u.name.clone(),
        }));
    }
    if let Some(code) = region {
        let r = model.plan.region(code).ok_or_else(|| {
            AppError::invalid(
                "region",
                Msg::UnknownRegionCode {
                    code: code.to_owned(),
                },
            )
        })?;
        return Ok(Some(Reporter::Region {
            code: r.code.clone(),
            name: r.name.clone(),
        }));
    }
    Ok(None)
}

impl App {
    /// Whom the caller reports for: a bound user its own unit or county; a city-wide user the
    /// unit or region it names (or none).
    pub async fn reporter_for(
        &self,
        caller: &Caller,
        unit: Option<&str>,
        region: Option<&str>,
    ) -> AppResult<Option<Reporter>> {
        policy::require(caller, Action::ReadInternal)?;
        let model = self.model().await?;
        match caller.user() {
            Some(u) if !is_citywide(u) => {
                reporter_of(&model, u.unit.as_deref(), u.region.as_deref())
            }
            _ => reporter_of(&model, unit, region),
        }
    }

    /// What `reporter` owes for `period` (a year, quarter or month), each item with its state.
    pub async fn owed(
        &self,
        caller: &Caller,
        period: &str,
        reporter: &Reporter,
    ) -> AppResult<Owed> {
        policy::require(caller, Action::ReadInternal)?;
        let ctx = self.ctx(caller).await?;
        let model = &ctx.model;
        let p: Period = ecociv_store::period::check_period(&model.plan, "period", period)?;
        let period = p.to_string();
        let version = model.catalogue.version(&model.catalogue_version);
        let owes = reporter.owes(&model.plan, version);
        // A county owes values of its own region only: read that region's, not the province's.
        let region = match &reporter {
            Reporter::Region { code, .. } => Some(code.clone()),
            Reporter::Unit { .. } => None,
        };
        let rows = self
            .store()
            .values(&ValueFilter {
                period: Some(period.clone()),
                region: region.clone(),
                ..ValueFilter::default()
            })
            .await?;
        let previous = self
            .store()
            .values(&ValueFilter {
                period: Some(previous_period(p).to_string()),
                region,
                status: Some(WorkflowStatus::Approved),
                ..ValueFilter::default()
            })
            .await?;
        let values = owes
            .indicators
            .into_iter()
            .map(|due| {
                let mine = |v: &&DataValue| {
                    v.indicator == due.indicator && v.region == due.region && v.is_live()
                };
                let share = match reporter {
                    Reporter::Unit { name, .. }
                        if !ctx.owners.reports(name, &due.indicator, &due.region) =>
                    {
                        Share::TakesPart {
                            lead: ctx
                                .owners
                                .owners(&due.indicator, &due.region)
                                .map(|o| o.reporters.join("、"))
                                .unwrap_or_default(),
                        }
                    }
                    _ => Share::Reports,
                };
                OwedValue {
                    approved: rows
                        .iter()
                        .filter(mine)
                        .find(|v| v.status == WorkflowStatus::Approved)
                        .cloned(),
                    work: rows
                        .iter()
                        .filter(mine)
                        .find(|v| v.status != WorkflowStatus::Approved)
                        .filter(|v| ctx.scope.can_see(v))
                        .cloned(),
                    previous: previous.iter().rfind(mine).cloned(),
                    share,
                    due,
                }
            })
            .collect();
        let tasks = match reporter {
            Reporter::Unit { code, .. } => {
                let updates = self
                    .store()
                    .task_updates(&TaskUpdateFilter {
                        unit: Some(code.clone()),
                        period: Some(period.clone()),
                        ..TaskUpdateFilter::default()
                    })
                    .await?;
                owes.tasks
                    .into_iter()
                    .map(|due| OwedTask {
                        update: updates
                            .iter()
                            .filter(|u| u.task == i64::from(due.task))
                            .filter(|u| policy::can_see_task_update(caller, u))
                            .max_by_key(|u| u.id)
                            .cloned(),
                        due,
                    })
                    .collect()
            }
            Reporter::Region { .. } => Vec::new(),
        };
        Ok(Owed {
            period,
            reporter: reporter.clone(),
            values,
            tasks,
        })
    }

    /// Every unit, county and district with values of `year` to report that have no submitted
    /// or approved value, most missing first, and whether they are past the due date.
    ///
    /// The list is the same for every reader allowed to see it, so it is kept for the inputs
    /// generation, model and day it was computed for (a province's year is 16,740 keys to
    /// read and match; the dashboard and the overdue list ask for it on every view).
    pub async fn missing_reports(&self, caller: &Caller, year: i32) -> AppResult<Vec<Missing>> {
        policy::require(caller, Action::ReadInternal)?;
        let model = self.model().await?;
        // Read before the keys: a write committed in between makes the kept list older than
        // its label says only in the safe direction (the next request recomputes).
        let key = crate::MissingKey {
            year,
            inputs_generation: self.store().inputs_generation().await?,
            model_generation: model.generation,
            catalogue_version: model.catalogue_version.clone(),
            today: self.today(),
        };
        if let Some((_, hit)) = self
            .inner
            .missing
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .find(|(k, _)| *k == key)
        {
            return Ok(hit.as_ref().clone());
        }
        let owners = self.owners_of(&model);
        let reported: HashSet<(String, String)> =
            self.store().reported_keys(&year.to_string()).await?;
        let missing = std::sync::Arc::new(calendar::missing_reports(
            &model.plan,
            model.catalogue.version(&model.catalogue_version),
            &owners,
            &self.calendar(),
            year,
            key.today,
            &reported,
        ));
        let mut kept = self.inner.missing.lock().unwrap_or_else(|e| e.into_inner());
        kept.retain(|(k, _)| {
            k.year != year
                && k.inputs_generation == key.inputs_generation
                && k.model_generation == key.model_generation
        });
        kept.truncate(7);
        kept.push((key, missing.clone()));
        Ok(missing.as_ref().clone())
    }

    /// Why a task is late for `year` today, from the updates given.
    pub fn task_lateness(
        &self,
        plan: &Plan,
        task: &Task,
        updates: &[&TaskUpdate],
        year: i32,
    ) -> Vec<TaskLate> {
        let reports: Vec<ProgressReport<'_>> = updates
            .iter()
            .map(|u| ProgressReport {
                unit: &u.unit,
                period: &u.period,
                state: u.progress,
                reported: matches!(
                    u.status,
                    WorkflowStatus::Submitted | WorkflowStatus::Approved
                ),
                approved: u.status == WorkflowStatus::Approved,
            })
            .collect();
        calendar::task_overdue(plan, &self.calendar(), task, &reports, year, self.today())
    }

    /// Every key task with its latest update the caller may see and why it is late in `year`.
    pub async fn task_board(&self, caller: &Caller, year: i32) -> AppResult<TaskBoard> {
        let updates = self
            .list_task_updates(caller, &TaskQuery::default())
            .await?;
        let model = self.model().await?;
        let rows = model
            .plan
            .tasks
            .iter()
            .map(|task| {
                let mine: Vec<&TaskUpdate> = updates
                    .iter()
                    .filter(|u| u.task == i64::from(task.number))
                    .collect();
                TaskBoardRow {
                    number: task.number,
                    latest: mine
                        .iter()
                        .max_by(|a, b| a.period.cmp(&b.period).then(a.id.cmp(&b.id)))
                        .map(|u| (*u).clone()),
                    late: self.task_lateness(&model.plan, task, &mine, year),
                }
            })
            .collect();
        Ok(TaskBoard { year, rows })
    }

    /// What awaits the caller's review: submitted values it may approve, each with the previous
    /// period's approved value, and submitted task updates of its units. Values come a page of
    /// [`INBOX_PAGE`] at a time in list order (indicator, region, period), after `after` (the
    /// previous page's `next_cursor`): a year of monthly returns is not one page.
    pub async fn review_inbox(&self, caller: &Caller, after: Option<i64>) -> AppResult<Inbox> {
        let values_allowed = policy::allows(caller, Action::ReviewValue);
        let tasks_allowed = policy::allows(caller, Action::ReviewTask);
        if !values_allowed && !tasks_allowed {
            policy::require(caller, Action::ReviewValue)?;
        }
        let mut inbox = Inbox::default();
        if values_allowed {
            let ctx = self.ctx(caller).await?;
            let (submitted, next) = self
                .read_page(
                    ValueFilter {
                        status: Some(WorkflowStatus::Submitted),
                        ..ValueFilter::default()
                    },
                    after.filter(|&a| a > 0),
                    INBOX_PAGE,
                    1000,
                    |v| ctx.scope.reports(&v.indicator, &v.region),
                )
                .await?;
            inbox.next_cursor = next;
            let previous_key = |v: &DataValue| {
                v.period.parse::<Period>().ok().map(|p| {
                    (
                        v.indicator.clone(),
                        v.region.clone(),
                        previous_period(p).to_string(),
                    )
                })
            };
            let keys: Vec<(String, String, String)> =
                submitted.iter().filter_map(previous_key).collect();
            let previous: HashMap<(String, String, String), DataValue> = self
                .store()
                .live_approved(&keys)
                .await?
                .into_iter()
                .map(|p| ((p.indicator.clone(), p.region.clone(), p.period.clone()), p))
                .collect();
            for v in submitted {
                let previous = previous_key(&v).and_then(|k| previous.get(&k).cloned());
                inbox.values.push(InboxValue { value: v, previous });
            }
        }
        if tasks_allowed {
            inbox.tasks = self
                .store()
                .task_updates(&TaskUpdateFilter {
                    status: Some(WorkflowStatus::Submitted),
                    ..TaskUpdateFilter::default()
                })
                .await?
                .into_iter()
                .filter(|u| policy::covers_unit(caller, &u.unit))
                .collect();
        }
        Ok(inbox)
    }
}
