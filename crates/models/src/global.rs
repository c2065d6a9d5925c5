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
use crate::matrix::Autoregressive;
use crate::scale::{Scale, Transform};
use crate::spec::{FittedModel, FittedRegressor, ModelSpec, RegressionState, Regressor};
use crate::ModelError;

/// How the series is told to the regressor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeriesEncoding {
    /// One column holding the series' position (skforecast's `encoding='ordinal'`).
    Ordinal,
    /// One 0/1 column per series (`encoding='onehot'`).
    #[serde(rename = "onehot")]
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

/// `train.global`: in a run of many series, one Ridge on lags across every series
/// ([`GlobalRidgeSpec`]) competes in each series' backtest as the candidate `nombre`, seen
/// from that series as a local recursive Ridge ([`GlobalRidge::local`]). Its folds are each
/// series' own; each fold's model is fitted on every series' training range of that fold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GlobalConfig {
    /// Whether the global candidate competes (runs of one series never have one).
    pub enabled: bool,
    /// Its name on each series' leaderboard.
    pub nombre: String,
    /// Lags (each ≥ 1).
    pub lags: Vec<usize>,
    /// Ridge penalty.
    pub alpha: f64,
    /// Series encoding.
    pub encoding: SeriesEncoding,
    /// Per-series scaling.
    pub scaling: SeriesScaling,
    /// Clip forecasts at 0.
    pub clip_negative: bool,
}

impl Default for GlobalConfig {
    /// Off; when on, lags of two weeks and of the third and fourth week, one-hot series and
    /// per-series standard scaling (a level and a scale per series, shared dynamics).
    fn default() -> Self {
        Self {
            enabled: false,
            nombre: "global_ridge".into(),
            lags: (1..=14).chain([21, 28]).collect(),
            alpha: 1.0,
            encoding: SeriesEncoding::OneHot,
            scaling: SeriesScaling::Standard,
            clip_negative: true,
        }
    }
}

impl GlobalConfig {
    /// The global model to fit.
    pub fn spec(&self) -> GlobalRidgeSpec {
        GlobalRidgeSpec {
            lags: self.lags.clone(),
            alpha: self.alpha,
            encoding: self.encoding,
            scaling: self.scaling,
        }
    }

    /// The candidate each series' leaderboard shows: the model [`GlobalRidge::local`] gives
    /// (never refitted on one series: its fits come from the global model).
    pub fn candidate(&self) -> crate::Candidate {
        crate::Candidate {
            nombre: self.nombre.clone(),
            model: ModelSpec::Recursive {
                regressor: Regressor::Ridge { alpha: self.alpha },
                autoregressive: Autoregressive {
                    lags: self.lags.clone(),
                    windows: Vec::new(),
                },
                transform: transform_of(self.scaling),
                clip_negative: self.clip_negative,
                differentiation: 0,
                local_level: None,
            },
            exog: crate::ExogFilter::default(),
        }
    }
}

