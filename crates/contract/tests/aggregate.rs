//! `source.aggregate: auto` (the default): readings through the day and transactions are
//! summed into days, long tables and duplicated exports are not, and a sub-daily export's
//! partial first or last day is set aside.

use calendar::CalendarConfig;
use chrono::{Days, NaiveDate};
use contract::{
    cleanse_with, observed_after, validate_with, CleanseConfig, ContractConfig, Rule, Scope,
};
use core_types::dates::LocalZone;
use core_types::Aggregate;
use polars::prelude::*;

mod common;

const DAYS: u64 = 200;

fn first() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
}

/// The reading of hour `h` on day `i`: a daily shape, and zeros at night (so some readings
/// of a day repeat, as real hourly counts do).
fn reading(i: u64, h: u64) -> f64 {
    if h < 6 {
        0.0
    } else {
        (10 + (i * 7 + h * 3) % 13) as f64
    }
}

/// Hourly readings, `fecha` written as a date, an `hour` column; the first day starts at
/// `from_hour` and the last day stops after `to_hour`.
fn hourly(from_hour: u64, to_hour: u64, hour_name: &str, clock: bool) -> DataFrame {
    let (mut fechas, mut hours, mut y) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..DAYS {
        for h in 0..24u64 {
            if (i == 0 && h < from_hour) || (i == DAYS - 1 && h > to_hour) {
                continue;
            }
            fechas.push((first() + Days::new(i)).to_string());
            hours.push(if clock {
                format!("{h:02}:00")
            } else {
                h.to_string()
            });
            y.push(reading(i, h));
        }
    }
    DataFrame::new(
        fechas.len(),
        vec![
            Column::new("fecha".into(), fechas),
            Column::new(hour_name.into(), hours),
            Column::new("unidades_vendidas".into(), y),
        ],
    )
    .unwrap()
}

fn day_total(i: u64) -> f64 {
    (0..24).map(|h| reading(i, h)).sum()
}

/// The daily totals written twice, the second copy `revision` higher.
fn exported_twice(revision: f64) -> DataFrame {
    let (mut fechas, mut y) = (Vec::new(), Vec::new());
    for k in 0..2 {
        for i in 0..DAYS {
            fechas.push((first() + Days::new(i)).to_string());
            y.push(day_total(i) + revision * f64::from(k));
        }
    }
    common::frame(fechas, y.into_iter().map(Some).collect())
}

fn scope(aggregate: Aggregate, cutoff: Option<NaiveDate>) -> Scope {
    Scope { cutoff, aggregate }
}

fn cleansed(frame: &DataFrame, scope: &Scope) -> contract::Cleansed {
    let mut c = ContractConfig::default();
    c.table.min_date = contract::MinDate::Date(NaiveDate::from_ymd_opt(1900, 1, 1).unwrap());
    cleanse_with(
        frame,
        &c,
        &CleanseConfig::default(),
        &CalendarConfig::default(),
        15.0,
        LocalZone::BOGOTA,
        scope,
    )
    .unwrap()
}

fn units(c: &contract::Cleansed) -> Vec<f64> {
    c.frame
        .column("unidades_vendidas")
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .map(|v| v.unwrap())
        .collect()
}

fn rules(frame: &DataFrame, scope: &Scope) -> Vec<Rule> {
    let v = validate_with(
        frame,
        &ContractConfig::default(),
        today(),
        LocalZone::BOGOTA,
        scope,
    )
    .unwrap();
    v.failures.iter().map(|f| f.rule).collect()
}

#[test]
fn hourly_readings_are_summed_into_days_with_a_warning() {
    for (name, clock) in [("hour", false), ("HORA", false), ("slot", true)] {
        let frame = hourly(0, 23, name, clock);
        let c = cleansed(&frame, &scope(Aggregate::Auto, None));
        let expected: Vec<f64> = (0..DAYS).map(day_total).collect();
        assert_eq!(units(&c), expected, "{name}");
        let r = rules(&frame, &scope(Aggregate::Auto, None));
        assert!(r.contains(&Rule::AggregatedAuto), "{name}: {r:?}");
        assert!(!r.contains(&Rule::AggregateNeeded), "{name}: {r:?}");
        assert!(!r.contains(&Rule::DuplicateConflict), "{name}: {r:?}");
    }
    // A column of hours under a name that is no time of day is a series key: refused.
    let frame = hourly(0, 23, "tienda", false);
    let r = rules(&frame, &scope(Aggregate::Auto, None));
    assert!(r.contains(&Rule::AggregateNeeded), "{r:?}");
    // `none` keeps refusing hourly readings.
    let frame = hourly(0, 23, "hour", false);
    let r = rules(&frame, &scope(Aggregate::None, None));
    assert!(r.contains(&Rule::AggregateNeeded), "{r:?}");
}

