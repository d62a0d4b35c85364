"""The Kubernetes target: golden manifests, settings, and that no user string changes the structure.

Every manifest is read back with two YAML parsers (PyYAML, YAML 1.1 like Go's yaml.v2 behind
kubectl; ruamel.yaml, YAML 1.2) and must give the same objects, with tags, paths and commands
exactly as planned. tests/targets/test_kubernetes_real.py runs kubernetes-validate on them.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: helpers

from helpers import EXAMPLES, REPO
from target_plans import check_into, entry, examples_plan, render_plan

from dativo.compiler.diagnostics import Diagnostics
from dativo.runtime.plan import Plan, ScheduleEntry, TenantEntry
from dativo.targets.common import run_argv
from dativo.targets.kubernetes import TARGET
from dativo.targets.kubernetes.render import JOB_NAME_FIELD, RUN_ID_ENV

HOSTILE_TAGS = {
    "quote": "it's \"quoted\" '''",
    "newline": "line one\nline two\r\n",
    "jinja": "{{ run_id }}{% if 1 %}{# c #}",
    "unicode": "naïve ☃ \u2028 \x85 \ufeff 🚀",
    "yaml": "key: value\n- item\n--- \n... &a *a !!python/object",
    "shell": "$(id) `id` ; rm -rf /",
    "format": "{name} {0} %s",
    "weird key: {x}\n": "y",
}


# ---------------------------------------------------------------- plans


def plan_with(base: Plan, entries: list[ScheduleEntry], targets: dict | None = None, **deploy: str) -> Plan:
    tenants: dict[str, list[str]] = {}
    for e in entries:
        tenants.setdefault(e.tenant, []).append(e.id)
    return base.model_copy(
        update={
            "schedules": {e.id: e for e in sorted(entries, key=lambda e: e.id)},
            "tenants": {t: TenantEntry(concurrency=1, schedules=sorted(ids)) for t, ids in sorted(tenants.items())},
            "targets": {"kubernetes": targets or {}},
            "deployment": base.deployment.model_copy(update=deploy),
        }
    )


EDGE_SETTINGS = {
    "image": "registry.example.com/ingest@sha256:" + "a" * 64,
    "image_pull_policy": "IfNotPresent",
    "image_pull_secrets": ["regcred"],
    "namespace": "ingestion",
    "service_account": "dativo-{tenant}",
    "resources": {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"memory": "4Gi", "cpu": "2"}},
    "env_from_secrets": ["dativo-{tenant}-secrets", "shared-warehouse"],
    "volumes": [{"name": "extra-config", "configMap": {"name": "dativo-config", "optional": True}}],
    "volume_mounts": [{"name": "extra-config", "mountPath": "/etc/dativo", "readOnly": True}],
    "node_selector": {"kubernetes.io/os": "linux"},
    "starting_deadline_seconds": 10,
    "successful_jobs_history_limit": 1,
    "failed_jobs_history_limit": 5,
}


def edge_plan() -> Plan:
    """Disabled, several cron lines, non-UTC zones, day-of-week 7, Allow, hostile tags and paths."""
    base = examples_plan()
    return plan_with(
        base,
        [
            entry(
                base,
                "acme",
                "every_90_minutes",
                ["0 0,3,6,9,12,15,18,21 * * *", "30 1,4,7,10,13,16,19,22 * * *"],
                interval_seconds=5400,
                timezone="Europe/Berlin",
                tags=HOSTILE_TAGS,
            ),
            entry(base, "acme", "paused", ["15 4 * * 7"], enabled=False, timezone="America/New_York"),
            entry(
                base,
                "Big_Corp",
                "sundays_and_firsts",
                ["0 6 1 * 5-7"],
                max_concurrent_runs=3,
                timezone="Asia/Kolkata",
                tags={"team": "ops"},
            ),
        ],
        targets=EDGE_SETTINGS,
        plan_path='/srv/$(HOME)/it\'s "here"/plan ☃.json',
        dativo_bin="/opt/$$bin/dativo",
        project_dir="/srv/my project",
        state_dir="/var/lib/dativo state",
        worker_state_dir="/var/lib/dativo state",  # outside container_root: the same on a worker
    )


def minimal_plan() -> Plan:
    """Every optional part of the pod switched off: no state volume, secrets or resources."""
    base = examples_plan()
    return plan_with(
        base,
        [entry(base, "acme", "hourly", ["0 * * * *"])],
        targets={
            "state_volume_claim": None,
            "env_from_secrets": [],
            "resources": {"requests": {}, "limits": {}},
            # no state volume: a read-only root filesystem would leave the state dir unwritable (DTV547)
            "security_context": {"read_only_root_filesystem": False},
        },
    )


def render(plan: Plan) -> dict[str, str]:
    diags = Diagnostics()
    check_into(TARGET, plan, diags)
    assert not diags.errors, [d.message for d in diags.errors]
    return render_plan(TARGET, plan)


def docs_of(text: str) -> list[dict]:
    """Both parsers, same objects."""
    one = [d for d in yaml.safe_load_all(text)]
    two = [json.loads(json.dumps(d)) for d in YAML(typ="safe", pure=True).load_all(io.StringIO(text))]
    assert one == two
    return one


def golden(artifacts: dict[str, str], file_regression, prefix: str) -> None:
    """One golden per artifact; every one is checked (and, with --force-regen, written) before failing."""
    failures: list[str] = []
    for path, content in artifacts.items():
        name = prefix + "__" + path.removeprefix("kubernetes/").replace("/", "__").removesuffix(".yaml")
        try:
            file_regression.check(content, basename=name, extension=".yaml")
        except pytest.fail.Exception as exc:
            failures.append(str(exc))
    if failures:
        pytest.fail("\n".join(failures))


# ---------------------------------------------------------------- golden


def test_edge_cases_golden(file_regression) -> None:
    golden(render(edge_plan()), file_regression, "edge")


def test_minimal_pod_golden(file_regression) -> None:
    golden(render(minimal_plan()), file_regression, "minimal")


def test_committed_example_output_is_this_target_s_render() -> None:
    """examples/generated/ is the examples' golden: reviewed in git, kept fresh by compile --check."""
    committed = EXAMPLES / "generated"
    for path, content in render(examples_plan()).items():
        assert (committed / path).read_text("utf-8") == content, path


