//! Authorization, in one place: role × action, and the unit/region scope of reporters and
//! reviewers. Every handler asks here; nothing else decides who may do what.
//!
//! | action                     | admin | coordinator | reporter | reviewer | viewer | anonymous |
//! |----------------------------|:-----:|:-----------:|:--------:|:--------:|:------:|:---------:|
//! | read published data        |   ✓   |      ✓      |    ✓     |    ✓     |   ✓    |     ✓     |
//! | read internal data         |   ✓   |      ✓      |  ✓ ¹     |   ✓ ¹    |   ✓    |           |
//! | enter values, submit       |       |      ✓      |  ✓ ²     |          |        |           |
//! | approve / return           |       |      ✓      |          |   ✓ ²    |        |           |
//! | correct approved values    |       |      ✓      |  ✓ ²     |          |        |           |
//! | task updates / review      |       |      ✓      |  ✓ / –   |  – / ✓   |        |           |
//! | periods, publication       |       |      ✓      |          |          |        |           |
//! | catalogue, plan, assigned  |       |      ✓      |          |          |        |           |
//! | audit log                  |   ✓   |      ✓      |          |          |        |           |
//! | audit verify, accounts     |   ✓   |             |          |          |        |           |
//!
//! ¹ drafts, submitted and returned values only within their scope; approved values everywhere.
//! ² only within their scope: a unit-bound user acts on the indicators and regions their unit owes
//! under the plan (ecociv-core's obligations) and the tasks it leads or joins; a region-bound
//! user on the values of their region.
//!
//! The administrator manages accounts and the system but enters and approves no data: keeping
//! the two apart is a control auditors ask for.

use ecociv_core::obligation;
use ecociv_store::{DataValue, Model, Role, TaskUpdate, User, WorkflowStatus};

use crate::error::ApiError;

/// What someone wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    ReadInternal,
    WriteValue,
    ReviewValue,
    CorrectValue,
    WriteTask,
    ReviewTask,
    ManagePeriods,
    ManagePlan,
    ReadAudit,
    VerifyAudit,
    ManageUsers,
}

impl Action {
    fn name_zh(self) -> &'static str {
        match self {
            Action::ReadInternal => "查看内部数据",
            Action::WriteValue => "填报数据",
            Action::ReviewValue => "审核数据",
            Action::CorrectValue => "更正已审核数据",
            Action::WriteTask => "填报任务进展",
            Action::ReviewTask => "审核任务进展",
            Action::ManagePeriods => "管理报告期和公开",
            Action::ManagePlan => "管理方案、国家指标和上级下达目标",
            Action::ReadAudit => "查看审计日志",
            Action::VerifyAudit => "校验审计链",
            Action::ManageUsers => "管理用户",
        }
    }
}

/// Whether a role may do an action at all (scope aside).
pub fn role_allows(role: Role, action: Action) -> bool {
    use Action::*;
    match role {
        Role::Admin => matches!(action, ReadInternal | ReadAudit | VerifyAudit | ManageUsers),
        Role::Coordinator => !matches!(action, VerifyAudit | ManageUsers),
        Role::Reporter => matches!(action, ReadInternal | WriteValue | CorrectValue | WriteTask),
        Role::Reviewer => matches!(action, ReadInternal | ReviewValue | ReviewTask),
        Role::Viewer => matches!(action, ReadInternal),
    }
}

/// The signed-in user allowed to do `action`: 401 when nobody is signed in, 403 when the role may
/// not.
pub fn require(user: Option<&User>, action: Action) -> Result<&User, ApiError> {
    let user = user.ok_or_else(ApiError::unauthorized)?;
    if role_allows(user.role, action) {
        Ok(user)
    } else {
        Err(ApiError::forbidden(format!(
            "{}（{}）无权{}",
            user.display_name,
            user.role.name_zh(),
            action.name_zh()
        )))
    }
}

/// Whether the user acts for the whole city (not bound to a unit or region).
pub fn is_citywide(user: &User) -> bool {
    user.unit.is_none() && user.region.is_none()
}

