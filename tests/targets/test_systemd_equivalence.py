"""The OnCalendar translation fires exactly when croniter does, proven with the real systemd-analyze.

For every cron expression of the corpus (hand-picked edge cases plus hypothesis-generated
ones, all accepted by the compiler): the first 200 fire times of `systemd-analyze calendar`
over the emitted lines (merged, deduplicated, sorted) equal croniter's, in UTC and in two
DST zones. In the DST zones the comparison stops 3 hours before the first nominal fire time
inside a skipped or repeated hour: there targets are not required to agree (DTV306 warns).
"""

from __future__ import annotations

import datetime as dt
import os
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from systemd_calendar import SYSTEMD_ANALYZE, croniter_fire_times, first_dst_hazard, merge, systemd_fire_times

from dativo.compiler.cron import normalize_cron
from dativo.targets.systemd.oncalendar import Inexpressible, to_oncalendar

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed (package systemd)"),
]

ZONES = ("UTC", "Europe/Berlin", "America/New_York")
# Away from transition days: early May (transitions are in March, October and November).
BASES = {
    "UTC": dt.datetime(2026, 1, 28, 13, 17, 41, tzinfo=dt.UTC),
    "Europe/Berlin": dt.datetime(2026, 5, 4, 8, 17, tzinfo=dt.UTC),
    "America/New_York": dt.datetime(2026, 5, 6, 15, 3, tzinfo=dt.UTC),
}

HAND_PICKED = [
    # plain values, every field
    "* * * * *",
    "0 * * * *",
    "30 6 * * *",
    "59 23 31 12 *",
    "0 0 1 1 *",
    "15 5 * * *",
    # steps: '*/N' is '00/N'; 'N/step' runs to the end of the field; steps inside ranges
    "*/15 * * * *",
    "*/7 * * * *",
    "*/59 * * * *",
    "*/45 * * * *",
    "5/15 * * * *",
    "58/1 * * * *",
    "0 */6 * * *",
    "0 */5 * * *",
    "0 */23 * * *",
    "1-30/5 * * * *",
    "10-50/20 3-21/6 * * *",
    "0 0 */2 * *",
    "0 0 */10 * *",
    "0 0 5/7 * *",
    "0 0 1 */3 *",
    "0 0 1 2/5 *",
    "0 0 1 JAN-MAR/2 *",
    "0 12 * * */2",
    "0 12 * * */3",
    "0 12 * * 1/2",
    "0 12 * * 0/3",
    "0 12 * * 1-7/2",
    "0 12 * * 5/1",
    # ranges and lists
    "0 9 * * 1-5",
    "0 9-17 * * 1-5",
    "0,30 8-18 * * *",
    "0 0 1,15 * *",
    "0 0 1-7 * *",
    "0 0 1,2,3,10-12,20 * *",
    "0 0 * 1,4,7,10 *",
    "0 0 * 6-8 *",
    "0 0,12 1 1,7 *",
    # Sunday as 0 and 7, ranges through 7, names
    "0 0 * * 0",
    "0 0 * * 7",
    "0 0 * * 0,7",
    "0 0 * * 5-7",
    "0 0 * * 0-6",
    "0 0 * * 1-7",
    "0 0 * * 0-7",
    "0 0 * * 0-2",
    "0 0 * * 6,0",
    "0 9 * * MON-FRI",
    "0 9 * * SUN",
    "0 9 * * SAT,SUN",
    "0 9 * * MON,WED,FRI",
    "0 0 1 JAN *",
    "0 0 1 jan,Jul *",
    "0 0 * DEC *",
    "0 0 1 FEB-APR *",
    # both day fields restricted: cron's OR (two lines)
    "0 0 1,15 * 1",
    "0 0 13 * 5",
    "0 0 1 * 0,7",
    "0 0 1-7 * 1",
    "0 0 30 2 MON",
    "0 0 31 * 1-5",
    "0 0 29 2 0",
    "30 4 1,15 * 5-7",
    "0 0 1-31 * 1",
    "0 0 1 * 0-6",
    "0 0 1-31/2 * 0-6/2",
    "0 0 15 JAN-JUN FRI",
    "0 0 31 4,6 SUN",
    # one day field restricted, the other '*'-led: AND
    "0 0 */5 * *",
    "0 0 * * */2",
    "0 6 */3 * *",
    # days that exist only in some months
    "0 0 31 * *",
    "0 0 30 * *",
    "0 0 29 2 *",
    "0 0 29 * *",
    "0 0 31 1-3 *",
    "0 0 30,31 2,4 *",
    # macros as the compiler normalizes them
    "@hourly",
    "@daily",
    "@weekly",
    "@monthly",
    "@yearly",
    # intervals as the compiler compiles them (several lines per schedule)
    "interval:900",
    "interval:5400",
    "interval:28800",
    "interval:86400",
    "interval:480",
    "interval:2880",
    "interval:4320",
    # DST-prone hours (compared up to the first transition-hour fire)
    "30 2 * * *",
    "30 1 * * *",
    "*/15 1-3 * * *",
    "0 2 * * 0",
]


