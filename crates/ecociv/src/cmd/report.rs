//! `ecociv report --year Y --out FILE.docx`: the annual self-assessment report (年度自评估报告),
//! from the database (the same document the web service serves at
//! `/reports/{year}/self-assessment.docx`) or, with `--values`, from CSV files.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use ecociv_app::documents::{SelfAssessment, default_organisation};
use ecociv_core::ValueSet;
use ecociv_core::evaluate::Options;
use ecociv_report::chart::{DEFAULT_FONT_DIR, PngRenderer};
use ecociv_report::docx::{ReportInput, ReportMeta};
use ecociv_report::xlsx_import::{self, Expect};
use ecociv_report::{History, TaskProgress};

use crate::cmd::db;
use crate::cmd::inputs::{self, Source, SourceArgs, ValueFiles};
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
    pub source: SourceArgs,
    /// 已填写的填报模板（.xlsx，可多个，仅与 --values 一起用）：其中的重点任务进展写入报告；使用数据库时任务进展取自已提交和已审核的任务进展
    #[arg(long, value_name = "FILE.xlsx", requires = "values")]
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
    // The font first: without it no report is written, whatever the source.
    let renderer = PngRenderer::from_font_dir(&args.font_dir)?;
    let date = crate::cmd::date_arg(args.date.as_deref())?;
    let made = match args.source.source() {
        Source::Database(url) => db::runtime()?.block_on(async {
            let app = db::open_existing(&url, common).await?;
            let made = app
                .self_assessment(
                    &db::operator(),
                    args.year,
                    common.catalogue_version.as_deref(),
                    args.organisation.clone(),
                    date,
                    renderer,
                )
                .await;
            app.close().await;
            Ok::<_, anyhow::Error>(made?)
        })?,
        Source::Csv(files) => from_csv(&args, &files, common, date, &renderer)?,
    };
    std::fs::write(&args.out, &made.bytes)
        .with_context(|| format!("无法写入 {}", args.out.display()))?;
    eprintln!(
        "已生成 {}（{} KB）：《{}》，{} 张表、{} 幅图{}。",
        args.out.display(),
        made.bytes.len() / 1024,
        made.title,
        made.tables,
        made.figures,
        if made.demo {
            "；使用示例数据（非真实数据），封面已注明"
        } else {
            ""
        }
    );
    Ok(())
}

/// The report from CSV files and filled templates.
fn from_csv(
    args: &ReportArgs,
    files: &ValueFiles,
    common: &Common,
    date: ecociv_report::Date,
    renderer: &PngRenderer,
) -> Result<SelfAssessment> {
    let loaded = common.load()?;
    let plan = &loaded.plan;
    let inputs = inputs::read(files, &loaded)?;
    let eval = inputs.evaluate(
        &loaded,
        &Options {
            year: args.year,
            catalogue_version: common.catalogue_version.clone(),
            region: None,
        },
    )?;
    let history = History::from_values(
        plan,
        &ValueSet::for_plan(plan, inputs.observations.iter().cloned()),
    );
    let progress = read_progress(&args.progress, &loaded)?;
    let meta = ReportMeta {
        organisation: args
            .organisation
            .clone()
            .unwrap_or_else(|| default_organisation(plan)),
        date,
        audit_head: None,
    };
    let input = ReportInput {
        plan,
        catalogue: &loaded.catalogue,
        evaluation: &eval,
        history: &history,
        progress: &progress,
        meta,
    };
    Ok(SelfAssessment::make(&input, renderer)?)
}
