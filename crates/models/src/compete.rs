//! Competitive training: every configured candidate (baselines included) is backtested on the
//! same folds; the leaderboard is sorted by the chosen metric and its winner is the champion.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::backtest::{Backtest, FoldConfig};
use crate::matrix::Exog;
use crate::metrics::Metric;
pub use crate::spec::Candidate;
use crate::spec::Combine;
use crate::ModelError;

/// One leaderboard row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Candidate name.
    pub nombre: String,
    /// Model description.
    pub label: String,
    /// Pooled backtest metrics (empty when the candidate failed; a metric that overflowed
    /// is written `null` and reads back as NaN).
    #[serde(deserialize_with = "core_types::nan::map_null_as_nan")]
    pub metrics: BTreeMap<Metric, f64>,
    /// Folds.
    pub folds: usize,
    /// Why the candidate failed, if it did (failed candidates rank last).
    pub error: Option<String>,
}

/// The leaderboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Leaderboard {
    /// Ranking metric.
    pub metric: Metric,
    /// Rows, best first.
    pub entries: Vec<Entry>,
}

impl Leaderboard {
    /// The winner's name.
    pub fn champion(&self) -> Option<&Entry> {
        self.entries.first().filter(|e| e.error.is_none())
    }

    /// The rows with a finite ranking metric, best first.
    pub fn ranked(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| {
            e.error.is_none() && e.metrics.get(&self.metric).is_some_and(|v| v.is_finite())
        })
    }
}

/// What a competition needs besides the candidates.
#[derive(Debug, Clone, Copy)]
pub struct Arena<'a> {
    /// Training series (model-ready).
    pub y: &'a [f64],
    /// Values the predictions are scored against (default `y`).
    pub actuals: Option<&'a [f64]>,
    /// Exog aligned with `y`.
    pub exog: Option<&'a Exog>,
    /// Folds.
    pub cv: &'a FoldConfig,
    /// Ranking metric.
    pub metric: Metric,
    /// Targets that are fitted (`None` = all); see [`crate::ModelSpec::fit_masked`].
    pub fit_mask: Option<&'a [bool]>,
}

impl<'a> Arena<'a> {
    /// An arena scoring `y` against itself on the folds `cv` by `metric`, without exog or a
    /// fit mask (set those fields to add them).
    pub fn new(y: &'a [f64], cv: &'a FoldConfig, metric: Metric) -> Self {
        Self {
            y,
            actuals: None,
            exog: None,
            cv,
            metric,
            fit_mask: None,
        }
    }
}

