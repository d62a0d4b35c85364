"""Hypothesis strategies for small, often hostile dativo projects (used by test_properties.py).

A generated `Project` is a dict of files (relative path -> YAML text), symlinks (inside the
project and out of it, into a sibling `outside/` folder) and what the test must expect of it:
the job files that were given another tenant's secret path (they must fail), and those given a
path that only looks foreign but is their own (they must not get DTV404).

The shapes follow tests/cases/base (csv source, iceberg target, native engine: no warnings on the
clean path), with each field drawn from a mix of valid values and values at the limits: `//`,
`.` and `..` in paths, symlinks, numbers 0/negative/huge/.inf/.nan/1e400/4,301-digit integers,
invalid crons and time zones, unicode and hostile names, DAG cycles, deep nesting.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from dativo.targets.dagster.render import yaml_scalar

OWN, OTHER = "acme", "globex"  # the clean tenants secrets are planted between


class Raw(str):
    """A scalar written to YAML verbatim (numbers at the limits, flow collections)."""


@dataclass
class Project:
    files: dict[str, str]
    links: dict[str, str] = field(default_factory=dict)  # link (relative to the tmp dir) -> target
    foreign_secret_jobs: set[str] = field(default_factory=set)  # must fail (DTV404 or another error)
    own_secret_jobs: set[str] = field(default_factory=set)  # must not get DTV404
    own_jobs: set[str] = field(default_factory=set)  # jobs of tenant_id OWN
    planted: str = ""  # the secret path planted, if any (for failure messages)


# ------------------------------------------------------------------------------ YAML text


_PLAIN = re.compile(r"[A-Za-z_/][A-Za-z0-9_./ -]*[A-Za-z0-9_./]|[A-Za-z_]")
_KEYWORDS = {"null", "true", "false", "yes", "no", "on", "off", "y", "n"}


def _scalar(v: Any) -> str:
    if isinstance(v, Raw):
        return str(v)
    if isinstance(v, str) and _PLAIN.fullmatch(v) and v.lower() not in _KEYWORDS:
        return v  # plain style, as people write it
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return json.dumps(v)
    return yaml_scalar(str(v))  # double-quoted, all but printable ASCII escaped


def dump(value: Any, indent: int = 0) -> str:
    """Block-style YAML for nested dicts and lists; every string double-quoted and escaped."""
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            return pad + "{}\n"
        lines = []
        for k, v in value.items():
            key = _scalar(k)
            if isinstance(v, (dict, list)) and v:
                lines.append(f"{pad}{key}:\n{dump(v, indent + 2)}")
            else:
                lines.append(f"{pad}{key}: {_flow(v)}\n")
        return "".join(lines)
    if isinstance(value, list):
        if not value:
            return pad + "[]\n"
        lines = []
        for v in value:
            if isinstance(v, (dict, list)) and v:
                body = dump(v, indent + 2)
                lines.append(f"{pad}- {body[indent + 2 :]}")
            else:
                lines.append(f"{pad}- {_flow(v)}\n")
        return "".join(lines)
    return pad + _scalar(value) + "\n"


def _flow(v: Any) -> str:
    if v == {} and isinstance(v, dict):
        return "{}"
    if v == [] and isinstance(v, list):
        return "[]"
    return _scalar(v)


# ------------------------------------------------------------------------------ values at the limits

#: around the loader's bound of 100 levels, and far past it: 30,000 `[` overflowed libyaml's C stack
DEPTHS = [98, 99, 100, 101, 102, 150, 30_000]
BIG_INT = Raw("9" * 4301)  # beyond Python's int-from-text limit (4,300 digits)
NUMBERS = st.sampled_from(
    [
        0,
        -1,
        1,
        2,
        60,
        900,
        3600,
        86400,
        86401,
        7000,
        10**18,
        2**63,
        -(2**63),
        1.5,
        0.0,
        -0.0,
        1e-9,
        True,
        Raw(".inf"),
        Raw("-.inf"),
        Raw(".nan"),
        Raw(".NaN"),
        Raw("1e400"),
        Raw("-1e400"),
        BIG_INT,
        Raw("-" + BIG_INT),
        Raw("0x10"),
        Raw("0o17"),
        Raw("1_000"),
        Raw("~"),
        "900",
        "",
        Raw("[]"),
        Raw("{}"),
    ]
)
HOSTILE = [
    "",
    " ",
    ".",
    "..",
    "a.b",
    "a/b",
    "a\\b",
    "a b",
    "a\nb",
    "a\tb",
    "x\x00y",
    "'; import os #",
    '"""',
    "{{ x }}",
    "{% raw %}",
    "${X}",
    "$(id)",
    "`id`",
    "%s%n",
    "\u202eevil",
    "ünïcödé",
    "名前",
    "😀",
    "a" * 64,
    "b" * 300,
    "-a",
    "_a",
    "A",
    "null",
    "true",
    "1e400",
    "0x10",
    "CON",
    "a:b",
    "#c",
    "- x",
    "&a",
    "*a",
    "!x",
]
NAMES = st.one_of(
    st.sampled_from(["acme", "globex", "a", "x-1", "tenant_2", "orders", "hourly"]),
    st.sampled_from(HOSTILE),
    st.text(max_size=6),
)
CRONS_OK = [
    "0 * * * *",
    "*/15 * * * *",
    "30 6 * * 1-5",
    "0 0 1 1 *",
    "@daily",
    "@hourly",
    "0 0 * * 0,6",
    "0 12 1-7 * 1",
    "5 4 * * sun",
    "0 0 29 2 *",
]
CRONS_BAD = [
    "",
    " ",
    "61 * * * *",
    "* * * *",
    "* * * * * *",
    "@reboot",
    "@yearly2",
    "0 0 31 2 *",
    "0 0 30 2 *",
    "L * * * *",
    "*/0 * * * *",
    "1-0 * * * *",
    "0-59/0 * * * *",
    "-1 * * * *",
    "9999999999999999999999 * * * *",
    "mon * * * *",
    "\u0661 * * * *",
    "０ * * * *",
    "30 2 * * *",
    "30 1 * * *",
    "0 0 * * 8",
    "0 0 * jan-dec/0 *",
    "* * * * 7-0",
    "#",
    "0\n* * * *",
    "1,,2 * * * *",
    "*/" + "9" * 4400 + " * * * *",
    "0 0 L * *",
    "0 0 ? * *",
    "H * * * *",
]
ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "Etc/GMT+14",
    "EST5EDT",
    "",
    " UTC",
    "utc",
    "Mars/Base",
    "America/New_Yrok",
    "../../etc/passwd",
    "/usr/share/zoneinfo/UTC",
    "UTC+1",
    "localtime",
    "posixrules",
    "Factory",
    "America/../UTC",
    "Europe//Berlin",
    "./UTC",
    "right/UTC",
    "zone.tab",
    "x" * 300,
    "\x00",
]


