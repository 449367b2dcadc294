"""The essay's first figure, measured: the final model's thinking gain split in two (torch-free).

Toby Ord, "How Well Does RL Scale?" (2025): "In the initial move from a base-model to a reasoning
model, most of the performance gain came from unlocking the inference-scaling": RL gave a small
boost at a fixed chain-of-thought length and let the model productively use ~30x longer chains.

For a lab run with the ``think`` strategy, base model = step 0, final = the last checkpoint. Each
checkpoint's ``think`` evaluation records its **typical chain length** L: the median thinking
tokens spent per sample at the largest budget (with ``eval.think_forcing = "cut"`` that budget is
the longest worked chain, in effect no limit), with a distribution-free interval of the median
(:func:`median_interval`). With ``s_b(B)``, ``s_f(B)`` the two models' think scores interpolated
linearly in log B between measured budgets:

- ``fixed_length_gain = s_f(L_b) - s_b(L_b)`` (RL at the base model's own length);
- ``longer_chain_gain = s_f(L_f) - s_f(L_b)`` (the rest: using longer chains);
- ``chain_length_ratio = L_f / L_b``;

each ``{"value", "ci_low", "ci_high"}``; how the intervals are made is in :data:`ASSUMPTIONS`.
Null values with a note when the run has no think curve, an evaluation has no length record
(cached by older code, or ``think_forcing = "exact"``, where no chain ends before its budget) or an
L lies outside the measured budgets. What it means: ``docs/lab.md``.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from statistics import NormalDist
from typing import Any

from rlscale.runformat import THINK_LENGTH as LENGTH_KEY
from rlscale.runformat import THINK_STRATEGY

KEYS = ("fixed_length_gain", "longer_chain_gain", "chain_length_ratio")
ASSUMPTIONS = (
    "scores between measured budgets are interpolated linearly in log B; score intervals are "
    "normal approximations (value ± z·se) from the think rows' standard errors, base and final "
    "evaluations independent, two scores of the same model combined with se1 + se2 (valid for "
    "any correlation between budgets). Each gain's interval is the envelope of those intervals "
    "over the lengths' intervals (each median's distribution-free interval at level "
    "sqrt(level), its ends and the median as the lengths tried), so it carries the uncertainty "
    "of the typical lengths too (approximately: the two kinds are not combined exactly). "
    "The length ratio's interval is [L_f low / L_b high, L_f high / L_b low] from each median's "
    "distribution-free interval at level sqrt(level) (independent models, so the pair covers "
    "with probability >= level); the chains of one problem are treated as independent samples, "
    "which narrows the intervals somewhat when eval.think_samples > 1")


def median_ranks(n: int, level: float = 0.95) -> tuple[int, int] | None:
    """1-based ranks (l, u) of the order statistics ``[x_(l), x_(u)]`` that cover the median with
    probability >= *level* for n i.i.d. continuous samples (``u = n + 1 - l``, l as large as
    that allows; coverage ``1 - 2 P(K < l)``, K ~ Binomial(n, 1/2), in exact integer
    arithmetic); None when even ``[x_(1), x_(n)]`` covers less."""
    from fractions import Fraction

    slack = (Fraction(1) - Fraction(level)) * 2 ** n + Fraction(1, 10 ** 9)   # alpha * 2^n
    best, below, term = None, 0, 1          # below = sum_{i < r} C(n, i); term = C(n, r - 1)
    for r in range(1, n // 2 + 1):
        below += term
        if 2 * below > slack:
            break
        best = r
        term = term * (n - r + 1) // r
    return None if best is None else (best, n + 1 - best)


def _quantile_of(hist: list[list[int]], rank: int) -> int:
    """The *rank*-th smallest value (1-based) of a histogram ``[[value, count], ...]``."""
    seen = 0
    for value, count in hist:
        seen += count
        if seen >= rank:
            return value
    raise ValueError("rank beyond the histogram")


def median_interval(hist: list[list[int]], level: float = 0.95) -> dict[str, Any]:
    """``{"value": median, "ci_low", "ci_high"}`` of the samples of *hist* (sorted
    ``[[value, count], ...]``), the interval from :func:`median_ranks` (bounds null when
    there are too few samples for *level*)."""
    n = sum(c for _, c in hist)
    if n == 0:
        return {"value": None, "ci_low": None, "ci_high": None}
    med = 0.5 * (_quantile_of(hist, (n + 1) // 2) + _quantile_of(hist, n // 2 + 1))
    ranks = median_ranks(n, level)
    lo, hi = (None, None) if ranks is None else (_quantile_of(hist, ranks[0]),
                                                 _quantile_of(hist, ranks[1]))
    return {"value": med, "ci_low": lo, "ci_high": hi}


def length_record(lengths: list[int], budget: int, level: float = 0.95) -> dict[str, Any]:
    """The eval cache's :data:`LENGTH_KEY` record: thinking tokens spent per sample at the largest
    *budget*: their histogram, median and its interval."""
    counts: dict[int, int] = {}
    for x in lengths:
        counts[int(x)] = counts.get(int(x), 0) + 1
    hist = [[k, counts[k]] for k in sorted(counts)]
    return {"budget": int(budget), "samples": len(lengths), "histogram": hist,
            "level": level, "median": median_interval(hist, level)}


# --------------------------------------------------------------------------- the decomposition
def _think_curve(ev: dict) -> list[tuple[float, float, float]]:
    """(budget, score, stderr) of the eval's think rows, budget order."""
    rows = [r for r in ev.get("rows", []) if r.get("strategy") == THINK_STRATEGY]
    return sorted((float(r["k"]), float(r["score"]), float(r["stderr"])) for r in rows)


