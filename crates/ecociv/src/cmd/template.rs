//! `ecociv template --unit NAME | --region CODE --period P --out FILE.xlsx`: the reporting
//! template (填报模板) of a department or a county for one period, from the database's plan with
//! last period's approved values (the template the web service hands out), or with `--values`
//! from the plan of `--plan` (or the built-in one) and that CSV file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use ecociv_core::Period;
use ecociv_core::observation::parse_values_csv;
use ecociv_report::xlsx_template::{
    self, Reporter, Template, TemplateRequest, period_zh, previous_period,
};

use crate::cmd::db;
use crate::cmd::inputs::{Source, SourceArgs};
use crate::context::{Common, read_text};

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("who").required(true).args(["unit", "region"])))]
pub struct TemplateArgs {
    /// 填报单位（方案中的单位名称，如 市水利局）
    #[arg(long)]
    pub unit: Option<String>,
    /// 填报县区（行政区代码或名称，如 411727 或 汝南县）
    #[arg(long)]
    pub region: Option<String>,
    /// 报告期：年份 2025、季度 2025Q3 或月份 2025-07
    #[arg(long)]
    pub period: Period,
    /// 输出的 Excel 文件
    #[arg(long, value_name = "FILE.xlsx")]
    pub out: PathBuf,
    /// 数据库（默认）：方案和“上期值”（上期已审核的数据）取自数据库；未给出时取 ECOCIV_DATABASE，再缺省为 sqlite:ecociv.db
    #[arg(long, value_name = "URL", conflicts_with = "values")]
    pub database: Option<String>,
    /// 改从指标值 CSV 取“上期值”，方案取内置方案或 --plan，不读数据库
    #[arg(long, value_name = "FILE.csv")]
    pub values: Option<PathBuf>,
    /// 模板日期 YYYY-MM-DD（文件属性），缺省为今天
    #[arg(long)]
    pub date: Option<String>,
}

pub fn run(args: TemplateArgs, common: &Common) -> Result<()> {
    let reporter = match (&args.unit, &args.region) {
        (Some(u), _) => Reporter::Unit(u.clone()),
        (None, Some(r)) => Reporter::Region(r.clone()),
        (None, None) => unreachable!("clap requires --unit or --region"),
    };
    let date = crate::cmd::date_arg(args.date.as_deref())?;
    let source = SourceArgs {
        database: args.database.clone(),
        values: args.values.clone(),
        ..SourceArgs::default()
    };
    let template = match source.source() {
        Source::Database(url) => db::runtime()?.block_on(async {
            let app = db::open_existing(&url, common).await?;
            let app_model = app.model().await?;
            let configured = app_model.catalogue_version.clone();
            if let Some(v) = common.catalogue_version.as_ref().filter(|v| **v != configured) {
                app.close().await;
                bail!(
                    "数据库中的模板采用创建办设置的国家指标版本（{configured}），与 --catalogue-version {v} 不一致；如需按 {v} 版生成，请由创建办更改设置，或用 --values 从 CSV 生成"
                );
            }
            let (unit, region) = match &reporter {
                Reporter::Unit(u) => (Some(u.as_str()), None),
                Reporter::Region(r) => (None, Some(r.as_str())),
            };
            let unit = unit.map(|name| {
                app_unit_code(&app_model, name).unwrap_or_else(|| name.to_owned())
            });
            let made = app
                .template(
                    &db::operator(),
                    args.period,
                    unit.as_deref(),
                    region,
                    date,
                )
                .await;
            app.close().await;
            Ok::<_, anyhow::Error>(made?)
        })?,
        Source::Csv(files) => {
            let values = files.values.unwrap_or_default();
            from_csv(&values, reporter, args.period, date, common)?
        }
    };
    std::fs::write(&args.out, &template.bytes)
        .with_context(|| format!("无法写入 {}", args.out.display()))?;
    eprintln!(
        "已生成 {}：{}{}填报模板，{} 项指标、{} 项任务（校验码 {}）。",
        args.out.display(),
        template.layout.reporter_name,
        period_zh(args.period),
        template.layout.indicators.len(),
        template.layout.tasks.len(),
        template.checksum
    );
    Ok(())
}

/// The code of a unit named by its name (the command line takes names, the use case codes).
fn app_unit_code(model: &ecociv_app::PlanModel, name: &str) -> Option<String> {
    model
        .plan
        .units
        .iter()
        .find(|u| u.name == name || u.code == name)
        .map(|u| u.code.clone())
}

/// The template from the plan of `--plan` (or the built-in one) with 上期值 from a CSV file.
fn from_csv(
    values: &Path,
    reporter: Reporter,
    period: Period,
    date: ecociv_report::Date,
    common: &Common,
) -> Result<Template> {
    let loaded = common.load()?;
    let plan = &loaded.plan;
    let mut previous: BTreeMap<(String, String), f64> = BTreeMap::new();
    let parsed = parse_values_csv(&values.display().to_string(), &read_text(values)?, plan);
    if !parsed.errors.is_empty() {
        eprintln!(
            "注意：{} 有 {} 行无效，已忽略（首个：{}）",
            values.display(),
            parsed.errors.len(),
            parsed.errors[0]
        );
    }
    let before = previous_period(period);
    for o in parsed.rows.iter().filter(|o| o.period == before) {
        previous.insert(
            (
                plan.indicators[o.indicator].code.clone(),
                plan.regions[o.region].code.clone(),
            ),
            o.value,
        );
    }
    let version_id = common
        .catalogue_version
        .clone()
        .unwrap_or_else(|| plan.catalogue_version.clone());
    Ok(xlsx_template::generate(&TemplateRequest {
        plan,
        catalogue_version: loaded.catalogue.version(&version_id),
        reporter,
        period,
        previous: &previous,
        date,
    })?)
}
