"""Secret values a job may touch: `${ENV}` references, credential env files, secret-looking
environment variables. They are resolved for the catalog and registered with the redactor,
so no log line, error message or state file can carry them.

A credentials file the config names must exist: a missing one is an error (never read as
empty), so a job never runs with credentials it was not given."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .destination import ConfigError
from .envvars import UnsetVariable, expand, names
from .logs import Redactor
from .secretnames import may_hold_secret


def read_env_file(path: Path, key: str) -> dict[str, str]:
    """`KEY=value` lines of the credentials file `path` (named by config key `key`); ConfigError when unreadable."""
    values: dict[str, str] = {}
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"credentials file {path} (from {key}) does not exist",
            "create it (KEY=value lines) where the job runs, or fix the path in the connector "
            "recipe's credentials.file_template",
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else type(e).__name__
        raise ConfigError(
            f"credentials file {path} (from {key}) cannot be read: {reason}",
            "make it a readable UTF-8 file of KEY=value lines",
        ) from None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, _, value = line.removeprefix("export ").partition("=")
        values[name.strip()] = value.strip().strip("'\"")
    return values


def collect(env: dict[str, str], redactor: Redactor, *blocks: Any) -> None:
    """Register every value referenced from `blocks`, and every secret-looking variable."""
    for name, value in env.items():
        # by name only when long enough to be a credential: `SOME_TOKEN_ENABLED=true` must not mask "true"
        if may_hold_secret(name) and len(value) >= 8:
            redactor.add(value)
    for block in blocks:
        for ref in names(block):
            redactor.add(env.get(ref))


def environment(file_env: dict[str, str]) -> dict[str, str]:
    """The variables a job sees: the process environment, then its credentials file."""
    return {**os.environ, **file_env}


def job_environment(spec: Any, paths: Any, redactor: Redactor) -> dict[str, str]:
    """The environment of `spec` (a JobSpec): the credentials files of its source and target recipes read
    (each must exist; the target's values win on a shared name, as it is read last), every secret it
    references registered with `redactor`. ConfigError when a file or a variable of its path is missing."""
    file_env: dict[str, str] = {}
    for end in ("source", "target"):
        creds = getattr(spec, end).credentials
        if creds is None or not creds.file:
            continue
        key = f"{end} credentials.file_template"
        try:
            rel = expand(creds.file, os.environ, key)
        except UnsetVariable as e:
            raise ConfigError(str(e), f"export {e.variable}=... where the job runs") from None
        values = read_env_file(paths.data(paths.local(rel)), key)
        for v in values.values():
            redactor.add(v)
        file_env.update(values)
    env = environment(file_env)
    collect(env, redactor, spec.source.connection, spec.target.connection, spec.target.warehouse)
    for creds in (spec.source.credentials, spec.target.credentials):
        if creds is not None and creds.from_env:
            redactor.add(env.get(creds.from_env))
    return env
