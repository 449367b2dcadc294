"""The ``rlscale report`` renderer: figures and a self-contained HTML page from saved results.

Reads only the results dict of :func:`rlscale.analysis.analyse` (``results.json``); nothing
outside this package calls it except the CLI. matplotlib is imported only when a figure is drawn.
"""

from __future__ import annotations

from rlscale.report.writer import check_destination, render_figures, results_to_json, write_report

__all__ = ["check_destination", "render_figures", "results_to_json", "write_report"]
