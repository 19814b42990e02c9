//! The audit log: one event per change, hash-chained, written in the same transaction as the
//! change (see `tx.rs`).
//!
//! Each event stores the hash of the previous one (`prev_hash`; the first event's is 64 zeros)
//! and its own `hash`, the SHA-256 (lower-case hex) of this canonical serialization:
//!
//! ```text
//! ecociv-audit-v1\n
//! <field>\n   for each of seq, at, actor, action, entity, before, after, prev_hash
//! ```
//!
//! where a present field is written as `<byte length>:<bytes>` and an absent one (`before` of a
//! creation, `after` of a deletion) as `~`. Length prefixes make the encoding unambiguous
//! whatever the fields contain; `before` and `after` are hashed exactly as stored (JSON text).
//!
//! [`Store::verify_audit`] checks two things and names the first broken link:
//! 1. the chain: sequence numbers without gaps, each `prev_hash` equal to the previous `hash`,
//!    each `hash` recomputed, and the chain head in `store_state` equal to the last event (so a
//!    deleted tail is caught);
//! 2. the state: every audited row (values, review steps and comments, task updates, users,
//!    periods, assigned targets, plan versions, catalogue files, settings, published indicators,
//!    evidence files and links; `verify::COVERAGE` lists every table and why it is or is not
//!    compared) equals the `after` of its latest event, and every evidence file still hashes to
//!    its name. An edit behind the application's back breaks (2); covering it up by editing the
//!    event breaks (1).
//!
//! Deleting the last events and setting the rows and the head back with them passes both: only
//! a head recorded elsewhere ([`AuditHead`], `ecociv audit head`) shows it, through
//! [`Store::verify_audit_expecting`] (`audit verify --expect`).

use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::tx::Conditions;
use crate::{Result, Store, opt_text};

pub use crate::verify::{COVERAGE, Coverage};

/// The hash of the first event's predecessor.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The canonical hash of an event (see the module documentation).
#[allow(clippy::too_many_arguments)]
pub fn event_hash(
    seq: i64,
    at: &str,
    actor: &str,
    action: &str,
    entity: &str,
    before: Option<&str>,
    after: Option<&str>,
    prev_hash: &str,
) -> String {
    let mut h = Sha256::new();
    h.update(b"ecociv-audit-v1\n");
    let seq = seq.to_string();
    for field in [
        Some(seq.as_str()),
        Some(at),
        Some(actor),
        Some(action),
        Some(entity),
        before,
        after,
        Some(prev_hash),
    ] {
        match field {
            Some(s) => {
                h.update(s.len().to_string().as_bytes());
                h.update(b":");
                h.update(s.as_bytes());
            }
            None => h.update(b"~"),
        }
        h.update(b"\n");
    }
    hex::encode(h.finalize())
}

/// One audit event.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEvent {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    /// `kind:key`, e.g. `value:17`, `user:3`, `period:2024`.
    pub entity: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub before: Option<serde_json::Value>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub after: Option<serde_json::Value>,
    pub prev_hash: String,
    pub hash: String,
}

/// Which events to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only events with a sequence number below this (paging backwards from the newest).
    pub before_seq: Option<i64>,
    /// Only events of this entity (`value:17`) or kind (`value`).
    pub entity: Option<String>,
    pub actor: Option<String>,
    /// At most this many (default 100, at most 1000).
    pub limit: Option<i64>,
}

/// Where the chain or the state first disagrees.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BrokenLink {
    /// The audit event at fault (for a row edited behind the log's back: its latest event).
    pub seq: Option<i64>,
    pub entity: Option<String>,
    pub reason: String,
}

impl std::fmt::Display for BrokenLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(seq) = self.seq {
            write!(f, "第{seq}号审计事件")?;
        }
        if let Some(e) = &self.entity {
            if self.seq.is_some() {
                f.write_str("，")?;
            }
            write!(f, "对象 {e}")?;
        }
        write!(f, "：{}", self.reason)
    }
}

/// The head of the audit chain: the sequence number and hash of the last event (`0` and
/// [`GENESIS_HASH`] before the first). Written down outside the database — printed in the annual
/// report, sent with a digest — it anchors the chain: [`Store::verify_audit_expecting`] then
/// catches a rollback of the tail that left the database consistent (events, rows and the head
/// in `store_state` all set back together), which the chain alone cannot show.
///
/// Its text form, as `ecociv audit head` prints it and `audit verify --expect` reads it, is
/// `SEQ:HASH` (`1234:3f5a…`, 64 lower-case hex digits).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditHead {
    pub seq: i64,
    pub hash: String,
}

