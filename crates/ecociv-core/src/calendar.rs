//! The reporting calendar and who is late: one rule for the pages, the API, the command line and
//! the report.
//!
//! The plan gives no reporting calendar, so ecociv keeps one convention: a year's values are
//! reported in the next year and due by 31 March ([`Calendar::default`]; the creation office
//! chases departments after the first quarter). The year being reported on a day is the year
//! before, kept within the plan. A unit or county is **late** for a year when, after the due
//! date, an indicator it owes ([`crate::obligation`]) has no submitted or approved value; a
//! **task** is late when its deadline passed without an approved completion, or when, after the
//! due date, a lead unit has given no submitted or approved progress for the year.
//!
//! "Today" is an input: the store's clock gives it, so tests can move it.

use std::collections::HashSet;

use crate::catalogue::CatalogueVersion;
use crate::date::Date;
use crate::obligation::{self, IndicatorDue, Responsibilities};
use crate::plan::{Plan, Task};
use crate::progress::TaskState;

/// When reports are due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Calendar {
    /// Annual values of a year are due by this month and day of the next year.
    pub annual_due: (u8, u8),
}

impl Default for Calendar {
    fn default() -> Calendar {
        Calendar {
            annual_due: (3, 31),
        }
    }
}

impl Calendar {
    /// When the values of `year` are due.
    pub fn due_date(&self, year: i32) -> Date {
        let (m, d) = self.annual_due;
        Date::new(year + 1, m, d)
            .or_else(|_| Date::new(year + 1, m, 28))
            .unwrap_or(Date {
                year: year + 1,
                month: 3,
                day: 31,
            })
    }

    /// Whether `today` is past the due date of `year`.
    pub fn past_due(&self, year: i32, today: Date) -> bool {
        today > self.due_date(year)
    }

    /// The year being reported on `today`: last year, kept within the plan.
    pub fn reporting_year(&self, plan: &Plan, today: Date) -> i32 {
        (today.year - 1).clamp(plan.base_year, plan.end_year)
    }
}

/// Who reports: a department (by code and name) or a county or district.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reporter {
    Unit { code: String, name: String },
    Region { code: String, name: String },
}

impl Reporter {
    pub fn code(&self) -> &str {
        match self {
            Reporter::Unit { code, .. } | Reporter::Region { code, .. } => code,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Reporter::Unit { name, .. } | Reporter::Region { name, .. } => name,
        }
    }

    /// Every reporter of the plan: each unit, then each county and district, in the plan's order.
    pub fn all(plan: &Plan) -> Vec<Reporter> {
        let mut out: Vec<Reporter> = plan
            .units
            .iter()
            .map(|u| Reporter::Unit {
                code: u.code.clone(),
                name: u.name.clone(),
            })
            .collect();
        out.extend(plan.reporting_regions().map(|r| Reporter::Region {
            code: r.code.clone(),
            name: r.name.clone(),
        }));
        out
    }

    /// What this reporter owes under the plan and a catalogue version.
    pub fn owes(&self, plan: &Plan, version: Option<&CatalogueVersion>) -> obligation::Obligations {
        match self {
            Reporter::Unit { name, .. } => obligation::for_unit(plan, version, name),
            Reporter::Region { code, .. } => obligation::for_region(plan, version, code),
        }
    }

    /// The values this reporter reports itself: all it owes, except those a department only
    /// takes part in while another leads ([`Responsibilities`]).
    pub fn reports(
        &self,
        plan: &Plan,
        version: Option<&CatalogueVersion>,
        resp: &Responsibilities,
    ) -> Vec<IndicatorDue> {
        let owed = self.owes(plan, version).indicators;
        match self {
            Reporter::Unit { name, .. } => owed
                .into_iter()
                .filter(|d| resp.reports(name, &d.indicator, &d.region))
                .collect(),
            Reporter::Region { .. } => owed,
        }
    }
}

/// A reporter with values owed for a year and not reported.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Missing {
    pub reporter: Reporter,
    /// How many indicators it owes for the year.
    pub owed: usize,
    /// The owed indicators without a submitted or approved value.
    pub missing: Vec<IndicatorDue>,
    pub due: Date,
    /// Past the due date: late, not merely not yet reported.
    pub overdue: bool,
}

