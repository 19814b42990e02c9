//! Task progress updates (督办): per task, unit and period a status, a percentage, a narrative and
//! evidence, reviewed like values (draft → submitted → approved / returned). Approved updates are
//! locked; the next period's update is a new row.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::period::{check_period, ensure_open};
use crate::tx::WriteTx;
use crate::value::{WorkflowStatus, add_review, last_submitter};
use crate::{Actor, Result, Store, StoreError};

/// How far a task has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TaskProgress {
    NotStarted,
    InProgress,
    Completed,
    Delayed,
}

impl TaskProgress {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskProgress::NotStarted => "not_started",
            TaskProgress::InProgress => "in_progress",
            TaskProgress::Completed => "completed",
            TaskProgress::Delayed => "delayed",
        }
    }

    pub fn parse(s: &str) -> Option<TaskProgress> {
        [
            TaskProgress::NotStarted,
            TaskProgress::InProgress,
            TaskProgress::Completed,
            TaskProgress::Delayed,
        ]
        .into_iter()
        .find(|p| p.as_str() == s.trim())
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            TaskProgress::NotStarted => "未开始",
            TaskProgress::InProgress => "推进中",
            TaskProgress::Completed => "已完成",
            TaskProgress::Delayed => "滞后",
        }
    }
}

/// A stored task update.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskUpdate {
    pub id: i64,
    pub task: i64,
    pub unit: String,
    pub period: String,
    pub progress: TaskProgress,
    /// 0–100.
    pub percent: i64,
    pub narrative: String,
    pub status: WorkflowStatus,
    pub return_reason: String,
    pub version: i64,
    pub created_by: String,
    pub created_at: String,
    pub updated_by: String,
    pub updated_at: String,
}

/// A task update to save as a draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskUpdateInput {
    pub task: i64,
    /// Unit code.
    pub unit: String,
    pub period: String,
    pub progress: TaskProgress,
    pub percent: i64,
    pub narrative: String,
}

/// Which task updates to list.
#[derive(Debug, Clone, Default)]
pub struct TaskUpdateFilter {
    pub task: Option<i64>,
    pub unit: Option<String>,
    pub period: Option<String>,
    pub status: Option<WorkflowStatus>,
}

const COLS: &str = "id, task, unit_code, period, progress, percent, narrative, status, \
     return_reason, version, created_by, created_at, updated_by, updated_at";

