//! Prediction intervals: bootstrapped paths with binned residuals (§B.5–B.7, numpy's RNG
//! reproduced so that the paths equal skforecast's for the same seed) and conformal intervals
//! (§B.8, deterministic).

use models::{FittedModel, ModelSpec};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::binning::{quantile_sorted, QuantileBinner};
use crate::rng::NumpyRng;
use crate::ForecastError;

/// How intervals are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntervalMethod {
    /// Quantiles of `n_boot` simulated paths (residuals fed back through the recursion).
    Bootstrapping,
    /// Point ± a quantile of the absolute residuals (deterministic).
    Conformal,
}

/// Which residuals the intervals draw from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResidualSource {
    /// Training residuals (skforecast's default; optimistic for flexible models).
    InSample,
    /// Backtest residuals kept in the artifact by phase 05 (honest multi-step errors).
    OutSample,
}

/// Whether the out-of-sample residuals are rescaled so that held-out folds are covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Calibration {
    /// The residuals as the backtest gave them.
    None,
    /// Cross-fold (leave-one-fold-out) calibration: each backtest fold is covered by the
    /// interval the *other* folds' residuals give, and the residuals are multiplied by the
    /// smallest factor whose pooled coverage reaches the nominal levels. Backtest residuals
    /// are optimistic out of sample (the champion won on them; a new period can shift the
    /// level as a new fold does); the factor measures how much from the folds themselves.
    CrossFold,
}

/// Interval settings (`forecast.intervals` in config).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntervalConfig {
    /// Bootstrapping or conformal.
    pub method: IntervalMethod,
    /// Nominal coverages in percent, e.g. `[80, 95]`.
    pub levels: Vec<IntervalLevel>,
    /// Bootstrap paths.
    pub n_boot: usize,
    /// Residual bins (skforecast's `QuantileBinner`, default 10); 1 = unbinned.
    pub n_bins: usize,
    /// In-sample or out-of-sample residuals.
    pub residuals: ResidualSource,
    /// Cross-fold calibration of out-of-sample residuals (in-sample ones are never rescaled).
    #[serde(default = "cross_fold")]
    pub calibration: Calibration,
    /// With out-of-sample residuals and cross-fold calibration: the factor the residuals are
    /// multiplied by when fewer than two backtest folds can be held out (a history too short
    /// for more than one fold). One fold's errors cannot show how far another period's stray
    /// from them, so the calibration has nothing to measure; 1 = the residuals as they are.
    /// The default, 1.15, brought the mean 80 % coverage of one-fold histories (600-day tails
    /// of the development windows) from 0.747 to 0.793.
    #[serde(default = "default_uncalibrated_factor")]
    pub uncalibrated_factor: f64,
}

fn cross_fold() -> Calibration {
    Calibration::CrossFold
}

fn default_uncalibrated_factor() -> f64 {
    1.15
}

/// A nominal interval coverage in percent, strictly between 0 and 100 (`80` is an 80 %
/// interval). Checked once, where it is made.
///
/// ```
/// use forecaster::IntervalLevel;
/// let l = IntervalLevel::new(80.0)?;
/// assert_eq!((l.percent(), l.fraction()), (80.0, 0.8));
/// assert!(IntervalLevel::new(100.0).is_err());
/// # Ok::<(), forecaster::ForecastError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct IntervalLevel(f64);

impl IntervalLevel {
    /// The level `percent`, if it lies strictly between 0 and 100.
    pub fn new(percent: f64) -> Result<Self, ForecastError> {
        if percent > 0.0 && percent < 100.0 {
            Ok(Self(percent))
        } else {
            Err(ForecastError::InvalidLevel { level: percent })
        }
    }
    /// The level in percent (`80.0`).
    pub fn percent(self) -> f64 {
        self.0
    }
    /// The level as a fraction (`0.8`).
    pub fn fraction(self) -> f64 {
        self.0 / 100.0
    }
}

