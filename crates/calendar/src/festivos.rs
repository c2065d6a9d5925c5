//! Festivos (public holidays) of Colombia (domain.md §3).
//!
//! The project calendar is `crate_CO(y) ∪ {next_monday(9 July y) | y ≥ 2026} ∪ agregar − quitar`.
//! The Ley 51 de 1983 rule is also implemented here ([`rule_festivos`]); a test shows it
//! agrees with the crate-based calendar for every covered year, so it can serve as the
//! fallback outside those years when the config asks for it.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::{dow, plus_days, CalendarError};

/// First year covered by the `holidays` crate's data.
pub const CRATE_FIRST_YEAR: i32 = 2000;
/// Last year covered by the `holidays` crate's data.
pub const CRATE_LAST_YEAR: i32 = 2030;
/// First year of the Chiquinquirá festivo created by Ley 2578 de 2026.
pub const LEY_2578_FIRST_YEAR: i32 = 2026;

/// The country whose festivos the calendar uses (the `holidays` crate's codes compiled in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Pais {
    /// Colombia: the crate, plus Ley 2578 de 2026, plus the Ley 51 rule as fallback.
    #[serde(rename = "CO")]
    Co,
    /// Germany (national holidays).
    #[serde(rename = "DE")]
    De,
    /// United Kingdom.
    #[serde(rename = "GB")]
    Gb,
    /// United States (federal holidays).
    #[serde(rename = "US")]
    Us,
}

impl Pais {
    fn crate_country(self) -> holidays::Country {
        match self {
            Pais::Co => holidays::Country::CO,
            Pais::De => holidays::Country::DE,
            Pais::Gb => holidays::Country::GB,
            Pais::Us => holidays::Country::US,
        }
    }
}

/// What to do for a year outside the `holidays` crate's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutOfRange {
    /// Fail with [`CalendarError::YearNotCovered`] (default).
    Error,
    /// Use the Ley 51 rule implemented in [`rule_festivos`].
    Regla,
}

/// Festivo settings (`calendar.festivos`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FestivosConfig {
    /// Country of the festivos. The Colombian additions below apply only to `CO`.
    pub pais: Pais,
    /// Add the Ley 2578 de 2026 festivo (9 July moved to Monday) from 2026 on.
    pub ley_2578: bool,
    /// Extra festivo dates.
    pub agregar: Vec<NaiveDate>,
    /// Dates that are not festivos even if a source says so.
    pub quitar: Vec<NaiveDate>,
    /// Behaviour outside the crate's years.
    pub fuera_de_rango: OutOfRange,
}

impl Default for FestivosConfig {
    fn default() -> Self {
        Self {
            pais: Pais::Co,
            ley_2578: true,
            agregar: Vec::new(),
            quitar: Vec::new(),
            fuera_de_rango: OutOfRange::Error,
        }
    }
}

impl FestivosConfig {
    pub(crate) fn validate(&self) -> Result<(), CalendarError> {
        for (key, list) in [("agregar", &self.agregar), ("quitar", &self.quitar)] {
            let mut seen = std::collections::BTreeSet::new();
            for d in list.iter() {
                if !seen.insert(*d) {
                    return Err(CalendarError::InvalidConfig {
                        key: format!("festivos.{key}"),
                        message: format!("date {d} is listed twice"),
                    });
                }
            }
        }
        if self.pais != Pais::Co && self.fuera_de_rango == OutOfRange::Regla {
            return Err(CalendarError::InvalidConfig {
                key: "festivos.fuera_de_rango".into(),
                message: "the `regla` fallback is the Colombian Ley 51 rule; use `error` for other countries".into(),
            });
        }
        if let Some(d) = self.agregar.iter().find(|d| self.quitar.contains(d)) {
            return Err(CalendarError::InvalidConfig {
                key: "festivos.agregar".into(),
                message: format!("date {d} is both added and removed (festivos.quitar)"),
            });
        }
        Ok(())
    }
}

/// Easter Sunday of `year` in the Gregorian calendar (anonymous Gregorian computus).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("computus gives a valid date")
}

/// `next_monday(d) = d + ((7 − dow(d)) mod 7)` days; a Monday maps to itself.
pub fn next_monday(d: NaiveDate) -> NaiveDate {
    plus_days(d, u64::from((7 - dow(d)) % 7))
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("fixed festivo dates are valid")
}

fn insert(map: &mut BTreeMap<NaiveDate, String>, d: NaiveDate, name: &str) {
    map.entry(d)
        .and_modify(|n| {
            n.push_str(", ");
            n.push_str(name)
        })
        .or_insert_with(|| name.to_string());
}

