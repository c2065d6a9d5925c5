//! # simulator
//!
//! What-if scenarios over the forecast horizon, answered with the champion model rather than
//! with guesses. A scenario is data (config): typed interventions over date spans, optionally
//! restricted to weekdays ("every Saturday of December"). Interventions the model can know
//! about (promotions, closures, festivos, payday and prima dates, extra exogenous columns)
//! become [`FutureChanges`] that a [`ScenarioForecaster`] turns into a new forecast through
//! the features crate's one projection function; demand shocks the model cannot know are
//! applied to the resulting paths. Every scenario is compared with the baseline path by path —
//! both use the same seed, so the residual draws are paired and the delta's interval reflects
//! the scenario, not noise.
//!
//! The simulator depends only on the [`ScenarioForecaster`] trait (core-types): its tests use
//! a fake forecaster; the pipeline plugs in the champion.
//!
//! ## Which days
//!
//! An intervention names its days with `en: <day>` (one day or one month) or with
//! `desde: <day>, hasta: <day>` (from the start of the first to the end of the second),
//! optionally only on some weekdays (`dias_semana: [sabado]`). A day ([`Dia`]) is a date or a
//! map relative to the horizon, so the same scenario works on any data's horizon:
//!
//! | day | means |
//! |---|---|
//! | `2025-12-24` | that date |
//! | `{dia: 1}` | the first day of the horizon (`{dia: 10}` the tenth, `{dia: -1}` the last) |
//! | `{dia_semana: sabado, n: 1}` | the horizon's first Saturday (`n: -1`: its last) |
//! | `{mes: 3}` | the 3rd calendar month of the horizon (month 1 holds its first day), whole |
//! | `{mes: 1, completo: true}` | the first month the horizon covers completely |
//! | `{mes: diciembre}` | the first December from the horizon's first month on |
//! | `{mes: 3, dia: 15}` | the 15th of that month (`dia: -1`: its last day) |
//! | `{mes: 3, dia_semana: sabado, n: 1}` | the first Saturday of that month (`n: -1`: the last) |
//!
//! ```yaml
//! - {tipo: promocion, en: {mes: 1, completo: true}, dias_semana: [sabado], descuento_pct: 20}
//! - {tipo: cierre, en: {dia: 1}}
//! - {tipo: choque, desde: {mes: 3}, hasta: {mes: 4}, factor: 0.38}
//! - {tipo: festivo, en: {mes: diciembre, dia: 24}}
//! - {tipo: promocion, desde: 2025-12-01, hasta: 2025-12-31}   # absolute dates still work
//! ```
//!
//! Days are counted on the calendar and then clipped to the horizon. Days partly outside it
//! are clipped, days wholly outside skip the intervention; both leave a Spanish note in the
//! scenario's `notas`. A scenario whose every intervention is skipped is not simulated and is
//! listed in [`Simulation::omitidos`] with the reason: a scenario never fails a run because of
//! the horizon. Settings wrong whatever the horizon stay errors naming
//! `simulate.scenarios[i].intervenciones[j].field` ([`check`] finds them without a horizon):
//! `hasta` before `desde` (when that does not depend on the horizon), `dia: 0`, `n` without
//! `dia_semana`, day 30 of `febrero`, an unknown weekday or month, `factor <= 0`, ...
#![forbid(unsafe_code)]

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use core_types::scenario::{FutureChanges, PathForecast, ScenarioForecaster};
use core_types::stats::quantile_sorted;
use serde::{Deserialize, Serialize};

mod dias;
pub use dias::{Dia, DiaSemana, Dias, Expansion, Horizonte, Mes, NombreMes, Relativo};

/// Version of this crate, recorded in run manifests.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Errors of the simulator; configuration errors name the scenario and field.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SimError {
    /// A scenario setting that cannot be used.
    #[error("invalid setting `{key}`: {message}")]
    InvalidConfig {
        /// `simulate.scenarios[i].intervenciones[j].field`.
        key: String,
        /// Why.
        message: String,
    },
    /// The forecaster failed.
    #[error("forecast failed for scenario `{scenario}`: {source}")]
    Forecast {
        /// Scenario (or `baseline`).
        scenario: String,
        /// The forecaster's error.
        source: std::sync::Arc<dyn std::error::Error + Send + Sync>,
    },
}

