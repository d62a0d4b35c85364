"""The built-in scheduler with a fake clock and fake runs (runtime/scheduler/): which runs fire, once.

Fire times are compared with croniter's own iteration (the reference of runtime/cron.py), over a week
with a daylight-saving change, in three zones; the ledger is raced by processes; restarts, takeovers,
stops and tenant slots are driven through the real loop with a clock the test moves.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import multiprocessing
import os
import subprocess
import sys
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from croniter import croniter

from dativo.runtime.logs import Logger
from dativo.runtime.plan import Plan, load_plan
from dativo.runtime.scheduler.due import Fire
from dativo.runtime.scheduler.launch import Settings
from dativo.runtime.scheduler.ledger import Claim, Ledger
from dativo.runtime.scheduler.loop import Scheduler
from dativo.runtime.stop import Stop

REPO = Path(__file__).resolve().parents[1]
EXAMPLE_PLAN = REPO / "examples" / "generated" / "plan.json"
UTC = dt.UTC

#: (schedule id, cron lines, zone): DST-sensitive daily lines, a schedule with two lines, an interval
SPRING = {
    "acme.orders_csv_morning": (["30 2 * * *"], "America/New_York"),  # 02:30 does not exist on 2026-03-08
    "acme.postgres_orders_weekdays": (["*/45 9-17 * * 1-5", "10 12 * * 6"], "Europe/Berlin"),
    "acme.hubspot_contacts_every_6h": (["0 */6 * * *"], "Asia/Kolkata"),
}
AUTUMN = {
    "acme.orders_csv_morning": (["30 1 * * *"], "America/New_York"),  # 01:30 happens twice on 2026-11-01
    "acme.postgres_orders_weekdays": (["*/20 1-2 * * *"], "Europe/Berlin"),
    "acme.hubspot_contacts_every_6h": (["0 */6 * * *"], "Australia/Sydney"),
}
WEEKS = {  # the first instant of each week, and its schedules
    "spring": (dt.datetime(2026, 3, 4, 22, 17, tzinfo=dt.UTC), SPRING),  # New York springs forward
    "autumn": (dt.datetime(2026, 10, 29, 22, 17, tzinfo=dt.UTC), AUTUMN),  # New York falls back
    "sydney": (dt.datetime(2026, 4, 1, 0, 0, tzinfo=dt.UTC), AUTUMN),  # Sydney falls back on 2026-04-05
}


def week_plan(schedules: dict[str, tuple[list[str], str]], plan: Plan | None = None) -> Plan:
    """The example plan with three schedules rewritten and every other schedule disabled."""
    plan = plan or load_plan(EXAMPLE_PLAN)
    out = {}
    for sid, entry in plan.schedules.items():
        if sid in schedules:
            lines, zone = schedules[sid]
            out[sid] = entry.model_copy(update={"cron": lines, "timezone": zone, "enabled": True})
        else:
            out[sid] = entry.model_copy(update={"enabled": False})
    return plan.model_copy(update={"schedules": out})


@dataclass
class FakeProc:
    pid: int
    code: int | None = 0  # None: still running until `finish`
    signals: list[int] = field(default_factory=list)

    def poll(self) -> int | None:
        return self.code

    def send_signal(self, sig: int) -> None:
        self.signals.append(sig)
        self.code = 2


@dataclass
class Harness:
    """A scheduler on `state` whose clock the test sets and whose runs are FakeProcs."""

    plan: Plan
    state: Path
    now: dt.datetime
    fired: list[tuple[str, dt.datetime, bool]] = field(default_factory=list)
    procs: list[FakeProc] = field(default_factory=list)
    finish_at_once: bool = True
    out: io.StringIO = field(default_factory=io.StringIO)

    def launch(self, settings: Settings, claim: Claim, resume: bool) -> FakeProc:
        self.fired.append((claim.fire.schedule, claim.fire.nominal, resume))
        proc = FakeProc(pid=900_000 + len(self.procs), code=0 if self.finish_at_once else None)
        self.procs.append(proc)
        return proc

    def scheduler(self, **settings: object) -> Scheduler:
        log = Logger({"component": "scheduler"}, stream=self.out)
        s = Settings(plan_file=EXAMPLE_PLAN, state_dir=self.state, **settings)  # type: ignore[arg-type]
        return Scheduler(self.plan, s, self.state, log, self.launch, clock=lambda: self.now)

    def events(self, kind: str) -> list[dict]:
        return [e for e in map(json.loads, self.out.getvalue().splitlines()) if e["event_type"] == kind]


def croniter_fires(lines: list[str], zone: str, start: dt.datetime, end: dt.datetime) -> set[dt.datetime]:
    """croniter's fire times in (start, end], and the latest one at or before start (the one a scheduler
    started at `start` fires at once), in UTC."""
    tz = zoneinfo.ZoneInfo(zone)
    out: set[dt.datetime] = set()
    latest: dt.datetime | None = None
    for line in lines:
        it = croniter(line, start.astimezone(tz))
        while (t := it.get_next(dt.datetime).astimezone(UTC)) <= end:
            out.add(t)
        before = croniter(line, (start + dt.timedelta(seconds=1)).astimezone(tz)).get_prev(dt.datetime)
        latest = max(latest or before.astimezone(UTC), before.astimezone(UTC))
    assert latest is not None
    return out | {latest}


def serve_until(h: Harness, sched: Scheduler, end: dt.datetime, step: float | None = None) -> dt.datetime:
    """Run --serve while the fake clock moves by the scheduler's own sleeps (or `step` seconds); the
    last instant the scheduler looked at."""
    seen = [h.now]

    def nap(seconds: float) -> bool:
        seen.append(h.now)
        h.now = h.now + dt.timedelta(seconds=step if step is not None else max(seconds, 1.0))
        return h.now > end

    sched.serve(Stop(), sleep=nap)
    return seen[-1]


@pytest.mark.parametrize(
    ("week", "step"),
    [(w, None) for w in sorted(WEEKS)] + [("spring", 7 * 60 + 13)],  # None: it wakes when it asks to
    ids=[*sorted(WEEKS), "spring-ticks-7m13s"],
)
def test_fire_times_equal_croniters_over_a_week_in_three_zones(tmp_path: Path, week: str, step: float | None) -> None:
    start, schedules = WEEKS[week]
    h = Harness(week_plan(schedules), tmp_path / "state", start)
    last = serve_until(h, h.scheduler(tick=3600.0), start + dt.timedelta(days=7), step)
    for sid, (lines, zone) in schedules.items():
        got = [t for s, t, _ in h.fired if s == sid]
        assert len(got) == len(set(got)), f"{sid} fired a run twice"
        want = {t for t in croniter_fires(lines, zone, start, last) if t <= last}
        assert set(got) == want, (sid, sorted(set(got) ^ want))
        assert len(want) >= 8
    assert {s for s, _, _ in h.fired} == set(schedules), "a disabled schedule fired"
    assert not any(resume for *_, resume in h.fired)


def test_a_restart_after_missed_fire_times_runs_only_the_latest_once(tmp_path: Path) -> None:
    plan = week_plan({"acme.stripe_customers_hourly": (["0 * * * *"], "UTC")})
    h = Harness(plan, tmp_path / "state", dt.datetime(2026, 3, 1, 9, 5, tzinfo=UTC))
    h.scheduler().once(h.now, Stop())
    h.now = dt.datetime(2026, 3, 1, 12, 10, tzinfo=UTC)  # down while 10:00, 11:00 and 12:00 passed
    h.scheduler().once(h.now, Stop())
    h.now = dt.datetime(2026, 3, 1, 12, 50, tzinfo=UTC)  # and a second restart within the hour
    h.scheduler().once(h.now, Stop())
    hours = [t.hour for _, t, _ in h.fired]
    assert hours == [9, 12], hours
    assert len(h.events("schedule_already_fired")) == 1


def test_a_fire_abandoned_by_a_dead_scheduler_is_taken_over_with_resume(tmp_path: Path) -> None:
    plan = week_plan({"acme.stripe_customers_hourly": (["0 * * * *"], "UTC")})
    h = Harness(plan, tmp_path / "state", dt.datetime(2026, 3, 1, 9, 5, tzinfo=UTC))
    fire = Fire(dt.datetime(2026, 3, 1, 9, tzinfo=UTC), "acme.stripe_customers_hourly")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    marker = Ledger(h.state).marker(fire)
    marker.parent.mkdir(parents=True)
    record = {"status": "started", "pid": int(dead.stdout), "run_pid": int(dead.stdout), "host": os.uname().nodename}
    marker.write_text(json.dumps(record))
    h.scheduler().once(h.now, Stop())
    assert h.fired == [("acme.stripe_customers_hourly", fire.nominal, True)]
    assert h.events("schedule_enqueued")[0]["taken_over"]["pid"] == int(dead.stdout)
    assert json.loads(marker.read_text())["status"] == "finished"
    # a live owner's marker is never taken over
    record["pid"] = record["run_pid"] = os.getpid()
    marker.write_text(json.dumps({**record, "status": "started"}))
    h.scheduler().once(h.now, Stop())
    assert len(h.fired) == 1


def test_tenant_concurrency_queues_the_second_run_until_the_first_finishes(tmp_path: Path) -> None:
    plan = week_plan(
        {
            "acme.stripe_customers_hourly": (["0 * * * *"], "UTC"),
            "acme.postgres_orders_weekdays": (["0 * * * *"], "UTC"),
        }
    )
    assert plan.tenants["acme"].concurrency == 1
    h = Harness(plan, tmp_path / "state", dt.datetime(2026, 3, 2, 9, 5, tzinfo=UTC), finish_at_once=False)
    sched = h.scheduler()
    sched.enqueue_due(h.now)
    sched.start_ready()
    assert len(h.fired) == 1 and len(sched.queue) == 1
    sched.start_ready()
    sched.reap()
    assert len(h.fired) == 1, "a second run of the tenant started while the first ran"
    h.procs[0].code = 0
    sched.reap()
    sched.start_ready()
    assert len(h.fired) == 2 and [e["exit_code"] for e in h.events("run_finished")] == [0]


def test_a_stop_gives_queued_fires_back_and_waits_for_started_runs(tmp_path: Path) -> None:
    plan = week_plan(
        {
            "acme.stripe_customers_hourly": (["0 * * * *"], "UTC"),
            "acme.postgres_orders_weekdays": (["0 * * * *"], "UTC"),
        }
    )
    h = Harness(plan, tmp_path / "state", dt.datetime(2026, 3, 2, 9, 5, tzinfo=UTC), finish_at_once=False)
    sched = h.scheduler()
    stop = Stop()

    def nap(seconds: float) -> bool:
        stop.request("SIGTERM")
        h.procs[0].code = 0  # the started run finishes on its own while the scheduler waits
        return True

    assert sched.serve(stop, sleep=nap) == 0
    assert h.procs[0].signals == [], "the started run was signalled"
    (stopping,) = h.events("scheduler_stopping")
    assert stopping["signal"] == "SIGTERM" and len(stopping["released"]) == 1
    assert len(h.events("run_finished")) == 1
    # the given-back fire is fired by the next scheduler, the finished one is not
    h.finish_at_once = True
    h.scheduler().once(h.now, Stop())
    assert len(h.fired) == 2 and h.fired[0][0] != h.fired[1][0]


def _claim_many(state: str, n: int, go: object, queue: multiprocessing.Queue) -> None:
    ledger = Ledger(Path(state))
    go.wait()  # type: ignore[attr-defined]  # all start together: the claims overlap
    base = dt.datetime(2026, 1, 1, tzinfo=UTC)
    won = [i for i in range(n) if ledger.claim(Fire(base + dt.timedelta(hours=i), "t.s")) is not None]
    queue.put(won)


def test_processes_racing_on_one_ledger_claim_each_fire_once(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    queue: multiprocessing.Queue = ctx.Queue()
    go = ctx.Event()
    procs = [ctx.Process(target=_claim_many, args=(str(tmp_path), 300, go, queue)) for _ in range(8)]
    for p in procs:
        p.start()
    go.set()
    won = [queue.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    claimed = sorted(i for w in won for i in w)
    assert claimed == list(range(300)), "a fire was claimed twice or not at all"


def test_serve_follows_a_recompiled_plan_and_keeps_the_old_one_when_the_new_is_unusable(tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.json"
    first = week_plan({"acme.stripe_customers_hourly": (["0 * * * *"], "UTC")})
    plan_file.write_text(first.to_json())
    h = Harness(first, tmp_path / "state", dt.datetime(2026, 3, 2, 9, 5, tzinfo=UTC))
    sched = h.scheduler()
    sched.settings = Settings(plan_file=plan_file, state_dir=h.state)
    steps = iter(
        [
            lambda: plan_file.write_text("{not json"),
            lambda: plan_file.write_text(week_plan({"acme.orders_csv_morning": (["0 * * * *"], "UTC")}).to_json()),
        ]
    )

    def nap(seconds: float) -> bool:
        h.now += dt.timedelta(hours=1)
        change = next(steps, None)
        if change is not None:
            change()
            os.utime(plan_file, ns=(h.procs[-1].pid, h.procs[-1].pid + len(h.fired)))  # a new stamp for sure
        return h.now > dt.datetime(2026, 3, 2, 12, 0, tzinfo=UTC)

    sched.serve(Stop(), sleep=nap)
    assert [(s, t.hour) for s, t, _ in h.fired] == [
        ("acme.stripe_customers_hourly", 9),
        ("acme.stripe_customers_hourly", 10),  # the unusable plan changed nothing
        ("acme.orders_csv_morning", 11),
    ]
    assert "is not JSON" in h.events("plan_unusable")[0]["error"]
    assert h.events("plan_reloaded")[0]["schedules"] == ["acme.orders_csv_morning"]


def test_a_damaged_marker_is_an_error_for_its_fire_only(tmp_path: Path) -> None:
    plan = week_plan(
        {
            "acme.stripe_customers_hourly": (["0 * * * *"], "UTC"),
            "acme.orders_csv_morning": (["0 * * * *"], "UTC"),
        }
    )
    h = Harness(plan, tmp_path / "state", dt.datetime(2026, 3, 2, 9, 5, tzinfo=UTC))
    nominal = dt.datetime(2026, 3, 2, 9, tzinfo=UTC)
    marker = Ledger(h.state).marker(Fire(nominal, "acme.stripe_customers_hourly"))
    marker.parent.mkdir(parents=True)
    marker.write_text("{half a rec")
    assert h.scheduler().once(h.now, Stop()) == 2
    assert [s for s, _, _ in h.fired] == ["acme.orders_csv_morning"]
    (err,) = h.events("scheduler.ledger_corrupt")
    assert err["path"] == str(marker) and "is not valid JSON" in err["error"] and "delete it" in err["hint"]
    assert marker.read_text() == "{half a rec", "a damaged marker was overwritten"


def test_a_tenant_slot_held_by_another_process_keeps_the_fire_queued(tmp_path: Path) -> None:
    """A manual `dativo run` (here: its lock file, owned by this live test process) holds acme's one slot."""
    from dativo.runtime.locks import LockManager

    plan = week_plan({"acme.stripe_customers_hourly": (["0 * * * *"], "UTC")})
    h = Harness(plan, tmp_path / "state", dt.datetime(2026, 3, 2, 9, 5, tzinfo=UTC))
    manual = LockManager(h.state / "locks", ttl=600)
    assert manual.try_acquire("tenant:acme", 1, "manual__x") is not None
    try:
        sched = h.scheduler()
        sched.enqueue_due(h.now)
        sched.start_ready()
        assert h.fired == [] and len(sched.queue) == 1
    finally:
        manual.release_all()
    sched.start_ready()
    assert [s for s, _, _ in h.fired] == ["acme.stripe_customers_hourly"]


