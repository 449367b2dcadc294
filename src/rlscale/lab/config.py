"""Lab configuration: dataclasses whose fields carry help text and their rules; presets applied.

RL option names mirror TRL's ``GRPOConfig`` where they mean the same thing (``num_generations``,
``beta``, ``epsilon``, ``epsilon_high``, ``loss_type``, ``scale_rewards``, ``num_iterations``,
``learning_rate``, ``temperature``, ``max_completion_length``, ``max_grad_norm``).

Every setting declares its rule next to its default (``ge``/``gt``/``le`` bounds, ``choices``, a
``check``): a value is checked whenever it is set, so an invalid settings object cannot be built
in Python either (``RLSettings(num_generations=1)`` raises :class:`RlscaleError`), and the rules
generate the config table of ``docs/lab.md`` (:func:`config_table`). Rules between settings of one
section are checked when the section is built; :func:`validate` adds the rules across sections and
what the machine can hold (:func:`rlscale.lab.bounds.check_resources`).

A config file (JSON, or TOML with ``.toml``) holds any subset of the sections ``task``, ``model``,
``pretrain``, ``rl``, ``eval`` plus the top-level ``seed``/``threads``/``preset``/``engine``; anything else is an
error. Values not given come from the preset (``default`` unless the file or ``--preset`` says).
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from dataclasses import MISSING, asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, ClassVar

from rlscale.errors import RlscaleError
from rlscale.lab.presets import PRESETS


def _f(default, help: str, **rule):
    """A setting: its default, help text and rule (``ge``, ``gt``, ``le``, ``choices``, ``check``)."""
    meta = {"help": help, **rule}
    if isinstance(default, list):  # mutable default: a fresh copy per instance
        return field(default_factory=lambda: list(default), metadata=meta)
    return field(default=default, metadata=meta)


def _strategies(value: list) -> str | None:
    from rlscale.lab.inference import STRATEGIES

    if not value:
        return "needs at least one strategy"
    for s in value:
        if s not in STRATEGIES:
            return f"unknown strategy {_show(s)} (known: {', '.join(STRATEGIES)})"
    dup = sorted({s for s in value if value.count(s) > 1})
    return f"lists {', '.join(map(repr, dup))} more than once" if dup else None


def _axis_count(value: int) -> str | None:
    return None if value == 0 or 3 <= value <= 16 else (
        f"{value} is neither 0 (off) nor 3 to 16 budgets (a slope needs 3 points)")


def _task_name(value: str) -> str | None:
    from rlscale.lab.tasks import TASKS

    return None if value in TASKS else f"unknown task {_show(value)}: choose one of {sorted(TASKS)}"


def _show(value: Any) -> str:
    """A value for an error message: its repr, cut to 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _typed(where: str, kind: str, value: Any) -> Any:
    """*value* as the setting's type (an integral float is an integer), else a RlscaleError."""
    if kind in ("int", "float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise RlscaleError(f"{where}: expected a number, got {_show(value)}")
        if kind == "float":
            return float(value)
        if isinstance(value, float) and not (value.is_integer() and abs(value) < 2 ** 63):
            raise RlscaleError(f"{where}: expected an integer, got {_show(value)}")
        return int(value)
    expected = {"str": str, "list": list}[kind]
    if not isinstance(value, expected):
        raise RlscaleError(f"{where}: expected a {'string' if kind == 'str' else kind}, got {_show(value)}")
    return list(value) if kind == "list" else value


def rule_text(meta: dict) -> str:
    """The rule of a setting as text: ``>= 1 and <= 64``, ``one of ...`` (also the docs' column)."""
    def num(v) -> str:
        return f"{v:,}" if isinstance(v, int) else f"{v:g}"

    parts = [f"{op} {num(meta[k])}" for k, op in (("gt", ">"), ("ge", ">="), ("le", "<="))
             if k in meta]
    if "choices" in meta:
        parts.append("one of " + ", ".join(meta["choices"]))
    if meta.get("rule"):
        parts.append(meta["rule"])
    return " and ".join(parts)


def check_setting(section: str, f, value: Any) -> Any:
    """*value* for field *f* of *section* checked against its type and rule; else RlscaleError."""
    where = f"config key '{section + '.' if section else ''}{f.name}'"
    kind = f.type if isinstance(f.type, str) else f.type.__name__
    value = _typed(where, kind, value)
    meta = f.metadata
    if "choices" in meta and value not in meta["choices"]:
        raise RlscaleError(f"{where}: {_show(value)} is not one of {list(meta['choices'])}")
    low_ok = (("gt" not in meta or value > meta["gt"]) and ("ge" not in meta or value >= meta["ge"]))
    if not low_ok or ("le" in meta and value > meta["le"]):
        why = f" ({meta['why']})" if meta.get("why") else ""
        raise RlscaleError(f"{where} must be {rule_text(meta)}{why}, got {_show(value)}")
    problem = meta["check"](value) if "check" in meta else None
    if problem:
        raise RlscaleError(f"{where}: {problem}")
    return value


class _Checked:
    """Checks every assignment of a declared setting (construction included) against its rule."""

    section: ClassVar[str] = ""

    def __setattr__(self, name: str, value: Any) -> None:
        f = self.__dataclass_fields__.get(name)  # type: ignore[attr-defined]
        if f is not None and "help" in f.metadata:
            value = check_setting(self.section, f, value)
        object.__setattr__(self, name, value)


_SIZE = "a budget or size cannot be negative or zero"


@dataclass
class TaskSettings(_Checked):
    section: ClassVar[str] = "task"
    name: str = _f("arithmetic", "task name (see `rlscale lab tasks`)", check=_task_name,
                   rule="a task of `rlscale lab tasks`")
    difficulty: int = _f(3, "difficulty knob of the task (arithmetic: digits per operand)",
                         ge=1, le=100, rule="one of the task's difficulties")
    pretrain_error_rate: float = _f(0.0, "share of steps whose value is wrong in the worked "
                                    "solutions pre-training shows, later steps going on from it "
                                    "(a base policy that errs per step by design)", ge=0, le=0.5,
                                    rule="0 unless the task has steps (chain)")

    def __post_init__(self) -> None:
        self.build()

    def build(self):
        """The :class:`rlscale.lab.tasks.Task` these settings describe (a RlscaleError if none)."""
        from rlscale.lab.tasks import get_task

        task = get_task(self.name, self.difficulty)
        if self.pretrain_error_rate and not task.pretrain_errors:
            raise RlscaleError(f"config key 'task.pretrain_error_rate': task '{self.name}' has no "
                               "steps to put errors in (0 unless the task is chain)")
        task.pretrain_error_rate = self.pretrain_error_rate
        return task


@dataclass
class ModelSettings(_Checked):
    section: ClassVar[str] = "model"
    depth: int = _f(2, "the one size dial: number of transformer blocks (width derives from it)",
                    ge=1, le=64, why="width 64 x depth; depth 64 is ~1e10 parameters")
    hf_path: str = _f("", "engine trl: a local Hugging Face model directory to train instead of "
                      "the lab's pre-trained policy (no pre-training; empty: the lab's own)")


@dataclass
class PretrainSettings(_Checked):
    section: ClassVar[str] = "pretrain"
    flop_budget: float = _f(1.1e12, "pre-training (SFT on worked solutions) compute budget in FLOPs",
                            gt=0, le=1e17, why="1e17 FLOPs is months of CPU time")
    batch_size: int = _f(64, "worked solutions per pre-training step", ge=1, le=65536)
    learning_rate: float = _f(3e-3, "peak AdamW learning rate (linear warm-up, cosine decay)",
                              gt=0, le=1)
    warmup_steps: int = _f(20, "linear warm-up steps", ge=0, le=1_000_000)
    checkpoint_every: int = _f(50, "save a resumable pre-training state every N steps",
                               ge=1, le=1_000_000_000)
    micro_batch_tokens: int = _f(0, "rows of similar length in micro-batches of at most this "
                                 "many padded tokens, gradients accumulated (the same loss; padding "
                                 "a mix of short and long chains to the longest wastes most of a "
                                 "step); 0: one padded batch", ge=0, le=10_000_000)
    axis_budgets: int = _f(0, "pre-training as a third axis: N base models at log-spaced budgets "
                           "(the run's own base, which RL starts from, is the largest; the other "
                           "N-1 are trained from scratch) give a curve of score vs pre-training "
                           "FLOPs; 0: off", check=_axis_count, rule="0 (off) or 3 to 16")
    axis_span_oom: float = _f(1.5, "orders of magnitude of pre-training FLOPs the axis spans below "
                              "flop_budget (smallest budget: flop_budget x 10^-span)",
                              gt=0, le=4, why="10^-4 of the budget is a few steps")
    axis_workers: int = _f(0, "0: the axis models run after RL; 1: in a second process while "
                           "the base model pre-trains and RL runs (the same results, byte for "
                           "byte; one more core busy)", ge=0, le=1)


@dataclass
class RLSettings(_Checked):
    section: ClassVar[str] = "rl"
    steps: int = _f(256, "GRPO steps (the largest RL budget)", ge=1, le=1_000_000)
    prompts_per_step: int = _f(32, "distinct training prompts per step", ge=1, le=65536)
    num_generations: int = _f(8, "completions sampled per prompt (the GRPO group size)",
                              ge=2, le=4096, why="GRPO compares a group")
    learning_rate: float = _f(2e-4, "AdamW learning rate (constant by default)", gt=0, le=1)
    lr_schedule: str = _f("constant", "constant | linear (decay to 0 at the end of each run)",
                          choices=("constant", "linear"))
    runs: str = _f("single", "single: one run, checkpoints stand for smaller budgets; "
                   "per_budget: one run from the base model per checkpoint budget",
                   choices=("single", "per_budget"))
    beta: float = _f(0.0, "KL coefficient to the base (reference) policy, k3 estimator", ge=0, le=100)
    epsilon: float = _f(0.2, "lower clipping range of the importance ratio", ge=0, le=1)
    epsilon_high: float = _f(0.2, "upper clipping range (DAPO clip-higher when > epsilon)",
                             ge=0, le=10)
    loss_type: str = _f("dr_grpo", "grpo (per-sequence token mean) | dr_grpo (sum / constant) | "
                        "dapo (token mean over the batch)", choices=("grpo", "dr_grpo", "dapo"))
    scale_rewards: str = _f("group", "group: advantages divided by the group's reward std | batch: "
                            "by the batch's | none: not scaled (Dr. GRPO)",
                            choices=("group", "batch", "none"))
    num_iterations: int = _f(1, "optimisation passes over each batch of rollouts (mu)", ge=1, le=64)
    temperature: float = _f(1.0, "sampling temperature of the rollouts", gt=0, le=100)
    max_completion_length: int = _f(0, "max completion tokens (0: derived from the task)",
                                    ge=0, le=16384)
    max_grad_norm: float = _f(1.0, "gradient clipping norm", gt=0, le=1e6)
    num_checkpoints: int = _f(9, "checkpoints at log-spaced RL steps (cumulative RL FLOPs)",
                              ge=1, le=64, rule="<= rl.steps")

    def __post_init__(self) -> None:
        if self.num_checkpoints > self.steps:
            raise RlscaleError(f"config key 'rl.num_checkpoints' ({self.num_checkpoints}) exceeds "
                               f"rl.steps ({self.steps})")


@dataclass
class EvalSettings(_Checked):
    section: ClassVar[str] = "eval"
    num_problems: int = _f(64, "held-out test problems evaluated at every checkpoint",
                           ge=1, le=100_000)
    samples_per_problem: int = _f(128, "samples drawn per problem (k goes up to this, >= 64)",
                                  ge=64, le=65536, why="k goes 1, 2, ..., 64")
    temperature: float = _f(1.0, "sampling temperature at evaluation", gt=0, le=100)
    strategies: list = _f(["pass@k", "maj@k", "best-of-k", "think"],
                          "inference strategies: pass@k, maj@k, best-of-k, think (thinking budget)",
                          check=_strategies, rule="distinct, at least one")
    main_strategy: str = _f("maj@k", "the inference curve compared with the RL curve",
                            rule="in eval.strategies")
    rl_budget: str = _f("pass@1", "the fixed inference budget of the RL curve (and of the "
                        "pre-training axis): <strategy>@<k>",
                        rule="k <= eval.samples_per_problem, its strategy in eval.strategies")
    thinking_budgets: int = _f(6, "number of log-spaced thinking budgets B (1 .. the largest)",
                               ge=1, le=64)
    think_forcing: str = _f("cut", "cut: a chain is cut at B tokens (it may end earlier by itself) | "
                            "exact: exactly B thinking tokens, shorter chains made to go on "
                            "(s1 budget forcing)", choices=("cut", "exact"))
    max_thinking: int = _f(1024, "largest thinking budget in tokens with think_forcing = exact "
                           "(cut: the longest worked chain of the test problems)", gt=0, le=16384)
    think_samples: int = _f(16, "samples per problem at each thinking budget", ge=1, le=4096)

    def __post_init__(self) -> None:
        from rlscale.lab.inference import parse_budget

        if self.main_strategy not in self.strategies:
            raise RlscaleError(f"config key 'eval.main_strategy': {self.main_strategy!r} is not "
                               "in eval.strategies")
        strategy, _ = parse_budget(self.rl_budget, self.samples_per_problem)
        if strategy not in self.strategies:   # the RL and pre-training curves are scored with it
            raise RlscaleError(f"config key 'eval.rl_budget': {self.rl_budget!r} needs "
                               f"{strategy!r} in eval.strategies")


_SECTIONS = {"task": TaskSettings, "model": ModelSettings, "pretrain": PretrainSettings,
             "rl": RLSettings, "eval": EvalSettings}


@dataclass
class LabConfig(_Checked):
    seed: int = _f(0, "seed of every random choice (problems, init, sampling)", ge=0, le=2 ** 63 - 1)
    threads: int = _f(1, "torch.set_num_threads (fixed, so that runs are reproducible)",
                      ge=1, le=1024, rule="<= this machine's CPUs")
    preset: str = _f("default", "preset the values were resolved from")
    engine: str = _f("native", "RL engine: native (the lab's GRPO) | trl (TRL's GRPOTrainer on a "
                     "Hugging Face model, see docs/lab-trl.md)", choices=("native", "trl"))
    task: TaskSettings = field(default_factory=TaskSettings)
    model: ModelSettings = field(default_factory=ModelSettings)
    pretrain: PretrainSettings = field(default_factory=PretrainSettings)
    rl: RLSettings = field(default_factory=RLSettings)
    eval: EvalSettings = field(default_factory=EvalSettings)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _SECTIONS and not isinstance(value, _SECTIONS[name]):
            raise RlscaleError(f"config section '{name}': expected {_SECTIONS[name].__name__}, "
                               f"got {type(value).__name__}")
        super().__setattr__(name, value)

    def to_dict(self) -> dict[str, Any]:
        doc = asdict(self)
        # keys added with the trl engine are left out at their defaults, so a native run's
        # the run's config file and digest stay those of earlier versions (old runs still resume)
        if doc["engine"] == "native":
            del doc["engine"]
        if not doc["model"]["hf_path"]:
            del doc["model"]["hf_path"]
        if not doc["pretrain"]["axis_budgets"]:  # likewise the pre-training axis when it is off
            del doc["pretrain"]["axis_budgets"], doc["pretrain"]["axis_span_oom"]
        if not doc["pretrain"]["micro_batch_tokens"]:   # and micro-batches
            del doc["pretrain"]["micro_batch_tokens"]
        if not doc["pretrain"]["axis_workers"]:         # the axis in a second process
            del doc["pretrain"]["axis_workers"]
        if not doc["task"]["pretrain_error_rate"]:      # and errors in the pre-training chains
            del doc["task"]["pretrain_error_rate"]
        return doc

    def digest(self) -> str:
        """SHA-256 of the canonical JSON of the config (detects a changed config on resume)."""
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()


def _kind(value: Any) -> str:
    """'a list', 'a number', ... for a parsed JSON/TOML value."""
    names = {list: "a list", str: "a string", int: "a number", float: "a number",
             bool: "a boolean", type(None): "null"}
    return names.get(type(value), f"a {type(value).__name__}")


def _apply(cfg: LabConfig, overrides: Any, origin: str) -> None:
    """Set *overrides* (a config file's table) on *cfg*; each section is rebuilt (and checked) whole."""
    if not isinstance(overrides, dict):
        raise RlscaleError(f"{origin}: expected a table of settings, got {_kind(overrides)}")
    top = {f.name: f for f in fields(LabConfig)}
    try:
        for key, value in overrides.items():
            if key in _SECTIONS:
                if not isinstance(value, dict):
                    raise RlscaleError(f"section '{key}' must be a table")
                known = {f.name for f in fields(_SECTIONS[key])}
                for sub in value:
                    if sub not in known:
                        raise RlscaleError(f"unknown config key '{key}.{sub}' "
                                           f"(known: {', '.join(sorted(known))})")
                setattr(cfg, key, replace(getattr(cfg, key), **value))
            elif key in top:
                setattr(cfg, key, value)
            else:
                raise RlscaleError(f"unknown config key '{key}' (known: {', '.join(sorted(top))})")
    except RlscaleError as exc:
        raise RlscaleError(f"{origin}: {exc}") from None


def validate(cfg: LabConfig, origin: str = "config") -> LabConfig:
    """What the machine can hold (memory, CPUs); raise :class:`RlscaleError` naming *origin*."""
    from rlscale.lab.bounds import check_resources

    try:
        check_resources(cfg)
        if cfg.pretrain.axis_budgets and (cfg.engine != "native" or cfg.model.hf_path):
            raise RlscaleError("config key 'pretrain.axis_budgets': the pre-training axis needs "
                               "engine = native and no model.hf_path (it trains the lab's own "
                               "base models)")
        if cfg.task.pretrain_error_rate and cfg.model.hf_path:
            raise RlscaleError("config key 'task.pretrain_error_rate': a Hugging Face model "
                               "(model.hf_path) is not pre-trained by the lab")
        if cfg.engine != "native" or cfg.model.hf_path:  # the engine's own rules (one owner)
            from rlscale.lab.engines import check_config

            check_config(cfg)
    except RlscaleError as exc:
        raise RlscaleError(f"{origin}: {exc}") from None
    return cfg


def load_config_file(path: str | Path) -> dict[str, Any]:
    """Read a JSON or TOML config file into a dict (errors name the file)."""
    path = Path(path)
    if not path.is_file():
        raise RlscaleError(f"{path}: config file not found")
    try:
        text = path.read_text()
        if path.suffix == ".toml":
            import tomllib

            doc = tomllib.loads(text)
        else:
            doc = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RlscaleError(f"{path}: cannot parse config: {' '.join(str(exc).split())}") from None
    except RecursionError:
        raise RlscaleError(f"{path}: cannot parse config: nested too deeply") from None
    except OSError as exc:
        raise RlscaleError(f"{path}: cannot read config: {exc.strerror or exc}") from None
    if not isinstance(doc, dict):
        raise RlscaleError(f"{path}: a config file holds a table of settings (sections task, "
                           f"model, pretrain, rl, eval), not {_kind(doc)}")
    return doc


def resolve_config(preset: str | None = None, overrides: dict[str, Any] | None = None,
                   seed: int | None = None, origin: str = "config") -> LabConfig:
    """Preset values, then *overrides* (a config file's dict), then *seed*; validated."""
    if overrides is not None and not isinstance(overrides, dict):
        _apply(LabConfig(), overrides, origin)  # raises: not a table
    overrides = copy.deepcopy(overrides or {})
    name = preset or overrides.get("preset") or "default"
    if not isinstance(name, str) or name not in PRESETS:
        raise RlscaleError(f"unknown preset {name!r}: choose one of {sorted(PRESETS)}")
    cfg = LabConfig()
    _apply(cfg, PRESETS[name], f"preset '{name}'")
    overrides.pop("preset", None)
    _apply(cfg, overrides, origin)
    cfg.preset = name
    if seed is not None:
        _apply(cfg, {"seed": seed}, "--seed")
    return validate(cfg, origin)


def config_from_dict(doc: dict[str, Any], origin: str = "config") -> LabConfig:
    """Rebuild a resolved config (e.g. from a run directory) exactly, without presets."""
    cfg = LabConfig()
    _apply(cfg, doc, origin)
    return validate(cfg, origin)


def _settings():
    """``(key, field)`` of every setting, top level first, in declaration order."""
    out = [(f.name, f) for f in fields(LabConfig) if f.name not in _SECTIONS]
    for name, cls in _SECTIONS.items():
        out += [(f"{name}.{f.name}", f) for f in fields(cls)]
    return out


def _default(f) -> Any:
    return f.default_factory() if f.default is MISSING else f.default  # type: ignore[misc]


def describe() -> list[tuple[str, str, Any]]:
    """``(key, help, default)`` for every setting, for docs and ``--help`` text."""
    return [(key, f.metadata["help"], _default(f)) for key, f in _settings()]


def config_table() -> str:
    """The Markdown table of every setting (key, default, allowed values, meaning) in docs/lab.md."""
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = ["| key | default | allowed | meaning |", "| --- | --- | --- | --- |"]
    for key, f in _settings():
        lines.append(f"| `{key}` | `{_default(f)!r}` | {cell(rule_text(f.metadata)) or 'any'} | "
                     f"{cell(f.metadata['help'])} |")
    return "\n".join(lines) + "\n"
