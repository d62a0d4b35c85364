"""pydantic without its plugin scan, for the batch commands (compiler/cli.py).

pydantic looks for plugins when it builds its first validator. The module that does so imports
importlib.metadata at its top, and with it the email package: about 20 ms of a compile, even when
PYDANTIC_DISABLE_PLUGINS says there is nothing to look for (the batch commands set it: a compile's
output depends on its inputs only). `skip_scan` puts a module of that name in its place that answers
"no plugins" while the variable disables them all, as pydantic's own would, and loads pydantic's own
for anything else: a plugin scan, or any other name pydantic may ask that module for.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import types
from collections.abc import Iterable
from typing import Any

NAME = "pydantic.plugin._loader"
_NONE = ("__all__", "1", "true")  # pydantic's spellings of "every plugin disabled"


def skip_scan() -> None:
    """Install the stand-in, unless pydantic's loader is imported already."""
    if NAME not in sys.modules:
        stand_in: Any = types.ModuleType(NAME)
        stand_in.get_plugins = _get_plugins
        stand_in.__getattr__ = _delegated
        stand_in.STAND_IN = True
        sys.modules[NAME] = stand_in


def _delegated(name: str) -> Any:
    if name.startswith("__"):  # what the import system asks of any module (__path__, ...): not pydantic's
        raise AttributeError(name)
    return getattr(_real(), name)


def _get_plugins() -> Iterable[Any]:
    if os.environ.get("PYDANTIC_DISABLE_PLUGINS") in _NONE:
        return ()
    return _real().get_plugins()


def _real() -> types.ModuleType:
    """pydantic's loader module, imported in the stand-in's place."""
    module = sys.modules.get(NAME)
    if module is not None and vars(module).get("STAND_IN"):
        del sys.modules[NAME]  # import the real one in its place
        module = None
    if module is None:
        import pydantic.plugin

        spec = importlib.util.find_spec(NAME)
        assert spec is not None and spec.loader is not None, NAME
        module = importlib.util.module_from_spec(spec)
        sys.modules[NAME] = module
        spec.loader.exec_module(module)
        pydantic.plugin._loader = module  # type: ignore[attr-defined]
    return module
