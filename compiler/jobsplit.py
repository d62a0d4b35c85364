"""The per-job checks on two cores: a forked child checks the first part of the jobs while the parent
checks the rest, then sends back what it found and made (diagnostics and job units).

Resolving, merging and checking a job is about a third of a large compile, and each job's result
depends only on the loaded project, which the child holds from the fork. The units reference the
project's own objects (jobs, recipes, assets, asset views, registry entries, shared asset specs): those
travel as names (pickle's persistent ids) and come back as the parent's objects, so only what the checks
made crosses the pipe. The diagnostics and units go in job order, the child's before the parent's, as a
serial run puts them. A child that dies or sends nothing costs time only: the parent checks its half.
"""

from __future__ import annotations

import io
import os
import pickle
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import forked

if TYPE_CHECKING:
    from .pipeline import Compilation
    from .resolve import Resolver

#: below this many jobs one process checks them all: the fork and the pickles cost more than they save
MIN_JOBS = 200
#: the child's share of the jobs: it also pickles what it made (about half as long as checking it), and
#: the parent unpickles it (a fifth)
CHILD_SHARE = 0.43

CheckOne = Callable[[str], None]


def check_jobs(c: Compilation, resolver: Resolver, check_one: CheckOne) -> None:
    """`check_one(rel)` for every job of the project, in order; on two cores half of them in a child."""
    rels = list(c.project.jobs)
    half = int(len(rels) * CHILD_SHARE)
    fd = None
    if len(rels) >= MIN_JOBS:
        fd = forked.fork(lambda write_end: _child(c, resolver, rels[:half], check_one, write_end))
    if fd is None:
        for rel in rels:
            check_one(rel)
        return
    since = c.diags.mark()
    try:
        for rel in rels[half:]:
            check_one(rel)
        theirs = _receive(fd, c, resolver)
    finally:
        os.close(fd)
        forked.reap()
    mine, my_units = c.diags.items[since:], {rel: c.jobs.pop(rel) for rel in rels[half:]}
    del c.diags.items[since:]
    if theirs is None:  # the child died: its half is checked here, before the parent's (job order)
        for rel in rels[:half]:
            check_one(rel)
    else:
        c.diags.extend(theirs[0])
        c.jobs.update(theirs[1])
    c.diags.extend(mine)
    c.jobs.update(my_units)


def _child(c: Compilation, resolver: Resolver, rels: list[str], check_one: CheckOne, fd: int) -> None:
    since = c.diags.mark()
    for rel in rels:
        check_one(rel)
    buffer = io.BytesIO()
    _Pickler(buffer, _shared(c, resolver)).dump((c.diags.items[since:], [(rel, c.jobs[rel]) for rel in rels]))
    forked.send(fd, buffer.getvalue())


def _receive(fd: int, c: Compilation, resolver: Resolver) -> tuple[list, list] | None:
    try:
        diags, units = _Unpickler(io.BytesIO(forked.receive(fd)), c, resolver).load()
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, KeyError):
        return None
    return diags, units


def _shared(c: Compilation, resolver: Resolver) -> dict[int, tuple[str, ...]]:
    """id -> name of every object of the project that a job unit may reference."""
    p = c.project
    ids: dict[int, tuple[str, ...]] = {id(v): ("job", rel) for rel, v in p.jobs.items()}
    ids.update({id(v): ("recipe", rel) for rel, v in p.recipes.items()})
    ids.update({id(v): ("asset", rel) for rel, v in p.assets.items()})
    ids.update({id(v): ("view", rel) for rel, v in resolver.assets.items()})
    ids.update({id(v): ("asset spec", rel) for rel, v in c.memo.assets.items()})
    if p.registry is not None:
        ids[id(p.registry)] = ("registry",)
        ids.update({id(v): ("connector", name) for name, v in p.registry.model.connectors.items()})
    return ids


class _Pickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO, shared: dict[int, tuple[str, ...]]):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._shared = shared

    def persistent_id(self, obj: Any) -> tuple[str, ...] | None:
        return self._shared.get(id(obj))


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, c: Compilation, resolver: Resolver):
        super().__init__(file)
        self._c, self._resolver = c, resolver

    def persistent_load(self, pid: Any) -> Any:
        kind, *name = pid
        p = self._c.project
        if kind == "asset spec":
            return self._c.memo.asset(self._resolver.assets[name[0]])
        if kind == "registry":
            return p.registry
        if kind == "connector":
            return p.registry.model.connectors[name[0]] if p.registry is not None else None
        tables: dict[str, Any] = {"job": p.jobs, "recipe": p.recipes, "asset": p.assets, "view": self._resolver.assets}
        return tables[kind][name[0]]
