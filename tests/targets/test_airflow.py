"""The Airflow target: golden artifacts, settings, diagnostics, and that no user string is ever code.

The generated file is checked structurally (its AST: every value a literal) and by golden files;
the shell command by running it through Jinja and bash. tests/targets/test_airflow_real.py loads
the same artifacts into a real Airflow.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jinja2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: helpers

from helpers import EXAMPLES, REPO, dativo
from target_plans import EDGE_DAG, HOSTILE_NAME, check_into, edge_dags, entry, examples_plan, render_plan

from dativo.compiler import codes
from dativo.compiler.diagnostics import Diagnostics
from dativo.runtime.plan import Plan, ScheduleEntry, TenantEntry
from dativo.targets import airflow as airflow_pkg
from dativo.targets.airflow import TARGET
from dativo.targets.airflow.quoting import bash_word, jinja_inert
from dativo.targets.airflow.target import DAG_FILE, POOLS_FILE, bash_command, dag_tags
from dativo.targets.common import run_argv

HOSTILE_TAGS = {
    "quote": 'it\'s "quoted"',
    "newline": "line one\nline two\r\n",
    "jinja": "{{ run_id }}{% if 1 %}{# c #}",
    "unicode": "naïve ☃ \u2028",
    "python": "'); import os; os.system('id') #",
    "shell": "$(id) `id` ; rm -rf /",
}


# ---------------------------------------------------------------- plans


def with_schedules(
    base: Plan, entries: list[ScheduleEntry], *, concurrency: dict[str, int] | None = None, **update: Any
) -> Plan:
    tenants = sorted({e.tenant for e in entries})
    conc = concurrency or {}
    return base.model_copy(
        update={
            "schedules": {e.id: e for e in sorted(entries, key=lambda e: e.id)},
            "tenants": {
                t: TenantEntry(concurrency=conc.get(t, 1), schedules=sorted(e.id for e in entries if e.tenant == t))
                for t in tenants
            },
            **update,
        }
    )


def edge_plan() -> Plan:
    """Disabled, several cron lines, non-UTC zones, hostile tags and deployment paths, custom settings."""
    base = examples_plan()
    entries = [
        entry(base, "acme", "paused_nightly", ["0 23 * * *"], enabled=False),
        entry(
            base,
            "acme",
            "weekdays_and_weekends",
            ["0 9 * * 1-5", "30 17 * * 0,6"],
            timezone="Europe/Berlin",
            max_concurrent_runs=3,
        ),
        entry(
            base, "beta-co", "ny_every_6h", ["0 0,6,12,18 * * *"], timezone="America/New_York", interval_seconds=21600
        ),
        entry(
            base,
            "beta-co",
            "hostile_tags",
            ["*/5 * * * *"],
            tags=HOSTILE_TAGS,
            kind="dag",
            job=None,
            dag=EDGE_DAG,
        ),
    ]
    deployment = base.deployment.model_copy(
        update={
            "project_dir": "/srv/it's {{ here }}",
            "dativo_bin": "/opt/$(id)/bin/dativo",
            "plan_path": "/srv/p\nlan {% raw %}{#.json",
        }
    )
    return with_schedules(
        base,
        entries,
        concurrency={"acme": 2},
        deployment=deployment,
        dags=edge_dags(base),
        targets={"airflow": {"dag_id_prefix": "dtv__", "pool_prefix": "pool-", "start_date": "2025-03-01"}},
    )


def diagnose(plan: Plan) -> list[tuple[str, str]]:
    diags = Diagnostics()
    check_into(TARGET, plan, diags)
    return [(d.code, d.message) for d in diags]


# ---------------------------------------------------------------- reading the generated file back

TIMETABLES = {"CronTriggerTimetable", "MultipleCronTriggerTimetable"}


def dag_calls(source: str) -> list[dict[str, Any]]:
    """The `_dativo_dag(...)` calls of a generated file, every argument read as a literal.

    Fails unless the module is: docstring, imports, START_DATE, the helper function, then calls
    whose arguments are literals (the schedule: a timetable class applied to literals). So no plan
    value can have become code.
    """
    tree = ast.parse(source)
    calls: list[dict[str, Any]] = []
    seen_def = False
    for stmt in tree.body:
        if not seen_def:
            assert isinstance(stmt, (ast.Expr, ast.Import, ast.ImportFrom, ast.Try, ast.Assign, ast.FunctionDef)), (
                ast.dump(stmt)
            )
            if isinstance(stmt, ast.Try):  # the import fallback: imports only
                assert all(isinstance(s, ast.ImportFrom) for s in [*stmt.body, *stmt.handlers[0].body])
            if isinstance(stmt, ast.Expr):
                assert isinstance(stmt.value, ast.Constant) and stmt is tree.body[0]
            if isinstance(stmt, ast.Assign):
                assert [t.id for t in stmt.targets if isinstance(t, ast.Name)] == ["START_DATE"]
            if isinstance(stmt, ast.FunctionDef):
                assert stmt.name in ("_dativo_task", "_dag", "_dativo_dag", "_dativo_task_dag")
                seen_def = stmt.name == "_dativo_task_dag"  # the last helper
            continue
        assert isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call), ast.dump(stmt)
        call = stmt.value
        assert isinstance(call.func, ast.Name) and call.func.id in ("_dativo_dag", "_dativo_task_dag")
        (dag_id,) = call.args
        out: dict[str, Any] = {"dag_id": ast.literal_eval(dag_id)}
        for kw in call.keywords:
            if kw.arg == "schedule":
                sched = kw.value
                assert isinstance(sched, ast.Call) and isinstance(sched.func, ast.Name) and sched.func.id in TIMETABLES
                (tz,) = sched.keywords
                assert tz.arg == "timezone"
                out["schedule"] = (sched.func.id, [ast.literal_eval(a) for a in sched.args], ast.literal_eval(tz.value))
            else:
                out[str(kw.arg)] = ast.literal_eval(kw.value)
        calls.append(out)
    return calls


def expected_calls(plan: Plan, prefix: str = "dativo.", pool_prefix: str = "dativo_tenant_") -> list[dict[str, Any]]:
    out = []
    for sid in sorted(plan.schedules):
        e = plan.schedules[sid]
        kind = "CronTriggerTimetable" if len(e.cron) == 1 else "MultipleCronTriggerTimetable"
        out.append(
            {
                "dag_id": prefix + sid,
                "schedule": (kind, e.cron, e.timezone),
                "paused": not e.enabled,
                "max_active_runs": e.max_concurrent_runs,
                "tags": dag_tags(e),
                "pool": pool_prefix + e.tenant,
                **_work(plan, e),
                "description": f"dativo schedule {sid}: " + (f"job {e.job}" if e.kind == "job" else f"DAG {e.dag}"),
            }
        )
    return out


def _work(plan: Plan, e: ScheduleEntry) -> dict[str, Any]:
    """A job schedule's one command, or a DAG schedule's tasks (one `--task` command each) and edges."""
    if e.kind == "job":
        return {"bash_command": bash_command(plan, e)}
    dag = plan.dags[str(e.dag)]
    return {
        "tasks": tuple((t.id, bash_command(plan, e, t.id)) for t in dag.tasks),
        "edges": tuple((up, t.id) for t in dag.tasks for up in t.depends_on),
    }


# ---------------------------------------------------------------- golden artifacts


def test_edge_golden(file_regression) -> None:
    plan = edge_plan()
    assert diagnose(plan) == []
    out = render_plan(TARGET, plan)
    file_regression.check(out[DAG_FILE], basename="edge_dativo_runner_dags", extension=".py")
    file_regression.check(out[POOLS_FILE], basename="edge_pools", extension=".json")


def test_committed_example_output_is_this_render() -> None:
    """examples/generated/ is the examples' golden: reviewed in git, kept fresh by compile --check."""
    plan = examples_plan()
    assert diagnose(plan) == []
    out = render_plan(TARGET, plan)
    assert sorted(out) == [DAG_FILE, POOLS_FILE]
    for path, content in out.items():
        assert (EXAMPLES / "generated" / path).read_text("utf-8") == content, path


