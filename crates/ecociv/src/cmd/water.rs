//! `ecociv water`: surface water sections (GB 3838-2002, 环办〔2011〕22号) and urban black-odorous
//! water bodies (城市黑臭水体整治工作指南). Opens the files, calls `ecociv_standards::water`, prints
//! a table or JSON and optionally writes plan indicator values.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use ecociv_core::csv_cell::safe_record;
use ecociv_standards::water::blackodor::{self, BlackOdorReport};
use ecociv_standards::water::evaluation::{self, ClassShares, SectionPeriod, WaterReport};
use ecociv_standards::water::gb3838::WaterClass;
use ecociv_standards::water::reader;

#[derive(Debug, Subcommand)]
pub enum WaterCommand {
    /// 地表水断面水质评价：GB 3838-2002 类别、环办〔2011〕22号 月/季/年评价、区域比例、河流湖库、饮用水水源地、同比
    Evaluate(EvaluateArgs),
    /// 城市黑臭水体：按监测点、水体分级，计算黑臭水体消除比例
    Blackodor(BlackodorArgs),
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// 中文表格
    Table,
    /// JSON（字段名为英文）
    Json,
}

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// 水质监测数据 CSV（格式见 README）
    pub file: PathBuf,
    /// 评价年份；文件中所有日期须在该年内
    #[arg(long)]
    pub year: i32,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// 将指标值写入 CSV（`ecociv evaluate` 可读取的格式）
    #[arg(long, value_name = "OUT.csv")]
    pub values: Option<PathBuf>,
    /// 文件所覆盖区域的行政区划代码
    #[arg(long, default_value = "411700")]
    pub region: String,
    /// 上一年度的监测数据（同一格式），用于同比变化评价
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct BlackodorArgs {
    /// 黑臭水体检测数据 CSV（格式见 README）
    pub file: PathBuf,
    /// 黑臭水体清单 CSV（body[,name][,satisfaction(%)]）；缺省时以检测数据中的水体为清单
    #[arg(long, value_name = "FILE")]
    pub registry: Option<PathBuf>,
    /// 评价年份；给出时所有日期须在该年内。写 --values 时必需
    #[arg(long)]
    pub year: Option<i32>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// 将黑臭水体消除比例写入 CSV（需同时给出 --year）
    #[arg(long, value_name = "OUT.csv", requires = "year")]
    pub values: Option<PathBuf>,
    #[arg(long, default_value = "411700")]
    pub region: String,
}

pub fn run(cmd: WaterCommand) -> anyhow::Result<()> {
    match cmd {
        WaterCommand::Evaluate(a) => evaluate(a),
        WaterCommand::Blackodor(a) => black_odor(a),
    }
}

/// Reads a text file as UTF-8, or as GB18030 when it is not valid UTF-8 (spreadsheet programs on
/// Chinese Windows save CSV in that encoding).
pub fn read_text(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("无法读取文件 {}", path.display()))?;
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => {
            let (text, _, had_errors) = encoding_rs::GB18030.decode(e.as_bytes());
            if had_errors {
                bail!("{}: 既不是 UTF-8 也不是 GB18030 编码的文本", path.display());
            }
            Ok(text.into_owned())
        }
    }
}

/// Streams pretty JSON to stdout through a buffer: a national year is hundreds of megabytes, which
/// should not be built as one string first. A closed pipe (`| head`) ends the output quietly.
pub fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let result = serde_json::to_writer_pretty(&mut out, value)
        .map_err(std::io::Error::from)
        .and_then(|()| writeln!(out))
        .and_then(|()| out.flush());
    quiet_on_closed_pipe(result)
}

/// Prints text to stdout; a closed pipe ends the output quietly instead of panicking.
pub fn print_text(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    quiet_on_closed_pipe(out.write_all(text.as_bytes()).and_then(|()| out.flush()))
}

fn quiet_on_closed_pipe(r: std::io::Result<()>) -> anyhow::Result<()> {
    match r {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => Ok(r.context("无法写出结果")?),
    }
}

fn display_name(path: &Path) -> String {
    path.display().to_string()
}

