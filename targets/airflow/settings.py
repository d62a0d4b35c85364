"""`targets.airflow` in dativo.yaml: every field has a default, so the block is optional."""

from __future__ import annotations

import datetime as dt
import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from dativo.compiler import codes

#: what Airflow accepts in a dag_id (airflow.sdk's KEY_REGEX), for the prefix we put before schedule ids
_DAG_ID_CHARS = re.compile(r"[A-Za-z0-9_.-]*")

#: the code of a value of `targets.airflow` this model refuses (the compiler validates it, once)
CODE = codes.AIRFLOW_SETTINGS


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    dag_id_prefix: str = Field(
        "dativo.", description="put before the schedule id (`<tenant>.<name>`) to make each DAG's dag_id"
    )
    pool_prefix: str = Field("dativo_tenant_", description="put before the tenant id to name the tenant's Airflow pool")
    start_date: str = Field(
        "2024-01-01", description="every DAG's fixed start_date (UTC midnight, YYYY-MM-DD); catchup is off"
    )

    @field_validator("dag_id_prefix", "pool_prefix")
    @classmethod
    def _key_chars(cls, value: str) -> str:
        if not _DAG_ID_CHARS.fullmatch(value):
            raise ValueError("may hold only letters, digits, '_', '.' and '-'")
        return value

    @field_validator("start_date")
    @classmethod
    def _iso_date(cls, value: str) -> str:
        try:
            parsed = dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError("must be a date written YYYY-MM-DD") from None
        if parsed.isoformat() != value:
            raise ValueError("must be a date written YYYY-MM-DD")
        return value

    def start(self) -> dt.date:
        return dt.date.fromisoformat(self.start_date)
