//! # features
//!
//! Colombian calendar features, the 185-day exogenous projection and the EDA analysis.
//!
//! - [`build`]: [`feature_rows`], the one function that builds the feature rows of any date
//!   span — history and future alike (domain.md §7) — and the plan for the future
//!   ([`FuturePlan`]: planned promotions and closures; pandemic 0; extras as configured).
//! - [`processed`]: phase 04's report and [`future_table`], the horizon's rows (no data
//!   frames: what a serving process needs).
//! - `layers` (feature `polars`, default): phase 04, the `03_features` and `04_processed`
//!   layers as data frames.
//! - [`lent`]: the yearly shape a series with under a year of history borrows from its
//!   siblings in a many-series run ([`lent::yearly_index`]).
//! - `eda` (feature `polars`): phase 03, the exploratory analysis (profiles, uplifts, ACF/PACF, seasonality
//!   strength, suggested lags).
#![forbid(unsafe_code)]

use chrono::NaiveDate;

pub mod build;
#[cfg(feature = "polars")]
pub mod eda;
#[cfg(feature = "polars")]
pub mod layers;
pub mod lent;
pub mod processed;
pub mod stopped;

pub use build::{
    feature_rows, future_inputs, DayInputs, DowEncoding, Evento, ExtraColumn, FeatureConfig,
    FeatureTable, FuturePlan, HolidayWindow, PandemicEncoding, PartialFuture, PlannedPromo, Switch,
};
#[cfg(feature = "polars")]
pub use layers::{build_layers, build_layers_with, history_inputs, FeatureLayers};
pub use lent::{LentShape, YearlyIndex};
pub use processed::{
    future_table, ExtraNote, FeatureContext, FeaturesReport, KnownAfter, NON_FEATURE_COLUMNS,
    YEAR_DAYS,
};
pub use stopped::{Launched, StopRule, Stopped};

/// Version of this crate, recorded in run manifests.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Errors of the features crate.
#[derive(Debug, thiserror::Error)]
pub enum FeaturesError {
    /// A column the features need is missing from the cleansed layer.
    #[error("the cleansed layer has no column `{0}`")]
    MissingColumn(String),
    /// No history rows.
    #[error("the cleansed layer has no rows")]
    Empty,
    /// A setting that cannot be used.
    #[error("invalid setting `{key}`: {message}")]
    InvalidConfig {
        /// Key path.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// An extra column's value is unknown on future dates.
    #[error("the future of column `{column}` is unknown on {days} horizon day(s) ({first} … {last}): the source has no rows there and the plan gives none; give it in features.exogenas (futuro_uno / futuro_por_defecto), or leave the column out of the source (features.exogenas_auto: false stops passing columns through)")]
    UnknownFuture {
        /// The column.
        column: String,
        /// Horizon days without a value.
        days: usize,
        /// First such day.
        first: NaiveDate,
        /// Last such day.
        last: NaiveDate,
    },
    /// The calendar refused a date.
    #[error(transparent)]
    Calendar(#[from] calendar::CalendarError),
    /// A data-frame operation failed.
    #[cfg(feature = "polars")]
    #[error("data frame error: {0}")]
    Polars(#[from] polars::prelude::PolarsError),
}
