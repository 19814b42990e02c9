//! Fresh databases for tests, of this crate and of the crates built on it.
//!
//! * SQLite: a new file in a new temporary directory, removed on drop.
//! * PostgreSQL: a new database `ecociv_test_<random>` on the server named by
//!   `ECOCIV_TEST_POSTGRES_URL` (`.ci/run` sets `postgres://postgres@127.0.0.1:5432/test`),
//!   dropped on drop. Without the variable, [`TestDb::postgres`] prints
//!   `SKIPPED: PostgreSQL tests (set ECOCIV_TEST_POSTGRES_URL)` and returns `None`.
//!
//! Run the same test body on both with [`both_backends!`](crate::both_backends).

use std::path::PathBuf;
use std::sync::Arc;

use rand::RngExt;

use crate::{Clock, Result, Store, StoreConfig, SystemClock};

/// The environment variable naming the PostgreSQL server for tests.
pub const POSTGRES_ENV: &str = "ECOCIV_TEST_POSTGRES_URL";

/// Says once per test binary that the PostgreSQL half was skipped, on the real stderr: the test
/// harness captures `eprintln!` of passing tests, which would hide it.
fn skipped_loudly() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr().lock(),
            "\n*** SKIPPED: PostgreSQL tests (set {POSTGRES_ENV}) ***\n"
        );
    });
}

/// A fresh, migrated database with the built-in plan and catalogue, and a store on it.
#[derive(Debug)]
pub struct TestDb {
    pub store: Store,
    /// The database URL (for a second store, a restore target, raw SQL).
    pub url: String,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    Dir(PathBuf),
    Postgres { admin_url: String, name: String },
}

fn random_suffix() -> String {
    let n: u64 = rand::rng().random();
    format!("{n:016x}")
}

impl TestDb {
    /// A new SQLite database file.
    pub async fn sqlite() -> TestDb {
        TestDb::sqlite_with(StoreConfig::default(), Arc::new(SystemClock)).await
    }

    pub async fn sqlite_with(config: StoreConfig, clock: Arc<dyn Clock>) -> TestDb {
        let (url, cleanup) = TestDb::new_sqlite_url();
        let store = Store::open_with_clock(&url, config, clock)
            .await
            .expect("open a fresh SQLite store");
        TestDb {
            store,
            url,
            cleanup,
        }
    }

    fn new_sqlite_url() -> (String, Cleanup) {
        let dir = std::env::temp_dir().join(format!("ecociv-test-{}", random_suffix()));
        std::fs::create_dir_all(&dir).expect("create a temporary directory");
        let url = format!("sqlite:{}", dir.join("ecociv.db").display());
        (url, Cleanup::Dir(dir))
    }

    /// A URL for another, empty database of the same backend (a restore target), removed with
    /// this one's sibling returned alongside.
    pub async fn empty_sibling(&self) -> Result<EmptyDb> {
        match &self.cleanup {
            Cleanup::Dir(_) => {
                let (url, cleanup) = TestDb::new_sqlite_url();
                Ok(EmptyDb {
                    url,
                    _cleanup: cleanup,
                })
            }
            Cleanup::Postgres { admin_url, .. } => {
                let (url, cleanup) = create_pg_database(admin_url).await?;
                Ok(EmptyDb {
                    url,
                    _cleanup: cleanup,
                })
            }
        }
    }

    /// A new PostgreSQL database, or `None` (with a loud message) when no server is configured.
    pub async fn postgres() -> Option<TestDb> {
        TestDb::postgres_with(StoreConfig::default(), Arc::new(SystemClock)).await
    }

    pub async fn postgres_with(config: StoreConfig, clock: Arc<dyn Clock>) -> Option<TestDb> {
        let Ok(admin_url) = std::env::var(POSTGRES_ENV) else {
            skipped_loudly();
            return None;
        };
        let (url, cleanup) = create_pg_database(&admin_url)
            .await
            .expect("create a PostgreSQL test database");
        let store = Store::open_with_clock(&url, config, clock)
            .await
            .expect("open a fresh PostgreSQL store");
        Some(TestDb {
            store,
            url,
            cleanup,
        })
    }

    /// Runs raw SQL behind the application's back (tamper tests).
    pub async fn raw(&self, sql: &str) {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(self.store.pool())
            .await
            .expect("raw SQL");
    }

