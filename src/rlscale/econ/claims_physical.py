"""Claims 12, 13, 15 and 16 of the ledger: datacenters, electricity, information, pre-training."""

from __future__ import annotations

import math

from rlscale.econ.assumptions import hardware_profiles
from rlscale.econ.claims_base import (Context, Result, below, claim, decades, digits,
                                      span_text, sweep)
from rlscale.econ.claims_slopes import gpt_jump_rl, ratio_assumption
from rlscale.econ.information import episode_tokens_for_ratio, information_ratio
from rlscale.econ.physical import fleet_scaleup, run_days_for_years
from rlscale.econ.training import training_multiplier
from rlscale.fmt import readable

FLEET_KEYS = ("grok4.run_days", "hardware.watts", "hardware.pue")
#: The GPU type Grok 4's 200,000 GPUs are counted in (rlscale's default profile: the essay does
#: not name it). A scenario's other profile builds the new fleet from faster or slower GPUs.
BASE_PROFILE = "H100"


def _fleet(cx: Context, **over) -> dict:
    kw = dict(gpus=cx.value("grok4.gpus"), multiplier=cx.value("grok4.compute_multiplier"),
              run_days=cx.value("grok4.run_days"), watts=cx.value("hardware.watts"),
              pue=cx.value("hardware.pue"),
              world_twh_per_year=cx.value("electricity.world_twh_per_year"),
              datacenter_gpus=cx.value("grok4.datacenter_gpus"))
    kw.update(over)
    return fleet_scaleup(**kw)


def _chain_total(cx: Context, ratio: float, pio: float) -> float:
    """Total-training multiplier of the claim-6 chain: its RL multiplier, at the essay's RL share."""
    rl = gpt_jump_rl(cx.value("exchange.gpt_jump_pretrain_scale"), ratio, pio)
    return training_multiplier(cx.value("grok4.rl_fraction"), rl)


@claim(number=12, id="grok4-datacenters", title="Grok 4 x 1e6: 5 datacenters per GPU",
       quote="it would require replacing every GPU in their datacenter with 5 entirely new "
             "datacenters of the same size",
       essay_value=5.0, essay_text="5 per GPU", unit="datacenters per Grok 4 GPU",
       short_unit=" per GPU", tolerance=digits(5, 1),
       rule="Identity given the essay's premises (1,000,000x the total training compute, "
            "200,000 GPUs, datacenters 'of the same size', i.e. the same GPUs and run length): no "
            "input is unstated, so 'depends on assumptions' cannot arise; a scenario multiplier "
            "or datacenter size can make it not reproduced. Whether 1,000,000x is what the "
            "scaling chain gives is claim 6's question; the sensitivity shows it.")
def datacenters(cx: Context) -> Result:
    mult, gpus = cx.value("grok4.compute_multiplier"), cx.value("grok4.gpus")
    dc = _fleet(cx)["datacenters_per_original_gpu"]
    speed = hardware_profiles()["B200"].peak_flops / cx.value("hardware.peak_flops")
    b200 = _fleet(cx, speedup=speed)["datacenters_per_original_gpu"]
    ev, pio = cx.ev, cx.value("exchange.pretrain_inference_oom")
    total = _chain_total(cx, ev.working_ratio, pio)
    rl_chain = gpt_jump_rl(cx.value("exchange.gpt_jump_pretrain_scale"), ev.working_ratio, pio)
    dc_chain = _fleet(cx, multiplier=total)["datacenters_per_original_gpu"]
    t_lo, t_hi = sweep(lambda r, p: _chain_total(cx, r, p),
                       r=sorted({*ev.working_range, ev.working_ratio}),
                       p=cx.points("exchange.pretrain_inference_oom"))
    per = _fleet(cx, multiplier=1.0)["datacenters_per_original_gpu"]   # per 1x of compute
    return Result(dc, [(dc, dc)],
                  f"{readable(mult)}x the compute on the same GPU type over the same run length needs "
                  f"{readable(mult)}x the GPUs: {gpus:,.0f} x {readable(mult)} = {readable(gpus * mult)} GPUs, i.e. "
                  f"{dc:.2f} datacenters of {cx.value('grok4.datacenter_gpus'):,.0f} GPUs per "
                  f"original GPU. Sensitivity: on B200s ({speed:.2f}x the dense BF16 FLOP/s) "
                  f"{b200:.2f}; the claim-6 chain gives {readable(rl_chain)}x "
                  f"RL, which at RL = {cx.value('grok4.rl_fraction'):g}x pre-training is "
                  f"{readable(total)}x the total ({dc_chain:.2f} datacenters per GPU; "
                  f"{per * t_lo:.2g} to {per * t_hi:.3g} over the supported ratios and 1-2 "
                  "inference OOM per training OOM); a run k times longer divides the count by k.",
                  cx.used("grok4.gpus", "grok4.compute_multiplier", "grok4.datacenter_gpus",
                          "hardware.peak_flops"),
                  sensitivity={"b200": b200, "chain_total_multiplier": total,
                               "chain_datacenters": dc_chain,
                               "chain_datacenters_low": per * t_lo,
                               "chain_datacenters_high": per * t_hi,
                               "slope_ratio": ratio_assumption(ev)})


