//! Evaluation: for a year, every indicator × region against its plan target and, separately,
//! against the national threshold, with a forecast and a one-sentence Chinese explanation.
//!
//! `evaluate` is a pure function of (plan, catalogue, values, assigned targets, year): the same
//! inputs give the same output, which makes it cacheable, snapshot-testable and explainable.
//!
//! Status rules:
//! - **达标 Met**: the value meets the threshold (before the milestone: and the trend does not
//!   threaten it).
//! - **有风险 AtRisk**: before the milestone, either met now but the linear trend misses the
//!   milestone, or not met yet but the trend reaches it (not yet secured); for a qualitative
//!   target, not yet done while its deadline is ahead. Against the national threshold: met now
//!   but the trend fails it next year.
//! - **未达标 NotMet**: not met, and either the milestone has come or the trend does not reach it.
//! - **无数据 NoData**: no value for the year, or an input the threshold needs is missing (a base
//!   year value, the superior authority's assigned number, last year's value for a trend).
//! - **待审核 Pending**: the year's value is not approved yet.
//! - **不适用 NotApplicable**: the national row does not apply to the region (a county-only row
//!   for the city, a coastal row inland).

use std::collections::HashMap;

use ecociv_i18n::{Lang, Msg, ReadinessCounts, Words};

use crate::area::Area;
use crate::catalogue::{Catalogue, CatalogueVersion, Confidence, NationalRow};
use crate::explain;
use crate::forecast::{self, CagrRatio, Linear, NoForecast};
use crate::indicator::{Attribute, Direction, Indicator, ValueKind};
use crate::observation::{AssignedSet, Point, ValueSet, ValueState};
use crate::plan::{Plan, Target, Task};
use crate::region::Region;
use crate::threshold::{Op, Threshold, Tolerance, pick_level as pick};

/// The status of an indicator for a region and year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Met,
    AtRisk,
    NotMet,
    NoData,
    Pending,
    NotApplicable,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Met,
        Status::AtRisk,
        Status::NotMet,
        Status::NoData,
        Status::Pending,
        Status::NotApplicable,
    ];

    /// The Chinese word (达标, 未达标, …), as data and Chinese-only documents print it.
    pub fn name_zh(self) -> &'static str {
        self.zh()
    }

    /// A symbol that carries the status without colour.
    pub fn symbol(self) -> &'static str {
        match self {
            Status::Met => "✓",
            Status::AtRisk => "⚠",
            Status::NotMet => "✗",
            Status::NoData => "?",
            Status::Pending => "…",
            Status::NotApplicable => "–",
        }
    }

    /// How far a status is from a secured 达标, for choosing the worse of two: met, at risk,
    /// pending, no data, not met. 不适用 has none: it never decides.
    pub fn severity(self) -> Option<u8> {
        match self {
            Status::Met => Some(0),
            Status::AtRisk => Some(1),
            Status::Pending => Some(2),
            Status::NoData => Some(3),
            Status::NotMet => Some(4),
            Status::NotApplicable => None,
        }
    }

    /// The worse of two statuses (see [`Status::severity`]); 不适用 yields to the other, and two
    /// 不适用 stay 不适用.
    pub fn worse(a: Status, b: Status) -> Status {
        match (a.severity(), b.severity()) {
            (None, _) => b,
            (_, None) => a,
            (Some(x), Some(y)) => {
                if y > x {
                    b
                } else {
                    a
                }
            }
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| {
            st.name_zh() == s
                || serde_json::to_value(st)
                    .ok()
                    .and_then(|v| v.as_str().map(|x| x == s))
                    == Some(true)
        })
    }
}

ecociv_i18n::words!(Status {
    Met => "达标", "Met";
    AtRisk => "有风险", "At risk";
    NotMet => "未达标", "Not met";
    NoData => "无数据", "No data";
    Pending => "待审核", "Pending";
    NotApplicable => "不适用", "Not applicable";
});

/// What a threshold check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Met,
    NotMet,
    NoData,
    NotApplicable,
}

#[derive(Debug, Clone)]
struct Check {
    verdict: Verdict,
    notes: Vec<String>,
}

impl Check {
    fn of(verdict: Verdict) -> Check {
        Check {
            verdict,
            notes: Vec::new(),
        }
    }
    fn note(verdict: Verdict, note: String) -> Check {
        Check {
            verdict,
            notes: vec![note],
        }
    }
}

/// The forecast shown with a result.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Forecast {
    /// The year forecast for (the milestone, or next year for the national threshold).
    pub year: i32,
    /// Linear-trend projection for that year, clamped to the indicator's range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub linear: Option<Linear>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cagr: Option<CagrRatio>,
    /// The level that must be reached, when the threshold reduces to one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<f64>,
    /// Change per year still needed to reach the level, in the improving direction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required_annual_change: Option<f64>,
    /// The method that decided the status, when a forecast decided it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<NoForecast>,
}

/// The plan-target part of a result.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TargetResult {
    pub task: u32,
    pub year: i32,
    pub threshold: String,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    pub status: Status,
    pub explanation: String,
}

/// The national-threshold part of a result.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct NationalResult {
    pub version: String,
    pub row: String,
    pub number: String,
    pub name: String,
    pub threshold: String,
    pub text: String,
    pub printed: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute: Option<Attribute>,
    pub binding: bool,
    pub confidence: Confidence,
    /// False rows are shown as 待核实.
    pub verified: bool,
    pub status: Status,
    pub explanation: String,
}

/// One indicator for one region.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct IndicatorResult {
    pub indicator: String,
    pub name: String,
    pub unit: String,
    pub region: String,
    pub region_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub area: Option<Area>,
    pub value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_state: Option<ValueState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The overall status a reader sees: the worse of the plan status and the national status
    /// where both apply (both are in `target` and `national`), else the one that applies. A
    /// plan target laxer than the binding national threshold cannot make an indicator 达标.
    pub status: Status,
    pub target: Option<TargetResult>,
    pub national: Option<NationalResult>,
    /// The plan target asks less than the national threshold for this region (a plan-check
    /// finding, [`crate::findings`]): meeting it does not meet the national one.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub target_laxer_than_national: bool,
    pub forecast: Option<Forecast>,
    pub explanation: String,
}

