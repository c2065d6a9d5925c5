//! The feature builder against domain.md: fixture values, the §7 history-vs-future identity,
//! and no look-ahead leakage.

use std::collections::{BTreeMap, BTreeSet};

use calendar::{Calendar, CalendarConfig};
use chrono::NaiveDate;
use core_types::{DateSpan, Horizon};
use features::{
    build_layers, build_layers_with, feature_rows, future_inputs, DayInputs, FeatureConfig,
    FuturePlan, KnownAfter, PlannedPromo,
};
use polars::prelude::*;
use proptest::prelude::*;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn calendar(a: &str, b: &str) -> Calendar {
    Calendar::new(
        &CalendarConfig::default(),
        DateSpan::new(d(a), d(b)).unwrap(),
    )
    .unwrap()
}

fn history(promo_every: u32) -> impl Fn(NaiveDate) -> DayInputs {
    move |day: NaiveDate| {
        let promo = chrono::Datelike::ordinal(&day) % promo_every == 0;
        DayInputs {
            promo,
            discount_pct: if promo { 15.0 } else { 0.0 },
            closed: false,
            pandemic: true,
            extras: vec![],
        }
    }
}

fn value(t: &features::FeatureTable, name: &str, day: &str) -> f64 {
    let i = t.dates.iter().position(|x| *x == d(day)).unwrap();
    t.column(name).unwrap_or_else(|| panic!("no column {name}"))[i]
}

#[test]
fn fixture_dates_give_the_domain_values() {
    let cal = calendar("2018-01-01", "2026-06-03");
    let cfg = FeatureConfig::default();
    let span = DateSpan::new(d("2018-01-01"), d("2026-06-03")).unwrap();
    let t = feature_rows(span, &cal, &cfg, d("2018-01-01"), history(1000)).unwrap();
    assert_eq!(value(&t, "days_since_payday", "2025-12-01"), 3.0);
    assert_eq!(value(&t, "is_payday", "2025-12-15"), 1.0);
    assert_eq!(value(&t, "is_payday", "2024-03-27"), 1.0);
    assert_eq!(value(&t, "post_payday_window", "2020-04-01"), 1.0);
    assert_eq!(value(&t, "novena_day", "2025-12-24"), 9.0);
    assert_eq!(value(&t, "is_nochebuena", "2025-12-24"), 1.0);
    assert_eq!(value(&t, "is_velitas", "2025-12-07"), 1.0);
    assert_eq!(value(&t, "is_prima_window", "2023-06-19"), 1.0);
    // 2026-01-12 is Reyes moved to Monday: a festivo that counts as Saturday.
    assert_eq!(value(&t, "is_holiday", "2026-01-12"), 1.0);
    assert_eq!(value(&t, "dow_5", "2026-01-12"), 1.0);
    assert_eq!(value(&t, "dow_0", "2026-01-12"), 0.0);
    // A Sunday festivo stays Sunday.
    assert_eq!(value(&t, "dow_6", "2025-07-20"), 1.0);
    assert_eq!(value(&t, "pandemic_phase_1", "2020-04-01"), 1.0);
    assert_eq!(value(&t, "pandemic_phase_4", "2021-05-12"), 1.0);
    assert_eq!(value(&t, "is_dia_madre", "2025-05-11"), 1.0);
    assert_eq!(value(&t, "is_amor_amistad", "2025-09-20"), 1.0);
    assert!((value(&t, "trend", "2019-01-01") - 365.0 / 365.25).abs() < 1e-12);
}

#[test]
fn future_path_reproduces_history_rows_except_promo_and_pandemic() {
    // The last 185 days of the demo history, and a span across the pandemic.
    for (a, b) in [("2025-05-30", "2025-11-30"), ("2020-01-01", "2020-07-03")] {
        let cal = calendar("2018-01-01", "2026-06-03");
        let cfg = FeatureConfig::default().all_groups();
        let span = DateSpan::new(d(a), d(b)).unwrap();
        let hist = feature_rows(span, &cal, &cfg, d("2018-01-01"), history(9)).unwrap();
        let fut = feature_rows(span, &cal, &cfg, d("2018-01-01"), |x| {
            future_inputs(x, &cfg, &BTreeMap::new(), &BTreeSet::new(), None)
        })
        .unwrap();
        assert_eq!(hist.names, fut.names);
        assert_eq!(hist.dates, fut.dates);
        let differing: Vec<&str> = hist
            .names
            .iter()
            .enumerate()
            .filter(|(j, _)| hist.values[*j] != fut.values[*j])
            .map(|(_, n)| n.as_str())
            .collect();
        for name in &differing {
            assert!(
                name.starts_with("promo")
                    || name.starts_with("discount")
                    || name.starts_with("pandemic"),
                "{name} differs between the history and the future path"
            );
        }
        assert!(differing.contains(&"promo"));
    }
}

