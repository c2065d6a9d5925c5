//! Reliability, found by trying it: a failed phase publishes nothing (every `_latest` file of
//! the failed phase and of the phases after it keeps its bytes, and the manifest's `latest`
//! map says which run each `_latest` file came from), and a killed run's leftovers are removed
//! by the next run.
//!
//! Failures are injected with the hidden test flag `--fail-phase NN` (debug builds only): the
//! phase computes and stages all its outputs, then fails as if its last step had.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use e2e::project;
use serde_json::Value;

fn xtask(root: &Path, args: &[&str]) -> u8 {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    xtask::cli::main_with(&args, Some(root), &[])
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Every file under `dir`, recursively, relative to `root`.
fn tree(root: &Path, dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(store::relative(root, &p));
            }
        }
    }
    out.sort();
    out
}

/// The `_latest` files of the project (the manifest aside) with their bytes.
fn latest_files(root: &Path) -> BTreeMap<String, Vec<u8>> {
    tree(root, root)
        .into_iter()
        .filter(|p| p.contains("_latest.") && !p.contains("run_manifest"))
        .filter(|p| !p.starts_with("config"))
        .map(|p| {
            let bytes = std::fs::read(root.join(&p)).unwrap();
            (p, bytes)
        })
        .collect()
}

#[test]
fn a_failed_phase_05_replaces_no_latest_file_and_the_manifest_says_whose_they_are() {
    let p = project();
    let root = p.path();
    assert_eq!(xtask(root, &["run"]), 0);
    let reports = root.join("outputs/reports");
    let m1 = json(&reports.join("run_manifest_latest.json"));
    let run1 = m1["run_id"].as_str().unwrap().to_string();
    let before = latest_files(root);
    // The first manifest's `latest` map covers every `_latest` file, all from run 1.
    let map1 = m1["latest"].as_object().unwrap();
    assert_eq!(
        map1.keys().cloned().collect::<Vec<_>>(),
        before.keys().cloned().collect::<Vec<_>>()
    );
    assert!(map1.values().all(|v| v["run_id"] == run1.as_str()));

    // Phase 05 computes and stages its outputs, then fails: nothing of it is published.
    assert_eq!(xtask(root, &["run", "--fail-phase", "05"]), 1);
    let m2 = json(&reports.join("run_manifest_latest.json"));
    let run2 = m2["run_id"].as_str().unwrap().to_string();
    assert_ne!(run1, run2);
    assert_eq!(m2["status"], "failed");
    let phases: Vec<(&str, &str)> = m2["phases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["phase"].as_str().unwrap(), p["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        phases,
        [
            ("00", "ok"),
            ("01", "ok"),
            ("02", "ok"),
            ("03", "ok"),
            ("04", "ok"),
            ("05", "failed")
        ]
    );
    let train = &m2["phases"][5];
    assert!(train["error"]
        .as_str()
        .unwrap()
        .contains("injected failure"));
    let discarded: Vec<&str> = train["discarded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    for f in [
        "outputs/reports/train_latest.json",
        "outputs/reports/leaderboard_latest.csv",
        "outputs/models/champion_latest.json",
    ] {
        assert!(discarded.contains(&f), "{f} in {discarded:?}");
    }

    let after = latest_files(root);
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>(),
        "no `_latest` file appeared or vanished"
    );
    let map2 = m2["latest"].as_object().unwrap();
    assert_eq!(
        map2.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &after {
        let source = &map2[path];
        assert_eq!(
            source["sha256"].as_str().unwrap(),
            store::sha256_hex(bytes),
            "{path}: the manifest records the bytes on disk"
        );
        let unchanged = before[path] == *bytes;
        if source["run_id"] == run1.as_str() {
            assert!(unchanged, "{path} is run 1's and byte-identical");
        } else {
            assert_eq!(source["run_id"], run2.as_str(), "{path}");
        }
    }
    // Phases 00–04 published run 2's files; phase 05 and every later phase kept run 1's.
    let from = |path: &str| map2[path]["run_id"].as_str().unwrap().to_string();
    for path in [
        "outputs/reports/explore_latest.json",
        "outputs/reports/validation_latest.json",
        "data/02_cleansed/ventas_diarias_latest.parquet",
        "outputs/reports/eda_latest.json",
        "data/04_processed/train_latest.parquet",
    ] {
        assert_eq!(from(path), run2, "{path}");
    }
    let kept: Vec<&String> = map2
        .iter()
        .filter(|(_, v)| v["run_id"] == run1.as_str())
        .map(|(k, _)| k)
        .collect();
    for path in [
        "outputs/reports/train_latest.json",
        "outputs/reports/leaderboard_latest.csv",
        "outputs/models/champion_latest.json",
        "outputs/forecast/forecast_daily_latest.csv",
        "outputs/forecast/forecast_monthly_latest.csv",
        "outputs/reports/forecast_latest.json",
        "outputs/simulations/resumen_latest.json",
        "outputs/reports/simulation_latest.json",
        "outputs/reports/monitor_latest.json",
        ".executive/executive_summary_latest.md",
    ] {
        assert!(kept.iter().any(|k| *k == path), "{path} kept run 1's");
        assert_eq!(after[path], before[path], "{path} byte-identical");
    }
    // Nothing of the failed phase reached history, and no temporary file is left.
    for f in tree(root, root) {
        assert!(
            !f.rsplit('/').next().unwrap().starts_with(".tmp-"),
            "left behind: {f}"
        );
        if f.contains("/history/") && f.contains(&run2) {
            assert!(
                !f.starts_with("outputs/models/")
                    && !f.starts_with("outputs/reports/history/train_")
                    && !f.starts_with("outputs/reports/history/leaderboard_"),
                "phase 05 history copy published: {f}"
            );
        }
    }
    // The recorded outputs are only what was published.
    for o in m2["outputs"].as_array().unwrap() {
        let path = o["path"].as_str().unwrap();
        assert!(root.join(path).is_file(), "{path}");
        assert_ne!(path, "outputs/models/champion_latest.json");
    }

    // verify re-derives the failed run's published outputs, and checks every `_latest` file
    // against the map (run 1's carried-over files included).
    assert_eq!(xtask(root, &["verify", "latest"]), 0);
    let champion = root.join("outputs/models/champion_latest.json");
    let good = std::fs::read(&champion).unwrap();
    std::fs::write(&champion, b"{}").unwrap();
    assert_eq!(
        xtask(root, &["verify", "latest"]),
        1,
        "a carried-over file changed behind the manifest"
    );
    std::fs::write(&champion, &good).unwrap();

    // A later run starting at phase 06 reads run 1's champion, and the map follows.
    assert_eq!(xtask(root, &["phase", "06"]), 0);
    let m3 = json(&reports.join("run_manifest_latest.json"));
    let run3 = m3["run_id"].as_str().unwrap();
    assert_eq!(
        m3["latest"]["outputs/models/champion_latest.json"]["run_id"],
        run1.as_str()
    );
    assert_eq!(
        m3["latest"]["outputs/forecast/forecast_daily_latest.csv"]["run_id"],
        run3
    );
    assert_eq!(
        m3["latest"]["outputs/reports/eda_latest.json"]["run_id"],
        run2.as_str()
    );
}

