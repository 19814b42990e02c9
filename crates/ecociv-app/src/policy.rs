//! Authorization, in one place: role × action, and the scope of reporters and reviewers. Every
//! use case asks here; nothing else decides who may do what.
//!
//! | action                     | admin | coordinator | reporter | reviewer | viewer | auditor | anonymous |
//! |----------------------------|:-----:|:-----------:|:--------:|:--------:|:------:|:-------:|:---------:|
//! | read published data        |   ✓   |      ✓      |    ✓     |    ✓     |   ✓    |   ✓ ⁵   |     ✓     |
//! | read internal data         |   ✓   |      ✓      |  ✓ ¹     |   ✓ ¹    |   ✓    |         |           |
//! | report, completion table ³ |   ✓   |      ✓      |          |    ✓     |   ✓    |         |           |
//! | Excel template, upload     |       |      ✓      |  ✓ ²     |          |        |         |           |
//! | enter values, submit       |       |      ✓      |  ✓ ²     |          |        |         |           |
//! | approve / return           |       |      ✓      |          |   ✓ ²    |        |         |           |
//! | correct approved values    |       |      ✓      |  ✓ ²     |          |        |         |           |
//! | comment on shared values   |       |      ✓      |  ✓ ⁴     |   ✓ ⁴    |        |         |           |
//! | task updates / review      |       |      ✓      |  ✓ / –   |  – / ✓   |        |         |           |
//! | periods, publication       |       |      ✓      |          |          |        |         |           |
//! | catalogue, plan, assigned  |       |      ✓      |          |          |        |         |           |
//! | audit log                  |   ✓   |      ✓      |          |          |        |    ✓    |           |
//! | audit verify               |   ✓   |             |          |          |        |    ✓    |           |
//! | accounts                   |   ✓   |             |          |          |        |         |           |
//! | alter or delete audit events | –   |      –      |    –     |    –     |   –    |    –    |     –     |
//!
//! ¹ drafts, submitted and returned values only within their scope; approved values everywhere.
//! ² only within their scope: a county-bound user acts on the values of its county; a unit-bound
//! user on the values its unit **reports** under the plan (ecociv-core's
//! [`Responsibilities`]: a value shared by several units is reported by its lead, and approved by
//! the lead's reviewer) and the tasks it leads or joins.
//! ³ The self-assessment report and the completion table go to those who steer, check and read
//! them; reporters fill in their own part.
//! ⁴ units that take part in a value they do not report see it in review and may comment on it.
//! ⁵ what is open to everyone (the public portal, open data, the plan and its tasks), nothing
//! more: the auditor reads no internal data, and the values and evaluation API refuse it (403)
//! rather than answer as for the public.
//!
//! The administrator (系统管理员) manages accounts and the system but enters and approves no
//! data: keeping the two apart is a control auditors ask for. The auditor (审计管理员) reads and
//! verifies the audit log and can do nothing else; the administrator reads it too but, like
//! everybody, cannot change it: no action alters or deletes audit events (the log only grows,
//! each event written in the transaction of its change), so there is nothing to grant.
//! The command line's operator, who holds the database itself, may do everything.
//!
//! Two rules come before the role ([`require`], [`allows`]): a session whose password must be
//! changed ([`Caller::password_expired`]) may do nothing until it is; and with an address
//! allow-list, the management roles ([`is_management`]: administrator and auditor) act only from
//! those addresses ([`require_management_address`]).

use std::collections::HashSet;
use std::net::IpAddr;

use ecociv_core::obligation::{self, Responsibilities};
use ecociv_i18n::{Msg, Phrase, Refusal, RefusalWhy};
use ecociv_store::{DataValue, Model, Role, TaskUpdate, User, WorkflowStatus};

use crate::address::AddressRange;
use crate::caller::Caller;
use crate::error::AppError;

/// What someone wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    ReadInternal,
    /// Download the self-assessment report and the completion table.
    ReadReports,
    /// Download a reporting template and upload a filled one (its rows are then checked
    /// against the scope like single writes).
    UseTemplates,
    WriteValue,
    ReviewValue,
    CorrectValue,
    /// Comment on a value one takes part in.
    CommentValue,
    WriteTask,
    ReviewTask,
    ManagePeriods,
    ManagePlan,
    ReadAudit,
    VerifyAudit,
    ManageUsers,
}

