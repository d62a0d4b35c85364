"""The [Service] settings that confine a run (issue 15): an absolute ExecStart, a user, a timeout, a memory
limit and a sandbox in which only the state dir (and `read_write_paths`) is writable.

Measured with `systemd-analyze security --offline=true` (systemd 252): 9.6 UNSAFE before, see
docs/deploy.md#systemd for the score after. What is left out and why: PrivateNetwork/IPAddressDeny (sources
and catalogs are on the network), MemoryDenyWriteExecute and ProcSubset=pid (native libraries of the
runtime may need executable memory or /proc/meminfo), PrivateUsers (files keep the host's owners).
"""

from __future__ import annotations

from dativo.runtime.plan import PLAN_DIGEST_ENV, Deployment, Plan, ScheduleEntry, plan_digest

from . import escape
from .settings import DEFAULT_BIN_DIR, Settings

#: ExecStart='s executable for the default settings and deploy.dativo_bin
DEFAULT_EXEC = f"{DEFAULT_BIN_DIR}/dativo"

#: under these, ProtectHome=yes would hide the project, the binary or the state: read-only instead
_HOMES = ("/home", "/root", "/run/user")

#: every run's sandbox (systemd.exec(5)); the paths come from the plan and the settings
SANDBOX = (
    "ProtectSystem=strict",
    "PrivateTmp=yes",
    "PrivateDevices=yes",
    "DevicePolicy=closed",
    "ProtectKernelTunables=yes",
    "ProtectKernelModules=yes",
    "ProtectKernelLogs=yes",
    "ProtectControlGroups=yes",
    "ProtectClock=yes",
    "ProtectHostname=yes",
    "ProtectProc=invisible",
    "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
    "RestrictNamespaces=yes",
    "RestrictRealtime=yes",
    "RestrictSUIDSGID=yes",
    "LockPersonality=yes",
    "RemoveIPC=yes",
    "PrivateMounts=yes",
    "SystemCallArchitectures=native",
    "SystemCallFilter=@system-service",
    "SystemCallFilter=~@privileged @resources",
    "SystemCallErrorNumber=EPERM",
    "CapabilityBoundingSet=",
    "AmbientCapabilities=",
    "UMask=0077",
)


def exec_bin(d: Deployment, s: Settings) -> str:
    """The absolute executable of ExecStart=: the setting, an absolute deploy.dativo_bin, or bin_dir/<name>."""
    if s.dativo_bin is not None:
        return s.dativo_bin
    if d.dativo_bin.startswith("/"):
        return d.dativo_bin
    return f"{s.bin_dir.rstrip('/')}/{d.dativo_bin}"


def timeout(s: Settings, entry: ScheduleEntry) -> int:
    return s.schedule_timeouts.get(entry.id, s.timeout_seconds)


def writable(plan: Plan, s: Settings) -> list[str | None]:
    """ReadWritePaths= words (None for a path no unit can carry: check reports it)."""
    return [escape.mount_path(plan.deployment.worker_state_dir), *s.read_write_paths]


def _under_home(paths: list[str]) -> bool:
    return any(p == h or p.startswith(h + "/") for p in paths for h in _HOMES)


def service_lines(plan: Plan, s: Settings) -> list[str]:
    """The [Service] lines every unit shares, after WorkingDirectory= (values already checked)."""
    d = plan.deployment
    lines = ["DynamicUser=yes"] if s.dynamic_user else [f"User={s.user}"] if s.user else []
    if s.group:
        lines.append(f"Group={s.group}")
    if s.environment_file:
        value = escape.plain_value(s.environment_file)
        if value is None or not value.startswith("/"):
            raise ValueError(f"environment_file {s.environment_file!r} cannot be written to a unit")
        lines.append(f"EnvironmentFile={value}")
    lines.append(f"Environment={PLAN_DIGEST_ENV}={plan_digest(plan)}")
    if s.memory_max is not None:
        lines.append(f"MemoryMax={s.memory_max}")
    lines.append("NoNewPrivileges=yes")
    if s.sandbox:
        words = writable(plan, s)
        if None in words:
            raise ValueError(f"state dir {d.worker_state_dir!r} cannot be written to a unit")
        lines.append("ReadWritePaths=" + " ".join(w for w in words if w is not None))
        places = [d.project_dir, d.plan_path, d.worker_state_dir, exec_bin(d, s), *s.read_write_paths]
        places += [s.environment_file] if s.environment_file else []
        places += [m for e in plan.schedules.values() for m in e.mounts]
        lines.append("ProtectHome=" + ("read-only" if _under_home(places) else "yes"))
        lines.extend(SANDBOX)
    return lines
