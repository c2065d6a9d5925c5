//! Forecast metrics (`skforecast_semantics.md` §B.11), computed once on pooled predictions.

use serde::{Deserialize, Serialize};

/// The closed set of metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Mean absolute error.
    Mae,
    /// Mean squared error.
    Mse,
    /// Root mean squared error.
    Rmse,
    /// Mean absolute percentage error (scikit-learn: a fraction, ε = 2.22e-16).
    Mape,
    /// Symmetric MAPE on the 0–200 scale.
    Smape,
    /// Weighted APE: Σ|e| / Σ|y|.
    Wape,
    /// MASE with skforecast's lag-1 naive scale on the training values.
    Mase,
    /// RMSSE with the lag-1 scale.
    Rmsse,
    /// MASE with the weekly seasonal-naive scale (`y[t]` vs `y[t−7]`): our reports' headline.
    Mase7,
}

impl Metric {
    /// Every metric, in report order.
    pub const ALL: [Metric; 9] = [
        Metric::Mae,
        Metric::Mse,
        Metric::Rmse,
        Metric::Mape,
        Metric::Smape,
        Metric::Wape,
        Metric::Mase,
        Metric::Rmsse,
        Metric::Mase7,
    ];

    /// The metric of `y_pred` against `y_true`; `y_train` gives the MASE/RMSSE scales.
    pub fn compute(self, y_true: &[f64], y_pred: &[f64], y_train: &[f64]) -> f64 {
        let pairs: Vec<(f64, f64)> = y_true
            .iter()
            .zip(y_pred)
            .filter(|(a, b)| !a.is_nan() && !b.is_nan())
            .map(|(a, b)| (*a, *b))
            .collect();
        let n = pairs.len() as f64;
        if pairs.is_empty() {
            return f64::NAN;
        }
        let mae = pairs.iter().map(|(a, b)| (a - b).abs()).sum::<f64>() / n;
        let mse = pairs.iter().map(|(a, b)| (a - b).powi(2)).sum::<f64>() / n;
        let scale = |lag: usize, sq: bool| -> f64 {
            let d: Vec<f64> = y_train
                .windows(lag + 1)
                .map(|w| w[lag] - w[0])
                .filter(|v| !v.is_nan())
                .map(|v| if sq { v * v } else { v.abs() })
                .collect();
            if d.is_empty() {
                f64::NAN
            } else {
                d.iter().sum::<f64>() / d.len() as f64
            }
        };
        match self {
            Metric::Mae => mae,
            Metric::Mse => mse,
            Metric::Rmse => mse.sqrt(),
            Metric::Mape => {
                pairs
                    .iter()
                    .map(|(a, b)| (a - b).abs() / a.abs().max(f64::EPSILON))
                    .sum::<f64>()
                    / n
            }
            Metric::Smape => {
                100.0
                    * pairs
                        .iter()
                        .map(|(a, b)| {
                            let den = (a.abs() + b.abs()) / 2.0;
                            if den == 0.0 {
                                0.0
                            } else {
                                (a - b).abs() / den
                            }
                        })
                        .sum::<f64>()
                    / n
            }
            Metric::Wape => {
                let den: f64 = pairs.iter().map(|(a, _)| a.abs()).sum();
                pairs.iter().map(|(a, b)| (a - b).abs()).sum::<f64>() / den
            }
            Metric::Mase => mae / scale(1, false),
            Metric::Rmsse => mse.sqrt() / scale(1, true).sqrt(),
            Metric::Mase7 => mae / scale(7, false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas() {
        let t = [1.0, 2.0, 4.0];
        let p = [2.0, 2.0, 2.0];
        let train = [0.0, 1.0, 3.0, 6.0];
        assert_eq!(Metric::Mae.compute(&t, &p, &train), 1.0);
        assert_eq!(Metric::Mse.compute(&t, &p, &train), 5.0 / 3.0);
        assert!((Metric::Mape.compute(&t, &p, &train) - (1.0 + 0.0 + 0.5) / 3.0).abs() < 1e-15);
        assert!(
            (Metric::Smape.compute(&t, &p, &train) - 100.0 * (1.0 / 1.5 + 0.0 + 2.0 / 3.0) / 3.0)
                .abs()
                < 1e-12
        );
        assert_eq!(Metric::Wape.compute(&t, &p, &train), 3.0 / 7.0);
        assert_eq!(Metric::Mase.compute(&t, &p, &train), 1.0 / 2.0);
        assert!(
            Metric::Mase7.compute(&t, &p, &train).is_nan(),
            "no weekly scale on 4 points"
        );
        assert_eq!(Metric::Smape.compute(&[0.0], &[0.0], &train), 0.0);
    }
}
