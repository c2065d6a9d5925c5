//! Many series in one run (`source.serie`): a long CSV of two healthy series and one too short
//! to forecast, run whole through the CLI with a hold-out, and the library's run under one
//! thread and under the default pool.

use std::collections::BTreeMap;
use std::path::Path;

use e2e::project;
use serde_json::Value;

fn xtask(root: &Path, args: &[&str]) -> u8 {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    xtask::cli::main_with(&args, Some(root), &[])
}

/// The demo history as a long CSV: `centro` as generated, `norte` another draw of the demo
/// (seed 7, a lower level), and `kiosco` with 30 days only (too short for the contract).
/// Returns the last date.
fn long_csv(root: &Path) -> chrono::NaiveDate {
    let cfg = pipeline::AppConfig::shipped().unwrap();
    let demo = pipeline::fetch(&cfg, root, &|_| None).unwrap().frame;
    let dates = pipeline::frames::dates(&demo, "demo").unwrap();
    let y = pipeline::frames::f64s(&demo, "demo", "unidades_vendidas").unwrap();
    let mut other = cfg.clone();
    other.run.seed = 7;
    other.source.demo.nivel_base *= 0.6;
    let demo2 = pipeline::fetch(&other, root, &|_| None).unwrap().frame;
    let y2 = pipeline::frames::f64s(&demo2, "demo", "unidades_vendidas").unwrap();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["date", "tienda", "y"]).unwrap();
    for (d, v) in dates.iter().zip(&y).filter(|p| p.1.is_finite()) {
        w.write_record([d.to_string(), "centro".into(), v.to_string()])
            .unwrap();
    }
    for (d, v) in dates.iter().zip(&y2).filter(|p| p.1.is_finite()) {
        w.write_record([d.to_string(), "norte".into(), v.to_string()])
            .unwrap();
    }
    for (d, v) in dates.iter().zip(&y).rev().take(30) {
        w.write_record([d.to_string(), "kiosco".into(), v.to_string()])
            .unwrap();
    }
    std::fs::write(root.join("long.csv"), w.into_inner().unwrap()).unwrap();
    *dates.last().unwrap()
}

/// What a shard must reproduce of each series the run forecast: its global model's
/// leaderboard row, the series that lent it a yearly shape, its daily forecast.
type SeriesView = (Option<models::Entry>, Option<usize>, Vec<u8>);

/// [`SeriesView`] of every series `run_many` forecast with `shard`.
fn by_series(
    raw: &polars::prelude::DataFrame,
    cfg: &pipeline::AppConfig,
    shard: Option<pipeline::many::Shard>,
) -> BTreeMap<String, SeriesView> {
    let many = pipeline::many::run_many(raw, cfg, shard).unwrap();
    many.ok()
        .map(|(s, o)| {
            let g = o
                .trained
                .leaderboard
                .entries
                .iter()
                .find(|e| e.nombre == "global_ridge")
                .cloned();
            let daily = pipeline::tables::daily_csv(&o.forecast).unwrap();
            (
                s.name.clone(),
                (g, o.lent.as_ref().map(|l| l.series), daily),
            )
        })
        .collect()
}

/// The whole run's [`by_series`] equals the union of its `n` shards'.
fn shards_agree(
    raw: &polars::prelude::DataFrame,
    cfg: &pipeline::AppConfig,
    n: u32,
) -> BTreeMap<String, SeriesView> {
    let whole = by_series(raw, cfg, None);
    let mut sharded = BTreeMap::new();
    for i in 0..n {
        let shard = pipeline::many::Shard::parse(&format!("{i}/{n}")).unwrap();
        sharded.extend(by_series(raw, cfg, Some(shard)));
    }
    assert_eq!(whole, sharded);
    whole
}

/// `cfg` reading the long file `path` keyed by `serie`, without the configuration search.
fn long_file(cfg: &pipeline::AppConfig, path: &str, serie: Vec<String>) -> pipeline::AppConfig {
    let mut cfg = cfg.clone();
    cfg.source.kind = connector::SourceKind::File;
    cfg.source.path = Some(path.into());
    cfg.source.serie = serie;
    cfg.train.search.method = models::SearchMethod::None;
    cfg
}

/// The `series` report of the last many-series run in `root`.
fn series_report(root: &Path) -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(root.join("outputs/reports/series_latest.json")).unwrap(),
    )
    .unwrap()
}

