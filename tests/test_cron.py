"""Tests for dativo.compiler.cron: normalize_cron, interval_to_cron, dst_hazards."""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo

import pytest
from croniter import croniter
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dativo.compiler import codes, cron
from dativo.compiler.cron import CronProblem, DstHazard, dst_hazards, interval_to_cron, normalize_cron
from dativo.runtime.cron import CronError

ALL_TARGETS = "every target (Dagster, Airflow, Kubernetes, systemd)"
VALID_INTERVALS = [60 * m for m in range(1, 1441) if 1440 % m == 0]

# ------------------------------------------------------------------------------ normalize_cron


@pytest.mark.parametrize(
    "expr, normalized",
    [
        ("*/15 * * * *", "*/15 * * * *"),
        ("1-30/5 * * * *", "1-30/5 * * * *"),
        ("5/10 * * * *", "5/10 * * * *"),
        ("0 9 * * mon-fri", "0 9 * * MON-FRI"),
        ("0 0 1 jan,Jul *", "0 0 1 JAN,JUL *"),
        ("0 0 * jan-mar/2 *", "0 0 * JAN-MAR/2 *"),
        ("0 0 * * 0", "0 0 * * 0"),
        ("0 0 * * 7", "0 0 * * 7"),
        ("0 0 * * 5-7", "0 0 * * 5-7"),
        ("0 0 * * SUN-SAT", "0 0 * * SUN-SAT"),
        ("  0   12 *  * *  ", "0 12 * * *"),
        ("0\t12 * *\t*", "0 12 * * *"),
        ("0 0 29 2 *", "0 0 29 2 *"),
        ("0 0 30 2 mon", "0 0 30 2 MON"),  # day-of-week restricted too: fires on Mondays in February
        ("0 0 31 * *", "0 0 31 * *"),
        ("0 0 31 1-3 *", "0 0 31 1-3 *"),
        ("59 23 31 12 *", "59 23 31 12 *"),
        ("0 0 1-31 * 1", "0 0 1-31 * 1"),
        ("05 07 * * *", "05 07 * * *"),  # as written, not expanded
    ],
)
def test_normalize_accepts_and_keeps_written_form(expr: str, normalized: str) -> None:
    assert normalize_cron(expr) == (normalized, None)


@pytest.mark.parametrize(
    "macro, normalized",
    [
        ("@hourly", "0 * * * *"),
        ("@daily", "0 0 * * *"),
        ("@midnight", "0 0 * * *"),
        ("@weekly", "0 0 * * 0"),
        ("@monthly", "0 0 1 * *"),
        ("@yearly", "0 0 1 1 *"),
        ("@annually", "0 0 1 1 *"),
        (" @DAILY ", "0 0 * * *"),
    ],
)
def test_normalize_expands_macros(macro: str, normalized: str) -> None:
    assert normalize_cron(macro) == (normalized, None)


def _unsupported(expr: str, what: str) -> str:
    return f"unsupported cron {expr!r}: {what} cannot run on {ALL_TARGETS}"


@pytest.mark.parametrize(
    "expr, message",
    [
        ("@reboot", _unsupported("@reboot", "'@reboot' (run at boot)")),
        ("0 0 0 * * *", _unsupported("0 0 0 * * *", "6 fields (a seconds or year field)")),
        ("0 0 0 * * * 2026", _unsupported("0 0 0 * * * 2026", "7 fields (seconds and year fields)")),
        ("0 0 L * *", _unsupported("0 0 L * *", "'L' (last day) in the day-of-month field")),
        ("0 0 * * 5L", _unsupported("0 0 * * 5L", "'L' (last day) in the day-of-week field")),
        ("0 0 lw * *", _unsupported("0 0 lw * *", "'LW' (last weekday of the month) in the day-of-month field")),
        ("0 0 15W * *", _unsupported("0 0 15W * *", "'W' (nearest weekday) in the day-of-month field")),
        ("0 0 * * 5#2", _unsupported("0 0 * * 5#2", "'#' (nth weekday of the month) in the day-of-week field")),
        ("0 12 ? * MON", _unsupported("0 12 ? * MON", "'?' (no specific value) in the day-of-month field")),
        ("H * * * *", _unsupported("H * * * *", "'H' (Jenkins hashed value) in the minute field")),
        ("H(0-29)/10 * * * *", _unsupported("H(0-29)/10 * * * *", "'H' (Jenkins hashed value) in the minute field")),
    ],
)
def test_normalize_rejects_constructs_some_target_cannot_run(expr: str, message: str) -> None:
    value, problem = normalize_cron(expr)
    assert value is None and problem is not None
    assert (problem.code, problem.message) == (codes.CRON_UNSUPPORTED_SYNTAX, message)
    assert problem.hint


