"""Benchmark: the pre-training axis serial (``pretrain.axis_workers = 0``) against a second
process (``= 1``), whole ``rlscale lab run`` processes side by side, medians and their ratio.

Each repeat runs both settings of the same config (default: the shipped
``examples/lab-pretrain-axis.toml``, the quick preset with 5 axis models; ``--preset`` adds a
preset's axis, e.g. ``thinking-quick``), interleaved so that a change of machine load hits both
alike, into fresh temporary directories, and checks that the two runs wrote the same
``observations.csv`` and ledger. Run::

    .venv/bin/python benchmarks/bench_axis_workers.py                 # 3 repeats
    .venv/bin/python benchmarks/bench_axis_workers.py --preset thinking-quick --repeats 3
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from _timing import time_child  # noqa: E402

EXAMPLE = ROOT / "examples" / "lab-pretrain-axis.toml"


def config_text(preset: str | None, workers: int) -> str:
    """The config of one side: the example (or *preset*) with ``pretrain.axis_workers``."""
    if preset is None:
        return EXAMPLE.read_text() + f"axis_workers = {workers}\n"
    return f'preset = "{preset}"\n[pretrain]\naxis_workers = {workers}\n'


def run_once(workdir: Path, preset: str | None, workers: int, rep: int) -> tuple[float, float, bytes]:
    cfg = workdir / f"w{workers}-r{rep}.toml"
    cfg.write_text(config_text(preset, workers))
    out = workdir / f"w{workers}-r{rep}"
    wall, cpu, proc = time_child([sys.executable, "-m", "rlscale", "lab", "run", "--config",
                                  str(cfg), "-o", str(out)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"axis_workers = {workers} failed:\n{proc.stderr}")
    return wall, cpu, (out / "observations.csv").read_bytes() + (out / "ledger.json").read_bytes()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default=None, help="a preset with a pre-training axis "
                    "(default: examples/lab-pretrain-axis.toml)")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    times: dict[int, list[tuple[float, float]]] = {0: [], 1: []}
    with tempfile.TemporaryDirectory() as tmp:
        for rep in range(args.repeats):
            results = {w: run_once(Path(tmp), args.preset, w, rep) for w in (0, 1)}
            if results[0][2] != results[1][2]:
                raise SystemExit("the two settings wrote different observations or ledgers")
            for w in (0, 1):
                times[w].append(results[w][:2])
    med = {w: (statistics.median(t[0] for t in times[w]), statistics.median(t[1] for t in times[w]))
           for w in (0, 1)}
    print(f"{args.preset or EXAMPLE.name}, {args.repeats} repeats, medians (identical files: yes)")
    print(f"{'axis_workers':>12}  {'wall s':>8}  {'CPU s':>8}")
    for w in (0, 1):
        print(f"{w:>12}  {med[w][0]:8.1f}  {med[w][1]:8.1f}")
    print(f"wall ratio (1 / 0): {med[1][0] / med[0][0]:.2f}")


if __name__ == "__main__":
    main()