/// Backtests every candidate in parallel (rayon; the result does not depend on the number of
/// threads) and calls `on_done` as each finishes; returns the leaderboard and every backtest
/// by candidate name.
pub fn compete(
    candidates: &[Candidate],
    arena: Arena<'_>,
    on_done: &(dyn Fn(&Entry) + Sync),
) -> Result<(Leaderboard, BTreeMap<String, Backtest>), ModelError> {
    use rayon::prelude::*;
    let Arena {
        y,
        actuals,
        exog,
        cv,
        metric,
        fit_mask,
    } = arena;
    let mut names = std::collections::BTreeSet::new();
    for c in candidates {
        if !names.insert(c.nombre.as_str()) {
            return Err(ModelError::InvalidSpec(format!(
                "candidate name {} is used twice",
                c.nombre
            )));
        }
    }
    // A candidate that the whole history cannot hold as configured does not compete (its
    // row says why), though a shorter backtest fold may still fit a reduced form of it.
    let alone = |c: &Candidate| {
        c.model.check_history(y.len())?;
        crate::backtest::backtest_masked(
            &c.model,
            y,
            actuals,
            c.exog_for(exog).as_ref(),
            cv,
            fit_mask,
        )
    };
    // Recursive Ridge candidates that differ only in their penalty share one training matrix
    // and one build of its normal equations per fold (the same backtests, bit for bit).
    let groups = ridge_groups(candidates);
    let mut runs: Vec<(usize, (Entry, Option<Backtest>))> = groups
        .par_iter()
        .flat_map_iter(|g| {
            let first = &candidates[g[0]];
            let path = (g.len() > 1)
                .then(|| {
                    let alphas: Vec<f64> = g
                        .iter()
                        .filter_map(|i| candidates[*i].model.ridge_alpha())
                        .collect();
                    crate::backtest::backtest_ridge_path(
                        &first.model,
                        &alphas,
                        y,
                        actuals,
                        first.exog_for(exog).as_ref(),
                        cv,
                        fit_mask,
                    )
                    .ok()
                })
                .flatten();
            let out: Vec<(usize, (Entry, Option<Backtest>))> = match path {
                Some(bts) => g
                    .iter()
                    .zip(bts)
                    .map(|(i, b)| (*i, entry_of(&candidates[*i], Ok(b))))
                    .collect(),
                // One at a time (a failed path too: each candidate then gets its own error).
                None => g
                    .iter()
                    .map(|i| (*i, entry_of(&candidates[*i], alone(&candidates[*i]))))
                    .collect(),
            };
            out.into_iter()
        })
        .inspect(|(_, (e, _))| on_done(e))
        .collect();
    runs.sort_by_key(|(i, _)| *i);
    let runs: Vec<(Entry, Option<Backtest>)> = runs.into_iter().map(|(_, r)| r).collect();
    let (mut entries, bts): (Vec<Entry>, Vec<Option<Backtest>>) = runs.into_iter().unzip();
    let backtests: BTreeMap<String, Backtest> = entries
        .iter()
        .zip(bts)
        .filter_map(|(e, b)| b.map(|b| (e.nombre.clone(), b)))
        .collect();
    let metric = ranking_metric(&entries, metric);
    rank_entries(&mut entries, metric);
    let key = |e: &Entry| e.metrics.get(&metric).copied().filter(|v| v.is_finite());
    if entries.first().is_none_or(|e| key(e).is_none()) {
        return Err(ModelError::Numerical(
            "no candidate produced a finite metric".into(),
        ));
    }
    Ok((Leaderboard { metric, entries }, backtests))
}

/// The metric a competition ranks by: `wanted`, unless no candidate has a finite value of it
/// while some have a finite MAE. A scaled metric (MASE, RMSSE) divides by the in-sample error
/// of a naive forecast, which is 0 on a constant history (a product sold at a fixed quota,
/// a series of zeros): every candidate's value is then 0/0, and the unscaled MAE, in the
/// series' own units, still tells the candidates apart.
fn ranking_metric(entries: &[Entry], wanted: Metric) -> Metric {
    let finite = |m: Metric| {
        entries
            .iter()
            .any(|e| e.error.is_none() && e.metrics.get(&m).is_some_and(|v| v.is_finite()))
    };
    if !finite(wanted) && finite(Metric::Mae) {
        Metric::Mae
    } else {
        wanted
    }
}

/// A candidate's leaderboard row from its backtest, or from why it failed.
fn entry_of(c: &Candidate, r: Result<Backtest, ModelError>) -> (Entry, Option<Backtest>) {
    match r {
        Ok(b) => (
            Entry {
                nombre: c.nombre.clone(),
                label: c.model.label(),
                metrics: b.metrics.clone(),
                folds: b.folds,
                error: None,
            },
            Some(b),
        ),
        Err(e) => (
            Entry {
                nombre: c.nombre.clone(),
                label: c.model.label(),
                metrics: BTreeMap::new(),
                folds: 0,
                error: Some(e.to_string()),
            },
            None,
        ),
    }
}

/// The round of one candidate fitted elsewhere (a global model seen from this series): its
/// backtest on `arena`'s folds with the models `fit` gives for each refit
/// ([`crate::backtest::backtest_fitted`]), as a leaderboard of one row to
/// [`crate::merge`] into the competition. A failure is a row with its error, not an error.
pub fn compete_fitted(
    candidate: &Candidate,
    arena: Arena<'_>,
    fit: &mut dyn FnMut(std::ops::Range<usize>) -> Result<crate::FittedModel, ModelError>,
) -> (Leaderboard, BTreeMap<String, Backtest>) {
    let r = crate::backtest::backtest_fitted(
        &candidate.model,
        arena.y,
        arena.actuals,
        candidate.exog_for(arena.exog).as_ref(),
        arena.cv,
        fit,
    );
    let (entry, bt) = entry_of(candidate, r);
    let backtests = bt.map(|b| (entry.nombre.clone(), b)).into_iter().collect();
    (
        Leaderboard {
            metric: arena.metric,
            entries: vec![entry],
        },
        backtests,
    )
}

