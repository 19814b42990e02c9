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

use crate::period::{check_period, ensure_open};
use crate::tx::WriteTx;
use crate::{Actor, Result, Store, StoreError};

/// Where a value is in review. Task updates use the same states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum WorkflowStatus {
    Draft,
    Submitted,
    Approved,
    Returned,
}

impl WorkflowStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkflowStatus::Draft => "draft",
            WorkflowStatus::Submitted => "submitted",
            WorkflowStatus::Approved => "approved",
            WorkflowStatus::Returned => "returned",
        }
    }

    pub fn parse(s: &str) -> Option<WorkflowStatus> {
        [
            WorkflowStatus::Draft,
            WorkflowStatus::Submitted,
            WorkflowStatus::Approved,
            WorkflowStatus::Returned,
        ]
        .into_iter()
        .find(|w| w.as_str() == s)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            WorkflowStatus::Draft => "草稿",
            WorkflowStatus::Submitted => "待审核",
            WorkflowStatus::Approved => "已审核",
            WorkflowStatus::Returned => "已退回",
        }
    }
}

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
}

/// One step of a value's or task update's review.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewEntry {
    pub id: i64,
    pub entity_kind: String,
    pub entity_id: i64,
    /// `submit`, `approve`, `return`, `correct`.
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
    crate::audit::table_snapshots(conn, "value", &sql, from_row, |v| v.id.to_string()).await
}

pub(crate) async fn load(conn: &mut AnyConnection, id: i64) -> Result<DataValue> {
    let sql = format!("SELECT {COLS} FROM data_values WHERE id = $1");
    let r = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::not_found("数据", id))?;
    from_row(&r)
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
            StoreError::invalid("indicator", format!("未知的指标“{}”", indicator.trim()))
        })?;
    let reg = plan
        .find_region(region)
        .map(|i| &plan.regions[i])
        .ok_or_else(|| StoreError::invalid("region", format!("未知的行政区“{}”", region.trim())))?;
    let period = check_period(plan, "period", period)?;
    let number = ind
        .parse_value(value)
        .map_err(|e| StoreError::invalid("value", format!("“{}”的值有误：{e}", ind.name)))?;
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

pub(crate) async fn add_review(
    w: &mut WriteTx,
    kind: &str,
    id: i64,
    action: &str,
    actor: &Actor,
    reason: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO reviews (entity_kind, entity_id, action, actor, reason, at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(kind)
    .bind(id)
    .bind(action)
    .bind(&actor.name)
    .bind(reason)
    .bind(&w.at)
    .execute(&mut *w.tx)
    .await?;
    Ok(())
}

/// Who last submitted an entity (for the rule that nobody approves their own submission).
pub(crate) async fn last_submitter(
    conn: &mut AnyConnection,
    kind: &str,
    id: i64,
) -> Result<Option<String>> {
    let row = sqlx::query(
        "SELECT actor FROM reviews WHERE entity_kind = $1 AND entity_id = $2 \
         AND action IN ('submit', 'correct') ORDER BY id DESC LIMIT 1",
    )
    .bind(kind)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match row {
        Some(r) => Some(r.try_get(0)?),
        None => None,
    })
}

