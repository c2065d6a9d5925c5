//! # contract
//!
//! The data contract of the buñuelo forecaster (domain notes §9): which raw data is
//! acceptable, every problem reported at once, and raw rows turned into a clean daily series
//! without losing or inventing data.
//!
//! - [`spec`]: the contract as data (`contract:` in `config.yaml`).
//! - [`raw`], [`typed`]: cells, snake_case names and aliases, tolerant coercion — one code
//!   path shared by validation and cleansing.
//! - [`validate()`]: all failures, with rule, column, severity, count and examples.
//! - [`cleanse()`]: the daily grid with flags and imputation (phase 02).
//! - [`propose()`]: a contract proposed from what a frame looks like (phase 00).
//! - [`profile()`]: the first look of phase 00.
#![forbid(unsafe_code)]

pub mod cleanse;
pub mod profile;
pub mod propose;
pub mod raw;
pub mod scope;
pub mod spec;
pub mod typed;
pub mod validate;

pub use cleanse::{cleanse, cleanse_with, CleanseConfig, Cleansed, CleansingReport, Motivo};
pub use profile::{profile, ColumnProfile, DateProfile, Profile};
pub use propose::{propose, ContractProposal};
pub use raw::parse_number;
pub use scope::{history_end, observed_after, DatedEnds, ObservedAfter, Scope, ScopeReport};
pub use spec::{
    AutoWord, ColumnRule, ContractConfig, Dtype, MinDate, Severity, TableRules, TargetKind,
};
pub use typed::Rule;
pub use validate::{validate, validate_with, RuleFailure, ValidationReport};

/// Version of this crate, recorded in run manifests.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Errors of the contract crate.
#[derive(Debug, thiserror::Error)]
pub enum ContractError {
    /// Two source columns end with the same name after snake_case and aliases.
    #[error("columns {sources:?} all map to `{name}`; rename one of them at the source or in source.columns")]
    NameCollision {
        /// The shared name.
        name: String,
        /// The original names.
        sources: Vec<String>,
    },
    /// A required column is missing.
    #[error("required column `{column}` is missing (found: {found:?})")]
    MissingColumn {
        /// The column.
        column: String,
        /// The columns found.
        found: Vec<String>,
    },
    /// Dates that are null or unparseable: rows cannot be placed on the calendar.
    #[error("{count} row(s) with a null or unparseable `fecha`, e.g. (row, value) {examples:?}")]
    BadDates {
        /// How many.
        count: usize,
        /// (0-based row, value) examples.
        examples: Vec<(usize, String)>,
    },
    /// No rows.
    #[error("the table has no rows")]
    Empty,
    /// Fewer clean days than the contract requires.
    #[error("only {found} clean days remain; the contract requires at least {required} (contract.table.min_clean_days)")]
    TooFewCleanDays {
        /// Clean days found.
        found: u64,
        /// Clean days required.
        required: u32,
    },
    /// A contract or cleansing setting that cannot be used.
    #[error("invalid setting `{key}`: {message}")]
    InvalidConfig {
        /// Key path.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// The calendar refused the span.
    #[error(transparent)]
    Calendar(#[from] calendar::CalendarError),
    /// A data-frame operation failed.
    #[error("data frame error: {0}")]
    Polars(#[from] polars::prelude::PolarsError),
}
