"""Slope ratios and exchange rates between compute axes (what "convert" means here).

``convert`` turns fitted curves into conversions between the axes: :func:`compare` gives the
slope ratio of an RL curve to an inference curve (bootstrap, Fieller and delta intervals) and the
equivalent multipliers (:mod:`rlscale.convert.compare`); :func:`exchange` and
:func:`exchange_interval` convert a compute multiplier between RL, inference and pre-training at
a slope ratio (:mod:`rlscale.convert.exchange`, pure Python). The package keeps its name, which
the public API and the docs use, and imports lazily: ``rlscale.convert.exchange`` loads neither
numpy nor scipy, so formula-only commands start fast.
"""

from __future__ import annotations

import sys
import types

from rlscale._lazy import lazy_attributes
from rlscale.convert.exchange import (AXES, DEFAULT_PRETRAIN_INFERENCE_OOM, PRETRAIN_CITATION,
                                      exchange, exchange_interval, oom_weights)

_LAZY = {"Comparison": "rlscale.convert.compare", "fieller_interval": "rlscale.convert.compare"}

__all__ = ["AXES", "Comparison", "DEFAULT_PRETRAIN_INFERENCE_OOM", "PRETRAIN_CITATION", "compare",
           "exchange", "exchange_interval", "fieller_interval", "oom_weights"]


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)


class _Convert(types.ModuleType):
    """``rlscale.convert.compare`` is the function (as it always was), loaded on first use.

    The submodule of the same name is imported only then; when the import system binds the
    submodule to the package attribute, the setter keeps the function under the name.
    """

    @property
    def compare(self):
        from rlscale.convert.compare import compare as fn

        return fn

    @compare.setter
    def compare(self, value) -> None:
        if not isinstance(value, types.ModuleType):
            raise AttributeError("rlscale.convert.compare is read-only")


sys.modules[__name__].__class__ = _Convert
