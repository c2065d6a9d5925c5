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

/// The rows after the cutoff as a layer: `fecha`, `unidades_vendidas` (as observed), then the
/// numeric extra columns.
pub fn observed_frame(after: &contract::ObservedAfter) -> anyhow::Result<DataFrame> {
    use polars::prelude::Column;
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
pub fn observed_actuals(
    frame: &DataFrame,
) -> anyhow::Result<std::collections::BTreeMap<NaiveDate, f64>> {
    Ok(dates(frame)?
        .into_iter()
        .zip(f64s(frame, core_types::cols::UNIDADES_VENDIDAS)?)
        .filter(|(_, v)| v.is_finite())
        .collect())
}

/// The extra columns after the cutoff, for the future of flags known in advance.
pub fn known_after(frame: &DataFrame) -> anyhow::Result<features::KnownAfter> {
    let mut known = features::KnownAfter {
        dates: dates(frame)?,
        columns: Default::default(),
    };
    for c in frame.columns() {
        let name = c.name().as_str();
        if name == core_types::cols::FECHA || name == core_types::cols::UNIDADES_VENDIDAS {
            continue;
        }
        let v = f64s(frame, name)?
            .into_iter()
            .map(|x| x.is_finite().then_some(x))
            .collect();
        known.columns.insert(name.to_string(), v);
    }
    Ok(known)
}

/// The history as the source gave it, by date: the raw target cell (`unidades_originales`) of
/// every date that had a row, parsed as a number (unparseable or null cells left out).
pub fn observed_history(
    cleansed: &DataFrame,
) -> anyhow::Result<std::collections::BTreeMap<NaiveDate, f64>> {
    let fechas = dates(cleansed)?;
    let raw = cleansed
        .column(core_types::cols::UNIDADES_ORIGINALES)
        .context("the cleansed layer has no column `unidades_originales`")?
        .cast(&polars::prelude::DataType::String)?;
    let raw = raw.str()?;
    Ok(fechas
        .into_iter()
        .zip(raw.iter())
        .filter_map(|(d, v)| {
            v.and_then(|t| t.trim().parse::<f64>().ok())
                .filter(|x| x.is_finite())
                .map(|x| (d, x))
        })
        .collect())
}
