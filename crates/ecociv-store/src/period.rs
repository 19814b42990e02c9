//! Reporting periods: open or closed (with the reason), published or not.
//!
//! A period without a row is open and unpublished. Closing a year closes its quarters and months
//! too: a write to `2024-07` is refused when `2024-07`, `2024Q3` or `2024` is closed.

use ecociv_i18n::{Msg, Noun};

use ecociv_core::Period;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::tx::WriteTx;
use crate::{Actor, Result, Store, StoreError};

/// The state of a reporting period.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeriodState {
    pub id: String,
    pub closed: bool,
    /// Why it was last closed or reopened.
    pub reason: String,
    /// Whether approved values of this period are visible to the public.
    pub published: bool,
    pub updated_by: Option<String>,
    pub updated_at: Option<String>,
    /// 0 while the period has never been changed.
    pub version: i64,
}

const COLS: &str = "id, closed, reason, published, updated_by, updated_at, version";

fn from_row(r: &AnyRow) -> Result<PeriodState> {
    Ok(PeriodState {
        id: r.try_get("id")?,
        closed: r.try_get::<i64, _>("closed")? == 1,
        reason: r.try_get("reason")?,
        published: r.try_get::<i64, _>("published")? == 1,
        updated_by: Some(r.try_get("updated_by")?),
        updated_at: Some(r.try_get("updated_at")?),
        version: r.try_get("version")?,
    })
}

fn open_state(id: &str) -> PeriodState {
    PeriodState {
        id: id.to_owned(),
        closed: false,
        reason: String::new(),
        published: false,
        updated_by: None,
        updated_at: None,
        version: 0,
    }
}

pub(crate) async fn audited_rows(
    conn: &mut AnyConnection,
) -> Result<Vec<(String, serde_json::Value)>> {
    let sql = format!("SELECT {COLS} FROM periods");
    crate::audited::table_snapshots(conn, "period", &sql, from_row, |p| p.id.clone()).await
}

pub(crate) const AUDITED: crate::audited::AuditedTable = crate::audited::AuditedTable {
    kinds: &["period"],
    rows: |c| Box::pin(audited_rows(c)),
};

async fn load(conn: &mut AnyConnection, id: &str) -> Result<PeriodState> {
    let sql = format!("SELECT {COLS} FROM periods WHERE id = $1");
    match sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
    {
        Some(r) => from_row(&r),
        None => Ok(open_state(id)),
    }
}

/// The periods whose closing closes `p`: itself, its quarter (for a month) and its year.
pub(crate) fn enclosing(p: Period) -> Vec<String> {
    let mut out = vec![p.to_string()];
    match p {
        Period::Year(_) => {}
        Period::Quarter(y, _) => out.push(y.to_string()),
        Period::Month(y, m) => {
            out.push(Period::Quarter(y, (m - 1) / 3 + 1).to_string());
            out.push(y.to_string());
        }
    }
    out
}

/// Refuses a write to a closed period, naming the closed period and its reason.
pub(crate) async fn ensure_open(conn: &mut AnyConnection, p: Period) -> Result<()> {
    match closed_by(conn, p).await? {
        Some((id, reason)) => Err(StoreError::State(Msg::PeriodClosed {
            period: id,
            reason,
            of: p.to_string(),
        })),
        None => Ok(()),
    }
}

/// The closed period that holds `p` (itself, its quarter or its year), with the reason it was
/// closed: what [`ensure_open`] refuses on.
pub(crate) async fn closed_by(
    conn: &mut AnyConnection,
    p: Period,
) -> Result<Option<(String, String)>> {
    let ids = enclosing(p);
    let row = sqlx::query(
        "SELECT id, reason FROM periods WHERE closed = 1 AND (id = $1 OR id = $2 OR id = $3) \
         ORDER BY id LIMIT 1",
    )
    .bind(&ids[0])
    .bind(ids.get(1).cloned().unwrap_or_default())
    .bind(ids.get(2).cloned().unwrap_or_default())
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(r) => Ok(Some((r.try_get(0)?, r.try_get(1)?))),
        None => Ok(None),
    }
}

/// Parses a period and checks it lies within the plan (ten years before its base year to its
/// end year, as for values files).
pub fn check_period(plan: &ecociv_core::Plan, field: &str, text: &str) -> Result<Period> {
    let p: Period = text
        .parse()
        .map_err(|e: ecociv_core::period::PeriodError| {
            StoreError::invalid(
                field,
                Msg::InvalidPeriod {
                    text: text.trim().to_owned(),
                    reason: e.to_string(),
                },
            )
        })?;
    if p.year() <= plan.base_year - 10 || p.year() > plan.end_year {
        return Err(StoreError::invalid(
            field,
            Msg::PeriodOutsidePlan {
                period: p.to_string(),
                from: plan.base_year - 9,
                to: plan.end_year,
            },
        ));
    }
    Ok(p)
}