def interpolate(curve: list[tuple[float, float, float]], length: float) -> tuple[float, float] | None:
    """(score, stderr) at *length* tokens, linear in log B between the two measured budgets around
    it (stderr: the same weights, i.e. the bound for correlated neighbours); None outside."""
    if length is None or length <= 0 or not curve or not curve[0][0] <= length <= curve[-1][0]:
        return None
    for (b0, s0, e0), (b1, s1, e1) in itertools.pairwise(curve):
        if b0 <= length <= b1:
            w = 0.0 if b1 == b0 else (math.log(length) - math.log(b0)) / (math.log(b1) - math.log(b0))
            return (1 - w) * s0 + w * s1, (1 - w) * e0 + w * e1
    return curve[0][1], curve[0][2]          # a single budget equal to length


def _null(notes: list[str], why: str, **extra) -> dict[str, Any]:
    """A decomposition with no values: the same keys as a full one (readers need no special
    case), null where nothing could be computed, and *why* as the last note."""
    return {**{k: {"value": None, "ci_low": None, "ci_high": None} for k in KEYS},
            "base_step": None, "final_step": None, "level": None,
            "typical_length": {"base": None, "final": None}, "scores_at": None,
            "assumptions": None, **extra, "notes": notes + [why]}


def _curve_doc(curve) -> list[dict[str, float]]:
    return [{"budget": b, "score": s, "stderr": e} for b, s, e in curve]


def _tried(rec: dict, length, level: float) -> list:
    """The lengths a gain's interval is taken over: *length* (the median) and the ends of its
    interval at level sqrt(*level*)."""
    iv = median_interval(rec["histogram"], math.sqrt(level))
    return sorted({x for x in (iv["ci_low"], length, iv["ci_high"]) if x is not None})


def _envelope(cases: list[tuple[float, float, bool]], z: float) -> dict[str, Any]:
    """The gain at the medians (the case marked True) and the envelope of ``gain ± z·se`` over
    *cases* ``(gain, se, at_the_medians)``; null bounds if an se is not finite."""
    value = next(g for g, _, at_medians in cases if at_medians)
    if not all(math.isfinite(se) for _, se, _ in cases):
        return {"value": value, "ci_low": None, "ci_high": None}
    return {"value": value, "ci_low": min(g - z * se for g, se, _ in cases),
            "ci_high": max(g + z * se for g, se, _ in cases)}


