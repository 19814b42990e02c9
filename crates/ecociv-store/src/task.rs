//! Task progress updates (督办): per task, unit and period a status, a percentage, a narrative and
//! evidence, reviewed like values (draft → submitted → approved / returned). Approved updates are
//! locked; the next period's update is a new row.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use ecociv_i18n::{Msg, Noun};

use crate::period::{check_period, ensure_open};
use crate::review::{self, Reviewed, Transition, WorkflowStatus, add_review};
use crate::tx::WriteTx;
use crate::{Actor, Result, Store, StoreError};

/// How far a task has come: ecociv-core's one [`TaskState`], with one set of words.
pub use ecociv_core::TaskState;

/// A stored task update.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskUpdate {
    pub id: i64,
    pub task: i64,
    pub unit: String,
    pub period: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub progress: TaskState,
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
    pub progress: TaskState,
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
        progress: TaskState::parse(&progress).unwrap_or(TaskState::InProgress),
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
    crate::audited::table_snapshots(conn, "task_update", &sql, from_row, |t| t.id.to_string()).await
}

pub(crate) const AUDITED: crate::audited::AuditedTable = crate::audited::AuditedTable {
    kinds: &["task_update"],
    rows: |c| Box::pin(audited_rows(c)),
};

async fn load(conn: &mut AnyConnection, id: i64) -> Result<TaskUpdate> {
    let sql = format!("SELECT {COLS} FROM task_updates WHERE id = $1");
    let r = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::not_found(Noun::TaskUpdate, id))?;
    from_row(&r)
}

impl Reviewed for TaskUpdate {
    const KIND: &'static str = "task_update";
    const NOUN: Noun = Noun::TaskUpdate;
    const TABLE: &'static str = "task_updates";

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
    fn created_by(&self) -> &str {
        &self.created_by
    }
    async fn load(conn: &mut AnyConnection, id: i64) -> Result<TaskUpdate> {
        load(conn, id).await
    }
}

fn conflict(t: &TaskUpdate) -> StoreError {
    t.conflict()
}

/// The longest narrative of a task update, in characters.
pub const MAX_NARRATIVE_CHARS: usize = 10_000;

/// Checks a task update against the plan: the task exists, the unit leads or joins it, the
/// percentage and narrative are within bounds, the period lies within the plan.
pub(crate) fn check_task_input(
    model: &crate::Model,
    input: &TaskUpdateInput,
) -> Result<ecociv_core::Period> {
    let Ok(number) = u32::try_from(input.task) else {
        return Err(StoreError::invalid(
            "task",
            Msg::TaskNumberInvalid { number: input.task },
        ));
    };
    let task = model.plan.task(number).ok_or_else(|| {
        StoreError::invalid(
            "task",
            Msg::UnknownTask {
                number: input.task.to_string(),
            },
        )
    })?;
    let unit = model.unit(&input.unit).ok_or_else(|| {
        StoreError::invalid(
            "unit",
            Msg::UnknownUnit {
                code: input.unit.clone(),
            },
        )
    })?;
    if task.responsibility_of(&unit.name).is_none() {
        return Err(StoreError::invalid(
            "unit",
            Msg::NotResponsibleForTask {
                unit: unit.name.clone(),
                task: task.number,
            },
        ));
    }
    if !(0..=100).contains(&input.percent) {
        return Err(StoreError::invalid(
            "percent",
            Msg::PercentOutOfRange {
                percent: input.percent,
            },
        ));
    }
    if input.narrative.chars().count() > MAX_NARRATIVE_CHARS {
        return Err(StoreError::invalid(
            "narrative",
            Msg::NarrativeTooLong {
                max: MAX_NARRATIVE_CHARS,
            },
        ));
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
                    return Err(StoreError::State(Msg::InReview {
                        what: Noun::TaskUpdate,
                    }));
                }
                WorkflowStatus::Approved => {
                    return Err(StoreError::State(Msg::Locked {
                        what: Noun::TaskUpdate,
                    }));
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
                    message: Msg::Gone {
                        what: Noun::TaskUpdate,
                    },
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
                        message: Msg::CreatedMeanwhile {
                            what: Noun::TaskUpdate,
                        },
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

    /// Takes a review step on a task update (the same rules as for values, see
    /// [`crate::review`]).
    async fn task_step(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        step: Transition,
        reason: &str,
    ) -> Result<TaskUpdate> {
        let reason = review::reason_of(step, reason)?;
        let mut w = self.begin_write().await?;
        let cur: TaskUpdate = review::begin(&mut w, actor, id, version, step).await?;
        let after = review::apply(&mut w, actor, &cur, step, &reason).await?;
        w.commit().await?;
        Ok(after)
    }

    pub async fn submit_task_update(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
    ) -> Result<TaskUpdate> {
        self.task_step(actor, id, version, Transition::Submit, "")
            .await
    }

    pub async fn approve_task_update(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
    ) -> Result<TaskUpdate> {
        self.task_step(actor, id, version, Transition::Approve, "")
            .await
    }

    pub async fn return_task_update(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        reason: &str,
    ) -> Result<TaskUpdate> {
        self.task_step(actor, id, version, Transition::Return, reason)
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