ecociv_i18n::words!(Action {
    ReadInternal => "查看内部数据", "read internal data";
    ReadReports => "下载自评估报告和指标完成情况表", "download the self-assessment report and the completion table";
    UseTemplates => "下载和上传 Excel 填报模板", "download and upload Excel reporting templates";
    WriteValue => "填报数据", "report values";
    ReviewValue => "审核数据", "review values";
    CorrectValue => "更正已审核数据", "correct approved values";
    CommentValue => "对数据留言", "comment on values";
    WriteTask => "填报任务进展", "report task progress";
    ReviewTask => "审核任务进展", "review task progress";
    ManagePeriods => "管理报告期和公开", "manage periods and publication";
    ManagePlan => "管理方案、国家指标和上级下达目标", "manage the plan, the national catalogue and assigned targets";
    ReadAudit => "查看审计日志", "read the audit log";
    VerifyAudit => "校验审计链", "verify the audit chain";
    ManageUsers => "管理用户", "manage users";
});

/// Whether a role may do an action at all (scope aside).
pub fn role_allows(role: Role, action: Action) -> bool {
    use Action::*;
    match role {
        Role::Admin => matches!(
            action,
            ReadInternal | ReadReports | ReadAudit | VerifyAudit | ManageUsers
        ),
        Role::Coordinator => !matches!(action, VerifyAudit | ManageUsers),
        Role::Reporter => matches!(
            action,
            ReadInternal | WriteValue | CorrectValue | CommentValue | WriteTask | UseTemplates
        ),
        Role::Reviewer => matches!(
            action,
            ReadInternal | ReadReports | ReviewValue | CommentValue | ReviewTask
        ),
        Role::Viewer => matches!(action, ReadInternal | ReadReports),
        Role::Auditor => matches!(action, ReadAudit | VerifyAudit),
    }
}

/// The management roles, whose sessions the address allow-list restricts: the administrator
/// (系统管理员) and the auditor (审计管理员).
pub fn is_management(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Auditor)
}

/// Whether the caller may do an action at all: the operator always, a signed-in user by role,
/// nobody else.
pub fn allows(caller: &Caller, action: Action) -> bool {
    match (caller.is_operator(), caller.user()) {
        (true, _) => true,
        (false, Some(u)) => !caller.password_expired() && role_allows(u.role, action),
        (false, None) => false,
    }
}

/// The caller allowed to do `action`: `Unauthenticated` when nobody is signed in, `Forbidden`
/// naming who, their role and the action when the role may not.
pub fn require(caller: &Caller, action: Action) -> Result<(), AppError> {
    if caller.is_operator() {
        return Ok(());
    }
    let Some(user) = caller.user() else {
        return Err(AppError::Unauthenticated);
    };
    if caller.password_expired() {
        return Err(AppError::Forbidden(Msg::PasswordChangeRequired));
    }
    if role_allows(user.role, action) {
        Ok(())
    } else {
        Err(refused(
            &user.display_name,
            action,
            RefusalWhy::Role {
                role: Phrase::of(&user.role),
            },
        ))
    }
}

/// With an address allow-list (`allowed` not empty), a management role ([`is_management`])
/// acts only from an address in it; a request whose address is unknown is refused. Everybody
/// else, and an empty list, pass.
pub fn require_management_address(
    user: &User,
    client: Option<IpAddr>,
    allowed: &[AddressRange],
) -> Result<(), AppError> {
    if allowed.is_empty()
        || !is_management(user.role)
        || client.is_some_and(|ip| allowed.iter().any(|r| r.contains(ip)))
    {
        return Ok(());
    }
    Err(AppError::Forbidden(Msg::ManagementAddressRefused {
        role: Phrase::of(&user.role),
        address: client.map(|c| c.to_string()).unwrap_or_default(),
    }))
}

/// The policy's refusal of `who` doing `action`, and why.
fn refused(who: &str, action: Action, why: RefusalWhy) -> AppError {
    AppError::Forbidden(Msg::Refused(Box::new(Refusal {
        who: who.to_owned(),
        action: Phrase::of(&action),
        why,
    })))
}

/// Whether a user acts for the whole city (not bound to a unit or region).
pub fn is_citywide(user: &User) -> bool {
    user.unit.is_none() && user.region.is_none()
}

/// The values a caller acts on, computed once per request from the plan.
#[derive(Debug, Clone)]
pub enum Scope {
    /// Not bound (the creation office, viewers, the administrator, the operator): the city.
    All,
    /// Bound to a county or district: its values.
    Region(String),
    /// Bound to a unit: the values it reports, and those it takes part in.
    Unit {
        name: String,
        reports: HashSet<(String, String)>,
        takes_part: HashSet<(String, String)>,
    },
}

