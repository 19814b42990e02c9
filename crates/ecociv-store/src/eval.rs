//! Evaluation from stored data, cached.
//!
//! Loads the live values a [`Selection`] keeps (approved → approved, submitted → pending; drafts
//! and returned values never count) and the assigned targets into ecociv-core's types and calls
//! [`ecociv_core::evaluate()`]. Which values a reader may see is not decided here: the
//! application layer passes the rule. Results are cached per (year, catalogue version, region,
//! selection) together with their JSON, keyed by the data generation that every write bumps in
//! its own transaction. The generation lives in the database, so several app servers never serve a
//! result older than the last committed write; a cache hit costs one indexed read of one row.

use ecociv_i18n::Msg;

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use ecociv_core::evaluate::Options;
use ecociv_core::{AssignedSet, AssignedTarget, Evaluation, Observation, ValueSet, ValueState};
use sqlx::Row;

use crate::{Backend, Model, Result, Store, StoreError, WorkflowStatus};

/// What is published (环境信息公开): the indicators and the periods whose approved values the
/// public may see. Read with the values, in the same snapshot.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Publication {
    pub indicators: BTreeSet<String>,
    pub periods: BTreeSet<String>,
}

/// A stored value as a [`Selection`] decides on it.
#[derive(Debug, Clone, Copy)]
pub struct ValueRef<'a> {
    pub indicator: &'a str,
    pub region: &'a str,
    pub period: &'a str,
    pub status: WorkflowStatus,
    /// Not replaced by an approved correction.
    pub live: bool,
}

/// Decides whether a value is in a selection, given what is published.
pub type Keep = Arc<dyn Fn(&ValueRef<'_>, &Publication) -> bool + Send + Sync>;

/// Which stored values an evaluation (or a document) sees. The caller decides (the application
/// layer's visibility rules); the store offers the live approved and submitted values (drafts
/// and returned values never count) and keeps those `keep` accepts: approved ones count as
/// approved, submitted ones as pending (待审核).
#[derive(Clone)]
pub struct Selection {
    /// Names the selection in the evaluation cache: one key must always mean one rule.
    pub key: Arc<str>,
    pub keep: Keep,
}

impl std::fmt::Debug for Selection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Selection").field("key", &self.key).finish()
    }
}

impl Selection {
    /// Every live approved and submitted value: no visibility rule at all (the command line's
    /// view of its own database, and tests). Readers of the service get the application
    /// layer's selections instead.
    pub fn everything() -> Selection {
        Selection::new("everything", |_, _| true)
    }

    pub fn new(
        key: impl Into<Arc<str>>,
        keep: impl Fn(&ValueRef<'_>, &Publication) -> bool + Send + Sync + 'static,
    ) -> Selection {
        Selection {
            key: key.into(),
            keep: Arc::new(keep),
        }
    }
}

/// Generations a request has already read from the database (with its session), so that a
/// cached evaluation can be served without reading them again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    pub generation: i64,
    pub model_generation: i64,
}

/// A cached evaluation and its JSON.
#[derive(Debug)]
pub struct EvaluationSnapshot {
    /// The data generation it was computed at.
    pub generation: i64,
    pub catalogue_version: String,
    /// The [`Selection::key`] it was computed for.
    pub selection: Arc<str>,
    /// Shared between the snapshots of generations that changed nothing it read.
    pub evaluation: Arc<Evaluation>,
    /// The audit chain's head and the model generation it was computed at: the writes after
    /// it are the audit events after `audit_seq`, which say which regions' values changed.
    pub audit_seq: i64,
    pub model_generation: i64,
    /// `serde_json` of `evaluation`, ready to send.
    pub json: Bytes,
    gzip: std::sync::OnceLock<Bytes>,
}

impl EvaluationSnapshot {
    /// The same results labelled with a newer state of the database that changed nothing
    /// they depend on.
    fn relabelled(&self, state: &StateRow) -> EvaluationSnapshot {
        let gzip = std::sync::OnceLock::new();
        if let Some(z) = self.gzip.get() {
            let _ = gzip.set(z.clone());
        }
        EvaluationSnapshot {
            generation: state.generation,
            catalogue_version: self.catalogue_version.clone(),
            selection: self.selection.clone(),
            evaluation: self.evaluation.clone(),
            audit_seq: state.audit_seq,
            model_generation: self.model_generation,
            json: self.json.clone(),
            gzip,
        }
    }

