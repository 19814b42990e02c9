//! Exact arithmetic for concentrations: scaled integers, non-negative rationals, a minimal big
//! unsigned integer, and GB/T 8170 rounding.
//!
//! Floats never touch a value that is rounded or compared with a limit. Hourly concentrations are
//! integers in [`UNITS_PER_UG`]ths of a µg/m³ (CO is stored in µg/m³ too, so 1 mg/m³ is
//! 10⁷ units); means are exact ratios of such integers; the IAQI ceiling and the half-to-even
//! rounding of GB/T 8170 are decided on those exact values. A float appears only as a first guess
//! that an exact check then corrects (see [`round_half_even_sum`]).

use std::cmp::Ordering;

/// Internal resolution: one unit is 10⁻⁴ µg/m³. Four decimals in µg/m³ is the finest resolution
/// seen in real station files (for example the Beijing files' `0.2856`), and 10⁻⁴ µg/m³ of CO is
/// 10⁻⁷ mg/m³, so both units of the standards are represented exactly.
pub const UNITS_PER_UG: u64 = 10_000;

/// Units per mg/m³ (CO).
pub const UNITS_PER_MG: u64 = 1_000 * UNITS_PER_UG;

/// Least common multiple of every possible count of hourly values in a valid daily mean (20–24,
/// GB 3095 表4) and in a valid 8-hour mean (6–8). Each station statistic is `sum / n`, so
/// `sum × (L / n)` is an exact integer in units of `1/L`, which lets a city mean of station means
/// stay an integer fraction with denominator `k × L`.
pub const STAT_DENOMINATOR: u64 = 212_520;

/// A non-negative exact rational number `num / den`, kept reduced.
#[derive(Debug, Clone, Copy)]
pub struct Ratio {
    num: u128,
    den: u128,
}

impl Ratio {
    /// `num / den`. `den` must not be zero.
    pub fn new(num: u128, den: u128) -> Ratio {
        assert!(den != 0, "Ratio with zero denominator");
        let g = gcd(num, den);
        if g > 1 {
            Ratio {
                num: num / g,
                den: den / g,
            }
        } else {
            Ratio { num, den }
        }
    }

    pub fn from_int(n: u128) -> Ratio {
        Ratio { num: n, den: 1 }
    }

    pub fn num(&self) -> u128 {
        self.num
    }

    pub fn den(&self) -> u128 {
        self.den
    }

    /// An approximation, for display and for first guesses only.
    pub fn to_f64(&self) -> f64 {
        self.num as f64 / self.den as f64
    }

    /// Linear interpolation `a + (b − a)·t/100` for `a ≤ b` and `t ∈ [0, 100]`, exact.
    pub fn lerp_percent(a: Ratio, b: Ratio, t: u32) -> Ratio {
        let t = u128::from(t);
        // a·(100 − t) + b·t over 100, with the common denominator a.den·b.den.
        let left = Big::from_u128(a.num)
            .mul_u128(b.den)
            .mul_u128(100 - t)
            .add(&Big::from_u128(b.num).mul_u128(a.den).mul_u128(t));
        let den = Big::from_u128(a.den).mul_u128(b.den).mul_u128(100);
        Ratio::from_big(left, den)
    }

    /// Reduce a big fraction into a `Ratio`. Values met in practice (concentrations below
    /// 10⁶ µg/m³ with denominators below 10²⁰) always fit; anything else is a bug, not data.
    fn from_big(num: Big, den: Big) -> Ratio {
        match (num.to_u128(), den.to_u128()) {
            (Some(n), Some(d)) => Ratio::new(n, d),
            _ => panic!("exact ratio out of range"),
        }
    }
}

