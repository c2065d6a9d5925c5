//! Tolerant parsing of date cells (domain.md §0): an ISO date, or a timestamp converted to
//! the business's local time (Bogotá for the first user; the country's zone elsewhere) before
//! it is cut to a date — never cut in UTC.

use std::fmt;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, Utc};

/// The business's local time, in which timestamps are cut to dates: a time zone of the IANA
/// database (daylight saving included: `Europe/Berlin` is UTC+1 in winter and UTC+2 in
/// summer) or a fixed offset from UTC (`source.utc_offset_hours`).
///
/// ```
/// use core_types::dates::{parse_date_cell, LocalZone};
/// let berlin = LocalZone::named("Europe/Berlin").unwrap();
/// // 23:30 UTC is already the next day in Berlin, summer (UTC+2) and winter (UTC+1) alike.
/// assert_eq!(parse_date_cell("2018-07-01T23:30:00Z", berlin).unwrap().to_string(), "2018-07-02");
/// assert_eq!(parse_date_cell("2018-01-01T23:30:00Z", berlin).unwrap().to_string(), "2018-01-02");
/// // 22:30 UTC is the next day in summer only.
/// assert_eq!(parse_date_cell("2018-07-01T22:30:00Z", berlin).unwrap().to_string(), "2018-07-02");
/// assert_eq!(parse_date_cell("2018-01-01T22:30:00Z", berlin).unwrap().to_string(), "2018-01-01");
/// // Bogotá: five hours behind UTC all year.
/// assert_eq!(parse_date_cell("2018-07-02T03:00:00Z", LocalZone::BOGOTA).unwrap().to_string(), "2018-07-01");
/// let minus_five = LocalZone::fixed_hours(-5).unwrap();
/// assert_eq!(parse_date_cell("2018-07-02T03:00:00Z", minus_five).unwrap().to_string(), "2018-07-01");
/// assert_eq!(minus_five.to_string(), "UTC-05:00");
/// assert!(LocalZone::fixed_hours(15).is_none() && LocalZone::named("Mars/Olympus").is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalZone {
    /// A fixed offset from UTC.
    Fixed(FixedOffset),
    /// A zone of the IANA database.
    Named(chrono_tz::Tz),
}

impl LocalZone {
    /// Bogotá: UTC−5 all year (domain.md §0).
    pub const BOGOTA: LocalZone = LocalZone::Named(chrono_tz::Tz::America__Bogota);

    /// A fixed offset of `hours` from UTC, if within −12..=14.
    pub fn fixed_hours(hours: i32) -> Option<LocalZone> {
        if !(-12..=14).contains(&hours) {
            return None;
        }
        FixedOffset::east_opt(hours * 3600).map(LocalZone::Fixed)
    }

    /// The IANA zone called `name` (`Europe/Berlin`, case aside), if the database has it.
    pub fn named(name: &str) -> Option<LocalZone> {
        let name = name.trim();
        name.parse::<chrono_tz::Tz>()
            .ok()
            .or_else(|| {
                chrono_tz::TZ_VARIANTS
                    .iter()
                    .copied()
                    .find(|tz| tz.name().eq_ignore_ascii_case(name))
            })
            .map(LocalZone::Named)
    }

    /// The local date of an instant.
    pub fn date_of(self, ts: &DateTime<FixedOffset>) -> NaiveDate {
        match self {
            LocalZone::Fixed(off) => ts.with_timezone(&off).date_naive(),
            LocalZone::Named(tz) => ts.with_timezone(&tz).date_naive(),
        }
    }

    /// Today's date in this zone.
    pub fn today(self) -> NaiveDate {
        self.date_of(&Utc::now().fixed_offset())
    }
}

impl fmt::Display for LocalZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LocalZone::Fixed(off) => write!(f, "UTC{off}"),
            LocalZone::Named(tz) => f.write_str(tz.name()),
        }
    }
}