    /// The JSON, gzip-compressed once per snapshot: a year's evaluation is a few hundred
    /// kilobytes of JSON and compresses about tenfold, so serving the compressed copy to clients
    /// that accept it saves both bandwidth and per-request CPU.
    pub fn gzip(&self) -> Bytes {
        self.gzip
            .get_or_init(|| {
                use std::io::Write;
                let mut enc = flate2::write::GzEncoder::new(
                    Vec::with_capacity(self.json.len() / 8),
                    flate2::Compression::fast(),
                );
                // Writing to a Vec cannot fail.
                let _ = enc.write_all(&self.json);
                Bytes::from(enc.finish().unwrap_or_default())
            })
            .clone()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    year: i32,
    version: String,
    region: Option<String>,
    selection: Arc<str>,
}

/// Most entries kept; a city has a few dozen interesting keys.
const CAPACITY: usize = 512;

#[derive(Debug, Default)]
pub(crate) struct Cache {
    map: Mutex<HashMap<Key, Arc<EvaluationSnapshot>>>,
    /// One computation at a time: a burst of requests after a write computes once.
    compute: tokio::sync::Mutex<()>,
    /// Evaluations served from the cache, and computed, since the store opened (for metrics).
    hits: std::sync::atomic::AtomicU64,
    computed: std::sync::atomic::AtomicU64,
    /// All-region results made from a kept one with the changed regions evaluated again.
    spliced: std::sync::atomic::AtomicU64,
}

/// What the evaluation cache has done since the store opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CacheCounts {
    /// Requests answered from the cache.
    pub hits: u64,
    /// Evaluations computed.
    pub computed: u64,
    /// All-region evaluations made from a kept one with only the changed regions evaluated
    /// again.
    pub spliced: u64,
    /// Entries kept now.
    pub entries: usize,
}

impl Cache {
    /// The snapshot of `key` when nothing it read changed after it was computed (it is at least
    /// as new as `state.inputs`, the generation of the last write that changed evaluation
    /// inputs), kept again labelled with `state`, so later requests find it without this check.
    fn still_valid(&self, key: &Key, state: &StateRow) -> Option<Arc<EvaluationSnapshot>> {
        let old = self.latest(key).filter(|s| s.generation >= state.inputs)?;
        if old.generation >= state.generation {
            return Some(old);
        }
        Some(self.relabel(key.clone(), &old, state))
    }

    /// Keeps `old`'s results again, labelled with `state` (a hit: nothing is computed).
    fn relabel(
        &self,
        key: Key,
        old: &EvaluationSnapshot,
        state: &StateRow,
    ) -> Arc<EvaluationSnapshot> {
        self.hits.fetch_add(1, Relaxed);
        self.keep(key, old.relabelled(state))
    }

    /// The snapshot kept for `key`, whatever its generation.
    fn latest(&self, key: &Key) -> Option<Arc<EvaluationSnapshot>> {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.get(key).cloned()
    }

    /// A snapshot at `generation` or newer (a concurrent request may have computed a newer one).
    fn get_at_least(&self, key: &Key, generation: i64) -> Option<Arc<EvaluationSnapshot>> {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let hit = map.get(key).filter(|s| s.generation >= generation).cloned();
        if hit.is_some() {
            self.hits.fetch_add(1, Relaxed);
        }
        hit
    }

    pub(crate) fn counts(&self) -> CacheCounts {
        CacheCounts {
            hits: self.hits.load(Relaxed),
            computed: self.computed.load(Relaxed),
            spliced: self.spliced.load(Relaxed),
            entries: self.map.lock().unwrap_or_else(|e| e.into_inner()).len(),
        }
    }

    /// Keeps a newly computed snapshot and returns it.
    fn keep(&self, key: Key, snap: EvaluationSnapshot) -> Arc<EvaluationSnapshot> {
        let snap = Arc::new(snap);
        self.put(key, snap.clone());
        snap
    }

    fn put(&self, key: Key, snap: Arc<EvaluationSnapshot>) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= CAPACITY {
            let g = snap.generation;
            map.retain(|_, s| s.generation == g);
            if map.len() >= CAPACITY {
                map.clear();
            }
        }
        map.insert(key, snap);
    }
}

