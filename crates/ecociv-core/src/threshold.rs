//! Thresholds (指标值 / 目标值) as a small expression tree, with a one-line text form.
//!
//! National thresholds are not single comparators: 「完成上级规定的考核任务，且≥90或持续提高」 is
//! `superior & (>= 90 | improving)`. The text form is what coordinators write in the TOML files
//! and what the API shows; the tree is what evaluation walks.
//!
//! | text form | meaning | 中文 |
//! |---|---|---|
//! | `>= 95`, `<= 25`, `= 100`, `> -1`, `< 5` | compare the year's value | ≥95 |
//! | `change >= 4.5%`, `change(2020) >= 4.5%`, `change(-3) >= 4.5%`, `change > -1` | improvement over a base year, relative (%) or absolute | 较2020年下降≥4.5% |
//! | `not_worse`, `not_worse(2020)` | no worse than the base year | 不降低 / 不增加 |
//! | `stable`, `stable(1%)`, `stable(0.5)` | no worse than the previous year beyond a stated tolerance | 保持稳定或持续改善 |
//! | `improving` | better than the previous year | 持续提高 / 持续下降 |
//! | `achieved`, `achieved(建立)` | a qualitative requirement, reported 是/否 | 建立 |
//! | `superior` | the target assigned by the superior authority for that year | 完成上级下达目标 |
//! | `by terrain { plain: >= 18, hill: >= 40 }` | a variant chosen by the region's profile (`terrain`, `city_size`, `level`) | 平原地区≥18 |
//! | `a & b`, `a \| b`, `( … )` | all of, any of | 且 / 或 |
//!
//! The base of `change` and `not_worse` is the plan's base year unless a year (`2020`) or a
//! number of years before the evaluated year (`-3`) is given.

use std::fmt;

use crate::explain::num;
use crate::indicator::Direction;
use crate::region::{CitySize, Region, RegionLevel, Terrain};

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    AtLeast,
    Above,
    AtMost,
    Below,
    Equals,
}

impl Op {
    /// Values equal to within this relative tolerance count as equal, so that 99.95 entered as a
    /// float still meets `>= 99.95`.
    const EPS: f64 = 1e-9;

    pub fn holds(self, value: f64, bound: f64) -> bool {
        let eps = Op::EPS * bound.abs().max(1.0);
        match self {
            Op::AtLeast => value >= bound - eps,
            Op::Above => value > bound + eps,
            Op::AtMost => value <= bound + eps,
            Op::Below => value < bound - eps,
            Op::Equals => (value - bound).abs() <= eps,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Op::AtLeast => ">=",
            Op::Above => ">",
            Op::AtMost => "<=",
            Op::Below => "<",
            Op::Equals => "=",
        }
    }

    pub fn symbol_zh(self) -> &'static str {
        match self {
            Op::AtLeast => "≥",
            Op::Above => ">",
            Op::AtMost => "≤",
            Op::Below => "<",
            Op::Equals => "",
        }
    }

    /// Is a higher value better under this operator (for `>=`/`>`), lower (for `<=`/`<`)?
    pub fn direction(self) -> Option<Direction> {
        match self {
            Op::AtLeast | Op::Above => Some(Direction::HigherIsBetter),
            Op::AtMost | Op::Below => Some(Direction::LowerIsBetter),
            Op::Equals => None,
        }
    }
}

/// The base of a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BaseRef {
    /// The plan's base year.
    PlanBase,
    /// A fixed year.
    Year(i32),
    /// So many years before the evaluated year.
    YearsBefore(u32),
}

impl BaseRef {
    pub fn resolve(self, year: i32, plan_base: i32) -> i32 {
        match self {
            BaseRef::PlanBase => plan_base,
            BaseRef::Year(y) => y,
            BaseRef::YearsBefore(n) => year - n as i32,
        }
    }
}

/// A tolerance for "stable".
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tolerance {
    /// In the indicator's unit (percentage points for %).
    Absolute(f64),
    /// In percent of the previous value.
    Relative(f64),
}

/// Which profile attribute selects a variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VariantKey {
    Terrain,
    CitySize,
    Level,
}

