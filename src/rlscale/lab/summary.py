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
from rlscale.runformat import LEDGER, OBSERVATIONS, RL_CURVE


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


def _curves(run: RunDir, obs, manifest: dict[str, Any]) -> list[dict[str, Any]]:
    order = manifest.get("curves")
    rank = {c: i for i, c in enumerate(order)} if isinstance(order, list) and all(
        isinstance(c, str) for c in order) else {}
    ids = sorted(dict.fromkeys(obs["curve"]), key=lambda c: (rank.get(c, len(rank)), c))
    out = []
    for curve in ids:
        g = obs[obs["curve"] == curve]
        out.append({"id": curve, "axis": str(g["axis"].iloc[0]), "n_points": int(len(g)),
                    "compute_min": float(g["compute"].min()),
                    "compute_max": float(g["compute"].max())})
    return out


def show_summary(run_dir: str | Path) -> dict[str, Any]:
    """The ``lab show --json`` document of a run directory (status, curves, flops, comparison)."""
    from rlscale.data import read_observations

    run = RunDir.open(run_dir)
    manifest = run.manifest()
    doc: dict[str, Any] = {"status": run.status(), "curves": [], "flops": _flops(run),
                           "comparison": {"slope_ratio": None, "error": "no observations yet"}}
    if not run.observations_path.is_file():
        return doc
    try:
        obs = read_observations(run.path)
    except RlscaleError as exc:
        raise RlscaleError(f"{exc}; {_rebuild_hint(run)}") from None
    doc["curves"] = _curves(run, obs, manifest)
    main = manifest.get("main_inference_curve")
    if main is not None and not isinstance(main, str):
        raise RlscaleError(f"{run.manifest_path}: field 'main_inference_curve' is not a curve id")
    doc["main_inference_curve"] = main
    curves = set(obs["curve"])
    if main and RL_CURVE in curves and main in curves:
        doc["comparison"] = _comparison(run.path, main)
    elif main and RL_CURVE in curves:
        doc["comparison"] = {"slope_ratio": None,
                             "error": f"the manifest's main inference curve is not in {OBSERVATIONS}"}
    return doc


def _comparison(run_dir: Path, main: str) -> dict[str, Any]:
    try:
        from rlscale.convert import compare
        from rlscale.fitting import fit
    except ImportError as exc:  # the analysis core is not installed in this checkout
        return {"slope_ratio": None, "error": f"analysis core unavailable: {exc}"}
    try:
        fits = fit(run_dir, curves=[RL_CURVE, main], form="loglinear", seed=0)
        cmp = compare(fits[RL_CURVE], fits[main])
    except RlscaleError as exc:
        return {"slope_ratio": None, "error": str(exc)}
    return {"slope_ratio": cmp.slope_ratio.to_dict(), "rl": RL_CURVE, "inference": main,
            "rl_slope_per_decade": fits[RL_CURVE].slope_per_decade.to_dict(),
            "inference_slope_per_decade": fits[main].slope_per_decade.to_dict()}
