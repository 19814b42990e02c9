//! Evidence files (台账, 佐证材料): content-addressed by SHA-256, size-limited, kept inside the
//! database so a backup of the database holds the evidence too. The same file attached twice is
//! stored once.

use ecociv_i18n::{Msg, Noun};

use bytes::Bytes;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::model::sha256_hex;
use crate::review::{self, Lock, Reviewed};
use crate::{Actor, DataValue, Result, Store, StoreError, TaskUpdate};

/// What evidence is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum EvidenceTarget {
    Value(i64),
    TaskUpdate(i64),
}

impl EvidenceTarget {
    fn kind(self) -> &'static str {
        match self {
            EvidenceTarget::Value(_) => "value",
            EvidenceTarget::TaskUpdate(_) => "task_update",
        }
    }

    fn id(self) -> i64 {
        match self {
            EvidenceTarget::Value(id) | EvidenceTarget::TaskUpdate(id) => id,
        }
    }
}

/// What kind of record evidence is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidenceKind {
    Value,
    TaskUpdate,
}

impl EvidenceKind {
    fn as_str(self) -> &'static str {
        match self {
            EvidenceKind::Value => "value",
            EvidenceKind::TaskUpdate => "task_update",
        }
    }
}

/// A stored file, without its content.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvidenceMeta {
    pub sha256: String,
    pub size: i64,
    pub media_type: String,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

/// A file attached to a value or task update, under the name it was uploaded with.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvidenceLink {
    pub id: i64,
    pub sha256: String,
    pub entity_kind: String,
    pub entity_id: i64,
    pub filename: String,
    pub linked_by: String,
    pub linked_at: String,
}

fn link_from_row(r: &AnyRow) -> Result<EvidenceLink> {
    Ok(EvidenceLink {
        id: r.try_get("id")?,
        sha256: r.try_get("sha256")?,
        entity_kind: r.try_get("entity_kind")?,
        entity_id: r.try_get("entity_id")?,
        filename: r.try_get("filename")?,
        linked_by: r.try_get("linked_by")?,
        linked_at: r.try_get("linked_at")?,
    })
}

const LINK_COLS: &str = "id, sha256, entity_kind, entity_id, filename, linked_by, linked_at";

pub(crate) async fn audited_rows(
    conn: &mut AnyConnection,
) -> Result<Vec<(String, serde_json::Value)>> {
    let mut out = Vec::new();
    // The state of a file is recomputed from its content: an altered file no longer matches the
    // hash and size its upload event recorded.
    let rows = sqlx::query(
        "SELECT sha256, size, media_type, content, uploaded_by, uploaded_at FROM evidence",
    )
    .fetch_all(&mut *conn)
    .await?;
    for r in &rows {
        let name: String = r.try_get("sha256")?;
        let content: Vec<u8> = r.try_get("content")?;
        let meta = EvidenceMeta {
            sha256: sha256_hex(&content),
            size: content.len() as i64,
            media_type: r.try_get("media_type")?,
            uploaded_by: r.try_get("uploaded_by")?,
            uploaded_at: r.try_get("uploaded_at")?,
        };
        out.push((
            format!("evidence:{name}"),
            serde_json::to_value(meta).unwrap_or_default(),
        ));
    }
    let sql = format!("SELECT {LINK_COLS} FROM evidence_links");
    out.extend(
        crate::audited::table_snapshots(conn, "evidence_link", &sql, link_from_row, |l| {
            l.id.to_string()
        })
        .await?,
    );
    Ok(out)
}

pub(crate) const AUDITED: crate::audited::AuditedTable = crate::audited::AuditedTable {
    kinds: &["evidence", "evidence_link"],
    rows: |c| Box::pin(audited_rows(c)),
};

fn clean_filename(name: &str) -> Result<String> {
    // Keep the last path component only, without control characters.
    let base = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    let cleaned: String = base.chars().filter(|c| !c.is_control()).collect();
    if cleaned.is_empty() || cleaned.chars().count() > 200 {
        return Err(StoreError::invalid("filename", Msg::FileNameInvalid));
    }
    Ok(cleaned)
}

/// Refuses a change of the evidence of a record that can no longer change: approved (or
/// replaced by an approved correction), or of a closed period ([`review::lock_of`], the rule
/// saving the record follows). A record that does not exist is not found.
async fn ensure_unlocked(conn: &mut AnyConnection, target: EvidenceTarget) -> Result<()> {
    let (noun, lock) = match target {
        EvidenceTarget::Value(id) => {
            let v = <DataValue as Reviewed>::load(conn, id).await?;
            (Noun::Value, review::lock_of(conn, &v).await?)
        }
        EvidenceTarget::TaskUpdate(id) => {
            let t = <TaskUpdate as Reviewed>::load(conn, id).await?;
            (Noun::TaskUpdate, review::lock_of(conn, &t).await?)
        }
    };
    match lock {
        None => Ok(()),
        Some(Lock::Approved) => Err(StoreError::State(Msg::EvidenceLocked { what: noun })),
        Some(Lock::PeriodClosed { period, reason }) => {
            Err(StoreError::State(Msg::EvidencePeriodClosed {
                period,
                reason,
            }))
        }
    }
}

impl Store {
    /// Whether files may be attached to `target` now (checked again on attaching): the caller
    /// can ask before reading an upload.
    pub async fn check_evidence_change(&self, target: EvidenceTarget) -> Result<()> {
        let mut conn = self.pool().acquire().await?;
        ensure_unlocked(&mut conn, target).await
    }

