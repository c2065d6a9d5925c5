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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsvOptions {
    /// Field separator, one ASCII character; `null` = sniffed from the header line among
    /// `,` `;` tab and `|`.
    pub separator: Option<char>,
    /// Rows used to infer column types (`null` = all rows).
    pub infer_schema_rows: Option<usize>,
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
        let line_offset = if format == FileFormat::Csv { 2 } else { 1 };
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
            self.utc_offset_hours,
        )?;
        df.with_column(Column::new(cols::FECHA.into(), fechas))?;
        Ok(df)
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
            date_aliases: vec!["dia".into(), "fecha_venta".into()],
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