/// Candidates in groups that can share a ridge path: recursive Ridge specs with valid
/// penalties, equal but for the penalty, with the same exog choice; every other candidate
/// alone. Groups in the order of their first candidate, candidates in their order.
fn ridge_groups(candidates: &[Candidate]) -> Vec<Vec<usize>> {
    let mut groups: Vec<(Option<String>, Vec<usize>)> = Vec::new();
    for (i, c) in candidates.iter().enumerate() {
        let key = c
            .model
            .ridge_alpha()
            .filter(|a| a.is_finite() && *a >= 0.0)
            .and_then(|_| {
                let mut spec = serde_json::to_value(&c.model).ok()?;
                // The penalty is the one field that may differ.
                if let Some(a) = spec.pointer_mut("/regressor/alpha") {
                    *a = serde_json::Value::Null;
                } else {
                    return None;
                }
                Some(format!("{spec}|{}", serde_json::to_string(&c.exog).ok()?))
            });
        match key
            .as_ref()
            .and_then(|k| groups.iter_mut().find(|(g, _)| g.as_ref() == Some(k)))
        {
            Some((_, members)) => members.push(i),
            None => groups.push((key, vec![i])),
        }
    }
    groups.into_iter().map(|(_, g)| g).collect()
}

/// Sorts leaderboard rows best first: finite `metric` ascending (name breaks ties), then the
/// rows without one by name.
pub fn rank_entries(entries: &mut [Entry], metric: Metric) {
    let key = |e: &Entry| e.metrics.get(&metric).copied().filter(|v| v.is_finite());
    entries.sort_by(|a, b| match (key(a), key(b)) {
        (Some(x), Some(y)) => x.total_cmp(&y).then_with(|| a.nombre.cmp(&b.nombre)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.nombre.cmp(&b.nombre),
    });
}

/// Forecast combination (`train.ensemble`): for each `k` of `top_k`, a candidate combining the
/// `k` best-ranked candidates of the first round, backtested on the same folds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnsembleConfig {
    /// Sizes of the combinations tried (empty = no ensemble); each needs at least 2.
    pub top_k: Vec<usize>,
    /// How the members' forecasts are combined.
    pub combine: Combine,
    /// Also try each top-k combination with the best-ranked candidate of every model family
    /// it lacks added (regression, statistical, boosting; baselines never), named
    /// `ensemble_top<k>_diverso`: models of different kinds err differently, so their mean
    /// is steadier than the mean of near-copies.
    #[serde(default)]
    pub diverse: bool,
    /// With `diverse`, also add the best-ranked re-levelled regression (`local_level`) when
    /// the combination has none: a hedge against a level shift late in the history, which a
    /// backtest over earlier years rarely rewards.
    #[serde(default)]
    pub diverse_level: bool,
    /// Whether baselines (naive, seasonal naive, equivalent date) may be members. A baseline
    /// that ranks among the best on a backtest of one or two folds (a 4-week mean before a
    /// season it has never seen) drags a combination towards a benchmark; off, they still
    /// compete alone and measure the others.
    #[serde(default = "yes")]
    pub baselines: bool,
}

fn yes() -> bool {
    true
}

