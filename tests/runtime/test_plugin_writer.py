"""Python writer plugins (`target.custom_writer: path/to/module.py:ClassName`, dativo-ingest's form) run by
`dativo run`: the valid rows, batch by batch, to the plugin's write_batch, then its commit_files; the run
and the incremental state recorded only after that."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.runtime.rt_project import Project, run_cli
from tests.runtime.test_engine_plugin import JOB, PLUGIN, _project

WRITER = Path(__file__).parent / "plugins" / "jsonl_writer.py"
CLASS = "/app/plugins/jsonl_writer.py:JsonlWriter"


def _writer_project(
    root: Path, writer: str = CLASS, count: int = 25000, bad_at: int | None = None, **connection: object
) -> tuple[Project, Path]:
    p = _project(root, count=count, **({"bad_at": bad_at} if bad_at else {}))
    shutil.copy(WRITER, root / "plugins" / "jsonl_writer.py")
    out = root / "out"
    conn = "".join(f"    {k}: {v}\n" for k, v in {"out_dir": out, **connection}.items())
    job = (root / JOB).read_text()
    job = job.replace("target:\n", f"target:\n  custom_writer: {writer}\n", 1)
    job = job.replace(
        "    uri: sqlite:////app/state/catalog/t1.db\n", f"    uri: sqlite:////app/state/catalog/t1.db\n{conn}"
    )
    (root / JOB).write_text(job)
    assert PLUGIN.exists()
    return p, out


def _rows(out: Path) -> list[dict[str, object]]:
    files = sorted(f for f in out.glob("*/part-*.jsonl") if ".staging" not in f.parts)
    return [json.loads(line) for f in files for line in f.read_text().splitlines()]


def test_a_python_writer_gets_the_valid_rows_and_commits_them(tmp_path: Path) -> None:
    p, out = _writer_project(tmp_path)
    res = run_cli("compile", ".", cwd=tmp_path)
    assert res.code == 0 and "DTV224" not in res.out and "DTV220" not in res.out, res.out
    first = p.run("--job", JOB, "--run-id", "r1")
    assert first.code == 0, first.out + first.err  # three batches of the runtime's 10000 rows
    assert sorted(r["id"] for r in _rows(out)) == list(range(1, 25001))
    committed = first.events("custom_writer_committed")[0]
    assert (committed["status"], committed["files_added"]) == ("success", 3)
    metrics = first.events("metrics_complete")[0]
    assert metrics["records_written"] == 25000 and metrics["files_written"] == 3
    assert not (p.state / "warehouse").exists()  # the plugin wrote the rows, not the Iceberg sink
    # the incremental state was saved after commit_files: the next run reads only the new rows
    job = (tmp_path / JOB).read_text().replace("count: 25000", "count: 25100")
    (tmp_path / JOB).write_text(job)
    assert run_cli("compile", ".", cwd=tmp_path).code == 0
    second = p.run("--job", JOB, "--run-id", "r2")
    assert second.code == 0 and second.events("metrics_complete")[0]["records_extracted"] == 100
    assert sorted(r["id"] for r in _rows(out)) == list(range(1, 25101))


def test_a_rerun_of_a_committed_run_id_does_nothing(tmp_path: Path) -> None:
    p, out = _writer_project(tmp_path)
    assert run_cli("compile", ".", cwd=tmp_path).code == 0
    assert p.run("--job", JOB, "--run-id", "r1").code == 0
    again = p.run("--job", JOB, "--run-id", "r1")
    assert again.code == 0 and again.events("job_state.already_committed")
    assert not again.events("custom_writer_initialized")
    assert len(_rows(out)) == 25000


def test_a_failing_writer_fails_the_run_and_records_nothing(tmp_path: Path) -> None:
    p, out = _writer_project(tmp_path, fail_at_batch=1)
    assert run_cli("compile", ".", cwd=tmp_path).code == 0
    res = p.run("--job", JOB, "--run-id", "r1")
    assert res.code == 2, res.out + res.err
    err = res.events("job_error")[-1]["error"]
    assert "custom_writer" in err and "RuntimeError: the writer broke at batch 1" in err
    assert "Traceback" not in res.out + res.err and not res.events("internal_error")
    assert not res.events("custom_writer_committed") and _rows(out) == []
    assert not list((p.state / "incremental").rglob("*.json")), "no incremental state saved"
    rerun = p.run("--job", JOB, "--run-id", "r1")  # the failed run is not recorded as committed
    assert rerun.code == 2 and rerun.events("job_state.resume_required")


def test_output_base_is_dativo_ingest_s_layout(tmp_path: Path) -> None:
    """`s3://<bucket>/<prefix>/<domain>/<dataProduct>/<table>` for a target naming a bucket, else the table
    below the warehouse; and the writer is given the run's key to dedupe by."""
    p, _ = _writer_project(tmp_path / "s3", count=10, s3="{bucket: lake, prefix: raw/}")
    asset = tmp_path / "s3" / "assets/files/v1.0/items.yaml"
    asset.write_text(asset.read_text().replace("asset:\n", "asset:\n  domain: sales\n  dataProduct: crm\n", 1))
    assert run_cli("compile", ".", cwd=tmp_path / "s3").code == 0
    res = p.run("--job", JOB, "--run-id", "r1")
    assert res.code == 0, res.out + res.err
    assert res.events("custom_writer_initialized")[0]["output_base"] == "s3://lake/raw/sales/crm/items"
    p, _ = _writer_project(tmp_path / "wh", count=10)
    assert run_cli("compile", ".", cwd=tmp_path / "wh").code == 0
    res = p.run("--job", JOB, "--run-id", "r1")
    assert res.events("custom_writer_initialized")[0]["output_base"] == "file:///app/state/warehouse/t1/t1/items"


