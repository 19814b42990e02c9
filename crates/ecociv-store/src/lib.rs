//! The storage of ecociv: the only crate with SQL.
//!
//! It keeps the plan and catalogue versions, accounts and sessions, reported values with their
//! review workflow, task progress updates, evidence files, assigned targets and the hash-chained
//! audit log, on SQLite (one file, WAL) or PostgreSQL, chosen by the URL scheme.
//!
//! # Key decisions
//!
//! * **One portable SQL dialect over `sqlx::AnyPool`.** `$1` placeholders, `RETURNING`, partial
//!   indexes and `ON CONFLICT` work on both backends. The portable driver knows only integers,
//!   floats, text and blobs, so timestamps are RFC 3339 text (UTC, microseconds: text order is
//!   time order), numbers people typed are decimal text and flags are 0/1. Each backend has its
//!   own migration folder (`migrations/sqlite`, `migrations/postgres`) describing the same tables.
//! * **Every write is one transaction together with its audit event(s).** A write begins by
//!   updating the single `store_state` row (`BEGIN IMMEDIATE` on SQLite; the row lock on
//!   PostgreSQL), which serializes writers, so the audit chain cannot fork, and bumps the data
//!   generation that evaluation caches are keyed on. See [`audit`].
//! * **Optimistic concurrency.** Editable rows carry a `version`; a write names the version it
//!   read and gets [`StoreError::Conflict`] with the current state when it is stale.
//! * **Approved values are immutable.** A correction is a new row with a reason that goes through
//!   review again; the approved row stays in force until the correction is approved.
//! * **Authorization is not done here.** Callers (the web policy, the CLI) decide who may do
//!   what; the store records who did it ([`Actor`]) and enforces the workflow rules that hold
//!   whoever asks (locked approvals, closed periods, versions, value ranges).
//!
//! What does not belong here: HTTP, HTML, cookies (the web crate turns sessions into cookies),
//! and the domain rules of evaluation (that is `ecociv-core`; [`Store::evaluation`] only loads
//! the inputs and caches the result).

use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};

pub mod assigned;
pub mod audit;
mod audited;
pub mod backup;
pub mod demo;
mod error;
pub mod eval;
pub mod evidence;
pub mod import;
pub mod model;
pub mod period;
pub mod review;
pub mod session;
pub mod task;
pub mod testing;
mod tx;
pub mod user;
pub mod value;
mod verify;
pub mod workbook;

pub use assigned::{AssignedInput, AssignedRecord};
pub use audit::{AuditEvent, AuditFilter, AuditHead, BrokenLink, VerifyReport};
pub use error::{BUSY_RETRY_AFTER_SECS, FieldError, StoreError};
pub use eval::{
    CacheCounts, EvaluationInputs, EvaluationSnapshot, Keep, Publication, Seen, Selection, ValueRef,
};
pub use evidence::{EvidenceKind, EvidenceLink, EvidenceMeta, EvidenceTarget};
pub use import::{ImportOptions, ImportReport, ImportSummary, PreparedImport};
pub use model::Model;
pub use period::PeriodState;
pub use review::Transition;
pub use review::WorkflowStatus;
pub use session::{NewSession, SessionInfo};
pub use task::{TaskState, TaskUpdate, TaskUpdateFilter, TaskUpdateInput};
pub use user::{LoginError, NewUser, Role, User, UserUpdate};
pub use value::{DataValue, Provenance, ReviewEntry, ValueFilter, ValueInput};
pub use workbook::{
    WorkbookError, WorkbookImport, WorkbookOptions, WorkbookReport, WorkbookSummary, WorkbookTask,
    WorkbookValue,
};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a database URL names: `sqlite:…` or `postgres://…` / `postgresql://…`.
    pub fn of_url(url: &str) -> Result<Backend> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::invalid(
                "database",
                ecociv_i18n::Msg::UnsupportedDatabase {
                    url: redact_url(url),
                },
            ))
        }
    }
}

