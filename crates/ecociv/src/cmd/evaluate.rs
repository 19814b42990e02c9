//! `ecociv evaluate --values FILE.csv --year Y`: statuses, forecasts and explanations.

use anyhow::Result;
use clap::ValueEnum;
use ecociv_core::csv_cell::safe_record;
use ecociv_core::evaluate::{Options, Status};
use ecociv_core::{Evaluation, Plan, explain};

use crate::cmd::inputs::{self, ValueFiles};
use crate::context::Common;
use crate::table;

#[derive(Debug, clap::Args)]
pub struct EvaluateArgs {
    #[command(flatten)]
    pub files: ValueFiles,
    /// 评估年份
    #[arg(long)]
    pub year: i32,
    /// 只评估这个行政区（代码或名称）
    #[arg(long)]
    pub region: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
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
    let inputs = inputs::read(&args.files, &loaded)?;
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
    let eval = inputs.evaluate(&loaded, &opts)?;
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&eval)?),
        Format::Csv => print!("{}", to_csv(&eval)?),
        Format::Table => print!("{}", to_table(plan, &eval)),
    }
    Ok(())
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
        w.write_record(safe_record(&[
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
        ]))?;
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
