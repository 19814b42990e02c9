//! Plan-check findings: things a valid plan says that a reviewer of it should know. A finding is
//! not an error (the plan loads and is evaluated); it is shown by `ecociv plan check`, on the
//! 管理 → 方案 page and in the evaluation's explanation of the indicator concerned.
//!
//! The one finding so far: **a plan target laxer than the national threshold** of the catalogue
//! version in force, for the same indicator and region (任务12 EI ≥55 while the binding national
//! row asks 平原地区≥60). Meeting such a target does not meet the national standard, so the
//! evaluation's overall status follows the national one ([`crate::evaluate`]).

use ecociv_i18n::{Lang, Msg, Phrase};

use crate::catalogue::CatalogueVersion;
use crate::indicator::Attribute;
use crate::plan::Plan;

/// One finding about a plan.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Finding {
    /// `target_laxer_than_national`.
    pub kind: &'static str,
    pub task: u32,
    pub indicator: String,
    pub indicator_name: String,
    pub region: String,
    pub region_name: String,
    /// The milestone year of the target.
    pub year: i32,
    /// The target as the plan words it for the region (「≥55」).
    pub target: String,
    /// The catalogue version and the row's number in it.
    pub version: String,
    pub number: String,
    /// The national threshold as it applies to the region (「平原地区≥60」).
    pub national: String,
    pub binding: bool,
    pub attribute: Option<Attribute>,
    /// The finding in a sentence: 「任务12 生态环境状况指数（EI）≥55（2025年）低于国家约束性指标
    /// 平原地区≥60（2021版第10项）」.
    pub message: Msg,
}

impl Finding {
    pub fn text(&self, lang: Lang) -> String {
        self.message.text(lang)
    }
}

/// Every target of `plan` that asks less than the national row of `version` for the same
/// indicator, where that row applies to the target's region. Only thresholds that state a level
/// without data compare (see [`crate::Threshold::laxer_than`]); 完成上级下达目标, changes on a
/// base year and qualitative targets are not findings.
pub fn plan_findings(plan: &Plan, version: &CatalogueVersion) -> Vec<Finding> {
    let mut out = Vec::new();
    for (task, target) in plan.targets() {
        let (Some(ind), Some(region)) = (
            plan.indicator(&target.indicator),
            plan.region(&target.region),
        ) else {
            continue;
        };
        let Some(row) = version.rows.iter().find(|r| r.indicator == ind.code) else {
            continue;
        };
        if row.not_applicable_reason(region).is_some()
            || !target
                .threshold
                .laxer_than(&row.threshold, ind.direction, region)
        {
            continue;
        }
        let unit = ind.unit.as_str();
        let target_text =
            target
                .threshold
                .text_for_region(region, ind.direction, unit, plan.base_year);
        let national = row
            .threshold
            .text_for_region(region, ind.direction, unit, plan.base_year);
        let where_ = if region.code == plan.city {
            None
        } else {
            Some(region.name.clone())
        };
        out.push(Finding {
            kind: "target_laxer_than_national",
            task: task.number,
            indicator: ind.code.clone(),
            indicator_name: ind.name.clone(),
            region: region.code.clone(),
            region_name: region.name.clone(),
            year: target.year,
            message: Msg::TargetLaxerThanNational(Box::new(ecociv_i18n::LaxTarget {
                task: task.number,
                indicator: ind.name.clone(),
                region: where_,
                target: target_text.clone(),
                year: target.year,
                attribute: Phrase::of(&AttributeWords(row.attribute)),
                national: national.clone(),
                version: version.id.clone(),
                number: row.number.clone(),
            })),
            target: target_text,
            version: version.id.clone(),
            number: row.number.clone(),
            national,
            binding: row.is_binding(),
            attribute: row.attribute,
        });
    }
    out
}

/// 「约束性指标」 / 「参考性指标」 / 「标准」 in both languages.
struct AttributeWords(Option<Attribute>);

impl ecociv_i18n::Localized for AttributeWords {
    fn text(&self, lang: Lang) -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed(match (self.0, lang) {
            (Some(Attribute::Binding), Lang::Zh) => "约束性指标",
            (Some(Attribute::Binding), Lang::En) => "binding indicator",
            (Some(Attribute::Reference), Lang::Zh) => "参考性指标",
            (Some(Attribute::Reference), Lang::En) => "reference indicator",
            (None, Lang::Zh) => "标准",
            (None, Lang::En) => "standard",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtin;

    #[test]
    fn the_ei_target_of_task_12_is_laxer_than_the_binding_national_row() {
        let cat = builtin::catalogue().unwrap();
        let plan = builtin::plan(&cat).unwrap();
        let findings = plan_findings(&plan, cat.version("2021").unwrap());
        let ei = findings
            .iter()
            .find(|f| f.indicator == "ei")
            .expect("EI finding");
        assert_eq!(ei.task, 12);
        assert!(ei.binding);
        assert_eq!(ei.target, "≥55");
        assert_eq!(ei.national, "平原地区≥60");
        assert_eq!(
            ei.text(Lang::Zh),
            "任务12 生态环境状况指数（EI）≥55（2025年）低于国家约束性指标 平原地区≥60（2021版第10项）"
        );
        assert!(ei.text(Lang::En).contains("binding indicator"));
        // A target that asks as much as the national row, or more, is no finding.
        for f in &findings {
            let ind = plan.indicator(&f.indicator).unwrap();
            let row = cat
                .version("2021")
                .unwrap()
                .rows
                .iter()
                .find(|r| r.indicator == f.indicator)
                .unwrap();
            let region = plan.region(&f.region).unwrap();
            assert!(
                !row.threshold.laxer_than(
                    &plan
                        .targets()
                        .find(|(t, g)| t.number == f.task && g.indicator == f.indicator)
                        .unwrap()
                        .1
                        .threshold,
                    ind.direction,
                    region
                ),
                "{f:?}"
            );
        }
    }
}
