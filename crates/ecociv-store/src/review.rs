//! Review, the same for values and task updates: the states ([`WorkflowStatus`]), the steps
//! between them ([`Transition`]), and the one implementation of a step ([`begin`], [`apply`])
//! that both record kinds go through, so a rule of review (a stale version is a conflict, a
//! closed period refuses, nobody approves their own submission, a return needs a reason) holds
//! for both by construction.
//!
//! ```text
//! draft ──submit──► submitted ──approve──► approved (locked)
//!   ▲                  │                      │
//!   └──── returned ◄──return                correct ─► a new row, submitted
//! ```

use ecociv_i18n::{Msg, Noun, Phrase, Words};
use sqlx::{AnyConnection, Row};

use crate::period::ensure_open;
use crate::tx::WriteTx;
use crate::{Actor, Result, StoreError};

/// Where a value or a task update is in review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum WorkflowStatus {
    Draft,
    Submitted,
    Approved,
    Returned,
}

ecociv_i18n::words!(WorkflowStatus {
    Draft => "草稿", "Draft";
    Submitted => "待审核", "Submitted";
    Approved => "已审核", "Approved";
    Returned => "已退回", "Returned";
});

impl WorkflowStatus {
    pub const ALL: [WorkflowStatus; 4] = [
        WorkflowStatus::Draft,
        WorkflowStatus::Submitted,
        WorkflowStatus::Approved,
        WorkflowStatus::Returned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WorkflowStatus::Draft => "draft",
            WorkflowStatus::Submitted => "submitted",
            WorkflowStatus::Approved => "approved",
            WorkflowStatus::Returned => "returned",
        }
    }

    pub fn parse(s: &str) -> Option<WorkflowStatus> {
        WorkflowStatus::ALL.into_iter().find(|w| w.as_str() == s)
    }

    /// The Chinese word (草稿, 待审核, 已审核, 已退回).
    pub fn name_zh(self) -> &'static str {
        self.zh()
    }
}

/// A step of review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Transition {
    Submit,
    Approve,
    Return,
    /// An approved value's correction: a new row, submitted (values only).
    Correct,
}

ecociv_i18n::words!(Transition {
    Submit => "提交", "submitted";
    Approve => "审核通过", "approved";
    Return => "退回", "returned";
    Correct => "更正", "corrected";
});

impl Transition {
    /// The name of the step in review rows and audit actions (`value.submit`).
    pub fn action(self) -> &'static str {
        match self {
            Transition::Submit => "submit",
            Transition::Approve => "approve",
            Transition::Return => "return",
            Transition::Correct => "correct",
        }
    }

    pub fn parse(s: &str) -> Option<Transition> {
        [
            Transition::Submit,
            Transition::Approve,
            Transition::Return,
            Transition::Correct,
        ]
        .into_iter()
        .find(|t| t.action() == s)
    }

    /// The states a record may be in for this step.
    pub fn from(self) -> &'static [WorkflowStatus] {
        match self {
            Transition::Submit => &[WorkflowStatus::Draft, WorkflowStatus::Returned],
            Transition::Approve | Transition::Return => &[WorkflowStatus::Submitted],
            Transition::Correct => &[WorkflowStatus::Approved],
        }
    }

    /// The state the record is in afterwards (for a correction: the new row's).
    pub fn to(self) -> WorkflowStatus {
        match self {
            Transition::Submit | Transition::Correct => WorkflowStatus::Submitted,
            Transition::Approve => WorkflowStatus::Approved,
            Transition::Return => WorkflowStatus::Returned,
        }
    }

    /// The reason this step needs, when it needs one.
    pub fn reason_required(self) -> Option<Msg> {
        match self {
            Transition::Return => Some(Msg::ReturnReasonRequired),
            Transition::Correct => Some(Msg::CorrectionReasonRequired),
            Transition::Submit | Transition::Approve => None,
        }
    }
}

/// A record that goes through review: a value or a task update.
pub(crate) trait Reviewed: serde::Serialize + Sized {
    /// The entity kind of audit events and review rows (`value`, `task_update`).
    const KIND: &'static str;
    const NOUN: Noun;
    /// The table whose `status`, `return_reason`, `updated_by`, `updated_at` and `version`
    /// columns a step sets.
    const TABLE: &'static str;

    fn id(&self) -> i64;
    fn version(&self) -> i64;
    fn status(&self) -> WorkflowStatus;
    fn period(&self) -> &str;
    /// The approved correction that replaced this row, for values.
    fn superseded_by(&self) -> Option<i64> {
        None
    }

    async fn load(conn: &mut AnyConnection, id: i64) -> Result<Self>;

