//! # features
//!
//! Colombian calendar features and the 185-day exogenous projection, plus the EDA
//! analysis of phase 03.
//!
//! Job, once built (issue 4): one function builds the feature rows for any date range
//! (history and future alike, `../shared/domain.md` §7) from the calendar crate, the
//! config and the cleansed history; the EDA module computes profiles, uplifts, ACF/PACF
//! and a suggested lag set.
//!
//! This crate is deliberately empty until that issue lands.
#![forbid(unsafe_code)]

/// Version of this crate, recorded in run manifests.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