impl Default for EnsembleConfig {
    fn default() -> Self {
        Self {
            top_k: vec![3, 5],
            combine: Combine::Mean,
            diverse: false,
            diverse_level: false,
            baselines: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::{Autoregressive, ExogFilter};
    use crate::spec::{ModelSpec, Regressor, Transform};

    /// A candidate on every exog column there is.
    fn cand(nombre: &str, model: ModelSpec) -> Candidate {
        Candidate {
            nombre: nombre.into(),
            model,
            exog: ExogFilter::default(),
        }
    }

    #[test]
    fn a_leaderboard_with_an_overflowed_metric_reads_back() {
        // A diverged candidate's squared error overflows to infinity, which JSON writes as
        // null: the report must still load, the metric as NaN, and rank last.
        let entry = Entry {
            nombre: "diverged".into(),
            label: "ols".into(),
            metrics: [(Metric::Mae, 3e259), (Metric::Mse, f64::INFINITY)].into(),
            folds: 1,
            error: None,
        };
        let board = Leaderboard {
            metric: Metric::Mse,
            entries: vec![entry],
        };
        let json = serde_json::to_string(&board).unwrap();
        assert!(json.contains("null"), "{json}");
        let back: Leaderboard = serde_json::from_str(&json).unwrap();
        assert!(back.entries[0].metrics[&Metric::Mse].is_nan());
        assert_eq!(back.entries[0].metrics[&Metric::Mae], 3e259);
        assert_eq!(back.ranked().count(), 0);
    }

    #[test]
    fn exog_filters_keep_fourier_pairs_up_to_the_order_and_the_trend_by_choice() {
        let names: Vec<String> = [
            "dow_0",
            "trend",
            "year_sin_1",
            "year_cos_1",
            "year_sin_2",
            "year_cos_2",
            "holiday",
            "dow_3_year_sin_1",
            "dow_3_year_cos_2",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let exog = Exog::new(names.clone(), vec![vec![0.0; 3]; names.len()]).unwrap();
        assert_eq!(ExogFilter::default().apply(&exog), exog);
        let f = ExogFilter {
            fourier_anual: Some(1),
            tendencia: Some(false),
            ..ExogFilter::default()
        };
        assert_eq!(
            f.apply(&exog).names,
            [
                "dow_0",
                "year_sin_1",
                "year_cos_1",
                "holiday",
                "dow_3_year_sin_1"
            ]
        );
        let none = ExogFilter {
            fourier_anual: Some(0),
            tendencia: None,
            ..ExogFilter::default()
        };
        assert_eq!(none.apply(&exog).names, ["dow_0", "trend", "holiday"]);
        assert!(ExogFilter::default().keeps("dow_3_year_cos_2"));
    }

    #[test]
    fn the_model_that_knows_the_season_wins_and_failures_rank_last() {
        let y: Vec<f64> = (0..400)
            .map(|t| 100.0 + 30.0 * ((t % 7) as f64) + 0.1 * t as f64)
            .collect();
        let cands = vec![
            cand("naive", ModelSpec::Naive),
            cand("snaive7", ModelSpec::SeasonalNaive { period: 7 }),
            Candidate {
                nombre: "ols".into(),
                model: ModelSpec::Recursive {
                    regressor: Regressor::LinearRegression,
                    autoregressive: Autoregressive {
                        lags: vec![1, 7],
                        windows: vec![],
                    },
                    transform: Transform::None,
                    clip_negative: false,
                    differentiation: 0,
                    local_level: None,
                },
                exog: ExogFilter::default(),
            },
            cand("too_long", ModelSpec::SeasonalNaive { period: 1000 }),
        ];
        let cv = FoldConfig::new(28, 300);
        let arena = Arena::new(&y, &cv, Metric::Mae);
        let seen = std::sync::atomic::AtomicUsize::new(0);
        let count = |_: &Entry| {
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        };
        let (lb, all) = compete(&cands, arena, &count).unwrap();
        assert_eq!(seen.into_inner(), 4);
        assert_eq!(lb.champion().unwrap().nombre, "ols");
        assert!(all["ols"].metrics[&Metric::Mae] < 1e-6);
        assert_eq!(lb.entries.last().unwrap().nombre, "too_long");
        assert!(lb.entries.last().unwrap().error.is_some());
        let dup = vec![cands[0].clone(), cands[0].clone()];
        assert!(compete(&dup, arena, &|_| {}).is_err());
    }

    #[test]
    fn a_history_without_a_naive_error_is_ranked_by_mae() {
        // A weekly pattern repeated exactly: the weekly-naive scale of MASE7 is 0, so every
        // candidate's MASE7 is undefined, and the competition ranks by MAE instead.
        let y: Vec<f64> = (0..200)
            .map(|t| [5.0, 9.0, 9.0, 7.0, 0.0, 3.0, 4.0][t % 7])
            .collect();
        let cands = vec![
            cand("naive", ModelSpec::Naive),
            cand("snaive7", ModelSpec::SeasonalNaive { period: 7 }),
        ];
        let cv = FoldConfig::new(28, 140);
        let (lb, _) = compete(&cands, Arena::new(&y, &cv, Metric::Mase7), &|_| {}).unwrap();
        assert_eq!(lb.metric, Metric::Mae);
        assert_eq!(lb.champion().unwrap().nombre, "snaive7");
        assert!(lb
            .entries
            .iter()
            .all(|e| !e.metrics[&Metric::Mase7].is_finite()));
        assert!(lb.entries[1].metrics[&Metric::Mae] > 0.0);
        // With a finite value of the metric asked for, it is kept.
        let y2: Vec<f64> = y
            .iter()
            .enumerate()
            .map(|(t, v)| v + (t % 5) as f64)
            .collect();
        let (lb2, _) = compete(&cands, Arena::new(&y2, &cv, Metric::Mase7), &|_| {}).unwrap();
        assert_eq!(lb2.metric, Metric::Mase7);
    }

    #[test]
    fn a_yearly_mstl_on_less_than_two_years_does_not_compete_and_says_why() {
        let y: Vec<f64> = (0..600).map(|t| 50.0 + ((t % 7) as f64)).collect();
        let mstl = |periods: Vec<usize>| ModelSpec::Mstl {
            periods,
            transform: Transform::None,
            trend: crate::mstl::EtsTrend::Damped,
            clip_negative: true,
            steps: 28,
        };
        assert!(mstl(vec![7, 365]).check_history(731).is_ok());
        assert!(mstl(vec![7, 365]).check_history(730).is_err());
        assert!(mstl(vec![7]).check_history(600).is_ok());
        let cands = vec![
            cand("snaive7", ModelSpec::SeasonalNaive { period: 7 }),
            Candidate {
                nombre: "mstl_anual".into(),
                model: mstl(vec![7, 365]),
                exog: ExogFilter::default(),
            },
        ];
        let cv = FoldConfig::new(28, 500);
        let arena = Arena::new(&y, &cv, Metric::Mae);
        let (lb, all) = compete(&cands, arena, &|_| {}).unwrap();
        let row = lb
            .entries
            .iter()
            .find(|e| e.nombre == "mstl_anual")
            .unwrap();
        let why = row.error.as_deref().unwrap();
        assert!(why.contains("period 365") && why.contains("731"), "{why}");
        assert!(!all.contains_key("mstl_anual"));
        assert_eq!(lb.ranked().count(), 1);
    }
}

/// Cross-validation settings of phase 05 (`train.cv`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CvConfig {
    /// Steps per fold (the horizon: 185).
    pub steps: usize,
    /// First training length; `null` = `n − n_folds · steps`.
    pub initial_train_size: Option<usize>,
    /// Folds when `initial_train_size` is null (fewer on a short history, see
    /// `min_train_size`).
    pub n_folds: usize,
    /// Shortest first training range wanted when `initial_train_size` is null: a history too
    /// short for `n_folds` folds of `steps` after it gets fewer folds, and with one fold the
    /// training range shrinks to what exists (at least 3/5 of the history).
    pub min_train_size: usize,
    /// Refit policy.
    pub refit: crate::backtest::Refit,
    /// Rolling (true) or expanding (false) window when refitting.
    pub fixed_train_size: bool,
    /// Gap between training end and the first scored step.
    pub gap: usize,
    /// Keep a short last fold.
    pub allow_incomplete_fold: bool,
    /// Days between fold origins (`null` = `steps`: folds side by side). Shorter than
    /// `steps`, the folds overlap: `n_folds` origins `stride` apart, each forecasting the
    /// whole horizon, the last one ending with the history.
    #[serde(default)]
    pub stride: Option<usize>,
}

impl TrainConfig {
    /// These settings for a signed target (negative values are data: temperatures, net
    /// flows): every candidate, search candidate and the global model without `log1p` and
    /// without clipping at 0 ([`ModelSpec::for_signed_target`]). A candidate that becomes
    /// identical to an earlier one (`ridge_calendario` and `ridge_calendario_raw`) is
    /// dropped, so the backtest does not spend twice on one model.
    pub fn for_signed_target(&self) -> TrainConfig {
        let mut t = self.clone();
        let mut kept: Vec<Candidate> = Vec::with_capacity(t.candidates.len());
        for c in &self.candidates {
            let c = Candidate {
                model: c.model.for_signed_target(),
                ..c.clone()
            };
            if !kept.iter().any(|k| k.model == c.model && k.exog == c.exog) {
                kept.push(c);
            }
        }
        t.candidates = kept;
        if t.search.transform == crate::Transform::Log1p {
            t.search.transform = crate::Transform::None;
        }
        t.search.transform_grid.clear();
        t.search.intermittent_zero_share = None;
        t.search.clip_negative = false;
        t.global.clip_negative = false;
        t
    }
}

impl CvConfig {
    /// The folds for a series of `n` observations.
    pub fn fold_config(&self, n: usize) -> Result<FoldConfig, ModelError> {
        let initial = match self.initial_train_size {
            Some(k) => k,
            None => {
                let budget =
                    n.checked_sub(self.gap)
                        .filter(|b| *b >= 2)
                        .ok_or(ModelError::TooShort {
                            needed: self.gap + 2,
                            got: n,
                        })?;
                let stride = self.stride.unwrap_or(self.steps).max(1);
                // Days the folds cover: the origins `stride` apart, the last one's horizon.
                let span = |k: usize| (k - 1) * stride + self.steps;
                let mut folds = self.n_folds.max(1);
                while folds > 1 && budget < span(folds) + self.min_train_size {
                    folds -= 1;
                }
                let after = budget.saturating_sub(span(folds));
                if after >= self.min_train_size {
                    after
                } else {
                    // Too short for even one full fold after min_train_size: train on what
                    // exists, keeping at least 3/5 of it (the last fold is then incomplete).
                    after.max(budget * 3 / 5).min(budget - 1)
                }
            }
        };
        Ok(FoldConfig {
            steps: self.steps,
            initial_train_size: initial,
            refit: self.refit,
            fixed_train_size: self.fixed_train_size,
            gap: self.gap,
            skip_folds: None,
            allow_incomplete_fold: self.allow_incomplete_fold,
            fold_stride: self.stride,
        })
    }
}

/// Which columns of the processed table go in as exog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExogSelection {
    /// Every feature column.
    All,
    /// None (autoregressive only).
    None,
}

/// Phase 05 settings (`train:`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    /// Target column of the processed table.
    pub target: String,
    /// Ranking metric.
    pub metric: Metric,
    /// Exog columns.
    pub exog: ExogSelection,
    /// Folds.
    pub cv: CvConfig,
    /// The candidates, baselines included.
    pub candidates: Vec<Candidate>,
    /// Extra candidates generated by a grid or random search.
    pub search: crate::search::SearchConfig,
    /// Forecast combinations of the best candidates, competing like any other.
    #[serde(default)]
    pub ensemble: EnsembleConfig,
    /// A candidate preferred as champion unless another beats its backtest by a margin
    /// (`null`: the best backtest wins).
    #[serde(default)]
    pub preferencia: Option<Preference>,
    /// A candidate whose forecast of the horizon reaches more than this many times the
    /// largest value the history observed (in absolute value) has diverged — a recursion
    /// that blew up past the folds' length — and is never the champion (`null` = no check).
    #[serde(default = "default_divergence")]
    pub divergencia_max: Option<f64>,
    /// The champion when the backtest reached too little of the horizon to choose among
    /// models (`null`: the ranking and the preference choose whatever the backtest's length).
    #[serde(default)]
    pub respaldo: Option<Fallback>,
    /// A global model across the series of a many-series run, competing in each series'
    /// backtest.
    #[serde(default)]
    pub global: crate::global::GlobalConfig,
}

