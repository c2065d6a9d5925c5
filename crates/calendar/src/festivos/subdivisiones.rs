//! Holidays of subdivisions, which the `holidays` crate (national calendars only) lacks.
//!
//! Applied on top of the national holidays of every year, inside and outside the crate's
//! years. Checked against python-holidays (public category) for 2000–2030 by the integration
//! test `tests/subdivisiones.rs`.
//!
//! **Germany, all 16 Länder** (current law; the start years below are modelled, older history
//! such as the nationwide Buß- und Bettag before 1995 is not):
//!
//! | Land | extra holidays |
//! |---|---|
//! | BW, BY | Heilige Drei Könige (6 Jan), Fronleichnam (Easter + 60), Allerheiligen (1 Nov) |
//! | BE | Internationaler Frauentag (8 Mar) from 2019; one-off days 2020-05-08, 2025-05-08, 2028-06-17 |
//! | BB | Ostersonntag, Pfingstsonntag, Reformationstag (31 Oct) |
//! | HB, HH, NI, SH | Reformationstag from 2018 |
//! | HE | Fronleichnam |
//! | MV | Reformationstag; Internationaler Frauentag from 2023 |
//! | NW, RP | Fronleichnam, Allerheiligen |
//! | SL | Fronleichnam, Mariä Himmelfahrt (15 Aug), Allerheiligen |
//! | SN | Reformationstag, Buß- und Bettag (the Wednesday before 23 Nov) |
//! | ST | Heilige Drei Könige, Reformationstag |
//! | TH | Reformationstag, Weltkindertag (20 Sep) from 2019 |
//!
//! Reformationstag 2017 (the 500th anniversary) is national and comes from the crate. In
//! Bavaria, Mariä Himmelfahrt is a holiday only in the municipalities with a predominantly
//! Catholic population (Munich and Augsburg among them), not Land-wide, so `DE-BY` does not
//! include it (as python-holidays); add it with `festivos.agregar` where it applies. The
//! partial Fronleichnam of some Saxon and Thuringian municipalities is likewise left out.
//!
//! **Every other country with subdivisions in python-holidays** (every US state, DC and
//! territory; Australian states, Canadian provinces, the parts of the UK, Spanish
//! communities, Swiss cantons, Italian provinces, …): the table of [`super::tabla`], derived
//! from python-holidays and checked against it by the same test. `US-MN`, for instance, keeps
//! every federal holiday but Columbus Day; `US-TX` adds Texas Independence Day, San Jacinto
//! Day, Christmas Eve and the day after Christmas, among others. Any other subdivision
//! (`NL-ZH`, `GB-LND`) keeps the national holidays, or is refused with
//! [`PaisError::SubdivisionNotImplemented`](super::PaisError::SubdivisionNotImplemented) when
//! `calendar.festivos.subdivision_sin_reglas` is `error`.

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate, Weekday};

use super::{easter_sunday, insert, Pais};

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("fixed holiday dates are valid")
}

/// Adds and removes the holidays of `pais`'s subdivision (if any) for `year` in `m`, which
/// holds the national holidays; a subdivision without rules of its own keeps them as they are.
pub(crate) fn apply(pais: Pais, year: i32, m: &mut BTreeMap<NaiveDate, String>) {
    let Some(sub) = pais.subdivision().filter(|_| pais.subdivision_has_rules()) else {
        return;
    };
    match pais.country_code() {
        "DE" => germany(sub, year, m),
        other => super::tabla::apply(other, sub, year, m),
    }
}

fn germany(land: &str, y: i32, m: &mut BTreeMap<NaiveDate, String>) {
    let e = easter_sunday(y);
    let drei_koenige = (ymd(y, 1, 6), "Heilige Drei Könige");
    let fronleichnam = (e + Days::new(60), "Fronleichnam");
    let allerheiligen = (ymd(y, 11, 1), "Allerheiligen");
    let reformationstag = (ymd(y, 10, 31), "Reformationstag");
    let frauentag = (ymd(y, 3, 8), "Internationaler Frauentag");
    let mut days: Vec<(NaiveDate, &str)> = Vec::new();
    match land {
        "BW" | "BY" => days.extend([drei_koenige, fronleichnam, allerheiligen]),
        "BE" => {
            if y >= 2019 {
                days.push(frauentag);
            }
            match y {
                2020 => days.push((ymd(2020, 5, 8), "75. Jahrestag der Befreiung")),
                2025 => days.push((ymd(2025, 5, 8), "80. Jahrestag der Befreiung")),
                2028 => days.push((ymd(2028, 6, 17), "75. Jahrestag des Volksaufstandes 1953")),
                _ => {}
            }
        }
        "BB" => days.extend([
            (e, "Ostersonntag"),
            (e + Days::new(49), "Pfingstsonntag"),
            reformationstag,
        ]),
        "HB" | "HH" | "NI" | "SH" => {
            if y >= 2018 {
                days.push(reformationstag);
            }
        }
        "HE" => days.push(fronleichnam),
        "MV" => {
            days.push(reformationstag);
            if y >= 2023 {
                days.push(frauentag);
            }
        }
        "NW" | "RP" => days.extend([fronleichnam, allerheiligen]),
        "SL" => days.extend([
            fronleichnam,
            (ymd(y, 8, 15), "Mariä Himmelfahrt"),
            allerheiligen,
        ]),
        "SN" => {
            // The Wednesday before 23 November.
            let mut bb = ymd(y, 11, 22);
            while bb.weekday() != Weekday::Wed {
                bb = bb - Days::new(1);
            }
            days.extend([reformationstag, (bb, "Buß- und Bettag")]);
        }
        "ST" => days.extend([drei_koenige, reformationstag]),
        "TH" => {
            days.push(reformationstag);
            if y >= 2019 {
                days.push((ymd(y, 9, 20), "Weltkindertag"));
            }
        }
        other => unreachable!("DE_LAENDER lists every Land, got {other}"),
    }
    for (d, name) in days {
        // A Land day that is national that year (Reformationstag 2017) keeps its one name.
        if !m.contains_key(&d) {
            insert(m, d, name);
        }
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use crate::festivos::{crate_festivos, DE_LAENDER};
    use proptest::prelude::*;

    proptest! {
        /// The Länder only add holidays to the national ones, at most one a day each, and
        /// all of them on the year's own dates.
        #[test]
        fn german_lands_only_add(land in 0usize..16, year in 2000i32..=2030) {
            let pais: Pais = format!("DE-{}", DE_LAENDER[land]).parse().unwrap();
            let national = crate_festivos(holidays::Country::DE, year, year);
            let mut m = national.clone();
            apply(pais, year, &mut m);
            prop_assert!(national.keys().all(|d| m.contains_key(d)));
            prop_assert!(m.keys().all(|d| d.year() == year));
            prop_assert!(m.len() - national.len() <= 6);
        }
    }
}
