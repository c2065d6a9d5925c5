//! The file source: CSV, Parquet or a spreadsheet workbook, with a column mapping onto the
//! contract's names.
//!
//! Source columns named in the mapping are renamed (e.g. `date → fecha`, `y →
//! unidades_vendidas`); every other column is kept as it is. The date column must parse as
//! an ISO date (`YYYY-MM-DD`) or an RFC 3339 timestamp, which is converted to the business's time zone
//! before taking the date (domain.md §0). Every failure names the file, and where it applies
//! the row, line and column.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use core_types::cols;
use core_types::dates::{parse_date_column, LocalZone};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::ConnectorError;

/// File format of a file source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    /// Decide by extension (`.csv`/`.txt`, `.parquet`/`.pq`, `.xlsx`/`.xlsm`/`.xlsb`/`.xls`/
    /// `.ods`).
    Auto,
    /// Comma-separated values with a header line.
    Csv,
    /// Apache Parquet.
    Parquet,
    /// A spreadsheet workbook (`.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods`): one sheet.
    Excel,
}

/// CSV reading options (`source.csv`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsvOptions {
    /// Field separator, one ASCII character; `null` = sniffed from the header line among
    /// `,` `;` tab and `|`.
    pub separator: Option<char>,
    /// Rows used to infer column types (`null` = all rows).
    pub infer_schema_rows: Option<usize>,
    /// Thousands separator of numbers written with a lone `.` or `,` (`1.234`): `auto`
    /// decides per column ([`core_types::numbers::column_grouping`]), `none` reads every
    /// cell alone (`1.234` = 1.234), `.` or `,` forces it.
    #[serde(default)]
    pub thousands: Thousands,
}

/// How lone separators are read (`source.csv.thousands`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Thousands {
    /// Per column, from all its cells.
    #[default]
    #[serde(rename = "auto")]
    Auto,
    /// Never: a lone separator is a decimal one.
    #[serde(rename = "none")]
    Never,
    /// `.` groups thousands (`1.234` = 1234; the decimal separator is `,`).
    #[serde(rename = ".")]
    Dot,
    /// `,` groups thousands (`1,234` = 1234; the decimal separator is `.`).
    #[serde(rename = ",")]
    Comma,
}

/// A column whose lone separators were read as thousands separators (logged).
#[derive(Debug, Clone, PartialEq)]
struct Regrouped {
    /// Column name as found in the file.
    pub column: String,
    /// The separator read as grouping thousands.
    pub grouping: char,
    /// Cells read differently from a reading cell by cell.
    pub cells: usize,
    /// The first such cell, as written and as read.
    pub example: (String, String),
}

/// A file source: the path (already resolved against the project root), its format, the
/// column mapping and the CSV options.
#[derive(Debug, Clone)]
pub struct FileSource {
    /// Path of the file.
    pub path: PathBuf,
    /// Format (`Auto` = by extension).
    pub format: FileFormat,
    /// Source column → canonical column (both compared after snake_case).
    pub columns: BTreeMap<String, String>,
    /// Other names of the date column (after snake_case), tried when no `fecha` is found.
    pub date_aliases: Vec<String>,
    /// CSV options.
    pub csv: CsvOptions,
    /// Workbook options.
    pub excel: crate::excel::ExcelOptions,
    /// The business's local time, where timestamps are cut to dates.
    pub zone: LocalZone,
}

impl FileSource {
    /// The effective format of the file.
    pub fn resolved_format(&self) -> Result<FileFormat, ConnectorError> {
        match self.format {
            FileFormat::Auto => {
                let ext = self
                    .path
                    .extension()
                    .and_then(|e| e.to_str())
                    .map(|e| e.to_ascii_lowercase());
                match ext.as_deref() {
                    Some("csv") | Some("txt") => Ok(FileFormat::Csv),
                    Some("parquet") | Some("pq") => Ok(FileFormat::Parquet),
                    Some("xlsx" | "xlsm" | "xlsb" | "xls" | "ods") => Ok(FileFormat::Excel),
                    _ => Err(ConnectorError::UnknownFormat {
                        path: self.path.clone(),
                    }),
                }
            }
            f => Ok(f),
        }
    }

