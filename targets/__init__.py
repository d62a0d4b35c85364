"""Emitters, one folder each; a registry of names to modules behind the `Target` protocol."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .base import Target

#: target name -> module that defines `TARGET`; imported only when used (jinja2 stays off `dativo --help`)
REGISTRY: dict[str, str] = {
    "airflow": "dativo.targets.airflow",
    "dagster": "dativo.targets.dagster",
    "kubernetes": "dativo.targets.kubernetes",
    "systemd": "dativo.targets.systemd",
}


def names() -> list[str]:
    return sorted(REGISTRY)


def select(wanted: list[str] | None) -> list[Target]:
    chosen = names() if wanted is None else sorted(set(wanted))
    return [importlib.import_module(REGISTRY[n]).TARGET for n in chosen]
