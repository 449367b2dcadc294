"""The analysis behind ``rlscale report``: observations in, one JSON-ready results dict out.

:func:`analyse` reads every input (catalog ids, files, lab run directories), fits each curve,
compares every RL curve with every inference curve of the same input, and adds the exchange
table, the economics and the claims ledger (when :mod:`rlscale.econ` provides them). The result
is a plain dict (the schema of ``results.json``, see ``docs/report.md``) holding every number the
report shows: :mod:`rlscale.report` renders from this dict alone and never fits anything.

Typical use::

    from rlscale.pipeline import analyse
    results = analyse(["catalog:essay"], bootstrap=1000, seed=0)
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Callable, Sequence
from typing import Any

from rlscale.errors import RlscaleError
from rlscale.runformat import parse_inference_curve

SCHEMA = "rlscale-report/1"

#: Catalog entries analysed when ``rlscale report`` is given no data: the essay's stated
#: endpoints first (they carry the headline), then any other observation entries the catalog has.
DEFAULT_CATALOG = ("essay",)

#: Inference multipliers for the exchange table (x inference -> equivalent RL, pre-training).
EXCHANGE_FACTORS = (3, 10, 30, 100, 1_000, 10_000)
#: RL scale-ups for the exchange table and the economics curves.
RL_SCALE_UPS = (10, 100, 1_000, 10_000, 100_000, 1_000_000)
#: Starting RL compute as a fraction of pre-training compute (essay: ~1% for o1, parity for Grok 4).
RL_FRACTIONS = (0.01, 0.1, 1.0)
#: The essay's two stated exchange pairs (RL multiplier, inference multiplier), marked on the chart.
ESSAY_EXCHANGE_MARKS = ({"rl_factor": 10.0, "inference_factor": 3.0, "label": "10x RL ≈ 3x inference"},
                        {"rl_factor": 10_000.0, "inference_factor": 100.0,
                         "label": "10,000x RL ≈ 100x inference"})
#: More inference curves than this in one input -> keep each strategy's first and last checkpoint.
MAX_INFERENCE_CURVES = 6
GRID_POINTS = 96

#: Methods caveats stated in every report (shared/reference/published-data.md §6).
CAVEATS = (
    "A constant information-efficiency penalty for RL shifts the RL curve but does not change its "
    "slope on a log axis; a shallower slope needs an efficiency that falls during training "
    "(J. Hilton, comment on the essay; secondary source).",
    "More training can raise the plateau of the inference curve, so the two axes are not pure "
    "substitutes: exchange rates hold locally, over the compute range observed.",
    "Benchmarks with few problems (AIME: 30) are noisy: use at least 16-32 samples per problem for "
    "pass@1 and report the sampling error. Points without a sample size n carry no error bars and "
    "curves fitted to two stated endpoints have no sampling interval.",
    "Straight lines in log-compute are the central part of S-curves; slopes are per decade of each "
    "axis's own compute, so the slope ratio does not depend on the compute unit, but extrapolating "
    "beyond the observed range assumes the line continues.",
)



def _finite(x: Any) -> float | None:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _estimate(est: Any) -> dict[str, float | None]:
    """An :class:`~rlscale.estimate.Estimate` (or anything with value/ci_low/ci_high) as a dict."""
    if est is None:
        return {"value": None, "ci_low": None, "ci_high": None}
    return {k: _finite(getattr(est, k, None)) for k in ("value", "ci_low", "ci_high")}


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


# --------------------------------------------------------------------------- inputs

def _label(source: Any, index: int) -> str:
    if isinstance(source, str):
        return source
    return f"input {index + 1}"


def _input_info(source: Any, label: str) -> dict[str, Any]:
    info: dict[str, Any] = {"label": label, "kind": "file", "title": label, "citation": ""}
    if isinstance(source, str) and source.startswith("catalog:"):
        from rlscale.data import catalog

        entry = catalog.get_entry(source.split(":", 1)[1])
        info.update(kind="catalog", title=entry.title, citation=entry.citation,
                    description=getattr(entry, "description", ""))
    elif not isinstance(source, str):
        info["kind"] = "frame"
    else:
        from pathlib import Path

        if Path(source).is_dir():
            info["kind"] = "run"
    return info


def default_sources() -> list[str]:
    """The catalog ids ``rlscale report`` analyses without arguments (as ``catalog:ID``).

    The essay's endpoints, then every other catalog entry of observations whose curves all have
    at least two compute values (a single point has no slope). Parametric entries (ScaleRL) are
    fitted curves, not observations, and are left out.
    """
    from rlscale.data import catalog

    ids = list(DEFAULT_CATALOG)
    for entry in catalog.list_entries():
        if entry.kind != "observations" or entry.id in ids:
            continue
        obs = catalog.load_observations(entry.id)
        if obs.groupby("curve")["compute"].nunique().min() >= 2:  # every curve can be fitted
            ids.append(entry.id)
    return [f"catalog:{i}" for i in ids]


def load_inputs(sources: Sequence[Any], *, score_scale: str = "unit"):
    """Read every source with :func:`rlscale.data.read_observations` into one frame.

    Adds a column ``input`` (the source as given). A curve id that appears in two inputs is a
    user error, since every later step names curves by id.
    """
    import pandas as pd

    from rlscale.data import read_observations

    frames, infos, seen = [], [], {}
    for i, source in enumerate(sources):
        label = _label(source, i)
        df = read_observations(source, score_scale=score_scale)
        if df.empty:
            raise RlscaleError(f"{label}: no observations")
        for curve in df["curve"].unique():
            if curve in seen:
                raise RlscaleError(f"{label}: curve '{curve}' also appears in {seen[curve]}; "
                                   "curve ids must be unique across inputs")
            seen[curve] = label
        df = df.copy()
        df["input"] = label
        frames.append(df)
        infos.append(_input_info(source, label))
    return pd.concat(frames, ignore_index=True), infos


# --------------------------------------------------------------------------- fits and pairs

def _observation_records(df) -> list[dict[str, Any]]:
    records = []
    for row in df.itertuples(index=False):
        rec = row._asdict()
        lo, hi = wilson_interval(float(rec["score"]), float(rec["n"]) if rec["n"] == rec["n"] else math.nan)
        rec["err_low"], rec["err_high"] = _finite(lo), _finite(hi)
        records.append({k: (_finite(v) if isinstance(v, float) else v) for k, v in rec.items()})
    return records


def _curve_info(df) -> list[dict[str, Any]]:
    out = []
    for curve, g in df.groupby("curve", sort=False):
        first = g.iloc[0]
        out.append({
            "curve": curve, "axis": first["axis"], "compute_unit": first["compute_unit"],
            "input": first["input"], "n_points": int(len(g)),
            "compute_min": float(g["compute"].min()), "compute_max": float(g["compute"].max()),
            "score_min": float(g["score"].min()), "score_max": float(g["score"].max()),
            "benchmark": _first_text(g, "benchmark"), "model": _first_text(g, "model"),
            "source": "; ".join(sorted({str(s) for s in g["source"] if str(s)})),
            "provenance": ", ".join(sorted({str(s) for s in g["provenance"] if str(s)})),
            "n_known": bool(g["n"].notna().any()),
        })
    return out


def _first_text(g, col: str) -> str:
    vals = [str(v) for v in g[col] if isinstance(v, str) and v]
    return vals[0] if vals else ""


def _fit_all(df, *, form: str, bootstrap: int, seed: int, level: float, warnings: list[str]):
    """Fit each curve with :func:`rlscale.fitting.fit_curve`; a curve that cannot be fitted
    (e.g. a single point) is reported in ``warnings`` and drawn as points only.

    Each curve gets its own generator from ``(seed, crc32(curve id))``, the seeding of
    :func:`rlscale.fitting.fit`, so a curve's numbers match ``rlscale fit`` and do not depend on
    which other curves are in the report.
    """
    import zlib

    import numpy as np

    from rlscale.fitting import fit_curve

    fits = {}
    for curve, sub in df.groupby("curve", sort=False):
        n = sub["n"].to_numpy(float)
        rng = np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(curve.encode())]))
        try:
            fits[curve] = fit_curve(sub["compute"].to_numpy(float), sub["score"].to_numpy(float),
                                    n if np.isfinite(n).any() else None, form, curve=curve,
                                    axis=str(sub["axis"].iloc[0]),
                                    compute_unit=str(sub["compute_unit"].iloc[0]) or "relative",
                                    bootstrap=bootstrap, rng=rng, level=level)
        except RlscaleError as exc:
            warnings.append(f"curve '{curve}' not fitted: {exc}")
    return fits


def _fit_record(res, level: float) -> dict[str, Any]:
    import numpy as np

    lo, hi = float(res.compute_min), float(res.compute_max)
    grid = np.logspace(math.log10(lo), math.log10(hi), GRID_POINTS) if hi > lo else np.array([lo])
    score = np.asarray(res.eval(grid), dtype=float)
    try:
        band_lo, band_hi = (np.asarray(b, dtype=float) for b in res.band(grid, level=level))
    except Exception:  # noqa: BLE001 - a band is optional (e.g. no bootstrap); show the line only
        band_lo = band_hi = np.full_like(score, np.nan)
    clean = lambda a: [_finite(v) for v in a]  # noqa: E731
    return {
        "curve": res.curve, "axis": res.axis, "compute_unit": res.compute_unit, "form": res.form,
        "params": {k: _estimate(v) for k, v in res.params.items()},
        "slope_per_decade": _estimate(res.slope_per_decade),
        "n_points": int(res.n_points), "compute_min": lo, "compute_max": hi,
        "aic": _finite(getattr(res, "aic", None)), "bic": _finite(getattr(res, "bic", None)),
        "identifiable": bool(getattr(res, "identifiable", True)),
        "warnings": [str(w) for w in getattr(res, "warnings", [])],
        "grid": {"compute": clean(grid), "score": clean(score), "low": clean(band_lo),
                 "high": clean(band_hi)},
    }


def select_inference_curves(curves: list[str]) -> list[str]:
    """The inference curves to pair with RL when an input has many (a lab run).

    Lab curves ``lab-inf-<strategy>-step<N>``: each strategy at its first and last checkpoint.
    Other inputs keep every curve up to :data:`MAX_INFERENCE_CURVES`.
    """
    if len(curves) <= MAX_INFERENCE_CURVES:
        return list(curves)
    by_strategy: dict[str, list[tuple[int, str]]] = {}
    other = []
    for c in curves:
        m = parse_inference_curve(c)
        if m:
            by_strategy.setdefault(m.strategy, []).append((m.step, c))
        else:
            other.append(c)
    chosen = []
    for steps in by_strategy.values():
        steps.sort()
        chosen.extend(dict.fromkeys([steps[0][1], steps[-1][1]]))
    return chosen + other[: max(0, MAX_INFERENCE_CURVES - len(chosen))]


def _pairs(curves: list[dict], fits: dict) -> list[tuple[str, str]]:
    pairs = []
    inputs = dict.fromkeys(c["input"] for c in curves)
    for inp in inputs:
        mine = [c for c in curves if c["input"] == inp and c["curve"] in fits]
        rl = [c["curve"] for c in mine if c["axis"] == "rl"]
        inf = select_inference_curves([c["curve"] for c in mine if c["axis"] == "inference"])
        pairs.extend((r, i) for r in rl for i in inf)
    return pairs


def _headline_index(comparisons: list[dict], curves: dict[str, dict]) -> int | None:
    """Prefer a pair measured on the same model and benchmark, with a finite ratio."""
    best, best_key = None, None
    for k, c in enumerate(comparisons):
        if c["slope_ratio"]["value"] is None:
            continue
        rl, inf = curves[c["rl"]], curves[c["inference"]]
        key = (rl["model"] != inf["model"] or not rl["model"],
               rl["benchmark"] != inf["benchmark"], k)
        if best_key is None or key < best_key:
            best, best_key = k, key
    return best


def _comparison_record(cmp, rl: str, inf: str) -> dict[str, Any]:
    return {
        "rl": rl, "inference": inf,
        "slope_ratio": _estimate(cmp.slope_ratio),
        "slope_ratio_fieller": _estimate(getattr(cmp, "slope_ratio_fieller", None)),
        "slope_ratio_delta": _estimate(getattr(cmp, "slope_ratio_delta", None)),
        "at_score": _finite(getattr(cmp, "at_score", None)),
        "rl_oom_per_inference_oom": _estimate(getattr(cmp, "rl_oom_per_inference_oom", None)),
        "equivalents": [{k: _finite(v) for k, v in e.items()} for e in getattr(cmp, "equivalents", [])],
        "warnings": [str(w) for w in getattr(cmp, "warnings", [])],
    }


# --------------------------------------------------------------------------- headline, exchange

def _fmt(x: float | None, digits: int = 2) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def headline_sentence(cmp: dict | None, curves: dict[str, dict], level: float,
                      all_comparisons: list[dict] | None = None) -> str:
    """One plain sentence stating the slope ratio and its interval."""
    if cmp is None:
        return ("No RL curve could be compared with an inference curve: the data needs at least "
                "one fitted curve on each axis.")
    r = cmp["slope_ratio"]
    rl = curves[cmp["rl"]]
    what = f"{rl['model'] or cmp['rl']}" + (f" on {rl['benchmark']}" if rl["benchmark"] else "")
    value = r["value"]
    if r["ci_low"] is not None and r["ci_high"] is not None:
        interval = (f" ({level:.0%} interval {_fmt(r['ci_low'])} to {_fmt(r['ci_high'])})")
    else:
        interval = (" (no sampling interval: the curves are stated endpoints without a sample "
                    "size)")
    ooms = 1 / value if value else float("nan")
    values = [c["slope_ratio"]["value"] for c in (all_comparisons or [])
              if c["slope_ratio"]["value"] is not None]
    spread = (f" Across all {len(values)} RL/inference pairs the ratio ranges from "
              f"{_fmt(min(values))} to {_fmt(max(values))}." if len(values) > 1 else "")
    return (f"For {what}, each tenfold increase in RL-training compute bought {_fmt(value)} times "
            f"the score gain of a tenfold increase in inference compute{interval}, so matching a "
            f"gain from inference takes about {_fmt(ooms, 1)} times as many orders of magnitude "
            f"of RL.{spread}")


def exchange_table(ratio: dict, pretrain_inference_oom: float | None = None) -> dict[str, Any]:
    """Inference multipliers and their RL and pre-training equivalents at a slope ratio."""
    from rlscale.convert import DEFAULT_PRETRAIN_INFERENCE_OOM, exchange

    w_pre = DEFAULT_PRETRAIN_INFERENCE_OOM if pretrain_inference_oom is None else pretrain_inference_oom
    r = ratio["value"]

    def conv(f, rr, frm, to):
        if rr is None or rr <= 0:
            return None
        return _finite(exchange(f, ratio=rr, from_=frm, to=to, pretrain_inference_oom=w_pre))

    rows = []
    for f in EXCHANGE_FACTORS:
        rows.append({
            "inference_factor": float(f),
            "rl_factor": conv(f, r, "inference", "rl"),
            # a larger ratio means RL is worth more, so fewer RL multiples: high ratio -> low RL
            "rl_factor_low": conv(f, ratio["ci_high"], "inference", "rl"),
            "rl_factor_high": conv(f, ratio["ci_low"], "inference", "rl"),
            "pretrain_factor": conv(f, 1.0, "inference", "pretrain"),
        })
    rl_rows = []
    for s in RL_SCALE_UPS:
        rl_rows.append({
            "rl_factor": float(s),
            "inference_factor": conv(s, r, "rl", "inference"),
            "inference_factor_low": conv(s, ratio["ci_low"], "rl", "inference"),
            "inference_factor_high": conv(s, ratio["ci_high"], "rl", "inference"),
            "pretrain_factor": conv(s, r, "rl", "pretrain"),
        })
    return {"slope_ratio": ratio, "pretrain_inference_oom": w_pre,
            "pretrain_citation": "1,000x inference ≈ 100x pre-training: Jones 2021 "
                                 "(arXiv:2104.03113); Epoch AI 2023, 'Trading Off Compute in "
                                 "Training and Inference'",
            "rows": rows, "rl_rows": rl_rows, "essay_marks": [dict(m) for m in ESSAY_EXCHANGE_MARKS]}


# --------------------------------------------------------------------------- economics, claims

def _economics(ratio: dict) -> dict[str, Any] | None:
    """Total-training multipliers from :mod:`rlscale.econ.training`, if that module is present."""
    try:
        from rlscale.econ.training import training_multiplier
    except ImportError:
        return None
    import numpy as np

    scale_ups = [float(s) for s in np.logspace(0, 6, 61)]
    curves = [{"rl_fraction": frac,
               "total_multiplier": [_finite(training_multiplier(frac, s)) for s in scale_ups]}
              for frac in RL_FRACTIONS]
    table = [{"rl_fraction": frac, "scale_up": float(s),
              "total_multiplier": _finite(training_multiplier(frac, float(s)))}
             for frac in RL_FRACTIONS for s in (10, 100, 1_000, 1_000_000)]
    return {"scale_up": scale_ups, "curves": curves, "table": table,
            "formula": "total training multiplier = (1 + scale-up × RL fraction) / (1 + RL fraction)"
                       " (pre-training fixed; rlscale.econ.training.training_multiplier)",
            "breakeven": _breakeven(ratio)}


BREAKEVEN_KEYS = ("training.pretrain_flops", "training.rl_fraction", "training.rl_scale",
                  "deployment.output_tokens_per_query", "deployment.active_params",
                  "deployment.queries_per_day", "deployment.horizon_days")


def _breakeven(ratio: dict) -> dict[str, Any] | None:
    """Train or think longer: :func:`rlscale.econ.breakeven` at the headline slope ratio, with
    the economics module's default assumptions (each with unit and citation)."""
    try:
        from rlscale.econ import breakeven
        from rlscale.econ.assumptions import defaults
    except ImportError:
        return None
    if ratio["value"] is None or ratio["value"] <= 0:
        return None
    a = defaults()
    res = breakeven(
        pretrain_flops=a.value("training.pretrain_flops"), rl_fraction=a.value("training.rl_fraction"),
        rl_scale=a.value("training.rl_scale"), slope_ratio=ratio["value"],
        output_tokens=a.value("deployment.output_tokens_per_query"),
        active_params=a.value("deployment.active_params"),
        queries_per_day=a.value("deployment.queries_per_day"),
        horizon_days=a.value("deployment.horizon_days"))
    return dict(res, slope_ratio=ratio["value"],
                assumptions=[a[k].to_dict() for k in BREAKEVEN_KEYS])


