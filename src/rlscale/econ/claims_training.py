"""Claims 7-11 and 14 of the ledger: training-cost multipliers and deployment cost.

Claims 8-11 are arithmetic on the essay's own premises (it states r and k), so no input of theirs
is swept and "depends on assumptions" cannot arise; claims 7 and 14 have an unstated input.
"""

from __future__ import annotations

import math

from rlscale.econ.claims_base import (Context, Result, at_most, claim, decades, digits,
                                      span_text, sweep)
from rlscale.econ.deployment import per_query_multiplier
from rlscale.econ.training import path_multiplier, training_multiplier
from rlscale.fmt import readable

IDENTITY = ("Identity given the essay's premises ({premises}): no input is unstated, so "
            "'depends on assumptions' cannot arise; a scenario that changes a premise can make "
            "it not reproduced.")


@claim(number=7, id="first-rl-1.01x", title="First reasoning models: ~1.01x training",
       quote="they were trained with a very small amount of RL compute compared to the compute "
             "used in pre-training, meaning that the total cost of training was something like "
             "1.01x higher than the base-model",
       essay_value=1.01, essay_text="~1.01x", unit="x base-model training compute",
       tolerance=digits(1.01, 0.01),
       rule="Swept: training.first_reasoning_rl_fraction (unstated: no lab published o1's RL "
            "share) over 0.1% to DeepSeek-R1-Zero's published 3.75%.")
def first_rl(cx: Context) -> Result:
    key = "training.first_reasoning_rl_fraction"
    r = cx.value(key)
    lo, hi = sweep(lambda x: 1 + x, x=cx.points(key))
    rng = cx.a[key].range
    return Result(1 + r, [(lo, hi)],
                  f"Total training = 1 + r (r = RL compute / pre-training compute). No lab has "
                  f"published r for o1; the one published first-generation figure, "
                  f"DeepSeek-R1-Zero (r = 3.75%), gives 1.0375x. At r = {r:g}: {1 + r:.4f}x; over "
                  f"the swept r it is {lo:.4f}x to {hi:.4f}x, and 1.01x needs r in [0.5%, 1.5%]. "
                  "Either way training cost barely moves, which is the essay's point (against a "
                  "~30x deployment cost).", cx.used(key),
                  reproduces_at={"assumption": key, "low": 0.005, "high": 0.015},
                  sensitivity={"assumption": key, "low": rng[0] if rng else r,
                               "high": rng[1] if rng else r, "computed_low": lo,
                               "computed_high": hi})


@claim(number=8, id="o1-o3-1.1x", title="10x RL from 1.01x -> a 1.1x training bill",
       quote="if the 10x scaling of RL compute from o1 to o3 took them from a total of 1.01x the "
             "pre-training compute to 1.1x, then the 10x scale-up came at the price of a 1.1x "
             "scale-up in overall training costs",
       essay_value=1.1, essay_text="1.1x", unit="x total training compute",
       tolerance=digits(1.1, 0.1), rule=IDENTITY.format(premises="r = 1%, k = 10"))
def o1_o3(cx: Context) -> Result:
    r0, k = cx.value("training.rl_fraction"), cx.value("training.rl_scale")
    m = training_multiplier(r0, k)
    return Result(m, [(m, m)],
                  f"(1 + k r)/(1 + r) with r = {r0:g} (the essay's premise: total 1.01x) and "
                  f"k = {k:g}: {1 + k * r0:.3f}/{1 + r0:.3f} = {m:.3f}x. (`rlscale cost training "
                  f"--rl-fraction {r0:g} --rl-scale {k:g}`.)",
                  cx.used("training.rl_fraction", "training.rl_scale"))


@claim(number=9, id="parity-5.5x", title="At RL/pre-training parity 10x RL -> 5.5x",
       quote="Scaling RL by another 10x beyond this point increases the total training compute "
             "by 5.5x, and beyond that it is basically the full 10x increase to all training costs",
       essay_value=5.5, essay_text="5.5x, then ~10x", unit="x total training compute",
       tolerance=(digits(5.5, 0.1), decades(10, 0.25)),
       rule=IDENTITY.format(premises="RL = pre-training, k = 10") + " Both steps must hold.")
def parity(cx: Context) -> Result:
    r, k = cx.value("grok4.rl_fraction"), cx.value("training.rl_scale")
    steps = path_multiplier(r, 2, k)
    m, nxt = steps[0].step_multiplier, steps[1].step_multiplier
    return Result(m, [(m, m), (nxt, nxt)],
                  f"With RL at {r:g}x pre-training (the essay's reading of the Grok 4 slide): "
                  f"(1 + {k:g}*{r:g})/(1 + {r:g}) = {m:.3f}x; the next 10x costs {nxt:.2f}x "
                  "('basically the full 10x', judged on the half-OOM grid).",
                  cx.used("grok4.rl_fraction", "training.rl_scale"))