/// The URL without its password, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// A source of the current time. The store never reads the clock directly, so tests can move
/// time (session expiry, lockouts).
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to, for tests.
#[derive(Debug)]
pub struct ManualClock(std::sync::Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> ManualClock {
        ManualClock(std::sync::Mutex::new(start))
    }

    pub fn advance(&self, by: chrono::Duration) {
        let mut t = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *t += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Formats a time the way the store keeps it: RFC 3339, UTC, microseconds, `Z`.
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Parses a stored timestamp.
pub fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Who does something: recorded in the audit log and on the rows they change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The account, when a person acts; `None` for the system and the command line.
    pub user_id: Option<i64>,
    /// The user name, or `system` / `cli:<name>`.
    pub name: String,
}

impl Actor {
    /// The store itself (migrations, built-in data).
    pub fn system() -> Actor {
        Actor {
            user_id: None,
            name: "system".into(),
        }
    }

    /// An operator at the command line.
    pub fn cli(who: &str) -> Actor {
        Actor {
            user_id: None,
            name: format!("cli:{who}"),
        }
    }

    pub fn user(user: &User) -> Actor {
        Actor {
            user_id: Some(user.id),
            name: user.username.clone(),
        }
    }
}

/// Settings of a store; [`StoreConfig::default`] is what `ecociv serve` uses.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// The plan to load instead of the built-in one: (file name, TOML text). When it differs from
    /// the active plan, it is stored as a new plan version and activated.
    pub plan: Option<(String, String)>,
    /// Largest evidence file accepted, in bytes.
    pub max_evidence_bytes: usize,
    /// A session ends after this long without a request.
    pub session_idle: Duration,
    /// A session ends this long after login, however active.
    pub session_absolute: Duration,
    /// Failed logins in a row before an account is locked.
    pub max_failed_logins: i64,
    /// How long a locked account stays locked.
    pub lockout: Duration,
    /// Passwords older than this must be changed before anything else (`None`: no expiry).
    /// With it set, a password its user did not choose (initial, reset by someone else) must be
    /// changed at once too.
    pub password_max_age: Option<Duration>,
    /// Pool size.
    pub max_connections: u32,
    /// How long a write waits for the database's write lock (SQLite `busy_timeout` and this
    /// process's queue of writers; PostgreSQL `lock_timeout` of writer transactions) before it
    /// gives up with [`StoreError::Busy`]. Bulk imports hold the lock only for their final,
    /// batched write.
    pub busy_timeout: Duration,
}

/// The default [`StoreConfig::busy_timeout`].
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// SQLite settings of every connection, set again at the start of each write transaction
/// because a bulk import raises them for its own: a 64 MiB page cache (the default 2 MiB spills
/// dirty pages to the WAL in the middle of a large write) and the default automatic checkpoint
/// every 1,000 WAL pages.
pub(crate) const SQLITE_WRITE_DEFAULTS: &str =
    "PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 1000";

impl Default for StoreConfig {
    fn default() -> StoreConfig {
        StoreConfig {
            plan: None,
            max_evidence_bytes: 20 * 1024 * 1024,
            session_idle: Duration::from_secs(2 * 3600),
            session_absolute: Duration::from_secs(12 * 3600),
            max_failed_logins: 5,
            lockout: Duration::from_secs(15 * 60),
            password_max_age: None,
            max_connections: 8,
            busy_timeout: DEFAULT_BUSY_TIMEOUT,
        }
    }
}

/// The store: a connection pool, the active plan and catalogue, and the evaluation cache.
/// Cheap to clone; every clone shares the same pool and caches.
#[derive(Debug, Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    pool: AnyPool,
    backend: Backend,
    config: StoreConfig,
    clock: Arc<dyn Clock>,
    model: RwLock<Arc<Model>>,
    eval_cache: eval::Cache,
    /// SQLite has one writer at a time; this process's writers take turns here (see `tx.rs`).
    write_turn: Arc<tokio::sync::Mutex<()>>,
}

impl Store {
    /// Opens (creating if needed) and migrates the database at `url`, stores the built-in
    /// catalogue and plan on first start (or `config.plan`), and loads the active ones.
    pub async fn open(url: &str, config: StoreConfig) -> Result<Store> {
        Store::open_with_clock(url, config, Arc::new(SystemClock)).await
    }

