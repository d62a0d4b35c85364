"""DTV246-DTV248: dativo-ingest's Markdown-KV storage (`target.markdown_kv_storage`, runtime/markdown_kv.py;
docs/dativo-ingest.md#markdown-kv-storage). Re-exported by compiler/codes.py: every code is `codes.X`."""

from __future__ import annotations

from .code import Code

MARKDOWN_KV_HYBRID = Code(
    "DTV246",
    "Markdown-KV pattern 'hybrid' is not written",
    "structured_pattern 'hybrid' writes nothing: dativo-ingest accepts it in the config and its parser then "
    "fails every run ('Unknown pattern')",
    "write two jobs over the same source, one with structured_pattern: row_per_kv and one with "
    "document_level, each with its own asset and table",
    docs="dativo-ingest.md#markdown-kv-storage",
)
MARKDOWN_KV_RAW_FILE = Code(
    "DTV247",
    "Markdown-KV mode 'raw_file' is not written",
    "mode 'raw_file' (one Markdown-KV file per record, as dativo-ingest's docs say) is not written by this "
    "runtime, and dativo-ingest's runtime writes the records unchanged instead",
    "use mode 'string' (one row per record with its Markdown-KV text in markdown_kv_content) or 'structured'",
    docs="dativo-ingest.md#markdown-kv-storage",
)
MARKDOWN_KV_COLUMN = Code(
    "DTV248",
    "asset column the Markdown-KV rows do not hold",
    "asset {asset!r} column {column!r} {problem}: with markdown_kv_storage the asset describes the "
    "Markdown-KV rows written ({shape}: {columns}), not the source's rows",
    "{fix}",
    docs="dativo-ingest.md#markdown-kv-storage",
)
