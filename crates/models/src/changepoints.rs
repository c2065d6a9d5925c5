//! A trend that bends where the history did: Prophet's piecewise-linear trend with sparse
//! changepoints, as a regressor over the calendar columns.
//!
//! The fit adds `n` hinge columns `max(0, trend − knot_k)` next to the row's columns (the
//! `trend` column is years since the first history date), with the knots spread evenly over
//! the first `range` of the training rows' trend, as Prophet places its 25 changepoints over
//! the first 80 % of the history. The calendar columns get a light ridge penalty `alpha`; the
//! hinges' slope changes also get an L1 penalty (Prophet's Laplace prior), so only the
//! changes the data insist on survive. Over the horizon the slope of the last stretch goes on.
//! A single global line (the plain `trend` column) extrapolates a decline that has already
//! ended; this one does not.
//!
//! ```
//! use models::changepoints::fit;
//! use models::matrix::TrainMatrix;
//! // Ten years falling 3 a year, then flat for the last four.
//! let t: Vec<f64> = (0..700).map(|i| i as f64 / 50.0).collect();
//! let y: Vec<f64> = t.iter().map(|t| 100.0 - 3.0 * t.min(10.0)).collect();
//! let m = TrainMatrix {
//!     names: vec!["trend".into()],
//!     x: t.clone(),
//!     y,
//!     positions: (0..700).collect(),
//! };
//! let f = fit(&m, 1e-6, 25, 0.8, 1e-4).unwrap();
//! // Two years after the end, the flat level, not the old decline.
//! assert!((f.predict_row(&[16.0]) - 70.0).abs() < 0.5);
//! ```

use serde::{Deserialize, Serialize};

use crate::linear::{LinearFit, NormalEquations, CD_MAX_ITER, CD_TOL};
use crate::matrix::TrainMatrix;
use crate::ModelError;

/// The column the hinges are built on.
pub const TREND: &str = "trend";

/// A fitted ridge with a piecewise-linear trend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PiecewiseFit {
    /// Position of the `trend` column in a row (`None`: the rows had none, and the fit is a
    /// plain ridge).
    pub trend_col: Option<usize>,
    /// The knots, in the trend's units.
    pub knots: Vec<f64>,
    /// Coefficients of the row's columns, then one per knot (the change of slope there),
    /// and the intercept.
    pub fit: LinearFit,
}

impl PiecewiseFit {
    /// The prediction for one row (the row's columns, without the hinges).
    pub fn predict_row(&self, x: &[f64]) -> f64 {
        let p = x.len();
        let hinges: f64 = self.trend_col.map_or(0.0, |j| {
            self.knots
                .iter()
                .zip(&self.fit.coef[p..])
                .map(|(k, c)| c * (x[j] - k).max(0.0))
                .sum()
        });
        self.fit.intercept
            + x.iter()
                .zip(&self.fit.coef[..p])
                .map(|(a, b)| a * b)
                .sum::<f64>()
            + hinges
    }

    /// The changes of slope kept (non-zero), as `(knot, change)`.
    pub fn changes(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        let p = self.fit.coef.len() - self.knots.len();
        self.knots
            .iter()
            .copied()
            .zip(self.fit.coef[p..].iter().copied())
            .filter(|(_, c)| *c != 0.0)
    }
}

