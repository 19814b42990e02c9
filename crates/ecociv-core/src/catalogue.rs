//! The national indicator catalogue (《生态文明建设示范区建设指标》, city level), versioned.
//!
//! The catalogue is revised every few years (2019, 2021, 2024) and only partly confirmed in our
//! reference, so it is data: an indicator dictionary plus one file per version, every row with
//! its source and confidence. Rows not read in an official copy (confidence below A) are shown as
//! 待核实. A coordinator can replace or edit any version without a new release.

use ecociv_i18n::Words;
use std::collections::HashMap;

use serde::Deserialize;
use toml::Spanned;

use crate::area::Area;
use crate::diag::{Diagnostics, SourceFile};
use crate::indicator::{Aggregate, Attribute, Direction, Indicator, Method, ValueKind};
use crate::measure::MeasureUnit;
use crate::region::{FEATURES, Region, RegionLevel};
use crate::threshold::Threshold;

/// How sure we are of a row (reference/README.md): A read in the official text, B confirmed by a
/// secondary source, C reconstructed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum Confidence {
    A,
    B,
    C,
}

impl Confidence {
    pub fn parse(s: &str) -> Option<Confidence> {
        match s.trim() {
            "A" => Some(Confidence::A),
            "B" => Some(Confidence::B),
            "C" => Some(Confidence::C),
            _ => None,
        }
    }
}

/// Which administrative level a row applies to (适用范围 in the 2019 table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    City,
    County,
    Both,
}

impl Scope {
    pub fn parse(s: &str) -> Option<Scope> {
        match s.trim() {
            "市" | "city" => Some(Scope::City),
            "县" | "county" => Some(Scope::County),
            "市县" | "both" => Some(Scope::Both),
            _ => None,
        }
    }

    pub fn name_zh(self) -> &'static str {
        self.zh()
    }

    pub fn applies_to(self, level: RegionLevel) -> bool {
        match self {
            Scope::Both => true,
            Scope::County => level.is_county(),
            Scope::City => !level.is_county(),
        }
    }
}

ecociv_i18n::words!(Scope {
    City => "市", "city";
    County => "县", "county";
    Both => "市县", "city and county";
});

/// One row (or sub-row) of a national catalogue version.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct NationalRow {
    /// Stable id within the version, e.g. `7a`.
    pub id: String,
    /// 序号 as printed.
    pub number: String,
    /// 领域 as printed in that version.
    pub domain: String,
    /// 任务 heading.
    pub task: String,
    /// Parent item when a number holds several sub-indicators (e.g. 环境空气质量).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    pub name: String,
    pub indicator: String,
    pub unit: MeasureUnit,
    pub threshold: Threshold,
    /// 指标值 as printed in the standard.
    pub printed: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute: Option<Attribute>,
    pub scope: Scope,
    /// Rows marked `*`: apply only where the region has this feature (coastal, grassland …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applies_if: Option<String>,
    pub confidence: Confidence,
    pub source: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note: String,
}

impl NationalRow {
    /// Only rows read in an official copy count as verified; the rest are shown as 待核实.
    pub fn verified(&self) -> bool {
        self.confidence == Confidence::A
    }

    /// Whether this row decides readiness. Versions without an attribute column (2024) are treated
    /// as all binding: every row is a pass/fail requirement there.
    pub fn is_binding(&self) -> bool {
        self.attribute != Some(Attribute::Reference)
    }

    /// Why the row does not apply to a region, if it does not.
    pub fn not_applicable_reason(&self, region: &Region) -> Option<String> {
        if !self.scope.applies_to(region.level) {
            return Some(format!(
                "该指标适用范围为“{}”，不适用于{}",
                self.scope.name_zh(),
                region.name
            ));
        }
        if let Some(feature) = &self.applies_if
            && !region.has_feature(feature)
        {
            return Some(format!(
                "该指标仅适用于有{}的地区，{}不涉及",
                crate::region::feature_name_zh(feature),
                region.name
            ));
        }
        None
    }
}

/// One version of the national catalogue.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CatalogueVersion {
    pub id: String,
    pub title: String,
    pub document: String,
    pub issued: String,
    pub domains: Vec<String>,
    /// Whether the version has a 约束性/参考性 column.
    pub has_attribute: bool,
    /// False when rows are known to be missing (the 2024 table beyond item 13).
    pub complete: bool,
    pub note: String,
    pub rows: Vec<NationalRow>,
}

