//! Accounts: roles, unit or region binding, argon2id password hashes, disabling.
//!
//! Roles: `admin` (accounts and settings), `coordinator` (创建办: the plan, the catalogue,
//! approvals everywhere, periods), `reporter` and `reviewer` bound to one unit (department) or one
//! region (county), `viewer` (reads everything internal, writes nothing) and `auditor`
//! (审计管理员: reads and verifies the audit log, nothing else). What each role may do is decided
//! by the application's policy; the store keeps the binding consistent.

use ecociv_i18n::{Msg, Noun, Phrase, Words};

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::model::sha256_hex;
use crate::{Actor, Result, Store, StoreError, opt_text};

/// A role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Role {
    Admin,
    Coordinator,
    Reporter,
    Reviewer,
    Viewer,
    /// 审计管理员: the audit log and its verification, nothing else.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Coordinator,
        Role::Reporter,
        Role::Reviewer,
        Role::Viewer,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Coordinator => "coordinator",
            Role::Reporter => "reporter",
            Role::Reviewer => "reviewer",
            Role::Viewer => "viewer",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }

    /// The Chinese word (系统管理员, 创建办, …).
    pub fn name_zh(self) -> &'static str {
        self.zh()
    }

    /// Reporters and reviewers act for one unit or region; the others for the whole city.
    pub fn needs_binding(self) -> bool {
        matches!(self, Role::Reporter | Role::Reviewer)
    }
}

ecociv_i18n::words!(Role {
    Admin => "系统管理员", "Administrator";
    Coordinator => "创建办", "Creation office";
    Reporter => "填报员", "Reporter";
    Reviewer => "审核员", "Reviewer";
    Viewer => "查看者", "Viewer";
    Auditor => "审计管理员", "Auditor";
});

/// An account (never with its password hash).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The department (unit code) a reporter or reviewer acts for.
    pub unit: Option<String>,
    /// The region (county code) a reporter or reviewer acts for.
    pub region: Option<String>,
    pub disabled: bool,
    /// The account-wide lockout of before issue 12, kept for compatibility: 0 and `null` now.
    /// Failures are counted per account and source, so no lock holds for the whole account.
    pub failed_logins: i64,
    pub locked_until: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
    /// When the account's own user last chose its password; `None` when someone else set it
    /// (a generated initial password, an administrator's reset) or it was set before this was
    /// recorded. Left out of the JSON when `None`, so audit snapshots of older accounts stay
    /// as they were.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_changed_at: Option<String>,
}

/// A new account.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit: Option<String>,
    pub region: Option<String>,
    pub password: String,
}

/// A change to an account; `None` leaves a field as it is. Setting `unit` clears `region` and the
/// other way round.
#[derive(Debug, Clone, Default)]
pub struct UserUpdate {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub unit: Option<Option<String>>,
    pub region: Option<Option<String>>,
    pub disabled: Option<bool>,
}

/// Why a login or a check of one's current password failed. The store tells; the application
/// decides what the caller sees (before authentication: the same answer for all).
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("{}", Msg::InvalidCredentials)]
    InvalidCredentials,
    #[error("{}", Msg::AccountLocked { until: until.clone() })]
    Locked { until: String },
    #[error("{}", Msg::AccountDisabled)]
    Disabled,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for LoginError {
    fn from(e: sqlx::Error) -> LoginError {
        LoginError::Store(e.into())
    }
}

pub(crate) const USER_COLS: &str = "id, username, display_name, role, unit_code, region_code, \
     password_hash, disabled, failed_logins, locked_until, created_at, updated_at, version, \
     password_changed_at";

pub(crate) fn user_from_row(r: &AnyRow) -> Result<User> {
    let role: String = r.try_get("role")?;
    Ok(User {
        id: r.try_get("id")?,
        username: r.try_get("username")?,
        display_name: r.try_get("display_name")?,
        role: Role::parse(&role).unwrap_or(Role::Viewer),
        unit: opt_text(r, "unit_code")?,
        region: opt_text(r, "region_code")?,
        disabled: r.try_get::<i64, _>("disabled")? == 1,
        failed_logins: r.try_get("failed_logins")?,
        locked_until: opt_text(r, "locked_until")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        version: r.try_get("version")?,
        password_changed_at: opt_text(r, "password_changed_at")?,
    })
}

/// The audit snapshot: the account plus a fingerprint of its password hash, so a hash swapped in
/// behind the application's back is caught by `audit verify` (the hash itself never enters the
/// log).
fn snapshot_of(r: &AnyRow) -> Result<serde_json::Value> {
    let mut v = serde_json::to_value(user_from_row(r)?).unwrap_or_default();
    let hash: String = r.try_get("password_hash")?;
    v["password_fingerprint"] = json!(sha256_hex(hash.as_bytes())[..16]);
    Ok(v)
}

pub(crate) async fn snapshot(conn: &mut AnyConnection, id: i64) -> Result<serde_json::Value> {
    let sql = format!("SELECT {USER_COLS} FROM users WHERE id = $1");
    let r = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    snapshot_of(&r)
}

