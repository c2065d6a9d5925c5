//! # forecaster
//!
//! The daily forecast the bakery plans production with, and the API other Rust services
//! embed: load a champion artifact, give it the future's exogenous rows (or let the calendar
//! build them), get daily and monthly forecasts with prediction intervals.
//!
//! * Point forecasts follow skforecast's recursion (§B.4); intervals are bootstrapped paths
//!   with binned residuals (§B.5–B.7, numpy's RNG ported so that paths equal skforecast's for
//!   the same seed) or conformal (§B.8).
//! * Monthly totals sum the daily points; monthly intervals are quantiles of the **summed
//!   paths** (never sums of daily bounds); partial months are marked.
//! * Forecasts are non-negative and planned closures give 0.
//! * [`holdout`] scores a forecast against actuals that arrived after the cutoff.
//!
//! ```
//! use chrono::NaiveDate;
//! use forecaster::{Forecaster, FutureInputs, IntervalConfig, ResidualSource};
//! use models::{Autoregressive, ModelArtifact, ModelSpec, Regressor, Transform};
//!
//! // A toy history with a weekly cycle, and a model trained on it.
//! let y: Vec<f64> = (0..200).map(|t| 100.0 + 20.0 * ((t % 7) as f64)).collect();
//! let spec = ModelSpec::Recursive {
//!     regressor: Regressor::Ridge { alpha: 1.0 },
//!     autoregressive: Autoregressive { lags: vec![1, 7], windows: vec![] },
//!     transform: Transform::Log1p,
//!     clip_negative: true,
//!     differentiation: 0,
//!     local_level: None,
//! };
//! let start = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
//! let until = start + chrono::Days::new(199);
//! let fitted = spec.fit(&y, None).unwrap();
//! let artifact = ModelArtifact::new("toy", "y", start, until, "", Default::default(), fitted);
//! let service = Forecaster::new(artifact);
//!
//! // Ten days ahead, all open, no exogenous columns. The default intervals use the
//! // backtest (out-of-sample) residuals phase 05 keeps; this toy model has only in-sample ones.
//! let future = FutureInputs::open_days(until + chrono::Days::new(1), 10, None);
//! let intervals = IntervalConfig { residuals: ResidualSource::InSample, ..Default::default() };
//! let fc = service.forecast(&future, &intervals, 42).unwrap();
//! assert_eq!(fc.daily.len(), 10);
//! let day = &fc.daily[0];
//! assert!(day.bounds[0].lower <= day.point && day.point <= day.bounds[0].upper);
//! assert_eq!(fc.monthly[0].mes, "2025-07");
//! ```
#![forbid(unsafe_code)]

pub mod binning;
pub mod holdout;
pub mod intervals;
pub mod rng;
pub mod scenario;

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use models::{Exog, ModelArtifact, ModelError};
use serde::{Deserialize, Serialize};

pub use holdout::{score_holdout, score_holdout_scaled, weekly_naive_scale, HoldoutScore};
pub use intervals::{
    Calibration, CalibrationReport, IntervalConfig, IntervalLevel, IntervalMethod, LevelCoverage,
    ResidualSource,
};

