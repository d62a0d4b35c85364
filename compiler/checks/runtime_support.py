"""What `dativo run` can execute (DTV218, DTV219, DTV220, DTV226 for an `array` column).

DTV219 (error, `run`): an asset column has no exact Iceberg type (a decimal needs precision
and scale, scale <= precision); a silent fallback to string would corrupt the table.
DTV218 (warning, `engines`): the job's source is not run by this runtime (dativo.runtime.sources.runs:
`native` reads csv, jsonl and parquet files; `airbyte` runs any source from its Python package); the job
compiles and is scheduled, `dativo run` exits 2 on it.
DTV220 (error, `destination`): the target is one this runtime does not write (an `s3`/`minio` target
with a catalog, keyed merge into Parquet files, a connection key the Parquet writer does not read,
`nessie.*` or `s3.bucket`/`s3.prefix` settings of an Iceberg target, a catalog_type pyiceberg does not
load). The rule and its messages are the runtime's (dativo.runtime.destination), so compile and run agree.
DTV229 (error, `destination`): an `s3`/`minio` Parquet target names no bucket; its location is never guessed.
Neither is reported for a target a `custom_writer` plugin writes (runtime/plugin_writer.py).
"""

from __future__ import annotations

import marshal
from collections.abc import Callable
from typing import Any, TypeVar

from dativo.runtime.coltypes import UNWRITABLE
from dativo.runtime.destination import missing_bucket, problems
from dativo.runtime.exitcodes import ExitCode
from dativo.runtime.markdown_kv import nested_column
from dativo.runtime.paths import is_mount
from dativo.runtime.sources import CONNECTOR_ENGINES, package_problem, runs
from dativo.runtime.sources.plugin import kind as plugin_kind
from dativo.runtime.spec import TargetSpec

from .. import codes, refs
from ..diagnostics import Diagnostics, Span
from ..project import Project
from ..resolve import ResolvedJob
from . import markdown_kv


def engines(rj: ResolvedJob, diags: Diagnostics) -> None:
    src = rj.source
    if rj.job.model.source.custom_reader is not None:
        return  # read by the plugin, not the engine: plugin_reference() reports what is not run
    if src is not None and not runs(src.engine, src.type):  # the runtime's own rule: compile and run agree
        diags.report(codes.ENGINE_NOT_RUN, src.engine_span, engine=src.engine, source=src.type, exit=int(ExitCode.FAIL))
    elif src is not None and src.engine in CONNECTOR_ENGINES:
        reason = _remembered(package_problem, src.engine, src.engine_options)
        if reason is not None:
            diags.report(
                codes.ENGINE_WITHOUT_PACKAGE,
                src.engine_span,
                engine=src.engine,
                source=src.type,
                reason=reason,
                exit=int(ExitCode.FAIL),
            )


def plugin_reference(rj: ResolvedJob, project: Project, diags: Diagnostics, role: str = "source") -> str | None:
    """The job's `source.custom_reader` (role "source") or `target.custom_writer` (role "target") for the
    JobSpec, its module mapped to a project path (or a mount): DTV255 when it is not `module.py:ClassName`,
    DTV256 when the module is missing, DTV257 (warning) for a Rust plugin, which is not run (the JobSpec
    carries it, so `dativo run` refuses the job)."""
    name = "custom_reader" if role == "source" else "custom_writer"
    raw = getattr(getattr(rj.job.model, role), name)
    if raw is None:
        return None
    span, key = rj.span(role, name), f"{role}.{name}"
    form = plugin_kind(raw)
    if form is None:
        diags.report(codes.PLUGIN_FORM, span, key=key, value=raw)
        return None
    if form == "rust":
        diags.report(codes.PLUGIN_NOT_RUN, span, key=key, what="a Rust plugin", exit=int(ExitCode.FAIL))
        return raw
    module, _, name = raw.rpartition(":")
    rel = refs.to_data(project, module, span, diags)
    if rel is None:
        return None
    if not is_mount(rel) and not project.resolver.abs(rel).is_file():
        diags.report(codes.PLUGIN_MISSING, span, key=key, module=module)
        return None
    return f"{rel}:{name}"


