//! The simulator against a fake forecaster: empty scenarios reproduce the baseline exactly,
//! interventions and shocks move what they should, paired paths give the delta's interval,
//! an intervention the model ignores is reported as having no modelled effect, and every
//! configuration error names the scenario and field.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use core_types::scenario::{FutureChanges, PathForecast, ScenarioForecaster};
use proptest::prelude::*;
use simulator::{simulate, Scenario, SimError};

/// Demand 100 (Saturdays 130); a promotion multiplies by 1.25, a closure gives 0; paths are
/// the point times a deterministic wobble (the same wobble for every scenario, as a shared
/// seed gives).
struct Fake {
    start: NaiveDate,
    days: usize,
    n_paths: usize,
    uses_promo: bool,
}

impl ScenarioForecaster for Fake {
    fn horizon(&self) -> Vec<NaiveDate> {
        (0..self.days as u64)
            .map(|i| self.start + Days::new(i))
            .collect()
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
                let mut v = if d.weekday() == Weekday::Sat {
                    130.0
                } else {
                    100.0
                };
                if self.uses_promo && c.promotions.iter().any(|p| p.0 == *d) {
                    v *= 1.25;
                }
                if c.closures.contains(d) {
                    v = 0.0;
                }
                v
            })
            .collect();
        let paths = (0..self.n_paths)
            .map(|j| {
                point
                    .iter()
                    .enumerate()
                    .map(|(i, v)| v * (1.0 + 0.02 * (((j * 7 + i * 3) % 11) as f64 - 5.0)))
                    .collect()
            })
            .collect();
        Ok(PathForecast {
            dates,
            point,
            paths,
        })
    }
}

fn fake() -> Fake {
    Fake {
        start: NaiveDate::from_ymd_opt(2026, 1, 15).unwrap(),
        days: 90,
        n_paths: 40,
        uses_promo: true,
    }
}

fn scenarios(yaml: &str) -> Vec<Scenario> {
    serde_yaml::from_str(yaml).unwrap()
}

const SCENARIOS: &str = r#"
- nombre: promocion_marzo
  descripcion: promoción todos los días de marzo
  intervenciones:
    - {tipo: promocion, desde: 2026-03-01, hasta: 2026-03-31, descuento_pct: 20}
- nombre: sabados_febrero_y_cierre
  intervenciones:
    - {tipo: promocion, desde: 2026-02-01, hasta: 2026-02-28, dias_semana: [sabado]}
    - {tipo: cierre, desde: 2026-02-02, hasta: 2026-02-02}
- nombre: choque_marzo
  intervenciones:
    - {tipo: choque, desde: 2026-03-01, hasta: 2026-03-31, factor: 0.5}
- nombre: nada
  intervenciones: []
"#;

#[test]
fn interventions_shocks_and_paired_deltas() {
    let sim = simulate(&fake(), &scenarios(SCENARIOS), &[80.0, 95.0], 15.0).unwrap();
    let by = |n: &str| sim.escenarios.iter().find(|s| s.nombre == n).unwrap();
    // Promotion every day of March: the March total moves by exactly 1.25 in the fake.
    let promo = by("promocion_marzo");
    let march = promo.mensual.iter().find(|m| m.mes == "2026-03").unwrap();
    assert!((march.escenario.valor / march.base - 1.25).abs() < 1e-12);
    assert!((march.delta_pct.unwrap() - 25.0).abs() < 1e-9);
    assert!(!march.parcial);
    assert_eq!(promo.dias_afectados, 31);
    assert!(promo.efecto_modelado);
    // January is untouched: zero delta with a zero-width interval (paired paths).
    let jan = promo.mensual.iter().find(|m| m.mes == "2026-01").unwrap();
    assert!(jan.parcial, "the horizon starts on 15 January");
    assert_eq!(jan.delta.valor, 0.0);
    assert!(jan.delta.bandas.iter().all(|b| b.1 == 0.0 && b.2 == 0.0));
    // The delta's interval is the spread of paired differences, not of two independent sets.
    let (_, lo, hi) = march.delta.bandas[0];
    assert!(lo > 0.0 && hi > lo);
    // Saturdays only, plus a closure that forecasts 0.
    let sat = by("sabados_febrero_y_cierre");
    assert_eq!(sat.dias_afectados, 4 + 1);
    let closed = sat
        .diario
        .iter()
        .find(|d| d.fecha == NaiveDate::from_ymd_opt(2026, 2, 2).unwrap())
        .unwrap();
    assert_eq!(closed.escenario.valor, 0.0);
    assert_eq!(closed.delta_pct, Some(-100.0));
    // A shock halves March in every path.
    let shock = by("choque_marzo");
    let m = shock.mensual.iter().find(|m| m.mes == "2026-03").unwrap();
    assert!((m.escenario.valor / m.base - 0.5).abs() < 1e-12);
    assert!(shock.notas.iter().any(|n| n.contains("choques")));
    // The empty scenario is the baseline.
    let nada = by("nada");
    assert_eq!(nada.total.escenario.valor, sim.base_total);
    assert_eq!(nada.total.delta.valor, 0.0);
}

