//! Many series in one run: a long table is split by its key (`source.serie`), every series runs
//! phases 01–06 in memory on its own ([`crate::run_in_memory`]: its own contract check,
//! cleansing, competition, champion and intervals), in parallel over series, and the total
//! across series is forecast from the summed bootstrap paths.
//!
//! Results do not depend on the thread count: each series is computed from its own rows and
//! the run's seed, and the series are kept in key order.
//!
//! ```no_run
//! // A long table keyed by `tienda` (e.g. read with `pipeline::fetch`): one forecast per
//! // store and their total.
//! let mut cfg = pipeline::AppConfig::shipped().unwrap();
//! cfg.source.serie = vec!["tienda".into()];
//! # let long = polars::prelude::DataFrame::empty();
//! let many = pipeline::many::run_many(&long, &cfg).unwrap();
//! for (s, o) in many.ok() {
//!     println!("{}: {} in 185 days", s.name, o.forecast.daily.iter().map(|d| d.point).sum::<f64>());
//! }
//! if let Some(t) = &many.total {
//!     println!("total: {:?}", t.forecast.monthly.first());
//! }
//! ```

use std::collections::BTreeMap;

use chrono::NaiveDate;
use polars::prelude::DataFrame;
use rayon::prelude::*;

use crate::{AppConfig, Outcome, PipelineError};

/// One series' run.
#[derive(Debug)]
pub struct SeriesRun {
    /// The key values, one per key column.
    pub key: Vec<String>,
    /// The key as one name (`/`-joined).
    pub name: String,
    /// Rows the source had for it.
    pub rows: usize,
    /// Its outcome, or why it failed (the other series go on).
    pub outcome: Result<Outcome, PipelineError>,
}

/// The total across the series that ran.
#[derive(Debug, Clone)]
pub struct Total {
    /// Daily and monthly totals; bounds are quantiles of the summed paths (not summed bounds).
    pub forecast: forecaster::Forecast,
    /// Days where every series has a forecast (the total covers only those).
    pub days: usize,
    /// Series summed.
    pub series: usize,
    /// The total scored against the summed actuals on a hold-out run (days every series
    /// observed), MASE scaled by the total history's weekly naive.
    pub holdout: Option<forecaster::HoldoutScore>,
}

/// A many-series run.
#[derive(Debug)]
pub struct Many {
    /// The key columns.
    pub key_columns: Vec<String>,
    /// Every series, in key order.
    pub series: Vec<SeriesRun>,
    /// The total across the series that ran (none when none did).
    pub total: Option<Total>,
}

impl Many {
    /// The series that ran.
    pub fn ok(&self) -> impl Iterator<Item = (&SeriesRun, &Outcome)> {
        self.series
            .iter()
            .filter_map(|s| s.outcome.as_ref().ok().map(|o| (s, o)))
    }
}

/// Runs every series of the long table `raw` (keyed by `cfg.source.serie`) through phases
/// 01–06 in memory, in parallel, and forecasts their total.
pub fn run_many(raw: &DataFrame, cfg: &AppConfig) -> Result<Many, PipelineError> {
    if cfg.source.serie.is_empty() {
        return Err(PipelineError::NoSeriesKey);
    }
    let parts = connector::split_series(raw, &cfg.source.serie)?;
    let series: Vec<SeriesRun> = parts
        .into_par_iter()
        .map(|p| {
            let name = p.name();
            let outcome = crate::run_in_memory(&p.frame, cfg, &|_| {});
            if let Err(e) = &outcome {
                tracing::warn!(serie = %name, "series failed: {}", crate::chain(e));
            }
            SeriesRun {
                rows: p.frame.height(),
                key: p.key,
                name,
                outcome,
            }
        })
        .collect();
    let outcomes: Vec<&Outcome> = series
        .iter()
        .filter_map(|s| s.outcome.as_ref().ok())
        .collect();
    let total = total(&outcomes)?;
    Ok(Many {
        key_columns: cfg.source.serie.clone(),
        series,
        total,
    })
}

