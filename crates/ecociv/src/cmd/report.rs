//! `ecociv report --year Y --out FILE.docx`: the annual self-assessment report (年度自评估报告).

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use ecociv_core::ValueSet;
use ecociv_core::evaluate::Options;
use ecociv_report::chart::{DEFAULT_FONT_DIR, PngRenderer};
use ecociv_report::docx::{self, ReportInput, ReportMeta};
use ecociv_report::xlsx_import::{self, Expect};
use ecociv_report::{History, TaskProgress};

use crate::cmd::inputs::{self, ValueFiles};
use crate::context::Common;

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// 报告年份
    #[arg(long)]
    pub year: i32,
    /// 输出的 Word 文件
    #[arg(long, value_name = "FILE.docx")]
    pub out: PathBuf,
    #[command(flatten)]
    pub files: ValueFiles,
    /// 已填写的填报模板（.xlsx，可多个）：其中的重点任务进展写入报告
    #[arg(long, value_name = "FILE.xlsx")]
    pub progress: Vec<PathBuf>,
    /// 编制单位（封面），缺省为“某市生态文明建设示范市创建工作领导小组办公室”
    #[arg(long)]
    pub organisation: Option<String>,
    /// 报告日期 YYYY-MM-DD（封面），缺省为今天
    #[arg(long)]
    pub date: Option<String>,
    /// 中文字体目录（图表用），如 Debian fonts-noto-cjk 的目录
    #[arg(long, value_name = "DIR", env = "ECOCIV_FONT_DIR", default_value = DEFAULT_FONT_DIR)]
    pub font_dir: PathBuf,
}

/// Task progress from filled templates.
pub fn read_progress(
    files: &[PathBuf],
    loaded: &crate::context::Loaded,
) -> Result<Vec<TaskProgress>> {
    let mut out = Vec::new();
    for f in files {
        let bytes = std::fs::read(f).with_context(|| format!("无法读取 {}", f.display()))?;
        let batch = xlsx_import::read(
            &bytes,
            &f.display().to_string(),
            &loaded.plan,
            &loaded.catalogue,
            &Expect::default(),
        )
        .map_err(|r| anyhow::anyhow!("{}", r.report()))?;
        eprintln!(
            "读取 {}：{} 的 {} 条任务进展",
            f.display(),
            batch.layout.reporter_name,
            batch.tasks.len()
        );
        out.extend(batch.tasks);
    }
    Ok(out)
}

pub fn run(args: ReportArgs, common: &Common) -> Result<()> {
    let loaded = common.load()?;
    let plan = &loaded.plan;
    let inputs = inputs::read(&args.files, &loaded)?;
    let eval = inputs.evaluate(
        &loaded,
        &Options {
            year: args.year,
            catalogue_version: common.catalogue_version.clone(),
            region: None,
        },
    )?;
    let history = History::from_values(plan, &ValueSet::new(inputs.observations.iter().cloned()));
    let progress = read_progress(&args.progress, &loaded)?;
    let renderer = PngRenderer::from_font_dir(&args.font_dir)?;
    let meta = ReportMeta {
        organisation: args.organisation.clone().unwrap_or_else(|| {
            format!(
                "{}生态文明建设示范市创建工作领导小组办公室",
                plan.city_region().name
            )
        }),
        date: crate::cmd::date_arg(args.date.as_deref())?,
    };
    let input = ReportInput {
        plan,
        catalogue: &loaded.catalogue,
        evaluation: &eval,
        history: &history,
        progress: &progress,
        meta,
    };
    let outline = docx::outline(&input)?;
    let bytes = docx::render(&outline, &input.meta, &renderer)?;
    std::fs::write(&args.out, &bytes)
        .with_context(|| format!("无法写入 {}", args.out.display()))?;
    let (tables, figures) =
        outline
            .parts
            .iter()
            .flat_map(|p| &p.blocks)
            .fold((0, 0), |(t, f), b| match b {
                docx::Block::Table(_) => (t + 1, f),
                docx::Block::Figure(_) => (t, f + 1),
                _ => (t, f),
            });
    eprintln!(
        "已生成 {}（{} KB）：《{}》，{} 张表、{} 幅图{}。",
        args.out.display(),
        bytes.len() / 1024,
        outline.title,
        tables,
        figures,
        if outline.demo {
            "；使用示例数据（非真实数据），封面已注明"
        } else {
            ""
        }
    );
    Ok(())
}
