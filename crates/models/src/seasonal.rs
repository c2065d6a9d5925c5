//! The same days of earlier seasons, re-levelled: the planner's "same week last year, scaled
//! by how this year compares", made into a model of the statistical family.
//!
//! For each of the last `years` seasons of `period` days (364 keeps the weekday) that fit in the
//! history, the forecast of day `n + h` is the mean of that season's same day and the same
//! weekday `1..=neighbours` weeks either side (a smoothed last-year value), times the season's
//! level ratio: the mean of the last `level_window` days over the mean of the same days one
//! season earlier (a difference of the two means instead when either mean is not positive).
//! The seasons' values are averaged. A regression on the calendar averages a late level shift
//! away and a seasonal naive copies one noisy year; this keeps the yearly shape of recent years
//! and carries today's level into it.
//!
//! Like [`crate::mstl`], the fitted state is the forecast itself, `steps` days from the end of
//! the training data, so a fitted model is plain serialisable data.
//!
//! ```
//! use models::seasonal::{fit, YearOverYear};
//! // Two seasons of a weekly pattern, the second 20 % higher.
//! let week = [10.0, 10.0, 10.0, 10.0, 10.0, 20.0, 30.0];
//! let y: Vec<f64> = (0..728)
//!     .map(|t| week[t % 7] * if t < 364 { 1.0 } else { 1.2 })
//!     .collect();
//! let spec = YearOverYear {
//!     period: 364,
//!     years: 3,
//!     level_window: 56,
//!     neighbours: 0,
//!     max_level_ratio: 2.0,
//! };
//! let st = fit(&y, &spec, 14).unwrap();
//! assert_eq!(st.seasons, 1); // only one earlier season has a level window before it
//! assert!((st.path[5] - 28.8).abs() < 1e-9); // last year's Saturday (24) x 1.2
//! ```

use serde::{Deserialize, Serialize};

use crate::ModelError;

/// Days in a week: the neighbours of a day are the same weekday `k` weeks away.
const WEEK: usize = 7;

/// The settings of the model (`tipo: year_over_year` in `train.candidates`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct YearOverYear {
    /// Season length in days (364: the same weekday one year back).
    pub period: usize,
    /// Most earlier seasons averaged (those that fit in the history are used).
    pub years: usize,
    /// Days whose mean is compared with the same days one season earlier.
    pub level_window: usize,
    /// Same weekday this many weeks either side of the day, averaged with it.
    pub neighbours: usize,
    /// A season's level ratio is kept within `[1 / max_level_ratio, max_level_ratio]` (a
    /// slow season last year must not multiply its peak days tenfold).
    pub max_level_ratio: f64,
}

/// Longest season accepted (ten years of days).
pub const MAX_PERIOD: usize = 3660;

/// The fitted state: the forecast for `steps` days after the training data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YearOverYearState {
    /// The forecast, original scale.
    pub path: Vec<f64>,
    /// Earlier seasons used (0: the history was shorter than a season and half a level
    /// window, and the forecast is the weekday means of the last `level_window` days).
    pub seasons: usize,
    /// Each season's level adjustment: the ratio (or the difference, `multiplicative` false)
    /// of the recent level to that season's, most recent season first.
    pub levels: Vec<Level>,
}

/// One season's level adjustment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Level {
    /// Ratio when true, difference when false.
    pub multiplicative: bool,
    /// The ratio or the difference.
    pub value: f64,
}

impl Level {
    fn apply(self, v: f64) -> f64 {
        if self.multiplicative {
            v * self.value
        } else {
            v + self.value
        }
    }
}

/// Which days of the week (by position modulo 7) are traded: finite on at least
/// `1 − core_types::closures::WEEKDAY_SHARE` (10 %) of their positions in `y`, as cleansing
/// calls a weekday closed when 90 % of its days are. A weekday never traded (a weekly series'
/// other six days, a stall's weekdays) is no missing observation; a stray row on one (a
/// festivo week's delivery a day late) does not make it traded.
fn traded_weekdays(y: &[f64]) -> [bool; WEEK] {
    let (mut finite, mut all) = ([0usize; WEEK], [0usize; WEEK]);
    for (i, v) in y.iter().enumerate() {
        all[i % WEEK] += 1;
        finite[i % WEEK] += usize::from(v.is_finite());
    }
    let share = 1.0 - core_types::closures::WEEKDAY_SHARE;
    std::array::from_fn(|k| finite[k] > 0 && finite[k] as f64 >= share * all[k] as f64)
}

