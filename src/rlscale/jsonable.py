"""Turn results into JSON-ready Python objects (one rule for every JSON rlscale writes)."""

from __future__ import annotations

import math
from typing import Any


def clean_json(obj: Any) -> Any:
    """JSON-ready copy of *obj*: nan/inf -> None, numpy scalars -> Python numbers, tuples ->
    lists, dict keys -> str, dates -> ISO strings. Everything else is returned as is."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): clean_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean_json(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item):  # numpy scalar
        return clean_json(obj.item())
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    return obj
