"""What `dativo run` can execute (DTV218, DTV219).

DTV219 (error, `run`): an asset column has no exact Iceberg type (a decimal needs precision
and scale, scale <= precision); a silent fallback to string would corrupt the table.
DTV218 (warning, `engines`): the job's source engine is not run by this runtime yet (it runs
`native` csv, jsonl and parquet files); the job compiles and is scheduled, `dativo run` exits 2 on it.
"""

from __future__ import annotations

from .. import codes
from ..diagnostics import Diagnostics
from ..resolve import ResolvedJob

RUNTIME_ENGINES = ("native",)


def engines(rj: ResolvedJob, diags: Diagnostics) -> None:
    src = rj.source
    if src is not None and src.engine not in RUNTIME_ENGINES:
        diags.warning(codes.ENGINE_NOT_RUN,
                      f"engine {src.engine!r} of source {src.type!r} is not run by this runtime yet; "
                      f"dativo run exits 2 on this job", src.engine_span,
                      hint="use engine 'native' for csv, jsonl or parquet files, or run this engine elsewhere")


def run(rj: ResolvedJob, diags: Diagnostics) -> None:
    if rj.asset is not None:
        for i, col in enumerate(rj.asset.columns):
            if col.type != "decimal":
                continue
            if col.precision is None or col.scale is None:
                missing = " and ".join(n for n, v in (("precision", col.precision), ("scale", col.scale)) if v is None)
                problem = f"has no exact Iceberg type without {missing}"
            elif col.scale > col.precision:
                problem = f"has scale {col.scale} > precision {col.precision}: no Iceberg decimal type"
            else:
                continue
            diags.error(codes.NO_ICEBERG_TYPE, f"column {col.name!r} of type 'decimal' {problem}",
                        rj.asset.span("schema", i, "type"),
                        hint="set precision (1-38) and scale (0 to precision), e.g. precision: 12, scale: 2")
