//! Exact decimal numbers for water monitoring data.
//!
//! GB 3838 class limits are decimal numbers (0.15, 0.00005) and a value equal to a limit belongs to
//! that class. Binary floating point cannot hold 0.15 or 0.2 exactly, and the mean of 0.1, 0.2 and
//! 0.3 computed in `f64` is 0.20000000000000004, which would push a section from class III into
//! class IV. So concentrations are kept as fixed-point integers ([`Dec`], ten decimal places) and
//! period means as exact fractions ([`Ratio`]); every comparison against a limit is an integer
//! comparison. Floating point is used only for display and for the logarithmic trophic index.

use std::cmp::Ordering;
use std::fmt;

/// Number of decimal places a [`Dec`] holds. Ten places hold every GB 3838 limit (the smallest,
/// mercury class I, is 0.00005 mg/L) with room for µg/L input and for half a detection limit.
pub const DECIMAL_PLACES: u32 = 10;
const SCALE: i64 = 10_000_000_000;

/// A decimal number with exactly [`DECIMAL_PLACES`] places, stored as a scaled integer.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Dec(i64);

/// Why a text could not be read as a decimal number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecError {
    #[error("不是数值")]
    Malformed,
    #[error("小数位数过多，无法精确表示（最多{DECIMAL_PLACES}位小数）")]
    TooPrecise,
    #[error("数值超出可处理范围")]
    OutOfRange,
}

impl Dec {
    pub const ZERO: Dec = Dec(0);

    /// The scaled integer (value × 10¹⁰).
    pub const fn raw(self) -> i64 {
        self.0
    }

    pub const fn from_raw(raw: i64) -> Dec {
        Dec(raw)
    }

    pub const fn from_int(n: i64) -> Dec {
        Dec(n * SCALE)
    }

    /// Parses a decimal literal in a constant context, for the tables of the standards. Panics at
    /// compile time on a malformed literal, so a typo in a table cannot reach a binary.
    pub const fn lit(s: &str) -> Dec {
        match parse_bytes(s.as_bytes()) {
            Ok(d) => d,
            Err(_) => panic!("malformed decimal literal in a standards table"),
        }
    }

    /// Parses a decimal number as written in a monitoring file: optional sign, digits with an
    /// optional point, and an optional exponent (`1.2E+04`, which spreadsheets write for large
    /// coliform counts). The result is exact or an error, never rounded.
    pub fn parse(s: &str) -> Result<Dec, DecError> {
        parse_bytes(s.trim().as_bytes())
    }

    /// Parses a byte slice, trimming ASCII spaces and tabs first (see [`Dec::parse`]).
    pub fn parse_ascii(b: &[u8]) -> Result<Dec, DecError> {
        parse_bytes(b.trim_ascii())
    }

    /// Multiplies by 10^`pow`, exactly; `None` if the result needs more places or overflows. Used for
    /// unit conversions (µg/L → mg/L is `shift(-3)`).
    pub fn shift(self, pow: i32) -> Option<Dec> {
        let factor = 10i64.checked_pow(pow.unsigned_abs())?;
        if pow >= 0 {
            self.0.checked_mul(factor).map(Dec)
        } else if self.0 % factor == 0 {
            Some(Dec(self.0 / factor))
        } else {
            None
        }
    }

