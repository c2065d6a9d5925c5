//! The subdivision table: the holidays that the subdivisions of 23 countries add to, or drop
//! from, their national calendar, and the national calendars of the 149 countries of
//! python-holidays that the `holidays` crate lacks (`subdivisiones.tsv`, embedded; rows coded
//! `EC`, without a subdivision, are Ecuador's holidays).
//!
//! The table is derived from python-holidays 0.109 (public category) by
//! `bench/festivos_subdivisiones.py`: every US state and territory, the Australian states, the
//! Canadian provinces, England / Scotland / Wales / Northern Ireland, the Spanish autonomous
//! communities, the Swiss cantons, the Austrian Länder, the Brazilian states, the Italian
//! provinces, the French departments and territories that differ, Indian and Malaysian states,
//! and the subdivisions of AM, AR, BA, BO, CL, FI, NI, NO, NZ, PL and PT. Germany's Länder are
//! written by hand ([`super::subdivisiones`]).
//!
//! A row is one holiday of one subdivision: `+` added, `-` a national holiday it does not
//! keep, `=` a subdivision with none of its own. The calendar of a subdivision is
//! python-holidays': where the crate's national calendar (an older python-holidays') differs
//! from today's, every subdivision of the country has the difference, written once as `CC-*`
//! (Armenia's substituted days off, for instance); the national calendar itself stays the
//! crate's. Most are yearly rules ([`Rule`]: a fixed
//! date, an Easter offset, the n-th or last weekday of a month, the first weekday on or after
//! or the last on or before a date) with the first and last year they hold (open when they
//! held in 2000 / 2030: the rule continues). Holidays no such rule explains (lunar calendars,
//! observed days, one-off days) are their dates in 2000–2030 (`fechas`), so they are absent
//! outside those years. The integration tests `tests/subdivisiones.rs` and `tests/paises.rs`
//! check every subdivision and every table country against python-holidays' own dates for
//! 2000–2030.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};

use super::fallback::Rule;
use super::insert;

/// The embedded table.
const TABLE: &str = include_str!("subdivisiones.tsv");

/// Whether a row adds or drops a holiday.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sign {
    Add,
    Drop,
}

/// When a row's holiday falls.
#[derive(Debug, Clone, PartialEq, Eq)]
enum When {
    Rule(Rule),
    Dates(Vec<NaiveDate>),
}

/// One holiday of one subdivision.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    sign: Sign,
    when: When,
    first: Option<i32>,
    last: Option<i32>,
    name: &'static str,
}

impl Row {
    fn date(&self, year: i32) -> Vec<NaiveDate> {
        if self.first.is_some_and(|f| year < f) || self.last.is_some_and(|l| year > l) {
            return Vec::new();
        }
        match &self.when {
            When::Rule(r) => r.date(year).into_iter().collect(),
            When::Dates(ds) => ds.iter().copied().filter(|d| d.year() == year).collect(),
        }
    }
}

/// The rows of every subdivision (`US-TX`, `AM-*`) and of every table country (`EC`), by
/// code; a subdivision with none of its own has an empty list.
static ROWS: LazyLock<BTreeMap<&'static str, Vec<Row>>> = LazyLock::new(|| {
    let mut out: BTreeMap<&'static str, Vec<Row>> = BTreeMap::new();
    for (k, line) in TABLE.lines().enumerate() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let (code, row) =
            parse_line(line).unwrap_or_else(|why| panic!("subdivisiones.tsv:{}: {why}", k + 1));
        let rows = out.entry(code).or_default();
        rows.extend(row);
    }
    out
});

/// A row of the embedded table; `None` for a `=` row. The table is generated and checked by
/// the crate's tests, so a malformed row is a bug, reported with its line.
fn parse_line(line: &'static str) -> Result<(&'static str, Option<Row>), &'static str> {
    let f: Vec<&'static str> = line.split('\t').collect();
    let [code, sign, rule, first, last, name] = f[..] else {
        return Err("expected six tab-separated fields");
    };
    let sign = match sign {
        "+" => Sign::Add,
        "-" => Sign::Drop,
        "=" => return Ok((code, None)),
        _ => return Err("the sign is +, - or ="),
    };
    let year = |s: &str| -> Result<Option<i32>, &'static str> {
        (!s.is_empty())
            .then(|| s.parse().map_err(|_| "a year is a number"))
            .transpose()
    };
    Ok((
        code,
        Some(Row {
            sign,
            when: parse_rule(rule)?,
            first: year(first)?,
            last: year(last)?,
            name,
        }),
    ))
}

fn month(s: &str) -> Result<u32, &'static str> {
    s.parse()
        .ok()
        .filter(|m| (1..=12).contains(m))
        .ok_or("a month is 01 to 12")
}

