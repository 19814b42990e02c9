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

use crate::period::{closed_by, ensure_open};
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
    /// Who created the record (its first author).
    fn created_by(&self) -> &str;
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
    ensure_open(&mut w.tx, period_of(&cur)?).await?;
    if step == Transition::Approve {
        if last_submitter(&mut w.tx, R::KIND, id).await?.as_deref() == Some(actor.name.as_str()) {
            return Err(StoreError::State(Msg::OwnSubmission { what: R::NOUN }));
        }
        if cur.created_by() == actor.name
            || content_authors(&mut w.tx, R::KIND, id)
                .await?
                .contains(&actor.name)
        {
            return Err(StoreError::State(Msg::OwnWork { what: R::NOUN }));
        }
    }
    Ok(cur)
}

/// The period of a record.
fn period_of<R: Reviewed>(cur: &R) -> Result<ecociv_core::Period> {
    cur.period().parse().map_err(|e| {
        StoreError::invalid(
            "period",
            Msg::InvalidPeriod {
                text: cur.period().to_owned(),
                reason: format!("{e}"),
            },
        )
    })
}

/// Why a record can no longer change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Lock {
    /// It is approved (or was replaced by an approved correction): a change is a correction.
    Approved,
    /// Its period, or the quarter or year holding it, is closed (with the reason).
    PeriodClosed { period: String, reason: String },
}

/// The lock on a record, if any: an approved record and any record of a closed period change no
/// more. Saving a value or a task update refuses on the same two conditions (`ValueLocked` /
/// `Locked`, and [`ensure_open`]); evidence attached to a record follows this rule (see
/// `evidence.rs`).
pub(crate) async fn lock_of<R: Reviewed>(
    conn: &mut AnyConnection,
    cur: &R,
) -> Result<Option<Lock>> {
    if cur.status() == WorkflowStatus::Approved || cur.superseded_by().is_some() {
        return Ok(Some(Lock::Approved));
    }
    Ok(closed_by(conn, period_of(cur)?)
        .await?
        .map(|(period, reason)| Lock::PeriodClosed { period, reason }))
}

/// The audit actions (`{kind}.{action}`) that write a record's content: its creation, an edit of
/// a draft or returned record (forms, imports and workbooks all save through the same functions),
/// and a correction (a new row).
const CONTENT_ACTIONS: [&str; 3] = ["create", "update", "correct"];

/// Everyone who wrote the content of a record, from its audit events: nobody approves what they
/// entered or edited, whoever submitted it.
pub(crate) async fn content_authors(
    conn: &mut AnyConnection,
    kind: &str,
    id: i64,
) -> Result<Vec<String>> {
    let [a, b, c] = CONTENT_ACTIONS.map(|a| format!("{kind}.{a}"));
    let rows = sqlx::query(
        "SELECT DISTINCT actor FROM audit_events WHERE entity = $1 AND action IN ($2, $3, $4)",
    )
    .bind(format!("{kind}:{id}"))
    .bind(a)
    .bind(b)
    .bind(c)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok(r.try_get::<String, _>(0)?))
        .collect()
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

/// Writes a review row (a step, or a participant's comment) and its audit event: `review:<id>`
/// (action `review.<step>`) for a step, `comment:<id>` (action `<kind>.comment`) for a comment.
/// The review history decides who may approve (nobody approves their own submission), so its
/// rows are audited like any other ([`REVIEWS`], `value::COMMENTS`).
pub(crate) async fn add_review(
    w: &mut WriteTx,
    kind: &str,
    id: i64,
    action: &str,
    actor: &Actor,
    reason: &str,
) -> Result<i64> {
    let review_id = insert_review(w, kind, id, action, actor, reason).await?;
    let entry = crate::value::ReviewEntry {
        id: review_id,
        entity_kind: kind.to_owned(),
        entity_id: id,
        action: action.to_owned(),
        actor: actor.name.clone(),
        reason: reason.to_owned(),
        at: w.at.clone(),
    };
    let (event, entity) = if action == "comment" {
        (format!("{kind}.comment"), format!("comment:{review_id}"))
    } else {
        (format!("review.{action}"), format!("review:{review_id}"))
    };
    w.audit(
        actor,
        &event,
        &entity,
        None,
        Some(&serde_json::to_value(&entry).unwrap_or_default()),
    )
    .await?;
    Ok(review_id)
}

async fn insert_review(
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

/// Review steps written before review rows were audited have no event of their own. The first
/// time the store opens after migration `0020_reviews_adopted`, each gets one `review.adopt`
/// event by `system`, and the flag `store_state.reviews_adopted` is set in the same
/// transaction: `audit verify` vouches for those rows from that moment on (not for what
/// happened to them before, which the chain never saw), and the adoption itself is in the log.
/// It happens once: a row added behind the application's back later is reported, never adopted.
pub(crate) async fn adopt_unaudited(store: &crate::Store) -> Result<usize> {
    let adopted: i64 =
        sqlx::query_scalar("SELECT CAST(reviews_adopted AS BIGINT) FROM store_state WHERE id = 1")
            .fetch_one(store.pool())
            .await?;
    if adopted != 0 {
        return Ok(0);
    }
    let rows = sqlx::query(
        "SELECT id, entity_kind, entity_id, action, actor, reason, at FROM reviews r \
         WHERE action <> 'comment' AND NOT EXISTS (SELECT 1 FROM audit_events e \
         WHERE e.entity = 'review:' || CAST(r.id AS TEXT)) ORDER BY id",
    )
    .fetch_all(store.pool())
    .await?;
    let entries = rows
        .iter()
        .map(crate::value::review_from_row)
        .collect::<Result<Vec<_>>>()?;
    let mut w = store.begin_write().await?;
    for entry in &entries {
        w.audit(
            &Actor::system(),
            "review.adopt",
            &format!("review:{}", entry.id),
            None,
            Some(&serde_json::to_value(entry).unwrap_or_default()),
        )
        .await?;
    }
    sqlx::query("UPDATE store_state SET reviews_adopted = 1 WHERE id = 1")
        .execute(&mut *w.tx)
        .await?;
    w.commit().await?;
    Ok(entries.len())
}

/// The review steps (not the comments, which are `value::COMMENTS`), as the audit verifier
/// compares them.
async fn audited_reviews(conn: &mut AnyConnection) -> Result<Vec<(String, serde_json::Value)>> {
    crate::audited::table_snapshots(
        conn,
        "review",
        "SELECT id, entity_kind, entity_id, action, actor, reason, at FROM reviews \
         WHERE action <> 'comment'",
        crate::value::review_from_row,
        |r| r.id.to_string(),
    )
    .await
}

pub(crate) const REVIEWS: crate::audited::AuditedTable = crate::audited::AuditedTable {
    kinds: &["review"],
    rows: |c| Box::pin(audited_reviews(c)),
};

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
