//! The embedding API: invariants of a forecast (ordering, widening, closures, monthly sums,
//! thread-count independence) and clear errors for bad future inputs.

use chrono::{Days, NaiveDate};
use forecaster::{
    ForecastError, Forecaster, FutureInputs, IntervalConfig, IntervalMethod, ResidualSource,
};
use models::{Autoregressive, Exog, FittedModel, ModelArtifact, ModelSpec, Regressor, Transform};
use proptest::prelude::*;

const N: usize = 400;

fn start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()
}

fn exog(from: usize, to: usize) -> Exog {
    let x: Vec<f64> = (from..to).map(|t| ((t % 7) == 5) as u8 as f64).collect();
    Exog::new(vec!["sabado".into()], vec![x]).unwrap()
}

fn service(noise: f64) -> Forecaster {
    wrap(fitted(noise))
}

fn fitted(noise: f64) -> FittedModel {
    let y: Vec<f64> = (0..N)
        .map(|t| {
            let base = 200.0 + 80.0 * ((t % 7) == 5) as u8 as f64;
            base * (1.0 + noise * ((t as f64 * 12.9898).sin() * 43758.5453).fract())
        })
        .collect();
    let spec = ModelSpec::Recursive {
        regressor: Regressor::Ridge { alpha: 1.0 },
        autoregressive: Autoregressive {
            lags: vec![1, 7],
            windows: vec![],
        },
        transform: Transform::Log1p,
        clip_negative: true,
        differentiation: 0,
        local_level: None,
    };
    let mut fitted = spec.fit(&y, Some(&exog(0, N))).unwrap();
    // Pretend backtest errors: the actuals against 95 % of them.
    let pred: Vec<f64> = y.iter().map(|v| v * 0.95).collect();
    fitted.set_out_sample_residuals(&y, &pred).unwrap();
    fitted
}

fn wrap(fitted: FittedModel) -> Forecaster {
    let until = start() + Days::new(N as u64 - 1);
    Forecaster::new(ModelArtifact::new(
        "toy",
        "y",
        start(),
        until,
        "",
        Default::default(),
        fitted,
    ))
}

fn future(days: usize) -> FutureInputs {
    FutureInputs::open_days(start() + Days::new(N as u64), days, Some(exog(N, N + days)))
}

#[test]
fn bounds_are_ordered_widen_with_the_level_and_closures_give_zero() {
    let s = service(0.2);
    let mut f = future(60);
    f.open[10] = false;
    for method in [IntervalMethod::Bootstrapping, IntervalMethod::Conformal] {
        for residuals in [ResidualSource::InSample, ResidualSource::OutSample] {
            let cfg = IntervalConfig {
                method,
                residuals,
                ..IntervalConfig::default()
            }
            .with_levels(&[50.0, 80.0, 95.0])
            .unwrap();
            let fc = s.forecast(&f, &cfg, 7).unwrap();
            for d in &fc.daily {
                assert!(d.point >= 0.0);
                for w in d.bounds.windows(2) {
                    assert!(
                        w[1].lower <= w[0].lower && w[0].upper <= w[1].upper,
                        "{d:?}"
                    );
                }
                for b in &d.bounds {
                    assert!(b.lower <= d.point && d.point <= b.upper);
                }
            }
            let closed = &fc.daily[10];
            assert!(!closed.open);
            assert_eq!(closed.point, 0.0);
            assert!(closed
                .bounds
                .iter()
                .all(|b| b.lower == 0.0 && b.upper == 0.0));
            assert!(fc.paths.iter().all(|p| p[10] == 0.0));
            assert_eq!(fc.paths.is_empty(), method == IntervalMethod::Conformal);
        }
    }
}

#[test]
fn identical_whatever_the_thread_count_and_run() {
    let s = service(0.2);
    let f = future(185);
    let cfg = IntervalConfig::default();
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| s.forecast(&f, &cfg, 42).unwrap())
    };
    let one = run(1);
    assert_eq!(one, run(2));
    assert_eq!(one, run(1));
    assert_ne!(one, s.forecast(&f, &cfg, 43).unwrap(), "the seed matters");
}

