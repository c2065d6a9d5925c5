//! A global Ridge across many series (skforecast's `ForecasterRecursiveMultiSeries` semantics
//! for a Ridge estimator on lags): one regressor fitted on the lag rows of every series
//! stacked in order, each row carrying the series' code; the forecast is recursive per series.
//!
//! - **Encoding** ([`SeriesEncoding`]): `ordinal` (skforecast's default: one column with the
//!   series' position 0, 1, …) or `onehot` (one 0/1 column per series: a level per series).
//! - **Scaling** ([`SeriesScaling`]): `none` (skforecast's default) or `standard` (each series
//!   centred and divided by its population standard deviation before its lags are taken, as a
//!   `StandardScaler` per series; forecasts are scaled back).
//!
//! The normal equations are accumulated series by series
//! ([`crate::linear::GramAccumulator`]), so the stacked design is never held whole: memory is
//! one series' rows at a time.
//!
//! ```
//! use models::global::{GlobalRidgeSpec, SeriesEncoding, SeriesScaling};
//! let a: Vec<f64> = (0..120).map(|t| 100.0 + (t % 7) as f64).collect();
//! let b: Vec<f64> = (0..120).map(|t| 300.0 + 2.0 * (t % 7) as f64).collect();
//! let spec = GlobalRidgeSpec {
//!     lags: (1..=7).collect(),
//!     alpha: 1.0,
//!     encoding: SeriesEncoding::OneHot,
//!     scaling: SeriesScaling::Standard,
//! };
//! let fitted = spec.fit(&[&a, &b]).unwrap();
//! let f = fitted.predict(1, 14).unwrap();
//! assert_eq!(f.len(), 14);
//! assert!(f.iter().all(|v| (295.0..=315.0).contains(v)));
//! ```

use serde::{Deserialize, Serialize};

use crate::linear::{GramAccumulator, LinearFit};
use crate::ModelError;

/// How the series is told to the regressor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeriesEncoding {
    /// One column holding the series' position (skforecast's `encoding='ordinal'`).
    Ordinal,
    /// One 0/1 column per series (`encoding='onehot'`).
    OneHot,
}

/// How each series is scaled before the shared regressor sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeriesScaling {
    /// As given (skforecast's `transformer_series=None`).
    None,
    /// Centred and divided by the population standard deviation, per series.
    Standard,
}

/// Most series a one-hot encoding takes (its normal equations are dense: 2,000 series are
/// ≈ 32 MB of them).
pub const MAX_ONEHOT_SERIES: usize = 2_000;

/// An unfitted global Ridge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GlobalRidgeSpec {
    /// Lags (each ≥ 1).
    pub lags: Vec<usize>,
    /// Ridge penalty (≥ 0).
    pub alpha: f64,
    /// Series encoding.
    pub encoding: SeriesEncoding,
    /// Per-series scaling.
    pub scaling: SeriesScaling,
}

/// A fitted global Ridge.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GlobalRidge {
    /// The spec.
    pub spec: GlobalRidgeSpec,
    /// Coefficients: lags in order, then the encoding column(s).
    pub fit: LinearFit,
    /// Per series `(centre, scale)` of the scaling (`(0, 1)` without scaling).
    pub scales: Vec<(f64, f64)>,
    /// Per series its last `max(lags)` values, scaled.
    pub last_windows: Vec<Vec<f64>>,
}

impl GlobalRidgeSpec {
    fn window(&self) -> Result<usize, ModelError> {
        match self.lags.iter().max() {
            Some(w) if self.lags.iter().all(|l| *l >= 1) => Ok(*w),
            _ => Err(ModelError::InvalidSpec(
                "a global Ridge needs lags, each at least 1".into(),
            )),
        }
    }

    fn columns(&self, n_series: usize) -> usize {
        self.lags.len()
            + match self.encoding {
                SeriesEncoding::Ordinal => 1,
                SeriesEncoding::OneHot => n_series,
            }
    }