/// Which of an indicator's statuses a list or a count looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusBasis {
    /// The overall status: the worse of the plan and the national status.
    Overall,
    /// Against the national threshold: what readiness (申报条件) counts.
    National,
    /// Against the plan target.
    Plan,
}

impl IndicatorResult {
    /// The status on a basis; `None` when the indicator has no plan target (or no national row).
    pub fn status_on(&self, basis: StatusBasis) -> Option<Status> {
        match basis {
            StatusBasis::Overall => Some(self.status),
            StatusBasis::National => self.national.as_ref().map(|n| n.status),
            StatusBasis::Plan => self.target.as_ref().map(|t| t.status),
        }
    }

    /// Binding (`Some(true)`) or reference (`Some(false)`) national row; `None` without one.
    pub fn binding(&self) -> Option<bool> {
        self.national.as_ref().map(|n| n.binding)
    }
}

/// A national row's kind, as lists filter by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowKind {
    Binding,
    Reference,
}

impl RowKind {
    pub fn parse(s: &str) -> Option<RowKind> {
        match s.trim() {
            "binding" | "约束性" => Some(RowKind::Binding),
            "reference" | "参考性" => Some(RowKind::Reference),
            _ => None,
        }
    }
}

/// What a list of results is filtered by: the indicator list of the pages and the API, and the
/// readiness counts, which are this filter's tallies (so a count and the list behind its link
/// hold the same indicators).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResultFilter {
    /// A region code; `None` for every region.
    pub region: Option<String>,
    pub area: Option<Area>,
    pub status: Option<Status>,
    /// Only indicators with a binding or a reference national row.
    pub row: Option<RowKind>,
}

impl ResultFilter {
    /// The status the filter compares: with a national row kind, the national status (what
    /// readiness counts); otherwise the overall status.
    pub fn basis(&self) -> StatusBasis {
        if self.row.is_some() {
            StatusBasis::National
        } else {
            StatusBasis::Overall
        }
    }

    /// Whether a result passes everything but the status.
    fn selects(&self, r: &IndicatorResult) -> bool {
        self.region.as_ref().is_none_or(|g| &r.region == g)
            && self.area.is_none_or(|a| r.area == Some(a))
            && match self.row {
                None => true,
                Some(RowKind::Binding) => r.binding() == Some(true),
                Some(RowKind::Reference) => r.binding() == Some(false),
            }
    }

    pub fn matches(&self, r: &IndicatorResult) -> bool {
        self.selects(r)
            && self
                .status
                .is_none_or(|s| r.status_on(self.basis()) == Some(s))
    }

    /// How many results of each status the filter (ignoring its own status) selects.
    pub fn tally<'a>(&self, results: impl IntoIterator<Item = &'a IndicatorResult>) -> Counts {
        let mut c = Counts::default();
        for r in results.into_iter().filter(|r| self.selects(r)) {
            if let Some(s) = r.status_on(self.basis()) {
                c.add(s);
            }
        }
        c
    }
}

/// Status counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub met: usize,
    pub at_risk: usize,
    pub not_met: usize,
    pub no_data: usize,
    pub pending: usize,
    pub not_applicable: usize,
}

impl Counts {
    pub fn add(&mut self, s: Status) {
        match s {
            Status::Met => self.met += 1,
            Status::AtRisk => self.at_risk += 1,
            Status::NotMet => self.not_met += 1,
            Status::NoData => self.no_data += 1,
            Status::Pending => self.pending += 1,
            Status::NotApplicable => self.not_applicable += 1,
        }
    }

    pub fn get(&self, s: Status) -> usize {
        match s {
            Status::Met => self.met,
            Status::AtRisk => self.at_risk,
            Status::NotMet => self.not_met,
            Status::NoData => self.no_data,
            Status::Pending => self.pending,
            Status::NotApplicable => self.not_applicable,
        }
    }

    pub fn total(&self) -> usize {
        self.met + self.at_risk + self.not_met + self.no_data + self.pending + self.not_applicable
    }
}

/// Plan-indicator statuses of the city in one area.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AreaSummary {
    pub area: Area,
    pub name: &'static str,
    pub counts: Counts,
}

/// Is the city ready: are all binding national indicators met?
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Readiness {
    pub catalogue_version: String,
    pub catalogue_title: String,
    /// Every applicable binding row is met (達标 or met-but-at-risk) for the city.
    pub ready: bool,
    pub binding: Counts,
    pub reference: Counts,
    /// Applicable rows not confirmed against an official copy (待核实).
    pub unverified_rows: usize,
    pub catalogue_complete: bool,
    /// Plan indicators of the city by the area of their task, with their overall status.
    pub by_area: Vec<AreaSummary>,
    pub plan: Counts,
    pub summary: String,
}

impl Readiness {
    /// The readiness sentence, in either language.
    pub fn message(&self) -> Msg {
        let b = &self.binding;
        Msg::Readiness(Box::new(ReadinessCounts {
            version: self.catalogue_version.clone(),
            applicable: b.total() - b.not_applicable,
            met: b.met + b.at_risk,
            at_risk: b.at_risk,
            not_met: b.not_met,
            no_data: b.no_data,
            pending: b.pending,
            ready: self.ready,
            unverified: self.unverified_rows,
            complete: self.catalogue_complete,
        }))
    }

    fn with_summary(mut self) -> Self {
        self.summary = self.message().text(Lang::Zh);
        self
    }
}

/// The evaluation of a year.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Evaluation {
    pub year: i32,
    pub plan: String,
    pub readiness: Readiness,
    pub results: Vec<IndicatorResult>,
}

