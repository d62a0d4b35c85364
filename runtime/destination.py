"""Where a job's rows land: the rule for what this runtime can write, and the catalog
properties it hands pyiceberg. Fails closed: no setting is silently dropped, no destination redirected.

Imported by the compiler (DTV220 and DTV229, same messages) and by `dativo run` before anything is
written; light on purpose (no pyarrow, no pyiceberg).

- Without `target.catalog` dativo-ingest writes Parquet files under `s3://<bucket>/<domain>/<dataProduct>/
  <table>` for any target type (its Iceberg committer exists only with a catalog), so do we: an `s3`/`minio`
  target, and an `iceberg` target whose `s3:`/`minio:` block names a bucket (and no `catalog_type`/`uri`:
  those name a catalog of ours, so an Iceberg table is meant), are Parquet files under
  `s3://<bucket>/<prefix>/<domain>/<dataProduct>/<table>/` (parquet_sink.py, settings in s3settings.py).
  An `iceberg` target with neither block is an Iceberg table (the embedded catalog: our extension).
- An `s3`/`minio` target with a catalog (dativo-ingest's Iceberg commit over those files), keyed merge into
  Parquet files, `nessie.*` with `target.catalog`, and `s3.bucket`/`s3.prefix` on an Iceberg table are not
  written here yet.
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
from typing import Any, Literal

from . import s3settings
from .envvars import UnsetVariable, expand
from .exitcodes import ExitCode

WRITABLE_TARGETS = ("iceberg", *s3settings.PARQUET_TARGETS)
#: pyiceberg 0.12's `load_catalog` types
CATALOG_TYPES = ("sql", "rest", "glue", "hive", "dynamodb", "bigquery", "in-memory")
_NEEDS_URI = ("sql", "rest", "hive")
_KIND_KEYS = ("catalog_type", "type")
_PARQUET_TARGET_KEYS = ("s3.bucket", "s3.prefix")
#: DTV220's message; compiler/codes.py holds the same template (a test compares the two renderings)
MESSAGE = "{setting} {reason}; dativo run exits {exit} on this job"
Writes = Literal["iceberg", "parquet"]
#: DTV220 for dativo-ingest's Nessie target (`nessie.uri`, `catalog_type: nessie`): no Nessie server can be
#: installed here (not on PyPI, Debian or npm), so no test proves a write to one
NESSIE = "a Nessie/REST catalog target is not written by this runtime yet"
NESSIE_FIX = (
    "write the table to the embedded catalog (no catalog settings under target.connection) or Parquet files "
    "(an 's3'/'minio' target), or run this job with dativo-ingest; Nessie's Iceberg REST API "
    "(catalog_type: rest, uri: https://<nessie>/iceberg) is loaded through pyiceberg but untested"
)


class ConfigError(Exception):
    """The job's config cannot be run as written: exit 2 before anything is written, not retried."""

    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class Problem:
    key: str  # where: the config key, dotted from the target block (`connection.s3.bucket`), or `asset.mode`
    setting: str  # what, as the message names it (`target 'minio'`, `target.connection.nessie.uri`)
    reason: str
    fix: str  # the hint

    @property
    def message(self) -> str:
        return MESSAGE.format(setting=self.setting, reason=self.reason, exit=int(ExitCode.FAIL))

    @property
    def hint(self) -> str:
        return self.fix


def writes(target_type: str, catalog: str | None, connection: Mapping[str, Any] | None = None) -> Writes:
    """What a target writes: without a catalog dativo-ingest writes Parquet files, for an `iceberg` target
    too; ours writes an Iceberg table unless its `s3:`/`minio:` block names a bucket and it names no catalog
    connection of ours."""
    if catalog:
        return "iceberg"
    if target_type in s3settings.PARQUET_TARGETS:
        return "parquet"
    conn = connection or {}
    # a catalog connection (catalog_type, uri: our extension) says an Iceberg table is meant: not redirected
    parquet = target_type == "iceberg" and s3settings.block_bucket(conn) and not names_catalog(conn)
    return "parquet" if parquet else "iceberg"


def names_catalog(connection: Mapping[str, Any]) -> bool:
    """The connection names an Iceberg catalog of ours (`catalog_type`/`type`, `uri`)."""
    return any(connection.get(k) for k in (*_KIND_KEYS, "uri"))


