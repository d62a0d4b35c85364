"""Fire times from the real `systemd-analyze calendar` and from croniter, for the equivalence tests.

Not a test module: tests/targets/test_systemd_equivalence.py imports it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import zoneinfo

from croniter import croniter

SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
ITERATIONS = 200
#: systemd's calendar stops before the year 2200, so comparisons end there too
HORIZON = dt.datetime(2199, 1, 1, tzinfo=dt.UTC)
_ELAPSE = re.compile(r"^\s*(?:Next elapse|Iter\. #\d+): \w{3} (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC$")


def systemd_fire_times(specs: list[str], base: dt.datetime) -> list[list[dt.datetime]]:
    """For each OnCalendar spec, its first ITERATIONS elapses after `base` (UTC), from one call."""
    assert SYSTEMD_ANALYZE is not None
    stamp = base.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    p = subprocess.run(
        [SYSTEMD_ANALYZE, "calendar", f"--iterations={ITERATIONS}", f"--base-time={stamp}", *specs],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TZ": "UTC", "SYSTEMD_COLORS": "0", "SYSTEMD_PAGER": ""},
    )
    assert p.returncode == 0 and not p.stderr, p.stderr
    blocks = p.stdout.split("Normalized form:")[1:]
    assert len(blocks) == len(specs), p.stdout
    out = []
    for block in blocks:
        times = [
            dt.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.UTC)
            for m in map(_ELAPSE.match, block.splitlines())
            if m
        ]
        out.append(times)
    return out


def merge(lists: list[list[dt.datetime]]) -> list[dt.datetime]:
    """Union of several lines' fire times: deduplicated, sorted, the first ITERATIONS before HORIZON."""
    return sorted({t for times in lists for t in times if t < HORIZON})[:ITERATIONS]


def croniter_fire_times(cron_lines: list[str], zone: str, base: dt.datetime) -> list[dt.datetime]:
    """croniter's first ITERATIONS fire times after `base` over all lines, in UTC."""
    tz = zoneinfo.ZoneInfo(zone)
    per_line = []
    for line in cron_lines:
        it = croniter(line, base.astimezone(tz))
        times = []
        for _ in range(ITERATIONS):
            t = it.get_next(dt.datetime).astimezone(dt.UTC)
            if t >= HORIZON:
                break
            times.append(t)
        per_line.append(times)
    return merge(per_line)


def first_dst_hazard(cron_lines: list[str], zone: str, base: dt.datetime) -> dt.datetime | None:
    """The first nominal local fire time (as UTC) inside a skipped or repeated hour, if any in range.

    Targets are not required to agree there (docs/targets.md#daylight-saving-time; DTV306 warns).
    """
    tz = zoneinfo.ZoneInfo(zone)
    local_base = base.astimezone(tz).replace(tzinfo=None)
    first: dt.datetime | None = None
    for line in cron_lines:
        it = croniter(line, local_base)  # naive: the wall-clock times cron names
        for _ in range(ITERATIONS):
            t = it.get_next(dt.datetime)
            if t.year >= HORIZON.year:
                break
            a, b = t.replace(tzinfo=tz, fold=0), t.replace(tzinfo=tz, fold=1)
            if a.utcoffset() != b.utcoffset():
                hit = a.astimezone(dt.UTC)
                first = hit if first is None or hit < first else first
                break
    return first
