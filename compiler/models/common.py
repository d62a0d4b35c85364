"""Shared pieces of the config models."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from dativo.runtime import spec as defaults
from dativo.runtime.exitcodes import ExitCode

from ..finite import NOT_FINITE, Free, Number

__all__ = [
    "NOT_FINITE",
    "Free",
    "Number",
    "Model",
    "EngineBlock",
    "JobEngineBlock",
    "RetryConfig",
    "version_text",
]

Role = Literal["source", "target"]
Engine = Literal["airbyte", "singer", "meltano", "native", "jdbc", "spark"]
ENGINES: tuple[str, ...] = Engine.__args__  # type: ignore[attr-defined]


class Model(BaseModel):
    """Strict and closed: unknown keys are errors, YAML text is never coerced to numbers, and every
    number is finite (see Number)."""

    model_config = ConfigDict(
        extra="forbid", strict=True, populate_by_name=True, frozen=False, defer_build=True, allow_inf_nan=False
    )


class EngineBlock(Model):
    """`default_engine` in a recipe, or an `engine` override in a job."""

    type: Engine
    options: dict[str, Free] = Field(default_factory=dict)


class JobEngineBlock(Model):
    """A job's `engine` block: merged over the recipe's `default_engine` key by key, as dativo-ingest does
    (precedence.engine), so a block with only `options` keeps the recipe's engine type."""

    type: Engine | None = None
    options: dict[str, Free] | None = None


class RetryConfig(Model):
    """A `retry_config` block (dativo-ingest's RetryConfig): a key left out takes its default from
    runtime/spec.py; retries are owned by the runtime, so targets keep native retries at 0."""

    max_retries: int = Field(defaults.DEFAULT_MAX_RETRIES, ge=0, le=100)
    initial_delay_seconds: Number = Field(defaults.DEFAULT_INITIAL_DELAY_SECONDS, ge=0)
    max_delay_seconds: Number = Field(defaults.DEFAULT_MAX_DELAY_SECONDS, ge=0)
    backoff_multiplier: Number = Field(defaults.DEFAULT_BACKOFF_MULTIPLIER, ge=1)
    retryable_exit_codes: list[int] = Field(default_factory=defaults.default_retryable_exit_codes)
    retryable_error_patterns: list[str] = Field(default_factory=list)
    # dativo-ingest's older spellings: retry_delay_seconds is the initial delay when that is not set;
    # retryable_errors is read by nothing there either (DTV223 says so)
    retry_delay_seconds: Number | None = Field(None, ge=0)
    retryable_errors: list[str] | None = None

    @model_validator(mode="after")
    def _older_delay(self) -> RetryConfig:
        if "initial_delay_seconds" not in self.model_fields_set and self.retry_delay_seconds is not None:
            self.initial_delay_seconds = self.retry_delay_seconds
        return self

    @field_validator("retryable_error_patterns")
    @classmethod
    def _patterns_compile(cls, v: list[str]) -> list[str]:
        for pattern in v:
            try:
                re.compile(pattern)
            except re.error as e:
                raise ValueError(f"pattern {pattern!r} is not a valid regular expression: {e}") from None
        return v

    @field_validator("retryable_exit_codes")
    @classmethod
    def _codes(cls, v: list[int]) -> list[int]:
        bad = [c for c in v if c not in (ExitCode.PARTIAL, ExitCode.FAIL)]
        if bad:
            raise ValueError(f"exit codes are 1 (partial) or 2 (failure), got {bad[0]}")
        return v


def version_text(v: Any) -> Any:
    """`version: 1.0` unquoted is a float in YAML; keep what the user meant."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return str(v)
    return v