/// The total of several series' forecasts over the days all of them forecast: points summed,
/// paths summed index by index (each series' bootstrap is seeded alike), daily and monthly
/// bounds the quantiles of the summed paths. Paths of different counts, or none (conformal
/// intervals), give a total without bounds.
pub fn total(outcomes: &[&Outcome]) -> Result<Option<Total>, PipelineError> {
    let Some(first) = outcomes.first() else {
        return Ok(None);
    };
    let levels: Vec<f64> = first
        .forecast
        .daily
        .first()
        .map(|d| d.bounds.iter().map(|b| b.level).collect())
        .unwrap_or_default();
    // The days every series forecasts, and each series' index of that day.
    let mut at: BTreeMap<NaiveDate, Vec<usize>> = BTreeMap::new();
    for o in outcomes {
        for (i, d) in o.forecast.daily.iter().enumerate() {
            at.entry(d.fecha).or_default().push(i);
        }
    }
    at.retain(|_, v| v.len() == outcomes.len());
    let n_paths = first.forecast.paths.len();
    let with_paths = n_paths > 0
        && outcomes.iter().all(|o| {
            o.forecast.paths.len() == n_paths
                && o.forecast.daily.first().map(|d| d.bounds.len()) == Some(levels.len())
        });
    let dates: Vec<NaiveDate> = at.keys().copied().collect();
    let paths: Vec<Vec<f64>> = if with_paths {
        (0..n_paths)
            .map(|j| {
                at.values()
                    .map(|idx| {
                        outcomes
                            .iter()
                            .zip(idx)
                            .map(|(o, i)| o.forecast.paths[j][*i])
                            .sum()
                    })
                    .collect()
            })
            .collect()
    } else {
        Vec::new()
    };
    let daily: Vec<forecaster::DailyForecast> = at
        .iter()
        .enumerate()
        .map(|(t, (fecha, idx))| {
            let point = outcomes
                .iter()
                .zip(idx)
                .map(|(o, i)| o.forecast.daily[*i].point)
                .sum();
            let open = outcomes
                .iter()
                .zip(idx)
                .any(|(o, i)| o.forecast.daily[*i].open);
            let bounds = if paths.is_empty() {
                Vec::new()
            } else {
                let mut step: Vec<f64> = paths.iter().map(|p| p[t]).collect();
                step.sort_by(f64::total_cmp);
                levels
                    .iter()
                    .map(|l| {
                        let (lo, hi) = forecaster::IntervalConfig::quantiles(*l);
                        forecaster::Bound {
                            level: *l,
                            lower: core_types::stats::quantile_sorted(&step, lo),
                            upper: core_types::stats::quantile_sorted(&step, hi),
                        }
                    })
                    .collect()
            };
            forecaster::DailyForecast {
                fecha: *fecha,
                point,
                open,
                bounds,
            }
        })
        .collect();
    let monthly = forecaster::monthly(&daily, &paths, &levels);
    let forecast = forecaster::Forecast {
        daily,
        monthly,
        paths,
        method: first.forecast.method,
        calibration: None,
    };
    let holdout = total_holdout(outcomes, &forecast)?;
    Ok(Some(Total {
        days: dates.len(),
        series: outcomes.len(),
        forecast,
        holdout,
    }))
}

/// Sums of the series' values on the days every series has one.
fn summed(maps: &[BTreeMap<NaiveDate, f64>]) -> BTreeMap<NaiveDate, f64> {
    let Some((head, rest)) = maps.split_first() else {
        return BTreeMap::new();
    };
    head.iter()
        .filter_map(|(d, v)| {
            rest.iter()
                .map(|m| m.get(d).copied())
                .sum::<Option<f64>>()
                .map(|r| (*d, v + r))
        })
        .collect()
}

fn total_holdout(
    outcomes: &[&Outcome],
    forecast: &forecaster::Forecast,
) -> Result<Option<forecaster::HoldoutScore>, PipelineError> {
    let mut actuals = Vec::new();
    let mut history = Vec::new();
    for o in outcomes {
        let after = crate::frames::observed_frame(&o.cleansed.after)?;
        actuals.push(crate::frames::observed_actuals(&after)?);
        history.push(crate::frames::observed_history(&o.cleansed.cleansed.frame)?);
    }
    let actuals = summed(&actuals);
    if actuals.is_empty() {
        return Ok(None);
    }
    Ok(forecaster::weekly_naive_scale(&summed(&history))
        .and_then(|scale| forecaster::score_holdout_scaled(forecast, &actuals, scale)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_only_the_days_every_series_has() {
        let d = |k: u32| NaiveDate::from_ymd_opt(2025, 1, k).unwrap();
        let a: BTreeMap<_, _> = [(d(1), 1.0), (d(2), 2.0), (d(3), 3.0)].into();
        let b: BTreeMap<_, _> = [(d(2), 10.0), (d(3), 20.0), (d(4), 30.0)].into();
        let s = summed(&[a, b]);
        assert_eq!(s, [(d(2), 12.0), (d(3), 23.0)].into());
        assert!(summed(&[]).is_empty());
    }
}
