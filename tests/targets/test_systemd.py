"""The systemd target: OnCalendar translation, escaping, checks, and golden unit files."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from target_plans import check_into, render_plan

from dativo.compiler import codes
from dativo.compiler.diagnostics import Diagnostics, Severity
from dativo.compiler.pipeline import compile_project
from dativo.runtime.plan import Plan
from dativo.targets.systemd import TARGET
from dativo.targets.systemd.escape import comment, exec_word, plain_value, unit_name_escape
from dativo.targets.systemd.hardening import SANDBOX
from dativo.targets.systemd.oncalendar import Inexpressible, to_oncalendar, translate_line
from dativo.targets.systemd.settings import Settings

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def examples_plan() -> Plan:
    result = compile_project(REPO / "examples", emit=False)
    assert result.plan is not None, [d.message for d in result.diags.errors]
    return result.plan


HOSTILE_TAGS = {
    "quote\"'": "x\ny=1\n[Service]\nExecStartPre=/bin/rm -rf /",
    "braces": "{{ evil }} {% raw %} %n %% $HOME ${PATH} \\",
    "unicode": "caf\u00e9 \u2028 \U0001f600 \x00\x7f",
    "trailing": "ends with a backslash \\",
}


def edge_plan(plan: Plan) -> Plan:
    """Disabled, several cron lines (an interval), non-UTC zones, both day fields, hostile values."""
    base = plan.schedules["acme.orders_csv_morning"]
    entries = {
        "acme.every-90-min": base.model_copy(
            update={
                "id": "acme.every-90-min",
                "name": "every-90-min",
                "cron": ["0 0-22/3 * * *", "30 1-23/3 * * *"],
                "interval_seconds": 5400,
                "timezone": "America/New_York",
                "enabled": False,
                "tags": HOSTILE_TAGS,
            }
        ),
        "acme.month_ends": base.model_copy(
            update={
                "id": "acme.month_ends",
                "name": "month_ends",
                "cron": ["15 4 28-31 JAN,FEB *", "0 12 1,15 * MON-FRI"],
                "timezone": "Europe/Berlin",
            }
        ),
        "my-tenant.x": base.model_copy(
            update={
                "id": "my-tenant.x",
                "name": "x",
                "tenant": "my-tenant",
                "cron": ["*/7 * * * 0,7"],
                "timezone": "UTC",
                "tags": {"team": "data"},
            }
        ),
    }
    deployment = plan.deployment.model_copy(
        update={
            "project_dir": "/srv/dativo project %h",
            "plan_path": "/srv/dativo project %h/gen $HOME/\"plan\" 'x'\\n\tplan.json",
            "dativo_bin": "/opt/dativo/bin/dativo",
        }
    )
    return plan.model_copy(
        update={
            "schedules": entries,
            "deployment": deployment,
            "targets": {
                "systemd": {
                    "persistent": False,
                    "user": "dativo",
                    "group": "dativo",
                    "environment_file": "/etc/dativo/secrets 100%.env",
                }
            },
        }
    )


def _as_text(artifacts: dict[str, str]) -> str:
    return "".join(f"=== {path} ===\n{content}" for path, content in sorted(artifacts.items()))


# ------------------------------------------------------------------------------------- golden


def test_committed_example_output_is_this_render(examples_plan: Plan) -> None:
    """examples/generated/ is the examples' golden: reviewed in git, kept fresh by compile --check."""
    diags = Diagnostics()
    check_into(TARGET, examples_plan, diags)
    assert not diags.errors
    out = render_plan(TARGET, examples_plan)
    assert out and all(p.startswith("systemd/") for p in out)
    for path, content in out.items():
        assert (REPO / "examples" / "generated" / path).read_text("utf-8") == content, path


def test_edge_cases_golden(examples_plan: Plan, file_regression) -> None:
    plan = edge_plan(examples_plan)
    diags = Diagnostics()
    check_into(TARGET, plan, diags)
    assert not diags.errors, [d.message for d in diags.errors]
    file_regression.check(_as_text(render_plan(TARGET, plan)), basename="edge_cases", extension=".txt")


