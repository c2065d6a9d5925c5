//! One run: its id, its context, its report envelopes, its manifest and its lock.
//!
//! Phases are staged ([`RunContext::run_phase`]): a phase's dual-persisted files are published
//! only when it succeeds, so the manifest's `latest` map says, for every `_latest` file, which
//! run wrote the content now on disk. One run at a time per project: [`RunLock`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::artifacts::{relative, sha256_hex, ArtifactWriter, FileRecord};
use crate::config::AppConfig;
use crate::phase::Phase;

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
    /// `ok`, `failed` or `not_built`.
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

/// The environment variables that hold source secrets.
pub const SECRET_VARIABLES: [&str; 4] = [
    "SUPABASE_URL",
    "SUPABASE_KEY",
    "SUPABASE_USER_JWT",
    "SUPABASE_DB_URL",
];

/// Everything a phase needs: root, config, run id, writer, and what the run has done.
#[derive(Debug)]
pub struct RunContext {
    /// Project root.
    pub root: PathBuf,
    /// Resolved config.
    pub cfg: AppConfig,
    /// Run id (8 hex digits).
    pub run_id: String,
    /// Start time.
    pub started: DateTime<Utc>,
    /// Start time as `YYYYMMDDTHHMMSSZ`.
    pub stamp: String,
    /// The artifact writer.
    pub writer: ArtifactWriter,
    /// Redacted config JSON.
    pub config_json: serde_json::Value,
    /// Its SHA-256.
    pub config_sha256: String,
    /// Files read.
    pub inputs: Vec<FileRecord>,
    /// Raw snapshot written or read.
    pub raw_snapshot: Option<String>,
    /// Secrets of the network sources, from the environment (redacted in `Debug`).
    pub secrets: Vec<(String, connector::Secret)>,
    /// Test hook: this phase fails after computing (and staging) its outputs, as if its last
    /// step had failed (`--fail-phase NN`, debug builds only).
    pub fail_phase: Option<Phase>,
    git: GitInfo,
    command_line: Vec<String>,
    phases: Vec<PhaseRecord>,
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

fn git_info(root: &Path) -> GitInfo {
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

/// Versions of the workspace crates, for the manifest.
pub fn crate_versions() -> BTreeMap<String, String> {
    [
        ("core-types", core_types::VERSION),
        ("calendar", calendar::VERSION),
        ("connector", connector::VERSION),
        ("contract", contract::VERSION),
        ("features", features::VERSION),
        ("models", models::VERSION),
        ("forecaster", forecaster::VERSION),
        ("simulator", simulator::VERSION),
        ("monitor", monitor::VERSION),
        ("xtask", env!("CARGO_PKG_VERSION")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn utc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl RunContext {
    /// A new run of the project at `root` with the resolved `cfg`.
    pub fn new(root: &Path, cfg: AppConfig, command_line: Vec<String>) -> Self {
        let started = Utc::now();
        let run_id = new_run_id(started);
        let stamp = started.format("%Y%m%dT%H%M%SZ").to_string();
        let config_json = cfg.redacted_json();
        let config_sha256 = sha256_hex(
            serde_json::to_string(&config_json)
                .expect("json serialises")
                .as_bytes(),
        );
        Self {
            root: root.to_path_buf(),
            writer: ArtifactWriter::new(root, &run_id, &stamp),
            cfg,
            run_id,
            started,
            stamp,
            config_json,
            config_sha256,
            inputs: Vec::new(),
            raw_snapshot: None,
            secrets: Vec::new(),
            fail_phase: None,
            git: git_info(root),
            command_line: connector::supabase::redact_filter_overrides(&command_line),
            phases: Vec::new(),
        }
    }

    /// Wraps a report body with the run's metadata.
    pub fn envelope<'a, T: Serialize>(&'a self, report: &'a str, body: &'a T) -> Envelope<'a, T> {
        Envelope {
            report,
            schema_version: SCHEMA_VERSION,
            run_id: &self.run_id,
            generated_at_utc: utc(Utc::now()),
            config_sha256: &self.config_sha256,
            body,
        }
    }

    /// Writes `outputs/reports/<name>_latest.json` and its history copy (staged with the
    /// phase; the reports in [`EVIDENCE_REPORTS`] are published even when the phase fails).
    pub fn write_report<T: Serialize>(&mut self, name: &str, body: &T) -> anyhow::Result<()> {
        let bytes = serde_json::to_vec_pretty(&self.envelope(name, body))?;
        let dir = self.root.join(&self.cfg.paths.outputs).join("reports");
        if EVIDENCE_REPORTS.contains(&name) {
            self.writer
                .write_dual_evidence(&dir, name, "json", &bytes, None)?;
        } else {
            self.writer.write_dual(&dir, name, "json", &bytes, None)?;
        }
        Ok(())
    }

    /// Remembers files read.
    pub fn record_inputs(&mut self, files: &[FileRecord]) {
        for f in files {
            if !self.inputs.contains(f) {
                self.inputs.push(f.clone());
            }
        }
    }

    /// Runs one phase, timing it and recording the outcome. Its dual-persisted outputs are
    /// staged and published only when it succeeds; a failed phase's are removed, so its
    /// `_latest` files keep their content (listed in [`PhaseRecord::discarded`]).
    pub fn run_phase(
        &mut self,
        phase: Phase,
        body: impl FnOnce(&mut RunContext) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let t0 = Instant::now();
        self.writer.begin_phase();
        let mut result = body(self);
        if result.is_ok() && self.fail_phase == Some(phase) {
            result = Err(anyhow::anyhow!(
                "injected failure of phase {} (--fail-phase, a test hook of debug builds)",
                phase.number()
            ));
        }
        let mut discarded = Vec::new();
        result = match result {
            Ok(()) => self
                .writer
                .promote()
                .map_err(|e| anyhow::anyhow!(e).context("publishing the phase's outputs")),
            Err(e) => {
                match self.writer.discard() {
                    Ok(kept) => discarded = kept,
                    Err(d) => tracing::error!("publishing the failed phase's evidence: {d}"),
                }
                Err(e)
            }
        };
        let ms = t0.elapsed().as_millis() as u64;
        let status = match (&result, phase.is_built()) {
            (Ok(()), _) => "ok",
            (Err(_), true) => "failed",
            (Err(_), false) => "not_built",
        };
        match &result {
            Ok(()) => tracing::info!("phase {} {} ok in {ms} ms", phase.number(), phase.name()),
            Err(e) => tracing::error!(
                "phase {} {} {status} after {ms} ms: {e:#}",
                phase.number(),
                phase.name()
            ),
        }
        self.phases.push(PhaseRecord {
            phase: phase.number(),
            name: phase.name().to_string(),
            status: status.to_string(),
            duration_ms: ms,
            error: result.as_ref().err().map(|e| format!("{e:#}")),
            discarded,
        });
        result
    }

    /// The phases attempted so far.
    pub fn phases(&self) -> &[PhaseRecord] {
        &self.phases
    }

    /// Builds the manifest of the run as it stands.
    pub fn manifest(&self) -> RunManifest {
        let ok = self.phases.iter().all(|p| p.status == "ok");
        RunManifest {
            schema_version: SCHEMA_VERSION,
            run_id: self.run_id.clone(),
            started_at_utc: utc(self.started),
            ended_at_utc: utc(Utc::now()),
            command_line: self.command_line.clone(),
            status: if ok { "ok" } else { "failed" }.to_string(),
            phases: self.phases.clone(),
            git: self.git.clone(),
            seed: self.cfg.run.seed,
            config: self.config_json.clone(),
            config_sha256: self.config_sha256.clone(),
            inputs: self.inputs.clone(),
            outputs: self.writer.written().to_vec(),
            raw_snapshot: self.raw_snapshot.clone(),
            latest: self.latest_sources(),
            crate_versions: crate_versions(),
            rustc_version: env!("XTASK_RUSTC_VERSION").to_string(),
        }
    }

    /// The manifest's `latest` map: this run's published `_latest` files, and the others
    /// carried over from the previous manifest (its `latest` map, or for older manifests its
    /// own `_latest` outputs), each checked against the disk: a missing file is dropped, a
    /// changed one is traced to its history copy by hash (else `unknown`).
    pub fn latest_sources(&self) -> BTreeMap<String, LatestSource> {
        let reports = self.root.join(&self.cfg.paths.outputs).join("reports");
        let manifest_path = reports.join("run_manifest_latest.json");
        let own: BTreeMap<String, String> = self.writer.latest_written().into_iter().collect();
        let mut carried: BTreeMap<String, LatestSource> = BTreeMap::new();
        match std::fs::read_to_string(&manifest_path)
            .map(|t| serde_json::from_str::<RunManifest>(&t))
        {
            Ok(Ok(prev)) => {
                carried = prev.latest;
                for o in prev.outputs.iter().filter(|o| is_latest_path(&o.path)) {
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
                    run_id: history_run_of(&self.root.join(&path), &sha)
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

    /// Writes the manifest (dual-persisted) and returns its `_latest` path.
    pub fn write_manifest(&mut self) -> anyhow::Result<PathBuf> {
        let m = self.manifest();
        let bytes = serde_json::to_vec_pretty(&m)?;
        let dir = self.root.join(&self.cfg.paths.outputs).join("reports");
        let p = self
            .writer
            .write_dual(&dir, "run_manifest", "json", &bytes, None)?;
        Ok(p.latest)
    }
}

/// Reports published even when their phase fails: they are the evidence of the failure (the
/// contract validation report that phase 01's error points at).
pub const EVIDENCE_REPORTS: [&str; 1] = ["validation"];

/// Whether `path` names a `_latest` file.
fn is_latest_path(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|n| n.contains("_latest."))
}

/// The run whose history copy of the `_latest` file `latest` has SHA-256 `sha`, from the copy's
/// name `history/<name>_<stamp>_<run id>.<ext>` (newest copies tried first).
fn history_run_of(latest: &Path, sha: &str) -> Option<String> {
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

/// Exit code of a command refused because another run holds the project's lock.
pub const EXIT_LOCKED: u8 = 3;

/// File name of the run lock, in the outputs folder.
pub const LOCK_FILE: &str = ".run.lock";

/// Another run holds the lock.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// The lock is held.
    #[error("another run holds the lock {path} ({holder}); wait for it to finish, or stop it")]
    Held {
        /// The lock file, relative to the root.
        path: String,
        /// What the holder wrote into it (pid, run id, command), or `holder unknown`.
        holder: String,
    },
    /// The lock file could not be opened or locked.
    #[error("cannot lock {path}: {source}")]
    Io {
        /// The lock file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
}

/// The project's run lock: an exclusive OS lock (`flock`) on `<outputs>/.run.lock`, held for
/// the whole command and released when dropped, or by the OS when the process ends in any
/// way (panic, kill). The file holds the holder's pid, run id and command for the message of
/// a refused second run; it stays in place between runs (the lock, not the file, is what
/// counts).
#[derive(Debug)]
pub struct RunLock {
    _file: std::fs::File,
    path: PathBuf,
}

impl RunLock {
    /// Takes the lock of the project at `root` for `run_id` running `command`, or fails at
    /// once (no waiting) when another process or handle holds it.
    #[allow(clippy::incompatible_msrv)] // File::try_lock: Rust 1.89 (the toolchain is 1.95)
    pub fn acquire(
        root: &Path,
        outputs: &Path,
        run_id: &str,
        command: &str,
    ) -> Result<RunLock, LockError> {
        use std::io::{Read as _, Seek as _, Write as _};
        let path = root.join(outputs).join(LOCK_FILE);
        let rel = relative(root, &path);
        let io_err = |source| LockError::Io {
            path: rel.clone(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io_err)?;
        }
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io_err)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                let holder = text.trim();
                return Err(LockError::Held {
                    path: rel,
                    holder: if holder.is_empty() {
                        "holder unknown".into()
                    } else {
                        holder.to_string()
                    },
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io_err(e)),
        }
        let who = format!(
            "pid {}, run {run_id}, command `{command}`, since {}",
            std::process::id(),
            utc(Utc::now())
        );
        file.set_len(0).map_err(io_err)?;
        file.rewind().map_err(io_err)?;
        file.write_all(who.as_bytes()).map_err(io_err)?;
        let _ = file.sync_all();
        Ok(RunLock { _file: file, path })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The folders a run writes into (data layers, outputs, executive summaries), absolute:
/// where a killed run's leftovers are looked for.
pub fn written_folders(root: &Path, cfg: &AppConfig) -> Vec<PathBuf> {
    let p = &cfg.paths;
    [
        &p.raw,
        &p.cleansed,
        &p.features,
        &p.processed,
        &p.outputs,
        &p.executive,
    ]
    .into_iter()
    .map(|d| root.join(d))
    .collect()
}

/// The raw snapshot named by the newest manifest that names one and whose ingest did not fail
/// (a snapshot that failed validation is evidence, not input), relative to the root. The
/// `_latest` manifest is read first, then the history newest first.
pub fn latest_raw_snapshot(root: &Path, outputs: &Path) -> anyhow::Result<Option<String>> {
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
        let m: RunManifest = serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("unreadable manifest {}: {e}", c.display()))?;
        let ingest_failed = m.phases.iter().any(|p| p.phase == "01" && p.status != "ok");
        if let (Some(s), false) = (m.raw_snapshot, ingest_failed) {
            return Ok(Some(s));
        }
    }
    Ok(None)
}