    /// Reads the file, maps the columns and parses the date column.
    pub fn read(&self) -> Result<DataFrame, ConnectorError> {
        let path = &self.path;
        if !path.is_file() {
            return Err(ConnectorError::MissingFile { path: path.clone() });
        }
        let format = self.resolved_format()?;
        let df = match format {
            FileFormat::Csv => self.read_csv()?,
            FileFormat::Parquet => {
                let file = std::fs::File::open(path).map_err(|e| ConnectorError::Io {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
                ParquetReader::new(file)
                    .finish()
                    .map_err(|e| ConnectorError::Unreadable {
                        path: path.clone(),
                        message: e.to_string(),
                    })?
            }
            FileFormat::Excel => crate::excel::read(path, &self.excel)?,
            FileFormat::Auto => unreachable!("resolved above"),
        };
        // A CSV's units are dropped before its thousands are judged (`read_csv`).
        let df = if format == FileFormat::Csv {
            df
        } else {
            let (df, units) = without_units(df)?;
            log_units(&units);
            df
        };
        // A spreadsheet export may end with its totals.
        let (df, totals) = without_total_rows(df);
        if let Some((rows, label)) = totals {
            tracing::warn!(
                "{}: the last {rows} row(s) are totals (`{label}`), not days: left out",
                path.display()
            );
        }
        // Errors name the file's line: the header is line 1 of a CSV and row 1 of a sheet.
        let line_offset = if format == FileFormat::Parquet { 1 } else { 2 };
        self.normalise(df, line_offset)
    }

    /// The steps after reading, shared with the network sources: snake_case headers, the
    /// column mapping, the date aliases and the date column parsed (timestamps cut to local
    /// dates). `line_offset` turns a 0-based row into the file's line in errors.
    pub fn normalise(
        &self,
        df: DataFrame,
        line_offset: usize,
    ) -> Result<DataFrame, ConnectorError> {
        let mut df = self.map_columns(df)?;
        let fechas = parse_dates(
            &self.path,
            df.column(cols::FECHA).expect("checked by map_columns"),
            line_offset,
            self.zone,
        )?;
        df.with_column(Column::new(cols::FECHA.into(), fechas))?;
        Ok(df)
    }

    /// The one column whose every cell reads as a date (a `Date` column, or text the date
    /// parsing of the date column accepts whole), if exactly one does.
    fn date_like_column(&self, df: &DataFrame) -> Option<String> {
        // Text columns are screened on their first cells before being parsed whole.
        let starts_as_dates = |c: &Column| -> bool {
            let Ok(text) = c.str() else {
                return true;
            };
            let head: Vec<&str> = text.iter().flatten().take(DATE_SCREEN_CELLS).collect();
            !head.is_empty()
                && parse_date_column(&head, self.zone)
                    .iter()
                    .all(Option::is_some)
        };
        let found: Vec<String> = df
            .columns()
            .iter()
            .filter(|c| {
                matches!(
                    c.dtype(),
                    DataType::Date | DataType::String | DataType::Datetime(_, _)
                )
            })
            .filter(|c| {
                !c.is_empty()
                    && starts_as_dates(c)
                    && parse_dates(&self.path, c, 0, self.zone).is_ok()
            })
            .map(|c| c.name().to_string())
            .collect();
        match <[String; 1]>::try_from(found) {
            Ok([one]) => Some(one),
            Err(_) => None,
        }
    }

    /// The separator: configured, or sniffed from the header line.
    fn separator(&self) -> Result<u8, ConnectorError> {
        if let Some(c) = self.csv.separator {
            return u8::try_from(c).map_err(|_| ConnectorError::InvalidConfig {
                key: "source.csv.separator".into(),
                message: format!("expected one ASCII character, got {c:?}"),
            });
        }
        let bytes = std::fs::read(&self.path).map_err(|e| ConnectorError::Io {
            path: self.path.clone(),
            message: e.to_string(),
        })?;
        let header = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
        Ok([b',', b';', b'\t', b'|']
            .into_iter()
            .map(|sep| (header.iter().filter(|b| **b == sep).count(), sep))
            .filter(|(n, _)| *n > 0)
            .max_by_key(|(n, sep)| (*n, *sep == b','))
            .map_or(b',', |(_, sep)| sep))
    }

    fn read_csv(&self) -> Result<DataFrame, ConnectorError> {
        let sep = self.separator()?;
        let bytes = std::fs::read(&self.path).map_err(|e| ConnectorError::Io {
            path: self.path.clone(),
            message: e.to_string(),
        })?;
        let bytes = without_trailing_empty_lines(bytes);
        let records = check_csv_shape(&self.path, &bytes, sep)?;
        let df = CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(self.csv.infer_schema_rows)
            .map_parse_options(|o| o.with_separator(sep))
            .into_reader_with_file_handle(std::io::Cursor::new(bytes))
            .finish()
            .map_err(|e| ConnectorError::Unreadable {
                path: self.path.clone(),
                message: e.to_string(),
            })?;
        let (df, units) = without_units(df)?;
        log_units(&units);
        // The thousands judgement reads the cells without their unit.
        let mut records = records;
        if let Some((_, rows)) = records.split_first_mut() {
            for u in &units {
                if let Some(i) = df.get_column_index(&u.column) {
                    for r in rows.iter_mut() {
                        if let Some(f) = r.fields.get_mut(i) {
                            *f = core_types::numbers::without_unit(f, &u.unit);
                        }
                    }
                }
            }
        }
        let (df, regrouped) = regroup(df, &records, self.csv.thousands)?;
        for r in &regrouped {
            tracing::warn!(
                "column `{}`: `{}` read as a thousands separator in {} cells ({} = {}); \
                 source.csv.thousands: none reads each cell alone",
                r.column,
                r.grouping,
                r.cells,
                r.example.0,
                r.example.1
            );
        }
        Ok(df)
    }

    fn map_columns(&self, mut df: DataFrame) -> Result<DataFrame, ConnectorError> {
        // 1. snake_case every header (domain.md §9.1); two headers ending the same is an error.
        let originals: Vec<String> = df
            .get_column_names()
            .iter()
            .map(|s| s.to_string())
            .collect();
        let snake: Vec<String> = originals
            .iter()
            .enumerate()
            .map(|(i, n)| core_types::names::snake_case(n, i))
            .collect();
        for (i, name) in snake.iter().enumerate() {
            let same: Vec<String> = snake
                .iter()
                .zip(&originals)
                .filter(|(s, _)| *s == name)
                .map(|(_, o)| o.clone())
                .collect();
            if same.len() > 1 {
                return Err(ConnectorError::NameCollision {
                    path: self.path.clone(),
                    name: name.clone(),
                    sources: same,
                });
            }
            if *name != originals[i] {
                df.rename(&originals[i], name.as_str().into())?;
            }
        }
        // 2. the configured mapping, keys and values compared after snake_case.
        for (from, to) in &self.columns {
            let from = &core_types::names::snake_case(from, 0);
            let to = &core_types::names::snake_case(to, 0);
            let names: Vec<String> = df
                .get_column_names()
                .iter()
                .map(|s| s.to_string())
                .collect();
            if !names.iter().any(|n| n == from) || from == to {
                continue;
            }
            if names.iter().any(|n| n == to) {
                return Err(ConnectorError::ColumnCollision {
                    path: self.path.clone(),
                    from: from.clone(),
                    to: to.clone(),
                });
            }
            df.rename(from, to.as_str().into())?;
        }
        // 3. the date column's aliases, when exactly one is present.
        if df.column(cols::FECHA).is_err() {
            let found: Vec<&String> = self
                .date_aliases
                .iter()
                .filter(|a| df.column(a).is_ok())
                .collect();
            if let [one] = found.as_slice() {
                df.rename(one, cols::FECHA.into())?;
            }
        }
        // 4. none of them: the only text or date column whose every cell reads as a date.
        if df.column(cols::FECHA).is_err() {
            if let Some(one) = self.date_like_column(&df) {
                tracing::warn!(
                    "column `{one}` taken as the date: no column is named {} or one of its \
                     aliases, and it is the only one whose every cell reads as a date; map \
                     another with source.columns.<its name>={}",
                    cols::FECHA,
                    cols::FECHA
                );
                df.rename(&one, cols::FECHA.into())?;
            }
        }
        if df.column(cols::FECHA).is_err() {
            return Err(ConnectorError::NoDateColumn {
                path: self.path.clone(),
                columns: df
                    .get_column_names()
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
            });
        }
        Ok(df)
    }
}

/// Labels of the totals row a spreadsheet export may end with (compared in lower case).
const TOTAL_LABELS: [&str; 13] = [
    "total",
    "totales",
    "total general",
    "grand total",
    "sum",
    "suma",
    "summe",
    "gesamt",
    "gesamtsumme",
    "totaal",
    "totale",
    "somme",
    "subtotal",
];

/// `df` without the rows at its end that some text cell labels as totals (`Total`,
/// `Gesamt`, `Suma`: [`TOTAL_LABELS`]), and how many there were with the first label.
fn without_total_rows(df: DataFrame) -> (DataFrame, Option<(usize, String)>) {
    let texts: Vec<&StringChunked> = df.columns().iter().filter_map(|c| c.str().ok()).collect();
    let label_of = |row: usize| -> Option<String> {
        texts.iter().find_map(|t| {
            let cell = t.get(row)?.trim();
            TOTAL_LABELS
                .contains(&cell.to_lowercase().as_str())
                .then(|| cell.to_string())
        })
    };
    let mut keep = df.height();
    let mut label = None;
    while keep > 0 {
        match label_of(keep - 1) {
            Some(l) => {
                label = Some(l);
                keep -= 1;
            }
            None => break,
        }
    }
    let dropped = df.height() - keep;
    if dropped == 0 {
        return (df, None);
    }
    (df.slice(0, keep), label.map(|l| (dropped, l)))
}

/// How many first cells of a text column are tried as dates before the whole column is.
const DATE_SCREEN_CELLS: usize = 50;

/// One record of a CSV file: its fields and the 1-based line it starts on.
struct Record {
    line: usize,
    fields: Vec<String>,
}

/// The file without the empty lines at its end (polars would read each as a row of nulls),
/// keeping one final line break.
fn without_trailing_empty_lines(mut bytes: Vec<u8>) -> Vec<u8> {
    let keep = bytes
        .iter()
        .rposition(|b| *b != b'\n' && *b != b'\r')
        .map_or(0, |i| i + 1);
    if keep < bytes.len() {
        bytes.truncate(keep);
        bytes.push(b'\n');
    }
    bytes
}

/// Splits CSV bytes into records the way polars reads them (RFC 4180: `"` quotes, `""` an
/// escaped quote, separators and line breaks inside quotes are text; `\r\n` or `\n` end a
/// record; an empty line is a record of one empty field). A UTF-8 byte-order mark is dropped.
fn csv_records(path: &Path, bytes: &[u8], sep: u8) -> Result<Vec<Record>, ConnectorError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut records = Vec::new();
    let mut fields: Vec<Vec<u8>> = Vec::new();
    let mut field: Vec<u8> = Vec::new();
    let (mut line, mut start_line) = (1usize, 1usize);
    let (mut in_quotes, mut at_field_start, mut record_has_bytes) = (false, true, false);
    let mut end_record =
        |fields: &mut Vec<Vec<u8>>, field: &mut Vec<u8>, start: usize, has: bool| {
            fields.push(std::mem::take(field));
            let done = std::mem::take(fields);
            // Nothing after the last line break is no record.
            if has {
                records.push(Record {
                    line: start,
                    fields: done
                        .into_iter()
                        .map(|f| String::from_utf8_lossy(&f).into_owned())
                        .collect(),
                });
            }
        };
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_quotes {
            match b {
                b'"' if bytes.get(i + 1) == Some(&b'"') => {
                    field.push(b'"');
                    i += 1;
                }
                b'"' => in_quotes = false,
                b'\n' => {
                    line += 1;
                    field.push(b);
                }
                _ => field.push(b),
            }
        } else {
            match b {
                b'"' if at_field_start => {
                    in_quotes = true;
                    record_has_bytes = true;
                }
                b'\n' => {
                    if field.last() == Some(&b'\r') {
                        field.pop();
                    }
                    end_record(&mut fields, &mut field, start_line, true);
                    line += 1;
                    start_line = line;
                    record_has_bytes = false;
                    at_field_start = true;
                    i += 1;
                    continue;
                }
                _ if b == sep => {
                    fields.push(std::mem::take(&mut field));
                    record_has_bytes = true;
                    at_field_start = true;
                    i += 1;
                    continue;
                }
                b'\r' => field.push(b),
                _ => {
                    field.push(b);
                    record_has_bytes = true;
                }
            }
        }
        at_field_start = false;
        i += 1;
    }
    if in_quotes {
        return Err(ConnectorError::UnterminatedQuote {
            path: path.to_path_buf(),
            line: start_line,
        });
    }
    if field.last() == Some(&b'\r') {
        field.pop();
    }
    end_record(&mut fields, &mut field, start_line, record_has_bytes);
    Ok(records)
}