pub(crate) async fn audited_rows(
    conn: &mut AnyConnection,
) -> Result<Vec<(String, serde_json::Value)>> {
    let sql = format!("SELECT {USER_COLS} FROM users");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                format!("user:{}", r.try_get::<i64, _>("id")?),
                snapshot_of(r)?,
            ))
        })
        .collect()
}

pub(crate) const AUDITED: crate::audited::AuditedTable = crate::audited::AuditedTable {
    kinds: &["user"],
    rows: |c| Box::pin(audited_rows(c)),
};

/// Checks a password against the policy: at least 10 characters, not the user name.
pub fn check_password(username: &str, password: &str) -> Result<()> {
    if password.chars().count() < 10 {
        return Err(StoreError::invalid(
            "password",
            Msg::PasswordTooShort { min: 10 },
        ));
    }
    if password.eq_ignore_ascii_case(username) {
        return Err(StoreError::invalid("password", Msg::PasswordIsUsername));
    }
    Ok(())
}

/// Hashes a password with argon2id (on a blocking thread: it takes tens of milliseconds on
/// purpose).
pub async fn hash_password(password: &str) -> Result<String> {
    let pw = password.to_owned();
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(pw.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| StoreError::Io(format!("密码哈希失败: {e}")))
    })
    .await
    .map_err(|e| StoreError::Io(format!("密码哈希失败: {e}")))?
}

/// Verifies a password against a PHC hash string, on a blocking thread.
pub async fn verify_password(password: &str, hash: &str) -> bool {
    let (pw, hash) = (password.to_owned(), hash.to_owned());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .is_ok_and(|h| Argon2::default().verify_password(pw.as_bytes(), &h).is_ok())
    })
    .await
    .unwrap_or(false)
}

/// A random password of 16 characters from an alphabet without look-alikes (0/O, 1/l/I).
pub fn generate_password() -> String {
    use rand::RngExt;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..16)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

fn check_username(name: &str) -> Result<()> {
    let ok = (2..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(StoreError::invalid(
            "username",
            Msg::UsernameInvalid {
                name: name.to_owned(),
            },
        ))
    }
}

impl Store {
    /// Checks a role's binding against the active plan.
    fn check_binding(&self, role: Role, unit: Option<&str>, region: Option<&str>) -> Result<()> {
        let model = self.model();
        if role.needs_binding() {
            match (unit, region) {
                (Some(_), Some(_)) | (None, None) => {
                    return Err(StoreError::invalid(
                        "unit",
                        Msg::BindingRequired {
                            role: Phrase::of(&role),
                        },
                    ));
                }
                _ => {}
            }
        } else if unit.is_some() || region.is_some() {
            return Err(StoreError::invalid(
                "unit",
                Msg::BindingNotAllowed {
                    role: Phrase::of(&role),
                },
            ));
        }
        if let Some(u) = unit
            && model.unit(u).is_none()
        {
            return Err(StoreError::invalid(
                "unit",
                Msg::UnknownUnit { code: u.to_owned() },
            ));
        }
        if let Some(r) = region
            && model.plan.region(r).is_none()
        {
            return Err(StoreError::invalid(
                "region",
                Msg::UnknownRegionCode { code: r.to_owned() },
            ));
        }
        Ok(())
    }

    /// Creates an account.
    pub async fn create_user(&self, actor: &Actor, new: NewUser) -> Result<User> {
        check_username(&new.username)?;
        if new.display_name.trim().is_empty() {
            return Err(StoreError::invalid("display_name", Msg::DisplayNameEmpty));
        }
        check_password(&new.username, &new.password)?;
        self.current_model().await?;
        self.check_binding(new.role, new.unit.as_deref(), new.region.as_deref())?;
        let hash = hash_password(&new.password).await?;
        let mut w = self.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO users (username, display_name, role, unit_code, region_code, \
             password_hash, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
             RETURNING id",
        )
        .bind(&new.username)
        .bind(new.display_name.trim())
        .bind(new.role.as_str())
        .bind(new.unit.clone())
        .bind(new.region.clone())
        .bind(&hash)
        .bind(&w.at)
        .fetch_one(&mut *w.tx)
        .await;
        let id: i64 = match inserted {
            Ok(r) => r.try_get(0)?,
            Err(e) if StoreError::is_unique_violation(&e) => {
                return Err(StoreError::invalid(
                    "username",
                    Msg::UsernameTaken {
                        name: new.username.clone(),
                    },
                ));
            }
            Err(e) => return Err(e.into()),
        };
        let after = snapshot(&mut w.tx, id).await?;
        w.audit(
            actor,
            "user.create",
            &format!("user:{id}"),
            None,
            Some(&after),
        )
        .await?;
        w.commit().await?;
        self.user(id).await
    }

