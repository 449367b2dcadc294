"""Claims 1-6 of the ledger: slope ratio and exchange rates, via fit -> compare -> exchange."""

from __future__ import annotations

import math

from rlscale.econ.assumptions import Assumptions
from rlscale.econ.claims import (DEPENDS, HALF_OOM, NOT_REPRODUCED, POWER_OF_TEN, REPRODUCED,
                                 Claim, _fmt, _used, nearest_fraction, within_decades)
from rlscale.econ.evidence import CHECK_INFERENCE_CURVE, INFERENCE_CURVE, SlopeEvidence


def _within(ok: bool) -> str:
    return "within" if ok else "outside"


def _ci_note(ev: SlopeEvidence) -> str:
    if ev.ci_available:
        lo, hi = ev.ratio_cis["o1-rl"]
        return f" The analysis core's 95% bootstrap interval for the o1 ratio is [{lo:.3f}, {hi:.3f}]."
    return (" The essay's curves are two stated endpoints each, so the slopes are exact and the "
            "analysis core gives no confidence interval (NaN CI, with a warning).")


def _evidence_assumption(ev: SlopeEvidence) -> dict:
    return {"name": "exchange.slope_ratio", "value": ev.working_ratio,
            "unit": "RL slope / inference slope", "tag": "D", "source": ev.working_source,
            "citation": "fit loglinear -> compare, catalog:essay (essay's stated endpoints)",
            "range": [min(ev.ratios.values()), max(ev.ratios.values())]}