impl TryFrom<f64> for IntervalLevel {
    type Error = ForecastError;
    fn try_from(percent: f64) -> Result<Self, ForecastError> {
        Self::new(percent)
    }
}

impl From<IntervalLevel> for f64 {
    fn from(l: IntervalLevel) -> f64 {
        l.0
    }
}

impl std::fmt::Display for IntervalLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl IntervalConfig {
    /// The same settings with the levels `percents` (each checked to lie in (0, 100)).
    pub fn with_levels(mut self, percents: &[f64]) -> Result<Self, ForecastError> {
        self.levels = percents
            .iter()
            .map(|p| IntervalLevel::new(*p))
            .collect::<Result<_, _>>()?;
        Ok(self)
    }

    /// The levels in percent, as the slices the interval functions take.
    pub fn percents(&self) -> Vec<f64> {
        self.levels.iter().map(|l| l.percent()).collect()
    }
}

impl Default for IntervalConfig {
    fn default() -> Self {
        Self {
            method: IntervalMethod::Bootstrapping,
            levels: vec![IntervalLevel(80.0), IntervalLevel(95.0)],
            n_boot: 250,
            n_bins: 1,
            residuals: ResidualSource::OutSample,
            calibration: Calibration::CrossFold,
            uncalibrated_factor: default_uncalibrated_factor(),
        }
    }
}

impl IntervalConfig {
    /// Checks the settings; errors name the key.
    pub fn validate(&self) -> Result<(), ForecastError> {
        let bad = |key: &str, message: String| ForecastError::InvalidConfig {
            key: format!("forecast.intervals.{key}"),
            message,
        };
        if self.levels.is_empty() {
            return Err(bad("levels", "give at least one level".into()));
        }
        if self.n_boot < 2 && self.method == IntervalMethod::Bootstrapping {
            return Err(bad("n_boot", "at least 2 paths".into()));
        }
        if self.n_bins == 0 {
            return Err(bad("n_bins", "at least 1".into()));
        }
        if !(self.uncalibrated_factor.is_finite() && self.uncalibrated_factor > 0.0) {
            return Err(bad(
                "uncalibrated_factor",
                format!(
                    "must be a positive number, not {}",
                    self.uncalibrated_factor
                ),
            ));
        }
        Ok(())
    }

    /// The lower and upper quantiles of a level: `(100 − level)/2` and `(100 + level)/2`
    /// percent, as skforecast's `interval=[lo, hi]`.
    pub fn quantiles(level: f64) -> (f64, f64) {
        (
            ((100.0 - level) / 2.0) / 100.0,
            ((100.0 + level) / 2.0) / 100.0,
        )
    }
}

/// Residuals grouped by the bin of their prediction.
#[derive(Debug, Clone)]
pub struct BinnedResiduals {
    /// The binner (fitted on the in-sample predictions).
    pub binner: QuantileBinner,
    /// Residuals of each bin, in time order.
    pub by_bin: Vec<Vec<f64>>,
    /// All residuals, in time order.
    pub all: Vec<f64>,
}

/// Most residuals kept per bin (skforecast: `10_000 // n_bins`), beyond which a bin is
/// subsampled with replacement by `default_rng(123)` as in §B.5.
const MAX_RESIDUALS: usize = 10_000;
const RESIDUAL_SUBSAMPLE_SEED: u64 = 123;

fn in_or_out(
    state: &models::spec::RegressionState,
    source: ResidualSource,
) -> Result<(&[f64], &[f64]), ForecastError> {
    Ok(match source {
        ResidualSource::InSample => (&state.in_sample_predictions, &state.in_sample_residuals),
        ResidualSource::OutSample => {
            let o = state.out_sample.as_ref().ok_or(ForecastError::NoResiduals(
                "the artifact keeps no out-of-sample residuals (phase 05 stores them)",
            ))?;
            (&o.predictions, &o.residuals)
        }
    })
}

