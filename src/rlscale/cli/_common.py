"""Helpers shared by CLI command modules: JSON output and rich console."""

from __future__ import annotations

import json
import sys
from typing import Any

from rlscale.jsonable import clean_json




def print_json(doc: Any) -> None:
    """Print one JSON document on stdout (nan/inf become null) and nothing else."""
    sys.stdout.write(json.dumps(clean_json(doc), indent=2, allow_nan=False) + "\n")


def console():
    """A rich console on stdout (created lazily so --json paths never touch rich)."""
    from rich.console import Console

    return Console()


def err_console():
    from rich.console import Console

    return Console(stderr=True)
