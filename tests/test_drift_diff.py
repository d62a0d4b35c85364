"""`compile --check`'s diff of a changed file (drift.unified): difflib's on the lines between the common head and
tail, with the files' line numbers, and a note instead of a diff too long to compute in reasonable time."""

from __future__ import annotations

import difflib
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from dativo.compiler import drift

LINES = st.lists(st.sampled_from(["a\n", "b\n", "c\n", "{\n", "}\n"]), max_size=30)


def _apply(src: list[str], diff: str) -> list[str]:
    """`diff` (unified) applied to `src`, checking every context and removed line against it."""
    lines, out, at, k = diff.splitlines(keepends=True)[2:], [], 0, 0
    while k < len(lines):
        hunk = drift._HUNK.match(lines[k])
        assert hunk is not None, lines[k]
        start = int(hunk[1]) - (1 if (hunk[2] or ",1") != ",0" else 0)
        out += src[at:start]
        at, k = start, k + 1
        while k < len(lines) and not lines[k].startswith("@@"):
            kind, text = lines[k][0], lines[k][1:]
            if kind in " -":
                assert src[at] == text
                at += 1
            if kind in " +":
                out.append(text)
            k += 1
    return out + src[at:]


@settings(max_examples=300, deadline=None)
@given(LINES, LINES, LINES)
def test_the_diff_turns_the_file_on_disk_into_the_one_to_write(
    head: list[str], have: list[str], want: list[str]
) -> None:
    common_tail = ["z\n"] * 5
    old, new = head + have + common_tail, head + want + common_tail
    diff = "".join(drift.unified(old, new, "out", "f"))
    assert _apply(old, diff) == new
    assert bool(diff) == (old != new)


def test_a_change_deep_in_a_long_file_has_the_files_line_numbers() -> None:
    old = [f"line {i}\n" for i in range(100_000)]
    new = old[:70_000] + ["changed\n"] + old[70_001:]
    diff = "".join(drift.unified(old, new, "out", "plan.json"))
    assert diff == "".join(difflib.unified_diff(old, new, fromfile="a/out/plan.json", tofile="b/out/plan.json"))
    assert "@@ -69998,7 +69998,7 @@" in diff


def test_a_diff_too_long_to_compute_is_a_note() -> None:
    """Changes all through a long file (a renamed container root in a 2,000-job plan.json) kept difflib busy for
    minutes; past MAX_DIFF_LINES between the first and the last change, the diff says where and how to see it."""
    old = [f'  "path": "/app/data/{i}.csv",\n' for i in range(200_000)]
    new = [line.replace("/app/", "/srv/") if i % 3 == 0 else line for i, line in enumerate(old)]
    started = time.perf_counter()
    diff = "".join(drift.unified(old, new, "out", "plan.json"))
    assert time.perf_counter() - started < 5  # the whole diff took difflib minutes
    assert diff.startswith(
        "--- a/out/plan.json\n+++ b/out/plan.json\n(from line 1: 199999 lines on disk, 199999 to be written"
    )
    assert "`git diff`" in diff and len(diff.splitlines()) == 3
