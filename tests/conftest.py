"""Shared test fixtures."""

from __future__ import annotations

import pytest


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
