//! Phase 06 on the demo data: the outputs' shape and invariants, the forecast against the
//! generator's known expected demand (domain.md §8), the December peak, and a hold-out run
//! whose intervals are scored against the demo's actual sales.

use e2e::project;
use std::collections::BTreeMap;
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use serde_json::Value;

fn xtask(root: &Path, args: &[&str], sets: &[&str]) -> u8 {
    let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    for s in sets {
        all.push("--set".into());
        all.push(s.to_string());
    }
    xtask::cli::main_with(&all, Some(root), &[])
}

struct Daily {
    fecha: NaiveDate,
    point: f64,
    lo80: f64,
    hi80: f64,
    lo95: f64,
    hi95: f64,
}

fn read_daily(root: &Path) -> (String, Vec<Daily>) {
    let text =
        std::fs::read_to_string(root.join("outputs/forecast/forecast_daily_latest.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().to_string();
    let rows = lines
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            let f = |i: usize| c[i].parse::<f64>().unwrap();
            Daily {
                fecha: c[0].parse().unwrap(),
                point: f(1),
                lo80: f(2),
                hi80: f(3),
                lo95: f(4),
                hi95: f(5),
            }
        })
        .collect();
    (header, rows)
}

fn report(root: &Path) -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(root.join("outputs/reports/forecast_latest.json")).unwrap(),
    )
    .unwrap()
}

#[test]
fn demo_forecast_is_well_formed_tracks_the_known_demand_and_peaks_on_christmas_eve() {
    let p = project();
    let root = p.path();
    assert_eq!(xtask(root, &["run"], &[]), 0);
    let (header, daily) = read_daily(root);
    assert_eq!(
        header,
        "fecha,unidades_pronosticadas,limite_inferior_80,limite_superior_80,limite_inferior_95,limite_superior_95"
    );
    assert_eq!(daily.len(), 185);
    assert_eq!(
        daily[0].fecha,
        NaiveDate::from_ymd_opt(2025, 12, 1).unwrap()
    );
    for d in &daily {
        assert!(0.0 <= d.lo95, "{}: non-negative", d.fecha);
        assert!(
            d.lo95 <= d.lo80 && d.lo80 <= d.point && d.point <= d.hi80 && d.hi80 <= d.hi95,
            "{}: bounds ordered and widening with the level",
            d.fecha
        );
    }
    // Monthly totals: points are the sums of the daily points; partial months are marked.
    let monthly =
        std::fs::read_to_string(root.join("outputs/forecast/forecast_monthly_latest.csv")).unwrap();
    let mut lines = monthly.lines();
    assert_eq!(
        lines.next().unwrap(),
        "mes,dias,parcial,unidades_pronosticadas,limite_inferior_80,limite_superior_80,limite_inferior_95,limite_superior_95"
    );
    let mut sums: BTreeMap<String, (f64, u32)> = BTreeMap::new();
    for d in &daily {
        let e = sums
            .entry(format!("{:04}-{:02}", d.fecha.year(), d.fecha.month()))
            .or_default();
        e.0 += d.point;
        e.1 += 1;
    }
    let rows: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    assert_eq!(rows.len(), sums.len());
    for r in &rows {
        let (total, days) = sums[&r[0]];
        assert!((r[3].parse::<f64>().unwrap() - total).abs() < 1e-6 * total);
        assert_eq!(r[1].parse::<u32>().unwrap(), days);
        let lo95: f64 = r[6].parse().unwrap();
        let lo80: f64 = r[4].parse().unwrap();
        let hi80: f64 = r[5].parse().unwrap();
        let hi95: f64 = r[7].parse().unwrap();
        assert!(lo95 <= lo80 && lo80 < hi80 && hi80 <= hi95, "{r:?}");
        // Summed paths, not summed daily bounds: the monthly band is much narrower than the
        // sum of the daily bands.
        let daily_width: f64 = daily
            .iter()
            .filter(|d| d.fecha.format("%Y-%m").to_string() == r[0])
            .map(|d| d.hi80 - d.lo80)
            .sum();
        // (A month of a few days has little to average: checked on weeks or more.)
        if days >= 7 {
            assert!(hi80 - lo80 < 0.6 * daily_width, "{}", r[0]);
        }
    }
    assert_eq!(rows[0][2], "false", "December 2025 is complete");
    assert_eq!(rows.last().unwrap()[2], "true", "June 2026 is partial");

    // The generator's expected demand (no planned promotions): WAPE < 10 %.
    let cal = calendar::CalendarConfig::default();
    let gen = connector::DemoGenerator::new(connector::DemoConfig::default(), 42, &cal).unwrap();
    let (mut abs, mut tot) = (0.0, 0.0);
    for d in &daily {
        let mu = gen.mu(d.fecha, false).unwrap();
        abs += (d.point - mu).abs();
        tot += mu;
    }
    let wape = abs / tot;
    assert!(wape < 0.10, "WAPE against the generator's mu = {wape}");

    // Christmas Eve more than twice the mean of Mon–Fri 1–5 December 2025 (§8.5).
    let at = |m: u32, d: u32| {
        let f = NaiveDate::from_ymd_opt(2025, m, d).unwrap();
        daily.iter().find(|x| x.fecha == f).unwrap().point
    };
    let early = (1..=5).map(|d| at(12, d)).sum::<f64>() / 5.0;
    assert!(at(12, 24) > 2.0 * early, "{} vs {early}", at(12, 24));

    let r = report(root);
    assert!(
        r["body"]["holdout"].is_null(),
        "no actuals after the cutoff"
    );
    assert_eq!(r["body"]["days"], 185);

    // First rows, rounded to cents (insta).
    let first: Vec<String> = daily
        .iter()
        .take(7)
        .map(|d| {
            format!(
                "{} {:.2} [{:.2}, {:.2}] [{:.2}, {:.2}]",
                d.fecha, d.point, d.lo80, d.hi80, d.lo95, d.hi95
            )
        })
        .collect();
    insta::assert_yaml_snapshot!(first);
}

