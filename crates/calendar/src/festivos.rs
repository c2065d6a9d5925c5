//! Festivos (public holidays): Colombia by default (domain.md §3), or any country of the
//! `holidays` crate or of python-holidays ([`paises`]), optionally with a subdivision
//! ([`Pais`]).
//!
//! The Colombian project calendar is
//! `crate_CO(y) ∪ {next_monday(9 July y) | y ≥ 2026} ∪ agregar − quitar`. The Ley 51 de 1983
//! rule is also implemented here ([`rule_festivos`]); a test shows it agrees with the
//! crate-based calendar for every covered year, so it serves as the fallback outside those
//! years when the config asks for it.
//!
//! Other countries: `crate_C(y)`, plus or minus the subdivision's own holidays
//! ([`subdivisiones`]: every German Land by hand, and a table derived from python-holidays
//! for every US state and the subdivisions of 22 other countries; any other subdivision
//! keeps the national holidays unless `subdivision_sin_reglas: error`), `∪ agregar − quitar`.
//! A country the crate lacks (Ecuador, Thailand, …) takes its national calendar from the same
//! table (rows coded `EC`, derived from python-holidays 2000–2030): its rules hold in any year,
//! its listed dates in 2000–2030 only.
//! Outside the crate's years (2000–2030 for every country), `fuera_de_rango: regla` derives
//! the national holidays from rules recognised in the nearest covered years ([`fallback`]),
//! or refuses with a typed error saying why; `auto` (the default) does so for every country
//! but Colombia, whose years outside the crate's are refused (domain §3.3).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::{dow, plus_days, CalendarError};

pub mod fallback;
mod pais;
pub mod subdivisiones;
mod tabla;

pub use fallback::orthodox_easter_sunday;
pub use pais::{paises, subdivisiones_con_reglas, Pais, PaisError, DE_LAENDER, PAISES};

/// First year covered by the `holidays` crate's data (the same for all 101 countries).
pub const CRATE_FIRST_YEAR: i32 = 2000;
/// Last year covered by the `holidays` crate's data (the same for all 101 countries).
pub const CRATE_LAST_YEAR: i32 = 2030;
/// First year of the Chiquinquirá festivo created by Ley 2578 de 2026.
pub const LEY_2578_FIRST_YEAR: i32 = 2026;

/// What to do for a year outside the `holidays` crate's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutOfRange {
    /// `error` for Colombia (the bakery's domain: a year outside 2000–2030 fails, §3.3) and
    /// `regla` for every other country, whose older histories (Melbourne's temperatures
    /// from 1981) then run with the source and the country alone (default).
    Auto,
    /// Fail with [`CalendarError::YearNotCovered`].
    Error,
    /// Derive the festivos by rule: for Colombia the Ley 51 rule of [`rule_festivos`]; for
    /// other countries of the `holidays` crate the rules recognised in the nearest covered
    /// years ([`fallback`]); for the table's countries (`EC`, `TH`, …) the table's own rules;
    /// either way [`CalendarError::RuleFallbackUnavailable`] when, in the nearest covered
    /// years, the country has holidays no such rule explains (lunar calendars). Subdivision
    /// rules apply in every year.
    Regla,
}

/// What to do with a subdivision whose own holidays are not implemented (`NL-ZH`, `GB-LND`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SinReglas {
    /// Use the country's national holidays (default; the pipeline logs a warning naming the
    /// subdivision): add the regional ones with `agregar`.
    #[default]
    Nacional,
    /// Refuse the config with [`PaisError::SubdivisionNotImplemented`].
    Error,
}

/// Festivo settings (`calendar.festivos`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FestivosConfig {
    /// Country of the festivos, optionally with a subdivision (`CO`, `FR`, `DE-SH`, `US-MN`).
    /// The Colombian additions below apply only to `CO`.
    pub pais: Pais,
    /// Add the Ley 2578 de 2026 festivo (9 July moved to Monday) from 2026 on (`CO` only).
    pub ley_2578: bool,
    /// Extra festivo dates.
    pub agregar: Vec<NaiveDate>,
    /// Dates that are not festivos even if a source says so.
    pub quitar: Vec<NaiveDate>,
    /// Behaviour outside the crate's years.
    pub fuera_de_rango: OutOfRange,
    /// A subdivision without rules of its own: its national holidays, or an error.
    #[serde(default)]
    pub subdivision_sin_reglas: SinReglas,
}

