//! What every data command shares: `--database URL`, opening the database with the plan the
//! user chose into the application layer, the operator (the person at the command line, as the
//! audit log names them), and a runtime. Commands call the application's use cases as the
//! operator, exactly as the pages and the API call them for signed-in users.

use anyhow::{Context as _, Result};
use ecociv_app::{App, Caller, Database, NewAccount, StoreConfig, redact_url};

use crate::context::{Common, read_text};

/// The default database: `ecociv.db` in the current directory.
pub const DEFAULT_DATABASE: &str = "sqlite:ecociv.db";

/// `--database URL`.
#[derive(Debug, Clone, clap::Args)]
pub struct DatabaseArg {
    /// 数据库：sqlite:文件路径（默认 ./ecociv.db）或 postgres://用户@主机:端口/库名
    #[arg(long, value_name = "URL", env = "ECOCIV_DATABASE", default_value = DEFAULT_DATABASE)]
    pub database: String,
}

/// A multi-threaded runtime for the async store.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("无法启动异步运行时")
}

/// Opens (creating and migrating if needed) the database, with `--plan FILE` when given.
pub async fn open(db: &DatabaseArg, common: &Common, config: StoreConfig) -> Result<App> {
    let mut config = config;
    if let Some(path) = &common.plan {
        config.plan = Some((path.display().to_string(), read_text(path)?));
    }
    let database = Database::open(&db.database, config)
        .await
        .with_context(|| format!("无法打开数据库 {}", redact_url(&db.database)))?;
    let app = App::new(database);
    if let Some(v) = &common.catalogue_version
        && app.model().await?.catalogue_version != *v
    {
        app.set_catalogue_version(&operator(), v)
            .await
            .context("无法设置国家指标版本")?;
    }
    Ok(app)
}

/// Opens an existing database to read documents from. A SQLite file that does not exist is an
/// error rather than a new empty database (a report of nothing helps nobody). `--plan` works as
/// for every database command (a plan that differs from the active one is stored and activated);
/// `--catalogue-version` is passed to the evaluation by the caller instead of changing the
/// stored setting.
pub async fn open_existing(url: &str, common: &Common) -> Result<App> {
    if let Some(path) = sqlite_path(url)
        && !std::path::Path::new(path).exists()
    {
        anyhow::bail!(
            "数据库文件 {path} 不存在：请先运行 `ecociv init --demo`（示例数据）或 `ecociv init`，用 --database 指定数据库，或用 --values 改从 CSV 文件读取"
        );
    }
    eprintln!("数据来源：数据库 {}", redact_url(url));
    let mut config = StoreConfig::default();
    if let Some(path) = &common.plan {
        config.plan = Some((path.display().to_string(), read_text(path)?));
    }
    let database = Database::open(url, config)
        .await
        .with_context(|| format!("无法打开数据库 {}", redact_url(url)))?;
    Ok(App::new(database))
}

/// The file of a `sqlite:` URL (`sqlite:ecociv.db`, `sqlite://ecociv.db?mode=rwc`), or `None`
/// for other databases and SQLite's in-memory database.
fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then_some(path)
}

/// The person at the command line, who holds the database: `cli:<name>` in the audit log.
pub fn operator() -> Caller {
    let who = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "operator".into());
    Caller::operator(&who)
}

/// Creates the first administrator if there is no account yet; returns the generated password.
pub async fn ensure_admin(app: &App) -> Result<Option<String>> {
    if app.has_users().await? {
        return Ok(None);
    }
    let (_, password) = app
        .create_user(
            &operator(),
            NewAccount {
                username: "admin".into(),
                display_name: "系统管理员".into(),
                role: "admin".into(),
                ..NewAccount::default()
            },
        )
        .await
        .context("无法创建管理员账户")?;
    Ok(password)
}

/// Loads the demo data and says so.
pub async fn load_demo(app: &App) -> Result<()> {
    match app
        .load_demo(&operator())
        .await
        .context("无法载入示例数据")?
    {
        Some(s) => eprintln!(
            "已载入示例数据（非真实数据）：{} 条指标值、{} 条上级下达目标、{} 条任务进展。",
            s.values, s.assigned, s.task_updates
        ),
        None => eprintln!("数据库中已有示例数据，未重复载入。"),
    }
    Ok(())
}

pub fn print_admin(password: &str) {
    eprintln!();
    eprintln!("已创建管理员账户：用户名 admin，初始密码 {password}");
    eprintln!("（密码只显示这一次，请立即登录并修改；忘记时用 `ecociv user passwd admin` 重设）");
    eprintln!();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(sqlite_path("sqlite:ecociv.db"), Some("ecociv.db"));
        assert_eq!(sqlite_path("sqlite://d/e.db?mode=rwc"), Some("d/e.db"));
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://u@h/db"), None);
    }
}
