//! What every data command shares: `--database URL`, opening the store with the plan the user
//! chose, the operator's name for the audit log, and a runtime.

use anyhow::{Context as _, Result};
use ecociv_store::{Actor, Store, StoreConfig};

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

/// Opens (creating and migrating if needed) the store, with `--plan FILE` when given.
pub async fn open(db: &DatabaseArg, common: &Common, config: StoreConfig) -> Result<Store> {
    let mut config = config;
    if let Some(path) = &common.plan {
        config.plan = Some((path.display().to_string(), read_text(path)?));
    }
    let store = Store::open(&db.database, config)
        .await
        .with_context(|| format!("无法打开数据库 {}", ecociv_store::redact_url(&db.database)))?;
    if let Some(v) = &common.catalogue_version
        && store.model().catalogue_version != *v
    {
        store
            .set_catalogue_version(&operator(), v)
            .await
            .context("无法设置国家指标版本")?;
    }
    Ok(store)
}

/// Opens an existing database to read documents from. A SQLite file that does not exist is an
/// error rather than a new empty database (a report of nothing helps nobody). `--plan` works as
/// for every database command (a plan that differs from the active one is stored and activated);
/// `--catalogue-version` is passed to the evaluation by the caller instead of changing the
/// stored setting.
pub async fn open_existing(url: &str, common: &Common) -> Result<Store> {
    if let Some(path) = sqlite_path(url)
        && !std::path::Path::new(path).exists()
    {
        anyhow::bail!(
            "数据库文件 {path} 不存在：请先运行 `ecociv init --demo`（示例数据）或 `ecociv init`，用 --database 指定数据库，或用 --values 改从 CSV 文件读取"
        );
    }
    eprintln!("数据来源：数据库 {}", ecociv_store::redact_url(url));
    let mut config = StoreConfig::default();
    if let Some(path) = &common.plan {
        config.plan = Some((path.display().to_string(), read_text(path)?));
    }
    Store::open(url, config)
        .await
        .with_context(|| format!("无法打开数据库 {}", ecociv_store::redact_url(url)))
}

/// The file of a `sqlite:` URL (`sqlite:ecociv.db`, `sqlite://ecociv.db?mode=rwc`), or `None`
/// for other databases and SQLite's in-memory database.
fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then_some(path)
}

/// The person at the command line, as the audit log names them.
pub fn operator() -> Actor {
    let who = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "operator".into());
    Actor::cli(&who)
}

/// Creates the first administrator if there is no account yet; returns the generated password.
pub async fn ensure_admin(store: &Store) -> Result<Option<String>> {
    if store.has_users().await? {
        return Ok(None);
    }
    let password = ecociv_store::user::generate_password();
    store
        .create_user(
            &operator(),
            ecociv_store::NewUser {
                username: "admin".into(),
                display_name: "系统管理员".into(),
                role: ecociv_store::Role::Admin,
                unit: None,
                region: None,
                password: password.clone(),
            },
        )
        .await
        .context("无法创建管理员账户")?;
    Ok(Some(password))
}

/// Loads the demo data and says so.
pub async fn load_demo(store: &Store) -> Result<()> {
    match store.load_demo().await.context("无法载入示例数据")? {
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
