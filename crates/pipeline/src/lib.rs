#![doc = include_str!("../README.md")]

pub mod config;
mod error;
pub mod flow;
pub mod frames;
pub mod tables;
pub mod train;

pub use config::{AppConfig, ConfigError, Language, LoadOptions, ReportConfig};
pub use error::PipelineError;
pub use flow::{
    analyse, cleanse, feature_context, features, fetch, forecast, run_in_memory, score, today,
    validate, CleansedData, Outcome,
};
pub use train::{train, BacktestRow, TrainBody, TrainData, TrainOptions, Trained};

/// Version of this crate, recorded in run manifests.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
