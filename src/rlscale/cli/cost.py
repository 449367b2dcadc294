"""CLI command group ``rlscale cost``: training, deployment, break-even and energy cost models.

    rlscale cost training --rl-fraction 1 --rl-scale 10          # total multiplier 5.5
    rlscale cost deployment --multiplier 30
    rlscale cost breakeven --rl-fraction 0.01 --rl-scale 10
    rlscale cost energy --flops 2e31 --days 90 --datacenter-gpus 200000
    rlscale cost information --episode-tokens 10000 --success-rate 0.5
    rlscale cost --show-defaults                                  # every default, unit, source

Every command takes ``--scenario FILE`` (TOML, see docs/economics.md) and ``--json``; flags win
over the scenario, which wins over the defaults of ``rlscale/econ/defaults.toml``.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Optional

import typer

ROUTE = {"rl": "train (RL)", "inference": "think longer"}
JSON_HELP = "Print one JSON document on stdout instead of tables."
SCENARIO_HELP = "Scenario TOML file naming assumptions (see docs/economics.md)."

# Options shared by several commands, declared once (typer reads the Annotated metadata).
ProfileOpt = Annotated[Optional[str], typer.Option("--profile",
                       help="Hardware profile: H100, H200, B200.")]
PeakFlopsOpt = Annotated[Optional[float], typer.Option("--peak-flops",
                         help="Dense peak FLOP/s per GPU (overrides the profile).")]
WattsOpt = Annotated[Optional[float], typer.Option("--watts",
                     help="Watts per GPU (overrides the profile).")]
UtilisationOpt = Annotated[Optional[float], typer.Option("--utilisation",
                           help="Fraction of peak FLOP/s achieved (MFU).")]
PueOpt = Annotated[Optional[float], typer.Option("--pue",
                   help="Datacenter power usage effectiveness (>= 1).")]
ScenarioOpt = Annotated[Optional[str], typer.Option("--scenario", help=SCENARIO_HELP)]
JsonOpt = Annotated[bool, typer.Option("--json", help=JSON_HELP)]

# assumption key -> flag, so errors name what the user typed
FLAGS = {
    "training.pretrain_flops": "--pretrain-flops", "training.rl_fraction": "--rl-fraction",
    "training.rl_scale": "--rl-scale", "hardware.profile": "--profile",
    "hardware.peak_flops": "--peak-flops", "hardware.watts": "--watts",
    "hardware.utilisation": "--utilisation", "hardware.pue": "--pue",
    "hardware.usd_per_gpu_hour": "--usd-per-gpu-hour",
    "deployment.inference_multiplier": "--multiplier",
    "deployment.output_tokens_per_query": "--output-tokens",
    "deployment.input_tokens_per_query": "--input-tokens",
    "deployment.queries_per_day": "--queries-per-day", "deployment.active_params": "--active-params",
    "deployment.horizon_days": "--horizon-days",
    "deployment.usd_per_million_tokens": "--usd-per-million-tokens",
    "exchange.slope_ratio": "--slope-ratio",
    "electricity.world_twh_per_year": "--world-twh",
    "information.episode_tokens": "--episode-tokens",
    "information.bits_per_token": "--bits-per-token",
    "information.reward_bits": "--reward-bits",
}


def _resolve(scenario: Optional[str], **flags: Any):
    from rlscale.econ.assumptions import resolve

    keys = {flag.lstrip("-").replace("-", "_"): key for key, flag in FLAGS.items()}
    overrides = {keys[name]: value for name, value in flags.items()}
    return resolve(scenario, overrides, labels=FLAGS)


def _num(x: Any) -> str:
    if x is None:
        return "-"
    if isinstance(x, str):
        return x
    if x == 0 or not math.isfinite(x):
        return str(x)
    if abs(x) >= 1e6 or abs(x) < 1e-3:
        return f"{x:.3g}"
    return f"{x:,.4g}" if abs(x) < 1000 else f"{x:,.0f}"


def _print(title: str, rows: list[tuple[str, Any, str]], used, extra=None) -> None:
    """One result table, then the assumptions used with their sources."""
    from rich.table import Table

    from rlscale.cli._common import console

    out = console()
    table = Table(title=title, title_justify="left", show_header=True)
    table.add_column("quantity")
    table.add_column("value", justify="right")
    table.add_column("unit")
    for name, value, unit in rows:
        table.add_row(name, _num(value), unit)
    out.print(table)
    if extra is not None:
        out.print(extra)
    _print_assumptions(out, used, "assumptions used")


def _print_assumptions(out, used, title: str, *, citations: bool = False) -> None:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for col in ("name", "value", "unit", "tag", "source") + (("citation",) if citations else ()):
        table.add_column(col, overflow="fold", no_wrap=col == "name",
                         justify="right" if col == "value" else "left")
    for a in used:
        row = [a.key, _num(a.value), a.unit, a.tag, a.source]
        if citations:
            row.append(a.citation)
        table.add_row(*row)
    out.print(table)


def _hardware(a) -> dict[str, float]:
    return {k: a.value(f"hardware.{k}") for k in ("peak_flops", "utilisation", "watts", "pue")}


# ---------------------------------------------------------------- commands

def training(
    rl_fraction: Optional[float] = typer.Option(None, "--rl-fraction",
        help="RL compute / pre-training compute before the scale-up [default 0.01]."),
    rl_scale: Optional[float] = typer.Option(None, "--rl-scale",
        help="RL scale-up factor k [default 10]."),
    pretrain_flops: Optional[float] = typer.Option(None, "--pretrain-flops",
        help="Pre-training compute P in FLOP [default 1e25]."),
    steps: int = typer.Option(0, "--steps", min=0, max=30,
        help="Also show a path of this many successive --rl-scale steps."),
    budget: Optional[float] = typer.Option(None, "--budget",
        help="Largest RL scale-up whose total-cost multiplier stays within this."),
    profile: ProfileOpt = None,
    peak_flops: PeakFlopsOpt = None,
    watts: WattsOpt = None,
    utilisation: UtilisationOpt = None,
    pue: PueOpt = None,
    usd_per_gpu_hour: Optional[float] = typer.Option(None, "--usd-per-gpu-hour",
        help="GPU-hour price, to report money."),
    scenario: ScenarioOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Total-training multiplier (1 + k r)/(1 + r) of an RL scale-up, and what it costs."""
    from rlscale.econ import max_rl_scale, path_multiplier, training_cost

    a = _resolve(scenario, rl_fraction=rl_fraction, rl_scale=rl_scale, pretrain_flops=pretrain_flops,
                 profile=profile, peak_flops=peak_flops, watts=watts, utilisation=utilisation,
                 pue=pue, usd_per_gpu_hour=usd_per_gpu_hour)
    r, k, p = (a.value(f"training.{x}") for x in ("rl_fraction", "rl_scale", "pretrain_flops"))
    cost = training_cost(p, r, k, **_hardware(a), usd_per_gpu_hour=a.value("hardware.usd_per_gpu_hour"))
    path = [s.to_dict() for s in path_multiplier(r, steps, k)] if steps else []
    best = max_rl_scale(r, budget) if budget is not None else None
    used = [a[x] for x in ("training.rl_fraction", "training.rl_scale", "training.pretrain_flops",
                           "hardware.profile", "hardware.peak_flops", "hardware.utilisation",
                           "hardware.watts", "hardware.pue", "hardware.usd_per_gpu_hour")]
    doc = {"total_multiplier": cost["total_multiplier"], "rl_fraction": r, "rl_scale": k,
           "rl_fraction_after": r * k, "total_vs_pretrain_before": 1 + r,
           "total_vs_pretrain_after": 1 + r * k, "formula": "(1 + k*r) / (1 + r)",
           "cost": cost, "path": path, "budget_multiplier": budget, "max_rl_scale": best,
           "assumptions": [u.to_dict() for u in used]}
    if json_output:
        from rlscale.cli._common import print_json

        return print_json(doc)
    rows = [("total-training multiplier (1 + k r)/(1 + r)", f"{cost['total_multiplier']:.3f}", "x"),
            ("RL fraction of pre-training: before -> after", f"{r:g} -> {r * k:g}", ""),
            ("total training vs pre-training: before -> after", f"{1 + r:.4g} -> {1 + r * k:.4g}", "x"),
            ("training compute after", cost["flops_after"], "FLOP"),
            ("RL compute added", cost["rl_flops_added"], "FLOP"),
            ("GPU-hours added", cost["gpu_hours_added"], f"{a.value('hardware.profile')} GPU-hours"),
            ("energy added", cost["energy_kwh_added"] / 1e9, "TWh"),
            ("money added", cost["usd_added"], "USD")]
    if best is not None:
        rows.append((f"largest RL scale-up within {budget:g}x total", best, "x"))
    extra = None
    if path:
        from rich.table import Table

        extra = Table(title=f"path of {steps} x {k:g}x RL steps", title_justify="left")
        for col in ("step", "RL fraction", "step multiplier", "cumulative", "total / pre-training"):
            extra.add_column(col, justify="right")
        for s in path:
            extra.add_row(str(s["step"]), f"{s['rl_fraction_before']:g} -> {s['rl_fraction_after']:g}",
                          f"{s['step_multiplier']:.4g}x", f"{s['cumulative_multiplier']:.4g}x",
                          f"{s['total_vs_pretrain']:.4g}x")
    _print("training cost of an RL scale-up", rows, used, extra)