    /// Half of this value, exactly; `None` if that needs an eleventh decimal place.
    pub fn half(self) -> Option<Dec> {
        (self.0 % 2 == 0).then_some(Dec(self.0 / 2))
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    pub fn to_f64(self) -> f64 {
        self.0 as f64 / SCALE as f64
    }

    pub fn checked_sub(self, other: Dec) -> Option<Dec> {
        self.0.checked_sub(other.0).map(Dec)
    }
}

/// Powers of ten that fit in a `u64`.
const POW10: [u64; 20] = {
    let mut t = [1u64; 20];
    let mut i = 1;
    while i < 20 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

/// Parses `[+-]digits[.digits][(e|E)[+-]digits]` exactly. The mantissa is accumulated in a `u64`;
/// zeros after the decimal point are held back until a non-zero digit follows, so
/// `1.000000000000000000000` does not overflow.
pub(crate) const fn parse_bytes(b: &[u8]) -> Result<Dec, DecError> {
    let mut i = 0;
    let mut negative = false;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        negative = b[i] == b'-';
        i += 1;
    }
    let mut mantissa: u64 = 0;
    let mut digits = 0u32;
    let mut frac_digits: i32 = 0;
    let mut pending_zeros: u32 = 0;
    let mut seen_point = false;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() {
            let d = (c - b'0') as u64;
            digits += 1;
            if seen_point && d == 0 {
                pending_zeros += 1;
            } else {
                let shift = if seen_point { pending_zeros + 1 } else { 1 };
                if shift as usize >= POW10.len() {
                    return Err(DecError::TooPrecise);
                }
                mantissa = match mantissa.checked_mul(POW10[shift as usize]) {
                    Some(m) => match m.checked_add(d) {
                        Some(m) => m,
                        None => return Err(DecError::OutOfRange),
                    },
                    None => return Err(DecError::OutOfRange),
                };
                if seen_point {
                    frac_digits += shift as i32;
                    pending_zeros = 0;
                }
            }
        } else if c == b'.' && !seen_point {
            seen_point = true;
        } else {
            break;
        }
        i += 1;
    }
    if digits == 0 {
        return Err(DecError::Malformed);
    }
    let mut exponent: i32 = 0;
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        let mut exp_negative = false;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            exp_negative = b[i] == b'-';
            i += 1;
        }
        let mut exp_digits = 0;
        while i < b.len() && b[i].is_ascii_digit() {
            if exponent > 1000 {
                return Err(DecError::OutOfRange);
            }
            exponent = exponent * 10 + (b[i] - b'0') as i32;
            exp_digits += 1;
            i += 1;
        }
        if exp_digits == 0 {
            return Err(DecError::Malformed);
        }
        if exp_negative {
            exponent = -exponent;
        }
    }
    if i != b.len() {
        return Err(DecError::Malformed);
    }
    // value × 10^10 = mantissa × 10^(exponent − frac_digits + 10)
    let pow = exponent - frac_digits + DECIMAL_PLACES as i32;
    let scaled = if mantissa == 0 {
        0
    } else if pow >= 0 {
        if pow as usize >= POW10.len() {
            return Err(DecError::OutOfRange);
        }
        match mantissa.checked_mul(POW10[pow as usize]) {
            Some(v) => v,
            None => return Err(DecError::OutOfRange),
        }
    } else {
        let p = (-pow) as usize;
        if p >= POW10.len() || !mantissa.is_multiple_of(POW10[p]) {
            return Err(DecError::TooPrecise);
        }
        mantissa / POW10[p]
    };
    if scaled > i64::MAX as u64 {
        return Err(DecError::OutOfRange);
    }
    let v = scaled as i64;
    Ok(Dec(if negative { -v } else { v }))
}

impl fmt::Display for Dec {
    /// Shortest exact decimal form: `0.15`, `2`, `-200`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        let sign = if v < 0 { "-" } else { "" };
        let a = v.unsigned_abs();
        let int = a / SCALE as u64;
        let frac = a % SCALE as u64;
        if frac == 0 {
            return write!(f, "{sign}{int}");
        }
        let mut s = format!("{frac:010}");
        while s.ends_with('0') {
            s.pop();
        }
        write!(f, "{sign}{int}.{s}")
    }
}

impl fmt::Debug for Dec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl serde::Serialize for Dec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.to_f64())
    }
}

/// An exact non-negative-denominator fraction of [`Dec`] raw units: a period mean is
/// `Ratio { num: sum of samples, den: number of samples }`.
#[derive(Clone, Copy, Debug)]
pub struct Ratio {
    num: i128,
    den: i128,
}

impl Ratio {
    pub fn from_dec(d: Dec) -> Ratio {
        Ratio {
            num: d.0 as i128,
            den: 1,
        }
    }

    /// The mean of `count` values whose raw sum is `sum`. `count` must be positive.
    pub fn mean(sum: i128, count: u64) -> Ratio {
        debug_assert!(count > 0);
        // Not reduced: comparisons do not need it, and `mean_of` reduces as it goes.
        Ratio {
            num: sum,
            den: count.max(1) as i128,
        }
    }

    fn reduced(self) -> Ratio {
        let g = gcd(self.num.unsigned_abs(), self.den.unsigned_abs()) as i128;
        if g > 1 {
            Ratio {
                num: self.num / g,
                den: self.den / g,
            }
        } else {
            self
        }
    }

    /// The arithmetic mean of several fractions, exactly; `None` on overflow (which needs absurd
    /// inputs: the sum of denominators' least common multiple beyond 10³⁸).
    pub fn mean_of(values: &[Ratio]) -> Option<Ratio> {
        let mut acc = Ratio { num: 0, den: 1 };
        for v in values {
            let g = gcd(acc.den.unsigned_abs(), v.den.unsigned_abs()) as i128;
            let den = (acc.den / g).checked_mul(v.den)?;
            let num = acc
                .num
                .checked_mul(v.den / g)?
                .checked_add(v.num.checked_mul(acc.den / g)?)?;
            acc = Ratio { num, den }.reduced();
        }
        let n = values.len().max(1) as i128;
        Some(
            Ratio {
                num: acc.num,
                den: acc.den.checked_mul(n)?,
            }
            .reduced(),
        )
    }

    /// Compares this fraction with a decimal limit, exactly.
    pub fn cmp_dec(&self, d: Dec) -> Ordering {
        // num/den ? d  ⇔  num ? d·den (den > 0). d·den fits: |d| < 2⁶³ and den < 2⁶⁴ in practice;
        // saturate rather than wrap for safety.
        let rhs = (d.0 as i128).saturating_mul(self.den);
        self.num.cmp(&rhs)
    }

