"""Reading the report's inputs: catalog ids, files, lab run directories, into one frame."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rlscale.errors import RlscaleError

#: Catalog entries analysed when ``rlscale report`` is given no data: the essay's stated
#: endpoints first (they carry the headline), then any other observation entries the catalog has.
DEFAULT_CATALOG = ("essay",)
#: The input whose fits feed the claims ledger (when the report analyses it).
ESSAY_INPUT = "catalog:essay"


def _label(source: Any, index: int) -> str:
    return source if isinstance(source, str) else f"input {index + 1}"


def _input_info(source: Any, label: str) -> dict[str, Any]:
    info: dict[str, Any] = {"label": label, "kind": "file", "title": label, "citation": ""}
    if isinstance(source, str) and source.startswith("catalog:"):
        from rlscale.data import catalog

        entry = catalog.get_entry(source.split(":", 1)[1])
        info.update(kind="catalog", title=entry.title, citation=entry.citation,
                    description=getattr(entry, "description", ""))
    elif not isinstance(source, str):
        info["kind"] = "frame"
    elif Path(source).is_dir():
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


def check_settings(form: str, bootstrap: int, level: float) -> None:
    """Options checked before any data is read (one line each, naming the flag)."""
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, int) or bootstrap < 0:
        raise RlscaleError(f"--bootstrap must be a whole number >= 0, got {bootstrap}")
    if not 0 < level < 1:
        raise RlscaleError(f"level must be between 0 and 1, got {level}")
    if form != "auto":
        from rlscale.forms import get_form

        get_form(form)  # an unknown form is the user's error, not one warning per curve


def _in_reading_order(df):
    """A copy of *df* with its curves in :func:`rlscale.runformat.order_curves` order (a lab
    run's strategies grouped, checkpoints in numeric order); rows within a curve keep theirs."""
    from rlscale.runformat import order_curves

    rank = {c: k for k, c in enumerate(order_curves(df["curve"].unique()))}
    return df.iloc[df["curve"].map(rank).argsort(kind="stable")].reset_index(drop=True)


def load_inputs(sources: Sequence[Any], *, score_scale: str = "unit"):
    """Read every source with :func:`rlscale.data.read_observations` into one frame.

    Adds a column ``input`` (the source as given); a lab run's curves come in reading order
    (:func:`_in_reading_order`). A curve id that appears in two inputs is a
    user error, since every later step names curves by id. Returns ``(frame, input infos)``.
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
        df = _in_reading_order(df)
        df["input"] = label
        frames.append(df)
        infos.append(_input_info(source, label))
    return pd.concat(frames, ignore_index=True), infos
