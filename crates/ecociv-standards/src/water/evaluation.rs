//! 地表水环境质量评价办法（试行）, 环办〔2011〕22号: section classes for a period, main
//! pollutants, the shares of a region, the grade of a river or basin, drinking-water source
//! compliance and the change between two years.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use chrono::Datelike;
use serde::Serialize;

use super::decimal::{Dec, Ratio};
use super::gb3838::{
    Param, Role, STANDARD, TABLE_1, TABLE_2, WaterBodyType, WaterClass, WaterStatus, table1_row,
};
use super::sample::{PARAM_COUNT, SampleSet, Section};
use super::trophic::{self, TrophicState};

/// The method document, for provenance.
pub const METHOD: &str = "环办〔2011〕22号";

/// 环办〔2011〕22号 二(一)3 主要污染指标: cyanide and heavy metals exceeding class III are named
/// first. The text names 氰化物, 铅 and 铬 "等重金属"; this engine reads the heavy metals of Table 1
/// as Cu, Zn, As, Hg, Cd, Cr(VI) and Pb (arsenic by the usual Chinese regulatory grouping; selenium
/// is not a metal). [C] 待核实: the member list is our reading.
pub const PRIORITY_POLLUTANTS: [Param; 8] = [
    Param::Cyanide,
    Param::Pb,
    Param::Cr6,
    Param::Hg,
    Param::Cd,
    Param::As,
    Param::Cu,
    Param::Zn,
];

/// 环办〔2011〕22号 二(一)3: at most three main pollutants per section.
pub const MAIN_POLLUTANT_COUNT: usize = 3;

/// 环办〔2011〕22号 二(二) 表2 and the text around it: a river or basin with at least this many
/// sections is graded by the shares of its section classes; with fewer, by its mean concentrations.
pub const SHARE_METHOD_MIN_SECTIONS: usize = 5;

/// 环办〔2011〕22号 表2 河流、流域（水系）水质定性评价分级, as percentages:
/// 优 I–III ≥ 90; 良好 75 ≤ I–III < 90; 轻度污染 I–III < 75 and 劣Ⅴ < 20; 中度污染 I–III < 75 and
/// 20 ≤ 劣Ⅴ < 40; 重度污染 I–III < 60 and 劣Ⅴ ≥ 40.
pub const SHARE_GRADES: ShareGrades = ShareGrades {
    excellent_good_min: 90,
    good_good_min: 75,
    light_worse_v_below: 20,
    moderate_worse_v_below: 40,
    heavy_good_below: 60,
};

/// Thresholds of [`SHARE_GRADES`], in percent.
#[derive(Debug, Clone, Copy)]
pub struct ShareGrades {
    pub excellent_good_min: u32,
    pub good_good_min: u32,
    pub light_worse_v_below: u32,
    pub moderate_worse_v_below: u32,
    pub heavy_good_below: u32,
}

/// 环办〔2011〕22号 二(四) 水质变化趋势 组合类别比例法: |ΔG − ΔD| ≤ 10 no clear change,
/// 10 < |ΔG − ΔD| ≤ 20 some change, > 20 clear change (percentage points).
pub const TREND_POINTS: (u32, u32) = (10, 20);

/// An evaluation period inside the year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum PeriodKind {
    Month(u8),
    Quarter(u8),
    Year,
}

impl PeriodKind {
    /// Accumulator slots: 12 months, 4 quarters, the year.
    const SLOTS: usize = 17;

    fn slot(self) -> usize {
        match self {
            PeriodKind::Month(m) => m as usize - 1,
            PeriodKind::Quarter(q) => 11 + q as usize,
            PeriodKind::Year => 16,
        }
    }

    fn all() -> impl Iterator<Item = PeriodKind> {
        (1..=12)
            .map(PeriodKind::Month)
            .chain((1..=4).map(PeriodKind::Quarter))
            .chain(std::iter::once(PeriodKind::Year))
    }

    /// Period id as used in `ecociv` values: `2024-07`, `2024Q3`, `2024`.
    pub fn id(self, year: i32) -> String {
        match self {
            PeriodKind::Month(m) => format!("{year}-{m:02}"),
            PeriodKind::Quarter(q) => format!("{year}Q{q}"),
            PeriodKind::Year => year.to_string(),
        }
    }
}

/// The part a parameter plays in section evaluation (环办〔2011〕22号 一(一)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ParamRole {
    /// One of the 21 items that decide the section class.
    Evaluated,
    /// Assessed separately: TN of lakes and reservoirs, fecal coliform.
    Reference,
    /// Not assessed against a Table 1 class (TN of rivers, water temperature, Table 2 items, chla,
    /// SD).
    NotEvaluated,
}