impl PartialEq for Ratio {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Ratio {}

impl PartialOrd for Ratio {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ratio {
    fn cmp(&self, other: &Self) -> Ordering {
        match (
            self.num.checked_mul(other.den),
            other.num.checked_mul(self.den),
        ) {
            (Some(l), Some(r)) => l.cmp(&r),
            _ => Big::from_u128(self.num)
                .mul_u128(other.den)
                .cmp(&Big::from_u128(other.num).mul_u128(self.den)),
        }
    }
}

pub fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a
}

/// GB/T 8170-2008 §3.3 rounding of `x` to a multiple of `step`: below half down, above half up,
/// exactly half to the even multiple (四舍六入五成双). Returns the number of steps.
pub fn round_half_even(x: Ratio, step: u64) -> u128 {
    let step = u128::from(step);
    // x / step = num / (den · step); den·step stays far below u128::MAX for real data, but fall
    // back to big integers rather than trust that.
    match x.den.checked_mul(step) {
        Some(d) => {
            let q = x.num / d;
            let rem = x.num % d;
            decide_half_even(q, Big::from_u128(rem).mul_u128(2).cmp(&Big::from_u128(d)))
        }
        None => round_half_even_big(
            &Big::from_u128(x.num),
            &Big::from_u128(x.den).mul_u128(step),
            x.to_f64() / step as f64,
        ),
    }
}

fn decide_half_even(q: u128, twice_rem_vs_den: Ordering) -> u128 {
    match twice_rem_vs_den {
        Ordering::Less => q,
        Ordering::Greater => q + 1,
        Ordering::Equal => {
            if q.is_multiple_of(2) {
                q
            } else {
                q + 1
            }
        }
    }
}

/// Round-half-even of `num / den` (big integers) to an integer, given a float estimate of the
/// quotient. The estimate is corrected by exact comparisons, so it only has to be close.
fn round_half_even_big(num: &Big, den: &Big, estimate: f64) -> u128 {
    let mut q = if estimate.is_finite() && estimate > 0.0 {
        estimate.floor() as u128
    } else {
        0
    };
    // Ensure q·den ≤ num < (q+1)·den.
    while q > 0 && den.mul_u128(q).cmp(num) == Ordering::Greater {
        q -= 1;
    }
    while den.mul_u128(q + 1).cmp(num) != Ordering::Greater {
        q += 1;
    }
    // Compare 2·num with (2q+1)·den.
    let twice = num.mul_u128(2);
    let mid = den.mul_u128(2 * q + 1);
    match twice.cmp(&mid) {
        Ordering::Less => q,
        Ordering::Greater => q + 1,
        Ordering::Equal => {
            if q.is_multiple_of(2) {
                q
            } else {
                q + 1
            }
        }
    }
}

/// An exact sum of non-negative ratios `Σ numᵢ / denᵢ`, for annual means of city daily values
/// whose denominators differ from day to day (the number of valid stations changes). Terms with
/// the same denominator are added directly; different denominators are combined only at the end,
/// in big integers, so no intermediate can overflow.
#[derive(Debug, Clone, Default)]
pub struct RatioSum {
    by_den: std::collections::BTreeMap<u128, u128>,
    count: u64,
}

impl RatioSum {
    pub fn new() -> RatioSum {
        RatioSum::default()
    }

