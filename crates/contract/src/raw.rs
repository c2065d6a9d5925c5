//! Raw cells: a data frame read cell by cell into a small closed enum, so validation and
//! cleansing see JSON numbers, numeric strings, booleans and dates the same way whatever the
//! source's column types were. Tolerant coercion rules of domain.md §9.

use chrono::NaiveDate;
use core_types::dates::LocalZone;
use polars::prelude::*;

use crate::ContractError;

/// One raw cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Missing.
    Null,
    /// A boolean.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A floating-point number (maybe NaN or infinite).
    Float(f64),
    /// Text.
    Text(String),
    /// A date.
    Date(NaiveDate),
}

impl Cell {
    /// The cell as it would be shown to a person (`null` for nulls).
    pub fn show(&self) -> String {
        match self {
            Cell::Null => "null".into(),
            Cell::Bool(b) => b.to_string(),
            Cell::Int(i) => i.to_string(),
            Cell::Float(f) => format!("{f}"),
            Cell::Text(s) => s.clone(),
            Cell::Date(d) => d.to_string(),
        }
    }

    /// Whether the cell is null or blank text.
    pub fn is_null(&self) -> bool {
        match self {
            Cell::Null => true,
            Cell::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }
}

/// One raw column.
#[derive(Debug, Clone, PartialEq)]
pub struct RawColumn {
    /// Name as found.
    pub name: String,
    /// Cells, one per row.
    pub cells: Vec<Cell>,
}

/// A raw table, column-major.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RawTable {
    /// Columns in source order.
    pub columns: Vec<RawColumn>,
    /// Number of rows.
    pub rows: usize,
}

fn cell(v: AnyValue) -> Cell {
    match v {
        AnyValue::Null => Cell::Null,
        AnyValue::Boolean(b) => Cell::Bool(b),
        AnyValue::Int8(x) => Cell::Int(x.into()),
        AnyValue::Int16(x) => Cell::Int(x.into()),
        AnyValue::Int32(x) => Cell::Int(x.into()),
        AnyValue::Int64(x) => Cell::Int(x),
        AnyValue::UInt8(x) => Cell::Int(x.into()),
        AnyValue::UInt16(x) => Cell::Int(x.into()),
        AnyValue::UInt32(x) => Cell::Int(x.into()),
        AnyValue::UInt64(x) => i64::try_from(x).map_or(Cell::Float(x as f64), Cell::Int),
        AnyValue::Float32(x) => Cell::Float(x.into()),
        AnyValue::Float64(x) => Cell::Float(x),
        AnyValue::String(s) => Cell::Text(s.to_string()),
        AnyValue::StringOwned(s) => Cell::Text(s.to_string()),
        AnyValue::Date(days) => NaiveDate::from_ymd_opt(1970, 1, 1)
            .and_then(|e| e.checked_add_signed(chrono::Duration::days(days.into())))
            .map_or(Cell::Null, Cell::Date),
        other => Cell::Text(other.to_string()),
    }
}

impl RawTable {
    /// Reads every cell of `frame`.
    pub fn from_frame(frame: &DataFrame) -> Result<Self, ContractError> {
        let rows = frame.height();
        let columns = frame
            .columns()
            .iter()
            .map(|c| {
                let cells = (0..rows)
                    .map(|i| c.get(i).map(cell))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(RawColumn {
                    name: c.name().to_string(),
                    cells,
                })
            })
            .collect::<Result<Vec<_>, ContractError>>()?;
        Ok(Self { columns, rows })
    }

    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&RawColumn> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// Why a cell could not be coerced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bad {
    /// Text that is not a value of the type.
    Unparseable,
    /// `NaN` or an infinity.
    NotFinite,
}

/// A number written as text, as the contract reads target cells: trimmed, a decimal comma
/// (`"1269,25"`) accepted when there is no decimal point, thousands separators read when the
/// cell leaves no doubt (`"16.969,86"`, `"1,234,567"`, `"1 234,5"`; a lone `"1.234"` is a
/// decimal here: a CSV column that groups thousands that way was rewritten by the
/// connector, see `core_types::numbers::column_grouping`); `None` when unparseable or not
/// finite. Anything that re-reads a raw cell (the
/// observed history, a flagged day's original value) goes through this, so a file with
/// decimal commas reads the same everywhere.
///
/// ```
/// assert_eq!(contract::parse_number(" 1269,25 "), Some(1269.25));
/// assert_eq!(contract::parse_number("12.5"), Some(12.5));
/// assert_eq!(contract::parse_number("16.969,86"), Some(16969.86));
/// assert_eq!(contract::parse_number("NaN"), None);
/// assert_eq!(contract::parse_number("doce"), None);
/// ```
pub fn parse_number(s: &str) -> Option<f64> {
    number_text(s).ok()
}