/// The shipped settings and the demo's history (dates, units).
fn demo_history(root: &Path) -> (pipeline::AppConfig, Vec<chrono::NaiveDate>, Vec<f64>) {
    let cfg = pipeline::AppConfig::shipped().unwrap();
    let demo = pipeline::fetch(&cfg, root, &|_| None).unwrap().frame;
    let dates = pipeline::frames::dates(&demo, "demo").unwrap();
    let y = pipeline::frames::f64s(&demo, "demo", "unidades_vendidas").unwrap();
    (cfg, dates, y)
}

/// The CLI settings of a run of `long.csv` ([`long_csv`]) keyed by `tienda`, without the
/// configuration search, and `cutoff_set` (`run.cutoff=…`).
fn long_sets(cutoff_set: &str) -> [&str; 10] {
    [
        "--set",
        "source.kind=file",
        "--set",
        "source.path=long.csv",
        "--set",
        "source.serie=tienda",
        "--set",
        "train.search.method=none",
        "--set",
        cutoff_set,
    ]
}

fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| {
            header
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

#[test]
fn a_long_file_gives_a_forecast_per_series_and_their_total_scored_on_the_hold_out() {
    let p = project();
    let root = p.path();
    let last = long_csv(root);
    let cutoff = (last - chrono::Days::new(185)).to_string();
    let cutoff_set = format!("run.cutoff={cutoff}");
    let sets = long_sets(&cutoff_set);
    let mut args = vec!["run"];
    args.extend(sets);
    // One series by one phase is refused up front: nothing is written.
    let mut phase = vec!["phase", "05"];
    phase.extend(&args[1..]);
    assert_eq!(xtask(root, &phase), 2);
    assert!(!root
        .join("outputs/reports/run_manifest_latest.json")
        .exists());

    assert_eq!(xtask(root, &args), 0);
    let series = series_report(root);
    let body = &series["body"];
    assert_eq!(body["key_columns"], serde_json::json!(["tienda"]));
    assert_eq!(body["series"], 3);
    assert_eq!(body["forecast"], 2);
    let rows = body["rows"].as_array().unwrap();
    let names: Vec<&str> = rows.iter().map(|r| r["serie"].as_str().unwrap()).collect();
    assert_eq!(names, ["centro", "kiosco", "norte"], "key order");
    // The short series says why; the others are scored on the held-out days.
    let kiosco = &rows[1];
    // The row names the failure, not only a count (the report of one series' validation is
    // not written in a many-series run).
    let why = kiosco["error"].as_str().unwrap();
    assert!(
        why.contains("contract")
            && why.contains("MinCleanHistory")
            && why.contains("60 clean days"),
        "{kiosco}"
    );
    for r in [&rows[0], &rows[2]] {
        assert!(r["error"].is_null());
        let h = &r["holdout"];
        assert!(h["days"].as_u64().unwrap() >= 180, "{h}");
        assert!(h["mase"].as_f64().unwrap() < 1.5, "{h}");
    }
    let summary = &body["summary"];
    assert_eq!(summary["failed"], 1, "{summary}");
    let won: u64 = summary["champions"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(won, 2, "{summary}");
    assert_eq!(summary["holdout_series"], 2, "{summary}");
    // The global model competes in each series' backtest, on the same folds.
    let board = read_csv(&root.join("outputs/reports/leaderboard_latest.csv"));
    for serie in ["centro", "norte"] {
        let rows: Vec<_> = board.iter().filter(|r| r["tienda"] == serie).collect();
        let g = rows
            .iter()
            .find(|r| r["nombre"] == "global_ridge")
            .unwrap_or_else(|| panic!("{serie}: no global_ridge row"));
        assert!(g["error"].is_empty(), "{g:?}");
        assert!(g["mase"].parse::<f64>().unwrap().is_finite(), "{g:?}");
        assert_eq!(g["folds"], rows[0]["folds"], "{g:?}");
        assert!(g["modelo"].starts_with("global"), "{g:?}");
    }
    let total = &body["total"];
    assert_eq!(total["series"], 2);
    assert_eq!(total["days"], 185);
    assert!(total["holdout"]["mase"].as_f64().unwrap() < 1.5, "{total}");

    // Long daily forecast: the key first; the total is the sum of the series, day by day,
    // and its bands come from summed paths (ordered, around the point's scale).
    let daily = read_csv(&root.join("outputs/forecast/forecast_daily_latest.csv"));
    let header = csv::Reader::from_path(root.join("outputs/forecast/forecast_daily_latest.csv"))
        .unwrap()
        .headers()
        .unwrap()
        .clone();
    assert_eq!(&header[0], "tienda");
    assert_eq!(&header[1], "fecha");
    let mut by: BTreeMap<(String, String), f64> = BTreeMap::new();
    for r in &daily {
        by.insert(
            (r["tienda"].clone(), r["fecha"].clone()),
            r["unidades_pronosticadas"].parse().unwrap(),
        );
        let lo: f64 = r["limite_inferior_95"].parse().unwrap();
        let hi: f64 = r["limite_superior_95"].parse().unwrap();
        assert!(lo <= hi, "{r:?}");
    }
    assert_eq!(daily.len(), 3 * 185);
    for ((k, d), v) in &by {
        if k == "_total" {
            let sum = by[&("centro".into(), d.clone())] + by[&("norte".into(), d.clone())];
            assert!((v - sum).abs() < 1e-6 * sum.max(1.0), "{d}: {v} vs {sum}");
        }
    }
    let monthly = read_csv(&root.join("outputs/forecast/forecast_monthly_latest.csv"));
    let totals: Vec<_> = monthly.iter().filter(|r| r["tienda"] == "_total").collect();
    assert!(totals.len() >= 6);
    // The total's monthly 95 % band is not the sum of the series' bands: for series that do
    // not move in lockstep, summed paths are narrower than summed bounds.
    for t in &totals {
        let width = |r: &BTreeMap<String, String>| {
            r["limite_superior_95"].parse::<f64>().unwrap()
                - r["limite_inferior_95"].parse::<f64>().unwrap()
        };
        let parts: f64 = monthly
            .iter()
            .filter(|r| r["mes"] == t["mes"] && r["tienda"] != "_total")
            .map(width)
            .sum();
        assert!(
            width(t) > 0.0 && width(t) < parts,
            "{t:?}: {} vs {parts}",
            width(t)
        );
    }
    // The cleansed layer is long too.
    let cleansed =
        connector::read_parquet(&root.join("data/02_cleansed/ventas_diarias_latest.parquet"))
            .unwrap();
    assert_eq!(cleansed.get_column_names()[0].as_str(), "tienda");
    // So are the features and processed layers: each series' rows, its key first.
    for (layer, days) in [
        ("data/03_features/features_latest.parquet", None),
        ("data/04_processed/train_latest.parquet", None),
        ("data/04_processed/future_latest.parquet", Some(2 * 185)),
    ] {
        let f = connector::read_parquet(&root.join(layer)).unwrap();
        assert_eq!(f.get_column_names()[0].as_str(), "tienda", "{layer}");
        let keys: std::collections::BTreeSet<String> = f
            .column("tienda")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .flatten()
            .map(String::from)
            .collect();
        assert_eq!(
            keys.into_iter().collect::<Vec<_>>(),
            ["centro", "norte"],
            "{layer}"
        );
        if let Some(d) = days {
            assert_eq!(f.height(), d, "{layer}");
        }
    }
    // verify re-derives the many-series run byte for byte.
    assert_eq!(xtask(root, &["verify", "latest"]), 0);
    // A single-series run in the same project afterwards: its monitor skips the many-series
    // forecast kept in the history (another shape, other series) and says so.
    let mut single = args[..args.len() - 2].to_vec();
    single[6] = "source.filters={tienda: centro}";
    assert_eq!(xtask(root, &single), 0);
    let monitor: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("outputs/reports/monitor_latest.json")).unwrap(),
    )
    .unwrap();
    let notas = monitor["body"]["notas"].to_string();
    assert!(notas.contains("corridas de muchas series"), "{notas}");
}

