#!/usr/bin/env python3
"""Runs workload W1 of `cargo xtask bench` in skforecast 0.26 and compares timings and metrics.

Not part of the tests. Usage (from the project root):

    cargo xtask bench                      # writes outputs/bench/w1_data.csv and bench_latest.json
    pip install skforecast==0.26.0
    python3 bench/compare_skforecast.py    # prints both timings, the speed-up and metric gaps

W1: Ridge(alpha) recursive forecasters, lags 1..k for k in {7, 14, 21, 28} x alpha in
{0.1, 1, 10, 100}, exog = the processed features, backtested with 185-step folds, refit with a
rolling window, 3 folds.
"""
import json
import sys
import time
from pathlib import Path

import pandas as pd
from sklearn.linear_model import Ridge
from skforecast.model_selection import TimeSeriesFold, backtesting_forecaster
from skforecast.recursive import ForecasterRecursive

LAGS = [7, 14, 21, 28]
ALPHAS = [0.1, 1.0, 10.0, 100.0]
STEPS, FOLDS = 185, 3


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

    def run(n_jobs):
        out = {}
        t0 = time.perf_counter()
        for k in LAGS:
            for a in ALPHAS:
                f = ForecasterRecursive(estimator=Ridge(alpha=a), lags=k)
                metric, _ = backtesting_forecaster(
                    forecaster=f, y=y, exog=exog, cv=cv, metric="mean_absolute_error",
                    n_jobs=n_jobs, show_progress=False,
                )
                out[f"w1_l{k}_a{a:g}"] = float(metric.iloc[0, -1])
        return time.perf_counter() - t0, out

    py_seconds, py_mae = min((run(1) for _ in range(2)), key=lambda r: r[0])
    rust_1 = next(t["seconds"] for t in rust["timings"] if t["threads"] == 1)
    gaps = {k: abs(py_mae[k] - rust["mae"][k]) / max(abs(py_mae[k]), 1e-12) for k in py_mae}
    report = {
        "workload": "W1",
        "skforecast_seconds_1_thread": py_seconds,
        "rust_seconds": {str(t["threads"]): t["seconds"] for t in rust["timings"]},
        "speedup_single_thread": py_seconds / rust_1,
        "speedup_best": py_seconds / min(t["seconds"] for t in rust["timings"]),
        "max_relative_mae_gap": max(gaps.values()),
        "identical_to_1e-6": max(gaps.values()) <= 1e-6,
        "mae": {k: {"skforecast": py_mae[k], "rust": rust["mae"][k]} for k in sorted(py_mae)},
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
