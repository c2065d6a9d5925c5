//! # store
//!
//! Where a run's artifacts live. The pipeline reads and writes through the [`Store`] trait;
//! two stores implement it:
//!
//! - [`FileStore`]: the project's folders. Every official output is dual-persisted
//!   (`<name>_latest.<ext>` plus `history/<name>_<stamp>_<run id>.<ext>`, atomic, history never
//!   overwritten), a phase's outputs are staged and published only when it succeeds, raw
//!   snapshots are immutable, and every file read or written is recorded for the run
//!   [`manifest`]. One run at a time per project: [`lock::RunLock`].
//! - [`MemoryStore`]: a map in memory, for services and tests (nothing touches the disk).
//!
//! ```
//! use store::{Area, MemoryStore, Store};
//!
//! let mut s = MemoryStore::new("demo0001");
//! s.put(Area::Forecast, "forecast_daily", "csv", b"fecha,pronostico\n", Some(0))?;
//! let back = s.get(Area::Forecast, "forecast_daily", "csv")?;
//! assert_eq!(back.as_deref(), Some(&b"fecha,pronostico\n"[..]));
//! assert!(s.get(Area::Models, "champion", "json")?.is_none());
//! # Ok::<(), store::StoreError>(())
//! ```
#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{de::DeserializeOwned, Serialize};

mod file;
pub mod lock;
pub mod manifest;
pub mod writer;

pub use file::{FileStore, Folders};
pub use manifest::{Envelope, RunManifest, SCHEMA_VERSION};
pub use writer::{relative, sha256_hex, ArtifactError, ArtifactWriter, FileRecord};

/// Crate version, recorded in run manifests.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Errors of a store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Writing an artifact failed.
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    /// An operating-system error while reading.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A manifest that is not valid JSON of the manifest layout.
    #[error("unreadable manifest {path}: {source}")]
    Manifest {
        /// The file.
        path: PathBuf,
        /// The error.
        source: serde_json::Error,
    },
    /// A report that could not be written or read as JSON.
    #[error("report {name}: {source}")]
    Report {
        /// The report's name.
        name: String,
        /// The error.
        source: serde_json::Error,
    },
    /// The raw layer is immutable: a snapshot of this name exists.
    #[error("raw snapshot {0} already exists; the raw layer is immutable")]
    RawExists(String),
}

/// Where an artifact lives: the data layers and the kinds of official outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Area {
    /// `data/02_cleansed`: the daily grid and the rows after the cutoff.
    Cleansed,
    /// `data/03_features`: the feature table.
    Features,
    /// `data/04_processed`: model-ready history and future rows.
    Processed,
    /// `outputs/reports`: the phases' JSON reports and the leaderboard.
    Reports,
    /// `outputs/figures`: charts and pages.
    Figures,
    /// `outputs/models`: the champion and the backtest tables.
    Models,
    /// `outputs/forecast`: daily and monthly forecasts.
    Forecast,
    /// `outputs/simulations`: what-if scenarios.
    Simulations,
    /// The executive summaries.
    Executive,
}

/// A raw snapshot to keep, exactly as fetched.
#[derive(Debug, Clone)]
pub struct RawSnapshot {
    /// Short name of the source (the snapshot is named after it and the run).
    pub source: String,
    /// The rows, as Parquet.
    pub parquet: Vec<u8>,
    /// Rows in the snapshot.
    pub rows: u64,
    /// Its metadata (JSON), kept beside it.
    pub meta: Vec<u8>,
    /// Network sources: each page as received, `(file name, bytes, rows)`, kept together.
    pub pages: Vec<(String, Vec<u8>, Option<u64>)>,
}

/// An earlier version of an artifact kept by the store (a history copy).
#[derive(Debug, Clone)]
pub struct Kept {
    /// Where it is (a path relative to the root in a file store).
    pub label: String,
    /// The run that wrote it.
    pub run_id: String,
    /// Its content.
    pub bytes: Vec<u8>,
}

