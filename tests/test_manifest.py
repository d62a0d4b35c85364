"""The output manifest (compiler/manifest.py): `compile --check` skips rendering only when it proves the
output unchanged, and stays exactly as strict as a full render and comparison."""

from __future__ import annotations

import ast
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import EXAMPLES, REPO, dativo, edit

from dativo.compiler import forked, manifest, prefetch, write
from dativo.compiler.commands.compile import _Proof
from dativo.compiler.pipeline import compile_project

MANIFEST = manifest.MANIFEST


@pytest.fixture
def project(tmp_path: Path) -> Path:
    dst = tmp_path / "proj"
    shutil.copytree(EXAMPLES, dst)
    assert dativo("compile", ".", cwd=dst).code == 0
    return dst


def _proven(root: Path) -> dict[str, str] | None:
    """The recorded digests when the manifest proves the output unchanged (what `--check` then skips)."""
    proof = _Proof(root, None)
    result = compile_project(root, cwd=root, unchanged=proof)
    assert result.artifacts, result.diags.sorted()
    rendered = set(result.artifacts) != {"plan.json"}
    assert rendered == (proof.files is None)  # rendered exactly when not proven
    return proof.files


def test_check_of_an_unchanged_output_skips_rendering_and_reports_the_same(project: Path) -> None:
    files = _proven(project)
    assert files is not None and "kubernetes/kustomization.yaml" in files and ".dativo-generated" in files
    fast = dativo("compile", ".", "--check", "--no-cache", cwd=project)
    (project / "generated" / MANIFEST).unlink()
    assert _proven(project) is None
    full = dativo("compile", ".", "--check", "--no-cache", cwd=project)
    assert (fast.code, fast.out, fast.err) == (full.code, full.out, full.err) and fast.code == 0


def _edit_generated(root: Path) -> None:
    unit = sorted((root / "generated" / "systemd").glob("*.timer"))[0]
    unit.write_text(unit.read_text().replace("AccuracySec=1s", "AccuracySec=9s"))


def _delete_generated(root: Path) -> None:
    (root / "generated" / "airflow" / "pools.json").unlink()


def _add_generated(root: Path) -> None:
    (root / "generated" / "kubernetes" / "extra.yaml").write_text("kind: ConfigMap\n")


def _edit_input(root: Path) -> None:
    edit(root, "configs/runner.yaml", '"0 * * * *"', '"5 * * * *"')


def _edit_setting(root: Path) -> None:
    edit(root, "dativo.yaml", "\nenvironments:", "\ntargets:\n  kubernetes:\n    namespace: elsewhere\nenvironments:")


def _corrupt_manifest(root: Path) -> None:
    (root / "generated" / MANIFEST).write_text("{")


STALE: dict[str, Callable[[Path], None]] = {
    "a hand-edited generated file": _edit_generated,
    "a deleted generated file": _delete_generated,
    "an added file": _add_generated,
    "a changed input": _edit_input,
    "a changed target setting": _edit_setting,
}


@pytest.mark.parametrize("change", sorted(STALE))
def test_every_change_fails_check_as_before(project: Path, change: str) -> None:
    STALE[change](project)
    assert _proven(project) is None
    r = dativo("compile", ".", "--check", "--no-cache", cwd=project)
    assert r.code == 1 and "error DTV60" in r.out


def test_a_corrupt_or_stale_manifest_only_costs_the_fast_path(project: Path) -> None:
    _corrupt_manifest(project)
    assert _proven(project) is None
    assert dativo("compile", ".", "--check", "--no-cache", cwd=project).code == 0  # not an artifact
    assert dativo("compile", ".", cwd=project).code == 0  # rewritten
    assert _proven(project) is not None