/// Fits the ridge (`alpha`, scikit-learn's `Ridge` scale) with `n` changepoints over the
/// first `range` (0–1] of the training trend, their slope changes L1-penalised by `l1`
/// (scikit-learn's `Lasso` scale: per training row). Without a `trend` column (the trend
/// turned off in the features or the candidate's exog) there is nothing to bend: the fit is
/// the plain ridge.
pub fn fit(
    m: &TrainMatrix,
    alpha: f64,
    n: usize,
    range: f64,
    l1: f64,
) -> Result<PiecewiseFit, ModelError> {
    if n == 0 || !(range > 0.0 && range <= 1.0) || !(l1.is_finite() && l1 >= 0.0) {
        return Err(ModelError::InvalidSpec(format!(
            "ridge_changepoints needs changepoints >= 1, 0 < range <= 1 and l1 >= 0, got {n}, {range}, {l1}"
        )));
    }
    let trend_col = m.names.iter().position(|c| c == TREND);
    let (rows, p) = (m.rows(), m.cols());
    if rows == 0 {
        return Err(ModelError::TooShort { needed: 1, got: 0 });
    }
    let knots: Vec<f64> = match trend_col {
        Some(j) => {
            let (lo, hi) = (0..rows)
                .map(|i| m.row(i)[j])
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), t| {
                    (a.min(t), b.max(t))
                });
            let span = range * (hi - lo);
            if span > 0.0 {
                (1..=n).map(|k| lo + span * k as f64 / n as f64).collect()
            } else {
                Vec::new()
            }
        }
        None => Vec::new(),
    };
    let q = p + knots.len();
    let mut x = Vec::with_capacity(rows * q);
    for i in 0..rows {
        let row = m.row(i);
        x.extend_from_slice(row);
        if let Some(j) = trend_col {
            x.extend(knots.iter().map(|k| (row[j] - k).max(0.0)));
        }
    }
    let mut penalty = vec![0.0; q];
    penalty[p..].fill(l1 * rows as f64);
    let fit =
        NormalEquations::of_rows(&x, &m.y, q)?.ridge_l1(alpha, &penalty, CD_TOL, CD_MAX_ITER)?;
    Ok(PiecewiseFit {
        trend_col,
        knots,
        fit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows `[dow, trend]` over `days` days, a weekly bump plus `level(t)`.
    fn matrix(days: usize, level: impl Fn(f64) -> f64) -> TrainMatrix {
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..days {
            let t = i as f64 / 365.25;
            let weekend = f64::from(u8::from(i % 7 >= 5));
            x.extend([weekend, t]);
            y.push(level(t) + 10.0 * weekend);
        }
        TrainMatrix {
            names: vec!["weekend".into(), TREND.into()],
            x,
            y,
            positions: (0..days).collect(),
        }
    }

    #[test]
    fn the_last_slope_carries_on_where_one_line_would_not() {
        // Growth of 20 a year for three years, then a fall of 10 a year for two.
        let level = |t: f64| 100.0 + 20.0 * t.min(3.0) - 10.0 * (t - 3.0).max(0.0);
        let m = matrix(5 * 365, level);
        let f = fit(&m, 1.0, 25, 0.8, 0.01).unwrap();
        let ahead = 5.5;
        let truth = level(ahead);
        assert!((f.predict_row(&[0.0, ahead]) - truth).abs() < 1.0);
        assert!((f.predict_row(&[1.0, ahead]) - truth - 10.0).abs() < 1.0);
        let line = crate::linear::ridge(&m, 1.0).unwrap();
        assert!((line.predict_row(&[0.0, ahead]) - truth).abs() > 10.0);
        // Few of the 25 changes are kept; the large ones sit at the bend and add up to it.
        let kept: Vec<(f64, f64)> = f.changes().collect();
        assert!(kept.len() <= 10, "{kept:?}");
        let large: Vec<&(f64, f64)> = kept.iter().filter(|(_, c)| c.abs() > 1.0).collect();
        assert!(
            large.iter().all(|(k, _)| (*k - 3.0).abs() < 0.5),
            "{kept:?}"
        );
        let bend: f64 = kept.iter().map(|(_, c)| c).sum();
        assert!((bend + 30.0).abs() < 2.0, "{kept:?}");
    }

    #[test]
    fn a_strong_penalty_keeps_one_line_and_without_a_trend_it_is_a_ridge() {
        let m = matrix(800, |t| 50.0 + 5.0 * t);
        let f = fit(&m, 1.0, 10, 0.8, 1e6).unwrap();
        assert_eq!(f.changes().count(), 0);
        let line = crate::linear::ridge(&m, 1.0).unwrap();
        for t in [0.5, 2.0, 3.0] {
            assert!((f.predict_row(&[1.0, t]) - line.predict_row(&[1.0, t])).abs() < 1e-6);
        }
        let mut no_trend = m.clone();
        no_trend.names[1] = "other".into();
        let plain = fit(&no_trend, 1.0, 10, 0.8, 0.01).unwrap();
        assert!(plain.knots.is_empty() && plain.trend_col.is_none());
        for t in [0.5, 2.0] {
            let row = [1.0, t];
            assert!((plain.predict_row(&row) - line.predict_row(&row)).abs() < 1e-6);
        }
        assert!(fit(&m, 1.0, 0, 0.8, 0.01).is_err());
        assert!(fit(&m, 1.0, 5, 1.5, 0.01).is_err());
    }
}