fn promo(
    fecha: Option<&str>,
    desde: Option<&str>,
    hasta: Option<&str>,
    pct: Option<f64>,
) -> PlannedPromo {
    PlannedPromo {
        fecha: fecha.map(d),
        desde: desde.map(d),
        hasta: hasta.map(d),
        descuento_pct: pct,
    }
}

#[test]
fn planned_promotions_and_closures_shape_the_future() {
    let plan = FuturePlan {
        promociones_planeadas: vec![
            promo(Some("2025-12-05"), None, None, Some(20.0)),
            promo(None, Some("2026-03-01"), Some("2026-03-03"), None),
            promo(Some("2027-01-01"), None, None, None),
        ],
        cierres_planeados: vec![d("2026-01-01")],
        descuento_por_defecto: 15.0,
    };
    let horizon = DateSpan::new(d("2025-12-01"), d("2026-06-03")).unwrap();
    let (days, outside) = plan.promotions(horizon).unwrap();
    assert_eq!(days.len(), 4);
    assert_eq!(days[&d("2025-12-05")], 20.0);
    assert_eq!(days[&d("2026-03-02")], 15.0);
    assert_eq!(outside, [d("2027-01-01")]);
    let dup = FuturePlan {
        promociones_planeadas: vec![
            promo(Some("2026-03-02"), None, None, None),
            promo(None, Some("2026-03-01"), Some("2026-03-03"), None),
        ],
        ..plan.clone()
    };
    let err = dup.promotions(horizon).unwrap_err().to_string();
    assert!(
        err.contains("plan.promociones_planeadas[1]") && err.contains("twice"),
        "{err}"
    );
    let malformed = FuturePlan {
        promociones_planeadas: vec![promo(Some("2026-03-02"), Some("2026-03-01"), None, None)],
        ..plan
    };
    assert!(malformed
        .promotions(horizon)
        .unwrap_err()
        .to_string()
        .contains("plan.promociones_planeadas[0]"));
}

/// A cleansed-like frame over `units.len()` days from 2024-01-01.
fn cleansed(units: &[Option<f64>]) -> DataFrame {
    let n = units.len();
    let fechas: Vec<NaiveDate> = (0..n)
        .map(|i| d("2024-01-01") + chrono::Days::new(i as u64))
        .collect();
    DataFrame::new(
        n,
        vec![
            Column::new("fecha".into(), fechas),
            Column::new("unidades_vendidas".into(), units.to_vec()),
            Column::new("unidades_modelo".into(), units.to_vec()),
            Column::new("abierto".into(), vec![true; n]),
            Column::new(
                "es_faltante".into(),
                units.iter().map(|u| u.is_none()).collect::<Vec<_>>(),
            ),
            Column::new("es_atipico".into(), vec![false; n]),
            Column::new(
                "promocion".into(),
                (0..n).map(|i| i % 11 == 0).collect::<Vec<_>>(),
            ),
            Column::new(
                "descuento_pct".into(),
                (0..n)
                    .map(|i| if i % 11 == 0 { 10.0 } else { 0.0 })
                    .collect::<Vec<_>>(),
            ),
        ],
    )
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn changing_the_target_after_t_never_changes_features_up_to_t(
        units in prop::collection::vec(prop::option::of(0.0f64..1000.0), 30..90),
        t in 0usize..30,
        bump in 1.0f64..500.0,
    ) {
        let cfg = FeatureConfig::default();
        let plan = FuturePlan::default();
        let h = Horizon::new(14).unwrap();
        let cal = CalendarConfig::default();
        let a = build_layers(&cleansed(&units), &cal, &cfg, &plan, h, None).unwrap();
        let mut changed = units.clone();
        for u in changed.iter_mut().skip(t + 1) {
            *u = Some(u.unwrap_or(0.0) + bump);
        }
        let b = build_layers(&cleansed(&changed), &cal, &cfg, &plan, h, None).unwrap();
        let col = |df: &DataFrame, name: &str| -> Vec<Option<f64>> {
            df.column(name).unwrap().f64().unwrap().iter().collect()
        };
        prop_assert!(!a.report.feature_columns.is_empty());
        for name in &a.report.feature_columns {
            prop_assert_eq!(&col(&a.train, name)[..=t], &col(&b.train, name)[..=t]);
            prop_assert_eq!(col(&a.future, name), col(&b.future, name));
        }
    }
}

