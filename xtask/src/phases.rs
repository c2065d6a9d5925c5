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
use crate::inputs::{
    input_sha, read_after_cutoff, read_cleansed, read_features_report, read_layer, AFTER_CUTOFF,
};
use crate::run::RunContext;

pub use crate::phase::Phase;

/// Runs `phase` on the run context (the body [`RunContext::run_phase`] stages).
pub fn execute(phase: Phase, ctx: &mut RunContext) -> anyhow::Result<()> {
    match phase {
        Phase::Explore => explore(ctx),
        Phase::Ingest => ingest(ctx),
        Phase::Cleanse => cleanse(ctx),
        Phase::Eda => eda(ctx),
        Phase::Features => features_phase(ctx),
        Phase::Train => train(ctx),
        Phase::Forecast => crate::forecast_phase::run(ctx),
        Phase::Simulate => crate::simulate_phase::run(ctx),
        Phase::Monitor => crate::monitor_phase::run(ctx),
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
}

fn fetch(ctx: &mut RunContext) -> anyhow::Result<(connector::Fetched, SourceSummary)> {
    let secrets = ctx.secrets.clone();
    let fetched = pipeline::fetch(&ctx.cfg, &ctx.root, &|name: &str| {
        secrets
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    })
    .context("cannot read the source")?;
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
    // Network sources: every page exactly as received, with its metadata, in one folder that
    // appears only once complete (nothing is written when the fetch failed).
    let pages_dir = raw_dir.join(format!("{stem}_pages"));
    let raw_pages = if fetched.raw_pages.is_empty() {
        None
    } else {
        let mut files: Vec<(String, Vec<u8>, Option<u64>)> = fetched
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
        let metas: Vec<&connector::PageMeta> = fetched.raw_pages.iter().map(|p| &p.meta).collect();
        files.push((
            "pages.json".into(),
            serde_json::to_vec_pretty(&serde_json::json!({
                "pages": metas,
                "report": fetched.fetch_report,
            }))?,
            None,
        ));
        ctx.writer.write_dir_once(&pages_dir, &files)?;
        Some(fetched.raw_pages.len())
    };
    if let Some(r) = &fetched.fetch_report {
        for w in &r.warnings {
            tracing::warn!("source: {w}");
        }
    }
    let snapshot = FileRecord::of(&ctx.root, &snap_path, &bytes, Some(rows));
    let body = IngestBody {
        source,
        snapshot_sha256: snapshot.sha256.clone(),
        snapshot_bytes: snapshot.bytes,
        rows,
        columns,
        first_date: range.map(|r| r.0),
        last_date: range.map(|r| r.1),
        raw_pages,
        fetch: fetched.fetch_report.clone(),
    };
    let meta = ctx.envelope("raw_snapshot_meta", &body);
    let meta_bytes = serde_json::to_vec_pretty(&meta)?;
    ctx.writer.write_once(&snap_path, &bytes, Some(rows))?;
    ctx.writer.write_once(&meta_path, &meta_bytes, None)?;
    ctx.raw_snapshot = Some(snapshot.path.clone());
    tracing::info!(rows, snapshot = %snapshot.path, sha256 = %snapshot.sha256, "raw snapshot written");
    ctx.write_report("ingest", &body)?;
    let report = pipeline::validate(frame, &ctx.cfg, pipeline::today(&ctx.cfg))?;
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
    let pipeline::CleansedData { cleansed, after } = pipeline::cleanse(&frame, &ctx.cfg)
        .with_context(|| format!("cannot cleanse {snapshot}"))?;
    let bytes = connector::to_parquet_bytes(&cleansed.frame)?;
    let after_bytes = connector::to_parquet_bytes(&pipeline::frames::observed_frame(&after)?)?;
    let body = CleanseBody {
        snapshot_sha256: input_sha(ctx, &snapshot),
        output_rows: cleansed.frame.height() as u64,
        rows_after_cutoff: after.dates.len() as u64,
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
    ctx.writer.write_dual(
        &dir,
        AFTER_CUTOFF,
        "parquet",
        &after_bytes,
        Some(body.rows_after_cutoff),
    )?;
    ctx.write_report("cleansing", &body)?;
    Ok(())
}

/// Body of the phase 02 report.
#[derive(Debug, Clone, Serialize)]
pub struct CleanseBody {
    /// SHA-256 of the raw snapshot cleansed (its path, which names the run, is in the
    /// manifest).
    pub snapshot_sha256: String,
    /// Rows of the cleansed layer.
    pub output_rows: u64,
    /// Source rows after the cutoff, set aside in `despues_del_corte_latest.parquet`.
    pub rows_after_cutoff: u64,
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

/// Body of the phase 03 report.
#[derive(Debug, Clone, Serialize)]
pub struct EdaBody {
    /// The analysis.
    pub analysis: features::eda::EdaReport,
    /// Figures written (names in `outputs/figures/`).
    pub figures: Vec<String>,
}

fn eda(ctx: &mut RunContext) -> anyhow::Result<()> {
    use plotters::style::{RGBColor, BLUE, GREEN};
    let frame = read_cleansed(ctx)?;
    let report = pipeline::analyse(&frame, &ctx.cfg)?;
    // Figure data (presentation only).
    let fechas: Vec<String> = frame
        .column(core_types::cols::FECHA)?
        .date()?
        .as_date_iter()
        .map(|d| d.map(|d| d.to_string()).unwrap_or_default())
        .collect();
    let y: Vec<Option<f64>> = frame
        .column(core_types::cols::UNIDADES_VENDIDAS)?
        .as_materialized_series()
        .cast(&polars::prelude::DataType::Float64)?
        .f64()?
        .iter()
        .collect();
    let rolling: Vec<Option<f64>> = (0..y.len())
        .map(|i| {
            let w: Vec<f64> = y[i.saturating_sub(27)..=i]
                .iter()
                .flatten()
                .copied()
                .collect();
            (w.len() >= 14).then(|| w.iter().sum::<f64>() / w.len() as f64)
        })
        .collect();
    let flagged: Vec<bool> = frame
        .column(core_types::cols::ES_ATIPICO)?
        .bool()?
        .iter()
        .map(|b| b.unwrap_or(false))
        .collect();
    let originals: Vec<Option<String>> = frame
        .column(core_types::cols::UNIDADES_ORIGINALES)?
        .str()?
        .iter()
        .map(|s| s.map(str::to_string))
        .collect();
    let marks: Vec<(usize, f64)> = (0..y.len())
        .filter(|&i| flagged[i])
        .map(|i| {
            let v = y[i]
                .or_else(|| originals[i].as_deref().and_then(|s| s.parse().ok()))
                .unwrap_or(0.0);
            (i, v.max(0.0))
        })
        .collect();
    let orange = RGBColor(230, 120, 20);
    let days = ["lun", "mar", "mié", "jue", "vie", "sáb", "dom"].map(String::from);
    let months = [
        "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic",
    ]
    .map(String::from);
    let short = crate::figures::short_label;
    let dec_names: Vec<String> = report.december.iter().map(|u| short(&u.name)).collect();
    let up_names: Vec<String> = report.uplifts.iter().map(|u| short(&u.name)).collect();
    let figures: Vec<(String, Vec<u8>)> = vec![
        (
            "eda_serie".into(),
            crate::figures::line_chart(
                "Unidades vendidas por día (limpias) y media móvil de 28 días; en rojo, días marcados",
                &fechas,
                &[("diario", y.clone(), BLUE), ("media 28 días", rolling, orange)],
                &marks,
            )?,
        ),
        (
            "eda_semana".into(),
            crate::figures::bar_chart(
                "Perfil semanal relativo al nivel local: dow_eff (festivo = sábado) frente a dow",
                &days,
                &[
                    ("dow_eff", report.weekly_profile_dow_eff.clone(), BLUE),
                    ("dow", report.weekly_profile_dow.clone(), GREEN),
                ],
                Some(1.0),
            )?,
        ),
        (
            "eda_anual".into(),
            crate::figures::bar_chart(
                "Perfil anual: media del mes / media del año",
                &months,
                &[("mes", report.yearly_profile.clone(), BLUE)],
                Some(1.0),
            )?,
        ),
        (
            "eda_diciembre".into(),
            crate::figures::bar_chart(
                "Bloque de diciembre y novenas frente a los días ordinarios del año",
                &dec_names,
                &[("razón", report.december.iter().map(|u| u.ratio).collect(), orange)],
                Some(1.0),
            )?,
        ),
        (
            "eda_efectos".into(),
            crate::figures::bar_chart(
                "Quincena, prima, promoción, festivos y días especiales frente al nivel local",
                &up_names,
                &[("razón", report.uplifts.iter().map(|u| u.ratio).collect(), GREEN)],
                Some(1.0),
            )?,
        ),
        (
            "eda_acf".into(),
            crate::figures::acf_chart(&report.acf, &report.pacf, report.confidence_band)?,
        ),
    ];
    let sections = vec![
        ("Cobertura".to_string(), serde_json::to_string_pretty(&report.coverage)?),
        ("Nivel por año".to_string(), serde_json::to_string_pretty(&report.level_by_year)?),
        (
            "Estacionalidad".to_string(),
            format!(
                "fuerza semanal: {:?}\nfuerza anual: {:?}\nrezagos sugeridos: {:?}\nventanas sugeridas: {}",
                report.seasonality_strength_weekly,
                report.seasonality_strength_yearly,
                report.suggested_lags,
                serde_json::to_string(&report.suggested_windows)?
            ),
        ),
        ("Diciembre".to_string(), serde_json::to_string_pretty(&report.december)?),
        ("Efectos".to_string(), serde_json::to_string_pretty(&report.uplifts)?),
        ("Pandemia".to_string(), serde_json::to_string_pretty(&report.pandemic)?),
    ];
    let html = crate::figures::html_page(
        "Análisis exploratorio — ventas de buñuelos",
        &figures,
        &sections,
    );
    let dir = ctx.root.join(&ctx.cfg.paths.outputs).join("figures");
    let mut names = Vec::new();
    for (name, bytes) in &figures {
        ctx.writer.write_dual(&dir, name, "png", bytes, None)?;
        names.push(format!("{name}_latest.png"));
    }
    ctx.writer
        .write_dual(&dir, "eda", "html", html.as_bytes(), None)?;
    names.push("eda_latest.html".into());
    tracing::info!(
        weekly = ?report.seasonality_strength_weekly,
        yearly = ?report.seasonality_strength_yearly,
        lags = ?report.suggested_lags,
        "EDA done"
    );
    ctx.write_report(
        "eda",
        &EdaBody {
            analysis: report,
            figures: names,
        },
    )?;
    Ok(())
}

/// Body of the phase 04 report.
#[derive(Debug, Clone, Serialize)]
pub struct FeaturesBody {
    /// Feature columns of the processed layer.
    pub n_features: usize,
    /// What was built.
    pub report: features::FeaturesReport,
    /// The first rows of the processed history, cells as text.
    pub first_rows: Vec<Vec<Option<String>>>,
}

fn features_phase(ctx: &mut RunContext) -> anyhow::Result<()> {
    let frame = read_cleansed(ctx)?;
    // Read on purpose: the future of flags known in advance (never the history).
    let after = read_after_cutoff(ctx)?;
    let layers = pipeline::features(&frame, &after, &ctx.cfg)?;
    for n in &layers.report.extra_notes {
        tracing::info!(
            column = %n.columna,
            uso = %n.uso,
            from_source = n.futuro_de_la_fuente,
            from_plan = n.futuro_del_plan,
            filled = n.futuro_relleno,
            "extra source column"
        );
    }
    for d in &layers.report.planned_outside_horizon {
        tracing::warn!("planned promotion on {d} is outside the horizon and is ignored");
    }
    let profile = contract::profile(&layers.train, 3)?;
    let all = connector::to_parquet_bytes(&layers.all_features)?;
    let train = connector::to_parquet_bytes(&layers.train)?;
    let future = connector::to_parquet_bytes(&layers.future)?;
    let fdir = ctx.root.join(&ctx.cfg.paths.features);
    let pdir = ctx.root.join(&ctx.cfg.paths.processed);
    ctx.writer.write_dual(
        &fdir,
        "features",
        "parquet",
        &all,
        Some(layers.all_features.height() as u64),
    )?;
    ctx.writer.write_dual(
        &pdir,
        "train",
        "parquet",
        &train,
        Some(layers.train.height() as u64),
    )?;
    ctx.writer.write_dual(
        &pdir,
        "future",
        "parquet",
        &future,
        Some(layers.future.height() as u64),
    )?;
    tracing::info!(
        features = layers.report.feature_columns.len(),
        history = layers.report.history_rows,
        future = layers.report.future_rows,
        "feature layers written"
    );
    ctx.write_report(
        "features",
        &FeaturesBody {
            n_features: layers.report.feature_columns.len(),
            report: layers.report,
            first_rows: profile.head,
        },
    )?;
    Ok(())
}

fn train(ctx: &mut RunContext) -> anyhow::Result<()> {
    use plotters::style::{RGBColor, BLUE, GREEN, RED};
    let dir = ctx.cfg.paths.processed.clone();
    let (frame, input) = read_layer(ctx, &dir, "train_latest.parquet", "04 features")?;
    let (future, _) = read_layer(ctx, &dir, "future_latest.parquet", "04 features")?;
    let applied = read_features_report(ctx)?;
    let cfg = ctx.cfg.train.clone();
    let data = pipeline::TrainData::from_layers(&frame, &future, &cfg.target, cfg.exog)?;
    // The EDA's suggested lags (phase 03), when the search asks for them.
    let eda_report = ctx
        .root
        .join(&ctx.cfg.paths.outputs)
        .join("reports")
        .join("eda_latest.json");
    let suggested: Option<Vec<usize>> = if cfg.search.lags_auto {
        let lags = std::fs::read_to_string(&eda_report)
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|v| {
                serde_json::from_value(v["body"]["analysis"]["suggested_lags"].clone()).ok()
            });
        match &lags {
            Some(l) => tracing::info!(?l, "search includes the EDA's suggested lags"),
            None => tracing::warn!(
                "train.search.lags_auto is set but no EDA report is available: run phase 03"
            ),
        }
        lags
    } else {
        None
    };
    let bar =
        indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    bar.set_message("backtesting candidates");
    let trained = pipeline::train(
        &data,
        &cfg,
        pipeline::TrainOptions {
            seed: ctx.cfg.run.seed,
            suggested_lags: suggested.as_deref(),
            context: Some(pipeline::feature_context(&ctx.cfg, &applied)),
            training_data_sha256: input.sha256.clone(),
        },
        &|_| bar.inc(1),
    )?;
    bar.finish_and_clear();
    for e in &trained.leaderboard.entries {
        match &e.error {
            None => tracing::info!(
                "candidate {:<32} {:?} = {:.4}",
                e.nombre,
                cfg.metric,
                e.metrics.get(&cfg.metric).copied().unwrap_or(f64::NAN)
            ),
            Some(err) => tracing::warn!("candidate {} failed: {err}", e.nombre),
        }
    }
    for (nombre, why) in &trained.passed_over {
        tracing::warn!("candidate {nombre} {why}: not a champion");
    }
    let leaderboard = &trained.leaderboard;
    let backtests = &trained.backtests;
    let fechas = &data.fechas;
    let actuals = &data.actuals;
    let steps = trained.steps;
    // Figures: the top three against the actuals, error by horizon step and by month.
    let top: Vec<&models::Entry> = leaderboard
        .entries
        .iter()
        .filter(|e| e.error.is_none())
        .take(3)
        .collect();
    let best = &backtests[&trained.champion.nombre];
    // Staggered origins predict a day more than once: the chart shows each day's prediction
    // from the latest origin (the closest to it).
    let latest = |b: &models::Backtest| -> std::collections::BTreeMap<usize, f64> {
        b.predictions.iter().map(|p| (p.position, p.pred)).collect()
    };
    let positions: Vec<usize> = latest(best).into_keys().collect();
    let labels: Vec<String> = positions.iter().map(|p| fechas[*p].to_string()).collect();
    let colours = [BLUE, GREEN, RGBColor(230, 120, 20)];
    let mut series = vec![(
        "real",
        positions
            .iter()
            .map(|p| Some(actuals[*p]).filter(|v| !v.is_nan()))
            .collect::<Vec<_>>(),
        RGBColor(60, 60, 60),
    )];
    for (k, e) in top.iter().enumerate() {
        let by = latest(&backtests[&e.nombre]);
        series.push((
            e.nombre.as_str(),
            positions.iter().map(|p| by.get(p).copied()).collect(),
            colours[k],
        ));
    }
    let step_error = |b: &models::Backtest| -> Vec<Option<f64>> {
        let start: std::collections::BTreeMap<usize, usize> =
            b.predictions.iter().fold(Default::default(), |mut m, p| {
                m.entry(p.fold).or_insert(p.position);
                m
            });
        let mut acc = vec![(0.0, 0usize); steps];
        for p in &b.predictions {
            let h = p.position - start[&p.fold];
            let a = actuals[p.position];
            if h < acc.len() && !a.is_nan() {
                acc[h].0 += (a - p.pred).abs();
                acc[h].1 += 1;
            }
        }
        acc.iter()
            .map(|(s, n)| (*n > 0).then(|| s / *n as f64))
            .collect()
    };
    let month_error = |b: &models::Backtest| -> Vec<Option<f64>> {
        let mut acc = [(0.0, 0usize); 12];
        for p in &b.predictions {
            let a = actuals[p.position];
            if !a.is_nan() {
                let m = chrono::Datelike::month0(&fechas[p.position]) as usize;
                acc[m].0 += (a - p.pred).abs();
                acc[m].1 += 1;
            }
        }
        acc.iter()
            .map(|(s, n)| (*n > 0).then(|| s / *n as f64))
            .collect()
    };
    let steps_labels: Vec<String> = (1..=steps).map(|h| h.to_string()).collect();
    let months = [
        "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic",
    ]
    .map(String::from);
    let figures: Vec<(String, Vec<u8>)> = vec![
        (
            "train_backtest".into(),
            crate::figures::line_chart(
                "Backtest: real frente a los tres mejores modelos",
                &labels,
                &series,
                &[],
            )?,
        ),
        (
            "train_error_paso".into(),
            crate::figures::line_chart(
                "Error absoluto medio por paso del horizonte (campeón)",
                &steps_labels,
                &[("MAE", step_error(best), RED)],
                &[],
            )?,
        ),
        (
            "train_error_mes".into(),
            crate::figures::bar_chart(
                "Error absoluto medio por mes del backtest",
                &months,
                &top.iter()
                    .enumerate()
                    .map(|(k, e)| {
                        (
                            e.nombre.as_str(),
                            month_error(&backtests[&e.nombre]),
                            colours[k],
                        )
                    })
                    .collect::<Vec<_>>(),
                None,
            )?,
        ),
    ];
    let fig_dir = ctx.root.join(&ctx.cfg.paths.outputs).join("figures");
    let mut names = Vec::new();
    for (name, bytes) in &figures {
        ctx.writer.write_dual(&fig_dir, name, "png", bytes, None)?;
        names.push(format!("{name}_latest.png"));
    }
    let body = pipeline::TrainBody::new(&trained, &data, names);
    let models_dir = ctx.root.join(&ctx.cfg.paths.outputs).join("models");
    ctx.writer.write_dual(
        &models_dir,
        "champion",
        "json",
        &trained.champion.to_json()?,
        None,
    )?;
    ctx.writer.write_dual(
        &models_dir,
        "backtest_predictions",
        "csv",
        &pipeline::tables::backtest_csv(&trained, &data)?,
        None,
    )?;
    ctx.writer.write_dual(
        &models_dir,
        "candidate_forecasts",
        "csv",
        &pipeline::tables::candidate_forecasts_csv(&trained, &data)?,
        None,
    )?;
    let reports = ctx.root.join(&ctx.cfg.paths.outputs).join("reports");
    ctx.writer.write_dual(
        &reports,
        "leaderboard",
        "csv",
        &pipeline::tables::leaderboard_csv(&body.leaderboard)?,
        Some(body.leaderboard.entries.len() as u64),
    )?;
    tracing::info!(champion = %body.champion, "champion selected and refitted on the whole history");
    ctx.write_report("train", &body)?;
    Ok(())
}
