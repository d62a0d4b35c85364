"""Editor schema links that survive a copy (compiler/editorschemas.py): `dativo schema --into PROJECT` keeps
the JSON Schemas in the project and points every config file's `yaml-language-server` line at them, so the
example project copied to the root of another repository still has working links (issue 15)."""

from __future__ import annotations

import shutil
from pathlib import Path

from helpers import EXAMPLES, dativo

from dativo.compiler.commands.schema import render

PREFIX = "# yaml-language-server: $schema="


def _links(root: Path) -> dict[Path, Path]:
    out = {}
    for f in sorted(root.rglob("*.yaml")):
        first = f.read_text("utf-8").partition("\n")[0]
        if first.startswith(PREFIX):
            out[f] = (f.parent / first.removeprefix(PREFIX)).resolve()
    return out


def test_the_examples_links_resolve_when_the_project_is_copied_to_a_repository_root(tmp_path: Path) -> None:
    repo = tmp_path / "their-repo"  # the example's files at the root of another repository
    shutil.copytree(EXAMPLES, repo)
    links = _links(repo)
    assert len(links) >= 25  # every config kind has its line: project, runner, registry, recipes, assets, jobs, DAG
    for f, target in links.items():
        assert target.is_relative_to(repo.resolve()) and target.is_file(), (f, target)


def test_the_committed_project_schemas_are_fresh() -> None:
    assert dativo("schema", "--into", "examples", "--check").code == 0
    committed = {p.name: p.read_text("utf-8") for p in (EXAMPLES / ".dativo" / "schemas").glob("*.json")}
    assert committed == render()


def test_into_writes_the_schemas_and_repoints_links_outside_the_project(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    shutil.copytree(EXAMPLES, project)
    shutil.rmtree(project / ".dativo")
    job = project / "jobs" / "acme" / "orders_csv_to_iceberg.yaml"
    body = job.read_text("utf-8").partition("\n")[2]
    job.write_text(f"{PREFIX}../../../schemas/job.schema.json\n{body}")  # the old, repository-relative link
    other = project / "configs" / "notes.yaml"
    other.write_text("# yaml-language-server: $schema=https://example.com/x.json\nx: 1\n")
    r = dativo("schema", "--into", str(project), "--check")
    assert r.code == 1 and f"{job}: stale" in r.out, r.out
    assert dativo("schema", "--into", str(project)).code == 0
    assert job.read_text("utf-8") == f"{PREFIX}../../.dativo/schemas/job.schema.json\n{body}"
    assert other.read_text("utf-8").startswith("# yaml-language-server: $schema=https://example.com/x.json\n")
    assert sorted(p.name for p in (project / ".dativo" / "schemas").iterdir()) == sorted(render())
    assert dativo("schema", "--into", str(project), "--check").code == 0
