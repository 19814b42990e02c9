//! The city's implementation plan (实施方案): goals, tasks, responsible departments and targets.
//!
//! A plan is loaded from a TOML file and validated against the national catalogue's indicator
//! dictionary. Every problem is reported with file, line and field; a plan with problems is not
//! loaded at all.

use ecociv_i18n::Words;
use std::collections::{HashMap, HashSet};

use serde::Deserialize;
use toml::Spanned;

use crate::area::Area;
use crate::catalogue::{Catalogue, RawIndicator, load_indicators, parse_threshold, unknown_area};
use crate::diag::{Diagnostics, SourceFile};
use crate::indicator::{Indicator, ValueKind};
use crate::measure::MeasureUnit;
use crate::period::YEAR_RANGE;
use crate::region::{CitySize, FEATURES, Region, RegionLevel, Terrain};
use crate::threshold::Threshold;

/// How a department is responsible for a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Responsibility {
    /// 牵头单位.
    Lead,
    /// 参与单位.
    Participant,
    /// 按职责分工负责: several departments share the task, each for its own remit.
    Shared,
}

impl Responsibility {
    pub fn name_zh(self) -> &'static str {
        self.zh()
    }
}

ecociv_i18n::words!(Responsibility {
    Lead => "牵头", "lead";
    Participant => "参与", "participating";
    Shared => "按职责分工负责", "shared by remit";
});

/// A department or other organisation named in the plan (单位).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OrgUnit {
    pub name: String,
    /// Short code used in URLs and accounts.
    pub code: String,
}

/// A qualitative work goal (工作目标) for a milestone year.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Goal {
    pub year: i32,
    pub text: String,
    pub items: Vec<String>,
}

/// A target of a task: a threshold on an indicator for a milestone year and a region or scope.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Target {
    pub indicator: String,
    pub threshold: Threshold,
    pub year: i32,
    pub region: String,
    /// The words of the task text this target encodes.
    pub quote: String,
    /// A deadline within the year (`2022-12-31`) for qualitative targets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    /// Departments named for this target only, where the text assigns it separately.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lead: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// Words in the task text with a number that are deliberately not a target, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Narrative {
    pub quote: String,
    pub reason: String,
}

/// A key task (重点任务).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Task {
    pub number: u32,
    pub area: Area,
    pub title: String,
    pub text: String,
    pub lead: Vec<String>,
    pub participants: Vec<String>,
    /// The participant list ends in 等 (and others).
    pub participants_open: bool,
    /// 按职责分工负责: the lead units share responsibility.
    pub shared: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    /// The source text stops inside this task.
    pub truncated: bool,
    pub targets: Vec<Target>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub narrative: Vec<Narrative>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note: String,
}

impl Task {
    /// How a department is responsible for this task, if at all.
    pub fn responsibility_of(&self, unit: &str) -> Option<Responsibility> {
        if self.lead.iter().any(|u| u == unit)
            || self
                .targets
                .iter()
                .any(|t| t.lead.iter().any(|u| u == unit))
        {
            Some(if self.shared {
                Responsibility::Shared
            } else {
                Responsibility::Lead
            })
        } else if self.participants.iter().any(|u| u == unit) {
            Some(Responsibility::Participant)
        } else {
            None
        }
    }
}

/// A validated plan. `indicators` holds the whole dictionary (national plus the plan's own) so
/// that values for any known indicator can be evaluated.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Plan {
    pub id: String,
    pub name: String,
    pub city: String,
    pub base_year: i32,
    pub end_year: i32,
    pub milestones: Vec<i32>,
    pub catalogue_version: String,
    pub source: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    pub regions: Vec<Region>,
    pub units: Vec<OrgUnit>,
    pub goals: Vec<Goal>,
    pub indicators: Vec<Indicator>,
    pub tasks: Vec<Task>,
    #[serde(skip)]
    indicator_index: HashMap<String, usize>,
    #[serde(skip)]
    region_index: HashMap<String, usize>,
}

impl Plan {
    pub fn indicator(&self, code: &str) -> Option<&Indicator> {
        self.indicator_index.get(code).map(|&i| &self.indicators[i])
    }