@claim(number=13, id="grok4-electricity", title="... and 5 years of world electricity",
       quote="then using 5 years worth of the entire world's electricity production to train "
             "the model",
       essay_value=5.0, essay_text="5 years", unit="years of world electricity generation",
       short_unit=" years", tolerance=digits(5, 1),
       rule="Swept (unstated by the essay): Grok 4's run length, power per GPU and PUE over "
            "their plausible ranges; the 1,000,000x and 200,000 GPUs are the essay's premises.")
def electricity(cx: Context) -> Result:
    speed = cx.value("hardware.peak_flops") / hardware_profiles()[BASE_PROFILE].peak_flops
    fl = _fleet(cx, speedup=speed)
    years = fl["world_electricity_years"]
    lo, hi = sweep(lambda d, w, p: _fleet(cx, run_days=d, watts=w, pue=p,
                                          speedup=speed)["world_electricity_years"],
                   d=cx.points("grok4.run_days"), w=cx.points("hardware.watts"),
                   p=cx.points("hardware.pue"))
    gpus, mult = cx.value("grok4.gpus"), cx.value("grok4.compute_multiplier")
    world, watts, pue = (cx.value(k) for k in ("electricity.world_twh_per_year", "hardware.watts",
                                               "hardware.pue"))
    implied, implied1 = (run_days_for_years(5.0, gpus, mult, watts=watts, pue=p, speedup=speed,
                                            world_twh_per_year=world) for p in (pue, 1.0))
    swept = [k for k in FLEET_KEYS if cx.swept(k)]
    ranges = "; ".join(f"{k} {cx.points(k)[0]:g}-{cx.points(k)[-1]:g}" for k in swept)
    tail = (f"Over {ranges} it spans {lo:.1f} to {hi:.1f} years" +
            (": every combination needs years of world output." if lo >= 1 else ".")
            if swept else "Run length, watts and PUE are all set by the user: nothing is swept.")
    return Result(years, [(lo, hi)],
                  f"The essay does not state Grok 4's run length, power per GPU or PUE. Energy = "
                  f"{readable(fl['gpus_needed'])} {cx.a.profile().name} GPUs ({speed:.2f}x the FLOP/s of the "
                  f"{BASE_PROFILE}s Grok 4 is counted in) x {cx.value('grok4.run_days'):g} days x "
                  f"{watts:g} W x PUE {pue:g} = {fl['energy_twh']:,.0f} TWh = {years:.1f} years of "
                  f"{world:,.0f} TWh/yr. The essay's 5 years implies a Grok 4 run of {implied:.0f} "
                  f"days at these watts and PUE ({implied1:.0f} days at PUE 1). " + tail,
                  cx.used("grok4.gpus", "grok4.compute_multiplier", *FLEET_KEYS,
                          "electricity.world_twh_per_year"),
                  reproduces_at={"assumption": "grok4.run_days", "value": implied},
                  sensitivity={"assumptions": list(FLEET_KEYS), "computed_low": lo,
                               "computed_high": hi})