    pub async fn user(&self, id: i64) -> Result<User> {
        let sql = format!("SELECT {USER_COLS} FROM users WHERE id = $1");
        let r = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| StoreError::not_found(Noun::User, id))?;
        user_from_row(&r)
    }

    pub async fn user_by_name(&self, username: &str) -> Result<User> {
        let sql = format!("SELECT {USER_COLS} FROM users WHERE username = $1");
        let r = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(username)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| StoreError::not_found(Noun::User, username))?;
        user_from_row(&r)
    }

    pub async fn users(&self) -> Result<Vec<User>> {
        let sql = format!("SELECT {USER_COLS} FROM users ORDER BY id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(user_from_row).collect()
    }

    /// Whether any account exists (the first start creates the first admin).
    pub async fn has_users(&self) -> Result<bool> {
        Ok(sqlx::query("SELECT id FROM users LIMIT 1")
            .fetch_optional(self.pool())
            .await?
            .is_some())
    }

    /// Changes an account. `expected_version` is the version the caller read.
    pub async fn update_user(
        &self,
        actor: &Actor,
        id: i64,
        update: UserUpdate,
        expected_version: i64,
    ) -> Result<User> {
        let current = self.user(id).await?;
        let role = update.role.unwrap_or(current.role);
        let (mut unit, mut region) = (current.unit.clone(), current.region.clone());
        if let Some(u) = update.unit.clone() {
            unit = u;
            if unit.is_some() {
                region = None;
            }
        }
        if let Some(r) = update.region.clone() {
            region = r;
            if region.is_some() {
                unit = None;
            }
        }
        if !role.needs_binding() {
            unit = None;
            region = None;
        }
        self.current_model().await?;
        self.check_binding(role, unit.as_deref(), region.as_deref())?;
        let display_name = update
            .display_name
            .map(|s| s.trim().to_owned())
            .unwrap_or(current.display_name.clone());
        if display_name.is_empty() {
            return Err(StoreError::invalid("display_name", Msg::DisplayNameEmpty));
        }
        let disabled = update.disabled.unwrap_or(current.disabled);
        let mut w = self.begin_write().await?;
        let before = snapshot(&mut w.tx, id).await?;
        let done = sqlx::query(
            "UPDATE users SET display_name = $1, role = $2, unit_code = $3, region_code = $4, \
             disabled = $5, updated_at = $6, version = version + 1 WHERE id = $7 AND version = $8",
        )
        .bind(&display_name)
        .bind(role.as_str())
        .bind(unit)
        .bind(region)
        .bind(i64::from(disabled))
        .bind(&w.at)
        .bind(id)
        .bind(expected_version)
        .execute(&mut *w.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict {
                message: Msg::Stale {
                    what: Noun::User,
                    key: Some(current.username.clone()),
                    version: None,
                    state: None,
                },
                current: before,
            });
        }
        if disabled {
            // A disabled account loses its sessions at once.
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id)
                .execute(&mut *w.tx)
                .await?;
        }
        let after = snapshot(&mut w.tx, id).await?;
        let action = match (current.disabled, disabled) {
            (false, true) => "user.disable",
            (true, false) => "user.enable",
            _ => "user.update",
        };
        w.audit(
            actor,
            action,
            &format!("user:{id}"),
            Some(&before),
            Some(&after),
        )
        .await?;
        w.commit().await?;
        self.user(id).await
    }

    /// Sets a new password, unlocks the account (from every source) and ends its sessions. The
    /// change time is kept when the account's own user sets it ([`User::password_changed_at`]);
    /// a password set by anyone else counts as not chosen by its user.
    pub async fn set_password(&self, actor: &Actor, id: i64, password: &str) -> Result<User> {
        let user = self.user(id).await?;
        check_password(&user.username, password)?;
        let hash = hash_password(password).await?;
        let mut w = self.begin_write().await?;
        let before = snapshot(&mut w.tx, id).await?;
        let own = actor.user_id == Some(id);
        sqlx::query(
            "UPDATE users SET password_hash = $1, failed_logins = 0, locked_until = NULL, \
             updated_at = $2, version = version + 1, password_changed_at = $4 WHERE id = $3",
        )
        .bind(&hash)
        .bind(&w.at)
        .bind(id)
        .bind(own.then(|| w.at.clone()))
        .execute(&mut *w.tx)
        .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        sqlx::query("DELETE FROM login_failures WHERE user_id = $1")
            .bind(id)
            .execute(&mut *w.tx)
            .await?;
        let after = snapshot(&mut w.tx, id).await?;
        w.audit(
            actor,
            "user.password",
            &format!("user:{id}"),
            Some(&before),
            Some(&after),
        )
        .await?;
        w.commit().await?;
        self.user(id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn generated_passwords_pass_the_policy() {
        let p = generate_password();
        assert_eq!(p.len(), 16);
        check_password("admin", &p).unwrap();
        assert!(check_password("admin", "short").is_err());
        assert!(check_password("administrat", "Administrat").is_err());
    }

    #[test]
    fn usernames_are_lower_case_ascii() {
        assert!(check_username("zhang.san").is_ok());
        assert!(check_username("张三").is_err());
        assert!(check_username("Admin").is_err());
        assert!(check_username("a").is_err());
    }

    #[tokio::test]
    async fn passwords_verify_against_their_hash_only() {
        let h = hash_password("correct horse battery").await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h).await);
        assert!(!verify_password("wrong horse battery", &h).await);
    }
}