#[test]
fn a_partial_first_or_last_day_is_set_aside() {
    // The export starts at 18:00 on the first day and stops after 09:00 on the last.
    let frame = hourly(18, 9, "hour", false);
    let c = cleansed(&frame, &scope(Aggregate::Auto, None));
    let expected: Vec<f64> = (1..DAYS - 1).map(day_total).collect();
    assert_eq!(units(&c), expected);
    assert_eq!(
        c.report.scope.partial_days,
        vec![first(), first() + Days::new(DAYS - 1)]
    );
    let r = rules(&frame, &scope(Aggregate::Auto, None));
    assert!(r.contains(&Rule::PartialDay), "{r:?}");
    // 22 of 24 hours (92 %) is a whole day at the default share of 90 %.
    let frame = hourly(2, 23, "hour", false);
    let c = cleansed(&frame, &scope(Aggregate::Sum, None));
    assert_eq!(units(&c).len() as u64, DAYS);
    // `partial_day_share: null` keeps every day.
    let frame = hourly(18, 9, "hour", false);
    let mut keep = ContractConfig::default();
    keep.table.partial_day_share = None;
    keep.table.min_date = contract::MinDate::Date(NaiveDate::from_ymd_opt(1900, 1, 1).unwrap());
    let c = cleanse_with(
        &frame,
        &keep,
        &CleanseConfig::default(),
        &CalendarConfig::default(),
        15.0,
        LocalZone::BOGOTA,
        &scope(Aggregate::Auto, None),
    )
    .unwrap();
    assert_eq!(c.frame.height() as u64, DAYS);
}

#[test]
fn the_rows_after_the_cutoff_are_summed_and_trimmed_as_the_history_is() {
    let frame = hourly(18, 9, "hour", false);
    let cutoff = first() + Days::new(DAYS - 31);
    let c = cleansed(&frame, &scope(Aggregate::Auto, Some(cutoff)));
    assert_eq!(units(&c).len() as u64, DAYS - 31);
    let after = observed_after(
        &frame,
        &ContractConfig::default(),
        LocalZone::BOGOTA,
        cutoff,
        Aggregate::Auto,
    )
    .unwrap();
    // 30 days after the cutoff; the last (partial) one is set aside.
    assert_eq!(after.dates.len(), 29);
    let expected: Vec<Option<f64>> = (DAYS - 30..DAYS - 1).map(|i| Some(day_total(i))).collect();
    assert_eq!(after.values, expected);
}

#[test]
fn transactions_are_summed_without_trimming_their_edges() {
    // A varying number of tickets a day (as demand makes it): no typical count.
    let (mut fechas, mut y) = (Vec::new(), Vec::new());
    let mut totals = Vec::new();
    for i in 0..DAYS {
        let n = 3 + i % 3;
        let mut total = 0.0;
        for k in 0..n {
            fechas.push((first() + Days::new(i)).to_string());
            let v = (20 + (i + k) % 4) as f64;
            y.push(v);
            total += v;
        }
        totals.push(total);
    }
    let frame = common::frame(fechas, y.into_iter().map(Some).collect());
    let c = cleansed(&frame, &scope(Aggregate::Auto, None));
    assert!(c.report.scope.partial_days.is_empty());
    assert_eq!(units(&c), totals);
}

#[test]
fn a_daily_table_exported_twice_is_not_summed() {
    let frame = exported_twice(0.0);
    let c = cleansed(&frame, &scope(Aggregate::Auto, None));
    let expected: Vec<f64> = (0..DAYS).map(day_total).collect();
    assert_eq!(units(&c), expected);
    assert_eq!(c.report.scope.aggregate, Aggregate::None);
    assert!(!c.report.scope.aggregate_auto);
    let r = rules(&frame, &scope(Aggregate::Auto, None));
    assert!(r.contains(&Rule::DuplicateIdentical), "{r:?}");
    assert!(!r.contains(&Rule::AggregatedAuto), "{r:?}");
}

/// Hourly readings of two stores (`tienda`), `revised`: each store's value written twice an
/// hour as a revision would be.
fn two_stores(revised: bool) -> DataFrame {
    let (mut fechas, mut tiendas, mut y) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..DAYS {
        for h in 0..24u64 {
            for (t, scale) in [("norte", 1.0), ("sur", 2.0)] {
                for copy in 0..if revised { 2 } else { 1 } {
                    fechas.push((first() + Days::new(i)).to_string());
                    tiendas.push(t.to_string());
                    y.push(reading(i, h) * scale + copy as f64);
                }
            }
        }
    }
    DataFrame::new(
        fechas.len(),
        vec![
            Column::new("fecha".into(), fechas),
            Column::new("tienda".into(), tiendas),
            Column::new("unidades_vendidas".into(), y),
        ],
    )
    .unwrap()
}