@functools.cache
def cron_values() -> st.SearchStrategy[Any]:
    one = st.one_of(st.sampled_from(CRONS_OK), st.sampled_from(CRONS_BAD), st.text(max_size=12))
    return st.one_of(one, st.lists(one, max_size=3), NUMBERS)


@functools.cache
def zones() -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(ZONES), st.text(max_size=8), NUMBERS)


@functools.cache
def path_to(rel: str) -> st.SearchStrategy[str]:
    """Ways to name project file `rel`: plain, container, `//`, `.`, `..`, escapes, symlinked."""
    head, _, tail = rel.partition("/")
    return st.sampled_from(
        [
            rel,
            "/app/" + rel,
            "/app//" + rel,
            "/app/./" + rel,
            "./" + rel,
            f"{head}//{tail}",
            f"{head}/./{tail}",
            f"x/../{rel}",
            f"/app/x/../{rel}",
            f"{head}/../{rel}",
            "../" + rel,
            "/app/../" + rel,
            "/etc/" + rel,
            "/app",
            "/",
            "",
            f"link_in/{rel}",
            f"link_out/{rel}",
            f"/app/link_out/{rel}",
            rel + "/",
            rel + "/.",
            "/app/" + rel.upper(),
            "\x00" + rel,
            "file:///app/" + rel,
        ]
    )