def test_render_is_deterministic_and_named_per_schedule(examples_plan: Plan) -> None:
    plan = edge_plan(examples_plan)
    first, second = render_plan(TARGET, plan), render_plan(TARGET, plan.model_copy(deep=True))
    assert first == second
    assert sorted(first) == [
        "systemd/dativo-acme-every\\x2d90\\x2dmin.service",
        "systemd/dativo-acme-every\\x2d90\\x2dmin.timer",
        "systemd/dativo-acme-month_ends.service",
        "systemd/dativo-acme-month_ends.timer",
        "systemd/dativo-my\\x2dtenant-x.service",
        "systemd/dativo-my\\x2dtenant-x.timer",
    ]


# ------------------------------------------------------------------- structure and safety

ALLOWED = {
    "Unit": {"Description", "After", "Wants"},
    "Service": {"Type", "WorkingDirectory", "ExecStart", "User", "Group", "EnvironmentFile", "TimeoutStartSec"}
    | {"DynamicUser", "Environment", "MemoryMax", "NoNewPrivileges", "ReadWritePaths", "ProtectHome"}
    | {line.partition("=")[0] for line in SANDBOX},
    "Timer": {"OnCalendar", "AccuracySec", "Persistent", "Unit"},
    "Install": {"WantedBy"},
}


def _parse(content: str) -> list[tuple[str, str, str]]:
    """(section, key, value) of every setting; fails on any line a unit file would read otherwise."""
    section, out = "", []
    assert content.endswith("\n") and "\r" not in content
    for line in content.split("\n")[:-1]:
        if not line or line.startswith("#"):
            assert not line.endswith("\\"), line
            continue
        if line.startswith("["):
            section = line.strip("[]")
            assert section in ALLOWED, line
            continue
        key, sep, value = line.partition("=")
        assert sep and key in ALLOWED[section], line
        assert not value.endswith("\\"), line
        out.append((section, key, value))
    return out


def test_units_hold_only_known_settings_even_with_hostile_values(examples_plan: Plan) -> None:
    for path, content in render_plan(TARGET, edge_plan(examples_plan)).items():
        settings_ = _parse(content)
        keys = [k for _s, k, _v in settings_]
        if path.endswith(".service"):
            assert keys.count("ExecStart") == 1 and ("Service", "Type", "oneshot") in settings_
            assert "Restart" not in keys  # retries belong to the runtime
        else:
            assert ("Timer", "AccuracySec", "1s") in settings_


def test_exec_start_has_no_run_id_and_quotes_hostile_paths(examples_plan: Plan) -> None:
    out = render_plan(TARGET, edge_plan(examples_plan))
    exec_start = next(v for _s, k, v in _parse(out["systemd/dativo-acme-month_ends.service"]) if k == "ExecStart")
    assert exec_start == (
        "/opt/dativo/bin/dativo run --plan "
        '"/srv/dativo project %%h/gen $$HOME/\\"plan\\" \'x\'\\\\n\\tplan.json" '
        "--job acme.month_ends --resume-policy resume"
    )
    assert "--run-id" not in exec_start
    service = out["systemd/dativo-acme-month_ends.service"]
    assert "WorkingDirectory=/srv/dativo project %%h\n" in service
    assert "EnvironmentFile=/etc/dativo/secrets 100%%.env\nUser=dativo\n" not in service  # order: User, Group, Env
    assert "User=dativo\nGroup=dativo\nEnvironmentFile=/etc/dativo/secrets 100%%.env\n" in service


def test_disabled_timer_is_not_wanted_by_timers_target(examples_plan: Plan) -> None:
    out = render_plan(TARGET, edge_plan(examples_plan))
    disabled = out["systemd/dativo-acme-every\\x2d90\\x2dmin.timer"]
    assert "\n[Install]\n" not in disabled and "WantedBy" not in disabled
    assert "Persistent=false" in disabled
    enabled = out["systemd/dativo-acme-month_ends.timer"]
    assert enabled.endswith("[Install]\nWantedBy=timers.target\n")