    /// Fits on `series` (in the order that gives their codes; each complete, longer than the
    /// largest lag).
    pub fn fit(&self, series: &[&[f64]]) -> Result<GlobalRidge, ModelError> {
        let w = self.window()?;
        if series.is_empty() {
            return Err(ModelError::InvalidSpec(
                "a global Ridge needs at least one series".into(),
            ));
        }
        if self.encoding == SeriesEncoding::OneHot && series.len() > MAX_ONEHOT_SERIES {
            return Err(ModelError::InvalidSpec(format!(
                "one-hot encoding of {} series needs a {}² system; use the ordinal encoding \
                 or shards above {MAX_ONEHOT_SERIES} series",
                series.len(),
                self.columns(series.len())
            )));
        }
        let p = self.columns(series.len());
        let mut acc: Option<GramAccumulator> = None;
        let mut scales = Vec::with_capacity(series.len());
        let mut last_windows = Vec::with_capacity(series.len());
        let mut x = Vec::new();
        for (i, s) in series.iter().enumerate() {
            if s.len() <= w {
                return Err(ModelError::TooShort {
                    needed: w + 1,
                    got: s.len(),
                });
            }
            if s.iter().any(|v| !v.is_finite()) {
                return Err(ModelError::Numerical(format!(
                    "series {i} of a global Ridge has a missing or infinite value"
                )));
            }
            let scale = match self.scaling {
                SeriesScaling::None => (0.0, 1.0),
                SeriesScaling::Standard => {
                    let n = s.len() as f64;
                    let mean = s.iter().sum::<f64>() / n;
                    let var = s.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
                    (mean, if var > 0.0 { var.sqrt() } else { 1.0 })
                }
            };
            let z: Vec<f64> = s.iter().map(|v| (v - scale.0) / scale.1).collect();
            x.clear();
            for t in w..z.len() {
                x.extend(self.lags.iter().map(|l| z[t - l]));
                match self.encoding {
                    SeriesEncoding::Ordinal => x.push(i as f64),
                    SeriesEncoding::OneHot => {
                        x.extend((0..series.len()).map(|j| f64::from(u8::from(j == i))))
                    }
                }
            }
            let y = &z[w..];
            match &mut acc {
                None => acc = Some(GramAccumulator::start(&x, y, p)?),
                Some(a) => a.add(&x, y)?,
            }
            scales.push(scale);
            last_windows.push(z[z.len() - w..].to_vec());
        }
        let fit = acc
            .expect("one series at least")
            .equations()
            .ridge(self.alpha)?;
        Ok(GlobalRidge {
            spec: self.clone(),
            fit,
            scales,
            last_windows,
        })
    }
}

impl GlobalRidge {
    /// Number of series.
    pub fn series(&self) -> usize {
        self.scales.len()
    }