/// Version of this crate, recorded in run manifests.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Errors of the forecaster crate.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ForecastError {
    /// The model refused the inputs (exog columns, lengths, ...).
    #[error(transparent)]
    Model(#[from] ModelError),
    /// A setting that cannot be used.
    #[error("invalid setting `{key}`: {message}")]
    InvalidConfig {
        /// The key.
        key: String,
        /// Why.
        message: String,
    },
    /// The recorded calendar or feature settings could not build the future rows.
    #[error("future rows: {0}")]
    Features(#[source] std::sync::Arc<features::FeaturesError>),
    /// The future has no dates.
    #[error("future inputs: no dates to forecast")]
    NoDates,
    /// Factors to rescale a forecast by that are not one finite positive value per day.
    #[error("rescaling a forecast of {days} days needs as many finite positive factors, found {given} (or a non-positive one)")]
    BadFactors {
        /// Days forecast.
        days: usize,
        /// Factors given.
        given: usize,
    },
    /// Open flags and dates differ in number.
    #[error("future inputs: {open} open flags for {dates} dates")]
    OpenFlags {
        /// Open flags given.
        open: usize,
        /// Dates given.
        dates: usize,
    },
    /// The future's dates are not consecutive days.
    #[error("future inputs: dates must be consecutive days: {before} is followed by {after}")]
    NotConsecutive {
        /// A date.
        before: NaiveDate,
        /// The date given after it.
        after: NaiveDate,
    },
    /// Exog rows and dates differ in number.
    #[error("future inputs: exog has {rows} rows for {dates} dates")]
    ExogRows {
        /// Exog rows.
        rows: usize,
        /// Dates.
        dates: usize,
    },
    /// The future does not start the day after the training data.
    #[error("future inputs: the forecast must start the day after the training data ({expected}), not {first}")]
    WrongStart {
        /// The day after the training data.
        expected: NaiveDate,
        /// The first date given.
        first: NaiveDate,
    },
    /// A model with exog whose artifact records no feature context cannot build its future.
    #[error("the artifact records no calendar or feature settings (schema 3 artifacts written by phase 05 do): pass the future rows to `forecast`")]
    NoContext,
    /// The recorded feature settings do not build a column the model needs.
    #[error("the recorded feature settings build no column `{column}`")]
    MissingFeature {
        /// The column.
        column: String,
    },
    /// An interval level outside (0, 100).
    #[error("interval level {level} is not in (0, 100)")]
    InvalidLevel {
        /// The level given, in percent.
        level: f64,
    },
    /// A scenario changes an exogenous column the feature settings do not declare.
    #[error("exogenous column `{column}` is not one of features.exogenas")]
    UnknownExog {
        /// The column.
        column: String,
    },
    /// Intervals need residuals the model does not have.
    #[error("prediction intervals need residuals: {0}")]
    NoResiduals(&'static str),
}

/// Phase 06 settings (`forecast` in config).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForecastConfig {
    /// Prediction intervals.
    pub intervals: IntervalConfig,
    /// Days of history drawn before the horizon in the fan chart.
    pub fan_history_days: usize,
}

impl Default for ForecastConfig {
    fn default() -> Self {
        Self {
            intervals: IntervalConfig::default(),
            fan_history_days: 365,
        }
    }
}

/// What the future looks like: one row per day to forecast.
#[derive(Debug, Clone, PartialEq)]
pub struct FutureInputs {
    /// Consecutive dates, starting the day after the training data.
    pub dates: Vec<NaiveDate>,
    /// Whether the bakery opens (planned closures are `false` and forecast 0).
    pub open: Vec<bool>,
    /// The exogenous columns the model was trained with, one value per date.
    pub exog: Option<Exog>,
}

impl FutureInputs {
    /// `days` open days from `start`, with optional exog.
    pub fn open_days(start: NaiveDate, days: usize, exog: Option<Exog>) -> Self {
        Self {
            dates: (0..days as u64)
                .map(|i| start + chrono::Days::new(i))
                .collect(),
            open: vec![true; days],
            exog,
        }
    }

    /// The future rows built by the calendar and the plan (the same projection function as
    /// phase 04), for a model trained with `feature_cfg` on a history starting at `origin`.
    pub fn from_calendar(
        calendar: &calendar::CalendarConfig,
        feature_cfg: &features::FeatureConfig,
        plan: &features::FuturePlan,
        origin: NaiveDate,
        start: NaiveDate,
        days: usize,
    ) -> Result<Self, ForecastError> {
        let (table, open) = features::future_table(
            calendar,
            feature_cfg,
            plan,
            origin,
            start,
            days,
            &Default::default(),
        )
        .map_err(|e| ForecastError::Features(std::sync::Arc::new(e)))?;
        let exog = Exog::new(table.names, table.values)?;
        Ok(Self {
            dates: table.dates,
            open,
            exog: Some(exog),
        })
    }

    fn validate(&self) -> Result<(), ForecastError> {
        if self.dates.is_empty() {
            return Err(ForecastError::NoDates);
        }
        if self.open.len() != self.dates.len() {
            return Err(ForecastError::OpenFlags {
                open: self.open.len(),
                dates: self.dates.len(),
            });
        }
        for w in self.dates.windows(2) {
            if w[1] != w[0] + chrono::Days::new(1) {
                return Err(ForecastError::NotConsecutive {
                    before: w[0],
                    after: w[1],
                });
            }
        }
        if let Some(e) = &self.exog {
            if e.len() != self.dates.len() {
                return Err(ForecastError::ExogRows {
                    rows: e.len(),
                    dates: self.dates.len(),
                });
            }
        }
        Ok(())
    }
}

/// Lower and upper bound at one coverage level.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bound {
    /// Nominal coverage, percent.
    pub level: f64,
    /// Lower bound.
    pub lower: f64,
    /// Upper bound.
    pub upper: f64,
}

/// One forecast day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DailyForecast {
    /// Date.
    pub fecha: NaiveDate,
    /// Point forecast (units).
    pub point: f64,
    /// Whether the bakery opens.
    pub open: bool,
    /// Bounds, one per level, in the configured order.
    pub bounds: Vec<Bound>,
}

