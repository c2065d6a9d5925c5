//! Other people's data: a daily CSV with `date,y[,flags…]` runs end to end with source and
//! country alone; the hold-out is honest (phases 02–05 never see a row after the cutoff) and
//! its scores equal an independent scorer's on the CSVs the run wrote.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{Datelike, Days, NaiveDate};
use e2e::{project, repo_root};
use serde_json::Value;

fn xtask(root: &Path, args: &[String]) -> u8 {
    xtask::cli::main_with(args, Some(root), &[])
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Writes `text` as `<name>.csv` in `root` and runs `cargo xtask evaluate` on it as a `pais`
/// series with `extra` arguments: its row of the evaluation table (checked `ok`) and its
/// run's `outputs` folder.
fn evaluate_file(
    root: &Path,
    name: &str,
    text: &str,
    pais: &str,
    extra: &[&str],
) -> (Value, PathBuf) {
    let csv = root.join(format!("{name}.csv"));
    std::fs::write(&csv, text).unwrap();
    let mut args: Vec<String> = vec!["evaluate".into(), format!("{}:{pais}", csv.display())];
    args.extend(extra.iter().map(|a| a.to_string()));
    assert_eq!(xtask(root, &args), 0);
    let ev = json(&root.join("outputs/evaluate/evaluacion_latest.json"));
    let row = ev["body"]["filas"][0].clone();
    assert_eq!(row["estado"], "ok", "{row}");
    (row, root.join(format!("outputs/evaluate/{name}/outputs")))
}

/// A turnover-like series (amounts, not units) with a weekly and a yearly cycle, closed every
/// 25 December and 1 January (absent from the file, as real exports do), and a few random
/// gaps.
fn synthetic_csv(first: NaiveDate, days: u64) -> String {
    let mut out = String::from("date,y\n");
    let mut state: u64 = 42;
    let mut noise = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 33) as f64 / (1u64 << 31) as f64) - 0.5
    };
    let week = [0.9, 0.95, 1.0, 1.0, 1.1, 1.4, 1.2];
    for i in 0..days {
        let d = first + Days::new(i);
        let n = noise();
        if (d.month(), d.day()) == (12, 25) || (d.month(), d.day()) == (1, 1) || n > 0.49 {
            continue;
        }
        let yearly =
            1.0 + 0.2 * (2.0 * std::f64::consts::PI * f64::from(d.ordinal()) / 365.25).sin();
        let y =
            500.0 * week[d.weekday().num_days_from_monday() as usize] * yearly * (1.0 + 0.1 * n);
        out.push_str(&format!("{d},{y:.4}\n"));
    }
    out
}

fn minimal_args(csv: &Path, pais: &str, cutoff: Option<NaiveDate>) -> Vec<String> {
    let mut v: Vec<String> = [
        "run".to_string(),
        "--set".into(),
        "source.kind=file".into(),
        "--set".into(),
        format!("source.path={}", csv.display()),
        "--set".into(),
        format!("calendar.festivos.pais={pais}"),
    ]
    .to_vec();
    if let Some(c) = cutoff {
        v.push("--set".into());
        v.push(format!("run.cutoff={c}"));
    }
    v
}

/// (date, value) rows of a `date,y,…` CSV.
fn read_series(csv: &str) -> BTreeMap<NaiveDate, f64> {
    csv.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut it = l.split(',');
            (
                day(it.next().unwrap()),
                it.next().unwrap().parse::<f64>().unwrap(),
            )
        })
        .collect()
}

/// The user's own scorer: MAE and weekly-naive MASE of the forecast CSV against the raw file,
/// on the raw days after the cutoff; the scale from raw pairs exactly 7 days apart up to it.
fn independent_score(
    raw: &BTreeMap<NaiveDate, f64>,
    forecast_csv: &str,
    cutoff: NaiveDate,
) -> (f64, f64, usize) {
    let fc = read_series(forecast_csv);
    let (mut sum, mut n) = (0.0, 0usize);
    for (d, a) in raw.range(cutoff + Days::new(1)..) {
        if let Some(p) = fc.get(d) {
            sum += (a - p).abs();
            n += 1;
        }
    }
    let (mut s, mut m) = (0.0, 0usize);
    for (d, v) in raw.range(..=cutoff) {
        if let Some(prev) = raw.get(&(*d - Days::new(7))) {
            s += (v - prev).abs();
            m += 1;
        }
    }
    let mae = sum / n as f64;
    (mae, mae / (s / m as f64), n)
}

fn holdout(root: &Path) -> Value {
    json(&root.join("outputs/reports/forecast_latest.json"))["body"]["holdout"].clone()
}

