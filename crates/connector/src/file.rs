//! The file source: CSV or Parquet, with a column mapping onto the contract's names.
//!
//! Source columns named in the mapping are renamed (e.g. `date → fecha`, `y →
//! unidades_vendidas`); every other column is kept as it is. The date column must parse as
//! an ISO date (`YYYY-MM-DD`) or an RFC 3339 timestamp, which is converted to Bogotá time
//! before taking the date (domain.md §0). Every failure names the file, and where it applies
//! the row, line and column.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use core_types::cols;
use core_types::dates::parse_date_cell;
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::ConnectorError;

/// File format of a file source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    /// Decide by extension (`.csv`, `.parquet`/`.pq`).
    Auto,
    /// Comma-separated values with a header line.
    Csv,
    /// Apache Parquet.
    Parquet,
}

/// CSV reading options (`source.csv`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsvOptions {
    /// Field separator, one ASCII character.
    pub separator: char,
    /// Rows used to infer column types (`null` = all rows).
    pub infer_schema_rows: Option<usize>,
}

impl Default for CsvOptions {
    fn default() -> Self {
        Self {
            separator: ',',
            infer_schema_rows: None,
        }
    }
}

/// A file source: the path (already resolved against the project root), its format, the
/// column mapping and the CSV options.
#[derive(Debug, Clone)]
pub struct FileSource {
    /// Path of the file.
    pub path: PathBuf,
    /// Format (`Auto` = by extension).
    pub format: FileFormat,
    /// Source column → canonical column.
    pub columns: BTreeMap<String, String>,
    /// CSV options.
    pub csv: CsvOptions,
    /// Offset of Bogotá time from UTC in hours, for timestamps (−5).
    pub utc_offset_hours: i32,
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
            FileFormat::Auto => unreachable!("resolved above"),
        };
        let mut df = self.map_columns(df)?;
        let line_offset = if format == FileFormat::Csv { 2 } else { 1 };
        let fechas = parse_dates(
            path,
            df.column(cols::FECHA).expect("checked by map_columns"),
            line_offset,
            self.utc_offset_hours,
        )?;
        df.with_column(Column::new(cols::FECHA.into(), fechas))?;
        Ok(df)
    }

    fn read_csv(&self) -> Result<DataFrame, ConnectorError> {
        let sep = u8::try_from(self.csv.separator).map_err(|_| ConnectorError::InvalidConfig {
            key: "source.csv.separator".into(),
            message: format!("expected one ASCII character, got {:?}", self.csv.separator),
        })?;
        CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(self.csv.infer_schema_rows)
            .map_parse_options(|o| o.with_separator(sep))
            .try_into_reader_with_file_path(Some(self.path.clone()))
            .and_then(|r| r.finish())
            .map_err(|e| ConnectorError::Unreadable {
                path: self.path.clone(),
                message: e.to_string(),
            })
    }

    fn map_columns(&self, mut df: DataFrame) -> Result<DataFrame, ConnectorError> {
        for (from, to) in &self.columns {
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

fn parse_dates(
    path: &Path,
    col: &Column,
    line_offset: usize,
    utc_offset_hours: i32,
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
        DataType::String => col
            .str()?
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                Some(s) => {
                    parse_date_cell(s, utc_offset_hours).ok_or_else(|| unparseable(i, s.into()))
                }
                None => Err(unparseable(i, "null".into())),
            })
            .collect(),
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
            csv: CsvOptions::default(),
            utc_offset_hours: -5,
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
    fn missing_file_no_date_column_and_unknown_format_are_typed() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = source(&dir, "c.csv", "day,y\n2020-01-01,1\n");
        assert!(matches!(
            s.read().unwrap_err(),
            ConnectorError::NoDateColumn { columns, .. } if columns == ["day", "unidades_vendidas"]
        ));
        s.path = dir.path().join("nope.csv");
        assert!(matches!(
            s.read().unwrap_err(),
            ConnectorError::MissingFile { .. }
        ));
        let t = source(&dir, "d.xlsx", "x");
        assert!(matches!(
            t.read().unwrap_err(),
            ConnectorError::UnknownFormat { .. }
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