/// What to evaluate.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub year: i32,
    /// The national catalogue version; the plan's own when `None`.
    pub catalogue_version: Option<String>,
    /// Only this region (position in `Plan::regions`).
    pub region: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    #[error("国家指标版本“{0}”不存在，可用: {1}")]
    UnknownVersion(String, String),
}

/// Evaluates a year. See the module documentation for the status rules.
pub fn evaluate(
    plan: &Plan,
    catalogue: &Catalogue,
    values: &ValueSet,
    assigned: &AssignedSet,
    opts: &Options,
) -> Result<Evaluation, EvalError> {
    let version_id = opts
        .catalogue_version
        .as_deref()
        .unwrap_or(&plan.catalogue_version);
    let version = catalogue.version(version_id).ok_or_else(|| {
        EvalError::UnknownVersion(version_id.to_owned(), catalogue.version_ids().join("、"))
    })?;
    let year = opts.year;

    // Index targets and national rows by indicator position.
    let mut targets: HashMap<(usize, usize), Vec<(&Task, &Target)>> = HashMap::new();
    for (task, target) in plan.targets() {
        if let (Some(i), Some(r)) = (
            plan.indicator_position(&target.indicator),
            plan.region_position(&target.region),
        ) {
            targets.entry((i, r)).or_default().push((task, target));
        }
    }
    for list in targets.values_mut() {
        list.sort_by_key(|(_, t)| t.year);
    }
    let mut rows: HashMap<usize, &NationalRow> = HashMap::new();
    for row in &version.rows {
        if let Some(i) = plan.indicator_position(&row.indicator) {
            rows.entry(i).or_insert(row);
        }
    }

    // The indicator order: plan targets in task order, then national rows, then the rest.
    let mut order: Vec<usize> = Vec::new();
    let mut rank = vec![usize::MAX; plan.indicators.len()];
    let mut push = |i: usize, order: &mut Vec<usize>| {
        if rank[i] == usize::MAX {
            rank[i] = order.len();
            order.push(i);
        }
    };
    for (_, target) in plan.targets() {
        if let Some(i) = plan.indicator_position(&target.indicator) {
            push(i, &mut order);
        }
    }
    for row in &version.rows {
        if let Some(i) = plan.indicator_position(&row.indicator) {
            push(i, &mut order);
        }
    }
    for i in 0..plan.indicators.len() {
        push(i, &mut order);
    }

    // Which (indicator, region) pairs: for the city every plan and national indicator; for other
    // regions those with a target or a value.
    let city = plan.region_position(&plan.city).unwrap_or(0);
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for &i in &order {
        if targets.contains_key(&(i, city))
            || rows.contains_key(&i)
            || !values.series(i, city).is_empty()
        {
            pairs.push((i, city));
        }
    }
    let mut others: Vec<(usize, usize)> = targets
        .keys()
        .copied()
        .chain(values.keys())
        .filter(|&(_, r)| r != city)
        .collect();
    others.sort_by_key(|&(i, r)| (r, rank[i]));
    others.dedup();
    pairs.extend(others);
    if let Some(only) = opts.region {
        pairs.retain(|&(_, r)| r == only);
    }

    // Thresholds print the same for every region unless they hold a variant: print them once.
    let row_texts: HashMap<usize, RowText> = rows
        .iter()
        .map(|(&i, row)| {
            let ind = &plan.indicators[i];
            let text = (!has_variant(&row.threshold)).then(|| {
                row.threshold
                    .text_zh(ind.direction, ind.unit.as_str(), plan.base_year)
            });
            let head = text.as_deref().map(|t| national_head(&version.id, row, t));
            (
                i,
                RowText {
                    canonical: row.threshold.to_string(),
                    text,
                    head,
                },
            )
        })
        .collect();

    let one = |&(i, r): &(usize, usize)| {
        let ctx = Ctx {
            plan,
            ind: &plan.indicators[i],
            ind_pos: i,
            region: &plan.regions[r],
            reg_pos: r,
            series: up_to(values.series(i, r), year),
            assigned,
            year,
        };
        let target = targets.get(&(i, r)).map(|list| select_target(list, year));
        let row = rows.get(&i).map(|row| (*row, &row_texts[&i]));
        ctx.result(target, row, version)
    };
    // Results are independent of each other: split them over the available cores, keeping the
    // order. Small evaluations stay on the calling thread.
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let results: Vec<IndicatorResult> = if threads < 2 || pairs.len() < 2_000 {
        pairs.iter().map(one).collect()
    } else {
        let chunk = pairs.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let handles: Vec<_> = pairs
                .chunks(chunk)
                .map(|part| scope.spawn(|| part.iter().map(one).collect::<Vec<_>>()))
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        })
    };

    let readiness = readiness(plan, version, &results, city);
    Ok(Evaluation {
        year,
        plan: plan.id.clone(),
        readiness,
        results,
    })
}