fn default_divergence() -> Option<f64> {
    Some(10.0)
}

/// `train.respaldo`: when the backtest reached fewer than `alcance_min × horizon` days ahead of
/// its origins (a history of two to four months leaves one fold of a few weeks), its ranking
/// is too little evidence to choose a model that will forecast months: `candidato`, a robust
/// reference, is the champion instead (when it was backtested and forecasts the horizon).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fallback {
    /// The candidate that serves, e.g. `perfil_semanal` (a seasonal median).
    pub candidato: String,
    /// Share of the horizon the backtest must reach for its ranking to choose, in (0, 1].
    pub alcance_min: f64,
}

/// `train.preferencia`: the champion is `candidato` (when it was built and backtested; for
/// `ensemble_top<k>_diverso`, `ensemble_top<k>` stands in when the top k already held every
/// family and no diverse copy was built) unless
/// the best-ranked candidate's metric is below `(1 − margen) ×` its metric. Backtests over a
/// year or two choose among near-equal candidates mostly by noise; a combination of models of
/// different kinds is the steadier default, and the margin keeps a clearly better model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preference {
    /// The preferred candidate's name, e.g. `ensemble_top3_diverso`.
    pub candidato: String,
    /// Relative backtest advantage another candidate needs to be champion instead, in [0, 1).
    pub margen: f64,
}

