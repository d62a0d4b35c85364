"""`target.markdown_kv_storage` run for real: a csv file into the embedded Iceberg catalog (each mode), into
Parquet files on S3 (the tests' moto server), and a PostgreSQL table (tests/services/postgres.py), read back
with pyiceberg/pyarrow. The asset describes the Markdown-KV rows; one extracted_at per run id."""

from __future__ import annotations

import json
import textwrap
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from conftest import S3Server
from db_project import make_db_project
from rt_project import Project, make_project, run_cli
from s3_project import FILES, PATH, S3_JOB, S3_SCHEDULE, env_for, read
from services.mysql import MyServer
from services.postgres import PgServer
from test_db_postgres import ROWS_SQL, table

from dativo.runtime.markdown_kv import COLUMNS

RUN = "manual__2026-04-02T10:00:00+00:00"
AT = datetime(2026, 4, 2, 10, tzinfo=UTC)
ROWS = [(1, "Bolt", 1.5, "zinc"), (2, "Nut", 0.25, None)]


def columns(kind: str, required: tuple[str, ...] = ("doc_id",)) -> str:
    """The asset of a storage: its rows' columns, as dativo-ingest's markdown_kv assets list them."""
    lines = [f"- name: {n}\n  type: {t}" + ("\n  required: true" if n in required else "") for n, t in COLUMNS[kind]]
    return "\n" + textwrap.indent("\n".join(lines), "    ") + "\n"


def storage(mode: str, pattern: str | None = None, doc_id_field: str | None = None) -> str:
    text = f"  markdown_kv_storage:\n    mode: {mode}\n"
    text += f"    structured_pattern: {pattern}\n" if pattern else ""
    return text + (f"    doc_id_field: {doc_id_field}\n" if doc_id_field else "")


def csv_project(root: Path, kind: str, block: str, partitioning: str = "") -> Project:
    p = make_project(root, strategy=None, columns=columns(kind), target_connection=block, partitioning=partitioning)
    p.write_csv(ROWS, header="id,title,price,material")
    return p


def test_string_mode_writes_one_document_per_record_once_per_run_id(tmp_path: Path) -> None:
    p = csv_project(tmp_path / "p", "string", storage("string"))
    plan = json.loads(p.plan.read_text())["jobs"]["jobs/t1/items.yaml"]["target"]
    assert plan["markdown_kv_storage"] == {"mode": "string", "structured_pattern": None, "doc_id_field": None}
    res = p.run("--job", "t1.items_hourly", "--run-id", RUN)
    assert res.code == 0, res.out + res.err
    rows = sorted(p.rows().to_pylist(), key=lambda r: r["doc_id"])
    assert rows == [
        # a csv value is text: the id in the front matter is the string "1"
        {"doc_id": "1", "markdown_kv_content": '---\nid: "1"\ntitle: Bolt\n---\n\nprice:: 1.5\nmaterial:: zinc'},
        {"doc_id": "2", "markdown_kv_content": '---\nid: "2"\ntitle: Nut\n---\n\nprice:: 0.25\nmaterial::'},
    ]
    metrics = res.events("metrics_complete")[-1]
    assert (metrics["records_extracted"], metrics["records_written"]) == (2, 2)
    again = p.run("--job", "t1.items_hourly", "--run-id", RUN)
    assert again.code == 0, again.out + again.err
    assert p.rows().num_rows == 2 and len(p.table().snapshots()) == 1


