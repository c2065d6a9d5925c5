//! A many-series run (`source.serie` set) over a store: the raw long table is snapshotted as
//! phase 01 does, every series runs phases 01–06 ([`crate::many::run_many`]), and the long
//! outputs are published with the key columns first: the cleansed layer, the daily and
//! monthly forecasts (plus the total across series, key `_total`), the leaderboard, and the
//! `series` report (per series: rows, champion, backtest error, hold-out scores or why it
//! failed; and the total's hold-out).

use serde::{Deserialize, Serialize};

use super::SourceAccess;
use crate::many::Many;
use crate::{AppConfig, PipelineError};
use store::{Area, Store};

/// One series in the `series` report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesRow {
    /// The key as one name (`/`-joined values).
    pub serie: String,
    /// The key values.
    pub key: Vec<String>,
    /// Rows the source had for it.
    pub rows: usize,
    /// The champion (none when the series failed).
    pub champion: Option<String>,
    /// The champion's pooled backtest score (the competition's metric).
    pub backtest: Option<f64>,
    /// Units forecast over the horizon.
    pub total_units: Option<f64>,
    /// Hold-out scores on a hold-out run.
    pub holdout: Option<HoldoutRow>,
    /// Why it failed.
    pub error: Option<String>,
}

/// Hold-out scores of one series or of the total.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HoldoutRow {
    /// Days scored.
    pub days: usize,
    /// Mean absolute error.
    pub mae: f64,
    /// MAE over the weekly naive's in-sample MAE.
    pub mase: f64,
    /// Empirical coverage per nominal level (`[level, coverage]`).
    pub coverage: Vec<(f64, f64)>,
}

impl HoldoutRow {
    fn of(h: &forecaster::HoldoutScore) -> Self {
        Self {
            days: h.overall.days,
            mae: h.overall.mae,
            mase: h.overall.mase7,
            coverage: h
                .overall
                .intervals
                .iter()
                .map(|i| (i.level, i.coverage))
                .collect(),
        }
    }
}

/// Body of the `series` report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesBody {
    /// The key columns.
    pub key_columns: Vec<String>,
    /// Series in the source.
    pub series: usize,
    /// Series forecast.
    pub forecast: usize,
    /// Every series, in key order.
    pub rows: Vec<SeriesRow>,
    /// The total across the series forecast: days covered and hold-out scores.
    pub total: Option<TotalRow>,
}

/// The total across series in the `series` report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TotalRow {
    /// Series summed.
    pub series: usize,
    /// Days every series forecasts.
    pub days: usize,
    /// Units forecast over those days.
    pub total_units: f64,
    /// Hold-out scores on a hold-out run.
    pub holdout: Option<HoldoutRow>,
}

/// The `series` report body of a many-series run.
pub fn series_body(many: &Many) -> SeriesBody {
    let rows: Vec<SeriesRow> = many
        .series
        .iter()
        .map(|s| match &s.outcome {
            Ok(o) => SeriesRow {
                serie: s.name.clone(),
                key: s.key.clone(),
                rows: s.rows,
                champion: Some(o.trained.champion.nombre.clone()),
                backtest: o
                    .trained
                    .leaderboard
                    .champion()
                    .and_then(|e| e.metrics.get(&o.trained.leaderboard.metric).copied()),
                total_units: Some(o.forecast.daily.iter().map(|d| d.point).sum()),
                holdout: o.holdout.as_ref().map(HoldoutRow::of),
                error: None,
            },
            Err(e) => SeriesRow {
                serie: s.name.clone(),
                key: s.key.clone(),
                rows: s.rows,
                champion: None,
                backtest: None,
                total_units: None,
                holdout: None,
                error: Some(crate::chain(e)),
            },
        })
        .collect();
    SeriesBody {
        key_columns: many.key_columns.clone(),
        series: many.series.len(),
        forecast: rows.iter().filter(|r| r.error.is_none()).count(),
        total: many.total.as_ref().map(|t| TotalRow {
            series: t.series,
            days: t.days,
            total_units: t.forecast.daily.iter().map(|d| d.point).sum(),
            holdout: t.holdout.as_ref().map(HoldoutRow::of),
        }),
        rows,
    }
}

