"""What the Kubernetes target cannot express, as diagnostics (DTV520-DTV524, DTV532, DTV533, DTV537-DTV539;
DTV545-DTV548 in hardening.py).

Each finding names what it concerns (a setting, a schedule, a deployment value); the compiler
puts it at that value's position (compiler/emit.py).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from croniter import croniter

from dativo.compiler import codes
from dativo.compiler.diagnostics import json_path
from dativo.runtime.plan import Plan, ScheduleEntry
from dativo.targets.base import Findings, at_deploy, at_schedule, at_settings

from . import hardening
from .cronlines import kubernetes_cron, shared_fire_time
from .names import CRONJOB_NAME_MAX, cronjob_names, for_tenant, label_problem, label_value_problem, subdomain_problem
from .settings import Settings

NAME = "kubernetes"
# resource.Quantity: a decimal with an optional binary (Ki..Ei), decimal (n..E) or exponent suffix
_QUANTITY = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?[0-9]+)?\Z")
_RESOURCE_NAME = re.compile(r"([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?\Z")


def _bad_char(text: str) -> str | None:
    """A character no manifest can carry to a process (NUL, or a lone surrogate), or None."""
    for ch in text:
        if ch == "\0" or "\ud800" <= ch <= "\udfff":
            return f"U+{ord(ch):04X}"
    return None


def check(plan: Plan, settings: Settings, diags: Findings) -> None:
    _check_settings(plan, settings, diags)
    hardening.check(plan, settings, diags)
    _check_deployment(plan, diags)
    _check_schedules(plan, settings, diags)


def _check_settings(plan: Plan, s: Settings, diags: Findings) -> None:
    def report(code: codes.Code, field: list[str | int], **fields: Any) -> None:
        diags.report(code, at_settings(NAME, *field), path=json_path(["targets", NAME, *field]), **fields)

    def bad(field: list[str | int], message: str, hint: str | None = None) -> None:
        report(codes.K8S_SETTINGS, field, problem=message, hint=hint)

    if not s.image or any(c.isspace() for c in s.image) or _bad_char(s.image):
        bad(["image"], f"Kubernetes image {s.image!r} is not an image reference")
    named: list[tuple[list[str | int], str, bool]] = [(["namespace"], s.namespace, True)]
    named += [(["env_from_secrets", i], n, False) for i, n in enumerate(s.env_from_secrets)]
    named += [(["image_pull_secrets", i], n, False) for i, n in enumerate(s.image_pull_secrets)]
    if s.service_account is not None:
        named.append((["service_account"], s.service_account, False))
    if s.state_volume_claim is not None:
        named.append((["state_volume_claim"], s.state_volume_claim, False))
    for tenant in sorted(plan.tenants):
        for field, template, is_label in named:
            name = for_tenant(template, tenant)
            problem = label_problem(name) if is_label else subdomain_problem(name)
            if problem:
                report(codes.K8S_TENANT_NAME, field, name=name, tenant=tenant, problem=problem)
    for kind, quantities in (("requests", s.resources.requests), ("limits", s.resources.limits)):
        for res, qty in sorted(quantities.items()):
            if not _RESOURCE_NAME.match(res):
                bad(["resources", kind, res], f"Kubernetes resource name {res!r} is not valid")
            if not _QUANTITY.match(qty):
                report(codes.K8S_QUANTITY, ["resources", kind, res], quantity=qty, resource=res)
    for key, value in sorted(s.node_selector.items()):
        problem = label_value_problem(value)
        if problem:
            bad(["node_selector", key], f"node selector value {value!r} {problem}")
    _check_volumes(plan, s, bad)


def _not_json(value: Any) -> str | None:
    """The type name of the first value a manifest cannot hold as written (a YAML date, say), or None."""
    if isinstance(value, dict):
        for k, v in value.items():
            found = "non-string key" if not isinstance(k, str) else _not_json(v)
            if found:
                return found
        return None
    if isinstance(value, list):
        return next((f for f in map(_not_json, value) if f), None)
    if value is None or isinstance(value, (str, int, float, bool)):
        return None
    return type(value).__name__


def _check_volumes(plan: Plan, s: Settings, bad: Any) -> None:
    for field, items in (("volumes", s.volumes), ("volume_mounts", s.volume_mounts)):
        for i, item in enumerate(items):
            found = _not_json(item)
            if found:
                bad([field, i], f"{field} {i} holds a {found}; write dates and other values as quoted strings")
                return
    volumes: set[str] = {hardening.STATE_VOLUME} if s.state_volume_claim is not None else set()
    paths: set[str] = {plan.deployment.worker_state_dir} if s.state_volume_claim is not None else set()
    if hardening.tmp_volume(s) is not None:
        volumes.add(hardening.TMP_VOLUME)
        paths.add(hardening.TMP_PATH)
    for i, vol in enumerate(s.volumes):
        name = vol.get("name")
        if not isinstance(name, str) or label_problem(name):
            bad(["volumes", i, "name"], f"volume {i} needs a 'name' that is a DNS-1123 label, got {name!r}")
        elif name in volumes:
            ours = {hardening.STATE_VOLUME: "the state volume", hardening.TMP_VOLUME: "the read-only pod's /tmp"}
            bad(
                ["volumes", i, "name"],
                f"volume name {name!r} is used twice" + (f" ({name!r} is {ours[name]})" if name in ours else ""),
            )
        else:
            volumes.add(name)
    for i, mount in enumerate(s.volume_mounts):
        name, path = mount.get("name"), mount.get("mountPath")
        if name not in volumes:
            bad(
                ["volume_mounts", i, "name"],
                f"volume mount {i} names volume {name!r}, which is not in volumes",
                "add it to targets.kubernetes.volumes",
            )
        if not isinstance(path, str) or not path.startswith("/"):
            bad(["volume_mounts", i, "mountPath"], f"volume mount {i} needs an absolute 'mountPath', got {path!r}")
        elif path in paths:
            bad(["volume_mounts", i, "mountPath"], f"mount path {path!r} is mounted twice")
        else:
            paths.add(path)


def _check_deployment(plan: Plan, diags: Findings) -> None:
    d = plan.deployment
    for field in ("dativo_bin", "plan_path", "project_dir", "state_dir"):
        found = _bad_char(getattr(d, field))
        if found:
            diags.report(
                codes.K8S_UNREPRESENTABLE, at_deploy(field), path=json_path(["deploy", field]), field=field, char=found
            )


def _check_schedules(plan: Plan, s: Settings, diags: Findings) -> None:
    seen: dict[tuple[str, str], str] = {}
    for sid, entry in plan.schedules.items():
        span = at_schedule(sid, "name")
        for what, value in (("tenant id", entry.tenant), ("schedule name", entry.name)):
            problem = label_value_problem(value)
            if problem:
                diags.report(codes.K8S_LABEL_VALUE, span, what=what, value=value, schedule=sid, problem=problem)
        namespace = for_tenant(s.namespace, entry.tenant)
        for name in cronjob_names(entry):
            problem = label_problem(name, CRONJOB_NAME_MAX)
            if problem:
                diags.report(codes.K8S_NAME, span, name=name, schedule=sid, problem=problem)
                continue
            other = seen.setdefault((namespace, name), sid)
            if other != sid:
                diags.report(codes.K8S_NAME_COLLISION, span, first=other, second=sid, namespace=namespace, name=name)
        if not _cron_lines_run(entry, diags):
            continue
        if len(entry.cron) > 1:
            pair = shared_fire_time(entry.cron)
            if pair:
                diags.report(codes.K8S_INEXPRESSIBLE, span, schedule=sid, first=pair[0], second=pair[1])


def _cron_lines_run(entry: ScheduleEntry, diags: Findings) -> bool:
    """Every cron line is one Kubernetes can take (what render writes): else K8S_CRON_UNREADABLE or
    NO_CRON_LINE, and no further cron check (they read the lines as croniter does)."""
    bad = [line for line in entry.cron if _unreadable(line)]
    if entry.cron and not bad:
        return True
    at = at_schedule(entry.id, "interval_seconds" if entry.interval_seconds else "cron")
    if bad:
        diags.report(codes.K8S_CRON_UNREADABLE, at, schedule=entry.id, cron=bad[0])
    else:
        diags.report(codes.NO_CRON_LINE, at, schedule=entry.id, target="Kubernetes")
    return False


@lru_cache(maxsize=4096)  # a project repeats a few cron lines thousands of times; croniter parses slowly
def _unreadable(line: str) -> bool:
    """Not five fields of numbers, names, ranges and steps (croniter's `L`, `#` and `?` are not Kubernetes')."""
    if len(line.split()) != 5:
        return True
    try:
        kubernetes_cron(line)
        fields = croniter.expand(line)[0]
    except (ValueError, KeyError, IndexError):  # croniter's errors are ValueErrors
        return True
    return not all(v == "*" or isinstance(v, int) for field in fields for v in field)
