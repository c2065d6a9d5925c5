//! Backtesting with skforecast's `TimeSeriesFold` arithmetic (§B.9) and loop (§B.10): folds
//! that are not refitted predict from the **true** last window; the metric is computed once on
//! the pooled predictions of every fold.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::matrix::Exog;
use crate::metrics::Metric;
use crate::spec::{FittedModel, ModelSpec};
use crate::ModelError;

/// When folds refit the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refit {
    /// Fit once on the initial training range.
    Never,
    /// Refit on every fold.
    Always,
    /// Refit every k folds (0, k, 2k, …).
    Every(usize),
}

/// Fold settings (`TimeSeriesFold`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FoldConfig {
    /// Steps predicted per fold.
    pub steps: usize,
    /// Length of the first training range.
    pub initial_train_size: usize,
    /// Refit policy.
    pub refit: Refit,
    /// Rolling (true) or expanding (false) training window when refitting.
    pub fixed_train_size: bool,
    /// Observations skipped between the training end and the first scored step.
    pub gap: usize,
    /// Keep folds 0, k, 2k, … (`None` = all).
    pub skip_folds: Option<usize>,
    /// Keep a last fold shorter than `steps`.
    pub allow_incomplete_fold: bool,
    /// Distance between fold starts (`None` = `steps`).
    pub fold_stride: Option<usize>,
}

impl FoldConfig {
    /// Folds of `steps` side by side after a first training range of `initial_train_size`,
    /// fitted once (skforecast's defaults: refit never, no gap, a short last fold kept).
    pub fn new(steps: usize, initial_train_size: usize) -> Self {
        Self {
            steps,
            initial_train_size,
            refit: Refit::Never,
            fixed_train_size: true,
            gap: 0,
            skip_folds: None,
            allow_incomplete_fold: true,
            fold_stride: None,
        }
    }
}

/// One fold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fold {
    /// Fold id.
    pub id: usize,
    /// Training positions.
    pub train: Range<usize>,
    /// Last-window positions (clamped at 0).
    pub last_window: Range<usize>,
    /// Predicted positions, gap included.
    pub test: Range<usize>,
    /// Scored positions.
    pub scored: Range<usize>,
    /// Whether the model is (re)fitted before this fold.
    pub fit: bool,
}

/// The folds of a series of length `n` for a model of window size `w`.
pub fn folds(n: usize, w: usize, cfg: &FoldConfig) -> Result<Vec<Fold>, ModelError> {
    let (big_n, s, g) = (cfg.initial_train_size, cfg.steps, cfg.gap);
    let f = cfg.fold_stride.unwrap_or(s);
    if s == 0 || f == 0 {
        return Err(ModelError::InvalidSpec(
            "steps and fold_stride must be at least 1".into(),
        ));
    }
    if big_n <= w {
        return Err(ModelError::InvalidSpec(format!(
            "initial_train_size {big_n} must exceed the window size {w}"
        )));
    }
    if cfg.allow_incomplete_fold && n <= big_n + g
        || !cfg.allow_incomplete_fold && n < big_n + g + s
    {
        return Err(ModelError::TooShort {
            needed: big_n + g + 1,
            got: n,
        });
    }
    let mut out = Vec::new();
    let mut i = 0;
    // Staggered folds (stride < steps) stop once a fold reaches the end of the series.
    while big_n + i * f + g < n && out.last().is_none_or(|p: &Fold| p.test.end < n) {
        let start = big_n + i * f;
        let refit = !matches!(cfg.refit, Refit::Never);
        let train = if refit {
            (if cfg.fixed_train_size { i * f } else { 0 })..start
        } else {
            0..big_n
        };
        let fit = match cfg.refit {
            Refit::Never => i == 0,
            Refit::Always => true,
            Refit::Every(k) => k > 0 && i % k == 0,
        };
        out.push(Fold {
            id: i,
            train,
            last_window: start.saturating_sub(w)..start,
            test: start..(start + g + s).min(n),
            scored: (start + g).min(n)..(start + g + s).min(n),
            fit,
        });
        i += 1;
    }
    if !cfg.allow_incomplete_fold {
        out.retain(|fo| fo.scored.len() == s);
    }
    // Intermittent refits reuse the previous training range.
    if let Refit::Every(_) = cfg.refit {
        let mut last = out.first().map(|f| f.train.clone());
        for fo in out.iter_mut() {
            if fo.fit {
                last = Some(fo.train.clone());
            } else if let Some(t) = &last {
                fo.train = t.clone();
            }
        }
    }
    if let Some(k) = cfg.skip_folds.filter(|k| *k > 1) {
        let keep: Vec<Fold> = out.into_iter().filter(|fo| fo.id % k == 0).collect();
        out = keep;
    }
    Ok(out)
}