fn month_day(s: &str) -> Result<(u32, u32), &'static str> {
    let (m, d) = s.split_once('-').ok_or("expected MM-DD")?;
    let (m, d) = (month(m)?, d.parse().map_err(|_| "bad day")?);
    // Checked against a leap year: 29 February is a rule's date when there is one.
    NaiveDate::from_ymd_opt(2024, m, d).ok_or("no such day of the year")?;
    Ok((m, d))
}

fn weekday(s: &str) -> Result<u8, &'static str> {
    ["lun", "mar", "mie", "jue", "vie", "sab", "dom"]
        .iter()
        .position(|w| *w == s)
        .map(|p| p as u8)
        .ok_or("a weekday is lun, mar, mie, jue, vie, sab or dom")
}

fn number<T: std::str::FromStr>(s: &str) -> Result<T, &'static str> {
    s.parse().map_err(|_| "expected a number")
}

/// `fija MM-DD | pascua N | pascua_ortodoxa N | n MM WD K | ultimo MM WD | desde MM-DD WD |
/// hasta MM-DD WD | fechas YYYY-MM-DD,...`
fn parse_rule(s: &str) -> Result<When, &'static str> {
    let parts: Vec<&str> = s.split(' ').collect();
    let rule = match parts[..] {
        ["fija", md] => {
            let (month, day) = month_day(md)?;
            Rule::Fixed { month, day }
        }
        ["pascua", k] => Rule::Easter(number(k)?),
        ["pascua_ortodoxa", k] => Rule::OrthodoxEaster(number(k)?),
        ["n", m, wd, n] => Rule::Nth {
            month: month(m)?,
            wd: weekday(wd)?,
            n: number(n)
                .ok()
                .filter(|n| (1..=5).contains(n))
                .ok_or("n is 1 to 5")?,
        },
        ["ultimo", m, wd] => Rule::Last {
            month: month(m)?,
            wd: weekday(wd)?,
        },
        ["desde", md, wd] | ["hasta", md, wd] => {
            let (month, day) = month_day(md)?;
            let wd = weekday(wd)?;
            if parts[0] == "desde" {
                Rule::OnOrAfter { month, day, wd }
            } else {
                Rule::OnOrBefore { month, day, wd }
            }
        }
        ["fechas", list] => {
            return list
                .split(',')
                .map(|d| d.parse().map_err(|_| "a date is YYYY-MM-DD"))
                .collect::<Result<Vec<NaiveDate>, _>>()
                .map(When::Dates)
        }
        _ => return Err("unknown rule"),
    };
    Ok(When::Rule(rule))
}

/// The table's subdivision suffixes of `country` (`["ACT", "NSW", …]` for `AU`), sorted.
pub(crate) fn subdivisions(country: &str) -> Vec<&'static str> {
    ROWS.keys()
        .filter_map(|k| k.strip_prefix(country)?.strip_prefix('-'))
        .filter(|s| *s != ALL)
        .collect()
}

/// The countries the table covers, space-separated (`AM AR AT …`), for messages.
pub(crate) fn countries() -> String {
    let mut out: Vec<&str> = ROWS
        .keys()
        .filter_map(|k| k.split_once('-'))
        .map(|(c, _)| c)
        .collect();
    out.dedup();
    out.join(" ")
}

/// The countries whose national calendar is the table's (rows coded `CC`, no subdivision):
/// python-holidays' countries that the `holidays` crate lacks (`EC`, `PH`, `TH`, …), sorted.
pub(crate) fn national_countries() -> Vec<&'static str> {
    ROWS.keys().copied().filter(|k| !k.contains('-')).collect()
}

/// The table's own `&'static` code of the table country `cc`, if it is one.
pub(crate) fn national_code(cc: &str) -> Option<&'static str> {
    ROWS.get_key_value(cc)
        .map(|(k, _)| *k)
        .filter(|k| !k.contains('-'))
}

/// Adds the national holidays of a table country (`EC`) for `year` to `m`. Rules hold in
/// any year of their range; a holiday kept as its dates (lunar calendars, observed days)
/// exists in 2000–2030 only.
pub(crate) fn national(country: &str, year: i32, m: &mut BTreeMap<NaiveDate, String>) {
    let rows: Vec<&Row> = ROWS.get(country).into_iter().flatten().collect();
    // The adds first, then the drops: a `-` row takes out the date a rule gives in a year
    // the holiday moved. Two holidays of one day share it, their names joined.
    apply_rows(&rows, year, [Sign::Add, Sign::Drop], true, m);
}

/// Applies `rows` for `year` to `m`, one sign after the other in `order`; an added date that
/// is already a holiday gets the row's name joined to its own when `join`, else keeps its own.
fn apply_rows(
    rows: &[&Row],
    year: i32,
    order: [Sign; 2],
    join: bool,
    m: &mut BTreeMap<NaiveDate, String>,
) {
    for sign in order {
        for row in rows.iter().filter(|r| r.sign == sign) {
            for d in row.date(year) {
                match sign {
                    Sign::Drop => {
                        m.remove(&d);
                    }
                    Sign::Add if join || !m.contains_key(&d) => insert(m, d, row.name),
                    Sign::Add => {}
                }
            }
        }
    }
}

