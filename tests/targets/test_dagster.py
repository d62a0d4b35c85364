"""The Dagster target: golden artifacts, settings, diagnostics, and that no user string is ever code.

The generated definitions.py is read back structurally (its AST: a literal data table and a code
part identical for every plan); tests/targets/test_dagster_real.py loads the same artifacts into a
real Dagster.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: helpers

from helpers import EXAMPLES, REPO, dativo
from target_plans import EDGE_DAG, HOSTILE_NAME, check_into, edge_dags, entry, examples_plan, render_plan

from dativo.compiler import codes
from dativo.compiler.diagnostics import Diagnostics
from dativo.runtime.plan import DagEntry, DagTaskEntry, Plan, ScheduleEntry, TenantEntry
from dativo.targets.dagster import TARGET
from dativo.targets.dagster.check import cron_problem
from dativo.targets.dagster.render import DEFINITIONS, INSTANCE, py_literal

HOSTILE_TAGS = {
    "quote": "it's \"quoted\" '''",
    "newline": "line one\nline two\r\n",
    "jinja": "{{ run_id }}{% if 1 %}{# c #}",
    "unicode": "naïve ☃ \u2028 \x00",
    "python": "'); import os; os.system('id') #",
    "shell": "$(id) `id` ; rm -rf /",
}


# ---------------------------------------------------------------- plans


def with_schedules(
    base: Plan, entries: list[ScheduleEntry], *, concurrency: dict[str, int] | None = None, **update: Any
) -> Plan:
    conc = concurrency or {}
    tenants = sorted({e.tenant for e in entries})
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
    """Disabled, several cron lines, non-UTC zones, hostile tag values and paths, tenants of unequal concurrency."""
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
            base,
            "beta-co",
            "every_90_minutes",
            ["0 */3 * * *", "30 1-22/3 * * *"],
            timezone="America/New_York",
            interval_seconds=5400,
        ),
        entry(
            base,
            "beta-co",
            "hostile-tags",
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
        targets={"dagster": {"max_concurrent_runs": 25, "dequeue_interval_seconds": 5}},
    )


def hostile_plan() -> Plan:
    """A plan the compiler would refuse (DTV501): hostile schedule name and tenant id."""
    base = edge_plan()
    bad = entry(base, "acme", HOSTILE_NAME, ["0 1 * * *"], tags=HOSTILE_TAGS)
    evil_tenant = entry(base, "t'+__import__('os').getcwd()+'", "ok", ["0 2 * * *"])
    return with_schedules(
        base, [*base.schedules.values(), bad, evil_tenant], deployment=base.deployment, targets=base.targets
    )


def diagnose(plan: Plan) -> list[tuple[str, str, str]]:
    diags = Diagnostics()
    check_into(TARGET, plan, diags)
    return [(d.code, d.severity.value, d.message) for d in diags]


# ---------------------------------------------------------------- reading the generated file back


def split_definitions(source: str) -> tuple[str, list[dict[str, Any]], str]:
    """(PROJECT_DIR, SCHEDULES, dump of the code part) of a generated definitions.py.

    Fails unless the module is: docstring, imports, then `PROJECT_DIR = <literal>` and
    `SCHEDULES: ... = <literal>`, then code. The code part is returned as an AST dump so tests
    can require it to be the same for every plan: no plan value can have become code.
    """
    compile(source, "definitions.py", "exec")
    tree = ast.parse(source)
    body = list(tree.body)
    assert isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
    i = 1
    while isinstance(body[i], (ast.Import, ast.ImportFrom)):
        i += 1
    project, table = body[i], body[i + 1]
    assert isinstance(project, ast.Assign) and [t.id for t in project.targets] == ["PROJECT_DIR"]  # type: ignore[attr-defined]
    assert isinstance(table, ast.AnnAssign) and table.target.id == "SCHEDULES"  # type: ignore[attr-defined]
    assert table.value is not None
    code = ast.dump(ast.Module(body=body[:i] + body[i + 2 :], type_ignores=[]))
    return ast.literal_eval(project.value), list(ast.literal_eval(table.value)), code


def read_instance(text: str) -> dict[str, Any]:
    return yaml.safe_load(text)


@pytest.fixture(scope="module")
def examples() -> Plan:
    return examples_plan()


@pytest.fixture(scope="module")
def examples_code(examples: Plan) -> str:
    return split_definitions(render_plan(TARGET, examples)[DEFINITIONS])[2]


# ---------------------------------------------------------------- golden artifacts


def test_edge_golden(file_regression) -> None:
    out = render_plan(TARGET, edge_plan())
    file_regression.check(out[DEFINITIONS], basename="edge_definitions", extension=".py")
    file_regression.check(out[INSTANCE], basename="edge_dagster", extension=".yaml")


def test_committed_example_output_is_what_the_target_renders(examples: Plan) -> None:
    """examples/generated/ is the examples' golden: reviewed in git, kept fresh by compile --check."""
    out = render_plan(TARGET, examples)
    assert sorted(out) == [INSTANCE, DEFINITIONS]
    for path, content in out.items():
        assert (EXAMPLES / "generated" / path).read_text("utf-8") == content, path