/// The shipped settings on the long CSV (no search) and its rows, for runs of the library.
fn library_run(root: &Path) -> (pipeline::AppConfig, polars::prelude::DataFrame) {
    long_csv(root);
    let mut cfg = pipeline::AppConfig::shipped().unwrap();
    cfg.source.kind = connector::SourceKind::File;
    cfg.source.path = Some("long.csv".into());
    cfg.source.serie = vec!["tienda".into()];
    cfg.train.search.method = models::SearchMethod::None;
    let raw = pipeline::fetch(&cfg, root, &|_| None).unwrap().frame;
    (cfg, raw)
}

/// Runs `test` of this binary alone in a child process with `env`; the child writes what it
/// found to the file `E2E_CHILD_OUT` names. Whether it exited well, and what it wrote.
fn in_child(test: &str, env: &[(&str, &str)]) -> (bool, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--test-threads=1", "--nocapture"])
        .env("E2E_CHILD_OUT", &out)
        .envs(env.iter().copied())
        .status()
        .unwrap();
    (status.success(), std::fs::read(&out).unwrap_or_default())
}

/// A many-series run works on polars' thread pool, sized by `POLARS_MAX_THREADS`: the same
/// forecasts with one thread as with three.
#[test]
fn series_results_do_not_depend_on_the_thread_count() {
    if let Some(out) = std::env::var_os("E2E_CHILD_OUT") {
        let p = project();
        let (cfg, raw) = library_run(p.path());
        let many = pipeline::many::run_many(&raw, &cfg, None).unwrap();
        let mut bytes: Vec<u8> = many
            .ok()
            .flat_map(|(_, o)| pipeline::tables::daily_csv(&o.forecast).unwrap())
            .collect();
        bytes.extend(pipeline::tables::daily_csv(&many.total.unwrap().forecast).unwrap());
        std::fs::write(out, bytes).unwrap();
        return;
    }
    let test = "series_results_do_not_depend_on_the_thread_count";
    let one = in_child(test, &[("POLARS_MAX_THREADS", "1")]);
    let three = in_child(test, &[("POLARS_MAX_THREADS", "3")]);
    assert!(one.0 && three.0, "a child run failed");
    assert!(!one.1.is_empty());
    assert!(
        one.1 == three.1,
        "the forecasts differ with the thread count"
    );
}

