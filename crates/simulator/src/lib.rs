//! # simulator
//!
//! What-if scenarios: typed interventions over the future covariates (promotions,
//! closures, festivos, shocks), run through the champion forecaster, with deltas and
//! paired intervals against the baseline.
//!
//! This crate is deliberately empty until issue 8 lands.
#![forbid(unsafe_code)]

/// Version of this crate, recorded in run manifests.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
