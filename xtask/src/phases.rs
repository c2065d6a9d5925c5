//! The closed set of pipeline phases and the implementations built so far.
//!
//! Each phase reads the previous layer, calls one library function and writes its outputs
//! through the run's [`ArtifactWriter`](crate::artifacts::ArtifactWriter). Outputs are
//! computed in full before the first byte is written, so a failing phase leaves earlier
//! layers and `_latest` files as they were.

use std::path::PathBuf;

use anyhow::Context as _;
use serde::Serialize;

use crate::artifacts::{relative, FileRecord};
use crate::run::RunContext;

/// The pipeline phases, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// 00: source metadata, columns and types, nulls, a first look.
    Explore,
    /// 01: the immutable raw snapshot.
    Ingest,
    /// 02: contract validation and cleansing to the daily grid.
    Cleanse,
    /// 03: exploratory analysis and figures.
    Eda,
    /// 04: calendar features and the 185-day exogenous projection.
    Features,
    /// 05: backtesting, search, champion.
    Train,
    /// 06: the 185-day forecast with intervals and monthly totals.
    Forecast,
    /// 07: what-if scenarios.
    Simulate,
    /// 08: model health and drift.
    Monitor,
}

impl Phase {
    /// Every phase in order.
    pub const ALL: [Phase; 9] = [
        Phase::Explore,
        Phase::Ingest,
        Phase::Cleanse,
        Phase::Eda,
        Phase::Features,
        Phase::Train,
        Phase::Forecast,
        Phase::Simulate,
        Phase::Monitor,
    ];

    /// Two-digit number, `00`…`08`.
    pub fn number(self) -> String {
        format!("{:02}", self as u8)
    }

    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Explore => "explore",
            Phase::Ingest => "ingest",
            Phase::Cleanse => "cleanse",
            Phase::Eda => "eda",
            Phase::Features => "features",
            Phase::Train => "train",
            Phase::Forecast => "forecast",
            Phase::Simulate => "simulate",
            Phase::Monitor => "monitor",
        }
    }

    /// What the phase reads.
    pub fn reads(self) -> &'static str {
        match self {
            Phase::Explore => "the configured source (demo, file)",
            Phase::Ingest => "the configured source",
            Phase::Cleanse => "data/01_raw (snapshot named by the latest manifest)",
            Phase::Eda => "data/02_cleansed",
            Phase::Features => "data/02_cleansed",
            Phase::Train => "data/04_processed",
            Phase::Forecast => "champion model + future features",
            Phase::Simulate => "champion model + scenarios in config",
            Phase::Monitor => "forecast history + new actuals",
        }
    }

    /// What the phase writes.
    pub fn writes(self) -> &'static str {
        match self {
            Phase::Explore => "outputs/reports/explore_latest.json, contract_proposal_latest.json",
            Phase::Ingest => {
                "data/01_raw/<source>_<run id>.parquet + .meta.json, outputs/reports/ingest_latest.json, validation_latest.json"
            }
            Phase::Cleanse => "data/02_cleansed/ventas_diarias_latest.parquet, outputs/reports/cleansing_latest.json",
            Phase::Eda => "EDA report + figures",
            Phase::Features => "data/03_features, data/04_processed",
            Phase::Train => "leaderboard, backtest report, champion model",
            Phase::Forecast => "daily and monthly forecast, figures",
            Phase::Simulate => "scenario forecasts and deltas",
            Phase::Monitor => "health and drift report",
        }
    }

    /// The issue that builds the phase, when it is not built yet.
    pub fn pending_issue(self) -> Option<u32> {
        match self {
            Phase::Explore | Phase::Ingest | Phase::Cleanse => None,
            Phase::Eda | Phase::Features => Some(4),
            Phase::Train => Some(5),
            Phase::Forecast => Some(6),
            Phase::Simulate => Some(8),
            Phase::Monitor => Some(9),
        }
    }

    /// Whether the phase is built.
    pub fn is_built(self) -> bool {
        self.pending_issue().is_none()
    }

    /// Parses `00`, `0`, `explore`, …
    pub fn parse(s: &str) -> Option<Phase> {
        let s = s.trim().to_ascii_lowercase();
        Phase::ALL
            .into_iter()
            .find(|p| p.name() == s || p.number() == s || s.parse::<u8>().ok() == Some(*p as u8))
    }

    /// Runs the phase.
    pub fn execute(self, ctx: &mut RunContext) -> anyhow::Result<()> {
        match self {
            Phase::Explore => explore(ctx),
            Phase::Ingest => ingest(ctx),
            Phase::Cleanse => cleanse(ctx),
            other => anyhow::bail!(
                "phase {} {} is not built yet (issue {})",
                other.number(),
                other.name(),
                other.pending_issue().unwrap_or_default()
            ),
        }
    }
}