    /// [`Store::open`] with a given clock.
    pub async fn open_with_clock(
        url: &str,
        config: StoreConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<Store> {
        let backend = Backend::of_url(url)?;
        let pool = connect_with(url, backend, config.max_connections, config.busy_timeout).await?;
        migrate(&pool, backend).await?;
        let model = model::bootstrap(&pool, backend, clock.as_ref(), config.plan.as_ref()).await?;
        let store = Store {
            inner: Arc::new(Inner {
                pool,
                backend,
                config,
                clock,
                model: RwLock::new(Arc::new(model)),
                eval_cache: eval::Cache::default(),
                write_turn: Arc::new(tokio::sync::Mutex::new(())),
            }),
        };
        review::adopt_unaudited(&store).await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    pub fn config(&self) -> &StoreConfig {
        &self.inner.config
    }

    /// The underlying pool, for tests and tools that inspect the database directly.
    pub fn pool(&self) -> &AnyPool {
        &self.inner.pool
    }

    /// A read-only transaction over one snapshot of the database (SQLite: a read transaction,
    /// which sees one WAL snapshot; PostgreSQL: repeatable read), for reads that must agree with
    /// each other while writers go on.
    pub(crate) async fn begin_snapshot(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        let begin = match self.backend() {
            Backend::Sqlite => "BEGIN",
            Backend::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        };
        Ok(self.pool().begin_with(begin).await?)
    }

    /// The store's clock: callers that need "today" (due dates, overdue reports) ask here, so
    /// tests that move the clock move them too.
    pub fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    /// Closes the pool; outstanding clones stop working.
    pub async fn close(&self) {
        self.inner.pool.close().await;
    }

    /// The schema's state for a readiness probe: the newest migration this build knows, and the
    /// newest one the database has applied (an error when the database does not answer).
    pub async fn schema_versions(&self) -> Result<(i64, i64)> {
        let migrator = match self.inner.backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
        };
        let known = migrator.iter().map(|m| m.version).max().unwrap_or(0);
        let applied: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM _sqlx_migrations WHERE success",
        )
        .fetch_one(&self.inner.pool)
        .await?;
        Ok((known, applied))
    }

    /// The database pool now: connections open, and idle among them.
    pub fn pool_counts(&self) -> (u32, usize) {
        (self.inner.pool.size(), self.inner.pool.num_idle())
    }

    /// What the evaluation cache has done since the store opened.
    pub fn eval_cache_counts(&self) -> eval::CacheCounts {
        self.inner.eval_cache.counts()
    }

    /// The data generation: a counter every write bumps in its own transaction.
    /// The generation of the last write that changed what an evaluation reads (values, their
    /// reviews, publication, assigned targets, the model); sign-ins do not move it. Results
    /// computed from those inputs at this generation stay valid until it moves.
    pub async fn inputs_generation(&self) -> Result<i64> {
        let row = sqlx::query("SELECT inputs_generation FROM store_state WHERE id = 1")
            .fetch_one(&self.inner.pool)
            .await?;
        Ok(row.try_get::<i64, _>(0)?)
    }

    pub async fn generation(&self) -> Result<i64> {
        let row = sqlx::query("SELECT generation FROM store_state WHERE id = 1")
            .fetch_one(&self.inner.pool)
            .await?;
        Ok(row.try_get::<i64, _>(0)?)
    }
}

/// Applies the embedded migrations of the backend.
pub(crate) async fn migrate(pool: &AnyPool, backend: Backend) -> Result<()> {
    match backend {
        Backend::Sqlite => sqlx::migrate!("./migrations/sqlite").run(pool).await?,
        Backend::Postgres => sqlx::migrate!("./migrations/postgres").run(pool).await?,
    }
    Ok(())
}

pub(crate) async fn connect(url: &str, backend: Backend, max: u32) -> Result<AnyPool> {
    connect_with(url, backend, max, DEFAULT_BUSY_TIMEOUT).await
}