impl Store {
    /// Periods that were ever closed or published.
    pub async fn periods(&self) -> Result<Vec<PeriodState>> {
        let sql = format!("SELECT {COLS} FROM periods ORDER BY id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(from_row).collect()
    }

    pub async fn period(&self, id: &str) -> Result<PeriodState> {
        let model = self.current_model().await?;
        let p = check_period(&model.plan, "period", id)?;
        let mut conn = self.pool().acquire().await?;
        load(&mut conn, &p.to_string()).await
    }

    /// Closes a period: no value or task update of it can change until it is reopened.
    pub async fn close_period(
        &self,
        actor: &Actor,
        id: &str,
        reason: &str,
        expected_version: i64,
    ) -> Result<PeriodState> {
        self.change_period(actor, id, expected_version, PeriodChange::Close(reason))
            .await
    }

    /// Reopens a closed period; the reason is required and audited.
    pub async fn reopen_period(
        &self,
        actor: &Actor,
        id: &str,
        reason: &str,
        expected_version: i64,
    ) -> Result<PeriodState> {
        self.change_period(actor, id, expected_version, PeriodChange::Reopen(reason))
            .await
    }

    /// Publishes a period (or withdraws it from the public).
    pub async fn set_period_published(
        &self,
        actor: &Actor,
        id: &str,
        published: bool,
        expected_version: i64,
    ) -> Result<PeriodState> {
        self.change_period(
            actor,
            id,
            expected_version,
            PeriodChange::Publish(published),
        )
        .await
    }

    async fn change_period(
        &self,
        actor: &Actor,
        id: &str,
        expected_version: i64,
        change: PeriodChange<'_>,
    ) -> Result<PeriodState> {
        let model = self.current_model().await?;
        let id = check_period(&model.plan, "period", id)?.to_string();
        if let PeriodChange::Close(r) | PeriodChange::Reopen(r) = change
            && r.trim().is_empty()
        {
            return Err(StoreError::invalid("reason", Msg::ReasonRequired));
        }
        let mut w = self.begin_write().await?;
        let before = load(&mut w.tx, &id).await?;
        if before.version != expected_version {
            return Err(StoreError::Conflict {
                message: Msg::Stale {
                    what: Noun::Period,
                    key: Some(id.clone()),
                    version: None,
                    state: None,
                },
                current: serde_json::to_value(&before).unwrap_or_default(),
            });
        }
        let (closed, reason, published, action) = match change {
            PeriodChange::Close(r) => {
                if before.closed {
                    return Err(StoreError::State(Msg::PeriodAlreadyClosed { period: id }));
                }
                (true, r.trim().to_owned(), before.published, "period.close")
            }
            PeriodChange::Reopen(r) => {
                if !before.closed {
                    return Err(StoreError::State(Msg::PeriodNotClosed { period: id }));
                }
                (
                    false,
                    r.trim().to_owned(),
                    before.published,
                    "period.reopen",
                )
            }
            PeriodChange::Publish(p) => (
                before.closed,
                before.reason.clone(),
                p,
                if p {
                    "period.publish"
                } else {
                    "period.withdraw"
                },
            ),
        };
        upsert(&mut w, actor, &id, closed, &reason, published).await?;
        let after = load(&mut w.tx, &id).await?;
        w.audit(
            actor,
            action,
            &format!("period:{id}"),
            (before.version > 0)
                .then(|| serde_json::to_value(&before).unwrap_or(json!(null)))
                .as_ref(),
            Some(&serde_json::to_value(&after).unwrap_or_default()),
        )
        .await?;
        w.commit().await?;
        Ok(after)
    }
}

#[derive(Debug, Clone, Copy)]
enum PeriodChange<'a> {
    Close(&'a str),
    Reopen(&'a str),
    Publish(bool),
}

async fn upsert(
    w: &mut WriteTx,
    actor: &Actor,
    id: &str,
    closed: bool,
    reason: &str,
    published: bool,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO periods (id, closed, reason, published, updated_by, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (id) DO UPDATE SET closed = excluded.closed, reason = excluded.reason, \
         published = excluded.published, updated_by = excluded.updated_by, \
         updated_at = excluded.updated_at, version = periods.version + 1",
    )
    .bind(id)
    .bind(i64::from(closed))
    .bind(reason)
    .bind(i64::from(published))
    .bind(&actor.name)
    .bind(&w.at)
    .execute(&mut *w.tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_is_closed_by_its_quarter_and_its_year() {
        assert_eq!(
            enclosing("2024-07".parse().unwrap()),
            ["2024-07", "2024Q3", "2024"]
        );
        assert_eq!(enclosing("2024Q1".parse().unwrap()), ["2024Q1", "2024"]);
        assert_eq!(enclosing("2024".parse().unwrap()), ["2024"]);
    }
}
