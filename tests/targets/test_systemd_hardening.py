"""The hardened services (issue 15): an absolute ExecStart, a user, a timeout, a memory limit, the sandbox
and the plan digest, by default; each overridable in targets.systemd; what cannot be written is an error.

tests/targets/test_systemd_real.py verifies these units with systemd-analyze and scores their exposure.
"""

from __future__ import annotations

from typing import Any

import pytest
from target_plans import render_plan
from test_systemd import _check, examples_plan  # noqa: F401  (a fixture)

from dativo.compiler import codes
from dativo.runtime.plan import Plan, plan_digest
from dativo.targets.systemd import TARGET
from dativo.targets.systemd.hardening import SANDBOX

UNIT = "systemd/dativo-acme-orders_csv_morning.service"


def _with(plan: Plan, targets: dict[str, Any] | None = None, **deploy: str) -> Plan:
    return plan.model_copy(
        update={
            "targets": {"systemd": targets} if targets is not None else {},
            "deployment": plan.deployment.model_copy(update=deploy),
        }
    )


def _service(plan: Plan) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in render_plan(TARGET, plan)[UNIT].splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            out.setdefault(key, []).append(value)
    return out


def test_every_hardening_line_is_there_by_default(examples_plan: Plan) -> None:  # noqa: F811
    s = _service(examples_plan)
    assert s["ExecStart"][0].startswith("/usr/local/bin/dativo run --plan ")  # `dativo` resolved at compile time
    assert s["User"] == ["dativo"] and "DynamicUser" not in s
    assert s["TimeoutStartSec"] == ["21600"] and s["MemoryMax"] == ["2G"]
    assert s["NoNewPrivileges"] == ["yes"] and s["ProtectSystem"] == ["strict"] and s["PrivateTmp"] == ["yes"]
    assert s["ReadWritePaths"] == [examples_plan.deployment.worker_state_dir] and s["ProtectHome"] == ["yes"]
    assert s["Environment"] == [f"DATIVO_PLAN_DIGEST={plan_digest(examples_plan)}"]
    for line in SANDBOX:
        key, _, value = line.partition("=")
        assert value in s[key], line


def test_every_hardening_line_is_settable(examples_plan: Plan) -> None:  # noqa: F811
    targets = {
        "dativo_bin": "/opt/dativo/venv/bin/dativo",
        "dynamic_user": True,
        "timeout_seconds": 600,
        "schedule_timeouts": {"acme.orders_csv_morning": 900},
        "memory_max": "25%",
        "read_write_paths": ["/srv/warehouse", "/srv/catalog"],
    }
    s = _service(_with(examples_plan, targets))
    assert s["ExecStart"][0].startswith("/opt/dativo/venv/bin/dativo run ")
    assert s["DynamicUser"] == ["yes"] and "User" not in s
    assert s["TimeoutStartSec"] == ["900"] and s["MemoryMax"] == ["25%"]
    assert s["ReadWritePaths"] == [f"{examples_plan.deployment.worker_state_dir} /srv/warehouse /srv/catalog"]
    bare = _service(_with(examples_plan, {"user": None, "memory_max": None, "sandbox": False}))
    assert "User" not in bare and "DynamicUser" not in bare and "MemoryMax" not in bare
    assert bare["NoNewPrivileges"] == ["yes"] and "ProtectSystem" not in bare and "ReadWritePaths" not in bare


@pytest.mark.parametrize(
    "deploy_bin, targets, exec_bin",
    [
        ("dativo", {}, "/usr/local/bin/dativo"),
        ("dativo-0.1", {"bin_dir": "/opt/tools/bin/"}, "/opt/tools/bin/dativo-0.1"),
        ("/opt/venv/bin/dativo", {}, "/opt/venv/bin/dativo"),  # an absolute deploy.dativo_bin is kept
        ("/opt/venv/bin/dativo", {"dativo_bin": "/usr/bin/dativo"}, "/usr/bin/dativo"),  # the setting wins
    ],
)
def test_exec_start_is_always_absolute(
    examples_plan: Plan,  # noqa: F811
    deploy_bin: str,
    targets: dict[str, Any],
    exec_bin: str,
) -> None:
    s = _service(_with(examples_plan, targets, dativo_bin=deploy_bin))
    assert s["ExecStart"][0].split(" ")[0] == exec_bin


def test_home_is_read_only_not_hidden_when_the_project_lives_there(examples_plan: Plan) -> None:  # noqa: F811
    s = _service(_with(examples_plan, None, project_dir="/home/ingest/project"))
    assert s["ProtectHome"] == ["read-only"]


@pytest.mark.parametrize(
    "raw, code, where",
    [
        ({"bin_dir": "bin"}, codes.SYSTEMD_SETTINGS, "bin_dir"),
        ({"dativo_bin": "dativo"}, codes.SYSTEMD_SETTINGS, "dativo_bin"),
        ({"memory_max": "lots"}, codes.SYSTEMD_SETTINGS, "memory_max"),
        ({"read_write_paths": ["/srv/my data"]}, codes.SYSTEMD_SETTINGS, "read_write_paths[0]"),
        ({"timeout_seconds": 0}, codes.SYSTEMD_SETTINGS, "timeout_seconds"),
        ({"schedule_timeouts": {"acme.gone": 60}}, codes.UNKNOWN_SCHEDULE_SETTING, "schedule_timeouts['acme.gone']"),
    ],
)
def test_settings_that_cannot_be_written_are_errors(
    examples_plan: Plan,  # noqa: F811
    raw: dict[str, Any],
    code: str,
    where: str,
) -> None:
    found = _check(_with(examples_plan, raw))
    assert [(d.code, d.json_path) for d in found] == [(code, f"$.targets.systemd.{where}")]
