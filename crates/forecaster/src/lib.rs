//! # forecaster
//!
//! 185-day daily inference from a champion artifact, prediction intervals (bootstrap
//! paths and conformal), monthly aggregation from summed paths, hold-out scoring and a
//! small embedding API.
//!
//! This crate is deliberately empty until issue 6 lands.
#![forbid(unsafe_code)]

/// Version of this crate, recorded in run manifests.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