/// One calendar month of the forecast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthlyForecast {
    /// `YYYY-MM`.
    pub mes: String,
    /// Forecast days in the month.
    pub dias: u32,
    /// Whether the forecast covers only part of the month.
    pub parcial: bool,
    /// Sum of the daily points.
    pub point: f64,
    /// Quantiles of the summed paths (empty for conformal intervals, which have no paths).
    pub bounds: Vec<Bound>,
}

/// A forecast: daily rows, monthly totals and the simulated paths they came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    /// Daily rows.
    pub daily: Vec<DailyForecast>,
    /// Monthly rows.
    pub monthly: Vec<MonthlyForecast>,
    /// Bootstrap paths (`paths[j][i]`), non-negative, 0 on closures; empty for conformal.
    pub paths: Vec<Vec<f64>>,
    /// How the intervals were computed.
    pub method: IntervalMethod,
    /// The cross-fold calibration applied to the residuals (`None`: not asked for, in-sample
    /// residuals, or fewer than two usable folds).
    pub calibration: Option<CalibrationReport>,
}

impl Forecast {
    /// The nominal levels of its bounds, in percent (those of its first day; none without
    /// days or bounds).
    pub fn levels(&self) -> Vec<f64> {
        self.daily
            .first()
            .map(|d| d.bounds.iter().map(|b| b.level).collect())
            .unwrap_or_default()
    }

    /// The forecast with day `i`'s point, bounds and path values multiplied by `factors[i]`
    /// (a seasonal index put back on a forecast of adjusted values), the monthly totals
    /// recomputed from them. `factors` must be finite and positive, one per day.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use forecaster::{Bound, DailyForecast, Forecast, IntervalMethod};
    /// let day = |d: u32, point: f64| DailyForecast {
    ///     fecha: NaiveDate::from_ymd_opt(2025, 1, d).unwrap(),
    ///     point,
    ///     open: true,
    ///     bounds: vec![Bound { level: 80.0, lower: point - 1.0, upper: point + 1.0 }],
    /// };
    /// let daily = vec![day(30, 10.0), day(31, 10.0)];
    /// let paths = vec![vec![9.0, 11.0], vec![11.0, 9.0]];
    /// let fc = Forecast {
    ///     monthly: forecaster::monthly(&daily, &paths, &[80.0]),
    ///     daily,
    ///     paths,
    ///     method: IntervalMethod::Bootstrapping,
    ///     calibration: None,
    /// };
    /// let twice_then_half = fc.rescaled(&[2.0, 0.5]).unwrap();
    /// let d = &twice_then_half.daily[0];
    /// assert_eq!((d.point, d.bounds[0].lower, d.bounds[0].upper), (20.0, 18.0, 22.0));
    /// assert_eq!(twice_then_half.paths[0], vec![18.0, 5.5]);
    /// assert_eq!(twice_then_half.monthly[0].point, 25.0);
    /// assert!(fc.rescaled(&[1.0]).is_err());
    /// assert!(fc.rescaled(&[1.0, 0.0]).is_err());
    /// ```
    pub fn rescaled(&self, factors: &[f64]) -> Result<Self, ForecastError> {
        if factors.len() != self.daily.len() || factors.iter().any(|k| !(k.is_finite() && *k > 0.0))
        {
            return Err(ForecastError::BadFactors {
                days: self.daily.len(),
                given: factors.len(),
            });
        }
        let daily: Vec<DailyForecast> = self
            .daily
            .iter()
            .zip(factors)
            .map(|(d, k)| DailyForecast {
                point: d.point * k,
                bounds: d
                    .bounds
                    .iter()
                    .map(|b| Bound {
                        level: b.level,
                        lower: b.lower * k,
                        upper: b.upper * k,
                    })
                    .collect(),
                ..d.clone()
            })
            .collect();
        let paths: Vec<Vec<f64>> = self
            .paths
            .iter()
            .map(|p| p.iter().zip(factors).map(|(v, k)| v * k).collect())
            .collect();
        Ok(Self {
            monthly: monthly(&daily, &paths, &self.levels()),
            daily,
            paths,
            method: self.method,
            calibration: self.calibration.clone(),
        })
    }
}

/// Per-step `(lower, upper)` of one level.
type LevelBounds = Vec<(f64, f64)>;

/// A champion model ready to forecast: the embedding entry point.
#[derive(Debug, Clone)]
pub struct Forecaster {
    artifact: ModelArtifact,
}