@settings(max_examples=200, deadline=None)
@given(
    tags=st.dictionaries(st.text(max_size=12), st.text(max_size=30), max_size=4),
    plan_path=st.text(min_size=1, max_size=40).filter(lambda s: "\x00" not in s),
)
def test_hostile_tags_and_plan_path_never_add_settings(
    examples_plan: Plan, tags: dict[str, str], plan_path: str
) -> None:
    entry = examples_plan.schedules["acme.orders_csv_morning"].model_copy(update={"tags": tags})
    plan = examples_plan.model_copy(
        update={
            "schedules": {entry.id: entry},
            "deployment": examples_plan.deployment.model_copy(update={"plan_path": plan_path}),
        }
    )
    plain = examples_plan.model_copy(update={"schedules": {entry.id: entry.model_copy(update={"tags": {}})}})
    counts = {path.rpartition(".")[2]: len(_parse(content)) for path, content in render_plan(TARGET, plain).items()}
    for path, content in render_plan(TARGET, plan).items():
        assert len(_parse(content)) == counts[path.rpartition(".")[2]]


@settings(max_examples=150, deadline=None)
@given(tenant=st.text(min_size=1, max_size=20), name=st.text(min_size=1, max_size=20))
def test_hostile_names_stay_inside_systemd_dir_and_comments(examples_plan: Plan, tenant: str, name: str) -> None:
    entry = examples_plan.schedules["acme.orders_csv_morning"].model_copy(
        update={"id": f"{tenant}.{name}", "tenant": tenant, "name": name}
    )
    out = render_plan(TARGET, examples_plan.model_copy(update={"schedules": {entry.id: entry}}))
    for path, content in out.items():
        assert path.startswith("systemd/dativo-") and path.count("/") == 1 and "\n" not in path
        # a timer has 6 settings; a service 13 (its user, digest, memory limit, state dir, timeout) and the sandbox
        assert len([k for _s, k, _v in _parse(content)]) == (6 if path.endswith(".timer") else 13 + len(SANDBOX))


# ------------------------------------------------------------------------------ translator


@pytest.mark.parametrize(
    "cron, zone, lines",
    [
        ("*/15 * * * *", "UTC", ["*-*-* *:00/15:00 UTC"]),
        ("0 */6 * * *", "America/New_York", ["*-*-* 00/6:00:00 America/New_York"]),
        ("*/7 * * * *", "UTC", ["*-*-* *:00,07,14,21,28,35,42,49,56:00 UTC"]),  # 7 does not divide 60: a list
        ("5/15 * * * *", "UTC", ["*-*-* *:05,20,35,50:00 UTC"]),
        ("0 9 * * MON-FRI", "UTC", ["Mon..Fri *-*-* 09:00:00 UTC"]),
        ("0 9 * * 1-5", "UTC", ["Mon..Fri *-*-* 09:00:00 UTC"]),
        ("0 0 * * 0", "UTC", ["Sun *-*-* 00:00:00 UTC"]),
        ("0 0 * * 7", "UTC", ["Sun *-*-* 00:00:00 UTC"]),
        ("0 0 * * 5-7", "UTC", ["Fri..Sun *-*-* 00:00:00 UTC"]),
        ("0 0 * * 0-2", "UTC", ["Mon,Tue,Sun *-*-* 00:00:00 UTC"]),
        ("0 0 * * 0-7", "UTC", ["*-*-* 00:00:00 UTC"]),
        ("0 0 1 JAN,JUL *", "UTC", ["*-01,07-01 00:00:00 UTC"]),
        ("0 0 * JAN-MAR/2 *", "UTC", ["*-01,03-* 00:00:00 UTC"]),
        ("0,1,2,5 8-18 * * *", "Europe/Berlin", ["*-*-* 08..18:00..02,05:00 Europe/Berlin"]),
        # cron's OR of both restricted day fields: two lines
        ("0 0 1,15 * 1", "UTC", ["Mon *-*-* 00:00:00 UTC", "*-*-01,15 00:00:00 UTC"]),
        ("30 4 13 * FRI", "UTC", ["Fri *-*-* 04:30:00 UTC", "*-*-13 04:30:00 UTC"]),
        ("0 0 1-31 * 1", "UTC", ["*-*-* 00:00:00 UTC"]),  # OR with a full field: every day
        ("0 0 30 2 MON", "UTC", ["Mon *-02-* 00:00:00 UTC"]),  # the 30th of February never comes: dropped
        # a '*'-led day field beside '*' still restricts (AND)
        ("0 0 */2 * *", "UTC", ["*-*-01,03,05,07,09,11,13,15,17,19,21,23,25,27,29,31 00:00:00 UTC"]),
        ("0 0 * * */2", "UTC", ["Tue,Thu,Sat,Sun *-*-* 00:00:00 UTC"]),
    ],
)
def test_translate(cron: str, zone: str, lines: list[str]) -> None:
    assert translate_line(cron, zone) == lines


