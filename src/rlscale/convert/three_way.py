"""The three-way exchange: orders of magnitude of pre-training and of RL per order of inference.

From fitted curves of the three axes (a lab run's pre-training curve, its RL curve and its headline
inference curve), the compute each axis needs for the same gain, in orders of magnitude per
order of magnitude of inference compute:

- ``pretrain_oom_per_inference_oom`` = inference slope / pre-training slope;
- ``rl_oom_per_inference_oom`` = inference slope / RL slope;

slopes per decade of each axis's own compute, taken at one score. Each is the inverse of the
slope ratio of :func:`rlscale.convert.compare.compare` (the same bootstrap pairing of resamples,
the same rule for an interval that reaches a zero slope: its bounds are null and a note says so).

Beside them the essay's chain (Toby Ord, "How Well Does RL Scale?", Oct 2025, the section on
GPT-level jumps: "Jones (2021) and EpochAI both estimate that you need to scale-up inference by
roughly 1,000x to reach the same capability you'd get from a 100x scale-up of training ... we
need something like a 1,000,000x scale-up of total RL compute"): 100x pre-training ≈ 1,000x
inference ≈ 1,000,000x RL, i.e. 2/3 OOM of pre-training and 2 OOM of RL per OOM of inference.

Torch-free: it needs only the fits. What the numbers mean and do not mean: ``docs/lab.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rlscale.errors import RlscaleError
from rlscale.jsonable import clean_json

#: The essay's chain (module docstring): orders of magnitude for a GPT-level gain.
ESSAY_CHAIN = {"pretrain": 2.0, "inference": 3.0, "rl": 6.0}
ESSAY = {"pretrain_oom_per_inference_oom": ESSAY_CHAIN["pretrain"] / ESSAY_CHAIN["inference"],
         "rl_oom_per_inference_oom": ESSAY_CHAIN["rl"] / ESSAY_CHAIN["inference"],
         "chain": "100x pre-training ≈ 1,000x inference ≈ 1,000,000x RL",
         "source": "Toby Ord, How Well Does RL Scale? (2025), on GPT-level jumps, citing "
                   "Jones (2021) and Epoch AI for pre-training vs inference"}
KEYS = ("pretrain_oom_per_inference_oom", "rl_oom_per_inference_oom")


def common_score(*fits) -> float | None:
    """The middle of the score range every fit observed; None when the ranges do not overlap."""
    lo, hi = max(f.score_min for f in fits), min(f.score_max for f in fits)
    return 0.5 * (lo + hi) if lo <= hi else None


def three_way(pretrain, rl, inference, *, level: float = 0.95,
              at_score: float | None = None) -> dict[str, Any]:
    """The three-way exchange of three fits (:class:`rlscale.fitting.FitResult`), JSON-ready.

    Returns ``{"pretrain_oom_per_inference_oom": E, "rl_oom_per_inference_oom": E, "at_score",
    "curves", "slope_per_decade", "essay", "notes"}`` with ``E = {"value", "ci_low", "ci_high"}``
    (null where undefined). *at_score* defaults to the middle of the score range all three curves
    observed; when they share none, each pair is compared at its own default score (a note).
    """
    from rlscale.convert.compare import compare

    notes: list[str] = []
    if at_score is None:
        at_score = common_score(pretrain, rl, inference)
        if at_score is None:
            notes.append("the three curves' observed score ranges do not overlap: each axis is "
                         "compared with inference at the middle of that pair's scores")
    out: dict[str, Any] = {"at_score": at_score, "level": level,
                           "curves": {"pretrain": pretrain.curve, "rl": rl.curve,
                                      "inference": inference.curve}, "slope_per_decade": {}}
    for key, fit, axis in ((KEYS[0], pretrain, "pretrain"), (KEYS[1], rl, "rl")):
        try:
            cmp = compare(fit, inference, level=level, at_score=at_score, axis=axis)
        except RlscaleError as exc:
            out[key] = {"value": None, "ci_low": None, "ci_high": None}
            notes.append(f"{key}: {exc}")
            continue
        est = cmp.rl_oom_per_inference_oom.to_dict()
        out[key] = est
        out["slope_per_decade"][axis] = cmp.rl_slope.to_dict()
        out["slope_per_decade"]["inference"] = cmp.inference_slope.to_dict()
        if est["ci_low"] is None or est["ci_high"] is None:
            notes.append(f"{key}: no interval, the {level:.0%} interval of the {axis} or the "
                         "inference slope reaches 0 (or the ratio is not positive)")
        notes += [f"{key}: {w}" for w in cmp.warnings]
    out["essay"] = dict(ESSAY)
    out["notes"] = notes
    return clean_json(out)


def three_way_of(source: str | Path, *, pretrain_curve: str, rl_curve: str,
                 inference_curve: str, form: str = "loglinear", seed: int = 0) -> dict[str, Any]:
    """:func:`three_way` of three curves of *source* (e.g. a lab run directory), each fitted
    with *form*; ``{"error": ...}`` instead when they cannot be fitted."""
    from rlscale.fitting import fit

    curves = [pretrain_curve, rl_curve, inference_curve]
    try:
        fits = fit(source, curves=curves, form=form, seed=seed)
        return three_way(*(fits[c] for c in curves))
    except RlscaleError as exc:
        return {KEYS[0]: None, KEYS[1]: None, "error": str(exc), "essay": dict(ESSAY)}


def report_section(fits, headline: dict, pretrain_curve: str, *, level: float = 0.95):
    """The report's ``three_way`` section: :func:`three_way` of *pretrain_curve* with the
    headline's RL and inference curves (``headline["rl"]``, ``["inference"]``) among *fits*;
    None when any of the three is not fitted."""
    curves = (pretrain_curve, headline.get("rl"), headline.get("inference"))
    if not all(c and c in fits for c in curves):
        return None
    return three_way(*(fits[c] for c in curves), level=level)


def describe(doc: dict[str, Any]) -> list[str]:
    """Plain-text lines of a :func:`three_way` document (``lab show``, the report)."""
    from rlscale.fmt import sig, sig_estimate

    if doc.get("error"):
        return [f"three-way exchange: not available ({doc['error']})"]

    def est(e) -> str:
        return sig_estimate(e, missing="undefined (a slope is zero or of the other sign; see the "
                            "notes)", no_interval="no interval: a slope's interval reaches 0")

    essay = doc.get("essay") or ESSAY
    at = doc.get("at_score")
    head = "three-way exchange" + (f" at score {sig(at, 3)}" if at is not None else "")
    labels = {KEYS[0]: "pre-training OOM per inference OOM", KEYS[1]: "RL OOM per inference OOM"}
    return [f"{head} (essay: {essay['chain']}):"] + [
        f"  {labels[k]}: {est(doc.get(k))}  (essay {sig(essay[k], 2)})" for k in KEYS]
