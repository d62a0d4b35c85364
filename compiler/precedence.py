"""Which layer a job's effective value comes from: one named rule per field, each listing its sources
highest precedence first (job > asset > connector recipe > registry > built-in default).

Two ways a layer can leave a field to the next one, and each rule says which it uses:
`first_set` skips only absent values (None), so an explicit `[]` or `0` in a higher layer wins;
`first_given` also skips empty ones (`""`, `[]`), as YAML users write `objects: []` to mean "not here".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from dativo.runtime import s3settings
from dativo.runtime.spec import NO_POLICY_MAX_RETRIES

from .models import Job, Recipe
from .models.common import EngineBlock, JobEngineBlock, RetryConfig
from .models.job import JobIncremental
from .models.recipe import RecipeIncremental
from .models.registry import RegistryConnector

if TYPE_CHECKING:  # resolve.py applies the engine rule, so this module imports it only for types
    from .resolve import AssetView, ResolvedJob

T = TypeVar("T")

#: where a cursor came from: the job path that named it, () when it came from the recipe
Origin = tuple[str | int, ...]


def first_set(*values: T | None, default: T) -> T:
    """The highest layer's value that is present (not None)."""
    for value in values:
        if value is not None:
            return value
    return default


def first_given(*values: T | None, default: T) -> T:
    """The highest layer's value that is present and not empty."""
    for value in values:
        if value:
            return value
    return default


@dataclass(frozen=True)
class Layers:
    """One job's configuration layers, as the rules read them."""

    job: Job
    asset: AssetView | None
    source_recipe: Recipe | None
    target_recipe: Recipe | None
    registry: RegistryConnector | None  # the source connector's registry entry

    @classmethod
    def of(cls, rj: ResolvedJob) -> Layers:
        src, tgt = rj.source, rj.target
        return cls(
            job=rj.job.model,
            asset=rj.asset,
            source_recipe=src.recipe.model if src and src.recipe else None,
            target_recipe=tgt.recipe.model if tgt and tgt.recipe else None,
            registry=src.reg if src else None,
        )

    @property
    def job_incremental(self) -> JobIncremental | None:
        """The job's incremental block when it turns incremental reads on (not absent, null or `{}`)."""
        inc = self.job.source.incremental
        return inc if inc is not None and inc.enabled else None

    @property
    def recipe_incremental(self) -> RecipeIncremental | None:
        return self.source_recipe.incremental if self.source_recipe else None

    @property
    def asset_target(self) -> Any:  # AssetTarget of either asset form
        return self.asset.target if self.asset else None


def objects(ly: Layers) -> list[str]:
    """job `objects` > job `object` > the objects of the job's tables > of its files > the asset's object."""
    s = ly.job.source
    return first_given(
        list(s.objects or []),
        [s.object] if s.object else None,
        [t.object for t in s.tables or [] if t.object],
        [f.object for f in s.files or [] if f.object],
        default=[ly.asset.object] if ly.asset else [],
    )


def strategy(ly: Layers) -> str | None:
    """None (a full load) unless the job turns incremental on, as dativo-ingest does (a recipe's
    `incremental` only supplies defaults); then job > source recipe > the registry's default, the last
    only when neither layer names one and only for a connector that supports incremental reads."""
    job_inc, recipe_inc, reg = ly.job_incremental, ly.recipe_incremental, ly.registry
    if job_inc is None:
        return None
    named = first_given(job_inc.strategy if job_inc else None, default=recipe_inc.strategy if recipe_inc else None)
    registry_default = reg.incremental_strategy_default if reg and reg.supports_incremental else None
    return first_set(named, default=registry_default)


def cursor(ly: Layers) -> tuple[str | None, Origin]:
    """job `incremental.cursor_field` > the first of the job's tables that names one > the recipe's default."""
    job_inc, recipe_inc = ly.job_incremental, ly.recipe_incremental
    named: list[tuple[str | None, Origin]] = [
        (job_inc.cursor_field if job_inc else None, ("source", "incremental", "cursor_field")),
        *((t.cursor_field, ("source", "tables", i, "cursor_field")) for i, t in enumerate(ly.job.source.tables or [])),
    ]
    recipe_default = recipe_inc.cursor_field_default if recipe_inc else None
    return first_given(*((v, o) if v else None for v, o in named), default=(recipe_default, ()))


def lookback_days(ly: Layers) -> int:
    """job > source recipe's default > 0 (an explicit 0 in the job wins)."""
    job_inc, recipe_inc = ly.job_incremental, ly.recipe_incremental
    return first_set(
        job_inc.lookback_days if job_inc else None,
        recipe_inc.lookback_days_default if recipe_inc else None,
        default=0,
    )


def file_format(ly: Layers) -> str:
    """job > asset > target recipe > parquet."""
    return first_given(
        ly.job.target.file_format,
        ly.asset_target.file_format if ly.asset_target else None,
        ly.target_recipe.file_format if ly.target_recipe else None,
        default="parquet",
    )