/// Every reporter of the plan that has values of `year` to report without a submitted or
/// approved value, most missing first. `reported` holds the (indicator, region) pairs that have
/// one.
pub fn missing_reports(
    plan: &Plan,
    version: Option<&CatalogueVersion>,
    resp: &Responsibilities,
    calendar: &Calendar,
    year: i32,
    today: Date,
    reported: &HashSet<(String, String)>,
) -> Vec<Missing> {
    let due = calendar.due_date(year);
    let mut out: Vec<Missing> = Reporter::all(plan)
        .into_iter()
        .filter_map(|reporter| {
            let owed = reporter.reports(plan, version, resp);
            let missing: Vec<IndicatorDue> = owed
                .iter()
                .filter(|d| !reported.contains(&(d.indicator.clone(), d.region.clone())))
                .cloned()
                .collect();
            (!missing.is_empty()).then(|| Missing {
                reporter,
                owed: owed.len(),
                missing,
                due,
                overdue: today > due,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.missing
            .len()
            .cmp(&a.missing.len())
            .then_with(|| a.reporter.name().cmp(b.reporter.name()))
    });
    out
}

/// A unit's progress report on a task, as the overdue rule needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgressReport<'a> {
    /// The unit's code.
    pub unit: &'a str,
    pub period: &'a str,
    pub state: TaskState,
    /// Submitted or approved (drafts and returned reports do not count).
    pub reported: bool,
    pub approved: bool,
}

/// Why a task is late for `year` on `today`, in Chinese (empty when it is not).
pub fn task_overdue(
    plan: &Plan,
    calendar: &Calendar,
    task: &Task,
    reports: &[ProgressReport<'_>],
    year: i32,
    today: Date,
) -> Vec<TaskLate> {
    let mut out = Vec::new();
    let completed = reports
        .iter()
        .any(|r| r.state == TaskState::Completed && r.approved);
    if let Some(d) = task
        .deadline
        .as_deref()
        .and_then(|d| d.parse::<Date>().ok())
        && d < today
        && !completed
    {
        out.push(TaskLate::DeadlinePassed { deadline: d });
    }
    if calendar.past_due(year, today) {
        let p = year.to_string();
        for lead in &task.lead {
            let Some(unit) = plan.units.iter().find(|u| &u.name == lead) else {
                continue;
            };
            let reported = reports
                .iter()
                .any(|r| r.unit == unit.code && r.period == p && r.reported);
            if !reported {
                out.push(TaskLate::NoProgress {
                    unit: lead.clone(),
                    year,
                });
            }
        }
    }
    out
}

/// Why a task is late.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TaskLate {
    /// The task's deadline passed without an approved completion.
    DeadlinePassed { deadline: Date },
    /// A lead unit gave no progress for the year after its due date.
    NoProgress { unit: String, year: i32 },
}

impl TaskLate {
    pub fn msg(&self) -> ecociv_i18n::Msg {
        match self {
            TaskLate::DeadlinePassed { deadline } => ecociv_i18n::Msg::TaskDeadlinePassed {
                deadline: deadline.to_string(),
            },
            TaskLate::NoProgress { unit, year } => ecociv_i18n::Msg::TaskNoProgress {
                unit: unit.clone(),
                year: *year,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtin;

    #[test]
    fn annual_values_are_due_after_the_first_quarter_of_the_next_year() {
        let c = Calendar::default();
        assert_eq!(c.due_date(2025), Date::new(2026, 3, 31).unwrap());
        assert!(!c.past_due(2025, Date::new(2026, 3, 31).unwrap()));
        assert!(c.past_due(2025, Date::new(2026, 4, 1).unwrap()));
    }

    #[test]
    fn every_unit_county_and_district_reports() {
        let cat = builtin::catalogue().unwrap();
        let plan = builtin::plan(&cat).unwrap();
        let all = Reporter::all(&plan);
        assert_eq!(
            all.len(),
            plan.units.len() + 10,
            "nine counties and one district"
        );
        assert!(all.iter().any(|r| r.code() == "411702"), "驿城区");
        let missing = missing_reports(
            &plan,
            cat.version("2021"),
            &Responsibilities::of(&plan, cat.version("2021")),
            &Calendar::default(),
            2025,
            Date::new(2026, 4, 1).unwrap(),
            &HashSet::new(),
        );
        let yicheng = missing
            .iter()
            .find(|m| m.reporter.code() == "411702")
            .expect("驿城区 owes values");
        assert!(yicheng.overdue);
        assert_eq!(yicheng.missing.len(), yicheng.owed);
    }
}
