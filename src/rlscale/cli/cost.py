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

from typing import Annotated, Any, Optional

import typer

from rlscale.econ.assumptions import default_text
from rlscale.fmt import inert, printable, quantity

ROUTE = {"rl": "train (RL)", "inference": "think longer"}
JSON_HELP = "Print one JSON document on stdout instead of tables."
SCENARIO_HELP = "Scenario TOML file naming assumptions (see docs/economics.md)."


def _opt(flag: str, key: str, text: str):
    """A numeric option of assumption *key* (a parameter default); its help shows the default
    of defaults.toml."""
    return typer.Option(None, flag, help=f"{text} {default_text(key)}.")


def _ann(flag: str, key: str, text: str):
    """The same option as an ``Annotated`` type, for options shared by several commands."""
    return Annotated[Optional[float], typer.Option(flag, help=f"{text} {default_text(key)}.")]


# Options shared by several commands, declared once (typer reads the Annotated metadata).
ProfileOpt = Annotated[Optional[str], typer.Option(
    "--profile", help=f"Hardware profile: H100, H200, B200 {default_text('hardware.profile')}.")]
PeakFlopsOpt = _ann("--peak-flops", "hardware.peak_flops",
                    "Dense peak FLOP/s per GPU (overrides the profile)")
WattsOpt = _ann("--watts", "hardware.watts", "Watts per GPU (overrides the profile)")
UtilisationOpt = _ann("--utilisation", "hardware.utilisation",
                      "Fraction of peak FLOP/s achieved (MFU)")
PueOpt = _ann("--pue", "hardware.pue", "Datacenter power usage effectiveness (>= 1)")
RlFractionOpt = _ann("--rl-fraction", "training.rl_fraction",
                     "RL compute / pre-training compute before the scale-up")
RlScaleOpt = _ann("--rl-scale", "training.rl_scale", "RL scale-up factor k")
PretrainOpt = _ann("--pretrain-flops", "training.pretrain_flops", "Pre-training compute P in FLOP")
OutputTokensOpt = _ann("--output-tokens", "deployment.output_tokens_per_query",
                       "Generated tokens per query before scaling")
ActiveParamsOpt = _ann("--active-params", "deployment.active_params",
                       "Active parameters per token (FLOP/token = 2N)")
QueriesOpt = _ann("--queries-per-day", "deployment.queries_per_day", "Deployment volume")
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


def _print(title: str, rows: list[tuple[str, Any, str]], used: list[dict], extra=None) -> None:
    """One result table, then the assumptions used with their sources."""
    from rich.table import Table

    from rlscale.cli._common import console

    out = console()
    table = Table(title=title, title_justify="left", show_header=True)
    table.add_column("quantity")
    table.add_column("value", justify="right")
    table.add_column("unit")
    for name, value, unit in rows:
        table.add_row(inert(name), inert(quantity(value)), inert(unit))
    out.print(table)
    if extra is not None:
        out.print(extra)
    _print_assumptions(out, used, "assumptions used")


def _print_assumptions(out, used: list[dict], title: str) -> None:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for col in ("name", "value", "unit", "tag", "source"):
        table.add_column(col, overflow="fold", no_wrap=col == "name",
                         justify="right" if col == "value" else "left")
    for a in used:
        table.add_row(*(inert(x) for x in (a["name"], quantity(a["value"]), a["unit"], a["tag"],
                                           a["source"])))
    out.print(table)


def _positive_flags(**flags: float | None) -> None:
    """Flags that are not assumptions (so resolve() does not check them) must be > 0."""
    from rlscale.cli._common import check_float

    for name, value in flags.items():
        check_float("--" + name.replace("_", "-"), value, 0.0, lo_open=True)


def _table(title: str, columns: tuple[str, ...], rows: list[tuple[str, ...]]):
    from rich.table import Table

    t = Table(title=title, title_justify="left")
    for col in columns:
        t.add_column(col, justify="right")
    for row in rows:
        t.add_row(*row)
    return t


# ---------------------------------------------------------------- commands