/// Refuses a CSV file whose header repeats a name (as written, or after snake_case) or whose
/// data rows have more or fewer fields than the header. An empty file is left to the reader.
fn check_csv_shape(path: &Path, bytes: &[u8], sep: u8) -> Result<Vec<Record>, ConnectorError> {
    let records = csv_records(path, bytes, sep)?;
    let Some((header, rows)) = records.split_first() else {
        return Ok(records);
    };
    let names = &header.fields;
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            return Err(ConnectorError::DuplicateColumn {
                path: path.to_path_buf(),
                column: name.clone(),
                positions: positions(names, |n| n == name),
            });
        }
    }
    let snake: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, n)| core_types::names::snake_case(n, i))
        .collect();
    for (i, s) in snake.iter().enumerate() {
        if snake[..i].contains(s) {
            let at = positions(&snake, |n| n == s);
            return Err(ConnectorError::NameCollision {
                path: path.to_path_buf(),
                name: s.clone(),
                sources: at.iter().map(|p| names[p - 1].clone()).collect(),
            });
        }
    }
    for (row, r) in rows.iter().enumerate() {
        if r.fields.len() != names.len() {
            return Err(ConnectorError::RaggedRow {
                path: path.to_path_buf(),
                row,
                line: r.line,
                expected: names.len(),
                found: r.fields.len(),
            });
        }
    }
    Ok(records)
}

