//! Forecasters: an unfitted [`ModelSpec`] is fitted into a [`FittedModel`], which alone can
//! predict (§B.4 recursion for the regressors; the baselines need no training matrix).

use serde::{Deserialize, Serialize};

use crate::changepoints::PiecewiseFit;
use crate::linear::{elastic_net, ols, ridge, LinearFit, CD_MAX_ITER, CD_TOL, SKLEARN_RCOND};
use std::ops::Range;
use std::sync::Arc;

#[cfg(feature = "boosting")]
use crate::boosting::BoostFit;
use crate::matrix::{train_matrix, Autoregressive, Exog, ExogFilter};
use crate::nonlinear::{ForestFit, KnnFit, KnnWeights, TreeFit, TreeSettings};
pub use crate::scale::{Scale, Transform};
use crate::ModelError;

/// The regressor of a recursive forecaster.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "tipo", rename_all = "snake_case", deny_unknown_fields)]
pub enum Regressor {
    /// scikit-learn `LinearRegression`.
    LinearRegression,
    /// scikit-learn `Ridge(alpha)`.
    Ridge {
        /// Penalty.
        alpha: f64,
    },
    /// scikit-learn `Lasso(alpha)`, solved to the optimum ([`crate::linear::CD_TOL`]).
    Lasso {
        /// Penalty.
        alpha: f64,
    },
    /// scikit-learn `ElasticNet(alpha, l1_ratio)`, solved to the optimum.
    ElasticNet {
        /// Penalty.
        alpha: f64,
        /// Share of the L1 penalty.
        l1_ratio: f64,
    },
    /// Ridge plus a piecewise-linear trend, Prophet's changepoints
    /// ([`crate::changepoints`]): `changepoints` hinges on the `trend` column spread evenly
    /// over the first `range` of the training trend, their slope changes L1-penalised by
    /// `l1` (scikit-learn's `Lasso` scale) so that few survive; the last slope carries on.
    RidgeChangepoints {
        /// Ridge penalty of every column (> 0).
        alpha: f64,
        /// Candidate knots.
        changepoints: usize,
        /// Share of the training trend the knots cover (Prophet: 0.8).
        range: f64,
        /// L1 penalty of the slope changes.
        l1: f64,
    },
    /// scikit-learn `DecisionTreeRegressor` (squared error), via smartcore.
    DecisionTree {
        /// Maximum depth (`null`: unlimited).
        #[serde(default)]
        max_depth: Option<u16>,
        /// Minimum observations per leaf.
        #[serde(default = "one")]
        min_samples_leaf: usize,
        /// Minimum observations to split a node.
        #[serde(default = "two")]
        min_samples_split: usize,
    },
    /// scikit-learn `RandomForestRegressor` (bootstrap, mean of trees), trees fitted in
    /// parallel and seeded `seed + i` (deterministic whatever the threads).
    RandomForest {
        /// Trees.
        n_trees: usize,
        /// Maximum depth (`null`: unlimited).
        #[serde(default)]
        max_depth: Option<u16>,
        /// Minimum observations per leaf.
        #[serde(default = "one")]
        min_samples_leaf: usize,
        /// Share of the features tried at each split (`null`: all, scikit-learn's default).
        #[serde(default)]
        max_features: Option<f64>,
        /// Seed (`null`: `run.seed`, filled in by [`ModelSpec::with_default_seed`]).
        #[serde(default)]
        seed: Option<u64>,
    },
    /// Gradient-boosted trees (perpetual's `PerpetualBooster`, squared loss): the boosting
    /// family, as LightGBM on lags and calendar features, tuned by one complexity `budget`.
    GradientBoosting {
        /// perpetual's budget (0.5 small … 2 large; higher = more trees, smaller steps).
        budget: f64,
        /// Seed (`null`: `run.seed`, filled in by [`ModelSpec::with_default_seed`]).
        #[serde(default)]
        seed: Option<u64>,
    },
    /// scikit-learn `KNeighborsRegressor` (Euclidean), via smartcore.
    Knn {
        /// Neighbours.
        k: usize,
        /// Weighting of the neighbours.
        #[serde(default)]
        weights: KnnWeights,
    },
}

fn one() -> usize {
    1
}
fn two() -> usize {
    2
}

/// A model to fit: a closed, serde-tagged set (`tipo` in config).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "tipo", rename_all = "snake_case", deny_unknown_fields)]
pub enum ModelSpec {
    /// Recursive multi-step forecaster over a regressor (skforecast `ForecasterRecursive`).
    Recursive {
        /// The regressor.
        regressor: Regressor,
        /// Lags and window features.
        autoregressive: Autoregressive,
        /// Target transform.
        transform: Transform,
        /// Clip predictions at 0.
        clip_negative: bool,
        /// Order of differencing applied after the transform (skforecast `differentiation`,
        /// §B.1): the model learns `Δᵈ z`; predictions are integrated back from the last
        /// observed values. 0 = none.
        #[serde(default)]
        differentiation: usize,
        /// Re-level on the last `local_level` training days: their mean in-sample residual
        /// (model space) is added to every forecast step, so a level shift late in the
        /// history — which a regression on the calendar averages away — carries into the
        /// forecast. `null`: off. Needs `differentiation: 0`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        local_level: Option<usize>,
    },
    /// Direct multi-step forecaster: one regressor per step h = 1..=steps, each fitted on the
    /// same lag block with the target h−1 steps ahead and exog at that step (skforecast
    /// `ForecasterDirect`, §B.13). Predicts at most `steps` ahead, without recursion.
    Direct {
        /// The regressor (one copy per step).
        regressor: Regressor,
        /// Lags and window features.
        autoregressive: Autoregressive,
        /// Target transform.
        transform: Transform,
        /// Clip predictions at 0.
        clip_negative: bool,
        /// Steps (models).
        steps: usize,
    },
    /// The statistical family: MSTL decomposition (one seasonal component per period) with an
    /// AutoETS model of the deseasonalised series ([`crate::mstl`]). No exog; predicts at most
    /// `steps` ahead from the end of its training data. Like a baseline, its intervals come
    /// from its backtest errors in the original scale.
    Mstl {
        /// Seasonal periods, e.g. `[7, 365]` (a period without two cycles in the training
        /// data is dropped).
        periods: Vec<usize>,
        /// Target transform.
        transform: Transform,
        /// Trends the AutoETS model may choose.
        #[serde(default)]
        trend: crate::mstl::EtsTrend,
        /// Clip predictions at 0.
        clip_negative: bool,
        /// Days forecast (at least the horizon).
        steps: usize,
    },
    /// The same days of earlier seasons (smoothed over the same weekday of neighbouring
    /// weeks), each re-levelled by how the last `level_window` days compare with the same days
    /// that season, averaged ([`crate::seasonal`]). Statistical family: no exog; predicts at
    /// most `steps` ahead from the end of its training data; intervals from its backtest
    /// errors in the original scale.
    YearOverYear {
        /// Season length in days (364 keeps the weekday).
        period: usize,
        /// Most earlier seasons averaged (those in the history are used).
        years: usize,
        /// Days of the recent level compared with the same days of each earlier season.
        level_window: usize,
        /// Same weekday this many weeks either side, averaged with the day.
        neighbours: usize,
        /// Level ratios kept within `[1 / max_level_ratio, max_level_ratio]`.
        max_level_ratio: f64,
        /// Days forecast (at least the horizon).
        steps: usize,
    },
    /// Last value repeated.
    Naive,
    /// The last season repeated (`period` 7: same weekday last week; 364: last year).
    SeasonalNaive {
        /// Season length.
        period: usize,
    },
    /// Mean of the values `offset·k` steps back, k = 1..=n_offsets (skforecast
    /// `ForecasterEquivalentDate` with `agg_func = mean`).
    EquivalentDate {
        /// Offset.
        offset: usize,
        /// How many offsets are averaged.
        n_offsets: usize,
    },
    /// Each position of a season of `period` days (a weekday with 7) forecast by the median of
    /// its observed values over the last `cycles` seasons ([`crate::profile`]): the robust
    /// reference of a short history, and the fallback champion when the backtest reached too
    /// little of the horizon to choose among models (`train.respaldo`). Baseline family;
    /// forecasts from the end of its training data only, so its backtest needs
    /// `refit: always`; intervals from its backtest errors in the original scale.
    SeasonalMedian {
        /// Season length.
        period: usize,
        /// Most seasons taken (the last ones the history holds).
        cycles: usize,
    },
    /// A forecast combination: every member is fitted on the same history (each with its own
    /// exog columns) and the forecast is the mean or median of theirs. Like a baseline, its
    /// intervals come from its own backtest errors in the original scale.
    Ensemble {
        /// The combined candidates, each with its own exog columns among the ensemble's.
        members: Vec<Candidate>,
        /// How the members' forecasts are combined.
        combine: Combine,
    },
}

/// A named model with its choice of exog columns (`train.candidates[]`, an ensemble's
/// members).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Candidate {
    /// Unique name.
    pub nombre: String,
    /// The model.
    pub model: ModelSpec,
    /// Which of the calendar's exog columns the candidate uses (default: all).
    #[serde(default, skip_serializing_if = "ExogFilter::is_all")]
    pub exog: ExogFilter,
}

impl Candidate {
    /// The candidate's own columns of `exog`, or `None` when its model uses no exog or none
    /// of its columns are there.
    pub fn exog_for(&self, exog: Option<&Exog>) -> Option<Exog> {
        exog.filter(|_| self.model.uses_exog())
            .map(|e| self.exog.apply(e))
            .filter(|e| !e.names.is_empty())
    }
}

