//! Bulk import of values from CSV (`indicator,region,period,value[,source]`, ecociv-core's values
//! format, which is also what the monitoring engines write with `--values`).
//!
//! All or nothing: every row is checked first (format, codes, ranges, the caller's scope), then
//! written in one transaction. Any bad row, and nothing is written; the report names each bad
//! row, its field and what is wrong.
//!
//! The write lock is held only for the write itself (issue 12: a bulk import must not stop every
//! other writer):
//! 1. **Prepare**, without the lock ([`Store::prepare_values_csv`]): parse and check every row,
//!    then read, on one snapshot, the closed periods and the live rows of the file's keys with
//!    the data generation they belong to, and plan each row as a single write would do it
//!    (create a draft, update the draft in work, or refuse: locked approval, value in review,
//!    closed period).
//! 2. **Write**, holding the lock ([`Store::write_prepared`]): if the generation is still the one
//!    planned against, nothing was written in between and the plan stands; otherwise the live
//!    rows are read again (one query) and the rows planned again. Then every row goes in with a
//!    few multi-row statements (`INSERT … VALUES (…), (…)`, `UPDATE … FROM (VALUES …)`), audit
//!    events and review steps included, and one commit.
//!
//! Workbook imports (`workbook.rs`) write their values the same way ([`ValueRow`], [`plan`],
//! [`write_values`]).

use std::collections::{BTreeMap, HashMap, HashSet};

use ecociv_i18n::{Msg, Noun};
use sqlx::{AnyConnection, Row};

use ecociv_core::observation::{RowError, parse_values_csv};

use crate::period::enclosing;
use crate::tx::{BATCH_ROWS, EventRow, WriteTx, param, placeholders};
use crate::value::{COLS, Checked, DataValue, Provenance, WorkflowStatus, format_number, from_row};
use crate::{Actor, Backend, Result, Store, StoreError};

/// Whether an actor may write values of (indicator code, region code).
pub type Scope = dyn Fn(&str, &str) -> bool + Send + Sync;

/// How to import.
pub struct ImportOptions {
    /// `Import` for files people upload, `Engine` for standards-engine output.
    pub provenance: Provenance,
    /// Submit the rows for review at once instead of leaving drafts.
    pub submit: bool,
    /// The caller's scope: whether this actor may write (indicator code, region code).
    pub allowed: Box<Scope>,
}

impl std::fmt::Debug for ImportOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportOptions")
            .field("provenance", &self.provenance)
            .field("submit", &self.submit)
            .finish_non_exhaustive()
    }
}

/// An import of at least this many rows is a bulk import: on SQLite it writes with a larger page
/// cache and checkpoints the WAL after the write lock is released; on PostgreSQL it refreshes the
/// values table's statistics afterwards.
const BULK_ROWS: usize = 10_000;

/// SQLite settings of a bulk import's write transaction: a page cache of up to 1 GiB, so the
/// write does not spill dirty pages half-way, and no automatic checkpoint at commit (which would
/// copy the whole WAL into the database while the write lock is still held); the checkpoint runs
/// after the commit instead. `begin_write` sets the defaults back for the next writer.
const SQLITE_BULK_WRITE: &str = "PRAGMA cache_size = -1048576; PRAGMA wal_autocheckpoint = 0";

impl ImportOptions {
    /// Drafts of provenance `Import`, no scope restriction (the command line, a coordinator).
    pub fn unrestricted(provenance: Provenance) -> ImportOptions {
        ImportOptions {
            provenance,
            submit: false,
            allowed: Box::new(|_, _| true),
        }
    }
}

/// The per-row error report of a refused import.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    pub file: String,
    /// Data rows read (without the header).
    pub rows: usize,
    /// One entry per bad row: file, row (the header is row 1), field, message.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub errors: Vec<RowError>,
}

/// What an accepted import did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportSummary {
    pub file: String,
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
}

/// A values file checked and planned outside the write lock, ready for
/// [`Store::write_prepared`].
pub struct PreparedImport {
    actor: Actor,
    file: String,
    total: usize,
    provenance: Provenance,
    submit: bool,
    /// (row number, row), in file order.
    rows: Vec<(u64, ValueRow)>,
    /// The data generation `steps` were planned against.
    generation: i64,
    steps: Vec<Step>,
}

impl std::fmt::Debug for PreparedImport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedImport")
            .field("file", &self.file)
            .field("rows", &self.rows.len())
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

