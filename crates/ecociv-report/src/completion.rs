//! The indicator completion table (指标完成情况表): one row per indicator of the national
//! catalogue version the evaluation used, for the city, with the plan target beside the
//! national threshold. The same rows are written as a workbook ([`crate::xlsx_completion`]) and
//! as the annex of the report ([`crate::docx`]).

use ecociv_core::evaluate::IndicatorResult;
use ecociv_core::{Catalogue, Evaluation, Plan, Responsibility, Status, ValueState, explain};

/// One row of the table.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CompletionRow {
    /// 领域 as printed in the catalogue version.
    pub area: String,
    /// 序号 as printed.
    pub number: String,
    pub indicator: String,
    /// The indicator as printed, with its parent item: 「环境空气质量—优良天数比例」.
    pub name: String,
    pub unit: String,
    /// 国家标准 as printed in the standard.
    pub national: String,
    /// The plan's target for the relevant milestone: 「≥95%（2025年）」, or 「—」.
    pub target: String,
    /// The year's value: 「97%」, 「是」, 「无数据」; pending values say so.
    pub value: String,
    /// The indicator's overall status for the city: the worse of the plan and the national
    /// status (ecociv-core's one definition), as every other surface shows it.
    pub status: Option<Status>,
    /// 约束性 / 参考性, or 「—」 where the version has no attribute column.
    pub attribute: String,
    pub lead: String,
    /// 待核实, why a row does not apply, or that the value is pending.
    pub note: String,
}

impl CompletionRow {
    /// 「✓ 达标」: the symbol keeps the status readable in black and white.
    pub fn status_text(&self) -> String {
        self.status.map_or_else(
            || "—".to_owned(),
            |s| format!("{} {}", s.symbol(), s.name_zh()),
        )
    }
}

/// The whole table.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CompletionTable {
    /// 「驻马店市国家生态文明建设示范市建设指标完成情况表（2025年）」.
    pub title: String,
    /// What the table is measured against: the catalogue version's title and document.
    pub basis: String,
    pub year: i32,
    pub rows: Vec<CompletionRow>,
    /// The readiness summary of the evaluation.
    pub summary: String,
    /// Set when values are demo data (示例数据): every output must say so.
    pub demo: bool,
}

/// A legend of the status symbols, for the foot of tables.
pub fn status_legend() -> String {
    Status::ALL
        .iter()
        .map(|s| format!("{}{}", s.symbol(), s.name_zh()))
        .collect::<Vec<_>>()
        .join("　")
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("评估所用的国家指标版本“{0}”不在指标库中")]
pub struct UnknownVersion(pub String);

/// Whether any result of the evaluation rests on demo data.
pub fn uses_demo_data(eval: &Evaluation) -> bool {
    eval.results
        .iter()
        .any(|r| r.source.as_deref() == Some(ecociv_core::demo::DEMO_SOURCE))
}

/// The value as the tables print it.
pub fn value_text(plan: &Plan, r: &IndicatorResult) -> String {
    match (r.value, plan.indicator(&r.indicator)) {
        (Some(v), Some(ind)) => {
            let text = explain::value(ind, v);
            if r.value_state == Some(ValueState::Pending) {
                format!("{text}（待审核）")
            } else {
                text
            }
        }
        (Some(v), None) => explain::num(v),
        (None, _) => "无数据".to_owned(),
    }
}

/// The plan target as the tables print it: 「≥95%（2025年）」.
pub fn target_text(r: &IndicatorResult) -> String {
    r.target
        .as_ref()
        .map_or_else(|| "—".to_owned(), |t| format!("{}（{}年）", t.text, t.year))
}

/// The department that leads on an indicator: its owner in the dictionary, else the first
/// lead unit of a task targeting it.
pub fn lead_unit(plan: &Plan, indicator: &str) -> String {
    plan.indicator(indicator)
        .and_then(|i| i.owner.clone())
        .or_else(|| {
            plan.units_for_indicator(indicator)
                .into_iter()
                .find(|(_, r)| *r != Responsibility::Participant)
                .map(|(u, _)| u.to_owned())
        })
        .unwrap_or_else(|| "—".to_owned())
}

/// Builds the table from an evaluation.
pub fn completion_table(
    plan: &Plan,
    catalogue: &Catalogue,
    eval: &Evaluation,
) -> Result<CompletionTable, UnknownVersion> {
    let version_id = &eval.readiness.catalogue_version;
    let version = catalogue
        .version(version_id)
        .ok_or_else(|| UnknownVersion(version_id.clone()))?;
    let city = plan.city_region();
    let rows = version
        .rows
        .iter()
        .map(|row| {
            let result = eval
                .results
                .iter()
                .find(|r| r.region == city.code && r.indicator == row.indicator);
            let national = result.and_then(|r| r.national.as_ref());
            let mut notes: Vec<String> = Vec::new();
            if !row.verified() {
                notes.push("标准值待核实".into());
            }
            if let Some(reason) = row.not_applicable_reason(city) {
                notes.push(reason);
            }
            if result.is_some_and(|r| r.value_state == Some(ValueState::Pending)) {
                notes.push("数值待审核".into());
            }
            CompletionRow {
                area: row.domain.clone(),
                number: row.number.clone(),
                indicator: row.indicator.clone(),
                name: match &row.item {
                    Some(item) => format!("{item}—{}", row.name),
                    None => row.name.clone(),
                },
                unit: row.unit.as_str().to_owned(),
                national: if row.printed.is_empty() {
                    national.map_or_else(|| "—".to_owned(), |n| n.text.clone())
                } else {
                    row.printed.clone()
                },
                target: result.map_or_else(|| "—".to_owned(), target_text),
                value: result.map_or_else(|| "无数据".to_owned(), |r| value_text(plan, r)),
                status: result.map(|r| r.status),
                attribute: row
                    .attribute
                    .map_or_else(|| "—".to_owned(), |a| a.name_zh().to_owned()),
                lead: lead_unit(plan, &row.indicator),
                note: notes.join("；"),
            }
        })
        .collect();
    Ok(CompletionTable {
        title: format!(
            "{}国家生态文明建设示范市建设指标完成情况表（{}年）",
            city.name, eval.year
        ),
        basis: format!(
            "依据：《{}》（{}，{}版）",
            version.title, version.document, version.id
        ),
        year: eval.year,
        rows,
        summary: eval.readiness.summary.clone(),
        demo: uses_demo_data(eval),
    })
}
