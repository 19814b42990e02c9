//! The plan and the national catalogue as stored: plan versions (the TOML text, who loaded and
//! activated it), catalogue files (editable by a coordinator), the derived tables (units, regions,
//! indicators, targets), settings and publication flags.
//!
//! The active plan and catalogue are held in memory as a [`Model`]. Whenever one of them changes,
//! the write bumps `store_state.model_generation`; every app server notices on its next read and
//! reloads, so several servers behind a load balancer agree.

use ecociv_i18n::{Msg, Noun};

use std::sync::Arc;

use ecociv_core::{Catalogue, Plan, builtin};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};

use crate::tx::{WriteTx, begin_write};
use crate::{Actor, Backend, Clock, Result, Store, StoreError, opt_text};

/// The active plan and catalogue.
#[derive(Debug)]
pub struct Model {
    pub plan: Plan,
    pub catalogue: Catalogue,
    /// Id of the active row in `plan_versions`.
    pub plan_version: i64,
    /// The catalogue version evaluation uses unless a request names another: the coordinator's
    /// setting, else the plan's own.
    pub catalogue_version: String,
    /// `store_state.model_generation` when this was loaded.
    pub generation: i64,
}

impl Model {
    /// The unit (department) with this code.
    pub fn unit(&self, code: &str) -> Option<&ecociv_core::plan::OrgUnit> {
        self.plan.units.iter().find(|u| u.code == code)
    }
}

/// A stored plan version (without its TOML text).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanVersion {
    pub id: i64,
    pub plan_id: String,
    pub name: String,
    pub source_name: String,
    pub sha256: String,
    pub active: bool,
    pub loaded_by: String,
    pub loaded_at: String,
    pub activated_by: Option<String>,
    pub activated_at: Option<String>,
}

/// A stored catalogue file.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CatalogueFile {
    pub name: String,
    pub kind: String,
    pub position: i64,
    pub sha256: String,
    pub updated_by: String,
    pub updated_at: String,
    pub version: i64,
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn plan_version_from_row(r: &AnyRow) -> Result<PlanVersion> {
    let toml: String = r.try_get("toml")?;
    Ok(PlanVersion {
        id: r.try_get("id")?,
        plan_id: r.try_get("plan_id")?,
        name: r.try_get("name")?,
        source_name: r.try_get("source_name")?,
        // Recomputed from the text, so an edit of the text shows in the audit state check.
        sha256: sha256_hex(toml.as_bytes()),
        active: r.try_get::<i64, _>("active")? == 1,
        loaded_by: r.try_get("loaded_by")?,
        loaded_at: r.try_get("loaded_at")?,
        activated_by: opt_text(r, "activated_by")?,
        activated_at: opt_text(r, "activated_at")?,
    })
}

fn catalogue_file_from_row(r: &AnyRow) -> Result<CatalogueFile> {
    let toml: String = r.try_get("toml")?;
    Ok(CatalogueFile {
        name: r.try_get("name")?,
        kind: r.try_get("kind")?,
        position: r.try_get("position")?,
        sha256: sha256_hex(toml.as_bytes()),
        updated_by: r.try_get("updated_by")?,
        updated_at: r.try_get("updated_at")?,
        version: r.try_get("version")?,
    })
}

const PLAN_COLS: &str = "id, plan_id, name, source_name, toml, active, loaded_by, loaded_at, \
                         activated_by, activated_at";

async fn load_catalogue_files(conn: &mut AnyConnection) -> Result<Vec<(String, String, String)>> {
    let rows = sqlx::query("SELECT name, kind, toml FROM catalogue_files ORDER BY position, name")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("name")?, r.try_get("kind")?, r.try_get("toml")?)))
        .collect()
}