/// A service calling the library from its own thread pool, whose workers have small stacks,
/// with many series: phases 01–04 call polars, and a worker of another pool waiting for one
/// of polars' parallel steps took up another series on top of its stack, so the stack grew
/// with the number of series (300 series overflowed rayon's 2 MiB in a release build). The
/// series now run on polars' pool, and the caller's stack holds only the call; every thread
/// of the child has 1 MiB.
#[test]
fn many_series_do_not_pile_up_on_the_caller_s_stack() {
    if std::env::var_os("E2E_CHILD_OUT").is_none() {
        // Every thread of the child, polars' workers included, gets 1 MiB.
        let (ok, out) = in_child(
            "many_series_do_not_pile_up_on_the_caller_s_stack",
            &[("RUST_MIN_STACK", "1048576")],
        );
        assert!(
            ok,
            "the run overflowed or failed (see the child's output above)"
        );
        assert_eq!(out, b"ok", "the child did not run the test");
        return;
    }
    let p = project();
    let start = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let n = 300;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["date", "serie", "y"]).unwrap();
    for s in 0..n {
        for k in 0..200u64 {
            let y = 50.0 + s as f64 + 10.0 * ((k % 7) as f64) + ((k * 13 + s) % 5) as f64;
            let d = start + chrono::Days::new(k);
            w.write_record([d.to_string(), format!("s{s:03}"), y.to_string()])
                .unwrap();
        }
    }
    std::fs::write(p.path().join("many.csv"), w.into_inner().unwrap()).unwrap();
    let mut cfg = pipeline::AppConfig::shipped().unwrap();
    cfg = long_file(&cfg, "many.csv", vec!["serie".into()]);
    cfg.train.global.enabled = false;
    cfg.train.ensemble.top_k = vec![];
    cfg.train.cv.n_folds = 2;
    cfg.train
        .candidates
        .retain(|c| ["naive", "perfil_semanal"].contains(&c.nombre.as_str()));
    let raw = pipeline::fetch(&cfg, p.path(), &|_| None).unwrap().frame;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .stack_size(1024 * 1024)
        .build()
        .unwrap();
    let many = pool
        .install(|| pipeline::many::run_many(&raw, &cfg, None))
        .unwrap();
    assert_eq!(many.ok().count(), n as usize);
    std::fs::write(std::env::var_os("E2E_CHILD_OUT").unwrap(), b"ok").unwrap();
}

