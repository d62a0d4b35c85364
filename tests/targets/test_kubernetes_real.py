"""The generated CronJobs against Kubernetes' own schemas (kubernetes-validate --strict, 1.29 and 1.33),
plus the rules those schemas leave out: enum values, time zones, cron syntax as Kubernetes parses it,
DNS-1123 names and label syntax.

kubernetes-validate lives in its own venv (tests/toolenv.py); no cluster is needed.
"""

from __future__ import annotations

import re
import subprocess
import sys
import zoneinfo
from pathlib import Path

import pytest
import yaml
from croniter import croniter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: toolenv

from test_kubernetes import edge_plan, examples_plan, minimal_plan, render
from test_kubernetes_hardening import overridden_plan
from toolenv import tool_bin, tool_venv

pytestmark = pytest.mark.slow

VERSIONS = ["1.29.0", "1.33.0"]
REQUIREMENTS = ["kubernetes-validate==1.33.1"]

DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?\Z")
LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?\Z")
LABEL_NAME = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?\Z")
DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\Z")
# robfig/cron's standard parser (Kubernetes): these ranges, names, '*', '?', lists, ranges and steps
ROBFIG = [
    (0, 59, {}),
    (0, 23, {}),
    (1, 31, {}),
    (1, 12, {m: i + 1 for i, m in enumerate("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split())}),
    (0, 6, {d: i for i, d in enumerate("SUN MON TUE WED THU FRI SAT".split())}),
]
ZONES = zoneinfo.available_timezones()


@pytest.fixture(scope="session")
def kubernetes_validate() -> str:
    return tool_bin(tool_venv("kubernetes-validate", REQUIREMENTS), "kubernetes-validate")


@pytest.fixture(scope="session")
def manifests(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("k8s")
    files: list[Path] = []
    plans = (("examples", examples_plan()), ("edge", edge_plan()), ("minimal", minimal_plan()))
    for name, plan in (*plans, ("overridden", overridden_plan())):
        for path, content in render(plan).items():
            if path.endswith("kustomization.yaml"):
                continue
            target = out / name / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, "utf-8")
            files.append(target)
    return sorted(files)


def validate(tool: str, version: str, files: list[Path]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [tool, "--strict", "--quiet", "-k", version, *map(str, files)], capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize("version", VERSIONS)
def test_every_manifest_passes_kubernetes_validate_strict(
    kubernetes_validate: str, manifests: list[Path], version: str
) -> None:
    p = validate(kubernetes_validate, version, manifests)
    assert p.returncode == 0, p.stdout + p.stderr


@pytest.mark.parametrize(
    "mutation",
    [
        ("  suspend: false\n", "  suspend: false\n  suspended: true\n"),  # unknown field (strict)
        ("  startingDeadlineSeconds: 300\n", "  startingDeadlineSeconds: soon\n"),  # wrong type
        ("    spec:\n      backoffLimit: 0\n", "    spec:\n      backoffLimit: 0\n      retries: 3\n"),
    ],
)
def test_kubernetes_validate_can_fail(
    kubernetes_validate: str, manifests: list[Path], tmp_path: Path, mutation: tuple[str, str]
) -> None:
    source = next(p for p in manifests if p.name == "stripe_customers_hourly.yaml")
    text = source.read_text("utf-8")
    assert mutation[0] in text
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace(mutation[0], mutation[1], 1), "utf-8")
    assert validate(kubernetes_validate, VERSIONS[-1], [bad]).returncode != 0


# ---------------------------------------------------------------- what the schema misses


def cron_problems(line: str) -> list[str]:
    fields = line.split()
    if len(fields) != 5:
        return [f"{line!r} has {len(fields)} fields"]
    if not croniter.is_valid(line):
        return [f"croniter rejects {line!r}"]
    out = []
    for field, (low, high, names) in zip(fields, ROBFIG):
        for item in field.split(","):
            base, _, step = item.partition("/")
            if step and not step.isdigit():
                out.append(f"step {step!r} in {line!r}")
            if base in ("*", "?"):
                continue
            for end in base.split("-"):
                value = names.get(end.upper()) if not end.isdigit() else int(end)
                if value is None or not low <= value <= high:
                    out.append(f"{end!r} outside {low}-{high} in {line!r}")
    return out


def labels_problems(labels: dict[str, str]) -> list[str]:
    out = []
    for key, value in labels.items():
        prefix, _, name = key.rpartition("/")
        if prefix and (len(prefix) > 253 or not DNS_SUBDOMAIN.match(prefix)):
            out.append(f"label prefix {prefix!r}")
        if len(name) > 63 or not LABEL_NAME.match(name):
            out.append(f"label name {name!r}")
        if len(value) > 63 or not LABEL_VALUE.match(value):
            out.append(f"label value {value!r}")
    return out


def semantic_problems(doc: dict) -> list[str]:
    out: list[str] = []
    meta, spec = doc["metadata"], doc["spec"]
    name = meta["name"]
    if len(name) > 52 or not DNS_LABEL.match(name):
        out.append(f"CronJob name {name!r} is not a DNS-1123 label of at most 52 characters")
    if len(meta["namespace"]) > 63 or not DNS_LABEL.match(meta["namespace"]):
        out.append(f"namespace {meta['namespace']!r}")
    out += cron_problems(spec["schedule"])
    if spec["timeZone"] not in ZONES:
        out.append(f"time zone {spec['timeZone']!r} is not in zoneinfo")
    if spec["concurrencyPolicy"] not in ("Allow", "Forbid", "Replace"):
        out.append(f"concurrencyPolicy {spec['concurrencyPolicy']!r}")
    if spec["startingDeadlineSeconds"] < 10:
        out.append("startingDeadlineSeconds below 10")
    job = spec["jobTemplate"]
    pod = job["spec"]["template"]
    if job["spec"]["backoffLimit"] != 0:
        out.append("native retries")
    if pod["spec"]["restartPolicy"] != "Never":
        out.append(f"restartPolicy {pod['spec']['restartPolicy']!r} (retries belong to the runtime)")
    for where in (meta, job["metadata"], pod["metadata"]):
        out += labels_problems(where["labels"])
    for container in pod["spec"]["containers"]:
        if container.get("imagePullPolicy", "Always") not in ("Always", "IfNotPresent", "Never"):
            out.append(f"imagePullPolicy {container['imagePullPolicy']!r}")
        mounts = {m["name"] for m in container.get("volumeMounts", [])}
        volumes = {v["name"] for v in pod["spec"].get("volumes", [])}
        if mounts - volumes:
            out.append(f"mounts without volumes: {sorted(mounts - volumes)}")
        for ref in container.get("envFrom", []):
            secret = ref["secretRef"]["name"]
            if len(secret) > 253 or not DNS_SUBDOMAIN.match(secret):
                out.append(f"secret name {secret!r}")
        if container["command"][-2:] != ["--run-id", "$(DATIVO_RUN_ID)"]:
            out.append("the run id is not the Job name")
        field = container["env"][0]["valueFrom"]["fieldRef"]["fieldPath"]
        if field != "metadata.labels['batch.kubernetes.io/job-name']":
            out.append("DATIVO_RUN_ID does not come from the Job name label")
    return out


def test_every_manifest_passes_our_own_checks(manifests: list[Path]) -> None:
    problems = {}
    names: dict[tuple[str, str], Path] = {}
    for path in manifests:
        for doc in yaml.safe_load_all(path.read_text("utf-8")):
            found = semantic_problems(doc)
            key = (doc["metadata"]["namespace"], doc["metadata"]["name"])
            if names.setdefault(key, path) != path:
                found.append(f"{key} also in {names[key]}")
            if found:
                problems[str(path)] = found
    assert problems == {}


@pytest.mark.parametrize(
    "field, value, fragment",
    [
        ("schedule", "0 0 * * 7", "outside 0-6"),
        ("schedule", "0 0 * *", "4 fields"),
        ("timeZone", "Mars/Olympus", "zoneinfo"),
        ("concurrencyPolicy", "Sometimes", "concurrencyPolicy"),
    ],
)
def test_our_checks_can_fail(manifests: list[Path], field: str, value: str, fragment: str) -> None:
    doc = next(yaml.safe_load_all(manifests[0].read_text("utf-8")))
    doc["spec"][field] = value
    assert any(fragment in p for p in semantic_problems(doc))
    doc = next(yaml.safe_load_all(manifests[0].read_text("utf-8")))
    doc["metadata"]["name"] = "Acme_x"
    doc["metadata"]["labels"]["dativo.io/schedule"] = "x_"
    assert len(semantic_problems(doc)) == 2
