//! # contract
//!
//! The data contract of the buñuelo forecaster: which raw data is acceptable
//! (`../shared/domain.md` §9) and how raw rows become the clean daily series.
//!
//! Built so far: [`profile`], the first look at raw data that phase 00 reports (columns and
//! types, nulls, ranges, date coverage, a sample). Validation against the contract and
//! cleansing to the daily grid arrive with issue 3.
#![forbid(unsafe_code)]

pub mod profile;

pub use profile::{profile, ColumnProfile, DateProfile, Profile};

/// Version of this crate, recorded in run manifests.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Errors of the contract crate.
#[derive(Debug, thiserror::Error)]
pub enum ContractError {
    /// A data-frame operation failed.
    #[error("data frame error: {0}")]
    Polars(#[from] polars::prelude::PolarsError),
}