/// Where the data of a report came from (no secrets, paths relative to the root).
#[derive(Debug, Clone, Serialize)]
pub struct SourceSummary {
    /// `demo` or `file`.
    pub kind: connector::SourceKind,
    /// Short name used in snapshot names.
    pub name: String,
    /// Human description.
    pub description: String,
    /// Input files with their hashes.
    pub input_files: Vec<FileRecord>,
}

/// Body of the phase 00 report.
#[derive(Debug, Clone, Serialize)]
pub struct ExploreBody {
    /// Where the data came from.
    pub source: SourceSummary,
    /// The span filter applied, if any.
    pub span: Option<core_types::DateSpan>,
    /// The profile of the fetched rows.
    pub profile: contract::Profile,
}

/// Body of the phase 01 report.
#[derive(Debug, Clone, Serialize)]
pub struct IngestBody {
    /// Where the data came from.
    pub source: SourceSummary,
    /// The snapshot written.
    pub snapshot: FileRecord,
    /// Its metadata file.
    pub snapshot_meta: String,
    /// Rows in the snapshot.
    pub rows: u64,
    /// Columns and their types.
    pub columns: Vec<(String, String)>,
    /// First date in the snapshot.
    pub first_date: Option<chrono::NaiveDate>,
    /// Last date in the snapshot.
    pub last_date: Option<chrono::NaiveDate>,
}

fn fetch(ctx: &mut RunContext) -> anyhow::Result<(connector::Fetched, SourceSummary)> {
    let cfg = &ctx.cfg;
    let date_aliases = cfg
        .contract
        .columns
        .get(core_types::cols::FECHA)
        .map(|c| c.aliases.clone())
        .unwrap_or_default();
    let source = connector::build_source(
        &cfg.source,
        cfg.run.seed,
        &cfg.calendar,
        &date_aliases,
        &ctx.root,
    )
    .context("cannot build the source")?;
    let fetched = source
        .fetch(cfg.source.span)
        .context("cannot fetch from the source")?;
    let mut inputs = Vec::new();
    for f in &fetched.meta.input_files {
        let rec = FileRecord::read(&ctx.root, f, Some(fetched.frame.height() as u64))?;
        inputs.push(rec);
    }
    ctx.record_inputs(&inputs);
    let description = if fetched.meta.kind == connector::SourceKind::File {
        format!(
            "file {}",
            fetched
                .meta
                .input_files
                .first()
                .map(|p| relative(&ctx.root, p))
                .unwrap_or_default()
        )
    } else {
        fetched.meta.description.clone()
    };
    let summary = SourceSummary {
        kind: fetched.meta.kind,
        name: fetched.meta.name.clone(),
        description,
        input_files: inputs,
    };
    Ok((fetched, summary))
}

fn explore(ctx: &mut RunContext) -> anyhow::Result<()> {
    let (fetched, source) = fetch(ctx)?;
    let profile = contract::profile(&fetched.frame, ctx.cfg.explore.sample_rows)?;
    let body = ExploreBody {
        source,
        span: ctx.cfg.source.span,
        profile,
    };
    let proposal = contract::propose(
        &fetched.frame,
        &ctx.cfg.contract,
        ctx.cfg.source.utc_offset_hours,
    )?;
    let proposal_body = ProposalBody {
        configured: ctx.cfg.contract.clone(),
        proposal,
    };
    tracing::info!(
        rows = body.profile.rows,
        columns = body.profile.columns.len(),
        differences = proposal_body.proposal.differences.len(),
        "explored source {}",
        body.source.name
    );
    ctx.write_report("explore", &body)?;
    ctx.write_report("contract_proposal", &proposal_body)?;
    Ok(())
}

/// Body of the phase 00 contract proposal: the configured contract beside what the data shows.
#[derive(Debug, Clone, Serialize)]
pub struct ProposalBody {
    /// The contract in config.
    pub configured: contract::ContractConfig,
    /// The proposal and its differences.
    pub proposal: contract::ContractProposal,
}

fn today(ctx: &RunContext) -> chrono::NaiveDate {
    ctx.cfg
        .run
        .today
        .unwrap_or_else(|| core_types::dates::today_at(ctx.cfg.source.utc_offset_hours))
}

