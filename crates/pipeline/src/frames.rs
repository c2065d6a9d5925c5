//! Columns of the data layers (polars frames) as plain vectors, and back: the one place the
//! pipeline converts between frames and the `f64`/date slices the library crates take.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use polars::prelude::{Column, DataFrame, DataType};

use crate::PipelineError;

/// The `fecha` column (no nulls allowed) of the layer named `layer`.
pub fn dates(frame: &DataFrame, layer: &'static str) -> Result<Vec<NaiveDate>, PipelineError> {
    let column =
        frame
            .column(core_types::cols::FECHA)
            .map_err(|_| PipelineError::MissingColumn {
                layer,
                column: core_types::cols::FECHA.into(),
            })?;
    column
        .date()?
        .as_date_iter()
        .enumerate()
        .map(|(row, d)| d.ok_or(PipelineError::NullDate { layer, row }))
        .collect()
}

fn column<'a>(
    frame: &'a DataFrame,
    layer: &'static str,
    name: &str,
) -> Result<&'a Column, PipelineError> {
    frame
        .column(name)
        .map_err(|_| PipelineError::MissingColumn {
            layer,
            column: name.into(),
        })
}

/// A numeric column as `f64` (nulls as NaN), naming the column when it is missing.
pub fn f64s(frame: &DataFrame, layer: &'static str, name: &str) -> Result<Vec<f64>, PipelineError> {
    Ok(column(frame, layer, name)?
        .as_materialized_series()
        .cast(&DataType::Float64)?
        .f64()?
        .iter()
        .map(|v| v.unwrap_or(f64::NAN))
        .collect())
}

/// A boolean column (nulls as `true`).
pub fn bools(
    frame: &DataFrame,
    layer: &'static str,
    name: &str,
) -> Result<Vec<bool>, PipelineError> {
    Ok(column(frame, layer, name)?
        .bool()?
        .iter()
        .map(|b| b.unwrap_or(true))
        .collect())
}

/// The rows after the cutoff as a layer: `fecha`, `unidades_vendidas` (as observed), then the
/// numeric extra columns.
pub fn observed_frame(after: &contract::ObservedAfter) -> Result<DataFrame, PipelineError> {
    let mut cols = vec![
        Column::new(core_types::cols::FECHA.into(), after.dates.clone()),
        Column::new(
            core_types::cols::UNIDADES_VENDIDAS.into(),
            after.values.clone(),
        ),
    ];
    for (name, v) in &after.extras {
        if name != core_types::cols::FECHA && name != core_types::cols::UNIDADES_VENDIDAS {
            cols.push(Column::new(name.as_str().into(), v.clone()));
        }
    }
    Ok(DataFrame::new(after.dates.len(), cols)?)
}

/// The observed target after the cutoff, by date (days without a valid value left out).
pub fn observed_actuals(frame: &DataFrame) -> Result<BTreeMap<NaiveDate, f64>, PipelineError> {
    Ok(dates(frame, "after-cutoff")?
        .into_iter()
        .zip(f64s(
            frame,
            "after-cutoff",
            core_types::cols::UNIDADES_VENDIDAS,
        )?)
        .filter(|(_, v)| v.is_finite())
        .collect())
}

/// The extra columns after the cutoff, for the future of flags known in advance.
pub fn known_after(frame: &DataFrame) -> Result<features::KnownAfter, PipelineError> {
    let mut known = features::KnownAfter {
        dates: dates(frame, "after-cutoff")?,
        columns: Default::default(),
    };
    for c in frame.columns() {
        let name = c.name().as_str();
        if name == core_types::cols::FECHA || name == core_types::cols::UNIDADES_VENDIDAS {
            continue;
        }
        let v = f64s(frame, "after-cutoff", name)?
            .into_iter()
            .map(|x| x.is_finite().then_some(x))
            .collect();
        known.columns.insert(name.to_string(), v);
    }
    Ok(known)
}

/// The history as the source gave it, by date: the raw target cell (`unidades_originales`) of
/// every date that had a row, parsed as the contract parses it (decimal comma included;
/// unparseable or null cells left out).
pub fn observed_history(cleansed: &DataFrame) -> Result<BTreeMap<NaiveDate, f64>, PipelineError> {
    let fechas = dates(cleansed, "cleansed")?;
    let raw = column(cleansed, "cleansed", core_types::cols::UNIDADES_ORIGINALES)?
        .cast(&DataType::String)?;
    let raw = raw.str()?;
    Ok(fechas
        .into_iter()
        .zip(raw.iter())
        .filter_map(|(d, v)| v.and_then(contract::parse_number).map(|x| (d, x)))
        .collect())
}

/// The named columns of a layer as model exog (in the order given).
pub fn exog(
    frame: &DataFrame,
    layer: &'static str,
    names: &[String],
) -> Result<models::Exog, PipelineError> {
    Ok(models::Exog::new(
        names.to_vec(),
        names
            .iter()
            .map(|n| f64s(frame, layer, n))
            .collect::<Result<_, _>>()?,
    )?)
}
