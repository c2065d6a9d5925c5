//! The configuration lives in the `pipeline` crate (its schema, loading and validation); the
//! CLI re-exports it.

pub use pipeline::config::*;