def test_several_cron_lines_are_merged_without_repeats() -> None:
    assert to_oncalendar(["0 0 * * *", "0 0 * * *", "0 12 * * *"], "UTC") == [
        "*-*-* 00:00:00 UTC",
        "*-*-* 12:00:00 UTC",
    ]


@pytest.mark.parametrize(
    "cron, zone, reason",
    [
        ("0 0 1 * 1,*", "UTC", "day-of-week '1,*': cron (from the written field) and croniter"),
        ("0 0 1 * */2", "UTC", "day-of-week '*/2': cron (from the written field) and croniter"),
        ("0 0 30 2 *", "UTC", "month '2' has no day '30'"),
        ("0 0 32 * *", "UTC", "croniter cannot read it"),
        ("0 0 L * *", "UTC", "day-of-month holds ['l'], which has no OnCalendar form"),
        ("0 0 * * 5#2", "UTC", "only plain five-field cron lines"),
        ("0 0 * *", "UTC", "expected 5 fields, found 4"),
        ("0 0 * * *", "UTC\n", "time zone 'UTC\\n' cannot be written after"),
        ("0 0 * * *", "Europe/Berlin\nFoo=1", "time zone 'Europe/Berlin\\nFoo=1' cannot be written after"),
    ],
)
def test_inexpressible(cron: str, zone: str, reason: str) -> None:
    with pytest.raises(Inexpressible, match="^" + re.escape(reason)):
        translate_line(cron, zone)


# ---------------------------------------------------------------------------------- escaping


@pytest.mark.parametrize(
    "text, escaped",
    [
        ("orders_daily", "orders_daily"),
        ("my-tenant", "my\\x2dtenant"),
        ("a/b", "a-b"),
        (".hidden", "\\x2ehidden"),
        ("a.b", "a.b"),
        ("caf\u00e9 x", "caf\\xc3\\xa9\\x20x"),
        ("back\\slash", "back\\x5cslash"),
        ("acme\n", "acme\\x0a"),
    ],
)
def test_unit_name_escape(text: str, escaped: str) -> None:
    assert unit_name_escape(text) == escaped


