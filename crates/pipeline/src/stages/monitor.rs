//! Phase 08: the kept forecasts against the actuals that arrived since (health), the recent
//! data against the training data (drift), with an OK / WARN / ALERT status.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use report::charts::RGBColor;
use serde::{Deserialize, Serialize};
use store::{Area, Store};

use super::{read_after_cutoff, read_cleansed, read_layer, read_report};
use crate::config::AppConfig;
use crate::PipelineError;

/// Health of one kept forecast.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VariableDrift {
    /// Column.
    pub variable: String,
    /// Measures and flags.
    pub drift: monitor::drift::DriftReport,
}

/// Body of the phase 08 report.
#[derive(Debug, Clone, Serialize, Deserialize)]
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

/// Whether a kept forecast CSV is a many-series run's: key columns before `fecha`.
fn keyed(text: &str) -> bool {
    let header: Vec<&str> = text.lines().next().unwrap_or_default().split(',').collect();
    header.first() != Some(&core_types::cols::FECHA) && header.contains(&core_types::cols::FECHA)
}

/// A kept daily forecast CSV: dates, points and `(level, lo, hi)` per day.
type KeptForecast = Vec<(NaiveDate, f64, Vec<(f64, f64, f64)>)>;

fn read_forecast(text: &str, label: &str) -> Result<KeptForecast, PipelineError> {
    let bad = |row: usize| PipelineError::KeptForecast {
        at: label.to_string(),
        row,
    };
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().ok_or_else(|| bad(0))?.split(',').collect();
    let levels: Vec<f64> = header
        .iter()
        .filter_map(|h| h.strip_prefix("limite_inferior_"))
        .map(|l| l.parse::<f64>().map_err(|_| bad(0)))
        .collect::<Result<_, _>>()?;
    lines
        .enumerate()
        .map(|(r, l)| {
            let c: Vec<&str> = l.split(',').collect();
            let f = |i: usize| -> Result<f64, PipelineError> {
                c.get(i)
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| bad(r + 1))
            };
            Ok((
                c[0].parse().map_err(|_| bad(r + 1))?,
                f(1)?,
                levels
                    .iter()
                    .enumerate()
                    .map(|(k, lv)| Ok((*lv, f(2 + 2 * k)?, f(3 + 2 * k)?)))
                    .collect::<Result<_, PipelineError>>()?,
            ))
        })
        .collect()
}

