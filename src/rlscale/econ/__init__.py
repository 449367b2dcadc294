"""Economics of RL vs inference scaling, and the essay's claims ledger.

Stable public API (documented signatures; the report pipeline calls these)::

    from rlscale import econ
    econ.training_multiplier(rl_fraction=1.0, rl_scale=10)      # 5.5: (1 + k r) / (1 + r)
    econ.path_multiplier(0.01, steps=3)                        # list[PathStep], 10x per step
    econ.max_rl_scale(rl_fraction=1.0, budget_multiplier=5.5)  # 10.0
    econ.resolve("scenario.toml")                              # Assumptions with provenance
    from rlscale.econ.claims import ledger
    [c.to_dict() for c in ledger()]                            # the 16 claims
    econ.breakeven(pretrain_flops=..., rl_fraction=..., rl_scale=..., slope_ratio=...,
                   output_tokens=..., active_params=..., queries_per_day=..., horizon_days=...)
    econ.defaults()["deployment.queries_per_day"].to_dict()     # value, unit, tag, citation

``rlscale.econ.summary`` (the report's economics) calls ``training_multiplier``, ``breakeven``,
``defaults`` and ``ledger``:
keep those signatures stable.

Modules: :mod:`~rlscale.econ.training` (training-cost model), :mod:`~rlscale.econ.deployment`
(deployment cost and break-even), :mod:`~rlscale.econ.physical` (FLOPs -> GPUs, energy, world
electricity), :mod:`~rlscale.econ.information` (bits per FLOP), :mod:`~rlscale.econ.assumptions`
(the data file ``defaults.toml`` and scenario files), :mod:`~rlscale.econ.claims` (the ledger).
Only the ledger and break-even touch the analysis core (imported lazily), so importing this
package stays light.
"""

from __future__ import annotations

from rlscale.econ.assumptions import Assumptions, defaults, hardware_profiles, load_scenario, resolve
from rlscale.econ.deployment import breakeven, deployment_cost, per_query_multiplier
from rlscale.econ.information import information_ratio
from rlscale.econ.physical import energy_kwh, gpu_hours, translate, world_electricity_years
from rlscale.econ.training import (PathStep, max_rl_scale, path_multiplier, training_cost,
                                   training_multiplier)

__all__ = ["Assumptions", "PathStep", "breakeven", "defaults", "deployment_cost", "energy_kwh",
           "gpu_hours", "hardware_profiles", "information_ratio", "load_scenario", "max_rl_scale",
           "path_multiplier", "per_query_multiplier", "resolve", "training_cost",
           "training_multiplier", "translate", "world_electricity_years"]
