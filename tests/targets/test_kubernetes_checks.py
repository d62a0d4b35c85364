"""The Kubernetes target's diagnostics (DTV520-DTV524): what it cannot express is an error, never an approximation."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: helpers

from helpers import EXAMPLES, dativo
from target_plans import check_into, render_plan
from test_kubernetes import docs_of, edge_plan, entry, examples_plan, plan_with, render

from dativo.compiler import codes
from dativo.compiler.diagnostics import Diagnostics
from dativo.runtime.plan import Plan
from dativo.targets.kubernetes import TARGET

_BASE = examples_plan()


# ---------------------------------------------------------------- diagnostics


def check(plan: Plan) -> list[tuple[str, str]]:
    diags = Diagnostics()
    check_into(TARGET, plan, diags)
    return [(d.code, d.message) for d in diags.errors]


def test_examples_and_edge_plan_are_clean() -> None:
    assert check(examples_plan()) == [] and check(edge_plan()) == []


_OWN_CODE = {
    "'Dativo_acme'": codes.K8S_TENANT_NAME,
    "Kubernetes allows 63": codes.K8S_TENANT_NAME,
    "'acme.{name}'": codes.K8S_TENANT_NAME,
    "quantity 'lots'": codes.K8S_QUANTITY,
}


@pytest.mark.parametrize(
    "targets, fragment",
    [
        ({"starting_deadline_seconds": 5}, "starting_deadline_seconds"),
        ({"imagePullPolicy": "Always"}, "imagePullPolicy"),
        ({"image_pull_policy": "Sometimes"}, "image_pull_policy"),
        ({"namespace": "Dativo_{tenant}"}, "'Dativo_acme'"),
        ({"namespace": "dativo-{tenant}-" + "x" * 60}, "Kubernetes allows 63"),
        ({"env_from_secrets": ["{tenant}.{name}"]}, "'acme.{name}'"),
        ({"resources": {"requests": {"cpu": "lots"}, "limits": {}}}, "quantity 'lots'"),
        ({"volume_mounts": [{"name": "nope", "mountPath": "/x"}]}, "volume 'nope'"),
        ({"volumes": [{"name": "dativo-state", "emptyDir": {}}]}, "used twice"),
        (
            {"volumes": [{"name": "v", "emptyDir": {}}], "volume_mounts": [{"name": "v", "mountPath": "/app/state"}]},
            "mounted twice",
        ),
        ({"image": "has space:1"}, "image reference"),
        ({"volumes": [{"name": "v", "emptyDir": {"when": __import__("datetime").date(2024, 1, 1)}}]}, "holds a date"),
        ({"node_selector": {"disk": "fast ssd"}}, "label value"),
    ],
)
def test_bad_settings_are_errors(targets: dict, fragment: str) -> None:
    """DTV520, or the code of its own for a '{tenant}' name (DTV538) and a quantity (DTV539)."""
    base = examples_plan()
    found = check(base.model_copy(update={"targets": {"kubernetes": targets}}))
    assert found and {c for c, _ in found} == {_OWN_CODE.get(fragment, codes.K8S_SETTINGS)}, found
    assert any(fragment in m for _, m in found), found


def test_unknown_setting_gets_a_did_you_mean() -> None:
    diags = Diagnostics()
    check_into(
        TARGET,
        examples_plan().model_copy(update={"targets": {"kubernetes": {"namespce": "x", "resources": {"limit": {}}}}}),
        diags,
    )
    hints = sorted((d.json_path, d.hint) for d in diags.errors)
    assert hints == [
        ("$.targets.kubernetes.namespce", "did you mean 'namespace'?"),
        ("$.targets.kubernetes.resources.limit", "did you mean 'limits'?"),
    ]


def test_long_or_unlabelable_names_are_dtv521_and_dtv537() -> None:
    base = examples_plan()
    long = entry(base, "acme", "n" * 47, ["0 * * * *"])  # acme- + 47 = 52: fits
    too_long = entry(base, "acme", "n" * 48, ["0 * * * *"])
    ends_badly = entry(base, "acme", "nightly_", ["0 * * * *"])
    two_lines = entry(base, "acme", "m" * 46, ["0 * * * *", "30 1 * * *"])  # + "-0": 53
    found = check(plan_with(base, [long, too_long, ends_badly, two_lines]))
    assert {c for c, _ in found} == {codes.K8S_NAME, codes.K8S_LABEL_VALUE}
    assert [m for c, m in found if c == codes.K8S_LABEL_VALUE] == [
        "schedule name 'nightly_' of schedule 'acme.nightly_' is not a valid label value (letters, digits, '-', "
        "'_' and '.', starting and ending alphanumeric), so Kubernetes cannot label its CronJob"
    ]
    text = "\n".join(m for _, m in found)
    assert "'acme." + "n" * 48 + "'" in text and "is 53 characters; Kubernetes allows 52" in text
    assert "'acme.nightly_'" in text and "'acme." + "m" * 46 + "'" in text
    assert "'acme." + "n" * 47 + "'" not in text


def test_name_collisions_are_dtv522() -> None:
    base = examples_plan()
    a, b = entry(base, "acme", "a_b", ["0 * * * *"]), entry(base, "acme", "a-b", ["5 * * * *"])
    c, d = entry(base, "acme", "x", ["0 * * * *", "30 1 * * *"]), entry(base, "acme", "x-1", ["7 * * * *"])
    found = check(plan_with(base, [a, b, c, d]))
    assert [code for code, _ in found] == [codes.K8S_NAME_COLLISION] * 2
    assert "both map to Kubernetes CronJob dativo-acme/acme-a-b" in found[0][1] + found[1][1]
    # per-tenant namespaces keep tenants apart; one shared namespace still does (names carry the tenant)
    e, f = entry(base, "acme", "x", ["0 * * * *"]), entry(base, "globex", "x", ["0 * * * *"])
    assert check(plan_with(base, [e, f], targets={"namespace": "shared"})) == []


def test_overlapping_cron_lines_are_dtv523() -> None:
    base = examples_plan()
    found = check(plan_with(base, [entry(base, "acme", "x", ["0 * * * *", "0 0 * * *"])]))
    assert found == [
        (
            codes.K8S_INEXPRESSIBLE,
            "schedule 'acme.x': cron lines '0 * * * *' and '0 0 * * *' fire at "
            "the same time; Kubernetes runs one CronJob per line, so it would start two runs where the "
            "plan has one",
        )
    ]


@pytest.mark.parametrize(
    "lines, expected",
    [
        (
            ["0 0 L * *"],
            (
                codes.K8S_CRON_UNREADABLE,
                "schedule 'acme.x' cannot run on Kubernetes: cron line '0 0 L * *' is not a five-field line",
            ),
        ),
        ([], (codes.NO_CRON_LINE, "schedule 'acme.x' has no cron line; Kubernetes needs at least one")),
    ],
)
def test_cron_lines_kubernetes_cannot_read_are_dtv533_and_no_line_is_dtv532(lines: list[str], expected: tuple) -> None:
    base = examples_plan()
    assert check(plan_with(base, [entry(base, "acme", "x", lines)])) == [expected]


def test_unrepresentable_deployment_is_dtv524() -> None:
    base = examples_plan()
    found = check(plan_with(base, [entry(base, "acme", "x", ["0 * * * *"])], plan_path="/app/\0plan.json"))
    assert [c for c, _ in found] == [codes.K8S_UNREPRESENTABLE]


def test_diagnostics_point_at_project_files() -> None:
    base = examples_plan()
    diags = Diagnostics()
    schedules = [entry(base, "acme", "a_b", ["0 * * * *"]), entry(base, "acme", "a-b", ["1 * * * *"])]
    check_into(TARGET, plan_with(base, schedules, targets={"namespace": "Bad"}), diags)
    check_into(TARGET, plan_with(base, schedules), diags)
    spans = {(d.code, d.span.file, d.span.line, d.json_path) for d in diags.errors}
    assert spans == {
        (codes.K8S_TENANT_NAME, "dativo.yaml", 1, "$.targets.kubernetes.namespace"),
        (codes.K8S_NAME_COLLISION, "configs/runner.yaml", 1, "$"),
    }


def test_compile_reports_target_errors_through_the_cli(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "p", ignore=shutil.ignore_patterns("generated"))
    dy = tmp_path / "p" / "dativo.yaml"
    dy.write_text(dy.read_text() + "targets:\n  kubernetes:\n    starting_deadline_seconds: 3\n")
    run = dativo("compile", str(tmp_path / "p"), "--target", "kubernetes", "--out", str(tmp_path / "out"))
    assert run.code == 1
    # the compiler validates targets.kubernetes once, with the target's Settings and code, at the value
    line = len(dy.read_text().splitlines())
    assert f"dativo.yaml:{line}:32: error DTV520: 'starting_deadline_seconds': Input should be greater" in run.out


def test_numeric_quantities_are_written_as_strings() -> None:
    base = examples_plan()
    plan = plan_with(
        base,
        [entry(base, "acme", "x", ["0 * * * *"])],
        targets={"resources": {"requests": {"cpu": 1, "memory": "1Gi"}, "limits": {"cpu": 0.5}}},
    )
    d = docs_of(render(plan)["kubernetes/acme/x.yaml"])[0]
    c = d["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    assert c["resources"] == {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"cpu": "0.5"}}
    assert check(plan_with(base, [], targets={"resources": {"requests": {"cpu": True}}})) == [
        (codes.K8S_SETTINGS, "'cpu' must be a string, got True")
    ]


_safe_name = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9_-]{0,62}\Z")


@settings(max_examples=150, deadline=None)
@given(tenant=_safe_name, name=_safe_name, lines=st.sampled_from([["0 * * * *"], ["0 0 * * *", "30 1 * * *"]]))
def test_names_the_check_accepts_are_valid_kubernetes_names(tenant: str, name: str, lines: list[str]) -> None:
    base = _BASE
    plan = plan_with(base, [entry(base, tenant, name, lines)])
    if check(plan):
        return
    for d in docs_of(render_plan(TARGET, plan)[f"kubernetes/{tenant}/{name}.yaml"]):
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", d["metadata"]["name"])
        assert len(d["metadata"]["name"]) <= 52 and len(d["metadata"]["namespace"]) <= 63
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", d["metadata"]["namespace"])
        for value in d["metadata"]["labels"].values():
            assert len(value) <= 63 and re.fullmatch(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?", value)
