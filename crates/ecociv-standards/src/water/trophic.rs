//! Lake and reservoir trophic state: the 综合营养状态指数 TLI(Σ) of 环办〔2011〕22号 (which adopts
//! the CNEMC method 《湖泊（水库）富营养化评价方法及分级技术规定》).
//!
//! TLI(j) = 10·(a_j + b_j·ln x_j) for chla (mg/m³), TP, TN, CODMn (mg/L) and Secchi depth SD (m),
//! and TLI(Σ) = Σ W_j·TLI(j) with the weights W_j = r_ij² / Σ r_ij² relative to chla.

use serde::Serialize;

/// One trophic-state input: `(code, a, b, weight)` so that TLI(j) = 10·(a + b·ln x).
#[derive(Debug, Clone, Copy)]
pub struct TliTerm {
    pub code: &'static str,
    pub a: f64,
    pub b: f64,
    pub weight: f64,
}

/// 环办〔2011〕22号 附: 综合营养状态指数计算, coefficients and weights (chla, TP, TN, SD, CODMn).
pub const TLI_TERMS: [TliTerm; 5] = [
    TliTerm {
        code: "Chla",
        a: 2.5,
        b: 1.086,
        weight: 0.2663,
    },
    TliTerm {
        code: "TP",
        a: 9.436,
        b: 1.624,
        weight: 0.1879,
    },
    TliTerm {
        code: "TN",
        a: 5.453,
        b: 1.694,
        weight: 0.1790,
    },
    TliTerm {
        code: "SD",
        a: 5.118,
        b: -1.94,
        weight: 0.1834,
    },
    TliTerm {
        code: "CODMn",
        a: 0.109,
        b: 2.661,
        weight: 0.1834,
    },
];

/// Trophic grade, ordered from least to most eutrophic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum TrophicGrade {
    Oligotrophic,
    Mesotrophic,
    LightEutrophic,
    MiddleEutrophic,
    HyperEutrophic,
}

impl TrophicGrade {
    pub fn label(self) -> &'static str {
        match self {
            TrophicGrade::Oligotrophic => "贫营养",
            TrophicGrade::Mesotrophic => "中营养",
            TrophicGrade::LightEutrophic => "轻度富营养",
            TrophicGrade::MiddleEutrophic => "中度富营养",
            TrophicGrade::HyperEutrophic => "重度富营养",
        }
    }
}

/// Grade upper bounds (inclusive), same source: TLI < 30 贫营养; 30 ≤ TLI ≤ 50 中营养;
/// 50 < TLI ≤ 60 轻度富营养; 60 < TLI ≤ 70 中度富营养; TLI > 70 重度富营养.
pub const TLI_GRADES: [(f64, TrophicGrade); 4] = [
    (50.0, TrophicGrade::Mesotrophic),
    (60.0, TrophicGrade::LightEutrophic),
    (70.0, TrophicGrade::MiddleEutrophic),
    (f64::INFINITY, TrophicGrade::HyperEutrophic),
];
const OLIGOTROPHIC_BELOW: f64 = 30.0;

/// The trophic state of a lake or reservoir for a period.
#[derive(Clone, Debug, Serialize)]
pub struct TrophicState {
    /// TLI(Σ) rounded to two decimals; the grade is read from this rounded value, so the number a
    /// report shows and its grade always agree.
    pub tli: f64,
    pub grade: TrophicGrade,
    pub grade_label: &'static str,
    /// TLI(j) of each input, in the order chla, TP, TN, SD, CODMn.
    pub partial: [f64; 5],
}

/// Why a TLI could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TrophicError {
    #[error("{0} 必须大于0才能计算营养状态指数")]
    NotPositive(&'static str),
}

/// TLI(Σ) from chla (mg/m³), TP (mg/L), TN (mg/L), SD (m) and CODMn (mg/L).
pub fn tli(chla: f64, tp: f64, tn: f64, sd: f64, codmn: f64) -> Result<TrophicState, TrophicError> {
    let inputs = [chla, tp, tn, sd, codmn];
    let mut partial = [0.0; 5];
    let mut total = 0.0;
    for (i, (term, x)) in TLI_TERMS.iter().zip(inputs).enumerate() {
        if x.is_nan() || x <= 0.0 {
            return Err(TrophicError::NotPositive(term.code));
        }
        partial[i] = 10.0 * (term.a + term.b * x.ln());
        total += term.weight * partial[i];
    }
    let tli = round2(total);
    let grade = grade(tli);
    Ok(TrophicState {
        tli,
        grade,
        grade_label: grade.label(),
        partial: partial.map(round2),
    })
}

/// The grade of a TLI(Σ) value.
pub fn grade(tli: f64) -> TrophicGrade {
    if tli < OLIGOTROPHIC_BELOW {
        return TrophicGrade::Oligotrophic;
    }
    TLI_GRADES
        .iter()
        .find(|(upper, _)| tli <= *upper)
        .map_or(TrophicGrade::HyperEutrophic, |(_, g)| *g)
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_sum_to_one_and_follow_the_correlations() {
        let sum: f64 = TLI_TERMS.iter().map(|t| t.weight).sum();
        assert!((sum - 1.0).abs() < 1e-9);
        // W_j = r_ij² / Σ r², r = 1, 0.84, 0.82, −0.83, 0.83.
        let r: [f64; 5] = [1.0, 0.84, 0.82, -0.83, 0.83];
        let s: f64 = r.iter().map(|x| x * x).sum();
        for (t, rj) in TLI_TERMS.iter().zip(r) {
            assert!((t.weight - rj * rj / s).abs() < 5e-5, "{}", t.code);
        }
    }

    #[test]
    fn hand_computed_example() {
        // chla 10 mg/m³, TP 0.05, TN 1.0, SD 1.0 m, CODMn 4 mg/L.
        // TLI(chla) = 10(2.5 + 1.086 ln 10) = 50.0065; TLI(TP) = 10(9.436 + 1.624 ln 0.05) = 45.7100;
        // TLI(TN) = 54.53; TLI(SD) = 51.18; TLI(CODMn) = 10(0.109 + 2.661 ln 4) = 37.9794.
        // Σ = 0.2663·50.0065 + 0.1879·45.7100 + 0.1790·54.53 + 0.1834·51.18 + 0.1834·37.9794
        //   = 13.3167 + 8.5889 + 9.7609 + 9.3864 + 6.9654 = 48.018
        let s = tli(10.0, 0.05, 1.0, 1.0, 4.0).unwrap();
        assert!((s.tli - 48.02).abs() < 1e-9, "{}", s.tli);
        assert_eq!(s.grade, TrophicGrade::Mesotrophic);
    }

    #[test]
    fn grade_boundaries() {
        let cases = [
            (29.99, TrophicGrade::Oligotrophic),
            (30.0, TrophicGrade::Mesotrophic),
            (50.0, TrophicGrade::Mesotrophic),
            (50.01, TrophicGrade::LightEutrophic),
            (60.0, TrophicGrade::LightEutrophic),
            (60.01, TrophicGrade::MiddleEutrophic),
            (70.0, TrophicGrade::MiddleEutrophic),
            (70.01, TrophicGrade::HyperEutrophic),
        ];
        for (t, g) in cases {
            assert_eq!(grade(t), g, "{t}");
        }
    }

    #[test]
    fn refuses_non_positive_inputs() {
        assert_eq!(
            tli(10.0, 0.0, 1.0, 1.0, 4.0).unwrap_err(),
            TrophicError::NotPositive("TP")
        );
    }
}