/// `run_many_each` hands every series' run to the caller, in key order, as `run_many` keeps
/// it; a series prepared for the steps across series and prepared again for its own phases
/// 05–06 forecasts as one prepared once (the lent shape on, nobody short enough to borrow,
/// against a run without any step across series).
#[test]
fn each_series_is_handed_over_in_key_order_as_run_many_keeps_it() {
    let p = project();
    let (cfg, raw) = library_run(p.path());
    type Seen = (String, Result<String, String>);
    let seen = |s: pipeline::many::SeriesRun| -> Seen {
        let out = s
            .outcome
            .map(|o| String::from_utf8(pipeline::tables::daily_csv(&o.forecast).unwrap()).unwrap())
            .map_err(|e| e.to_string());
        (s.name, out)
    };
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let runs = pipeline::many::run_many_each(&raw, &cfg, None, |s| {
        calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        seen(s)
    })
    .unwrap();
    assert_eq!(calls.into_inner(), 3);
    assert_eq!(
        (runs.in_source, runs.key_columns.clone()),
        (3, vec!["tienda".to_string()])
    );
    let names: Vec<&str> = runs.series.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["centro", "kiosco", "norte"]);
    let many = pipeline::many::run_many(&raw, &cfg, None).unwrap();
    let kept: Vec<Seen> = many.series.into_iter().map(seen).collect();
    assert_eq!(runs.series, kept);
    assert!(runs.series[1].1.is_err() && runs.series[0].1.is_ok());
    // Without the global model, with and without the lend.
    let mut local = cfg.clone();
    local.train.global.enabled = false;
    let lend = pipeline::many::run_many_each(&raw, &local, None, seen).unwrap();
    local.features.forma_anual_prestada = None;
    let once = pipeline::many::run_many_each(&raw, &local, None, seen).unwrap();
    assert_eq!(lend.series, once.series);
}

/// Each shard fits the global model on every series of the source: a series' leaderboard and
/// forecast are the unsharded run's, whichever shard runs it.
#[test]
fn a_shard_competes_with_the_same_global_model() {
    let p = project();
    let (cfg, raw) = library_run(p.path());
    assert!(
        cfg.train.global.enabled,
        "the shipped config runs the global model"
    );
    let whole = shards_agree(&raw, &cfg, 2);
    assert_eq!(whole.len(), 2);
    for (g, ..) in whole.values() {
        let g = g.as_ref().expect("a global row");
        assert!(g.error.is_none(), "{g:?}");
    }
}

/// A new store with 200 days of history beside an old one, and an export that already lists
/// the next 20 days of both without sales: every series' history ends on the same last day
/// with sales, and the total covers the whole horizon.
#[test]
fn series_share_the_end_of_history() {
    let p = project();
    let root = p.path();
    let (cfg0, dates, y) = demo_history(root);
    let last = *dates.last().unwrap();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["date", "tienda", "y"]).unwrap();
    for (i, (d, v)) in dates.iter().zip(&y).enumerate() {
        if v.is_finite() {
            w.write_record([d.to_string(), "centro".into(), v.to_string()])
                .unwrap();
            if i + 200 >= dates.len() {
                w.write_record([d.to_string(), "nuevo".into(), (0.5 * v).to_string()])
                    .unwrap();
            }
            if i + 90 >= dates.len() {
                w.write_record([d.to_string(), "kiosco".into(), (0.2 * v).to_string()])
                    .unwrap();
            }
        }
    }
    for k in 1..=20u64 {
        let d = last + chrono::Days::new(k);
        for tienda in ["centro", "nuevo"] {
            w.write_record([d.to_string(), tienda.into(), String::new()])
                .unwrap();
        }
    }
    std::fs::write(root.join("long2.csv"), w.into_inner().unwrap()).unwrap();
    let cfg = long_file(&cfg0, "long2.csv", vec!["tienda".into()]);
    let raw = pipeline::fetch(&cfg, root, &|_| None).unwrap().frame;
    let many = pipeline::many::run_many(&raw, &cfg, None).unwrap();
    assert_eq!(many.ok().count(), 3);
    for (s, o) in many.ok() {
        assert_eq!(
            o.forecast.daily.first().map(|d| d.fecha),
            Some(last + chrono::Days::new(1)),
            "{}",
            s.name
        );
        // Three months of history: one backtest fold of a few weeks, and the weekday
        // median serves (train.respaldo); the longer histories keep their ranking.
        assert_eq!(
            o.trained.fallback.is_some(),
            s.name == "kiosco",
            "{}",
            s.name
        );
        if s.name == "kiosco" {
            assert_eq!(o.trained.champion.nombre, "perfil_semanal");
        }
    }
    assert_eq!(many.total.unwrap().forecast.daily.len(), 185);
}

