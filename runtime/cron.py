"""One cron type: a five-field line parsed once, for the compiler, every target and the runtime.

croniter is the reference for when a line fires (docs/architecture.md#cron-and-time-zones), so a line's
value sets are croniter's expansion, and iteration is croniter's. This module adds what croniter does not
expose: the value sets as sets, whether each day field was written as `*` or read as `*` (cron decides
its day rule from the written field, croniter from its expansion; targets differ where the two do),
the day rule itself in one place (`Cron.day_matches`), and the scan for fire times inside DST
transitions (`dst_hazards`, the compiler's DTV306).

A leaf the runtime imports: the standard library, croniter and zoneinfo only. Parse errors are data
(`CronError`); the compiler turns them into diagnostics, targets into their own refusals.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import functools
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from croniter import croniter


@dataclass(frozen=True)
class Field:
    name: str
    low: int
    high: int
    names: dict[str, int]


MONTH_NAMES = {m.upper(): i for i, m in enumerate(calendar.month_abbr) if m}
DAY_NAMES = {d: i for i, d in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))}
FIELDS = (
    Field("minute", 0, 59, {}),
    Field("hour", 0, 23, {}),
    Field("day-of-month", 1, 31, {}),
    Field("month", 1, 12, MONTH_NAMES),
    Field("day-of-week", 0, 7, DAY_NAMES),  # 7 is Sunday too
)
MINUTE, HOUR, DOM, MONTH, DOW = range(5)
#: days of each month in a leap year (February has its 29th): the most any year gives
MONTH_DAYS = {m: calendar.monthrange(2024, m)[1] for m in range(1, 13)}
_FULL = tuple(frozenset(range(f.low, f.high + 1 if i != DOW else 7)) for i, f in enumerate(FIELDS))


@dataclass(frozen=True)
class CronError:
    """Why a line is not a cron line of this type.

    kind "syntax": croniter cannot read it; "construct": croniter reads it, but not as plain value sets
    ('L', 'W', '#', a seconds or year field).
    """

    line: str
    kind: Literal["syntax", "construct"]
    detail: str


@dataclass(frozen=True)
class Cron:
    """A five-field cron line as croniter reads it (day-of-week 0 = Sunday; a written 7 is 0)."""

    text: str
    minutes: tuple[int, ...]  # sorted
    hours: tuple[int, ...]  # sorted
    days: frozenset[int]  # every value (1-31) when the field is read as '*'
    months: frozenset[int]
    weekdays: frozenset[int]
    #: (day-of-month, day-of-week) restricted as croniter reads them: its expansion is not '*'
    restricted: tuple[bool, bool]
    #: (day-of-month, day-of-week) restricted as cron reads them: the written field does not start with '*'
    written_restricted: tuple[bool, bool]

    @property
    def day_or(self) -> bool:
        """Whether a day matches when EITHER day field does (else both must): croniter's reading."""
        return all(self.restricted)

    @property
    def day_rule_agrees(self) -> bool:
        """Whether cron (from the written fields) and croniter (from its expansion) pick the same day rule."""
        return all(self.written_restricted) == all(self.restricted)

    def day_matches(self, month: int, day: int, weekday: int) -> bool:
        """Whether the line fires on a day (weekday 0 = Sunday): cron's day rule, THE one copy of it."""
        if month not in self.months:
            return False
        in_dom, in_dow = day in self.days, weekday in self.weekdays
        # cron-day-rule: both day fields restricted -> either matches (OR); otherwise both (an unrestricted one always does)
        return (in_dom or in_dow) if self.day_or else (in_dom and in_dow)

    def date_matches(self, date: dt.date) -> bool:
        return self.day_matches(date.month, date.day, (date.weekday() + 1) % 7)

    def matches(self, when: dt.datetime) -> bool:
        """Whether the line fires at `when`'s wall-clock minute (seconds ignored, as croniter.match)."""
        return when.minute in self.minutes and when.hour in self.hours and self.date_matches(when.date())

    def can_fire(self) -> bool:
        """Whether some day of some year matches (every weekday occurs in every month)."""
        return self.restricted[1] or days_exist(self.days, self.months)

    def fire_days(self) -> frozenset[tuple[int, int, int]]:
        """Every (month, day, weekday) the line fires on in some year (all occur over 28 years, Feb 29 too)."""
        return _fire_days(self)

    def fire_times(self, after: dt.datetime, zone: str) -> Iterator[dt.datetime]:
        """Fire times strictly after `after` (aware), in `zone`, in order: croniter's iteration."""
        it = croniter(self.text, after.astimezone(zoneinfo.ZoneInfo(zone)))
        while True:
            yield it.get_next(dt.datetime)

    def last_fire(self, at: dt.datetime, zone: str) -> dt.datetime:
        """The latest fire time at or before `at` (aware), in `zone` (croniter's reverse iteration)."""
        base = at.astimezone(zoneinfo.ZoneInfo(zone)).replace(second=0, microsecond=0)
        if self.matches(base):
            return base
        prev: dt.datetime = croniter(self.text, base).get_prev(dt.datetime)
        return prev


