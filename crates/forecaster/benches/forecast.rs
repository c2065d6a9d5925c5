//! criterion bench of what a service does per request: load a champion artifact (JSON) and
//! produce a 185-day forecast with 250 bootstrap paths (80 % and 95 % intervals, monthly
//! totals). Demo-sized model: 2,891 days, lags 1, 7, 14, 21, 28 + a 7-day mean, 40 exog columns.
//! `cargo bench -p forecaster`; CI runs it once in test mode.

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion};
use forecaster::{Forecaster, FutureInputs, IntervalConfig};
use models::{
    Autoregressive, Exog, ModelArtifact, ModelSpec, Regressor, Stat, Transform, WindowFeature,
};

const N: usize = 2891;
const H: usize = 185;

fn artifact_json() -> (Vec<u8>, Exog, NaiveDate) {
    let total = N + H;
    let y: Vec<f64> = (0..N)
        .map(|t| {
            let t = t as f64;
            400.0
                + 0.05 * t
                + 80.0 * (t * std::f64::consts::TAU / 7.0).sin()
                + 30.0 * (t / 58.0).cos()
                + 25.0 * ((t * 12.9898).sin() * 43758.5453).fract()
        })
        .collect();
    let cols: Vec<Vec<f64>> = (0..40)
        .map(|j| {
            (0..total)
                .map(|t| ((t * (j + 3)) % 11) as f64 / 10.0)
                .collect()
        })
        .collect();
    let names: Vec<String> = (0..40).map(|j| format!("x{j}")).collect();
    let exog = Exog::new(names.clone(), cols.clone()).expect("equal lengths");
    let spec = ModelSpec::Recursive {
        regressor: Regressor::Ridge { alpha: 1.0 },
        autoregressive: Autoregressive {
            lags: vec![1, 7, 14, 21, 28],
            windows: vec![WindowFeature {
                stat: Stat::Mean,
                window: 7,
            }],
        },
        transform: Transform::Log1p,
        clip_negative: true,
        differentiation: 0,
        local_level: None,
    };
    let fitted = spec.fit(&y, Some(&exog.slice(0..N))).expect("fit");
    let start = NaiveDate::from_ymd_opt(2018, 1, 1).expect("date");
    let until = start + chrono::Days::new(N as u64 - 1);
    let art = ModelArtifact::new("bench", "y", start, until, "", Default::default(), fitted);
    (art.to_json().expect("json"), exog.slice(N..total), until)
}

fn benches(c: &mut Criterion) {
    let (json, future_exog, until) = artifact_json();
    let future = FutureInputs::open_days(until + chrono::Days::new(1), H, Some(future_exog));
    // skforecast's defaults: in-sample residuals, 10 bins.
    let cfg = IntervalConfig {
        residuals: forecaster::ResidualSource::InSample,
        n_bins: 10,
        ..IntervalConfig::default()
    };
    c.bench_function("load artifact (JSON)", |b| {
        b.iter(|| Forecaster::from_json(black_box(&json), None).expect("artifact"))
    });
    let loaded = Forecaster::from_json(&json, None).expect("artifact");
    c.bench_function("185-day forecast, 250 bootstrap paths", |b| {
        b.iter(|| {
            loaded
                .forecast(black_box(&future), &cfg, 42)
                .expect("forecast")
        })
    });
    c.bench_function(
        "load artifact + 185-day forecast, 250 bootstrap paths",
        |b| {
            b.iter(|| {
                let f = Forecaster::from_json(black_box(&json), None).expect("artifact");
                f.forecast(&future, &cfg, 42).expect("forecast")
            })
        },
    );
}

criterion_group! {
    name = group;
    config = Criterion::default().sample_size(20);
    targets = benches
}
criterion_main!(group);
