"""Physical translation: FLOPs -> GPU-hours -> GPUs x time -> energy -> world electricity.

Conventions (each input is a named assumption with a citation in ``defaults.toml``):

- GPU-hours = FLOPs / (peak dense FLOP/s x utilisation) / 3600;
- facility energy = GPU-hours x watts per GPU x PUE (power drawn at the rated watts for the
  whole run, a common upper-end simplification);
- years of world electricity = energy / world generation per year.
"""

from __future__ import annotations

import math

from rlscale.errors import RlscaleError

SECONDS_PER_HOUR = 3600.0
KWH_PER_TWH = 1e9


def _positive(name: str, value: float) -> None:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise RlscaleError(f"{name} must be a finite number > 0, got {value!r}")


def gpu_hours(flops: float, peak_flops: float, utilisation: float) -> float:
    """GPU-hours to execute ``flops`` at ``utilisation`` of ``peak_flops`` (FLOP/s per GPU).

    >>> gpu_hours(989e12 * 0.4 * 3600, 989e12, 0.4)
    1.0
    """
    _positive("peak_flops", peak_flops)
    if not 0 < utilisation <= 1:
        raise RlscaleError(f"utilisation must be in (0, 1], got {utilisation!r}")
    if flops < 0:
        raise RlscaleError(f"flops must be >= 0, got {flops!r}")
    return flops / (peak_flops * utilisation) / SECONDS_PER_HOUR


def energy_kwh(gpu_hours_: float, watts: float, pue: float) -> float:
    """Facility energy (kWh) of ``gpu_hours_`` at ``watts`` per GPU and power usage effectiveness ``pue``.

    >>> energy_kwh(1000, 700, 1.5)
    1050.0
    """
    _positive("watts", watts)
    if not pue >= 1:
        raise RlscaleError(f"pue must be >= 1, got {pue!r}")
    return gpu_hours_ * watts / 1000.0 * pue


def world_electricity_years(kwh: float, world_twh_per_year: float) -> float:
    """Energy as years of world electricity generation.

    >>> world_electricity_years(29471e9, 29471)
    1.0
    """
    _positive("world_twh_per_year", world_twh_per_year)
    return kwh / KWH_PER_TWH / world_twh_per_year


def gpus_needed(flops: float, days: float, peak_flops: float, utilisation: float) -> float:
    """GPUs needed to execute ``flops`` in ``days``."""
    _positive("days", days)
    return gpu_hours(flops, peak_flops, utilisation) / (24.0 * days)


def days_needed(flops: float, gpus: float, peak_flops: float, utilisation: float) -> float:
    """Days needed to execute ``flops`` on ``gpus`` GPUs."""
    _positive("gpus", gpus)
    return gpu_hours(flops, peak_flops, utilisation) / (24.0 * gpus)


def translate(flops: float, *, peak_flops: float, utilisation: float, watts: float, pue: float,
              world_twh_per_year: float, days: float | None = None, gpus: float | None = None,
              datacenter_gpus: float | None = None) -> dict[str, float | None]:
    """Everything :mod:`physical` can say about ``flops`` on the given hardware.

    Give ``days`` (run length) to get the GPU count, or ``gpus`` to get the run length;
    ``datacenter_gpus`` turns the GPU count into a number of datacenters.

    Returns
    -------
    dict
        ``flops, gpu_hours, gpu_years, energy_kwh, energy_twh, world_electricity_share``
        (of one year's generation), ``world_electricity_years``, ``gpus``, ``days``,
        ``datacenters``.
    """
    gh = gpu_hours(flops, peak_flops, utilisation)
    kwh = energy_kwh(gh, watts, pue)
    if days is not None and gpus is not None:
        raise RlscaleError("give either a run length (days) or a GPU count, not both")
    if days is not None:
        gpus = gpus_needed(flops, days, peak_flops, utilisation)
    elif gpus is not None:
        days = days_needed(flops, gpus, peak_flops, utilisation)
    years = world_electricity_years(kwh, world_twh_per_year)
    return {
        "flops": flops,
        "gpu_hours": gh,
        "gpu_years": gh / (24 * 365.25),
        "energy_kwh": kwh,
        "energy_twh": kwh / KWH_PER_TWH,
        "world_electricity_share": years,
        "world_electricity_years": years,
        "gpus": gpus,
        "days": days,
        "datacenters": None if (gpus is None or datacenter_gpus is None) else gpus / datacenter_gpus,
    }


def fleet_scaleup(gpus: float, multiplier: float, *, run_days: float, watts: float, pue: float,
                  world_twh_per_year: float, datacenter_gpus: float,
                  speedup: float = 1.0) -> dict[str, float]:
    """Scale a training run done on ``gpus`` GPUs by ``multiplier`` in compute, same run length.

    The essay's Grok 4 thought experiment: with the run length and GPU type held fixed, ``x``
    times the compute needs ``x`` times the GPUs (divided by ``speedup`` for faster GPUs).

    Returns
    -------
    dict
        ``gpus_needed``, ``datacenters_per_original_gpu`` (``gpus_needed / gpus /
        datacenter_gpus``), ``energy_twh`` and ``world_electricity_years``.
    """
    for name, v in (("gpus", gpus), ("multiplier", multiplier), ("run_days", run_days),
                    ("datacenter_gpus", datacenter_gpus), ("speedup", speedup)):
        _positive(name, v)
    needed = gpus * multiplier / speedup
    kwh = energy_kwh(needed * run_days * 24.0, watts, pue)
    return {
        "gpus_needed": needed,
        "datacenters_per_original_gpu": needed / gpus / datacenter_gpus,
        "energy_twh": kwh / KWH_PER_TWH,
        "world_electricity_years": world_electricity_years(kwh, world_twh_per_year),
    }


def run_days_for_years(years: float, gpus: float, multiplier: float, *, watts: float, pue: float,
                       world_twh_per_year: float, speedup: float = 1.0) -> float:
    """The run length (days) at which :func:`fleet_scaleup` uses ``years`` of world electricity."""
    kwh = years * world_twh_per_year * KWH_PER_TWH
    gpu_hours_total = kwh / (watts / 1000.0 * pue)
    return gpu_hours_total / (gpus * multiplier / speedup) / 24.0


#: Assumption keys of the hardware a cost model runs on (see ``defaults.toml``).
HARDWARE_KEYS = ("hardware.profile", "hardware.peak_flops", "hardware.utilisation",
                 "hardware.watts", "hardware.pue")
TRANSLATE_KEYS = HARDWARE_KEYS + ("electricity.world_twh_per_year",)


def hardware_from(assumptions) -> dict[str, float]:
    """``peak_flops, utilisation, watts, pue`` of resolved :class:`~rlscale.econ.Assumptions`."""
    return {k: assumptions.value(f"hardware.{k}")
            for k in ("peak_flops", "utilisation", "watts", "pue")}


def translate_from(assumptions, flops: float, *, days: float | None = None,
                   gpus: float | None = None, datacenter_gpus: float | None = None) -> dict:
    """:func:`translate` with the hardware and electricity of *assumptions*; the result names
    the assumptions used (``assumptions``: list of dicts with value, unit, citation, source)."""
    res = translate(flops, **hardware_from(assumptions),
                    world_twh_per_year=assumptions.value("electricity.world_twh_per_year"),
                    days=days, gpus=gpus, datacenter_gpus=datacenter_gpus)
    return dict(res, assumptions=[assumptions[k].to_dict() for k in TRANSLATE_KEYS])
