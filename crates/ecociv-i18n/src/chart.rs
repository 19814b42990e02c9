//! The charts' own words: legend entries, point labels, titles and the descriptions a screen
//! reader gets. Indicator names, units, group labels and reference-line labels are arguments,
//! given by the caller already in the language wanted; status words are the [`Words`] of the
//! status, passed as a [`Phrase`].
//!
//! [`Words`]: crate::Words

use crate::{Lang, Phrase, tr};

crate::labels!(pub ChartLabels, labels {
    actual => "实际值", "Actual";
    trend_forecast => "趋势预测", "Trend forecast";
    item_separator => "，", ", ";
    clause_separator => "；", "; ";
    count_separator => "、", ", ";
    full_stop => "。", ".";
});

/// A chart text with its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChartMsg {
    // ---- history chart -------------------------------------------------------------------
    /// 「2019年95%」: a value, a target or a forecast of a year.
    AtYear {
        year: i32,
        what: String,
    },
    /// A value of a year not approved yet, in the description and as the point's label.
    Pending {
        value: String,
    },
    /// The drawn title: the indicator with its unit.
    TitleWithUnit {
        title: String,
        unit: String,
    },
    /// The accessible title of an indicator's history.
    HistoryTitle {
        title: String,
    },
    /// The label above a forecast point.
    ForecastPoint {
        value: String,
    },
    /// The legend entry of the plan target line, `label` as in 「2025年≥95%」.
    TargetLegend {
        label: String,
    },
    /// The legend entry of the national threshold line.
    NationalLegend {
        label: String,
    },
    /// The description's first clause: the values of every year, `listed` already joined.
    HistoryValues {
        title: String,
        listed: String,
    },
    TargetLine {
        label: String,
    },
    NationalLine {
        label: String,
    },
    /// The forecast values, `listed` already joined.
    ForecastValues {
        listed: String,
    },
    // ---- status chart ----------------------------------------------------------------------
    /// The label on a bar segment: the status and its count.
    SegmentLabel {
        status: Phrase,
        count: usize,
    },
    /// The label after a bar: how many indicators the group has.
    BarTotal {
        total: usize,
    },
    /// A status and its count in the description.
    StatusCount {
        status: Phrase,
        count: usize,
    },
    /// A group without indicators, in the description.
    GroupEmpty {
        label: String,
    },
    /// A group's total and its counts (`counts` already joined), in the description.
    GroupCounts {
        label: String,
        total: usize,
        counts: String,
    },
    /// The whole description: the title, then the groups (already joined) as one sentence.
    StatusDescription {
        title: String,
        groups: String,
    },
}

impl ChartMsg {
    /// The text in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        use ChartMsg::*;
        match self {
            AtYear { year, what } => tr!(lang, "{year}年{what}", "{year}: {what}"),
            Pending { value } => tr!(lang, "{value}（待审核）", "{value} (pending)"),
            TitleWithUnit { title, unit } => tr!(lang, "{title}（{unit}）", "{title} ({unit})"),
            HistoryTitle { title } => tr!(lang, "{title}历年变化", "{title}: history"),
            ForecastPoint { value } => tr!(lang, "预测{value}", "forecast {value}"),
            TargetLegend { label } => tr!(lang, "方案目标 {label}", "Plan target {label}"),
            NationalLegend { label } => {
                tr!(lang, "国家标准 {label}", "National standard {label}")
            }
            HistoryValues { title, listed } => tr!(
                lang,
                "{title}历年数值：{listed}",
                "{title}, values by year: {listed}"
            ),
            TargetLine { label } => tr!(lang, "方案目标线：{label}", "plan target line: {label}"),
            NationalLine { label } => tr!(
                lang,
                "国家标准线：{label}",
                "national standard line: {label}"
            ),
            ForecastValues { listed } => {
                tr!(lang, "按趋势预测：{listed}", "trend forecast: {listed}")
            }
            SegmentLabel { status, count } => {
                let status = status.get(lang);
                tr!(lang, "{status}{count}", "{status} {count}")
            }
            BarTotal { total } => tr!(lang, "共{total}项", "{total} in all"),
            StatusCount { status, count } => {
                let status = status.get(lang);
                tr!(lang, "{status}{count}项", "{status} {count}")
            }
            GroupEmpty { label } => tr!(lang, "{label}：无指标", "{label}: no indicators"),
            GroupCounts {
                label,
                total,
                counts,
            } => tr!(
                lang,
                "{label}：共{total}项，{counts}",
                "{label}: {total} in all, {counts}"
            ),
            StatusDescription { title, groups } => {
                tr!(lang, "{title}。{groups}。", "{title}. {groups}.")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_texts_take_their_arguments_in_both_languages() {
        let m = ChartMsg::AtYear {
            year: 2025,
            what: "≥95%".into(),
        };
        assert_eq!(m.text(Lang::Zh), "2025年≥95%");
        assert_eq!(m.text(Lang::En), "2025: ≥95%");
        let m = ChartMsg::StatusCount {
            status: Phrase {
                zh: "达标".into(),
                en: "Met".into(),
            },
            count: 9,
        };
        assert_eq!(m.text(Lang::Zh), "达标9项");
        assert_eq!(m.text(Lang::En), "Met 9");
        assert_eq!(labels(Lang::En).full_stop, ".");
        assert_eq!(labels(Lang::Zh).count_separator, "、");
    }
}
