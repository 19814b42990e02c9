//! `ecociv template --unit NAME | --region CODE --period P --out FILE.xlsx`: the reporting
//! template (填报模板) of a department or a county for one period.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use ecociv_core::Period;
use ecociv_core::observation::parse_values_csv;
use ecociv_report::xlsx_template::{self, Reporter, TemplateRequest, period_zh, previous_period};

use crate::cmd::demo::DEFAULT_DIR;
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
    /// 取“上期值”的指标值 CSV；缺省时若有 ecociv demo 的示例数据则用之
    #[arg(long, value_name = "FILE.csv")]
    pub values: Option<PathBuf>,
    /// 模板日期 YYYY-MM-DD（文件属性），缺省为今天
    #[arg(long)]
    pub date: Option<String>,
}

pub fn run(args: TemplateArgs, common: &Common) -> Result<()> {
    let loaded = common.load()?;
    let plan = &loaded.plan;
    let reporter = match (&args.unit, &args.region) {
        (Some(u), _) => Reporter::Unit(u.clone()),
        (None, Some(r)) => Reporter::Region(r.clone()),
        (None, None) => unreachable!("clap requires --unit or --region"),
    };
    // Last period's values, shown for reference.
    let values_path = args.values.clone().or_else(|| {
        let p = PathBuf::from(DEFAULT_DIR).join("values.csv");
        p.exists().then(|| {
            eprintln!("上期值取自示例数据 {}（非真实数据）", p.display());
            p
        })
    });
    let mut previous: BTreeMap<(String, String), f64> = BTreeMap::new();
    if let Some(p) = &values_path {
        let parsed = parse_values_csv(&p.display().to_string(), &read_text(p)?, plan);
        if !parsed.errors.is_empty() {
            eprintln!(
                "注意：{} 有 {} 行无效，已忽略（首个：{}）",
                p.display(),
                parsed.errors.len(),
                parsed.errors[0]
            );
        }
        let before = previous_period(args.period);
        for o in parsed.rows.iter().filter(|o| o.period == before) {
            previous.insert(
                (
                    plan.indicators[o.indicator].code.clone(),
                    plan.regions[o.region].code.clone(),
                ),
                o.value,
            );
        }
    }
    let version_id = common
        .catalogue_version
        .clone()
        .unwrap_or_else(|| plan.catalogue_version.clone());
    let template = xlsx_template::generate(&TemplateRequest {
        plan,
        catalogue_version: loaded.catalogue.version(&version_id),
        reporter,
        period: args.period,
        previous: &previous,
        date: crate::cmd::date_arg(args.date.as_deref())?,
    })?;
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
