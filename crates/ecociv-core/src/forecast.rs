//! Forecasts: where an indicator is heading, and how fast it must move to meet a milestone.
//!
//! Two methods, shown side by side (reference/progress-methods.md):
//! - **linear trend**: an ordinary least-squares line through the last few years, projected to
//!   the milestone year (the regression projection of UN ESCAP, unweighted);
//! - **CAGR ratio** (Open SDG / Statistics Canada): the compound annual growth rate achieved since
//!   the base year over the rate needed to reach the target, with Open SDG's default bands.
//!
//! Plus the plain arithmetic a department needs: the annual change still required.

use crate::indicator::Direction;

/// How many recent years the linear trend uses. Plans have short horizons; five years keeps the
/// trend recent without resting on two points when more exist.
pub const TREND_WINDOW: i32 = 5;

/// Open SDG progress bands for the CAGR ratio R (defaults of `sdg-build` ProgressMeasure).
pub const CAGR_SUBSTANTIAL: f64 = 0.95;
pub const CAGR_MODERATE: f64 = 0.60;

/// Open SDG replaces a zero base or target by this value (with a warning) so the ratio exists.
pub const CAGR_ZERO_REPLACEMENT: f64 = 0.001;

/// A least-squares line through yearly points.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Linear {
    /// Change per year, in the indicator's unit.
    pub slope: f64,
    pub intercept: f64,
    pub points: usize,
    pub from_year: i32,
    pub to_year: i32,
}

impl Linear {
    pub fn at(&self, year: i32) -> f64 {
        self.intercept + self.slope * f64::from(year)
    }
}

/// Why a forecast could not be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoForecast {
    /// Fewer than two years of data.
    TooFewPoints,
    /// Base and latest values of different sign (CAGR undefined).
    SignChange,
    /// The latest year is the base year.
    NoElapsedTime,
}

impl NoForecast {
    pub fn text_zh(self) -> &'static str {
        match self {
            NoForecast::TooFewPoints => "数据不足两年，无法预测趋势",
            NoForecast::SignChange => "基准值与现值符号不同，无法计算年均增长率",
            NoForecast::NoElapsedTime => "现值年份即基准年，无法计算年均增长率",
        }
    }
}

/// Fits a line through the points (year, value) with years in `(year - TREND_WINDOW, year]`.
/// Years must be distinct (one value per year), which makes the window at most five points, so
/// the fit needs no allocation.
pub fn linear_trend<I: IntoIterator<Item = (i32, f64)>>(
    points: I,
    year: i32,
) -> Result<Linear, NoForecast> {
    let mut window = [(0.0f64, 0.0f64); TREND_WINDOW as usize];
    let mut n = 0;
    for (y, v) in points {
        if y <= year && y > year - TREND_WINDOW && n < window.len() {
            window[n] = (f64::from(y), v);
            n += 1;
        }
    }
    let window = &window[..n];
    if n < 2 {
        return Err(NoForecast::TooFewPoints);
    }
    let nf = n as f64;
    let mx = window.iter().map(|p| p.0).sum::<f64>() / nf;
    let my = window.iter().map(|p| p.1).sum::<f64>() / nf;
    let sxx: f64 = window.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = window.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let slope = sxy / sxx;
    let from_year = window.iter().map(|p| p.0 as i32).min().unwrap_or(year);
    let to_year = window.iter().map(|p| p.0 as i32).max().unwrap_or(year);
    Ok(Linear {
        slope,
        intercept: my - slope * mx,
        points: n,
        from_year,
        to_year,
    })
}

/// Open SDG progress category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Progress {
    TargetAchieved,
    Substantial,
    Moderate,
    Limited,
    Deterioration,
}

impl Progress {
    pub fn text_zh(self) -> &'static str {
        match self {
            Progress::TargetAchieved => "已达到目标",
            Progress::Substantial => "进展良好",
            Progress::Moderate => "有进展但需加快",
            Progress::Limited => "进展有限",
            Progress::Deterioration => "退步",
        }
    }

    fn from_ratio(r: f64) -> Progress {
        if r >= CAGR_SUBSTANTIAL {
            Progress::Substantial
        } else if r >= CAGR_MODERATE {
            Progress::Moderate
        } else if r >= 0.0 {
            Progress::Limited
        } else {
            Progress::Deterioration
        }
    }
}