impl VariantKey {
    fn keyword(self) -> &'static str {
        match self {
            VariantKey::Terrain => "terrain",
            VariantKey::CitySize => "city_size",
            VariantKey::Level => "level",
        }
    }

    fn allowed(self) -> &'static [&'static str] {
        match self {
            VariantKey::Terrain => Terrain::KEYS,
            VariantKey::CitySize => CitySize::KEYS,
            VariantKey::Level => &["city", "county"],
        }
    }

    pub fn case_name_zh(self, key: &str) -> String {
        match self {
            VariantKey::Terrain => {
                Terrain::parse(key).map_or_else(|| key.to_owned(), |t| t.name_zh().to_owned())
            }
            VariantKey::CitySize => {
                CitySize::parse(key).map_or_else(|| key.to_owned(), |c| c.name_zh().to_owned())
            }
            VariantKey::Level => if key == "county" { "县" } else { "市" }.to_owned(),
        }
    }

    /// The case key of a region, or `None` when its profile lacks the attribute.
    pub fn key_of(self, region: &Region) -> Option<&'static str> {
        match self {
            VariantKey::Terrain => region.terrain.map(Terrain::key),
            VariantKey::CitySize => region.city_size.map(CitySize::key),
            VariantKey::Level => Some(if region.level == RegionLevel::County {
                "county"
            } else {
                "city"
            }),
        }
    }
}

/// A threshold expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Threshold {
    /// `>= x`, `<= x`, `= x`, `> x`, `< x` (AtLeast, AtMost, Equals …).
    Compare {
        op: Op,
        value: f64,
    },
    /// Improvement over a base year (下降率 ≥ 4.5%, ΔEQI > −1): in percent of the base value when
    /// `relative`, else in the indicator's unit. Improvement means a fall for lower-is-better.
    Change {
        base: BaseRef,
        op: Op,
        amount: f64,
        relative: bool,
    },
    /// 不降低 / 不增加: no worse than the base year.
    NotWorseThan {
        base: BaseRef,
    },
    /// 保持稳定或持续改善: no worse than the previous year beyond the tolerance.
    Stable {
        tolerance: Option<Tolerance>,
    },
    /// 持续提高 / 持续下降: better than the previous year.
    Improving,
    /// Qualitative: 建立, 开展, 全面实施 …; the label is the wording shown.
    Achieved {
        label: Option<String>,
    },
    /// 完成上级下达目标: the number assigned by the province for the year, given as input.
    AssignedBySuperior,
    /// Region- or size-dependent: the case is chosen by the region's profile.
    Variant {
        by: VariantKey,
        cases: Vec<(String, Threshold)>,
    },
    AllOf(Vec<Threshold>),
    AnyOf(Vec<Threshold>),
}

