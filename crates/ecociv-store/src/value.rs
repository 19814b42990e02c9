//! Reported values (填报值) and their review: draft → submitted → approved (locked) or returned
//! (with a reason) → resubmitted. A correction of an approved value is a new row with a reason;
//! it goes through review, and when approved it supersedes the old row, which is kept unchanged.
//!
//! For one key (indicator, region, period) there is at most one live approved row and at most one
//! live row in work (draft, submitted or returned); two partial unique indexes hold this even
//! against racing writers.

use ecociv_core::Plan;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use ecociv_i18n::{Msg, Noun, Phrase};

use crate::period::{check_period, ensure_open};
pub use crate::review::WorkflowStatus;
use crate::review::{self, Reviewed, Transition, add_review};
use crate::tx::{Conditions, WriteTx};
use crate::{Actor, Result, Store, StoreError};

/// How a value entered the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Provenance {
    /// Typed into a form (web or API).
    Form,
    /// A row of an imported file.
    Import,
    /// Computed by a standards engine from monitoring data.
    Engine,
    /// 示例数据: never real.
    Demo,
}

ecociv_i18n::words!(Provenance {
    Form => "表单填报", "form";
    Import => "文件导入", "file import";
    Engine => "监测计算", "computed from monitoring data";
    Demo => "示例数据", "demo data";
});

impl Provenance {
    pub fn as_str(self) -> &'static str {
        match self {
            Provenance::Form => "form",
            Provenance::Import => "import",
            Provenance::Engine => "engine",
            Provenance::Demo => "demo",
        }
    }

    pub fn parse(s: &str) -> Option<Provenance> {
        [
            Provenance::Form,
            Provenance::Import,
            Provenance::Engine,
            Provenance::Demo,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }
}

/// A stored value (one version of it).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DataValue {
    pub id: i64,
    pub indicator: String,
    pub region: String,
    pub period: String,
    /// The value as decimal text; yes/no indicators hold `1` (是) or `0` (否).
    pub value: String,
    pub comment: String,
    pub status: WorkflowStatus,
    /// Bumped by every change; name it when changing the row.
    pub version: i64,
    /// 0 for an original value, n for the n-th correction.
    pub correction: i64,
    pub correction_reason: String,
    /// The approved row this correction replaces.
    pub supersedes: Option<i64>,
    /// The correction that replaced this approved row.
    pub superseded_by: Option<i64>,
    pub provenance: Provenance,
    /// File and row, or engine run.
    pub provenance_detail: String,
    pub return_reason: String,
    pub created_by: String,
    pub created_at: String,
    pub updated_by: String,
    pub updated_at: String,
}

impl DataValue {
    /// The value as a number.
    pub fn number(&self) -> Option<f64> {
        self.value.parse().ok()
    }

    /// Whether this row is in force or in work (not replaced by an approved correction).
    pub fn is_live(&self) -> bool {
        self.superseded_by.is_none()
    }
}

/// A value to save as a draft.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueInput {
    /// Indicator code (or its exact Chinese name).
    pub indicator: String,
    /// Region code (or name).
    pub region: String,
    /// `2024`, `2024Q3` or `2024-07`.
    pub period: String,
    /// As typed: a number (`93.1`, `93.1%`) or 是/否.
    pub value: String,
    pub comment: String,
    pub provenance: Provenance,
    pub provenance_detail: String,
}

/// Which values to list.
#[derive(Debug, Clone, Default)]
pub struct ValueFilter {
    pub indicator: Option<String>,
    pub region: Option<String>,
    pub period: Option<String>,
    pub status: Option<WorkflowStatus>,
    /// Also rows replaced by an approved correction (the history).
    pub include_superseded: bool,
    pub limit: Option<i64>,
    /// Only rows after the row with this id in list order (indicator, region, period, id): a
    /// cursor for reading the list page by page.
    pub after: Option<i64>,
    /// Only the periods of this year: the year itself, its quarters and its months.
    pub year: Option<i32>,
    /// Only annual values (period `2025`, not `2025-01` or `2025Q1`).
    pub annual_only: bool,
    /// Only values of these indicators and periods (what is published): the public's lists
    /// read the rows the public may see, not every approved row, when little is published.
    pub within: Option<crate::eval::Publication>,
}

