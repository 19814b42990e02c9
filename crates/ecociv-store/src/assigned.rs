//! Targets assigned each year by the superior authority (上级下达目标): a comparison or a change
//! in ecociv-core's threshold syntax (`<= 45`, `change >= 5%`) with the issuing document.

use ecociv_i18n::{Msg, Noun};

use ecociv_core::Threshold;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::{Actor, Result, Store, StoreError};

/// A stored assigned target.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssignedRecord {
    pub id: i64,
    pub indicator: String,
    pub region: String,
    pub year: i64,
    pub threshold: String,
    pub document: String,
    pub updated_by: String,
    pub updated_at: String,
    pub version: i64,
}

/// An assigned target to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignedInput {
    pub indicator: String,
    pub region: String,
    pub year: i64,
    pub threshold: String,
    pub document: String,
}

const COLS: &str =
    "id, indicator, region, year, threshold, document, updated_by, updated_at, version";

fn from_row(r: &AnyRow) -> Result<AssignedRecord> {
    Ok(AssignedRecord {
        id: r.try_get("id")?,
        indicator: r.try_get("indicator")?,
        region: r.try_get("region")?,
        year: r.try_get("year")?,
        threshold: r.try_get("threshold")?,
        document: r.try_get("document")?,
        updated_by: r.try_get("updated_by")?,
        updated_at: r.try_get("updated_at")?,
        version: r.try_get("version")?,
    })
}

pub(crate) async fn all(conn: &mut AnyConnection) -> Result<Vec<AssignedRecord>> {
    let sql = format!("SELECT {COLS} FROM assigned_targets ORDER BY indicator, region, year");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(from_row).collect()
}

pub(crate) async fn audited_rows(
    conn: &mut AnyConnection,
) -> Result<Vec<(String, serde_json::Value)>> {
    let sql = format!("SELECT {COLS} FROM assigned_targets");
    crate::audited::table_snapshots(conn, "assigned", &sql, from_row, |a| a.id.to_string()).await
}

pub(crate) const AUDITED: crate::audited::AuditedTable = crate::audited::AuditedTable {
    kinds: &["assigned"],
    rows: |c| Box::pin(audited_rows(c)),
};

/// Checks an assigned target against the plan; returns canonical (indicator, region, threshold).
pub(crate) fn check(
    plan: &ecociv_core::Plan,
    input: &AssignedInput,
) -> Result<(String, String, String)> {
    let ind = plan
        .find_indicator(&input.indicator)
        .map(|i| &plan.indicators[i])
        .ok_or_else(|| {
            StoreError::invalid(
                "indicator",
                Msg::UnknownIndicator {
                    code: input.indicator.clone(),
                },
            )
        })?;
    let reg = plan
        .find_region(&input.region)
        .map(|i| &plan.regions[i])
        .ok_or_else(|| {
            StoreError::invalid(
                "region",
                Msg::UnknownRegion {
                    code: input.region.clone(),
                },
            )
        })?;
    if !(i64::from(plan.base_year) - 9..=i64::from(plan.end_year)).contains(&input.year) {
        return Err(StoreError::invalid(
            "year",
            Msg::YearOutsidePlan {
                year: i32::try_from(input.year).unwrap_or(i32::MAX),
                from: plan.base_year - 9,
                to: plan.end_year,
            },
        ));
    }
    let threshold = match input.threshold.parse::<Threshold>() {
        Ok(t @ (Threshold::Compare { .. } | Threshold::Change { .. })) => t,
        Ok(_) => {
            return Err(StoreError::invalid("threshold", Msg::AssignedThresholdKind));
        }
        Err(e) => {
            return Err(StoreError::invalid(
                "threshold",
                Msg::ThresholdSyntax {
                    detail: e.to_string(),
                },
            ));
        }
    };
    if let Threshold::Compare { value, .. } = threshold
        && let Err(e) = ind.check_value(value)
    {
        return Err(StoreError::invalid("threshold", e));
    }
    if input.document.trim().is_empty() {
        return Err(StoreError::invalid(
            "document",
            Msg::AssignedDocumentRequired,
        ));
    }
    Ok((ind.code.clone(), reg.code.clone(), threshold.to_string()))
}

impl Store {
    /// Creates or replaces the assigned target of (indicator, region, year).
    /// `expected_version`: `None` or 0 to create, the version read to replace.
    pub async fn put_assigned(
        &self,
        actor: &Actor,
        input: &AssignedInput,
        expected_version: Option<i64>,
    ) -> Result<AssignedRecord> {
        let model = self.current_model().await?;
        let (indicator, region, threshold) = check(&model.plan, input)?;
        let mut w = self.begin_write().await?;
        let sql = format!(
            "SELECT {COLS} FROM assigned_targets WHERE indicator = $1 AND region = $2 AND year = $3"
        );
        let existing = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&indicator)
            .bind(&region)
            .bind(input.year)
            .fetch_optional(&mut *w.tx)
            .await?;
        let before = match &existing {
            Some(r) => Some(from_row(r)?),
            None => None,
        };
        let current_version = before.as_ref().map_or(0, |b| b.version);
        if expected_version.unwrap_or(0) != current_version {
            return Err(StoreError::Conflict {
                message: Msg::Stale {
                    what: Noun::Assigned,
                    key: None,
                    version: None,
                    state: None,
                },
                current: serde_json::to_value(&before).unwrap_or_default(),
            });
        }
        let id: i64 = match &before {
            Some(b) => {
                sqlx::query(
                    "UPDATE assigned_targets SET threshold = $1, document = $2, updated_by = $3, \
                     updated_at = $4, version = version + 1 WHERE id = $5",
                )
                .bind(&threshold)
                .bind(input.document.trim())
                .bind(&actor.name)
                .bind(&w.at)
                .bind(b.id)
                .execute(&mut *w.tx)
                .await?;
                b.id
            }
            None => sqlx::query(
                "INSERT INTO assigned_targets (indicator, region, year, threshold, document, \
                 updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(&indicator)
            .bind(&region)
            .bind(input.year)
            .bind(&threshold)
            .bind(input.document.trim())
            .bind(&actor.name)
            .bind(&w.at)
            .fetch_one(&mut *w.tx)
            .await
            .map_err(|e| {
                if StoreError::is_unique_violation(&e) {
                    StoreError::Conflict {
                        message: Msg::CreatedMeanwhile {
                            what: Noun::Assigned,
                        },
                        current: serde_json::Value::Null,
                    }
                } else {
                    e.into()
                }
            })?
            .try_get(0)?,
        };
        let sql = format!("SELECT {COLS} FROM assigned_targets WHERE id = $1");
        let after = from_row(
            &sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_one(&mut *w.tx)
                .await?,
        )?;
        w.audit(
            actor,
            if before.is_some() {
                "assigned.update"
            } else {
                "assigned.create"
            },
            &format!("assigned:{id}"),
            before
                .as_ref()
                .map(|b| serde_json::to_value(b).unwrap_or_default())
                .as_ref(),
            Some(&serde_json::to_value(&after).unwrap_or_default()),
        )
        .await?;
        w.commit().await?;
        Ok(after)
    }

    pub async fn assigned_targets(&self) -> Result<Vec<AssignedRecord>> {
        let mut conn = self.pool().acquire().await?;
        all(&mut conn).await
    }
}
