"""Cron for every target: validate and normalize expressions, turn intervals into cron, find DST hazards.

croniter is the reference (docs/architecture.md#cron-and-time-zones: outside transition hours every
target must fire exactly when croniter says), so it decides validity. We add only what it cannot say:
which field is wrong, constructs some targets cannot run, and expressions that never fire.
Everything here is pure and deterministic; nothing depends on today's date.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import functools
import math
import re
import zoneinfo
from dataclasses import dataclass

from croniter import croniter

from . import codes
from .diagnostics import Problem

_TARGETS = "every target (Dagster, Airflow, Kubernetes, systemd)"


CronProblem = Problem  # one problem type for every pure helper


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: dict[str, int]


_MONTHS = {m.upper(): i for i, m in enumerate(calendar.month_abbr) if m}
_DAYS = {d: i for i, d in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))}
_FIELDS = (
    _Field("minute", 0, 59, {}),
    _Field("hour", 0, 23, {}),
    _Field("day-of-month", 1, 31, {}),
    _Field("month", 1, 12, _MONTHS),
    _Field("day-of-week", 0, 7, _DAYS),  # 7 is Sunday too
)
_DOM, _DOW = 2, 4

_MACROS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}

# Constructs croniter (or Quartz, or Jenkins) knows but some target does not: (field indexes,
# pattern, what it is, hint). Lookarounds keep month/day names (JUL, WED, THU) from matching.
_UNSUPPORTED: tuple[tuple[tuple[int, ...], re.Pattern[str], str, str], ...] = (
    ((_DOM, _DOW), re.compile(r"\?"), "'?' (no specific value)", "write '*' instead of '?'"),
    (
        (_DOW,),
        re.compile(r"#"),
        "'#' (nth weekday of the month)",
        "run on that weekday every week and let the job check the week of the month",
    ),
    (
        (_DOM,),
        re.compile(r"(?<![A-Z])LW(?![A-Z])"),
        "'LW' (last weekday of the month)",
        "run on days 26-31 and let the job check the date, or pick a fixed day",
    ),
    (
        (_DOM, _DOW),
        re.compile(r"(?<![A-Z])L(?![A-Z])"),
        "'L' (last day)",
        "pick fixed days, or run on every candidate day and let the job check the date",
    ),
    ((_DOM,), re.compile(r"(?<![A-Z])W(?![A-Z])"), "'W' (nearest weekday)", "pick fixed days of the month"),
    (
        tuple(range(5)),
        re.compile(r"(?<![A-Z])H(?![A-Z])"),
        "'H' (Jenkins hashed value)",
        "write a fixed value; spread schedules by choosing different minutes",
    ),
)
# ASCII (isdigit() takes other scripts' digits); at most 9: int() of 4,300+ digits raises
_NUMBER = re.compile(r"[0-9]{1,9}")


def _problem(code: str, expr: str, detail: str, hint: str | None = None) -> tuple[None, CronProblem]:
    prefix = "unsupported cron" if code == codes.CRON_UNSUPPORTED_SYNTAX else "invalid cron"
    return None, CronProblem(code, f"{prefix} {expr!r}: {detail}", hint)


def normalize_cron(expr: str) -> tuple[str | None, CronProblem | None]:
    """The 5-field form of `expr` (single spaces, names upper-cased, otherwise as written), or a problem."""
    text = expr.strip()
    if text.startswith("@"):
        macro = text.lower()
        if macro in _MACROS:
            return _MACROS[macro], None
        if macro == "@reboot":
            return _problem(
                codes.CRON_UNSUPPORTED_SYNTAX,
                text,
                f"'@reboot' (run at boot) cannot run on {_TARGETS}",
                "use a time-based schedule; running at boot is a concern of the host",
            )
        return _problem(
            codes.INVALID_CRON,
            text,
            f"unknown macro {text.split()[0]!r}",
            "use one of " + ", ".join(_MACROS) + ", or interval_seconds for '@every'",
        )
    fields = text.split()
    if len(fields) in (6, 7):
        what = "a seconds or year field" if len(fields) == 6 else "seconds and year fields"
        return _problem(
            codes.CRON_UNSUPPORTED_SYNTAX,
            text,
            f"{len(fields)} fields ({what}) cannot run on {_TARGETS}",
            "use 5 fields: minute hour day-of-month month day-of-week",
        )
    if len(fields) != 5:
        return _problem(
            codes.INVALID_CRON,
            text,
            f"expected 5 fields, found {len(fields)}",
            "use 5 fields: minute hour day-of-month month day-of-week",
        )
    upper = [f.upper() if f.isascii() else f for f in fields]  # 'ſun'.upper() == 'SUN': ASCII names only
    for indexes, pattern, what, hint in _UNSUPPORTED:
        for i in indexes:
            if pattern.search(upper[i]):
                return _problem(
                    codes.CRON_UNSUPPORTED_SYNTAX,
                    text,
                    f"{what} in the {_FIELDS[i].name} field cannot run on {_TARGETS}",
                    hint,
                )
    normalized = " ".join(upper)
    try:
        expanded: list[list[int | str]] | None = _expand(normalized)
        croniter_error = ""
    except Exception as exc:  # croniter raises several types (and ValueError) for bad input
        expanded, croniter_error = None, str(exc) or type(exc).__name__
    # croniter's errors do not name the field ("[61 * * * *] is not acceptable, out of range"),
    # so a token scan explains them; it also rejects what croniter accepts but targets read
    # differently (wrapping and single-value ranges, the OR/AND day-rule ambiguity).
    for i, token in enumerate(upper):
        found = _scan_field(_FIELDS[i], fields[i], token)
        if found:
            return _problem(found[0], text, found[1], found[2])
    ambiguity = _day_rule_ambiguity(upper)
    if ambiguity:
        return _problem(codes.CRON_UNSUPPORTED_SYNTAX, text, ambiguity[0], ambiguity[1])
    if expanded is None:
        return _problem(codes.INVALID_CRON, text, croniter_error)
    never = _never_fires(expanded, fields)
    if never:
        return None, CronProblem(
            codes.CRON_NEVER_FIRES,
            f"cron {text!r} never fires: {never}",
            "February has at most 29 days; April, June, September and November have 30",
        )
    return normalized, None


def _scan_field(f: _Field, written: str, token: str) -> tuple[str, str, str | None] | None:
    """(code, detail, hint) for the first bad item of one field, or None."""
    bad = codes.INVALID_CRON
    items = token.split(",")
    for item, item_up in zip(written.split(","), items):
        if not item:
            return bad, f"{f.name} {written!r} has an empty list item", None
        if item_up == "*" and len(items) > 1:
            # croniter expands '1,*' to ['*', 1], the whole field, yet cron's day rule calls it restricted
            return (
                codes.CRON_UNSUPPORTED_SYNTAX,
                f"'*' as one item of the {f.name} list {written!r} cannot run the same on {_TARGETS}",
                "write '*' alone for every value, or list the values",
            )
        base, slash, step = item_up.partition("/")
        if slash:
            if not _NUMBER.fullmatch(step):
                return bad, f"{f.name} step {item.partition('/')[2]!r} in {item!r} is not a number", None
            if int(step) == 0:
                return bad, f"{f.name} {item!r} has step 0", "a step must be at least 1"
        if base == "*":
            continue
        if not base:
            return bad, f"{f.name} {item!r} has no value before '/'", None
        ends, span = base.split("-"), item.partition("/")[0]
        if len(ends) > 2 or not all(ends):
            return bad, f"{f.name} {span!r} is not a value or a range", "write a value like 5 or a range like 1-5"
        values: list[int] = []
        for end, end_written in zip(ends, span.split("-")):
            if _NUMBER.fullmatch(end) and not f.low <= int(end) <= f.high:
                return bad, f"{f.name} {end_written} is out of range {f.low}-{f.high}", None
            if not _NUMBER.fullmatch(end) and end not in f.names:
                return bad, f"{f.name} {end_written!r} is not {'a number or a name' if f.names else 'a number'}", None
            values.append(int(end) if _NUMBER.fullmatch(end) else f.names[end])
        if len(values) == 2 and values[0] > values[1]:
            hint = "cron ranges do not wrap around; write two ranges joined by a comma"
            if f.name == "day-of-week" and values[1] == 0:
                hint = "day-of-week 7 is Sunday too: end the range with 7"
            return bad, f"{f.name} range {span} starts after it ends", hint
        if len(values) == 2 and values[0] == values[1]:
            # croniter reads an equal range ('5-5') as the whole field; other targets as one value.
            return (
                codes.CRON_UNSUPPORTED_SYNTAX,
                f"{f.name} range {span} (start equals end) is read as the whole field by croniter "
                f"and as one value by other targets, so it cannot run the same on {_TARGETS}",
                f"write the single value {ends[0]}",
            )
    return None


def _day_rule_ambiguity(upper: list[str]) -> tuple[str, str] | None:
    """A restricted day field spelled with '*' ('*/2') while the other is restricted too.

    Vixie cron counts such a field as '*' (both days must match), croniter and robfig
    (Kubernetes) as restricted (either day matches), and systemd gets two lines: a day
    set would differ by target. Spelling the range out makes every target read OR.
    """
    dom, dow = upper[_DOM], upper[_DOW]
    if dom == "*" or dow == "*":
        return None
    for i, token, full in ((_DOM, dom, "1-31"), (_DOW, dow, "0-6")):
        if token.startswith("*"):
            return (
                f"{_FIELDS[i].name} {token!r} with the other day field restricted is read as "
                f"'*' by some targets and as a day set by others, so it cannot run the same on {_TARGETS}",
                f"spell the range out: {full + token[1:]!r}",
            )
    return None


def _never_fires(expanded: list[list[int | str]], fields: list[str]) -> str | None:
    """Why a day-of-month/month combination can never match, or None.

    Only when day-of-week is unrestricted: otherwise cron fires when either day field
    matches, and every weekday occurs in every month.
    """
    days, months = expanded[_DOM], expanded[3]
    if expanded[_DOW] != ["*"] or "*" in days:  # '*' anywhere in a field is the whole field
        return None
    longest = max(calendar.monthrange(2024, int(m))[1] for m in (range(1, 13) if "*" in months else months))
    ok = min(int(d) for d in days) <= longest  # 2024 is a leap year: Feb 29 exists
    return None if ok else f"month {fields[3]} has no day {fields[_DOM]}"


@functools.lru_cache(maxsize=8192)
def _expand(line: str) -> list[list[int | str]]:
    """croniter's expansion of the five fields (each a sorted list of ints, or ['*'])."""
    expanded, _nth = croniter.expand(line)
    return expanded


