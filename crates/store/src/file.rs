//! The project's folders as a [`Store`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::manifest::{new_run_id, LatestSource, RunManifest};
use crate::writer::{relative, sha256_hex, ArtifactWriter, FileRecord};
use crate::{Area, Kept, RawSnapshot, Store, StoreError};

/// The folders of a project, relative to its root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folders {
    /// Immutable raw snapshots.
    pub raw: PathBuf,
    /// The cleansed layer.
    pub cleansed: PathBuf,
    /// The feature layer.
    pub features: PathBuf,
    /// The processed layer.
    pub processed: PathBuf,
    /// Official outputs (`reports`, `figures`, `models`, `forecast`, `simulations`).
    pub outputs: PathBuf,
    /// Executive summaries.
    pub executive: PathBuf,
}

impl Folders {
    /// Every folder a run writes into, absolute: where a killed run's leftovers are looked for.
    pub fn written(&self, root: &Path) -> Vec<PathBuf> {
        [
            &self.raw,
            &self.cleansed,
            &self.features,
            &self.processed,
            &self.outputs,
            &self.executive,
        ]
        .into_iter()
        .map(|d| root.join(d))
        .collect()
    }
}

/// A run's view of the project's folders: dual-persisted, staged per phase, every file read
/// or written recorded for the manifest.
#[derive(Debug)]
pub struct FileStore {
    root: PathBuf,
    folders: Folders,
    run_id: String,
    started: DateTime<Utc>,
    stamp: String,
    config_sha256: String,
    writer: ArtifactWriter,
    inputs: Vec<FileRecord>,
    raw_snapshot: Option<String>,
}

fn read(path: &Path) -> Result<Vec<u8>, StoreError> {
    std::fs::read(path).map_err(|source| StoreError::Read {
        path: path.to_path_buf(),
        source,
    })
}

impl FileStore {
    /// A new run (id from the start time) of the project at `root` whose resolved config
    /// hashes to `config_sha256`.
    pub fn new(root: &Path, folders: Folders, config_sha256: &str) -> Self {
        let started = Utc::now();
        let run_id = new_run_id(started);
        let stamp = started.format("%Y%m%dT%H%M%SZ").to_string();
        Self {
            root: root.to_path_buf(),
            writer: ArtifactWriter::new(root, &run_id, &stamp),
            folders,
            run_id,
            started,
            stamp,
            config_sha256: config_sha256.to_string(),
            inputs: Vec::new(),
            raw_snapshot: None,
        }
    }

    /// The same run under a given id: `cargo xtask verify` re-derives a run as the run it
    /// checks, so that outputs which show their run id (figure captions, the page) compare
    /// byte for byte.
    #[must_use]
    pub fn with_run_id(mut self, run_id: &str) -> Self {
        self.run_id = run_id.to_string();
        self.writer = ArtifactWriter::new(&self.root, run_id, &self.stamp);
        self
    }

    /// The project root.
    pub fn root(&self) -> &Path {
        &self.root
    }
    /// The project's folders.
    pub fn folders(&self) -> &Folders {
        &self.folders
    }
    /// When the run started.
    pub fn started(&self) -> DateTime<Utc> {
        self.started
    }
    /// The start as `YYYYMMDDTHHMMSSZ` (history file names).
    pub fn stamp(&self) -> &str {
        &self.stamp
    }
    /// The writer (files outside the [`Area`]s: test and bench reports, the manifest).
    pub fn writer(&mut self) -> &mut ArtifactWriter {
        &mut self.writer
    }
    /// Files written so far.
    pub fn written(&self) -> &[FileRecord] {
        self.writer.written()
    }
    /// Files read so far.
    pub fn inputs(&self) -> &[FileRecord] {
        &self.inputs
    }
    /// The raw snapshot this run wrote or read, relative to the root.
    pub fn raw_snapshot(&self) -> Option<&str> {
        self.raw_snapshot.as_deref()
    }

    /// Remembers files read.
    pub fn record_inputs(&mut self, files: &[FileRecord]) {
        for f in files {
            if !self.inputs.contains(f) {
                self.inputs.push(f.clone());
            }
        }
    }

