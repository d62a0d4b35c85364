"""Find the config files of a project: every filesystem refusal is a diagnostic, never an internal
error or a silently missing file, and a file that leads outside the project (a symlink) is refused
as a reference to it would be (DTV202): nothing from outside the project is read.

os.scandir, not Path.glob: glob skipped unreadable folders without a word (a tenant's jobs vanished),
and Path.is_file raised PermissionError on a file it could not stat.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from . import codes
from .diagnostics import Diagnostics, Span
from .paths import PathResolver

SUFFIXES = (".yaml", ".yml")
Kind = Literal["file", "folder", "missing", "other"]


def kind(path: Path) -> tuple[Kind, OSError | None]:
    """What is at `path` (symlinks followed), or the error that keeps us from knowing."""
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return "missing", None
    except OSError as e:
        return "other", e
    return ("folder" if stat.S_ISDIR(st.st_mode) else "file" if stat.S_ISREG(st.st_mode) else "other"), None


def unreadable(diags: Diagnostics, shown: str, what: str, error: OSError) -> None:
    diags.report(
        codes.UNREADABLE,
        Span.of_file(shown),
        what=what,
        reason=error.strerror or error,
        hint="the compiler reads every config of the project: make it readable, or move it out of the project",
    )


def find_configs(
    root: Path, folder: str, resolver: PathResolver, shown: Callable[[str], str], diags: Diagnostics, reported: set[str]
) -> list[str]:
    """Project-relative paths of the YAML files under `folder`, sorted. Symlinked folders are not
    followed (as before); a symlinked file must lead to a file inside the project. Paths reported
    here go into `reported`, so references to them add no follow-on error."""
    found: list[str] = []
    todo = [folder]
    while todo:
        rel_dir = todo.pop()
        try:
            with os.scandir(root / rel_dir) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as e:
            unreadable(diags, shown(rel_dir), "folder", e)
            reported.add(rel_dir)
            continue
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}"
            try:
                if entry.is_dir(follow_symlinks=False):
                    todo.append(rel)
                    continue
                if not entry.name.endswith(SUFFIXES):
                    continue
                link = entry.is_symlink()
                regular = entry.is_file()
                folder_link = link and not regular and entry.is_dir()
            except OSError as e:
                unreadable(diags, shown(rel), "file", e)
                reported.add(rel)
                continue
            if link:
                _, problem = resolver.to_rel(rel)
                if problem is not None:
                    reported.add(rel)
                    hint = "nothing outside the project is read: copy the file into the project"
                    diags.problem(problem, Span.of_file(shown(rel)), hint=hint)
                    continue
            if regular:
                found.append(rel)
                if not link:
                    resolver.plain_file(rel)
            elif not folder_link and not entry.name.startswith("."):
                # a symlink to a folder is a folder: not followed; and editors' lock files (emacs:
                # `.#x.yaml`, a dangling symlink) are no configs
                reported.add(rel)
                diags.report(
                    codes.UNREADABLE,
                    Span.of_file(shown(rel)),
                    what="file",
                    reason="not a regular file (a broken symlink, a pipe, a device?)",
                    hint="configs are regular files",
                )
    return sorted(found)


def unread_reference(resolver: PathResolver, raw: str | None, loaded: Callable[[str], bool]) -> str | None:
    """The project file a config references (`raw`) when it is a regular file in the project that was not
    read yet: configs may live anywhere in the project when referenced (issue 13). Anything else (a
    path out of the project, a missing file, one already read, as its own kind or another) is left to
    the reference check, which reports it."""
    if not raw:
        return None
    rel, problem = resolver.to_rel(raw)
    if problem is not None or rel is None or loaded(rel):
        return None
    found, _ = kind(resolver.abs(rel))
    return rel if found == "file" else None
