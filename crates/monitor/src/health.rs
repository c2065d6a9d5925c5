//! Forecast health: a kept forecast against the actuals that arrived since, by horizon bucket,
//! against the backtest's expected error and the weekly-naive baseline on the same days, with
//! residual change detectors and an OK / WARN / ALERT status.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::drift::{cusum_alarm, page_hinkley_alarm};

/// Status levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    /// Within expectations.
    Ok,
    /// Worth a look.
    Warn,
    /// Act: retrain or investigate.
    Alert,
}

/// Health thresholds (`monitor.salud` in config).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthThresholds {
    /// WARN when live WAPE exceeds the backtest WAPE by this factor.
    pub wape_warn_ratio: f64,
    /// ALERT when live WAPE exceeds the backtest WAPE by this factor.
    pub wape_alert_ratio: f64,
    /// WARN when the model's MAE is worse than the weekly naive's on the same days.
    pub warn_if_worse_than_naive: bool,
    /// WARN when coverage falls short of the nominal level by more than this (e.g. 0.15).
    pub coverage_shortfall_warn: f64,
    /// ALERT when |bias| / mean actual exceeds this.
    pub bias_alert: f64,
    /// CUSUM reference value `k` (standard deviations).
    pub cusum_k: f64,
    /// CUSUM decision interval `h`.
    pub cusum_h: f64,
    /// Page–Hinkley tolerance `δ` (standard deviations).
    pub page_hinkley_delta: f64,
    /// Page–Hinkley threshold `λ`.
    pub page_hinkley_lambda: f64,
    /// Fewest scored days before a status other than OK is given.
    pub min_days: usize,
}

impl Default for HealthThresholds {
    fn default() -> Self {
        Self {
            wape_warn_ratio: 1.3,
            wape_alert_ratio: 1.8,
            warn_if_worse_than_naive: true,
            coverage_shortfall_warn: 0.15,
            bias_alert: 0.15,
            cusum_k: 0.5,
            cusum_h: 5.0,
            page_hinkley_delta: 0.1,
            page_hinkley_lambda: 10.0,
            min_days: 14,
        }
    }
}

/// One forecast day with its actual, when known.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    /// Date.
    pub fecha: NaiveDate,
    /// Days ahead (1 = the first forecast day).
    pub step: usize,
    /// Point forecast.
    pub forecast: f64,
    /// `(level, lower, upper)`.
    pub bounds: Vec<(f64, f64, f64)>,
    /// The actual.
    pub actual: f64,
    /// The weekly-naive forecast for the day (actual 7 days before), when known.
    pub naive: Option<f64>,
}

/// Error measures over some days.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Errors {
    /// Days.
    pub days: usize,
    /// Mean absolute error.
    pub mae: f64,
    /// Σ|e| / Σ|y|.
    pub wape: f64,
    /// Mean of forecast − actual.
    pub bias: f64,
    /// MAE over the training target's weekly-naive MAE.
    pub mase7: f64,
    /// MAE of the weekly naive on the same days.
    pub naive_mae: Option<f64>,
    /// `(level, coverage, mean width)`.
    pub coverage: Vec<(f64, f64, f64)>,
}

fn errors(rows: &[&Scored], scale: f64) -> Errors {
    let n = rows.len().max(1) as f64;
    let abs: f64 = rows.iter().map(|r| (r.actual - r.forecast).abs()).sum();
    let tot: f64 = rows.iter().map(|r| r.actual.abs()).sum();
    let naive: Vec<f64> = rows
        .iter()
        .filter_map(|r| r.naive.map(|v| (r.actual - v).abs()))
        .collect();
    let levels: Vec<f64> = rows
        .first()
        .map(|r| r.bounds.iter().map(|b| b.0).collect())
        .unwrap_or_default();
    Errors {
        days: rows.len(),
        mae: abs / n,
        wape: if tot > 0.0 { abs / tot } else { f64::NAN },
        bias: rows.iter().map(|r| r.forecast - r.actual).sum::<f64>() / n,
        mase7: if scale > 0.0 {
            abs / n / scale
        } else {
            f64::NAN
        },
        naive_mae: (!naive.is_empty()).then(|| naive.iter().sum::<f64>() / naive.len() as f64),
        coverage: levels
            .iter()
            .enumerate()
            .map(|(k, l)| {
                let inside = rows
                    .iter()
                    .filter(|r| r.bounds[k].1 <= r.actual && r.actual <= r.bounds[k].2)
                    .count();
                let width: f64 = rows.iter().map(|r| r.bounds[k].2 - r.bounds[k].1).sum();
                (*l, inside as f64 / n, width / n)
            })
            .collect(),
    }
}

/// The health of one kept forecast.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Health {
    /// Status.
    pub status: Status,
    /// Why (each WARN/ALERT condition met).
    pub reasons: Vec<String>,
    /// All scored days.
    pub overall: Errors,
    /// By horizon bucket (`1-7`, `8-30`, `31-90`, `91-185`).
    pub buckets: Vec<(String, Errors)>,
    /// The backtest's WAPE, the expectation.
    pub expected_wape: f64,
    /// Date a CUSUM alarm fired on the standardised errors (informative: the status comes from
    /// the error levels, so one burst of bad days does not flip it).
    pub cusum_alarm: Option<NaiveDate>,
    /// Date a Page–Hinkley alarm fired (upward or downward shift).
    pub page_hinkley_alarm: Option<NaiveDate>,
}

