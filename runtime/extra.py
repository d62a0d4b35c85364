"""The runtime extra: `dativo run` needs pyarrow and pyiceberg, which a compile-only install
(`pip install dativo`) leaves out to stay light. Checked before a run starts, so a missing
extra is one clear usage error (exit 2) with the command that installs it, and nothing is written."""

from __future__ import annotations

import importlib.util

MODULES = ("pyarrow", "pyiceberg")
INSTALL = "pip install 'dativo[runtime]'"


def missing() -> str | None:
    """The first runtime module that cannot be imported, or None."""
    for name in MODULES:
        try:
            if importlib.util.find_spec(name) is None:
                return name
        except ImportError:  # a broken install or an import blocker
            return name
    return None


def message(module: str) -> str:
    return f"running jobs needs the runtime extra (module {module!r} is not installed); install it with: {INSTALL}"
