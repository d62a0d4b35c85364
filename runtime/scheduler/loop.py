"""`--once` and `--serve`: claim what is due, start it when its slots are free, reap what finished.

Slots: at most `max_parallel` runs at once; per tenant at most the plan's `concurrency_per_tenant`, per
schedule at most its `max_concurrent_runs`, counting this scheduler's runs and the live holders of the
same lock files (runtime/locks.py) held by anything else (a manual `dativo run`, another scheduler). A
fire whose slots are busy waits in the queue; the run still takes its locks itself, so a race between
the check and the run is the run's to settle (it waits up to `lock_wait`).

Stopping (SIGTERM, Ctrl+C): nothing new is started, queued fires are given back to the ledger (a later
scheduler fires them), runs already started finish and are recorded. A second Ctrl+C passes SIGTERM on
to the runs: they stop as `interrupted` (resumable) and the scheduler exits 130.
"""

from __future__ import annotations

import datetime as dt
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import RunError
from ..exitcodes import ExitCode
from ..locks import LockManager, is_stale
from ..logs import Logger
from ..plan import Plan, PlanError, load_plan
from ..stop import Stop
from .due import check, due, next_fire
from .launch import Proc, Settings
from .ledger import Claim, Ledger

POLL = 0.5  # seconds between checks on running runs


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Running:
    claim: Claim
    proc: Proc
    tenant: str
    started: float


Launcher = Callable[[Settings, Claim, bool], Proc]
Clock = Callable[[], dt.datetime]


