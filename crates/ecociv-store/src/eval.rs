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

use crate::{Backend, Result, Store, StoreError};

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
        let begin = match self.backend() {
            Backend::Sqlite => "BEGIN",
            Backend::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        };
        let mut tx = self.pool().begin_with(begin).await?;
        let generation: i64 = sqlx::query("SELECT generation FROM store_state WHERE id = 1")
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        if let Some(hit) = self.inner.eval_cache.get_at_least(&key, generation) {
            return Ok(hit);
        }
        let sql = match audience {
            Audience::Internal => {
                "SELECT indicator, region, period, value, status, provenance_detail \
                 FROM data_values WHERE superseded_by IS NULL \
                 AND status IN ('approved', 'submitted') \
                 ORDER BY CASE WHEN status = 'approved' THEN 1 ELSE 0 END, id"
            }
            Audience::Public => {
                "SELECT indicator, region, period, value, status, provenance_detail \
                 FROM data_values WHERE superseded_by IS NULL AND status = 'approved' \
                 AND indicator IN (SELECT code FROM indicators WHERE published = 1) \
                 AND period IN (SELECT id FROM periods WHERE published = 1) ORDER BY id"
            }
        };
        let rows = sqlx::query(sql).fetch_all(&mut *tx).await?;
        let mut observations = Vec::with_capacity(rows.len());
        for r in &rows {
            let ind: String = r.try_get(0)?;
            let reg: String = r.try_get(1)?;
            let period: String = r.try_get(2)?;
            let value: String = r.try_get(3)?;
            let status: String = r.try_get(4)?;
            let detail: String = r.try_get(5)?;
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
        let assigned_rows = crate::assigned::all(&mut tx).await?;
        tx.rollback().await?;
        let assigned: Vec<AssignedTarget> = assigned_rows
            .into_iter()
            .filter_map(|a| {
                Some(AssignedTarget {
                    indicator: plan.indicator_position(&a.indicator)?,
                    region: plan.region_position(&a.region)?,
                    year: i32::try_from(a.year).ok()?,
                    threshold: a.threshold.parse().ok()?,
                    document: a.document,
                })
            })
            .collect();

        let values = ValueSet::new(observations);
        let assigned = AssignedSet::new(assigned);
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
