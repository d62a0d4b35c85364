"""The target seam (targets/base.py, compiler/emit.py): targets get the plan and their typed settings, report
findings at logical locations that the compiler positions, import only the plan contract and the
diagnostics API, and render every plan that passed their check without raising."""

from __future__ import annotations

import ast
import shutil
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: helpers

from helpers import EXAMPLES, REPO
from target_plans import check_into, examples_plan, render_plan

from dativo.compiler import codes
from dativo.compiler.diagnostics import Diagnostics
from dativo.compiler.pipeline import compile_project
from dativo.runtime.plan import Plan, TenantEntry
from dativo.targets import names, select
from dativo.targets.base import Target

#: what a target may import from dativo outside its own package: the plan contract and the diagnostics API
# as pyproject.toml's import-linter contract (runtime.cron, the one cron type, joined with the cron merge)
TARGET_MAY_IMPORT = {
    "dativo.runtime.plan",
    "dativo.runtime.cron",
    "dativo.compiler.codes",
    "dativo.compiler.diagnostics",
}


def _imports(folder: str) -> list[tuple[str, str]]:
    """(file, module) for every absolute `dativo.*` import and every import of `contextvars` under `folder`."""
    out = []
    for path in sorted((REPO / folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            mods = []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                # `from dativo.compiler import codes` imports dativo.compiler.codes
                package = node.module in ("dativo.compiler", "dativo.runtime")
                mods = [f"{node.module}.{a.name}" if package else node.module for a in node.names]
            elif isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            out += [(str(path.relative_to(REPO)), m) for m in mods if m.startswith("dativo.") or m == "contextvars"]
    return out


def test_targets_import_only_the_plan_contract_and_the_diagnostics_api() -> None:
    wrong = [
        (f, m) for f, m in _imports("targets") if not m.startswith("dativo.targets") and m not in TARGET_MAY_IMPORT
    ]
    assert wrong == []


def test_no_contextvar_carries_positions_to_targets() -> None:
    """Positions come from compiler/emit.py's Locator, passed by value; nothing ambient."""
    assert [(f, m) for f, m in _imports("targets") + _imports("compiler") if m == "contextvars"] == []


def test_runtime_never_imports_the_compiler_or_the_targets() -> None:
    assert [(f, m) for f, m in _imports("runtime") if m.startswith(("dativo.compiler", "dativo.targets"))] == []


def _runtime_module_imports(module: str) -> tuple[set[str | None], set[str | None]]:
    tree = ast.parse((REPO / "runtime" / f"{module}.py").read_text("utf-8"))
    local = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level == 1}
    absolute = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level == 0}
    return local, absolute


def test_the_plan_contract_is_a_leaf() -> None:
    local, absolute = _runtime_module_imports("plan")
    assert local == {"spec", "jsonpath"} and not any(m and m.startswith("dativo") for m in absolute)
    local, absolute = _runtime_module_imports("jsonpath")  # the one spelling of a JSON path, shared with the compiler
    assert not local and not any(m and m.startswith("dativo") for m in absolute)


# ------------------------------------------------------------------ settings: validated once, positioned

BAD_SETTINGS = {  # one value each target's model refuses, and the code it is reported with
    "airflow": ("start_date: '2024-1-1'", codes.AIRFLOW_SETTINGS),
    "dagster": ("max_concurrent_runs: -7", codes.DAGSTER_SETTINGS),
    "kubernetes": ("starting_deadline_seconds: 3", codes.K8S_SETTINGS),
    "systemd": ("persistant: true", codes.SYSTEMD_SETTINGS),
}


def test_settings_errors_have_the_targets_code_at_the_value(tmp_path: Path) -> None:
    """Once, when dativo.yaml is loaded (whichever targets are compiled), at the line of the value."""
    project = tmp_path / "p"
    shutil.copytree(EXAMPLES, project, ignore=shutil.ignore_patterns("generated"))
    dy = project / "dativo.yaml"
    text = dy.read_text("utf-8") + "targets:\n" + "".join(f"  {t}:\n    {v}\n" for t, (v, _) in BAD_SETTINGS.items())
    dy.write_text(text, "utf-8")
    lines = text.splitlines()
    res = compile_project(project, targets=["systemd"])
    found = sorted((d.code, Path(d.span.file).name, d.span.line) for d in res.diags.errors)
    assert found == sorted(
        (code, "dativo.yaml", lines.index(f"    {value}") + 1) for value, code in BAD_SETTINGS.values()
    ), found
    assert res.plan is None and res.artifacts == {}