def _lines(expr: str) -> list[str]:
    if expr.startswith("interval:"):
        from dativo.compiler.cron import interval_to_cron

        lines, problem = interval_to_cron(int(expr.split(":")[1]))
        assert lines is not None, problem
        return lines
    normalized, problem = normalize_cron(expr)
    assert normalized is not None, problem
    return [normalized]


def _check(corpus: list[list[str]]) -> None:
    """One systemd-analyze call per zone for the whole corpus; croniter per expression."""
    emitted = {zone: [to_oncalendar(lines, zone) for lines in corpus] for zone in ZONES}
    with ThreadPoolExecutor(len(ZONES)) as pool:  # systemd forks per fire time in a named zone: slow, so parallel
        fired = dict(
            zip(
                ZONES,
                pool.map(
                    lambda zone: systemd_fire_times([spec for specs in emitted[zone] for spec in specs], BASES[zone]),
                    ZONES,
                ),
            )
        )
    for zone in ZONES:
        base, results = BASES[zone], iter(fired[zone])
        for lines, specs in zip(corpus, emitted[zone]):
            systemd = merge([next(results) for _ in specs])
            expected = croniter_fire_times(lines, zone, base)
            hazard = first_dst_hazard(lines, zone, base)
            if hazard is not None:
                cut = hazard - dt.timedelta(hours=3)
                systemd, expected = [t for t in systemd if t < cut], [t for t in expected if t < cut]
            assert systemd == expected, (lines, zone, specs)
            assert hazard is not None or len(expected) == 200 or expected[-1] > dt.datetime(2190, 1, 1, tzinfo=dt.UTC)


def test_hand_picked_corpus_fires_as_croniter() -> None:
    assert len(HAND_PICKED) >= 90
    _check([_lines(e) for e in HAND_PICKED])
    for e in HAND_PICKED:
        _record(e, "equal")


# ------------------------------------------------------------------- hypothesis-generated corpus

_NAMES = {
    3: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
    4: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
}
_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))


@st.composite
def _item(draw: st.DrawFn, field: int) -> str:
    low, high = _RANGES[field]

    def value() -> tuple[int, str]:
        v = draw(st.integers(low, high))
        if field in _NAMES and draw(st.booleans()) and (field != 4 or v < 7):
            return v, _NAMES[field][v - 1 if field == 3 else v]
        return v, str(v)

    kind = draw(st.sampled_from(["value", "value", "range", "step", "star_step", "range_step"]))
    if kind == "value":
        return value()[1]
    if kind == "star_step":
        return f"*/{draw(st.integers(1, high - low + 1))}"
    if kind == "step":
        return f"{value()[1]}/{draw(st.integers(1, high - low + 1))}"
    (a, a_text), (b, b_text) = value(), value()
    assume(a < b)
    suffix = f"/{draw(st.integers(1, high - low + 1))}" if kind == "range_step" else ""
    return f"{a_text}-{b_text}{suffix}"


@st.composite
def _field(draw: st.DrawFn, field: int) -> str:
    if draw(st.integers(0, 3)) == 0:
        return "*"
    return ",".join(draw(st.lists(_item(field), min_size=1, max_size=3)))


@st.composite
def cron_expressions(draw: st.DrawFn) -> str:
    return " ".join(draw(_field(i)) for i in range(5))


@settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(cron_expressions())
def test_generated_corpus_fires_as_croniter(expr: str) -> None:
    normalized, _problem = normalize_cron(expr)
    assume(normalized is not None)  # only what the compiler accepts reaches a plan
    try:
        to_oncalendar([normalized], "UTC")
    except Inexpressible as exc:  # only where cron's and croniter's day rules disagree ('1,*', '7/1')
        assert "disagree on whether both day fields are restricted" in str(exc), (expr, exc)
        _record(normalized, f"inexpressible: {exc}")
        return
    _check([[normalized]])
    _record(normalized, "equal")


def _record(expr: str, outcome: str) -> None:
    """Corpus statistics for the report: DATIVO_SYSTEMD_STATS=<file> appends one line per expression."""
    target = os.environ.get("DATIVO_SYSTEMD_STATS")
    if target:
        with open(target, "a", encoding="utf-8") as f:
            f.write(f"{expr}\t{outcome}\n")
