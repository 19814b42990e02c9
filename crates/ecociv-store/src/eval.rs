//! Evaluation from stored data, cached.
//!
//! Loads the live values (approved → approved, submitted → pending; drafts and returned values do
//! not count) and the assigned targets into ecociv-core's types and calls
//! [`ecociv_core::evaluate()`]. Results are cached per (year, catalogue version, region, audience)
//! together with their JSON, keyed by the data generation that every write bumps in its own
//! transaction. The generation lives in the database, so several app servers never serve a
//! result older than the last committed write; a cache hit costs one indexed read of one row.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use ecociv_core::evaluate::Options;
use ecociv_core::{AssignedSet, AssignedTarget, Evaluation, Observation, ValueSet, ValueState};
use sqlx::Row;

use crate::{Backend, Model, Result, Store, StoreError};

/// Who the evaluation is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// Signed-in users: approved and submitted values of every indicator and period.
    Internal,
    /// The public: approved values of published indicators in published periods only.
    Public,
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
    pub audience: Audience,
    pub evaluation: Evaluation,
    /// `serde_json` of `evaluation`, ready to send.
    pub json: Bytes,
    gzip: std::sync::OnceLock<Bytes>,
}

impl EvaluationSnapshot {
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
    audience: Audience,
}

/// Most entries kept; a city has a few dozen interesting keys.
const CAPACITY: usize = 512;

#[derive(Debug, Default)]
pub(crate) struct Cache {
    map: Mutex<HashMap<Key, Arc<EvaluationSnapshot>>>,
    /// One computation at a time: a burst of requests after a write computes once.
    compute: tokio::sync::Mutex<()>,
}

impl Cache {
    /// A snapshot at `generation` or newer (a concurrent request may have computed a newer one).
    fn get_at_least(&self, key: &Key, generation: i64) -> Option<Arc<EvaluationSnapshot>> {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.get(key).filter(|s| s.generation >= generation).cloned()
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
    /// for one region (code or name) or all, as `audience` may see it.
    pub async fn evaluation(
        &self,
        year: i32,
        catalogue_version: Option<&str>,
        region: Option<&str>,
        audience: Audience,
    ) -> Result<Arc<EvaluationSnapshot>> {
        let row = sqlx::query("SELECT generation, model_generation FROM store_state WHERE id = 1")
            .fetch_one(self.pool())
            .await?;
        let seen = Seen {
            generation: row.try_get(0)?,
            model_generation: row.try_get(1)?,
        };
        self.evaluation_seen(seen, year, catalogue_version, region, audience)
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
        audience: Audience,
    ) -> Result<Arc<EvaluationSnapshot>> {
        let generation = seen.generation;
        let model = self.model_at(seen.model_generation).await?;
        let plan = &model.plan;
        let version = check_year_version(&model, year, catalogue_version)?;
        let region_pos = match region {
            Some(r) => Some(
                plan.find_region(r)
                    .ok_or_else(|| StoreError::invalid("region", format!("未知的行政区“{r}”")))?,
            ),
            None => None,
        };
        let key = Key {
            year,
            version: version.clone(),
            region: region_pos.map(|i| plan.regions[i].code.clone()),
            audience,
        };
        if let Some(hit) = self.inner.eval_cache.get_at_least(&key, generation) {
            return Ok(hit);
        }
        let _one_at_a_time = self.inner.eval_cache.compute.lock().await;

        // Load the inputs in one snapshot and label the result with that snapshot's generation.
        let mut tx = self.begin_snapshot().await?;
        let generation = snapshot_generation(&mut tx).await?;
        if let Some(hit) = self.inner.eval_cache.get_at_least(&key, generation) {
            return Ok(hit);
        }
        let (values, assigned) = load_inputs(&mut tx, self.backend(), plan, audience).await?;
        tx.rollback().await?;

        let opts = Options {
            year,
            catalogue_version: Some(version.clone()),
            region: region_pos,
        };
        // Evaluation is CPU work (forecasts for every series): keep it off the async threads.
        let m = model.clone();
        let (evaluation, json) = tokio::task::spawn_blocking(move || {
            let e = ecociv_core::evaluate(&m.plan, &m.catalogue, &values, &assigned, &opts)
                .map_err(|e| StoreError::invalid("catalogue_version", e.to_string()))?;
            let json = serde_json::to_vec(&e)
                .map_err(|e| StoreError::Io(format!("评估结果序列化失败: {e}")))?;
            Ok::<_, StoreError>((e, json))
        })
        .await
        .map_err(|e| StoreError::Io(format!("评估失败: {e}")))??;
        let snap = Arc::new(EvaluationSnapshot {
            generation,
            catalogue_version: version,
            audience,
            evaluation,
            json: Bytes::from(json),
            gzip: std::sync::OnceLock::new(),
        });
        self.inner.eval_cache.put(key, snap.clone());
        Ok(snap)
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
            format!(
                "国家指标版本“{version}”不存在，可用: {}",
                model.catalogue.version_ids().join("、")
            ),
        ));
    }
    if year <= plan.base_year - 10 || year > plan.end_year {
        return Err(StoreError::invalid(
            "year",
            format!(
                "年份{year}超出方案范围（{}–{}年）",
                plan.base_year - 9,
                plan.end_year
            ),
        ));
    }
    Ok(version)
}

