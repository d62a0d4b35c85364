"""Cron lines -> systemd `OnCalendar=` lines (systemd.time(7)), exactly or not at all.

Each cron field is expanded to its set of values and printed back in systemd's
syntax: `*`, `00/n` for the whole cycle when n divides it (cron's `*/15` is
`00/15`), `a..b` for runs, lists otherwise. A systemd line ANDs its
weekday and date components, while cron ORs day-of-month and day-of-week when
both are restricted (decided from the written fields, as cron and croniter do);
that OR becomes two lines. Seconds are always `:00`, and every line carries the
schedule's time zone, so the host's zone never matters.

What cannot be translated exactly raises `Inexpressible` (the message says why),
never an approximation. Pure and cached: the same lines always give the same result.
"""

from __future__ import annotations

import calendar
import functools
import re

from croniter import croniter

#: systemd weekday names in systemd's order (Monday first); index = cron number 1..6, then Sunday (0)
_SYSTEMD_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_DAYS = {m: calendar.monthrange(2024, m)[1] for m in range(1, 13)}  # 2024: February has its 29th

#: a time zone name as systemd reads it after the calendar spec (one word; no quoting exists there)
_ZONE = re.compile(r"^[A-Za-z0-9_+-]+(?:/[A-Za-z0-9_+-]+)*$")
_FULL = (range(0, 60), range(0, 24), range(1, 32), range(1, 13), range(0, 7))
_FIELD_NAMES = ("minute", "hour", "day-of-month", "month", "day-of-week")


class Inexpressible(ValueError):
    """A cron line that has no exact OnCalendar form (the message says why)."""


def _sets(cron: str) -> tuple[list[frozenset[int]], tuple[bool, bool]]:
    """croniter's value set of each field, and whether croniter restricts each day field.

    croniter is the reference (docs/architecture.md#cron-and-time-zones), so its expansion decides the sets;
    '*' anywhere in a field means the whole field, and day-of-week 7 is Sunday (0).
    """
    try:
        expanded, nth = croniter.expand(cron)
    except Exception as exc:  # croniter raises several types for bad input
        raise Inexpressible(f"croniter cannot read it ({exc})") from None
    if nth or len(expanded) != 5:
        raise Inexpressible("only plain five-field cron lines can be translated")
    sets: list[frozenset[int]] = []
    for i, values in enumerate(expanded):
        if "*" in values:
            sets.append(frozenset(_FULL[i]))
        elif all(isinstance(v, int) for v in values) and values:
            sets.append(frozenset(v % 7 if i == 4 else v for v in values))
        else:
            raise Inexpressible(f"{_FIELD_NAMES[i]} holds {values!r}, which has no OnCalendar form")
    return sets, (expanded[2][0] != "*", expanded[4][0] != "*")


def _fmt(values: frozenset[int], low: int, high: int) -> str:
    """One systemd component: '*', 's/n' to the end of the field, 'a..b' runs, or a list."""
    ordered = sorted(values)
    if ordered == list(range(low, high + 1)):
        return "*"
    size, step = high - low + 1, (ordered[1] - ordered[0] if len(ordered) > 1 else 0)
    if len(ordered) >= 3 and ordered[0] == low and size % step == 0 and ordered == list(range(low, high + 1, step)):
        # Only the whole cycle from 0: systemd 252 skips 00:00 after 23:56 for '00/7' (the repetition
        # carries into the next day at minute 3), which the equivalence test caught.
        return f"{low:02d}/{step}"
    return ",".join(_runs([f"{v:02d}" for v in ordered], ordered))


def _runs(labels: list[str], numbers: list[int]) -> list[str]:
    """Join runs of three or more consecutive numbers as 'first..last'."""
    out: list[str] = []
    i = 0
    while i < len(numbers):
        j = i
        while j + 1 < len(numbers) and numbers[j + 1] == numbers[j] + 1:
            j += 1
        out.extend([f"{labels[i]}..{labels[j]}"] if j - i >= 2 else labels[i : j + 1])
        i = j + 1
    return out


def _weekdays(days: frozenset[int]) -> str:
    order = sorted((d - 1) % 7 for d in days)  # cron 1 (Monday) -> 0 ... cron 0 (Sunday) -> 6
    return ",".join(_runs([_SYSTEMD_DAYS[i] for i in order], order))


def _can_fire(days: frozenset[int], months: frozenset[int]) -> bool:
    return min(days) <= max(_MONTH_DAYS[m] for m in months)


def _line(
    minutes: frozenset[int],
    hours: frozenset[int],
    days: frozenset[int] | None,
    months: frozenset[int],
    weekdays: frozenset[int] | None,
    zone: str,
) -> str:
    date = f"*-{_fmt(months, 1, 12)}-{'*' if days is None else _fmt(days, 1, 31)}"
    time = f"{_fmt(hours, 0, 23)}:{_fmt(minutes, 0, 59)}:00"
    prefix = "" if weekdays is None or len(weekdays) == 7 else _weekdays(weekdays) + " "
    return f"{prefix}{date} {time} {zone}"


def translate_line(cron: str, zone: str) -> list[str]:
    """The OnCalendar lines (one or two) that fire exactly when `cron` does; raises Inexpressible."""
    if not _ZONE.fullmatch(zone):
        raise Inexpressible(f"time zone {zone!r} cannot be written after an OnCalendar= spec")
    fields = cron.split()
    if len(fields) != 5:
        raise Inexpressible(f"expected 5 fields, found {len(fields)}")
    (minutes, hours, days, months, weekdays), read_restricted = _sets(cron)
    # cron's day rule looks at the written fields: a day field is restricted unless it starts
    # with '*'. croniter decides from its expansion; where the two differ ('1,*', '7/1', '*/2'
    # beside a restricted field) targets disagree, so there is no exact translation.
    written_restricted = (not fields[2].startswith("*"), not fields[4].startswith("*"))
    if all(written_restricted) != all(read_restricted):
        which = ", ".join(
            f"{_FIELD_NAMES[i]} {fields[i]!r}" for i, w, r in zip((2, 4), written_restricted, read_restricted) if w != r
        )
        raise Inexpressible(
            f"{which}: cron (from the written field) and croniter (from its expansion) "
            "disagree on whether both day fields are restricted, so on OR or AND"
        )
    if all(read_restricted):  # cron's OR of the two day fields
        if len(days) == 31 or len(weekdays) == 7:  # OR with a full field: every day
            candidates: list[tuple[frozenset[int] | None, frozenset[int] | None]] = [(None, None)]
        else:
            candidates = [(None, weekdays), (days, None)]
    else:  # AND: a '*'-led day field still restricts ('*/2'), and both fields must match
        candidates = [(days if len(days) < 31 else None, weekdays if len(weekdays) < 7 else None)]
    lines = [_line(minutes, hours, d, months, w, zone) for d, w in candidates if d is None or _can_fire(d, months)]
    if not lines:
        raise Inexpressible(f"month {fields[3]!r} has no day {fields[2]!r}, so the line never fires")
    return lines


def to_oncalendar(cron_lines: list[str], zone: str) -> list[str]:
    """Every OnCalendar line for a schedule's cron lines, in order, without repeats; raises Inexpressible."""
    return list(_to_oncalendar(tuple(cron_lines), zone))


@functools.lru_cache(maxsize=8192)
def _to_oncalendar(cron_lines: tuple[str, ...], zone: str) -> tuple[str, ...]:
    out: dict[str, None] = {}
    for cron in cron_lines:
        for line in translate_line(cron, zone):
            out.setdefault(line)
    if not out:
        raise Inexpressible("the schedule has no cron lines")
    return tuple(out)