/// What the cross-fold calibration found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationReport {
    /// The factor the residuals were multiplied by (1 = unchanged): the cross-fold factor
    /// times the selection optimism times the horizon factor.
    pub factor: f64,
    /// The factor that brings the held-out folds' coverage to nominal.
    pub cross_fold_factor: f64,
    /// How much worse the candidate chosen on earlier folds did on the next fold
    /// (`models::selection_optimism`; 1 when unknown).
    pub selection_optimism: f64,
    /// The widening for forecast steps the backtest never reached ([`horizon_factor`]): 1
    /// when the folds reached at least 90 % of the forecast's days (absent from reports
    /// then).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub horizon_factor: f64,
    /// Folds held out in turn (0: too few folds to hold one out; the factor is then
    /// `uncalibrated_factor`).
    pub folds: usize,
    /// Per nominal level (percent): the pooled coverage of the held-out folds before and
    /// after the factor.
    pub levels: Vec<LevelCoverage>,
}

/// Held-out coverage of one nominal level.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LevelCoverage {
    /// Nominal coverage, percent.
    pub level: f64,
    /// Pooled held-out coverage with the residuals as they are (share).
    pub before: f64,
    /// Pooled held-out coverage after the factor (share).
    pub after: f64,
}

/// Share of the forecast's steps a backtest must reach to count as reaching it.
const HORIZON_REACHED: f64 = 0.9;

fn one() -> f64 {
    1.0
}

fn is_one(x: &f64) -> bool {
    *x == 1.0
}

/// The widening of residuals for a forecast `horizon` steps long when the backtest measured
/// errors `reach` steps ahead (both in calendar days: [`models::OutSample::reach`]; or, for an
/// artifact without it, open days against the residuals of the longest fold):
/// `sqrt(horizon / reach)` when the folds fall short of the forecast by more than a tenth,
/// else 1. A history too short for folds as long as the forecast (under about a year and a
/// half) measures errors only `reach` days out; beyond that they keep growing, and a random
/// walk's spread grows with the square root of the steps.
///
/// ```
/// use forecaster::intervals::horizon_factor;
/// assert_eq!(horizon_factor(185, 185), 1.0);
/// assert_eq!(horizon_factor(180, 185), 1.0);
/// assert_eq!(horizon_factor(100, 400), 2.0);
/// assert_eq!(horizon_factor(0, 400), 1.0);
/// ```
pub fn horizon_factor(reach: usize, horizon: usize) -> f64 {
    if reach == 0 || reach as f64 >= HORIZON_REACHED * horizon as f64 {
        1.0
    } else {
        (horizon as f64 / reach as f64).sqrt()
    }
}

/// The most residuals one backtest fold holds (all of them when `folds` is empty).
pub fn longest_fold(residuals: usize, folds: &[usize]) -> usize {
    if folds.is_empty() {
        return residuals;
    }
    let mut counts = std::collections::BTreeMap::new();
    for f in folds {
        *counts.entry(*f).or_insert(0usize) += 1;
    }
    counts.values().copied().max().unwrap_or(0)
}

impl CalibrationReport {
    /// The report with the selection optimism (when known) multiplied into the factor.
    pub fn with_selection_optimism(mut self, optimism: Option<f64>) -> Self {
        if let Some(o) = optimism.filter(|o| o.is_finite() && *o > 0.0) {
            self.selection_optimism = o;
            self.factor = self.cross_fold_factor * o * self.horizon_factor;
        }
        self
    }

    /// The report with the horizon factor ([`horizon_factor`]) multiplied into the factor.
    pub fn with_horizon_factor(mut self, horizon: f64) -> Self {
        if horizon.is_finite() && horizon > 0.0 {
            self.horizon_factor = horizon;
            self.factor = self.cross_fold_factor * self.selection_optimism * horizon;
        }
        self
    }

