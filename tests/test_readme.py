"""The README's diagnostics catalogue lists every code, and its commands exist."""

from __future__ import annotations

from dativo.compiler.codes import CATALOGUE
from helpers import REPO

README = (REPO / "README.md").read_text("utf-8")


def test_every_code_is_in_the_catalogue() -> None:
    for code, (title, _) in CATALOGUE.items():
        assert f"| `{code}` | {title} |" in README, code


def test_the_two_commands_are_make_targets() -> None:
    makefile = (REPO / "Makefile").read_text()
    assert "make demo" in README and "make test" in README
    assert "\ndemo:" in makefile and "\ntest:" in makefile
    assert "make test" in (REPO / ".ci" / "run").read_text()
