//! Indicator values (指标值) and targets assigned by the superior authority (上级下达目标), and the
//! CSV files they come in.
//!
//! Values CSV: UTF-8, header `indicator,region,period,value,source` (source optional). Indicators
//! and regions may be given by code or by Chinese name; yes/no indicators take 是/否.
//! Assigned targets CSV: `indicator,region,year,threshold,document`, where `threshold` is a
//! comparison or change (`<= 45`, `change >= 5%`) and `document` names the issuing document.

use std::collections::HashMap;
use std::fmt;

use crate::period::Period;
use crate::plan::Plan;
use crate::threshold::Threshold;

/// Whether a value has been approved. Only approved values decide a status; others give 待审核.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueState {
    Approved,
    Pending,
}

/// One value of an indicator for a region and period.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// Position in `Plan::indicators`.
    pub indicator: usize,
    /// Position in `Plan::regions`.
    pub region: usize,
    pub period: Period,
    pub value: f64,
    pub source: Option<String>,
    pub state: ValueState,
}

/// An annual value as evaluation sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub year: i32,
    pub value: f64,
    pub state: ValueState,
    pub source: Option<String>,
}

/// Annual values indexed by (indicator, region), each series sorted by year.
#[derive(Debug, Clone, Default)]
pub struct ValueSet {
    series: HashMap<(usize, usize), Vec<Point>>,
    sub_annual: usize,
}

impl ValueSet {
    /// Builds the index. Later observations for the same indicator, region and year replace
    /// earlier ones (a correction is a newer version).
    pub fn new(observations: impl IntoIterator<Item = Observation>) -> ValueSet {
        let mut set = ValueSet::default();
        for o in observations {
            let Period::Year(year) = o.period else {
                set.sub_annual += 1;
                continue;
            };
            let s = set.series.entry((o.indicator, o.region)).or_default();
            let p = Point {
                year,
                value: o.value,
                state: o.state,
                source: o.source,
            };
            match s.binary_search_by_key(&year, |p| p.year) {
                Ok(i) => s[i] = p,
                Err(i) => s.insert(i, p),
            }
        }
        set
    }

    pub fn series(&self, indicator: usize, region: usize) -> &[Point] {
        self.series
            .get(&(indicator, region))
            .map_or(&[], Vec::as_slice)
    }

    /// (indicator, region) pairs with at least one annual value.
    pub fn keys(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.series.keys().copied()
    }

    pub fn len(&self) -> usize {
        self.series.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }

    /// Values for quarters or months, which annual evaluation does not use.
    pub fn sub_annual_count(&self) -> usize {
        self.sub_annual
    }
}

/// A target assigned by the superior authority for one year, with its source document.
#[derive(Debug, Clone, PartialEq)]
pub struct AssignedTarget {
    pub indicator: usize,
    pub region: usize,
    pub year: i32,
    /// A comparison or a change; never itself `superior`.
    pub threshold: Threshold,
    pub document: String,
}

/// Assigned targets indexed by (indicator, region, year).
#[derive(Debug, Clone, Default)]
pub struct AssignedSet {
    map: HashMap<(usize, usize, i32), AssignedTarget>,
}

impl AssignedSet {
    pub fn new(targets: impl IntoIterator<Item = AssignedTarget>) -> AssignedSet {
        AssignedSet {
            map: targets
                .into_iter()
                .map(|t| ((t.indicator, t.region, t.year), t))
                .collect(),
        }
    }

    pub fn get(&self, indicator: usize, region: usize, year: i32) -> Option<&AssignedTarget> {
        self.map.get(&(indicator, region, year))
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// A problem with one row of an input file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowError {
    pub file: String,
    /// 1-based, the header being row 1, as spreadsheets count.
    pub row: u64,
    pub field: String,
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} 第{}行", self.file, self.row)?;
        if !self.field.is_empty() {
            write!(f, " {}", self.field)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The outcome of reading a CSV file: the good rows and a report of the bad ones.
#[derive(Debug, Clone)]
pub struct Parsed<T> {
    pub rows: Vec<T>,
    pub errors: Vec<RowError>,
}

struct Columns {
    index: HashMap<String, usize>,
}

impl Columns {
    fn get<'r>(&self, rec: &'r csv::StringRecord, name: &str) -> &'r str {
        self.index
            .get(name)
            .and_then(|&i| rec.get(i))
            .unwrap_or("")
            .trim()
    }
}

/// Reads the header, requiring `required` columns and allowing only `required` and `optional`.
fn read_header(
    file: &str,
    reader: &mut csv::Reader<&[u8]>,
    required: &[&str],
    optional: &[&str],
) -> Result<Columns, RowError> {
    let err = |message: String| RowError {
        file: file.to_owned(),
        row: 1,
        field: String::new(),
        message,
    };
    let header = reader
        .headers()
        .map_err(|e| err(format!("无法读取表头: {e}")))?
        .clone();
    let mut index = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        let h = h.trim().trim_start_matches('\u{feff}').to_owned();
        if !required.contains(&h.as_str()) && !optional.contains(&h.as_str()) {
            return Err(err(format!(
                "未知的列“{h}”，表头应为 {}{}",
                required.join(","),
                optional.iter().map(|o| format!(",{o}")).collect::<String>()
            )));
        }
        if index.insert(h.clone(), i).is_some() {
            return Err(err(format!("列“{h}”重复")));
        }
    }
    if let Some(missing) = required.iter().find(|r| !index.contains_key(**r)) {
        return Err(err(format!(
            "缺少列“{missing}”，表头应为 {}",
            required.join(",")
        )));
    }
    Ok(Columns { index })
}

