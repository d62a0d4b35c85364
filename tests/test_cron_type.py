"""The one cron type (dativo.runtime.cron) against croniter, the reference, on random lines and zones."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from cron_strategies import cron_lines
from croniter import croniter
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dativo.runtime import cron
from dativo.runtime.cron import Cron, CronError, CronSyntaxError, parse

_ZONES = ["UTC", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata", "America/Santiago"]
_INSTANTS = st.datetimes(min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2031, 12, 31)).map(
    lambda t: t.replace(second=0, microsecond=0)
)


def _unambiguous(local: dt.datetime, zone: str) -> bool:
    """A wall-clock time that exists exactly once in `zone` (not skipped, not repeated)."""
    tz = zoneinfo.ZoneInfo(zone)
    aware = local.replace(tzinfo=tz)
    exists = aware.astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None) == local
    return exists and aware.utcoffset() == aware.replace(fold=1).utcoffset()


@settings(max_examples=200, deadline=None)
@given(cron_lines(), _INSTANTS)
def test_matches_is_croniters_match_on_wall_clock_times(line: str, when: dt.datetime) -> None:
    c = parse(line)
    assert isinstance(c, Cron)
    assert c.matches(when) == croniter.match(line, when), (line, when)


@settings(max_examples=150, deadline=None)
@given(cron_lines(), st.sampled_from(_ZONES), _INSTANTS)
def test_matches_is_croniters_match_in_a_zone(line: str, zone: str, when: dt.datetime) -> None:
    # croniter.match on an aware time; a repeated or skipped wall-clock time is left out (it is not
    # one instant; the compiler warns there, DTV306)
    assume(_unambiguous(when, zone))
    aware = when.replace(tzinfo=zoneinfo.ZoneInfo(zone))
    c = parse(line)
    assert isinstance(c, Cron)
    assert c.matches(aware) == croniter.match(line, aware), (line, zone, when)


def _next_by_sets(c: Cron, after: dt.datetime, zone: str) -> dt.datetime:
    """The first fire time after `after` from the value sets alone (wall-clock minutes, no croniter)."""
    tz = zoneinfo.ZoneInfo(zone)
    local = after.astimezone(tz).replace(tzinfo=None)
    day = local.date()
    while True:
        if c.date_matches(day):
            for h in c.hours:
                for m in c.minutes:
                    t = dt.datetime(day.year, day.month, day.day, h, m)
                    if t > local:
                        return t.replace(tzinfo=tz)
        day += dt.timedelta(days=1)
        local = dt.datetime(day.year, day.month, day.day) - dt.timedelta(minutes=1)


@settings(max_examples=100, deadline=None)
@given(cron_lines(), st.sampled_from(_ZONES), _INSTANTS)
def test_fire_times_are_the_value_sets_fire_times(line: str, zone: str, start: dt.datetime) -> None:
    """croniter's iteration (what the type uses) against a hand-written walk over the value sets."""
    c = parse(line)
    assert isinstance(c, Cron)
    after = start.replace(tzinfo=dt.UTC)
    expected = []
    for _ in range(8):
        nxt = _next_by_sets(c, after, zone)
        expected.append(nxt)
        after = nxt
    # outside DST transitions only: there croniter moves or repeats runs (docs/targets.md#daylight-saving-time)
    assume(all(_unambiguous(t.replace(tzinfo=None), zone) for t in expected))
    it = c.fire_times(start.replace(tzinfo=dt.UTC), zone)
    got = [next(it) for _ in range(8)]
    assert [t.astimezone(dt.UTC) for t in got] == [t.astimezone(dt.UTC) for t in expected], (line, zone)


def _old_nominal(lines: list[str], tz: str, now: dt.datetime) -> dt.datetime:
    """runtime/plan_run.nominal_fire_time before the cron type (croniter.match, then get_prev)."""
    base = now.astimezone(zoneinfo.ZoneInfo(tz)).replace(second=0, microsecond=0)
    best = max(base if croniter.match(line, base) else croniter(line, base).get_prev(dt.datetime) for line in lines)
    return best.astimezone(dt.UTC).replace(microsecond=0)