impl Scope {
    pub fn of(caller: &Caller, model: &Model, owners: &Responsibilities) -> Scope {
        let Some(user) = caller.user() else {
            return if caller.is_operator() {
                Scope::All
            } else {
                Scope::Unit {
                    name: String::new(),
                    reports: HashSet::new(),
                    takes_part: HashSet::new(),
                }
            };
        };
        if let Some(r) = &user.region {
            return Scope::Region(r.clone());
        }
        let Some(code) = &user.unit else {
            return Scope::All;
        };
        let Some(unit) = model.unit(code) else {
            return Scope::Unit {
                name: String::new(),
                reports: HashSet::new(),
                takes_part: HashSet::new(),
            };
        };
        let version = model.catalogue.version(&model.catalogue_version);
        let mut reports = HashSet::new();
        let mut takes_part = HashSet::new();
        for d in obligation::for_unit(&model.plan, version, &unit.name).indicators {
            let key = (d.indicator, d.region);
            if owners.reports(&unit.name, &key.0, &key.1) {
                reports.insert(key);
            } else {
                takes_part.insert(key);
            }
        }
        Scope::Unit {
            name: unit.name.clone(),
            reports,
            takes_part,
        }
    }

    /// Whether the scope reports (indicator, region): enters, submits, corrects, attaches
    /// evidence, and for a reviewer approves and returns.
    pub fn reports(&self, indicator: &str, region: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Region(r) => r == region,
            Scope::Unit { reports, .. } => {
                reports.contains(&(indicator.to_owned(), region.to_owned()))
            }
        }
    }

    /// Whether the scope only takes part in (indicator, region): sees it in work, comments.
    pub fn takes_part(&self, indicator: &str, region: &str) -> bool {
        match self {
            Scope::Unit { takes_part, .. } => {
                takes_part.contains(&(indicator.to_owned(), region.to_owned()))
            }
            _ => false,
        }
    }

    /// Whether the scope may see values of (indicator, region) before they are approved.
    pub fn sees_work(&self, indicator: &str, region: &str) -> bool {
        self.reports(indicator, region) || self.takes_part(indicator, region)
    }

    /// Whether the scope lets its user see a value (approved values are seen by everyone signed
    /// in; work in progress only within scope).
    pub fn can_see(&self, v: &DataValue) -> bool {
        v.status == WorkflowStatus::Approved || self.sees_work(&v.indicator, &v.region)
    }
}

/// Whether a user's scope covers the task updates of a unit.
pub fn covers_unit(caller: &Caller, unit: &str) -> bool {
    match caller.user() {
        None => caller.is_operator(),
        Some(u) => match (&u.unit, &u.region) {
            (Some(own), _) => own == unit,
            (None, Some(_)) => false,
            (None, None) => true,
        },
    }
}

/// Whether a caller may see a task update: approved ones every signed-in user, the rest within
/// the unit scope.
pub fn can_see_task_update(caller: &Caller, t: &TaskUpdate) -> bool {
    (caller.user().is_some() && t.status == WorkflowStatus::Approved)
        || covers_unit(caller, &t.unit)
}

/// `require` plus the value scope: the caller reports (indicator, region). A unit that only
/// takes part is told who reports it.
pub fn require_value(
    caller: &Caller,
    action: Action,
    scope: &Scope,
    owners: &Responsibilities,
    indicator: &str,
    region: &str,
) -> Result<(), AppError> {
    require(caller, action)?;
    if scope.reports(indicator, region) {
        return Ok(());
    }
    let who = caller
        .user()
        .map(|u| u.display_name.clone())
        .unwrap_or_default();
    if scope.takes_part(indicator, region) {
        let lead = owners
            .owners(indicator, region)
            .map(|o| o.reporters.join("、"))
            .unwrap_or_default();
        return Err(refused(
            &who,
            action,
            RefusalWhy::OwnedByLead {
                indicator: indicator.to_owned(),
                lead,
            },
        ));
    }
    Err(refused(
        &who,
        action,
        RefusalWhy::ValueScope {
            indicator: indicator.to_owned(),
            region: region.to_owned(),
        },
    ))
}

