"""Claims 1-6 of the ledger: slope ratio and exchange rates, via fit -> compare -> exchange.

Claims 1-3 read one chart each (the o1 or the o1->o3 RL curve against o1 inference). Claims 4-6
are downstream: they use THE working ratio of :class:`~rlscale.econ.evidence.SlopeEvidence`
(``ev.working_ratio``, the pooled o1 + o1->o3 evidence) and are judged over every ratio that
evidence supports (``ev.working_range``).
"""

from __future__ import annotations

import math

from rlscale.econ.claims_base import (Context, Result, Tolerance, claim, decades, fraction,
                                      span_text, sweep)
from rlscale.econ.evidence import CHECK_INFERENCE_CURVE, INFERENCE_CURVE, SlopeEvidence
from rlscale.fmt import readable

CHART_RULE = ("Input: the {chart} chart's endpoints as the essay states them, fitted by the "
              "analysis core. Swept: the ratio's 95% bootstrap interval where the core gives one; "
              "the essay's two-point curves have none, so with them the verdict is reproduced or "
              "not reproduced, and 'depends on assumptions' needs data with an interval.")
DOWNSTREAM_RULE = ("Swept: the working slope ratio over every ratio the essay's own evidence "
                   "supports (ev.working_range: the o1 and o1->o3 ratios and their intervals; a "
                   "scenario's exchange.slope_ratio fixes it){extra}.")


def _chart_points(ev: SlopeEvidence, curve: str) -> list[float]:
    lo, hi = ev.ratio_cis[curve]
    pts = [ev.ratios[curve]] + [x for x in (lo, hi) if math.isfinite(x)]
    return sorted(set(pts))


def _ratio_points(ev: SlopeEvidence) -> list[float]:
    return sorted({ev.working_range[0], ev.working_ratio, ev.working_range[1]})


def _ci_note(ev: SlopeEvidence) -> str:
    if ev.ci_available:
        lo, hi = ev.ratio_cis["o1-rl"]
        return f" The analysis core's 95% bootstrap interval for the o1 ratio is [{lo:.3f}, {hi:.3f}]."
    return (" The essay's curves are two stated endpoints each, so the slopes are exact and the "
            "analysis core gives no confidence interval (NaN CI, with a warning).")


def _chart_assumption(ev: SlopeEvidence, curve: str, name: str) -> dict:
    lo, hi = ev.ratio_cis[curve]
    return {"name": name, "value": ev.ratios[curve], "unit": "RL slope / inference slope",
            "tag": "D", "source": f"catalog:essay {curve} vs {INFERENCE_CURVE}",
            "citation": "fit -> compare, catalog:essay (essay's stated endpoints)",
            "range": [lo, hi] if math.isfinite(lo) else None}


def ratio_assumption(ev: SlopeEvidence) -> dict:
    """THE working ratio as an assumption record (value, source, supported range)."""
    return {"name": "exchange.slope_ratio", "value": ev.working_ratio,
            "unit": "RL slope / inference slope", "tag": "D", "source": ev.working_source,
            "citation": "fit -> compare, catalog:essay (essay's stated endpoints)",
            "range": list(ev.working_range), "range_source": ev.range_source}


def _rl_needed(gain_decades: float, ratio: float) -> float:
    import rlscale

    return float(rlscale.exchange(10 ** gain_decades, ratio=ratio, from_="inference", to="rl"))


def _inference_worth(rl_factor: float, ratio: float) -> float:
    import rlscale

    return float(rlscale.exchange(rl_factor, ratio=ratio, from_="rl", to="inference"))


def gpt_jump_rl(gpt: float, ratio: float, pio: float) -> float:
    """RL multiplier worth ``gpt``x pre-training (pre-training -> inference -> RL, the core)."""
    import rlscale

    return float(rlscale.exchange(gpt, ratio=ratio, from_="pretrain", to="rl",
                                  pretrain_inference_oom=pio))


@claim(number=1, id="slope-ratio", title="RL slope is about half the inference slope",
       quote="the slope of the RL-scaling graph ... is almost exactly half that of the slope of "
             "the inference-scaling graph",
       essay_value=0.5, essay_text="half", unit="RL slope / inference slope", short_unit="",
       tolerance=fraction(0.5), rule=CHART_RULE.format(chart="o1"))
def slope_ratio(cx: Context) -> Result:
    ev = cx.ev
    r, pts = ev.ratios["o1-rl"], _chart_points(ev, "o1-rl")
    near = min((1 / 4, 1 / 3, 1 / 2, 2 / 3, 3 / 4), key=lambda f: abs(r - f))
    return Result(r, [(min(pts), max(pts))],
                  f"Fitting the o1 endpoints (loglinear, catalog:essay): RL "
                  f"{ev.slopes['o1-rl']:.3f}/decade (0.33->0.66 over 100x), inference "
                  f"{ev.slopes[INFERENCE_CURVE]:.3f}/decade (0.20->0.80 over 100x); ratio {r:.3f}, "
                  f"{abs(r / 0.5 - 1):.0%} off one half, nearest simple fraction {near:.3g}. RL "
                  f"needs 1/{r:.2f} = {1 / r:.2f}x the orders of magnitude ('twice'). Cross-checks: "
                  f"the o1->o3 RL curve gives {ev.ratios['o1-o3-rl']:.3f}; the Sonnet 3.7 inference "
                  f"curve has slope {ev.slopes[CHECK_INFERENCE_CURVE]:.3f}/decade, the same as "
                  f"o1's." + _ci_note(ev),
                  [_chart_assumption(ev, "o1-rl", "o1 endpoints")])