    pub fn add(&mut self, r: Ratio) {
        let slot = self.by_den.entry(r.den).or_insert(0);
        *slot = slot
            .checked_add(r.num)
            .expect("sum of a year's daily values fits in u128");
        self.count += 1;
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// The mean of the added values, rounded half-to-even to a multiple of `step`; `None` if empty.
    pub fn mean_round_half_even(&self, step: u64) -> Option<u128> {
        if self.count == 0 {
            return None;
        }
        round_half_even_sum(&self.by_den, self.count, step)
    }

    /// Approximate mean, for display only.
    pub fn mean_f64(&self) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let s: f64 = self.by_den.iter().map(|(d, n)| *n as f64 / *d as f64).sum();
        Some(s / self.count as f64)
    }
}

/// Round-half-even of `(Σ nᵢ/dᵢ) / count` to a multiple of `step`, exactly.
fn round_half_even_sum(
    terms: &std::collections::BTreeMap<u128, u128>,
    count: u64,
    step: u64,
) -> Option<u128> {
    // Common denominator P = Π dᵢ; numerator Σ nᵢ·P/dᵢ. The number of distinct denominators is
    // the number of distinct valid-station counts in a year, so this stays small.
    let dens: Vec<u128> = terms.keys().copied().collect();
    let mut num = Big::zero();
    for (i, (_, n)) in terms.iter().enumerate() {
        let mut term = Big::from_u128(*n);
        for (j, d) in dens.iter().enumerate() {
            if i != j {
                term = term.mul_u128(*d);
            }
        }
        num = num.add(&term);
    }
    let mut den = Big::from_u128(1);
    for d in &dens {
        den = den.mul_u128(*d);
    }
    let den = den.mul_u128(u128::from(count)).mul_u128(u128::from(step));
    let estimate: f64 = terms
        .iter()
        .map(|(d, n)| *n as f64 / *d as f64)
        .sum::<f64>()
        / count as f64
        / step as f64;
    Some(round_half_even_big(&num, &den, estimate))
}

/// A minimal arbitrary-precision unsigned integer: just enough (multiply by a word, add, compare)
/// to make exact comparisons of sums of fractions. Little-endian 64-bit limbs, no leading zeros.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Big {
    limbs: Vec<u64>,
}

impl Big {
    pub fn zero() -> Big {
        Big { limbs: Vec::new() }
    }

    pub fn from_u128(v: u128) -> Big {
        let mut b = Big {
            limbs: vec![v as u64, (v >> 64) as u64],
        };
        b.trim();
        b
    }

    fn trim(&mut self) {
        while self.limbs.last() == Some(&0) {
            self.limbs.pop();
        }
    }

    pub fn to_u128(&self) -> Option<u128> {
        match self.limbs.len() {
            0 => Some(0),
            1 => Some(u128::from(self.limbs[0])),
            2 => Some(u128::from(self.limbs[0]) | (u128::from(self.limbs[1]) << 64)),
            _ => None,
        }
    }

    fn mul_u64(&self, m: u64) -> Big {
        let mut out = Vec::with_capacity(self.limbs.len() + 1);
        let mut carry: u128 = 0;
        for &l in &self.limbs {
            let p = u128::from(l) * u128::from(m) + carry;
            out.push(p as u64);
            carry = p >> 64;
        }
        out.push(carry as u64);
        let mut b = Big { limbs: out };
        b.trim();
        b
    }

    pub fn mul_u128(&self, m: u128) -> Big {
        let lo = m as u64;
        let hi = (m >> 64) as u64;
        let low_part = self.mul_u64(lo);
        if hi == 0 {
            return low_part;
        }
        let mut high_part = self.mul_u64(hi);
        high_part.limbs.insert(0, 0);
        high_part.trim();
        low_part.add(&high_part)
    }

    pub fn add(&self, other: &Big) -> Big {
        let n = self.limbs.len().max(other.limbs.len());
        let mut out = Vec::with_capacity(n + 1);
        let mut carry = 0u64;
        for i in 0..n {
            let a = self.limbs.get(i).copied().unwrap_or(0);
            let b = other.limbs.get(i).copied().unwrap_or(0);
            let (s1, c1) = a.overflowing_add(b);
            let (s2, c2) = s1.overflowing_add(carry);
            out.push(s2);
            carry = u64::from(c1) + u64::from(c2);
        }
        out.push(carry);
        let mut b = Big { limbs: out };
        b.trim();
        b
    }
}