/// The holidays of a table country that only a list of dates gives (no rule: a lunar
/// calendar) and that fall in every year of `edge` (the covered years nearest to a year
/// outside them), sorted: a year beyond the table's would miss them.
pub(crate) fn listed_only(country: &str, edge: (i32, i32)) -> Vec<String> {
    let mut out: Vec<String> = ROWS
        .get(country)
        .into_iter()
        .flatten()
        .filter(|r| r.sign == Sign::Add && matches!(r.when, When::Dates(_)))
        .filter(|r| (edge.0..=edge.1).all(|y| !r.date(y).is_empty()))
        .map(|r| r.name.to_string())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The suffix of the rows every subdivision of a country shares (`AM-*`): where the crate's
/// national calendar differs from python-holidays'.
const ALL: &str = "*";

/// Applies the table's rows of the subdivision `sub` of `country` for `year` to `m`, which
/// holds the national holidays (with the rows all its subdivisions share): the dropped ones
/// first, then the added ones (a date that is already a holiday keeps its name).
pub(crate) fn apply(country: &str, sub: &str, year: i32, m: &mut BTreeMap<NaiveDate, String>) {
    let Some(own) = ROWS.get(format!("{country}-{sub}").as_str()) else {
        return;
    };
    let shared = ROWS.get(format!("{country}-{ALL}").as_str());
    let rows: Vec<&Row> = shared.into_iter().flatten().chain(own).collect();
    apply_rows(&rows, year, [Sign::Drop, Sign::Add], false, m);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::d;

    #[test]
    fn rules_parse_and_give_their_dates() {
        let (code, row) = parse_line("US-TX\t+\tfija 03-02\t\t\tTexas Independence Day").unwrap();
        let row = row.unwrap();
        assert_eq!(
            (code, row.sign, row.name),
            ("US-TX", Sign::Add, "Texas Independence Day")
        );
        assert_eq!(row.date(2024), vec![d("2024-03-02")]);
        // The first Tuesday of November (Melbourne Cup Day), from 2010.
        let (_, cup) = parse_line("AU-VIC\t+\tn 11 mar 1\t2010\t\tMelbourne Cup Day").unwrap();
        let cup = cup.unwrap();
        assert_eq!(cup.date(2023), vec![d("2023-11-07")]);
        assert!(cup.date(2009).is_empty());
        let (_, easter) = parse_line("AU-VIC\t+\tpascua -1\t\t2025\tEaster Saturday").unwrap();
        assert_eq!(easter.unwrap().date(2024), vec![d("2024-03-30")]);
        let (_, list) = parse_line("US-CA\t+\tfechas 2026-11-08,2027-10-29\t\t\tDiwali").unwrap();
        let list = list.unwrap();
        assert_eq!(list.date(2027), vec![d("2027-10-29")]);
        assert!(list.date(2031).is_empty());
        let (_, none) = parse_line("AT-1\t=\t\t\t\tthe national holidays").unwrap();
        assert!(none.is_none());
        assert!(parse_line("US-TX\t+\tevery 03-02\t\t\tx").is_err());
        assert!(parse_line("US-TX\t+\tfija 13-02\t\t\tx").is_err());
        assert!(parse_line("US-TX\t+\tfija 02-30\t\t\tx").is_err());
        assert!(parse_line("US-TX\t+\tultimo 00 lun\t\t\tx").is_err());
        assert!(parse_line("US-TX\t+\tn 05 lun 6\t\t\tx").is_err());
        assert!(parse_line("US-TX\t+\tfija 03-02").is_err());
    }

    #[test]
    fn the_whole_table_parses() {
        assert!(ROWS.len() > 400, "{}", ROWS.len());
        assert!(subdivisions("US").contains(&"TX"));
        assert!(subdivisions("AU").contains(&"VIC"));
        assert!(subdivisions("DE").is_empty(), "the Länder are hand-written");
        assert!(ROWS.contains_key("AM-*") && !subdivisions("AM").contains(&"*"));
        let countries = countries();
        assert!(
            countries.starts_with("AM AR AT AU") && countries.contains(" US"),
            "{countries}"
        );
        assert!(ROWS.contains_key("AT-1") && !ROWS.contains_key("US-XX"));
    }

    #[test]
    fn victoria_adds_the_melbourne_cup_and_texas_drops_columbus_day() {
        let mut m = BTreeMap::new();
        apply("AU", "VIC", 2023, &mut m);
        assert!(m
            .get(&d("2023-11-07"))
            .is_some_and(|n| n.contains("Melbourne Cup")));
        let columbus = d("2023-10-09");
        let mut us = BTreeMap::from([(columbus, "Columbus Day".to_string())]);
        apply("US", "TX", 2023, &mut us);
        assert!(!us.contains_key(&columbus));
        assert!(us.contains_key(&d("2023-03-02")), "{us:?}");
    }
}
