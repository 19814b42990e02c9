//! The store's errors. Every message a user can see is an [`ecociv_i18n::Msg`] naming the field,
//! rendered in the reader's language by whoever shows it; `Display` gives the Chinese text for
//! logs and the command line.

use ecociv_i18n::{Msg, Noun};

use crate::import::ImportReport;
use crate::workbook::WorkbookReport;

/// A problem with one field of an input.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: Msg,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The thing asked for does not exist.
    #[error("{}", not_found_msg(*.what, .key))]
    NotFound { what: Noun, key: String },
    /// A stale write: the row changed since the caller read it. `current` is the row as it is now.
    #[error("{message}")]
    Conflict {
        message: Msg,
        current: serde_json::Value,
    },
    /// The input is wrong; nothing was changed.
    #[error("{}", .0.message)]
    Invalid(FieldError),
    /// The input is fine but the workflow forbids it now (a locked approval, a closed period).
    #[error("{0}")]
    State(Msg),
    /// An all-or-nothing import with bad rows; nothing was written.
    #[error("导入文件有 {} 处错误，未导入任何数据", .0.errors.len())]
    Import(ImportReport),
    /// An all-or-nothing workbook import with refused rows (each with sheet and cell); nothing
    /// was written.
    #[error("{} 有 {} 处错误，未导入任何数据", .0.file, .0.errors.len())]
    Workbook(WorkbookReport),
    /// A file or body over the configured limit.
    #[error("{}", Msg::FileTooLarge { size: *size, limit: *limit })]
    TooLarge { size: usize, limit: usize },
    /// The plan or catalogue text does not load.
    #[error("{0}")]
    Model(Msg),
    /// The database could not be opened.
    #[error("{0}")]
    Open(String),
    /// A write could not get the database's write lock in time (SQLite `SQLITE_BUSY` /
    /// "database is locked", PostgreSQL `lock_timeout` or `statement_timeout`, no free pool
    /// connection): nothing was changed, and the same request can be sent again shortly.
    #[error("{}", Msg::DatabaseBusy { seconds: BUSY_RETRY_AFTER_SECS })]
    Busy,
    #[error("数据库错误: {0}")]
    Database(sqlx::Error),
    #[error("数据库迁移失败: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Reading or writing a backup file.
    #[error("{0}")]
    Io(String),
}

/// How long a caller refused with [`StoreError::Busy`] is asked to wait before trying again
/// (HTTP `Retry-After`): imports hold the write lock for about a second at most.
pub const BUSY_RETRY_AFTER_SECS: u64 = 2;

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> StoreError {
        if is_busy(&e) {
            StoreError::Busy
        } else {
            StoreError::Database(e)
        }
    }
}

/// Whether a database error means "the lock (or a connection) was not free in time".
fn is_busy(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut => true,
        sqlx::Error::Database(db) => match db.code().as_deref() {
            // PostgreSQL: lock_not_available (lock_timeout), query_canceled (statement_timeout).
            Some("55P03" | "57014") => true,
            // SQLite: the primary result code of SQLITE_BUSY (5) and SQLITE_LOCKED (6), whatever
            // the extended code (SQLITE_BUSY_TIMEOUT, …).
            Some(code) => code
                .parse::<i32>()
                .is_ok_and(|c| matches!(c & 0xff, 5 | 6) && db.message().contains("locked")),
            None => false,
        },
        _ => false,
    }
}

fn not_found_msg(what: Noun, key: &str) -> Msg {
    Msg::NotFound {
        what,
        key: key.to_owned(),
    }
}

impl StoreError {
    pub fn invalid(field: &str, message: Msg) -> StoreError {
        StoreError::Invalid(FieldError {
            field: field.to_owned(),
            message,
        })
    }

    pub fn not_found(what: Noun, key: impl ToString) -> StoreError {
        StoreError::NotFound {
            what,
            key: key.to_string(),
        }
    }

    /// Whether the caller is at fault (a 4xx), as opposed to the database or the machine.
    pub fn is_client_error(&self) -> bool {
        !matches!(
            self,
            StoreError::Database(_)
                | StoreError::Busy
                | StoreError::Migrate(_)
                | StoreError::Open(_)
                | StoreError::Io(_)
        )
    }

    /// Whether a database error is a unique-constraint violation (two writers raced to create
    /// the same row; the loser gets a conflict, never a 500).
    pub(crate) fn is_unique_violation(err: &sqlx::Error) -> bool {
        matches!(err, sqlx::Error::Database(db) if db.kind() == sqlx::error::ErrorKind::UniqueViolation)
    }
}