impl std::fmt::Display for AuditHead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.seq, self.hash)
    }
}

impl std::str::FromStr for AuditHead {
    type Err = ecociv_i18n::Msg;

    fn from_str(text: &str) -> std::result::Result<AuditHead, ecociv_i18n::Msg> {
        let invalid = || ecociv_i18n::Msg::AuditHeadInvalid {
            text: text.chars().take(100).collect(),
        };
        let (seq, hash) = text.trim().split_once(':').ok_or_else(invalid)?;
        let seq: i64 = seq.trim().parse().map_err(|_| invalid())?;
        let hash = hash.trim().to_ascii_lowercase();
        if seq < 0 || hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(invalid());
        }
        Ok(AuditHead { seq, hash })
    }
}

/// The result of [`Store::verify_audit`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerifyReport {
    pub events: i64,
    pub rows_checked: i64,
    pub broken: Option<BrokenLink>,
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        self.broken.is_none()
    }
}

fn event_from_row(r: &AnyRow) -> Result<AuditEvent> {
    let json = |col: &str| -> Result<Option<serde_json::Value>> {
        Ok(opt_text(r, col)?.and_then(|s| serde_json::from_str(&s).ok()))
    };
    Ok(AuditEvent {
        seq: r.try_get("seq")?,
        at: r.try_get("at")?,
        actor: r.try_get("actor")?,
        action: r.try_get("action")?,
        entity: r.try_get("entity")?,
        before: json("before_json")?,
        after: json("after_json")?,
        prev_hash: r.try_get("prev_hash")?,
        hash: r.try_get("hash")?,
    })
}

impl Store {
    /// The head of the audit chain now (see [`AuditHead`]).
    pub async fn audit_head(&self) -> Result<AuditHead> {
        let r = sqlx::query("SELECT audit_seq, audit_hash FROM store_state WHERE id = 1")
            .fetch_one(self.pool())
            .await?;
        Ok(AuditHead {
            seq: r.try_get(0)?,
            hash: r.try_get(1)?,
        })
    }

    /// Lists audit events, newest first. Only the conditions the filter sets are written, so a
    /// page is a range of the primary key (`seq < before`), of `audit_events_entity` or of
    /// `audit_events_actor`, never a scan of the whole log.
    pub async fn audit_events(&self, filter: &AuditFilter) -> Result<Vec<AuditEvent>> {
        let limit = filter.limit.unwrap_or(100).clamp(1, 1000);
        let mut c = Conditions::default();
        if let Some(before) = filter.before_seq {
            // An integer, written into the statement.
            c.push(format!("seq < {before}"));
        }
        if let Some(entity) = filter.entity.as_deref().filter(|e| !e.is_empty()) {
            // The entity itself (`value:17`) or every entity of a kind (`value` → `value:…`): a
            // range of the index, since `:` + 1 is `;`.
            let exact = c.bind(entity);
            let from = c.bind(format!("{entity}:"));
            let to = c.bind(format!("{entity};"));
            c.push(format!(
                "(entity = {exact} OR (entity >= {from} AND entity < {to}))"
            ));
        }
        if let Some(actor) = filter.actor.as_deref().filter(|a| !a.is_empty()) {
            let p = c.bind(actor);
            c.push(format!("actor = {p}"));
        }
        let sql = format!(
            "SELECT seq, at, actor, action, entity, before_json, after_json, prev_hash, hash \
             FROM audit_events {} ORDER BY seq DESC LIMIT {limit}",
            c.clause()
        );
        let rows = c.fetch_all(sql, self.pool()).await?;
        rows.iter().map(event_from_row).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_covers_every_field_and_tells_absent_from_empty() {
        let base = event_hash(1, "t", "a", "x", "e", None, Some("{}"), GENESIS_HASH);
        assert_eq!(base.len(), 64);
        assert_ne!(
            base,
            event_hash(1, "t", "a", "x", "e", Some(""), Some("{}"), GENESIS_HASH)
        );
        assert_ne!(
            base,
            event_hash(2, "t", "a", "x", "e", None, Some("{}"), GENESIS_HASH)
        );
        assert_ne!(
            base,
            event_hash(1, "t", "a", "x", "e", None, Some("{}"), &"1".repeat(64))
        );
        // Moving a character between fields changes the hash (length prefixes).
        assert_ne!(
            event_hash(1, "t", "ab", "x", "e", None, None, GENESIS_HASH),
            event_hash(1, "t", "a", "bx", "e", None, None, GENESIS_HASH)
        );
    }
}