impl Store {
    /// The evaluation of `year`, against `catalogue_version` (the configured one when `None`),
    /// for one region (code or name) or all, over the values `selection` keeps.
    pub async fn evaluation(
        &self,
        year: i32,
        catalogue_version: Option<&str>,
        region: Option<&str>,
        selection: &Selection,
    ) -> Result<Arc<EvaluationSnapshot>> {
        let row = sqlx::query("SELECT generation, model_generation FROM store_state WHERE id = 1")
            .fetch_one(self.pool())
            .await?;
        let seen = Seen {
            generation: row.try_get(0)?,
            model_generation: row.try_get(1)?,
        };
        self.evaluation_seen(seen, year, catalogue_version, region, selection)
            .await
    }

    /// [`Store::evaluation`] for a request that has already read the generations in this
    /// request (with its session): the result is at least as new as what `seen` says, so it
    /// includes every write committed before the request began.
    pub async fn evaluation_seen(
        &self,
        seen: Seen,
        year: i32,
        catalogue_version: Option<&str>,
        region: Option<&str>,
        selection: &Selection,
    ) -> Result<Arc<EvaluationSnapshot>> {
        let generation = seen.generation;
        let model = self.model_at(seen.model_generation).await?;
        let plan = &model.plan;
        let version = check_year_version(&model, year, catalogue_version)?;
        let region_pos = match region {
            Some(r) => Some(plan.find_region(r).ok_or_else(|| {
                StoreError::invalid("region", Msg::UnknownRegion { code: r.to_owned() })
            })?),
            None => None,
        };
        let key = Key {
            year,
            version: version.clone(),
            region: region_pos.map(|i| plan.regions[i].code.clone()),
            selection: selection.key.clone(),
        };
        if let Some(hit) = self.inner.eval_cache.get_at_least(&key, generation) {
            return Ok(hit);
        }
        let _one_at_a_time = self.inner.eval_cache.compute.lock().await;

        // Load the inputs in one snapshot and label the result with that snapshot's generation.
        let mut tx = self.begin_snapshot().await?;
        let state = snapshot_state(&mut tx).await?;
        let generation = state.generation;
        if let Some(hit) = self.inner.eval_cache.get_at_least(&key, generation) {
            return Ok(hit);
        }
        if let Some(hit) = self.inner.eval_cache.still_valid(&key, &state) {
            tx.rollback().await?;
            return Ok(hit);
        }
        let opts = Options {
            year,
            catalogue_version: Some(version.clone()),
            region: region_pos,
        };
        let label = Label {
            state,
            catalogue_version: version,
            selection: selection.key.clone(),
            model_generation: model.generation,
        };
        let cache = &self.inner.eval_cache;
        // What a write touched: when only some regions' values changed since the kept result
        // of this key was computed (same model), a region's result stays as it is unless its
        // region is one of them, and the result of every region is the kept one with those
        // regions evaluated again.
        let previous = cache
            .latest(&key)
            .filter(|p| p.model_generation == model.generation && p.audit_seq <= state.audit_seq);
        if let Some(prev) = previous
            && let Some(changed) = changed_regions(&mut tx, plan, prev.audit_seq).await?
        {
            let untouched = match region_pos {
                Some(pos) => !changed.contains(&pos),
                None => changed.is_empty(),
            };
            if untouched {
                tx.rollback().await?;
                return Ok(cache.relabel(key, &prev, &state));
            }
            if region_pos.is_none() && changed.len() <= MAX_SPLICED_REGIONS {
                let mut parts = Vec::with_capacity(changed.len());
                for &pos in &changed {
                    let reach = Reach {
                        region: Some(plan.regions[pos].code.as_str()),
                        ..Reach::up_to(year)
                    };
                    let (values, assigned, _) =
                        load_inputs(&mut tx, self.backend(), plan, selection, &reach).await?;
                    parts.push((pos, values, assigned));
                }
                tx.rollback().await?;
                let (m, base) = (model.clone(), prev.evaluation.clone());
                let done = evaluate_off_thread(move || {
                    let mut replaced = Vec::with_capacity(parts.len());
                    for (pos, values, assigned) in parts {
                        let one = Options {
                            region: Some(pos),
                            ..opts.clone()
                        };
                        let e =
                            ecociv_core::evaluate(&m.plan, &m.catalogue, &values, &assigned, &one)?;
                        replaced.push((pos, e.results));
                    }
                    ecociv_core::evaluate::splice_regions(
                        &m.plan,
                        &m.catalogue,
                        &base,
                        opts.catalogue_version.as_deref(),
                        replaced,
                    )
                })
                .await?;
                cache.spliced.fetch_add(1, Relaxed);
                return Ok(cache.keep(key, label.snapshot(done)));
            }
        }
        // A region's results use only that region's series (and its assigned targets).
        let reach = Reach {
            region: region_pos.map(|i| plan.regions[i].code.as_str()),
            ..Reach::up_to(year)
        };
        let (values, assigned, _) =
            load_inputs(&mut tx, self.backend(), plan, selection, &reach).await?;
        tx.rollback().await?;
        let m = model.clone();
        let done = evaluate_off_thread(move || {
            ecociv_core::evaluate(&m.plan, &m.catalogue, &values, &assigned, &opts)
        })
        .await?;
        cache.computed.fetch_add(1, Relaxed);
        Ok(cache.keep(key, label.snapshot(done)))
    }
}

