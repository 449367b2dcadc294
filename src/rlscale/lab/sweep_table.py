"""The observation tables of a sweep: every trial's curves, and one curve per configuration with
the spread across seeds.

``runformat.SWEEP_BY_SEED`` holds each trial's observation table with the curve ids prefixed
``<configuration>/seed<N>/``. ``runformat.OBSERVATIONS`` holds, per configuration and lab curve, the
point-by-point mean over the seeds (curve ``<configuration>/<curve>``): the points of a curve
are matched by position (the same checkpoint, the same k or thinking budget), ``score`` is the
mean of the seeds' scores and ``compute`` the geometric mean of their FLOPs (they differ a little:
completion lengths depend on the seed). Columns added to the core schema:

- ``seeds``: seeds averaged; ``score_sd``: their standard deviation;
- ``score_low``/``score_high``: the 95 % Student-t interval of the mean over seeds,
  mean +/- t(0.975, seeds - 1) * sd / sqrt(seeds), clipped to [0, 1] (NaN with one seed);
- ``stderr``: sd / sqrt(seeds), the across-seed standard error; ``attempts``: graded attempts
  summed over the seeds;
- ``n``: the effective number of independent trials with that standard error,
  p (1 - p) / stderr**2 (between 1 and ``attempts``; the seeds' summed ``n`` with one seed or
  no spread), so the fitter weighs a mean point by the spread across seeds, not by the sampling
  error within one run.

torch-free: the analysis reads sweep directories through this module's output files.
"""

from __future__ import annotations

import math
from pathlib import Path

from rlscale import runformat as rf
from rlscale.errors import RlscaleError

LEVEL = 0.95


def _trial_frame(path: Path, configuration: str, seed: int):
    import pandas as pd

    obs_path = path / rf.OBSERVATIONS
    if not obs_path.is_file():
        raise RlscaleError(f"{path}: trial has no {rf.OBSERVATIONS}")
    df = pd.read_csv(obs_path, keep_default_na=False, na_values=[""])
    df["point"] = df.groupby("curve", sort=False).cumcount()
    df["lab_curve"] = df["curve"]
    df["configuration"] = configuration
    df["seed"] = seed
    return df


def by_seed_table(trials: list[tuple[Path, str, int]]):
    """Every trial's rows, curve ids prefixed; *trials* is ``[(run_dir, configuration, seed)]``."""
    import pandas as pd

    frames = [_trial_frame(p, c, s) for p, c, s in trials]
    df = pd.concat(frames, ignore_index=True)
    df["curve"] = [rf.sweep_curve(c, k, s) for c, k, s in
                   zip(df["configuration"], df["lab_curve"], df["seed"])]
    return df


def seed_interval(values, level: float = LEVEL) -> dict:
    """Mean, standard deviation, standard error and the Student-t interval of *values* (one per
    seed); sd, se and the interval are NaN with one seed."""
    from scipy import stats

    vals = [float(v) for v in values]
    m = len(vals)
    mean = sum(vals) / m
    if m < 2:
        return {"mean": mean, "sd": math.nan, "se": math.nan, "low": math.nan, "high": math.nan,
                "seeds": m}
    sd = math.sqrt(sum((v - mean) ** 2 for v in vals) / (m - 1))
    se = sd / math.sqrt(m)
    half = float(stats.t.ppf(0.5 + level / 2, m - 1)) * se
    return {"mean": mean, "sd": sd, "se": se, "low": max(0.0, mean - half),
            "high": min(1.0, mean + half), "seeds": m}


def _mean_row(g, level: float) -> dict:
    import numpy as np

    m = len(g)
    spread = seed_interval(g["score"], level)
    score, sd, se, low, high = (spread[k] for k in ("mean", "sd", "se", "low", "high"))
    attempts = float(g["attempts"].sum()) if "attempts" in g else math.nan
    if m > 1 and se > 0 and 0 < score < 1:
        n = min(max(score * (1 - score) / se ** 2, 1.0), attempts)
    else:
        n = float(g["n"].sum())
    first = g.iloc[0]
    seeds = ", ".join(str(s) for s in g["seed"])
    return {"axis": first["axis"], "compute": float(np.exp(np.log(g["compute"]).mean())),
            "score": score, "compute_unit": first["compute_unit"], "n": n,
            "benchmark": first["benchmark"], "model": first["model"],
            "source": f"rlscale lab sweep: mean over seeds {seeds}", "provenance": "measured",
            "note": f"{first['note']}; mean of {m} seeds", "stderr": se, "attempts": attempts,
            "seeds": m, "score_sd": sd, "score_low": low, "score_high": high}


def mean_table(by_seed, level: float = LEVEL):
    """One curve per configuration and lab curve: the mean over seeds with its interval."""
    import pandas as pd

    rows = []
    for (conf, curve), g in by_seed.groupby(["configuration", "lab_curve"], sort=False):
        counts = g.groupby("seed").size()
        if counts.nunique() != 1:
            raise RlscaleError(f"sweep configuration '{conf}': curve '{curve}' has a different "
                               f"number of points per seed ({dict(counts)}); cannot average")
        for _, pg in g.groupby("point", sort=True):
            rows.append({"curve": rf.sweep_curve(conf, curve), **_mean_row(pg, level)})
    cols = ["curve", "axis", "compute", "score", "compute_unit", "n", "benchmark", "model",
            "source", "provenance", "note", "stderr", "attempts", "seeds", "score_sd",
            "score_low", "score_high"]
    return pd.DataFrame(rows, columns=cols)


def write_tables(sweep_dir: Path, trials: list[tuple[Path, str, int]]) -> tuple[Path, Path]:
    """Write the by-seed and the aggregate observation tables (each atomically)."""
    from rlscale.data import write_observations

    by_seed = by_seed_table(trials)
    mean = mean_table(by_seed)
    keep = [c for c in by_seed.columns if c not in ("point", "lab_curve", "configuration")]
    a = write_observations(by_seed[keep], sweep_dir / rf.SWEEP_BY_SEED)
    b = write_observations(mean, sweep_dir / rf.OBSERVATIONS)
    return b, a