impl Threshold {
    /// The one level a value must reach under this threshold that needs no data to state (no
    /// base year, no previous year, no assigned number): a comparison, a variant resolved for
    /// `region`, and all-of (the strictest) or any-of (the loosest) of such. `None` for
    /// everything else.
    pub fn static_level(&self, dir: Direction, region: &Region) -> Option<(Op, f64)> {
        match self {
            Threshold::Compare {
                op: Op::Equals,
                value,
            } => Some((
                if dir == Direction::HigherIsBetter {
                    Op::AtLeast
                } else {
                    Op::AtMost
                },
                *value,
            )),
            Threshold::Compare { op, value } => Some((*op, *value)),
            Threshold::Variant { by, cases } => {
                let key = by.key_of(region)?;
                cases
                    .iter()
                    .find(|(k, _)| k == key)
                    .and_then(|(_, t)| t.static_level(dir, region))
            }
            Threshold::AllOf(items) => {
                let levels: Vec<(Op, f64)> = items
                    .iter()
                    .filter_map(|t| t.static_level(dir, region))
                    .collect();
                pick_level(levels, dir, true)
            }
            Threshold::AnyOf(items) => {
                let levels: Vec<(Op, f64)> = items
                    .iter()
                    .filter_map(|t| t.static_level(dir, region))
                    .collect();
                if levels.len() == items.len() {
                    pick_level(levels, dir, false)
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    /// The wording of the threshold as it applies to `region`: a variant shows only the case
    /// chosen by the region's profile (「平原地区≥18%」 rather than all five terrains).
    pub fn text_for_region(
        &self,
        region: &Region,
        dir: Direction,
        unit: &str,
        plan_base: i32,
    ) -> String {
        let here = |t: &Threshold| t.text_for_region(region, dir, unit, plan_base);
        match self {
            Threshold::Variant { by, cases } => match by
                .key_of(region)
                .and_then(|k| cases.iter().find(|(c, _)| c == k))
            {
                Some((k, inner)) => format!("{}{}", by.case_name_zh(k), here(inner)),
                None => self.text_zh(dir, unit, plan_base),
            },
            Threshold::AllOf(items) => items.iter().map(here).collect::<Vec<_>>().join("，且"),
            Threshold::AnyOf(items) => items.iter().map(here).collect::<Vec<_>>().join("或"),
            _ => self.text_zh(dir, unit, plan_base),
        }
    }

    /// Whether this threshold asks less than `other` for `region`: a value could meet this one
    /// and fail the other. Only thresholds with a [`Threshold::static_level`] compare; `false`
    /// when either has none.
    pub fn laxer_than(&self, other: &Threshold, dir: Direction, region: &Region) -> bool {
        let (Some((op, lv)), Some((other_op, other_lv))) = (
            self.static_level(dir, region),
            other.static_level(dir, region),
        ) else {
            return false;
        };
        let eps = 1e-9 * other_lv.abs().max(1.0);
        let strict = |o: Op| matches!(o, Op::Above | Op::Below);
        let equal = (lv - other_lv).abs() <= eps;
        if equal {
            return strict(other_op) && !strict(op);
        }
        match dir {
            Direction::HigherIsBetter => lv < other_lv,
            Direction::LowerIsBetter => lv > other_lv,
        }
    }
}

/// The strictest (all-of) or loosest (any-of) level in the indicator's better direction.
pub(crate) fn pick_level(
    levels: Vec<(Op, f64)>,
    dir: Direction,
    strictest: bool,
) -> Option<(Op, f64)> {
    let higher = dir == Direction::HigherIsBetter;
    levels.into_iter().reduce(|a, b| {
        let b_stricter = if higher { b.1 > a.1 } else { b.1 < a.1 };
        if b_stricter == strictest { b } else { a }
    })
}

/// A parse error with the character offset in the expression.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("阈值表达式第{offset}个字符处: {message}")]
pub struct ThresholdError {
    pub offset: usize,
    pub message: String,
}

impl std::str::FromStr for Threshold {
    type Err = ThresholdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut p = Parser {
            chars: s.chars().collect(),
            pos: 0,
        };
        let t = p.expr()?;
        p.skip_ws();
        if p.pos < p.chars.len() {
            return Err(p.err(format!("多余的内容“{}”", p.rest())));
        }
        Ok(t)
    }
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    fn err(&self, message: impl Into<String>) -> ThresholdError {
        ThresholdError {
            offset: self.pos + 1,
            message: message.into(),
        }
    }

    fn rest(&self) -> String {
        self.chars[self.pos..].iter().collect()
    }

    fn skip_ws(&mut self) {
        while self.pos < self.chars.len() && self.chars[self.pos].is_whitespace() {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.skip_ws();
        self.chars.get(self.pos).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char) -> Result<(), ThresholdError> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.err(format!("此处应为“{c}”")))
        }
    }

    fn expr(&mut self) -> Result<Threshold, ThresholdError> {
        let mut items = vec![self.conj()?];
        while self.eat('|') || self.eat('或') {
            items.push(self.conj()?);
        }
        Ok(if items.len() == 1 {
            items.pop().unwrap_or(Threshold::AnyOf(Vec::new()))
        } else {
            Threshold::AnyOf(items)
        })
    }

    fn conj(&mut self) -> Result<Threshold, ThresholdError> {
        let mut items = vec![self.atom()?];
        while self.eat('&') || self.eat('且') {
            items.push(self.atom()?);
        }
        Ok(if items.len() == 1 {
            items.pop().unwrap_or(Threshold::AllOf(Vec::new()))
        } else {
            Threshold::AllOf(items)
        })
    }

    fn atom(&mut self) -> Result<Threshold, ThresholdError> {
        if self.eat('(') {
            let e = self.expr()?;
            self.expect(')')?;
            return Ok(e);
        }
        if let Some(op) = self.op() {
            let value = self.number()?;
            return Ok(Threshold::Compare { op, value });
        }
        let start = self.pos;
        let word = self.ident();
        match word.as_str() {
            "change" => {
                let base = self.opt_base()?;
                let op = self
                    .op()
                    .ok_or_else(|| self.err("change 之后应为比较符（>=、>、<=、<、=）"))?;
                let amount = self.number()?;
                let relative = self.eat('%');
                Ok(Threshold::Change {
                    base,
                    op,
                    amount,
                    relative,
                })
            }
            "not_worse" => Ok(Threshold::NotWorseThan {
                base: self.opt_base()?,
            }),
            "stable" => {
                let tolerance = if self.eat('(') {
                    let n = self.number()?;
                    if n < 0.0 {
                        return Err(self.err("容差不能为负"));
                    }
                    let t = if self.eat('%') {
                        Tolerance::Relative(n)
                    } else {
                        Tolerance::Absolute(n)
                    };
                    self.expect(')')?;
                    Some(t)
                } else {
                    None
                };
                Ok(Threshold::Stable { tolerance })
            }
            "improving" => Ok(Threshold::Improving),
            "superior" => Ok(Threshold::AssignedBySuperior),
            "achieved" => {
                let label = if self.eat('(') {
                    let from = self.pos;
                    while self.pos < self.chars.len() && self.chars[self.pos] != ')' {
                        self.pos += 1;
                    }
                    let label: String = self.chars[from..self.pos]
                        .iter()
                        .collect::<String>()
                        .trim()
                        .to_owned();
                    self.expect(')')?;
                    if label.is_empty() { None } else { Some(label) }
                } else {
                    None
                };
                Ok(Threshold::Achieved { label })
            }
            "by" => {
                self.skip_ws();
                let at = self.pos;
                let key = match self.ident().as_str() {
                    "terrain" => VariantKey::Terrain,
                    "city_size" => VariantKey::CitySize,
                    "level" => VariantKey::Level,
                    other => {
                        self.pos = at;
                        return Err(self.err(format!(
                            "未知的分类“{other}”，可用: terrain、city_size、level"
                        )));
                    }
                };
                self.expect('{')?;
                let mut cases: Vec<(String, Threshold)> = Vec::new();
                loop {
                    if self.eat('}') {
                        break;
                    }
                    self.skip_ws();
                    let at = self.pos;
                    let case = self.ident();
                    if !key.allowed().contains(&case.as_str()) {
                        self.pos = at;
                        return Err(self.err(format!(
                            "{} 的取值“{case}”无效，可用: {}",
                            key.keyword(),
                            key.allowed().join("、")
                        )));
                    }
                    if cases.iter().any(|(c, _)| *c == case) {
                        self.pos = at;
                        return Err(self.err(format!("重复的取值“{case}”")));
                    }
                    self.expect(':')?;
                    let t = self.expr()?;
                    cases.push((case, t));
                    if !self.eat(',') {
                        self.expect('}')?;
                        break;
                    }
                }
                if cases.is_empty() {
                    return Err(self.err("分类阈值至少要有一个取值"));
                }
                Ok(Threshold::Variant { by: key, cases })
            }
            "" => Err(self.err(if self.pos >= self.chars.len() {
                "表达式不完整".to_owned()
            } else {
                format!("无法识别“{}”", self.rest())
            })),
            other => {
                self.pos = start;
                self.skip_ws();
                Err(self.err(format!(
                    "未知的阈值“{other}”，可用: >=、<=、=、>、<、change、not_worse、stable、improving、achieved、superior、by"
                )))
            }
        }
    }

    fn opt_base(&mut self) -> Result<BaseRef, ThresholdError> {
        if !self.eat('(') {
            return Ok(BaseRef::PlanBase);
        }
        self.skip_ws();
        let base = if self.chars.get(self.pos) == Some(&'b') {
            let w = self.ident();
            if w != "base" {
                return Err(self.err("基准应为 base、年份（2020）或相对年数（-3）"));
            }
            BaseRef::PlanBase
        } else {
            let n = self.number()?;
            if n.fract() != 0.0 {
                return Err(self.err("基准年应为整数"));
            }
            if n < 0.0 {
                BaseRef::YearsBefore((-n) as u32)
            } else if crate::period::YEAR_RANGE.contains(&(n as i32)) {
                BaseRef::Year(n as i32)
            } else {
                return Err(self.err("基准年应在1949–2100之间，或用负数表示相对年数"));
            }
        };
        self.expect(')')?;
        Ok(base)
    }

    fn op(&mut self) -> Option<Op> {
        self.skip_ws();
        let c = self.chars.get(self.pos).copied()?;
        let next = self.chars.get(self.pos + 1).copied();
        let (op, len) = match (c, next) {
            ('>', Some('=')) => (Op::AtLeast, 2),
            ('<', Some('=')) => (Op::AtMost, 2),
            ('≥', _) => (Op::AtLeast, 1),
            ('≤', _) => (Op::AtMost, 1),
            ('>', _) => (Op::Above, 1),
            ('<', _) => (Op::Below, 1),
            ('=', _) => (Op::Equals, 1),
            _ => return None,
        };
        self.pos += len;
        Some(op)
    }

    fn number(&mut self) -> Result<f64, ThresholdError> {
        self.skip_ws();
        let from = self.pos;
        if matches!(self.chars.get(self.pos), Some('-' | '−' | '+')) {
            self.pos += 1;
        }
        while matches!(self.chars.get(self.pos), Some(c) if c.is_ascii_digit() || *c == '.') {
            self.pos += 1;
        }
        let s: String = self.chars[from..self.pos]
            .iter()
            .map(|&c| if c == '−' { '-' } else { c })
            .collect();
        match s.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => {
                self.pos = from;
                Err(self.err("此处应为数字"))
            }
        }
    }

