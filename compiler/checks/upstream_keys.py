"""dativo-ingest's job keys this runtime accepts but does not act on yet (DTV223, warning) or must refuse
because they decide what is read or written (DTV224, error), and a source file path holding a `${VAR}`,
which neither dativo-ingest nor this runtime expands (DTV244). The decision per key is listed in
docs/configuration.md#keys-from-dativo-ingest; the keys themselves are typed in models/job.py.

A key that decides what is read or written is an error only when this runtime would run the job (its
source is one `dativo run` reads): running it would then read or write something else than the key says.
For a job whose source is not run (DTV218, `dativo run` exits 2 before anything is written) it is a
warning. A Python `custom_reader` or `custom_writer` is run (runtime/sources/plugin.py,
runtime/plugin_writer.py; checks/runtime_support.plugin_reference).

Without `target.catalog` dativo-ingest writes Parquet files and never reads `connection.nessie`,
`target.warehouse` or `target.branch`; on a target this runtime writes as Parquet files too
(destination.writes) each is DTV245 (warning): ignored by both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dativo.runtime import s3settings
from dativo.runtime.destination import writes
from dativo.runtime.envvars import has_reference
from dativo.runtime.jsonpath import json_path
from dativo.runtime.sources import CONNECTOR_ENGINES, runs

from .. import codes, precedence
from ..diagnostics import Diagnostics, did_you_mean
from ..models.job import FileRef, TableRef
from ..resolve import ResolvedJob


@dataclass(frozen=True)
class Rule:
    path: tuple[str, ...]
    meaning: str  # what dativo-ingest does with the key
    hint: str | None = None
    instead: str | None = None  # set: the key decides what is read or written (DTV224 when the job runs)
    always: bool = False  # an error even for a job this runtime does not run


RULES: tuple[Rule, ...] = (
    Rule(("catalog",), "dativo-ingest pushes lineage and metadata to this data catalog after each run",
         "remove it, or push lineage and metadata from the orchestrator"),
    Rule(("plugins",), "the sandbox dativo-ingest runs custom readers and writers in",
         "remove it: this runtime runs a Python custom_reader or custom_writer in its own process, unsandboxed"),
    Rule(("source", "credentials"), "dativo-ingest merges these over the source recipe's credentials",
         "name the credentials in the recipe (credentials: type, from_env, file_template)"),
    Rule(("source", "sheets"), "the sheets a google_sheets source reads"),
    Rule(("source", "rate_limits"), "dativo-ingest throttles the source's API calls by these"),
    Rule(("source", "incremental", "state_path"), "where dativo-ingest keeps the job's incremental state",
         "this runtime keeps it under --state-dir and in the table's snapshots; remove the key"),
    Rule(("retry_config", "retryable_errors"), "a deprecated key that dativo-ingest does not read either",
         "use retryable_error_patterns"),
    Rule(("source", "dsn"), "the database dativo-ingest's reader connects to", None,
         instead="connect as source.connection says instead"),
)  # fmt: skip


_TABLE_KEYS = list(TableRef.model_fields)  # what dativo-ingest's readers read of a source.tables[] entry


def run(rj: ResolvedJob, diags: Diagnostics) -> None:
    data = rj.job.doc.data if isinstance(rj.job.doc.data, dict) else {}
    ran = rj.source is not None and runs(rj.source.engine, rj.source.type, rj.job.model.source.custom_reader)
    for rule in RULES:
        if _present(data, rule.path):
            _report(rj, rule.path, rule, ran, diags)
    _types(rj, diags)
    _ignored(rj, diags)
    _files(rj, ran, diags)
    _tables(rj, diags)


def _present(data: Any, path: tuple[str, ...]) -> bool:
    for part in path:
        if not isinstance(data, dict) or data.get(part) is None:
            return False
        data = data[part]
    return True


def _report(rj: ResolvedJob, at: tuple[str | int, ...], rule: Rule, ran: bool, diags: Diagnostics) -> None:
    key = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in at).replace(".[", "[")
    span = rj.span(*at, key=True)
    if rule.instead is not None and (rule.always or ran):
        diags.report(
            codes.KEY_NOT_HONOURED, span, path=json_path(at), key=key, meaning=rule.meaning, instead=rule.instead,
            hint=rule.hint,
        )  # fmt: skip
    else:
        diags.report(codes.KEY_NOT_ACTED_ON, span, path=json_path(at), key=key, meaning=rule.meaning, hint=rule.hint)


def _types(rj: ResolvedJob, diags: Diagnostics) -> None:
    """`source.type` / `target.type` override the recipe's type in dativo-ingest: the same type is a no-op,
    another one would make it read or write another kind of connector."""
    m = rj.job.model
    for role, given, ep in (("source", m.source.type, rj.source), ("target", m.target.type, rj.target)):
        if given is None or ep is None or given == ep.type:
            continue
        rule = Rule(
            (role, "type"),
            f"dativo-ingest treats the {role} as a {given!r} connector",
            f"remove {role}.type, or set it to {ep.type!r}",
            instead=f"use the recipe's type {ep.type!r} instead",
            always=True,
        )
        _report(rj, rule.path, rule, True, diags)


def _ignored(rj: ResolvedJob, diags: Diagnostics) -> None:
    """DTV245 for each setting of a Parquet target that only a catalog reads, in the job or its recipe."""
    t, recipe = rj.job.model.target, rj.target.recipe if rj.target else None
    if rj.target is None:
        return
    conn = precedence.connection(recipe.model if recipe else None, t.connection)
    if writes(rj.target.type, t.catalog, conn) != "parquet":
        return
    bucket = next((f"{b}.bucket" for b in ("s3", "minio") if s3settings.block_bucket({b: conn.get(b)})), "bucket")
    job = rj.job.doc.data.get("target") if isinstance(rj.job.doc.data, dict) else None
    job = job if isinstance(job, dict) else {}
    for at in [*(("connection", k) for k in s3settings.IGNORED), ("warehouse",), ("branch",)]:
        if _present(job, at):
            span = rj.span("target", *at, key=True)
        elif (
            recipe is not None and at[0] == "connection" and _present(recipe.doc.data, ("connection_template", *at[1:]))
        ):
            span = recipe.doc.span(("connection_template", *at[1:]), key=True)
        else:
            continue
        diags.report(codes.IGNORED_WITHOUT_CATALOG, span, key="target." + ".".join(at), bucket=bucket)


def _files(rj: ResolvedJob, ran: bool, diags: Diagnostics) -> None:
    files = rj.job.model.source.files or []
    if files and rj.source is not None and rj.source.engine in CONNECTOR_ENGINES:
        # dativo-ingest's connector engines build the connector's config from the recipe's credentials and
        # streams and source.connection (engine_config.py), never from source.files; so does this runtime
        span = rj.span("source", "files", key=True)
        diags.report(codes.FILES_ON_CONNECTOR_ENGINE, span, path="$.source.files", engine=rj.source.engine)
        return
    for i, f in enumerate(files):
        if f.path is not None and has_reference(f.path):  # DTV244: read as written, here as in dativo-ingest
            at = ("source", "files", i, "path")
            diags.report(codes.DATA_PATH_VARIABLE, rj.span(*at), path=json_path(at), ref=f.path)
        if f.id is None:
            continue
        _report(rj, ("source", "files", i, "id"), _file_rule(f), ran, diags)


def _file_rule(f: FileRef) -> Rule:
    if f.path is not None:
        return Rule(
            (),
            "dativo-ingest names the file by this id in its incremental state",
            "this runtime names it by its path; the id can stay",
        )
    return Rule(
        (),
        "dativo-ingest downloads this remote file (a Google Drive file id)",
        "give the file's local path as `path`",
        instead="read no file for this entry",
    )


def _tables(rj: ResolvedJob, diags: Diagnostics) -> None:
    """dativo-ingest takes any mapping in `source.tables[]` and its readers read name, object and
    cursor_field; other keys are accepted with a warning, unless they look like a typo of one of those."""
    for i, t in enumerate(rj.job.model.source.tables or []):
        for extra in sorted(t.model_extra or {}):
            at = ("source", "tables", i, extra)
            typo = did_you_mean(extra, _TABLE_KEYS)
            if typo:
                where = f"job at source.tables[{i}]"
                span = rj.span(*at, key=True)
                diags.report(codes.UNKNOWN_KEY, span, path=json_path(at), key=extra, where=where, hint=typo)
                continue
            rule = Rule((), "not read by dativo-ingest's readers (they read name, object and cursor_field)")
            _report(rj, at, rule, False, diags)