    /// Compares two fractions exactly (saturating on absurd magnitudes).
    pub fn cmp_ratio(&self, other: &Ratio) -> Ordering {
        let l = self.num.saturating_mul(other.den);
        let r = other.num.saturating_mul(self.den);
        l.cmp(&r)
    }

    /// The exceedance multiple (C − S)/S of this value over a positive limit S, as a fraction in
    /// units of 1 (not raw units).
    pub fn exceedance_over(&self, limit: Dec) -> Ratio {
        let s = limit.0 as i128;
        Ratio {
            num: self.num.saturating_sub(s.saturating_mul(self.den)),
            den: s.saturating_mul(self.den).max(1),
        }
    }

    /// The value in the unit of the data (raw units divided out), for display.
    pub fn to_f64(&self) -> f64 {
        self.num as f64 / self.den as f64 / SCALE as f64
    }

    /// The value of a dimensionless fraction made by [`Ratio::exceedance_over`].
    pub fn unit_f64(&self) -> f64 {
        self.num as f64 / self.den as f64
    }
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Dec {
        Dec::parse(s).unwrap()
    }

    #[test]
    fn parses_plain_signed_and_exponent_forms_exactly() {
        assert_eq!(d("0.15").raw(), 1_500_000_000);
        assert_eq!(d("2").raw(), 20_000_000_000);
        assert_eq!(d("-200").raw(), -2_000_000_000_000);
        assert_eq!(d("+1.5").raw(), 15_000_000_000);
        assert_eq!(d(".5").raw(), 5_000_000_000);
        assert_eq!(d("1.2E+04"), Dec::from_int(12_000));
        assert_eq!(d("5e-5"), d("0.00005"));
        assert_eq!(d(" 7.50 "), d("7.5"));
        assert_eq!(Dec::lit("0.00005"), d("0.00005"));
        assert_eq!(d("1.000000000000000000000000"), Dec::from_int(1));
        assert_eq!(d("0.0000000001"), Dec::from_raw(1));
        assert_eq!(d("-0"), Dec::ZERO);
        assert_eq!(d("922337203.6854775807"), Dec::from_raw(i64::MAX));
    }

    #[test]
    fn rejects_malformed_and_too_precise_text() {
        for bad in ["", "-", "abc", "1.2.3", "1,5", "1e", "0x10", "1.0mg", "NaN"] {
            assert_eq!(Dec::parse(bad), Err(DecError::Malformed), "{bad:?}");
        }
        assert_eq!(Dec::parse("0.00000000001"), Err(DecError::TooPrecise));
        assert_eq!(Dec::parse("0.30000000000000004"), Err(DecError::TooPrecise));
        assert_eq!(Dec::parse("1e30"), Err(DecError::OutOfRange));
        assert_eq!(
            Dec::parse("922337203.6854775808"),
            Err(DecError::OutOfRange)
        );
        assert_eq!(
            Dec::parse("99999999999999999999"),
            Err(DecError::OutOfRange)
        );
    }

    #[test]
    fn displays_shortest_exact_form() {
        for s in ["0.15", "2", "-200", "0.00005", "12000", "7.5"] {
            assert_eq!(d(s).to_string(), s);
        }
    }

    #[test]
    fn unit_shift_is_exact_or_refused() {
        assert_eq!(d("50").shift(-3), Some(d("0.05")));
        assert_eq!(d("0.05").shift(3), Some(d("50")));
        assert_eq!(d("0.0000000001").shift(-1), None);
    }

    #[test]
    fn mean_of_point_one_two_three_is_exactly_point_two() {
        // In f64 this mean is 0.20000000000000004 and would exceed a 0.2 limit.
        let sum = [d("0.1"), d("0.2"), d("0.3")]
            .iter()
            .map(|x| x.raw() as i128)
            .sum();
        let m = Ratio::mean(sum, 3);
        assert_eq!(m.cmp_dec(d("0.2")), Ordering::Equal);
        let floats: [f64; 3] = std::hint::black_box([0.1, 0.2, 0.3]);
        assert!(
            floats.iter().sum::<f64>() / 3.0 > 0.2,
            "f64 mean overshoots the limit"
        );
    }

    #[test]
    fn mean_of_means_is_exact() {
        let a = Ratio::mean(d("1").raw() as i128, 3); // 1/3
        let b = Ratio::mean(d("2").raw() as i128, 3); // 2/3
        let m = Ratio::mean_of(&[a, b]).unwrap();
        assert_eq!(m.cmp_dec(d("0.5")), Ordering::Equal);
    }

    #[test]
    fn exceedance_multiple_is_relative_to_the_limit() {
        let c = Ratio::from_dec(d("1.5"));
        let x = c.exceedance_over(d("1.0"));
        assert!((x.unit_f64() - 0.5).abs() < 1e-12);
    }
}
