//! # xtask
//!
//! The composition root of the buñuelo forecaster: command line, config loading, the phase
//! runner, data layers, the one artifact writer and the run manifest. No domain logic lives
//! here: each phase reads the previous layer, calls one library function and writes the
//! result.
//!
//! The binary is run as `cargo xtask …` (alias in `.cargo/config.toml`); the library is
//! what the binary and the end-to-end tests call: [`cli::main_with`].
#![forbid(unsafe_code)]

pub mod bench;
pub mod browser;
pub mod cli;
pub mod config;
pub mod phases;
pub mod run;
pub mod testreport;
pub mod verify;