#[test]
fn a_short_amounts_series_runs_with_source_and_country_alone_and_scores_like_the_users_scorer() {
    // A year and a half of turnover with a 185-day hold-out: short history, amounts, closures.
    let p = project();
    let root = p.path();
    let csv = root.join("ventas.csv");
    let text = synthetic_csv(day("2023-01-02"), 548 + 185);
    std::fs::write(&csv, &text).unwrap();
    let raw = read_series(&text);
    let last = *raw.keys().next_back().unwrap();
    let cutoff = last - Days::new(185);
    assert_eq!(xtask(root, &minimal_args(&csv, "DE", Some(cutoff))), 0);
    let cleansing = json(&root.join("outputs/reports/cleansing_latest.json"));
    assert_eq!(cleansing["body"]["report"]["target_kind"], "amounts");
    // The dates of a German shop are read in its time zone, and the ingest report says so.
    let ingest = json(&root.join("outputs/reports/ingest_latest.json"));
    assert_eq!(ingest["body"]["time_zone"], "Europe/Berlin");
    // Absent 25 Dec / 1 Jan are closures (festivos in DE), not gaps to impute.
    let closures = cleansing["body"]["report"]["closures_inferred"]
        .as_array()
        .unwrap()
        .clone();
    assert!(
        closures.iter().any(|c| c["fecha"] == "2023-12-25"),
        "{closures:?}"
    );
    // No Colombian group for a German series.
    let features = json(&root.join("outputs/reports/features_latest.json"));
    let names: Vec<String> = features["body"]["report"]["feature_columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert!(
        !names
            .iter()
            .any(|n| n.contains("novena") || n.contains("payday") || n.contains("pandemic")),
        "{names:?}"
    );
    // The user's scorer and the report agree to 1e-9, on the same days.
    let fc =
        std::fs::read_to_string(root.join("outputs/forecast/forecast_daily_latest.csv")).unwrap();
    let (mae, mase, n) = independent_score(&raw, &fc, cutoff);
    let h = holdout(root);
    assert_eq!(h["overall"]["days"].as_u64().unwrap() as usize, n);
    assert!((h["overall"]["mae"].as_f64().unwrap() - mae).abs() < 1e-9 * mae.max(1.0));
    assert!((h["overall"]["mase7"].as_f64().unwrap() - mase).abs() < 1e-9);
    // Intervals exist and no artifact holds NaN.
    assert!(h["overall"]["intervals"][0]["coverage"].as_f64().unwrap() > 0.0);
    assert!(!fc.to_lowercase().contains("nan"));
    let champion = json(&root.join("outputs/models/champion_latest.json"));
    let window = champion["model"]["last_window"].as_array().unwrap();
    assert!(
        !window.is_empty()
            && window
                .iter()
                .all(|v| v.as_f64().is_some_and(f64::is_finite))
    );
}

/// Report bodies with the fields that describe the input beyond the cutoff removed: the
/// counts of set-aside rows and the raw snapshot's hash (the snapshots differ by exactly those
/// rows).
fn body_without_after_counts(path: &Path) -> String {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                m.remove("rows_after_cutoff");
                m.remove("actuals_after_cutoff");
                m.remove("snapshot_sha256");
                m.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v = json(path)["body"].clone();
    strip(&mut v);
    serde_json::to_string(&v).unwrap()
}

#[test]
fn phases_02_to_05_are_identical_with_and_without_the_rows_after_the_cutoff() {
    let text = synthetic_csv(day("2021-03-01"), 1100);
    let raw = read_series(&text);
    let cutoff = *raw.keys().next_back().unwrap() - Days::new(185);
    let truncated: String = std::iter::once("date,y\n".to_string())
        .chain(
            text.lines()
                .skip(1)
                .filter(|l| day(&l[..10]) <= cutoff)
                .map(|l| format!("{l}\n")),
        )
        .collect();
    let run = |csv_text: &str| {
        let p = project();
        let csv = p.path().join("ventas.csv");
        std::fs::write(&csv, csv_text).unwrap();
        assert_eq!(xtask(p.path(), &minimal_args(&csv, "US", Some(cutoff))), 0);
        p
    };
    let full = run(&text);
    let cut = run(&truncated);
    let same_bytes: [&str; 6] = [
        "data/02_cleansed/ventas_diarias_latest.parquet",
        "data/03_features/features_latest.parquet",
        "data/04_processed/train_latest.parquet",
        "data/04_processed/future_latest.parquet",
        "outputs/reports/leaderboard_latest.csv",
        "outputs/models/backtest_predictions_latest.csv",
    ];
    for f in same_bytes {
        assert_eq!(
            std::fs::read(full.path().join(f)).unwrap(),
            std::fs::read(cut.path().join(f)).unwrap(),
            "{f} differs"
        );
    }
    for r in ["cleansing", "eda", "features", "train"] {
        let f = format!("outputs/reports/{r}_latest.json");
        assert_eq!(
            body_without_after_counts(&full.path().join(&f)),
            body_without_after_counts(&cut.path().join(&f)),
            "{f} differs"
        );
    }
    let champ = |p: &Path| {
        let mut v = json(&p.join("outputs/models/champion_latest.json"));
        v.as_object_mut().unwrap().remove("training_data_sha256");
        v
    };
    assert_eq!(champ(full.path()), champ(cut.path()));
    // Only phase 06 reads what came after: the full run is scored, the truncated one is not.
    assert!(holdout(full.path()).is_object());
    assert!(holdout(cut.path()).is_null());
}

/// The shared real series (not in a user's clone: skipped without `../shared`).
fn shared_real() -> Option<PathBuf> {
    let d = repo_root().join("../shared/data/real");
    d.join("kiel_bakery.csv").is_file().then_some(d)
}

