//! Indicator history: the annual values behind charts and open data, keyed by codes rather than
//! by positions in a plan so that the store can fill it from rows without loading a plan first.

use std::collections::BTreeMap;

use ecociv_core::{Plan, ValueSet, ValueState};

/// One annual value.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HistoryPoint {
    pub year: i32,
    pub value: f64,
    /// Only approved values are published as open data; charts show both.
    pub approved: bool,
    /// Where the value came from (a department, a standards engine run, 示例数据).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// Annual values per (indicator code, region code), each series sorted by year with at most one
/// value per year.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    series: BTreeMap<(String, String), Vec<HistoryPoint>>,
}

impl History {
    pub fn new() -> History {
        History::default()
    }

    /// Adds a value; a later value for the same indicator, region and year replaces the earlier
    /// one (a correction is a newer version).
    pub fn insert(&mut self, indicator: &str, region: &str, point: HistoryPoint) {
        let s = self
            .series
            .entry((indicator.to_owned(), region.to_owned()))
            .or_default();
        match s.binary_search_by_key(&point.year, |p| p.year) {
            Ok(i) => s[i] = point,
            Err(i) => s.insert(i, point),
        }
    }

    /// The series of an indicator for a region, oldest first; empty when there is none.
    pub fn series(&self, indicator: &str, region: &str) -> &[HistoryPoint] {
        self.series
            .get(&(indicator.to_owned(), region.to_owned()))
            .map_or(&[], Vec::as_slice)
    }

    /// Every series, ordered by indicator code then region code.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str, &[HistoryPoint])> {
        self.series
            .iter()
            .map(|((i, r), s)| (i.as_str(), r.as_str(), s.as_slice()))
    }

    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }

    /// Builds the history from the annual values evaluation uses.
    pub fn from_values(plan: &Plan, values: &ValueSet) -> History {
        let mut h = History::new();
        for (i, r) in values.keys() {
            let (Some(ind), Some(reg)) = (plan.indicators.get(i), plan.regions.get(r)) else {
                continue;
            };
            for p in values.series(i, r) {
                h.insert(
                    &ind.code,
                    &reg.code,
                    HistoryPoint {
                        year: p.year,
                        value: p.value,
                        approved: p.state == ValueState::Approved,
                        source: p.source.clone(),
                    },
                );
            }
        }
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pt(year: i32, value: f64) -> HistoryPoint {
        HistoryPoint {
            year,
            value,
            approved: true,
            source: None,
        }
    }

    #[test]
    fn series_are_sorted_and_a_correction_replaces_the_earlier_value() {
        let mut h = History::new();
        h.insert("x", "r", pt(2021, 2.0));
        h.insert("x", "r", pt(2019, 1.0));
        h.insert("x", "r", pt(2021, 3.0));
        let years: Vec<(i32, f64)> = h
            .series("x", "r")
            .iter()
            .map(|p| (p.year, p.value))
            .collect();
        assert_eq!(years, [(2019, 1.0), (2021, 3.0)]);
        assert!(h.series("x", "other").is_empty());
    }
}