/// What the pipeline reads and writes through. Reads of `_latest` content are recorded as
/// inputs of the run; writes inside a phase are published when the phase succeeds.
pub trait Store {
    /// The run this store writes for (named in every report envelope).
    fn run_id(&self) -> &str;
    /// SHA-256 of the run's resolved configuration (named in every report envelope).
    fn config_sha256(&self) -> &str;
    /// Publishes `name.ext` in `area` (`rows`: data rows, when a table).
    fn put(
        &mut self,
        area: Area,
        name: &str,
        ext: &str,
        bytes: &[u8],
        rows: Option<u64>,
    ) -> Result<(), StoreError>;
    /// Like [`Store::put`], for a file that explains a failure of its phase: published even
    /// when the phase fails.
    fn put_evidence(
        &mut self,
        area: Area,
        name: &str,
        ext: &str,
        bytes: &[u8],
        rows: Option<u64>,
    ) -> Result<(), StoreError> {
        self.put(area, name, ext, bytes, rows)
    }
    /// The current content of `name.ext` in `area`, recorded as an input; `None` when absent.
    fn get(&mut self, area: Area, name: &str, ext: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// The current content of `name.ext` in `area` without recording it as an input (the
    /// run's own reports, read back to summarise them).
    fn peek(&self, area: Area, name: &str, ext: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Records the data rows of the input at `label` (as [`Store::locate`] or
    /// [`Store::get_raw`] name it), for the manifest.
    fn count_rows(&mut self, _label: &str, _rows: u64) {}
    /// Records a file read from outside the store (a source file) as an input of the run;
    /// returns its record (path relative to the project root where there is one).
    fn record_file(&mut self, path: &Path, rows: Option<u64>) -> Result<FileRecord, StoreError>;
    /// Where `name.ext` of `area` is, for messages.
    fn locate(&self, area: Area, name: &str, ext: &str) -> String;
    /// Every earlier version of `name.ext` kept in `area`, oldest first (not recorded as
    /// inputs).
    fn history(&mut self, area: Area, name: &str, ext: &str) -> Result<Vec<Kept>, StoreError>;
    /// Keeps a raw snapshot (immutable); returns where it is.
    fn put_raw(&mut self, raw: RawSnapshot) -> Result<String, StoreError>;
    /// The raw snapshot to cleanse (this run's, else the newest one whose ingest passed), with
    /// where it is, recorded as an input.
    fn get_raw(&mut self) -> Result<Option<(String, Vec<u8>)>, StoreError>;
}

/// A report as read back: the run that wrote it and its body.
#[derive(Debug, Clone)]
pub struct Report<T> {
    /// The run that wrote it.
    pub run_id: String,
    /// Its content.
    pub body: T,
}

/// `body` wrapped in the store's envelope (run id, time, config hash) as pretty JSON.
pub fn envelope_json<S: Store + ?Sized, T: Serialize>(
    store: &S,
    name: &str,
    body: &T,
) -> Result<Vec<u8>, StoreError> {
    let env = Envelope {
        report: name,
        schema_version: SCHEMA_VERSION,
        run_id: store.run_id(),
        generated_at_utc: manifest::utc(chrono::Utc::now()),
        config_sha256: store.config_sha256(),
        body,
    };
    serde_json::to_vec_pretty(&env).map_err(|source| StoreError::Report {
        name: name.to_string(),
        source,
    })
}

/// Publishes the report `name` (`reports/<name>.json`, in its envelope).
pub fn put_report<S: Store + ?Sized, T: Serialize>(
    store: &mut S,
    name: &str,
    body: &T,
) -> Result<(), StoreError> {
    let bytes = envelope_json(store, name, body)?;
    store.put(Area::Reports, name, "json", &bytes, None)
}

/// [`put_report`] for a report that explains a failure of its phase (published either way).
pub fn put_evidence_report<S: Store + ?Sized, T: Serialize>(
    store: &mut S,
    name: &str,
    body: &T,
) -> Result<(), StoreError> {
    let bytes = envelope_json(store, name, body)?;
    store.put_evidence(Area::Reports, name, "json", &bytes, None)
}

/// Reads the report `name` back (recorded as an input); `None` when absent.
pub fn get_report<S: Store + ?Sized, T: DeserializeOwned>(
    store: &mut S,
    name: &str,
) -> Result<Option<Report<T>>, StoreError> {
    #[derive(serde::Deserialize)]
    struct Back<T> {
        run_id: String,
        body: T,
    }
    let Some(bytes) = store.get(Area::Reports, name, "json")? else {
        return Ok(None);
    };
    let back: Back<T> = serde_json::from_slice(&bytes).map_err(|source| StoreError::Report {
        name: name.to_string(),
        source,
    })?;
    Ok(Some(Report {
        run_id: back.run_id,
        body: back.body,
    }))
}

/// A store in memory: the latest content of every artifact and its earlier versions. For
/// services and tests; nothing touches the disk.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    run_id: String,
    config_sha256: String,
    files: BTreeMap<(Area, String), Vec<Vec<u8>>>,
    raw: Option<(String, Vec<u8>)>,
}

impl MemoryStore {
    /// An empty store writing for the run `run_id`.
    pub fn new(run_id: &str) -> Self {
        Self {
            run_id: run_id.to_string(),
            ..Self::default()
        }
    }

    /// The same store with the config hash its envelopes name.
    pub fn with_config_sha256(mut self, sha: &str) -> Self {
        self.config_sha256 = sha.to_string();
        self
    }

    /// The names (`name.ext`) held in `area`.
    pub fn names(&self, area: Area) -> Vec<String> {
        self.files
            .keys()
            .filter(|(a, _)| *a == area)
            .map(|(_, n)| n.clone())
            .collect()
    }
}

impl Store for MemoryStore {
    fn run_id(&self) -> &str {
        &self.run_id
    }
    fn config_sha256(&self) -> &str {
        &self.config_sha256
    }
    fn put(
        &mut self,
        area: Area,
        name: &str,
        ext: &str,
        bytes: &[u8],
        _rows: Option<u64>,
    ) -> Result<(), StoreError> {
        self.files
            .entry((area, format!("{name}.{ext}")))
            .or_default()
            .push(bytes.to_vec());
        Ok(())
    }
    fn get(&mut self, area: Area, name: &str, ext: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.peek(area, name, ext)
    }
    fn record_file(&mut self, path: &Path, rows: Option<u64>) -> Result<FileRecord, StoreError> {
        Ok(FileRecord::read(Path::new(""), path, rows)?)
    }
    fn peek(&self, area: Area, name: &str, ext: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .files
            .get(&(area, format!("{name}.{ext}")))
            .and_then(|v| v.last().cloned()))
    }
    fn locate(&self, area: Area, name: &str, ext: &str) -> String {
        format!("memory:{area:?}/{name}.{ext}")
    }
    fn history(&mut self, area: Area, name: &str, ext: &str) -> Result<Vec<Kept>, StoreError> {
        let label = self.locate(area, name, ext);
        Ok(self
            .files
            .get(&(area, format!("{name}.{ext}")))
            .map(|v| {
                v.iter()
                    .enumerate()
                    .map(|(k, b)| Kept {
                        label: format!("{label}#{k}"),
                        run_id: self.run_id.clone(),
                        bytes: b.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default())
    }
    fn put_raw(&mut self, raw: RawSnapshot) -> Result<String, StoreError> {
        let label = format!("memory:raw/{}_{}.parquet", raw.source, self.run_id);
        if self.raw.as_ref().is_some_and(|(l, _)| *l == label) {
            return Err(StoreError::RawExists(label));
        }
        self.raw = Some((label.clone(), raw.parquet));
        Ok(label)
    }
    fn get_raw(&mut self) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        Ok(self.raw.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_round_trip_through_a_memory_store_with_their_run() {
        let mut s = MemoryStore::new("abcd0001").with_config_sha256("00ff");
        put_report(&mut s, "forecast", &vec![1.5, 2.0]).unwrap();
        put_report(&mut s, "forecast", &vec![3.0]).unwrap();
        let r: Report<Vec<f64>> = get_report(&mut s, "forecast").unwrap().unwrap();
        assert_eq!(r.run_id, "abcd0001");
        assert_eq!(r.body, [3.0]);
        assert_eq!(
            s.history(Area::Reports, "forecast", "json").unwrap().len(),
            2
        );
        assert!(get_report::<_, Vec<f64>>(&mut s, "train")
            .unwrap()
            .is_none());
    }

    #[test]
    fn a_memory_raw_snapshot_is_immutable() {
        let mut s = MemoryStore::new("r1");
        let raw = RawSnapshot {
            source: "demo".into(),
            parquet: vec![1, 2],
            rows: 1,
            meta: vec![],
            pages: vec![],
        };
        let at = s.put_raw(raw.clone()).unwrap();
        assert!(matches!(s.put_raw(raw), Err(StoreError::RawExists(l)) if l == at));
        assert_eq!(s.get_raw().unwrap().unwrap().1, [1, 2]);
    }
}