fn evaluate(a: EvaluateArgs) -> anyhow::Result<()> {
    let text = read_text(&a.file)?;
    let set = reader::read_samples(text.as_bytes(), &display_name(&a.file), a.year)?;
    let baseline = match &a.baseline {
        Some(p) => {
            let t = read_text(p)?;
            Some(reader::read_samples(
                t.as_bytes(),
                &display_name(p),
                a.year - 1,
            )?)
        }
        None => None,
    };
    let report = evaluation::evaluate(&set, baseline.as_ref())
        .with_context(|| a.file.display().to_string())?;
    // Write the values before printing, so a failure leaves no half-finished output behind.
    if let Some(out) = &a.values {
        write_values(out, &water_values(&report, &a.region))?;
    }
    match a.format {
        Format::Json => print_json(&report)?,
        Format::Table => print_text(&water_table(&report, &a.region))?,
    }
    Ok(())
}

/// A plan indicator value row.
pub struct ValueRow {
    pub indicator: &'static str,
    pub region: String,
    pub period: String,
    pub value: f64,
    pub source: String,
}

/// Writes rows with the header `ecociv evaluate` reads.
pub fn write_values(path: &Path, rows: &[ValueRow]) -> anyhow::Result<()> {
    let mut w =
        csv::Writer::from_path(path).with_context(|| format!("无法写入 {}", path.display()))?;
    w.write_record(["indicator", "region", "period", "value", "source"])?;
    for r in rows {
        w.write_record(safe_record(&[
            r.indicator,
            &r.region,
            &r.period,
            &format_value(r.value),
            &r.source,
        ]))?;
    }
    w.flush()
        .with_context(|| format!("无法写入 {}", path.display()))?;
    Ok(())
}

/// A value with at most two decimals and no trailing zeros: `100`, `71.43`, `64.4`.
pub fn format_value(x: f64) -> String {
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

fn water_values(r: &WaterReport, region: &str) -> Vec<ValueRow> {
    let caveat = if r.unverified.contains(&evaluation::UNVERIFIED_BELOW_DL) {
        "; 含待核实规则（未检出按1/2检出限）"
    } else {
        ""
    };
    let source = |n: usize, what: &str| {
        format!(
            "ecociv water evaluate; {}, {}; {n} {what}{caveat}",
            r.standard, r.method
        )
    };
    let mut rows = Vec::new();
    let mut shares = |code: &str, s: &ClassShares| {
        if s.sections == 0 {
            return;
        }
        rows.push(ValueRow {
            indicator: "surface_water_good_ratio",
            region: code.to_owned(),
            period: r.year.to_string(),
            value: s.good_ratio,
            source: source(s.sections, "sections"),
        });
        rows.push(ValueRow {
            indicator: "surface_water_worse_v_ratio",
            region: code.to_owned(),
            period: r.year.to_string(),
            value: s.worse_than_v_ratio,
            source: source(s.sections, "sections"),
        });
    };
    shares(region, &r.shares);
    for (code, s) in &r.regions {
        if code != region {
            shares(code, s);
        }
    }
    if let Some(d) = &r.drinking {
        rows.push(ValueRow {
            indicator: "drinking_water_source_ratio",
            region: region.to_owned(),
            period: r.year.to_string(),
            value: d.ratio,
            source: format!(
                "ecociv water evaluate; {} 表1 Ⅲ类及表2, {}; {} drinking-water sources{caveat}",
                r.standard, r.method, d.sources
            ),
        });
    }
    rows
}

fn class_label(c: Option<WaterClass>) -> &'static str {
    c.map_or("—", WaterClass::label)
}

fn period_cell(p: Option<&SectionPeriod>) -> &'static str {
    p.and_then(|p| p.assessment.class_label).unwrap_or("—")
}

