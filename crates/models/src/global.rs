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
use crate::matrix::{Autoregressive, Exog};
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

/// Most series a one-hot encoding takes without a penalty (`alpha = 0`: its normal equations
/// are dense, 2,000 series are ≈ 32 MB of them; with a penalty the series' block is solved
/// apart, with no limit).
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
    /// Lags (each ≥ 1; may be empty with exog).
    pub lags: Vec<usize>,
    /// The calendar's exog columns it takes, through this filter (`null`: none, lags only).
    /// Their effects are shared: one coefficient per column across the series, in the scaled
    /// units of each.
    #[serde(default)]
    pub exog: Option<crate::ExogFilter>,
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
    /// Off; when on, a regression on the calendar without lags (weekday, yearly Fourier,
    /// festivos and their eves; no trend, which one coefficient cannot share across series)
    /// with one-hot series and per-series standard scaling: a level and a scale per series,
    /// shared calendar effects.
    fn default() -> Self {
        Self {
            enabled: false,
            nombre: "global_ridge".into(),
            lags: Vec::new(),
            exog: Some(crate::ExogFilter {
                tendencia: Some(false),
                ..crate::ExogFilter::default()
            }),
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
            exog: self.exog.unwrap_or_default(),
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
    /// Coefficients: lags in order, the exog columns, then the encoding column(s).
    pub fit: LinearFit,
    /// Exog columns fitted on, in order (empty: lags only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exog_names: Vec<String>,
    /// Which of them are held flat after the training range.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub held: Vec<bool>,
    /// Per series `(centre, scale)` of the scaling (`(0, 1)` without scaling).
    pub scales: Vec<(f64, f64)>,
    /// Per series its last `max(lags)` values, scaled.
    pub last_windows: Vec<Vec<f64>>,
}

/// One series as the global model takes it: its values (complete: they feed the lags and the
/// scaling), its exog columns (the same names in every series) and which targets are fitted.
#[derive(Debug, Clone, Copy)]
pub struct SeriesInput<'a> {
    /// Values.
    pub y: &'a [f64],
    /// Exog columns (`None`: the model is on lags only), row [`SeriesInput::exog_from`]
    /// aligned with `y[0]`.
    pub exog: Option<&'a Exog>,
    /// The row of `exog` that goes with `y[0]`: a fold's training range reads the whole
    /// history's exog in place instead of a copy of its rows (`exog` holds at least
    /// `exog_from + y.len()` rows).
    pub exog_from: usize,
    /// Fitted targets (`None`: all); masked days (closed, long gaps) still feed the lags.
    pub mask: Option<&'a [bool]>,
}

impl<'a> SeriesInput<'a> {
    /// A complete series without exog.
    pub fn of(y: &'a [f64]) -> Self {
        Self {
            y,
            exog: None,
            exog_from: 0,
            mask: None,
        }
    }
}

impl GlobalRidgeSpec {
    fn window(&self) -> Result<usize, ModelError> {
        if self.lags.contains(&0) {
            return Err(ModelError::InvalidSpec(
                "a global Ridge's lags are each at least 1".into(),
            ));
        }
        // At least 1, as a local recursive model's window (its first row is never fitted).
        Ok(self.lags.iter().max().copied().unwrap_or(0).max(1))
    }

    fn columns(&self, n_exog: usize, n_series: usize) -> usize {
        self.lags.len()
            + n_exog
            + match self.encoding {
                SeriesEncoding::Ordinal => 1,
                SeriesEncoding::OneHot => n_series,
            }
    }

    /// Fits on `series` (in the order that gives their codes; each complete, longer than the
    /// largest lag).
    pub fn fit(&self, series: &[&[f64]]) -> Result<GlobalRidge, ModelError> {
        let inputs: Vec<SeriesInput<'_>> = series.iter().map(|y| SeriesInput::of(y)).collect();
        self.fit_series(&inputs)
    }

