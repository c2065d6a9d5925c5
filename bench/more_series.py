"""A third set of real daily series, never used to choose a setting: four more checks that the
defaults generalise, from files in three public repositories (each pinned to a commit):

- vic_elec: Victoria's (Australia) electricity demand, 2012-2014, half-hourly MW summed to
  MWh per day. tidyverts/tsibbledata@a9c811a5ca1748df885491a4bcebe024c9d48e08
  data/vic_elec.rda (GPL-3; source: Australian Energy Market Operator).
- wp_log_R: log daily Wikipedia page views of "R (programming language)", 2008-2015.
  facebook/prophet@181f4479878bea9234973e0fdfd46403657fed34 examples/example_wp_log_R.csv (MIT).
- pedestrians_mel: daily pedestrian counts in Melbourne, June 2017 - June 2021 (the COVID-19
  lockdowns included). facebook/prophet@181f447 examples/example_pedestrians_covid.csv (MIT).
- bike_sharing_uci: Capital Bikeshare rentals per day, 2011-2012 (731 days: only the official
  hold-out fits). business-science/pytimetk@3e9ef0688f3061cd6abd8aae066cbc15c4b68938
  src/pytimetk/datasets/bike_sharing_daily.csv (MIT; the UCI Bike Sharing data).

    # the four files above, in one folder, under their own names
    python bench/more_series.py build <folder> /tmp/third
    SKIPS=0,185,370 python bench/more_series.py refs /tmp/third /tmp/third/refs.json

`refs` scores the seasonal naives and Prophet with country holidays exactly as
`bench/extra_series.py refs` does. Our side:

    cargo xtask-release evaluate /tmp/third/vic_elec.csv:AU /tmp/third/wp_log_R.csv:US \\
        /tmp/third/pedestrians_mel.csv:AU /tmp/third/bike_sharing_uci.csv:US

(add `--skip-last 185,370` for the development windows, without bike_sharing_uci, whose
history is too short for them). Needs pandas, pyreadr, holidays, prophet.
"""
import os, sys

import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import extra_series  # noqa: E402  (the same reference protocol)

SERIES = {"vic_elec": "AU", "wp_log_R": "US", "pedestrians_mel": "AU", "bike_sharing_uci": "US"}


def save(out, name, v):
    v = v.dropna().sort_index().rename("y")
    v.index.name = "date"
    v.to_frame().to_csv(f"{out}/{name}.csv", date_format="%Y-%m-%d")
    print(name, len(v), v.index.min().date(), v.index.max().date())


def build(src, out):
    import pyreadr

    os.makedirs(out, exist_ok=True)
    elec = list(pyreadr.read_r(f"{src}/vic_elec.rda").values())[0]
    g = elec.groupby("Date").Demand.agg(["sum", "count"])
    g.index = pd.to_datetime(g.index)
    # Half-hours per day: 48 (46 or 50 on the days the clocks change); MW x 0.5 h = MWh.
    save(out, "vic_elec", g.loc[g["count"] >= 46, "sum"] / 2.0)
    read = lambda f, d, y: pd.read_csv(f"{src}/{f}", parse_dates=[d]).set_index(d)[y]
    save(out, "wp_log_R", read("example_wp_log_R.csv", "ds", "y"))
    save(out, "pedestrians_mel", read("example_pedestrians_covid.csv", "ds", "y"))
    save(out, "bike_sharing_uci", read("bike_sharing_daily.csv", "dteday", "cnt"))


def refs(folder, out):
    extra_series.SERIES = SERIES
    extra_series.refs(folder, out)


if __name__ == "__main__":
    {"build": build, "refs": refs}[sys.argv[1]](*sys.argv[2:])