#[test]
fn hold_out_run_scores_the_forecast_and_its_intervals_against_the_demo_actuals() {
    let p = project();
    let root = p.path();
    // 185 days before the last demo date.
    // The configured scenarios target the default horizon: none on this one.
    assert_eq!(
        xtask(
            root,
            &["run"],
            &["run.cutoff=2025-05-29", "simulate.scenarios=[]"]
        ),
        0
    );
    let r = report(root);
    let h = &r["body"]["holdout"];
    assert_eq!(h["from"], "2025-05-30");
    assert_eq!(h["until"], "2025-11-30");
    let overall = &h["overall"];
    let mase7 = overall["mase7"].as_f64().unwrap();
    assert!(
        mase7 < 1.0,
        "beats the weekly naive on the hold-out: {mase7}"
    );
    let cov = |k: usize| overall["intervals"][k]["coverage"].as_f64().unwrap();
    assert_eq!(overall["intervals"][0]["level"], 80.0);
    assert!((0.6..=0.97).contains(&cov(0)), "80 % coverage {}", cov(0));
    assert!((0.8..=1.0).contains(&cov(1)), "95 % coverage {}", cov(1));
    assert!(cov(1) >= cov(0));
    assert_eq!(h["by_month"].as_object().unwrap().len(), 7);
    assert!(root
        .join("outputs/figures/forecast_fan_latest.png")
        .is_file());
}

/// Phase 08 on a demo run whose cutoff is 90 days before the last date: the clean actuals keep
/// the status OK; the same run with a level shift injected into the actuals raises ALERT, with
/// the change detectors' dates after the shift.
#[test]
fn monitor_is_ok_on_clean_actuals_and_alerts_on_an_injected_level_shift() {
    let run = |extra: &[&str]| {
        let p = project();
        let mut sets = vec!["run.cutoff=2025-09-01", "simulate.scenarios=[]"];
        sets.extend_from_slice(extra);
        assert_eq!(xtask(p.path(), &["run"], &sets), 0);
        let m: Value = serde_json::from_str(
            &std::fs::read_to_string(p.path().join("outputs/reports/monitor_latest.json")).unwrap(),
        )
        .unwrap();
        m["body"].clone()
    };
    let clean = run(&[]);
    assert_eq!(
        clean["status"], "OK",
        "{}",
        clean["latest"]["health"]["reasons"]
    );
    // 90 forecast days with actuals, less the demo's random missing days.
    let days = clean["latest"]["health"]["overall"]["days"]
        .as_u64()
        .unwrap();
    assert!((85..=90).contains(&days), "{days} scored days");
    assert_eq!(
        clean["latest"]["health"]["buckets"]
            .as_array()
            .unwrap()
            .len(),
        3,
        "1-7, 8-30, 31-90"
    );
    assert!(!clean["feature_drift"].as_array().unwrap().is_empty());
    let shifted = run(&["monitor.nivel_inyectado={desde: 2025-10-15, factor: 1.6}"]);
    assert_eq!(
        shifted["status"], "ALERT",
        "{}",
        shifted["latest"]["health"]["reasons"]
    );
    let alarm = shifted["latest"]["health"]["cusum_alarm"].as_str().unwrap();
    assert!(alarm >= "2025-10-15", "CUSUM alarm on {alarm}");
    let psi = shifted["target_drift"]["drift"]["psi"].as_f64().unwrap();
    assert!(psi > clean["target_drift"]["drift"]["psi"].as_f64().unwrap());
}
