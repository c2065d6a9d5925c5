//! `cargo xtask bench`: named workloads timed end to end, printed as JSON.
//!
//! **W1**: the demo history through cleansing and features (in memory), then a grid of
//! `Ridge(alpha)` recursive forecasters, lags 1..k for k ∈ {7, 14, 21, 28} × alpha ∈ {0.1, 1,
//! 10, 100}, with the 40 processed features as exog, backtested with 185-step folds and refit
//! (rolling window, three folds). The exact data are written to
//! `outputs/bench/w1_data.csv` so that `bench/compare_skforecast.py` can run the same grid in
//! skforecast and compare timings and metrics.
//!
//! **W2**: the same data, one `RandomForest(100 trees)` recursive forecaster with lags 1..14
//! and the same exog, backtested with the same folds and refit. Forests cannot match
//! bit for bit across libraries, so the comparison script checks the MAE statistically.
//!
//! **W3** (many series): `n` synthetic daily series of 1,000 days each (levels, weekly and
//! yearly shapes and noise drawn from ChaCha8 seeded with the run seed, one stream per
//! series), and for each one `Ridge(1)` with lags 1..14 fitted on the whole series and a
//! 185-day recursive forecast, in parallel over series — for n = 100, 1,000 and 10,000, so the
//! cost per series can be seen to stay flat. The 1,000-series data go to
//! `outputs/bench/w3_data.csv` and every forecast's sum to the report, so the comparison
//! script can run the same fits in a loop of skforecast `ForecasterRecursive` and in one
//! `ForecasterRecursiveMultiSeries`, and check the forecasts.
//!
//! **W4** (a many-series run): `pipeline::many::run_many_each` (each series' run reduced to
//! two flags as soon as it has run) on a long table of `n` synthetic
//! series (W3's generator, 640 days to 2024-09-30; every fourth a new product with only its
//! last 200 days, which borrows the others' yearly shape and is left out of the global model),
//! with the competition cut to its cheapest settings (no configuration search, two folds, no
//! ensembles) so that what grows with the series shows: phases 01–04, the lend, the global
//! model and the writing-free part of phases 05–06 — for n = 250 and 1,000. Seconds per
//! series should stay flat; peak memory is reported (the one-hot global model was cubic in
//! the series and the lend quadratic until stop 44).
//!
//! **F1**: load a champion artifact and forecast 185 days with 250 bootstrap paths (the
//! per-request work of a service); the script times skforecast's `predict_interval` on the
//! same model and checks that the bounds are the same numbers.

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
/// Folds of W1 (and W2).
pub const W1_FOLDS: usize = 3;
/// Trees of W2.
pub const W2_TREES: usize = 100;
/// Lag order of W2.
pub const W2_LAGS: usize = 14;

/// Days per series of W3.
pub const W3_DAYS: usize = 1000;
/// Lag order of W3.
pub const W3_LAGS: usize = 14;
/// Ridge penalty of W3.
pub const W3_ALPHA: f64 = 1.0;
/// Series counts of W3 (the cost per series should stay flat).
pub const W3_SIZES: [usize; 3] = [100, 1000, 10_000];
/// The W3 size written for the comparison script.
pub const W3_COMPARED: usize = 1000;

/// Days per series of W4.
pub const W4_DAYS: usize = 640;
/// Days of W4's new products.
pub const W4_NEW_DAYS: usize = 200;
/// Series counts of W4.
pub const W4_SIZES: [usize; 2] = [250, 1000];

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

