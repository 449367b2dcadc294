"""``rlscale report`` on a 1,000,000-row file: peak memory (RSS) and time of the real command.

Makes the file (4 curves of 250,000 rows: 2 RL and 2 inference, compute log-uniform over 3
decades, scores drawn binomially with n = 64 attempts per row from straight lines in log
compute), then runs ``/usr/bin/time -v python -m rlscale report FILE -o OUT`` in a fresh process
and prints the peak RSS, the wall time and the size of results.json.

    python benchmarks/bench_report_big.py                 # 1,000,000 rows, --bootstrap 1000
    python benchmarks/bench_report_big.py --rows 200000 --bootstrap 200
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

CURVES = (("big-rl-a", "rl", 0.30, 0.12), ("big-rl-b", "rl", 0.25, 0.10),
          ("big-inf-a", "inference", 0.20, 0.22), ("big-inf-b", "inference", 0.15, 0.20))


def make_file(path: Path, rows: int, seed: int = 0) -> Path:
    """Write *rows* observation rows (split evenly over :data:`CURVES`) to a CSV at *path*."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    per = rows // len(CURVES)
    frames = []
    for curve, axis, base, slope in CURVES:
        x = rng.uniform(0.0, 3.0, per)
        p = np.clip(base + slope * x, 0.01, 0.99)
        frames.append(pd.DataFrame({"curve": curve, "axis": axis, "compute": 10.0 ** x,
                                    "score": rng.binomial(64, p) / 64, "n": 64,
                                    "provenance": "measured"}))
    pd.concat(frames).to_csv(path, index=False)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--bootstrap", type=int, default=1000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = make_file(Path(tmp) / "big.csv", args.rows)
        out = Path(tmp) / "rep"
        cmd = ["/usr/bin/time", "-v", sys.executable, "-m", "rlscale", "report", str(data),
               "-o", str(out), "--bootstrap", str(args.bootstrap)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            sys.exit(proc.stderr[-2000:])
        rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)[1])
        wall = re.search(r"Elapsed \(wall clock\) time.*: (\S+)", proc.stderr)[1]
        cpu = sum(float(re.search(rf"{k} time \(seconds\): (\S+)", proc.stderr)[1])
                  for k in ("User", "System"))
        size = (out / "results.json").stat().st_size
        print(f"rows {args.rows:,}, bootstrap {args.bootstrap}: peak RSS {rss / 1024:.0f} MiB, "
              f"wall {wall}, CPU {cpu:.1f} s, results.json {size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