#[test]
fn an_intervention_the_model_ignores_is_reported_not_shown_as_zero() {
    let f = Fake {
        uses_promo: false,
        ..fake()
    };
    let sim = simulate(&f, &scenarios(SCENARIOS)[..1], &[80.0], 15.0).unwrap();
    let s = &sim.escenarios[0];
    assert!(!s.efecto_modelado);
    assert!(s.notas[0].contains("sin efecto modelado"), "{:?}", s.notas);
}

fn err(yaml: &str) -> String {
    match simulate(&fake(), &scenarios(yaml), &[80.0], 15.0) {
        Err(SimError::InvalidConfig { key, message }) => format!("{key}: {message}"),
        other => panic!("expected a config error, got {other:?}"),
    }
}

#[test]
fn config_errors_name_the_scenario_and_field() {
    let e = err(
        "- {nombre: a, intervenciones: [{tipo: cierre, desde: 2026-02-10, hasta: 2026-02-01}]}",
    );
    assert!(
        e.starts_with("simulate.scenarios[0].intervenciones[0].hasta"),
        "{e}"
    );
    let e = err("- {nombre: a, intervenciones: []}\n- {nombre: b, intervenciones: [{tipo: choque, en: {mes: 3}, factor: 0}]}");
    assert!(
        e.starts_with("simulate.scenarios[1].intervenciones[0].factor"),
        "{e}"
    );
    let e =
        err("- {nombre: a, intervenciones: [{tipo: cierre, desde: {mes: 3}, hasta: {mes: 2}}]}");
    assert!(
        e.starts_with("simulate.scenarios[0].intervenciones[0].hasta"),
        "{e}"
    );
    let e =
        err("- {nombre: a, intervenciones: [{tipo: cierre, en: {mes: 2, dia_semana: sabado}}]}");
    assert!(
        e.starts_with("simulate.scenarios[0].intervenciones[0].en.n"),
        "{e}"
    );
    // Errors do not depend on the horizon: one wholly outside it is still checked.
    let e = err("- {nombre: a, intervenciones: [{tipo: promocion, desde: 2030-01-01, hasta: 2030-01-02, descuento_pct: 120}]}");
    assert!(e.contains(".descuento_pct"), "{e}");
    let e = err("- {nombre: a, intervenciones: [{tipo: promocion, desde: 2026-03-02, hasta: 2026-03-03, dias_semana: [domingo]}]}");
    assert!(e.contains("dias_semana"), "{e}");
    let e = err("- {nombre: a, intervenciones: [{tipo: choque, desde: 2026-03-02, hasta: 2026-03-03, factor: -1}]}");
    assert!(e.contains(".factor"), "{e}");
    let e = err("- {nombre: a, intervenciones: []}\n- {nombre: a, intervenciones: []}");
    assert!(e.starts_with("simulate.scenarios[1].nombre"), "{e}");
    let e = err("- {nombre: 'con espacio', intervenciones: []}");
    assert!(e.contains(".nombre"), "{e}");
    // Unknown intervention types and fields are refused when the config is read.
    let unknown: Result<Vec<Scenario>, _> = serde_yaml::from_str(
        "- {nombre: a, intervenciones: [{tipo: lluvia, desde: 2026-03-01, hasta: 2026-03-02}]}",
    );
    assert!(unknown.unwrap_err().to_string().contains("lluvia"));
    let unknown: Result<Vec<Scenario>, _> =
        serde_yaml::from_str("- {nombre: a, intervenciones: [{tipo: cierre, desde: 2026-03-01, hasta: 2026-03-02, color: rojo}]}");
    assert!(unknown.is_err());
    let unknown: Result<Vec<Scenario>, _> = serde_yaml::from_str(
        "- {nombre: a, intervenciones: [{tipo: promocion, en: {mes: 1}, dias_semana: [sabadito]}]}",
    );
    assert!(unknown.unwrap_err().to_string().contains("sabadito"));
    // `check` refuses the same settings without a horizon.
    let bad = scenarios("- {nombre: a, intervenciones: [{tipo: cierre, en: {dia: 0}}]}");
    assert!(matches!(
        simulator::check(&bad, 15.0),
        Err(SimError::InvalidConfig { key, .. }) if key == "simulate.scenarios[0].intervenciones[0].en.dia"
    ));
}

