//! Phase 04: the feature layer (`03_features`, every calendar group) and the processed layer
//! (`04_processed`, the configured features with the target), for the history up to the
//! cutoff and the horizon after it.

use std::collections::BTreeMap;

use calendar::{Calendar, CalendarConfig};
use chrono::NaiveDate;
use core_types::{cols, DateSpan, Horizon};
use polars::prelude::*;
use serde::Serialize;

use crate::build::{
    feature_rows, future_inputs, DayInputs, FeatureConfig, FeatureTable, FuturePlan,
};
use crate::FeaturesError;

/// Columns of the processed history that are not model inputs (targets and flags), in order.
pub const NON_FEATURE_COLUMNS: [&str; 6] = [
    cols::FECHA,
    cols::UNIDADES_VENDIDAS,
    cols::UNIDADES_MODELO,
    cols::ABIERTO,
    cols::ES_FALTANTE,
    cols::ES_ATIPICO,
];

/// What phase 04 built.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeaturesReport {
    /// First history date (trend origin).
    pub origin: NaiveDate,
    /// Forecast origin: the last history date used.
    pub cutoff: NaiveDate,
    /// First horizon date.
    pub horizon_start: NaiveDate,
    /// Last horizon date.
    pub horizon_end: NaiveDate,
    /// History rows in the processed table.
    pub history_rows: u64,
    /// Rows with a model-ready target on open days (what a model can fit on).
    pub trainable_rows: u64,
    /// Future rows.
    pub future_rows: u64,
    /// The model's input schema: feature names, in order.
    pub feature_columns: Vec<String>,
    /// Every column of the processed history table, in order.
    pub processed_columns: Vec<String>,
    /// Columns of the exploratory feature table.
    pub all_feature_columns: Vec<String>,
    /// Extra source columns passed through.
    pub extras: Vec<String>,
    /// Planned promotion days inside the horizon.
    pub planned_promotion_days: u64,
    /// Planned promotion dates outside the horizon (ignored).
    pub planned_outside_horizon: Vec<NaiveDate>,
    /// Planned closures inside the horizon.
    pub planned_closures: u64,
    /// Days after the cutoff with actuals (kept in the cleansed layer for hold-out scoring).
    pub actuals_after_cutoff: u64,
}

/// The future's feature rows and open flags for `days` days from `start`, for a model whose
/// history starts at `origin`: the one projection of the calendar and the plan (planned
/// promotions and closures, extras' future values) that phase 04 writes to
/// `04_processed/future` and that embedding services and the simulator reuse. `known` holds
/// the source's own rows after the cutoff (empty for a real forecast): extra columns marked
/// `futuro_de_la_fuente` take their values from there.
pub fn future_table(
    calendar: &CalendarConfig,
    cfg: &FeatureConfig,
    plan: &FuturePlan,
    origin: NaiveDate,
    start: NaiveDate,
    days: usize,
    known: &BTreeMap<NaiveDate, DayInputs>,
) -> Result<(FeatureTable, Vec<bool>), FeaturesError> {
    let horizon = Horizon::new(days as i64).map_err(|e| FeaturesError::InvalidConfig {
        key: "run.horizon".into(),
        message: e.to_string(),
    })?;
    let before = start.pred_opt().ok_or(FeaturesError::Empty)?;
    let horizon_span = DateSpan::new(before, before)
        .expect("one day")
        .following(horizon);
    if origin > start {
        return Err(FeaturesError::InvalidConfig {
            key: "run.cutoff".into(),
            message: format!("the history origin {origin} is after the forecast start {start}"),
        });
    }
    let cal = Calendar::new(
        calendar,
        DateSpan::new(origin, horizon_span.end()).expect("ordered"),
    )?;
    let (promos, _) = plan.promotions(horizon_span)?;
    let closures = plan.closures_in(horizon_span);
    let table = feature_rows(horizon_span, &cal, cfg, origin, |d| {
        future_inputs(
            d,
            cfg,
            &promos,
            &closures,
            known.get(&d).map(|k| k.extras.as_slice()),
        )
    })?;
    let open = table.dates.iter().map(|d| !closures.contains(d)).collect();
    Ok((table, open))
}

