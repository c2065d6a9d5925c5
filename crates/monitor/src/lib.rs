//! # monitor
//!
//! Model health (forecasts kept in history against the actuals that arrived since) and
//! drift statistics (PSI, KS, Jensen–Shannon, Wasserstein, CUSUM, Page–Hinkley) with
//! alert levels.
//!
//! This crate is deliberately empty until issue 9 lands.
#![forbid(unsafe_code)]

/// Version of this crate, recorded in run manifests.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