/// A kiosk opened three months before the cutoff, beside a store with years of history: under
/// a year of history, it borrows the store's yearly shape (`features.forma_anual_prestada`), so
/// its forecast of buñuelos rises into December and the novenas as the store's does, where its
/// own three autumn months know nothing of them. Scored on the hold-out, with and without the
/// lend. The store's coffee, flat all year, is of another family (`familia: [producto]`).
#[test]
fn a_short_series_borrows_the_yearly_shape_of_its_siblings() {
    use chrono::Datelike;
    let p = project();
    let root = p.path();
    let (cfg0, dates, y) = demo_history(root);
    let cutoff = chrono::NaiveDate::from_ymd_opt(2024, 9, 30).unwrap();
    let opened = cutoff - chrono::Days::new(89);
    let end = cutoff + chrono::Days::new(185);
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["date", "tienda", "producto", "y"]).unwrap();
    for (d, v) in dates
        .iter()
        .zip(&y)
        .filter(|(d, v)| v.is_finite() && **d <= end)
    {
        let coffee = 400 + 50 * (d.ordinal() % 7);
        for (tienda, producto, y) in [
            ("centro", "buñuelos", v.to_string()),
            ("centro", "cafe", coffee.to_string()),
        ] {
            w.write_record([d.to_string(), tienda.into(), producto.into(), y])
                .unwrap();
        }
        if *d >= opened {
            w.write_record([
                d.to_string(),
                "kiosco".into(),
                "buñuelos".into(),
                (0.2 * v).round().to_string(),
            ])
            .unwrap();
        }
    }
    std::fs::write(root.join("long3.csv"), w.into_inner().unwrap()).unwrap();
    let mut cfg = long_file(&cfg0, "long3.csv", vec!["tienda".into(), "producto".into()]);
    cfg.run.cutoff = Some(cutoff);
    cfg.features.forma_anual_prestada.as_mut().unwrap().familia = vec!["producto".into()];
    let raw = pipeline::fetch(&cfg, root, &|_| None).unwrap().frame;
    let kiosk = |cfg: &pipeline::AppConfig| {
        let many = pipeline::many::run_many(&raw, cfg, None).unwrap();
        let (_, o) = many
            .ok()
            .find(|(s, _)| s.name == "kiosco/buñuelos")
            .expect("the kiosk runs");
        let centro = many
            .ok()
            .find(|(s, _)| s.name == "centro/buñuelos")
            .unwrap()
            .1;
        assert!(centro.lent.is_none(), "a long history borrows nothing");
        (
            o.lent.clone(),
            o.forecast.clone(),
            o.holdout.clone().unwrap(),
            (o.data.fechas.clone(), o.data.model_y.clone()),
        )
    };
    let december = |f: &forecaster::Forecast| {
        f.monthly
            .iter()
            .find(|m| m.mes.ends_with("-12"))
            .map(|m| m.point)
            .unwrap()
    };
    let actual_december: f64 = dates
        .iter()
        .zip(&y)
        .filter(|(d, v)| v.is_finite() && d.to_string().starts_with("2024-12"))
        .map(|(_, v)| (0.2 * v).round())
        .sum();
    let (lent, with, scored, trained) = kiosk(&cfg);
    let lent = lent.expect("the kiosk borrows the store's shape");
    assert_eq!(lent.series, 1);
    assert_eq!(lent.index.len(), 90 + 185);
    // The December peak is the index's: divided by it, the kiosk's forecast of December is
    // its level of November, and with it, well above.
    let month_mean = |f: &dyn Fn(&forecaster::DailyForecast) -> f64, m: &str| {
        let v: Vec<f64> = with
            .daily
            .iter()
            .filter(|d| d.open && d.fecha.to_string().starts_with(m))
            .map(f)
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    let point = |d: &forecaster::DailyForecast| d.point;
    let adjusted = |d: &forecaster::DailyForecast| d.point / lent.index[&d.fecha];
    assert!(month_mean(&point, "2024-12") > 1.3 * month_mean(&point, "2024-11"));
    let ratio = month_mean(&adjusted, "2024-12") / month_mean(&adjusted, "2024-11");
    assert!((0.8..1.25).contains(&ratio), "{ratio}");
    // Without the global model, the shard holding the kiosk prepares the other series too,
    // once the kiosk's own phases say it borrows: the same forecast as the whole run.
    let mut alone_shard = cfg.clone();
    alone_shard.train.global.enabled = false;
    let key = ["kiosco".to_string(), "buñuelos".to_string()];
    let shard =
        pipeline::many::Shard::parse(&format!("{}/2", pipeline::many::Shard::of(&key, 2))).unwrap();
    let daily_of = |s: Option<pipeline::many::Shard>| {
        let many = pipeline::many::run_many(&raw, &alone_shard, s).unwrap();
        let (_, o) = many
            .ok()
            .find(|(s, _)| s.name == "kiosco/buñuelos")
            .unwrap();
        assert_eq!(o.lent.as_ref().map(|l| l.series), Some(1));
        pipeline::tables::daily_csv(&o.forecast).unwrap()
    };
    assert_eq!(daily_of(Some(shard)), daily_of(None));
    // Any other series of the run, coffee included, lends without the family.
    let mut anyone = cfg.clone();
    anyone
        .features
        .forma_anual_prestada
        .as_mut()
        .unwrap()
        .familia = Vec::new();
    assert_eq!(kiosk(&anyone).0.map(|l| l.series), Some(2));
    let mut off = cfg.clone();
    off.features.forma_anual_prestada = None;
    let (none, without, alone, own) = kiosk(&off);
    assert!(none.is_none());
    // Phase 05 trained on the kiosk's own history divided by the index.
    assert_eq!(trained.0, own.0);
    for ((d, y), raw) in trained.0.iter().zip(&trained.1).zip(&own.1) {
        assert!(
            (y * lent.index[d] - raw).abs() <= 1e-9 * raw.abs().max(1.0),
            "{d}: {y} x {} against {raw}",
            lent.index[d]
        );
    }
    let (dw, dn) = (december(&with), december(&without));
    assert!(
        (dw - actual_december).abs() < 0.5 * (dn - actual_december).abs(),
        "December: {dw:.0} borrowed, {dn:.0} alone, {actual_december:.0} sold"
    );
    assert!(
        scored.overall.mase7 < alone.overall.mase7,
        "hold-out MASE {} borrowed vs {} alone",
        scored.overall.mase7,
        alone.overall.mase7
    );
    // Through the CLI: the report names the series that lent, and the published processed
    // layers carry the index on the kiosk's rows only.
    let cutoff_set = format!("run.cutoff={cutoff}");
    let args = [
        "run",
        "--set",
        "source.kind=file",
        "--set",
        "source.path=long3.csv",
        "--set",
        "source.serie=[tienda, producto]",
        "--set",
        "features.forma_anual_prestada.familia=[producto]",
        "--set",
        "train.search.method=none",
        "--set",
        &cutoff_set,
    ];
    assert_eq!(xtask(root, &args), 0);
    let series = series_report(root);
    let rows = series["body"]["rows"].as_array().unwrap();
    let lent_by: Vec<&Value> = rows.iter().map(|r| &r["forma_anual_prestada"]).collect();
    assert_eq!(
        lent_by,
        [&Value::Null, &Value::Null, &serde_json::json!(1)],
        "{rows:?}"
    );
    for layer in ["train", "future"] {
        let f = connector::read_parquet(
            &root.join(format!("data/04_processed/{layer}_latest.parquet")),
        )
        .unwrap();
        let index = f
            .column(pipeline::stages::LENT_INDEX)
            .unwrap()
            .f64()
            .unwrap()
            .clone();
        let tienda = f.column("tienda").unwrap().str().unwrap().clone();
        for (t, i) in tienda.iter().zip(index.iter()) {
            assert_eq!(t == Some("kiosco"), i.is_some_and(|v| v > 0.0), "{layer}");
        }
    }
}