impl PreparedImport {
    /// The data rows to be written.
    pub fn rows(&self) -> usize {
        self.rows.len()
    }
}

impl Store {
    /// Imports a values CSV, all rows or none: [`Store::prepare_values_csv`], then
    /// [`Store::write_prepared`].
    pub async fn import_values_csv(
        &self,
        actor: &Actor,
        file: &str,
        text: &str,
        opts: &ImportOptions,
    ) -> Result<ImportSummary> {
        let prepared = self.prepare_values_csv(actor, file, text, opts).await?;
        self.write_prepared(prepared).await
    }

    /// Checks every row of a values CSV and plans its write, without taking the write lock: a
    /// bad row, a locked approval, a value in review or a closed period, and the report names
    /// every such row.
    pub async fn prepare_values_csv(
        &self,
        actor: &Actor,
        file: &str,
        text: &str,
        opts: &ImportOptions,
    ) -> Result<PreparedImport> {
        let model = self.current_model().await?;
        let plan_ = &model.plan;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let parsed = parse_values_csv(file, text, plan_);
        let mut errors = parsed.errors;
        let total = parsed.rows.len() + errors.len();
        if parsed.rows.is_empty() && errors.is_empty() {
            errors.push(row_error(file, 1, "", Msg::NoDataRows.to_string()));
        }
        // With no format errors, the n-th parsed row is data row n (row n + 1 counting the
        // header as 1), as ecociv-core numbers them.
        let mut rows: Vec<(u64, ValueRow)> = Vec::new();
        if errors.is_empty() {
            rows.reserve(parsed.rows.len());
            for (i, o) in parsed.rows.into_iter().enumerate() {
                let row = i as u64 + 2;
                let ind = &plan_.indicators[o.indicator];
                let reg = &plan_.regions[o.region];
                if !(opts.allowed)(&ind.code, &reg.code) {
                    errors.push(row_error(
                        file,
                        row,
                        "indicator",
                        Msg::ImportOutOfScope {
                            indicator: ind.name.clone(),
                            region: reg.name.clone(),
                        }
                        .to_string(),
                    ));
                    continue;
                }
                let detail = match &o.source {
                    Some(s) => format!("{file} 第{row}行；来源：{s}"),
                    None => format!("{file} 第{row}行"),
                };
                rows.push((
                    row,
                    ValueRow {
                        checked: Checked {
                            indicator: ind.code.clone(),
                            region: reg.code.clone(),
                            period: o.period,
                            value: format_number(o.value),
                        },
                        comment: String::new(),
                        detail,
                    },
                ));
            }
        }
        let refuse = |errors: Vec<RowError>| {
            StoreError::Import(ImportReport {
                file: file.to_owned(),
                rows: total,
                errors,
            })
        };
        if !errors.is_empty() {
            return Err(refuse(errors));
        }
        let values: Vec<&ValueRow> = rows.iter().map(|(_, r)| r).collect();
        let (generation, held) = self.holdings_now(&values).await?;
        let steps = match plan(&values, &held) {
            Ok(steps) => steps,
            Err(refused) => {
                let errors = refused
                    .into_iter()
                    .map(|(i, e)| row_error(file, rows[i].0, "value", e.to_string()))
                    .collect();
                return Err(refuse(errors));
            }
        };
        Ok(PreparedImport {
            actor: actor.clone(),
            file: file.to_owned(),
            total,
            provenance: opts.provenance,
            submit: opts.submit,
            rows,
            generation,
            steps,
        })
    }

