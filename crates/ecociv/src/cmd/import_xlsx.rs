//! `ecociv import xlsx FILE --check`: validates a filled reporting template cell by cell and
//! prints what would be imported, or every error with sheet, cell and reason. Writing the rows
//! into the database is the store's part and is not wired in yet, so `--check` is required.

use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use clap::ValueEnum;
use ecociv_core::Period;
use ecociv_core::explain;
use ecociv_report::xlsx_import::{self, Expect};
use ecociv_report::xlsx_template::{Reporter, period_zh};

use crate::context::Common;
use crate::table;

#[derive(Debug, clap::Args)]
pub struct XlsxArgs {
    pub file: PathBuf,
    /// 只校验并报告，不写入（目前唯一的模式）
    #[arg(long, required = true)]
    pub check: bool,
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
    let loaded = common.load()?;
    let plan = &loaded.plan;
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("无法读取 {}", args.file.display()))?;
    let expect = Expect {
        reporter: match (&args.unit, &args.region) {
            (Some(u), _) => Some(Reporter::Unit(u.clone())),
            (None, Some(r)) => Some(Reporter::Region(
                plan.find_region(r)
                    .map_or_else(|| r.clone(), |i| plan.regions[i].code.clone()),
            )),
            _ => None,
        },
        period: args.period,
    };
    let name = args.file.file_name().map_or_else(
        || args.file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let result = xlsx_import::read(&bytes, &name, plan, &loaded.catalogue, &expect);
    match (args.format, result) {
        (Format::Json, Ok(batch)) => println!("{}", serde_json::to_string_pretty(&batch)?),
        (Format::Json, Err(rejected)) => {
            println!("{}", serde_json::to_string_pretty(&rejected)?);
            bail!("{rejected}");
        }
        (Format::Text, Err(rejected)) => {
            print!("{}", rejected.report());
            bail!("{rejected}");
        }
        (Format::Text, Ok(batch)) => {
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
            for n in &batch.notices {
                println!("提示：{n}");
            }
            println!("\n（--check：仅校验，未写入。）");
        }
    }
    Ok(())
}