#[test]
fn a_file_changed_behind_the_manifest_is_traced_to_its_history_copy() {
    let p = project();
    let root = p.path();
    assert_eq!(xtask(root, &["phase", "00"]), 0);
    let reports = root.join("outputs/reports");
    let run1 = json(&reports.join("run_manifest_latest.json"))["run_id"]
        .as_str()
        .unwrap()
        .to_string();
    let explore = reports.join("explore_latest.json");
    let first = std::fs::read(&explore).unwrap();
    assert_eq!(xtask(root, &["phase", "00"]), 0);
    // As if a run had been killed after promoting this file but before its manifest: the
    // `_latest` file holds run 1's bytes while the last manifest names run 2.
    std::fs::write(&explore, &first).unwrap();
    std::fs::write(reports.join("stray_latest.json"), b"{}").unwrap();
    assert_eq!(xtask(root, &["phase", "01"]), 0);
    let m = json(&reports.join("run_manifest_latest.json"));
    assert_eq!(
        m["latest"]["outputs/reports/explore_latest.json"]["run_id"],
        run1.as_str()
    );
    assert!(
        m["latest"]["outputs/reports/stray_latest.json"].is_null(),
        "files no run wrote are not claimed"
    );
}

#[test]
fn leftovers_of_a_killed_run_are_removed_by_the_next_run() {
    let p = project();
    let root = p.path();
    let leftovers: Vec<PathBuf> = [
        "outputs/reports/.tmp-killed1",
        "outputs/reports/history/.tmp-killed2",
        "outputs/models/.tmp-killed3",
        "data/02_cleansed/.tmp-killed4",
        "data/04_processed/history/.tmp-killed5",
        ".executive/.tmp-killed6",
        "data/01_raw/.staging_supabase_ventas_deadbeef/page_0001.json",
    ]
    .iter()
    .map(|f| root.join(f))
    .collect();
    for f in &leftovers {
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(f, b"half-written").unwrap();
    }
    let keep = root.join("outputs/reports/notes.txt");
    std::fs::write(&keep, b"mine").unwrap();
    assert_eq!(xtask(root, &["phase", "00"]), 0);
    for f in &leftovers {
        assert!(!f.exists(), "{} removed", f.display());
    }
    assert!(!root
        .join("data/01_raw/.staging_supabase_ventas_deadbeef")
        .exists());
    assert_eq!(
        std::fs::read(&keep).unwrap(),
        b"mine",
        "other files untouched"
    );
    let hidden: Vec<String> = tree(root, root)
        .into_iter()
        .filter(|f| f.contains("/.tmp-") || f.contains("/.staging_"))
        .collect();
    assert!(hidden.is_empty(), "{hidden:?}");
}