# ---------------------------------------------------------------------------------- intervals


@functools.lru_cache(maxsize=1)
def _valid_intervals() -> tuple[int, ...]:
    return tuple(60 * m for m in range(1, 1441) if 1440 % m == 0)


def _human(seconds: int) -> str:
    return f"{seconds // 3600} h" if seconds % 3600 == 0 else f"{seconds // 60} min"


def _cron_range(values: list[int], step: int, low: int, high: int) -> str:
    """One cron field for an arithmetic progression: '*', '*/s', 'v' or 'a-b/s' (never the ambiguous 'a-a')."""
    if len(values) == 1:
        return str(values[0])
    if values[0] == low and values[-1] + step > high:  # the whole cycle from the field's start
        return "*" if step == 1 else f"*/{step}"
    return f"{values[0]}-{values[-1]}/{step}"


def interval_to_cron(seconds: int) -> tuple[list[str] | None, CronProblem | None]:
    """The fewest cron lines firing every `seconds` from local midnight, or DTV304."""
    valid = _valid_intervals()
    if seconds not in valid:
        if seconds <= 0:
            message, hint = f"interval_seconds {seconds} must be positive", "the shortest interval is 60 (1 min)"
        elif seconds > 86400:
            message = f"interval_seconds {seconds} is longer than a day"
            hint = "the longest interval is 86400 (24 h); use cron for less frequent schedules"
        else:
            i = bisect.bisect(valid, seconds)
            below, above = valid[i - 1], valid[i]
            message = f"interval_seconds {seconds} is not a multiple of 60 dividing 86400"
            hint = f"nearest valid intervals: {below} ({_human(below)}) and {above} ({_human(above)})"
        return None, CronProblem(codes.INTERVAL_INEXPRESSIBLE, message, hint)
    m = seconds // 60
    # Minute-of-hour of a fire time depends only on the hour modulo period = m / gcd(m, 60),
    # and distinct hour classes fire on disjoint minute sets, so a line (a product of minute
    # set x hour set) cannot span two classes: one line per non-empty class is the fewest.
    period = m // math.gcd(m, 60)
    lines: list[str] = []
    for first_hour in range(period):
        minutes = [r for r in range(60) if (60 * first_hour + r) % m == 0]
        if minutes:
            hours = list(range(first_hour, 24, period))
            lines.append(f"{_cron_range(minutes, m, 0, 59)} {_cron_range(hours, period, 0, 23)} * * *")
    return lines, None


