//! `cargo xtask bench`: named workloads timed end to end, printed as JSON.
//!
//! **W1**: the demo history through cleansing and features (in memory), then a grid of
//! `Ridge(alpha)` recursive forecasters, lags 1..k for k ∈ {7, 14, 21, 28} × alpha ∈ {0.1, 1,
//! 10, 100}, with the 40 processed features as exog, backtested with 185-step folds and refit
//! (rolling window, three folds). The exact data are written to
//! `outputs/bench/w1_data.csv` so that `bench/compare_skforecast.py` can run the same grid in
//! skforecast and compare timings and metrics.

use std::path::Path;
use std::time::Instant;

use anyhow::Context as _;
use serde::Serialize;

use crate::config::AppConfig;

/// Lag orders of W1.
pub const W1_LAGS: [usize; 4] = [7, 14, 21, 28];
/// Ridge penalties of W1.
pub const W1_ALPHAS: [f64; 4] = [0.1, 1.0, 10.0, 100.0];
/// Steps per fold of W1.
pub const W1_STEPS: usize = 185;
/// Folds of W1.
pub const W1_FOLDS: usize = 3;

/// Timing of one run of a workload.
#[derive(Debug, Clone, Serialize)]
pub struct Timing {
    /// Threads used by rayon.
    pub threads: usize,
    /// Wall seconds (best of the repetitions).
    pub seconds: f64,
}

/// The result of a workload.
#[derive(Debug, Clone, Serialize)]
pub struct WorkloadResult {
    /// Name.
    pub workload: String,
    /// Observations.
    pub rows: usize,
    /// Exog columns.
    pub exog_columns: usize,
    /// Candidates.
    pub candidates: usize,
    /// First training length.
    pub initial_train_size: usize,
    /// Timings.
    pub timings: Vec<Timing>,
    /// MAE of every candidate, by name.
    pub mae: std::collections::BTreeMap<String, f64>,
    /// Data file for the comparison script.
    pub data_csv: String,
}

fn w1_candidates() -> Vec<models::Candidate> {
    let mut out = Vec::new();
    for k in W1_LAGS {
        for a in W1_ALPHAS {
            out.push(models::Candidate {
                nombre: format!("w1_l{k}_a{a}"),
                model: models::ModelSpec::Recursive {
                    regressor: models::Regressor::Ridge { alpha: a },
                    autoregressive: models::Autoregressive {
                        lags: (1..=k).collect(),
                        windows: vec![],
                    },
                    transform: models::Transform::None,
                    clip_negative: false,
                },
            });
        }
    }
    out
}

/// Runs W1 `repeat` times per thread setting and returns its result.
pub fn w1(root: &Path, cfg: &AppConfig, repeat: usize) -> anyhow::Result<WorkloadResult> {
    let cal = &cfg.calendar;
    let raw = connector::DemoSource::new(cfg.source.demo.clone(), cfg.run.seed, cal)?;
    let raw = connector::Source::fetch(&raw, None)?.frame;
    let clean = contract::cleanse(
        &raw,
        &cfg.contract,
        &cfg.cleanse,
        cal,
        cfg.plan.descuento_por_defecto,
        cfg.source.utc_offset_hours,
    )?;
    let layers = features::build_layers(
        &clean.frame,
        cal,
        &cfg.features,
        &cfg.plan,
        cfg.run.horizon,
        None,
    )?;
    let table = &layers.history_table;
    let y: Vec<f64> = layers
        .train
        .column(core_types::cols::UNIDADES_MODELO)?
        .f64()?
        .iter()
        .map(|v| v.unwrap_or(f64::NAN))
        .collect();
    anyhow::ensure!(
        y.iter().all(|v| v.is_finite()),
        "W1 needs a gap-free target"
    );
    let exog = models::Exog::new(table.names.clone(), table.values.clone())?;
    // The exact inputs, for the skforecast comparison.
    let mut csv = String::from("fecha,y");
    for n in &table.names {
        csv.push(',');
        csv.push_str(n);
    }
    csv.push('\n');
    for (i, d) in table.dates.iter().enumerate() {
        csv.push_str(&format!("{d},{}", y[i]));
        for c in &table.values {
            csv.push_str(&format!(",{}", c[i]));
        }
        csv.push('\n');
    }
    let data_path = root
        .join(&cfg.paths.outputs)
        .join("bench")
        .join("w1_data.csv");
    crate::artifacts::write_atomic(&data_path, csv.as_bytes(), true)?;
    let cv = models::FoldConfig {
        steps: W1_STEPS,
        initial_train_size: y.len() - W1_FOLDS * W1_STEPS,
        refit: models::Refit::Always,
        fixed_train_size: true,
        gap: 0,
        skip_folds: None,
        allow_incomplete_fold: true,
        fold_stride: None,
    };
    let cands = w1_candidates();
    let arena = models::Arena {
        y: &y,
        actuals: None,
        exog: Some(&exog),
        cv: &cv,
        metric: models::Metric::Mae,
    };
    let mut timings = Vec::new();
    let mut mae = std::collections::BTreeMap::new();
    let max_threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut settings = vec![1];
    if max_threads > 1 {
        settings.push(max_threads);
    }
    for threads in settings {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()?;
        let mut best = f64::INFINITY;
        for _ in 0..repeat.max(1) {
            let t0 = Instant::now();
            let (lb, _) = pool.install(|| models::compete(&cands, arena, &|_| {}))?;
            best = best.min(t0.elapsed().as_secs_f64());
            for e in lb.entries {
                let v = e
                    .metrics
                    .get(&models::Metric::Mae)
                    .copied()
                    .context("MAE")?;
                if let Some(prev) = mae.insert(e.nombre.clone(), v) {
                    anyhow::ensure!(
                        prev == v,
                        "W1 is not deterministic across threads for {}",
                        e.nombre
                    );
                }
            }
        }
        timings.push(Timing {
            threads,
            seconds: best,
        });
    }
    Ok(WorkloadResult {
        workload: "W1".into(),
        rows: y.len(),
        exog_columns: exog.names.len(),
        candidates: cands.len(),
        initial_train_size: cv.initial_train_size,
        timings,
        mae,
        data_csv: crate::artifacts::relative(root, &data_path),
    })
}