/// Mean of the finite values of `y[range]`, `None` when fewer than half of its days on a
/// traded weekday (`traded`, by position modulo 7) are finite.
fn mean_finite(y: &[f64], range: std::ops::Range<usize>, traded: &[bool; WEEK]) -> Option<f64> {
    let due = range.clone().filter(|i| traded[i % WEEK]).count();
    let (s, n) = y[range]
        .iter()
        .filter(|x| x.is_finite())
        .fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    (n > 0 && 2 * n >= due).then(|| s / n as f64)
}

/// A setting of [`YearOverYear`] outside its range: the field, the rule it breaks and the
/// value found (the config names the key from it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BadSetting {
    /// The field, e.g. `level_window`.
    pub field: &'static str,
    /// What the field must be.
    pub rule: &'static str,
    /// The value given.
    pub found: f64,
}

impl YearOverYear {
    /// The settings' rules: `period` between 14 and [`MAX_PERIOD`] and whole weeks when there
    /// are neighbours, `years` and `level_window` at least 1, the level window and the
    /// neighbours within one season, `max_level_ratio` at least 1.
    pub fn check(&self) -> Result<(), BadSetting> {
        let bad = |field, rule, found: usize| {
            Err(BadSetting {
                field,
                rule,
                found: found as f64,
            })
        };
        if self.period < 2 * WEEK {
            return bad("period", "expected at least 14", self.period);
        }
        if self.years == 0 {
            return bad("years", "expected at least 1", 0);
        }
        if self.level_window == 0 {
            return bad("level_window", "expected at least 1", 0);
        }
        if self.period > MAX_PERIOD || (self.neighbours > 0 && self.period % WEEK != 0) {
            return bad(
                "period",
                "expected whole weeks (the neighbours are the same weekday) up to 3660 days",
                self.period,
            );
        }
        if self.level_window > self.period {
            return bad(
                "level_window",
                "expected at most the period",
                self.level_window,
            );
        }
        if WEEK * self.neighbours >= self.period {
            return bad(
                "neighbours",
                "7 x neighbours must stay below the period",
                self.neighbours,
            );
        }
        if !(self.max_level_ratio.is_finite() && self.max_level_ratio >= 1.0) {
            return Err(BadSetting {
                field: "max_level_ratio",
                rule: "expected at least 1",
                found: self.max_level_ratio,
            });
        }
        Ok(())
    }
}

/// [`YearOverYear::check`] as a model error.
pub fn validate(spec: &YearOverYear) -> Result<(), ModelError> {
    spec.check().map_err(|b| {
        ModelError::InvalidSpec(format!(
            "year_over_year {}: {}, found {} ({spec:?})",
            b.field, b.rule, b.found
        ))
    })
}

/// One earlier season's level adjustment: the last `w` days compared with the same days
/// `lag` days earlier; `None` when either window is mostly unobserved.
fn season_level(
    y: &[f64],
    lag: usize,
    w: usize,
    max_ratio: f64,
    traded: &[bool; WEEK],
) -> Option<Level> {
    let n = y.len();
    let r = mean_finite(y, n - w..n, traded)?;
    let o = mean_finite(y, n - lag - w..n - lag, traded)?;
    Some(if r > 0.0 && o > 0.0 {
        Level {
            multiplicative: true,
            value: (r / o).clamp(1.0 / max_ratio, max_ratio),
        }
    } else {
        Level {
            multiplicative: false,
            value: r - o,
        }
    })
}