impl ParamRole {
    pub fn label(self) -> &'static str {
        match self {
            ParamRole::Evaluated => "参评",
            ParamRole::Reference => "单独评价",
            ParamRole::NotEvaluated => "不参评",
        }
    }
}

/// The mean of one parameter over a period. Kept small (a national year holds about 1.5 million of
/// them); names, units, the display mean and the exceedance multiple are derived when needed.
#[derive(Clone, Debug)]
pub struct ParamResult {
    pub param: Param,
    /// GB 3838 class, where Table 1 has a scale for this parameter and body type.
    pub class: Option<WaterClass>,
    pub role: ParamRole,
    /// For drinking-water sources: whether a Table 2 item is within its limit.
    pub within_table2_limit: Option<bool>,
    pub samples: u32,
    /// The exact mean of the samples in the period.
    pub exact: Ratio,
    /// The class III limit when the class is worse than III and the item has a 超标倍数.
    exceedance_base: Option<Dec>,
}

impl ParamResult {
    /// Arithmetic mean for display (classification used the exact fraction).
    pub fn mean(&self) -> f64 {
        self.exact.to_f64()
    }

    /// 超标倍数 over class III, rounded to two decimals, where the class is worse than III and the
    /// item has one.
    pub fn exceedance(&self) -> Option<f64> {
        self.exceedance_base
            .map(|s| round2(self.exact.exceedance_over(s).unit_f64()))
    }

    pub fn name(&self) -> &'static str {
        self.param.name_cn()
    }
}

impl Serialize for ParamResult {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("ParamResult", 10)?;
        st.serialize_field("param", &self.param)?;
        st.serialize_field("code", self.param.code())?;
        st.serialize_field("name", self.param.name_cn())?;
        st.serialize_field("unit", self.param.unit())?;
        st.serialize_field("mean", &self.mean())?;
        st.serialize_field("samples", &self.samples)?;
        st.serialize_field("class", &self.class)?;
        st.serialize_field("role", self.role.label())?;
        st.serialize_field("exceedance", &self.exceedance())?;
        st.serialize_field("within_table2_limit", &self.within_table2_limit)?;
        st.end()
    }
}

/// A main pollutant with its 超标倍数, e.g. 高锰酸盐指数（0.52）.
#[derive(Clone, Debug, Serialize)]
pub struct MainPollutant {
    pub param: Param,
    pub name: &'static str,
    pub class: WaterClass,
    pub exceedance: Option<f64>,
}

impl MainPollutant {
    pub fn label(&self) -> String {
        match self.exceedance {
            Some(x) => format!("{}（{:.2}）", self.name, x),
            None => self.name.to_owned(),
        }
    }
}

/// A water quality assessment from period means: one section for one period, or the averaged
/// concentrations of a river with fewer than five sections.
#[derive(Clone, Debug, Serialize)]
pub struct Assessment {
    /// Section class over the evaluated items (single-factor method); `None` if none was measured.
    pub class: Option<WaterClass>,
    pub class_label: Option<&'static str>,
    pub status: Option<&'static str>,
    pub colour: Option<&'static str>,
    /// 「符合Ⅲ类」 / 「劣于Ⅴ类」.
    pub wording: Option<&'static str>,
    pub params: Vec<ParamResult>,
    pub main_pollutants: Vec<MainPollutant>,
    /// Class of TN (lakes/reservoirs only), assessed separately.
    pub tn_class: Option<WaterClass>,
    /// Class of fecal coliform, assessed separately.
    pub fecal_coliform_class: Option<WaterClass>,
    /// Evaluated items with no measurement in the period.
    pub missing: Vec<&'static str>,
    /// Trophic state (lakes/reservoirs with chla, TP, TN, SD and CODMn measured).
    pub trophic: Option<TrophicState>,
}

/// One section's results for one period.
#[derive(Clone, Debug, Serialize)]
pub struct SectionPeriod {
    pub period: String,
    pub kind: PeriodKind,
    pub samples: u64,
    #[serde(flatten)]
    pub assessment: Assessment,
}

/// All results of one section.
#[derive(Clone, Debug, Serialize)]
pub struct SectionReport {
    pub section: String,
    pub water_body: Option<String>,
    pub body_type: WaterBodyType,
    pub drinking_source: bool,
    pub region: Option<String>,
    /// Annual evaluation.
    pub annual: SectionPeriod,
    /// Quarterly evaluations, for quarters with samples.
    pub quarters: Vec<SectionPeriod>,
    /// Monthly evaluations, for months with samples.
    pub months: Vec<SectionPeriod>,
    /// Whether the section, as a drinking-water source, met class III and the Table 2 limits.
    pub drinking_compliant: Option<bool>,
}

