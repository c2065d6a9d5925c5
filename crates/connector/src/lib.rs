//! # connector
//!
//! Where the raw daily sales come from. Every source implements the synchronous
//! [`Source`] trait: fetch the rows over an optional date span as a polars `DataFrame` plus
//! metadata about where they came from.
//!
//! - [`demo`]: the embedded, seeded synthetic buñuelo history of the domain notes (§8)
//!   (the default source): same seed ⇒ byte-identical data.
//! - [`file`](mod@file): CSV, Parquet or a spreadsheet ([`excel`]) with a configurable column mapping onto
//!   the contract's names.
//! - [`supabase`]: Supabase through PostgREST (crate `postgrest`): keyset pages, retries,
//!   typed errors, secrets only from the environment.
//! - [`pg`]: the same table read straight from PostgreSQL (Supabase's session pooler).
//! - [`remote`]: what the two network sources share (secrets, retries, raw pages, decoding).
//!
//! Together with `xtask`, this is the only crate that does I/O.
#![forbid(unsafe_code)]

pub mod demo;
pub mod excel;
pub mod file;
pub mod pg;
pub mod remote;
pub mod supabase;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use calendar::{CalendarConfig, CalendarError};
use chrono::NaiveDate;
use core_types::dates::LocalZone;
use core_types::{cols, DateSpan};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

pub use demo::{DemoConfig, DemoGenerator};
pub use excel::ExcelOptions;
pub use file::{CsvOptions, FileFormat, FileSource, Thousands};
pub use remote::{FetchReport, PageMeta, RawPage, RetryPolicy, Secret};
pub use supabase::RemoteTableConfig;

