//! The one artifact writer every file the store publishes goes through.
//!
//! - [`write_atomic`]: temp file in the destination folder, write, fsync, rename (and fsync
//!   the folder), so a reader never sees a half-written file.
//! - [`ArtifactWriter::write_dual`]: dual persistence, `outputs/<kind>/<name>_latest.<ext>`
//!   plus `outputs/<kind>/history/<name>_<UTC YYYYMMDDTHHMMSSZ>_<run id>.<ext>`; a history
//!   file is never overwritten.
//! - [`ArtifactWriter::write_once`]: immutable files (raw snapshots): writing over an existing
//!   file is an error.
//! - Per-phase staging ([`ArtifactWriter::begin_phase`], [`ArtifactWriter::promote`],
//!   [`ArtifactWriter::discard`]): while a phase runs, dual-persisted files are staged as hidden
//!   `.tmp-*` files in their destination folders (same file system, so promotion is a rename).
//!   Only a phase that succeeds promotes them (history copies first, never overwritten, then
//!   the `_latest` files); a failed phase's staged files are removed, so a failed or killed
//!   phase never replaces a `_latest` file. Files written with
//!   [`ArtifactWriter::write_dual_evidence`] explain a failure and are published either way.
//!   A killed run's leftovers are removed by [`remove_leftovers`] when the next run starts.
//!
//! Every written file is recorded (path, SHA-256, size, rows) for the run manifest.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

/// Errors of the writer.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    /// The destination already exists and may not be overwritten.
    #[error("refusing to overwrite existing file {0}")]
    Exists(PathBuf),
    /// An operating-system error.
    #[error("i/o error on {path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ArtifactError + '_ {
    move |source| ArtifactError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `bytes` to `path` atomically. With `overwrite = false` an existing `path` is an
/// [`ArtifactError::Exists`] and nothing is changed.
pub fn write_atomic(path: &Path, bytes: &[u8], overwrite: bool) -> Result<(), ArtifactError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    if !overwrite && path.exists() {
        return Err(ArtifactError::Exists(path.to_path_buf()));
    }
    let mut tmp = temp_in(dir).map_err(io(dir))?;
    tmp.write_all(bytes).map_err(io(path))?;
    tmp.as_file().sync_all().map_err(io(path))?;
    if overwrite {
        tmp.persist(path).map_err(|e| ArtifactError::Io {
            path: path.to_path_buf(),
            source: e.error,
        })?;
    } else {
        tmp.persist_noclobber(path).map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                ArtifactError::Exists(path.to_path_buf())
            } else {
                ArtifactError::Io {
                    path: path.to_path_buf(),
                    source: e.error,
                }
            }
        })?;
    }
    // Make the rename itself durable; not every file system supports fsync on folders.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// SHA-256 of bytes as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    core_types::to_hex(&Sha256::digest(bytes))
}

/// A file read or written by a run, as recorded in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct FileRecord {
    /// Path relative to the project root when inside it.
    pub path: String,
    /// SHA-256 of the content.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
    /// Data rows, when the file is a table.
    pub rows: Option<u64>,
}

impl FileRecord {
    /// Record of `bytes` stored at `path`.
    pub fn of(root: &Path, path: &Path, bytes: &[u8], rows: Option<u64>) -> Self {
        Self {
            path: relative(root, path),
            sha256: sha256_hex(bytes),
            bytes: bytes.len() as u64,
            rows,
        }
    }
    /// Record of the file at `path`, read from disk.
    pub fn read(root: &Path, path: &Path, rows: Option<u64>) -> Result<Self, ArtifactError> {
        let bytes = std::fs::read(path).map_err(io(path))?;
        Ok(Self::of(root, path, &bytes, rows))
    }
}

/// `path` relative to `root` when inside it, with `/` separators.
pub fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Paths written by one dual-persisted artifact.
#[derive(Debug, Clone)]
pub struct DualPaths {
    /// `<name>_latest.<ext>`.
    pub latest: PathBuf,
    /// `history/<name>_<stamp>_<run id>.<ext>`.
    pub history: PathBuf,
}

/// Prefix of the hidden temporary files the writer creates (atomic writes and staging).
pub const TMP_PREFIX: &str = ".tmp-";
/// Prefix of the hidden staging folders of [`ArtifactWriter::write_dir_once`].
pub const STAGING_PREFIX: &str = ".staging_";

