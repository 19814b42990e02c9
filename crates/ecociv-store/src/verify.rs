//! Verifying the audit chain and the audited state ([`Store::verify_audit`]; see `audit.rs` for
//! what is checked). The tables compared are the ones registered in [`TABLES`]; the kinds of
//! entity the verifier treats as rows are derived from it.

use std::collections::HashMap;

use sqlx::Row;

use crate::audit::{AuditHead, BrokenLink, GENESIS_HASH, VerifyReport, event_hash};
use crate::audited::{AuditedTable, OCCURRENCE_KINDS};
use crate::{Result, Store, opt_text};

/// Every audited table, each declared in its own module.
pub(crate) const TABLES: &[AuditedTable] = &[
    crate::model::AUDITED,
    crate::user::AUDITED,
    crate::period::AUDITED,
    crate::value::AUDITED,
    crate::value::COMMENTS,
    crate::review::REVIEWS,
    crate::task::AUDITED,
    crate::assigned::AUDITED,
    crate::evidence::AUDITED,
];

/// How `audit verify` covers a table of the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coverage {
    /// Every row is compared with the `after` of its latest event, under these entity kinds.
    Rows(&'static [&'static str]),
    /// The chain itself (`audit_events`) or its head (`store_state`), checked link by link.
    Chain,
    /// Not compared, for the reason given.
    NotAudited(&'static str),
}

/// Every table of the schema and how `audit verify` covers it. A test checks this list against
/// the schema of both backends, so a new table gets a decision.
pub const COVERAGE: &[(&str, Coverage)] = &[
    // audit_seq and audit_hash are the head the chain must end in; generation and
    // model_generation only key caches and reloads (a tampered one costs a recomputation).
    ("store_state", Coverage::Chain),
    ("audit_events", Coverage::Chain),
    ("settings", Coverage::Rows(&["setting"])),
    ("plan_versions", Coverage::Rows(&["plan_version"])),
    ("catalogue_files", Coverage::Rows(&["catalogue"])),
    // The `published` flag; name, unit and kind are copied from the active plan.
    ("indicators", Coverage::Rows(&["indicator"])),
    ("units", Coverage::NotAudited(DERIVED)),
    ("regions", Coverage::NotAudited(DERIVED)),
    ("targets", Coverage::NotAudited(DERIVED)),
    ("users", Coverage::Rows(&["user"])),
    (
        "sessions",
        Coverage::NotAudited(
            "ephemeral login state (token hashes, CSRF tokens, expiry), rewritten on every \
             request outside the chain and not backed up; logins, lockouts and logouts that \
             matter are audited on the user",
        ),
    ),
    (
        "login_failures",
        Coverage::NotAudited(
            "counters of wrong passwords per account and source address, rewritten on every \
             failed login outside the chain and not backed up; each failure and each lockout is \
             an audit event (`login.failed`, `account.locked`), and a new password clears them",
        ),
    ),
    ("periods", Coverage::Rows(&["period"])),
    ("data_values", Coverage::Rows(&["value"])),
    ("reviews", Coverage::Rows(&["review", "comment"])),
    ("evidence", Coverage::Rows(&["evidence"])),
    ("evidence_links", Coverage::Rows(&["evidence_link"])),
    ("task_updates", Coverage::Rows(&["task_update"])),
    ("assigned_targets", Coverage::Rows(&["assigned"])),
];

const DERIVED: &str = "rewritten from the active plan version (audited) when a plan is \
     activated, for SQL users to join on; the program reads the plan, never this table";

/// Whether an event's entity is a row of a registered table.
pub(crate) fn is_state_entity(entity: &str) -> bool {
    entity
        .split_once(':')
        .is_some_and(|(k, _)| TABLES.iter().any(|t| t.kinds.contains(&k)))
}

/// Whether an event's entity is known at all: a row of a registered table or an occurrence.
pub(crate) fn is_known_entity(entity: &str) -> bool {
    is_state_entity(entity)
        || entity
            .split_once(':')
            .is_some_and(|(k, _)| OCCURRENCE_KINDS.contains(&k))
}

