"""Fuzz the CLI: random flags and random or malformed files never give a traceback.

Every run of ``fit``, ``compare``, ``exchange``, ``cost ...`` and ``claims`` through
``rlscale.cli.main`` in-process must end with exit code 0 or 2 (never 130, never 1), and a
failure must print exactly one stderr line starting ``rlscale: error:``.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rlscale.cli import main

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))

HOSTILE_IDS = ["a", "b", "[/bold]", "[link=http://x]y", "$\\frac{1}{$", "\x1b]0;t\x07", "é",
               ":warning:", "a\\", " ", "1.0", "rl"]
NUMBERS = st.sampled_from(["0", "-1", "1", "0.5", "10", "1e30", "1e400", "-1e400", "nan",
                           "inf", "-0", "abc", "", "99999999999999999999", "4294967296",
                           "0.999", "40", "1e-320"])
SMALL_BOOT = st.sampled_from(["0", "5", "-1", "1e30", "abc", str(2**40), "1000001"])


def run(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(args)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return code, out.getvalue(), err.getvalue()


def check(args: list[str]) -> None:
    code, out, err = run(args)
    assert code in (0, 2), (args, code, err)
    assert "Traceback" not in err and "Traceback" not in out, (args, err)
    if code == 2:
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("rlscale: error:"), (args, err)


@st.composite
def good_files(draw) -> str:
    """A valid table of an RL curve (id drawn from hostile ids) and an inference curve ``b``."""
    rl_id = draw(st.sampled_from(HOSTILE_IDS[:-1])).replace(",", "") or "a"
    percent = draw(st.booleans())
    rows = ["curve,axis,compute,score,n"]
    for cid, axis in ((rl_id, draw(st.sampled_from(["rl", "rl", "inference"]))),
                      ("b", "inference")):
        k = draw(st.integers(2, 7))
        slope = draw(st.floats(0.03, 0.15))
        for i in range(k):
            y = min(1.0, 0.1 + slope * i + draw(st.floats(0, 0.05)))
            rows.append(f'"{cid}",{axis},{10.0 ** i!r},{y * (100 if percent else 1)!r},'
                        f'{draw(st.sampled_from(["", "50", "400"]))}')
    return "\n".join(rows) + "\n"


@st.composite
def junk_files(draw) -> str:
    """Observation CSV text with hostile ids, odd axes and odd numbers in every cell."""
    rows = ["curve,axis,compute,score" + draw(st.sampled_from(["", ",n", ",note"]))]
    extra = rows[0].count(",") - 3
    for _ in range(draw(st.integers(0, 12))):
        cells = [draw(st.sampled_from(HOSTILE_IDS)).replace(",", ""),
                 draw(st.sampled_from(["rl", "inference", "pretrain", "RL", "", "x"])),
                 draw(st.one_of(NUMBERS, st.floats(1e-3, 1e9).map(repr))),
                 draw(st.one_of(NUMBERS, st.floats(0, 1).map(repr)))]
        cells += [draw(st.sampled_from(["100", "abc", "-3", "", "\x07"]))] * extra
        rows.append(",".join(c.replace("\n", " ").replace('"', "") for c in cells))
    return "\n".join(rows) + "\n"


def csv_files():
    return st.one_of(good_files(), good_files(), junk_files())


def _write(tmp: Path, content) -> str:
    name = "data.json" if isinstance(content, str) and content.startswith(("[", "{")) else "data.csv"
    path = tmp / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return str(path)


FILES = st.one_of(good_files(), good_files(), good_files(), junk_files(), st.binary(max_size=60),
                  st.sampled_from(['[{"curve": "a\\u0000", "axis": "rl", "compute": 1, '
                                   '"score": 0.5}]', "[1, 2]", "{}", '{"observations": 3}',
                                   "[" * 5000]))


@FUZZ
@given(content=FILES, form=st.sampled_from(["loglinear", "logistic", "scalerl", "auto", "x"]),
       flags=st.fixed_dictionaries({}, optional={
           "--bootstrap": SMALL_BOOT, "--seed": NUMBERS, "--at-score": NUMBERS,
           "--level": NUMBERS, "--score-scale": st.sampled_from(["unit", "percent", "Percent"])}))
def test_fit_and_compare_never_crash(content, form, flags):
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp), content)
        flags.setdefault("--bootstrap", "5")
        opts = [x for item in flags.items() for x in item]
        check(["fit", path, "--form", form, *opts])
        rl = next((c for c in HOSTILE_IDS if f'"{c}"' in str(content)), "a")
        check(["compare", path, "--rl", rl, "--inference", "b", "--form", form, *opts])


@FUZZ
@given(ratio=st.one_of(st.none(), NUMBERS), factor=NUMBERS, rate=st.one_of(st.none(), NUMBERS),
       axes=st.tuples(*[st.sampled_from(["rl", "inference", "pretrain", "x"])] * 2),
       data=st.one_of(st.none(), csv_files()))
def test_exchange_never_crashes(ratio, factor, rate, axes, data):
    with tempfile.TemporaryDirectory() as tmp:
        args = ["exchange", "--factor", factor, "--from", axes[0], "--to", axes[1]]
        args += ["--ratio", ratio] if ratio is not None else []
        args += ["--pretrain-rate", rate] if rate is not None else []
        if data is not None:
            args[1:1] = [_write(Path(tmp), data)]
            args += ["--rl", "a", "--inference", "b", "--bootstrap", "5"]
        check(args)


COST = {
    "training": ["--rl-fraction", "--rl-scale", "--pretrain-flops", "--budget", "--pue",
                 "--utilisation", "--usd-per-gpu-hour", "--steps"],
    "deployment": ["--multiplier", "--output-tokens", "--input-tokens", "--queries-per-day",
                   "--active-params", "--days", "--usd-per-million-tokens"],
    "breakeven": ["--rl-fraction", "--rl-scale", "--slope-ratio", "--queries-per-day",
                  "--horizon-days", "--output-tokens"],
    "energy": ["--days", "--gpus", "--datacenter-gpus", "--watts", "--peak-flops", "--world-twh"],
    "information": ["--episode-tokens", "--bits-per-token", "--reward-bits", "--success-rate"],
}
SCENARIOS = st.sampled_from([None, "[hardware]\npue = 0.5\n", "x = [", "[training]\n"
                             "rl_fraction = 'a'\n", "a = 1\n" * 3, "[" * 2000,
                             "x = " + "[" * 100_000, "[exchange]\nslope_ratio = 0.5\n"])


@FUZZ
@given(command=st.sampled_from(sorted(COST)), data=st.data(), scenario=SCENARIOS,
       profile=st.sampled_from([None, "H100", "B200", "x"]))
def test_cost_never_crashes(command, data, scenario, profile):
    flags = data.draw(st.lists(st.sampled_from(COST[command]), max_size=3, unique=True))
    args = ["cost", command]
    for flag in flags:
        args += [flag, data.draw(NUMBERS)]
    if command == "energy":
        args += ["--flops", data.draw(NUMBERS)]
    if command == "breakeven" and "--slope-ratio" not in flags:
        args += ["--slope-ratio", "0.5"]  # else each example fits catalog:essay (slow)
    if profile is not None and command in ("training", "energy"):
        args += ["--profile", profile]
    with tempfile.TemporaryDirectory() as tmp:
        if scenario is not None:
            path = Path(tmp) / "s.toml"
            path.write_text(scenario, encoding="utf-8")
            args += ["--scenario", str(path)]
        check(args + data.draw(st.sampled_from([[], ["--json"]])))


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(ids=st.lists(st.sampled_from(["1", "claim-1", "x", "[/bold]", ""]), max_size=2),
       scenario=SCENARIOS, as_json=st.booleans())
def test_claims_never_crash(ids, scenario, as_json):
    args = ["claims"] + [a for i in ids for a in ("--id", i)] + (["--json"] if as_json else [])
    with tempfile.TemporaryDirectory() as tmp:
        if scenario is not None:
            path = Path(tmp) / "s.toml"
            path.write_text(scenario, encoding="utf-8")
            args += ["--scenario", str(path)]
        check(args)