def problems(
    target_type: str,
    connection: Mapping[str, Any],
    *,
    catalog: str | None = None,
    merge: bool = False,
) -> list[Problem]:
    """What in a target this runtime cannot write; the compiler reports the same list (a missing bucket
    is DTV229, see `missing_bucket`)."""
    if writes(target_type, catalog, connection) == "parquet":
        return _parquet_problems(target_type, connection, merge)
    out: list[Problem] = []
    if target_type in s3settings.PARQUET_TARGETS:
        out.append(
            Problem(
                "catalog",
                f"target {target_type!r} with target.catalog {catalog!r}",
                "(an Iceberg table over its Parquet files) is not written by this runtime",
                "remove target.catalog to write Parquet files to s3://<bucket>/<domain>/<dataProduct>/<table>, "
                "or use the 'iceberg' target connector",
            )
        )
    elif target_type not in WRITABLE_TARGETS:
        out.append(
            Problem(
                "type",
                f"target {target_type!r}",
                "is not written by this runtime (it writes Iceberg tables and Parquet files on S3/MinIO)",
                "use the 'iceberg' target connector, or 's3'/'minio' for Parquet files",
            )
        )
    return out + _catalog_problems(connection)


def _catalog_problems(connection: Mapping[str, Any]) -> list[Problem]:
    out: list[Problem] = []
    kind = _kind(connection)
    if kind is not None and kind not in CATALOG_TYPES:
        if kind == "nessie":
            out.append(Problem("connection.catalog_type", "catalog_type 'nessie':", NESSIE, NESSIE_FIX))
        else:
            out.append(
                Problem(
                    "connection.catalog_type",
                    f"catalog_type {kind!r}",
                    "is not a pyiceberg catalog this runtime loads",
                    f"use one of {', '.join(CATALOG_TYPES)}",
                )
            )
    flat = dict(flatten(connection))
    # with Nessie, s3.bucket and s3.prefix are that target's storage: its one error says what to do
    nessie = kind == "nessie" or any(key.startswith("nessie.") for key in flat)
    for key in sorted(flat):
        if key.startswith("nessie."):
            out.append(Problem(f"connection.{key}", f"target.connection.{key}:", NESSIE, NESSIE_FIX))
        elif key in _PARQUET_TARGET_KEYS and not nessie:
            out.append(
                Problem(
                    f"connection.{key}",
                    f"target.connection.{key} (Parquet files on S3)",
                    "is not written by this runtime",
                    "for Parquet files there (what dativo-ingest writes without target.catalog) leave out "
                    "target.catalog and the catalog connection (catalog_type, uri) and name the bucket in "
                    "target.connection.s3.bucket; for an Iceberg table set target.warehouse (e.g. "
                    "s3://bucket/prefix/) instead",
                )
            )
    return out


def _parquet_problems(target_type: str, connection: Mapping[str, Any], merge: bool) -> list[Problem]:
    out: list[Problem] = []
    try:
        s3settings.raw(connection)
    except s3settings.SettingsError as e:
        reason = e.reason or f"cannot be read: {e}"
        out.append(Problem(f"connection.{e.key}", f"target.connection.{e.key}", reason, e.hint))
    if merge:
        out.append(
            Problem(
                "asset.mode",
                f"asset target.mode 'merge' on target {target_type!r}",
                "cannot be written: Parquet files are appended, never merged by key",
                "for a keyed merge write an Iceberg table (an 'iceberg' target without an s3/minio bucket), "
                "or drop the asset's mode: merge",
            )
        )
    return out


def missing_bucket(target_type: str, connection: Mapping[str, Any], catalog: str | None = None) -> bool:
    """A Parquet target whose connection names no bucket (DTV229; `dativo run` says the same, exit 2)."""
    if writes(target_type, catalog, connection) != "parquet":
        return False
    try:
        return not s3settings.has_bucket(connection)
    except s3settings.SettingsError:
        return False  # reported by `problems`


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
    raise_problems(target)
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


def raise_problems(target: Any, merge: bool = False) -> None:
    """ConfigError for the first thing in `target` (a TargetSpec) this runtime cannot write."""
    found = problems(target.type, target.connection, catalog=target.catalog, merge=merge)
    if found:
        raise ConfigError(found[0].message, found[0].hint)


def check(spec: Any, paths: Any, state_dir: Path, env: Mapping[str, str]) -> None:
    """`dativo run`'s check before any state, lock or file is written: ConfigError when `spec` (a JobSpec)
    cannot be written as configured (for a Parquet target also: its S3 settings resolve)."""
    if spec.target.writes == "parquet":
        merge = spec.asset.mode == "merge" and bool(spec.asset.key_columns)
        raise_problems(spec.target, merge)
        storage(spec.target, env)
    else:
        catalog_properties(spec.target, paths, state_dir, spec.tenant, env)


def storage(target: Any, env: Mapping[str, str]) -> s3settings.S3Settings:
    """The resolved S3 settings of a Parquet target; ConfigError when they are incomplete."""
    try:
        return s3settings.resolve(target.connection, env)
    except s3settings.SettingsError as e:
        raise ConfigError(str(e), e.hint) from None