fn ingest(ctx: &mut RunContext) -> anyhow::Result<()> {
    let (fetched, source) = fetch(ctx)?;
    let frame = &fetched.frame;
    let bytes = connector::to_parquet_bytes(frame)?;
    let raw_dir = ctx.root.join(&ctx.cfg.paths.raw);
    let stem = format!("{}_{}", source.name, ctx.run_id);
    let snap_path: PathBuf = raw_dir.join(format!("{stem}.parquet"));
    let meta_path: PathBuf = raw_dir.join(format!("{stem}.meta.json"));
    for p in [&snap_path, &meta_path] {
        anyhow::ensure!(
            !p.exists(),
            "raw snapshot {} already exists; the raw layer is immutable",
            p.display()
        );
    }
    let rows = frame.height() as u64;
    let range = connector::date_range(frame)?;
    let columns: Vec<(String, String)> = frame
        .columns()
        .iter()
        .map(|c| (c.name().to_string(), c.dtype().to_string()))
        .collect();
    let snapshot = FileRecord::of(&ctx.root, &snap_path, &bytes, Some(rows));
    let body = IngestBody {
        source,
        snapshot: snapshot.clone(),
        snapshot_meta: relative(&ctx.root, &meta_path),
        rows,
        columns,
        first_date: range.map(|r| r.0),
        last_date: range.map(|r| r.1),
    };
    let meta = ctx.envelope("raw_snapshot_meta", &body);
    let meta_bytes = serde_json::to_vec_pretty(&meta)?;
    ctx.writer.write_once(&snap_path, &bytes, Some(rows))?;
    ctx.writer.write_once(&meta_path, &meta_bytes, None)?;
    ctx.raw_snapshot = Some(snapshot.path.clone());
    tracing::info!(rows, snapshot = %snapshot.path, sha256 = %snapshot.sha256, "raw snapshot written");
    ctx.write_report("ingest", &body)?;
    let report = contract::validate(
        frame,
        &ctx.cfg.contract,
        today(ctx),
        ctx.cfg.source.utc_offset_hours,
    )?;
    for line in report.summary_lines() {
        tracing::warn!("contract: {line}");
    }
    ctx.write_report("validation", &report)?;
    anyhow::ensure!(
        report.passed,
        "contract validation failed with {} error(s) and {} warning(s); the raw snapshot {} is kept as evidence; see outputs/reports/validation_latest.json",
        report.errors,
        report.warnings,
        snapshot.path
    );
    tracing::info!(warnings = report.warnings, "contract validation passed");
    Ok(())
}

fn cleanse(ctx: &mut RunContext) -> anyhow::Result<()> {
    let snapshot = match ctx.raw_snapshot.clone() {
        Some(s) => s,
        None => crate::run::latest_raw_snapshot(&ctx.root, &ctx.cfg.paths.outputs)?
            .ok_or_else(|| anyhow::anyhow!("no raw snapshot yet: run phase 01 ingest first"))?,
    };
    let path = ctx.root.join(&snapshot);
    let frame = connector::read_parquet(&path)?;
    let input = FileRecord::read(&ctx.root, &path, Some(frame.height() as u64))?;
    ctx.record_inputs(&[input]);
    ctx.raw_snapshot = Some(snapshot.clone());
    let cleansed = contract::cleanse(
        &frame,
        &ctx.cfg.contract,
        &ctx.cfg.cleanse,
        &ctx.cfg.calendar,
        ctx.cfg.source.utc_offset_hours,
    )
    .with_context(|| format!("cannot cleanse {snapshot}"))?;
    let bytes = connector::to_parquet_bytes(&cleansed.frame)?;
    let body = CleanseBody {
        snapshot,
        output_rows: cleansed.frame.height() as u64,
        report: cleansed.report,
    };
    tracing::info!(
        days = body.report.days_out,
        flags = body.report.flags.len(),
        missing = body.report.missing_dates,
        imputed = body.report.imputed_days,
        "cleansed to the daily grid"
    );
    let dir = ctx.root.join(&ctx.cfg.paths.cleansed);
    ctx.writer.write_dual(
        &dir,
        "ventas_diarias",
        "parquet",
        &bytes,
        Some(body.output_rows),
    )?;
    ctx.write_report("cleansing", &body)?;
    Ok(())
}

/// Body of the phase 02 report.
#[derive(Debug, Clone, Serialize)]
pub struct CleanseBody {
    /// The raw snapshot cleansed.
    pub snapshot: String,
    /// Rows of the cleansed layer.
    pub output_rows: u64,
    /// What cleansing did.
    pub report: contract::CleansingReport,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_parse_by_number_and_name() {
        assert_eq!(Phase::parse("00"), Some(Phase::Explore));
        assert_eq!(Phase::parse("1"), Some(Phase::Ingest));
        assert_eq!(Phase::parse("Forecast"), Some(Phase::Forecast));
        assert_eq!(Phase::parse("08"), Some(Phase::Monitor));
        assert_eq!(Phase::parse("09"), None);
        assert_eq!(Phase::parse("train2"), None);
        let numbers: Vec<String> = Phase::ALL.iter().map(|p| p.number()).collect();
        assert_eq!(
            numbers,
            ["00", "01", "02", "03", "04", "05", "06", "07", "08"]
        );
    }
}