/// Version of this crate, recorded in run manifests.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Errors of the sources. File errors name the file, and where it applies the row (0-based
/// data row), the line (1-based line of the file) and the column.
#[derive(Debug, thiserror::Error)]
pub enum ConnectorError {
    /// The file does not exist or is not a regular file.
    #[error("source file not found: {path}")]
    MissingFile {
        /// The path asked for.
        path: PathBuf,
    },
    /// The file's format cannot be told from its extension.
    #[error(
        "cannot tell the format of {path}: use a .csv, .parquet or .xlsx extension or set source.format"
    )]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
    /// The file could not be parsed as CSV, Parquet or a workbook.
    #[error("cannot read {path}: {message}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What the reader said.
        message: String,
    },
    /// An operating-system error on a file.
    #[error("i/o error on {path}: {message}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        message: String,
    },
    /// No date column after the column mapping.
    #[error("{path} has no date column `fecha` after mapping (columns: {columns:?}); map one with source.columns")]
    NoDateColumn {
        /// The file.
        path: PathBuf,
        /// The columns that were found.
        columns: Vec<String>,
    },
    /// Two headers end with the same name after snake_case.
    #[error("{path}: headers {sources:?} all become `{name}` after snake_case")]
    NameCollision {
        /// The file.
        path: PathBuf,
        /// The shared name.
        name: String,
        /// The original headers.
        sources: Vec<String>,
    },
    /// A CSV header names the same column twice (exactly as written).
    #[error("{path}: the header names column `{column}` more than once (fields {positions:?})")]
    DuplicateColumn {
        /// The file.
        path: PathBuf,
        /// The repeated name.
        column: String,
        /// 1-based positions of the fields that carry it.
        positions: Vec<usize>,
    },
    /// A CSV data row with more or fewer fields than the header.
    #[error("{path}: line {line} (row {row}) has {found} field(s), the header has {expected}")]
    RaggedRow {
        /// The file.
        path: PathBuf,
        /// 0-based data row.
        row: usize,
        /// 1-based line of the file where the row starts.
        line: usize,
        /// Fields in the header.
        expected: usize,
        /// Fields in the row.
        found: usize,
    },
    /// A quoted CSV field that is never closed.
    #[error("{path}: the quoted field opened in the record at line {line} is never closed")]
    UnterminatedQuote {
        /// The file.
        path: PathBuf,
        /// 1-based line where the record starts.
        line: usize,
    },
    /// A mapping would rename a column onto one that already exists.
    #[error("{path}: mapping column `{from}` to `{to}` collides with an existing column `{to}`")]
    ColumnCollision {
        /// The file.
        path: PathBuf,
        /// Source column.
        from: String,
        /// Target column.
        to: String,
    },
    /// A date cell that is neither an ISO date nor an RFC 3339 timestamp.
    #[error("{path}: unparseable date {value:?} in column `{column}` at row {row} (line {line})")]
    UnparseableDate {
        /// The file.
        path: PathBuf,
        /// 0-based data row.
        row: usize,
        /// 1-based line of the file.
        line: usize,
        /// The column.
        column: String,
        /// The cell's text.
        value: String,
    },
    /// The date column has a type that cannot hold dates.
    #[error("{path}: column `{column}` has type {dtype}, expected dates or text")]
    BadDateType {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
        /// Its type.
        dtype: String,
    },
    /// Files stacked into one table hold a column with types that do not widen to one.
    #[error("{stack}: column `{column}` is {first} in one file and {found} in another")]
    StackTypes {
        /// The stack.
        stack: String,
        /// The column.
        column: String,
        /// Its type in the first file holding it.
        first: String,
        /// Its type in a later file.
        found: String,
    },
    /// A source setting the source cannot use.
    #[error("invalid setting `{key}`: {message}")]
    InvalidConfig {
        /// Full key path.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// The calendar refused the span.
    #[error(transparent)]
    Calendar(#[from] CalendarError),
    /// The synthetic generator could not draw (a distribution refused its parameters).
    #[error("demo generator: {0}")]
    Generator(String),
    /// A data-frame operation failed.
    #[error("data frame error: {0}")]
    Polars(#[from] PolarsError),
    /// A page from a network source that cannot be decoded.
    #[error("page {page}{}{}: {message}", row.map(|r| format!(", row {r}")).unwrap_or_default(), field.as_ref().map(|f| format!(", field `{f}`")).unwrap_or_default())]
    Decode {
        /// 1-based page.
        page: usize,
        /// 0-based row within the page.
        row: Option<usize>,
        /// The field.
        field: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// A network source failed (after the retries its policy allows).
    #[error(transparent)]
    Remote(Box<RemoteError>),
}

impl From<RemoteError> for ConnectorError {
    fn from(e: RemoteError) -> Self {
        ConnectorError::Remote(Box::new(e))
    }
}

/// Failures of the Supabase and PostgreSQL sources. Messages never hold the URL, key or
/// connection string.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RemoteError {
    /// A required environment variable is not set.
    #[error("environment variable {0} is not set (secrets come only from the environment)")]
    MissingEnv(String),
    /// The server answered with an error that is not retried.
    #[error("{request}: HTTP {status}{}: {message}{}{}", code.as_ref().map(|c| format!(" [{c}]")).unwrap_or_default(), details.as_ref().map(|d| format!("; details: {d}")).unwrap_or_default(), hint.as_ref().map(|h| format!("; hint: {h}")).unwrap_or_default())]
    Http {
        /// Path and query of the request (no host, no key, filter values redacted).
        request: String,
        /// Status.
        status: u16,
        /// PostgREST/PostgreSQL error code.
        code: Option<String>,
        /// Message (the body's `message`, or the start of a non-JSON body).
        message: String,
        /// `details`.
        details: Option<String>,
        /// `hint`.
        hint: Option<String>,
    },
    /// The server answered with a redirect, which is never followed: the `apikey` and bearer
    /// would go to the origin it names. Neither the `Location` nor the URL is recorded.
    #[error("{request}: HTTP {status} redirect not followed (credentials are never sent to another origin); set SUPABASE_URL to the project's final https:// URL")]
    Redirect {
        /// Path and query of the request (no host, no key, filter values redacted).
        request: String,
        /// The 3xx status.
        status: u16,
    },
    /// A URL from the environment that is refused before any request (the error never holds
    /// the URL).
    #[error("{variable} is refused: {reason}")]
    RefusedUrl {
        /// The environment variable.
        variable: &'static str,
        /// Why.
        reason: supabase::UrlRefusal,
    },
    /// HTTP 540: the Supabase project is paused.
    #[error("the Supabase project is paused (HTTP 540): restore it in the Supabase dashboard, then rerun")]
    ProjectPaused,
    /// Retries used up (attempts or total time).
    #[error(
        "{request}: gave up after {attempts} attempt(s) in {seconds:.1} s; last error: {last}"
    )]
    Exhausted {
        /// Path and query of the request.
        request: String,
        /// Attempts made.
        attempts: u32,
        /// Seconds spent on this source.
        seconds: f64,
        /// The last failure.
        last: String,
    },
    /// A PostgreSQL error that is not retried.
    #[error("PostgreSQL error{}: {message}", code.as_ref().map(|c| format!(" [{c}]")).unwrap_or_default())]
    Postgres {
        /// SQLSTATE.
        code: Option<String>,
        /// Message.
        message: String,
    },
}

/// The closed set of source kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// The embedded synthetic history.
    Demo,
    /// A CSV, Parquet or spreadsheet file.
    File,
    /// A Supabase table through PostgREST (`SUPABASE_URL`, `SUPABASE_KEY`).
    Supabase,
    /// The same table straight from PostgreSQL (`SUPABASE_DB_URL`).
    Postgres,
}

impl SourceKind {
    /// The kind's name as written in config and file names.
    pub fn as_str(&self) -> &'static str {
        match self {
            SourceKind::Demo => "demo",
            SourceKind::File => "file",
            SourceKind::Supabase => "supabase",
            SourceKind::Postgres => "postgres",
        }
    }
}

