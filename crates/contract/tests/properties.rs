//! Properties: arbitrary frames never panic the validator or the cleanser; cleansing is
//! idempotent; missing data is never turned into 0.

use calendar::CalendarConfig;
use chrono::NaiveDate;
use contract::{cleanse, validate, CleanseConfig, ContractConfig};
use core_types::dates::LocalZone;
use polars::prelude::*;
use proptest::prelude::*;

const NAMES: [&str; 8] = [
    "fecha",
    "Unidades Vendidas",
    "promocion",
    "descuento_pct",
    "abierto",
    "precio",
    "id",
    "otra cosa",
];

fn text_cell() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        "\\PC{0,12}".prop_map(Some),
        (-1000i64..200_000).prop_map(|x| Some(x.to_string())),
        (-5.0f64..500.0).prop_map(|x| Some(format!("{x}"))),
        (0u32..4000).prop_map(|k| Some(
            (NaiveDate::from_ymd_opt(1995, 1, 1).unwrap() + chrono::Days::new(k.into()))
                .to_string()
        )),
        prop::sample::select(vec!["sí", "no", "true", "0", "NaN", "Infinity", "", " "])
            .prop_map(|s| Some(s.to_string())),
    ]
}

/// Frames of text columns with arbitrary names from a pool, arbitrary cells.
fn any_frame() -> impl Strategy<Value = DataFrame> {
    (
        0usize..25,
        prop::collection::vec(prop::sample::select(NAMES.to_vec()), 0..6),
    )
        .prop_flat_map(|(rows, names)| {
            let mut names = names;
            names.sort();
            names.dedup();
            let n = names.len();
            prop::collection::vec(prop::collection::vec(text_cell(), rows), n).prop_map(
                move |cols| {
                    let columns: Vec<Column> = names
                        .iter()
                        .zip(cols)
                        .map(|(name, cells)| Column::new((*name).into(), cells))
                        .collect();
                    DataFrame::new(rows, columns).unwrap()
                },
            )
        })
}

/// Plausible daily data: dates in 2024 (some repeated, some missing), units with nulls,
/// negatives, zeros and spikes, promotions and closures.
fn plausible_frame() -> impl Strategy<Value = DataFrame> {
    prop::collection::vec(
        (
            0u64..120,
            prop_oneof![
                8 => (50i64..400).prop_map(Some),
                1 => Just(None),
                1 => Just(Some(0)),
                1 => Just(Some(-7)),
                1 => (2000i64..5000).prop_map(Some),
            ],
            prop::bool::weighted(0.1),
            prop::bool::weighted(0.05),
        ),
        10..150,
    )
    .prop_map(|rows| {
        let d0 = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let fechas: Vec<NaiveDate> = rows.iter().map(|r| d0 + chrono::Days::new(r.0)).collect();
        let units: Vec<Option<i64>> = rows.iter().map(|r| r.1).collect();
        let promo: Vec<bool> = rows.iter().map(|r| r.2).collect();
        let open: Vec<bool> = rows.iter().map(|r| !r.3).collect();
        let n = rows.len();
        DataFrame::new(
            n,
            vec![
                Column::new("fecha".into(), fechas),
                Column::new("unidades_vendidas".into(), units),
                Column::new("promocion".into(), promo),
                Column::new("abierto".into(), open),
            ],
        )
        .unwrap()
    })
}

/// Sales: a negative is an error to flag, never a signed series' value (the generator's
/// share of negatives sits near `target_signed_share`).
fn small_contract() -> ContractConfig {
    let mut c = ContractConfig::default();
    c.table.min_clean_days = 1;
    c.table.target_signed_share = None;
    c
}

const VALUE_COLUMNS: [&str; 6] = [
    "fecha",
    "unidades_vendidas",
    "abierto",
    "promocion",
    "descuento_pct",
    "precio_unitario",
];