#[cfg(test)]
mod ridge_path_tests {
    use super::*;
    use crate::backtest::Refit;
    use crate::Transform;
    use crate::{Autoregressive, ExogFilter, ModelSpec, Regressor};

    fn ridge(nombre: &str, lags: usize, alpha: f64, transform: Transform) -> Candidate {
        Candidate {
            nombre: nombre.into(),
            model: ModelSpec::Recursive {
                regressor: Regressor::Ridge { alpha },
                autoregressive: Autoregressive {
                    lags: (1..=lags).collect(),
                    windows: vec![],
                },
                transform,
                clip_negative: false,
                differentiation: 0,
                local_level: None,
            },
            exog: ExogFilter::default(),
        }
    }

    /// For a signed target every candidate loses log1p and clipping (ensemble members too),
    /// and a candidate that then equals an earlier one is dropped.
    #[test]
    fn a_signed_target_drops_log1p_and_clipping_and_the_duplicates_they_leave() {
        let clipped = |mut c: Candidate| {
            if let ModelSpec::Recursive { clip_negative, .. } = &mut c.model {
                *clip_negative = true;
            }
            c
        };
        let log = clipped(ridge("log", 7, 1.0, Transform::Log1p));
        let raw = clipped(ridge("raw", 7, 1.0, Transform::None));
        let other = ridge("other", 14, 1.0, Transform::Log1p);
        let ens = Candidate {
            nombre: "ens".into(),
            model: ModelSpec::Ensemble {
                members: vec![log.clone(), other.clone()],
                combine: crate::spec::Combine::Mean,
            },
            exog: ExogFilter::default(),
        };
        let cfg = TrainConfig {
            target: "y".into(),
            metric: Metric::Mae,
            exog: ExogSelection::All,
            cv: CvConfig {
                steps: 30,
                initial_train_size: None,
                n_folds: 2,
                min_train_size: 100,
                refit: Refit::Always,
                fixed_train_size: false,
                gap: 0,
                allow_incomplete_fold: true,
                stride: None,
            },
            candidates: vec![log, raw, other, ens],
            search: crate::search::SearchConfig::default(),
            ensemble: EnsembleConfig::default(),
            preferencia: None,
            divergencia_max: None,
            respaldo: None,
            global: crate::global::GlobalConfig::default(),
        };
        let s = cfg.for_signed_target();
        let names: Vec<&str> = s.candidates.iter().map(|c| c.nombre.as_str()).collect();
        assert_eq!(names, ["log", "other", "ens"], "raw now equals log");
        let plain = |m: &ModelSpec| {
            matches!(
                m,
                ModelSpec::Recursive {
                    transform: Transform::None,
                    clip_negative: false,
                    ..
                }
            )
        };
        assert!(plain(&s.candidates[0].model) && plain(&s.candidates[1].model));
        let ModelSpec::Ensemble { members, .. } = &s.candidates[2].model else {
            panic!("the ensemble stays an ensemble")
        };
        assert!(members.iter().all(|m| plain(&m.model)));
        assert_eq!(s.search.transform, Transform::None);
        assert!(!s.search.clip_negative && !s.global.clip_negative);
        assert!(s.search.transform_grid.is_empty() && s.search.intermittent_zero_share.is_none());
        // The original settings are untouched.
        assert_eq!(cfg.candidates.len(), 4);
    }

