"""Where a job's rows land: the rule for what this runtime can write, and the catalog
properties it hands pyiceberg. Fails closed: no setting is silently dropped, no destination redirected.

Imported by the compiler (DTV220, same messages) and by `dativo run` before anything is
written; light on purpose (no pyarrow, no pyiceberg).

- The target must be an Iceberg table (`type: iceberg`); dativo-ingest's `s3`/`minio` Parquet
  targets, `s3.bucket`/`s3.prefix` and `nessie.*` settings are not written here yet.
- `catalog_type` must be one pyiceberg 0.12 loads (Nessie serves the Iceberg REST API: `rest`).
- The embedded SQLite catalog under the state dir is used only when the target names no catalog
  connection at all (no key but `catalog_type: sql`); a connection without its `uri` is an error.
- Every `${VAR}` is expanded (envvars.py); an unset one without a default is an error. A setting
  that expands to nothing (`${S3_ENDPOINT:-}`: optional by the config's own choice) is not passed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .envvars import UnsetVariable, expand

WRITABLE_TARGETS = ("iceberg",)
#: pyiceberg 0.12's `load_catalog` types
CATALOG_TYPES = ("sql", "rest", "glue", "hive", "dynamodb", "bigquery", "in-memory")
_NEEDS_URI = ("sql", "rest", "hive")
_KIND_KEYS = ("catalog_type", "type")
_PARQUET_TARGET_KEYS = ("s3.bucket", "s3.prefix")


class ConfigError(Exception):
    """The job's config cannot be run as written: exit 2 before anything is written, not retried."""

    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class Problem:
    key: str  # the config key, dotted from the target block (`connection.s3.bucket`)
    message: str
    hint: str


def problems(target_type: str, connection: Mapping[str, Any]) -> list[Problem]:
    """What in a target this runtime cannot write; the compiler reports the same list."""
    out: list[Problem] = []
    if target_type not in WRITABLE_TARGETS:
        out.append(
            Problem(
                "type",
                f"target {target_type!r} is not written by this runtime (it writes Iceberg tables "
                f"only); dativo run exits 2 on this job",
                "use the 'iceberg' target connector; Parquet files on S3/MinIO are not written yet",
            )
        )
    kind = _kind(connection)
    if kind is not None and kind not in CATALOG_TYPES:
        hint = (
            "Nessie serves the Iceberg REST API: catalog_type: rest, uri: https://<nessie>/iceberg"
            if kind == "nessie"
            else f"use one of {', '.join(CATALOG_TYPES)}"
        )
        out.append(
            Problem(
                "connection.catalog_type",
                f"catalog_type {kind!r} is not a pyiceberg catalog this runtime loads; dativo run exits 2 on this job",
                hint,
            )
        )
    flat = dict(flatten(connection))
    for key in sorted(flat):
        if key.startswith("nessie."):
            out.append(
                Problem(
                    f"connection.{key}",
                    f"target.connection.{key} is not read by this runtime; dativo run exits 2 on this job",
                    "Nessie serves the Iceberg REST API: catalog_type: rest, uri: https://<nessie>/iceberg",
                )
            )
        elif key in _PARQUET_TARGET_KEYS:
            out.append(
                Problem(
                    f"connection.{key}",
                    f"target.connection.{key} (Parquet files on S3) is not written by "
                    f"this runtime; dativo run exits 2 on this job",
                    "write an Iceberg table: set target.warehouse (e.g. s3://bucket/prefix/) and a catalog",
                )
            )
    return out


def _kind(connection: Mapping[str, Any]) -> str | None:
    for k in _KIND_KEYS:
        if connection.get(k):
            return str(connection[k])
    return None


def is_embedded(connection: Mapping[str, Any]) -> bool:
    """No catalog connection named: nothing but (at most) `catalog_type: sql`."""
    rest = {k: v for k, v in connection.items() if k not in _KIND_KEYS and v is not None}
    return not rest and (_kind(connection) or "sql") == "sql"


def flatten(d: Mapping[str, Any], prefix: str = "") -> Iterable[tuple[str, Any]]:
    """`{s3: {endpoint: x}}` -> `("s3.endpoint", x)`; None values are absent keys."""
    for k in sorted(d):
        v = d[k]
        if isinstance(v, Mapping):
            yield from flatten(v, f"{prefix}{k}.")
        elif v is not None:
            yield f"{prefix}{k}", v


def catalog_properties(target: Any, paths: Any, state_dir: Path, tenant: str, env: Mapping[str, str]) -> dict[str, str]:
    """`load_catalog` properties for `target` (a TargetSpec); ConfigError when it cannot be run as written."""
    found = problems(target.type, target.connection)
    if found:
        raise ConfigError(found[0].message, found[0].hint)
    kind = _kind(target.connection) or "sql"
    props: dict[str, str] = {"type": kind}
    try:
        for key, value in flatten({k: v for k, v in target.connection.items() if k not in _KIND_KEYS}):
            text = expand(str(value), env, f"target.connection.{key}")
            if text:  # `${VAR:-}` (an empty default) is how a config makes a setting optional
                props[key] = text
        warehouse = expand(target.warehouse, env, "target.warehouse") if target.warehouse else None
    except UnsetVariable as e:
        raise ConfigError(
            str(e),
            f"export {e.variable}=... in the job's environment or its credentials file, "
            f"or write ${{{e.variable}:-default}}",
        ) from None
    if is_embedded(target.connection):
        props["uri"] = f"sqlite:///{state_dir / 'catalog' / f'{tenant}.db'}"
        warehouse = warehouse or f"file://{state_dir / 'warehouse' / tenant}/"
    elif kind in _NEEDS_URI and not props.get("uri"):
        raise ConfigError(
            f"target.connection (catalog_type {kind!r}) has no uri: a catalog connection that is "
            f"written must be complete; the embedded catalog is used only without one",
            "set target.connection.uri, or remove target.connection to use the embedded SQLite catalog",
        )
    if "uri" in props:
        props["uri"] = paths.uri(props["uri"])
    if warehouse and "warehouse" not in props:
        props["warehouse"] = warehouse
    if "warehouse" in props:
        props["warehouse"] = paths.uri(props["warehouse"])
    return props
