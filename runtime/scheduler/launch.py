"""Starting one fired run: a process of its own (child.py), not a thread of the scheduler.

Why a process: a run that crashes, runs out of memory or hangs in a native library (pyarrow, a
connector) cannot take the scheduler or the other runs down; each run keeps its own signal handling
(runtime/stop.py works in a main thread only) and gives its memory back when it ends. The run gets a
session of its own, so a Ctrl+C typed at the scheduler's terminal reaches the scheduler only: the
scheduler decides whether a run is stopped (docs/scheduler.md#stopping). Its log lines go to the
scheduler's stdout, whole lines as the run writes them.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .ledger import Claim


class Proc(Protocol):
    """What the loop needs of a started run (subprocess.Popen; a fake in tests)."""

    pid: int

    def poll(self) -> int | None: ...

    def send_signal(self, sig: int) -> None: ...


@dataclass(frozen=True)
class Settings:
    plan_file: Path
    state_dir: Path | None = None
    lock_dir: Path | None = None
    project_dir: Path | None = None
    max_parallel: int = 4
    tick: float = 30.0
    lock_wait: float = 300.0  # a run started while another process took the slot waits this long
    lock_ttl: float = 3600.0


def argv(s: Settings, claim: Claim, resume: bool) -> list[str]:
    """The command line of the run of `claim`."""
    out = [sys.executable, "-m", "dativo.runtime.scheduler.child", "--plan", str(s.plan_file)]
    out += ["--job", claim.fire.schedule, "--nominal", claim.fire.nominal.isoformat()]
    for flag, value in (("--state-dir", s.state_dir), ("--lock-dir", s.lock_dir), ("--project-dir", s.project_dir)):
        if value is not None:
            out += [flag, str(value)]
    out += ["--lock-wait-seconds", str(s.lock_wait), "--lock-ttl-seconds", str(s.lock_ttl)]
    out += ["--resume-policy", "resume" if resume else "fail"]
    return out


def start(s: Settings, claim: Claim, resume: bool) -> Proc:
    return subprocess.Popen(argv(s, claim, resume), stdin=subprocess.DEVNULL, start_new_session=True)