/// One scored prediction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prediction {
    /// Fold id.
    pub fold: usize,
    /// Series position.
    pub position: usize,
    /// Predicted value.
    pub pred: f64,
}

/// The outcome of a backtest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Backtest {
    /// Every scored prediction, fold by fold, in position order within a fold (staggered
    /// folds predict some positions more than once).
    pub predictions: Vec<Prediction>,
    /// Pooled metrics.
    pub metrics: BTreeMap<Metric, f64>,
    /// Folds used.
    pub folds: usize,
    /// Days between each fold's origin and its first scored prediction
    /// ([`FoldConfig::gap`]).
    pub gap: usize,
    /// The model fitted on the first fold (for inspection).
    pub first_model: Option<FittedModel>,
}

impl Backtest {
    /// How many days ahead of its origin the backtest measured errors: over the folds, the
    /// most days from a fold's origin to its last prediction that left a residual (a finite
    /// prediction whose actual, `observed` of its position, is known). `None` without any.
    /// Closed days and gaps inside a fold do not shorten it, so a forecast's length is
    /// compared with the days the folds reached, not with how many residuals they left.
    pub fn reach(&self, observed: impl Fn(usize) -> bool) -> Option<usize> {
        let mut first: BTreeMap<usize, usize> = BTreeMap::new();
        let mut best: Option<usize> = None;
        for pr in &self.predictions {
            let start = *first.entry(pr.fold).or_insert(pr.position);
            if pr.pred.is_finite() && observed(pr.position) && pr.position >= start {
                let days = self.gap + pr.position - start + 1;
                best = Some(best.map_or(days, |b| b.max(days)));
            }
        }
        best
    }
}

/// Backtests `spec` on `y` (with `exog` aligned with `y`) over `cfg`'s folds. Predictions are
/// scored against `actuals` when given (e.g. observed values, where `y` holds imputed ones;
/// NaN actuals are skipped), else against `y`.
pub fn backtest(
    spec: &ModelSpec,
    y: &[f64],
    actuals: Option<&[f64]>,
    exog: Option<&Exog>,
    cfg: &FoldConfig,
) -> Result<Backtest, ModelError> {
    backtest_masked(spec, y, actuals, exog, cfg, None)
}

/// [`backtest`] where each fold fits only the targets of `fit_mask` (see
/// [`ModelSpec::fit_masked`]).
pub fn backtest_masked(
    spec: &ModelSpec,
    y: &[f64],
    actuals: Option<&[f64]>,
    exog: Option<&Exog>,
    cfg: &FoldConfig,
    fit_mask: Option<&[bool]>,
) -> Result<Backtest, ModelError> {
    let exog = exog.filter(|e| spec.uses_exog() && !e.names.is_empty());
    let mut out = backtest_with(spec, 1, y, actuals, exog, cfg, &mut |r| {
        let (y, ex, mask) = train_slices(y, exog, fit_mask, r);
        spec.fit_masked(y, ex.as_ref(), mask).map(|m| vec![m])
    })?;
    Ok(out.remove(0))
}

/// [`backtest_masked`] of one recursive Ridge spec at every penalty of `alphas`, each fold's
/// models fitted from one training matrix and one build of its normal equations
/// ([`ModelSpec::fit_ridge_path`]); the backtests are those of each penalty alone, bit for bit.
pub fn backtest_ridge_path(
    spec: &ModelSpec,
    alphas: &[f64],
    y: &[f64],
    actuals: Option<&[f64]>,
    exog: Option<&Exog>,
    cfg: &FoldConfig,
    fit_mask: Option<&[bool]>,
) -> Result<Vec<Backtest>, ModelError> {
    let exog = exog.filter(|e| spec.uses_exog() && !e.names.is_empty());
    // Refits on ranges that move forward (expanding or rolling, the usual backtests) update
    // one set of normal equations by the rows that enter and leave instead of building them
    // again.
    let fitted: Vec<Range<usize>> = folds(y.len(), spec.window_size(), cfg)?
        .into_iter()
        .filter(|f| f.fit)
        .map(|f| f.train)
        .collect();
    let forward = fitted
        .windows(2)
        .all(|w| w[1].start >= w[0].start && w[1].end >= w[0].end);
    let longest = fitted.iter().map(|r| r.end).max().unwrap_or(0);
    let long_exog = (forward && longest > 0)
        .then(|| exog.map(|e| e.slice(0..longest)))
        .flatten();
    let path = if forward && longest > 0 {
        crate::spec::RidgeRefitPath::new(
            spec,
            alphas,
            &y[..longest],
            long_exog.as_ref(),
            fit_mask.map(|m| &m[..longest]),
        )
        .transpose()?
    } else {
        None
    };
    match path {
        Some(mut path) => backtest_with(spec, alphas.len(), y, actuals, exog, cfg, &mut |r| {
            path.fit_range(r)
        }),
        None => backtest_with(spec, alphas.len(), y, actuals, exog, cfg, &mut |r| {
            let (y, ex, mask) = train_slices(y, exog, fit_mask, r);
            spec.fit_ridge_path(alphas, y, ex.as_ref(), mask)
        }),
    }
}

