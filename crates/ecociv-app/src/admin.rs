//! Administration: accounts (the administrator), reporting periods and publication, plan and
//! catalogue versions, targets assigned by the superior authority, which indicators are public
//! (the creation office), the audit log, plan-check findings, backup.

use ecociv_core::findings::{Finding, plan_findings};
use ecociv_i18n::Msg;
use ecociv_store::model::{CatalogueFile, PlanVersion};
use ecociv_store::{
    AssignedInput, AssignedRecord, AuditEvent, AuditFilter, AuditHead, LoginError, NewUser,
    PeriodState, Role, User, UserUpdate, VerifyReport,
};

use crate::error::{AppError, AppResult};
use crate::policy::{self, Action};
use crate::{App, Caller};

/// A new account. Without a password one is generated and returned once.
#[derive(Debug, Clone, Default)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    /// `admin`, `coordinator`, `reporter`, `reviewer`, `viewer` or `auditor`.
    pub role: String,
    pub unit: Option<String>,
    pub region: Option<String>,
    pub password: Option<String>,
}

/// A change to an account; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChange {
    pub version: i64,
    pub display_name: Option<String>,
    pub role: Option<String>,
    pub unit: Option<Option<String>>,
    pub region: Option<Option<String>>,
    pub disabled: Option<bool>,
}

/// What to do with a reporting period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeriodAction {
    Close { reason: String },
    Reopen { reason: String },
    Publish(bool),
}

impl PeriodAction {
    /// `close`, `reopen`, `publish` or `unpublish`, with the reason for the first two.
    pub fn parse(action: &str, reason: &str) -> AppResult<PeriodAction> {
        match action {
            "close" => Ok(PeriodAction::Close {
                reason: reason.to_owned(),
            }),
            "reopen" => Ok(PeriodAction::Reopen {
                reason: reason.to_owned(),
            }),
            "publish" => Ok(PeriodAction::Publish(true)),
            "unpublish" => Ok(PeriodAction::Publish(false)),
            other => Err(AppError::invalid(
                "action",
                Msg::UnknownAction {
                    action: other.to_owned(),
                },
            )),
        }
    }
}

/// A role from its identifier.
pub fn parse_role(s: &str) -> AppResult<Role> {
    Role::parse(s).ok_or_else(|| AppError::invalid("role", Msg::UnknownRole { role: s.to_owned() }))
}

impl App {
    // ---- accounts ------------------------------------------------------------------------

    pub async fn users(&self, caller: &Caller) -> AppResult<Vec<User>> {
        policy::require(caller, Action::ManageUsers)?;
        Ok(self.store().users().await?)
    }

    pub async fn user_by_name(&self, caller: &Caller, username: &str) -> AppResult<User> {
        policy::require(caller, Action::ManageUsers)?;
        Ok(self.store().user_by_name(username).await?)
    }

    /// Creates an account; returns it with the generated password when none was given.
    pub async fn create_user(
        &self,
        caller: &Caller,
        new: NewAccount,
    ) -> AppResult<(User, Option<String>)> {
        policy::require(caller, Action::ManageUsers)?;
        let role = parse_role(&new.role)?;
        if let Some(p) = &new.password {
            crate::password::check_new_password("password", new.username.trim(), p)?;
        }
        let generated = new
            .password
            .is_none()
            .then(ecociv_store::user::generate_password);
        let user = self
            .store()
            .create_user(
                &caller.actor(),
                NewUser {
                    username: new.username.trim().to_owned(),
                    display_name: new.display_name.trim().to_owned(),
                    role,
                    unit: new.unit.filter(|u| !u.trim().is_empty()),
                    region: new.region.filter(|r| !r.trim().is_empty()),
                    password: generated.clone().or(new.password).unwrap_or_default(),
                },
            )
            .await?;
        Ok((user, generated))
    }

