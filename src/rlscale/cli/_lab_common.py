"""What the lab's command modules (``lab``, ``lab sweep``, the TRL engine's) share, in one place
so that none of them imports another."""

from __future__ import annotations

from rlscale.fmt import printable


def _require_torch() -> None:
    try:
        import torch  # noqa: F401
    except ImportError:
        from rlscale.errors import MissingExtraError

        raise MissingExtraError("torch", "lab") from None


def _print_done(run_dir) -> None:
    import sys

    print(f"run complete: {printable(run_dir)}  (see `rlscale lab show {printable(run_dir)}`)",
          file=sys.stderr)