/// Source settings (`source:` in `config.yaml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// Which source to use.
    pub kind: SourceKind,
    /// Keep only rows in this span (`null` = all rows).
    pub span: Option<DateSpan>,
    /// File source: path of the CSV, Parquet or spreadsheet file, relative to the project root.
    pub path: Option<PathBuf>,
    /// File source: format.
    pub format: FileFormat,
    /// File source: source column → canonical column.
    pub columns: BTreeMap<String, String>,
    /// File source: CSV options.
    pub csv: CsvOptions,
    /// File source: workbook options (`.xlsx`, `.ods`, …).
    #[serde(default)]
    pub excel: ExcelOptions,
    /// The business's time zone, where timestamps written with an offset (`…Z`, `…+02:00`)
    /// are cut to dates: `auto` (the zone of `calendar.festivos.pais`, its subdivision's
    /// where the country keeps several clocks: `CO` Bogotá, `DE-SH` Berlin, `US-MN` Chicago)
    /// or an IANA name (`Europe/Berlin`). Timestamps without an offset are local already.
    pub time_zone: String,
    /// A fixed offset from UTC in hours (−12..=14) instead of `time_zone`; `null` = the zone.
    pub utc_offset_hours: Option<i32>,
    /// Demo source settings.
    pub demo: DemoConfig,
    /// Supabase/PostgreSQL table settings (secrets come from the environment only).
    pub supabase: supabase::RemoteTableConfig,
    /// Keep only the rows whose column equals the value (any kind, applied after reading),
    /// e.g. `{serie: brot}` to take one series out of a long file.
    pub filters: BTreeMap<String, String>,
    /// How rows sharing a date become one day (transaction-level input, readings through the
    /// day): `auto` (summed when most dates have several different rows and no column tells
    /// series apart, else as `none`), `none` (one row per date expected), `sum`, `count` or
    /// `mean`. Applied by validation and cleansing; the raw
    /// snapshot keeps the rows as fetched.
    pub aggregate: core_types::Aggregate,
    /// The series key: the column(s) naming each series of a long table (`serie`, or
    /// `[tienda, producto]`); empty = one series. Each series is validated, cleansed, trained
    /// and forecast on its own.
    #[serde(deserialize_with = "one_or_many")]
    pub serie: Vec<String>,
}

/// A column name or a list of them.
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) if s.trim().is_empty() => Vec::new(),
        OneOrMany::One(s) => vec![s.trim().to_string()],
        OneOrMany::Many(v) => v.into_iter().map(|s| s.trim().to_string()).collect(),
    })
}

impl Default for SourceConfig {
    fn default() -> Self {
        Self {
            kind: SourceKind::Demo,
            span: None,
            path: None,
            format: FileFormat::Auto,
            columns: [("date", cols::FECHA), ("y", cols::UNIDADES_VENDIDAS)]
                .into_iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
            csv: CsvOptions::default(),
            excel: ExcelOptions::default(),
            time_zone: "auto".into(),
            utc_offset_hours: None,
            demo: DemoConfig::default(),
            supabase: supabase::RemoteTableConfig::default(),
            filters: BTreeMap::new(),
            aggregate: core_types::Aggregate::Auto,
            serie: Vec::new(),
        }
    }
}

impl SourceConfig {
    /// The business's zone for a source in `pais`: the fixed offset when `utc_offset_hours`
    /// is set, else `time_zone` (`auto`: the zone of `pais`, [`calendar::zona_horaria`]).
    pub fn zone(&self, pais: &calendar::Pais) -> Result<LocalZone, ConnectorError> {
        match self.chosen_zone()? {
            Some(zone) => Ok(zone),
            None => calendar::zona_horaria(pais).ok_or_else(|| ConnectorError::InvalidConfig {
                key: "source.time_zone".into(),
                message: format!(
                    "no time zone is known for {pais}: name one (an IANA zone such as Europe/Berlin) or set source.utc_offset_hours"
                ),
            }),
        }
    }

    /// The zone the settings name (`None` for `time_zone: auto` without a fixed offset).
    fn chosen_zone(&self) -> Result<Option<LocalZone>, ConnectorError> {
        if let Some(h) = self.utc_offset_hours {
            if !self.time_zone.trim().eq_ignore_ascii_case("auto") {
                return Err(ConnectorError::InvalidConfig {
                    key: "source.utc_offset_hours".into(),
                    message: format!(
                        "set either source.time_zone (`{}`) or source.utc_offset_hours ({h}), not both",
                        self.time_zone
                    ),
                });
            }
            return LocalZone::fixed_hours(h).map(Some).ok_or_else(|| {
                ConnectorError::InvalidConfig {
                    key: "source.utc_offset_hours".into(),
                    message: format!("expected -12..=14 or null, got {h}"),
                }
            });
        }
        if self.time_zone.trim().eq_ignore_ascii_case("auto") {
            return Ok(None);
        }
        LocalZone::named(&self.time_zone)
            .map(Some)
            .ok_or_else(|| ConnectorError::InvalidConfig {
                key: "source.time_zone".into(),
                message: format!(
                    "`{}` is neither `auto` nor a zone of the IANA database (America/Bogota, Europe/Berlin, …)",
                    self.time_zone
                ),
            })
    }

