"""Registry capabilities and asset consistency of each resolved job (DTV2xx)."""

from __future__ import annotations

from .. import codes
from ..diagnostics import Diagnostics, did_you_mean
from ..jobspec import Merged, needs_cursor
from ..resolve import Endpoint, ResolvedJob

#: the registry category of file connectors (csv, jsonl, parquet, markdown_kv, gdrive_csv, google_sheets)
FILES = "files"


def _files_connector(ep: Endpoint | None) -> bool:
    """A file connector's objects are labels: its `objects_supported` ("file", "sheet") and a job's or an
    asset's object are names given to the data, and dativo-ingest checks none of them. DTV211 and the
    object check of DTV213 hold for API and database connectors, whose objects are the streams or tables
    the engine reads, where an unknown one fails the run."""
    return ep is not None and ep.reg is not None and ep.reg.category == FILES


def run(rj: ResolvedJob, mg: Merged, mode: str, diags: Diagnostics) -> None:
    for ep in (rj.source, rj.target):
        if ep is not None:
            _endpoint(rj, ep, mode, diags)
    if rj.source is not None and rj.source.reg is not None:
        _source(rj, rj.source, mg, diags)
    if rj.target is not None and rj.target.reg is not None and rj.target.reg.file_formats is not None:
        if mg.file_format not in rj.target.reg.file_formats:
            diags.report(
                codes.FILE_FORMAT_UNSUPPORTED,
                rj.span("target", "file_format"),
                file_format=mg.file_format,
                target=rj.target.type,
                supported=", ".join(rj.target.reg.file_formats),
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
        roles = ", ".join(reg.roles)
        diags.report(
            codes.CONNECTOR_ROLE, rj.span(field), what="connector", name=repr(ep.type), role=ep.role, roles=roles
        )
    elif ep.recipe is not None and ep.role not in ep.recipe.model.serves:  # one error per span: the registry's wins
        roles = ", ".join(ep.recipe.model.serves)
        diags.report(codes.CONNECTOR_ROLE, rj.span(field), what="recipe", name=ep.recipe.rel, role=ep.role, roles=roles)
    if ep.engine not in reg.engines_supported:
        diags.report(
            codes.ENGINE_UNSUPPORTED,
            ep.engine_span,
            engine=ep.engine,
            connector=ep.type,
            supported=", ".join(reg.engines_supported),
            hint=did_you_mean(ep.engine, reg.engines_supported),
        )
    if mode == "cloud" and not reg.allowed_in_cloud:
        diags.report(codes.NOT_ALLOWED_IN_CLOUD, rj.span(field), connector=ep.type)


def _source(rj: ResolvedJob, src: Endpoint, mg: Merged, diags: Diagnostics) -> None:
    reg = src.reg
    assert reg is not None
    m = rj.job.model
    if mg.explicit_incremental and not reg.supports_incremental:
        diags.report(codes.INCREMENTAL_UNSUPPORTED, rj.span("source", "incremental", key=True), connector=src.type)
    if reg.supports_incremental and needs_cursor(mg.strategy) and not mg.cursor_field:
        span = (
            rj.span("source", key=True) if m.source.incremental is None else rj.span("source", "incremental", key=True)
        )
        diags.report(codes.CURSOR_FIELD_MISSING, span, strategy=mg.strategy)
    if reg.objects_supported is not None and not _files_connector(src):
        for i, obj in enumerate(mg.objects):
            if obj not in reg.objects_supported:
                diags.report(
                    codes.OBJECT_UNSUPPORTED,
                    _object_span(rj, i),
                    object=obj,
                    connector=src.type,
                    supported=", ".join(reg.objects_supported),
                    hint=did_you_mean(obj, reg.objects_supported),
                )
    if reg.requires_tables and not m.source.tables:
        diags.report(codes.TABLES_REQUIRED, rj.span("source", key=True), connector=src.type)


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
        diags.report(
            codes.ASSET_MISMATCH,
            rj.span("asset"),
            asset=asset.name,
            source_type=asset.source_type,
            connector=rj.source.type,
            file=asset.loaded.rel,
        )
    if mg.objects and asset.object not in mg.objects and not _files_connector(rj.source):
        objects = ", ".join(mg.objects)
        diags.report(
            codes.ASSET_OBJECT_NOT_READ, _object_span(rj, 0), asset=asset.name, object=asset.object, objects=objects
        )
    # with markdown_kv_storage the asset describes the Markdown-KV documents written, not the source rows
    # the cursor is read from (dativo-ingest's smoke jobs: cursor `modifieddate`, asset columns `doc_id`, ...)
    rows_described = rj.job.model.target.markdown_kv_storage is None
    if needs_cursor(mg.strategy) and mg.cursor_field and mg.cursor_field not in columns and rows_described:
        span = rj.span(*mg.cursor_origin) if mg.cursor_origin else rj.span("asset")
        hint = did_you_mean(mg.cursor_field, columns)
        diags.report(codes.CURSOR_NOT_IN_ASSET, span, cursor=mg.cursor_field, asset=asset.name, hint=hint)
    if asset.target.mode == "merge" and not asset.target.key_columns:
        diags.report(codes.MERGE_WITHOUT_KEYS, asset.span("target", "mode"))
    for i, key in enumerate(asset.target.key_columns or []):
        if key not in columns:
            diags.report(
                codes.KEY_NOT_IN_ASSET,
                asset.span("target", "key_columns", i),
                column=key,
                asset=asset.name,
                hint=did_you_mean(key, columns),
            )