# ---------------------------------------------------------------- what the file says equals the plan


@pytest.mark.parametrize("which", ["examples", "edge"])
def test_generated_values_equal_the_plan(which: str) -> None:
    plan = examples_plan() if which == "examples" else edge_plan()
    prefixes = ("dativo.", "dativo_tenant_") if which == "examples" else ("dtv__", "pool-")
    source = render_plan(TARGET, plan)[DAG_FILE]
    assert dag_calls(source) == expected_calls(plan, *prefixes)
    assert compile(source, DAG_FILE, "exec")


def test_disabled_is_paused_multi_cron_uses_multiple_timetable() -> None:
    calls = {c["dag_id"]: c for c in dag_calls(render_plan(TARGET, edge_plan())[DAG_FILE])}
    assert calls["dtv__acme.paused_nightly"]["paused"] is True
    assert calls["dtv__acme.weekdays_and_weekends"]["paused"] is False
    assert calls["dtv__acme.weekdays_and_weekends"]["schedule"] == (
        "MultipleCronTriggerTimetable",
        ["0 9 * * 1-5", "30 17 * * 0,6"],
        "Europe/Berlin",
    )
    assert calls["dtv__acme.weekdays_and_weekends"]["max_active_runs"] == 3
    source = render_plan(TARGET, edge_plan())[DAG_FILE]
    assert "    from airflow.sdk import CronTriggerTimetable, MultipleCronTriggerTimetable\n" in source
    assert "START_DATE = datetime.datetime(2025, 3, 1, tzinfo=datetime.timezone.utc)\n" in source


