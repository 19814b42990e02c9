//! Units of measurement (计量单位) and their accepted spellings.
//!
//! Plans are written by people: the same unit appears as 平方米/人 and m²/人, µg/m³ (micro sign)
//! and μg/m³ (Greek mu). Every spelling maps to one canonical form here, and anything not in this
//! table is rejected as an unknown unit rather than silently accepted.

use std::fmt;

/// A canonical unit of measurement. The empty unit means dimensionless (an index, a yes/no).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MeasureUnit(&'static str);

/// Canonical form first, then accepted aliases.
const UNITS: &[(&str, &[&str])] = &[
    ("", &["-", "–", "—", "无", "none"]),
    ("%", &["％", "percent"]),
    ("万亩", &[]),
    ("亩", &[]),
    ("m²/人", &["平方米/人", "m2/人", "㎡/人"]),
    ("m²/万元", &["平方米/万元", "m2/万元"]),
    ("m³/万元", &["立方米/万元", "m3/万元"]),
    ("万m²", &["万平方米", "万m2", "万㎡"]),
    ("km²", &["平方公里", "平方千米", "km2"]),
    ("km", &["公里", "千米"]),
    ("ha", &["公顷", "hm²", "hm2"]),
    (
        "μg/m³",
        &["µg/m³", "ug/m3", "μg/m3", "µg/m3", "微克/立方米"],
    ),
    ("mg/m³", &["mg/m3", "毫克/立方米"]),
    ("tce/万元", &["吨标准煤/万元"]),
    ("t/万元", &["吨/万元", "吨二氧化碳/万元", "tCO2/万元"]),
    ("kg/人", &["千克/人", "公斤/人"]),
    ("宗", &[]),
    ("个", &[]),
    ("天", &["d", "days"]),
];

impl MeasureUnit {
    pub const NONE: MeasureUnit = MeasureUnit("");
    pub const PERCENT: MeasureUnit = MeasureUnit("%");

    /// Parses any accepted spelling; `None` for an unknown unit.
    pub fn parse(s: &str) -> Option<MeasureUnit> {
        let s = s.trim();
        UNITS
            .iter()
            .find(|(canon, aliases)| *canon == s || aliases.contains(&s))
            .map(|(canon, _)| MeasureUnit(canon))
    }

    /// All canonical units, for error messages.
    pub fn known() -> impl Iterator<Item = &'static str> {
        UNITS.iter().map(|(c, _)| *c).filter(|c| !c.is_empty())
    }

    pub fn as_str(&self) -> &'static str {
        self.0
    }

    pub fn is_percent(&self) -> bool {
        self.0 == "%"
    }

    /// How a difference in this unit is said in Chinese: percentages differ by 个百分点.
    pub fn difference_suffix(&self) -> &'static str {
        if self.is_percent() {
            "个百分点"
        } else {
            self.0
        }
    }
}

impl fmt::Display for MeasureUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl serde::Serialize for MeasureUnit {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_map_to_one_canonical_unit() {
        assert_eq!(MeasureUnit::parse("平方米/人"), MeasureUnit::parse("m²/人"));
        assert_eq!(MeasureUnit::parse("µg/m³").unwrap().as_str(), "μg/m³");
        assert_eq!(MeasureUnit::parse("％"), Some(MeasureUnit::PERCENT));
        assert_eq!(MeasureUnit::parse("-"), Some(MeasureUnit::NONE));
    }

    #[test]
    fn unknown_units_are_rejected() {
        assert_eq!(MeasureUnit::parse("furlongs"), None);
        assert_eq!(
            MeasureUnit::parse("平方米"),
            None,
            "an area is not an area per person"
        );
    }
}