#[test]
fn every_shared_real_series_runs_with_source_and_country_alone() {
    let Some(dir) = shared_real() else {
        eprintln!("SKIPPED: ../shared/data/real is not here");
        return;
    };
    let cases: [(&str, &str, Option<&str>); 9] = [
        ("kiel_bakery.csv", "DE", None),
        ("peyton_manning.csv", "US", None),
        ("traffic_i94_daily.csv", "US", None),
        ("kiel_brot.csv", "DE", None),
        ("kiel_broetchen.csv", "DE", None),
        ("kiel_croissant.csv", "DE", None),
        ("kiel_konditorei.csv", "DE", None),
        ("kiel_kuchen.csv", "DE", None),
        ("kiel_groups_long.csv", "DE", Some("brot")),
    ];
    for (file, pais, serie) in cases {
        let csv = dir.join(file);
        let text = std::fs::read_to_string(&csv).unwrap();
        let mut raw = BTreeMap::new();
        for l in text.lines().skip(1) {
            let cells: Vec<&str> = l.split(',').collect();
            let (d, y) = match serie {
                Some(s) if cells[1] != s => continue,
                Some(_) => (cells[0], cells[2]),
                None => (cells[0], cells[1]),
            };
            raw.insert(day(d), y.parse::<f64>().unwrap());
        }
        let cutoff = *raw.keys().next_back().unwrap() - Days::new(185);
        let p = project();
        let mut args = minimal_args(&csv, pais, Some(cutoff));
        if let Some(s) = serie {
            args.push("--set".into());
            args.push(format!("source.filters.serie={s}"));
        }
        assert_eq!(xtask(p.path(), &args), 0, "{file} failed");
        let fc =
            std::fs::read_to_string(p.path().join("outputs/forecast/forecast_daily_latest.csv"))
                .unwrap();
        let (mae, mase, n) = independent_score(&raw, &fc, cutoff);
        let h = holdout(p.path());
        assert_eq!(h["overall"]["days"].as_u64().unwrap() as usize, n, "{file}");
        assert!(
            (h["overall"]["mae"].as_f64().unwrap() - mae).abs() < 1e-9 * mae.max(1.0),
            "{file}"
        );
        assert!(
            (h["overall"]["mase7"].as_f64().unwrap() - mase).abs() < 1e-9,
            "{file}"
        );
        eprintln!("{file}: {n} days scored, MAE {mae:.4}, MASE {mase:.4}");
    }
}