/// What a computed evaluation is kept under besides its key: the database state it was read
/// at, the catalogue version, the selection and the model.
struct Label {
    state: StateRow,
    catalogue_version: String,
    selection: Arc<str>,
    model_generation: i64,
}

impl Label {
    fn snapshot(self, (evaluation, json): (Evaluation, Vec<u8>)) -> EvaluationSnapshot {
        EvaluationSnapshot {
            generation: self.state.generation,
            catalogue_version: self.catalogue_version,
            selection: self.selection,
            evaluation: Arc::new(evaluation),
            audit_seq: self.state.audit_seq,
            model_generation: self.model_generation,
            json: Bytes::from(json),
            gzip: std::sync::OnceLock::new(),
        }
    }
}

/// Runs `f` off the async threads (an evaluation is CPU work: forecasts for every series) and
/// serializes its result, ready to send.
async fn evaluate_off_thread(
    f: impl FnOnce() -> std::result::Result<Evaluation, ecociv_core::evaluate::EvalError>
    + Send
    + 'static,
) -> Result<(Evaluation, Vec<u8>)> {
    tokio::task::spawn_blocking(move || {
        let e = f().map_err(eval_error)?;
        let json = serde_json::to_vec(&e)
            .map_err(|e| StoreError::Io(format!("评估结果序列化失败: {e}")))?;
        Ok::<_, StoreError>((e, json))
    })
    .await
    .map_err(|e| StoreError::Io(format!("评估失败: {e}")))?
}

/// The store's error for an evaluation that could not run.
fn eval_error(e: ecociv_core::evaluate::EvalError) -> StoreError {
    match e {
        ecociv_core::evaluate::EvalError::UnknownVersion(version, available) => {
            StoreError::invalid(
                "catalogue_version",
                Msg::UnknownCatalogueVersion { version, available },
            )
        }
    }
}

/// The catalogue version to evaluate against (the configured one when `None`), after checking
/// that it exists and that the year lies within the plan.
fn check_year_version(model: &Model, year: i32, catalogue_version: Option<&str>) -> Result<String> {
    let plan = &model.plan;
    let version = catalogue_version
        .unwrap_or(&model.catalogue_version)
        .to_owned();
    if model.catalogue.version(&version).is_none() {
        return Err(StoreError::invalid(
            "catalogue_version",
            Msg::UnknownCatalogueVersion {
                version: version.clone(),
                available: model.catalogue.version_ids().join("、"),
            },
        ));
    }
    if year <= plan.base_year - 10 || year > plan.end_year {
        return Err(StoreError::invalid(
            "year",
            Msg::YearOutsidePlan {
                year,
                from: plan.base_year - 9,
                to: plan.end_year,
            },
        ));
    }
    Ok(version)
}

/// Which values an evaluation reads: the annual values of `years`, of one region or all.
struct Reach<'a> {
    years: std::ops::RangeInclusive<i32>,
    region: Option<&'a str>,
}

impl Reach<'_> {
    /// Values are accepted from ten years before a plan's base year; an earlier plan version
    /// may have had an earlier base year, so evaluations look forty years back.
    const LOOK_BACK: i32 = 40;

    fn up_to(year: i32) -> Reach<'static> {
        Reach {
            years: year - Self::LOOK_BACK..=year,
            region: None,
        }
    }
}