/// How an ensemble combines its members' forecasts, step by step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Combine {
    /// Arithmetic mean.
    Mean,
    /// Median (mean of the two middle values for an even count).
    Median,
}

impl Combine {
    /// Combines one step's member forecasts (NaN when any is NaN).
    pub fn apply(self, values: &mut [f64]) -> f64 {
        if values.is_empty() || values.iter().any(|v| v.is_nan()) {
            return f64::NAN;
        }
        match self {
            Combine::Mean => values.iter().sum::<f64>() / values.len() as f64,
            Combine::Median => {
                values.sort_by(f64::total_cmp);
                let n = values.len();
                if n % 2 == 1 {
                    values[n / 2]
                } else {
                    0.5 * (values[n / 2 - 1] + values[n / 2])
                }
            }
        }
    }
}

fn regressor_label(r: &Regressor) -> String {
    match r {
        Regressor::LinearRegression => "ols".to_string(),
        Regressor::Ridge { alpha } => format!("ridge(alpha={alpha})"),
        Regressor::Lasso { alpha } => format!("lasso(alpha={alpha})"),
        Regressor::ElasticNet { alpha, l1_ratio } => {
            format!("elastic_net(alpha={alpha}, l1_ratio={l1_ratio})")
        }
        Regressor::RidgeChangepoints {
            alpha,
            changepoints,
            range,
            l1,
        } => format!(
            "ridge_changepoints(alpha={alpha}, changepoints={changepoints}, range={range}, l1={l1})"
        ),
        Regressor::DecisionTree {
            max_depth,
            min_samples_leaf,
            ..
        } => format!("tree(max_depth={max_depth:?}, min_samples_leaf={min_samples_leaf})"),
        Regressor::RandomForest {
            n_trees,
            max_depth,
            max_features,
            ..
        } => format!(
            "random_forest(n_trees={n_trees}, max_depth={max_depth:?}, max_features={max_features:?})"
        ),
        Regressor::Knn { k, weights } => format!("knn(k={k}, weights={weights:?})"),
        Regressor::GradientBoosting { budget, .. } => format!("gradient_boosting(budget={budget})"),
    }
}

/// A fitted regressor of any family; only this type predicts a row.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "familia", content = "ajuste", rename_all = "snake_case")]
pub enum FittedRegressor {
    /// Linear: coefficients and intercept.
    Linear(LinearFit),
    /// Linear with a piecewise-linear trend.
    Piecewise(Arc<PiecewiseFit>),
    /// A regression tree.
    Tree(Arc<TreeFit>),
    /// A random forest.
    Forest(Arc<ForestFit>),
    /// k nearest neighbours.
    Knn(Arc<KnnFit>),
    /// Gradient-boosted trees (the `boosting` feature: a build without it reads no such model).
    #[cfg(feature = "boosting")]
    Boosting(Arc<BoostFit>),
}

impl PartialEq for FittedRegressor {
    /// Linear fits compare their numbers; tree and neighbour models compare their serialised
    /// form (smartcore's types have no equality of their own).
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (FittedRegressor::Linear(a), FittedRegressor::Linear(b)) => a == b,
            (a, b) => {
                std::mem::discriminant(a) == std::mem::discriminant(b)
                    && serde_json::to_string(a).ok() == serde_json::to_string(b).ok()
            }
        }
    }
}

impl FittedRegressor {
    /// Prediction for one feature row (in the model's transformed space).
    pub fn predict_row(&self, x: &[f64]) -> f64 {
        match self {
            FittedRegressor::Linear(f) => f.predict_row(x),
            FittedRegressor::Piecewise(f) => f.predict_row(x),
            FittedRegressor::Tree(f) => f.predict_row(x),
            FittedRegressor::Forest(f) => f.predict_row(x),
            FittedRegressor::Knn(f) => f.predict_row(x),
            #[cfg(feature = "boosting")]
            FittedRegressor::Boosting(f) => f.predict_row(x),
        }
    }

    /// The linear coefficients, when the model is linear.
    pub fn as_linear(&self) -> Option<&LinearFit> {
        match self {
            FittedRegressor::Linear(f) => Some(f),
            _ => None,
        }
    }
}

impl Regressor {
    /// Fits the regressor on a training matrix.
    pub fn fit(&self, m: &crate::matrix::TrainMatrix) -> Result<FittedRegressor, ModelError> {
        let tree = |max_depth, min_samples_leaf, min_samples_split| TreeSettings {
            max_depth,
            min_samples_leaf,
            min_samples_split,
        };
        Ok(match self {
            Regressor::LinearRegression => FittedRegressor::Linear(ols(m, SKLEARN_RCOND)?),
            Regressor::Ridge { alpha } => FittedRegressor::Linear(ridge(m, *alpha)?),
            Regressor::Lasso { alpha } => {
                FittedRegressor::Linear(elastic_net(m, *alpha, 1.0, CD_TOL, CD_MAX_ITER)?)
            }
            Regressor::ElasticNet { alpha, l1_ratio } => {
                FittedRegressor::Linear(elastic_net(m, *alpha, *l1_ratio, CD_TOL, CD_MAX_ITER)?)
            }
            Regressor::RidgeChangepoints {
                alpha,
                changepoints,
                range,
                l1,
            } => FittedRegressor::Piecewise(Arc::new(crate::changepoints::fit(
                m,
                *alpha,
                *changepoints,
                *range,
                *l1,
            )?)),
            Regressor::DecisionTree {
                max_depth,
                min_samples_leaf,
                min_samples_split,
            } => FittedRegressor::Tree(Arc::new(TreeFit::fit(
                m,
                tree(*max_depth, *min_samples_leaf, *min_samples_split),
            )?)),
            Regressor::RandomForest {
                n_trees,
                max_depth,
                min_samples_leaf,
                max_features,
                seed,
            } => {
                let seed = seed.ok_or_else(|| {
                    ModelError::InvalidSpec(
                        "random_forest needs a seed (ModelSpec::with_default_seed fills run.seed)"
                            .into(),
                    )
                })?;
                FittedRegressor::Forest(Arc::new(ForestFit::fit(
                    m,
                    tree(*max_depth, *min_samples_leaf, 2),
                    *n_trees,
                    *max_features,
                    seed,
                )?))
            }
            Regressor::Knn { k, weights } => {
                FittedRegressor::Knn(Arc::new(KnnFit::fit(m, *k, *weights)?))
            }
            Regressor::GradientBoosting { budget, seed } => {
                let seed = seed.ok_or_else(|| {
                    ModelError::InvalidSpec(
                        "gradient_boosting needs a seed (ModelSpec::with_default_seed fills run.seed)"
                            .into(),
                    )
                })?;
                #[cfg(feature = "boosting")]
                {
                    FittedRegressor::Boosting(Arc::new(BoostFit::fit(m, *budget, seed)?))
                }
                #[cfg(not(feature = "boosting"))]
                {
                    let _ = (budget, seed);
                    return Err(ModelError::InvalidSpec(
                        "this build fits no gradient boosting: enable the `boosting` feature of the models crate".into(),
                    ));
                }
            }
        })
    }

    /// A short name for candidate names: `ols`, `ridge_a1`, `lasso_a0.1`,
    /// `enet_a0.1_r0.5`, `tree_d8`, `rf100_d8`, `knn5` (`dmax` = unlimited depth).
    pub fn short_name(&self) -> String {
        let depth = |d: &Option<u16>| d.map_or("max".to_string(), |d| d.to_string());
        match self {
            Regressor::LinearRegression => "ols".into(),
            Regressor::Ridge { alpha } => format!("ridge_a{alpha}"),
            Regressor::Lasso { alpha } => format!("lasso_a{alpha}"),
            Regressor::ElasticNet { alpha, l1_ratio } => format!("enet_a{alpha}_r{l1_ratio}"),
            Regressor::RidgeChangepoints {
                alpha,
                changepoints,
                l1,
                ..
            } => format!("ridgecp_a{alpha}_n{changepoints}_l{l1}"),
            Regressor::DecisionTree { max_depth, .. } => format!("tree_d{}", depth(max_depth)),
            Regressor::RandomForest {
                n_trees, max_depth, ..
            } => format!("rf{n_trees}_d{}", depth(max_depth)),
            Regressor::Knn { k, .. } => format!("knn{k}"),
            Regressor::GradientBoosting { budget, .. } => format!("gbm_b{budget}"),
        }
    }

    /// Whether the regressor draws random numbers (and so needs a seed).
    pub fn needs_seed(&self) -> bool {
        matches!(
            self,
            Regressor::RandomForest { seed: None, .. }
                | Regressor::GradientBoosting { seed: None, .. }
        )
    }
}

/// The kind of model a spec is, for forecast combinations of different kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Naive, seasonal naive and equivalent-date baselines.
    Baseline,
    /// Recursive and direct forecasters over a linear, tree, forest or neighbour regressor.
    Regression,
    /// Recursive and direct forecasters over gradient-boosted trees.
    Boosting,
    /// MSTL + AutoETS.
    Statistical,
    /// A combination of other candidates.
    Ensemble,
}

impl ModelSpec {
    /// Whether a history of `days` days can hold this model as configured: an MSTL model
    /// needs two cycles of its longest period (it drops a season with fewer, in
    /// [`crate::mstl::fit`], and would forecast without it); any other model, `Ok`.
    pub fn check_history(&self, days: usize) -> Result<(), ModelError> {
        match self {
            ModelSpec::Mstl { periods, .. } => match periods.iter().max() {
                Some(&period) if 2 * period >= days => Err(ModelError::SeasonTooLong {
                    period,
                    needed: 2 * period + 1,
                    got: days,
                }),
                _ => Ok(()),
            },
            _ => Ok(()),
        }
    }

