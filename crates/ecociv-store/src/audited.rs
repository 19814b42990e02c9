//! What the audit verifier compares with the log: every audited table declares itself here, as
//! an [`AuditedTable`] constant in its own module (`value::AUDITED`, …), listed once in
//! `verify::TABLES`. This module depends on no table module, so the table modules, the
//! transaction that writes events (`tx.rs`), the event log (`audit.rs`) and the verifier
//! (`verify.rs`) form no cycle: tables → tx → audit, verify → tables.

use std::future::Future;
use std::pin::Pin;

use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::Result;

/// Rows as the verifier compares them: `(entity, snapshot)`, the entity being `"{kind}:{key}"`
/// and the snapshot the row as its audit events record it.
pub(crate) type Snapshots<'c> =
    Pin<Box<dyn Future<Output = Result<Vec<(String, serde_json::Value)>>> + Send + 'c>>;

/// An audited table: the entity kinds its rows appear under in the log, and how to read them.
#[derive(Clone, Copy)]
pub(crate) struct AuditedTable {
    pub kinds: &'static [&'static str],
    pub rows: for<'c> fn(&'c mut AnyConnection) -> Snapshots<'c>,
}

impl std::fmt::Debug for AuditedTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditedTable")
            .field("kinds", &self.kinds)
            .finish()
    }
}

/// Entity kinds of events that record an occurrence rather than a row (an import, a failed
/// login): nothing in the database is compared with them.
pub(crate) const OCCURRENCE_KINDS: &[&str] = &["import", "login"];

/// Every row of `table` as the audit verifier compares it: `(entity, snapshot)`, the entity
/// being `"{kind}:{key}"` and the snapshot the row as its audit events record it.
pub(crate) async fn table_snapshots<T: serde::Serialize>(
    conn: &mut sqlx::AnyConnection,
    kind: &str,
    sql: &str,
    from_row: fn(&AnyRow) -> Result<T>,
    key: fn(&T) -> String,
) -> Result<Vec<(String, serde_json::Value)>> {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            let row = from_row(r)?;
            Ok((
                format!("{kind}:{}", key(&row)),
                serde_json::to_value(&row).unwrap_or_default(),
            ))
        })
        .collect()
}