/// The shares of section classes in a set of sections.
#[derive(Clone, Debug, Serialize)]
pub struct ClassShares {
    /// Sections with an annual class.
    pub sections: usize,
    /// Count per class I, II, III, IV, V, 劣Ⅴ.
    pub counts: [usize; 6],
    pub good: usize,
    pub worse_than_v: usize,
    /// 达到或好于Ⅲ类比例, percent.
    pub good_ratio: f64,
    /// 劣Ⅴ类比例, percent.
    pub worse_than_v_ratio: f64,
}

impl ClassShares {
    fn from_classes(classes: impl IntoIterator<Item = WaterClass>) -> ClassShares {
        let mut counts = [0usize; 6];
        for c in classes {
            counts[c as usize] += 1;
        }
        let sections = counts.iter().sum();
        let good = counts[..3].iter().sum();
        let worse_than_v = counts[5];
        ClassShares {
            sections,
            counts,
            good,
            worse_than_v,
            good_ratio: percent(good, sections),
            worse_than_v_ratio: percent(worse_than_v, sections),
        }
    }
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

/// The grade of a river, lake group or basin.
#[derive(Clone, Debug, Serialize)]
pub struct WaterBodyGrade {
    pub name: String,
    pub sections: usize,
    /// 「断面水质类别比例法」 (≥ 5 sections) or 「断面平均浓度法」 (< 5).
    pub method: &'static str,
    pub status: Option<&'static str>,
    pub colour: Option<&'static str>,
    pub shares: ClassShares,
    /// For fewer than five sections: the class of the averaged concentrations.
    pub class: Option<WaterClass>,
    /// Main pollutants: by 断面超标率 (≥ 5 sections) or from the averaged concentrations.
    pub main_pollutants: Vec<String>,
    pub note: Option<&'static str>,
}

/// Drinking-water source compliance.
#[derive(Clone, Debug, Serialize)]
pub struct DrinkingSummary {
    pub sources: usize,
    pub compliant: usize,
    /// 集中式饮用水水源地水质达标（优良）比例, percent.
    pub ratio: f64,
    pub non_compliant: Vec<String>,
}

/// Change of one section's grade between the baseline year and this year.
#[derive(Clone, Debug, Serialize)]
pub struct SectionChange {
    pub section: String,
    pub before: &'static str,
    pub after: &'static str,
    pub change: &'static str,
}

/// Year-on-year change of a region (组合类别比例法) and of each section (等级变化).
#[derive(Clone, Debug, Serialize)]
pub struct YearChange {
    pub baseline_year: i32,
    pub baseline: ClassShares,
    /// ΔG, percentage points.
    pub delta_good: f64,
    /// ΔD, percentage points.
    pub delta_worse_than_v: f64,
    pub change: &'static str,
    pub sections: Vec<SectionChange>,
}

/// Everything the water evaluation produces for one year.
#[derive(Clone, Debug, Serialize)]
pub struct WaterReport {
    pub year: i32,
    pub standard: &'static str,
    pub method: &'static str,
    pub sections: Vec<SectionReport>,
    pub shares: ClassShares,
    pub regions: BTreeMap<String, ClassShares>,
    pub water_bodies: Vec<WaterBodyGrade>,
    pub drinking: Option<DrinkingSummary>,
    pub change: Option<YearChange>,
    /// Rules used in this result whose source is not confirmed (待核实).
    pub unverified: Vec<&'static str>,
    pub warnings: Vec<String>,
}

/// Rules of this engine that rest on a reading not confirmed against the official text.
pub const UNVERIFIED_BELOW_DL: &str =
    "低于检出限的数值按1/2检出限参与均值计算（通行做法，环办〔2011〕22号未规定）";
pub const UNVERIFIED_SHARE_GRADES: &str =
    "河流、流域（水系）水质定性评价分级阈值（环办〔2011〕22号 表2，参考资料可信度C）";
pub const UNVERIFIED_PRIORITY: &str =
    "氰化物和重金属优先列为主要污染指标，重金属范围按铜、锌、砷、汞、镉、铬（六价）、铅理解";

/// Why an evaluation failed as a whole.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvalError {
    #[error("没有任何监测数据")]
    Empty,
    #[error("水体“{0}”的断面平均浓度超出可精确计算的范围")]
    Overflow(String),
}