pub(crate) async fn connect_with(
    url: &str,
    backend: Backend,
    max: u32,
    busy_timeout: Duration,
) -> Result<AnyPool> {
    sqlx::any::install_default_drivers();
    // A new SQLite file is created here, readable by its owner only, before SQLite opens it;
    // SQLite gives the -wal and -shm files it creates the database file's permissions.
    let created = match backend {
        Backend::Sqlite => create_private_sqlite_file(url)?,
        Backend::Postgres => None,
    };
    let url = match backend {
        Backend::Sqlite => sqlite_url(url),
        Backend::Postgres => url.to_owned(),
    };
    let mut opts = AnyPoolOptions::new()
        .max_connections(max.max(2))
        .acquire_timeout(Duration::from_secs(30));
    if backend == Backend::Sqlite {
        // Per connection: relaxed fsync is safe in WAL mode (a crash loses at most the last
        // transactions, never consistency), and writers wait for each other, up to the busy
        // timeout, instead of failing at once.
        let busy_ms = busy_timeout.as_millis().clamp(1, i32::MAX as u128);
        opts = opts.after_connect(move |conn, _| {
            Box::pin(async move {
                sqlx::query("PRAGMA synchronous = NORMAL")
                    .execute(&mut *conn)
                    .await?;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "PRAGMA busy_timeout = {busy_ms}"
                )))
                .execute(&mut *conn)
                .await?;
                sqlx::query("PRAGMA foreign_keys = ON")
                    .execute(&mut *conn)
                    .await?;
                // Sorts and statement journals in memory rather than in temporary files.
                sqlx::query("PRAGMA temp_store = MEMORY")
                    .execute(&mut *conn)
                    .await?;
                sqlx::raw_sql(SQLITE_WRITE_DEFAULTS)
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        });
    }
    let pool = opts.connect(&url).await.map_err(|e| {
        StoreError::Open(format!(
            "无法打开数据库 {}: {e}",
            redact_url(&url).trim_end_matches("?mode=rwc")
        ))
    })?;
    if backend == Backend::Sqlite {
        // WAL is a property of the file: readers never block the writer, and the other way round.
        sqlx::query("PRAGMA journal_mode = WAL")
            .fetch_all(&pool)
            .await?;
        if let Some(path) = &created {
            for suffix in ["-wal", "-shm"] {
                let mut side = path.clone().into_os_string();
                side.push(suffix);
                make_private(std::path::Path::new(&side))?;
            }
        }
    }
    Ok(pool)
}

/// The file of a SQLite URL (`sqlite:PATH`, `sqlite://PATH`, percent-decoded, without the query),
/// or `None` for an in-memory database.
pub(crate) fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let (db, params) = rest.split_once('?').unwrap_or((rest, ""));
    if db.is_empty() || db == ":memory:" || params.split('&').any(|p| p == "mode=memory") {
        return None;
    }
    let bytes = db.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok().map(std::path::PathBuf::from)
}

/// Creates the file of a SQLite URL when it does not exist yet, with mode 0600 on Unix; returns
/// its path when it did.
fn create_private_sqlite_file(url: &str) -> Result<Option<std::path::PathBuf>> {
    let Some(path) = sqlite_file(url) else {
        return Ok(None);
    };
    if path.exists() {
        return Ok(None);
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    match opts.open(&path) {
        Ok(_) => Ok(Some(path)),
        // Created meanwhile by someone else: theirs to set.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(None),
        Err(e) => Err(StoreError::Open(format!(
            "无法创建数据库文件 {}: {e}",
            path.display()
        ))),
    }
}

/// Restricts a file to its owner (mode 0600) on Unix, when it exists.
pub(crate) fn make_private(path: &std::path::Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        match std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(StoreError::Open(format!(
                    "无法设置 {} 的权限: {e}",
                    path.display()
                )));
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// `sqlite:PATH` → `sqlite:PATH?mode=rwc` so the file is created on first start.
fn sqlite_url(url: &str) -> String {
    if url.contains("mode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

/// Reads an optional text column.
pub(crate) fn opt_text(row: &AnyRow, col: &str) -> Result<Option<String>, sqlx::Error> {
    row.try_get::<Option<String>, _>(col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_backend_and_passwords_are_hidden() {
        assert_eq!(Backend::of_url("sqlite:x.db").unwrap(), Backend::Sqlite);
        assert_eq!(
            Backend::of_url("postgres://u@h/db").unwrap(),
            Backend::Postgres
        );
        assert!(Backend::of_url("mysql://u@h/db").is_err());
        assert_eq!(
            redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(sqlite_url("sqlite:a.db"), "sqlite:a.db?mode=rwc");
        let file = |u: &str| sqlite_file(u).map(|p| p.display().to_string());
        assert_eq!(file("sqlite:data.db").as_deref(), Some("data.db"));
        assert_eq!(
            file("sqlite:///srv/e/a%3Fb.db?mode=rwc").as_deref(),
            Some("/srv/e/a?b.db")
        );
        assert_eq!(file("sqlite::memory:"), None);
        assert_eq!(file("sqlite://?mode=memory"), None);
    }

    #[test]
    fn timestamps_sort_as_text_in_time_order() {
        let a = parse_timestamp("2026-01-02T03:04:05.000001Z").unwrap();
        let b = a + chrono::Duration::microseconds(1);
        assert!(timestamp(a) < timestamp(b));
        assert_eq!(parse_timestamp(&timestamp(a)), Some(a));
    }
}
