//! End-to-end: whole runs of the pipeline in a temporary project root holding a copy of the
//! repository's config.yaml.

use e2e::project;
use std::path::{Path, PathBuf};

use serde_json::Value;

fn xtask(root: &Path, args: &[&str]) -> u8 {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    xtask::cli::main_with(&args, Some(root), &[])
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .collect(),
        Err(_) => Vec::new(),
    };
    v.sort();
    v
}

/// A report body as text with the run id blanked out (run ids aside, bodies must match).
fn body_without_run_id(report: &Value) -> String {
    let run = report["run_id"].as_str().unwrap();
    serde_json::to_string(&report["body"])
        .unwrap()
        .replace(run, "<run>")
}

#[test]
fn two_runs_are_reproducible_and_never_overwrite_history_or_snapshots() {
    let p = project();
    let root = p.path();
    assert_eq!(xtask(root, &["run"]), 0);
    let reports = root.join("outputs/reports");
    let m1 = json(&reports.join("run_manifest_latest.json"));
    let explore1 = json(&reports.join("explore_latest.json"));
    let ingest1 = json(&reports.join("ingest_latest.json"));
    let snaps1 = files(&root.join("data/01_raw"));
    assert_eq!(snaps1.len(), 2, "one parquet and one meta file: {snaps1:?}");
    let snap1_bytes = std::fs::read(&snaps1[1]).unwrap();

    assert_eq!(xtask(root, &["run"]), 0);
    let m2 = json(&reports.join("run_manifest_latest.json"));
    assert_ne!(m1["run_id"], m2["run_id"]);
    // A new snapshot, the first one untouched.
    let snaps2 = files(&root.join("data/01_raw"));
    assert_eq!(snaps2.len(), 4);
    assert_eq!(std::fs::read(&snaps1[1]).unwrap(), snap1_bytes);
    // Byte-identical snapshots across runs.
    let new_snap = snaps2
        .iter()
        .find(|p| p.extension().unwrap() == "parquet" && !snaps1.contains(p))
        .unwrap();
    assert_eq!(std::fs::read(new_snap).unwrap(), snap1_bytes);
    // Identical report bodies, run ids aside.
    let explore2 = json(&reports.join("explore_latest.json"));
    let ingest2 = json(&reports.join("ingest_latest.json"));
    assert_eq!(
        body_without_run_id(&explore1),
        body_without_run_id(&explore2)
    );
    assert_eq!(body_without_run_id(&ingest1), body_without_run_id(&ingest2));
    // History grows: explore, contract_proposal, ingest, validation, cleansing, eda, features,
    // train, leaderboard.csv, forecast, simulation, monitor and run_manifest, twice each.
    assert_eq!(files(&reports.join("history")).len(), 26);
    // 12 figures through phase 06, one per scenario (4), the monthly deltas and the page.
    assert_eq!(
        files(&root.join("outputs/figures/history")).len(),
        2 * (12 + 4 + 1 + 1)
    );
    assert_eq!(files(&root.join("outputs/forecast/history")).len(), 4);
    // Two CSVs per scenario and the summary.
    assert_eq!(
        files(&root.join("outputs/simulations/history")).len(),
        2 * (4 * 2 + 1)
    );
    // Champion, backtest predictions and every candidate's horizon forecast, twice each.
    assert_eq!(files(&root.join("outputs/models/history")).len(), 6);
    assert_eq!(files(&root.join("data/04_processed/history")).len(), 4);
    // The cleansed grid and the rows after the cutoff (empty here), twice each.
    assert_eq!(files(&root.join("data/02_cleansed/history")).len(), 4);
    for name in [
        "contract_proposal",
        "validation",
        "cleansing",
        "eda",
        "features",
    ] {
        let a = json(&reports.join(format!("{name}_latest.json")));
        assert_eq!(a["run_id"], m2["run_id"], "{name}");
    }
    assert_eq!(files(&root.join(".executive/history")).len(), 2);
    // The manifest describes the run.
    assert_eq!(m2["status"], "ok");
    assert_eq!(m2["seed"], 42);
    let phases: Vec<&str> = m2["phases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["phase"].as_str().unwrap())
        .collect();
    assert_eq!(
        phases,
        ["00", "01", "02", "03", "04", "05", "06", "07", "08"]
    );
    // Data layers, forecasts and the champion are reproducible byte for byte. Figures and the
    // page show their run id in a caption: they are byte-identical when a run is re-derived
    // as itself, which `verify_re_derives_a_run_and_catches_a_difference` checks.
    for (a, b) in [
        (
            "data/04_processed/train_latest.parquet",
            "data/04_processed/train_latest.parquet",
        ),
        (
            "outputs/forecast/forecast_daily_latest.csv",
            "outputs/forecast/forecast_daily_latest.csv",
        ),
        (
            "outputs/forecast/forecast_monthly_latest.csv",
            "outputs/forecast/forecast_monthly_latest.csv",
        ),
        (
            "outputs/models/champion_latest.json",
            "outputs/models/champion_latest.json",
        ),
    ] {
        let hist: Vec<PathBuf> = files(&root.join(Path::new(a).parent().unwrap().join("history")))
            .into_iter()
            .filter(|p| {
                let n = p.file_name().unwrap().to_string_lossy().to_string();
                n.starts_with(
                    Path::new(b)
                        .file_name()
                        .unwrap()
                        .to_string_lossy()
                        .split("_latest")
                        .next()
                        .unwrap(),
                )
            })
            .collect();
        assert_eq!(hist.len(), 2, "{a}");
        assert_eq!(
            std::fs::read(&hist[0]).unwrap(),
            std::fs::read(&hist[1]).unwrap(),
            "{a}"
        );
    }
    assert_eq!(m1["config_sha256"], m2["config_sha256"]);
    assert!(m2["rustc_version"].as_str().unwrap().starts_with("rustc"));
    assert_eq!(m2["crate_versions"].as_object().unwrap().len(), 13);
    let snapshot = m2["raw_snapshot"].as_str().unwrap();
    assert!(root.join(snapshot).is_file());
    let outputs = m2["outputs"].as_array().unwrap();
    let snap_rec = outputs.iter().find(|o| o["path"] == snapshot).unwrap();
    assert_eq!(snap_rec["rows"], ingest2["body"]["rows"]);
    assert_eq!(
        snap_rec["sha256"].as_str().unwrap().len(),
        64,
        "sha256 hex digest"
    );
    // Every output recorded in the manifest exists with the recorded hash size.
    for o in outputs {
        let path = root.join(o["path"].as_str().unwrap());
        if o["path"].as_str().unwrap().contains("_latest.") {
            continue; // replaced by later writes of the same run (manifest) or runs
        }
        assert_eq!(
            std::fs::metadata(&path).unwrap().len(),
            o["bytes"].as_u64().unwrap(),
            "{}",
            path.display()
        );
    }
    // The demo's known shape: 2891 days, the fixed 3-day gap, one duplicate row.
    let date = &explore2["body"]["profile"]["date"];
    assert_eq!(date["calendar_days"], 2891);
    assert_eq!(date["duplicate_rows"], 1);
    assert_eq!(date["longest_gap_start"], "2019-10-22");
}

/// A run of 64 hexadecimal characters (a SHA-256) anywhere in `text`.
fn has_hash(text: &str) -> bool {
    let mut run = 0;
    for c in text.chars() {
        run = if c.is_ascii_hexdigit() { run + 1 } else { 0 };
        if run >= 64 {
            return true;
        }
    }
    false
}

/// The monthly CSV's rows as the summary must show them: month in words, point, prudent
/// upper (the first interval's upper bound), all in the language's format.
fn monthly_rows(root: &Path, lang: report::Lang) -> Vec<String> {
    let mut rd =
        csv::Reader::from_path(root.join("outputs/forecast/forecast_monthly_latest.csv")).unwrap();
    let h = rd.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (mes, point, upper, dias, parcial) = (
        col("mes"),
        col("unidades_pronosticadas"),
        col("limite_superior_80"),
        col("dias"),
        col("parcial"),
    );
    rd.records()
        .map(|r| {
            let r = r.unwrap();
            let num = |i: usize| report::numfmt::units(r[i].parse().unwrap(), lang);
            let mut name = report::numfmt::month_name(&r[mes], lang);
            if &r[parcial] == "true" {
                name = match lang {
                    report::Lang::Es => format!("{name} (parcial, {} días)", &r[dias]),
                    report::Lang::En => format!("{name} (partial, {} days)", &r[dias]),
                };
            }
            format!("| {name} | {} | {} |", num(point), num(upper))
        })
        .collect()
}

/// Loads the page in headless Chromium (when there is one; CI must have it) and keeps the
/// screenshot under `tests/reports/`.
fn browser_check(root: &Path, shot: &str) {
    if xtask::browser::find_browser().is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "Chromium is required in CI (apt-get install chromium)"
        );
        eprintln!("no Chromium here: the browser check of the page is skipped");
        return;
    }
    let out = e2e::repo_root().join("tests/reports").join(shot);
    let check = xtask::browser::check_page(&root.join("outputs/figures/informe_latest.html"), &out)
        .unwrap();
    assert!(check.problems().is_empty(), "{:?}", check.problems());
    assert!(out.is_file());
}