fn csv_reader(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::None)
        .from_reader(text.as_bytes())
}

/// Parses a values CSV against a plan. Every bad row is reported; good rows are returned so that
/// callers can decide (all-or-nothing, or skip invalid rows on request).
pub fn parse_values_csv(file: &str, text: &str, plan: &Plan) -> Parsed<Observation> {
    let mut out = Parsed {
        rows: Vec::new(),
        errors: Vec::new(),
    };
    let mut reader = csv_reader(text);
    let cols = match read_header(
        file,
        &mut reader,
        &["indicator", "region", "period", "value"],
        &["source"],
    ) {
        Ok(c) => c,
        Err(e) => {
            out.errors.push(e);
            return out;
        }
    };
    let mut seen: HashMap<(usize, usize, Period), u64> = HashMap::new();
    for (i, rec) in reader.records().enumerate() {
        let row = i as u64 + 2;
        let err = |field: &str, message: String| RowError {
            file: file.to_owned(),
            row,
            field: field.to_owned(),
            message,
        };
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                out.errors.push(err("", format!("CSV 格式错误: {e}")));
                continue;
            }
        };
        let ind_key = cols.get(&rec, "indicator");
        let Some(indicator) = plan.find_indicator(ind_key) else {
            out.errors
                .push(err("indicator", format!("未知的指标“{ind_key}”")));
            continue;
        };
        let reg_key = cols.get(&rec, "region");
        let Some(region) = plan.find_region(reg_key) else {
            out.errors
                .push(err("region", format!("未知的行政区“{reg_key}”")));
            continue;
        };
        let period = match cols.get(&rec, "period").parse::<Period>() {
            Ok(p) => p,
            Err(e) => {
                out.errors.push(err("period", e.to_string()));
                continue;
            }
        };
        if period.year() <= plan.base_year - 10 || period.year() > plan.end_year {
            out.errors.push(err(
                "period",
                format!(
                    "报告期{period}超出方案范围（{}–{}年）",
                    plan.base_year - 9,
                    plan.end_year
                ),
            ));
            continue;
        }
        let ind = &plan.indicators[indicator];
        let value = match ind.parse_value(cols.get(&rec, "value")) {
            Ok(v) => v,
            Err(e) => {
                out.errors.push(err("value", e));
                continue;
            }
        };
        if let Some(first) = seen.insert((indicator, region, period), row) {
            out.errors.push(err(
                "",
                format!("与第{first}行重复（同一指标、地区和报告期）"),
            ));
            continue;
        }
        let source = Some(cols.get(&rec, "source"))
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        out.rows.push(Observation {
            indicator,
            region,
            period,
            value,
            source,
            state: ValueState::Approved,
        });
    }
    out
}

/// Parses an assigned-targets CSV against a plan.
pub fn parse_assigned_csv(file: &str, text: &str, plan: &Plan) -> Parsed<AssignedTarget> {
    let mut out = Parsed {
        rows: Vec::new(),
        errors: Vec::new(),
    };
    let mut reader = csv_reader(text);
    let cols = match read_header(
        file,
        &mut reader,
        &["indicator", "region", "year", "threshold", "document"],
        &[],
    ) {
        Ok(c) => c,
        Err(e) => {
            out.errors.push(e);
            return out;
        }
    };
    let mut seen: HashMap<(usize, usize, i32), u64> = HashMap::new();
    for (i, rec) in reader.records().enumerate() {
        let row = i as u64 + 2;
        let err = |field: &str, message: String| RowError {
            file: file.to_owned(),
            row,
            field: field.to_owned(),
            message,
        };
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                out.errors.push(err("", format!("CSV 格式错误: {e}")));
                continue;
            }
        };
        let ind_key = cols.get(&rec, "indicator");
        let Some(indicator) = plan.find_indicator(ind_key) else {
            out.errors
                .push(err("indicator", format!("未知的指标“{ind_key}”")));
            continue;
        };
        let reg_key = cols.get(&rec, "region");
        let Some(region) = plan.find_region(reg_key) else {
            out.errors
                .push(err("region", format!("未知的行政区“{reg_key}”")));
            continue;
        };
        let year = match cols.get(&rec, "year").parse::<Period>() {
            Ok(Period::Year(y)) => y,
            _ => {
                out.errors
                    .push(err("year", format!("“{}”不是年份", cols.get(&rec, "year"))));
                continue;
            }
        };
        let threshold = match cols.get(&rec, "threshold").parse::<Threshold>() {
            Ok(t @ (Threshold::Compare { .. } | Threshold::Change { .. })) => t,
            Ok(_) => {
                out.errors.push(err(
                    "threshold",
                    "上级下达目标须是比较（如 <= 45）或变化率（如 change >= 5%）".into(),
                ));
                continue;
            }
            Err(e) => {
                out.errors.push(err("threshold", e.to_string()));
                continue;
            }
        };
        if let Threshold::Compare { value, .. } = threshold
            && let Err(e) = plan.indicators[indicator].check_value(value)
        {
            out.errors.push(err("threshold", e));
            continue;
        }
        let document = cols.get(&rec, "document").to_owned();
        if document.is_empty() {
            out.errors
                .push(err("document", "须注明下达目标的文件（文号）".into()));
            continue;
        }
        if let Some(first) = seen.insert((indicator, region, year), row) {
            out.errors.push(err(
                "",
                format!("与第{first}行重复（同一指标、地区和年份）"),
            ));
            continue;
        }
        out.rows.push(AssignedTarget {
            indicator,
            region,
            year,
            threshold,
            document,
        });
    }
    out
}
