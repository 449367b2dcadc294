"""A sweep file (``SWEEP.toml``) resolved into its trials, before anything runs.

A sweep file holds a base lab config, the seeds and a grid of variations::

    seeds = [0, 1]

    [base]                      # a lab config, as in `rlscale lab run --config` (preset + overrides)
    preset = "quick"

    [grid]                      # dotted config key -> values; each combination is one configuration
    "rl.learning_rate" = [2e-4, 1e-3]

    [resources]                 # per trial: CPU cores (= torch threads) and GPUs
    cpu = 1
    gpu = 0

Each (configuration, seed) is one trial: one ordinary lab run. Trials whose pre-training is the same
(same seed and every setting that can change the base model) form a group; the first trial of a
group trains the base model and the others start RL from a copy of it (its *leader*).

Every trial's config is resolved and validated here, so a bad key or value is one line naming the
sweep file before Ray starts. Nothing here imports torch or ray.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rlscale.errors import RlscaleError

_TOP_KEYS = ("seeds", "base", "grid", "resources")
# Sections that cannot change the pre-trained base model, with the keys of theirs that can: the
# longest RL completion and the thinking-chain settings set the model's context length. Every other
# setting (including any the lab adds later) separates two trials' base models.
_OUTSIDE_PRETRAINING = {"rl": {"max_completion_length"},
                        "eval": {"strategies", "think_forcing", "max_thinking"}}
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9._=,@+-]")


@dataclass
class Trial:
    """One (configuration, seed) of a sweep: a lab run in ``trials/<name>/``."""

    name: str
    configuration: str
    seed: int
    config: dict[str, Any]
    digest: str
    base_key: str
    leader: str | None = None  # the trial whose base model this one copies (None: trains its own)


@dataclass
class Sweep:
    """A resolved sweep file."""

    path: Path
    doc: dict[str, Any]
    seeds: list[int]
    cpu: int
    gpu: float
    configurations: list[str]
    trials: list[Trial] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.stem

    def digest(self) -> str:
        """SHA-256 of the resolved trials: a rerun into the same directory must match it."""
        doc = [[t.name, t.digest, t.leader] for t in self.trials]
        return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()

    def trial(self, name: str) -> Trial:
        return next(t for t in self.trials if t.name == name)


def _label_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def _nested(dotted: str, value: Any, origin: str) -> dict[str, Any]:
    parts = dotted.split(".")
    if dotted in ("seed", "threads") or parts[0] in ("seed", "threads"):
        rule = ("seeds come from `seeds = [...]`" if parts[0] == "seed"
                else "threads are set per trial by resources.cpu")
        raise RlscaleError(f"{origin}: grid key '{dotted}' cannot be varied ({rule})")
    if len(parts) > 2 or not all(parts):
        raise RlscaleError(f"{origin}: grid key '{dotted}' must be 'section.key' or a top-level key")
    return {parts[0]: {parts[1]: value}} if len(parts) == 2 else {parts[0]: value}


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def base_key(config: dict[str, Any]) -> str:
    """A digest of the settings of *config* that can change its pre-trained base model."""
    kept: dict[str, Any] = {}
    for key, value in config.items():
        if key in _OUTSIDE_PRETRAINING and isinstance(value, dict):
            value = {k: v for k, v in value.items() if k in _OUTSIDE_PRETRAINING[key]}
        if key != "preset":  # the preset's name: its resolved values are in the config
            kept[key] = value
    return hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()[:16]


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise RlscaleError(f"{path}: sweep file not found")
    try:
        import tomllib

        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise RlscaleError(f"{path}: cannot parse the sweep file: {' '.join(str(exc).split())}") \
            from None


def _seeds(doc: dict[str, Any], origin: str) -> list[int]:
    seeds = doc.get("seeds", [0])
    if (not isinstance(seeds, list) or not seeds
            or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in seeds)):
        raise RlscaleError(f"{origin}: 'seeds' must be a non-empty list of integers >= 0, "
                           f"got {seeds!r}")
    if len(set(seeds)) != len(seeds):
        raise RlscaleError(f"{origin}: 'seeds' lists a seed twice: {seeds}")
    return seeds


def _resources(doc: dict[str, Any], origin: str) -> tuple[int, float]:
    res = doc.get("resources", {})
    if not isinstance(res, dict) or set(res) - {"cpu", "gpu"}:
        raise RlscaleError(f"{origin}: [resources] takes only 'cpu' and 'gpu'")
    cpu, gpu = res.get("cpu", 1), res.get("gpu", 0)
    if isinstance(cpu, bool) or not isinstance(cpu, int) or cpu < 1:
        raise RlscaleError(f"{origin}: resources.cpu must be an integer >= 1, got {cpu!r}")
    if isinstance(gpu, bool) or not isinstance(gpu, (int, float)) or gpu < 0:
        raise RlscaleError(f"{origin}: resources.gpu must be a number >= 0, got {gpu!r}")
    return cpu, float(gpu)


def _grid(doc: dict[str, Any], origin: str) -> list[tuple[str, dict[str, Any]]]:
    """``(label, overrides)`` per configuration, in the grid's order (the last key varies fastest)."""
    grid = doc.get("grid", {})
    if not isinstance(grid, dict):
        raise RlscaleError(f"{origin}: [grid] must be a table of 'section.key' = [values]")
    for key, values in grid.items():
        if not isinstance(values, list) or not values:
            raise RlscaleError(f"{origin}: grid key '{key}' must be a non-empty list of values")
        if len({json.dumps(v, sort_keys=True) for v in values}) != len(values):
            raise RlscaleError(f"{origin}: grid key '{key}' lists a value twice")
        _nested(key, None, origin)
    out = []
    for combo in itertools.product(*grid.values()):
        pairs = list(zip(grid, combo))
        label = ",".join(f"{k}={_label_value(v)}" for k, v in pairs) or "base"
        overrides: dict[str, Any] = {}
        for k, v in pairs:
            overrides = _merge(overrides, _nested(k, v, origin))
        out.append((label, overrides))
    return out


