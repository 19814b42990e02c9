//! `ecociv eco`: the HJ 192-2015 ecological status index from land cover, water network and
//! pollutant loads.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::bail;
use clap::{Args, Subcommand};
use ecociv_standards::eco::hj192::{self, EiResult};
use ecociv_standards::eco::reader::read_ei;
use serde::Serialize;

use super::water::{Format, ValueRow, print_json, print_text, read_text, write_values};

#[derive(Debug, Subcommand)]
pub enum EcoCommand {
    /// 生态环境状况指数 EI（HJ 192-2015）：分指数、等级、环境限制、年际变化
    Index(IndexArgs),
}

#[derive(Debug, Args)]
pub struct IndexArgs {
    /// EI 输入 CSV：每行一个行政区和年份（格式见 README）
    pub file: PathBuf,
    /// 评价年份
    #[arg(long)]
    pub year: i32,
    /// 变化度的基准年（缺省为上一年，文件中有该年数据时计算）
    #[arg(long)]
    pub base_year: Option<i32>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// 将 EI 写入 CSV（`ecociv evaluate` 可读取的格式）
    #[arg(long, value_name = "OUT.csv")]
    pub values: Option<PathBuf>,
}

/// EI of a region with its change from the base year.
#[derive(Debug, Serialize)]
pub struct RegionEi {
    #[serde(flatten)]
    pub result: EiResult,
    pub base_year: Option<i32>,
    pub base_ei: Option<f64>,
    pub delta_ei: Option<f64>,
    pub change: Option<&'static str>,
}

#[derive(Debug, Serialize)]
struct EcoReport {
    standard: &'static str,
    year: i32,
    regions: Vec<RegionEi>,
    notes: Vec<String>,
}

pub fn run(cmd: EcoCommand) -> anyhow::Result<()> {
    match cmd {
        EcoCommand::Index(a) => index(a),
    }
}

fn index(a: IndexArgs) -> anyhow::Result<()> {
    let text = read_text(&a.file)?;
    let (rows, notes) = read_ei(text.as_bytes(), &a.file.display().to_string())?;
    let base_year = a.base_year.unwrap_or(a.year - 1);
    let mut regions = Vec::new();
    for row in rows.iter().filter(|r| r.year == a.year) {
        let result = hj192::compute(row);
        let base = rows
            .iter()
            .find(|r| r.year == base_year && r.region == row.region)
            .map(hj192::compute);
        let (base_ei, delta, change) = match &base {
            Some(b) => {
                let (x, y) = (hj192::hundredths(b.ei), hj192::hundredths(result.ei));
                (
                    Some(b.ei),
                    Some((y - x) as f64 / 100.0),
                    Some(hj192::change_class(x, y)),
                )
            }
            None => (None, None, None),
        };
        regions.push(RegionEi {
            result,
            base_year: base.as_ref().map(|_| base_year),
            base_ei,
            delta_ei: delta,
            change,
        });
    }
    if regions.is_empty() {
        bail!("{}: 没有 {} 年的数据", a.file.display(), a.year);
    }
    let report = EcoReport {
        standard: hj192::STANDARD,
        year: a.year,
        regions,
        notes,
    };
    if let Some(out) = &a.values {
        let rows: Vec<ValueRow> = report
            .regions
            .iter()
            .map(|r| ValueRow {
                indicator: "ei",
                region: r.result.region.clone(),
                period: a.year.to_string(),
                value: r.result.ei,
                source: format!(
                    "ecociv eco index; {}; 含待核实系数 {} 项",
                    hj192::STANDARD,
                    r.result.unverified.len()
                ),
            })
            .collect();
        write_values(out, &rows)?;
    }
    match a.format {
        Format::Json => print_json(&report)?,
        Format::Table => print_text(&table(&report))?,
    }
    Ok(())
}

fn table(r: &EcoReport) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "生态环境状况指数 EI {}年（{}）", r.year, r.standard);
    let _ = writeln!(
        o,
        "行政区 | 生物丰度 | 植被覆盖 | 水网密度 | 土地胁迫 | 污染负荷 | EI | 等级 | 变化"
    );
    for x in &r.regions {
        let e = &x.result;
        let grade = if e.grade == e.grade_before_restriction {
            e.grade.to_owned()
        } else {
            format!(
                "{}（按指数为{}，受环境限制调整）",
                e.grade, e.grade_before_restriction
            )
        };
        let change = match (x.base_year, x.delta_ei, x.change) {
            (Some(y), Some(d), Some(c)) => format!("较{y}年 {d:+.2}，{c}"),
            _ => "—".to_owned(),
        };
        let _ = writeln!(
            o,
            "{} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {} | {}",
            e.region,
            e.biological_abundance,
            e.vegetation_cover,
            e.water_network_density,
            e.land_stress,
            e.pollution_load,
            e.ei,
            grade,
            change
        );
        for n in &e.notes {
            let _ = writeln!(o, "  注：{n}");
        }
    }
    let mut unverified: Vec<&String> = Vec::new();
    for u in r.regions.iter().flat_map(|x| &x.result.unverified) {
        if !unverified.contains(&u) {
            unverified.push(u);
        }
    }
    if !unverified.is_empty() {
        let _ = writeln!(o, "\n待核实（系数或单位未经标准原文确认）：");
        for u in unverified {
            let _ = writeln!(o, "  - {u}");
        }
    }
    if !r.notes.is_empty() {
        let _ = writeln!(o, "\n提示");
        for n in &r.notes {
            let _ = writeln!(o, "  - {n}");
        }
    }
    let _ = writeln!(
        o,
        "\n说明：2024年版示范区指标以生态质量指数（EQI）取代 EI；EI 供规划任务（保持 EI ≥ 55）跟踪使用。"
    );
    o
}
