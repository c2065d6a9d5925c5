#!/usr/bin/env python3
"""Runs the workloads of `cargo xtask bench` in skforecast 0.26; compares timings and metrics.

Not part of the tests. Usage (from the project root):

    cargo xtask bench                      # writes outputs/bench/w1_data.csv and bench_latest.json
    pip install skforecast==0.26.0
    python3 bench/compare_skforecast.py    # prints both timings, the speed-up and metric gaps

W1: Ridge(alpha) recursive forecasters, lags 1..k for k in {7, 14, 21, 28} x alpha in
{0.1, 1, 10, 100}, exog = the processed features, backtested with 185-step folds, refit with a
rolling window, 3 folds.
W2: RandomForestRegressor(n_estimators=100, random_state=seed), lags 1..14, same exog and folds.
Forests differ in their random draws, so W2's MAE is compared statistically (relative gap and
the spread of MAE over a few seeds), not to 1e-6.
W3: many series (1,000 days each): Ridge(1), lags 1..14, fit + 185-day forecast per series, in a
loop of ForecasterRecursive (forecast sums compared to 1e-6), and one
ForecasterRecursiveMultiSeries (defaults: ordinal encoding, no scaling) against our global Ridge
(`models::global`, the same semantics; forecast sums compared to 1e-6).
F1: Ridge(1), lags [1, 7, 14, 21, 28], a 7-day rolling mean, log1p, the same exog, fitted on all
but the last 185 days; `predict_interval(steps=185, n_boot=250, interval=[0.1, 0.9])` with the
run seed, timed against the Rust load-artifact + forecast, bounds compared to 1e-6.
"""
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import Ridge
from skforecast.model_selection import TimeSeriesFold, backtesting_forecaster
from skforecast.recursive import ForecasterRecursive

# skforecast's advice boxes would land on stdout, in the middle of the JSON.
warnings.filterwarnings("ignore")

LAGS = [7, 14, 21, 28]
ALPHAS = [0.1, 1.0, 10.0, 100.0]
STEPS, FOLDS = 185, 3


W2_TREES, W2_LAGS, W2_SEEDS = 100, 14, (1, 2, 3)


def workload(rust, name):
    return next(w for w in rust["workloads"] if w["workload"] == name)


def backtest(y, exog, cv, forecaster, n_jobs=1):
    metric, _ = backtesting_forecaster(
        forecaster=forecaster, y=y, exog=exog, cv=cv, metric="mean_absolute_error",
        n_jobs=n_jobs, show_progress=False,
    )
    return float(metric.iloc[0, -1])


def speed(py_seconds, w):
    rust_1 = next(t["seconds"] for t in w["timings"] if t["threads"] == 1)
    return {
        "skforecast_seconds_1_thread": py_seconds,
        "rust_seconds": {str(t["threads"]): t["seconds"] for t in w["timings"]},
        "speedup_single_thread": py_seconds / rust_1,
        "speedup_best": py_seconds / min(t["seconds"] for t in w["timings"]),
    }


def w1(rust, y, exog, cv):
    w = workload(rust, "W1")

    def run():
        out = {}
        t0 = time.perf_counter()
        for k in LAGS:
            for a in ALPHAS:
                f = ForecasterRecursive(estimator=Ridge(alpha=a), lags=k)
                out[f"w1_l{k}_a{a:g}"] = backtest(y, exog, cv, f)
        return time.perf_counter() - t0, out

    py_seconds, py_mae = min((run() for _ in range(2)), key=lambda r: r[0])
    gaps = {k: abs(py_mae[k] - w["mae"][k]) / max(abs(py_mae[k]), 1e-12) for k in py_mae}
    return {
        "workload": "W1",
        **speed(py_seconds, w),
        "max_relative_mae_gap": max(gaps.values()),
        "identical_to_1e-6": max(gaps.values()) <= 1e-6,
        "mae": {k: {"skforecast": py_mae[k], "rust": w["mae"][k]} for k in sorted(py_mae)},
    }


def w2(rust, y, exog, cv):
    w = workload(rust, "W2")
    (name, rust_mae), = w["mae"].items()

    def forest(seed):
        est = RandomForestRegressor(n_estimators=W2_TREES, random_state=seed, n_jobs=1)
        return ForecasterRecursive(estimator=est, lags=W2_LAGS)

    t0 = time.perf_counter()
    first = backtest(y, exog, cv, forest(W2_SEEDS[0]))
    py_seconds = time.perf_counter() - t0
    maes = [first] + [backtest(y, exog, cv, forest(s)) for s in W2_SEEDS[1:]]
    mean = sum(maes) / len(maes)
    spread = max(maes) - min(maes)
    return {
        "workload": "W2",
        **speed(py_seconds, w),
        "skforecast_mae_by_seed": dict(zip(map(str, W2_SEEDS), maes)),
        "rust_mae": {name: rust_mae},
        "relative_gap_to_mean": abs(rust_mae - mean) / mean,
        "within_seed_spread_or_2pct": abs(rust_mae - mean) <= max(spread, 0.02 * mean),
    }