    /// This model for a signed target (temperatures, net flows: negative values are data):
    /// `log1p` becomes no transform and forecasts are not clipped at 0; an ensemble's members
    /// likewise. Other models are unchanged.
    pub fn for_signed_target(&self) -> ModelSpec {
        let mut m = self.clone();
        match &mut m {
            ModelSpec::Recursive {
                transform,
                clip_negative,
                ..
            }
            | ModelSpec::Direct {
                transform,
                clip_negative,
                ..
            }
            | ModelSpec::Mstl {
                transform,
                clip_negative,
                ..
            } => {
                if *transform == Transform::Log1p {
                    *transform = Transform::None;
                }
                *clip_negative = false;
            }
            ModelSpec::Ensemble { members, .. } => {
                for c in members.iter_mut() {
                    c.model = c.model.for_signed_target();
                }
            }
            ModelSpec::YearOverYear { .. }
            | ModelSpec::Naive
            | ModelSpec::SeasonalNaive { .. }
            | ModelSpec::SeasonalMedian { .. }
            | ModelSpec::EquivalentDate { .. } => {}
        }
        m
    }

    /// The model's [`Family`].
    pub fn family(&self) -> Family {
        match self {
            ModelSpec::Recursive {
                regressor: Regressor::GradientBoosting { .. },
                ..
            }
            | ModelSpec::Direct {
                regressor: Regressor::GradientBoosting { .. },
                ..
            } => Family::Boosting,
            ModelSpec::Recursive { .. } | ModelSpec::Direct { .. } => Family::Regression,
            ModelSpec::Mstl { .. } | ModelSpec::YearOverYear { .. } => Family::Statistical,
            ModelSpec::Ensemble { .. } => Family::Ensemble,
            ModelSpec::Naive
            | ModelSpec::SeasonalNaive { .. }
            | ModelSpec::SeasonalMedian { .. }
            | ModelSpec::EquivalentDate { .. } => Family::Baseline,
        }
    }

    /// A short human label.
    pub fn label(&self) -> String {
        match self {
            ModelSpec::Recursive {
                regressor,
                autoregressive,
                transform,
                ..
            } => {
                let r = regressor_label(regressor);
                format!(
                    "{r} lags={:?} windows={} transform={transform:?}",
                    autoregressive.lags,
                    autoregressive.windows.len()
                )
            }
            ModelSpec::Direct {
                regressor, steps, ..
            } => format!("direct({steps} steps) {}", regressor_label(regressor)),
            ModelSpec::Mstl {
                periods,
                transform,
                trend,
                ..
            } => format!("mstl{periods:?} + AutoETS({trend:?}) transform={transform:?}")
                .to_lowercase(),
            ModelSpec::YearOverYear {
                period,
                years,
                level_window,
                neighbours,
                ..
            } => format!(
                "year_over_year(period={period}, years={years}, level_window={level_window}, neighbours={neighbours})"
            ),
            ModelSpec::Naive => "naive".into(),
            ModelSpec::SeasonalNaive { period } => format!("seasonal_naive({period})"),
            ModelSpec::SeasonalMedian { period, cycles } => {
                format!("seasonal_median(period={period}, cycles={cycles})")
            }
            ModelSpec::EquivalentDate { offset, n_offsets } => {
                format!("equivalent_date(offset={offset}, n_offsets={n_offsets})")
            }
            ModelSpec::Ensemble { members, combine } => {
                let names: Vec<&str> = members.iter().map(|m| m.nombre.as_str()).collect();
                format!("ensemble({combine:?} of {})", names.join(", ")).to_lowercase()
            }
        }
    }

    /// Fills the seed of seeded regressors that do not name one (`run.seed` in the pipeline).
    pub fn with_default_seed(mut self, run_seed: u64) -> Self {
        if let ModelSpec::Ensemble { members, .. } = &mut self {
            for m in members.iter_mut() {
                m.model = m.model.clone().with_default_seed(run_seed);
            }
        }
        if let ModelSpec::Recursive { regressor, .. } | ModelSpec::Direct { regressor, .. } =
            &mut self
        {
            if let Regressor::RandomForest { seed, .. } | Regressor::GradientBoosting { seed, .. } =
                regressor
            {
                seed.get_or_insert(run_seed);
            }
        }
        self
    }

    /// `W`: how many past values a prediction needs.
    pub fn window_size(&self) -> usize {
        match self {
            ModelSpec::Recursive {
                autoregressive,
                differentiation,
                ..
            } => autoregressive.window_size() + differentiation,
            ModelSpec::Direct { autoregressive, .. } => autoregressive.window_size(),
            ModelSpec::Naive | ModelSpec::Mstl { .. } | ModelSpec::YearOverYear { .. } => 1,
            // A whole season: the check that a forecast starts where the training data ended
            // compares it.
            ModelSpec::SeasonalMedian { period, .. } => *period,
            ModelSpec::SeasonalNaive { period } => *period,
            ModelSpec::EquivalentDate { offset, n_offsets } => offset * n_offsets,
            ModelSpec::Ensemble { members, .. } => members
                .iter()
                .map(|m| m.model.window_size())
                .max()
                .unwrap_or(0),
        }
    }

    /// The settings of a year-over-year model (`None` for any other kind).
    pub fn year_over_year(&self) -> Option<crate::seasonal::YearOverYear> {
        match self {
            ModelSpec::YearOverYear {
                period,
                years,
                level_window,
                neighbours,
                max_level_ratio,
                ..
            } => Some(crate::seasonal::YearOverYear {
                period: *period,
                years: *years,
                level_window: *level_window,
                neighbours: *neighbours,
                max_level_ratio: *max_level_ratio,
            }),
            _ => None,
        }
    }

    /// Whether the model uses exogenous columns.
    pub fn uses_exog(&self) -> bool {
        match self {
            ModelSpec::Recursive { .. } | ModelSpec::Direct { .. } => true,
            ModelSpec::Ensemble { members, .. } => members.iter().any(|m| m.model.uses_exog()),
            _ => false,
        }
    }

    /// Fits the model on `y` (original scale) with optional `exog` aligned with `y`.
    pub fn fit(&self, y: &[f64], exog: Option<&Exog>) -> Result<FittedModel, ModelError> {
        self.fit_masked(y, exog, None)
    }

