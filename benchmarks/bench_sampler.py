"""Sampler throughput: rlscale's KV-cache ``generate`` vs Hugging Face ``LlamaForCausalLM.generate``.

rlscale's side runs its prefill in torch and every decode step in one numba-compiled loop
(:mod:`rlscale.lab._decode_numba`); the first, warm-up call of each case loads (or compiles) it.
Both run side by side in one process on the same weights (``Policy.to_hf()`` builds a
``LlamaForCausalLM`` from a ``LlamaConfig`` and loads our weights; no download), the same rows,
the same ``max_new_tokens``, one thread. Each repeat times both, alternating which goes first; we
report the median over repeats of each side's throughput and their ratio, by wall time and by
process CPU time (both sides run one thread, so on a quiet machine the two agree; on a shared one
the CPU-time ratio is less disturbed by other jobs).

Two kinds of case:

* **lab workload** (the number that matters): the weights of a trained lab policy (the last RL
  checkpoint of a ``rlscale lab run``), real task prompts (training problems x ``num_generations``
  for an RL rollout; test problems x samples for an evaluation batch of ``EVAL_BATCH`` rows),
  sampling at the run's temperature and stopping at eos, so completions have their real, varying
  lengths. HF gets ``do_sample=True, top_k=0, top_p=1.0``, the same temperature,
  ``eos_token_id``/``pad_token_id``, ``max_new_tokens`` and ``use_cache=True``; prompts are
  left-padded with an attention mask. Throughput counts, for both sides, only the tokens actually
  produced up to and including each row's eos (HF keeps computing finished rows as padding; ours
  drops them — that is a real engine advantage, but only useful tokens count).
* **fixed length** (kept for transparency): random-init weights, random prompts, no eos, exactly
  ``new`` tokens per row (HF: ``min_new_tokens=new``), temperature 1.

Run::

    .venv/bin/python benchmarks/bench_sampler.py                    # trains a quick run in a temp dir first
    .venv/bin/python benchmarks/bench_sampler.py --run /tmp/benchrun --repeats 7 --json sampler.json

``--run`` takes an existing run directory (``rlscale lab run --preset quick -o /tmp/benchrun``).
Needs the ``bench`` extra (transformers).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

# (name, depth, distinct prompts, copies of each, prompt tokens, new tokens): synthetic fixed-length
# shapes of the lab presets (RL rollouts repeat each prompt num_generations = 8 times, evaluation
# repeats each problem 128 times).
FIXED_CASES = [
    ("fixed: quick-preset rollout shape", 1, 8, 8, 8, 24),
    ("fixed: default-preset rollout shape", 2, 16, 8, 9, 32),
    ("fixed: default-preset eval shape", 2, 4, 128, 9, 32),
    ("fixed: depth 2, 8 distinct prompts", 2, 8, 1, 9, 32),
]
VOCAB = 18  # the arithmetic task's alphabet (15 characters) + 3 special tokens


# ----------------------------------------------------------------------------- timing both sides
def _time_ours(model, prompts, new, temperature, eos, seed):
    import torch

    from rlscale.lab.sampling import generate

    start, cpu = time.perf_counter(), time.process_time()
    gen = generate(model, prompts, max_new_tokens=new, temperature=temperature, top_k=None, eos_id=eos,
                   generator=torch.Generator().manual_seed(seed))
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    if eos is None:
        assert all(n == new for n in gen.lengths)
    return elapsed, cpu, sum(gen.lengths)


def _useful_tokens(new_ids, eos) -> int:
    """Tokens per row up to and including the first eos (all of them if the row never stopped)."""
    if eos is None:
        return new_ids.numel()
    hit = new_ids == eos                                                  # (B, new)
    first = hit.float().argmax(dim=1) + 1                                 # index of the first eos + 1
    return int(first.where(hit.any(dim=1), new_ids.shape[1]).sum())


def _time_hf(hf, ids, mask, new, temperature, eos, pad, seed, *, fixed):
    import torch

    torch.manual_seed(seed)   # HF samples from the global RNG
    kwargs = {"min_new_tokens": new} if fixed else {}
    start, cpu = time.perf_counter(), time.process_time()
    with torch.inference_mode():
        out = hf.generate(ids, attention_mask=mask, do_sample=True, max_new_tokens=new, top_k=0,
                          top_p=1.0, temperature=temperature, use_cache=True, eos_token_id=eos,
                          pad_token_id=pad, **kwargs)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    new_ids = out[:, ids.shape[1]:]
    if fixed:
        assert new_ids.shape == (ids.shape[0], new), new_ids.shape
    return elapsed, cpu, _useful_tokens(new_ids, eos)


def _interleaved(model, hf, prompts, new, temperature, eos, pad, repeats, *, fixed):
    """Medians of time and useful tokens for both sides over interleaved repeats (after a warm-up)."""
    import torch

    width = max(len(p) for p in prompts)
    ids = torch.tensor([[pad] * (width - len(p)) + list(p) for p in prompts])       # left-padded
    mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in prompts])
    ours, theirs = [], []
    run_ours = lambda r: ours.append(_time_ours(model, prompts, new, temperature, eos, 1000 + r))  # noqa: E731
    run_hf = lambda r: theirs.append(_time_hf(hf, ids, mask, new, temperature, eos, pad, 1000 + r,  # noqa: E731
                                              fixed=fixed))
    _time_ours(model, prompts, new, temperature, eos, 0)                            # warm-up both
    _time_hf(hf, ids, mask, new, temperature, eos, pad, 0, fixed=fixed)
    for r in range(repeats):
        first, second = (run_ours, run_hf) if r % 2 == 0 else (run_hf, run_ours)
        first(r)
        second(r)
    # throughput of each repeat (useful tokens / seconds), then the median over repeats; the CPU-time
    # version (process time, both sides single-threaded) is less disturbed by other jobs on the machine
    med = statistics.median
    ours_tps, hf_tps = med(n / t for t, _, n in ours), med(n / t for t, _, n in theirs)
    ours_cpu, hf_cpu = med(n / c for _, c, n in ours), med(n / c for _, c, n in theirs)
    return {"rows": len(prompts), "new_tokens": new, "repeats": repeats,
            "ours_s": med(t for t, _, _ in ours), "hf_s": med(t for t, _, _ in theirs),
            "ours_tokens": med(n for _, _, n in ours), "hf_tokens": med(n for _, _, n in theirs),
            "ours_tok_s": ours_tps, "hf_tok_s": hf_tps, "speedup": ours_tps / hf_tps,
            "ours_tok_cpu_s": ours_cpu, "hf_tok_cpu_s": hf_cpu, "speedup_cpu": ours_cpu / hf_cpu}


# ----------------------------------------------------------------------------- the cases
def fixed_case(name, depth, distinct, copies, prompt_len, new, repeats):
    import torch

    from rlscale.lab.model import ModelConfig, Policy

    cfg = ModelConfig.from_size(depth, vocab_size=VOCAB, max_seq_len=prompt_len + new)
    model = Policy(cfg, seed=0).eval()
    hf = model.to_hf()
    ids = torch.randint(3, VOCAB, (distinct, prompt_len), generator=torch.Generator().manual_seed(1))
    prompts = ids.repeat_interleave(copies, dim=0).tolist()                # (rows, prompt_len)
    res = _interleaved(model, hf, prompts, new, 1.0, None, 0, repeats, fixed=True)
    return {"case": name, "depth": depth, "n_embd": cfg.n_embd, "distinct_prompts": distinct,
            "prompt_len": f"{prompt_len}", **res}


def _make_run() -> Path:
    out = Path(tempfile.mkdtemp(prefix="bench-sampler-")) / "quick"
    print(f"training a quick lab run in {out} ...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "rlscale", "lab", "run", "--preset", "quick", "-o", str(out)],
                   check=True, stdout=subprocess.DEVNULL)
    return out


def lab_cases(run: Path, repeats: int) -> list[dict]:
    """The real workload of a lab run: its last RL checkpoint on its task's prompts."""
    import random

    import torch

    from rlscale.lab.config import config_from_dict
    from rlscale.lab.inference import EVAL_BATCH
    from rlscale.lab.model import ModelConfig, Policy
    from rlscale.lab.rl import derive_seed
    from rlscale.lab.bounds import sequence_lengths as _lengths   # the run's max_new, max_seq_len
    from rlscale.lab.tasks import get_task
    from rlscale.lab.tokenizer import CharTokenizer

    cfg = config_from_dict(json.loads((run / "config.json").read_text()))
    task = get_task(cfg.task.name, cfg.task.difficulty)
    tok = CharTokenizer(task.alphabet)
    max_new, max_seq = _lengths(task, cfg)
    ckpt = sorted((run / "checkpoints").glob("rl-step*.pt"))[-1]
    model = Policy(ModelConfig.from_size(cfg.model.depth, tok.vocab_size, max_seq)).eval()
    model.load_state_dict(torch.load(ckpt, map_location="cpu", weights_only=True)["model"])
    hf = model.to_hf()
    rng = random.Random(f"{cfg.seed}:bench-sampler")
    train = [task.sample("train", rng) for _ in range(cfg.rl.prompts_per_step)]
    rollout = [tok.encode(p.prompt, bos=True) for p in train for _ in range(cfg.rl.num_generations)]
    n = cfg.eval.samples_per_problem
    test = task.problems("test", max(1, EVAL_BATCH // n), seed=derive_seed(cfg.seed, "test-problems"),
                         unique=True)
    evals = [tok.encode(p.prompt, bos=True) for p in test for _ in range(n)]
    out = []
    for name, prompts, temp, distinct in (
            (f"lab {cfg.preset} run: RL rollout", rollout, cfg.rl.temperature, len(train)),
            (f"lab {cfg.preset} run: eval batch", evals, cfg.eval.temperature, len(test))):
        res = _interleaved(model, hf, prompts, max_new, temp, tok.eos_id, tok.pad_id, repeats, fixed=False)
        lens = sorted({len(p) for p in prompts})
        out.append({"case": name, "depth": cfg.model.depth, "n_embd": model.config.n_embd,
                    "distinct_prompts": distinct, "prompt_len": f"{lens[0]}-{lens[-1]}",
                    "checkpoint": ckpt.name, **res})
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--run", help="lab run directory to take weights and task from "
                                      "(default: train a quick run in a temp dir)")
    parser.add_argument("--no-fixed", action="store_true", help="skip the fixed-length cases")
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
    run = Path(args.run) if args.run else _make_run()
    results = lab_cases(run, args.repeats)
    if not args.no_fixed:
        results += [fixed_case(*case, repeats=args.repeats) for case in FIXED_CASES]
    load = os.getloadavg()[0]
    import numba

    print(f"torch {torch.__version__}, transformers {transformers.__version__}, numba {numba.__version__} "
          f"(rlscale's decode loop), threads {args.threads}, "
          f"median of {args.repeats} interleaved repeats, 1-min load average {load:.1f} at the end\n")
    print("| case | depth (width) | rows (distinct) x (prompt + max new) | useful tokens ours / HF "
          "| rlscale tok/s | HF tok/s | speed-up | speed-up (CPU time) |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        print(f"| {r['case']} | {r['depth']} ({r['n_embd']}) | {r['rows']} ({r['distinct_prompts']}) x "
              f"({r['prompt_len']} + {r['new_tokens']}) | {r['ours_tokens']:,.0f} / {r['hf_tokens']:,.0f} | "
              f"{r['ours_tok_s']:,.0f} | {r['hf_tok_s']:,.0f} | {r['speedup']:.1f}x | {r['speedup_cpu']:.1f}x |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"torch": torch.__version__, "transformers": transformers.__version__,
                       "numba": numba.__version__,
                       "threads": args.threads, "load_average": load, "results": results}, f, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
