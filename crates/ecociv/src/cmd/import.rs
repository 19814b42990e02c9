//! `ecociv import values FILE.csv`: values into the reporting workflow, all rows or none.
//! This is also how the monitoring engines' `--values` output enters, with `--engine`.
//! `ecociv import xlsx FILE --check` validates a filled reporting template (`import_xlsx.rs`).

use std::path::PathBuf;

use anyhow::{Result, bail};
use ecociv_store::{ImportOptions, Provenance, StoreConfig, StoreError};

use crate::cmd::db::{self, DatabaseArg};
use crate::context::{Common, read_text};

#[derive(Debug, clap::Subcommand)]
pub enum ImportCommand {
    /// 导入指标值 CSV（表头 indicator,region,period,value[,source]）：全部通过才写入
    Values {
        file: PathBuf,
        /// 导入后直接提交审核（默认为草稿）
        #[arg(long)]
        submit: bool,
        /// 数据来自监测计算引擎（ecociv air/water/eco 的 --values 输出）
        #[arg(long)]
        engine: bool,
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// 校验已填写的 Excel 填报模板（逐格检查，列出所有错误）/ validate a filled reporting template
    Xlsx(crate::cmd::import_xlsx::XlsxArgs),
}

pub fn run(cmd: ImportCommand, common: &Common) -> Result<()> {
    let (file, submit, engine, d) = match cmd {
        ImportCommand::Values {
            file,
            submit,
            engine,
            db,
        } => (file, submit, engine, db),
        ImportCommand::Xlsx(args) => return crate::cmd::import_xlsx::run(args, common),
    };
    let text = read_text(&file)?;
    db::runtime()?.block_on(async {
        let store = db::open(&d, common, StoreConfig::default()).await?;
        let mut opts = ImportOptions::unrestricted(if engine {
            Provenance::Engine
        } else {
            Provenance::Import
        });
        opts.submit = submit;
        let name = file.display().to_string();
        let result = store
            .import_values_csv(&db::operator(), &name, &text, &opts)
            .await;
        store.close().await;
        match result {
            Ok(s) => {
                eprintln!(
                    "已导入 {}：{} 行（新建 {}，更新 {}），状态：{}。",
                    s.file,
                    s.rows,
                    s.created,
                    s.updated,
                    if submit { "待审核" } else { "草稿" }
                );
                Ok(())
            }
            Err(StoreError::Import(report)) => {
                for e in &report.errors {
                    eprintln!("{e}");
                }
                bail!(
                    "{} 有 {} 处错误，未导入任何数据（共 {} 行）",
                    report.file,
                    report.errors.len(),
                    report.rows
                )
            }
            Err(e) => Err(e.into()),
        }
    })
}