fn from_row(r: &AnyRow) -> Result<TaskUpdate> {
    let progress: String = r.try_get("progress")?;
    let status: String = r.try_get("status")?;
    Ok(TaskUpdate {
        id: r.try_get("id")?,
        task: r.try_get("task")?,
        unit: r.try_get("unit_code")?,
        period: r.try_get("period")?,
        progress: TaskProgress::parse(&progress).unwrap_or(TaskProgress::InProgress),
        percent: r.try_get("percent")?,
        narrative: r.try_get("narrative")?,
        status: WorkflowStatus::parse(&status).unwrap_or(WorkflowStatus::Draft),
        return_reason: r.try_get("return_reason")?,
        version: r.try_get("version")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        updated_by: r.try_get("updated_by")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn json(t: &TaskUpdate) -> serde_json::Value {
    serde_json::to_value(t).unwrap_or_default()
}

pub(crate) async fn audited_rows(
    conn: &mut AnyConnection,
) -> Result<Vec<(String, serde_json::Value)>> {
    let sql = format!("SELECT {COLS} FROM task_updates");
    crate::audit::table_snapshots(conn, "task_update", &sql, from_row, |t| t.id.to_string()).await
}

async fn load(conn: &mut AnyConnection, id: i64) -> Result<TaskUpdate> {
    let sql = format!("SELECT {COLS} FROM task_updates WHERE id = $1");
    let r = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::not_found("任务进展", id))?;
    from_row(&r)
}

fn conflict(t: &TaskUpdate) -> StoreError {
    StoreError::Conflict {
        message: format!(
            "任务进展已被他人修改（当前版本 {}，状态：{}），请刷新后重试",
            t.version,
            t.status.name_zh()
        ),
        current: json(t),
    }
}

/// Checks a task update against the plan: the task exists, the unit leads or joins it, the
/// percentage and narrative are within bounds, the period lies within the plan.
pub(crate) fn check_task_input(
    model: &crate::Model,
    input: &TaskUpdateInput,
) -> Result<ecociv_core::Period> {
    let Ok(number) = u32::try_from(input.task) else {
        return Err(StoreError::invalid(
            "task",
            format!("任务编号{}无效", input.task),
        ));
    };
    let task = model.plan.task(number).ok_or_else(|| {
        StoreError::invalid("task", format!("实施方案中没有第{}项任务", input.task))
    })?;
    let unit = model.unit(&input.unit).ok_or_else(|| {
        StoreError::invalid("unit", format!("单位代码“{}”不在实施方案中", input.unit))
    })?;
    if task.responsibility_of(&unit.name).is_none() {
        return Err(StoreError::invalid(
            "unit",
            format!("{}不是第{}项任务的牵头或参与单位", unit.name, task.number),
        ));
    }
    if !(0..=100).contains(&input.percent) {
        return Err(StoreError::invalid(
            "percent",
            format!("完成百分比应在0到100之间，而不是{}", input.percent),
        ));
    }
    if input.narrative.chars().count() > 10_000 {
        return Err(StoreError::invalid("narrative", "进展说明不能超过10000字"));
    }
    check_period(&model.plan, "period", &input.period)
}

/// Creates or updates the progress update of (task, unit, period) inside a write transaction,
/// as a draft or, with `status` submitted, submitted for review at once (shared by the form
/// and the workbook import). The input must have passed [`check_task_input`].
pub(crate) async fn save_task_in(
    w: &mut WriteTx,
    actor: &Actor,
    input: &TaskUpdateInput,
    period: ecociv_core::Period,
    expected_version: Option<i64>,
    status: WorkflowStatus,
) -> Result<TaskUpdate> {
    let period_id = period.to_string();
    ensure_open(&mut w.tx, period).await?;
    let sql = format!(
        "SELECT {COLS} FROM task_updates WHERE task = $1 AND unit_code = $2 AND period = $3"
    );
    let existing = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(input.task)
        .bind(&input.unit)
        .bind(&period_id)
        .fetch_optional(&mut *w.tx)
        .await?;
    let saved = match existing {
        Some(r) => {
            let cur = from_row(&r)?;
            if expected_version != Some(cur.version) {
                return Err(conflict(&cur));
            }
            match cur.status {
                WorkflowStatus::Submitted => {
                    return Err(StoreError::State("该进展已提交，正在审核，不能修改".into()));
                }
                WorkflowStatus::Approved => {
                    return Err(StoreError::State("该进展已审核通过并锁定，不能修改".into()));
                }
                _ => {}
            }
            let done = sqlx::query(
                "UPDATE task_updates SET progress = $1, percent = $2, narrative = $3, \
                 status = $4, updated_by = $5, updated_at = $6, version = version + 1 \
                 WHERE id = $7 AND version = $8",
            )
            .bind(input.progress.as_str())
            .bind(input.percent)
            .bind(input.narrative.trim())
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
                "task_update.update",
                &format!("task_update:{}", cur.id),
                Some(&json(&cur)),
                Some(&json(&after)),
            )
            .await?;
            after
        }
        None => {
            if expected_version.is_some_and(|v| v != 0) {
                return Err(StoreError::Conflict {
                    message: "该进展已不存在，请刷新后重试".into(),
                    current: serde_json::Value::Null,
                });
            }
            let inserted = sqlx::query(
                "INSERT INTO task_updates (task, unit_code, period, progress, percent, \
                 narrative, status, created_by, created_at, updated_by, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $8, $9) RETURNING id",
            )
            .bind(input.task)
            .bind(&input.unit)
            .bind(&period_id)
            .bind(input.progress.as_str())
            .bind(input.percent)
            .bind(input.narrative.trim())
            .bind(status.as_str())
            .bind(&actor.name)
            .bind(&w.at)
            .fetch_one(&mut *w.tx)
            .await;
            let id: i64 = match inserted {
                Ok(r) => r.try_get(0)?,
                Err(e) if StoreError::is_unique_violation(&e) => {
                    return Err(StoreError::Conflict {
                        message: "该任务进展刚被他人创建，请刷新后重试".into(),
                        current: serde_json::Value::Null,
                    });
                }
                Err(e) => return Err(e.into()),
            };
            let after = load(&mut w.tx, id).await?;
            w.audit(
                actor,
                "task_update.create",
                &format!("task_update:{id}"),
                None,
                Some(&json(&after)),
            )
            .await?;
            after
        }
    };
    if status == WorkflowStatus::Submitted {
        add_review(w, "task_update", saved.id, "submit", actor, "").await?;
    }
    Ok(saved)
}

/// The version of the stored update of (task, unit, period), if there is one: what a bulk
/// import names as the version it read.
pub(crate) async fn current_version(
    conn: &mut AnyConnection,
    task: i64,
    unit: &str,
    period: &str,
) -> Result<Option<i64>> {
    let row = sqlx::query(
        "SELECT version FROM task_updates WHERE task = $1 AND unit_code = $2 AND period = $3",
    )
    .bind(task)
    .bind(unit)
    .bind(period)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match row {
        Some(r) => Some(r.try_get(0)?),
        None => None,
    })
}

