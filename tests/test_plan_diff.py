"""`dativo plan`'s diff over pairs of projects: the example project as the base, one edit as the head.
Goldens (pytest-regressions) hold the json report and, for some pairs, the markdown; every fire time in
a report is recomputed here with croniter directly, not through runtime/cron.py."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import zoneinfo
from collections.abc import Callable
from pathlib import Path

import pytest
from croniter import croniter
from helpers import EXAMPLES, edit

from dativo.compiler.plandiff import render_json, render_markdown, render_text
from dativo.compiler.plandiff.report import build
from dativo.compiler.plandiff.sides import Side, compile_side
from dativo.runtime.plan import ScheduleEntry

AT = dt.datetime(2026, 3, 27, 12, 0, tzinfo=dt.UTC)  # two days before Europe's spring-forward
RUNNER = "configs/runner.yaml"
NEW_SCHEDULE = """
      - name: orders_csv_evening
        config: /app/jobs/acme/orders_csv_to_iceberg.yaml
        cron: "0 18 * * 1-5"
        timezone: Europe/Berlin
"""
NEWCO_JOB = """\
tenant_id: newco
source_connector: csv
source_connector_path: /app/connectors/csv.yaml
target_connector: iceberg
target_connector_path: /app/connectors/iceberg.yaml
asset: events
asset_path: /app/assets/csv/v1.0/events.yaml
source:
  files:
    - path: /app/data/newco/events.csv
      object: file
      file_format: csv
target:
  branch: newco
  warehouse: s3://lake/newco/
  catalog: nessie
  partitioning: [event_date]
"""
NEWCO_SCHEDULE = """
      - name: newco_events_hourly
        config: /app/jobs/newco/events.yaml
        cron: "5 * * * *"
        timezone: America/New_York
