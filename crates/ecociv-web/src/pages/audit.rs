//! 审计: the audit log, newest first, filterable by entity (`value:17` or a kind such as `value`)
//! and actor, paged backwards by sequence number. Each event shows which fields changed.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use ecociv_app::AuditFilter;
use ecociv_app::policy::Action;
use ecociv_i18n::Msg;
use serde_json::Value;

use super::{Ctx, Layout, PageError, Section, fmt_time, non_empty, render};
use crate::error::ApiError;
use crate::state::AppState;

/// Events per page.
const PAGE_SIZE: i64 = 50;

#[derive(Debug, Default, serde::Deserialize)]
pub struct AuditQuery {
    entity: Option<String>,
    actor: Option<String>,
    before: Option<String>,
    /// `1`: verify the chain too (those who may, [`Action::VerifyAudit`]).
    verify: Option<String>,
}

/// The result of verifying the chain, as the page shows it.
#[derive(Debug)]
struct Verified {
    intact: bool,
    text: String,
}

#[derive(Debug)]
struct EventRow {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    entity: String,
    changes: Vec<String>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    page: Layout,
    entity: String,
    actor: String,
    events: Vec<EventRow>,
    older: Option<String>,
    paged: bool,
    can_verify: bool,
    verified: Option<Verified>,
}

/// A short text of a JSON value for the change list.
fn short(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Null => "∅".into(),
        other => other.to_string(),
    };
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

/// The fields that differ between the states before and after an event.
fn changes(before: Option<&Value>, after: Option<&Value>, deleted: &str) -> Vec<String> {
    match (before, after) {
        (Some(Value::Object(b)), Some(Value::Object(a))) => {
            let mut out: Vec<String> = a
                .iter()
                .filter(|(k, v)| b.get(*k) != Some(*v))
                .filter(|(k, _)| !matches!(k.as_str(), "updated_at" | "updated_by"))
                .map(|(k, v)| {
                    format!(
                        "{k}: {} → {}",
                        short(b.get(k).unwrap_or(&Value::Null)),
                        short(v)
                    )
                })
                .collect();
            out.extend(
                b.keys()
                    .filter(|k| !a.contains_key(*k))
                    .map(|k| format!("{k}: {} → ∅", short(&b[k]))),
            );
            out
        }
        (None, Some(Value::Object(a))) => a
            .iter()
            .filter(|(k, _)| {
                matches!(
                    k.as_str(),
                    "indicator"
                        | "region"
                        | "period"
                        | "value"
                        | "status"
                        | "username"
                        | "role"
                        | "task"
                        | "unit"
                        | "threshold"
                        | "document"
                        | "filename"
                        | "name"
                )
            })
            .map(|(k, v)| format!("{k}: {}", short(v)))
            .collect(),
        (Some(_), None) => vec![deleted.into()],
        _ => Vec::new(),
    }
}

pub async fn log(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<AuditQuery>,
) -> Result<Response, PageError> {
    ctx.require(Action::ReadAudit)?;
    let before = match non_empty(&q.before) {
        Some(b) => Some(b.parse::<i64>().map_err(|_| {
            ApiError::invalid("before", Msg::InvalidVersionNumber { text: b.to_owned() })
        })?),
        None => None,
    };
    let events = state
        .app
        .audit_events(
            &ctx.caller(),
            &AuditFilter {
                before_seq: before,
                entity: non_empty(&q.entity).map(str::to_owned),
                actor: non_empty(&q.actor).map(str::to_owned),
                limit: Some(PAGE_SIZE),
            },
        )
        .await?;
    let older = (events.len() as i64 == PAGE_SIZE)
        .then(|| events.last().map(|e| e.seq))
        .flatten()
        .map(|seq| {
            let mut s = form_urlencoded::Serializer::new(String::new());
            if let Some(e) = non_empty(&q.entity) {
                s.append_pair("entity", e);
            }
            if let Some(a) = non_empty(&q.actor) {
                s.append_pair("actor", a);
            }
            s.append_pair("before", &seq.to_string());
            format!("/audit?{}", s.finish())
        });
    let rows = events
        .iter()
        .map(|e| EventRow {
            seq: e.seq,
            at: fmt_time(&e.at),
            actor: e.actor.clone(),
            action: e.action.clone(),
            entity: e.entity.clone(),
            changes: changes(e.before.as_ref(), e.after.as_ref(), ctx.t().aud_deleted),
        })
        .collect();
    let can_verify = ctx.can(Action::VerifyAudit);
    let verified = match non_empty(&q.verify) {
        Some(_) if can_verify => {
            let t = ctx.t();
            let r = state.app.verify_audit(&ctx.caller()).await?;
            Some(match &r.broken {
                None => Verified {
                    intact: true,
                    text: format!(
                        "{}{}{}{} · {}{}",
                        t.aud_verify_ok,
                        t.colon,
                        r.events,
                        t.aud_verify_events,
                        r.rows_checked,
                        t.aud_verify_rows
                    ),
                },
                Some(b) => Verified {
                    intact: false,
                    text: format!("{}{}{b}", t.aud_verify_broken, t.colon),
                },
            })
        }
        _ => None,
    };
    let page = Layout::new(&state, &ctx, Section::Audit, ctx.t().aud_title).await?;
    Ok(render(
        StatusCode::OK,
        &AuditPage {
            can_verify,
            verified,
            page,
            entity: non_empty(&q.entity).unwrap_or("").to_owned(),
            actor: non_empty(&q.actor).unwrap_or("").to_owned(),
            events: rows,
            older,
            paged: before.is_some(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_change_lists_the_fields_that_differ() {
        let b = json!({"status": "submitted", "version": 2, "value": "93.1", "updated_at": "x"});
        let a = json!({"status": "approved", "version": 3, "value": "93.1", "updated_at": "y"});
        let c = changes(Some(&b), Some(&a), "deleted");
        assert_eq!(c, ["status: submitted → approved", "version: 2 → 3"]);
    }
}
