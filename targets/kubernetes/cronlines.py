"""Cron lines as Kubernetes runs them (robfig/cron's standard parser).

Kubernetes reads the plan's five-field lines as croniter does, with one exception:
its day-of-week field is 0-6, so the `7` (Sunday) that croniter and the plan accept
is written as the day set croniter expands it to. And since every cron line becomes
its own CronJob, two lines of one schedule that share a fire time would start two
runs where the plan has one: `shared_fire_time` finds such pairs (DTV523).
"""

from __future__ import annotations

import calendar
import functools
import re
from itertools import combinations

from croniter import croniter

_SEVEN = re.compile(r"(?<![0-9/])7(?![0-9])")  # a day-of-week value 7, not a step '/7' or '17'
_DAYS_IN_MONTH = {m: calendar.monthrange(2024, m)[1] for m in range(1, 13)}  # a leap year: Feb 29 exists


@functools.lru_cache(maxsize=4096)
def kubernetes_cron(line: str) -> str:
    fields = line.split()
    if len(fields) != 5 or not _SEVEN.search(fields[4]):
        return line
    values = croniter.expand(line)[0][4]
    # croniter reads a full set as '*' (which changes cron's day rule), so '*' it is then
    fields[4] = "*" if values == ["*"] else ",".join(str(d) for d in sorted({int(v) % 7 for v in values}))
    return " ".join(fields)


@functools.lru_cache(maxsize=4096)
def _expand(line: str) -> tuple[frozenset[int] | None, ...]:
    """Each field's value set; None for '*' (croniter's reading of the day rule needs the difference)."""
    fields = croniter.expand(line)[0]
    out: list[frozenset[int] | None] = []
    for i, values in enumerate(fields):
        if values == ["*"]:
            out.append(None)
        else:
            out.append(frozenset(int(v) % 7 if i == 4 else int(v) for v in values))
    return tuple(out)


def _days(line: str) -> set[tuple[int, int, int]]:
    """(month, day of month, weekday 0=Sunday) triples the line can fire on, in some year."""
    _, _, dom, months, dow = _expand(line)
    out: set[tuple[int, int, int]] = set()
    for m in months if months is not None else range(1, 13):
        for d in range(1, _DAYS_IN_MONTH[m] + 1):
            for w in range(7):
                in_dom = dom is None or d in dom
                in_dow = dow is None or w in dow
                # cron's day rule: both restricted -> either matches; otherwise both must match
                if (in_dom or in_dow) if (dom is not None and dow is not None) else (in_dom and in_dow):
                    out.add((m, d, w))
    return out


def _overlaps(a: frozenset[int] | None, b: frozenset[int] | None) -> bool:
    return a is None or b is None or bool(a & b)


def shared_fire_time(lines: list[str]) -> tuple[str, str] | None:
    """Two lines that fire at one instant, or None.

    Every (month, day, weekday) triple occurs in some year (Feb 29 included, over the
    28-year cycle), so two lines share a fire time exactly when their minutes, hours and
    day triples intersect.
    """
    for a, b in combinations(lines, 2):
        ea, eb = _expand(a), _expand(b)
        if _overlaps(ea[0], eb[0]) and _overlaps(ea[1], eb[1]) and _days(a) & _days(b):
            return a, b
    return None