def test_row_per_kv_writes_a_row_per_key_with_the_run_ids_time(tmp_path: Path) -> None:
    p = csv_project(tmp_path / "p", "row_per_kv", storage("structured", "row_per_kv"))
    res = p.run("--job", "t1.items_hourly", "--run-id", RUN)
    assert res.code == 0, res.out + res.err
    rows = sorted(p.rows().to_pylist(), key=lambda r: (r["doc_id"], r["ord"]))
    assert [(r["doc_id"], r["section"], r["key"], r["value"], r["value_json"], r["ord"]) for r in rows] == [
        ("1", "_front_matter", "id", "1", None, 0),
        ("1", "_front_matter", "title", "Bolt", None, 1),
        ("1", "_default", "price", "1.5", "1.5", 2),
        ("1", "_default", "material", "zinc", None, 3),
        ("2", "_front_matter", "id", "2", None, 0),
        ("2", "_front_matter", "title", "Nut", None, 1),
        ("2", "_default", "price", "0.25", "0.25", 2),
        ("2", "_default", "material", "", None, 3),
    ]
    assert {r["extracted_at"] for r in rows} == {AT}
    assert res.events("metrics_complete")[-1]["records_written"] == 8


def test_document_level_writes_nested_sections_in_a_partitioned_table(tmp_path: Path) -> None:
    part = "  partitioning: [ingest_date]\n"
    p = csv_project(tmp_path / "p", "document_level", storage("structured", "document_level", "title"), part)
    res = p.run("--job", "t1.items_hourly", "--run-id", RUN)
    assert res.code == 0, res.out + res.err
    field = p.table().schema().find_field("sections")
    assert str(field.field_type).startswith("list<struct<") and "kv: optional list<struct<" in str(field.field_type)
    rows = sorted(p.rows().to_pylist(), key=lambda r: r["doc_id"])
    assert [(r["doc_id"], r["title"], r["extracted_at"]) for r in rows] == [("Bolt", "Bolt", AT), ("Nut", "Nut", AT)]
    assert rows[0]["sections"] == [
        {"section": "_front_matter", "level": 0, "kv": [{"key": "id", "value": "1", "value_json": None, "ord": 0}]},
        {
            "section": "_default",
            "level": 0,
            "kv": [
                {"key": "price", "value": "1.5", "value_json": "1.5", "ord": 0},
                {"key": "material", "value": "zinc", "value_json": None, "ord": 1},
            ],
        },
    ]
    assert rows[0]["raw_md"].startswith('---\nid: "1"\ntitle: Bolt\n---\n')
    assert isinstance(rows[0]["ingest_date"], date)


def test_a_record_without_a_document_id_fails_the_run_and_commits_nothing(tmp_path: Path) -> None:
    p = make_project(tmp_path / "p", strategy=None, columns=columns("string"), target_connection=storage("string"))
    p.write_csv([("Bolt", 3)], header="name,qty")
    res = p.run("--job", "t1.items_hourly", "--run-id", "r1")
    assert res.code == 2, res.out + res.err
    assert "none of the fields its Markdown-KV document id is taken from" in res.out + res.err
    assert "doc_id_field" in res.out + res.err
    assert p.table().current_snapshot() is None


def s3_project(root: Path, kind: str, block: str) -> Project:
    """tests/runtime/s3_project.py's csv -> s3 project, its asset describing the Markdown-KV rows."""
    files = dict(FILES)
    asset = files["assets/csv/v1.0/people.yaml"].split("        schema:")[0]
    files["assets/csv/v1.0/people.yaml"] = asset + "        schema:" + textwrap.indent(columns(kind), " " * 6)
    for rel in (S3_JOB, "jobs/t1/people_to_minio.yaml"):
        block8 = textwrap.indent(block, " " * 8)
        files[rel] = files[rel].replace("        schema_validation_mode", block8 + "        schema_validation_mode")
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), "utf-8")
    res = run_cli("compile", ".", cwd=root)
    assert res.code == 0, res.out + res.err
    p = Project(root)
    p.write_csv([(7, "Ada", "DE", "2025-03-01")], "people.csv", header="id,name,country,joined")
    return p