/// The festivos of `year` by the rule of domain.md §3.1 (Ley 51 de 1983, and Ley 2578 de
/// 2026 when `ley_2578` is set), with Spanish names; coinciding holidays share one entry.
pub fn rule_festivos(year: i32, ley_2578: bool) -> BTreeMap<NaiveDate, String> {
    let mut m = BTreeMap::new();
    // A. Fixed dates that never move.
    for (mo, da, name) in [
        (1, 1, "Año Nuevo"),
        (5, 1, "Día del Trabajo"),
        (7, 20, "Independencia"),
        (8, 7, "Batalla de Boyacá"),
        (12, 8, "Inmaculada Concepción"),
        (12, 25, "Navidad"),
    ] {
        insert(&mut m, ymd(year, mo, da), name);
    }
    // B. Fixed dates moved to the next Monday.
    let mut moved = vec![
        (1, 6, "Reyes Magos"),
        (3, 19, "San José"),
        (6, 29, "San Pedro y San Pablo"),
        (8, 15, "Asunción"),
        (10, 12, "Día de la Raza"),
        (11, 1, "Todos los Santos"),
        (11, 11, "Independencia de Cartagena"),
    ];
    if ley_2578 && year >= LEY_2578_FIRST_YEAR {
        moved.push((7, 9, "Virgen de Chiquinquirá"));
    }
    for (mo, da, name) in moved {
        insert(&mut m, next_monday(ymd(year, mo, da)), name);
    }
    // C. Easter-based.
    let e = easter_sunday(year);
    insert(&mut m, e - chrono::Days::new(3), "Jueves Santo");
    insert(&mut m, e - chrono::Days::new(2), "Viernes Santo");
    for (offset, name) in [
        (39, "Ascensión"),
        (60, "Corpus Christi"),
        (68, "Sagrado Corazón"),
    ] {
        insert(&mut m, next_monday(plus_days(e, offset)), name);
    }
    m
}

/// The festivos of the `holidays` crate for `pais` and `first..=last`, which must lie inside
/// [`CRATE_FIRST_YEAR`]`..=`[`CRATE_LAST_YEAR`].
fn crate_festivos(pais: Pais, first: i32, last: i32) -> BTreeMap<NaiveDate, String> {
    let country = pais.crate_country();
    let map = holidays::Builder::new()
        .countries(&[country])
        .years(first..last + 1)
        .build()
        .expect("the country's feature is compiled in and the years are covered");
    let mut out = BTreeMap::new();
    if let Some(by_year) = map.get(&country) {
        for days in by_year.values() {
            for (d, h) in days {
                out.insert(*d, h.name.clone());
            }
        }
    }
    out
}