def deployment(
    multiplier: Optional[float] = typer.Option(None, "--multiplier",
        help="Inference multiplier m on generated tokens [default 30]."),
    output_tokens: Optional[float] = typer.Option(None, "--output-tokens",
        help="Generated tokens per query before scaling."),
    input_tokens: Optional[float] = typer.Option(None, "--input-tokens",
        help="Prompt tokens per query (not multiplied)."),
    queries_per_day: Optional[float] = typer.Option(None, "--queries-per-day",
        help="Deployment volume."),
    active_params: Optional[float] = typer.Option(None, "--active-params",
        help="Active parameters per token (FLOP/token = 2N)."),
    days: float = typer.Option(30.0, "--days", help="Length of the period to cost, in days."),
    usd_per_million_tokens: Optional[float] = typer.Option(None, "--usd-per-million-tokens",
        help="Token price, to report money."),
    scenario: ScenarioOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Per-query and per-period cost of an inference multiplier (longer chains of thought)."""
    from rlscale.econ import deployment_cost
    from rlscale.errors import RlscaleError

    if not (math.isfinite(days) and days > 0):
        raise RlscaleError(f"--days {days!r}: must be > 0")
    a = _resolve(scenario, multiplier=multiplier, output_tokens=output_tokens,
                 input_tokens=input_tokens, queries_per_day=queries_per_day,
                 active_params=active_params, usd_per_million_tokens=usd_per_million_tokens)
    keys = ("inference_multiplier", "output_tokens_per_query", "input_tokens_per_query",
            "queries_per_day", "active_params", "usd_per_million_tokens")
    v = {k: a.value(f"deployment.{k}") for k in keys}
    res = deployment_cost(multiplier=v["inference_multiplier"], output_tokens=v["output_tokens_per_query"],
                          input_tokens=v["input_tokens_per_query"], queries_per_day=v["queries_per_day"],
                          active_params=v["active_params"], days=days,
                          usd_per_million_tokens=v["usd_per_million_tokens"])
    used = [a[f"deployment.{k}"] for k in keys]
    if json_output:
        from rlscale.cli._common import print_json

        return print_json(dict(res, days=days, assumptions=[u.to_dict() for u in used]))
    rows = [("cost multiplier per query", f"{res['per_query_multiplier']:.4g}", "x"),
            ("tokens per query: before -> after",
             f"{_num(res['tokens_per_query_before'])} -> {_num(res['tokens_per_query_after'])}", "tokens"),
            ("FLOP per query after", res["flops_per_query_after"], "FLOP"),
            (f"FLOP per {days:g} days: before", res["flops_per_period_before"], "FLOP"),
            (f"FLOP per {days:g} days: after", res["flops_per_period_after"], "FLOP"),
            ("USD per query after", res["usd_per_query_after"], "USD"),
            (f"USD per {days:g} days: before -> after",
             None if res["usd_per_period_after"] is None else
             f"{_num(res['usd_per_period_before'])} -> {_num(res['usd_per_period_after'])}", "USD")]
    _print("deployment cost of an inference multiplier", rows, used)


def breakeven(
    rl_fraction: Optional[float] = typer.Option(None, "--rl-fraction",
        help="RL compute / pre-training compute before the scale-up."),
    rl_scale: Optional[float] = typer.Option(None, "--rl-scale",
        help="RL scale-up factor k (> 1)."),
    pretrain_flops: Optional[float] = typer.Option(None, "--pretrain-flops",
        help="Pre-training compute P in FLOP."),
    slope_ratio: Optional[float] = typer.Option(None, "--slope-ratio",
        help="RL slope / inference slope [default: fitted from catalog:essay]."),
    output_tokens: Optional[float] = typer.Option(None, "--output-tokens",
        help="Generated tokens per query before scaling."),
    active_params: Optional[float] = typer.Option(None, "--active-params",
        help="Active parameters per token."),
    queries_per_day: Optional[float] = typer.Option(None, "--queries-per-day",
        help="Deployment volume."),
    horizon_days: Optional[float] = typer.Option(None, "--horizon-days",
        help="Deployment horizon in days."),
    scenario: ScenarioOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Train or think longer? One-off RL scale-up vs recurring inference scale-up, same gain."""
    from rlscale.econ import breakeven as compute_breakeven

    a = _resolve(scenario, rl_fraction=rl_fraction, rl_scale=rl_scale, pretrain_flops=pretrain_flops,
                 slope_ratio=slope_ratio, output_tokens=output_tokens, active_params=active_params,
                 queries_per_day=queries_per_day, horizon_days=horizon_days)
    ratio = a.value("exchange.slope_ratio")
    ratio_source = a["exchange.slope_ratio"].source
    if ratio is None:
        from rlscale.econ.evidence import slope_evidence

        ev = slope_evidence()
        ratio, ratio_source = ev.pooled_ratio, "fitted: o1 + o1->o3 RL vs o1 inference"
    res = compute_breakeven(
        pretrain_flops=a.value("training.pretrain_flops"), rl_fraction=a.value("training.rl_fraction"),
        rl_scale=a.value("training.rl_scale"), slope_ratio=ratio,
        output_tokens=a.value("deployment.output_tokens_per_query"),
        active_params=a.value("deployment.active_params"),
        queries_per_day=a.value("deployment.queries_per_day"),
        horizon_days=a.value("deployment.horizon_days"))
    used = [a[k] for k in ("training.pretrain_flops", "training.rl_fraction", "training.rl_scale",
                           "deployment.output_tokens_per_query", "deployment.active_params",
                           "deployment.queries_per_day", "deployment.horizon_days")]
    if json_output:
        from rlscale.cli._common import print_json

        return print_json(dict(res, slope_ratio=ratio, slope_ratio_source=ratio_source,
                               assumptions=[u.to_dict() for u in used]))
    from rich.table import Table

    k, h = a.value("training.rl_scale"), a.value("deployment.horizon_days")
    rows = [("slope ratio (RL / inference)", f"{ratio:.3f}", ratio_source),
            (f"inference multiplier worth {k:g}x RL", f"{res['inference_multiplier']:.3g}", "x"),
            ("RL scale-up, one-off", res["rl_flops_one_off"], "FLOP"),
            ("inference scale-up, extra per query", res["extra_flops_per_query"], "FLOP"),
            ("break-even volume", res["breakeven_queries"], "queries"),
            ("break-even time at this volume", res["breakeven_days"], "days"),
            (f"break-even volume over {h:g} days", res["breakeven_queries_per_day"], "queries/day"),
            ("cheaper at this volume and horizon", ROUTE[res["cheaper"]], "")]
    extra = Table(title=f"cheaper route over {h:g} days, by volume", title_justify="left")
    for col in ("queries/day", "inference FLOP over horizon", "RL FLOP (one-off)", "cheaper"):
        extra.add_column(col, justify="right")
    for row in res["by_volume"]:
        extra.add_row(_num(row["queries_per_day"]), _num(row["inference_flops_over_horizon"]),
                      _num(res["rl_flops_one_off"]), ROUTE[row["cheaper"]])
    _print("break-even: train (RL) or think longer (inference)?", rows, used, extra)


def energy(
    flops: float = typer.Option(..., "--flops", help="Compute to translate, in FLOP (e.g. 2e31)."),
    days: Optional[float] = typer.Option(None, "--days",
        help="Run length: report the GPUs needed."),
    gpus: Optional[float] = typer.Option(None, "--gpus", help="GPU count: report the run length."),
    datacenter_gpus: Optional[float] = typer.Option(None, "--datacenter-gpus",
        help="GPUs per datacenter: report datacenters."),
    profile: ProfileOpt = None,
    peak_flops: PeakFlopsOpt = None,
    watts: WattsOpt = None,
    utilisation: UtilisationOpt = None,
    pue: PueOpt = None,
    world_twh: Optional[float] = typer.Option(None, "--world-twh",
        help="World electricity generation, TWh per year."),
    scenario: ScenarioOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """FLOPs -> GPU-hours, GPUs x time, energy, years of world electricity, datacenters."""
    from rlscale.econ import translate
    from rlscale.errors import RlscaleError

    for flag, val in (("--flops", flops), ("--days", days), ("--gpus", gpus),
                      ("--datacenter-gpus", datacenter_gpus)):
        if val is not None and not (math.isfinite(val) and val > 0):
            raise RlscaleError(f"{flag} {val!r}: must be > 0")
    a = _resolve(scenario, profile=profile, peak_flops=peak_flops, watts=watts,
                 utilisation=utilisation, pue=pue, world_twh=world_twh)
    res = translate(flops, **_hardware(a), world_twh_per_year=a.value("electricity.world_twh_per_year"),
                    days=days, gpus=gpus, datacenter_gpus=datacenter_gpus)
    used = [a[k] for k in ("hardware.profile", "hardware.peak_flops", "hardware.utilisation",
                           "hardware.watts", "hardware.pue", "electricity.world_twh_per_year")]
    if json_output:
        from rlscale.cli._common import print_json

        return print_json(dict(res, assumptions=[u.to_dict() for u in used]))
    rows = [("compute", res["flops"], "FLOP"), ("GPU-hours", res["gpu_hours"], "GPU-hours"),
            ("GPU-years", res["gpu_years"], "GPU-years"),
            ("GPUs needed", res["gpus"], f"over {_num(res['days'])} days" if days else "GPUs"),
            ("run length", res["days"], f"days on {_num(gpus)} GPUs" if gpus else "days"),
            ("datacenters", res["datacenters"], f"of {_num(datacenter_gpus)} GPUs"),
            ("facility energy", res["energy_twh"], "TWh"),
            ("share of one year's world electricity", res["world_electricity_share"], "fraction"),
            ("years of world electricity", res["world_electricity_years"], "years")]
    _print("physical translation", rows, used)


def information(
    episode_tokens: Optional[float] = typer.Option(None, "--episode-tokens",
        help="Tokens per RL episode T [default 10,000]."),
    bits_per_token: Optional[float] = typer.Option(None, "--bits-per-token",
        help="Bits of signal per pre-training token b [default 1]."),
    reward_bits: Optional[float] = typer.Option(None, "--reward-bits",
        help="Bits per RL episode H [default 1: pass/fail]."),
    success_rate: Optional[float] = typer.Option(None, "--success-rate",
        help="Set H to the entropy of a pass/fail reward at this success rate."),
    scenario: ScenarioOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Bits of learning signal per FLOP: next-token prediction vs RL with a scalar reward."""
    from rlscale.econ.information import (binary_entropy, episode_tokens_for_ratio,
                                          information_ratio)
    from rlscale.errors import RlscaleError

    if success_rate is not None:
        if reward_bits is not None:
            raise RlscaleError("give --reward-bits or --success-rate, not both")
        if not 0 < success_rate < 1:
            raise RlscaleError(f"--success-rate {success_rate!r}: must be in (0, 1)")
        reward_bits = binary_entropy(success_rate)
    a = _resolve(scenario, episode_tokens=episode_tokens, bits_per_token=bits_per_token,
                 reward_bits=reward_bits)
    H, T, b = (a.value(f"information.{k}") for k in ("reward_bits", "episode_tokens",
                                                      "bits_per_token"))
    ratio = information_ratio(reward_bits=H, episode_tokens=T, bits_per_token=b)
    doc = {"ratio": ratio, "one_in": 1 / ratio, "below_one_ten_thousandth": ratio < 1e-4,
           "episode_tokens_for_one_ten_thousandth": episode_tokens_for_ratio(
               1e-4, reward_bits=H, bits_per_token=b),
           "next_token_bits_per_param_flop": b / 6.0, "rl_bits_per_param_flop": H / (8.0 * T),
           "formula": "ratio = (H / (8 N T)) / (b / (6 N)) = 6 H / (8 b T)"}
    used = [a[f"information.{k}"] for k in ("episode_tokens", "bits_per_token", "reward_bits")]
    if json_output:
        from rlscale.cli._common import print_json

        return print_json(dict(doc, assumptions=[u.to_dict() for u in used]))
    rows = [("next-token prediction: bits per FLOP x N", doc["next_token_bits_per_param_flop"],
             "bits (b / 6)"),
            ("RL episode: bits per FLOP x N", doc["rl_bits_per_param_flop"], "bits (H / 8T)"),
            ("RL / next-token information per FLOP", ratio, f"= 1 / {_num(1 / ratio)}"),
            ("below the essay's 1/10,000?", "yes" if ratio < 1e-4 else "no", ""),
            ("episode length where it crosses 1/10,000",
             doc["episode_tokens_for_one_ten_thousandth"], "tokens")]
    _print("information per FLOP (N = active parameters, cancels in the ratio)", rows, used)


def _show_defaults(scenario: Optional[str], json_output: bool) -> None:
    from rlscale.econ.assumptions import hardware_profiles, load_data, resolve

    a = resolve(scenario)
    data = load_data()
    if json_output:
        from rlscale.cli._common import print_json

        profiles = {n: {"title": p.title, "peak_flops": p.peak_flops, "watts": p.watts,
                        "peak_flops_citation": p.peak_flops_citation,
                        "watts_citation": p.watts_citation} for n, p in hardware_profiles().items()}
        consts = [{"name": f"{sec}.{k}", **v} for sec in ("constants", "published")
                  for k, v in data[sec].items()]
        return print_json({"assumptions": a.to_list(), "hardware_profiles": profiles,
                           "constants": consts})
    from rich.padding import Padding
    from rich.text import Text

    from rlscale.cli._common import console

    out = console()
    out.print(Text("Defaults of every cost-model and claims-ledger input, in scenario-file form "
                   "(copy a line into a TOML scenario to change it). Tags: E stated by the "
                   "source, S secondary / vendor spec, D derived, A rlscale's illustrative "
                   "assumption."))
    section = None
    for item in a:
        sec, _, key = item.key.partition(".")
        if sec != section:
            section = sec
            out.print()
            out.print(Text(f"[{sec}]", style="bold"))
        value = f'"{item.value}"' if isinstance(item.value, str) else (
            "(no default)" if item.value is None else _num(item.value))
        line = Text(f"{key} = {value}")
        line.append(f"   # {item.unit}; tag {item.tag}; {item.source}", style="dim")
        out.print(line)
        out.print(Padding(Text(item.citation, style="italic"), (0, 0, 0, 4)))
        if item.range:
            out.print(Padding(Text(f"plausible range {item.range[0]:g} to {item.range[1]:g}: "
                                   f"{item.range_source}", style="dim"), (0, 0, 0, 4)))
    out.print()
    out.print(Text("Hardware profiles (dense BF16 peak FLOP/s, watts per GPU)", style="bold"))
    for p in hardware_profiles().values():
        out.print(Text(f"{p.name}: {p.peak_flops:.3g} FLOP/s, {p.watts:g} W ({p.title})"))
        out.print(Padding(Text(f"{p.peak_flops_citation}; {p.watts_citation}", style="italic"),
                          (0, 0, 0, 4)))
    out.print()
    out.print(Text("Constants and published reference points", style="bold"))
    for sec in ("constants", "published"):
        for k, v in data[sec].items():
            out.print(Text(f"{sec}.{k} = {_num(float(v['value']))} {v['unit']} (tag {v['tag']})"))
            out.print(Padding(Text(v["citation"], style="italic"), (0, 0, 0, 4)))


def register(app) -> None:
    """Add the ``cost`` group (training, deployment, breakeven, energy, information, --show-defaults)."""
    group = typer.Typer(help="Cost models: training, deployment, break-even, energy, information.",
                        invoke_without_command=True)

    @group.callback()
    def _cost(ctx: typer.Context,
              show_defaults: bool = typer.Option(False, "--show-defaults",
                  help="Print every default with its unit and source, then exit."),
              scenario: Optional[str] = typer.Option(None, "--scenario",
                  help=SCENARIO_HELP + " (with --show-defaults)"),
              json_output: bool = typer.Option(False, "--json",
                  help=JSON_HELP + " (with --show-defaults)")) -> None:
        """Cost models: training, deployment, break-even, energy. Every input has a cited default."""
        if show_defaults:
            _show_defaults(scenario, json_output)
            raise typer.Exit(0)
        if ctx.invoked_subcommand is None:
            typer.echo(ctx.get_help())
            raise typer.Exit(0)

    group.command("training")(training)
    group.command("deployment")(deployment)
    group.command("breakeven")(breakeven)
    group.command("energy")(energy)
    group.command("information")(information)
    app.add_typer(group, name="cost")
