//! 城市黑臭水体整治工作指南 (住房城乡建设部、环境保护部, 2015): the grade of urban black-odorous
//! water per sample, per monitoring point and per water body, and the elimination ratio over a
//! register of bodies.
//!
//! All comparisons are exact ([`Dec`]), including the shallow-water rule (transparency against
//! 40 % of the depth) and the 60 % / 30 % shares (integer counts).

use std::collections::HashMap;
use std::io::Read;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::decimal::Dec;
use super::reader::{csv_error, number_error, parse_date, split_header};
use crate::input::InputError;

/// Guideline title, for provenance.
pub const GUIDELINE: &str = "城市黑臭水体整治工作指南（2015）";

/// Grade of black-odorous water, ordered from best to worst.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum OdorGrade {
    /// 无黑臭: every indicator better than the 轻度 range.
    NotBlackOdorous,
    Light,
    Heavy,
}

impl OdorGrade {
    pub fn label(self) -> &'static str {
        match self {
            OdorGrade::NotBlackOdorous => "无黑臭",
            OdorGrade::Light => "轻度黑臭",
            OdorGrade::Heavy => "重度黑臭",
        }
    }
}

/// The four indicators of the guideline's grading table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Indicator {
    Transparency,
    Do,
    Orp,
    Nh3N,
}

impl Indicator {
    pub const ALL: [Indicator; 4] = [
        Indicator::Transparency,
        Indicator::Do,
        Indicator::Orp,
        Indicator::Nh3N,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Indicator::Transparency => "透明度",
            Indicator::Do => "溶解氧",
            Indicator::Orp => "氧化还原电位",
            Indicator::Nh3N => "氨氮",
        }
    }
}

/// One row of the grading table. A value is 重度 beyond `heavy` (strictly), 轻度 inside the closed
/// range between `light` and `heavy`, and 无黑臭 on the clean side of `light` (strictly).
#[derive(Debug, Clone, Copy)]
pub struct OdorRow {
    pub indicator: Indicator,
    pub unit: &'static str,
    /// Whether a higher value is cleaner (transparency, DO, ORP) or dirtier (NH3-N).
    pub higher_is_cleaner: bool,
    pub light: Dec,
    pub heavy: Dec,
}

/// 指南 2.2 表 城市黑臭水体污染程度分级标准: 透明度 25～10 cm 轻度, < 10 重度; 溶解氧 0.2～2.0 mg/L
/// 轻度, < 0.2 重度; 氧化还原电位 −200～50 mV 轻度, < −200 重度; 氨氮 8.0～15 mg/L 轻度, > 15 重度.
/// [B] for the numbers. The ranges are read as closed at both ends ([C] 待核实: a peer treats DO = 2.0
/// and NH3-N = 8.0 as clean).
pub const GRADING_TABLE: [OdorRow; 4] = [
    OdorRow {
        indicator: Indicator::Transparency,
        unit: "cm",
        higher_is_cleaner: true,
        light: Dec::lit("25"),
        heavy: Dec::lit("10"),
    },
    OdorRow {
        indicator: Indicator::Do,
        unit: "mg/L",
        higher_is_cleaner: true,
        light: Dec::lit("2.0"),
        heavy: Dec::lit("0.2"),
    },
    OdorRow {
        indicator: Indicator::Orp,
        unit: "mV",
        higher_is_cleaner: true,
        light: Dec::lit("50"),
        heavy: Dec::lit("-200"),
    },
    OdorRow {
        indicator: Indicator::Nh3N,
        unit: "mg/L",
        higher_is_cleaner: false,
        light: Dec::lit("8.0"),
        heavy: Dec::lit("15"),
    },
];

/// 指南 表注: where the water is shallower than 25 cm, the transparency thresholds are 40 % of the
/// depth. Both thresholds carry the note, so both become 40 % of the depth: transparency below it
/// is 重度, at or above it 无黑臭 ([C] 待核实; a peer instead keeps 轻度 above it unless the water is
/// clear to the bottom).
pub const SHALLOW_DEPTH_CM: Dec = Dec::lit("25");
/// The shallow-water fraction, as numerator/denominator: 40 % = 2/5.
pub const SHALLOW_FRACTION: (i64, i64) = (2, 5);

/// 指南 2.2 判定: a point is 重度 if one indicator has at least 60 % of its results at 重度, or at
/// least two indicators each have at least 30 % of their results at 重度.
pub const POINT_ONE_INDICATOR_PCT: u64 = 60;
pub const POINT_TWO_INDICATORS_PCT: u64 = 30;
/// 指南 2.2 判定: three or more consecutive 重度 points make the stretch between them 重度; 60 % or
/// more 重度 points make the whole body 重度.
pub const BODY_CONSECUTIVE_POINTS: usize = 3;
pub const BODY_HEAVY_PCT: u64 = 60;
/// 指南 2.2 检测要求: at least 3 points per body and at least 3 samples per point.
pub const MIN_POINTS: usize = 3;
pub const MIN_SAMPLES: usize = 3;
/// Public satisfaction a remediated body needs to count as eliminated, percent (指南 整治效果评估,
/// 公众评议). [C] 待核实.
pub const ELIMINATION_SATISFACTION_PCT: Dec = Dec::lit("90");

