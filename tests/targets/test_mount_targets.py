"""Runtime mounts in the targets (issue 13): systemd units require each schedule's mounts
(RequiresMountsFor=, verified by the real systemd-analyze in test_systemd_real.py), Kubernetes CronJobs
name them in the dativo.io/mounts annotation (no volumes invented), and a schedule without mounts renders
as before."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from target_plans import check_into, examples_plan, render_plan

from dativo.compiler import codes
from dativo.compiler.diagnostics import Diagnostics
from dativo.runtime.plan import Plan
from dativo.targets.kubernetes import TARGET as K8S
from dativo.targets.systemd import TARGET as SYSTEMD
from dativo.targets.systemd.escape import mount_path

MOUNTS = ["/data/acme", "/mnt/big data/100%", '/secrets/acme/"pg".env']
SID = "acme.orders_csv_morning"


def with_mounts(mounts: list[str]) -> Plan:
    plan = examples_plan()
    entry = plan.schedules[SID].model_copy(update={"mounts": mounts})
    return plan.model_copy(update={"schedules": {**plan.schedules, SID: entry}})


def test_systemd_service_requires_each_mount() -> None:
    service = render_plan(SYSTEMD, with_mounts(MOUNTS))["systemd/dativo-acme-orders_csv_morning.service"]
    lines = [line for line in service.splitlines() if line.startswith("RequiresMountsFor=")]
    assert lines == [
        "RequiresMountsFor=/data/acme",
        'RequiresMountsFor="/mnt/big data/100%%"',
        'RequiresMountsFor="/secrets/acme/\\"pg\\".env"',
    ]
    assert service.index("RequiresMountsFor=") < service.index("[Service]")  # a [Unit] setting


def test_schedules_without_mounts_render_as_before() -> None:
    out = render_plan(SYSTEMD, examples_plan())
    assert not any("RequiresMountsFor" in text for text in out.values())
    assert not any("dativo.io/mounts" in text for text in render_plan(K8S, examples_plan()).values())


@pytest.mark.parametrize("bad", ["/data/a\\b", "/data/a\nb", "/data/\x7f"])
def test_systemd_check_refuses_a_mount_a_unit_cannot_carry(bad: str) -> None:
    assert mount_path(bad) is None
    diags = Diagnostics()
    check_into(SYSTEMD, with_mounts(["/data/ok", bad]), diags)
    assert [d.code for d in diags.errors] == [codes.SYSTEMD_UNREPRESENTABLE]
    assert "RequiresMountsFor=" in diags.errors[0].message


def _without_digest(spec: dict) -> str:
    return re.sub(r"sha256:[0-9a-f]{64}", "sha256:...", json.dumps(spec, sort_keys=True))


def test_kubernetes_cronjob_names_its_mounts_in_an_annotation() -> None:
    out = render_plan(K8S, with_mounts(MOUNTS))
    docs = [d for text in out.values() for d in yaml.safe_load_all(text) if d and d.get("kind") == "CronJob"]
    by_id = {d["metadata"]["annotations"]["dativo.io/schedule-id"]: d for d in docs}
    assert json.loads(by_id[SID]["metadata"]["annotations"]["dativo.io/mounts"]) == MOUNTS
    plain = [d for text in render_plan(K8S, examples_plan()).values() for d in yaml.safe_load_all(text) if d]
    before = next(d for d in plain if d.get("metadata", {}).get("annotations", {}).get("dativo.io/schedule-id") == SID)
    # the deployer mounts them: no volume invented (the plan, and so its digest, differs)
    assert _without_digest(by_id[SID]["spec"]) == _without_digest(before["spec"])
    others = [d for sid, d in by_id.items() if sid != SID]
    assert others and all("dativo.io/mounts" not in d["metadata"]["annotations"] for d in others)


def test_airflow_and_dagster_descriptions_name_the_mounts() -> None:
    from dativo.targets.airflow import TARGET as AIRFLOW
    from dativo.targets.dagster import TARGET as DAGSTER

    for target in (AIRFLOW, DAGSTER):
        text = "".join(render_plan(target, with_mounts(["/data/acme", "/secrets/acme/pg.env"])).values())
        assert "needs runtime mounts /data/acme, /secrets/acme/pg.env" in text, target.name
        assert "needs runtime mounts" not in "".join(render_plan(target, examples_plan()).values())