    /// The folder of `area`, absolute.
    pub fn dir(&self, area: Area) -> PathBuf {
        let f = &self.folders;
        let out = |k: &str| self.root.join(&f.outputs).join(k);
        match area {
            Area::Cleansed => self.root.join(&f.cleansed),
            Area::Features => self.root.join(&f.features),
            Area::Processed => self.root.join(&f.processed),
            Area::Reports => out("reports"),
            Area::Figures => out("figures"),
            Area::Models => out("models"),
            Area::Forecast => out("forecast"),
            Area::Simulations => out("simulations"),
            Area::Executive => self.root.join(&f.executive),
        }
    }

    fn latest_path(&self, area: Area, name: &str, ext: &str) -> PathBuf {
        self.dir(area).join(format!("{name}_latest.{ext}"))
    }

    /// Opens a phase: its writes are staged until [`Self::promote`] or [`Self::discard`].
    pub fn begin_phase(&mut self) {
        self.writer.begin_phase();
    }
    /// Publishes the open phase's writes.
    pub fn promote(&mut self) -> Result<(), StoreError> {
        Ok(self.writer.promote()?)
    }
    /// Drops the open phase's writes (evidence excepted); returns the `_latest` files kept.
    pub fn discard(&mut self) -> Result<Vec<String>, StoreError> {
        Ok(self.writer.discard()?)
    }

    /// The manifest's `latest` map: this run's published `_latest` files, and the others
    /// carried over from the previous manifest (its `latest` map, or for older manifests its
    /// own `_latest` outputs), each checked against the disk: a missing file is dropped, a
    /// changed one is traced to its history copy by hash (else `unknown`).
    pub fn latest_sources(&self) -> BTreeMap<String, LatestSource> {
        let reports = self.root.join(&self.folders.outputs).join("reports");
        let manifest_path = reports.join("run_manifest_latest.json");
        let own: BTreeMap<String, String> = self.writer.latest_written().into_iter().collect();
        let mut carried: BTreeMap<String, LatestSource> = BTreeMap::new();
        match std::fs::read_to_string(&manifest_path)
            .map(|t| serde_json::from_str::<RunManifest>(&t))
        {
            Ok(Ok(prev)) => {
                carried = prev.latest;
                for o in prev
                    .outputs
                    .iter()
                    .filter(|o| crate::manifest::is_latest_path(&o.path))
                {
                    carried
                        .entry(o.path.clone())
                        .or_insert_with(|| LatestSource {
                            run_id: prev.run_id.clone(),
                            sha256: o.sha256.clone(),
                        });
                }
            }
            Ok(Err(e)) => tracing::warn!(
                "previous manifest {} unreadable ({e}): `latest` lists this run's files only",
                manifest_path.display()
            ),
            Err(_) => {}
        }
        let mut map = BTreeMap::new();
        for (path, mut source) in carried {
            if own.contains_key(&path) {
                continue;
            }
            let Ok(bytes) = std::fs::read(self.root.join(&path)) else {
                continue;
            };
            let sha = sha256_hex(&bytes);
            if sha != source.sha256 {
                source = LatestSource {
                    run_id: crate::manifest::history_run_of(&self.root.join(&path), &sha)
                        .unwrap_or_else(|| "unknown".into()),
                    sha256: sha,
                };
            }
            map.insert(path, source);
        }
        for (path, sha256) in own {
            map.insert(
                path,
                LatestSource {
                    run_id: self.run_id.clone(),
                    sha256,
                },
            );
        }
        map.remove(&relative(&self.root, &manifest_path));
        map
    }

    /// Writes `manifest` (dual-persisted) and returns its `_latest` path.
    pub fn write_manifest(&mut self, manifest: &RunManifest) -> Result<PathBuf, StoreError> {
        let bytes = serde_json::to_vec_pretty(manifest).map_err(|source| StoreError::Report {
            name: "run_manifest".into(),
            source,
        })?;
        let dir = self.dir(Area::Reports);
        let p = self
            .writer
            .write_dual(&dir, "run_manifest", "json", &bytes, None)?;
        Ok(p.latest)
    }
}