def days_exist(days: frozenset[int], months: frozenset[int]) -> bool:
    """Whether some month of `months` has some day of `days`."""
    return min(days) <= max(MONTH_DAYS[m] for m in months)


@functools.lru_cache(maxsize=4096)
def _fire_days(cron: Cron) -> frozenset[tuple[int, int, int]]:
    return frozenset(
        (m, d, w)
        for m in sorted(cron.months)
        for d in range(1, MONTH_DAYS[m] + 1)
        for w in range(7)
        if cron.day_matches(m, d, w)
    )


@functools.lru_cache(maxsize=8192)
def parse(line: str) -> Cron | CronError:
    """The line as a `Cron`, or why not. Names and 7 (Sunday) are croniter's; nothing is normalised here."""
    fields = line.split()
    try:
        expanded, nth = croniter.expand(line)
    except Exception as exc:  # croniter raises several types (and ValueError) for bad input
        return CronError(line, "syntax", str(exc) or type(exc).__name__)
    if len(fields) != 5 or nth or len(expanded) != 5:
        return CronError(line, "construct", "only plain five-field cron lines have value sets")
    sets: list[frozenset[int]] = []
    for i, values in enumerate(expanded):
        if "*" in values:  # '*' anywhere in a field is the whole field (croniter expands '1,*' to ['*', 1])
            sets.append(_FULL[i])
        elif values and all(isinstance(v, int) for v in values):
            sets.append(frozenset(v % 7 if i == DOW else v for v in values))
        else:
            return CronError(line, "construct", f"{FIELDS[i].name} holds {values!r}, which is not a value set")
    return Cron(
        text=line,
        minutes=tuple(sorted(sets[MINUTE])),
        hours=tuple(sorted(sets[HOUR])),
        days=sets[DOM],
        months=sets[MONTH],
        weekdays=sets[DOW],
        restricted=(expanded[DOM][0] != "*", expanded[DOW][0] != "*"),
        written_restricted=(not fields[DOM].startswith("*"), not fields[DOW].startswith("*")),
    )


class CronSyntaxError(ValueError):
    """A line that is not a `Cron`, for callers that raise (the message is the `CronError`'s detail)."""


def of(line: str) -> Cron:
    """`parse`, raising CronSyntaxError instead of returning a CronError."""
    found = parse(line)
    if isinstance(found, CronError):
        raise CronSyntaxError(f"cron {line!r}: {found.detail}")
    return found


def last_fire(lines: list[str], at: dt.datetime, zone: str) -> dt.datetime:
    """The latest fire time at or before `at` over all lines, in UTC; raises CronSyntaxError, ZoneInfoNotFoundError."""
    if not lines:
        raise CronSyntaxError("no cron lines")
    best = max(of(line).last_fire(at, zone) for line in lines)
    return best.astimezone(dt.UTC).replace(microsecond=0)


