"""Each precedence rule in compiler/precedence.py: the highest layer that sets a field wins, and
removing it hands the field to the next layer down (job > asset > recipe > registry > default)."""

from __future__ import annotations

from typing import Any

import pytest

from dativo.compiler import precedence
from dativo.compiler.models import Job, Recipe
from dativo.compiler.models.asset import AssetTarget
from dativo.compiler.models.common import RetryConfig
from dativo.compiler.models.registry import RegistryConnector
from dativo.compiler.precedence import Layers
from dativo.compiler.resolve import AssetView


def job(source: dict[str, Any] | None = None, target: dict[str, Any] | None = None, **extra: Any) -> Job:
    body = {"tenant_id": "acme", "source_connector": "s", "target_connector": "t", "asset": "orders_asset"}
    return Job.model_validate({**body, "source": source or {}, "target": target or {}, **extra})


def recipe(**fields: Any) -> Recipe:
    return Recipe.model_validate({"name": "r", "type": "csv", "roles": ["source", "target"], **fields})


def registry(**fields: Any) -> RegistryConnector:
    base = {"roles": ["source"], "default_engine": "native", "engines_supported": ["native"]}
    return RegistryConnector.model_validate({**base, **fields})


def asset(**target: Any) -> AssetView:
    return AssetView(None, "odcs", "orders", "1.0", "csv", "asset_obj", [], AssetTarget.model_validate(target))  # type: ignore[arg-type]


def layers(
    j: Job | None = None,
    a: AssetView | None = None,
    src: Recipe | None = None,
    tgt: Recipe | None = None,
    reg: RegistryConnector | None = None,
) -> Layers:
    return Layers(job=j or job(), asset=a, source_recipe=src, target_recipe=tgt, registry=reg)


def test_first_set_skips_only_absent_values() -> None:
    assert precedence.first_set(None, [], ["x"], default=["d"]) == []
    assert precedence.first_set(None, None, default=0) == 0


def test_first_given_skips_empty_values() -> None:
    assert precedence.first_given(None, [], ["x"], default=["d"]) == ["x"]
    assert precedence.first_given("", None, default="d") == "d"


def test_objects_job_list_over_job_object_over_tables_over_files_over_asset() -> None:
    full = {
        "objects": ["a", "b"],
        "object": "one",
        "tables": [{"name": "t", "object": "tab"}],
        "files": [{"path": "f.csv", "object": "file"}],
    }
    steps = [("objects", ["a", "b"]), ("object", ["one"]), ("tables", ["tab"]), ("files", ["file"])]
    for key, expected in steps:
        assert precedence.objects(layers(job(source=full), a=asset())) == expected
        full = {k: v for k, v in full.items() if k != key}
    assert precedence.objects(layers(job(source=full), a=asset())) == ["asset_obj"]
    assert precedence.objects(layers(job(source=full))) == []
    assert precedence.objects(layers(job(source={"objects": []}), a=asset())) == ["asset_obj"]  # empty: not set


def test_strategy_job_over_recipe_over_registry_over_none() -> None:
    reg = registry(supports_incremental=True, incremental_strategy_default="file_modified_time")
    src = recipe(incremental={"strategy": "cursor_field"})
    on = {"incremental": {"lookback_days": 1}}  # a non-empty block turns incremental reads on
    j = job(source={"incremental": {"strategy": "full"}})
    assert precedence.strategy(layers(j, src=src, reg=reg)) == "full"
    assert precedence.strategy(layers(job(source=on), src=src, reg=reg)) == "cursor_field"
    assert precedence.strategy(layers(job(source=on), reg=reg)) == "file_modified_time"
    assert precedence.strategy(layers(job(source=on))) is None
    # the registry's default only applies to a connector that supports incremental reads
    no_inc = registry(supports_incremental=False, incremental_strategy_default="file_modified_time")
    assert precedence.strategy(layers(job(source=on), reg=no_inc)) is None


@pytest.mark.parametrize("block", ["absent", None, {}])
def test_strategy_is_a_full_load_unless_the_job_turns_incremental_on(block: Any) -> None:
    """dativo-ingest: a recipe's `incremental` only supplies defaults; absent, null or `{}` is a full load."""
    reg = registry(supports_incremental=True, incremental_strategy_default="file_modified_time")
    src = recipe(incremental={"strategy": "file_modified_time"})
    j = job() if block == "absent" else job(source={"incremental": block})
    assert precedence.strategy(layers(j, src=src, reg=reg)) is None