/// One step of a value's or task update's review.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewEntry {
    pub id: i64,
    pub entity_kind: String,
    pub entity_id: i64,
    /// `submit`, `approve`, `return`, `correct` ([`Transition::action`]), or `comment` (a
    /// participating unit's remark, which changes nothing).
    pub action: String,
    pub actor: String,
    pub reason: String,
    pub at: String,
}

pub(crate) const COLS: &str = "id, indicator, region, period, value, comment, status, version, \
     correction, correction_reason, supersedes, superseded_by, provenance, provenance_detail, \
     return_reason, created_by, created_at, updated_by, updated_at";

pub(crate) fn from_row(r: &AnyRow) -> Result<DataValue> {
    let status: String = r.try_get("status")?;
    let prov: String = r.try_get("provenance")?;
    Ok(DataValue {
        id: r.try_get("id")?,
        indicator: r.try_get("indicator")?,
        region: r.try_get("region")?,
        period: r.try_get("period")?,
        value: r.try_get("value")?,
        comment: r.try_get("comment")?,
        status: WorkflowStatus::parse(&status).unwrap_or(WorkflowStatus::Draft),
        version: r.try_get("version")?,
        correction: r.try_get("correction")?,
        correction_reason: r.try_get("correction_reason")?,
        supersedes: r.try_get::<Option<i64>, _>("supersedes")?,
        superseded_by: r.try_get::<Option<i64>, _>("superseded_by")?,
        provenance: Provenance::parse(&prov).unwrap_or(Provenance::Form),
        provenance_detail: r.try_get("provenance_detail")?,
        return_reason: r.try_get("return_reason")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        updated_by: r.try_get("updated_by")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn json(v: &DataValue) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or_default()
}

pub(crate) async fn audited_rows(
    conn: &mut AnyConnection,
) -> Result<Vec<(String, serde_json::Value)>> {
    let sql = format!("SELECT {COLS} FROM data_values");
    crate::audited::table_snapshots(conn, "value", &sql, from_row, |v| v.id.to_string()).await
}

pub(crate) const AUDITED: crate::audited::AuditedTable = crate::audited::AuditedTable {
    kinds: &["value"],
    rows: |c| Box::pin(audited_rows(c)),
};

pub(crate) async fn load(conn: &mut AnyConnection, id: i64) -> Result<DataValue> {
    let sql = format!("SELECT {COLS} FROM data_values WHERE id = $1");
    let r = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::not_found(Noun::Value, id))?;
    from_row(&r)
}

impl Reviewed for DataValue {
    const KIND: &'static str = "value";
    const NOUN: Noun = Noun::Value;
    const TABLE: &'static str = "data_values";

    fn id(&self) -> i64 {
        self.id
    }
    fn version(&self) -> i64 {
        self.version
    }
    fn status(&self) -> WorkflowStatus {
        self.status
    }
    fn period(&self) -> &str {
        &self.period
    }
    fn superseded_by(&self) -> Option<i64> {
        self.superseded_by
    }
    fn created_by(&self) -> &str {
        &self.created_by
    }
    async fn load(conn: &mut AnyConnection, id: i64) -> Result<DataValue> {
        load(conn, id).await
    }
}

/// The live rows of a key: (approved, in work).
pub(crate) async fn live(
    conn: &mut AnyConnection,
    indicator: &str,
    region: &str,
    period: &str,
) -> Result<(Option<DataValue>, Option<DataValue>)> {
    let sql = format!(
        "SELECT {COLS} FROM data_values WHERE indicator = $1 AND region = $2 AND period = $3 \
         AND superseded_by IS NULL"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(indicator)
        .bind(region)
        .bind(period)
        .fetch_all(&mut *conn)
        .await?;
    let mut approved = None;
    let mut work = None;
    for r in &rows {
        let v = from_row(r)?;
        if v.status == WorkflowStatus::Approved {
            approved = Some(v);
        } else {
            work = Some(v);
        }
    }
    Ok((approved, work))
}

/// A validated key and value.
#[derive(Debug, Clone)]
pub(crate) struct Checked {
    pub indicator: String,
    pub region: String,
    pub period: ecociv_core::Period,
    pub value: String,
}

/// Checks codes, period and value against the plan. Unknown codes, periods outside the plan and
/// values outside the indicator's range (a percentage above 100, a negative count) are refused.
pub(crate) fn check_input(
    plan: &Plan,
    indicator: &str,
    region: &str,
    period: &str,
    value: &str,
) -> Result<Checked> {
    let ind = plan
        .find_indicator(indicator)
        .map(|i| &plan.indicators[i])
        .ok_or_else(|| {
            StoreError::invalid(
                "indicator",
                Msg::UnknownIndicator {
                    code: indicator.trim().to_owned(),
                },
            )
        })?;
    let reg = plan
        .find_region(region)
        .map(|i| &plan.regions[i])
        .ok_or_else(|| {
            StoreError::invalid(
                "region",
                Msg::UnknownRegion {
                    code: region.trim().to_owned(),
                },
            )
        })?;
    let period = check_period(plan, "period", period)?;
    let number = ind.parse_value(value).map_err(|e| match e {
        // These name the indicator themselves.
        Msg::BelowMinimum { .. } | Msg::AboveMaximum { .. } => StoreError::invalid("value", e),
        e => StoreError::invalid(
            "value",
            Msg::BadValue {
                indicator: ind.name.clone(),
                reason: Box::new(e),
            },
        ),
    })?;
    Ok(Checked {
        indicator: ind.code.clone(),
        region: reg.code.clone(),
        period,
        value: format_number(number),
    })
}

/// Decimal text of a number, as short as round-trips (93.1, not 93.09999999999999).
pub(crate) fn format_number(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    format!("{v}")
}

pub(crate) fn conflict(v: &DataValue) -> StoreError {
    v.conflict()
}

/// Saves a draft inside a write transaction (shared by forms and imports).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn save_in(
    w: &mut WriteTx,
    actor: &Actor,
    c: &Checked,
    comment: &str,
    provenance: Provenance,
    detail: &str,
    expected_version: Option<i64>,
    status: WorkflowStatus,
) -> Result<DataValue> {
    ensure_open(&mut w.tx, c.period).await?;
    let period = c.period.to_string();
    let (approved, work) = live(&mut w.tx, &c.indicator, &c.region, &period).await?;
    match work {
        Some(cur) => {
            if expected_version != Some(cur.version) {
                return Err(conflict(&cur));
            }
            if cur.status == WorkflowStatus::Submitted {
                return Err(StoreError::State(Msg::InReview { what: Noun::Value }));
            }
            let before = json(&cur);
            let done = sqlx::query(
                "UPDATE data_values SET value = $1, comment = $2, provenance = $3, \
                 provenance_detail = $4, status = $5, updated_by = $6, updated_at = $7, \
                 version = version + 1 WHERE id = $8 AND version = $9",
            )
            .bind(&c.value)
            .bind(comment)
            .bind(provenance.as_str())
            .bind(detail)
            .bind(status.as_str())
            .bind(&actor.name)
            .bind(&w.at)
            .bind(cur.id)
            .bind(cur.version)
            .execute(&mut *w.tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(conflict(&cur));
            }
            let after = load(&mut w.tx, cur.id).await?;
            w.audit(
                actor,
                "value.update",
                &format!("value:{}", cur.id),
                Some(&before),
                Some(&json(&after)),
            )
            .await?;
            if status == WorkflowStatus::Submitted {
                add_review(w, "value", cur.id, "submit", actor, "").await?;
            }
            Ok(after)
        }
        None => {
            if approved.is_some() {
                return Err(StoreError::State(Msg::ValueLocked {
                    indicator: c.indicator.clone(),
                    region: c.region.clone(),
                    period,
                }));
            }
            if let Some(v) = expected_version
                && v != 0
            {
                return Err(StoreError::Conflict {
                    message: Msg::Gone { what: Noun::Value },
                    current: serde_json::Value::Null,
                });
            }
            let inserted = sqlx::query(
                "INSERT INTO data_values (indicator, region, period, value, comment, status, \
                 provenance, provenance_detail, created_by, created_at, updated_by, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $9, $10) RETURNING id",
            )
            .bind(&c.indicator)
            .bind(&c.region)
            .bind(&period)
            .bind(&c.value)
            .bind(comment)
            .bind(status.as_str())
            .bind(provenance.as_str())
            .bind(detail)
            .bind(&actor.name)
            .bind(&w.at)
            .fetch_one(&mut *w.tx)
            .await;
            let id: i64 = match inserted {
                Ok(r) => r.try_get(0)?,
                Err(e) if StoreError::is_unique_violation(&e) => {
                    return Err(StoreError::Conflict {
                        message: Msg::CreatedMeanwhile { what: Noun::Value },
                        current: serde_json::Value::Null,
                    });
                }
                Err(e) => return Err(e.into()),
            };
            let after = load(&mut w.tx, id).await?;
            w.audit(
                actor,
                "value.create",
                &format!("value:{id}"),
                None,
                Some(&json(&after)),
            )
            .await?;
            if status == WorkflowStatus::Submitted {
                add_review(w, "value", id, "submit", actor, "").await?;
            }
            Ok(after)
        }
    }
}

impl Store {
    /// Creates or updates the draft of a key. `expected_version` is `None` (or 0) to create, the
    /// draft's version to update it. Approved values are locked (use [`Store::correct_value`]);
    /// submitted ones wait for review.
    pub async fn save_value(
        &self,
        actor: &Actor,
        input: &ValueInput,
        expected_version: Option<i64>,
    ) -> Result<DataValue> {
        let model = self.current_model().await?;
        let c = check_input(
            &model.plan,
            &input.indicator,
            &input.region,
            &input.period,
            &input.value,
        )?;
        check_comment(&input.comment)?;
        let mut w = self.begin_write().await?;
        let v = save_in(
            &mut w,
            actor,
            &c,
            input.comment.trim(),
            input.provenance,
            &input.provenance_detail,
            expected_version,
            WorkflowStatus::Draft,
        )
        .await?;
        w.commit().await?;
        Ok(v)
    }

    /// Submits a draft (or a returned value) for review.
    pub async fn submit_value(&self, actor: &Actor, id: i64, version: i64) -> Result<DataValue> {
        let mut w = self.begin_write().await?;
        let cur: DataValue = review::begin(&mut w, actor, id, version, Transition::Submit).await?;
        let after = review::apply(&mut w, actor, &cur, Transition::Submit, "").await?;
        w.commit().await?;
        Ok(after)
    }

    /// Approves a submitted value; it is locked from then on. Nobody approves their own
    /// submission. Approving a correction supersedes the value it corrects.
    pub async fn approve_value(&self, actor: &Actor, id: i64, version: i64) -> Result<DataValue> {
        let mut w = self.begin_write().await?;
        let cur: DataValue = review::begin(&mut w, actor, id, version, Transition::Approve).await?;
        if let Some(old_id) = cur.supersedes {
            let old = load(&mut w.tx, old_id).await?;
            sqlx::query("UPDATE data_values SET superseded_by = $1 WHERE id = $2")
                .bind(id)
                .bind(old_id)
                .execute(&mut *w.tx)
                .await?;
            let old_after = load(&mut w.tx, old_id).await?;
            w.audit(
                actor,
                "value.supersede",
                &format!("value:{old_id}"),
                Some(&old.json()),
                Some(&old_after.json()),
            )
            .await?;
        }
        let after = review::apply(&mut w, actor, &cur, Transition::Approve, "").await?;
        w.commit().await?;
        Ok(after)
    }

    /// Returns a submitted value to its reporter with a reason.
    pub async fn return_value(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        reason: &str,
    ) -> Result<DataValue> {
        let reason = review::reason_of(Transition::Return, reason)?;
        let mut w = self.begin_write().await?;
        let cur: DataValue = review::begin(&mut w, actor, id, version, Transition::Return).await?;
        let after = review::apply(&mut w, actor, &cur, Transition::Return, &reason).await?;
        w.commit().await?;
        Ok(after)
    }

    /// A participating unit's remark on a value (参与单位留言): kept with the value's review
    /// history and audited, it changes nothing about the value.
    pub async fn comment_value(&self, actor: &Actor, id: i64, text: &str) -> Result<ReviewEntry> {
        let text = text.trim();
        if text.is_empty() {
            return Err(StoreError::invalid("text", Msg::CommentEmpty));
        }
        if text.chars().count() > MAX_COMMENT_CHARS {
            return Err(StoreError::invalid(
                "text",
                Msg::CommentTooLong {
                    max: MAX_COMMENT_CHARS,
                },
            ));
        }
        let mut w = self.begin_write().await?;
        load(&mut w.tx, id).await?;
        // Audited as `comment:<id>` by `add_review`.
        let review_id = add_review(&mut w, "value", id, "comment", actor, text).await?;
        let entry = review_entry(&mut w.tx, review_id).await?;
        w.commit().await?;
        Ok(entry)
    }

    /// Proposes a correction of an approved value: a new row, submitted for review with the
    /// reason. The approved row stays in force (and unchanged) until the correction is approved.
    pub async fn correct_value(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        value: &str,
        comment: &str,
        reason: &str,
    ) -> Result<DataValue> {
        let reason = review::reason_of(Transition::Correct, reason)?;
        let reason = reason.as_str();
        check_comment(comment)?;
        let model = self.current_model().await?;
        let mut w = self.begin_write().await?;
        let cur: DataValue = review::begin(&mut w, actor, id, version, Transition::Correct).await?;
        let c = check_input(&model.plan, &cur.indicator, &cur.region, &cur.period, value)?;
        let (_, work) = live(&mut w.tx, &cur.indicator, &cur.region, &cur.period).await?;
        if let Some(open) = work {
            return Err(StoreError::State(Msg::OpenCorrection {
                id: open.id,
                state: Phrase::of(&open.status),
            }));
        }
        let inserted = sqlx::query(
            "INSERT INTO data_values (indicator, region, period, value, comment, status, \
             correction, correction_reason, supersedes, provenance, provenance_detail, \
             created_by, created_at, updated_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 'submitted', $6, $7, $8, 'form', '', $9, $10, $9, $10) \
             RETURNING id",
        )
        .bind(&cur.indicator)
        .bind(&cur.region)
        .bind(&cur.period)
        .bind(&c.value)
        .bind(comment.trim())
        .bind(cur.correction + 1)
        .bind(reason)
        .bind(cur.id)
        .bind(&actor.name)
        .bind(&w.at)
        .fetch_one(&mut *w.tx)
        .await;
        let new_id: i64 = match inserted {
            Ok(r) => r.try_get(0)?,
            Err(e) if StoreError::is_unique_violation(&e) => return Err(conflict(&cur)),
            Err(e) => return Err(e.into()),
        };
        let after = load(&mut w.tx, new_id).await?;
        w.audit(
            actor,
            "value.correct",
            &format!("value:{new_id}"),
            None,
            Some(&json(&after)),
        )
        .await?;
        add_review(
            &mut w,
            "value",
            new_id,
            Transition::Correct.action(),
            actor,
            reason,
        )
        .await?;
        w.commit().await?;
        Ok(after)
    }

    pub async fn value(&self, id: i64) -> Result<DataValue> {
        let mut conn = self.pool().acquire().await?;
        load(&mut conn, id).await
    }

    /// Lists values, live rows only unless asked, ordered by indicator, region, period.
    ///
    /// The statement names only the conditions the filter sets, so each is a range of an
    /// index (`data_values_series` for an indicator and region, `data_values_period_series` for
    /// a period, `data_values_region_period` for a region), read in list order: what a list
    /// costs follows what it returns, not how many values the database holds.
    pub async fn values(&self, filter: &ValueFilter) -> Result<Vec<DataValue>> {
        let mut c = Conditions::default();
        if let Some(i) = filter.indicator.as_deref().filter(|s| !s.is_empty()) {
            let p = c.bind(i);
            c.push(format!("indicator = {p}"));
        }
        if let Some(r) = filter.region.as_deref().filter(|s| !s.is_empty()) {
            let p = c.bind(r);
            c.push(format!("region = {p}"));
        }
        if let Some(period) = filter.period.as_deref().filter(|s| !s.is_empty()) {
            let p = c.bind(period);
            c.push(format!("period = {p}"));
        }
        if let Some(year) = filter.year {
            // Every period of a year ("2025", "2025-01" … "2025Q4") sorts between "2025" and
            // "2026": a range of the period column, not a pattern.
            let from = c.bind(format!("{year:04}"));
            let to = c.bind(format!("{:04}", year + 1));
            c.push(format!("period >= {from} AND period < {to}"));
        }
        if filter.annual_only {
            c.push("length(period) = 4");
        }
        if let Some(within) = &filter.within {
            if within.indicators.is_empty() || within.periods.is_empty() {
                c.push("1 = 0");
            } else {
                let inds: Vec<String> = within
                    .indicators
                    .iter()
                    .map(|i| c.bind(i.as_str()))
                    .collect();
                c.push(format!("indicator IN ({})", inds.join(", ")));
                let periods: Vec<String> =
                    within.periods.iter().map(|p| c.bind(p.as_str())).collect();
                c.push(format!("period IN ({})", periods.join(", ")));
            }
        }
        if let Some(status) = filter.status {
            // A fixed word, not user input: written into the statement so that the planner
            // sees it (a partial index is used only for a literal).
            c.push(format!("status = '{}'", status.as_str()));
        }
        if !filter.include_superseded {
            c.push("superseded_by IS NULL");
        }
        if let Some(after) = filter.after.filter(|&a| a > 0) {
            // An integer, written into the statement like the limit.
            c.push(format!(
                "(indicator, region, period, id) > \
                 (SELECT indicator, region, period, id FROM data_values WHERE id = {after})"
            ));
        }
        let limit = filter.limit.unwrap_or(100_000).clamp(1, 100_000);
        let sql = format!(
            "SELECT {COLS} FROM data_values {} ORDER BY indicator, region, period, id LIMIT {limit}",
            c.clause()
        );
        let rows = c.fetch_all(sql, self.pool()).await?;
        rows.iter().map(from_row).collect()
    }

    /// The regions that hold values of `indicator` (of annual periods only, or of every
    /// period; every version), each with whether one of those values is approved: what an
    /// indicator page's choice of regions needs, in one grouped statement (a range of
    /// `data_values_series`) instead of every row of every region.
    pub async fn value_regions(
        &self,
        indicator: &str,
        annual_only: bool,
    ) -> Result<Vec<(String, bool)>> {
        let annual = if annual_only {
            " AND length(period) = 4"
        } else {
            ""
        };
        let sql = format!(
            "SELECT region, CAST(MAX(CASE WHEN status = 'approved' THEN 1 ELSE 0 END) AS BIGINT) \
             FROM data_values WHERE indicator = $1{annual} GROUP BY region ORDER BY region"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(indicator)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get::<String, _>(0)?, r.try_get::<i64, _>(1)? != 0)))
            .collect()
    }

    /// The (indicator, region) keys of `period` that have a live submitted or approved value:
    /// who has reported, for the overdue list. Read as one aggregated row (the drivers' per-row
    /// cost made reading a province's year as values half a second).
    pub async fn reported_keys(
        &self,
        period: &str,
    ) -> Result<std::collections::HashSet<(String, String)>> {
        let mut conn = self.pool().acquire().await?;
        // `length(period)`, implied by the period itself, lets a year's read use the partial
        // covering index of live annual rows (`data_values_annual`) instead of looking each row
        // up in the table: in a province that is 28 ms against 3 ms.
        let from = format!(
            "data_values WHERE period = $1 AND length(period) = {} AND superseded_by IS NULL \
             AND status IN ('submitted', 'approved')",
            period.chars().count()
        );
        let rows: Vec<(String, String)> = crate::eval::json_rows(
            &mut conn,
            self.backend(),
            "indicator, region",
            &from,
            "",
            &[period],
        )
        .await?;
        Ok(rows.into_iter().collect())
    }

    /// The live approved value of each (indicator, region, period) key that has one, in one
    /// statement per 300 keys (the unique index `data_values_live_approved`).
    pub async fn live_approved(&self, keys: &[(String, String, String)]) -> Result<Vec<DataValue>> {
        let mut out = Vec::new();
        for chunk in keys.chunks(300) {
            let tuples = (0..chunk.len())
                .map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3))
                .collect::<Vec<_>>()
                .join(" OR (indicator, region, period) = ");
            let sql = format!(
                "SELECT {COLS} FROM data_values WHERE status = 'approved' \
                 AND superseded_by IS NULL AND ((indicator, region, period) = {tuples}) \
                 ORDER BY indicator, region, period, id"
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (i, r, p) in chunk {
                q = q.bind(i.clone()).bind(r.clone()).bind(p.clone());
            }
            for row in q.fetch_all(self.pool()).await? {
                out.push(from_row(&row)?);
            }
        }
        Ok(out)
    }

    /// The latest review steps of one kind (`approve`, `return`, `submit`, `correct`) across all
    /// values and task updates, newest first: the dashboard's "latest approvals".
    pub async fn recent_reviews(&self, action: &str, limit: i64) -> Result<Vec<ReviewEntry>> {
        let rows = sqlx::query(
            "SELECT id, entity_kind, entity_id, action, actor, reason, at FROM reviews \
             WHERE action = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(action)
        .bind(limit.clamp(1, 1000))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(review_from_row).collect()
    }

    /// The review history of a value or task update, oldest first.
    pub async fn reviews(&self, entity_kind: &str, id: i64) -> Result<Vec<ReviewEntry>> {
        let rows = sqlx::query(
            "SELECT id, entity_kind, entity_id, action, actor, reason, at FROM reviews \
             WHERE entity_kind = $1 AND entity_id = $2 ORDER BY id",
        )
        .bind(entity_kind)
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(review_from_row).collect()
    }
}

