"""Cron lines -> systemd `OnCalendar=` lines (systemd.time(7)), exactly or not at all.

Each cron field's value set (dativo.runtime.cron, croniter's expansion) is printed back in systemd's
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

import functools
import re

from dativo.runtime.cron import DOM, DOW, FIELDS, Cron, days_exist, parse

#: systemd weekday names in systemd's order (Monday first); index = cron number 1..6, then Sunday (0)
_SYSTEMD_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

#: a time zone name as systemd reads it after the calendar spec (one word; no quoting exists there)
_ZONE = re.compile(r"^[A-Za-z0-9_+-]+(?:/[A-Za-z0-9_+-]+)*$")


class Inexpressible(ValueError):
    """A cron line that has no exact OnCalendar form (the message says why)."""


def _cron(line: str) -> Cron:
    """The line's value sets (croniter's expansion: docs/architecture.md#cron-and-time-zones)."""
    parsed = parse(line)
    if isinstance(parsed, Cron):
        return parsed
    if parsed.kind == "syntax":
        raise Inexpressible(f"croniter cannot read it ({parsed.detail})")
    raise Inexpressible(parsed.detail.replace("which is not a value set", "which has no OnCalendar form"))


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
    c = _cron(cron)
    minutes, hours, months = frozenset(c.minutes), frozenset(c.hours), c.months
    # A systemd line ANDs its components, so the day rule decides the lines, and it must be the
    # same for cron (from the written fields) and croniter (from its expansion): where they differ
    # ('1,*', '7/1', '*/2' beside a restricted field) targets disagree, so there is no exact translation.
    candidates: list[tuple[frozenset[int] | None, frozenset[int] | None]]
    if not c.day_rule_agrees:
        which = ", ".join(
            f"{FIELDS[i].name} {fields[i]!r}"
            for i, w, r in zip((DOM, DOW), c.written_restricted, c.restricted)
            if w != r
        )
        raise Inexpressible(
            f"{which}: cron (from the written field) and croniter (from its expansion) "
            "disagree on whether both day fields are restricted, so on OR or AND"
        )
    if c.day_or:  # either day field matches: one line for each, or every day when one is full
        every_day = len(c.days) == 31 or len(c.weekdays) == 7
        candidates = [(None, None)] if every_day else [(None, c.weekdays), (c.days, None)]
    else:  # both must match (an unrestricted field is full): one line, a full set needs no component
        candidates = [(c.days if len(c.days) < 31 else None, c.weekdays if len(c.weekdays) < 7 else None)]
    lines = [_line(minutes, hours, d, months, w, zone) for d, w in candidates if d is None or days_exist(d, months)]
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