@claim(number=10, id="1e6-so-far-2x", title="1,000,000x RL so far for <= 2x the bill",
       quote="we've already seen something like a 1,000,000x scale-up in RL training and it "
             "required <=2x the total training cost",
       essay_value=2.0, essay_text="<= 2x", unit="x total training compute",
       tolerance=at_most(2.05, "inequality: computed <= 2 (+0.05 for the stated digit)"),
       rule=IDENTITY.format(premises="1,000,000x so far, ending at RL = pre-training"))
def so_far(cx: Context) -> Result:
    r, mult = cx.value("grok4.rl_fraction"), cx.value("grok4.compute_multiplier")
    r_start = r / mult
    cum = training_multiplier(r_start, mult)          # telescoped path, any multiplier
    n = max(1, round(math.log10(mult))) if mult > 1 else 1
    path = path_multiplier(r_start, n, mult ** (1.0 / n))
    return Result(cum, [(cum, cum)],
                  f"A path of {n} successive {mult ** (1.0 / n):.3g}x RL steps ending at RL = "
                  f"{r:g}x pre-training starts at r = {r_start:.0e}; its total-training "
                  f"multiplier telescopes to (1 + {r:g})/(1 + {r_start:.0e}) = {cum:.4f}x. Step "
                  "costs: " + ", ".join(f"{s.step_multiplier:.6g}x" for s in path) +
                  ". The 1,000,000x 'so far' itself is the essay's estimate; labs have not "
                  "published RL compute, so rlscale checks only the cost arithmetic.",
                  cx.used("grok4.rl_fraction", "grok4.compute_multiplier"))


@claim(number=11, id="next-1e6-cost", title="The next 1,000,000x RL -> ~1,000,000x bill",
       quote="the next 1,000,000x scale-up would require 1,000,000x the total training cost",
       essay_value=1e6, essay_text="1,000,000x", unit="x total training compute",
       tolerance=decades(1e6, 0.5),
       rule=IDENTITY.format(premises="1,000,000x more RL from RL = pre-training"))
def next_cost(cx: Context) -> Result:
    r, mult = cx.value("grok4.rl_fraction"), cx.value("grok4.compute_multiplier")
    m = training_multiplier(r, mult)
    return Result(m, [(m, m)],
                  f"From RL at {r:g}x pre-training, (1 + {readable(mult)} x {r:g})/(1 + {r:g}) = "
                  f"{readable(m)}x today's total ({readable(1 + mult * r)}x the pre-training compute alone), "
                  f"a factor {1e6 / m:.1f} below the essay's figure.",
                  cx.used("grok4.rl_fraction", "grok4.compute_multiplier"))


@claim(number=14, id="cot-30x-cost", title="30x longer chains -> 30x cost per query",
       quote="if most of the headline performance results require 30x as much inference "
             "compute, then the costs of deploying the those capabilities is 30x higher",
       essay_value=30.0, essay_text="30x", unit="x cost per query", tolerance=digits(30, 1),
       rule="Swept: deployment.input_tokens_per_query (unstated: the essay prices generated "
            "tokens only) over 0-2,000 prompt tokens; the 30x and the answer length are stated "
            "or fixed.")
def cot_cost(cx: Context) -> Result:
    m = cx.value("deployment.inference_multiplier")
    out_tok = cx.value("deployment.output_tokens_per_query")
    in_tok = cx.value("deployment.input_tokens_per_query")
    m14 = per_query_multiplier(m, out_tok, in_tok)
    lo, hi = sweep(lambda i: per_query_multiplier(m, out_tok, i),
                   i=cx.points("deployment.input_tokens_per_query"))
    i_max = (m - 29.5) * out_tok / 28.5 if m > 29.5 else 0.0   # (i + m o)/(i + o) >= 29.5
    return Result(m14, [(lo, hi)],
                  f"Per-query cost (i + m o)/(i + o) with m = {m:g}, o = {out_tok:g} generated and "
                  f"i = {in_tok:g} prompt tokens: {m14:.1f}x; over the swept prompts "
                  f"{span_text(lo, hi)}. Exact only when cost is proportional to generated tokens: "
                  f"the 30x holds up to {i_max:.0f} prompt tokens. Attention cost that grows with "
                  "context length (not modelled) pushes the other way.",
                  cx.used("deployment.inference_multiplier", "deployment.output_tokens_per_query",
                          "deployment.input_tokens_per_query"),
                  reproduces_at={"assumption": "deployment.input_tokens_per_query", "low": 0.0,
                                 "high": i_max},
                  sensitivity={"assumption": "deployment.input_tokens_per_query",
                               "computed_low": lo, "computed_high": hi})
