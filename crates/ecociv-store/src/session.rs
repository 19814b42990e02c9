//! Login sessions: a random 32-byte token in the cookie, only its SHA-256 in the database, an
//! idle and an absolute expiry, a per-session CSRF token, and a lockout after repeated failures
//! that holds per account *and* source (client address), so that nobody can lock another person
//! out by guessing wrong in their name. Logins, failed password attempts (logins and changes of
//! one's own password), lockouts and logouts are audited, failures with the client address.

use chrono::Duration;
use rand::RngExt;
use sqlx::Row;

use crate::model::sha256_hex;
use crate::tx::WriteTx;
use crate::user::{LoginError, USER_COLS, User, snapshot, user_from_row, verify_password};
use crate::{Actor, Result, Store, parse_timestamp, timestamp};

/// What a successful login hands back. The token is shown once, to be put in a cookie; the store
/// keeps only its hash.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub user: User,
    pub token: String,
    pub csrf_token: String,
    pub expires_at: String,
    /// The password must be changed before anything else ([`Store::password_expired`]).
    pub password_expired: bool,
}

/// A live session.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub user: User,
    pub csrf_token: String,
    pub created_at: String,
    pub expires_at: String,
    /// The data and model generations read in the same query as the session: what this request
    /// can rely on having seen (see [`Store::evaluation_seen`]).
    pub seen: crate::eval::Seen,
    /// The password must be changed before anything else ([`Store::password_expired`]).
    pub password_expired: bool,
}

fn random_hex() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    hex::encode(bytes)
}

/// A valid argon2id hash of a random password, verified against when the user name is unknown so
/// that unknown names and wrong passwords take the same time.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$ZlBmUbvyWVe8TvL9JjYvA2C6tkHqwEDtMxJ2E5wAKc8";

fn dur(d: std::time::Duration) -> Duration {
    Duration::from_std(d).unwrap_or(Duration::hours(1))
}

/// The key failed password attempts are counted under: the client address, an IPv6 address by
/// its /64 (one subscriber's network: rotating addresses inside it gains nothing); anything that
/// is not an address is kept as given.
pub fn attempt_source(client: &str) -> String {
    use std::net::{IpAddr, Ipv6Addr};
    match client.trim().parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{}/64", Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        Ok(ip) => ip.to_string(),
        Err(_) => client.trim().to_owned(),
    }
}

