//! # contract
//!
//! The data contract of the buñuelo forecaster: which raw data is acceptable
//! (`../shared/domain.md` §9) and how raw rows become the clean daily series.
//!
//! Job, once built (issue 3): validate the raw snapshot against a contract kept in
//! `config.yaml`, collecting every failure at once, then cleanse it to a perfect daily
//! grid (snake_case names, aliases, tolerant type coercion, duplicates, calendar-aware
//! outlier flags) without ever losing or inventing data.
//!
//! This crate is deliberately empty until that issue lands: the workspace spine creates
//! every crate so the dependency edges in `ARCHITECTURE.md` are fixed from day one.
#![forbid(unsafe_code)]

/// Version of this crate, recorded in run manifests.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