    /// Checks the settings of the chosen kind; the error names the key.
    pub fn validate(&self) -> Result<(), ConnectorError> {
        self.chosen_zone()?;
        match self.kind {
            SourceKind::Demo => self.demo.validate(),
            SourceKind::File => {
                if self.path.is_none() {
                    return Err(ConnectorError::InvalidConfig {
                        key: "source.path".into(),
                        message: "source.kind is `file` but no path is given".into(),
                    });
                }
                if self.csv.separator.is_some_and(|c| !c.is_ascii()) {
                    return Err(ConnectorError::InvalidConfig {
                        key: "source.csv.separator".into(),
                        message: "expected one ASCII character".into(),
                    });
                }
                Ok(())
            }
            SourceKind::Supabase | SourceKind::Postgres => self.supabase.validate(),
        }
    }
}

/// Where fetched data came from.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct SourceMeta {
    /// Kind of source.
    pub kind: SourceKind,
    /// Short name used in snapshot file names (`demo`, or the file's stem).
    pub name: String,
    /// Human description (file path, or the generator and its seed); never holds a secret.
    pub description: String,
    /// Files read, for the run manifest.
    pub input_files: Vec<PathBuf>,
}

/// Rows fetched from a source, with where they came from.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The rows.
    pub frame: DataFrame,
    /// Provenance.
    pub meta: SourceMeta,
    /// Network sources: every page exactly as received (empty for files and the demo).
    pub raw_pages: Vec<remote::RawPage>,
    /// Network sources: pages, retries, counts and warnings.
    pub fetch_report: Option<remote::FetchReport>,
}

/// A source of raw daily sales.
pub trait Source {
    /// Provenance of the data this source returns.
    fn meta(&self) -> SourceMeta;
    /// Every row, in source order.
    fn fetch_all(&self) -> Result<DataFrame, ConnectorError>;
    /// The rows whose `fecha` lies in `span` (all rows when `None`), with provenance.
    fn fetch(&self, span: Option<DateSpan>) -> Result<Fetched, ConnectorError> {
        let mut frame = self.fetch_all()?;
        if let Some(span) = span {
            frame = filter_span(&frame, span)?;
        }
        Ok(Fetched {
            frame,
            meta: self.meta(),
            raw_pages: Vec::new(),
            fetch_report: None,
        })
    }
}

/// Keeps the rows whose `fecha` lies in `span`.
pub fn filter_span(frame: &DataFrame, span: DateSpan) -> Result<DataFrame, ConnectorError> {
    let fechas = frame.column(cols::FECHA)?.date()?.clone();
    let mask: BooleanChunked = fechas
        .as_date_iter()
        .map(|d| Some(d.is_some_and(|d| span.contains(d))))
        .collect();
    Ok(frame.filter(&mask)?)
}

/// The demo source: a [`DemoGenerator`] behind the [`Source`] trait.
#[derive(Debug, Clone)]
pub struct DemoSource {
    generator: DemoGenerator,
    seed: u64,
}

impl DemoSource {
    /// A demo source with the given settings, seed and calendar.
    pub fn new(cfg: DemoConfig, seed: u64, cal: &CalendarConfig) -> Result<Self, ConnectorError> {
        Ok(Self {
            generator: DemoGenerator::new(cfg, seed, cal)?,
            seed,
        })
    }
    /// The generator (e.g. for `mu`).
    pub fn generator(&self) -> &DemoGenerator {
        &self.generator
    }
}

impl Source for DemoSource {
    fn meta(&self) -> SourceMeta {
        let span = self.generator.config().span;
        SourceMeta {
            kind: SourceKind::Demo,
            name: SourceKind::Demo.as_str().to_string(),
            description: format!(
                "synthetic buñuelo history from {} to {}, seed {}",
                span.start(),
                span.end(),
                self.seed
            ),
            input_files: Vec::new(),
        }
    }
    fn fetch_all(&self) -> Result<DataFrame, ConnectorError> {
        self.generator.frame()
    }
}

impl Source for FileSource {
    fn meta(&self) -> SourceMeta {
        let stem = self
            .path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("file");
        let name: String = stem
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        SourceMeta {
            kind: SourceKind::File,
            name: format!("file_{name}"),
            description: format!("file {}", self.path.display()),
            input_files: vec![self.path.clone()],
        }
    }
    fn fetch_all(&self) -> Result<DataFrame, ConnectorError> {
        self.read()
    }
}