fn number_text(s: &str) -> Result<f64, Bad> {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    if [
        "nan",
        "inf",
        "+inf",
        "-inf",
        "infinity",
        "+infinity",
        "-infinity",
    ]
    .contains(&lower.as_str())
    {
        return Err(Bad::NotFinite);
    }
    let x: f64 = core_types::numbers::normalised(t, None)
        .ok_or(Bad::Unparseable)?
        .parse()
        .map_err(|_| Bad::Unparseable)?;
    if x.is_finite() {
        Ok(x)
    } else {
        Err(Bad::NotFinite)
    }
}

/// A cell as a number: JSON numbers, numeric strings (as [`parse_number`] reads them);
/// blank → `None`.
pub fn as_number(c: &Cell) -> Result<Option<f64>, Bad> {
    match c {
        _ if c.is_null() => Ok(None),
        Cell::Int(i) => Ok(Some(*i as f64)),
        Cell::Float(f) if f.is_finite() => Ok(Some(*f)),
        Cell::Float(_) => Err(Bad::NotFinite),
        Cell::Text(s) => number_text(s).map(Some),
        Cell::Bool(_) | Cell::Date(_) | Cell::Null => Err(Bad::Unparseable),
    }
}

/// A cell as a boolean: true/false, t/f, 1/0, si/sí/no, s/n, yes/no, verdadero/falso.
pub fn as_bool(c: &Cell) -> Result<Option<bool>, Bad> {
    match c {
        _ if c.is_null() => Ok(None),
        Cell::Bool(b) => Ok(Some(*b)),
        Cell::Int(0) => Ok(Some(false)),
        Cell::Int(1) => Ok(Some(true)),
        Cell::Float(f) if *f == 0.0 => Ok(Some(false)),
        Cell::Float(f) if *f == 1.0 => Ok(Some(true)),
        Cell::Text(s) => match s.trim().to_lowercase().as_str() {
            "true" | "t" | "1" | "si" | "sí" | "s" | "yes" | "y" | "verdadero" => Ok(Some(true)),
            "false" | "f" | "0" | "no" | "n" | "falso" => Ok(Some(false)),
            _ => Err(Bad::Unparseable),
        },
        _ => Err(Bad::Unparseable),
    }
}

/// A cell as a date: dates, ISO text, or timestamps cut at `zone`.
pub fn as_date(c: &Cell, zone: LocalZone) -> Result<Option<NaiveDate>, Bad> {
    match c {
        _ if c.is_null() => Ok(None),
        Cell::Date(d) => Ok(Some(*d)),
        Cell::Text(s) => core_types::dates::parse_date_cell(s, zone)
            .map(Some)
            .ok_or(Bad::Unparseable),
        _ => Err(Bad::Unparseable),
    }
}

