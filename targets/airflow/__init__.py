"""The Airflow target: `airflow/dativo_runner_dags.py` (one DAG per schedule) and `airflow/pools.json`."""

from __future__ import annotations

from typing import Any

__all__ = ["TARGET"]


def __getattr__(name: str) -> Any:
    # lazy: dativo.yaml validation imports `.settings` alone, without the renderer and its templates
    if name == "TARGET":
        from .target import TARGET

        return TARGET
    raise AttributeError(name)
