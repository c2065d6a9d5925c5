//! Phase 07: what-if scenarios from config, answered by the champion (see `crates/simulator`).

use anyhow::Context as _;
use chrono::NaiveDate;
use plotters::style::RGBColor;
use serde::Serialize;

use crate::artifacts::FileRecord;
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
    /// Baseline total.
    pub base_total: f64,
    /// Files written.
    pub archivos: Vec<String>,
}

fn bands_header(prefix: &str, levels: &[f64]) -> String {
    levels
        .iter()
        .map(|l| format!(",{prefix}_inferior_{l},{prefix}_superior_{l}"))
        .collect()
}

fn bands(b: &simulator::Banded) -> String {
    b.bandas
        .iter()
        .map(|(_, lo, hi)| format!(",{lo},{hi}"))
        .collect()
}

fn opt(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// Daily CSV of one scenario.
pub fn daily_csv(s: &simulator::ScenarioResult, levels: &[f64]) -> String {
    let mut out = format!(
        "fecha,unidades_base,unidades_escenario{},delta,delta_pct{}\n",
        bands_header("limite", levels),
        bands_header("delta", levels)
    );
    for d in &s.diario {
        out.push_str(&format!(
            "{},{},{}{},{},{}{}\n",
            d.fecha,
            d.base,
            d.escenario.valor,
            bands(&d.escenario),
            d.delta.valor,
            opt(d.delta_pct),
            bands(&d.delta)
        ));
    }
    out
}

/// Monthly CSV of one scenario.
pub fn monthly_csv(s: &simulator::ScenarioResult, levels: &[f64]) -> String {
    let mut out = format!(
        "mes,dias,parcial,unidades_base,unidades_escenario{},delta,delta_pct{}\n",
        bands_header("limite", levels),
        bands_header("delta", levels)
    );
    for m in &s.mensual {
        out.push_str(&format!(
            "{},{},{},{},{}{},{},{}{}\n",
            m.mes,
            m.dias,
            m.parcial,
            m.base,
            m.escenario.valor,
            bands(&m.escenario),
            m.delta.valor,
            opt(m.delta_pct),
            bands(&m.delta)
        ));
    }
    out
}

/// Runs phase 07.
pub fn run(ctx: &mut RunContext) -> anyhow::Result<()> {
    let artifact_path = ctx
        .root
        .join(&ctx.cfg.paths.outputs)
        .join("models")
        .join("champion_latest.json");
    anyhow::ensure!(
        artifact_path.is_file(),
        "no champion at {}: run phase 05 train first",
        crate::artifacts::relative(&ctx.root, &artifact_path)
    );
    let bytes = std::fs::read(&artifact_path)?;
    ctx.record_inputs(&[FileRecord::read(&ctx.root, &artifact_path, None)?]);
    let service = forecaster::Forecaster::from_json(&bytes, None)?;
    let art = service.artifact().clone();
    let origin: NaiveDate = art.trained_from.parse().context("artifact trained_from")?;
    let until: NaiveDate = art
        .trained_until
        .parse()
        .context("artifact trained_until")?;
    let days = ctx.cfg.run.horizon.days() as usize;
    let runner = forecaster::scenario::PlanForecaster {
        service,
        calendar: ctx.cfg.calendar.clone(),
        features: ctx.cfg.features.clone(),
        plan: ctx.cfg.plan.clone(),
        origin,
        start: until + chrono::Days::new(1),
        days,
        intervals: ctx.cfg.forecast.intervals.clone(),
        seed: ctx.cfg.run.seed,
    };
    let levels = ctx.cfg.forecast.intervals.levels.clone();
    let sim = simulator::simulate(
        &runner,
        &ctx.cfg.simulate.scenarios,
        &levels,
        ctx.cfg.plan.descuento_por_defecto,
    )?;
    let dir = ctx.root.join(&ctx.cfg.paths.outputs).join("simulations");
    let mut archivos = Vec::new();
    for s in &sim.escenarios {
        for (kind, text) in [
            ("diario", daily_csv(s, &levels)),
            ("mensual", monthly_csv(s, &levels)),
        ] {
            let name = format!("escenario_{}_{kind}", s.nombre);
            ctx.writer
                .write_dual(&dir, &name, "csv", text.as_bytes(), None)?;
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
    let summary = serde_json::to_vec_pretty(&ctx.envelope("simulation_summary", &resumen))?;
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
        base_total: sim.base_total,
        archivos,
    };
    ctx.write_report("simulation", &body)?;
    Ok(())
}
