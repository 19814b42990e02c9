//! `ecociv import values FILE.csv`: values into the reporting workflow, all rows or none.
//! This is also how the monitoring engines' `--values` output enters, with `--engine`.
//! `ecociv import xlsx FILE` imports a filled reporting template (`import_xlsx.rs`).

use std::path::PathBuf;

use anyhow::{Result, bail};
use ecociv_app::{AppError, ImportPhase, Provenance, StoreConfig};

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
    /// 导入已填写的 Excel 填报模板（逐格检查，全部通过才写入；--check 只校验）/ import a filled reporting template
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
        let app = db::open(&d, common, StoreConfig::default()).await?;
        let provenance = if engine {
            Provenance::Engine
        } else {
            Provenance::Import
        };
        let name = file.display().to_string();
        // On a terminal, what the import is doing (hidden when stderr is not a terminal).
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                .expect("valid template"),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        let started = std::time::Instant::now();
        let writing = std::sync::Mutex::new(None::<std::time::Instant>);
        let phase = |p: ImportPhase| match p {
            ImportPhase::Checking { bytes } => bar.set_message(format!(
                "检查 {name}（{:.1} MB）的每一行…",
                bytes as f64 / 1e6
            )),
            ImportPhase::Writing { rows } => {
                *writing.lock().unwrap_or_else(|e| e.into_inner()) =
                    Some(std::time::Instant::now());
                bar.set_message(format!("写入 {rows} 行（一个事务）…"))
            }
        };
        let result = app
            .import_values_csv_with(
                &db::operator(),
                &name,
                text.as_bytes(),
                submit,
                provenance,
                &phase,
            )
            .await;
        bar.finish_and_clear();
        app.close().await;
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
                if let Some(w) = *writing.lock().unwrap_or_else(|e| e.into_inner()) {
                    eprintln!(
                        "用时：检查 {:.2} 秒，写入 {:.2} 秒。",
                        (w - started).as_secs_f64(),
                        w.elapsed().as_secs_f64()
                    );
                }
                Ok(())
            }
            Err(AppError::Rejected(r)) => {
                for e in &r.problems {
                    eprintln!("{e}");
                }
                bail!(
                    "{} 有 {} 处错误，未导入任何数据（共 {} 行）",
                    name,
                    r.problems.len(),
                    r.details["rows"]
                )
            }
            Err(e) => Err(e.into()),
        }
    })
}