/// The local target transform equal to a per-series scaling.
fn transform_of(scaling: SeriesScaling) -> Transform {
    match scaling {
        SeriesScaling::None => Transform::None,
        SeriesScaling::Standard => Transform::Standardize,
    }
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
        self.fit_masked(series, None)
    }

    /// [`GlobalRidgeSpec::fit`] where the target of series `i` at position `t` is fitted only
    /// when `masks[i][t]` (closed days, long gaps): the values themselves still feed the lags
    /// and the scaling, so they must be complete.
    pub fn fit_masked(
        &self,
        series: &[&[f64]],
        masks: Option<&[&[bool]]>,
    ) -> Result<GlobalRidge, ModelError> {
        let w = self.window()?;
        if let Some(m) = masks {
            if m.len() != series.len() || m.iter().zip(series).any(|(m, s)| m.len() != s.len()) {
                return Err(ModelError::InvalidSpec(
                    "a global Ridge needs one fit mask per series, as long as the series".into(),
                ));
            }
        }
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
        let (mut x, mut y) = (Vec::new(), Vec::new());
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
            let fitted = |t: &usize| masks.is_none_or(|m| m[i][*t]);
            x.clear();
            y.clear();
            for t in (w..z.len()).filter(fitted) {
                x.extend(self.lags.iter().map(|l| z[t - l]));
                match self.encoding {
                    SeriesEncoding::Ordinal => x.push(i as f64),
                    SeriesEncoding::OneHot => {
                        x.extend((0..series.len()).map(|j| f64::from(u8::from(j == i))))
                    }
                }
                y.push(z[t]);
            }
            match &mut acc {
                _ if y.is_empty() => {}
                None => acc = Some(GramAccumulator::start(&x, &y, p)?),
                Some(a) => a.add(&x, &y)?,
            }
            scales.push(scale);
            last_windows.push(z[z.len() - w..].to_vec());
        }
        let fit = acc
            .ok_or_else(|| {
                ModelError::InvalidSpec("no fitted target in any series of a global Ridge".into())
            })?
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

    /// Series `i` seen alone: a recursive Ridge on its lags with the shared lag coefficients
    /// and the series' own intercept (the common one plus its code's term), on its own
    /// standardisation when the series are scaled. It predicts, keeps backtest residuals and
    /// serves exactly as a local model: its forecast is [`GlobalRidge::predict`]'s.
    ///
    /// `y` is series `i` as fitted (its last window starts the forecast) and `mask` its
    /// fitted targets; with `in_sample` the in-sample predictions and residuals of those
    /// targets are kept (what in-sample intervals need; a backtest's refits need none).
    pub fn local(
        &self,
        i: usize,
        y: &[f64],
        mask: Option<&[bool]>,
        clip_negative: bool,
        in_sample: bool,
    ) -> Result<FittedModel, ModelError> {
        let Some((centre, scale)) = self.scales.get(i).copied() else {
            return Err(ModelError::InvalidSpec(format!(
                "series {i} of {} fitted",
                self.series()
            )));
        };
        let w = self.spec.window()?;
        if y.len() <= w {
            return Err(ModelError::TooShort {
                needed: w + 1,
                got: y.len(),
            });
        }
        if mask.is_some_and(|m| m.len() != y.len()) {
            return Err(ModelError::InvalidSpec(
                "the fit mask and the series differ in length".into(),
            ));
        }
        let n_lags = self.spec.lags.len();
        let code = match self.spec.encoding {
            SeriesEncoding::Ordinal => self.fit.coef[n_lags] * i as f64,
            SeriesEncoding::OneHot => self.fit.coef[n_lags + i],
        };
        let fit = LinearFit {
            coef: self.fit.coef[..n_lags].to_vec(),
            intercept: self.fit.intercept + code,
        };
        let transform = transform_of(self.spec.scaling);
        let scale = Scale {
            transform,
            mean: centre,
            std: scale,
        };
        let (mut predictions, mut residuals) = (Vec::new(), Vec::new());
        if in_sample {
            let z: Vec<f64> = y.iter().map(|v| scale.forward(*v)).collect();
            let mut row = Vec::with_capacity(n_lags);
            for t in (w..z.len()).filter(|t| mask.is_none_or(|m| m[*t])) {
                row.clear();
                row.extend(self.spec.lags.iter().map(|l| z[t - l]));
                let p = fit.predict_row(&row);
                predictions.push(p);
                residuals.push(z[t] - p);
            }
        }
        let lags = Autoregressive {
            lags: self.spec.lags.clone(),
            windows: Vec::new(),
        };
        Ok(FittedModel {
            spec: ModelSpec::Recursive {
                regressor: Regressor::Ridge {
                    alpha: self.spec.alpha,
                },
                transform,
                clip_negative,
                differentiation: 0,
                local_level: None,
                autoregressive: lags,
            },
            last_window: y[y.len() - w..].to_vec(),
            state: Some(RegressionState {
                fit: FittedRegressor::Linear(fit),
                direct_fits: Vec::new(),
                scale,
                exog_names: Vec::new(),
                feature_names: self.spec.lags.iter().map(|l| format!("lag_{l}")).collect(),
                in_sample_residuals: residuals,
                in_sample_predictions: predictions,
                out_sample: None,
                held: Vec::new(),
                level_offset: 0.0,
            }),
            baseline_out_sample: None,
            members: Vec::new(),
            mstl: None,
        })
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

    /// Seen from one series, the global model is a local recursive Ridge whose forecast is
    /// the global one's; a masked target leaves the fit as if its row were never there.
    #[test]
    fn a_series_view_forecasts_as_the_global_model() {
        let data = [series(90, 4, 100.0), series(75, 5, 300.0)];
        let refs: Vec<&[f64]> = data.iter().map(|s| s.as_slice()).collect();
        for encoding in [SeriesEncoding::Ordinal, SeriesEncoding::OneHot] {
            for scaling in [SeriesScaling::None, SeriesScaling::Standard] {
                let spec = GlobalRidgeSpec {
                    lags: vec![1, 3, 7],
                    alpha: 2.0,
                    encoding,
                    scaling,
                };
                let g = spec.fit(&refs).unwrap();
                for (i, s) in data.iter().enumerate() {
                    let local = g.local(i, s, None, false, true).unwrap();
                    let a = local.predict(20, None, None).unwrap();
                    let b = g.predict(i, 20).unwrap();
                    for (x, y) in a.iter().zip(&b) {
                        assert!((x - y).abs() < 1e-9 * y.abs().max(1.0), "{x} vs {y}");
                    }
                    let st = local.state.as_ref().unwrap();
                    assert_eq!(st.in_sample_residuals.len(), s.len() - 7);
                }
                // Masking the targets of series 1 after position 60 = fitting it cut there
                // (its lags and scale aside: compare without scaling only).
                if scaling == SeriesScaling::None {
                    let masks: Vec<Vec<bool>> = data
                        .iter()
                        .enumerate()
                        .map(|(i, s)| (0..s.len()).map(|t| i == 0 || t < 60).collect())
                        .collect();
                    let mrefs: Vec<&[bool]> = masks.iter().map(|m| m.as_slice()).collect();
                    let masked = spec.fit_masked(&refs, Some(&mrefs)).unwrap();
                    let cut = spec.fit(&[&data[0], &data[1][..60]]).unwrap();
                    for (a, b) in masked.fit.coef.iter().zip(&cut.fit.coef) {
                        assert!((a - b).abs() < 1e-9, "{a} vs {b}");
                    }
                    assert!(spec.fit_masked(&refs, Some(&mrefs[..1])).is_err());
                }
            }
        }
    }

    /// A backtest whose folds take the global model fitted on every series' training range
    /// predicts each fold as that global model does.
    #[test]
    fn a_backtest_with_global_folds_predicts_as_the_global_model() {
        let data = [series(120, 6, 80.0), series(120, 7, 200.0)];
        let cfg = GlobalConfig {
            enabled: true,
            lags: vec![1, 2, 7],
            ..GlobalConfig::default()
        };
        let folds = crate::backtest::FoldConfig {
            refit: crate::backtest::Refit::Always,
            fixed_train_size: false,
            ..crate::backtest::FoldConfig::new(10, 90)
        };
        let cand = cfg.candidate();
        let fit_on = |end: usize| {
            let cut: Vec<&[f64]> = data.iter().map(|s| &s[..end]).collect();
            cfg.spec().fit(&cut).unwrap()
        };
        let bt =
            crate::backtest::backtest_fitted(&cand.model, &data[1], None, None, &folds, &mut |r| {
                fit_on(r.end).local(1, &data[1][r], None, true, false)
            })
            .unwrap();
        assert_eq!(bt.folds, 3);
        for fold in 0..3 {
            let end = 90 + 10 * fold;
            let want = fit_on(end).predict(1, 10).unwrap();
            let got: Vec<f64> = bt
                .predictions
                .iter()
                .filter(|p| p.fold == fold)
                .map(|p| p.pred)
                .collect();
            assert_eq!(got.len(), 10);
            for (a, b) in got.iter().zip(&want) {
                assert!((a - b.max(0.0)).abs() < 1e-9, "fold {fold}: {a} vs {b}");
            }
        }
        assert!(bt.metrics[&crate::Metric::Mae].is_finite());
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