def _claims() -> list[dict[str, Any]] | None:
    """The essay's claims recomputed by :func:`rlscale.econ.claims.ledger`, if present."""
    try:
        from rlscale.econ.claims import ledger

        claims = ledger()
    except ImportError:  # the economics part is optional
        return None
    return [c.to_dict() if hasattr(c, "to_dict") else dict(c) for c in claims]


# --------------------------------------------------------------------------- analyse

def analyse(sources: Sequence[Any] | None = None, *, form: str = "loglinear",
            bootstrap: int = 1000, seed: int = 0, level: float = 0.95,
            score_scale: str = "unit",
            progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Analyse observations for the report: fits, comparisons, exchange, economics, claims.

    Parameters
    ----------
    sources : sequence, optional
        Anything :func:`rlscale.data.read_observations` takes (``"catalog:ID"``, a file, a lab
        run directory, a DataFrame). ``None`` or empty: :func:`default_sources`.
    form : str
        Curve form fitted to every curve (a key of :data:`rlscale.forms.FORMS`).
    bootstrap : int
        Bootstrap resamples per fit (confidence bands and slope-ratio intervals).
    seed : int
        Seed for the bootstrap; the same seed gives the same results.
    level : float
        Confidence level of every interval.
    score_scale : {"unit", "percent"}
        Passed to ``read_observations``.
    progress : callable, optional
        Called with a short description as each step starts.

    Returns
    -------
    dict
        JSON-ready results (schema ``rlscale-report/1``, described in ``docs/report.md``).

    Raises
    ------
    RlscaleError
        Bad input data (the same one-line errors as ``read_observations``).
    """
    from rlscale import __version__
    from rlscale.convert import compare

    step = progress or (lambda _msg: None)
    step("reading data")
    sources = list(sources) if sources else default_sources()
    if bootstrap < 0:
        raise RlscaleError(f"--bootstrap must be >= 0, got {bootstrap}")
    if not 0 < level < 1:
        raise RlscaleError(f"level must be between 0 and 1, got {level}")
    if form != "auto":
        from rlscale.forms import get_form

        get_form(form)  # an unknown form is the user's error, not one warning per curve

    df, inputs = load_inputs(sources, score_scale=score_scale)
    warnings: list[str] = []
    curves = _curve_info(df)
    by_id = {c["curve"]: c for c in curves}

    step(f"fitting {len(curves)} curves")
    fits = _fit_all(df, form=form, bootstrap=bootstrap, seed=seed, level=level, warnings=warnings)
    fit_records = [_fit_record(fits[c["curve"]], level) for c in curves if c["curve"] in fits]

    step("comparing RL with inference")
    comparisons = []
    for rl, inf in _pairs(curves, fits):
        try:
            cmp = compare(fits[rl], fits[inf], level=level)
        except RlscaleError as exc:
            warnings.append(f"{rl} vs {inf} not compared: {exc}")
            continue
        comparisons.append(_comparison_record(cmp, rl, inf))
    head = _headline_index(comparisons, by_id)
    headline_cmp = comparisons[head] if head is not None else None
    ratio = headline_cmp["slope_ratio"] if headline_cmp else {"value": None, "ci_low": None,
                                                               "ci_high": None}

    step("exchange rates, economics and claims")
    results = {
        "schema": SCHEMA,
        "rlscale_version": __version__,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "settings": {"form": form, "bootstrap": int(bootstrap), "seed": int(seed),
                     "level": float(level), "score_scale": score_scale},
        "inputs": inputs,
        "curves": curves,
        "observations": _observation_records(df),
        "fits": fit_records,
        "comparisons": comparisons,
        "headline": {"index": head, "rl": headline_cmp and headline_cmp["rl"],
                     "inference": headline_cmp and headline_cmp["inference"],
                     "slope_ratio": ratio,
                     "sentence": headline_sentence(headline_cmp, by_id, level, comparisons)},
        "exchange": exchange_table(ratio) if ratio["value"] else None,
        "economics": _economics(ratio),
        "claims": _claims(),
        "caveats": list(CAVEATS),
        # most telling first: the CLI prints only the first few
        "warnings": (_outside_interval(fit_records, comparisons) + warnings
                     + [f"{f['curve']}: {w}" for f in fit_records for w in f["warnings"]]),
    }
    return results


def _outside(est: dict) -> bool:
    v, lo, hi = est["value"], est["ci_low"], est["ci_high"]
    return None not in (v, lo, hi) and not lo <= v <= hi


def _outside_interval(fits: list[dict], comparisons: list[dict]) -> list[str]:
    """Warn where a point estimate lies outside its own bootstrap interval: the resamples do
    not behave like the data, which usually means the curve form does not fit (e.g. a straight
    line through saturating scores); try ``--form logistic`` or ``--form auto``."""
    hint = "the form may not fit these points; try --form logistic or --form auto"
    out = [f"{f['curve']}: slope per decade lies outside its own interval ({hint})"
           for f in fits if _outside(f["slope_per_decade"])]
    out += [f"{c['rl']} vs {c['inference']}: slope ratio lies outside its own interval ({hint})"
            for c in comparisons if _outside(c["slope_ratio"])]
    return out
