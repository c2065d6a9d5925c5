//! Phase 08: the kept forecasts against the actuals that arrived since (health), the recent
//! data against the training data (drift), with an OK / WARN / ALERT status.

use std::collections::BTreeMap;

use anyhow::Context as _;
use chrono::NaiveDate;
use plotters::style::RGBColor;
use serde::Serialize;

use crate::artifacts::FileRecord;
use crate::run::RunContext;

/// Health of one kept forecast.
#[derive(Debug, Clone, Serialize)]
pub struct ForecastHealth {
    /// The forecast file (history).
    pub forecast: String,
    /// Its run id.
    pub run_id: String,
    /// First forecast date.
    pub horizon_start: NaiveDate,
    /// Health.
    pub health: monitor::health::Health,
}

/// Drift of one variable.
#[derive(Debug, Clone, Serialize)]
pub struct VariableDrift {
    /// Column.
    pub variable: String,
    /// Measures and flags.
    pub drift: monitor::drift::DriftReport,
}

/// Body of the phase 08 report.
#[derive(Debug, Clone, Serialize)]
pub struct MonitorBody {
    /// Overall status (`OK`, `WARN`, `ALERT`, or `SIN_DATOS` when no actual has arrived).
    pub status: String,
    /// The most recent kept forecast with actuals, scored.
    pub latest: Option<ForecastHealth>,
    /// Every kept forecast with actuals.
    pub forecasts_scored: usize,
    /// Drift of the target (recent actuals vs the reference window).
    pub target_drift: Option<VariableDrift>,
    /// Drift of each numeric feature over the same windows.
    pub feature_drift: Vec<VariableDrift>,
    /// Drill applied to the actuals, if any.
    pub nivel_inyectado: Option<monitor::InjectedShift>,
    /// Reading notes.
    pub notas: Vec<String>,
    /// Figures.
    pub figures: Vec<String>,
}

/// A kept daily forecast CSV: dates, points and `(level, lo, hi)` per day.
type KeptForecast = Vec<(NaiveDate, f64, Vec<(f64, f64, f64)>)>;

fn read_forecast(text: &str) -> anyhow::Result<KeptForecast> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().context("empty forecast")?.split(',').collect();
    let levels: Vec<f64> = header
        .iter()
        .filter_map(|h| h.strip_prefix("limite_inferior_"))
        .map(|l| l.parse::<f64>())
        .collect::<Result<_, _>>()?;
    lines
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            let f =
                |i: usize| -> anyhow::Result<f64> { Ok(c.get(i).context("short row")?.parse()?) };
            Ok((
                c[0].parse()?,
                f(1)?,
                levels
                    .iter()
                    .enumerate()
                    .map(|(k, lv)| Ok((*lv, f(2 + 2 * k)?, f(3 + 2 * k)?)))
                    .collect::<anyhow::Result<_>>()?,
            ))
        })
        .collect()
}

