//! Drift measures against scipy (vectors from `fixtures/make_drift_vectors.py`), change
//! detectors on planted shifts, thresholds.

use monitor::drift::{
    cusum_alarm, drift, jensen_shannon, kolmogorov_sf, ks_2samp, out_of_range, page_hinkley_alarm,
    psi, wasserstein, wasserstein_norm, DriftThresholds,
};
use serde_json::Value;

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn close(got: f64, want: f64, rel: f64, what: &str) {
    assert!(
        (got - want).abs() <= rel * want.abs().max(1e-300),
        "{what}: got {got}, want {want}"
    );
}

#[test]
fn measures_match_scipy() {
    let v: Value = serde_json::from_str(include_str!("fixtures/drift_vectors.json")).unwrap();
    for c in v["cases"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        let (r, cur) = (floats(&c["reference"]), floats(&c["current"]));
        let (d, p) = ks_2samp(&r, &cur).unwrap();
        close(
            d,
            c["ks_statistic"].as_f64().unwrap(),
            1e-12,
            &format!("{id} ks"),
        );
        close(
            p,
            c["ks_p_value"].as_f64().unwrap(),
            1e-6,
            &format!("{id} ks p"),
        );
        close(
            wasserstein(&r, &cur).unwrap(),
            c["wasserstein"].as_f64().unwrap(),
            1e-9,
            id,
        );
        close(
            wasserstein_norm(&r, &cur).unwrap(),
            c["wasserstein_norm"].as_f64().unwrap(),
            1e-9,
            id,
        );
        close(
            psi(&r, &cur, 10).unwrap(),
            c["psi"].as_f64().unwrap(),
            1e-9,
            id,
        );
        close(
            jensen_shannon(&r, &cur, 10).unwrap(),
            c["jensen_shannon"].as_f64().unwrap(),
            1e-9,
            id,
        );
    }
    // The Kolmogorov survival function at a few known points (kstwobign.sf).
    close(kolmogorov_sf(1.0), 0.26999967167735456, 1e-9, "K(1)");
    close(kolmogorov_sf(0.5), 0.9639452436648751, 1e-9, "K(0.5)");
    close(kolmogorov_sf(0.15), 1.0, 1e-9, "K(0.15)");
}

#[test]
fn thresholds_flag_a_shift_and_not_a_copy() {
    let r: Vec<f64> = (0..500).map(|i| 100.0 + ((i * 37) % 41) as f64).collect();
    let t = DriftThresholds::default();
    let same = drift(&r, &r, &t).unwrap();
    assert!(same.flags.is_empty(), "{:?}", same.flags);
    assert_eq!(same.ks_statistic, 0.0);
    let shifted: Vec<f64> = r.iter().take(90).map(|x| x * 1.3).collect();
    let rep = drift(&r, &shifted, &t).unwrap();
    for f in ["ks", "psi_alert", "jensen_shannon", "wasserstein"] {
        assert!(rep.flags.iter().any(|x| x == f), "{f} in {:?}", rep.flags);
    }
    assert!(rep.out_of_range.1 > 0);
    assert_eq!(out_of_range(&r, &[99.0, 200.0, 120.0]), (1, 1));
}

#[test]
fn change_detectors_fire_after_a_planted_shift_and_not_before() {
    // Errors: small wobble, then a level shift of +3 standard deviations from day 60.
    let e: Vec<f64> = (0..120)
        .map(|i| ((i * 13) % 7) as f64 / 7.0 - 0.5 + if i >= 60 { 3.0 } else { 0.0 })
        .collect();
    let alarm = cusum_alarm(&e, 0.0, 1.0, 0.5, 5.0).unwrap();
    assert!((60..70).contains(&alarm), "CUSUM at {alarm}");
    assert_eq!(cusum_alarm(&e[..60], 0.0, 1.0, 0.5, 5.0), None);
    let ph = page_hinkley_alarm(&e, 0.1, 10.0).unwrap();
    assert!((60..75).contains(&ph), "Page-Hinkley at {ph}");
    assert_eq!(page_hinkley_alarm(&e[..60], 0.1, 10.0), None);
}