def test_dativo_debug_prints_the_plugin_s_traceback(tmp_path: Path) -> None:
    p, _ = _writer_project(tmp_path, fail_at_batch=0)
    assert run_cli("compile", ".", cwd=tmp_path).code == 0
    proc = p.popen("--job", JOB, env={"DATIVO_DEBUG": "1"})
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 2
    assert "Traceback" in err and "in write_batch" in err and "the writer broke at batch 0" in err, err


def test_only_valid_rows_reach_the_writer(tmp_path: Path) -> None:
    """warn: the invalid row is logged and skipped, the rest written (exit 1); strict: the run fails before
    commit_files and nothing is published."""
    p, out = _writer_project(tmp_path / "warn", bad_at=12345)
    job = tmp_path / "warn" / JOB
    job.write_text(job.read_text().replace("schema_validation_mode: strict", "schema_validation_mode: warn"))
    assert run_cli("compile", ".", cwd=tmp_path / "warn").code == 0
    warn = p.run("--job", JOB, "--run-id", "r1")
    assert warn.code == 1, warn.out + warn.err
    assert warn.events("record_invalid")[0]["row"] == 12345
    ids = sorted(int(str(r["id"])) for r in _rows(out))
    assert len(ids) == 24999 and 12345 not in ids
    p, out = _writer_project(tmp_path / "strict", bad_at=12345)
    assert run_cli("compile", ".", cwd=tmp_path / "strict").code == 0
    strict = p.run("--job", JOB, "--run-id", "r1")
    assert strict.code == 2 and not strict.events("custom_writer_committed") and _rows(out) == []


def test_writer_references_are_checked_at_compile_time(tmp_path: Path) -> None:
    cases = {
        "plugins/jsonl_writer.py": "error DTV255",  # no class
        "plugins/missing.py:Writer": "error DTV256",
        "/app/plugins/libwriter.so:create_writer": "warning DTV257",
    }
    for i, (writer, code) in enumerate(cases.items()):
        root = tmp_path / str(i)
        _writer_project(root, writer)
        res = run_cli("compile", ".", cwd=root)
        assert code in res.out and "target.custom_writer" in res.out, res.out
        assert "DTV224" not in res.out


def test_a_rust_writer_job_is_refused_at_run_time(tmp_path: Path) -> None:
    p, _ = _writer_project(tmp_path, "/app/plugins/libwriter.so:create_writer")
    assert run_cli("compile", ".", cwd=tmp_path).code == 0
    res = p.run("--job", JOB)
    assert res.code == 2 and "Rust plugins are not run" in res.events("job_error")[0]["error"]
    assert not res.events("job_started")


def test_a_class_without_write_batch_is_a_clear_error(tmp_path: Path) -> None:
    p, _ = _writer_project(tmp_path, "/app/plugins/jsonl_writer.py:NotAWriter")
    assert run_cli("compile", ".", cwd=tmp_path).code == 0
    res = p.run("--job", JOB)
    assert res.code == 2
    assert "NotAWriter is not a class with a write_batch() method" in res.events("job_error")[-1]["error"]