/// The values a user acts on, computed once (a unit's obligations come from the plan).
#[derive(Debug, Clone)]
pub enum ValueScope {
    /// Not bound: the whole city.
    All,
    /// Bound to a county or district: its values.
    Region(String),
    /// Bound to a unit: the (indicator, region) pairs it owes.
    Pairs(std::collections::HashSet<(String, String)>),
}

impl ValueScope {
    pub fn of(user: &User, model: &Model) -> ValueScope {
        if let Some(r) = &user.region {
            return ValueScope::Region(r.clone());
        }
        let Some(code) = &user.unit else {
            return ValueScope::All;
        };
        let Some(unit) = model.unit(code) else {
            return ValueScope::Pairs(Default::default());
        };
        let version = model.catalogue.version(&model.catalogue_version);
        ValueScope::Pairs(
            obligation::for_unit(&model.plan, version, &unit.name)
                .indicators
                .into_iter()
                .map(|d| (d.indicator, d.region))
                .collect(),
        )
    }

    pub fn covers(&self, indicator: &str, region: &str) -> bool {
        match self {
            ValueScope::All => true,
            ValueScope::Region(r) => r == region,
            ValueScope::Pairs(p) => p.contains(&(indicator.to_owned(), region.to_owned())),
        }
    }

    /// Whether this scope lets its user see a value (approved values are seen by everyone).
    pub fn can_see(&self, v: &DataValue) -> bool {
        v.status == WorkflowStatus::Approved || self.covers(&v.indicator, &v.region)
    }
}

/// Whether a user's scope covers values of (indicator, region).
pub fn covers_value(user: &User, model: &Model, indicator: &str, region: &str) -> bool {
    ValueScope::of(user, model).covers(indicator, region)
}

/// Whether a user's scope covers the task updates of a unit.
pub fn covers_unit(user: &User, unit: &str) -> bool {
    match (&user.unit, &user.region) {
        (Some(u), _) => u == unit,
        (None, Some(_)) => false,
        (None, None) => true,
    }
}

/// Whether a signed-in user may see a value: approved values are visible to every signed-in
/// user; work in progress only within scope.
pub fn can_see_value(user: &User, model: &Model, v: &DataValue) -> bool {
    v.status == WorkflowStatus::Approved || covers_value(user, model, &v.indicator, &v.region)
}

pub fn can_see_task_update(user: &User, t: &TaskUpdate) -> bool {
    t.status == WorkflowStatus::Approved || covers_unit(user, &t.unit)
}

/// `require` plus the value scope.
pub fn require_value<'u>(
    user: Option<&'u User>,
    action: Action,
    model: &Model,
    indicator: &str,
    region: &str,
) -> Result<&'u User, ApiError> {
    let user = require(user, action)?;
    if covers_value(user, model, indicator, region) {
        Ok(user)
    } else {
        Err(ApiError::forbidden(format!(
            "{}无权{}：指标“{indicator}”、地区“{region}”不在本单位（地区）的填报范围内",
            user.display_name,
            action.name_zh()
        )))
    }
}

/// `require` plus the unit scope of task updates.
pub fn require_unit<'u>(
    user: Option<&'u User>,
    action: Action,
    unit: &str,
) -> Result<&'u User, ApiError> {
    let user = require(user, action)?;
    if covers_unit(user, unit) {
        Ok(user)
    } else {
        Err(ApiError::forbidden(format!(
            "{}无权{}：单位“{unit}”的任务不在本单位范围内",
            user.display_name,
            action.name_zh()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_admin_manages_accounts_but_enters_no_data() {
        assert!(role_allows(Role::Admin, Action::ManageUsers));
        assert!(!role_allows(Role::Admin, Action::WriteValue));
        assert!(!role_allows(Role::Coordinator, Action::ManageUsers));
        assert!(!role_allows(Role::Viewer, Action::WriteValue));
        assert!(!role_allows(Role::Reporter, Action::ReviewValue));
        assert!(!role_allows(Role::Reviewer, Action::WriteValue));
    }
}
