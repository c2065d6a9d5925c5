//! # monitor
//!
//! Model health (forecasts kept in history against the actuals that arrived since) and
//! drift statistics (PSI, KS, Jensen–Shannon, Wasserstein, CUSUM, Page–Hinkley) with
//! alert levels.
//!
//! Built so far: [`drift`] (the statistics, checked against scipy). Still to come with issue 9:
//! forecast health from the forecast history, phase 08 and its report.
#![forbid(unsafe_code)]

pub mod drift;

/// Version of this crate, recorded in run manifests.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
