"""DAGs of jobs (`dags/*.yaml`, seed 004 with `job` in place of `workflow_ref`)."""

from __future__ import annotations

from pydantic import Field

from .common import Free, Model


class Task(Model):
    id: str = Field(min_length=1)
    job: str
    params: dict[str, Free] = Field(default_factory=dict)
    retries: int = Field(0, ge=0, le=100)
    depends_on: list[str] = Field(default_factory=list)


class Dag(Model):
    name: str = Field(min_length=1)
    tenant_id: str = Field(min_length=1)
    tasks: list[Task] = Field(min_length=1)