    /// The report of a history too short for the cross-fold calibration: the residuals are
    /// multiplied by `factor` (`forecast.intervals.uncalibrated_factor`), nothing measured.
    pub fn uncalibrated(factor: f64) -> Self {
        Self {
            factor,
            cross_fold_factor: factor,
            selection_optimism: 1.0,
            horizon_factor: 1.0,
            folds: 0,
            levels: Vec::new(),
        }
    }
}

/// One fold held out: its residuals and the other folds' quantiles per level.
struct HeldOut {
    residuals: Vec<f64>,
    bounds: Vec<(f64, f64)>,
}

/// Fewest residuals a fold needs to be held out, and the fewest the others must keep.
const MIN_FOLD_RESIDUALS: usize = 10;
const MIN_OTHER_RESIDUALS: usize = 30;
/// The factors tried, from `FACTOR_MIN` to `FACTOR_MAX` by `FACTOR_STEP`.
const FACTOR_MIN: f64 = 0.5;
const FACTOR_MAX: f64 = 4.0;
const FACTOR_STEP: f64 = 0.01;

/// Leave-one-fold-out calibration of residuals `r` from backtest folds `folds` for the
/// nominal `levels` (percent): for each fold, the `(100 ± level)/2` quantiles of the other
/// folds' residuals, scaled by a factor `s` around 0 (the point forecast), give the
/// interval the fold is scored against; the chosen `s` is the one whose pooled coverages are
/// closest to nominal (the sum over levels of the shortfall plus the excess), the smallest
/// among ties. `None` with fewer than two usable folds.
pub fn cross_fold_calibration(
    r: &[f64],
    folds: &[usize],
    levels: &[f64],
) -> Option<CalibrationReport> {
    if r.len() != folds.len() || levels.is_empty() {
        return None;
    }
    let mut ids: Vec<usize> = folds.to_vec();
    ids.sort_unstable();
    ids.dedup();
    // Each fold's residuals, with the (lo, hi) quantiles of the others' per level.
    let mut held: Vec<HeldOut> = Vec::new();
    for id in ids {
        let of = |mine: bool| -> Vec<f64> {
            r.iter()
                .zip(folds)
                .filter(|(v, f)| v.is_finite() && (**f == id) == mine)
                .map(|(v, _)| *v)
                .collect()
        };
        let (mine, mut others) = (of(true), of(false));
        if mine.len() < MIN_FOLD_RESIDUALS || others.len() < MIN_OTHER_RESIDUALS {
            continue;
        }
        others.sort_unstable_by(f64::total_cmp);
        let bounds = levels
            .iter()
            .map(|l| {
                let (lo, hi) = IntervalConfig::quantiles(*l);
                (quantile_sorted(&others, lo), quantile_sorted(&others, hi))
            })
            .collect();
        held.push(HeldOut {
            residuals: mine,
            bounds,
        });
    }
    if held.len() < 2 {
        return None;
    }
    let total: usize = held.iter().map(|h| h.residuals.len()).sum();
    let coverage = |s: f64| -> Vec<f64> {
        (0..levels.len())
            .map(|k| {
                let inside: usize = held
                    .iter()
                    .map(|h| {
                        let (lo, hi) = (s * h.bounds[k].0, s * h.bounds[k].1);
                        h.residuals
                            .iter()
                            .filter(|v| **v >= lo && **v <= hi)
                            .count()
                    })
                    .sum();
                inside as f64 / total as f64
            })
            .collect()
    };
    let miss = |c: &[f64]| -> f64 {
        c.iter()
            .zip(levels)
            .map(|(c, l)| (c - l / 100.0).abs())
            .sum()
    };
    let steps = ((FACTOR_MAX - FACTOR_MIN) / FACTOR_STEP).round() as usize;
    let mut best = (f64::INFINITY, 1.0);
    for i in 0..=steps {
        let s = FACTOR_MIN + i as f64 * FACTOR_STEP;
        let m = miss(&coverage(s));
        if m < best.0 - 1e-12 {
            best = (m, s);
        }
    }
    let factor = best.1;
    let before = coverage(1.0);
    let after = coverage(factor);
    Some(CalibrationReport {
        factor,
        cross_fold_factor: factor,
        selection_optimism: 1.0,
        horizon_factor: 1.0,
        folds: held.len(),
        levels: levels
            .iter()
            .zip(before.iter().zip(after))
            .map(|(l, (b, a))| LevelCoverage {
                level: *l,
                before: *b,
                after: a,
            })
            .collect(),
    })
}

