//! A sharded many-series run on a Dask distributed cluster (a `LocalCluster` of two worker
//! processes): every shard is this crate's binary run by a worker (`run --shard i/3`), the
//! merge joins the partitions, and every output equals the unsharded run's byte for byte.
//!
//! Needs a Python with `dask[distributed]`: `DISTRIBUTED_TEST_PYTHON=/path/to/venv/bin/python`
//! (`.ci/run` makes the virtual environment). Without it the test is skipped, except under CI,
//! where it fails.

use std::path::{Path, PathBuf};
use std::process::Command;

const SHARDS: u32 = 3;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the workspace")
        .to_path_buf()
}

/// A project with the shipped config and a long CSV of three stores drawn from the demo
/// history (`centro` as generated, `norte` at 60 %, `sur` at 130 % a week later).
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let root = dir.path();
    std::fs::copy(repo().join("config.yaml"), root.join("config.yaml")).expect("config copied");
    let cfg = pipeline::AppConfig::shipped().expect("shipped config");
    let demo = pipeline::fetch(&cfg, root, &|_| None).expect("demo").frame;
    let dates = pipeline::frames::dates(&demo, "demo").expect("dates");
    let y = pipeline::frames::f64s(&demo, "demo", "unidades_vendidas").expect("target");
    let mut csv = String::from("date,tienda,y\n");
    for (tienda, factor, lag) in [("centro", 1.0, 0usize), ("norte", 0.6, 0), ("sur", 1.3, 7)] {
        for (d, v) in dates.iter().skip(lag).zip(&y) {
            if v.is_finite() {
                csv.push_str(&format!("{d},{tienda},{}\n", (v * factor).round()));
            }
        }
    }
    std::fs::write(root.join("long.csv"), csv).expect("long.csv written");
    dir
}

const SETS: [&str; 8] = [
    "--set",
    "source.kind=file",
    "--set",
    "source.path=long.csv",
    "--set",
    "source.serie=tienda",
    "--set",
    "train.search.method=none",
];

fn dask_python() -> Option<PathBuf> {
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
    match std::env::var_os("DISTRIBUTED_TEST_PYTHON") {
        Some(p) => Some(PathBuf::from(p)),
        None if ci => panic!(
            "CI must run the distributed test: set DISTRIBUTED_TEST_PYTHON to a Python with \
             dask[distributed] (.ci/run makes one)"
        ),
        None => {
            eprintln!("skipped: DISTRIBUTED_TEST_PYTHON is not set");
            None
        }
    }
}

fn body(root: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(root.join("outputs/reports/series_latest.json"))
        .expect("series report");
    let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    v["body"].clone()
}

#[test]
fn shards_run_on_a_dask_cluster_merge_into_the_unsharded_run() {
    let Some(python) = dask_python() else {
        return;
    };
    let xtask = env!("CARGO_BIN_EXE_xtask");
    // The unsharded run.
    let whole = project();
    let status = Command::new(xtask)
        .args(["--root", &whole.path().to_string_lossy(), "run", "-q"])
        .args(SETS)
        .status()
        .expect("xtask runs");
    assert!(status.success(), "unsharded run failed");
    // The same project, sharded on the cluster, then merged.
    let sharded = project();
    let out = Command::new(&python)
        .arg(repo().join("tests/distributed/dask_shards.py"))
        .args([
            "--xtask",
            xtask,
            "--root",
            &sharded.path().to_string_lossy(),
        ])
        .args(["--shards", &SHARDS.to_string(), "--workers", "2", "--"])
        .args(SETS)
        .output()
        .expect("the Dask driver runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "Dask run failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value =
        serde_json::from_str(stdout.lines().last().unwrap_or_default()).expect("summary JSON");
    let workers: std::collections::BTreeSet<&str> = summary["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["worker"].as_str().expect("worker"))
        .collect();
    assert_eq!(workers.len(), 2, "both workers ran shards: {summary}");
    // Every shard wrote its partition, each with the series its key hashes to.
    let mut held = 0;
    for i in 0..SHARDS {
        let part = sharded.path().join(format!(
            "partitions/shard={i}-of-{SHARDS}/outputs/reports/series_latest.json"
        ));
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&part).expect("shard report"))
                .expect("JSON");
        for row in v["body"]["rows"].as_array().expect("rows") {
            let key: Vec<String> = vec![row["serie"].as_str().expect("serie").to_string()];
            assert_eq!(pipeline::many::Shard::of(&key, SHARDS), i);
            held += 1;
        }
    }
    assert_eq!(held, 3);
    // The merge equals the unsharded run, byte for byte.
    for f in [
        "outputs/forecast/forecast_daily_latest.csv",
        "outputs/forecast/forecast_monthly_latest.csv",
        "outputs/reports/leaderboard_latest.csv",
        "data/02_cleansed/ventas_diarias_latest.parquet",
        "data/03_features/features_latest.parquet",
        "data/04_processed/train_latest.parquet",
        "data/04_processed/future_latest.parquet",
    ] {
        let a = std::fs::read(whole.path().join(f)).expect("unsharded output");
        let b = std::fs::read(sharded.path().join(f)).expect("merged output");
        assert!(
            a == b,
            "{f} differs between the unsharded and the merged run"
        );
    }
    let (a, b) = (body(whole.path()), body(sharded.path()));
    assert_eq!(a, b, "series report bodies differ");
    assert_eq!(a["forecast"], 3);
    assert!(a["total"]["days"].as_u64() == Some(185), "{a}");
    // `verify` re-derives the merge as one unsharded run: nothing differs.
    let out = Command::new(xtask)
        .args([
            "--root",
            &sharded.path().to_string_lossy(),
            "verify",
            "latest",
            "-q",
        ])
        .output()
        .expect("xtask runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains(" 0 differ"), "{text}");
}

#[test]
fn merge_names_the_missing_shard() {
    let p = project();
    let root = p.path().to_string_lossy().to_string();
    let xtask = env!("CARGO_BIN_EXE_xtask");
    let out = Command::new(xtask)
        .args(["--root", &root, "merge", "--shards", "2", "-q"])
        .args(SETS)
        .output()
        .expect("xtask runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("shard 0 of 2 has no partition (run it with --shard 0/2)"),
        "{err}"
    );
    assert!(!p
        .path()
        .join("outputs/forecast/forecast_daily_latest.csv")
        .exists());
    // --shard without a key is a usage error.
    let out = Command::new(xtask)
        .args(["--root", &root, "run", "--shard", "0/2", "-q"])
        .output()
        .expect("xtask runs");
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(xtask)
        .args(["--root", &root, "run", "--shard", "2/2", "-q"])
        .output()
        .expect("xtask runs");
    assert_eq!(out.status.code(), Some(2));
}