@pytest.mark.parametrize(
    "word, quoted",
    [
        ("/app/generated/plan.json", "/app/generated/plan.json"),
        ("acme.x", "acme.x"),
        ("a b", '"a b"'),
        ("100%", '"100%%"'),
        ("$HOME", '"$$HOME"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("a\\b", '"a\\\\b"'),
        ("line\nbreak\ttab", '"line\\nbreak\\ttab"'),
        ("nul\x00bell\x07", '"nul\\x00bell\\x07"'),
        ("", '""'),
        ("semi;colon", '"semi;colon"'),
        ("trailing\n", '"trailing\\n"'),  # '$' in a regex would match before it
    ],
)
def test_exec_word(word: str, quoted: str) -> None:
    assert exec_word(word) == quoted


def test_plain_value_and_comment() -> None:
    assert plain_value("/srv/x 100%") == "/srv/x 100%%"
    assert plain_value("/srv/x\n") is None and plain_value("/srv\\x") is None and plain_value(" /x") is None
    assert comment("a\nb \u00e9 \\") == "a\\x0ab \\xe9 \\x5c"


# ------------------------------------------------------------------------------------- checks


def _check(plan: Plan) -> list:
    diags = Diagnostics()
    check_into(TARGET, plan, diags)
    return diags.sorted()


def test_check_reports_inexpressible_cron_on_the_runner_file(examples_plan: Plan) -> None:
    entry = examples_plan.schedules["acme.orders_csv_morning"].model_copy(update={"cron": ["0 0 1 * 1,*"]})
    found = _check(examples_plan.model_copy(update={"schedules": {entry.id: entry}}))
    assert [(d.code, d.severity, d.span.file, d.span.line) for d in found] == [
        (codes.SYSTEMD_INEXPRESSIBLE, Severity.ERROR, "configs/runner.yaml", 1)
    ]
    assert found[0].message.startswith("systemd cannot run cron '0 0 1 * 1,*' of schedule acme.orders_csv_morning")


def test_examples_pass_check_without_diagnostics(examples_plan: Plan) -> None:
    assert _check(examples_plan) == []  # max_concurrent_runs 2 is fine: a oneshot service never overlaps


@pytest.mark.parametrize(
    "update, setting",
    [
        ({"project_dir": "app"}, "deploy.project_dir"),
        ({"project_dir": "/app\nExecStartPre=/bin/true"}, "deploy.project_dir"),
        ({"dativo_bin": "-dativo"}, "deploy.dativo_bin"),
        ({"dativo_bin": "bin/dativo"}, "deploy.dativo_bin"),
        ({"dativo_bin": "/opt/my dativo"}, "deploy.dativo_bin"),
        ({"plan_path": "/app/x\x00"}, "deploy.plan_path"),
        ({"plan_path": "/app/\ud800"}, "deploy.plan_path"),
        ({"project_dir": "/app/\ud800"}, "deploy.project_dir"),
    ],
)
def test_check_rejects_deployment_values_a_unit_cannot_carry(examples_plan: Plan, update: dict, setting: str) -> None:
    plan = examples_plan.model_copy(update={"deployment": examples_plan.deployment.model_copy(update=update)})
    found = [d for d in _check(plan) if d.severity is Severity.ERROR]
    assert [(d.code, d.json_path) for d in found] == [(codes.SYSTEMD_UNREPRESENTABLE, f"$.{setting}")]
    with pytest.raises(ValueError):
        render_plan(TARGET, plan)


def test_check_rejects_unit_names_over_255_characters(examples_plan: Plan) -> None:
    name = "a-" * 31 + "b"  # 63 characters, 31 of them '-' (4 characters each once escaped)
    entry = examples_plan.schedules["acme.orders_csv_morning"].model_copy(
        update={"id": f"{name}.{name}", "name": name, "tenant": name}
    )
    found = _check(examples_plan.model_copy(update={"schedules": {entry.id: entry}}))
    assert [d.code for d in found] == [codes.SYSTEMD_NAME]


def test_check_rejects_schedules_mapping_to_one_unit(examples_plan: Plan) -> None:
    base = examples_plan.schedules["acme.orders_csv_morning"]
    one = base.model_copy(update={"id": "a/b.c", "tenant": "a/b", "name": "c"})
    two = base.model_copy(update={"id": "a.b/c", "tenant": "a", "name": "b/c"})
    found = _check(examples_plan.model_copy(update={"schedules": {one.id: one, two.id: two}}))
    assert [(d.code, d.message) for d in found] == [
        (codes.SYSTEMD_NAME_CLASH, "schedules a/b.c and a.b/c both map to systemd unit dativo-a-b-c.service")
    ]


@pytest.mark.parametrize(
    "raw, where",
    [
        ({"persistent": "yes"}, "persistent"),
        ({"persistant": True}, "persistant"),
        ({"user": "root\nExecStartPre=x"}, "user"),
        ({"environment_file": "relative.env"}, "environment_file"),
    ],
)
def test_check_rejects_bad_settings(examples_plan: Plan, raw: dict, where: str) -> None:
    """DTV529, or DTV535 for an environment_file the settings model takes but a unit cannot."""
    found = _check(examples_plan.model_copy(update={"targets": {"systemd": raw}}))
    errors = [d for d in found if d.severity is Severity.ERROR]
    code = codes.SYSTEMD_ENVIRONMENT_FILE if where == "environment_file" else codes.SYSTEMD_SETTINGS
    assert [(d.code, d.json_path) for d in errors] == [(code, f"$.targets.systemd.{where}")]
    assert errors[0].span.file == "dativo.yaml"


def test_settings_defaults() -> None:
    assert Settings().model_dump() == {
        "persistent": True,
        "user": "dativo",
        "dynamic_user": False,
        "group": None,
        "environment_file": None,
        "dativo_bin": None,
        "bin_dir": "/usr/local/bin",
        "timeout_seconds": 6 * 3600,
        "schedule_timeouts": {},
        "memory_max": "2G",
        "read_write_paths": [],
        "sandbox": True,
    }


def test_importing_the_target_does_not_import_jinja2() -> None:
    code = "import sys, dativo.targets.systemd; assert 'jinja2' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