#[test]
fn executive_summary_and_page_speak_the_business_language() {
    let p = project();
    let root = p.path();
    assert_eq!(xtask(root, &["run"]), 0);
    let text =
        std::fs::read_to_string(root.join(".executive/executive_summary_latest.md")).unwrap();
    for code in [
        "mase",
        "..=",
        "Some(",
        "SIN_DATOS",
        "atipico_",
        "seasonal_naive",
        "`ols",
    ] {
        assert!(!text.contains(code), "`{code}` in the summary:\n{text}");
    }
    assert!(!has_hash(&text), "a hash in the summary:\n{text}");
    let rows = monthly_rows(root, report::Lang::Es);
    assert!(rows.len() >= 6);
    for row in &rows {
        assert!(text.contains(row.as_str()), "{row} missing:\n{text}");
    }
    assert!(text.contains("Mismo mes del año pasado") && text.contains("Tope prudente"));
    let page = std::fs::read_to_string(root.join("outputs/figures/informe_latest.html")).unwrap();
    for id in report::page::SECTIONS {
        assert!(page.contains(&format!(r#"<section id="{id}""#)), "{id}");
    }
    assert!(page.contains(r#"<html lang="es-CO">"#) && page.contains("Unidades por día"));
    assert!(!has_hash(&page) && !page.contains("mase7"));
    // Dual-persisted like every output.
    let history: Vec<PathBuf> = files(&root.join("outputs/figures/history"))
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("informe_"))
        .collect();
    assert_eq!(history.len(), 1, "{history:?}");
    browser_check(root, "informe_demo.png");
}

#[test]
fn english_changes_the_summary_and_the_page() {
    let p = project();
    let root = p.path();
    let args: Vec<String> = ["run", "--set", "report.language=en"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(xtask::cli::main_with(&args, Some(root), &[]), 0);
    let text =
        std::fs::read_to_string(root.join(".executive/executive_summary_latest.md")).unwrap();
    assert!(text.starts_with("# Executive summary"), "{text}");
    assert!(text.contains("## What to produce each month") && text.contains("Prudent upper"));
    for row in monthly_rows(root, report::Lang::En) {
        assert!(text.contains(row.as_str()), "{row} missing:\n{text}");
    }
    assert!(!text.contains("Producir") && !text.contains("unidades"));
    let page = std::fs::read_to_string(root.join("outputs/figures/informe_latest.html")).unwrap();
    assert!(page.contains(r#"<html lang="en">"#) && page.contains("Units per day"));
    assert!(page.contains("Sales forecast") && !page.contains("Pronóstico diario"));
}

#[test]
fn invalid_config_exits_2_and_writes_nothing() {
    let p = project();
    let root = p.path();
    for bad in [
        "run.horizon=0",
        "run.sede=1",
        "run.cutoff=2025-02-30",
        "source.kind=file",
        "calendar.prima.ventana_dias=99",
    ] {
        assert_eq!(xtask(root, &["run", "--set", bad]), 2, "{bad}");
    }
    let entries: Vec<_> = std::fs::read_dir(root).unwrap().collect();
    assert_eq!(entries.len(), 1, "only config.yaml remains");
}

#[test]
fn file_source_ingests_a_csv_with_mapping_and_records_its_hash() {
    let p = project();
    let root = p.path();
    let csv = "date,y,holiday\n2024-01-01,10.5,1\n2024-01-02,12,0\n2024-01-04,9,0\n";
    std::fs::write(root.join("ventas.csv"), csv).unwrap();
    let file = [
        "--set",
        "source.kind=file",
        "--set",
        "source.path=ventas.csv",
    ];
    // With the default contract, three days are far from 60 clean days: the phase fails
    // after writing the snapshot (the evidence) and the validation report.
    let mut args = vec!["phase", "01"];
    args.extend(file);
    assert_eq!(xtask(root, &args), 1);
    let v = json(&root.join("outputs/reports/validation_latest.json"));
    assert_eq!(v["body"]["passed"], false);
    let rules: Vec<&str> = v["body"]["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"min_clean_history"), "{rules:?}");
    // 10.5 among whole numbers: the target is read as amounts (`auto`), not refused.
    assert!(!rules.contains(&"integer"), "{rules:?}");
    assert_eq!(v["body"]["target_kind"], "amounts");
    assert_eq!(
        files(&root.join("data/01_raw")).len(),
        2,
        "snapshot kept as evidence"
    );
    // A contract for turnover data (numbers, short history) accepts it.
    args.extend([
        "--set",
        "contract.columns.unidades_vendidas.dtype=number",
        "--set",
        "contract.table.min_clean_days=3",
    ]);
    assert_eq!(xtask(root, &args), 0);
    let m = json(&root.join("outputs/reports/run_manifest_latest.json"));
    let inputs = m["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 1);
    assert_eq!(inputs[0]["path"], "ventas.csv");
    assert_eq!(inputs[0]["rows"], 3);
    let snap = m["raw_snapshot"].as_str().unwrap();
    assert!(snap.starts_with("data/01_raw/file_ventas_"), "{snap}");
    let ingest = json(&root.join("outputs/reports/ingest_latest.json"));
    let cols: Vec<&str> = ingest["body"]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c[0].as_str().unwrap())
        .collect();
    assert_eq!(cols, ["fecha", "unidades_vendidas", "holiday"]);
    assert_eq!(ingest["body"]["last_date"], "2024-01-04");
}

#[test]
fn a_failing_phase_leaves_earlier_outputs_intact_and_writes_no_snapshot() {
    let p = project();
    let root = p.path();
    assert_eq!(xtask(root, &["run"]), 0);
    let latest = root.join("outputs/reports/ingest_latest.json");
    let before = std::fs::read(&latest).unwrap();
    let snaps_before = files(&root.join("data/01_raw"));
    std::fs::write(root.join("bad.csv"), "date,y\n2024-01-01,1\n2024-02-31,2\n").unwrap();
    let code = xtask(
        root,
        &[
            "phase",
            "ingest",
            "--set",
            "source.kind=file",
            "--set",
            "source.path=bad.csv",
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(std::fs::read(&latest).unwrap(), before);
    assert_eq!(files(&root.join("data/01_raw")), snaps_before);
    let m = json(&root.join("outputs/reports/run_manifest_latest.json"));
    assert_eq!(m["status"], "failed");
    let err = m["phases"][0]["error"].as_str().unwrap();
    assert!(
        err.contains("bad.csv") && err.contains("line 3") && err.contains("fecha"),
        "{err}"
    );
    // The snapshot named by the newest manifest that names one is still the good one.
    let snap = store::manifest::latest_raw_snapshot(root, Path::new("outputs"))
        .unwrap()
        .unwrap();
    assert!(snap.starts_with("data/01_raw/demo_"), "{snap}");
}

#[test]
fn phases_without_their_inputs_say_which_to_run_and_exit_non_zero() {
    let p = project();
    let root = p.path();
    // A built phase whose input layer is missing fails with a message naming it.
    assert_eq!(xtask(root, &["phase", "05"]), 1);
    let m = json(&root.join("outputs/reports/run_manifest_latest.json"));
    assert_eq!(m["phases"][0]["status"], "failed");
    assert!(m["phases"][0]["error"]
        .as_str()
        .unwrap()
        .contains("run phase 04 features first"));
    assert_eq!(xtask(root, &["phase", "99"]), 2);
}

#[test]
fn another_seed_gives_another_snapshot() {
    let p = project();
    let root = p.path();
    assert_eq!(xtask(root, &["phase", "ingest"]), 0);
    let a = json(&root.join("outputs/reports/ingest_latest.json"));
    assert_eq!(xtask(root, &["phase", "ingest", "--set", "run.seed=7"]), 0);
    let b = json(&root.join("outputs/reports/ingest_latest.json"));
    assert_ne!(a["body"]["snapshot_sha256"], b["body"]["snapshot_sha256"]);
}

#[test]
fn cleansed_layer_has_the_full_grid_and_exactly_the_eight_flags() {
    let p = project();
    let root = p.path();
    assert_eq!(xtask(root, &["run"]), 0);
    let c = json(&root.join("outputs/reports/cleansing_latest.json"));
    let r = &c["body"]["report"];
    assert_eq!(c["body"]["output_rows"], 2891);
    assert_eq!(r["days_out"], 2891);
    assert_eq!(r["flags"].as_array().unwrap().len(), 8);
    assert_eq!(r["missing_dates"], 9);
    let v = json(&root.join("outputs/reports/validation_latest.json"));
    assert_eq!(v["body"]["passed"], true);
    let layer = root.join("data/02_cleansed/ventas_diarias_latest.parquet");
    let df = connector::read_parquet(&layer).unwrap();
    assert_eq!(df.height(), 2891);
    let m = json(&root.join("outputs/reports/run_manifest_latest.json"));
    assert!(m["outputs"].as_array().unwrap().iter().any(|o| o["path"]
        == "data/02_cleansed/ventas_diarias_latest.parquet"
        && o["rows"] == 2891));
}

#[test]
fn contract_errors_stop_the_run_keep_the_snapshot_and_leave_later_layers_untouched() {
    let p = project();
    let root = p.path();
    assert_eq!(xtask(root, &["run"]), 0);
    let layer = root.join("data/02_cleansed/ventas_diarias_latest.parquet");
    let before = std::fs::read(&layer).unwrap();
    let code = xtask(
        root,
        &["run", "--set", "contract.table.min_clean_days=5000"],
    );
    assert_eq!(code, 1);
    assert_eq!(std::fs::read(&layer).unwrap(), before, "02 untouched");
    let m = json(&root.join("outputs/reports/run_manifest_latest.json"));
    let phases: Vec<(&str, &str)> = m["phases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["phase"].as_str().unwrap(), p["status"].as_str().unwrap()))
        .collect();
    assert_eq!(phases, [("00", "ok"), ("01", "failed")]);
    let snap = m["raw_snapshot"].as_str().unwrap();
    assert!(
        root.join(snap).is_file(),
        "the failed run's snapshot is kept as evidence"
    );
    let v = json(&root.join("outputs/reports/validation_latest.json"));
    assert_eq!(v["run_id"], m["run_id"]);
    assert_eq!(v["body"]["failures"][0]["rule"], "min_clean_history");
    // Phase 02 alone still reads the last snapshot that passed validation.
    let good = store::manifest::latest_raw_snapshot(root, Path::new("outputs"))
        .unwrap()
        .unwrap();
    assert_ne!(good, snap);
    assert_eq!(xtask(root, &["phase", "02"]), 0);
    let c = json(&root.join("outputs/reports/cleansing_latest.json"));
    let good_sha = {
        use sha2::Digest;
        let bytes = std::fs::read(root.join(&good)).unwrap();
        sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    assert_eq!(c["body"]["snapshot_sha256"], good_sha.as_str());
}

#[test]
fn phase_05_ranks_candidates_and_persists_a_loadable_champion() {
    let p = project();
    let root = p.path();
    assert_eq!(xtask(root, &["run"]), 0);
    let t = json(&root.join("outputs/reports/train_latest.json"));
    let entries = t["body"]["leaderboard"]["entries"].as_array().unwrap();
    assert_eq!(
        entries.len(),
        22 + 24 + 4,
        "configured candidates (9 on lags and baselines, 8 on the calendar alone, 2 with a changepoint trend, 2 MSTL, 1 year over year), 24 searched and the four ensembles (top 3 and 5, each also with the best statistical model added)"
    );
    assert_eq!(t["body"]["candidates_ensembles"], 4);
    assert_eq!(t["body"]["candidates_total"], 22 + 24 + 4);
    // Two years of history: the backtest reaches the whole horizon, the ranking chooses.
    assert!(t["body"].get("respaldo").is_none());
    let mase7: Vec<f64> = entries
        .iter()
        .map(|e| e["metrics"]["mase7"].as_f64().unwrap())
        .collect();
    assert!(
        mase7.windows(2).all(|w| w[0] <= w[1]),
        "sorted by the metric"
    );
    let baseline = entries
        .iter()
        .find(|e| e["nombre"] == "seasonal_naive_7")
        .unwrap();
    assert!(
        mase7[0] < 0.8 * baseline["metrics"]["mase7"].as_f64().unwrap(),
        "the champion beats the weekly naive"
    );
    let bytes = std::fs::read(root.join("outputs/models/champion_latest.json")).unwrap();
    let art = models::ModelArtifact::from_json(&bytes, None).unwrap();
    assert_eq!(art.nombre, t["body"]["champion"].as_str().unwrap());
    assert_eq!(art.trained_until.to_string(), "2025-11-30");
    // The champion file alone (no config, no layers) builds its own future rows and
    // forecasts exactly what phase 06 wrote.
    let cfg_intervals = forecaster::IntervalConfig::default();
    let fc = forecaster::Forecaster::new(art.clone())
        .forecast_days(185, &cfg_intervals, 42)
        .unwrap();
    let daily =
        std::fs::read_to_string(root.join("outputs/forecast/forecast_daily_latest.csv")).unwrap();
    let rows: Vec<&str> = daily.lines().skip(1).collect();
    assert_eq!(rows.len(), fc.daily.len());
    for (row, d) in rows.iter().zip(&fc.daily) {
        let cells: Vec<&str> = row.split(',').collect();
        assert_eq!(cells[0], d.fecha.to_string());
        let point: f64 = cells[1].parse().unwrap();
        assert!((point - d.point).abs() < 1e-9, "{row} vs {}", d.point);
        for (k, b) in d.bounds.iter().enumerate() {
            let lo: f64 = cells[2 + 2 * k].parse().unwrap();
            let hi: f64 = cells[3 + 2 * k].parse().unwrap();
            assert!(
                (lo - b.lower).abs() < 1e-9 && (hi - b.upper).abs() < 1e-9,
                "{row}"
            );
        }
    }
    let m = json(&root.join("outputs/reports/run_manifest_latest.json"));
    let train_sha = m["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["path"] == "data/04_processed/train_latest.parquet")
        .unwrap()["sha256"]
        .clone();
    assert_eq!(art.training_data_sha256, train_sha.as_str().unwrap());
    let wrong = vec!["not_a_feature".to_string()];
    assert!(models::ModelArtifact::from_json(&bytes, Some(&wrong)).is_err());
    let csv = std::fs::read_to_string(root.join("outputs/reports/leaderboard_latest.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + entries.len());
    // The library alone, in memory (no file read or written), runs the same pipeline: the
    // same champion, byte for byte the same daily and monthly forecasts.
    let cfg = xtask::config::AppConfig::load(root, &Default::default()).unwrap();
    let raw = pipeline::fetch(&cfg, root, &|_| None).unwrap().frame;
    let out = pipeline::run_in_memory(&raw, &cfg, &|_| {}).unwrap();
    assert_eq!(out.trained.champion.nombre, art.nombre);
    assert_eq!(
        pipeline::tables::daily_csv(&out.forecast).unwrap(),
        daily.as_bytes()
    );
    let monthly = std::fs::read(root.join("outputs/forecast/forecast_monthly_latest.csv")).unwrap();
    assert_eq!(
        pipeline::tables::monthly_csv(&out.forecast, &cfg.forecast.intervals.percents()).unwrap(),
        monthly
    );
    // With successive halving, only the 8 searched candidates promoted from the first round
    // compete, and the counts of the report still add up.
    let mut halved = cfg.clone();
    halved.train.search.halving = Some(models::Halving { folds: 2, keep: 8 });
    let t = pipeline::run_in_memory(&raw, &halved, &|_| {})
        .unwrap()
        .trained;
    assert_eq!(t.leaderboard.entries.len(), 22 + 8 + 4);
    assert_eq!(
        (
            t.candidates_configured,
            t.candidates_searched,
            t.candidates_ensembles()
        ),
        (22, 8, 4)
    );
}

#[test]
fn verify_re_derives_a_run_and_catches_a_difference() {
    let p = project();
    let root = p.path();
    assert_eq!(xtask(root, &["run"]), 0);
    assert_eq!(
        xtask(root, &["verify", "latest"]),
        0,
        "a fresh run re-derives exactly"
    );
    // A manifest whose recorded hash no longer matches what the run produces: non-zero exit.
    let path = root.join("outputs/reports/run_manifest_latest.json");
    let mut m = json(&path);
    let outputs = m["outputs"].as_array_mut().unwrap();
    let train = outputs
        .iter_mut()
        .find(|o| o["path"] == "data/04_processed/train_latest.parquet")
        .unwrap();
    train["sha256"] = "0".repeat(64).into();
    std::fs::write(&path, serde_json::to_vec(&m).unwrap()).unwrap();
    assert_eq!(xtask(root, &["verify", "latest"]), 1);
}