/// `df` (as polars read the CSV `records`) with the columns whose lone separators group
/// thousands re-read from their text: a numeric column becomes `Float64` with the values
/// read, a text column has those cells rewritten plainly (`1.234` → `1234`) and keeps the
/// others as written.
fn regroup(
    mut df: DataFrame,
    records: &[Record],
    thousands: Thousands,
) -> Result<(DataFrame, Vec<Regrouped>), ConnectorError> {
    let Some((header, rows)) = records.split_first() else {
        return Ok((df, Vec::new()));
    };
    if rows.len() != df.height() || header.fields.len() != df.width() {
        return Ok((df, Vec::new()));
    }
    let mut done = Vec::new();
    for (i, name) in header.fields.iter().enumerate() {
        let texts: Vec<&str> = rows.iter().map(|r| r.fields[i].as_str()).collect();
        let grouping = match thousands {
            Thousands::Auto => core_types::numbers::column_grouping(texts.iter().copied()),
            Thousands::Never => None,
            Thousands::Dot => Some('.'),
            Thousands::Comma => Some(','),
        };
        let Some(g) = grouping else { continue };
        // Each cell as read with the grouping, where that differs from reading it alone.
        let changed: Vec<Option<String>> = texts
            .iter()
            .map(|t| {
                let t = t.trim();
                let grouped = core_types::numbers::normalised(t, Some(g))?;
                let alone = core_types::numbers::normalised(t, None);
                (grouped.parse::<f64>().ok() != alone.and_then(|a| a.parse::<f64>().ok()))
                    .then_some(grouped)
            })
            .collect();
        let Some(first) = changed.iter().position(Option::is_some) else {
            continue;
        };
        let column = df.columns()[i].clone();
        let new = if column.dtype().is_primitive_numeric() {
            let values: Vec<Option<f64>> = changed
                .iter()
                .zip(column.cast(&DataType::Float64)?.f64()?.iter())
                .map(|(c, v)| c.as_ref().and_then(|c| c.parse().ok()).or(v))
                .collect();
            Column::new(column.name().clone(), values)
        } else if column.dtype() == &DataType::String {
            let values: Vec<Option<String>> = column
                .str()?
                .iter()
                .zip(&changed)
                .map(|(v, c)| c.clone().or_else(|| v.map(str::to_string)))
                .collect();
            Column::new(column.name().clone(), values)
        } else {
            continue;
        };
        df.replace(column.name().as_str(), new)?;
        done.push(Regrouped {
            column: name.clone(),
            grouping: g,
            cells: changed.iter().flatten().count(),
            example: (
                texts[first].trim().to_string(),
                changed[first].clone().unwrap_or_default(),
            ),
        });
    }
    Ok((df, done))
}

/// A column whose amounts were written with a unit after them (`12 u`, `3 kg`).
#[derive(Debug, Clone, PartialEq)]
struct Unit {
    /// Column name as found in the file.
    column: String,
    /// The unit dropped, in lower case.
    unit: String,
    /// Cells that carried it.
    cells: usize,
    /// The first such cell, as written and as read.
    example: (String, String),
}

/// `df` with the unit dropped from every text column whose non-blank cells are numbers
/// written with one unit after them (`core_types::numbers::column_unit`): `12 u` is 12.
fn without_units(mut df: DataFrame) -> Result<(DataFrame, Vec<Unit>), ConnectorError> {
    let mut done = Vec::new();
    let names: Vec<String> = df
        .columns()
        .iter()
        .filter(|c| c.dtype() == &DataType::String)
        .map(|c| c.name().to_string())
        .collect();
    for name in names {
        let column = df.column(&name)?.clone();
        let texts: Vec<Option<&str>> = column.str()?.iter().collect();
        let Some(unit) = core_types::numbers::column_unit(texts.iter().flatten().copied()) else {
            continue;
        };
        let values: Vec<Option<String>> = texts
            .iter()
            .map(|t| t.map(|t| core_types::numbers::without_unit(t, &unit)))
            .collect();
        let changed: Vec<usize> = texts
            .iter()
            .zip(&values)
            .enumerate()
            .filter(|(_, (t, v))| t.map(str::trim) != v.as_deref())
            .map(|(i, _)| i)
            .collect();
        let Some(&first) = changed.first() else {
            continue;
        };
        done.push(Unit {
            column: name.clone(),
            unit,
            cells: changed.len(),
            example: (
                texts[first].unwrap_or_default().trim().to_string(),
                values[first].clone().unwrap_or_default(),
            ),
        });
        df.replace(&name, Column::new(name.as_str().into(), values))?;
    }
    Ok((df, done))
}

fn log_units(units: &[Unit]) {
    for u in units {
        tracing::warn!(
            "column `{}`: amounts written with the unit `{}` in {} cells, read without it \
             ({} = {})",
            u.column,
            u.unit,
            u.cells,
            u.example.0,
            u.example.1
        );
    }
}

/// 1-based positions of the names that match.
fn positions(names: &[String], hit: impl Fn(&String) -> bool) -> Vec<usize> {
    names
        .iter()
        .enumerate()
        .filter(|(_, n)| hit(n))
        .map(|(i, _)| i + 1)
        .collect()
}

