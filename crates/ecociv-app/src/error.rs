//! The one error of every use case: what went wrong, typed, with its message from the catalogue.
//! The JSON API renders it as `{"code", "message", "details"}` with an HTTP status; the pages
//! render it beside the form it came from or as an error page; the command line prints it. None
//! of them parses another's rendering.

use ecociv_i18n::{Lang, Msg};
use ecociv_store::{LoginError, StoreError};
use serde_json::{Value, json};

/// An import refused as a whole: every problem located (row, or sheet and cell), nothing written.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    pub file: String,
    /// Each problem in one line, located, as the pages list them.
    pub problems: Vec<String>,
    /// The structured report (`{file, errors: [...]}`) the API returns as `details`.
    pub details: Value,
    /// A workbook (cells) rather than a CSV file (rows).
    pub workbook: bool,
    /// The whole report as the command line prints it: a summary line, then one line per
    /// problem.
    pub report: String,
}

/// A report as people read it: the summary, then each problem indented on its own line.
pub(crate) fn report_text(summary: &str, problems: &[String]) -> String {
    let mut s = format!("{summary}：\n");
    for p in problems {
        s.push_str(&format!("  {p}\n"));
    }
    s
}

impl Rejection {
    /// 「工作簿有 3 处错误，未导入任何数据：」, to stand above the list of problems.
    pub fn summary(&self) -> Msg {
        Msg::RejectedSummary {
            workbook: self.workbook,
            count: self.problems.len(),
        }
    }

    /// 「f.xlsx 有 3 处错误，未导入任何数据：…」 with the first three problems.
    pub fn message(&self) -> Msg {
        let mut first = self
            .problems
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join("；");
        if self.problems.len() > 3 {
            first.push_str("……");
        }
        if self.workbook {
            Msg::WorkbookRejected {
                file: self.file.clone(),
                count: self.problems.len(),
                first,
            }
        } else {
            Msg::ImportRejected {
                file: String::new(),
                count: self.problems.len(),
                first,
            }
        }
    }
}

/// Why a use case did not do what was asked.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AppError {
    /// Nobody is signed in and the use case needs someone.
    #[error("{}", Msg::SignInRequired)]
    Unauthenticated,
    /// The caller may not: the message says who, what and why.
    #[error("{0}")]
    Forbidden(Msg),
    #[error("{0}")]
    NotFound(Msg),
    /// A bad field; nothing changed.
    #[error("{message}")]
    Invalid { field: String, message: Msg },
    /// A stale write: `current` is the record as it is now.
    #[error("{message}")]
    Conflict { message: Msg, current: Value },
    /// The input is fine but the workflow refuses it now (a locked value, a closed period).
    #[error("{0}")]
    Workflow(Msg),
    /// A file or body over the configured limit.
    #[error("{}", Msg::BodyTooLarge { limit: *limit })]
    TooLarge { limit: usize },
    /// An import refused as a whole.
    #[error("{}", .0.message())]
    Rejected(Rejection),
    /// A password attempt refused: a login (always `locked` false: one answer for every
    /// reason), or a signed-in user's guess at their current password while their address is
    /// locked out (`locked` true).
    #[error("{message}")]
    Login { message: Msg, locked: bool },
    /// The service cannot do this now (the report's fonts are missing).
    #[error("{0}")]
    Unavailable(Msg),
    /// Another write holds the database's write lock too long (a bulk import, a backup): nothing
    /// was changed, and the same request can be sent again after `retry_after` seconds.
    #[error("{}", Msg::DatabaseBusy { seconds: *retry_after })]
    Busy { retry_after: u64 },
    /// The database or the machine failed; the cause is logged, the user gets an id.
    #[error("{0}")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn invalid(field: &str, message: Msg) -> AppError {
        AppError::Invalid {
            field: field.to_owned(),
            message,
        }
    }

    /// A stable machine-readable code: `unauthorized`, `forbidden`, `not_found`, `invalid`,
    /// `conflict`, `workflow`, `too_large`, `import_rejected`, `locked`, `unavailable`, `busy`,
    /// `internal`; `password_expired` for a session that must change its password first.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "unauthorized",
            AppError::Forbidden(Msg::PasswordChangeRequired) => "password_expired",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::Invalid { .. } => "invalid",
            AppError::Conflict { .. } => "conflict",
            AppError::Workflow(_) => "workflow",
            AppError::TooLarge { .. } => "too_large",
            AppError::Rejected(_) => "import_rejected",
            AppError::Login { locked: true, .. } => "locked",
            AppError::Login { locked: false, .. } => "unauthorized",
            AppError::Unavailable(_) => "fonts_missing",
            AppError::Busy { .. } => "busy",
            AppError::Internal(_) => "internal",
        }
    }

    /// The message for a reader of `lang`. An internal error says only that one happened, with
    /// the id of the log line that holds the cause.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            AppError::Unauthenticated => Msg::SignInRequired.text(lang),
            AppError::Forbidden(m)
            | AppError::NotFound(m)
            | AppError::Workflow(m)
            | AppError::Unavailable(m) => m.text(lang),
            AppError::Invalid { message, .. }
            | AppError::Conflict { message, .. }
            | AppError::Login { message, .. } => message.text(lang),
            AppError::TooLarge { limit } => Msg::BodyTooLarge { limit: *limit }.text(lang),
            AppError::Rejected(r) => r.message().text(lang),
            AppError::Busy { retry_after } => Msg::DatabaseBusy {
                seconds: *retry_after,
            }
            .text(lang),
            AppError::Internal(id) => Msg::Internal { id: id.clone() }.text(lang),
        }
    }

    /// More, as JSON: the field, the current record of a conflict, an import's report.
    pub fn details(&self) -> Value {
        match self {
            AppError::Invalid { field, .. } => json!({ "field": field }),
            AppError::Conflict { current, .. } => json!({ "current": current }),
            AppError::TooLarge { limit } => json!({ "limit": limit }),
            AppError::Rejected(r) => r.details.clone(),
            // The number the message quotes and the log line carries, for programs.
            AppError::Internal(id) => json!({ "error_id": id }),
            AppError::Busy { retry_after } => json!({ "retry_after": retry_after }),
            _ => Value::Null,
        }
    }

    /// Whether the caller is at fault (as opposed to the server).
    pub fn is_client_error(&self) -> bool {
        !matches!(self, AppError::Internal(_) | AppError::Busy { .. })
    }

    /// A server-side failure: logged once, here, with an id the user can quote.
    pub fn internal(cause: impl std::fmt::Display) -> AppError {
        let id = format!("{:08x}", error_id());
        tracing::error!(error_id = %id, "internal error: {cause}");
        AppError::Internal(id)
    }
}

