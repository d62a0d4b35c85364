"""`dativo run` refuses a plan whose digest is not the one its artifact was generated for (DATIVO_PLAN_DIGEST)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

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


def test_run_accepts_the_plan_it_was_generated_for(tmp_path: Path) -> None:
    project = _examples(tmp_path)
    plan = project / "generated" / "plan.json"
    # a checkout that rewrote line ends keeps the digest: it is of the canonical text
    plan.write_bytes(plan.read_bytes().replace(b"\n", b"\r\n"))
    env = {ENV: plan_digest(load_plan(REPO / "examples" / "generated" / "plan.json"))}
    res = run_cli("run", "--plan", "generated/plan.json", *JOB, cwd=project, env=env)
    assert res.code == 0, res.out + res.err


def test_digest_is_of_the_bytes_compile_writes() -> None:
    path = REPO / "examples" / "generated" / "plan.json"
    plan = load_plan(path)
    assert plan_digest(plan) == "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