impl Forecaster {
    /// Wraps a loaded artifact.
    pub fn new(artifact: ModelArtifact) -> Self {
        Self { artifact }
    }

    /// Reads an artifact (JSON), checking its schema version and, when given, its exog
    /// columns.
    pub fn from_json(
        bytes: &[u8],
        expected_exog: Option<&[String]>,
    ) -> Result<Self, ForecastError> {
        Ok(Self::new(ModelArtifact::from_json(bytes, expected_exog)?))
    }

    /// The artifact.
    pub fn artifact(&self) -> &ModelArtifact {
        &self.artifact
    }

    /// The model's own future: `days` rows from the day after its training data, built by
    /// the calendar, feature and plan settings recorded in the artifact (the projection of
    /// phase 04), with the model's exog columns in its order. `plan` replaces the recorded
    /// plan (planned promotions and closures); `known` gives extra source columns' future
    /// values where the model uses such columns. A model without exog needs no context.
    pub fn future(
        &self,
        days: usize,
        plan: Option<&features::FuturePlan>,
        known: &BTreeMap<NaiveDate, features::DayInputs>,
    ) -> Result<FutureInputs, ForecastError> {
        let a = &self.artifact;
        let start = a.trained_until + chrono::Days::new(1);
        let Some(context) = &a.context else {
            if a.feature_names.is_empty() && plan.is_none() {
                return Ok(FutureInputs::open_days(start, days, None));
            }
            return Err(ForecastError::NoContext);
        };
        let (table, open) = context
            .future(start, days, plan, known)
            .map_err(|e| ForecastError::Features(std::sync::Arc::new(e)))?;
        let exog = if a.feature_names.is_empty() {
            None
        } else {
            let columns = a
                .feature_names
                .iter()
                .map(|n| {
                    table
                        .column(n)
                        .map(<[f64]>::to_vec)
                        .ok_or_else(|| ForecastError::MissingFeature { column: n.clone() })
                })
                .collect::<Result<Vec<_>, _>>()?;
            Some(Exog::new(a.feature_names.clone(), columns)?)
        };
        Ok(FutureInputs {
            dates: table.dates,
            open,
            exog,
        })
    }

    /// Forecasts `days` days from the day after the training data on the model's own future
    /// rows ([`Forecaster::future`] with the recorded plan): what a service calls with
    /// nothing but the champion file.
    pub fn forecast_days(
        &self,
        days: usize,
        intervals: &IntervalConfig,
        seed: u64,
    ) -> Result<Forecast, ForecastError> {
        let future = self.future(days, None, &BTreeMap::new())?;
        self.forecast(&future, intervals, seed)
    }

