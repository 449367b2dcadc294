"""Claims 12, 13, 15 and 16 of the ledger: datacenters, electricity, information, pre-training."""

from __future__ import annotations

import itertools
import math

from rlscale.econ.assumptions import Assumptions, constant, hardware_profiles
from rlscale.econ.claims import (DEPENDS, NOT_REPRODUCED, POWER_OF_TEN, REPRODUCED, Claim,
                                 _digits, _fmt, _published, _used, within_decades, within_digits)
from rlscale.econ.evidence import SlopeEvidence
from rlscale.econ.information import episode_tokens_for_ratio, information_ratio
from rlscale.econ.physical import fleet_scaleup, run_days_for_years


def _fleet(a: Assumptions, **over) -> dict:
    kw = dict(gpus=a.value("grok4.gpus"), multiplier=a.value("grok4.compute_multiplier"),
              run_days=a.value("grok4.run_days"), watts=a.value("hardware.watts"),
              pue=a.value("hardware.pue"), world_twh_per_year=a.value("electricity.world_twh_per_year"),
              datacenter_gpus=a.value("grok4.datacenter_gpus"))
    kw.update(over)
    return fleet_scaleup(**kw)


def _span(a: Assumptions, key: str) -> str:
    lo, hi = a[key].range
    return f"{lo:g}-{hi:g}"