    /// Writes a prepared import in one transaction, holding the write lock only for the batched
    /// write (and, when something was written since the import was prepared, one query to plan
    /// it again).
    pub async fn write_prepared(&self, prepared: PreparedImport) -> Result<ImportSummary> {
        let PreparedImport {
            actor,
            file,
            total,
            provenance,
            submit,
            rows,
            generation,
            steps,
        } = prepared;
        let status = if submit {
            WorkflowStatus::Submitted
        } else {
            WorkflowStatus::Draft
        };
        let values: Vec<&ValueRow> = rows.iter().map(|(_, r)| r).collect();
        let bulk = rows.len() >= BULK_ROWS;
        let mut w = self.begin_write().await?;
        if bulk && w.backend == Backend::Sqlite {
            sqlx::raw_sql(SQLITE_BULK_WRITE).execute(&mut *w.tx).await?;
        }
        let steps = if w.prior_generation == generation {
            steps
        } else {
            let held = read_holdings(&mut w.tx, w.backend, &values).await?;
            match plan(&values, &held) {
                Ok(steps) => steps,
                Err(refused) => {
                    // Dropping the transaction rolls it back: nothing was written.
                    drop(w);
                    let errors = refused
                        .into_iter()
                        .map(|(i, e)| row_error(&file, rows[i].0, "value", e.to_string()))
                        .collect();
                    return Err(StoreError::Import(ImportReport {
                        file,
                        rows: total,
                        errors,
                    }));
                }
            }
        };
        let (created, updated) =
            write_values(&mut w, &actor, &values, steps, provenance, status).await?;
        w.audit(
            &actor,
            "import.values",
            &format!("import:{file}"),
            None,
            Some(&serde_json::json!({
                "file": file, "rows": rows.len(), "created": created, "updated": updated,
                "provenance": provenance.as_str(), "submitted": submit,
            })),
        )
        .await?;
        w.commit().await?;
        if bulk && self.backend() == Backend::Sqlite {
            // Copies the import's WAL pages into the database now that other writers may go on
            // (PASSIVE: it never waits for them, and what it leaves the next checkpoint does).
            if let Err(e) = sqlx::raw_sql("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(self.pool())
                .await
            {
                tracing::warn!("wal_checkpoint after an import failed: {e}");
            }
        }
        if bulk && self.backend() == Backend::Postgres {
            // Fresh planner statistics and visibility for the rows just written, rather than
            // waiting for autovacuum: the annual values' index-only scan (`data_values_annual`)
            // reads the heap until the table is vacuumed. Outside the write lock; a failure
            // changes nothing written and is only logged.
            if let Err(e) = sqlx::raw_sql("VACUUM (ANALYZE) data_values")
                .execute(self.pool())
                .await
            {
                tracing::warn!("VACUUM (ANALYZE) after an import failed: {e}");
            }
        }
        Ok(ImportSummary {
            file,
            rows: rows.len(),
            created,
            updated,
        })
    }

    /// The data generation and, on the same snapshot, what the database holds for `rows`.
    pub(crate) async fn holdings_now(&self, rows: &[&ValueRow]) -> Result<(i64, Holdings)> {
        let mut snap = self.begin_snapshot().await?;
        let generation: i64 = sqlx::query("SELECT generation FROM store_state WHERE id = 1")
            .fetch_one(&mut *snap)
            .await?
            .try_get(0)?;
        let held = read_holdings(&mut snap, self.backend(), rows).await?;
        snap.commit().await?;
        Ok((generation, held))
    }
}

fn row_error(file: &str, row: u64, field: &str, message: String) -> RowError {
    RowError {
        file: file.to_owned(),
        row,
        field: field.to_owned(),
        message,
    }
}

/// One value of an import, checked against the plan and the caller's scope.
#[derive(Debug, Clone)]
pub(crate) struct ValueRow {
    pub checked: Checked,
    pub comment: String,
    /// The provenance detail: file and row (or sheet and cell), and the source.
    pub detail: String,
}

type Key = (String, String, String);

fn key_of(c: &Checked) -> Key {
    (c.indicator.clone(), c.region.clone(), c.period.to_string())
}

/// What the database holds that decides how an import's rows are written.
#[derive(Debug, Default)]
pub(crate) struct Holdings {
    /// Closed periods: id → reason.
    closed: HashMap<String, String>,
    /// The live rows of the import's keys.
    live: HashMap<Key, Live>,
}

#[derive(Debug, Default)]
struct Live {
    approved: bool,
    work: Option<DataValue>,
}

/// Reads the closed periods and the live rows of the keys of `rows`.
pub(crate) async fn read_holdings(
    conn: &mut AnyConnection,
    backend: Backend,
    rows: &[&ValueRow],
) -> Result<Holdings> {
    let mut held = Holdings::default();
    for r in sqlx::query("SELECT id, reason FROM periods WHERE closed = 1")
        .fetch_all(&mut *conn)
        .await?
    {
        held.closed.insert(r.try_get(0)?, r.try_get(1)?);
    }
    let keys: HashSet<Key> = rows.iter().map(|r| key_of(&r.checked)).collect();
    // The keys' own rows, by (indicator, region) and their periods: each group a range of
    // `data_values_series`, so a file of corrections reads the rows it corrects, not every row
    // of the periods it touches. At most about 2,000 parameters a statement.
    let mut groups: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for k in &keys {
        groups
            .entry((k.0.clone(), k.1.clone()))
            .or_default()
            .push(k.2.clone());
    }
    let mut statements: Vec<(String, Vec<String>)> = Vec::new();
    let (mut terms, mut binds): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    let total = groups.len();
    for (done, ((indicator, region), periods)) in groups.into_iter().enumerate() {
        let i = param(backend, binds.len() + 1);
        let r = param(backend, binds.len() + 2);
        binds.push(indicator);
        binds.push(region);
        let mut list = Vec::with_capacity(periods.len());
        for p in periods {
            list.push(param(backend, binds.len() + 1));
            binds.push(p);
        }
        terms.push(format!(
            "(indicator = {i} AND region = {r} AND period IN ({}))",
            list.join(", ")
        ));
        if binds.len() >= 2000 || done + 1 == total {
            statements.push((
                format!(
                    "SELECT {COLS} FROM data_values WHERE superseded_by IS NULL AND ({})",
                    terms.join(" OR ")
                ),
                std::mem::take(&mut binds),
            ));
            terms.clear();
        }
    }
    for (sql, binds) in statements {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for b in binds {
            q = q.bind(b);
        }
        for r in q.fetch_all(&mut *conn).await? {
            let v = from_row(&r)?;
            let key = (v.indicator.clone(), v.region.clone(), v.period.clone());
            if !keys.contains(&key) {
                continue;
            }
            let live = held.live.entry(key).or_default();
            if v.status == WorkflowStatus::Approved {
                live.approved = true;
            } else {
                live.work = Some(v);
            }
        }
    }
    Ok(held)
}

/// How one row is written.
#[derive(Debug, Clone)]
pub(crate) enum Step {
    /// A new row.
    Create,
    /// The row in work (a draft or a returned value), as it is now.
    Update(Box<DataValue>),
}

/// Plans every row as a single save of a draft would write it, or refuses it as that save would
/// (closed period, locked approval, value waiting for review): the steps in row order, or every
/// refused row's index with its error.
pub(crate) fn plan(
    rows: &[&ValueRow],
    held: &Holdings,
) -> Result<Vec<Step>, Vec<(usize, StoreError)>> {
    let mut steps = Vec::with_capacity(rows.len());
    let mut refused = Vec::new();
    let mut seen = HashSet::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        let c = &r.checked;
        let period = c.period.to_string();
        // As `period::ensure_open`: the first closed period, in id order, that encloses it.
        let closed = enclosing(c.period)
            .into_iter()
            .filter_map(|id| held.closed.get(&id).map(|reason| (id, reason)))
            .min();
        if let Some((id, reason)) = closed {
            refused.push((
                i,
                StoreError::State(Msg::PeriodClosed {
                    period: id,
                    reason: reason.clone(),
                    of: period,
                }),
            ));
            continue;
        }
        let key = key_of(c);
        if !seen.insert(key.clone()) {
            // Files have one row per key (ecociv-core refuses repeats); two rows of a workbook
            // for one key would race each other.
            refused.push((
                i,
                StoreError::Conflict {
                    message: Msg::CreatedMeanwhile { what: Noun::Value },
                    current: serde_json::Value::Null,
                },
            ));
            continue;
        }
        match held.live.get(&key) {
            Some(Live {
                work: Some(cur), ..
            }) => {
                if cur.status == WorkflowStatus::Submitted {
                    refused.push((i, StoreError::State(Msg::InReview { what: Noun::Value })));
                } else {
                    steps.push(Step::Update(Box::new(cur.clone())));
                }
            }
            Some(Live { approved: true, .. }) => refused.push((
                i,
                StoreError::State(Msg::ValueLocked {
                    indicator: c.indicator.clone(),
                    region: c.region.clone(),
                    period,
                }),
            )),
            _ => steps.push(Step::Create),
        }
    }
    if refused.is_empty() {
        Ok(steps)
    } else {
        Err(refused)
    }
}