/// Reads the values `audience` may see and the assigned targets, inside a snapshot transaction.
///
/// The values come back as one JSON array in a single row: the drivers' per-row cost (a message
/// from SQLite's worker thread and a conversion per row) was most of the time of an evaluation
/// recomputed after a write; one document parsed by serde is several times cheaper.
async fn load_inputs(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    plan: &ecociv_core::Plan,
    audience: Audience,
) -> Result<(ValueSet, AssignedSet)> {
    let (filter, order) = match audience {
        Audience::Internal => (
            "superseded_by IS NULL AND status IN ('approved', 'submitted')",
            "ORDER BY CASE WHEN status = 'approved' THEN 1 ELSE 0 END, id",
        ),
        Audience::Public => (
            "superseded_by IS NULL AND status = 'approved' \
             AND indicator IN (SELECT code FROM indicators WHERE published = 1) \
             AND period IN (SELECT id FROM periods WHERE published = 1)",
            "ORDER BY id",
        ),
    };
    // Later rows win in `ValueSet::new`, so the order (approved after submitted) is kept inside
    // the aggregate.
    type ValueRow = (String, String, String, String, String, String);
    let rows: Vec<ValueRow> = json_rows(
        conn,
        backend,
        "indicator, region, period, value, status, provenance_detail",
        &format!("data_values WHERE {filter}"),
        order,
    )
    .await?;
    let mut observations = Vec::with_capacity(rows.len());
    for (ind, reg, period, value, status, detail) in rows {
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
            state: if status == "approved" {
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
    Ok((ValueSet::new(observations), AssignedSet::new(assigned)))
}

/// The data generation a snapshot transaction sees.
async fn snapshot_generation(conn: &mut sqlx::AnyConnection) -> Result<i64> {
    Ok(
        sqlx::query("SELECT generation FROM store_state WHERE id = 1")
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?,
    )
}

/// `SELECT cols FROM from ORDER BY …` as one JSON array of arrays in a single row, each inner
/// array deserialized as a tuple `T` of the columns in order.
async fn json_rows<T: serde::de::DeserializeOwned>(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    cols: &str,
    from: &str,
    order: &str,
) -> Result<Vec<T>> {
    let sql = match backend {
        Backend::Sqlite => {
            format!("SELECT json_group_array(json_array({cols}) {order}) FROM {from}")
        }
        Backend::Postgres => format!(
            "SELECT COALESCE(json_agg(json_build_array({cols}) {order}), '[]')::text FROM {from}"
        ),
    };
    let doc: String = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
    serde_json::from_str(&doc).map_err(|e| StoreError::Io(format!("读取数据库结果失败: {e}")))
}

/// The inputs of evaluation as one audience may see them, read in one snapshot: for documents
/// that need the values themselves (history charts, open data) as well as the evaluation
/// computed from exactly those values.
#[derive(Debug, Clone)]
pub struct EvaluationInputs {
    /// The data generation of the snapshot.
    pub generation: i64,
    pub audience: Audience,
    pub model: Arc<Model>,
    /// Approved values, and for [`Audience::Internal`] submitted ones as pending.
    pub values: ValueSet,
    pub assigned: AssignedSet,
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
        .map_err(|e| StoreError::invalid("catalogue_version", e.to_string()))
    }
}

impl Store {
    /// The values and assigned targets `audience` may see, with the plan, read in one snapshot
    /// (uncached: for document downloads, not for every page view).
    pub async fn evaluation_inputs(&self, audience: Audience) -> Result<EvaluationInputs> {
        let model = self.current_model().await?;
        let mut tx = self.begin_snapshot().await?;
        let generation = snapshot_generation(&mut tx).await?;
        let (values, assigned) =
            load_inputs(&mut tx, self.backend(), &model.plan, audience).await?;
        tx.rollback().await?;
        Ok(EvaluationInputs {
            generation,
            audience,
            model,
            values,
            assigned,
        })
    }
}
