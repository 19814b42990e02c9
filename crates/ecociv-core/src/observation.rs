//! Indicator values (指标值) and targets assigned by the superior authority (上级下达目标), and the
//! CSV files they come in.
//!
//! Values CSV: UTF-8, header `indicator,region,period,value,source` (source optional). Indicators
//! and regions may be given by code or by Chinese name; yes/no indicators take 是/否.
//! Assigned targets CSV: `indicator,region,year,threshold,document`, where `threshold` is a
//! comparison or change (`<= 45`, `change >= 5%`) and `document` names the issuing document.

use std::collections::HashMap;
use std::fmt;

use crate::indicator::Aggregate;
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

/// One year's monthly and quarterly values of an indicator and region.
#[derive(Debug, Default)]
struct Parts {
    months: [Option<(f64, ValueState)>; 12],
    quarters: [Option<(f64, ValueState)>; 4],
}

impl Parts {
    /// The year these periods make under `aggregate`, with its state and a source saying how it
    /// was made: from all 12 months, else all 4 quarters, else none.
    fn year(&self, aggregate: Aggregate) -> Option<(f64, ValueState, String)> {
        let (periods, word): (Vec<(f64, ValueState)>, &str) =
            if self.months.iter().all(Option::is_some) {
                (self.months.iter().flatten().copied().collect(), "月度")
            } else if self.quarters.iter().all(Option::is_some) {
                (self.quarters.iter().flatten().copied().collect(), "季度")
            } else {
                return None;
            };
        let n = periods.len();
        let values = periods.iter().map(|(v, _)| *v);
        let (value, how) = match aggregate {
            Aggregate::Annual => return None,
            Aggregate::Sum => (values.sum::<f64>(), "之和"),
            Aggregate::Mean => (values.sum::<f64>() / n as f64, "的平均值"),
            Aggregate::Last => (periods[n - 1].0, "中的末期值"),
        };
        // Sums of decimals carry binary noise (0.1 + 0.2): keep ten significant decimals.
        let value = (value * 1e10).round() / 1e10;
        let state = if periods.iter().all(|(_, s)| *s == ValueState::Approved) {
            ValueState::Approved
        } else {
            ValueState::Pending
        };
        Some((value, state, format!("由{n}个{word}值{how}得出")))
    }
}

/// Annual values indexed by (indicator, region), each series sorted by year. The index is dense
/// (indicator × region positions), so lookups during evaluation cost no hashing.
#[derive(Debug, Clone, Default)]
pub struct ValueSet {
    series: Vec<Vec<Point>>,
    regions: usize,
    sub_annual: usize,
}

impl ValueSet {
    /// Builds the index of annual values. Later observations for the same indicator, region and
    /// year replace earlier ones (a correction is a newer version). Monthly and quarterly values
    /// are counted, not evaluated ([`ValueSet::for_plan`] derives years from them).
    pub fn new(observations: impl IntoIterator<Item = Observation>) -> ValueSet {
        ValueSet::build(observations, &[])
    }

    /// [`ValueSet::new`] for a plan's indicators: a year with no annual value of its own takes
    /// the value its complete months (or else quarters) make under the indicator's
    /// [`Aggregate`] (汇总方式); approved only when every period is.
    pub fn for_plan(plan: &Plan, observations: impl IntoIterator<Item = Observation>) -> ValueSet {
        let aggregates: Vec<Aggregate> = plan.indicators.iter().map(|i| i.aggregate).collect();
        ValueSet::build(observations, &aggregates)
    }