    /// The one integer a query returns (`SELECT COUNT(*) …`).
    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_one(self.store.pool())
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// SQLite's plan for a statement (`EXPLAIN QUERY PLAN`, one line per step, parameters left
    /// unbound), or `None` on PostgreSQL, whose plans depend on the values bound.
    pub async fn query_plan(&self, sql: &str) -> Option<Vec<String>> {
        if self.store.backend() != crate::Backend::Sqlite {
            return None;
        }
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")))
            .fetch_all(self.store.pool())
            .await
            .unwrap_or_else(|e| panic!("EXPLAIN QUERY PLAN {sql}: {e}"));
        Some(
            rows.iter()
                .map(|r| sqlx::Row::try_get::<String, _>(r, 3).unwrap_or_default())
                .collect(),
        )
    }
}

impl TestDb {
    /// Takes the database's write lock from a connection of its own, as another process's long
    /// write would (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: the `store_state` row lock), until
    /// [`HeldLock::release`] or drop.
    pub async fn hold_write_lock(&self) -> HeldLock {
        sqlx::any::install_default_drivers();
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&self.url)
            .await
            .expect("a second connection");
        let sql = match self.store.backend() {
            crate::Backend::Sqlite => "BEGIN IMMEDIATE",
            crate::Backend::Postgres => {
                "BEGIN; UPDATE store_state SET generation = generation WHERE id = 1"
            }
        };
        sqlx::raw_sql(sql)
            .execute(&mut conn)
            .await
            .expect("take the write lock");
        HeldLock { conn }
    }
}

/// The write lock, held by a connection outside the store (see [`TestDb::hold_write_lock`]).
#[derive(Debug)]
pub struct HeldLock {
    conn: sqlx::AnyConnection,
}

impl HeldLock {
    /// Rolls back and closes the connection: the lock is free again.
    pub async fn release(mut self) {
        sqlx::raw_sql("ROLLBACK")
            .execute(&mut self.conn)
            .await
            .expect("release the write lock");
        let _ = sqlx::Connection::close(self.conn).await;
    }
}

/// An empty database of the same backend, removed on drop.
#[derive(Debug)]
pub struct EmptyDb {
    pub url: String,
    _cleanup: Cleanup,
}

async fn create_pg_database(admin_url: &str) -> Result<(String, Cleanup)> {
    sqlx::any::install_default_drivers();
    let name = format!("ecociv_test_{}", random_suffix());
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(admin_url).await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await?;
    let _ = sqlx::Connection::close(conn).await;
    let base = match admin_url.rfind('/') {
        Some(i) if admin_url[..i].contains("://") && i > admin_url.find("://").unwrap_or(0) + 2 => {
            &admin_url[..i]
        }
        _ => admin_url,
    };
    let query = admin_url.find('?').map(|i| &admin_url[i..]).unwrap_or("");
    Ok((
        format!("{base}/{name}{query}"),
        Cleanup::Postgres {
            admin_url: admin_url.to_owned(),
            name,
        },
    ))
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        match self {
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Postgres { admin_url, name } => {
                // Drop runs outside async; a short-lived runtime on its own thread does it.
                let (admin_url, name) = (admin_url.clone(), name.clone());
                let _ = std::thread::spawn(move || {
                    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    else {
                        return;
                    };
                    rt.block_on(async move {
                        if let Ok(mut conn) =
                            <sqlx::AnyConnection as sqlx::Connection>::connect(&admin_url).await
                        {
                            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            )))
                            .execute(&mut conn)
                            .await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

/// Defines `mod $name { sqlite(), postgres() }` running `async fn $body(&TestDb)` on each backend.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident => $body:ident;)+) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let db = $crate::testing::TestDb::sqlite().await;
                    super::$body(&db).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(db) = $crate::testing::TestDb::postgres().await {
                        super::$body(&db).await;
                    }
                }
            }
        )+
    };
}

/// Like [`both_backends!`](crate::both_backends), for bodies that take the `TestDb` by value
/// (`async fn $body(TestDb)`), e.g. to hand it to an app under test.
#[macro_export]
macro_rules! both_backends_owned {
    ($($name:ident => $body:ident;)+) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$body($crate::testing::TestDb::sqlite().await).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(db) = $crate::testing::TestDb::postgres().await {
                        super::$body(db).await;
                    }
                }
            }
        )+
    };
}