/// Phase 08: the kept forecasts against the actuals that arrived since (health), the recent
/// data against the training data (drift), with an OK / WARN / ALERT status.
pub fn monitor(store: &mut dyn Store, app: &AppConfig) -> Result<(), PipelineError> {
    let cfg = &app.monitor;
    let cleansed = read_cleansed(store)?;
    let mut actual: BTreeMap<NaiveDate, f64> = crate::frames::dates(&cleansed, "cleansed")?
        .into_iter()
        .zip(crate::frames::f64s(
            &cleansed,
            "cleansed",
            core_types::cols::UNIDADES_VENDIDAS,
        )?)
        .filter(|(_, v)| v.is_finite())
        .collect();
    // Actuals that arrived after the cutoff (a hold-out run): read here on purpose, like phase
    // 06's scoring — monitoring is scoring kept forecasts against what came after them.
    actual.extend(crate::frames::observed_actuals(&read_after_cutoff(store)?)?);
    if let Some(s) = &cfg.nivel_inyectado {
        for (d, v) in actual.iter_mut() {
            if *d >= s.desde {
                *v *= s.factor;
            }
        }
    }
    // Expectations from phase 05: the champion's backtest errors.
    #[derive(Deserialize)]
    struct TrainExpect {
        champion_backtest: Vec<crate::BacktestRow>,
    }
    let train: TrainExpect = read_report(store, "train", "train report", "05 train")?;
    let bt: Vec<(f64, f64)> = train
        .champion_backtest
        .iter()
        .filter_map(|r| Some((r.actual?, r.pred)))
        .collect();
    let expect = monitor::watch::Expectation::from_backtest(&bt);
    // Kept forecasts, newest last.
    let kept = store.history(Area::Forecast, "forecast_daily", "csv")?;
    let mut scored = Vec::new();
    let mut other_runs = 0usize;
    for k in &kept {
        let text = String::from_utf8_lossy(&k.bytes);
        // A many-series run's forecast (`serie,fecha,…`, its series and their total) kept in
        // the same project is not this series' forecast: skipped and counted, not an error.
        if keyed(&text) {
            other_runs += 1;
            continue;
        }
        let fc = read_forecast(&text, &k.label)?;
        if let Some(s) = monitor::watch::score_kept(&fc, &actual, &expect, &cfg.salud) {
            let fh = ForecastHealth {
                forecast: k.label.clone(),
                run_id: k.run_id.clone(),
                horizon_start: s.horizon_start,
                health: s.health.clone(),
            };
            scored.push((fh, s));
        }
    }
    let latest = scored.last().cloned();
    let mut notas = vec![
        "los valores diarios están autocorrelacionados: los p-valores de KS son indicativos"
            .to_string(),
    ];
    if other_runs > 0 {
        notas.push(format!(
            "{other_runs} pronóstico(s) guardado(s) de corridas de muchas series (con columna de \
             serie) no se comparan con esta serie"
        ));
    }
    let (mut target_drift, mut feature_drift) = (None, Vec::new());
    if let Some((_, latest)) = &latest {
        let monitor::watch::Windows { recent, reference } = monitor::watch::windows(
            latest,
            &actual,
            cfg.ventana_reciente_dias,
            cfg.ventana_referencia_dias,
        );
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
        let feats = read_layer(store, Area::Features, "features", "04 features")?;
        let fd = crate::frames::dates(&feats, "features")?;
        let ref_days: std::collections::BTreeSet<NaiveDate> =
            reference.iter().map(|r| r.0).collect();
        let cur_days: std::collections::BTreeSet<NaiveDate> = recent.iter().copied().collect();
        for name in feats.get_column_names() {
            let name = name.to_string();
            if name == core_types::cols::FECHA || name == "es_futuro" {
                continue;
            }
            let Ok(v) = crate::frames::f64s(&feats, "features", &name) else {
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
    let status =
        monitor::watch::overall_status(latest.as_ref().map(|l| l.1.health.status)).to_string();
    // Figures: daily errors with the alarm dates; PSI per variable.
    let mut figures = Vec::new();
    if let Some((fh, s)) = &latest {
        let rows = &s.rows;
        let labels: Vec<String> = rows.iter().map(|r| r.fecha.to_string()).collect();
        let errs: Vec<Option<f64>> = rows.iter().map(|r| Some(r.actual - r.forecast)).collect();
        let marks: Vec<(usize, f64)> = [fh.health.cusum_alarm, fh.health.page_hinkley_alarm]
            .iter()
            .flatten()
            .filter_map(|d| rows.iter().position(|r| r.fecha == *d))
            .map(|i| (i, rows[i].actual - rows[i].forecast))
            .collect();
        let lang = app.report.language;
        let t = |es: &'static str, en: &'static str| lang.pick(es, en);
        let cap = super::caption(store, lang, fh.horizon_start.pred_opt());
        let png = report::line_chart(
            &super::chart(
                t(
                    "Error diario del último pronóstico guardado (real − pronóstico)",
                    "Daily error of the latest kept forecast (actual − forecast)",
                ),
                t("fecha", "date"),
                t("error (unidades por día)", "error (units per day)"),
                &cap,
                lang,
            ),
            &labels,
            &[("error", errs, RGBColor(31, 119, 180))],
            &marks,
            t(
                "alarmas CUSUM / Page–Hinkley",
                "CUSUM / Page–Hinkley alarms",
            ),
        )?;
        store.put(Area::Figures, "monitor_error", "png", &png, None)?;
        figures.push("monitor_error_latest.png".into());
        // The target first, then the variables that moved most.
        let mut moved: Vec<&VariableDrift> = feature_drift.iter().collect();
        moved.sort_by(|a, b| b.drift.psi.total_cmp(&a.drift.psi));
        let all: Vec<&VariableDrift> = target_drift
            .iter()
            .chain(moved)
            .take(app.report.drift_bars)
            .collect();
        let names: Vec<String> = all
            .iter()
            .map(|v| report::short_label(&v.variable, lang))
            .collect();
        let (warn, alert) = (cfg.deriva.psi_warn, cfg.deriva.psi_alert);
        let (green, amber, red) = (
            RGBColor(44, 160, 44),
            RGBColor(240, 160, 30),
            RGBColor(214, 39, 40),
        );
        let colours: Vec<RGBColor> = all
            .iter()
            .map(|v| {
                if v.drift.psi >= alert {
                    red
                } else if v.drift.psi >= warn {
                    amber
                } else {
                    green
                }
            })
            .collect();
        let num = |v: f64| report::numfmt::number(v, 2, lang);
        let legend_text = [
            format!("{} {}", t("estable: menos de", "stable: below"), num(warn)),
            format!("{} {}", t("aviso: desde", "warning: from"), num(warn)),
            format!("{} {}", t("alerta: desde", "alert: from"), num(alert)),
        ];
        let legend = [
            (legend_text[0].as_str(), green),
            (legend_text[1].as_str(), amber),
            (legend_text[2].as_str(), red),
        ];
        let psi_title = format!(
            "{} {} {}",
            t("Deriva (PSI): ventas y las", "Drift (PSI): sales and the"),
            all.len() - usize::from(target_drift.is_some()),
            t("variables que más cambiaron", "variables that moved most"),
        );
        let png = report::bar_chart(
            &super::chart(
                &psi_title,
                t("variable", "variable"),
                t(
                    "PSI (índice de estabilidad)",
                    "PSI (population stability index)",
                ),
                &cap,
                lang,
            ),
            &names,
            &[(
                "PSI",
                all.iter().map(|v| Some(v.drift.psi)).collect(),
                RGBColor(214, 39, 40),
            )],
            Some(alert),
            Some(report::BarColours {
                per_bar: &colours,
                legend: &legend,
            }),
        )?;
        store.put(Area::Figures, "monitor_deriva", "png", &png, None)?;
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
    store::put_report(store, "monitor", &body)?;
    Ok(())
}