/// `base` (an evaluation of every region) with the results of some regions replaced by
/// `replaced`: for each, the region's position and the results of [`evaluate`] with
/// `Options::region` set to it, the other options as for `base`. The readiness is computed again.
/// When only those regions' inputs changed since `base` was computed, this is the evaluation of
/// every region again, in the same order (the city first, then the other regions in plan order,
/// each region's results in `evaluate`'s order), at the cost of the replaced regions only.
pub fn splice_regions(
    plan: &Plan,
    catalogue: &Catalogue,
    base: &Evaluation,
    catalogue_version: Option<&str>,
    replaced: Vec<(usize, Vec<IndicatorResult>)>,
) -> Result<Evaluation, EvalError> {
    let version_id = catalogue_version.unwrap_or(&plan.catalogue_version);
    let version = catalogue.version(version_id).ok_or_else(|| {
        EvalError::UnknownVersion(version_id.to_owned(), catalogue.version_ids().join("、"))
    })?;
    let city = plan.region_position(&plan.city).unwrap_or(0);
    let mut new: HashMap<usize, Vec<IndicatorResult>> = replaced.into_iter().collect();
    let mut old: HashMap<&str, Vec<&IndicatorResult>> = HashMap::new();
    for r in &base.results {
        old.entry(r.region.as_str()).or_default().push(r);
    }
    let order = std::iter::once(city).chain((0..plan.regions.len()).filter(|&r| r != city));
    let mut results = Vec::with_capacity(base.results.len());
    for r in order {
        match new.remove(&r) {
            Some(list) => results.extend(list),
            None => {
                if let Some(list) = old.get(plan.regions[r].code.as_str()) {
                    results.extend(list.iter().map(|x| (*x).clone()));
                }
            }
        }
    }
    let readiness = readiness(plan, version, &results, city);
    Ok(Evaluation {
        year: base.year,
        plan: base.plan.clone(),
        readiness,
        results,
    })
}

/// A national row's threshold, printed once per evaluation.
struct RowText {
    canonical: String,
    /// The wording, when it does not depend on the region (no variant inside).
    text: Option<String>,
    /// The explanation's opening 「国家标准（2021版第29项，待核实）≥95%」, when region-independent.
    head: Option<String>,
}

fn national_head(version: &str, row: &NationalRow, text: &str) -> String {
    format!(
        "国家标准（{}版第{}项{}）{}",
        version,
        row.number,
        if row.verified() { "" } else { "，待核实" },
        text
    )
}

fn has_variant(t: &Threshold) -> bool {
    match t {
        Threshold::Variant { .. } => true,
        Threshold::AllOf(v) | Threshold::AnyOf(v) => v.iter().any(has_variant),
        _ => false,
    }
}

/// The part of a series an evaluation of `year` may see: nothing from later years.
fn up_to(series: &[Point], year: i32) -> &[Point] {
    &series[..series.partition_point(|p| p.year <= year)]
}

/// The target of the relevant milestone: the first at or after the year, else the last one.
fn select_target<'a>(list: &[(&'a Task, &'a Target)], year: i32) -> (&'a Task, &'a Target) {
    list.iter()
        .find(|(_, t)| t.year >= year)
        .or(list.last())
        .copied()
        .unwrap_or(list[0])
}

struct Ctx<'a> {
    plan: &'a Plan,
    ind: &'a Indicator,
    ind_pos: usize,
    region: &'a Region,
    reg_pos: usize,
    series: &'a [Point],
    assigned: &'a AssignedSet,
    year: i32,
}

fn flip(op: Op) -> Op {
    match op {
        Op::AtLeast => Op::AtMost,
        Op::Above => Op::Below,
        Op::AtMost => Op::AtLeast,
        Op::Below => Op::Above,
        Op::Equals => Op::Equals,
    }
}

