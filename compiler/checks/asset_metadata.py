"""An asset's governance metadata, once per asset file (DTV225, DTV226).

DTV225 (warning): metadata dativo-ingest accepts and neither it nor dativo's runtime enforces, said
once per asset so nobody mistakes it for a policy: `retention_days` (recorded as the table property
governance.retention_days; no data is expired), `data_quality` (not run: rows are checked against the
asset's columns only), `compliance.security` (recorded, not applied); and, apart, `target.mode: warn`
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
    recorded = _recorded(body)
    if recorded:  # one warning per asset, at the first such key: a project of many assets stays readable
        diags.report(codes.METADATA_NOT_ENFORCED, asset.span(*recorded[0][0]), what="; ".join(w for _, w in recorded))
    if body.target.mode == "warn":
        diags.report(codes.ASSET_MODE_WARN, asset.span("target", "mode"))
    raw = asset.loaded.doc.data.get("asset", {}) if asset.form == "legacy" else asset.loaded.doc.data
    report_references(raw, ASSET_BLOCKS, asset.span, diags, columns=True)


def _recorded(body: AssetBody) -> list[tuple[tuple[str, ...], str]]:
    """(where, what) of each key whose meaning is a policy nobody applies."""
    found: list[tuple[tuple[str, ...], str]] = []
    gov = body.governance if isinstance(body, LegacyAssetBody) else None
    for block, given in (("compliance", body.compliance), ("governance", gov)):
        if given is not None and given.retention_days is not None:
            found.append(
                (
                    (block, "retention_days"),
                    f"{block}.retention_days (the table property governance.retention_days; no data is expired)",
                )
            )
    dq = body.data_quality
    if dq is not None and (dq.expectations or (dq.monitoring is not None and dq.monitoring.enabled) or dq.alerts):
        found.append((("data_quality",), "data_quality (no expectation is run; rows are checked against the columns)"))
    if body.compliance is not None and body.compliance.security is not None:
        found.append((("compliance", "security"), "compliance.security (access control and encryption are not set)"))
    return found