def test_row_per_kv_into_parquet_files_on_s3(tmp_path: Path, s3_server: S3Server) -> None:
    bucket = s3_server.bucket("mdkv-s3")
    p = s3_project(tmp_path / "p", "row_per_kv", storage("structured", "row_per_kv"))
    res = p.run("--job", S3_SCHEDULE, "--run-id", RUN, env=env_for(s3_server, bucket))
    assert res.code == 0, res.out + res.err
    got = sorted(read(s3_server, f"{bucket}/raw/csv/people/{PATH}").to_pylist(), key=lambda r: r["ord"])
    assert [(r["doc_id"], r["section"], r["key"], r["value"]) for r in got] == [
        ("7", "_front_matter", "id", "7"),
        ("7", "_default", "name", "Ada"),
        ("7", "_default", "country", "DE"),
        ("7", "_default", "joined", "2025-03-01"),
    ]
    assert {r["extracted_at"] for r in got} == {AT}


def test_string_and_document_level_into_parquet_files_on_s3(tmp_path: Path, s3_server: S3Server) -> None:
    for kind, block in (("string", storage("string")), ("document_level", storage("structured", "document_level"))):
        bucket = s3_server.bucket(f"mdkv-{kind.replace('_', '-')}")
        p = s3_project(tmp_path / kind, kind, block)
        res = p.run("--job", S3_SCHEDULE, "--run-id", RUN, env=env_for(s3_server, bucket))
        assert res.code == 0, res.out + res.err
        (row,) = read(s3_server, f"{bucket}/raw/csv/people/{PATH}").to_pylist()
        text = 'id: "7"\n---\n\nname:: Ada\ncountry:: DE\njoined:: 2025-03-01'
        if kind == "string":
            assert row == {"doc_id": "7", "markdown_kv_content": "---\n" + text}
        else:
            assert (row["doc_id"], row["title"], row["raw_md"], row["extracted_at"]) == ("7", "7", "---\n" + text, AT)
            assert [kv["key"] for s in row["sections"] for kv in s["kv"]] == ["id", "name", "country", "joined"]


def test_postgres_rows_as_markdown_kv_documents_incrementally(tmp_path: Path, postgres_server: PgServer) -> None:
    pg = postgres_server
    name = table(pg, "mdkv_orders", rows=3)
    p = make_db_project(tmp_path / "p", pg, "postgres", name)  # compiled as a plain job, then given the storage
    asset = p.root / "assets/db/v1.0/items.yaml"
    asset.write_text(asset.read_text("utf-8").split("  schema:")[0] + "  schema:" + columns("string"), "utf-8")
    job = p.root / "jobs/t1/items.yaml"
    text = job.read_text("utf-8").replace("schema_validation_mode", storage("string") + "schema_validation_mode")
    job.write_text(text, "utf-8")
    compiled = run_cli("compile", ".", cwd=p.root)
    assert compiled.code == 0, compiled.out + compiled.err
    first = p.run("--job", "t1.items_hourly", "--run-id", "r1")
    assert first.code == 0, first.out + first.err
    rows = sorted(p.rows().to_pylist(), key=lambda r: int(r["doc_id"]))
    assert [r["doc_id"] for r in rows] == ["1", "2", "3"]
    assert rows[0]["markdown_kv_content"] == (
        "---\nid: 1\n---\n\ncustomer_id:: 1\ntotal:: 0.01\nstatus:: open\nupdated_at:: 2026-01-01 00:00:01\nextra::"
    )
    pg.psql(ROWS_SQL.format(t="mdkv_orders", a=4, b=5))
    second = p.run("--job", "t1.items_hourly", "--run-id", "r2")
    assert second.code == 0, second.out + second.err
    assert second.events("metrics_complete")[-1]["records_extracted"] == 2  # the cursor still applies
    assert sorted(int(r["doc_id"]) for r in p.rows().to_pylist()) == [1, 2, 3, 4, 5]


def db_storage_project(root: Path, server: Any, kind: str, name: str) -> Project:
    """A full load of table `name` as Markdown-KV documents (mode string), no doc_id_field."""
    p = make_db_project(root, server, kind, name, incremental=False, columns=columns("string"))
    job = p.root / "jobs/t1/items.yaml"
    text = job.read_text("utf-8").replace("schema_validation_mode", storage("string") + "schema_validation_mode")
    job.write_text(text, "utf-8")
    compiled = run_cli("compile", ".", cwd=p.root)
    assert compiled.code == 0, compiled.out + compiled.err
    return p