def test_another_dativo_or_template_is_not_proven(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _proven(project) is not None
    monkeypatch.setattr(manifest, "_code_key", "another dativo")
    assert _proven(project) is None


def test_a_targeted_compile_leaves_the_manifest_and_checks_in_full(project: Path) -> None:
    before = (project / "generated" / MANIFEST).read_bytes()
    _edit_generated(project)
    assert dativo("compile", ".", "--target", "systemd", cwd=project).code == 0
    assert (project / "generated" / MANIFEST).read_bytes() == before
    assert dativo("compile", ".", "--check", "--target", "systemd", "--no-cache", cwd=project).code == 0
    assert _proven(project) is not None  # the file is back as the manifest records it


def test_manifest_records_every_file_and_no_machine_detail(project: Path) -> None:
    out = project / "generated"
    record = json.loads((out / MANIFEST).read_text())
    on_disk = {
        p.relative_to(out).as_posix()
        for p in out.rglob("*")
        if p.is_file() and p.name != MANIFEST and "staging" not in p.relative_to(out).parts
    }
    digests = {rel: manifest.sha256((out / rel).read_bytes()) for rel in on_disk}
    assert (record["files"], record["tree"]) == (len(on_disk), manifest.tree(digests))
    assert len((out / MANIFEST).read_bytes()) < 400  # a few lines whatever the project's size
    text = (out / MANIFEST).read_text()
    assert str(project) not in text and str(REPO) not in text


def _dativo_imports(path: Path, module: str) -> set[str]:
    """The dativo modules `path` (module `module`) imports, relative imports resolved."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            name = ".".join(base + ([node.module] if node.module else []))
            found |= {name} | {f"{name}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return {m for m in found if m.startswith("dativo.")}


def _module_file(module: str) -> Path | None:
    path = REPO.joinpath(*module.split(".")[1:])
    for candidate in (path / "__init__.py", path.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def test_render_modules_cover_what_the_targets_import() -> None:
    """A target importing a new dativo module outside targets/ must add it to RENDER_MODULES (or, when it
    only reports findings, to FINDINGS_ONLY)."""
    stack = [
        "dativo." + p.relative_to(REPO).with_suffix("").as_posix().replace("/", ".").removesuffix(".__init__")
        for p in (REPO / "targets").rglob("*.py")
    ]
    seen: set[str] = set()
    outside: set[str] = set()
    while stack:
        module = stack.pop()
        path = _module_file(module)
        if module in seen or path is None:
            continue
        seen.add(module)
        rel = path.relative_to(REPO).as_posix()
        if rel in manifest.FINDINGS_ONLY:  # the diagnostics API: not followed (it renders nothing)
            continue
        if not rel.startswith("targets/"):
            outside.add(rel)
        stack += _dativo_imports(path, module)
    assert outside == set(manifest.RENDER_MODULES)


def test_a_manifest_records_its_key_its_files_and_their_tree(project: Path) -> None:
    """manifest.records: what the proof from the loading worker's listing and digests asks of the manifest
    (compiler/prefetch.py); any field that differs, or a manifest that did not parse, proves nothing."""
    proof = _Proof(project, None)
    result = compile_project(project, cwd=project, unchanged=proof)
    assert proof.files is not None
    key = manifest.emit_key(result.artifacts["plan.json"], _settings(result))
    record = manifest.read_record(str(project / "generated" / manifest.MANIFEST))
    tree = manifest.tree(proof.files)
    assert manifest.records(record, key, len(proof.files), tree)
    assert not manifest.records(record, key, len(proof.files) + 1, tree)
    assert not manifest.records(record, key, len(proof.files), manifest.tree({**proof.files, "extra.yaml": "0"}))
    assert not manifest.records(record, "0" * 64, len(proof.files), tree)
    assert not manifest.records({**record, "format": manifest.FORMAT + 1}, key, len(proof.files), tree)
    assert not manifest.records(None, key, len(proof.files), tree)  # read_record of a manifest that did not parse
    assert not manifest.records([record], key, len(proof.files), tree)


def _settings(result) -> dict:
    from dativo.compiler.emit import settings_for
    from dativo.targets import names

    return {name: settings_for(name, result.project.target_settings) for name in names()}


def test_the_loading_workers_listing_stands_in_for_a_listing_here(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker listed and digested the output dir already: the proof uses its listing (and stats)."""
    expected = _proven(project)
    monkeypatch.setattr(forked, "enabled", True)
    monkeypatch.setattr(forked.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)  # two cores to fork for
    files = prefetch.start(project, digest_out=True)
    try:
        monkeypatch.setattr(
            write, "existing_files", lambda out_dir, nested=None: pytest.fail("listed again")
        )  # the worker has its own
        proof = _Proof(project, None, files)
        result = compile_project(project, cwd=project, unchanged=proof, files=files)
    finally:
        files.close()
    assert set(result.artifacts) == {"plan.json"}
    assert proof.files == expected and proof.stats is not None and proof.stats.keys() == expected.keys()


def test_a_manifest_nested_past_the_parser_proves_nothing(project: Path) -> None:
    """A manifest too deep for the JSON parser (corrupt, or made so) is no proof: the full check runs and
    passes (the manifest is a hint), never a traceback."""
    where = project / "generated" / manifest.MANIFEST
    where.write_text("[" * 100_000, "utf-8")
    assert manifest.read_record(str(where)) is None
    proof = _Proof(project, None)
    result = compile_project(project, cwd=project, unchanged=proof)
    assert proof.files is None and len(result.artifacts) > 1  # rendered in full
    assert dativo("compile", ".", "--check", cwd=project).code == 0
