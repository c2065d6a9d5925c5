//! The rule-based fallback for countries other than Colombia, for years outside the
//! `holidays` crate's data (`fuera_de_rango: regla`).
//!
//! The rules are recognised in the five covered years nearest to the year asked for
//! ([`CRATE_FIRST_YEAR`]`..+4` before the data, `..`[`CRATE_LAST_YEAR`] after it): every
//! holiday of the nearest covered year is explained, if possible, by a rule that gives a
//! holiday in each of those five years:
//!
//! - a fixed date (`14 July`),
//! - an offset from (Western) Easter Sunday or from Orthodox Easter Sunday,
//! - the n-th (1st–4th) or the last weekday of a month (`fourth Thursday of November`),
//! - the first given weekday on or after a date (`Monday on or after 12 October`, Midsummer
//!   Saturday) or the last one on or before a date (`Monday on or before 24 May`).
//!
//! The fallback then gives the dates of those rules in the year asked for. What it cannot do,
//! and does not pretend to do:
//!
//! - holidays on lunar or other calendars (Eid al-Fitr, Chinese New Year, Diwali …): if a
//!   holiday name occurs in every one of the five years but follows none of the rules, the
//!   fallback refuses with [`CalendarError::RuleFallbackUnavailable`] naming those holidays;
//! - substitute or "observed" days (a Sunday holiday moved to Monday), one-off days and
//!   holidays that did not exist yet in the year asked for (e.g. Juneteenth before 2021) are
//!   not reproduced: the set of the nearest covered year is assumed to hold.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Days, NaiveDate, Weekday};

use super::{crate_festivos, easter_sunday, Pais, CRATE_FIRST_YEAR, CRATE_LAST_YEAR};
use crate::CalendarError;

/// How many covered years at the edge of the data the rules are recognised in.
pub const EDGE_YEARS: i32 = 5;

/// A yearly holiday rule (also the rules of the subdivision table, [`super::tabla`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Rule {
    Fixed {
        month: u32,
        day: u32,
    },
    Easter(i64),
    OrthodoxEaster(i64),
    Nth {
        month: u32,
        wd: u8,
        n: u8,
    },
    Last {
        month: u32,
        wd: u8,
    },
    /// The first `wd` on or after `month`/`day` (Colombia's "next Monday", Midsummer).
    OnOrAfter {
        month: u32,
        day: u32,
        wd: u8,
    },
    /// The last `wd` on or before `month`/`day` (Canada's Victoria Day).
    OnOrBefore {
        month: u32,
        day: u32,
        wd: u8,
    },
}

fn weekday(n: u8) -> Weekday {
    Weekday::try_from(n).expect("weekday numbers are 0..7")
}

/// The `n`-th (1-based) `wd` of `month` in `year`.
pub(crate) fn nth_weekday(year: i32, month: u32, wd: Weekday, n: u8) -> Option<NaiveDate> {
    NaiveDate::from_weekday_of_month_opt(year, month, wd, n)
}

/// The last `wd` of `month` in `year`.
pub(crate) fn last_weekday(year: i32, month: u32, wd: Weekday) -> NaiveDate {
    let (ny, nm) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    let mut d = NaiveDate::from_ymd_opt(ny, nm, 1).expect("valid month") - Days::new(1);
    while d.weekday() != wd {
        d = d - Days::new(1);
    }
    d
}

/// Orthodox Easter Sunday of `year` in the Gregorian calendar (Meeus's Julian computus plus
/// the 13-day difference, valid 1900–2099).
pub fn orthodox_easter_sunday(year: i32) -> NaiveDate {
    let a = year % 4;
    let b = year % 7;
    let c = year % 19;
    let d = (19 * c + 15) % 30;
    let e = (2 * a + 4 * b - d + 34) % 7;
    let month = (d + e + 114) / 31;
    let day = (d + e + 114) % 31 + 1;
    let julian = NaiveDate::from_ymd_opt(year, month as u32, day as u32)
        .expect("computus gives a valid date");
    julian + Days::new(13)
}