/// One dual-persisted artifact staged by the open phase: two hidden temporary files, one in
/// the `_latest` folder and one in `history/`, removed when dropped unless promoted.
#[derive(Debug)]
struct Staged {
    paths: DualPaths,
    latest_tmp: tempfile::TempPath,
    history_tmp: tempfile::TempPath,
    sha256: String,
    bytes: u64,
    rows: Option<u64>,
    /// Published even when the phase fails (it explains the failure).
    evidence: bool,
}

/// Writes a run's artifacts and remembers what it wrote.
#[derive(Debug)]
pub struct ArtifactWriter {
    root: PathBuf,
    run_id: String,
    stamp: String,
    written: Vec<FileRecord>,
    /// `_latest` files this run published (relative paths), in order.
    latest: Vec<String>,
    /// The open phase's staged files; `None` outside a phase (files are written at once).
    staging: Option<Vec<Staged>>,
}

fn stage_file(path: &Path, bytes: &[u8]) -> Result<tempfile::TempPath, ArtifactError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut tmp = temp_in(dir).map_err(io(dir))?;
    tmp.write_all(bytes).map_err(io(path))?;
    tmp.as_file().sync_all().map_err(io(path))?;
    Ok(tmp.into_temp_path())
}

/// A temporary file in `dir` that becomes an output by rename. On Unix it is created with
/// mode `0o666` less the user's umask, as any file the user's tools write (tempfile's
/// default, `0o600`, would make every output private to its owner).
fn temp_in(dir: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let mut b = tempfile::Builder::new();
    b.prefix(TMP_PREFIX);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        b.permissions(std::fs::Permissions::from_mode(0o666));
    }
    b.tempfile_in(dir)
}

fn sync_dirs<'a>(dirs: impl IntoIterator<Item = &'a Path>) {
    let unique: BTreeSet<&Path> = dirs.into_iter().collect();
    for d in unique {
        if let Ok(f) = std::fs::File::open(d) {
            let _ = f.sync_all();
        }
    }
}

/// Removes what a killed run left behind under `dirs` (recursively): hidden `.tmp-*` files
/// (atomic writes and staged files never promoted) and `.staging_*` folders. Call it only while
/// holding the run lock, so no live run's files are touched. Returns what was removed.
pub fn remove_leftovers(dirs: &[PathBuf]) -> Result<Vec<PathBuf>, ArtifactError> {
    let mut removed = Vec::new();
    let mut stack: Vec<PathBuf> = dirs.iter().filter(|d| d.is_dir()).cloned().collect();
    let mut seen = BTreeSet::new();
    while let Some(dir) = stack.pop() {
        if !seen.insert(dir.clone()) {
            continue;
        }
        for entry in std::fs::read_dir(&dir).map_err(io(&dir))? {
            let entry = entry.map_err(io(&dir))?;
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().to_string();
            let kind = entry.file_type().map_err(io(&path))?;
            if kind.is_symlink() {
                continue;
            }
            if kind.is_dir() {
                if name.starts_with(STAGING_PREFIX) {
                    std::fs::remove_dir_all(&path).map_err(io(&path))?;
                    removed.push(path);
                } else {
                    stack.push(path);
                }
            } else if name.starts_with(TMP_PREFIX) {
                std::fs::remove_file(&path).map_err(io(&path))?;
                removed.push(path);
            }
        }
    }
    removed.sort();
    Ok(removed)
}

impl ArtifactWriter {
    /// A writer for the project at `root`, for the run `run_id` started at `stamp`
    /// (`YYYYMMDDTHHMMSSZ`).
    pub fn new(root: &Path, run_id: &str, stamp: &str) -> Self {
        Self {
            root: root.to_path_buf(),
            run_id: run_id.to_string(),
            stamp: stamp.to_string(),
            written: Vec::new(),
            latest: Vec::new(),
            staging: None,
        }
    }

    /// Files written so far (promoted ones only while a phase is open).
    pub fn written(&self) -> &[FileRecord] {
        &self.written
    }

    /// The `_latest` files this run published, with their SHA-256, newest write last.
    pub fn latest_written(&self) -> Vec<(String, String)> {
        self.latest
            .iter()
            .filter_map(|p| {
                self.written
                    .iter()
                    .rev()
                    .find(|r| &r.path == p)
                    .map(|r| (p.clone(), r.sha256.clone()))
            })
            .collect()
    }

