"""Merge a resolved job's layers (registry < recipe < asset < job) into the runtime's JobSpec."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel

from dativo.runtime.destination import writes
from dativo.runtime.paths import is_mount, mount_point
from dativo.runtime.s3settings import data_path
from dativo.runtime.spec import (
    AssetSpec,
    ColumnSpec,
    CredentialsSpec,
    FileSpec,
    IncrementalSpec,
    JobSpec,
    LoggingSpec,
    RetrySpec,
    SourceSpec,
    TableSpec,
    TargetSpec,
)

from . import precedence, refs, tableprops
from .checks import markdown_kv, runtime_support
from .diagnostics import Diagnostics
from .models import Job
from .models.asset import LegacyAsset
from .models.common import RetryConfig
from .project import Loaded, Project
from .resolve import AssetView, Endpoint, ResolvedJob

#: the RetryConfig keys the runtime's policy holds (retry_delay_seconds is folded into the initial delay)
RETRY_FIELDS: set[str] = set(RetrySpec.model_fields)
S = TypeVar("S", bound=BaseModel)
TENANT_TEMPLATE = re.compile(r"\{tenant(_id)?\}")  # `{tenant}` in recipe strings: the job's tenant


@dataclass
class Merged:
    """The effective values of one job, before they become a JobSpec."""

    objects: list[str]
    strategy: str | None
    cursor_field: str | None
    cursor_origin: precedence.Origin  # job path the cursor came from, () when it came from the recipe
    lookback_days: int
    file_format: str
    partitioning: list[str]
    namespace: str
    table: str
    credentials_file: str | None = None  # the source recipe's, for this tenant
    target_credentials_file: str | None = None  # the target recipe's (catalog and storage keys)
    explicit_incremental: bool = False
    files: list[tuple[int, str]] = field(default_factory=list)  # (index, project-relative path)


def fill_tenant(template: str, tenant: str) -> str:
    """A recipe string (e.g. its credentials file) for one tenant: `{tenant}` (or `{tenant_id}`) filled in."""
    return TENANT_TEMPLATE.sub(lambda _: tenant, template)  # a function: `\` in a tenant is not an escape


def merge(rj: ResolvedJob) -> Merged:
    """The job's effective values: each field by its rule in `precedence`."""
    ly = precedence.Layers.of(rj)
    cursor_field, cursor_origin = precedence.cursor(ly)
    tenant = ly.job.tenant_id
    return Merged(
        objects=precedence.objects(ly),
        strategy=precedence.strategy(ly),
        cursor_field=cursor_field,
        cursor_origin=cursor_origin,
        lookback_days=precedence.lookback_days(ly),
        file_format=precedence.file_format(ly),
        partitioning=precedence.partitioning(ly),
        namespace=precedence.namespace(ly),
        table=precedence.table(ly),
        credentials_file=_credentials_file(rj.source, tenant),
        target_credentials_file=_credentials_file(rj.target, tenant),
        explicit_incremental=ly.job_incremental is not None,  # absent, null and `{}` turn nothing on
    )


def _credentials_file(end: Any, tenant: str) -> str | None:
    creds = end.recipe.model.credentials if end is not None and end.recipe is not None else None
    return fill_tenant(creds.file_template, tenant) if creds is not None and creds.file_template else None


#: strategies driven by file metadata; every other strategy reads a cursor column
FILE_STRATEGIES = frozenset({"file_modified_time", "spreadsheet_modified_time"})


def needs_cursor(strategy: str | None) -> bool:
    return strategy is not None and strategy not in FILE_STRATEGIES


def build_spec(
    rj: ResolvedJob,
    mg: Merged,
    project: Project,
    retry_default: RetryConfig | None,
    diags: Diagnostics,
    memo: SpecMemo | None = None,
) -> JobSpec | None:
    """The JobSpec, or None when a part failed to resolve (already reported)."""
    memo = memo or SpecMemo()
    src, tgt, asset = rj.source, rj.target, rj.asset
    if src is None or tgt is None or asset is None:
        return None
    m = rj.job.model
    source = _source_spec(rj, src, mg, project, diags, memo)
    target = _target_spec(rj, tgt, mg, project, diags, memo)
    return JobSpec(
        id=rj.job.rel,
        tenant=m.tenant_id,
        environment=m.environment,
        source=source,
        target=target,
        asset=memo.asset(asset),
        schema_validation_mode=m.schema_validation_mode,
        logging=memo.part(LoggingSpec, level=m.logging.level, redaction=m.logging.redaction),
        retry=memo.retry(precedence.retry(m, retry_default)),
        mounts=job_mounts(source, target),
    )


