//! Task progress updates (督办) and their review, the same review as values'.

use ecociv_i18n::Msg;
use ecociv_store::{TaskState, TaskUpdate, TaskUpdateFilter, TaskUpdateInput};

use crate::error::{AppError, AppResult};
use crate::policy::{self, Action};
use crate::values::parse_status;
use crate::{App, Caller};

/// Which task updates to list.
#[derive(Debug, Clone, Default)]
pub struct TaskQuery {
    pub task: Option<i64>,
    pub unit: Option<String>,
    pub period: Option<String>,
    pub status: Option<String>,
}

/// A task update to save as a draft, or to save and submit.
#[derive(Debug, Clone, Default)]
pub struct SaveTask {
    pub task: i64,
    /// The unit's code; a unit-bound reporter may leave it out (their own).
    pub unit: Option<String>,
    pub period: String,
    /// `not_started`, `in_progress`, `completed`, `delayed` (or the Chinese word).
    pub progress: String,
    pub percent: i64,
    pub narrative: String,
    pub version: Option<i64>,
    pub submit: bool,
}

/// A share done as typed in a form: a whole number from 0 to 100, `%` allowed.
pub fn parse_percent(text: &str) -> AppResult<i64> {
    text.trim()
        .trim_end_matches('%')
        .trim()
        .parse::<i64>()
        .map_err(|_| AppError::invalid("percent", Msg::PercentNotWhole))
}

impl App {
    /// Task updates the caller may see: approved ones, and the rest within the unit scope.
    pub async fn list_task_updates(
        &self,
        caller: &Caller,
        q: &TaskQuery,
    ) -> AppResult<Vec<TaskUpdate>> {
        policy::require(caller, Action::ReadInternal)?;
        let status = parse_status(q.status.as_deref())?;
        Ok(self
            .store()
            .task_updates(&TaskUpdateFilter {
                task: q.task,
                unit: q.unit.clone(),
                period: q.period.clone(),
                status,
            })
            .await?
            .into_iter()
            .filter(|t| policy::can_see_task_update(caller, t))
            .collect())
    }

    /// Saves a progress update of a task the caller's unit leads or joins, and submits it when
    /// asked.
    pub async fn save_task_update(
        &self,
        caller: &Caller,
        input: SaveTask,
    ) -> AppResult<TaskUpdate> {
        policy::require(caller, Action::WriteTask)?;
        let unit = input
            .unit
            .clone()
            .filter(|u| !u.trim().is_empty())
            .or_else(|| caller.user().and_then(|u| u.unit.clone()))
            .ok_or_else(|| AppError::invalid("unit", Msg::UnitRequired))?;
        policy::require_unit(caller, Action::WriteTask, &unit)?;
        let progress = TaskState::parse(&input.progress).ok_or_else(|| {
            AppError::invalid(
                "progress",
                Msg::UnknownProgress {
                    progress: input.progress.clone(),
                },
            )
        })?;
        let actor = caller.actor();
        let t = self
            .store()
            .save_task_update(
                &actor,
                &TaskUpdateInput {
                    task: input.task,
                    unit,
                    period: input.period.trim().to_owned(),
                    progress,
                    percent: input.percent,
                    narrative: input.narrative,
                },
                input.version,
            )
            .await?;
        if input.submit {
            Ok(self
                .store()
                .submit_task_update(&actor, t.id, t.version)
                .await?)
        } else {
            Ok(t)
        }
    }

    async fn task_for(&self, caller: &Caller, id: i64, action: Action) -> AppResult<TaskUpdate> {
        policy::require(caller, action)?;
        let t = self.store().task_update(id).await?;
        policy::require_unit(caller, action, &t.unit)?;
        Ok(t)
    }

    /// A task update the caller may act on with `action` (the page's evidence upload names it).
    pub async fn task_update_for(
        &self,
        caller: &Caller,
        id: i64,
        action: Action,
    ) -> AppResult<TaskUpdate> {
        self.task_for(caller, id, action).await
    }

    pub async fn submit_task_update(
        &self,
        caller: &Caller,
        id: i64,
        version: i64,
    ) -> AppResult<TaskUpdate> {
        self.task_for(caller, id, Action::WriteTask).await?;
        Ok(self
            .store()
            .submit_task_update(&caller.actor(), id, version)
            .await?)
    }

    pub async fn approve_task_update(
        &self,
        caller: &Caller,
        id: i64,
        version: i64,
    ) -> AppResult<TaskUpdate> {
        self.task_for(caller, id, Action::ReviewTask).await?;
        Ok(self
            .store()
            .approve_task_update(&caller.actor(), id, version)
            .await?)
    }

    pub async fn return_task_update(
        &self,
        caller: &Caller,
        id: i64,
        version: i64,
        reason: &str,
    ) -> AppResult<TaskUpdate> {
        self.task_for(caller, id, Action::ReviewTask).await?;
        Ok(self
            .store()
            .return_task_update(&caller.actor(), id, version, reason)
            .await?)
    }

    /// The review steps of a task update the caller may see.
    pub async fn task_update_reviews(
        &self,
        caller: &Caller,
        id: i64,
    ) -> AppResult<Vec<ecociv_store::ReviewEntry>> {
        policy::require(caller, Action::ReadInternal)?;
        let t = self.store().task_update(id).await?;
        if !policy::can_see_task_update(caller, &t) {
            return Err(AppError::Forbidden(Msg::NotVisible));
        }
        Ok(self.store().reviews("task_update", id).await?)
    }
}
