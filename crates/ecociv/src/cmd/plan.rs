//! `ecociv plan check FILE` and `ecociv plan show`.

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::{Subcommand, ValueEnum};
use ecociv_core::{Catalogue, Plan, builtin};
use serde_json::json;

use crate::context::{Common, read_text};
use crate::table;

#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// 检查方案或国家指标文件，列出所有错误（文件、行、字段）/ validate a plan or catalogue file
    Check {
        /// 方案 TOML，或国家指标版本 TOML（含 [version]）
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
        format: CheckFormat,
    },
    /// 显示方案：任务、牵头和参与单位、指标和目标 / print the plan
    Show {
        #[arg(long, value_enum, default_value_t = ShowFormat::Table)]
        format: ShowFormat,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ShowFormat {
    Table,
    Json,
}

pub fn run(cmd: PlanCommand, common: &Common) -> Result<()> {
    match cmd {
        PlanCommand::Check { file, format } => check(&file, format),
        PlanCommand::Show { format } => {
            let loaded = common.load()?;
            match format {
                ShowFormat::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&plan_json(&loaded.plan, &loaded.catalogue))?
                ),
                ShowFormat::Table => print!("{}", plan_text(&loaded.plan, &loaded.catalogue)),
            }
            Ok(())
        }
    }
}

fn check(file: &std::path::Path, format: CheckFormat) -> Result<()> {
    let text = read_text(file)?;
    let name = file.display().to_string();
    let catalogue = builtin::catalogue()
        .map_err(|d| anyhow::anyhow!("内置国家指标数据有误（这是程序缺陷）:\n{d}"))?;
    // A catalogue version file has a [version] table; anything else is checked as a plan.
    let is_version = text
        .parse::<toml::Table>()
        .map(|t| t.contains_key("version"))
        .unwrap_or(false);
    let mut findings: Vec<ecociv_core::findings::Finding> = Vec::new();
    let result: Result<String, ecociv_core::Diagnostics> = if is_version {
        catalogue.with_version(&name, &text).map(|c| {
            let id = text
                .parse::<toml::Table>()
                .ok()
                .and_then(|t| {
                    t["version"]
                        .get("id")
                        .and_then(|v| v.as_str().map(str::to_owned))
                })
                .unwrap_or_default();
            let rows = c.version(&id).map_or(0, |v| v.rows.len());
            format!("国家指标版本 {id}：{rows} 行")
        })
    } else {
        Plan::load(&name, &text, &catalogue).map(|p| {
            // What a valid plan says that its reviewer should know: targets laxer than the
            // national threshold of the catalogue version the plan is judged against.
            if let Some(v) = catalogue.version(&p.catalogue_version) {
                findings = ecociv_core::findings::plan_findings(&p, v);
            }
            let targets = p.targets().count();
            format!(
                "方案“{}”：{} 项任务、{} 个目标、{} 个方案指标",
                p.name,
                p.tasks.len(),
                targets,
                p.plan_indicators().len()
            )
        })
    };
    match (result, format) {
        (Ok(summary), CheckFormat::Text) => {
            println!("✓ {name}: {summary}，未发现错误。");
            if !findings.is_empty() {
                println!(
                    "\n方案检查发现 {} 处（不影响载入，请核对）：",
                    findings.len()
                );
                for f in &findings {
                    println!("  ⚠ {}", f.text(ecociv_i18n::Lang::Zh));
                }
            }
            Ok(())
        }
        (Ok(summary), CheckFormat::Json) => {
            let findings: Vec<serde_json::Value> = findings
                .iter()
                .map(|f| {
                    let mut v = serde_json::to_value(f).unwrap_or_default();
                    v["message"] = json!(f.text(ecociv_i18n::Lang::Zh));
                    v
                })
                .collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({
                    "file": name, "ok": true, "summary": summary, "problems": [],
                    "findings": findings,
                }))?
            );
            Ok(())
        }
        (Err(d), CheckFormat::Text) => {
            eprintln!("{d}");
            bail!("{name} 有 {} 处错误", d.len())
        }
        (Err(d), CheckFormat::Json) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({"file": name, "ok": false, "problems": d}))?
            );
            bail!("{name} 有 {} 处错误", d.len())
        }
    }
}

