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
    /// The contract validation found errors (the first is named: in a many-series run the
    /// message is all the series report keeps of it).
    #[error(
        "contract validation failed with {errors} error(s) and {warnings} warning(s){}",
        first_failure(report)
    )]
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
    /// A many-series run without a key.
    #[error("a many-series run needs the series key: set source.serie (e.g. `serie`, or `[tienda, producto]`)")]
    NoSeriesKey,
    /// A shard that is not `i/n` with `0 <= i < n`.
    #[error("--shard expects i/n with 0 <= i < n (e.g. 0/4), got `{given}`")]
    BadShard {
        /// What was given.
        given: String,
    },
    /// The partitions of a sharded run do not make one whole run.
    #[error("cannot merge the shards: {problem}")]
    Partitions {
        /// What is wrong (a shard missing, written by another config or source, a series twice).
        problem: PartitionProblem,
    },
    /// No series of a many-series run could be forecast.
    #[error(
        "none of the {series} series could be forecast (each one's reason is in the series report)"
    )]
    NoSeriesRan {
        /// Series in the source.
        series: usize,
    },
    /// A scenario could not be simulated.
    #[error(transparent)]
    Simulation(#[from] simulator::SimError),
    /// A table could not be written.
    #[error("reading or writing a table: {0}")]
    Table(#[from] csv::Error),
    /// The report page could not be rendered.
    #[error("rendering the report page: {0}")]
    Page(#[from] report::PageError),
    /// The store could not read or write.
    #[error(transparent)]
    Store(#[from] store::StoreError),
    /// A figure could not be drawn.
    #[error("drawing a figure: {0}")]
    Chart(#[from] report::ChartError),
    /// A report could not be written or read as JSON.
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// An input an earlier phase publishes is not there.
    #[error("no {what} at {at}: run phase {phase} first")]
    Missing {
        /// What is missing (`layer`, `champion`, …).
        what: &'static str,
        /// Where it was looked for.
        at: String,
        /// The phase that publishes it (`04 features`).
        phase: &'static str,
    },
    /// The champion file could not be loaded.
    #[error("reading {at}: {source}")]
    Champion {
        /// Where it is.
        at: String,
        /// Why.
        source: Box<forecaster::ForecastError>,
    },
    /// The contract validation refused the snapshot (kept as evidence).
    #[error("contract validation failed with {errors} error(s) and {warnings} warning(s); the raw snapshot {snapshot} is kept as evidence; see {report}")]
    Refused {
        /// Errors found.
        errors: u64,
        /// Warnings found.
        warnings: u64,
        /// The snapshot kept.
        snapshot: String,
        /// The validation report.
        report: String,
    },
    /// A step failed on a named input.
    #[error("cannot cleanse {what}: {source}")]
    In {
        /// The input (the raw snapshot).
        what: String,
        /// Why.
        source: Box<PipelineError>,
    },
    /// A kept forecast file that is not a forecast table.
    #[error("reading {at}: row {row} is not a forecast row")]
    KeptForecast {
        /// The file.
        at: String,
        /// The row (0 = header).
        row: usize,
    },
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// A file to evaluate cannot be opened.
    #[error("cannot open {path}: {source}")]
    Open {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Dropping the last days of a file left no history.
    #[error("--skip-last {skip_last} leaves no history")]
    NoHistoryLeft {
        /// Days dropped.
        skip_last: u32,
    },
    /// No observed day after the cutoff to score.
    #[error("no observed day after the cutoff to score")]
    NoHoldout,
    /// A phase of an evaluation run failed.
    #[error("phase {phase} {name}: {source}")]
    Phase {
        /// Its number.
        phase: String,
        /// Its name.
        name: &'static str,
        /// Why.
        source: Box<PipelineError>,
    },
}

/// An error and its sources, `: `-separated (what a log line or a table cell shows).
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        let t = s.to_string();
        if !out.contains(&t) {
            out.push_str(": ");
            out.push_str(&t);
        }
        src = s.source();
    }
    out
}

/// Why the partitions of a sharded run cannot be merged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PartitionProblem {
    /// A shard has not written its partition.
    #[error("shard {index} of {count} has no partition (run it with --shard {index}/{count})")]
    Missing {
        /// The shard.
        index: u32,
        /// Shards.
        count: u32,
    },
    /// A partition was written for another shard count.
    #[error("the partition of shard {index} was written as one of {found} shards, not {count}")]
    Count {
        /// The shard.
        index: u32,
        /// Shards asked for.
        count: u32,
        /// Shards it was written for.
        found: u32,
    },
    /// Partitions from different configurations or sources.
    #[error(
        "shard {index} was run on another {what} than shard 0 (run every shard on the same inputs)"
    )]
    Differs {
        /// The shard.
        index: u32,
        /// `config`, `source` or the end of history.
        what: &'static str,
    },
    /// A partition that cannot be read as one, or whose sums for the total do not hold
    /// together with its series (written by another version of the program, or damaged).
    #[error(
        "the partition of shard {index} of {count} {what}: run it again (--shard {index}/{count})"
    )]
    Damaged {
        /// The shard.
        index: u32,
        /// Shards.
        count: u32,
        /// What is wrong with it.
        what: &'static str,
    },
    /// Two partitions hold the same series, or one the source does not.
    #[error("series `{serie}` is in more than one partition")]
    Twice {
        /// The series.
        serie: String,
    },
}

/// `: ` and the first failure of a validation report (errors come first), or nothing.
fn first_failure(report: &contract::ValidationReport) -> String {
    report
        .summary_lines()
        .into_iter()
        .next()
        .map(|l| format!(": {l}"))
        .unwrap_or_default()
}
