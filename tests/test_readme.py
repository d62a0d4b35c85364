"""The README and docs/ say what the code does: the README stays short and its tour runs as written,
the diagnostics catalogue lists every code with real messages, and every relative link resolves."""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path

import pytest
from helpers import REPO, dativo

from dativo.compiler.codes import REGISTRY

README = (REPO / "README.md").read_text("utf-8")
DOCS = REPO / "docs"
DIAGNOSTICS = (DOCS / "diagnostics.md").read_text("utf-8")
README_MAX_BYTES = 10 * 1024
ROW = re.compile(r"^\| `(DTV\d{3})` \| (.+?) \| `(.+)` \|$", re.M)
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
CITED = re.compile(r"\bdocs/([a-z]+\.md)(?:#([a-z0-9-]+))?")


def test_readme_stays_short() -> None:
    size = len(README.encode("utf-8"))
    assert size <= README_MAX_BYTES, f"README.md is {size} bytes; move reference material into docs/"


def test_the_two_commands_are_make_targets() -> None:
    makefile = (REPO / "Makefile").read_text()
    assert "make demo" in README and "make test" in README
    assert "\ndemo:" in makefile and "\ntest:" in makefile
    assert "make test" in (REPO / ".ci" / "run").read_text()


def test_every_code_is_in_the_catalogue() -> None:
    for code in REGISTRY.values():
        assert f"| `{code}` | {code.summary} |" in DIAGNOSTICS, code
    listed = [m[1] for m in ROW.finditer(DIAGNOSTICS)]
    assert listed == list(REGISTRY), "one row per registered code, in the registry's order, and no other"


def test_catalogue_is_generated_from_the_registry_and_the_goldens() -> None:
    """docs/diagnostics.md's table is docs/generate.py's output: it had drifted from real output when
    written by hand (DTV402, DTV405). Regenerate with `python docs/generate.py`."""
    generate = _generator()
    assert generate.render(DIAGNOSTICS) == DIAGNOSTICS, "run `python docs/generate.py`"


def test_catalogue_staleness_is_detected() -> None:
    generate = _generator()
    stale = DIAGNOSTICS.replace(f"| `{generate.REGISTRY['DTV301']}` | ", "| `DTV301` | old title, ", 1)
    assert generate.render(stale) != stale