    /// [`fit`](Self::fit) where only the targets with `fit_mask[t] == true` are fitted: the
    /// other values (closed days, long gaps filled for the lags) still feed the lags and
    /// windows but are never a training target. `None` fits every target.
    pub fn fit_masked(
        &self,
        y: &[f64],
        exog: Option<&Exog>,
        fit_mask: Option<&[bool]>,
    ) -> Result<FittedModel, ModelError> {
        let w = self.checked_window(y, fit_mask)?;
        let fitted = |t: usize| fit_mask.is_none_or(|m| m[t]);
        let last_window = y[y.len() - w..].to_vec();
        if let ModelSpec::Ensemble { members, .. } = self {
            if members.is_empty() {
                return Err(ModelError::InvalidSpec(
                    "an ensemble without members".into(),
                ));
            }
            let fitted = members
                .iter()
                .map(|m| {
                    let ex = m.exog_for(exog);
                    m.model.fit_masked(y, ex.as_ref(), fit_mask)
                })
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(FittedModel {
                spec: self.clone(),
                last_window,
                state: None,
                baseline_out_sample: None,
                members: fitted,
                mstl: None,
                seasonal: None,
                profile: None,
            });
        }
        // The models whose fitted state is their forecast: closed days and gaps are not
        // evidence of the level, so they are missing (interpolated by MSTL, skipped by the
        // year-over-year model and the seasonal median).
        if let ModelSpec::Mstl { .. }
        | ModelSpec::YearOverYear { .. }
        | ModelSpec::SeasonalMedian { .. } = self
        {
            let masked = || -> Vec<f64> {
                (0..y.len())
                    .map(|t| if fitted(t) { y[t] } else { f64::NAN })
                    .collect()
            };
            let (mstl, seasonal, profile) = match self {
                ModelSpec::Mstl {
                    periods,
                    transform,
                    trend,
                    steps,
                    ..
                } => (
                    Some(crate::mstl::fit(
                        &masked(),
                        periods,
                        *transform,
                        *trend,
                        *steps,
                    )?),
                    None,
                    None,
                ),
                ModelSpec::YearOverYear { steps, .. } => {
                    let spec = self.year_over_year().expect("a year_over_year spec");
                    (
                        None,
                        Some(crate::seasonal::fit(&masked(), &spec, *steps)?),
                        None,
                    )
                }
                ModelSpec::SeasonalMedian { period, cycles } => {
                    // The mask is its own: a weekday never traded falls back to its filled
                    // values.
                    let spec = crate::profile::SeasonalMedian {
                        period: *period,
                        cycles: *cycles,
                    };
                    (None, None, Some(crate::profile::fit(y, fit_mask, &spec)?))
                }
                _ => unreachable!("matched above"),
            };
            return Ok(FittedModel {
                spec: self.clone(),
                last_window,
                state: None,
                baseline_out_sample: None,
                members: Vec::new(),
                mstl,
                seasonal,
                profile,
            });
        }
        let state = match self {
            ModelSpec::Recursive {
                regressor,
                local_level,
                ..
            } => {
                let (scale, m) = self.recursive_matrix(y, exog, fit_mask)?;
                let fit = match (regressor, self.pure_lag_order(exog, fit_mask, &m, y.len())) {
                    // A Ridge on lags 1..=k alone (many-series designs): its equations from
                    // the series' lagged products instead of the design matrix.
                    (Regressor::Ridge { alpha }, Some(k)) => {
                        let mut z: Vec<f64> = m.row(0)[..k].iter().rev().copied().collect();
                        z.extend_from_slice(&m.y);
                        FittedRegressor::Linear(
                            crate::linear::NormalEquations::of_lags(&z, k)?.ridge(*alpha)?,
                        )
                    }
                    _ => regressor.fit(&m)?,
                };
                Some(recursive_state(
                    fit,
                    scale,
                    &Rows::all(&m),
                    y.len(),
                    *local_level,
                    exog,
                ))
            }
            ModelSpec::Direct {
                regressor,
                autoregressive,
                transform,
                steps,
                ..
            } => {
                autoregressive.validate()?;
                if *steps == 0 {
                    return Err(ModelError::InvalidSpec(
                        "a direct forecaster needs steps >= 1".into(),
                    ));
                }
                if y.len() < w + steps {
                    return Err(ModelError::TooShort {
                        needed: w + steps,
                        got: y.len(),
                    });
                }
                let scale = Scale::fit(*transform, y)?;
                let z: Vec<f64> = y.iter().map(|v| scale.forward(*v)).collect();
                let exog = exog.filter(|e| !e.names.is_empty());
                if let Some(e) = exog {
                    if e.len() != y.len() {
                        return Err(ModelError::ExogLength {
                            expected: y.len(),
                            got: e.len(),
                        });
                    }
                }
                let mut names = autoregressive.names();
                names.extend(exog.map(|e| e.names.clone()).unwrap_or_default());
                // The same lag block for every step: targets t + h − 1 for t = W ..= n − steps.
                let base: Vec<Vec<f64>> = (w..=y.len() - steps)
                    .map(|t| {
                        let mut r = Vec::new();
                        autoregressive.row(&z, t, &mut r);
                        r
                    })
                    .collect();
                let mut fits = Vec::with_capacity(*steps);
                let mut residuals = Vec::new();
                let mut fitted_values = Vec::new();
                for h in 0..*steps {
                    let mut m = crate::matrix::TrainMatrix {
                        names: names.clone(),
                        x: Vec::new(),
                        y: Vec::new(),
                        positions: Vec::new(),
                    };
                    for (k, row) in base.iter().enumerate() {
                        let target = w + k + h;
                        let mut x = row.clone();
                        if let Some(e) = exog {
                            x.extend(e.columns.iter().map(|c| c[target]));
                        }
                        if z[target].is_nan() || x.iter().any(|v| v.is_nan()) || !fitted(target) {
                            continue;
                        }
                        m.x.extend(x);
                        m.y.push(z[target]);
                        m.positions.push(target);
                    }
                    if m.rows() == 0 {
                        return Err(ModelError::TooShort {
                            needed: w + steps,
                            got: 0,
                        });
                    }
                    let fit = regressor.fit(&m)?;
                    if h == 0 {
                        fitted_values = (0..m.rows()).map(|i| fit.predict_row(m.row(i))).collect();
                        residuals = (0..m.rows()).map(|i| m.y[i] - fitted_values[i]).collect();
                    }
                    fits.push(fit);
                }
                Some(RegressionState {
                    fit: fits[0].clone(),
                    direct_fits: fits,
                    scale,
                    exog_names: exog.map(|e| e.names.clone()).unwrap_or_default(),
                    feature_names: names,
                    in_sample_residuals: residuals,
                    in_sample_predictions: fitted_values,
                    out_sample: None,
                    held: held_values(exog),
                    level_offset: 0.0,
                })
            }
            _ => None,
        };
        Ok(FittedModel {
            spec: self.clone(),
            last_window,
            state,
            baseline_out_sample: None,
            members: Vec::new(),
            mstl: None,
            seasonal: None,
            profile: None,
        })
    }
}

impl ModelSpec {
    /// An ensemble fitted on a history ending with `y` from its members' models fitted
    /// elsewhere (a global model among them), in the order of its spec: what
    /// [`ModelSpec::fit_masked`] gives when it fits every member itself.
    pub fn assemble_ensemble(
        &self,
        y: &[f64],
        members: Vec<FittedModel>,
    ) -> Result<FittedModel, ModelError> {
        let ModelSpec::Ensemble { members: specs, .. } = self else {
            return Err(ModelError::InvalidSpec(
                "only an ensemble is assembled from its members".into(),
            ));
        };
        if specs.len() != members.len()
            || specs.iter().zip(&members).any(|(c, m)| c.model != m.spec)
        {
            return Err(ModelError::InvalidSpec(
                "an ensemble's fitted members must follow its spec, member by member".into(),
            ));
        }
        let w = self.checked_window(y, None)?;
        Ok(FittedModel {
            spec: self.clone(),
            last_window: y[y.len() - w..].to_vec(),
            state: None,
            baseline_out_sample: None,
            members,
            mstl: None,
            seasonal: None,
            profile: None,
        })
    }
}

impl ModelSpec {
    /// The window size, once the series is longer than it and the fit mask (if any) as long
    /// as the series.
    fn checked_window(&self, y: &[f64], fit_mask: Option<&[bool]>) -> Result<usize, ModelError> {
        if let Some(m) = fit_mask {
            if m.len() != y.len() {
                return Err(ModelError::InvalidSpec(format!(
                    "fit mask of {} values for a series of {}",
                    m.len(),
                    y.len()
                )));
            }
        }
        let w = self.window_size();
        if w == 0 {
            return Err(ModelError::InvalidSpec("window size 0".into()));
        }
        if y.len() <= w {
            return Err(ModelError::TooShort {
                needed: w + 1,
                got: y.len(),
            });
        }
        Ok(w)
    }

    /// A recursive spec's training matrix on `y` (transformed, differenced, masked rows
    /// dropped) and its target scale: everything of a fit before the regressor.
    fn recursive_matrix(
        &self,
        y: &[f64],
        exog: Option<&Exog>,
        fit_mask: Option<&[bool]>,
    ) -> Result<(Scale, crate::matrix::TrainMatrix), ModelError> {
        let ModelSpec::Recursive {
            autoregressive,
            transform,
            differentiation,
            local_level,
            ..
        } = self
        else {
            return Err(ModelError::InvalidSpec(
                "a training matrix of a recursive spec only".into(),
            ));
        };
        if local_level.is_some() && *differentiation > 0 {
            return Err(ModelError::InvalidSpec(
                "local_level needs differentiation 0".into(),
            ));
        }
        if *local_level == Some(0) {
            return Err(ModelError::InvalidSpec(
                "local_level needs at least 1 day".into(),
            ));
        }
        let w = self.window_size();
        let fitted = |t: usize| fit_mask.is_none_or(|m| m[t]);
        let scale = Scale::fit(*transform, y)?;
        let z: Vec<f64> = y.iter().map(|v| scale.forward(*v)).collect();
        let z = difference(&z, *differentiation);
        let exog = exog.filter(|e| !e.names.is_empty());
        let mut m = train_matrix(&z, autoregressive, exog)?;
        if *differentiation > 0 {
            // Rows start at W = window + d (§B.1), even where NaN-tolerant window
            // statistics could be computed earlier.
            let keep: Vec<bool> = m.positions.iter().map(|p| *p >= w).collect();
            m.retain_rows(&keep);
        }
        if fit_mask.is_some() {
            let keep: Vec<bool> = m.positions.iter().map(|p| fitted(*p)).collect();
            m.retain_rows(&keep);
        }
        if m.rows() == 0 {
            return Err(ModelError::TooShort {
                needed: w + 1,
                got: 0,
            });
        }
        Ok((scale, m))
    }

    /// `Some(k)` when this recursive spec's training matrix `m` on a series of `n` values is
    /// the pure lag design of lags `1..=k` with every row kept: no windows, exog, fit mask or
    /// differencing.
    fn pure_lag_order(
        &self,
        exog: Option<&Exog>,
        fit_mask: Option<&[bool]>,
        m: &crate::matrix::TrainMatrix,
        n: usize,
    ) -> Option<usize> {
        let ModelSpec::Recursive {
            autoregressive,
            differentiation: 0,
            ..
        } = self
        else {
            return None;
        };
        let k = autoregressive.lags.len();
        let contiguous = autoregressive
            .lags
            .iter()
            .enumerate()
            .all(|(i, l)| *l == i + 1);
        (k > 0
            && contiguous
            && autoregressive.windows.is_empty()
            && exog.is_none_or(|e| e.names.is_empty())
            && fit_mask.is_none()
            && m.cols() == k
            && m.rows() + k == n)
            .then_some(k)
    }

    /// The Ridge penalty of a recursive Ridge spec.
    pub fn ridge_alpha(&self) -> Option<f64> {
        match self {
            ModelSpec::Recursive {
                regressor: Regressor::Ridge { alpha },
                ..
            } => Some(*alpha),
            _ => None,
        }
    }

    /// This recursive Ridge spec with another penalty.
    fn with_ridge_alpha(&self, a: f64) -> ModelSpec {
        let mut spec = self.clone();
        if let ModelSpec::Recursive {
            regressor: Regressor::Ridge { alpha },
            ..
        } = &mut spec
        {
            *alpha = a;
        }
        spec
    }