# ---------------------------------------------------------------- what the artifacts say


def test_every_schedule_becomes_one_entry_with_the_plan_values(examples: Plan, examples_code: str) -> None:
    project, table, code = split_definitions(render_plan(TARGET, examples)[DEFINITIONS])
    assert code == examples_code
    assert project == examples.deployment.project_dir
    assert [s["id"] for s in table] == sorted(examples.schedules)
    for s in table:
        e = examples.schedules[s["id"]]
        assert s["cron"] == tuple(e.cron) and s["timezone"] == e.timezone and s["running"] is e.enabled
        assert s["tags"] == {**e.tags, "dativo/tenant": e.tenant, "dativo/schedule": e.id, "dagster/max_retries": "0"}
        assert s["argv"] == (
            examples.deployment.dativo_bin,
            "run",
            "--plan",
            examples.deployment.plan_path,
            "--job",
            e.id,
            "--resume-policy",
            "resume",
            "--run-id",
            None,
            "--partial",
            "fail",
        )
        assert s["metadata"]["tenant_id"] == e.tenant and s["metadata"]["job_name"] == e.name
        assert s["asset_key"] == (e.tenant, e.name)
        assert s["pool"] == f"dativo_tenant_{e.tenant}" and s["partial"] == e.partial
        if e.kind == "dag":  # one asset per task, after its upstream tasks' assets
            dag = examples.dags[str(e.dag)]
            assert [(t["id"], t["asset_key"], t["deps"], t["argv"][-2:]) for t in s["tasks"]] == [
                (t.id, (e.tenant, e.name, t.id), tuple((e.tenant, e.name, d) for d in t.depends_on), ("--task", t.id))
                for t in dag.tasks
            ]
        else:
            assert s["tasks"] == ()
    disabled = [s["id"] for s in table if not s["running"]]
    assert disabled == ["globex.globex_stripe_customers_nightly"]
    by_id = {s["id"]: s for s in table}
    assert by_id["acme.orders_csv_morning"]["metadata"]["connector_type"] == "csv"
    assert by_id["acme.acme_daily_batch"]["metadata"]["connector_type"] == "hubspot, stripe"


def test_instance_limits_one_tenant_rule_when_tenants_agree(examples: Plan) -> None:
    inst = read_instance(render_plan(TARGET, examples)[INSTANCE])
    rc = inst["run_coordinator"]
    assert (rc["module"], rc["class"]) == ("dagster.core.run_coordinator", "QueuedRunCoordinator")
    assert inst["run_retries"] == {"enabled": False}
    runs = inst["concurrency"]["runs"]
    limits = runs["tag_concurrency_limits"]
    assert limits[0] == {"key": "dativo/tenant", "limit": 1, "value": {"applyLimitPerUniqueValue": True}}
    assert {(x["value"], x["limit"]) for x in limits[1:] if x["key"] == "dativo/schedule"} == {
        (e.id, e.max_concurrent_runs) for e in examples.schedules.values()
    }
    assert runs["max_concurrent_runs"] == -1 and "config" not in rc
    assert inst["concurrency"]["pools"] == {"default_limit": 1}  # every asset's tenant pool