impl PartialOrd for Big {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Big {
    fn cmp(&self, other: &Self) -> Ordering {
        self.limbs
            .len()
            .cmp(&other.limbs.len())
            .then_with(|| self.limbs.iter().rev().cmp(other.limbs.iter().rev()))
    }
}

/// Parse a plain decimal number (`12`, `0.2856`, `64.05`) into units of `10^-scale_digits`,
/// rounding any further digits half-to-even. No sign, exponent or thousands separator is accepted:
/// concentrations are never negative and station files do not use those forms.
pub fn parse_decimal(bytes: &[u8], scale_digits: u32) -> Result<u64, DecimalError> {
    // The hot path of the readers: one call per value, so no allocation and no checked
    // arithmetic inside the loops. At most 12 integer digits keep `int · 10^7` below u64::MAX.
    const MAX_INT_DIGITS: usize = 12;
    debug_assert!(scale_digits <= 7);
    let n = bytes.len();
    if n == 0 {
        return Err(DecimalError::Empty);
    }
    let mut i = 0;
    let mut int_part: u64 = 0;
    while i < n {
        let d = bytes[i].wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        if i == MAX_INT_DIGITS {
            return Err(DecimalError::TooLarge);
        }
        int_part = int_part * 10 + u64::from(d);
        i += 1;
    }
    let int_digits = i;
    let mut frac: u64 = 0;
    let mut frac_digits = 0u32;
    let mut first_dropped: Option<u8> = None;
    let mut rest_nonzero = false;
    if i < n && bytes[i] == b'.' {
        i += 1;
        while i < n {
            let d = bytes[i].wrapping_sub(b'0');
            if d > 9 {
                break;
            }
            if frac_digits < scale_digits {
                frac = frac * 10 + u64::from(d);
                frac_digits += 1;
            } else if first_dropped.is_none() {
                first_dropped = Some(d);
            } else if d != 0 {
                rest_nonzero = true;
            }
            i += 1;
        }
        if int_digits == 0 && frac_digits == 0 && first_dropped.is_none() {
            return Err(DecimalError::NotANumber);
        }
    } else if int_digits == 0 {
        return Err(if bytes[0] == b'-' {
            DecimalError::Negative
        } else {
            DecimalError::NotANumber
        });
    }
    if i != n {
        return Err(if bytes[0] == b'-' {
            DecimalError::Negative
        } else {
            DecimalError::NotANumber
        });
    }
    let mut v = int_part * POW10[scale_digits as usize]
        + frac * POW10[(scale_digits - frac_digits) as usize];
    if let Some(d) = first_dropped {
        let up = d > 5 || (d == 5 && (rest_nonzero || v % 2 == 1));
        if up {
            v += 1;
        }
    }
    Ok(v)
}

const POW10: [u64; 8] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000];

/// Why a decimal field did not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecimalError {
    Empty,
    Negative,
    NotANumber,
    TooLarge,
}