impl<'a> Ctx<'a> {
    fn at(&self, year: i32) -> Option<&'a Point> {
        self.series
            .binary_search_by_key(&year, |p| p.year)
            .ok()
            .map(|i| &self.series[i])
    }

    fn v(&self, v: f64) -> String {
        explain::value(self.ind, v)
    }

    /// 「2024年城镇污水处理率96.2%」, or 「2024年河长制：已完成」 for a yes/no indicator.
    fn said(&self, year: i32, v: f64) -> String {
        match self.ind.kind {
            ValueKind::YesNo => format!(
                "{year}年{}：{}",
                self.ind.name,
                if v >= 0.5 { "已完成" } else { "未完成" }
            ),
            ValueKind::Number => format!("{year}年{}{}", self.ind.name, self.v(v)),
        }
    }

    fn unit_text(&self) -> &'static str {
        self.ind.unit.as_str()
    }

    fn text(&self, t: &Threshold) -> String {
        t.text_zh(self.ind.direction, self.unit_text(), self.plan.base_year)
    }

    /// The wording of a threshold as it applies to this region (see
    /// [`Threshold::text_for_region`]).
    fn text_here(&self, t: &Threshold) -> String {
        t.text_for_region(
            self.region,
            self.ind.direction,
            self.unit_text(),
            self.plan.base_year,
        )
    }

    /// Checks a threshold for `year` against the value `v` of that year.
    fn check(&self, t: &Threshold, year: i32, v: f64) -> Check {
        let sign = self.ind.direction.sign();
        match t {
            Threshold::Compare { op, value } => Check::of(if op.holds(v, *value) {
                Verdict::Met
            } else {
                Verdict::NotMet
            }),
            Threshold::Change {
                base,
                op,
                amount,
                relative,
            } => {
                let by = base.resolve(year, self.plan.base_year);
                let Some(b) = self.at(by) else {
                    return Check::note(Verdict::NoData, format!("缺少{by}年基准值"));
                };
                let imp = if *relative {
                    if b.value == 0.0 {
                        return Check::note(
                            Verdict::NoData,
                            format!("{by}年基准值为0，无法计算变化率"),
                        );
                    }
                    sign * (v - b.value) / b.value.abs() * 100.0
                } else {
                    sign * (v - b.value)
                };
                let verdict = if op.holds(imp, *amount) {
                    Verdict::Met
                } else {
                    Verdict::NotMet
                };
                let what = if *relative {
                    let word = if imp >= 0.0 {
                        self.ind.direction.improve_zh()
                    } else {
                        self.ind.direction.worsen_zh()
                    };
                    format!("{word}{}%", explain::num(imp.abs()))
                } else {
                    explain::change(self.ind, imp)
                };
                Check::note(verdict, format!("较{by}年（{}）{what}", self.v(b.value)))
            }
            Threshold::NotWorseThan { base } => {
                let by = base.resolve(year, self.plan.base_year);
                let Some(b) = self.at(by) else {
                    return Check::note(Verdict::NoData, format!("缺少{by}年基准值"));
                };
                let imp = sign * (v - b.value);
                let verdict = if Op::AtLeast.holds(imp, 0.0) {
                    Verdict::Met
                } else {
                    Verdict::NotMet
                };
                Check::note(
                    verdict,
                    format!(
                        "较{by}年（{}）{}",
                        self.v(b.value),
                        explain::change(self.ind, imp)
                    ),
                )
            }
            Threshold::Stable { tolerance } => {
                let Some(prev) = self.at(year - 1) else {
                    return Check::note(
                        Verdict::NoData,
                        format!("缺少{}年数值，无法判断是否保持稳定", year - 1),
                    );
                };
                let imp = sign * (v - prev.value);
                let allowed = match tolerance {
                    None => 0.0,
                    Some(Tolerance::Absolute(t)) => *t,
                    Some(Tolerance::Relative(p)) => prev.value.abs() * p / 100.0,
                };
                let verdict = if Op::AtLeast.holds(imp, -allowed) {
                    Verdict::Met
                } else {
                    Verdict::NotMet
                };
                Check::note(
                    verdict,
                    format!(
                        "较{}年（{}）{}",
                        year - 1,
                        self.v(prev.value),
                        explain::change(self.ind, imp)
                    ),
                )
            }
            Threshold::Improving => {
                let Some(prev) = self.at(year - 1) else {
                    return Check::note(
                        Verdict::NoData,
                        format!("缺少{}年数值，无法判断是否持续改善", year - 1),
                    );
                };
                let imp = sign * (v - prev.value);
                let verdict = if Op::Above.holds(imp, 0.0) {
                    Verdict::Met
                } else {
                    Verdict::NotMet
                };
                Check::note(
                    verdict,
                    format!(
                        "较{}年（{}）{}",
                        year - 1,
                        self.v(prev.value),
                        explain::change(self.ind, imp)
                    ),
                )
            }
            Threshold::Achieved { .. } => Check::of(if v >= 0.5 {
                Verdict::Met
            } else {
                Verdict::NotMet
            }),
            Threshold::AssignedBySuperior => {
                let Some(a) = self.assigned.get(self.ind_pos, self.reg_pos, year) else {
                    return Check::note(Verdict::NoData, format!("缺少上级下达的{year}年目标值"));
                };
                let mut inner = self.check(&a.threshold, year, v);
                let verb = if inner.verdict == Verdict::Met {
                    "完成"
                } else {
                    "未完成"
                };
                inner.notes.insert(
                    0,
                    format!(
                        "{verb}上级下达的{year}年目标{}（{}）",
                        self.text(&a.threshold),
                        a.document
                    ),
                );
                inner
            }
            Threshold::Variant { by, cases } => {
                let Some(key) = by.key_of(self.region) else {
                    return Check::note(
                        Verdict::NoData,
                        format!("{}未设置适用分类，无法选择阈值", self.region.name),
                    );
                };
                match cases.iter().find(|(k, _)| k == key) {
                    Some((_, t)) => self.check(t, year, v),
                    None => Check::note(
                        Verdict::NotApplicable,
                        format!("阈值未对{}作规定", self.region.name),
                    ),
                }
            }
            Threshold::AllOf(items) => {
                let checks: Vec<Check> = items.iter().map(|t| self.check(t, year, v)).collect();
                combine(checks, true)
            }
            Threshold::AnyOf(items) => {
                let checks: Vec<Check> = items.iter().map(|t| self.check(t, year, v)).collect();
                combine(checks, false)
            }
        }
    }

    /// The single level the value must reach in `at` for the threshold, when there is one.
    fn level(&self, t: &Threshold, at: i32) -> Option<(Op, f64)> {
        let dir = self.ind.direction;
        let sign = dir.sign();
        let oriented = |op: Op| {
            if dir == Direction::LowerIsBetter {
                flip(op)
            } else {
                op
            }
        };
        match t {
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
            Threshold::Change {
                base,
                op,
                amount,
                relative,
            } => {
                let b = self.at(base.resolve(at, self.plan.base_year))?.value;
                let delta = if *relative {
                    amount * b.abs() / 100.0
                } else {
                    *amount
                };
                Some((oriented(*op), b + sign * delta))
            }
            Threshold::NotWorseThan { base } => {
                let b = self.at(base.resolve(at, self.plan.base_year))?.value;
                Some((oriented(Op::AtLeast), b))
            }
            Threshold::AssignedBySuperior => {
                let a = self
                    .assigned
                    .get(self.ind_pos, self.reg_pos, at)
                    .or_else(|| self.assigned.get(self.ind_pos, self.reg_pos, self.year))?;
                self.level(&a.threshold, at)
            }
            Threshold::Variant { by, cases } => {
                let key = by.key_of(self.region)?;
                cases
                    .iter()
                    .find(|(k, _)| k == key)
                    .and_then(|(_, t)| self.level(t, at))
            }
            Threshold::AllOf(items) => {
                let levels: Vec<(Op, f64)> =
                    items.iter().filter_map(|t| self.level(t, at)).collect();
                pick(levels, dir, true)
            }
            Threshold::AnyOf(items) => {
                let levels: Vec<(Op, f64)> =
                    items.iter().filter_map(|t| self.level(t, at)).collect();
                if levels.len() == items.len() {
                    pick(levels, dir, false)
                } else {
                    None
                }
            }
            Threshold::Stable { .. } | Threshold::Improving | Threshold::Achieved { .. } => None,
        }
    }

    fn clamp(&self, v: f64) -> f64 {
        let v = self.ind.min.map_or(v, |m| v.max(m));
        self.ind.max.map_or(v, |m| v.min(m))
    }

    fn points(&self) -> impl Iterator<Item = (i32, f64)> + '_ {
        self.series.iter().map(|p| (p.year, p.value))
    }

    /// Linear and CAGR forecasts towards `level` in `to_year`.
    fn forecast(&self, to_year: i32, level: Option<(Op, f64)>, current: f64) -> Forecast {
        let linear = forecast::linear_trend(self.points(), self.year);
        let value = linear.as_ref().ok().map(|l| self.clamp(l.at(to_year)));
        let cagr = level.and_then(|(_, lv)| {
            let base = self
                .series
                .iter()
                .find(|p| p.year >= self.plan.base_year && p.year < self.year)?;
            forecast::cagr_ratio(
                (base.year, base.value),
                (self.year, current),
                (to_year, lv),
                self.ind.direction,
            )
            .ok()
        });
        let required = level.and_then(|(_, lv)| {
            forecast::required_annual_change(current, self.year, lv, to_year, self.ind.direction)
        });
        Forecast {
            year: to_year,
            value,
            linear: linear.as_ref().ok().copied(),
            cagr,
            level: level.map(|(_, lv)| lv),
            required_annual_change: required,
            decided_by: None,
            unavailable: linear.err(),
        }
    }

    fn result(
        &self,
        target: Option<(&Task, &Target)>,
        row: Option<(&NationalRow, &RowText)>,
        version: &CatalogueVersion,
    ) -> IndicatorResult {
        let point = self.at(self.year);
        let mut forecast_out: Option<Forecast> = None;
        let target_result = target.map(|(task, t)| {
            let (status, explanation, fc) = self.judge_target(t, point);
            if fc.is_some() {
                forecast_out = fc;
            }
            TargetResult {
                task: task.number,
                year: t.year,
                threshold: t.threshold.to_string(),
                text: self.text_here(&t.threshold),
                deadline: t.deadline.clone(),
                status,
                explanation,
            }
        });
        let national = row.map(|(row, texts)| {
            let (status, explanation, fc) = self.judge_national(row, texts, &version.id, point);
            if forecast_out.is_none() {
                forecast_out = fc;
            }
            NationalResult {
                version: version.id.clone(),
                row: row.id.clone(),
                number: row.number.clone(),
                name: row.name.clone(),
                threshold: texts.canonical.clone(),
                text: texts
                    .text
                    .clone()
                    .unwrap_or_else(|| self.text_here(&row.threshold)),
                printed: row.printed.clone(),
                attribute: row.attribute,
                binding: row.is_binding(),
                confidence: row.confidence,
                verified: row.verified(),
                status,
                explanation,
            }
        });
        let laxer = match (target, row) {
            (Some((_, t)), Some((r, _))) => {
                r.not_applicable_reason(self.region).is_none()
                    && t.threshold
                        .laxer_than(&r.threshold, self.ind.direction, self.region)
            }
            _ => false,
        };
        let (status, explanation) = match (&target_result, &national) {
            (Some(t), Some(n)) if Status::worse(t.status, n.status) != t.status => {
                // The national threshold is the worse: say so, and why meeting the plan target
                // does not meet it.
                let mut text = t.explanation.clone();
                if laxer {
                    text.push_str(&format!(
                        "方案目标（{}）低于国家{}（{}），达到方案目标不等于达到国家标准。",
                        t.text,
                        attribute_words(n.attribute),
                        n.text
                    ));
                }
                text.push_str(&n.explanation);
                (Status::worse(t.status, n.status), text)
            }
            (Some(t), _) => (t.status, t.explanation.clone()),
            (None, Some(n)) => (n.status, n.explanation.clone()),
            (None, None) => match point {
                Some(p) => (
                    Status::NotApplicable,
                    format!(
                        "{}年{}{}，本方案和国家标准均未对此设定目标。",
                        self.year,
                        self.ind.name,
                        self.v(p.value)
                    ),
                ),
                None => (
                    Status::NoData,
                    format!("{}年{}无数据。", self.year, self.ind.name),
                ),
            },
        };
        IndicatorResult {
            indicator: self.ind.code.clone(),
            name: self.ind.name.clone(),
            unit: self.ind.unit.as_str().to_owned(),
            region: self.region.code.clone(),
            region_name: self.region.name.clone(),
            area: self.ind.area,
            value: point.map(|p| p.value),
            value_state: point.map(|p| p.state),
            source: point.and_then(|p| p.source.clone()),
            status,
            target: target_result,
            national,
            target_laxer_than_national: laxer,
            forecast: forecast_out,
            explanation,
        }
    }

    /// 「（最近一次：2023年93.1%）」 for a missing value.
    fn last_known(&self) -> String {
        match self.series.iter().rev().find(|p| p.year < self.year) {
            Some(p) => format!("（最近一次：{}年{}）", p.year, self.v(p.value)),
            None => String::new(),
        }
    }

    fn judge_target(
        &self,
        t: &Target,
        point: Option<&Point>,
    ) -> (Status, String, Option<Forecast>) {
        let y = self.year;
        let name = &self.ind.name;
        let goal = format!("{}年目标（{}）", t.year, self.text_here(&t.threshold));
        let Some(p) = point else {
            return (
                Status::NoData,
                format!(
                    "{y}年{name}无数据{}，无法判断是否达到{goal}。",
                    self.last_known()
                ),
                None,
            );
        };
        let check = self.check(&t.threshold, y, p.value);
        let notes = join_notes(&check.notes);
        let value = self.v(p.value);
        if p.state == ValueState::Pending {
            let tentative = match check.verdict {
                Verdict::Met => "按此值可达到",
                Verdict::NotMet => "按此值未达到",
                _ => "按此值尚无法判断是否达到",
            };
            return (
                Status::Pending,
                format!("{y}年{name}{value}尚未审核通过，{tentative}{goal}{notes}。"),
                None,
            );
        }
        match check.verdict {
            Verdict::NoData => {
                return (
                    Status::NoData,
                    format!(
                        "{y}年{name}{value}，{}，无法判断是否达到{goal}。",
                        check.notes.join("，")
                    ),
                    None,
                );
            }
            Verdict::NotApplicable => {
                return (
                    Status::NotApplicable,
                    format!("{y}年{name}{value}，{}。", check.notes.join("，")),
                    None,
                );
            }
            _ => {}
        }
        let met = check.verdict == Verdict::Met;
        if self.ind.kind == ValueKind::YesNo {
            let due = t
                .deadline
                .clone()
                .unwrap_or_else(|| format!("{}年底", t.year));
            return if met {
                (
                    Status::Met,
                    format!("{y}年{name}：已完成，达到{goal}。"),
                    None,
                )
            } else if y < t.year || (y == t.year && t.deadline.is_some()) {
                (
                    Status::AtRisk,
                    format!("{y}年{name}：尚未完成，期限为{due}，须按期完成{goal}。"),
                    None,
                )
            } else {
                (
                    Status::NotMet,
                    format!("{y}年{name}：未完成，{due}的期限已过，未达到{goal}。"),
                    None,
                )
            };
        }
        let level = self.level(&t.threshold, t.year);
        if y >= t.year {
            let gap = match (met, level) {
                (false, Some((_, lv))) => {
                    format!("，差{}", explain::difference(self.ind, lv - p.value))
                }
                _ => String::new(),
            };
            let fc = level.map(|lv| self.forecast(t.year, Some(lv), p.value));
            return if met {
                (
                    Status::Met,
                    format!("{y}年{name}{value}{notes}，达到{goal}。"),
                    fc,
                )
            } else {
                (
                    Status::NotMet,
                    format!("{y}年{name}{value}{notes}，未达到{goal}{gap}。"),
                    fc,
                )
            };
        }
        // Before the milestone: the trend decides between met, at risk and not met.
        let mut fc = self.forecast(t.year, level, p.value);
        let projection = fc.value.zip(level);
        let trend_meets = projection.map(|(f, (op, lv))| op.holds(f, lv));
        let trend_words = match (&fc.linear, fc.value) {
            (Some(l), Some(f)) => format!("按近{}年趋势预计{}年为{}", l.points, t.year, self.v(f)),
            _ => String::new(),
        };
        let need = fc
            .required_annual_change
            .filter(|r| *r > 0.0)
            .map(|r| explain::required(self.ind, r));
        let (status, sentence) = match (met, trend_meets) {
            (true, Some(false)) => {
                fc.decided_by = Some("linear");
                (
                    Status::AtRisk,
                    format!(
                        "{y}年{name}{value}{notes}，目前达到{goal}，但{trend_words}，有未达标风险。"
                    ),
                )
            }
            (true, _) => {
                let tail = if trend_words.is_empty() {
                    String::new()
                } else {
                    format!("，{trend_words}")
                };
                (
                    Status::Met,
                    format!("{y}年{name}{value}{notes}，达到{goal}{tail}。"),
                )
            }
            (false, Some(true)) => {
                fc.decided_by = Some("linear");
                let need = need.map(|n| format!("，{n}")).unwrap_or_default();
                (
                    Status::AtRisk,
                    format!(
                        "{y}年{name}{value}{notes}，尚未达到{goal}，{trend_words}，可望达标但尚未确保{need}。"
                    ),
                )
            }
            (false, trend) => {
                if trend == Some(false) {
                    fc.decided_by = Some("linear");
                }
                let mut parts = vec![format!("{y}年{name}{value}{notes}，未达到{goal}")];
                if !trend_words.is_empty() {
                    parts.push(trend_words.clone());
                } else if let Some(reason) = fc.unavailable {
                    parts.push(reason.text_zh().to_owned());
                }
                if let Some(n) = need {
                    parts.push(n);
                }
                (Status::NotMet, format!("{}。", parts.join("，")))
            }
        };
        (status, sentence, Some(fc))
    }

    fn judge_national(
        &self,
        row: &NationalRow,
        texts: &RowText,
        version: &str,
        point: Option<&Point>,
    ) -> (Status, String, Option<Forecast>) {
        let y = self.year;
        let local;
        let head: &str = match &texts.head {
            Some(h) => h,
            None => {
                local = national_head(version, row, &self.text_here(&row.threshold));
                &local
            }
        };
        if let Some(reason) = row.not_applicable_reason(self.region) {
            return (Status::NotApplicable, format!("{head}：{reason}。"), None);
        }
        let Some(p) = point else {
            let text = format!(
                "{head}：{y}年{}无数据{}。",
                self.ind.name,
                self.last_known()
            );
            return (Status::NoData, text, None);
        };
        let check = self.check(&row.threshold, y, p.value);
        let notes = join_notes(&check.notes);
        let said = self.said(y, p.value);
        if p.state == ValueState::Pending {
            return (
                Status::Pending,
                format!("{head}：{said}，尚未审核通过{notes}。"),
                None,
            );
        }
        match check.verdict {
            Verdict::NoData => {
                let text = format!("{head}：{said}，{}，无法判断。", check.notes.join("，"));
                (Status::NoData, text, None)
            }
            Verdict::NotApplicable => {
                let text = format!("{head}：{}。", check.notes.join("，"));
                (Status::NotApplicable, text, None)
            }
            Verdict::NotMet => {
                let gap = self
                    .level(&row.threshold, y)
                    .map(|(_, lv)| format!("，差{}", explain::difference(self.ind, lv - p.value)))
                    .unwrap_or_default();
                (
                    Status::NotMet,
                    format!("{head}：{said}{notes}，未达标{gap}。"),
                    None,
                )
            }
            Verdict::Met => {
                // Met now; at risk when the trend fails the level next year.
                let level = match self.ind.kind {
                    ValueKind::Number => self.level(&row.threshold, y + 1),
                    ValueKind::YesNo => None,
                };
                let Some((op, lv)) = level else {
                    return (Status::Met, format!("{head}：{said}{notes}，达标。"), None);
                };
                let mut fc = self.forecast(y + 1, Some((op, lv)), p.value);
                match fc.value {
                    Some(f) if !op.holds(f, lv) => {
                        fc.decided_by = Some("linear");
                        let points = fc.linear.map_or(0, |l| l.points);
                        let s = format!(
                            "{head}：{said}{notes}，目前达标，但按近{points}年趋势预计{}年为{}，有不达标风险。",
                            y + 1,
                            self.v(f)
                        );
                        (Status::AtRisk, s, Some(fc))
                    }
                    _ => (
                        Status::Met,
                        format!("{head}：{said}{notes}，达标。"),
                        Some(fc),
                    ),
                }
            }
        }
    }
}

