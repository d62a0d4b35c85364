"""dativo-ingest's job keys, in a project of our own written in its shapes (tests/projects/upstream_job_keys/,
one job per group of keys): each is accepted with dativo-ingest's meaning, and the ones this runtime does not
act on yet are warned about (DTV223), never silently dropped. The errors (DTV224, a typo) are bad cases under
tests/cases/bad/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dativo.compiler import pipeline
from dativo.runtime.spec import JobSpec

PROJECT = Path(__file__).parent / "projects" / "upstream_job_keys"


@pytest.fixture(scope="module")
def compiled() -> pipeline.Compilation:
    return pipeline.check_project(PROJECT, cwd=PROJECT)


def _spec(c: pipeline.Compilation, name: str) -> JobSpec:
    return c.specs[f"jobs/acme/{name}.yaml"]


def test_every_key_compiles_and_only_the_ones_not_acted_on_warn(compiled: pipeline.Compilation) -> None:
    found = sorted((d.span.file.removeprefix("jobs/acme/"), d.json_path, d.code) for d in compiled.diags.items)
    assert found == [
        ("catalog_and_plugins.yaml", "$.catalog", "DTV223"),
        ("catalog_and_plugins.yaml", "$.plugins", "DTV223"),
        ("catalog_and_plugins.yaml", "$.source.credentials", "DTV223"),
        ("catalog_and_plugins.yaml", "$.source.rate_limits", "DTV223"),
        ("incremental_on.yaml", "$.source.files[0].id", "DTV223"),
        ("incremental_on.yaml", "$.source.incremental.state_path", "DTV223"),
        # a database source this runtime runs (postgres on meltano: a Singer tap): what would make it read or
        # write something else than the key says is DTV224; markdown_kv_storage is honoured (no finding)
        ("postgres_markdown_kv.yaml", "$.source.dsn", "DTV224"),
        ("postgres_markdown_kv.yaml", "$.source.tables[0].primary_key", "DTV223"),
        ("retry_older_keys.yaml", "$.retry_config.retryable_errors", "DTV223"),
    ]
    assert all(d.severity == "warning" for d in compiled.diags.items if d.code != "DTV224")
    assert len(compiled.specs) == 7


@pytest.mark.parametrize("name", ["full_load", "incremental_empty", "engine_options_only"])
def test_a_job_without_an_incremental_block_is_a_full_load(compiled: pipeline.Compilation, name: str) -> None:
    """The csv recipe names `file_modified_time`, and the registry has it as default: neither turns it on."""
    assert _spec(compiled, name).source.incremental is None


def test_a_non_empty_incremental_block_takes_the_recipes_strategy(compiled: pipeline.Compilation) -> None:
    inc = _spec(compiled, "incremental_on").source.incremental
    assert inc is not None and (inc.strategy, inc.lookback_days) == ("file_modified_time", 1)


def test_an_engine_block_with_only_options_keeps_the_recipes_engine(compiled: pipeline.Compilation) -> None:
    src = _spec(compiled, "engine_options_only").source
    assert (src.engine, src.engine_options) == ("native", {"delimiter": ",", "header": True})


def test_retry_defaults_and_older_keys_are_dativo_ingests(compiled: pipeline.Compilation) -> None:
    retry = _spec(compiled, "retry_older_keys").retry
    assert (retry.max_retries, retry.initial_delay_seconds, retry.retryable_exit_codes) == (2, 7, [1, 2])
    assert _spec(compiled, "full_load").retry.max_retries == 0  # no retry_config: not retried


def test_a_file_object_is_a_label(compiled: pipeline.Compilation) -> None:
    """csv's objects_supported is ["file"] and the asset's object another name: neither DTV211 nor DTV213."""
    spec = _spec(compiled, "full_load")
    assert spec.source.objects == ["Employee"] and spec.asset.object == "Employee_Complete_Dataset"


def test_a_near_miss_in_a_tables_entry_is_still_a_typo(tmp_path: Path) -> None:
    """Other keys of a tables entry are accepted with a warning; one a letter off `cursor_field` is DTV101."""
    proj = tmp_path / "p"
    shutil.copytree(PROJECT, proj)
    job = proj / "jobs" / "acme" / "postgres_markdown_kv.yaml"
    job.write_text(job.read_text("utf-8").replace("primary_key: [id]", "cursor_feild: updated_at"), "utf-8")
    c = pipeline.check_project(proj, cwd=proj)
    typo = [d for d in c.diags.items if d.code == "DTV101"]
    assert [(d.json_path, d.hint) for d in typo] == [
        ("$.source.tables[0].cursor_feild", "did you mean 'cursor_field'?")
    ]


def test_keys_deciding_what_is_read_or_written_are_errors_on_a_source_this_runtime_runs(tmp_path: Path) -> None:
    """The same dsn that warns on the postgres job refuses a csv job: it would run, and read the files
    instead of the database."""
    proj = tmp_path / "p"
    shutil.copytree(PROJECT, proj)
    job = proj / "jobs" / "acme" / "full_load.yaml"
    text = job.read_text("utf-8").replace("  files:", '  dsn: "postgresql://db/shop"\n  files:', 1)
    job.write_text(text, "utf-8")
    c = pipeline.check_project(proj, cwd=proj)
    refused = sorted((d.json_path, d.severity) for d in c.diags.items if d.span.file == "jobs/acme/full_load.yaml")
    assert refused == [("$.source.dsn", "error")]
    assert {d.code for d in c.diags.items if d.span.file == "jobs/acme/full_load.yaml"} == {"DTV224"}


def test_markdown_kv_storage_reaches_the_plan_and_the_sections_column_is_typed(tmp_path: Path) -> None:
    """Honoured, not DTV224: the storage is in the job spec, and an asset's `sections` array column is
    written (no DTV226) with document_level, whose element type the runtime knows."""
    c = pipeline.check_project(PROJECT, cwd=PROJECT)
    kv = _spec(c, "postgres_markdown_kv").target.markdown_kv_storage
    assert kv is not None and (kv.mode, kv.structured_pattern, kv.doc_id_field) == ("structured", "row_per_kv", None)
    proj = tmp_path / "p"
    shutil.copytree(PROJECT, proj)
    (proj / "assets/postgres/v1.0/orders_kv.yaml").write_text(DOCS_ASSET, "utf-8")
    job = proj / "jobs" / "acme" / "postgres_markdown_kv.yaml"
    text = job.read_text("utf-8").replace("structured_pattern: row_per_kv", "structured_pattern: document_level")
    job.write_text(text + "    doc_id_field: order_no\n", "utf-8")
    c = pipeline.check_project(proj, cwd=proj)
    assert not [d for d in c.diags.items if d.code in ("DTV226", "DTV248") or d.severity == "error"][1:]
    kv = _spec(c, "postgres_markdown_kv").target.markdown_kv_storage
    assert kv is not None and (kv.structured_pattern, kv.doc_id_field) == ("document_level", "order_no")
    # the same column on a job without the storage is still DTV226: its element type is not declared
    job.write_text(text.split("  markdown_kv_storage:")[0], "utf-8")
    c = pipeline.check_project(proj, cwd=proj)
    assert [d.code for d in c.diags.items if d.code == "DTV226"] == ["DTV226"]


DOCS_ASSET = """\
asset:
  name: orders_kv
  source_type: postgres
  object: db_orders
  version: "1.0"
  schema:
    - {name: doc_id, type: string, required: true}
    - {name: title, type: string}
    - {name: sections, type: array}
    - {name: raw_md, type: string}
    - {name: extracted_at, type: timestamp}