def test_instance_limits_each_tenant_when_they_differ() -> None:
    plan = edge_plan()
    inst = read_instance(render_plan(TARGET, plan)[INSTANCE])
    runs = inst["concurrency"]["runs"]
    tenant_limits = [x for x in runs["tag_concurrency_limits"] if x["key"] == "dativo/tenant"]
    assert tenant_limits == [
        {"key": "dativo/tenant", "value": "acme", "limit": 2},
        {"key": "dativo/tenant", "value": "beta-co", "limit": 1},
    ]
    assert (runs["max_concurrent_runs"], inst["run_coordinator"]["config"]["dequeue_interval_seconds"]) == (25, 5)
    assert inst["concurrency"]["pools"] == {"default_limit": 1}  # the smallest tenant concurrency


def test_several_cron_lines_and_zones_are_kept(examples_code: str) -> None:
    plan = edge_plan()
    _, table, code = split_definitions(render_plan(TARGET, plan)[DEFINITIONS])
    assert code == examples_code
    by_id = {s["id"]: s for s in table}
    assert by_id["beta-co.every_90_minutes"]["cron"] == ("0 */3 * * *", "30 1-22/3 * * *")
    assert by_id["beta-co.every_90_minutes"]["timezone"] == "America/New_York"
    assert by_id["beta-co.every_90_minutes"]["job"] == "beta_co__every_90_minutes_job"
    assert by_id["acme.paused_nightly"]["running"] is False
    assert diagnose(plan) == []


# ---------------------------------------------------------------- safety


def test_hostile_values_stay_data(examples_code: str) -> None:
    plan = edge_plan()
    source = render_plan(TARGET, plan)[DEFINITIONS]
    project, table, code = split_definitions(source)
    assert code == examples_code
    assert project == plan.deployment.project_dir
    hostile = {s["id"]: s for s in table}["beta-co.hostile-tags"]
    assert {k: hostile["tags"][k] for k in HOSTILE_TAGS} == HOSTILE_TAGS
    assert hostile["argv"][3] == plan.deployment.plan_path and hostile["argv"][0] == plan.deployment.dativo_bin
    assert hostile["metadata"]["config"] == "dags/it's {{ x }}.yaml"


def test_hostile_names_are_refused_and_still_inert(examples_code: str) -> None:
    plan = hostile_plan()
    found = diagnose(plan)
    assert [c for c, _, _ in found] == [codes.UNSAFE_NAME, codes.UNSAFE_NAME]
    assert any(HOSTILE_NAME in msg for _, _, msg in found)
    out = render_plan(TARGET, plan)
    project, table, code = split_definitions(out[DEFINITIONS])
    assert code == examples_code
    limits = read_instance(out[INSTANCE])["concurrency"]["runs"]["tag_concurrency_limits"]
    assert f"acme.{HOSTILE_NAME}" in [x["value"] for x in limits]
    names = {s["metadata"]["job_name"] for s in table}
    assert HOSTILE_NAME in names
    # the Dagster names are vetted identifiers whatever the input
    for s in table:
        assert all(ch.isalnum() or ch == "_" for ch in s["job"] + s["schedule"]), s["job"]


def test_hostile_schedule_name_through_the_cli_is_dtv501(tmp_path: Path) -> None:
    project = _project_copy(tmp_path)
    runner = project / "configs" / "runner.yaml"
    runner.write_text(runner.read_text().replace("name: orders_csv_morning", f'name: "{HOSTILE_NAME}"'))
    r = dativo("compile", ".", "--target", "dagster", cwd=project)
    assert r.code == 1 and "DTV501" in r.out, r.out


