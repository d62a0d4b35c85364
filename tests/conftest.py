"""Fixtures shared by test modules."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

from dativo.compiler import forked


@pytest.fixture
def forking(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The compiler may fork (compiler/forked.py), as under the console script, and this process has two cores
    to fork for. Yields the pids of the children forked; each has ended and been reaped by the test's end."""
    monkeypatch.setattr(forked, "enabled", True)
    monkeypatch.setattr(forked.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    pids: list[int] = []
    fork = os.fork

    def counted() -> int:
        pid = fork()
        if pid:
            pids.append(pid)
        return pid

    monkeypatch.setattr(forked.os, "fork", counted)
    yield pids
    for _ in range(100):
        forked.reap()
        if not forked._children:
            break
        time.sleep(0.05)
    assert not forked._children