/// A typed intervention (`tipo` in config).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "tipo", rename_all = "snake_case", deny_unknown_fields)]
pub enum Intervention {
    /// A promotion on (or, with `activa: false`, cancelled on) the days.
    Promocion {
        /// The days.
        #[serde(flatten)]
        dias: Dias,
        /// Discount in percent (`null`: the plan's default).
        #[serde(default)]
        descuento_pct: Option<f64>,
        /// `false` cancels planned promotions on those days.
        #[serde(default = "yes")]
        activa: bool,
    },
    /// The shop closes (forecast 0).
    Cierre {
        /// The days.
        #[serde(flatten)]
        dias: Dias,
    },
    /// An extra festivo (or, with `quitar: true`, a festivo removed).
    Festivo {
        /// The days.
        #[serde(flatten)]
        dias: Dias,
        /// Remove instead of add.
        #[serde(default)]
        quitar: bool,
    },
    /// A demand shock the model cannot know: every path multiplied by `factor` on the days.
    Choque {
        /// The days.
        #[serde(flatten)]
        dias: Dias,
        /// Multiplier (> 0; e.g. 0.38 for a pandemic-like first phase).
        factor: f64,
    },
    /// The first payday of the month moves (quincena).
    Quincena {
        /// New first payday, 1..=28.
        primer_dia: u32,
    },
    /// A prima deadline moves.
    Prima {
        /// Month of the deadline (1..=12).
        mes: u32,
        /// New day.
        dia: u32,
    },
    /// An extra exogenous column set to a value on the days.
    Exogena {
        /// Column (an extra source column the model uses).
        columna: String,
        /// Value.
        valor: f64,
        /// The days.
        #[serde(flatten)]
        dias: Dias,
    },
}

fn yes() -> bool {
    true
}

/// A named scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Name (used in file names: letters, digits, `_`, `-`).
    pub nombre: String,
    /// What it asks, for the reports.
    #[serde(default)]
    pub descripcion: String,
    /// Interventions.
    pub intervenciones: Vec<Intervention>,
}

/// Phase 07 settings (`simulate` in config): the scenarios, in order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulateConfig {
    /// The scenarios.
    pub scenarios: Vec<Scenario>,
}

impl Intervention {
    /// The `tipo` as written in config.
    pub fn tipo(&self) -> &'static str {
        match self {
            Intervention::Promocion { .. } => "promocion",
            Intervention::Cierre { .. } => "cierre",
            Intervention::Festivo { .. } => "festivo",
            Intervention::Choque { .. } => "choque",
            Intervention::Quincena { .. } => "quincena",
            Intervention::Prima { .. } => "prima",
            Intervention::Exogena { .. } => "exogena",
        }
    }

    /// The days it touches, for the interventions that have days.
    pub fn dias(&self) -> Option<&Dias> {
        match self {
            Intervention::Promocion { dias, .. }
            | Intervention::Cierre { dias }
            | Intervention::Festivo { dias, .. }
            | Intervention::Choque { dias, .. }
            | Intervention::Exogena { dias, .. } => Some(dias),
            Intervention::Quincena { .. } | Intervention::Prima { .. } => None,
        }
    }

    /// Checks what is wrong whatever the horizon; `key` is
    /// `simulate.scenarios[i].intervenciones[j]`.
    fn check(&self, key: &str, default_discount: f64) -> Result<(), SimError> {
        if let Some(d) = self.dias() {
            d.check(key)?;
        }
        match self {
            Intervention::Promocion { descuento_pct, .. } => {
                let disc = descuento_pct.unwrap_or(default_discount);
                if !(0.0..100.0).contains(&disc) {
                    return Err(bad(
                        format!("{key}.descuento_pct"),
                        format!("expected 0 <= x < 100, got {disc}"),
                    ));
                }
            }
            Intervention::Choque { factor, .. } => {
                if !(factor.is_finite() && *factor > 0.0) {
                    return Err(bad(
                        format!("{key}.factor"),
                        format!("expected a positive number, got {factor}"),
                    ));
                }
            }
            Intervention::Quincena { primer_dia } => {
                if !(1..=28).contains(primer_dia) {
                    return Err(bad(
                        format!("{key}.primer_dia"),
                        format!("expected 1..=28, got {primer_dia}"),
                    ));
                }
            }
            Intervention::Prima { mes, dia } => {
                if NaiveDate::from_ymd_opt(2024, *mes, *dia).is_none() {
                    return Err(bad(
                        format!("{key}.dia"),
                        format!("{mes}/{dia} is not a date"),
                    ));
                }
            }
            Intervention::Exogena { columna, valor, .. } => {
                if columna.is_empty() {
                    return Err(bad(format!("{key}.columna"), "a column name is needed"));
                }
                if !valor.is_finite() {
                    return Err(bad(format!("{key}.valor"), "must be a finite number"));
                }
            }
            Intervention::Cierre { .. } | Intervention::Festivo { .. } => {}
        }
        Ok(())
    }
}

