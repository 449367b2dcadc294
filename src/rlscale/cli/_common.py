"""Helpers shared by CLI command modules: JSON output and rich console."""

from __future__ import annotations

import json
import math
import sys
from typing import Any


def _clean(obj: Any) -> Any:
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item):  # numpy scalar
        return _clean(obj.item())
    return obj


def print_json(doc: Any) -> None:
    """Print one JSON document on stdout (nan/inf become null) and nothing else."""
    sys.stdout.write(json.dumps(_clean(doc), indent=2, allow_nan=False) + "\n")


def console():
    """A rich console on stdout (created lazily so --json paths never touch rich)."""
    from rich.console import Console

    return Console()


def err_console():
    from rich.console import Console

    return Console(stderr=True)