@settings(max_examples=60, deadline=None)
@given(tag=st.text(), path=st.text(min_size=1), key=st.from_regex(r"[A-Za-z0-9_.-]{1,20}", fullmatch=True))
def test_any_text_round_trips_as_a_literal(tag: str, path: str, key: str) -> None:
    base = _EDGE
    e = base.schedules["acme.paused_nightly"].model_copy(update={"tags": {key: tag}, "dag": path, "kind": "dag"})
    plan = base.model_copy(
        update={
            "schedules": {**base.schedules, e.id: e},
            "deployment": base.deployment.model_copy(update={"project_dir": path, "plan_path": tag + path}),
        }
    )
    project, table, code = split_definitions(render_plan(TARGET, plan)[DEFINITIONS])
    assert code == _EDGE_CODE
    assert project == path
    got = {s["id"]: s for s in table}[e.id]
    assert got["tags"][key] == tag and got["argv"][3] == tag + path and got["metadata"]["config"] == path
    inst = read_instance(render_plan(TARGET, plan)[INSTANCE])
    assert inst["run_retries"] == {"enabled": False}


_EDGE = edge_plan()
_EDGE_CODE = split_definitions(render_plan(TARGET, _EDGE)[DEFINITIONS])[2]


def test_py_literal_refuses_objects_with_their_own_repr() -> None:
    class Sneaky(str):
        def __repr__(self) -> str:
            return "__import__('os')"

    assert py_literal(("a", {"b": None, "c": (1, True)})) == "('a', {'b': None, 'c': (1, True)})"
    with pytest.raises(TypeError):
        py_literal(Sneaky("x"))
    with pytest.raises(TypeError):
        py_literal({"k": [1]})
    with pytest.raises(TypeError):
        py_literal(float("inf"))  # repr() gives 'inf', a name, not a literal


def test_render_is_deterministic_across_hash_seeds(tmp_path: Path) -> None:
    script = (
        "import sys; from dativo.targets.dagster import TARGET; from dativo.compiler.pipeline import compile_project\n"
        "from pathlib import Path\n"
        f"plan = compile_project(Path({str(EXAMPLES)!r}), emit=False).plan\n"
        "from dativo.targets.dagster.settings import Settings\n"
        "out = TARGET.render(plan, Settings()); sys.stdout.write(out['dagster/definitions.py'] + out['dagster/dagster.yaml'])\n"
    )
    outs = {
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("0", "1", "12345")
    }
    assert len(outs) == 1


# ---------------------------------------------------------------- diagnostics


def test_settings_are_validated() -> None:
    base = examples_plan()
    bad = base.model_copy(update={"targets": {"dagster": {"max_concurrent_runs": "ten", "max_concurent_runs": 3}}})
    found = diagnose(bad)
    assert {c for c, _, _ in found} == {codes.DAGSTER_SETTINGS}
    assert any("unknown key 'max_concurent_runs' in project file at targets.dagster" in m for _, _, m in found)
    assert any("'max_concurrent_runs' must be an integer" in m for _, _, m in found), found
    low = base.model_copy(update={"targets": {"dagster": {"max_concurrent_runs": -2}}})
    assert [c for c, _, _ in diagnose(low)] == [codes.DAGSTER_SETTINGS]


@pytest.mark.parametrize(
    ("line", "ok"),
    [
        ("0 * * * *", True),
        ("*/15 * * * *", True),
        ("0 9 * * MON-FRI", True),
        ("0 0 29 2 *", True),
        ("30 1-22/3 * * *", True),
        ("0 12 1,15 * 1", True),
        ("*/90 * * * *", False),
        ("5/70 * * * *", False),
        ("0 0-10/20 * * *", False),
        ("0 0 30 2 *", False),
        ("0 0 * * * *", False),
        ("61 * * * *", False),
    ],
)
def test_cron_lines_dagster_cannot_run_exactly(line: str, ok: bool) -> None:
    assert (cron_problem(line) is None) is ok, cron_problem(line)


