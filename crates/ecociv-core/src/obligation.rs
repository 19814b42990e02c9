//! What a department or a county owes for a reporting period (应报事项): the indicators it must
//! report and the tasks it must give progress on.
//!
//! Departments owe what the plan makes them responsible for: indicators targeted by tasks they
//! lead or share (牵头, 按职责分工负责) or join (参与), and the national rows of the active catalogue
//! whose indicator they own. Counties owe the values reported at county level: indicators with a
//! target on the county and national rows that apply to it.

use std::collections::{BTreeMap, HashMap};

use crate::catalogue::CatalogueVersion;
use crate::indicator::Method;
use crate::plan::{Plan, Responsibility};

/// One indicator a reporter must report, for one region.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct IndicatorDue {
    pub indicator: String,
    pub region: String,
    pub responsibility: Responsibility,
    /// Tasks of the plan that target this indicator (empty for national-only rows).
    pub tasks: Vec<u32>,
    /// Whether a standards engine computes the value from monitoring data (the reporter then
    /// confirms the engine's value rather than typing one).
    pub computed: bool,
}

/// One task a department must report progress on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TaskDue {
    pub task: u32,
    pub responsibility: Responsibility,
}

/// Everything a reporter owes.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Obligations {
    pub indicators: Vec<IndicatorDue>,
    pub tasks: Vec<TaskDue>,
}

fn stronger(a: Responsibility, b: Responsibility) -> Responsibility {
    use Responsibility::*;
    match (a, b) {
        (Lead, _) | (_, Lead) => Lead,
        (Shared, _) | (_, Shared) => Shared,
        _ => Participant,
    }
}

/// What a department (by name) owes under the plan and a catalogue version.
pub fn for_unit(plan: &Plan, version: Option<&CatalogueVersion>, unit: &str) -> Obligations {
    let mut indicators: BTreeMap<(usize, String), IndicatorDue> = BTreeMap::new();
    let mut order: Vec<(usize, String)> = Vec::new();
    let mut tasks: Vec<TaskDue> = Vec::new();
    for task in &plan.tasks {
        if let Some(resp) = task.responsibility_of(unit) {
            tasks.push(TaskDue {
                task: task.number,
                responsibility: resp,
            });
        }
        for target in &task.targets {
            // A target with its own leads is owed by them (and the task's participants), not by
            // the task's other leads.
            let resp = if target.lead.is_empty() {
                task.responsibility_of(unit)
            } else if target.lead.iter().any(|u| u == unit) {
                Some(if task.shared {
                    Responsibility::Shared
                } else {
                    Responsibility::Lead
                })
            } else if task.participants.iter().any(|u| u == unit) {
                Some(Responsibility::Participant)
            } else {
                None
            };
            let Some(resp) = resp else { continue };
            let Some(pos) = plan.indicator_position(&target.indicator) else {
                continue;
            };
            let key = (pos, target.region.clone());
            let computed = plan.indicators[pos].method == Method::Computed;
            match indicators.get_mut(&key) {
                Some(due) => {
                    due.responsibility = stronger(due.responsibility, resp);
                    if !due.tasks.contains(&task.number) {
                        due.tasks.push(task.number);
                    }
                }
                None => {
                    order.push(key.clone());
                    indicators.insert(
                        key,
                        IndicatorDue {
                            indicator: target.indicator.clone(),
                            region: target.region.clone(),
                            responsibility: resp,
                            tasks: vec![task.number],
                            computed,
                        },
                    );
                }
            }
        }
    }
    if let Some(v) = version {
        let city = plan.city_region();
        for row in &v.rows {
            let Some(pos) = plan.indicator_position(&row.indicator) else {
                continue;
            };
            let ind = &plan.indicators[pos];
            let key = (pos, plan.city.clone());
            if ind.owner.as_deref() == Some(unit)
                && row.not_applicable_reason(city).is_none()
                && !indicators.contains_key(&key)
            {
                order.push(key.clone());
                indicators.insert(
                    key,
                    IndicatorDue {
                        indicator: ind.code.clone(),
                        region: plan.city.clone(),
                        responsibility: Responsibility::Lead,
                        tasks: Vec::new(),
                        computed: ind.method == Method::Computed,
                    },
                );
            }
        }
    }
    Obligations {
        indicators: order
            .into_iter()
            .filter_map(|k| indicators.remove(&k))
            .collect(),
        tasks,
    }
}