def _gains(cb, cf, lb, lf, ys, xs) -> tuple[list, list]:
    """The cases of the two gains over the tried lengths (*ys* around L_b, *xs* around L_f):
    ``s_f(y) - s_b(y)`` and ``s_f(x) - s_f(y)`` with their se (one curve's same point: 0)."""
    fixed, longer = [], []
    for y in ys:
        f, b = interpolate(cf, y), interpolate(cb, y)
        if f and b:
            fixed.append((f[0] - b[0], math.hypot(f[1], b[1]), y == lb))
        for x in xs:
            fx = interpolate(cf, x)
            if fx and f:
                longer.append((fx[0] - f[0], 0.0 if x == y else fx[1] + f[1], (x, y) == (lf, lb)))
    return fixed, longer


def decompose(base: dict, final: dict, *, level: float = 0.95) -> dict[str, Any]:
    """The decomposition of two cached evaluations (base = step 0, final = the last checkpoint)."""
    from rlscale.jsonable import clean_json

    notes: list[str] = []
    cb, cf = _think_curve(base), _think_curve(final)
    if not cb or not cf:
        return _null(notes, "no thinking-budget (think) curve of the base and the final model")
    rb, rf_ = base.get(LENGTH_KEY), final.get(LENGTH_KEY)
    head = {"base_step": base.get("step"), "final_step": final.get("step"), "level": level,
            "curves": {"base": _curve_doc(cb), "final": _curve_doc(cf)}}
    if not isinstance(rb, dict) or not isinstance(rf_, dict):
        return clean_json(_null(notes, "no typical chain length recorded (an evaluation cached by "
                                "older code, or eval.think_forcing = exact, where no chain ends "
                                "before its budget)", **head))
    lb, lf = rb["median"]["value"], rf_["median"]["value"]
    out: dict[str, Any] = {**head,
                           "typical_length": {"base": rb["median"], "final": rf_["median"]}}
    for who, rec, L in (("base", rb, lb), ("final", rf_, lf)):
        if L is not None and L >= rec["budget"]:
            notes.append(f"the {who} model's median chain reaches the largest budget "
                         f"({rec['budget']} tokens): its length without a limit may be longer")
    z = NormalDist().inv_cdf(0.5 + level / 2)
    at = {"sb_lb": interpolate(cb, lb), "sf_lb": interpolate(cf, lb), "sf_lf": interpolate(cf, lf)}
    fixed, longer = _gains(cb, cf, lb, lf, _tried(rb, lb, level), _tried(rf_, lf, level))
    if at["sb_lb"] and at["sf_lb"]:
        out[KEYS[0]] = _envelope(fixed, z)
    if at["sf_lf"] and at["sf_lb"]:
        out[KEYS[1]] = _envelope(longer, z)
    if any(v is None for v in at.values()):
        notes.append(f"a typical length (base {lb}, final {lf} tokens) lies outside the measured "
                     f"budgets ({cb[0][0]:g}-{cb[-1][0]:g} base, {cf[0][0]:g}-{cf[-1][0]:g} "
                     "final): the gains there are null")
    out["scores_at"] = {k: None if v is None else v[0] for k, v in
                        (("base_at_base_length", at["sb_lb"]), ("final_at_base_length", at["sf_lb"]),
                         ("final_at_final_length", at["sf_lf"]))}
    out[KEYS[2]] = _ratio(rb, rf_, lb, lf, level)
    for k in KEYS:
        out.setdefault(k, {"value": None, "ci_low": None, "ci_high": None})
    out["assumptions"] = ASSUMPTIONS
    out["notes"] = notes
    return clean_json(out)


def _ratio(rb: dict, rf_: dict, lb, lf, level: float) -> dict[str, Any]:
    """L_f / L_b with the interval from each median's interval at level sqrt(*level*)."""
    if not lb or lf is None:
        return {"value": None, "ci_low": None, "ci_high": None}
    each = math.sqrt(level)
    ib, if_ = median_interval(rb["histogram"], each), median_interval(rf_["histogram"], each)
    ok = None not in (ib["ci_low"], ib["ci_high"], if_["ci_low"], if_["ci_high"]) and ib["ci_low"] > 0
    return {"value": lf / lb, "ci_low": if_["ci_low"] / ib["ci_high"] if ok else None,
            "ci_high": if_["ci_high"] / ib["ci_low"] if ok else None}