#[test]
fn bad_future_inputs_are_clear_errors() {
    let s = service(0.2);
    let cfg = IntervalConfig::default();
    // Wrong start.
    let mut f = future(10);
    f.dates = f.dates.iter().map(|d| *d + Days::new(1)).collect();
    let e = s.forecast(&f, &cfg, 1).unwrap_err().to_string();
    assert!(
        e.contains("must start the day after the training data"),
        "{e}"
    );
    // Exog shorter than the horizon.
    let mut f = future(10);
    f.exog = Some(exog(N, N + 5));
    let e = s.forecast(&f, &cfg, 1).unwrap_err().to_string();
    assert!(e.contains("exog has 5 rows for 10 dates"), "{e}");
    // Missing exog.
    let mut f = future(10);
    f.exog = None;
    assert!(matches!(
        s.forecast(&f, &cfg, 1),
        Err(ForecastError::Model(models::ModelError::ExogMissing { .. }))
    ));
    // Other columns.
    let mut f = future(10);
    f.exog = Some(Exog::new(vec!["otra".into()], vec![vec![0.0; 10]]).unwrap());
    assert!(matches!(
        s.forecast(&f, &cfg, 1),
        Err(ForecastError::Model(models::ModelError::ExogColumns { .. }))
    ));
    // A gap in the dates.
    let mut f = future(10);
    f.dates[5] = f.dates[5] + Days::new(1);
    let e = s.forecast(&f, &cfg, 1).unwrap_err().to_string();
    assert!(e.contains("consecutive"), "{e}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Monthly points are the sums of the daily points; a month is partial exactly when the
    /// horizon does not cover it; monthly bounds come from summed paths and bracket them and the point.
    #[test]
    fn monthly_rows_sum_the_days(days in 1usize..120, seed in 0u64..1000) {
        let s = service(0.2);
        let cfg = IntervalConfig { n_boot: 40, ..IntervalConfig::default() };
        let fc = s.forecast(&future(days), &cfg, seed).unwrap();
        let total_days: u32 = fc.monthly.iter().map(|m| m.dias).sum();
        prop_assert_eq!(total_days as usize, days);
        for m in &fc.monthly {
            let sum: f64 = fc
                .daily
                .iter()
                .filter(|d| d.fecha.format("%Y-%m").to_string() == m.mes)
                .map(|d| d.point)
                .sum();
            prop_assert!((m.point - sum).abs() <= 1e-9 * sum.max(1.0));
            let sums: Vec<f64> = fc
                .paths
                .iter()
                .map(|p| {
                    fc.daily
                        .iter()
                        .zip(p)
                        .filter(|(d, _)| d.fecha.format("%Y-%m").to_string() == m.mes)
                        .map(|(_, v)| v)
                        .sum()
                })
                .collect();
            let lo = sums.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = sums.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            for b in &m.bounds {
                // Within the summed paths' range, widened only to hold the point.
                prop_assert!(lo.min(m.point) <= b.lower && b.upper <= hi.max(m.point));
                prop_assert!(b.lower <= m.point && m.point <= b.upper);
            }
        }
        let first = &fc.monthly[0];
        let month_len = if first.mes.ends_with("-02") { 28 } else { 31 };
        prop_assert_eq!(first.parcial, (first.dias as usize) < month_len);
    }
}

#[test]
fn residuals_without_folds_to_calibrate_are_widened_by_the_uncalibrated_factor() {
    let s = service(0.2);
    let f = future(30);
    let width = |factor: f64| {
        let cfg = IntervalConfig {
            uncalibrated_factor: factor,
            ..IntervalConfig::default()
        };
        let fc = s.forecast(&f, &cfg, 42).unwrap();
        let c = fc.calibration.clone().expect("a calibration report");
        assert_eq!((c.folds, c.factor), (0, factor));
        fc.daily
            .iter()
            .map(|d| d.bounds[0].upper - d.bounds[0].lower)
            .sum::<f64>()
    };
    let (plain, wide) = (width(1.0), width(1.5));
    assert!(wide > 1.3 * plain, "{wide} vs {plain}");
}

#[test]
fn the_horizon_factor_counts_the_days_the_backtest_reached_not_its_residuals() {
    // Two backtest folds of 120 days each with a value every other day (a gappy source):
    // 60 residuals a fold, but errors measured 119 days ahead.
    let mut model = fitted(0.2);
    let (mut actual, mut pred, mut fold) = (Vec::new(), Vec::new(), Vec::new());
    for f in 0..2usize {
        for t in (0..120).step_by(2) {
            actual.push(200.0 + t as f64);
            pred.push(190.0 + (t + f) as f64 * 1.1);
            fold.push(f);
        }
    }
    model
        .set_out_sample_residuals_by_fold(&actual, &pred, Some(&fold))
        .unwrap();
    let cfg = IntervalConfig::default();
    let factor = |reach: Option<usize>| {
        let mut m = model.clone();
        m.out_sample_mut().unwrap().reach = reach;
        wrap(m)
            .forecast(&future(130), &cfg, 42)
            .unwrap()
            .calibration
            .unwrap()
            .horizon_factor
    };
    // Without the reach (an older artifact): 60 residuals against 130 open days.
    assert!((factor(None) - (130.0f64 / 60.0).sqrt()).abs() < 1e-12);
    assert_eq!(factor(Some(119)), 1.0);
    assert!((factor(Some(65)) - 2.0f64.sqrt()).abs() < 1e-12);
}
