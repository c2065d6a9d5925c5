//! criterion benches of the numeric core on a demo-sized series (2,891 days, 40 exog
//! columns): training-matrix building, Ridge fit, a 185-step recursive prediction and a
//! three-fold backtest with refit. `cargo bench -p models`; CI runs them once in test mode
//! (`cargo test --benches`) so they never rot.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use models::{
    backtest, train_matrix, Autoregressive, Exog, FoldConfig, ModelSpec, Refit, Regressor, Stat,
    Transform, WindowFeature,
};

const N: usize = 2891;

fn series() -> (Vec<f64>, Exog) {
    let y: Vec<f64> = (0..N)
        .map(|t| {
            let t = t as f64;
            400.0
                + 0.05 * t
                + 80.0 * (t * std::f64::consts::TAU / 7.0).sin()
                + 30.0 * (t / 58.0).cos()
        })
        .collect();
    let cols: Vec<Vec<f64>> = (0..40)
        .map(|j| (0..N).map(|t| ((t * (j + 3)) % 11) as f64 / 10.0).collect())
        .collect();
    let names = (0..40).map(|j| format!("x{j}")).collect();
    (y, Exog::new(names, cols).expect("equal lengths"))
}

fn spec() -> ModelSpec {
    ModelSpec::Recursive {
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
    }
}

fn benches(c: &mut Criterion) {
    let (y, exog) = series();
    let ar = Autoregressive {
        lags: (1..=28).collect(),
        windows: vec![WindowFeature {
            stat: Stat::Mean,
            window: 28,
        }],
    };
    c.bench_function("train_matrix 2891x(28 lags+1 window+40 exog)", |b| {
        b.iter(|| train_matrix(black_box(&y), &ar, Some(&exog)).expect("matrix"))
    });
    let s = spec();
    c.bench_function("ridge fit (recursive spec, 40 exog)", |b| {
        b.iter(|| s.fit(black_box(&y), Some(&exog)).expect("fit"))
    });
    let fitted = s.fit(&y, Some(&exog)).expect("fit");
    let future = exog.slice(0..185);
    c.bench_function("recursive predict 185 steps", |b| {
        b.iter(|| {
            fitted
                .predict(185, None, Some(black_box(&future)))
                .expect("predict")
        })
    });
    let cv = FoldConfig {
        steps: 185,
        initial_train_size: N - 3 * 185,
        refit: Refit::Always,
        fixed_train_size: true,
        gap: 0,
        skip_folds: None,
        allow_incomplete_fold: true,
        fold_stride: None,
    };
    c.bench_function("backtest 3 folds x 185 steps with refit", |b| {
        b.iter(|| backtest(&s, black_box(&y), None, Some(&exog), &cv).expect("backtest"))
    });
}

criterion_group! {
    name = group;
    config = Criterion::default().sample_size(20);
    targets = benches
}
criterion_main!(group);
