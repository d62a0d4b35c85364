"""The storage settings of an `s3`/`minio` Parquet target, read from its `connection` (the recipe's
`connection_template` merged under the job's): the one reading, used by `dativo run` and by the
compiler (DTV220, DTV229). Light on purpose: no pyarrow here.

dativo-ingest's shapes, both accepted: flat keys (`bucket`, `endpoint`, `access_key_id`, ... as its
connectors/s3.yaml and minio.yaml and its jobs write them) and a nested `s3:` or `minio:` block (as its
runtime reads `connection.s3.bucket`). The data location is never guessed: no bucket is an error
(upstream falls back to `$S3_BUCKET`; a recipe that means that writes `bucket: ${S3_BUCKET}`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .envvars import UnsetVariable, expand

#: the target types dativo-ingest writes as Parquet files (Iceberg only when `target.catalog` is set); an
#: `iceberg` target without it whose `s3:`/`minio:` block names a bucket too (destination.writes)
PARQUET_TARGETS = ("s3", "minio")
#: connection blocks dativo-ingest reads only with `target.catalog` set, so never for Parquet files: skipped
#: here, and the compiler warns (DTV245)
IGNORED = ("nessie",)
#: dativo-ingest's file size when `parquet_target_size_mb` is not set
DEFAULT_TARGET_SIZE_MB = 150
#: key -> the keys that mean the same (the rust writer example spells the credentials `access_key`/`secret_key`)
ALIASES: dict[str, tuple[str, ...]] = {
    "bucket": (),
    "prefix": (),
    "endpoint": ("endpoint_url",),
    "region": (),
    "access_key_id": ("access_key",),
    "secret_access_key": ("secret_key",),
    "session_token": (),
    "secure": (),
    "path_style_access": (),
}
NESTED = ("s3", "minio")  # the blocks a storage setting can be written in
_TRUE, _FALSE = ("true", "yes", "1", "on"), ("false", "no", "0", "off")


class SettingsError(Exception):
    """The connection cannot be read as written; `key` is the dotted key under `target.connection`."""

    def __init__(self, key: str, message: str, hint: str, reason: str | None = None):
        super().__init__(message)
        self.key, self.hint = key, hint
        self.reason = reason  # set when the message is `target.connection.<key> <reason>` (of_key)

    @classmethod
    def of_key(cls, dotted: str, reason: str, hint: str) -> SettingsError:
        return cls(dotted, f"target.connection.{dotted} {reason}", hint, reason)


@dataclass(frozen=True)
class S3Settings:
    bucket: str
    prefix: str  # no leading or trailing `/`; "" for none
    endpoint: str | None  # host[:port], the scheme split off into `scheme`
    scheme: str  # "https" | "http"
    region: str | None
    access_key: str | None
    secret_key: str | None
    session_token: str | None
    path_style: bool | None  # None: pyarrow's default (path-style when an endpoint is given)


def raw(connection: Mapping[str, Any]) -> dict[str, tuple[str, Any]]:
    """canonical key -> (the dotted key it was written as, its value): flat keys, then an `s3:`/`minio:` block.
    SettingsError for a key written twice with two values, or a key this writer does not read."""
    found: dict[str, tuple[str, Any]] = {}
    for block in (None, *NESTED):
        values = connection if block is None else connection.get(block)
        if not isinstance(values, Mapping):
            continue
        for key in sorted(values):
            dotted = key if block is None else f"{block}.{key}"
            value = values[key]
            if value is None or (block is None and key in (*NESTED, *IGNORED)):
                continue
            canon = canonical(key)
            if canon is None:
                raise SettingsError.of_key(
                    dotted,
                    "is not read by this runtime's Parquet writer",
                    f"remove it; the S3/MinIO settings read are {', '.join(ALIASES)}",
                )
            if canon in found and found[canon][1] != value:
                raise SettingsError.of_key(
                    dotted, f"and target.connection.{found[canon][0]} say two things", "keep one of them"
                )
            found.setdefault(canon, (dotted, value))
    return found


def canonical(key: str) -> str | None:
    for canon, aliases in ALIASES.items():
        if key == canon or key in aliases:
            return canon
    return None


def block_bucket(connection: Mapping[str, Any]) -> bool:
    """An `s3:` or `minio:` block names a bucket: where dativo-ingest's writer reads it
    (`connection.s3.bucket`, else `connection.minio.bucket`), for an `iceberg` target too."""
    for block in NESTED:
        values = connection.get(block)
        if isinstance(values, Mapping) and str(values.get("bucket") or "").strip():
            return True
    return False


def has_bucket(connection: Mapping[str, Any]) -> bool:
    """A bucket is named (a `${VAR}` reference counts: it is resolved at run time)."""
    value = raw(connection).get("bucket")
    return value is not None and str(value[1]).strip() != ""


def resolve(connection: Mapping[str, Any], env: Mapping[str, str]) -> S3Settings:
    """The settings with every `${VAR}` expanded; SettingsError when anything is missing or unreadable."""
    values: dict[str, str] = {}
    for canon, (dotted, value) in raw(connection).items():
        try:
            text = expand(str(value), env, f"target.connection.{dotted}").strip()
        except UnsetVariable as e:
            raise SettingsError(
                dotted, str(e), f"export {e.variable}=... in the job's environment or its credentials file"
            ) from None
        if text:  # `${VAR:-}` (an empty default) is how a config makes a setting optional
            values[canon] = text
    if not values.get("bucket"):
        raise SettingsError("bucket", NO_BUCKET, NO_BUCKET_HINT)
    if ("access_key_id" in values) != ("secret_access_key" in values):
        raise SettingsError(
            "access_key_id",
            "target.connection has only one of access_key_id and secret_access_key",
            "set both (e.g. from ${AWS_ACCESS_KEY_ID} and ${AWS_SECRET_ACCESS_KEY}), or neither to use "
            "the AWS default credential chain",
        )
    scheme, endpoint = _endpoint(values.get("endpoint"), _flag(values, "secure"))
    if endpoint is not None and endpoint.endswith(".amazonaws.com") and scheme == "https":
        endpoint = None  # AWS itself (upstream's recipe names s3.amazonaws.com): pyarrow picks the region's endpoint
    return S3Settings(
        bucket=values["bucket"].strip("/"),
        prefix=values.get("prefix", "").strip("/"),
        endpoint=endpoint,
        scheme=scheme,
        region=values.get("region"),
        access_key=values.get("access_key_id"),
        secret_key=values.get("secret_access_key"),
        session_token=values.get("session_token"),
        path_style=_flag(values, "path_style_access"),
    )


NO_BUCKET = "target.connection names no bucket: the Parquet files' location would be guessed"
NO_BUCKET_HINT = "set target.connection.bucket (in the job, or ${S3_BUCKET} in the connector recipe)"


def _flag(values: Mapping[str, str], key: str) -> bool | None:
    text = values.get(key)
    if text is None:
        return None
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    raise SettingsError(key, f"target.connection.{key} is {text!r}, not true or false", f"write {key}: true or false")


def _endpoint(text: str | None, secure: bool | None) -> tuple[str, str | None]:
    """(scheme, host[:port]): an `http://` or `https://` endpoint names its scheme; `secure: false` is http."""
    if text is None:
        return ("http" if secure is False else "https"), None
    for scheme in ("http", "https"):
        if text.startswith(f"{scheme}://"):
            if secure is not None and secure != (scheme == "https"):
                raise SettingsError(
                    "secure",
                    f"target.connection.secure: {str(secure).lower()} contradicts endpoint {text!r}",
                    "drop secure, or give the endpoint the scheme it means",
                )
            return scheme, text[len(scheme) + 3 :].rstrip("/")
    return ("http" if secure is False else "https"), text.rstrip("/")


def data_path(domain: str | None, data_product: str | None, table: str) -> str:
    """dativo-ingest's layout below the bucket: `<domain>/<dataProduct>/<table>` ("default" for a missing
    part; the table is the asset's name in lower case, `-` and spaces as `_`)."""
    name = table.lower().replace("-", "_").replace(" ", "_")
    return f"{domain or 'default'}/{data_product or 'default'}/{name}"


def location(settings: S3Settings, path: str) -> str:
    """`<bucket>/<prefix>/<path>` as pyarrow's S3 filesystem names it (no scheme)."""
    return "/".join(p for p in (settings.bucket, settings.prefix, path) if p)
