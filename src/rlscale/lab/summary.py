"""The summary of a lab run directory that ``rlscale lab show`` prints (torch-free).

Every file it reads (manifest, ledger, observations) is checked: a corrupted or hand-edited file
is one :class:`RlscaleError` line naming the file and what to do, never a traceback.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from rlscale.errors import RlscaleError
from rlscale.lab.store import RunDir, read_json
from rlscale.runformat import LEDGER, OBSERVATIONS, RL_CURVE, order_curves, run_headline


def _rebuild_hint(run: RunDir) -> str:
    return (f"`rlscale lab resume {run.path}` rewrites {LEDGER} and {OBSERVATIONS} from the "
            "cached evaluations")


def _flops(run: RunDir) -> dict[str, float]:
    if not run.ledger_path.is_file():
        return {}
    doc = read_json(run.ledger_path, "FLOP ledger", _rebuild_hint(run))
    flops = doc.get("flops") if isinstance(doc, dict) else None
    ok = isinstance(flops, dict) and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
        for v in flops.values())
    if not ok:
        raise RlscaleError(f"{run.ledger_path}: not a FLOP ledger (expected "
                           "{\"flops\": {component: number}}); " + _rebuild_hint(run))
    return {str(k): float(v) for k, v in flops.items()}


def _curves(obs) -> list[dict[str, Any]]:
    """One row per curve, in :func:`rlscale.runformat.order_curves` order."""
    out = []
    for curve in order_curves(obs["curve"].unique()):
        g = obs[obs["curve"] == curve]
        out.append({"id": curve, "axis": str(g["axis"].iloc[0]), "n_points": int(len(g)),
                    "compute_min": float(g["compute"].min()),
                    "compute_max": float(g["compute"].max())})
    return out


def _scores(facts: dict[str, Any], obs) -> dict[str, Any] | None:
    """Base and final score in the data's scale. ``from: "manifest"``: the RL curve's metric
    (``budget``, e.g. pass@1) of the base model and of the final checkpoint, as the run stores
    them; ``from`` the RL curve id (no such manifest fields): its first and last point."""
    if facts["scores"]:
        return {**facts["scores"], "from": "manifest"}
    rl = obs[obs["curve"] == RL_CURVE].sort_values("compute", kind="stable")
    if rl.empty:
        return None
    return {"base": float(rl["score"].iloc[0]), "final": float(rl["score"].iloc[-1]),
            "final_step": None, "budget": None,
            "from": RL_CURVE}


def show_summary(run_dir: str | Path) -> dict[str, Any]:
    """The ``lab show --json`` document of a run directory: status, curves, flops, scores, the
    default pair's ``comparison`` and ``headline`` sentence, and every ``pairings`` row."""
    from rlscale.data import read_observations

    run = RunDir.open(run_dir)
    manifest = run.manifest()
    doc: dict[str, Any] = {"status": run.status(), "curves": [], "flops": _flops(run),
                           "scores": None, "pairings": [], "headline": None,
                           "comparison": {"slope_ratio": None, "error": "no observations yet"}}
    if not run.observations_path.is_file():
        return doc
    try:
        obs = read_observations(run.path)
    except RlscaleError as exc:
        raise RlscaleError(f"{exc}; {_rebuild_hint(run)}") from None
    doc["curves"] = _curves(obs)
    main = manifest.get("main_inference_curve")
    if main is not None and not isinstance(main, str):
        raise RlscaleError(f"{run.manifest_path}: field 'main_inference_curve' is not a curve id")
    doc["main_inference_curve"] = main
    facts = run_headline(manifest, [c["id"] for c in doc["curves"]])
    doc["scores"] = _scores(facts, obs)
    if RL_CURVE not in set(obs["curve"]):
        doc["comparison"] = {"slope_ratio": None, "error": f"no {RL_CURVE} curve yet"}
    elif facts["pair"] is None:
        doc["comparison"] = {"slope_ratio": None, "error": "no thinking-budget curve of the "
                             "final checkpoint and the manifest's main inference curve is not "
                             f"in {OBSERVATIONS}"}
    else:
        doc.update(_pairings(obs, doc["curves"], facts))
    return doc


def _pairings(obs, curves: list[dict], facts: dict[str, Any]) -> dict[str, Any]:
    """``pairings`` (the RL curve against every inference curve, with its slope ratio),
    ``comparison`` (the default pair's, as before) and its ``headline`` sentence."""
    try:
        from rlscale.convert import compare
        from rlscale.convert.headline import headline_sentence, no_ratio_reason
        from rlscale.fitting import fit_frame
    except ImportError as exc:  # the analysis core is not installed in this checkout
        return {"comparison": {"slope_ratio": None, "error": f"analysis core unavailable: {exc}"}}
    fits = fit_frame(obs, form="loglinear", seed=0, on_error="collect")
    rows, head, compared = [], None, []
    for inf in (c["id"] for c in curves if c["axis"] == "inference"):
        row: dict[str, Any] = {"rl": RL_CURVE, "inference": inf, "slope_ratio": None,
                               "headline": (RL_CURVE, inf) == facts["pair"]}
        try:
            cmp = compare(fits[RL_CURVE], fits[inf]).to_dict()
        except RlscaleError as exc:
            row["error"] = str(exc)
        else:
            row["slope_ratio"] = cmp["slope_ratio"]
            row["stated"] = no_ratio_reason(cmp, facts["scores"]) is None
            row["inference_slope_per_decade"] = cmp["curves"]["inference"]["slope_per_decade"]
            head = cmp if row["headline"] else head
            compared.append(cmp)
        rows.append(row)
    rl, inf = facts["pair"]
    if head is None:
        why = next((r.get("error") for r in rows if r["headline"]), None)
        return {"pairings": rows, "comparison": {"slope_ratio": None, "rl": rl, "inference": inf,
                                                 "error": why or f"{inf} could not be fitted"}}
    scores = facts["scores"]
    comparison = {"slope_ratio": head["slope_ratio"], "rl": rl, "inference": inf,
                  "rl_slope_per_decade": head["curves"]["rl"]["slope_per_decade"],
                  "inference_slope_per_decade": head["curves"]["inference"]["slope_per_decade"]}
    return {"pairings": rows, "comparison": comparison,
            "headline": headline_sentence(head, _facts(obs), all_comparisons=compared,
                                          scores=scores)}


def _facts(obs) -> dict[str, dict[str, str]]:
    """The RL curve's model and benchmark, which the headline sentence names (as the report's)."""
    g = obs[obs["curve"] == RL_CURVE].iloc[0]
    return {RL_CURVE: {k: "" if g.get(k) is None or g.get(k) != g.get(k) else str(g[k])
                       for k in ("model", "benchmark")}}
