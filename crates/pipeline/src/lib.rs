#![doc = include_str!("../README.md")]

pub mod config;
mod error;
pub mod evaluate;
pub mod executive;
pub mod flow;
pub mod frames;
pub mod global;
pub mod many;
mod phase;
pub mod stages;
pub mod tables;
pub mod train;
pub mod words;

pub use config::{
    AppConfig, ConfigError, DayInProgress, HistoryCut, HistoryEnd, Language, LoadOptions,
    ReportConfig,
};
pub use error::{chain, PartitionProblem, PipelineError};
pub use flow::{
    analyse, cleanse, feature_context, features, fetch, finish, forecast, prepare, run_in_memory,
    score, today, validate, CleansedData, Outcome, Prepared,
};
pub use phase::Phase;
pub use stages::{run_stage, SourceAccess};
pub use store::{Area, FileStore, MemoryStore, Store};
pub use train::{train, BacktestRow, TrainBody, TrainData, TrainOptions, Trained};

/// Version of this crate, recorded in run manifests.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
