//! The one artifact writer every phase uses.
//!
//! - [`write_atomic`]: temp file in the destination folder, write, fsync, rename (and fsync
//!   the folder), so a reader never sees a half-written file.
//! - [`ArtifactWriter::write_dual`]: dual persistence, `outputs/<kind>/<name>_latest.<ext>`
//!   plus `outputs/<kind>/history/<name>_<UTC YYYYMMDDTHHMMSSZ>_<run id>.<ext>`; a history
//!   file is never overwritten.
//! - [`ArtifactWriter::write_once`]: immutable files (raw snapshots): writing over an existing
//!   file is an error.
//!
//! Every written file is recorded (path, SHA-256, size, rows) for the run manifest.

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
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(dir)
        .map_err(io(dir))?;
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

/// Writes a run's artifacts and remembers what it wrote.
#[derive(Debug)]
pub struct ArtifactWriter {
    root: PathBuf,
    run_id: String,
    stamp: String,
    written: Vec<FileRecord>,
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
        }
    }

    /// Files written so far.
    pub fn written(&self) -> &[FileRecord] {
        &self.written
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

    /// Dual persistence: the history copy first (never overwritten), then `_latest`.
    pub fn write_dual(
        &mut self,
        dir: &Path,
        name: &str,
        ext: &str,
        bytes: &[u8],
        rows: Option<u64>,
    ) -> Result<DualPaths, ArtifactError> {
        let p = self.dual_paths(dir, name, ext);
        write_atomic(&p.history, bytes, false)?;
        write_atomic(&p.latest, bytes, true)?;
        for path in [&p.history, &p.latest] {
            self.written
                .push(FileRecord::of(&self.root, path, bytes, rows));
        }
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
        let staging = parent.join(format!(".staging_{name}"));
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
    fn sha256_of_empty_input() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
