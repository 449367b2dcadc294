"""Lab configuration: dataclasses whose fields carry help text, two presets, strict loading.

RL option names mirror TRL's ``GRPOConfig`` where they mean the same thing (``num_generations``,
``beta``, ``epsilon``, ``epsilon_high``, ``loss_type``, ``scale_rewards``, ``num_iterations``,
``learning_rate``, ``temperature``, ``max_completion_length``, ``max_grad_norm``).

A config file (JSON, or TOML with ``.toml``) holds any subset of the sections ``task``, ``model``,
``pretrain``, ``rl``, ``eval`` plus the top-level ``seed``/``threads``/``preset``/``engine``; anything else is an
error. Values not given come from the preset (``default`` unless the file or ``--preset`` says).
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from rlscale.errors import RlscaleError


def _f(default, help: str, **kw):
    if isinstance(default, list):  # mutable default: a fresh copy per instance
        return field(default_factory=lambda: list(default), metadata={"help": help, **kw})
    return field(default=default, metadata={"help": help, **kw})


@dataclass
class TaskSettings:
    name: str = _f("arithmetic", "task name (see `rlscale lab tasks`)")
    difficulty: int = _f(3, "difficulty knob of the task (arithmetic: digits per operand)")


@dataclass
class ModelSettings:
    depth: int = _f(2, "the one size dial: number of transformer blocks (width derives from it)")
    hf_path: str = _f("", "engine trl: a local Hugging Face model directory to train instead of "
                      "the lab's pre-trained policy (no pre-training; empty: the lab's own)")


@dataclass
class PretrainSettings:
    flop_budget: float = _f(1.1e12, "pre-training (SFT on worked solutions) compute budget in FLOPs")
    batch_size: int = _f(64, "worked solutions per pre-training step")
    learning_rate: float = _f(3e-3, "peak AdamW learning rate (linear warm-up, cosine decay)")
    warmup_steps: int = _f(20, "linear warm-up steps")
    checkpoint_every: int = _f(50, "save a resumable pre-training state every N steps")


@dataclass
class RLSettings:
    steps: int = _f(256, "GRPO steps (the largest RL budget)")
    prompts_per_step: int = _f(32, "distinct training prompts per step")
    num_generations: int = _f(8, "completions sampled per prompt (the GRPO group size)")
    learning_rate: float = _f(2e-4, "AdamW learning rate (constant by default)")
    lr_schedule: str = _f("constant", "constant | linear (decay to 0 at the end of each run)",
                          choices=("constant", "linear"))
    runs: str = _f("single", "single: one run, checkpoints stand for smaller budgets; "
                   "per_budget: one run from the base model per checkpoint budget",
                   choices=("single", "per_budget"))
    beta: float = _f(0.0, "KL coefficient to the base (reference) policy, k3 estimator")
    epsilon: float = _f(0.2, "lower clipping range of the importance ratio")
    epsilon_high: float = _f(0.2, "upper clipping range (DAPO clip-higher when > epsilon)")
    loss_type: str = _f("dr_grpo", "grpo (per-sequence token mean) | dr_grpo (sum / constant) | "
                        "dapo (token mean over the batch)", choices=("grpo", "dr_grpo", "dapo"))
    scale_rewards: str = _f("group", "group: advantages divided by the group's reward std | batch: "
                            "by the batch's | none: not scaled (Dr. GRPO)", choices=("group", "batch", "none"))
    num_iterations: int = _f(1, "optimisation passes over each batch of rollouts (mu)")
    temperature: float = _f(1.0, "sampling temperature of the rollouts")
    max_completion_length: int = _f(0, "max completion tokens (0: derived from the task)")
    max_grad_norm: float = _f(1.0, "gradient clipping norm")
    num_checkpoints: int = _f(9, "checkpoints at log-spaced RL steps (cumulative RL FLOPs)")


@dataclass
class EvalSettings:
    num_problems: int = _f(64, "held-out test problems evaluated at every checkpoint")
    samples_per_problem: int = _f(128, "samples drawn per problem (k goes up to this, >= 64)")
    temperature: float = _f(1.0, "sampling temperature at evaluation")
    strategies: list = _f(["pass@k", "maj@k", "best-of-k", "think"],
                          "inference strategies: pass@k, maj@k, best-of-k, think (thinking budget)")
    main_strategy: str = _f("maj@k", "the inference curve compared with the RL curve")
    rl_budget: str = _f("pass@1", "the fixed inference budget of the RL curve: <strategy>@<k>")
    thinking_budgets: int = _f(6, "number of log-spaced thinking budgets B (1 .. the largest)")
    think_forcing: str = _f("cut", "cut: a chain is cut at B tokens (it may end earlier by itself) | "
                            "exact: exactly B thinking tokens, shorter chains made to go on "
                            "(s1 budget forcing)", choices=("cut", "exact"))
    max_thinking: int = _f(1024, "largest thinking budget in tokens with think_forcing = exact "
                           "(cut: the longest worked chain of the test problems)")
    think_samples: int = _f(16, "samples per problem at each thinking budget")


@dataclass
class LabConfig:
    seed: int = _f(0, "seed of every random choice (problems, init, sampling)")
    threads: int = _f(1, "torch.set_num_threads (fixed, so that runs are reproducible)")
    preset: str = _f("default", "preset the values were resolved from")
    engine: str = _f("native", "RL engine: native (the lab's GRPO) | trl (TRL's GRPOTrainer on a "
                     "Hugging Face model, see docs/lab-trl.md)", choices=("native", "trl"))
    task: TaskSettings = field(default_factory=TaskSettings)
    model: ModelSettings = field(default_factory=ModelSettings)
    pretrain: PretrainSettings = field(default_factory=PretrainSettings)
    rl: RLSettings = field(default_factory=RLSettings)
    eval: EvalSettings = field(default_factory=EvalSettings)

    def to_dict(self) -> dict[str, Any]:
        doc = asdict(self)
        # keys added with the trl engine are left out at their defaults, so a native run's
        # config.json and digest stay those of earlier versions (old runs still resume)
        if doc["engine"] == "native":
            del doc["engine"]
        if not doc["model"]["hf_path"]:
            del doc["model"]["hf_path"]
        return doc

    def digest(self) -> str:
        """SHA-256 of the canonical JSON of the config (detects a changed config on resume)."""
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()


_SECTIONS = {"task": TaskSettings, "model": ModelSettings, "pretrain": PretrainSettings,
             "rl": RLSettings, "eval": EvalSettings}

PRESETS: dict[str, dict[str, Any]] = {
    # finishes in well under a minute on 2 CPU cores: a smoke test of the whole pipeline
    "quick": {
        "task": {"difficulty": 2},
        "model": {"depth": 1},
        "pretrain": {"flop_budget": 2e11, "batch_size": 32, "warmup_steps": 5,
                     "checkpoint_every": 20},
        "rl": {"steps": 8, "prompts_per_step": 8, "num_generations": 8, "num_checkpoints": 3},
        "eval": {"num_problems": 16, "samples_per_problem": 64, "thinking_budgets": 3,
                 "think_samples": 4},
    },
    "default": {},
}


def _check_value(section: str, f, value: Any) -> Any:
    where = f"config key '{section + '.' if section else ''}{f.name}'"
    kind = f.type if isinstance(f.type, str) else f.type.__name__
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise RlscaleError(f"{where}: expected a number, got {value!r}")
        value = float(value)
    elif kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise RlscaleError(f"{where}: expected an integer, got {value!r}")
    elif kind == "str":
        if not isinstance(value, str):
            raise RlscaleError(f"{where}: expected a string, got {value!r}")
        choices = f.metadata.get("choices")
        if choices and value not in choices:
            raise RlscaleError(f"{where}: {value!r} is not one of {list(choices)}")
    elif kind == "list":
        if not isinstance(value, list):
            raise RlscaleError(f"{where}: expected a list, got {value!r}")
    return value


def _apply(cfg: LabConfig, overrides: dict[str, Any], origin: str) -> None:
    if not isinstance(overrides, dict):
        raise RlscaleError(f"{origin}: expected a table of settings")
    top = {f.name: f for f in fields(LabConfig)}
    for key, value in overrides.items():
        if key in _SECTIONS:
            if not isinstance(value, dict):
                raise RlscaleError(f"{origin}: section '{key}' must be a table")
            section = getattr(cfg, key)
            known = {f.name: f for f in fields(section)}
            for sub, v in value.items():
                if sub not in known:
                    raise RlscaleError(f"{origin}: unknown config key '{key}.{sub}' "
                                       f"(known: {', '.join(sorted(known))})")
                setattr(section, sub, _check_value(key, known[sub], v))
        elif key in top:
            setattr(cfg, key, _check_value("", top[key], value))
        else:
            raise RlscaleError(f"{origin}: unknown config key '{key}' "
                               f"(known: {', '.join(sorted(top))})")


def validate(cfg: LabConfig) -> LabConfig:
    """Check ranges that types cannot; raise :class:`RlscaleError` naming the key."""
    from rlscale.lab.tasks import get_task

    get_task(cfg.task.name, cfg.task.difficulty)
    positive = {
        "model.depth": cfg.model.depth, "pretrain.batch_size": cfg.pretrain.batch_size,
        "pretrain.checkpoint_every": cfg.pretrain.checkpoint_every,
        "rl.steps": cfg.rl.steps, "rl.prompts_per_step": cfg.rl.prompts_per_step,
        "rl.num_iterations": cfg.rl.num_iterations, "rl.num_checkpoints": cfg.rl.num_checkpoints,
        "eval.num_problems": cfg.eval.num_problems, "eval.thinking_budgets": cfg.eval.thinking_budgets,
        "eval.think_samples": cfg.eval.think_samples, "threads": cfg.threads,
        "eval.max_thinking": cfg.eval.max_thinking,
        "pretrain.flop_budget": cfg.pretrain.flop_budget,
        "pretrain.learning_rate": cfg.pretrain.learning_rate,
        "rl.learning_rate": cfg.rl.learning_rate, "rl.temperature": cfg.rl.temperature,
        "eval.temperature": cfg.eval.temperature,
    }
    for key, value in positive.items():
        if not value > 0:
            raise RlscaleError(f"config key '{key}' must be > 0 (a budget or size cannot be "
                               f"negative or zero), got {value}")
    for key, value in {"rl.beta": cfg.rl.beta, "rl.epsilon": cfg.rl.epsilon,
                       "rl.epsilon_high": cfg.rl.epsilon_high,
                       "rl.max_completion_length": cfg.rl.max_completion_length,
                       "pretrain.warmup_steps": cfg.pretrain.warmup_steps}.items():
        if value < 0:
            raise RlscaleError(f"config key '{key}' must be >= 0, got {value}")
    if cfg.rl.num_generations < 2:
        raise RlscaleError("config key 'rl.num_generations' must be >= 2 (GRPO compares a group)")
    if cfg.eval.samples_per_problem < 64:
        raise RlscaleError("config key 'eval.samples_per_problem' must be >= 64 "
                           f"(k goes 1, 2, ..., 64), got {cfg.eval.samples_per_problem}")
    from rlscale.lab.inference import STRATEGIES, parse_budget

    for s in cfg.eval.strategies:
        if s not in STRATEGIES:
            raise RlscaleError(f"config key 'eval.strategies': unknown strategy {s!r} "
                               f"(known: {', '.join(STRATEGIES)})")
    if cfg.eval.main_strategy not in cfg.eval.strategies:
        raise RlscaleError(f"config key 'eval.main_strategy': {cfg.eval.main_strategy!r} is not "
                           "in eval.strategies")
    parse_budget(cfg.eval.rl_budget, cfg.eval.samples_per_problem)
    if cfg.engine != "native" or cfg.model.hf_path:  # the engine's own rules (one owner module)
        from rlscale.lab.engines import check_config

        check_config(cfg)
    if cfg.rl.num_checkpoints > cfg.rl.steps:
        raise RlscaleError(f"config key 'rl.num_checkpoints' ({cfg.rl.num_checkpoints}) exceeds "
                           f"rl.steps ({cfg.rl.steps})")
    return cfg


def load_config_file(path: str | Path) -> dict[str, Any]:
    """Read a JSON or TOML config file into a dict (errors name the file)."""
    path = Path(path)
    if not path.is_file():
        raise RlscaleError(f"{path}: config file not found")
    try:
        if path.suffix == ".toml":
            import tomllib

            return tomllib.loads(path.read_text())
        return json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as exc:
        raise RlscaleError(f"{path}: cannot parse config: {' '.join(str(exc).split())}") from None


def resolve_config(preset: str | None = None, overrides: dict[str, Any] | None = None,
                   seed: int | None = None, origin: str = "config") -> LabConfig:
    """Preset values, then *overrides* (a config file's dict), then *seed*; validated."""
    overrides = copy.deepcopy(overrides or {})
    name = preset or overrides.get("preset") or "default"
    if name not in PRESETS:
        raise RlscaleError(f"unknown preset '{name}': choose one of {sorted(PRESETS)}")
    cfg = LabConfig()
    _apply(cfg, PRESETS[name], f"preset '{name}'")
    overrides.pop("preset", None)
    _apply(cfg, overrides, origin)
    cfg.preset = name
    if seed is not None:
        cfg.seed = int(seed)
    return validate(cfg)


def config_from_dict(doc: dict[str, Any], origin: str = "config") -> LabConfig:
    """Rebuild a resolved config (e.g. from a run directory) exactly, without presets."""
    cfg = LabConfig()
    _apply(cfg, doc, origin)
    return validate(cfg)


def describe() -> list[tuple[str, str, Any]]:
    """``(key, help, default)`` for every setting, for docs and ``--help`` text."""
    out = [(f.name, f.metadata["help"], f.default) for f in fields(LabConfig)
           if f.name not in _SECTIONS]
    for name, cls in _SECTIONS.items():
        for f in fields(cls):
            default = f.default_factory() if f.default is MISSING else f.default  # type: ignore
            out.append((f"{name}.{f.name}", f.metadata["help"], default))
    return out