/// What a department reports itself: [`for_unit`] without the values it only takes part in
/// while another unit leads them (those its lead reports; see [`Responsibilities`]). The
/// reporting template of a department holds these.
pub fn reported_by_unit(
    plan: &Plan,
    version: Option<&CatalogueVersion>,
    unit: &str,
) -> Obligations {
    let owners = Responsibilities::of(plan, version);
    let mut owed = for_unit(plan, version, unit);
    owed.indicators
        .retain(|d| owners.reports(unit, &d.indicator, &d.region));
    owed
}

/// What a county or district (by region code) owes: its own targets and the national rows that
/// apply to it.
pub fn for_region(plan: &Plan, version: Option<&CatalogueVersion>, region: &str) -> Obligations {
    let mut out: Vec<IndicatorDue> = Vec::new();
    let Some(reg) = plan.region(region) else {
        return Obligations::default();
    };
    let push = |out: &mut Vec<IndicatorDue>, code: &str, tasks: Vec<u32>| {
        if let Some(due) = out.iter_mut().find(|d| d.indicator == code) {
            for t in tasks {
                if !due.tasks.contains(&t) {
                    due.tasks.push(t);
                }
            }
            return;
        }
        let computed = plan
            .indicator(code)
            .is_some_and(|i| i.method == Method::Computed);
        out.push(IndicatorDue {
            indicator: code.to_owned(),
            region: region.to_owned(),
            responsibility: Responsibility::Lead,
            tasks,
            computed,
        });
    };
    for (task, target) in plan.targets() {
        if target.region == region {
            push(&mut out, &target.indicator, vec![task.number]);
        }
    }
    if let Some(v) = version
        && region != plan.city
    {
        for row in &v.rows {
            if row.not_applicable_reason(reg).is_none() && plan.indicator(&row.indicator).is_some()
            {
                push(&mut out, &row.indicator, Vec::new());
            }
        }
    }
    Obligations {
        indicators: out,
        tasks: Vec::new(),
    }
}

/// Who answers for the values of one (indicator, region) under the plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ValueOwners {
    /// The units that report the value and whose reviewers approve it: its lead units (牵头 or
    /// 按职责分工负责); where no unit leads it, the units that take part.
    pub reporters: Vec<String>,
    /// Units that take part (参与) while another leads: they see the value in review and may
    /// comment on it, but neither report nor approve it.
    pub participants: Vec<String>,
}

/// The owners of every value the plan's departments owe: one report per shared value, by its
/// lead. Computed once per plan and catalogue version.
#[derive(Debug, Clone, Default)]
pub struct Responsibilities {
    by_value: HashMap<(String, String), ValueOwners>,
}

impl Responsibilities {
    pub fn of(plan: &Plan, version: Option<&CatalogueVersion>) -> Responsibilities {
        let mut by_value: HashMap<(String, String), ValueOwners> = HashMap::new();
        for unit in &plan.units {
            for due in for_unit(plan, version, &unit.name).indicators {
                let owners = by_value.entry((due.indicator, due.region)).or_default();
                let list = if due.responsibility == Responsibility::Participant {
                    &mut owners.participants
                } else {
                    &mut owners.reporters
                };
                if !list.contains(&unit.name) {
                    list.push(unit.name.clone());
                }
            }
        }
        for owners in by_value.values_mut() {
            if owners.reporters.is_empty() {
                owners.reporters = std::mem::take(&mut owners.participants);
            }
        }
        Responsibilities { by_value }
    }

    /// The owners of (indicator, region) among departments; `None` when no department owes it.
    pub fn owners(&self, indicator: &str, region: &str) -> Option<&ValueOwners> {
        self.by_value
            .get(&(indicator.to_owned(), region.to_owned()))
    }

    /// Whether the unit (by name) reports the value and its reviewers approve it.
    pub fn reports(&self, unit: &str, indicator: &str, region: &str) -> bool {
        self.owners(indicator, region)
            .is_some_and(|o| o.reporters.iter().any(|u| u == unit))
    }

