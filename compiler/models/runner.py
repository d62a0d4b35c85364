"""`configs/runner.yaml`: how and when jobs run."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, WithJsonSchema, field_validator

from .common import Model, RetryConfig


class Schedule(Model):
    name: str = Field(min_length=1)
    config: str | None = None
    dag: str | None = None
    # one line, or several written as a list; the model always holds a list
    cron: Annotated[
        list[str] | None,
        WithJsonSchema(
            {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}, {"type": "null"}]}
        ),
    ] = None
    interval_seconds: int | None = Field(None, gt=0)
    enabled: bool = True
    timezone: str = "UTC"
    max_concurrent_runs: int = Field(1, ge=1, le=1000)
    tags: dict[str, str] = Field(default_factory=dict)
    #: a partial run (warn mode skipped invalid records, exit 1) fails the orchestrator's task, or succeeds;
    #: unset: the project's `partial` (dativo.yaml), whose default is fail (docs/targets.md#partial-runs)
    partial: Literal["fail", "succeed"] | None = None

    @field_validator("cron", mode="before")
    @classmethod
    def _one_line(cls, v: object) -> object:
        return [v] if isinstance(v, str) else v


class Orchestrator(Model):
    type: Literal["dagster", "airflow"] = "dagster"
    concurrency_per_tenant: int = Field(1, ge=1, le=1000)
    schedules: list[Schedule] = Field(default_factory=list)
    retry_config: RetryConfig | None = None


class RunnerBody(Model):
    mode: Literal["orchestrated", "oneshot"] = "orchestrated"
    orchestrator: Orchestrator = Field(default_factory=Orchestrator)


class RunnerConfig(Model):
    runner: RunnerBody