    pub fn indicator_position(&self, code: &str) -> Option<usize> {
        self.indicator_index.get(code).copied()
    }

    /// Finds an indicator by code or by its exact Chinese name.
    pub fn find_indicator(&self, key: &str) -> Option<usize> {
        let key = key.trim();
        self.indicator_position(key)
            .or_else(|| self.indicators.iter().position(|i| i.name == key))
    }

    pub fn region(&self, code: &str) -> Option<&Region> {
        self.region_index.get(code).map(|&i| &self.regions[i])
    }

    pub fn region_position(&self, code: &str) -> Option<usize> {
        self.region_index.get(code).copied()
    }

    /// Finds a region by code or by name.
    pub fn find_region(&self, key: &str) -> Option<usize> {
        let key = key.trim();
        self.region_position(key)
            .or_else(|| self.regions.iter().position(|r| r.name == key))
    }

    pub fn city_region(&self) -> &Region {
        // Validation guarantees the city region exists.
        &self.regions[self.region_index[&self.city]]
    }

    /// The counties and districts, which report their own values (统计范围 such as 中心城区 are
    /// reported by the departments that own them, and the city by its departments).
    pub fn reporting_regions(&self) -> impl Iterator<Item = &Region> {
        self.regions.iter().filter(|r| {
            matches!(
                r.level,
                crate::region::RegionLevel::County | crate::region::RegionLevel::District
            )
        })
    }

    pub fn task(&self, number: u32) -> Option<&Task> {
        self.tasks.iter().find(|t| t.number == number)
    }

    /// All targets with their task.
    pub fn targets(&self) -> impl Iterator<Item = (&Task, &Target)> {
        self.tasks
            .iter()
            .flat_map(|t| t.targets.iter().map(move |g| (t, g)))
    }

    /// Indicators the plan sets targets for, in order of first appearance.
    pub fn plan_indicators(&self) -> Vec<&Indicator> {
        let mut seen = HashSet::new();
        self.targets()
            .filter(|(_, g)| seen.insert(g.indicator.as_str()))
            .filter_map(|(_, g)| self.indicator(&g.indicator))
            .collect()
    }

    /// The departments responsible for an indicator through the tasks that target it.
    pub fn units_for_indicator(&self, code: &str) -> Vec<(&str, Responsibility)> {
        let mut out: Vec<(&str, Responsibility)> = Vec::new();
        for (task, target) in self.targets().filter(|(_, g)| g.indicator == code) {
            let leads: Vec<&String> = if target.lead.is_empty() {
                task.lead.iter().collect()
            } else {
                target.lead.iter().collect()
            };
            for u in leads {
                if !out.iter().any(|(n, _)| n == u) {
                    out.push((
                        u,
                        if task.shared {
                            Responsibility::Shared
                        } else {
                            Responsibility::Lead
                        },
                    ));
                }
            }
            for u in &task.participants {
                if !out.iter().any(|(n, _)| n == u) {
                    out.push((u, Responsibility::Participant));
                }
            }
        }
        out
    }

