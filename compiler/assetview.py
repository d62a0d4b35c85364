"""Both asset forms seen the same way, with dativo-ingest's legacy migration applied.

dativo-ingest (config.py, AssetDefinition._migrate_old_format) reads a legacy `asset:` body as an ODCS
contract: `governance.owner` becomes the team owner, `governance.tags` the asset's tags (unless it has
`tags`), `governance.classification` and `retention_days` its compliance. It replaces a `compliance`
block the body also has; here a key the body's `compliance` sets wins and governance fills the rest, so
no value the user wrote is dropped. An asset without `id` gets one, as in dativo-ingest, but derived
from what the asset is (uuid5 of source type, object, name and version), so every compile agrees.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from .diagnostics import Span
from .models import LegacyAsset
from .models.asset import AssetBody, AssetTarget, Column, Compliance, Finops, LegacyAssetBody
from .project import Loaded

#: uuid5 namespace of generated asset ids (a constant: the ids must not change between releases)
ASSET_ID_NAMESPACE = uuid.UUID("5d0c8a3e-6f1b-5b8e-9a57-3c2d7e1f4b60")


@dataclass(frozen=True)
class AssetMeta:
    """The governance metadata of an asset, migrated: what the table properties are derived from."""

    id: str = ""
    owner: str | None = None
    tags: tuple[str, ...] = ()
    domain: str | None = None
    data_product: str | None = None
    tenant: str | None = None
    compliance: Compliance | None = None
    finops: Finops | None = None


@dataclass
class AssetView:
    """Both asset forms seen the same way."""

    loaded: Loaded
    form: str
    name: str
    version: str
    source_type: str
    object: str
    columns: list[Column]
    target: AssetTarget
    meta: AssetMeta = field(default_factory=AssetMeta)

    def span(self, *fields: str | int) -> Span:
        prefix: tuple = ("asset",) if self.form == "legacy" else ()
        return self.loaded.doc.span(prefix + tuple(fields))


def asset_id(body: AssetBody) -> str:
    if body.id:
        return body.id
    return str(uuid.uuid5(ASSET_ID_NAMESPACE, f"{body.source_type}\0{body.object}\0{body.name}\0{body.version}"))


def migrated_compliance(body: AssetBody) -> Compliance | None:
    gov = body.governance if isinstance(body, LegacyAssetBody) else None
    if gov is None or (gov.classification is None and gov.retention_days is None):
        return body.compliance
    base = body.compliance or Compliance()
    given = base.model_fields_set
    update: dict[str, Any] = {}
    if gov.classification is not None and "classification" not in given:
        update["classification"] = list(gov.classification)
    if gov.retention_days is not None and "retention_days" not in given:
        update["retention_days"] = gov.retention_days
    return base.model_copy(update=update)


def asset_meta(body: AssetBody) -> AssetMeta:
    gov = body.governance if isinstance(body, LegacyAssetBody) else None
    owner = body.team.owner if body.team else None
    tags = body.tags
    if gov is not None:
        owner = gov.owner if gov.owner is not None else owner
        tags = tags if tags is not None else gov.tags
    return AssetMeta(
        id=asset_id(body),
        owner=owner,
        tags=tuple(tags or ()),
        domain=body.domain,
        data_product=body.dataProduct,
        tenant=body.tenant,
        compliance=migrated_compliance(body),
        finops=body.finops,
    )


def asset_view(loaded: Loaded) -> AssetView:
    m = loaded.model
    body: AssetBody = m.asset if isinstance(m, LegacyAsset) else m
    form = "legacy" if isinstance(m, LegacyAsset) else "odcs"
    return AssetView(
        loaded,
        form,
        body.name,
        body.version,
        body.source_type,
        body.object,
        body.columns,
        body.target,
        asset_meta(body),
    )
