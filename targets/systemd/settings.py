"""`targets: {systemd: {...}}` in dativo.yaml."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from dativo.compiler import codes

#: a user or group name systemd accepts in User=/Group= (the portable subset of useradd's rule)
_ACCOUNT = r"^[A-Za-z_][A-Za-z0-9_-]{0,31}$"

#: the code of a value of `targets.systemd` this model refuses (the compiler validates it, once)
CODE = codes.SYSTEMD_SETTINGS


class Settings(BaseModel):
    """Settings of the systemd target; every field is optional."""

    model_config = ConfigDict(extra="forbid", strict=True)

    persistent: bool = Field(
        True,
        description="Persistent= of every timer: after downtime, start the missed run once at boot "
        "(the runtime's run id makes a late start the same logical run).",
    )
    user: str | None = Field(None, pattern=_ACCOUNT, description="User= of every service (system units only).")
    group: str | None = Field(None, pattern=_ACCOUNT, description="Group= of every service (system units only).")
    environment_file: str | None = Field(
        None,
        description="EnvironmentFile= of every service: an absolute path on the host holding the "
        "${ENV_VAR} secrets the jobs reference (a service starts with an empty environment).",
    )