/// The project festivo calendar for every year in `first_year..=last_year` (domain.md §3.3).
pub fn project_festivos(
    cfg: &FestivosConfig,
    first_year: i32,
    last_year: i32,
) -> Result<BTreeMap<NaiveDate, String>, CalendarError> {
    let mut out = BTreeMap::new();
    let lo = first_year.max(CRATE_FIRST_YEAR);
    let hi = last_year.min(CRATE_LAST_YEAR);
    let colombia = cfg.pais == Pais::Co;
    if lo <= hi {
        out = crate_festivos(cfg.pais, lo, hi);
        if colombia && cfg.ley_2578 {
            for y in lo.max(LEY_2578_FIRST_YEAR)..=hi {
                insert(
                    &mut out,
                    next_monday(ymd(y, 7, 9)),
                    "Virgen de Chiquinquirá (Ley 2578 de 2026)",
                );
            }
        }
    }
    for y in first_year..=last_year {
        if (CRATE_FIRST_YEAR..=CRATE_LAST_YEAR).contains(&y) {
            continue;
        }
        match cfg.fuera_de_rango {
            OutOfRange::Error => {
                return Err(CalendarError::YearNotCovered {
                    year: y,
                    first: CRATE_FIRST_YEAR,
                    last: CRATE_LAST_YEAR,
                })
            }
            OutOfRange::Regla => out.extend(rule_festivos(y, cfg.ley_2578)),
        }
    }
    for d in &cfg.agregar {
        if (first_year..=last_year).contains(&d.year()) {
            insert(&mut out, *d, "festivo agregado por configuración");
        }
    }
    for d in &cfg.quitar {
        out.remove(d);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::d;

    fn dates(m: &BTreeMap<NaiveDate, String>, year: i32) -> Vec<String> {
        m.keys()
            .filter(|k| k.year() == year)
            .map(|k| k.format("%m-%d").to_string())
            .collect()
    }

    #[test]
    fn easter_fixtures() {
        let want = [
            "2018-04-01",
            "2019-04-21",
            "2020-04-12",
            "2021-04-04",
            "2022-04-17",
            "2023-04-09",
            "2024-03-31",
            "2025-04-20",
            "2026-04-05",
        ];
        for (i, w) in want.iter().enumerate() {
            assert_eq!(easter_sunday(2018 + i as i32), d(w));
        }
    }

    #[test]
    fn next_monday_maps_monday_to_itself() {
        assert_eq!(next_monday(d("2025-12-01")), d("2025-12-01"));
        assert_eq!(next_monday(d("2025-11-30")), d("2025-12-01"));
        assert_eq!(next_monday(d("2025-11-25")), d("2025-12-01"));
    }

    #[test]
    fn fixture_2025_has_17_distinct_dates() {
        let m = project_festivos(&FestivosConfig::default(), 2025, 2025).unwrap();
        assert_eq!(
            dates(&m, 2025),
            [
                "01-01", "01-06", "03-24", "04-17", "04-18", "05-01", "06-02", "06-23", "06-30",
                "07-20", "08-07", "08-18", "10-13", "11-03", "11-17", "12-08", "12-25"
            ]
        );
    }

    #[test]
    fn fixture_2026_has_19_dates_with_chiquinquira() {
        let m = project_festivos(&FestivosConfig::default(), 2026, 2026).unwrap();
        assert_eq!(
            dates(&m, 2026),
            [
                "01-01", "01-12", "03-23", "04-02", "04-03", "05-01", "05-18", "06-08", "06-15",
                "06-29", "07-13", "07-20", "08-07", "08-17", "10-12", "11-02", "11-16", "12-08",
                "12-25"
            ]
        );
    }

    #[test]
    fn chiquinquira_dates_missing_from_the_crate_are_added() {
        let m = project_festivos(&FestivosConfig::default(), 2026, 2030).unwrap();
        for s in [
            "2026-07-13",
            "2027-07-12",
            "2028-07-10",
            "2029-07-09",
            "2030-07-15",
        ] {
            assert!(m.contains_key(&d(s)), "{s}");
        }
        let without = FestivosConfig {
            ley_2578: false,
            ..FestivosConfig::default()
        };
        let m = project_festivos(&without, 2026, 2026).unwrap();
        assert!(!m.contains_key(&d("2026-07-13")));
    }

    #[test]
    fn project_calendar_equals_the_rule_for_every_covered_year() {
        let m = project_festivos(&FestivosConfig::default(), 2000, 2030).unwrap();
        for y in 2000..=2030 {
            let rule: Vec<NaiveDate> = rule_festivos(y, true).into_keys().collect();
            let got: Vec<NaiveDate> = m.keys().filter(|k| k.year() == y).copied().collect();
            assert_eq!(got, rule, "year {y}");
            let statutory = if y >= 2026 { 19 } else { 18 };
            let coinciding = [2000, 2003, 2011, 2014, 2019, 2025, 2030].contains(&y);
            assert_eq!(got.len(), statutory - usize::from(coinciding), "year {y}");
        }
    }

    #[test]
    fn nochebuena_and_nochevieja_are_not_festivos() {
        let m = project_festivos(&FestivosConfig::default(), 2000, 2030).unwrap();
        for y in 2000..=2030 {
            assert!(!m.contains_key(&ymd(y, 12, 24)));
            assert!(!m.contains_key(&ymd(y, 12, 31)));
        }
    }

    #[test]
    fn other_countries_use_their_own_festivos_without_colombian_additions() {
        let de = FestivosConfig {
            pais: Pais::De,
            ..FestivosConfig::default()
        };
        let m = project_festivos(&de, 2017, 2018).unwrap();
        assert!(
            m.contains_key(&d("2017-10-31")),
            "Reformationstag 2017 (national that year)"
        );
        assert!(
            m.contains_key(&d("2018-10-03")),
            "Tag der Deutschen Einheit"
        );
        assert!(m.contains_key(&d("2018-12-26")));
        assert!(!m.contains_key(&d("2018-12-08")), "no Colombian festivos");
        let us = FestivosConfig {
            pais: Pais::Us,
            ..FestivosConfig::default()
        };
        let m = project_festivos(&us, 2026, 2026).unwrap();
        assert!(m.contains_key(&d("2026-07-03")) || m.contains_key(&d("2026-07-04")));
        assert!(
            !m.contains_key(&d("2026-07-13")),
            "Ley 2578 is Colombian only"
        );
        let bad = FestivosConfig {
            pais: Pais::Gb,
            fuera_de_rango: OutOfRange::Regla,
            ..FestivosConfig::default()
        };
        assert!(bad.validate().is_err());
    }

    #[test]
    fn config_additions_and_removals_apply() {
        let cfg = FestivosConfig {
            agregar: vec![d("2025-12-24")],
            quitar: vec![d("2025-12-25")],
            ..FestivosConfig::default()
        };
        let m = project_festivos(&cfg, 2025, 2025).unwrap();
        assert!(m.contains_key(&d("2025-12-24")));
        assert!(!m.contains_key(&d("2025-12-25")));
    }

    #[test]
    fn duplicated_or_conflicting_config_dates_are_errors() {
        let dup = FestivosConfig {
            agregar: vec![d("2025-12-24"), d("2025-12-24")],
            ..FestivosConfig::default()
        };
        assert!(
            matches!(dup.validate(), Err(CalendarError::InvalidConfig { key, .. }) if key == "festivos.agregar")
        );
        let both = FestivosConfig {
            agregar: vec![d("2025-12-24")],
            quitar: vec![d("2025-12-24")],
            ..FestivosConfig::default()
        };
        assert!(both.validate().is_err());
    }
}
