//! Login sessions: a random 32-byte token in the cookie, only its SHA-256 in the database, an
//! idle and an absolute expiry, a per-session CSRF token, and per-account lockout after repeated
//! failures. Logins, failed logins, lockouts and logouts are audited.

use chrono::Duration;
use rand::RngExt;
use sqlx::Row;

use crate::model::sha256_hex;
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

impl Store {
    /// Checks a user name and password and opens a session. `client` (an IP address) goes into
    /// the session row and the audit log.
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
        if let Some(until) = user.locked_until.as_deref().and_then(parse_timestamp)
            && until > now
        {
            let mut w = self.begin_write().await?;
            let snap = snapshot(&mut w.tx, user.id).await?;
            w.audit(
                &actor,
                "login.locked",
                &format!("user:{}", user.id),
                Some(&snap),
                Some(&snap),
            )
            .await?;
            w.commit().await?;
            return Err(LoginError::Locked {
                until: until
                    .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
                    .format("%Y-%m-%d %H:%M")
                    .to_string(),
            });
        }
        if !verify_password(password, &hash).await {
            let mut w = self.begin_write().await?;
            let before = snapshot(&mut w.tx, user.id).await?;
            let failed: i64 = sqlx::query(
                "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 \
                 RETURNING failed_logins",
            )
            .bind(user.id)
            .fetch_one(&mut *w.tx)
            .await?
            .try_get(0)?;
            let locked = failed >= self.config().max_failed_logins;
            if locked {
                let until = timestamp(now + dur(self.config().lockout));
                sqlx::query("UPDATE users SET failed_logins = 0, locked_until = $1 WHERE id = $2")
                    .bind(until)
                    .bind(user.id)
                    .execute(&mut *w.tx)
                    .await?;
            }
            let after = snapshot(&mut w.tx, user.id).await?;
            w.audit(
                &actor,
                if locked {
                    "account.locked"
                } else {
                    "login.failed"
                },
                &format!("user:{}", user.id),
                Some(&before),
                Some(&after),
            )
            .await?;
            w.commit().await?;
            return Err(LoginError::InvalidCredentials);
        }
        if user.disabled {
            return Err(LoginError::Disabled);
        }

        let token = random_hex();
        let csrf_token = random_hex();
        let expires_at = timestamp(now + dur(self.config().session_absolute));
        let idle = timestamp(now + dur(self.config().session_idle));
        let mut w = self.begin_write().await?;
        let before = snapshot(&mut w.tx, user.id).await?;
        sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
            .bind(user.id)
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
