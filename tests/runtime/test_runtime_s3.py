"""`s3`/`minio` targets write Parquet files for real (issue 13), against the moto server the tests start
(conftest.py): upstream's layout `s3://<bucket>/<prefix>/<domain>/<dataProduct>/<table>/`, files of about
`parquet_target_size_mb`, Hive-style partition folders, once per run id (a commit marker written last),
nothing visible after a failure, clear errors for refused credentials and a missing bucket."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.compute as pc
import pytest
from conftest import S3Server
from s3_project import (
    MINIO_SCHEDULE,
    PATH,
    S3_SCHEDULE,
    env_for,
    listing,
    make_s3_project,
    people,
    read,
    run,
    write_people,
)

S3_WHERE = f"raw/csv/people/{PATH}"
MINIO_WHERE = f"raw/csv/people_minio/{PATH}"


def published(names: list[str]) -> list[str]:
    return [n for n in names if "/_dativo/" not in n]


def test_s3_job_writes_parquet_files_under_upstream_layout_and_a_rerun_adds_nothing(
    tmp_path: Path, s3_server: S3Server
) -> None:
    bucket = s3_server.bucket("people-s3")
    p = make_s3_project(tmp_path / "p")
    plan = json.loads(p.plan.read_text())["jobs"]["jobs/t1/people_to_s3.yaml"]["target"]
    assert (plan["writes"], plan["parquet_path"]) == ("parquet", PATH)
    write_people(p, people(500))
    env = env_for(s3_server, bucket)
    res = run(p, S3_SCHEDULE, "r1", env)
    assert res.code == 0, res.out + res.err
    files = published(listing(s3_server, bucket))
    assert files and all(f.startswith(f"{bucket}/{S3_WHERE}/") and f.endswith(".parquet") for f in files), files
    table = read(s3_server, f"{bucket}/{S3_WHERE}")
    assert table.num_rows == 500 and sorted(table.column("id").to_pylist()) == list(range(500))
    assert table.schema.field("id").type == "int64" and str(table.schema.field("joined").type) == "date32[day]"
    metrics = res.events("metrics_complete")[0]
    # (the bucket comes from a `${VAR}` reference: masked like every referenced value)
    assert metrics["records_written"] == 500 and metrics["location"].endswith(f"/{S3_WHERE}/")
    # the secret never appears, not even at DEBUG
    assert s3_server.secret_key not in res.out + res.err
    # the same run id again, its job state gone (another worker, a lost state dir): the commit marker says done
    again = run(p, S3_SCHEDULE, "r1", env, "--state-dir", str(tmp_path / "other-state"))
    assert again.code == 0, again.out + again.err
    assert again.events("job_finished")[0]["status"] == "already_committed"
    assert read(s3_server, f"{bucket}/{S3_WHERE}").num_rows == 500
    assert published(listing(s3_server, bucket)) == files
    markers = [n for n in listing(s3_server, bucket) if "/_dativo/commits/" in n]
    assert len(markers) == 1 and json.loads(s3_server.filesystem().open_input_stream(markers[0]).read())["rows"] == 500
    # a new run id appends its own files
    write_people(p, people(700))
    assert run(p, S3_SCHEDULE, "r2", env).code == 0
    assert read(s3_server, f"{bucket}/{S3_WHERE}").num_rows == 500 + 700


def test_minio_job_rolls_files_at_the_target_size_in_partition_folders(tmp_path: Path, s3_server: S3Server) -> None:
    bucket = s3_server.bucket("people-minio")
    p = make_s3_project(tmp_path / "p")
    write_people(p, people(120_000, countries=("DE", "US", "Fr")))
    res = run(p, MINIO_SCHEDULE, "r1", env_for(s3_server, bucket))
    assert res.code == 0, res.out + res.err
    files = published(listing(s3_server, bucket))
    folders = {f.rsplit("/", 1)[0].rsplit("/", 1)[1] for f in files}
    assert folders == {"country=de", "country=us", "country=fr"}, files  # upstream's folder values
    sizes = {i.path: i.size for i in s3_server.filesystem().get_file_info(files)}
    assert len(files) > len(folders)  # ~2.4 MB per folder at 1 MB per file: rolled
    assert all(size < 2 * 1024 * 1024 for size in sizes.values()), sizes
    table = read(s3_server, f"{bucket}/{MINIO_WHERE}")
    assert table.num_rows == 120_000 and pc.count_distinct(table.column("id")).as_py() == 120_000
    assert res.events("metrics_complete")[0]["files_written"] == len(files)


def test_a_failure_half_way_leaves_nothing_visible_and_the_retry_loads_once(
    tmp_path: Path, s3_server: S3Server
) -> None:
    bucket = s3_server.bucket("people-half")
    p = make_s3_project(tmp_path / "p")
    job = p.root / "jobs/t1/people_to_minio.yaml"
    job.write_text(
        job.read_text().replace(
            "    - path: /app/data/t1/people.csv\n      object: file\n",
            "    - path: /app/data/t1/people.csv\n      object: file\n"
            "    - path: /app/data/t1/zz_bad.csv\n      object: file\n",
        )
    )
    from rt_project import run_cli

    assert run_cli("compile", ".", cwd=p.root).code == 0
    write_people(p, people(40_000))  # staged (1 MB files) before the bad file is read
    p.write_csv([(1, "", "DE", "not-a-date")], "zz_bad.csv", header="id,name,country,joined")
    env = env_for(s3_server, bucket)
    res = run(p, MINIO_SCHEDULE, "r1", env)
    assert res.code == 2, res.out + res.err
    assert published(listing(s3_server, bucket)) == []
    assert not [n for n in listing(s3_server, bucket) if n.endswith(".parquet") or "/commits/" in n]
    # the data fixed, the same run id resumed: every row once
    p.write_csv([(40_000, "late", "DE", "2025-03-02")], "zz_bad.csv", header="id,name,country,joined")
    ok = run(p, MINIO_SCHEDULE, "r1", env, "--resume-policy", "resume")
    assert ok.code == 0, ok.out + ok.err
    assert read(s3_server, f"{bucket}/{MINIO_WHERE}").num_rows == 40_001


def test_wrong_credentials_are_a_clear_error_exit_2_not_retried(tmp_path: Path, s3_server: S3Server) -> None:
    bucket = s3_server.bucket("people-denied")
    p = make_s3_project(tmp_path / "p")
    write_people(p, people(10))
    res = run(p, S3_SCHEDULE, "r1", env_for(s3_server, bucket, secret="not-the-secret-key-0000"))
    assert res.code == 2, res.out + res.err
    errors = res.events("job_error")
    assert len(errors) == 1 and "S3 refused the credentials" in errors[0]["error"], res.out
    assert "secret_access_key" in errors[0]["error"]  # the hint names what to check
    assert "not-the-secret-key-0000" not in res.out + res.err
    assert listing(s3_server, bucket) == []


@pytest.mark.parametrize("bucket_env", ["no-such-bucket", ""])
def test_a_missing_bucket_is_an_error_and_never_created(tmp_path: Path, s3_server: S3Server, bucket_env: str) -> None:
    p = make_s3_project(tmp_path / "p")
    write_people(p, people(10))
    env = env_for(s3_server, bucket_env)
    res = run(p, S3_SCHEDULE, "r1", env)
    assert res.code == 2, res.out + res.err
    error = res.events("job_error")[0]["error"]
    if bucket_env:
        assert "does not exist" in error and "never creates" in error  # (the name is masked: a `${VAR}`)
        assert s3_server.filesystem().get_file_info("no-such-bucket").type.name == "NotFound"
    else:  # `${PEOPLE_BUCKET}` set to nothing: no bucket at all, never a guessed one
        assert "names no bucket" in error
        assert not p.state.exists()


def test_a_state_file_behind_the_commit_markers_is_replaced_by_the_latest_marker_s_state(
    tmp_path: Path, s3_server: S3Server
) -> None:
    bucket = s3_server.bucket("people-state")
    p = make_s3_project(tmp_path / "p")
    job = p.root / "jobs/t1/people_to_s3.yaml"
    job.write_text(job.read_text().replace("      object: file\n", "      object: file\n  incremental:\n"
                                           "    strategy: file_modified_time\n", 1))  # fmt: skip
    from rt_project import run_cli

    assert run_cli("compile", ".", cwd=p.root).code == 0
    env = env_for(s3_server, bucket)
    write_people(p, people(30))
    assert run(p, S3_SCHEDULE, "r1", env).code == 0
    state_file = next((p.state / "incremental").rglob("*.json"))
    before = state_file.read_text()
    write_people(p, people(20, start=30), "more.csv")
    job.write_text(job.read_text().replace("      object: file\n", "      object: file\n    - path: /app/data/t1/more.csv\n"
                                           "      object: file\n", 1))  # fmt: skip
    assert run_cli("compile", ".", cwd=p.root).code == 0
    assert run(p, S3_SCHEDULE, "r2", env).code == 0
    state_file.write_text(before)  # a crash after r2's marker, before its state file: the file is behind
    res = run(p, S3_SCHEDULE, "r3", env)
    assert res.code == 0 and res.events("state.from_table"), res.out
    assert res.events("metrics_complete")[0]["records_written"] == 0  # more.csv is not read again
    assert read(s3_server, f"{bucket}/{S3_WHERE}").num_rows == 50


def test_a_full_load_to_s3_keeps_no_incremental_state(tmp_path: Path, s3_server: S3Server) -> None:
    """The job has no incremental block: as on the Iceberg path, no state is read (an unreadable file left
    by an earlier incremental version of the job is not read), applied or saved."""
    from dativo.runtime.state import StateStore

    bucket = s3_server.bucket("people-full")
    p = make_s3_project(tmp_path / "p")
    write_people(p, people(30))
    stale = StateStore(p.state).incremental_path("t1", "jobs/t1/people_to_s3.yaml")
    stale.parent.mkdir(parents=True)
    stale.write_text("{not json", "utf-8")
    env = env_for(s3_server, bucket)
    for run_id in ("r1", "r2"):
        res = run(p, S3_SCHEDULE, run_id, env)
        assert res.code == 0, res.out + res.err
        assert res.events("metrics_complete")[0]["records_extracted"] == 30  # the unchanged file is read again
    assert stale.read_text("utf-8") == "{not json"
    assert [f for f in p.state.glob("incremental/**/*.json") if f != stale] == []