@dataclass
class Scheduler:
    plan: Plan
    settings: Settings
    state_dir: Path
    log: Logger
    launcher: Launcher
    clock: Clock = field(default=lambda: utcnow())
    queue: list[Claim] = field(default_factory=list)
    running: list[Running] = field(default_factory=list)
    #: the latest fire looked at per schedule: only the latest is ever due, so this is all a pass needs
    seen: dict[str, dt.datetime] = field(default_factory=dict)
    worst: int = ExitCode.OK
    stopping: bool = False
    interrupting: bool = False
    plan_stamp: tuple[int, int, int] | None = None

    def __post_init__(self) -> None:
        self.ledger = Ledger(self.state_dir)
        self.locks = LockManager(self.settings.lock_dir or self.state_dir / "locks")

    # ------------------------------------------------------------------ one pass
    def enqueue_due(self, now: dt.datetime) -> None:
        for fire in due(self.plan, now):
            if self.seen.get(fire.schedule) == fire.nominal:
                continue
            self.seen[fire.schedule] = fire.nominal
            fields: dict[str, Any] = {
                "schedule": fire.schedule,
                "nominal": fire.nominal.isoformat(),
                "run_id": fire.run_id,
            }
            try:
                claim = self.ledger.claim(fire)
            except RunError as e:  # a marker damaged from outside: this fire is not run, the others are
                self.worst = ExitCode.FAIL
                self.log.event(e.event, level="ERROR", **fields, **e.fields())
                continue
            if claim is None:
                self.log.event("schedule_already_fired", **fields)
                continue
            if claim.taken_over is not None:
                fields["taken_over"] = claim.taken_over
            self.log.event("schedule_enqueued", **fields)
            self.queue.append(claim)

    def start_ready(self) -> None:
        for claim in list(self.queue):
            if len(self.running) >= self.settings.max_parallel:
                return
            if not self._free(claim.fire.schedule):
                continue
            self.queue.remove(claim)
            resume = claim.taken_over is not None
            proc = self.launcher(self.settings, claim, resume)
            tenant = self.plan.schedules[claim.fire.schedule].tenant
            self.running.append(Running(claim, proc, tenant, time.monotonic()))
            self.ledger.update(claim, "started", run_pid=proc.pid)
            self.log.event(
                "run_started", schedule=claim.fire.schedule, run_id=claim.fire.run_id, pid=proc.pid, resume=resume
            )

    def reap(self) -> None:
        for r in list(self.running):
            code = r.proc.poll()
            if code is None:
                continue
            self.running.remove(r)
            self.worst = max(self.worst, code if code in (0, 1) else ExitCode.FAIL)
            # a run this scheduler stopped is fired again (resumed) by the next one; any other ending is final
            status = "interrupted" if self.interrupting and code not in (0, 1) else "finished"
            self.ledger.update(r.claim, status, run_pid=r.proc.pid, exit_code=code)
            self.log.event(
                "run_finished",
                level="INFO" if code in (0, 1) else "ERROR",
                schedule=r.claim.fire.schedule,
                run_id=r.claim.fire.run_id,
                exit_code=code,
                seconds=round(time.monotonic() - r.started, 3),
            )

    def _free(self, sid: str) -> bool:
        s = self.plan.schedules[sid]  # reload() drops queued fires of schedules a new plan lacks
        tenant = self.plan.tenants[s.tenant].concurrency if s.tenant in self.plan.tenants else 1
        mine = [r for r in self.running if r.tenant == s.tenant]
        if len(mine) + self._foreign(f"tenant:{s.tenant}", tenant) >= tenant:
            return False
        same = [r for r in mine if r.claim.fire.schedule == sid]
        return len(same) + self._foreign(f"schedule:{sid}", s.max_concurrent_runs) < s.max_concurrent_runs

    def _foreign(self, key: str, slots: int) -> int:
        """Live holders of a lock key that are not runs of this scheduler. An unreadable lock file counts
        as free: the run started then reports it (lock.corrupt, with the file and what to do) and fails."""
        pids = {r.proc.pid for r in self.running}
        try:
            holders = self.locks.holders(key, slots)
        except RunError:
            return 0
        return sum(1 for h in holders if not is_stale(h) and h.get("pid") not in pids)

    def reload(self) -> None:
        """--serve follows `dativo compile`: a changed plan file is read again; an unusable one is
        reported and the plan in use kept. Queued fires of schedules the new plan lacks are given back."""
        try:
            st = self.settings.plan_file.stat()
        except OSError as e:
            self._unusable(str(e))
            return
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        if self.plan_stamp is None or stamp == self.plan_stamp:
            self.plan_stamp = stamp
            return
        self.plan_stamp = stamp
        try:
            plan = load_plan(self.settings.plan_file)
            check(plan, self.clock())
        except PlanError as e:
            self._unusable(str(e))
            return
        self.plan = plan
        for claim in [c for c in self.queue if c.fire.schedule not in plan.schedules]:
            self.queue.remove(claim)
            self.ledger.release(claim)
        self.log.event("plan_reloaded", schedules=sorted(s for s, e in plan.schedules.items() if e.enabled))

    def _unusable(self, why: str) -> None:
        self.log.event("plan_unusable", level="ERROR", error=why, hint="the scheduler keeps the plan it read last")

    # ------------------------------------------------------------------ modes
    def once(self, at: dt.datetime, stop: Stop) -> int:
        """Fire what is due at `at` and wait for those runs."""
        self.enqueue_due(at)
        return self._drain(stop, until_empty=True)

    def serve(self, stop: Stop, sleep: Callable[[float], bool] | None = None) -> int:
        """Fire on time until a stop is requested; `sleep` returns True when a stop came (tests fake it)."""
        nap = sleep or stop.sleep
        try:
            while not stop.requested:
                now = self.clock()
                self.reload()
                self.enqueue_due(now)
                self.start_ready()
                self.reap()
                if nap(self._wait(now)):
                    break
        except KeyboardInterrupt:  # two Ctrl+C before the loop noticed the first
            self._give_back(stop)
            self._interrupt_runs()
            return ExitCode.INTERRUPTED
        code = self._drain(stop, until_empty=False)
        return ExitCode.INTERRUPTED if code == ExitCode.INTERRUPTED else ExitCode.OK

    def _wait(self, now: dt.datetime) -> float:
        """Seconds to the next tick, the next fire time, or the next check on runs, whichever comes first."""
        wait = self.settings.tick
        upcoming = next_fire(self.plan, now)
        if upcoming is not None:
            wait = min(wait, max((upcoming - now).total_seconds(), 0.0))
        return min(wait, POLL) if self.queue or self.running else wait

    def _drain(self, stop: Stop, until_empty: bool) -> int:
        """Run the queue (`--once`) or give it back (a stop), then wait for the started runs."""
        try:
            if stop.requested:
                self._give_back(stop)
            while self.queue or self.running:
                if stop.requested or not until_empty:
                    self._give_back(stop)
                else:
                    self.start_ready()
                self.reap()
                if self.queue or self.running:
                    time.sleep(POLL)
        except KeyboardInterrupt:  # a second Ctrl+C: the runs stop as interrupted (resumable)
            self._interrupt_runs()
            return ExitCode.INTERRUPTED
        return self.worst

    def _give_back(self, stop: Stop) -> None:
        if not self.stopping:
            self.stopping = True
            self.log.event(
                "scheduler_stopping",
                signal=stop.signame,
                released=[c.fire.run_id for c in self.queue],
                running=[r.claim.fire.run_id for r in self.running],
            )
        for claim in self.queue:
            self.ledger.release(claim)
        self.queue.clear()

    def _interrupt_runs(self) -> None:
        self.interrupting = True
        self.log.event("scheduler_interrupting", level="WARNING", running=[r.claim.fire.run_id for r in self.running])
        for r in self.running:
            r.proc.send_signal(signal.SIGTERM)
        while self.running:
            self.reap()
            time.sleep(0.1)
