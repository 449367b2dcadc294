"""Sampler throughput: rlscale's KV-cache ``generate`` vs Hugging Face ``LlamaForCausalLM.generate``.

Both run side by side in one process on the same weights (``Policy.to_hf()`` builds a
``LlamaForCausalLM`` from a ``LlamaConfig`` and loads our weights; no download), the same prompts,
the same number of new tokens (no eos, so both produce exactly ``new`` tokens per row), plain
sampling at temperature 1 (HF: ``do_sample=True, top_k=0, top_p=1.0, use_cache=True``). Each
repeat times both, alternating which goes first; we report medians and the ratio of medians.

The cases are the lab presets' shapes: RL rollouts (prompts x ``num_generations`` rows) and
evaluation batches, at depth 1 (quick preset) and depth 2 (default preset).

Run::

    .venv/bin/python benchmarks/bench_sampler.py            # all cases, 5 repeats, 1 thread
    .venv/bin/python benchmarks/bench_sampler.py --repeats 9 --json sampler.json

Needs the ``bench`` extra (transformers).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import warnings

# (name, depth, distinct prompts, copies of each, prompt tokens, new tokens): the lab presets' shapes.
# RL rollouts repeat each prompt num_generations (8) times and evaluation repeats each problem
# samples_per_problem (128) times; both samplers get the same repeated rows (ours prefills each
# distinct prompt once, HF prefills every row).
CASES = [
    ("quick preset, RL rollout", 1, 8, 8, 8, 24),
    ("default preset, RL rollout", 2, 16, 8, 9, 32),
    ("default preset, eval batch", 2, 4, 128, 9, 32),
    ("depth 2, 8 distinct prompts", 2, 8, 1, 9, 32),
]
VOCAB = 18  # the arithmetic task's alphabet (15 characters) + 3 special tokens


def _time_ours(model, prompts, new, seed):
    import torch

    from rlscale.lab.sampling import generate

    start = time.perf_counter()
    gen = generate(model, prompts, max_new_tokens=new, temperature=1.0, eos_id=None,
                   generator=torch.Generator().manual_seed(seed))
    elapsed = time.perf_counter() - start
    assert all(n == new for n in gen.lengths)
    return elapsed


def _time_hf(hf, ids, new, seed):
    import torch

    torch.manual_seed(seed)   # HF samples from the global RNG
    start = time.perf_counter()
    with torch.inference_mode():
        out = hf.generate(ids, attention_mask=torch.ones_like(ids), do_sample=True, max_new_tokens=new,
                          min_new_tokens=new, top_k=0, top_p=1.0, temperature=1.0, use_cache=True,
                          pad_token_id=0)
    elapsed = time.perf_counter() - start
    assert out.shape == (ids.shape[0], ids.shape[1] + new), out.shape
    return elapsed


def run_case(name, depth, distinct, copies, prompt_len, new, repeats):
    """Median seconds of both samplers on one case, plus tokens/s and the ratio."""
    import torch

    from rlscale.lab.model import ModelConfig, Policy

    cfg = ModelConfig.from_size(depth, vocab_size=VOCAB, max_seq_len=prompt_len + new)
    model = Policy(cfg, seed=0).eval()
    hf = model.to_hf()
    hf.generation_config.eos_token_id = None
    ids = torch.randint(3, VOCAB, (distinct, prompt_len), generator=torch.Generator().manual_seed(1))
    ids = ids.repeat_interleave(copies, dim=0)                   # (rows, prompt_len)
    rows = distinct * copies
    prompts = ids.tolist()
    _time_ours(model, prompts, new, 0)          # warm-up both
    _time_hf(hf, ids, new, 0)
    ours, theirs = [], []
    for r in range(repeats):
        if r % 2 == 0:
            ours.append(_time_ours(model, prompts, new, r))
            theirs.append(_time_hf(hf, ids, new, r))
        else:
            theirs.append(_time_hf(hf, ids, new, r))
            ours.append(_time_ours(model, prompts, new, r))
    t_ours, t_hf = statistics.median(ours), statistics.median(theirs)
    tokens = rows * new
    return {"case": name, "depth": depth, "n_embd": cfg.n_embd, "rows": rows, "distinct_prompts": distinct,
            "prompt_len": prompt_len,
            "new_tokens": new, "repeats": repeats, "ours_s": t_ours, "hf_s": t_hf,
            "ours_tok_s": tokens / t_ours, "hf_tok_s": tokens / t_hf, "speedup": t_hf / t_ours}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    try:
        import torch
        import transformers
    except ImportError as err:
        print(f"bench_sampler needs torch and transformers (pip install 'rlscale[lab,bench]'): {err}",
              file=sys.stderr)
        return 2
    warnings.filterwarnings("ignore")
    transformers.logging.set_verbosity_error()
    torch.set_num_threads(args.threads)
    results = [run_case(*case, repeats=args.repeats) for case in CASES]
    print(f"torch {torch.__version__}, transformers {transformers.__version__}, threads {args.threads}, "
          f"median of {args.repeats} interleaved repeats\n")
    print("| case | depth (width) | rows (distinct) x (prompt + new) | rlscale tok/s | HF tok/s | speed-up |")
    print("| --- | --- | --- | ---: | ---: | ---: |")
    for r in results:
        print(f"| {r['case']} | {r['depth']} ({r['n_embd']}) | {r['rows']} ({r['distinct_prompts']}) x "
              f"({r['prompt_len']} + {r['new_tokens']}) | {r['ours_tok_s']:,.0f} | {r['hf_tok_s']:,.0f} | "
              f"{r['speedup']:.1f}x |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"torch": torch.__version__, "transformers": transformers.__version__,
                       "threads": args.threads, "results": results}, f, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
