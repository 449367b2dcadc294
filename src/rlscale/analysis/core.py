"""``analyse``: observations in, one JSON-ready results dict (``results.json``) out.

Orchestration only: each step is owned elsewhere. Inputs (:mod:`.inputs`), per-curve facts and
rows (:mod:`.observations`), fits (:func:`rlscale.fitting.fit_frame`), pairs and the headline
pair (:mod:`.pairs`), comparisons (:func:`rlscale.compare`), the headline sentence
(:mod:`.headline`), exchange rates (:func:`rlscale.convert.exchange.exchange_table`), economics
and claims (:mod:`rlscale.econ.summary`).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Sequence
from typing import Any

from rlscale.analysis import inputs as _in
from rlscale.analysis.across import across_sources
from rlscale.convert.headline import headline_sentence, no_ratio_reason
from rlscale.analysis.observations import curve_info, observation_records
from rlscale.analysis.pairs import headline_index, is_independent, pairs, run_defaults
from rlscale.errors import RlscaleError

SCHEMA = "rlscale-report/1"
GRID_POINTS = 96
NO_RATIO = {"value": None, "ci_low": None, "ci_high": None}

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

Progress = Callable[..., None]


def analyse(sources: Sequence[Any] | None = None, *, form: str = "loglinear",
            bootstrap: int = 1000, seed: int = 0, level: float = 0.95,
            score_scale: str = "unit", progress: Progress | None = None) -> dict[str, Any]:
    """Analyse observations for the report: fits, comparisons, exchange, economics, claims.

    ``sources``: anything :func:`rlscale.data.read_observations` takes (``"catalog:ID"``, a
    file, a lab run directory, a DataFrame); None or empty: :func:`default_sources`. ``form``
    is fitted to every curve; ``bootstrap`` resamples per fit with ``seed``; ``level`` of every
    interval; ``score_scale`` as in ``read_observations``. ``progress(description, done=None,
    total=None)`` is called as each step starts. Returns the JSON-ready results (schema
    ``rlscale-report/1``, see ``docs/report.md``); bad input raises :class:`RlscaleError`.
    """
    from rlscale.econ import summary
    from rlscale.fitting import fit_frame

    step = progress or (lambda *_a, **_k: None)
    _in.check_settings(form, bootstrap, level)
    step("reading data")
    df, inputs = _in.load_inputs(list(sources) if sources else _in.default_sources(),
                                 score_scale=score_scale)
    curves = curve_info(df)
    by_id = {c["curve"]: c for c in curves}
    fits = fit_frame(df, form=form, bootstrap=bootstrap, seed=seed, level=level,
                     on_error="collect",
                     progress=lambda k, n, c: step(f"fitting {c} ({int(k) + 1} of {n})", k, n))
    step("comparing RL with inference")
    comparisons, warnings = _compare_all(fits, curves, by_id, level)
    run = _run_defaults(inputs, curves)
    head = headline_index(comparisons, by_id, run["pair"] if run else None)
    headline = _headline(comparisons, head, by_id, level, score_scale, run)
    step("exchange rates, economics and claims")
    essay = _in.ESSAY_INPUT in {i["label"] for i in inputs}
    ev, ev_notes = summary.report_evidence(fits if essay else None, seed=seed, form=form)
    fit_records = [f.to_dict(grid=GRID_POINTS) for f in fits]
    return {
        "schema": SCHEMA, "rlscale_version": _version(),
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "settings": {"form": form, "bootstrap": int(bootstrap), "seed": int(seed),
                     "level": float(level), "score_scale": score_scale},
        "inputs": inputs, "curves": curves,
        "three_way": _three_way(fits, headline, level),   # pre-training as a third axis
        "decomposition": _decomposition(inputs, level),   # a lab run's thinking gain, split
        "observations": observation_records(df), "observations_total": int(len(df)),
        "fits": fit_records, "comparisons": comparisons, "headline": headline,
        "across_sources": across_sources(fits, level=level),
        "forecast": _forecast(df, headline, form, bootstrap, seed, warnings),
        "exchange": _exchange(headline),
        "evidence": summary.evidence_record(ev), "economics": summary.economics(ev),
        "claims": summary.claims(ev), "caveats": list(CAVEATS),
        # most telling first: the CLI prints only the first few
        "warnings": (_outside_interval(fit_records, comparisons)
                     + [f"curve '{c}' not fitted: {e}" for c, e in fits.errors.items()]
                     + warnings + ev_notes + [f"{f['curve']}: {w}" for f in fit_records
                                   for w in f["warnings"]]),
    }


def _version() -> str:
    from rlscale import __version__

    return __version__


def _three_way(fits, headline: dict, level: float) -> dict | None:
    """:func:`rlscale.convert.three_way.report_section` for a lab run's pre-training curve."""
    from rlscale.convert.three_way import report_section
    from rlscale.runformat import PRETRAIN_CURVE

    return report_section(fits, headline, PRETRAIN_CURVE, level=level)