/// A scenario expanded against a horizon: what the model sees, the shocks on top, and what
/// the horizon clipped or skipped.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Expanded {
    /// Changes to the future inputs.
    pub changes: FutureChanges,
    /// Multiplicative shocks by date.
    pub shocks: BTreeMap<NaiveDate, f64>,
    /// Planner-facing notes (Spanish) on interventions clipped to the horizon or skipped.
    pub notas: Vec<String>,
    /// Every intervention fell outside the horizon: the scenario is skipped, `notas` say why.
    pub omitido: bool,
}

pub(crate) fn bad(key: String, message: impl Into<String>) -> SimError {
    SimError::InvalidConfig {
        key,
        message: message.into(),
    }
}

fn check_name(base: &str, s: &Scenario) -> Result<(), SimError> {
    if s.nombre.is_empty()
        || !s
            .nombre
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(bad(
            format!("{base}.nombre"),
            format!("`{}`: use letters, digits, `_` or `-`", s.nombre),
        ));
    }
    Ok(())
}

/// Expands a scenario's interventions to dates of the horizon. Settings wrong whatever the
/// horizon are errors naming `simulate.scenarios[index].…`; days outside the horizon are not:
/// an intervention partly outside is clipped and one wholly outside skipped, each with a note
/// in [`Expanded::notas`], and a scenario whose every intervention is skipped is
/// [`Expanded::omitido`].
pub fn expand(
    index: usize,
    s: &Scenario,
    horizon: &[NaiveDate],
    default_discount: f64,
) -> Result<Expanded, SimError> {
    let base = format!("simulate.scenarios[{index}]");
    check_name(&base, s)?;
    let h = match (horizon.first(), horizon.last()) {
        (Some(f), Some(l)) => Some(Horizonte {
            first: *f,
            last: *l,
        }),
        _ => None,
    };
    let mut out = Expanded::default();
    let mut skipped = 0;
    for (j, iv) in s.intervenciones.iter().enumerate() {
        let key = format!("{base}.intervenciones[{j}]");
        iv.check(&key, default_discount)?;
        let label = format!("intervención {} ({})", j + 1, iv.tipo());
        let days = match (iv.dias(), &h) {
            (None, _) => Vec::new(),
            (Some(_), None) => {
                out.notas
                    .push(format!("{label} omitida: el horizonte está vacío"));
                skipped += 1;
                continue;
            }
            (Some(d), Some(h)) => match d.expand(h) {
                Expansion::Dias { dias, nota } => {
                    if let Some(n) = nota {
                        out.notas.push(format!("{label} {n}"));
                    }
                    dias
                }
                Expansion::Omitida(why) => {
                    out.notas.push(format!("{label} omitida: {why}"));
                    skipped += 1;
                    continue;
                }
            },
        };
        match iv {
            Intervention::Promocion {
                descuento_pct,
                activa,
                ..
            } => {
                let disc = descuento_pct.unwrap_or(default_discount);
                for d in days {
                    if *activa {
                        out.changes.promotions.push((d, disc));
                    } else {
                        out.changes.promotions_off.push(d);
                    }
                }
            }
            Intervention::Cierre { .. } => out.changes.closures.extend(days),
            Intervention::Festivo { quitar, .. } => {
                if *quitar {
                    out.changes.festivos_remove.extend(days);
                } else {
                    out.changes.festivos_add.extend(days);
                }
            }
            Intervention::Choque { factor, .. } => {
                for d in days {
                    *out.shocks.entry(d).or_insert(1.0) *= factor;
                }
            }
            Intervention::Quincena { primer_dia } => {
                out.changes.quincena_primer_dia = Some(*primer_dia);
            }
            Intervention::Prima { mes, dia } => out.changes.prima_deadlines.push((*mes, *dia)),
            Intervention::Exogena { columna, valor, .. } => {
                for d in days {
                    out.changes.exog.push((columna.clone(), d, *valor));
                }
            }
        }
    }
    out.omitido = skipped > 0 && skipped == s.intervenciones.len();
    if skipped > 0 && !out.omitido {
        out.notas.push(format!(
            "el escenario se simula sin {} de sus {} intervenciones (fuera del horizonte)",
            skipped,
            s.intervenciones.len()
        ));
    }
    Ok(out)
}