impl Rule {
    /// The rule's date in `year` (`None` when it has none that year, e.g. 29 February).
    pub(crate) fn date(self, year: i32) -> Option<NaiveDate> {
        match self {
            Rule::Fixed { month, day } => NaiveDate::from_ymd_opt(year, month, day),
            Rule::Easter(k) => easter_sunday(year).checked_add_signed(chrono::Duration::days(k)),
            Rule::OrthodoxEaster(k) => {
                orthodox_easter_sunday(year).checked_add_signed(chrono::Duration::days(k))
            }
            Rule::Nth { month, wd, n } => nth_weekday(year, month, weekday(wd), n),
            Rule::Last { month, wd } => Some(last_weekday(year, month, weekday(wd))),
            Rule::OnOrAfter { month, day, wd } => {
                NaiveDate::from_ymd_opt(year, month, day).map(|a| {
                    a + Days::new(u64::from(
                        (7 + wd as u32 - a.weekday().num_days_from_monday()) % 7,
                    ))
                })
            }
            Rule::OnOrBefore { month, day, wd } => {
                NaiveDate::from_ymd_opt(year, month, day).map(|a| {
                    a - Days::new(u64::from(
                        (7 + a.weekday().num_days_from_monday() - wd as u32) % 7,
                    ))
                })
            }
        }
        .filter(|d| d.year() == year)
    }

    fn candidates(d: NaiveDate) -> Vec<Rule> {
        let y = d.year();
        let wd = d.weekday().num_days_from_monday() as u8;
        let mut out = vec![
            Rule::Fixed {
                month: d.month(),
                day: d.day(),
            },
            Rule::Easter((d - easter_sunday(y)).num_days()),
            Rule::OrthodoxEaster((d - orthodox_easter_sunday(y)).num_days()),
        ];
        let n = ((d.day() - 1) / 7 + 1) as u8;
        if n <= 4 {
            out.push(Rule::Nth {
                month: d.month(),
                wd,
                n,
            });
        }
        if last_weekday(y, d.month(), d.weekday()) == d {
            out.push(Rule::Last {
                month: d.month(),
                wd,
            });
        }
        for k in 0..7 {
            for (anchor, after) in [(d - Days::new(k), true), (d + Days::new(k), false)] {
                if anchor.year() != y || (anchor.month(), anchor.day()) == (2, 29) {
                    continue;
                }
                let (month, day) = (anchor.month(), anchor.day());
                out.push(if after {
                    Rule::OnOrAfter { month, day, wd }
                } else {
                    Rule::OnOrBefore { month, day, wd }
                });
            }
        }
        out
    }
}

/// The rules recognised at one edge of the data.
#[derive(Debug, Clone)]
pub(crate) struct Inferred {
    rules: Vec<(Rule, String)>,
    unexplained: Vec<String>,
    edge: (i32, i32),
}

/// The covered years nearest to `year` (outside them) where rules are looked for: the first
/// or the last [`EDGE_YEARS`] of the crate's.
pub(crate) fn edge_years(year: i32) -> (i32, i32) {
    if year < CRATE_FIRST_YEAR {
        (CRATE_FIRST_YEAR, CRATE_FIRST_YEAR + EDGE_YEARS - 1)
    } else {
        (CRATE_LAST_YEAR - EDGE_YEARS + 1, CRATE_LAST_YEAR)
    }
}

/// Why `year` of `pais` cannot be given by rule: these `holidays` of the covered years `edge`
/// follow none.
pub(crate) fn unavailable(
    pais: Pais,
    year: i32,
    edge: (i32, i32),
    holidays: Vec<String>,
) -> CalendarError {
    CalendarError::RuleFallbackUnavailable {
        pais: pais.to_string(),
        year,
        first: CRATE_FIRST_YEAR,
        last: CRATE_LAST_YEAR,
        edge_first: edge.0,
        edge_last: edge.1,
        holidays,
    }
}