    fn ident(&mut self) -> String {
        self.skip_ws();
        let from = self.pos;
        while matches!(self.chars.get(self.pos), Some(c) if c.is_ascii_alphanumeric() || *c == '_')
        {
            self.pos += 1;
        }
        self.chars[from..self.pos].iter().collect()
    }
}

impl fmt::Display for Threshold {
    /// The canonical text form, which parses back to the same tree.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn base(b: &BaseRef) -> String {
            match b {
                BaseRef::PlanBase => String::new(),
                BaseRef::Year(y) => format!("({y})"),
                BaseRef::YearsBefore(n) => format!("(-{n})"),
            }
        }
        fn nested(t: &Threshold, parent_all: bool) -> String {
            match t {
                Threshold::AnyOf(_) if parent_all => format!("({t})"),
                Threshold::AllOf(_) | Threshold::AnyOf(_) if !parent_all => format!("({t})"),
                _ => t.to_string(),
            }
        }
        match self {
            Threshold::Compare { op, value } => write!(f, "{} {}", op.symbol(), num(*value)),
            Threshold::Change {
                base: b,
                op,
                amount,
                relative,
            } => {
                write!(
                    f,
                    "change{} {} {}{}",
                    base(b),
                    op.symbol(),
                    num(*amount),
                    if *relative { "%" } else { "" }
                )
            }
            Threshold::NotWorseThan { base: b } => write!(f, "not_worse{}", base(b)),
            Threshold::Stable { tolerance: None } => f.write_str("stable"),
            Threshold::Stable {
                tolerance: Some(Tolerance::Absolute(t)),
            } => write!(f, "stable({})", num(*t)),
            Threshold::Stable {
                tolerance: Some(Tolerance::Relative(t)),
            } => write!(f, "stable({}%)", num(*t)),
            Threshold::Improving => f.write_str("improving"),
            Threshold::Achieved { label: None } => f.write_str("achieved"),
            Threshold::Achieved { label: Some(l) } => write!(f, "achieved({l})"),
            Threshold::AssignedBySuperior => f.write_str("superior"),
            Threshold::Variant { by, cases } => {
                write!(f, "by {} {{ ", by.keyword())?;
                for (i, (k, t)) in cases.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}: {t}")?;
                }
                f.write_str(" }")
            }
            Threshold::AllOf(items) => {
                let parts: Vec<String> = items.iter().map(|t| nested(t, true)).collect();
                f.write_str(&parts.join(" & "))
            }
            Threshold::AnyOf(items) => {
                let parts: Vec<String> = items.iter().map(|t| nested(t, false)).collect();
                f.write_str(&parts.join(" | "))
            }
        }
    }
}