/// The grade of one indicator value. `depth_cm` applies the shallow-water rule to transparency.
pub fn grade_value(ind: Indicator, v: Dec, depth_cm: Option<Dec>) -> OdorGrade {
    let row = &GRADING_TABLE[ind as usize];
    if ind == Indicator::Transparency
        && let Some(d) = depth_cm.filter(|d| *d < SHALLOW_DEPTH_CM)
    {
        // v < 2/5·d  ⇔  5·v < 2·d, exact in integers.
        let (num, den) = SHALLOW_FRACTION;
        let heavy = (v.raw() as i128) * (den as i128) < (d.raw() as i128) * (num as i128);
        return if heavy {
            OdorGrade::Heavy
        } else {
            OdorGrade::NotBlackOdorous
        };
    }
    if row.higher_is_cleaner {
        if v < row.heavy {
            OdorGrade::Heavy
        } else if v <= row.light {
            OdorGrade::Light
        } else {
            OdorGrade::NotBlackOdorous
        }
    } else if v > row.heavy {
        OdorGrade::Heavy
    } else if v >= row.light {
        OdorGrade::Light
    } else {
        OdorGrade::NotBlackOdorous
    }
}

/// One survey sample at a point.
#[derive(Clone, Debug)]
pub struct SurveySample {
    pub date: NaiveDate,
    pub depth_cm: Option<Dec>,
    /// Transparency, DO, ORP, NH3-N in the units of [`GRADING_TABLE`].
    pub values: [Option<Dec>; 4],
}

impl SurveySample {
    /// Grade of each measured indicator.
    pub fn grades(&self) -> [Option<OdorGrade>; 4] {
        Indicator::ALL.map(|i| self.values[i as usize].map(|v| grade_value(i, v, self.depth_cm)))
    }

    /// The worst indicator grade of the sample.
    pub fn grade(&self) -> Option<OdorGrade> {
        self.grades().into_iter().flatten().max()
    }
}

/// A monitoring point along a water body.
#[derive(Clone, Debug)]
pub struct SurveyPoint {
    pub code: String,
    /// Distance along the body (m), if given; points are ordered by it.
    pub position_m: Option<Dec>,
    pub samples: Vec<SurveySample>,
}

/// A surveyed water body.
#[derive(Clone, Debug)]
pub struct SurveyBody {
    pub code: String,
    pub points: Vec<SurveyPoint>,
}

/// Grade of a point with the shares behind it.
#[derive(Clone, Debug, Serialize)]
pub struct PointResult {
    pub point: String,
    pub samples: usize,
    pub grade: OdorGrade,
    pub grade_label: &'static str,
    /// Percentage of results at 重度, per indicator (transparency, DO, ORP, NH3-N).
    pub heavy_pct: [Option<f64>; 4],
    /// Percentage of results at 轻度 or worse, per indicator.
    pub black_pct: [Option<f64>; 4],
}

/// Grade of a water body.
#[derive(Clone, Debug, Serialize)]
pub struct BodyResult {
    pub body: String,
    pub grade: OdorGrade,
    pub grade_label: &'static str,
    pub points: Vec<PointResult>,
    pub heavy_points: usize,
    /// Stretches of three or more consecutive 重度 points, as (first point, last point).
    pub heavy_stretches: Vec<(String, String)>,
    pub warnings: Vec<String>,
}

/// A registered black-odorous body (黑臭水体清单).
#[derive(Clone, Debug)]
pub struct RegisteredBody {
    pub code: String,
    pub name: Option<String>,
    /// Public satisfaction with the remediation, percent, if surveyed.
    pub satisfaction_pct: Option<Dec>,
}

/// Whether a registered body counts as eliminated, and why.
#[derive(Clone, Debug, Serialize)]
pub struct EliminationEntry {
    pub body: String,
    pub name: Option<String>,
    pub eliminated: bool,
    pub reason: String,
}

/// 黑臭水体消除比例 over the register.
#[derive(Clone, Debug, Serialize)]
pub struct Elimination {
    pub registered: usize,
    pub eliminated: usize,
    pub ratio: f64,
    pub entries: Vec<EliminationEntry>,
}