def training(
    rl_fraction: RlFractionOpt = None,
    rl_scale: RlScaleOpt = None,
    pretrain_flops: PretrainOpt = None,
    steps: int = typer.Option(0, "--steps", min=0, max=30,
        help="Also show a path of this many successive --rl-scale steps (0 to 30)."),
    budget: Optional[float] = typer.Option(None, "--budget",
        help="Largest RL scale-up whose total-cost multiplier stays within this (>= 1)."),
    profile: ProfileOpt = None,
    peak_flops: PeakFlopsOpt = None,
    watts: WattsOpt = None,
    utilisation: UtilisationOpt = None,
    pue: PueOpt = None,
    usd_per_gpu_hour: Optional[float] = _opt("--usd-per-gpu-hour", "hardware.usd_per_gpu_hour",
                                             "GPU-hour price, to report money"),
    scenario: ScenarioOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Total-training multiplier (1 + k r)/(1 + r) of an RL scale-up, and what it costs."""
    from rlscale.cli._common import check_float
    from rlscale.econ.training import training_from

    check_float("--budget", budget, 1.0)
    a = _resolve(scenario, rl_fraction=rl_fraction, rl_scale=rl_scale, pretrain_flops=pretrain_flops,
                 profile=profile, peak_flops=peak_flops, watts=watts, utilisation=utilisation,
                 pue=pue, usd_per_gpu_hour=usd_per_gpu_hour)
    doc = training_from(a, steps=steps, budget=budget)
    if json_output:
        from rlscale.cli._common import print_json

        return print_json(doc)
    cost, r, k = doc["cost"], doc["rl_fraction"], doc["rl_scale"]
    rows = [("total-training multiplier (1 + k r)/(1 + r)", f"{cost['total_multiplier']:.3f}", "x"),
            ("RL fraction of pre-training: before -> after", f"{r:g} -> {r * k:g}", ""),
            ("total training vs pre-training: before -> after", f"{1 + r:.4g} -> {1 + r * k:.4g}", "x"),
            ("training compute after", cost["flops_after"], "FLOP"),
            ("RL compute added", cost["rl_flops_added"], "FLOP"),
            ("GPU-hours added", cost["gpu_hours_added"], f"{a.value('hardware.profile')} GPU-hours"),
            ("energy added", cost["energy_kwh_added"] / 1e9, "TWh"),
            ("money added", cost["usd_added"], "USD")]
    if doc["max_rl_scale"] is not None:
        rows.append((f"largest RL scale-up within {budget:g}x total", doc["max_rl_scale"], "x"))
    extra = None
    if doc["path"]:
        extra = _table(f"path of {steps} x {k:g}x RL steps",
                       ("step", "RL fraction", "step multiplier", "cumulative",
                        "total / pre-training"),
                       [(str(p["step"]), f"{p['rl_fraction_before']:g} -> {p['rl_fraction_after']:g}",
                         f"{p['step_multiplier']:.4g}x", f"{p['cumulative_multiplier']:.4g}x",
                         f"{p['total_vs_pretrain']:.4g}x") for p in doc["path"]])
    _print("training cost of an RL scale-up", rows, doc["assumptions"], extra)


def deployment(
    multiplier: Optional[float] = _opt("--multiplier", "deployment.inference_multiplier",
                                       "Inference multiplier m on generated tokens"),
    output_tokens: OutputTokensOpt = None,
    input_tokens: Optional[float] = _opt("--input-tokens", "deployment.input_tokens_per_query",
                                         "Prompt tokens per query (not multiplied)"),
    queries_per_day: QueriesOpt = None,
    active_params: ActiveParamsOpt = None,
    days: float = typer.Option(30.0, "--days", help="Length of the period to cost, in days (> 0)."),
    usd_per_million_tokens: Optional[float] = _opt(
        "--usd-per-million-tokens", "deployment.usd_per_million_tokens",
        "Token price, to report money"),
    scenario: ScenarioOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Per-query and per-period cost of an inference multiplier (longer chains of thought)."""
    from rlscale.econ.deployment import deployment_from

    _positive_flags(days=days)
    a = _resolve(scenario, multiplier=multiplier, output_tokens=output_tokens,
                 input_tokens=input_tokens, queries_per_day=queries_per_day,
                 active_params=active_params, usd_per_million_tokens=usd_per_million_tokens)
    res = deployment_from(a, days=days)
    if json_output:
        from rlscale.cli._common import print_json

        return print_json(res)
    rows = [("cost multiplier per query", f"{res['per_query_multiplier']:.4g}", "x"),
            ("tokens per query: before -> after",
             f"{quantity(res['tokens_per_query_before'])} -> "
             f"{quantity(res['tokens_per_query_after'])}", "tokens"),
            ("FLOP per query after", res["flops_per_query_after"], "FLOP"),
            (f"FLOP per {days:g} days: before", res["flops_per_period_before"], "FLOP"),
            (f"FLOP per {days:g} days: after", res["flops_per_period_after"], "FLOP"),
            ("USD per query after", res["usd_per_query_after"], "USD"),
            (f"USD per {days:g} days: before -> after",
             None if res["usd_per_period_after"] is None else
             f"{quantity(res['usd_per_period_before'])} -> "
             f"{quantity(res['usd_per_period_after'])}", "USD")]
    _print("deployment cost of an inference multiplier", rows, res["assumptions"])


def breakeven(
    rl_fraction: RlFractionOpt = None,
    rl_scale: RlScaleOpt = None,
    pretrain_flops: PretrainOpt = None,
    slope_ratio: Optional[float] = typer.Option(None, "--slope-ratio",
        help="RL slope / inference slope (default: the working ratio of the essay's evidence, "
             "fitted from catalog:essay)."),
    output_tokens: OutputTokensOpt = None,
    active_params: ActiveParamsOpt = None,
    queries_per_day: QueriesOpt = None,
    horizon_days: Optional[float] = _opt("--horizon-days", "deployment.horizon_days",
                                         "Deployment horizon in days"),
    scenario: ScenarioOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Train or think longer? One-off RL scale-up vs recurring inference scale-up, same gain."""
    from rlscale.econ.deployment import breakeven_from

    a = _resolve(scenario, rl_fraction=rl_fraction, rl_scale=rl_scale, pretrain_flops=pretrain_flops,
                 slope_ratio=slope_ratio, output_tokens=output_tokens, active_params=active_params,
                 queries_per_day=queries_per_day, horizon_days=horizon_days)
    res = breakeven_from(a)
    if json_output:
        from rlscale.cli._common import print_json

        return print_json(res)
    k, h = a.value("training.rl_scale"), a.value("deployment.horizon_days")
    rows = [("slope ratio (RL / inference)", f"{res['slope_ratio']:.3f}", res["slope_ratio_source"]),
            (f"inference multiplier worth {k:g}x RL", f"{res['inference_multiplier']:.3g}", "x"),
            ("RL scale-up, one-off", res["rl_flops_one_off"], "FLOP"),
            ("inference scale-up, extra per query", res["extra_flops_per_query"], "FLOP"),
            ("break-even volume", res["breakeven_queries"], "queries"),
            ("break-even time at this volume", res["breakeven_days"], "days"),
            (f"break-even volume over {h:g} days", res["breakeven_queries_per_day"], "queries/day"),
            ("cheaper at this volume and horizon", ROUTE[res["cheaper"]], "")]
    extra = _table(f"cheaper route over {h:g} days, by volume",
                   ("queries/day", "inference FLOP over horizon", "RL FLOP (one-off)", "cheaper"),
                   [(quantity(row["queries_per_day"]), quantity(row["inference_flops_over_horizon"]),
                     quantity(res["rl_flops_one_off"]), ROUTE[row["cheaper"]])
                    for row in res["by_volume"]])
    _print("break-even: train (RL) or think longer (inference)?", rows, res["assumptions"], extra)


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
    world_twh: Optional[float] = _opt("--world-twh", "electricity.world_twh_per_year",
                                      "World electricity generation, TWh per year"),
    scenario: ScenarioOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """FLOPs -> GPU-hours, GPUs x time, energy, years of world electricity, datacenters."""
    from rlscale.econ.physical import translate_from

    _positive_flags(flops=flops, days=days, gpus=gpus, datacenter_gpus=datacenter_gpus)
    a = _resolve(scenario, profile=profile, peak_flops=peak_flops, watts=watts,
                 utilisation=utilisation, pue=pue, world_twh=world_twh)
    res = translate_from(a, flops, days=days, gpus=gpus, datacenter_gpus=datacenter_gpus)
    if json_output:
        from rlscale.cli._common import print_json

        return print_json(res)
    rows = [("compute", res["flops"], "FLOP"), ("GPU-hours", res["gpu_hours"], "GPU-hours"),
            ("GPU-years", res["gpu_years"], "GPU-years"),
            ("GPUs needed", res["gpus"], f"over {quantity(res['days'])} days" if days else "GPUs"),
            ("run length", res["days"], f"days on {quantity(gpus)} GPUs" if gpus else "days"),
            ("datacenters", res["datacenters"], f"of {quantity(datacenter_gpus)} GPUs"),
            ("facility energy", res["energy_twh"], "TWh"),
            ("share of one year's world electricity", res["world_electricity_share"], "fraction"),
            ("years of world electricity", res["world_electricity_years"], "years")]
    _print("physical translation", rows, res["assumptions"])


def information(
    episode_tokens: Optional[float] = _opt("--episode-tokens", "information.episode_tokens",
                                           "Tokens per RL episode T"),
    bits_per_token: Optional[float] = _opt("--bits-per-token", "information.bits_per_token",
                                           "Bits of signal per pre-training token b"),
    reward_bits: Optional[float] = _opt("--reward-bits", "information.reward_bits",
                                        "Bits per RL episode H"),
    success_rate: Optional[float] = typer.Option(None, "--success-rate",
        help="Set H to the entropy of a pass/fail reward at this success rate, in (0, 1)."),
    scenario: ScenarioOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Bits of learning signal per FLOP: next-token prediction vs RL with a scalar reward."""
    from rlscale.cli._common import check_float
    from rlscale.econ.information import binary_entropy, information_from
    from rlscale.errors import RlscaleError

    if success_rate is not None:
        if reward_bits is not None:
            raise RlscaleError("give --reward-bits or --success-rate, not both")
        check_float("--success-rate", success_rate, 0.0, 1.0, lo_open=True, hi_open=True)
        reward_bits = binary_entropy(success_rate)
    a = _resolve(scenario, episode_tokens=episode_tokens, bits_per_token=bits_per_token,
                 reward_bits=reward_bits)
    doc = information_from(a)
    if json_output:
        from rlscale.cli._common import print_json

        return print_json(doc)
    ratio = doc["ratio"]
    rows = [("next-token prediction: bits per FLOP x N", doc["next_token_bits_per_param_flop"],
             "bits (b / 6)"),
            ("RL episode: bits per FLOP x N", doc["rl_bits_per_param_flop"], "bits (H / 8T)"),
            ("RL / next-token information per FLOP", ratio, f"= 1 / {quantity(1 / ratio)}"),
            ("below the essay's 1/10,000?", "yes" if ratio < 1e-4 else "no", ""),
            ("episode length where it crosses 1/10,000",
             doc["episode_tokens_for_one_ten_thousandth"], "tokens")]
    _print("information per FLOP (N = active parameters, cancels in the ratio)", rows,
           doc["assumptions"])


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
            "(no default)" if item.value is None else quantity(item.value))
        line = Text(printable(f"{key} = {value}"))  # Text: no markup; printable: no controls
        line.append(printable(f"   # {item.unit}; tag {item.tag}; {item.source}"), style="dim")
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
            out.print(Text(f"{sec}.{k} = {quantity(float(v['value']))} {v['unit']} (tag {v['tag']})"))
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
