"""The size rule of the house: no module over 400 lines, no function over 60, in the code we ship and
the benchmark (tests are exempt: a table of cases reads better long)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("compiler", "runtime", "targets", "bench")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def modules() -> list[Path]:
    return sorted(p for folder in FOLDERS for p in (ROOT / folder).rglob("*.py") if ".work" not in p.parts)


def long_functions(path: Path, root: Path = ROOT) -> list[str]:
    """`module:line name (n lines)` for each function or method over the limit, its decorators excluded."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            lines = (node.end_lineno or node.lineno) - node.lineno + 1
            if lines > MAX_FUNCTION_LINES:
                out.append(f"{path.relative_to(root)}:{node.lineno} {node.name} ({lines} lines)")
    return out


def test_the_rule_sees_long_functions(tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    long = tmp_path / "m.py"
    long.write_text(f"def f():\n{body}\n\ndef g():\n    pass\n")
    assert long_functions(long, tmp_path) == [f"m.py:1 f ({MAX_FUNCTION_LINES + 1} lines)"]


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_module_and_function_size(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    problems = [f"{path.relative_to(ROOT)} has {lines} lines"] if lines > MAX_MODULE_LINES else []
    problems += long_functions(path)
    assert not problems, "split these (the limits: module 400 lines, function 60):\n" + "\n".join(problems)