/// The CAGR-ratio assessment.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CagrRatio {
    /// R = s·d·CAGRᵢ / |CAGR_T|; absent when the target is already achieved.
    pub ratio: Option<f64>,
    pub progress: Progress,
    pub base_year: i32,
    /// Set when a zero base or target was replaced by 0.001, as Open SDG does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

/// Computes the Open SDG CAGR ratio from the base point, the latest point and the target.
pub fn cagr_ratio(
    base: (i32, f64),
    latest: (i32, f64),
    target: (i32, f64),
    dir: Direction,
) -> Result<CagrRatio, NoForecast> {
    let reached = match dir {
        Direction::HigherIsBetter => latest.1 >= target.1,
        Direction::LowerIsBetter => latest.1 <= target.1,
    };
    if reached {
        return Ok(CagrRatio {
            ratio: None,
            progress: Progress::TargetAchieved,
            base_year: base.0,
            warning: None,
        });
    }
    if latest.0 <= base.0 {
        return Err(NoForecast::NoElapsedTime);
    }
    let mut warning = None;
    let fix = |v: f64, what: &str, warning: &mut Option<String>| {
        if v == 0.0 {
            *warning = Some(format!("{what}为0，按Open SDG方法以0.001代替"));
            CAGR_ZERO_REPLACEMENT
        } else {
            v
        }
    };
    let y0 = fix(base.1, "基准值", &mut warning);
    let yt = fix(target.1, "目标值", &mut warning);
    let yi = latest.1;
    if (y0 < 0.0) != (yi < 0.0) && yi != 0.0 {
        return Err(NoForecast::SignChange);
    }
    let s = if y0 < 0.0 { -1.0 } else { 1.0 };
    let d = dir.sign();
    let cagr_i = (yi / y0).powf(1.0 / f64::from(latest.0 - base.0)) - 1.0;
    let span_t = f64::from((target.0 - base.0).max(1));
    let cagr_t = (yt / y0).powf(1.0 / span_t) - 1.0;
    let progress_value = s * d * cagr_i;
    let (ratio, progress) = if cagr_t.abs() < 1e-12 {
        // The target equals the base: any movement the right way is full progress.
        (
            None,
            if progress_value >= 0.0 {
                Progress::Substantial
            } else {
                Progress::Deterioration
            },
        )
    } else {
        let r = progress_value / cagr_t.abs();
        (Some(r), Progress::from_ratio(r))
    };
    Ok(CagrRatio {
        ratio,
        progress,
        base_year: base.0,
        warning,
    })
}

