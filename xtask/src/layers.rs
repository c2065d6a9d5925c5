//! Reading columns of the data layers, shared by the phases.

use anyhow::Context as _;
use chrono::NaiveDate;
use polars::prelude::DataFrame;

/// The `fecha` column (no nulls allowed).
pub fn dates(frame: &DataFrame) -> anyhow::Result<Vec<NaiveDate>> {
    frame
        .column(core_types::cols::FECHA)?
        .date()?
        .as_date_iter()
        .map(|d| d.context("a null date"))
        .collect()
}

/// A numeric column as `f64` (nulls as NaN), naming the column when it is missing.
pub fn f64s(frame: &DataFrame, name: &str) -> anyhow::Result<Vec<f64>> {
    Ok(frame
        .column(name)
        .with_context(|| format!("the layer has no column `{name}`"))?
        .as_materialized_series()
        .cast(&polars::prelude::DataType::Float64)?
        .f64()?
        .iter()
        .map(|v| v.unwrap_or(f64::NAN))
        .collect())
}

/// A boolean column (nulls as `true`).
pub fn bools(frame: &DataFrame, name: &str) -> anyhow::Result<Vec<bool>> {
    Ok(frame
        .column(name)
        .with_context(|| format!("the layer has no column `{name}`"))?
        .bool()?
        .iter()
        .map(|b| b.unwrap_or(true))
        .collect())
}
