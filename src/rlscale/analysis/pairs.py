"""Which RL curve is compared with which inference curve, and which pair carries the headline."""

from __future__ import annotations

from rlscale.runformat import parse_inference_curve

#: More inference curves than this in one input -> keep each strategy's first and last checkpoint.
MAX_INFERENCE_CURVES = 6


def select_inference_curves(curves: list[str]) -> list[str]:
    """The inference curves to pair with RL when an input has many (a lab run).

    Lab inference curves (ids from ``runformat.inference_curve``): each strategy at its first and
    last checkpoint.
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


def headline_index(comparisons: list[dict], curves: dict[str, dict]) -> int | None:
    """The headline pair: independent first, then measured on the same model and benchmark,
    then the first such, among pairs with a finite ratio."""
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