/// Scores `rows` (days with actuals, in date order). `scale` is the training target's
/// weekly-naive MAE (MASE7), `expected_wape` the backtest's WAPE and `error_sd` the standard
/// deviation of the backtest errors (for the change detectors).
pub fn health(
    rows: &[Scored],
    scale: f64,
    expected_wape: f64,
    error_sd: f64,
    t: &HealthThresholds,
) -> Health {
    let all: Vec<&Scored> = rows.iter().collect();
    let overall = errors(&all, scale);
    let buckets = [(1, 7), (8, 30), (31, 90), (91, 185)]
        .iter()
        .filter_map(|(a, b)| {
            let sel: Vec<&Scored> = rows
                .iter()
                .filter(|r| (*a..=*b).contains(&r.step))
                .collect();
            (!sel.is_empty()).then(|| (format!("{a}-{b}"), errors(&sel, scale)))
        })
        .collect();
    let errs: Vec<f64> = rows.iter().map(|r| r.actual - r.forecast).collect();
    let at = |i: Option<usize>| i.map(|i| rows[i].fecha);
    let cusum = at(cusum_alarm(&errs, 0.0, error_sd, t.cusum_k, t.cusum_h));
    let sd = if error_sd > 0.0 { error_sd } else { 1.0 };
    let z: Vec<f64> = errs.iter().map(|e| e / sd).collect();
    let neg: Vec<f64> = z.iter().map(|v| -v).collect();
    let ph = [
        page_hinkley_alarm(&z, t.page_hinkley_delta, t.page_hinkley_lambda),
        page_hinkley_alarm(&neg, t.page_hinkley_delta, t.page_hinkley_lambda),
    ]
    .into_iter()
    .flatten()
    .min();
    let page_hinkley_alarm = at(ph);
    let mut status = Status::Ok;
    let mut reasons = Vec::new();
    let mut raise = |s: Status, why: String| {
        status = status.max(s);
        reasons.push(why);
    };
    if overall.days >= t.min_days {
        let ratio = overall.wape / expected_wape;
        if ratio > t.wape_alert_ratio {
            raise(
                Status::Alert,
                format!(
                    "WAPE {:.3} is {ratio:.2}× the backtest's {expected_wape:.3}",
                    overall.wape
                ),
            );
        } else if ratio > t.wape_warn_ratio {
            raise(
                Status::Warn,
                format!(
                    "WAPE {:.3} is {ratio:.2}× the backtest's {expected_wape:.3}",
                    overall.wape
                ),
            );
        }
        let mean_actual = rows.iter().map(|r| r.actual).sum::<f64>() / overall.days.max(1) as f64;
        if mean_actual > 0.0 && overall.bias.abs() / mean_actual > t.bias_alert {
            raise(
                Status::Alert,
                format!(
                    "bias {:.1} is {:.0} % of the mean actual",
                    overall.bias,
                    100.0 * overall.bias.abs() / mean_actual
                ),
            );
        }
        if let (true, Some(n)) = (t.warn_if_worse_than_naive, overall.naive_mae) {
            if overall.mae > n {
                raise(
                    Status::Warn,
                    format!(
                        "MAE {:.1} is worse than the weekly naive's {n:.1}",
                        overall.mae
                    ),
                );
            }
        }
        for (level, cov, _) in &overall.coverage {
            if cov + t.coverage_shortfall_warn < level / 100.0 {
                raise(
                    Status::Warn,
                    format!("{level} % interval covers only {:.0} %", 100.0 * cov),
                );
            }
        }
    }
    Health {
        status,
        reasons,
        overall,
        buckets,
        expected_wape,
        cusum_alarm: cusum,
        page_hinkley_alarm,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(shift_from: Option<usize>) -> Vec<Scored> {
        let start = NaiveDate::from_ymd_opt(2025, 9, 2).unwrap();
        (0..90)
            .map(|i| {
                let truth = 400.0 + 100.0 * ((i % 7) as f64 / 6.0);
                let wobble = 20.0 * (((i * 31) % 13) as f64 / 6.0 - 1.0);
                let actual = truth + wobble;
                let actual = match shift_from {
                    Some(s) if i >= s => actual * 1.5,
                    _ => actual,
                };
                Scored {
                    fecha: start + chrono::Days::new(i as u64),
                    step: i + 1,
                    forecast: truth,
                    bounds: vec![(80.0, truth - 30.0, truth + 30.0)],
                    actual,
                    naive: Some(truth + 40.0),
                }
            })
            .collect()
    }

    #[test]
    fn clean_forecast_is_ok_and_a_level_shift_raises_alert_with_dates() {
        let t = HealthThresholds::default();
        let h = health(&rows(None), 60.0, 0.04, 20.0, &t);
        assert_eq!(h.status, Status::Ok, "{:?}", h.reasons);
        assert_eq!(h.buckets.len(), 3);
        assert!(h.cusum_alarm.is_none());
        let h = health(&rows(Some(40)), 60.0, 0.04, 20.0, &t);
        assert_eq!(h.status, Status::Alert, "{:?}", h.reasons);
        let first_shift = NaiveDate::from_ymd_opt(2025, 9, 2).unwrap() + chrono::Days::new(40);
        let alarm = h.cusum_alarm.unwrap();
        assert!(alarm >= first_shift && alarm <= first_shift + chrono::Days::new(3));
        assert!(h.page_hinkley_alarm.unwrap() >= first_shift);
    }
}