/// Checks every scenario without a horizon: names (valid, unique) and every setting that is
/// wrong whatever the horizon. What [`expand`] refuses, this refuses, so a config can be
/// checked before anything runs.
pub fn check(scenarios: &[Scenario], default_discount: f64) -> Result<(), SimError> {
    let mut seen = std::collections::BTreeSet::new();
    for (i, s) in scenarios.iter().enumerate() {
        let base = format!("simulate.scenarios[{i}]");
        if !seen.insert(s.nombre.as_str()) {
            return Err(bad(
                format!("{base}.nombre"),
                format!("`{}` is used twice", s.nombre),
            ));
        }
        check_name(&base, s)?;
        for (j, iv) in s.intervenciones.iter().enumerate() {
            iv.check(&format!("{base}.intervenciones[{j}]"), default_discount)?;
        }
    }
    Ok(())
}

/// Checks every scenario (names unique, interventions valid) against the horizon without
/// forecasting. Days outside the horizon are not errors (see [`expand`]).
pub fn validate(
    scenarios: &[Scenario],
    horizon: &[NaiveDate],
    default_discount: f64,
) -> Result<(), SimError> {
    check(scenarios, default_discount)?;
    for (i, s) in scenarios.iter().enumerate() {
        expand(i, s, horizon, default_discount)?;
    }
    Ok(())
}

/// A value with its interval bounds per level.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Banded {
    /// Central value.
    pub valor: f64,
    /// `(level, lower, upper)`.
    pub bandas: Vec<(f64, f64, f64)>,
}

/// One day of a scenario.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct DayRow {
    /// Date.
    pub fecha: NaiveDate,
    /// The scenario's forecast.
    pub escenario: Banded,
    /// The baseline's point forecast.
    pub base: f64,
    /// Scenario − baseline, with an interval from the paired paths.
    pub delta: Banded,
    /// Delta in percent of the baseline (`null` when the baseline is 0).
    pub delta_pct: Option<f64>,
}

/// One month of a scenario.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct MonthRow {
    /// `YYYY-MM`.
    pub mes: String,
    /// Days of the horizon in the month.
    pub dias: u32,
    /// Whether the horizon covers only part of the month.
    pub parcial: bool,
    /// The scenario's total.
    pub escenario: Banded,
    /// The baseline's total.
    pub base: f64,
    /// Scenario − baseline, with an interval from the paired summed paths.
    pub delta: Banded,
    /// Delta in percent.
    pub delta_pct: Option<f64>,
}

