"""Slope ratios (bootstrap and Fieller), OOM equivalence and exchange rates between axes."""

from __future__ import annotations

from rlscale.convert.compare import Comparison, compare, fieller_interval
from rlscale.convert.exchange import (AXES, DEFAULT_PRETRAIN_INFERENCE_OOM, PRETRAIN_CITATION,
                                      exchange, oom_weights)

__all__ = ["compare", "Comparison", "fieller_interval", "exchange", "oom_weights", "AXES",
           "DEFAULT_PRETRAIN_INFERENCE_OOM", "PRETRAIN_CITATION"]
