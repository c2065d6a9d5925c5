//! Phase 07: what-if scenarios from config, answered by the champion (see `crates/simulator`).

use chrono::NaiveDate;
use plotters::style::RGBColor;
use serde::Serialize;

use crate::run::RunContext;

/// Body of the phase 07 report.
#[derive(Debug, Clone, Serialize)]
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

/// Runs phase 07.
pub fn run(ctx: &mut RunContext) -> anyhow::Result<()> {
    let service = crate::inputs::read_champion(ctx)?;
    let art = service.artifact().clone();
    let until = art.trained_until;
    let days = ctx.cfg.run.horizon.days() as usize;
    // The champion records the calendar, features and plan it was trained with; phase 04's
    // report stands in for a hand-built champion that records none.
    let applied = if art.context.is_none() {
        Some(crate::inputs::read_features_report(ctx)?)
    } else {
        None
    };
    let processed = ctx.cfg.paths.processed.clone();
    let (future, _) =
        crate::inputs::read_layer(ctx, &processed, "future_latest.parquet", "04 features")?;
    let levels = ctx.cfg.forecast.intervals.levels.clone();
    let sim = pipeline::flow::simulate(service, &future, &ctx.cfg, applied.as_ref())?;
    let dir = ctx.root.join(&ctx.cfg.paths.outputs).join("simulations");
    let mut archivos = Vec::new();
    for s in &sim.escenarios {
        for (kind, text) in [
            ("diario", pipeline::tables::scenario_daily_csv(s, &levels)?),
            (
                "mensual",
                pipeline::tables::scenario_monthly_csv(s, &levels)?,
            ),
        ] {
            let name = format!("escenario_{}_{kind}", s.nombre);
            ctx.writer.write_dual(&dir, &name, "csv", &text, None)?;
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
    let summary = serde_json::to_vec_pretty(&ctx.envelope(
        "simulation_summary",
        &serde_json::json!({"escenarios": resumen, "omitidos": sim.omitidos}),
    ))?;
    ctx.writer
        .write_dual(&dir, "resumen", "json", &summary, None)?;
    archivos.push("resumen_latest.json".into());
    // Figures: each scenario against the baseline over the months it touches, and the
    // monthly deltas of every scenario side by side.
    let fig_dir = ctx.root.join(&ctx.cfg.paths.outputs).join("figures");
    let palette = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
    ];
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
        let png = crate::figures::line_chart(
            &format!("Escenario {} frente a la base", s.nombre),
            &labels,
            &[
                (
                    "base",
                    rows.iter().map(|d| Some(d.base)).collect(),
                    RGBColor(60, 60, 60),
                ),
                (
                    s.nombre.as_str(),
                    rows.iter().map(|d| Some(d.escenario.valor)).collect(),
                    RGBColor(214, 39, 40),
                ),
            ],
            &[],
        )?;
        let name = format!("sim_{}", s.nombre);
        ctx.writer.write_dual(&fig_dir, &name, "png", &png, None)?;
        archivos.push(format!("{name}_latest.png"));
    }
    if let Some(first) = sim.escenarios.first() {
        let months: Vec<String> = first.mensual.iter().map(|m| m.mes.clone()).collect();
        let groups: Vec<(&str, Vec<Option<f64>>, RGBColor)> = sim
            .escenarios
            .iter()
            .enumerate()
            .map(|(k, s)| {
                (
                    s.nombre.as_str(),
                    s.mensual.iter().map(|m| Some(m.delta.valor)).collect(),
                    palette[k % palette.len()],
                )
            })
            .collect();
        let png = crate::figures::bar_chart(
            "Cambio mensual frente a la base (unidades)",
            &months,
            &groups,
            Some(0.0),
        )?;
        ctx.writer
            .write_dual(&fig_dir, "sim_deltas_mensuales", "png", &png, None)?;
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
        n_boot: ctx.cfg.forecast.intervals.n_boot,
        seed: ctx.cfg.run.seed,
        resumen,
        omitidos: sim.omitidos.clone(),
        base_total: sim.base_total,
        archivos,
    };
    ctx.write_report("simulation", &body)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use chrono::{Datelike, Days, NaiveDate, Weekday};
    use core_types::scenario::{FutureChanges, PathForecast, ScenarioForecaster};

    use crate::config::{AppConfig, LoadOptions};

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
        fn forecast(&self, c: &FutureChanges) -> Result<PathForecast, String> {
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
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        AppConfig::load(root, &LoadOptions::default()).unwrap()
    }

    fn run(start: NaiveDate, days: u64) -> simulator::Simulation {
        let cfg = default_scenarios();
        simulator::simulate(
            &Flat { start, days },
            &cfg.simulate.scenarios,
            &cfg.forecast.intervals.levels,
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