    /// Fits this recursive Ridge spec once per penalty in `alphas` from **one** training
    /// matrix and one build of its normal equations ([`crate::linear::NormalEquations`]):
    /// the same models, bit for bit, as [`ModelSpec::fit_masked`] of each penalty, at the
    /// cost of one fit plus a small solve per penalty.
    pub fn fit_ridge_path(
        &self,
        alphas: &[f64],
        y: &[f64],
        exog: Option<&Exog>,
        fit_mask: Option<&[bool]>,
    ) -> Result<Vec<FittedModel>, ModelError> {
        let ModelSpec::Recursive {
            regressor: Regressor::Ridge { .. },
            local_level,
            ..
        } = self
        else {
            return Err(ModelError::InvalidSpec(
                "a ridge path needs a recursive Ridge spec".into(),
            ));
        };
        let w = self.checked_window(y, fit_mask)?;
        let (scale, m) = self.recursive_matrix(y, exog, fit_mask)?;
        let normal = crate::linear::NormalEquations::of(&m)?;
        alphas
            .iter()
            .map(|a| {
                let fit = FittedRegressor::Linear(normal.ridge(*a)?);
                Ok(FittedModel {
                    spec: self.with_ridge_alpha(*a),
                    last_window: y[y.len() - w..].to_vec(),
                    state: Some(recursive_state(
                        fit,
                        scale,
                        &Rows::all(&m),
                        y.len(),
                        *local_level,
                        exog,
                    )),
                    baseline_out_sample: None,
                    members: Vec::new(),
                    mstl: None,
                    seasonal: None,
                    profile: None,
                })
            })
            .collect()
    }
}

/// A recursive Ridge spec fitted at every penalty of a path on training ranges of one series
/// that move forward — a backtest's refits, expanding (`0..e`) or rolling (`a..e`). The
/// training matrix is built once on the longest range and the normal equations follow the
/// ranges ([`crate::linear::GramAccumulator`]): each refit adds the rows that enter and takes
/// back the rows that leave, then solves a small system per penalty. The first range's
/// coefficients equal [`ModelSpec::fit_ridge_path`]'s bit for bit, later ones to rounding;
/// the models keep no in-sample predictions (a backtest only predicts with them). Only for
/// specs whose rows do not depend on the training range ([`RidgeRefitPath::new`] returns
/// `None` for the standardising transform, fitted on the range).
pub struct RidgeRefitPath<'a> {
    spec: &'a ModelSpec,
    alphas: &'a [f64],
    y: &'a [f64],
    exog: Option<&'a Exog>,
    fit_mask: Option<&'a [bool]>,
    m: crate::matrix::TrainMatrix,
    acc: Option<crate::linear::GramAccumulator>,
    /// Rows of `m` in `acc`.
    rows: Range<usize>,
    /// The last range fitted.
    last: Range<usize>,
}

impl<'a> RidgeRefitPath<'a> {
    /// Prepares the path on `y` (up to the end of the last range) with `exog` and
    /// `fit_mask` aligned with it; `None` when the spec is not a recursive Ridge whose rows
    /// are the same whatever the training range.
    pub fn new(
        spec: &'a ModelSpec,
        alphas: &'a [f64],
        y: &'a [f64],
        exog: Option<&'a Exog>,
        fit_mask: Option<&'a [bool]>,
    ) -> Option<Result<Self, ModelError>> {
        let ModelSpec::Recursive {
            regressor: Regressor::Ridge { .. },
            transform: Transform::None | Transform::Log1p,
            ..
        } = spec
        else {
            return None;
        };
        let exog = exog.filter(|e| !e.names.is_empty());
        Some(
            spec.checked_window(y, fit_mask)
                .and_then(|_| spec.recursive_matrix(y, exog, fit_mask))
                .map(|(_, m)| Self {
                    spec,
                    alphas,
                    y,
                    exog,
                    fit_mask,
                    m,
                    acc: None,
                    rows: 0..0,
                    last: 0..0,
                }),
        )
    }

    /// The models of every penalty fitted on `y[range]`; neither end of the range may move
    /// back from one call to the next.
    pub fn fit_range(&mut self, range: Range<usize>) -> Result<Vec<FittedModel>, ModelError> {
        if range.start < self.last.start || range.end < self.last.end || range.end > self.y.len() {
            return Err(ModelError::InvalidSpec(format!(
                "training range {range:?} after {:?} (series of {})",
                self.last,
                self.y.len()
            )));
        }
        let ModelSpec::Recursive {
            local_level,
            transform,
            ..
        } = self.spec
        else {
            unreachable!("checked in new")
        };
        let y = &self.y[range.clone()];
        let mask = self.fit_mask.map(|m| &m[range.clone()]);
        let w = self.spec.checked_window(y, mask)?;
        // A range's rows are the matrix rows from its start plus the window on.
        let p = self.m.cols();
        let pos = &self.m.positions;
        let lo = pos.partition_point(|q| *q < range.start + self.spec.window_size());
        let hi = pos.partition_point(|q| *q < range.end);
        if lo >= hi {
            return Err(ModelError::TooShort {
                needed: w + 1,
                got: 0,
            });
        }
        let (x, t) = (&self.m.x, &self.m.y);
        match &mut self.acc {
            Some(a) if lo < self.rows.end => {
                a.add(&x[self.rows.end * p..hi * p], &t[self.rows.end..hi])?;
                a.remove(&x[self.rows.start * p..lo * p], &t[self.rows.start..lo])?;
            }
            // No row in common with the last range: start again.
            _ => {
                self.acc = Some(crate::linear::GramAccumulator::start(
                    &x[lo * p..hi * p],
                    &t[lo..hi],
                    p,
                )?)
            }
        }
        self.rows = lo..hi;
        self.last = range.clone();
        let normal = self.acc.as_ref().expect("set above").equations();
        let scale = Scale::fit(*transform, y)?;
        let rows = Rows {
            m: &self.m,
            rows: lo..hi,
            origin: range.start,
        };
        self.alphas
            .iter()
            .map(|a| {
                let fit = FittedRegressor::Linear(normal.ridge(*a)?);
                // A backtest's refits predict only: no in-sample predictions are kept,
                // only the residuals of the local level's days.
                let state = rows.level_state(fit, scale, range.end, *local_level, self.exog);
                Ok(FittedModel {
                    spec: self.spec.with_ridge_alpha(*a),
                    last_window: y[y.len() - w..].to_vec(),
                    state: Some(state),
                    baseline_out_sample: None,
                    members: Vec::new(),
                    mstl: None,
                    seasonal: None,
                    profile: None,
                })
            })
            .collect()
    }
}

/// Rows of a training matrix: one training range's, positions counted from `origin`.
struct Rows<'m> {
    m: &'m crate::matrix::TrainMatrix,
    rows: Range<usize>,
    origin: usize,
}

impl<'m> Rows<'m> {
    /// Every row of `m`.
    fn all(m: &'m crate::matrix::TrainMatrix) -> Self {
        Self {
            m,
            rows: 0..m.rows(),
            origin: 0,
        }
    }

    /// A state without in-sample predictions: the level offset from the residuals of the
    /// rows in the last `local_level` days before position `n`.
    fn level_state(
        &self,
        fit: FittedRegressor,
        scale: Scale,
        n: usize,
        local_level: Option<usize>,
        exog: Option<&Exog>,
    ) -> RegressionState {
        let level_offset = local_level.map_or(0.0, |days| {
            let from = n.saturating_sub(days);
            let r = self.rows.clone();
            let start = r.start + self.m.positions[r.clone()].partition_point(|q| *q < from);
            let recent: Vec<f64> = (start..r.end)
                .map(|i| self.m.y[i] - fit.predict_row(self.m.row(i)))
                .filter(|r| r.is_finite())
                .collect();
            if recent.is_empty() {
                0.0
            } else {
                recent.iter().sum::<f64>() / recent.len() as f64
            }
        });
        let exog = exog.filter(|e| !e.names.is_empty());
        RegressionState {
            fit,
            direct_fits: Vec::new(),
            scale,
            exog_names: exog.map(|e| e.names.clone()).unwrap_or_default(),
            feature_names: self.m.names.clone(),
            in_sample_residuals: Vec::new(),
            in_sample_predictions: Vec::new(),
            out_sample: None,
            held: exog
                .map(|e| {
                    (0..e.names.len())
                        .filter(|j| e.is_held(*j))
                        .map(|j| (j, e.columns[j].get(n - 1).copied().unwrap_or(f64::NAN)))
                        .collect()
                })
                .unwrap_or_default(),
            level_offset,
        }
    }
}

/// A recursive model's state from its fitted regressor on the training matrix `m` of a
/// series of `n` values: in-sample predictions and residuals, the local level offset.
fn recursive_state(
    fit: FittedRegressor,
    scale: Scale,
    rows: &Rows<'_>,
    n: usize,
    local_level: Option<usize>,
    exog: Option<&Exog>,
) -> RegressionState {
    let exog = exog.filter(|e| !e.names.is_empty());
    let m = rows.m;
    let fitted_values: Vec<f64> = rows
        .rows
        .clone()
        .map(|i| fit.predict_row(m.row(i)))
        .collect();
    let residuals: Vec<f64> = rows
        .rows
        .clone()
        .zip(&fitted_values)
        .map(|(i, f)| m.y[i] - f)
        .collect();
    let level_offset = local_level.map_or(0.0, |days| {
        let from = n.saturating_sub(days);
        let recent: Vec<f64> = m.positions[rows.rows.clone()]
            .iter()
            .map(|p| p - rows.origin)
            .zip(&residuals)
            .filter(|(p, r)| *p >= from && r.is_finite())
            .map(|(_, r)| *r)
            .collect();
        if recent.is_empty() {
            0.0
        } else {
            recent.iter().sum::<f64>() / recent.len() as f64
        }
    });
    RegressionState {
        fit,
        direct_fits: Vec::new(),
        scale,
        exog_names: exog.map(|e| e.names.clone()).unwrap_or_default(),
        feature_names: m.names.clone(),
        in_sample_residuals: residuals,
        in_sample_predictions: fitted_values,
        out_sample: None,
        held: held_values(exog),
        level_offset,
    }
}