async fn review_entry(conn: &mut AnyConnection, id: i64) -> Result<ReviewEntry> {
    let r = sqlx::query(
        "SELECT id, entity_kind, entity_id, action, actor, reason, at FROM reviews WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    review_from_row(&r)
}

/// The comments of values, as the audit verifier compares them.
pub(crate) async fn audited_comments(
    conn: &mut AnyConnection,
) -> Result<Vec<(String, serde_json::Value)>> {
    crate::audited::table_snapshots(
        conn,
        "comment",
        "SELECT id, entity_kind, entity_id, action, actor, reason, at FROM reviews \
         WHERE action = 'comment'",
        review_from_row,
        |c| c.id.to_string(),
    )
    .await
}

pub(crate) const COMMENTS: crate::audited::AuditedTable = crate::audited::AuditedTable {
    kinds: &["comment"],
    rows: |c| Box::pin(audited_comments(c)),
};

/// The longest comment on a value, in characters.
pub const MAX_COMMENT_CHARS: usize = 2000;

/// Refuses a value's comment over [`MAX_COMMENT_CHARS`].
pub(crate) fn check_comment(comment: &str) -> Result<()> {
    if comment.chars().count() > MAX_COMMENT_CHARS {
        return Err(StoreError::invalid(
            "comment",
            Msg::CommentTooLong {
                max: MAX_COMMENT_CHARS,
            },
        ));
    }
    Ok(())
}

pub(crate) fn review_from_row(r: &AnyRow) -> Result<ReviewEntry> {
    Ok(ReviewEntry {
        id: r.try_get("id")?,
        entity_kind: r.try_get("entity_kind")?,
        entity_id: r.try_get("entity_id")?,
        action: r.try_get("action")?,
        actor: r.try_get("actor")?,
        reason: r.try_get("reason")?,
        at: r.try_get("at")?,
    })
}
