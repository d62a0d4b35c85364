"""Python plugins (`source.custom_reader: path/to/module.py:ClassName`, dativo-ingest's form) run by
`dativo run`: rows through validation into Iceberg, the plugin's state committed with them."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.runtime.engine_project import make_engine_project
from tests.runtime.rt_project import run_cli

JOB = "jobs/t1/items.yaml"
PLUGIN = Path(__file__).parent / "plugins" / "numbers_reader.py"
RECIPE = """
    name: numbers
    type: numbers
    roles: [source]
    default_engine:
      type: native
    """
COLUMNS = """
    - name: id
      type: bigint
      required: true
    - name: name
      type: string
    - name: updated_at
      type: timestamp
"""


def _project(root: Path, reader: str = "/app/plugins/numbers_reader.py:NumbersReader", **connection: object):
    conn = "".join(f"    {k}: {v}\n" for k, v in {"count": 2500, **connection}.items())
    block = f"  custom_reader: {reader}\n  connection:\n{conn}"
    p = make_engine_project(
        root, RECIPE, source="numbers", obj="numbers", columns=COLUMNS, incremental=True, source_block=block,
        compile_=False,
    )  # fmt: skip
    (root / "plugins").mkdir()
    shutil.copy(PLUGIN, root / "plugins" / "numbers_reader.py")
    return p


def test_a_python_reader_loads_rows_and_resumes_from_the_state_it_committed(tmp_path: Path) -> None:
    p = _project(tmp_path)
    res = run_cli("compile", ".", cwd=tmp_path)
    assert res.code == 0 and "DTV224" not in res.out and "DTV218" not in res.out, res.out
    first = p.run("--job", JOB, "--run-id", "r1")
    assert first.code == 0, first.out + first.err
    assert sorted(p.rows().column("id").to_pylist()) == list(range(1, 2501))
    job = (tmp_path / JOB).read_text().replace("count: 2500", "count: 3000")
    (tmp_path / JOB).write_text(job)
    assert run_cli("compile", ".", cwd=tmp_path).code == 0
    second = p.run("--job", JOB, "--run-id", "r2")
    assert second.code == 0 and second.events("source_opened")[0]["resumed"] is True
    assert second.events("metrics_complete")[0]["records_extracted"] == 500  # only the new rows
    ids = p.rows().column("id").to_pylist()
    assert sorted(ids) == list(range(1, 3001))


def test_a_failing_reader_commits_nothing_and_names_itself(tmp_path: Path) -> None:
    p = _project(tmp_path, fail_at=1500)
    assert run_cli("compile", ".", cwd=tmp_path).code == 0
    res = p.run("--job", JOB)
    assert res.code == 2, res.out + res.err
    err = res.events("job_error")[-1]["error"]
    assert "custom_reader" in err and "RuntimeError: the source broke at row 1500" in err
    assert p.table().current_snapshot() is None


def test_plugin_references_are_checked_at_compile_time(tmp_path: Path) -> None:
    cases = {
        "plugins/numbers_reader.py": "error DTV255",  # no class
        "plugins/missing.py:Reader": "error DTV256",
        "/app/plugins/libreader.so:create_reader": "warning DTV257",
    }
    for i, (reader, code) in enumerate(cases.items()):
        root = tmp_path / str(i)
        _project(root, reader)
        res = run_cli("compile", ".", cwd=root)
        assert code in res.out, res.out
        assert "DTV218" not in res.out and "DTV224" not in res.out


def test_a_rust_plugin_job_is_refused_at_run_time(tmp_path: Path) -> None:
    p = _project(tmp_path, "/app/plugins/libreader.so:create_reader")
    assert run_cli("compile", ".", cwd=tmp_path).code == 0
    res = p.run("--job", JOB)
    assert res.code == 2 and "Rust plugins are not run" in res.events("job_error")[0]["error"]
    assert not res.events("job_started")


def test_a_class_without_extract_is_a_clear_error(tmp_path: Path) -> None:
    p = _project(tmp_path, "/app/plugins/numbers_reader.py:NotAReader")
    assert run_cli("compile", ".", cwd=tmp_path).code == 0
    res = p.run("--job", JOB)
    assert (
        res.code == 2 and "NotAReader is not a class with an extract() method" in res.events("job_error")[-1]["error"]
    )