fn water_table(r: &WaterReport, region: &str) -> String {
    let mut o = String::new();
    let s = &r.shares;
    let _ = writeln!(
        o,
        "地表水环境质量评价 {}年（{}，{}）",
        r.year, r.standard, r.method
    );
    let _ = writeln!(
        o,
        "区域 {region}：参评断面 {} 个，达到或好于Ⅲ类 {} 个（{:.1}%），劣Ⅴ类 {} 个（{:.1}%）",
        s.sections, s.good, s.good_ratio, s.worse_than_v, s.worse_than_v_ratio
    );
    let counts: Vec<String> = WaterClass::ALL
        .iter()
        .zip(s.counts)
        .map(|(c, n)| format!("{} {n}", c.label()))
        .collect();
    let _ = writeln!(o, "各类别断面数：{}", counts.join("，"));
    for (code, rs) in &r.regions {
        let _ = writeln!(
            o,
            "  {code}：{} 个断面，Ⅰ～Ⅲ类 {:.1}%，劣Ⅴ类 {:.1}%",
            rs.sections, rs.good_ratio, rs.worse_than_v_ratio
        );
    }

    let _ = writeln!(o, "\n断面年度评价");
    let _ = writeln!(
        o,
        "断面 | 水体 | 类型 | 样品数 | 水质类别 | 水质状况 | 颜色 | 主要污染指标（超标倍数） | 总氮 | 粪大肠菌群 | 营养状态"
    );
    for sec in &r.sections {
        let a = &sec.annual.assessment;
        let main: Vec<String> = a.main_pollutants.iter().map(|m| m.label()).collect();
        let trophic = a.trophic.as_ref().map_or("—".to_owned(), |t| {
            format!("{}（TLI {:.2}）", t.grade_label, t.tli)
        });
        let _ = writeln!(
            o,
            "{} | {} | {}{} | {} | {} | {} | {} | {} | {} | {} | {}",
            sec.section,
            sec.water_body.as_deref().unwrap_or("—"),
            sec.body_type.label(),
            if sec.drinking_source {
                "（饮用水水源地）"
            } else {
                ""
            },
            sec.annual.samples,
            a.wording.unwrap_or("无参评指标"),
            a.status.unwrap_or("—"),
            a.colour.unwrap_or("—"),
            if main.is_empty() {
                "—".to_owned()
            } else {
                main.join("、")
            },
            class_label(a.tn_class),
            class_label(a.fecal_coliform_class),
            trophic
        );
    }

    let _ = writeln!(o, "\n月度水质类别");
    let months: Vec<String> = (1..=12).map(|m| format!("{m}月")).collect();
    let _ = writeln!(o, "断面 | {}", months.join(" | "));
    for sec in &r.sections {
        let cells: Vec<&str> = (1..=12u8)
            .map(|m| {
                period_cell(
                    sec.months
                        .iter()
                        .find(|p| p.kind == evaluation::PeriodKind::Month(m)),
                )
            })
            .collect();
        let _ = writeln!(o, "{} | {}", sec.section, cells.join(" | "));
    }
    let _ = writeln!(o, "\n季度水质类别");
    let _ = writeln!(o, "断面 | 一季度 | 二季度 | 三季度 | 四季度");
    for sec in &r.sections {
        let cells: Vec<&str> = (1..=4u8)
            .map(|q| {
                period_cell(
                    sec.quarters
                        .iter()
                        .find(|p| p.kind == evaluation::PeriodKind::Quarter(q)),
                )
            })
            .collect();
        let _ = writeln!(o, "{} | {}", sec.section, cells.join(" | "));
    }

    if !r.water_bodies.is_empty() {
        let _ = writeln!(o, "\n河流、湖库水质");
        let _ = writeln!(
            o,
            "水体 | 断面数 | 评价方法 | 水质状况 | Ⅰ～Ⅲ类比例 | 劣Ⅴ类比例 | 主要污染指标"
        );
        for b in &r.water_bodies {
            let _ = writeln!(
                o,
                "{} | {} | {} | {}{} | {:.1}% | {:.1}% | {}",
                b.name,
                b.sections,
                b.method,
                b.status.unwrap_or("—"),
                b.class
                    .map(|c| format!("（{}）", c.label()))
                    .unwrap_or_default(),
                b.shares.good_ratio,
                b.shares.worse_than_v_ratio,
                if b.main_pollutants.is_empty() {
                    "—".to_owned()
                } else {
                    b.main_pollutants.join("、")
                }
            );
            if let Some(n) = b.note {
                let _ = writeln!(o, "  注：{n}");
            }
        }
    }
    if let Some(d) = &r.drinking {
        let _ = writeln!(
            o,
            "\n集中式饮用水水源地：{} 个，达标 {} 个，达标比例 {:.1}%{}",
            d.sources,
            d.compliant,
            d.ratio,
            if d.non_compliant.is_empty() {
                String::new()
            } else {
                format!("；未达标：{}", d.non_compliant.join("、"))
            }
        );
    }
    if let Some(c) = &r.change {
        let _ = writeln!(
            o,
            "\n同比（{}年→{}年）：Ⅰ～Ⅲ类比例 {:.1}% → {:.1}%（ΔG {:+.1}），劣Ⅴ类比例 {:.1}% → {:.1}%（ΔD {:+.1}），{}",
            c.baseline_year,
            r.year,
            c.baseline.good_ratio,
            s.good_ratio,
            c.delta_good,
            c.baseline.worse_than_v_ratio,
            s.worse_than_v_ratio,
            c.delta_worse_than_v,
            c.change
        );
        for sc in &c.sections {
            if sc.change != "无明显变化" {
                let _ = writeln!(
                    o,
                    "  {}：{} → {}，{}",
                    sc.section, sc.before, sc.after, sc.change
                );
            }
        }
    }
    if !r.unverified.is_empty() {
        let _ = writeln!(o, "\n待核实的评价规则：");
        for u in &r.unverified {
            let _ = writeln!(o, "  - {u}");
        }
    }
    if !r.warnings.is_empty() {
        let _ = writeln!(o, "\n提示");
        for w in &r.warnings {
            let _ = writeln!(o, "  - {w}");
        }
    }
    o
}

