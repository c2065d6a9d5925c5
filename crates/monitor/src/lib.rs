//! # monitor
//!
//! Model health (forecasts kept in history against the actuals that arrived since) and
//! drift statistics (PSI, KS, Jensen–Shannon, Wasserstein, CUSUM, Page–Hinkley) with
//! alert levels.
//!
//! - [`drift`]: the statistics, checked against scipy, with thresholds.
//! - [`health`]: a kept forecast's errors by horizon bucket against the backtest's and the
//!   weekly-naive baseline's, interval coverage, change detectors, a status.
//! - [`watch`]: what the backtest leads one to expect, each kept forecast scored against the
//!   actuals that arrived since, the drift windows, the overall status.
//!
//! ```
//! use std::collections::BTreeMap;
//! use chrono::NaiveDate;
//! use monitor::watch::{score_kept, overall_status, Expectation, KeptDay};
//!
//! let day = |d| NaiveDate::from_ymd_opt(2025, 12, d).unwrap();
//! let actual: BTreeMap<NaiveDate, f64> = (1..=28).map(|d| (day(d), 100.0)).collect();
//! let kept: Vec<KeptDay> = (15..=31).map(|d| (day(d), 104.0, vec![(80.0, 90.0, 118.0)])).collect();
//! let expect = Expectation::from_backtest(&[(100.0, 95.0), (100.0, 106.0)]);
//! let scored = score_kept(&kept, &actual, &expect, &Default::default()).unwrap();
//! assert_eq!(scored.rows.len(), 14); // 15–28 December have actuals
//! println!("{}", overall_status(Some(scored.health.status)));
//! ```
#![forbid(unsafe_code)]

pub mod drift;
pub mod health;
pub mod watch;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A level shift multiplied into the actuals from a date: a drill that must raise ALERT.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InjectedShift {
    /// First shifted day.
    pub desde: NaiveDate,
    /// Multiplier.
    pub factor: f64,
}

/// Phase 08 settings (`monitor` in config).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitorConfig {
    /// Health thresholds.
    pub salud: health::HealthThresholds,
    /// Drift thresholds.
    pub deriva: drift::DriftThresholds,
    /// Days of training data before the forecast start used as the drift reference.
    pub ventana_referencia_dias: usize,
    /// Most recent days compared with the reference.
    pub ventana_reciente_dias: usize,
    /// Drill: a level shift injected into the actuals (`null` in production).
    pub nivel_inyectado: Option<InjectedShift>,
}

impl Default for MonitorConfig {
    fn default() -> Self {
        Self {
            salud: health::HealthThresholds::default(),
            deriva: drift::DriftThresholds::default(),
            ventana_referencia_dias: 365,
            ventana_reciente_dias: 90,
            nivel_inyectado: None,
        }
    }
}

/// Mean absolute weekly-naive error of a series (`|y[t] − y[t−7]|`, NaN pairs skipped): the
/// MASE7 scale.
pub fn weekly_naive_scale(y: &[f64]) -> f64 {
    let d: Vec<f64> = (7..y.len())
        .map(|t| (y[t] - y[t - 7]).abs())
        .filter(|v| v.is_finite())
        .collect();
    if d.is_empty() {
        f64::NAN
    } else {
        d.iter().sum::<f64>() / d.len() as f64
    }
}

/// Version of this crate, recorded in run manifests.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
