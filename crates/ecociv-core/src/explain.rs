//! Plain-Chinese wording shared by evaluation and reports: numbers, values with units, gaps.

use crate::indicator::{Direction, Indicator, ValueKind};

/// A number as people write it: two decimals at most (three below 1, so that 0.431 tce/万元
/// keeps its meaning), no trailing zeros, no `-0`. Rounds half away from zero.
pub fn num(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    let decimals: u32 = if v.abs() < 1.0 { 3 } else { 2 };
    let scale = 10i64.pow(decimals);
    // Beyond 2^53 (about 9·10^15) an f64 holds no fraction any more, and the scaled value would
    // not fit an i64 (1e20 came out as 92233720368547758.07): whole numbers, written out in full.
    if v.abs() * scale as f64 >= 9.0e15 {
        return format!("{v:.0}");
    }
    // Integer arithmetic on the scaled value: exact for any indicator magnitude and much faster
    // than formatting with a precision.
    // The nudge makes decimal halves round as people expect (1.005 → 1.01) although binary
    // floating point stores them a hair below.
    let x = v * scale as f64;
    let scaled = (x + x.signum() * 1e-9).round() as i64;
    if scaled == 0 {
        return "0".to_owned();
    }
    let sign = if scaled < 0 { "-" } else { "" };
    let abs = scaled.unsigned_abs();
    let int = abs / scale as u64;
    let mut frac = abs % scale as u64;
    if frac == 0 {
        return format!("{sign}{int}");
    }
    let mut width = decimals as usize;
    while frac.is_multiple_of(10) {
        frac /= 10;
        width -= 1;
    }
    format!("{sign}{int}.{frac:0width$}")
}

/// A value with its unit (是/否 for yes/no indicators).
pub fn value(ind: &Indicator, v: f64) -> String {
    match ind.kind {
        ValueKind::YesNo => if v >= 0.5 { "是" } else { "否" }.to_owned(),
        ValueKind::Number => format!("{}{}", num(v), ind.unit),
    }
}

/// A difference in the indicator's unit: "1.9个百分点" for percentages, "3μg/m³" otherwise.
pub fn difference(ind: &Indicator, d: f64) -> String {
    format!("{}{}", num(d.abs()), ind.unit.difference_suffix())
}

/// "提高1.9个百分点" / "下降3μg/m³" for a change in the improving direction (negative = worsening).
pub fn change(ind: &Indicator, improvement: f64) -> String {
    if num(improvement) == "0" {
        return "持平".to_owned();
    }
    let word = if improvement >= 0.0 {
        ind.direction.improve_zh()
    } else {
        ind.direction.worsen_zh()
    };
    format!("{word}{}", difference(ind, improvement))
}

/// [`difference`] in English: 「1.9 percentage points」, 「3μg/m³」.
fn difference_en(ind: &Indicator, d: f64) -> String {
    if ind.unit.is_percent() {
        format!("{} percentage points", num(d.abs()))
    } else {
        format!("{}{}", num(d.abs()), ind.unit.as_str())
    }
}

/// [`change`] in the reader's language: 「提高1.9个百分点」 or 「improved by 1.9 percentage
/// points」.
pub fn change_in(ind: &Indicator, improvement: f64, lang: ecociv_i18n::Lang) -> String {
    match lang {
        ecociv_i18n::Lang::Zh => change(ind, improvement),
        ecociv_i18n::Lang::En if num(improvement) == "0" => "unchanged".to_owned(),
        ecociv_i18n::Lang::En => format!(
            "{} by {}",
            if improvement >= 0.0 {
                "improved"
            } else {
                "worsened"
            },
            difference_en(ind, improvement)
        ),
    }
}

/// [`required`] in the reader's language: 「需年均提高1.9个百分点」 or 「1.9 percentage points a
/// year in the better direction」.
pub fn required_in(ind: &Indicator, per_year: f64, lang: ecociv_i18n::Lang) -> String {
    match lang {
        ecociv_i18n::Lang::Zh => required(ind, per_year),
        ecociv_i18n::Lang::En => format!(
            "{} a year {}",
            difference_en(ind, per_year),
            match ind.direction {
                Direction::HigherIsBetter => "up",
                Direction::LowerIsBetter => "down",
            }
        ),
    }
}

/// The verb for a movement of `delta` (raw, not direction-adjusted): 提高 or 下降.
pub fn movement(delta: f64) -> &'static str {
    if delta >= 0.0 { "提高" } else { "下降" }
}

/// 「需年均提高1.9个百分点」 or 「需年均下降3μg/m³」.
pub fn required(ind: &Indicator, per_year: f64) -> String {
    let verb = match ind.direction {
        Direction::HigherIsBetter => "提高",
        Direction::LowerIsBetter => "下降",
    };
    format!("需年均{verb}{}", difference(ind, per_year))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_like_people_write_them() {
        assert_eq!(num(95.0), "95");
        assert_eq!(num(99.95), "99.95");
        assert_eq!(num(17.650), "17.65");
        assert_eq!(num(94.2), "94.2");
        assert_eq!(num(1.0 / 3.0), "0.333");
        assert_eq!(num(0.431), "0.431");
        assert_eq!(num(0.0004), "0");
        assert_eq!(num(12.345), "12.35");
        assert_eq!(num(0.05), "0.05");
        assert_eq!(num(100.0), "100");
        assert_eq!(num(-2.5), "-2.5");
        assert_eq!(num(1.005), "1.01");
        assert_eq!(num(0.999_6), "1");
        assert_eq!(num(99.999), "100");
        assert_eq!(num(-0.0001), "0");
        assert_eq!(num(-1.0), "-1");
        assert_eq!(num(30.61), "30.61");
    }

    #[test]
    fn huge_numbers_are_written_out_not_wrapped() {
        assert_eq!(num(1e20), "100000000000000000000");
        assert_eq!(num(-1e20), "-100000000000000000000");
        assert_eq!(num(1e16), "10000000000000000");
        assert_eq!(num(123_456_789_012.25), "123456789012.25");
        assert_eq!(num(f64::MAX).len(), 309);
    }
}
