//! `ecociv export completion --year Y --out FILE.xlsx` (指标完成情况表) and
//! `ecociv export open-data --year Y --out DIR` (CSV, JSON and datapackage.json), from the
//! database (the files the web service serves) or, with `--values`, from CSV files.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::Subcommand;
use ecociv_app::documents;
use ecociv_core::ValueSet;
use ecociv_core::evaluate::Options;
use ecociv_report::History;
use ecociv_report::completion;
use ecociv_report::open_data::{self, License, OpenDataRequest};
use ecociv_report::xlsx_completion;

use crate::cmd::db;
use crate::cmd::inputs::{self, Source, SourceArgs};
use crate::context::Common;

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// 指标完成情况表（.xlsx，A4 横向打印）/ the indicator completion table
    Completion {
        #[arg(long)]
        year: i32,
        #[arg(long, value_name = "FILE.xlsx")]
        out: PathBuf,
        #[command(flatten)]
        source: SourceArgs,
        /// 日期 YYYY-MM-DD（文件属性），缺省为今天
        #[arg(long)]
        date: Option<String>,
    },
    /// 公开数据：CSV、JSON 和 Frictionless datapackage.json；使用数据库时只含已公开年份中已公开指标的已审核数据 / open data
    OpenData {
        /// 年份（使用数据库时须为已公开的年份）
        #[arg(long)]
        year: i32,
        /// 输出目录
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        #[command(flatten)]
        source: SourceArgs,
        /// 发布单位，缺省为“某市生态环境局”
        #[arg(long)]
        publisher: Option<String>,
        /// 日期 YYYY-MM-DD（数据包 created），缺省为今天
        #[arg(long)]
        date: Option<String>,
    },
}

pub fn run(cmd: ExportCommand, common: &Common) -> Result<()> {
    match cmd {
        ExportCommand::Completion {
            year,
            out,
            source,
            date,
        } => {
            let date = crate::cmd::date_arg(date.as_deref())?;
            let made = match source.source() {
                Source::Database(url) => db::runtime()?.block_on(async {
                    let app = db::open_existing(&url, common).await?;
                    let made = app
                        .completion(
                            &db::operator(),
                            year,
                            common.catalogue_version.as_deref(),
                            date,
                        )
                        .await;
                    app.close().await;
                    Ok::<_, anyhow::Error>(made?)
                })?,
                Source::Csv(files) => {
                    let loaded = common.load()?;
                    let inputs = inputs::read(&files, &loaded)?;
                    let eval = inputs.evaluate(&loaded, &options(year, common))?;
                    let table =
                        completion::completion_table(&loaded.plan, &loaded.catalogue, &eval)?;
                    documents::Completion {
                        bytes: xlsx_completion::write(&table, date)?,
                        title: table.title,
                        rows: table.rows.len(),
                        demo: table.demo,
                    }
                }
            };
            std::fs::write(&out, &made.bytes)
                .with_context(|| format!("无法写入 {}", out.display()))?;
            eprintln!(
                "已生成 {}：{}，{} 项指标{}。",
                out.display(),
                made.title,
                made.rows,
                if made.demo {
                    "（示例数据，表头已注明）"
                } else {
                    ""
                }
            );
        }
        ExportCommand::OpenData {
            year,
            out,
            source,
            publisher,
            date,
        } => {
            let date = crate::cmd::date_arg(date.as_deref())?;
            let package = match source.source() {
                Source::Database(url) => db::runtime()?.block_on(async {
                    let app = db::open_existing(&url, common).await?;
                    let made = app.open_data(year, publisher, date).await;
                    app.close().await;
                    Ok::<_, anyhow::Error>(made?)
                })?,
                Source::Csv(files) => {
                    let loaded = common.load()?;
                    let plan = &loaded.plan;
                    let inputs = inputs::read(&files, &loaded)?;
                    let eval = inputs.evaluate(&loaded, &options(year, common))?;
                    let history = History::from_values(
                        plan,
                        &ValueSet::for_plan(plan, inputs.observations.iter().cloned()),
                    );
                    open_data::package(&OpenDataRequest {
                        plan,
                        catalogue: &loaded.catalogue,
                        evaluation: &eval,
                        history: &history,
                        only: None,
                        publisher: publisher
                            .unwrap_or_else(|| format!("{}生态环境局", plan.city_region().name)),
                        license: License::cc_by_4(),
                        date,
                    })?
                }
            };
            std::fs::create_dir_all(&out)
                .with_context(|| format!("无法创建目录 {}", out.display()))?;
            for f in &package {
                let path = out.join(f.path);
                std::fs::write(&path, &f.bytes)
                    .with_context(|| format!("无法写入 {}", path.display()))?;
            }
            eprintln!(
                "已写入 {}：{}",
                out.display(),
                package
                    .iter()
                    .map(|f| f.path)
                    .collect::<Vec<_>>()
                    .join("、")
            );
        }
    }
    Ok(())
}

fn options(year: i32, common: &Common) -> Options {
    Options {
        year,
        catalogue_version: common.catalogue_version.clone(),
        region: None,
    }
}