/// The last training value of every held exog column.
pub(crate) fn held_values(exog: Option<&Exog>) -> Vec<(usize, f64)> {
    held_values_at(exog, exog.map_or(0, |e| e.len().saturating_sub(1)))
}

/// [`held_values`] at row `row` of `exog` (NaN past its end).
pub(crate) fn held_values_at(exog: Option<&Exog>, row: usize) -> Vec<(usize, f64)> {
    exog.map(|e| {
        (0..e.names.len())
            .filter(|j| e.is_held(*j))
            .map(|j| (j, e.columns[j].get(row).copied().unwrap_or(f64::NAN)))
            .collect()
    })
    .unwrap_or_default()
}

/// `exog` with the held columns of `state` replaced by their training values.
fn hold<'a>(state: &RegressionState, exog: Option<&'a Exog>) -> Option<std::borrow::Cow<'a, Exog>> {
    let e = exog?;
    if state.held.is_empty() {
        return Some(std::borrow::Cow::Borrowed(e));
    }
    let mut e = e.clone();
    for (j, v) in &state.held {
        if let Some(c) = e.columns.get_mut(*j) {
            c.iter_mut().for_each(|x| *x = *v);
        }
    }
    Some(std::borrow::Cow::Owned(e))
}

/// What a fitted recursive or direct model keeps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegressionState {
    /// The fitted regressor (the first step's, for a direct forecaster).
    pub fit: FittedRegressor,
    /// One fit per step of a direct forecaster (empty for a recursive one).
    pub direct_fits: Vec<FittedRegressor>,
    /// Target transform.
    pub scale: Scale,
    /// Exog columns the model was trained with, in order.
    pub exog_names: Vec<String>,
    /// All feature names, in column order.
    pub feature_names: Vec<String>,
    /// In-sample residuals in the model (transformed, differenced) space, in time order.
    pub in_sample_residuals: Vec<f64>,
    /// In-sample predictions in the model space (what residual bins are fitted on, §B.5).
    pub in_sample_predictions: Vec<f64>,
    /// Out-of-sample residuals from a backtest (skforecast `set_out_sample_residuals`).
    pub out_sample: Option<OutSample>,
    /// Exog columns held flat after training (column index, last training value).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub held: Vec<(usize, f64)>,
    /// Added to every forecast step in the model space: the mean in-sample residual of the
    /// last training days of a spec with `local_level` (0 otherwise).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub level_offset: f64,
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

/// Backtest residuals kept with a model for its prediction intervals, in the model space.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutSample {
    /// Backtest predictions (model space), the values residual bins are looked up with.
    pub predictions: Vec<f64>,
    /// `actual − prediction` (model space).
    pub residuals: Vec<f64>,
    /// The backtest fold of each residual (empty when unknown): what the cross-fold
    /// calibration of the intervals holds out fold by fold.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub folds: Vec<usize>,
    /// How much worse than its own backtest the candidate chosen on the earlier folds did on
    /// the next one ([`crate::selection_optimism`]), when known: the intervals widen by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection_optimism: Option<f64>,
    /// How far ahead the backtest measured errors, when known: the most days from a fold's
    /// origin to its last prediction that left a residual, over the folds
    /// ([`crate::Backtest::reach`]; closures and gaps inside a fold do not shorten it, as
    /// residual counts would). A forecast more than a tenth longer has its intervals widened
    /// (`forecaster::intervals::horizon_factor`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reach: Option<usize>,
}

/// A fitted model: only this type can predict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedModel {
    /// What was fitted.
    pub spec: ModelSpec,
    /// The last `W` training values (original scale).
    pub last_window: Vec<f64>,
    /// The regression state of a recursive or direct model (`None` for the baselines).
    pub state: Option<RegressionState>,
    /// A baseline's backtest residuals (original scale): a baseline has no in-sample fit, so
    /// its intervals always come from its out-of-sample errors.
    #[serde(default)]
    pub baseline_out_sample: Option<OutSample>,
    /// An ensemble's fitted members, in the order of its spec (empty otherwise).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<FittedModel>,
    /// An MSTL model's forecast state (`None` otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mstl: Option<crate::mstl::MstlState>,
    /// A year-over-year model's forecast state (`None` otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seasonal: Option<crate::seasonal::YearOverYearState>,
    /// A seasonal median's profile (`None` otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<crate::profile::ProfileState>,
}

impl FittedModel {
    /// The backtest residuals kept for out-of-sample intervals: a regression's (model space)
    /// or a baseline's and an ensemble's (original scale).
    pub fn out_sample(&self) -> Option<&OutSample> {
        match &self.state {
            Some(state) => state.out_sample.as_ref(),
            None => self.baseline_out_sample.as_ref(),
        }
    }

    /// [`FittedModel::out_sample`], mutable.
    pub fn out_sample_mut(&mut self) -> Option<&mut OutSample> {
        match &mut self.state {
            Some(state) => state.out_sample.as_mut(),
            None => self.baseline_out_sample.as_mut(),
        }
    }

    /// Keeps backtest residuals for out-of-sample intervals (skforecast
    /// `set_out_sample_residuals`): `y_true` and `y_pred` in the original scale are moved to
    /// the model space; pairs with a missing value are skipped. Needs a regression model
    /// without differencing.
    pub fn set_out_sample_residuals(
        &mut self,
        y_true: &[f64],
        y_pred: &[f64],
    ) -> Result<(), ModelError> {
        self.set_out_sample_residuals_by_fold(y_true, y_pred, None)
    }

    /// [`set_out_sample_residuals`](Self::set_out_sample_residuals) with the backtest fold of
    /// each pair, kept for the cross-fold calibration of the intervals.
    pub fn set_out_sample_residuals_by_fold(
        &mut self,
        y_true: &[f64],
        y_pred: &[f64],
        folds: Option<&[usize]>,
    ) -> Result<(), ModelError> {
        if folds.is_some_and(|f| f.len() != y_true.len()) {
            return Err(ModelError::InvalidSpec(format!(
                "{} fold ids for {} actuals",
                folds.map_or(0, <[usize]>::len),
                y_true.len()
            )));
        }
        let fold_of = |i: usize| folds.map(|f| f[i]);
        if let ModelSpec::Recursive {
            differentiation, ..
        } = &self.spec
        {
            if *differentiation > 0 {
                return Err(ModelError::InvalidSpec(
                    "out-of-sample residuals of a differenced model are not supported".into(),
                ));
            }
        }
        if y_true.len() != y_pred.len() {
            return Err(ModelError::InvalidSpec(format!(
                "{} actuals for {} predictions",
                y_true.len(),
                y_pred.len()
            )));
        }
        // A regression's residuals live in its model space; a baseline's in the original scale.
        let scale = self.state.as_ref().map(|st| st.scale);
        let forward = |v: f64| scale.as_ref().map_or(v, |sc| sc.forward(v));
        let mut out = OutSample {
            predictions: Vec::new(),
            residuals: Vec::new(),
            folds: Vec::new(),
            selection_optimism: None,
            reach: None,
        };
        for (i, (t, p)) in y_true.iter().zip(y_pred).enumerate() {
            let (zt, zp) = (forward(*t), forward(*p));
            if zt.is_finite() && zp.is_finite() {
                out.predictions.push(zp);
                out.residuals.push(zt - zp);
                out.folds.extend(fold_of(i));
            }
        }
        match self.state.as_mut() {
            Some(state) => state.out_sample = Some(out),
            None if out.residuals.is_empty() => {
                return Err(ModelError::InvalidSpec(
                    "no backtest prediction has an observed actual".into(),
                ))
            }
            None => self.baseline_out_sample = Some(out),
        }
        Ok(())
    }

