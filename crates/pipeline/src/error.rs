//! The pipeline's errors: each keeps the error of the crate it came from as its source.

use chrono::NaiveDate;

/// Errors of the pipeline crate.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// A data frame operation failed.
    #[error("data frame: {0}")]
    Frame(#[from] polars::error::PolarsError),
    /// A layer lacks a column a phase needs.
    #[error("the {layer} layer has no column `{column}`")]
    MissingColumn {
        /// Which layer (`train`, `future`, `cleansed`, …).
        layer: &'static str,
        /// The column.
        column: String,
    },
    /// A layer's `fecha` column holds a null.
    #[error("the {layer} layer has a null date at row {row}")]
    NullDate {
        /// Which layer.
        layer: &'static str,
        /// Row index (0-based).
        row: usize,
    },
    /// A layer has no rows.
    #[error("the {layer} layer has no rows")]
    EmptyLayer {
        /// Which layer.
        layer: &'static str,
    },
    /// The contract refused the source's rows (validation or cleansing).
    #[error(transparent)]
    Contract(#[from] contract::ContractError),
    /// The contract validation found errors.
    #[error("contract validation failed with {errors} error(s) and {warnings} warning(s)")]
    Validation {
        /// Errors found.
        errors: u64,
        /// Warnings found.
        warnings: u64,
        /// The whole report.
        report: Box<contract::ValidationReport>,
    },
    /// Feature building failed.
    #[error(transparent)]
    Features(#[from] features::FeaturesError),
    /// Training failed.
    #[error(transparent)]
    Model(#[from] models::ModelError),
    /// Forecasting failed.
    #[error(transparent)]
    Forecast(#[from] forecaster::ForecastError),
    /// No candidate could be backtested.
    #[error("no candidate could be backtested")]
    NoCandidate,
    /// A search candidate has the name of a configured one.
    #[error("search candidate {nombre} collides with a configured candidate name")]
    NameCollision {
        /// The name.
        nombre: String,
    },
    /// The forecast of a day is not a finite number.
    #[error("the forecast of {fecha} is not a finite number")]
    NonFinite {
        /// The day.
        fecha: NaiveDate,
    },
    /// The source could not be read.
    #[error(transparent)]
    Source(#[from] connector::ConnectorError),
    /// Scenarios need the feature settings the champion was trained with.
    #[error("the champion records no feature context and no phase 04 report was given: retrain (phase 05)")]
    NoFeatureContext,
    /// A scenario could not be simulated.
    #[error(transparent)]
    Simulation(#[from] simulator::SimError),
    /// A table could not be written.
    #[error("writing a table: {0}")]
    Table(#[from] csv::Error),
}