impl Store {
    /// Creates or updates the draft progress update of (task, unit, period).
    pub async fn save_task_update(
        &self,
        actor: &Actor,
        input: &TaskUpdateInput,
        expected_version: Option<i64>,
    ) -> Result<TaskUpdate> {
        let model = self.current_model().await?;
        let period = check_task_input(&model, input)?;
        let mut w = self.begin_write().await?;
        let saved = save_task_in(
            &mut w,
            actor,
            input,
            period,
            expected_version,
            WorkflowStatus::Draft,
        )
        .await?;
        w.commit().await?;
        Ok(saved)
    }

    #[allow(clippy::too_many_arguments)]
    async fn task_transition(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        from: &[WorkflowStatus],
        to: WorkflowStatus,
        reason: &str,
        action: &str,
        what: &str,
    ) -> Result<TaskUpdate> {
        let mut w = self.begin_write().await?;
        let cur = load(&mut w.tx, id).await?;
        if cur.version != version {
            return Err(conflict(&cur));
        }
        if !from.contains(&cur.status) {
            return Err(StoreError::State(format!(
                "该进展当前为“{}”，不能{what}",
                cur.status.name_zh()
            )));
        }
        let period: ecociv_core::Period = cur
            .period
            .parse()
            .map_err(|_| StoreError::invalid("period", "报告期无效"))?;
        ensure_open(&mut w.tx, period).await?;
        if to == WorkflowStatus::Approved
            && last_submitter(&mut w.tx, "task_update", id)
                .await?
                .as_deref()
                == Some(actor.name.as_str())
        {
            return Err(StoreError::State(
                "不能审核自己提交的进展，请由其他审核人审核".into(),
            ));
        }
        sqlx::query(
            "UPDATE task_updates SET status = $1, return_reason = $2, updated_by = $3, \
             updated_at = $4, version = version + 1 WHERE id = $5 AND version = $6",
        )
        .bind(to.as_str())
        .bind(reason)
        .bind(&actor.name)
        .bind(&w.at)
        .bind(id)
        .bind(version)
        .execute(&mut *w.tx)
        .await?;
        let after = load(&mut w.tx, id).await?;
        w.audit(
            actor,
            &format!("task_update.{action}"),
            &format!("task_update:{id}"),
            Some(&json(&cur)),
            Some(&json(&after)),
        )
        .await?;
        add_review(&mut w, "task_update", id, action, actor, reason).await?;
        w.commit().await?;
        Ok(after)
    }

    pub async fn submit_task_update(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
    ) -> Result<TaskUpdate> {
        self.task_transition(
            actor,
            id,
            version,
            &[WorkflowStatus::Draft, WorkflowStatus::Returned],
            WorkflowStatus::Submitted,
            "",
            "submit",
            "提交",
        )
        .await
    }

    pub async fn approve_task_update(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
    ) -> Result<TaskUpdate> {
        self.task_transition(
            actor,
            id,
            version,
            &[WorkflowStatus::Submitted],
            WorkflowStatus::Approved,
            "",
            "approve",
            "审核通过",
        )
        .await
    }

    pub async fn return_task_update(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        reason: &str,
    ) -> Result<TaskUpdate> {
        if reason.trim().is_empty() {
            return Err(StoreError::invalid("reason", "退回时须填写原因（reason）"));
        }
        self.task_transition(
            actor,
            id,
            version,
            &[WorkflowStatus::Submitted],
            WorkflowStatus::Returned,
            reason.trim(),
            "return",
            "退回",
        )
        .await
    }

    pub async fn task_update(&self, id: i64) -> Result<TaskUpdate> {
        let mut conn = self.pool().acquire().await?;
        load(&mut conn, id).await
    }

    pub async fn task_updates(&self, filter: &TaskUpdateFilter) -> Result<Vec<TaskUpdate>> {
        let sql = format!(
            "SELECT {COLS} FROM task_updates \
             WHERE ($1 = 0 OR task = $2) AND ($3 = '' OR unit_code = $3) \
               AND ($4 = '' OR period = $4) AND ($5 = '' OR status = $5) \
             ORDER BY task, unit_code, period"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(i64::from(filter.task.is_some()))
            .bind(filter.task.unwrap_or(0))
            .bind(filter.unit.clone().unwrap_or_default())
            .bind(filter.period.clone().unwrap_or_default())
            .bind(filter.status.map(|s| s.as_str()).unwrap_or_default())
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(from_row).collect()
    }
}