@settings(max_examples=100, deadline=None)
@given(st.lists(cron_lines(), min_size=1, max_size=2), st.sampled_from(_ZONES), _INSTANTS, st.integers(0, 59))
def test_last_fire_is_what_the_runtime_computed_before(lines: list[str], zone: str, now: dt.datetime, s: int) -> None:
    at = now.replace(second=s, tzinfo=dt.UTC)
    assert cron.last_fire(lines, at, zone) == _old_nominal(lines, zone, at), (lines, zone, at)


@pytest.mark.parametrize(
    "lines, zone, at, want",
    [
        (["30 1 * * *"], "America/New_York", "2026-11-01T06:40:00+00:00", "2026-11-01T06:30:00+00:00"),  # 2nd 01:30
        (["30 1 * * *"], "America/New_York", "2026-11-01T05:40:00+00:00", "2026-11-01T05:30:00+00:00"),  # 1st 01:30
        (["0 0 1 * 0-6"], "UTC", "2026-01-03T12:00:00+00:00", "2026-01-03T00:00:00+00:00"),  # OR: every day
    ],
)
def test_last_fire_examples(lines: list[str], zone: str, at: str, want: str) -> None:
    assert cron.last_fire(lines, dt.datetime.fromisoformat(at), zone).isoformat() == want
    assert _old_nominal(lines, zone, dt.datetime.fromisoformat(at)).isoformat() == want


_DAYS_2000_2027 = [dt.date(2000, 1, 1) + dt.timedelta(n) for n in range(28 * 366)]  # every (m, d, w) occurs


@settings(max_examples=100, deadline=None)
@given(cron_lines())
def test_fire_days_agree_with_a_calendar_walk(line: str) -> None:
    c = parse(line)
    assert isinstance(c, Cron)
    walked = {(d.month, d.day, (d.weekday() + 1) % 7) for d in _DAYS_2000_2027 if c.date_matches(d)}
    assert c.fire_days() == walked


@pytest.mark.parametrize(
    "line, fires",
    [("0 0 30 2 *", False), ("0 0 31 4,6 *", False), ("0 0 29 2 *", True), ("0 0 30 2 1", True), ("0 0 31 * *", True)],
)
def test_can_fire(line: str, fires: bool) -> None:
    c = cron.of(line)
    assert c.can_fire() == fires == bool(c.fire_days())


@pytest.mark.parametrize(
    "line, restricted, written, day_or",
    [
        ("0 0 * * *", (False, False), (False, False), False),
        ("0 0 1 * 1", (True, True), (True, True), True),
        ("0 0 1 * *", (True, False), (True, False), False),
        ("0 0 1 * 0-6", (True, True), (True, True), True),  # croniter keeps a full set beside a restricted field
        ("0 0 */2 * 1", (True, True), (False, True), True),  # cron reads '*/2' as '*': the two disagree
        ("0 0 1,* * 1", (False, True), (True, True), False),
        ("0 0 * * 7", (False, True), (False, True), False),
    ],
)
def test_restricted_written_and_read(
    line: str, restricted: tuple[bool, bool], written: tuple[bool, bool], day_or: bool
) -> None:
    c = cron.of(line)
    assert (c.restricted, c.written_restricted, c.day_or) == (restricted, written, day_or)
    assert c.day_rule_agrees == (all(restricted) == all(written))


@pytest.mark.parametrize(
    "line, kind",
    [
        ("61 * * * *", "syntax"),
        ("* * * *", "syntax"),
        ("0 0 L * *", "construct"),
        ("0 0 * * 5#2", "construct"),
        ("0 0 1 1 * *", "construct"),
    ],
)
def test_parse_errors_are_data(line: str, kind: str) -> None:
    found = parse(line)
    assert isinstance(found, CronError) and found.kind == kind and found.detail and found.line == line
    with pytest.raises(CronSyntaxError):
        cron.of(line)


def test_last_fire_of_no_lines_is_an_error() -> None:
    with pytest.raises(CronSyntaxError):
        cron.last_fire([], dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "UTC")
