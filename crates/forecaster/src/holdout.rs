//! Scoring a forecast against actuals that arrived after its cutoff.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use core_types::nan::null_as_nan;
use models::Metric;
use serde::{Deserialize, Serialize};

use crate::Forecast;

/// Coverage and width of one interval level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntervalScore {
    /// Nominal coverage, percent.
    pub level: f64,
    /// Share of actuals inside `[lower, upper]`.
    #[serde(deserialize_with = "null_as_nan")]
    pub coverage: f64,
    /// Mean width `upper − lower`.
    #[serde(deserialize_with = "null_as_nan")]
    pub mean_width: f64,
}

/// Error measures over a set of days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// Days scored.
    pub days: usize,
    /// Mean absolute error.
    #[serde(deserialize_with = "null_as_nan")]
    pub mae: f64,
    /// Root mean squared error.
    #[serde(deserialize_with = "null_as_nan")]
    pub rmse: f64,
    /// Σ|e| / Σ|y|.
    #[serde(deserialize_with = "null_as_nan")]
    pub wape: f64,
    /// Symmetric MAPE (0–200).
    #[serde(deserialize_with = "null_as_nan")]
    pub smape: f64,
    /// MAE divided by the weekly-naive scale (the in-sample MAE of `y[d] − y[d − 7 days]`
    /// over observed pairs of the history).
    #[serde(deserialize_with = "null_as_nan")]
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
    /// The MASE scale used (weekly-naive MAE of the observed history).
    #[serde(deserialize_with = "null_as_nan")]
    pub mase_scale: f64,
    /// First and last scored dates.
    pub from: NaiveDate,
    /// Last scored date.
    pub until: NaiveDate,
    /// All scored days.
    pub overall: Scores,
    /// By `YYYY-MM`.
    pub by_month: BTreeMap<String, Scores>,
}

/// The weekly-naive MASE scale of an observed history: the mean of `|y[d] − y[d − 7 days]|`
/// over the dates `d` where both days were observed (days without data are skipped, never
/// filled). `None` without any such pair or with a zero scale.
pub fn weekly_naive_scale(observed: &BTreeMap<NaiveDate, f64>) -> Option<f64> {
    let (mut sum, mut n) = (0.0, 0usize);
    for (d, v) in observed {
        if let Some(prev) = d
            .checked_sub_days(chrono::Days::new(7))
            .and_then(|p| observed.get(&p))
        {
            if v.is_finite() && prev.is_finite() {
                sum += (v - prev).abs();
                n += 1;
            }
        }
    }
    (n > 0 && sum > 0.0).then(|| sum / n as f64)
}

fn scores(idx: &[(usize, f64)], fc: &Forecast, scale: f64) -> Scores {
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
    let mae = Metric::Mae.compute(&y, &p, &[]);
    Scores {
        days: idx.len(),
        mae,
        rmse: Metric::Rmse.compute(&y, &p, &[]),
        wape: Metric::Wape.compute(&y, &p, &[]),
        smape: Metric::Smape.compute(&y, &p, &[]),
        mase7: mae / scale,
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
    // Consecutive training days: pairs exactly 7 positions apart are 7 days apart.
    let start = NaiveDate::MIN;
    let observed: BTreeMap<NaiveDate, f64> = y_train
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .map(|(i, v)| (start + chrono::Days::new(i as u64), *v))
        .collect();
    score_holdout_scaled(forecast, actuals, weekly_naive_scale(&observed)?)
}

/// [`score_holdout`] with the MASE scale given (see [`weekly_naive_scale`]).
pub fn score_holdout_scaled(
    forecast: &Forecast,
    actuals: &BTreeMap<NaiveDate, f64>,
    scale: f64,
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
        mase_scale: scale,
        from: forecast.daily[first.0].fecha,
        until: forecast.daily[last.0].fecha,
        overall: scores(&idx, forecast, scale),
        by_month: months
            .into_iter()
            .map(|(m, v)| (m, scores(&v, forecast, scale)))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_without_sales_round_trips_through_json() {
        let month = Scores {
            days: 31,
            mae: 0.0,
            rmse: 0.0,
            wape: f64::NAN,
            smape: 0.0,
            mase7: 0.0,
            actual_total: 0.0,
            forecast_total: 0.0,
            intervals: vec![IntervalScore {
                level: 80.0,
                coverage: 1.0,
                mean_width: 0.0,
            }],
        };
        let json = serde_json::to_string(&month).unwrap();
        assert!(json.contains("\"wape\":null"), "{json}");
        let back: Scores = serde_json::from_str(&json).unwrap();
        assert!(back.wape.is_nan());
        assert_eq!(back.mae, 0.0);
    }
}