SECRET_FOREIGN = [  # paths that are OTHER's secrets however they are spelled
    "/app/secrets/{o}/x.env",
    "/app/secrets//{o}/x.env",
    "/app/secrets/./{o}/x.env",
    "/app/secrets/{m}/../{o}/x.env",
    "/app//secrets/{o}/x.env",
    "secrets/{o}/x.env",
    "./secrets/{o}/x.env",
    "secrets//{o}//x.env",
    "/app/secrets/{m}/./../{o}/x.env",
    "/app/secrets/{m}/../../secrets/{o}/x.env",
    "/app/./secrets/{o}/x.env",
    "/app/secrets/{o}/./x.env",
    "/app/secrets/{o}//x.env",
    "/app/secrets/.//{o}/x.env",
    "/app/secrets/{o}/",
    "secrets/{m}/../{o}/x.env",
    "/app/secrets/{m}//../{o}/x.env",
    "/app/secrets/{o}",
]
SECRET_OWN = [  # look foreign at a glance, but resolve to OWN's secrets
    "/app/secrets/{m}/x.env",
    "/app/secrets/{o}/../{m}/x.env",
    "/app/secrets//{m}/x.env",
    "secrets/./{m}/x.env",
    "${{SECRETS_DIR}}/x.env",
    "/app/secrets/{m}/{o}.env",
]


# ------------------------------------------------------------------------------ files

CSV_RECIPE = {
    "name": "csv",
    "type": "csv",
    "roles": ["source"],
    "default_engine": {"type": "native"},
    "incremental": {"strategy": "file_modified_time"},
    "file_format": "csv",
}
ASSET = {
    "apiVersion": "v3.0.2",
    "kind": "DataContract",
    "id": "7a1c5e2e-3b0f-4c8e-9d55-0d6a1f9b2c41",
    "name": "events",
    "version": "1.0",
    "status": "active",
    "source_type": "csv",
    "object": "file",
    "schema": [
        {"name": "event_id", "type": "string", "required": True},
        {"name": "occurred_at", "type": "timestamp", "required": True},
    ],
    "team": {"owner": "data@example.com"},
    "target": {"file_format": "parquet", "mode": "strict"},
}


def _iceberg_recipe(template: str) -> dict[str, Any]:
    return {
        "name": "iceberg",
        "type": "iceberg",
        "roles": ["target"],
        "default_engine": {"type": "native"},
        "credentials": {"type": "env_file", "file_template": template},
        "file_format": "parquet",
    }


_PICKS: dict[tuple, st.SearchStrategy[Any]] = {}


def _pick(items: list[Any]) -> st.SearchStrategy[Any]:
    """st.sampled_from(items), built once per list of items."""
    key = tuple(items)
    if key not in _PICKS:
        _PICKS[key] = st.sampled_from(items)
    return _PICKS[key]


@functools.cache
def _rarely(n: int) -> st.SearchStrategy[bool]:
    """True about once in n: a draw from a list whose first items (those Hypothesis favours) are False."""
    return st.sampled_from([False] * (n - 1) + [True])


# one hostility per project (st.shared): some projects are nearly clean and reach the plan and the
# targets, others break many fields at once
_HOSTILITY = st.shared(st.sampled_from([60, 12, 3]), key="hostility")


def _maybe(draw: st.DrawFn, strategy: st.SearchStrategy[Any], clean: Any) -> Any:
    """Mostly the clean value, so most projects get past loading and exercise the later checks.
    (A plain function, not a composite: building strategies per draw was a third of an example.)"""
    return draw(strategy) if draw(_rarely(draw(_HOSTILITY))) else clean


@st.composite
def _job(draw: st.DrawFn, folder: str, tenant: str) -> dict[str, Any]:
    job: dict[str, Any] = {
        "tenant_id": _maybe(draw, NAMES, tenant),
        "source_connector": "csv",
        "source_connector_path": _maybe(draw, path_to("connectors/csv.yaml"), "/app/connectors/csv.yaml"),
        "target_connector": "iceberg",
        "target_connector_path": _maybe(draw, path_to("connectors/iceberg.yaml"), "connectors/iceberg.yaml"),
        "asset": _maybe(draw, NAMES, "events"),
        "asset_path": _maybe(draw, path_to("assets/csv/v1.0/events.yaml"), "/app/assets/csv/v1.0/events.yaml"),
        "source": {
            "files": [
                {"path": _maybe(draw, path_to(f"data/{folder}/e.csv"), f"/app/data/{folder}/e.csv"), "object": "file"}
            ]
        },
        "target": {"branch": _maybe(draw, NAMES, tenant), "catalog": _maybe(draw, NAMES, "nessie")},
    }
    if draw(st.booleans()):
        job["target"]["namespace"] = _maybe(draw, NAMES, tenant)
    if draw(_rarely(4)):
        job["schema_validation_mode"] = _maybe(draw, st.one_of(NAMES, NUMBERS), draw(_pick(["strict", "warn"])))
    if draw(_rarely(4)):
        keys = ["max_retries", "initial_delay_seconds", "max_delay_seconds", "backoff_multiplier"]
        job["retry_config"] = {
            k: _maybe(draw, NUMBERS, draw(_pick([0, 1, 3, 2.5])))
            for k in draw(st.lists(st.sampled_from(keys), max_size=3, unique=True))
        }
    if draw(_rarely(16)):  # deep nesting around the loader's bound of 100 levels
        depth = draw(st.sampled_from(DEPTHS))
        job["source"]["connection"] = {"nested": Raw("[" * depth + "]" * depth)}
    return job