# ---------------------------------------------------------------------------------- DST scan
# Hand-written, not croniter: croniter iterates aware times, which never land in a skipped hour and
# cannot say which fire times fall in a repeated one; the scan needs the wall-clock matches.


@dataclass(frozen=True)
class DstHazard:
    kind: str  # "skipped" or "repeated"
    local_date: str
    local_times: tuple[str, ...]


@dataclass(frozen=True)
class _Segment:  # local minutes [lo, hi) of one hour of one day inside a transition window
    day: dt.date
    hour: int
    lo: int
    hi: int


@dataclass(frozen=True)
class _Transition:
    kind: str
    local_date: str
    segments: tuple[_Segment, ...]


_YEARS = range(2025, 2032)  # fixed, so warnings never depend on the compile date


@functools.cache
def _transitions(timezone: str) -> tuple[_Transition, ...]:
    """Skipped and repeated local windows of `timezone` whose local date lies in _YEARS."""
    try:
        tz = zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return ()  # unknown zones are DTV302, reported elsewhere

    def offset(minute: int) -> int:
        value = dt.datetime.fromtimestamp(minute * 60, tz).utcoffset()
        return int(value.total_seconds()) // 60 if value is not None else 0

    epoch = dt.datetime(1970, 1, 1)
    start = int(dt.datetime(_YEARS[0] - 1, 12, 31, tzinfo=dt.UTC).timestamp()) // 60
    stop = int(dt.datetime(_YEARS[-1] + 1, 1, 2, tzinfo=dt.UTC).timestamp()) // 60
    out: list[_Transition] = []
    # Sample once a day (zones change at most once a day), then bisect to the minute.
    before = offset(start)
    for day in range(start, stop, 1440):
        after = offset(day + 1440)
        if after == before:
            continue
        lo, hi = day, day + 1440  # offset(lo) == before, offset(hi) == after
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if offset(mid) == before else (lo, mid)
        kind = "skipped" if after > before else "repeated"
        first, last = sorted((hi + before, hi + after))  # the local wall-clock window, in minutes
        begin = epoch + dt.timedelta(minutes=first)
        if begin.year in _YEARS:
            out.append(_Transition(kind, begin.date().isoformat(), _segments(begin, last - first)))
        before = after
    return tuple(out)


def _segments(begin: dt.datetime, minutes: int) -> tuple[_Segment, ...]:
    out: list[_Segment] = []
    cur, end = begin, begin + dt.timedelta(minutes=minutes)
    while cur < end:
        hour_end = cur.replace(minute=0) + dt.timedelta(hours=1)
        seg_end = min(end, hour_end)
        out.append(_Segment(cur.date(), cur.hour, cur.minute, cur.minute + (seg_end - cur) // dt.timedelta(minutes=1)))
        cur = seg_end
    return tuple(out)


def dst_hazards(cron_lines: list[str], timezone: str) -> list[DstHazard]:
    """Fire times inside a skipped or repeated local hour of `timezone`, in the years 2025-2031.

    Lines that do not parse are skipped: the compiler reports them (DTV301).
    """
    return list(_dst_hazards(tuple(cron_lines), timezone))


@functools.lru_cache(maxsize=8192)
def _dst_hazards(lines: tuple[str, ...], timezone: str) -> tuple[DstHazard, ...]:
    transitions = _transitions(timezone)
    if not transitions:
        return ()
    crons = [c for c in map(parse, lines) if isinstance(c, Cron)]
    out = []
    for tr in transitions:
        hits: set[tuple[int, int, int]] = set()  # (segment index, hour, minute): chronological order
        for c in crons:
            for k, seg in enumerate(tr.segments):
                if seg.hour not in c.hours or not c.date_matches(seg.day):
                    continue
                i = bisect.bisect_left(c.minutes, seg.lo)
                while i < len(c.minutes) and c.minutes[i] < seg.hi:
                    hits.add((k, seg.hour, c.minutes[i]))
                    i += 1
        if hits:
            out.append(DstHazard(tr.kind, tr.local_date, tuple(f"{h:02d}:{m:02d}" for _k, h, m in sorted(hits))))
    return tuple(out)