def _decomposition(inputs: list[dict], level: float) -> dict | None:
    """:func:`rlscale.convert.decomposition.decomposition_of` when the first input is a lab run
    directory with a think curve; None otherwise."""
    from rlscale.convert.decomposition import report_section

    first = inputs[0] if inputs else None
    return report_section(first["label"], level) if first and first["kind"] == "run" else None


def _compare_all(fits, curves: list[dict], by_id: dict, level: float):
    """Comparison records (``rl``, ``inference``, ``independent`` + ``Comparison.to_dict()``)
    for every pair, and a warning for each pair that could not be compared."""
    from rlscale.convert import compare

    out, warnings = [], []
    for rl, inf in pairs(curves, fits):
        try:
            cmp = compare(fits[rl], fits[inf], level=level)
        except RlscaleError as exc:
            warnings.append(f"{rl} vs {inf} not compared: {exc}")
            continue
        rec = {"rl": rl, "inference": inf, **cmp.to_dict()}
        rec["independent"] = is_independent(rec, by_id)
        out.append(rec)
    return out, warnings


def _run_defaults(inputs: list[dict], curves: list[dict]) -> dict | None:
    """When the first input is a lab run directory: its default pair and scores
    (:func:`.pairs.run_defaults`), which then carry the headline; else None."""
    first = inputs[0] if inputs else None
    if first is None or first["kind"] != "run":
        return None
    return run_defaults(first["label"], [c["curve"] for c in curves
                                         if c["input"] == first["label"]])


def _headline(comparisons: list[dict], head: int | None, by_id: dict, level: float,
              score_scale: str, run: dict | None = None) -> dict:
    """The headline record; ``stated`` is False (and ``reason`` says why, in words) when the
    sentence gives no ratio (:func:`rlscale.convert.headline.no_ratio_reason`)."""
    cmp = comparisons[head] if head is not None else None
    scores = run["scores"] if run and cmp and run["pair"] == (cmp["rl"], cmp["inference"]) \
        else None
    reason = no_ratio_reason(cmp, scores, level, score_scale) if cmp else None
    return {"index": head, "rl": cmp and cmp["rl"], "inference": cmp and cmp["inference"],
            "slope_ratio": cmp["slope_ratio"] if cmp else dict(NO_RATIO),
            "stated": cmp is not None and reason is None, "reason": reason, "scores": scores,
            "pairs": len(comparisons),
            "independent_pairs": sum(1 for c in comparisons if c["independent"]),
            "sentence": headline_sentence(cmp, by_id, level, comparisons, score_scale, scores)}


#: Resamples per form for the forecast panel (capped: it refits each form of each curve drawn).
FORECAST_BOOTSTRAP = 300


def _forecast(df, headline: dict, form: str, bootstrap: int, seed: int,
              warnings: list[str]) -> dict | None:
    """The forecast panel's section (:func:`rlscale.forecasting.section.forecast_section`) for
    the headline pair's two curves, each extended a decade beyond its data; None without a
    headline pair. A curve that cannot be forecast is a warning, not a failed report."""
    from rlscale.forecasting.section import forecast_section

    curves = [c for c in (headline["rl"], headline["inference"]) if c]
    if not curves:
        return None
    try:
        return forecast_section(df, curves=curves, form=form, seed=seed,
                                bootstrap=max(1, min(int(bootstrap), FORECAST_BOOTSTRAP)))
    except RlscaleError as exc:
        warnings.append(f"forecast panel left out: {exc}")
        return None


def _exchange(headline: dict) -> dict | None:
    """The exchange table at the headline ratio, only when the headline states one."""
    from rlscale.convert.exchange import exchange_table

    ratio = headline["slope_ratio"]
    return exchange_table(ratio) if headline["stated"] and ratio["value"] else None


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
