"""Atomic lock files (seed 003): per tenant (N slots) and per schedule / run.

A lock file holds its owner (pid, host), the run and an expiry. A lock is stale when
it has expired or when its owner pid is gone on this host; a stale lock is taken over.
Lock-dir changes happen under an flock'ed guard file so two takeovers never race; the
lock files themselves carry the evidence operators read.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import RunError, Unreadable
from .files import read_json
from .paths import slug

HOST = socket.gethostname()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_stale(info: dict[str, Any] | None, now: float | None = None) -> bool:
    if not info:
        return True
    now = time.time() if now is None else now
    if float(info.get("expires_at", 0)) <= now:
        return True
    return info.get("host") == HOST and not _alive(int(info.get("pid", 0)))


@dataclass
class Lock:
    path: Path
    info: dict[str, Any]
    took_over: dict[str, Any] | None = None


@dataclass
class LockManager:
    dir: Path
    ttl: float = 3600.0
    held: list[Lock] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            g = open(self.dir / ".guard", "a+")
        except OSError as e:
            raise RunError(
                "state.unusable",
                f"lock dir {self.dir} is not usable: {e.strerror or e}",
                path=self.dir,
                hint="point --lock-dir at a writable directory",
            ) from None
        with g:
            fcntl.flock(g.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(g.fileno(), fcntl.LOCK_UN)

    def try_acquire(self, key: str, slots: int, run_id: str) -> Lock | None:
        """One free (or stale) slot of `key`, or None when all `slots` are held by live owners."""
        with self._guard():
            for i in range(max(slots, 1)):
                path = self.dir / f"{slug(key)}.slot{i}.lock.json"
                current = _read(path)
                if path.exists() and not is_stale(current):
                    continue
                now = time.time()
                info = {
                    "key": key,
                    "slot": i,
                    "pid": os.getpid(),
                    "host": HOST,
                    "run_id": run_id,
                    "acquired_at": now,
                    "expires_at": now + self.ttl,
                    "ttl_seconds": self.ttl,
                }
                _write(path, info)
                lock = Lock(path, info, took_over=current if path.exists() and current else None)
                self.held.append(lock)
                self._heartbeat()
                return lock
        return None

    def acquire(
        self,
        key: str,
        slots: int,
        run_id: str,
        wait: float = 0.0,
        poll: float = 0.2,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> Lock | None:
        """A slot of `key`, waiting up to `wait` seconds; None when busy (or the wait was cancelled)."""
        deadline = time.monotonic() + wait
        while True:
            lock = self.try_acquire(key, slots, run_id)
            if lock is not None or time.monotonic() >= deadline or cancelled():
                return lock
            time.sleep(poll)

    def holders(self, key: str, slots: int) -> list[dict[str, Any]]:
        return [i for s in range(max(slots, 1)) if (i := _read(self.dir / f"{slug(key)}.slot{s}.lock.json"))]

    def release_all(self) -> None:
        self._stop.set()
        with self._guard():
            for lock in self.held:
                if (_read(lock.path) or {}).get("pid") == os.getpid():
                    with contextlib.suppress(FileNotFoundError):
                        lock.path.unlink()
        self.held.clear()

    def _heartbeat(self) -> None:
        """Extend our locks every ttl/3, so a long load is not taken over while alive."""
        if self._thread is not None:
            return

        def beat() -> None:
            while not self._stop.wait(max(self.ttl / 3, 0.5)):
                with contextlib.suppress(RunError, OSError), self._guard():  # a bad lock dir is the run's to report
                    for lock in list(self.held):
                        info = _read(lock.path)
                        if info and info.get("pid") == os.getpid():
                            info["expires_at"] = time.time() + self.ttl
                            _write(lock.path, info)

        self._thread = threading.Thread(target=beat, name="dativo-lock-heartbeat", daemon=True)
        self._thread.start()


def _read(path: Path) -> dict[str, Any] | None:
    """A lock file's owner record; None when there is none. Lock files are written atomically, so one
    that does not parse was damaged from outside: an error, never a free slot."""
    try:
        info = read_json(path)
        if info is not None:
            float(info.get("expires_at", 0))
            int(info.get("pid", 0))
        return info
    except (Unreadable, TypeError, ValueError) as e:
        reason = e.reason if isinstance(e, Unreadable) else f"has a bad pid or expires_at ({e})"
        raise RunError(
            "lock.corrupt",
            f"lock file {path} {reason}",
            path=path,
            hint="if no dativo run of this lock's job or tenant is alive, delete the file",
        ) from None


def _write(path: Path, info: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(info, sort_keys=True), "utf-8")
    os.replace(tmp, path)