def load_sweep(path: str | Path) -> Sweep:
    """Read and resolve *path*; every trial's config is validated (errors name the file)."""
    from rlscale.lab.config import resolve_config

    path = Path(path)
    origin = str(path)
    doc = _read(path)
    unknown = sorted(set(doc) - set(_TOP_KEYS))
    if unknown:
        raise RlscaleError(f"{origin}: unknown key '{unknown[0]}' (a sweep file holds "
                           f"{', '.join(_TOP_KEYS)}; lab settings go in [base] or [grid])")
    base = doc.get("base", {})
    if not isinstance(base, dict):
        raise RlscaleError(f"{origin}: [base] must be a table (a lab config)")
    if "seed" in base or "threads" in base:
        raise RlscaleError(f"{origin}: [base] cannot set 'seed' or 'threads' (seeds come from "
                           "`seeds = [...]`, threads from resources.cpu)")
    seeds = _seeds(doc, origin)
    cpu, gpu = _resources(doc, origin)
    sweep = Sweep(path=path, doc=doc, seeds=seeds, cpu=cpu, gpu=gpu, configurations=[])
    leaders: dict[str, str] = {}
    trials = []
    for label, overrides in _grid(doc, origin):
        sweep.configurations.append(label)
        merged = _merge(base, overrides)
        merged["threads"] = cpu
        for seed in seeds:
            cfg = resolve_config(None, merged, seed, origin=f"{origin} ({label})")
            config = cfg.to_dict()
            name = _NAME_UNSAFE.sub("_", f"{label},seed={seed}")
            if len(name) > 200:
                raise RlscaleError(f"{origin}: configuration name '{label}' is too long for a "
                                   "directory name (vary fewer keys)")
            key = base_key(config)
            trials.append(Trial(name=name, configuration=label, seed=seed, config=config,
                                digest=cfg.digest(), base_key=key, leader=leaders.get(key)))
            leaders.setdefault(key, name)
    if len({t.name for t in trials}) != len(trials):
        raise RlscaleError(f"{origin}: two configurations map to the same directory name")
    # leaders first: with fewer slots than trials, a base model is trained before its copies wait
    sweep.trials = sorted(trials, key=lambda t: t.leader is not None)
    return sweep
