//! What phases read from earlier phases: layer files and reports, each recorded as an input of
//! the run, with the phase to run named when one is missing.

use anyhow::Context as _;

use crate::artifacts::{relative, FileRecord};
use crate::run::RunContext;

/// File name (in `data/02_cleansed`) of the source's rows after the cutoff, as observed.
pub const AFTER_CUTOFF: &str = "despues_del_corte";

/// Reads a layer file written by an earlier phase, records it as an input, and says which
/// phase to run when it is missing.
pub fn read_layer(
    ctx: &mut RunContext,
    dir: &std::path::Path,
    file: &str,
    producer: &str,
) -> anyhow::Result<(polars::prelude::DataFrame, FileRecord)> {
    let path = ctx.root.join(dir).join(file);
    anyhow::ensure!(
        path.is_file(),
        "no layer at {}: run phase {producer} first",
        relative(&ctx.root, &path)
    );
    let frame = connector::read_parquet(&path)?;
    let rec = FileRecord::read(&ctx.root, &path, Some(frame.height() as u64))?;
    ctx.record_inputs(std::slice::from_ref(&rec));
    Ok((frame, rec))
}

/// The SHA-256 the run recorded for the input at `path` (empty when none).
pub fn input_sha(ctx: &RunContext, path: &str) -> String {
    ctx.inputs
        .iter()
        .find(|r| r.path == path)
        .map(|r| r.sha256.clone())
        .unwrap_or_default()
}

/// Phase 04's report (`outputs/reports/features_latest.json`): the feature settings and the
/// plan as applied, which phase 05 records in the champion and phase 07 rebuilds the future
/// with. Recorded as an input of the run.
pub fn read_features_report(ctx: &mut RunContext) -> anyhow::Result<features::FeaturesReport> {
    #[derive(serde::Deserialize)]
    struct Body {
        report: features::FeaturesReport,
    }
    #[derive(serde::Deserialize)]
    struct Envelope {
        body: Body,
    }
    let path = ctx
        .root
        .join(&ctx.cfg.paths.outputs)
        .join("reports")
        .join("features_latest.json");
    anyhow::ensure!(
        path.is_file(),
        "no features report at {}: run phase 04 features first",
        relative(&ctx.root, &path)
    );
    let text = std::fs::read_to_string(&path)?;
    ctx.record_inputs(&[FileRecord::read(&ctx.root, &path, None)?]);
    Ok(serde_json::from_str::<Envelope>(&text)
        .with_context(|| format!("reading {}", path.display()))?
        .body
        .report)
}

/// The source's rows after the cutoff (phase 02's `despues_del_corte` layer).
pub fn read_after_cutoff(ctx: &mut RunContext) -> anyhow::Result<polars::prelude::DataFrame> {
    let dir = ctx.cfg.paths.cleansed.clone();
    Ok(read_layer(
        ctx,
        &dir,
        &format!("{AFTER_CUTOFF}_latest.parquet"),
        "02 cleanse",
    )?
    .0)
}

/// The cleansed daily grid (phase 02's `ventas_diarias` layer).
pub fn read_cleansed(ctx: &mut RunContext) -> anyhow::Result<polars::prelude::DataFrame> {
    let dir = ctx.cfg.paths.cleansed.clone();
    Ok(read_layer(ctx, &dir, "ventas_diarias_latest.parquet", "02 cleanse")?.0)
}

/// The champion phase 05 wrote (`outputs/models/champion_latest.json`), loaded and recorded as
/// an input of the run.
pub fn read_champion(ctx: &mut RunContext) -> anyhow::Result<forecaster::Forecaster> {
    let path = ctx
        .root
        .join(&ctx.cfg.paths.outputs)
        .join("models")
        .join("champion_latest.json");
    anyhow::ensure!(
        path.is_file(),
        "no champion at {}: run phase 05 train first",
        relative(&ctx.root, &path)
    );
    let bytes = std::fs::read(&path)?;
    ctx.record_inputs(&[FileRecord::read(&ctx.root, &path, None)?]);
    forecaster::Forecaster::from_json(&bytes, None)
        .with_context(|| format!("reading {}", path.display()))
}
