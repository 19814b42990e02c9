//! The air-quality catalogue: the notes of the air-quality engine (HJ 633, GB 3095, HJ 663) and
//! the texts of `ecociv air`, Chinese and English side by side.
//!
//! A note is made where the engine knows why (`ecociv_standards::air::hj663`) and rendered where
//! the reader is known (the command line). Pollutant and item codes, edition labels, clauses and
//! the method rules quoted from the standards are arguments and stay as given.

use std::fmt;

use crate::{Lang, Phrase, tr};

/// A note of the air-quality engine or a sentence of `ecociv air`, with its arguments.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "message", rename_all = "snake_case")]
pub enum AirMsg {
    // ---- AQI (HJ 633) ------------------------------------------------------------------------
    /// HJ 633-2026 fixes the index of `item` above 800 μg/m³.
    IaqiFixed {
        item: String,
        value: u16,
    },
    /// HJ 633-2012 does not index `item` above 800 μg/m³ and takes `instead`.
    IaqiUseInstead {
        item: String,
        instead: String,
    },
    /// `item` lies above the top breakpoint of the table.
    IaqiAboveTable {
        item: String,
    },
    /// 2026, items missing, the rest not above 100: AQI and category are NA.
    MissingNa2026 {
        missing: Vec<String>,
    },
    /// 2026, items missing, the rest above 100: the AQI is published.
    MissingPublished2026 {
        missing: Vec<String>,
    },
    /// 2012, items missing: the AQI of the given items.
    Missing2012 {
        missing: Vec<String>,
    },
    // ---- annual evaluation (HJ 663): method ----------------------------------------------------
    /// The city daily value; `rule` and `clause` are the engine's cited method (Chinese).
    MethodCityMean {
        rule: String,
        clause: String,
    },
    MethodMda8,
    /// The percentile method; `rule` and `clause` are the engine's cited method (Chinese).
    MethodPercentile {
        rule: String,
        clause: String,
    },
    MethodRounding,
    ExceptionalEvents,
    /// The valid day of the 2012 editions; `rule` is the engine's cited reading (Chinese).
    ValidDay2012 {
        rule: String,
    },
    Hj663_2026Unknown,
    MixedEditions,
    Forced2026,
    Forced2012,
    // ---- annual evaluation (HJ 663): findings ---------------------------------------------------
    YoyPartialPrevious {
        previous_year: i32,
        valid_days: u32,
    },
    YoyMixedEditions,
    IncompleteDays2012 {
        days: u32,
    },
    MissingRule2026 {
        published: u32,
        na: u32,
    },
    AboveTable {
        days: u32,
    },
    /// `pollutant` has too few valid daily values for an annual statistic (GB 3095 表4).
    AnnualValidity {
        pollutant: String,
        valid_days: u32,
    },
    /// The input files were in the Beijing multi-site layout.
    BeijingLayout,
    // ---- the evaluation printed by `ecociv air evaluate` ------------------------------------
    EvaluationTitle {
        year: i32,
    },
    /// The editions, the set of limits and the zone class of an evaluation.
    EvaluationStandards {
        editions: Vec<String>,
        limits: Phrase,
        zone: Phrase,
    },
    EvaluationInputs {
        files: usize,
        rows: u64,
        stations: usize,
    },
    /// `ratio` in percent, when there are valid days.
    EvaluationDays {
        valid_days: u32,
        good_days: u32,
        ratio: Option<String>,
    },
    /// The days of each AQI category, in the order of the categories.
    DaysByCategory {
        days: Vec<(Phrase, u32)>,
    },
    /// The change on the previous year; a missing figure prints as “—”.
    YearOnYear {
        previous_year: i32,
        /// Percentage points, with its sign.
        change: Option<String>,
        /// Percent.
        previous_ratio: Option<String>,
        previous_pm25: Option<String>,
        /// Percent.
        decline: Option<String>,
    },
}

/// A figure that may be missing.
fn or_dash(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("—")
}