/// Reads what is published, the values `selection` keeps and the assigned targets, inside a
/// snapshot transaction.
///
/// The values come back as one JSON array in a single row: the drivers' per-row cost (a message
/// from SQLite's worker thread and a conversion per row) was most of the time of an evaluation
/// recomputed after a write; one document parsed by serde is several times cheaper.
async fn load_inputs(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    plan: &ecociv_core::Plan,
    selection: &Selection,
    reach: &Reach<'_>,
) -> Result<(ValueSet, AssignedSet, Publication)> {
    let publication = read_publication(conn).await?;
    // Evaluation is annual (`ValueSet` keeps annual values only): the statement names the
    // annual periods, so monthly and quarterly rows are never read (`data_values_period_series`,
    // or `data_values_region_period` for one region).
    let periods = reach
        .years
        .clone()
        .map(|y| format!("'{y:04}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut from = format!(
        "data_values WHERE superseded_by IS NULL AND status IN ('approved', 'submitted') \
         AND period IN ({periods}) AND length(period) = 4"
    );
    let mut binds = Vec::new();
    if let Some(region) = reach.region {
        from.push_str(" AND region = $1");
        binds.push(region);
    }
    // Later rows win in `ValueSet::new`, so the order (approved after submitted) is kept inside
    // the aggregate.
    type ValueRow = (String, String, String, String, String, String);
    let mut rows: Vec<ValueRow> = json_rows(
        conn,
        backend,
        "indicator, region, period, value, status, provenance_detail",
        &from,
        "ORDER BY CASE WHEN status = 'approved' THEN 1 ELSE 0 END, id",
        &binds,
    )
    .await?;
    // The months and quarters of the indicators whose year is made from them (汇总方式), in the
    // years that have no approved annual value of their own (`data_values_series`, and the
    // unique `data_values_live_approved` for the test): an annual-only indicator's months, and
    // the months of a year reported as a whole, are not read.
    let aggregated: Vec<&str> = plan
        .indicators
        .iter()
        .filter(|i| i.aggregate != ecociv_core::indicator::Aggregate::Annual)
        .map(|i| i.code.as_str())
        .collect();
    if !aggregated.is_empty() {
        let mut binds: Vec<&str> = aggregated.clone();
        let list: Vec<String> = (1..=binds.len()).map(|n| format!("${n}")).collect();
        let (from_year, to_year) = (*reach.years.start(), *reach.years.end() + 1);
        let mut from = format!(
            "data_values d WHERE d.superseded_by IS NULL AND d.status IN ('approved', 'submitted') \
             AND d.indicator IN ({}) AND d.period >= '{from_year:04}' AND d.period < '{to_year:04}' \
             AND length(d.period) > 4 AND NOT EXISTS (SELECT 1 FROM data_values a \
             WHERE a.indicator = d.indicator AND a.region = d.region \
             AND a.period = substr(d.period, 1, 4) AND a.status = 'approved' \
             AND a.superseded_by IS NULL)",
            list.join(", ")
        );
        if let Some(region) = reach.region {
            from.push_str(&format!(" AND d.region = ${}", binds.len() + 1));
            binds.push(region);
        }
        let parts: Vec<ValueRow> = json_rows(
            conn,
            backend,
            "indicator, region, period, value, status, provenance_detail",
            &from,
            "ORDER BY CASE WHEN status = 'approved' THEN 1 ELSE 0 END, id",
            &binds,
        )
        .await?;
        rows.extend(parts);
    }
    let mut observations = Vec::with_capacity(rows.len());
    for (ind, reg, period, value, status, detail) in rows {
        let Some(status) = WorkflowStatus::parse(&status) else {
            continue;
        };
        let r = ValueRef {
            indicator: &ind,
            region: &reg,
            period: &period,
            status,
            live: true,
        };
        if !(selection.keep)(&r, &publication) {
            continue;
        }
        let (Some(i), Some(g), Ok(p), Ok(v)) = (
            plan.indicator_position(&ind),
            plan.region_position(&reg),
            period.parse(),
            value.parse::<f64>(),
        ) else {
            continue;
        };
        observations.push(Observation {
            indicator: i,
            region: g,
            period: p,
            value: v,
            source: (!detail.is_empty()).then_some(detail),
            state: if status == WorkflowStatus::Approved {
                ValueState::Approved
            } else {
                ValueState::Pending
            },
        });
    }
    type AssignedRow = (String, String, i64, String, String);
    let assigned_rows: Vec<AssignedRow> = json_rows(
        conn,
        backend,
        "indicator, region, year, threshold, document",
        "assigned_targets",
        "ORDER BY indicator, region, year",
        &[],
    )
    .await?;
    let assigned: Vec<AssignedTarget> = assigned_rows
        .into_iter()
        .filter_map(|(indicator, region, year, threshold, document)| {
            Some(AssignedTarget {
                indicator: plan.indicator_position(&indicator)?,
                region: plan.region_position(&region)?,
                year: i32::try_from(year).ok()?,
                threshold: threshold.parse().ok()?,
                document,
            })
        })
        .collect();
    Ok((
        ValueSet::for_plan(plan, observations),
        AssignedSet::new(assigned),
        publication,
    ))
}

/// The published indicators and periods.
async fn read_publication(conn: &mut sqlx::AnyConnection) -> Result<Publication> {
    let mut p = Publication::default();
    for r in sqlx::query("SELECT code FROM indicators WHERE published = 1")
        .fetch_all(&mut *conn)
        .await?
    {
        p.indicators.insert(r.try_get(0)?);
    }
    for r in sqlx::query("SELECT id FROM periods WHERE published = 1")
        .fetch_all(&mut *conn)
        .await?
    {
        p.periods.insert(r.try_get(0)?);
    }
    Ok(p)
}

/// The data generation a snapshot transaction sees.
async fn snapshot_generation(conn: &mut sqlx::AnyConnection) -> Result<i64> {
    Ok(snapshot_state(conn).await?.generation)
}

/// What a snapshot transaction sees of `store_state`.
#[derive(Debug, Clone, Copy)]
struct StateRow {
    generation: i64,
    /// The generation of the last write that changed evaluation inputs.
    inputs: i64,
    /// The audit chain's head.
    audit_seq: i64,
}

async fn snapshot_state(conn: &mut sqlx::AnyConnection) -> Result<StateRow> {
    let row = sqlx::query(
        "SELECT generation, inputs_generation, audit_seq FROM store_state WHERE id = 1",
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(StateRow {
        generation: row.try_get(0)?,
        inputs: row.try_get(1)?,
        audit_seq: row.try_get(2)?,
    })
}

/// Regions an all-region result is spliced for at most; beyond, it is computed again whole.
const MAX_SPLICED_REGIONS: usize = 16;
/// Audit events read to find what changed at most; beyond (an import), everything is computed
/// again.
const MAX_CHANGE_EVENTS: i64 = 2_000;

/// The regions (positions in the plan) whose values changed after the audit event `after`, when
/// nothing else an evaluation reads changed; `None` when something else may have (publication,
/// assigned targets, the model, anything not known to leave the inputs alone) or when there
/// were too many events to read. Values are `value:<id>` events and the reviews of values
/// (`review:<id>`); sign-ins, accounts, comments, task progress, evidence and imports'
/// occurrence events change nothing an evaluation reads (an import's rows have their own
/// `value:` events).
async fn changed_regions(
    conn: &mut sqlx::AnyConnection,
    plan: &ecociv_core::Plan,
    after: i64,
) -> Result<Option<std::collections::BTreeSet<usize>>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT entity FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT {}",
        MAX_CHANGE_EVENTS + 1
    )))
    .bind(after)
    .fetch_all(&mut *conn)
    .await?;
    if rows.len() as i64 > MAX_CHANGE_EVENTS {
        return Ok(None);
    }
    let (mut values, mut reviews) = (Vec::new(), Vec::new());
    for r in &rows {
        let entity: String = r.try_get(0)?;
        let Some((kind, id)) = entity.split_once(':') else {
            return Ok(None);
        };
        match kind {
            "value" | "review" => {
                let Ok(id) = id.parse::<i64>() else {
                    return Ok(None);
                };
                if kind == "value" {
                    &mut values
                } else {
                    &mut reviews
                }
                .push(id);
            }
            "user" | "login" | "comment" | "task_update" | "evidence" | "evidence_link"
            | "import" => {}
            _ => return Ok(None),
        }
    }
    let ids = |v: &[i64]| v.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
    for chunk in reviews.chunks(500) {
        let sql = format!(
            "SELECT entity_id FROM reviews WHERE entity_kind = 'value' AND id IN ({})",
            ids(chunk)
        );
        for r in sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut *conn)
            .await?
        {
            values.push(r.try_get(0)?);
        }
    }
    values.sort_unstable();
    values.dedup();
    let mut regions = std::collections::BTreeSet::new();
    for chunk in values.chunks(500) {
        let sql = format!(
            "SELECT DISTINCT region FROM data_values WHERE id IN ({})",
            ids(chunk)
        );
        for r in sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut *conn)
            .await?
        {
            let code: String = r.try_get(0)?;
            match plan.region_position(&code) {
                Some(pos) => {
                    regions.insert(pos);
                }
                None => return Ok(None),
            }
        }
    }
    Ok(Some(regions))
}

