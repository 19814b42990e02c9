//! `ecociv evaluate --values FILE.csv --year Y`: statuses, forecasts and explanations.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use clap::ValueEnum;
use ecociv_core::evaluate::{Options, Status};
use ecociv_core::observation::{Parsed, RowError, parse_assigned_csv, parse_values_csv};
use ecociv_core::{AssignedSet, Evaluation, Plan, ValueSet, explain};

use crate::cmd::demo::DEFAULT_DIR;
use crate::context::{Common, read_text};
use crate::table;

#[derive(Debug, clap::Args)]
pub struct EvaluateArgs {
    /// 指标值 CSV（表头 indicator,region,period,value,source）；缺省时使用 ecociv demo 生成的示例数据
    #[arg(long, value_name = "FILE.csv")]
    pub values: Option<PathBuf>,
    /// 上级下达目标 CSV（表头 indicator,region,year,threshold,document）；缺省时使用指标值文件旁的 assigned.csv（如有）
    #[arg(long, value_name = "FILE.csv")]
    pub assigned: Option<PathBuf>,
    /// 评估年份
    #[arg(long)]
    pub year: i32,
    /// 只评估这个行政区（代码或名称）
    #[arg(long)]
    pub region: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// 跳过无效行继续评估（默认：文件有错误则不评估）
    #[arg(long)]
    pub skip_invalid: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

pub fn run(args: EvaluateArgs, common: &Common) -> Result<()> {
    let loaded = common.load()?;
    let plan = &loaded.plan;
    let values_path = match &args.values {
        Some(p) => p.clone(),
        None => {
            let p = Path::new(DEFAULT_DIR).join("values.csv");
            if !p.exists() {
                bail!("请用 --values 指定指标值文件，或先运行 `ecociv demo` 生成示例数据");
            }
            eprintln!(
                "未指定 --values，使用示例数据 {}（非真实数据）",
                p.display()
            );
            p
        }
    };
    let assigned_path = args.assigned.clone().or_else(|| {
        let p = values_path
            .parent()
            .unwrap_or(Path::new("."))
            .join("assigned.csv");
        p.exists().then(|| {
            eprintln!("使用上级下达目标文件 {}", p.display());
            p
        })
    });

    let name = values_path.display().to_string();
    let values = parse_values_csv(&name, &read_text(&values_path)?, plan);
    let assigned = match &assigned_path {
        Some(p) => parse_assigned_csv(&p.display().to_string(), &read_text(p)?, plan),
        None => Parsed {
            rows: Vec::new(),
            errors: Vec::new(),
        },
    };
    report_errors(&values.errors, &assigned.errors, args.skip_invalid)?;

    let region = match &args.region {
        Some(r) => Some(
            plan.find_region(r)
                .ok_or_else(|| anyhow::anyhow!("未知的行政区“{r}”"))?,
        ),
        None => None,
    };
    let opts = Options {
        year: args.year,
        catalogue_version: common.catalogue_version.clone(),
        region,
    };
    let eval = ecociv_core::evaluate(
        plan,
        &loaded.catalogue,
        &ValueSet::new(values.rows),
        &AssignedSet::new(assigned.rows),
        &opts,
    )?;
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&eval)?),
        Format::Csv => print!("{}", to_csv(&eval)?),
        Format::Table => print!("{}", to_table(plan, &eval)),
    }
    Ok(())
}

fn report_errors(values: &[RowError], assigned: &[RowError], skip: bool) -> Result<()> {
    let total = values.len() + assigned.len();
    if total == 0 {
        return Ok(());
    }
    for e in values.iter().chain(assigned) {
        eprintln!("{e}");
    }
    if skip {
        eprintln!("已跳过 {total} 行无效数据。");
        Ok(())
    } else {
        bail!("输入文件有 {total} 处错误，未进行评估（可用 --skip-invalid 跳过无效行）")
    }
}