    /// Loads and validates a plan against the catalogue's indicator dictionary.
    pub fn load(name: &str, text: &str, catalogue: &Catalogue) -> Result<Plan, Diagnostics> {
        let mut src = SourceFile::new(name, text);
        let plan = src
            .parse_toml::<RawPlan>()
            .and_then(|raw| build(&mut src, raw, catalogue));
        let problems = src.into_problems();
        match plan {
            Some(p) if problems.is_empty() => Ok(p),
            _ => Err(Diagnostics(problems)),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlan {
    plan: RawMeta,
    #[serde(default)]
    region: Vec<Spanned<RawRegion>>,
    #[serde(default)]
    unit: Vec<Spanned<RawUnit>>,
    #[serde(default)]
    goal: Vec<Spanned<RawGoal>>,
    #[serde(default)]
    indicator: Vec<Spanned<RawIndicator>>,
    #[serde(default)]
    task: Vec<Spanned<RawTask>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeta {
    id: Spanned<String>,
    name: String,
    city: Spanned<String>,
    base_year: Spanned<i32>,
    end_year: Spanned<i32>,
    milestones: Spanned<Vec<i32>>,
    catalogue_version: Spanned<String>,
    #[serde(default)]
    source: String,
    #[serde(default)]
    notes: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegion {
    code: Spanned<String>,
    name: String,
    level: Spanned<String>,
    #[serde(default)]
    parent: Option<Spanned<String>>,
    #[serde(default)]
    terrain: Option<Spanned<String>>,
    #[serde(default)]
    city_size: Option<Spanned<String>>,
    #[serde(default)]
    features: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUnit {
    name: Spanned<String>,
    code: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGoal {
    year: Spanned<i32>,
    text: String,
    #[serde(default)]
    items: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTask {
    number: Spanned<u32>,
    area: Spanned<String>,
    title: String,
    text: Spanned<String>,
    #[serde(default)]
    lead: Vec<Spanned<String>>,
    #[serde(default)]
    participants: Vec<Spanned<String>>,
    #[serde(default)]
    participants_open: bool,
    #[serde(default)]
    shared: bool,
    #[serde(default)]
    deadline: Option<Spanned<String>>,
    #[serde(default)]
    truncated: bool,
    #[serde(default)]
    target: Vec<Spanned<RawTarget>>,
    #[serde(default)]
    narrative: Vec<Spanned<RawNarrative>>,
    #[serde(default)]
    note: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    indicator: Spanned<String>,
    threshold: Spanned<String>,
    #[serde(default)]
    year: Option<Spanned<i32>>,
    #[serde(default)]
    region: Option<Spanned<String>>,
    #[serde(default)]
    unit: Option<Spanned<String>>,
    quote: Spanned<String>,
    #[serde(default)]
    deadline: Option<Spanned<String>>,
    #[serde(default)]
    lead: Vec<Spanned<String>>,
    #[serde(default)]
    note: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNarrative {
    quote: Spanned<String>,
    reason: String,
}

fn valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let (Ok(y), Ok(m), Ok(d)) = (
        s[0..4].parse::<i32>(),
        s[5..7].parse::<u32>(),
        s[8..10].parse::<u32>(),
    ) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    YEAR_RANGE.contains(&y) && (1..=12).contains(&m) && d >= 1 && d <= days[m as usize - 1]
}

fn build(src: &mut SourceFile<'_>, raw: RawPlan, catalogue: &Catalogue) -> Option<Plan> {
    let meta = raw.plan;
    let base_year = *meta.base_year.get_ref();
    let end_year = *meta.end_year.get_ref();
    if !YEAR_RANGE.contains(&base_year) {
        src.error(
            Some(meta.base_year.span()),
            "plan.base_year",
            "基准年应在1949–2100之间",
        );
    }
    if end_year <= base_year {
        src.error(
            Some(meta.end_year.span()),
            "plan.end_year",
            "规划期末年份应晚于基准年",
        );
    }
    let milestones = meta.milestones.get_ref().clone();
    if milestones.is_empty() || milestones.windows(2).any(|w| w[0] >= w[1]) {
        src.error(
            Some(meta.milestones.span()),
            "plan.milestones",
            "里程碑年份不能为空，且须按时间先后排列、不重复",
        );
    }
    if milestones.iter().any(|&m| m <= base_year || m > end_year) {
        src.error(
            Some(meta.milestones.span()),
            "plan.milestones",
            format!("里程碑年份须在规划期{}–{}年内", base_year + 1, end_year),
        );
    }
    if catalogue
        .version(meta.catalogue_version.get_ref())
        .is_none()
    {
        src.error(
            Some(meta.catalogue_version.span()),
            "plan.catalogue_version",
            format!(
                "国家指标版本“{}”不存在，可用: {}",
                meta.catalogue_version.get_ref(),
                catalogue.version_ids().join("、")
            ),
        );
    }

    // Regions.
    let mut regions: Vec<Region> = Vec::new();
    for (i, r) in raw.region.iter().enumerate() {
        let r = r.get_ref();
        let field = |f: &str| format!("region[{i}].{f}");
        let code = r.code.get_ref().trim().to_owned();
        if code.is_empty() || regions.iter().any(|o| o.code == code) {
            src.error(
                Some(r.code.span()),
                field("code"),
                format!("行政区代码“{code}”为空或重复"),
            );
            continue;
        }
        let Some(level) = RegionLevel::parse(r.level.get_ref()) else {
            src.error(
                Some(r.level.span()),
                field("level"),
                format!(
                    "级别“{}”无效，可用: city、district、county、scope",
                    r.level.get_ref()
                ),
            );
            continue;
        };
        let terrain = r.terrain.as_ref().and_then(|t| {
            let v = Terrain::parse(t.get_ref());
            if v.is_none() {
                src.error(
                    Some(t.span()),
                    field("terrain"),
                    format!(
                        "地形“{}”无效，可用: {}",
                        t.get_ref(),
                        Terrain::KEYS.join("、")
                    ),
                );
            }
            v
        });
        let city_size = r.city_size.as_ref().and_then(|t| {
            let v = CitySize::parse(t.get_ref());
            if v.is_none() {
                src.error(
                    Some(t.span()),
                    field("city_size"),
                    format!(
                        "城市规模“{}”无效，可用: {}",
                        t.get_ref(),
                        CitySize::KEYS.join("、")
                    ),
                );
            }
            v
        });
        for f in &r.features {
            if !FEATURES.iter().any(|(k, _)| k == f.get_ref()) {
                src.error(
                    Some(f.span()),
                    field("features"),
                    format!("未知的地区特征“{}”", f.get_ref()),
                );
            }
        }
        regions.push(Region {
            code,
            name: r.name.trim().to_owned(),
            level,
            parent: r.parent.as_ref().map(|p| p.get_ref().clone()),
            terrain,
            city_size,
            features: r.features.iter().map(|f| f.get_ref().clone()).collect(),
        });
    }
    for (i, r) in raw.region.iter().enumerate() {
        if let Some(p) = &r.get_ref().parent
            && !regions.iter().any(|o| o.code == *p.get_ref())
        {
            src.error(
                Some(p.span()),
                format!("region[{i}].parent"),
                format!("上级行政区“{}”不存在", p.get_ref()),
            );
        }
    }
    match regions.iter().find(|r| r.code == *meta.city.get_ref()) {
        Some(r) if r.level == RegionLevel::City => {}
        _ => src.error(
            Some(meta.city.span()),
            "plan.city",
            format!(
                "城市“{}”须是 region 中级别为 city 的行政区",
                meta.city.get_ref()
            ),
        ),
    }

    // Departments.
    let mut units: Vec<OrgUnit> = Vec::new();
    for (i, u) in raw.unit.iter().enumerate() {
        let u = u.get_ref();
        let name = u.name.get_ref().trim().to_owned();
        let code = u.code.get_ref().trim().to_owned();
        if name.is_empty() || units.iter().any(|o| o.name == name) {
            src.error(
                Some(u.name.span()),
                format!("unit[{i}].name"),
                format!("单位名称“{name}”为空或重复"),
            );
            continue;
        }
        if code.is_empty()
            || !code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            || units.iter().any(|o| o.code == code)
        {
            src.error(
                Some(u.code.span()),
                format!("unit[{i}].code"),
                format!("单位代码“{code}”无效或重复（小写字母、数字、下划线）"),
            );
            continue;
        }
        units.push(OrgUnit { name, code });
    }

    // Goals.
    let goals: Vec<Goal> = raw
        .goal
        .into_iter()
        .enumerate()
        .filter_map(|(i, g)| {
            let g = g.into_inner();
            if !milestones.contains(g.year.get_ref()) {
                src.error(
                    Some(g.year.span()),
                    format!("goal[{i}].year"),
                    format!("目标年份{}不是里程碑年份", g.year.get_ref()),
                );
                return None;
            }
            Some(Goal {
                year: g.year.into_inner(),
                text: g.text,
                items: g.items,
            })
        })
        .collect();

    // Indicator dictionary: the catalogue's plus the plan's own.
    let (own, broken) = load_indicators(src, raw.indicator, "");
    let mut indicators = catalogue.indicators.clone();
    for ind in own {
        if catalogue.indicator(&ind.code).is_some() {
            src.error(
                None,
                format!("indicator[{}]", ind.code),
                format!("指标代码“{}”已在国家指标字典中定义，不能重复定义", ind.code),
            );
        } else {
            indicators.push(ind);
        }
    }
    let indicator_index: HashMap<String, usize> = indicators
        .iter()
        .enumerate()
        .map(|(i, ind)| (ind.code.clone(), i))
        .collect();

    // Tasks and targets.
    let unit_known = |src: &mut SourceFile<'_>, u: &Spanned<String>, field: String| {
        if !units.iter().any(|o| o.name == *u.get_ref()) {
            src.error(
                Some(u.span()),
                field,
                format!("未知的单位“{}”：须先在 [[unit]] 中列出", u.get_ref()),
            );
        }
    };
    let mut tasks: Vec<Task> = Vec::new();
    let mut seen_targets: HashMap<(String, String, i32), usize> = HashMap::new();
    for t in raw.task {
        let t = t.into_inner();
        let number = *t.number.get_ref();
        let field = |f: &str| format!("task[{number}].{f}");
        if tasks.iter().any(|o| o.number == number) {
            src.error(
                Some(t.number.span()),
                field("number"),
                format!("任务编号{number}重复"),
            );
            continue;
        }
        let area = Area::parse(t.area.get_ref());
        if area.is_none() {
            src.error(
                Some(t.area.span()),
                field("area"),
                unknown_area(t.area.get_ref()),
            );
        }
        if t.lead.is_empty() && !t.targets_have_leads() {
            src.error(
                Some(t.number.span()),
                field("lead"),
                "任务须至少有一个牵头（或负责）单位",
            );
        }
        for (i, u) in t.lead.iter().enumerate() {
            unit_known(src, u, field(&format!("lead[{i}]")));
        }
        for (i, u) in t.participants.iter().enumerate() {
            unit_known(src, u, field(&format!("participants[{i}]")));
        }
        if let Some(d) = &t.deadline
            && !valid_date(d.get_ref())
        {
            src.error(
                Some(d.span()),
                field("deadline"),
                format!("期限“{}”不是有效日期（YYYY-MM-DD）", d.get_ref()),
            );
        }
        let text = t.text.get_ref().clone();
        if text.trim().is_empty() {
            src.error(Some(t.text.span()), field("text"), "任务原文不能为空");
        }
        let mut targets = Vec::new();
        for (i, g) in t.target.into_iter().enumerate() {
            let g_span = g.span();
            let g = g.into_inner();
            let field = |f: &str| format!("task[{number}].target[{i}].{f}");
            let indicator = indicators.get(
                indicator_index
                    .get(g.indicator.get_ref())
                    .copied()
                    .unwrap_or(usize::MAX),
            );
            if indicator.is_none() && !broken.contains(g.indicator.get_ref()) {
                src.error(
                    Some(g.indicator.span()),
                    field("indicator"),
                    format!(
                        "未知的指标代码“{}”：须在国家指标字典或本方案的 [[indicator]] 中定义",
                        g.indicator.get_ref()
                    ),
                );
            }
            let year = match &g.year {
                None => {
                    src.error(Some(g_span.clone()), field("year"), "目标缺少年份（year）");
                    None
                }
                Some(y) if *y.get_ref() <= base_year || *y.get_ref() > end_year => {
                    src.error(
                        Some(y.span()),
                        field("year"),
                        format!(
                            "目标年份{}不在规划期{}–{}年内",
                            y.get_ref(),
                            base_year + 1,
                            end_year
                        ),
                    );
                    None
                }
                Some(y) => Some(*y.get_ref()),
            };
            let region = g
                .region
                .as_ref()
                .map_or_else(|| meta.city.get_ref().clone(), |r| r.get_ref().clone());
            if let Some(r) = &g.region
                && !regions.iter().any(|o| o.code == *r.get_ref())
            {
                src.error(
                    Some(r.span()),
                    field("region"),
                    format!("未知的行政区或统计范围“{}”", r.get_ref()),
                );
            }
            if let (Some(u), Some(ind)) = (&g.unit, indicator) {
                match MeasureUnit::parse(u.get_ref()) {
                    None => src.error(
                        Some(u.span()),
                        field("unit"),
                        format!("未知的计量单位“{}”", u.get_ref()),
                    ),
                    Some(unit) if unit != ind.unit => src.error(
                        Some(u.span()),
                        field("unit"),
                        format!(
                            "单位“{}”与指标“{}”的单位“{}”不一致",
                            u.get_ref(),
                            ind.name,
                            ind.unit
                        ),
                    ),
                    Some(_) => {}
                }
            }
            let threshold = parse_threshold(src, &g.threshold, &field("threshold"));
            if let (Some(th), Some(ind)) = (&threshold, indicator)
                && let Some(problem) = th.check_fit(ind.kind == ValueKind::YesNo)
            {
                src.error(Some(g.threshold.span()), field("threshold"), problem);
            }
            if !text.contains(g.quote.get_ref().as_str()) || g.quote.get_ref().is_empty() {
                src.error(
                    Some(g.quote.span()),
                    field("quote"),
                    "引文须是任务原文中的一段原话",
                );
            }
            if let Some(d) = &g.deadline
                && (!valid_date(d.get_ref())
                    || year.is_some_and(|y| !d.get_ref().starts_with(&y.to_string())))
            {
                src.error(
                    Some(d.span()),
                    field("deadline"),
                    format!(
                        "期限“{}”不是目标年份内的有效日期（YYYY-MM-DD）",
                        d.get_ref()
                    ),
                );
            }
            for (j, u) in g.lead.iter().enumerate() {
                unit_known(src, u, field(&format!("lead[{j}]")));
            }
            if let (Some(year), Some(ind)) = (year, indicator) {
                let key = (ind.code.clone(), region.clone(), year);
                if let Some(other) = seen_targets.get(&key) {
                    src.error(
                        Some(g.indicator.span()),
                        field("indicator"),
                        format!(
                            "指标“{}”在{}年、同一地区已有目标（任务{}）",
                            ind.name, year, other
                        ),
                    );
                } else {
                    seen_targets.insert(key, number as usize);
                }
            }
            if let (Some(threshold), Some(year), Some(_)) = (threshold, year, indicator) {
                targets.push(Target {
                    indicator: g.indicator.into_inner(),
                    threshold,
                    year,
                    region,
                    quote: g.quote.into_inner(),
                    deadline: g.deadline.map(Spanned::into_inner),
                    lead: g.lead.into_iter().map(Spanned::into_inner).collect(),
                    note: g.note,
                });
            }
        }
        let mut narrative = Vec::new();
        for (i, n) in t.narrative.into_iter().enumerate() {
            let n = n.into_inner();
            if !text.contains(n.quote.get_ref().as_str()) || n.quote.get_ref().is_empty() {
                src.error(
                    Some(n.quote.span()),
                    format!("task[{number}].narrative[{i}].quote"),
                    "引文须是任务原文中的一段原话",
                );
            }
            if n.reason.trim().is_empty() {
                src.error(
                    Some(n.quote.span()),
                    format!("task[{number}].narrative[{i}].reason"),
                    "须说明为何不作为目标",
                );
            }
            narrative.push(Narrative {
                quote: n.quote.into_inner(),
                reason: n.reason,
            });
        }
        let Some(area) = area else { continue };
        tasks.push(Task {
            number,
            area,
            title: t.title,
            text,
            lead: t.lead.into_iter().map(Spanned::into_inner).collect(),
            participants: t
                .participants
                .into_iter()
                .map(Spanned::into_inner)
                .collect(),
            participants_open: t.participants_open,
            shared: t.shared,
            deadline: t.deadline.map(Spanned::into_inner),
            truncated: t.truncated,
            targets,
            narrative,
            note: t.note,
        });
    }

    if src.has_errors() {
        return None;
    }
    let region_index = regions
        .iter()
        .enumerate()
        .map(|(i, r)| (r.code.clone(), i))
        .collect();
    Some(Plan {
        id: meta.id.into_inner(),
        name: meta.name,
        city: meta.city.into_inner(),
        base_year,
        end_year,
        milestones,
        catalogue_version: meta.catalogue_version.into_inner(),
        source: meta.source,
        notes: meta.notes,
        regions,
        units,
        goals,
        indicators,
        tasks,
        indicator_index,
        region_index,
    })
}

impl RawTask {
    fn targets_have_leads(&self) -> bool {
        !self.target.is_empty() && self.target.iter().all(|t| !t.get_ref().lead.is_empty())
    }
}