/// The result of one scenario.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ScenarioResult {
    /// Name.
    pub nombre: String,
    /// Description.
    pub descripcion: String,
    /// Days the interventions touch.
    pub dias_afectados: usize,
    /// Whether the model's forecast changed before shocks (false: the champion does not use
    /// what these interventions change).
    pub efecto_modelado: bool,
    /// Notes for the reader.
    pub notas: Vec<String>,
    /// Total over the horizon.
    pub total: MonthRow,
    /// Daily rows.
    pub diario: Vec<DayRow>,
    /// Monthly rows.
    pub mensual: Vec<MonthRow>,
}

/// Every scenario against the baseline.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Simulation {
    /// Levels of the intervals (percent).
    pub niveles: Vec<f64>,
    /// Baseline total over the horizon.
    pub base_total: f64,
    /// Scenarios simulated, in config order.
    pub escenarios: Vec<ScenarioResult>,
    /// Scenarios skipped because none of their interventions falls in the horizon.
    pub omitidos: Vec<Omitido>,
}

/// A scenario that was not simulated, and why (planner-facing Spanish).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Omitido {
    /// Name.
    pub nombre: String,
    /// Description.
    pub descripcion: String,
    /// Why, in one sentence.
    pub motivo: String,
    /// One note per intervention.
    pub notas: Vec<String>,
}