/// The plan as JSON: meta, goals, tasks with units and targets, and the plan's indicators with
/// the national rows they map to in each catalogue version.
pub fn plan_json(plan: &Plan, catalogue: &Catalogue) -> serde_json::Value {
    let indicators: Vec<serde_json::Value> = plan
        .plan_indicators()
        .into_iter()
        .map(|ind| {
            let national: Vec<serde_json::Value> = catalogue
                .versions
                .iter()
                .filter_map(|v| {
                    v.rows.iter().find(|r| r.indicator == ind.code).map(|r| {
                        json!({"version": v.id, "row": r.id, "number": r.number, "name": r.name, "threshold": r.threshold, "printed": r.printed, "verified": r.verified()})
                    })
                })
                .collect();
            json!({
                "code": ind.code, "name": ind.name, "unit": ind.unit, "direction": ind.direction, "kind": ind.kind,
                "method": ind.method, "area": ind.area, "national": national,
            })
        })
        .collect();
    let tasks: Vec<serde_json::Value> = plan
        .tasks
        .iter()
        .map(|t| {
            let targets: Vec<serde_json::Value> = t
                .targets
                .iter()
                .map(|g| {
                    let ind = plan.indicator(&g.indicator);
                    let unit = ind.map_or("", |i| i.unit.as_str());
                    let dir = ind.map_or(ecociv_core::Direction::HigherIsBetter, |i| i.direction);
                    json!({
                        "indicator": g.indicator,
                        "name": ind.map(|i| i.name.as_str()),
                        "unit": unit,
                        "threshold": g.threshold,
                        "text": g.threshold.text_zh(dir, unit, plan.base_year),
                        "year": g.year,
                        "region": g.region,
                        "region_name": plan.region(&g.region).map(|r| r.name.as_str()),
                        "quote": g.quote,
                        "deadline": g.deadline,
                        "lead": g.lead,
                        "note": g.note,
                    })
                })
                .collect();
            json!({
                "number": t.number, "area": t.area.name_zh(), "title": t.title, "text": t.text,
                "lead": t.lead, "participants": t.participants, "participants_open": t.participants_open,
                "shared": t.shared, "responsibility": if t.shared { "按职责分工负责" } else { "牵头" },
                "deadline": t.deadline, "truncated": t.truncated, "targets": targets, "narrative": t.narrative, "note": t.note,
            })
        })
        .collect();
    json!({
        "id": plan.id, "name": plan.name, "city": plan.city, "base_year": plan.base_year, "end_year": plan.end_year,
        "milestones": plan.milestones, "catalogue_version": plan.catalogue_version, "source": plan.source, "notes": plan.notes,
        "regions": plan.regions, "units": plan.units, "goals": plan.goals, "tasks": tasks, "indicators": indicators,
    })
}

fn plan_text(plan: &Plan, catalogue: &Catalogue) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "{}（{}–{}年，里程碑 {}）\n",
        plan.name,
        plan.base_year + 1,
        plan.end_year,
        plan.milestones
            .iter()
            .map(i32::to_string)
            .collect::<Vec<_>>()
            .join("、")
    ));
    out.push_str(&format!(
        "城市: {}；国家指标版本: {}\n\n",
        plan.city_region().name,
        plan.catalogue_version
    ));
    for g in &plan.goals {
        out.push_str(&format!("【{}年工作目标】\n", g.year));
        for item in &g.items {
            out.push_str(&format!("  · {item}\n"));
        }
    }
    let mut area = None;
    for t in &plan.tasks {
        if area != Some(t.area) {
            area = Some(t.area);
            out.push_str(&format!("\n══ {} ══\n", t.area.name_zh()));
        }
        out.push_str(&format!(
            "\n{}. {}{}\n",
            t.number,
            t.title,
            if t.truncated {
                "（原文截断）"
            } else {
                ""
            }
        ));
        let label = if t.shared {
            "按职责分工负责"
        } else {
            "牵头"
        };
        out.push_str(&format!("   {label}: {}\n", t.lead.join("、")));
        if !t.participants.is_empty() {
            out.push_str(&format!(
                "   参与: {}{}\n",
                t.participants.join("、"),
                if t.participants_open { "等" } else { "" }
            ));
        }
        for g in &t.targets {
            let Some(ind) = plan.indicator(&g.indicator) else {
                continue;
            };
            let region = if g.region == plan.city {
                String::new()
            } else {
                format!(
                    "［{}］",
                    plan.region(&g.region).map_or("", |r| r.name.as_str())
                )
            };
            let lead = if g.lead.is_empty() {
                String::new()
            } else {
                format!("（负责: {}）", g.lead.join("、"))
            };
            out.push_str(&format!(
                "   ▸ {}年 {}{} {}{}\n",
                g.year,
                ind.name,
                region,
                g.threshold
                    .text_zh(ind.direction, ind.unit.as_str(), plan.base_year),
                lead
            ));
        }
    }
    out.push_str("\n══ 方案指标 ══\n");
    let rows: Vec<Vec<String>> = plan
        .plan_indicators()
        .into_iter()
        .map(|ind| {
            let national: Vec<String> = catalogue
                .versions
                .iter()
                .filter_map(|v| {
                    v.rows
                        .iter()
                        .find(|r| r.indicator == ind.code)
                        .map(|r| format!("{}版第{}项", v.id, r.number))
                })
                .collect();
            vec![
                ind.code.clone(),
                ind.name.clone(),
                ind.unit.to_string(),
                national.join("、"),
            ]
        })
        .collect();
    out.push_str(&table::render(
        &["代码", "指标名称", "单位", "对应国家指标"],
        &rows,
    ));
    out
}
