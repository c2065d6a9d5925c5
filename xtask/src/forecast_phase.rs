//! Phase 06: the daily forecast from the champion and the future feature rows, with
//! intervals, monthly totals and, when actuals exist after the cutoff, hold-out scores.

use std::collections::BTreeMap;

use anyhow::Context as _;
use chrono::NaiveDate;
use serde::Serialize;

use crate::run::RunContext;

/// Body of the phase 06 report.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct ForecastBody {
    /// Champion name.
    pub champion: String,
    /// Champion specification (label).
    pub modelo: String,
    /// Last training date: the forecast origin.
    pub trained_until: NaiveDate,
    /// First forecast date.
    pub horizon_start: NaiveDate,
    /// Last forecast date.
    pub horizon_end: NaiveDate,
    /// Days forecast.
    pub days: usize,
    /// Planned closures in the horizon (forecast 0).
    pub closed_days: usize,
    /// Interval settings used.
    pub intervals: forecaster::IntervalConfig,
    /// The cross-fold calibration of the intervals: the factor applied to the backtest
    /// residuals and the held-out folds' coverage before and after it, next to nominal.
    #[serde(default)]
    pub calibracion: Option<forecaster::CalibrationReport>,
    /// Bootstrap seed.
    pub seed: u64,
    /// Sum of the daily points over the horizon.
    pub total_units: f64,
    /// Monthly totals with intervals.
    pub monthly: Vec<forecaster::MonthlyForecast>,
    /// Scores against actuals after the cutoff (hold-out runs only).
    pub holdout: Option<forecaster::HoldoutScore>,
    /// Figures written.
    pub figures: Vec<String>,
}

/// Runs phase 06.
pub fn run(ctx: &mut RunContext) -> anyhow::Result<()> {
    let service = crate::inputs::read_champion(ctx)?;
    let processed = ctx.cfg.paths.processed.clone();
    let (future, _) =
        crate::inputs::read_layer(ctx, &processed, "future_latest.parquet", "04 features")?;
    let (train, _) =
        crate::inputs::read_layer(ctx, &processed, "train_latest.parquet", "04 features")?;
    let artifact = service.artifact().clone();
    let cfg = ctx.cfg.forecast.clone();
    let seed = ctx.cfg.run.seed;
    let fc = pipeline::forecast(&service, &future, &ctx.cfg)
        .context("nothing of phase 06 was written")?;
    let closed_days = pipeline::frames::bools(&future, "future", core_types::cols::ABIERTO)?
        .iter()
        .filter(|o| !**o)
        .count();
    // Hold-out: the source's rows after the cutoff, exactly as observed (phase 02 sets them
    // aside; nothing before this phase reads their target). The MASE scale is the weekly-naive
    // MAE of the observed history: raw source values (not cleansed, not imputed) on days 7
    // days apart that both have a row.
    let after = crate::inputs::read_after_cutoff(ctx)?;
    let actuals = pipeline::frames::observed_actuals(&after)?;
    let cleansed_dir = ctx.cfg.paths.cleansed.clone();
    let (cleansed, _) = crate::inputs::read_layer(
        ctx,
        &cleansed_dir,
        "ventas_diarias_latest.parquet",
        "02 cleanse",
    )?;
    let holdout = pipeline::score(&fc, &cleansed, &after)?;
    if let Some(h) = &holdout {
        tracing::info!(
            days = h.overall.days,
            mase7 = h.overall.mase7,
            wape = h.overall.wape,
            "hold-out scored against actuals after the cutoff"
        );
    }
    // Outputs.
    let out_dir = ctx.root.join(&ctx.cfg.paths.outputs).join("forecast");
    ctx.writer.write_dual(
        &out_dir,
        "forecast_daily",
        "csv",
        &pipeline::tables::daily_csv(&fc)?,
        Some(fc.daily.len() as u64),
    )?;
    ctx.writer.write_dual(
        &out_dir,
        "forecast_monthly",
        "csv",
        &pipeline::tables::monthly_csv(&fc, &cfg.intervals.levels)?,
        Some(fc.monthly.len() as u64),
    )?;
    let figures = figures(
        &fc,
        &train,
        &actuals,
        cfg.fan_history_days,
        holdout.is_some(),
    )?;
    let fig_dir = ctx.root.join(&ctx.cfg.paths.outputs).join("figures");
    let mut names = Vec::new();
    for (name, png) in &figures {
        ctx.writer.write_dual(&fig_dir, name, "png", png, None)?;
        names.push(format!("{name}_latest.png"));
    }
    let body = ForecastBody {
        champion: artifact.nombre.clone(),
        modelo: artifact.spec.label(),
        trained_until: artifact.trained_until,
        horizon_start: fc.daily.first().context("empty horizon")?.fecha,
        horizon_end: fc.daily.last().context("empty horizon")?.fecha,
        days: fc.daily.len(),
        closed_days,
        calibracion: fc.calibration.clone(),
        intervals: cfg.intervals.clone(),
        seed,
        total_units: fc.daily.iter().map(|d| d.point).sum(),
        monthly: fc.monthly.clone(),
        holdout,
        figures: names,
    };
    tracing::info!(
        days = body.days,
        total = body.total_units,
        "forecast written to outputs/forecast"
    );
    ctx.write_report("forecast", &body)?;
    Ok(())
}