/// Runs `work` `repeat` times on one thread and on all threads (rayon pools), keeping the
/// best wall time of each setting; every run must give the same result (`name` in the error).
fn timed<T: PartialEq + Send>(
    name: &str,
    repeat: usize,
    work: impl Fn() -> anyhow::Result<T> + Sync,
) -> anyhow::Result<(Vec<Timing>, T)> {
    let max_threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let settings = if max_threads > 1 {
        vec![1, max_threads]
    } else {
        vec![1]
    };
    let mut timings = Vec::new();
    let mut last: Option<T> = None;
    for threads in settings {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()?;
        let mut best = f64::INFINITY;
        for _ in 0..repeat.max(1) {
            let t0 = Instant::now();
            let got = pool.install(&work)?;
            best = best.min(t0.elapsed().as_secs_f64());
            if let Some(prev) = &last {
                anyhow::ensure!(prev == &got, "{name} is not deterministic across threads");
            }
            last = Some(got);
        }
        timings.push(Timing {
            threads,
            seconds: best,
        });
    }
    Ok((timings, last.context("no run")?))
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
                    differentiation: 0,
                    local_level: None,
                },
                exog: models::ExogFilter::default(),
            });
        }
    }
    out
}

fn w2_candidates(seed: u64) -> Vec<models::Candidate> {
    vec![models::Candidate {
        nombre: format!("w2_rf{W2_TREES}_l{W2_LAGS}"),
        model: models::ModelSpec::Recursive {
            regressor: models::Regressor::RandomForest {
                n_trees: W2_TREES,
                max_depth: None,
                min_samples_leaf: 1,
                max_features: None,
                seed: Some(seed),
            },
            autoregressive: models::Autoregressive {
                lags: (1..=W2_LAGS).collect(),
                windows: vec![],
            },
            transform: models::Transform::None,
            clip_negative: false,
            differentiation: 0,
            local_level: None,
        },
        exog: models::ExogFilter::default(),
    }]
}

/// The data both workloads use: the demo target and exog, also written to
/// `outputs/bench/w1_data.csv` for the comparison script.
pub struct BenchData {
    y: Vec<f64>,
    exog: models::Exog,
    data_csv: String,
}