@pytest.mark.parametrize(
    "expr, message, hint",
    [
        (
            "5-5 * * * *",
            "minute range 5-5 (start equals end) is read as the whole field by croniter and as one "
            f"value by other targets, so it cannot run the same on {ALL_TARGETS}",
            "write the single value 5",
        ),
        (
            "0 0 * * mon-mon",
            "day-of-week range mon-mon (start equals end) is read as the whole field by croniter and "
            f"as one value by other targets, so it cannot run the same on {ALL_TARGETS}",
            "write the single value MON",
        ),
        (
            "0 0 */2 * 1",
            "day-of-month '*/2' with the other day field restricted is read as '*' by some targets and "
            f"as a day set by others, so it cannot run the same on {ALL_TARGETS}",
            "spell the range out: '1-31/2'",
        ),
        (
            "0 0 1-31 * */2",
            "day-of-week '*/2' with the other day field restricted is read as '*' by some targets and "
            f"as a day set by others, so it cannot run the same on {ALL_TARGETS}",
            "spell the range out: '0-6/2'",
        ),
        # croniter expands '1,*' to ['*', 1], which raised ValueError (an internal error) in the compiler
        (
            "0 0 1,* * *",
            f"'*' as one item of the day-of-month list '1,*' cannot run the same on {ALL_TARGETS}",
            "write '*' alone for every value, or list the values",
        ),
        (
            "0 0 1 *,1 *",
            f"'*' as one item of the month list '*,1' cannot run the same on {ALL_TARGETS}",
            "write '*' alone for every value, or list the values",
        ),
    ],
)
def test_normalize_rejects_spellings_targets_read_differently(expr: str, message: str, hint: str) -> None:
    assert normalize_cron(expr) == (
        None,
        CronProblem(codes.CRON_UNSUPPORTED_SYNTAX, f"unsupported cron {expr!r}: {message}", hint),
    )


@pytest.mark.parametrize(
    "expr, detail",
    [
        ("61 * * * *", "minute 61 is out of range 0-59"),
        ("0 25 * * *", "hour 25 is out of range 0-23"),
        ("0 0 0 * *", "day-of-month 0 is out of range 1-31"),
        ("0 0 32 * *", "day-of-month 32 is out of range 1-31"),
        ("0 0 * 13 *", "month 13 is out of range 1-12"),
        ("0 0 * * 8", "day-of-week 8 is out of range 0-7"),
        ("0 0-99 * * *", "hour 99 is out of range 0-23"),
        ("0 0 * * FOO", "day-of-week 'FOO' is not a number or a name"),
        ("0 0 * January *", "month 'January' is not a number or a name"),
        ("MON * * * *", "minute 'MON' is not a number"),
        ("a * * * *", "minute 'a' is not a number"),
        ("\uff11 * * * *", "minute '\uff11' is not a number"),  # a full-width digit is not a cron digit
        ("0 0 * * \u017fun", "day-of-week '\u017fun' is not a number or a name"),  # long s upper-cases to S
        ("* * * *", "expected 5 fields, found 4"),
        ("", "expected 5 fields, found 0"),
        ("* * * * * * * *", "expected 5 fields, found 8"),
        ("5-1 * * * *", "minute range 5-1 starts after it ends"),
        ("0 22-2 * * *", "hour range 22-2 starts after it ends"),
        ("*/0 * * * *", "minute '*/0' has step 0"),
        ("1-30/0 * * * *", "minute '1-30/0' has step 0"),
        ("*/x * * * *", "minute step 'x' in '*/x' is not a number"),
        ("/5 * * * *", "minute '/5' has no value before '/'"),
        ("1,,2 * * * *", "minute '1,,2' has an empty list item"),
        ("-1 * * * *", "minute '-1' is not a value or a range"),
        ("1-2-3 * * * *", "minute '1-2-3' is not a value or a range"),
        ("@every 5m", "unknown macro '@every'"),
        # past Python's 4,300-digit int() limit (a ValueError, an internal error, before)
        ("*/" + "9" * 4400 + " * * * *", "minute step '" + "9" * 4400 + "' in '*/" + "9" * 4400 + "' is not a number"),
        ("9" * 4400 + " * * * *", "minute '" + "9" * 4400 + "' is not a number"),
    ],
)
def test_normalize_rejects_invalid_naming_field_and_value(expr: str, detail: str) -> None:
    value, problem = normalize_cron(expr)
    assert value is None and problem is not None
    assert (problem.code, problem.message) == (codes.INVALID_CRON, f"invalid cron {expr!r}: {detail}")