# ------------------------------------------------------------------ rendering a checked plan never raises

_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=24)
_SAFE = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9_-]{0,20}\Z")


def _mostly(clean: st.SearchStrategy, hostile: st.SearchStrategy) -> st.SearchStrategy:
    """Clean values seven times in eight, so that many plans pass check and reach render."""
    return st.integers(0, 7).flatmap(lambda i: hostile if i == 0 else clean)


_NAMES = _mostly(_SAFE, st.one_of(_TEXT, st.just("x" * 80), st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9_-]{40,62}\Z")))
_CRON = _mostly(
    st.sampled_from(["0 * * * *", "*/5 * * * *", "0 9 * * 1-5", "0 2 * * *", "30 1-22/3 * * *", "0 0 1,15 * MON"]),
    st.sampled_from(["0 0 1 * 1", "0 0 30 2 *", "0 */90 * * *", "0 0 * * 7", "0 0 L * *", "60 * * * *", "@daily", ""]),
)
_ZONE = _mostly(
    st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"]), st.sampled_from(["Mars/Olympus", ""])
)
_PATH = _mostly(
    st.sampled_from(["/app", "/srv/my project", "/opt/dativo", "/srv/it's {{ x }}"]),
    st.one_of(st.sampled_from(["relative/dir", "/a\0b", "/x\nY", "dativo", "-x", ""]), _TEXT),
)
_TAGS = st.dictionaries(_mostly(_SAFE, _TEXT), _TEXT, max_size=3)
_SETTINGS = st.fixed_dictionaries(
    {},
    optional={
        "airflow": st.sampled_from([{}, {"dag_id_prefix": "dtv__", "pool_prefix": "p-"}, {"dag_id_prefix": ""}]),
        "dagster": st.sampled_from([{}, {"max_concurrent_runs": 0}, {"dequeue_interval_seconds": 5}]),
        "kubernetes": st.sampled_from(
            [{}, {"namespace": "shared"}, {"state_volume_claim": None, "env_from_secrets": []}, {"image": "a b"}]
        ),
        "systemd": st.sampled_from([{}, {"user": "svc", "environment_file": "/etc/dativo.env"}, {"persistent": False}]),
    },
)


_SCHEDULE = st.fixed_dictionaries(
    {
        "tenant": _NAMES,
        "name": _NAMES,
        "cron": _mostly(st.lists(_CRON, min_size=1, max_size=3), st.just([])),
        "timezone": _ZONE,
        "enabled": st.booleans(),
        "max_concurrent_runs": st.integers(1, 4),
        "interval_seconds": st.none() | st.integers(60, 86400),
        "tags": _TAGS,
    }
)
#: what varies (kept small: hypothesis prints it for a failing case); `plan_of` builds the plan
VARIATIONS = st.fixed_dictionaries(
    {
        "schedules": st.lists(_SCHEDULE, min_size=1, max_size=3),
        "concurrency": st.integers(1, 3),
        "deployment": st.fixed_dictionaries(
            {k: _PATH for k in ("project_dir", "dativo_bin", "plan_path", "state_dir", "worker_state_dir")}
        ),
        "targets": _SETTINGS,
    }
)


def plan_of(v: dict) -> Plan:
    base = examples_plan()
    template = next(iter(base.schedules.values()))
    entries = {}
    for s in v["schedules"]:
        entry = template.model_copy(update={**s, "id": f"{s['tenant']}.{s['name']}"})
        entries[entry.id] = entry
    tenants = {
        t: TenantEntry(concurrency=v["concurrency"], schedules=sorted(i for i, e in entries.items() if e.tenant == t))
        for t in sorted({e.tenant for e in entries.values()})
    }
    return base.model_copy(
        update={
            "schedules": entries,
            "tenants": tenants,
            "deployment": base.deployment.model_copy(update=v["deployment"]),
            "targets": v["targets"],
        }
    )


@pytest.mark.parametrize("target", [t for t in select(None)], ids=names())
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(variations=VARIATIONS)
def test_a_plan_that_passed_check_renders_without_raising(target: Target, variations: dict) -> None:
    """Hostile names, tags, cron lines, zones, deployment paths and settings: check either finds an error, or
    render returns every artifact as text (no target re-checks what its check accepted)."""
    plan = plan_of(variations)
    diags = Diagnostics()
    check_into(target, plan, diags)
    if diags.has_errors():
        return
    out = render_plan(target, plan)
    assert out and all(isinstance(k, str) and isinstance(v, str) for k, v in out.items())
