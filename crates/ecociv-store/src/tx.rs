//! Write transactions: every change and its audit events commit together or not at all.
//!
//! A write transaction starts by updating the single `store_state` row. On SQLite the transaction
//! is `BEGIN IMMEDIATE`, so it holds the database's one write lock from the start (no deadlock
//! on lock upgrade, no `SQLITE_BUSY` mid-transaction); on PostgreSQL the row lock on
//! `store_state` makes concurrent writers wait for each other. Either way, each writer sees the
//! audit chain head as the previous writer committed it, and appends after it: the chain never
//! forks. The same update bumps the data generation that evaluation caches are keyed on, so a
//! cache can never serve a result older than a committed write.
//!
//! A writer waits for the lock at most [`StoreConfig::busy_timeout`](crate::StoreConfig) (SQLite:
//! this process's queue, then `busy_timeout`; PostgreSQL: `lock_timeout`, set for the
//! transaction) and then fails with [`StoreError::Busy`], which callers report as "busy, try
//! again" (HTTP 503 with `Retry-After`). Nothing long runs while the lock is held: bulk imports
//! check and plan every row beforehand (`import.rs`) and write them in a few multi-row statements
//! ([`WriteTx::audit_batch`] for their audit events).

use std::time::Duration;

use sqlx::any::Any;
use sqlx::{AnyPool, Row, Transaction};

use crate::audit::event_hash;
use crate::{Actor, Backend, DEFAULT_BUSY_TIMEOUT, Result, Store, StoreError, timestamp};

pub(crate) struct WriteTx {
    pub tx: Transaction<'static, Any>,
    /// On SQLite, this process's writers queue here, in order, rather than in SQLite's busy
    /// handler (which sleeps with back-off and makes the latency tail long). Held until the
    /// transaction ends.
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
    /// The time of this write, used for every row and event it touches.
    pub at: String,
    pub backend: Backend,
    /// The data generation before this write: equal to the generation a reader saw, nothing was
    /// written since (imports plan outside the lock and check this).
    pub prior_generation: i64,
    seq: i64,
    hash: String,
    model_changed: bool,
    /// Whether this write may change what an evaluation reads (values, reviews, publication,
    /// assigned targets, the model): true unless the writer says otherwise.
    inputs_changed: bool,
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
    begin_write_within(pool, backend, now, turn, DEFAULT_BUSY_TIMEOUT).await
}

/// Begins a write transaction, waiting at most `wait` for the write lock (PostgreSQL; on SQLite
/// the connection's `busy_timeout` says how long).
pub(crate) async fn begin_write_within(
    pool: &AnyPool,
    backend: Backend,
    now: chrono::DateTime<chrono::Utc>,
    turn: Option<tokio::sync::OwnedMutexGuard<()>>,
    wait: Duration,
) -> Result<WriteTx> {
    let mut tx = match backend {
        Backend::Sqlite => {
            let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
            // A connection that last ran a bulk import may still have its settings.
            sqlx::raw_sql(crate::SQLITE_WRITE_DEFAULTS)
                .execute(&mut *tx)
                .await?;
            tx
        }
        Backend::Postgres => {
            let mut tx = pool.begin().await?;
            // For this transaction only: a writer blocked on the `store_state` row lock fails
            // with 55P03 (→ Busy) instead of queueing behind a long writer.
            let ms = wait.as_millis().clamp(1, i32::MAX as u128);
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SET LOCAL lock_timeout = '{ms}ms'"
            )))
            .execute(&mut *tx)
            .await?;
            tx
        }
    };
    let row = sqlx::query(
        "UPDATE store_state SET generation = generation + 1 WHERE id = 1 \
         RETURNING generation, audit_seq, audit_hash",
    )
    .fetch_one(&mut *tx)
    .await?;
    Ok(WriteTx {
        tx,
        _turn: turn,
        at: timestamp(now),
        backend,
        prior_generation: row.try_get::<i64, _>(0)? - 1,
        seq: row.try_get::<i64, _>(1)?,
        hash: row.try_get::<String, _>(2)?,
        model_changed: false,
        inputs_changed: true,
    })
}

impl Store {
    pub(crate) async fn begin_write(&self) -> Result<WriteTx> {
        let wait = self.config().busy_timeout;
        let turn = match self.backend() {
            Backend::Sqlite => Some(
                tokio::time::timeout(wait, self.inner.write_turn.clone().lock_owned())
                    .await
                    .map_err(|_| StoreError::Busy)?,
            ),
            Backend::Postgres => None,
        };
        begin_write_within(self.pool(), self.backend(), self.now(), turn, wait).await
    }
}

