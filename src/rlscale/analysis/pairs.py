"""Which RL curve is compared with which inference curve, and which pair carries the headline.

A lab run directory's headline pair is :func:`rlscale.runformat.default_pair` (the RL curve
against the final checkpoint's thinking-budget curve, else the manifest's main inference curve);
:func:`run_defaults` reads what that rule and the headline need from the run's manifest, so that
``report RUN_DIR`` and ``compare RUN_DIR`` state the same pair as ``lab show``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rlscale.runformat import MANIFEST, order_curves, parse_inference_curve, run_headline

#: More inference curves than this in one input (not a lab run) -> keep the first ones.
MAX_INFERENCE_CURVES = 6


def select_inference_curves(curves: list[str]) -> list[str]:
    """The inference curves to pair with RL.

    Lab inference curves (ids from ``runformat.inference_curve``): every one, grouped by
    strategy, checkpoints in numeric order (:func:`rlscale.runformat.order_curves`), so the
    report's table has every pairing of the run. Other inputs keep their first
    :data:`MAX_INFERENCE_CURVES` curves.
    """
    lab = [c for c in order_curves(curves) if parse_inference_curve(c)]
    other = [c for c in curves if not parse_inference_curve(c)]
    return lab + other[: max(0, MAX_INFERENCE_CURVES - len(lab))] if lab else \
        list(curves)[:MAX_INFERENCE_CURVES]


def pairs(curves: list[dict], fitted) -> list[tuple[str, str]]:
    """(RL curve, inference curve) for every fitted RL curve and chosen inference curve of the
    same input, in input order."""
    out = []
    for inp in dict.fromkeys(c["input"] for c in curves):
        mine = [c for c in curves if c["input"] == inp and c["curve"] in fitted]
        rl = [c["curve"] for c in mine if c["axis"] == "rl"]
        inf = select_inference_curves([c["curve"] for c in mine if c["axis"] == "inference"])
        out.extend((r, i) for r in rl for i in inf)
    return out


def is_independent(cmp: dict, curves: dict[str, dict]) -> bool:
    """A pair counts as independent evidence only when neither curve is wholly ``derived``."""
    return bool(curves[cmp["rl"]]["independent"] and curves[cmp["inference"]]["independent"])


def headline_index(comparisons: list[dict], curves: dict[str, dict],
                   preferred: tuple[str, str] | None = None) -> int | None:
    """The headline pair: *preferred* (a lab run's :func:`run_defaults` pair) when it was
    compared; else independent first, then measured on the same model and benchmark, then the
    first such, among pairs with a finite ratio."""
    if preferred is not None:
        k = next((k for k, c in enumerate(comparisons)
                  if (c["rl"], c["inference"]) == tuple(preferred)), None)
        if k is not None:
            return k
    best, best_key = None, None
    for k, c in enumerate(comparisons):
        if c["slope_ratio"]["value"] is None:
            continue
        rl, inf = curves[c["rl"]], curves[c["inference"]]
        key = (not c.get("independent", True), rl["model"] != inf["model"] or not rl["model"],
               rl["benchmark"] != inf["benchmark"], k)
        if best_key is None or key < best_key:
            best, best_key = k, key
    return best


def run_defaults(source: Any, curves: list[str]) -> dict[str, Any] | None:
    """For a lab run directory (*source*, with its observed *curves*): its manifest read by
    :func:`rlscale.runformat.run_headline` (``{"pair", "scores"}``); None for any other
    source. A manifest that cannot be read here counts as empty (``data`` has checked it)."""
    if not isinstance(source, (str, Path)) or not (Path(source) / MANIFEST).is_file():
        return None
    try:
        doc = json.loads((Path(source) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        doc = {}
    return run_headline(doc, curves)