fn to_csv(eval: &Evaluation) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "indicator",
        "name",
        "region",
        "region_name",
        "value",
        "unit",
        "status",
        "status_zh",
        "target",
        "target_year",
        "target_status",
        "national_version",
        "national_row",
        "national",
        "national_status",
        "national_verified",
        "forecast_year",
        "forecast_value",
        "explanation",
    ])?;
    for r in &eval.results {
        let st = |s: Status| {
            serde_json::to_value(s)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        };
        w.write_record([
            r.indicator.clone(),
            r.name.clone(),
            r.region.clone(),
            r.region_name.clone(),
            r.value.map(explain::num).unwrap_or_default(),
            r.unit.clone(),
            st(r.status),
            r.status.name_zh().to_owned(),
            r.target
                .as_ref()
                .map(|t| t.text.clone())
                .unwrap_or_default(),
            r.target
                .as_ref()
                .map(|t| t.year.to_string())
                .unwrap_or_default(),
            r.target.as_ref().map(|t| st(t.status)).unwrap_or_default(),
            r.national
                .as_ref()
                .map(|n| n.version.clone())
                .unwrap_or_default(),
            r.national
                .as_ref()
                .map(|n| n.number.clone())
                .unwrap_or_default(),
            r.national
                .as_ref()
                .map(|n| n.text.clone())
                .unwrap_or_default(),
            r.national
                .as_ref()
                .map(|n| st(n.status))
                .unwrap_or_default(),
            r.national
                .as_ref()
                .map(|n| n.verified.to_string())
                .unwrap_or_default(),
            r.forecast
                .as_ref()
                .map(|f| f.year.to_string())
                .unwrap_or_default(),
            r.forecast
                .as_ref()
                .and_then(|f| f.value)
                .map(explain::num)
                .unwrap_or_default(),
            r.explanation.clone(),
        ])?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

fn to_table(plan: &Plan, eval: &Evaluation) -> String {
    let mut out = String::new();
    let r = &eval.readiness;
    out.push_str(&format!(
        "{}年评估 · 国家标准{}版《{}》\n{}\n",
        eval.year, r.catalogue_version, r.catalogue_title, r.summary
    ));
    let mut region = String::new();
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut attention: Vec<String> = Vec::new();
    let flush = |region: &str, rows: &mut Vec<Vec<String>>, out: &mut String| {
        if rows.is_empty() {
            return;
        }
        out.push_str(&format!("\n【{region}】\n"));
        out.push_str(&table::render(
            &["状态", "指标", "数值", "方案目标", "国家标准"],
            rows,
        ));
        rows.clear();
    };
    for res in &eval.results {
        if res.region_name != region {
            flush(&region, &mut rows, &mut out);
            region = res.region_name.clone();
        }
        let value = match (res.value, plan.indicator(&res.indicator)) {
            (Some(v), Some(ind)) => explain::value(ind, v),
            _ => "—".to_owned(),
        };
        let target = res
            .target
            .as_ref()
            .map_or("—".to_owned(), |t| format!("{}（{}年）", t.text, t.year));
        let national = res.national.as_ref().map_or("—".to_owned(), |n| {
            format!(
                "{} {}{}",
                n.status.symbol(),
                n.status.name_zh(),
                if n.verified { "" } else { "·待核实" }
            )
        });
        rows.push(vec![
            format!("{} {}", res.status.symbol(), res.status.name_zh()),
            res.name.clone(),
            value,
            target,
            national,
        ]);
        if matches!(
            res.status,
            Status::NotMet | Status::AtRisk | Status::NoData | Status::Pending
        ) {
            attention.push(format!(
                "{} {}［{}］{}",
                res.status.symbol(),
                res.status.name_zh(),
                res.region_name,
                res.explanation
            ));
        }
    }
    flush(&region, &mut rows, &mut out);
    if !attention.is_empty() {
        out.push_str(&format!("\n需关注（{}项）:\n", attention.len()));
        for a in attention {
            out.push_str(&format!("  {a}\n"));
        }
    }
    out
}