pub(crate) fn conflict(v: &DataValue) -> StoreError {
    StoreError::Conflict {
        message: format!(
            "数据已被他人修改（当前版本 {}，状态：{}），请刷新后重试",
            v.version,
            v.status.name_zh()
        ),
        current: json(v),
    }
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
                return Err(StoreError::State(
                    "该数据已提交，正在审核，不能修改；如需修改请联系审核人退回".into(),
                ));
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
                return Err(StoreError::State(format!(
                    "{} {} {}的数据已审核通过并锁定；如需更正，请提交更正并说明原因",
                    c.indicator, c.region, period
                )));
            }
            if let Some(v) = expected_version
                && v != 0
            {
                return Err(StoreError::Conflict {
                    message: "该数据已不存在（可能已被删除或替换），请刷新后重试".into(),
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
                        message: "同一指标、地区和报告期的数据刚被他人创建，请刷新后重试".into(),
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

    /// Loads a value row, checks it is live, in one of `allowed` states and at `version`, and that
    /// its period is open.
    async fn transition_start(
        &self,
        w: &mut WriteTx,
        id: i64,
        version: i64,
        allowed: &[WorkflowStatus],
        what: &str,
    ) -> Result<DataValue> {
        let cur = load(&mut w.tx, id).await?;
        if cur.version != version {
            return Err(conflict(&cur));
        }
        if cur.superseded_by.is_some() {
            return Err(StoreError::State(format!(
                "该数据已被第{}号更正替代，不能{what}",
                cur.superseded_by.unwrap_or_default()
            )));
        }
        if !allowed.contains(&cur.status) {
            return Err(StoreError::State(format!(
                "该数据当前为“{}”，不能{what}",
                cur.status.name_zh()
            )));
        }
        let p: ecociv_core::Period = cur
            .period
            .parse()
            .map_err(|_| StoreError::invalid("period", "报告期无效"))?;
        ensure_open(&mut w.tx, p).await?;
        Ok(cur)
    }

    async fn set_status(
        &self,
        w: &mut WriteTx,
        actor: &Actor,
        cur: &DataValue,
        status: WorkflowStatus,
        return_reason: &str,
        action: &str,
    ) -> Result<DataValue> {
        let done = sqlx::query(
            "UPDATE data_values SET status = $1, return_reason = $2, updated_by = $3, \
             updated_at = $4, version = version + 1 WHERE id = $5 AND version = $6",
        )
        .bind(status.as_str())
        .bind(return_reason)
        .bind(&actor.name)
        .bind(&w.at)
        .bind(cur.id)
        .bind(cur.version)
        .execute(&mut *w.tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(conflict(cur));
        }
        let after = load(&mut w.tx, cur.id).await?;
        w.audit(
            actor,
            action,
            &format!("value:{}", cur.id),
            Some(&json(cur)),
            Some(&json(&after)),
        )
        .await?;
        Ok(after)
    }

    /// Submits a draft (or a returned value) for review.
    pub async fn submit_value(&self, actor: &Actor, id: i64, version: i64) -> Result<DataValue> {
        let mut w = self.begin_write().await?;
        let cur = self
            .transition_start(
                &mut w,
                id,
                version,
                &[WorkflowStatus::Draft, WorkflowStatus::Returned],
                "提交",
            )
            .await?;
        let after = self
            .set_status(
                &mut w,
                actor,
                &cur,
                WorkflowStatus::Submitted,
                "",
                "value.submit",
            )
            .await?;
        add_review(&mut w, "value", id, "submit", actor, "").await?;
        w.commit().await?;
        Ok(after)
    }

    /// Approves a submitted value; it is locked from then on. Nobody approves their own
    /// submission. Approving a correction supersedes the value it corrects.
    pub async fn approve_value(&self, actor: &Actor, id: i64, version: i64) -> Result<DataValue> {
        let mut w = self.begin_write().await?;
        let cur = self
            .transition_start(
                &mut w,
                id,
                version,
                &[WorkflowStatus::Submitted],
                "审核通过",
            )
            .await?;
        if last_submitter(&mut w.tx, "value", id).await?.as_deref() == Some(actor.name.as_str()) {
            return Err(StoreError::State(
                "不能审核自己提交的数据，请由其他审核人审核".into(),
            ));
        }
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
                Some(&json(&old)),
                Some(&json(&old_after)),
            )
            .await?;
        }
        let after = self
            .set_status(
                &mut w,
                actor,
                &cur,
                WorkflowStatus::Approved,
                "",
                "value.approve",
            )
            .await?;
        add_review(&mut w, "value", id, "approve", actor, "").await?;
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
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::invalid("reason", "退回时须填写原因（reason）"));
        }
        let mut w = self.begin_write().await?;
        let cur = self
            .transition_start(&mut w, id, version, &[WorkflowStatus::Submitted], "退回")
            .await?;
        let after = self
            .set_status(
                &mut w,
                actor,
                &cur,
                WorkflowStatus::Returned,
                reason,
                "value.return",
            )
            .await?;
        add_review(&mut w, "value", id, "return", actor, reason).await?;
        w.commit().await?;
        Ok(after)
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
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::invalid(
                "reason",
                "更正已审核的数据须说明原因（reason）",
            ));
        }
        let model = self.current_model().await?;
        let mut w = self.begin_write().await?;
        let cur = self
            .transition_start(&mut w, id, version, &[WorkflowStatus::Approved], "更正")
            .await?;
        let c = check_input(&model.plan, &cur.indicator, &cur.region, &cur.period, value)?;
        let (_, work) = live(&mut w.tx, &cur.indicator, &cur.region, &cur.period).await?;
        if let Some(open) = work {
            return Err(StoreError::State(format!(
                "该数据已有一条未完成审核的记录（第{}号，{}），请先处理它",
                open.id,
                open.status.name_zh()
            )));
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
        add_review(&mut w, "value", new_id, "correct", actor, reason).await?;
        w.commit().await?;
        Ok(after)
    }

    pub async fn value(&self, id: i64) -> Result<DataValue> {
        let mut conn = self.pool().acquire().await?;
        load(&mut conn, id).await
    }

    /// Lists values, live rows only unless asked, ordered by indicator, region, period.
    pub async fn values(&self, filter: &ValueFilter) -> Result<Vec<DataValue>> {
        let sql = format!(
            "SELECT {COLS} FROM data_values \
             WHERE ($1 = '' OR indicator = $1) AND ($2 = '' OR region = $2) \
               AND ($3 = '' OR period = $3) AND ($4 = '' OR status = $4) \
               AND ($5 = 1 OR superseded_by IS NULL) \
             ORDER BY indicator, region, period, id LIMIT $6"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(filter.indicator.clone().unwrap_or_default())
            .bind(filter.region.clone().unwrap_or_default())
            .bind(filter.period.clone().unwrap_or_default())
            .bind(filter.status.map(|s| s.as_str()).unwrap_or_default())
            .bind(i64::from(filter.include_superseded))
            .bind(filter.limit.unwrap_or(100_000).clamp(1, 100_000))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(from_row).collect()
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

fn review_from_row(r: &AnyRow) -> Result<ReviewEntry> {
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