@claim(number=2, id="rl-10000x-for-20-to-80", title="20% -> 80% by RL needs ~10,000x",
       quote="Increasing the RL training compute by 100x ... only improved performance from about "
             "33% to 66%. At that rate, going from 20 to 80 would require scaling up the RL "
             "training compute by 10,000x.",
       essay_value=1e4, essay_text="~10,000x", unit="x RL compute", tolerance=decades(1e4, 0.5),
       rule=CHART_RULE.format(chart="o1"))
def rl_for_20_to_80(cx: Context) -> Result:
    ev = cx.ev
    r, span = ev.ratios["o1-rl"], ev.spans[INFERENCE_CURVE]
    need = _rl_needed(span, r)
    lo, hi = sweep(lambda ratio: _rl_needed(span, ratio), ratio=_chart_points(ev, "o1-rl"))
    return Result(need, [(lo, hi)],
                  f"The o1 inference fit gains {ev.gain(INFERENCE_CURVE):.2f} over 100x; at the o1 "
                  f"RL slope ({ev.slopes['o1-rl']:.3f}/decade) that gain takes "
                  f"{ev.gain(INFERENCE_CURVE) / ev.slopes['o1-rl']:.2f} decades of RL = "
                  f"{readable(need)}x (rlscale.exchange(100, ratio={r:.3f}, inference -> rl)). The essay "
                  f"rounds the ratio to 1/2, which gives exactly 4 decades; unrounded it is "
                  f"{math.log10(need):.2f} decades ({span_text(lo, hi)} over the ratio's interval).",
                  [_chart_assumption(ev, "o1-rl", "o1 RL slope ratio")])


@claim(number=3, id="o3-confirms-10000x", title="o1 -> o3: 4 OOM of RL, 26% -> 88%",
       quote="scaling up the RL-training by 4 orders of magnitude takes the model from about 26% "
             "to 88%. This provides some confirmation for the rule-of-thumb that a 10,000x "
             "scale-up ... is required to improve this benchmark performance from 20 to 80.",
       essay_value=1e4, essay_text="~10,000x", unit="x RL compute", tolerance=decades(1e4, 0.5),
       rule=CHART_RULE.format(chart="o1->o3"))
def o3_confirms(cx: Context) -> Result:
    ev = cx.ev
    r, span = ev.ratios["o1-o3-rl"], ev.spans[INFERENCE_CURVE]
    need = _rl_needed(span, r)
    lo, hi = sweep(lambda ratio: _rl_needed(span, ratio), ratio=_chart_points(ev, "o1-o3-rl"))
    return Result(need, [(lo, hi)],
                  f"The o1->o3 RL curve gains {ev.gain('o1-o3-rl'):.2f} over "
                  f"{ev.spans['o1-o3-rl']:.0f} decades = {ev.slopes['o1-o3-rl']:.3f}/decade; a "
                  f"{ev.gain(INFERENCE_CURVE):.2f} gain then needs "
                  f"{ev.gain(INFERENCE_CURVE) / ev.slopes['o1-o3-rl']:.2f} decades = {readable(need)}x "
                  f"({span_text(lo, hi)} over the ratio's interval). (The benchmark is another "
                  "version of AIME, so only the slope is compared.)",
                  [_chart_assumption(ev, "o1-o3-rl", "o1->o3 RL slope ratio")])


@claim(number=4, id="exchange-rate", title="10x RL ~ 3x inference; 10,000x RL ~ 100x",
       quote="a 10x scaling of RL is required to get the same performance boost as a 3x scaling "
             "of inference / a 10,000x scaling of RL is required to get the same performance "
             "boost as a 100x scaling of inference",
       essay_value=3.0, essay_text="3x (and 100x)", unit="x inference per 10x RL",
       tolerance=(decades(3, 0.25), decades(100, 0.25)),
       rule=DOWNSTREAM_RULE.format(extra="; both halves must hold"))
def exchange_rate(cx: Context) -> Result:
    ev, pts = cx.ev, _ratio_points(cx.ev)
    x10, x1e4 = _inference_worth(10, ev.working_ratio), _inference_worth(1e4, ev.working_ratio)
    s10 = sweep(lambda r: _inference_worth(10, r), r=pts)
    s1e4 = sweep(lambda r: _inference_worth(1e4, r), r=pts)
    return Result(x10, [s10, s1e4],
                  f"rlscale.exchange with the working ratio {ev.working_ratio:.3f} "
                  f"({ev.working_source}): 10x RL = {x10:.2f}x inference, 10,000x RL = "
                  f"{x1e4:.0f}x inference. Over the supported ratios "
                  f"[{pts[0]:.3f}, {pts[-1]:.3f}]: {span_text(*s10)} and {span_text(*s1e4)}.",
                  [ratio_assumption(ev)])


