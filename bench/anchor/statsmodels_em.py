"""Time per EM iteration of statsmodels' Markov-switching model, the anchor of `npm run bench`
(case hmm-anchor): sm.tsa.MarkovRegression(y, k_regimes=3, trend="c", switching_variance=True),
EM from statsmodels' own start parameters for a fixed number of iterations (tolerance 0).

Usage: /usr/bin/python3 bench/anchor/statsmodels_em.py RETURNS.txt ITERATIONS [REPEATS]
RETURNS.txt holds one scaled return per line (one series; a pooled series is the concatenation).
The EM runs REPEATS times (default 1); "seconds" is the median run, as FINML's side of the case.
Prints one JSON object: {"statsmodels": version, "nobs", "iterations", "seconds", "llf"}.
"""

import json
import sys
import time
import warnings

import numpy as np
import statsmodels
import statsmodels.api as sm

warnings.filterwarnings("ignore")

y = np.loadtxt(sys.argv[1])
iterations = int(sys.argv[2])
model = sm.tsa.MarkovRegression(y, k_regimes=3, trend="c", switching_variance=True)
repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 1
start = model.start_params
runs = []
for _ in range(repeats):
    started = time.perf_counter()
    result = model._fit_em(start_params=start, maxiter=iterations, tolerance=0, full_output=True)
    runs.append(time.perf_counter() - started)
seconds = float(np.median(runs))
print(json.dumps({
    "statsmodels": statsmodels.__version__,
    "nobs": int(y.shape[0]),
    "iterations": iterations,
    "seconds": seconds,
    "llf": float(model.loglike(result.params)),
}))