@claim(number=15, id="information-per-flop", title="RL: < 1/10,000 the information per FLOP",
       quote="(compared to next-token-prediction) receives less than a ten-thousandth as much "
             "information to learn from per FLOP of training compute",
       essay_value=1e-4, essay_text="< 1/10,000", unit="RL bits per FLOP / next-token bits per FLOP",
       short_unit="", tolerance=below(1e-4, "inequality: computed < 1e-4"),
       rule="Swept (unstated by the essay): RL episode length and bits of signal per pre-training "
            "token over their plausible ranges; the 1 bit per pass/fail reward is its maximum.")
def information(cx: Context) -> Result:
    H, T, b = (cx.value(f"information.{k}") for k in ("reward_bits", "episode_tokens",
                                                       "bits_per_token"))
    ratio = information_ratio(reward_bits=H, episode_tokens=T, bits_per_token=b)
    lo, hi = sweep(lambda t, bb: information_ratio(reward_bits=H, episode_tokens=t,
                                                   bits_per_token=bb),
                   t=cx.points("information.episode_tokens"),
                   bb=cx.points("information.bits_per_token"))
    t_need = episode_tokens_for_ratio(1e-4, reward_bits=H, bits_per_token=b)
    return Result(ratio, [(lo, hi)],
                  f"Next-token prediction: {b:g} bit(s) per token for 6N FLOP; RL: at most {H:g} "
                  f"bit per episode of {T:,.0f} tokens for (2+6)N FLOP per token (sample, then "
                  f"train). Ratio 6H/(8bT) = {ratio:.1e}; it is below 1e-4 for episodes longer "
                  f"than {t_need:,.0f} tokens at {b:g} bit/token. Over the swept episode lengths "
                  f"and bits per token it spans {lo:.1e} to {hi:.1e}. A constant efficiency "
                  "penalty shifts the RL curve but does not by itself explain a shallower slope "
                  "(J. Hilton's comment).",
                  cx.used("information.reward_bits", "information.episode_tokens",
                          "information.bits_per_token"),
                  reproduces_at={"assumption": "information.episode_tokens", "value": t_need,
                                 "note": "the claim holds for any longer episode"},
                  sensitivity={"computed_low": lo, "computed_high": hi})


PRETRAIN_POINTS = ("published.llama31_405b_pretrain_flops", "published.gpt4_pretrain_flops")


@claim(number=16, id="pretrain-1e25", title="Frontier pre-training ~1e25 FLOP",
       quote="it is widely believed that even the 10,000x RL-scaling we saw for o3's training "
             "still ended up using much less compute than the ~10^25 FLOP spent on pre-training",
       essay_value=1e25, essay_text="~1e25 FLOP", unit="FLOP", short_unit=" FLOP",
       tolerance=decades(1e25, 0.5),
       rule="Swept: frontier pre-training compute (unpublished by the frontier labs) over the "
            "published figures of that class: Llama 3.1 405B (lab-stated) and Epoch AI's GPT-4 "
            "estimate.")
def pretrain(cx: Context) -> Result:
    llama, gpt4 = (cx.published[k] for k in PRETRAIN_POINTS)
    lo, hi = min(llama, gpt4), max(llama, gpt4)
    return Result(llama, [(lo, hi)],
                  f"The frontier labs have not published the pre-training compute of their 2024-25 "
                  f"models. The one lab-stated figure of that class, Llama 3.1 405B, is "
                  f"{readable(llama)} FLOP ({math.log10(llama / 1e25):+.2f} decades from 1e25); Epoch "
                  f"AI's GPT-4 estimate is {readable(gpt4)} ({math.log10(gpt4 / 1e25):+.2f} decades). "
                  "The essay's use of the figure, that o3's RL was still small next to "
                  "pre-training, does not hinge on the exact exponent.",
                  [_published(cx, k) for k in PRETRAIN_POINTS] + cx.used("training.pretrain_flops"),
                  sensitivity={"llama31_405b": llama, "gpt4_epoch": gpt4,
                               "range": span_text(lo, hi, " FLOP")})


def _published(cx: Context, name: str) -> dict:
    """A published reference point of defaults.toml, in the shape of an assumption."""
    from rlscale.econ.assumptions import citation, load_data

    section, _, key = name.partition(".")
    rec = load_data()[section][key]
    return {"name": name, "value": cx.published[name], "unit": rec["unit"], "tag": rec["tag"],
            "citation": citation(name), "source": "published (defaults.toml)", "range": None}