/// 「约束性指标」, 「参考性指标」, or 「标准」 where the version has no attribute column.
pub(crate) fn attribute_words(a: Option<Attribute>) -> &'static str {
    match a {
        Some(Attribute::Binding) => "约束性指标",
        Some(Attribute::Reference) => "参考性指标",
        None => "标准",
    }
}

fn join_notes(notes: &[String]) -> String {
    if notes.is_empty() {
        String::new()
    } else {
        format!("，{}", notes.join("，"))
    }
}

/// Three-valued combination: all-of fails on any failure, any-of passes on any pass; missing
/// inputs make the result unknown only when they could change it.
fn combine(checks: Vec<Check>, all: bool) -> Check {
    let applicable: Vec<&Check> = checks
        .iter()
        .filter(|c| c.verdict != Verdict::NotApplicable)
        .collect();
    if applicable.is_empty() {
        return Check {
            verdict: Verdict::NotApplicable,
            notes: checks.into_iter().flat_map(|c| c.notes).collect(),
        };
    }
    let (decisive, fallback) = if all {
        (Verdict::NotMet, Verdict::Met)
    } else {
        (Verdict::Met, Verdict::NotMet)
    };
    let verdict = if applicable.iter().any(|c| c.verdict == decisive) {
        decisive
    } else if applicable.iter().any(|c| c.verdict == Verdict::NoData) {
        Verdict::NoData
    } else {
        fallback
    };
    // Keep the notes that explain the verdict.
    let notes = checks
        .into_iter()
        .filter(|c| {
            verdict == Verdict::NoData || c.verdict == verdict || c.verdict == Verdict::NoData
        })
        .flat_map(|c| c.notes)
        .collect();
    Check { verdict, notes }
}