/// The whole black-odorous evaluation.
#[derive(Clone, Debug, Serialize)]
pub struct BlackOdorReport {
    pub guideline: &'static str,
    pub bodies: Vec<BodyResult>,
    pub elimination: Elimination,
    pub unverified: Vec<&'static str>,
    pub warnings: Vec<String>,
}

fn at_least_pct(count: usize, total: usize, pct: u64) -> bool {
    total > 0 && count as u64 * 100 >= pct * total as u64
}

/// 指南 2.2: the grade of a point from its samples. The guideline's rule decides 重度 vs 轻度; a
/// point counts as black-odorous at all when the same rule holds for results at 轻度 or worse,
/// otherwise it is 无黑臭 ([C] 待核实: this reading of "not black-odorous" is ours).
pub fn grade_point(point: &SurveyPoint) -> PointResult {
    let mut total = [0usize; 4];
    let mut heavy = [0usize; 4];
    let mut black = [0usize; 4];
    for s in &point.samples {
        for (i, g) in s.grades().iter().enumerate() {
            if let Some(g) = g {
                total[i] += 1;
                heavy[i] += usize::from(*g == OdorGrade::Heavy);
                black[i] += usize::from(*g >= OdorGrade::Light);
            }
        }
    }
    let rule = |hits: &[usize; 4]| {
        let one = (0..4).any(|i| at_least_pct(hits[i], total[i], POINT_ONE_INDICATOR_PCT));
        let two = (0..4)
            .filter(|&i| at_least_pct(hits[i], total[i], POINT_TWO_INDICATORS_PCT))
            .count()
            >= 2;
        one || two
    };
    let grade = if rule(&heavy) {
        OdorGrade::Heavy
    } else if rule(&black) {
        OdorGrade::Light
    } else {
        OdorGrade::NotBlackOdorous
    };
    let pct = |hits: &[usize; 4]| {
        std::array::from_fn(|i| (total[i] > 0).then(|| hits[i] as f64 * 100.0 / total[i] as f64))
    };
    PointResult {
        point: point.code.clone(),
        samples: point.samples.len(),
        grade,
        grade_label: grade.label(),
        heavy_pct: pct(&heavy),
        black_pct: pct(&black),
    }
}

/// 指南 2.2: the grade of a body from its points in order along the body. 60 % or more 重度 points:
/// 重度. Otherwise any black-odorous point makes the body 轻度, with its stretches of three or more
/// consecutive 重度 points reported as 重度 stretches. No black-odorous point: 无黑臭.
pub fn grade_body(body: &SurveyBody) -> BodyResult {
    let mut points: Vec<&SurveyPoint> = body.points.iter().collect();
    // Stable: points without a position keep their order of appearance.
    if points.iter().all(|p| p.position_m.is_some()) {
        points.sort_by_key(|p| p.position_m);
    }
    let results: Vec<PointResult> = points.iter().map(|p| grade_point(p)).collect();
    let heavy_points = results
        .iter()
        .filter(|r| r.grade == OdorGrade::Heavy)
        .count();
    let mut heavy_stretches = Vec::new();
    let mut run_start = None;
    for i in 0..=results.len() {
        let heavy = results.get(i).is_some_and(|r| r.grade == OdorGrade::Heavy);
        match (heavy, run_start) {
            (true, None) => run_start = Some(i),
            (false, Some(s)) => {
                if i - s >= BODY_CONSECUTIVE_POINTS {
                    heavy_stretches.push((results[s].point.clone(), results[i - 1].point.clone()));
                }
                run_start = None;
            }
            _ => {}
        }
    }
    let grade = if at_least_pct(heavy_points, results.len(), BODY_HEAVY_PCT) {
        OdorGrade::Heavy
    } else {
        results
            .iter()
            .map(|r| r.grade.min(OdorGrade::Light))
            .max()
            .unwrap_or(OdorGrade::NotBlackOdorous)
    };
    let mut warnings = Vec::new();
    if results.len() < MIN_POINTS {
        warnings.push(format!(
            "水体“{}”仅{}个检测点（指南要求不少于{MIN_POINTS}个）",
            body.code,
            results.len()
        ));
    }
    for r in &results {
        if r.samples < MIN_SAMPLES {
            warnings.push(format!(
                "水体“{}”检测点“{}”仅{}次检测（指南要求不少于{MIN_SAMPLES}次）",
                body.code, r.point, r.samples
            ));
        }
    }
    BodyResult {
        body: body.code.clone(),
        grade,
        grade_label: grade.label(),
        points: results,
        heavy_points,
        heavy_stretches,
        warnings,
    }
}

