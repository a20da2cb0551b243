"""Anchor of the pipeline benchmark: the bronze -> silver -> gold work of `finml pipeline` in pandas,
the same steps as bench/anchors/polars.mjs (see there, including the one difference from FINML:
scores are the empirical CDF over the symbol's whole post-warm-up history, not the point-in-time
expanding CDF). In process and WITHOUT writing any file (pandas has no Parquet writer without
pyarrow, which Debian does not package here): the issue-17 comparison is "FINML, writing its
layers, >= 3x pandas computing them".

    /usr/bin/python3 bench/anchors/pandas_pipeline.py BRONZE.csv RUN_DATE

Prints one JSON line: CPU seconds of the process, wall seconds, peak RSS, rows.
"""
import json
import resource
import sys
import time

started = time.perf_counter()
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

file, run_date = sys.argv[1], sys.argv[2]
WINDOW = 21
WEIGHTS = {"realized_vol_21d": 0.7, "drawdown": 0.3}

bronze = pd.read_csv(
    file,
    dtype={"symbol": str, "date": str, "open": float, "high": float, "low": float,
           "close": float, "adjclose": float, "volume": float},
)
bronze["date"] = pd.to_datetime(bronze["date"], format="%Y-%m-%d", errors="coerce")
ok = bronze["date"].notna() & (bronze["date"] <= pd.Timestamp(run_date))
for c in ["open", "high", "low", "close", "adjclose"]:
    ok &= bronze[c].isna() | (bronze[c] > 0)
silver = bronze[ok].drop_duplicates(["symbol", "date"], keep="last")
silver = silver.sort_values(["symbol", "date"], kind="stable").reset_index(drop=True)
silver["close_filled"] = silver["close"].isna().astype(np.int32)
silver["close"] = silver.groupby("symbol")["close"].ffill(limit=3)
silver = silver[silver["close"].notna()].reset_index(drop=True)
silver["flags"] = np.where(silver["high"] < silver["low"], "high_below_low",
                           np.where(silver["volume"] < 0, "negative_volume", ""))

g = pd.DataFrame({"symbol": silver["symbol"], "date": silver["date"],
                  "price": silver["adjclose"].fillna(silver["close"])})
by = g.groupby("symbol", sort=False)
g["row"] = by.cumcount()
g["log_return"] = np.log(g["price"] / by["price"].shift(1))
g["realized_vol_21d"] = (
    g.groupby("symbol", sort=False)["log_return"].rolling(WINDOW, min_periods=WINDOW).std(ddof=1)
    .reset_index(level=0, drop=True) * np.sqrt(252)
)
g["drawdown"] = 1 - g["price"] / by["price"].cummax()
gold = g[g["row"] >= WINDOW].copy()
gb = gold.groupby("symbol", sort=False)
for f in WEIGHTS:
    gold[f"score_{f}"] = gb[f].rank(method="max", pct=True)
gold["risk_score"] = sum(w * gold[f"score_{f}"] for f, w in WEIGHTS.items()) / sum(WEIGHTS.values())
gold["markov_state"] = np.where(gold["risk_score"] < 0.33, 0, np.where(gold["risk_score"] < 0.67, 1, 2)).astype(np.int32)
gold["regime"] = np.array(["Low", "Medium", "High"])[gold["markov_state"]]
change = gold["markov_state"].ne(gold.groupby("symbol", sort=False)["markov_state"].shift(1))
run = change.astype(np.int64).groupby(gold["symbol"], sort=False).cumsum()
gold["regime_age"] = gold.groupby([gold["symbol"], run], sort=False).cumcount() + 1
gold = gold.drop(columns=["row"])

usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({
    "engine": f"pandas {pd.__version__}",
    "cpuSeconds": usage.ru_utime + usage.ru_stime,
    "wallSeconds": time.perf_counter() - started,
    "peakRssMiB": usage.ru_maxrss / 1024,
    "silverRows": int(len(silver)),
    "goldRows": int(len(gold)),
}))
