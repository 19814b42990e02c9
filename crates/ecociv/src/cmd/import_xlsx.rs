//! `ecociv import xlsx FILE [--submit] [--database URL]`: a filled reporting template into the
//! workflow, checked cell by cell and written all or nothing (drafts, or submissions with
//! `--submit`), exactly as an upload on the web. `--check` is the dry run: it checks the file
//! against the plan (`--plan` or the built-in one) without a database and prints what would be
//! imported, or every error with sheet, cell and reason. The import itself also applies the
//! workflow rules (closed periods, locked approvals, values waiting for review), which only the
//! database knows.

use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use clap::ValueEnum;
use ecociv_app::documents;
use ecociv_app::{AppError, StoreConfig};
use ecociv_core::Period;
use ecociv_core::explain;
use ecociv_report::xlsx_import::Expect;
use ecociv_report::xlsx_template::{Reporter, period_zh};

use crate::cmd::db::{self, DatabaseArg};
use crate::context::Common;
use crate::table;

#[derive(Debug, clap::Args)]
pub struct XlsxArgs {
    pub file: PathBuf,
    /// 只校验文件并报告将导入的内容，不写入（无需数据库）
    #[arg(long, conflicts_with = "submit")]
    pub check: bool,
    /// 导入后直接提交审核（默认为草稿）
    #[arg(long)]
    pub submit: bool,
    #[command(flatten)]
    pub db: DatabaseArg,
    /// 应为此单位的模板
    #[arg(long, conflicts_with = "region")]
    pub unit: Option<String>,
    /// 应为此县区（代码）的模板
    #[arg(long)]
    pub region: Option<String>,
    /// 应为此报告期的模板
    #[arg(long)]
    pub period: Option<Period>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

pub fn run(args: XlsxArgs, common: &Common) -> Result<()> {
    if !args.check {
        return import(args, common);
    }
    let loaded = common.load()?;
    let plan = &loaded.plan;
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("无法读取 {}", args.file.display()))?;
    let expect = expect_of(&args, plan);
    let name = args.file.file_name().map_or_else(
        || args.file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let result = documents::check_workbook(&bytes, &name, plan, &loaded.catalogue, &expect)
        .map(|(batch, _, notices)| (batch, notices));
    match (args.format, result) {
        (Format::Json, Ok((batch, _))) => println!("{}", serde_json::to_string_pretty(&batch)?),
        (Format::Json, Err(rejected)) => {
            println!("{}", serde_json::to_string_pretty(&rejected)?);
            bail!("{rejected}");
        }
        (Format::Text, Err(rejected)) => {
            print!("{}", rejected.report());
            bail!("{rejected}");
        }
        (Format::Text, Ok((batch, notices))) => {
            println!(
                "{}：{}{}的填报模板，校验通过（校验码 {}）。",
                name,
                batch.layout.reporter_name,
                period_zh(batch.layout.period),
                batch.checksum
            );
            let rows: Vec<Vec<String>> = batch
                .values
                .iter()
                .map(|v| {
                    let ind = plan.indicator(&v.indicator);
                    vec![
                        v.cell.clone(),
                        ind.map_or_else(|| v.indicator.clone(), |i| i.name.clone()),
                        plan.region(&v.region)
                            .map_or_else(|| v.region.clone(), |r| r.name.clone()),
                        ind.map_or_else(|| explain::num(v.value), |i| explain::value(i, v.value)),
                        v.comment.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            if !rows.is_empty() {
                println!("\n指标值（{} 条）:", rows.len());
                print!(
                    "{}",
                    table::render(&["单元格", "指标", "地区", "本期值", "说明"], &rows)
                );
            }
            let tasks: Vec<Vec<String>> = batch
                .tasks
                .iter()
                .map(|t| {
                    vec![
                        format!("任务{}", t.task),
                        t.state.name_zh().to_owned(),
                        t.percent
                            .map(|p| format!("{}%", explain::num(p)))
                            .unwrap_or_default(),
                        t.narrative.chars().take(40).collect(),
                    ]
                })
                .collect();
            if !tasks.is_empty() {
                println!("\n任务进展（{} 条）:", tasks.len());
                print!(
                    "{}",
                    table::render(&["任务", "状态", "完成比例", "进展情况"], &tasks)
                );
            }
            if !batch.blank.is_empty() {
                println!("\n未填写（{} 项）:", batch.blank.len());
                for b in &batch.blank {
                    let why = b
                        .comment
                        .as_ref()
                        .map(|c| format!("（说明：{c}）"))
                        .unwrap_or_default();
                    println!("  {} {} {}{why}", b.sheet, b.cell, b.what);
                }
            }
            for n in &notices {
                println!("提示：{n}");
            }
            println!("\n（--check：仅校验，未写入。）");
        }
    }
    Ok(())
}

/// The expectations given on the command line, with a region name resolved to its code.
fn expect_of(args: &XlsxArgs, plan: &ecociv_core::Plan) -> Expect {
    Expect {
        reporter: match (&args.unit, &args.region) {
            (Some(u), _) => Some(Reporter::Unit(u.clone())),
            (None, Some(r)) => Some(Reporter::Region(
                plan.find_region(r)
                    .map_or_else(|| r.clone(), |i| plan.regions[i].code.clone()),
            )),
            _ => None,
        },
        period: args.period,
    }
}

/// Imports the workbook into the database.
fn import(args: XlsxArgs, common: &Common) -> Result<()> {
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("无法读取 {}", args.file.display()))?;
    let name = args.file.file_name().map_or_else(
        || args.file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    db::runtime()?.block_on(async {
        let app = db::open(&args.db, common, StoreConfig::default()).await?;
        let expect = expect_of(&args, &app.model().await?.plan);
        let result = app
            .import_workbook(&db::operator(), &name, &bytes, expect, args.submit)
            .await;
        app.close().await;
        match result {
            Ok(done) => {
                if matches!(args.format, Format::Json) {
                    println!("{}", serde_json::to_string_pretty(&done)?);
                }
                let s = &done.summary;
                eprintln!(
                    "已导入 {}（{}，{}）：指标值 {} 条（新建 {}，更新 {}），任务进展 {} 条（新建 {}，更新 {}），状态：{}。",
                    s.file,
                    s.reporter,
                    s.period
                        .parse()
                        .map(period_zh)
                        .unwrap_or_else(|_| s.period.clone()),
                    done.values,
                    s.values_created,
                    s.values_updated,
                    done.tasks,
                    s.tasks_created,
                    s.tasks_updated,
                    s.status.name_zh()
                );
                if !done.blank.is_empty() {
                    eprintln!("未填写 {} 项（未导入，可在下次上传时补填）。", done.blank.len());
                }
                for n in &done.notices {
                    eprintln!("提示：{n}");
                }
                Ok(())
            }
            Err(AppError::Rejected(rejected)) => {
                match args.format {
                    Format::Json => {
                        println!("{}", serde_json::to_string_pretty(&rejected.details)?)
                    }
                    Format::Text => print!("{}", rejected.report),
                }
                bail!("{}", rejected.message())
            }
            Err(e) => Err(e.into()),
        }
    })
}