fn parse_dates(
    path: &Path,
    col: &Column,
    line_offset: usize,
    zone: LocalZone,
) -> Result<Vec<NaiveDate>, ConnectorError> {
    let unparseable = |row: usize, value: String| ConnectorError::UnparseableDate {
        path: path.to_path_buf(),
        row,
        line: row + line_offset,
        column: cols::FECHA.to_string(),
        value,
    };
    match col.dtype() {
        DataType::Date => col
            .date()?
            .as_date_iter()
            .enumerate()
            .map(|(i, d)| d.ok_or_else(|| unparseable(i, "null".into())))
            .collect(),
        // `20241231` is read by polars as a whole number.
        DataType::Int64 | DataType::Int32 | DataType::UInt32 | DataType::UInt64 => {
            let text = col.cast(&DataType::String)?;
            parse_dates(path, &text, line_offset, zone)
        }
        DataType::String => {
            let cells: Vec<&str> = col
                .str()?
                .iter()
                .enumerate()
                .map(|(i, v)| v.ok_or_else(|| unparseable(i, "null".into())))
                .collect::<Result<_, _>>()?;
            // Dates written as midnight timestamps stay the dates they say; other timestamps
            // are cut to dates in the business's zone.
            parse_date_column(&cells, zone)
                .into_iter()
                .zip(&cells)
                .enumerate()
                .map(|(i, (d, s))| d.ok_or_else(|| unparseable(i, (*s).into())))
                .collect()
        }
        // A timestamp column (pandas' `datetime64`, with or without a time zone) is read as
        // the text it stands for, `2013-07-01 00:00:00` or with its offset in its own zone,
        // so the rules of text timestamps apply: midnight everywhere is a date as written.
        DataType::Datetime(unit, tz) => {
            let bad = || ConnectorError::BadDateType {
                path: path.to_path_buf(),
                column: cols::FECHA.to_string(),
                dtype: col.dtype().to_string(),
            };
            let written_in: Option<chrono_tz::Tz> = match tz {
                Some(z) => Some(z.as_str().parse().map_err(|_| bad())?),
                None => None,
            };
            let text: Vec<Option<String>> = col
                .datetime()?
                .physical()
                .iter()
                .map(|v| {
                    let instant = match unit {
                        TimeUnit::Nanoseconds => v.map(chrono::DateTime::from_timestamp_nanos),
                        TimeUnit::Microseconds => {
                            v.and_then(chrono::DateTime::from_timestamp_micros)
                        }
                        TimeUnit::Milliseconds => {
                            v.and_then(chrono::DateTime::from_timestamp_millis)
                        }
                    }?;
                    Some(match written_in {
                        Some(z) => instant
                            .with_timezone(&z)
                            .format("%Y-%m-%d %H:%M:%S%:z")
                            .to_string(),
                        None => instant.naive_utc().format("%Y-%m-%d %H:%M:%S").to_string(),
                    })
                })
                .collect();
            let text = Column::new(col.name().clone(), text);
            parse_dates(path, &text, line_offset, zone)
        }
        other => Err(ConnectorError::BadDateType {
            path: path.to_path_buf(),
            column: cols::FECHA.to_string(),
            dtype: other.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn source(dir: &tempfile::TempDir, name: &str, body: &str) -> FileSource {
        let path = dir.path().join(name);
        std::fs::File::create(&path)
            .unwrap()
            .write_all(body.as_bytes())
            .unwrap();
        FileSource {
            path,
            format: FileFormat::Auto,
            columns: [("date", "fecha"), ("y", "unidades_vendidas")]
                .into_iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
            date_aliases: vec!["dia".into(), "fecha_venta".into()],
            csv: CsvOptions::default(),
            excel: Default::default(),
            zone: LocalZone::BOGOTA,
        }
    }

    #[test]
    fn maps_columns_and_keeps_extras() {
        let dir = tempfile::tempdir().unwrap();
        let s = source(
            &dir,
            "a.csv",
            "date,y,holiday\n2020-01-01,10.5,1\n2020-01-02,11,0\n",
        );
        let df = s.read().unwrap();
        let names: Vec<&str> = df.get_column_names().iter().map(|s| s.as_str()).collect();
        assert_eq!(names, ["fecha", "unidades_vendidas", "holiday"]);
        assert_eq!(df.column("fecha").unwrap().dtype(), &DataType::Date);
        assert_eq!(df.height(), 2);
    }

    #[test]
    fn headers_are_standardised_and_separators_sniffed() {
        let dir = tempfile::tempdir().unwrap();
        let s = source(
            &dir,
            "h.csv",
            " Día ;Unidades Vendidas;Precio Unitario $\n2020-01-01;5;1200\n",
        );
        let df = s.read().unwrap();
        let names: Vec<&str> = df.get_column_names().iter().map(|s| s.as_str()).collect();
        assert_eq!(names, ["fecha", "unidades_vendidas", "precio_unitario"]);
        let t = source(&dir, "t.csv", "date\ty\n2020-01-01\t5\n");
        assert_eq!(t.read().unwrap().width(), 2);
    }

    fn dates(df: &DataFrame) -> Vec<NaiveDate> {
        let c = df.column("fecha").unwrap().date().unwrap().clone();
        c.as_date_iter().flatten().collect()
    }

    fn strings(d: &[NaiveDate]) -> Vec<String> {
        d.iter().map(NaiveDate::to_string).collect()
    }

    /// A text column's cells, `""` for a null.
    fn texts(df: &DataFrame, name: &str) -> Vec<String> {
        let c = df.column(name).unwrap().str().unwrap().clone();
        c.iter()
            .map(|v| v.unwrap_or_default().to_string())
            .collect()
    }

    fn floats(df: &DataFrame, name: &str) -> Vec<Option<f64>> {
        let c = df.column(name).unwrap().cast(&DataType::Float64).unwrap();
        c.f64().unwrap().iter().collect()
    }

    #[test]
    fn lone_thousands_separators_are_read_per_column() {
        let dir = tempfile::tempdir().unwrap();
        // A Colombian export: units and prices under 1000 plain, the rest grouped by a lone
        // dot (polars alone reads 1.234 as a decimal); a genuine decimal column untouched.
        let body = "date,y,precio,peso\n2020-01-01,987,800,1.5\n2020-01-02,1.234,1.200,2.25\n2020-01-03,,1.500,1.234\n2020-01-04,2.001,900,3\n";
        let df = source(&dir, "co.csv", body).read().unwrap();
        let y = [Some(987.0), Some(1234.0), None, Some(2001.0)];
        assert_eq!(floats(&df, "unidades_vendidas"), y);
        let precio = [Some(800.0), Some(1200.0), Some(1500.0), Some(900.0)];
        assert_eq!(floats(&df, "precio"), precio);
        assert_eq!(floats(&df, "peso")[2], Some(1.234));
        // Decimal commas in a `;` file: the lone dots group thousands, the text kept
        // otherwise.
        let body = "date;y\n2020-01-01;16.969,86\n2020-01-02;1.234\n2020-01-03;12,5\n";
        let df = source(&dir, "eu.csv", body).read().unwrap();
        assert_eq!(
            texts(&df, "unidades_vendidas"),
            ["16.969,86", "1234", "12,5"]
        );
        // A US export with quoted lone commas.
        let body = "date,y\n2020-01-01,950\n2020-01-02,\"1,234\"\n2020-01-03,\"1,020\"\n";
        let df = source(&dir, "us.csv", body).read().unwrap();
        assert_eq!(texts(&df, "unidades_vendidas"), ["950", "1234", "1020"]);
    }

    #[test]
    fn amounts_written_with_a_unit_are_read_without_it() {
        let dir = tempfile::tempdir().unwrap();
        // Units after the numbers, a Colombian lone dot among them, a blank day; a note
        // column of words and a code column (`SKU 12`) stay as written.
        let body = "date,y,peso,nota,codigo\n2020-01-01,987 u,1.5 kg,ok,SKU 12\n2020-01-02,1.234 U,2 kg,feria,SKU 13\n2020-01-03,,3kg,ok,SKU 14\n2020-01-04,2.001 u,4 kg,,SKU 15\n";
        let df = source(&dir, "u.csv", body).read().unwrap();
        assert_eq!(texts(&df, "unidades_vendidas"), ["987", "1234", "", "2001"]);
        assert_eq!(texts(&df, "peso"), ["1.5", "2", "3", "4"]);
        assert_eq!(texts(&df, "nota"), ["ok", "feria", "ok", ""]);
        assert_eq!(
            texts(&df, "codigo"),
            ["SKU 12", "SKU 13", "SKU 14", "SKU 15"]
        );
        // Two different words: nothing is dropped.
        let body = "date,y\n2020-01-01,12 kg\n2020-01-02,3 lb\n";
        let df = source(&dir, "two.csv", body).read().unwrap();
        assert_eq!(texts(&df, "unidades_vendidas"), ["12 kg", "3 lb"]);
    }

    #[test]
    fn a_parquet_timestamp_column_is_read_as_dates() {
        // Written by pandas 2 (`to_parquet`) from `datetime64[ns]` columns: 1–3 July 2013.
        let read = |name: &str| {
            let s = FileSource {
                path: Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("tests/data")
                    .join(name),
                ..source(&tempfile::tempdir().unwrap(), "unused.csv", "")
            };
            let df = s.read().unwrap();
            assert_eq!(
                floats(&df, "unidades_vendidas"),
                [Some(5.0), Some(6.0), Some(7.0)]
            );
            dates(&df)
        };
        let want: Vec<NaiveDate> = ["2013-07-01", "2013-07-02", "2013-07-03"]
            .iter()
            .map(|d| d.parse().unwrap())
            .collect();
        // Midnight without a zone, as `parse_dates` then `to_parquet` write dates.
        assert_eq!(read("marcas_naive.parquet"), want);
        // Midnight in Berlin (22:00 UTC the day before): the dates as written.
        assert_eq!(read("marcas_berlin.parquet"), want);
        // 03:00 UTC, a time of day: cut in local (Bogotá) time, the day before.
        assert_eq!(
            read("marcas_utc.parquet")[0],
            "2013-06-30".parse::<NaiveDate>().unwrap()
        );
    }

    #[test]
    fn timestamps_with_an_offset_are_cut_in_the_business_s_zone() {
        // A German bakery's till, exported in UTC: the first sale of 2 July at 05:30 Berlin
        // summer time (03:30 UTC) and the last at 20:45 (18:45 UTC); one winter day.
        let body = "timestamp,y\n\
                    2018-07-02T03:30:00Z,4\n\
                    2018-07-02T18:45:00Z,6\n\
                    2018-07-03 03:30:00+00:00,5\n\
                    2018-12-03T04:30:00Z,7\n";
        let dir = tempfile::tempdir().unwrap();
        let read = |zone: LocalZone| {
            let s = FileSource {
                zone,
                ..source(&dir, "till.csv", body)
            };
            dates(&s.read().unwrap())
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
        };
        let berlin = LocalZone::named("Europe/Berlin").unwrap();
        assert_eq!(
            read(berlin),
            ["2018-07-02", "2018-07-02", "2018-07-03", "2018-12-03"]
        );
        // In Bogotá time the early sales fall on the day before.
        assert_eq!(
            read(LocalZone::BOGOTA),
            ["2018-07-01", "2018-07-02", "2018-07-02", "2018-12-02"]
        );
        // Stamps written in local time with their offset keep their date in that zone.
        let local = "timestamp,y\n2018-07-02T05:30:00+02:00,4\n2018-07-02T23:50:00+02:00,6\n";
        let s = FileSource {
            zone: berlin,
            ..source(&dir, "local.csv", local)
        };
        let d: Vec<String> = dates(&s.read().unwrap())
            .iter()
            .map(|d| d.to_string())
            .collect();
        assert_eq!(d, ["2018-07-02", "2018-07-02"]);
    }

    #[test]
    fn spreadsheet_dates_are_read_whatever_the_format() {
        let dir = tempfile::tempdir().unwrap();
        let want: Vec<NaiveDate> = ["2024-12-30", "2024-12-31", "2025-01-01"]
            .iter()
            .map(|d| d.parse().unwrap())
            .collect();
        for (name, body) in [
            (
                "co.csv",
                "date,y\n30/12/2024,5\n31/12/2024,6\n1/01/2025,7\n",
            ),
            (
                "us.csv",
                "date,y\n12/30/2024 8:26,5\n12/31/2024 9:00,6\n1/1/2025 7:15,7\n",
            ),
            (
                "de.csv",
                "date;y\n30.12.2024;5\n31.12.2024;6\n01.01.2025;7\n",
            ),
            (
                "compact.csv",
                "date,y\n20241230,5\n20241231,6\n20250101,7\n",
            ),
        ] {
            let df = source(&dir, name, body).read().unwrap();
            let got = dates(&df);
            assert_eq!(got, want, "{name}");
        }
        // Two formats in one column: the first cell no format reads is named.
        let s = source(&dir, "mixed.csv", "date,y\n2024-12-30,5\n31/12/2024,6\n");
        match s.read() {
            Err(ConnectorError::UnparseableDate { row, value, .. }) => {
                assert_eq!((row, value.as_str()), (1, "31/12/2024"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_workbook_is_read_from_its_first_sheet_or_the_one_named() {
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ventas.xlsx");
        let s = FileSource {
            path: fixture.clone(),
            ..source(&tempfile::tempdir().unwrap(), "unused.csv", "")
        };
        assert_eq!(s.resolved_format().unwrap(), FileFormat::Excel);
        let df = s.read().unwrap();
        let names: Vec<&str> = df.get_column_names().iter().map(|s| s.as_str()).collect();
        assert_eq!(names, ["fecha", "unidades_vendidas", "promocion", "nota"]);
        assert_eq!(df.height(), 10);
        let fechas = dates(&df);
        assert_eq!(fechas[0], NaiveDate::from_ymd_opt(2024, 3, 4).unwrap());
        assert_eq!(fechas.len(), 10);
        let y = floats(&df, "unidades_vendidas");
        assert_eq!((y[0], y[4], y[9]), (Some(100.0), None, Some(109.0)));
        assert_eq!(df.column("promocion").unwrap().dtype(), &DataType::Boolean);
        // Text and a number in one column: text, for the contract to read cell by cell.
        let nota = texts(&df, "nota");
        assert_eq!([&nota[2], &nota[5], &nota[0]], ["feria", "7", ""]);
        // Another sheet by name; a missing one names the sheets there are.
        let mut other = s.clone();
        other.excel.sheet = Some("Resumen".into());
        assert_eq!(
            floats(&other.read().unwrap(), "unidades_vendidas"),
            [Some(5.5)]
        );
        other.excel.sheet = Some("Hoja9".into());
        let e = other.read().unwrap_err().to_string();
        assert!(e.contains("Hoja9") && e.contains("Resumen"), "{e}");
    }

    #[test]
    fn the_thousands_setting_turns_the_inference_off_or_forces_it() {
        let dir = tempfile::tempdir().unwrap();
        let body = "date,y\n2020-01-01,987\n2020-01-02,1.234\n";
        let mut s = source(&dir, "co.csv", body);
        s.csv.thousands = Thousands::Never;
        assert_eq!(
            floats(&s.read().unwrap(), "unidades_vendidas"),
            [Some(987.0), Some(1.234)]
        );
        // Nothing to infer from (every value written 1.234), forced.
        let mut s = source(
            &dir,
            "all.csv",
            "date,y\n2020-01-01,1.100\n2020-01-02,1.234\n",
        );
        assert_eq!(
            floats(&s.read().unwrap(), "unidades_vendidas"),
            [Some(1.1), Some(1.234)]
        );
        s.csv.thousands = Thousands::Dot;
        assert_eq!(
            floats(&s.read().unwrap(), "unidades_vendidas"),
            [Some(1100.0), Some(1234.0)]
        );
        let cfg: CsvOptions = serde_json::from_str(
            r#"{"separator": null, "infer_schema_rows": null, "thousands": ","}"#,
        )
        .unwrap();
        assert_eq!(cfg.thousands, Thousands::Comma);
        assert!(serde_json::from_str::<CsvOptions>(r#"{"thousands": "x"}"#).is_err());
    }

    #[test]
    fn headers_that_collide_after_snake_case_name_both() {
        let dir = tempfile::tempdir().unwrap();
        let s = source(
            &dir,
            "c.csv",
            "date,Ventas Día,ventas_dia\n2020-01-01,1,2\n",
        );
        match s.read().unwrap_err() {
            ConnectorError::NameCollision { name, sources, .. } => {
                assert_eq!(name, "ventas_dia");
                assert_eq!(sources, ["Ventas Día", "ventas_dia"]);
            }
            e => panic!("{e}"),
        }
    }

    #[test]
    fn ragged_rows_name_the_file_line_row_and_field_counts() {
        let dir = tempfile::tempdir().unwrap();
        for (body, line, row, found) in [
            ("date,y\n2020-01-01,1\n2020-01-02,2,9\n", 3, 1, 3),
            ("date,y\n2020-01-01\n2020-01-02,2\n", 2, 0, 1),
            ("date,y\r\n2020-01-01,1\r\n2020-01-02,2,\r\n", 3, 1, 3),
            // An empty line between rows is a row of one empty field.
            ("date,y\n2020-01-01,1\n\n2020-01-02,2\n", 3, 1, 1),
        ] {
            let s = source(&dir, "r.csv", body);
            let err = s.read().unwrap_err();
            match &err {
                ConnectorError::RaggedRow {
                    path,
                    row: r,
                    line: l,
                    expected,
                    found: f,
                } => {
                    assert_eq!(path, &s.path);
                    assert_eq!((*l, *r, *expected, *f), (line, row, 2, found), "{body:?}");
                }
                e => panic!("{body:?}: {e}"),
            }
            let msg = err.to_string();
            assert!(
                msg.contains("r.csv") && msg.contains(&format!("line {line}")),
                "{msg}"
            );
        }
    }

    #[test]
    fn quoted_separators_line_breaks_and_trailing_empty_lines_are_not_ragged() {
        let dir = tempfile::tempdir().unwrap();
        let body = "date,y,nota\n2020-01-01,1,\"a, b\"\n2020-01-02,2,\"dijo \"\"hola, \"\"\nadiós\"\n2020-01-03,3,\n\n";
        let df = source(&dir, "q.csv", body).read().unwrap();
        assert_eq!(df.height(), 3);
        let nota = df.column("nota").unwrap().str().unwrap().clone();
        assert_eq!(nota.get(0), Some("a, b"));
        assert_eq!(nota.get(1), Some("dijo \"hola, \"\nadiós"));
        // CRLF with a trailing empty line, and no final line break at all.
        for body in ["date,y\r\n2020-01-01,1\r\n\r\n", "date,y\n2020-01-01,1"] {
            assert_eq!(source(&dir, "t.csv", body).read().unwrap().height(), 1);
        }
        // A quoted field that never closes.
        let err = source(&dir, "u.csv", "date,y\n2020-01-01,\"1\n")
            .read()
            .unwrap_err();
        assert!(
            matches!(err, ConnectorError::UnterminatedQuote { line: 2, .. }),
            "{err}"
        );
    }

    #[test]
    fn duplicate_headers_name_the_column_as_written_or_after_snake_case() {
        let dir = tempfile::tempdir().unwrap();
        let s = source(&dir, "d.csv", "fecha,y,fecha\n2020-01-01,1,2020-01-01\n");
        let err = s.read().unwrap_err();
        match &err {
            ConnectorError::DuplicateColumn {
                path,
                column,
                positions,
            } => {
                assert_eq!(path, &s.path);
                assert_eq!(column, "fecha");
                assert_eq!(positions, &[1, 3]);
            }
            e => panic!("{e}"),
        }
        assert!(err.to_string().contains("`fecha`"), "{err}");
        let s = source(&dir, "e.csv", "Fecha,y,fecha\n2020-01-01,1,2020-01-01\n");
        match s.read().unwrap_err() {
            ConnectorError::NameCollision { name, sources, .. } => {
                assert_eq!(name, "fecha");
                assert_eq!(sources, ["Fecha", "fecha"]);
            }
            e => panic!("{e}"),
        }
    }

    #[test]
    fn unparseable_date_names_file_row_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let s = source(&dir, "b.csv", "date,y\n2020-01-01,1\n2020-13-01,2\n");
        match s.read().unwrap_err() {
            ConnectorError::UnparseableDate {
                path,
                row,
                line,
                column,
                value,
            } => {
                assert_eq!(path, s.path);
                assert_eq!((row, line), (1, 3));
                assert_eq!(column, "fecha");
                assert_eq!(value, "2020-13-01");
            }
            e => panic!("unexpected {e}"),
        }
    }

    #[test]
    fn a_totals_row_at_the_end_is_left_out() {
        let dir = tempfile::tempdir().unwrap();
        let s = source(
            &dir,
            "t.csv",
            "date,y\n2024-03-04,5\n2024-03-05,6\nTotal,11\n",
        );
        assert_eq!(
            strings(&dates(&s.read().unwrap())),
            ["2024-03-04", "2024-03-05"]
        );
        // With a date column of its own name, and a blank line after the total.
        let s = source(
            &dir,
            "g.csv",
            "Datum;Umsatz\n04.03.2024;5\n05.03.2024;6\nGesamt;11\n\n",
        );
        assert_eq!(
            strings(&dates(&s.read().unwrap())),
            ["2024-03-04", "2024-03-05"]
        );
        // A word anywhere else is still an unparseable date.
        let s = source(
            &dir,
            "m.csv",
            "date,y\n2024-03-04,5\nTotal,11\n2024-03-05,6\n",
        );
        assert!(matches!(
            s.read().unwrap_err(),
            ConnectorError::UnparseableDate { .. }
        ));
    }

    #[test]
    fn the_only_column_of_dates_is_the_date_whatever_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let s = source(
            &dir,
            "de.csv",
            "Datum;Umsatz\n30.12.2024;1269\n31.12.2024;1430\n",
        );
        let df = s.read().unwrap();
        assert_eq!(strings(&dates(&df)), ["2024-12-30", "2024-12-31"]);
        let s = source(
            &dir,
            "ts.csv",
            "timestamp,value\n2024-03-04T00:00:00Z,5\n2024-03-05T00:00:00Z,6\n",
        );
        assert_eq!(
            strings(&dates(&s.read().unwrap())),
            ["2024-03-04", "2024-03-05"]
        );
        // Two such columns: none is guessed.
        let two = source(
            &dir,
            "two.csv",
            "pedido,entrega,y\n2024-01-01,2024-01-03,1\n",
        );
        assert!(matches!(
            two.read().unwrap_err(),
            ConnectorError::NoDateColumn { .. }
        ));
    }

    #[test]
    fn missing_file_no_date_column_and_unknown_format_are_typed() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = source(&dir, "c.csv", "day,y\nlunes,1\n");
        assert!(matches!(
            s.read().unwrap_err(),
            ConnectorError::NoDateColumn { columns, .. } if columns == ["day", "unidades_vendidas"]
        ));
        s.path = dir.path().join("nope.csv");
        assert!(matches!(
            s.read().unwrap_err(),
            ConnectorError::MissingFile { .. }
        ));
        let t = source(&dir, "d.xyz", "x");
        assert!(matches!(
            t.read().unwrap_err(),
            ConnectorError::UnknownFormat { .. }
        ));
        // A workbook that is not one: unreadable, naming the file.
        let w = source(&dir, "d.xlsx", "x");
        assert!(matches!(
            w.read().unwrap_err(),
            ConnectorError::Unreadable { path, .. } if path.ends_with("d.xlsx")
        ));
    }

    #[test]
    fn unreadable_csv_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let s = source(&dir, "e.csv", "");
        let err = s.read().unwrap_err();
        assert!(
            matches!(&err, ConnectorError::Unreadable { path, .. } if *path == s.path),
            "{err}"
        );
        assert!(err.to_string().contains("e.csv"));
    }

    #[test]
    fn parquet_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let s = source(&dir, "f.csv", "date,y\n2020-01-01,1\n2020-01-03,2\n");
        let mut df = s.read().unwrap();
        let pq = dir.path().join("f.parquet");
        ParquetWriter::new(std::fs::File::create(&pq).unwrap())
            .finish(&mut df)
            .unwrap();
        let p = FileSource {
            path: pq,
            ..s.clone()
        };
        let back = p.read().unwrap();
        assert!(back.equals_missing(&df));
    }
}
