//! Phases 00 (explore the source) and 01 (keep the raw snapshot, validate the contract).

use serde::{Deserialize, Serialize};
use store::{FileRecord, RawSnapshot, Store};

use crate::config::AppConfig;
use crate::PipelineError;

/// What a stage needs to reach the source: the project root (relative file paths) and the
/// network secrets, looked up by name (never logged, never written).
pub struct SourceAccess<'a> {
    /// The project root.
    pub root: &'a std::path::Path,
    /// The secret of an environment variable name, if set.
    pub secret: &'a dyn Fn(&str) -> Option<connector::Secret>,
}

/// Where the data of a report came from (no secrets, paths relative to the root).
#[derive(Debug, Clone, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExploreBody {
    /// Where the data came from.
    pub source: SourceSummary,
    /// The span filter applied, if any.
    pub span: Option<core_types::DateSpan>,
    /// The profile of the fetched rows.
    pub profile: contract::Profile,
}

/// Body of the phase 00 contract proposal: the configured contract beside what the data shows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProposalBody {
    /// The contract in config.
    pub configured: contract::ContractConfig,
    /// The proposal and its differences.
    pub proposal: contract::ContractProposal,
}

/// Body of the phase 01 report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IngestBody {
    /// Where the data came from.
    pub source: SourceSummary,
    /// SHA-256 of the snapshot written (its path and its metadata file's, which name the
    /// run, are in the run manifest: report bodies carry no run id).
    pub snapshot_sha256: String,
    /// Its size in bytes.
    pub snapshot_bytes: u64,
    /// Rows in the snapshot.
    pub rows: u64,
    /// Columns and their types.
    pub columns: Vec<(String, String)>,
    /// First date in the snapshot.
    pub first_date: Option<chrono::NaiveDate>,
    /// Last date in the snapshot.
    pub last_date: Option<chrono::NaiveDate>,
    /// Network sources: pages kept as received, in `<snapshot>_pages/` beside the snapshot.
    pub raw_pages: Option<usize>,
    /// Network sources: pages, retries, announced count, warnings.
    pub fetch: Option<connector::FetchReport>,
    /// The business's time zone, where timestamps written with an offset were cut to dates
    /// (`source.time_zone`, `auto`: the country's; or `source.utc_offset_hours`).
    #[serde(default)]
    pub time_zone: String,
}

pub(crate) fn fetch(
    store: &mut dyn Store,
    cfg: &AppConfig,
    access: &SourceAccess<'_>,
) -> Result<(connector::Fetched, SourceSummary), PipelineError> {
    let fetched = crate::flow::fetch(cfg, access.root, access.secret)?;
    let mut inputs = Vec::new();
    for f in &fetched.meta.input_files {
        inputs.push(store.record_file(f, Some(fetched.frame.height() as u64))?);
    }
    let description = if fetched.meta.kind == connector::SourceKind::File {
        format!(
            "file {}",
            inputs.first().map(|r| r.path.clone()).unwrap_or_default()
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

/// Phase 00: the source's profile and a contract proposal beside the configured contract.
pub fn explore(
    store: &mut dyn Store,
    cfg: &AppConfig,
    access: &SourceAccess<'_>,
) -> Result<(), PipelineError> {
    let (fetched, source) = fetch(store, cfg, access)?;
    let profile = contract::profile(&fetched.frame, cfg.explore.sample_rows)?;
    let body = ExploreBody {
        source,
        span: cfg.source.span,
        profile,
    };
    let proposal = contract::propose(&fetched.frame, &cfg.contract, cfg.zone())?;
    let proposal_body = ProposalBody {
        configured: cfg.contract.clone(),
        proposal,
    };
    tracing::info!(
        rows = body.profile.rows,
        columns = body.profile.columns.len(),
        differences = proposal_body.proposal.differences.len(),
        "explored source {}",
        body.source.name
    );
    store::put_report(store, "explore", &body)?;
    store::put_report(store, "contract_proposal", &proposal_body)?;
    Ok(())
}

/// The immutable raw snapshot of what the source returned (and the network pages as
/// received), with the ingest report; returns the snapshot's path.
pub(crate) fn put_snapshot(
    store: &mut dyn Store,
    fetched: &connector::Fetched,
    source: SourceSummary,
    zone: core_types::dates::LocalZone,
) -> Result<String, PipelineError> {
    let frame = &fetched.frame;
    let bytes = connector::to_parquet_bytes(frame)?;
    let rows = frame.height() as u64;
    let range = connector::date_range(frame)?;
    let columns: Vec<(String, String)> = frame
        .columns()
        .iter()
        .map(|c| (c.name().to_string(), c.dtype().to_string()))
        .collect();
    let mut pages: Vec<(String, Vec<u8>, Option<u64>)> = fetched
        .raw_pages
        .iter()
        .map(|p| {
            (
                format!("page_{:04}.json", p.meta.page),
                p.body.clone(),
                Some(p.meta.rows as u64),
            )
        })
        .collect();
    if !pages.is_empty() {
        let metas: Vec<&connector::PageMeta> = fetched.raw_pages.iter().map(|p| &p.meta).collect();
        pages.push((
            "pages.json".into(),
            serde_json::to_vec_pretty(&serde_json::json!({
                "pages": metas,
                "report": fetched.fetch_report,
            }))?,
            None,
        ));
    }
    if let Some(r) = &fetched.fetch_report {
        for w in &r.warnings {
            tracing::warn!("source: {w}");
        }
    }
    let body = IngestBody {
        source,
        snapshot_sha256: store::sha256_hex(&bytes),
        snapshot_bytes: bytes.len() as u64,
        rows,
        columns,
        first_date: range.map(|r| r.0),
        last_date: range.map(|r| r.1),
        raw_pages: (!fetched.raw_pages.is_empty()).then_some(fetched.raw_pages.len()),
        fetch: fetched.fetch_report.clone(),
        time_zone: zone.to_string(),
    };
    let meta = store::envelope_json(store, "raw_snapshot_meta", &body)?;
    let snapshot = store.put_raw(RawSnapshot {
        source: body.source.name.clone(),
        parquet: bytes,
        rows,
        meta,
        pages,
    })?;
    tracing::info!(rows, snapshot = %snapshot, sha256 = %body.snapshot_sha256, "raw snapshot written");
    store::put_report(store, "ingest", &body)?;
    Ok(snapshot)
}

/// Phase 01: the immutable raw snapshot (and the network pages as received), then the
/// contract validation; a snapshot that fails validation is kept as evidence.
pub fn ingest(
    store: &mut dyn Store,
    cfg: &AppConfig,
    access: &SourceAccess<'_>,
) -> Result<(), PipelineError> {
    let (fetched, source) = fetch(store, cfg, access)?;
    let snapshot = put_snapshot(store, &fetched, source, cfg.zone())?;
    tracing::info!(
        "timestamps with an offset are read as dates in {} (source.time_zone / source.utc_offset_hours)",
        cfg.zone()
    );
    let frame = &fetched.frame;
    let report = crate::flow::validate(frame, cfg, crate::flow::today(cfg))?;
    for line in report.summary_lines() {
        tracing::warn!("contract: {line}");
    }
    store::put_evidence_report(store, "validation", &report)?;
    if !report.passed {
        return Err(PipelineError::Refused {
            errors: report.errors,
            warnings: report.warnings,
            snapshot,
            report: store.locate(store::Area::Reports, "validation", "json"),
        });
    }
    tracing::info!(warnings = report.warnings, "contract validation passed");
    Ok(())
}
