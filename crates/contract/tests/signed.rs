//! A signed target (temperatures, net flows): its negatives are values, not range failures;
//! a few negatives among sales are still flagged as errors.

use calendar::CalendarConfig;
use chrono::{Datelike, Days, NaiveDate};
use contract::{cleanse, validate, CleanseConfig, ContractConfig, TargetKind};
use core_types::dates::LocalZone;
use polars::prelude::*;

mod common;

/// Two years of a yearly cycle around `level` (amplitude 10), one row per day, with `edit`
/// applied to the values.
fn series(level: f64, edit: impl Fn(&mut Vec<f64>)) -> DataFrame {
    let first = NaiveDate::from_ymd_opt(2021, 1, 1).unwrap();
    let (mut fechas, mut y) = (Vec::new(), Vec::new());
    for i in 0..730u64 {
        let d = first + Days::new(i);
        fechas.push(d.to_string());
        let season = (2.0 * std::f64::consts::PI * f64::from(d.ordinal()) / 365.25).cos();
        // Exactly 0 on the first of every month (a real value, not a closure).
        y.push(if d.day() == 1 {
            0.0
        } else {
            level + 10.0 * season
        });
    }
    edit(&mut y);
    common::frame(fechas, y.into_iter().map(Some).collect())
}

fn run(frame: &DataFrame, contract: &ContractConfig) -> contract::Cleansed {
    cleanse(
        frame,
        contract,
        &CleanseConfig::default(),
        &CalendarConfig::default(),
        15.0,
        LocalZone::BOGOTA,
    )
    .unwrap()
}

#[test]
fn a_series_that_is_often_negative_is_signed_and_keeps_its_negatives() {
    let contract = ContractConfig::default();
    let frame = series(2.0, |_| {}); // about 40 % of the days below zero
    let today = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let v = validate(&frame, &contract, today, LocalZone::BOGOTA).unwrap();
    assert!(v.passed && v.failures.is_empty(), "{:?}", v.failures);
    assert_eq!(v.target_kind, Some(TargetKind::Signed));
    let c = run(&frame, &contract);
    assert_eq!(c.report.target_kind, TargetKind::Signed);
    // Nothing flagged: no negatives, no zeros on an open day, no ratio outliers.
    assert!(c.report.flags.is_empty(), "{:?}", c.report.flag_counts);
    assert_eq!(c.report.left_missing, 0);
    assert!(c.report.recurring_closures.annual.is_empty());
    let y: Vec<f64> = c
        .frame
        .column("unidades_modelo")
        .unwrap()
        .f64()
        .unwrap()
        .into_no_null_iter()
        .collect();
    assert!(y.iter().filter(|v| **v < 0.0).count() > 200);
}

#[test]
fn a_few_negatives_among_sales_are_still_flagged_and_null_turns_signing_off() {
    // Three returns in two years: well under 10 % of the days.
    let frame = series(100.0, |y| {
        for i in [10, 300, 600] {
            y[i] = -5.0;
        }
    });
    let c = run(&frame, &ContractConfig::default());
    assert_ne!(c.report.target_kind, TargetKind::Signed);
    assert_eq!(c.report.flag_counts.get("negativo"), Some(&3));
    // `target_signed_share: null`: even a mostly negative series is not signed.
    let mut never = ContractConfig::default();
    never.table.target_signed_share = None;
    let c = run(&series(2.0, |_| {}), &never);
    assert_ne!(c.report.target_kind, TargetKind::Signed);
    assert!(c.report.flag_counts.get("negativo").copied().unwrap_or(0) > 200);
}

#[test]
fn rows_after_the_cutoff_never_decide_whether_the_history_is_signed() {
    // Positive for the first year, then mostly negative: held out after the first year, the
    // history is plain sales-like data, and the set-aside rows stay as observed.
    let frame = series(100.0, |y| {
        for v in y.iter_mut().skip(365) {
            *v -= 200.0;
        }
    });
    let cutoff = NaiveDate::from_ymd_opt(2021, 12, 31).unwrap();
    let scope = contract::Scope {
        cutoff: Some(cutoff),
        aggregate: core_types::Aggregate::None,
    };
    let mut short = ContractConfig::default();
    short.table.min_clean_days = 300;
    let c = contract::cleanse_with(
        &frame,
        &short,
        &CleanseConfig::default(),
        &CalendarConfig::default(),
        15.0,
        LocalZone::BOGOTA,
        &scope,
    )
    .unwrap();
    assert_ne!(c.report.target_kind, TargetKind::Signed);
    // Without the cutoff the same file is signed.
    assert_eq!(
        run(&frame, &ContractConfig::default()).report.target_kind,
        TargetKind::Signed
    );
    // The rows after the cutoff are read as the history is: negatives refused (None).
    let after = contract::observed_after(
        &frame,
        &ContractConfig::default(),
        LocalZone::BOGOTA,
        cutoff,
        core_types::Aggregate::None,
    )
    .unwrap();
    assert_eq!(after.dates.len(), 365);
    assert!(after.values.iter().filter(|v| v.is_none()).count() > 300);
}