@claim(number=5, id="o3-worth-half-oom", title="o3's 10x RL ~ half an OOM of inference",
       quote="Given that o3 used about 10x as much RL training as o1, we'd expect the RL boost "
             "... to be worth about the same as ... half an order of magnitude more inference "
             "(~3x as many tokens).",
       essay_value=0.5, essay_text="~0.5 OOM (~3x)", unit="inference OOM per 10x RL",
       short_unit=" OOM",
       tolerance=Tolerance(0.25, 0.75, "half-OOM grid: within 0.25 decades of half an OOM"),
       rule=DOWNSTREAM_RULE.format(extra="; the 10x is the essay's o1 -> o3 figure"))
def o3_worth_half_oom(cx: Context) -> Result:
    ev, pts = cx.ev, _ratio_points(cx.ev)
    k = cx.value("training.rl_scale")
    oom = math.log10(_inference_worth(k, ev.working_ratio))
    lo, hi = sweep(lambda r: math.log10(_inference_worth(k, r)), r=pts)
    return Result(oom, [(lo, hi)],
                  f"{k:g}x RL at the working ratio {ev.working_ratio:.3f} is worth {oom:.2f} OOM = "
                  f"{10 ** oom:.2f}x inference tokens ({lo:.2f} to {hi:.2f} OOM over the supported "
                  "ratios). rlscale checks the expectation only: the essay's observation that "
                  "OpenAI's o1-vs-o3 and o3-vs-GPT-5 token charts match it cannot be recomputed, "
                  "because those charts state no numbers.",
                  [ratio_assumption(ev), *cx.used("training.rl_scale")])


@claim(number=6, id="gpt-jump-1e6-rl", title="A GPT-level jump needs ~1,000,000x RL",
       quote="this implies we need something like a 1,000,000x scale-up of total RL compute to "
             "give a boost similar to a GPT level",
       essay_value=1e6, essay_text="~1,000,000x", unit="x RL compute", tolerance=decades(1e6, 0.5),
       rule=DOWNSTREAM_RULE.format(extra=" and exchange.pretrain_inference_oom (the essay's 1.5) "
                                         "over Epoch AI's 1-2; the 100x per GPT jump is stated"))
def gpt_jump(cx: Context) -> Result:
    ev = cx.ev
    gpt, pio = cx.value("exchange.gpt_jump_pretrain_scale"), cx.value("exchange.pretrain_inference_oom")
    r = ev.working_ratio
    rl6 = gpt_jump_rl(gpt, r, pio)
    lo, hi = sweep(lambda ratio, p: gpt_jump_rl(gpt, ratio, p), ratio=_ratio_points(ev),
                   p=cx.points("exchange.pretrain_inference_oom"))
    o1 = gpt_jump_rl(gpt, ev.ratios["o1-rl"], pio)
    jones = cx.published["published.jones2021_inference_oom_per_train_oom"]
    at_jones = gpt_jump_rl(gpt, r, jones)
    pio_lo, pio_hi = (5.5 * r / math.log10(gpt), 6.5 * r / math.log10(gpt))
    return Result(rl6, [(lo, hi)],
                  f"A GPT jump = {gpt:g}x pre-training = {math.log10(gpt) * pio:.1f} inference OOM "
                  f"(the essay's premise of {pio:g} inference OOM per pre-training OOM) = "
                  f"{math.log10(gpt) * pio / r:.2f} RL OOM at the working ratio {r:.3f}: "
                  f"{readable(rl6)}x (rlscale.exchange({gpt:g}, pretrain -> rl)). With the o1 ratio "
                  f"alone ({ev.ratios['o1-rl']:.2f}) it is {readable(o1)}x; with Jones 2021's own "
                  f"exchange ({jones:.2f}, '10x train eliminates ~15x test') {readable(at_jones)}x. Over "
                  f"the supported ratios and Epoch's 1-2 inference OOM per training OOM it spans "
                  f"{span_text(lo, hi)}: the ~1,000,000x needs {pio_lo:.2f}-{pio_hi:.2f} inference "
                  f"OOM per training OOM at the working ratio.",
                  [ratio_assumption(ev), *cx.used("exchange.gpt_jump_pretrain_scale",
                                                  "exchange.pretrain_inference_oom")],
                  sensitivity={"assumption": "exchange.pretrain_inference_oom",
                               "computed_low": lo, "computed_high": hi,
                               "o1_only_ratio": ev.ratios["o1-rl"], "computed_o1_only": o1,
                               "jones2021_exchange": jones, "computed_jones2021": at_jones},
                  reproduces_at={"assumption": "exchange.pretrain_inference_oom",
                                 "low": pio_lo, "high": pio_hi,
                                 "note": "at the working ratio"})
