"""The Iceberg table properties of a job: dativo-ingest's tag derivation (tag_derivation.py and
IcebergCommitter._derive_table_properties), same names and values, plus two of dativo's own.

Precedence as dativo-ingest's: the job's `classification_overrides`, `finops`, `governance_overrides`
over the asset (column `classification`, `compliance`, `finops`, team owner). Classifications are
lower-cased, lists joined with `,`. dativo adds `dativo.tenant` (the job's tenant) and `dativo.tags`
(the asset's tags, which dativo-ingest only puts on its S3 objects). Connector-reported source tags,
dativo-ingest's lowest layer, do not exist in dativo's runtime.

Property values are literal text in the catalog, readable by anyone who can list the table: a
`${VAR}` in a value that becomes a property is an error (DTV241), never expanded (it could carry a secret).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from dativo.runtime.envvars import has_reference

from . import codes
from .assetview import AssetMeta, AssetView
from .diagnostics import Diagnostics, Span, did_you_mean
from .models import Job
from .project import Loaded

DEFAULT_KEY = "default"  # classification_overrides' table-level entry
TENANT_PROPERTY = "dativo.tenant"  # the one property a job's tenant sets (see shared_key)
FINOPS_KEYS = ("cost_center", "business_tags", "project", "environment")


def classifications(asset: AssetView, job: Job) -> dict[str, str]:
    over = job.classification_overrides or {}
    props: dict[str, str] = {}
    if DEFAULT_KEY in over:
        props["classification.default"] = over[DEFAULT_KEY].lower()
    elif asset.meta.compliance is not None and asset.meta.compliance.classification:
        props["classification.default"] = asset.meta.compliance.classification[0].lower()
    for col in asset.columns:
        label = over.get(col.name, col.classification)
        if label is not None:
            props[f"classification.fields.{col.name}"] = label.lower()
    return props


def governance(meta: AssetMeta, job: Job) -> dict[str, str]:
    over = job.governance_overrides
    props: dict[str, str] = {}
    retention = over.retention_days if over is not None and over.retention_days is not None else None
    if retention is None and meta.compliance is not None:
        retention = meta.compliance.retention_days
    if retention is not None:
        props["governance.retention_days"] = str(retention)
    owner = over.owner if over is not None and "owner" in over.model_fields_set else meta.owner
    if owner:  # dativo-ingest: an empty override removes the asset's owner
        props["governance.owner"] = owner
    if meta.domain:
        props["governance.domain"] = meta.domain
    if meta.data_product:
        props["governance.data_product"] = meta.data_product
    if meta.compliance is not None and meta.compliance.regulations:
        props["governance.regulations"] = ",".join(meta.compliance.regulations)
    return props


def finops(meta: AssetMeta, job: Job) -> dict[str, str]:
    merged: dict[str, Any] = meta.finops.model_dump() if meta.finops is not None else {}
    if job.finops is not None:
        merged.update(job.finops.model_dump(exclude_unset=True))
    props: dict[str, str] = {}
    for key in FINOPS_KEYS:
        value = merged.get(key)
        if value:
            props[f"finops.{key}"] = ",".join(value) if isinstance(value, list) else str(value)
    return props


def asset_props(asset: AssetView, tenant: str) -> dict[str, str]:
    props = {"asset.name": asset.name, "asset.version": asset.version, TENANT_PROPERTY: tenant}
    if asset.meta.domain:
        props["asset.domain"] = asset.meta.domain
    if asset.meta.data_product:
        props["asset.data_product"] = asset.meta.data_product
    props["asset.source_type"] = asset.source_type
    props["asset.object"] = asset.object
    if asset.meta.tags:
        props["dativo.tags"] = ",".join(asset.meta.tags)
    return props


def derive(asset: AssetView, job: Loaded[Job], diags: Diagnostics) -> dict[str, str]:
    """The job's table properties, sorted by name; errors in the inputs are reported (DTV226)."""
    m = job.model
    _check_overrides(asset, job, diags)
    _check_references(job, diags)
    props = {
        **classifications(asset, m),
        **governance(asset.meta, m),
        **finops(asset.meta, m),
        **asset_props(asset, m.tenant_id),
    }
    return dict(sorted(props.items()))


def shared_key(asset: AssetView, job: Loaded[Job]) -> tuple[str, str] | None:
    """Under which key jobs may share `derive`'s result: it reads a job only through JOB_BLOCKS and its
    tenant, so jobs that set none of those blocks get the same properties for one asset and tenant (and
    `derive` reports nothing about them); the tenant sets TENANT_PROPERTY alone (`for_tenant`). None:
    this job sets one of those blocks."""
    if any(block in job.doc.data for block in JOB_BLOCKS):
        return None
    return asset.loaded.rel, job.model.tenant_id


def for_tenant(props: dict[str, str], tenant: str) -> dict[str, str]:
    """`derive`'s result for a job of another tenant under the same shared_key's asset: the same
    properties, `tenant` in TENANT_PROPERTY (still sorted: the key keeps its place)."""
    return {**props, TENANT_PROPERTY: tenant}


def _check_overrides(asset: AssetView, job: Loaded[Job], diags: Diagnostics) -> None:
    """An override naming no column is a typo: dativo-ingest drops it silently, so the table would not
    carry the classification the job author wrote."""
    names = [c.name for c in asset.columns]
    for key in job.model.classification_overrides or {}:
        if key != DEFAULT_KEY and key not in names:
            diags.report(
                codes.OVERRIDE_NOT_A_COLUMN,
                job.doc.span(("classification_overrides", key), key=True),
                key=key,
                asset=asset.name,
                hint=did_you_mean(key, [*names, DEFAULT_KEY])
                or f"name a column of the asset, or {DEFAULT_KEY!r} for the table's classification",
            )


#: the parts of a job and of an asset body whose strings become table properties
JOB_BLOCKS = ("classification_overrides", "finops", "governance_overrides")
ASSET_BLOCKS = ("compliance", "finops", "team", "governance", "domain", "dataProduct", "tags")


def _check_references(job: Loaded[Job], diags: Diagnostics) -> None:
    report_references(job.doc.data, JOB_BLOCKS, lambda *p: job.doc.span(p), diags)


def report_references(
    data: Any, blocks: tuple[str, ...], span: Callable[..., Span], diags: Diagnostics, *, columns: bool = False
) -> None:
    """DTV226 for each `${VAR}` in `blocks` of `data` (and in its column classifications, for an asset body)."""
    found = list(_references(data, blocks))
    schema = data.get("schema") if columns and isinstance(data, dict) else None
    for i, col in enumerate(schema if isinstance(schema, list) else []):
        if isinstance(col, dict) and _is_ref(col.get("classification")):
            found.append(("schema", i, "classification"))
    for path in found:
        diags.report(codes.PROPERTY_HOLDS_REFERENCE, span(*path), where=".".join(map(str, path)))


def _references(data: Any, blocks: tuple[str, ...]) -> Iterator[tuple]:
    if not isinstance(data, dict):
        return
    for block in blocks:
        if block in data:
            yield from _walk(data[block], (block,))


def _walk(value: Any, path: tuple) -> Iterator[tuple]:
    if _is_ref(value):
        yield path
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk(v, (*path, i))


def _is_ref(value: Any) -> bool:
    return isinstance(value, str) and has_reference(value)