/// Builds the demo history through cleansing and features, in memory.
pub fn prepare(root: &Path, cfg: &AppConfig) -> anyhow::Result<BenchData> {
    let cal = &cfg.calendar;
    let raw = connector::DemoSource::new(cfg.source.demo.clone(), cfg.run.seed, cal)?;
    let raw = connector::Source::fetch(&raw, None)?.frame;
    let clean = contract::cleanse(
        &raw,
        &cfg.contract,
        &cfg.cleanse,
        cal,
        cfg.plan.descuento_por_defecto,
        cfg.zone(),
    )?;
    let layers = features::build_layers(
        &clean.frame,
        cal,
        &cfg.features,
        &cfg.plan,
        cfg.run.horizon,
        None,
    )?;
    let table = layers.history_table()?;
    let y: Vec<f64> = layers
        .train
        .column(core_types::cols::UNIDADES_MODELO)?
        .f64()?
        .iter()
        .map(|v| v.unwrap_or(f64::NAN))
        .collect();
    anyhow::ensure!(
        y.iter().all(|v| v.is_finite()),
        "the bench workloads need a gap-free target"
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
    store::writer::write_atomic(&data_path, csv.as_bytes(), true)?;
    Ok(BenchData {
        y,
        exog,
        data_csv: store::relative(root, &data_path),
    })
}

/// Runs W1 `repeat` times per thread setting.
pub fn w1(data: &BenchData, repeat: usize) -> anyhow::Result<WorkloadResult> {
    run_workload("W1", &w1_candidates(), data, repeat)
}

/// Runs W2 `repeat` times per thread setting, seeded with `seed`.
pub fn w2(data: &BenchData, seed: u64, repeat: usize) -> anyhow::Result<WorkloadResult> {
    run_workload("W2", &w2_candidates(seed), data, repeat)
}

fn run_workload(
    name: &str,
    cands: &[models::Candidate],
    data: &BenchData,
    repeat: usize,
) -> anyhow::Result<WorkloadResult> {
    let (y, exog) = (&data.y, &data.exog);
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
    let arena = models::Arena {
        y,
        actuals: None,
        exog: Some(exog),
        cv: &cv,
        metric: models::Metric::Mae,
        fit_mask: None,
    };
    let (timings, mae) = timed(name, repeat, || {
        let (lb, _) = models::compete(cands, arena, &|_| {})?;
        lb.entries
            .into_iter()
            .map(|e| {
                let v = e
                    .metrics
                    .get(&models::Metric::Mae)
                    .copied()
                    .context("MAE")?;
                Ok((e.nombre, v))
            })
            .collect::<anyhow::Result<std::collections::BTreeMap<String, f64>>>()
    })?;
    Ok(WorkloadResult {
        workload: name.into(),
        rows: y.len(),
        exog_columns: exog.names.len(),
        candidates: cands.len(),
        initial_train_size: cv.initial_train_size,
        timings,
        mae,
        data_csv: data.data_csv.clone(),
    })
}

/// One size of W3.
#[derive(Debug, Clone, Serialize)]
pub struct ManySize {
    /// Series.
    pub series: usize,
    /// Best wall seconds per thread setting.
    pub timings: Vec<Timing>,
    /// Series per second on one thread.
    pub series_per_second_1_thread: f64,
    /// Microseconds per series on one thread.
    pub micros_per_series_1_thread: f64,
    /// Peak resident memory of the process after this size, MiB (`VmHWM`; the sizes run
    /// smallest first, so this is the peak of the largest so far).
    pub peak_rss_mib: Option<f64>,
    /// The forecasts' sums, one per series (the comparison script checks the 1,000-series
    /// size against skforecast).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub forecast_sums: Vec<f64>,
    /// One global Ridge across the series (`models::global`, skforecast's
    /// `ForecasterRecursiveMultiSeries` defaults: ordinal encoding, no scaling): fit once,
    /// then 185 days per series; best wall seconds per thread setting.
    pub global_timings: Vec<Timing>,
    /// The global model's forecast sums, one per series (compared at the 1,000-series size).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub global_forecast_sums: Vec<f64>,
}

/// Result of W3.
#[derive(Debug, Clone, Serialize)]
pub struct ManyWorkload {
    /// Name (`W3`).
    pub workload: String,
    /// Days per series.
    pub days: usize,
    /// Lags.
    pub lags: usize,
    /// Ridge alpha.
    pub alpha: f64,
    /// Steps forecast per series.
    pub steps: usize,
    /// One entry per size.
    pub sizes: Vec<ManySize>,
    /// Data of the compared size for the script.
    pub data_csv: String,
}

/// `n` synthetic series of `days` days: level 20–500, a weekly shape of ±30 %, a yearly
/// wave of ±15 %, Gaussian noise of 10 % of the level; ChaCha8 stream `i` for series `i`.
pub fn w3_series(n: usize, days: usize, seed: u64) -> Vec<Vec<f64>> {
    use rand::{RngExt, SeedableRng};
    use rand_distr::{Distribution, Normal};
    (0..n)
        .map(|i| {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(i as u64);
            let level = 20.0 + 480.0 * rng.random::<f64>();
            let phase = std::f64::consts::TAU * rng.random::<f64>();
            let weekly: Vec<f64> = (0..7).map(|_| 0.6 + 0.6 * rng.random::<f64>()).collect();
            let noise = Normal::new(0.0, 0.1 * level).expect("positive sd");
            (0..days)
                .map(|t| {
                    let year =
                        1.0 + 0.15 * (std::f64::consts::TAU * t as f64 / 365.25 + phase).sin();
                    (level * weekly[t % 7] * year + noise.sample(&mut rng))
                        .max(0.0)
                        .round()
                })
                .collect()
        })
        .collect()
}

fn w3_spec() -> models::ModelSpec {
    models::ModelSpec::Recursive {
        regressor: models::Regressor::Ridge { alpha: W3_ALPHA },
        autoregressive: models::Autoregressive {
            lags: (1..=W3_LAGS).collect(),
            windows: vec![],
        },
        transform: models::Transform::None,
        clip_negative: false,
        differentiation: 0,
        local_level: None,
    }
}

/// Peak resident memory of this process, MiB (Linux `VmHWM`).
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// W3: fit + 185-day forecast per series, for every size, single thread and all threads.
pub fn w3(root: &Path, cfg: &AppConfig, repeat: usize) -> anyhow::Result<ManyWorkload> {
    use rayon::prelude::*;
    let spec = w3_spec();
    let steps = W1_STEPS;
    let mut sizes = Vec::new();
    let mut data_csv = String::new();
    for n in W3_SIZES {
        let series = w3_series(n, W3_DAYS, cfg.run.seed);
        if n == W3_COMPARED {
            let mut csv = String::with_capacity(n * W3_DAYS * 12);
            csv.push_str("serie,t,y\n");
            for (i, s) in series.iter().enumerate() {
                for (t, v) in s.iter().enumerate() {
                    csv.push_str(&format!("s{i:05},{t},{v}\n"));
                }
            }
            let path = root
                .join(&cfg.paths.outputs)
                .join("bench")
                .join("w3_data.csv");
            store::writer::write_atomic(&path, csv.as_bytes(), true)?;
            data_csv = store::relative(root, &path);
        }
        let (timings, sums) = timed("W3", repeat, || {
            series
                .par_iter()
                .map(|y| -> anyhow::Result<f64> {
                    let f = spec.fit(y, None)?;
                    Ok(f.predict(steps, None, None)?.iter().sum())
                })
                .collect::<anyhow::Result<Vec<f64>>>()
        })?;
        let global = models::GlobalRidgeSpec {
            lags: (1..=W3_LAGS).collect(),
            alpha: W3_ALPHA,
            encoding: models::SeriesEncoding::Ordinal,
            scaling: models::SeriesScaling::None,
        };
        let (global_timings, global_sums) = timed("W3 global", repeat, || {
            let refs: Vec<&[f64]> = series.iter().map(|s| s.as_slice()).collect();
            let g = global.fit(&refs)?;
            (0..g.series())
                .into_par_iter()
                .map(|i| Ok(g.predict(i, steps)?.iter().sum()))
                .collect::<anyhow::Result<Vec<f64>>>()
        })?;
        let one = timings[0].seconds;
        sizes.push(ManySize {
            series: n,
            series_per_second_1_thread: n as f64 / one,
            micros_per_series_1_thread: one * 1e6 / n as f64,
            timings,
            peak_rss_mib: peak_rss_mib(),
            forecast_sums: if n == W3_COMPARED { sums } else { Vec::new() },
            global_timings,
            global_forecast_sums: if n == W3_COMPARED {
                global_sums
            } else {
                Vec::new()
            },
        });
    }
    Ok(ManyWorkload {
        workload: "W3".into(),
        days: W3_DAYS,
        lags: W3_LAGS,
        alpha: W3_ALPHA,
        steps,
        sizes,
        data_csv,
    })
}

/// Result of the forecast workload F1.
#[derive(Debug, Clone, Serialize)]
pub struct ForecastWorkload {
    /// Name (`F1`).
    pub workload: String,
    /// Training rows (the history minus the last 185 days).
    pub train_rows: usize,
    /// Steps forecast.
    pub steps: usize,
    /// Bootstrap paths.
    pub n_boot: usize,
    /// Seed.
    pub seed: u64,
    /// Best wall seconds for load artifact + forecast with intervals, per thread setting.
    pub timings: Vec<Timing>,
    /// Point forecast, 80 % lower and upper bounds (for the comparison script).
    pub point: Vec<f64>,
    /// 80 % lower bound.
    pub lower_80: Vec<f64>,
    /// 80 % upper bound.
    pub upper_80: Vec<f64>,
}

/// F1: Ridge(1) with lags 1, 7, 14, 21, 28, a 7-day mean, log1p and the demo exog, fitted on
/// all but the last 185 days; then load the artifact and forecast those 185 days with 250
/// bootstrap paths (seeded), as `predict_interval` does in skforecast.
pub fn f1(data: &BenchData, seed: u64, repeat: usize) -> anyhow::Result<ForecastWorkload> {
    let steps = W1_STEPS;
    let n = data.y.len() - steps;
    let spec = models::ModelSpec::Recursive {
        regressor: models::Regressor::Ridge { alpha: 1.0 },
        autoregressive: models::Autoregressive {
            lags: vec![1, 7, 14, 21, 28],
            windows: vec![models::WindowFeature {
                stat: models::Stat::Mean,
                window: 7,
            }],
        },
        transform: models::Transform::Log1p,
        clip_negative: false,
        differentiation: 0,
        local_level: None,
    };
    let fitted = spec.fit(&data.y[..n], Some(&data.exog.slice(0..n)))?;
    let start = chrono::NaiveDate::from_ymd_opt(2000, 1, 1).context("date")?;
    let until = start + chrono::Days::new(n as u64 - 1);
    let json = models::ModelArtifact::new("f1", "y", start, until, "", Default::default(), fitted)
        .to_json()?;
    let future = forecaster::FutureInputs::open_days(
        until + chrono::Days::new(1),
        steps,
        Some(data.exog.slice(n..n + steps)),
    );
    // skforecast's defaults, as the comparison script runs them: in-sample residuals, 10 bins.
    let cfg = forecaster::IntervalConfig {
        residuals: forecaster::ResidualSource::InSample,
        n_bins: 10,
        ..forecaster::IntervalConfig::default()
    }
    .with_levels(&[80.0])?;
    let (timings, fc) = timed("F1", repeat, || -> anyhow::Result<forecaster::Forecast> {
        let f = forecaster::Forecaster::from_json(&json, None)?;
        Ok(f.forecast(&future, &cfg, seed)?)
    })?;
    // The raw (unclipped) bounds are what skforecast reports; ours are clipped at 0 and the
    // point is kept inside, which does not bind on this series.
    Ok(ForecastWorkload {
        workload: "F1".into(),
        train_rows: n,
        steps,
        n_boot: cfg.n_boot,
        seed,
        timings,
        point: fc.daily.iter().map(|d| d.point).collect(),
        lower_80: fc.daily.iter().map(|d| d.bounds[0].lower).collect(),
        upper_80: fc.daily.iter().map(|d| d.bounds[0].upper).collect(),
    })
}

/// What `cargo xtask bench` reports.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    /// Data file for the comparison script.
    pub data_csv: String,
    /// One result per backtest workload.
    pub workloads: Vec<WorkloadResult>,
    /// The forecast workload (F1), when run.
    pub forecast: Option<ForecastWorkload>,
    /// The many-series workload (W3), when run.
    pub many: Option<ManyWorkload>,
    /// The many-series pipeline workload (W4), when run.
    pub pipeline: Option<PipelineWorkload>,
}