/// Three kiosks opened three months before the cutoff and a store with years of history:
/// the kiosks, most of the series, share the global model, fitted on their adjusted values
/// (each divided by the shape the store lends). A shard adjusts every series it prepares, not
/// only its own, so each kiosk's forecast is the same in its shard as in the whole run.
#[test]
fn shards_share_a_global_model_fitted_on_lent_shapes() {
    let p = project();
    let root = p.path();
    let (cfg0, dates, y) = demo_history(root);
    let cutoff = chrono::NaiveDate::from_ymd_opt(2024, 9, 30).unwrap();
    let opened = cutoff - chrono::Days::new(89);
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["date", "tienda", "y"]).unwrap();
    for (d, v) in dates
        .iter()
        .zip(&y)
        .filter(|(d, v)| v.is_finite() && **d <= cutoff)
    {
        w.write_record([d.to_string(), "centro".into(), v.to_string()])
            .unwrap();
        if *d >= opened {
            for (k, share) in [("k1", 0.2), ("k2", 0.3), ("k3", 0.25)] {
                w.write_record([d.to_string(), k.into(), (share * v).round().to_string()])
                    .unwrap();
            }
        }
    }
    std::fs::write(root.join("kioscos.csv"), w.into_inner().unwrap()).unwrap();
    let mut cfg = long_file(&cfg0, "kioscos.csv", vec!["tienda".into()]);
    cfg.train.ensemble.top_k = Vec::new();
    let raw = pipeline::fetch(&cfg, root, &|_| None).unwrap().frame;
    // Three shards put the kiosks apart (k1 and k3 in one, k2 in another, the store in the
    // third): each shard fits the global model on kiosks it does not hold too, and its
    // backtest scores are the same.
    let whole = shards_agree(&raw, &cfg, 3);
    for k in ["k1", "k2", "k3"] {
        assert_eq!(whole[k].1, Some(1), "{k} borrows the store's shape");
        let global = whole[k].0.as_ref().map(|g| g.error.is_none());
        assert_eq!(global, Some(true), "{k} competes with the global model");
    }
    assert_eq!(whole["centro"].1, None);
}