"""


@pytest.mark.parametrize(
    ("block", "code", "at"),
    [
        ("    mode: structured\n    structured_pattern: hybrid\n", "DTV246", "structured_pattern"),
        ("    mode: raw_file\n    file_extension: .md\n", "DTV247", "mode"),
    ],
)
def test_what_the_runtime_does_not_write_is_an_error_on_every_job(
    tmp_path: Path, block: str, code: str, at: str
) -> None:
    """hybrid fails each run of dativo-ingest; raw_file is written by neither: errors, never rows as read."""
    proj = tmp_path / "p"
    shutil.copytree(PROJECT, proj)
    job = proj / "jobs" / "acme" / "postgres_markdown_kv.yaml"
    text = job.read_text("utf-8").replace("    mode: structured\n    structured_pattern: row_per_kv\n", block)
    job.write_text(text, "utf-8")
    c = pipeline.check_project(proj, cwd=proj)
    found = [(d.code, d.severity, d.json_path) for d in c.diags.items if d.code in ("DTV246", "DTV247")]
    assert found == [(code, "error", f"$.target.markdown_kv_storage.{at}")]


@pytest.mark.parametrize(
    ("column", "words"),
    [
        ("    - {name: customer, type: string, required: true}\n", "'customer' is required, and no Markdown-KV row"),
        ("    - {name: ord, type: string}\n", "'ord' is declared 'string', and the rows hold integer values"),
    ],
)
def test_an_asset_column_the_rows_cannot_fill_is_dtv248(tmp_path: Path, column: str, words: str) -> None:
    proj = tmp_path / "p"
    shutil.copytree(PROJECT, proj)
    asset = proj / "assets/postgres/v1.0/orders_kv.yaml"
    text = asset.read_text("utf-8").replace("    - {name: ord, type: integer}\n", "")
    asset.write_text(text + column, "utf-8")
    found = [d for d in pipeline.check_project(proj, cwd=proj).diags.items if d.code == "DTV248"]
    assert len(found) == 1 and words in found[0].message and found[0].severity == "error", found


def test_with_markdown_kv_storage_the_cursor_is_a_source_column_not_an_asset_column(tmp_path: Path) -> None:
    """dativo-ingest's markdown_kv smoke jobs read `modifieddate` from the source table while their asset
    describes the Markdown-KV documents written: no DTV217 then; without the storage block it is one."""
    proj = tmp_path / "p"
    shutil.copytree(PROJECT, proj)
    job = proj / "jobs" / "acme" / "postgres_markdown_kv.yaml"
    text = job.read_text("utf-8").replace("cursor_field: updated_at", "cursor_field: modifieddate")
    job.write_text(text, "utf-8")
    codes = [
        d.code
        for d in pipeline.check_project(proj, cwd=proj).diags.items
        if d.span.file == "jobs/acme/postgres_markdown_kv.yaml"
    ]
    assert "DTV217" not in codes
    without = text.replace("  markdown_kv_storage:\n    mode: structured\n    structured_pattern: row_per_kv\n", "")
    assert without != text
    job.write_text(without, "utf-8")
    cursor = [d for d in pipeline.check_project(proj, cwd=proj).diags.items if d.code == "DTV217"]
    assert len(cursor) == 1 and "modifieddate" in cursor[0].message