fn build_catalogue(files: &[(String, String, String)]) -> Result<Catalogue> {
    let dict = files
        .iter()
        .find(|(_, k, _)| k == "dictionary")
        .ok_or_else(|| StoreError::Model(Msg::NoCatalogueDictionary))?;
    let versions: Vec<(&str, &str)> = files
        .iter()
        .filter(|(_, k, _)| k == "version")
        .map(|(n, _, t)| (n.as_str(), t.as_str()))
        .collect();
    Catalogue::load((&dict.0, &dict.2), &versions).map_err(|d| {
        StoreError::Model(Msg::ModelProblems {
            what: Noun::CatalogueVersion,
            count: d.len(),
            detail: d.to_string(),
        })
    })
}

fn load_plan(name: &str, text: &str, catalogue: &Catalogue) -> Result<Plan> {
    Plan::load(name, text, catalogue).map_err(|d| {
        StoreError::Model(Msg::ModelProblems {
            what: Noun::PlanVersion,
            count: d.len(),
            detail: d.to_string(),
        })
    })
}

/// File name of a built-in catalogue file as stored: `indicators`, `2019`, …
fn builtin_name(path: &str) -> String {
    path.rsplit('/')
        .next()
        .unwrap_or(path)
        .trim_end_matches(".toml")
        .to_owned()
}

