"""Shared test fixtures."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

# CI runs the property tests on a fixed sequence of examples, so that a submission's CI result does
# not depend on which random examples one run happened to draw; local runs keep exploring anew
# (a failure they find is a bug to fix, with its example written as a regression test).
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def one_torch_thread():
    """Run a lab test on one torch thread, restoring the caller's count afterwards.

    Tiny models run fastest on one thread; two threads on a busy 2-core machine spin-wait badly.
    """
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def peaked_policy():
    """A depth-2 lab policy (vocabulary 19, ``max_seq_len`` 96) with peaked next-token
    distributions: greedy ties would make token-for-token equality tests flaky."""
    torch = pytest.importorskip("torch")
    from rlscale.lab.model import ModelConfig, Policy

    m = Policy(ModelConfig.from_size(2, vocab_size=19, max_seq_len=96), seed=0).eval()
    g = torch.Generator().manual_seed(7)
    with torch.no_grad():
        for p in m.parameters():
            p.add_(0.2 * torch.randn(p.shape, generator=g))
        m.lm_head.mul_(20.0)
    return m


def _lab_run(tmp_path_factory, preset: str):
    """One uninterrupted ``rlscale lab run --preset PRESET`` in a fresh process."""
    import subprocess
    import sys
    from pathlib import Path

    pytest.importorskip("torch")
    src = str(Path(__file__).resolve().parent.parent / "src")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [src] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else []))}
    out = tmp_path_factory.mktemp(f"{preset}-run") / preset
    done = subprocess.run([sys.executable, "-m", "rlscale", "lab", "run", "--preset", preset,
                           "-o", str(out)], check=False, capture_output=True, text=True,
                          timeout=900, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return out


@pytest.fixture(scope="session")
def quick_run(tmp_path_factory):
    """One uninterrupted ``rlscale lab run --preset quick``, made once per session and shared by
    every test that needs a real quick run (a lab run takes ~10-15 s here).

    Read it, never write to it: a test that changes a run copies it first
    (``shutil.copytree(quick_run, tmp_path / "run")``)."""
    return _lab_run(tmp_path_factory, "quick")


@pytest.fixture(scope="session")
def thinking_quick_run(tmp_path_factory):
    """One uninterrupted ``rlscale lab run --preset thinking-quick`` (~45 s), shared like
    :func:`quick_run` (read it, never write to it)."""
    return _lab_run(tmp_path_factory, "thinking-quick")