    /// Stores a file (once per content) and attaches it to a value or task update. Refused
    /// when the record is approved or its period closed.
    pub async fn attach_evidence(
        &self,
        actor: &Actor,
        target: EvidenceTarget,
        filename: &str,
        media_type: &str,
        content: &[u8],
    ) -> Result<EvidenceLink> {
        let limit = self.config().max_evidence_bytes;
        if content.len() > limit {
            return Err(StoreError::TooLarge {
                size: content.len(),
                limit,
            });
        }
        if content.is_empty() {
            return Err(StoreError::invalid("file", Msg::FileEmpty));
        }
        let filename = clean_filename(filename)?;
        let media_type = if media_type.trim().is_empty() {
            "application/octet-stream"
        } else {
            media_type.trim()
        };
        let sha = sha256_hex(content);
        let mut w = self.begin_write().await?;
        ensure_unlocked(&mut w.tx, target).await?;
        let stored = sqlx::query("SELECT sha256 FROM evidence WHERE sha256 = $1")
            .bind(&sha)
            .fetch_optional(&mut *w.tx)
            .await?
            .is_some();
        if !stored {
            sqlx::query(
                "INSERT INTO evidence (sha256, size, media_type, content, uploaded_by, uploaded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&sha)
            .bind(content.len() as i64)
            .bind(media_type)
            .bind(content.to_vec())
            .bind(&actor.name)
            .bind(&w.at)
            .execute(&mut *w.tx)
            .await?;
            let meta = EvidenceMeta {
                sha256: sha.clone(),
                size: content.len() as i64,
                media_type: media_type.to_owned(),
                uploaded_by: actor.name.clone(),
                uploaded_at: w.at.clone(),
            };
            w.audit(
                actor,
                "evidence.upload",
                &format!("evidence:{sha}"),
                None,
                Some(&serde_json::to_value(meta).unwrap_or_default()),
            )
            .await?;
        }
        let sql = format!(
            "SELECT {LINK_COLS} FROM evidence_links WHERE sha256 = $1 AND entity_kind = $2 \
             AND entity_id = $3"
        );
        if let Some(r) = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&sha)
            .bind(target.kind())
            .bind(target.id())
            .fetch_optional(&mut *w.tx)
            .await?
        {
            // Already attached: nothing changes (the transaction rolls back).
            return link_from_row(&r);
        }
        let id: i64 = sqlx::query(
            "INSERT INTO evidence_links (sha256, entity_kind, entity_id, filename, linked_by, \
             linked_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(&sha)
        .bind(target.kind())
        .bind(target.id())
        .bind(&filename)
        .bind(&actor.name)
        .bind(&w.at)
        .fetch_one(&mut *w.tx)
        .await?
        .try_get(0)?;
        let sql = format!("SELECT {LINK_COLS} FROM evidence_links WHERE id = $1");
        let link = link_from_row(
            &sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_one(&mut *w.tx)
                .await?,
        )?;
        w.audit(
            actor,
            "evidence.attach",
            &format!("evidence_link:{id}"),
            None,
            Some(&serde_json::to_value(&link).unwrap_or_default()),
        )
        .await?;
        w.commit().await?;
        Ok(link)
    }

    /// The files attached to a value or task update.
    pub async fn evidence_links(&self, target: EvidenceTarget) -> Result<Vec<EvidenceLink>> {
        let sql = format!(
            "SELECT {LINK_COLS} FROM evidence_links WHERE entity_kind = $1 AND entity_id = $2 \
             ORDER BY id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(target.kind())
            .bind(target.id())
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(link_from_row).collect()
    }

    /// The files attached to each of many values (or task updates), in one statement per 500
    /// records: a page that lists records with their evidence reads it in one go.
    pub async fn evidence_links_of(
        &self,
        kind: EvidenceKind,
        ids: &[i64],
    ) -> Result<std::collections::BTreeMap<i64, Vec<EvidenceLink>>> {
        let mut by_id: std::collections::BTreeMap<i64, Vec<EvidenceLink>> = Default::default();
        for chunk in ids.chunks(500) {
            // Integers, written into the statement.
            let list = chunk
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "SELECT {LINK_COLS} FROM evidence_links WHERE entity_kind = $1 \
                 AND entity_id IN ({list}) ORDER BY id"
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(kind.as_str())
                .fetch_all(self.pool())
                .await?;
            for r in &rows {
                let link = link_from_row(r)?;
                by_id.entry(link.entity_id).or_default().push(link);
            }
        }
        Ok(by_id)
    }

    /// The links of a file (what it is evidence for), to decide who may download it.
    pub async fn evidence_uses(&self, sha256: &str) -> Result<Vec<EvidenceLink>> {
        let sql = format!("SELECT {LINK_COLS} FROM evidence_links WHERE sha256 = $1 ORDER BY id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(sha256)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(link_from_row).collect()
    }

    /// A stored file and its content.
    pub async fn evidence(&self, sha256: &str) -> Result<(EvidenceMeta, Bytes)> {
        let r = sqlx::query(
            "SELECT sha256, size, media_type, content, uploaded_by, uploaded_at FROM evidence \
             WHERE sha256 = $1",
        )
        .bind(sha256)
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| StoreError::not_found(Noun::Evidence, sha256))?;
        let content: Vec<u8> = r.try_get("content")?;
        Ok((
            EvidenceMeta {
                sha256: r.try_get("sha256")?,
                size: r.try_get("size")?,
                media_type: r.try_get("media_type")?,
                uploaded_by: r.try_get("uploaded_by")?,
                uploaded_at: r.try_get("uploaded_at")?,
            },
            Bytes::from(content),
        ))
    }
}
