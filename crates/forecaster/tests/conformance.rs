//! Parity with numpy and skforecast 0.26: numpy's `default_rng(seed).integers` sequences, then
//! skforecast's bootstrap paths, bootstrap intervals and conformal intervals on three models
//! (vectors written by `tests/fixtures/make_*_vectors.py`).

use forecaster::intervals::{
    binned_residuals, bootstrap_paths, conformal_bounds, path_quantiles, ResidualSource,
};
use forecaster::rng::NumpyRng;
use models::{Autoregressive, Exog, ModelSpec, Regressor, Transform};
use serde_json::Value;

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn close(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let tol = 1e-9 * w.abs().max(1.0);
        assert!((g - w).abs() <= tol, "{what}[{i}]: got {g}, want {w}");
    }
}

#[test]
fn numpy_integers_are_reproduced_bit_for_bit() {
    let v: Value = serde_json::from_str(include_str!("fixtures/numpy_integers.json")).unwrap();
    for case in v["cases"].as_array().unwrap() {
        let seed = case["seed"].as_u64().unwrap();
        let mut rng = NumpyRng::new(seed);
        for call in case["calls"].as_array().unwrap() {
            let m = call["m"].as_u64().unwrap() as u32;
            let want: Vec<u32> = call["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap() as u32)
                .collect();
            assert_eq!(rng.integers(m, want.len()), want, "seed {seed}, m {m}");
        }
    }
}

#[test]
fn bootstrap_and_conformal_intervals_match_skforecast() {
    let v: Value = serde_json::from_str(include_str!("fixtures/interval_vectors.json")).unwrap();
    let y = floats(&v["y"]);
    let n = y.len();
    let (x1, x2) = (floats(&v["exog_x1"]), floats(&v["exog_x2"]));
    let exog = |from: usize, to: usize| {
        Exog::new(
            vec!["x1".into(), "x2".into()],
            vec![x1[from..to].to_vec(), x2[from..to].to_vec()],
        )
        .unwrap()
    };
    for case in v["cases"].as_array().unwrap() {
        let id = case["id"].as_str().unwrap();
        let regressor = match case["estimator"].as_str().unwrap() {
            "Ridge" => Regressor::Ridge {
                alpha: case["alpha"].as_f64().unwrap(),
            },
            _ => Regressor::LinearRegression,
        };
        let spec = ModelSpec::Recursive {
            regressor,
            autoregressive: Autoregressive {
                lags: (1..=case["lags"].as_u64().unwrap() as usize).collect(),
                windows: vec![],
            },
            transform: if case["log1p"].as_bool().unwrap() {
                Transform::Log1p
            } else {
                Transform::None
            },
            clip_negative: false,
            differentiation: case["differentiation"].as_u64().unwrap() as usize,
            local_level: None,
        };
        let with_exog = case["exog"].as_bool().unwrap();
        let train_exog = with_exog.then(|| exog(0, n));
        let future = with_exog.then(|| exog(n, n + 12));
        let model = spec.fit(&y, train_exog.as_ref()).unwrap();
        let res = binned_residuals(&model, ResidualSource::InSample, 10).unwrap();
        close(
            &res.binner.edges,
            &floats(&case["bin_edges"]),
            &format!("{id} bin edges"),
        );
        let point = model.predict(12, None, future.as_ref()).unwrap();
        close(&point, &floats(&case["point"]), &format!("{id} point"));
        let paths = bootstrap_paths(&model, 12, future.as_ref(), &res, 7, 123, true).unwrap();
        for (j, want) in case["paths"].as_array().unwrap().iter().enumerate() {
            close(&paths[j], &floats(want), &format!("{id} path {j}"));
        }
        close(
            &path_quantiles(&paths, 0.1),
            &floats(&case["boot_lower"]),
            &format!("{id} bootstrap lower"),
        );
        close(
            &path_quantiles(&paths, 0.9),
            &floats(&case["boot_upper"]),
            &format!("{id} bootstrap upper"),
        );
        for (binned, key) in [(true, "conformal"), (false, "conformal_unbinned")] {
            let (lo, hi) =
                conformal_bounds(&model, 12, future.as_ref(), &res, 80.0, binned).unwrap();
            close(
                &lo,
                &floats(&case[format!("{key}_lower")]),
                &format!("{id} {key} lower"),
            );
            close(
                &hi,
                &floats(&case[format!("{key}_upper")]),
                &format!("{id} {key} upper"),
            );
        }
    }
}