def test_finished_markers_older_than_a_week_are_pruned_when_a_new_fire_is_claimed(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path)
    now = dt.datetime(2026, 3, 20, 9, tzinfo=UTC)
    old = {d: Fire(now - dt.timedelta(days=d), "t.s") for d in (9, 8, 6)}
    for fire in old.values():
        claim = ledger.claim(fire)
        assert claim is not None
        ledger.update(claim, "finished", exit_code=0)
    unfinished = Fire(now - dt.timedelta(days=10), "t.s")
    assert ledger.claim(unfinished) is not None  # claimed, never finished
    assert ledger.claim(Fire(now, "t.s")) is not None
    left = sorted(p.name for p in ledger.marker(unfinished).parent.glob("*.json"))
    assert left == sorted(ledger.marker(f).name for f in (unfinished, old[6], Fire(now, "t.s")))


def test_max_concurrent_runs_queues_the_next_fire_of_a_schedule_still_running(tmp_path: Path) -> None:
    plan = week_plan({"acme.stripe_customers_hourly": (["0 * * * *"], "UTC")})
    tenants = {**plan.tenants, "acme": plan.tenants["acme"].model_copy(update={"concurrency": 3})}
    plan = plan.model_copy(update={"tenants": tenants})
    assert plan.schedules["acme.stripe_customers_hourly"].max_concurrent_runs == 1
    h = Harness(plan, tmp_path / "state", dt.datetime(2026, 3, 2, 9, 5, tzinfo=UTC), finish_at_once=False)
    sched = h.scheduler()
    sched.enqueue_due(h.now)
    sched.start_ready()
    h.now += dt.timedelta(hours=1)  # the 09:00 run is still loading at 10:05
    sched.enqueue_due(h.now)
    sched.start_ready()
    assert [t.hour for _, t, _ in h.fired] == [9] and len(sched.queue) == 1
    h.procs[0].code = 0
    sched.reap()
    sched.start_ready()
    assert [t.hour for _, t, _ in h.fired] == [9, 10]


def test_two_quick_ctrl_c_in_the_loop_interrupt_the_runs_and_leave_them_resumable(tmp_path: Path) -> None:
    plan = week_plan({"acme.stripe_customers_hourly": (["0 * * * *"], "UTC")})
    h = Harness(plan, tmp_path / "state", dt.datetime(2026, 3, 2, 9, 5, tzinfo=UTC), finish_at_once=False)
    sched = h.scheduler()

    def nap(seconds: float) -> bool:
        raise KeyboardInterrupt  # the second SIGINT, raised by runtime/stop.py's handler

    assert sched.serve(Stop(), sleep=nap) == 130
    assert h.procs[0].signals == [15]
    marker = Ledger(h.state).marker(Fire(dt.datetime(2026, 3, 2, 9, tzinfo=UTC), "acme.stripe_customers_hourly"))
    assert json.loads(marker.read_text())["status"] == "interrupted"
    h.finish_at_once = True
    h.scheduler().once(h.now, Stop())
    assert [resume for *_, resume in h.fired] == [False, True]
