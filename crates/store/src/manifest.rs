//! The run manifest and the report envelope: what a run read and wrote, which run wrote
//! each `_latest` file now on disk, and the metadata around every report body.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::writer::{sha256_hex, FileRecord};
use crate::StoreError;

/// Version of the report and manifest layouts.
pub const SCHEMA_VERSION: u32 = 1;

/// A report as written: run metadata around a deterministic body. Two runs with the same
/// inputs and config produce the same `body`.
#[derive(Debug, Serialize)]
pub struct Envelope<'a, T: Serialize> {
    /// Report name.
    pub report: &'a str,
    /// Layout version.
    pub schema_version: u32,
    /// Run that wrote it.
    pub run_id: &'a str,
    /// UTC time of writing.
    pub generated_at_utc: String,
    /// SHA-256 of the resolved (redacted) config.
    pub config_sha256: &'a str,
    /// The report's content.
    pub body: &'a T,
}

/// What happened to one phase in a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseRecord {
    /// `00`…`08`.
    pub phase: String,
    /// Name.
    pub name: String,
    /// `ok` or `failed`.
    pub status: String,
    /// Wall time in milliseconds.
    pub duration_ms: u64,
    /// The error, when failed.
    pub error: Option<String>,
    /// A failed phase: the `_latest` files it had staged and did not publish (they keep the
    /// content of the run named in the manifest's `latest` map).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub discarded: Vec<String>,
}

/// Where the content of one `_latest` file came from (manifest field `latest`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LatestSource {
    /// The run that wrote the content now on disk (`unknown` when no manifest or history
    /// copy tells).
    pub run_id: String,
    /// SHA-256 of that content.
    pub sha256: String,
}

/// Git state of the checkout at the start of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GitInfo {
    /// `HEAD` commit, if the root is a git checkout with commits.
    pub commit: Option<String>,
    /// Whether tracked or untracked files differ from `HEAD`.
    pub dirty: Option<bool>,
}

/// The run manifest (dual-persisted in `outputs/reports/`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunManifest {
    /// Layout version.
    pub schema_version: u32,
    /// Run id.
    pub run_id: String,
    /// Start, UTC.
    pub started_at_utc: String,
    /// End, UTC.
    pub ended_at_utc: String,
    /// Command line (arguments after the program name).
    pub command_line: Vec<String>,
    /// `ok` or `failed`.
    pub status: String,
    /// The phases attempted.
    pub phases: Vec<PhaseRecord>,
    /// Git state.
    pub git: GitInfo,
    /// The seed.
    pub seed: u64,
    /// The resolved config, secrets redacted.
    pub config: serde_json::Value,
    /// SHA-256 of the canonical JSON of `config`.
    pub config_sha256: String,
    /// Files read.
    pub inputs: Vec<FileRecord>,
    /// Files written (the manifest itself excepted).
    pub outputs: Vec<FileRecord>,
    /// The raw snapshot this run wrote or read, relative to the root.
    pub raw_snapshot: Option<String>,
    /// Every `_latest` file of the project (the manifest itself excepted) → the run whose
    /// content it holds: this run's for the files it published, carried over from the previous
    /// manifest (and checked against the disk) for the others.
    #[serde(default)]
    pub latest: BTreeMap<String, LatestSource>,
    /// Versions of the workspace crates.
    pub crate_versions: BTreeMap<String, String>,
    /// `rustc --version` of the build.
    pub rustc_version: String,
}

/// A run id: 8 hex digits from the start time and the process id (not from the seed: run
/// ids identify runs, they take no part in results).
pub fn new_run_id(now: DateTime<Utc>) -> String {
    let material = format!(
        "{}:{}:{:?}",
        now.timestamp_nanos_opt().unwrap_or_default(),
        std::process::id(),
        std::thread::current().id()
    );
    sha256_hex(material.as_bytes())[..8].to_string()
}

/// The git state of the checkout at `root`.
pub fn git_info(root: &Path) -> GitInfo {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(root)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let commit = git(&["rev-parse", "HEAD"]);
    let dirty = commit
        .as_ref()
        .and_then(|_| git(&["status", "--porcelain"]))
        .map(|s| !s.is_empty());
    GitInfo { commit, dirty }
}

/// A UTC time as RFC 3339 with milliseconds.
pub fn utc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Whether `path` names a `_latest` file.
pub(crate) fn is_latest_path(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|n| n.contains("_latest."))
}

/// The run whose history copy of the `_latest` file `latest` has SHA-256 `sha`, from the copy's
/// name `history/<name>_<stamp>_<run id>.<ext>` (newest copies tried first).
pub(crate) fn history_run_of(latest: &Path, sha: &str) -> Option<String> {
    let file = latest.file_name()?.to_str()?;
    let (name, ext) = file.split_once("_latest.")?;
    let hist = latest.parent()?.join("history");
    let mut found: Vec<(String, String, PathBuf)> = std::fs::read_dir(&hist)
        .ok()?
        .flatten()
        .filter_map(|e| {
            let n = e.file_name().to_str()?.to_string();
            let rest = n.strip_prefix(name)?.strip_prefix('_')?;
            let rest = rest.strip_suffix(ext)?.strip_suffix('.')?;
            let (stamp, run) = rest.split_once('_')?;
            let stamp_ok = stamp.len() == 16 && stamp.ends_with('Z') && stamp.contains('T');
            (stamp_ok && !run.is_empty() && !run.contains('_'))
                .then(|| (stamp.to_string(), run.to_string(), e.path()))
        })
        .collect();
    found.sort();
    found.into_iter().rev().find_map(|(_, run, p)| {
        let bytes = std::fs::read(p).ok()?;
        (sha256_hex(&bytes) == sha).then_some(run)
    })
}

/// The raw snapshot named by the newest manifest that names one and whose ingest did not fail
/// (a snapshot that failed validation is evidence, not input), relative to the root. The
/// `_latest` manifest is read first, then the history newest first.
pub fn latest_raw_snapshot(root: &Path, outputs: &Path) -> Result<Option<String>, StoreError> {
    let dir = root.join(outputs).join("reports");
    let mut candidates = vec![dir.join("run_manifest_latest.json")];
    if let Ok(rd) = std::fs::read_dir(dir.join("history")) {
        let mut hist: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("run_manifest_"))
            })
            .collect();
        hist.sort();
        hist.reverse();
        candidates.extend(hist);
    }
    for c in candidates {
        let Ok(text) = std::fs::read_to_string(&c) else {
            continue;
        };
        let m: RunManifest =
            serde_json::from_str(&text).map_err(|source| StoreError::Manifest {
                path: c.clone(),
                source,
            })?;
        let ingest_failed = m.phases.iter().any(|p| p.phase == "01" && p.status != "ok");
        if let (Some(s), false) = (m.raw_snapshot, ingest_failed) {
            return Ok(Some(s));
        }
    }
    Ok(None)
}