/// Runs phase 08.
pub fn run(ctx: &mut RunContext) -> anyhow::Result<()> {
    let cfg = ctx.cfg.monitor.clone();
    let cleansed_dir = ctx.cfg.paths.cleansed.clone();
    let (cleansed, _) = crate::inputs::read_layer(
        ctx,
        &cleansed_dir,
        "ventas_diarias_latest.parquet",
        "02 cleanse",
    )?;
    let mut actual: BTreeMap<NaiveDate, f64> = pipeline::frames::dates(&cleansed, "cleansed")?
        .into_iter()
        .zip(pipeline::frames::f64s(
            &cleansed,
            "cleansed",
            core_types::cols::UNIDADES_VENDIDAS,
        )?)
        .filter(|(_, v)| v.is_finite())
        .collect();
    // Actuals that arrived after the cutoff (a hold-out run): read here on purpose, like phase
    // 06's scoring — monitoring is scoring kept forecasts against what came after them.
    actual.extend(pipeline::frames::observed_actuals(
        &crate::inputs::read_after_cutoff(ctx)?,
    )?);
    if let Some(s) = &cfg.nivel_inyectado {
        for (d, v) in actual.iter_mut() {
            if *d >= s.desde {
                *v *= s.factor;
            }
        }
    }
    // Expectations from phase 05: the champion's backtest errors.
    let train_path = ctx
        .root
        .join(&ctx.cfg.paths.outputs)
        .join("reports")
        .join("train_latest.json");
    let train: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&train_path).context("no train report: run phase 05 first")?,
    )?;
    ctx.record_inputs(&[FileRecord::read(&ctx.root, &train_path, None)?]);
    let bt: Vec<(f64, f64)> = train["body"]["champion_backtest"]
        .as_array()
        .context("train report without champion_backtest")?
        .iter()
        .filter_map(|r| Some((r["actual"].as_f64()?, r["pred"].as_f64()?)))
        .collect();
    let expected_wape = bt.iter().map(|(a, p)| (a - p).abs()).sum::<f64>()
        / bt.iter().map(|(a, _)| a.abs()).sum::<f64>();
    let errs: Vec<f64> = bt.iter().map(|(a, p)| a - p).collect();
    let mean_e = errs.iter().sum::<f64>() / errs.len().max(1) as f64;
    let error_sd =
        (errs.iter().map(|e| (e - mean_e).powi(2)).sum::<f64>() / errs.len().max(1) as f64).sqrt();
    // Kept forecasts, newest last.
    let hist = ctx
        .root
        .join(&ctx.cfg.paths.outputs)
        .join("forecast")
        .join("history");
    let mut kept: Vec<std::path::PathBuf> = std::fs::read_dir(&hist)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with("forecast_daily_"))
                })
                .collect()
        })
        .unwrap_or_default();
    kept.sort();
    let mut scored = Vec::new();
    for path in &kept {
        let text = std::fs::read_to_string(path)?;
        let fc = read_forecast(&text).with_context(|| format!("reading {}", path.display()))?;
        let Some(start) = fc.first().map(|r| r.0) else {
            continue;
        };
        // The training actuals before this forecast give the MASE7 scale.
        let train_y: Vec<f64> = actual.range(..start).map(|(_, v)| *v).collect();
        let rows: Vec<monitor::health::Scored> = fc
            .iter()
            .enumerate()
            .filter_map(|(i, (d, p, b))| {
                let a = *actual.get(d)?;
                Some(monitor::health::Scored {
                    fecha: *d,
                    step: i + 1,
                    forecast: *p,
                    bounds: b.clone(),
                    actual: a,
                    naive: d
                        .checked_sub_days(chrono::Days::new(7))
                        .and_then(|w| actual.get(&w).copied()),
                })
            })
            .collect();
        if rows.is_empty() {
            continue;
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let run_id = name
            .trim_end_matches(".csv")
            .rsplit('_')
            .next()
            .unwrap_or_default()
            .to_string();
        let health = monitor::health::health(
            &rows,
            monitor::weekly_naive_scale(&train_y),
            expected_wape,
            error_sd,
            &cfg.salud,
        );
        scored.push((
            ForecastHealth {
                forecast: crate::artifacts::relative(&ctx.root, path),
                run_id,
                horizon_start: start,
                health,
            },
            rows,
        ));
    }
    let latest = scored.last().cloned();
    let mut notas = vec![
        "los valores diarios están autocorrelacionados: los p-valores de KS son indicativos"
            .to_string(),
    ];
    let (mut target_drift, mut feature_drift) = (None, Vec::new());
    if let Some((fh, rows)) = &latest {
        let start = fh.horizon_start;
        let recent: Vec<NaiveDate> = rows
            .iter()
            .rev()
            .take(cfg.ventana_reciente_dias)
            .map(|r| r.fecha)
            .collect();
        let reference: Vec<(NaiveDate, f64)> = actual
            .range(..start)
            .rev()
            .take(cfg.ventana_referencia_dias)
            .map(|(d, v)| (*d, *v))
            .collect();
        let cur_y: Vec<f64> = recent
            .iter()
            .filter_map(|d| actual.get(d).copied())
            .collect();
        let ref_y: Vec<f64> = reference.iter().map(|r| r.1).collect();
        target_drift =
            monitor::drift::drift(&ref_y, &cur_y, &cfg.deriva).map(|drift| VariableDrift {
                variable: core_types::cols::UNIDADES_VENDIDAS.into(),
                drift,
            });
        let feat_dir = ctx.cfg.paths.features.clone();
        let (feats, _) =
            crate::inputs::read_layer(ctx, &feat_dir, "features_latest.parquet", "04 features")?;
        let fd = pipeline::frames::dates(&feats, "features")?;
        let ref_days: std::collections::BTreeSet<NaiveDate> =
            reference.iter().map(|r| r.0).collect();
        let cur_days: std::collections::BTreeSet<NaiveDate> = recent.iter().copied().collect();
        for name in feats.get_column_names() {
            let name = name.to_string();
            if name == core_types::cols::FECHA || name == "es_futuro" {
                continue;
            }
            let Ok(v) = pipeline::frames::f64s(&feats, "features", &name) else {
                continue;
            };
            let pick = |days: &std::collections::BTreeSet<NaiveDate>| -> Vec<f64> {
                fd.iter()
                    .zip(&v)
                    .filter(|(d, _)| days.contains(d))
                    .map(|(_, x)| *x)
                    .collect()
            };
            if let Some(drift) =
                monitor::drift::drift(&pick(&ref_days), &pick(&cur_days), &cfg.deriva)
            {
                feature_drift.push(VariableDrift {
                    variable: name,
                    drift,
                });
            }
        }
        notas.push(
            "las variables de calendario derivan por construcción cuando las ventanas cubren \
             estaciones distintas: lea la deriva de variables junto con el error"
                .into(),
        );
    }
    let status = match &latest {
        None => "SIN_DATOS".to_string(),
        Some((fh, _)) => serde_json::to_value(fh.health.status)?
            .as_str()
            .unwrap_or("OK")
            .to_string(),
    };
    // Figures: daily errors with the alarm dates; PSI per variable.
    let mut figures = Vec::new();
    let fig_dir = ctx.root.join(&ctx.cfg.paths.outputs).join("figures");
    if let Some((fh, rows)) = &latest {
        let labels: Vec<String> = rows.iter().map(|r| r.fecha.to_string()).collect();
        let errs: Vec<Option<f64>> = rows.iter().map(|r| Some(r.actual - r.forecast)).collect();
        let marks: Vec<(usize, f64)> = [fh.health.cusum_alarm, fh.health.page_hinkley_alarm]
            .iter()
            .flatten()
            .filter_map(|d| rows.iter().position(|r| r.fecha == *d))
            .map(|i| (i, rows[i].actual - rows[i].forecast))
            .collect();
        let png = crate::figures::line_chart(
            "Error diario (real − pronóstico); puntos rojos: alarmas CUSUM / Page–Hinkley",
            &labels,
            &[("error", errs, RGBColor(31, 119, 180))],
            &marks,
        )?;
        ctx.writer
            .write_dual(&fig_dir, "monitor_error", "png", &png, None)?;
        figures.push("monitor_error_latest.png".into());
        let all: Vec<&VariableDrift> = target_drift.iter().chain(feature_drift.iter()).collect();
        let names: Vec<String> = all
            .iter()
            .map(|v| crate::figures::short_label(&v.variable))
            .collect();
        let png = crate::figures::bar_chart(
            "PSI por variable (0.10 aviso, 0.25 alerta)",
            &names,
            &[(
                "PSI",
                all.iter().map(|v| Some(v.drift.psi)).collect(),
                RGBColor(214, 39, 40),
            )],
            Some(cfg.deriva.psi_alert),
        )?;
        ctx.writer
            .write_dual(&fig_dir, "monitor_deriva", "png", &png, None)?;
        figures.push("monitor_deriva_latest.png".into());
    } else {
        notas.push("aún no llegan ventas reales posteriores a ningún pronóstico guardado".into());
    }
    tracing::info!(status = %status, forecasts = scored.len(), "monitor");
    let body = MonitorBody {
        status,
        latest: latest.map(|l| l.0),
        forecasts_scored: scored.len(),
        target_drift,
        feature_drift,
        nivel_inyectado: cfg.nivel_inyectado.clone(),
        notas,
        figures,
    };
    ctx.write_report("monitor", &body)?;
    Ok(())
}
