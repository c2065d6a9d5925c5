//! Tolerant parsing of date cells (domain.md §0): an ISO date, or a timestamp converted to
//! local (Bogotá) time before it is cut to a date — never cut in UTC.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Utc};

/// Parses one date cell: `YYYY-MM-DD`, or an RFC 3339 / `YYYY-MM-DD HH:MM:SS±HH[:MM]`
/// timestamp cut to the date at `utc_offset_hours`. A timestamp without offset is taken as
/// local time already.
pub fn parse_date_cell(s: &str, utc_offset_hours: i32) -> Option<NaiveDate> {
    let s = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(d);
    }
    let local = FixedOffset::east_opt(utc_offset_hours * 3600)?;
    if let Ok(ts) = DateTime::parse_from_rfc3339(s)
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f%#z"))
    {
        return Some(ts.with_timezone(&local).date_naive());
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .map(|dt| dt.date())
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