/// Grades every surveyed body and computes the elimination ratio over `register`; without a
/// register, the surveyed bodies are the register.
pub fn evaluate(bodies: &[SurveyBody], register: Option<&[RegisteredBody]>) -> BlackOdorReport {
    let results: Vec<BodyResult> = bodies.iter().map(grade_body).collect();
    let mut warnings: Vec<String> = results.iter().flat_map(|b| b.warnings.clone()).collect();
    let implied: Vec<RegisteredBody>;
    let register = match register {
        Some(r) => {
            for b in &results {
                if !r.iter().any(|x| x.code == b.body) {
                    warnings.push(format!(
                        "水体“{}”不在黑臭水体清单中，未计入消除比例",
                        b.body
                    ));
                }
            }
            r
        }
        None => {
            implied = bodies
                .iter()
                .map(|b| RegisteredBody {
                    code: b.code.clone(),
                    name: None,
                    satisfaction_pct: None,
                })
                .collect();
            &implied
        }
    };
    let entries: Vec<EliminationEntry> = register
        .iter()
        .map(|reg| {
            let found = results.iter().find(|b| b.body == reg.code);
            let (eliminated, reason) = match (found, reg.satisfaction_pct) {
                (None, _) => (false, "无监测数据".to_owned()),
                (Some(b), _) if b.grade != OdorGrade::NotBlackOdorous => {
                    (false, format!("监测判定为{}", b.grade_label))
                }
                (Some(_), Some(s)) if s < ELIMINATION_SATISFACTION_PCT => (
                    false,
                    format!("水质无黑臭，但公众满意度{s}%低于{ELIMINATION_SATISFACTION_PCT}%"),
                ),
                (Some(_), Some(s)) => (true, format!("水质无黑臭，公众满意度{s}%")),
                (Some(_), None) => (true, "水质无黑臭（未提供公众满意度）".to_owned()),
            };
            EliminationEntry {
                body: reg.code.clone(),
                name: reg.name.clone(),
                eliminated,
                reason,
            }
        })
        .collect();
    let eliminated = entries.iter().filter(|e| e.eliminated).count();
    let registered = entries.len();
    BlackOdorReport {
        guideline: GUIDELINE,
        bodies: results,
        elimination: Elimination {
            registered,
            eliminated,
            ratio: if registered == 0 {
                0.0
            } else {
                eliminated as f64 * 100.0 / registered as f64
            },
            entries,
        },
        unverified: vec![
            "分级区间端点按闭区间（含端点）判为轻度",
            "水深不足25cm时透明度两个阈值均按水深的40%取值",
            "检测点“无黑臭”按同一判定规则对轻度及以上结果判断",
            "消除判定需公众满意度不低于90%",
        ],
        warnings,
    }
}

const BODY: &[&str] = &["body", "水体", "水体名称", "水体编号"];
const NAME: &[&str] = &["name", "名称"];
const POINT: &[&str] = &["point", "点位", "检测点", "检测点位"];
const DATE: &[&str] = &["date", "日期", "检测日期", "采样日期"];

