//! Write transactions: every change and its audit events commit together or not at all.
//!
//! A write transaction starts by updating the single `store_state` row. On SQLite the transaction
//! is `BEGIN IMMEDIATE`, so it holds the database's one write lock from the start (no deadlock
//! on lock upgrade, no `SQLITE_BUSY` mid-transaction); on PostgreSQL the row lock on
//! `store_state` makes concurrent writers wait for each other. Either way, each writer sees the
//! audit chain head as the previous writer committed it, and appends after it: the chain never
//! forks. The same update bumps the data generation that evaluation caches are keyed on, so a
//! cache can never serve a result older than a committed write.

use sqlx::any::Any;
use sqlx::{AnyPool, Row, Transaction};

use crate::audit::event_hash;
use crate::{Actor, Backend, Result, Store, timestamp};

pub(crate) struct WriteTx {
    pub tx: Transaction<'static, Any>,
    /// On SQLite, this process's writers queue here, in order, rather than in SQLite's busy
    /// handler (which sleeps with back-off and makes the latency tail long). Held until the
    /// transaction ends.
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
    /// The time of this write, used for every row and event it touches.
    pub at: String,
    seq: i64,
    hash: String,
    model_changed: bool,
}

impl std::fmt::Debug for WriteTx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteTx").field("seq", &self.seq).finish()
    }
}

pub(crate) async fn begin_write(
    pool: &AnyPool,
    backend: Backend,
    now: chrono::DateTime<chrono::Utc>,
    turn: Option<tokio::sync::OwnedMutexGuard<()>>,
) -> Result<WriteTx> {
    let mut tx = match backend {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await?,
        Backend::Postgres => pool.begin().await?,
    };
    let row = sqlx::query(
        "UPDATE store_state SET generation = generation + 1 WHERE id = 1 \
         RETURNING audit_seq, audit_hash",
    )
    .fetch_one(&mut *tx)
    .await?;
    Ok(WriteTx {
        tx,
        _turn: turn,
        at: timestamp(now),
        seq: row.try_get::<i64, _>(0)?,
        hash: row.try_get::<String, _>(1)?,
        model_changed: false,
    })
}

impl Store {
    pub(crate) async fn begin_write(&self) -> Result<WriteTx> {
        let turn = match self.backend() {
            Backend::Sqlite => Some(self.inner.write_turn.clone().lock_owned().await),
            Backend::Postgres => None,
        };
        begin_write(self.pool(), self.backend(), self.now(), turn).await
    }
}

impl WriteTx {
    /// Appends an audit event to the chain, inside this transaction.
    pub async fn audit(
        &mut self,
        actor: &Actor,
        action: &str,
        entity: &str,
        before: Option<&serde_json::Value>,
        after: Option<&serde_json::Value>,
    ) -> Result<()> {
        let before = before.map(serde_json::Value::to_string);
        let after = after.map(serde_json::Value::to_string);
        let seq = self.seq + 1;
        let hash = event_hash(
            seq,
            &self.at,
            &actor.name,
            action,
            entity,
            before.as_deref(),
            after.as_deref(),
            &self.hash,
        );
        sqlx::query(
            "INSERT INTO audit_events \
             (seq, at, actor, action, entity, before_json, after_json, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(seq)
        .bind(&self.at)
        .bind(&actor.name)
        .bind(action)
        .bind(entity)
        .bind(before)
        .bind(after)
        .bind(&self.hash)
        .bind(&hash)
        .execute(&mut *self.tx)
        .await?;
        self.seq = seq;
        self.hash = hash;
        Ok(())
    }

    /// Marks that the plan, catalogue or settings changed, so every app server reloads them.
    pub fn model_changed(&mut self) {
        self.model_changed = true;
    }

    /// Moves the chain head and commits.
    pub async fn commit(mut self) -> Result<()> {
        sqlx::query(
            "UPDATE store_state SET audit_seq = $1, audit_hash = $2, \
             model_generation = model_generation + $3 WHERE id = 1",
        )
        .bind(self.seq)
        .bind(&self.hash)
        .bind(i64::from(self.model_changed))
        .execute(&mut *self.tx)
        .await?;
        self.tx.commit().await?;
        Ok(())
    }
}
