"""`dativo schema --into PROJECT`: the JSON Schemas inside the project, where editors find them wherever
the project is copied (docs/configuration.md#editors).

A `# yaml-language-server: $schema=PATH` line is resolved relative to the file that holds it; pointing it
outside the project (`../schemas/job.schema.json`, the repository's copy) breaks as soon as the project
is copied elsewhere. So the schemas are written into `<project>/.dativo/schemas/`, and each config file's
first-line schema link is rewritten to the relative path of its schema there: the project carries its
links and their targets together.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

SCHEMA_DIR = ".dativo/schemas"
#: a first line naming one of our schemas by file name (any folder: the line being made portable)
_LINE = re.compile(r"^# yaml-language-server: \$schema=(?P<path>\S*?(?P<name>[a-z-]+\.schema\.json))[ \t]*$")
_SKIP = {".git", ".venv", "node_modules", "__pycache__"}


def plan_changes(root: Path, files: dict[str, str]) -> dict[Path, str]:
    """What `--into` writes: each schema under <root>/.dativo/schemas, and each YAML file of the project
    whose first line links one of them, with that line pointing at the project's copy. Files already
    right are left out."""
    out: dict[Path, str] = {}
    schema_dir = root / SCHEMA_DIR
    for name, text in sorted(files.items()):
        path = schema_dir / name
        if _read(path) != text:
            out[path] = text
    for path in _yaml_files(root):
        content = _read(path)
        if content is None:
            continue
        first, sep, rest = content.partition("\n")
        m = _LINE.match(first)
        if m is None or m.group("name") not in files:
            continue
        want = Path(os.path.relpath(schema_dir / m.group("name"), path.parent)).as_posix()
        if m.group("path") != want:
            out[path] = f"# yaml-language-server: $schema={want}{sep}{rest}"
    return out


def _yaml_files(root: Path) -> list[Path]:
    found: list[Path] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP and not (Path(folder) / d).is_symlink())
        found += [Path(folder, n) for n in sorted(names) if n.endswith((".yaml", ".yml"))]
    return found


def _read(path: Path) -> str | None:
    try:
        return path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def write(changes: dict[Path, str]) -> None:
    for path, text in changes.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