fn black_odor(a: BlackodorArgs) -> anyhow::Result<()> {
    let text = read_text(&a.file)?;
    let bodies = blackodor::read_survey(text.as_bytes(), &display_name(&a.file), a.year)?;
    let register = match &a.registry {
        Some(p) => Some(blackodor::read_register(
            read_text(p)?.as_bytes(),
            &display_name(p),
        )?),
        None => None,
    };
    let report = blackodor::evaluate(&bodies, register.as_deref());
    if let (Some(out), Some(year)) = (&a.values, a.year) {
        if report.elimination.registered == 0 {
            bail!(
                "{}: 没有任何水体，无法计算黑臭水体消除比例",
                a.file.display()
            );
        }
        write_values(
            out,
            &[ValueRow {
                indicator: "black_odorous_elimination_ratio",
                region: a.region.clone(),
                period: year.to_string(),
                value: report.elimination.ratio,
                source: format!(
                    "ecociv water blackodor; {}; {} registered bodies (含待核实判定规则)",
                    report.guideline, report.elimination.registered
                ),
            }],
        )?;
    }
    match a.format {
        Format::Json => print_json(&report)?,
        Format::Table => print_text(&black_odor_table(&report))?,
    }
    Ok(())
}

fn black_odor_table(r: &BlackOdorReport) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "城市黑臭水体评价（{}）", r.guideline);
    let _ = writeln!(o, "水体 | 等级 | 检测点数 | 重度点数 | 重度黑臭段");
    for b in &r.bodies {
        let stretches: Vec<String> = b
            .heavy_stretches
            .iter()
            .map(|(a, z)| format!("{a}～{z}"))
            .collect();
        let _ = writeln!(
            o,
            "{} | {} | {} | {} | {}",
            b.body,
            b.grade_label,
            b.points.len(),
            b.heavy_points,
            if stretches.is_empty() {
                "—".to_owned()
            } else {
                stretches.join("、")
            }
        );
        for p in &b.points {
            let pct = |x: &[Option<f64>; 4]| {
                x.iter()
                    .map(|v| v.map_or("—".to_owned(), |v| format!("{v:.0}%")))
                    .collect::<Vec<_>>()
                    .join("/")
            };
            let _ = writeln!(
                o,
                "  {} | {} | {}次 | 重度比例(透明度/溶解氧/ORP/氨氮) {} | 轻度及以上 {}",
                p.point,
                p.grade_label,
                p.samples,
                pct(&p.heavy_pct),
                pct(&p.black_pct)
            );
        }
    }
    let e = &r.elimination;
    let _ = writeln!(
        o,
        "\n黑臭水体消除比例：{}/{} = {:.1}%",
        e.eliminated, e.registered, e.ratio
    );
    for x in &e.entries {
        let _ = writeln!(
            o,
            "  {}{} | {} | {}",
            x.body,
            x.name
                .as_deref()
                .map(|n| format!("（{n}）"))
                .unwrap_or_default(),
            if x.eliminated {
                "已消除"
            } else {
                "未消除"
            },
            x.reason
        );
    }
    let _ = writeln!(o, "\n待核实的判定规则：");
    for u in &r.unverified {
        let _ = writeln!(o, "  - {u}");
    }
    if !r.warnings.is_empty() {
        let _ = writeln!(o, "\n提示");
        for w in &r.warnings {
            let _ = writeln!(o, "  - {w}");
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::format_value;

    #[test]
    fn values_have_at_most_two_decimals() {
        assert_eq!(format_value(100.0), "100");
        assert_eq!(format_value(500.0 / 7.0), "71.43");
        assert_eq!(format_value(64.4), "64.4");
        assert_eq!(format_value(0.0), "0");
    }
}