def test_pools_one_per_tenant_with_its_concurrency() -> None:
    pools = json.loads(render_plan(TARGET, edge_plan())[POOLS_FILE])
    assert {k: v["slots"] for k, v in pools.items()} == {"pool-acme": 2, "pool-beta-co": 1}
    # the format `airflow pools import` reads: name -> {slots, description, include_deferred}
    assert all(set(v) == {"slots", "description", "include_deferred"} for v in pools.values())


def test_retries_stay_with_the_runtime() -> None:
    source = render_plan(TARGET, examples_plan())[DAG_FILE]
    assert "retries=0," in source and "skip_on_exit_code=None," in source


# ---------------------------------------------------------------- hostile input: inert code or a clear error


def test_hostile_schedule_name_is_an_error_and_still_renders_inert() -> None:
    base = examples_plan()
    plan = with_schedules(base, [entry(base, "acme", HOSTILE_NAME, ["0 * * * *"], tags=HOSTILE_TAGS)])
    found = diagnose(plan)
    assert [c for c, _ in found] == [codes.AIRFLOW_BAD_NAME]
    assert "cannot be an Airflow dag_id" in found[0][1]
    source = render_plan(TARGET, plan)[DAG_FILE]
    (call,) = dag_calls(source)
    assert call["dag_id"] == f"dativo.acme.{HOSTILE_NAME}"
    assert call["tags"] == dag_tags(plan.schedules[f"acme.{HOSTILE_NAME}"])


@pytest.mark.parametrize("tenant, name", [("ac me", "ok"), ("acme\n", "ok"), ("acme", "ok\n"), ("acme", "a" * 64)])
def test_names_airflow_cannot_take_are_errors(tenant: str, name: str) -> None:
    base = examples_plan()
    plan = with_schedules(base, [entry(base, tenant, name, ["0 * * * *"])])
    found = {c for c, _ in diagnose(plan)}
    # a tenant that cannot be a dag_id cannot name its pool either (DTV534, its own code since the split)
    assert found == (
        {codes.AIRFLOW_BAD_NAME, codes.AIRFLOW_POOL_NAME} if tenant != "acme" else {codes.AIRFLOW_BAD_NAME}
    )


def test_a_tenant_whose_pool_name_is_too_long_is_its_own_error() -> None:
    base = examples_plan()
    plan = with_schedules(base, [entry(base, "acme", "ok", ["0 * * * *"])])
    plan = plan.model_copy(update={"targets": {"airflow": {"pool_prefix": "p" * 260}}})
    found = diagnose(plan)
    assert [c for c, _ in found] == [codes.AIRFLOW_POOL_NAME], found
    assert found[0][1] == f"tenant 'acme' cannot name an Airflow pool ({'p' * 260 + 'acme'!r})"


def test_tags_are_literals_whatever_they_hold() -> None:
    source = render_plan(TARGET, edge_plan())[DAG_FILE]
    calls = {c["dag_id"]: c for c in dag_calls(source)}
    tags = calls["dtv__beta-co.hostile_tags"]["tags"]
    assert "jinja:{{ run_id }}{% if 1 %}{# c #}" in tags and "newline:line one\nline two\r\n" in tags
    assert "import os" not in source.replace("'); import os; os.system('id') #", "")


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(st.text(min_size=1, max_size=20), st.text(max_size=40), max_size=4),
    st.text(min_size=1, max_size=40).filter(lambda s: "\0" not in s),
)
def test_any_tags_and_paths_stay_literals(tags: dict[str, str], path: str) -> None:
    base = examples_plan()
    plan = with_schedules(
        base,
        [entry(base, "acme", "s", ["0 * * * *"], tags=tags)],
        deployment=base.deployment.model_copy(update={"project_dir": path, "plan_path": path}),
    )
    (call,) = dag_calls(render_plan(TARGET, plan)[DAG_FILE])
    assert call["tags"] == dag_tags(plan.schedules["acme.s"])
    assert call["bash_command"] == bash_command(plan, plan.schedules["acme.s"])
    assert jinja_inert(call["bash_command"])