def test_catalogue_examples_are_real_messages() -> None:
    """A code with bad cases quotes its example from one of their expected.txt."""
    bad = REPO / "tests" / "cases" / "bad"
    checked = 0
    for code, _title, example in ROW.findall(DIAGNOSTICS):
        goldens = [p.read_text("utf-8") for p in sorted(bad.glob(f"{code}_*/expected.txt"))]
        if not goldens:
            continue
        quoted = example.replace("\\|", "|").removesuffix("...").rstrip()  # a long message is cut with '...'
        assert any(f" {code}: {quoted}" in g for g in goldens), f"{code}: {example!r} is in no expected.txt"
        checked += 1
    assert checked >= 50


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("generate", DOCS / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    out, fenced = set(), False
    for line in path.read_text("utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (m := re.match(r"#{1,6} (.+)", line)):
            out.add(_slug(m[1]))
    return out


def _broken(source: Path, target: str) -> str | None:
    path, _, anchor = target.partition("#")
    dest = (source.parent / path).resolve() if path else source
    if not dest.exists():
        return f"{source.relative_to(REPO)}: {target} (no such file)"
    if anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
        return f"{source.relative_to(REPO)}: {target} (no heading #{anchor})"
    return None


def _doc_files() -> list[Path]:
    return [REPO / "README.md", *sorted(DOCS.glob("*.md")), REPO / "bench" / "README.md"]


def test_relative_links_resolve() -> None:
    broken = []
    for source in _doc_files():
        for target in LINK.findall(source.read_text("utf-8")):
            if not re.match(r"[a-z]+:", target):  # http:, https:, mailto: are not checked
                broken.append(_broken(source, target))
    assert [b for b in broken if b] == []


def test_the_docs_exist_and_are_linked_from_the_readme() -> None:
    for name in ("configuration", "diagnostics", "targets", "runtime", "performance", "architecture"):
        assert (DOCS / f"{name}.md").is_file(), name
        assert f"(docs/{name}.md)" in README, name


def test_docs_cited_in_code_resolve() -> None:
    """Comments cite docs/<page>.md#<anchor> (not an outside design document): each must exist."""
    broken, outside = [], []
    for folder in ("compiler", "runtime", "targets", "bench", "tests"):
        for py in sorted((REPO / folder).rglob("*.py")):
            text = py.read_text("utf-8")
            for page, anchor in CITED.findall(text):
                problem = _broken(REPO / "README.md", f"docs/{page}" + (f"#{anchor}" if anchor else ""))
                broken.append(problem and f"{py.relative_to(REPO)} cites {problem.partition(': ')[2]}")
            if "DESIGN.md" in text and py.name != "test_readme.py":
                outside.append(py.relative_to(REPO).as_posix())
    assert [b for b in broken if b] == []
    assert outside == [], "cite the repository's own docs/, not DESIGN.md"


def _block_after(marker: str, text: str = README) -> list[str]:
    """The lines of the first fenced block after `marker` in the README (or `text`)."""
    rest = text[text.index(marker) :]
    start = rest.index("```") + len("```")
    body = rest[rest.index("\n", start) + 1 : rest.index("```", start)]
    return [line for line in body.splitlines() if line.strip()]


@pytest.fixture()
def tour(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "examples", tmp_path / "examples", ignore=shutil.ignore_patterns("state"))
    return tmp_path


def test_tour_validate(tour: Path) -> None:
    clean = dativo("validate", "examples", cwd=tour)
    assert clean.code == 0 and clean.out.endswith("0 errors, 10 warnings\n"), clean.out
    runner, job = tour / "examples/configs/runner.yaml", tour / "examples/jobs/acme/orders_csv_to_iceberg.yaml"
    runner.write_text(runner.read_text().replace('cron: "0 * * * *"', 'cron: "61 * * * *"', 1))
    job.write_text(job.read_text().replace("schema_validation_mode:", "schema_validaton_mode:", 1))
    broken = dativo("validate", "examples", cwd=tour)
    assert broken.code == 1 and "2 errors, 10 warnings" in broken.out, broken.out
    shown = _block_after("**Validate.**")
    assert len(shown) == 3
    for line in shown:
        assert line in broken.out.splitlines(), line


def test_tour_check_names_stale_files(tour: Path) -> None:
    runner = tour / "examples/configs/runner.yaml"
    assert dativo("compile", "examples", "--check", cwd=tour).code == 0
    runner.write_text(runner.read_text().replace('"30 6 * * *"', '"45 6 * * *"', 1))
    stale = dativo("compile", "examples", "--check", cwd=tour)
    assert stale.code == 1 and "error DTV601: generated artifact plan.json is stale" in stale.out, stale.out
    assert "error DTV601: generated artifact plan.json is stale" in " ".join(README.split())
    assert "+    schedule=CronTriggerTimetable('45 6 * * *'" in stale.out


def test_tour_run_and_what_lands_where(tour: Path) -> None:
    argv = ("run", "--plan", "examples/generated/plan.json", "--job", "acme.orders_csv_morning")
    assert "dativo " + " ".join(argv) in README
    first = dativo(*argv, cwd=tour)
    assert first.code == 0 and '"records_written": 20' in first.out, first.out + first.err
    again = dativo(*argv, cwd=tour)
    assert again.code == 0 and "job_state.already_committed" in again.out, again.out + again.err
    runtime_doc = (DOCS / "runtime.md").read_text("utf-8")  # the README links it there
    assert "docs/runtime.md#the-iceberg-sink-what-is-written-where" in README
    places = [line.split()[0] for line in _block_after("The example project after `make demo`", runtime_doc)]
    assert len(places) == 5
    for place in places:
        assert list(tour.glob(place.replace("...", "*"))), place