impl AirMsg {
    /// The message in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        use AirMsg::*;
        let list = |items: &[String]| items.join(lang.pick("、", ", "));
        match self {
            IaqiFixed { item, value } => tr!(
                lang,
                "{item} 高于 800 μg/m³，按 HJ 633-2026 分指数取 {value}",
                "{item} above 800 μg/m³: IAQI fixed at {value} by HJ 633-2026"
            ),
            IaqiUseInstead { item, instead } => tr!(
                lang,
                "{item} 高于 800 μg/m³，按 HJ 633-2012 不计算其分指数，改用 {instead}",
                "{item} above 800 μg/m³: not indexed under HJ 633-2012, {instead} used instead"
            ),
            IaqiAboveTable { item } => tr!(
                lang,
                "{item} 超出分段表上限，分指数按 500 计（标准未规定）",
                "{item} above the top breakpoint: IAQI reported as 500 (not defined by the standard)"
            ),
            MissingNa2026 { missing } => {
                let missing = list(missing);
                tr!(
                    lang,
                    "缺少 {missing}：其余污染物 AQI 不大于 100，按 HJ 633-2026 §5.3 AQI 与类别记为 NA",
                    "missing {missing}: the AQI of the rest is not above 100, so AQI and category are NA (HJ 633-2026 §5.3)"
                )
            }
            MissingPublished2026 { missing } => {
                let missing = list(missing);
                tr!(
                    lang,
                    "缺少 {missing}：其余污染物 AQI 大于 100，按 HJ 633-2026 §5.3 发布",
                    "missing {missing}: the AQI of the rest exceeds 100 and is published (HJ 633-2026 §5.3)"
                )
            }
            Missing2012 { missing } => {
                let missing = list(missing);
                tr!(
                    lang,
                    "缺少 {missing}：AQI 仅由已给出的污染物计算（HJ 633-2012 未规定缺项处理）",
                    "missing {missing}: AQI from the given items only (HJ 633-2012 has no rule for missing items)"
                )
            }
            MethodCityMean { rule, clause } => tr!(
                lang,
                "{rule}（{clause}，待核实）。未设点位有效比例下限（常引 75%，未核实）。",
                "City daily values are the arithmetic mean of the valid stations' daily values (O3: MDA8) (to be verified); no minimum share of valid stations is applied (75% is often quoted, unverified)."
            ),
            MethodMda8 => tr!(
                lang,
                "O3 日最大8小时平均取当日 8 时至 24 时的 17 个8小时滑动平均（每个至少6个小时值），至少 14 个有效，或不足但超标（HJ 663-2013 做法，待核实）。",
                "O3 MDA8: the 17 windows ending 08:00–24:00 of the day (each with ≥6 hourly values), valid with ≥14 windows or with fewer if it exceeds the limit (HJ 663-2013 practice, to be verified)."
            ),
            MethodPercentile { rule, clause } => tr!(
                lang,
                "百分位数按 {clause}：{rule}（待核实）。",
                "Percentiles by HJ 663 Annex A: k = 1 + (n−1)·p, linear interpolation (to be verified)."
            ),
            MethodRounding => tr!(
                lang,
                "统计结果按 GB/T 8170（四舍六入五成双）一次修约：μg/m³ 取整数，CO 保留1位小数；达标判定用修约后数值。",
                "Statistics are rounded once per GB/T 8170 (half to even): integers in μg/m³, CO to 0.1 mg/m³; compliance uses the rounded values."
            ),
            ExceptionalEvents => tr!(
                lang,
                "未扣除沙尘等例外事件影响的数据。",
                "No exceptional-event (e.g. sand and dust) data were excluded."
            ),
            ValidDay2012 { rule } => tr!(
                lang,
                "{rule}（待核实）。",
                "2012 rules: a valid day needs valid daily values of all six pollutants (our reading, to be verified)."
            ),
            Hj663_2026Unknown => tr!(
                lang,
                "HJ 663-2026 全文未获取：其三年滑动平均评价、例外事件扣除和修约细则未知，本结果未采用，年度统计沿用 HJ 663-2013 方法。",
                "The text of HJ 663-2026 is not available: its three-year moving average, exceptional-event exclusion and rounding details are unknown and not applied; annual statistics follow HJ 663-2013."
            ),
            MixedEditions => tr!(
                lang,
                "本年度内标准切换：2026-03-01 前的日 AQI 按 HJ 633-2012，之后按 HJ 633-2026；年度达标按年末适用的限值评价。",
                "The editions change within this year: daily AQI before 2026-03-01 by HJ 633-2012, after by HJ 633-2026; annual compliance uses the limits in force at year end."
            ),
            Forced2026 => tr!(
                lang,
                "按 2026 版标准重新评价 2026 年以前的数据，仅供比较，不代表当年的官方评价。",
                "Data from before 2026 re-evaluated under the 2026 editions, for comparison only; not that year's official evaluation."
            ),
            Forced2012 => tr!(
                lang,
                "按 2012 版标准评价 2026-03-01 以后的数据，仅供比较。",
                "Data from 2026-03-01 on evaluated under the 2012 editions, for comparison only."
            ),
            YoyPartialPrevious {
                previous_year,
                valid_days,
            } => tr!(
                lang,
                "上一年（{previous_year}）仅有 {valid_days} 个有效天，同比变化仅供参考；PM2.5 下降率仅在两年年均值均有效时给出。",
                "The previous year ({previous_year}) has only {valid_days} valid days; the change is indicative only, and the PM2.5 decline rate is given only when both annual means are valid."
            ),
            YoyMixedEditions => tr!(
                lang,
                "上一年与本年采用的标准版本不同，同比变化不完全可比。",
                "The previous year was evaluated under a different edition; the change is not fully comparable."
            ),
            IncompleteDays2012 { days } => tr!(
                lang,
                "{days} 天缺少部分污染物的有效日评价值，按 2012 版未计入有效天（待核实）。",
                "{days} days lacked a valid daily value for some pollutant and were not counted as valid under the 2012 rules (to be verified)."
            ),
            MissingRule2026 { published, na } => tr!(
                lang,
                "按 HJ 633-2026 §5.3：{published} 天缺项但 AQI>100，计为有效（污染）天；{na} 天缺项且 AQI≤100，记为 NA，不计入有效天。",
                "HJ 633-2026 §5.3: {published} incomplete days with AQI > 100 counted as valid (polluted); {na} incomplete days with AQI ≤ 100 are NA and not counted."
            ),
            AboveTable { days } => tr!(
                lang,
                "{days} 天有污染物浓度超出 HJ 633 分段表上限，其分指数按 500 计（标准未规定）。",
                "On {days} days a concentration exceeded the top of the HJ 633 table; its IAQI is reported as 500 (not defined by the standard)."
            ),
            AnnualValidity {
                pollutant,
                valid_days,
            } => tr!(
                lang,
                "{pollutant} 有效日均值 {valid_days} 个，不满足 GB 3095 表4（全年≥324个且每月≥27个，二月≥25个），年评价结果无效，不判定达标。",
                "{pollutant}: {valid_days} valid daily values do not meet GB 3095 Table 4 (≥324 a year, ≥27 a month, ≥25 in February); its annual statistics are invalid and compliance is not judged."
            ),
            BeijingLayout => tr!(
                lang,
                "北京多站点数据格式：CO 单位为 μg/m³（已换算为 mg/m³），hour 按该小时的开始时刻读取（自然日为 0–23 时）。",
                "Beijing layout: CO in μg/m³ (converted to mg/m³); hour read as the start of the hour (a natural day is hours 0–23)."
            ),
            EvaluationTitle { year } => tr!(
                lang,
                "环境空气质量年度评价 {year} 年",
                "Annual air quality evaluation {year}"
            ),
            EvaluationStandards {
                editions,
                limits,
                zone,
            } => {
                let (limits, zone) = (limits.get(lang), zone.get(lang));
                match lang {
                    Lang::Zh => format!("{}；{limits}；{zone}", editions.join("，")),
                    Lang::En => format!("{}; {limits}; {zone}", editions.join(", ")),
                }
            }
            EvaluationInputs {
                files,
                rows,
                stations,
            } => tr!(
                lang,
                "文件 {files} 个，数据行 {rows}，站点 {stations} 个",
                "{files} files, {rows} rows, {stations} stations"
            ),
            EvaluationDays {
                valid_days,
                good_days,
                ratio,
            } => {
                let ratio = ratio.as_ref().map_or("—".to_owned(), |r| format!("{r}%"));
                tr!(
                    lang,
                    "有效天数 {valid_days}，优良天数 {good_days}，优良天数比例 {ratio}",
                    "valid days {valid_days}, good days {good_days}, good-day ratio {ratio}"
                )
            }
            DaysByCategory { days } => {
                let days = days
                    .iter()
                    .map(|(category, n)| format!("{} {n}", category.get(lang)))
                    .collect::<Vec<_>>()
                    .join(lang.pick("，", ", "));
                tr!(lang, "各类别天数：{days}", "days by category: {days}")
            }
            YearOnYear {
                previous_year,
                change,
                previous_ratio,
                previous_pm25,
                decline,
            } => {
                let (change, previous_ratio, previous_pm25) = (
                    or_dash(change),
                    or_dash(previous_ratio),
                    or_dash(previous_pm25),
                );
                let decline = decline.as_ref().map_or("—".to_owned(), |d| format!("{d}%"));
                tr!(
                    lang,
                    "同比（{previous_year} 年）：优良天数比例 {change} 个百分点（上年 {previous_ratio}%），PM2.5 年均值上年 {previous_pm25}，下降率 {decline}",
                    "vs {previous_year}: good-day ratio {change} points (was {previous_ratio}%), PM2.5 mean was {previous_pm25}, decline rate {decline}"
                )
            }
        }
    }
}

