"""An orchestrator's retry recovers a failed run (issue 11): the command every target generates
resumes a run id that failed before its commit and adds nothing to one that committed. Also: a
compile-only install says how to get the runtime, and the state dir the runtime resolves inside
a generated Kubernetes deployment is where that deployment mounts its state volume."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from rt_project import REPO, make_project, run_cli

from dativo.runtime.plan import Plan
from dativo.runtime.plan_run import load_plan, locate
from dativo.targets.common import run_argv

TS = "2026-01-01T00:00:00Z"


def test_the_generated_command_resumes_a_failed_run_and_then_is_a_no_op(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p")
    plan = Plan.model_validate_json(p.plan.read_text())
    argv = run_argv(plan, plan.schedules["t1.items_hourly"], "scheduled__2026-01-01T00:00:00+00:00")
    args = [a for a in argv[argv.index("--job") :]]  # what Airflow, Dagster, Kubernetes and systemd run
    assert args[args.index("--resume-policy") + 1] == "resume"
    p.write_csv([(1, "a", "1.00", 1, TS), (2, "b", "not-a-price", 1, TS)])  # strict: the bad row fails the run
    failed = p.run(*args)
    assert failed.code == 2 and p.table().current_snapshot() is None
    # a human at a shell keeps the old guard: the failed run needs an explicit decision
    guarded = p.run(*[a if a != "resume" else "fail" for a in args])
    assert guarded.code == 2 and guarded.events("job_state.resume_required")
    p.write_csv([(1, "a", "1.00", 1, TS), (2, "b", "2.00", 1, TS)])  # the file fixed, the task cleared
    resumed = p.run(*args)
    assert resumed.code == 0, resumed.out + resumed.err
    assert sorted(p.rows().column("id").to_pylist()) == [1, 2]
    again = p.run(*args)  # the orchestrator retries once more: exit 0, nothing added
    assert again.code == 0 and again.events("job_state.already_committed")
    assert sorted(p.rows().column("id").to_pylist()) == [1, 2]


_BLOCKER = textwrap.dedent("""
    import sys

    class Blocker:  # pyarrow and pyiceberg are not installed (a compile-only `pip install dativo`)
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("pyarrow", "pyiceberg"):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, Blocker())
    from dativo.compiler.cli import main
    sys.exit(main(sys.argv[1:]))
""")


def _blocked(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _BLOCKER, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_run_without_the_runtime_extra_says_how_to_install_it(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p")
    p.write_csv([(1, "a", "1.00", 1, TS)])
    res = _blocked("run", "--plan", str(p.plan), "--job", "t1.items_hourly", cwd=p.root)
    assert res.returncode == 2, res.stdout + res.stderr
    assert "runtime extra" in res.stderr and "pip install 'dativo[runtime]'" in res.stderr, res.stderr
    assert "internal error" not in res.stderr and "Traceback" not in res.stderr
    assert not p.state.exists()
    # the compile-only install stays usable
    assert _blocked("compile", ".", "--check", cwd=p.root).returncode == 0


@pytest.mark.parametrize(
    "project_dir, container_root, state_dir",
    [
        ("/opt/ingest", "/app", "/app/state"),
        ("/opt/ingest", "/app", "/opt/ingest/var/state"),
        ("/srv/x", "/data", "/var/lib/dativo"),
        ("/app", "/app", "/app/state"),
    ],
)
def test_kubernetes_mounts_state_where_the_runtime_resolves_it(
    tmp_path: Path, project_dir: str, container_root: str, state_dir: str
) -> None:
    p = make_project(tmp_path / "p", compile_=False)
    files = p.root / "jobs" / "t1" / "items.yaml"
    files.write_text(files.read_text().replace("/app/", container_root + "/"))
    runner = p.root / "configs" / "runner.yaml"
    runner.write_text(runner.read_text().replace("/app/", container_root + "/"))
    (p.root / "dativo.yaml").write_text(
        f"version: 1\ncontainer_root: {container_root}\ndeploy:\n"
        f"  project_dir: {project_dir}\n  state_dir: {state_dir}\n"
    )
    res = run_cli("compile", ".", "--target", "kubernetes", cwd=p.root)
    assert res.code == 0, res.out + res.err
    cron = yaml.safe_load((p.root / "generated" / "kubernetes" / "t1" / "items_hourly.yaml").read_text())
    container = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    mount = next(m["mountPath"] for m in container["volumeMounts"] if m["name"] == "dativo-state")
    plan = load_plan(p.plan)
    # inside the pod the plan is at deployment.plan_path and no --state-dir is passed
    assert "--state-dir" not in container["command"]
    _paths, resolved = locate(plan, Path(plan.deployment.plan_path or ""))
    assert str(resolved) == mount


def test_runtime_doc_lists_the_fail_closed_errors() -> None:
    text = (REPO / "docs" / "runtime.md").read_text()
    assert "unset optional ones are dropped" not in text
    for phrase in (
        "is not set (referenced by",
        "does not exist",
        "has no uri",
        "is not written by this runtime",
        "--resume-policy resume",
        "dativo[runtime]",
    ):
        assert phrase in text, phrase
