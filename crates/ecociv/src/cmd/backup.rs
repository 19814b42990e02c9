//! `ecociv backup FILE` (consistent while serving) and `ecociv restore FILE` (into a new, empty
//! database), in ecociv's portable backup format (see the store's `backup` module).

use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use ecociv_app::StoreConfig;

use crate::cmd::db::{self, DatabaseArg};
use crate::context::Common;

#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// 备份文件（JSON Lines，见 README 的“备份与恢复”）
    pub file: PathBuf,
    #[command(flatten)]
    pub db: DatabaseArg,
    /// 覆盖已存在的文件
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// 由 ecociv backup 生成的备份文件
    pub file: PathBuf,
    /// 恢复到的数据库（须为新的空数据库）
    #[command(flatten)]
    pub db: DatabaseArg,
}

pub fn backup(args: BackupArgs, common: &Common) -> Result<()> {
    if args.file.exists() && !args.force {
        bail!("{} 已存在；如要覆盖请加 --force", args.file.display());
    }
    db::runtime()?.block_on(async {
        let app = db::open(&args.db, common, StoreConfig::default()).await?;
        // Write beside the target and rename, so a failed backup never leaves a half file
        // under the real name.
        // It holds every account's password hash and all evidence: readable by its owner only.
        let tmp = args.file.with_extension("partial");
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let file = opts
            .open(&tmp)
            .with_context(|| format!("无法创建 {}", tmp.display()))?;
        #[cfg(unix)]
        {
            // A leftover partial file keeps its old mode when opened; set it.
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        let mut out = BufWriter::new(file);
        let summary = app.backup(&db::operator(), &mut out).await?;
        out.flush()?;
        out.get_ref().sync_all()?;
        std::fs::rename(&tmp, &args.file)
            .with_context(|| format!("无法写入 {}", args.file.display()))?;
        app.close().await;
        let rows: i64 = summary.rows.values().sum();
        eprintln!(
            "已备份到 {}：{} 行数据（其中审计事件 {} 个）。",
            args.file.display(),
            rows,
            summary.audit_events
        );
        Ok(())
    })
}

pub fn restore(args: RestoreArgs, common: &Common) -> Result<()> {
    db::runtime()?.block_on(async {
        let file = std::fs::File::open(&args.file)
            .with_context(|| format!("无法读取 {}", args.file.display()))?;
        let summary = ecociv_app::restore(&args.db.database, &mut BufReader::new(file)).await?;
        let app = db::open(&args.db, common, StoreConfig::default()).await?;
        let report = app.verify_audit(&db::operator()).await?;
        app.close().await;
        let rows: i64 = summary.rows.values().sum();
        eprintln!(
            "已恢复 {} 行数据到 {}；所有用户需重新登录。",
            rows,
            ecociv_app::redact_url(&args.db.database)
        );
        match report.broken {
            None => {
                eprintln!("审计链校验通过（{} 个事件）。", report.events);
                Ok(())
            }
            Some(b) => bail!("恢复完成，但审计链校验未通过：{b}"),
        }
    })
}