/// One audit event of a batch: action, entity, before, after (JSON text, as stored).
pub(crate) type EventRow = (&'static str, String, Option<String>, Option<String>);

/// Rows per multi-row statement: under SQLite's and PostgreSQL's bound-parameter limits
/// (32,766 and 65,535) for the widest statement written in batches, 7 parameters a row plus 6
/// shared (`import::insert_values`): 28,006. Full batches of every batched table run on both
/// backends in `cargo test` (`ecociv-web/tests/scaling.rs` imports 31,248 submitted values).
/// Fewer, larger statements made a 254,800-row import 10–15 % faster than 500 a statement.
pub(crate) const BATCH_ROWS: usize = 4000;

/// `($1, $2, $3), ($4, $5, $6), …`: the VALUES list of `rows` rows of `cols` columns, numbered
/// from `first`. On SQLite the parameters are anonymous (`?`, bound in the order they appear),
/// because SQLite looks a numbered parameter up by name in a list, which makes binding thousands
/// of them quadratic; every `$n` before them must then be in order too.
pub(crate) fn placeholders(backend: Backend, rows: usize, cols: usize, first: usize) -> String {
    let mut s = String::with_capacity(rows * cols * 7);
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push_str(", ");
            }
            match backend {
                Backend::Sqlite => s.push('?'),
                Backend::Postgres => s.push_str(&format!("${}", first + r * cols + c)),
            }
        }
        s.push(')');
    }
    s
}

/// The `n`-th parameter, as [`placeholders`] numbers them.
pub(crate) fn param(backend: Backend, n: usize) -> String {
    match backend {
        Backend::Sqlite => "?".to_owned(),
        Backend::Postgres => format!("${n}"),
    }
}

/// The `WHERE` clause of a list statement made of only the conditions its filter sets, each
/// value bound as `$n` text (a statement of `($1 = '' OR col = $1)` terms cannot use an index).
#[derive(Debug, Default)]
pub(crate) struct Conditions {
    terms: Vec<String>,
    binds: Vec<String>,
}

impl Conditions {
    /// Binds a value and returns its placeholder, to write into a term.
    pub(crate) fn bind(&mut self, value: impl Into<String>) -> String {
        self.binds.push(value.into());
        format!("${}", self.binds.len())
    }

    /// Adds a term (written with [`Conditions::bind`]'s placeholders, or only fixed words and
    /// integers).
    pub(crate) fn push(&mut self, term: impl Into<String>) {
        self.terms.push(term.into());
    }

    /// `WHERE a AND b …`, or nothing when no condition is set.
    pub(crate) fn clause(&self) -> String {
        if self.terms.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.terms.join(" AND "))
        }
    }

    /// Runs `sql` (which holds [`Conditions::clause`]) with the bound values.
    pub(crate) async fn fetch_all(
        self,
        sql: String,
        pool: &sqlx::AnyPool,
    ) -> Result<Vec<sqlx::any::AnyRow>> {
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for b in self.binds {
            query = query.bind(b);
        }
        Ok(query.fetch_all(pool).await?)
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

    /// Appends many audit events to the chain, in order, with a few multi-row statements: the
    /// same events (and hashes) as calling [`WriteTx::audit`] for each.
    pub(crate) async fn audit_batch(&mut self, actor: &Actor, events: Vec<EventRow>) -> Result<()> {
        let mut events = events.into_iter().peekable();
        while events.peek().is_some() {
            let chunk: Vec<EventRow> = events.by_ref().take(BATCH_ROWS).collect();
            // What every event shares (time, actor) is bound once.
            let bk = self.backend;
            let sql = format!(
                "INSERT INTO audit_events \
                 (seq, at, actor, action, entity, before_json, after_json, prev_hash, hash) \
                 SELECT v.column1, {}, {}, v.column2, v.column3, v.column4, v.column5, \
                 v.column6, v.column7 FROM (VALUES {}) AS v",
                param(bk, 1),
                param(bk, 2),
                placeholders(bk, chunk.len(), 7, 3)
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(self.at.as_str())
                .bind(actor.name.as_str());
            let (mut seq, mut prev) = (self.seq, self.hash.clone());
            for (action, entity, before, after) in chunk {
                seq += 1;
                let hash = event_hash(
                    seq,
                    &self.at,
                    &actor.name,
                    action,
                    &entity,
                    before.as_deref(),
                    after.as_deref(),
                    &prev,
                );
                q = q
                    .bind(seq)
                    .bind(action)
                    .bind(entity)
                    .bind(before)
                    .bind(after)
                    .bind(prev)
                    .bind(hash.clone());
                prev = hash;
            }
            q.execute(&mut *self.tx).await?;
            self.seq = seq;
            self.hash = prev;
        }
        Ok(())
    }

    /// Marks that the plan, catalogue or settings changed, so every app server reloads them.
    pub fn model_changed(&mut self) {
        self.model_changed = true;
    }

    /// Marks a write that changes nothing an evaluation reads (sessions, sign-in failures): it
    /// still moves the data generation, but not `inputs_generation`, so cached evaluations stay
    /// valid across it (a sign-in does not make the next reader recompute a province's year).
    pub fn leaves_evaluation_inputs(&mut self) {
        self.inputs_changed = false;
    }

    /// Moves the chain head and commits.
    pub async fn commit(mut self) -> Result<()> {
        sqlx::query(
            "UPDATE store_state SET audit_seq = $1, audit_hash = $2, \
             model_generation = model_generation + $3, \
             inputs_generation = CASE WHEN $4 = 1 THEN generation ELSE inputs_generation END \
             WHERE id = 1",
        )
        .bind(self.seq)
        .bind(&self.hash)
        .bind(i64::from(self.model_changed))
        .bind(i64::from(self.inputs_changed))
        .execute(&mut *self.tx)
        .await?;
        self.tx.commit().await?;
        Ok(())
    }
}