/// A row as its audit events record it. (Single writes store `to_value(..).to_string()`, whose
/// keys may come in another order; the verifier compares parsed JSON, and each hash covers the
/// text exactly as stored.)
fn json_text(v: &DataValue) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// Writes planned rows inside the write transaction with multi-row statements: the new rows,
/// the updated drafts, one audit event per row in row order (as [`crate::value::save_in`] writes
/// them) and, for submissions, a review step each. Returns (created, updated).
pub(crate) async fn write_values(
    w: &mut WriteTx,
    actor: &Actor,
    rows: &[&ValueRow],
    steps: Vec<Step>,
    provenance: Provenance,
    status: WorkflowStatus,
) -> Result<(usize, usize)> {
    debug_assert_eq!(rows.len(), steps.len());
    let creates: Vec<&ValueRow> = rows
        .iter()
        .zip(&steps)
        .filter(|(_, s)| matches!(s, Step::Create))
        .map(|(r, _)| *r)
        .collect();
    let ids = insert_values(w, actor, &creates, provenance, status).await?;
    let updates: Vec<(&ValueRow, &DataValue)> = rows
        .iter()
        .zip(&steps)
        .filter_map(|(r, s)| match s {
            Step::Update(cur) => Some((*r, cur.as_ref())),
            Step::Create => None,
        })
        .collect();
    update_values(w, actor, &updates, provenance, status).await?;
    let counts = (creates.len(), updates.len());

    // The rows as they are now, for their audit events.
    let mut events: Vec<EventRow> = Vec::with_capacity(rows.len());
    let mut written: Vec<i64> = Vec::with_capacity(rows.len());
    let mut next_created = ids.into_iter();
    for (r, step) in rows.iter().zip(steps) {
        let c = &r.checked;
        match step {
            Step::Create => {
                let id = next_created.next().unwrap_or_default();
                let after = DataValue {
                    id,
                    indicator: c.indicator.clone(),
                    region: c.region.clone(),
                    period: c.period.to_string(),
                    value: c.value.clone(),
                    comment: r.comment.clone(),
                    status,
                    version: 1,
                    correction: 0,
                    correction_reason: String::new(),
                    supersedes: None,
                    superseded_by: None,
                    provenance,
                    provenance_detail: r.detail.clone(),
                    return_reason: String::new(),
                    created_by: actor.name.clone(),
                    created_at: w.at.clone(),
                    updated_by: actor.name.clone(),
                    updated_at: w.at.clone(),
                };
                events.push((
                    "value.create",
                    format!("value:{id}"),
                    None,
                    Some(json_text(&after)),
                ));
                written.push(id);
            }
            Step::Update(cur) => {
                let before = json_text(&cur);
                let mut after = *cur;
                after.value = c.value.clone();
                after.comment = r.comment.clone();
                after.provenance = provenance;
                after.provenance_detail = r.detail.clone();
                after.status = status;
                after.updated_by = actor.name.clone();
                after.updated_at = w.at.clone();
                after.version += 1;
                events.push((
                    "value.update",
                    format!("value:{}", after.id),
                    Some(before),
                    Some(json_text(&after)),
                ));
                written.push(after.id);
            }
        }
    }
    if status == WorkflowStatus::Submitted {
        // A review step per submitted row, each audited like any review row
        // (`review::REVIEWS`): ids reserved first, the events after the rows' own.
        let review_ids = reserve_ids(w, "reviews", written.len()).await?;
        for (chunk, ids) in written
            .chunks(BATCH_ROWS)
            .zip(review_ids.chunks(BATCH_ROWS))
        {
            let sql = format!(
                "INSERT INTO reviews (id, entity_kind, entity_id, action, actor, reason, at) VALUES {}",
                placeholders(w.backend, chunk.len(), 7, 1)
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (id, review_id) in chunk.iter().zip(ids) {
                q = q
                    .bind(*review_id)
                    .bind("value")
                    .bind(*id)
                    .bind("submit")
                    .bind(actor.name.as_str())
                    .bind("")
                    .bind(w.at.as_str());
            }
            q.execute(&mut *w.tx).await?;
        }
        for (id, review_id) in written.iter().zip(review_ids) {
            let entry = crate::value::ReviewEntry {
                id: review_id,
                entity_kind: "value".to_owned(),
                entity_id: *id,
                action: "submit".to_owned(),
                actor: actor.name.clone(),
                reason: String::new(),
                at: w.at.clone(),
            };
            events.push((
                "review.submit",
                format!("review:{review_id}"),
                None,
                Some(serde_json::to_string(&entry).unwrap_or_default()),
            ));
        }
    }
    w.audit_batch(actor, events).await?;
    Ok(counts)
}

/// Inserts new rows, `BATCH_ROWS` a statement; their ids in the order of `rows`. The ids are reserved
/// first (fetching them back with `RETURNING` costs more than the insert itself).
async fn insert_values(
    w: &mut WriteTx,
    actor: &Actor,
    rows: &[&ValueRow],
    provenance: Provenance,
    status: WorkflowStatus,
) -> Result<Vec<i64>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids = reserve_ids(w, "data_values", rows.len()).await?;
    let b = w.backend;
    for (chunk, ids) in rows.chunks(BATCH_ROWS).zip(ids.chunks(BATCH_ROWS)) {
        // What every row shares is bound once.
        let sql = format!(
            "INSERT INTO data_values (id, indicator, region, period, value, comment, status, \
             provenance, provenance_detail, created_by, created_at, updated_by, updated_at) \
             SELECT v.column1, v.column2, v.column3, v.column4, v.column5, v.column6, {}, {}, \
             v.column7, {}, {}, {}, {} FROM (VALUES {}) AS v",
            param(b, 1),
            param(b, 2),
            param(b, 3),
            param(b, 4),
            param(b, 5),
            param(b, 6),
            placeholders(b, chunk.len(), 7, 7)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(status.as_str())
            .bind(provenance.as_str())
            .bind(actor.name.as_str())
            .bind(w.at.as_str())
            .bind(actor.name.as_str())
            .bind(w.at.as_str());
        for (r, id) in chunk.iter().zip(ids) {
            let c = &r.checked;
            q = q
                .bind(*id)
                .bind(c.indicator.as_str())
                .bind(c.region.as_str())
                .bind(c.period.to_string())
                .bind(c.value.as_str())
                .bind(r.comment.as_str())
                .bind(r.detail.as_str());
        }
        match q.execute(&mut *w.tx).await {
            Ok(_) => {}
            Err(e) if StoreError::is_unique_violation(&e) => {
                return Err(StoreError::Conflict {
                    message: Msg::CreatedMeanwhile { what: Noun::Value },
                    current: serde_json::Value::Null,
                });
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(ids)
}

/// `n` new ids of `table` (`data_values`, `reviews`), as the table's own numbering would give them: on SQLite above
/// every id ever used (AUTOINCREMENT, which then records the largest inserted), on PostgreSQL
/// from the identity sequence. Only writers holding the write lock insert rows, so nobody
/// takes these in between.
async fn reserve_ids(w: &mut WriteTx, table: &'static str, n: usize) -> Result<Vec<i64>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    match w.backend {
        Backend::Sqlite => {
            let sql = format!(
                "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = '{table}'), 0), \
                 COALESCE((SELECT MAX(id) FROM {table}), 0))"
            );
            let last: i64 = sqlx::query(sqlx::AssertSqlSafe(sql))
                .fetch_one(&mut *w.tx)
                .await?
                .try_get(0)?;
            Ok((1..=n as i64).map(|i| last + i).collect())
        }
        Backend::Postgres => {
            let sql = format!(
                "SELECT nextval(pg_get_serial_sequence('{table}', 'id')) \
                 FROM generate_series(1, $1)"
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(n as i64)
                .fetch_all(&mut *w.tx)
                .await?;
            rows.iter().map(|r| Ok(r.try_get::<i64, _>(0)?)).collect()
        }
    }
}

/// Updates drafts in work, `BATCH_ROWS` a statement, each only at the version planned against.
async fn update_values(
    w: &mut WriteTx,
    actor: &Actor,
    rows: &[(&ValueRow, &DataValue)],
    provenance: Provenance,
    status: WorkflowStatus,
) -> Result<()> {
    for chunk in rows.chunks(BATCH_ROWS) {
        // SQLite and PostgreSQL both name the columns of a VALUES list column1, column2, ….
        let b = w.backend;
        let sql = format!(
            "UPDATE data_values SET value = v.column3, comment = v.column4, provenance = {}, \
             provenance_detail = v.column5, status = {}, updated_by = {}, updated_at = {}, \
             version = version + 1 \
             FROM (VALUES {}) AS v \
             WHERE data_values.id = v.column1 AND data_values.version = v.column2",
            param(b, 1),
            param(b, 2),
            param(b, 3),
            param(b, 4),
            placeholders(b, chunk.len(), 5, 5)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(provenance.as_str())
            .bind(status.as_str())
            .bind(actor.name.as_str())
            .bind(w.at.as_str());
        for (r, cur) in chunk {
            q = q
                .bind(cur.id)
                .bind(cur.version)
                .bind(r.checked.value.as_str())
                .bind(r.comment.as_str())
                .bind(r.detail.as_str());
        }
        let done = q.execute(&mut *w.tx).await?;
        if done.rows_affected() != chunk.len() as u64 {
            // Not reachable while the write lock is held and the plan is fresh; refuse rather
            // than write half.
            return Err(crate::value::conflict(chunk[0].1));
        }
    }
    Ok(())
}
