//! Tolerant parsing of date cells (domain.md §0): an ISO date, or a timestamp converted to
//! local (Bogotá) time before it is cut to a date — never cut in UTC.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Utc};

/// Parses one date cell: `YYYY-MM-DD`, or an RFC 3339 / `YYYY-MM-DD HH:MM:SS±HH[:MM]`
/// timestamp cut to the date at `utc_offset_hours`. A timestamp without offset is taken as
/// local time already.
pub fn parse_date_cell(s: &str, utc_offset_hours: i32) -> Option<NaiveDate> {
    match with_offset(s) {
        Some(ts) => FixedOffset::east_opt(utc_offset_hours * 3600)
            .map(|local| ts.with_timezone(&local).date_naive()),
        None => as_written(s).map(|dt| dt.date()),
    }
}

/// A timestamp with an offset: RFC 3339 or `YYYY-MM-DD HH:MM:SS±HH[:MM]`.
fn with_offset(s: &str) -> Option<DateTime<FixedOffset>> {
    let s = s.trim();
    DateTime::parse_from_rfc3339(s)
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f%#z"))
        .ok()
}

/// The date and time of day as written in a date or timestamp cell, in the timestamp's own
/// offset (no conversion): `2013-07-01T00:00:00Z` is 1 July at midnight.
fn as_written(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0);
    }
    if let Some(ts) = with_offset(s) {
        return Some(ts.naive_local());
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
}

/// Whether every cell of a date column is a date, or a timestamp at midnight in its own
/// offset: a daily table exported with timestamps (`2013-07-01T00:00:00Z`, pandas'
/// `2013-07-01 00:00:00+00:00`). Such a column holds dates, and cutting them at Bogotá's
/// offset would move every day back by one; [`parse_date_column`] then takes them as written.
pub fn all_midnight<'a>(cells: impl IntoIterator<Item = &'a str>) -> bool {
    let mut any = false;
    for s in cells {
        any = true;
        match as_written(s) {
            Some(dt) if dt.time() == chrono::NaiveTime::MIN => {}
            _ => return false,
        }
    }
    any
}

/// A date column's cells as dates: taken as written when [`all_midnight`] (dates written as
/// timestamps), else each by [`parse_date_cell`] (timestamps cut at `utc_offset_hours`).
/// `None` for a cell that is neither.
pub fn parse_date_column(cells: &[&str], utc_offset_hours: i32) -> Vec<Option<NaiveDate>> {
    if all_midnight(cells.iter().copied()) {
        cells
            .iter()
            .map(|s| as_written(s).map(|dt| dt.date()))
            .collect()
    } else {
        cells
            .iter()
            .map(|s| parse_date_cell(s, utc_offset_hours))
            .collect()
    }
}

/// Today's date at `utc_offset_hours` (Bogotá: −5).
pub fn today_at(utc_offset_hours: i32) -> NaiveDate {
    let off = FixedOffset::east_opt(utc_offset_hours * 3600).expect("offset within a day");
    Utc::now().with_timezone(&off).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_column_of_midnight_timestamps_holds_dates_as_written() {
        let utc = ["2013-07-01T00:00:00Z", "2013-07-02T00:00:00Z"];
        assert_eq!(
            parse_date_column(&utc, -5),
            vec![Some(d("2013-07-01")), Some(d("2013-07-02"))]
        );
        let pandas = ["2013-07-01 00:00:00+00:00", "2013-07-02"];
        assert_eq!(
            parse_date_column(&pandas, -5),
            vec![Some(d("2013-07-01")), Some(d("2013-07-02"))]
        );
        // One instant with a time of day: every timestamp is cut in local time, as before.
        let mixed = ["2013-07-01T00:00:00Z", "2013-07-02T03:00:00Z"];
        assert_eq!(
            parse_date_column(&mixed, -5),
            vec![Some(d("2013-06-30")), Some(d("2013-07-01"))]
        );
        assert!(!all_midnight(["2013-07-01", "mañana"]));
        assert!(!all_midnight([]));
    }

    #[test]
    fn timestamps_are_cut_in_local_time() {
        assert_eq!(
            parse_date_cell("2020-01-02T03:00:00Z", -5),
            Some(d("2020-01-01"))
        );
        assert_eq!(
            parse_date_cell("2020-01-02T03:00:00+00:00", -5),
            Some(d("2020-01-01"))
        );
        assert_eq!(
            parse_date_cell("2020-01-02 03:00:00+00", -5),
            Some(d("2020-01-01"))
        );
        assert_eq!(
            parse_date_cell("2020-01-02T23:30:00-05:00", -5),
            Some(d("2020-01-02"))
        );
        assert_eq!(
            parse_date_cell("2020-01-02T23:30:00", -5),
            Some(d("2020-01-02"))
        );
        assert_eq!(parse_date_cell(" 2020-01-02 ", -5), Some(d("2020-01-02")));
    }

    #[test]
    fn other_formats_are_rejected() {
        for s in [
            "02/01/2020",
            "2020-13-01",
            "2020-02-30",
            "",
            "NaN",
            "20200102",
        ] {
            assert_eq!(parse_date_cell(s, -5), None, "{s:?}");
        }
    }
}
