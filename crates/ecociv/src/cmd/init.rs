//! `ecociv init [--database URL] [--demo]`: create and migrate the database, store the plan and
//! catalogue, create the first administrator (password printed once), optionally load demo data.

use anyhow::Result;
use ecociv_app::StoreConfig;

use crate::cmd::db::{self, DatabaseArg};
use crate::context::Common;

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    #[command(flatten)]
    pub db: DatabaseArg,
    /// 载入示例数据（非真实数据）
    #[arg(long)]
    pub demo: bool,
}

pub fn run(args: InitArgs, common: &Common) -> Result<()> {
    db::runtime()?.block_on(async {
        let app = db::open(&args.db, common, StoreConfig::default()).await?;
        let model = app.model().await?;
        eprintln!(
            "数据库已就绪：{}（方案“{}”，国家指标 {} 版）",
            ecociv_app::redact_url(&args.db.database),
            model.plan.name,
            model.catalogue_version
        );
        if args.demo {
            db::load_demo(&app).await?;
        }
        match db::ensure_admin(&app).await? {
            Some(pw) => db::print_admin(&pw),
            None => eprintln!("已有用户账户，未创建管理员。"),
        }
        app.close().await;
        Ok(())
    })
}
