"""Cron diagnostics: validate and normalize expressions (DTV301/307/308), turn intervals into cron (DTV304).

The cron type (dativo.runtime.cron) holds the semantics every target shares: value sets, the day rule,
iteration and the DST scan (DTV306; re-exported here). croniter is the reference
(docs/architecture.md#cron-and-time-zones), so the type's parse decides validity. This module adds only
what it cannot say: which field is wrong, constructs some targets cannot run, and expressions that
never fire. Everything here is pure and deterministic; nothing depends on today's date.
"""

from __future__ import annotations

import bisect
import functools
import math
import re

from dativo.runtime.cron import DOM, DOW, FIELDS, MONTH, Cron, DstHazard, Field, dst_hazards, parse

from . import codes
from .diagnostics import Problem

__all__ = ["CronProblem", "DstHazard", "dst_hazards", "interval_to_cron", "normalize_cron"]

_TARGETS = "every target (Dagster, Airflow, Kubernetes, systemd)"


CronProblem = Problem  # one problem type for every pure helper


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
    ((DOM, DOW), re.compile(r"\?"), "'?' (no specific value)", "write '*' instead of '?'"),
    (
        (DOW,),
        re.compile(r"#"),
        "'#' (nth weekday of the month)",
        "run on that weekday every week and let the job check the week of the month",
    ),
    (
        (DOM,),
        re.compile(r"(?<![A-Z])LW(?![A-Z])"),
        "'LW' (last weekday of the month)",
        "run on days 26-31 and let the job check the date, or pick a fixed day",
    ),
    (
        (DOM, DOW),
        re.compile(r"(?<![A-Z])L(?![A-Z])"),
        "'L' (last day)",
        "pick fixed days, or run on every candidate day and let the job check the date",
    ),
    ((DOM,), re.compile(r"(?<![A-Z])W(?![A-Z])"), "'W' (nearest weekday)", "pick fixed days of the month"),
    (
        tuple(range(5)),
        re.compile(r"(?<![A-Z])H(?![A-Z])"),
        "'H' (Jenkins hashed value)",
        "write a fixed value; spread schedules by choosing different minutes",
    ),
)
# ASCII (isdigit() takes other scripts' digits); at most 9: int() of 4,300+ digits raises
_NUMBER = re.compile(r"[0-9]{1,9}")


def _problem(code: codes.Code, expr: str, detail: str, hint: str | None = None) -> tuple[None, CronProblem]:
    """DTV301 or DTV307: `detail` says which field and item, `hint` how to write it."""
    message, hint = code.render(cron=expr, detail=detail, hint=hint)
    return None, CronProblem(code, message, hint)


@functools.lru_cache(maxsize=4096)  # projects repeat a few cron lines thousands of times
def normalize_cron(expr: str) -> tuple[str | None, CronProblem | None]:
    """The 5-field form of `expr` (single spaces, names upper-cased, otherwise as written), or a problem."""
    text = expr.strip()
    if text.startswith("@"):
        return _macro(text)
    fields = text.split()
    if len(fields) != 5:
        return _field_count(text, len(fields))
    upper = [f.upper() if f.isascii() else f for f in fields]  # 'ſun'.upper() == 'SUN': ASCII names only
    for indexes, pattern, what, hint in _UNSUPPORTED:
        for i in indexes:
            if pattern.search(upper[i]):
                detail = f"{what} in the {FIELDS[i].name} field cannot run on {_TARGETS}"
                return _problem(codes.CRON_UNSUPPORTED_SYNTAX, text, detail, hint)
    normalized = " ".join(upper)
    parsed = parse(normalized)
    # croniter's errors do not name the field ("[61 * * * *] is not acceptable, out of range"),
    # so a token scan explains them; it also rejects what croniter accepts but targets read
    # differently (wrapping and single-value ranges, the OR/AND day-rule ambiguity).
    for i, token in enumerate(upper):
        found = _scan_field(FIELDS[i], fields[i], token)
        if found:
            return _problem(found[0], text, found[1], found[2])
    ambiguity = _day_rule_ambiguity(upper)
    if ambiguity:
        return _problem(codes.CRON_UNSUPPORTED_SYNTAX, text, ambiguity[0], ambiguity[1])
    if not isinstance(parsed, Cron):
        code = codes.INVALID_CRON if parsed.kind == "syntax" else codes.CRON_UNSUPPORTED_SYNTAX
        return _problem(code, text, parsed.detail)
    if not parsed.can_fire():
        return None, _rendered(codes.CRON_NEVER_FIRES, cron=text, month=fields[MONTH], day=fields[DOM])
    return normalized, None


def _macro(text: str) -> tuple[str | None, CronProblem | None]:
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


def _field_count(text: str, count: int) -> tuple[None, CronProblem]:
    hint = "use 5 fields: minute hour day-of-month month day-of-week"
    if count in (6, 7):
        what = "a seconds or year field" if count == 6 else "seconds and year fields"
        detail = f"{count} fields ({what}) cannot run on {_TARGETS}"
        return _problem(codes.CRON_UNSUPPORTED_SYNTAX, text, detail, hint)
    return _problem(codes.INVALID_CRON, text, f"expected 5 fields, found {count}", hint)


def _rendered(code: codes.Code, **fields: object) -> CronProblem:
    message, hint = code.render(**fields)
    return CronProblem(code, message, hint)


def _scan_field(f: Field, written: str, token: str) -> tuple[codes.Code, str, str | None] | None:
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
    dom, dow = upper[DOM], upper[DOW]
    if dom == "*" or dow == "*":
        return None
    for i, token, full in ((DOM, dom, "1-31"), (DOW, dow, "0-6")):
        if token.startswith("*"):
            return (
                f"{FIELDS[i].name} {token!r} with the other day field restricted is read as "
                f"'*' by some targets and as a day set by others, so it cannot run the same on {_TARGETS}",
                f"spell the range out: {full + token[1:]!r}",
            )
    return None


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


@functools.lru_cache(maxsize=4096)  # as normalize_cron; callers copy the lines, never change them
def interval_to_cron(seconds: int) -> tuple[list[str] | None, CronProblem | None]:
    """The fewest cron lines firing every `seconds` from local midnight, or DTV304."""
    valid = _valid_intervals()
    if seconds not in valid:
        if seconds <= 0:
            reason, hint = "must be positive", "the shortest interval is 60 (1 min)"
        elif seconds > 86400:
            reason = "is longer than a day"
            hint = "the longest interval is 86400 (24 h); use cron for less frequent schedules"
        else:
            i = bisect.bisect(valid, seconds)
            below, above = valid[i - 1], valid[i]
            reason = "is not a multiple of 60 dividing 86400"
            hint = f"nearest valid intervals: {below} ({_human(below)}) and {above} ({_human(above)})"
        return None, _rendered(codes.INTERVAL_INEXPRESSIBLE, seconds=seconds, reason=reason, hint=hint)
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