def physical_claims(a: Assumptions, ev: SlopeEvidence) -> list[Claim]:
    """Claims 12, 13, 15 and 16."""
    import rlscale

    out = []
    gpus, mult = a.value("grok4.gpus"), a.value("grok4.compute_multiplier")

    # 12 -- 1,000,000x Grok 4 = every GPU replaced by 5 datacenters of the same size
    dc = _fleet(a)["datacenters_per_original_gpu"]
    chain = float(rlscale.exchange(a.value("exchange.gpt_jump_pretrain_scale"),
                                   ratio=ev.working_ratio, from_="pretrain", to="rl",
                                   pretrain_inference_oom=a.value("exchange.pretrain_inference_oom")))
    speed_b200 = hardware_profiles()["B200"].peak_flops / a.value("hardware.peak_flops")
    b200 = _fleet(a, speedup=speed_b200)["datacenters_per_original_gpu"]
    dc_chain = _fleet(a, multiplier=chain)["datacenters_per_original_gpu"]
    ok = within_digits(dc, 5, 1)
    out.append(Claim(
        "grok4-datacenters", 12,
        "it would require replacing every GPU in their datacenter with 5 entirely new datacenters "
        "of the same size", 5.0, "5 per GPU", dc, "datacenters per Grok 4 GPU",
        REPRODUCED if ok else DEPENDS,
        f"{_fmt(mult)}x the compute on the same GPU type over the same run length needs "
        f"{_fmt(mult)}x the GPUs: {gpus:,.0f} x {_fmt(mult)} = {_fmt(gpus * mult)} GPUs, i.e. "
        f"{dc:.2f} datacenters "
        f"of {a.value('grok4.datacenter_gpus'):,.0f} GPUs per original GPU. Sensitivity: on B200s "
        f"({speed_b200:.2f}x the dense BF16 FLOP/s) {b200:.2f}; with the claim-6 chain's "
        f"multiplier ({_fmt(chain)}x instead of 1,000,000x) {dc_chain:.2f}; a run k times longer "
        "divides the count by k.", _digits(1),
        _used(a, "grok4.gpus", "grok4.compute_multiplier", "grok4.datacenter_gpus",
              "hardware.peak_flops"),
        sensitivity={"b200": b200, "chain_multiplier": chain, "chain_datacenters": dc_chain}))

    # 13 -- ... and 5 years of the world's electricity
    fl = _fleet(a)
    years = fl["world_electricity_years"]
    keys = ("grok4.run_days", "hardware.watts", "hardware.pue")
    grid = [_fleet(a, run_days=d, watts=w, pue=p)["world_electricity_years"]
            for d, w, p in itertools.product(*(a[k].range for k in keys))]
    lo, hi = min(grid), max(grid)
    world = a.value("electricity.world_twh_per_year")
    implied = run_days_for_years(5.0, gpus, mult, watts=a.value("hardware.watts"),
                                 pue=a.value("hardware.pue"), world_twh_per_year=world)
    implied_pue1 = run_days_for_years(5.0, gpus, mult, watts=a.value("hardware.watts"), pue=1.0,
                                      world_twh_per_year=world)
    ok = within_digits(years, 5, 1)
    verdict = REPRODUCED if ok and lo >= 4.5 and hi <= 5.5 else (
        DEPENDS if lo <= 5.5 and hi >= 4.5 else NOT_REPRODUCED)
    out.append(Claim(
        "grok4-electricity", 13,
        "then using 5 years worth of the entire world's electricity production to train the model",
        5.0, "5 years", years, "years of world electricity generation", verdict,
        f"The essay does not state Grok 4's run length, power per GPU or PUE. Energy = "
        f"{_fmt(gpus * mult)} GPUs x {a.value('grok4.run_days'):g} days x "
        f"{a.value('hardware.watts'):g} W x PUE {a.value('hardware.pue'):g} = "
        f"{fl['energy_twh']:,.0f} TWh = {years:.1f} years of {world:,.0f} TWh/yr. The essay's 5 "
        f"years implies a Grok 4 run of {implied:.0f} days at these watts and PUE "
        f"({implied_pue1:.0f} days at PUE 1). Over run lengths of {_span(a, 'grok4.run_days')} "
        f"days, {_span(a, 'hardware.watts')} W per GPU and PUE {_span(a, 'hardware.pue')} it spans "
        f"{lo:.1f} to {hi:.0f} years"
        + (": every combination needs years of world output, but the '5' depends on the inputs."
           if lo >= 1 else ", so even the order of magnitude depends on the inputs."), _digits(1),
        _used(a, "grok4.gpus", "grok4.compute_multiplier", "grok4.run_days", "hardware.watts",
              "hardware.pue", "electricity.world_twh_per_year"),
        reproduces_at={"assumption": "grok4.run_days", "value": implied},
        sensitivity={"assumptions": list(keys), "computed_low": lo, "computed_high": hi}))

    # 15 -- RL gets < 1/10,000 the information per FLOP of next-token prediction
    H, T, b = (a.value(f"information.{k}") for k in ("reward_bits", "episode_tokens",
                                                      "bits_per_token"))
    ratio = information_ratio(reward_bits=H, episode_tokens=T, bits_per_token=b)
    (t_lo, t_hi), (b_lo, b_hi) = a["information.episode_tokens"].range, \
        a["information.bits_per_token"].range
    lo15 = information_ratio(reward_bits=H, episode_tokens=t_hi, bits_per_token=b_hi)
    hi15 = information_ratio(reward_bits=H, episode_tokens=t_lo, bits_per_token=b_lo)
    t_need = episode_tokens_for_ratio(1e-4, reward_bits=H, bits_per_token=b)
    t_need_hi = episode_tokens_for_ratio(1e-4, reward_bits=H, bits_per_token=b_hi)
    holds = ratio < 1e-4
    verdict = REPRODUCED if hi15 < 1e-4 else (DEPENDS if lo15 < 1e-4 else NOT_REPRODUCED)
    out.append(Claim(
        "information-per-flop", 15,
        "(compared to next-token-prediction) receives less than a ten-thousandth as much "
        "information to learn from per FLOP of training compute", 1e-4, "< 1/10,000", ratio,
        "RL bits per FLOP / next-token bits per FLOP", verdict,
        f"Next-token prediction: {b:g} bit(s) per token for 6N FLOP; RL: at most {H:g} bit per "
        f"episode of {T:,.0f} tokens for (2+6)N FLOP per token (sample, then train). Ratio "
        f"6H/(8bT) = {ratio:.1e}, which {'is' if holds else 'is not'} below 1e-4. It holds for "
        f"episodes longer than {t_need:,.0f} tokens at {b:g} bit/token ({t_need_hi:,.0f} tokens at "
        f"{b_hi:g} bits/token); over T in [{t_lo:,.0f}, {t_hi:,.0f}] and b in [{b_lo:g}, {b_hi:g}] "
        f"the ratio spans {lo15:.1e} to {hi15:.1e}. A constant efficiency penalty shifts the RL "
        "curve but does not by itself explain a shallower slope (J. Hilton's comment).",
        "inequality: computed < 1e-4",
        _used(a, "information.reward_bits", "information.episode_tokens",
              "information.bits_per_token"),
        reproduces_at={"assumption": "information.episode_tokens", "value": t_need,
                       "note": "the claim holds for any longer episode"},
        sensitivity={"computed_low": lo15, "computed_high": hi15}))

    # 16 -- pre-training ~1e25 FLOP for frontier models
    llama = constant("published.llama31_405b_pretrain_flops")
    gpt4 = constant("published.gpt4_pretrain_flops")
    ok_llama, ok_gpt4 = within_decades(llama, 1e25, 0.5), within_decades(gpt4, 1e25, 0.5)
    verdict = REPRODUCED if ok_llama and ok_gpt4 else (DEPENDS if ok_llama or ok_gpt4
                                                       else NOT_REPRODUCED)
    out.append(Claim(
        "pretrain-1e25", 16,
        "it is widely believed that even the 10,000x RL-scaling we saw for o3's training still "
        "ended up using much less compute than the ~10^25 FLOP spent on pre-training", 1e25,
        "~1e25 FLOP", llama, "FLOP", verdict,
        f"The frontier labs have not published the pre-training compute of their 2024-25 "
        f"models. The one lab-stated figure of that class, Llama 3.1 405B, is {_fmt(llama)} FLOP "
        f"({math.log10(llama / 1e25):+.2f} decades from "
        f"1e25{'' if ok_llama else ', just past the power-of-ten rounding'}); Epoch AI's GPT-4 "
        f"estimate is {_fmt(gpt4)} ({math.log10(gpt4 / 1e25):+.2f} decades"
        f"{', within' if ok_gpt4 else ''}). Either way the essay's use of the figure, that o3's "
        "RL was still small next to pre-training, does not hinge on the exact exponent.",
        POWER_OF_TEN,
        [_published("published.llama31_405b_pretrain_flops"),
         _published("published.gpt4_pretrain_flops"), *_used(a, "training.pretrain_flops")],
        sensitivity={"llama31_405b": llama, "gpt4_epoch": gpt4}))
    return out
