"""Per-curve facts and per-row records of the observation table, as the report stores them.

``results.json`` holds at most :data:`MAX_OBSERVATION_RECORDS` observation rows: above that,
each curve keeps an evenly spaced sample of its rows (always its first and last point) in
proportion to its size, and ``observations_total`` gives the full count. Fits always use every
row; only the stored (and drawn) points are sampled.
"""

from __future__ import annotations

import math
from typing import Any

#: Most observation rows written to results.json (and drawn in the figures).
MAX_OBSERVATION_RECORDS = 5_000
#: A curve whose every row has this provenance restates other numbers: it is not independent.
DERIVED = "derived"


def wilson_interval(score: float, n: float, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval for a pass rate ``score`` measured on ``n`` trials (95 % by default).

    Returns ``(nan, nan)`` when ``n`` is unknown or not positive.
    """
    if n is None or not math.isfinite(n) or n <= 0:
        return math.nan, math.nan
    denom = 1 + z * z / n
    centre = (score + z * z / (2 * n)) / denom
    half = z * math.sqrt(score * (1 - score) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def _wilson_columns(score, n, z: float = 1.959964):
    """:func:`wilson_interval` for whole columns (NaN where n is unknown)."""
    import numpy as np

    s, n = np.asarray(score, float), np.asarray(n, float)
    with np.errstate(all="ignore"):
        denom = 1 + z * z / n
        centre = (s + z * z / (2 * n)) / denom
        half = z * np.sqrt(s * (1 - s) / n + z * z / (4 * n * n)) / denom
    bad = ~(np.isfinite(n) & (n > 0))
    return (np.where(bad, np.nan, np.maximum(0.0, centre - half)),
            np.where(bad, np.nan, np.minimum(1.0, centre + half)))


def sample_rows(df, cap: int = MAX_OBSERVATION_RECORDS):
    """At most about *cap* rows of *df*: every row if it fits, else an evenly spaced sample of
    each curve (first and last point kept), in proportion to the curve's size."""
    import numpy as np

    if len(df) <= cap:
        return df
    keep = []
    for _curve, idx in df.groupby("curve", sort=False).indices.items():
        k = max(2, int(round(cap * len(idx) / len(df))))
        keep.append(idx if k >= len(idx) else idx[np.unique(np.linspace(0, len(idx) - 1, k)
                                                            .round().astype(int))])
    return df.iloc[np.sort(np.concatenate(keep))]


def observation_records(df, cap: int = MAX_OBSERVATION_RECORDS) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts with the Wilson interval ``err_low``/``err_high`` (sampled above
    *cap* rows, see :func:`sample_rows`)."""
    from rlscale.jsonable import clean_json

    sub = sample_rows(df, cap).copy()
    sub["err_low"], sub["err_high"] = _wilson_columns(sub["score"], sub["n"])
    return clean_json(sub.to_dict("records"))


def _first_text(g, col: str) -> str:
    vals = [str(v) for v in g[col] if isinstance(v, str) and v]
    return vals[0] if vals else ""


def curve_info(df) -> list[dict[str, Any]]:
    """One dict per curve: axis, unit, input, ranges, benchmark, model, source, provenance, and
    ``independent`` (False when every row is ``derived``: it restates other numbers)."""
    out = []
    for curve, g in df.groupby("curve", sort=False):
        first = g.iloc[0]
        prov = {str(s) for s in g["provenance"] if str(s)}
        out.append({
            "curve": curve, "axis": first["axis"], "compute_unit": first["compute_unit"],
            "input": first["input"], "n_points": int(len(g)),
            "compute_min": float(g["compute"].min()), "compute_max": float(g["compute"].max()),
            "score_min": float(g["score"].min()), "score_max": float(g["score"].max()),
            "benchmark": _first_text(g, "benchmark"), "model": _first_text(g, "model"),
            "source": "; ".join(sorted({str(s) for s in g["source"] if str(s)})),
            "provenance": ", ".join(sorted(prov)),
            "n_known": bool(g["n"].notna().any()),
            "independent": prov != {DERIVED},
        })
    return out
