//! Tolerant parsing of date cells (domain.md §0): an ISO date, or a timestamp converted to
//! local (Bogotá) time before it is cut to a date — never cut in UTC.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, Utc};

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
/// A column none of whose readings holds every cell is tried in the formats spreadsheets
/// write dates in ([`spreadsheet_format`]: `31/12/2024`, `12/31/2024`, `31.12.2024`, …).
/// `None` for a cell that is no date.
pub fn parse_date_column(cells: &[&str], utc_offset_hours: i32) -> Vec<Option<NaiveDate>> {
    let iso: Vec<Option<NaiveDate>> = if all_midnight(cells.iter().copied()) {
        cells
            .iter()
            .map(|s| as_written(s).map(|dt| dt.date()))
            .collect()
    } else {
        cells
            .iter()
            .map(|s| parse_date_cell(s, utc_offset_hours))
            .collect()
    };
    if iso.iter().all(Option::is_some) {
        return iso;
    }
    match spreadsheet_format(cells) {
        Some(f) => cells.iter().map(|s| in_format(s, f)).collect(),
        None => iso,
    }
}

/// Date formats of spreadsheet exports, day first before month first where both read.
/// Entries with `%y` take two-digit years (1970–2069).
pub const SPREADSHEET_FORMATS: [&str; 12] = [
    "%d/%m/%Y", "%m/%d/%Y", "%d-%m-%Y", "%m-%d-%Y", "%d.%m.%Y", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d",
    "%d/%m/%y", "%m/%d/%y", "%d.%m.%y", "%d-%m-%y",
];

/// The cell's date in format `f`, a time of day after a space ignored (`12/1/2010 8:26`).
fn in_format(cell: &str, f: &str) -> Option<NaiveDate> {
    let date = cell.split_whitespace().next()?;
    let d = NaiveDate::parse_from_str(date, f).ok()?;
    // `%Y` must have been written with four digits (`1/7/13` is not the year 13).
    let four = !f.contains("%Y") || (1800..=2200).contains(&d.year_ce().1);
    four.then_some(d)
}

/// The one format of [`SPREADSHEET_FORMATS`] every non-blank cell is a date in, or, when
/// several are (`01/02/2024` is 1 February or 2 January), the one whose consecutive rows
/// step by a week or less most often — a daily table's rows follow the calendar, and the
/// wrong reading jumps by months; day first on a tie. `None` when no format reads every cell.
///
/// ```
/// use core_types::dates::spreadsheet_format;
/// assert_eq!(spreadsheet_format(&["30/12/2024", "31/12/2024"]), Some("%d/%m/%Y"));
/// assert_eq!(spreadsheet_format(&["12/30/2024", "12/31/2024 8:26"]), Some("%m/%d/%Y"));
/// assert_eq!(spreadsheet_format(&["01/02/2024", "01/03/2024"]), Some("%m/%d/%Y"));
/// assert_eq!(spreadsheet_format(&["31.12.24", "01.01.25"]), Some("%d.%m.%y"));
/// assert_eq!(spreadsheet_format(&["2024-12-31", "31/12/2024"]), None);
/// ```
pub fn spreadsheet_format(cells: &[&str]) -> Option<&'static str> {
    let cells: Vec<&str> = cells
        .iter()
        .copied()
        .filter(|c| !c.trim().is_empty())
        .collect();
    if cells.is_empty() {
        return None;
    }
    let mut best: Option<(&'static str, usize)> = None;
    for f in SPREADSHEET_FORMATS {
        let Some(dates) = cells
            .iter()
            .map(|c| in_format(c, f))
            .collect::<Option<Vec<NaiveDate>>>()
        else {
            continue;
        };
        let steady = dates
            .windows(2)
            .filter(|w| (w[1] - w[0]).num_days().abs() <= 7)
            .count();
        if best.is_none_or(|(_, b)| steady > b) {
            best = Some((f, steady));
        }
    }
    best.map(|(f, _)| f)
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
    fn spreadsheet_dates_are_read_per_column() {
        let co = ["30/12/2024", "31/12/2024", "1/01/2025", "2/01/2025"];
        let want = [
            Some(d("2024-12-30")),
            Some(d("2024-12-31")),
            Some(d("2025-01-01")),
            Some(d("2025-01-02")),
        ];
        assert_eq!(parse_date_column(&co, -5), want);
        let us = [
            "12/30/2024 8:26",
            "12/31/2024 17:02",
            "1/1/2025 9:00",
            "1/2/2025 0:00",
        ];
        assert_eq!(parse_date_column(&us, -5), want);
        let de = ["30.12.2024", "31.12.2024", "01.01.2025", "02.01.2025"];
        assert_eq!(parse_date_column(&de, -5), want);
        let walmart = ["30-12-2024", "31-12-2024", "01-01-2025", "02-01-2025"];
        assert_eq!(parse_date_column(&walmart, -5), want);
        let compact = ["20241230", "20241231", "20250101", "20250102"];
        assert_eq!(parse_date_column(&compact, -5), want);
        // Every day under 13: the reading whose rows step by days wins.
        let dm = ["10/01/2025", "11/01/2025", "12/01/2025"];
        assert_eq!(parse_date_column(&dm, -5)[2], Some(d("2025-01-12")));
        let md = ["01/10/2025", "01/11/2025", "01/12/2025"];
        assert_eq!(parse_date_column(&md, -5)[2], Some(d("2025-01-12")));
        // Two-digit years are not the years 24 and 25.
        assert_eq!(
            spreadsheet_format(&["30/12/24", "31/12/24"]),
            Some("%d/%m/%y")
        );
        // Mixed formats, or a cell that is no date, read nothing new.
        let mixed = ["2024-12-30", "31/12/2024"];
        assert_eq!(parse_date_column(&mixed, -5), [Some(d("2024-12-30")), None]);
        let bad = ["30/12/2024", "ayer"];
        assert_eq!(parse_date_column(&bad, -5), [None, None]);
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