    /// The first `steps` of the forecast kept by a model whose fitted state is its forecast
    /// (MSTL, year over year): at most `max_steps` (`path`'s length) are asked, from the end of
    /// its training data only (refit to move it).
    fn served_path<'p>(
        &self,
        kind: &str,
        path: Option<&'p [f64]>,
        max_steps: usize,
        steps: usize,
        lw: &[f64],
    ) -> Result<&'p [f64], ModelError> {
        let path = path.ok_or_else(|| {
            ModelError::Numerical(format!("{kind} model without its fitted state"))
        })?;
        if steps > path.len() {
            return Err(ModelError::InvalidSpec(format!(
                "this {kind} model predicts at most {max_steps} steps, {steps} asked"
            )));
        }
        self.check_training_end(kind, lw)?;
        Ok(&path[..steps])
    }

    /// Refuses a last window other than the training data's end, for a model whose fitted
    /// state is its forecast (refit it to move it).
    fn check_training_end(&self, kind: &str, lw: &[f64]) -> Result<(), ModelError> {
        let w = lw.len().min(self.last_window.len());
        if lw[lw.len() - w..]
            .iter()
            .zip(&self.last_window[self.last_window.len() - w..])
            .any(|(a, b)| a.to_bits() != b.to_bits())
        {
            return Err(ModelError::InvalidSpec(format!(
                "this {kind} model forecasts from the end of its training data: refit it on the new history"
            )));
        }
        Ok(())
    }

    /// An ensemble's members' forecasts of `steps` values after `last_window` (default: the
    /// end of the training data), each with its own columns among `exog`, in the order of its
    /// spec; empty for any other model.
    pub fn member_forecasts(
        &self,
        steps: usize,
        last_window: Option<&[f64]>,
        exog: Option<&Exog>,
    ) -> Result<Vec<Vec<f64>>, ModelError> {
        let ModelSpec::Ensemble { members, .. } = &self.spec else {
            return Ok(Vec::new());
        };
        if members.len() != self.members.len() {
            return Err(ModelError::Numerical(
                "ensemble without its fitted members".into(),
            ));
        }
        let lw = last_window.unwrap_or(&self.last_window);
        members
            .iter()
            .zip(&self.members)
            .map(|(m, f)| {
                let ex = m.exog_for(exog);
                f.predict(steps, Some(lw), ex.as_ref())
            })
            .collect()
    }

    /// Predicts `steps` values after `last_window` (default: the end of the training data),
    /// with `exog` for every step when the model was trained with exog.
    pub fn predict(
        &self,
        steps: usize,
        last_window: Option<&[f64]>,
        exog: Option<&Exog>,
    ) -> Result<Vec<f64>, ModelError> {
        self.predict_with_noise(steps, last_window, exog, &mut |_, _| 0.0)
    }

    /// [`FittedModel::predict`] with `noise(step, prediction)` added to each step's prediction
    /// in the model space (transformed and differenced) before it feeds the next steps' lags:
    /// one bootstrap path of §B.7. The baselines add it to their output.
    pub fn predict_with_noise(
        &self,
        steps: usize,
        last_window: Option<&[f64]>,
        exog: Option<&Exog>,
        noise: &mut dyn FnMut(usize, f64) -> f64,
    ) -> Result<Vec<f64>, ModelError> {
        let w = self.spec.window_size();
        let lw = last_window.unwrap_or(&self.last_window);
        if lw.len() < w {
            return Err(ModelError::TooShort {
                needed: w,
                got: lw.len(),
            });
        }
        let lw = &lw[lw.len() - w..];
        match (&self.spec, &self.state) {
            (
                ModelSpec::Recursive {
                    autoregressive,
                    clip_negative,
                    differentiation,
                    ..
                },
                Some(state),
            ) => {
                let exog = hold(state, check_exog(&state.exog_names, exog, steps)?);
                let exog = exog.as_deref();
                let d = *differentiation;
                let window: Vec<f64> = lw.iter().map(|v| state.scale.forward(*v)).collect();
                // Recursion runs on Δᵈ z; the first d differenced values are undefined and are
                // never read (W includes d).
                let mut buf = difference(&window, d);
                let w = buf.len();
                let mut row = Vec::with_capacity(state.feature_names.len());
                for i in 0..steps {
                    row.clear();
                    let p = buf.len();
                    buf.push(f64::NAN);
                    autoregressive.row(&buf[..p], p, &mut row);
                    if let Some(e) = exog {
                        row.extend(e.columns.iter().map(|c| c[i]));
                    }
                    let pred = state.fit.predict_row(&row);
                    buf[p] = pred + noise(i, pred);
                }
                let z = integrate(&buf[w..], &window, d);
                Ok(z.iter()
                    .map(|v| {
                        let y = state.scale.inverse(*v + state.level_offset);
                        if *clip_negative {
                            y.max(0.0)
                        } else {
                            y
                        }
                    })
                    .collect())
            }
            (
                ModelSpec::Direct {
                    autoregressive,
                    clip_negative,
                    steps: max_steps,
                    ..
                },
                Some(state),
            ) => {
                if steps > *max_steps {
                    return Err(ModelError::InvalidSpec(format!(
                        "this direct forecaster predicts at most {max_steps} steps, {steps} asked"
                    )));
                }
                let exog = hold(state, check_exog(&state.exog_names, exog, steps)?);
                let exog = exog.as_deref();
                let buf: Vec<f64> = lw.iter().map(|v| state.scale.forward(*v)).collect();
                let mut base = Vec::new();
                autoregressive.row(&buf, w, &mut base);
                Ok((0..steps)
                    .map(|h| {
                        let mut x = base.clone();
                        if let Some(e) = exog {
                            x.extend(e.columns.iter().map(|c| c[h]));
                        }
                        let pred = state.direct_fits[h].predict_row(&x);
                        let y = state.scale.inverse(pred + noise(h, pred));
                        if *clip_negative {
                            y.max(0.0)
                        } else {
                            y
                        }
                    })
                    .collect())
            }
            (
                ModelSpec::Mstl {
                    clip_negative,
                    steps: max_steps,
                    ..
                },
                _,
            ) => {
                let st = self.mstl.as_ref();
                let path =
                    self.served_path("MSTL", st.map(|s| &s.path[..]), *max_steps, steps, lw)?;
                let scale = st.expect("served_path checked the state").scale;
                Ok(path
                    .iter()
                    .enumerate()
                    .map(|(h, z)| {
                        let v = scale.inverse(*z);
                        let v = v + noise(h, v);
                        if *clip_negative {
                            v.max(0.0)
                        } else {
                            v
                        }
                    })
                    .collect())
            }
            (
                ModelSpec::YearOverYear {
                    steps: max_steps, ..
                },
                _,
            ) => {
                let st = self.seasonal.as_ref().map(|s| &s.path[..]);
                Ok(self
                    .served_path("year-over-year", st, *max_steps, steps, lw)?
                    .iter()
                    .enumerate()
                    .map(|(h, v)| v + noise(h, *v))
                    .collect())
            }
            (ModelSpec::SeasonalMedian { .. }, _) => {
                let st = self.profile.as_ref().ok_or_else(|| {
                    ModelError::Numerical("seasonal-median model without its fitted state".into())
                })?;
                self.check_training_end("seasonal-median", lw)?;
                Ok(st
                    .forecast(steps)
                    .into_iter()
                    .enumerate()
                    .map(|(h, v)| v + noise(h, v))
                    .collect())
            }
            (ModelSpec::Naive, _) => Ok((0..steps)
                .map(|h| lw[w - 1] + noise(h, lw[w - 1]))
                .collect()),
            (ModelSpec::SeasonalNaive { period }, _) => Ok((0..steps)
                .map(|h| {
                    let v = lw[w - period + h % period];
                    v + noise(h, v)
                })
                .collect()),
            (ModelSpec::EquivalentDate { offset, n_offsets }, _) => {
                let pattern: Vec<f64> = (0..*offset)
                    .map(|j| {
                        let vals: Vec<f64> = (1..=*n_offsets)
                            .map(|k| lw[w - k * offset + j])
                            .filter(|v| !v.is_nan())
                            .collect();
                        if vals.is_empty() {
                            f64::NAN
                        } else {
                            vals.iter().sum::<f64>() / vals.len() as f64
                        }
                    })
                    .collect();
                Ok((0..steps)
                    .map(|h| pattern[h % offset] + noise(h, pattern[h % offset]))
                    .collect())
            }
            (ModelSpec::Ensemble { combine, .. }, _) => {
                let forecasts = self.member_forecasts(steps, Some(lw), exog)?;
                let mut step = vec![0.0; forecasts.len()];
                Ok((0..steps)
                    .map(|h| {
                        for (v, f) in step.iter_mut().zip(&forecasts) {
                            *v = f[h];
                        }
                        let c = combine.apply(&mut step);
                        c + noise(h, c)
                    })
                    .collect())
            }
            (ModelSpec::Recursive { .. } | ModelSpec::Direct { .. }, None) => Err(
                ModelError::Numerical("recursive model without fitted state".into()),
            ),
        }
    }
}

/// `Δᵈ z`, same length as `z`: the first `d` values are NaN.
pub fn difference(z: &[f64], d: usize) -> Vec<f64> {
    let mut cur = z.to_vec();
    for level in 0..d {
        let prev = cur.clone();
        for t in 0..cur.len() {
            cur[t] = if t <= level {
                f64::NAN
            } else {
                prev[t] - prev[t - 1]
            };
        }
    }
    cur
}

/// Undoes [`difference`] for values that follow `window` (the last observed values, at least
/// `d` of them): cumulative sums from the last value of each differencing level.
pub fn integrate(diffed: &[f64], window: &[f64], d: usize) -> Vec<f64> {
    let lasts: Vec<f64> = (0..d)
        .map(|l| *difference(window, l).last().unwrap_or(&f64::NAN))
        .collect();
    let mut cur = diffed.to_vec();
    for l in (0..d).rev() {
        let mut acc = lasts[l];
        for v in cur.iter_mut() {
            acc += *v;
            *v = acc;
        }
    }
    cur
}