/// [`backtest`] of a model fitted elsewhere (a global model seen from one series, say):
/// `fit(fold)` returns the model of each fold that refits, fitted on that fold's training
/// range, and `spec` gives the window size. Predicted, pooled and scored exactly as a
/// backtest of `spec` that fits itself.
pub fn backtest_fitted(
    spec: &ModelSpec,
    y: &[f64],
    actuals: Option<&[f64]>,
    exog: Option<&Exog>,
    cfg: &FoldConfig,
    fit: &mut dyn FnMut(Range<usize>) -> Result<FittedModel, ModelError>,
) -> Result<Backtest, ModelError> {
    let exog = exog.filter(|e| spec.uses_exog() && !e.names.is_empty());
    let mut out = backtest_with(spec, 1, y, actuals, exog, cfg, &mut |r| {
        fit(r).map(|m| vec![m])
    })?;
    Ok(out.remove(0))
}

/// The series, exog and fit mask of one training range.
fn train_slices<'a>(
    y: &'a [f64],
    exog: Option<&Exog>,
    fit_mask: Option<&'a [bool]>,
    r: Range<usize>,
) -> (&'a [f64], Option<Exog>, Option<&'a [bool]>) {
    (
        &y[r.clone()],
        exog.map(|e| e.slice(r.clone())),
        fit_mask.map(|m| &m[r]),
    )
}

/// What a backtest fits: `count` models of one window size on a training range.
type Fitter<'a> = dyn FnMut(Range<usize>) -> Result<Vec<FittedModel>, ModelError> + 'a;

