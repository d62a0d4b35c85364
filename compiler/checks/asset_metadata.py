"""An asset's governance metadata, once per asset file (DTV225, DTV226).

DTV225 (warning): metadata dativo-ingest accepts and neither it nor dativo's runtime enforces, said
once where it is written so nobody mistakes it for a policy: `retention_days` (recorded as the table
property governance.retention_days; no data is expired), `data_quality` (not run: rows are checked
against the asset's columns only), `compliance.security` (recorded, not applied) and `target.mode: warn`
(dativo-ingest never reads an asset's target.mode; dativo appends as with `strict`).
DTV226 (error): a `${VAR}` in a value that becomes a table property (tableprops.py says why).
"""

from __future__ import annotations

from .. import codes
from ..assetview import AssetView
from ..diagnostics import Diagnostics
from ..models import LegacyAsset
from ..models.asset import AssetBody, LegacyAssetBody
from ..tableprops import ASSET_BLOCKS, report_references


def run(asset: AssetView, diags: Diagnostics) -> None:
    m = asset.loaded.model
    body: AssetBody = m.asset if isinstance(m, LegacyAsset) else m
    for path, problem, hint in _not_enforced(body):
        diags.report(codes.METADATA_NOT_ENFORCED, asset.span(*path), problem=problem, hint=hint)
    raw = asset.loaded.doc.data.get("asset", {}) if asset.form == "legacy" else asset.loaded.doc.data
    report_references(raw, ASSET_BLOCKS, asset.span, diags, columns=True)


def _not_enforced(body: AssetBody) -> list[tuple[tuple[str, ...], str, str]]:
    found: list[tuple[tuple[str, ...], str, str]] = []
    retention = [("compliance",)] if body.compliance is not None and body.compliance.retention_days is not None else []
    gov = body.governance if isinstance(body, LegacyAssetBody) else None
    if gov is not None and gov.retention_days is not None:
        retention.append(("governance",))
    for where in retention:
        found.append(
            (
                (*where, "retention_days"),
                f"{where[0]}.retention_days is recorded as the table property governance.retention_days; "
                "no data is expired after it (dativo-ingest does not expire any either)",
                "expire old rows and snapshots with your own maintenance job",
            )
        )
    dq = body.data_quality
    if dq is not None and (dq.expectations or (dq.monitoring is not None and dq.monitoring.enabled) or dq.alerts):
        found.append(
            (
                ("data_quality",),
                "data_quality (expectations, monitoring, alerts) is not run: rows are checked against the "
                "asset's columns only",
                "run your quality checks on the table after ingestion",
            )
        )
    if body.compliance is not None and body.compliance.security is not None:
        found.append(
            (
                ("compliance", "security"),
                "compliance.security is recorded, not applied: access control and encryption are the "
                "catalog's and the storage's settings",
                "set them on the catalog and the bucket",
            )
        )
    if body.target.mode == "warn":
        found.append(
            (
                ("target", "mode"),
                "target.mode 'warn' is no write mode (dativo-ingest never reads an asset's target.mode): "
                "rows are appended as with 'strict'",
                "remove it, or use 'strict' (append) or 'merge' (with key_columns); row validation follows "
                "the job's schema_validation_mode",
            )
        )
    return found
