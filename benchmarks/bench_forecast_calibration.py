"""Calibration of rlscale's forecast prediction intervals (issue 14, "Done when").

1. **Known form.** For every registered form, curves are drawn from the form itself (the designs
   of ``tests/test_calibration.py``, with 20 points evenly spaced in log10 C instead of 10 so
   that the lower half holds 10 points) with binomial noise (n = 150 per point). Each replicate
   is fitted on the lower half of its log10-compute range with the true form and predicts every
   held-out point with its 90% prediction interval (parameters + binomial noise of the
   held-out point). Reported: the pooled share of held-out points covered, and the share of
   replicates whose interval covers one held-out point chosen at random (independent across
   replicates, so Binomial(R, p): the statistic the slow test bounds).
2. **Form selected from data** (``form="auto"``, the AIC mixture): the same curves.
3. **ScaleRL protocol.** ScaleRL-form curves with the paper's Table 1 parameters for the main
   8B run (A = 0.610, B = 1.92, C_mid = 2542 GPU-hours; Khatri et al. 2025, arXiv:2510.13786,
   Table 1), R_0 = 0.05 (not stated in Table 1: an assumption, as in bench_bootstrap.py), one
   evaluation every 100 of 7,400 steps over 100,000 GPU-hours (74 points, linear in compute,
   Sec. 5 / Fig. 1), n = 16,000 attempts per point (1,000 validation prompts x 16 samples),
   points below 1.5k GPU-hours left out (App. A.6); fitted on compute up to half the budget.
   Reported: the share of replicates whose extrapolated asymptote A is within ±0.02 of 0.610.

Run (about 20 min on 2 shared cores)::

    .venv/bin/python benchmarks/bench_forecast_calibration.py             # prints the tables
    .venv/bin/python benchmarks/bench_forecast_calibration.py --replicates 40 --auto 0
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from rlscale.errors import RlscaleError

from rlscale.forecasting.mixture import score_draws
from rlscale.forecasting.predict import fit_ensemble
from rlscale.forms import FORMS

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from calibration_designs import DESIGNS  # noqa: E402  (one owner: the tests' designs)

LEVEL = 0.90
N_ATTEMPTS = 150
N_POINTS = 20
BOOTSTRAP = 200
SCALERL_TRUE = (0.05, 0.610, 2542.0, 1.92)   # R_0 (assumed), A, C_mid [GPU-h], B: Table 1
SCALERL_BUDGET = 100_000.0                    # GPU-hours of the 8B run
SCALERL_N = 16_000


def coverage(name: str, replicates: int, *, fit_form: str | None = None, seed: int = 14,
             bootstrap: int = BOOTSTRAP) -> dict:
    """Known-form (``fit_form=None``) or ``auto`` coverage of held-out points for one design."""
    params, x0, x1 = DESIGNS[name]
    f = FORMS[name]
    x = np.linspace(x0, x1, N_POINTS)
    train = x <= 0.5 * (x0 + x1) + 1e-12
    p_true, n = f.evaluate(x, np.array(params)), np.full(N_POINTS, N_ATTEMPTS)
    rng = np.random.default_rng([seed, zlib_id(name)])
    pooled, single, failed = [], [], 0
    for _ in range(replicates):
        y = rng.binomial(n, p_true) / n
        try:
            ens = fit_ensemble(10 ** x[train], y[train], n[train], fit_form or name,
                               bootstrap=bootstrap, rng=rng, level=LEVEL)
        except RlscaleError:  # a fit that fails counts as a miss on every point
            failed += 1
            pooled += [False] * int((~train).sum())
            single.append(False)
            continue
        _, lo, hi, _ = score_draws(ens, 10 ** x[~train], n_new=n[~train], rng=rng)
        hit = (lo <= y[~train]) & (y[~train] <= hi)
        pooled += hit.tolist()
        single.append(bool(hit[rng.integers(hit.size)]))
    return {"form": name, "fit": fit_form or name, "replicates": replicates,
            "pooled": float(np.mean(pooled)), "random_point": float(np.mean(single)),
            "random_point_hits": int(np.sum(single)), "failed": failed}


def zlib_id(name: str) -> int:
    import zlib

    return zlib.crc32(name.encode())


def scalerl_asymptote(replicates: int, *, seed: int = 2510, bootstrap: int = BOOTSTRAP) -> dict:
    """Share of replicates whose extrapolated asymptote is within ±0.02 of the truth."""
    f = FORMS["scalerl"]
    c = np.linspace(SCALERL_BUDGET / 74, SCALERL_BUDGET, 74)
    c = c[c >= 1500.0]
    train = c <= 0.5 * SCALERL_BUDGET
    p = f.evaluate(np.log10(c), np.array(SCALERL_TRUE))
    n = np.full(c.size, SCALERL_N)
    rng = np.random.default_rng(seed)
    errors = []
    for _ in range(replicates):
        y = rng.binomial(n, p) / n
        ens = fit_ensemble(c[train], y[train], n[train], "scalerl", bootstrap=bootstrap,
                           rng=rng, level=LEVEL)
        errors.append(ens.fits[0].fit.params["A"].value - SCALERL_TRUE[1])
    e = np.abs(np.array(errors))
    return {"replicates": replicates, "within_0.02": float(np.mean(e <= 0.02)),
            "hits": int(np.sum(e <= 0.02)), "median_abs_error": float(np.median(e)),
            "max_abs_error": float(e.max()), "n_train": int(train.sum()),
            "n_test": int((~train).sum())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=200)
    ap.add_argument("--auto", type=int, default=100, help="replicates with form=auto (0: skip)")
    ap.add_argument("--scalerl", type=int, default=200)
    args = ap.parse_args()
    t0 = time.time()
    print("| form | fitted as | replicates | pooled coverage | random-point coverage | "
          "failed fits |\n| --- | --- | ---: | ---: | ---: | ---: |", flush=True)
    runs = [(name, None, args.replicates) for name in DESIGNS]
    runs += [(name, "auto", args.auto) for name in DESIGNS] if args.auto else []
    for name, fit_form, reps in runs:
        r = coverage(name, reps, fit_form=fit_form)
        print(f"| `{name}` | {r['fit']} | {reps} | {r['pooled']:.3f} | {r['random_point']:.3f} "
              f"| {r['failed']} |", flush=True)
    s = scalerl_asymptote(args.scalerl)
    print(f"\nScaleRL protocol: asymptote within ±0.02 in {s['within_0.02']:.3f} of "
          f"{s['replicates']} replicates (median |error| {s['median_abs_error']:.4f}, max "
          f"{s['max_abs_error']:.4f}; {s['n_train']} training, {s['n_test']} held-out points)")
    print(f"\nwall time {time.time() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