type Acc = [(i128, u64); PARAM_COUNT];

/// Evaluates a year of samples; `baseline` is the previous year's samples for the year-on-year
/// change, if available.
pub fn evaluate(set: &SampleSet, baseline: Option<&SampleSet>) -> Result<WaterReport, EvalError> {
    if set.samples.is_empty() {
        return Err(EvalError::Empty);
    }
    let mut warnings = set.warnings.clone();
    let sections = section_reports(set);
    for s in &sections {
        if s.annual.assessment.class.is_none() {
            warnings.push(format!("断面“{}”没有参评指标数据，未参与统计", s.section));
        } else if !s.annual.assessment.missing.is_empty() {
            warnings.push(format!(
                "断面“{}”缺少参评指标：{}",
                s.section,
                s.annual.assessment.missing.join("、")
            ));
        }
        if s.annual.samples < 12 {
            warnings.push(format!(
                "断面“{}”全年仅{}次监测（年度评价一般为12次）",
                s.section, s.annual.samples
            ));
        }
    }
    let shares =
        ClassShares::from_classes(sections.iter().filter_map(|s| s.annual.assessment.class));
    let mut regions: BTreeMap<String, Vec<WaterClass>> = BTreeMap::new();
    for s in &sections {
        if let (Some(r), Some(c)) = (&s.region, s.annual.assessment.class) {
            regions.entry(r.clone()).or_default().push(c);
        }
    }
    let regions = regions
        .into_iter()
        .map(|(r, cs)| (r, ClassShares::from_classes(cs)))
        .collect();
    let water_bodies = water_body_grades(&sections)?;
    let drinking = drinking_summary(&sections);
    let change = match baseline {
        Some(b) if !b.samples.is_empty() => {
            Some(year_change(&sections, &section_reports(b), b.year))
        }
        _ => None,
    };
    let mut unverified = Vec::new();
    if set.below_detection_limit > 0 {
        unverified.push(UNVERIFIED_BELOW_DL);
    }
    if water_bodies
        .iter()
        .any(|b| b.sections >= SHARE_METHOD_MIN_SECTIONS)
    {
        unverified.push(UNVERIFIED_SHARE_GRADES);
    }
    let priority_used = sections.iter().any(|s| {
        std::iter::once(&s.annual)
            .chain(&s.quarters)
            .chain(&s.months)
            .flat_map(|p| &p.assessment.main_pollutants)
            .any(|m| PRIORITY_POLLUTANTS.contains(&m.param))
    });
    if priority_used {
        unverified.push(UNVERIFIED_PRIORITY);
    }
    Ok(WaterReport {
        year: set.year,
        standard: STANDARD,
        method: METHOD,
        sections,
        shares,
        regions,
        water_bodies,
        drinking,
        change,
        unverified,
        warnings,
    })
}

fn section_reports(set: &SampleSet) -> Vec<SectionReport> {
    // Bucket the samples by section (counting sort), then accumulate one section at a time in a
    // small stack buffer: memory stays flat however many sections the file has.
    let mut start = vec![0usize; set.sections.len() + 1];
    for s in &set.samples {
        start[s.section + 1] += 1;
    }
    for i in 1..start.len() {
        start[i] += start[i - 1];
    }
    let mut next = start.clone();
    let mut order = vec![0usize; set.samples.len()];
    for (i, s) in set.samples.iter().enumerate() {
        order[next[s.section]] = i;
        next[s.section] += 1;
    }
    set.sections
        .iter()
        .enumerate()
        .map(|(k, section)| {
            let mut acc: [Acc; PeriodKind::SLOTS] = [[(0, 0); PARAM_COUNT]; PeriodKind::SLOTS];
            let mut n = [0u64; PeriodKind::SLOTS];
            for &i in &order[start[k]..start[k + 1]] {
                let s = &set.samples[i];
                let m = s.date.month() as u8;
                let slots = [
                    PeriodKind::Month(m).slot(),
                    PeriodKind::Quarter((m - 1) / 3 + 1).slot(),
                    PeriodKind::Year.slot(),
                ];
                for slot in slots {
                    n[slot] += 1;
                    for (a, v) in acc[slot].iter_mut().zip(&s.values) {
                        if let Some(v) = v {
                            a.0 += v.raw() as i128;
                            a.1 += 1;
                        }
                    }
                }
            }
            section_report(section, set.year, &acc, &n)
        })
        .collect()
}

