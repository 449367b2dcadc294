"""Named assumptions of the cost models: defaults from ``defaults.toml``, scenarios, overrides.

Every outside number lives in ``rlscale/econ/defaults.toml`` with its unit, citation and tag
(E stated, S secondary/vendor spec, D derived, A rlscale's illustrative assumption). The cost
commands and the claims ledger read them through :func:`resolve`, which layers

1. the defaults of the data file,
2. a scenario file (TOML, same ``[section] key = value`` names; validated with pydantic),
3. explicit overrides (command-line flags),

and records where each value came from, so every printed number can name its source.

Example scenario::

    name = "cheap power"
    [hardware]
    profile = "B200"
    pue = 1.1
    [grok4]
    run_days = 60
"""

from __future__ import annotations

import functools
import math
import tomllib
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any, Iterator

from rlscale.errors import RlscaleError

#: Inputs with no default (money): reported only when the user gives a price.
OPTIONAL_KEYS: dict[str, tuple[str, str]] = {
    "hardware.usd_per_gpu_hour": ("USD per GPU-hour", "positive"),
    "deployment.usd_per_million_tokens": ("USD per million generated tokens", "positive"),
    "exchange.slope_ratio": ("RL slope / inference slope (replaces the catalog fit)", "positive"),
}

RULES = {
    "positive": "must be > 0",
    "nonnegative": "must be >= 0",
    "fraction": "must be a fraction in (0, 1]",
    "pue": "PUE must be >= 1",
    "count": "must be a whole number >= 1",
    "profile": "must name a hardware profile",
}


@dataclass(frozen=True)
class HardwareProfile:
    """One accelerator: dense BF16 peak FLOP/s and power, each with its citation."""

    name: str
    title: str
    peak_flops: float
    watts: float
    peak_flops_citation: str
    watts_citation: str


@dataclass(frozen=True)
class Assumption:
    """A named input: value, unit, citation, tag, validation rule and plausible range."""

    key: str
    value: Any
    unit: str
    citation: str
    tag: str
    rule: str = "positive"
    range: tuple[float, float] | None = None
    range_source: str = ""
    from_profile: bool = False
    source: str = "default"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.key, "value": self.value, "unit": self.unit, "tag": self.tag,
                "citation": self.citation, "source": self.source,
                "range": list(self.range) if self.range else None}


@functools.lru_cache(maxsize=1)
def load_data() -> dict[str, Any]:
    """Parse the packaged data file ``defaults.toml`` (cached)."""
    text = resources.files("rlscale.econ").joinpath("defaults.toml").read_text("utf-8")
    return tomllib.loads(text)


def hardware_profiles() -> dict[str, HardwareProfile]:
    """The hardware profiles of the data file, by name (``H100``, ``H200``, ``B200``)."""
    out = {}
    for name, spec in load_data()["hardware"].items():
        out[name] = HardwareProfile(name, spec["name"], float(spec["peak_flops"]["value"]),
                                    float(spec["watts"]["value"]), spec["peak_flops"]["citation"],
                                    spec["watts"]["citation"])
    return out


def constant(name: str) -> float:
    """A fixed constant (``constants.<name>``) or published point (``published.<name>``)."""
    data = load_data()
    section, _, key = name.partition(".")
    try:
        return float(data[section][key]["value"])
    except KeyError:
        raise KeyError(f"no constant {name!r} in defaults.toml") from None


def citation(name: str) -> str:
    section, _, key = name.partition(".")
    return load_data()[section][key]["citation"]


class Assumptions:
    """An ordered, read-only mapping ``"section.key" -> Assumption`` with provenance."""

    def __init__(self, items: dict[str, Assumption]) -> None:
        self._items = dict(items)

    def __getitem__(self, key: str) -> Assumption:
        try:
            return self._items[key]
        except KeyError:
            raise KeyError(f"unknown assumption {key!r}") from None

    def __iter__(self) -> Iterator[Assumption]:
        return iter(self._items.values())

    def __contains__(self, key: str) -> bool:
        return key in self._items

    def value(self, key: str) -> Any:
        """The value of assumption ``key`` (``None`` for an unset optional price)."""
        return self[key].value

    def profile(self) -> HardwareProfile:
        return hardware_profiles()[self.value("hardware.profile")]

    def with_values(self, values: dict[str, Any], source: str,
                    labels: dict[str, str] | None = None) -> "Assumptions":
        """A copy with ``values`` applied (``None`` values are skipped), tagged with ``source``.

        ``labels`` maps keys to the names the user typed (e.g. ``--pue``) for error messages.
        """
        items = dict(self._items)
        for key, val in values.items():
            if val is None:
                continue
            if key not in items:
                raise RlscaleError(f"{source}: unknown assumption '{key}'")
            _check_rule((labels or {}).get(key, key), val, items[key].rule, source)
            items[key] = replace(items[key], value=val, source=source)
        out = Assumptions(items)
        out._fill_from_profile()
        return out

    def _fill_from_profile(self) -> None:
        prof = self.profile()
        for key, attr in (("hardware.peak_flops", "peak_flops"), ("hardware.watts", "watts")):
            a = self._items[key]
            if a.source in ("default", "profile"):
                cite = getattr(prof, f"{attr}_citation")
                self._items[key] = replace(a, value=getattr(prof, attr), citation=cite,
                                           source="default" if prof.name == "H100" else "profile")

    def to_list(self) -> list[dict[str, Any]]:
        return [a.to_dict() for a in self]


