//! Indicators (指标): what is measured, in which unit, and which way is better.

use crate::area::Area;
use crate::measure::MeasureUnit;
use ecociv_i18n::{Msg, Words};

/// Which way is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    HigherIsBetter,
    LowerIsBetter,
}

ecociv_i18n::words!(Direction {
    HigherIsBetter => "越高越好", "Higher is better";
    LowerIsBetter => "越低越好", "Lower is better";
});

impl Direction {
    pub fn parse(s: &str) -> Option<Direction> {
        match s.trim() {
            "higher" | "higher_is_better" | "越高越好" => Some(Direction::HigherIsBetter),
            "lower" | "lower_is_better" | "越低越好" => Some(Direction::LowerIsBetter),
            _ => None,
        }
    }

    /// +1 when higher is better, −1 otherwise: multiplying a change by this gives improvement.
    pub fn sign(self) -> f64 {
        match self {
            Direction::HigherIsBetter => 1.0,
            Direction::LowerIsBetter => -1.0,
        }
    }

    pub fn improve_zh(self) -> &'static str {
        match self {
            Direction::HigherIsBetter => "提高",
            Direction::LowerIsBetter => "下降",
        }
    }

    pub fn worsen_zh(self) -> &'static str {
        match self {
            Direction::HigherIsBetter => "降低",
            Direction::LowerIsBetter => "增加",
        }
    }
}

/// What kind of value an indicator takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    /// A number in the indicator's unit.
    Number,
    /// Achieved or not (建立, 开展, 全面实施): reported as 是/否.
    YesNo,
}

/// How an indicator's values are obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Reported by the responsible department with evidence.
    Reported,
    /// Computed from raw monitoring data by a standards engine (air, water, EI).
    Computed,
}

/// How an indicator's annual value follows from its monthly or quarterly values (汇总方式), for a
/// year with no annual value of its own. Evaluation is annual; a reported annual value always
/// wins, and a year is derived only from a complete set of periods (12 months, or else 4
/// quarters), so a partial year never passes for a whole one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregate {
    /// Only an annual value counts; monthly and quarterly values are progress, not evaluated.
    #[default]
    Annual,
    /// The year is the sum of its periods (a quantity added up over the year: area afforested,
    /// volume treated).
    Sum,
    /// The year is the mean of its periods (a level measured each period).
    Mean,
    /// The year is its last period (a stock or a cumulative share at the year's end).
    Last,
}

impl Aggregate {
    pub fn parse(s: &str) -> Option<Aggregate> {
        match s.trim() {
            "annual" => Some(Aggregate::Annual),
            "sum" => Some(Aggregate::Sum),
            "mean" => Some(Aggregate::Mean),
            "last" => Some(Aggregate::Last),
            _ => None,
        }
    }
}

ecociv_i18n::words!(Aggregate {
    Annual => "不汇总，只评估年度值", "Not aggregated: annual values only";
    Sum => "无年度值时取12个月（或4个季度）之和", "Without an annual value, the sum of the 12 months (or 4 quarters)";
    Mean => "无年度值时取12个月（或4个季度）的平均值", "Without an annual value, the mean of the 12 months (or 4 quarters)";
    Last => "无年度值时取末期（12月或第4季度）的累计数", "Without an annual value, the cumulative figure of the last period (December or Q4)";
});

/// Binding (约束性) or reference (参考性) in the national catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Attribute {
    Binding,
    Reference,
}

impl Attribute {
    pub fn parse(s: &str) -> Option<Attribute> {
        match s.trim() {
            "约束性" | "binding" => Some(Attribute::Binding),
            "参考性" | "reference" => Some(Attribute::Reference),
            _ => None,
        }
    }

    pub fn name_zh(self) -> &'static str {
        self.zh()
    }
}

ecociv_i18n::words!(Attribute {
    Binding => "约束性", "binding";
    Reference => "参考性", "reference";
});

/// An indicator. Codes are stable ASCII identifiers; the Chinese name is what people read.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Indicator {
    pub code: String,
    pub name: String,
    pub unit: MeasureUnit,
    pub direction: Direction,
    pub kind: ValueKind,
    pub method: Method,
    /// How monthly or quarterly values make the year when no annual value is reported.
    pub aggregate: Aggregate,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub area: Option<Area>,
    /// Smallest and largest plausible value; values outside are rejected on input.
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// How it is defined or computed (指标解释), with its source.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub definition: String,
    /// The department that usually reports it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

impl Indicator {
    /// Checks a reported number against the indicator's kind and range.
    pub fn check_value(&self, v: f64) -> Result<(), Msg> {
        if !v.is_finite() {
            return Err(Msg::ValueNotFinite);
        }
        if self.kind == ValueKind::YesNo && v != 0.0 && v != 1.0 {
            return Err(Msg::YesNoOnly {
                indicator: self.name.clone(),
            });
        }
        if let Some(min) = self.min
            && v < min
        {
            return Err(Msg::BelowMinimum {
                indicator: self.name.clone(),
                value: crate::explain::num(v),
                min: format!("{}{}", crate::explain::num(min), self.unit),
            });
        }
        if let Some(max) = self.max
            && v > max
        {
            return Err(Msg::AboveMaximum {
                indicator: self.name.clone(),
                value: crate::explain::num(v),
                max: format!("{}{}", crate::explain::num(max), self.unit),
            });
        }
        Ok(())
    }

    /// Parses a value as written in a CSV cell or a form: numbers, or 是/否 for yes/no indicators.
    pub fn parse_value(&self, s: &str) -> Result<f64, Msg> {
        let t = s.trim();
        let v = match self.kind {
            ValueKind::YesNo => match t {
                "是" | "1" | "yes" | "true" | "已完成" | "达标" => 1.0,
                "否" | "0" | "no" | "false" | "未完成" | "未达标" => 0.0,
                _ => {
                    return Err(Msg::YesNoExpected {
                        indicator: self.name.clone(),
                        got: t.to_owned(),
                    });
                }
            },
            ValueKind::Number => {
                let n = t.strip_suffix('%').unwrap_or(t).trim();
                if t.ends_with('%') && !self.unit.is_percent() {
                    return Err(Msg::PercentForNonPercent {
                        indicator: self.name.clone(),
                        unit: self.unit.to_string(),
                    });
                }
                n.parse::<f64>()
                    .map_err(|_| Msg::NotANumber { text: t.to_owned() })?
            }
        };
        self.check_value(v)?;
        Ok(v)
    }
}