fn band(sorted: &[f64], valor: f64, levels: &[f64]) -> Banded {
    Banded {
        valor,
        bandas: levels
            .iter()
            .map(|l| {
                let (lo, hi) = ((100.0 - l) / 2.0 / 100.0, (100.0 + l) / 2.0 / 100.0);
                (*l, quantile_sorted(sorted, lo), quantile_sorted(sorted, hi))
            })
            .collect(),
    }
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

fn pct(delta: f64, base: f64) -> Option<f64> {
    (base != 0.0).then(|| 100.0 * delta / base)
}

fn month_row(
    key: String,
    idx: &[usize],
    complete: bool,
    sc: &PathForecast,
    base: &PathForecast,
    levels: &[f64],
) -> MonthRow {
    let sum = |v: &[f64]| idx.iter().map(|i| v[*i]).sum::<f64>();
    let s_point = sum(&sc.point);
    let b_point = sum(&base.point);
    let s_paths: Vec<f64> = sc.paths.iter().map(|p| sum(p)).collect();
    let d_paths: Vec<f64> = sc
        .paths
        .iter()
        .zip(&base.paths)
        .map(|(p, q)| sum(p) - sum(q))
        .collect();
    MonthRow {
        mes: key,
        dias: idx.len() as u32,
        parcial: !complete,
        escenario: band(&sorted(s_paths), s_point, levels),
        base: b_point,
        delta: band(&sorted(d_paths), s_point - b_point, levels),
        delta_pct: pct(s_point - b_point, b_point),
    }
}

fn days_in_month(d: NaiveDate) -> u32 {
    let (y, m) = (d.year(), d.month());
    let next = if m == 12 {
        NaiveDate::from_ymd_opt(y + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(y, m + 1, 1)
    };
    next.and_then(|n| n.pred_opt()).map_or(31, |d| d.day())
}

/// Compares one scenario's forecast with the baseline.
pub fn compare(
    s: &Scenario,
    expanded: &Expanded,
    forecast: &PathForecast,
    base: &PathForecast,
    levels: &[f64],
) -> ScenarioResult {
    let mut sc = forecast.clone();
    for (i, d) in sc.dates.iter().enumerate() {
        if let Some(f) = expanded.shocks.get(d) {
            sc.point[i] *= f;
            for p in sc.paths.iter_mut() {
                p[i] *= f;
            }
        }
    }
    let n = sc.dates.len();
    let diario = (0..n)
        .map(|i| {
            let s_vals = sorted(sc.paths.iter().map(|p| p[i]).collect());
            let d_vals = sorted(
                sc.paths
                    .iter()
                    .zip(&base.paths)
                    .map(|(p, q)| p[i] - q[i])
                    .collect(),
            );
            let delta = sc.point[i] - base.point[i];
            DayRow {
                fecha: sc.dates[i],
                escenario: band(&s_vals, sc.point[i], levels),
                base: base.point[i],
                delta: band(&d_vals, delta, levels),
                delta_pct: pct(delta, base.point[i]),
            }
        })
        .collect();
    let mut months: BTreeMap<(i32, u32), Vec<usize>> = BTreeMap::new();
    for (i, d) in sc.dates.iter().enumerate() {
        months.entry((d.year(), d.month())).or_default().push(i);
    }
    let mensual = months
        .iter()
        .map(|((y, m), idx)| {
            let complete = idx.len() as u32 == days_in_month(sc.dates[idx[0]]);
            month_row(format!("{y:04}-{m:02}"), idx, complete, &sc, base, levels)
        })
        .collect();
    let all: Vec<usize> = (0..n).collect();
    let total = month_row("total".into(), &all, true, &sc, base, levels);
    let mut touched: std::collections::BTreeSet<NaiveDate> =
        expanded.shocks.keys().copied().collect();
    let c = &expanded.changes;
    touched.extend(c.promotions.iter().map(|p| p.0));
    touched.extend(c.promotions_off.iter().copied());
    touched.extend(c.closures.iter().copied());
    touched.extend(c.festivos_add.iter().copied());
    touched.extend(c.festivos_remove.iter().copied());
    touched.extend(c.exog.iter().map(|e| e.1));
    let efecto_modelado = c.is_empty() || forecast.point != base.point;
    let mut notas = expanded.notas.clone();
    if !c.is_empty() && !efecto_modelado {
        notas.push(
            "sin efecto modelado: el modelo campeón no usa las variables que cambian estas \
             intervenciones, así que el pronóstico no se mueve (no es un efecto cero medido)"
                .to_string(),
        );
    }
    if !expanded.shocks.is_empty() {
        notas.push(
            "los choques se aplican como factores sobre las trayectorias: el modelo no los \
             conoce"
                .to_string(),
        );
    }
    ScenarioResult {
        nombre: s.nombre.clone(),
        descripcion: s.descripcion.clone(),
        dias_afectados: touched.len(),
        efecto_modelado,
        notas,
        total,
        diario,
        mensual,
    }
}

/// Runs every scenario against the baseline with `forecaster` (interval levels in percent).
pub fn simulate(
    forecaster: &dyn ScenarioForecaster,
    scenarios: &[Scenario],
    levels: &[f64],
    default_discount: f64,
) -> Result<Simulation, SimError> {
    let horizon = forecaster.horizon();
    validate(scenarios, &horizon, default_discount)?;
    let base = forecaster
        .forecast(&FutureChanges::default())
        .map_err(|e| SimError::Forecast {
            scenario: "baseline".into(),
            source: e.into(),
        })?;
    let mut escenarios = Vec::with_capacity(scenarios.len());
    let mut omitidos = Vec::new();
    for (i, s) in scenarios.iter().enumerate() {
        let ex = expand(i, s, &horizon, default_discount)?;
        if ex.omitido {
            let span = match (horizon.first(), horizon.last()) {
                (Some(f), Some(l)) => format!(" ({f} a {l})"),
                _ => String::new(),
            };
            omitidos.push(Omitido {
                nombre: s.nombre.clone(),
                descripcion: s.descripcion.clone(),
                motivo: format!(
                    "no se simula: ninguna de sus intervenciones cae en el horizonte{span}"
                ),
                notas: ex.notas,
            });
            continue;
        }
        let fc = if ex.changes.is_empty() {
            base.clone()
        } else {
            forecaster
                .forecast(&ex.changes)
                .map_err(|e| SimError::Forecast {
                    scenario: s.nombre.clone(),
                    source: e.into(),
                })?
        };
        escenarios.push(compare(s, &ex, &fc, &base, levels));
    }
    Ok(Simulation {
        niveles: levels.to_vec(),
        base_total: base.point.iter().sum(),
        escenarios,
        omitidos,
    })
}