    /// Changes an account (role, binding, name, disabled). Nobody disables their own account;
    /// disabling ends the account's sessions.
    pub async fn update_user(&self, caller: &Caller, id: i64, c: UserChange) -> AppResult<User> {
        policy::require(caller, Action::ManageUsers)?;
        if c.disabled == Some(true) && caller.user().is_some_and(|u| u.id == id) {
            return Err(AppError::invalid("disabled", Msg::CannotDisableSelf));
        }
        let update = UserUpdate {
            display_name: c
                .display_name
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty()),
            role: c.role.as_deref().map(parse_role).transpose()?,
            unit: c.unit,
            region: c.region,
            disabled: c.disabled,
        };
        Ok(self
            .store()
            .update_user(&caller.actor(), id, update, c.version)
            .await?)
    }

    /// Sets a password: the administrator for anyone; a user for themselves, with the current
    /// password, whose wrong guesses count toward the same lock as failed logins from `client`
    /// (and are audited like them). The new password passes the password rules. Ends the
    /// account's sessions.
    pub async fn set_password(
        &self,
        caller: &Caller,
        id: i64,
        current: Option<&str>,
        new: &str,
        client: &str,
    ) -> AppResult<User> {
        let own = caller.user().is_some_and(|u| u.id == id);
        if !own {
            policy::require(caller, Action::ManageUsers)?;
        }
        let account = self.store().user(id).await?;
        crate::password::check_new_password("new_password", &account.username, new)?;
        if own {
            match self
                .store()
                .check_own_password(id, current.unwrap_or(""), client)
                .await
            {
                Ok(()) => {}
                Err(LoginError::Locked { until }) => {
                    return Err(AppError::Login {
                        message: Msg::PasswordAttemptsLocked { until },
                        locked: true,
                    });
                }
                Err(LoginError::InvalidCredentials | LoginError::Disabled) => {
                    return Err(AppError::invalid(
                        "current_password",
                        Msg::WrongCurrentPassword,
                    ));
                }
                Err(LoginError::Store(e)) => return Err(e.into()),
            }
        }
        Ok(self.store().set_password(&caller.actor(), id, new).await?)
    }

    /// Gives an account a new generated password (shown once) and ends its sessions.
    pub async fn reset_password(&self, caller: &Caller, id: i64) -> AppResult<(User, String)> {
        policy::require(caller, Action::ManageUsers)?;
        let password = ecociv_store::user::generate_password();
        let user = self
            .store()
            .set_password(&caller.actor(), id, &password)
            .await?;
        Ok((user, password))
    }

    /// Whether any account exists (a fresh database gets its administrator).
    pub async fn has_users(&self) -> AppResult<bool> {
        Ok(self.store().has_users().await?)
    }

    // ---- periods and publication ---------------------------------------------------------

    /// Periods ever closed or published (the rest are open and unpublished). Public, but the
    /// public does not see who changed a period or the internal reason it was closed or
    /// reopened.
    pub async fn periods(&self, caller: &Caller) -> AppResult<Vec<PeriodState>> {
        let periods = self.store().periods().await?;
        if !caller.is_anonymous() {
            return Ok(periods);
        }
        Ok(periods
            .into_iter()
            .map(|mut p| {
                p.reason.clear();
                p.updated_by = None;
                p
            })
            .collect())
    }

    pub async fn change_period(
        &self,
        caller: &Caller,
        id: &str,
        action: &PeriodAction,
        version: i64,
    ) -> AppResult<PeriodState> {
        policy::require(caller, Action::ManagePeriods)?;
        let actor = caller.actor();
        let s = self.store();
        Ok(match action {
            PeriodAction::Close { reason } => s.close_period(&actor, id, reason, version).await?,
            PeriodAction::Reopen { reason } => s.reopen_period(&actor, id, reason, version).await?,
            PeriodAction::Publish(p) => s.set_period_published(&actor, id, *p, version).await?,
        })
    }

    pub async fn set_indicator_published(
        &self,
        caller: &Caller,
        code: &str,
        published: bool,
    ) -> AppResult<()> {
        policy::require(caller, Action::ManagePeriods)?;
        Ok(self
            .store()
            .set_indicator_published(&caller.actor(), code, published)
            .await?)
    }

    // ---- plan and catalogue --------------------------------------------------------------

    pub async fn plan_versions(&self, caller: &Caller) -> AppResult<Vec<PlanVersion>> {
        policy::require(caller, Action::ReadInternal)?;
        Ok(self.store().plan_versions().await?)
    }

    pub async fn catalogue_files(&self, caller: &Caller) -> AppResult<Vec<CatalogueFile>> {
        policy::require(caller, Action::ReadInternal)?;
        Ok(self.store().catalogue_files().await?)
    }

    pub async fn catalogue_text(&self, caller: &Caller, name: &str) -> AppResult<String> {
        policy::require(caller, Action::ReadInternal)?;
        Ok(self.store().catalogue_text(name).await?)
    }

    pub async fn put_catalogue_version(
        &self,
        caller: &Caller,
        name: &str,
        text: &str,
        version: Option<i64>,
    ) -> AppResult<CatalogueFile> {
        policy::require(caller, Action::ManagePlan)?;
        Ok(self
            .store()
            .put_catalogue_version(&caller.actor(), name, text, version)
            .await?)
    }

    pub async fn set_catalogue_version(&self, caller: &Caller, version: &str) -> AppResult<()> {
        policy::require(caller, Action::ManagePlan)?;
        Ok(self
            .store()
            .set_catalogue_version(&caller.actor(), version)
            .await?)
    }

    /// Loads a plan version (UTF-8 TOML), activated when asked; every problem located.
    pub async fn load_plan(
        &self,
        caller: &Caller,
        name: &str,
        bytes: &[u8],
        activate: bool,
    ) -> AppResult<PlanVersion> {
        policy::require(caller, Action::ManagePlan)?;
        let text =
            std::str::from_utf8(bytes).map_err(|_| AppError::invalid("file", Msg::PlanNotUtf8))?;
        let name = crate::evidence::clean_file_name(name, "plan.toml");
        Ok(self
            .store()
            .load_plan(&caller.actor(), &name, text, activate)
            .await?)
    }

    /// What the active plan says that a reviewer of it should know: targets laxer than the
    /// national threshold of the catalogue version in force. Public, like the plan.
    pub async fn plan_findings(&self) -> AppResult<Vec<Finding>> {
        let model = self.model().await?;
        Ok(model
            .catalogue
            .version(&model.catalogue_version)
            .map(|v| plan_findings(&model.plan, v))
            .unwrap_or_default())
    }

    // ---- assigned targets ------------------------------------------------------------------

    pub async fn assigned_targets(&self, caller: &Caller) -> AppResult<Vec<AssignedRecord>> {
        policy::require(caller, Action::ReadInternal)?;
        Ok(self.store().assigned_targets().await?)
    }

    /// Creates or replaces an assigned target. `version`: the one read, `None` to create;
    /// `Latest` to replace whatever is stored (a form that edits the current row).
    pub async fn put_assigned(
        &self,
        caller: &Caller,
        input: AssignedInput,
        version: AssignedVersion,
    ) -> AppResult<AssignedRecord> {
        policy::require(caller, Action::ManagePlan)?;
        let version = match version {
            AssignedVersion::Read(v) => v,
            AssignedVersion::Latest => self
                .store()
                .assigned_targets()
                .await?
                .into_iter()
                .find(|a| {
                    a.indicator == input.indicator
                        && a.region == input.region
                        && a.year == input.year
                })
                .map(|a| a.version),
        };
        let input = AssignedInput {
            threshold: input.threshold.trim().to_owned(),
            document: input.document.trim().to_owned(),
            ..input
        };
        Ok(self
            .store()
            .put_assigned(&caller.actor(), &input, version)
            .await?)
    }

    // ---- audit -------------------------------------------------------------------------------

    pub async fn audit_events(
        &self,
        caller: &Caller,
        filter: &AuditFilter,
    ) -> AppResult<Vec<AuditEvent>> {
        policy::require(caller, Action::ReadAudit)?;
        Ok(self.store().audit_events(filter).await?)
    }

    pub async fn verify_audit(&self, caller: &Caller) -> AppResult<VerifyReport> {
        policy::require(caller, Action::VerifyAudit)?;
        Ok(self.store().verify_audit().await?)
    }

    /// [`App::verify_audit`], and that the chain still holds a head recorded earlier (see
    /// [`AuditHead`]): a rollback of the tail is caught.
    pub async fn verify_audit_expecting(
        &self,
        caller: &Caller,
        expect: &AuditHead,
    ) -> AppResult<VerifyReport> {
        policy::require(caller, Action::VerifyAudit)?;
        Ok(self.store().verify_audit_expecting(Some(expect)).await?)
    }

    /// The head of the audit chain now, to be recorded outside the database.
    pub async fn audit_head(&self, caller: &Caller) -> AppResult<AuditHead> {
        policy::require(caller, Action::VerifyAudit)?;
        Ok(self.store().audit_head().await?)
    }

    /// A consistent backup, while the service runs (the operator).
    pub async fn backup(
        &self,
        caller: &Caller,
        out: &mut (dyn std::io::Write + Send),
    ) -> AppResult<ecociv_store::backup::BackupSummary> {
        policy::require(caller, Action::VerifyAudit)?;
        Ok(self.store().backup(out).await?)
    }

    /// Loads the demo data (示例数据) once; `None` when it is there already.
    pub async fn load_demo(
        &self,
        caller: &Caller,
    ) -> AppResult<Option<ecociv_store::demo::DemoSummary>> {
        policy::require(caller, Action::ManagePlan)?;
        Ok(self.store().load_demo().await?)
    }
}

/// Which version of an assigned target a change names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignedVersion {
    /// The version read (`None`: none exists yet).
    Read(Option<i64>),
    /// Whatever is stored now.
    Latest,
}