    /// The next `steps` values of series `i` (its position in the fit), each prediction fed
    /// back as the lags of the next.
    pub fn predict(&self, i: usize, steps: usize) -> Result<Vec<f64>, ModelError> {
        let (Some(window), Some((centre, scale))) = (self.last_windows.get(i), self.scales.get(i))
        else {
            return Err(ModelError::InvalidSpec(format!(
                "series {i} of {} fitted",
                self.series()
            )));
        };
        let w = window.len();
        let n = self.series();
        let mut z = window.clone();
        z.reserve(steps);
        let mut row = Vec::with_capacity(self.spec.columns(n));
        let mut out = Vec::with_capacity(steps);
        for step in 0..steps {
            let t = w + step;
            row.clear();
            row.extend(self.spec.lags.iter().map(|l| z[t - l]));
            match self.spec.encoding {
                SeriesEncoding::Ordinal => row.push(i as f64),
                SeriesEncoding::OneHot => row.extend((0..n).map(|j| f64::from(u8::from(j == i)))),
            }
            let v = self.fit.predict_row(&row);
            z.push(v);
            out.push(v * scale + centre);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::TrainMatrix;

    fn series(n: usize, seed: u64, level: f64) -> Vec<f64> {
        let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
        (0..n)
            .map(|t| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let noise = (state >> 11) as f64 / (1u64 << 53) as f64;
                level + 20.0 * (t as f64 * std::f64::consts::TAU / 7.0).sin() + 5.0 * noise
            })
            .collect()
    }

    /// The fit is the Ridge of the stacked design built by hand, and the forecast its
    /// recursion: checked against a dense build for both encodings and scalings.
    #[test]
    fn global_ridge_is_the_ridge_of_the_stacked_design() {
        let data = [
            series(90, 1, 100.0),
            series(70, 2, 400.0),
            series(80, 3, 50.0),
        ];
        let refs: Vec<&[f64]> = data.iter().map(|s| s.as_slice()).collect();
        for encoding in [SeriesEncoding::Ordinal, SeriesEncoding::OneHot] {
            for scaling in [SeriesScaling::None, SeriesScaling::Standard] {
                let spec = GlobalRidgeSpec {
                    lags: vec![1, 2, 7],
                    alpha: 0.5,
                    encoding,
                    scaling,
                };
                let g = spec.fit(&refs).unwrap();
                let mut m = TrainMatrix {
                    names: Vec::new(),
                    x: Vec::new(),
                    y: Vec::new(),
                    positions: Vec::new(),
                };
                for (i, s) in data.iter().enumerate() {
                    let (c, d) = g.scales[i];
                    let z: Vec<f64> = s.iter().map(|v| (v - c) / d).collect();
                    for t in 7..z.len() {
                        m.x.extend([z[t - 1], z[t - 2], z[t - 7]]);
                        match encoding {
                            SeriesEncoding::Ordinal => m.x.push(i as f64),
                            SeriesEncoding::OneHot => {
                                m.x.extend((0..3).map(|j| f64::from(u8::from(j == i))))
                            }
                        }
                        m.y.push(z[t]);
                        m.positions.push(t);
                    }
                }
                m.names = (0..spec.columns(3)).map(|j| format!("c{j}")).collect();
                let dense = crate::linear::ridge(&m, 0.5).unwrap();
                let tol = |v: f64| 1e-9 * v.abs().max(1.0);
                for (a, b) in g.fit.coef.iter().zip(&dense.coef) {
                    assert!(
                        (a - b).abs() <= tol(*b),
                        "{encoding:?} {scaling:?}: {a} vs {b}"
                    );
                }
                assert!((g.fit.intercept - dense.intercept).abs() <= tol(dense.intercept));
                // One step ahead of series 1 by hand.
                let (c, d) = g.scales[1];
                let z: Vec<f64> = data[1].iter().map(|v| (v - c) / d).collect();
                let n = z.len();
                let mut row = vec![z[n - 1], z[n - 2], z[n - 7]];
                match encoding {
                    SeriesEncoding::Ordinal => row.push(1.0),
                    SeriesEncoding::OneHot => row.extend([0.0, 1.0, 0.0]),
                }
                let first = g.predict(1, 3).unwrap()[0];
                assert!((first - (dense.predict_row(&row) * d + c)).abs() < 1e-8);
            }
        }
    }

    #[test]
    fn bad_inputs_are_refused() {
        let spec = GlobalRidgeSpec {
            lags: vec![],
            alpha: 1.0,
            encoding: SeriesEncoding::OneHot,
            scaling: SeriesScaling::None,
        };
        assert!(spec.fit(&[&[1.0, 2.0, 3.0]]).is_err());
        let spec = GlobalRidgeSpec {
            lags: vec![3],
            ..spec
        };
        assert!(matches!(
            spec.fit(&[&[1.0, 2.0, 3.0]]),
            Err(ModelError::TooShort { .. })
        ));
        assert!(spec.fit(&[&[1.0, f64::NAN, 3.0, 4.0, 5.0]]).is_err());
        let g = spec.fit(&[&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]]).unwrap();
        assert!(g.predict(1, 3).is_err());
    }
}