def test_cron_zone_and_missing_line_problems_each_have_a_code() -> None:
    """A cron line Dagster reads otherwise (DTV511), a zone it cannot load (DTV531), no line (DTV532)."""
    base = examples_plan()
    plan = with_schedules(
        base,
        [
            entry(base, "acme", "odd", ["*/90 * * * *"]),
            entry(base, "acme", "nowhere", ["0 1 * * *"], timezone="Mars/Olympus"),
            entry(base, "acme", "empty", []),
        ],
    )
    found = diagnose(plan)
    assert sorted(c for c, _, _ in found) == [codes.DAGSTER_CRON, codes.DAGSTER_TIMEZONE, codes.NO_CRON_LINE]
    messages = {c: m for c, _, m in found}
    assert "'*/90 * * * *'" in messages[codes.DAGSTER_CRON] and "acme.odd" in messages[codes.DAGSTER_CRON]
    assert messages[codes.DAGSTER_TIMEZONE] == "Dagster cannot load time zone 'Mars/Olympus' of schedule acme.nowhere"
    assert messages[codes.NO_CRON_LINE] == "schedule 'acme.empty' has no cron line; Dagster needs at least one"


def test_names_that_collide_in_dagster_are_dtv512() -> None:
    base = examples_plan()
    plan = with_schedules(base, [entry(base, "acme", "a-b", ["0 1 * * *"]), entry(base, "acme", "a_b", ["0 2 * * *"])])
    found = diagnose(plan)
    assert {c for c, _, _ in found} == {codes.DAGSTER_NAME_CLASH}
    assert "schedules acme.a-b and acme.a_b both become Dagster definition 'acme__a_b'" in found[0][2]


def test_dag_tasks_that_collide_in_dagster_are_dtv560() -> None:
    base = examples_plan()
    job = sorted(base.jobs)[0]
    dag = DagEntry(name="d", tenant="acme", tasks=[DagTaskEntry(id="a-b", job=job), DagTaskEntry(id="a_b", job=job)])
    sched = entry(base, "acme", "daily", ["0 1 * * *"], kind="dag", job=None, dag="dags/d.yaml")
    found = diagnose(with_schedules(base, [sched], dags={"dags/d.yaml": dag}))
    assert {c for c, _, _ in found} == {codes.DAGSTER_TASK_NAME_CLASH}
    assert "task 'a_b' of schedule acme.daily becomes Dagster op 'acme__daily__a_b'" in found[0][2]


def test_reserved_and_invalid_tag_keys() -> None:
    base = examples_plan()
    plan = with_schedules(
        base,
        [
            entry(
                base,
                "acme",
                "t",
                ["0 1 * * *"],
                tags={"dagster/priority": "1", "dativo/tenant": "globex", "cost center": "x", "ok.key/sub-key": "y"},
            )
        ],
    )
    found = diagnose(plan)
    assert sorted((c, sev) for c, sev, _ in found) == [
        (codes.DAGSTER_RESERVED_TAG, "error"),
        (codes.DAGSTER_RESERVED_TAG, "error"),
        (codes.DAGSTER_TAG_KEY, "warning"),
    ]


def _project_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "proj"
    shutil.copytree(EXAMPLES, dst, ignore=shutil.ignore_patterns("generated"))
    return dst


def _position(text: str, needle: str) -> str:
    for n, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return f"{n}:{line.index(needle) + 1}"
    raise AssertionError(needle)


def test_compile_reports_a_cron_dagster_cannot_run_at_its_line(tmp_path: Path) -> None:
    project = _project_copy(tmp_path)
    runner = project / "configs" / "runner.yaml"
    runner.write_text(runner.read_text().replace('cron: "30 6 * * *"', 'cron: "*/90 6 * * *"'))
    r = dativo("compile", ".", "--target", "dagster", cwd=project)
    assert r.code == 1, r.out
    where = _position(runner.read_text(), '"*/90 6 * * *"')
    assert (
        f"configs/runner.yaml:{where}: error DTV511: Dagster cannot run cron '*/90 6 * * *' of schedule "
        "acme.orders_csv_morning exactly: step 90 in '*/90' exceeds the field's range"
    ) in r.out
    assert not (project / "generated" / "dagster").exists()