/// Shards of one run must end their histories on the same day (a history ending today reads
/// the clock, so shards run either side of midnight could not): the merge checks it.
#[test]
fn the_merge_refuses_shards_that_ended_the_history_on_different_days() {
    let p = project();
    let root = p.path();
    let last = long_csv(root);
    let cutoff_set = format!("run.cutoff={}", last - chrono::Days::new(185));
    let sets = long_sets(&cutoff_set);
    for i in 0..2 {
        let shard = format!("{i}/2");
        let mut args = vec!["run", "--shard", shard.as_str()];
        args.extend(sets);
        assert_eq!(xtask(root, &args), 0);
    }
    let partition = root.join("partitions/shard=1-of-2/outputs/forecast/partition_latest.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&partition).unwrap()).unwrap();
    let end = (last - chrono::Days::new(185)).to_string();
    assert_eq!(v["history_end"], Value::String(end));
    let mut merge = vec!["merge", "--shards", "2"];
    merge.extend(sets);
    // As written (and rewritten as they are), the shards merge; one that ended a day later
    // does not.
    assert_eq!(xtask(root, &merge), 0);
    std::fs::write(&partition, serde_json::to_vec(&v).unwrap()).unwrap();
    assert_eq!(xtask(root, &merge), 0);
    v["history_end"] = Value::String((last - chrono::Days::new(184)).to_string());
    std::fs::write(&partition, serde_json::to_vec(&v).unwrap()).unwrap();
    assert_ne!(xtask(root, &merge), 0);
    // A partition whose sums for the total do not match its series, or without them (another
    // version's), is refused rather than summed short.
    v["history_end"] = Value::String((last - chrono::Days::new(185)).to_string());
    let series = v["total"]["series"].as_u64().unwrap();
    assert!(series >= 1, "{}", v["total"]);
    v["total"]["series"] = Value::from(series + 1);
    std::fs::write(&partition, serde_json::to_vec(&v).unwrap()).unwrap();
    assert_ne!(xtask(root, &merge), 0);
    v.as_object_mut().unwrap().remove("total");
    std::fs::write(&partition, serde_json::to_vec(&v).unwrap()).unwrap();
    assert_ne!(xtask(root, &merge), 0);
}