# ---------------------------------------------------------------- semantics


def cronjobs(artifacts: dict[str, str]) -> dict[str, list[dict]]:
    return {p: docs_of(t) for p, t in artifacts.items() if p != "kubernetes/kustomization.yaml"}


def test_each_schedule_becomes_its_cronjobs() -> None:
    plan = edge_plan()
    files = cronjobs(render(plan))
    assert sorted(files) == [
        "kubernetes/Big_Corp/sundays_and_firsts.yaml",
        "kubernetes/acme/every_90_minutes.yaml",
        "kubernetes/acme/paused.yaml",
    ]
    every = files["kubernetes/acme/every_90_minutes.yaml"]
    assert [d["metadata"]["name"] for d in every] == ["acme-every-90-minutes-0", "acme-every-90-minutes-1"]
    assert [d["spec"]["schedule"] for d in every] == plan.schedules["acme.every_90_minutes"].cron
    assert {d["spec"]["timeZone"] for d in every} == {"Europe/Berlin"}
    paused = files["kubernetes/acme/paused.yaml"][0]
    assert paused["spec"]["suspend"] is True and every[0]["spec"]["suspend"] is False
    assert paused["spec"]["schedule"] == "15 4 * * 0"  # Kubernetes' day-of-week is 0-6
    big = files["kubernetes/Big_Corp/sundays_and_firsts.yaml"][0]
    assert big["metadata"]["name"] == "big-corp-sundays-and-firsts"
    assert big["spec"]["schedule"] == "0 6 1 * 0,5,6"
    assert big["spec"]["concurrencyPolicy"] == "Allow" and paused["spec"]["concurrencyPolicy"] == "Forbid"
    for docs in files.values():
        for d in docs:
            spec = d["spec"]
            assert spec["startingDeadlineSeconds"] == 10
            assert (spec["successfulJobsHistoryLimit"], spec["failedJobsHistoryLimit"]) == (1, 5)
            assert spec["jobTemplate"]["spec"]["backoffLimit"] == 0
            pod = spec["jobTemplate"]["spec"]["template"]["spec"]
            assert pod["restartPolicy"] == "Never"
            assert d["metadata"]["namespace"] == "ingestion"