enum Fetcher {
    Supabase(supabase::SupabaseSource),
    Postgres(pg::PostgresSource),
}

/// A network source behind the [`Source`] trait: the span is applied by the server, the pages
/// are kept, then decoded with the file source's column mapping and date parsing.
struct NetworkSource {
    kind: SourceKind,
    table: supabase::RemoteTableConfig,
    columns: BTreeMap<String, String>,
    date_aliases: Vec<String>,
    zone: LocalZone,
    fetcher: Fetcher,
}

impl Source for NetworkSource {
    fn meta(&self) -> SourceMeta {
        let how = match self.kind {
            SourceKind::Postgres => "PostgreSQL",
            _ => "Supabase (PostgREST)",
        };
        SourceMeta {
            kind: self.kind,
            name: format!("{}_{}", self.kind.as_str(), self.table.table),
            description: format!(
                "{how} table {}{}",
                self.table
                    .schema
                    .as_ref()
                    .map(|s| format!("{s}."))
                    .unwrap_or_default(),
                self.table.table
            ),
            input_files: Vec::new(),
        }
    }

    fn fetch_all(&self) -> Result<DataFrame, ConnectorError> {
        Ok(self.fetch(None)?.frame)
    }

    fn fetch(&self, span: Option<DateSpan>) -> Result<Fetched, ConnectorError> {
        let (pages, report) = match &self.fetcher {
            Fetcher::Supabase(s) => s.fetch_pages(span)?,
            Fetcher::Postgres(p) => p.fetch_pages(span)?,
        };
        let frame = remote::pages_to_frame(
            &pages,
            &self.table.column_names(),
            &format!("{}:{}", self.kind.as_str(), self.table.table),
            &self.columns,
            &self.date_aliases,
            self.zone,
        )?;
        Ok(Fetched {
            frame,
            meta: self.meta(),
            raw_pages: pages,
            fetch_report: Some(report),
        })
    }
}

/// Builds the configured source. Relative file paths are resolved against `root`; network
/// secrets are read with `secrets` (the environment in production, never config).
pub fn build_source(
    cfg: &SourceConfig,
    seed: u64,
    calendar: &CalendarConfig,
    date_aliases: &[String],
    root: &Path,
    secrets: &dyn Fn(&str) -> Option<remote::Secret>,
) -> Result<Box<dyn Source>, ConnectorError> {
    cfg.validate()?;
    let zone = cfg.zone(&calendar.festivos.pais)?;
    // Many series share every date: without an `id`, pages break ties on the series key.
    let mut table = cfg.supabase.clone();
    table.tiebreak = cfg.serie.clone();
    Ok(match cfg.kind {
        SourceKind::Supabase => Box::new(NetworkSource {
            kind: SourceKind::Supabase,
            table: table.clone(),
            columns: cfg.columns.clone(),
            date_aliases: date_aliases.to_vec(),
            zone,
            fetcher: Fetcher::Supabase(supabase::SupabaseSource {
                cfg: table.clone(),
                credentials: supabase::SupabaseCredentials::from_lookup(secrets)?,
                seed,
            }),
        }),
        SourceKind::Postgres => Box::new(NetworkSource {
            kind: SourceKind::Postgres,
            table: table.clone(),
            columns: cfg.columns.clone(),
            date_aliases: date_aliases.to_vec(),
            zone,
            fetcher: Fetcher::Postgres(pg::PostgresSource {
                cfg: table,
                url: secrets("SUPABASE_DB_URL")
                    .ok_or_else(|| RemoteError::MissingEnv("SUPABASE_DB_URL".into()))?,
                seed,
            }),
        }),
        SourceKind::Demo => Box::new(DemoSource::new(cfg.demo.clone(), seed, calendar)?),
        SourceKind::File => {
            let p = cfg.path.clone().expect("validated");
            Box::new(FileSource {
                path: if p.is_absolute() { p } else { root.join(p) },
                format: cfg.format,
                columns: cfg.columns.clone(),
                date_aliases: date_aliases.to_vec(),
                csv: cfg.csv.clone(),
                excel: cfg.excel.clone(),
                zone,
            })
        }
    })
}

/// Keeps the rows of `frame` whose column equals the value for every `(column, value)` of
/// `filters` (values compared as trimmed text; an unknown column is an error naming it).
pub fn apply_filters(
    frame: DataFrame,
    filters: &BTreeMap<String, String>,
) -> Result<DataFrame, ConnectorError> {
    let mut out = frame;
    for (col, value) in filters {
        let names: Vec<String> = out
            .get_column_names()
            .iter()
            .map(|s| s.to_string())
            .collect();
        let c = out.column(col).map_err(|_| ConnectorError::InvalidConfig {
            key: format!("source.filters.{col}"),
            message: format!(
                "the source has no column `{col}` (columns: {})",
                names.join(", ")
            ),
        })?;
        let text = c.cast(&DataType::String)?;
        let mask: BooleanChunked = text
            .str()?
            .iter()
            .map(|v| Some(v.is_some_and(|v| v.trim() == value.trim())))
            .collect();
        out = out.filter(&mask)?;
    }
    Ok(out)
}