/// The change per year still needed from `current` in `year` to reach `level` by `target_year`,
/// in the improving direction; zero or negative means no further improvement is needed.
pub fn required_annual_change(
    current: f64,
    year: i32,
    level: f64,
    target_year: i32,
    dir: Direction,
) -> Option<f64> {
    let years = target_year - year;
    if years <= 0 {
        return None;
    }
    Some(dir.sign() * (level - current) / f64::from(years))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn linear_trend_through_exact_line_recovers_slope() {
        let pts = [(2019, 90.0), (2020, 91.0), (2021, 92.0), (2022, 93.0)];
        let l = linear_trend(pts, 2022).unwrap();
        assert!(close(l.slope, 1.0));
        assert!(close(l.at(2025), 96.0));
        assert_eq!(l.points, 4);
    }

    #[test]
    fn linear_trend_uses_only_the_recent_window_and_not_the_future() {
        let pts = [
            (2010, 0.0),
            (2019, 10.0),
            (2020, 12.0),
            (2021, 14.0),
            (2022, 16.0),
            (2023, 18.0),
            (2030, 0.0),
        ];
        let l = linear_trend(pts, 2023).unwrap();
        assert_eq!((l.from_year, l.to_year, l.points), (2019, 2023, 5));
        assert!(close(l.slope, 2.0));
    }

    #[test]
    fn least_squares_matches_hand_computation() {
        // x = 0,1,2 ; y = 1,3,2 → slope = Σ(x−1)(y−2)/Σ(x−1)² = (1·(−1)·… ) = 0.5
        let l = linear_trend([(2020, 1.0), (2021, 3.0), (2022, 2.0)], 2022).unwrap();
        assert!(close(l.slope, 0.5));
        assert!(close(l.at(2021), 2.0));
    }

    #[test]
    fn too_few_points_gives_no_trend() {
        assert_eq!(
            linear_trend([(2022, 5.0)], 2022),
            Err(NoForecast::TooFewPoints)
        );
        assert_eq!(linear_trend([], 2022), Err(NoForecast::TooFewPoints));
    }

    #[test]
    fn cagr_ratio_matches_open_sdg_formula() {
        // Base 50 in 2015, latest 60.5 in 2017 → CAGRᵢ = 10 %; target 100 in 2025 → CAGR_T = 2^(1/10) − 1.
        let r = cagr_ratio(
            (2015, 50.0),
            (2017, 60.5),
            (2025, 100.0),
            Direction::HigherIsBetter,
        )
        .unwrap();
        let expected = 0.1 / (2f64.powf(0.1) - 1.0);
        assert!(close(r.ratio.unwrap(), expected), "{r:?}");
        assert_eq!(r.progress, Progress::Substantial);
    }

    #[test]
    fn cagr_ratio_bands_and_direction() {
        // Lower is better: falling from 80 to 76 in 1 year, target 60 in 5 years.
        let r = cagr_ratio(
            (2020, 80.0),
            (2021, 76.0),
            (2025, 60.0),
            Direction::LowerIsBetter,
        )
        .unwrap();
        let ct = (60.0f64 / 80.0).powf(0.2) - 1.0;
        // s = +1 (positive base), d = −1 (lower is better).
        let expected = -(76.0 / 80.0 - 1.0) / ct.abs();
        assert!(close(r.ratio.unwrap(), expected));
        assert_eq!(r.progress, Progress::from_ratio(expected));
        // Moving the wrong way is deterioration.
        let r = cagr_ratio(
            (2020, 80.0),
            (2021, 84.0),
            (2025, 60.0),
            Direction::LowerIsBetter,
        )
        .unwrap();
        assert_eq!(r.progress, Progress::Deterioration);
        assert_eq!(Progress::from_ratio(0.95), Progress::Substantial);
        assert_eq!(Progress::from_ratio(0.6), Progress::Moderate);
        assert_eq!(Progress::from_ratio(0.0), Progress::Limited);
        assert_eq!(Progress::from_ratio(-0.01), Progress::Deterioration);
    }

    #[test]
    fn cagr_ratio_edge_cases() {
        let achieved = cagr_ratio(
            (2020, 10.0),
            (2022, 20.0),
            (2025, 15.0),
            Direction::HigherIsBetter,
        )
        .unwrap();
        assert_eq!(achieved.progress, Progress::TargetAchieved);
        let zero = cagr_ratio(
            (2020, 0.0),
            (2022, 5.0),
            (2025, 10.0),
            Direction::HigherIsBetter,
        )
        .unwrap();
        assert!(zero.warning.is_some());
        assert!(zero.ratio.is_some());
        assert_eq!(
            cagr_ratio(
                (2022, 1.0),
                (2022, 2.0),
                (2025, 5.0),
                Direction::HigherIsBetter
            ),
            Err(NoForecast::NoElapsedTime)
        );
        assert_eq!(
            cagr_ratio(
                (2020, -1.0),
                (2022, 2.0),
                (2025, 5.0),
                Direction::HigherIsBetter
            ),
            Err(NoForecast::SignChange)
        );
    }

    #[test]
    fn required_change_is_signed_in_the_improving_direction() {
        assert_eq!(
            required_annual_change(93.0, 2023, 95.0, 2025, Direction::HigherIsBetter),
            Some(1.0)
        );
        assert_eq!(
            required_annual_change(50.0, 2023, 44.0, 2025, Direction::LowerIsBetter),
            Some(3.0)
        );
        assert_eq!(
            required_annual_change(96.0, 2023, 95.0, 2025, Direction::HigherIsBetter),
            Some(-0.5)
        );
        assert_eq!(
            required_annual_change(96.0, 2025, 95.0, 2025, Direction::HigherIsBetter),
            None
        );
    }
}
