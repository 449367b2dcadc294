"""Timing of one child process, shared by the benchmarks that time whole commands."""

from __future__ import annotations

import resource
import subprocess
import time


def time_child(cmd: list[str], **run_kw) -> tuple[float, float, subprocess.CompletedProcess]:
    """Run *cmd* (``subprocess.run`` keywords pass through); return its wall-clock seconds, its
    CPU seconds (user + system of the child) and the completed process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, **run_kw)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc
