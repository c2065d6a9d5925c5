//! Scoring a forecast against actuals that arrived after its cutoff.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use models::Metric;
use serde::{Deserialize, Serialize};

use crate::Forecast;

/// Coverage and width of one interval level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntervalScore {
    /// Nominal coverage, percent.
    pub level: f64,
    /// Share of actuals inside `[lower, upper]`.
    pub coverage: f64,
    /// Mean width `upper − lower`.
    pub mean_width: f64,
}

/// Error measures over a set of days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// Days scored.
    pub days: usize,
    /// Mean absolute error.
    pub mae: f64,
    /// Root mean squared error.
    pub rmse: f64,
    /// Σ|e| / Σ|y|.
    pub wape: f64,
    /// Symmetric MAPE (0–200).
    pub smape: f64,
    /// MASE with the weekly seasonal-naive scale of the training target.
    pub mase7: f64,
    /// Sum of actuals.
    pub actual_total: f64,
    /// Sum of forecasts.
    pub forecast_total: f64,
    /// Interval coverage and width per level.
    pub intervals: Vec<IntervalScore>,
}

/// The hold-out score: overall and per calendar month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HoldoutScore {
    /// First and last scored dates.
    pub from: NaiveDate,
    /// Last scored date.
    pub until: NaiveDate,
    /// All scored days.
    pub overall: Scores,
    /// By `YYYY-MM`.
    pub by_month: BTreeMap<String, Scores>,
}

fn scores(idx: &[(usize, f64)], fc: &Forecast, y_train: &[f64]) -> Scores {
    let y: Vec<f64> = idx.iter().map(|(_, a)| *a).collect();
    let p: Vec<f64> = idx.iter().map(|(i, _)| fc.daily[*i].point).collect();
    let levels: Vec<f64> = fc
        .daily
        .first()
        .map(|d| d.bounds.iter().map(|b| b.level).collect())
        .unwrap_or_default();
    let intervals = levels
        .iter()
        .enumerate()
        .map(|(k, level)| {
            let (mut inside, mut width) = (0usize, 0.0);
            for (i, a) in idx {
                let b = fc.daily[*i].bounds[k];
                inside += usize::from(b.lower <= *a && *a <= b.upper);
                width += b.upper - b.lower;
            }
            IntervalScore {
                level: *level,
                coverage: inside as f64 / idx.len() as f64,
                mean_width: width / idx.len() as f64,
            }
        })
        .collect();
    Scores {
        days: idx.len(),
        mae: Metric::Mae.compute(&y, &p, y_train),
        rmse: Metric::Rmse.compute(&y, &p, y_train),
        wape: Metric::Wape.compute(&y, &p, y_train),
        smape: Metric::Smape.compute(&y, &p, y_train),
        mase7: Metric::Mase7.compute(&y, &p, y_train),
        actual_total: y.iter().sum(),
        forecast_total: p.iter().sum(),
        intervals,
    }
}

/// Scores `forecast` on the days where `actuals` has a value (missing actuals are skipped).
/// `y_train` is the training target (for the MASE scale). `None` when no day overlaps.
pub fn score_holdout(
    forecast: &Forecast,
    actuals: &BTreeMap<NaiveDate, f64>,
    y_train: &[f64],
) -> Option<HoldoutScore> {
    let idx: Vec<(usize, f64)> = forecast
        .daily
        .iter()
        .enumerate()
        .filter_map(|(i, d)| {
            actuals
                .get(&d.fecha)
                .filter(|a| a.is_finite())
                .map(|a| (i, *a))
        })
        .collect();
    let (first, last) = (idx.first()?, idx.last()?);
    let mut months: BTreeMap<String, Vec<(usize, f64)>> = BTreeMap::new();
    for (i, a) in &idx {
        let d = forecast.daily[*i].fecha;
        months
            .entry(format!("{:04}-{:02}", d.year(), d.month()))
            .or_default()
            .push((*i, *a));
    }
    Some(HoldoutScore {
        from: forecast.daily[first.0].fecha,
        until: forecast.daily[last.0].fecha,
        overall: scores(&idx, forecast, y_train),
        by_month: months
            .into_iter()
            .map(|(m, v)| (m, scores(&v, forecast, y_train)))
            .collect(),
    })
}
