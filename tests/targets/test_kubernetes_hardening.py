"""The hardened CronJobs (issue 15): each hardening field by default, each overridable in targets.kubernetes,
the plan digest stamped in, and DTV545-DTV548 for what cannot be hardened as written.

tests/targets/test_kubernetes_real.py runs kubernetes-validate --strict on the same renders.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: helpers

from test_kubernetes import docs_of, edge_plan, entry, examples_plan, plan_with, render
from test_kubernetes_checks import check

from dativo.compiler import codes
from dativo.runtime.plan import Plan, plan_digest
from dativo.targets.kubernetes.hardening import floating
from dativo.targets.kubernetes.settings import DEFAULT_IMAGE, DEFAULT_TIMEOUT_SECONDS, IMAGE_UID

PINNED = "registry.example.com/dativo/acme:1.4.2@sha256:" + "b" * 64


def overridden_plan() -> Plan:
    """Every hardening setting away from its default (kubernetes-validate checks these manifests too)."""
    base = examples_plan()
    entries = [entry(base, "acme", "loose_hourly", ["0 * * * *"]), entry(base, "acme", "loose_daily", ["0 3 * * *"])]
    targets = {
        "image": PINNED,
        "security_context": {
            "run_as_non_root": False,
            "run_as_user": None,
            "fs_group": 2000,
            "read_only_root_filesystem": False,
            "drop_capabilities": [],
            "seccomp_profile": "Unconfined",
        },
        "timeout_seconds": 60,
        "schedule_timeouts": {"acme.loose_daily": 86400},
        "env_from_secrets_optional": False,
    }
    return plan_with(base, entries, targets)


def _cronjob(targets: dict[str, Any] | None = None) -> dict[str, Any]:
    base = examples_plan()
    plan = plan_with(base, [entry(base, "acme", "hourly", ["0 * * * *"])], targets)
    return docs_of(render(plan)["kubernetes/acme/hourly.yaml"])[0]


def _pod(d: dict[str, Any]) -> dict[str, Any]:
    return d["spec"]["jobTemplate"]["spec"]["template"]["spec"]


def test_every_hardening_field_is_set_by_default() -> None:
    d = _cronjob()
    pod = _pod(d)
    c = pod["containers"][0]
    assert pod["securityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": IMAGE_UID,
        "runAsGroup": IMAGE_UID,
        "fsGroup": IMAGE_UID,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert c["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }
    # read-only root, but the state volume and /tmp are writable
    assert {m["mountPath"]: m["name"] for m in c["volumeMounts"]} == {
        "/app/state": "dativo-state",
        "/tmp": "dativo-tmp",
    }
    assert not any(m.get("readOnly") for m in c["volumeMounts"])
    assert {"name": "dativo-tmp", "emptyDir": {}} in pod["volumes"]
    assert d["spec"]["jobTemplate"]["spec"]["activeDeadlineSeconds"] == DEFAULT_TIMEOUT_SECONDS
    assert c["resources"] == {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"memory": "2Gi"}}
    assert c["envFrom"] == [{"secretRef": {"name": "dativo-acme-secrets", "optional": True}}]
    assert c["image"] == DEFAULT_IMAGE and not floating(DEFAULT_IMAGE)
    assert pod["automountServiceAccountToken"] is False


def test_every_hardening_field_is_settable() -> None:
    d = _cronjob(
        {
            "image": PINNED,
            "security_context": {
                "run_as_user": 2000,
                "run_as_group": 3000,
                "fs_group": None,
                "read_only_root_filesystem": False,
                "allow_privilege_escalation": True,
                "drop_capabilities": ["NET_RAW"],
                "seccomp_profile": None,
            },
            "timeout_seconds": 900,
            "resources": {"requests": {"cpu": 1}, "limits": {"cpu": "2", "memory": "8Gi"}},
            "env_from_secrets_optional": False,
        }
    )
    pod = _pod(d)
    c = pod["containers"][0]
    assert pod["securityContext"] == {"runAsNonRoot": True, "runAsUser": 2000, "runAsGroup": 3000}
    assert c["securityContext"] == {
        "allowPrivilegeEscalation": True,
        "readOnlyRootFilesystem": False,
        "capabilities": {"drop": ["NET_RAW"]},
    }
    assert [m["name"] for m in c["volumeMounts"]] == ["dativo-state"]  # no /tmp volume without a read-only root
    assert d["spec"]["jobTemplate"]["spec"]["activeDeadlineSeconds"] == 900
    assert c["resources"] == {"requests": {"cpu": "1"}, "limits": {"cpu": "2", "memory": "8Gi"}}
    assert c["envFrom"] == [{"secretRef": {"name": "dativo-acme-secrets"}}]
    assert c["image"] == PINNED


def test_a_schedule_timeout_overrides_the_default_for_that_schedule_only() -> None:
    base = examples_plan()
    entries = [entry(base, "acme", "hourly", ["0 * * * *"]), entry(base, "acme", "daily", ["0 3 * * *"])]
    plan = plan_with(base, entries, {"timeout_seconds": 1800, "schedule_timeouts": {"acme.daily": 7200}})
    out = render(plan)
    deadlines = {
        p: docs_of(t)[0]["spec"]["jobTemplate"]["spec"]["activeDeadlineSeconds"]
        for p, t in out.items()
        if not p.endswith("kustomization.yaml")
    }
    assert deadlines == {"kubernetes/acme/daily.yaml": 7200, "kubernetes/acme/hourly.yaml": 1800}


def test_the_plan_digest_is_stamped_into_every_cronjob() -> None:
    plan = edge_plan()
    want = plan_digest(plan)
    for path, text in render(plan).items():
        for d in [] if path.endswith("kustomization.yaml") else docs_of(text):
            env = {e["name"]: e.get("value") for e in _pod(d)["containers"][0]["env"]}
            assert env["DATIVO_PLAN_DIGEST"] == want and env["DATIVO_IMAGE"] == plan.targets["kubernetes"]["image"]
            assert d["metadata"]["annotations"]["dativo.io/plan-digest"] == want
    other = plan.model_copy(update={"inputs": {**plan.inputs, "x.yaml": "sha256:0"}})
    assert plan_digest(other) != want  # any change of the plan changes the digest


@pytest.mark.parametrize(
    "image, floats",
    [
        ("dativo", True),
        ("dativo:latest", True),
        ("registry.example.com:5000/team/dativo", True),  # the port is not a tag
        ("registry.example.com:5000/team/dativo:latest", True),
        ("registry.example.com:5000/team/dativo:1.4", False),
        ("dativo:latest@sha256:" + "c" * 64, False),  # a digest pins it whatever the tag says
        ("dativo@sha256:" + "c" * 64, False),
    ],
)
def test_floating_images_are_refused_unless_allowed(image: str, floats: bool) -> None:
    base = examples_plan()
    entries = [entry(base, "acme", "hourly", ["0 * * * *"])]
    found = check(plan_with(base, entries, {"image": image}))
    assert [c for c, _ in found] == ([codes.K8S_FLOATING_IMAGE] if floats else [])
    assert check(plan_with(base, entries, {"image": image, "allow_floating_image": True})) == []


@pytest.mark.parametrize(
    "targets, code",
    [
        ({"security_context": {"run_as_user": 0}}, codes.K8S_ROOT),
        ({"state_volume_claim": None}, codes.K8S_STATE_READ_ONLY),
        ({"schedule_timeouts": {"acme.nope": 60}}, codes.UNKNOWN_SCHEDULE_SETTING),
    ],
)
def test_settings_that_cannot_be_hardened_are_errors(targets: dict[str, Any], code: str) -> None:
    base = examples_plan()
    assert [c for c, _ in check(plan_with(base, [entry(base, "acme", "hourly", ["0 * * * *"])], targets))] == [code]


def test_a_state_dir_mounted_by_hand_is_writable_enough() -> None:
    base = examples_plan()
    targets = {
        "state_volume_claim": None,
        "volumes": [{"name": "state", "hostPath": {"path": "/srv/dativo"}}],
        "volume_mounts": [{"name": "state", "mountPath": base.deployment.worker_state_dir}],
    }
    assert check(plan_with(base, [entry(base, "acme", "hourly", ["0 * * * *"])], targets)) == []