/// The feature and processed layers.
#[derive(Debug, Clone)]
pub struct FeatureLayers {
    /// Every calendar group, history and future (`03_features`).
    pub all_features: DataFrame,
    /// Training-ready history (`04_processed/train`): fecha, targets, flags, features.
    pub train: DataFrame,
    /// The horizon (`04_processed/future`): fecha, abierto, features.
    pub future: DataFrame,
    /// Selected features of the history.
    pub history_table: FeatureTable,
    /// Selected features of the horizon.
    pub future_table: FeatureTable,
    /// Report.
    pub report: FeaturesReport,
}

fn f64_col(df: &DataFrame, name: &str) -> Result<Vec<Option<f64>>, FeaturesError> {
    let c = df
        .column(name)
        .map_err(|_| FeaturesError::MissingColumn(name.into()))?;
    let s = c.as_materialized_series().cast(&DataType::Float64)?;
    Ok(s.f64()?.iter().collect())
}

fn bool_col(df: &DataFrame, name: &str) -> Result<Vec<Option<bool>>, FeaturesError> {
    let c = df
        .column(name)
        .map_err(|_| FeaturesError::MissingColumn(name.into()))?;
    Ok(c.bool()?.iter().collect())
}

/// The per-day inputs of the history, read from the cleansed layer.
pub fn history_inputs(
    cleansed: &DataFrame,
    cfg: &FeatureConfig,
) -> Result<BTreeMap<NaiveDate, DayInputs>, FeaturesError> {
    let fechas: Vec<NaiveDate> = cleansed
        .column(cols::FECHA)
        .map_err(|_| FeaturesError::MissingColumn(cols::FECHA.into()))?
        .date()?
        .as_date_iter()
        .map(|d| d.ok_or_else(|| FeaturesError::MissingColumn(cols::FECHA.into())))
        .collect::<Result<_, _>>()?;
    let promo = bool_col(cleansed, cols::PROMOCION)?;
    let disc = f64_col(cleansed, cols::DESCUENTO_PCT)?;
    let open = bool_col(cleansed, cols::ABIERTO)?;
    let extras: Vec<Vec<Option<f64>>> = cfg
        .exogenas
        .iter()
        .map(|e| f64_col(cleansed, &e.nombre))
        .collect::<Result<_, _>>()?;
    Ok(fechas
        .iter()
        .enumerate()
        .map(|(i, d)| {
            (
                *d,
                DayInputs {
                    promo: promo[i].unwrap_or(false),
                    discount_pct: disc[i].unwrap_or(0.0),
                    closed: open[i] == Some(false),
                    pandemic: true,
                    extras: extras.iter().map(|e| e[i].unwrap_or(0.0)).collect(),
                },
            )
        })
        .collect())
}

