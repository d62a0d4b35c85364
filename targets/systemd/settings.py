"""`targets: {systemd: {...}}` in dativo.yaml."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from dativo.compiler import codes

#: a user or group name systemd accepts in User=/Group= (the portable subset of useradd's rule)
_ACCOUNT = r"^[A-Za-z_][A-Za-z0-9_-]{0,31}$"
#: an absolute path ExecStart= and ReadWritePaths= take as one plain word (no quoting, '%' or '$')
_ABSOLUTE = r"^/[A-Za-z0-9_./:,+=@-]*$"
#: MemoryMax=: bytes with an optional K, M, G or T (1024-based), a percentage of RAM, or infinity
_MEMORY = r"^([0-9]+[KMGT]?|[0-9]{1,2}(\.[0-9]+)?%|100%|infinity)$"

#: the code of a value of `targets.systemd` this model refuses (the compiler validates it, once)
CODE = codes.SYSTEMD_SETTINGS
#: TimeoutStartSec= of a run (Type=oneshot: the whole run, retries included); after it systemd stops the run
DEFAULT_TIMEOUT_SECONDS = 6 * 3600
#: where a bare deploy.dativo_bin is looked for: the console script of a system-wide `pip install dativo`
#: (and of the Dockerfile's image)
DEFAULT_BIN_DIR = "/usr/local/bin"


class Settings(BaseModel):
    """Settings of the systemd target; every field is optional."""

    model_config = ConfigDict(extra="forbid", strict=True)

    persistent: bool = Field(
        True,
        description="Persistent= of every timer: after downtime, start the missed run once at boot "
        "(the runtime's run id makes a late start the same logical run).",
    )
    user: str | None = Field(
        "dativo",
        pattern=_ACCOUNT,
        description="User= of every service (system units only): an account that owns the state dir. "
        "null: no User= (root for system units; what a --user unit needs).",
    )
    dynamic_user: bool = Field(
        False,
        description="DynamicUser=yes instead of User= (a transient uid: only for a state dir any user may write).",
    )
    group: str | None = Field(None, pattern=_ACCOUNT, description="Group= of every service (system units only).")
    environment_file: str | None = Field(
        None,
        description="EnvironmentFile= of every service: an absolute path on the host holding the "
        "${ENV_VAR} secrets the jobs reference (a service starts with an empty environment).",
    )
    dativo_bin: str | None = Field(
        None,
        pattern=_ABSOLUTE,
        description="The absolute path ExecStart= runs; default: deploy.dativo_bin when it is absolute, "
        "else bin_dir/<deploy.dativo_bin>.",
    )
    bin_dir: str = Field(
        DEFAULT_BIN_DIR,
        pattern=_ABSOLUTE,
        description="Where a bare deploy.dativo_bin (such as `dativo`) is installed on the hosts.",
    )
    timeout_seconds: int = Field(
        DEFAULT_TIMEOUT_SECONDS, ge=1, description="TimeoutStartSec= of every run: a hung run is stopped."
    )
    schedule_timeouts: dict[str, Annotated[int, Field(ge=1)]] = Field(
        default_factory=dict, description="TimeoutStartSec= per schedule id (acme.orders_csv_morning: 600)."
    )
    memory_max: str | None = Field(
        "2G", pattern=_MEMORY, description="MemoryMax= of every run (null: no limit), e.g. 4G or 50%."
    )
    read_write_paths: list[Annotated[str, Field(pattern=_ABSOLUTE)]] = Field(
        default_factory=list,
        description="Absolute host paths the runs may write besides the state dir (a local warehouse, say): "
        "the rest of the file system is read-only to them (ProtectSystem=strict).",
    )
    sandbox: bool = Field(
        True,
        description="The sandboxing settings (ProtectSystem=strict, ProtectHome, PrivateTmp, SystemCallFilter, ...): "
        "false leaves only NoNewPrivileges, User, the timeout and the memory limit.",
    )
