//! Backup and restore in one portable, documented format, on both backends.
//!
//! A backup is read inside one read-only snapshot transaction (SQLite: a read transaction in WAL
//! mode; PostgreSQL: `REPEATABLE READ READ ONLY`), so it is consistent while the service keeps
//! writing: the audit chain head, the audit log and every row belong to the same instant.
//!
//! Format (`ecociv-backup` version 1): UTF-8 JSON Lines.
//! 1. `{"format":"ecociv-backup","version":1,"schema":1,"backend":"sqlite","created_at":"…"}`
//! 2. for each table, in the order of [`TABLES`]: `{"table":"users","columns":["id",…]}`, then
//!    one JSON array per row, values in column order: integers as numbers, text as strings,
//!    blobs (evidence content) as lower-case hex strings, NULL as `null`;
//! 3. `{"end":true,"rows":{"users":3,…}}`: a backup without it is truncated and is refused.
//!
//! Sessions are not backed up: a restore logs everybody out. A backup of either backend restores
//! into either backend (which is also how a city moves from SQLite to PostgreSQL). Restore goes
//! into an empty, freshly migrated database, in one transaction, and checks the audit chain and
//! the rows before it commits: a backup that does not verify is not restored.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};

use serde_json::{Value, json};
use sqlx::{AnyConnection, Row};

use crate::{Backend, Result, Store, StoreError, redact_url, timestamp};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Int,
    Text,
    Blob,
}

use Col::{Blob, Int, Text};

/// Every table with its columns, parents before children. A test checks this list against the
/// schema, so a new table or column cannot be forgotten.
pub const TABLES: &[(&str, &[(&str, ColKind)])] = &[
    (
        "store_state",
        &[
            ("id", INT),
            ("generation", INT),
            ("model_generation", INT),
            ("audit_seq", INT),
            ("audit_hash", TEXT),
            ("reviews_adopted", INT),
            ("inputs_generation", INT),
        ],
    ),
    (
        "settings",
        &[
            ("key", TEXT),
            ("value", TEXT),
            ("updated_by", TEXT),
            ("updated_at", TEXT),
        ],
    ),
    (
        "plan_versions",
        &[
            ("id", INT),
            ("plan_id", TEXT),
            ("name", TEXT),
            ("source_name", TEXT),
            ("toml", TEXT),
            ("sha256", TEXT),
            ("active", INT),
            ("loaded_by", TEXT),
            ("loaded_at", TEXT),
            ("activated_by", TEXT),
            ("activated_at", TEXT),
        ],
    ),
    (
        "catalogue_files",
        &[
            ("name", TEXT),
            ("kind", TEXT),
            ("position", INT),
            ("toml", TEXT),
            ("updated_by", TEXT),
            ("updated_at", TEXT),
            ("version", INT),
        ],
    ),
    ("units", &[("code", TEXT), ("name", TEXT)]),
    (
        "regions",
        &[
            ("code", TEXT),
            ("name", TEXT),
            ("level", TEXT),
            ("parent", TEXT),
        ],
    ),
    (
        "indicators",
        &[
            ("code", TEXT),
            ("name", TEXT),
            ("unit", TEXT),
            ("kind", TEXT),
            ("published", INT),
        ],
    ),
    (
        "targets",
        &[
            ("id", INT),
            ("task", INT),
            ("indicator", TEXT),
            ("region", TEXT),
            ("year", INT),
            ("threshold", TEXT),
            ("quote", TEXT),
        ],
    ),
    (
        "users",
        &[
            ("id", INT),
            ("username", TEXT),
            ("display_name", TEXT),
            ("role", TEXT),
            ("unit_code", TEXT),
            ("region_code", TEXT),
            ("password_hash", TEXT),
            ("disabled", INT),
            ("failed_logins", INT),
            ("locked_until", TEXT),
            ("created_at", TEXT),
            ("updated_at", TEXT),
            ("version", INT),
            ("password_changed_at", TEXT),
        ],
    ),
    (
        "periods",
        &[
            ("id", TEXT),
            ("closed", INT),
            ("reason", TEXT),
            ("published", INT),
            ("updated_by", TEXT),
            ("updated_at", TEXT),
            ("version", INT),
        ],
    ),
    (
        "data_values",
        &[
            ("id", INT),
            ("indicator", TEXT),
            ("region", TEXT),
            ("period", TEXT),
            ("value", TEXT),
            ("comment", TEXT),
            ("status", TEXT),
            ("version", INT),
            ("correction", INT),
            ("correction_reason", TEXT),
            ("supersedes", INT),
            ("superseded_by", INT),
            ("provenance", TEXT),
            ("provenance_detail", TEXT),
            ("return_reason", TEXT),
            ("created_by", TEXT),
            ("created_at", TEXT),
            ("updated_by", TEXT),
            ("updated_at", TEXT),
        ],
    ),
    (
        "reviews",
        &[
            ("id", INT),
            ("entity_kind", TEXT),
            ("entity_id", INT),
            ("action", TEXT),
            ("actor", TEXT),
            ("reason", TEXT),
            ("at", TEXT),
        ],
    ),
    (
        "evidence",
        &[
            ("sha256", TEXT),
            ("size", INT),
            ("media_type", TEXT),
            ("content", BLOB),
            ("uploaded_by", TEXT),
            ("uploaded_at", TEXT),
        ],
    ),
    (
        "evidence_links",
        &[
            ("id", INT),
            ("sha256", TEXT),
            ("entity_kind", TEXT),
            ("entity_id", INT),
            ("filename", TEXT),
            ("linked_by", TEXT),
            ("linked_at", TEXT),
        ],
    ),
    (
        "task_updates",
        &[
            ("id", INT),
            ("task", INT),
            ("unit_code", TEXT),
            ("period", TEXT),
            ("progress", TEXT),
            ("percent", INT),
            ("narrative", TEXT),
            ("status", TEXT),
            ("return_reason", TEXT),
            ("version", INT),
            ("created_by", TEXT),
            ("created_at", TEXT),
            ("updated_by", TEXT),
            ("updated_at", TEXT),
        ],
    ),
    (
        "assigned_targets",
        &[
            ("id", INT),
            ("indicator", TEXT),
            ("region", TEXT),
            ("year", INT),
            ("threshold", TEXT),
            ("document", TEXT),
            ("updated_by", TEXT),
            ("updated_at", TEXT),
            ("version", INT),
        ],
    ),
    (
        "audit_events",
        &[
            ("seq", INT),
            ("at", TEXT),
            ("actor", TEXT),
            ("action", TEXT),
            ("entity", TEXT),
            ("before_json", TEXT),
            ("after_json", TEXT),
            ("prev_hash", TEXT),
            ("hash", TEXT),
        ],
    ),
];