/// Days outside the horizon never fail the run: wholly outside skips the intervention (and the
/// scenario when nothing is left), partly outside is clipped, each with a note in Spanish.
#[test]
fn days_outside_the_horizon_are_skipped_or_clipped_with_a_note() {
    // The horizon is 2026-01-15..=2026-04-14.
    let sim = simulate(
        &fake(),
        &scenarios(
            r#"
- nombre: diciembre_pasado
  descripcion: promoción en diciembre
  intervenciones:
    - {tipo: promocion, desde: 2025-12-01, hasta: 2025-12-31}
    - {tipo: choque, en: {mes: diciembre}, factor: 0.5}
- nombre: choque_recortado
  intervenciones:
    - {tipo: choque, desde: 2026-04-01, hasta: 2026-09-01, factor: 2}
- nombre: mitad
  intervenciones:
    - {tipo: cierre, en: {dia: 1}}
    - {tipo: cierre, en: {mes: 9}}
"#,
        ),
        &[80.0],
        15.0,
    )
    .unwrap();
    assert_eq!(sim.escenarios.len(), 2);
    let om = &sim.omitidos;
    assert_eq!(om.len(), 1);
    assert_eq!(om[0].nombre, "diciembre_pasado");
    assert_eq!(om[0].descripcion, "promoción en diciembre");
    assert_eq!(
        om[0].motivo,
        "no se simula: ninguna de sus intervenciones cae en el horizonte (2026-01-15 a 2026-04-14)"
    );
    assert_eq!(
        om[0].notas,
        [
            "intervención 1 (promocion) omitida: sus días (2025-12-01 a 2025-12-31) quedan fuera del horizonte (2026-01-15 a 2026-04-14)",
            "intervención 2 (choque) omitida: sus días (2026-12-01 a 2026-12-31) quedan fuera del horizonte (2026-01-15 a 2026-04-14)",
        ]
    );
    let clipped = &sim.escenarios[0];
    assert_eq!(clipped.dias_afectados, 14);
    assert!(
        clipped.notas[0].starts_with("intervención 1 (choque) recortada al horizonte"),
        "{:?}",
        clipped.notas
    );
    let half = &sim.escenarios[1];
    assert_eq!(half.dias_afectados, 1);
    assert_eq!(half.diario[0].escenario.valor, 0.0);
    assert!(half.notas[0].starts_with("intervención 2 (cierre) omitida"));
    assert_eq!(
        half.notas[1],
        "el escenario se simula sin 1 de sus 2 intervenciones (fuera del horizonte)"
    );
}

/// Relative selectors as the planner writes them.
#[test]
fn relative_selectors_pick_the_days_they_name() {
    // 2026-01-15 (a Thursday) + 90 days; month 1 is January (partial), month 2 February.
    let sim = simulate(
        &fake(),
        &scenarios(
            r#"
- nombre: sabados_primer_mes_completo
  intervenciones:
    - {tipo: promocion, en: {mes: 1, completo: true}, dias_semana: [sabado]}
- nombre: primer_sabado_del_tercer_mes
  intervenciones:
    - {tipo: cierre, en: {mes: 3, dia_semana: sabado, n: 1}}
- nombre: dias_10_a_12
  intervenciones:
    - {tipo: cierre, desde: {dia: 10}, hasta: {dia: 12}}
"#,
        ),
        &[80.0],
        15.0,
    )
    .unwrap();
    let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
    let closed = |n: usize| -> Vec<NaiveDate> {
        sim.escenarios[n]
            .diario
            .iter()
            .filter(|r| r.escenario.valor == 0.0)
            .map(|r| r.fecha)
            .collect()
    };
    assert_eq!(
        sim.escenarios[0].dias_afectados, 4,
        "Saturdays of February 2026"
    );
    assert_eq!(closed(1), vec![d(3, 7)]);
    assert_eq!(closed(2), vec![d(1, 24), d(1, 25), d(1, 26)]);
    assert!(sim.escenarios.iter().all(|s| s.notas.is_empty()));
}

#[test]
fn summary_snapshot() {
    let sim = simulate(&fake(), &scenarios(SCENARIOS), &[80.0, 95.0], 15.0).unwrap();
    let summary: Vec<serde_json::Value> = sim
        .escenarios
        .iter()
        .map(|s| {
            serde_json::json!({
                "nombre": s.nombre,
                "efecto_modelado": s.efecto_modelado,
                "dias_afectados": s.dias_afectados,
                "notas": s.notas,
                "total": s.total,
                "mensual": s.mensual,
            })
        })
        .collect();
    insta::assert_json_snapshot!(summary);
}