/// One series of a long table: its key (one value per key column, as text) and its rows, the
/// key columns removed.
#[derive(Debug, Clone)]
pub struct SeriesFrame {
    /// The key values, in the order of the key columns.
    pub key: Vec<String>,
    /// The series' rows, in the table's order, without the key columns.
    pub frame: DataFrame,
}

impl SeriesFrame {
    /// The key as one name: the values joined by `/` (`tienda_1/buñuelo`).
    pub fn name(&self) -> String {
        self.key.join("/")
    }
}

/// Splits a long table into its series by the key columns `key` (values compared as trimmed
/// text), in key order; a row with an empty key is an error naming its row, and so is a
/// missing key column.
pub fn split_series(frame: &DataFrame, key: &[String]) -> Result<Vec<SeriesFrame>, ConnectorError> {
    let names: Vec<String> = frame
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut texts = Vec::with_capacity(key.len());
    for col in key {
        let c = frame
            .column(col)
            .map_err(|_| ConnectorError::InvalidConfig {
                key: "source.serie".into(),
                message: format!(
                    "the source has no column `{col}` (columns: {})",
                    names.join(", ")
                ),
            })?;
        texts.push(c.cast(&DataType::String)?);
    }
    let mut groups: BTreeMap<Vec<String>, Vec<IdxSize>> = BTreeMap::new();
    for row in 0..frame.height() {
        let mut k = Vec::with_capacity(key.len());
        for (col, t) in key.iter().zip(&texts) {
            match t.str()?.get(row).map(str::trim).filter(|v| !v.is_empty()) {
                Some(v) => k.push(v.to_string()),
                None => {
                    return Err(ConnectorError::InvalidConfig {
                        key: "source.serie".into(),
                        message: format!("row {} has no value in the key column `{col}`", row + 1),
                    })
                }
            }
        }
        groups.entry(k).or_default().push(row as IdxSize);
    }
    groups
        .into_iter()
        .map(|(k, idx)| {
            let mut part = frame.take(&IdxCa::from_vec("idx".into(), idx))?;
            for col in key {
                part = part.drop(col)?;
            }
            Ok(SeriesFrame {
                key: k,
                frame: part,
            })
        })
        .collect()
}

/// Serialises a frame as Parquet bytes (deterministic: same frame ⇒ same bytes).
pub fn to_parquet_bytes(frame: &DataFrame) -> Result<Vec<u8>, ConnectorError> {
    parquet_bytes(frame, |w| {
        w.with_compression(ParquetCompression::Zstd(None))
    })
}

/// `frame` as Parquet bytes, written by a writer `settings` sets up.
fn parquet_bytes(
    frame: &DataFrame,
    settings: impl FnOnce(ParquetWriter<&mut Vec<u8>>) -> ParquetWriter<&mut Vec<u8>>,
) -> Result<Vec<u8>, ConnectorError> {
    let mut buf = Vec::new();
    let mut f = frame.clone();
    settings(ParquetWriter::new(&mut buf)).finish(&mut f)?;
    Ok(buf)
}

/// A frame as Parquet bytes written for speed rather than size (LZ4, no column statistics):
/// for bytes held a while in memory and read back by the same program, as the files
/// [`stack_parquet`] stacks.
pub fn to_parquet_bytes_fast(frame: &DataFrame) -> Result<Vec<u8>, ConnectorError> {
    parquet_bytes(frame, |w| {
        w.with_compression(ParquetCompression::Lz4Raw)
            .with_statistics(StatisticsOptions {
                min_value: false,
                max_value: false,
                distinct_count: false,
                null_count: false,
                ..StatisticsOptions::default()
            })
            .set_parallel(false)
    })
}

/// Rows of a row group of [`stack_parquet`]'s file (polars' own default).
pub const STACK_ROW_GROUP: usize = 512 * 512;