/// Creates what a fresh database lacks (the built-in catalogue, the plan) and loads the model.
pub(crate) async fn bootstrap(
    pool: &AnyPool,
    backend: Backend,
    clock: &dyn Clock,
    plan_override: Option<&(String, String)>,
) -> Result<Model> {
    // Most starts find everything in place: check with reads before taking the write lock.
    {
        let mut conn = pool.acquire().await?;
        let has_catalogue = sqlx::query("SELECT name FROM catalogue_files LIMIT 1")
            .fetch_optional(&mut *conn)
            .await?
            .is_some();
        let active = sqlx::query("SELECT toml FROM plan_versions WHERE active = 1")
            .fetch_optional(&mut *conn)
            .await?;
        let plan_current = match (&active, plan_override) {
            (Some(_), None) => true,
            (Some(row), Some((_, text))) => row.try_get::<String, _>(0)? == *text,
            (None, _) => false,
        };
        if has_catalogue && plan_current {
            return load_model(&mut conn).await;
        }
    }
    let mut w = begin_write(pool, backend, clock.now(), None).await?;
    let actor = Actor::system();
    let mut files = load_catalogue_files(&mut w.tx).await?;
    if files.is_empty() {
        let mut all = vec![(builtin::INDICATORS, "dictionary")];
        all.extend(builtin::VERSIONS.iter().map(|v| (*v, "version")));
        for (pos, ((path, text), kind)) in all.into_iter().enumerate() {
            let name = builtin_name(path);
            sqlx::query(
                "INSERT INTO catalogue_files (name, kind, position, toml, updated_by, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&name)
            .bind(kind)
            .bind(pos as i64)
            .bind(text)
            .bind(&actor.name)
            .bind(&w.at)
            .execute(&mut *w.tx)
            .await?;
            let after = catalogue_snapshot(&mut w.tx, &name).await?;
            w.audit(
                &actor,
                "catalogue.load",
                &format!("catalogue:{name}"),
                None,
                Some(&after),
            )
            .await?;
        }
        w.model_changed();
        files = load_catalogue_files(&mut w.tx).await?;
    }
    let catalogue = build_catalogue(&files)?;

    let active = sqlx::query("SELECT id, toml, source_name FROM plan_versions WHERE active = 1")
        .fetch_optional(&mut *w.tx)
        .await?;
    let wanted: Option<(String, String)> = match (&active, plan_override) {
        (None, None) => Some((builtin::PLAN.0.to_owned(), builtin::PLAN.1.to_owned())),
        (None, Some(p)) => Some(p.clone()),
        (Some(row), Some((name, text))) => {
            let stored: String = row.try_get("toml")?;
            (stored != *text).then(|| (name.clone(), text.clone()))
        }
        (Some(_), None) => None,
    };
    if let Some((name, text)) = wanted {
        let plan = load_plan(&name, &text, &catalogue)?;
        let id = insert_plan_version(&mut w, &actor, &name, &text, &plan).await?;
        activate_in(&mut w, &actor, id, &plan).await?;
    }
    w.commit().await?;
    let mut conn = pool.acquire().await?;
    load_model(&mut conn).await
}

async fn insert_plan_version(
    w: &mut WriteTx,
    actor: &Actor,
    name: &str,
    text: &str,
    plan: &Plan,
) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO plan_versions (plan_id, name, source_name, toml, sha256, loaded_by, loaded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(&plan.id)
    .bind(&plan.name)
    .bind(name)
    .bind(text)
    .bind(sha256_hex(text.as_bytes()))
    .bind(&actor.name)
    .bind(&w.at)
    .fetch_one(&mut *w.tx)
    .await?;
    let id: i64 = row.try_get(0)?;
    let after = plan_snapshot(&mut w.tx, id).await?;
    w.audit(
        actor,
        "plan.load",
        &format!("plan_version:{id}"),
        None,
        Some(&after),
    )
    .await?;
    Ok(id)
}

/// Makes a plan version the active one and rewrites the derived tables.
async fn activate_in(w: &mut WriteTx, actor: &Actor, id: i64, plan: &Plan) -> Result<()> {
    let previous = sqlx::query("SELECT id FROM plan_versions WHERE active = 1 AND id <> $1")
        .bind(id)
        .fetch_optional(&mut *w.tx)
        .await?;
    if let Some(prev) = previous {
        let prev: i64 = prev.try_get(0)?;
        let before = plan_snapshot(&mut w.tx, prev).await?;
        sqlx::query("UPDATE plan_versions SET active = 0 WHERE id = $1")
            .bind(prev)
            .execute(&mut *w.tx)
            .await?;
        let after = plan_snapshot(&mut w.tx, prev).await?;
        w.audit(
            actor,
            "plan.deactivate",
            &format!("plan_version:{prev}"),
            Some(&before),
            Some(&after),
        )
        .await?;
    }
    let before = plan_snapshot(&mut w.tx, id).await?;
    sqlx::query(
        "UPDATE plan_versions SET active = 1, activated_by = $1, activated_at = $2 WHERE id = $3",
    )
    .bind(&actor.name)
    .bind(&w.at)
    .bind(id)
    .execute(&mut *w.tx)
    .await?;
    let after = plan_snapshot(&mut w.tx, id).await?;
    w.audit(
        actor,
        "plan.activate",
        &format!("plan_version:{id}"),
        Some(&before),
        Some(&after),
    )
    .await?;

    // Derived tables: units, regions and targets follow the plan exactly; indicators keep their
    // publication flag across plan versions.
    for table in ["units", "regions", "targets"] {
        let sql = match table {
            "units" => "DELETE FROM units",
            "regions" => "DELETE FROM regions",
            _ => "DELETE FROM targets",
        };
        sqlx::query(sql).execute(&mut *w.tx).await?;
    }
    for u in &plan.units {
        sqlx::query("INSERT INTO units (code, name) VALUES ($1, $2)")
            .bind(&u.code)
            .bind(&u.name)
            .execute(&mut *w.tx)
            .await?;
    }
    for r in &plan.regions {
        sqlx::query("INSERT INTO regions (code, name, level, parent) VALUES ($1, $2, $3, $4)")
            .bind(&r.code)
            .bind(&r.name)
            .bind(r.level.name_zh())
            .bind(r.parent.clone())
            .execute(&mut *w.tx)
            .await?;
    }
    for (task, t) in plan.targets() {
        sqlx::query(
            "INSERT INTO targets (task, indicator, region, year, threshold, quote) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(i64::from(task.number))
        .bind(&t.indicator)
        .bind(&t.region)
        .bind(i64::from(t.year))
        .bind(t.threshold.to_string())
        .bind(&t.quote)
        .execute(&mut *w.tx)
        .await?;
    }
    for ind in &plan.indicators {
        let kind = match ind.kind {
            ecociv_core::ValueKind::Number => "number",
            ecociv_core::ValueKind::YesNo => "yes_no",
        };
        let existed = sqlx::query("SELECT code FROM indicators WHERE code = $1")
            .bind(&ind.code)
            .fetch_optional(&mut *w.tx)
            .await?
            .is_some();
        if existed {
            sqlx::query("UPDATE indicators SET name = $1, unit = $2, kind = $3 WHERE code = $4")
                .bind(&ind.name)
                .bind(ind.unit.as_str())
                .bind(kind)
                .bind(&ind.code)
                .execute(&mut *w.tx)
                .await?;
        } else {
            sqlx::query(
                "INSERT INTO indicators (code, name, unit, kind, published) VALUES ($1, $2, $3, $4, 0)",
            )
            .bind(&ind.code)
            .bind(&ind.name)
            .bind(ind.unit.as_str())
            .bind(kind)
            .execute(&mut *w.tx)
            .await?;
            let after = json!({"code": ind.code, "published": false});
            w.audit(
                actor,
                "indicator.create",
                &format!("indicator:{}", ind.code),
                None,
                Some(&after),
            )
            .await?;
        }
    }
    w.model_changed();
    Ok(())
}

pub(crate) async fn load_model(conn: &mut AnyConnection) -> Result<Model> {
    let generation: i64 = sqlx::query("SELECT model_generation FROM store_state WHERE id = 1")
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
    let files = load_catalogue_files(conn).await?;
    let catalogue = build_catalogue(&files)?;
    let row = sqlx::query("SELECT id, toml, source_name FROM plan_versions WHERE active = 1")
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::Model(Msg::NoActivePlan))?;
    let plan = load_plan(
        &row.try_get::<String, _>("source_name")?,
        &row.try_get::<String, _>("toml")?,
        &catalogue,
    )?;
    let setting = sqlx::query("SELECT value FROM settings WHERE key = 'catalogue_version'")
        .fetch_optional(&mut *conn)
        .await?;
    let catalogue_version = match setting {
        Some(r) => r.try_get::<String, _>(0)?,
        None => plan.catalogue_version.clone(),
    };
    Ok(Model {
        plan_version: row.try_get("id")?,
        plan,
        catalogue,
        catalogue_version,
        generation,
    })
}

/// The snapshot of a catalogue file as the audit log records it.
async fn catalogue_snapshot(conn: &mut AnyConnection, name: &str) -> Result<serde_json::Value> {
    let r = sqlx::query(
        "SELECT name, kind, position, toml, updated_by, updated_at, version \
         FROM catalogue_files WHERE name = $1",
    )
    .bind(name)
    .fetch_one(&mut *conn)
    .await?;
    Ok(serde_json::to_value(catalogue_file_from_row(&r)?).unwrap_or_default())
}

async fn plan_snapshot(conn: &mut AnyConnection, id: i64) -> Result<serde_json::Value> {
    let sql = format!("SELECT {PLAN_COLS} FROM plan_versions WHERE id = $1");
    let r = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(serde_json::to_value(plan_version_from_row(&r)?).unwrap_or_default())
}

fn setting_snapshot(r: &AnyRow) -> Result<serde_json::Value> {
    Ok(json!({
        "key": r.try_get::<String, _>("key")?,
        "value": r.try_get::<String, _>("value")?,
        "updated_by": r.try_get::<String, _>("updated_by")?,
        "updated_at": r.try_get::<String, _>("updated_at")?,
    }))
}

/// The catalogue files, plan versions, settings and indicators as (entity, snapshot), for the
/// audit state check.
pub(crate) async fn audited_rows(
    conn: &mut AnyConnection,
) -> Result<Vec<(String, serde_json::Value)>> {
    use crate::audited::table_snapshots;
    let mut out = table_snapshots(
        conn,
        "catalogue",
        "SELECT name, kind, position, toml, updated_by, updated_at, version FROM catalogue_files",
        catalogue_file_from_row,
        |f| f.name.clone(),
    )
    .await?;
    let sql = format!("SELECT {PLAN_COLS} FROM plan_versions");
    out.extend(
        table_snapshots(conn, "plan_version", &sql, plan_version_from_row, |p| {
            p.id.to_string()
        })
        .await?,
    );
    for r in sqlx::query("SELECT key, value, updated_by, updated_at FROM settings")
        .fetch_all(&mut *conn)
        .await?
    {
        out.push((
            format!("setting:{}", r.try_get::<String, _>("key")?),
            setting_snapshot(&r)?,
        ));
    }
    for r in sqlx::query("SELECT code, published FROM indicators")
        .fetch_all(&mut *conn)
        .await?
    {
        let code: String = r.try_get("code")?;
        let published = r.try_get::<i64, _>("published")? == 1;
        out.push((
            format!("indicator:{code}"),
            json!({"code": code, "published": published}),
        ));
    }
    Ok(out)
}

pub(crate) const AUDITED: crate::audited::AuditedTable = crate::audited::AuditedTable {
    kinds: &["catalogue", "plan_version", "setting", "indicator"],
    rows: |c| Box::pin(audited_rows(c)),
};

impl Store {
    /// The active plan and catalogue as last loaded by this process (no database round trip).
    pub fn model(&self) -> Arc<Model> {
        self.inner
            .model
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The active plan and catalogue, reloaded first if another writer (possibly another app
    /// server) changed them.
    pub async fn current_model(&self) -> Result<Arc<Model>> {
        let generation: i64 = sqlx::query("SELECT model_generation FROM store_state WHERE id = 1")
            .fetch_one(self.pool())
            .await?
            .try_get(0)?;
        self.model_at(generation).await
    }

    pub(crate) async fn model_at(&self, generation: i64) -> Result<Arc<Model>> {
        let model = self.model();
        if model.generation == generation {
            return Ok(model);
        }
        let mut conn = self.pool().acquire().await?;
        let fresh = Arc::new(load_model(&mut conn).await?);
        *self.inner.model.write().unwrap_or_else(|e| e.into_inner()) = fresh.clone();
        Ok(fresh)
    }

    /// Loads a plan TOML as a new plan version, validated against the catalogue; activates it
    /// when asked.
    pub async fn load_plan(
        &self,
        actor: &Actor,
        source_name: &str,
        text: &str,
        activate: bool,
    ) -> Result<PlanVersion> {
        let model = self.current_model().await?;
        let plan = load_plan(source_name, text, &model.catalogue)?;
        let mut w = self.begin_write().await?;
        let id = insert_plan_version(&mut w, actor, source_name, text, &plan).await?;
        if activate {
            activate_in(&mut w, actor, id, &plan).await?;
        }
        w.commit().await?;
        self.current_model().await?;
        self.plan_version(id).await
    }

    /// Activates a stored plan version.
    pub async fn activate_plan(&self, actor: &Actor, id: i64) -> Result<PlanVersion> {
        let model = self.current_model().await?;
        let row = sqlx::query("SELECT toml, source_name FROM plan_versions WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| StoreError::not_found(Noun::PlanVersion, id))?;
        let plan = load_plan(
            &row.try_get::<String, _>("source_name")?,
            &row.try_get::<String, _>("toml")?,
            &model.catalogue,
        )?;
        let mut w = self.begin_write().await?;
        activate_in(&mut w, actor, id, &plan).await?;
        w.commit().await?;
        self.current_model().await?;
        self.plan_version(id).await
    }

    pub async fn plan_version(&self, id: i64) -> Result<PlanVersion> {
        let sql = format!("SELECT {PLAN_COLS} FROM plan_versions WHERE id = $1");
        let r = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| StoreError::not_found(Noun::PlanVersion, id))?;
        plan_version_from_row(&r)
    }

    pub async fn plan_versions(&self) -> Result<Vec<PlanVersion>> {
        let sql = format!("SELECT {PLAN_COLS} FROM plan_versions ORDER BY id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(plan_version_from_row).collect()
    }

    /// The stored catalogue files (dictionary and versions), without their text.
    pub async fn catalogue_files(&self) -> Result<Vec<CatalogueFile>> {
        let rows = sqlx::query(
            "SELECT name, kind, position, toml, updated_by, updated_at, version \
             FROM catalogue_files ORDER BY position, name",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(catalogue_file_from_row).collect()
    }

    /// The TOML text of a catalogue file.
    pub async fn catalogue_text(&self, name: &str) -> Result<String> {
        sqlx::query("SELECT toml FROM catalogue_files WHERE name = $1")
            .bind(name)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| StoreError::not_found(Noun::CatalogueVersion, name))?
            .try_get::<String, _>(0)
            .map_err(Into::into)
    }

    /// Replaces (or adds) one catalogue version file, a coordinator's edit. The whole catalogue
    /// and the active plan are reloaded with it first; any problem rejects the edit.
    /// `expected_version` is the file's version as read (`None` to add a new version).
    pub async fn put_catalogue_version(
        &self,
        actor: &Actor,
        name: &str,
        text: &str,
        expected_version: Option<i64>,
    ) -> Result<CatalogueFile> {
        let mut w = self.begin_write().await?;
        let mut files = load_catalogue_files(&mut w.tx).await?;
        let existing = sqlx::query("SELECT version, kind FROM catalogue_files WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut *w.tx)
            .await?;
        let current_version = match &existing {
            Some(r) => Some(r.try_get::<i64, _>("version")?),
            None => None,
        };
        if current_version != expected_version {
            let current = match current_version {
                Some(_) => catalogue_snapshot(&mut w.tx, name).await?,
                None => serde_json::Value::Null,
            };
            return Err(StoreError::Conflict {
                message: Msg::Stale {
                    what: Noun::CatalogueVersion,
                    key: Some(name.to_owned()),
                    version: None,
                    state: None,
                },
                current,
            });
        }
        if let Some(r) = &existing
            && r.try_get::<String, _>("kind")? == "dictionary"
        {
            return Err(StoreError::invalid("name", Msg::DictionaryNotAVersion));
        }
        match files.iter_mut().find(|(n, _, _)| n == name) {
            Some(f) => f.2 = text.to_owned(),
            None => files.push((name.to_owned(), "version".into(), text.to_owned())),
        }
        let catalogue = build_catalogue(&files)?;
        if catalogue.version(name).is_none() {
            return Err(StoreError::invalid(
                "name",
                Msg::VersionIdMismatch {
                    name: name.to_owned(),
                },
            ));
        }
        let plan_row = sqlx::query("SELECT toml, source_name FROM plan_versions WHERE active = 1")
            .fetch_one(&mut *w.tx)
            .await?;
        load_plan(
            &plan_row.try_get::<String, _>("source_name")?,
            &plan_row.try_get::<String, _>("toml")?,
            &catalogue,
        )
        .map_err(|e| {
            StoreError::Model(Msg::PlanNoLongerValid {
                detail: e.to_string(),
            })
        })?;
        let before = match existing {
            Some(_) => {
                let before = catalogue_snapshot(&mut w.tx, name).await?;
                sqlx::query(
                    "UPDATE catalogue_files SET toml = $1, updated_by = $2, updated_at = $3, \
                     version = version + 1 WHERE name = $4",
                )
                .bind(text)
                .bind(&actor.name)
                .bind(&w.at)
                .bind(name)
                .execute(&mut *w.tx)
                .await?;
                Some(before)
            }
            None => {
                let position: i64 =
                    sqlx::query("SELECT COALESCE(MAX(position), 0) + 1 FROM catalogue_files")
                        .fetch_one(&mut *w.tx)
                        .await?
                        .try_get(0)?;
                sqlx::query(
                    "INSERT INTO catalogue_files (name, kind, position, toml, updated_by, updated_at) \
                     VALUES ($1, 'version', $2, $3, $4, $5)",
                )
                .bind(name)
                .bind(position)
                .bind(text)
                .bind(&actor.name)
                .bind(&w.at)
                .execute(&mut *w.tx)
                .await?;
                None
            }
        };
        let after = catalogue_snapshot(&mut w.tx, name).await?;
        w.audit(
            actor,
            "catalogue.update",
            &format!("catalogue:{name}"),
            before.as_ref(),
            Some(&after),
        )
        .await?;
        w.model_changed();
        w.commit().await?;
        self.current_model().await?;
        let files = self.catalogue_files().await?;
        files
            .into_iter()
            .find(|f| f.name == name)
            .ok_or_else(|| StoreError::not_found(Noun::CatalogueVersion, name))
    }

    /// Sets the catalogue version evaluation uses by default.
    pub async fn set_catalogue_version(&self, actor: &Actor, version: &str) -> Result<()> {
        let model = self.current_model().await?;
        if model.catalogue.version(version).is_none() {
            return Err(StoreError::invalid(
                "catalogue_version",
                Msg::UnknownCatalogueVersion {
                    version: version.to_owned(),
                    available: model.catalogue.version_ids().join("、"),
                },
            ));
        }
        self.set_setting(actor, "catalogue_version", version).await
    }

    pub(crate) async fn set_setting(&self, actor: &Actor, key: &str, value: &str) -> Result<()> {
        let mut w = self.begin_write().await?;
        let select = "SELECT key, value, updated_by, updated_at FROM settings WHERE key = $1";
        let before = match sqlx::query(select)
            .bind(key)
            .fetch_optional(&mut *w.tx)
            .await?
        {
            Some(r) => Some(setting_snapshot(&r)?),
            None => None,
        };
        sqlx::query(
            "INSERT INTO settings (key, value, updated_by, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, \
             updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        )
        .bind(key)
        .bind(value)
        .bind(&actor.name)
        .bind(&w.at)
        .execute(&mut *w.tx)
        .await?;
        let after = setting_snapshot(&sqlx::query(select).bind(key).fetch_one(&mut *w.tx).await?)?;
        w.audit(
            actor,
            "setting.update",
            &format!("setting:{key}"),
            before.as_ref(),
            Some(&after),
        )
        .await?;
        w.model_changed();
        w.commit().await?;
        self.current_model().await?;
        Ok(())
    }

    /// Publishes (or withdraws) an indicator: the public sees approved values of published
    /// indicators in published periods.
    pub async fn set_indicator_published(
        &self,
        actor: &Actor,
        code: &str,
        published: bool,
    ) -> Result<()> {
        let mut w = self.begin_write().await?;
        let row = sqlx::query("SELECT published FROM indicators WHERE code = $1")
            .bind(code)
            .fetch_optional(&mut *w.tx)
            .await?
            .ok_or_else(|| StoreError::not_found(Noun::Indicator, code))?;
        let was = row.try_get::<i64, _>(0)? == 1;
        sqlx::query("UPDATE indicators SET published = $1 WHERE code = $2")
            .bind(i64::from(published))
            .bind(code)
            .execute(&mut *w.tx)
            .await?;
        w.audit(
            actor,
            if published {
                "indicator.publish"
            } else {
                "indicator.withdraw"
            },
            &format!("indicator:{code}"),
            Some(&json!({"code": code, "published": was})),
            Some(&json!({"code": code, "published": published})),
        )
        .await?;
        w.commit().await?;
        Ok(())
    }

    /// Codes of the published indicators.
    pub async fn published_indicators(&self) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT code FROM indicators WHERE published = 1 ORDER BY code")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| r.try_get::<String, _>(0).map_err(Into::into))
            .collect()
    }
}