fn figures(
    fc: &forecaster::Forecast,
    train: &polars::prelude::DataFrame,
    actuals: &BTreeMap<NaiveDate, f64>,
    history_days: usize,
    holdout: bool,
) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let hist_dates = pipeline::frames::dates(train, "train")?;
    let hist_vals = pipeline::frames::f64s(train, "train", core_types::cols::UNIDADES_VENDIDAS)?;
    let from = hist_dates.len().saturating_sub(history_days);
    let mut labels: Vec<String> = hist_dates[from..].iter().map(|d| d.to_string()).collect();
    labels.extend(fc.daily.iter().map(|d| d.fecha.to_string()));
    let history: Vec<Option<f64>> = hist_vals[from..]
        .iter()
        .map(|v| Some(*v).filter(|v| v.is_finite()))
        .collect();
    let point: Vec<f64> = fc.daily.iter().map(|d| d.point).collect();
    let levels: Vec<f64> = fc
        .daily
        .first()
        .map(|d| d.bounds.iter().map(|b| b.level).collect())
        .unwrap_or_default();
    // Widest band first so the narrower one is drawn over it.
    let mut order: Vec<usize> = (0..levels.len()).collect();
    order.sort_by(|a, b| levels[*b].total_cmp(&levels[*a]));
    let bands: Vec<(String, Vec<f64>, Vec<f64>)> = order
        .iter()
        .map(|k| {
            (
                format!("intervalo {} %", levels[*k]),
                fc.daily.iter().map(|d| d.bounds[*k].lower).collect(),
                fc.daily.iter().map(|d| d.bounds[*k].upper).collect(),
            )
        })
        .collect();
    let overlay: Option<Vec<Option<f64>>> = holdout.then(|| {
        fc.daily
            .iter()
            .map(|d| actuals.get(&d.fecha).copied())
            .collect()
    });
    let fan = crate::figures::fan_chart(
        "Pronóstico diario con intervalos (historia y horizonte)",
        &labels,
        &history,
        &point,
        &bands,
        overlay.as_deref(),
    )?;
    let months: Vec<String> = fc
        .monthly
        .iter()
        .map(|m| {
            if m.parcial {
                format!("{} (parcial)", m.mes)
            } else {
                m.mes.clone()
            }
        })
        .collect();
    let widest = order.first().copied();
    let whiskers: Vec<Option<(f64, f64)>> = fc
        .monthly
        .iter()
        .map(|m| {
            widest
                .and_then(|k| m.bounds.get(k))
                .map(|b| (b.lower, b.upper))
        })
        .collect();
    let monthly_actuals: Option<Vec<Option<f64>>> = holdout.then(|| {
        fc.monthly
            .iter()
            .map(|m| {
                let days: Vec<f64> = fc
                    .daily
                    .iter()
                    .filter(|d| d.fecha.format("%Y-%m").to_string() == m.mes)
                    .filter_map(|d| actuals.get(&d.fecha).copied())
                    .collect();
                (days.len() == m.dias as usize).then(|| days.iter().sum())
            })
            .collect()
    });
    let title = match widest {
        Some(k) => format!(
            "Totales mensuales con intervalo {} % (suma de trayectorias)",
            levels[k]
        ),
        None => "Totales mensuales".to_string(),
    };
    let bars = crate::figures::whisker_bar_chart(
        &title,
        &months,
        &fc.monthly.iter().map(|m| m.point).collect::<Vec<_>>(),
        &whiskers,
        monthly_actuals.as_deref(),
    )?;
    Ok(vec![
        ("forecast_fan".to_string(), fan),
        ("forecast_mensual".to_string(), bars),
    ])
}