/// Parquet files (as [`to_parquet_bytes`] or [`to_parquet_bytes_fast`] write them) stacked into
/// one, decoding one file at a time: the stack is never held decoded whole, only a row group of
/// about [`STACK_ROW_GROUP`] rows (each file's rows go whole into the group being filled); the
/// files and the stack's bytes are held. The stack has every column of any of the files, in the
/// order first seen, null on the rows of a file without it. A column's type is the one every
/// file has; a column of nulls takes the others' type, and numbers of different types become
/// `Float64`; other mixes are an error naming the column ([`ConnectorError::StackTypes`]). The
/// bytes and the rows; `None` for no file. `label` names the stack in an error.
pub fn stack_parquet(
    files: &[&[u8]],
    label: &str,
) -> Result<Option<(Vec<u8>, usize)>, ConnectorError> {
    if files.is_empty() {
        return Ok(None);
    }
    // The union of the files' columns, from each file's schema (no row decoded).
    let mut schema = Schema::default();
    for f in files {
        let head = ParquetReader::new(std::io::Cursor::new(*f))
            .with_slice(Some((0, 0)))
            .finish()
            .map_err(|e| unreadable(label, &e))?;
        for c in head.columns() {
            let wider = match schema.get(c.name()) {
                None => c.dtype().clone(),
                Some(t) if t == c.dtype() || c.dtype() == &DataType::Null => continue,
                Some(DataType::Null) => c.dtype().clone(),
                Some(t) if t.is_primitive_numeric() && c.dtype().is_primitive_numeric() => {
                    DataType::Float64
                }
                Some(t) => {
                    return Err(ConnectorError::StackTypes {
                        stack: label.to_string(),
                        column: c.name().to_string(),
                        first: t.to_string(),
                        found: c.dtype().to_string(),
                    })
                }
            };
            // A column already there keeps its place.
            schema.with_column(c.name().clone(), wider);
        }
    }
    let mut buf = Vec::new();
    let mut rows = 0;
    {
        let mut writer = ParquetWriter::new(&mut buf)
            .with_compression(ParquetCompression::Zstd(None))
            .batched(&schema)?;
        let mut group: Option<DataFrame> = None;
        let mut flush = |group: &mut Option<DataFrame>| -> Result<(), ConnectorError> {
            if let Some(mut g) = group.take() {
                g.rechunk_mut();
                writer.write_batch(&g)?;
            }
            Ok(())
        };
        for f in files {
            let frame = parquet_from_bytes(f, label)?;
            let height = frame.height();
            let columns: Vec<Column> = schema
                .iter()
                .map(|(name, dtype)| match frame.column(name.as_str()) {
                    Ok(c) if c.dtype() == dtype => Ok(c.clone()),
                    Ok(c) => c.strict_cast(dtype),
                    Err(_) => Ok(Column::full_null(name.clone(), height, dtype)),
                })
                .collect::<PolarsResult<_>>()?;
            let frame = DataFrame::new(height, columns)?;
            rows += height;
            match &mut group {
                None => group = Some(frame),
                Some(g) => {
                    g.vstack_mut(&frame)?;
                }
            }
            if group
                .as_ref()
                .is_some_and(|g| g.height() >= STACK_ROW_GROUP)
            {
                flush(&mut group)?;
            }
        }
        flush(&mut group)?;
        writer.finish()?;
    }
    Ok(Some((buf, rows)))
}

fn unreadable(label: &str, e: &PolarsError) -> ConnectorError {
    ConnectorError::Unreadable {
        path: PathBuf::from(label),
        message: e.to_string(),
    }
}

