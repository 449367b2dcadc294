"""The analysis behind ``rlscale report``: observations in, one JSON-ready results dict out.

:func:`analyse` reads every input (catalog ids, files, lab run directories), fits each curve,
compares every RL curve with every inference curve of the same input, and adds the exchange
table, the economics and the claims ledger. The result is a plain dict (the schema of
``results.json``, see ``docs/report.md``) holding every number the report shows:
:mod:`rlscale.report` renders from this dict alone and never fits anything.

Typical use::

    from rlscale.analysis import analyse
    results = analyse(["catalog:essay"], bootstrap=1000, seed=0)
"""

from __future__ import annotations

from rlscale.analysis.core import CAVEATS, SCHEMA, analyse
from rlscale.convert.headline import headline_sentence
from rlscale.analysis.inputs import default_sources, load_inputs
from rlscale.analysis.observations import MAX_OBSERVATION_RECORDS, wilson_interval
from rlscale.analysis.pairs import select_inference_curves

__all__ = ["CAVEATS", "MAX_OBSERVATION_RECORDS", "SCHEMA", "analyse", "default_sources",
           "headline_sentence", "load_inputs", "select_inference_curves", "wilson_interval"]
