"""The hardened pod (issue 15): a pinned image, a non-root, read-only, capability-free container, and a
deadline on every run; each part settable in `targets.kubernetes` (docs/deploy.md#kubernetes).

`render.py` writes what this module builds; `checks.py` calls `check` for what the settings model
cannot refuse on its own (DTV545-DTV548).
"""

from __future__ import annotations

from typing import Any

from dativo.compiler import codes
from dativo.compiler.diagnostics import json_path
from dativo.runtime.plan import Plan, ScheduleEntry
from dativo.targets.base import Findings, at_settings

from .settings import SecurityContext, Settings

NAME = "kubernetes"
#: the writable /tmp of a read-only container (Python, pyarrow and the sources write temporary files)
TMP_VOLUME = "dativo-tmp"
#: the volume of the state dir (`state_volume_claim`)
STATE_VOLUME = "dativo-state"
TMP_PATH = "/tmp"


def floating(image: str) -> str | None:
    """Why `image` names no fixed image (no tag or digest, or `:latest`), or None."""
    if "@" in image:  # a digest pins the content, whatever the tag says
        return None
    tag = image.rsplit("/", 1)[-1].partition(":")[2]  # after the last '/': a registry's ':port' is not a tag
    if not tag:
        return "has no tag or digest, so it means ':latest'"
    if tag == "latest":
        return "is tagged ':latest'"
    return None


def pod_security(sc: SecurityContext) -> dict[str, Any]:
    """The pod's securityContext, in Kubernetes' spelling and order of importance."""
    out: dict[str, Any] = {"runAsNonRoot": sc.run_as_non_root}
    for key, value in (("runAsUser", sc.run_as_user), ("runAsGroup", sc.run_as_group), ("fsGroup", sc.fs_group)):
        if value is not None:
            out[key] = value
    if sc.seccomp_profile is not None:
        out["seccompProfile"] = {"type": sc.seccomp_profile}
    return out


def container_security(sc: SecurityContext) -> dict[str, Any]:
    out: dict[str, Any] = {
        "allowPrivilegeEscalation": sc.allow_privilege_escalation,
        "readOnlyRootFilesystem": sc.read_only_root_filesystem,
    }
    if sc.drop_capabilities:
        out["capabilities"] = {"drop": list(sc.drop_capabilities)}
    return out


def tmp_volume(s: Settings) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(mount, volume) of the writable /tmp when the root filesystem is read-only, else None."""
    if not s.security_context.read_only_root_filesystem:
        return None
    return {"name": TMP_VOLUME, "mountPath": TMP_PATH}, {"name": TMP_VOLUME, "emptyDir": {}}


def deadline(s: Settings, entry: ScheduleEntry) -> int:
    """activeDeadlineSeconds of a run of `entry`: its own timeout, or the default."""
    return s.schedule_timeouts.get(entry.id, s.timeout_seconds)


def check(plan: Plan, s: Settings, diags: Findings) -> None:
    def at(*field: str | int) -> dict[str, Any]:
        return {"at": at_settings(NAME, *field), "path": json_path(["targets", NAME, *field])}

    why = floating(s.image)
    if why and not s.allow_floating_image:
        diags.report(codes.K8S_FLOATING_IMAGE, **at("image"), image=s.image, why=why)
    sc = s.security_context
    if sc.run_as_non_root and sc.run_as_user == 0:
        diags.report(codes.K8S_ROOT, **at("security_context", "run_as_user"))
    state = plan.deployment.worker_state_dir
    mounted = s.state_volume_claim is not None or any(m.get("mountPath") == state for m in s.volume_mounts)
    if sc.read_only_root_filesystem and not mounted:
        diags.report(codes.K8S_STATE_READ_ONLY, **at("security_context", "read_only_root_filesystem"), state_dir=state)
    for sid in sorted(s.schedule_timeouts):
        if sid not in plan.schedules:
            diags.report(
                codes.UNKNOWN_SCHEDULE_SETTING,
                **at("schedule_timeouts", sid),
                target=NAME,
                setting="schedule_timeouts",
                schedule=sid,
            )
