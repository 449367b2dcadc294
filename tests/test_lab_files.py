"""Corrupted run files are one line naming the file and what to do (exit 2), never a traceback.

One small run directory is made per session (a few seconds); every test corrupts a copy of it.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rlscale.cli import main

pytest.importorskip("torch")

from lab_configs import TINY  # noqa: E402


@pytest.fixture(scope="session")
def small_run(tmp_path_factory) -> Path:
    from rlscale.lab.config import resolve_config
    from rlscale.lab.runner import run

    out = tmp_path_factory.mktemp("lab-files") / "run"
    run(resolve_config("quick", json.loads(json.dumps(TINY)), 0), out)
    return out


def _cli(args) -> tuple[int, str, str]:
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        with pytest.raises(SystemExit) as exc:
            main(args)
    return exc.value.code, out.getvalue(), err.getvalue()


def _one_line(code: int, err: str, *needles: str) -> None:
    assert code == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err


def _torch_list(path: Path) -> None:
    import torch

    torch.save([1, 2, 3], path)


CORRUPT = {
    "empty": lambda p: p.write_bytes(b""),
    "truncated": lambda p: p.write_bytes(p.read_bytes()[: max(1, p.stat().st_size // 2)]),
    "garbage": lambda p: p.write_bytes(b"\x00\xffnot a checkpoint" * 10),
    "wrong object": _torch_list,
}


@pytest.mark.parametrize("how", sorted(CORRUPT))
@pytest.mark.parametrize("name", ["base.pt", "rl-step000003.pt"])
def test_a_damaged_checkpoint_is_one_line_naming_it_and_the_fix(small_run, tmp_path, how, name):
    run = tmp_path / "run"
    shutil.copytree(small_run, run)
    CORRUPT[how](run / "checkpoints" / name)
    code, _, err = _cli(["lab", "resume", str(run)])
    _one_line(code, err, name, "lab resume")
    assert "aborted" not in err   # a 0-byte checkpoint used to look like Ctrl-C (click's EOFError)


@pytest.mark.parametrize("text", ["{not json", "[]", '{"rows": 5}', '{"step": 0, "rows": [{}], '
                                  '"flops": 1, "rl_flops": 0}', "\x00\x01"])
def test_a_damaged_cached_evaluation_is_one_line(small_run, tmp_path, text):
    run = tmp_path / "run"
    shutil.copytree(small_run, run)
    (run / "evals" / "step000000.json").write_text(text)
    code, _, err = _cli(["lab", "resume", str(run)])
    _one_line(code, err, "step000000.json", "lab resume")


@pytest.mark.parametrize("command,name,text,needle", [
    ("resume", "config.json", "[1, 2]", "expected a table of settings"),
    ("resume", "config.json", "{garbage", "unreadable config"),
    ("resume", "rlscale-run.json", "[]", "not a lab run manifest"),
    ("resume", "rlscale-run.json", "{", "unreadable run manifest"),
    ("resume", "log.jsonl", "garbage\n{}\n", "line 1 is not a step record"),
] + [("show", name, text, needle) for name, text, needle in [
    ("rlscale-run.json", "not json", "unreadable run manifest"),
    ("rlscale-run.json", "5", "not a lab run manifest"),
    ("rlscale-run.json", '{"format": "rlscale-lab-run/1", "status": 7}', "field 'status'"),
    ("rlscale-run.json", '{"status": "complete"}', "not a lab run manifest"),
    ("ledger.json", "[1]", "not a FLOP ledger"),
    ("ledger.json", '{"flops": {"pretrain": "lots"}}', "not a FLOP ledger"),
    ("ledger.json", "\xff", "unreadable FLOP ledger"),
    ("observations.csv", "garbage\n1,2\n", "observations.csv"),
    ("observations.csv", "", "observations.csv"),
]])
def test_damaged_run_files_are_one_line(small_run, tmp_path, command, name, text, needle):
    """`lab resume` and `lab show` of a run with one damaged file: one line naming it, exit 2."""
    run = tmp_path / "run"
    shutil.copytree(small_run, run)
    (run / name).write_text(text)
    code, _, err = _cli(["lab", command, str(run)])
    _one_line(code, err, name, needle)


_FILES = ["rlscale-run.json", "ledger.json", "observations.csv", "config.json", "log.jsonl",
          "evals/step000000.json"]
_json = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                     lambda kids: st.lists(kids, max_size=3)
                     | st.dictionaries(st.text(max_size=8), kids, max_size=3), max_leaves=8)


@st.composite
def _damage(draw):
    name = draw(st.sampled_from(_FILES))
    how = draw(st.sampled_from(["truncate", "flip", "garbage", "json", "delete", "keys"]))
    return name, how, draw(st.integers(0, 10 ** 6)), draw(st.binary(max_size=64)), draw(_json)


def _apply_damage(path: Path, how: str, pos: int, noise: bytes, doc) -> None:
    data = path.read_bytes()
    if how == "truncate":
        path.write_bytes(data[: pos % (len(data) + 1)])
    elif how == "flip" and data:
        i = pos % len(data)
        path.write_bytes(data[:i] + (noise[:1] or b"\x00") + data[i + 1:])
    elif how == "garbage":
        path.write_bytes(noise)
    elif how == "json":
        path.write_text(json.dumps(doc))
    elif how == "delete":
        path.unlink()
    elif how == "keys" and path.suffix == ".json":   # a JSON object with one key dropped or retyped
        obj = json.loads(data)
        if isinstance(obj, dict) and obj:
            key = sorted(obj)[pos % len(obj)]
            obj[key] = doc
            path.write_text(json.dumps(obj))


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(damage=_damage(), as_json=st.booleans())
def test_lab_show_never_tracebacks_on_randomly_damaged_runs(small_run, damage, as_json):
    name, how, pos, noise, doc = damage
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / "run"
        shutil.copytree(small_run, run)
        _apply_damage(run / name, how, pos, noise, doc)
        code, out, err = _cli(["lab", "show", str(run)] + (["--json"] if as_json else []))
    assert code in (0, 2), (code, err)
    if code == 2:
        _one_line(code, err)
    elif as_json:
        json.loads(out)