    fn build(
        observations: impl IntoIterator<Item = Observation>,
        aggregates: &[Aggregate],
    ) -> ValueSet {
        let mut annual: Vec<(usize, usize, Point)> = Vec::new();
        let mut sub_annual = 0;
        // (indicator, region, year) → the year's months and quarters, the later row winning.
        let mut parts: HashMap<(usize, usize, i32), Parts> = HashMap::new();
        for o in observations {
            let Period::Year(year) = o.period else {
                sub_annual += 1;
                let aggregate = aggregates.get(o.indicator).copied().unwrap_or_default();
                if aggregate != Aggregate::Annual {
                    let entry = parts
                        .entry((o.indicator, o.region, o.period.year()))
                        .or_default();
                    let slot = match o.period {
                        Period::Month(_, m) => entry.months.get_mut(usize::from(m).wrapping_sub(1)),
                        Period::Quarter(_, q) => {
                            entry.quarters.get_mut(usize::from(q).wrapping_sub(1))
                        }
                        Period::Year(_) => None,
                    };
                    if let Some(slot) = slot {
                        *slot = Some((o.value, o.state));
                    }
                }
                continue;
            };
            annual.push((
                o.indicator,
                o.region,
                Point {
                    year,
                    value: o.value,
                    state: o.state,
                    source: o.source,
                },
            ));
        }
        if !parts.is_empty() {
            let reported: std::collections::HashSet<(usize, usize, i32)> =
                annual.iter().map(|(i, r, p)| (*i, *r, p.year)).collect();
            let mut derived: Vec<(usize, usize, Point)> = parts
                .into_iter()
                .filter(|(key, _)| !reported.contains(key))
                .filter_map(|((i, r, year), p)| {
                    let aggregate = aggregates.get(i).copied().unwrap_or_default();
                    p.year(aggregate).map(|(value, state, source)| {
                        (
                            i,
                            r,
                            Point {
                                year,
                                value,
                                state,
                                source: Some(source),
                            },
                        )
                    })
                })
                .collect();
            // A stable order, whatever the hash map's.
            derived.sort_by_key(|(i, r, p)| (*i, *r, p.year));
            annual.extend(derived);
        }
        let regions = annual.iter().map(|(_, r, _)| r + 1).max().unwrap_or(0);
        let indicators = annual.iter().map(|(i, _, _)| i + 1).max().unwrap_or(0);
        let mut series: Vec<Vec<Point>> = vec![Vec::new(); indicators * regions];
        for (i, r, p) in annual {
            series[i * regions + r].push(p);
        }
        for s in &mut series {
            // A stable sort keeps input order within a year; the last one wins.
            s.sort_by_key(|p| p.year);
            let mut k = 0;
            for j in 0..s.len() {
                if k > 0 && s[k - 1].year == s[j].year {
                    s.swap(k - 1, j);
                } else {
                    s.swap(k, j);
                    k += 1;
                }
            }
            s.truncate(k);
        }
        ValueSet {
            series,
            regions,
            sub_annual,
        }
    }

    pub fn series(&self, indicator: usize, region: usize) -> &[Point] {
        if region >= self.regions {
            return &[];
        }
        self.series
            .get(indicator * self.regions + region)
            .map_or(&[], Vec::as_slice)
    }

    /// (indicator, region) pairs with at least one annual value.
    pub fn keys(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        let regions = self.regions;
        self.series
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.is_empty())
            .map(move |(k, _)| (k / regions, k % regions))
    }

    pub fn len(&self) -> usize {
        self.series.iter().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.series.iter().all(Vec::is_empty)
    }

    /// Values for quarters or months (evaluation uses them only where they make a year).
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

/// One data row of a CSV file being read: its cells by column name, its row number for errors.
struct Row<'a> {
    file: &'a str,
    number: u64,
    index: &'a HashMap<String, usize>,
    record: &'a csv::StringRecord,
}

impl Row<'_> {
    fn get(&self, name: &str) -> &str {
        self.index
            .get(name)
            .and_then(|&i| self.record.get(i))
            .unwrap_or("")
            .trim()
    }

    fn err(&self, field: &str, message: impl Into<String>) -> RowError {
        RowError {
            file: self.file.to_owned(),
            row: self.number,
            field: field.to_owned(),
            message: message.into(),
        }
    }

    fn indicator(&self, plan: &Plan) -> Result<usize, RowError> {
        let key = self.get("indicator");
        plan.find_indicator(key)
            .ok_or_else(|| self.err("indicator", format!("未知的指标“{key}”")))
    }

    fn region(&self, plan: &Plan) -> Result<usize, RowError> {
        let key = self.get("region");
        plan.find_region(key)
            .ok_or_else(|| self.err("region", format!("未知的行政区“{key}”")))
    }
}