def partitioning(ly: Layers) -> list[str]:
    """job > asset > target recipe's default > none (an explicit `[]` in a higher layer wins)."""
    return list(
        first_set(
            ly.job.target.partitioning,
            ly.asset_target.partitioning if ly.asset_target else None,
            ly.target_recipe.partitioning_default if ly.target_recipe else None,
            default=[],
        )
    )


def namespace(ly: Layers) -> str:
    """job > the tenant."""
    return first_given(ly.job.target.namespace, default=ly.job.tenant_id)


def table(ly: Layers) -> str:
    """job > the asset's name > the asset the job names (when the asset did not resolve)."""
    return first_given(ly.job.target.table, default=ly.asset.name if ly.asset else ly.job.asset)


def deep_merge(base: Any, over: Any) -> Any:
    """`over` laid over `base`: mappings merge key by key, a null keeps what is under it, anything else
    (lists too) replaces. The one layering rule of connections and of environments' overrides."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = deep_merge(base[k], v) if k in base else v
        return out
    return base if over is None else over


def connection(recipe: Recipe | None, job_connection: dict[str, Any] | None) -> dict[str, Any]:
    """The job's connection over its recipe's `connection_template`, key by key (nested mappings merge).

    A storage setting can be spelled flat (`bucket`) or in an `s3:`/`minio:` block (`s3.bucket`); the
    job's spelling wins over the recipe's other one, as dativo-ingest's writer reads the job's
    `connection.s3.bucket` whatever the recipe's flat `bucket: ${S3_BUCKET}` says."""
    template = (recipe.connection_template if recipe else None) or {}
    job = job_connection or {}
    if not job:  # what the merge below gives then (most jobs leave the recipe's connection alone): the
        return template  # recipe's own mapping, read, never written (SpecMemo.plain sorts it once for them all)
    merged: dict[str, Any] = deep_merge(_without(template, _overridden(template, job)), job)
    return merged


def _storage_keys(conn: dict[str, Any]) -> dict[str, set[tuple[str, ...]]]:
    """canonical storage key (s3settings) -> where `conn` spells it: (`bucket`,) or (`s3`, `bucket`)."""
    out: dict[str, set[tuple[str, ...]]] = {}
    for block in (None, *s3settings.NESTED):
        values = conn if block is None else conn.get(block)
        if not isinstance(values, dict):
            continue
        for key, value in values.items():
            canon = s3settings.canonical(key)
            if canon is not None and value is not None:
                out.setdefault(canon, set()).add((key,) if block is None else (block, key))
    return out


def _overridden(template: dict[str, Any], job: dict[str, Any]) -> set[tuple[str, ...]]:
    """The template's spellings of the storage keys the job sets in another spelling."""
    mine = _storage_keys(job)
    if not mine:
        return set()
    return {p for canon, paths in _storage_keys(template).items() if canon in mine for p in paths - mine[canon]}


def _without(d: dict[str, Any], drop: set[tuple[str, ...]]) -> dict[str, Any]:
    """`d` without the keys at `drop` (one or two levels), as a copy: the recipe model is shared."""
    out = {k: v for k, v in d.items() if (k,) not in drop}
    for k, v in out.items():
        if isinstance(v, dict) and any(p[0] == k for p in drop if len(p) == 2):
            out[k] = {kk: vv for kk, vv in v.items() if (k, kk) not in drop}
    return out


def retry(job: Job, runner_default: RetryConfig | None) -> RetryConfig:
    """job `retry_config` > runner.yaml's orchestrator default > no retries (dativo-ingest retries only a
    job that configures it). Keys a block leaves out take RetryConfig's defaults, dativo-ingest's."""
    chosen = first_set(job.retry_config, runner_default, default=None)
    return chosen if chosen is not None else NO_RETRY


NO_RETRY = RetryConfig(max_retries=NO_POLICY_MAX_RETRIES)  # one object: SpecMemo shares its RetrySpec


@dataclass(frozen=True)
class Engine:
    type: str
    options: dict[str, Any]
    from_job: bool  # the type came from the job's block (its span is the job's)


def engine(job_block: JobEngineBlock | None, recipe_block: EngineBlock | None, registry_default: str) -> Engine:
    """The job's block merged over the recipe's `default_engine` key by key, as dativo-ingest merges
    them (a job's `options` replaces the recipe's whole; a block with only `options` keeps the recipe's
    type); no recipe block: the registry's default engine, without options."""
    base_type = recipe_block.type if recipe_block else registry_default
    base_options: dict[str, Any] = recipe_block.options if recipe_block else {}
    job_type = job_block.type if job_block else None
    job_options = job_block.options if job_block else None
    return Engine(
        type=first_set(job_type, default=base_type),
        options=first_set(job_options, default=base_options),  # a block's own mapping: read, never written
        from_job=job_type is not None,
    )
