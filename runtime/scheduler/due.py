"""Which runs are due: the fire times the targets use, from the plan's cron lines (runtime/cron.py).

A schedule's due run at `now` is its latest fire time at or before `now` over all its cron lines (an
interval schedule's lines came from the interval at compile time), in its time zone: the nominal fire
time `dativo run` itself derives (plan_run.nominal_fire_time) and whose run id it uses. Only the latest
one is ever due: the scheduler never catches up on older missed fire times (Airflow's `catchup=False`,
Dagster's default). Disabled schedules are never due.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfoNotFoundError

from .. import cron
from ..plan import Plan, PlanError, ScheduleEntry
from ..plan_run import nominal_fire_time, scheduled_run_id


@dataclass(frozen=True, order=True)
class Fire:
    """One run to fire: a schedule at a nominal fire time (UTC, whole seconds)."""

    nominal: dt.datetime
    schedule: str

    @property
    def run_id(self) -> str:
        return scheduled_run_id(self.nominal)


def active(plan: Plan) -> list[ScheduleEntry]:
    """The enabled schedules of the plan, by id."""
    return [s for _, s in sorted(plan.schedules.items()) if s.enabled]


def _bad(s: ScheduleEntry, e: Exception) -> PlanError:
    return PlanError(f"schedule {s.id!r} of the plan has no fire time: {e}; compile it again")


def due(plan: Plan, now: dt.datetime) -> list[Fire]:
    """The latest fire of every enabled schedule at or before `now` (aware), in nominal-time order."""
    out = []
    for s in active(plan):
        try:
            out.append(Fire(nominal_fire_time(s.cron, s.timezone, now), s.id))
        except (ValueError, KeyError, ZoneInfoNotFoundError) as e:  # croniter's errors are ValueErrors
            raise _bad(s, e) from None
    return sorted(out)


def next_fire(plan: Plan, now: dt.datetime) -> dt.datetime | None:
    """The earliest fire time strictly after `now` over the enabled schedules (UTC); None without any."""
    best: dt.datetime | None = None
    for s in active(plan):
        try:
            first = min(next(cron.of(line).fire_times(now, s.timezone)) for line in s.cron)
        except (ValueError, KeyError, ZoneInfoNotFoundError) as e:
            raise _bad(s, e) from None
        first = first.astimezone(dt.UTC)
        best = first if best is None or first < best else best
    return best


def check(plan: Plan, now: dt.datetime) -> None:
    """Refuse a plan with a schedule that has no fire time before anything is fired."""
    due(plan, now)
    next_fire(plan, now)