def run(rj: ResolvedJob, diags: Diagnostics) -> None:
    if rj.asset is not None:
        for i, col in enumerate(rj.asset.columns):
            if col.type in UNWRITABLE and not nested_column(markdown_kv.storage(rj), col.name):
                _unwritable(rj, i, col.name, col.type, diags)
            if col.type != "decimal":
                continue
            if col.precision is None or col.scale is None:
                missing = " and ".join(n for n, v in (("precision", col.precision), ("scale", col.scale)) if v is None)
                problem = f"has no exact Iceberg type without {missing}"
            elif col.scale > col.precision:
                problem = f"has scale {col.scale} > precision {col.precision}: no Iceberg decimal type"
            else:
                continue
            diags.report(codes.NO_ICEBERG_TYPE, rj.asset.span("schema", i, "type"), column=col.name, problem=problem)


def _unwritable(rj: ResolvedJob, i: int, name: str, typ: str, diags: Diagnostics) -> None:
    assert rj.asset is not None
    diags.report(codes.COLUMN_TYPE_NOT_WRITABLE, rj.asset.span("schema", i, "type"), column=name, type=typ)


def destination(rj: ResolvedJob, target: TargetSpec, diags: Diagnostics) -> None:
    """DTV220 for each part of the target (recipe template merged under the job) the runtime cannot write;
    DTV229 for a Parquet target without a bucket."""
    ep = rj.target
    if target.custom_writer is not None:
        return  # the writer plugin writes the target, from settings of its own
    if ep is not None and (
        ep.reg is not None
        and "target" not in ep.reg.roles
        or ep.recipe is not None
        and "target" not in ep.recipe.model.serves
    ):
        return  # not a target at all: DTV206 says so
    asset = rj.asset
    merge = asset is not None and asset.target.mode == "merge" and bool(asset.target.key_columns)
    found = _remembered(problems, target.type, target.connection, catalog=target.catalog, merge=merge)
    no_bucket = _remembered(missing_bucket, target.type, target.connection, target.catalog)
    for p in found:
        diags.report(
            codes.TARGET_NOT_WRITTEN,
            _where(rj, p.key),
            setting=p.setting,
            reason=p.reason,
            exit=int(ExitCode.FAIL),
            fix=p.fix,
        )
    if no_bucket:
        diags.report(codes.NO_BUCKET, _where(rj, "connection"), target=target.type, exit=int(ExitCode.FAIL))


#: (rule, its arguments as bytes) -> what the runtime's rule found: thousands of jobs share a few target
#: connections and engine options, and these rules are pure functions of plain config values (dicts cannot
#: key functools.lru_cache)
T = TypeVar("T")
_REMEMBERED: dict[tuple[Callable[..., Any], bytes | str], Any] = {}
_REMEMBERED_MAX = 4096


def _remembered(rule: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    key = (rule, _as_key(args, kwargs))
    if key not in _REMEMBERED:
        if len(_REMEMBERED) >= _REMEMBERED_MAX:
            _REMEMBERED.clear()
        _REMEMBERED[key] = rule(*args, **kwargs)
    return _REMEMBERED[key]


def _as_key(args: tuple, kwargs: dict[str, Any]) -> bytes | str:
    """The arguments as a key telling apart every value a config can hold: marshal writes each value with its
    exact type (True is not 1, a tuple not a list) and refuses what it cannot write back (subclasses, our own
    objects), which key by repr then; the same values in another key order are only a miss. marshal, not
    repr: this runs for every job, and repr of a connection costs three times as much."""
    try:
        return marshal.dumps((args, kwargs))
    except ValueError:
        return repr((args, sorted(kwargs.items())))


def _where(rj: ResolvedJob, key: str) -> Span:
    """The job's own setting when it has one, else the target recipe's template, else the job's target."""
    parts = key.split(".")
    data = rj.job.doc.data.get("target") if isinstance(rj.job.doc.data, dict) else None
    if parts[0] == "asset" and rj.asset is not None:
        return rj.asset.span("target", *parts[1:])
    if parts[0] == "type":
        recipe = rj.target.recipe if rj.target else None
        return recipe.doc.span(("type",)) if recipe else rj.span("target_connector")
    if _has(data, parts):
        return rj.span("target", *parts)
    recipe = rj.target.recipe if rj.target else None
    if recipe is not None and _has(recipe.doc.data, ["connection_template", *parts[1:]]):
        return recipe.doc.span(("connection_template", *parts[1:]))
    return rj.span("target")


def _has(data: Any, parts: list[str]) -> bool:
    for p in parts:
        if not isinstance(data, dict) or p not in data:
            return False
        data = data[p]
    return True
