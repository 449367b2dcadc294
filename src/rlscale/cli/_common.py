"""Helpers shared by CLI command modules: JSON output, rich consoles and bounds on flags.

Every CLI module has one shape: a module docstring with its usage lines, option declarations,
one function per command that (1) checks its flags with :func:`check_int` / :func:`check_float`
/ :func:`check_output_path` before any work, (2) calls one library function, (3) renders the
result (``--json`` through :func:`print_json`, tables through :func:`console`, user strings
through :func:`rlscale.fmt.inert`), and a ``register(app)`` at the end.
"""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path
from typing import Any

from rlscale.errors import RlscaleError
from rlscale.jsonable import clean_json

#: ``--seed`` range: numpy's SeedSequence takes any non-negative integer; rlscale keeps seeds to
#: 32 bits so that every seed can be written down and typed back.
SEED_MAX = 2**32 - 1
#: ``--bootstrap`` range: 0 (no intervals) to one million resamples; the memory estimate of
#: :func:`check_bootstrap_memory` is the binding limit on large curves.
BOOTSTRAP_MAX = 1_000_000
#: Largest memory the bootstrap of one curve may ask for (bytes): 4 GiB.
BOOTSTRAP_MEMORY_LIMIT = 4 * 2**30
#: ``--level`` range of the confidence level.
LEVEL_RANGE = (0.5, 0.999)


def print_json(doc: Any) -> None:
    """Print one JSON document on stdout (nan/inf become null) and nothing else."""
    sys.stdout.write(json.dumps(clean_json(doc), indent=2, allow_nan=False) + "\n")


def console():
    """A rich console on stdout (created lazily so --json paths never touch rich).

    Emoji codes are off: a curve id ``:warning:`` prints as typed.
    """
    from rich.console import Console

    return Console(emoji=False)


def err_console():
    from rich.console import Console

    return Console(stderr=True, emoji=False)


def check_int(flag: str, value: int | None, lo: int, hi: int) -> int | None:
    """*value* if it is None or in ``[lo, hi]``, else one-line RlscaleError naming *flag*."""
    if value is not None and not lo <= value <= hi:
        raise RlscaleError(f"{flag} {value}: must be an integer from {lo:,} to {hi:,}")
    return value


def check_float(flag: str, value: float | None, lo: float | None = None,
                hi: float | None = None, *, lo_open: bool = False,
                hi_open: bool = False) -> float | None:
    """*value* if it is None or a finite number inside the bounds, else a one-line error.

    ``lo_open``/``hi_open`` exclude the end itself (``--factor`` must be > 0, not >= 0).
    """
    if value is None:
        return None
    below = lo is not None and (value <= lo if lo_open else value < lo)
    above = hi is not None and (value >= hi if hi_open else value > hi)
    if not math.isfinite(value) or below or above:
        if lo is not None and hi is not None:
            rule = (f"must be in {'(' if lo_open else '['}{lo:g}, {hi:g}"
                    f"{')' if hi_open else ']'}")
        elif lo is not None:
            rule = f"must be {'>' if lo_open else '>='} {lo:g}"
        elif hi is not None:
            rule = f"must be {'<' if hi_open else '<='} {hi:g}"
        else:
            rule = "must be a finite number"
        raise RlscaleError(f"{flag} {value!r}: {rule}")
    return value


def check_seed(seed: int) -> int:
    return check_int("--seed", seed, 0, SEED_MAX)


def check_bootstrap(bootstrap: int) -> int:
    return check_int("--bootstrap", bootstrap, 0, BOOTSTRAP_MAX)


def bootstrap_bytes(n_boot: int, n_points: int, n_params: int) -> int:
    """Estimated peak memory of one curve's vectorised bootstrap, in bytes.

    The batched solver holds, per resample, about ``P + 10`` float64 arrays of the curve's
    ``N`` points (scores, weights, residuals, the ``N x P`` Jacobian and the trial residuals)
    plus the ``P x P`` normal equations (see ``rlscale.fitting._solve.batched_lm``).
    """
    return 8 * n_boot * (n_points * (n_params + 10) + 3 * n_params * n_params)


def check_bootstrap_memory(n_boot: int, n_points: int, n_params: int, *, curve: str) -> None:
    """Refuse a bootstrap whose arrays would exceed :data:`BOOTSTRAP_MEMORY_LIMIT`."""
    need = bootstrap_bytes(n_boot, n_points, n_params)
    if need > BOOTSTRAP_MEMORY_LIMIT:
        from rlscale.fmt import printable

        raise RlscaleError(
            f"--bootstrap {n_boot}: curve '{printable(curve)}' has {n_points:,} points, so the "
            f"bootstrap would need about {need / 2**30:.1f} GiB of memory (limit "
            f"{BOOTSTRAP_MEMORY_LIMIT / 2**30:.0f} GiB); use a smaller --bootstrap")


def check_output_path(flag: str, path: str | os.PathLike, *, directory: bool = False) -> Path:
    """Check before any work that *path* can be written: its parent is (or can become) a
    writable folder, and the path itself is not a folder (or, with *directory*, not a file)."""
    p = Path(path)
    if p.exists():
        if directory != p.is_dir():
            kind = "a folder" if p.is_dir() else "a file"
            raise RlscaleError(f"{flag} {path}: is {kind}", file=str(path))
    parent = p if directory and p.exists() else p.parent
    probe = parent
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise RlscaleError(f"{flag} {path}: '{probe}' is a file, not a folder", file=str(path))
    if not os.access(probe, os.W_OK | os.X_OK):
        raise RlscaleError(f"{flag} {path}: folder '{probe}' is not writable", file=str(path))
    return p
