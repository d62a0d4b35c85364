"""Kubernetes CronJobs for every schedule (issue 5); see docs/targets.md#kubernetes."""

from __future__ import annotations

from typing import Any

__all__ = ["TARGET"]


def __getattr__(name: str) -> Any:
    # lazy: dativo.yaml validation imports `.settings` alone, without the renderer and its templates
    if name == "TARGET":
        from .target import TARGET

        return TARGET
    raise AttributeError(name)