def job_mounts(source: SourceSpec, target: TargetSpec) -> list[str]:
    """The runtime mounts a job reads: its absolute source files and credentials files, sorted."""
    paths = [f.path for f in source.files]
    paths += [c.file for c in (source.credentials, target.credentials) if c is not None and c.file]
    return sorted({mount_point(p) for p in paths if is_mount(p)})


def _source_spec(
    rj: ResolvedJob, src: Endpoint, mg: Merged, project: Project, diags: Diagnostics, memo: SpecMemo
) -> SourceSpec:
    m = rj.job.model
    conn = precedence.connection(src.recipe.model if src.recipe else None, m.source.connection)
    return SourceSpec(
        connector=src.name,
        type=src.type,
        engine=src.engine,
        engine_options=memo.plain(src.engine_options),
        objects=mg.objects,
        files=_files(rj, project, diags),
        connection=memo.plain(conn),
        credentials=_credentials(src, mg.credentials_file, project, diags, memo),
        custom_reader=runtime_support.plugin_reference(rj, project, diags),
        tables=[
            TableSpec(name=t.name, object=t.object, cursor_field=t.cursor_field or mg.cursor_field)
            for t in m.source.tables or []
        ],
        incremental=memo.part(
            IncrementalSpec,
            strategy=mg.strategy,
            cursor_field=mg.cursor_field if needs_cursor(mg.strategy) else None,
            lookback_days=mg.lookback_days,
        )
        if mg.strategy
        else None,
    )


def _target_spec(
    rj: ResolvedJob, tgt: Endpoint, mg: Merged, project: Project, diags: Diagnostics, memo: SpecMemo
) -> TargetSpec:
    t = rj.job.model.target
    conn = precedence.connection(tgt.recipe.model if tgt.recipe else None, t.connection)
    writer = runtime_support.plugin_reference(rj, project, diags, "target")
    return TargetSpec(
        connector=tgt.name,
        type=tgt.type,
        engine=tgt.engine,
        catalog=t.catalog,
        warehouse=t.warehouse,
        branch=t.branch,
        namespace=mg.namespace,
        table=mg.table,
        file_format=mg.file_format,
        partitioning=mg.partitioning,
        connection=memo.plain(conn),
        credentials=_credentials(tgt, mg.target_credentials_file, project, diags, memo),
        custom_writer=writer,
        markdown_kv_storage=markdown_kv.storage(rj),
        **_parquet(rj, tgt.type, mg.table, conn, writer is not None),
        table_properties=memo.table_properties(rj.asset, rj.job, diags) if rj.asset is not None else {},
    )


def _parquet(rj: ResolvedJob, target_type: str, table: str, conn: dict[str, Any], plugin: bool) -> dict[str, Any]:
    """The Parquet fields of a target dativo-ingest writes as files (none for an Iceberg table); a writer
    plugin's target gets the data path too (its output_base, as dativo-ingest builds it)."""
    t = rj.job.model.target
    if writes(target_type, t.catalog, conn) != "parquet":
        # an Iceberg table's data files roll over at the same size (runtime/datafiles.py)
        size = {"parquet_target_size_mb": t.parquet_target_size_mb} if t.parquet_target_size_mb else {}
        return {**size, "parquet_path": _data_path(rj, table)} if plugin else size
    return {
        "writes": "parquet",
        "parquet_target_size_mb": t.parquet_target_size_mb,
        "parquet_path": _data_path(rj, table),
    }


def _data_path(rj: ResolvedJob, table: str) -> str:
    model = rj.asset.loaded.model if rj.asset is not None else None
    model = model.asset if isinstance(model, LegacyAsset) else model  # a legacy asset's keys are under `asset:`
    return data_path(getattr(model, "domain", None), getattr(model, "dataProduct", None), table)


def _files(rj: ResolvedJob, project: Project, diags: Diagnostics) -> list[FileSpec]:
    """The job's source files as project paths; a path that does not resolve is reported and left out, and
    so is an entry with only a remote `id` (checks/upstream_keys.py says what that means for the job)."""
    files: list[FileSpec] = []
    for i, f in enumerate(rj.job.model.source.files or []):
        if f.path is None:
            continue
        rel = refs.to_data(project, f.path, functools.partial(rj.span, "source", "files", i, "path"), diags)
        if rel is not None:
            files.append(FileSpec(path=rel, object=f.object, file_format=f.file_format))
    return files