/// The columns of a table: name and type.
type Columns = &'static [(&'static str, ColKind)];

/// Tables deliberately left out of backups (transient: a restore logs everybody out and forgets
/// failed password attempts).
pub const NOT_BACKED_UP: &[&str] = &["sessions", "login_failures"];

/// The type of a column in the backup format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColKind(Col);
const INT: ColKind = ColKind(Int);
const TEXT: ColKind = ColKind(Text);
const BLOB: ColKind = ColKind(Blob);

/// Tables whose integer `id` is generated (PostgreSQL identity sequences must follow a restore).
const IDENTITY_TABLES: &[&str] = &[
    "plan_versions",
    "targets",
    "users",
    "data_values",
    "reviews",
    "evidence_links",
    "task_updates",
    "assigned_targets",
];

const FORMAT: &str = "ecociv-backup";
const FORMAT_VERSION: i64 = 1;

fn io_err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Io(format!("备份文件读写失败: {e}"))
}

/// What a backup or restore did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BackupSummary {
    pub rows: BTreeMap<String, i64>,
    pub audit_events: i64,
}

impl Store {
    /// Writes a consistent backup of the whole database to `out`.
    pub async fn backup(&self, out: &mut (dyn Write + Send)) -> Result<BackupSummary> {
        let mut tx = self.begin_snapshot().await?;
        let header = json!({
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "schema": 1,
            "backend": match self.backend() { Backend::Sqlite => "sqlite", Backend::Postgres => "postgres" },
            "created_at": timestamp(self.now()),
        });
        writeln!(out, "{header}").map_err(io_err)?;
        let mut counts = BTreeMap::new();
        for (table, cols) in TABLES {
            let names: Vec<&str> = cols.iter().map(|(n, _)| *n).collect();
            writeln!(out, "{}", json!({"table": table, "columns": names})).map_err(io_err)?;
            let order = names[0];
            let sql = format!("SELECT {} FROM {table} ORDER BY {order}", names.join(", "));
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .fetch_all(&mut *tx)
                .await?;
            for r in &rows {
                let mut vals = Vec::with_capacity(cols.len());
                for (i, (_, kind)) in cols.iter().enumerate() {
                    vals.push(match kind.0 {
                        Int => r
                            .try_get::<Option<i64>, _>(i)?
                            .map_or(Value::Null, Value::from),
                        Text => r
                            .try_get::<Option<String>, _>(i)?
                            .map_or(Value::Null, Value::from),
                        Blob => r
                            .try_get::<Option<Vec<u8>>, _>(i)?
                            .map_or(Value::Null, |b| Value::from(hex::encode(b))),
                    });
                }
                writeln!(out, "{}", Value::Array(vals)).map_err(io_err)?;
            }
            counts.insert((*table).to_owned(), rows.len() as i64);
        }
        tx.rollback().await?;
        writeln!(out, "{}", json!({"end": true, "rows": counts})).map_err(io_err)?;
        out.flush().map_err(io_err)?;
        Ok(BackupSummary {
            audit_events: counts.get("audit_events").copied().unwrap_or(0),
            rows: counts,
        })
    }
}

