"""Model FLOPs utilisation of a lab training step against this machine's measured matmul peak.

Peak: the median FLOP/s of ``torch.mm`` on two large fp32 matrices (2 n^3 FLOPs per product),
at the same thread count, sampled alternately with the training steps. MFU (Chowdhery et al. 2022, arXiv:2204.02311, Appendix B): the
model FLOPs a training step needs by the formulas of :mod:`rlscale.lab.flops` (forward + backward,
exact causal attention, no padding) divided by the step's wall time and by that peak. An AdamW
update is part of the timed step (its FLOPs are not counted, as in PaLM's MFU).

The model shapes are the lab presets' (depth 1 = quick, depth 2 = default, depth 4 for scale) on
pre-training batches of worked solutions (64 sequences of ~40 characters).

Run::

    .venv/bin/python benchmarks/bench_mfu.py                 # threads 1 and 2, 7 repeats
    .venv/bin/python benchmarks/bench_mfu.py --threads 2 --json mfu.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

MATMUL_N = 2048
CASES = [  # (depth, batch, sequence length)
    (1, 64, 40),
    (2, 64, 40),
    (4, 64, 40),
]
VOCAB = 18


def _matmul_sample(a, b, out) -> float:
    """FLOP/s of one n x n fp32 torch.mm."""
    import torch

    start = time.perf_counter()
    torch.mm(a, b, out=out)
    return 2 * a.shape[0] ** 3 / (time.perf_counter() - start)


def measure(depth: int, batch: int, seq_len: int, threads: int, repeats: int, n: int = MATMUL_N) -> dict:
    """Interleave matmul-peak samples and training steps; medians of both and their ratio (MFU).

    Interleaving matters on a shared machine: the peak is sampled next to each step, so both see
    the same contention.
    """
    import torch

    from rlscale.lab import flops
    from rlscale.lab.model import ModelConfig, Policy

    torch.set_num_threads(threads)
    g = torch.Generator().manual_seed(0)
    a, b, out = torch.randn(n, n, generator=g), torch.randn(n, n, generator=g), torch.empty(n, n)
    cfg = ModelConfig.from_size(depth, vocab_size=VOCAB, max_seq_len=seq_len + 1)
    model = Policy(cfg, seed=0)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    idx = torch.randint(0, VOCAB, (batch, seq_len + 1), generator=g)

    def step():
        logits = model(idx[:, :-1])
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, VOCAB), idx[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    step()                                                    # warm-up (allocates optimiser state)
    _matmul_sample(a, b, out)
    peaks, times = [], []
    for _ in range(repeats):
        peaks.append(_matmul_sample(a, b, out))
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    model_flops = flops.sequence_train_flops(cfg, [seq_len] * batch)
    seconds, peak = statistics.median(times), statistics.median(peaks)
    return {"depth": depth, "n_embd": cfg.n_embd, "n_params": cfg.n_params(), "batch": batch,
            "seq_len": seq_len, "threads": threads, "step_s": seconds, "model_flops": model_flops,
            "model_flops_per_s": model_flops / seconds, "peak_flops": peak, "peak_best_flops": max(peaks),
            "mfu": model_flops / seconds / peak}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    import torch

    rows = [measure(depth, batch, seq_len, t, args.repeats) for t in args.threads
            for depth, batch, seq_len in CASES]
    print(f"torch {torch.__version__}; fp32; median of {args.repeats} interleaved repeats; "
          f"peak = {MATMUL_N}x{MATMUL_N} torch.mm\n")
    print("| threads | depth (width) | params | batch x seq | step | model FLOP/s | matmul peak | MFU |")
    print("| ---: | --- | ---: | --- | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r['threads']} | {r['depth']} ({r['n_embd']}) | {r['n_params'] / 1e6:.2f}M | "
              f"{r['batch']} x {r['seq_len']} | {r['step_s'] * 1e3:.0f} ms | "
              f"{r['model_flops_per_s'] / 1e9:.1f} GFLOP/s | {r['peak_flops'] / 1e9:.1f} GFLOP/s | "
              f"{100 * r['mfu']:.0f}% |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"torch": torch.__version__, "steps": rows}, f, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
