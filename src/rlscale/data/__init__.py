"""The observation table: schema and validation, readers and writers, and the built-in catalog.

Everything rlscale analyses meets in one tidy table with one row per (curve, compute, score);
see ``docs/dev/contracts.md`` and ``docs/getting-started.md``.
"""

from __future__ import annotations

from rlscale.data.io import (
    read_csv_text,
    read_frame,
    read_observations,
    select_curves,
    write_observations,
)
from rlscale.data.schema import (
    AXES,
    COLUMNS,
    COMPUTE_UNITS,
    OPTIONAL_COLUMNS,
    PROVENANCES,
    REQUIRED_COLUMNS,
)


def validate_observations(df, *, source: str = "DataFrame", score_scale: str = "unit"):
    """Validate a DataFrame as an observation table; returns the normalised copy."""
    return read_frame(df, source_name=source, score_scale=score_scale)


__all__ = [
    "AXES", "COLUMNS", "COMPUTE_UNITS", "OPTIONAL_COLUMNS", "PROVENANCES", "REQUIRED_COLUMNS",
    "read_csv_text", "read_frame", "read_observations", "select_curves",
    "validate_observations", "write_observations",
]
