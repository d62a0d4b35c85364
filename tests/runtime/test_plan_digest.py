"""`dativo run` refuses a plan whose digest is not the one its artifact was generated for (DATIVO_PLAN_DIGEST)."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import yaml
from rt_project import REPO, run_cli

from dativo.runtime.digest import ENV, IMAGE_ENV, plan_digest
from dativo.runtime.plan import load_plan

JOB = ("--job", "acme.orders_csv_morning")


def _examples(tmp_path: Path) -> Path:
    project = tmp_path / "examples"
    shutil.copytree(REPO / "examples", project, ignore=shutil.ignore_patterns("state"))
    return project


def test_run_refuses_a_plan_of_another_compile(tmp_path: Path) -> None:
    project = _examples(tmp_path)
    plan = project / "generated" / "plan.json"
    other = "sha256:" + "0" * 64
    env = {ENV: other, IMAGE_ENV: "registry.example.com/ingest:1.2.3"}
    res = run_cli("run", "--plan", "generated/plan.json", *JOB, cwd=project, env=env)
    assert res.code == 2, res.out + res.err
    have = plan_digest(load_plan(plan))
    # which digest the artifact wants, which plan (path and digest) is deployed, which image, what to do
    for part in (other, have, "generated/plan.json", "registry.example.com/ingest:1.2.3", "dativo compile"):
        assert part in res.err, res.err
    assert not res.events("job_started") and not (project / "state").exists()  # nothing ran, nothing written


def _stamped(project: Path) -> tuple[str, str]:
    """The digest the committed CronJob and systemd unit of the job's schedule were generated for."""
    cronjob = yaml.safe_load((project / "generated/kubernetes/acme/orders_csv_morning.yaml").read_text("utf-8"))
    env = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["env"]
    from_k8s = next(e["value"] for e in env if e["name"] == ENV)
    unit = (project / "generated/systemd/dativo-acme-orders_csv_morning.service").read_text("utf-8")
    from_unit = re.search(rf"^Environment={ENV}=(\S+)$", unit, re.M)
    assert from_unit
    return from_k8s, from_unit.group(1)


def test_run_accepts_the_plan_its_artifacts_were_generated_for(tmp_path: Path) -> None:
    project = _examples(tmp_path)
    plan = project / "generated" / "plan.json"
    from_k8s, from_unit = _stamped(project)
    assert from_k8s == from_unit == plan_digest(load_plan(plan))
    # a checkout that rewrote line ends keeps the digest: it is of the canonical text
    plan.write_bytes(plan.read_bytes().replace(b"\n", b"\r\n"))
    res = run_cli("run", "--plan", "generated/plan.json", *JOB, cwd=project, env={ENV: from_k8s})
    assert res.code == 0, res.out + res.err


def test_run_refuses_a_recompiled_plan_under_the_old_artifact(tmp_path: Path) -> None:
    """The skew of the issue: the image holds a newer compile than the CronJob that starts the run."""
    project = _examples(tmp_path)
    stamped, _ = _stamped(project)
    runner = project / "configs" / "runner.yaml"
    runner.write_text(runner.read_text("utf-8").replace('cron: "0 9 * * 1-5"', 'cron: "0 7 * * 1-5"'), "utf-8")
    assert run_cli("compile", ".", cwd=project).code == 0
    res = run_cli("run", "--plan", "generated/plan.json", *JOB, cwd=project, env={ENV: stamped})
    assert res.code == 2 and f"generated for plan {stamped}" in res.err, res.out + res.err
    assert not (project / "state").exists()


def test_digest_is_of_the_bytes_compile_writes() -> None:
    path = REPO / "examples" / "generated" / "plan.json"
    plan = load_plan(path)
    assert plan_digest(plan) == "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