impl fmt::Display for AirMsg {
    /// Chinese: the default language of data, logs and the command line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text(Lang::Zh))
    }
}

impl crate::Localized for AirMsg {
    fn text(&self, lang: Lang) -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Owned(AirMsg::text(self, lang))
    }
}

crate::labels!(pub AirLabels, air_labels {
    // `ecociv air aqi`
    daily => "日报", "daily";
    hourly => "实时报", "hourly";
    item => "项目", "item";
    concentration => "浓度", "conc.";
    primary => "首要污染物：", "primary pollutant(s): ";
    exceeding => "超标污染物：", "exceeding: ";
    note => "注：", "note: ";
    // `ecociv air evaluate`
    zone_class_1 => "一类区", "class I";
    zone_class_2 => "二类区", "class II";
    pollutant => "污染物", "pollut.";
    valid_days => "有效天", "days";
    annual_mean => "年均值", "mean";
    percentile => "百分位", "pctile";
    value => "数值", "value";
    limits => "限值(年/日)", "limits(a/d)";
    compliance => "达标", "meets";
    met => "达标", "yes";
    not_met => "超标", "no";
    invalid => "无效", "n/a";
    notes => "说明：", "Notes:";
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn air_messages_take_their_arguments_in_both_languages() {
        let m = AirMsg::MissingNa2026 {
            missing: vec!["CO_24h".into(), "O3_8h".into()],
        };
        assert!(m.text(Lang::Zh).starts_with("缺少 CO_24h、O3_8h："));
        assert!(m.text(Lang::En).starts_with("missing CO_24h, O3_8h:"));
        let days = AirMsg::EvaluationDays {
            valid_days: 7,
            good_days: 3,
            ratio: None,
        };
        assert_eq!(days.to_string(), "有效天数 7，优良天数 3，优良天数比例 —");
        assert_eq!(air_labels(Lang::En).notes, "Notes:");
    }
}