/// Multiplies every residual by `factor`.
pub fn scale_residuals(residuals: &mut BinnedResiduals, factor: f64) {
    for v in residuals
        .all
        .iter_mut()
        .chain(residuals.by_bin.iter_mut().flatten())
    {
        *v *= factor;
    }
}

/// Bins the residuals of a fitted model (§B.5).
pub fn binned_residuals(
    model: &FittedModel,
    source: ResidualSource,
    n_bins: usize,
) -> Result<BinnedResiduals, ForecastError> {
    let (binner, preds, res): (QuantileBinner, &[f64], &[f64]) = match (&model.state, source) {
        // A baseline has no in-sample fit: its backtest errors are its only residuals.
        (None, _) => {
            let o = model
                .baseline_out_sample
                .as_ref()
                .ok_or(ForecastError::NoResiduals(
                    "the baseline keeps no backtest residuals (phase 05 stores them)",
                ))?;
            let binner = QuantileBinner::fit(&o.predictions, n_bins)
                .ok_or(ForecastError::NoResiduals("no backtest predictions"))?;
            (binner, &o.predictions, &o.residuals)
        }
        (Some(state), source) => {
            let binner = QuantileBinner::fit(&state.in_sample_predictions, n_bins)
                .ok_or(ForecastError::NoResiduals("no in-sample predictions"))?;
            let (p, r) = in_or_out(state, source)?;
            (binner, p, r)
        }
    };
    let mut by_bin = vec![Vec::new(); binner.n_bins()];
    let mut all = Vec::new();
    for (p, r) in preds.iter().zip(res) {
        if p.is_finite() && r.is_finite() {
            by_bin[binner.bin(*p)].push(*r);
            all.push(*r);
        }
    }
    if all.is_empty() {
        return Err(ForecastError::NoResiduals("every residual is missing"));
    }
    let cap = MAX_RESIDUALS / binner.n_bins();
    let mut rng = NumpyRng::new(RESIDUAL_SUBSAMPLE_SEED);
    for b in by_bin.iter_mut() {
        if b.len() > cap {
            let idx = rng.integers(b.len() as u32, cap);
            *b = idx.iter().map(|i| b[*i as usize]).collect();
        }
    }
    if all.len() > MAX_RESIDUALS {
        let idx = rng.integers(all.len() as u32, MAX_RESIDUALS);
        all = idx.iter().map(|i| all[*i as usize]).collect();
    }
    // A bin without residuals (possible for out-of-sample ones) borrows all of them.
    for b in by_bin.iter_mut() {
        if b.is_empty() {
            b.clone_from(&all);
        }
    }
    Ok(BinnedResiduals {
        binner,
        by_bin,
        all,
    })
}