/// Parses one date cell: `YYYY-MM-DD`, or an RFC 3339 / `YYYY-MM-DD HH:MM:SS±HH[:MM]`
/// timestamp cut to the date in `zone`. A timestamp without offset is taken as local time
/// already.
pub fn parse_date_cell(s: &str, zone: LocalZone) -> Option<NaiveDate> {
    match with_offset(s) {
        Some(ts) => Some(zone.date_of(&ts)),
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
/// timestamps), else each by [`parse_date_cell`] (timestamps cut to dates in `zone`).
/// A column none of whose readings holds every cell is tried in the formats spreadsheets
/// write dates in ([`spreadsheet_format`]: `31/12/2024`, `12/31/2024`, `31.12.2024`, …).
/// `None` for a cell that is no date.
pub fn parse_date_column(cells: &[&str], zone: LocalZone) -> Vec<Option<NaiveDate>> {
    let iso: Vec<Option<NaiveDate>> = if all_midnight(cells.iter().copied()) {
        cells
            .iter()
            .map(|s| as_written(s).map(|dt| dt.date()))
            .collect()
    } else {
        cells.iter().map(|s| parse_date_cell(s, zone)).collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    const B: LocalZone = LocalZone::BOGOTA;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_column_of_midnight_timestamps_holds_dates_as_written() {
        let utc = ["2013-07-01T00:00:00Z", "2013-07-02T00:00:00Z"];
        assert_eq!(
            parse_date_column(&utc, B),
            vec![Some(d("2013-07-01")), Some(d("2013-07-02"))]
        );
        let pandas = ["2013-07-01 00:00:00+00:00", "2013-07-02"];
        assert_eq!(
            parse_date_column(&pandas, B),
            vec![Some(d("2013-07-01")), Some(d("2013-07-02"))]
        );
        // One instant with a time of day: every timestamp is cut in local time, as before.
        let mixed = ["2013-07-01T00:00:00Z", "2013-07-02T03:00:00Z"];
        assert_eq!(
            parse_date_column(&mixed, B),
            vec![Some(d("2013-06-30")), Some(d("2013-07-01"))]
        );
        assert!(!all_midnight(["2013-07-01", "mañana"]));
        assert!(!all_midnight([]));
    }

    #[test]
    fn timestamps_are_cut_in_local_time() {
        assert_eq!(
            parse_date_cell("2020-01-02T03:00:00Z", B),
            Some(d("2020-01-01"))
        );
        assert_eq!(
            parse_date_cell("2020-01-02T03:00:00+00:00", B),
            Some(d("2020-01-01"))
        );
        assert_eq!(
            parse_date_cell("2020-01-02 03:00:00+00", B),
            Some(d("2020-01-01"))
        );
        assert_eq!(
            parse_date_cell("2020-01-02T23:30:00-05:00", B),
            Some(d("2020-01-02"))
        );
        assert_eq!(
            parse_date_cell("2020-01-02T23:30:00", B),
            Some(d("2020-01-02"))
        );
        assert_eq!(parse_date_cell(" 2020-01-02 ", B), Some(d("2020-01-02")));
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
        assert_eq!(parse_date_column(&co, B), want);
        let us = [
            "12/30/2024 8:26",
            "12/31/2024 17:02",
            "1/1/2025 9:00",
            "1/2/2025 0:00",
        ];
        assert_eq!(parse_date_column(&us, B), want);
        let de = ["30.12.2024", "31.12.2024", "01.01.2025", "02.01.2025"];
        assert_eq!(parse_date_column(&de, B), want);
        let walmart = ["30-12-2024", "31-12-2024", "01-01-2025", "02-01-2025"];
        assert_eq!(parse_date_column(&walmart, B), want);
        let compact = ["20241230", "20241231", "20250101", "20250102"];
        assert_eq!(parse_date_column(&compact, B), want);
        // Every day under 13: the reading whose rows step by days wins.
        let dm = ["10/01/2025", "11/01/2025", "12/01/2025"];
        assert_eq!(parse_date_column(&dm, B)[2], Some(d("2025-01-12")));
        let md = ["01/10/2025", "01/11/2025", "01/12/2025"];
        assert_eq!(parse_date_column(&md, B)[2], Some(d("2025-01-12")));
        // Two-digit years are not the years 24 and 25.
        assert_eq!(
            spreadsheet_format(&["30/12/24", "31/12/24"]),
            Some("%d/%m/%y")
        );
        // Mixed formats, or a cell that is no date, read nothing new.
        let mixed = ["2024-12-30", "31/12/2024"];
        assert_eq!(parse_date_column(&mixed, B), [Some(d("2024-12-30")), None]);
        let bad = ["30/12/2024", "ayer"];
        assert_eq!(parse_date_column(&bad, B), [None, None]);
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
            assert_eq!(parse_date_cell(s, B), None, "{s:?}");
        }
    }
}