/// A signed series (temperatures between −10 and 20): about a third of the values negative.
/// Clearly signed, before and after cleansing: at least a fifth of all values and of the
/// values on days without a repeated date (the ones a cleanse keeps) are negative, so the
/// share never sits at `target_signed_share` where dropping conflicting repeats would tip
/// the second pass over it.
fn signed_frame() -> impl Strategy<Value = DataFrame> {
    prop::collection::vec(
        (0u64..120, prop::option::weighted(0.95, -10.0f64..20.0)),
        10..150,
    )
    .prop_filter("clearly signed", |rows| {
        let mut seen = std::collections::BTreeMap::<u64, usize>::new();
        for r in rows {
            *seen.entry(r.0).or_default() += 1;
        }
        let share = |only_single: bool| {
            let v: Vec<f64> = rows
                .iter()
                .filter(|r| !only_single || seen[&r.0] == 1)
                .filter_map(|r| r.1)
                .collect();
            v.iter().filter(|x| **x < 0.0).count() as f64 / v.len().max(1) as f64
        };
        share(false) >= 0.2 && share(true) >= 0.2
    })
    .prop_map(|rows| {
        let d0 = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let fechas: Vec<NaiveDate> = rows.iter().map(|r| d0 + chrono::Days::new(r.0)).collect();
        let y: Vec<Option<f64>> = rows.iter().map(|r| r.1).collect();
        DataFrame::new(
            rows.len(),
            vec![
                Column::new("fecha".into(), fechas),
                Column::new("unidades_vendidas".into(), y),
            ],
        )
        .unwrap()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn a_signed_series_is_cleansed_idempotently_and_keeps_every_value(frame in signed_frame()) {
        let mut contract = ContractConfig::default();
        contract.table.min_clean_days = 1;
        let cfg = CleanseConfig::default();
        let cal = CalendarConfig::default();
        let Ok(first) = cleanse(&frame, &contract, &cfg, &cal, 15.0, LocalZone::BOGOTA) else { return Ok(()); };
        let signed = first.report.target_kind == contract::TargetKind::Signed;
        let second = cleanse(&first.frame, &contract, &cfg, &cal, 15.0, LocalZone::BOGOTA).unwrap();
        let a = first.frame.column("unidades_vendidas").unwrap();
        let b = second.frame.column("unidades_vendidas").unwrap();
        prop_assert!(a.as_materialized_series().equals_missing(b.as_materialized_series()));
        if signed {
            // Negatives and zeros are data, and no value is an outlier by its ratio to a
            // positive baseline (repeated dates and nulls are still flagged).
            for motivo in ["negativo", "cero_con_tienda_abierta", "atipico_alto", "atipico_bajo"] {
                prop_assert!(!first.report.flag_counts.contains_key(motivo), "{:?}", first.report.flag_counts);
            }
        }
    }

    #[test]
    fn validator_and_cleanser_never_panic(frame in any_frame()) {
        let contract = small_contract();
        let today = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        let report = validate(&frame, &contract, today, LocalZone::BOGOTA).unwrap();
        prop_assert_eq!(report.passed, report.errors == 0);
        // Ok or a typed error: both fine, a panic is not.
        let _ = cleanse(&frame, &contract, &CleanseConfig::default(), &CalendarConfig::default(), 15.0, LocalZone::BOGOTA);
    }

    #[test]
    fn cleansing_is_idempotent_and_never_invents_zeros(frame in plausible_frame()) {
        let contract = small_contract();
        let cfg = CleanseConfig::default();
        let cal = CalendarConfig::default();
        let Ok(first) = cleanse(&frame, &contract, &cfg, &cal, 15.0, LocalZone::BOGOTA) else { return Ok(()); };
        let second = cleanse(&first.frame, &contract, &cfg, &cal, 15.0, LocalZone::BOGOTA).unwrap();
        for c in VALUE_COLUMNS {
            let a = first.frame.column(c).unwrap();
            let b = second.frame.column(c).unwrap();
            prop_assert!(a.as_materialized_series().equals_missing(b.as_materialized_series()), "column {} changed", c);
        }
        // The grid is complete and missing dates are null, never 0.
        let n = first.frame.height() as i64;
        let f = first.frame.column("fecha").unwrap().date().unwrap().clone();
        let days: Vec<NaiveDate> = f.as_date_iter().flatten().collect();
        prop_assert_eq!(days.len() as i64, n);
        prop_assert_eq!((days[days.len() - 1] - days[0]).num_days() + 1, n);
        let missing = first.frame.column("es_faltante").unwrap().bool().unwrap().clone();
        let units = first.frame.column("unidades_vendidas").unwrap().f64().unwrap().clone();
        for (m, u) in missing.iter().zip(units.iter()) {
            if m == Some(true) {
                prop_assert_eq!(u, None);
            }
        }
    }
}
