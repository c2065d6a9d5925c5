//! One run: its context (config, the file store, secrets), its phases and its manifest.
//!
//! Phases are staged ([`RunContext::run_phase`]): a phase's dual-persisted files are published
//! only when it succeeds, so the manifest's `latest` map says, for every `_latest` file, which
//! run wrote the content now on disk. One run at a time per project: [`store::lock::RunLock`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::Utc;
use pipeline::Phase;
use store::manifest::{git_info, utc, GitInfo, PhaseRecord, RunManifest};
use store::{FileStore, Store};

use crate::config::AppConfig;

/// The environment variables that hold source secrets.
pub const SECRET_VARIABLES: [&str; 4] = [
    "SUPABASE_URL",
    "SUPABASE_KEY",
    "SUPABASE_USER_JWT",
    "SUPABASE_DB_URL",
];

/// Everything a phase needs: config, the file store, and what the run has done.
#[derive(Debug)]
pub struct RunContext {
    /// Resolved config.
    pub cfg: AppConfig,
    /// The project's folders as this run sees them.
    pub store: FileStore,
    /// Redacted config JSON.
    pub config_json: serde_json::Value,
    /// Secrets of the network sources, from the environment (redacted in `Debug`).
    pub secrets: Vec<(String, connector::Secret)>,
    /// Test hook: this phase fails after computing (and staging) its outputs, as if its last
    /// step had failed (`--fail-phase NN`, debug builds only).
    pub fail_phase: Option<Phase>,
    /// The shard of a sharded many-series run (`--shard i/n`).
    pub shard: Option<pipeline::many::Shard>,
    git: GitInfo,
    command_line: Vec<String>,
    phases: Vec<PhaseRecord>,
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
        ("pipeline", pipeline::VERSION),
        ("store", store::VERSION),
        ("report", report::VERSION),
        ("xtask", env!("CARGO_PKG_VERSION")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

impl RunContext {
    /// A new run of the project at `root` with the resolved `cfg`.
    pub fn new(root: &Path, cfg: AppConfig, command_line: Vec<String>) -> Self {
        let config_json = cfg.redacted_json();
        let config_sha256 = store::sha256_hex(config_json.to_string().as_bytes());
        Self {
            store: FileStore::new(root, cfg.paths.folders(), &config_sha256),
            cfg,
            config_json,
            secrets: Vec::new(),
            fail_phase: None,
            shard: None,
            git: git_info(root),
            command_line: connector::supabase::redact_filter_overrides(&command_line),
            phases: Vec::new(),
        }
    }

    /// The same run under a given id (verify's re-derivation).
    #[must_use]
    pub fn with_run_id(mut self, run_id: &str) -> Self {
        self.store = self.store.with_run_id(run_id);
        self
    }

    /// The project root.
    pub fn root(&self) -> &Path {
        self.store.root()
    }

    /// The run id.
    pub fn run_id(&self) -> &str {
        self.store.run_id()
    }

    /// Runs one phase, timing it and recording the outcome. Its dual-persisted outputs are
    /// staged and published only when it succeeds; a failed phase's are removed, so its
    /// `_latest` files keep their content (listed in [`PhaseRecord::discarded`]).
    pub fn run_phase(
        &mut self,
        phase: Phase,
        body: impl FnOnce(&mut RunContext) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let inject = self.fail_phase == Some(phase);
        self.run_step(&phase.number(), phase.name(), inject, body)
    }

    /// Runs a step that stands for several phases (a many-series run is phases 01–06 per
    /// series), staged and recorded like a phase under `number` and `name`.
    pub fn run_step(
        &mut self,
        number: &str,
        name: &str,
        inject_failure: bool,
        body: impl FnOnce(&mut RunContext) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let t0 = Instant::now();
        self.store.begin_phase();
        let mut result = body(self);
        if result.is_ok() && inject_failure {
            result = Err(anyhow::anyhow!(
                "injected failure of phase {number} (--fail-phase, a test hook of debug builds)"
            ));
        }
        let mut discarded = Vec::new();
        result = match result {
            Ok(()) => self
                .store
                .promote()
                .map_err(|e| anyhow::anyhow!(e).context("publishing the phase's outputs")),
            Err(e) => {
                match self.store.discard() {
                    Ok(kept) => discarded = kept,
                    Err(d) => tracing::error!("publishing the failed phase's evidence: {d}"),
                }
                Err(e)
            }
        };
        let ms = t0.elapsed().as_millis() as u64;
        let status = if result.is_ok() { "ok" } else { "failed" };
        match &result {
            Ok(()) => tracing::info!("phase {number} {name} ok in {ms} ms"),
            Err(e) => tracing::error!("phase {number} {name} {status} after {ms} ms: {e:#}"),
        }
        self.phases.push(PhaseRecord {
            phase: number.to_string(),
            name: name.to_string(),
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
            schema_version: store::SCHEMA_VERSION,
            run_id: self.run_id().to_string(),
            started_at_utc: utc(self.store.started()),
            ended_at_utc: utc(Utc::now()),
            command_line: self.command_line.clone(),
            status: if ok { "ok" } else { "failed" }.to_string(),
            phases: self.phases.clone(),
            git: self.git.clone(),
            seed: self.cfg.run.seed,
            config: self.config_json.clone(),
            config_sha256: self.store.config_sha256().to_string(),
            inputs: self.store.inputs().to_vec(),
            outputs: self.store.written().to_vec(),
            raw_snapshot: self.store.raw_snapshot().map(str::to_string),
            latest: self.store.latest_sources(),
            crate_versions: crate_versions(),
            rustc_version: env!("XTASK_RUSTC_VERSION").to_string(),
        }
    }

    /// Writes the manifest (dual-persisted) and returns its `_latest` path.
    pub fn write_manifest(&mut self) -> anyhow::Result<PathBuf> {
        let m = self.manifest();
        Ok(self.store.write_manifest(&m)?)
    }
}
