"""dativo-ingest's Markdown-KV storage (`target.markdown_kv_storage`) at compile time: what the runtime
writes (runtime/markdown_kv.py), as the plan's `MarkdownKvSpec`; DTV246 for pattern `hybrid` and DTV247 for
mode `raw_file`, which it does not write; DTV248 for an asset column the Markdown-KV rows cannot fill.

With the storage the asset describes the rows written, not the source's (dativo-ingest's markdown_kv assets:
`doc_id`, `markdown_kv_content`, ...). A column of those rows is declared with the rows' type; a required
column they do not hold would make every row invalid. An optional column they do not hold stays empty, as a
partition column `ingest_date` the asset declares does (docs/dativo-ingest.md#markdown-kv-storage).
"""

from __future__ import annotations

from dativo.runtime.jsonpath import json_path
from dativo.runtime.markdown_kv import ACCEPTS, COLUMNS, shape
from dativo.runtime.spec import MarkdownKvSpec

from .. import codes
from ..diagnostics import Diagnostics
from ..resolve import ResolvedJob

AT = ("target", "markdown_kv_storage")


def storage(rj: ResolvedJob) -> MarkdownKvSpec | None:
    """The storage the runtime writes, None without one (or with one it refuses: DTV246, DTV247)."""
    s = rj.job.model.target.markdown_kv_storage
    if s is None or s.mode == "raw_file" or s.structured_pattern == "hybrid" and s.mode == "structured":
        return None
    pattern = s.structured_pattern if s.mode == "structured" else None
    return MarkdownKvSpec(mode=s.mode, structured_pattern=pattern, doc_id_field=s.doc_id_field)


def run(rj: ResolvedJob, diags: Diagnostics) -> None:
    s = rj.job.model.target.markdown_kv_storage
    if s is None:
        return
    if s.mode == "raw_file":
        diags.report(codes.MARKDOWN_KV_RAW_FILE, rj.span(*AT, "mode"), path=json_path((*AT, "mode")))
    elif s.mode == "structured" and s.structured_pattern == "hybrid":
        at = (*AT, "structured_pattern")
        diags.report(codes.MARKDOWN_KV_HYBRID, rj.span(*at), path=json_path(at))
    spec = storage(rj)
    if spec is not None and rj.asset is not None:
        _columns(rj, shape(spec), diags)


def _columns(rj: ResolvedJob, kind: str, diags: Diagnostics) -> None:
    asset = rj.asset
    assert asset is not None
    written = dict(COLUMNS[kind])
    listed = ", ".join(f"{n} {t}" for n, t in COLUMNS[kind])
    for i, col in enumerate(asset.columns):
        want = written.get(col.name)
        if want is None and col.required:
            problem = "is required, and no Markdown-KV row has it"
            fix = f"make it optional, or describe the rows: {listed}"
        elif want is not None and col.type not in ACCEPTS[want]:
            problem = f"is declared {col.type!r}, and the rows hold {want} values there"
            fix = f"declare it {' or '.join(repr(t) for t in ACCEPTS[want])}"
        else:
            continue
        diags.report(
            codes.MARKDOWN_KV_COLUMN, asset.span("schema", i, "type"), asset=asset.name, column=col.name,
            problem=problem, shape=kind, columns=listed, fix=fix,
        )  # fmt: skip
