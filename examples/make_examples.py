"""Write the synthetic example data in this folder (deterministic: fixed seed).

    python examples/make_examples.py

The examples are SYNTHETIC: drawn from known straight lines in log10 compute with binomial noise,
so the docs can show what a fit recovers. They are not measurements of any model. The published
figures live in the built-in catalog (`rlscale catalog list`).

- ``rl-vs-inference.csv``: an RL curve with a true slope of 15 points per decade and an inference
  curve with 30 points per decade (true slope ratio 0.5), 8 points each, n = 400 graded attempts
  per point.
- ``percent-scores.csv``: the same RL curve with scores written in percent (read it with
  ``--score-scale percent``).
- ``rl-vs-inference.json``: the same table as JSON records.
- ``bad-score.csv``: a file with a score outside [0, 1], used to show the error message.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
N_ATTEMPTS = 400
CURVES = (  # curve id, axis, compute unit, intercept a, slope b (score units per decade), compute
    ("toy-rl", "rl", "gpu_hours", 0.20, 0.15, np.logspace(1, 4.5, 8)),
    ("toy-inference", "inference", "samples", 0.20, 0.30, np.logspace(0, 2, 8)),
)
COLUMNS = ["curve", "axis", "compute", "score", "compute_unit", "n", "benchmark", "model",
           "source", "provenance", "note"]


def rows(seed: int = 1) -> list[dict]:
    rng = np.random.default_rng(seed)
    out = []
    for curve, axis, unit, a, b, compute in CURVES:
        for c in compute:
            p = a + b * (np.log10(c) - np.log10(compute[0]))
            correct = int(rng.binomial(N_ATTEMPTS, p))
            out.append({"curve": curve, "axis": axis, "compute": float(f"{c:.6g}"),
                        "score": correct / N_ATTEMPTS, "compute_unit": unit, "n": N_ATTEMPTS,
                        "benchmark": "toy", "model": "toy", "source": "examples/make_examples.py",
                        "provenance": "", "note": f"synthetic: true slope {b * 100:g} pp/decade"})
    return out


def write_csv(path: Path, table: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(table)


def main() -> None:
    table = rows()
    write_csv(HERE / "rl-vs-inference.csv", table)
    (HERE / "rl-vs-inference.json").write_text(json.dumps(table, indent=1) + "\n",
                                               encoding="utf-8")
    percent = [dict(r, score=round(r["score"] * 100, 2)) for r in table if r["curve"] == "toy-rl"]
    write_csv(HERE / "percent-scores.csv", percent)
    bad = [dict(r) for r in table[:3]]
    bad[1]["score"] = 45  # a percentage in a unit-scale file: rlscale must refuse it
    write_csv(HERE / "bad-score.csv", bad)


if __name__ == "__main__":
    main()