_CREDENTIALS_FILE = ("credentials", "file_template")


def _credentials(
    end: Any, filled: str | None, project: Project, diags: Diagnostics, memo: SpecMemo
) -> CredentialsSpec | None:
    """A recipe's credentials for the job: its file as a project path (container paths mapped)."""
    creds = end.recipe.model.credentials if end.recipe is not None else None
    if creds is None:
        return None
    rel = (
        refs.to_data(project, filled, functools.partial(end.recipe.doc.span, _CREDENTIALS_FILE), diags)
        if filled
        else None
    )
    return memo.part(CredentialsSpec, type=creds.type, from_env=creds.from_env, file=rel)


@dataclass
class SpecMemo:
    """Spec parts shared by the jobs of one compile. Specs are frozen, so jobs with the same asset or
    retry policy share one object: an asset's columns are validated once, not once per job (that was
    a third of a 2,000-job compile)."""

    assets: dict[str, AssetSpec] = field(default_factory=dict)  # asset file -> its spec
    retries: dict[int, tuple[RetryConfig, RetrySpec]] = field(default_factory=dict)  # the pair keeps the id alive
    props: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)  # (asset file, tenant) -> properties
    asset_props: dict[str, dict[str, str]] = field(default_factory=dict)  # asset file -> a first tenant's properties
    parts: dict[tuple, Any] = field(default_factory=dict)  # (spec class, its field values) -> the spec
    plains: dict[int, tuple[Any, Any]] = field(default_factory=dict)  # id(mapping) -> (mapping, _plain of it)

    def part(self, cls: type[S], **fields: Any) -> S:
        """One spec of `cls` per distinct field values: thousands of jobs share a few logging settings,
        credentials (one per recipe and tenant) and incremental reads. Only specs of plain scalar fields come
        here: values equal as keys (1 and True) validate to the same field value."""
        key = (cls, *fields.items())
        try:
            spec = self.parts.get(key)
        except TypeError:  # a value that cannot key (none of these models' fields holds one): made anew
            return cls(**fields)
        if spec is None:
            spec = self.parts[key] = cls(**fields)
        return spec

    def plain(self, value: dict[str, Any]) -> dict[str, Any]:
        """_plain of a connection or engine options: jobs that leave their recipe's alone get the recipe's
        own mapping (precedence.connection, Resolver._endpoint), sorted here once for all of them. The pair
        keeps the id alive, as `retry` does."""
        hit = self.plains.get(id(value))
        if hit is None:
            hit = self.plains[id(value)] = (value, _plain(value))
        return hit[1]

    def asset(self, asset: AssetView) -> AssetSpec:
        spec = self.assets.get(asset.loaded.rel)
        if spec is None:
            spec = self.assets[asset.loaded.rel] = AssetSpec(
                id=asset.meta.id,
                name=asset.name,
                version=asset.version,
                form=asset.form,
                path=asset.loaded.rel,
                source_type=asset.source_type,
                object=asset.object,
                mode="strict" if asset.target.mode == "warn" else asset.target.mode,  # DTV225 says so
                key_columns=list(asset.target.key_columns or []),
                columns=[
                    ColumnSpec(
                        name=c.name,
                        type=c.type,
                        required=c.required,
                        classification=c.classification,
                        precision=c.precision,
                        scale=c.scale,
                    )
                    for c in asset.columns
                ],
            )
        return spec

    def table_properties(self, asset: AssetView, job: Loaded[Job], diags: Diagnostics) -> dict[str, str]:
        """tableprops.derive; for the jobs that override none of them (most), derived once per asset and
        then given each tenant's name (tableprops.for_tenant), one dict per asset and tenant."""
        key = tableprops.shared_key(asset, job)
        if key is None:
            return tableprops.derive(asset, job, diags)
        props = self.props.get(key)
        if props is None:
            first = self.asset_props.get(key[0])
            if first is None:
                first = self.asset_props[key[0]] = tableprops.derive(asset, job, diags)
            props = self.props[key] = tableprops.for_tenant(first, key[1])
        return props

    def retry(self, retry: RetryConfig) -> RetrySpec:
        hit = self.retries.get(id(retry))
        if hit is None:
            hit = self.retries[id(retry)] = (retry, RetrySpec(**retry.model_dump(include=RETRY_FIELDS)))
        return hit[1]


def _plain(value: Any) -> Any:
    """Mappings with sorted keys, so the plan never depends on YAML key order."""
    if isinstance(value, dict):
        return {k: _plain(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