    /// Forecasts every date of `future` with intervals; `seed` drives the bootstrap.
    pub fn forecast(
        &self,
        future: &FutureInputs,
        intervals: &IntervalConfig,
        seed: u64,
    ) -> Result<Forecast, ForecastError> {
        intervals.validate()?;
        future.validate()?;
        let first = future.dates[0];
        let expected = self.artifact.trained_until + chrono::Days::new(1);
        if first != expected {
            return Err(ForecastError::WrongStart { expected, first });
        }
        let model = &self.artifact.model;
        let steps = future.dates.len();
        let exog = future.exog.as_ref();
        let points = model.predict(steps, None, exog)?;
        let mut residuals =
            intervals::binned_residuals(model, intervals.residuals, intervals.n_bins)?;
        let calibration = match (intervals.residuals, intervals.calibration) {
            (ResidualSource::OutSample, Calibration::CrossFold) => model.out_sample().map(|o| {
                // Calendar steps when the backtest's reach is known; else residuals per fold
                // against open days (an artifact from before reach was kept).
                let (reach, horizon) = match o.reach {
                    Some(r) => (r, steps),
                    None => (
                        intervals::longest_fold(o.residuals.len(), &o.folds),
                        future.open.iter().filter(|b| **b).count(),
                    ),
                };
                intervals::cross_fold_calibration(&o.residuals, &o.folds, &intervals.percents())
                    .unwrap_or_else(|| {
                        CalibrationReport::uncalibrated(intervals.uncalibrated_factor)
                    })
                    .with_selection_optimism(o.selection_optimism)
                    .with_horizon_factor(intervals::horizon_factor(reach, horizon))
            }),
            _ => None,
        };
        if let Some(c) = &calibration {
            intervals::scale_residuals(&mut residuals, c.factor);
        }
        let binned = intervals.n_bins > 1;
        // Sales are never negative; a signed series (temperatures, net flows) has no floor.
        let floor = if self.artifact.signed_target {
            f64::NEG_INFINITY
        } else {
            0.0
        };
        let finish = |v: f64, open: bool| if open { v.max(floor) } else { 0.0 };
        let (paths, daily_bounds): (Vec<Vec<f64>>, Vec<LevelBounds>) = match intervals.method {
            IntervalMethod::Bootstrapping => {
                let mut paths = intervals::bootstrap_paths(
                    model,
                    steps,
                    exog,
                    &residuals,
                    intervals.n_boot,
                    seed,
                    binned,
                )?;
                for p in paths.iter_mut() {
                    for (v, open) in p.iter_mut().zip(&future.open) {
                        *v = finish(*v, *open);
                    }
                }
                let sorted = intervals::sorted_steps(&paths);
                let bounds = intervals
                    .levels
                    .iter()
                    .map(|l| {
                        let (qlo, qhi) = IntervalConfig::quantiles(l.percent());
                        sorted
                            .iter()
                            .map(|v| {
                                (
                                    binning::quantile_sorted(v, qlo),
                                    binning::quantile_sorted(v, qhi),
                                )
                            })
                            .collect()
                    })
                    .collect();
                (paths, bounds)
            }
            IntervalMethod::Conformal => {
                let bounds = intervals
                    .levels
                    .iter()
                    .map(|l| {
                        intervals::conformal_bounds(
                            model,
                            steps,
                            exog,
                            &residuals,
                            l.percent(),
                            binned,
                        )
                        .map(|(lo, hi)| lo.into_iter().zip(hi).collect())
                    })
                    .collect::<Result<Vec<LevelBounds>, _>>()?;
                (Vec::new(), bounds)
            }
        };
        let daily: Vec<DailyForecast> = (0..steps)
            .map(|i| {
                let open = future.open[i];
                let point = finish(points[i], open);
                DailyForecast {
                    fecha: future.dates[i],
                    point,
                    open,
                    bounds: intervals
                        .levels
                        .iter()
                        .zip(&daily_bounds)
                        .map(|(l, b)| {
                            let (lo, hi) = b[i];
                            // The point comes from the noise-free recursion; keep it inside.
                            Bound {
                                level: l.percent(),
                                lower: finish(lo, open).min(point),
                                upper: finish(hi, open).max(point),
                            }
                        })
                        .collect(),
                }
            })
            .collect();
        let monthly = monthly(&daily, &paths, &intervals.percents());
        Ok(Forecast {
            daily,
            monthly,
            paths,
            method: intervals.method,
            calibration,
        })
    }
}

/// Days in the calendar month of `d`.
fn days_in_month(d: NaiveDate) -> u32 {
    let (y, m) = (d.year(), d.month());
    let next = if m == 12 {
        NaiveDate::from_ymd_opt(y + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(y, m + 1, 1)
    };
    next.expect("valid month")
        .pred_opt()
        .expect("valid day")
        .day()
}

/// Monthly totals: points summed, bounds from the quantiles of each path's monthly sum, widened
/// to hold the point when the paths' spread misses it (skewed paths around a noise-free point).
pub fn monthly(
    daily: &[DailyForecast],
    paths: &[Vec<f64>],
    levels: &[f64],
) -> Vec<MonthlyForecast> {
    let mut months: BTreeMap<(i32, u32), Vec<usize>> = BTreeMap::new();
    for (i, d) in daily.iter().enumerate() {
        months
            .entry((d.fecha.year(), d.fecha.month()))
            .or_default()
            .push(i);
    }
    months
        .into_iter()
        .map(|((y, m), idx)| {
            let dias = idx.len() as u32;
            let point = idx.iter().map(|i| daily[*i].point).sum();
            let bounds = if paths.is_empty() {
                Vec::new()
            } else {
                let mut sums: Vec<f64> = paths
                    .iter()
                    .map(|p| idx.iter().map(|i| p[*i]).sum())
                    .collect();
                sums.sort_by(f64::total_cmp);
                levels
                    .iter()
                    .map(|l| {
                        let (qlo, qhi) = IntervalConfig::quantiles(*l);
                        // As on the days, the point (noise-free recursion) stays inside.
                        Bound {
                            level: *l,
                            lower: binning::quantile_sorted(&sums, qlo).min(point),
                            upper: binning::quantile_sorted(&sums, qhi).max(point),
                        }
                    })
                    .collect()
            };
            MonthlyForecast {
                mes: format!("{y:04}-{m:02}"),
                dias,
                parcial: dias != days_in_month(daily[idx[0]].fecha),
                point,
                bounds,
            }
        })
        .collect()
}