#[test]
fn holiday_windows_flag_the_eve_and_the_day_after_each_festivo() {
    let cal = calendar("2025-12-01", "2026-01-31");
    let cfg = FeatureConfig::default();
    let span = DateSpan::new(d("2025-12-05"), d("2026-01-20")).unwrap();
    let t = feature_rows(span, &cal, &cfg, d("2025-12-05"), history(1000)).unwrap();
    // 8 December (Inmaculada Concepción) is a Colombian festivo; so is 25 December.
    assert_eq!(value(&t, "festivo_antes_1", "2025-12-07"), 1.0);
    assert_eq!(value(&t, "festivo_despues_1", "2025-12-09"), 1.0);
    assert_eq!(value(&t, "festivo_antes_1", "2025-12-24"), 1.0);
    assert_eq!(value(&t, "festivo_antes_1", "2025-12-08"), 0.0);
    assert_eq!(value(&t, "festivo_despues_1", "2025-12-15"), 0.0);
    let none = FeatureConfig {
        ventana_festivos: features::HolidayWindow {
            antes: 0,
            despues: 0,
        },
        ..FeatureConfig::default()
    };
    let t = feature_rows(span, &cal, &none, d("2025-12-05"), history(1000)).unwrap();
    assert!(!t.names.iter().any(|n| n.starts_with("festivo_")));
}

#[test]
fn trend_knots_make_a_piecewise_linear_trend_that_is_zero_before_each_knot() {
    let cfg = FeatureConfig {
        cambios_tendencia_cada_dias: Some(365),
        ..FeatureConfig::default()
    };
    // Knots every 365 days from the first date, the last at least 365 days before the cutoff.
    let knots = cfg.trend_knots(d("2020-01-01"), d("2023-06-30"));
    assert_eq!(knots, vec![d("2020-12-31"), d("2021-12-31")]);
    let resolved = FeatureConfig {
        cambios_tendencia: knots.clone(),
        ..cfg.clone()
    };
    // Given knots are kept as they are.
    assert_eq!(
        resolved.trend_knots(d("2000-01-01"), d("2030-01-01")),
        knots
    );
    let cal = calendar("2020-01-01", "2024-12-31");
    let span = DateSpan::new(d("2020-01-01"), d("2023-06-30")).unwrap();
    let t = feature_rows(span, &cal, &resolved, d("2020-01-01"), history(1000)).unwrap();
    assert_eq!(value(&t, "trend_cp_1", "2020-12-31"), 0.0);
    assert_eq!(value(&t, "trend_cp_2", "2021-06-30"), 0.0);
    let a = value(&t, "trend_cp_1", "2022-12-31");
    assert!((a - 730.0 / 365.25).abs() < 1e-12);
    assert!(FeatureConfig::default()
        .trend_knots(d("2020-01-01"), d("2023-06-30"))
        .is_empty());
}

#[test]
fn the_weekday_profile_by_season_is_the_weekday_times_the_yearly_terms() {
    let cfg = FeatureConfig {
        semana_por_temporada: 2,
        ..FeatureConfig::default()
    };
    let cal = calendar("2025-01-01", "2025-12-31");
    let span = DateSpan::new(d("2025-06-01"), d("2025-06-30")).unwrap();
    let t = feature_rows(span, &cal, &cfg, d("2025-06-01"), history(1000)).unwrap();
    // 2025-06-07 is a Saturday (dow 5): its columns carry the yearly terms, the other
    // weekdays' are zero.
    for k in 1..=2 {
        for f in ["sin", "cos"] {
            let yearly = value(&t, &format!("year_{f}_{k}"), "2025-06-07");
            assert_eq!(
                value(&t, &format!("dow_5_year_{f}_{k}"), "2025-06-07"),
                yearly
            );
            assert_eq!(value(&t, &format!("dow_4_year_{f}_{k}"), "2025-06-07"), 0.0);
        }
    }
    assert!(t.column("dow_5_year_sin_3").is_none());
    // Order 1 by default; 0 turns it off.
    let default = FeatureConfig::default();
    let t = feature_rows(span, &cal, &default, d("2025-06-01"), history(1000)).unwrap();
    assert!(t.column("dow_0_year_cos_1").is_some() && t.column("dow_0_year_cos_2").is_none());
    let off = FeatureConfig {
        semana_por_temporada: 0,
        ..default
    };
    let plain = feature_rows(span, &cal, &off, d("2025-06-01"), history(1000)).unwrap();
    assert!(!plain.names.iter().any(|n| n.contains("_year_")));
}