def _check_rule(key: str, val: Any, rule: str, source: str) -> None:
    if rule == "profile":
        if val not in hardware_profiles():
            raise RlscaleError(f"{source}: {key} = {val!r}: {RULES[rule]} "
                               f"({', '.join(hardware_profiles())})")
        return
    if isinstance(val, bool) or not isinstance(val, (int, float)) or not math.isfinite(val):
        raise RlscaleError(f"{source}: {key} = {val!r}: must be a finite number")
    ok = {"positive": val > 0, "nonnegative": val >= 0, "fraction": 0 < val <= 1,
          "pue": val >= 1, "count": val >= 1 and float(val).is_integer()}[rule]
    if not ok:
        raise RlscaleError(f"{source}: {key} = {val!r}: {RULES[rule]}")


@functools.lru_cache(maxsize=1)
def _default_items() -> tuple[Assumption, ...]:
    items = []
    for section, entries in load_data()["assumptions"].items():
        for key, e in entries.items():
            rng = tuple(float(x) for x in e["range"]) if "range" in e else None
            items.append(Assumption(f"{section}.{key}", e["value"], e["unit"], e["citation"], e["tag"],
                                    e.get("rule", "positive"), rng, e.get("range_source", ""),
                                    e.get("from_profile", False)))
    for key, (unit, rule) in OPTIONAL_KEYS.items():
        items.append(Assumption(key, None, unit, "no default: give your own value", "-", rule))
    return tuple(items)


def defaults() -> Assumptions:
    """All assumptions at their data-file defaults."""
    return Assumptions({a.key: a for a in _default_items()})


# ------------------------------------------------------------------ scenario files (pydantic)

def _scenario_model():
    """A pydantic model of a scenario file, built from the data file (one source of truth)."""
    from typing import Literal, Optional

    from pydantic import ConfigDict, Field, create_model

    sections: dict[str, dict[str, Any]] = {}
    for a in _default_items():
        section, _, key = a.key.partition(".")
        if a.rule == "profile":
            ann: Any = Optional[Literal[tuple(hardware_profiles())]]  # type: ignore[misc]
            fld = Field(None)
        elif a.rule == "count":
            ann, fld = Optional[int], Field(None, ge=1, strict=True)
        else:
            bounds = {"positive": {"gt": 0}, "nonnegative": {"ge": 0}, "fraction": {"gt": 0, "le": 1},
                      "pue": {"ge": 1}}[a.rule]
            ann, fld = Optional[float], Field(None, strict=True, allow_inf_nan=False, **bounds)
        sections.setdefault(section, {})[key] = (ann, fld)
    forbid = ConfigDict(extra="forbid")
    models = {s: (Optional[create_model(f"Scenario_{s}", __config__=forbid, **f)], None)
              for s, f in sections.items()}
    return create_model("Scenario", __config__=forbid, name=(Optional[str], None),
                        description=(Optional[str], None), **models)


def load_scenario(path: str | Path) -> dict[str, Any]:
    """Read and validate a scenario TOML file; returns ``{"section.key": value}``.

    Raises
    ------
    RlscaleError
        One line naming the file, the key and the rule broken (unknown key, wrong type,
        negative power, fraction out of range, unknown hardware profile).
    """
    from pydantic import ValidationError

    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise RlscaleError(f"{path}: scenario file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RlscaleError(f"{path}: cannot read scenario file ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise RlscaleError(f"{path}: not valid TOML ({exc})") from None
    except RecursionError:
        raise RlscaleError(f"{path}: not a scenario file: nested too deeply (a scenario is "
                           "[section] tables of key = value)") from None
    try:
        model = _scenario_model().model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            section = str(err["loc"][0])
            known = sorted(k.partition(".")[2] for k in defaults()._items
                           if k.startswith(section + ".")) if len(err["loc"]) > 1 else \
                sorted({k.partition(".")[0] for k in defaults()._items})
            raise RlscaleError(f"{path}: key '{key}': unknown key (known: {', '.join(known)})") \
                from None
        raise RlscaleError(f"{path}: key '{key}': {err['msg']} (got {err.get('input')!r})") from None
    out: dict[str, Any] = {}
    for section, sub in model.model_dump(exclude={"name", "description"}).items():
        for key, val in (sub or {}).items():
            if val is not None:
                out[f"{section}.{key}"] = val
    return out


def resolve(scenario: str | Path | None = None, overrides: dict[str, Any] | None = None,
            labels: dict[str, str] | None = None) -> Assumptions:
    """Defaults, then a scenario file, then explicit overrides (``None`` = not given).

    Parameters
    ----------
    scenario : path, optional
        A scenario TOML file (see the module docstring).
    overrides : dict, optional
        ``{"section.key": value}``, e.g. from command-line flags; ``None`` values are ignored.
    labels : dict, optional
        ``{"section.key": "--flag"}`` so that errors name the flag the user typed.
    """
    out = defaults()
    if scenario is not None:
        out = out.with_values(load_scenario(scenario), f"scenario {Path(scenario).name}")
    if overrides:
        out = out.with_values(overrides, "command line", labels)
    return out


__all__ = ["Assumption", "Assumptions", "HardwareProfile", "citation", "constant", "defaults",
           "hardware_profiles", "load_data", "load_scenario", "resolve"]


def default_text(key: str) -> str:
    """The default of assumption *key* as help text reads it: ``(default: 0.01)``, read from
    ``defaults.toml`` (so ``--help`` never holds a stale copy); profile-derived hardware values
    name the profile they come from."""
    from rlscale.fmt import quantity

    section, _, name = key.partition(".")
    entry = load_data()["assumptions"].get(section, {}).get(name)
    if key in OPTIONAL_KEYS or entry is None:
        return "(default: none)"
    if entry.get("from_profile"):
        profile = load_data()["assumptions"]["hardware"]["profile"]["value"]
        return f"(default: from --profile, {profile})"
    value = entry["value"]
    return f"(default: {value if isinstance(value, str) else quantity(float(value))})"