fn readiness(
    plan: &Plan,
    version: &CatalogueVersion,
    results: &[IndicatorResult],
    city: usize,
) -> Readiness {
    let city_code = &plan.regions[city].code;
    let of_city = |row| ResultFilter {
        region: Some(city_code.clone()),
        row,
        ..ResultFilter::default()
    };
    let binding = of_city(Some(RowKind::Binding)).tally(results);
    let reference = of_city(Some(RowKind::Reference)).tally(results);
    let mut unverified = 0;
    let mut plan_counts = Counts::default();
    let mut by_area: Vec<AreaSummary> = Area::ALL
        .iter()
        .map(|&a| AreaSummary {
            area: a,
            name: a.name_zh(),
            counts: Counts::default(),
        })
        .collect();
    let task_area: HashMap<u32, Area> = plan.tasks.iter().map(|t| (t.number, t.area)).collect();
    for r in results.iter().filter(|r| &r.region == city_code) {
        if let Some(n) = &r.national
            && !n.verified
            && n.status != Status::NotApplicable
        {
            unverified += 1;
        }
        // Plan indicators count with their overall status: a target met while the national
        // threshold is not is not met.
        if let Some(t) = &r.target {
            plan_counts.add(r.status);
            if let Some(area) = task_area.get(&t.task)
                && let Some(s) = by_area.iter_mut().find(|s| s.area == *area)
            {
                s.counts.add(r.status);
            }
        }
    }
    let applicable = binding.total() - binding.not_applicable;
    let met = binding.met + binding.at_risk;
    let ready = applicable > 0 && met == applicable;
    Readiness {
        catalogue_version: version.id.clone(),
        catalogue_title: version.title.clone(),
        ready,
        binding,
        reference,
        unverified_rows: unverified,
        catalogue_complete: version.complete,
        by_area,
        plan: plan_counts,
        summary: String::new(),
    }
    .with_summary()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_of_fails_on_any_failure_and_any_of_passes_on_any_pass() {
        let c = |v| Check::of(v);
        use Verdict::*;
        assert_eq!(combine(vec![c(Met), c(NotMet)], true).verdict, NotMet);
        assert_eq!(combine(vec![c(Met), c(NoData)], true).verdict, NoData);
        assert_eq!(combine(vec![c(NotMet), c(NoData)], true).verdict, NotMet);
        assert_eq!(combine(vec![c(Met), c(NotApplicable)], true).verdict, Met);
        assert_eq!(combine(vec![c(NotMet), c(Met)], false).verdict, Met);
        assert_eq!(combine(vec![c(NotMet), c(NoData)], false).verdict, NoData);
        assert_eq!(combine(vec![c(Met), c(NoData)], false).verdict, Met);
        assert_eq!(
            combine(vec![c(NotApplicable)], false).verdict,
            NotApplicable
        );
    }

    #[test]
    fn pick_chooses_the_strictest_level_in_the_better_direction() {
        let lv = vec![(Op::AtLeast, 75.0), (Op::AtLeast, 90.0)];
        assert_eq!(
            pick(lv.clone(), Direction::HigherIsBetter, true),
            Some((Op::AtLeast, 90.0))
        );
        assert_eq!(
            pick(lv, Direction::HigherIsBetter, false),
            Some((Op::AtLeast, 75.0))
        );
        let lo = vec![(Op::AtMost, 45.0), (Op::AtMost, 25.0)];
        assert_eq!(
            pick(lo, Direction::LowerIsBetter, true),
            Some((Op::AtMost, 25.0))
        );
    }
}