@st.composite
def _schedule(draw: st.DrawFn, configs: list[str], dags: list[str]) -> dict[str, Any]:
    clean = draw(_pick(["hourly", "daily", "s1", "s2", "nightly", "weekly", "every_15m", "a-b"]))
    s: dict[str, Any] = {"name": _maybe(draw, NAMES, clean)}
    if dags and draw(_rarely(4)):
        s["dag"] = draw(st.one_of(st.sampled_from(dags), path_to(dags[0])))
    else:
        s["config"] = _maybe(draw, path_to(configs[0]), draw(st.sampled_from(configs)))
    kind = draw(_pick(["cron"] * 4 + ["interval"] * 2 + ["both", "neither"]))
    if kind in ("cron", "both"):
        s["cron"] = _maybe(draw, cron_values(), draw(st.sampled_from(CRONS_OK)))
    if kind in ("interval", "both"):
        s["interval_seconds"] = _maybe(draw, NUMBERS, draw(_pick([60, 900, 3600, 86400])))
    if draw(st.booleans()):
        s["timezone"] = _maybe(draw, zones(), draw(st.sampled_from(ZONES[:5])))
    if draw(_rarely(4)):
        s["max_concurrent_runs"] = _maybe(draw, NUMBERS, draw(_pick([1, 2, 1000])))
    if draw(_rarely(5)):
        s["enabled"] = _maybe(draw, NUMBERS, draw(st.booleans()))
    if draw(_rarely(5)):
        s["tags"] = draw(st.dictionaries(NAMES, NAMES, max_size=2))
    return s


@st.composite
def _dag(draw: st.DrawFn, tenant: str, configs: list[str]) -> dict[str, Any]:
    ids = draw(st.lists(_pick(["a", "b", "c", "d"]), min_size=1, max_size=4))  # duplicates on purpose
    tasks = []
    for i in ids:
        task: dict[str, Any] = {"id": i, "job": _maybe(draw, path_to(configs[0]), draw(st.sampled_from(configs)))}
        deps = draw(st.lists(st.sampled_from([*ids, "zz"]), max_size=3))
        if deps:
            task["depends_on"] = deps
        if draw(_rarely(6)):
            task["retries"] = _maybe(draw, NUMBERS, 2)
        tasks.append(task)
    return {"name": _maybe(draw, NAMES, "d1"), "tenant_id": _maybe(draw, NAMES, tenant), "tasks": tasks}


def _filename(name: str) -> str | None:
    """`name` as one path component, or None if the filesystem cannot hold it."""
    bad = not name or name in (".", "..") or "/" in name or "\x00" in name or len(name.encode()) > 200
    return None if bad else name


@st.composite
def _tenants(draw: st.DrawFn) -> list[tuple[str, str]]:
    """(folder, tenant_id) pairs; OWN always, OTHER often, sometimes a hostile one."""
    out = [(OWN, OWN)]
    if draw(st.booleans()):
        out.append((OTHER, OTHER))
    if draw(_rarely(4)):
        name = draw(NAMES)
        folder = _filename(name)
        if folder and folder not in (OWN, OTHER):
            out.append((folder, name))
    return out


@st.composite
def _secrets(draw: st.DrawFn, jobs: dict[str, dict[str, Any]], project: Project) -> None:
    """Plant a secret path in one of OWN's jobs: another tenant's (must fail) or its own (must pass)."""
    mine = sorted(rel for rel in jobs if rel.startswith(f"jobs/{OWN}/"))
    if not mine or draw(st.integers(0, 2)) != 0:
        return
    rel = draw(st.sampled_from(mine))
    foreign = draw(st.booleans())
    template = draw(st.sampled_from(SECRET_FOREIGN if foreign else SECRET_OWN))
    value = template.format(o=OTHER, m=OWN)
    job = jobs[rel]
    job["tenant_id"] = OWN
    block, key = draw(_pick([("source", "credentials_file"), ("target", "credentials_file"), ("source", "key_file")]))
    job[block].setdefault("connection", {})[key] = value
    project.planted = value
    (project.foreign_secret_jobs if foreign else project.own_secret_jobs).add(rel)