def test_long_tag_is_an_error() -> None:
    base = examples_plan()
    at_limit = with_schedules(base, [entry(base, "acme", "s", ["0 * * * *"], tags={"team": "x" * 95})])
    assert diagnose(at_limit) == []  # 'team:' + 95 = Airflow's 100
    over = with_schedules(base, [entry(base, "acme", "s", ["0 * * * *"], tags={"team": "x" * 96})])
    found = diagnose(over)
    assert [c for c, _ in found] == [codes.AIRFLOW_TAG_TOO_LONG]
    assert "101 characters" in found[0][1] and "100" in found[0][1]


@pytest.mark.parametrize("cron", [[], ["0 * * * * *"], ["* *"]])
def test_cron_lines_airflow_cannot_run_are_an_error(cron: list[str]) -> None:
    base = examples_plan()
    plan = with_schedules(base, [entry(base, "acme", "s", ["0 * * * *"]).model_copy(update={"cron": cron})])
    assert [c for c, _ in diagnose(plan)] == [codes.AIRFLOW_INEXPRESSIBLE]
    (call,) = dag_calls(render_plan(TARGET, plan)[DAG_FILE])  # still valid, inert Python when rendered anyway
    assert call["schedule"] == (
        "MultipleCronTriggerTimetable" if len(cron) != 1 else "CronTriggerTimetable",
        cron,
        "UTC",
    )


def test_nul_in_a_deployment_path_is_an_error() -> None:
    base = examples_plan()
    plan = base.model_copy(update={"deployment": base.deployment.model_copy(update={"dativo_bin": "dat\0ivo"})})
    assert [c for c, _ in diagnose(plan)] == [codes.AIRFLOW_UNPASSABLE]


@pytest.mark.parametrize(
    "raw, where",
    [
        ({"dag_id_prefx": "x"}, "dag_id_prefx"),
        ({"start_date": "2024-1-1"}, "start_date"),
        ({"start_date": 20240101}, "start_date"),
        ({"dag_id_prefix": "a b"}, "dag_id_prefix"),
        ({"pool_prefix": "p'"}, "pool_prefix"),
        ({"pool_prefix": "p\n"}, "pool_prefix"),
    ],
)
def test_bad_settings_are_errors(raw: dict, where: str) -> None:
    plan = examples_plan().model_copy(update={"targets": {"airflow": raw}})
    found = diagnose(plan)
    assert [c for c, _ in found] == [codes.AIRFLOW_SETTINGS]
    assert f"'{where}'" in found[0][1]


# ---------------------------------------------------------------- the command line: bash and Jinja

AIRFLOW_LIKE_JINJA = jinja2.Environment(undefined=jinja2.StrictUndefined)


@settings(max_examples=80, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), max_size=30))
def test_bash_word_round_trips_through_jinja_and_bash(word: str) -> None:
    quoted = bash_word(word)
    assert jinja_inert(quoted)
    assert AIRFLOW_LIKE_JINJA.from_string(quoted).render() == quoted
    got = subprocess.run(["bash", "-c", f"printf '%s' {quoted}"], capture_output=True, check=True).stdout
    assert got.decode("utf-8", "surrogateescape") == word


@pytest.mark.parametrize(
    "word, quoted",
    [
        ("plain/path-1.json", "plain/path-1.json"),
        ("0\n", r"'0'$'\x0a'''"),
        ("it's", r"'it'\''s'"),
        ("{{ x }}", "'{''{'' x }}'"),
        ("", "''"),
    ],
)
def test_bash_word_examples(word: str, quoted: str) -> None:
    assert bash_word(word) == quoted


def test_bash_word_rejects_nul() -> None:
    with pytest.raises(ValueError):
        bash_word("a\0b")


FAKE_DATIVO = """#!{python}
import json, os, sys
print(json.dumps({{"argv": sys.argv[1:], "cwd": os.getcwd()}}))
"""