/// A cell as a timestamp's instant (seconds since the epoch), for ordering duplicates.
pub fn as_timestamp(c: &Cell) -> Result<Option<i64>, Bad> {
    match c {
        _ if c.is_null() => Ok(None),
        Cell::Text(s) => {
            let t = s.trim();
            chrono::DateTime::parse_from_rfc3339(t)
                .or_else(|_| chrono::DateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f%#z"))
                .map(|dt| Some(dt.timestamp()))
                .map_err(|_| Bad::Unparseable)
        }
        Cell::Date(d) => Ok(d.and_hms_opt(0, 0, 0).map(|x| x.and_utc().timestamp())),
        _ => Err(Bad::Unparseable),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_from_json_numbers_and_strings() {
        assert_eq!(as_number(&Cell::Int(3)), Ok(Some(3.0)));
        assert_eq!(as_number(&Cell::Text(" 12.5 ".into())), Ok(Some(12.5)));
        assert_eq!(as_number(&Cell::Text("12,5".into())), Ok(Some(12.5)));
        assert_eq!(as_number(&Cell::Text("".into())), Ok(None));
        assert_eq!(as_number(&Cell::Text("NaN".into())), Err(Bad::NotFinite));
        assert_eq!(
            as_number(&Cell::Text("Infinity".into())),
            Err(Bad::NotFinite)
        );
        assert_eq!(as_number(&Cell::Text("-inf".into())), Err(Bad::NotFinite));
        assert_eq!(as_number(&Cell::Float(f64::NAN)), Err(Bad::NotFinite));
        assert_eq!(as_number(&Cell::Text("doce".into())), Err(Bad::Unparseable));
        assert_eq!(
            as_number(&Cell::Text("1,234,5".into())),
            Err(Bad::Unparseable)
        );
    }

    #[test]
    fn thousands_separators_are_read_when_the_cell_leaves_no_doubt() {
        for (s, x) in [
            ("16.969,86", 16969.86),
            ("16,969.86", 16969.86),
            ("-1.234.567,5", -1234567.5),
            ("1.234.567", 1234567.0),
            ("1,234,567", 1234567.0),
            ("1 234,5", 1234.5),
            ("1\u{202f}234\u{a0}567.25", 1234567.25),
            ("1'234.50", 1234.5),
            ("+12,5", 12.5),
            ("1269.25", 1269.25),
            ("0,75", 0.75),
        ] {
            assert_eq!(parse_number(s), Some(x), "{s}");
        }
        // One separator alone is a decimal one, as before.
        assert_eq!(parse_number("1.234"), Some(1.234));
        assert_eq!(parse_number("1,234"), Some(1.234));
        // Malformed grouping is refused, not guessed.
        for s in [
            "12.34.56",
            "1.23,4.5",
            "1 23,5",
            "1,2345.6",
            "1.234,5,6",
            "1..234",
            ",5.000",
        ] {
            assert_eq!(parse_number(s), None, "{s}");
        }
    }

    #[test]
    fn booleans_are_tolerant() {
        for (s, b) in [
            ("sí", true),
            ("Si", true),
            ("no", false),
            ("1", true),
            ("0", false),
            ("TRUE", true),
            ("false", false),
        ] {
            assert_eq!(as_bool(&Cell::Text(s.into())), Ok(Some(b)), "{s}");
        }
        assert_eq!(as_bool(&Cell::Int(1)), Ok(Some(true)));
        assert_eq!(as_bool(&Cell::Null), Ok(None));
        assert_eq!(as_bool(&Cell::Text("quizás".into())), Err(Bad::Unparseable));
        assert_eq!(as_bool(&Cell::Int(2)), Err(Bad::Unparseable));
    }

    #[test]
    fn dates_and_timestamps() {
        let d: NaiveDate = "2024-01-01".parse().unwrap();
        assert_eq!(as_date(&Cell::Date(d), LocalZone::BOGOTA), Ok(Some(d)));
        assert_eq!(
            as_date(
                &Cell::Text("2024-01-02T02:00:00Z".into()),
                LocalZone::BOGOTA
            ),
            Ok(Some(d))
        );
        assert_eq!(
            as_date(&Cell::Int(20240101), LocalZone::BOGOTA),
            Err(Bad::Unparseable)
        );
        assert_eq!(
            as_timestamp(&Cell::Text("2024-01-01T21:00:00-05:00".into())),
            Ok(Some(1704160800))
        );
    }

    #[test]
    fn frame_cells_round_trip() {
        let df = DataFrame::new(
            2,
            vec![
                Column::new("a".into(), [Some(1i64), None]),
                Column::new("b".into(), ["x", "y"]),
                Column::new(
                    "c".into(),
                    vec!["2024-01-01".parse::<NaiveDate>().unwrap(); 2],
                ),
            ],
        )
        .unwrap();
        let t = RawTable::from_frame(&df).unwrap();
        assert_eq!(t.rows, 2);
        assert_eq!(t.columns[0].cells, [Cell::Int(1), Cell::Null]);
        assert_eq!(t.columns[1].cells[1], Cell::Text("y".into()));
        assert_eq!(
            t.columns[2].cells[0],
            Cell::Date("2024-01-01".parse().unwrap())
        );
    }
}