/// Format `units / 10^digits` as a decimal with exactly `digits` decimals.
pub fn format_fixed(units: u128, digits: u32) -> String {
    if digits == 0 {
        return units.to_string();
    }
    let scale = 10u128.pow(digits);
    format!(
        "{}.{:0width$}",
        units / scale,
        units % scale,
        width = digits as usize
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn half_even_rounding_follows_gb_t_8170() {
        // (num, den, step, expected steps)
        let cases: &[(u128, u128, u64, u128)] = &[
            (745, 10, 1, 74),   // 74.5 → 74 (even)
            (755, 10, 1, 76),   // 75.5 → 76 (even)
            (7451, 100, 1, 75), // 74.51 → 75 (above half)
            (7449, 100, 1, 74), // 74.49 → 74
            (25, 100, 1, 0),    // 0.25 → 0
            (15, 10, 1, 2),     // 1.5 → 2
            (250, 100, 1, 2),   // 2.5 → 2
            (0, 1, 1, 0),
            (1812, 24, 1, 76), // a daily mean of 24 integer hours: 75.5 → 76
            (1788, 24, 1, 74), // 74.5 → 74
            (25, 1, 10, 2),    // 25 to a step of 10: half, 2 is even
            (35, 1, 10, 4),    // 35 → 40
        ];
        for &(n, d, step, want) in cases {
            assert_eq!(
                round_half_even(Ratio::new(n, d), step),
                want,
                "{n}/{d} step {step}"
            );
        }
    }

    #[test]
    fn decimals_parse_exactly_and_extra_digits_round_half_even() {
        assert_eq!(parse_decimal(b"0.2856", 4), Ok(2856));
        assert_eq!(parse_decimal(b"75", 4), Ok(750_000));
        assert_eq!(parse_decimal(b"75.", 4), Ok(750_000));
        assert_eq!(parse_decimal(b".5", 4), Ok(5_000));
        assert_eq!(parse_decimal(b"64.05360000000001", 4), Ok(640_536));
        assert_eq!(parse_decimal(b"0.00005", 4), Ok(0));
        assert_eq!(parse_decimal(b"0.00015", 4), Ok(2));
        assert_eq!(parse_decimal(b"0.000051", 4), Ok(1));
        assert_eq!(parse_decimal(b"-1", 4), Err(DecimalError::Negative));
        assert_eq!(parse_decimal(b"1e3", 4), Err(DecimalError::NotANumber));
        assert_eq!(parse_decimal(b".", 4), Err(DecimalError::NotANumber));
        assert_eq!(parse_decimal(b"", 4), Err(DecimalError::Empty));
        assert_eq!(
            parse_decimal(b"99999999999999999999", 4),
            Err(DecimalError::TooLarge)
        );
        assert_eq!(
            parse_decimal(b"999999999999", 7),
            Ok(9_999_999_999_990_000_000)
        );
        assert_eq!(parse_decimal(b"1.5x", 4), Err(DecimalError::NotANumber));
        assert_eq!(parse_decimal(b"-", 4), Err(DecimalError::Negative));
        assert_eq!(parse_decimal(b"12 ", 4), Err(DecimalError::NotANumber));
    }

    #[test]
    fn lerp_is_exact() {
        let a = Ratio::new(10, 3);
        let b = Ratio::new(20, 3);
        assert_eq!(Ratio::lerp_percent(a, b, 50), Ratio::new(5, 1));
        assert_eq!(Ratio::lerp_percent(a, b, 0), a);
        assert_eq!(Ratio::lerp_percent(a, b, 100), b);
    }

    #[test]
    fn fixed_formatting() {
        assert_eq!(format_fixed(753, 1), "75.3");
        assert_eq!(format_fixed(5, 1), "0.5");
        assert_eq!(format_fixed(12, 0), "12");
    }

    proptest! {
        #[test]
        fn big_arithmetic_agrees_with_u128(a in 0u64.., b in 0u64.., c in 0u64..) {
            let big = Big::from_u128(u128::from(a)).mul_u128(u128::from(b)).add(&Big::from_u128(u128::from(c)));
            prop_assert_eq!(big.to_u128(), Some(u128::from(a) * u128::from(b) + u128::from(c)));
        }

        #[test]
        fn big_comparison_agrees_with_u128(a in 0u128.., b in 0u128..) {
            prop_assert_eq!(Big::from_u128(a).cmp(&Big::from_u128(b)), a.cmp(&b));
        }

        #[test]
        fn ratio_sum_mean_matches_direct_rounding_when_denominators_agree(
            nums in proptest::collection::vec(0u128..10_000_000, 1..50),
            den in 1u128..1000,
            step in 1u64..100,
        ) {
            let mut s = RatioSum::new();
            for n in &nums { s.add(Ratio::new(*n, den)); }
            let total: u128 = nums.iter().sum();
            let direct = round_half_even(Ratio::new(total, den * nums.len() as u128), step);
            prop_assert_eq!(s.mean_round_half_even(step), Some(direct));
        }

        #[test]
        fn ratio_sum_mean_is_exact_with_mixed_denominators(
            terms in proptest::collection::vec((0u128..1_000_000, 1u128..40), 1..30),
            step in 1u64..50,
        ) {
            // Independent oracle: a common denominator in u128 (small inputs keep it in range).
            let l = terms.iter().fold(1u128, |acc, (_, d)| acc / gcd(acc, *d) * *d);
            let num: u128 = terms.iter().map(|(n, d)| n * (l / d)).sum();
            let oracle = round_half_even(Ratio::new(num, l * terms.len() as u128), step);
            let mut s = RatioSum::new();
            for (n, d) in &terms { s.add(Ratio::new(*n, *d)); }
            prop_assert_eq!(s.mean_round_half_even(step), Some(oracle));
        }
    }
}