/// A lock's end as people read it (UTC+8, to the minute).
fn local_minute(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// What the audit log says of a refused password attempt on an account.
fn attempt_detail(user: &User, client: &str, reason: &str) -> serde_json::Value {
    serde_json::json!({
        "user_id": user.id,
        "username": user.username,
        "client": client,
        "source": attempt_source(client),
        "reason": reason,
    })
}

/// Counts a failed password attempt on an account from a source, in the write transaction.
/// A failure more than the lockout time after the previous one starts the count anew; the one
/// that reaches `max_failed_logins` locks the pair for the lockout time and restarts the count.
/// Returns the count and the lock's end, if this failure locked. Quiet pairs are forgotten.
async fn count_failure(
    w: &mut WriteTx,
    config: &crate::StoreConfig,
    user_id: i64,
    source: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(i64, Option<String>)> {
    let quiet_since = timestamp(now - dur(config.lockout));
    sqlx::query(
        "DELETE FROM login_failures WHERE updated_at < $1 \
         AND (locked_until IS NULL OR locked_until < $2)",
    )
    .bind(&quiet_since)
    .bind(timestamp(now))
    .execute(&mut *w.tx)
    .await?;
    let previous: i64 =
        sqlx::query("SELECT failures FROM login_failures WHERE user_id = $1 AND source = $2")
            .bind(user_id)
            .bind(source)
            .fetch_optional(&mut *w.tx)
            .await?
            .map(|r| r.try_get(0))
            .transpose()?
            .unwrap_or(0);
    let failures = previous + 1;
    let locked_until =
        (failures >= config.max_failed_logins).then(|| timestamp(now + dur(config.lockout)));
    sqlx::query(
        "INSERT INTO login_failures (user_id, source, failures, locked_until, updated_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, source) DO UPDATE SET \
         failures = excluded.failures, locked_until = excluded.locked_until, \
         updated_at = excluded.updated_at",
    )
    .bind(user_id)
    .bind(source)
    .bind(if locked_until.is_some() { 0 } else { failures })
    .bind(locked_until.clone())
    .bind(&w.at)
    .execute(&mut *w.tx)
    .await?;
    Ok((failures, locked_until))
}

impl Store {
    /// Checks a user name and password and opens a session. `client` (an IP address) goes into
    /// the session row and the audit log, and is the source failures are counted for
    /// ([`attempt_source`]). The store tells why a login failed ([`LoginError`]); the application
    /// decides what the caller is told.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        client: &str,
    ) -> Result<NewSession, LoginError> {
        let sql = format!("SELECT {USER_COLS} FROM users WHERE username = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(username)
            .fetch_optional(self.pool())
            .await?;
        let Some(row) = row else {
            verify_password(password, DUMMY_HASH).await;
            let mut w = self.begin_write().await?;
            w.leaves_evaluation_inputs();
            let detail = serde_json::json!({"username": username, "client": client, "reason": "unknown_user"});
            w.audit(
                &Actor::system(),
                "login.failed",
                &format!("login:{username}"),
                None,
                Some(&detail),
            )
            .await?;
            w.commit().await?;
            return Err(LoginError::InvalidCredentials);
        };
        let user = user_from_row(&row)?;
        let hash: String = row.try_get("password_hash")?;
        let now = self.now();
        let actor = Actor::user(&user);
        // The password is verified whatever follows, so no refusal comes sooner than another.
        let right = verify_password(password, &hash).await;
        self.password_attempt(&user, right, client, "login").await?;
        if user.disabled {
            let mut w = self.begin_write().await?;
            w.leaves_evaluation_inputs();
            let detail = attempt_detail(&user, client, "disabled");
            w.audit(
                &actor,
                "login.failed",
                &format!("login:{}", user.username),
                None,
                Some(&detail),
            )
            .await?;
            w.commit().await?;
            return Err(LoginError::Disabled);
        }

        let token = random_hex();
        let csrf_token = random_hex();
        let expires_at = timestamp(now + dur(self.config().session_absolute));
        let idle = timestamp(now + dur(self.config().session_idle));
        let mut w = self.begin_write().await?;
        w.leaves_evaluation_inputs();
        let before = snapshot(&mut w.tx, user.id).await?;
        // The account-wide counters of before issue 12 (no longer counted) are cleared as ever.
        sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
            .bind(user.id)
            .execute(&mut *w.tx)
            .await?;
        sqlx::query("DELETE FROM login_failures WHERE user_id = $1 AND source = $2")
            .bind(user.id)
            .bind(attempt_source(client))
            .execute(&mut *w.tx)
            .await?;
        // Housekeeping: this user's expired sessions.
        sqlx::query(
            "DELETE FROM sessions WHERE user_id = $1 AND (expires_at < $2 OR idle_expires_at < $2)",
        )
        .bind(user.id)
        .bind(&w.at)
        .execute(&mut *w.tx)
        .await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, \
             idle_expires_at, expires_at, client) VALUES ($1, $2, $3, $4, $4, $5, $6, $7)",
        )
        .bind(sha256_hex(token.as_bytes()))
        .bind(user.id)
        .bind(&csrf_token)
        .bind(&w.at)
        .bind(&idle)
        .bind(&expires_at)
        .bind(client)
        .execute(&mut *w.tx)
        .await?;
        let after = snapshot(&mut w.tx, user.id).await?;
        w.audit(
            &actor,
            "login",
            &format!("user:{}", user.id),
            Some(&before),
            Some(&after),
        )
        .await?;
        w.commit().await?;
        let user = self.user(user.id).await?;
        Ok(NewSession {
            password_expired: self.password_expired(&user),
            user,
            token,
            csrf_token,
            expires_at,
        })
    }

    /// Checks the current password of a user changing their own, counted, locked and audited
    /// like a login from `client` (the same count: guesses here and at the login add up).
    pub async fn check_own_password(
        &self,
        id: i64,
        password: &str,
        client: &str,
    ) -> Result<(), LoginError> {
        let sql = format!("SELECT {USER_COLS} FROM users WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| crate::StoreError::not_found(ecociv_i18n::Noun::User, id))?;
        let user = user_from_row(&row)?;
        let hash: String = row.try_get("password_hash")?;
        let right = verify_password(password, &hash).await;
        self.password_attempt(&user, right, client, "password")
            .await
    }

    /// The bookkeeping of one password attempt on an account from `client`, once the password
    /// was verified (`right`): refused while this source is locked out of the account (audited
    /// `{kind}.locked`), right or not; a wrong password counts toward the lock (audited
    /// `{kind}.failed`, or `account.locked` when it locks). `kind`: `login`, or `password` for
    /// changing one's own. Failures are occurrences in the log (`login:{username}`), with the
    /// client address and the source they were counted for.
    async fn password_attempt(
        &self,
        user: &User,
        right: bool,
        client: &str,
        kind: &str,
    ) -> Result<(), LoginError> {
        let now = self.now();
        let source = attempt_source(client);
        let entity = format!("login:{}", user.username);
        let locked: Option<String> = sqlx::query(
            "SELECT locked_until FROM login_failures WHERE user_id = $1 AND source = $2",
        )
        .bind(user.id)
        .bind(&source)
        .fetch_optional(self.pool())
        .await?
        .map(|r| crate::opt_text(&r, "locked_until"))
        .transpose()?
        .flatten();
        if let Some(until) = locked.as_deref().and_then(parse_timestamp)
            && until > now
        {
            let mut w = self.begin_write().await?;
            w.leaves_evaluation_inputs();
            let mut detail = attempt_detail(user, client, "locked");
            detail["locked_until"] = serde_json::json!(timestamp(until));
            w.audit(
                &Actor::user(user),
                &format!("{kind}.locked"),
                &entity,
                None,
                Some(&detail),
            )
            .await?;
            w.commit().await?;
            return Err(LoginError::Locked {
                until: local_minute(until),
            });
        }
        if right {
            return Ok(());
        }
        let mut w = self.begin_write().await?;
        w.leaves_evaluation_inputs();
        let (failures, locked_until) =
            count_failure(&mut w, self.config(), user.id, &source, now).await?;
        let mut detail = attempt_detail(
            user,
            client,
            if kind == "login" {
                "wrong_password"
            } else {
                "wrong_current_password"
            },
        );
        detail["failures"] = serde_json::json!(failures);
        let action = match &locked_until {
            Some(until) => {
                detail["locked_until"] = serde_json::json!(until);
                "account.locked".to_owned()
            }
            None => format!("{kind}.failed"),
        };
        w.audit(&Actor::user(user), &action, &entity, None, Some(&detail))
            .await?;
        w.commit().await?;
        Err(LoginError::InvalidCredentials)
    }

    /// The live session of a token, if any. Expired sessions are removed; the idle expiry moves
    /// forward (at most once a minute, so reads stay reads).
    pub async fn session(&self, token: &str) -> Result<Option<SessionInfo>> {
        if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let token_hash = sha256_hex(token.as_bytes());
        let sql = format!(
            "SELECT s.csrf_token, s.created_at AS s_created, s.last_seen_at, s.idle_expires_at, \
             s.expires_at, g.generation AS data_generation, g.model_generation, {} \
             FROM sessions s JOIN users u ON u.id = s.user_id JOIN store_state g ON g.id = 1 \
             WHERE s.token_hash = $1",
            USER_COLS
                .split(", ")
                .map(|c| format!("u.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&token_hash)
            .fetch_optional(self.pool())
            .await?
        else {
            return Ok(None);
        };
        let now = self.now();
        let at = |c: &str| -> Result<chrono::DateTime<chrono::Utc>> {
            let s: String = row.try_get(c)?;
            Ok(parse_timestamp(&s).unwrap_or(now))
        };
        let user = user_from_row(&row)?;
        if at("idle_expires_at")? <= now || at("expires_at")? <= now || user.disabled {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(&token_hash)
                .execute(self.pool())
                .await?;
            return Ok(None);
        }
        if now - at("last_seen_at")? > Duration::seconds(60) {
            sqlx::query(
                "UPDATE sessions SET last_seen_at = $1, idle_expires_at = $2 WHERE token_hash = $3",
            )
            .bind(timestamp(now))
            .bind(timestamp(now + dur(self.config().session_idle)))
            .bind(&token_hash)
            .execute(self.pool())
            .await?;
        }
        Ok(Some(SessionInfo {
            seen: crate::eval::Seen {
                generation: row.try_get("data_generation")?,
                model_generation: row.try_get("model_generation")?,
            },
            csrf_token: row.try_get("csrf_token")?,
            created_at: row.try_get("s_created")?,
            expires_at: row.try_get("expires_at")?,
            password_expired: self.password_expired(&user),
            user,
        }))
    }

    /// Whether a user must change their password before doing anything else: with a maximum
    /// age configured ([`crate::StoreConfig::password_max_age`]), when they did not choose it
    /// themselves (no [`User::password_changed_at`]) or chose it longer ago than that.
    pub fn password_expired(&self, user: &User) -> bool {
        let Some(max_age) = self.config().password_max_age else {
            return false;
        };
        match user
            .password_changed_at
            .as_deref()
            .and_then(parse_timestamp)
        {
            None => true,
            Some(at) => self.now() - at >= dur(max_age),
        }
    }

    /// Ends a session. Unknown tokens are ignored.
    pub async fn logout(&self, token: &str) -> Result<()> {
        let token_hash = sha256_hex(token.as_bytes());
        let mut w = self.begin_write().await?;
        w.leaves_evaluation_inputs();
        let row = sqlx::query("DELETE FROM sessions WHERE token_hash = $1 RETURNING user_id")
            .bind(&token_hash)
            .fetch_optional(&mut *w.tx)
            .await?;
        if let Some(row) = row {
            let id: i64 = row.try_get(0)?;
            let snap = snapshot(&mut w.tx, id).await?;
            let actor = Actor {
                user_id: Some(id),
                name: snap["username"].as_str().unwrap_or_default().to_owned(),
            };
            w.audit(
                &actor,
                "logout",
                &format!("user:{id}"),
                Some(&snap),
                Some(&snap),
            )
            .await?;
            w.commit().await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_count_per_address_and_ipv6_per_64() {
        assert_eq!(attempt_source("203.0.113.7"), "203.0.113.7");
        assert_eq!(attempt_source("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(attempt_source("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
        assert_eq!(
            attempt_source("2001:db8:1:2::ffff"),
            attempt_source("2001:db8:1:2:aaaa::1")
        );
        assert_eq!(attempt_source(""), "");
    }
}
