"""Retries (seed 002), owned by the runtime: it alone sees exit codes and error messages.

An attempt is retried when its exit code is in `retryable_exit_codes` and, if
`retryable_error_patterns` is set, its error matches one of the patterns. Data errors
(strict validation) and partial loads (already committed) are never retried.
Delay before retry n (1-based): initial * multiplier**(n-1), capped at max_delay.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from .exitcodes import ExitCode
from .spec import RetrySpec


def delay(policy: RetrySpec, retry_number: int) -> float:
    return min(policy.initial_delay_seconds * policy.backoff_multiplier ** (retry_number - 1), policy.max_delay_seconds)


def retryable(policy: RetrySpec, exit_code: int, error: str | None) -> bool:
    if exit_code == ExitCode.OK or exit_code not in policy.retryable_exit_codes:
        return False
    if policy.retryable_error_patterns:
        return any(re.search(p, error or "") for p in policy.retryable_error_patterns)
    return True


def sleep(seconds: float, _sleep: Callable[[float], None] = time.sleep) -> None:
    if seconds > 0:
        _sleep(seconds)


#: libraries whose exceptions are source or sink failures (catalog, SQL, object store, network):
#: retried under the policy like SourceError and SinkError; any other exception is a bug
_IO_MODULES = (
    "pyiceberg.exceptions",
    "sqlalchemy.exc",
    "requests",
    "urllib3",
    "botocore",
    "aiobotocore",
    "fsspec",
    "s3fs",
    "gcsfs",
    "adlfs",
    "azure.core.exceptions",
    "google.api_core.exceptions",
)


def is_io_error(exc: BaseException) -> bool:
    """An I/O or network error, or one of the storage and catalog libraries' own errors."""
    if isinstance(exc, OSError):
        return True
    modules = {c.__module__ for c in type(exc).__mro__}
    return any(m == base or m.startswith(base + ".") for m in modules for base in _IO_MODULES)