/// `n_boot` simulated paths (original scale), `paths[j][i]` = path j at step i, following
/// §B.7: every residual is drawn before the recursion, bin by bin, from `default_rng(seed)`;
/// the noise of step i of path j comes from the bin of that path's noise-free prediction and
/// feeds the later steps. Paths are simulated in parallel; the result does not depend on the
/// number of threads.
pub fn bootstrap_paths(
    model: &FittedModel,
    steps: usize,
    exog: Option<&models::Exog>,
    residuals: &BinnedResiduals,
    n_boot: usize,
    seed: u64,
    binned: bool,
) -> Result<Vec<Vec<f64>>, ForecastError> {
    let mut rng = NumpyRng::new(seed);
    // Drawn in numpy's row-major (step, path) order, stored path-major so that each path reads
    // its residuals contiguously: s[b][j * steps + i] is the residual for step i of path j when
    // the prediction falls in bin b.
    let draw = |pool: &[f64], rng: &mut NumpyRng| -> Vec<f64> {
        let m = pool.len() as u32;
        let mut out = vec![0.0; steps * n_boot];
        for i in 0..steps {
            for j in 0..n_boot {
                out[j * steps + i] = pool[rng.integer(m) as usize];
            }
        }
        out
    };
    let s: Vec<Vec<f64>> = if binned {
        residuals
            .by_bin
            .iter()
            .map(|pool| draw(pool, &mut rng))
            .collect()
    } else {
        vec![draw(&residuals.all, &mut rng)]
    };
    (0..n_boot)
        .into_par_iter()
        .map(|j| {
            model
                .predict_with_noise(steps, None, exog, &mut |i, p| {
                    let b = if binned { residuals.binner.bin(p) } else { 0 };
                    s[b][j * steps + i]
                })
                .map_err(ForecastError::from)
        })
        .collect()
}

/// Per-step quantile `q` over paths.
pub fn path_quantiles(paths: &[Vec<f64>], q: f64) -> Vec<f64> {
    sorted_steps(paths)
        .iter()
        .map(|v| quantile_sorted(v, q))
        .collect()
}

/// The paths' values at each step, sorted (sorted once, then read for every quantile).
pub fn sorted_steps(paths: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let steps = paths.first().map_or(0, Vec::len);
    (0..steps)
        .into_par_iter()
        .map(|i| {
            let mut v: Vec<f64> = paths.iter().map(|p| p[i]).collect();
            v.sort_unstable_by(f64::total_cmp);
            v
        })
        .collect()
}

/// Conformal bounds (§B.8) for one coverage `level` (percent): `pred ± c` in the model space
/// with `c` the `level` quantile of the absolute residuals (per bin of each step's own
/// prediction when `binned`), widened by `√(Σ C(k+d−2, d−1)²)` under differencing of order d,
/// then transformed back.
pub fn conformal_bounds(
    model: &FittedModel,
    steps: usize,
    exog: Option<&models::Exog>,
    residuals: &BinnedResiduals,
    level: f64,
    binned: bool,
) -> Result<(Vec<f64>, Vec<f64>), ForecastError> {
    let d = match &model.spec {
        ModelSpec::Recursive {
            differentiation, ..
        } => *differentiation,
        _ => 0,
    };
    let mut raw = Vec::with_capacity(steps);
    let point = model.predict_with_noise(steps, None, exog, &mut |_, p| {
        raw.push(p);
        0.0
    })?;
    let q = level / 100.0;
    let abs_quantile = |v: &[f64]| {
        let a: Vec<f64> = v.iter().map(|r| r.abs()).collect();
        crate::binning::quantile(&a, q)
    };
    let per_bin: Vec<f64> = residuals.by_bin.iter().map(|b| abs_quantile(b)).collect();
    let global = abs_quantile(&residuals.all);
    let mut lo = Vec::with_capacity(steps);
    let mut hi = Vec::with_capacity(steps);
    for h in 0..steps {
        let c = if binned {
            per_bin[residuals.binner.bin(raw[h])]
        } else {
            global
        };
        let widen = if d == 0 {
            1.0
        } else {
            (1..=h + 1)
                .map(|k| binomial(k + d - 2, d - 1).powi(2))
                .sum::<f64>()
                .sqrt()
        };
        match &model.state {
            Some(state) => {
                let z = state.scale.forward(point[h]);
                lo.push(state.scale.inverse(z - c * widen));
                hi.push(state.scale.inverse(z + c * widen));
            }
            // Baselines work in the original scale.
            None => {
                lo.push(point[h] - c * widen);
                hi.push(point[h] + c * widen);
            }
        }
    }
    Ok((lo, hi))
}