fn check_exog<'a>(
    trained: &[String],
    exog: Option<&'a Exog>,
    steps: usize,
) -> Result<Option<&'a Exog>, ModelError> {
    match (trained.is_empty(), exog) {
        (true, None) => Ok(None),
        (true, Some(e)) if e.names.is_empty() => Ok(None),
        (true, Some(_)) => Err(ModelError::ExogNotTrained),
        (false, None) => Err(ModelError::ExogMissing {
            columns: trained.to_vec(),
        }),
        (false, Some(e)) => {
            if e.names != trained {
                return Err(ModelError::ExogColumns {
                    expected: trained.to_vec(),
                    got: e.names.clone(),
                });
            }
            if e.len() < steps {
                return Err(ModelError::ExogLength {
                    expected: steps,
                    got: e.len(),
                });
            }
            Ok(Some(e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::{Stat, WindowFeature};

    fn recursive(lags: Vec<usize>) -> ModelSpec {
        ModelSpec::Recursive {
            regressor: Regressor::LinearRegression,
            autoregressive: Autoregressive {
                lags,
                windows: vec![],
            },
            transform: Transform::None,
            clip_negative: false,
            differentiation: 0,
            local_level: None,
        }
    }

    #[test]
    fn baselines_predict_as_defined() {
        let y: Vec<f64> = (0..21).map(|i| i as f64).collect();
        let n = ModelSpec::Naive.fit(&y, None).unwrap();
        assert_eq!(n.predict(3, None, None).unwrap(), [20.0, 20.0, 20.0]);
        let s = ModelSpec::SeasonalNaive { period: 7 }
            .fit(&y, None)
            .unwrap();
        assert_eq!(
            s.predict(9, None, None).unwrap(),
            [14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 14.0, 15.0]
        );
        let e = ModelSpec::EquivalentDate {
            offset: 7,
            n_offsets: 2,
        }
        .fit(&y, None)
        .unwrap();
        assert_eq!(e.predict(2, None, None).unwrap(), [10.5, 11.5]);
    }

    #[test]
    fn exog_errors_are_clear() {
        let y: Vec<f64> = (0..30).map(|i| (i as f64).sin()).collect();
        let ex = Exog::new(
            vec!["x".into()],
            vec![(0..30).map(|i| i as f64 * 0.1).collect()],
        )
        .unwrap();
        let f = recursive(vec![1, 2]).fit(&y, Some(&ex)).unwrap();
        assert!(matches!(
            f.predict(3, None, None),
            Err(ModelError::ExogMissing { .. })
        ));
        let short = Exog::new(vec!["x".into()], vec![vec![1.0, 2.0]]).unwrap();
        assert!(matches!(
            f.predict(3, None, Some(&short)),
            Err(ModelError::ExogLength {
                expected: 3,
                got: 2
            })
        ));
        let other = Exog::new(vec!["z".into()], vec![vec![1.0; 3]]).unwrap();
        assert!(matches!(
            f.predict(3, None, Some(&other)),
            Err(ModelError::ExogColumns { .. })
        ));
        let g = recursive(vec![1]).fit(&y, None).unwrap();
        assert!(matches!(
            g.predict(3, None, Some(&ex)),
            Err(ModelError::ExogNotTrained)
        ));
        assert!(f.predict(3, None, Some(&ex.slice(0..3))).is_ok());
    }

    #[test]
    fn without_lags_a_recursive_model_is_a_regression_on_the_exog() {
        let x: Vec<f64> = (0..40).map(|i| ((i * 7) % 11) as f64).collect();
        let y: Vec<f64> = x.iter().map(|v| 3.0 + 2.0 * v).collect();
        let ex = Exog::new(vec!["x".into()], vec![x]).unwrap();
        let spec = recursive(vec![]);
        let f = spec.fit(&y, Some(&ex)).unwrap();
        assert_eq!(f.last_window, [y[39]]);
        let fut = Exog::new(vec!["x".into()], vec![vec![0.0, 10.0, 1.5]]).unwrap();
        let p = f.predict(3, None, Some(&fut)).unwrap();
        for (got, want) in p.iter().zip([3.0, 23.0, 6.0]) {
            assert!((got - want).abs() < 1e-9, "{p:?}");
        }
        // Without exog there is nothing to regress on.
        assert!(matches!(
            spec.fit(&y, None),
            Err(ModelError::InvalidSpec(m)) if m.contains("without lags")
        ));
    }

    #[test]
    fn a_local_level_carries_a_late_level_shift_into_the_forecast() {
        // y = 10 + 2x for 100 days, then 6 units higher for the last 20: the regression on x
        // averages the shift away; re-levelled on the last 20 days it forecasts the new level.
        let x: Vec<f64> = (0..120).map(|i| ((i * 7) % 11) as f64).collect();
        let y: Vec<f64> = (0..120)
            .map(|t| 10.0 + 2.0 * x[t] + if t >= 100 { 6.0 } else { 0.0 })
            .collect();
        let ex = Exog::new(vec!["x".into()], vec![x.clone()]).unwrap();
        let fut = Exog::new(vec!["x".into()], vec![vec![0.0, 5.0]]).unwrap();
        let plain = recursive(vec![]).fit(&y, Some(&ex)).unwrap();
        let relevel = |days: usize| {
            ModelSpec::recursive(Regressor::linear())
                .local_level(days)
                .build()
        };
        let f = relevel(20).fit(&y, Some(&ex)).unwrap();
        let state = f.state.as_ref().unwrap();
        let res = &plain.state.as_ref().unwrap().in_sample_residuals;
        let tail = &res[res.len() - 20..];
        let want = tail.iter().sum::<f64>() / 20.0;
        assert!((state.level_offset - want).abs() < 1e-9);
        assert!(state.level_offset > 4.0, "{}", state.level_offset);
        let p = f.predict(2, None, Some(&fut)).unwrap();
        let q = plain.predict(2, None, Some(&fut)).unwrap();
        for (a, b) in p.iter().zip(&q) {
            assert!((a - b - want).abs() < 1e-9);
        }
        assert!((p[1] - 26.0).abs() < 1.5, "{p:?}");
        // The offset survives the artifact round trip; an unlevelled model writes no field.
        let back: FittedModel = serde_json::from_str(&serde_json::to_string(&f).unwrap()).unwrap();
        assert_eq!(back, f);
        assert!(!serde_json::to_string(&plain)
            .unwrap()
            .contains("level_offset"));
        // Zero days and a differenced model are refused.
        assert!(relevel(0).fit(&y, Some(&ex)).is_err());
    }

    #[test]
    fn recursion_feeds_predictions_into_window_features() {
        // y = constant 5 with a rolling mean feature predicts 5 forever.
        let y = vec![5.0; 40];
        let spec = ModelSpec::Recursive {
            regressor: Regressor::Ridge { alpha: 1.0 },
            autoregressive: Autoregressive {
                lags: vec![1],
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
        let f = spec.fit(&y, None).unwrap();
        for p in f.predict(30, None, None).unwrap() {
            assert!((p - 5.0).abs() < 1e-9);
        }
    }

    #[test]
    fn direct_forecaster_recovers_an_exact_seasonal_process() {
        // y[t] = y[t-7] + 1 exactly: step h predicts y[t+h-1] = lag (8-h) + 1, exact for lags 1..7.
        let y: Vec<f64> = (0..120)
            .map(|t| (t % 7) as f64 * 3.0 + (t / 7) as f64)
            .collect();
        let spec = ModelSpec::Direct {
            regressor: Regressor::LinearRegression,
            autoregressive: Autoregressive {
                lags: (1..=7).collect(),
                windows: vec![],
            },
            transform: Transform::None,
            clip_negative: false,
            steps: 7,
        };
        let f = spec.fit(&y, None).unwrap();
        assert_eq!(f.state.as_ref().unwrap().direct_fits.len(), 7);
        let p = f.predict(7, None, None).unwrap();
        let truth: Vec<f64> = (120..127)
            .map(|t| (t % 7) as f64 * 3.0 + (t / 7) as f64)
            .collect();
        for (a, b) in p.iter().zip(&truth) {
            assert!((a - b).abs() < 1e-9, "{p:?} vs {truth:?}");
        }
        assert!(matches!(
            f.predict(8, None, None),
            Err(ModelError::InvalidSpec(_))
        ));
    }

    #[test]
    fn direct_with_exog_uses_the_exog_of_each_step() {
        let x: Vec<f64> = (0..200).map(|t| ((t * 7) % 13) as f64).collect();
        let y: Vec<f64> = (0..200).map(|t| 10.0 + 2.0 * x[t]).collect();
        let ex = Exog::new(vec!["x".into()], vec![x.clone()]).unwrap();
        let spec = ModelSpec::Direct {
            regressor: Regressor::LinearRegression,
            autoregressive: Autoregressive {
                lags: vec![1],
                windows: vec![],
            },
            transform: Transform::None,
            clip_negative: false,
            steps: 3,
        };
        let f = spec.fit(&y, Some(&ex)).unwrap();
        let future = Exog::new(vec!["x".into()], vec![vec![1.0, 5.0, 12.0]]).unwrap();
        let p = f.predict(3, None, Some(&future)).unwrap();
        for (got, want) in p.iter().zip([12.0, 20.0, 34.0]) {
            assert!((got - want).abs() < 1e-8, "{p:?}");
        }
    }

    #[test]
    fn a_year_over_year_model_serves_its_forecast_and_refuses_a_moved_history() {
        let y: Vec<f64> = (0..800)
            .map(|t| 50.0 + (t % 7) as f64 + t as f64 * 0.01)
            .collect();
        let spec = ModelSpec::YearOverYear {
            period: 364,
            years: 3,
            level_window: 56,
            neighbours: 1,
            max_level_ratio: 2.0,
            steps: 30,
        };
        assert_eq!(spec.family(), Family::Statistical);
        // Closed days are skipped, not read as zeros.
        let mut mask = vec![true; y.len()];
        mask[800 - 364] = false;
        let f = spec.fit_masked(&y, None, Some(&mask)).unwrap();
        let p = f.predict(30, None, None).unwrap();
        let back: FittedModel = serde_json::from_str(&serde_json::to_string(&f).unwrap()).unwrap();
        assert_eq!(back.predict(30, None, None).unwrap(), p);
        // A growing series: the forecast is above last year's same days.
        assert!(p.iter().zip(&y[800 - 364..]).all(|(a, b)| a > b));
        assert!(f.predict(31, None, None).is_err());
        let moved = [y[799] + 1.0];
        assert!(f.predict(5, Some(&moved), None).is_err());
    }

    #[test]
    fn fitted_models_round_trip_through_json() {
        let y: Vec<f64> = (0..40).map(|i| (i as f64 * 0.7).cos() + 3.0).collect();
        let f = recursive(vec![1, 2, 7]).fit(&y, None).unwrap();
        let back: FittedModel = serde_json::from_str(&serde_json::to_string(&f).unwrap()).unwrap();
        assert_eq!(
            back.predict(10, None, None).unwrap(),
            f.predict(10, None, None).unwrap()
        );
    }
}