/// `frame` with the key columns first, each holding the series' value.
fn with_key(
    frame: &polars::prelude::DataFrame,
    columns: &[String],
    key: &[String],
) -> Result<polars::prelude::DataFrame, PipelineError> {
    use polars::prelude::*;
    let mut out = frame.clone();
    for (i, (c, v)) in columns.iter().zip(key).enumerate() {
        out.insert_column(
            i,
            Column::new(c.as_str().into(), vec![v.as_str(); frame.height()]),
        )?;
    }
    Ok(out)
}

/// The many-series run over a store (see the module docs). Fails when no series could be
/// forecast; a failing series is reported and the others are published.
pub fn many(
    store: &mut dyn Store,
    cfg: &AppConfig,
    access: &SourceAccess<'_>,
) -> Result<(), PipelineError> {
    let (fetched, source) = super::source::fetch(store, cfg, access)?;
    super::source::put_snapshot(store, &fetched, source)?;
    let many = crate::many::run_many(&fetched.frame, cfg)?;
    let body = series_body(&many);
    // Published even when no series ran: it says why each one failed.
    store::put_evidence_report(store, "series", &body)?;
    if body.forecast == 0 {
        return Err(PipelineError::NoSeriesRan {
            series: body.series,
        });
    }
    let keys = &many.key_columns;
    let levels = cfg.forecast.intervals.percents();
    let mut cleansed: Option<polars::prelude::DataFrame> = None;
    let (mut daily, mut monthly, mut boards) = (Vec::new(), Vec::new(), Vec::new());
    for (s, o) in many.ok() {
        let keyed = with_key(&o.cleansed.cleansed.frame, keys, &s.key)?;
        cleansed = Some(match cleansed {
            None => keyed,
            Some(mut all) => {
                all.vstack_mut(&keyed)?;
                all
            }
        });
        daily.push((s.key.clone(), crate::tables::daily_csv(&o.forecast)?));
        monthly.push((
            s.key.clone(),
            crate::tables::monthly_csv(&o.forecast, &levels)?,
        ));
        boards.push((
            s.key.clone(),
            crate::tables::leaderboard_csv(&o.trained.leaderboard)?,
        ));
    }
    if let Some(t) = &many.total {
        let key = vec![crate::tables::TOTAL_KEY.to_string(); keys.len()];
        daily.push((key.clone(), crate::tables::daily_csv(&t.forecast)?));
        monthly.push((key, crate::tables::monthly_csv(&t.forecast, &levels)?));
    }
    let rows = |parts: &[(Vec<String>, Vec<u8>)]| -> usize {
        parts
            .iter()
            .map(|p| {
                p.1.iter()
                    .filter(|b| **b == b'\n')
                    .count()
                    .saturating_sub(1)
            })
            .sum()
    };
    let put = |store: &mut dyn Store,
               area: Area,
               name: &str,
               parts: &[(Vec<String>, Vec<u8>)]|
     -> Result<(), PipelineError> {
        let bytes = crate::tables::keyed(keys, parts)?;
        store.put(area, name, "csv", &bytes, Some(rows(parts) as u64))?;
        Ok(())
    };
    if let Some(mut frame) = cleansed {
        frame.align_chunks();
        let bytes = connector::to_parquet_bytes(&frame)?;
        store.put(
            Area::Cleansed,
            "ventas_diarias",
            "parquet",
            &bytes,
            Some(frame.height() as u64),
        )?;
    }
    put(store, Area::Forecast, "forecast_daily", &daily)?;
    put(store, Area::Forecast, "forecast_monthly", &monthly)?;
    put(store, Area::Reports, "leaderboard", &boards)?;
    for r in &body.rows {
        match (&r.holdout, &r.error) {
            (_, Some(e)) => tracing::warn!(serie = %r.serie, "not forecast: {e}"),
            (Some(h), None) => tracing::info!(
                serie = %r.serie,
                champion = r.champion.as_deref().unwrap_or_default(),
                mae = h.mae,
                mase = h.mase,
                "series scored on the hold-out"
            ),
            (None, None) => tracing::info!(
                serie = %r.serie,
                champion = r.champion.as_deref().unwrap_or_default(),
                units = r.total_units.unwrap_or_default(),
                "series forecast"
            ),
        }
    }
    if let Some(t) = &body.total {
        tracing::info!(
            series = t.series,
            days = t.days,
            units = t.total_units,
            mase = t.holdout.as_ref().map(|h| h.mase),
            "total across series forecast"
        );
    }
    Ok(())
}