def test_compile_points_at_tags_and_settings(tmp_path: Path) -> None:
    project = _project_copy(tmp_path)
    settings_file = project / "dativo.yaml"
    settings_file.write_text(settings_file.read_text() + "targets:\n  dagster:\n    max_concurrent_runs: -7\n")
    r = dativo("compile", ".", "--target", "dagster", cwd=project)
    assert r.code == 1, r.out
    setting_at = _position(settings_file.read_text(), "-7")
    # the compiler validates targets.dagster once, with the target's Settings and code (DTV510), at the value
    assert f"dativo.yaml:{setting_at}: error DTV510: 'max_concurrent_runs': Input should be greater" in r.out, r.out

    settings_file.write_text(settings_file.read_text().replace("-7", "4"))
    runner = project / "configs" / "runner.yaml"
    runner.write_text(runner.read_text().replace("team: revops-data", "dagster/priority: '5'"))
    r = dativo("compile", ".", "--target", "dagster", cwd=project)
    assert r.code == 1, r.out
    tag_at = _position(runner.read_text(), "'5'")  # the span of a mapping entry is its value
    assert (
        f"configs/runner.yaml:{tag_at}: error DTV513: tag 'dagster/priority' of schedule acme.hubspot_contacts_every_6h"
        in r.out
    )


def test_target_is_registered_and_cheap_to_import() -> None:
    from dativo.targets import REGISTRY, select

    assert REGISTRY["dagster"] == "dativo.targets.dagster"
    assert [t.name for t in select(["dagster"])] == ["dagster"]
    probe = "import sys, dativo.compiler.cli; print('dativo.targets.dagster' in sys.modules, 'jinja2' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO).stdout
    assert out.split() == ["False", "False"]


def test_nul_in_a_deployment_path_is_dtv530() -> None:
    base = examples_plan()
    plan = base.model_copy(update={"deployment": base.deployment.model_copy(update={"plan_path": "/app/p\x00.json"})})
    found = diagnose(plan)
    assert [c for c, _, _ in found] == [codes.DAGSTER_UNPASSABLE] and "deploy.plan_path" in found[0][2]


_FIELD_TOKEN = st.one_of(
    st.just("*"), st.integers(0, 70).map(str), st.sampled_from(["MON", "JAN", "SUN", "FOO", "DEC"])
)
_FIELD = st.builds(
    lambda a, b, step: a + (f"-{b}" if b else "") + (f"/{step}" if step else ""),
    _FIELD_TOKEN,
    st.one_of(st.none(), _FIELD_TOKEN),
    st.one_of(st.none(), st.integers(0, 99)),
)


@settings(max_examples=300, deadline=None)
@given(fields=st.lists(st.lists(_FIELD, min_size=1, max_size=2).map(",".join), min_size=5, max_size=5))
def test_dagster_cron_validity_is_croniters(fields: list[str]) -> None:
    """Dagster validates with croniter; the check reads validity from the one cron type (runtime/cron.py)."""
    from croniter import croniter

    from dativo.targets.dagster.check import cron_problem

    line = " ".join(fields)
    try:
        croniter.expand(line)
        valid = True
    except Exception:
        valid = False
    assert (cron_problem(line) != "Dagster accepts only valid five-field cron lines") == valid, line


def test_a_trailing_newline_does_not_pass_a_name_or_tag_rule() -> None:
    base = examples_plan()
    plan = with_schedules(base, [entry(base, "acme", "nightly\n", ["0 1 * * *"], tags={"team\n": "x"})])
    found = diagnose(plan)
    assert sorted(c for c, _, _ in found) == [codes.UNSAFE_NAME, codes.DAGSTER_TAG_KEY]


@settings(max_examples=200, deadline=None)
@given(text=st.text())
def test_yaml_scalars_read_back_exactly(text: str) -> None:
    from dativo.targets.dagster.render import yaml_scalar

    assert yaml.safe_load(f"k: {yaml_scalar(text)}\n") == {"k": text}
    assert yaml.safe_load(f"k: {yaml_scalar(-1)}\n") == {"k": -1}