"""


def copy_examples(to: Path) -> Path:
    shutil.copytree(EXAMPLES, to, ignore=shutil.ignore_patterns("generated", "state"))
    return to


def _new_tenant(root: Path) -> None:
    (root / "jobs/newco").mkdir()
    (root / "jobs/newco/events.yaml").write_text(NEWCO_JOB, "utf-8")
    (root / "data/newco").mkdir(parents=True, exist_ok=True)
    shutil.copy(root / "data/globex/events.csv", root / "data/newco/events.csv")
    (root / RUNNER).write_text((root / RUNNER).read_text("utf-8") + NEWCO_SCHEDULE, "utf-8")


def _added_and_removed(root: Path) -> None:
    edit(
        root,
        RUNNER,
        "\n      - name: postgres_orders_weekdays",
        NEW_SCHEDULE + "\n      - name: postgres_orders_weekdays",
    )
    text = (root / RUNNER).read_text("utf-8")
    start = text.index("      - name: globex_stripe_customers_nightly")
    (root / RUNNER).write_text(text[:start], "utf-8")


PAIRS: dict[str, Callable[[Path], None]] = {
    "cron": lambda r: edit(r, RUNNER, 'cron: "30 6 * * *"', 'cron: "45 6 * * *"'),
    "timezone": lambda r: edit(
        r,
        RUNNER,
        'cron: "0 9 * * 1-5"          # weekdays at 09:00\n        timezone: UTC',
        'cron: "0 9 * * 1-5"\n        timezone: Asia/Tokyo',
    ),
    "interval": lambda r: edit(r, RUNNER, "interval_seconds: 21600", "interval_seconds: 10800"),
    "enabled": lambda r: edit(r, RUNNER, "enabled: false", "enabled: true"),
    "added_removed": _added_and_removed,
    "asset": lambda r: edit(
        r,
        "assets/csv/v1.0/orders.yaml",
        "    - name: currency\n      type: string",
        "    - name: currency\n      type: string\n      required: true",
    ),
    "recipe": lambda r: edit(r, "connectors/csv.yaml", 'delimiter: ","', 'delimiter: ";"'),
    "new_tenant": _new_tenant,
    "dag_edge": lambda r: edit(
        r,
        "dags/acme_daily.yaml",
        "retries: 2\n    depends_on: [hubspot_companies]",
        "retries: 2\n    depends_on: [hubspot_companies, stripe_invoices]",
    ),
    "dst_appears": lambda r: edit(r, RUNNER, 'cron: "30 6 * * *"', 'cron: "30 2 * * *"'),
    "no_change": lambda r: None,
}
MARKDOWN = {"cron", "new_tenant", "dst_appears", "added_removed"}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Side:
    side = compile_side(copy_examples(tmp_path_factory.mktemp("base") / "p"), None)
    assert side.ok, side.diagnostics
    return side


def pair(base: Side, tmp_path: Path, name: str) -> tuple[Side, Side, dict]:
    root = copy_examples(tmp_path / "head")
    PAIRS[name](root)
    head = compile_side(root, None)
    assert head.ok, [f"{d.span.file}:{d.span.line} {d.code} {d.message}" for d in head.diagnostics]
    return base, head, build(base, head, "main", AT)


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_pair_golden(name: str, base: Side, tmp_path: Path, file_regression) -> None:
    old, new, report = pair(base, tmp_path, name)
    file_regression.check(render_json.render(report), basename=name, extension=".json")
    if name in MARKDOWN:
        file_regression.check(render_markdown.render(report), basename=name, extension=".md")
    assert_fires_match_croniter(report, old, new)
    assert report["changes"] is (name != "no_change")


def expected_fires(entry: ScheduleEntry, at: dt.datetime, n: int = 5) -> list[str]:
    """The next `n` fire times by croniter alone: each line iterated in its zone, merged, deduplicated."""
    zone = zoneinfo.ZoneInfo(entry.timezone)
    found: set[dt.datetime] = set()
    for line in entry.cron:
        it = croniter(line, at.astimezone(zone))
        found |= {it.get_next(dt.datetime).astimezone(dt.UTC) for _ in range(n)}
    return [t.strftime("%Y-%m-%dT%H:%M:%SZ") for t in sorted(found)[:n]]


def expected_runs(entry: ScheduleEntry, at: dt.datetime) -> int:
    zone, end, found = zoneinfo.ZoneInfo(entry.timezone), at + dt.timedelta(days=7), set()
    for line in entry.cron:
        it = croniter(line, at.astimezone(zone))
        while (t := it.get_next(dt.datetime).astimezone(dt.UTC)) <= end:
            found.add(t)
    return len(found)


def assert_fires_match_croniter(report: dict, old: Side, new: Side) -> None:
    for s in report["schedules"]:
        for key, side in (("before", old), ("after", new)):
            entry = side.plan.schedules.get(s["id"]) if side.plan else None
            fires, runs = s["next_fires_utc"][key], s["runs_7d"][key]
            if entry is None:
                assert fires is None and runs is None
            elif not entry.enabled:
                assert fires == [] and runs == 0
            else:
                assert fires == expected_fires(entry, AT), s["id"]
                assert runs == expected_runs(entry, AT), s["id"]


def test_every_pair_changes_what_it_says(base: Side, tmp_path: Path) -> None:
    """The point of each pair, checked by hand on top of the golden."""
    changes = {name: pair(base, tmp_path / name, name)[2] for name in ("cron", "asset", "recipe", "dag_edge")}
    cron = changes["cron"]["schedules"]
    assert [s["id"] for s in cron] == ["acme.orders_csv_morning"]
    assert cron[0]["fields"] == {"cron": {"before": ["30 6 * * *"], "after": ["45 6 * * *"]}}
    asset = changes["asset"]["schedules"][0]
    assert "job.asset.columns[currency].required" in asset["fields"]
    assert {"path": "assets/csv/v1.0/orders.yaml", "role": "asset", "change": "changed"} in asset["files"]
    recipe = changes["recipe"]["schedules"]
    assert all(f["role"] == "recipe" for s in recipe for f in s["files"]), recipe
    assert any(re.search(r"^job\.source\.engine_options", n) for s in recipe for n in s["fields"])
    dag = changes["dag_edge"]["schedules"][0]
    assert dag["fields"]["dag.tasks[hubspot_deals].depends_on"]["after"] == ["hubspot_companies", "stripe_invoices"]


def test_new_tenant_names_its_prerequisites(base: Side, tmp_path: Path) -> None:
    report = pair(base, tmp_path, "new_tenant")[2]
    (tenant,) = report["tenants"]
    assert tenant["id"] == "newco" and tenant["change"] == "added"
    needs = tenant["prerequisites"]["new"]
    for wanted in (
        "Kubernetes namespace dativo-newco",
        "Kubernetes Secret dativo-newco-secrets in dativo-newco",
        "Kubernetes PersistentVolumeClaim dativo-newco-state (state volume)",
        "Airflow pool dativo_tenant_newco with 1 slot(s)",
        "secret file /app/secrets/newco/iceberg.env",
    ):
        assert wanted in needs, needs
    assert "import the pools: `airflow pools import airflow/pools.json`" in report["actions"]


def test_removed_schedule_artifacts_are_called_out_for_deletion(base: Side, tmp_path: Path) -> None:
    report = pair(base, tmp_path, "added_removed")[2]
    removed = report["artifacts"]["removed"]
    assert "kubernetes/globex/globex_stripe_customers_nightly.yaml" in removed
    assert "systemd/dativo-globex-globex_stripe_customers_nightly.timer" in removed
    assert "no longer generated: delete them" in render_text.render(report)


def test_base_that_does_not_compile_still_shows_the_head(base: Side, tmp_path: Path) -> None:
    broken = copy_examples(tmp_path / "broken")
    edit(broken, RUNNER, 'cron: "30 6 * * *"', 'cron: "61 6 * * *"')
    old = compile_side(broken, None)
    assert not old.ok
    report = build(old, base, "main", AT)
    assert report["base"]["compiled"] is False and report["base"]["errors"] >= 1
    assert {s["change"] for s in report["schedules"]} == {"added"}
    assert "does not compile" in render_markdown.render(report)


def test_same_inputs_same_bytes(base: Side, tmp_path: Path) -> None:
    one = pair(base, tmp_path / "a", "new_tenant")[2]
    two = pair(base, tmp_path / "b", "new_tenant")[2]
    for r in (render_json, render_markdown, render_text):
        assert r.render(one) == r.render(two)


def test_a_file_with_the_same_name_and_bytes_is_parsed_once(tmp_path: Path) -> None:
    """`dativo plan` compiles both sides inside reuse.reusing(): an unchanged file is not parsed again,
    a changed one is, and nothing is shared outside the block."""
    from dativo.compiler.diagnostics import Diagnostics
    from dativo.compiler.load import load_file
    from dativo.compiler.reuse import remember, reusing

    one, two = tmp_path / "one.yaml", tmp_path / "two.yaml"
    one.write_text("a: 1\n", "utf-8")
    two.write_text("a: 1\n", "utf-8")
    diags = Diagnostics()
    with reusing():
        first = load_file(one, "x.yaml", diags)
        assert first is not None
        remember(first)
        assert load_file(two, "x.yaml", diags) is first  # same shown path, same bytes
        assert load_file(two, "y.yaml", diags) is not first  # another path: its spans name another file
        two.write_text("a: 2\n", "utf-8")
        changed_doc = load_file(two, "x.yaml", diags)
        assert changed_doc is not None and changed_doc.data == {"a": 2}
    assert load_file(one, "x.yaml", diags) is not first
    assert not diags.items