impl Inferred {
    /// Recognises the rules of `country` (national) in the covered years nearest to `year`.
    pub(crate) fn near(country: holidays::Country, year: i32) -> Inferred {
        let edge = edge_years(year);
        let nearest = if year < CRATE_FIRST_YEAR {
            edge.0
        } else {
            edge.1
        };
        let all = crate_festivos(country, edge.0, edge.1);
        let holds =
            |r: Rule| (edge.0..=edge.1).all(|y| r.date(y).is_some_and(|d| all.contains_key(&d)));
        let mut rules: BTreeMap<Rule, String> = BTreeMap::new();
        let mut unexplained = BTreeSet::new();
        for (d, name) in all.range(ymd(nearest, 1, 1)..=ymd(nearest, 12, 31)) {
            let found: Vec<Rule> = Rule::candidates(*d)
                .into_iter()
                .filter(|r| holds(*r))
                .collect();
            if found.is_empty() {
                let recurring = (edge.0..=edge.1).all(|y| {
                    all.range(ymd(y, 1, 1)..=ymd(y, 12, 31))
                        .any(|(_, n)| n == name)
                });
                if recurring {
                    unexplained.insert(name.clone());
                }
            }
            for r in found {
                rules.entry(r).or_insert_with(|| name.clone());
            }
        }
        Inferred {
            rules: rules.into_iter().collect(),
            unexplained: unexplained.into_iter().collect(),
            edge,
        }
    }

    /// The holidays of `year` by the recognised rules, or why there are none.
    pub(crate) fn festivos(
        &self,
        pais: Pais,
        year: i32,
    ) -> Result<BTreeMap<NaiveDate, String>, CalendarError> {
        if !self.unexplained.is_empty() {
            return Err(unavailable(pais, year, self.edge, self.unexplained.clone()));
        }
        let mut m = BTreeMap::new();
        for (r, name) in &self.rules {
            if let Some(d) = r.date(year) {
                m.entry(d).or_insert_with(|| name.clone());
            }
        }
        Ok(m)
    }
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::d;

    #[test]
    fn weekday_helpers() {
        assert_eq!(
            nth_weekday(2018, 10, Weekday::Mon, 2),
            NaiveDate::from_ymd_opt(2018, 10, 8)
        );
        assert_eq!(
            last_weekday(2024, 4, Weekday::Fri),
            NaiveDate::from_ymd_opt(2024, 4, 26).unwrap()
        );
        assert_eq!(
            last_weekday(2024, 12, Weekday::Tue),
            NaiveDate::from_ymd_opt(2024, 12, 31).unwrap()
        );
    }

    #[test]
    fn orthodox_easter_fixtures() {
        for (y, s) in [
            (2021, "2021-05-02"),
            (2023, "2023-04-16"),
            (2024, "2024-05-05"),
            (2025, "2025-04-20"),
        ] {
            assert_eq!(orthodox_easter_sunday(y), d(s), "{y}");
        }
    }

    /// Recognised at the edges, the rules reproduce the crate's own years inside the data
    /// for countries with fixed, Easter-relative and weekday holidays only (no observed days).
    #[test]
    fn rules_recognised_at_the_edge_reproduce_inner_covered_years() {
        for (code, year) in [("DE", 2010), ("FR", 2015), ("DE", 2024)] {
            let pais: Pais = code.parse().unwrap();
            let country = pais.country().unwrap();
            let inf = Inferred::near(country, if year < 2015 { 1999 } else { 2031 });
            let got: Vec<NaiveDate> = inf.festivos(pais, year).unwrap().into_keys().collect();
            let want: Vec<NaiveDate> = crate_festivos(country, year, year).into_keys().collect();
            assert_eq!(got, want, "{code} {year}");
        }
    }

    /// Every country either gets a rule-based year or a refusal naming its irregular
    /// holidays; the countries with Western-calendar holidays only get a year.
    #[test]
    fn every_country_gives_a_year_or_a_clear_refusal() {
        let mut refused = Vec::new();
        for code in crate::festivos::PAISES {
            let pais: Pais = code.parse().unwrap();
            for year in [1990, 2045] {
                match Inferred::near(pais.country().unwrap(), year).festivos(pais, year) {
                    Ok(m) => assert!(m.keys().all(|d| d.year() == year) && !m.is_empty()),
                    Err(CalendarError::RuleFallbackUnavailable { holidays, .. }) => {
                        assert!(!holidays.is_empty());
                        refused.push(format!("{code}@{year}: {}", holidays.join("; ")));
                    }
                    Err(e) => panic!("{code} {year}: {e}"),
                }
            }
        }
        for ok in [
            "CO", "DE", "US", "GB", "FR", "ES", "BR", "MX", "GR", "RU", "CA", "SE",
        ] {
            let prefix = format!("{ok}@");
            assert!(
                !refused.iter().any(|r| r.starts_with(&prefix)),
                "{ok}: {refused:?}"
            );
        }
        println!("{}", refused.join("\n"));
    }
}