#[test]
fn several_series_revisions_and_signed_readings_are_never_summed_by_auto() {
    // Two stores' hourly readings (the store repeats within a date): refused, naming nothing
    // to sum by default.
    for revised in [false, true] {
        let r = rules(&two_stores(revised), &scope(Aggregate::Auto, None));
        assert!(r.contains(&Rule::AggregateNeeded), "{r:?}");
        assert!(!r.contains(&Rule::AggregatedAuto), "{r:?}");
    }
    // A daily table exported twice with revised values: two different rows on every date.
    let frame = exported_twice(1.0);
    let c = cleansed(&frame, &scope(Aggregate::Auto, None));
    assert_eq!(c.report.scope.aggregate, Aggregate::None);
    assert_eq!(c.frame.height() as u64, DAYS);
    // Hourly temperatures around 0 (a signed target): the user chooses sum or mean.
    let mut frame = hourly(0, 23, "hour", false);
    let signed: Vec<f64> = frame
        .column("unidades_vendidas")
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .map(|v| v.unwrap() - 8.0)
        .collect();
    frame
        .replace(
            "unidades_vendidas",
            Column::new("unidades_vendidas".into(), signed),
        )
        .unwrap();
    let r = rules(&frame, &scope(Aggregate::Auto, None));
    assert!(r.contains(&Rule::AggregateNeeded), "{r:?}");
    // The hour column of summed readings is left empty: a day has no time of day.
    let c = cleansed(&hourly(0, 23, "hour", false), &scope(Aggregate::Auto, None));
    let hour = c.frame.column("hour").unwrap();
    assert_eq!(hour.null_count(), hour.len());
}

#[test]
fn the_history_is_the_same_with_or_without_the_rows_after_the_cutoff() {
    let cutoff = first() + Days::new(DAYS - 31);
    let whole = hourly(18, 9, "hour", false);
    let mut history = whole.clone();
    let fechas: Vec<bool> = history
        .column("fecha")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|d| d.unwrap().parse::<NaiveDate>().unwrap() <= cutoff)
        .collect();
    history = history
        .filter(&BooleanChunked::from_slice("keep".into(), &fechas))
        .unwrap();
    let a = cleansed(&whole, &scope(Aggregate::Auto, Some(cutoff)));
    let b = cleansed(&history, &scope(Aggregate::Auto, Some(cutoff)));
    assert_eq!(a.frame, b.frame);
    assert_eq!(a.report.scope.partial_days, vec![first()]);
    assert_eq!(b.report.scope.partial_days, vec![first()]);
}

#[test]
fn the_history_ends_at_the_last_target_when_only_blank_days_follow() {
    let end = |y: Vec<Option<f64>>| {
        let fechas = (1..=y.len()).map(|d| format!("2024-03-{d:02}")).collect();
        contract::history_end(
            &common::frame(fechas, y),
            &ContractConfig::default(),
            LocalZone::BOGOTA,
        )
        .unwrap()
    };
    // Two listed days without sales after the 3rd: the history ends on the 3rd.
    assert_eq!(
        end(vec![Some(5.0), None, Some(7.0), None, None]),
        Some("2024-03-03".parse().unwrap())
    );
    // A blank day inside the history stays missing; a complete table has no early end.
    assert_eq!(end(vec![Some(5.0), None, Some(7.0)]), None);
    // Nothing given at all: nothing to end.
    assert_eq!(end(vec![None, None]), None);
}

#[test]
fn placeholders_for_no_value_end_the_history_too() {
    // R's write.csv writes NA; other exports NaN or a dash. Other text is a value to judge.
    let end = |cells: &[&str]| {
        let n = cells.len();
        let fechas: Vec<String> = (1..=n).map(|d| format!("2024-03-{d:02}")).collect();
        let y: Vec<String> = cells.iter().map(|c| c.to_string()).collect();
        let frame = DataFrame::new(
            n,
            vec![
                Column::new("fecha".into(), fechas),
                Column::new("unidades_vendidas".into(), y),
            ],
        )
        .unwrap();
        contract::history_end(&frame, &ContractConfig::default(), LocalZone::BOGOTA).unwrap()
    };
    let third = Some("2024-03-03".parse().unwrap());
    assert_eq!(end(&["5", "6", "7", "NA", "NaN"]), third);
    assert_eq!(end(&["5", "6", "7", "-", " n/a "]), third);
    assert_eq!(end(&["5", "6", "7", "ayer"]), None);
}