fn section_report(
    section: &Section,
    year: i32,
    acc: &[Acc; PeriodKind::SLOTS],
    n: &[u64; PeriodKind::SLOTS],
) -> SectionReport {
    let mut annual = None;
    let mut quarters = Vec::new();
    let mut months = Vec::new();
    for kind in PeriodKind::all() {
        let slot = kind.slot();
        if n[slot] == 0 {
            continue;
        }
        let means = means_from(&acc[slot]);
        let p = SectionPeriod {
            period: kind.id(year),
            kind,
            samples: n[slot],
            assessment: assess(section.body_type, section.drinking_source, &means),
        };
        match kind {
            PeriodKind::Month(_) => months.push(p),
            PeriodKind::Quarter(_) => quarters.push(p),
            PeriodKind::Year => annual = Some(p),
        }
    }
    // A section exists only because it has samples, so the year slot is never empty.
    let annual = annual.unwrap_or_else(|| SectionPeriod {
        period: year.to_string(),
        kind: PeriodKind::Year,
        samples: 0,
        assessment: assess(
            section.body_type,
            section.drinking_source,
            &[None; PARAM_COUNT],
        ),
    });
    let drinking_compliant = section
        .drinking_source
        .then(|| drinking_compliant(&annual.assessment));
    SectionReport {
        section: section.code.clone(),
        water_body: section.water_body.clone(),
        body_type: section.body_type,
        drinking_source: section.drinking_source,
        region: section.region.clone(),
        annual,
        quarters,
        months,
        drinking_compliant,
    }
}

/// Exact period means, indexed by `Param as usize`.
pub type Means = [Option<(Ratio, u64)>; PARAM_COUNT];

fn means_from(acc: &Acc) -> Means {
    let mut m = [None; PARAM_COUNT];
    for (i, (sum, count)) in acc.iter().enumerate() {
        if *count > 0 {
            m[i] = Some((Ratio::mean(*sum, *count), *count));
        }
    }
    m
}

/// Assesses period means of a water body type: per-parameter classes, the single-factor section
/// class over the 21 items, main pollutants, the separately assessed TN and fecal coliform, and
/// the trophic state of lakes and reservoirs.
pub fn assess(body: WaterBodyType, drinking: bool, means: &Means) -> Assessment {
    let mut params = Vec::with_capacity(means.iter().filter(|m| m.is_some()).count());
    let mut class: Option<WaterClass> = None;
    let mut tn_class = None;
    let mut fc_class = None;
    for (i, m) in means.iter().enumerate() {
        let Some((exact, samples)) = m else { continue };
        let param = super::gb3838::PARAMS[i].param;
        let row = table1_row(param, body);
        let pclass = row.map(|r| r.classify(exact));
        let role = match row.map(|r| r.role) {
            Some(Role::Evaluated) => ParamRole::Evaluated,
            Some(Role::Reference) => ParamRole::Reference,
            None => ParamRole::NotEvaluated,
        };
        match (row.map(|r| r.role), pclass) {
            (Some(Role::Evaluated), Some(c)) => class = Some(class.map_or(c, |k| k.max(c))),
            (Some(Role::Reference), Some(c)) if param == Param::Tn => tn_class = Some(c),
            (Some(Role::Reference), Some(c)) => fc_class = Some(c),
            _ => {}
        }
        let exceedance_base = match (row, pclass) {
            (Some(r), Some(c)) if c > WaterClass::III && r.has_exceedance_multiple() => {
                Some(r.class_iii_limit())
            }
            _ => None,
        };
        let within_table2_limit = drinking
            .then(|| TABLE_2.iter().find(|t| t.param == param))
            .flatten()
            .map(|t| exact.cmp_dec(t.limit) != Ordering::Greater);
        params.push(ParamResult {
            param,
            class: pclass,
            role,
            within_table2_limit,
            samples: u32::try_from(*samples).unwrap_or(u32::MAX),
            exact: *exact,
            exceedance_base,
        });
    }
    let missing = TABLE_1
        .iter()
        .filter(|r| r.role == Role::Evaluated && r.applies.includes(body))
        .filter(|r| means[r.param as usize].is_none())
        .map(|r| r.param.name_cn())
        .collect();
    let main_pollutants = match class {
        Some(c) if c > WaterClass::III => main_pollutants(body, &params),
        _ => Vec::new(),
    };
    let trophic = if body.is_lake_or_reservoir() {
        let get = |p: Param| means[p as usize].map(|(r, _)| r.to_f64());
        match (
            get(Param::Chla),
            get(Param::Tp),
            get(Param::Tn),
            get(Param::Sd),
            get(Param::CodMn),
        ) {
            (Some(a), Some(b), Some(c), Some(d), Some(e)) => trophic::tli(a, b, c, d, e).ok(),
            _ => None,
        }
    } else {
        None
    };
    let status = class.map(|c| c.status());
    Assessment {
        class,
        class_label: class.map(WaterClass::label),
        status: status.map(WaterStatus::label),
        colour: status.map(WaterStatus::colour),
        wording: class.map(WaterClass::wording),
        params,
        main_pollutants,
        tn_class,
        fecal_coliform_class: fc_class,
        missing,
        trophic,
    }
}