/// Builds both layers from the cleansed frame.
pub fn build_layers(
    cleansed: &DataFrame,
    calendar: &CalendarConfig,
    cfg: &FeatureConfig,
    plan: &FuturePlan,
    horizon: Horizon,
    cutoff: Option<NaiveDate>,
) -> Result<FeatureLayers, FeaturesError> {
    let inputs = history_inputs(cleansed, cfg)?;
    let (Some(first), Some(last)) = (
        inputs.keys().next().copied(),
        inputs.keys().next_back().copied(),
    ) else {
        return Err(FeaturesError::Empty);
    };
    let cutoff = cutoff.unwrap_or(last);
    if cutoff < first || cutoff > last {
        return Err(FeaturesError::InvalidConfig {
            key: "run.cutoff".into(),
            message: format!("{cutoff} is outside the history {first}..={last}"),
        });
    }
    let history_span = DateSpan::new(first, cutoff).expect("ordered");
    let horizon_span = history_span.following(horizon);
    let cal = Calendar::new(
        calendar,
        DateSpan::new(first, horizon_span.end()).expect("ordered"),
    )?;
    let (promos, outside) = plan.promotions(horizon_span)?;
    let closures = plan.closures_in(horizon_span);
    let hist = |d: NaiveDate| {
        inputs
            .get(&d)
            .cloned()
            .expect("every history date has a row")
    };
    let fut = |d: NaiveDate| {
        future_inputs(
            d,
            cfg,
            &promos,
            &closures,
            inputs.get(&d).map(|k| k.extras.as_slice()),
        )
    };
    let history_table = feature_rows(history_span, &cal, cfg, first, hist)?;
    let (future_table, _) = future_table(
        calendar,
        cfg,
        plan,
        first,
        horizon_span.start(),
        horizon_span.len_days(),
        &inputs,
    )?;
    let all_cfg = cfg.all_groups();
    let all_hist = feature_rows(history_span, &cal, &all_cfg, first, hist)?;
    let all_fut = feature_rows(horizon_span, &cal, &all_cfg, first, fut)?;
    let mut all_features = all_hist.to_frame()?;
    all_features.vstack_mut(&all_fut.to_frame()?)?;
    all_features.with_column(Column::new(
        "es_futuro".into(),
        (0..all_features.height())
            .map(|i| i >= history_table.dates.len())
            .collect::<Vec<bool>>(),
    ))?;
    // Processed history: targets and flags from the cleansed layer, then the features.
    let n = history_table.dates.len();
    let keep: Vec<bool> = {
        let f = cleansed.column(cols::FECHA)?.date()?.clone();
        f.as_date_iter()
            .map(|d| d.is_some_and(|d| d <= cutoff))
            .collect()
    };
    let mask: BooleanChunked = keep.iter().map(|b| Some(*b)).collect();
    let hist_rows = cleansed.filter(&mask)?;
    let mut train_cols = vec![Column::new(cols::FECHA.into(), history_table.dates.clone())];
    for &name in &NON_FEATURE_COLUMNS[1..] {
        let c = hist_rows
            .column(name)
            .map_err(|_| FeaturesError::MissingColumn(name.into()))?;
        train_cols.push(c.clone());
    }
    for (name, v) in history_table.names.iter().zip(&history_table.values) {
        train_cols.push(Column::new(name.as_str().into(), v.clone()));
    }
    let train = DataFrame::new(n, train_cols)?;
    let mut future_cols = vec![
        Column::new(cols::FECHA.into(), future_table.dates.clone()),
        Column::new(
            cols::ABIERTO.into(),
            future_table
                .dates
                .iter()
                .map(|d| !closures.contains(d))
                .collect::<Vec<_>>(),
        ),
    ];
    for (name, v) in future_table.names.iter().zip(&future_table.values) {
        future_cols.push(Column::new(name.as_str().into(), v.clone()));
    }
    let future = DataFrame::new(future_table.dates.len(), future_cols)?;
    let model = f64_col(&train, cols::UNIDADES_MODELO)?;
    let open = bool_col(&train, cols::ABIERTO)?;
    let trainable = model
        .iter()
        .zip(&open)
        .filter(|(m, o)| m.is_some() && **o != Some(false))
        .count() as u64;
    let report = FeaturesReport {
        origin: first,
        cutoff,
        horizon_start: horizon_span.start(),
        horizon_end: horizon_span.end(),
        history_rows: n as u64,
        trainable_rows: trainable,
        future_rows: future_table.dates.len() as u64,
        feature_columns: history_table.names.clone(),
        processed_columns: train
            .get_column_names()
            .iter()
            .map(|s| s.to_string())
            .collect(),
        all_feature_columns: all_hist.names.clone(),
        extras: cfg.exogenas.iter().map(|e| e.nombre.clone()).collect(),
        planned_promotion_days: promos.len() as u64,
        planned_outside_horizon: outside,
        planned_closures: closures.len() as u64,
        actuals_after_cutoff: (last - cutoff).num_days() as u64,
    };
    Ok(FeatureLayers {
        all_features,
        train,
        future,
        history_table,
        future_table,
        report,
    })
}