def f1(rust, y, exog):
    from sklearn.preprocessing import FunctionTransformer
    from skforecast.preprocessing import RollingFeatures

    w = rust["forecast"]
    n = w["train_rows"]
    f = ForecasterRecursive(
        estimator=Ridge(alpha=1.0), lags=[1, 7, 14, 21, 28],
        window_features=RollingFeatures(stats=["mean"], window_sizes=7),
        transformer_y=FunctionTransformer(np.log1p, np.expm1),
    )
    f.fit(y=y.iloc[:n], exog=exog.iloc[:n], store_in_sample_residuals=True)
    future = exog.iloc[n:n + w["steps"]]
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        p = f.predict_interval(steps=w["steps"], exog=future, interval=[0.1, 0.9],
                               n_boot=w["n_boot"], random_state=w["seed"])
        best = min(best, time.perf_counter() - t0)
    gap = max(
        max(abs(a - b) / max(abs(b), 1e-12) for a, b in zip(w[k], p[c].tolist()))
        for k, c in [("point", "pred"), ("lower_80", "lower_bound"), ("upper_80", "upper_bound")]
    )
    return {
        "workload": "F1",
        **speed(best, w),
        "max_relative_gap_of_point_and_bounds": gap,
        "identical_to_1e-6": gap <= 1e-6,
    }


def w3(rust, root):
    """Many series: a loop of ForecasterRecursive against our local models, and one
    ForecasterRecursiveMultiSeries against our global Ridge."""
    from skforecast.recursive import ForecasterRecursiveMultiSeries

    w = rust["many"]
    df = pd.read_csv(root / w["data_csv"], float_precision="round_trip")
    series = {k: g["y"].reset_index(drop=True).astype(float) for k, g in df.groupby("serie", sort=True)}
    names = sorted(series)
    compared = next(s for s in w["sizes"] if s.get("forecast_sums"))
    out = {"workload": "W3", "days": w["days"], "lags": w["lags"], "steps": w["steps"], "sizes": []}
    for size in w["sizes"]:
        n = size["series"]
        if n > len(names):
            continue
        t0 = time.perf_counter()
        sums = []
        for k in names[:n]:
            f = ForecasterRecursive(estimator=Ridge(alpha=w["alpha"]), lags=w["lags"])
            f.fit(y=series[k])
            sums.append(float(f.predict(steps=w["steps"]).sum()))
        loop_seconds = time.perf_counter() - t0
        rust_1 = next(t["seconds"] for t in size["timings"] if t["threads"] == 1)
        rust_best = min(t["seconds"] for t in size["timings"])
        row = {
            "series": n,
            "skforecast_loop_seconds_1_thread": loop_seconds,
            "rust_seconds": {str(t["threads"]): t["seconds"] for t in size["timings"]},
            "speedup_vs_loop_single_thread": loop_seconds / rust_1,
            "speedup_vs_loop_best": loop_seconds / rust_best,
        }
        if n == compared["series"]:
            gap = max(abs(a - b) / max(abs(a), 1e-12) for a, b in zip(sums, compared["forecast_sums"]))
            row["max_relative_gap_of_forecast_sums"] = gap
            row["identical_to_1e-6"] = gap <= 1e-6
            wide = pd.DataFrame({k: series[k] for k in names[:n]})
            t0 = time.perf_counter()
            g = ForecasterRecursiveMultiSeries(estimator=Ridge(alpha=w["alpha"]), lags=w["lags"])
            g.fit(series=wide)
            pred = g.predict(steps=w["steps"])
            multi = time.perf_counter() - t0
            g_1 = next(t["seconds"] for t in size["global_timings"] if t["threads"] == 1)
            row["skforecast_multiseries_seconds"] = multi
            row["rust_global_seconds"] = {str(t["threads"]): t["seconds"] for t in size["global_timings"]}
            row["speedup_global_vs_multiseries_single_thread"] = multi / g_1
            row["speedup_local_vs_multiseries_single_thread"] = multi / rust_1
            msums = pred.groupby("level", sort=False)["pred"].sum()
            msums = [float(msums[k]) for k in names[:n]]
            ggap = max(
                abs(a - b) / max(abs(b), 1e-12) for a, b in zip(size["global_forecast_sums"], msums)
            )
            row["global_max_relative_gap_of_forecast_sums"] = ggap
            row["global_identical_to_1e-6"] = ggap <= 1e-6
        out["sizes"].append(row)
    return out


def main() -> int:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(".")
    rust = json.loads((root / "outputs/bench/bench_latest.json").read_text())["body"]
    df = pd.read_csv(root / rust["data_csv"], parse_dates=["fecha"], float_precision="round_trip")
    df = df.set_index("fecha").asfreq("D")
    y = df["y"]
    exog = df.drop(columns=["y"])
    cv = TimeSeriesFold(
        steps=STEPS,
        initial_train_size=len(y) - FOLDS * STEPS,
        refit=True,
        fixed_train_size=True,
        verbose=False,
    )
    names = {w["workload"] for w in rust["workloads"]}
    report = []
    if "W1" in names:
        report.append(w1(rust, y, exog, cv))
    if "W2" in names:
        report.append(w2(rust, y, exog, cv))
    if rust.get("forecast"):
        report.append(f1(rust, y, exog))
    if rust.get("many"):
        report.append(w3(rust, root))
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