fn relativo() -> impl Strategy<Value = String> {
    let mes = prop_oneof![
        (1u32..10).prop_map(|k| k.to_string()),
        prop::sample::select(vec![
            "enero",
            "febrero",
            "marzo",
            "abril",
            "mayo",
            "junio",
            "julio",
            "agosto",
            "septiembre",
            "octubre",
            "noviembre",
            "diciembre",
        ])
        .prop_map(str::to_string),
    ];
    let dia_semana = prop::sample::select(vec![
        "lunes",
        "martes",
        "miercoles",
        "jueves",
        "viernes",
        "sabado",
        "domingo",
    ]);
    let signed = |lo: i32, hi: i32| prop_oneof![lo..=hi, -hi..=-lo];
    prop_oneof![
        signed(1, 400).prop_map(|k| format!("{{dia: {k}}}")),
        (dia_semana.clone(), signed(1, 60))
            .prop_map(|(w, n)| format!("{{dia_semana: {w}, n: {n}}}")),
        (mes.clone(), any::<bool>()).prop_map(|(m, c)| format!("{{mes: {m}, completo: {c}}}")),
        (1u32..10, signed(1, 31)).prop_map(|(m, k)| format!("{{mes: {m}, dia: {k}}}")),
        (
            prop::sample::select(vec!["enero", "marzo", "febrero", "diciembre"]),
            signed(1, 28)
        )
            .prop_map(|(m, k)| format!("{{mes: {m}, dia: {k}}}")),
        (mes, dia_semana, signed(1, 5))
            .prop_map(|(m, w, n)| format!("{{mes: {m}, dia_semana: {w}, n: {n}}}")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any relative selector, alone (`en`) or as a `desde`/`hasta` pair, on any horizon: the
    /// expansion never errors, and yields days inside the horizon or a skip with a note.
    #[test]
    fn relative_selectors_never_fail_on_any_horizon(
        offset in 0u64..20_000,
        days in 1usize..400,
        a in relativo(),
        b in relativo(),
        pair in any::<bool>(),
        sabados in any::<bool>(),
    ) {
        let start = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap() + Days::new(offset);
        let horizon: Vec<NaiveDate> = (0..days as u64).map(|i| start + Days::new(i)).collect();
        let when = if pair { format!("desde: {a}, hasta: {b}") } else { format!("en: {a}") };
        let weekdays = if sabados { ", dias_semana: [sabado, domingo]" } else { "" };
        let yaml = format!("- {{nombre: x, intervenciones: [{{tipo: cierre, {when}{weekdays}}}]}}");
        let sc = scenarios(&yaml);
        // A pair in an order that is wrong whatever the horizon is a config error; that is
        // the only error, and `check` finds it without a horizon.
        if simulator::check(&sc, 15.0).is_err() {
            prop_assert!(pair, "{yaml}");
            return Ok(());
        }
        let ex = simulator::expand(0, &sc[0], &horizon, 15.0);
        prop_assert!(ex.is_ok(), "{yaml}: {ex:?}");
        let ex = ex.unwrap();
        let closed = &ex.changes.closures;
        if ex.omitido {
            prop_assert!(closed.is_empty());
            prop_assert_eq!(ex.notas.len(), 1);
            prop_assert!(ex.notas[0].contains("omitida"));
        } else {
            prop_assert!(!closed.is_empty());
            prop_assert!(closed.iter().all(|d| horizon.contains(d)), "{yaml}: {closed:?}");
            prop_assert!(closed.windows(2).all(|w| w[0] < w[1]));
        }
        prop_assert!(simulator::validate(&sc, &horizon, 15.0).is_ok());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// A scenario without interventions reproduces the baseline exactly, day by day and
    /// month by month, whatever the horizon, paths and levels.
    #[test]
    fn an_empty_scenario_is_exactly_the_baseline(
        offset in 0u64..400,
        days in 1usize..200,
        n_paths in 2usize..60,
        level in 1.0f64..99.0,
    ) {
        let f = Fake {
            start: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + Days::new(offset),
            days,
            n_paths,
            uses_promo: true,
        };
        let empty = vec![Scenario { nombre: "vacio".into(), descripcion: String::new(), intervenciones: vec![] }];
        let sim = simulate(&f, &empty, &[level], 15.0).unwrap();
        let base = f.forecast(&FutureChanges::default()).unwrap();
        let s = &sim.escenarios[0];
        for (i, d) in s.diario.iter().enumerate() {
            prop_assert_eq!(d.escenario.valor, base.point[i]);
            prop_assert_eq!(d.delta.valor, 0.0);
            prop_assert!(d.delta.bandas.iter().all(|b| b.1 == 0.0 && b.2 == 0.0));
        }
        prop_assert_eq!(s.total.escenario.valor, sim.base_total);
        prop_assert_eq!(s.dias_afectados, 0);
        prop_assert!(s.efecto_modelado);
    }
}