/// `require` plus the unit scope of task updates.
pub fn require_unit(caller: &Caller, action: Action, unit: &str) -> Result<(), AppError> {
    require(caller, action)?;
    if covers_unit(caller, unit) {
        Ok(())
    } else {
        let who = caller
            .user()
            .map(|u| u.display_name.clone())
            .unwrap_or_default();
        Err(refused(
            &who,
            action,
            RefusalWhy::TaskScope {
                unit: unit.to_owned(),
            },
        ))
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

    /// Every action, checked against the enum by the match below.
    const ALL_ACTIONS: [Action; 14] = {
        use Action::*;
        [
            ReadInternal,
            ReadReports,
            UseTemplates,
            WriteValue,
            ReviewValue,
            CorrectValue,
            CommentValue,
            WriteTask,
            ReviewTask,
            ManagePeriods,
            ManagePlan,
            ReadAudit,
            VerifyAudit,
            ManageUsers,
        ]
    };

    #[allow(dead_code)]
    fn every_action_is_listed(a: Action) {
        // A new action fails to compile here until it is added to ALL_ACTIONS and given its
        // place in the separation of duties below.
        use Action::*;
        match a {
            ReadInternal | ReadReports | UseTemplates | WriteValue | ReviewValue | CorrectValue
            | CommentValue | WriteTask | ReviewTask | ManagePeriods | ManagePlan | ReadAudit
            | VerifyAudit | ManageUsers => {}
        }
    }

    fn duties(role: Role) -> HashSet<Action> {
        ALL_ACTIONS
            .into_iter()
            .filter(|a| role_allows(role, *a))
            .collect()
    }

    #[test]
    fn the_auditor_reads_and_verifies_the_audit_log_and_does_nothing_else() {
        assert_eq!(
            duties(Role::Auditor),
            HashSet::from([Action::ReadAudit, Action::VerifyAudit])
        );
        // System administration and audit administration are separate duties (三员分立 at
        // level 2): the auditor manages nothing, the administrator enters and approves nothing,
        // and only the administrator manages accounts.
        for role in Role::ALL {
            let d = duties(role);
            assert_eq!(
                d.contains(&Action::ManageUsers),
                role == Role::Admin,
                "{role:?}"
            );
        }
        let admin = duties(Role::Admin);
        for a in [
            Action::WriteValue,
            Action::ReviewValue,
            Action::CorrectValue,
            Action::WriteTask,
            Action::ReviewTask,
            Action::ManagePeriods,
            Action::ManagePlan,
            Action::UseTemplates,
            Action::CommentValue,
        ] {
            assert!(!admin.contains(&a), "{a:?}");
        }
        assert!(is_management(Role::Admin) && is_management(Role::Auditor));
        assert!(Role::ALL.iter().filter(|r| is_management(**r)).count() == 2);
    }

    #[test]
    fn an_expired_password_allows_nothing_until_it_is_changed() {
        let user = User {
            id: 1,
            username: "zhang".into(),
            display_name: "张三".into(),
            role: Role::Coordinator,
            unit: None,
            region: None,
            disabled: false,
            failed_logins: 0,
            locked_until: None,
            created_at: String::new(),
            updated_at: String::new(),
            version: 1,
            password_changed_at: None,
        };
        let fresh = Caller::signed_in(user.clone());
        assert!(allows(&fresh, Action::ManagePlan));
        let session = |expired| ecociv_store::SessionInfo {
            user: user.clone(),
            csrf_token: String::new(),
            created_at: String::new(),
            expires_at: String::new(),
            seen: ecociv_store::Seen {
                generation: 0,
                model_generation: 0,
            },
            password_expired: expired,
        };
        assert!(allows(
            &Caller::session(&session(false)),
            Action::ReadInternal
        ));
        let expired = Caller::session(&session(true));
        for a in ALL_ACTIONS {
            assert!(!allows(&expired, a), "{a:?}");
            let e = require(&expired, a).unwrap_err();
            assert_eq!(e.code(), "password_expired");
        }
    }

    #[test]
    fn management_roles_act_only_from_allowed_addresses() {
        let mut user = User {
            id: 1,
            username: "admin".into(),
            display_name: "管理员".into(),
            role: Role::Admin,
            unit: None,
            region: None,
            disabled: false,
            failed_logins: 0,
            locked_until: None,
            created_at: String::new(),
            updated_at: String::new(),
            version: 1,
            password_changed_at: None,
        };
        let allowed: Vec<AddressRange> = vec!["10.8.0.0/16".parse().unwrap()];
        let inside: IpAddr = "10.8.1.2".parse().unwrap();
        let outside: IpAddr = "192.168.1.2".parse().unwrap();
        assert!(require_management_address(&user, Some(inside), &allowed).is_ok());
        let e = require_management_address(&user, Some(outside), &allowed).unwrap_err();
        assert!(
            e.message(ecociv_i18n::Lang::Zh).contains("192.168.1.2"),
            "{e}"
        );
        assert!(require_management_address(&user, None, &allowed).is_err());
        assert!(require_management_address(&user, Some(outside), &[]).is_ok());
        user.role = Role::Auditor;
        assert!(require_management_address(&user, Some(outside), &allowed).is_err());
        for role in [
            Role::Coordinator,
            Role::Reporter,
            Role::Reviewer,
            Role::Viewer,
        ] {
            user.role = role;
            assert!(require_management_address(&user, Some(outside), &allowed).is_ok());
        }
    }

    #[test]
    fn reports_go_to_those_who_steer_and_read_templates_to_those_who_fill_in() {
        for role in Role::ALL {
            let reports = role_allows(role, Action::ReadReports);
            assert_eq!(
                reports,
                !matches!(role, Role::Reporter | Role::Auditor),
                "{role:?}"
            );
            let templates = role_allows(role, Action::UseTemplates);
            assert_eq!(
                templates,
                matches!(role, Role::Coordinator | Role::Reporter),
                "{role:?}"
            );
        }
    }
}