/// Reads a CSV file: checks the header (the `required` columns, and no others than `optional`),
/// turns each data row into a value with `parse`, and reports every bad row. Rows whose key
/// repeats an earlier row's are errors too.
fn parse_rows<K: std::hash::Hash + Eq, T>(
    file: &str,
    text: &str,
    required: &[&str],
    optional: &[&str],
    duplicate: &str,
    mut parse: impl FnMut(&Row<'_>) -> Result<(K, T), RowError>,
) -> Parsed<T> {
    let mut out = Parsed {
        rows: Vec::new(),
        errors: Vec::new(),
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::None)
        .from_reader(text.as_bytes());
    let header_error = |message: String| RowError {
        file: file.to_owned(),
        row: 1,
        field: String::new(),
        message,
    };
    let expected = || {
        format!(
            "{}{}",
            required.join(","),
            optional.iter().map(|o| format!(",{o}")).collect::<String>()
        )
    };
    let header = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            out.errors.push(header_error(format!("无法读取表头: {e}")));
            return out;
        }
    };
    let mut index = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        let h = h.trim().trim_start_matches('\u{feff}').to_owned();
        if !required.contains(&h.as_str()) && !optional.contains(&h.as_str()) {
            out.errors.push(header_error(format!(
                "未知的列“{h}”，表头应为 {}",
                expected()
            )));
            return out;
        }
        if index.insert(h.clone(), i).is_some() {
            out.errors.push(header_error(format!("列“{h}”重复")));
            return out;
        }
    }
    if let Some(missing) = required.iter().find(|r| !index.contains_key(**r)) {
        out.errors.push(header_error(format!(
            "缺少列“{missing}”，表头应为 {}",
            expected()
        )));
        return out;
    }
    let mut seen: HashMap<K, u64> = HashMap::new();
    for (i, record) in reader.records().enumerate() {
        let number = i as u64 + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let message = format!("CSV 格式错误: {e}");
                out.errors.push(RowError {
                    file: file.to_owned(),
                    row: number,
                    field: String::new(),
                    message,
                });
                continue;
            }
        };
        let row = Row {
            file,
            number,
            index: &index,
            record: &record,
        };
        match parse(&row) {
            Ok((key, value)) => match seen.get(&key) {
                Some(first) => out
                    .errors
                    .push(row.err("", format!("与第{first}行重复（{duplicate}）"))),
                None => {
                    seen.insert(key, number);
                    out.rows.push(value);
                }
            },
            Err(e) => out.errors.push(e),
        }
    }
    out
}

/// Parses a values CSV against a plan. Every bad row is reported; good rows are returned so that
/// callers can decide (all-or-nothing, or skip invalid rows on request).
pub fn parse_values_csv(file: &str, text: &str, plan: &Plan) -> Parsed<Observation> {
    let required = ["indicator", "region", "period", "value"];
    parse_rows(
        file,
        text,
        &required,
        &["source"],
        "同一指标、地区和报告期",
        |row| {
            let indicator = row.indicator(plan)?;
            let region = row.region(plan)?;
            let period = row
                .get("period")
                .parse::<Period>()
                .map_err(|e| row.err("period", e.to_string()))?;
            if period.year() <= plan.base_year - 10 || period.year() > plan.end_year {
                let range = format!("{}–{}年", plan.base_year - 9, plan.end_year);
                return Err(row.err("period", format!("报告期{period}超出方案范围（{range}）")));
            }
            let value = plan.indicators[indicator]
                .parse_value(row.get("value"))
                .map_err(|e| row.err("value", e.to_string()))?;
            let source = Some(row.get("source"))
                .filter(|s| !s.is_empty())
                .map(str::to_owned);
            let observation = Observation {
                indicator,
                region,
                period,
                value,
                source,
                state: ValueState::Approved,
            };
            Ok(((indicator, region, period), observation))
        },
    )
}