impl Default for FestivosConfig {
    fn default() -> Self {
        Self {
            pais: Pais::CO,
            ley_2578: true,
            agregar: Vec::new(),
            quitar: Vec::new(),
            fuera_de_rango: OutOfRange::Auto,
            subdivision_sin_reglas: SinReglas::Nacional,
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
        if let Some(sub) = self
            .pais
            .subdivision_without_rules()
            .filter(|_| self.subdivision_sin_reglas == SinReglas::Error)
        {
            return Err(CalendarError::InvalidConfig {
                key: "festivos.pais".into(),
                message: PaisError::SubdivisionNotImplemented {
                    country: self.pais.country_code().into(),
                    subdivision: sub.into(),
                }
                .to_string(),
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

pub(crate) fn insert(map: &mut BTreeMap<NaiveDate, String>, d: NaiveDate, name: &str) {
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

/// The festivos of the `holidays` crate for `country` and `first..=last`, which must lie
/// inside [`CRATE_FIRST_YEAR`]`..=`[`CRATE_LAST_YEAR`].
pub(crate) fn crate_festivos(
    country: holidays::Country,
    first: i32,
    last: i32,
) -> BTreeMap<NaiveDate, String> {
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

/// The project festivo calendar for every year in `first_year..=last_year` (domain.md §3.3):
/// the national holidays (crate, or the rule outside its years), the subdivision's own,
/// then `agregar` and `quitar`.
pub fn project_festivos(
    cfg: &FestivosConfig,
    first_year: i32,
    last_year: i32,
) -> Result<BTreeMap<NaiveDate, String>, CalendarError> {
    let mut out = BTreeMap::new();
    let lo = first_year.max(CRATE_FIRST_YEAR);
    let hi = last_year.min(CRATE_LAST_YEAR);
    let colombia = cfg.pais.is_colombia();
    let rule = match cfg.fuera_de_rango {
        OutOfRange::Auto => !colombia,
        OutOfRange::Error => false,
        OutOfRange::Regla => true,
    };
    let Some(country) = cfg.pais.country() else {
        // A country of the table: its rules hold in any year, its listed dates in 2000–2030.
        // Outside, as for the crate's countries, a holiday of every one of the nearest
        // covered years that is only a list of dates (a lunar calendar) refuses the year:
        // the first year outside on each side stands for the others of that side.
        let before = (first_year < CRATE_FIRST_YEAR).then_some(first_year);
        let after = (last_year > CRATE_LAST_YEAR).then_some(first_year.max(CRATE_LAST_YEAR + 1));
        for y in before.into_iter().chain(after) {
            if !rule {
                return Err(CalendarError::YearNotCovered {
                    year: y,
                    first: CRATE_FIRST_YEAR,
                    last: CRATE_LAST_YEAR,
                });
            }
            let edge = fallback::edge_years(y);
            let holidays = tabla::listed_only(cfg.pais.country_code(), edge);
            if !holidays.is_empty() {
                return Err(fallback::unavailable(cfg.pais, y, edge, holidays));
            }
        }
        for y in first_year..=last_year {
            tabla::national(cfg.pais.country_code(), y, &mut out);
            subdivisiones::apply(cfg.pais, y, &mut out);
        }
        return Ok(with_config_days(cfg, first_year, last_year, out));
    };
    if lo <= hi {
        out = crate_festivos(country, lo, hi);
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
    // Rules recognised at each edge of the data, built on first use.
    let mut before: Option<fallback::Inferred> = None;
    let mut after: Option<fallback::Inferred> = None;
    for y in first_year..=last_year {
        if (CRATE_FIRST_YEAR..=CRATE_LAST_YEAR).contains(&y) {
            continue;
        }
        match (rule, colombia) {
            (false, _) => {
                return Err(CalendarError::YearNotCovered {
                    year: y,
                    first: CRATE_FIRST_YEAR,
                    last: CRATE_LAST_YEAR,
                })
            }
            (true, true) => out.extend(rule_festivos(y, cfg.ley_2578)),
            (true, false) => {
                let side = if y < CRATE_FIRST_YEAR {
                    &mut before
                } else {
                    &mut after
                };
                let rules = side.get_or_insert_with(|| fallback::Inferred::near(country, y));
                out.extend(rules.festivos(cfg.pais, y)?);
            }
        }
    }
    for y in first_year..=last_year {
        subdivisiones::apply(cfg.pais, y, &mut out);
    }
    Ok(with_config_days(cfg, first_year, last_year, out))
}

/// `out` with the configuration's `agregar` (inside the years) and `quitar` days.
fn with_config_days(
    cfg: &FestivosConfig,
    first_year: i32,
    last_year: i32,
    mut out: BTreeMap<NaiveDate, String>,
) -> BTreeMap<NaiveDate, String> {
    for d in &cfg.agregar {
        if (first_year..=last_year).contains(&d.year()) {
            insert(&mut out, *d, "festivo agregado por configuración");
        }
    }
    for d in &cfg.quitar {
        out.remove(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::d;

    #[test]
    fn a_subdivision_without_rules_keeps_the_national_holidays_or_is_refused() {
        let cfg = |pais: &str, sin: SinReglas| FestivosConfig {
            pais: pais.parse().unwrap(),
            subdivision_sin_reglas: sin,
            ..FestivosConfig::default()
        };
        let nl = project_festivos(&cfg("NL", SinReglas::Nacional), 2015, 2020).unwrap();
        let zh = cfg("NL-ZH", SinReglas::Nacional);
        assert!(zh.validate().is_ok());
        assert_eq!(project_festivos(&zh, 2015, 2020).unwrap(), nl);
        let refused = cfg("NL-ZH", SinReglas::Error)
            .validate()
            .unwrap_err()
            .to_string();
        assert!(
            refused.contains("festivos.pais") && refused.contains("`NL-ZH` are not implemented"),
            "{refused}"
        );
        let us = project_festivos(&cfg("US", SinReglas::Nacional), 2015, 2020).unwrap();
        // Subdivisions with rules are unaffected by the setting.
        assert!(cfg("US-MN", SinReglas::Error).validate().is_ok());
        let mn = project_festivos(&cfg("US-MN", SinReglas::Error), 2015, 2020).unwrap();
        assert!(mn.len() < us.len());
    }

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
            pais: Pais::DE,
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
            pais: Pais::US,
            ..FestivosConfig::default()
        };
        let m = project_festivos(&us, 2026, 2026).unwrap();
        assert!(m.contains_key(&d("2026-07-03")) || m.contains_key(&d("2026-07-04")));
        assert!(
            !m.contains_key(&d("2026-07-13")),
            "Ley 2578 is Colombian only"
        );
        // `regla` is no longer Colombian only: other countries get the generic fallback.
        let gb = FestivosConfig {
            pais: Pais::GB,
            fuera_de_rango: OutOfRange::Regla,
            ..FestivosConfig::default()
        };
        assert!(gb.validate().is_ok());
    }

    fn cfg(pais: &str) -> FestivosConfig {
        FestivosConfig {
            pais: pais.parse().unwrap(),
            ..FestivosConfig::default()
        }
    }

    /// Ecuador is not in the `holidays` crate: its calendar is the table's. Its rules hold
    /// outside 2000–2030 too; its observed days, kept as dates (not every year), do not.
    #[test]
    fn a_country_of_the_table_has_its_rules_in_any_year_and_its_listed_days_in_range() {
        let ec = project_festivos(&cfg("EC"), 2022, 2032).unwrap();
        let names = |y: i32| -> Vec<String> {
            ec.range(d(&format!("{y}-01-01"))..=d(&format!("{y}-12-31")))
                .map(|(k, v)| format!("{k} {v}"))
                .collect()
        };
        assert!(ec
            .get(&d("2024-05-24"))
            .is_some_and(|n| n.contains("Pichincha")));
        assert!(ec
            .get(&d("2024-03-29"))
            .is_some_and(|n| n.contains("Good Friday")));
        // 2022's observed Labour Day (a listed date) and 2032's carnival (an Easter rule).
        assert!(ec.contains_key(&d("2022-05-02")), "{:?}", names(2022));
        assert!(ec.contains_key(&d("2032-02-09")), "{:?}", names(2032));
        assert!(ec.contains_key(&d("2032-08-10")));
        // A holiday moved in some years is its rule with exceptions, so it goes on after
        // 2030: Costa Rica's Independence Day, moved in 2020–2022.
        let cr = project_festivos(&cfg("CR"), 2020, 2031).unwrap();
        assert!(!cr.contains_key(&d("2021-09-15")) && cr.contains_key(&d("2023-09-15")));
        assert!(cr.contains_key(&d("2031-09-15")), "{cr:?}");
        // A holiday of a lunar calendar is a list of dates: past 2030 the year is refused,
        // naming it, as for the crate's countries.
        match project_festivos(&cfg("PH"), 2030, 2031).unwrap_err() {
            CalendarError::RuleFallbackUnavailable {
                pais,
                year,
                holidays,
                ..
            } => {
                assert_eq!((pais.as_str(), year), ("PH", 2031));
                assert!(
                    holidays.iter().any(|h| h.contains("Chinese New Year")),
                    "{holidays:?}"
                );
            }
            other => panic!("{other:?}"),
        }
        let strict = FestivosConfig {
            fuera_de_rango: OutOfRange::Error,
            ..cfg("EC")
        };
        assert_eq!(
            project_festivos(&strict, 2030, 2031).unwrap_err(),
            CalendarError::YearNotCovered {
                year: 2031,
                first: CRATE_FIRST_YEAR,
                last: CRATE_LAST_YEAR
            }
        );
        // The configuration's days apply as for any country.
        let mut own = cfg("EC");
        own.agregar = vec![d("2024-02-14")];
        own.quitar = vec![d("2024-12-25")];
        let own = project_festivos(&own, 2024, 2024).unwrap();
        assert!(own.contains_key(&d("2024-02-14")) && !own.contains_key(&d("2024-12-25")));
    }

    #[test]
    fn reformationstag_in_schleswig_holstein_from_2018_and_all_germany_in_2017() {
        let sh = project_festivos(&cfg("DE-SH"), 2016, 2019).unwrap();
        assert!(sh.contains_key(&d("2018-10-31")));
        assert!(sh.contains_key(&d("2019-10-31")));
        assert!(!sh.contains_key(&d("2016-10-31")));
        for land in DE_LAENDER {
            let m = project_festivos(&cfg(&format!("DE-{land}")), 2017, 2017).unwrap();
            assert!(m.contains_key(&d("2017-10-31")), "{land}");
        }
        let de = project_festivos(&cfg("DE"), 2016, 2018).unwrap();
        assert!(de.contains_key(&d("2017-10-31")));
        assert!(!de.contains_key(&d("2016-10-31")) && !de.contains_key(&d("2018-10-31")));
    }

    #[test]
    fn bavaria_has_epiphany_corpus_christi_and_all_saints_but_not_assumption() {
        let by = project_festivos(&cfg("DE-BY"), 2020, 2020).unwrap();
        assert_eq!(by[&d("2020-01-06")], "Heilige Drei Könige");
        assert_eq!(by[&d("2020-06-11")], "Fronleichnam"); // Easter 12 April + 60
        assert!(by.contains_key(&d("2020-11-01")));
        assert!(!by.contains_key(&d("2020-08-15")));
        let de = project_festivos(&cfg("DE"), 2020, 2020).unwrap();
        assert!(!de.contains_key(&d("2020-01-06")) && !de.contains_key(&d("2020-06-11")));
        let sl = project_festivos(&cfg("DE-SL"), 2020, 2020).unwrap();
        assert!(sl.contains_key(&d("2020-08-15")));
    }

    #[test]
    fn other_german_land_rules() {
        let sn = project_festivos(&cfg("DE-SN"), 2024, 2024).unwrap();
        assert_eq!(sn[&d("2024-11-20")], "Buß- und Bettag");
        let be = project_festivos(&cfg("DE-BE"), 2018, 2025).unwrap();
        assert!(!be.contains_key(&d("2018-03-08")) && be.contains_key(&d("2019-03-08")));
        assert!(be.contains_key(&d("2025-05-08")));
        let mv = project_festivos(&cfg("DE-MV"), 2022, 2023).unwrap();
        assert!(!mv.contains_key(&d("2022-03-08")) && mv.contains_key(&d("2023-03-08")));
        let th = project_festivos(&cfg("DE-TH"), 2018, 2019).unwrap();
        assert!(!th.contains_key(&d("2018-09-20")) && th.contains_key(&d("2019-09-20")));
        let bb = project_festivos(&cfg("DE-BB"), 2024, 2024).unwrap();
        assert_eq!(bb[&d("2024-03-31")], "Ostersonntag");
        assert_eq!(bb[&d("2024-05-19")], "Pfingstsonntag");
    }

    /// python-holidays 0.109, `holidays.US(subdiv="MN")` against `holidays.US()`: Minnesota
    /// has no holiday beyond the federal ones and does not keep Columbus Day.
    #[test]
    fn minnesota_is_federal_without_columbus_day() {
        let mn = project_festivos(&cfg("US-MN"), 2012, 2018).unwrap();
        let us = project_festivos(&cfg("US"), 2012, 2018).unwrap();
        let columbus = [
            "2012-10-08",
            "2013-10-14",
            "2014-10-13",
            "2015-10-12",
            "2016-10-10",
            "2017-10-09",
            "2018-10-08",
        ];
        let extra: Vec<&NaiveDate> = mn.keys().filter(|k| !us.contains_key(k)).collect();
        assert!(extra.is_empty(), "{extra:?}");
        let missing: Vec<String> = us
            .keys()
            .filter(|k| !mn.contains_key(k))
            .map(|k| k.to_string())
            .collect();
        assert_eq!(missing, columbus);
        // A few full vectors from python-holidays for US-MN.
        for s in [
            "2012-01-02",
            "2012-01-16",
            "2012-02-20",
            "2012-05-28",
            "2012-07-04",
            "2012-09-03",
            "2012-11-12",
            "2012-11-22",
            "2012-12-25",
            "2015-07-03",
            "2017-01-02",
            "2018-11-12",
        ] {
            assert!(mn.contains_key(&d(s)), "{s}");
        }
        assert_eq!(mn.keys().filter(|k| k.year() == 2016).count(), 10);
    }

    #[test]
    fn a_sample_of_other_countries_loads() {
        for (code, date, name_part) in [
            ("FR", "2024-07-14", "Fête nationale"),
            ("ES", "2024-10-12", "Hispanidad"),
            ("BR", "2024-09-07", "Independência"),
            ("MX", "2024-09-16", "Independencia"),
            ("GB", "2024-12-25", "Christmas"),
            ("JP", "2024-05-03", ""),
        ] {
            let m = project_festivos(&cfg(code), 2024, 2024).unwrap();
            let name = m.get(&d(date)).unwrap_or_else(|| panic!("{code} {date}"));
            assert!(name.contains(name_part), "{code} {date}: {name}");
            assert!(!m.contains_key(&d("2024-07-20")) || code == "CO");
        }
    }

    #[test]
    fn rule_fallback_for_other_countries() {
        let fr = FestivosConfig {
            fuera_de_rango: OutOfRange::Regla,
            ..cfg("FR")
        };
        let m = project_festivos(&fr, 2031, 2031).unwrap();
        assert!(m.contains_key(&d("2031-07-14")) && m.contains_key(&d("2031-01-01")));
        assert!(
            m.contains_key(&d("2031-04-14")),
            "Easter Monday (Easter 13 April 2031)"
        );
        assert!(m.contains_key(&d("2031-05-22")), "Ascension");
        let us = FestivosConfig {
            fuera_de_rango: OutOfRange::Regla,
            ..cfg("US-MN")
        };
        let m = project_festivos(&us, 1999, 1999).unwrap();
        assert!(
            m.contains_key(&d("1999-11-25")),
            "Thanksgiving, 4th Thursday"
        );
        assert!(
            m.contains_key(&d("1999-05-31")),
            "Memorial Day, last Monday"
        );
        assert!(!m.contains_key(&d("1999-10-11")), "no Columbus Day in MN");
        let de_by = FestivosConfig {
            fuera_de_rango: OutOfRange::Regla,
            ..cfg("DE-BY")
        };
        let m = project_festivos(&de_by, 1998, 1998).unwrap();
        assert!(m.contains_key(&d("1998-10-03")) && m.contains_key(&d("1998-06-11")));
        // Countries with lunar holidays: a clear refusal naming them.
        let eg = FestivosConfig {
            fuera_de_rango: OutOfRange::Regla,
            ..cfg("EG")
        };
        match project_festivos(&eg, 2031, 2031).unwrap_err() {
            CalendarError::RuleFallbackUnavailable {
                pais,
                year,
                holidays,
                ..
            } => {
                assert_eq!((pais.as_str(), year), ("EG", 2031));
                assert!(!holidays.is_empty());
            }
            other => panic!("{other:?}"),
        }
        // With `error` the error names the covered range, for every country.
        let error = |pais: &str| FestivosConfig {
            fuera_de_rango: OutOfRange::Error,
            ..cfg(pais)
        };
        assert_eq!(
            project_festivos(&error("FR"), 2031, 2031).unwrap_err(),
            CalendarError::YearNotCovered {
                year: 2031,
                first: 2000,
                last: 2030
            }
        );
        // `auto` (the default): the rule for every country but Colombia, whose domain
        // refuses years outside the crate's.
        let fr = project_festivos(&cfg("FR"), 2031, 2031).unwrap();
        assert!(fr.contains_key(&d("2031-07-14")));
        assert!(matches!(
            project_festivos(&cfg("CO"), 2031, 2031).unwrap_err(),
            CalendarError::YearNotCovered { year: 2031, .. }
        ));
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