    /// Ridge candidates equal but for alpha share one path, whose normal equations follow the
    /// refits fold by fold; the competition's backtests are those of each candidate alone:
    /// the first fold's coefficients bit for bit, every prediction and metric to 1e-9.
    #[test]
    fn a_shared_ridge_path_gives_each_candidate_its_own_backtest() {
        let cands = vec![
            ridge("a", 7, 0.1, Transform::None),
            ridge("b", 14, 1.0, Transform::None),
            ridge("c", 7, 10.0, Transform::None),
            ridge("d", 7, 1.0, Transform::Log1p),
            ridge("e", 7, 100.0, Transform::None),
            ridge("f", 14, -1.0, Transform::None),
        ];
        assert_eq!(
            ridge_groups(&cands),
            vec![vec![0, 2, 4], vec![1], vec![3], vec![5]]
        );
        let y: Vec<f64> = (0..600)
            .map(|t| {
                let t = t as f64;
                200.0
                    + 40.0 * (t * std::f64::consts::TAU / 7.0).sin()
                    + 0.05 * t
                    + 9.0 * ((t * 12.9898).sin() * 43758.5453).fract()
            })
            .collect();
        let exog = Exog::new(
            vec!["x".into()],
            vec![(0..600).map(|t| f64::from(t % 5 == 0)).collect()],
        )
        .unwrap();
        let cv = FoldConfig {
            steps: 30,
            initial_train_size: 480,
            refit: Refit::Always,
            fixed_train_size: true,
            gap: 0,
            skip_folds: None,
            allow_incomplete_fold: true,
            fold_stride: None,
        };
        let arena = Arena {
            exog: Some(&exog),
            ..Arena::new(&y, &cv, Metric::Mae)
        };
        let (lb, bts) = compete(&cands, arena, &|_| {}).unwrap();
        assert_alone(&cands, &y, &exog, &cv, &lb, &bts, 1e-9);
        // Expanding refits grow the normal equations fold by fold as rolling ones slide
        // them: the same agreement.
        let expanding = FoldConfig {
            fixed_train_size: false,
            ..cv.clone()
        };
        let arena = Arena {
            cv: &expanding,
            ..arena
        };
        let (lb, bts) = compete(&cands, arena, &|_| {}).unwrap();
        assert_alone(&cands, &y, &exog, &expanding, &lb, &bts, 1e-9);
    }

