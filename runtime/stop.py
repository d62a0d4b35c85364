"""A clean stop on SIGTERM (what Kubernetes and systemd send first) and SIGINT.

The first signal only sets a flag; the run checks it between batches and before its commit,
abandons the uncommitted batch, records the job state `interrupted`, logs a final event and
exits 2 (a failure that a retry policy's default `retryable_exit_codes: [1, 2]` retries; a
rerun of the same run id resumes). A commit already under way finishes. A second SIGINT
interrupts at once.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any


class Interrupted(Exception):
    def __init__(self, signame: str):
        super().__init__(f"interrupted by {signame} before the commit; nothing was committed")
        self.signame = signame


class Stop:
    def __init__(self) -> None:
        self._event = threading.Event()
        self.signame: str | None = None

    def request(self, signame: str) -> None:
        self.signame = self.signame or signame
        self._event.set()

    @property
    def requested(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise Interrupted(self.signame or "a stop request")

    def sleep(self, seconds: float) -> bool:
        """Sleep unless a stop is requested; True when it was."""
        return self._event.wait(max(seconds, 0.0))


@contextlib.contextmanager
def handling(stop: Stop) -> Iterator[Stop]:
    """Route SIGTERM and SIGINT to `stop` while inside (main thread only; elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def on_signal(signum: int, frame: Any) -> None:
        name = signal.Signals(signum).name
        if stop.requested and signum == signal.SIGINT:
            raise KeyboardInterrupt
        stop.request(name)

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
