//! # models
//!
//! skforecast-style forecasters over plain `ndarray`/slices (never a data frame):
//! the lag/window training-matrix builder, recursive and direct forecasters,
//! regressors and baselines, backtesting, hyper-parameter search, champion selection
//! and the serde model artifact.
//!
//! This crate is deliberately empty until issue 5 lands.
#![forbid(unsafe_code)]

/// Version of this crate, recorded in run manifests.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
