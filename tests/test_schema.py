"""The committed JSON Schemas match the models, and they accept the example project."""

from __future__ import annotations

import json

import jsonschema
import pytest
from helpers import EXAMPLES, REPO, dativo
from ruamel.yaml import YAML

from dativo.compiler.commands.schema import render


def test_committed_schemas_are_fresh() -> None:
    files = render()
    on_disk = {p.name: p.read_text("utf-8") for p in (REPO / "schemas").glob("*.json")}
    assert on_disk == files, "run `dativo schema --out schemas`"
    assert dativo("schema", "--out", "schemas", "--check").code == 0


KINDS = [
    ("jobs/*/*.yaml", "job"),
    ("configs/runner.yaml", "runner"),
    ("connectors/*.yaml", "connector"),
    ("registry/connectors.yaml", "registry"),
    ("dags/*.yaml", "dag"),
    ("dativo.yaml", "project"),
]


@pytest.mark.parametrize("pattern, kind", KINDS)
def test_examples_validate_against_the_schemas(pattern: str, kind: str) -> None:
    schema = json.loads((REPO / "schemas" / f"{kind}.schema.json").read_text())
    files = sorted(EXAMPLES.glob(pattern))
    assert files
    for f in files:
        jsonschema.validate(YAML(typ="safe", pure=True).load(f.read_text()), schema)


def test_schemas_reject_unknown_keys() -> None:
    schema = json.loads((REPO / "schemas" / "runner.schema.json").read_text())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"runner": {"orchestrator": {"schedules": [{"name": "x", "cronn": "0 * * * *"}]}}}, schema)


def test_yaml_language_server_lines_point_at_existing_schemas() -> None:
    for f in sorted(EXAMPLES.rglob("*.yaml")):
        first = f.read_text().splitlines()[0]
        if first.startswith("# yaml-language-server: $schema="):
            target = (f.parent / first.split("=", 1)[1]).resolve()
            assert target.is_file(), (f, target)


def test_schema_out_naming_a_file_is_a_usage_error(tmp_path) -> None:
    (tmp_path / "afile").write_text("x\n")
    r = dativo("schema", "--out", str(tmp_path / "afile"))
    assert r.code == 2 and "cannot write the schemas into" in r.err and "internal error" not in r.err, r.err
    assert (tmp_path / "afile").read_text() == "x\n"


def test_the_plan_schema_is_published_and_describes_the_committed_plan() -> None:
    """schemas/plan.schema.json is generated from runtime/plan.py: the example plan validates against it,
    and a plan of another major version, or one missing a field, does not."""
    schema = json.loads((REPO / "schemas" / "plan.schema.json").read_text())
    plan = json.loads((EXAMPLES / "generated" / "plan.json").read_text())
    jsonschema.validate(plan, schema)
    for broken in ({**plan, "version": plan["version"] + 1}, {k: v for k, v in plan.items() if k != "version"}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, schema)
    entry = next(iter(plan["schedules"].values()))
    del entry["runner"]
    with pytest.raises(jsonschema.ValidationError, match="'runner' is a required property"):
        jsonschema.validate(plan, schema)