    /// Every candidate's backtest in `bts` is the one it gets alone: predictions within `tol`
    /// (relative; 0 = bit for bit), the first fold's coefficients bit for bit, metrics within
    /// `tol`; failures
    /// carry the same error.
    fn assert_alone(
        cands: &[Candidate],
        y: &[f64],
        exog: &Exog,
        cv: &FoldConfig,
        lb: &Leaderboard,
        bts: &BTreeMap<String, Backtest>,
        tol: f64,
    ) {
        for c in cands {
            let alone = crate::backtest::backtest_masked(
                &c.model,
                y,
                None,
                c.exog_for(Some(exog)).as_ref(),
                cv,
                None,
            );
            match alone {
                Ok(b) if tol == 0.0 => assert_eq!(bts.get(&c.nombre), Some(&b), "{}", c.nombre),
                Ok(b) => {
                    let got = &bts[&c.nombre];
                    let coef = |b: &Backtest| {
                        b.first_model
                            .as_ref()
                            .and_then(|m| m.state.as_ref())
                            .map(|s| serde_json::to_string(&s.fit).unwrap())
                    };
                    assert_eq!(coef(got), coef(&b), "{}", c.nombre);
                    assert_eq!(got.predictions.len(), b.predictions.len());
                    let close = |u: f64, v: f64| (u - v).abs() <= tol * v.abs().max(1.0);
                    for (u, v) in got.predictions.iter().zip(&b.predictions) {
                        assert_eq!((u.fold, u.position), (v.fold, v.position));
                        assert!(
                            close(u.pred, v.pred),
                            "{}: {} vs {}",
                            c.nombre,
                            u.pred,
                            v.pred
                        );
                    }
                    for (m, v) in &b.metrics {
                        assert!(close(got.metrics[m], *v), "{} {m:?}", c.nombre);
                    }
                }
                Err(e) => {
                    let row = lb.entries.iter().find(|x| x.nombre == c.nombre).unwrap();
                    assert_eq!(row.error.as_deref(), Some(e.to_string().as_str()));
                }
            }
        }
    }
}
