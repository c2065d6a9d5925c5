//! One run: its id, its context, its report envelopes and its manifest.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::artifacts::{sha256_hex, ArtifactWriter, FileRecord};
use crate::config::AppConfig;
use crate::phases::Phase;

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
            git: git_info(root),
            command_line,
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

    /// Writes `outputs/reports/<name>_latest.json` and its history copy.
    pub fn write_report<T: Serialize>(&mut self, name: &str, body: &T) -> anyhow::Result<()> {
        let bytes = serde_json::to_vec_pretty(&self.envelope(name, body))?;
        let dir = self.root.join(&self.cfg.paths.outputs).join("reports");
        self.writer.write_dual(&dir, name, "json", &bytes, None)?;
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

    /// Runs one phase, timing it and recording the outcome.
    pub fn run_phase(&mut self, phase: Phase) -> anyhow::Result<()> {
        let t0 = Instant::now();
        let result = phase.execute(self);
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
            crate_versions: crate_versions(),
            rustc_version: env!("XTASK_RUSTC_VERSION").to_string(),
        }
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
