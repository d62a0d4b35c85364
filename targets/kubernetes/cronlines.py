"""Cron lines as Kubernetes runs them (robfig/cron's standard parser).

Kubernetes reads the plan's five-field lines as croniter does, with one exception:
its day-of-week field is 0-6, so the `7` (Sunday) that croniter and the plan accept
is written as the day set croniter expands it to. And since every cron line becomes
its own CronJob, two lines of one schedule that share a fire time would start two
runs where the plan has one: `shared_fire_time` finds such pairs (DTV523).
"""

from __future__ import annotations

import functools
import re
from itertools import combinations

from dativo.runtime import cron

_SEVEN = re.compile(r"(?<![0-9/])7(?![0-9])")  # a day-of-week value 7, not a step '/7' or '17'


@functools.lru_cache(maxsize=4096)
def kubernetes_cron(line: str) -> str:
    fields = line.split()
    if len(fields) != 5 or not _SEVEN.search(fields[4]):
        return line
    c = cron.of(line)
    # croniter reads a full set as '*' (which changes cron's day rule), so '*' it is then
    fields[4] = ",".join(str(d) for d in sorted(c.weekdays)) if c.restricted[1] else "*"
    return " ".join(fields)


def shared_fire_time(lines: list[str]) -> tuple[str, str] | None:
    """Two lines that fire at one instant, or None.

    Every (month, day, weekday) triple occurs in some year (Feb 29 included, over the
    28-year cycle), so two lines share a fire time exactly when their minutes, hours and
    day triples intersect.
    """
    for a, b in combinations(lines, 2):
        ca, cb = cron.of(a), cron.of(b)
        if set(ca.minutes) & set(cb.minutes) and set(ca.hours) & set(cb.hours) and ca.fire_days() & cb.fire_days():
            return a, b
    return None