/// The indicator dictionary and every catalogue version.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Catalogue {
    pub indicators: Vec<Indicator>,
    pub versions: Vec<CatalogueVersion>,
    #[serde(skip)]
    index: HashMap<String, usize>,
}

impl Catalogue {
    pub fn indicator(&self, code: &str) -> Option<&Indicator> {
        self.index.get(code).map(|&i| &self.indicators[i])
    }

    pub fn version(&self, id: &str) -> Option<&CatalogueVersion> {
        self.versions.iter().find(|v| v.id == id)
    }

    pub fn version_ids(&self) -> Vec<&str> {
        self.versions.iter().map(|v| v.id.as_str()).collect()
    }

    /// Loads the dictionary and the version files. Every problem in every file is reported.
    pub fn load(
        dictionary: (&str, &str),
        versions: &[(&str, &str)],
    ) -> Result<Catalogue, Diagnostics> {
        let mut problems = Vec::new();
        let mut src = SourceFile::new(dictionary.0, dictionary.1);
        let indicators = match src.parse_toml::<RawDictionary>() {
            Some(raw) => load_indicators(&mut src, raw.indicator, "").0,
            None => Vec::new(),
        };
        problems.extend(src.into_problems());
        let mut index = HashMap::new();
        for (i, ind) in indicators.iter().enumerate() {
            index.insert(ind.code.clone(), i);
        }
        let mut cat = Catalogue {
            indicators,
            versions: Vec::new(),
            index,
        };
        // Versions may inherit from an earlier one (the 2021 revision from the 2019 template), so
        // load them in the order given and resolve `inherits` against those already loaded.
        for (name, text) in versions {
            let mut src = SourceFile::new(*name, text);
            if let Some(raw) = src.parse_toml::<RawVersionFile>()
                && let Some(v) = load_version(&mut src, raw, &cat)
            {
                if cat.versions.iter().any(|o| o.id == v.id) {
                    src.error(None, "version.id", format!("版本“{}”重复", v.id));
                } else {
                    cat.versions.push(v);
                }
            }
            problems.extend(src.into_problems());
        }
        if problems.is_empty() {
            Ok(cat)
        } else {
            Err(Diagnostics(problems))
        }
    }

