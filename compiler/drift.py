"""`compile --check`: compare what compile would write with what is on disk (DTV6xx)."""

from __future__ import annotations

from collections.abc import Collection
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
            import difflib  # only for a file that differs: a passing --check imports none

            changed.append(rel)
            diff_parts.extend(
                difflib.unified_diff(
                    (have or "").splitlines(keepends=True),
                    want.splitlines(keepends=True),
                    fromfile=f"a/{shown}/{rel}",
                    tofile=f"b/{shown}/{rel}",
                )
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