fn is_one_of(name: &str, names: &[&str]) -> bool {
    names.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// Reads a black-odorous survey file.
///
/// Header: `body`, `point`, `date`, `depth(cm)`, `transparency(cm)`, `DO(mg/L)`, `ORP(mV)`,
/// `NH3-N(mg/L)` (Chinese names 水体, 点位, 日期, 水深, 透明度, 溶解氧, 氧化还原电位, 氨氮 accepted;
/// depth and transparency also in m), and optionally `position(m)` (distance along the body, which
/// orders the points). With `year`, every date must lie in it.
pub fn read_survey(
    r: impl Read,
    file: &str,
    year: Option<i32>,
) -> Result<Vec<SurveyBody>, InputError> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(r);
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| csv_error(file, &e))?
        .iter()
        .map(str::to_owned)
        .collect();
    let herr = |h: &str, msg: String| InputError::new(file, Some(1), Some(h), msg);
    let (mut body_c, mut point_c, mut date_c, mut depth_c, mut pos_c) =
        (None, None, None, None, None);
    let mut ind_c: [Option<(usize, i32)>; 4] = [None; 4];
    for (i, h) in headers.iter().enumerate() {
        let (name, unit) = split_header(h);
        let simple = [
            (BODY, &mut body_c),
            (POINT, &mut point_c),
            (DATE, &mut date_c),
        ];
        let mut matched = false;
        for (names, slot) in simple {
            if is_one_of(name, names) {
                if slot.replace(i).is_some() {
                    return Err(herr(h, format!("列“{name}”重复")));
                }
                matched = true;
            }
        }
        if matched {
            continue;
        }
        let lname = name.to_ascii_lowercase();
        let (kind, units): (Option<usize>, &[(&str, i32)]) = match lname.as_str() {
            "depth" | "水深" => (None, &[("cm", 0), ("m", 2)]),
            "position" | "里程" | "距离" => (Some(99), &[("m", 0), ("km", 3)]),
            "transparency" | "sd" | "透明度" => (Some(0), &[("cm", 0), ("m", 2)]),
            "do" | "溶解氧" => (Some(1), &[("mg/L", 0)]),
            "orp" | "氧化还原电位" => (Some(2), &[("mV", 0)]),
            "nh3-n" | "nh3n" | "氨氮" => (Some(3), &[("mg/L", 0)]),
            _ => {
                return Err(herr(
                    h,
                    format!(
                        "未知列“{name}”；应为 body、point、date、depth、transparency、DO、ORP、NH3-N 或 position"
                    ),
                ));
            }
        };
        let Some(unit) = unit.filter(|u| !u.is_empty()) else {
            return Err(herr(
                h,
                format!("列“{name}”缺少单位，应写作 {name}({})", units[0].0),
            ));
        };
        let Some(&(_, pow)) = units.iter().find(|(u, _)| u.eq_ignore_ascii_case(unit)) else {
            let ok: Vec<&str> = units.iter().map(|u| u.0).collect();
            return Err(herr(
                h,
                format!("列“{name}”的单位“{unit}”无效，可用：{}", ok.join("、")),
            ));
        };
        let slot = match kind {
            None => &mut depth_c,
            Some(99) => &mut pos_c,
            Some(k) => &mut ind_c[k],
        };
        if slot.replace((i, pow)).is_some() {
            return Err(herr(h, format!("列“{name}”重复")));
        }
    }
    for (c, n) in [
        (body_c, "body（水体）"),
        (point_c, "point（点位）"),
        (date_c, "date（日期）"),
    ] {
        if c.is_none() {
            return Err(InputError::new(
                file,
                Some(1),
                None,
                format!("缺少必需的列 {n}"),
            ));
        }
    }
    for (c, ind) in ind_c.iter().zip(Indicator::ALL) {
        if c.is_none() {
            return Err(InputError::new(
                file,
                Some(1),
                None,
                format!("缺少指标列 {}", ind.label()),
            ));
        }
    }
    if depth_c.is_none() {
        return Err(InputError::new(file, Some(1), None, "缺少水深列 depth(cm)"));
    }
    let (body_c, point_c, date_c) = (
        body_c.unwrap_or(0),
        point_c.unwrap_or(0),
        date_c.unwrap_or(0),
    );

    let mut bodies: Vec<SurveyBody> = Vec::new();
    let mut body_idx: HashMap<String, usize> = HashMap::new();
    let mut point_idx: HashMap<(usize, String), usize> = HashMap::new();
    let mut record = csv::StringRecord::new();
    let mut row = 1u64;
    loop {
        match rdr.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(file, &e)),
        }
        row += 1;
        let err = |c: usize, m: String| InputError::new(file, Some(row), Some(&headers[c]), m);
        let num = |c: usize, pow: i32, allow_negative: bool| -> Result<Option<Dec>, InputError> {
            let t = &record[c];
            if t.is_empty() {
                return Ok(None);
            }
            let v = Dec::parse(t).map_err(|e| err(c, number_error(t, e)))?;
            if v.is_negative() && !allow_negative {
                return Err(err(c, format!("数值不能为负数：{t}")));
            }
            v.shift(pow)
                .map(Some)
                .ok_or_else(|| err(c, format!("“{t}”换算后超出可精确表示的小数位数")))
        };
        for c in [body_c, point_c] {
            if record[c].is_empty() {
                return Err(err(c, "不能为空".into()));
            }
        }
        let date = parse_date(&record[date_c]).ok_or_else(|| {
            err(
                date_c,
                format!("日期“{}”无法识别，应为 YYYY-MM-DD", &record[date_c]),
            )
        })?;
        if let Some(y) = year.filter(|y| date.year() != *y) {
            return Err(err(date_c, format!("日期{date}不在评价年份{y}年内")));
        }
        let mut values = [None; 4];
        for (k, c) in ind_c.iter().enumerate() {
            if let Some((c, pow)) = c {
                values[k] = num(*c, *pow, k == Indicator::Orp as usize)?;
            }
        }
        let depth_cm = match depth_c {
            Some((c, pow)) => num(c, pow, false)?,
            None => None,
        };
        if let (Some(_), None, Some((c, _))) = (values[0], depth_cm, depth_c) {
            return Err(err(
                c,
                "有透明度时必须填写水深（用于水深不足25cm的判定）".into(),
            ));
        }
        if values.iter().all(Option::is_none) {
            return Err(InputError::new(file, Some(row), None, "该行四项指标均为空"));
        }
        let position_m = match pos_c {
            Some((c, pow)) => num(c, pow, false)?,
            None => None,
        };
        let b = *body_idx
            .entry(record[body_c].to_owned())
            .or_insert_with(|| {
                bodies.push(SurveyBody {
                    code: record[body_c].to_owned(),
                    points: Vec::new(),
                });
                bodies.len() - 1
            });
        let p = *point_idx
            .entry((b, record[point_c].to_owned()))
            .or_insert_with(|| {
                bodies[b].points.push(SurveyPoint {
                    code: record[point_c].to_owned(),
                    position_m,
                    samples: Vec::new(),
                });
                bodies[b].points.len() - 1
            });
        let point = &mut bodies[b].points[p];
        if point.position_m != position_m
            && let Some((c, _)) = pos_c
        {
            return Err(err(
                c,
                format!("点位“{}”的位置与前面的行不一致", point.code),
            ));
        }
        point.samples.push(SurveySample {
            date,
            depth_cm,
            values,
        });
    }
    Ok(bodies)
}