/// Parses an assigned-targets CSV against a plan.
pub fn parse_assigned_csv(file: &str, text: &str, plan: &Plan) -> Parsed<AssignedTarget> {
    let required = ["indicator", "region", "year", "threshold", "document"];
    parse_rows(
        file,
        text,
        &required,
        &[],
        "同一指标、地区和年份",
        |row| {
            let indicator = row.indicator(plan)?;
            let region = row.region(plan)?;
            let year = match row.get("year").parse::<Period>() {
                Ok(Period::Year(y)) => y,
                _ => return Err(row.err("year", format!("“{}”不是年份", row.get("year")))),
            };
            let threshold = match row.get("threshold").parse::<Threshold>() {
                Ok(t @ (Threshold::Compare { .. } | Threshold::Change { .. })) => t,
                Ok(_) => {
                    let message = "上级下达目标须是比较（如 <= 45）或变化率（如 change >= 5%）";
                    return Err(row.err("threshold", message));
                }
                Err(e) => return Err(row.err("threshold", e.to_string())),
            };
            if let Threshold::Compare { value, .. } = threshold {
                plan.indicators[indicator]
                    .check_value(value)
                    .map_err(|e| row.err("threshold", e.to_string()))?;
            }
            let document = row.get("document").to_owned();
            if document.is_empty() {
                return Err(row.err("document", "须注明下达目标的文件（文号）"));
            }
            Ok((
                (indicator, region, year),
                AssignedTarget {
                    indicator,
                    region,
                    year,
                    threshold,
                    document,
                },
            ))
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(i: usize, r: usize, y: i32, v: f64) -> Observation {
        Observation {
            indicator: i,
            region: r,
            period: Period::Year(y),
            value: v,
            source: None,
            state: ValueState::Approved,
        }
    }

    #[test]
    fn series_are_sorted_by_year_and_later_rows_win() {
        let set = ValueSet::new([
            obs(1, 2, 2022, 5.0),
            obs(1, 2, 2020, 1.0),
            obs(1, 2, 2022, 6.0),
            obs(1, 2, 2021, 3.0),
            obs(0, 0, 2020, 9.0),
        ]);
        let years: Vec<(i32, f64)> = set.series(1, 2).iter().map(|p| (p.year, p.value)).collect();
        assert_eq!(years, [(2020, 1.0), (2021, 3.0), (2022, 6.0)]);
        assert_eq!(set.len(), 4);
        assert!(set.series(5, 5).is_empty() && set.series(0, 9).is_empty());
        let mut keys: Vec<_> = set.keys().collect();
        keys.sort();
        assert_eq!(keys, [(0, 0), (1, 2)]);
    }

    #[test]
    fn sub_annual_values_are_counted_not_evaluated() {
        let mut q = obs(0, 0, 2020, 1.0);
        q.period = Period::Quarter(2020, 1);
        let set = ValueSet::new([q]);
        assert!(set.is_empty());
        assert_eq!(set.sub_annual_count(), 1);
    }

    fn month(i: usize, y: i32, m: u8, v: f64) -> Observation {
        Observation {
            period: Period::Month(y, m),
            ..obs(i, 0, y, v)
        }
    }

    fn quarter(i: usize, y: i32, q: u8, v: f64) -> Observation {
        Observation {
            period: Period::Quarter(y, q),
            ..obs(i, 0, y, v)
        }
    }

    #[test]
    fn a_year_is_made_from_its_complete_months_as_the_method_says() {
        use Aggregate::*;
        // Indicator 0 sums, 1 averages, 2 takes December, 3 counts annual values only.
        let aggregates = [Sum, Mean, Last, Annual];
        let mut o = Vec::new();
        for i in 0..4 {
            for m in 1..=12 {
                o.push(month(i, 2024, m, f64::from(m) / 10.0));
            }
        }
        let set = ValueSet::build(o.clone(), &aggregates);
        let year = |i: usize| set.series(i, 0).first().map(|p| p.value);
        assert_eq!(
            year(0),
            Some(7.8),
            "0.1 + 0.2 + … + 1.2, without binary noise"
        );
        assert_eq!(year(1), Some(0.65));
        assert_eq!(year(2), Some(1.2));
        assert_eq!(year(3), None, "an annual-only indicator is not derived");
        assert_eq!(
            set.series(0, 0)[0].source.as_deref(),
            Some("由12个月度值之和得出")
        );
        assert_eq!(set.series(0, 0)[0].state, ValueState::Approved);

        // A reported annual value wins over the months.
        let mut with_annual = o.clone();
        with_annual.push(obs(0, 0, 2024, 9.0));
        assert_eq!(
            ValueSet::build(with_annual, &aggregates).series(0, 0)[0].value,
            9.0
        );

        // Eleven months make no year; one pending month makes the year pending; the later row
        // of a month wins.
        let eleven: Vec<Observation> = o
            .iter()
            .filter(|x| x.period != Period::Month(2024, 7) || x.indicator != 0)
            .cloned()
            .collect();
        assert!(ValueSet::build(eleven, &aggregates).series(0, 0).is_empty());
        let mut pending = o.clone();
        pending[3].state = ValueState::Pending;
        assert_eq!(
            ValueSet::build(pending, &aggregates).series(0, 0)[0].state,
            ValueState::Pending
        );
        let mut corrected = o.clone();
        corrected.push(month(0, 2024, 12, 2.2));
        assert_eq!(
            ValueSet::build(corrected, &aggregates).series(0, 0)[0].value,
            8.8
        );
    }

    #[test]
    fn quarters_make_the_year_when_the_months_do_not() {
        let aggregates = [Aggregate::Sum];
        let mut o: Vec<Observation> = (1..=4).map(|q| quarter(0, 2023, q, 2.5)).collect();
        o.push(month(0, 2023, 1, 100.0));
        let set = ValueSet::build(o, &aggregates);
        assert_eq!(set.series(0, 0)[0].value, 10.0);
        assert_eq!(
            set.series(0, 0)[0].source.as_deref(),
            Some("由4个季度值之和得出")
        );
        // Three quarters are not a year.
        let three: Vec<Observation> = (1..=3).map(|q| quarter(0, 2023, q, 2.5)).collect();
        assert!(ValueSet::build(three, &aggregates).is_empty());
    }
}