    fn json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    /// The conflict a stale write of this record gets, carrying the record as it is now.
    fn conflict(&self) -> StoreError {
        StoreError::Conflict {
            message: Msg::Stale {
                what: Self::NOUN,
                key: None,
                version: Some(self.version()),
                state: Some(Phrase::of(&self.status())),
            },
            current: self.json(),
        }
    }
}

/// Checks that `step` may be taken on record `id` read at `version` by `actor`: the version is
/// current, the record is live and in a state the step starts from, its period is open, and an
/// approval is not of the approver's own submission. Returns the record as it is.
pub(crate) async fn begin<R: Reviewed>(
    w: &mut WriteTx,
    actor: &Actor,
    id: i64,
    version: i64,
    step: Transition,
) -> Result<R> {
    let cur = R::load(&mut w.tx, id).await?;
    if cur.version() != version {
        return Err(cur.conflict());
    }
    if let Some(by) = cur.superseded_by() {
        return Err(StoreError::State(Msg::Superseded {
            by,
            action: Phrase::of(&step),
        }));
    }
    if !step.from().contains(&cur.status()) {
        return Err(StoreError::State(Msg::NotInState {
            what: R::NOUN,
            state: Phrase::of(&cur.status()),
            action: Phrase::of(&step),
        }));
    }
    let period: ecociv_core::Period = cur.period().parse().map_err(|e| {
        StoreError::invalid(
            "period",
            Msg::InvalidPeriod {
                text: cur.period().to_owned(),
                reason: format!("{e}"),
            },
        )
    })?;
    ensure_open(&mut w.tx, period).await?;
    if step == Transition::Approve
        && last_submitter(&mut w.tx, R::KIND, id).await?.as_deref() == Some(actor.name.as_str())
    {
        return Err(StoreError::State(Msg::OwnSubmission { what: R::NOUN }));
    }
    Ok(cur)
}

/// Takes `step` on `cur` (checked by [`begin`]): sets the state and the return reason, bumps the
/// version, writes the audit event and the review row. Returns the record as it is afterwards.
pub(crate) async fn apply<R: Reviewed>(
    w: &mut WriteTx,
    actor: &Actor,
    cur: &R,
    step: Transition,
    reason: &str,
) -> Result<R> {
    let return_reason = if step == Transition::Return {
        reason
    } else {
        ""
    };
    let sql = format!(
        "UPDATE {} SET status = $1, return_reason = $2, updated_by = $3, updated_at = $4, \
         version = version + 1 WHERE id = $5 AND version = $6",
        R::TABLE
    );
    let done = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(step.to().as_str())
        .bind(return_reason)
        .bind(&actor.name)
        .bind(&w.at)
        .bind(cur.id())
        .bind(cur.version())
        .execute(&mut *w.tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(cur.conflict());
    }
    let after = R::load(&mut w.tx, cur.id()).await?;
    w.audit(
        actor,
        &format!("{}.{}", R::KIND, step.action()),
        &format!("{}:{}", R::KIND, cur.id()),
        Some(&cur.json()),
        Some(&after.json()),
    )
    .await?;
    add_review(w, R::KIND, cur.id(), step.action(), actor, reason).await?;
    Ok(after)
}

/// The trimmed reason of a step, or the refusal when the step needs one and it is empty.
pub(crate) fn reason_of(step: Transition, reason: &str) -> Result<String> {
    let reason = reason.trim();
    match step.reason_required() {
        Some(msg) if reason.is_empty() => Err(StoreError::invalid("reason", msg)),
        _ => Ok(reason.to_owned()),
    }
}

pub(crate) async fn add_review(
    w: &mut WriteTx,
    kind: &str,
    id: i64,
    action: &str,
    actor: &Actor,
    reason: &str,
) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO reviews (entity_kind, entity_id, action, actor, reason, at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(kind)
    .bind(id)
    .bind(action)
    .bind(&actor.name)
    .bind(reason)
    .bind(&w.at)
    .fetch_one(&mut *w.tx)
    .await?;
    Ok(row.try_get(0)?)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_starts_from_its_states_and_ends_in_one() {
        assert_eq!(
            Transition::Submit.from(),
            [WorkflowStatus::Draft, WorkflowStatus::Returned]
        );
        assert_eq!(Transition::Approve.to(), WorkflowStatus::Approved);
        assert!(Transition::Return.reason_required().is_some());
        assert!(Transition::Approve.reason_required().is_none());
        for t in [
            Transition::Submit,
            Transition::Approve,
            Transition::Return,
            Transition::Correct,
        ] {
            assert_eq!(Transition::parse(t.action()), Some(t));
        }
        assert_eq!(WorkflowStatus::Returned.zh(), "已退回");
    }
}