#[test]
fn festivos_by_name_are_events_of_their_own_when_the_history_has_enough_of_them() {
    // Three years from 2024-01-01: Año Nuevo falls three times in the history (2024, 2025,
    // 2026), Navidad twice before the cutoff; the horizon holds the next ones.
    let units: Vec<Option<f64>> = (0..1000).map(|i| Some(50.0 + (i % 7) as f64)).collect();
    let cal = CalendarConfig::default();
    let plan = FuturePlan::default();
    let h = Horizon::new(185).unwrap();
    let cfg = FeatureConfig::default();
    assert_eq!(cfg.festivos_por_nombre, Some(3));
    let l = build_layers(&cleansed(&units), &cal, &cfg, &plan, h, None).unwrap();
    let names = &l.history_table().unwrap().names;
    assert!(
        names.contains(&"evento_festivo_ano_nuevo".to_string()),
        "{names:?}"
    );
    assert!(names.contains(&"evento_festivo_dia_del_trabajo".to_string()));
    assert!(!names.contains(&"evento_festivo_navidad".to_string()));
    let col = |t: &features::FeatureTable, day: &str| value(t, "evento_festivo_ano_nuevo", day);
    assert_eq!(col(&l.history_table().unwrap(), "2025-01-01"), 1.0);
    assert_eq!(col(&l.history_table().unwrap(), "2025-01-02"), 0.0);
    // The horizon (from 2026-09-27) and a served model's settings carry the same columns.
    assert_eq!(l.future_table().unwrap().names, *names);
    assert!(l
        .report
        .resolved
        .eventos
        .iter()
        .any(|e| e.nombre == "festivo_ano_nuevo" && e.fechas.contains(&d("2027-01-01"))));
    assert_eq!(l.report.resolved.festivos_por_nombre, None);
    // Off: only is_holiday.
    let off_cfg = FeatureConfig {
        festivos_por_nombre: None,
        ..FeatureConfig::default()
    };
    let off = build_layers(&cleansed(&units), &cal, &off_cfg, &plan, h, None).unwrap();
    assert!(!off
        .history_table()
        .unwrap()
        .names
        .iter()
        .any(|n| n.starts_with("evento_")));
}

#[test]
fn a_history_shorter_than_a_year_has_no_trend_and_no_yearly_terms() {
    let cal = CalendarConfig::default();
    let plan = FuturePlan::default();
    let h = Horizon::new(185).unwrap();
    let cfg = FeatureConfig {
        cambios_tendencia_cada_dias: Some(60),
        ..FeatureConfig::default()
    };
    let names = |days: usize, cfg: &FeatureConfig| {
        let units: Vec<Option<f64>> = (0..days).map(|i| Some(50.0 + (i % 7) as f64)).collect();
        let l = build_layers(&cleansed(&units), &cal, cfg, &plan, h, None).unwrap();
        assert_eq!(
            l.future_table().unwrap().names,
            l.history_table().unwrap().names
        );
        (l.history_table().unwrap().names, l.report.resolved)
    };
    // 364 days: the trend, its knots and the yearly pairs are left out; the weekday x season
    // pairs stay, and the served model's settings say so.
    let (short, resolved) = names(364, &cfg);
    assert!(!short.iter().any(|n| n.starts_with("trend")), "{short:?}");
    assert!(!short.iter().any(|n| n.starts_with("year_")), "{short:?}");
    assert!(short.contains(&"dow_0_year_sin_1".to_string()), "{short:?}");
    assert!(!resolved.tendencia && resolved.fourier_anual == 0);
    assert!(resolved.cambios_tendencia.is_empty());
    // A whole year: as configured.
    let (year, resolved) = names(365, &cfg);
    assert!(year.contains(&"trend".to_string()) && year.contains(&"trend_cp_1".to_string()));
    assert!(year.contains(&"year_sin_10".to_string()));
    assert_eq!(resolved.fourier_anual, 10);
    // `null`: never.
    let never = FeatureConfig {
        ciclo_anual_min_dias: None,
        ..cfg.clone()
    };
    let (kept, _) = names(200, &never);
    assert!(kept.contains(&"trend".to_string()) && kept.contains(&"year_cos_1".to_string()));
}