/// The backtest loop for `count` models that share the folds of `spec` (its window size),
/// fitted together on every refit by `fit`.
#[allow(clippy::too_many_arguments)]
fn backtest_with(
    spec: &ModelSpec,
    count: usize,
    y: &[f64],
    actuals: Option<&[f64]>,
    exog: Option<&Exog>,
    cfg: &FoldConfig,
    fit: &mut Fitter<'_>,
) -> Result<Vec<Backtest>, ModelError> {
    let truth_series = actuals.unwrap_or(y);
    if truth_series.len() != y.len() {
        return Err(ModelError::InvalidSpec(
            "actuals and y differ in length".into(),
        ));
    }
    let w = spec.window_size();
    let folds = folds(y.len(), w, cfg)?;
    if let Some(e) = exog {
        if e.len() != y.len() {
            return Err(ModelError::ExogLength {
                expected: y.len(),
                got: e.len(),
            });
        }
    }
    let mut models: Option<Vec<FittedModel>> = None;
    let mut first_models: Option<Vec<FittedModel>> = None;
    // Staggered folds overlap: every fold's predictions are kept, fold by fold.
    let mut predictions: Vec<Vec<Prediction>> = vec![Vec::new(); count];
    // Positions of the training ranges (after the window / whole), as flags.
    let mut train_positions = vec![false; y.len()];
    let mut full_train_positions = vec![false; y.len()];
    for fo in &folds {
        if fo.fit || models.is_none() {
            let m = fit(fo.train.clone())?;
            if m.len() != count {
                return Err(ModelError::Numerical(format!(
                    "{} models fitted for {count}",
                    m.len()
                )));
            }
            if first_models.is_none() {
                first_models = Some(m.clone());
            }
            models = Some(m);
            train_positions[fo.train.start + w.min(fo.train.len())..fo.train.end].fill(true);
            full_train_positions[fo.train.clone()].fill(true);
        }
        let ex = exog.map(|e| e.slice(fo.test.clone()));
        let gap = fo.scored.start - fo.test.start;
        for (m, out) in models
            .as_ref()
            .expect("fitted above")
            .iter()
            .zip(predictions.iter_mut())
        {
            let preds = m.predict(fo.test.len(), Some(&y[fo.last_window.clone()]), ex.as_ref())?;
            for (k, p) in preds.iter().enumerate().skip(gap) {
                out.push(Prediction {
                    fold: fo.id,
                    position: fo.test.start + k,
                    pred: *p,
                });
            }
        }
    }
    // skforecast's MASE/RMSSE scale: training targets after the first W of each range. The
    // weekly MASE follows the usual convention instead: the in-sample weekly-naive MAE of the
    // whole training range, on the values the predictions are scored against.
    let y_train: Vec<f64> = (0..y.len())
        .filter(|i| train_positions[*i])
        .map(|i| y[i])
        .collect();
    let y_train_full: Vec<f64> = (0..y.len())
        .filter(|i| full_train_positions[*i])
        .map(|i| truth_series[i])
        .collect();
    let firsts =
        first_models.map_or_else(|| vec![None; count], |v| v.into_iter().map(Some).collect());
    Ok(predictions
        .into_iter()
        .zip(firsts)
        .map(|(predictions, first_model)| {
            let truth: Vec<f64> = predictions
                .iter()
                .map(|p| truth_series[p.position])
                .collect();
            let pred: Vec<f64> = predictions.iter().map(|p| p.pred).collect();
            let metrics = Metric::ALL
                .iter()
                .map(|m| {
                    let scale = if *m == Metric::Mase7 {
                        &y_train_full
                    } else {
                        &y_train
                    };
                    (*m, m.compute(&truth, &pred, scale))
                })
                .collect();
            Backtest {
                predictions,
                metrics,
                folds: folds.len(),
                gap: cfg.gap,
                first_model,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(steps: usize, refit: Refit, fixed: bool, gap: usize, incomplete: bool) -> FoldConfig {
        FoldConfig {
            steps,
            initial_train_size: 38,
            refit,
            fixed_train_size: fixed,
            gap,
            skip_folds: None,
            allow_incomplete_fold: incomplete,
            fold_stride: None,
        }
    }

    fn spans(f: &[Fold]) -> Vec<(Range<usize>, Range<usize>)> {
        f.iter()
            .map(|x| (x.train.clone(), x.test.clone()))
            .collect()
    }

    #[test]
    fn fold_arithmetic_matches_the_documented_examples() {
        let no_refit = folds(50, 3, &cfg(4, Refit::Never, true, 0, true)).unwrap();
        assert_eq!(
            spans(&no_refit),
            [(0..38, 38..42), (0..38, 42..46), (0..38, 46..50)]
        );
        assert_eq!(no_refit[1].last_window, 39..42);
        let fixed = folds(50, 3, &cfg(4, Refit::Always, true, 0, true)).unwrap();
        assert_eq!(
            spans(&fixed),
            [(0..38, 38..42), (4..42, 42..46), (8..46, 46..50)]
        );
        let expanding = folds(50, 3, &cfg(4, Refit::Always, false, 0, true)).unwrap();
        assert_eq!(
            spans(&expanding),
            [(0..38, 38..42), (0..42, 42..46), (0..46, 46..50)]
        );
        let five = folds(50, 3, &cfg(5, Refit::Never, true, 0, true)).unwrap();
        assert_eq!(
            five.iter().map(|f| f.test.clone()).collect::<Vec<_>>(),
            [38..43, 43..48, 48..50]
        );
        let gap = folds(50, 3, &cfg(5, Refit::Always, true, 2, false)).unwrap();
        assert_eq!(gap.len(), 2);
        assert_eq!(
            (
                gap[0].train.clone(),
                gap[0].test.clone(),
                gap[0].scored.clone()
            ),
            (0..38, 38..45, 40..45)
        );
        assert_eq!(
            (
                gap[1].train.clone(),
                gap[1].test.clone(),
                gap[1].scored.clone()
            ),
            (5..43, 43..50, 45..50)
        );
    }

    #[test]
    fn intermittent_refit_and_skipped_folds() {
        let mut c = cfg(2, Refit::Every(2), true, 0, true);
        let f = folds(50, 3, &c).unwrap();
        assert_eq!(
            f.iter().map(|x| x.fit).collect::<Vec<_>>()[..4],
            [true, false, true, false]
        );
        assert_eq!(f[1].train, f[0].train);
        c.skip_folds = Some(3);
        let f = folds(50, 3, &c).unwrap();
        assert_eq!(f.iter().map(|x| x.id).collect::<Vec<_>>(), [0, 3]);
    }

    #[test]
    fn too_short_series_are_errors() {
        assert!(folds(38, 3, &cfg(4, Refit::Never, true, 0, true)).is_err());
        assert!(folds(41, 3, &cfg(4, Refit::Never, true, 0, false)).is_err());
        assert!(folds(50, 40, &cfg(4, Refit::Never, true, 0, true)).is_err());
    }
}
