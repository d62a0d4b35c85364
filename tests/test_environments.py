"""Environments of dativo.yaml (compiler/environments.py): one reviewed config, one output dir per
deployment, each with its own plan.json and `--check`; and targets compiled one at a time leave the
others' artifacts alone (issue 15)."""

from __future__ import annotations

import difflib
import json
import shutil
from pathlib import Path

import pytest
from helpers import EXAMPLES, dativo, edit

from dativo.compiler.manifest import MANIFEST
from dativo.runtime.plan import Plan, plan_digest

#: the values the examples' staging environment overrides, and the defaults they replace
STAGING = {"/srv/staging/app": "/app", "generated/staging/": "generated/", "dativo-staging-": "dativo-"}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    dst = tmp_path / "proj"
    shutil.copytree(EXAMPLES, dst)
    return dst


def _tree(root: Path, skip: str | None = None) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): p.read_text("utf-8")
        for p in sorted(root.rglob("*"))
        if p.is_file() and not (skip and p.relative_to(root).parts[0] == skip)
    }


def test_two_environments_differ_only_in_deployment_values(project: Path) -> None:
    shutil.rmtree(project / "generated")
    assert dativo("compile", ".", cwd=project).code == 0
    r = dativo("compile", ".", "--env", "staging", cwd=project)
    assert r.code == 0 and "artifacts in generated/staging" in r.err, r.err
    default, staging = _tree(project / "generated", skip="staging"), _tree(project / "generated" / "staging")
    assert sorted(default) == sorted(staging)  # the same artifacts, one set per environment
    # each plan's digest is stamped into its CronJobs and units (docs/deploy.md): masked, as a deployment value
    digests = [plan_digest(Plan.from_json(tree["plan.json"])) for tree in (default, staging)]
    default = {rel: text.replace(digests[0], "sha256:<plan>") for rel, text in default.items()}
    staging = {rel: text.replace(digests[1], "sha256:<plan>") for rel, text in staging.items()}
    changed = 0
    for rel, text in sorted(staging.items()):
        removed = [ln for ln in difflib.ndiff(default[rel].splitlines(), text.splitlines()) if ln.startswith("- ")]
        changed += len(removed)
        if rel == MANIFEST:  # the digests of the files compared here
            continue
        if rel == "plan.json":  # the staging block of targets.kubernetes is its own
            base_plan, env_plan = json.loads(default[rel]), json.loads(_undeploy(text))
            assert env_plan.pop("targets") == {"kubernetes": {"namespace": "dativo-{tenant}"}}  # (undeployed)
            assert base_plan.pop("targets") == {}
            assert env_plan == base_plan
        else:  # every other difference is a deployment value: with them put back, the files are equal
            assert _undeploy(text) == default[rel], rel
    assert changed > 20  # the project dir, the plan path, the state dir and the namespace differ


def _undeploy(text: str) -> str:
    for env_value, default in STAGING.items():
        text = text.replace(env_value, default)
    return text


def test_committed_output_of_the_staging_environment_checks_clean() -> None:
    r = dativo("compile", "examples", "--env", "staging", "--check", "--no-cache")
    assert r.code == 0, r.out
    assert (EXAMPLES / "generated" / "staging" / "plan.json").is_file()


def test_a_stale_environment_output_fails_its_check_and_only_its_check(project: Path) -> None:
    dags = project / "generated" / "staging" / "airflow" / "dativo_runner_dags.py"
    dags.write_text(dags.read_text().replace("/srv/staging/app", "/srv/prod/app", 1))
    r = dativo("compile", ".", "--env", "staging", "--check", cwd=project)
    assert r.code == 1
    assert "generated/staging/airflow/dativo_runner_dags.py:1:1: error DTV601:" in r.out, r.out
    assert dativo("compile", ".", "--check", cwd=project).code == 0  # the default output is not stale
    assert dativo("compile", ".", "--env", "staging", cwd=project).code == 0
    assert dativo("compile", ".", "--env", "staging", "--check", cwd=project).code == 0


def test_the_default_compile_leaves_an_environment_output_alone(project: Path) -> None:
    before = _tree(project / "generated" / "staging")
    shutil.rmtree(project / "generated" / "airflow")
    assert dativo("compile", ".", cwd=project).code == 0
    assert _tree(project / "generated" / "staging") == before
    # and the other way round: the environment's compile removes nothing of the default output
    default = _tree(project / "generated", skip="staging")
    shutil.rmtree(project / "generated" / "staging")
    assert dativo("compile", ".", "--env", "staging", cwd=project).code == 0
    assert _tree(project / "generated", skip="staging") == default