@st.composite
def _dativo_yaml(draw: st.DrawFn) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "version": 1,
        "container_root": _maybe(
            draw, _pick(["/app/", "/app//", "/", "/App", "app", "", "/app/.", "/app/../app"]), "/app"
        ),
        "mode": "self_hosted",
    }
    if draw(_rarely(4)):
        paths = {
            "runner": [
                "configs/runner.yaml",
                "configs/runer.yaml",
                "configs//runner.yaml",
                "./configs/runner.yaml",
                "configs/",
                "configs",
                "/app/configs/runner.yaml",
                "../runner.yaml",
                "link_out/configs/runner.yaml",
            ],
            "jobs": ["jobs", "jobs/", "./jobs", "jobs//", "/app/jobs", "../jobs", "link_out/jobs", "job"],
            "dags": ["dags", "dags/", "../dags", "link_out/dags", "jobs"],
        }
        keys = draw(st.lists(st.sampled_from(sorted(paths)), min_size=1, max_size=2, unique=True))
        doc["paths"] = {k: draw(st.sampled_from(paths[k])) for k in keys}
    if draw(_rarely(5)):
        doc["tenancy"] = {"shared_namespaces": draw(st.lists(NAMES, max_size=2))}
    return doc


@st.composite
def _links(draw: st.DrawFn, jobs: list[str]) -> dict[str, str]:
    """link_in (the project root itself) and link_out (a copy outside); sometimes a linked job file."""
    links = {"p/link_in": ".", "p/link_out": "../outside"}
    if jobs and draw(_rarely(4)):
        rel = draw(st.sampled_from(jobs))
        folder = rel.rsplit("/", 1)[0]
        up = "../" * (folder.count("/") + 2)
        links[f"p/{folder}/linked.yaml"] = draw(
            st.sampled_from(
                [rel.rsplit("/", 1)[1], f"{up}outside/{rel}", "/etc/hostname", "missing.yaml", "linked.yaml"]
            )
        )
    return links


@st.composite
def projects(draw: st.DrawFn) -> Project:
    files: dict[str, Any] = {
        "dativo.yaml": draw(_dativo_yaml()),
        "connectors/csv.yaml": CSV_RECIPE,
        "assets/csv/v1.0/events.yaml": ASSET,
    }
    project = Project(files={})
    template = "/app/secrets/{tenant}/iceberg.env"
    if draw(_rarely(8)):
        template = draw(st.sampled_from(SECRET_FOREIGN)).format(o=OTHER, m="{tenant}")
        project.foreign_secret_jobs.add("connectors/iceberg.yaml")
        project.planted = template
    files["connectors/iceberg.yaml"] = _iceberg_recipe(template)
    jobs: dict[str, dict[str, Any]] = {}
    for folder, tenant in draw(_tenants()):
        for i in range(draw(st.integers(1 if folder == OWN else 0, 2))):
            name = _filename(_maybe(draw, NAMES, f"j{i}")) or f"j{i}"
            jobs[f"jobs/{folder}/{name}.yaml"] = draw(_job(folder, tenant))
    draw(_secrets(jobs, project))
    project.own_jobs = {rel for rel, job in jobs.items() if job["tenant_id"] == OWN}
    files.update(jobs)
    configs = sorted(jobs)
    dags: list[str] = []
    if draw(_rarely(4)):
        files["dags/d1.yaml"] = draw(
            _dag(draw(st.sampled_from(sorted({j["tenant_id"] for j in jobs.values()}, key=repr))), configs)
        )
        dags.append("dags/d1.yaml")
    schedules = draw(st.lists(_schedule(configs, dags), max_size=3))
    files["configs/runner.yaml"] = {
        "runner": {
            "mode": "orchestrated",
            "orchestrator": {"type": draw(_pick(["dagster", "airflow"])), "schedules": schedules},
        }
    }
    project.files = {rel: doc if isinstance(doc, str) else dump(doc) for rel, doc in files.items()}
    project.links = draw(_links(configs))
    return project