/// 环办〔2011〕22号 二(一)3: among the evaluated items worse than class III, cyanide and heavy
/// metals first, then the worst classes; ties broken by the larger 超标倍数 (items without one,
/// pH and DO, after those with one); at most three.
fn main_pollutants(body: WaterBodyType, params: &[ParamResult]) -> Vec<MainPollutant> {
    let mut cands: Vec<&ParamResult> = params
        .iter()
        .filter(|p| table1_row(p.param, body).is_some_and(|r| r.role == Role::Evaluated))
        .filter(|p| p.class.is_some_and(|c| c > WaterClass::III))
        .collect();
    let multiple = |p: &ParamResult| {
        table1_row(p.param, body)
            .filter(|r| r.has_exceedance_multiple())
            .map(|r| p.exact.exceedance_over(r.class_iii_limit()))
    };
    cands.sort_by(|a, b| {
        let pa = PRIORITY_POLLUTANTS.contains(&a.param);
        let pb = PRIORITY_POLLUTANTS.contains(&b.param);
        pb.cmp(&pa)
            .then(b.class.cmp(&a.class))
            .then_with(|| match (multiple(a), multiple(b)) {
                (Some(x), Some(y)) => y.cmp_ratio(&x),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            })
            .then(a.param.cmp(&b.param))
    });
    cands
        .into_iter()
        .take(MAIN_POLLUTANT_COUNT)
        .map(|p| MainPollutant {
            param: p.param,
            name: p.name(),
            class: p.class.unwrap_or(WaterClass::WorseThanV),
            exceedance: p.exceedance(),
        })
        .collect()
}

fn drinking_compliant(a: &Assessment) -> bool {
    a.class.is_some_and(WaterClass::is_good)
        && a.params
            .iter()
            .all(|p| p.within_table2_limit != Some(false))
}

/// 环办〔2011〕22号 表2 grade from the counts of good (I–III) and 劣Ⅴ sections among `n`.
/// Compared in integers, so 90 % of 10 sections is exactly 9. The table leaves one combination
/// uncovered (I–III exactly 60 % with 劣Ⅴ exactly 40 %); it is graded 重度污染 because 劣Ⅴ ≥ 40 %
/// is that row's defining condition.
pub fn grade_by_shares(good: usize, worse_than_v: usize, n: usize) -> Option<WaterStatus> {
    if n == 0 {
        return None;
    }
    let g = SHARE_GRADES;
    let pct_at_least = |count: usize, p: u32| count as u64 * 100 >= p as u64 * n as u64;
    Some(if pct_at_least(good, g.excellent_good_min) {
        WaterStatus::Excellent
    } else if pct_at_least(good, g.good_good_min) {
        WaterStatus::Good
    } else if !pct_at_least(worse_than_v, g.light_worse_v_below) {
        WaterStatus::LightlyPolluted
    } else if !pct_at_least(worse_than_v, g.moderate_worse_v_below) {
        WaterStatus::ModeratelyPolluted
    } else {
        WaterStatus::HeavilyPolluted
    })
}

fn water_body_grades(sections: &[SectionReport]) -> Result<Vec<WaterBodyGrade>, EvalError> {
    let mut groups: BTreeMap<&str, Vec<&SectionReport>> = BTreeMap::new();
    for s in sections {
        if let Some(b) = &s.water_body
            && s.annual.assessment.class.is_some()
        {
            groups.entry(b.as_str()).or_default().push(s);
        }
    }
    groups
        .into_iter()
        .map(|(name, ss)| water_body_grade(name, &ss))
        .collect()
}

