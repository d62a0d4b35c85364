"""Each target's translation of a cron line fires when the cron type says (and so when croniter says).

systemd: our OnCalendar lines are read back by a small evaluator of the subset we write and compared,
field by field, with the type's value sets and fire days (the real `systemd-analyze` comparison is
tests/targets/test_systemd_equivalence.py, slow). Kubernetes: the rewritten line, read with robfig/cron's
day rule (from the written fields, day-of-week 0-6), fires on the type's days.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from croniter import croniter
from hypothesis import assume, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: cron_strategies
from cron_strategies import cron_lines

from dativo.compiler.cron import normalize_cron
from dativo.runtime import cron
from dativo.runtime.cron import MONTH_DAYS
from dativo.targets.kubernetes.cronlines import kubernetes_cron
from dativo.targets.systemd.oncalendar import Inexpressible, translate_line

_SYSTEMD_DAYS = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")  # index = cron weekday


def _component(text: str, low: int, high: int, names: tuple[str, ...] = ()) -> frozenset[int]:
    """One OnCalendar component of the forms oncalendar.py writes: '*', 'lo/step', 'a..b' runs and lists."""
    if text == "*":
        return frozenset(range(low, high + 1))
    if "/" in text:
        start, step = text.split("/")
        return frozenset(range(int(start), high + 1, int(step)))

    def value(v: str) -> int:
        return names.index(v) if names else int(v)

    out: set[int] = set()
    for item in text.split(","):
        a, _, b = item.partition("..")
        first, last = value(a), value(b or a)
        out.update(range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)])
    return frozenset(out)


def _oncalendar_sets(spec: str) -> tuple[frozenset[int], ...]:
    """(minutes, hours, days, months, weekdays) of one OnCalendar line; weekday 0 = Sunday."""
    parts = spec.split()
    weekdays = _component(parts.pop(0), 0, 6, _SYSTEMD_DAYS) if len(parts) == 4 else frozenset(range(7))
    date, time, _zone = parts
    _year, month, day = date.split("-")
    hour, minute, second = time.split(":")
    assert second == "00"
    return (
        _component(minute, 0, 59),
        _component(hour, 0, 23),
        _component(day, 1, 31),
        _component(month, 1, 12),
        weekdays,
    )


@settings(max_examples=150, deadline=None)
@given(cron_lines())
def test_systemd_lines_fire_on_the_types_minutes_and_days(line: str) -> None:
    c = cron.of(line)
    try:
        specs = translate_line(line, "UTC")
    except Inexpressible:
        assume(False)  # refused, not approximated (DTV525); the compiler refuses most of these first
        return
    days: set[tuple[int, int, int]] = set()
    for spec in specs:
        minutes, hours, dom, months, weekdays = _oncalendar_sets(spec)
        assert (sorted(minutes), sorted(hours)) == (list(c.minutes), list(c.hours)), (line, spec)
        # a systemd line ANDs its components
        days |= {(m, d, w) for m in months for d in dom if d <= MONTH_DAYS[m] for w in weekdays}
    assert days == set(c.fire_days()), (line, specs)


@settings(max_examples=150, deadline=None)
@given(cron_lines(), st.datetimes(min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2031, 12, 31)))
def test_systemd_lines_match_croniter_at_random_minutes(line: str, when: dt.datetime) -> None:
    when = when.replace(second=0, microsecond=0)
    try:
        specs = translate_line(line, "UTC")
    except Inexpressible:
        assume(False)
        return
    weekday = (when.weekday() + 1) % 7
    fires = any(
        when.minute in mi and when.hour in h and when.day in d and when.month in mo and weekday in w
        for mi, h, d, mo, w in map(_oncalendar_sets, specs)
    )
    assert fires == croniter.match(line, when), (line, specs, when)


def _robfig_fire_days(k: cron.Cron) -> set[tuple[int, int, int]]:
    """Days robfig/cron (Kubernetes) fires on: OR only when neither day field is written starting with '*'."""
    either = all(k.written_restricted)
    return {
        (m, d, w)
        for m in k.months
        for d in range(1, MONTH_DAYS[m] + 1)
        for w in range(7)
        if ((d in k.days) or (w in k.weekdays) if either else (d in k.days) and (w in k.weekdays))
    }


@settings(max_examples=150, deadline=None)
@given(cron_lines())
def test_kubernetes_lines_fire_on_the_types_days(line: str) -> None:
    normalized, problem = normalize_cron(line)
    assume(problem is None and normalized == line)  # Kubernetes gets only what the compiler accepts
    c, k = cron.of(line), cron.of(kubernetes_cron(line))
    assert all(0 <= int(v) <= 6 for v in kubernetes_cron(line).split()[4].replace("-", ",").split(",") if v.isdigit())
    assert (k.minutes, k.hours, k.months) == (c.minutes, c.hours, c.months)
    assert _robfig_fire_days(k) == set(c.fire_days()), (line, kubernetes_cron(line))
