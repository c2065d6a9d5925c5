//! Phases 06 (the forecast, its tables, figures and hold-out score), 07 (what-if scenarios)
//! and the executive summary of a whole run.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use report::charts::RGBColor;
use serde::{Deserialize, Serialize};
use store::{Area, Store};

use super::{read_after_cutoff, read_champion, read_cleansed, read_features_report, read_layer};
use crate::config::AppConfig;
use crate::PipelineError;

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

/// Phase 06: the daily forecast from the champion and the future rows, with intervals,
/// monthly totals and, when actuals exist after the cutoff, hold-out scores.
pub fn forecast(store: &mut dyn Store, cfg: &AppConfig) -> Result<(), PipelineError> {
    let service = read_champion(store)?;
    let future = read_layer(store, Area::Processed, "future", "04 features")?;
    let train = read_layer(store, Area::Processed, "train", "04 features")?;
    let artifact = service.artifact().clone();
    let fcfg = &cfg.forecast;
    let fc = crate::flow::forecast(&service, &future, cfg)?;
    let closed_days = crate::frames::bools(&future, "future", core_types::cols::ABIERTO)?
        .iter()
        .filter(|o| !**o)
        .count();
    // Hold-out: the source's rows after the cutoff, exactly as observed (phase 02 sets them
    // aside; nothing before this phase reads their target). The MASE scale is the weekly-naive
    // MAE of the observed history: raw source values (not cleansed, not imputed) on days 7
    // days apart that both have a row.
    let after = read_after_cutoff(store)?;
    let actuals = crate::frames::observed_actuals(&after)?;
    let cleansed = read_cleansed(store)?;
    let holdout = crate::flow::score(&fc, &cleansed, &after)?;
    if let Some(h) = &holdout {
        tracing::info!(
            days = h.overall.days,
            mase7 = h.overall.mase7,
            wape = h.overall.wape,
            "hold-out scored against actuals after the cutoff"
        );
    }
    store.put(
        Area::Forecast,
        "forecast_daily",
        "csv",
        &crate::tables::daily_csv(&fc)?,
        Some(fc.daily.len() as u64),
    )?;
    store.put(
        Area::Forecast,
        "forecast_monthly",
        "csv",
        &crate::tables::monthly_csv(&fc, &fcfg.intervals.percents())?,
        Some(fc.monthly.len() as u64),
    )?;
    let lang = cfg.report.language;
    let cap = super::caption(store, lang, Some(artifact.trained_until));
    let figures = forecast_figures(
        &fc,
        &train,
        &actuals,
        fcfg.fan_history_days,
        holdout.is_some(),
        (lang, &cap),
    )?;
    let names = super::put_figures(store, &figures)?;
    let (Some(first), Some(last)) = (fc.daily.first(), fc.daily.last()) else {
        return Err(PipelineError::EmptyLayer { layer: "future" });
    };
    let body = ForecastBody {
        champion: artifact.nombre.clone(),
        modelo: artifact.spec.label(),
        trained_until: artifact.trained_until,
        horizon_start: first.fecha,
        horizon_end: last.fecha,
        days: fc.daily.len(),
        closed_days,
        calibracion: fc.calibration.clone(),
        intervals: fcfg.intervals.clone(),
        seed: cfg.run.seed,
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
    store::put_report(store, "forecast", &body)?;
    Ok(())
}

fn forecast_figures(
    fc: &forecaster::Forecast,
    train: &polars::prelude::DataFrame,
    actuals: &BTreeMap<NaiveDate, f64>,
    history_days: usize,
    holdout: bool,
    (lang, cap): (report::Lang, &str),
) -> Result<Vec<(String, Vec<u8>)>, PipelineError> {
    let t = |es: &'static str, en: &'static str| lang.pick(es, en);
    let hist_dates = crate::frames::dates(train, "train")?;
    let hist_vals = crate::frames::f64s(train, "train", core_types::cols::UNIDADES_VENDIDAS)?;
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
                format!(
                    "{} {} %",
                    t("intervalo", "interval"),
                    report::numfmt::number(levels[*k], 0, lang)
                ),
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
    let fan = report::fan_chart(
        &super::chart(
            t(
                "Pronóstico diario con intervalos (historia y horizonte)",
                "Daily forecast with intervals (history and horizon)",
            ),
            t("fecha", "date"),
            t("unidades por día", "units per day"),
            cap,
            lang,
        ),
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
            let name = report::numfmt::month_short(&m.mes, lang);
            if m.parcial {
                format!("{name} ({})", t("parcial", "partial"))
            } else {
                name
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
    let whisker_label = match widest {
        Some(k) => format!(
            "{} {} %",
            t("intervalo", "interval"),
            report::numfmt::number(levels[k], 0, lang)
        ),
        None => String::new(),
    };
    let bars = report::whisker_bar_chart(
        &super::chart(
            t(
                "Totales mensuales pronosticados (intervalo de la suma de trayectorias)",
                "Forecast monthly totals (interval from summed paths)",
            ),
            t("mes", "month"),
            t("unidades por mes", "units per month"),
            cap,
            lang,
        ),
        &whisker_label,
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

/// Body of the phase 07 report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SimulationBody {
    /// Champion name.
    pub champion: String,
    /// Horizon start.
    pub horizon_start: NaiveDate,
    /// Horizon end.
    pub horizon_end: NaiveDate,
    /// Bootstrap paths per scenario (paired by seed).
    pub n_boot: usize,
    /// Seed.
    pub seed: u64,
    /// Per scenario: name, description, effect flag, notes, totals and monthly rows.
    pub resumen: Vec<serde_json::Value>,
    /// Scenarios not simulated because none of their interventions falls in the horizon:
    /// name, description, reason and one note per intervention (Spanish, planner-facing).
    pub omitidos: Vec<simulator::Omitido>,
    /// Baseline total.
    pub base_total: f64,
    /// Files written.
    pub archivos: Vec<String>,
}

/// A scenario's legend: its description (shortened to fit a legend), or its name when it has
/// none.
fn legend_text(descripcion: &str, nombre: &str) -> String {
    const MAX: usize = 60;
    let d = descripcion.trim();
    if d.is_empty() {
        return nombre.to_string();
    }
    if d.chars().count() <= MAX {
        return d.to_string();
    }
    let cut: String = d.chars().take(MAX - 1).collect();
    format!("{}…", cut.trim_end())
}

/// Phase 07: the configured what-if scenarios, answered by the champion, with their tables
/// and figures.
pub fn simulate(store: &mut dyn Store, cfg: &AppConfig) -> Result<(), PipelineError> {
    let service = read_champion(store)?;
    let art = service.artifact().clone();
    let until = art.trained_until;
    let days = cfg.run.horizon.days() as usize;
    // The champion records the calendar, features and plan it was trained with; phase 04's
    // report stands in for a hand-built champion that records none.
    let applied = if art.context.is_none() {
        Some(read_features_report(store)?)
    } else {
        None
    };
    let future = read_layer(store, Area::Processed, "future", "04 features")?;
    let levels = cfg.forecast.intervals.percents();
    let sim = crate::flow::simulate(service, &future, cfg, applied.as_ref())?;
    let mut archivos = Vec::new();
    for s in &sim.escenarios {
        for (kind, text) in [
            ("diario", crate::tables::scenario_daily_csv(s, &levels)?),
            ("mensual", crate::tables::scenario_monthly_csv(s, &levels)?),
        ] {
            let name = format!("escenario_{}_{kind}", s.nombre);
            store.put(Area::Simulations, &name, "csv", &text, None)?;
            archivos.push(format!("{name}_latest.csv"));
        }
    }
    let resumen: Vec<serde_json::Value> = sim
        .escenarios
        .iter()
        .map(|s| {
            serde_json::json!({
                "nombre": s.nombre,
                "descripcion": s.descripcion,
                "efecto_modelado": s.efecto_modelado,
                "dias_afectados": s.dias_afectados,
                "notas": s.notas,
                "total": s.total,
                "mensual": s.mensual,
            })
        })
        .collect();
    let summary = store::envelope_json(
        store,
        "simulation_summary",
        &serde_json::json!({"escenarios": resumen, "omitidos": sim.omitidos}),
    )?;
    store.put(Area::Simulations, "resumen", "json", &summary, None)?;
    archivos.push("resumen_latest.json".into());
    // Figures: each scenario against the baseline over the months it touches, and the
    // monthly deltas of every scenario side by side.
    let palette = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
    ];
    let lang = cfg.report.language;
    let t = |es: &'static str, en: &'static str| lang.pick(es, en);
    let cap = super::caption(store, lang, Some(until));
    for s in &sim.escenarios {
        let touched: Vec<&simulator::MonthRow> =
            s.mensual.iter().filter(|m| m.delta.valor != 0.0).collect();
        let months: Vec<&str> = if touched.is_empty() {
            s.mensual.iter().map(|m| m.mes.as_str()).collect()
        } else {
            touched.iter().map(|m| m.mes.as_str()).collect()
        };
        let rows: Vec<&simulator::DayRow> = s
            .diario
            .iter()
            .filter(|d| months.contains(&d.fecha.format("%Y-%m").to_string().as_str()))
            .collect();
        let labels: Vec<String> = rows.iter().map(|d| d.fecha.to_string()).collect();
        let title = format!(
            "{}: {}",
            t(
                "Escenario frente a la base",
                "Scenario against the baseline"
            ),
            legend_text(&s.descripcion, &s.nombre)
        );
        let png = report::line_chart(
            &super::chart(
                &title,
                t("fecha", "date"),
                t("unidades por día", "units per day"),
                &cap,
                lang,
            ),
            &labels,
            &[
                (
                    t("base (sin cambios)", "baseline (no change)"),
                    rows.iter().map(|d| Some(d.base)).collect(),
                    RGBColor(60, 60, 60),
                ),
                (
                    &legend_text(&s.descripcion, &s.nombre),
                    rows.iter().map(|d| Some(d.escenario.valor)).collect(),
                    RGBColor(214, 39, 40),
                ),
            ],
            &[],
            "",
        )?;
        let name = format!("sim_{}", s.nombre);
        store.put(Area::Figures, &name, "png", &png, None)?;
        archivos.push(format!("{name}_latest.png"));
    }
    if let Some(first) = sim.escenarios.first() {
        let months: Vec<String> = first
            .mensual
            .iter()
            .map(|m| report::numfmt::month_short(&m.mes, lang))
            .collect();
        let legends: Vec<String> = sim
            .escenarios
            .iter()
            .map(|s| legend_text(&s.descripcion, &s.nombre))
            .collect();
        let groups: Vec<(&str, Vec<Option<f64>>, RGBColor)> = sim
            .escenarios
            .iter()
            .enumerate()
            .map(|(k, s)| {
                (
                    legends[k].as_str(),
                    s.mensual.iter().map(|m| Some(m.delta.valor)).collect(),
                    palette[k % palette.len()],
                )
            })
            .collect();
        let png = report::bar_chart(
            &super::chart(
                t(
                    "Cambio mensual de cada escenario frente a la base",
                    "Monthly change of each scenario against the baseline",
                ),
                t("mes", "month"),
                t("cambio (unidades por mes)", "change (units per month)"),
                &cap,
                lang,
            ),
            &months,
            &groups,
            Some(0.0),
            None,
        )?;
        store.put(Area::Figures, "sim_deltas_mensuales", "png", &png, None)?;
        archivos.push("sim_deltas_mensuales_latest.png".into());
    }
    for o in &sim.omitidos {
        tracing::warn!(scenario = %o.nombre, reason = %o.motivo, "scenario skipped");
    }
    for s in &sim.escenarios {
        tracing::info!(
            scenario = %s.nombre,
            delta = s.total.delta.valor,
            pct = s.total.delta_pct.unwrap_or(f64::NAN),
            modelled = s.efecto_modelado,
            "scenario simulated"
        );
    }
    let body = SimulationBody {
        champion: art.nombre.clone(),
        horizon_start: until + chrono::Days::new(1),
        horizon_end: until + chrono::Days::new(days as u64),
        n_boot: cfg.forecast.intervals.n_boot,
        seed: cfg.run.seed,
        resumen,
        omitidos: sim.omitidos.clone(),
        base_total: sim.base_total,
        archivos,
    };
    store::put_report(store, "simulation", &body)?;
    Ok(())
}

/// The executive summary of a whole run, in `cfg.report.language`, from the same data as the
/// planner's page ([`super::build_informe`]); nothing without a published forecast.
pub fn executive(store: &mut dyn Store, cfg: &AppConfig) -> Result<(), PipelineError> {
    let Some(inf) = super::build_informe(store, cfg)? else {
        tracing::info!("no forecast published yet: the executive summary is not written");
        return Ok(());
    };
    let eda: Option<serde_json::Value> = match store.peek(Area::Reports, "eda", "json")? {
        Some(b) => Some(serde_json::from_slice(&b)?),
        None => None,
    };
    let text = crate::executive::render(&inf, eda.as_ref());
    store.put(
        Area::Executive,
        "executive_summary",
        "md",
        text.as_bytes(),
        None,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::{Datelike, Days, NaiveDate, Weekday};
    use core_types::scenario::{FutureChanges, PathForecast, ScenarioForecaster};

    use crate::config::AppConfig;

    /// Demand 100 a day, 0 when closed, ×1.2 on promotion days; two paths.
    struct Flat {
        start: NaiveDate,
        days: u64,
    }

    impl ScenarioForecaster for Flat {
        fn horizon(&self) -> Vec<NaiveDate> {
            (0..self.days).map(|i| self.start + Days::new(i)).collect()
        }
        fn model_inputs(&self) -> Vec<String> {
            vec!["promocion".into()]
        }
        fn forecast(
            &self,
            c: &FutureChanges,
        ) -> Result<PathForecast, core_types::scenario::ScenarioError> {
            let dates = self.horizon();
            let point: Vec<f64> = dates
                .iter()
                .map(|d| {
                    if c.closures.contains(d) {
                        0.0
                    } else if c.promotions.iter().any(|p| p.0 == *d) {
                        120.0
                    } else {
                        100.0
                    }
                })
                .collect();
            let paths = vec![point.iter().map(|v| v * 0.9).collect(), point.clone()];
            Ok(PathForecast {
                dates,
                point,
                paths,
            })
        }
    }

    fn default_scenarios() -> AppConfig {
        AppConfig::shipped().unwrap()
    }

    fn run(start: NaiveDate, days: u64) -> simulator::Simulation {
        let cfg = default_scenarios();
        simulator::simulate(
            &Flat { start, days },
            &cfg.simulate.scenarios,
            &cfg.forecast.intervals.percents(),
            cfg.plan.descuento_por_defecto,
        )
        .unwrap()
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// The default scenarios are relative to the horizon: on the Kiel bakery's hold-out horizon
    /// (2018-01-28 to 2018-07-31) every one of them runs, on the days its description names.
    #[test]
    fn default_scenarios_run_on_a_horizon_starting_2018_01_28() {
        let sim = run(d(2018, 1, 28), 185);
        assert!(sim.omitidos.is_empty(), "{:?}", sim.omitidos);
        assert_eq!(sim.escenarios.len(), 4);
        let by = |n: &str| sim.escenarios.iter().find(|s| s.nombre == n).unwrap();
        let changed = |n: &str| -> Vec<NaiveDate> {
            by(n)
                .diario
                .iter()
                .filter(|r| r.delta.valor != 0.0)
                .map(|r| r.fecha)
                .collect()
        };
        // Saturdays of February 2018, the first complete month.
        assert_eq!(
            changed("promocion_sabados_primer_mes"),
            [3, 10, 17, 24].map(|x| d(2018, 2, x))
        );
        assert_eq!(changed("cierre_primer_dia"), [d(2018, 1, 28)]);
        let march: Vec<NaiveDate> = (1..=31).map(|x| d(2018, 3, x)).collect();
        assert_eq!(changed("promocion_tercer_mes"), march);
        assert_eq!(changed("choque_tercer_mes"), march);
        for s in &sim.escenarios {
            assert!(
                s.notas.iter().all(|n| !n.contains("omitida")),
                "{:?}",
                s.notas
            );
            assert!(
                !s.descripcion.chars().any(|c| c.is_ascii_digit())
                    || s.descripcion.contains("0.38")
            );
        }
    }

    /// On the demo's default horizon (from 2025-12-01) the defaults ask what they asked when
    /// they were dates: the Saturdays of December, and February 2026 as the third month.
    #[test]
    fn default_scenarios_on_the_demo_horizon() {
        let sim = run(d(2025, 12, 1), 185);
        assert!(sim.omitidos.is_empty());
        let sat = &sim.escenarios[0];
        assert_eq!(sat.dias_afectados, 4);
        assert!(sat
            .diario
            .iter()
            .filter(|r| r.delta.valor != 0.0)
            .all(|r| r.fecha.month() == 12 && r.fecha.weekday() == Weekday::Sat));
        assert!(sim.escenarios.iter().all(|s| s
            .notas
            .iter()
            .all(|n| !n.contains("omitida") && !n.contains("recortada"))));
    }

    /// Any horizon start, and a horizon too short for the third month: phase 07's library call
    /// never fails on the defaults; what does not fit is skipped with a Spanish reason.
    #[test]
    fn default_scenarios_never_fail_and_skip_what_the_horizon_lacks() {
        for offset in (0..800).step_by(7) {
            let start = d(2017, 1, 1) + Days::new(offset);
            let sim = run(start, 185);
            assert!(sim.omitidos.is_empty(), "{start}: {:?}", sim.omitidos);
        }
        let sim = run(d(2018, 1, 28), 30);
        let skipped: Vec<&str> = sim.omitidos.iter().map(|o| o.nombre.as_str()).collect();
        assert_eq!(skipped, ["promocion_tercer_mes", "choque_tercer_mes"]);
        assert_eq!(
            sim.omitidos[0].motivo,
            "no se simula: ninguna de sus intervenciones cae en el horizonte (2018-01-28 a 2018-02-26)"
        );
        assert!(sim.omitidos[0].notas[0].contains("2018-03-01 a 2018-03-31"));
        // February 2018 is cut at the 26th: still all four Saturdays, noted as clipped.
        let sat = &sim.escenarios[0];
        assert_eq!(sat.dias_afectados, 4);
        assert!(
            sat.notas[0].contains("recortada al horizonte"),
            "{:?}",
            sat.notas
        );
    }
}