/// Every registered table's rows.
async fn audited_state(conn: &mut sqlx::AnyConnection) -> Result<Vec<(String, serde_json::Value)>> {
    let mut out = Vec::new();
    for t in TABLES {
        out.extend((t.rows)(conn).await?);
    }
    Ok(out)
}

impl Store {
    /// Checks the whole chain and the audited state; see the module documentation.
    pub async fn verify_audit(&self) -> Result<VerifyReport> {
        self.verify_audit_expecting(None).await
    }

    /// [`Store::verify_audit`], and also that the chain still holds `expect`, a head recorded
    /// earlier (`ecociv audit head`): the event of its number with its hash. A log that ends
    /// before it was rolled back; one with another hash there was rewritten.
    pub async fn verify_audit_expecting(&self, expect: Option<&AuditHead>) -> Result<VerifyReport> {
        // Read everything in one snapshot so a concurrent write cannot look like tampering.
        let mut tx = self.begin_snapshot().await?;
        let result = verify_in(&mut tx, expect).await;
        tx.rollback().await?;
        result
    }
}

/// Verifies the chain and the state as `conn` sees them (a snapshot, or a restore's transaction
/// before it commits).
pub(crate) async fn verify_in(
    conn: &mut sqlx::AnyConnection,
    expect: Option<&AuditHead>,
) -> Result<VerifyReport> {
    let mut latest: HashMap<String, (i64, Option<String>)> = HashMap::new();
    let mut prev_hash = GENESIS_HASH.to_owned();
    let mut expected_seq = 1i64;
    let mut last_seq = 0i64;
    let broken = |seq: i64, reason: String| BrokenLink {
        seq: Some(seq),
        entity: None,
        reason,
    };
    // Page through the log so a long chain does not sit in memory at once.
    loop {
        let rows = sqlx::query(
            "SELECT seq, at, actor, action, entity, before_json, after_json, prev_hash, hash \
             FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT 5000",
        )
        .bind(last_seq)
        .fetch_all(&mut *conn)
        .await?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            let seq: i64 = r.try_get("seq")?;
            let entity: String = r.try_get("entity")?;
            let before = opt_text(r, "before_json")?;
            let after = opt_text(r, "after_json")?;
            let stored_prev: String = r.try_get("prev_hash")?;
            let stored_hash: String = r.try_get("hash")?;
            let report = |b: BrokenLink| VerifyReport {
                events: seq - 1,
                rows_checked: 0,
                broken: Some(b),
            };
            if seq != expected_seq {
                return Ok(report(broken(
                    seq,
                    format!("序号不连续：应为第{expected_seq}号，实为第{seq}号（有事件被删除）"),
                )));
            }
            if stored_prev != prev_hash {
                return Ok(report(broken(
                    seq,
                    "prev_hash 与前一事件的哈希不符（链被改动）".into(),
                )));
            }
            let actual = event_hash(
                seq,
                &r.try_get::<String, _>("at")?,
                &r.try_get::<String, _>("actor")?,
                &r.try_get::<String, _>("action")?,
                &entity,
                before.as_deref(),
                after.as_deref(),
                &stored_prev,
            );
            if actual != stored_hash {
                return Ok(report(broken(seq, "内容与哈希不符（事件被改动）".into())));
            }
            if let Some(e) = expect
                && e.seq == seq
                && e.hash != stored_hash
            {
                return Ok(report(broken(
                    seq,
                    format!("与记录的链头（第{seq}号事件 {}）不符（链被改写）", e.hash),
                )));
            }
            if !is_known_entity(&entity) {
                // A table that writes events but is not registered would escape the state
                // check below: refuse to call the log verified.
                return Ok(report(broken(
                    seq,
                    format!("审计事件的对象“{entity}”不属于任何已登记的数据表"),
                )));
            }
            prev_hash = stored_hash;
            expected_seq += 1;
            last_seq = seq;
            latest.insert(entity, (seq, after));
        }
    }
    let events = last_seq;
    let head = sqlx::query("SELECT audit_seq, audit_hash FROM store_state WHERE id = 1")
        .fetch_one(&mut *conn)
        .await?;
    let (head_seq, head_hash): (i64, String) = (head.try_get(0)?, head.try_get(1)?);
    if head_seq != last_seq || head_hash != prev_hash {
        return Ok(VerifyReport {
            events,
            rows_checked: 0,
            broken: Some(BrokenLink {
                seq: Some(last_seq + 1),
                entity: None,
                reason: format!(
                    "链头记录为第{head_seq}号事件，日志只到第{last_seq}号（末尾事件被删除或链头被改动）"
                ),
            }),
        });
    }

    if let Some(e) = expect
        && e.seq > last_seq
    {
        return Ok(VerifyReport {
            events,
            rows_checked: 0,
            broken: Some(BrokenLink {
                seq: Some(last_seq + 1),
                entity: None,
                reason: format!(
                    "记录的链头为第{}号事件，日志只到第{last_seq}号（末尾事件被回滚）",
                    e.seq
                ),
            }),
        });
    }

    // The state: every audited row must equal the `after` of its latest event.
    let snapshots = audited_state(conn).await?;
    let mut rows_checked = 0i64;
    let mut seen = std::collections::HashSet::new();
    for (entity, snapshot) in snapshots {
        rows_checked += 1;
        let recorded = latest.get(&entity);
        let recorded_value = recorded
            .and_then(|(_, a)| a.as_deref())
            .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok());
        if recorded_value.as_ref() != Some(&snapshot) {
            return Ok(VerifyReport {
                events,
                rows_checked,
                broken: Some(BrokenLink {
                    seq: recorded.map(|(s, _)| *s),
                    entity: Some(entity.clone()),
                    reason: if recorded.is_none() {
                        "数据库中有此记录，审计日志中没有（绕过系统写入）".into()
                    } else {
                        "数据库中的记录与最后一次审计事件记录的内容不符（绕过系统修改）".into()
                    },
                }),
            });
        }
        seen.insert(entity);
    }
    // Rows the log says exist but the database lost.
    let mut missing: Vec<(&String, i64)> = latest
        .iter()
        .filter(|(e, (_, after))| after.is_some() && is_state_entity(e) && !seen.contains(*e))
        .map(|(e, (s, _))| (e, *s))
        .collect();
    missing.sort_by_key(|(_, s)| *s);
    if let Some((entity, seq)) = missing.first() {
        return Ok(VerifyReport {
            events,
            rows_checked,
            broken: Some(BrokenLink {
                seq: Some(*seq),
                entity: Some((*entity).clone()),
                reason: "审计日志记录的对象在数据库中不存在（绕过系统删除）".into(),
            }),
        });
    }
    Ok(VerifyReport {
        events,
        rows_checked,
        broken: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_kind_is_registered_twice_and_occurrences_are_not_rows() {
        let mut kinds: Vec<&str> = TABLES
            .iter()
            .flat_map(|t| t.kinds.iter().copied())
            .collect();
        let n = kinds.len();
        kinds.sort_unstable();
        kinds.dedup();
        assert_eq!(kinds.len(), n, "{kinds:?}");
        for k in OCCURRENCE_KINDS {
            assert!(!kinds.contains(k), "{k}");
        }
        // The coverage list names exactly the registered kinds.
        let mut listed: Vec<&str> = COVERAGE
            .iter()
            .flat_map(|(_, c)| match c {
                Coverage::Rows(k) => k.to_vec(),
                _ => Vec::new(),
            })
            .collect();
        listed.sort_unstable();
        assert_eq!(listed, kinds);
        assert!(is_state_entity("value:17"));
        assert!(is_state_entity("review:3"));
        assert!(!is_state_entity("import:3"));
        assert!(is_known_entity("login:zhang"));
        assert!(!is_known_entity("unheard_of:1"));
    }
}