    /// Fits on `series` with their exog columns and fit masks: a row per fitted target, its
    /// lags (scaled), its exog values as they are, and the series' code.
    pub fn fit_series(&self, series: &[SeriesInput<'_>]) -> Result<GlobalRidge, ModelError> {
        let w = self.window()?;
        let Some(first) = series.first() else {
            return Err(ModelError::InvalidSpec(
                "a global Ridge needs at least one series".into(),
            ));
        };
        let (exog_names, held) = first
            .exog
            .map(|e| (e.names.clone(), e.held.clone()))
            .unwrap_or_default();
        if self.lags.is_empty() && exog_names.is_empty() {
            return Err(ModelError::InvalidSpec(
                "a global Ridge needs lags or exog columns".into(),
            ));
        }
        // A one-hot code with a penalty is solved from the shared columns' equations and each
        // series' means (`NormalEquations::ridge_with_groups`): linear in the series, where the
        // widened design's equations grew with their square (a third of a minute for 750
        // series, and cubic).
        let grouped = self.encoding == SeriesEncoding::OneHot && self.alpha > 0.0;
        let p = if grouped {
            self.lags.len() + exog_names.len()
        } else {
            self.columns(exog_names.len(), series.len())
        };
        if self.encoding == SeriesEncoding::OneHot && !grouped && series.len() > MAX_ONEHOT_SERIES {
            return Err(ModelError::InvalidSpec(format!(
                "one-hot encoding of {} series without a penalty needs a {p}² system; above \
                 {MAX_ONEHOT_SERIES} series use a penalty (alpha > 0) or the ordinal encoding",
                series.len(),
            )));
        }
        let mut acc: Option<GramAccumulator> = None;
        let mut groups = Vec::with_capacity(if grouped { series.len() } else { 0 });
        let mut scales = Vec::with_capacity(series.len());
        let mut last_windows = Vec::with_capacity(series.len());
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for (i, input) in series.iter().enumerate() {
            let s = input.y;
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
            if input.mask.is_some_and(|m| m.len() != s.len()) {
                return Err(ModelError::InvalidSpec(format!(
                    "series {i} of a global Ridge: its fit mask and its values differ in length"
                )));
            }
            let names = input.exog.map_or(&[][..], |e| e.names.as_slice());
            if names != exog_names.as_slice() {
                return Err(ModelError::InvalidSpec(format!(
                    "series {i} of a global Ridge has exog columns {names:?}, the first series {exog_names:?}"
                )));
            }
            let from = input.exog_from;
            if let Some(e) = input.exog.filter(|e| e.len() < from + s.len()) {
                return Err(ModelError::ExogLength {
                    expected: from + s.len(),
                    got: e.len(),
                });
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
            y.clear();
            for t in (w..z.len()).filter(|t| input.mask.is_none_or(|m| m[*t])) {
                x.extend(self.lags.iter().map(|l| z[t - l]));
                if let Some(e) = input.exog {
                    x.extend(e.columns.iter().map(|c| c[from + t]));
                }
                match self.encoding {
                    SeriesEncoding::Ordinal => x.push(i as f64),
                    SeriesEncoding::OneHot if grouped => {}
                    SeriesEncoding::OneHot => {
                        x.extend((0..series.len()).map(|j| f64::from(u8::from(j == i))))
                    }
                }
                y.push(z[t]);
            }
            if grouped {
                groups.push(group_means(&x, &y, p));
            }
            match &mut acc {
                _ if y.is_empty() => {}
                None => acc = Some(GramAccumulator::start(&x, &y, p)?),
                Some(a) => a.add(&x, &y)?,
            }
            scales.push(scale);
            last_windows.push(z[z.len() - w..].to_vec());
        }
        let equations = acc
            .ok_or_else(|| {
                ModelError::InvalidSpec("no fitted target in any series of a global Ridge".into())
            })?
            .equations();
        let fit = if grouped {
            equations.ridge_with_groups(self.alpha, &groups)?
        } else {
            equations.ridge(self.alpha)?
        };
        Ok(GlobalRidge {
            spec: self.clone(),
            fit,
            exog_names,
            held,
            scales,
            last_windows,
        })
    }
}

/// The rows (row-major, `p` values each), column means and target mean of one series.
fn group_means(x: &[f64], y: &[f64], p: usize) -> crate::linear::GroupMeans {
    let rows = y.len();
    let mut means = vec![0.0; if rows == 0 { 0 } else { p }];
    if rows > 0 && p > 0 {
        for row in x.chunks_exact(p) {
            for (m, v) in means.iter_mut().zip(row) {
                *m += v;
            }
        }
        means.iter_mut().for_each(|m| *m /= rows as f64);
    }
    crate::linear::GroupMeans {
        rows,
        means,
        ymean: if rows == 0 {
            0.0
        } else {
            y.iter().sum::<f64>() / rows as f64
        },
    }
}

impl GlobalRidge {
    /// Series `i`'s linear fit on the shared columns (lags, then exog): the shared
    /// coefficients and the common intercept plus its code's term (its one 0/1 column is the
    /// only one set, so no product runs over every series' column). `i` is a fitted series.
    fn series_fit(&self, i: usize) -> LinearFit {
        let shared = self.spec.lags.len() + self.exog_names.len();
        let code = match self.spec.encoding {
            SeriesEncoding::Ordinal => self.fit.coef[shared] * i as f64,
            SeriesEncoding::OneHot => self.fit.coef[shared + i],
        };
        LinearFit {
            coef: self.fit.coef[..shared].to_vec(),
            intercept: self.fit.intercept + code,
        }
    }

    /// Number of series.
    pub fn series(&self) -> usize {
        self.scales.len()
    }

    /// Series `i` seen alone: a recursive Ridge on its lags (and the exog columns) with the
    /// shared coefficients and the series' own intercept (the common one plus its code's
    /// term), on its own standardisation when the series are scaled. It predicts, keeps
    /// backtest residuals and serves exactly as a local model: without exog its forecast is
    /// [`GlobalRidge::predict`]'s.
    ///
    /// `input` is series `i` as fitted (its last window starts the forecast; its exog's last
    /// row gives the held columns' values); with `in_sample` the in-sample predictions and
    /// residuals of its fitted targets are kept (what in-sample intervals need; a backtest's
    /// refits need none).
    pub fn local(
        &self,
        i: usize,
        input: SeriesInput<'_>,
        clip_negative: bool,
        in_sample: bool,
    ) -> Result<FittedModel, ModelError> {
        let SeriesInput {
            y,
            exog,
            exog_from: from,
            mask,
        } = input;
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
        let names = exog.map_or(&[][..], |e| e.names.as_slice());
        if names != self.exog_names.as_slice() || exog.is_some_and(|e| e.len() < from + y.len()) {
            return Err(ModelError::InvalidSpec(format!(
                "series {i}: exog columns {names:?} for a global Ridge fitted on {:?}, or fewer \
                 rows than the series from its first",
                self.exog_names
            )));
        }
        let shared = self.spec.lags.len() + self.exog_names.len();
        let fit = self.series_fit(i);
        let transform = transform_of(self.spec.scaling);
        let scale = Scale {
            transform,
            mean: centre,
            std: scale,
        };
        let (mut predictions, mut residuals) = (Vec::new(), Vec::new());
        if in_sample {
            let z: Vec<f64> = y.iter().map(|v| scale.forward(*v)).collect();
            let mut row = Vec::with_capacity(shared);
            for t in (w..z.len()).filter(|t| mask.is_none_or(|m| m[*t])) {
                row.clear();
                row.extend(self.spec.lags.iter().map(|l| z[t - l]));
                if let Some(e) = exog {
                    row.extend(e.columns.iter().map(|c| c[from + t]));
                }
                let p = fit.predict_row(&row);
                predictions.push(p);
                residuals.push(z[t] - p);
            }
        }
        let held = crate::spec::held_values_at(exog, from + y.len() - 1);
        let lags = Autoregressive {
            lags: self.spec.lags.clone(),
            windows: Vec::new(),
        };
        let feature_names = self
            .spec
            .lags
            .iter()
            .map(|l| format!("lag_{l}"))
            .chain(self.exog_names.iter().cloned())
            .collect();
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
                exog_names: self.exog_names.clone(),
                feature_names,
                in_sample_residuals: residuals,
                in_sample_predictions: predictions,
                out_sample: None,
                held,
                level_offset: 0.0,
            }),
            baseline_out_sample: None,
            members: Vec::new(),
            mstl: None,
            seasonal: None,
            profile: None,
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
        if !self.exog_names.is_empty() {
            return Err(ModelError::InvalidSpec(
                "this global Ridge was fitted with exog columns: forecast a series through \
                 GlobalRidge::local with the horizon's exog"
                    .into(),
            ));
        }
        let w = window.len();
        let local = self.series_fit(i);
        let mut z = window.clone();
        z.reserve(steps);
        let mut row = Vec::with_capacity(self.spec.lags.len());
        let mut out = Vec::with_capacity(steps);
        for step in 0..steps {
            let t = w + step;
            row.clear();
            row.extend(self.spec.lags.iter().map(|l| z[t - l]));
            let v = local.predict_row(&row);
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
                m.names = (0..spec.columns(0, 3)).map(|j| format!("c{j}")).collect();
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

    /// A one-hot code over many series, some masked and one without a fitted row, with exog
    /// columns: the grouped solve (the series' block apart) is the Ridge of the widened
    /// design built row by row.
    #[test]
    fn a_one_hot_code_is_solved_apart_as_the_widened_design() {
        let k = 40;
        let data: Vec<Vec<f64>> = (0..k)
            .map(|i| series(30 + 3 * i, 10 + i as u64, 50.0 + 7.0 * i as f64))
            .collect();
        let exogs: Vec<Exog> = data
            .iter()
            .map(|s| {
                let cols = vec![
                    (0..s.len()).map(|t| ((t % 7) == 5) as u8 as f64).collect(),
                    (0..s.len()).map(|t| (t as f64 / 9.0).cos()).collect(),
                ];
                Exog::new(vec!["sat".into(), "wave".into()], cols).unwrap()
            })
            .collect();
        let masks: Vec<Vec<bool>> = data
            .iter()
            .enumerate()
            .map(|(i, s)| (0..s.len()).map(|t| i != 3 && (t + i) % 5 != 0).collect())
            .collect();
        let inputs: Vec<SeriesInput<'_>> = (0..k)
            .map(|i| SeriesInput {
                y: &data[i],
                exog: Some(&exogs[i]),
                exog_from: 0,
                mask: Some(&masks[i]),
            })
            .collect();
        for (scaling, alpha) in [
            (SeriesScaling::None, 2.0),
            (SeriesScaling::Standard, 2.0),
            (SeriesScaling::Standard, 1e-14),
        ] {
            let spec = GlobalRidgeSpec {
                lags: vec![1, 7],
                alpha,
                encoding: SeriesEncoding::OneHot,
                scaling,
            };
            let g = spec.fit_series(&inputs).unwrap();
            let (mut x, mut y) = (Vec::new(), Vec::new());
            for i in 0..k {
                let (c, d) = g.scales[i];
                let z: Vec<f64> = data[i].iter().map(|v| (v - c) / d).collect();
                for t in (7..z.len()).filter(|t| masks[i][*t]) {
                    x.extend([z[t - 1], z[t - 7]]);
                    x.extend(exogs[i].columns.iter().map(|col| col[t]));
                    x.extend((0..k).map(|j| f64::from(u8::from(j == i))));
                    y.push(z[t]);
                }
            }
            let dense = crate::linear::NormalEquations::of_rows(&x, &y, 4 + k)
                .unwrap()
                .ridge(alpha)
                .unwrap();
            assert_eq!(g.fit.coef.len(), dense.coef.len());
            if alpha < 1e-6 {
                // Almost no penalty: the series' levels and the intercept share one direction
                // the penalty barely decides, so compare what is determined: the shared
                // coefficients and each series' level (intercept plus its code).
                for j in 0..4 {
                    let (a, b) = (g.fit.coef[j], dense.coef[j]);
                    assert!(
                        (a - b).abs() <= 1e-6 * b.abs().max(1.0),
                        "column {j}: {a} vs {b}"
                    );
                }
                for i in (0..k).filter(|i| *i != 3) {
                    let a = g.fit.intercept + g.fit.coef[4 + i];
                    let b = dense.intercept + dense.coef[4 + i];
                    assert!(
                        (a - b).abs() <= 1e-6 * b.abs().max(1.0),
                        "series {i}: {a} vs {b}"
                    );
                }
                continue;
            }
            let tol = |v: f64| 1e-9 * v.abs().max(1.0);
            for (j, (a, b)) in g.fit.coef.iter().zip(&dense.coef).enumerate() {
                assert!(
                    (a - b).abs() <= tol(*b),
                    "{scaling:?} column {j}: {a} vs {b}"
                );
            }
            assert!((g.fit.intercept - dense.intercept).abs() <= tol(dense.intercept));
            // The series without a fitted row has no level of its own.
            assert!(g.fit.coef[4 + 3].abs() < 1e-12);
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
                    let local = g.local(i, SeriesInput::of(s), false, true).unwrap();
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
                    let inputs: Vec<SeriesInput<'_>> = data
                        .iter()
                        .zip(&masks)
                        .map(|(y, m)| SeriesInput {
                            y,
                            exog: None,
                            exog_from: 0,
                            mask: Some(m),
                        })
                        .collect();
                    let masked = spec.fit_series(&inputs).unwrap();
                    let cut = spec.fit(&[&data[0], &data[1][..60]]).unwrap();
                    for (a, b) in masked.fit.coef.iter().zip(&cut.fit.coef) {
                        assert!((a - b).abs() < 1e-9, "{a} vs {b}");
                    }
                    let short = SeriesInput {
                        mask: Some(&masks[1][..10]),
                        ..inputs[1]
                    };
                    assert!(spec.fit_series(&[inputs[0], short]).is_err());
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
            exog: None,
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
                fit_on(r.end).local(1, SeriesInput::of(&data[1][r]), true, false)
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

    /// With exog columns and no lags, each series' forecast is its level plus the shared
    /// effects of the horizon's exog, on its own scale; the fit is the Ridge of the stacked
    /// design with those columns.
    /// A fold's range read in place (`exog_from`) fits and serves exactly as a copy of its
    /// rows: the same coefficients, in-sample predictions, held values and forecasts.
    #[test]
    fn a_range_of_the_whole_exog_fits_as_a_copy_of_its_rows() {
        let n = 120;
        let cols: Vec<Vec<f64>> = (0..3)
            .map(|d| {
                (0..n)
                    .map(|t| ((t * (d + 2)) % 7) as f64 + 0.1 * t as f64)
                    .collect()
            })
            .collect();
        let mut whole = Exog::new(vec!["a".into(), "b".into(), "trend".into()], cols).unwrap();
        whole.held = vec![false, false, true];
        let data = [series(n, 8, 100.0), series(n, 9, 300.0), series(n, 5, 50.0)];
        let range = 20..90;
        let copy = whole.slice(range.clone());
        let spec = GlobalRidgeSpec {
            lags: vec![1, 7],
            alpha: 0.5,
            encoding: SeriesEncoding::OneHot,
            scaling: SeriesScaling::Standard,
        };
        let masks: Vec<Vec<bool>> = (0..3)
            .map(|i| (0..n).map(|t| (t + i) % 11 != 0).collect())
            .collect();
        let inputs = |in_place: bool| -> Vec<SeriesInput<'_>> {
            data.iter()
                .zip(&masks)
                .map(|(y, m)| SeriesInput {
                    y: &y[range.clone()],
                    exog: Some(if in_place { &whole } else { &copy }),
                    exog_from: if in_place { range.start } else { 0 },
                    mask: Some(&m[range.clone()]),
                })
                .collect()
        };
        let (a, b) = (inputs(true), inputs(false));
        let (ga, gb) = (spec.fit_series(&a).unwrap(), spec.fit_series(&b).unwrap());
        assert_eq!(ga.fit.coef, gb.fit.coef);
        let future = whole.slice(90..104);
        for i in 0..3 {
            let (la, lb) = (
                ga.local(i, a[i], false, true).unwrap(),
                gb.local(i, b[i], false, true).unwrap(),
            );
            assert_eq!(la, lb);
            assert_eq!(
                la.predict(14, None, Some(&future)).unwrap(),
                lb.predict(14, None, Some(&future)).unwrap()
            );
        }
        // Fewer rows than the series from its first: refused.
        let short = SeriesInput {
            exog_from: n - 10,
            ..a[0]
        };
        assert!(spec.fit_series(&[short, a[1]]).is_err());
        assert!(ga.local(0, short, false, false).is_err());
    }

    #[test]
    fn exog_columns_are_shared_across_series() {
        let weekday = |n: usize| -> Exog {
            let cols: Vec<Vec<f64>> = (0..2)
                .map(|d| (0..n).map(|t| f64::from(u8::from(t % 7 == d))).collect())
                .collect();
            Exog::new(vec!["lunes".into(), "martes".into()], cols).unwrap()
        };
        let data = [series(84, 8, 100.0), series(70, 9, 300.0)];
        let ex = [weekday(84), weekday(70)];
        let inputs: Vec<SeriesInput<'_>> = data
            .iter()
            .zip(&ex)
            .map(|(y, e)| SeriesInput {
                y,
                exog: Some(e),
                exog_from: 0,
                mask: None,
            })
            .collect();
        let spec = GlobalRidgeSpec {
            lags: vec![],
            alpha: 0.5,
            encoding: SeriesEncoding::OneHot,
            scaling: SeriesScaling::Standard,
        };
        let g = spec.fit_series(&inputs).unwrap();
        assert_eq!(g.exog_names, ["lunes", "martes"]);
        let mut m = TrainMatrix {
            names: (0..4).map(|j| format!("c{j}")).collect(),
            x: Vec::new(),
            y: Vec::new(),
            positions: Vec::new(),
        };
        for (i, s) in data.iter().enumerate() {
            let (c, d) = g.scales[i];
            for (t, v) in s.iter().enumerate().skip(1) {
                m.x.extend([ex[i].columns[0][t], ex[i].columns[1][t]]);
                m.x.extend((0..2).map(|j| f64::from(u8::from(j == i))));
                m.y.push((v - c) / d);
                m.positions.push(t);
            }
        }
        let dense = crate::linear::ridge(&m, 0.5).unwrap();
        for (a, b) in g.fit.coef.iter().zip(&dense.coef) {
            assert!((a - b).abs() < 1e-9, "{a} vs {b}");
        }
        let local = g.local(1, inputs[1], false, true).unwrap();
        let future = weekday(14);
        let f = local.predict(14, None, Some(&future)).unwrap();
        let (c, d) = g.scales[1];
        for (k, v) in f.iter().enumerate() {
            let z = g.fit.intercept
                + g.fit.coef[3]
                + g.fit.coef[0] * future.columns[0][k]
                + g.fit.coef[1] * future.columns[1][k];
            assert!((v - (z * d + c)).abs() < 1e-9, "step {k}: {v}");
        }
        // Lag-only forecasts are refused for it; other exog columns are refused.
        assert!(g.predict(0, 3).is_err());
        let other = Exog::new(vec!["x".into()], vec![vec![0.0; 70]]).unwrap();
        let wrong = SeriesInput {
            exog: Some(&other),
            exog_from: 0,
            ..inputs[1]
        };
        assert!(g.local(1, wrong, false, false).is_err());
        assert!(spec.fit_series(&[inputs[0], wrong]).is_err());
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
