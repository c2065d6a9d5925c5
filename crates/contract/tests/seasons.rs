//! A product sold only part of the year: its off-season is a closure (forecast 0 later), not a
//! gap to impute; a short gap inside the season stays a gap.

use calendar::CalendarConfig;
use chrono::{Datelike, NaiveDate};
use contract::{cleanse, CleanseConfig, ContractConfig};
use core_types::dates::LocalZone;
use polars::prelude::*;

mod common;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// The frame cleansed with the default settings, one clean day being enough.
fn cleansed(frame: &DataFrame) -> contract::Cleansed {
    let mut contract = ContractConfig::default();
    contract.table.min_clean_days = 1;
    cleanse(
        frame,
        &contract,
        &CleanseConfig::default(),
        &CalendarConfig::default(),
        15.0,
        LocalZone::BOGOTA,
    )
    .unwrap()
}

/// 2021-01-01..2023-12-31, sold 1 November – 15 January; off-season days are absent rows,
/// or rows with 0 when `zeros`.
fn seasonal(zeros: bool) -> DataFrame {
    let (mut fechas, mut units) = (Vec::new(), Vec::new());
    let mut day = d("2021-01-01");
    while day <= d("2023-12-31") {
        let in_season = day.month() >= 11 || (day.month() == 1 && day.day() <= 15);
        // A five-day gap inside the 2022 season.
        let gap = (d("2022-11-20")..=d("2022-11-24")).contains(&day);
        if in_season && !gap {
            fechas.push(day.to_string());
            units.push(Some(
                100.0 + f64::from(day.weekday().num_days_from_monday()) * 10.0,
            ));
        } else if !in_season && zeros {
            fechas.push(day.to_string());
            units.push(Some(0.0));
        }
        day = day.succ_opt().unwrap();
    }
    common::frame(fechas, units)
}

#[test]
fn the_off_season_is_a_closure_whether_absent_or_zero() {
    for zeros in [false, true] {
        let c = cleansed(&seasonal(zeros));
        let season: Vec<NaiveDate> = c
            .report
            .closures_inferred
            .iter()
            .filter(|x| x.motivo == "fuera_de_temporada")
            .map(|x| x.fecha)
            .collect();
        // The off-season of 2021-2023 (16 January – 31 October) lies between the first and the
        // last dates of the history; 1–15 January 2021 is in season.
        assert!(season.contains(&d("2021-06-15")), "zeros: {zeros}");
        assert!(season.contains(&d("2023-10-31")));
        assert!(!season.contains(&d("2022-12-01")));
        // A gap inside the season is not an off-season: it stays a gap.
        assert!(!season.contains(&d("2022-11-22")));
        assert_eq!(
            season.len(),
            3 * (365 - 61 - 15),
            "every off-season day of three years, zeros: {zeros}"
        );
        let abierto = c.frame.column("abierto").unwrap().bool().unwrap().clone();
        let fechas: Vec<NaiveDate> = c
            .frame
            .column("fecha")
            .unwrap()
            .date()
            .unwrap()
            .as_date_iter()
            .map(|x| x.unwrap())
            .collect();
        let at = |s: &str| {
            let i = fechas.iter().position(|x| *x == d(s)).unwrap();
            abierto.get(i).unwrap()
        };
        assert!(!at("2022-07-01"));
        assert!(at("2022-12-01"));
    }
}

/// Two years of rows on the weekdays in `open` only, with a two-week outage in 2022.
fn some_weekdays(open: &[chrono::Weekday]) -> DataFrame {
    let (mut fechas, mut units) = (Vec::new(), Vec::new());
    let mut day = d("2021-01-04");
    while day <= d("2022-12-31") {
        let outage = (d("2022-06-06")..=d("2022-06-19")).contains(&day);
        if open.contains(&day.weekday()) && !outage {
            fechas.push(day.to_string());
            units.push(Some(500.0 + f64::from(day.ordinal() % 9)));
        }
        day = day.succ_opt().unwrap();
    }
    common::frame(fechas, units)
}

#[test]
fn weekdays_never_traded_are_closures_however_long_their_run() {
    use chrono::Weekday::*;
    // A weekly series (one row each Monday) and a stall open at weekends only: the days
    // between are closures, runs of six and five days, and so are they inside an outage.
    for open in [vec![Mon], vec![Sat, Sun]] {
        let c = cleansed(&some_weekdays(&open));
        let weekday: Vec<NaiveDate> = c
            .report
            .closures_inferred
            .iter()
            .filter(|x| x.motivo == "dia_semana_sin_ventas")
            .map(|x| x.fecha)
            .collect();
        // Every day of a week in March 2021 that is not open is closed.
        for k in 0..7 {
            let x = d("2021-03-08") + chrono::Days::new(k);
            assert_eq!(
                weekday.contains(&x),
                !open.contains(&x.weekday()),
                "{open:?} {x}"
            );
        }
        // Validation does not count the closed weekdays as missing days (85 % and 71 % of
        // the span), only the outage's open days (2 %).
        let rules = validation_rules(&some_weekdays(&open));
        assert!(
            !rules.contains(&contract::Rule::MissingShare),
            "{open:?}: {rules:?}"
        );
        // Ten open weekdays lost in a row still warn, as missing days and as a long gap.
        let mut lost = some_weekdays(&open);
        let keep: Vec<bool> = lost
            .column("fecha")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .enumerate()
            .map(|(i, _)| !(30..40).contains(&i))
            .collect();
        lost = lost
            .filter(&BooleanChunked::from_slice("keep".into(), &keep))
            .unwrap();
        let rules = validation_rules(&lost);
        assert!(
            rules.contains(&contract::Rule::LongestGap),
            "{open:?}: {rules:?}"
        );
        if open.len() == 1 {
            // 12 of 104 Mondays (the outage's two and these ten): above 5 %.
            assert!(rules.contains(&contract::Rule::MissingShare), "{rules:?}");
        }
        // Inside the outage the open weekdays are a gap, the others still closed.
        for k in 0..14 {
            let x = d("2022-06-06") + chrono::Days::new(k);
            assert_eq!(
                weekday.contains(&x),
                !open.contains(&x.weekday()),
                "{open:?} {x}"
            );
        }
    }
}

/// The rules a default validation (today 2024-01-01, Bogotá) reports on `frame`.
fn validation_rules(frame: &DataFrame) -> Vec<contract::Rule> {
    contract::validate(
        frame,
        &ContractConfig::default(),
        d("2024-01-01"),
        LocalZone::BOGOTA,
    )
    .unwrap()
    .failures
    .iter()
    .map(|f| f.rule)
    .collect()
}