#[test]
fn a_flag_the_source_gives_for_part_of_the_horizon_takes_its_usual_value_on_the_others() {
    // Two years with a fair flag (1 on 10 days a year), and the export lists the fair's value
    // on the first 60 of the 185 coming days (a fair on day 10): by default a feature, the
    // source's values where given and the flag's usual value, 0, on the other 125 days; with
    // `futuro_parcial: excluir`, or for a column that is not a flag, left out, the note
    // counting the 60 days and the usual value the warning offers.
    let n = 730;
    let mut frame = cleansed(&vec![Some(80.0); n]);
    let feria: Vec<f64> = (0..n).map(|i| f64::from(u8::from(i % 73 == 5))).collect();
    frame
        .with_column(Column::new("feria".into(), feria))
        .unwrap();
    let last = d("2024-01-01") + chrono::Days::new(n as u64 - 1);
    let mut columns = BTreeMap::new();
    columns.insert(
        "feria".to_string(),
        (0..60).map(|i| Some(f64::from(u8::from(i == 9)))).collect(),
    );
    let known = KnownAfter {
        dates: (1..=60).map(|i| last + chrono::Days::new(i)).collect(),
        columns,
    };
    let build = |frame: &polars::prelude::DataFrame, known: &KnownAfter, cfg: &FeatureConfig| {
        build_layers_with(
            frame,
            &CalendarConfig::default(),
            cfg,
            &FuturePlan::default(),
            Horizon::new(185).unwrap(),
            None,
            known,
        )
        .unwrap()
    };
    let note = |l: &features::FeatureLayers, c: &str| {
        l.report
            .extra_notes
            .iter()
            .find(|e| e.columna == c)
            .unwrap()
            .clone()
    };
    let l = build(&frame, &known, &FeatureConfig::default());
    assert!(l
        .history_table()
        .unwrap()
        .names
        .contains(&"feria".to_string()));
    let future: Vec<f64> = l
        .future
        .column("feria")
        .unwrap()
        .f64()
        .unwrap()
        .into_no_null_iter()
        .collect();
    assert_eq!(future.len(), 185);
    assert_eq!(future.iter().sum::<f64>(), 1.0);
    assert_eq!(future[9], 1.0, "the source's fair day");
    let n = note(&l, "feria");
    assert_eq!(n.uso, "futuro_parcial");
    assert_eq!((n.futuro_de_la_fuente, n.futuro_del_plan), (60, 125));
    assert_eq!(n.valor_relleno, Some(0.0));
    // Left out when asked.
    let excluir = FeatureConfig {
        futuro_parcial: features::PartialFuture::Excluir,
        ..FeatureConfig::default()
    };
    let l = build(&frame, &known, &excluir);
    assert!(!l
        .history_table()
        .unwrap()
        .names
        .contains(&"feria".to_string()));
    let n = note(&l, "feria");
    assert_eq!(n.uso, "sin_futuro");
    assert_eq!(n.futuro_de_la_fuente, 60);
    assert_eq!(n.valor_relleno, Some(0.0));
    // A price is not a flag: its usual value would be a guess.
    let precio: Vec<f64> = (0..frame.height()).map(|i| 2.0 + (i % 3) as f64).collect();
    let mut frame = frame.clone();
    frame
        .with_column(Column::new("precio".into(), precio))
        .unwrap();
    let mut known = known.clone();
    known
        .columns
        .insert("precio".into(), (0..60).map(|_| Some(2.5)).collect());
    let l = build(&frame, &known, &FeatureConfig::default());
    assert!(!l
        .history_table()
        .unwrap()
        .names
        .contains(&"precio".to_string()));
    assert_eq!(note(&l, "precio").uso, "sin_futuro");
}
