"""Emitters, one folder each; a registry of names to modules behind the `Target` protocol.

Each target folder has `settings.py` (its `Settings` model of `targets.<name>` in dativo.yaml, and
`CODE`, the code of a value that model refuses) and a lazily imported `TARGET`. The compiler validates
the settings once, with positions, through `settings_model`; the targets get them typed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import BaseModel

    from dativo.compiler.codes import Code

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


def chosen(wanted: list[str] | None) -> list[str]:
    """The names of the targets a compile renders: `wanted` (`--target`), or all of them, in order."""
    return names() if wanted is None else sorted(set(wanted))


def select(wanted: list[str] | None) -> list[Target]:
    return [importlib.import_module(REGISTRY[n]).TARGET for n in chosen(wanted)]


def settings_model(name: str) -> tuple[type[BaseModel], Code]:
    """The model of `targets.<name>` and the code of a value it refuses (imports only pydantic)."""
    module = importlib.import_module(REGISTRY[name] + ".settings")
    return module.Settings, module.CODE
