"""Result objects of ``rlscale forecast`` and ``rlscale backtest`` (JSON schema: issue 14, item 6).

Every estimate is an :class:`~rlscale.estimate.Estimate` and serialises as
``{"value", "ci_low", "ci_high"}``; ``null`` marks an unbounded or unavailable end.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from rlscale.estimate import Estimate
from rlscale.fmt import sig
from rlscale.jsonable import clean_json


def _fmt(v: float | None, digits: int = 4) -> str:
    return sig(v, digits)


def _end(v: float) -> str:
    if v == math.inf:
        return "unbounded"
    if v == -math.inf:
        return "0"
    return _fmt(v)


def _interval(e: Estimate) -> str:
    return f"[{_end(e.ci_low)}, {_end(e.ci_high)}]"


@dataclass
class ForecastResult:
    """A forecast for one curve: the compute that reaches a score, or the score at a compute.

    Attributes
    ----------
    curve, axis, compute_unit, form : str
        ``form`` is the form asked for (a name or ``"auto"``).
    target_score, at_compute : float or None
        Exactly one is set.
    reachable : bool
        False when the target score is out of reach (above the fitted ceiling of the form, or of
        the forms holding most of the AIC weight); ``compute`` then has a null value.
    compute, score : Estimate or None
        The forecast with its prediction interval at ``level`` (compute for a target score,
        score for a given compute). An unbounded end is ``inf`` (``null`` in JSON).
    decades_beyond_data : float or None
        log10 distance of the forecast compute outside the observed compute range (0 inside).
    forms : list of dict
        Per form: ``form``, ``weight`` (AIC), ``aic``, ``reachable``, ``compute``/``score``,
        ``ceiling`` (the fitted limit at large compute) and ``reason`` when unreachable.
    interval : str
        What the interval carries (``parameters + form + binomial noise (n = ...)`` etc.).
    cost : dict or None
        With ``cost=True``: see :func:`rlscale.forecasting.cost.target_cost`.
    """

    curve: str
    axis: str | None
    compute_unit: str
    form: str
    level: float
    reachable: bool
    compute_min: float
    compute_max: float
    decades_beyond_data: float | None
    forms: list[dict]
    warnings: list[str]
    interval: str
    target_score: float | None = None
    at_compute: float | None = None
    compute: Estimate | None = None
    score: Estimate | None = None
    cost: dict | None = None

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"curve": self.curve, "form": self.form}
        if self.target_score is not None:
            doc["target_score"] = self.target_score
        else:
            doc["at_compute"] = self.at_compute
        doc["reachable"] = bool(self.reachable)
        if self.compute is not None:
            doc["compute"] = self.compute.to_dict()
        else:
            doc["score"] = self.score.to_dict()
        doc.update(decades_beyond_data=self.decades_beyond_data, forms=self.forms,
                   warnings=list(self.warnings), level=self.level, interval=self.interval,
                   axis=self.axis, compute_unit=self.compute_unit,
                   observed_compute={"min": self.compute_min, "max": self.compute_max})
        if self.cost is not None:
            doc["cost"] = self.cost
        return clean_json(doc)

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.to_dict(), allow_nan=False, **kwargs)

    def to_frame(self):
        """One row for the forecast (``form`` = the form asked for), then one per form."""
        import pandas as pd

        what = "compute" if self.compute is not None else "score"
        e = self.compute if self.compute is not None else self.score
        rows = [{"curve": self.curve, "form": self.form, "weight": 1.0, "quantity": what,
                 "value": e.value, "ci_low": e.ci_low, "ci_high": e.ci_high,
                 "reachable": self.reachable, "decades_beyond_data": self.decades_beyond_data}]
        for f in self.forms:
            fe = f.get(what) or {}
            rows.append({"curve": self.curve, "form": f["form"], "weight": f["weight"],
                         "quantity": what, "value": fe.get("value"), "ci_low": fe.get("ci_low"),
                         "ci_high": fe.get("ci_high"), "reachable": f["reachable"],
                         "decades_beyond_data": f.get("decades_beyond_data")})
        return pd.DataFrame(rows)

    def headline(self) -> str:
        pct = int(round(self.level * 100))
        unit = self.compute_unit
        if self.compute is not None:
            if not self.reachable:
                return (f"{self.curve}: score {self.target_score:g} is out of reach under the "
                        f"{self.form} fit (see the reasons below)")
            c = self.compute
            return (f"{self.curve}: score {self.target_score:g} is reached at compute "
                    f"{_fmt(c.value)} {unit} ({pct}% interval {_interval(c)}), "
                    f"{_fmt(self.decades_beyond_data, 3)} decades beyond the data")
        s = self.score
        return (f"{self.curve}: score at compute {self.at_compute:g} {unit} is {_fmt(s.value, 3)} "
                f"({pct}% prediction interval {_interval(s)}), "
                f"{_fmt(self.decades_beyond_data, 3)} decades beyond the data")

    def __rich__(self):
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        what = "compute" if self.compute is not None else "score"
        t = Table(title=f"by form ({self.interval})", title_justify="left")
        for col in ("form", "AIC weight", what, f"{int(round(self.level * 100))}% interval",
                    "note"):
            t.add_column(col, justify="left" if col in ("form", "note") else "right")
        for f in self.forms:
            e = f.get(what) or {}
            lo = "—" if e.get("ci_low") is None else _fmt(e["ci_low"])
            hi = "—" if e.get("ci_high") is None else _fmt(e["ci_high"])
            t.add_row(f["form"], f"{f['weight']:.3f}", _fmt(e.get("value")), f"[{lo}, {hi}]",
                      f.get("reason", ""))
        parts = [Text(self.headline()), t]
        parts += [Text(f"warning: {w}", style="yellow") for w in self.warnings]
        return Group(*parts)


@dataclass
class BacktestResult:
    """Fit on the low-compute part of a curve, predict the rest, and score the predictions.

    ``points`` holds each held-out point with ``predicted`` (an Estimate dict: the fitted value
    and the prediction interval), ``error`` (score − predicted value) and ``covered``.
    ``asymptote`` (and ``midpoint`` for the scalerl protocol) compares the train-only fit with
    the full-data fit where the form has one; ``None`` otherwise.
    """

    curve: str
    protocol: str
    form: str
    level: float
    train_max_compute: float
    n_train: int
    points: list[dict]
    coverage: float
    mean_abs_error: float
    warnings: list[str]
    compute_unit: str = "relative"
    asymptote: dict | None = None
    midpoint: dict | None = None
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        doc = {"curve": self.curve, "protocol": self.protocol,
               "train_max_compute": self.train_max_compute, "points": self.points,
               "coverage": self.coverage, "asymptote": self.asymptote}
        if self.midpoint is not None:
            doc["midpoint"] = self.midpoint
        doc.update(form=self.form, level=self.level, n_train=self.n_train,
                   n_test=len(self.points), mean_abs_error=self.mean_abs_error,
                   compute_unit=self.compute_unit, warnings=list(self.warnings), **self.extra)
        return clean_json(doc)

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.to_dict(), allow_nan=False, **kwargs)

    def to_frame(self):
        """One row per held-out point."""
        import pandas as pd

        rows = [{"curve": self.curve, "compute": p["compute"], "score": p["score"],
                 "predicted": p["predicted"]["value"], "ci_low": p["predicted"]["ci_low"],
                 "ci_high": p["predicted"]["ci_high"], "error": p["error"],
                 "covered": p["covered"]} for p in self.points]
        return pd.DataFrame(rows)

    def __rich__(self):
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        pct = int(round(self.level * 100))
        head = (f"{self.curve}: {self.protocol} backtest, {self.form} fitted on {self.n_train} "
                f"points up to compute {_fmt(self.train_max_compute)} {self.compute_unit}; "
                f"{len(self.points)} held out, {pct}% prediction intervals cover "
                f"{self.coverage:.0%}, mean |error| {self.mean_abs_error:.3g}")
        t = Table(title="held-out points", title_justify="left")
        for col in ("compute", "score", "predicted", f"{pct}% interval", "covered"):
            t.add_column(col, justify="right")
        for p in self.points:
            e = p["predicted"]
            t.add_row(_fmt(p["compute"]), _fmt(p["score"], 3), _fmt(e["value"], 3),
                      f"[{_fmt(e['ci_low'], 3)}, {_fmt(e['ci_high'], 3)}]",
                      "yes" if p["covered"] else "no")
        parts = [Text(head), t]
        for name, d in (("asymptote", self.asymptote), ("midpoint", self.midpoint)):
            if d:
                x, full = d["extrapolated"], d["full_data"]
                parts.append(Text(f"{name}: extrapolated {_fmt(x['value'], 4)} "
                                  f"[{_fmt(x['ci_low'], 4)}, {_fmt(x['ci_high'], 4)}] vs "
                                  f"full data {_fmt(full['value'], 4)} "
                                  f"[{_fmt(full['ci_low'], 4)}, {_fmt(full['ci_high'], 4)}]"))
        parts += [Text(f"warning: {w}", style="yellow") for w in self.warnings]
        return Group(*parts)