    /// Opens a phase: from now on dual-persisted files are staged until [`Self::promote`] or
    /// [`Self::discard`]. A phase still open is discarded first.
    pub fn begin_phase(&mut self) {
        if self.staging.is_some() {
            let _ = self.discard();
        }
        self.staging = Some(Vec::new());
    }

    /// Whether a phase is open.
    pub fn in_phase(&self) -> bool {
        self.staging.is_some()
    }

    /// Closes the phase successfully: every staged file is renamed into place, the history
    /// copies first (never overwriting), then the `_latest` files.
    pub fn promote(&mut self) -> Result<(), ArtifactError> {
        let staged = self.staging.take().unwrap_or_default();
        self.publish(staged)
    }

    /// Closes a failed phase: its staged files are removed (evidence files excepted, which are
    /// published), so its `_latest` files stay as they were. Returns the `_latest` paths
    /// (relative to the root) that were not replaced.
    pub fn discard(&mut self) -> Result<Vec<String>, ArtifactError> {
        let staged = self.staging.take().unwrap_or_default();
        let (evidence, dropped): (Vec<Staged>, Vec<Staged>) =
            staged.into_iter().partition(|s| s.evidence);
        let kept: Vec<String> = dropped
            .iter()
            .map(|s| relative(&self.root, &s.paths.latest))
            .collect();
        drop(dropped); // removes the temporary files
        self.publish(evidence)?;
        Ok(kept)
    }