def test_the_tables_one_column_primary_key_names_the_document(tmp_path: Path, postgres_server: PgServer) -> None:
    """No field of dativo-ingest's id list (it would say "unknown"): the primary key `order_no` names each."""
    postgres_server.psql(
        "DROP TABLE IF EXISTS mdkv_pk; CREATE TABLE mdkv_pk (status text, order_no text primary key);"
        " INSERT INTO mdkv_pk VALUES ('open', 'SO-1'), ('paid', 'SO-2')"
    )
    p = db_storage_project(tmp_path / "p", postgres_server, "postgres", "public.mdkv_pk")
    res = p.run("--job", "t1.items_hourly", "--run-id", "r1")
    assert res.code == 0, res.out + res.err
    rows = sorted(p.rows().to_pylist(), key=lambda r: r["doc_id"])
    assert rows == [
        {"doc_id": "SO-1", "markdown_kv_content": "status:: open\norder_no:: SO-1"},
        {"doc_id": "SO-2", "markdown_kv_content": "status:: paid\norder_no:: SO-2"},
    ]


def test_mysql_primary_key_names_the_document(tmp_path: Path, mysql_server: MyServer) -> None:
    """dativo-ingest's MySQL employees all become document "unknown"; here `emp_no`, the key, names each."""
    mysql_server.sql(
        "DROP TABLE IF EXISTS mdkv_emp; CREATE TABLE mdkv_emp (emp_no int primary key, first_name varchar(20));"
        " INSERT INTO mdkv_emp VALUES (10001, 'Georgi'), (10002, 'Bezalel')"
    )
    p = db_storage_project(tmp_path / "p", mysql_server, "mysql", "mdkv_emp")
    res = p.run("--job", "t1.items_hourly", "--run-id", "r1")
    assert res.code == 0, res.out + res.err
    assert sorted(r["doc_id"] for r in p.rows().to_pylist()) == ["10001", "10002"]


def test_a_jsonl_source_is_read_whole_each_object_with_its_own_keys(tmp_path: Path) -> None:
    p = make_project(
        tmp_path / "p", strategy=None, source="jsonl", files="/app/data/t1/items.jsonl",
        columns=columns("string"), target_connection=storage("string"),
    )  # fmt: skip
    lines = [{"id": 1, "name": "Bolt", "tags": ["a"]}, {"id": 2, "size": {"mm": 4}, "ok": True}]
    (p.root / "data/t1").mkdir(parents=True, exist_ok=True)
    (p.root / "data/t1/items.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines), "utf-8")
    res = p.run("--job", "t1.items_hourly", "--run-id", RUN)
    assert res.code == 0, res.out + res.err
    rows = sorted(p.rows().to_pylist(), key=lambda r: r["doc_id"])
    # a value is the source's text (a JSON list or object as JSON); a key another object has is an empty line
    assert [r["markdown_kv_content"] for r in rows] == [
        '---\nid: "1"\n---\n\nname:: Bolt\ntags:: ["a"]\nsize::\nok::',
        '---\nid: "2"\n---\n\nname::\ntags::\nsize:: {"mm": 4}\nok:: true',
    ]


def test_connector_records_are_gathered_whole_per_batch() -> None:
    """Airbyte, Singer and plugin sources gather records with records.Rows: without columns (the storage),
    each batch has every key its records have, in the order they appear, each value as text."""
    from dativo.runtime.sources.records import Rows

    rows = Rows(None, size=2)
    assert rows.add({"a": 1, "b": "x"}) is None
    batch = rows.add({"c": True, "a": 2})
    assert batch is not None and batch.schema.names == ["a", "b", "c"]
    assert batch.to_pylist() == [{"a": "1", "b": "x", "c": None}, {"a": "2", "b": None, "c": "true"}]
    assert rows.add({"z": 1.5}) is None
    last = rows.flush()
    assert last is not None and last.to_pylist() == [{"z": "1.5"}]