#[test]
fn transaction_level_input_is_summed_by_default_and_refused_with_aggregate_none() {
    // Three tickets a day for 500 days.
    let first = day("2023-01-02");
    let mut text = String::from("date,y\n");
    let mut daily: BTreeMap<NaiveDate, f64> = BTreeMap::new();
    for i in 0..500u64 {
        let d = first + Days::new(i);
        for k in 0..3u64 {
            let v = 10.0 + ((i * 7 + k * 3) % 11) as f64;
            text.push_str(&format!("{d},{v}\n"));
            *daily.entry(d).or_default() += v;
        }
    }
    let p = project();
    let csv = p.path().join("tickets.csv");
    std::fs::write(&csv, &text).unwrap();
    let failure = |rule: &str| {
        let v = json(&p.path().join("outputs/reports/validation_latest.json"));
        v["body"]["failures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == rule)
            .cloned()
    };
    // `source.aggregate: none` asks for an aggregation.
    let mut none = minimal_args(&csv, "CO", None);
    none.extend(["--set".to_string(), "source.aggregate=none".to_string()]);
    assert_eq!(xtask(p.path(), &none), 1);
    let refused = failure("aggregate_needed").expect("the aggregate rule fails");
    assert_eq!(refused["severity"], "error");
    assert!(refused["message"]
        .as_str()
        .unwrap()
        .contains("source.aggregate"));
    // The minimal command (`auto`) sums each day's rows, with a warning that says so.
    let args: Vec<String> = minimal_args(&csv, "CO", None)
        .into_iter()
        .chain(["--set".to_string(), "simulate.scenarios=[]".to_string()])
        .collect();
    assert_eq!(xtask(p.path(), &args), 0);
    let summed = failure("aggregated_auto").expect("the auto aggregation is reported");
    assert_eq!(summed["severity"], "warning");
    assert!(failure("aggregate_needed").is_none());
    let frame = connector::read_parquet(
        &p.path()
            .join("data/02_cleansed/ventas_diarias_latest.parquet"),
    )
    .unwrap();
    let units: Vec<Option<f64>> = frame
        .column("unidades_vendidas")
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(units.len(), daily.len());
    for (u, (d, s)) in units.iter().zip(&daily) {
        assert_eq!(*u, Some(*s), "{d}");
    }
}

/// A product sold only from November to January (no rows the rest of the year).
fn seasonal_csv() -> String {
    let mut out = String::from("fecha,unidades_vendidas\n");
    let mut d = day("2020-11-01");
    while d <= day("2025-01-31") {
        if matches!(d.month(), 11 | 12 | 1) {
            let base = if d.month() == 12 { 200.0 } else { 120.0 };
            let weekend = if d.weekday().num_days_from_monday() >= 5 {
                1.3
            } else {
                1.0
            };
            let wobble = f64::from(d.ordinal() % 7) - 3.0;
            out.push_str(&format!("{d},{}\n", (base * weekend + wobble).round()));
        }
        d = d.succ_opt().unwrap();
    }
    out
}

#[test]
fn a_product_sold_part_of_the_year_forecasts_zero_outside_its_season() {
    let p = project();
    let csv = p.path().join("temporada.csv");
    std::fs::write(&csv, seasonal_csv()).unwrap();
    // The hold-out protocol of `evaluate`: cutoff = last date − 185 days.
    let args: Vec<String> = ["evaluate".to_string(), format!("{}:CO", csv.display())].to_vec();
    assert_eq!(xtask(p.path(), &args), 0);
    let c = json(
        &p.path()
            .join("outputs/evaluate/temporada/outputs/reports/cleansing_latest.json"),
    );
    assert!(c["body"]["report"]["closures_inferred"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["motivo"] == "fuera_de_temporada"));
    let daily = std::fs::read_to_string(
        p.path()
            .join("outputs/evaluate/temporada/outputs/forecast/forecast_daily_latest.csv"),
    )
    .unwrap();
    let mut by_month: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
    for line in daily.lines().skip(1) {
        let mut it = line.split(',');
        let d = day(it.next().unwrap());
        by_month
            .entry(d.month())
            .or_default()
            .push(it.next().unwrap().parse().unwrap());
    }
    for m in [8, 9, 10] {
        assert!(
            by_month[&m].iter().all(|v| *v == 0.0),
            "month {m} is off-season"
        );
    }
    let dec = &by_month[&12];
    let mean = dec.iter().sum::<f64>() / dec.len() as f64;
    assert!((mean - 215.0).abs() < 30.0, "December's level: {mean}");
    // The evaluation table: one scored row with its coverage, champion and rank correlation.
    let table =
        std::fs::read_to_string(p.path().join("outputs/evaluate/evaluacion_latest.csv")).unwrap();
    let mut rows = csv::Reader::from_reader(table.as_bytes());
    let header = rows.headers().unwrap().clone();
    let row = rows.records().next().unwrap().unwrap();
    let get = |k: &str| {
        row.get(header.iter().position(|h| h == k).unwrap())
            .unwrap()
    };
    assert_eq!(get("serie"), "temporada");
    assert_eq!(get("estado"), "ok");
    assert_eq!(get("corte"), "2024-07-30");
    let mase: f64 = get("mase").parse().unwrap();
    assert!(mase.is_finite() && mase < 1.0, "mase {mase}");
    let cov: f64 = get("cobertura_80").parse().unwrap();
    assert!((0.0..=1.0).contains(&cov));
    assert!(get("rango_backtest_holdout").parse::<f64>().is_ok());
    assert!(!get("campeon").is_empty());
    // A development window: the last 30 days dropped first, then the same protocol.
    let args: Vec<String> = [
        "evaluate".to_string(),
        "--skip-last".into(),
        "30".into(),
        format!("{}:CO", csv.display()),
    ]
    .to_vec();
    assert_eq!(xtask(p.path(), &args), 0);
    let ev = json(&p.path().join("outputs/evaluate/evaluacion_latest.json"));
    let row = &ev["body"]["filas"][0];
    assert_eq!(row["omitidos"], 30);
    assert_eq!(row["corte"], "2024-06-30");
    // Scored on the rows observed in the window: 1 November – 1 January.
    assert_eq!(row["dias"], 62);
    assert!(p
        .path()
        .join("outputs/evaluate/temporada_menos_30/outputs/reports/forecast_latest.json")
        .is_file());
}

#[test]
fn a_spreadsheet_export_with_semicolons_and_decimal_commas_scores_as_the_plain_csv() {
    // The same series twice: `date,y` with decimal points, and `date;y` with decimal commas
    // (what Excel writes in a Spanish or German locale). Both must forecast and score alike:
    // the observed history behind the MASE scale and the page reads raw cells, too.
    let p = project();
    let root = p.path();
    let text = synthetic_csv(day("2023-01-02"), 548 + 185);
    let plain = root.join("plain.csv");
    std::fs::write(&plain, &text).unwrap();
    let excel = root.join("excel.csv");
    std::fs::write(&excel, text.replace(',', ";").replace('.', ",")).unwrap();
    let args: Vec<String> = [
        "evaluate".to_string(),
        format!("{}:DE", plain.display()),
        format!("{}:DE", excel.display()),
    ]
    .to_vec();
    assert_eq!(xtask(root, &args), 0);
    let ev = json(&root.join("outputs/evaluate/evaluacion_latest.json"));
    let rows = ev["body"]["filas"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    for r in rows {
        assert_eq!(r["estado"], "ok", "{r}");
    }
    assert!(rows[0]["dias"].as_u64().unwrap() > 150);
    assert_eq!(rows[0]["dias"], rows[1]["dias"]);
    let (a, b) = (
        rows[0]["mase"].as_f64().unwrap(),
        rows[1]["mase"].as_f64().unwrap(),
    );
    assert!((a - b).abs() < 1e-9, "plain {a} vs spreadsheet {b}");
}

#[test]
fn a_signed_series_keeps_its_negatives_and_is_forecast_below_zero() {
    // Daily temperatures around 2 °C (a yearly swing of ±10 °C, a weekly nothing): most
    // winters below zero. Negatives are data here, not returns to flag.
    let p = project();
    let first = day("2022-01-01");
    let mut text = String::from("date,y\n");
    let mut state: u64 = 7;
    for i in 0..800u64 {
        let d = first + Days::new(i);
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let noise = ((state >> 33) as f64 / (1u64 << 31) as f64) - 0.5;
        let season = (2.0 * std::f64::consts::PI * f64::from(d.ordinal()) / 365.25).cos();
        text.push_str(&format!("{d},{:.2}\n", 2.0 - 10.0 * season + 3.0 * noise));
    }
    let (row, run) = evaluate_file(p.path(), "temperatura", &text, "DE", &[]);
    let cleansing = json(&run.join("reports/cleansing_latest.json"));
    assert_eq!(cleansing["body"]["report"]["target_kind"], "signed");
    assert_eq!(cleansing["body"]["report"]["left_missing"], 0);
    // The hold-out (mid-September to mid-March) crosses a winter: forecast below zero,
    // and close to the truth (a seasonal naive of a smooth cycle scores well under 1).
    let fc = std::fs::read_to_string(run.join("forecast/forecast_daily_latest.csv")).unwrap();
    let below = read_series(&fc).values().filter(|v| **v < 0.0).count();
    assert!(below > 30, "{below} days forecast below zero");
    let mase = row["mase"].as_f64().unwrap();
    assert!(mase < 1.0, "mase {mase}");
    let champion = json(&run.join("models/champion_latest.json"));
    assert_eq!(champion["signed_target"], true);
}

#[test]
fn a_constant_series_is_ranked_by_mae_and_forecast_at_its_level() {
    // A product sold at a fixed daily quota: every weekly difference is 0, so MASE is 0/0
    // for every candidate. The competition ranks by MAE instead, the forecast is the quota,
    // and the hold-out reports its error in units with MASE left empty.
    let p = project();
    let first = day("2023-01-02");
    let mut text = String::from("date,y\n");
    for i in 0..(548 + 185) {
        text.push_str(&format!("{},40\n", first + Days::new(i)));
    }
    let (row, run) = evaluate_file(p.path(), "cupo", &text, "DE", &[]);
    assert!(row["mase"].is_null(), "{row}");
    assert!(row["mae"].as_f64().unwrap() < 1e-6, "{row}");
    assert_eq!(row["cobertura_80"], 1.0);
    let train = json(&run.join("reports/train_latest.json"));
    assert_eq!(
        train["body"]["leaderboard"]["metric"], "mae",
        "{}",
        train["body"]["leaderboard"]["metric"]
    );
    let fc = std::fs::read_to_string(run.join("forecast/forecast_daily_latest.csv")).unwrap();
    let days = read_series(&fc);
    assert_eq!(days.len(), 185);
    assert!(days.values().all(|v| (v - 40.0).abs() < 1e-6), "{days:?}");
}

#[test]
fn a_discontinued_product_is_forecast_zero_and_the_page_says_why() {
    // Two years of daily sales with a weekly pattern, then nothing for the last 60 days
    // before the cutoff and after it: a product taken off the shelf. A year earlier the
    // same days sold, so it is not a season; the horizon is closed and forecast 0.
    let p = project();
    let root = p.path();
    let first = day("2023-01-02");
    let (sold, days) = (730u64, 730 + 60 + 185);
    let mut text = String::from("date,y\n");
    for i in 0..days {
        let v = if i < sold { 50 + 10 * (i % 7) } else { 0 };
        text.push_str(&format!("{},{v}\n", first + Days::new(i)));
    }
    let (row, run) = evaluate_file(root, "descontinuado", &text, "DE", &[]);
    assert_eq!(row["mae"], 0.0, "{row}");
    let features = json(&run.join("reports/features_latest.json"));
    let stop = &features["body"]["report"]["serie_detenida"];
    assert_eq!(
        stop["desde"],
        (first + Days::new(sold)).to_string(),
        "{stop}"
    );
    assert_eq!(stop["dias_sin_ventas"], 60);
    let fc = std::fs::read_to_string(run.join("forecast/forecast_daily_latest.csv")).unwrap();
    assert!(read_series(&fc).values().all(|v| *v == 0.0));
    // The whole run: the planner's page says so at the top.
    let cutoff = first + Days::new(sold + 59);
    let csv = root.join("descontinuado.csv");
    assert_eq!(xtask(root, &minimal_args(&csv, "DE", Some(cutoff))), 0);
    let page = std::fs::read_to_string(root.join("outputs/figures/informe_latest.html")).unwrap();
    assert!(
        page.contains("Esta serie no registra ventas desde el"),
        "{page}"
    );
    // Turned off, the same file forecasts its old level again.
    let off = ["--set", "features.serie_detenida=null"];
    evaluate_file(root, "descontinuado", &text, "DE", &off);
    let fc = std::fs::read_to_string(run.join("forecast/forecast_daily_latest.csv")).unwrap();
    assert!(read_series(&fc).values().sum::<f64>() > 0.0);
}

#[test]
fn a_history_under_a_year_is_forecast_with_wider_intervals_and_a_warning() {
    // 150 days of history (then the 185 held out): no yearly cycle to learn, one short
    // backtest fold. It is forecast all the same, its intervals widened for the days the
    // fold never reached, and the planner's page says the history is short.
    let p = project();
    let root = p.path();
    let first = day("2024-03-04");
    let text = synthetic_csv(first, 150 + 185);
    let (row, run) = evaluate_file(root, "corta", &text, "DE", &[]);
    // The yearly swing (±20 %) it never saw is most of its error.
    assert!(row["wape"].as_f64().unwrap() < 0.2, "{row}");
    let forecast = json(&run.join("reports/forecast_latest.json"));
    let cal = &forecast["body"]["calibracion"];
    let widening = cal["horizon_factor"].as_f64().unwrap();
    assert!(widening > 1.2, "{cal}");
    let factor = cal["factor"].as_f64().unwrap();
    assert!((factor - widening * cal["cross_fold_factor"].as_f64().unwrap()).abs() < 1e-9);
    let csv = root.join("corta.csv");
    let cutoff = first + Days::new(149);
    assert_eq!(xtask(root, &minimal_args(&csv, "DE", Some(cutoff))), 0);
    let page = std::fs::read_to_string(root.join("outputs/figures/informe_latest.html")).unwrap();
    assert!(
        page.contains("La historia cubre solo 150 días, menos de un año"),
        "{page}"
    );
    let fallback = "demasiado corta para elegir entre modelos";
    assert!(!page.contains(fallback));
    // Ten weeks: the weekday median serves, and the page says why.
    let cutoff = first + Days::new(69);
    assert_eq!(xtask(root, &minimal_args(&csv, "DE", Some(cutoff))), 0);
    let page = std::fs::read_to_string(root.join("outputs/figures/informe_latest.html")).unwrap();
    assert!(
        page.contains("La mediana de cada día de la semana"),
        "{page}"
    );
    assert!(page.contains(fallback), "{page}");
    // Under the contract's 60 clean days the run is refused, naming the rule.
    let cutoff = first + Days::new(39);
    assert_eq!(xtask(root, &minimal_args(&csv, "DE", Some(cutoff))), 1);
    let validation =
        std::fs::read_to_string(root.join("outputs/reports/validation_latest.json")).unwrap();
    assert!(
        validation.contains("at least 60 clean days"),
        "{validation}"
    );
}

#[test]
fn a_colombian_export_with_lone_thousands_dots_scores_as_plain_numbers() {
    // Whole units around a thousand: `1.234` is 1234 in an es-CO spreadsheet export, and
    // polars alone reads it as 1.234. The file scores exactly as the plain one.
    let p = project();
    let root = p.path();
    let plain: Vec<(String, u64)> = synthetic_csv(day("2022-01-03"), 900)
        .lines()
        .skip(1)
        .map(|l| {
            let (d, y) = l.split_once(',').unwrap();
            (
                d.to_string(),
                (2.0 * y.parse::<f64>().unwrap()).round() as u64,
            )
        })
        .collect();
    assert!(plain.iter().any(|(_, y)| *y >= 1000) && plain.iter().any(|(_, y)| *y < 1000));
    let write = |grouped: bool| {
        let mut t = String::from("fecha;unidades_vendidas\n");
        for (d, y) in &plain {
            let y = match (grouped, y / 1000) {
                (true, k) if k > 0 => format!("{k}.{:03}", y % 1000),
                _ => y.to_string(),
            };
            t.push_str(&format!("{d};{y}\n"));
        }
        t
    };
    let (a, _) = evaluate_file(root, "plano", &write(false), "CO", &[]);
    let (b, run) = evaluate_file(root, "exportado", &write(true), "CO", &[]);
    assert_eq!(a["mae"], b["mae"], "{a}\n{b}");
    let validation = json(&run.join("reports/validation_latest.json"));
    assert_eq!(validation["body"]["target_kind"], "units", "{validation}");
    // Read cell by cell, the same file is a different series.
    let none = ["--set", "source.csv.thousands=none"];
    let (c, _) = evaluate_file(root, "exportado", &write(true), "CO", &none);
    assert_ne!(a["mae"], c["mae"]);
}

#[test]
fn a_product_launched_after_the_history_starts_is_forecast_from_its_first_sale() {
    // 300 days at 0 (a product not yet on sale, recorded all the same), then two and a half
    // years of sales: the history starts at the first sale, and the forecast is closer to
    // the held-out days than with the zeros kept.
    let p = project();
    let root = p.path();
    let first = day("2021-01-04");
    let sales = synthetic_csv(first + Days::new(300), 900 + 185);
    let mut text = String::from("date,y\n");
    for i in 0..300 {
        text.push_str(&format!("{},0\n", first + Days::new(i)));
    }
    text.push_str(sales.split_once('\n').unwrap().1);
    let (row, run) = evaluate_file(root, "lanzado", &text, "DE", &[]);
    let features = json(&run.join("reports/features_latest.json"));
    let launch = &features["body"]["report"]["serie_lanzada"];
    let first_sale = sales.lines().nth(1).unwrap().split(',').next().unwrap();
    assert_eq!(launch["desde"], first_sale, "{launch}");
    assert_eq!(features["body"]["report"]["origin"], first_sale);
    let off = ["--set", "features.serie_lanzada=null"];
    let (kept, _) = evaluate_file(root, "lanzado", &text, "DE", &off);
    assert!(
        row["wape"].as_f64().unwrap() < kept["wape"].as_f64().unwrap(),
        "{row}\n{kept}"
    );
}

#[test]
fn a_workbook_scores_as_its_csv_twin() {
    // The planner's spreadsheet as saved by Excel (dates formatted DD/MM/YYYY, one sheet)
    // and the same days as a CSV: the same forecast, the same scores.
    let p = project();
    let root = p.path();
    let data = repo_root().join("tests/data");
    let score = |file: &str| -> Value {
        let args: Vec<String> = vec![
            "evaluate".into(),
            format!("{}:CO", data.join(file).display()),
        ];
        assert_eq!(xtask(root, &args), 0);
        let ev = json(&root.join("outputs/evaluate/evaluacion_latest.json"));
        let row = ev["body"]["filas"][0].clone();
        assert_eq!(row["estado"], "ok", "{row}");
        row
    };
    let (book, csv) = (score("ventas_diarias.xlsx"), score("ventas_diarias.csv"));
    for k in ["mae", "mase", "cobertura_80", "campeon"] {
        assert_eq!(book[k], csv[k], "{k}: {book}\n{csv}");
    }
}

#[test]
fn a_file_whose_target_has_its_own_name_scores_as_date_y() {
    // `Fecha,Ventas`: no column is named as the target, and the only numeric one that is not
    // a 0/1 flag is taken as it, with a warning in the validation report naming it.
    let p = project();
    let root = p.path();
    let text = synthetic_csv(day("2023-01-02"), 548 + 185);
    let (a, _) = evaluate_file(root, "plano", &text, "CO", &[]);
    let named = text.replacen("date,y", "Fecha,Ventas", 1);
    let (b, run) = evaluate_file(root, "ventas", &named, "CO", &[]);
    assert_eq!(a["mae"], b["mae"], "{a}\n{b}");
    let validation = json(&run.join("reports/validation_latest.json"));
    let failures = validation["body"]["failures"].as_array().unwrap();
    assert!(
        failures
            .iter()
            .any(|f| f["rule"] == "inferred_target" && f["column"] == "ventas"),
        "{validation}"
    );
}

#[test]
fn trailing_rows_without_sales_are_the_horizon_and_their_flags_its_future() {
    // An export that already lists the next 185 days with their fair flag (`feria`, known in
    // advance) and no sales yet. The history ends on the last day with a value; the blank
    // days are not imputed into it, and the flag's future comes from them.
    let p = project();
    let root = p.path();
    let first = day("2023-01-02");
    let (sold, listed) = (800u64, 985u64);
    let mut text = String::from("date,y,feria\n");
    for i in 0..listed {
        let d = first + Days::new(i);
        let feria = u8::from(i % 30 < 3);
        let y = if i < sold {
            format!("{}", (100 + 10 * (i % 7)) * if feria == 1 { 2 } else { 1 })
        } else {
            String::new()
        };
        text.push_str(&format!("{d},{y},{feria}\n"));
    }
    let csv = root.join("con_futuro.csv");
    std::fs::write(&csv, &text).unwrap();
    assert_eq!(xtask(root, &minimal_args(&csv, "DE", None)), 0);
    let fc =
        std::fs::read_to_string(root.join("outputs/forecast/forecast_daily_latest.csv")).unwrap();
    let days = read_series(&fc);
    let last_sold = first + Days::new(sold - 1);
    assert_eq!(days.keys().next(), Some(&(last_sold + Days::new(1))));
    assert_eq!(days.len(), 185);
    let features = json(&root.join("outputs/reports/features_latest.json"));
    let notes = features["body"]["report"]["extra_notes"]
        .as_array()
        .unwrap();
    let feria = notes.iter().find(|n| n["columna"] == "feria").unwrap();
    assert_eq!(feria["uso"], "feature", "{feria}");
    assert_eq!(feria["futuro_de_la_fuente"], 185, "{feria}");
    // The fair days of the listed future sell about twice the others.
    let fair = last_sold + Days::new(1 + (30 - (sold % 30)) % 30);
    let plain = fair + Days::new(7);
    assert!(
        days[&fair] > 1.5 * days[&plain],
        "{} vs {}",
        days[&fair],
        days[&plain]
    );
    // Nothing after the history was observed: no hold-out, and validation saw no blank target.
    assert!(holdout(root).is_null());
    let validation = json(&root.join("outputs/reports/validation_latest.json"));
    assert!(!validation.to_string().contains("NotNull"), "{validation}");
}

#[test]
fn with_fin_historia_ultima_fila_trailing_blank_days_are_missing_history() {
    // An outage: the till exported its last 10 days without sales. With
    // `run.fin_historia: ultima_fila` they are missing days of the history, as any gap, and
    // the forecast starts after the last row; by default they would be the horizon.
    let p = project();
    let root = p.path();
    let first = day("2023-01-02");
    let (sold, listed) = (800u64, 810u64);
    let mut text = String::from("date,y\n");
    for i in 0..listed {
        let y = if i < sold {
            format!("{}", 100 + 10 * (i % 7))
        } else {
            String::new()
        };
        text.push_str(&format!("{},{y}\n", first + Days::new(i)));
    }
    let csv = root.join("apagon.csv");
    std::fs::write(&csv, &text).unwrap();
    let mut args = minimal_args(&csv, "DE", None);
    args.extend(["--set".into(), "run.fin_historia=ultima_fila".into()]);
    assert_eq!(xtask(root, &args), 0);
    let fc =
        std::fs::read_to_string(root.join("outputs/forecast/forecast_daily_latest.csv")).unwrap();
    let days = read_series(&fc);
    assert_eq!(days.keys().next(), Some(&(first + Days::new(listed))));
    let cleansing = json(&root.join("outputs/reports/cleansing_latest.json"));
    let report = &cleansing["body"]["report"];
    assert_eq!(
        report["last_date"],
        (first + Days::new(listed - 1)).to_string()
    );
    assert_eq!(report["flag_counts"]["valor_nulo"], 10, "{report}");
    let missing =
        report["imputed_days"].as_u64().unwrap() + report["left_missing"].as_u64().unwrap();
    assert_eq!(missing, 10, "{report}");
}

#[test]
fn today_s_row_is_the_day_in_progress_unless_said_otherwise() {
    // A scheduled run at noon: the till's export ends with today's row holding the morning's
    // sales. By default (`run.dia_en_curso: horizonte`) the history ends yesterday, today is
    // the first day forecast and its partial value is not scored; `historia` reads it as a
    // whole day.
    let p = project();
    let root = p.path();
    let first = day("2023-01-02");
    let days = 800u64;
    let today = first + Days::new(days - 1);
    let mut text = String::from("date,y\n");
    for i in 0..days {
        let full = 100 + 10 * (i % 7);
        let y = if i + 1 == days { full / 4 } else { full };
        text.push_str(&format!("{},{y}\n", first + Days::new(i)));
    }
    let csv = root.join("mediodia.csv");
    std::fs::write(&csv, &text).unwrap();
    let mut args = minimal_args(&csv, "DE", None);
    args.extend(["--set".into(), format!("run.today={today}")]);
    assert_eq!(xtask(root, &args), 0);
    let fc =
        std::fs::read_to_string(root.join("outputs/forecast/forecast_daily_latest.csv")).unwrap();
    let forecast = read_series(&fc);
    assert_eq!(forecast.keys().next(), Some(&today));
    // A whole day's forecast, not the morning's quarter.
    let usual = (100 + 10 * ((days - 1) % 7)) as f64;
    assert!(forecast[&today] > 0.6 * usual, "{}", forecast[&today]);
    let cleansing = json(&root.join("outputs/reports/cleansing_latest.json"));
    assert_eq!(
        cleansing["body"]["report"]["last_date"],
        (today - Days::new(1)).to_string()
    );
    let report = json(&root.join("outputs/reports/forecast_latest.json"));
    assert!(
        report["body"]["holdout"].is_null(),
        "{}",
        report["body"]["holdout"]
    );
    // Read as a whole day, the quarter is history and the forecast starts tomorrow.
    args.extend(["--set".into(), "run.dia_en_curso=historia".into()]);
    assert_eq!(xtask(root, &args), 0);
    let fc =
        std::fs::read_to_string(root.join("outputs/forecast/forecast_daily_latest.csv")).unwrap();
    assert_eq!(
        read_series(&fc).keys().next(),
        Some(&(today + Days::new(1)))
    );
}

#[test]
fn ten_weeks_of_history_are_forecast_by_the_weekday_median() {
    // Ten weeks of sales and a 185-day hold-out: the backtest's one fold reaches 28 days of
    // the 185, too few to choose a model by. The fallback serves and says so, and its
    // forecast repeats one week.
    let p = project();
    let text = synthetic_csv(day("2024-03-04"), 70 + 185);
    let (row, run) = evaluate_file(p.path(), "diez_semanas", &text, "DE", &[]);
    assert_eq!(row["campeon"], "perfil_semanal", "{row}");
    let train = json(&run.join("reports/train_latest.json"));
    assert_eq!(train["body"]["champion"], "perfil_semanal");
    let why = train["body"]["respaldo"].as_str().unwrap();
    assert!(
        why.starts_with("train.respaldo: the backtest reached") && why.contains("of the 185"),
        "{why}"
    );
    let fc = std::fs::read_to_string(run.join("forecast/forecast_daily_latest.csv")).unwrap();
    let fc = read_series(&fc);
    let mut compared = 0;
    for (d, v) in &fc {
        // Closed days (festivos) are forecast 0 whatever the weekday.
        if let Some(w) = fc
            .get(&(*d + Days::new(7)))
            .filter(|w| **w > 0.0 && *v > 0.0)
        {
            assert!((v - w).abs() < 1e-9 * v.abs(), "{d}: {v} vs {w}");
            compared += 1;
        }
    }
    assert!(compared > 150, "{compared}");
    // The champion file alone serves the same forecast, intervals included.
    let bytes = std::fs::read(run.join("models/champion_latest.json")).unwrap();
    let art = models::ModelArtifact::from_json(&bytes, None).unwrap();
    assert!(art.model.profile.is_some());
    let served = forecaster::Forecaster::new(art)
        .forecast_days(185, &forecaster::IntervalConfig::default(), 42)
        .unwrap();
    let daily = std::fs::read_to_string(run.join("forecast/forecast_daily_latest.csv")).unwrap();
    for (row, d) in daily.lines().skip(1).zip(&served.daily) {
        let cells: Vec<f64> = row.split(',').skip(1).map(|c| c.parse().unwrap()).collect();
        assert!((cells[0] - d.point).abs() < 1e-9, "{row} vs {}", d.point);
        assert!((cells[1] - d.bounds[0].lower).abs() < 1e-9, "{row}");
        assert!((cells[2] - d.bounds[0].upper).abs() < 1e-9, "{row}");
    }
}