    fn publish(&mut self, staged: Vec<Staged>) -> Result<(), ArtifactError> {
        let mut dirs: Vec<PathBuf> = Vec::new();
        let mut ready = Vec::with_capacity(staged.len());
        let mut rest = staged.into_iter();
        for s in rest.by_ref() {
            let Staged {
                paths,
                latest_tmp,
                history_tmp,
                sha256,
                bytes,
                rows,
                ..
            } = s;
            if let Err(e) = history_tmp.persist_noclobber(&paths.history) {
                // The remaining temporary files are removed when `rest` and `latest_tmp` drop.
                return Err(if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                    ArtifactError::Exists(paths.history.clone())
                } else {
                    ArtifactError::Io {
                        path: paths.history.clone(),
                        source: e.error,
                    }
                });
            }
            self.written.push(FileRecord {
                path: relative(&self.root, &paths.history),
                sha256: sha256.clone(),
                bytes,
                rows,
            });
            dirs.extend(paths.history.parent().map(Path::to_path_buf));
            ready.push((paths, latest_tmp, sha256, bytes, rows));
        }
        let mut ready = ready.into_iter();
        for (paths, latest_tmp, sha256, bytes, rows) in ready.by_ref() {
            latest_tmp
                .persist(&paths.latest)
                .map_err(|e| ArtifactError::Io {
                    path: paths.latest.clone(),
                    source: e.error,
                })?;
            let rel = relative(&self.root, &paths.latest);
            self.written.push(FileRecord {
                path: rel.clone(),
                sha256,
                bytes,
                rows,
            });
            self.latest.push(rel);
            dirs.extend(paths.latest.parent().map(Path::to_path_buf));
        }
        sync_dirs(dirs.iter().map(PathBuf::as_path));
        Ok(())
    }

    /// The paths a dual-persisted artifact `name.ext` gets in `dir`.
    pub fn dual_paths(&self, dir: &Path, name: &str, ext: &str) -> DualPaths {
        DualPaths {
            latest: dir.join(format!("{name}_latest.{ext}")),
            history: dir
                .join("history")
                .join(format!("{name}_{}_{}.{ext}", self.stamp, self.run_id)),
        }
    }

    /// Dual persistence: the history copy first (never overwritten), then `_latest`. Inside
    /// a phase both are staged and appear only when the phase succeeds.
    pub fn write_dual(
        &mut self,
        dir: &Path,
        name: &str,
        ext: &str,
        bytes: &[u8],
        rows: Option<u64>,
    ) -> Result<DualPaths, ArtifactError> {
        self.dual(dir, name, ext, bytes, rows, false)
    }

    /// [`Self::write_dual`] for a file that explains a failure of its phase (the contract
    /// validation report): staged like any other, but published even when the phase fails.
    pub fn write_dual_evidence(
        &mut self,
        dir: &Path,
        name: &str,
        ext: &str,
        bytes: &[u8],
        rows: Option<u64>,
    ) -> Result<DualPaths, ArtifactError> {
        self.dual(dir, name, ext, bytes, rows, true)
    }

    fn dual(
        &mut self,
        dir: &Path,
        name: &str,
        ext: &str,
        bytes: &[u8],
        rows: Option<u64>,
        evidence: bool,
    ) -> Result<DualPaths, ArtifactError> {
        let p = self.dual_paths(dir, name, ext);
        let Some(staging) = self.staging.as_mut() else {
            write_atomic(&p.history, bytes, false)?;
            write_atomic(&p.latest, bytes, true)?;
            for path in [&p.history, &p.latest] {
                self.written
                    .push(FileRecord::of(&self.root, path, bytes, rows));
            }
            self.latest.push(relative(&self.root, &p.latest));
            return Ok(p);
        };
        if p.history.exists() || staging.iter().any(|s| s.paths.history == p.history) {
            return Err(ArtifactError::Exists(p.history));
        }
        let history_tmp = stage_file(&p.history, bytes)?;
        let latest_tmp = stage_file(&p.latest, bytes)?;
        staging.push(Staged {
            paths: p.clone(),
            latest_tmp,
            history_tmp,
            sha256: sha256_hex(bytes),
            bytes: bytes.len() as u64,
            rows,
            evidence,
        });
        Ok(p)
    }

    /// Writes an immutable file; an existing file is an error.
    pub fn write_once(
        &mut self,
        path: &Path,
        bytes: &[u8],
        rows: Option<u64>,
    ) -> Result<FileRecord, ArtifactError> {
        write_atomic(path, bytes, false)?;
        let rec = FileRecord::of(&self.root, path, bytes, rows);
        self.written.push(rec.clone());
        Ok(rec)
    }

    /// Writes an immutable folder all at once: the files go to a hidden staging folder beside
    /// it, which is renamed into place only when every file is written (a failure removes the
    /// staging folder, so no partial folder is ever visible). An existing folder is an error.
    pub fn write_dir_once(
        &mut self,
        dir: &Path,
        files: &[(String, Vec<u8>, Option<u64>)],
    ) -> Result<Vec<FileRecord>, ArtifactError> {
        if dir.exists() {
            return Err(ArtifactError::Exists(dir.to_path_buf()));
        }
        let parent = dir.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(io(parent))?;
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let staging = parent.join(format!("{STAGING_PREFIX}{name}"));
        let result = (|| {
            if staging.exists() {
                std::fs::remove_dir_all(&staging).map_err(io(&staging))?;
            }
            std::fs::create_dir_all(&staging).map_err(io(&staging))?;
            for (file, bytes, _) in files {
                write_atomic(&staging.join(file), bytes, false)?;
            }
            std::fs::rename(&staging, dir).map_err(io(dir))
        })();
        if let Err(e) = result {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
        let recs: Vec<FileRecord> = files
            .iter()
            .map(|(file, bytes, rows)| FileRecord::of(&self.root, &dir.join(file), bytes, *rows))
            .collect();
        self.written.extend(recs.iter().cloned());
        Ok(recs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn atomic_write_leaves_no_temp_files_and_replaces_content() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a/b.json");
        write_atomic(&p, b"one", true).unwrap();
        write_atomic(&p, b"two", true).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(entries(&dir.path().join("a")), ["b.json"]);
    }

    #[cfg(unix)]
    #[test]
    fn outputs_follow_the_umask_like_any_file_the_user_creates() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain.txt");
        std::fs::write(&plain, b"x").unwrap();
        let out = dir.path().join("out.json");
        write_atomic(&out, b"x", true).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&out), mode(&plain));
    }

    #[test]
    fn no_overwrite_refuses_and_keeps_the_original() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("snap.parquet");
        write_atomic(&p, b"original", false).unwrap();
        let err = write_atomic(&p, b"other", false).unwrap_err();
        assert!(matches!(err, ArtifactError::Exists(ref q) if *q == p));
        assert_eq!(std::fs::read(&p).unwrap(), b"original");
        assert_eq!(entries(dir.path()), ["snap.parquet"]);
    }

    #[test]
    fn dual_persistence_writes_latest_and_history_and_never_overwrites_history() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("outputs/reports");
        let mut w = ArtifactWriter::new(dir.path(), "abc123", "20261129T000000Z");
        let p = w.write_dual(&out, "explore", "json", b"{}", None).unwrap();
        assert_eq!(p.latest, out.join("explore_latest.json"));
        assert_eq!(
            p.history,
            out.join("history/explore_20261129T000000Z_abc123.json")
        );
        assert_eq!(w.written().len(), 2);
        assert_eq!(
            w.written()[0].path,
            "outputs/reports/history/explore_20261129T000000Z_abc123.json"
        );
        // Same run id and stamp again: the history file exists, so nothing changes.
        let err = w
            .write_dual(&out, "explore", "json", b"{\"x\":1}", None)
            .unwrap_err();
        assert!(matches!(err, ArtifactError::Exists(_)));
        assert_eq!(std::fs::read(&p.latest).unwrap(), b"{}");
        // A new run adds a history file and replaces latest.
        let mut w2 = ArtifactWriter::new(dir.path(), "def456", "20261129T000001Z");
        w2.write_dual(&out, "explore", "json", b"[]", None).unwrap();
        assert_eq!(std::fs::read(&p.latest).unwrap(), b"[]");
        assert_eq!(entries(&out.join("history")).len(), 2);
    }

    #[test]
    fn a_promoted_phase_publishes_and_a_discarded_one_leaves_latest_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("outputs/reports");
        let mut w = ArtifactWriter::new(dir.path(), "run1", "20261129T000000Z");
        w.write_dual(&out, "train", "json", b"old", None).unwrap();
        let latest = out.join("train_latest.json");

        let mut w2 = ArtifactWriter::new(dir.path(), "run2", "20261129T000001Z");
        w2.begin_phase();
        w2.write_dual(&out, "train", "json", b"new", None).unwrap();
        w2.write_dual_evidence(&out, "validation", "json", b"why", None)
            .unwrap();
        // Staged, not visible: `_latest` still holds the old bytes; only hidden temp files.
        assert_eq!(std::fs::read(&latest).unwrap(), b"old");
        assert!(entries(&out).iter().any(|n| n.starts_with(TMP_PREFIX)));
        assert!(w2.written().is_empty());
        let kept = w2.discard().unwrap();
        assert_eq!(kept, ["outputs/reports/train_latest.json"]);
        assert_eq!(std::fs::read(&latest).unwrap(), b"old");
        // The evidence file is published; no temporary file remains.
        assert_eq!(
            std::fs::read(out.join("validation_latest.json")).unwrap(),
            b"why"
        );
        assert_eq!(
            entries(&out),
            ["history", "train_latest.json", "validation_latest.json"]
        );
        assert_eq!(entries(&out.join("history")).len(), 2);
        assert_eq!(w2.latest_written().len(), 1);

        w2.begin_phase();
        w2.write_dual(&out, "train", "json", b"new", None).unwrap();
        w2.promote().unwrap();
        assert_eq!(std::fs::read(&latest).unwrap(), b"new");
        assert_eq!(
            w2.latest_written().last().unwrap(),
            &(
                "outputs/reports/train_latest.json".to_string(),
                sha256_hex(b"new")
            )
        );
        assert!(!entries(&out).iter().any(|n| n.starts_with(TMP_PREFIX)));
    }

    #[test]
    fn a_dropped_writer_removes_its_staged_files() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("outputs/models");
        {
            let mut w = ArtifactWriter::new(dir.path(), "run1", "20261129T000000Z");
            w.begin_phase();
            w.write_dual(&out, "champion", "json", b"{}", None).unwrap();
        }
        assert_eq!(entries(&out), ["history"]);
        assert!(entries(&out.join("history")).is_empty());
    }

    #[test]
    fn leftovers_of_a_killed_run_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("outputs/reports/history");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join(".tmp-abc"), b"x").unwrap();
        std::fs::write(out.join("keep.json"), b"x").unwrap();
        let raw = dir.path().join("data/01_raw/.staging_pages");
        std::fs::create_dir_all(&raw).unwrap();
        std::fs::write(raw.join("page_0001.json"), b"x").unwrap();
        let removed =
            remove_leftovers(&[dir.path().join("outputs"), dir.path().join("data/01_raw")])
                .unwrap();
        assert_eq!(removed.len(), 2, "{removed:?}");
        assert_eq!(entries(&out), ["keep.json"]);
        assert!(entries(&dir.path().join("data/01_raw")).is_empty());
    }

    #[test]
    fn sha256_of_empty_input() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
