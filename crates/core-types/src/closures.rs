//! Regular non-trading days: weekdays a shop never trades and dates it closes every year.
//!
//! One rule, used by cleansing (to call an absent day a closure rather than a gap) and by the
//! feature layer (to carry the closures into the horizon).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// Fewest occurrences of a weekday before it can be called a regular closure.
pub const MIN_WEEKDAY_OCCURRENCES: usize = 8;
/// Share of a weekday's dates that must be closed for the weekday to be a regular closure.
pub const WEEKDAY_SHARE: f64 = 0.9;
/// Days in a week.
const WEEKDAYS: usize = 7;
/// Fewest years a day of the year must be covered by to be a regular closure (closed in every
/// year it fell on a traded weekday, at least one).
pub const MIN_YEARS: usize = 2;

/// Closures that repeat: by weekday and by day of the year.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecurringClosures {
    /// Weekdays closed (almost) always, `Mon`..`Sun`.
    pub weekdays: Vec<Weekday>,
    /// `(month, day)` covered by at least [`MIN_YEARS`] years and closed in every one of them
    /// it fell on a weekday the shop trades (at least one).
    pub annual: Vec<(u32, u32)>,
}

impl RecurringClosures {
    /// Whether `d` falls on a recurring closure.
    pub fn contains(&self, d: NaiveDate) -> bool {
        self.weekdays.contains(&d.weekday()) || self.annual.contains(&(d.month(), d.day()))
    }

    /// Whether no closure repeats.
    pub fn is_empty(&self) -> bool {
        self.weekdays.is_empty() && self.annual.is_empty()
    }
}

/// The recurring closures of a history `first..=last` in which the days in `closed` did not
/// trade.
pub fn recurring(
    closed: &BTreeSet<NaiveDate>,
    first: NaiveDate,
    last: NaiveDate,
) -> RecurringClosures {
    let days =
        || std::iter::successors(Some(first), |d| d.succ_opt()).take_while(move |d| *d <= last);
    let mut total: BTreeMap<u32, (usize, usize)> = BTreeMap::new();
    for d in days() {
        let w = total.entry(d.weekday().num_days_from_monday()).or_default();
        w.0 += 1;
        w.1 += usize::from(closed.contains(&d));
    }
    let weekdays: Vec<Weekday> = total
        .iter()
        .filter(|(_, (n, c))| {
            *n >= MIN_WEEKDAY_OCCURRENCES && *c as f64 >= WEEKDAY_SHARE * *n as f64
        })
        .filter_map(|(k, _)| Weekday::try_from(*k as u8).ok())
        .collect();
    // Every weekday (almost) never traded is a sparse history, not a weekly pattern.
    let weekdays = if weekdays.len() == WEEKDAYS {
        Vec::new()
    } else {
        weekdays
    };
    // A day of the year is judged by the years it fell on a weekday the shop trades: a
    // weekly series' dates are closed in every year they missed its one weekday, which says
    // nothing of the date. (years covered, years on a traded weekday, of those closed)
    let mut annual: BTreeMap<(u32, u32), (usize, usize, usize)> = BTreeMap::new();
    for d in days() {
        let a = annual.entry((d.month(), d.day())).or_default();
        a.0 += 1;
        if !weekdays.contains(&d.weekday()) {
            a.1 += 1;
            a.2 += usize::from(closed.contains(&d));
        }
    }
    let annual: Vec<(u32, u32)> = annual
        .into_iter()
        .filter(|(_, (years, traded, c))| *years >= MIN_YEARS && *traded >= 1 && c == traded)
        .map(|(k, _)| k)
        .collect();
    RecurringClosures { weekdays, annual }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_weekday_never_traded_and_christmas_every_year() {
        let (first, last) = (day("2020-01-01"), day("2022-12-31"));
        let mut closed = BTreeSet::new();
        let mut d = first;
        while d <= last {
            if d.weekday() == Weekday::Sun || (d.month() == 12 && d.day() == 25) {
                closed.insert(d);
            }
            d = d.succ_opt().unwrap();
        }
        // One Sunday traded does not change the verdict.
        closed.remove(&day("2021-06-06"));
        let r = recurring(&closed, first, last);
        assert_eq!(r.weekdays, vec![Weekday::Sun]);
        assert_eq!(r.annual, vec![(12, 25)]);
        assert!(r.contains(day("2023-12-25")));
        assert!(r.contains(day("2023-01-01"))); // a Sunday
        assert!(!r.contains(day("2023-01-02")));
    }

    #[test]
    fn a_weekly_series_closes_its_other_weekdays_and_no_date_of_the_year() {
        let (first, last) = (day("2013-07-01"), day("2018-01-15"));
        let closed: BTreeSet<NaiveDate> = std::iter::successors(Some(first), |d| d.succ_opt())
            .take_while(|d| *d <= last)
            .filter(|d| d.weekday() != Weekday::Mon)
            .collect();
        let r = recurring(&closed, first, last);
        assert_eq!(r.weekdays.len(), 6);
        assert!(!r.weekdays.contains(&Weekday::Mon));
        assert!(
            r.annual.is_empty(),
            "{:?}",
            &r.annual[..r.annual.len().min(5)]
        );
    }

    #[test]
    fn christmas_on_a_closed_sunday_still_counts_its_other_year() {
        // Closed on Sundays and on 25 December; 2022's fell on a Sunday.
        let (first, last) = (day("2021-01-01"), day("2022-12-31"));
        let closed: BTreeSet<NaiveDate> = std::iter::successors(Some(first), |d| d.succ_opt())
            .take_while(|d| *d <= last)
            .filter(|d| d.weekday() == Weekday::Sun || (d.month(), d.day()) == (12, 25))
            .collect();
        let r = recurring(&closed, first, last);
        assert_eq!(r.weekdays, vec![Weekday::Sun]);
        assert_eq!(r.annual, vec![(12, 25)]);
    }

    #[test]
    fn a_sparse_history_closes_no_weekday() {
        // Fifteen rows over three years: every weekday is absent almost always.
        let (first, last) = (day("2021-01-01"), day("2023-12-31"));
        let open: BTreeSet<NaiveDate> =
            (0..15).map(|k| first + chrono::Days::new(k * 73)).collect();
        let closed: BTreeSet<NaiveDate> = std::iter::successors(Some(first), |d| d.succ_opt())
            .take_while(|d| *d <= last)
            .filter(|d| !open.contains(d))
            .collect();
        assert!(recurring(&closed, first, last).weekdays.is_empty());
    }

    #[test]
    fn one_year_is_not_a_pattern() {
        let closed: BTreeSet<NaiveDate> = [day("2021-12-25")].into();
        let r = recurring(&closed, day("2021-01-01"), day("2021-12-31"));
        assert!(r.is_empty());
    }
}
