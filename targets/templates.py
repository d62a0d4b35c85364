"""The one way targets load their jinja2 templates: strict, verbatim, and compiled once per install.

Templates are dativo's own code, so their compiled form is cached like Python's bytecode: in the
user's cache dir, keyed by jinja2 and Python versions and by each template's source checksum
(jinja2 checks it on every load). Compiling the seven templates cost more than rendering them for
the example project. The cache is best effort: an unwritable dir only means compiling again.
"""

from __future__ import annotations

import sys
from pathlib import Path

import jinja2
from jinja2.bccache import Bucket, FileSystemBytecodeCache

from .cachedir import cache_home


class _BestEffortCache(FileSystemBytecodeCache):
    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # a truncated or foreign file: compile from source, and overwrite it
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            Path(self.directory).mkdir(parents=True, exist_ok=True)
            super().dump_bytecode(bucket)
        except OSError:
            pass


def _bytecode_cache(style: str) -> FileSystemBytecodeCache:
    version = f"jinja2-{jinja2.__version__}-py{sys.version_info[0]}.{sys.version_info[1]}"
    # the style is in the file name: the same source compiles differently with block trimming on
    return _BestEffortCache(str(cache_home() / "templates" / version), f"{style}-%s.cache")


def environment(folder: Path, *, trim_blocks: bool = False) -> jinja2.Environment:
    """An environment over `folder`: undefined names fail, nothing is escaped, text is kept as written
    (trailing newline included); trim_blocks also drops the newline and indent around block tags."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=trim_blocks,
        lstrip_blocks=trim_blocks,
        autoescape=False,
        bytecode_cache=_bytecode_cache("trim" if trim_blocks else "plain"),
    )
