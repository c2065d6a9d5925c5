//! Helpers shared by the contract's integration tests.

use polars::prelude::*;

/// A table of `fecha` (text) and `unidades_vendidas`, as a source would give it.
pub fn frame(fechas: Vec<String>, y: Vec<Option<f64>>) -> DataFrame {
    DataFrame::new(
        fechas.len(),
        vec![
            Column::new("fecha".into(), fechas),
            Column::new("unidades_vendidas".into(), y),
        ],
    )
    .unwrap()
}
