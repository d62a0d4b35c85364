"""`dativo plan --base REF | --base-dir DIR`: what the work tree changes against a base, for review
(docs/plan.md). Exit 0 when the head compiles (the base may not), 1 when it does not, 2 usage errors."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from dativo.runtime.exitcodes import ExitCode

from ..cli import UsageError
from .common import project_root, render

if TYPE_CHECKING:
    from ..plandiff.sides import Side


def at_instant(text: str | None) -> dt.datetime:
    """`--at` as an aware UTC instant (default now); a time without an offset is ambiguous: refused."""
    if text is None:
        return dt.datetime.now(dt.UTC).replace(microsecond=0)
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--at {text!r} is not an ISO 8601 instant (e.g. 2026-03-01T08:00:00Z)") from None
    if when.tzinfo is None:
        raise UsageError(f"--at {text!r} has no UTC offset; add Z or +HH:MM")
    return when.astimezone(dt.UTC)


def main(args: argparse.Namespace) -> int:
    from .. import forked, prefetch
    from ..environments import UnknownEnvironment
    from ..plandiff import render_json, render_markdown, render_text
    from ..plandiff.report import build
    from ..plandiff.sides import base_dir, checkout_base, compile_side
    from ..reuse import reusing

    at = at_instant(args.at)
    root = project_root(args.project)
    renderer = {"text": render_text, "markdown": render_markdown, "json": render_json}[args.format]
    ref = args.base_dir if args.base_dir is not None else args.base
    where = base_dir(args.base_dir) if args.base_dir is not None else None
    # The base is checked out here (a bad revision is a usage error before anything is compiled), then
    # compiled in a child while the head compiles here, each alone on its core; where no child may be
    # forked, here after the head. Both sides are shown relative to their own root (the plan holds no
    # displayed path), so a file with the same path and bytes on both sides is then parsed once.
    with reusing(), contextlib.ExitStack() as stack:
        if where is None:
            where = stack.enter_context(checkout_base(root, ref, skip=prefetch.guessed_paths(root)["out"]))
        base_side = forked.Side(functools.partial(_base, where, args), forked.SIDE_ITEMS)
        stack.callback(base_side.cancel)  # a head that fails, or raises: its child stopped (after result(): no-op)
        try:
            with forked.alone(base_side.running):
                head = compile_side(root, args.mode, cwd=root, env=args.env)
        except UnknownEnvironment as e:
            raise UsageError(str(e)) from None
        if not head.ok:
            return _head_failed(compile_side(root, args.mode, env=args.env).diagnostics, args.format)
        base = base_side.result()
    forked.keep((base, head))  # the console script then leaves without freeing them (forked.keep)
    out = renderer.render(build(base, head, ref, at))
    if args.out:
        try:
            Path(args.out).write_text(out, "utf-8")
        except OSError as e:
            raise UsageError(f"cannot write --out {args.out!r}: {e.strerror or e}") from None
    else:
        sys.stdout.write(out)
    return ExitCode.OK


def _base(where: Path, args: argparse.Namespace) -> Side:
    """The base side, the project in `where`. It reads its files itself: in a child, it works alone; here,
    after the head, the head's parses serve (a loading worker would read them again)."""
    from ..environments import UnknownEnvironment
    from ..plandiff.sides import compile_side

    try:
        return compile_side(where, args.mode, cwd=where, env=args.env, worker=False)
    except UnknownEnvironment:  # an environment the change adds: nothing of it at the base
        return Side(None, missing=f"environment {args.env!r} does not exist at the base")


def _head_failed(diagnostics: list, fmt: str) -> int:
    """Like `compile`: the head's diagnostics, shown from the working directory, and exit 1."""
    from ..diagnostics import Diagnostics

    sys.stdout.write(render(Diagnostics(list(diagnostics)), "json" if fmt == "json" else "text"))
    print("dativo plan: failed: the head (the work tree) does not compile", file=sys.stderr)
    return ExitCode.FINDINGS