def test_cursor_job_over_first_table_over_recipe_with_its_origin() -> None:
    src = recipe(incremental={"cursor_field_default": "recipe_col"})
    tables = [{"name": "a"}, {"name": "b", "cursor_field": "b_col"}, {"name": "c", "cursor_field": "c_col"}]
    j = job(source={"tables": tables, "incremental": {"cursor_field": "job_col"}})
    assert precedence.cursor(layers(j, src=src)) == ("job_col", ("source", "incremental", "cursor_field"))
    assert precedence.cursor(layers(job(source={"tables": tables}), src=src)) == (
        "b_col",
        ("source", "tables", 1, "cursor_field"),
    )
    assert precedence.cursor(layers(src=src)) == ("recipe_col", ())
    assert precedence.cursor(layers()) == (None, ())


def test_lookback_job_over_recipe_over_zero_and_explicit_zero_wins() -> None:
    src = recipe(incremental={"lookback_days_default": 3})
    assert precedence.lookback_days(layers(job(source={"incremental": {"lookback_days": 7}}), src=src)) == 7
    assert precedence.lookback_days(layers(job(source={"incremental": {"lookback_days": 0}}), src=src)) == 0
    assert precedence.lookback_days(layers(src=src)) == 3
    assert precedence.lookback_days(layers()) == 0


def test_file_format_job_over_asset_over_target_recipe_over_parquet() -> None:
    tgt = recipe(file_format="avro")
    j = job(target={"file_format": "orc"})
    assert precedence.file_format(layers(j, a=asset(file_format="csv"), tgt=tgt)) == "orc"
    assert precedence.file_format(layers(a=asset(file_format="csv"), tgt=tgt)) == "csv"
    assert precedence.file_format(layers(a=asset(), tgt=tgt)) == "avro"
    assert precedence.file_format(layers()) == "parquet"


def test_partitioning_job_over_asset_over_target_recipe_over_none_and_explicit_empty_wins() -> None:
    tgt = recipe(partitioning_default=["day"])
    a = asset(partitioning=["month"])
    assert precedence.partitioning(layers(job(target={"partitioning": ["year"]}), a=a, tgt=tgt)) == ["year"]
    assert precedence.partitioning(layers(job(target={"partitioning": []}), a=a, tgt=tgt)) == []
    assert precedence.partitioning(layers(a=a, tgt=tgt)) == ["month"]
    assert precedence.partitioning(layers(a=asset(), tgt=tgt)) == ["day"]
    assert precedence.partitioning(layers()) == []


def test_namespace_job_over_tenant() -> None:
    assert precedence.namespace(layers(job(target={"namespace": "sales"}))) == "sales"
    assert precedence.namespace(layers()) == "acme"


def test_table_job_over_asset_name_over_asset_reference() -> None:
    assert precedence.table(layers(job(target={"table": "t"}), a=asset())) == "t"
    assert precedence.table(layers(a=asset())) == "orders"
    assert precedence.table(layers()) == "orders_asset"


def test_connection_job_over_recipe_template_key_by_key() -> None:
    src = recipe(connection_template={"host": "db", "opts": {"a": 1, "b": 2}})
    merged = precedence.connection(src, {"opts": {"b": 3}, "port": 5432})
    assert merged == {"host": "db", "opts": {"a": 1, "b": 3}, "port": 5432}
    assert precedence.connection(None, {"port": 1}) == {"port": 1}
    assert precedence.connection(src, None) == {"host": "db", "opts": {"a": 1, "b": 2}}


@pytest.mark.parametrize("who", ["job", "runner", "builtin"])
def test_retry_job_over_runner_over_builtin(who: str) -> None:
    runner = RetryConfig(max_retries=5)
    j = job(retry_config={"max_retries": 9}) if who == "job" else job()
    chosen = precedence.retry(j, runner if who != "builtin" else None)
    assert chosen.max_retries == {"job": 9, "runner": 5, "builtin": 0}[who]  # builtin: no policy, no retry


