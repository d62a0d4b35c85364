"""When a schedule fires, from `--at`: the next fire times, the runs in the next 7 days and the DST
warnings, all from runtime/cron.py (the cron type the targets are proven against)."""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import zoneinfo
from collections.abc import Iterator
from typing import Any

from dativo.runtime import cron
from dativo.runtime.plan import ScheduleEntry

NEXT_FIRES = 5
WEEK = dt.timedelta(days=7)


def fire_times(entry: ScheduleEntry, at: dt.datetime) -> Iterator[dt.datetime]:
    """Every fire time of the schedule's cron lines strictly after `at`, in UTC, in order, once each."""
    streams = [cron.of(line).fire_times(at, entry.timezone) for line in entry.cron]
    last = None
    for when in heapq.merge(*streams):
        utc = when.astimezone(dt.UTC)
        if utc != last:
            yield utc
        last = utc


def next_fires(entry: ScheduleEntry, at: dt.datetime) -> list[dt.datetime]:
    return list(itertools.islice(fire_times(entry, at), NEXT_FIRES))


def runs_in_week(entry: ScheduleEntry, at: dt.datetime) -> int:
    """Fire times in (at, at + 7 days]: what the schedule runs in the next week when enabled."""
    return sum(1 for _ in itertools.takewhile(lambda t: t <= at + WEEK, fire_times(entry, at)))


def dst_warnings(entry: ScheduleEntry, at: dt.datetime) -> list[str]:
    """The schedule's fire times inside DST transitions (the compiler's DTV306 scan), one line per kind of
    transition and local times, naming the next such day from `at` (or the last one scanned)."""
    days: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for h in cron.dst_hazards(entry.cron, entry.timezone):
        days.setdefault((h.kind, h.local_times), []).append(h.local_date)
    today = at.astimezone(zoneinfo.ZoneInfo(entry.timezone)).date().isoformat()
    out = []
    for (kind, times), dates in sorted(days.items()):
        ahead = [d for d in sorted(dates) if d >= today]
        when = f"next on {ahead[0]}" if ahead else f"last on {max(dates)}"
        out.append(f"fires at {', '.join(times)} in the {kind} hour of a DST change ({entry.timezone}): {when}")
    return out


def iso(when: dt.datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


def timing(entry: ScheduleEntry | None, at: dt.datetime) -> dict[str, Any] | None:
    """One side's timing of a schedule: None when the side has no such schedule. A disabled schedule
    runs nothing: no fire times, 0 runs."""
    if entry is None:
        return None
    fires = next_fires(entry, at) if entry.enabled else []
    zone = zoneinfo.ZoneInfo(entry.timezone)
    return {
        "runs_7d": runs_in_week(entry, at) if entry.enabled else 0,
        "next_fires_utc": [iso(t) for t in fires],
        "next_fires_local": [t.astimezone(zone).isoformat() for t in fires],
        "dst": dst_warnings(entry, at),
    }