/// One size of W4.
#[derive(Debug, Clone, Serialize)]
pub struct PipelineSize {
    /// Series in the table.
    pub series: usize,
    /// Series forecast.
    pub forecast: usize,
    /// Series that borrowed a yearly shape.
    pub borrowed: usize,
    /// Series whose champion is the global model.
    pub global_champions: usize,
    /// Best wall seconds of `run_many_each` (all threads).
    pub seconds: f64,
    /// Milliseconds per series.
    pub millis_per_series: f64,
    /// Peak resident memory of the process after this size, MiB (`VmHWM`; sizes run smallest
    /// first).
    pub peak_rss_mib: Option<f64>,
}

/// Result of W4.
#[derive(Debug, Clone, Serialize)]
pub struct PipelineWorkload {
    /// Name (`W4`).
    pub workload: String,
    /// Days per long series.
    pub days: usize,
    /// Days per new product (every fourth series).
    pub new_days: usize,
    /// The settings changed from the project's, as `--set` would give them.
    pub settings: Vec<String>,
    /// One entry per size.
    pub sizes: Vec<PipelineSize>,
}

/// W4: a many-series run of every size of [`W4_SIZES`] (see the module docs).
pub fn w4(root: &Path, cfg: &AppConfig, repeat: usize) -> anyhow::Result<PipelineWorkload> {
    let end = chrono::NaiveDate::from_ymd_opt(2024, 9, 30).expect("a date");
    let start = end - chrono::Days::new(W4_DAYS as u64 - 1);
    let settings = vec![
        "source.kind=file".to_string(),
        "source.serie=serie".into(),
        "train.search.method=none".into(),
        "train.cv.n_folds=2".into(),
        "train.ensemble.top_k=[]".into(),
    ];
    let mut sizes = Vec::new();
    for n in W4_SIZES {
        let series = w3_series(n, W4_DAYS, cfg.run.seed);
        let mut csv = String::with_capacity(n * W4_DAYS * 24);
        csv.push_str("fecha,serie,unidades_vendidas\n");
        for (i, s) in series.iter().enumerate() {
            let from = if i % 4 == 0 { W4_DAYS - W4_NEW_DAYS } else { 0 };
            for (t, v) in s.iter().enumerate().skip(from) {
                let d = start + chrono::Days::new(t as u64);
                csv.push_str(&format!("{d},s{i:05},{v}\n"));
            }
        }
        let path = root
            .join(&cfg.paths.outputs)
            .join("bench")
            .join(format!("w4_data_{n}.csv"));
        store::writer::write_atomic(&path, csv.as_bytes(), true)?;
        let mut run_cfg = cfg.clone();
        run_cfg.source.kind = connector::SourceKind::File;
        run_cfg.source.path = Some(path.clone());
        run_cfg.source.serie = vec!["serie".into()];
        run_cfg.train.search.method = models::SearchMethod::None;
        run_cfg.train.cv.n_folds = 2;
        run_cfg.train.ensemble.top_k = Vec::new();
        let raw = pipeline::fetch(&run_cfg, root, &|_| None)?.frame;
        let mut best = f64::INFINITY;
        let mut last = None;
        // Each series' run is reduced to (borrowed, champion is the global model) as soon as it
        // has run, as a service that writes each series out would: the memory measured is
        // the run's, not that of every series' outcome kept.
        let global = run_cfg.train.global.nombre.clone();
        for _ in 0..repeat.max(1) {
            let clock = Instant::now();
            let runs = pipeline::many::run_many_each(&raw, &run_cfg, None, |s| {
                s.outcome
                    .ok()
                    .map(|o| (o.lent.is_some(), o.trained.champion.nombre == global))
            })?;
            best = best.min(clock.elapsed().as_secs_f64());
            last = Some(runs);
        }
        let runs = last.expect("at least one run");
        let ok: Vec<(bool, bool)> = runs.series.iter().flatten().copied().collect();
        sizes.push(PipelineSize {
            series: n,
            forecast: ok.len(),
            borrowed: ok.iter().filter(|(lent, _)| *lent).count(),
            global_champions: ok.iter().filter(|(_, g)| *g).count(),
            seconds: best,
            millis_per_series: best * 1e3 / n as f64,
            peak_rss_mib: peak_rss_mib(),
        });
        eprintln!("W4 {n} series: {best:.2} s");
    }
    Ok(PipelineWorkload {
        workload: "W4".into(),
        days: W4_DAYS,
        new_days: W4_NEW_DAYS,
        settings,
        sizes,
    })
}

