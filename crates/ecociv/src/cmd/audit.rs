//! `ecociv audit verify`: checks the whole audit chain and the audited state; exit code 1 and the
//! first broken link when anything was changed behind the application's back. `ecociv audit
//! head` prints the chain's head (`SEQ:HASH`) to record elsewhere; `audit verify --expect HEAD`
//! then also catches a rollback of the tail that left the database consistent.

use anyhow::{Result, bail};
use ecociv_app::{AuditHead, StoreConfig};

use crate::cmd::db::{self, DatabaseArg};
use crate::context::Common;

#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// 校验整条审计链及数据与日志是否一致，指出第一个断点
    Verify {
        #[command(flatten)]
        db: DatabaseArg,
        /// 此前记录的链头（ecociv audit head 的输出，序号:哈希）：日志须仍含这一事件，末尾被回滚也能发现
        #[arg(long, value_name = "HEAD", value_parser = parse_head)]
        expect: Option<AuditHead>,
    },
    /// 输出审计链头（序号:哈希），供在数据库之外记录（年度报告、摘要邮件），日后用 verify --expect 核对
    Head {
        #[command(flatten)]
        db: DatabaseArg,
    },
}

fn parse_head(text: &str) -> Result<AuditHead, String> {
    text.parse().map_err(|m: ecociv_i18n::Msg| m.to_string())
}

pub fn run(cmd: AuditCommand, common: &Common) -> Result<()> {
    match cmd {
        AuditCommand::Verify { db: d, expect } => db::runtime()?.block_on(async {
            let app = db::open(&d, common, StoreConfig::default()).await?;
            let report = match &expect {
                Some(head) => app.verify_audit_expecting(&db::operator(), head).await?,
                None => app.verify_audit(&db::operator()).await?,
            };
            app.close().await;
            match report.broken {
                None => {
                    println!(
                        "审计链完整：{} 个事件，{} 条记录与日志一致。",
                        report.events, report.rows_checked
                    );
                    if let Some(head) = expect {
                        println!("日志仍含记录的链头第{}号事件。", head.seq);
                    }
                    Ok(())
                }
                Some(b) => bail!("审计链在此处断开：{b}"),
            }
        }),
        AuditCommand::Head { db: d } => db::runtime()?.block_on(async {
            let app = db::open(&d, common, StoreConfig::default()).await?;
            let head = app.audit_head(&db::operator()).await?;
            app.close().await;
            println!("{head}");
            eprintln!(
                "审计链头：第{}号事件。请在数据库之外记录这一行，日后用 ecociv audit verify --expect {head} 核对。",
                head.seq
            );
            Ok(())
        }),
    }
}
