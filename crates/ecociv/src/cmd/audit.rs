//! `ecociv audit verify`: checks the whole audit chain and the audited state; exit code 1 and the
//! first broken link when anything was changed behind the application's back.

use anyhow::{Result, bail};
use ecociv_app::StoreConfig;

use crate::cmd::db::{self, DatabaseArg};
use crate::context::Common;

#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// 校验整条审计链及数据与日志是否一致，指出第一个断点
    Verify {
        #[command(flatten)]
        db: DatabaseArg,
    },
}

pub fn run(cmd: AuditCommand, common: &Common) -> Result<()> {
    let AuditCommand::Verify { db: d } = cmd;
    db::runtime()?.block_on(async {
        let app = db::open(&d, common, StoreConfig::default()).await?;
        let report = app.verify_audit(&db::operator()).await?;
        app.close().await;
        match report.broken {
            None => {
                println!(
                    "审计链完整：{} 个事件，{} 条记录与日志一致。",
                    report.events, report.rows_checked
                );
                Ok(())
            }
            Some(b) => bail!("审计链在此处断开：{b}"),
        }
    })
}