/// Runs every workload (`only`: a subset by name, e.g. `W1`).
pub fn run_all(
    root: &Path,
    cfg: &AppConfig,
    repeat: usize,
    only: &[String],
) -> anyhow::Result<BenchReport> {
    let data = prepare(root, cfg)?;
    let wanted = |n: &str| only.is_empty() || only.iter().any(|o| o.eq_ignore_ascii_case(n));
    let mut workloads = Vec::new();
    if wanted("W1") {
        workloads.push(w1(&data, repeat)?);
    }
    if wanted("W2") {
        workloads.push(w2(&data, cfg.run.seed, repeat)?);
    }
    let forecast = if wanted("F1") {
        Some(f1(&data, cfg.run.seed, repeat)?)
    } else {
        None
    };
    let many = if wanted("W3") {
        Some(w3(root, cfg, repeat)?)
    } else {
        None
    };
    let pipeline = if wanted("W4") {
        Some(w4(root, cfg, repeat)?)
    } else {
        None
    };
    anyhow::ensure!(
        !workloads.is_empty() || forecast.is_some() || many.is_some() || pipeline.is_some(),
        "no workload named {only:?}; known: W1, W2, W3, W4, F1"
    );
    Ok(BenchReport {
        data_csv: data.data_csv.clone(),
        workloads,
        forecast,
        many,
        pipeline,
    })
}