/// Reads a register of black-odorous bodies: `body`, optional `name`, optional
/// `satisfaction(%)` (公众满意度).
pub fn read_register(r: impl Read, file: &str) -> Result<Vec<RegisteredBody>, InputError> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(r);
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| csv_error(file, &e))?
        .iter()
        .map(str::to_owned)
        .collect();
    let (mut body_c, mut name_c, mut sat_c) = (None, None, None);
    for (i, h) in headers.iter().enumerate() {
        let (name, unit) = split_header(h);
        if is_one_of(name, BODY) {
            body_c = Some(i);
        } else if is_one_of(name, NAME) {
            name_c = Some(i);
        } else if is_one_of(name, &["satisfaction", "公众满意度", "满意度"]) {
            if unit != Some("%") {
                return Err(InputError::new(
                    file,
                    Some(1),
                    Some(h),
                    "满意度列须写作 satisfaction(%)",
                ));
            }
            sat_c = Some(i);
        } else {
            return Err(InputError::new(
                file,
                Some(1),
                Some(h),
                format!("未知列“{name}”；应为 body、name 或 satisfaction(%)"),
            ));
        }
    }
    let body_c =
        body_c.ok_or_else(|| InputError::new(file, Some(1), None, "缺少必需的列 body（水体）"))?;
    let mut out: Vec<RegisteredBody> = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut row = 1u64;
    loop {
        match rdr.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(file, &e)),
        }
        row += 1;
        let code = record[body_c].to_owned();
        if code.is_empty() {
            return Err(InputError::new(
                file,
                Some(row),
                Some(&headers[body_c]),
                "不能为空",
            ));
        }
        if out.iter().any(|b| b.code == code) {
            return Err(InputError::new(
                file,
                Some(row),
                Some(&headers[body_c]),
                format!("水体“{code}”重复"),
            ));
        }
        let satisfaction_pct = match sat_c {
            Some(c) if !record[c].is_empty() => {
                let t = &record[c];
                let v = Dec::parse(t).map_err(|e| {
                    InputError::new(file, Some(row), Some(&headers[c]), number_error(t, e))
                })?;
                if v.is_negative() || v > Dec::from_int(100) {
                    return Err(InputError::new(
                        file,
                        Some(row),
                        Some(&headers[c]),
                        format!("满意度{t}超出0～100"),
                    ));
                }
                Some(v)
            }
            _ => None,
        };
        out.push(RegisteredBody {
            code,
            name: name_c
                .map(|c| record[c].to_owned())
                .filter(|s| !s.is_empty()),
            satisfaction_pct,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Dec {
        Dec::parse(s).unwrap()
    }

    #[test]
    fn every_threshold_of_the_grading_table() {
        use Indicator::*;
        use OdorGrade::*;
        let cases = [
            (Transparency, "25.1", NotBlackOdorous),
            (Transparency, "25", Light),
            (Transparency, "10", Light),
            (Transparency, "9.9", Heavy),
            (Do, "2.01", NotBlackOdorous),
            (Do, "2.0", Light),
            (Do, "0.2", Light),
            (Do, "0.19", Heavy),
            (Orp, "50.1", NotBlackOdorous),
            (Orp, "50", Light),
            (Orp, "-200", Light),
            (Orp, "-200.1", Heavy),
            (Nh3N, "7.99", NotBlackOdorous),
            (Nh3N, "8.0", Light),
            (Nh3N, "15", Light),
            (Nh3N, "15.01", Heavy),
        ];
        for (i, v, want) in cases {
            assert_eq!(grade_value(i, d(v), Some(d("100"))), want, "{i:?} {v}");
        }
    }

    #[test]
    fn shallow_water_uses_forty_percent_of_depth() {
        use OdorGrade::*;
        let t = Indicator::Transparency;
        // depth 20 cm: threshold 8 cm.
        assert_eq!(grade_value(t, d("8"), Some(d("20"))), NotBlackOdorous);
        assert_eq!(grade_value(t, d("7.99"), Some(d("20"))), Heavy);
        // depth exactly 25 cm is not shallow.
        assert_eq!(grade_value(t, d("20"), Some(d("25"))), Light);
        // 40 % of 24.9 is 9.96: exact comparison.
        assert_eq!(grade_value(t, d("9.96"), Some(d("24.9"))), NotBlackOdorous);
        assert_eq!(grade_value(t, d("9.9599"), Some(d("24.9"))), Heavy);
    }

    fn sample(t: &str, dox: &str, orp: &str, nh3: &str) -> SurveySample {
        SurveySample {
            date: NaiveDate::from_ymd_opt(2024, 5, 1).unwrap(),
            depth_cm: Some(d("100")),
            values: [Some(d(t)), Some(d(dox)), Some(d(orp)), Some(d(nh3))],
        }
    }

    const CLEAN: (&str, &str, &str, &str) = ("40", "5", "100", "1");

    fn point(code: &str, samples: Vec<SurveySample>) -> SurveyPoint {
        SurveyPoint {
            code: code.into(),
            position_m: None,
            samples,
        }
    }

    fn clean() -> SurveySample {
        sample(CLEAN.0, CLEAN.1, CLEAN.2, CLEAN.3)
    }

    #[test]
    fn point_is_heavy_when_one_indicator_is_heavy_in_sixty_percent() {
        // 3 of 5 NH3-N results heavy (60 %).
        let s = |nh3| sample("40", "5", "100", nh3);
        let p = point("P1", vec![s("16"), s("16"), s("16"), s("1"), s("1")]);
        assert_eq!(grade_point(&p).grade, OdorGrade::Heavy);
        // 2 of 5 (40 %) with no other indicator: neither rule holds, so the point is clean.
        let p = point("P1", vec![s("16"), s("16"), s("1"), s("1"), s("1")]);
        assert_eq!(grade_point(&p).grade, OdorGrade::NotBlackOdorous);
        // 3 of 5 at 轻度 (60 %): 轻度.
        let p = point("P1", vec![s("9"), s("9"), s("9"), s("1"), s("1")]);
        assert_eq!(grade_point(&p).grade, OdorGrade::Light);
    }

    #[test]
    fn point_is_heavy_when_two_indicators_are_heavy_in_thirty_percent() {
        // 3 of 10 samples with heavy DO and heavy ORP (30 % each).
        let mut v: Vec<SurveySample> = (0..3).map(|_| sample("40", "0.1", "-250", "1")).collect();
        v.extend((0..7).map(|_| clean()));
        assert_eq!(grade_point(&point("P", v.clone())).grade, OdorGrade::Heavy);
        // Only one indicator at 30 %: not heavy; DO black 30 % + ORP black 30 % → 轻度.
        let mut w: Vec<SurveySample> = (0..3).map(|_| sample("40", "0.1", "0", "1")).collect();
        w.extend((0..7).map(|_| clean()));
        assert_eq!(grade_point(&point("P", w)).grade, OdorGrade::Light);
        // 2 of 10 (20 %) for both: clean.
        let mut x: Vec<SurveySample> = (0..2).map(|_| sample("40", "0.1", "-250", "1")).collect();
        x.extend((0..8).map(|_| clean()));
        assert_eq!(
            grade_point(&point("P", x)).grade,
            OdorGrade::NotBlackOdorous
        );
    }

    fn body(grades: &[OdorGrade]) -> SurveyBody {
        let mk = |g: &OdorGrade| match g {
            OdorGrade::Heavy => vec![sample("5", "0.1", "-300", "20"); 3],
            OdorGrade::Light => vec![sample("20", "1", "0", "10"); 3],
            OdorGrade::NotBlackOdorous => vec![clean(); 3],
        };
        SurveyBody {
            code: "B".into(),
            points: grades
                .iter()
                .enumerate()
                .map(|(i, g)| point(&format!("P{}", i + 1), mk(g)))
                .collect(),
        }
    }

    #[test]
    fn body_aggregation_rules() {
        use OdorGrade::*;
        // 3 of 5 points heavy = 60 %: whole body heavy.
        let b = grade_body(&body(&[
            Heavy,
            NotBlackOdorous,
            Heavy,
            NotBlackOdorous,
            Heavy,
        ]));
        assert_eq!(b.grade, Heavy);
        assert!(b.heavy_stretches.is_empty());
        // 3 consecutive heavy of 6 (50 %): body 轻度 with a heavy stretch P2–P4.
        let b = grade_body(&body(&[Light, Heavy, Heavy, Heavy, NotBlackOdorous, Light]));
        assert_eq!(b.grade, Light);
        assert_eq!(b.heavy_stretches, vec![("P2".to_owned(), "P4".to_owned())]);
        // 2 consecutive heavy of 6: no stretch.
        let b = grade_body(&body(&[Heavy, Heavy, Light, Light, Light, Light]));
        assert!(b.heavy_stretches.is_empty());
        assert_eq!(b.grade, Light);
        // All clean.
        let b = grade_body(&body(&[NotBlackOdorous; 3]));
        assert_eq!(b.grade, NotBlackOdorous);
        assert!(b.warnings.is_empty());
        // Too few points is a warning, not an error.
        let b = grade_body(&body(&[NotBlackOdorous; 2]));
        assert_eq!(b.warnings.len(), 1);
    }

    #[test]
    fn points_are_ordered_by_position_when_given() {
        use OdorGrade::*;
        let mut b = body(&[Heavy, NotBlackOdorous, Heavy, Heavy]);
        // Positions put P2 (clean) last: P1, P3, P4 become consecutive.
        for (p, pos) in b.points.iter_mut().zip(["0", "900", "300", "600"]) {
            p.position_m = Some(d(pos));
        }
        let r = grade_body(&b);
        assert_eq!(r.heavy_stretches, vec![("P1".to_owned(), "P4".to_owned())]);
        assert_eq!(r.grade, Heavy); // 3 of 4
    }

    #[test]
    fn elimination_ratio_over_the_register() {
        use OdorGrade::*;
        let mut a = body(&[NotBlackOdorous; 3]);
        a.code = "A".into();
        let mut b = body(&[Light; 3]);
        b.code = "B".into();
        let mut c = body(&[NotBlackOdorous; 3]);
        c.code = "C".into();
        let reg = |code: &str, sat: Option<&str>| RegisteredBody {
            code: code.into(),
            name: None,
            satisfaction_pct: sat.map(d),
        };
        let register = [
            reg("A", Some("95")),
            reg("B", None),
            reg("C", Some("85")),
            reg("D", None),
        ];
        let r = evaluate(&[a, b, c], Some(&register));
        assert_eq!(r.elimination.registered, 4);
        assert_eq!(r.elimination.eliminated, 1);
        assert!((r.elimination.ratio - 25.0).abs() < 1e-12);
        let reasons: Vec<&str> = r
            .elimination
            .entries
            .iter()
            .map(|e| e.reason.as_str())
            .collect();
        assert!(reasons[1].contains("轻度黑臭"));
        assert!(reasons[2].contains("低于90%"));
        assert_eq!(reasons[3], "无监测数据");
    }

    proptest::proptest! {
        /// Making one indicator dirtier never improves its grade, at any depth.
        #[test]
        fn dirtier_values_never_grade_better(
            ind in 0usize..4,
            a in -5_000_000_000_000i64..5_000_000_000_000,
            step in 0i64..1_000_000_000_000,
            depth in proptest::option::of(0i64..2_000_000_000_000),
        ) {
            let ind = Indicator::ALL[ind];
            let depth = depth.map(Dec::from_raw);
            let v = Dec::from_raw(a);
            let dirtier = if GRADING_TABLE[ind as usize].higher_is_cleaner {
                Dec::from_raw(a - step)
            } else {
                Dec::from_raw(a + step)
            };
            proptest::prop_assert!(grade_value(ind, dirtier, depth) >= grade_value(ind, v, depth));
        }
    }

    #[test]
    fn survey_reader_checks_units_dates_and_values() {
        let head = "body,point,date,depth(cm),transparency(cm),DO(mg/L),ORP(mV),NH3-N(mg/L)\n";
        let ok = format!("{head}B1,P1,2024-05-01,80,30,3.1,-120,9.5\n");
        let b = read_survey(ok.as_bytes(), "s.csv", Some(2024)).unwrap();
        assert_eq!(b[0].points[0].samples[0].values[2], Some(d("-120")));
        let cases = [
            (
                format!("{head}B1,P1,2023-05-01,80,30,3.1,-120,9.5\n"),
                Some(2),
                "不在评价年份",
            ),
            (
                format!("{head}B1,P1,2024-05-01,80,30,-3.1,-120,9.5\n"),
                Some(2),
                "负数",
            ),
            (
                format!("{head}B1,P1,2024-05-01,,30,3.1,-120,9.5\n"),
                Some(2),
                "水深",
            ),
            (head.replace("ORP(mV)", "ORP"), Some(1), "缺少单位"),
            (head.replace("ORP(mV)", "COD(mg/L)"), Some(1), "未知列"),
        ];
        for (text, row, msg) in cases {
            let e = read_survey(text.as_bytes(), "s.csv", Some(2024)).unwrap_err();
            assert_eq!(e.location.row, row, "{text}");
            assert!(e.message.contains(msg), "{}", e.message);
        }
    }
}