fn binomial(n: usize, k: usize) -> f64 {
    if k > n {
        return 0.0;
    }
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_levels_are_skforecast_percentiles() {
        assert_eq!(IntervalConfig::quantiles(80.0), (0.1, 0.9));
        assert_eq!(IntervalConfig::quantiles(95.0), (0.025, 0.975));
    }

    #[test]
    fn conformal_widening_for_first_differences_is_sqrt_h() {
        let w = |h: usize, d: usize| {
            (1..=h)
                .map(|k| binomial(k + d - 2, d - 1).powi(2))
                .sum::<f64>()
                .sqrt()
        };
        assert_eq!(w(4, 1), 2.0);
        // d = 2: C(k, 1) = k → sqrt(1 + 4 + 9).
        assert!((w(3, 2) - 14f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn cross_fold_calibration_widens_when_the_folds_disagree_on_the_level() {
        // Five folds of 50 residuals spread evenly over ±1, each around its own level (a
        // period the model over- or under-forecasts as a whole): the other folds' quantiles
        // miss the outer folds.
        let even = |c: f64| (0..50).map(move |i| c + (i as f64 / 49.0 * 2.0 - 1.0));
        let mut r: Vec<f64> = Vec::new();
        let mut f: Vec<usize> = Vec::new();
        for (fold, c) in [-1.0, -0.5, 0.0, 0.5, 1.0].into_iter().enumerate() {
            r.extend(even(c));
            f.extend(std::iter::repeat_n(fold, 50));
        }
        let c = cross_fold_calibration(&r, &f, &[80.0]).unwrap();
        assert_eq!(c.folds, 5);
        assert!(c.factor > 1.0, "{c:?}");
        assert!(c.levels[0].before < 0.8 && c.levels[0].after >= c.levels[0].before);
        assert!((c.levels[0].after - 0.8).abs() < 0.03, "{c:?}");
        // Exchangeable folds need (about) no factor.
        let same: Vec<f64> = (0..5).flat_map(|_| even(0.0)).collect();
        let c = cross_fold_calibration(&same, &f, &[80.0, 95.0]).unwrap();
        assert!((c.factor - 1.0).abs() <= 0.1, "{c:?}");
        // One fold cannot be held out against the others.
        assert!(cross_fold_calibration(&r, &vec![0; r.len()], &[80.0]).is_none());
        let o = c.clone().with_selection_optimism(Some(1.5));
        assert_eq!(o.factor, c.cross_fold_factor * 1.5);
        assert_eq!(c.clone().with_selection_optimism(None), c);
    }

    #[test]
    fn a_history_too_short_to_calibrate_takes_the_uncalibrated_factor() {
        let c = CalibrationReport::uncalibrated(1.15);
        assert_eq!((c.factor, c.folds), (1.15, 0));
        assert!(c.levels.is_empty());
        let o = c.with_selection_optimism(Some(2.0));
        assert!((o.factor - 2.3).abs() < 1e-12);
        for bad in [0.0, -1.0, f64::NAN] {
            let cfg = IntervalConfig {
                uncalibrated_factor: bad,
                ..IntervalConfig::default()
            };
            let e = cfg.validate().unwrap_err().to_string();
            assert!(e.contains("forecast.intervals.uncalibrated_factor"), "{e}");
        }
    }

    #[test]
    fn bad_settings_name_the_key() {
        let c = IntervalConfig {
            levels: vec![],
            ..IntervalConfig::default()
        };
        let e = c.validate().unwrap_err().to_string();
        assert!(e.contains("forecast.intervals.levels"), "{e}");
        let e = serde_json::from_str::<Vec<IntervalLevel>>("[80, 100]").unwrap_err();
        assert!(e.to_string().contains("100 is not in (0, 100)"), "{e}");
        assert_eq!(
            serde_json::to_string(&IntervalLevel::new(95.0).unwrap()).unwrap(),
            "95.0"
        );
    }
}
