"""Benchmark: whole-process start-up of the light commands, side by side, medians.

Each command runs as a fresh process (``python -m rlscale ...``, so interpreter start, imports,
parsing, the work and printing all count), ``--repeats`` times, interleaved so that a change of
machine load hits every command alike. Wall-clock and CPU (user + system of the child) medians
are printed; on a shared machine the CPU time is the better guide to an idle one.

With ``--baseline SRC`` the same commands also run with ``PYTHONPATH=SRC`` (another checkout's
``src``, e.g. the code before a change), interleaved with the current tree, and the table shows
both.

Run::

    .venv/bin/python benchmarks/bench_startup.py                      # 5 repeats
    .venv/bin/python benchmarks/bench_startup.py --baseline ../main/src --repeats 7

The same measurement by hand, one command at a time::

    /usr/bin/time -f "%e s wall, %U s user, %S s sys" python -m rlscale catalog list
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))


def scalerl_file(path: Path) -> Path:
    """The 50-point ScaleRL-shaped curve of ``bench_bootstrap.make_curve`` as a CSV file."""
    from bench_bootstrap import make_curve

    C, y, n = make_curve()
    rows = ["curve,axis,compute,score,n"] + [f"scalerl,rl,{float(c)!r},{float(s)!r},{int(k)}"
                                             for c, s, k in zip(C, y, n)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def commands(data: Path) -> dict[str, list[str]]:
    return {
        "import rlscale.cli": ["-c", "import rlscale.cli"],
        "exchange --ratio 0.5 --factor 10": ["-m", "rlscale", "exchange", "--ratio", "0.5",
                                             "--factor", "10", "--from", "rl", "--to",
                                             "inference"],
        "catalog list": ["-m", "rlscale", "catalog", "list"],
        "fit 50-point scalerl, --bootstrap 2000": ["-m", "rlscale", "fit", str(data), "--form",
                                                   "scalerl", "--bootstrap", "2000"],
    }


def time_once(argv: list[str], src: Path) -> tuple[float, float]:
    """Wall and CPU (user + sys) seconds of one child process."""
    from _timing import time_child

    env = dict(os.environ, PYTHONPATH=str(src), COLUMNS="100")
    wall, cpu, proc = time_child([sys.executable, *argv], env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, text=True, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr[-500:]}")
    return wall, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--baseline", type=Path, default=None,
                        help="another checkout's src folder to time alongside")
    args = parser.parse_args(argv)
    trees = {"current": ROOT / "src"}
    if args.baseline is not None:
        trees = {"baseline": args.baseline.resolve(), **trees}
    with tempfile.TemporaryDirectory() as tmp:
        cmds = commands(scalerl_file(Path(tmp) / "scalerl50.csv"))
        times: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for _ in range(args.repeats):
            for name, cmd in cmds.items():
                for tree, src in trees.items():
                    times.setdefault((name, tree), []).append(time_once(cmd, src))
    load = os.getloadavg()[0]
    print(f"{args.repeats} runs each, interleaved; 1-min load average at the end {load:.1f}; "
          f"{os.cpu_count()} CPUs; Python {sys.version.split()[0]}")
    print(f"| command | tree | median wall (s) | median CPU (s) |")
    print("| --- | --- | ---: | ---: |")
    for (name, tree), runs in times.items():
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        print(f"| `{name}` | {tree} | {wall:.2f} | {cpu:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