    /// Replaces or adds one version (a coordinator's edit), checked like a file load.
    pub fn with_version(&self, name: &str, text: &str) -> Result<Catalogue, Diagnostics> {
        let mut src = SourceFile::new(name, text);
        let mut cat = self.clone();
        if let Some(raw) = src.parse_toml::<RawVersionFile>()
            && let Some(v) = load_version(&mut src, raw, self)
        {
            cat.versions.retain(|o| o.id != v.id);
            cat.versions.push(v);
        }
        let problems = src.into_problems();
        if problems.is_empty() {
            Ok(cat)
        } else {
            Err(Diagnostics(problems))
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDictionary {
    #[serde(default)]
    indicator: Vec<Spanned<RawIndicator>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawIndicator {
    code: Spanned<String>,
    name: Spanned<String>,
    unit: Spanned<String>,
    #[serde(default)]
    direction: Option<Spanned<String>>,
    #[serde(default)]
    kind: Option<Spanned<String>>,
    #[serde(default)]
    method: Option<Spanned<String>>,
    #[serde(default)]
    aggregate: Option<Spanned<String>>,
    #[serde(default)]
    area: Option<Spanned<String>>,
    #[serde(default)]
    min: Option<f64>,
    #[serde(default)]
    max: Option<f64>,
    #[serde(default)]
    definition: String,
    #[serde(default)]
    owner: Option<String>,
}

/// The largest magnitude of any indicator value (and of any bound a file may give): an
/// indicator whose row names no `max` is bounded by it. No real value of any unit of the
/// catalogue comes near it, and every number up to it prints exactly.
pub const MAX_MAGNITUDE: f64 = 1e9;

fn is_code(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && s.as_bytes()[0].is_ascii_lowercase()
}

/// Checks indicator definitions (shared by the dictionary and a plan's own indicators). Returns
/// the good definitions and the codes of the broken ones, so that references to a broken
/// definition are not reported a second time as unknown.
pub(crate) fn load_indicators(
    src: &mut SourceFile<'_>,
    raw: Vec<Spanned<RawIndicator>>,
    prefix: &str,
) -> (Vec<Indicator>, Vec<String>) {
    let mut out: Vec<Indicator> = Vec::new();
    let mut broken: Vec<String> = Vec::new();
    for (i, r) in raw.into_iter().enumerate() {
        let span = r.span();
        let r = r.into_inner();
        let field = |f: &str| format!("{prefix}indicator[{i}].{f}");
        let code = r.code.get_ref().trim().to_owned();
        let mut ok = true;
        if !is_code(&code) {
            src.error(
                Some(r.code.span()),
                field("code"),
                format!("指标代码“{code}”无效：只能用小写字母、数字和下划线，以字母开头"),
            );
            ok = false;
        } else if out.iter().any(|o| o.code == code) {
            src.error(
                Some(r.code.span()),
                field("code"),
                format!("指标代码“{code}”重复"),
            );
            ok = false;
        }
        if r.name.get_ref().trim().is_empty() {
            src.error(Some(r.name.span()), field("name"), "指标名称不能为空");
            ok = false;
        }
        let unit = MeasureUnit::parse(r.unit.get_ref());
        if unit.is_none() {
            src.error(
                Some(r.unit.span()),
                field("unit"),
                format!(
                    "未知的计量单位“{}”，可用: {}",
                    r.unit.get_ref(),
                    MeasureUnit::known().collect::<Vec<_>>().join("、")
                ),
            );
            ok = false;
        }
        let direction = match &r.direction {
            None => Some(Direction::HigherIsBetter),
            Some(d) => {
                let v = Direction::parse(d.get_ref());
                if v.is_none() {
                    src.error(
                        Some(d.span()),
                        field("direction"),
                        format!("方向“{}”无效，可用: higher、lower", d.get_ref()),
                    );
                }
                v
            }
        };
        let kind = match &r.kind {
            None => Some(ValueKind::Number),
            Some(k) => match k.get_ref().as_str() {
                "number" => Some(ValueKind::Number),
                "yes_no" => Some(ValueKind::YesNo),
                other => {
                    src.error(
                        Some(k.span()),
                        field("kind"),
                        format!("类型“{other}”无效，可用: number、yes_no"),
                    );
                    None
                }
            },
        };
        let method = match &r.method {
            None => Some(Method::Reported),
            Some(m) => match m.get_ref().as_str() {
                "reported" => Some(Method::Reported),
                "computed" => Some(Method::Computed),
                other => {
                    src.error(
                        Some(m.span()),
                        field("method"),
                        format!("获取方式“{other}”无效，可用: reported、computed"),
                    );
                    None
                }
            },
        };
        let aggregate = match &r.aggregate {
            None => Some(Aggregate::Annual),
            Some(a) => {
                let v = Aggregate::parse(a.get_ref());
                if v.is_none() {
                    src.error(
                        Some(a.span()),
                        field("aggregate"),
                        format!(
                            "汇总方式“{}”无效，可用: annual、sum、mean、last",
                            a.get_ref()
                        ),
                    );
                }
                v
            }
        };
        let area = match &r.area {
            None => Some(None),
            Some(a) => match Area::parse(a.get_ref()) {
                Some(a) => Some(Some(a)),
                None => {
                    src.error(Some(a.span()), field("area"), unknown_area(a.get_ref()));
                    None
                }
            },
        };
        let (
            Some(unit),
            Some(direction),
            Some(kind),
            Some(method),
            Some(aggregate),
            Some(area),
            true,
        ) = (unit, direction, kind, method, aggregate, area, ok)
        else {
            broken.push(code);
            continue;
        };
        // Percentages and yes/no answers have natural bounds; other units at least cannot be
        // negative unless the file says so, and no value exceeds MAX_MAGNITUDE either way.
        let (min, max) = match kind {
            ValueKind::YesNo => (Some(0.0), Some(1.0)),
            ValueKind::Number if unit.is_percent() => (r.min.or(Some(0.0)), r.max.or(Some(100.0))),
            ValueKind::Number => (r.min.or(Some(0.0)), r.max.or(Some(MAX_MAGNITUDE))),
        };
        if let Some(bad) = [min, max]
            .into_iter()
            .flatten()
            .find(|b| !b.is_finite() || b.abs() > MAX_MAGNITUDE)
        {
            src.error(
                Some(span),
                field(if Some(bad) == min { "min" } else { "max" }),
                format!("界限{bad}超出允许的范围（绝对值不超过{MAX_MAGNITUDE:.0}）"),
            );
            broken.push(code);
            continue;
        }
        if let (Some(lo), Some(hi)) = (min, max)
            && lo > hi
        {
            src.error(
                Some(span),
                field("min"),
                format!("最小值{lo}大于最大值{hi}"),
            );
            broken.push(code);
            continue;
        }
        out.push(Indicator {
            code,
            name: r.name.into_inner().trim().to_owned(),
            unit,
            direction,
            kind,
            method,
            aggregate,
            area,
            min,
            max,
            definition: r.definition,
            owner: r.owner,
        });
    }
    (out, broken)
}

pub(crate) fn unknown_area(s: &str) -> String {
    format!(
        "未知的领域“{s}”，可用: {}",
        Area::ALL.map(Area::name_zh).join("、")
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVersionFile {
    version: RawVersion,
    #[serde(default)]
    row: Vec<Spanned<RawRow>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVersion {
    id: Spanned<String>,
    title: String,
    #[serde(default)]
    document: String,
    #[serde(default)]
    issued: String,
    domains: Vec<String>,
    #[serde(default)]
    has_attribute: bool,
    #[serde(default = "yes")]
    complete: bool,
    #[serde(default)]
    note: String,
    #[serde(default)]
    inherits: Option<Spanned<String>>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRow {
    id: Spanned<String>,
    number: String,
    domain: Spanned<String>,
    #[serde(default)]
    task: String,
    #[serde(default)]
    item: Option<String>,
    name: String,
    indicator: Spanned<String>,
    unit: Spanned<String>,
    threshold: Spanned<String>,
    printed: String,
    #[serde(default)]
    attribute: Option<Spanned<String>>,
    scope: Spanned<String>,
    #[serde(default)]
    applies_if: Option<Spanned<String>>,
    confidence: Spanned<String>,
    source: String,
    #[serde(default)]
    note: String,
}

/// Checks a threshold expression, locating a parse error inside the TOML string.
pub(crate) fn parse_threshold(
    src: &mut SourceFile<'_>,
    raw: &Spanned<String>,
    field: &str,
) -> Option<Threshold> {
    match raw.get_ref().parse::<Threshold>() {
        Ok(t) => Some(t),
        Err(e) => {
            // The span covers the quoted string; step over the opening quote, then the
            // offending characters (valid for strings without escapes, which is all of ours).
            let span = raw.span();
            let inner = src.text().get(span.start + 1..span.end).unwrap_or("");
            let byte = inner
                .char_indices()
                .nth(e.offset.saturating_sub(1))
                .map_or(inner.len(), |(b, _)| b);
            let at = span.start + 1 + byte;
            src.error(Some(at..at), field, e.to_string());
            None
        }
    }
}

fn load_version(
    src: &mut SourceFile<'_>,
    raw: RawVersionFile,
    cat: &Catalogue,
) -> Option<CatalogueVersion> {
    let v = raw.version;
    let id = v.id.get_ref().trim().to_owned();
    if id.is_empty() {
        src.error(Some(v.id.span()), "version.id", "版本号不能为空");
    }
    let mut rows: Vec<NationalRow> = Vec::new();
    if let Some(parent) = &v.inherits {
        match cat.version(parent.get_ref()) {
            Some(p) => rows.extend(p.rows.iter().cloned()),
            None => src.error(
                Some(parent.span()),
                "version.inherits",
                format!(
                    "继承的版本“{}”不存在（需先加载），已有: {}",
                    parent.get_ref(),
                    cat.version_ids().join("、")
                ),
            ),
        }
    }
    for (i, r) in raw.row.into_iter().enumerate() {
        let r = r.into_inner();
        let field = |f: &str| format!("row[{i}].{f}");
        let mut ok = true;
        let rid = r.id.get_ref().trim().to_owned();
        if rid.is_empty() {
            src.error(Some(r.id.span()), field("id"), "行号不能为空");
            ok = false;
        }
        if !v.domains.iter().any(|d| d == r.domain.get_ref()) {
            src.error(
                Some(r.domain.span()),
                field("domain"),
                format!(
                    "未知的领域“{}”，本版本的领域: {}",
                    r.domain.get_ref(),
                    v.domains.join("、")
                ),
            );
            ok = false;
        }
        let indicator = cat.indicator(r.indicator.get_ref());
        if indicator.is_none() {
            src.error(
                Some(r.indicator.span()),
                field("indicator"),
                format!("未知的指标代码“{}”", r.indicator.get_ref()),
            );
            ok = false;
        }
        let unit = MeasureUnit::parse(r.unit.get_ref());
        match (unit, indicator) {
            (None, _) => {
                src.error(
                    Some(r.unit.span()),
                    field("unit"),
                    format!("未知的计量单位“{}”", r.unit.get_ref()),
                );
                ok = false;
            }
            (Some(u), Some(ind)) if u != ind.unit => {
                src.error(
                    Some(r.unit.span()),
                    field("unit"),
                    format!(
                        "单位“{}”与指标“{}”的单位“{}”不一致",
                        r.unit.get_ref(),
                        ind.name,
                        ind.unit
                    ),
                );
                ok = false;
            }
            _ => {}
        }
        let threshold = parse_threshold(src, &r.threshold, &field("threshold"));
        if let (Some(t), Some(ind)) = (&threshold, indicator)
            && let Some(problem) = t.check_fit(ind.kind == ValueKind::YesNo)
        {
            src.error(Some(r.threshold.span()), field("threshold"), problem);
            ok = false;
        }
        let attribute = match &r.attribute {
            None => None,
            Some(a) => {
                let parsed = Attribute::parse(a.get_ref());
                if parsed.is_none() {
                    src.error(
                        Some(a.span()),
                        field("attribute"),
                        format!("指标属性“{}”无效，可用: 约束性、参考性", a.get_ref()),
                    );
                    ok = false;
                }
                parsed
            }
        };
        if v.has_attribute && r.attribute.is_none() {
            src.error(
                Some(r.id.span()),
                field("attribute"),
                "本版本有指标属性列，每行须填写约束性或参考性",
            );
            ok = false;
        }
        let scope = Scope::parse(r.scope.get_ref());
        if scope.is_none() {
            src.error(
                Some(r.scope.span()),
                field("scope"),
                format!("适用范围“{}”无效，可用: 市、县、市县", r.scope.get_ref()),
            );
            ok = false;
        }
        if let Some(f) = &r.applies_if
            && !FEATURES.iter().any(|(k, _)| k == f.get_ref())
        {
            src.error(
                Some(f.span()),
                field("applies_if"),
                format!(
                    "未知的地区特征“{}”，可用: {}",
                    f.get_ref(),
                    FEATURES
                        .iter()
                        .map(|(k, _)| *k)
                        .collect::<Vec<_>>()
                        .join("、")
                ),
            );
            ok = false;
        }
        let confidence = Confidence::parse(r.confidence.get_ref());
        if confidence.is_none() {
            src.error(
                Some(r.confidence.span()),
                field("confidence"),
                "可信度应为 A、B 或 C",
            );
            ok = false;
        }
        if rows.iter().any(|o| o.id == rid) && v.inherits.is_none() {
            src.error(Some(r.id.span()), field("id"), format!("行号“{rid}”重复"));
            ok = false;
        }
        let (true, Some(threshold), Some(unit), Some(scope), Some(confidence)) =
            (ok, threshold, unit, scope, confidence)
        else {
            continue;
        };
        let row = NationalRow {
            id: rid,
            number: r.number,
            domain: r.domain.into_inner(),
            task: r.task,
            item: r.item,
            name: r.name,
            indicator: r.indicator.into_inner(),
            unit,
            threshold,
            printed: r.printed,
            attribute,
            scope,
            applies_if: r.applies_if.map(Spanned::into_inner),
            confidence,
            source: r.source,
            note: r.note,
        };
        // In an inheriting version a row with an existing id replaces the inherited one.
        match rows.iter_mut().find(|o| o.id == row.id) {
            Some(slot) => *slot = row,
            None => rows.push(row),
        }
    }
    let mut by_indicator: HashMap<&str, &str> = HashMap::new();
    for row in &rows {
        if let Some(other) = by_indicator.insert(&row.indicator, &row.id) {
            src.error(
                None,
                format!("row[id={}].indicator", row.id),
                format!("指标“{}”在本版本中出现两次（第{}行与第{}行），每个指标在一个版本中只能对应一行", row.indicator, other, row.id),
            );
        }
    }
    if src.has_errors() {
        return None;
    }
    Some(CatalogueVersion {
        id,
        title: v.title,
        document: v.document,
        issued: v.issued,
        domains: v.domains,
        has_attribute: v.has_attribute,
        complete: v.complete,
        note: v.note,
        rows,
    })
}
