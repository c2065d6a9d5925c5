//! # models
//!
//! skforecast-style forecasting over plain slices (never a data frame), with the numerical
//! semantics of skforecast 0.26 (the § numbers below are those of the project's skforecast
//! semantics notes):
//!
//! - [`builder`]: builders with defaults, e.g.
//!   `ModelSpec::recursive(Regressor::ridge(1.0)).lags(1..=14).build()`.
//! - [`matrix`]: the training matrix (§B.2): `lag_k`, then `roll_{stat}_{w}` window features
//!   on values up to t−1, then exog at the target's position.
//! - [`linear`]: `LinearRegression` (centred minimum-norm SVD, relative cut-off 1e-6) and
//!   `Ridge` (Cholesky, unpenalised intercept) exactly as scikit-learn (§B.3).
//! - [`spec`]: the unfitted [`ModelSpec`] (recursive regressors and the naive, seasonal
//!   naive and equivalent-date baselines) fitted into a [`FittedModel`] that predicts
//!   recursively (§B.4), with clear exog errors.
//! - [`profile`]: the seasonal median, a weekday profile for short histories.
//! - [`mstl`]: the statistical family, MSTL decomposition with an AutoETS model of the
//!   deseasonalised series (grafana's `augurs`).
//! - [`backtest`]: `TimeSeriesFold` arithmetic and the backtesting loop with pooled metrics
//!   (§B.9–B.10); [`metrics`] (§B.11 plus WAPE and the weekly MASE).
//! - [`artifact`]: the versioned, portable JSON model artifact, checked on load.
//! - [`compete`]: competitive training of named candidates on the same folds, leaderboard
//!   and champion.
//! - [`train`]: forecast combinations of the best candidates (ensembles that compete like any
//!   other) and the champion's selection and refit with every candidate's horizon forecast.
#![forbid(unsafe_code)]

pub mod artifact;
pub mod backtest;
#[cfg(feature = "boosting")]
pub mod boosting;
pub mod builder;
pub mod changepoints;
pub mod compete;
pub mod global;
pub mod linear;
pub mod matrix;
pub mod metrics;
pub mod mstl;
pub mod nonlinear;
pub mod profile;
pub mod scale;
pub mod search;
pub mod seasonal;
pub mod spec;
pub mod train;

pub use artifact::{ModelArtifact, ARTIFACT_SCHEMA_VERSION};
pub use backtest::{
    backtest, backtest_fitted, backtest_masked, folds, Backtest, Fold, FoldConfig, Refit,
};
pub use builder::RecursiveBuilder;
pub use compete::{
    compete, compete_fitted, rank_entries, Arena, Candidate, CvConfig, EnsembleConfig, Entry,
    ExogSelection, Fallback, Leaderboard, Preference, TrainConfig,
};
pub use global::{
    GlobalConfig, GlobalRidge, GlobalRidgeSpec, SeriesEncoding, SeriesInput, SeriesScaling,
};
pub use matrix::{
    fill_for_lags, train_matrix, Autoregressive, Exog, ExogFilter, Stat, TrainMatrix, WindowFeature,
};
pub use metrics::Metric;
pub use mstl::{EtsTrend, MstlState};
pub use nonlinear::KnnWeights;
pub use profile::{ProfileState, SeasonalMedian};
pub use search::{search_candidates, Halving, SearchConfig, SearchMethod};
pub use seasonal::{BadSetting, YearOverYear, YearOverYearState};
pub use spec::{
    Combine, Family, FittedModel, FittedRegressor, ModelSpec, OutSample, Regressor, RidgeRefitPath,
    Transform,
};
pub use train::{
    ensemble_candidates, merge, select_champion, selection_optimism, Champion, Selected, Selection,
    MAX_SELECTION_OPTIMISM,
};

/// Version of this crate, recorded in run manifests.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Errors of the models crate.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    /// A model or fold setting that cannot be used.
    #[error("invalid model specification: {0}")]
    InvalidSpec(String),
    /// Not enough observations.
    #[error("series too short: {needed} observations needed, {got} given")]
    TooShort {
        /// Needed.
        needed: usize,
        /// Given.
        got: usize,
    },
    /// The model was trained with exog but none was given.
    #[error("the model was trained with exogenous columns {columns:?}: give them for every step")]
    ExogMissing {
        /// The training columns.
        columns: Vec<String>,
    },
    /// Exog given to a model trained without it.
    #[error("the model was trained without exogenous columns; do not pass any")]
    ExogNotTrained,
    /// Exog columns differ from training.
    #[error("exogenous columns differ from training: expected {expected:?}, got {got:?}")]
    ExogColumns {
        /// Training columns.
        expected: Vec<String>,
        /// Given columns.
        got: Vec<String>,
    },
    /// Exog too short or misaligned.
    #[error("exogenous data has {got} rows, {expected} needed")]
    ExogLength {
        /// Rows needed.
        expected: usize,
        /// Rows given.
        got: usize,
    },
    /// Exog columns of different lengths.
    #[error("exogenous column `{column}` has {got} rows, the others {expected}")]
    ExogShape {
        /// The column.
        column: String,
        /// Rows of the first column.
        expected: usize,
        /// Rows of this one.
        got: usize,
    },
    /// An artifact that cannot be read.
    #[error("model artifact: {0}")]
    Artifact(String),
    /// An artifact of another layout version.
    #[error("model artifact has schema version {found}; this build reads version {supported}: retrain (cargo xtask phase 05)")]
    ArtifactVersion {
        /// Version in the file.
        found: u32,
        /// Version this build reads.
        supported: u32,
    },
    /// A year-over-year model whose last `level_window` days are mostly unobserved: there is
    /// no recent level to carry into the earlier seasons.
    #[error("the last {level_window} days are mostly unobserved: the year-over-year model has no recent level to compare with earlier seasons")]
    UnobservedLevel {
        /// Days compared.
        level_window: usize,
    },
    /// A seasonal model whose longest period has fewer than two cycles in the history: fitted,
    /// it would drop that season (MSTL cannot estimate it from one cycle) and forecast without
    /// it, a different model from the one configured; on such a history it does not compete.
    #[error("period {period} needs two cycles of history ({needed} days), {got} given: the model would forecast without that season, so it does not compete")]
    SeasonTooLong {
        /// The period.
        period: usize,
        /// Days needed (two cycles plus one).
        needed: usize,
        /// Days given.
        got: usize,
    },
    /// A numerical failure.
    #[error("numerical failure: {0}")]
    Numerical(String),
}