def slope_claims(a: Assumptions, ev: SlopeEvidence) -> list[Claim]:
    """Claims 1-6."""
    import rlscale

    s_rl, s_o3, s_inf = ev.slopes["o1-rl"], ev.slopes["o1-o3-rl"], ev.slopes[INFERENCE_CURVE]
    r_o1, r_o3, r = ev.ratios["o1-rl"], ev.ratios["o1-o3-rl"], ev.working_ratio
    inf_gain = ev.gain(INFERENCE_CURVE)            # 0.60 over 100x
    inf_span = ev.spans[INFERENCE_CURVE]           # 2 decades
    ev_assumption = _evidence_assumption(ev)
    out = []

    # 1 -- slope ratio (o1 chart endpoints)
    near = nearest_fraction(r_o1)
    out.append(Claim(
        "slope-ratio", 1,
        "the slope of the RL-scaling graph ... is almost exactly half that of the slope of the "
        "inference-scaling graph", 0.5, "half", r_o1, "RL slope / inference slope",
        REPRODUCED if near == 0.5 else NOT_REPRODUCED,
        f"Fitting the o1 endpoints (loglinear, catalog:essay): RL {s_rl:.3f}/decade "
        f"(0.33->0.66 over 100x), inference {s_inf:.3f}/decade (0.20->0.80 over 100x); ratio "
        f"{r_o1:.3f}, {abs(r_o1 / 0.5 - 1):.0%} off one half, nearest simple fraction "
        f"{near:.3g}. RL needs 1/{r_o1:.2f} = {1 / r_o1:.2f}x the orders of magnitude ('twice'). "
        f"Cross-checks: the o1->o3 RL curve gives {r_o3:.3f}; the Sonnet 3.7 inference curve "
        f"has slope {ev.slopes[CHECK_INFERENCE_CURVE]:.3f}/decade, the same as o1's."
        + _ci_note(ev),
        "simple fraction: nearest of 1/4, 1/3, 1/2, 2/3, 3/4 must be 1/2, i.e. ratio in "
        "[0.417, 0.583]", [dict(ev_assumption, name="o1 endpoints", value=r_o1, range=None,
                                source="catalog:essay o1-rl vs o1-inference")]))

    # 2 -- 20 -> 80 by RL needs ~10,000x (o1 RL slope)
    need = float(rlscale.exchange(10 ** inf_span, ratio=r_o1, from_="inference", to="rl"))
    ok = within_decades(need, 1e4, 0.5)
    out.append(Claim(
        "rl-10000x-for-20-to-80", 2,
        "Increasing the RL training compute by 100x ... only improved performance from about 33% "
        "to 66%. At that rate, going from 20 to 80 would require scaling up the RL training "
        "compute by 10,000x.", 1e4, "~10,000x", need, "x RL compute",
        REPRODUCED if ok else NOT_REPRODUCED,
        f"The o1 inference fit gains {inf_gain:.2f} over 100x; at the o1 RL slope "
        f"({s_rl:.3f}/decade) that gain takes {inf_gain / s_rl:.2f} decades of RL = "
        f"{_fmt(need)}x (rlscale.exchange(100, ratio={r_o1:.3f}, inference -> rl)). The essay "
        f"rounds the ratio to 1/2, which gives exactly 4 decades; unrounded it is "
        f"{math.log10(need):.2f} decades, {_within(ok)} the power-of-ten rounding of '10,000x'.",
        POWER_OF_TEN, [dict(ev_assumption, name="o1 RL slope ratio", value=r_o1, range=None,
                            source="catalog:essay o1-rl vs o1-inference")]))

    # 3 -- o1 -> o3 chart: 4 OOM, 26 -> 88, confirms the 10,000x rule
    need3 = float(rlscale.exchange(10 ** inf_span, ratio=r_o3, from_="inference", to="rl"))
    ok = within_decades(need3, 1e4, 0.5)
    out.append(Claim(
        "o3-confirms-10000x", 3,
        "scaling up the RL-training by 4 orders of magnitude takes the model from about 26% to "
        "88%. This provides some confirmation for the rule-of-thumb that a 10,000x scale-up ... "
        "is required to improve this benchmark performance from 20 to 80.", 1e4, "~10,000x",
        need3, "x RL compute", REPRODUCED if ok else NOT_REPRODUCED,
        f"The o1->o3 RL curve gains {ev.gain('o1-o3-rl'):.2f} over {ev.spans['o1-o3-rl']:.0f} "
        f"decades = {s_o3:.3f}/decade; a 0.60 gain then needs {inf_gain / s_o3:.2f} decades = "
        f"{_fmt(need3)}x, {_within(ok)} the power-of-ten rounding of 10,000x. (The benchmark is another "
        "version of AIME, so only the slope is compared.)", POWER_OF_TEN,
        [dict(ev_assumption, name="o1->o3 RL slope ratio", value=r_o3, range=None,
              source="catalog:essay o1-o3-rl vs o1-inference")]))

    # 4 -- 10x RL ~ 3x inference; 10,000x RL ~ 100x inference
    x10 = float(rlscale.exchange(10, ratio=r, from_="rl", to="inference"))
    x1e4 = float(rlscale.exchange(1e4, ratio=r, from_="rl", to="inference"))
    ok = within_decades(x10, 3, 0.25) and within_decades(x1e4, 100, 0.25)
    o1_10, o1_1e4 = 10 ** r_o1, 10 ** (4 * r_o1)
    out.append(Claim(
        "exchange-rate", 4,
        "a 10x scaling of RL is required to get the same performance boost as a 3x scaling of "
        "inference / a 10,000x scaling of RL is required to get the same performance boost as a "
        "100x scaling of inference", 3.0,
        "3x (and 100x)", x10, "x inference per 10x RL",
        REPRODUCED if ok else NOT_REPRODUCED,
        f"rlscale.exchange with the working ratio {r:.3f} ({ev.working_source}): 10x RL = "
        f"{x10:.2f}x inference, 10,000x RL = {x1e4:.0f}x inference "
        f"({'both within' if ok else 'not both within'} a quarter decade of 3x and 100x). With the "
        f"o1 endpoints alone ({r_o1:.2f}): {o1_10:.2f}x and {o1_1e4:.0f}x.",
        HALF_OOM + " (both halves of the claim)",
        [ev_assumption]))

    # 5 -- o3 (10x RL of o1) worth ~half an OOM (~3x) of inference tokens
    oom = math.log10(x10)
    ok = within_decades(x10, 10 ** 0.5, 0.25)
    out.append(Claim(
        "o3-worth-half-oom", 5,
        "Given that o3 used about 10x as much RL training as o1, we'd expect the RL boost ... to "
        "be worth about the same as ... half an order of magnitude more inference (~3x as many "
        "tokens).", 0.5, "~0.5 OOM (~3x)", oom, "inference OOM per 10x RL",
        REPRODUCED if ok else NOT_REPRODUCED,
        f"10x RL at the working ratio {r:.3f} is worth {oom:.2f} OOM = {x10:.2f}x inference "
        f"tokens (o1 endpoints alone: {r_o1:.2f} OOM). rlscale checks the expectation only: the "
        "essay's observation that OpenAI's o1-vs-o3 and o3-vs-GPT-5 token charts match it cannot "
        "be recomputed, because those charts state no numbers.", HALF_OOM,
        [ev_assumption, *_used(a, "training.rl_scale")]))

    # 6 -- ~1,000,000x RL ~ one GPT-level jump (100x pre-training)
    gpt = a.value("exchange.gpt_jump_pretrain_scale")
    pio = a.value("exchange.pretrain_inference_oom")
    lo_pio, hi_pio = a["exchange.pretrain_inference_oom"].range
    rl6 = float(rlscale.exchange(gpt, ratio=r, from_="pretrain", to="rl", pretrain_inference_oom=pio))
    o1_6 = float(rlscale.exchange(gpt, ratio=r_o1, from_="pretrain", to="rl",
                                  pretrain_inference_oom=pio))
    lo6 = float(rlscale.exchange(gpt, ratio=r, from_="pretrain", to="rl",
                                 pretrain_inference_oom=lo_pio))
    hi6 = float(rlscale.exchange(gpt, ratio=r, from_="pretrain", to="rl",
                                 pretrain_inference_oom=hi_pio))
    ok = within_decades(rl6, 1e6, 0.5)
    o1_note = ("also within" if within_decades(o1_6, 1e6, 0.5) else
               f"{abs(math.log10(o1_6) - 6):.2f} decades short, just outside the tolerance")
    out.append(Claim(
        "gpt-jump-1e6-rl", 6,
        "this implies we need something like a 1,000,000x scale-up of total RL compute to give a "
        "boost similar to a GPT level", 1e6, "~1,000,000x", rl6, "x RL compute",
        REPRODUCED if ok else (DEPENDS if within_decades(hi6, 1e6, 0.5) or
                               within_decades(lo6, 1e6, 0.5) else NOT_REPRODUCED),
        f"A GPT jump = {gpt:g}x pre-training = {math.log10(gpt) * pio:.1f} inference OOM "
        f"({pio:g} inference OOM per pre-training OOM, Jones 2021 / Epoch 2023) = "
        f"{math.log10(gpt) * pio / r:.2f} RL OOM at the working ratio {r:.3f}: {_fmt(rl6)}x "
        f"(rlscale.exchange({gpt:g}, pretrain -> rl)), {_within(ok)} the power-of-ten rounding "
        f"of 1,000,000x. With the o1 endpoints alone (ratio {r_o1:.2f}) the chain gives "
        f"{_fmt(o1_6)}x, {o1_note}; the essay takes its 'twice as many orders of magnitude' from "
        f"o1 and o3 together. Epoch's 1-2 inference OOM per training OOM spans {_fmt(lo6)}x to "
        f"{_fmt(hi6)}x.", POWER_OF_TEN,
        [ev_assumption, *_used(a, "exchange.gpt_jump_pretrain_scale",
                               "exchange.pretrain_inference_oom")],
        sensitivity={"assumption": "exchange.pretrain_inference_oom", "low": lo_pio,
                     "high": hi_pio, "computed_low": lo6, "computed_high": hi6,
                     "o1_only_ratio": r_o1, "computed_o1_only": o1_6}))
    return out