def _read_eval(path: Path) -> dict[str, Any]:
    """A cached evaluation (``runformat.eval_file``), checked as far as the decomposition reads it."""
    import json

    from rlscale.errors import RlscaleError

    fix = "delete it and `rlscale lab resume RUN_DIR` recomputes it from its checkpoint"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        raise RlscaleError(f"{path}: cannot read the cached evaluation ({exc}); {fix}") from None
    rows = doc.get("rows") if isinstance(doc, dict) else None
    ok = isinstance(rows, list) and all(
        isinstance(r, dict) and all(isinstance(r.get(k), (int, float)) and not isinstance(
            r.get(k), bool) for k in ("k", "score", "stderr")) for r in rows
        if isinstance(r, dict) and r.get("strategy") == THINK_STRATEGY)
    rec = doc.get(LENGTH_KEY) if ok else None
    if rec is not None and not (isinstance(rec, dict) and isinstance(rec.get("histogram"), list)
                                and isinstance(rec.get("budget"), int)
                                and isinstance(rec.get("median"), dict)):
        ok = False
    if not ok:
        raise RlscaleError(f"{path}: not a cached evaluation (its think rows or its "
                           f"{LENGTH_KEY!r} record); {fix}")
    return doc


def decomposition_of(run_dir: str | Path, *, level: float = 0.95) -> dict[str, Any]:
    """:func:`decompose` of a lab run directory's cached evaluations of step 0 and of its last
    checkpoint (``runformat.eval_file``); null values with a note when they are not there yet.
    A cached evaluation that cannot be read is a :class:`RlscaleError` naming it."""
    from rlscale.runformat import EVALS, eval_file

    evals = Path(run_dir) / EVALS
    steps = sorted(int(p.stem[4:]) for p in evals.glob("step*.json")
                   if p.stem[4:].isdigit() and p.name == eval_file(int(p.stem[4:])))
    if not steps or steps[0] != 0 or len(steps) < 2:
        return _null([], "the base model's and a later checkpoint's evaluations are not cached yet")
    return decompose(_read_eval(evals / eval_file(0)), _read_eval(evals / eval_file(steps[-1])),
                     level=level)


def describe(doc: dict[str, Any]) -> list[str]:
    """Plain-text lines of a decomposition document (``lab show``, the report)."""
    from rlscale.fmt import sig_estimate

    def est(e, unit: str = "") -> str:
        return sig_estimate(e, unit, missing="undefined (see the notes)")

    typ = doc["typical_length"]
    lines = [("thinking decomposition (base model vs final checkpoint; essay: small gain at a "
              "fixed length, larger from ~30x longer chains):")]
    if typ["base"] is not None or typ["final"] is not None:
        lines.append(f"  typical chain length (median tokens): base {est(typ['base'])}, "
                     f"final {est(typ['final'])}")
    lines += [f"  RL at a fixed length (fixed_length_gain): {est(doc[KEYS[0]])}",
              f"  using longer chains (longer_chain_gain): {est(doc[KEYS[1]])}",
              f"  chain length ratio (final / base): {est(doc[KEYS[2]], 'x')}"]
    return lines + [f"  note: {n}" for n in doc["notes"]]


def show_section(run_dir, doc: dict) -> dict:
    """``{"decomposition": ...}`` for ``lab show`` once the run has observations (*doc*'s
    ``curves``); ``{}`` before."""
    if not doc.get("curves"):
        return {}
    return {"decomposition": decomposition_of(run_dir)}


def report_section(run_dir, level: float = 0.95) -> dict | None:
    """The report's ``decomposition`` section of a lab run directory: None when its cached
    evaluations have no think curve or cannot be read."""
    from rlscale.errors import RlscaleError

    try:
        doc = decomposition_of(run_dir, level=level)
    except (RlscaleError, OSError):
        return None
    return doc if doc.get("curves") else None