def test_wrapping_day_of_week_range_hints_at_seven() -> None:
    _, problem = normalize_cron("0 0 * * SAT-SUN")
    assert problem == CronProblem(
        codes.INVALID_CRON,
        "invalid cron '0 0 * * SAT-SUN': day-of-week range SAT-SUN starts after it ends",
        "day-of-week 7 is Sunday too: end the range with 7",
    )


def test_croniter_rejection_unexplained_by_scan_keeps_croniter_text(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(line: str) -> CronError:
        return CronError(line, "syntax", "croniter says no")

    monkeypatch.setattr(cron, "parse", refuse)
    normalize_cron.cache_clear()  # memoized: neither an earlier answer nor this test's may outlive the patch
    try:
        assert normalize_cron("0 0 * * *") == (
            None,
            CronProblem(codes.INVALID_CRON, "invalid cron '0 0 * * *': croniter says no"),
        )
    finally:
        normalize_cron.cache_clear()


@pytest.mark.parametrize(
    "expr, detail",
    [
        ("0 0 30 2 *", "month 2 has no day 30"),
        ("0 0 30-31 feb *", "month feb has no day 30-31"),
        ("0 0 31 4,6 *", "month 4,6 has no day 31"),
        ("0 0 31 APR,JUN,SEP,NOV *", "month APR,JUN,SEP,NOV has no day 31"),
    ],
)
def test_normalize_rejects_expressions_that_never_fire(expr: str, detail: str) -> None:
    value, problem = normalize_cron(expr)
    assert value is None and problem is not None
    assert (problem.code, problem.message) == (codes.CRON_NEVER_FIRES, f"cron {expr!r} never fires: {detail}")


@given(st.text())
def test_normalize_never_raises_on_arbitrary_text(text: str) -> None:
    value, problem = normalize_cron(text)
    assert (value is None) != (problem is None)
    if problem is not None:
        assert problem.code in {codes.INVALID_CRON, codes.CRON_UNSUPPORTED_SYNTAX, codes.CRON_NEVER_FIRES}
        assert problem.message


_FIELD = st.one_of(
    st.sampled_from(["*", "*/15", "*/0", "1-5", "5-1", "3-3", "7", "0", "60", "L", "W", "?", "#", "H", "x", ""]),
    st.lists(
        st.sampled_from(["1", "2", "12", "31", "32", "MON", "jan", "SUN", "5L", "1#2", "15W", "-", "/", "*"]),
        min_size=1,
        max_size=4,
    ).map(lambda parts: "".join(parts)),
    st.lists(
        st.sampled_from(["1", "6", "7", "12", "1-7", "2-9/2", "*/3", "jan-mar", "mon-fri", "5/10", "*"]),
        min_size=1,
        max_size=3,
    ).map(",".join),
)


@given(st.lists(_FIELD, min_size=5, max_size=5).map(" ".join))
def test_normalize_agrees_with_croniter(expr: str) -> None:
    value, problem = normalize_cron(expr)
    try:
        reference = croniter.expand(expr)
    except Exception:
        reference = None
    if value is not None:  # accepted: croniter accepts it, means the same, and normalizing again changes nothing
        assert reference is not None and croniter.expand(value) == reference
        assert normalize_cron(value) == (value, None)
    elif reference is None:  # croniter rejects: so do we
        assert problem is not None and problem.code in {codes.INVALID_CRON, codes.CRON_UNSUPPORTED_SYNTAX}


@given(st.sets(st.integers(1, 31), min_size=1, max_size=4), st.sets(st.integers(1, 12), min_size=1, max_size=3))
def test_never_fires_iff_no_calendar_date_matches(days: set[int], months: set[int]) -> None:
    expr = f"0 0 {','.join(map(str, sorted(days)))} {','.join(map(str, sorted(months)))} *"
    leap_year = [dt.date(2028, 1, 1) + dt.timedelta(n) for n in range(366)]
    fires = any(d.day in days and d.month in months for d in leap_year)
    value, problem = normalize_cron(expr)
    assert (value == expr) == fires
    assert fires or (problem is not None and problem.code == codes.CRON_NEVER_FIRES)


# ------------------------------------------------------------------------------ interval_to_cron


@pytest.mark.parametrize(
    "seconds, lines",
    [
        (60, ["* * * * *"]),
        (900, ["*/15 * * * *"]),
        (3600, ["0 * * * *"]),
        (21600, ["0 */6 * * *"]),
        (43200, ["0 */12 * * *"]),
        (86400, ["0 0 * * *"]),
        (5400, ["0 */3 * * *", "30 1-22/3 * * *"]),
        (480, ["*/8 */2 * * *", "4-52/8 1-23/2 * * *"]),
    ],
)
def test_interval_examples(seconds: int, lines: list[str]) -> None:
    assert interval_to_cron(seconds) == (lines, None)


@pytest.mark.parametrize(
    "seconds, message, hint",
    [
        (
            7000,
            "interval_seconds 7000 is not a multiple of 60 dividing 86400",
            "nearest valid intervals: 5760 (96 min) and 7200 (2 h)",
        ),
        (
            61,
            "interval_seconds 61 is not a multiple of 60 dividing 86400",
            "nearest valid intervals: 60 (1 min) and 120 (2 min)",
        ),
        (
            420,
            "interval_seconds 420 is not a multiple of 60 dividing 86400",
            "nearest valid intervals: 360 (6 min) and 480 (8 min)",
        ),
        (0, "interval_seconds 0 must be positive", "the shortest interval is 60 (1 min)"),
        (-60, "interval_seconds -60 must be positive", "the shortest interval is 60 (1 min)"),
        (
            172800,
            "interval_seconds 172800 is longer than a day",
            "the longest interval is 86400 (24 h); use cron for less frequent schedules",
        ),
    ],
)
def test_interval_inexpressible(seconds: int, message: str, hint: str) -> None:
    assert interval_to_cron(seconds) == (None, CronProblem(codes.INTERVAL_INEXPRESSIBLE, message, hint))


def _fires_over_one_day(lines: list[str]) -> set[dt.datetime]:
    midnight = dt.datetime(2026, 1, 5)
    out: set[dt.datetime] = set()
    for line in lines:
        it = croniter(line, midnight - dt.timedelta(seconds=1))
        while (t := it.get_next(dt.datetime)) < midnight + dt.timedelta(days=1):
            out.add(t)
    return out


@settings(max_examples=len(VALID_INTERVALS) * 2, deadline=None)
@given(st.sampled_from(VALID_INTERVALS))
def test_interval_lines_fire_exactly_every_n_seconds_from_midnight(seconds: int) -> None:
    lines, problem = interval_to_cron(seconds)
    assert problem is None and lines
    midnight = dt.datetime(2026, 1, 5)
    expected = {midnight + dt.timedelta(seconds=k * seconds) for k in range(86400 // seconds)}
    assert _fires_over_one_day(lines) == expected
    # Fewest lines: hours with different minute sets need different lines (each line fires on
    # minute set x hour set), so the count of distinct non-empty minute sets is a lower bound.
    per_hour = {frozenset(t.minute for t in expected if t.hour == h) for h in range(24)} - {frozenset()}
    assert len(lines) == len(per_hour)
    assert all(normalize_cron(line) == (line, None) for line in lines)


@given(st.integers(-(10**6), 10**6))
def test_interval_valid_iff_multiple_of_60_dividing_a_day(seconds: int) -> None:
    lines, problem = interval_to_cron(seconds)
    valid = seconds > 0 and seconds % 60 == 0 and 86400 % seconds == 0
    assert (lines is not None) == valid
    assert valid or (problem is not None and problem.code == codes.INTERVAL_INEXPRESSIBLE and problem.hint)


# ------------------------------------------------------------------------------ dst_hazards

MARCH_NY = ["2025-03-09", "2026-03-08", "2027-03-14", "2028-03-12", "2029-03-11", "2030-03-10", "2031-03-09"]
NOVEMBER_NY = ["2025-11-02", "2026-11-01", "2027-11-07", "2028-11-05", "2029-11-04", "2030-11-03", "2031-11-02"]


def test_skipped_hour_in_new_york() -> None:
    assert dst_hazards(["30 2 * * *"], "America/New_York") == [DstHazard("skipped", d, ("02:30",)) for d in MARCH_NY]


def test_repeated_hour_in_new_york() -> None:
    assert dst_hazards(["30 1 * * *"], "America/New_York") == [
        DstHazard("repeated", d, ("01:30",)) for d in NOVEMBER_NY
    ]


def test_noon_is_safe() -> None:
    assert dst_hazards(["0 12 * * *"], "America/New_York") == []


def test_every_quarter_hour_hits_both_kinds() -> None:
    hazards = dst_hazards(["*/15 * * * *"], "America/New_York")
    skipped = [DstHazard("skipped", d, ("02:00", "02:15", "02:30", "02:45")) for d in MARCH_NY]
    repeated = [DstHazard("repeated", d, ("01:00", "01:15", "01:30", "01:45")) for d in NOVEMBER_NY]
    assert hazards == sorted(skipped + repeated, key=lambda h: h.local_date)


@pytest.mark.parametrize("timezone", ["UTC", "Asia/Tokyo", "Etc/GMT+5", "Asia/Kolkata"])
@pytest.mark.parametrize("line", ["* * * * *", "30 2 * * *", "30 1 * * *"])
def test_zones_without_dst_have_no_hazards(line: str, timezone: str) -> None:
    assert dst_hazards([line], timezone) == []


def test_unknown_zone_has_no_hazards() -> None:
    assert dst_hazards(["* * * * *"], "Mars/Olympus_Mons") == []


@pytest.mark.parametrize(
    "line, dates",
    [
        ("30 2 * * SUN", MARCH_NY),  # every US transition is on a Sunday
        ("30 2 * * MON", []),
        ("30 2 1 * *", []),
        ("30 2 1 * SUN", MARCH_NY),  # both day fields restricted: either matching is enough
        ("30 2 8 * MON", ["2026-03-08"]),
        ("30 2 8 3 *", ["2026-03-08"]),
        ("30 2 * 11 *", []),
    ],
)
def test_day_rule_and_month(line: str, dates: list[str]) -> None:
    assert [h.local_date for h in dst_hazards([line], "America/New_York")] == dates


def test_lines_merge_per_transition() -> None:
    hazards = dst_hazards(["30 2 * * *", "0 2 * * *", "30 2 * * *"], "America/New_York")
    assert hazards == [DstHazard("skipped", d, ("02:00", "02:30")) for d in MARCH_NY]


def test_half_hour_transitions_are_exact_to_the_minute() -> None:
    # Lord Howe moves its clocks by 30 minutes: 02:00-02:29 is skipped, 01:30-01:59 repeated.
    assert [h.kind for h in dst_hazards(["15 2 * * *"], "Australia/Lord_Howe")] == ["skipped"] * 7
    assert dst_hazards(["45 2 * * *"], "Australia/Lord_Howe") == []
    assert [h.kind for h in dst_hazards(["45 1 * * *"], "Australia/Lord_Howe")] == ["repeated"] * 7
    assert dst_hazards(["15 1 * * *"], "Australia/Lord_Howe") == []


def test_result_is_not_shared_with_the_cache() -> None:
    first = dst_hazards(["30 2 * * *"], "America/New_York")
    first.clear()
    assert len(dst_hazards(["30 2 * * *"], "America/New_York")) == 7


@functools.cache
def _oracle_windows(timezone: str) -> tuple[tuple[str, str, tuple[dt.datetime, ...]], ...]:
    """Skipped and repeated local minutes from zoneinfo's fold rules, by brute force near each change."""
    tz = zoneinfo.ZoneInfo(timezone)
    noon_offset = {
        d: dt.datetime(2025, 1, 1, 12, tzinfo=tz).replace(year=d.year, month=d.month, day=d.day).utcoffset()
        for d in (dt.date(2024, 12, 30) + dt.timedelta(n) for n in range(7 * 366 + 4))
    }
    out: list[tuple[str, str, tuple[dt.datetime, ...]]] = []
    run: list[dt.datetime] = []
    run_kind = ""
    for day in sorted(noon_offset)[1:-1]:
        if noon_offset[day - dt.timedelta(1)] == noon_offset[day + dt.timedelta(1)] or day.year not in range(
            2025, 2032
        ):
            continue
        for minute in range(1440):
            t = dt.datetime(day.year, day.month, day.day) + dt.timedelta(minutes=minute)
            aware = t.replace(tzinfo=tz)
            if aware.astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None) != t:
                kind = "skipped"
            elif aware.utcoffset() != aware.replace(fold=1).utcoffset():
                kind = "repeated"
            else:
                kind = ""
            if run and (kind != run_kind or t - run[-1] != dt.timedelta(minutes=1)):
                out.append((run_kind, run[0].date().isoformat(), tuple(run)))
                run = []
            if kind:
                run, run_kind = run + [t], kind
    if run:
        out.append((run_kind, run[0].date().isoformat(), tuple(run)))
    return tuple(dict.fromkeys(out))  # a day checked twice yields its window twice


_LINE = st.tuples(
    st.sampled_from(["*", "*/15", "0", "30", "0,30", "15-45/15", "*/7", "59"]),
    st.sampled_from(["*", "0", "1", "2", "23", "0-3", "*/2", "1-2"]),
    st.sampled_from(["*", "1", "8", "1-7", "15", "5,6,7,8", "26-31"]),
    st.sampled_from(["*", "3", "10,11", "3-4", "*/2", "SEP-DEC"]),
    st.sampled_from(["*", "0", "SUN", "1-5", "6,0", "SAT"]),
).map(" ".join)
_ZONES = ["America/New_York", "Australia/Lord_Howe", "America/Santiago", "Antarctica/Troll", "Europe/London"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_LINE, min_size=1, max_size=2), st.sampled_from(_ZONES))
def test_hazards_match_brute_force_over_zoneinfo_and_croniter(lines: list[str], timezone: str) -> None:
    assume(all(normalize_cron(line)[0] == line for line in lines))
    expected = []
    for kind, local_date, minutes in _oracle_windows(timezone):
        hits = set()
        for line in lines:  # croniter on naive datetimes: wall-clock matches only
            it = croniter(line, minutes[0] - dt.timedelta(seconds=1))
            while (t := it.get_next(dt.datetime)) <= minutes[-1]:
                hits.add(t)
        if hits:
            expected.append(DstHazard(kind, local_date, tuple(t.strftime("%H:%M") for t in sorted(hits))))
    assert dst_hazards(lines, timezone) == expected
