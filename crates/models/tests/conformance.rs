//! Numerical parity with skforecast 0.26 on the vectors from its own test suite
//! (`tests/fixtures/skforecast_vectors.json`, a copy of `../shared/conformance/`), to 1e-9
//! relative.

use models::{
    backtest, train_matrix, Autoregressive, Exog, FoldConfig, Metric, ModelSpec, Refit, Regressor,
    Stat, Transform, WindowFeature,
};
use serde_json::Value;

fn vectors() -> Value {
    serde_json::from_str(include_str!("fixtures/skforecast_vectors.json")).unwrap()
}

fn vector(id: &str) -> Value {
    vectors()["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == id)
        .unwrap_or_else(|| panic!("no vector {id}"))
        .clone()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn fixture(name: &str) -> Vec<f64> {
    floats(&vectors()["fixtures"][name])
}

fn close(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let tol = 1e-9 * w.abs().max(1.0);
        assert!((g - w).abs() <= tol, "{what}[{i}]: got {g}, want {w}");
    }
}

fn ols(lags: usize) -> ModelSpec {
    ModelSpec::Recursive {
        regressor: Regressor::LinearRegression,
        autoregressive: Autoregressive {
            lags: (1..=lags).collect(),
            windows: vec![],
        },
        transform: Transform::None,
        clip_negative: false,
        differentiation: 0,
        local_level: None,
    }
}

#[test]
fn recursive_predict_linear_on_rank_deficient_lags() {
    let v = vector("recursive_predict_linear_no_exog");
    let y: Vec<f64> = (0..50).map(f64::from).collect();
    let f = ols(3).fit(&y, None).unwrap();
    let p = f.predict(5, None, None).unwrap();
    close(&p, &floats(&v["expected_predictions"]), "predictions");
}

#[test]
fn train_matrix_with_lags_and_exog() {
    let v = vector("train_matrix_lags_exog");
    let y: Vec<f64> = (0..10).map(f64::from).collect();
    let ex = Exog::new(
        vec!["exog".into()],
        vec![(100..110).map(f64::from).collect()],
    )
    .unwrap();
    let ar = Autoregressive {
        lags: (1..=5).collect(),
        windows: vec![],
    };
    let m = train_matrix(&y, &ar, Some(&ex)).unwrap();
    let names: Vec<&str> = v["expected_columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(m.names, names);
    let want: Vec<f64> = v["expected_X"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(floats)
        .collect();
    close(&m.x, &want, "X");
    close(&m.y, &floats(&v["expected_y"]), "y");
}

#[test]
fn train_matrix_with_window_features_and_exog() {
    let v = vector("train_matrix_window_features_exog");
    let y: Vec<f64> = (0..15).map(f64::from).collect();
    let ex = Exog::new(
        vec!["exog".into()],
        vec![(100..115).map(f64::from).collect()],
    )
    .unwrap();
    let ar = Autoregressive {
        lags: (1..=5).collect(),
        windows: vec![
            WindowFeature {
                stat: Stat::Mean,
                window: 5,
            },
            WindowFeature {
                stat: Stat::Median,
                window: 5,
            },
            WindowFeature {
                stat: Stat::Sum,
                window: 6,
            },
        ],
    };
    let m = train_matrix(&y, &ar, Some(&ex)).unwrap();
    let names: Vec<&str> = v["expected_columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(m.names, names);
    close(m.row(0), &floats(&v["expected_first_row"]), "first row");
    close(
        m.row(m.rows() - 1),
        &floats(&v["expected_last_row"]),
        "last row",
    );
    close(&m.y, &floats(&v["expected_y"]), "y");
}

fn fold(v: &Value) -> FoldConfig {
    let f = &v["fold"];
    FoldConfig {
        steps: f["steps"].as_u64().unwrap() as usize,
        initial_train_size: f["initial_train_size"].as_u64().unwrap() as usize,
        refit: if f["refit"].as_bool().unwrap() {
            Refit::Always
        } else {
            Refit::Never
        },
        fixed_train_size: f["fixed_train_size"].as_bool().unwrap_or(true),
        gap: f["gap"].as_u64().unwrap() as usize,
        skip_folds: None,
        allow_incomplete_fold: f["allow_incomplete_fold"].as_bool().unwrap_or(true),
        fold_stride: None,
    }
}

fn check_backtest(id: &str, with_exog: bool) {
    let v = vector(id);
    let y = fixture("Y50");
    let ex = with_exog.then(|| Exog::new(vec!["exog".into()], vec![fixture("EX50")]).unwrap());
    let b = backtest(&ols(3), &y, None, ex.as_ref(), &fold(&v)).unwrap();
    let preds: Vec<f64> = b.predictions.iter().map(|p| p.pred).collect();
    close(&preds, &floats(&v["expected_predictions"]), id);
    if let Some(f) = v.get("expected_folds") {
        let got: Vec<f64> = b.predictions.iter().map(|p| p.fold as f64).collect();
        close(&got, &floats(f), "folds");
    }
    let metrics = v["expected_metrics"].as_object().unwrap();
    for (name, want) in metrics {
        let m = match name.as_str() {
            "mean_squared_error" => Metric::Mse,
            "mean_absolute_error" => Metric::Mae,
            "mean_absolute_scaled_error" => Metric::Mase,
            other => panic!("unknown metric {other}"),
        };
        close(&[b.metrics[&m]], &[want.as_f64().unwrap()], name);
    }
    if let Some(model) = v.get("fold0_model") {
        let state = b.first_model.unwrap().state.unwrap();
        let fitted = state.fit.as_linear().unwrap();
        close(&fitted.coef, &floats(&model["coef"]), "coef");
        close(
            &[fitted.intercept],
            &[model["intercept"].as_f64().unwrap()],
            "intercept",
        );
    }
}

#[test]
fn backtest_no_refit() {
    check_backtest("backtest_no_refit_no_exog", false);
}

#[test]
fn backtest_refit_expanding() {
    check_backtest("backtest_refit_expanding_no_exog", false);
}

#[test]
fn backtest_no_refit_with_exog() {
    check_backtest("backtest_no_refit_exog", true);
}

#[test]
fn backtest_incomplete_last_fold() {
    check_backtest("backtest_no_refit_incomplete_last_fold", false);
}

#[test]
fn every_vector_is_covered() {
    let ids: Vec<String> = vectors()["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        ids,
        [
            "recursive_predict_linear_no_exog",
            "train_matrix_lags_exog",
            "train_matrix_window_features_exog",
            "backtest_no_refit_no_exog",
            "backtest_refit_expanding_no_exog",
            "backtest_no_refit_exog",
            "backtest_no_refit_incomplete_last_fold"
        ]
    );
}

/// Lasso and ElasticNet against scikit-learn 1.9.1 (vectors generated here with
/// `tol=1e-12`; see `fixtures/sklearn_enet.json`).
#[test]
fn lasso_and_elastic_net_match_scikit_learn() {
    let v: Value = serde_json::from_str(include_str!("fixtures/sklearn_enet.json")).unwrap();
    let rows: Vec<Vec<f64>> = v["X"].as_array().unwrap().iter().map(floats).collect();
    let m = models::TrainMatrix {
        names: (0..rows[0].len()).map(|j| format!("x{j}")).collect(),
        x: rows.iter().flatten().copied().collect(),
        y: floats(&v["y"]),
        positions: (0..rows.len()).collect(),
    };
    for case in v["cases"].as_array().unwrap() {
        let alpha = case["params"]["alpha"].as_f64().unwrap();
        let l1 = case["params"]["l1_ratio"].as_f64().unwrap_or(1.0);
        let fit = models::linear::elastic_net(&m, alpha, l1, 1e-12, 1_000_000).unwrap();
        let want = floats(&case["coef"]);
        for (g, w) in fit.coef.iter().zip(&want) {
            assert!((g - w).abs() < 1e-8, "{case}: coef {g} vs {w}");
        }
        let b = case["intercept"].as_f64().unwrap();
        assert!(
            (fit.intercept - b).abs() < 1e-8,
            "{case}: intercept {} vs {b}",
            fit.intercept
        );
        // Our defaults agree with scikit-learn's defaults within its stopping error.
        let ours = models::linear::elastic_net(
            &m,
            alpha,
            l1,
            models::linear::CD_TOL,
            models::linear::CD_MAX_ITER,
        )
        .unwrap();
        for (g, w) in ours.coef.iter().zip(&floats(&case["coef_default_tol"])) {
            assert!(
                (g - w).abs() < 1e-3,
                "{case}: default coef {g} vs scikit-learn's {w}"
            );
        }
    }
}

/// skforecast's `differentiation` (§B.1): vectors produced by
/// `fixtures/make_differencing_vectors.py` with skforecast 0.26 / scikit-learn 1.9.
#[test]
fn recursive_with_differencing_matches_skforecast() {
    let v: Value =
        serde_json::from_str(include_str!("fixtures/differencing_vectors.json")).unwrap();
    let y = floats(&v["y"]);
    let n = y.len();
    let x1 = floats(&v["exog_x1"]);
    for case in v["cases"].as_array().unwrap() {
        let id = case["id"].as_str().unwrap();
        let regressor = match case["estimator"].as_str().unwrap() {
            "Ridge" => Regressor::Ridge {
                alpha: case["alpha"].as_f64().unwrap(),
            },
            "LinearRegression" => Regressor::LinearRegression,
            other => panic!("{other}"),
        };
        let windows = match case["roll_mean_window"].as_u64() {
            Some(w) => vec![WindowFeature {
                stat: Stat::Mean,
                window: w as usize,
            }],
            None => vec![],
        };
        let spec = ModelSpec::Recursive {
            regressor,
            autoregressive: Autoregressive {
                lags: (1..=case["lags"].as_u64().unwrap() as usize).collect(),
                windows,
            },
            transform: Transform::None,
            clip_negative: false,
            differentiation: case["differentiation"].as_u64().unwrap() as usize,
            local_level: None,
        };
        assert_eq!(
            spec.window_size() as u64,
            case["window_size"].as_u64().unwrap(),
            "{id}: window size"
        );
        let with_exog = case["exog"].as_bool().unwrap();
        let train_exog =
            with_exog.then(|| Exog::new(vec!["x1".into()], vec![x1[..n].to_vec()]).unwrap());
        let future_exog =
            with_exog.then(|| Exog::new(vec!["x1".into()], vec![x1[n..].to_vec()]).unwrap());
        let fitted = spec.fit(&y, train_exog.as_ref()).unwrap();
        let lin = fitted
            .state
            .as_ref()
            .unwrap()
            .fit
            .as_linear()
            .unwrap()
            .clone();
        close(&lin.coef, &floats(&case["coef"]), &format!("{id} coef"));
        close(
            &[lin.intercept],
            &[case["intercept"].as_f64().unwrap()],
            &format!("{id} intercept"),
        );
        let want = floats(&case["predictions"]);
        let got = fitted
            .predict(want.len(), None, future_exog.as_ref())
            .unwrap();
        close(&got, &want, &format!("{id} predictions"));
    }
}
