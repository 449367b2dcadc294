"""Claims 7-11 and 14 of the ledger: training-cost multipliers and deployment cost."""

from __future__ import annotations

import math

from rlscale.econ.assumptions import Assumptions
from rlscale.econ.claims import (DEPENDS, HALF_OOM, NOT_REPRODUCED, POWER_OF_TEN, REPRODUCED,
                                 Claim, _digits, _fmt, _used, within_decades, within_digits)
from rlscale.econ.deployment import per_query_multiplier
from rlscale.econ.evidence import SlopeEvidence
from rlscale.econ.training import path_multiplier, training_multiplier


def training_claims(a: Assumptions, ev: SlopeEvidence) -> list[Claim]:
    """Claims 7, 8, 9, 10, 11 and 14."""
    out = []

    # 7 -- first reasoning models: total training ~1.01x the base model
    r_first = a.value("training.first_reasoning_rl_fraction")
    lo, hi = a["training.first_reasoning_rl_fraction"].range
    total7 = 1.0 + r_first
    ok = within_digits(total7, 1.01, 0.01)
    out.append(Claim(
        "first-rl-1.01x", 7,
        "they were trained with a very small amount of RL compute compared to the compute used in "
        "pre-training, meaning that the total cost of training was something like 1.01x higher "
        "than the base-model", 1.01, "~1.01x", total7, "x base-model training compute",
        REPRODUCED if ok else DEPENDS,
        f"Total training = 1 + r (r = RL compute / pre-training compute). No lab has published r "
        f"for o1; the one published first-generation figure, DeepSeek-R1-Zero (r = 3.75%), gives "
        f"{total7:.4f}x. The essay's 1.01x is reproduced at r = 1%; over r in [{lo:g}, {hi:g}] the "
        f"total is {1 + lo:.3f}x to {1 + hi:.4f}x. Either way training cost barely moves, which is "
        "the essay's point (against a ~30x deployment cost).", _digits(0.01),
        _used(a, "training.first_reasoning_rl_fraction"),
        reproduces_at={"assumption": "training.first_reasoning_rl_fraction", "value": 0.01},
        sensitivity={"assumption": "training.first_reasoning_rl_fraction", "low": lo, "high": hi,
                     "computed_low": 1 + lo, "computed_high": 1 + hi}))

    # 8 -- 10x RL from 1.01x to 1.1x total costs a 1.1x scale-up
    r0, k = a.value("training.rl_fraction"), a.value("training.rl_scale")
    m8 = training_multiplier(r0, k)
    ok = within_digits(m8, 1.1, 0.1)
    out.append(Claim(
        "o1-o3-1.1x", 8,
        "if the 10x scaling of RL compute from o1 to o3 took them from a total of 1.01x the "
        "pre-training compute to 1.1x, then the 10x scale-up came at the price of a 1.1x scale-up "
        "in overall training costs", 1.1, "1.1x", m8, "x total training compute",
        REPRODUCED if ok else NOT_REPRODUCED,
        f"(1 + k r)/(1 + r) with r = {r0:g} (the essay's premise: total 1.01x) and k = {k:g}: "
        f"{1 + k * r0:.3f}/{1 + r0:.3f} = {m8:.3f}x, which {'rounds' if ok else 'does not round'} to the essay's 1.1x. "
        f"(`rlscale cost training --rl-fraction {r0:g} --rl-scale {k:g}`.)", _digits(0.1),
        _used(a, "training.rl_fraction", "training.rl_scale")))

    # 9 -- at parity, a further 10x RL -> 5.5x total; beyond that ~10x
    r_par = a.value("grok4.rl_fraction")
    steps = path_multiplier(r_par, 2, k)
    m9, m9b = steps[0].step_multiplier, steps[1].step_multiplier
    next_ok = within_decades(m9b, 10, 0.25)
    ok = within_digits(m9, 5.5, 0.1) and next_ok
    out.append(Claim(
        "parity-5.5x", 9,
        "Scaling RL by another 10x beyond this point increases the total training compute by "
        "5.5x, and beyond that it is basically the full 10x increase to all training costs", 5.5,
        "5.5x, then ~10x", m9, "x total training compute",
        REPRODUCED if ok else NOT_REPRODUCED,
        f"With RL at {r_par:g}x pre-training (the essay's reading of the Grok 4 slide): "
        f"(1 + {k:g}*{r_par:g})/(1 + {r_par:g}) = {m9:.3f}x; the next 10x costs {m9b:.2f}x "
        f"('basically the full 10x': {'within' if next_ok else 'not within'} a quarter decade).",
        _digits(0.1) + "; next step " + HALF_OOM, _used(a, "grok4.rl_fraction", "training.rl_scale")))

    # 10 -- ~1,000,000x RL so far at <= 2x total training cost
    so_far = a.value("grok4.compute_multiplier")
    r_start = r_par / so_far
    cum = training_multiplier(r_start, so_far)          # telescoped path, any multiplier
    n_steps = max(1, round(math.log10(so_far))) if so_far > 1 else 1
    path = path_multiplier(r_start, n_steps, so_far ** (1.0 / n_steps))
    ok = cum <= 2.0 + 0.05
    out.append(Claim(
        "1e6-so-far-2x", 10,
        "we've already seen something like a 1,000,000x scale-up in RL training and it required "
        "<=2x the total training cost", 2.0, "<= 2x", cum, "x total training compute",
        REPRODUCED if ok else NOT_REPRODUCED,
        f"A path of {n_steps} successive {so_far ** (1.0 / n_steps):.3g}x RL steps ending at RL = "
        f"{r_par:g}x pre-training starts at r = {r_start:.0e}; its total-training multiplier "
        f"telescopes to (1 + {r_par:g})/(1 + {r_start:.0e}) = {cum:.4f}x "
        f"{'<=' if ok else '>'} 2x. Step costs: "
        + ", ".join(f"{s.step_multiplier:.6g}x" for s in path)
        + ". The 1,000,000x 'so far' itself is the essay's estimate; labs have not published "
        "RL compute, so rlscale checks only the cost arithmetic.",
        "inequality: computed <= 2 (+0.05 for the stated digit)",
        _used(a, "grok4.rl_fraction", "grok4.compute_multiplier")))

    # 11 -- the next 1,000,000x would need ~1,000,000x the total training cost
    m11 = training_multiplier(r_par, so_far)
    ok = within_decades(m11, 1e6, 0.5)
    out.append(Claim(
        "next-1e6-cost", 11,
        "the next 1,000,000x scale-up would require 1,000,000x the total training cost", 1e6,
        "1,000,000x", m11, "x total training compute", REPRODUCED if ok else NOT_REPRODUCED,
        f"From RL at {r_par:g}x pre-training, (1 + {_fmt(so_far)} x {r_par:g})/(1 + {r_par:g}) = "
        f"{_fmt(m11)}x today's total ({_fmt(1 + so_far * r_par)}x the pre-training compute alone). "
        f"It is {_fmt(m11)}x, a factor {1e6 / m11:.1f} below the essay's figure, "
        f"{'within' if ok else 'outside'} power-of-ten rounding.", POWER_OF_TEN, _used(a, "grok4.rl_fraction",
                                                     "grok4.compute_multiplier")))

    # 14 -- 30x longer chains of thought => 30x deployment cost per query
    m = a.value("deployment.inference_multiplier")
    out_tok = a.value("deployment.output_tokens_per_query")
    in_tok = a.value("deployment.input_tokens_per_query")
    lo_in, hi_in = a["deployment.input_tokens_per_query"].range
    m14 = per_query_multiplier(m, out_tok, in_tok)
    hi14 = per_query_multiplier(m, out_tok, lo_in)
    lo14 = per_query_multiplier(m, out_tok, hi_in)
    ok = within_digits(m14, 30, 1)
    out.append(Claim(
        "cot-30x-cost", 14,
        "if most of the headline performance results require 30x as much inference compute, then "
        "the costs of deploying the those capabilities is 30x higher", 30.0, "30x", m14,
        "x cost per query", REPRODUCED if ok else DEPENDS,
        f"Per-query cost (i + m o)/(i + o) with m = {m:g}, o = {out_tok:g} generated and "
        f"i = {in_tok:g} prompt tokens: {m14:.1f}x. Exact when cost is proportional to generated "
        f"tokens; a prompt (not lengthened) dilutes it: with {hi_in:g} prompt tokens it is "
        f"{lo14:.1f}x. Attention cost that grows with context length (not modelled) pushes the "
        "other way.", _digits(1),
        _used(a, "deployment.inference_multiplier", "deployment.output_tokens_per_query",
              "deployment.input_tokens_per_query"),
        reproduces_at={"assumption": "deployment.input_tokens_per_query", "value": 0},
        sensitivity={"assumption": "deployment.input_tokens_per_query", "low": lo_in,
                     "high": hi_in, "computed_low": hi14, "computed_high": lo14}))
    return out