# ---------------------------------------------------------------------------------- DST


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


@dataclass(frozen=True)
class _Sets:  # one cron line's allowed values; None means every value
    minutes: tuple[int, ...]
    hours: frozenset[int]
    days: frozenset[int] | None
    months: frozenset[int] | None
    weekdays: frozenset[int] | None  # cron numbering, 0 = Sunday
    day_or: bool

    def day_matches(self, day: dt.date) -> bool:
        if self.months is not None and day.month not in self.months:
            return False
        dom = self.days is None or day.day in self.days
        dow = self.weekdays is None or (day.weekday() + 1) % 7 in self.weekdays
        return (dom or dow) if self.day_or else (dom and dow)


def _set(values: list[int | str]) -> frozenset[int] | None:
    return None if "*" in values else frozenset(int(v) for v in values)


@functools.lru_cache(maxsize=8192)
def _sets(line: str) -> _Sets | None:
    try:
        minute, hour, day, month, weekday = _expand(line)[:5]
    except Exception:
        return None  # invalid lines are reported by normalize_cron; nothing to warn about
    # croniter's day rule, from its expansion: OR when both day fields are restricted.
    # That is cron's "both not '*' as written" rule; croniter is the reference where
    # spellings like '1-31' with '*/2' blur it (docs/architecture.md#cron-and-time-zones).
    return _Sets(
        minutes=tuple(range(60)) if "*" in minute else tuple(sorted(int(v) for v in minute)),
        hours=frozenset(range(24)) if "*" in hour else frozenset(int(v) for v in hour),
        days=_set(day),
        months=_set(month),
        weekdays=_set(weekday),
        day_or=day != ["*"] and weekday != ["*"],
    )


def dst_hazards(cron_lines: list[str], timezone: str) -> list[DstHazard]:
    """Fire times inside a skipped or repeated local hour of `timezone`, in the years 2025-2031."""
    return list(_dst_hazards(tuple(cron_lines), timezone))


@functools.lru_cache(maxsize=8192)
def _dst_hazards(lines: tuple[str, ...], timezone: str) -> tuple[DstHazard, ...]:
    transitions = _transitions(timezone)
    if not transitions:
        return ()
    sets, out = [s for s in map(_sets, lines) if s is not None], []
    for tr in transitions:
        hits: set[tuple[int, int, int]] = set()  # (segment index, hour, minute): chronological order
        for s in sets:
            for k, seg in enumerate(tr.segments):
                if seg.hour not in s.hours or not s.day_matches(seg.day):
                    continue
                i = bisect.bisect_left(s.minutes, seg.lo)
                while i < len(s.minutes) and s.minutes[i] < seg.hi:
                    hits.add((k, seg.hour, s.minutes[i]))
                    i += 1
        if hits:
            out.append(DstHazard(tr.kind, tr.local_date, tuple(f"{h:02d}:{m:02d}" for _k, h, m in sorted(hits))))
    return tuple(out)
