"""Cron's day rule (day-of-month OR day-of-week when both are restricted) exists in one place: runtime/cron.py.

The rule is recognised by the expressions its copies were written with: an OR of a day-of-month match
with a day-of-week match, and "is this day field restricted" read off croniter's expansion (the
premise of the rule). Anything else computing it must go through `Cron.day_matches` / `Cron.day_or`.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOME = "runtime/cron.py"
MARKER = "cron-day-rule:"
#: the tell-tale expressions of a copy of the rule
TELLTALES = (
    # an OR of the two day matches: `(dom or dow)`, `in_dom or in_dow`, `day_ok or weekday_ok`
    re.compile(r"\b(?:in_)?(?:dom|days?)\w*\s+or\s+(?:in_)?(?:dow|weekdays?)\b"),
    # "both day fields restricted" from croniter's expansion: `expanded[2][0] != "*"`, `day != ["*"] and ...`
    re.compile(r"\]\s*\[\s*0\s*\]\s*!=\s*[\"']\*[\"']"),
    re.compile(r"!=\s*\[\s*[\"']\*[\"']\s*\]\s+and\b"),
    # `dom is not None and dow is not None` (None standing for '*')
    re.compile(r"\b(?:dom|days?)\w*\s+is not None and\s+\w*(?:dow|weekdays?)\w*\s+is not None"),
    re.compile(r"\ball\(\s*read_restricted\s*\)"),
)


def rule_sites(root: Path) -> dict[str, list[str]]:
    """Source file (relative to `root`) -> its lines that look like the day rule or carry the marker."""
    out: dict[str, list[str]] = {}
    for folder in ("compiler", "runtime", "targets"):
        for path in sorted((root / folder).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            for line in path.read_text("utf-8").splitlines():
                if MARKER in line or any(p.search(line) for p in TELLTALES):
                    out.setdefault(rel, []).append(line.strip())
    return out


def test_the_day_rule_is_in_one_place() -> None:
    sites = rule_sites(ROOT)
    assert list(sites) == [HOME], f"the cron day rule outside {HOME}: {sites}"
    assert sum(MARKER in line for line in sites[HOME]) == 1, sites[HOME]


def test_the_telltales_find_the_rule_where_it_is() -> None:
    # the home itself must be recognised, or the test above would pass on any tree
    home = (ROOT / HOME).read_text("utf-8")
    assert any(p.search(home) for p in TELLTALES[:1]) and TELLTALES[1].search(home)
