"""dativo's folder in the user's cache dir: the one rule, for the compiled templates here and the
compiler's check cache (compiler/cache.py). Standard library only: the check cache's fast path imports it."""

from __future__ import annotations

import os
from pathlib import Path


def cache_home() -> Path:
    """dativo's folder in the user's cache dir (XDG_CACHE_HOME, else ~/.cache)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "dativo"