/// Reads a Parquet file written by [`to_parquet_bytes`].
pub fn read_parquet(path: &Path) -> Result<DataFrame, ConnectorError> {
    let file = std::fs::File::open(path).map_err(|e| ConnectorError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    ParquetReader::new(file)
        .finish()
        .map_err(|e| ConnectorError::Unreadable {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
}

/// Reads Parquet bytes (as a store returns them); `label` names them in the error.
pub fn parquet_from_bytes(bytes: &[u8], label: &str) -> Result<DataFrame, ConnectorError> {
    ParquetReader::new(std::io::Cursor::new(bytes))
        .finish()
        .map_err(|e| unreadable(label, &e))
}

/// First and last `fecha` of a frame, if it has any non-null date.
pub fn date_range(frame: &DataFrame) -> Result<Option<(NaiveDate, NaiveDate)>, ConnectorError> {
    let fechas = frame.column(cols::FECHA)?.date()?.clone();
    let mut it = fechas.as_date_iter().flatten();
    let Some(first) = it.next() else {
        return Ok(None);
    };
    let (lo, hi) = it.fold((first, first), |(lo, hi), d| (lo.min(d), hi.max(d)));
    Ok(Some((lo, hi)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Files with different columns stack into one holding them all, in the order first seen,
    /// null where a file lacked one, a later file's column cast to the type first seen; a
    /// file's own columns select it back exactly; a stack longer than a row group keeps every
    /// row in order.
    #[test]
    fn parquet_files_stack_into_the_union_of_their_columns() {
        let a = DataFrame::new(
            2,
            vec![
                Column::new("k".into(), ["a", "a"]),
                Column::new("x".into(), [1.0, 2.0]),
                Column::new("y".into(), [3.0, 4.0]),
            ],
        )
        .unwrap();
        let b = DataFrame::new(
            1,
            vec![
                Column::new("k".into(), ["b"]),
                Column::new("z".into(), [true]),
                Column::new("x".into(), [5i32]),
            ],
        )
        .unwrap();
        let files = [to_parquet_bytes(&a).unwrap(), to_parquet_bytes(&b).unwrap()];
        let refs: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
        let (bytes, rows) = stack_parquet(&refs, "t").unwrap().unwrap();
        let u = parquet_from_bytes(&bytes, "t").unwrap();
        assert_eq!(rows, 3);
        assert_eq!(u.get_column_names(), ["k", "x", "y", "z"]);
        assert_eq!(u.column("x").unwrap().dtype(), &DataType::Float64);
        assert_eq!(u.column("y").unwrap().null_count(), 1);
        assert_eq!(u.column("z").unwrap().null_count(), 2);
        assert!(u
            .slice(0, 2)
            .select(["k", "x", "y"])
            .unwrap()
            .equals_missing(&a));
        let back = u.slice(2, 1).select(["k", "z", "x"]).unwrap();
        assert_eq!(back.column("x").unwrap().f64().unwrap().get(0), Some(5.0));
        assert!(stack_parquet(&[], "t").unwrap().is_none());
        // Four files of 100,000 rows: a group closes once it reaches a row group's rows (the
        // third file), the fourth starts another; every row in order.
        let long: Vec<Vec<u8>> = (0..4)
            .map(|i| {
                let v: Vec<i64> = (0..100_000).map(|r| i * 100_000 + r).collect();
                to_parquet_bytes(
                    &DataFrame::new(v.len(), vec![Column::new("v".into(), v)]).unwrap(),
                )
                .unwrap()
            })
            .collect();
        let refs: Vec<&[u8]> = long.iter().map(Vec::as_slice).collect();
        let (bytes, rows) = stack_parquet(&refs, "t").unwrap().unwrap();
        assert_eq!(rows, 400_000);
        let mut reader = ParquetReader::new(std::io::Cursor::new(bytes.as_slice()));
        assert_eq!(reader.get_metadata().unwrap().row_groups.len(), 2);
        let v = parquet_from_bytes(&bytes, "t").unwrap();
        let v: Vec<i64> = v
            .column("v")
            .unwrap()
            .i64()
            .unwrap()
            .into_no_null_iter()
            .collect();
        assert!(v.iter().enumerate().all(|(i, x)| *x == i as i64));
        // Integers first, fractions later: both widen to Float64, nothing truncated.
        let i = DataFrame::new(1, vec![Column::new("x".into(), [7i64])]).unwrap();
        let f = DataFrame::new(1, vec![Column::new("x".into(), [1.5])]).unwrap();
        let files = [
            to_parquet_bytes(&i).unwrap(),
            to_parquet_bytes_fast(&f).unwrap(),
        ];
        let refs: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
        let x = parquet_from_bytes(&stack_parquet(&refs, "t").unwrap().unwrap().0, "t").unwrap();
        let x: Vec<Option<f64>> = x.column("x").unwrap().f64().unwrap().iter().collect();
        assert_eq!(x, [Some(7.0), Some(1.5)]);
        // Text and numbers do not mix: an error naming the stack and the column.
        let c = DataFrame::new(1, vec![Column::new("x".into(), ["text"])]).unwrap();
        let files = [to_parquet_bytes(&a).unwrap(), to_parquet_bytes(&c).unwrap()];
        let refs: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
        let e = stack_parquet(&refs, "features").unwrap_err().to_string();
        assert!(e.contains("features") && e.contains("`x`"), "{e}");
    }

    #[test]
    fn demo_snapshot_bytes_are_reproducible_and_seed_dependent() {
        let cal = CalendarConfig::default();
        let a = DemoSource::new(DemoConfig::default(), 42, &cal).unwrap();
        let b = DemoSource::new(DemoConfig::default(), 42, &cal).unwrap();
        let c = DemoSource::new(DemoConfig::default(), 7, &cal).unwrap();
        let bytes = |s: &DemoSource| to_parquet_bytes(&s.fetch(None).unwrap().frame).unwrap();
        assert_eq!(bytes(&a), bytes(&b));
        assert_ne!(bytes(&a), bytes(&c));
    }

    #[test]
    fn span_filter_keeps_only_the_span() {
        let cal = CalendarConfig::default();
        let s = DemoSource::new(DemoConfig::default(), 42, &cal).unwrap();
        let span =
            DateSpan::new("2025-11-01".parse().unwrap(), "2025-11-30".parse().unwrap()).unwrap();
        let f = s.fetch(Some(span)).unwrap();
        assert_eq!(f.frame.height(), 30);
        assert_eq!(
            date_range(&f.frame).unwrap(),
            Some((span.start(), span.end()))
        );
    }

    #[test]
    fn file_kind_without_path_names_the_key() {
        let cfg = SourceConfig {
            kind: SourceKind::File,
            ..SourceConfig::default()
        };
        let err = cfg.validate().unwrap_err();
        assert!(matches!(&err, ConnectorError::InvalidConfig { key, .. } if key == "source.path"));
    }
}