impl serde::Serialize for Threshold {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl Threshold {
    /// The Chinese wording, e.g. 「完成上级下达目标，且≥90%或持续提高」.
    pub fn text_zh(&self, dir: Direction, unit: &str, plan_base: i32) -> String {
        let base_zh = |b: &BaseRef| match b {
            BaseRef::PlanBase => format!("{plan_base}年"),
            BaseRef::Year(y) => format!("{y}年"),
            BaseRef::YearsBefore(1) => "上一年".to_owned(),
            BaseRef::YearsBefore(n) => format!("{n}年前"),
        };
        match self {
            Threshold::Compare { op, value } => {
                format!("{}{}{}", op.symbol_zh(), num(*value), unit)
            }
            Threshold::Change {
                base,
                op,
                amount,
                relative,
            } => {
                let unit = if *relative { "%" } else { unit };
                if *amount < 0.0 && matches!(op, Op::Above | Op::AtLeast) {
                    // ΔEQI > −1: a bounded deterioration.
                    format!(
                        "较{}变化{}{}{}",
                        base_zh(base),
                        op.symbol_zh(),
                        num(*amount),
                        unit
                    )
                } else {
                    format!(
                        "较{}{}{}{}{}",
                        base_zh(base),
                        dir.improve_zh(),
                        op.symbol_zh(),
                        num(*amount),
                        unit
                    )
                }
            }
            Threshold::NotWorseThan { base } => {
                format!("不{}（较{}）", dir.worsen_zh(), base_zh(base))
            }
            Threshold::Stable { tolerance } => match tolerance {
                None => "保持稳定或持续改善".to_owned(),
                Some(Tolerance::Absolute(t)) => {
                    let suffix = if unit == "%" { "个百分点" } else { unit };
                    format!("保持稳定或持续改善（容差{}{}）", num(*t), suffix)
                }
                Some(Tolerance::Relative(t)) => format!("保持稳定或持续改善（容差{}%）", num(*t)),
            },
            Threshold::Improving => format!("持续{}", dir.improve_zh()),
            Threshold::Achieved { label } => label.clone().unwrap_or_else(|| "完成".to_owned()),
            Threshold::AssignedBySuperior => "完成上级下达目标".to_owned(),
            Threshold::Variant { by, cases } => cases
                .iter()
                .map(|(k, t)| format!("{}{}", by.case_name_zh(k), t.text_zh(dir, unit, plan_base)))
                .collect::<Vec<_>>()
                .join("；"),
            Threshold::AllOf(items) => items
                .iter()
                .map(|t| t.text_zh(dir, unit, plan_base))
                .collect::<Vec<_>>()
                .join("，且"),
            Threshold::AnyOf(items) => items
                .iter()
                .map(|t| t.text_zh(dir, unit, plan_base))
                .collect::<Vec<_>>()
                .join("或"),
        }
    }

