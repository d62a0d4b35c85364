"""Registry capabilities and asset consistency of each resolved job (DTV2xx)."""

from __future__ import annotations

from .. import codes
from ..diagnostics import Diagnostics, did_you_mean
from ..jobspec import Merged, needs_cursor
from ..resolve import Endpoint, ResolvedJob


def run(rj: ResolvedJob, mg: Merged, mode: str, diags: Diagnostics) -> None:
    for ep in (rj.source, rj.target):
        if ep is not None:
            _endpoint(rj, ep, mode, diags)
    if rj.source is not None and rj.source.reg is not None:
        _source(rj, rj.source, mg, diags)
    if rj.target is not None and rj.target.reg is not None and rj.target.reg.file_formats is not None:
        if mg.file_format not in rj.target.reg.file_formats:
            diags.error(
                codes.FILE_FORMAT_UNSUPPORTED,
                f"file_format {mg.file_format!r} is not supported by {rj.target.type!r} "
                f"(file_formats: {', '.join(rj.target.reg.file_formats)})",
                rj.span("target", "file_format"),
                hint=did_you_mean(mg.file_format, rj.target.reg.file_formats),
            )
    if rj.asset is not None:
        _asset(rj, mg, diags)


def _endpoint(rj: ResolvedJob, ep: Endpoint, mode: str, diags: Diagnostics) -> None:
    reg = ep.reg
    if reg is None:
        return
    field = f"{ep.role}_connector"
    if ep.role not in reg.roles:
        diags.error(
            codes.CONNECTOR_ROLE,
            f"connector {ep.type!r} cannot be a {ep.role} (roles: {', '.join(reg.roles)})",
            rj.span(field),
        )
    elif ep.recipe is not None and ep.role not in ep.recipe.model.roles:  # one error per span: the registry's wins
        diags.error(
            codes.CONNECTOR_ROLE,
            f"recipe {ep.recipe.rel} does not allow the {ep.role} role (roles: {', '.join(ep.recipe.model.roles)})",
            rj.span(field),
        )
    if ep.engine not in reg.engines_supported:
        diags.error(
            codes.ENGINE_UNSUPPORTED,
            f"engine {ep.engine!r} is not supported by connector {ep.type!r} "
            f"(engines_supported: {', '.join(reg.engines_supported)})",
            ep.engine_span,
            hint=did_you_mean(ep.engine, reg.engines_supported),
        )
    if mode == "cloud" and not reg.allowed_in_cloud:
        diags.error(
            codes.NOT_ALLOWED_IN_CLOUD,
            f"connector {ep.type!r} is not allowed in cloud mode",
            rj.span(field),
            hint="run this job in self_hosted mode, or use a connector allowed in cloud",
        )


def _source(rj: ResolvedJob, src: Endpoint, mg: Merged, diags: Diagnostics) -> None:
    reg = src.reg
    assert reg is not None
    m = rj.job.model
    if mg.explicit_incremental and not reg.supports_incremental:
        diags.error(
            codes.INCREMENTAL_UNSUPPORTED,
            f"connector {src.type!r} does not support incremental sync",
            rj.span("source", "incremental", key=True),
            hint="remove source.incremental",
        )
    if reg.supports_incremental and needs_cursor(mg.strategy) and not mg.cursor_field:
        diags.error(
            codes.CURSOR_FIELD_MISSING,
            f"incremental strategy {mg.strategy!r} needs a cursor_field",
            rj.span("source", key=True) if m.source.incremental is None else rj.span("source", "incremental", key=True),
            hint="set source.incremental.cursor_field, or cursor_field_default in the recipe",
        )
    if reg.objects_supported is not None:
        for i, obj in enumerate(mg.objects):
            if obj not in reg.objects_supported:
                diags.error(
                    codes.OBJECT_UNSUPPORTED,
                    f"object {obj!r} is not offered by connector {src.type!r} "
                    f"(objects_supported: {', '.join(reg.objects_supported)})",
                    _object_span(rj, i),
                    hint=did_you_mean(obj, reg.objects_supported),
                )
    if reg.requires_tables and not m.source.tables:
        diags.error(
            codes.TABLES_REQUIRED,
            f"connector {src.type!r} requires source.tables",
            rj.span("source", key=True),
            hint="list the tables: source.tables: [{name: public.orders, object: orders}]",
        )


def _object_span(rj: ResolvedJob, i: int):
    s = rj.job.model.source
    if s.objects:
        return rj.span("source", "objects", i)
    if s.object:
        return rj.span("source", "object")
    if s.tables:
        return rj.span("source", "tables", i, "object")
    if s.files:
        return rj.span("source", "files", i, "object")
    return rj.span("asset")


def _asset(rj: ResolvedJob, mg: Merged, diags: Diagnostics) -> None:
    asset = rj.asset
    assert asset is not None
    columns = {c.name for c in asset.columns}
    if rj.source is not None and asset.source_type != rj.source.type:
        diags.error(
            codes.ASSET_MISMATCH,
            f"asset {asset.name!r} has source_type {asset.source_type!r}, but the source connector is {rj.source.type!r}",
            rj.span("asset"),
            hint=f"use an asset of {rj.source.type!r}, or fix source_type in {asset.loaded.rel}",
        )
    if mg.objects and asset.object not in mg.objects:
        diags.error(
            codes.ASSET_MISMATCH,
            f"asset {asset.name!r} describes object {asset.object!r}, which the job does not read "
            f"(objects: {', '.join(mg.objects)})",
            _object_span(rj, 0),
        )
    if needs_cursor(mg.strategy) and mg.cursor_field and mg.cursor_field not in columns:
        span = rj.span(*mg.cursor_origin) if mg.cursor_origin else rj.span("asset")
        diags.error(
            codes.CURSOR_NOT_IN_ASSET,
            f"cursor_field {mg.cursor_field!r} is not a column of asset {asset.name!r}",
            span,
            hint=did_you_mean(mg.cursor_field, columns),
        )
    if asset.target.mode == "merge" and not asset.target.key_columns:
        diags.error(
            codes.INVALID_VALUE,
            "target.mode 'merge' needs target.key_columns",
            asset.span("target", "mode"),
            hint="name the key columns, e.g. key_columns: [id]",
        )
    for i, key in enumerate(asset.target.key_columns or []):
        if key not in columns:
            diags.error(
                codes.INVALID_VALUE,
                f"key column {key!r} is not a column of asset {asset.name!r}",
                asset.span("target", "key_columns", i),
                hint=did_you_mean(key, columns),
            )
