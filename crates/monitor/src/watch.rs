//! Watching kept forecasts: what the backtest leads one to expect, each kept forecast scored
//! against the actuals that arrived since, the windows the drift is measured on, and the
//! overall status of a monitoring run. Pure functions over dates and numbers; reading the
//! kept forecasts and the actuals is the caller's.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};

use crate::health::{health, Health, HealthThresholds, Scored, Status};

/// What the champion's backtest leads one to expect of its errors.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Expectation {
    /// Backtest WAPE (sum of absolute errors / sum of absolute actuals).
    pub wape: f64,
    /// Standard deviation (population) of the backtest errors, actual − forecast.
    pub error_sd: f64,
}

impl Expectation {
    /// From the backtest's `(actual, forecast)` pairs.
    pub fn from_backtest(pairs: &[(f64, f64)]) -> Self {
        let wape = pairs.iter().map(|(a, p)| (a - p).abs()).sum::<f64>()
            / pairs.iter().map(|(a, _)| a.abs()).sum::<f64>();
        let errs: Vec<f64> = pairs.iter().map(|(a, p)| a - p).collect();
        let n = errs.len().max(1) as f64;
        let mean = errs.iter().sum::<f64>() / n;
        let error_sd = (errs.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / n).sqrt();
        Self { wape, error_sd }
    }
}

/// One day of a kept forecast: date, point and `(level, lower, upper)` per interval.
pub type KeptDay = (NaiveDate, f64, Vec<(f64, f64, f64)>);

/// A kept forecast scored on the days whose actual is known.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredForecast {
    /// Its first forecast date.
    pub horizon_start: NaiveDate,
    /// The days with an actual, in date order.
    pub rows: Vec<Scored>,
    /// Their health.
    pub health: Health,
}

/// Scores a kept forecast against `actual` (every known actual by date). The weekly-naive
/// MAE of the actuals before the forecast is the MASE scale. `None` when the forecast is
/// empty or no actual has arrived for any of its days.
pub fn score_kept(
    days: &[KeptDay],
    actual: &BTreeMap<NaiveDate, f64>,
    expect: &Expectation,
    t: &HealthThresholds,
) -> Option<ScoredForecast> {
    let start = days.first()?.0;
    let rows: Vec<Scored> = days
        .iter()
        .enumerate()
        .filter_map(|(i, (d, p, b))| {
            Some(Scored {
                fecha: *d,
                step: i + 1,
                forecast: *p,
                bounds: b.clone(),
                actual: *actual.get(d)?,
                naive: d
                    .checked_sub_days(Days::new(7))
                    .and_then(|w| actual.get(&w).copied()),
            })
        })
        .collect();
    if rows.is_empty() {
        return None;
    }
    let train_y: Vec<f64> = actual.range(..start).map(|(_, v)| *v).collect();
    let health = health(
        &rows,
        crate::weekly_naive_scale(&train_y),
        expect.wape,
        expect.error_sd,
        t,
    );
    Some(ScoredForecast {
        horizon_start: start,
        rows,
        health,
    })
}

/// The windows drift is measured on.
#[derive(Debug, Clone, PartialEq)]
pub struct Windows {
    /// The most recent scored days (newest first).
    pub recent: Vec<NaiveDate>,
    /// The actuals of the days before the forecast began (newest first).
    pub reference: Vec<(NaiveDate, f64)>,
}

/// The last `recent_days` scored days of `scored` against the `reference_days` actuals
/// before its start.
pub fn windows(
    scored: &ScoredForecast,
    actual: &BTreeMap<NaiveDate, f64>,
    recent_days: usize,
    reference_days: usize,
) -> Windows {
    Windows {
        recent: scored
            .rows
            .iter()
            .rev()
            .take(recent_days)
            .map(|r| r.fecha)
            .collect(),
        reference: actual
            .range(..scored.horizon_start)
            .rev()
            .take(reference_days)
            .map(|(d, v)| (*d, *v))
            .collect(),
    }
}

/// The overall status of a monitoring run: the latest scored forecast's status, or
/// `SIN_DATOS` when no actual has arrived after any kept forecast.
pub fn overall_status(latest: Option<Status>) -> &'static str {
    match latest {
        None => "SIN_DATOS",
        Some(Status::Ok) => "OK",
        Some(Status::Warn) => "WARN",
        Some(Status::Alert) => "ALERT",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 3, day).unwrap()
    }

    #[test]
    fn the_expectation_is_the_backtest_wape_and_error_spread() {
        let e = Expectation::from_backtest(&[(100.0, 90.0), (100.0, 110.0)]);
        assert!((e.wape - 0.1).abs() < 1e-12);
        assert!((e.error_sd - 10.0).abs() < 1e-12);
    }

    #[test]
    fn a_kept_forecast_is_scored_only_on_days_with_actuals() {
        let actual: BTreeMap<NaiveDate, f64> = (1..=20).map(|i| (d(i), 100.0 + i as f64)).collect();
        let days: Vec<KeptDay> = (15..=25)
            .map(|i| (d(i), 110.0, vec![(80.0, 100.0, 120.0)]))
            .collect();
        let expect = Expectation {
            wape: 0.1,
            error_sd: 5.0,
        };
        let s = score_kept(&days, &actual, &expect, &HealthThresholds::default()).unwrap();
        assert_eq!(s.horizon_start, d(15));
        assert_eq!(s.rows.len(), 6, "days 15-20 have actuals");
        assert_eq!(s.rows[0].step, 1);
        assert_eq!(s.rows[0].naive, Some(108.0));
        let w = windows(&s, &actual, 3, 4);
        assert_eq!(w.recent, [d(20), d(19), d(18)]);
        assert_eq!(w.reference.first(), Some(&(d(14), 114.0)));
        assert_eq!(w.reference.len(), 4);
        let none = score_kept(&days[6..], &actual, &expect, &HealthThresholds::default());
        assert!(none.is_none(), "no actual after day 20");
        assert_eq!(overall_status(None), "SIN_DATOS");
        assert_eq!(overall_status(Some(Status::Warn)), "WARN");
    }
}
