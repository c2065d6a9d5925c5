//! Builders with defaults for the model specifications an engineer writes by hand:
//! `ModelSpec::recursive(Regressor::ridge(1.0)).lags(1..=14).build()` instead of filling every
//! field of [`ModelSpec::Recursive`].
//!
//! ```
//! use models::{ModelSpec, Regressor, Stat, Transform};
//!
//! let spec = ModelSpec::recursive(Regressor::ridge(1.0))
//!     .lags(1..=14)
//!     .window(Stat::Mean, 28)
//!     .transform(Transform::Log1p)
//!     .build();
//! assert_eq!(spec.window_size(), 28);
//!
//! // Fitted on a toy weekly series, without exogenous columns.
//! let y: Vec<f64> = (0..120).map(|t| 50.0 + 10.0 * ((t % 7) as f64)).collect();
//! let fitted = spec.fit(&y, None).unwrap();
//! assert_eq!(fitted.predict(7, None, None).unwrap().len(), 7);
//! ```

use crate::matrix::{Autoregressive, Stat, WindowFeature};
use crate::spec::{ModelSpec, Regressor, Transform};

impl Regressor {
    /// scikit-learn `LinearRegression`.
    pub fn linear() -> Self {
        Regressor::LinearRegression
    }

    /// scikit-learn `Ridge(alpha)`.
    pub fn ridge(alpha: f64) -> Self {
        Regressor::Ridge { alpha }
    }

    /// scikit-learn `Lasso(alpha)`.
    pub fn lasso(alpha: f64) -> Self {
        Regressor::Lasso { alpha }
    }

    /// scikit-learn `ElasticNet(alpha, l1_ratio)`.
    pub fn elastic_net(alpha: f64, l1_ratio: f64) -> Self {
        Regressor::ElasticNet { alpha, l1_ratio }
    }
}

/// A recursive (or, with [`RecursiveBuilder::direct`], direct) forecaster being specified.
/// Defaults: no lags or windows (a regression on the exog alone until lags are added), no
/// transform, predictions clipped at 0, no differencing.
#[derive(Debug, Clone, PartialEq)]
pub struct RecursiveBuilder {
    regressor: Regressor,
    autoregressive: Autoregressive,
    transform: Transform,
    clip_negative: bool,
    differentiation: usize,
    local_level: Option<usize>,
}

impl ModelSpec {
    /// Starts a recursive forecaster over `regressor` (skforecast `ForecasterRecursive`).
    pub fn recursive(regressor: Regressor) -> RecursiveBuilder {
        RecursiveBuilder {
            regressor,
            autoregressive: Autoregressive {
                lags: Vec::new(),
                windows: Vec::new(),
            },
            transform: Transform::None,
            clip_negative: true,
            differentiation: 0,
            local_level: None,
        }
    }
}

impl RecursiveBuilder {
    /// Lags, in column order (replaces any given before), e.g. `1..=14` or `[1, 7, 364]`.
    pub fn lags(mut self, lags: impl IntoIterator<Item = usize>) -> Self {
        self.autoregressive.lags = lags.into_iter().collect();
        self
    }

    /// Adds a rolling window feature (`roll_<stat>_<window>` over the previous values).
    pub fn window(mut self, stat: Stat, window: usize) -> Self {
        self.autoregressive
            .windows
            .push(WindowFeature { stat, window });
        self
    }

    /// The target transform (default none).
    pub fn transform(mut self, transform: Transform) -> Self {
        self.transform = transform;
        self
    }

    /// Whether predictions are clipped at 0 (default true: demand is never negative).
    pub fn clip_negative(mut self, clip: bool) -> Self {
        self.clip_negative = clip;
        self
    }

    /// Order of differencing after the transform (default 0).
    pub fn differentiation(mut self, order: usize) -> Self {
        self.differentiation = order;
        self
    }

    /// Re-levels the forecast on the last `days` training days (default off): the mean
    /// in-sample residual of those days (model space) is added to every forecast step, as an
    /// exponential-smoothing level would be. Needs no differencing.
    pub fn local_level(mut self, days: usize) -> Self {
        self.local_level = Some(days);
        self
    }

    /// The recursive specification.
    pub fn build(self) -> ModelSpec {
        ModelSpec::Recursive {
            regressor: self.regressor,
            autoregressive: self.autoregressive,
            transform: self.transform,
            clip_negative: self.clip_negative,
            differentiation: self.differentiation,
            local_level: self.local_level,
        }
    }

    /// The same settings as a direct forecaster of `steps` (one regressor per step; no
    /// differencing).
    pub fn direct(self, steps: usize) -> ModelSpec {
        ModelSpec::Direct {
            regressor: self.regressor,
            autoregressive: self.autoregressive,
            transform: self.transform,
            clip_negative: self.clip_negative,
            steps,
        }
    }
}

impl From<RecursiveBuilder> for ModelSpec {
    fn from(b: RecursiveBuilder) -> Self {
        b.build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builder_fills_what_a_hand_written_spec_does() {
        let built = ModelSpec::recursive(Regressor::ridge(10.0))
            .lags([1, 7, 14])
            .window(Stat::Mean, 7)
            .transform(Transform::Log1p)
            .build();
        let by_hand = ModelSpec::Recursive {
            regressor: Regressor::Ridge { alpha: 10.0 },
            autoregressive: Autoregressive {
                lags: vec![1, 7, 14],
                windows: vec![WindowFeature {
                    stat: Stat::Mean,
                    window: 7,
                }],
            },
            transform: Transform::Log1p,
            clip_negative: true,
            differentiation: 0,
            local_level: None,
        };
        assert_eq!(built, by_hand);
        let direct = ModelSpec::recursive(Regressor::linear())
            .lags(1..=3)
            .direct(5);
        assert!(matches!(
            direct,
            ModelSpec::Direct { steps: 5, ref autoregressive, .. } if autoregressive.lags == [1, 2, 3]
        ));
        let spec: ModelSpec = ModelSpec::recursive(Regressor::lasso(0.1)).lags([2]).into();
        assert_eq!(spec.window_size(), 2);
    }
}
