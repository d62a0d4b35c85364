"""Random cron lines for the property tests of the cron type and the targets' translations (not a test module)."""

from __future__ import annotations

from hypothesis import assume
from hypothesis import strategies as st

from dativo.runtime.cron import Cron, parse

#: per field: spellings croniter reads (names, steps, ranges, day-of-week 7), and every plain value
_POOLS = (
    (("*", "*/15", "*/7", "0", "30", "0-29/10", "5/20"), (0, 59)),
    (("*", "*/6", "1-5", "0", "23", "2-9/3"), (0, 23)),
    (("*", "*/2", "1", "13", "29", "30", "31", "1-31/2", "1-7", "15-20"), (1, 31)),
    (("*", "JAN", "FEB", "APR", "JUN-AUG", "*/3", "2", "11-12"), (1, 12)),
    (("*", "*/2", "MON", "SUN", "MON-FRI", "0-6/2", "5-7", "7", "0", "1-5"), (0, 7)),
)


@st.composite
def cron_lines(draw: st.DrawFn) -> str:
    """Random five-field lines the type parses (croniter reads them as plain value sets) that fire."""
    fields = []
    for spellings, (low, high) in _POOLS:
        item = st.one_of(st.sampled_from(spellings), st.integers(low, high).map(str))
        items = draw(st.lists(item, min_size=1, max_size=3))
        fields.append(",".join(items))
    line = " ".join(fields)
    c = parse(line)
    assume(isinstance(c, Cron) and c.can_fire())  # a line that never fires is DTV308 (croniter gives up on it)
    return line