fn error_id() -> u32 {
    // Not security relevant: only to correlate a report with the log line.
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() ^ (d.as_secs() as u32))
        .unwrap_or(0);
    t.wrapping_mul(2_654_435_761)
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        match e {
            StoreError::NotFound { what, key } => AppError::NotFound(Msg::NotFound { what, key }),
            StoreError::Conflict { message, current } => AppError::Conflict { message, current },
            StoreError::Invalid(f) => AppError::Invalid {
                field: f.field,
                message: f.message,
            },
            StoreError::State(m) => AppError::Workflow(m),
            StoreError::Import(report) => {
                let problems: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
                AppError::Rejected(Rejection {
                    file: report.file.clone(),
                    report: report_text(
                        &format!(
                            "{} 有 {} 处错误，未导入任何数据（共 {} 行）",
                            report.file,
                            problems.len(),
                            report.rows
                        ),
                        &problems,
                    ),
                    problems,
                    details: serde_json::to_value(&report).unwrap_or_default(),
                    workbook: false,
                })
            }
            StoreError::Workbook(report) => {
                let problems: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
                AppError::Rejected(Rejection {
                    file: report.file.clone(),
                    report: report_text(
                        &format!("{} 有{}处错误，未导入任何数据", report.file, problems.len()),
                        &problems,
                    ),
                    problems,
                    details: serde_json::to_value(&report).unwrap_or_default(),
                    workbook: true,
                })
            }
            StoreError::TooLarge { limit, .. } => AppError::TooLarge { limit },
            StoreError::Model(m) => AppError::invalid("file", m),
            StoreError::Busy => {
                tracing::warn!("a write waited too long for the database's write lock");
                AppError::Busy {
                    retry_after: ecociv_store::BUSY_RETRY_AFTER_SECS,
                }
            }
            StoreError::Database(_)
            | StoreError::Migrate(_)
            | StoreError::Open(_)
            | StoreError::Io(_) => AppError::internal(e),
        }
    }
}

impl From<LoginError> for AppError {
    /// A refused login, before anyone is authenticated: one answer whatever the reason (unknown
    /// name, wrong password, this address locked out of the account, a disabled account), so
    /// that nobody learns from it which accounts exist or what state they are in.
    fn from(e: LoginError) -> AppError {
        match e {
            LoginError::InvalidCredentials | LoginError::Locked { .. } | LoginError::Disabled => {
                AppError::Login {
                    message: Msg::InvalidCredentials,
                    locked: false,
                }
            }
            LoginError::Store(s) => s.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_render_in_both_languages_with_their_code() {
        let e = AppError::from(StoreError::not_found(ecociv_i18n::Noun::Value, 7));
        assert_eq!(e.code(), "not_found");
        assert_eq!(e.message(Lang::Zh), "数据“7”不存在");
        assert_eq!(e.message(Lang::En), "The value “7” does not exist");
        let e = AppError::Unauthenticated;
        assert!(e.message(Lang::En).starts_with("Sign in"));
        let e = AppError::invalid("comment", Msg::CommentTooLong { max: 2000 });
        assert_eq!(e.details()["field"], "comment");
    }
}