def hostile_runnable_plan(tmp: Path) -> Plan:
    """A plan whose deployment paths exist, each holding quotes, Jinja, `$(...)` and a newline."""
    project = tmp / "it's {{ here }} $(touch PWNED)\nx"
    bindir = tmp / "bin {% raw %} `id` {#"
    project.mkdir()
    bindir.mkdir()
    exe = bindir / "dativo"
    exe.write_text(FAKE_DATIVO.format(python=sys.executable))
    exe.chmod(0o755)
    base = examples_plan()
    deployment = base.deployment.model_copy(
        update={"project_dir": str(project), "dativo_bin": str(exe), "plan_path": str(project / "plan {{ 1 }}.json")}
    )
    return with_schedules(base, [entry(base, "acme", "s", ["0 * * * *"])], deployment=deployment)


def run_rendered(command: str, env: dict[str, str], run_id: str, cwd: Path) -> dict:
    """What Airflow does: render the templated fields with Jinja, then `bash -c` with the env."""
    rendered = AIRFLOW_LIKE_JINJA.from_string(command).render(run_id=run_id)
    rendered_env = {k: AIRFLOW_LIKE_JINJA.from_string(v).render(run_id=run_id) for k, v in env.items()}
    p = subprocess.run(
        ["bash", "-c", rendered],
        env={**os.environ, **rendered_env},
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(p.stdout)


@pytest.mark.parametrize(
    "run_id",
    [
        "scheduled__2026-06-01T00:00:00+00:00",
        "manual__'$(touch PWNED)'\"`id`\"{{ 7 * 7 }}; exit 3",
    ],
)
def test_command_runs_dativo_with_exact_argv(tmp_path: Path, run_id: str) -> None:
    plan = hostile_runnable_plan(tmp_path)
    e = plan.schedules["acme.s"]
    (call,) = dag_calls(render_plan(TARGET, plan)[DAG_FILE])
    got = run_rendered(call["bash_command"], {"DATIVO_RUN_ID": "{{ run_id }}"}, run_id, tmp_path)
    assert got == {"argv": run_argv(plan, e, run_id)[1:], "cwd": plan.deployment.project_dir}
    assert not list(tmp_path.rglob("PWNED"))


# ---------------------------------------------------------------- determinism and cost


def test_render_is_deterministic_across_hash_seeds() -> None:
    code = (
        "import sys, hashlib; sys.path.insert(0, 'tests/targets'); import test_airflow as t; "
        "out = t.render_plan(t.TARGET, t.edge_plan()); "
        "print(hashlib.sha256(repr(sorted(out.items())).encode()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("0", "1", "12345")
    }
    assert len(digests) == 1


def test_importing_the_target_does_not_import_jinja() -> None:
    code = "import sys, dativo.targets.airflow; print('jinja2' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
    assert airflow_pkg.TARGET.name == "airflow"


# ---------------------------------------------------------------- through the CLI, with positions


def test_cli_reports_airflow_problems_at_their_lines(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(EXAMPLES, project, ignore=shutil.ignore_patterns("generated"))
    settings = project / "dativo.yaml"
    settings.write_text(settings.read_text() + '\ntargets:\n  airflow:\n    start_date: "2024-1-1"\n')
    run = dativo("compile", str(project), "--target", "airflow", "--out", str(tmp_path / "out"))
    assert run.code == 1
    line = len(settings.read_text().splitlines())
    # the compiler validates targets.airflow once, with the target's Settings and code (DTV517), at the value
    assert f"dativo.yaml:{line}:17: error DTV517: 'start_date': must be a date written YYYY-MM-DD" in run.out

    settings.write_text(settings.read_text().replace("2024-1-1", "2024-01-02"))
    runner = project / "configs" / "runner.yaml"
    runner.write_text(
        runner.read_text().replace("team: revops-data", "team: revops-data\n          note: " + "x" * 120)
    )
    run = dativo("compile", str(project), "--target", "airflow", "--out", str(tmp_path / "out"))
    assert run.code == 1
    lines = runner.read_text().splitlines()
    start = next(i for i, text in enumerate(lines) if "hubspot_contacts_every_6h" in text)
    tags = next(i for i in range(start, len(lines)) if lines[i].strip() == "tags:") + 1
    assert (
        f"configs/runner.yaml:{tags + 1}:11: error DTV516: schedule 'acme.hubspot_contacts_every_6h': tag 'note:"
        in run.out
    )  # the schedule's tags mapping

    runner.write_text(runner.read_text().replace("x" * 120, "short"))
    run = dativo("compile", str(project), "--target", "airflow", "--out", str(tmp_path / "out"))
    assert run.code == 0, run.out
    source = (tmp_path / "out" / DAG_FILE).read_text()
    assert "START_DATE = datetime.datetime(2024, 1, 2, tzinfo=datetime.timezone.utc)" in source