fn water_body_grade(name: &str, ss: &[&SectionReport]) -> Result<WaterBodyGrade, EvalError> {
    let shares = ClassShares::from_classes(ss.iter().filter_map(|s| s.annual.assessment.class));
    if ss.len() >= SHARE_METHOD_MIN_SECTIONS {
        let status = grade_by_shares(shares.good, shares.worse_than_v, shares.sections);
        let g = SHARE_GRADES;
        let note = (shares.good * 100 == g.heavy_good_below as usize * shares.sections
            && shares.worse_than_v * 100 == g.moderate_worse_v_below as usize * shares.sections)
            .then_some("Ⅰ～Ⅲ类恰为60%且劣Ⅴ类恰为40%，表2未覆盖，按劣Ⅴ类≥40%定为重度污染");
        Ok(WaterBodyGrade {
            name: name.to_owned(),
            sections: ss.len(),
            method: "断面水质类别比例法",
            status: status.map(WaterStatus::label),
            colour: status.map(WaterStatus::colour),
            shares,
            class: None,
            main_pollutants: exceedance_rate_pollutants(ss),
            note,
        })
    } else {
        // Average each parameter over the sections, then classify like one section. Sections of
        // one water body share its type; a mixed group (a river and its reservoir under one
        // name) is evaluated with the type of its first section, and TP limits follow it.
        let body = ss[0].body_type;
        let mut means: Means = [None; PARAM_COUNT];
        for (i, slot) in means.iter_mut().enumerate() {
            let vals: Vec<Ratio> = ss
                .iter()
                .filter_map(|s| {
                    s.annual
                        .assessment
                        .params
                        .iter()
                        .find(|p| p.param as usize == i)
                        .map(|p| p.exact)
                })
                .collect();
            if vals.is_empty() {
                continue;
            }
            let m = Ratio::mean_of(&vals).ok_or_else(|| EvalError::Overflow(name.to_owned()))?;
            *slot = Some((m, vals.len() as u64));
        }
        let a = assess(body, false, &means);
        let status = a.class.map(|c| c.status());
        Ok(WaterBodyGrade {
            name: name.to_owned(),
            sections: ss.len(),
            method: "断面平均浓度法",
            status: status.map(WaterStatus::label),
            colour: status.map(WaterStatus::colour),
            shares,
            class: a.class,
            main_pollutants: a.main_pollutants.iter().map(MainPollutant::label).collect(),
            note: None,
        })
    }
}

/// 环办〔2011〕22号: for a river or basin, the items exceeding class III ranked by 断面超标率
/// (share of sections over class III), top three, shown with the rate.
fn exceedance_rate_pollutants(ss: &[&SectionReport]) -> Vec<String> {
    let mut over: BTreeMap<Param, usize> = BTreeMap::new();
    for s in ss {
        for p in &s.annual.assessment.params {
            if p.role == ParamRole::Evaluated && p.class.is_some_and(|c| c > WaterClass::III) {
                *over.entry(p.param).or_default() += 1;
            }
        }
    }
    let mut v: Vec<(Param, usize)> = over.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v.into_iter()
        .take(MAIN_POLLUTANT_COUNT)
        .map(|(p, k)| format!("{}（断面超标率{:.1}%）", p.name_cn(), percent(k, ss.len())))
        .collect()
}

fn drinking_summary(sections: &[SectionReport]) -> Option<DrinkingSummary> {
    let sources: Vec<&SectionReport> = sections.iter().filter(|s| s.drinking_source).collect();
    if sources.is_empty() {
        return None;
    }
    let compliant = sources
        .iter()
        .filter(|s| s.drinking_compliant == Some(true))
        .count();
    Some(DrinkingSummary {
        sources: sources.len(),
        compliant,
        ratio: percent(compliant, sources.len()),
        non_compliant: sources
            .iter()
            .filter(|s| s.drinking_compliant != Some(true))
            .map(|s| s.section.clone())
            .collect(),
    })
}

/// 环办〔2011〕22号 二(四)1, change of a qualitative grade: same grade 无明显变化, one step 有所好转/
/// 有所变差, two or more 明显好转/明显变差.
pub fn grade_change(before: WaterStatus, after: WaterStatus) -> &'static str {
    let d = after.rank() - before.rank();
    match d {
        0 => "无明显变化",
        -1 => "有所好转",
        1 => "有所变差",
        d if d < 0 => "明显好转",
        _ => "明显变差",
    }
}

