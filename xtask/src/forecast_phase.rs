//! Phase 06: the daily forecast from the champion and the future feature rows, with
//! intervals, monthly totals and, when actuals exist after the cutoff, hold-out scores.

use std::collections::BTreeMap;

use anyhow::Context as _;
use chrono::NaiveDate;
use serde::Serialize;

use crate::artifacts::FileRecord;
use crate::layers::{bools, dates, f64s};
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

/// The daily CSV: `fecha,unidades_pronosticadas,limite_inferior_<l>,limite_superior_<l>…`.
pub fn daily_csv(fc: &forecaster::Forecast) -> String {
    let mut out = String::from("fecha,unidades_pronosticadas");
    if let Some(d) = fc.daily.first() {
        for b in &d.bounds {
            out.push_str(&format!(
                ",limite_inferior_{0},limite_superior_{0}",
                b.level
            ));
        }
    }
    out.push('\n');
    for d in &fc.daily {
        out.push_str(&format!("{},{}", d.fecha, d.point));
        for b in &d.bounds {
            out.push_str(&format!(",{},{}", b.lower, b.upper));
        }
        out.push('\n');
    }
    out
}

/// The monthly CSV: `mes,dias,parcial,unidades_pronosticadas,limite_inferior_<l>,…` (bounds
/// empty for conformal intervals, which have no paths to sum).
pub fn monthly_csv(fc: &forecaster::Forecast, levels: &[f64]) -> String {
    let mut out = String::from("mes,dias,parcial,unidades_pronosticadas");
    for l in levels {
        out.push_str(&format!(",limite_inferior_{l},limite_superior_{l}"));
    }
    out.push('\n');
    for m in &fc.monthly {
        out.push_str(&format!("{},{},{},{}", m.mes, m.dias, m.parcial, m.point));
        for k in 0..levels.len() {
            match m.bounds.get(k) {
                Some(b) => out.push_str(&format!(",{},{}", b.lower, b.upper)),
                None => out.push_str(",,"),
            }
        }
        out.push('\n');
    }
    out
}

/// Runs phase 06.
pub fn run(ctx: &mut RunContext) -> anyhow::Result<()> {
    let models_dir = ctx.root.join(&ctx.cfg.paths.outputs).join("models");
    let artifact_path = models_dir.join("champion_latest.json");
    anyhow::ensure!(
        artifact_path.is_file(),
        "no champion at {}: run phase 05 train first",
        crate::artifacts::relative(&ctx.root, &artifact_path)
    );
    let bytes = std::fs::read(&artifact_path)?;
    ctx.record_inputs(&[FileRecord::read(&ctx.root, &artifact_path, None)?]);
    let processed = ctx.cfg.paths.processed.clone();
    let (future, _) =
        crate::phases::read_layer(ctx, &processed, "future_latest.parquet", "04 features")?;
    let (train, _) =
        crate::phases::read_layer(ctx, &processed, "train_latest.parquet", "04 features")?;
    let service = forecaster::Forecaster::from_json(&bytes, None)
        .with_context(|| format!("reading {}", artifact_path.display()))?;
    let artifact = service.artifact().clone();
    // The model's exog columns, in its order, from the future rows.
    let exog = if artifact.feature_names.is_empty() {
        None
    } else {
        let cols = artifact
            .feature_names
            .iter()
            .map(|n| {
                f64s(&future, n).with_context(|| {
                    format!("the champion needs future column `{n}`: rerun phase 04 with the features it was trained on")
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Some(models::Exog::new(artifact.feature_names.clone(), cols)?)
    };
    let inputs = forecaster::FutureInputs {
        dates: dates(&future)?,
        open: bools(&future, core_types::cols::ABIERTO)?,
        exog,
    };
    let cfg = ctx.cfg.forecast.clone();
    let seed = ctx.cfg.run.seed;
    let fc = service.forecast(&inputs, &cfg.intervals, seed)?;
    // Checked before anything is written: no artifact of this phase holds NaN.
    if let Some(d) = fc.daily.iter().find(|d| {
        !d.point.is_finite()
            || d.bounds
                .iter()
                .any(|b| !b.lower.is_finite() || !b.upper.is_finite())
    }) {
        anyhow::bail!(
            "the forecast of {} is not a finite number: nothing was written",
            d.fecha
        );
    }
    // Hold-out: the source's rows after the cutoff, exactly as observed (phase 02 sets them
    // aside; nothing before this phase reads their target). The MASE scale is the weekly-naive
    // MAE of the observed history: raw source values (not cleansed, not imputed) on days 7
    // days apart that both have a row.
    let actuals = crate::layers::observed_actuals(&crate::phases::read_after_cutoff(ctx)?)?;
    let cleansed_dir = ctx.cfg.paths.cleansed.clone();
    let (cleansed, _) = crate::phases::read_layer(
        ctx,
        &cleansed_dir,
        "ventas_diarias_latest.parquet",
        "02 cleanse",
    )?;
    let observed = crate::layers::observed_history(&cleansed)?;
    let holdout = forecaster::weekly_naive_scale(&observed)
        .and_then(|scale| forecaster::score_holdout_scaled(&fc, &actuals, scale));
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
        daily_csv(&fc).as_bytes(),
        Some(fc.daily.len() as u64),
    )?;
    ctx.writer.write_dual(
        &out_dir,
        "forecast_monthly",
        "csv",
        monthly_csv(&fc, &cfg.intervals.levels).as_bytes(),
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
        horizon_start: inputs.dates[0],
        horizon_end: *inputs.dates.last().context("empty horizon")?,
        days: fc.daily.len(),
        closed_days: inputs.open.iter().filter(|o| !**o).count(),
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
    let hist_dates = dates(train)?;
    let hist_vals = f64s(train, core_types::cols::UNIDADES_VENDIDAS)?;
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