impl Store for FileStore {
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
        rows: Option<u64>,
    ) -> Result<(), StoreError> {
        let dir = self.dir(area);
        self.writer.write_dual(&dir, name, ext, bytes, rows)?;
        Ok(())
    }
    fn put_evidence(
        &mut self,
        area: Area,
        name: &str,
        ext: &str,
        bytes: &[u8],
        rows: Option<u64>,
    ) -> Result<(), StoreError> {
        let dir = self.dir(area);
        self.writer
            .write_dual_evidence(&dir, name, ext, bytes, rows)?;
        Ok(())
    }
    fn get(&mut self, area: Area, name: &str, ext: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(bytes) = self.peek(area, name, ext)? else {
            return Ok(None);
        };
        let path = self.latest_path(area, name, ext);
        self.record_inputs(&[FileRecord::of(&self.root, &path, &bytes, None)]);
        Ok(Some(bytes))
    }
    fn peek(&self, area: Area, name: &str, ext: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let path = self.latest_path(area, name, ext);
        if !path.is_file() {
            return Ok(None);
        }
        read(&path).map(Some)
    }
    fn count_rows(&mut self, label: &str, rows: u64) {
        if let Some(r) = self.inputs.iter_mut().rev().find(|r| r.path == label) {
            r.rows = Some(rows);
        }
    }
    fn record_file(&mut self, path: &Path, rows: Option<u64>) -> Result<FileRecord, StoreError> {
        let rec = FileRecord::read(&self.root, path, rows)?;
        self.record_inputs(std::slice::from_ref(&rec));
        Ok(rec)
    }
    fn locate(&self, area: Area, name: &str, ext: &str) -> String {
        relative(&self.root, &self.latest_path(area, name, ext))
    }
    fn history(&mut self, area: Area, name: &str, ext: &str) -> Result<Vec<Kept>, StoreError> {
        let dir = self.dir(area).join("history");
        let prefix = format!("{name}_");
        let suffix = format!(".{ext}");
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.path())
                    .filter(|p| {
                        p.file_name().is_some_and(|n| {
                            let n = n.to_string_lossy();
                            n.starts_with(&prefix) && n.ends_with(&suffix)
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        paths.sort();
        paths
            .into_iter()
            .map(|p| {
                let file = p
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                let run_id = file
                    .trim_end_matches(&suffix)
                    .rsplit('_')
                    .next()
                    .unwrap_or_default()
                    .to_string();
                Ok(Kept {
                    label: relative(&self.root, &p),
                    run_id,
                    bytes: read(&p)?,
                })
            })
            .collect()
    }
    fn put_raw(&mut self, raw: RawSnapshot) -> Result<String, StoreError> {
        let dir = self.root.join(&self.folders.raw);
        let stem = format!("{}_{}", raw.source, self.run_id);
        let snap = dir.join(format!("{stem}.parquet"));
        let meta = dir.join(format!("{stem}.meta.json"));
        for p in [&snap, &meta] {
            if p.exists() {
                return Err(StoreError::RawExists(relative(&self.root, p)));
            }
        }
        // Network sources: every page exactly as received, in one folder that appears only
        // once complete.
        if !raw.pages.is_empty() {
            self.writer
                .write_dir_once(&dir.join(format!("{stem}_pages")), &raw.pages)?;
        }
        let rec = self
            .writer
            .write_once(&snap, &raw.parquet, Some(raw.rows))?;
        self.writer.write_once(&meta, &raw.meta, None)?;
        self.raw_snapshot = Some(rec.path.clone());
        Ok(rec.path)
    }
    fn get_raw(&mut self) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        let snapshot = match self.raw_snapshot.clone() {
            Some(s) => s,
            None => {
                match crate::manifest::latest_raw_snapshot(&self.root, &self.folders.outputs)? {
                    Some(s) => s,
                    None => return Ok(None),
                }
            }
        };
        let path = self.root.join(&snapshot);
        let bytes = read(&path)?;
        self.record_inputs(&[FileRecord::of(&self.root, &path, &bytes, None)]);
        self.raw_snapshot = Some(snapshot.clone());
        Ok(Some((snapshot, bytes)))
    }
}