    /// True when the threshold needs the superior authority's assigned number.
    pub fn needs_assignment(&self) -> bool {
        match self {
            Threshold::AssignedBySuperior => true,
            Threshold::Variant { cases, .. } => cases.iter().any(|(_, t)| t.needs_assignment()),
            Threshold::AllOf(v) | Threshold::AnyOf(v) => v.iter().any(Threshold::needs_assignment),
            _ => false,
        }
    }

    /// True when the threshold is qualitative (expects 是/否).
    pub fn is_qualitative(&self) -> bool {
        matches!(self, Threshold::Achieved { .. })
    }

    /// Problems with using this threshold on an indicator of the given kind: qualitative
    /// thresholds need yes/no indicators and numeric thresholds need numbers.
    pub fn check_fit(&self, yes_no: bool) -> Option<String> {
        match self {
            Threshold::Achieved { .. } => {
                (!yes_no).then(|| "“achieved”只能用于是否类指标".to_owned())
            }
            Threshold::Variant { cases, .. } => cases.iter().find_map(|(_, t)| t.check_fit(yes_no)),
            Threshold::AllOf(v) | Threshold::AnyOf(v) => v.iter().find_map(|t| t.check_fit(yes_no)),
            _ => yes_no.then(|| "是否类指标只能使用“achieved”阈值".to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Threshold {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn every_kind_parses_and_prints_back_to_the_same_tree() {
        for s in [
            ">= 95",
            "<= 25",
            "= 100",
            "> -1",
            "< 5",
            "change >= 4.5%",
            "change(2020) >= 4.5%",
            "change(-3) >= 4.5%",
            "change > -1",
            "not_worse",
            "not_worse(2020)",
            "stable",
            "stable(1%)",
            "stable(0.5)",
            "improving",
            "achieved",
            "achieved(建立)",
            "superior",
            "superior & (>= 90 | improving)",
            "by terrain { mountain: >= 60, hill: >= 40, plain: >= 18 }",
            "by level { city: >= 95, county: >= 85 }",
            "superior & stable",
            "(>= 1 & <= 2) | = 5",
        ] {
            let t = p(s);
            assert_eq!(t.to_string(), s, "canonical form of {s}");
            assert_eq!(p(&t.to_string()), t);
        }
    }

    #[test]
    fn unicode_comparators_and_chinese_connectives_are_accepted() {
        assert_eq!(p("≥90"), p(">= 90"));
        assert_eq!(
            p("superior 且 (≥90 或 improving)"),
            p("superior & (>= 90 | improving)")
        );
        assert_eq!(p("change > −1"), p("change > -1"));
    }

    #[test]
    fn parse_errors_point_at_the_offending_character() {
        let e = "superior & (>= | improving)"
            .parse::<Threshold>()
            .unwrap_err();
        assert_eq!(e.offset, 16, "{e}");
        assert!(e.message.contains("数字"));
        let e = ">= 90 extra".parse::<Threshold>().unwrap_err();
        assert!(e.message.contains("多余"), "{e}");
        let e = "by terrain { desert: >= 1 }"
            .parse::<Threshold>()
            .unwrap_err();
        assert!(
            e.message.contains("desert") && e.message.contains("plain"),
            "{e}"
        );
        let e = "bigger 5".parse::<Threshold>().unwrap_err();
        assert!(e.message.contains("未知的阈值"), "{e}");
        assert!("".parse::<Threshold>().is_err());
        assert!("(>= 1".parse::<Threshold>().is_err());
        assert!(
            "by level { city: >= 1, city: >= 2 }"
                .parse::<Threshold>()
                .is_err()
        );
    }

    #[test]
    fn chinese_wording_follows_direction() {
        let hi = Direction::HigherIsBetter;
        let lo = Direction::LowerIsBetter;
        assert_eq!(
            p("superior & (>= 90 | improving)").text_zh(hi, "%", 2020),
            "完成上级下达目标，且≥90%或持续提高"
        );
        assert_eq!(
            p("superior & (<= 25 | improving)").text_zh(lo, "μg/m³", 2020),
            "完成上级下达目标，且≤25μg/m³或持续下降"
        );
        assert_eq!(
            p("change >= 4.5%").text_zh(lo, "m²/万元", 2020),
            "较2020年下降≥4.5%"
        );
        assert_eq!(p("not_worse").text_zh(hi, "%", 2020), "不降低（较2020年）");
        assert_eq!(
            p("change(-1) > -1").text_zh(hi, "", 2020),
            "较上一年变化>-1"
        );
        assert_eq!(p("= 100").text_zh(hi, "%", 2020), "100%");
        assert_eq!(
            p("by level { city: >= 95, county: >= 85 }").text_zh(hi, "%", 2020),
            "市≥95%；县≥85%"
        );
    }

    #[test]
    fn comparisons_tolerate_float_noise_but_not_real_shortfalls() {
        assert!(Op::AtLeast.holds(99.95, 99.95));
        assert!(Op::AtLeast.holds(0.1 + 0.2, 0.3));
        assert!(!Op::AtLeast.holds(99.94, 99.95));
        assert!(Op::Equals.holds(100.0, 100.0));
        assert!(!Op::Equals.holds(99.99, 100.0));
        assert!(!Op::Above.holds(-1.0, -1.0));
        assert!(Op::Above.holds(-0.99, -1.0));
    }
}
