"""`compile --check`: compare what compile would write with what is on disk (DTV6xx)."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

from . import codes
from .diagnostics import Diagnostics, Span
from .manifest import MANIFEST
from .outdir import in_scope
from .write import existing_files


@dataclass(frozen=True)
class Drift:
    changed: list[str]
    missing: list[str]
    extra: list[str]
    diff: str

    @property
    def stale(self) -> bool:
        return bool(self.changed or self.missing or self.extra)


def check(
    out_dir: Path, shown: str, artifacts: dict[str, str], diags: Diagnostics, scope: Collection[str] | None = None
) -> Drift:
    """`scope`: the targets checked (`--target`; None: all): the other targets' files are not compared."""
    # the manifest is a hint for the next check (manifest.py), not an artifact: neither compared nor listed
    on_disk = {rel: e for rel, e in existing_files(out_dir).items() if in_scope(rel, scope) and rel != MANIFEST}
    present = set(on_disk)
    changed: list[str] = []
    diff_parts: list[str] = []
    for rel in sorted(set(artifacts) & present):
        want = artifacts[rel]
        try:
            with open(on_disk[rel].path, "rb") as fh:
                raw = fh.read()
        except OSError:
            raw = None
        if raw != want.encode("utf-8"):  # bytes compared: decoding 6,000 equal files would be wasted
            try:
                have = raw.decode("utf-8") if raw is not None else None
            except UnicodeDecodeError:
                have = None
            changed.append(rel)
            diff_parts.extend(
                unified((have or "").splitlines(keepends=True), want.splitlines(keepends=True), shown, rel)
            )
    missing = sorted(set(artifacts) - present)
    extra = sorted(present - set(artifacts))
    for rel in changed:
        diags.report(codes.ARTIFACT_CHANGED, Span.of_file(f"{shown}/{rel}"), rel=rel)
    for rel in missing:
        diags.report(codes.ARTIFACT_MISSING, Span.of_file(f"{shown}/{rel}"), rel=rel)
    for rel in extra:
        diags.report(codes.ARTIFACT_EXTRA, Span.of_file(f"{shown}/{rel}"), rel=rel)
    return Drift(changed, missing, extra, "".join(diff_parts))


def strays(shown: str, folders: list[str], diags: Diagnostics) -> bool:
    """Report output folders of no environment nested in the output dir (environments.stray_outputs)."""
    for d in folders:
        diags.report(codes.ARTIFACT_EXTRA, Span.of_file(f"{shown}/{d}/"), rel=f"{d}/ (an output of no environment)")
    return bool(folders)


#: the most lines a file's differing middle may have for its diff to be shown: difflib is quadratic on many
#: scattered changes (a 420,000-line plan.json whose every path changed took three minutes)
MAX_DIFF_LINES = 5_000
_CONTEXT = 3  # difflib.unified_diff's default
_HUNK = re.compile(r"^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@")


def unified(have: list[str], want: list[str], shown: str, rel: str) -> Iterator[str]:
    """The unified diff of file `rel` from `have` to `want` (lines): difflib's, on the lines between the
    common head and tail only (a plan.json of 2,000 jobs is 400,000 lines, most changes touch a few), and
    a note instead when that middle is longer than MAX_DIFF_LINES."""
    import difflib  # only for a file that differs: a passing --check imports none

    head = 0
    while head < min(len(have), len(want)) and have[head] == want[head]:
        head += 1
    tail = 0
    while tail < min(len(have), len(want)) - head and have[-1 - tail] == want[-1 - tail]:
        tail += 1
    names = (f"a/{shown}/{rel}", f"b/{shown}/{rel}")
    if max(len(have), len(want)) - head - tail > MAX_DIFF_LINES:
        lines = (len(have) - head - tail, len(want) - head - tail)
        yield f"--- {names[0]}\n+++ {names[1]}\n"
        yield (
            f"(from line {head + 1}: {lines[0]} lines on disk, {lines[1]} to be written; a diff that long is not shown:"
            " `dativo compile` writes the files, `git diff` then shows it)\n"
        )
        return
    lo = max(0, head - _CONTEXT)  # the context lines before the first change, as on the whole files
    a, b = have[lo : len(have) - max(0, tail - _CONTEXT)], want[lo : len(want) - max(0, tail - _CONTEXT)]
    for line in difflib.unified_diff(a, b, fromfile=names[0], tofile=names[1]):
        hunk = _HUNK.match(line) if lo else None
        if hunk is not None:  # line numbers of the slices: shifted to the files'
            old, new = int(hunk[1]) + lo, int(hunk[3]) + lo
            line = f"@@ -{old}{hunk[2] or ''} +{new}{hunk[4] or ''} @@" + line[hunk.end() :]
        yield line