def test_an_unknown_environment_is_a_usage_error_listing_the_known_ones(project: Path) -> None:
    r = dativo("compile", ".", "--env", "stagin", cwd=project)
    assert r.code == 2
    assert "unknown environment 'stagin' (known: staging); did you mean 'staging'?" in r.err, r.err
    assert dativo("plan", ".", "--base-dir", ".", "--env", "prod", cwd=project).code == 2


def test_an_environment_override_is_validated_where_it_is_written(project: Path) -> None:
    edit(project, "dativo.yaml", "      state_dir: /srv/staging/app/state", "      state_dri: /srv/staging/app/state")
    r = dativo("compile", ".", "--check", cwd=project)  # checked without --env too: a typo fails every compile
    assert r.code == 1
    assert "dativo.yaml:" in r.out and "error DTV101: unknown key 'state_dri'" in r.out, r.out
    assert "did you mean 'state_dir'?" in r.out


def test_plan_compares_one_environment(project: Path, tmp_path: Path) -> None:
    base = tmp_path / "base"
    shutil.copytree(project, base)
    edit(project, "dativo.yaml", "namespace: dativo-staging-{tenant}", "namespace: dativo-stg-{tenant}")
    r = dativo("plan", ".", "--base-dir", str(base), "--env", "staging", "--format", "json", cwd=project)
    assert r.code == 0, r.err
    assert "dativo-stg-" in r.out and "dativo-staging-" in r.out
    r = dativo("plan", ".", "--base-dir", str(base), "--format", "json", cwd=project)
    assert r.code == 0 and "dativo-stg-" not in r.out  # the default deployment does not change


def test_compile_one_target_keeps_the_other_targets_artifacts(project: Path) -> None:
    """`compile --target dagster` used to delete the committed Airflow, Kubernetes and systemd files."""
    before = _tree(project / "generated")
    r = dativo("compile", ".", "--target", "dagster", cwd=project)
    assert r.code == 0 and "(0 written, 0 removed)" in r.err, r.err
    assert _tree(project / "generated") == before
    stale = project / "generated" / "dagster" / "stale.py"
    stale.write_text("")
    (project / "generated" / "airflow" / "pools.json").write_text("{}\n")
    r = dativo("compile", ".", "--target", "dagster", "--check", cwd=project)
    assert r.code == 1 and "generated/dagster/stale.py:1:1: error DTV603:" in r.out
    assert "airflow" not in r.out  # not a target of this check
    assert dativo("compile", ".", "--target", "dagster", cwd=project).code == 0
    assert not stale.exists() and (project / "generated" / "airflow" / "pools.json").read_text() == "{}\n"
    r = dativo("compile", ".", "--check", cwd=project)  # every target: the edited Airflow file is stale
    assert r.code == 1 and "generated/airflow/pools.json:1:1: error DTV601:" in r.out


def test_the_output_of_a_removed_environment_is_stale_and_removed(project: Path) -> None:
    edit(project, "dativo.yaml", "  staging:\n", "  stage:\n")  # renamed: generated/staging is no one's now
    r = dativo("compile", ".", "--check", cwd=project)
    assert r.code == 1 and "generated/staging/:1:1: error DTV603:" in r.out, r.out
    assert dativo("compile", ".", "--env", "stage", "--check", cwd=project).code == 1  # not written yet
    r = dativo("compile", ".", cwd=project)
    assert r.code == 0 and "1 removed" in r.err, r.err
    assert not (project / "generated" / "staging").exists()
    assert dativo("compile", ".", "--env", "stage", cwd=project).code == 0
    assert dativo("compile", ".", "--check", cwd=project).code == 0
    assert dativo("compile", ".", "--env", "stage", "--check", cwd=project).code == 0


def test_validate_checks_one_environment_and_points_at_its_override(project: Path) -> None:
    """A target finding that only the merged settings show (a namespace too long once the tenant is in) is
    found by `validate --env` and positioned at the override that set the value, not at the file's top."""
    long = "namespace: dativo-staging-{tenant}-" + "x" * 50
    edit(project, "dativo.yaml", "namespace: dativo-staging-{tenant}", long)
    assert dativo("validate", ".", cwd=project).code == 0  # the project's own settings are fine
    r = dativo("validate", ".", "--env", "staging", cwd=project)
    line = next(i for i, t in enumerate((project / "dativo.yaml").read_text().splitlines(), 1) if long in t)
    assert r.code == 1 and f"dativo.yaml:{line}:20: error DTV538:" in r.out, r.out
    assert dativo("validate", ".", "--env", "stagin", cwd=project).code == 2
