"""CLI command group: report (see the owning issue). Registered by rlscale.cli.build_app."""

from __future__ import annotations


def register(app) -> None:
    """Add this group's commands to *app*. Nothing is registered until the group is built."""