/// `SELECT cols FROM from ORDER BY …` as one JSON array of arrays in a single row, each inner
/// array deserialized as a tuple `T` of the columns in order.
///
/// The number of rows is reported as a `debug` event of target `ecociv_store::rows` (field
/// `rows`), beside the statement sqlx reports (target `sqlx::query`, which sees one row): the
/// rows a page reads are counted by tests, and a regression to reading everything shows.
pub(crate) async fn json_rows<T: serde::de::DeserializeOwned>(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    cols: &str,
    from: &str,
    order: &str,
    binds: &[&str],
) -> Result<Vec<T>> {
    let sql = match backend {
        Backend::Sqlite => {
            format!("SELECT json_group_array(json_array({cols}) {order}) FROM {from}")
        }
        Backend::Postgres => format!(
            "SELECT COALESCE(json_agg(json_build_array({cols}) {order}), '[]')::text FROM {from}"
        ),
    };
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for b in binds {
        query = query.bind(*b);
    }
    let doc: String = query.fetch_one(&mut *conn).await?.try_get(0)?;
    let rows: Vec<T> = serde_json::from_str(&doc)
        .map_err(|e| StoreError::Io(format!("读取数据库结果失败: {e}")))?;
    tracing::debug!(target: "ecociv_store::rows", rows = rows.len() as u64, "aggregated read");
    Ok(rows)
}