def test_retry_block_defaults_are_dativo_ingests() -> None:
    """A key a retry_config block leaves out takes dativo-ingest's RetryConfig default; the older
    retry_delay_seconds is the initial delay unless initial_delay_seconds is set."""
    chosen = precedence.retry(job(retry_config={"backoff_multiplier": 3}), None)
    assert (chosen.max_retries, chosen.initial_delay_seconds, chosen.max_delay_seconds) == (3, 5, 300)
    assert chosen.retryable_exit_codes == [1, 2]
    assert precedence.retry(job(retry_config={"retry_delay_seconds": 7}), None).initial_delay_seconds == 7
    both = {"retry_delay_seconds": 7, "initial_delay_seconds": 2}
    assert precedence.retry(job(retry_config=both), None).initial_delay_seconds == 2


def test_engine_job_block_merged_over_the_recipes_key_by_key() -> None:
    """As dativo-ingest's `{**recipe.default_engine, **job.engine}`: only `options` keeps the recipe's type."""
    src = recipe(default_engine={"type": "native", "options": {"native": {"delimiter": ";"}}})
    de = src.default_engine
    only_options = job(source={"engine": {"options": {"page_size": 100}}}).source.engine
    eng = precedence.engine(only_options, de, "singer")
    assert (eng.type, eng.options, eng.from_job) == ("native", {"page_size": 100}, False)
    only_type = job(source={"engine": {"type": "airbyte"}}).source.engine
    eng = precedence.engine(only_type, de, "singer")
    assert (eng.type, eng.options, eng.from_job) == ("airbyte", {"native": {"delimiter": ";"}}, True)
    assert precedence.engine(None, de, "singer").type == "native"
    assert precedence.engine(only_options, None, "singer") == precedence.Engine("singer", {"page_size": 100}, False)


def test_connection_a_jobs_storage_setting_wins_over_the_recipes_other_spelling() -> None:
    """dativo-ingest's writer reads the job's `connection.s3.bucket`, whatever the recipe's flat `bucket`
    (its s3.yaml: `bucket: ${S3_BUCKET}`) says: the plugin examples write them so, and must not conflict."""
    from dativo.runtime import s3settings

    template = {"bucket": "${S3_BUCKET}", "endpoint": "s3.amazonaws.com", "s3": {"region": "eu-west-1"}}
    r = recipe(connection_template=template)
    merged = precedence.connection(r, {"s3": {"bucket": "my-data-lake", "access_key": "k", "secret_key": "s"}})
    assert merged == {
        "endpoint": "s3.amazonaws.com",  # not set by the job in either spelling: the recipe's
        "s3": {"region": "eu-west-1", "bucket": "my-data-lake", "access_key": "k", "secret_key": "s"},
    }
    assert s3settings.resolve(merged, {}).bucket == "my-data-lake"  # no "say two things"
    # the other way round: the job's flat key over the recipe's s3 block key
    assert precedence.connection(r, {"region": "us-east-1"})["s3"] == {}
    assert r.connection_template == template  # the recipe (shared by every job) is not changed
    # one layer saying two things is still an error, fail closed
    both = precedence.connection(None, {"bucket": "a", "s3": {"bucket": "b"}})
    with pytest.raises(s3settings.SettingsError, match="say two things"):
        s3settings.raw(both)


def test_jobs_share_one_spec_per_distinct_part() -> None:
    """SpecMemo.part: equal field values give the one spec object; other values, or values that cannot key
    a dict, give their own."""
    from pydantic import BaseModel

    from dativo.compiler.jobspec import SpecMemo
    from dativo.runtime.spec import CredentialsSpec, LoggingSpec

    class Listed(BaseModel):
        x: list[int]

    memo = SpecMemo()
    a = memo.part(CredentialsSpec, type="env_file", from_env=None, file="secrets/a/x.env")
    assert memo.part(CredentialsSpec, type="env_file", from_env=None, file="secrets/a/x.env") is a
    b = memo.part(CredentialsSpec, type="env_file", from_env=None, file="secrets/b/x.env")
    assert b is not a and b.file == "secrets/b/x.env"
    assert memo.part(LoggingSpec, level="DEBUG", redaction=False) == LoggingSpec(level="DEBUG", redaction=False)
    assert memo.part(Listed, x=[1]) == Listed(x=[1])  # a list cannot key the memo: made anew, no error