/// Restores a backup into the database at `url`, which must be new or empty (migrated, with no
/// audit events). The restored data is verified (`audit verify`) inside the restore's
/// transaction, before it commits: a backup whose chain or rows were tampered with is refused and
/// nothing of it stays — a SQLite file the restore created is removed again. Returns what was
/// restored.
pub async fn restore(url: &str, input: &mut dyn BufRead) -> Result<BackupSummary> {
    let backend = Backend::of_url(url)?;
    let new_file = match backend {
        Backend::Sqlite => crate::sqlite_file(url).filter(|p| !p.exists()),
        Backend::Postgres => None,
    };
    let pool = crate::connect(url, backend, 2).await?;
    let result = restore_into(&pool, backend, url, input).await;
    pool.close().await;
    if result.is_err()
        && let Some(path) = new_file
    {
        for suffix in ["", "-wal", "-shm"] {
            let mut file = path.clone().into_os_string();
            file.push(suffix);
            let _ = std::fs::remove_file(file);
        }
    }
    result
}

async fn restore_into(
    pool: &sqlx::AnyPool,
    backend: Backend,
    url: &str,
    input: &mut dyn BufRead,
) -> Result<BackupSummary> {
    crate::migrate(pool, backend).await?;
    let used: i64 = sqlx::query("SELECT COUNT(*) FROM audit_events")
        .fetch_one(pool)
        .await?
        .try_get(0)?;
    if used > 0 {
        return Err(StoreError::State(ecociv_i18n::Msg::RestoreTargetNotEmpty {
            url: redact_url(url),
            events: used,
        }));
    }
    let mut tx = pool.begin().await?;
    match backend {
        // Self-references (a value superseded by a later one) resolve at commit.
        Backend::Sqlite => {
            sqlx::query("PRAGMA defer_foreign_keys = ON")
                .execute(&mut *tx)
                .await?;
        }
        Backend::Postgres => {
            sqlx::query("SET CONSTRAINTS ALL DEFERRED")
                .execute(&mut *tx)
                .await?;
        }
    }
    // The migration created the state row and a fresh database may hold built-in data from a
    // failed start; the backup replaces all of it.
    for (table, _) in TABLES.iter().rev() {
        let sql = format!("DELETE FROM {table}");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("DELETE FROM sessions")
        .execute(&mut *tx)
        .await?;
    let counts = copy_in(&mut tx, input).await?;
    // Verified before anything is kept (PostgreSQL's sequences below do not roll back): a
    // tampered backup leaves nothing behind.
    let report = crate::verify::verify_in(&mut tx, None).await?;
    if let Some(broken) = report.broken {
        tx.rollback().await?;
        return Err(StoreError::State(ecociv_i18n::Msg::BackupTampered {
            reason: broken.to_string(),
        }));
    }
    if backend == Backend::Postgres {
        for table in IDENTITY_TABLES {
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    Ok(BackupSummary {
        audit_events: counts.get("audit_events").copied().unwrap_or(0),
        rows: counts,
    })
}

async fn copy_in(
    conn: &mut AnyConnection,
    input: &mut dyn BufRead,
) -> Result<BTreeMap<String, i64>> {
    let bad = |line: usize, what: &str| StoreError::Io(format!("备份文件第{line}行: {what}"));
    let mut lines = input.lines().enumerate();
    let (_, first) = lines.next().ok_or_else(|| bad(1, "文件为空"))?;
    let header: Value = serde_json::from_str(&first.map_err(io_err)?)
        .map_err(|_| bad(1, "不是 ecociv 备份文件"))?;
    if header["format"] != FORMAT {
        return Err(bad(1, "不是 ecociv 备份文件"));
    }
    if header["version"].as_i64() != Some(FORMAT_VERSION) {
        return Err(bad(1, "备份格式版本不受支持"));
    }
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    let mut current: Option<(&str, Columns, String)> = None;
    let mut ended = false;
    for (i, line) in lines {
        let n = i + 1;
        let line = line.map_err(io_err)?;
        if line.trim().is_empty() {
            continue;
        }
        if ended {
            return Err(bad(n, "结束标记之后还有内容"));
        }
        let v: Value =
            serde_json::from_str(&line).map_err(|e| bad(n, &format!("JSON 无效: {e}")))?;
        match v {
            Value::Object(o) if o.get("end") == Some(&Value::Bool(true)) => {
                let expected = o.get("rows").cloned().unwrap_or_default();
                for (table, count) in &counts {
                    if expected[table].as_i64() != Some(*count) {
                        return Err(bad(n, &format!("表 {table} 的行数与结束标记不符")));
                    }
                }
                ended = true;
            }
            Value::Object(o) => {
                let name = o.get("table").and_then(Value::as_str).unwrap_or_default();
                let (table, cols) = TABLES
                    .iter()
                    .find(|(t, _)| *t == name)
                    .ok_or_else(|| bad(n, &format!("未知的表 {name}")))?;
                let names: Vec<&str> = cols.iter().map(|(c, _)| *c).collect();
                let given: Vec<&str> = o
                    .get("columns")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                if given != names {
                    return Err(bad(n, &format!("表 {table} 的列与当前版本不符")));
                }
                let placeholders: Vec<String> = (1..=cols.len()).map(|i| format!("${i}")).collect();
                let sql = format!(
                    "INSERT INTO {table} ({}) VALUES ({})",
                    names.join(", "),
                    placeholders.join(", ")
                );
                counts.insert((*table).to_owned(), 0);
                current = Some((table, cols, sql));
            }
            Value::Array(vals) => {
                let (table, cols, sql) =
                    current.as_ref().ok_or_else(|| bad(n, "数据行前缺少表头"))?;
                if vals.len() != cols.len() {
                    return Err(bad(n, "列数不符"));
                }
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
                for (val, (col, kind)) in vals.iter().zip(cols.iter()) {
                    let wrong = || bad(n, &format!("列 {col} 的值类型不符"));
                    q = match (kind.0, val) {
                        (Int, Value::Null) => q.bind(None::<i64>),
                        (Int, v) => q.bind(v.as_i64().ok_or_else(wrong)?),
                        (Text, Value::Null) => q.bind(None::<String>),
                        (Text, Value::String(s)) => q.bind(s.clone()),
                        (Blob, Value::Null) => q.bind(None::<Vec<u8>>),
                        (Blob, Value::String(s)) => q.bind(hex::decode(s).map_err(|_| wrong())?),
                        _ => return Err(wrong()),
                    };
                }
                q.execute(&mut *conn).await?;
                *counts.entry((*table).to_owned()).or_default() += 1;
            }
            _ => return Err(bad(n, "无法识别的行")),
        }
    }
    if !ended {
        return Err(StoreError::Io(
            "备份文件不完整（缺少结束标记），未恢复任何数据".into(),
        ));
    }
    Ok(counts)
}