/// The inputs of evaluation as one selection sees them, read in one snapshot: for documents
/// that need the values themselves (history charts, open data) as well as the evaluation
/// computed from exactly those values.
#[derive(Debug, Clone)]
pub struct EvaluationInputs {
    /// The data generation of the snapshot.
    pub generation: i64,
    pub selection: Arc<str>,
    pub model: Arc<Model>,
    /// The selected values: approved ones, and submitted ones as pending.
    pub values: ValueSet,
    pub assigned: AssignedSet,
    /// What was published in the same snapshot.
    pub publication: Publication,
}

impl EvaluationInputs {
    /// Evaluates `year` for the whole plan (all regions) against `catalogue_version` (the
    /// configured one when `None`). CPU work: call it off the async threads for large data.
    pub fn evaluate(&self, year: i32, catalogue_version: Option<&str>) -> Result<Evaluation> {
        let version = check_year_version(&self.model, year, catalogue_version)?;
        ecociv_core::evaluate(
            &self.model.plan,
            &self.model.catalogue,
            &self.values,
            &self.assigned,
            &Options {
                year,
                catalogue_version: Some(version),
                region: None,
            },
        )
        .map_err(eval_error)
    }
}

impl Store {
    /// The values `selection` keeps and the assigned targets, with the plan and what is
    /// published, read in one snapshot (uncached: for document downloads, not for every page
    /// view).
    pub async fn evaluation_inputs(&self, selection: &Selection) -> Result<EvaluationInputs> {
        let model = self.current_model().await?;
        let mut tx = self.begin_snapshot().await?;
        let generation = snapshot_generation(&mut tx).await?;
        let reach = Reach::up_to(model.plan.end_year);
        let (values, assigned, publication) =
            load_inputs(&mut tx, self.backend(), &model.plan, selection, &reach).await?;
        tx.rollback().await?;
        Ok(EvaluationInputs {
            generation,
            selection: selection.key.clone(),
            model,
            values,
            assigned,
            publication,
        })
    }

    /// What is published now.
    pub async fn publication(&self) -> Result<Publication> {
        let mut conn = self.pool().acquire().await?;
        read_publication(&mut conn).await
    }
}