def k8s_expand(text: str, env: dict[str, str]) -> str:
    """Kubernetes' expansion of a command word: $$ is $, $(VAR) is VAR's value when defined, else kept."""
    out, i = [], 0
    while i < len(text):
        if text.startswith("$$", i):
            out.append("$")
            i += 2
        elif text.startswith("$(", i) and ")" in text[i:]:
            end = text.index(")", i)
            name = text[i + 2 : end]
            out.append(env.get(name, text[i : end + 1]))
            i = end + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def test_run_id_is_the_job_name_and_the_command_is_run_argv() -> None:
    plan = edge_plan()
    for docs in cronjobs(render(plan)).values():
        for d in docs:
            e = plan.schedules[d["metadata"]["annotations"]["dativo.io/schedule-id"]]
            c = d["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
            assert c["env"][0] == {"name": RUN_ID_ENV, "valueFrom": {"fieldRef": {"fieldPath": JOB_NAME_FIELD}}}
            job_name = d["metadata"]["name"] + "-29000000"  # what the CronJob controller names a Job
            env = {RUN_ID_ENV: job_name, "HOME": "/root"}
            assert [k8s_expand(w, env) for w in c["command"]] == run_argv(plan, e, job_name)
            assert c["workingDir"] == plan.deployment.project_dir


def test_labels_annotations_and_tags() -> None:
    plan = edge_plan()
    docs = cronjobs(render(plan))["kubernetes/acme/every_90_minutes.yaml"]
    for d in docs:
        labels = {
            "app.kubernetes.io/managed-by": "dativo",
            "dativo.io/tenant": "acme",
            "dativo.io/schedule": "every_90_minutes",
        }
        assert d["metadata"]["labels"] == labels
        assert d["spec"]["jobTemplate"]["metadata"]["labels"] == labels
        assert d["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"] == labels
        assert json.loads(d["metadata"]["annotations"]["dativo.io/tags"]) == HOSTILE_TAGS


def test_default_settings_per_tenant_namespace_secret_and_state_volume() -> None:
    plan = examples_plan()
    d = cronjobs(render(plan))["kubernetes/globex/globex_events_every_15m.yaml"][0]
    assert d["metadata"]["namespace"] == "dativo-globex"
    pod = d["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    c = pod["containers"][0]
    assert c["envFrom"] == [{"secretRef": {"name": "dativo-globex-secrets", "optional": True}}]
    state = {"name": "dativo-state", "mountPath": plan.deployment.state_dir}
    assert c["volumeMounts"] == [state, {"name": "dativo-tmp", "mountPath": "/tmp"}]
    claim = {"name": "dativo-state", "persistentVolumeClaim": {"claimName": "dativo-globex-state"}}
    assert pod["volumes"] == [claim, {"name": "dativo-tmp", "emptyDir": {}}]
    assert pod["automountServiceAccountToken"] is False and "serviceAccountName" not in pod
    assert c["resources"] == {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"memory": "2Gi"}}
    assert d["spec"]["concurrencyPolicy"] == "Allow"  # max_concurrent_runs: 2 in the example


def test_kustomization_lists_every_file_sorted() -> None:
    out = render(edge_plan())
    kust = docs_of(out["kubernetes/kustomization.yaml"])[0]
    assert kust["kind"] == "Kustomization"
    assert kust["resources"] == sorted(p.removeprefix("kubernetes/") for p in out if p.count("/") == 2)
    empty = render(plan_with(examples_plan(), []))
    assert docs_of(empty["kubernetes/kustomization.yaml"])[0]["resources"] == []


def test_shared_and_per_tenant_names_are_lowercased() -> None:
    out = render(plan_with(examples_plan(), [entry(examples_plan(), "ACME_eu", "Nightly_Load", ["0 1 * * *"])]))
    d = docs_of(out["kubernetes/ACME_eu/Nightly_Load.yaml"])[0]
    assert (d["metadata"]["name"], d["metadata"]["namespace"]) == ("acme-eu-nightly-load", "dativo-acme-eu")


# ---------------------------------------------------------------- safety

_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=150, deadline=None)
@given(
    tags=st.dictionaries(_text, _text, max_size=4),
    path=_text.filter(lambda s: "\0" not in s),
    image=st.text(st.characters(blacklist_categories=("Cs", "Zs", "Cc", "Zl", "Zp")), min_size=1, max_size=30),
)
def test_any_tag_or_path_reads_back_exactly(tags: dict[str, str], path: str, image: str) -> None:
    base = _BASE
    plan = plan_with(
        base,
        [entry(base, "acme", "x", ["*/5 * * * *"], tags=tags)],
        targets={"image": image},
        plan_path="/p" + path,
        project_dir="/w" + path,
    )
    text = render_plan(TARGET, plan)["kubernetes/acme/x.yaml"]
    assert text.isascii()  # every non-ASCII character is escaped, so no parser can read it as a line break
    (d,) = docs_of(text)
    assert set(d) == {"apiVersion", "kind", "metadata", "spec"}
    assert json.loads(d["metadata"]["annotations"].get("dativo.io/tags", "{}")) == tags
    c = d["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    assert c["image"] == image and c["workingDir"] == "/w" + path
    assert c["command"][3] == ("/p" + path).replace("$", "$$")
    assert len(c["command"]) == 10 and c["command"][-1] == f"$({RUN_ID_ENV})"


_BASE = examples_plan()


def test_output_is_identical_across_hash_seeds(tmp_path: Path) -> None:
    script = (
        "import sys; sys.path.insert(0, 'tests/targets'); sys.path.insert(0, 'tests');"
        "import test_kubernetes as t, json;"
        "print(json.dumps(t.render_plan(t.TARGET, t.edge_plan()), sort_keys=True))"
    )
    outs = {
        subprocess.run(
            [sys.executable, "-c", script],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("0", "12345")
    }
    assert len(outs) == 1


@pytest.mark.parametrize("make_plan", [examples_plan, edge_plan, minimal_plan])
def test_precompiled_pattern_equals_a_jinja_render_per_cronjob(make_plan) -> None:
    from dativo.targets.kubernetes import render as r
    from dativo.targets.kubernetes.settings import Settings

    plan = make_plan()
    s = Settings.model_validate(plan.targets.get("kubernetes", {}))
    template = r._ENV.get_template("schedule.yaml")
    for e in plan.schedules.values():
        parts = r._tenant_parts(plan, s, e.tenant)
        docs = [template.render(ctx) for ctx in r.schedule_contexts(plan, s, parts, e)]
        assert r.render_schedule(plan, s, parts, e) == r.HEADER + "---\n".join(docs)