/// 环办〔2011〕22号 二(四)2, 组合类别比例法 with ΔG and ΔD in percentage points, decided in
/// exact integers: (g2/n2 − g1/n1) − (d2/n2 − d1/n1) compared with 10 and 20 points.
pub fn share_change(before: &ClassShares, after: &ClassShares) -> &'static str {
    let (n1, n2) = (before.sections as i128, after.sections as i128);
    if n1 == 0 || n2 == 0 {
        return "无法比较";
    }
    // 100·(ΔG − ΔD)·n1·n2
    let x = 100
        * ((after.good as i128 - after.worse_than_v as i128) * n1
            - (before.good as i128 - before.worse_than_v as i128) * n2);
    let scale = n1 * n2;
    let (small, large) = (
        TREND_POINTS.0 as i128 * scale,
        TREND_POINTS.1 as i128 * scale,
    );
    match x {
        x if x.abs() <= small => "无明显变化",
        x if x.abs() <= large => {
            if x > 0 {
                "有所好转"
            } else {
                "有所变差"
            }
        }
        x if x > 0 => "明显好转",
        _ => "明显变差",
    }
}

fn year_change(now: &[SectionReport], before: &[SectionReport], baseline_year: i32) -> YearChange {
    let a = ClassShares::from_classes(now.iter().filter_map(|s| s.annual.assessment.class));
    let b = ClassShares::from_classes(before.iter().filter_map(|s| s.annual.assessment.class));
    let by_code: BTreeMap<&str, WaterClass> = before
        .iter()
        .filter_map(|s| s.annual.assessment.class.map(|c| (s.section.as_str(), c)))
        .collect();
    let sections = now
        .iter()
        .filter_map(|s| {
            let after = s.annual.assessment.class?.status();
            let before = by_code.get(s.section.as_str())?.status();
            Some(SectionChange {
                section: s.section.clone(),
                before: before.label(),
                after: after.label(),
                change: grade_change(before, after),
            })
        })
        .collect();
    YearChange {
        baseline_year,
        delta_good: a.good_ratio - b.good_ratio,
        delta_worse_than_v: a.worse_than_v_ratio - b.worse_than_v_ratio,
        change: share_change(&b, &a),
        baseline: b,
        sections,
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shares(counts: [usize; 6]) -> ClassShares {
        let classes = WaterClass::ALL
            .iter()
            .zip(counts)
            .flat_map(|(c, k)| std::iter::repeat_n(*c, k));
        ClassShares::from_classes(classes)
    }

    #[test]
    fn river_grade_by_shares_at_each_boundary() {
        use WaterStatus::*;
        let cases = [
            (9, 0, 10, Excellent),           // exactly 90 %
            (8, 0, 10, Good),                // 80 %
            (15, 0, 20, Good),               // exactly 75 %
            (14, 3, 20, LightlyPolluted),    // 70 %, 劣Ⅴ 15 %
            (14, 4, 20, ModeratelyPolluted), // 劣Ⅴ exactly 20 %
            (11, 7, 20, ModeratelyPolluted), // 劣Ⅴ 35 %
            (11, 8, 20, HeavilyPolluted),    // 55 %, 劣Ⅴ exactly 40 %
            (3, 2, 5, HeavilyPolluted),      // the uncovered 60 % / 40 % case
            (0, 0, 5, LightlyPolluted),
        ];
        for (g, d, n, want) in cases {
            assert_eq!(grade_by_shares(g, d, n), Some(want), "{g}/{d}/{n}");
        }
        assert_eq!(grade_by_shares(0, 0, 0), None);
    }

    #[test]
    fn share_change_thresholds_are_inclusive_at_ten_and_twenty_points() {
        let before = shares([0, 5, 0, 5, 0, 0]); // G 50 %, D 0
        let cases = [
            ([0, 6, 0, 4, 0, 0], "无明显变化"), // +10
            ([0, 6, 0, 3, 0, 1], "无明显变化"), // ΔG +10, ΔD +10 → 0
            ([0, 7, 0, 3, 0, 0], "有所好转"),   // +20
            ([0, 8, 0, 2, 0, 0], "明显好转"),   // +30
            ([0, 4, 0, 6, 0, 0], "无明显变化"), // −10
            ([0, 3, 0, 6, 0, 1], "明显变差"),   // ΔG −20, ΔD +10 → −30
            ([0, 3, 0, 7, 0, 0], "有所变差"),   // −20
        ];
        for (after, want) in cases {
            assert_eq!(share_change(&before, &shares(after)), want, "{after:?}");
        }
    }

    #[test]
    fn grade_change_counts_steps() {
        use WaterStatus::*;
        assert_eq!(grade_change(Good, Good), "无明显变化");
        assert_eq!(grade_change(Good, Excellent), "有所好转");
        assert_eq!(grade_change(Good, LightlyPolluted), "有所变差");
        assert_eq!(grade_change(HeavilyPolluted, LightlyPolluted), "明显好转");
        assert_eq!(grade_change(Excellent, ModeratelyPolluted), "明显变差");
    }
}