/// Fits the model on `y` (original scale; NaN values are skipped) and keeps the forecast for
/// `steps` days. A season is used when the history holds it plus at least half the level
/// window (the windows compared are then shortened alike); with none, the forecast is the
/// weekday means of the last `level_window` days, so an early backtest fold scores what the
/// model does with that little history instead of failing the candidate. A history without
/// a negative value is never forecast below 0.
pub fn fit(y: &[f64], spec: &YearOverYear, steps: usize) -> Result<YearOverYearState, ModelError> {
    validate(spec)?;
    if steps == 0 {
        return Err(ModelError::InvalidSpec(
            "a year_over_year model needs steps >= 1".into(),
        ));
    }
    let n = y.len();
    if n < spec.level_window {
        return Err(ModelError::TooShort {
            needed: spec.level_window,
            got: n,
        });
    }
    let traded = traded_weekdays(y);
    let recent =
        mean_finite(y, n - spec.level_window..n, &traded).ok_or(ModelError::UnobservedLevel {
            level_window: spec.level_window,
        })?;
    let min_window = spec.level_window.div_ceil(2);
    let seasons: Vec<(usize, Level)> = (1..=spec.years)
        .map(|k| k * spec.period)
        .take_while(|lag| n >= lag + min_window)
        .filter_map(|lag| {
            let w = spec.level_window.min(n - lag);
            season_level(y, lag, w, spec.max_level_ratio, &traded).map(|l| (lag, l))
        })
        .collect();
    let floor = if y.iter().filter(|v| v.is_finite()).all(|v| *v >= 0.0) {
        0.0
    } else {
        f64::NEG_INFINITY
    };
    // Weekday means of the last level_window days: the forecast without a season, and for
    // a day no season reaches.
    let weekday_means: Vec<f64> = (0..WEEK)
        .map(|d| {
            let days: Vec<f64> = (n - spec.level_window..n)
                .filter(|i| (n - i) % WEEK == (WEEK - d) % WEEK)
                .map(|i| y[i])
                .filter(|v| v.is_finite())
                .collect();
            if days.is_empty() {
                recent
            } else {
                days.iter().sum::<f64>() / days.len() as f64
            }
        })
        .collect();
    let mut path: Vec<f64> = Vec::with_capacity(steps);
    for h in 0..steps {
        let t = n + h;
        let per_season: Vec<f64> = seasons
            .iter()
            .filter_map(|(lag, level)| {
                let days: Vec<f64> = (-(spec.neighbours as isize)..=spec.neighbours as isize)
                    .filter_map(|s| {
                        let i = t as isize - *lag as isize + s * WEEK as isize;
                        (i >= 0 && (i as usize) < n).then(|| y[i as usize])
                    })
                    .filter(|v| v.is_finite())
                    .collect();
                (!days.is_empty())
                    .then(|| level.apply(days.iter().sum::<f64>() / days.len() as f64))
            })
            .collect();
        let v = if !per_season.is_empty() {
            per_season.iter().sum::<f64>() / per_season.len() as f64
        } else if !seasons.is_empty() && h >= spec.period {
            // Beyond every kept season's reach: the forecast one season earlier.
            path[h - spec.period]
        } else {
            weekday_means[h % WEEK]
        };
        path.push(v.max(floor));
    }
    Ok(YearOverYearState {
        path,
        seasons: seasons.len(),
        levels: seasons.into_iter().map(|(_, l)| l).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: YearOverYear = YearOverYear {
        period: 364,
        years: 3,
        level_window: 56,
        neighbours: 1,
        max_level_ratio: 2.0,
    };

    /// Three seasons of a weekly and yearly shape, each season `growth` times the last.
    fn seasons(growth: f64, n: usize) -> Vec<f64> {
        (0..n)
            .map(|t| {
                let week = [1.0, 1.0, 1.0, 1.1, 1.2, 1.6, 1.8][t % 7];
                let year =
                    1.0 + 0.3 * (2.0 * std::f64::consts::PI * (t % 364) as f64 / 364.0).sin();
                100.0 * week * year * growth.powf(t as f64 / 364.0)
            })
            .collect()
    }

    #[test]
    fn carries_the_growth_of_the_recent_level_into_last_years_shape() {
        let y = seasons(1.1, 3 * 364);
        let st = fit(&y, &SPEC, 185).unwrap();
        assert_eq!(st.seasons, 2);
        let truth = seasons(1.1, 3 * 364 + 185);
        // The smoothing over ±1 week blurs the yearly curve a little: within 2 %.
        for h in 0..185 {
            let rel = (st.path[h] - truth[3 * 364 + h]).abs() / truth[3 * 364 + h];
            assert!(
                rel < 0.02,
                "step {h}: {} vs {}",
                st.path[h],
                truth[3 * 364 + h]
            );
        }
        // Saturdays stay above Mondays.
        assert!(st.path[5] > st.path[0] * 1.5);
        for l in &st.levels {
            assert!(l.multiplicative && l.value > 1.0);
        }
    }

    #[test]
    fn skips_missing_days_and_uses_differences_for_non_positive_levels() {
        let mut y = seasons(1.0, 2 * 364);
        y[364 + 3] = f64::NAN;
        let st = fit(&y, &SPEC, 30).unwrap();
        assert!(st.path.iter().all(|v| v.is_finite()));
        let shifted: Vec<f64> = (0..2 * 364)
            .map(|t| if t < 364 { -5.0 } else { 5.0 })
            .collect();
        let alone = YearOverYear {
            neighbours: 0,
            ..SPEC
        };
        let st = fit(&shifted, &alone, 10).unwrap();
        assert!(!st.levels[0].multiplicative);
        // Last year's 5 plus the rise of the level (-5 -> 5).
        assert!((st.path[0] - 15.0).abs() < 1e-12);
    }

    #[test]
    fn short_histories_degrade_and_bad_settings_are_errors() {
        assert!(matches!(
            fit(&seasons(1.0, 50), &SPEC, 10),
            Err(ModelError::TooShort { needed: 56, .. })
        ));
        // Shorter than a season and half the level window: the weekday means of the last
        // 56 days (the series is flat apart from its weekly and slow yearly shape).
        let y = seasons(1.0, 380);
        let st = fit(&y, &SPEC, 14).unwrap();
        assert_eq!(st.seasons, 0);
        let monday: Vec<f64> = (380 - 56..380)
            .filter(|i| i % 7 == 380 % 7)
            .map(|i| y[i])
            .collect();
        let mean = monday.iter().sum::<f64>() / monday.len() as f64;
        assert!((st.path[0] - mean).abs() < 1e-9 && (st.path[7] - mean).abs() < 1e-9);
        // A season and 36 days: the season is used, the windows compared shortened to 36.
        assert_eq!(fit(&seasons(1.0, 400), &SPEC, 10).unwrap().seasons, 1);
        let mut gappy = seasons(1.0, 500);
        gappy[500 - 56..].fill(f64::NAN);
        assert!(matches!(
            fit(&gappy, &SPEC, 10),
            Err(ModelError::UnobservedLevel { level_window: 56 })
        ));
        // A weekly series (one value a week, the other six days never traded) has a level:
        // its traded weekday is observed throughout.
        let mut weekly = seasons(1.0, 800);
        for (i, v) in weekly.iter_mut().enumerate() {
            if i % 7 != 3 {
                *v = f64::NAN;
            }
        }
        // A few stray rows on two other weekdays (5 of their 114 each) leave them untraded:
        // counted as traded, they would make the window mostly unobserved.
        for start in [4, 5] {
            for i in (start..800).step_by(7).take(5) {
                weekly[i] = weekly[i - start + 3];
            }
        }
        let st = fit(&weekly, &SPEC, 14).unwrap();
        assert!(st.seasons >= 1);
        assert!((0..14)
            .filter(|k| (800 + k) % 7 == 3)
            .all(|k| st.path[k].is_finite()));
        // Its traded weekday missing for most of the window is still unobserved.
        for v in weekly[800 - 56..800 - 14].iter_mut() {
            *v = f64::NAN;
        }
        assert!(matches!(
            fit(&weekly, &SPEC, 14),
            Err(ModelError::UnobservedLevel { level_window: 56 })
        ));
        for bad in [
            YearOverYear {
                level_window: 400,
                ..SPEC
            },
            YearOverYear {
                period: 365,
                ..SPEC
            },
            YearOverYear {
                max_level_ratio: 0.5,
                ..SPEC
            },
            YearOverYear {
                period: 100_000,
                ..SPEC
            },
        ] {
            assert!(fit(&seasons(1.0, 800), &bad, 10).is_err(), "{bad:?}");
        }
        assert!(fit(&seasons(1.0, 800), &SPEC, 0).is_err());
    }

    #[test]
    fn the_level_ratio_is_bounded_and_sales_never_go_below_zero() {
        let alone = YearOverYear {
            neighbours: 0,
            years: 1,
            ..SPEC
        };
        // Last year's same weeks sold 1 a day, this year's 20: the ratio stops at 2.
        let mut y = vec![10.0; 728];
        y[364 - 56..364].fill(1.0);
        y[728 - 56..].fill(20.0);
        let st = fit(&y, &alone, 5).unwrap();
        assert_eq!(st.levels[0].value, 2.0);
        assert_eq!(st.path[0], 20.0);
        // Nothing sold lately, 5 a day then: last year's 3 minus 5 is floored at 0.
        let mut y = vec![3.0; 728];
        y[364 - 56..364].fill(5.0);
        y[728 - 56..].fill(0.0);
        let st = fit(&y, &alone, 5).unwrap();
        assert!(!st.levels[0].multiplicative);
        assert!(st.path.iter().all(|v| *v == 0.0));
    }

    #[test]
    fn beyond_a_season_the_forecast_repeats_itself() {
        let spec = YearOverYear { years: 1, ..SPEC };
        let st = fit(&seasons(1.0, 2 * 364), &spec, 400).unwrap();
        assert!((st.path[390] - st.path[390 - 364]).abs() < 1e-12);
    }
}