    /// Whether the unit (by name) takes part in the value without reporting it.
    pub fn takes_part(&self, unit: &str, indicator: &str, region: &str) -> bool {
        self.owners(indicator, region)
            .is_some_and(|o| o.participants.iter().any(|u| u == unit))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtin;

    #[test]
    fn a_lead_department_owes_the_indicators_of_its_tasks() {
        let cat = builtin::catalogue().unwrap();
        let plan = builtin::plan(&cat).unwrap();
        let v = cat.version("2021");
        let o = for_unit(&plan, v, "市城市管理局");
        let codes: Vec<&str> = o.indicators.iter().map(|d| d.indicator.as_str()).collect();
        assert!(codes.contains(&"urban_sewage_treatment_rate"), "{codes:?}");
        assert!(
            o.tasks
                .iter()
                .any(|t| t.task == 24 && t.responsibility == Responsibility::Lead)
        );
        // Task 24's scoped targets are owed for their scopes.
        assert!(o.indicators.iter().any(|d| d.indicator
            == "domestic_sewage_centralized_treatment_rate"
            && d.region == "411700-zxcq"));
        assert!(o.indicators.iter().any(|d| d.indicator
            == "domestic_sewage_centralized_treatment_rate"
            && d.region == "411700-xc"));
    }

    #[test]
    fn a_target_with_its_own_leads_is_owed_by_them_only() {
        let cat = builtin::catalogue().unwrap();
        let plan = builtin::plan(&cat).unwrap();
        let water = for_unit(&plan, None, "市水利局");
        assert!(
            water
                .indicators
                .iter()
                .any(|d| d.indicator == "water_saving_appliance_share")
        );
        let commerce = for_unit(&plan, None, "市商务局");
        assert!(
            !commerce
                .indicators
                .iter()
                .any(|d| d.indicator == "water_saving_appliance_share")
        );
        assert!(
            commerce
                .indicators
                .iter()
                .any(|d| d.indicator == "energy_saving_appliance_share"
                    && d.responsibility == Responsibility::Shared)
        );
    }

    #[test]
    fn participants_owe_with_participant_responsibility_and_strangers_owe_nothing() {
        let cat = builtin::catalogue().unwrap();
        let plan = builtin::plan(&cat).unwrap();
        let o = for_unit(&plan, None, "市妇女联合会");
        assert_eq!(
            o.tasks,
            [TaskDue {
                task: 31,
                responsibility: Responsibility::Participant
            }]
        );
        assert!(for_unit(&plan, None, "不存在的单位").tasks.is_empty());
    }

    #[test]
    fn a_shared_value_is_reported_by_its_lead_and_participants_only_take_part() {
        let cat = builtin::catalogue().unwrap();
        let plan = builtin::plan(&cat).unwrap();
        let r = Responsibilities::of(&plan, cat.version("2021"));
        let owners = r
            .owners("rural_sewage_treatment_rate", "411700")
            .expect("a departmental value");
        assert_eq!(owners.reporters, ["市生态环境局"]);
        assert!(owners.participants.iter().any(|u| u == "市水利局"));
        assert!(r.reports("市生态环境局", "rural_sewage_treatment_rate", "411700"));
        assert!(!r.reports("市水利局", "rural_sewage_treatment_rate", "411700"));
        assert!(r.takes_part("市水利局", "rural_sewage_treatment_rate", "411700"));
        // Every owed value has someone who reports it.
        for unit in &plan.units {
            for d in for_unit(&plan, cat.version("2021"), &unit.name).indicators {
                let o = r.owners(&d.indicator, &d.region).unwrap();
                assert!(!o.reporters.is_empty(), "{d:?}");
            }
        }
    }

    #[test]
    fn counties_owe_their_targets_and_the_rows_that_apply_to_counties() {
        let cat = builtin::catalogue().unwrap();
        let plan = builtin::plan(&cat).unwrap();
        let o = for_region(&plan, cat.version("2021"), "411727");
        let codes: Vec<&str> = o.indicators.iter().map(|d| d.indicator.as_str()).collect();
        assert!(
            codes.contains(&"rural_waste_sorting_pilot"),
            "汝南县 has a pilot target: {codes:?}"
        );
        assert!(
            codes.contains(&"straw_utilization"),
            "county-only national row: {codes:?}"
        );
        assert!(
            !codes.contains(&"public_transport_share"),
            "a city-only row: {codes:?}"
        );
    }
}
